"""Tracker settings (frozen dataclass; SI inside, documented defaults)."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from radar.constants import EARTH_RADIUS_M
from radar.errors import InputError


@dataclass(frozen=True)
class TrackerParams:
    """Settings of the multi-target tracker.

    Defaults suit light aircraft (50-120 m/s) as well as airliners: two-point initiation
    accepts up to ``v_max_mps`` = 300 m/s.  The process noise values are engineering choices
    (not tuned to a result): 2 m/s^2 horizontal white acceleration (the textbook value the
    baseline also uses) with the IMM's +-2 deg/s turn models carrying 1-3 deg/s turns.
    """

    q_horizontal_mps2: float = 2.0
    """Horizontal white-acceleration standard deviation of the motion models (m/s^2)."""
    q_vertical_mps2: float = 0.5
    """Local-up white-acceleration standard deviation (m/s^2)."""
    gate_chi2_1: float = 10.83
    """Gate for 1-D measurements (chi^2, 99.9 %)."""
    gate_chi2_2: float = 13.82
    """Gate for 2-D measurements (range/azimuth or x/y; chi^2, 99.9 %)."""
    gate_chi2_3: float = 16.27
    """Gate for 3-D measurements (chi^2, 99.9 %)."""
    v_max_mps: float = 300.0
    """Largest speed accepted by two-point initiation (m/s)."""
    vz_max_mps: float = 60.0
    """Largest vertical speed accepted by initiation (m/s)."""
    confirm_m: int = 3
    """Confirm a tentative track after M hits ..."""
    confirm_n: int = 4
    """... within the last N counted opportunities."""
    delete_misses: int = 3
    """Delete a track after this many consecutive counted misses."""
    max_unseen_s: float = 60.0
    """Delete a track this long after its last plot (s)."""
    initiator_max_age_s: float = 25.0
    """A single unassociated plot waits this long for a second plot (s)."""
    initiator_min_dt_s: float = 1.0
    """Smallest time between the two plots of an initiation (s)."""
    initiator_sigmas: float = 3.0
    """Initiation gate: |dp| <= v_max dt + k sigma."""
    window_s: float | None = None
    """Out-of-order window (s); None: the sensors' max link latency + 1 s."""
    imm: bool = True
    """Use the IMM {CV, CT +w, CT -w} (default) instead of the CV filter alone."""
    turn_rate_deg_s: float = 2.0
    """Turn rate w of the IMM's coordinated-turn models (deg/s)."""
    imm_switch_time_s: float = 60.0
    """Mean sojourn time of an IMM mode (s): P(stay over dt) = exp(-dt/tau)."""
    imm_initial_cv_probability: float = 0.8
    """Initial probability of the CV mode (the rest split between the two turns)."""
    batch_fraction: float = 0.125
    """A batch holds one sensor's plots within this fraction of its scan."""
    cell_max_m: float = 20000.0
    """Largest gating grid cell (m); tracks with a larger gate are tested against every plot."""
    mode_c_sigma_m: float = 30.0
    """Mode C height standard deviation (m)."""
    earth_radius_m: float = EARTH_RADIUS_M
    """Sphere used for the local-up direction that splits the process noise (m)."""
    height_memory_s: float = 30.0
    """A track whose last height observation (3D plot or Mode C) is older than this (s), or that never had
    one, holds its height on (range, azimuth) plots instead of estimating it (three TPS-70 scans)."""
    height_prior_agl_m: float = 350.0
    """Held height of a track born from 2D plots without Mode C: this far above the terrain (m), the middle
    of the low-level band where non-cooperative traffic flies (the threat's default 100-600 m AGL)."""
    height_prior_sigma_m: float = 3500.0
    """Vertical standard deviation of that prior (m): the prior is where a low flyer would be, but a 2D plot
    says nothing of the height, and the aircraft may be an airliner at 10 km whose transponder no radar hears;
    so the declared uncertainty spans the band ground..~12 km (uniform: 12 km / sqrt(12), as
    ``height_sigma_max_m``), far above the metrics' horizontal-matching threshold (such rows are matched
    horizontally).  With 1 km, the held rows of airliners seen only by a primary were 8 km off at 8 sigma."""
    height_ceiling_m: float = 15000.0
    """Highest plausible target (m MSL): a held height never exceeds it."""
    duplicate_batches: int = 3
    """A track whose plots keep gating a better-informed track (a code, else an observed height, else older) for
    this many batches in a row is that track's aircraft, and is dropped (one aircraft, one track)."""
    height_sigma_max_m: float = 3500.0
    """Cap of a held height's vertical standard deviation (m): a height known only to lie between the
    ground and ~12 km (uniform: 12 km / sqrt(12)); also the vertical sigma a 3D plot is gated with against
    a held height."""

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "window_s" and v is None:
                continue
            if isinstance(v, bool):
                continue
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError(f"tracker.{f.name} = {v!r}: expected a finite number >= 0")
        if not (1 <= self.confirm_m <= self.confirm_n <= 16):
            raise InputError(f"tracker.confirm_m/confirm_n = {self.confirm_m}/{self.confirm_n}: expected 1 <= M <= N <= 16")
        if self.duplicate_batches < 1:
            raise InputError(f"tracker.duplicate_batches = {self.duplicate_batches}: expected >= 1")
        if self.delete_misses < 1:
            raise InputError(f"tracker.delete_misses = {self.delete_misses}: expected >= 1")
        if self.v_max_mps <= 0 or self.imm_switch_time_s <= 0:
            raise InputError("tracker.v_max_mps and imm_switch_time_s must be > 0")

    @classmethod
    def from_table(cls, table: dict, where: str = "tracker") -> "TrackerParams":
        """Settings from a TOML table (e.g. a scenario's ``[tracker]``): keys are the field names; unknown keys,
        wrong types and out-of-range values raise InputError naming ``where.key``."""
        names = {f.name: f for f in fields(cls)}
        kw = {}
        for key, value in dict(table).items():
            if key not in names:
                raise InputError(f"{where}.{key}: unknown tracker setting; expected one of {', '.join(sorted(names))}")
            default = getattr(cls(), key)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise InputError(f"{where}.{key} = {value!r}: expected true or false")
            elif isinstance(default, int) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise InputError(f"{where}.{key} = {value!r}: expected an integer")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{where}.{key} = {value!r}: expected a number")
            kw[key] = value
        try:
            return cls(**kw)
        except InputError as exc:  # "tracker.key = ...: ..." -> "where.key = ...: ..."
            msg = str(exc)
            raise InputError(f"{where}.{msg[len('tracker.'):]}" if msg.startswith("tracker.") else f"{where}: {msg}") from None

    def with_(self, **kw) -> "TrackerParams":
        return replace(self, **kw)

    def to_array(self, window_s: float, emit_on_update: bool, full_batches: bool) -> np.ndarray:
        from tracker._kernels import tables as k

        p = np.zeros(k.N_PARAMS)
        p[k.P_QH] = self.q_horizontal_mps2
        p[k.P_QV] = self.q_vertical_mps2
        p[k.P_GATE1] = self.gate_chi2_1
        p[k.P_GATE2] = self.gate_chi2_2
        p[k.P_GATE3] = self.gate_chi2_3
        p[k.P_VMAX] = self.v_max_mps
        p[k.P_CONFIRM_M] = self.confirm_m
        p[k.P_CONFIRM_N] = self.confirm_n
        p[k.P_DELETE_MISSES] = self.delete_misses
        p[k.P_MAX_UNSEEN] = self.max_unseen_s
        p[k.P_INIT_MAX_AGE] = self.initiator_max_age_s
        p[k.P_WINDOW] = window_s
        p[k.P_IMM] = 1.0 if self.imm else 0.0
        p[k.P_OMEGA] = math.radians(self.turn_rate_deg_s)
        p[k.P_IMM_TAU] = self.imm_switch_time_s
        p[k.P_CELL_MAX] = self.cell_max_m
        p[k.P_VZ_MAX] = self.vz_max_mps
        p[k.P_BATCH_FRACTION] = self.batch_fraction
        p[k.P_INIT_MIN_DT] = self.initiator_min_dt_s
        p[k.P_EMIT_ON_UPDATE] = 1.0 if emit_on_update else 0.0
        p[k.P_EARTH_R] = self.earth_radius_m
        p[k.P_INIT_K] = self.initiator_sigmas
        p[k.P_MODE_C_SIGMA] = self.mode_c_sigma_m
        p[k.P_IMM_MU_CV] = self.imm_initial_cv_probability
        p[k.P_FULL_BATCHES] = 1.0 if full_batches else 0.0
        p[k.P_H_MEMORY] = self.height_memory_s
        p[k.P_H_PRIOR_AGL] = self.height_prior_agl_m
        p[k.P_H_PRIOR_SIGMA] = self.height_prior_sigma_m
        p[k.P_H_CEILING] = self.height_ceiling_m
        p[k.P_H_SIGMA_MAX] = self.height_sigma_max_m
        p[k.P_DUP_BATCHES] = self.duplicate_batches
        return p
