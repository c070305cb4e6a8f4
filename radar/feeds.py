"""Synthetic radar feeds: what every radar of a network reports for a day's trajectories.

Public layer over the feed kernels (:mod:`radar._kernels.visibility`, :mod:`~radar._kernels.scan`,
:mod:`~radar._kernels.ordering`, :mod:`~radar._kernels.conversion`; their inputs and outputs are the
NamedTuples of :mod:`radar._kernels.columns`):

* :func:`outage_states` (:mod:`radar.outages`) - per radar, a two-state Markov chain over days (P(up -> down) = 1 /
  mean_up_days, P(down -> up) = 1 / mean_down_days per day; day 0 drawn from the stationary
  availability mean_up / (mean_up + mean_down)).  Day d's state is a function of (seed, d) only:
  the chain is replayed from day 0 with draws keyed (seed, day', "outages", radar key).
  :func:`~radar.outages.outage_history` gives one seed's days; :func:`~radar.outages.up_probability` the law over all seeds.
* :func:`scan_phases` - each radar's random antenna phase t0 in [0, T) for the day.
* :func:`generate_plots` - the coarse visible-interval pre-pass (every ``prepass_step_s`` against the
  geometry grid, range and elevation limits), then one kernel over (flight, radar, interval) tasks
  that puts the beam on the target at ``t0 + (theta/2 pi) T + k T``, applies Swerling-1 Pd with
  aspect RCS and the MTI notch (primary), the reply probability (SSR / IFF; transponder on only),
  Mode 3/A + Mode C (100 ft), and noise in the radar's coordinates; then false plots; then the
  Cartesian conversion (:func:`radar.measurement.convert_polar`) and a stable sort by
  (time, sensor, scan, range).

Co-sited heads (a primary and a secondary on one antenna) output one plot stream: :mod:`radar.heads`.

Radar keys (for random streams) are CRC32 of the sensor name ``<site>__<type>``, so a radar's draws
do not depend on which network it is part of or on its position in the list: two networks that
share a radar see the same plots from it on the same day (common random numbers).

Study option (``false_plot_window_m``): keep only the false plots whose ground position lies within
that distance of an airborne target at the plot's time (targets only; tracks do not exist at this
stage).  The number generated and kept are both reported in :class:`FeedStats`.
"""
from __future__ import annotations

import math
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from radar.errors import InputError
from radar.constants import EARTH_RADIUS_M, FT_M, REFRACTION_K
from radar.frame import geodetic_to_ecef
from radar.heads import combine_heads, cosited_heads  # noqa: F401 (cosited_heads: public here too)
from radar.outages import outage_states, radar_key
from radar.rng import stream, stream_key

KIND_CODE = {"PSR_3D": 0, "PSR_2D": 1, "SSR": 2}


@dataclass(frozen=True)
class FeedOptions:
    """Knobs of the feed model (SI units).

    prepass_step_s: sampling step of the visible-interval pre-pass (s).
    mti_notch_mps: Pd x min(1, (|v_r| / mti_notch_mps)^2) [overlays radar_model_additions, 30 km/h].
    aspect_db: RCS aspect offsets (nose, beam, tail) in dB, normalised to a mean of 1 over aspect
        [peru_defaults radar.rcs: -5 / +8 / 0].
    mode_c_step_m: Mode C quantisation (100 ft).
    false_plots: generate false plots at all.
    false_plot_window_m: study option: keep only false plots within this ground distance of an
        airborne target at that time (None: keep all).
    false_plot_ceiling_m: highest height given to a 3D false plot (m MSL; placeholder).
    max_false_per_scan: cap on false plots per revolution (the Poisson mean is ~1).
    combine_window_sigmas: correlation windows of a co-sited head, in standard deviations of the
        primary - secondary difference, sqrt(sigma_p^2 + sigma_s^2), in range and in azimuth (each axis;
        4: a true pair falls outside with probability ~1e-4).
    """

    prepass_step_s: float = 10.0
    mti_notch_mps: float = 8.33
    aspect_db: tuple[float, float, float] = (-5.0, 8.0, 0.0)
    mode_c_step_m: float = 100.0 * FT_M
    false_plots: bool = True
    false_plot_window_m: float | None = None
    false_plot_ceiling_m: float = 12_000.0
    max_false_per_scan: int = 32
    false_plot_max_tries: int = 32
    combine_window_sigmas: float = 4.0

    def __post_init__(self):
        if not (self.prepass_step_s > 0):
            raise InputError(f"feeds.prepass_step_s = {self.prepass_step_s}: must be > 0 (s)")
        if not (self.mti_notch_mps >= 0):
            raise InputError(f"feeds.mti_notch_mps = {self.mti_notch_mps}: must be >= 0 (m/s)")
        if not (self.combine_window_sigmas > 0):
            raise InputError(f"feeds.combine_window_sigmas = {self.combine_window_sigmas}: must be > 0")
        if self.false_plot_window_m is not None and not (self.false_plot_window_m > 0):
            raise InputError(f"feeds.false_plot_window_m = {self.false_plot_window_m}: must be > 0 (m) or unset")


