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

import math
import zlib
from dataclasses import dataclass

import numpy as np

from radar.errors import InputError
from radar.rng import stream
from scenarios.config.interceptors import EngagementParams, Option
from scenarios.engagement.sun import NIGHT_SUN_ELEVATION_DEG, sun_elevation_deg
# FlightTruth and the day adapter live in the truth module; their names stay importable from here
from scenarios.engagement.truth import (FlightTruth, PeruMask, TruthArrays, flight_truth_from_day, peru_mask,
                                        plane_to_geodetic, plans_from_day, truth_arrays)

OUTCOMES = ("identified_airborne", "intercepted_late", "missed_lost_track", "missed_out_of_range",
            "missed_too_late", "no_aircraft_available", "missed_no_track", "missed_no_detection")
RANK = {name: i for i, name in enumerate(OUTCOMES)}  # lower = better
FALSE_SCRAMBLE = "false_scramble"
LEGS = ("inbound", "ground", "outbound")
PICTURE_COLUMNS = ("time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "pos_sigma_m", "status", "squawk",
                   "sigma_v_m", "t_obs_s")
ENG_NAMES = {0: "no_aircraft", 1: "out_of_range", 2: "lost_track", 3: "identified", 4: "no_id_night", 5: "bingo_before_id",
             6: "retasked", 7: "too_late", 8: "target_gone"}
SENSOR_NAMES = ("none", "radar", "eo_ir", "visual")
ENDGAME_NAMES = ("", "phase_v_window", "followed_to_strip", "left_peru", "bingo")
KIND_NAMES = ("drug", "cooperative", "innocent")


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
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    ends = np.r_[starts[1:], ks.size]
    seg = np.repeat(np.arange(starts.size), ends - starts)
    t_first = ts[starts]
    codes = np.asarray(sorted(set(int(c) for c in planned_codes)), dtype=np.int64)
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
    lengths = (ends - starts)[idx]
    rows = np.concatenate([order[starts[i]:ends[i]] for i in idx]) if idx.size else np.zeros(0, np.int64)
    first = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64) if idx.size else np.zeros(0, np.int64)
    return SuspectTracks(track=ks[starts][idx], t_first=t_first[idx], t_suspect=t_susp[idx],
                         first=first, end=(first + lengths).astype(np.int64), rows=rows.astype(np.int64),
                         n_tracks=int(starts.size), n_cleared=int(np.sum(np.isfinite(t_clear) & (t_clear <= t_susp))))


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

    day_key = (option, frame.origin_ecef.tobytes(), params, int(seed), int(day))
    hit = _DAILY.get(day_key)
    if hit is not None:  # the same option on the same day of another network or picture (speed); read-only
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
    return out


