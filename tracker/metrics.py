"""Tracking metrics: GOSPA, continuity, time to track, time held, RMSE, NEES/NIS.

GOSPA (Rahmathullah, Garcia-Fernandez, Svensson, "Generalized optimal sub-pattern
assignment metric", FUSION 2017) with alpha = 2: for truth set X and estimates Y,

    GOSPA^p = min over assignments gamma of  sum_{(i,j) in gamma} d(x_i, y_j)^p
              + c^p / 2 * (|X| - |gamma|) + c^p / 2 * (|Y| - |gamma|)

with only pairs at distance < c assignable.  The three terms are reported as
``localisation``, ``missed`` and ``false`` (their sum is GOSPA^p); means are over truth
times.  Assignment by SciPy's ``linear_sum_assignment`` on min(d, c)^p (a pair at d >= c costs
exactly what leaving both unassigned costs); the brute-force enumeration in
tests/test_metrics.py is the oracle.

Alignment for a track log (``docs/file-formats.md``): at each truth time t, each track contributes its
latest row at or before t if at most ``max_age_s`` (30 s) old, predicted linearly to t.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from radar.constants import EARTH_RADIUS_M

#: a track row whose vertical standard deviation exceeds this (m) has a held, unobserved height: it is
#: matched to truth horizontally.  Above what a height observation leaves (a TPS-70 plot at its 444 km
#: instrumented range: 444 km x 0.093 deg = 720 m), below the tracker's 2D-only prior (1000 m).
HORIZONTAL_SIGMA_M = 800.0


def gospa(truth_pos, est_pos, c: float = 2000.0, p: float = 1.0, horizontal=None,
          earth_radius_m: float = EARTH_RADIUS_M):
    """GOSPA (alpha = 2) between two point sets (n, d) and (m, d).

    Returns (gospa, localisation, missed, false, assignment) where the parts are in units of
    distance^p (localisation + missed + false = gospa^p) and ``assignment`` is a list of
    (truth index, estimate index) pairs with distance < c.  ``horizontal`` (bool per estimate, 3-D
    scenario-ENU points only): the distance to those estimates is horizontal (the difference without
    its component along the local up at the truth point) -- estimates whose height is unobserved.
    """
    X = np.asarray(truth_pos, float).reshape(-1, np.shape(truth_pos)[-1] if np.ndim(truth_pos) > 1 else 3)
    Y = np.asarray(est_pos, float).reshape(-1, X.shape[1])
    n, m = X.shape[0], Y.shape[0]
    half = c ** p / 2.0
    if n == 0 or m == 0:
        return ((half * (n + m)) ** (1 / p), 0.0, half * n, half * m, [])
    D = np.sqrt(((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1))
    if horizontal is not None and np.any(horizontal):
        hz = np.asarray(horizontal, bool).reshape(-1)
        dh, _ = split_distance(X, Y[hz], earth_radius_m)
        D[:, hz] = dh
    cost = np.minimum(D, c) ** p
    r, k = linear_sum_assignment(cost)
    pairs = [(int(a), int(b)) for a, b in zip(r, k) if D[a, b] < c]
    loc = float(sum(D[a, b] ** p for a, b in pairs))
    missed = half * (n - len(pairs))
    false = half * (m - len(pairs))
    return ((loc + missed + false) ** (1 / p), loc, missed, false, pairs)


def align_tracks(track_time, track_id, track_state, times, max_age_s: float = 30.0, track_cov=None):
    """For each time in ``times``: (ids, predicted positions (k, 3), position covariances or None).

    Each track contributes its latest row at or before t if t - row time <= max_age_s, predicted
    to t with its velocity (rows: time, id, state (x, y, z, vx, vy, vz)).
    """
    st = np.asarray(track_state, float)
    cov = None if track_cov is None else np.asarray(track_cov, float)
    out = []
    for t, u, rows in aligned_rows(track_time, track_id, times, max_age_s):
        dt = (t - np.asarray(track_time, float)[rows])[:, None]
        pos = st[rows, :3] + st[rows, 3:6] * dt if rows.size else np.zeros((0, 3))
        out.append((u, pos, None if cov is None else (cov[rows] if rows.size else np.zeros((0, 6)))))
    return out


def aligned_rows(track_time, track_id, times, max_age_s: float = 30.0):
    """For each time t in ``times``: (t, track ids, row indices) of each track's latest row at or before t
    that is at most ``max_age_s`` old (rows indexed in the order given)."""
    tt = np.asarray(track_time, float)
    order = np.lexsort((np.arange(tt.size), tt))
    ts = tt[order]
    tid = np.asarray(track_id)[order]
    out = []
    for t in np.asarray(times, float):
        hi = np.searchsorted(ts, t, side="right")
        lo = np.searchsorted(ts, t - max_age_s, side="left")
        if hi <= lo:
            out.append((t, np.zeros(0, np.int64), np.zeros(0, np.int64)))
            continue
        ids = tid[lo:hi][::-1]
        u, first = np.unique(ids, return_index=True)
        out.append((t, u, order[hi - 1 - first]))
    return out


@dataclass(frozen=True)
class Score:
    gospa_mean: float
    localisation_mean: float
    missed_mean: float
    false_mean: float
    c: float
    p: float
    n_times: int
    id_switches: int
    fragments: int
    time_to_track_s: np.ndarray
    """Per target: first time held minus its first truth time (or first plot time), NaN if never held."""
    held_fraction: np.ndarray
    """Per target: fraction of its truth times held (assigned to a track within c)."""
    rmse_m: float
    nees_mean: float

    def summary(self) -> dict:
        ttt = self.time_to_track_s
        fin = ttt[np.isfinite(ttt)]
        return {
            "gospa_mean": self.gospa_mean, "localisation": self.localisation_mean, "missed": self.missed_mean,
            "false": self.false_mean, "c_m": self.c, "p": self.p, "truth_times": self.n_times,
            "targets": int(ttt.size), "targets_held": int(fin.size),
            "id_switches": self.id_switches, "fragments": self.fragments,
            "time_to_track_median_s": float(np.median(fin)) if fin.size else float("nan"),
            "time_to_track_mean_s": float(np.mean(fin)) if fin.size else float("nan"),
            "held_fraction_mean": float(np.mean(self.held_fraction)) if self.held_fraction.size else float("nan"),
            "rmse_m": self.rmse_m, "nees_mean": self.nees_mean,
        }


def evaluate(truth_time, truth_target, truth_pos, track_time, track_id, track_state, *, c: float = 2000.0,
             p: float = 1.0, max_age_s: float = 30.0, track_cov=None, first_plot_time=None, track_sigma_v=None,
             horizontal_sigma_m: float = HORIZONTAL_SIGMA_M) -> Score:
    """Score a track log against truth (both as row arrays); see the module docstring.

    ``first_plot_time``: optional mapping target -> time of its first plot (time to track is then
    measured from it; otherwise from the target's first truth time).
    NEES (position, 3 dof, mean over held samples) needs ``track_cov`` (rows of xx, xy, xz, yy, yz, zz).
    ``track_sigma_v``: vertical standard deviation of each row (m); rows above ``horizontal_sigma_m`` have an
    unobserved height (2D-only tracks) and are matched horizontally (:func:`gospa`); their errors enter the
    RMSE and NEES horizontally too.
    """
    truth_time = np.asarray(truth_time, float)
    truth_target = np.asarray(truth_target)
    truth_pos = np.asarray(truth_pos, float)
    times = np.unique(truth_time)
    targets = np.unique(truth_target)
    tindex = {int(k): i for i, k in enumerate(targets)}
    aligned = align_tracks(track_time, track_id, track_state, times, max_age_s, track_cov)
    sig_v = None if track_sigma_v is None else np.asarray(track_sigma_v, float)
    hz_rows = [None] * times.size
    if sig_v is not None:
        hz_rows = [sig_v[rows] > horizontal_sigma_m for _t, _u, rows in aligned_rows(track_time, track_id, times,
                                                                                     max_age_s)]
    tot = loc = mis = fal = 0.0
    held = np.zeros(targets.size)
    count = np.zeros(targets.size)
    first_held = np.full(targets.size, np.nan)
    first_truth = np.full(targets.size, np.nan)
    last_id = np.full(targets.size, -1, dtype=np.int64)
    was_held = np.zeros(targets.size, dtype=bool)
    ever_held = np.zeros(targets.size, dtype=bool)
    switches = 0
    fragments = 0
    sq_err = 0.0
    n_err = 0
    nees_sum = 0.0
    n_nees = 0
    order = np.argsort(truth_time, kind="stable")
    tt_sorted = truth_time[order]
    for k, t in enumerate(times):
        lo, hi = np.searchsorted(tt_sorted, t, "left"), np.searchsorted(tt_sorted, t, "right")
        rows = order[lo:hi]
        X = truth_pos[rows]
        ids, Y, C = aligned[k]
        hz = hz_rows[k]
        g, l_, m_, f_, pairs = gospa(X, Y, c, p, horizontal=hz)
        tot += g
        loc += l_
        mis += m_
        fal += f_
        this_held = np.zeros(targets.size, dtype=bool)
        for r in rows:
            ti = tindex[int(truth_target[r])]
            count[ti] += 1
            if np.isnan(first_truth[ti]):
                first_truth[ti] = t
        for a, b in pairs:
            ti = tindex[int(truth_target[rows[a]])]
            this_held[ti] = True
            held[ti] += 1
            if np.isnan(first_held[ti]):
                first_held[ti] = t
            if last_id[ti] >= 0 and last_id[ti] != ids[b]:
                switches += 1
            if ever_held[ti] and not was_held[ti]:
                fragments += 1
            last_id[ti] = ids[b]
            ever_held[ti] = True
            e = X[a] - Y[b]
            if hz is not None and hz[b]:
                u = local_up(X[a])[0]
                e = e - (e @ u) * u  # horizontal error only: the row's height is unobserved
            sq_err += float(e @ e)
            n_err += 1
            if C is not None:
                cv = C[b]
                M = np.array([[cv[0], cv[1], cv[2]], [cv[1], cv[3], cv[4]], [cv[2], cv[4], cv[5]]])
                try:
                    nees_sum += float(e @ np.linalg.solve(M, e))
                    n_nees += 1
                except np.linalg.LinAlgError:
                    pass
        present = np.zeros(targets.size, dtype=bool)
        for r in rows:
            present[tindex[int(truth_target[r])]] = True
        was_held = np.where(present, this_held, was_held)
    start = first_truth.copy()
    if first_plot_time is not None:
        for key, v in dict(first_plot_time).items():
            if int(key) in tindex:
                start[tindex[int(key)]] = v
    n = max(times.size, 1)
    return Score(
        gospa_mean=tot / n, localisation_mean=loc / n, missed_mean=mis / n, false_mean=fal / n, c=c, p=p,
        n_times=int(times.size), id_switches=switches, fragments=fragments,
        time_to_track_s=first_held - start, held_fraction=np.where(count > 0, held / np.maximum(count, 1), 0.0),
        rmse_m=float(np.sqrt(sq_err / n_err)) if n_err else float("nan"),
        nees_mean=nees_sum / n_nees if n_nees else float("nan"),
    )


def nis_from_result(result) -> tuple:
    """Mean NIS per measurement dimension (1, 2, 3) of a :class:`tracker.tracker.TrackResult`."""
    return result.nis_mean


# ------------------------------------------------------------------------------------------
# A picture against truth: duplicate tracks, height errors (the checks of a controller's picture)
def local_up(pos, earth_radius_m: float = EARTH_RADIUS_M) -> np.ndarray:
    """Unit local-up vectors (n, 3) at scenario-ENU points on a sphere of radius R centred at (0, 0, -R)
    (the tracker's :func:`tracker._kernels.kalman.up_vector_approx`)."""
    p = np.asarray(pos, float).reshape(-1, 3)
    u = p + np.array([0.0, 0.0, earth_radius_m])
    return u / np.linalg.norm(u, axis=1, keepdims=True)


def vertical_sigma(pos, pos_cov, earth_radius_m: float = EARTH_RADIUS_M) -> np.ndarray:
    """Standard deviation along the local up, sqrt(u^T P u) (m), of position covariances given as rows
    xx, xy, xz, yy, yz, zz at the points ``pos`` (n, 3)."""
    u = local_up(pos, earth_radius_m)
    c = np.asarray(pos_cov, float).reshape(-1, 6)
    var = (u[:, 0] ** 2 * c[:, 0] + u[:, 1] ** 2 * c[:, 3] + u[:, 2] ** 2 * c[:, 5]
           + 2.0 * (u[:, 0] * u[:, 1] * c[:, 1] + u[:, 0] * u[:, 2] * c[:, 2] + u[:, 1] * u[:, 2] * c[:, 4]))
    return np.sqrt(np.maximum(var, 0.0))


def split_distance(truth_pos, est_pos, earth_radius_m: float = EARTH_RADIUS_M):
    """(horizontal, vertical) distances (n, m) between truth points (n, 3) and estimates (m, 3): the difference
    split along the local up at the truth point (vertical signed: estimate above truth > 0)."""
    X = np.asarray(truth_pos, float).reshape(-1, 3)
    Y = np.asarray(est_pos, float).reshape(-1, 3)
    u = local_up(X, earth_radius_m)
    d = Y[None, :, :] - X[:, None, :]
    v = np.einsum("nmk,nk->nm", d, u)
    h = np.sqrt(np.maximum((d * d).sum(-1) - v * v, 0.0))
    return h, v


@dataclass(frozen=True)
class PictureTruth:
    """A picture measured against truth at the truth times (see :func:`picture_truth`).

    aircraft_times: true aircraft x truth times; held: of those, held by a track (one-to-one assignment,
    horizontal distance < match_m); duplicates: held aircraft-times with at least one more confirmed track
    within match_m whose nearest aircraft it is.  matched_rows: track rows (one per track per truth time)
    whose nearest true aircraft is within match_m horizontally; height_errors: of those, rows more than
    height_error_m from the true height; height_errors_declared: of those, rows whose vertical sigma
    covers the error (|error| <= 3 sigma_v: the row says its height is not known that well).
    abs_height_error_p99_m: 99th percentile of |height error| over matched rows.  ``by_group``: the same
    counts per target group (e.g. cooperative / non-cooperative).
    """

    aircraft_times: int
    held: int
    duplicates: int
    matched_rows: int
    height_errors: int
    height_errors_declared: int
    abs_height_error_p99_m: float
    by_group: dict

    @property
    def duplicate_fraction(self) -> float:
        return self.duplicates / self.held if self.held else float("nan")

    @property
    def height_error_fraction(self) -> float:
        return self.height_errors / self.matched_rows if self.matched_rows else float("nan")

    def summary(self) -> dict:
        return {"aircraft_times": self.aircraft_times, "held": self.held, "duplicates": self.duplicates,
                "duplicate_fraction": self.duplicate_fraction, "matched_rows": self.matched_rows,
                "height_errors": self.height_errors, "height_errors_declared": self.height_errors_declared,
                "height_error_fraction": self.height_error_fraction,
                "abs_height_error_p99_m": self.abs_height_error_p99_m}


def picture_truth(truth_time, truth_target, truth_pos, track_time, track_id, track_state, track_cov=None, *,
                  match_m: float = 2000.0, height_error_m: float = 3000.0, max_age_s: float = 30.0,
                  target_group=None, earth_radius_m: float = EARTH_RADIUS_M) -> PictureTruth:
    """Duplicate tracks and height errors of a picture at the truth times.

    At each truth time every track contributes its latest row at or before t (<= ``max_age_s`` old,
    predicted to t; :func:`align_tracks`).  Matching is horizontal (the difference split along the local
    up at the true aircraft): a track's row is matched to its nearest true aircraft within ``match_m``;
    held aircraft come from the one-to-one assignment of rows to aircraft (SciPy's linear_sum_assignment on
    min(d, match_m)), so aircraft flying in formation, each with its own track, are not duplicates.
    ``target_group``: optional mapping target -> group label for per-group counts.
    """
    truth_time = np.asarray(truth_time, float)
    truth_target = np.asarray(truth_target)
    truth_pos = np.asarray(truth_pos, float).reshape(-1, 3)
    times = np.unique(truth_time)
    aligned = align_tracks(track_time, track_id, track_state, times, max_age_s, track_cov)
    order = np.argsort(truth_time, kind="stable")
    tt = truth_time[order]
    groups = {} if target_group is None else {int(k): v for k, v in dict(target_group).items()}
    labels = sorted(set(groups.values()), key=str)
    zero = lambda: {"aircraft_times": 0, "held": 0, "duplicates": 0, "matched_rows": 0, "height_errors": 0,  # noqa: E731
                    "height_errors_declared": 0}
    per = {g: zero() for g in labels}
    tot = zero()
    abs_err = []

    def add(key, target, n=1):
        tot[key] += n
        g = groups.get(int(target))
        if g is not None:
            per[g][key] += n

    for k, t in enumerate(times):
        lo, hi = np.searchsorted(tt, t, "left"), np.searchsorted(tt, t, "right")
        rows = order[lo:hi]
        X = truth_pos[rows]
        tg = truth_target[rows]
        for a in tg:
            add("aircraft_times", a)
        ids, Y, C = aligned[k]
        if Y.shape[0] == 0 or X.shape[0] == 0:
            continue
        dh, dv = split_distance(X, Y, earth_radius_m)
        near = np.argmin(dh, axis=0)
        ok = dh[near, np.arange(Y.shape[0])] < match_m
        r_idx, c_idx = linear_sum_assignment(np.minimum(dh, match_m))
        held = dh[r_idx, c_idx] < match_m
        assigned = np.zeros(Y.shape[0], bool)
        assigned[c_idx[held]] = True
        for a in tg[r_idx[held]]:
            add("held", a)
        dup = np.unique(near[ok & ~assigned])
        held_truth = np.zeros(X.shape[0], bool)
        held_truth[r_idx[held]] = True
        for a in tg[dup[held_truth[dup]]]:
            add("duplicates", a)
        m = np.flatnonzero(ok)
        if m.size:
            err = dv[near[m], m]
            sv = vertical_sigma(Y[m], C[m], earth_radius_m) if C is not None else np.zeros(m.size)
            abs_err.append(np.abs(err))
            big = np.abs(err) > height_error_m
            for a, b, declared in zip(tg[near[m]], big, np.abs(err) <= 3.0 * sv):
                add("matched_rows", a)
                if b:
                    add("height_errors", a)
                    if declared:
                        add("height_errors_declared", a)
    e = np.concatenate(abs_err) if abs_err else np.zeros(0)
    p99 = float(np.percentile(e, 99)) if e.size else float("nan")
    return PictureTruth(**tot, abs_height_error_p99_m=p99, by_group=per)