def aspect_norm(aspect_db) -> float:
    """Mean over aspect psi ~ U(0, pi) of g(psi) = 10^(dB(psi)/10), dB piecewise linear nose-beam-tail.

    Closed form of the mean of 10^((a + (b - a) x)/10) over x in [0, 1]: (10^(b/10) - 10^(a/10)) / ((b - a) ln10 / 10).
    """
    nose, beam, tail = aspect_db

    def seg(a, b):
        if abs(b - a) < 1e-12:
            return 10.0 ** (a / 10.0)
        return (10.0 ** (b / 10.0) - 10.0 ** (a / 10.0)) / ((b - a) * math.log(10.0) / 10.0)

    return 0.5 * (seg(nose, beam) + seg(beam, tail))


def scan_phases(radars, seed: int, day: int, partner=None) -> np.ndarray:
    """Each radar's antenna phase t0 (s) for the day: the beam points north at t0 + k T.  The secondary
    of a co-sited head (``partner``, default :func:`cosited_heads`) turns with its primary: it takes the
    primary's phase."""
    radars = list(radars)
    out = np.empty(len(radars))
    for i, r in enumerate(radars):
        out[i] = float(stream(seed, day, "detection", radar_key(r), 0xA5).random()) * r.scan_s
    partner = cosited_heads(radars) if partner is None else partner
    for i, r in enumerate(radars):
        if partner[i] >= 0 and not r.type.is_primary:
            out[i] = out[partner[i]]
    return out


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RadarArrays:
    """Per-radar arrays for the kernels (index = sensor index) plus the geometry grids."""

    lat: np.ndarray
    lon: np.ndarray
    ecef: np.ndarray
    h_ant: np.ndarray
    grid: np.ndarray
    range_max: np.ndarray
    el_min: np.ndarray
    el_max: np.ndarray
    alt_max: np.ndarray
    scan: np.ndarray
    kind: np.ndarray
    iff: np.ndarray
    key: np.ndarray
    snr_ref: np.ndarray
    ref_range: np.ndarray
    ref_rcs: np.ndarray
    pfa: np.ndarray
    pd_coop: np.ndarray
    sigma: np.ndarray
    false_rate: np.ndarray
    gmin: np.ndarray
    gmax: np.ndarray
    partner: np.ndarray  # co-sited head partner (:func:`cosited_heads`), -1 none
    lat0: float
    dlat: float
    lon0: float
    dlon: float


def radar_arrays(radars, geometry) -> RadarArrays:
    """Arrays of ``radars`` with their geometry grids (``geometry``: a :class:`radar.coverage.Geometry`
    or any object with ``lat``/``lon`` (deg, regular), ``min_visible_msl``/``max_visible_msl`` stacks,
    ``antenna_msl_m`` and ``names``)."""
    names = list(geometry.names)
    idx = []
    for r in radars:
        if r.name not in names:
            raise InputError(f"radar {r.name}: no geometry grid for it (geometry has {', '.join(names)})")
        idx.append(names.index(r.name))
    lat_axis = np.asarray(geometry.lat, float)
    lon_axis = np.asarray(geometry.lon, float)
    h_ant = np.asarray(geometry.antenna_msl_m, float)[idx]
    t = [r.type for r in radars]
    f8 = lambda v: np.ascontiguousarray(np.array(v, dtype=np.float64))
    lat = f8([math.radians(r.lat_deg) for r in radars])
    lon = f8([math.radians(r.lon_deg) for r in radars])
    ecef = np.ascontiguousarray(geodetic_to_ecef([r.lat_deg for r in radars], [r.lon_deg for r in radars], h_ant)
                                .reshape(-1, 3))
    sig = np.array([[x.sigma_range_m, x.sigma_azimuth_rad, x.sigma_elevation_rad if x.kind == "PSR_3D" else 0.0]
                    for x in t], float).reshape(-1, 3)
    return RadarArrays(
        lat=lat, lon=lon, ecef=ecef, h_ant=f8(h_ant), grid=np.array(idx, np.int64),
        range_max=f8([x.instrumented_range_m for x in t]), el_min=f8([x.elevation_min_rad for x in t]),
        el_max=f8([x.elevation_max_rad for x in t]), alt_max=f8([x.altitude_max_m for x in t]),
        scan=f8([r.scan_s for r in radars]), kind=np.array([KIND_CODE[x.kind] for x in t], np.int64),
        iff=np.array([bool(x.iff_interrogator) for x in t], np.bool_),
        key=np.array([radar_key(r) for r in radars], np.int64),
        snr_ref=f8([x.snr_ref if x.is_primary else 1.0 for x in t]),
        ref_range=f8([x.ref_range_m if x.is_primary else 1.0 for x in t]),
        ref_rcs=f8([x.ref_rcs_m2 for x in t]), pfa=f8([x.pfa for x in t]),
        pd_coop=f8([x.pd_cooperative for x in t]), sigma=np.ascontiguousarray(sig),
        false_rate=f8([x.false_plots_per_scan if x.is_primary else 0.0 for x in t]),
        gmin=np.ascontiguousarray(geometry.min_visible_msl, dtype=np.float64),
        gmax=np.ascontiguousarray(geometry.max_visible_msl, dtype=np.float64),
        partner=cosited_heads(radars), lat0=math.radians(lat_axis[0]), dlat=math.radians(lat_axis[1] - lat_axis[0]),
        lon0=math.radians(lon_axis[0]), dlon=math.radians(lon_axis[1] - lon_axis[0]))


