"""The engagement model: from a military air picture to scrambles, intercepts and outcomes.

Pipeline for one simulated day, one option, one picture (military, non_integrated or integrated):

1. **Classification on the picture alone** (:func:`classify`): a confirmed or cued track
   becomes *suspect* at its first update at least ``classify_s`` after its birth, unless a
   Mode 3/A code matching a filed flight plan was correlated to it before then, or it
   matched a filed plan itself -- where a planned flight should be, going its way at its
   speed (:mod:`tracker.plans`; an airliner whose transponder no radar hears).  A
   code that matches no plan counts as no reply ("squawks an unplanned code").
   Only picture columns are read (``time_s, track, x/y/z, vx/vy, pos_sigma_m, status,
   squawk, sigma_v_m``) plus the flight-plan code list, which operators hold; never truth.
2. **Scramble** ``command_decision_delay`` after the suspect call -- or, when an airborne
   interceptor is still working a nearby track that went stale (a re-acquired target, not a
   new one), retask it -- from the detachment
   whose free, ready aircraft gives the earliest predicted intercept (on the track
   estimate at the order time), inside the intercept radius and endurance.  Bases hold
   finite pools: aircraft x sortie availability (drawn per day), the first
   ``alert_pair`` at the posture's delay, the rest on standby; each sortie keeps its
   aircraft until landing + turnaround, so simultaneous flights compete.  One aircraft
   per scramble.
3. **Guidance, search, identification, bingo** in :func:`scenarios.engagement._kernels.engage_option`.
4. **Truth afterwards only** (:func:`score_flights`): each engaged track is associated
   with the flight nearest to it (gate max(2 km, 3 sigma of the track row), majority of
   the track's first, suspect and last rows; horizontally for rows whose height is held,
   not observed -- a drug flight seen by a 2D radar alone is still matched); outcomes per
   leg (inbound, ground, outbound) and the flight's best leg by the precedence of
   :data:`OUTCOMES` (best first).  A false scramble names the flight truth matched to its
   track (a cooperative airliner, innocent traffic), empty when none (clutter).

Engagement draws (aircraft readiness, search uniforms) come from the ``engagement``
stream keyed by ``(seed, day, crc32(option id))`` -- never by picture -- so the pictures are
compared on identical draws (the n-th launch of the day uses the n-th uniform).
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from radar.errors import InputError
from radar.rng import stream
from scenarios.config.interceptors import EngagementParams, Option
from scenarios.engagement.sun import NIGHT_SUN_ELEVATION_DEG, sun_elevation_deg

OUTCOMES = ("identified_airborne", "intercepted_late", "missed_lost_track", "missed_out_of_range",
            "missed_too_late", "no_aircraft_available", "missed_no_track", "missed_no_detection")
RANK = {name: i for i, name in enumerate(OUTCOMES)}  # lower = better
FALSE_SCRAMBLE = "false_scramble"
LEGS = ("inbound", "ground", "outbound")
PICTURE_COLUMNS = ("time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "pos_sigma_m", "status", "squawk",
                   "sigma_v_m")
ENG_NAMES = {0: "no_aircraft", 1: "out_of_range", 2: "lost_track", 3: "identified", 4: "no_id_night", 5: "bingo_before_id",
             6: "retasked"}


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
    """An option's detachments and aircraft slots as kernel arrays (one day's readiness drawn)."""

    det_x: np.ndarray
    det_y: np.ndarray
    det_h: np.ndarray
    det_v: np.ndarray
    det_climb: np.ndarray
    det_endurance: np.ndarray
    det_radius: np.ndarray
    det_acq_day: np.ndarray
    det_acq_night: np.ndarray
    det_eoir: np.ndarray
    det_escort: np.ndarray
    det_cpfh: np.ndarray
    slot_det: np.ndarray
    slot_delay: np.ndarray
    slot_ready: np.ndarray
    u_search: np.ndarray


def option_key(option_id: str) -> int:
    """The stable integer that keys an option's engagement draws."""
    return zlib.crc32(option_id.encode("utf-8"))


