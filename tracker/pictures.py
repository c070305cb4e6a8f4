"""The three military air pictures (:data:`radar.constants.PICTURES`): ``military``, ``non_integrated``, ``integrated``.

* ``military`` -- one tracker on the military radars' plots, each plot processed when it
  arrives (plot time + the sensor's link latency).
* ``non_integrated`` (today) -- the military tracker as above, plus a civil tracker on the
  civil radars' plots.  Every ``update_interval_s`` (300 s, at multiples of it since the
  epoch) each civil track alive then is considered for a manual cross-tell: it is eligible
  if it is primary-only (no Mode 3/A code correlated) or squawks a code not in
  ``planned_squawks``, and lies more than ``separation_m`` (10 km, horizontal) from every
  military track, and flies no filed flight plan (:mod:`tracker.plans`: ATC does not report a return it
  has correlated with a plan); an eligible track is told with probability ``report_probability`` (0.5),
  after a lognormal delay (median 300 s, ln-sigma ``latency_log_sigma``, clipped to
  120-900 s), its position blurred by N(0, ``position_sigma_m``^2) (3 km) per horizontal
  axis.  A cross-tell creates -- or, for the same civil track, updates -- a *cued* track:
  position at observation time, the civil velocity with sigma ``cued_sigma_v_mps`` (80 m/s),
  predicted to now.  Cued tracks have status 2 (never confirmed); they get a row every
  ``cued_row_interval_s`` (10 s) from the cross-tell's arrival until a newer cross-tell
  replaces them, a confirmed military track comes within ``separation_m`` (the military
  track then holds the target), or ``update_interval_s + latency_max_s`` passes since the
  observation without a new cross-tell.
  Random draws: one stream per (seed, day, cross_tell, civil track id, opportunity index)
  (:func:`radar.rng.stream`, stream id 6), in the order u (report?), z (delay), n_x, n_y
  (position noise), so a draw never depends on which other tracks were eligible.
* ``integrated`` -- one tracker on all plots; civil plots arrive after the digital latency
  (``integrated_latency_s``, 4 s); every plot is processed at max(arrival, plot time +
  ``integrated_delay_s``), i.e. in measurement-time order behind a fixed delay.

Each picture is a :class:`Picture` of rows (one per confirmed-track update, or per output
time with ``output_every_s``, plus the cued rows).  Rows are causal: a row at time t uses
only plots processed by t.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from radar.errors import InputError
from radar.plotlog import Plots
from radar.rng import stream
from radar.constants import PICTURES
from tracker.params import TrackerParams
from tracker.tracker import Grids, TrackRows, track

#: ids of cued tracks start here (military tracker ids are 0, 1, 2, ...)
CUED_ID_BASE = 1_000_000
STATUS_CONFIRMED = 1
STATUS_CUED = 2


@dataclass(frozen=True)
class Picture:
    """A military air picture as rows (sorted by time, then track id).

    ``pos_sigma_m`` is sqrt(trace(P_pos) / 3): the RMS per-axis position standard deviation.
    ``status``: 1 confirmed, 2 cued.  ``squawk``: last Mode 3/A code correlated to the track (-1 none).
    ``sensors``: bitmask of the sensor indices that fed the track (for cued tracks, the civil track's).
    ``sigma_v_m``: vertical standard deviation (m) along the local up; a track fed by 2D plots only has its
    height held, not observed, and says so with a sigma of a kilometre or more.
    ``t_obs_s``: when the row's information was observed -- for a cued row the civil radar's
    observation time of the cross-told report (the row is that report predicted to ``time_s``);
    None means every row is as fresh as its time (the trackers' own rows).
    """

    name: str
    time_s: np.ndarray
    track: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    z_m: np.ndarray
    vx_mps: np.ndarray
    vy_mps: np.ndarray
    vz_mps: np.ndarray
    pos_cov: np.ndarray
    pos_sigma_m: np.ndarray
    status: np.ndarray
    squawk: np.ndarray
    sensors: np.ndarray
    sigma_v_m: np.ndarray
    stats: dict = field(default_factory=dict)
    t_obs_s: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def state(self) -> np.ndarray:
        return np.stack((self.x_m, self.y_m, self.z_m, self.vx_mps, self.vy_mps, self.vz_mps), axis=1)

    def at(self, t: float, max_age_s: float = 60.0):
        """Tracks known at time t: (ids, status, states predicted to t (k, 6)) from each track's latest row <= t."""
        m = (self.time_s <= t) & (self.time_s >= t - max_age_s)
        idx = np.flatnonzero(m)
        if idx.size == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int8), np.zeros((0, 6))
        rev = idx[::-1]
        ids, first = np.unique(self.track[rev], return_index=True)
        rows = rev[first]
        st = self.state[rows]
        st[:, :3] += st[:, 3:] * (t - self.time_s[rows])[:, None]
        return ids, self.status[rows], st


def _picture_from_rows(name: str, rows: TrackRows, status: np.ndarray | None = None, stats=None) -> Picture:
    c = rows.pos_cov
    return Picture(name=name, time_s=rows.time_s, track=rows.track, x_m=rows.state[:, 0], y_m=rows.state[:, 1],
                   z_m=rows.state[:, 2], vx_mps=rows.state[:, 3], vy_mps=rows.state[:, 4], vz_mps=rows.state[:, 5],
                   pos_cov=c, pos_sigma_m=np.sqrt(np.maximum(c[:, 0] + c[:, 3] + c[:, 5], 0.0) / 3.0),
                   status=(np.full(len(rows), STATUS_CONFIRMED, np.int8) if status is None else status),
                   squawk=rows.squawk, sensors=rows.sensors, sigma_v_m=rows.sigma_v_m, stats=stats or {})


def _concat(name, parts, stats) -> Picture:
    keys = ["time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "pos_cov", "pos_sigma_m", "status",
            "squawk", "sensors", "sigma_v_m", "t_obs_s"]
    cols = {k: np.concatenate([getattr(p, k) if k != "t_obs_s" or p.t_obs_s is not None else p.time_s
                               for p in parts]) for k in keys}
    order = np.lexsort((cols["track"], cols["time_s"]))
    return Picture(name=name, stats=stats, **{k: v[order] for k, v in cols.items()})


def _run(plots: Plots, sensors, params, proc, grids, output_every_s, window_s, out_times=None, terrain=None, memo=None):
    kw = dict(proc_time_s=proc, grids=grids, window_s=window_s, terrain=terrain, memo=memo)
    if out_times is not None:
        return track(plots, sensors, params, out_times=out_times, **kw)
    if output_every_s:
        t0 = np.floor(plots.time_s.min() / output_every_s) * output_every_s if len(plots) else 0.0
        t1 = (plots.time_s.max() + 60.0) if len(plots) else 0.0
        out = np.arange(t0, t1 + 1e-9, output_every_s)
        return track(plots, sensors, params, out_times=out, **kw)
    return track(plots, sensors, params, emit_on_update=True, **kw)


def build_picture(plots: Plots, sensors, picture: str, seed: int, day: int = 0, params: TrackerParams | None = None,
                  grids: Grids | None = None, *, planned_squawks=None, output_every_s: float | None = None,
                  cued_row_interval_s: float = 10.0, out_times=None, terrain=None, plans=None,
                  plan_gates=None, memo=None) -> Picture:
    """The military picture ``picture`` (one of :data:`radar.types.PICTURES`) from ``plots`` (see the module docstring).

    ``planned_squawks``: Mode 3/A codes with a flight plan (non_integrated: squawking civil tracks
    with one of these codes are not cross-told).  None means every code is planned (only
    primary-only civil tracks are cross-told).
    ``out_times``: explicit output times (rows for every confirmed track alive then, predicted to it);
    ``output_every_s``: a regular grid instead; neither: a row after each update of a confirmed track.
    ``stats['tracking_s']`` is the time spent in the tracker kernels (no I/O, no compilation).
    ``terrain``: :class:`tracker.tracker.Terrain` or :class:`radar.terrain.Dem`, the floor of held heights.
    ``plans``: the filed flight plans (:class:`tracker.plans.FlightPlans`; non_integrated: a civil track flying
    one is not cross-told), ``plan_gates`` their (distance m, velocity tolerance) (default
    :data:`tracker.plans.PLAN_MATCH_M`, :data:`tracker.plans.PLAN_VELOCITY_TOLERANCE`).
    ``memo``: a :class:`tracker.tracker.TrackMemo` shared by pictures of one day (tracker runs on the same
    inputs are computed once; the same picture either way).
    """
    if picture not in PICTURES:
        raise InputError(f"picture = {picture!r}: expected one of {', '.join(PICTURES)}")
    if sensors is None:
        raise InputError(f"picture {picture}: a sensors file is needed (owners, latencies, fusion parameters)")
    params = params or TrackerParams()
    arr = sensors.to_arrays()
    fus = sensors.fusion
    military = arr.owner[plots.sensor] == 0 if len(plots) else np.zeros(0, bool)
    lat = arr.latency_s[plots.sensor] if len(plots) else np.zeros(0)
    if picture in ("military", "non_integrated"):
        mil_plots = plots.take(np.flatnonzero(military))
        res = _run(mil_plots, sensors, params, mil_plots.time_s + arr.latency_s[mil_plots.sensor], grids, output_every_s,
                   None, out_times, terrain, memo)
        mil_pic = _picture_from_rows(picture, res.rows, stats={"military_plots": len(mil_plots),
                                                             "military_confirmed_tracks": res.confirmed_tracks,
                                                             "confirmed_tracks": res.confirmed_tracks,
                                                             "dropped_late": res.n_dropped_late,
                                                             "tracking_s": res.tracking_s})
        if picture == "military":
            return mil_pic
        civ_plots = plots.take(np.flatnonzero(~military))
        cres = _run(civ_plots, sensors, params, civ_plots.time_s + arr.latency_s[civ_plots.sensor], grids, None, None,
                    terrain=terrain, memo=memo)
        import time as _time

        t0 = _time.perf_counter()
        cued, ct_stats = _cross_tell(cres.rows, mil_pic, fus, params, seed, day, planned_squawks, cued_row_interval_s,
                                     plans, plan_gates)
        stats = dict(mil_pic.stats)
        stats["tracking_s"] = res.tracking_s + cres.tracking_s + (_time.perf_counter() - t0)
        stats.update({"civil_plots": len(civ_plots), "civil_confirmed_tracks": cres.confirmed_tracks}, **ct_stats)
        return _concat(picture, [mil_pic, cued], stats)
    # integrated
    arrival = plots.time_s + lat + np.where(military, 0.0, fus.integrated_latency_s)
    proc = np.maximum(arrival, plots.time_s + fus.integrated_delay_s)
    window = max(float(np.max(lat, initial=0.0)), fus.integrated_latency_s) + 1.0
    res = _run(plots, sensors, params, proc, grids, output_every_s, window, out_times, terrain, memo)
    return _picture_from_rows(picture, res.rows, stats={"plots": len(plots), "confirmed_tracks": res.confirmed_tracks,
                                                     "dropped_late": res.n_dropped_late, "tracking_s": res.tracking_s})


class _Rows:
    """Rows sorted by time for fast 'latest row per track at or before t' queries."""

    def __init__(self, time_s, track, state, extra=()):
        o = np.argsort(time_s, kind="stable")
        self.time_s = np.asarray(time_s)[o]
        self.track = np.asarray(track)[o]
        self.state = np.asarray(state)[o]
        self.extra = [np.asarray(e)[o] for e in extra]
        # the next row of the same track (n: none): row r is its track's latest in [lo, hi) iff next[r] >= hi
        n = self.track.size
        self.next = np.full(n, n, np.int64)
        if n:
            by_track = np.lexsort((np.arange(n), self.track))
            same = self.track[by_track[1:]] == self.track[by_track[:-1]]
            self.next[by_track[:-1][same]] = by_track[1:][same]

    def latest(self, t, max_age):
        """(ids, row indices, states predicted to t) of each track's latest row in [t - max_age, t], by id."""
        # array methods, not the np.* wrappers (speed: about 30,000 calls in 24 study days)
        lo = int(self.time_s.searchsorted(t - max_age, side="left"))
        hi = int(self.time_s.searchsorted(t, side="right"))
        if hi <= lo:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 6))
        rows = (self.next[lo:hi] >= hi).nonzero()[0] + lo
        rows = rows[self.track[rows].argsort(kind="stable")]
        ids = self.track[rows]
        st = self.state[rows].copy()
        st[:, :3] += st[:, 3:] * (t - self.time_s[rows])[:, None]
        return ids, rows, st