def kernel_trajectories(traj):
    """The waypoint tables of ``traj`` as the kernels take them (:class:`radar._kernels.columns.Trajectories`)."""
    from radar._kernels.columns import Trajectories

    return Trajectories(traj.offsets, traj.t_s, traj.lat_rad, traj.lon_rad, traj.h_m, traj.phase)


def kernel_radars(ra: RadarArrays, t0, up):
    """The radars of ``ra`` on a day (antenna phases ``t0``, up or down ``up``) as the kernels take them
    (:class:`radar._kernels.columns.Radars`)."""
    from radar._kernels.columns import Radars

    return Radars(ra.lat, ra.lon, ra.ecef, ra.h_ant, ra.grid, ra.range_max, ra.el_min, ra.el_max, ra.alt_max, ra.scan,
                  np.ascontiguousarray(t0, np.float64), ra.kind, ra.iff, ra.key, ra.snr_ref, ra.ref_range, ra.ref_rcs,
                  ra.pfa, ra.pd_coop, ra.sigma, np.ascontiguousarray(up, np.bool_), ra.false_rate)


def kernel_grids(ra: RadarArrays):
    """The geometry grids of ``ra`` as the kernels take them (:class:`radar._kernels.columns.GeometryGrids`)."""
    from radar._kernels.columns import GeometryGrids

    return GeometryGrids(ra.gmin, ra.gmax, ra.lat0, ra.dlat, ra.lon0, ra.dlon)


@dataclass(frozen=True)
class Targets:
    """Per-flight inputs of the feeds (index = trajectory index).

    uid: stable integer id keying the flight's random draws; rcs_m2: mean RCS (S band);
    transponder_on; squawk (octal digits read as decimal, -1 none).
    """

    uid: np.ndarray
    rcs_m2: np.ndarray
    transponder_on: np.ndarray
    squawk: np.ndarray


@dataclass
class FeedStats:
    """Counts and timings of one feed generation."""

    intervals: int = 0
    slots: int = 0
    target_plots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per radar
    false_generated: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per radar
    false_kept: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per radar
    reinforced: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per radar (head primaries)
    intervals_by_radar: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per radar
    slots_by_radar: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per radar
    seconds: dict = field(default_factory=dict)


#: the per-radar arrays of :class:`FeedStats` (index = sensor index)
FEED_STATS_PER_RADAR = ("target_plots", "false_generated", "false_kept", "reinforced", "intervals_by_radar",
                        "slots_by_radar")


def generate_plots(traj, targets: Targets, radars, geometry, seed: int, day: int, up=None,
                   options: FeedOptions | None = None, window: tuple[float, float] | None = None,
                   frame=None, arrays: RadarArrays | None = None, convert: bool = True):
    """All plots of ``radars`` for the day's trajectories.  Returns (:class:`radar.plotlog.Plots`, FeedStats).

    up: bool per radar (default :func:`outage_states`); window: (t_start, t_end) of the false plots
    (default: the trajectories' span).  ``sensor`` = index in ``radars``; ``truth`` = trajectory index.
    """
    from radar._kernels.visibility import prepass

    options = options or FeedOptions()
    radars = list(radars)
    nr = len(radars)
    stats = FeedStats()
    tick = time.perf_counter()
    ra = arrays if arrays is not None else radar_arrays(radars, geometry)
    up = outage_states(radars, seed, day) if up is None else np.asarray(up, bool)
    t0 = scan_phases(radars, seed, day, ra.partner)
    k0, k1 = (np.uint64(v) for v in stream_key(seed, day, "detection"))
    kr = REFRACTION_K * EARTH_RADIUS_M
    tw = kernel_trajectories(traj)
    kra = kernel_radars(ra, t0, up)
    kgr = kernel_grids(ra)
    iv = prepass(tw, kra, kgr, float(options.prepass_step_s), kr, EARTH_RADIUS_M)
    tf, tr, ta, tb = iv.flight, iv.radar, iv.t_a, iv.t_b
    stats.seconds["prepass"] = time.perf_counter() - tick
    tick = time.perf_counter()
    stats.intervals = int(tf.size)
    cap = np.ceil((tb - ta) / ra.scan[tr]).astype(np.int64) + 2 if tf.size else np.zeros(0, np.int64)
    slot_start = np.zeros(tf.size + 1, np.int64)
    np.cumsum(cap, out=slot_start[1:])
    ns = int(slot_start[-1])
    stats.slots = ns
    stats.intervals_by_radar = np.bincount(tr, minlength=nr).astype(np.int64)
    stats.slots_by_radar = np.bincount(tr, weights=cap, minlength=nr).astype(np.int64)
    ws = _workspace_acquire()
    try:
        return _generate(ws, stats, tick, traj, targets, ra, kra, kgr, k0, k1, kr, tw, tf, tr, ta, tb, slot_start, ns,
                         options, window, seed, day, nr, frame, convert)
    finally:
        _workspace_release(ws)


