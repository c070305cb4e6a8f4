"""The engagement model: from a military air picture to scrambles, intercepts and outcomes.

The rule: everything the defender **decides** comes from the picture (classification,
scramble, guidance, where to search); everything that **happens** (contact, identification,
the end-game) is played against the **true** aircraft.

Pipeline for one simulated day, one option, one picture (military, non_integrated or integrated):

1. **Classification on the picture alone** (:func:`classify`): a confirmed or cued track
   becomes *suspect* at its first update at least ``classify_s`` after its birth, unless a
   Mode 3/A code matching a filed flight plan was correlated to it before then, or it
   matched a filed plan itself -- where a planned flight should be, going its way at its
   speed (:mod:`tracker.plans`; an airliner whose transponder no radar hears).  A
   code that matches no plan counts as no reply ("squawks an unplanned code").
   Only picture columns are read (``time_s, track, x/y/z, vx/vy, pos_sigma_m, status,
   squawk``, and ``sigma_v_m`` and ``t_obs_s`` when present) plus the flight-plan code list
   and the filed plans, which operators hold; never truth.
2. **Scramble** ``command_decision_delay`` after the suspect call -- or, when an airborne
   interceptor is still working a nearby track that went stale (a re-acquired target, not a
   new one), retask it -- from the detachment whose free, ready aircraft gives the earliest
   predicted intercept (on the track estimate at the order time), inside the intercept
   radius and endurance.  Bases hold finite pools: aircraft x sortie availability (drawn
   per day), alert seats from the detachment's aircraft and crews (alert depth), the rest on
   standby; each sortie keeps its aircraft until landing + turnaround.  One aircraft per
   scramble.
3. **Guidance, search, contact, identification, end-game, bingo** in
   :func:`scenarios.engagement._kernels.engage_option`: guidance and the search pattern follow
   the picture; the interceptor's sensors look at the true aircraft every dwell.
4. **Truth** says which real aircraft each suspect track is (:func:`associate`: gate
   max(2 km, 3 sigma of the track row), majority of the track's first, suspect and last
   rows; horizontally for rows whose height is held, not observed -- a drug flight seen by a
   2D radar alone is still matched) -- for the physics, and afterwards for the scores
   (:func:`score_flights`); a false scramble names the aircraft truth matched to its track
   (a cooperative airliner, innocent traffic), empty when none (clutter).  Outcomes
   per leg (inbound, loaded outbound) and the flight's best leg by the precedence of
   :data:`OUTCOMES` (best first); innocent aircraft scrambled on are counted.

Engagement draws (aircraft readiness; the radar's Swerling-1 draw per dwell, keyed by the true
aircraft and the dwell's time) come from the ``engagement`` stream keyed by ``(seed, day,
crc32(option id))`` -- never by picture -- so the pictures are compared on identical draws.
"""
from __future__ import annotations

import dataclasses
import math
import zlib
from dataclasses import dataclass

import numpy as np

from radar.errors import InputError
from radar.rng import stream
from scenarios.config.interceptors import EngagementParams, Option
from scenarios.engagement.sun import NIGHT_SUN_ELEVATION_DEG, sun_elevation_deg
# the outcome table and the scores live in the table module, FlightTruth and the day adapter in the truth module;
# their names stay importable from here
from scenarios.engagement.table import (ENDGAME_NAMES, FALSE_SCRAMBLE, KIND_NAMES, LEGS,  # noqa: F401
                                        OUTCOMES, RANK, SENSOR_NAMES, DayScores, OutcomeTable, add_geodetic,
                                        columns_of, score_flights, score_rows, write_csv)
from scenarios.engagement.truth import (FlightTruth, PeruMask, TruthArrays, flight_truth_from_day, peru_mask,
                                        plane_to_geodetic, plans_from_day, truth_arrays)

PICTURE_COLUMNS = ("time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "pos_sigma_m", "status", "squawk",
                   "sigma_v_m", "t_obs_s")
ENG_NAMES = {0: "no_aircraft", 1: "out_of_range", 2: "lost_track", 3: "identified", 4: "no_id_night", 5: "bingo_before_id",
             6: "retasked", 7: "too_late", 8: "target_gone"}


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PictureArrays:
    """A minimal picture (the tracker's ``Picture`` has the same columns): one row per update."""

    time_s: np.ndarray
    track: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    z_m: np.ndarray
    vx_mps: np.ndarray
    vy_mps: np.ndarray
    vz_mps: np.ndarray
    pos_sigma_m: np.ndarray
    status: np.ndarray
    squawk: np.ndarray
    name: str = "military"
    sigma_v_m: np.ndarray | None = None
    """Vertical standard deviation of each row (m); None: heights observed."""
    t_obs_s: np.ndarray | None = None   # observation time of each row (None: the row time)


