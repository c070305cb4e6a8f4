"""The cross-tell of the non_integrated picture as it was before it was vectorised (tracker.pictures,
commit 7fb0696): one Python step per opportunity and per cued row.  The oracle of
tests/test_cross_tell_reference.py -- kept verbatim, slow on purpose; do not optimise."""
from __future__ import annotations

import numpy as np

from radar.rng import stream
from tracker.params import TrackerParams
from tracker.pictures import CUED_ID_BASE, STATUS_CUED, Picture
from tracker.tracker import TrackRows


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


def _cross_tell_reference(civ: TrackRows, mil: Picture, fus, params: TrackerParams, seed: int, day: int, planned, row_dt: float,
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