def _generate(ws, stats, tick, traj, targets, ra, kra, kgr, k0, k1, kr, tw, tf, tr, ta, tb, slot_start, ns, options,
              window, seed, day, nr, frame, convert):
    """The scan kernel, false plots, sort and conversion of :func:`generate_plots` (scratch from ``ws``)."""
    from radar._kernels import columns as C
    from radar._kernels import ordering
    from radar._kernels.scan import scan_plots
    from radar.plotlog import Plots

    slots = C.Slots(*ws.slots("", ns, C.Slots._fields))
    o_valid, o_time = slots.valid, slots.time
    nose, beam, tail = options.aspect_db
    tf = np.ascontiguousarray(tf, np.int64)
    tr = np.ascontiguousarray(tr, np.int64)
    tasks = C.ScanTasks(tf, tr, ta, tb, slot_start)
    tg = C.Targets(np.ascontiguousarray(targets.uid, np.int64), np.ascontiguousarray(targets.rcs_m2, np.float64),
                   np.ascontiguousarray(targets.transponder_on, np.bool_), np.ascontiguousarray(targets.squawk, np.int32))
    model = C.ScanModel(kr, EARTH_RADIUS_M, float(nose), float(beam), float(tail), aspect_norm(options.aspect_db),
                        float(options.mti_notch_mps), float(options.mode_c_step_m), k0, k1)
    scan_plots(tasks, tw, tg, kra, kgr, model, slots)
    # the valid slots as rows (task by task), not compacted: the sort gathers the columns from the slots
    counts = np.empty(tf.size, np.int64)
    ordering.valid_counts(o_valid, slot_start, counts)
    row_start = np.zeros(tf.size + 1, np.int64)
    np.cumsum(counts, out=row_start[1:])
    nt = int(row_start[-1])
    stats.target_plots = np.bincount(tr, weights=counts, minlength=nr).astype(np.int64)
    stats.seconds["plots"] = time.perf_counter() - tick
    tick = time.perf_counter()
    stats.false_generated = np.zeros(nr, np.int64)
    stats.false_kept = np.zeros(nr, np.int64)
    fp = {k: np.zeros(0, dt) for k, dt in PLOT_COLUMN_TYPES.items()}
    if options.false_plots and nr:
        if window is None:
            s, e = traj.time_span()
            window = (float(s.min()), float(e.max())) if traj.n_flights else (day * 86400.0, (day + 1) * 86400.0)
        spans = None
        if options.false_plot_window_m is not None:
            # speed: a false plot is kept only near an airborne target, so only the revolutions that overlap
            # a flight's time span are generated (FeedStats.false_generated counts those)
            spans = _radar_spans(traj, ra, options.false_plot_window_m)
        fp = _false_plots(ra, kra, kgr, window, options, seed, day, kr, spans, ws)
        stats.false_generated = np.bincount(fp["sensor"], minlength=nr).astype(np.int64)
        if options.false_plot_window_m is not None:
            keep = _near_targets(fp, ra, traj, options.false_plot_window_m)
            fp = {k: a[keep] for k, a in fp.items()}
        stats.false_kept = np.bincount(fp["sensor"], minlength=nr).astype(np.int64)
    fp = {k: np.ascontiguousarray(fp[k], dt) for k, dt in PLOT_COLUMN_TYPES.items()}
    stats.seconds["false_plots"] = time.perf_counter() - tick
    tick = time.perf_counter()
    # rows: the target plots (valid slots, task by task), then the false plots; one key pass, one stable
    # time order, one gather into the plot table's columns (its dtypes)
    nf = int(fp["time_s"].size)
    n = nt + nf
    key_time = ws.get("key_time", n, np.float64)
    key_src = ws.get("key_src", n, np.int64)
    key_task = ws.get("key_task", n, np.int64)
    ordering.plot_keys(o_valid, slot_start, row_start, o_time, key_time, key_src, key_task)
    key_time[nt:] = fp["time_s"]
    key_src[nt:] = -1 - np.arange(nf, dtype=np.int64)
    key_task[nt:] = -1
    out = {k: _COLUMNS.empty(n, dt) for k, dt in _OUT_TYPES.items()}
    order = _time_order(key_time, ws)
    ordering.gather_slot_plots(order, key_src, key_task, tasks, slots, C.PlotColumns(**fp), C.PlotColumns(**out))
    del order, key_time, key_src, key_task
    _order_ties(out)
    stats.seconds["sort"] = time.perf_counter() - tick
    tick = time.perf_counter()
    stats.reinforced = np.zeros(nr, np.int64)
    if np.any(ra.partner >= 0) and n:
        out, n, relabelled = combine_heads(out, ra, options.combine_window_sigmas, stats.reinforced)
        if relabelled:
            _order_ties(out)
        stats.seconds["combine"] = time.perf_counter() - tick
        tick = time.perf_counter()
    if convert and n:
        out["x_m"], out["y_m"], out["z_m"], out["cov"] = _convert_columns(out, ra, frame)
    plots = Plots.from_columns(n, **out)
    # idle output memory kept for the next call: at most this call's
    _COLUMNS.trim(sum(a.nbytes for a in out.values()))
    stats.seconds["convert"] = time.perf_counter() - tick
    return plots, stats


PLOT_COLUMN_TYPES = dict(time_s=np.float64, sensor=np.int64, range_m=np.float64, azimuth_rad=np.float64,
                         elevation_rad=np.float64, dims=np.int8, mode_c_m=np.float64, squawk=np.int32, truth=np.int64,
                         scan=np.int64)