def _cross_tell(civ: TrackRows, mil: Picture, fus, params: TrackerParams, seed: int, day: int, planned, row_dt: float,
                plans=None, plan_gates=None):
    """Cued rows (a Picture with status 2) from the civil track rows."""
    empty = Picture(name="non_integrated", time_s=np.zeros(0), track=np.zeros(0, np.int64), x_m=np.zeros(0),
                    y_m=np.zeros(0), z_m=np.zeros(0), vx_mps=np.zeros(0), vy_mps=np.zeros(0), vz_mps=np.zeros(0),
                    pos_cov=np.zeros((0, 6)), pos_sigma_m=np.zeros(0), status=np.zeros(0, np.int8),
                    squawk=np.zeros(0, np.int32), sensors=np.zeros(0, np.int64), sigma_v_m=np.zeros(0),
                    t_obs_s=np.zeros(0))
    stats = {"cross_tell_opportunities": 0, "cross_tell_eligible": 0, "cross_tells": 0, "cued_tracks": 0,
             "cross_tell_on_plan": 0}
    if len(civ) == 0:
        return empty, stats
    U = fus.update_interval_s
    planned = None if planned is None else set(int(s) for s in planned)
    civ_rows = _Rows(civ.time_s, civ.track, civ.state, (civ.squawk, civ.sensors, civ.sigma_v_m))
    mil_rows = _Rows(mil.time_s, mil.track, mil.state)
    reports = []  # (arrival, t_obs, civil id, pos (3), vel (3), squawk, sensors, vertical variance)
    k0 = int(np.ceil(civ.time_s.min() / U))
    k1 = int(np.floor((civ.time_s.max() + params.max_unseen_s) / U))
    # each civil track's latest row at or before every opportunity time (what _Rows.latest gives, for all
    # opportunities at once: one searchsorted per track instead of a np.unique per opportunity; speed)
    t_opp = np.arange(k0, k1 + 1) * U
    latest_row = {}
    for cid in np.unique(civ_rows.track):
        r = np.flatnonzero(civ_rows.track == cid)
        at = np.searchsorted(civ_rows.time_s[r], t_opp, side="right") - 1
        ok = at >= 0
        ok[ok] = civ_rows.time_s[r[at[ok]]] >= t_opp[ok] - params.max_unseen_s
        latest_row[int(cid)] = np.where(ok, r[np.maximum(at, 0)], -1)
    cids = sorted(latest_row)
    table = np.array([latest_row[c] for c in cids]).reshape(len(cids), t_opp.size)
    kk_all, ci_all = np.nonzero(table.T >= 0)  # opportunities in (time, civil id) order
    stats["cross_tell_opportunities"] = int(kk_all.size)
    # civil tracks flying a filed plan at the opportunity (their state predicted to it): all at once
    on_plan = np.zeros(kk_all.size, bool)
    if plans is not None and len(plans) and kk_all.size:
        from tracker.plans import PLAN_MATCH_M, PLAN_VELOCITY_TOLERANCE, plan_matches

        gate, tol = plan_gates if plan_gates is not None else (PLAN_MATCH_M, PLAN_VELOCITY_TOLERANCE)
        rr = table[ci_all, kk_all]
        st_all = civ_rows.state[rr].copy()
        st_all[:, :3] += st_all[:, 3:] * (t_opp[kk_all] - civ_rows.time_s[rr])[:, None]
        on_plan = plan_matches(t_opp[kk_all], st_all[:, :3], st_all[:, 3:5], plans, gate, tol)
    mil_latest, mil_kk = None, -1
    for q, (kk, ci) in enumerate(zip(kk_all.tolist(), ci_all.tolist())):
        k = k0 + kk
        t_o = k * U
        cid = cids[ci]
        row = int(table[ci, kk])
        if mil_kk != kk:
            mil_latest, mil_kk = None, kk
        sq = int(civ_rows.extra[0][row])
        eligible = sq < 0 or (planned is not None and sq not in planned)
        if not eligible:
            continue
        if on_plan[q]:
            stats["cross_tell_on_plan"] += 1
            continue
        st = civ_rows.state[row].copy()
        st[:3] += st[3:] * (t_o - civ_rows.time_s[row])
        if mil_latest is None:
            mil_latest = mil_rows.latest(t_o, params.max_unseen_s)
        mids, mrows, mst = mil_latest
        if mids.size:
            d = np.hypot(mst[:, 0] - st[0], mst[:, 1] - st[1])
            eligible = bool(d.min() > fus.separation_m)
        if not eligible:
            continue
        stats["cross_tell_eligible"] += 1
        g = stream(seed, day, "cross_tell", int(cid), k)
        u = g.random()
        z = g.standard_normal()
        noise = g.normal(0.0, 1.0, 2) * fus.position_sigma_m
        if u >= fus.report_probability:
            continue
        delay = float(np.clip(fus.latency_median_s * np.exp(fus.latency_log_sigma * z), fus.latency_min_s,
                              fus.latency_max_s))
        pos = st[:3].copy()
        pos[:2] += noise
        reports.append((t_o + delay, t_o, int(cid), pos, st[3:].copy(), sq, int(civ_rows.extra[1][row]),
                        float(civ_rows.extra[2][row]) ** 2))
    stats["cross_tells"] = len(reports)
    if not reports:
        return empty, stats
    reports.sort(key=lambda r: (r[0], r[2]))
    max_age = U + fus.latency_max_s
    # cued track per civil id: the latest report replaces the previous one
    by_civil = {}
    for r in reports:
        by_civil.setdefault(r[2], []).append(r)
    cued_id = {}
    next_cued = CUED_ID_BASE
    for r in reports:
        if r[2] not in cued_id:
            cued_id[r[2]] = next_cued
            next_cued += 1
    stats["cued_tracks"] = len(cued_id)
    out_t, out_id, out_state, out_cov, out_sq, out_sens, out_sv, out_obs = [], [], [], [], [], [], [], []
    sp2 = fus.position_sigma_m ** 2
    sv2 = fus.cued_sigma_v_mps ** 2
    for cid, reps in by_civil.items():
        for n_, (arr_t, t_obs, _, pos, vel, sq, sens, var_v) in enumerate(reps):
            end = t_obs + max_age
            if n_ + 1 < len(reps):
                end = min(end, reps[n_ + 1][0])
            tt = arr_t
            while tt < end:
                dt = tt - t_obs
                p = pos + vel * dt
                mids, mrows, mst = mil_rows.latest(tt, params.max_unseen_s)
                if mids.size and np.hypot(mst[:, 0] - p[0], mst[:, 1] - p[1]).min() <= fus.separation_m:
                    break  # a military track holds the target now
                var = sp2 + sv2 * dt * dt
                out_t.append(tt)
                out_id.append(cued_id[cid])
                out_state.append(np.concatenate((p, vel)))  # (np.r_ costs 20 us a row)
                out_cov.append([var, 0.0, 0.0, var, 0.0, var])
                out_sq.append(sq)
                out_sens.append(sens)
                # the civil track's vertical sigma when it was told (a held height stays marked as held)
                out_sv.append(np.sqrt(max(var, var_v)))
                out_obs.append(t_obs)
                tt += row_dt
    if not out_t:
        return empty, stats
    st = np.array(out_state)
    cov = np.array(out_cov)
    return Picture(name="non_integrated", time_s=np.array(out_t), track=np.array(out_id, np.int64), x_m=st[:, 0],
                   y_m=st[:, 1], z_m=st[:, 2], vx_mps=st[:, 3], vy_mps=st[:, 4], vz_mps=st[:, 5], pos_cov=cov,
                   pos_sigma_m=np.sqrt(cov[:, 0]), status=np.full(len(out_t), STATUS_CUED, np.int8),
                   squawk=np.array(out_sq, np.int32), sensors=np.array(out_sens, np.int64),
                   sigma_v_m=np.array(out_sv), t_obs_s=np.array(out_obs, float)), stats