_DAILY: dict = {}
_STATIC: dict = {}


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
                    vx=np.ascontiguousarray(np.nan_to_num(np.asarray(picture.vx_mps, float)[r], nan=0.0)),
                    vy=np.ascontiguousarray(np.nan_to_num(np.asarray(picture.vy_mps, float)[r], nan=0.0)),
                    sigma=np.ascontiguousarray(np.nan_to_num(np.asarray(picture.pos_sigma_m, float)[r], nan=3000.0)),
                    night=night, lat=np.asarray(lat), lon=np.asarray(lon),
                    sigma_v=None if sv is None else np.asarray(sv, float)[r])


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
    from scenarios.engagement import _kernels as K

    t_order = suspects.t_suspect + params.decision_delay_s
    order = np.lexsort((suspects.track, t_order))
    first = np.ascontiguousarray(suspects.first[order])
    end = np.ascontiguousarray(suspects.end[order])
    t_ord = np.ascontiguousarray(t_order[order])
    n = order.size
    truth = truth if truth is not None else _no_truth()
    day_flight = (np.asarray(flight_of, np.int64)[order] if flight_of is not None else np.full(n, -1, np.int64))
    local = np.ascontiguousarray(truth.local(day_flight) if n else np.zeros(0, np.int64))
    if mask is None:
        m_arr, m_x0, m_y0, m_cell = np.ones((1, 1), np.uint8), -1e9, -1e9, 2e9
    else:
        m_arr, m_x0, m_y0, m_cell = mask.mask, mask.x0, mask.y0, mask.cell
    prm = kernel_params(params, opt.key)
    path_cap = int(max(opt.det_endurance.max(initial=0.0), 1.0) / params.dwell_s) + 8
    out = K.new_outcomes(n)
    fn = _pure_python(K, "engage_option") if python else K.engage_option
    fn(K.PictureRows(rows.t, rows.tobs, rows.x, rows.y, rows.h, rows.vx, rows.vy, rows.sigma, rows.night),
       K.Orders(first, end, t_ord, local),
       K.Truth(truth.off, truth.t0, truth.dt, truth.x, truth.y, truth.night, truth.rcs, truth.drug, truth.exit,
               truth.flights),
       K.Mask(m_arr, m_x0, m_y0, m_cell),
       K.Fleet(opt.det_x, opt.det_y, opt.det_h, opt.det_v, opt.det_climb, opt.det_endurance, opt.det_radius,
               opt.det_radar, opt.det_irst, opt.det_eo_day, opt.det_eo_night, opt.det_escort, opt.det_alert_delay,
               opt.det_standby_delay, opt.det_turnaround, opt.det_seats, opt.slot_det, opt.slot_ready),
       prm, path_cap, out)
    slot = out.slot
    det = np.where(slot >= 0, opt.slot_det[np.maximum(slot, 0)], -1) if n else np.zeros(0, np.int64)
    cost = np.where(det >= 0, out.hours * opt.det_cpfh[np.maximum(det, 0)], 0.0) if n else np.zeros(0)
    return Engagements(track=suspects.track[order], t_first=suspects.t_first[order], t_suspect=suspects.t_suspect[order],
                       t_order=t_ord, first=first, end=end, code=out.code.astype(np.int8), slot=slot,
                       detachment=det, t_air=out.t_air, t_contact=out.t_contact, t_id=out.t_id,
                       x=out.cx, y=out.cy, hours=out.hours, cost_usd=cost,
                       searched=out.searched.astype(np.int8), t_search=out.t_search,
                       retask_of=out.retask_of, source=order,
                       contact_sensor=out.c_sensor.astype(np.int8), contact_range=out.c_range,
                       id_sensor=out.id_sensor.astype(np.int8), id_x=out.id_x, id_y=out.id_y,
                       night=out.night.astype(np.int8), endgame=out.endgame.astype(np.int8),
                       t_done=out.t_end, flight=day_flight)


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
    probe = []
    for j in range(n):
        f, e = sus.first[j], sus.end[j]
        ks = min(e - 1, f + int(np.searchsorted(rows.t[f:e], sus.t_suspect[j])))
        probe.append((f, ks, e - 1))
    probe = np.array(probe)
    idx = probe.ravel()
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
    for j in range(n):
        votes = hit[j][hit[j] >= 0]
        if votes.size:
            vals, counts = np.unique(votes, return_counts=True)
            top = vals[counts == counts.max()]
            out[j] = hit[j, 1] if hit[j, 1] in top else top[0]
    return out


@dataclass(frozen=True)
class OutcomeTable:
    """Outcome records (struct of arrays; one row per drug flight x option x picture, plus one per scramble on
    anything else: a cooperative or innocent aircraft, or a false track).

    The picture is the ``mode`` column: column names are a file format (``engagements.csv``,
    ``results.csv``) and keep their names."""

    columns: dict

    HEADER = ("day", "flight", "option", "mode", "outcome", "leg", "t_first_plot_s", "t_track_s", "t_suspect_s",
              "t_scramble_s", "t_airborne_s", "t_contact_s", "t_id_s", "flight_hours", "cost_usd", "base",
              "interceptor", "false_scramble", "track", "intercept_lat", "intercept_lon", "intercept_x_m",
              "intercept_y_m", "searched", "contact_sensor", "contact_true_range_m", "id_sensor", "id_x_m", "id_y_m",
              "id_lat", "id_lon", "night", "endgame", "kind", "identified_inbound", "identified_outbound")

    def __len__(self) -> int:
        return len(self.columns["outcome"])

    def column(self, name):
        return self.columns[name]

    @staticmethod
    def concat(parts: list["OutcomeTable"]) -> "OutcomeTable":
        cols = {h: [] for h in OutcomeTable.HEADER}
        for p in parts:
            for h in OutcomeTable.HEADER:
                cols[h].extend(p.columns[h])
        return OutcomeTable(cols)

    def rows(self):
        for i in range(len(self)):
            yield [self.columns[h][i] for h in self.HEADER]


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.3f}"
    return str(v)