class _Workspace:
    """Scratch arrays of :func:`generate_plots` (scan slots, sort keys), kept between calls.

    Speed: a fresh array costs a page fault per page on first touch (on a virtual machine, several
    times the cost of writing it); a day of 10,000 flights needs 1.3 GB of scratch, which a second
    call reuses.  :func:`release_workspace` frees it."""

    def __init__(self):
        self.bufs = {}

    def get(self, name: str, n: int, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        b = self.bufs.get(name)
        if b is None or b.size < n or b.dtype != dtype:
            self.bufs.pop(name, None)
            b = np.empty(max(int(n), 1), dtype)
            self.bufs[name] = b
        return b[:n]

    SLOT_TYPES = dict(valid=np.bool_, time=np.float64, range=np.float64, az=np.float64, el=np.float64,
                      dims=np.int8, scan=np.int64, mode_c=np.float64, squawk=np.int32)

    def slots(self, prefix: str, n: int, names) -> tuple:
        """Scratch slot columns ``names`` (dtypes :attr:`SLOT_TYPES`) of ``n`` slots, kept under
        ``prefix + name``; ``valid`` is cleared (the kernels write the other columns of valid slots only)."""
        out = tuple(self.get(prefix + k, n, self.SLOT_TYPES[k]) for k in names)
        if "valid" in names:
            out[list(names).index("valid")][:] = False
        return out


_WORKSPACE = _Workspace()
_WORKSPACE_LOCK = threading.Lock()


def _workspace_acquire() -> _Workspace:
    """The shared workspace, or a fresh one when another thread is using it."""
    return _WORKSPACE if _WORKSPACE_LOCK.acquire(blocking=False) else _Workspace()


def _workspace_release(ws: _Workspace) -> None:
    if ws is _WORKSPACE:
        _WORKSPACE_LOCK.release()


def release_workspace() -> None:
    """Free the scratch arrays :func:`generate_plots` keeps between calls, and the idle output memory of
    :data:`_COLUMNS` (columns still referred to by a caller stay theirs)."""
    with _WORKSPACE_LOCK:
        _WORKSPACE.bufs.clear()
    _COLUMNS.trim(0)


class _ColumnPool:
    """Memory for the large output columns of :func:`generate_plots`, recycled once the caller drops them.

    Speed: on the virtual machines this runs on (CI included), memory freed to the operating system and
    then written again costs a host page fault per page: measured 2-3 s per GB, against ~0.1 s per GB
    for memory the process kept.  A 10,000-flight day returns 1.65 GB of plot columns (their ENU
    conversion included), so the next day's columns are cut from the previous day's buffers when
    nothing refers to them any more.

    A column handed out is a view of a pooled buffer (``base`` is the buffer).  Every view, slice or
    reshape of it refers to the buffer, so the buffer is idle exactly when its reference count is back to
    the pool's own: a caller that keeps a day's plots keeps their memory; one that drops them gives it
    back.  Arrays under ``min_bytes`` are ordinary allocations.  :meth:`trim` bounds the idle memory."""

    def __init__(self, min_bytes: int = 1 << 20, slack: float = 0.125):
        self.min_bytes = int(min_bytes)
        self.slack = float(slack)
        self.bufs: list = []  # uint8 buffers, lent or idle
        self.lock = threading.Lock()

    def _idle(self, i: int) -> bool:
        # references: self.bufs, and getrefcount's argument
        return sys.getrefcount(self.bufs[i]) == 2

    def empty(self, shape, dtype) -> np.ndarray:
        """An uninitialised C-contiguous array of ``shape`` and ``dtype`` (from an idle buffer if one fits)."""
        dtype = np.dtype(dtype)
        shape = (int(shape),) if np.isscalar(shape) else tuple(int(v) for v in shape)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if nbytes < self.min_bytes:
            return np.empty(shape, dtype)
        with self.lock:
            best = -1
            for i in range(len(self.bufs)):
                size = self.bufs[i].nbytes
                if size >= nbytes and self._idle(i) and (best < 0 or size < self.bufs[best].nbytes):
                    best = i
            if best < 0:
                # a little slack, so that a slightly larger day still fits; whole pages
                size = (int(nbytes * (1.0 + self.slack)) + 4095) // 4096 * 4096
                self.bufs.append(np.empty(size, np.uint8))
                best = len(self.bufs) - 1
            return self.bufs[best][:nbytes].view(dtype).reshape(shape)

    def idle_bytes(self) -> int:
        with self.lock:
            return sum(self.bufs[i].nbytes for i in range(len(self.bufs)) if self._idle(i))

    def trim(self, keep_bytes: int) -> None:
        """Drop idle buffers, largest first, until at most ``keep_bytes`` are idle."""
        with self.lock:
            idle = sorted((i for i in range(len(self.bufs)) if self._idle(i)), key=lambda i: -self.bufs[i].nbytes)
            total = sum(self.bufs[i].nbytes for i in idle)
            drop = set()
            for i in idle:
                if total <= keep_bytes:
                    break
                drop.add(i)
                total -= self.bufs[i].nbytes
            self.bufs = [b for i, b in enumerate(self.bufs) if i not in drop]


#: the output memory of generate_plots (see :class:`_ColumnPool`)
_COLUMNS = _ColumnPool()


#: dtypes of the columns generate_plots hands to :class:`radar.plotlog.Plots` (its own, so no copy there)
_OUT_TYPES = dict(PLOT_COLUMN_TYPES, sensor=np.int32, truth=np.int32)


def _time_order(t: np.ndarray, ws=None) -> np.ndarray:
    """``np.argsort(t, kind="stable")`` (parallel bucketed kernel :func:`radar._kernels.ordering.stable_time_order`;
    NumPy's stable argsort if t holds a NaN).  With a workspace ``ws`` the result is its scratch."""
    from radar._kernels import ordering as K

    t = np.ascontiguousarray(t, np.float64)
    ws = ws or _Workspace()
    order = ws.get("order", t.size, np.int64)
    nb = int(max(1, min(1 << 16, t.size // 1024)))
    _ties, ok = K.stable_time_order(t, nb, 16, order, ws.get("order_t", t.size, np.float64))
    if not ok:
        order = np.argsort(t, kind="stable")
    return order


def _order_ties(cols: dict) -> None:
    """In place: the columns, already stably sorted by time, in the stable (time, sensor, scan, range)
    order -- each group of equal times, still in input order, is ordered by a stable lexsort on (sensor,
    scan, range); that is the full stable lexsort.

    Speed: one stable lexsort of all the tied rows by (time, sensor, scan, range) instead of one per group
    (the same permutation: groups are contiguous runs of one time, so sorting them together by time first
    keeps every group in its own rows).  A co-sited head's primary and secondary see an aircraft at the same
    instant, so a day has tens of thousands of two-plot groups."""
    ts = cols["time_s"]
    if ts.size < 2:
        return
    eq = ts[1:] == ts[:-1]
    if not eq.any():
        return
    tied = np.zeros(ts.size, bool)
    tied[1:] |= eq
    tied[:-1] |= eq
    idx = np.flatnonzero(tied)
    sub = idx[np.lexsort((cols["range_m"][idx], cols["scan"][idx], cols["sensor"][idx], ts[idx]))]
    for k in PLOT_COLUMN_TYPES:
        cols[k][idx] = cols[k][sub]


def plot_order(cols: dict) -> np.ndarray:
    """Stable order by (time, sensor, scan, range): ``np.lexsort((range, scan, sensor, time))``.

    Speed: one stable time order (:func:`_time_order`; ties are rare with random antenna phases), then
    only the groups of equal times are ordered by (sensor, scan, range, position) -- the same
    permutation as the stable lexsort, without its four passes over every plot."""
    t = np.asarray(cols["time_s"], np.float64)
    order = _time_order(t)
    if t.size < 2:
        return order
    ts = t[order]
    eq = ts[1:] == ts[:-1]
    if not eq.any():
        return order
    # tie groups [a, b) in sorted position; within each, stable lexsort on the remaining keys
    start = np.nonzero(eq & ~np.concatenate(([False], eq[:-1])))[0]
    stop = np.nonzero(eq & ~np.concatenate((eq[1:], [False])))[0] + 2
    for a, b in zip(start.tolist(), stop.tolist()):
        idx = np.sort(order[a:b])  # the stable sort keeps equal times in their original order
        sub = np.lexsort((cols["range_m"][idx], cols["scan"][idx], cols["sensor"][idx]))
        order[a:b] = idx[sub]
    return order


def sort_plots(cols: dict) -> dict:
    """The ten plot columns in :func:`plot_order` (stable by (time, sensor, scan, range)), in the
    dtypes of :data:`PLOT_COLUMN_TYPES`.

    Speed: a stable time order by the parallel bucketed kernel, one Numba gather of the ten columns
    (:func:`radar._kernels.ordering.gather_plots`), then only the groups of equal times (rare) are ordered
    by (sensor, scan, range)."""
    from radar._kernels.columns import PlotColumns
    from radar._kernels.ordering import gather_plots

    names = tuple(PLOT_COLUMN_TYPES)
    src = [np.ascontiguousarray(cols[k], PLOT_COLUMN_TYPES[k]) for k in names]
    order = _time_order(src[0])
    out = [np.empty(order.size, PLOT_COLUMN_TYPES[k]) for k in names]
    gather_plots(np.ascontiguousarray(order, np.int64), PlotColumns(*src), PlotColumns(*out))
    out = dict(zip(names, out))
    _order_ties(out)
    return out


def _convert_columns(cols: dict, ra: RadarArrays, frame=None):
    """(x, y, z, cov (n, 6)) in scenario ENU of polar plot columns (:func:`radar._kernels.conversion.convert_plots`)."""
    from radar._kernels import columns as C
    from radar._kernels.conversion import convert_plots
    from radar.frame import Frame
    from radar.measurement import MODE_C_SIGMA_M, UNKNOWN_HEIGHT_SIGMA_M

    frame = frame or Frame()
    n = cols["range_m"].size
    x = _COLUMNS.empty(n, np.float64)
    y = _COLUMNS.empty(n, np.float64)
    z = _COLUMNS.empty(n, np.float64)
    cov = _COLUMNS.empty((n, 6), np.float64)
    sensor = np.asarray(cols["sensor"])
    # int32 (the plot table's) or int64 as given: no conversion copy
    sensor = np.ascontiguousarray(sensor, sensor.dtype if sensor.dtype in (np.int32, np.int64) else np.int64)
    sites = C.Sites(ra.lat, ra.lon, ra.h_ant, ra.sigma, np.ascontiguousarray(ra.kind == 0))
    conv = C.Conversion(REFRACTION_K * EARTH_RADIUS_M, EARTH_RADIUS_M, np.ascontiguousarray(frame.origin_ecef, np.float64),
                        np.ascontiguousarray(frame.rotation, np.float64), MODE_C_SIGMA_M, UNKNOWN_HEIGHT_SIGMA_M)
    convert_plots(np.ascontiguousarray(cols["range_m"], np.float64), np.ascontiguousarray(cols["azimuth_rad"], np.float64),
                  np.ascontiguousarray(cols["elevation_rad"], np.float64), np.ascontiguousarray(cols["mode_c_m"], np.float64),
                  sensor, sites, conv, C.Cartesian(x, y, z, cov))
    return x, y, z, cov


def convert_to_enu(cols: dict, ra: RadarArrays, frame=None):
    """Scenario ENU positions (n, 3) and covariances (n, 6) of polar plots (Numba twin of
    :func:`radar.measurement.convert_polar`, which is its test oracle)."""
    x, y, z, cov = _convert_columns(cols, ra, frame)
    return np.column_stack((x, y, z)), cov


def _false_plots(ra: RadarArrays, kra, kgr, window, options: FeedOptions, seed, day, kr, spans=None, ws=None) -> dict:
    """False plots of every up primary radar over ``window`` (``kra``, ``kgr``: the day's
    :func:`kernel_radars` and :func:`kernel_grids`); with ``spans`` (per radar, merged (start, end) times), only
    over the revolutions that overlap one of its spans (+- one revolution) -- the same plots there, since the
    draws are keyed by (radar, revolution).  Slot scratch from the workspace ``ws``."""
    from radar._kernels import columns as C
    from radar._kernels.scan import false_plots

    t0 = kra.t0
    active = kra.up & (ra.false_rate > 0)
    tasks = []  # (radar, first revolution, last revolution)
    for r in np.nonzero(active)[0]:
        T, p0 = float(ra.scan[r]), float(t0[r])
        if spans is None:
            ranges = [(math.floor((window[0] - p0) / T), math.floor((window[1] - p0) / T))]
        else:
            ranges = []
            for s, e in spans[r]:
                s, e = max(s, window[0]), min(e, window[1])
                if s > e:
                    continue
                a, b = math.floor((s - p0) / T) - 1, math.floor((e - p0) / T) + 1
                if ranges and a <= ranges[-1][1] + 1:
                    ranges[-1] = (ranges[-1][0], max(ranges[-1][1], b))
                else:
                    ranges.append((a, b))
        tasks.extend((int(r), a, b) for a, b in ranges if b >= a)
    task_r = np.array([x[0] for x in tasks], np.int64)
    rev_first = np.array([x[1] for x in tasks], np.int64)
    rev_last = np.array([x[2] for x in tasks], np.int64)
    nrev = rev_last - rev_first + 1
    m = int(options.max_false_per_scan)
    slot_start = np.zeros(task_r.size + 1, np.int64)
    np.cumsum(nrev * m, out=slot_start[1:])
    ns = int(slot_start[-1])
    o_valid, o_time, o_range, o_az, o_el, o_dims, o_scan = (ws or _Workspace()).slots(
        "false_", ns, ("valid", "time", "range", "az", "el", "dims", "scan"))
    k0, k1 = (np.uint64(v) for v in stream_key(seed, day, "false_alarms"))
    if ns:
        # the false plots have no Mode C, code: their slot columns are not written
        slots = C.Slots(o_valid, o_time, o_range, o_az, o_el, o_dims, o_scan, np.zeros(0), np.zeros(0, np.int32))
        model = C.FalseModel(kr, EARTH_RADIUS_M, float(options.false_plot_ceiling_m), m,
                             int(options.false_plot_max_tries), k0, k1)
        false_plots(kra, kgr, C.FalseTasks(task_r, rev_first, rev_last, slot_start), model, slots)
    # revolutions whose beam passage falls outside the window are dropped (partial first/last turns)
    v = np.nonzero(o_valid)[0]
    v = v[(o_time[v] >= window[0]) & (o_time[v] <= window[1])]
    # slot -> task -> radar (slots of a task are contiguous)
    sensor = task_r[np.searchsorted(slot_start, v, side="right") - 1] if v.size else np.zeros(0, np.int64)
    n = int(v.size)
    return dict(time_s=o_time[v], sensor=sensor, range_m=o_range[v], azimuth_rad=o_az[v],
                elevation_rad=o_el[v], dims=o_dims[v], mode_c_m=np.full(n, np.nan), squawk=np.full(n, -1, np.int32),
                truth=np.full(n, -1, np.int64), scan=o_scan[v])


def _radar_spans(traj, ra: RadarArrays, window_m: float, step_s: float = 60.0) -> list:
    """Per radar, merged (start, end) times outside which none of its false plots can be kept by
    :func:`_near_targets`: a false plot lies at ground distance <= R_inst from its radar, so a target
    within ``window_m`` of it is within R_inst + window_m of the radar.  Conservative: every flight is
    sampled every ``step_s`` (any phase); sample k marks [t_k - step, t_k + step] for radar r when its
    ground distance d_k satisfies d_k - v_max step <= R_inst + window_m + 1 km (v_max: the flight's
    fastest segment), which covers every instant of that step."""
    from radar._kernels import trajectory as K

    nr = ra.lat.size
    out = [[] for _ in range(nr)]
    if traj.n_flights == 0:
        return out
    start, end = traj.time_span()
    n = np.maximum(np.ceil((end - start) / step_s).astype(np.int64), 0) + 1
    f = np.repeat(np.arange(traj.n_flights), n)
    k = np.arange(f.size) - np.repeat(np.cumsum(n) - n, n)
    t = np.minimum(start[f] + k * step_s, end[f])
    lat, lon, _h, _v, _ph = K.eval_many(traj.offsets, traj.t_s, traj.lat_rad, traj.lon_rad, traj.h_m, traj.phase,
                                        f.astype(np.int64), np.ascontiguousarray(t))
    # fastest ground speed of each flight (m/s) over its segments (spherical chord / dt, dt > 0)
    seg_f = np.repeat(np.arange(traj.n_flights), np.diff(traj.offsets))
    la, lo, ts = traj.lat_rad, traj.lon_rad, traj.t_s
    last = traj.offsets[1:] - 1
    ok = np.ones(la.size, bool)
    ok[last] = False
    i = np.nonzero(ok)[0]
    dt = ts[i + 1] - ts[i]
    hav = np.sin((la[i + 1] - la[i]) / 2) ** 2 + np.cos(la[i]) * np.cos(la[i + 1]) * np.sin((lo[i + 1] - lo[i]) / 2) ** 2
    dist = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(hav, 0, 1)))
    speed = np.where(dt > 0, dist / np.where(dt > 0, dt, 1.0), 0.0)
    speed = np.where(np.isfinite(speed), speed, 1e4)
    vmax = np.zeros(traj.n_flights)
    np.maximum.at(vmax, seg_f[i], speed)
    vmax = vmax[f] * 1.01 + 1.0  # 1 % and 1 m/s of margin against rounding
    good = np.isfinite(lat) & np.isfinite(lon)
    rs = np.nonzero(ra.false_rate > 0)[0]  # radars without false plots need no spans
    # ground distance of every sample from every such radar (haversine), radars x samples
    rl, ro = ra.lat[rs][:, None], ra.lon[rs][:, None]
    hav = np.sin((lat - rl) / 2) ** 2 + np.cos(lat) * np.cos(rl) * np.sin((lon - ro) / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(hav, 0, 1)))
    # a NaN sample (should not happen inside a span) keeps its step, conservatively
    mark = ~good | (d - vmax * step_s <= ra.range_max[rs][:, None] + window_m + 1000.0)
    for q, r in enumerate(rs):
        if mark[q].any():
            out[r] = _merged_spans(t[mark[q]] - step_s, t[mark[q]] + step_s)
    return out


def _merged_spans(start, end) -> list:
    """Union of the intervals [start[i], end[i]] as sorted disjoint (start, end) pairs (vectorised)."""
    start = np.asarray(start, float).reshape(-1)
    end = np.asarray(end, float).reshape(-1)
    if start.size == 0:
        return []
    o = np.lexsort((end, start))
    s, e = start[o], end[o]
    reach = np.maximum.accumulate(e)
    new = np.ones(s.size, bool)
    new[1:] = s[1:] > reach[:-1]
    first = np.nonzero(new)[0]
    last = np.append(first[1:] - 1, s.size - 1)
    return list(zip(s[first].tolist(), reach[last].tolist()))


def _near_targets(fp: dict, ra: RadarArrays, traj, window_m: float) -> np.ndarray:
    """False plots whose ground point lies within ``window_m`` of an airborne target at the plot's time."""
    from radar._kernels.trajectory import near_targets

    n = fp["time_s"].size
    keep = np.zeros(n, bool)
    if n == 0 or traj.n_flights == 0:
        return keep
    s = fp["sensor"]
    # ground point of the false plot (spherical destination at the plot's range along its azimuth)
    d = fp["range_m"] / EARTH_RADIUS_M
    la0, lo0, az = ra.lat[s], ra.lon[s], fp["azimuth_rad"]
    plat = np.arcsin(np.sin(la0) * np.cos(d) + np.cos(la0) * np.sin(d) * np.cos(az))
    plon = lo0 + np.arctan2(np.sin(az) * np.sin(d) * np.cos(la0), np.cos(d) - np.sin(la0) * np.sin(plat))
    start, end = traj.time_span()
    # one kernel over the plots (iteration i writes keep[i]); the flights are few in study settings
    near_targets(np.ascontiguousarray(fp["time_s"], np.float64), np.ascontiguousarray(plat), np.ascontiguousarray(plon),
                 kernel_trajectories(traj), np.ascontiguousarray(start, np.float64), np.ascontiguousarray(end, np.float64),
                 float(window_m), EARTH_RADIUS_M, keep)
    return keep


def warmup() -> None:
    """Compile (or load from cache) the feed kernels on a tiny case."""
    from radar._kernels import trajectory as K

    offs = np.array([0, 2], np.int64)
    t = np.array([0.0, 100.0])
    la = np.array([0.0, 0.001])
    z = np.zeros(2)
    ph = np.array([4, 4], np.int8)
    K.eval_many(offs, t, la, z, z + 1000.0, ph, np.zeros(1, np.int64), np.array([50.0]))