@dataclass(frozen=True)
class SuspectTracks:
    """Suspect tracks of one picture, rows re-ordered by (track, time).

    rows: indices into the picture of the sorted rows of all suspect tracks, concatenated.
    first/end: each track's row range in ``rows``; t_first / t_suspect: birth and suspect times.
    """

    track: np.ndarray
    t_first: np.ndarray
    t_suspect: np.ndarray
    first: np.ndarray
    end: np.ndarray
    rows: np.ndarray
    n_tracks: int        # all tracks of the picture
    n_cleared: int       # tracks cleared by a planned code before classify_s


def classify(picture, planned_codes, classify_s: float, plans=None, plan_gate_m: float = 5000.0,
             plan_velocity_tolerance: float = 0.3) -> SuspectTracks:
    """Suspect tracks of ``picture`` (causal; reads picture columns, the flight-plan codes and the filed plans
    -- :class:`tracker.plans.FlightPlans`, None: codes only -- never truth)."""
    t = np.asarray(picture.time_s, dtype=float)
    trk = np.asarray(picture.track, dtype=np.int64)
    sq = np.asarray(picture.squawk, dtype=np.int64)
    status = np.asarray(picture.status)
    keep = np.flatnonzero((status == 1) | (status == 2))
    order = keep[np.lexsort((t[keep], trk[keep]))]
    if order.size == 0:
        z = np.zeros(0, np.int64)
        return SuspectTracks(z, np.zeros(0), np.zeros(0), z, z, z, 0, 0)
    ts, ks = t[order], trk[order]
    new = np.ones(ks.size, bool)
    np.not_equal(ks[1:], ks[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1] = ks.size
    seg = np.cumsum(new) - 1
    t_first = ts[starts]
    codes = _code_list(planned_codes)
    planned = np.isin(sq[order], codes) & (sq[order] >= 0)
    t_clear = np.minimum.reduceat(np.where(planned, ts, np.inf), starts)
    eligible = ts - t_first[seg] >= classify_s
    t_susp = np.minimum.reduceat(np.where(eligible, ts, np.inf), starts)
    if plans is not None and len(plans):
        from tracker.plans import plan_matches

        # rows up to the suspect call of tracks no code cleared (the only rows a plan match can change)
        test = np.flatnonzero((ts <= t_susp[seg]) & ~(t_clear[seg] <= t_susp[seg]))
        if test.size:
            r = order[test]
            pos = np.stack([np.asarray(picture.x_m, float)[r], np.asarray(picture.y_m, float)[r],
                            np.asarray(picture.z_m, float)[r]], -1)
            vel = np.stack([np.asarray(picture.vx_mps, float)[r], np.asarray(picture.vy_mps, float)[r]], -1)
            hit = plan_matches(ts[test], pos, vel, plans, plan_gate_m, plan_velocity_tolerance)
            t_plan = np.full(ts.size, np.inf)
            t_plan[test[hit]] = ts[test[hit]]
            t_clear = np.minimum(t_clear, np.minimum.reduceat(t_plan, starts))
    is_suspect = np.isfinite(t_susp) & (t_clear > t_susp)
    idx = np.flatnonzero(is_suspect)
    lengths = (ends - starts)[idx].astype(np.int64)
    rows = order[is_suspect[seg]]   # the suspect tracks' rows, track after track (they are contiguous in order)
    first = np.zeros(idx.size, np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    return SuspectTracks(track=ks[starts][idx], t_first=t_first[idx], t_suspect=t_susp[idx],
                         first=first, end=(first + lengths).astype(np.int64), rows=rows.astype(np.int64),
                         n_tracks=int(starts.size), n_cleared=int(np.sum(np.isfinite(t_clear) & (t_clear <= t_susp))))


def _code_list(planned_codes) -> np.ndarray:
    """The distinct planned codes, sorted (int64)."""
    a = np.asarray(planned_codes)
    if a.ndim == 1 and a.dtype.kind in "iu":
        return np.unique(a.astype(np.int64))
    return np.asarray(sorted(set(int(c) for c in planned_codes)), dtype=np.int64)


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OptionArrays:
    """An option's detachments and aircraft slots as kernel arrays (one day's readiness drawn).

    det_radar: look-down radar range on the reference RCS with the clutter factor (m); det_irst,
    det_eo_day / det_eo_night: IRST and identifying EO/IR (pod or turret) ranges (m), 0 = none;
    det_seats: alert seats held today (min(alert seats, ready aircraft)); key: the option's
    counter-based draw key (two 32-bit words).
    """

    det_x: np.ndarray
    det_y: np.ndarray
    det_h: np.ndarray
    det_v: np.ndarray
    det_climb: np.ndarray
    det_endurance: np.ndarray
    det_radius: np.ndarray
    det_radar: np.ndarray
    det_irst: np.ndarray
    det_eo_day: np.ndarray
    det_eo_night: np.ndarray
    det_escort: np.ndarray
    det_cpfh: np.ndarray
    det_alert_delay: np.ndarray
    det_standby_delay: np.ndarray
    det_turnaround: np.ndarray
    det_seats: np.ndarray
    slot_det: np.ndarray
    slot_ready: np.ndarray
    key: tuple[int, int]


def option_key(option_id: str) -> int:
    """The stable integer that keys an option's engagement draws."""
    return zlib.crc32(option_id.encode("utf-8"))


def option_arrays(option: Option, frame, params: EngagementParams, seed: int, day: int) -> OptionArrays:
    """Kernel arrays of ``option`` with the day's draws from stream (seed, day, engagement, option).

    Draw order (fixed): one uniform per aircraft (ready iff u < sortie availability); the key of
    the per-dwell sensor draws is the stream's key.  Nothing depends on the picture.
    """
    from radar.rng import stream_key

    # the same option on the same day of another network or picture (speed); read-only.  First by identity (the
    # entry holds the objects, so their ids stay theirs; hashing an option walks all its detachments), then by value
    same = (id(option), id(frame), id(params), int(seed), int(day))
    hit = _DAILY_SAME.get(same)
    if hit is not None and hit[0] is option and hit[1] is frame and hit[2] is params:
        return hit[3]
    day_key = (option, frame.origin_ecef.tobytes(), params, int(seed), int(day))
    hit = _DAILY.get(day_key)
    if hit is not None:
        _remember(same, (option, frame, params, hit))
        return hit
    dets = option.detachments
    static = _option_static(option, frame, params)
    rng = stream(seed, day, "engagement", option_key(option.id))
    n_air = sum(d.aircraft for d in dets)
    u_ready = rng.random(n_air)
    slot_det, slot_ready = [], []
    seats = np.zeros(len(dets), np.int64)
    i = 0
    for di, d in enumerate(dets):
        n_ready = 0
        for _ in range(d.aircraft):
            ready = u_ready[i] < d.type.sortie_availability
            i += 1
            slot_det.append(di)
            slot_ready.append(1 if ready else 0)
            n_ready += int(ready)
        seats[di] = min(d.alert_seats, n_ready)
    words = stream_key(seed, day, "engagement", option_key(option.id))
    key = (int(words[0]) & 0xFFFFFFFF, int(words[1]) & 0xFFFFFFFF)
    out = OptionArrays(**static, det_seats=seats, slot_det=np.array(slot_det, dtype=np.int64),
                       slot_ready=np.array(slot_ready, dtype=np.int8), key=key)
    if len(_DAILY) >= 256:
        _DAILY.clear()
    _DAILY[day_key] = out
    _remember(same, (option, frame, params, out))
    return out


_DAILY: dict = {}
_DAILY_SAME: dict = {}
_STATIC: dict = {}


def _remember(key: tuple, entry: tuple) -> None:
    if len(_DAILY_SAME) >= 256:
        _DAILY_SAME.clear()
    _DAILY_SAME[key] = entry


def _option_static(option: Option, frame, params: EngagementParams) -> dict:
    """The detachment arrays of an option (no draws): the same every day, built once per (option, frame,
    params) (speed: a study asked for them 16 times a day).  Shared: the kernels only read them."""
    key = (option, frame.origin_ecef.tobytes(), params)
    out = _STATIC.get(key)
    if out is None:
        dets = option.detachments
        lat = np.array([d.base.lat_deg for d in dets])
        lon = np.array([d.base.lon_deg for d in dets])
        elev = np.array([d.base.elevation_m for d in dets])
        enu = np.atleast_2d(frame.geodetic_to_enu(lat, lon, elev))
        f = lambda attr: np.array([getattr(d.type, attr) for d in dets], dtype=float)  # noqa: E731
        out = dict(det_x=np.ascontiguousarray(enu[:, 0]), det_y=np.ascontiguousarray(enu[:, 1]), det_h=elev,
                   det_v=f("cruise_mps"), det_climb=f("climb_mps"), det_endurance=f("endurance_s"),
                   det_radius=f("intercept_radius_m"), det_radar=f("radar_m") * params.clutter_factor,
                   det_irst=f("irst_m"), det_eo_day=np.array([d.id_range_m[0] for d in dets], float),
                   det_eo_night=np.array([d.id_range_m[1] for d in dets], float),
                   det_escort=f("min_escort_mps"), det_cpfh=f("cpfh_usd"),
                   det_alert_delay=np.array([d.alert_delay_s for d in dets], float),
                   det_standby_delay=np.array([d.standby_delay_s for d in dets], float),
                   det_turnaround=np.array([d.type.turnaround_s if math.isfinite(d.type.turnaround_s)
                                            else params.turnaround_s for d in dets], float))
        if len(_STATIC) > 256:
            _STATIC.clear()
        _STATIC[key] = out
    return out


@dataclass(frozen=True)
class RowState:
    """Kernel row arrays of a picture's suspect tracks (sorted by track, time)."""

    t: np.ndarray
    tobs: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    h: np.ndarray
    vx: np.ndarray
    vy: np.ndarray
    sigma: np.ndarray
    night: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    sigma_v: np.ndarray | None = None


def row_state(picture, suspects: SuspectTracks, frame) -> RowState:
    """Geodetic height and the night flag (sun < -6 deg at the track position) of each suspect row;
    the observation time of each row (a cross-told report's, else the row time)."""
    r = suspects.rows
    x = np.ascontiguousarray(np.asarray(picture.x_m, float)[r])
    y = np.ascontiguousarray(np.asarray(picture.y_m, float)[r])
    z = np.asarray(picture.z_m, float)[r]
    t = np.ascontiguousarray(np.asarray(picture.time_s, float)[r])
    t_obs = getattr(picture, "t_obs_s", None)
    tobs = t.copy() if t_obs is None else np.ascontiguousarray(np.asarray(t_obs, float)[r])
    tobs = np.where(np.isfinite(tobs), np.minimum(tobs, t), t)
    if r.size:
        lat, lon, h = frame.enu_to_geodetic(np.stack([x, y, z], axis=-1))
        epoch = frame.epoch.timestamp()
        night = (sun_elevation_deg(epoch + t, lat, lon) < NIGHT_SUN_ELEVATION_DEG).astype(np.int8)
    else:
        lat = lon = h = np.zeros(0)
        night = np.zeros(0, np.int8)
    # a track row without a velocity (NaN) is taken as stationary, without a sigma as 3 km (a cross-tell)
    sv = getattr(picture, "sigma_v_m", None)
    return RowState(t=t, tobs=np.ascontiguousarray(tobs), x=x, y=y, z=z, h=np.ascontiguousarray(h, dtype=float),
                    vx=_finite(np.asarray(picture.vx_mps, float)[r], 0.0),
                    vy=_finite(np.asarray(picture.vy_mps, float)[r], 0.0),
                    sigma=_finite(np.asarray(picture.pos_sigma_m, float)[r], 3000.0),
                    night=night, lat=np.asarray(lat), lon=np.asarray(lon),
                    sigma_v=None if sv is None else np.asarray(sv, float)[r])


def _finite(a: np.ndarray, nan: float) -> np.ndarray:
    """``np.nan_to_num(a, nan=nan)`` as a contiguous array (``a`` is a fresh copy: changed in place); only the
    check when every value is finite (speed)."""
    a = np.ascontiguousarray(a)
    if not np.isfinite(a).all():
        np.nan_to_num(a, copy=False, nan=nan)
    return a


@dataclass(frozen=True)
class Engagements:
    """Per suspect track of one (option, picture): the kernel outputs (order = scramble order).

    code (ENG_*), slot and detachment (-1: none launched), times (s; NaN when absent): t_air,
    t_contact, t_id, t_search (the search pattern began; NaN: none), t_done (the sortie's work
    ended); contact_sensor / id_sensor (index into SENSOR_NAMES), contact_range (true range at
    contact, m), (x, y) the interceptor at contact, (id_x, id_y) at identification; night (1:
    night at the target at identification, else at contact, else on the picture at the order);
    endgame (index into ENDGAME_NAMES); flight (the true aircraft's index in the day, -1 none).
    """

    track: np.ndarray
    t_first: np.ndarray
    t_suspect: np.ndarray
    t_order: np.ndarray
    first: np.ndarray
    end: np.ndarray
    code: np.ndarray
    slot: np.ndarray
    detachment: np.ndarray
    t_air: np.ndarray
    t_contact: np.ndarray
    t_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    hours: np.ndarray
    cost_usd: np.ndarray
    searched: np.ndarray
    t_search: np.ndarray
    retask_of: np.ndarray  # engagement (index in this table) whose airborne interceptor was retasked here, -1 none
    source: np.ndarray   # index of each engagement's track in the SuspectTracks
    contact_sensor: np.ndarray = None
    contact_range: np.ndarray = None
    id_sensor: np.ndarray = None
    id_x: np.ndarray = None
    id_y: np.ndarray = None
    night: np.ndarray = None
    endgame: np.ndarray = None
    t_done: np.ndarray = None
    flight: np.ndarray = None


def _pure_python(module, name):
    """``module.name`` as plain CPython: every Numba dispatcher it calls is swapped for its
    ``py_func`` (rebound on a shared globals dict), so the oracle runs no compiled code."""
    import types

    g = dict(vars(module))
    for key, value in list(g.items()):
        if hasattr(value, "py_func"):
            f = value.py_func
            g[key] = types.FunctionType(f.__code__, g, key, f.__defaults__, f.__closure__)
    return g[name]


def kernel_params(params: EngagementParams, key: tuple[int, int]) -> np.ndarray:
    """The kernel's scalar parameters (``_engage_kernels.P_*``)."""
    from scenarios.engagement import _kernels as K

    prm = np.zeros(K.N_P)
    prm[K.P_PHASE12] = params.phase_i_s + params.phase_ii_s
    prm[K.P_ENDGAME] = params.endgame_s
    prm[K.P_RESERVE] = params.reserve_s
    prm[K.P_SEARCH_AGE] = params.search_after_track_age_s
    prm[K.P_TURNAROUND] = params.turnaround_s
    prm[K.P_K_SIGMA] = params.search_sigma_factor
    prm[K.P_K_DRIFT] = params.search_drift_factor
    prm[K.P_ABORT] = params.abort_persist_s
    prm[K.P_RETASK_MIN] = params.retask_min_m
    prm[K.P_DWELL] = params.dwell_s
    prm[K.P_SPACING] = params.search_spacing_ranges
    prm[K.P_VIS_DET] = params.visual_detect_m
    prm[K.P_VIS_ID] = params.visual_id_m
    prm[K.P_SNR_REF] = math.log(params.radar_pfa) / math.log(params.radar_pd_ref) - 1.0
    prm[K.P_LN_PFA] = math.log(params.radar_pfa)
    prm[K.P_REF_RCS] = params.radar_ref_rcs_m2
    prm[K.P_KEY0], prm[K.P_KEY1] = float(key[0]), float(key[1])
    return prm


def _no_truth() -> TruthArrays:
    z = np.zeros(0)
    return TruthArrays(flights=np.zeros(0, np.int64), off=np.zeros(1, np.int64), t0=z, dt=10.0, x=z, y=z,
                       night=np.zeros(0, np.uint8), rcs=z, drug=np.zeros(0, np.uint8), exit=z)


def engage(rows: RowState, suspects: SuspectTracks, opt: OptionArrays, params: EngagementParams,
           truth: TruthArrays | None = None, flight_of: np.ndarray | None = None, mask: PeruMask | None = None,
           python: bool = False) -> Engagements:
    """Run the engagement kernel (``python=True``: the same code as plain CPython, the oracle).

    truth / flight_of: the true aircraft of each suspect track (index into the day's flights, -1
    none; :func:`associate`) and their :class:`TruthArrays`; None: no real aircraft anywhere (no
    contact ever happens).  mask: where Peru is (None: everywhere)."""
    truth = truth if truth is not None else _no_truth()
    return _play(_scrambles(rows, suspects, params, truth, flight_of), _world(truth, mask), _fleet(opt, params),
                 python)


@dataclass(frozen=True)
class _Scrambles:
    """A picture's scramble orders, the same for every option (suspect tracks in order of the order time, then
    track) and its kernel inputs.  Arrays shared by the :class:`Engagements` of every option: read-only."""

    order: np.ndarray
    track: np.ndarray
    t_first: np.ndarray
    t_suspect: np.ndarray
    t_order: np.ndarray
    first: np.ndarray
    end: np.ndarray
    flight: np.ndarray
    rows: tuple    # _kernels.PictureRows
    orders: tuple  # _kernels.Orders
    none: Engagements | None = None   # no suspect track: every option's (empty) engagements


def _scrambles(rows: RowState, suspects: SuspectTracks, params: EngagementParams, truth: TruthArrays,
               flight_of: np.ndarray | None) -> _Scrambles:
    from scenarios.engagement import _kernels as K

    t_order = suspects.t_suspect + params.decision_delay_s
    order = np.lexsort((suspects.track, t_order))
    first = np.ascontiguousarray(suspects.first[order])
    end = np.ascontiguousarray(suspects.end[order])
    t_ord = np.ascontiguousarray(t_order[order])
    n = order.size
    day_flight = (np.asarray(flight_of, np.int64)[order] if flight_of is not None else np.full(n, -1, np.int64))
    local = np.ascontiguousarray(truth.local(day_flight) if n else np.zeros(0, np.int64))
    sc = _Scrambles(order=order, track=suspects.track[order], t_first=suspects.t_first[order],
                    t_suspect=suspects.t_suspect[order], t_order=t_ord, first=first, end=end, flight=day_flight,
                    rows=K.PictureRows(rows.t, rows.tobs, rows.x, rows.y, rows.h, rows.vx, rows.vy, rows.sigma,
                                       rows.night),
                    orders=K.Orders(first, end, t_ord, local))
    if n == 0:  # nothing to play (speed: about 2 pictures in 5 of a study; the kernel would write nothing)
        sc = dataclasses.replace(sc, none=_engagements(sc, K.new_outcomes(0), np.zeros(0, np.int64), np.zeros(0)))
    return sc


def _world(truth: TruthArrays, mask: PeruMask | None) -> tuple:
    """The kernel's (Truth, Mask) of a day: the same for every option and picture."""
    from scenarios.engagement import _kernels as K

    if mask is None:
        m_arr, m_x0, m_y0, m_cell = np.ones((1, 1), np.uint8), -1e9, -1e9, 2e9
    else:
        m_arr, m_x0, m_y0, m_cell = mask.mask, mask.x0, mask.y0, mask.cell
    return (K.Truth(truth.off, truth.t0, truth.dt, truth.x, truth.y, truth.night, truth.rcs, truth.drug, truth.exit,
                    truth.flights),
            K.Mask(m_arr, m_x0, m_y0, m_cell))


def _fleet(opt: OptionArrays, params: EngagementParams) -> tuple:
    """The kernel's (option, Fleet, parameters, path capacity) of an option's day: the same for every picture."""
    from scenarios.engagement import _kernels as K

    fleet = K.Fleet(opt.det_x, opt.det_y, opt.det_h, opt.det_v, opt.det_climb, opt.det_endurance, opt.det_radius,
                    opt.det_radar, opt.det_irst, opt.det_eo_day, opt.det_eo_night, opt.det_escort, opt.det_alert_delay,
                    opt.det_standby_delay, opt.det_turnaround, opt.det_seats, opt.slot_det, opt.slot_ready)
    path_cap = int(max(opt.det_endurance.max(initial=0.0), 1.0) / params.dwell_s) + 8
    return opt, fleet, kernel_params(params, opt.key), path_cap


def _play(sc: _Scrambles, world: tuple, fleet: tuple, python: bool = False) -> Engagements:
    """One option's engagements over one picture (:func:`engage` with its inputs prepared)."""
    from scenarios.engagement import _kernels as K

    if sc.none is not None:
        return sc.none
    opt, k_fleet, prm, path_cap = fleet
    out = K.new_outcomes(sc.order.size)
    fn = _pure_python(K, "engage_option") if python else K.engage_option
    fn(sc.rows, sc.orders, world[0], world[1], k_fleet, prm, path_cap, out)
    slot = out.slot
    det = np.where(slot >= 0, opt.slot_det[np.maximum(slot, 0)], -1)
    cost = np.where(det >= 0, out.hours * opt.det_cpfh[np.maximum(det, 0)], 0.0)
    return _engagements(sc, out, det, cost)


def _engagements(sc: _Scrambles, out, det: np.ndarray, cost: np.ndarray) -> Engagements:
    """The :class:`Engagements` of the kernel's outputs ``out`` over the scramble orders ``sc``."""
    slot = out.slot
    return Engagements(track=sc.track, t_first=sc.t_first, t_suspect=sc.t_suspect,
                       t_order=sc.t_order, first=sc.first, end=sc.end, code=out.code.astype(np.int8), slot=slot,
                       detachment=det, t_air=out.t_air, t_contact=out.t_contact, t_id=out.t_id,
                       x=out.cx, y=out.cy, hours=out.hours, cost_usd=cost,
                       searched=out.searched.astype(np.int8), t_search=out.t_search,
                       retask_of=out.retask_of, source=sc.order,
                       contact_sensor=out.c_sensor.astype(np.int8), contact_range=out.c_range,
                       id_sensor=out.id_sensor.astype(np.int8), id_x=out.id_x, id_y=out.id_y,
                       night=out.night.astype(np.int8), endgame=out.endgame.astype(np.int8),
                       t_done=out.t_end, flight=sc.flight)


# ------------------------------------------------------------------------------------------
def associate(sus: SuspectTracks, rows: RowState, truth: FlightTruth, radius_m: float) -> np.ndarray:
    """Flight index (into ``truth``) of each suspect track, -1 if none (false track).

    Votes of three rows (first, suspect-time, last): the nearest flight within
    max(radius_m, 3 pos_sigma) at the row time.  For rows whose height is held, not observed (vertical
    sigma above :data:`tracker.metrics.HORIZONTAL_SIGMA_M`), that gate is horizontal -- a 2D-only track of
    an airliner at 10 km is still its airliner -- and among the flights inside it the nearest in 3-D wins
    (a low flyer under an airliner is the low-level track's).  A row observed before its time (a cued row:
    a civil report predicted forward, ``tobs < t``) is compared with truth when it was observed, at its position
    taken back along its velocity: the aircraft the civil radar saw, not whichever flight is nearest after
    minutes of dead reckoning; its gate is that of the report's first row (the least predicted), not one
    grown over those minutes to tens of kilometres.  Truth is consulted here only.
    """
    from tracker.metrics import HORIZONTAL_SIGMA_M, local_up

    n = sus.track.size
    out = np.full(n, -1, np.int64)
    if n == 0 or truth.id.size == 0:
        return out
    idx = _probe_rows(sus, rows.t).ravel()
    times = rows.tobs[idx]
    back = rows.t[idx] - times  # > 0 for cued rows only
    row_pos = np.stack([rows.x[idx] - rows.vx[idx] * back, rows.y[idx] - rows.vy[idx] * back, rows.z[idx]], -1)
    pos = truth.position_enu(times)  # (n_f, m, 3)
    # distance in 3-D scenario ENU (both sides carry the same curvature drop); the gate without the vertical
    # component for rows whose height is held (local up at the track row)
    diff = pos - row_pos[None]
    d = np.linalg.norm(diff, axis=-1)
    d = np.where(np.isnan(d), np.inf, d)
    d_gate = d
    if rows.sigma_v is not None:
        held = rows.sigma_v[idx] > HORIZONTAL_SIGMA_M
        if held.any():
            u = local_up(row_pos)
            along = np.einsum("fmk,mk->fm", diff, u)
            dh = np.linalg.norm(diff - along[..., None] * u[None], axis=-1)
            d_gate = np.where(held[None, :], np.where(np.isnan(dh), np.inf, dh), d)
    # each row's sigma when its report was freshest: the first row of its track with the same observation time
    m = rows.t.size
    fresh = np.ones(m, bool)
    if m > 1:
        fresh[1:] = rows.tobs[1:] != rows.tobs[:-1]
    fresh[sus.first[sus.first < m]] = True
    first_of = np.maximum.accumulate(np.where(fresh, np.arange(m), 0))
    gate = np.maximum(radius_m, 3.0 * rows.sigma[first_of[idx]])
    inside = d_gate <= gate[None, :]
    best = np.argmin(np.where(inside, d, np.inf), axis=0)
    hit = np.where(inside[best, np.arange(idx.size)], best, -1).reshape(n, 3)
    for j, (a, b, c) in enumerate(hit.tolist()):
        # the flight with most votes; a tie goes to the suspect row's, else to the lowest flight index
        votes = [v for v in (a, b, c) if v >= 0]
        if not votes:
            continue
        counts: dict = {}
        for v in votes:
            counts[v] = counts.get(v, 0) + 1
        most = max(counts.values())
        top = sorted(v for v, k in counts.items() if k == most)
        out[j] = b if b in top else top[0]
    return out


def _probe_rows(sus: SuspectTracks, row_t: np.ndarray) -> np.ndarray:
    """(n, 3) rows of each suspect track that vote in :func:`associate`: its first, the first at or after its
    suspect call (its last if none), its last."""
    f = np.asarray(sus.first, np.int64)
    e = np.asarray(sus.end, np.int64)
    lens = e - f
    if f.size and (lens > 0).all():
        # count of each track's rows before its suspect call (the rows are sorted by time within a track)
        seg = np.repeat(np.arange(f.size), lens)
        pos = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens) + f[seg]
        before = np.add.reduceat((row_t[pos] < np.asarray(sus.t_suspect, float)[seg]).astype(np.int64),
                                 np.cumsum(lens) - lens)
        ks = np.minimum(e - 1, f + before)
        return np.stack([f, ks, e - 1], axis=-1)
    probe = []
    for j in range(f.size):
        fj, ej = int(f[j]), int(e[j])
        ks = min(ej - 1, fj + int(np.searchsorted(row_t[fj:ej], sus.t_suspect[j])))
        probe.append((fj, ks, ej - 1))
    return np.array(probe, np.int64).reshape(-1, 3)


# ------------------------------------------------------------------------------------------
def planned_codes_of(squawk, transponder_on, flight_plan_filed) -> np.ndarray:
    """Codes of the filed flight plans (the operators' flight-plan list, not truth)."""
    sq = np.asarray(squawk, dtype=np.int64)
    m = np.asarray(flight_plan_filed, bool) & (sq >= 0)
    return np.unique(sq[m])


def evaluate(pictures: dict, truth: FlightTruth, planned_codes, options: list[Option], params: EngagementParams,
             frame, seed: int, day: int, python: bool = False, details: dict | None = None,
             border: bool = True, plans=None) -> OutcomeTable:
    """All options x pictures of one day -> outcome records.

    ``details`` (optional dict) receives ``(option id, picture) -> (Engagements, flight_of, RowState)``
    for plots and timelines.  ``border``: no identification outside Peru's outline (False: the
    whole plane counts as Peru; for synthetic cases far from any border).  ``plans``: the filed
    flight plans the operators hold (:class:`tracker.plans.FlightPlans`; None: classification by
    codes only).
    """
    if not options:
        raise InputError("--options: empty: expected at least one interceptor option")
    codes = _code_list(planned_codes)
    prepared = {}
    engaged = []
    for picture, pic in pictures.items():
        sus = classify(pic, codes, params.classify_s, plans, params.plan_match_m, params.plan_velocity_tolerance)
        rows = row_state(pic, sus, frame)
        # truth: which real aircraft each suspect track is (for the physics and the scores; no decision reads it)
        flight_of = associate(sus, rows, truth, params.association_radius_m)
        prepared[picture] = (sus, rows, flight_of)
        engaged.append(flight_of)
    tr = truth_arrays(truth, np.concatenate(engaged) if engaged else np.zeros(0, np.int64), frame)
    world = _world(tr, peru_mask(frame) if border else None)
    # what depends on the picture alone (the scramble orders) or on the option alone (its fleet) is built once
    scrambles = {picture: _scrambles(rows, sus, params, tr, flight_of)
                 for picture, (sus, rows, flight_of) in prepared.items()}
    ds = DayScores(truth)
    out_rows: list = []
    for option in options:
        fleet = _fleet(option_arrays(option, frame, params, seed, day), params)
        for picture, sc in scrambles.items():
            eng = _play(sc, world, fleet, python=python)
            if details is not None:
                details[(option.id, picture)] = (eng, eng.flight, prepared[picture][1])
            out_rows.extend(score_rows(day, option, picture, eng, eng.flight, ds))
    table = OutcomeTable(columns_of(out_rows))
    add_geodetic(table, frame)
    return table


# ------------------------------------------------------------------------------------------
# Adapter to the feeds' simulated day (scenarios.simulation.day.Day)
def build_pictures(day, pictures, seed: int, params: EngagementParams | None = None, memo=None) -> dict:
    """The tracker's pictures of a simulated day, one per name in ``pictures`` (``tracker.pictures``).

    The flight-plan codes and the filed plans go to the non-integrated cross-tell rule (civil tracks
    squawking a planned code, or flying a filed plan -- ``params``' plan gates -- are not told).
    ``memo``: a :class:`tracker.tracker.TrackMemo` for the day (the same pictures, identical runs once).
    """
    from tracker.pictures import build_picture

    fl = day.flights
    planned = planned_codes_of(fl.squawk, fl.transponder_on, fl.flight_plan_filed)
    terrain = getattr(day, "terrain", None)
    plans = plans_from_day(day) if "non_integrated" in pictures else None
    gates = params or EngagementParams()
    return {p: build_picture(day.plots, day.sensors, p, seed, day.day, planned_squawks=planned, terrain=terrain,
                             plans=plans, plan_gates=(gates.plan_match_m, gates.plan_velocity_tolerance), memo=memo)
            for p in pictures}


def evaluate_day(day, pictures: dict, options: list[Option], params: EngagementParams, seed: int,
                 details: dict | None = None) -> OutcomeTable:
    """Engagement outcomes of a simulated day for every option x picture."""
    fl = day.flights
    codes = planned_codes_of(fl.squawk, fl.transponder_on, fl.flight_plan_filed)
    return evaluate(pictures, flight_truth_from_day(day), codes, options, params, day.frame, seed, day.day,
                    details=details, plans=plans_from_day(day))


__all__ = ["classify", "associate", "engage", "evaluate", "evaluate_day", "score_flights", "write_csv",
           "FlightTruth", "flight_truth_from_day", "plane_to_geodetic", "plans_from_day"]