def option_arrays(option: Option, frame, params: EngagementParams, seed: int, day: int, n_uniforms: int) -> OptionArrays:
    """Kernel arrays of ``option`` with the day's draws from stream (seed, day, engagement, option).

    Draw order (fixed): one uniform per aircraft (ready iff u < sortie availability), then
    ``n_uniforms`` search uniforms.  Numbers do not depend on the picture.
    """
    dets = option.detachments
    static = _option_static(option, frame)
    elev = static["det_h"]
    rng = stream(seed, day, "engagement", option_key(option.id))
    n_air = sum(d.aircraft for d in dets)
    u_ready = rng.random(n_air)
    u_search = rng.random(max(int(n_uniforms), 1))
    slot_det, slot_delay, slot_ready = [], [], []
    i = 0
    for di, d in enumerate(dets):
        n_ready_seen = 0
        for _ in range(d.aircraft):
            ready = u_ready[i] < d.type.sortie_availability
            i += 1
            slot_det.append(di)
            slot_ready.append(1 if ready else 0)
            if ready:
                slot_delay.append(d.alert_delay_s if n_ready_seen < params.alert_pair else d.standby_delay_s)
                n_ready_seen += 1
            else:
                slot_delay.append(d.standby_delay_s)
    return OptionArrays(
        **static, slot_det=np.array(slot_det, dtype=np.int64), slot_delay=np.array(slot_delay, dtype=float),
        slot_ready=np.array(slot_ready, dtype=np.int8), u_search=u_search)


_STATIC: dict = {}


def _option_static(option: Option, frame) -> dict:
    """The detachment arrays of an option (no draws): the same every day, built once per (option, frame)
    (speed: a study asked for them 16 times a day).  Shared: the kernels only read them."""
    key = (option, frame.origin_ecef.tobytes())
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
                   det_radius=f("intercept_radius_m"), det_acq_day=f("acq_day_m"), det_acq_night=f("acq_night_m"),
                   det_eoir=np.array([1 if d.type.has_eoir else 0 for d in dets], dtype=np.int8),
                   det_escort=f("min_escort_mps"), det_cpfh=f("cpfh_usd"))
        if len(_STATIC) > 256:
            _STATIC.clear()
        _STATIC[key] = out
    return out


@dataclass(frozen=True)
class RowState:
    """Kernel row arrays of a picture's suspect tracks (sorted by track, time)."""

    t: np.ndarray
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
    """Geodetic height and the night flag (sun < -6 deg at the track position) of each suspect row."""
    r = suspects.rows
    x = np.ascontiguousarray(np.asarray(picture.x_m, float)[r])
    y = np.ascontiguousarray(np.asarray(picture.y_m, float)[r])
    z = np.asarray(picture.z_m, float)[r]
    t = np.ascontiguousarray(np.asarray(picture.time_s, float)[r])
    if r.size:
        lat, lon, h = frame.enu_to_geodetic(np.stack([x, y, z], axis=-1))
        epoch = frame.epoch.timestamp()
        night = (sun_elevation_deg(epoch + t, lat, lon) < NIGHT_SUN_ELEVATION_DEG).astype(np.int8)
    else:
        lat = lon = h = np.zeros(0)
        night = np.zeros(0, np.int8)
    # a track row without a velocity (NaN) is taken as stationary, without a sigma as 3 km (a cross-tell)
    sv = getattr(picture, "sigma_v_m", None)
    return RowState(t=t, x=x, y=y, z=z, h=np.ascontiguousarray(h, dtype=float),
                    vx=np.ascontiguousarray(np.nan_to_num(np.asarray(picture.vx_mps, float)[r], nan=0.0)),
                    vy=np.ascontiguousarray(np.nan_to_num(np.asarray(picture.vy_mps, float)[r], nan=0.0)),
                    sigma=np.ascontiguousarray(np.nan_to_num(np.asarray(picture.pos_sigma_m, float)[r], nan=3000.0)),
                    night=night, lat=np.asarray(lat), lon=np.asarray(lon),
                    sigma_v=None if sv is None else np.asarray(sv, float)[r])


