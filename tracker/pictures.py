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
from radar.rng import Streams
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
    # np.take: the rows of a[order], 4x faster on the (n, 6) covariances (speed)
    return Picture(name=name, stats=stats, **{k: np.take(v, order, axis=0) for k, v in cols.items()})


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
    """Rows sorted by time (stable) for 'each track's latest row in [t - max_age, t]' queries, many times at once."""

    def __init__(self, time_s, track, state, index=None):
        """``index``: keep only these rows (increasing); ``self.index`` maps the sorted rows to the given ones."""
        index = np.arange(np.size(time_s)) if index is None else np.asarray(index)
        self.index = index = index[np.asarray(time_s)[index].argsort(kind="stable")]
        self.time_s = np.asarray(time_s)[index]
        self.track = np.asarray(track)[index]
        self.state = np.take(np.asarray(state), index, axis=0)  # = state[index], faster on (n, 6) (speed)
        # the next row of the same track (n: none): row r is its track's latest in [lo, hi) iff next[r] >= hi
        n = self.track.size
        self.next = np.full(n, n, np.int64)
        if n:
            by_track = self.track.argsort(kind="stable")
            same = self.track[by_track[1:]] == self.track[by_track[:-1]]
            self.next[by_track[:-1][same]] = by_track[1:][same]

    def latest(self, t, max_age):
        """For query times ``t`` (q,): pairs (query index, row index), one per track whose latest row at or
        before t[i] is in [t[i] - max_age, t[i]], by query then row (row order, not track order)."""
        t = np.asarray(t, float)
        lo = self.time_s.searchsorted(t - max_age, side="left")
        hi = self.time_s.searchsorted(t, side="right")
        cnt = np.maximum(hi - lo, 0)
        q = np.repeat(np.arange(t.size), cnt)
        if q.size == 0:
            return q, q
        start = np.cumsum(cnt) - cnt
        r = lo[q] + (np.arange(q.size) - start[q])
        keep = self.next[r] >= hi[q]
        return q[keep], r[keep]

    def nearest(self, t, x, y, max_age):
        """For each query (time t, horizontal position x, y; arrays (q,)): the smallest horizontal distance to
        the tracks' latest rows in [t - max_age, t], each predicted to t; +inf with no track, NaN if a distance
        is NaN (as ``np.min``)."""
        q, r = self.latest(t, max_age)
        d = np.full(np.size(t), np.inf)
        if q.size:
            dt = t[q] - self.time_s[r]
            st = self.state
            dist = np.hypot(st[r, 0] + st[r, 3] * dt - x[q], st[r, 1] + st[r, 4] * dt - y[q])
            np.minimum.at(d, q, dist)
        return d


def _no_cued() -> Picture:
    return Picture(name="non_integrated", time_s=np.zeros(0), track=np.zeros(0, np.int64), x_m=np.zeros(0),
                   y_m=np.zeros(0), z_m=np.zeros(0), vx_mps=np.zeros(0), vy_mps=np.zeros(0), vz_mps=np.zeros(0),
                   pos_cov=np.zeros((0, 6)), pos_sigma_m=np.zeros(0), status=np.zeros(0, np.int8),
                   squawk=np.zeros(0, np.int32), sensors=np.zeros(0, np.int64), sigma_v_m=np.zeros(0),
                   t_obs_s=np.zeros(0))