def write_csv(table: OutcomeTable, fh) -> None:
    fh.write(",".join(OutcomeTable.HEADER) + "\n")
    for r in table.rows():
        fh.write(",".join(_fmt(v) for v in r) + "\n")


def _outcome_of(code: int) -> str:
    """Outcome name of one engagement's kernel code (its leg decided by the caller)."""
    return {0: "no_aircraft_available", 1: "missed_out_of_range", 2: "missed_lost_track", 3: "identified_airborne",
            4: "intercepted_late", 5: "intercepted_late", 6: "missed_lost_track", 7: "missed_too_late",
            8: "intercepted_late"}[code]


def score_flights(day: int, option: Option, picture: str, eng: Engagements, flight_of: np.ndarray,
                  truth: FlightTruth, frame=None) -> OutcomeTable:
    """Outcomes per drug flight (best leg by precedence) and one row per scramble on anything else.

    The kernel has already played contact and identification against the true aircraft over
    Peru; here each engagement gets its leg (inbound until the flight lands, loaded outbound from
    take-off; by the identification time, else the contact time, else the suspect call) and an
    outcome name; the flight's row is its best engagement (or a no-track / no-detection miss) and
    says whether it was identified on each leg.
    """
    cols = {h: [] for h in OutcomeTable.HEADER}
    nan = math.nan
    kinds = truth.kinds()

    def add(**kw):
        for h in OutcomeTable.HEADER:
            cols[h].append(kw.get(h, nan))

    det_base = [d.base.id for d in option.detachments]
    det_type = [d.type.id for d in option.detachments]

    def engagement_fields(j):
        d = eng.detachment[j]
        identified = int(eng.code[j]) == 3
        return dict(t_track_s=float(eng.t_first[j]), t_suspect_s=float(eng.t_suspect[j]),
                    t_scramble_s=float(eng.t_order[j]), t_airborne_s=float(eng.t_air[j]),
                    t_contact_s=float(eng.t_contact[j]), t_id_s=float(eng.t_id[j]) if identified else nan,
                    base=det_base[d] if d >= 0 else "", interceptor=det_type[d] if d >= 0 else "",
                    track=int(eng.track[j]), intercept_x_m=float(eng.x[j]), intercept_y_m=float(eng.y[j]),
                    searched=int(eng.searched[j]), contact_sensor=SENSOR_NAMES[int(eng.contact_sensor[j])],
                    contact_true_range_m=float(eng.contact_range[j]),
                    id_sensor=SENSOR_NAMES[int(eng.id_sensor[j])] if identified else "none",
                    id_x_m=float(eng.id_x[j]) if identified else nan, id_y_m=float(eng.id_y[j]) if identified else nan,
                    night=int(eng.night[j]) if d >= 0 else None, endgame=ENDGAME_NAMES[int(eng.endgame[j])])

    per_flight: dict[int, list] = {}
    for j in range(eng.track.size):
        f = int(flight_of[j])
        if f >= 0 and truth.is_drug[f]:
            per_flight.setdefault(f, []).append(j)
        elif eng.slot[j] >= 0:
            add(day=day, flight=str(truth.id[f]) if f >= 0 else "", option=option.id, mode=picture,
                outcome=FALSE_SCRAMBLE, leg="", flight_hours=float(eng.hours[j]), cost_usd=float(eng.cost_usd[j]),
                false_scramble=1, kind=KIND_NAMES[int(kinds[f])] if f >= 0 else "", identified_inbound=0,
                identified_outbound=0, **engagement_fields(j))
    for f in np.flatnonzero(truth.is_drug):
        cands = []  # (rank, leg, j, name, leg)
        land, takeoff = truth.t_land[f], truth.t_takeoff[f]
        ident_leg = [0, 0]
        for j in per_flight.get(int(f), []):
            c = int(eng.code[j])
            t_ref = eng.t_id[j] if c == 3 else (eng.t_contact[j] if math.isfinite(eng.t_contact[j]) else eng.t_suspect[j])
            leg = "outbound" if t_ref >= takeoff else "inbound"     # NaN-safe: no take-off -> inbound
            name = _outcome_of(c)
            if c == 3:
                ident_leg[0 if leg == "inbound" else 1] = 1
            cands.append((RANK[name], LEGS.index(leg), j, name, leg))
        for li, leg in ((0, "inbound"), (1, "outbound")):
            if (leg == "outbound" and not math.isfinite(takeoff)) or (leg == "inbound" and not math.isfinite(land)):
                continue
            name = "missed_no_track" if truth.leg_detected[f, li] else "missed_no_detection"
            cands.append((RANK[name], LEGS.index(leg), -1, name, leg))
        cands.sort(key=lambda c: (c[0], c[1], c[2]))
        _, _, j, name, leg = cands[0]
        js = per_flight.get(int(f), [])
        row = dict(day=day, flight=str(truth.id[f]), option=option.id, mode=picture, outcome=name, leg=leg,
                   t_first_plot_s=float(truth.t_first_plot[f]), flight_hours=float(sum(eng.hours[k] for k in js)),
                   cost_usd=float(sum(eng.cost_usd[k] for k in js)), false_scramble=0, base="", interceptor="",
                   track=-1, searched=0, contact_sensor="none", id_sensor="none", night=None, endgame="", kind="drug",
                   identified_inbound=ident_leg[0], identified_outbound=ident_leg[1])
        if j >= 0:
            row.update(engagement_fields(j))
        add(**row)
    table = OutcomeTable(cols)
    if frame is not None:
        add_geodetic(table, frame)
    return table