@dataclass(frozen=True)
class Engagements:
    """Per suspect track of one (option, picture): the kernel outputs (order = scramble order)."""

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
    t_search: np.ndarray  # arrival on the dead-reckoned point of a stale track (NaN: no search)
    retask_of: np.ndarray  # engagement (index in this table) whose airborne interceptor was retasked here, -1 none
    source: np.ndarray   # index of each engagement's track in the SuspectTracks


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


def engage(rows: RowState, suspects: SuspectTracks, opt: OptionArrays, params: EngagementParams,
           python: bool = False) -> Engagements:
    """Run the engagement kernel (``python=True``: the same code as plain CPython, the oracle)."""
    from scenarios.engagement import _kernels as K

    t_order = suspects.t_suspect + params.decision_delay_s
    order = np.lexsort((suspects.track, t_order))
    first = np.ascontiguousarray(suspects.first[order])
    end = np.ascontiguousarray(suspects.end[order])
    t_ord = np.ascontiguousarray(t_order[order])
    n = order.size
    code = np.zeros(n, np.int8)
    slot = np.zeros(n, np.int64)
    out = [np.zeros(n) for _ in range(7)]
    searched = np.zeros(n, np.int8)
    retask_of = np.zeros(n, np.int64)
    fn = _pure_python(K, "engage_option") if python else K.engage_option
    fn(rows.t, rows.x, rows.y, rows.h, rows.vx, rows.vy, rows.sigma, rows.night,
       first, end, t_ord,
       opt.det_x, opt.det_y, opt.det_h, opt.det_v, opt.det_climb, opt.det_endurance, opt.det_radius,
       opt.det_acq_day, opt.det_acq_night, opt.det_eoir, opt.det_escort,
       opt.slot_det, opt.slot_delay, opt.slot_ready, opt.u_search,
       params.phase_i_s + params.phase_ii_s, params.reserve_s, params.search_after_track_age_s,
       params.turnaround_s, params.search_sigma_factor, params.search_drift_factor, params.abort_persist_s,
       params.retask_min_m,
       code, slot, out[0], out[1], out[2], out[3], out[4], out[5], searched, out[6], retask_of)
    det = np.where(slot >= 0, opt.slot_det[np.maximum(slot, 0)], -1) if n else np.zeros(0, np.int64)
    cost = np.where(det >= 0, out[5] * opt.det_cpfh[np.maximum(det, 0)], 0.0) if n else np.zeros(0)
    return Engagements(track=suspects.track[order], t_first=suspects.t_first[order], t_suspect=suspects.t_suspect[order],
                       t_order=t_ord, first=first, end=end, code=code, slot=slot, detachment=det,
                       t_air=out[0], t_contact=out[1], t_id=out[2], x=out[3], y=out[4], hours=out[5],
                       cost_usd=cost, searched=searched, t_search=out[6], retask_of=retask_of, source=order)


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FlightTruth:
    """What scoring needs about the day's flights (truth: used only after the engagement).

    id: flight ids; is_drug: drug flight (else background); leg times (s, NaN if absent):
    t_border_in (enters Peru), t_land (end of the inbound leg), t_takeoff, t_border_out (end of the
    outbound leg in Peru).  t_first_plot: first plot of the flight (NaN = never detected);
    leg_detected: (n, 2) bool, any plot during the inbound / outbound leg.
    position_enu(t) -> (n_flights, len(t), 3) scenario ENU (NaN when not airborne).
    """

    id: np.ndarray
    is_drug: np.ndarray
    t_border_in: np.ndarray
    t_land: np.ndarray
    t_takeoff: np.ndarray
    t_border_out: np.ndarray
    t_first_plot: np.ndarray
    leg_detected: np.ndarray
    position_enu: object = field(repr=False)