def _cross_tell(civ: TrackRows, mil: Picture, fus, params: TrackerParams, seed: int, day: int, planned, row_dt: float,
                plans=None, plan_gates=None):
    """Cued rows (a Picture with status 2) from the civil track rows.

    Speed: the rules of the module docstring on arrays -- every opportunity, its plan check and its military
    separation at once; Python only for the random draws of the eligible opportunities (one stream each)."""
    stats = {"cross_tell_opportunities": 0, "cross_tell_eligible": 0, "cross_tells": 0, "cued_tracks": 0,
             "cross_tell_on_plan": 0}
    if len(civ) == 0:
        return _no_cued(), stats
    U = fus.update_interval_s
    max_unseen = params.max_unseen_s
    k0 = int(np.ceil(civ.time_s.min() / U))
    k1 = int(np.floor((civ.time_s.max() + max_unseen) / U))
    t_opp = np.arange(k0, k1 + 1) * U
    # only the civil rows in some opportunity's window [t - max_unseen, t] can be an opportunity (speed: the
    # sorts below on a fifth of the rows); the first opportunity at or after a row is the one to check
    nxt = t_opp.searchsorted(civ.time_s, side="left")
    in_win = nxt < t_opp.size
    in_win[in_win] = civ.time_s[in_win] >= np.asarray(t_opp, float)[nxt[in_win]] - max_unseen
    civ_rows = _Rows(civ.time_s, civ.track, civ.state, np.flatnonzero(in_win))
    o = civ_rows.index
    c_sq, c_sens, c_sv = np.asarray(civ.squawk)[o], np.asarray(civ.sensors)[o], np.asarray(civ.sigma_v_m)[o]
    mil_rows = _Rows(mil.time_s, mil.track, mil.state)
    # opportunities: each civil track's latest row in [t - max_unseen, t] at every opportunity time t, in time order
    # (within a time, in row order: nothing depends on it -- draws are keyed by civil id, reports sorted by
    # arrival and civil id)
    kk, row = civ_rows.latest(t_opp, max_unseen)
    stats["cross_tell_opportunities"] = int(kk.size)
    sq = c_sq[row]
    elig = sq < 0
    if planned is not None:
        elig |= ~np.isin(sq, np.array([int(s) for s in planned], np.int64))
    kk, row, sq = kk[elig], row[elig], sq[elig]
    t_o = t_opp[kk]
    st = civ_rows.state[row].copy()
    st[:, :3] += st[:, 3:] * (t_o - civ_rows.time_s[row])[:, None]
    # civil tracks flying a filed plan at the opportunity (their state predicted to it) are not told
    if plans is not None and len(plans) and kk.size:
        from tracker.plans import PLAN_MATCH_M, PLAN_VELOCITY_TOLERANCE, plan_matches

        gate, tol = plan_gates if plan_gates is not None else (PLAN_MATCH_M, PLAN_VELOCITY_TOLERANCE)
        on_plan = plan_matches(t_o, st[:, :3], st[:, 3:5], plans, gate, tol)
        stats["cross_tell_on_plan"] = int(on_plan.sum())
        off = ~on_plan
        kk, row, sq, t_o, st = kk[off], row[off], sq[off], t_o[off], st[off]
    # more than separation_m from every military track (each predicted to the opportunity); NaN is not
    sep = mil_rows.nearest(t_o, st[:, 0], st[:, 1], max_unseen) > fus.separation_m
    kk, row, sq, st = kk[sep], row[sep], sq[sep], st[sep]
    stats["cross_tell_eligible"] = int(kk.size)
    reports = []  # (arrival, t_obs, civil id, pos (3), vel (3), squawk, sensors, vertical variance)
    cid_all = civ_rows.track[row].tolist()
    streams = Streams()
    for q, (k_, cid) in enumerate(zip((kk + k0).tolist(), cid_all)):
        g = streams.get(seed, day, "cross_tell", cid, k_)
        u = g.random()
        z = g.standard_normal()
        noise = g.normal(0.0, 1.0, 2) * fus.position_sigma_m
        if u >= fus.report_probability:
            continue
        delay = float(np.clip(fus.latency_median_s * np.exp(fus.latency_log_sigma * z), fus.latency_min_s,
                              fus.latency_max_s))
        t_obs = k_ * U
        pos = st[q, :3].copy()
        pos[:2] += noise
        r = int(row[q])
        reports.append((t_obs + delay, t_obs, cid, pos, st[q, 3:], int(sq[q]), int(c_sens[r]),
                        float(c_sv[r]) ** 2))
    stats["cross_tells"] = len(reports)
    if not reports:
        return _no_cued(), stats
    return _cued_rows(reports, mil_rows, fus, max_unseen, row_dt, stats)