_GEODETIC = (("intercept_x_m", "intercept_y_m", "intercept_lat", "intercept_lon"), ("id_x_m", "id_y_m", "id_lat", "id_lon"))


def add_geodetic(table: OutcomeTable, frame) -> None:
    """Fill the lat/lon columns of the interceptor positions (in place; one conversion for the whole table)."""
    cols = table.columns
    xs = np.concatenate([np.asarray(cols[a], float) for a, _, _, _ in _GEODETIC])
    ys = np.concatenate([np.asarray(cols[b], float) for _, b, _, _ in _GEODETIC])
    ok = np.isfinite(xs) & np.isfinite(ys)
    la = np.full(xs.size, math.nan)
    lo = np.full(xs.size, math.nan)
    if ok.any():
        lat, lon = plane_to_geodetic(frame, xs[ok], ys[ok])
        la[ok], lo[ok] = np.round(lat, 5), np.round(lon, 5)
    n = len(table)
    for k, (_, _, las, los) in enumerate(_GEODETIC):
        cols[las], cols[los] = la[k * n:(k + 1) * n].tolist(), lo[k * n:(k + 1) * n].tolist()


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
    prepared = {}
    engaged = []
    for picture, pic in pictures.items():
        sus = classify(pic, planned_codes, params.classify_s, plans, params.plan_match_m,
                       params.plan_velocity_tolerance)
        rows = row_state(pic, sus, frame)
        # truth: which real aircraft each suspect track is (for the physics and the scores; no decision reads it)
        flight_of = associate(sus, rows, truth, params.association_radius_m)
        prepared[picture] = (pic, sus, rows, flight_of)
        engaged.append(flight_of)
    tr = truth_arrays(truth, np.concatenate(engaged) if engaged else np.zeros(0, np.int64), frame)
    mask = peru_mask(frame) if border else None
    parts = []
    for option in options:
        opt = option_arrays(option, frame, params, seed, day)
        for picture, (pic, sus, rows, flight_of_sus) in prepared.items():
            eng = engage(rows, sus, opt, params, tr, flight_of_sus, mask, python=python)
            flight_of = eng.flight
            if details is not None:
                details[(option.id, picture)] = (eng, flight_of, rows)
            parts.append(score_flights(day, option, picture, eng, flight_of, truth))
    table = OutcomeTable.concat(parts)
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