def associate(sus: SuspectTracks, rows: RowState, truth: FlightTruth, radius_m: float) -> np.ndarray:
    """Flight index (into ``truth``) of each suspect track, -1 if none (false track).

    Votes of three rows (first, suspect-time, last): the nearest flight within
    max(radius_m, 3 pos_sigma) at the row time.  For rows whose height is held, not observed (vertical
    sigma above :data:`tracker.metrics.HORIZONTAL_SIGMA_M`), that gate is horizontal -- a 2D-only track of
    an airliner at 10 km is still its airliner -- and among the flights inside it the nearest in 3-D wins
    (a low flyer under an airliner is the low-level track's).  Truth is consulted here only.
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
    times = rows.t[idx]
    pos = truth.position_enu(times)  # (n_f, m, 3)
    # distance in 3-D scenario ENU (both sides carry the same curvature drop); the gate without the vertical
    # component for rows whose height is held (local up at the track row)
    diff = pos - np.stack([rows.x[idx], rows.y[idx], rows.z[idx]], -1)[None]
    d = np.linalg.norm(diff, axis=-1)
    d = np.where(np.isnan(d), np.inf, d)
    d_gate = d
    if rows.sigma_v is not None:
        held = rows.sigma_v[idx] > HORIZONTAL_SIGMA_M
        if held.any():
            u = local_up(np.stack([rows.x[idx], rows.y[idx], rows.z[idx]], -1))
            along = np.einsum("fmk,mk->fm", diff, u)
            dh = np.linalg.norm(diff - along[..., None] * u[None], axis=-1)
            d_gate = np.where(held[None, :], np.where(np.isnan(dh), np.inf, dh), d)
    gate = np.maximum(radius_m, 3.0 * rows.sigma[idx])
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
    """Outcome records (struct of arrays; one row per drug flight x option x picture, plus false scrambles).

    The picture is the ``mode`` column: column names are a file format (``engagements.csv``,
    ``results.csv``) and keep their names."""

    columns: dict

    HEADER = ("day", "flight", "option", "mode", "outcome", "leg", "t_first_plot_s", "t_track_s", "t_suspect_s",
              "t_scramble_s", "t_airborne_s", "t_intercept_s", "t_id_s", "flight_hours", "cost_usd", "base",
              "interceptor", "false_scramble", "track", "intercept_lat", "intercept_lon", "intercept_x_m",
              "intercept_y_m", "searched")

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
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.3f}"
    return str(v)


def write_csv(table: OutcomeTable, fh) -> None:
    fh.write(",".join(OutcomeTable.HEADER) + "\n")
    for r in table.rows():
        fh.write(",".join(_fmt(v) for v in r) + "\n")


def score_flights(day: int, option: Option, picture: str, eng: Engagements, flight_of: np.ndarray,
                  truth: FlightTruth, frame=None) -> OutcomeTable:
    """Outcomes per drug flight (best leg by precedence) and one row per false scramble.

    Inbound contact made before the target entered Peru counts from the border crossing
    (the interceptor holds at the border: no identification over Bolivia); Phase I-II then
    run from there (bingo is not re-checked for the wait -- a simplification).
    """
    cols = {h: [] for h in OutcomeTable.HEADER}
    nan = math.nan

    def add(**kw):
        for h in OutcomeTable.HEADER:
            cols[h].append(kw.get(h, nan))

    det_base = [d.base.id for d in option.detachments]
    det_type = [d.type.id for d in option.detachments]
    per_flight: dict[int, list] = {}
    for j in range(eng.track.size):
        f = int(flight_of[j])
        if f >= 0 and truth.is_drug[f]:
            per_flight.setdefault(f, []).append(j)
        elif eng.slot[j] >= 0:
            add(day=day, flight=str(truth.id[f]) if f >= 0 else "", option=option.id, mode=picture, outcome=FALSE_SCRAMBLE,
                leg="", t_track_s=float(eng.t_first[j]), t_suspect_s=float(eng.t_suspect[j]),
                t_scramble_s=float(eng.t_order[j]), t_airborne_s=float(eng.t_air[j]),
                t_intercept_s=float(eng.t_contact[j]), t_id_s=float(eng.t_id[j]),
                flight_hours=float(eng.hours[j]), cost_usd=float(eng.cost_usd[j]),
                base=det_base[eng.detachment[j]], interceptor=det_type[eng.detachment[j]], false_scramble=1,
                track=int(eng.track[j]), intercept_x_m=float(eng.x[j]), intercept_y_m=float(eng.y[j]),
                searched=int(eng.searched[j]))
    for f in np.flatnonzero(truth.is_drug):
        cands = []  # (rank, leg, j)
        land, takeoff, out_t = truth.t_land[f], truth.t_takeoff[f], truth.t_border_out[f]
        b_in = truth.t_border_in[f]
        contact_of, id_of = {}, {}
        for j in per_flight.get(int(f), []):
            inbound = not (eng.t_suspect[j] >= takeoff)  # NaN-safe: no takeoff -> inbound
            leg = "inbound" if inbound else "outbound"
            end_air = land if inbound else out_t
            if not math.isfinite(end_air):
                end_air = math.inf
            c = int(eng.code[j])
            if c == 0:
                name = "no_aircraft_available"
            elif c == 1:
                name = "missed_out_of_range"
            elif c == 6:
                name = "missed_lost_track"   # its track was lost; the interceptor moved to a re-acquired track
            elif c == 2:
                # the search began only after the target had landed / left Peru: too late, not lost
                name = "missed_too_late" if eng.t_search[j] > end_air else "missed_lost_track"
            else:
                tc, tid = eng.t_contact[j], eng.t_id[j]
                if inbound and math.isfinite(b_in) and tc < b_in:
                    tid, tc = tid + (b_in - tc), b_in        # hold at the border, then Phases I-II
                contact_of[j], id_of[j] = tc, tid
                if c == 3 and tid <= end_air:
                    name = "identified_airborne"
                elif tc <= end_air:
                    name = "intercepted_late"
                elif inbound and math.isfinite(land) and tc < takeoff:
                    name, leg = "intercepted_late", "ground"
                else:
                    name = "missed_too_late"
            cands.append((RANK[name], LEGS.index(leg), j, name, leg))
        for li, leg in ((0, "inbound"), (1, "outbound")):
            if (leg == "outbound" and not math.isfinite(takeoff)) or (leg == "inbound" and not math.isfinite(land)):
                continue
            name = "missed_no_track" if truth.leg_detected[f, li] else "missed_no_detection"
            cands.append((RANK[name], LEGS.index(leg), -1, name, leg))
        cands.sort(key=lambda c: (c[0], c[1], c[2]))
        _, _, j, name, leg = cands[0]
        js = per_flight.get(int(f), [])
        hours = float(sum(eng.hours[k] for k in js))
        cost = float(sum(eng.cost_usd[k] for k in js))
        row = dict(day=day, flight=str(truth.id[f]), option=option.id, mode=picture, outcome=name, leg=leg,
                   t_first_plot_s=float(truth.t_first_plot[f]), flight_hours=hours, cost_usd=cost, false_scramble=0,
                   base="", interceptor="", track=-1, searched=0)
        if j >= 0:
            d = eng.detachment[j]
            row.update(t_track_s=float(eng.t_first[j]), t_suspect_s=float(eng.t_suspect[j]),
                       t_scramble_s=float(eng.t_order[j]), t_airborne_s=float(eng.t_air[j]),
                       t_intercept_s=float(contact_of.get(j, eng.t_contact[j])),
                       t_id_s=float(id_of.get(j, eng.t_id[j])) if name == "identified_airborne" else nan,
                       base=det_base[d] if d >= 0 else "", interceptor=det_type[d] if d >= 0 else "",
                       track=int(eng.track[j]), intercept_x_m=float(eng.x[j]), intercept_y_m=float(eng.y[j]),
                       searched=int(eng.searched[j]))
        add(**row)
    x = np.asarray(cols["intercept_x_m"], float)
    y = np.asarray(cols["intercept_y_m"], float)
    ok = np.isfinite(x) & np.isfinite(y)
    if frame is not None and ok.any():
        lat, lon, _ = frame.enu_to_geodetic(np.column_stack([x[ok], y[ok], np.zeros(ok.sum())]))
        la = np.full(x.size, nan)
        lo = np.full(x.size, nan)
        la[ok], lo[ok] = np.round(lat, 5), np.round(lon, 5)
        cols["intercept_lat"], cols["intercept_lon"] = [float(v) for v in la], [float(v) for v in lo]
    return OutcomeTable(cols)


# ------------------------------------------------------------------------------------------
def planned_codes_of(squawk, transponder_on, flight_plan_filed) -> np.ndarray:
    """Codes of the filed flight plans (the operators' flight-plan list, not truth)."""
    sq = np.asarray(squawk, dtype=np.int64)
    m = np.asarray(flight_plan_filed, bool) & (sq >= 0)
    return np.unique(sq[m])


def evaluate(pictures: dict, truth: FlightTruth, planned_codes, options: list[Option], params: EngagementParams,
             frame, seed: int, day: int, python: bool = False, details: dict | None = None,
             plans=None) -> OutcomeTable:
    """All options x pictures of one day -> outcome records.

    ``details`` (optional dict) receives ``(option id, picture) -> (Engagements, flight_of, RowState)``
    for plots and timelines.  ``plans``: the filed flight plans the operators hold
    (:class:`tracker.plans.FlightPlans`; None: classification by codes only).
    """
    if not options:
        raise InputError("--options: empty: expected at least one interceptor option")
    prepared = {}
    for picture, pic in pictures.items():
        sus = classify(pic, planned_codes, params.classify_s, plans, params.plan_match_m,
                       params.plan_velocity_tolerance)
        rows = row_state(pic, sus, frame)
        # truth, after the fact: which flight each suspect track was (independent of the option)
        flight_of = associate(sus, rows, truth, params.association_radius_m)
        prepared[picture] = (pic, sus, rows, flight_of)
    n_uniforms = max([1024] + [p[1].track.size for p in prepared.values()])  # >= launches of any picture
    parts = []
    for option in options:
        opt = option_arrays(option, frame, params, seed, day, n_uniforms)
        for picture, (pic, sus, rows, flight_of_sus) in prepared.items():
            eng = engage(rows, sus, opt, params, python=python)
            flight_of = flight_of_sus[eng.source]
            if details is not None:
                details[(option.id, picture)] = (eng, flight_of, rows)
            parts.append(score_flights(day, option, picture, eng, flight_of, truth, frame))
    return OutcomeTable.concat(parts)


# ------------------------------------------------------------------------------------------
# Adapter to the feeds' simulated day (scenarios.simulation.day.Day)
def flight_truth_from_day(day) -> FlightTruth:
    """:class:`FlightTruth` of a :class:`scenarios.simulation.day.Day` (flights, trajectories, plots' truth column)."""
    from radar.frame import geodetic_to_ecef
    from scenarios.flights.trajectory import AIRBORNE_PHASES, evaluate_many

    fl = day.flights
    n = len(fl)
    plots = day.plots
    pt = np.asarray(plots.truth, np.int64)
    ptime = np.asarray(plots.time_s, float)
    real = pt >= 0
    t_first = np.full(n, np.nan)
    if real.any():
        first = np.full(n, np.inf)
        np.minimum.at(first, pt[real], ptime[real])
        t_first = np.where(np.isfinite(first), first, np.nan)
    land = np.asarray(fl.t_land, float)
    takeoff = np.asarray(fl.t_takeoff, float)
    leg = np.zeros((n, 2), bool)
    if real.any():
        f = pt[real]
        tt = ptime[real]
        inb = ~(tt >= np.nan_to_num(land[f], nan=np.inf))
        outb = tt >= np.nan_to_num(takeoff[f], nan=np.inf)
        leg[f[inb], 0] = True
        leg[f[outb], 1] = True
    traj = day.trajectories
    frame = day.frame

    def position_enu(times):
        times = np.asarray(times, float)
        out = np.full((n, times.size, 3), np.nan)
        if n == 0 or times.size == 0:
            return out
        ff = np.repeat(np.arange(n, dtype=np.int64), times.size)
        tt = np.tile(times, n)
        lat, lon, h, _v, ph = evaluate_many(traj, ff, tt)
        ok = np.isin(ph, AIRBORNE_PHASES) & np.isfinite(lat)
        enu = np.full((ff.size, 3), np.nan)
        if ok.any():
            enu[ok] = frame.ecef_to_enu(geodetic_to_ecef(np.degrees(lat[ok]), np.degrees(lon[ok]), h[ok]))
        return enu.reshape(n, times.size, 3)

    return FlightTruth(id=np.asarray(fl.id), is_drug=np.asarray(fl.is_drug, bool),
                       t_border_in=np.asarray(fl.t_border_in, float), t_land=land, t_takeoff=takeoff,
                       t_border_out=np.asarray(fl.t_border_out, float), t_first_plot=t_first, leg_detected=leg,
                       position_enu=position_enu)


def plans_from_day(day, interval_s: float = 10.0):
    """The filed flight plans of a simulated day: its background flights with a plan (drug flights file
    none), which fly them exactly -- their trajectories sampled every ``interval_s`` while airborne."""
    from tracker.plans import empty_plans, plans_from_samples

    key = ("_flight_plans", float(interval_s))
    cached = day.__dict__.get(key)
    if cached is None:
        filed = np.flatnonzero(np.asarray(day.flights.flight_plan_filed, bool))
        if filed.size == 0:
            cached = empty_plans()
        else:
            t, f, pos = day.truth(interval_s)
            keep = np.isin(f, filed)
            cached = plans_from_samples(t[keep], f[keep], pos[keep])
        day.__dict__[key] = cached  # built once per day (pictures and classification share them)
    return cached


def build_pictures(day, pictures, seed: int, params: EngagementParams | None = None) -> dict:
    """The tracker's pictures of a simulated day, one per name in ``pictures`` (``tracker.pictures``).

    The flight-plan codes and the filed plans go to the non-integrated cross-tell rule (civil tracks
    squawking a planned code, or flying a filed plan -- ``params``' plan gates -- are not told).
    """
    from tracker.pictures import build_picture

    fl = day.flights
    planned = planned_codes_of(fl.squawk, fl.transponder_on, fl.flight_plan_filed)
    terrain = getattr(day, "terrain", None)
    plans = plans_from_day(day) if "non_integrated" in pictures else None
    gates = params or EngagementParams()
    return {p: build_picture(day.plots, day.sensors, p, seed, day.day, planned_squawks=planned, terrain=terrain,
                             plans=plans, plan_gates=(gates.plan_match_m, gates.plan_velocity_tolerance))
            for p in pictures}


def evaluate_day(day, pictures: dict, options: list[Option], params: EngagementParams, seed: int,
                 details: dict | None = None) -> OutcomeTable:
    """Engagement outcomes of a simulated day for every option x picture."""
    fl = day.flights
    codes = planned_codes_of(fl.squawk, fl.transponder_on, fl.flight_plan_filed)
    return evaluate(pictures, flight_truth_from_day(day), codes, options, params, day.frame, seed, day.day,
                    details=details, plans=plans_from_day(day))