def _cued_rows(reports, mil_rows: _Rows, fus, max_unseen: float, row_dt: float, stats: dict):
    """The cued rows of the cross-tells ``reports`` (see :func:`_cross_tell`); the cued tracks' count into ``stats``."""
    reports.sort(key=lambda r: (r[0], r[2]))
    # cued track per civil id (ids in the order of their first report); the latest report replaces the previous one
    cued_id: dict[int, int] = {}
    for r in reports:
        cued_id.setdefault(r[2], CUED_ID_BASE + len(cued_id))
    stats["cued_tracks"] = len(cued_id)
    reports.sort(key=lambda r: cued_id[r[2]])  # stable: by civil id, each one's reports in (arrival, id) order
    n = len(reports)
    arr_t = np.array([r[0] for r in reports], float)
    t_obs = np.array([r[1] for r in reports], float)
    cid = np.array([r[2] for r in reports], np.int64)
    end = t_obs + (fus.update_interval_s + fus.latency_max_s)
    nxt = np.r_[arr_t[1:], np.inf]
    cut = np.r_[cid[1:] == cid[:-1], False] & (nxt < end)  # the next report of the same civil track replaces it
    end[cut] = nxt[cut]
    # row times arrival, + row_dt, ... (added one by one, as a loop would) while before the end
    m = int(np.max(np.ceil((end - arr_t) / row_dt), initial=0.0)) + 2
    while True:
        steps = np.full((n, m), float(row_dt))
        steps[:, 0] = arr_t
        tt = np.cumsum(steps, axis=1)
        if not np.any(tt[:, -1] < end):
            break
        m *= 2
    live = tt < end[:, None]
    rep, _ = np.nonzero(live)
    tt = tt[live]
    pos = np.array([r[3] for r in reports])
    vel = np.array([r[4] for r in reports])
    dt = tt - t_obs[rep]
    p = pos[rep] + vel[rep] * dt[:, None]
    # a report's rows stop at the first one with a confirmed military track within separation_m (it holds the target)
    held = mil_rows.nearest(tt, p[:, 0], p[:, 1], max_unseen) <= fus.separation_m
    first = np.full(n, tt.size)
    np.minimum.at(first, rep[held], np.flatnonzero(held))
    keep = np.arange(tt.size) < first[rep]
    if not keep.any():
        return _no_cued(), stats
    rep, tt, dt, p = rep[keep], tt[keep], dt[keep], p[keep]
    var = fus.position_sigma_m ** 2 + fus.cued_sigma_v_mps ** 2 * dt * dt
    var_v = np.array([r[7] for r in reports])[rep]
    cov = np.zeros((tt.size, 6))
    cov[:, 0] = cov[:, 3] = cov[:, 5] = var
    v = vel[rep]
    return Picture(name="non_integrated", time_s=tt, track=np.array([cued_id[c] for c in cid.tolist()], np.int64)[rep],
                   x_m=p[:, 0], y_m=p[:, 1], z_m=p[:, 2], vx_mps=v[:, 0], vy_mps=v[:, 1], vz_mps=v[:, 2], pos_cov=cov,
                   pos_sigma_m=np.sqrt(var), status=np.full(tt.size, STATUS_CUED, np.int8),
                   squawk=np.array([r[5] for r in reports], np.int32)[rep],
                   sensors=np.array([r[6] for r in reports], np.int64)[rep],
                   # the civil track's vertical sigma when it was told (a held height stays marked as held)
                   sigma_v_m=np.sqrt(np.where(var_v > var, var_v, var)), t_obs_s=t_obs[rep]), stats
