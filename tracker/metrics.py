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


def gospa(truth_pos, est_pos, c: float = 2000.0, p: float = 1.0):
    """GOSPA (alpha = 2) between two point sets (n, d) and (m, d).

    Returns (gospa, localisation, missed, false, assignment) where the parts are in units of
    distance^p (localisation + missed + false = gospa^p) and ``assignment`` is a list of
    (truth index, estimate index) pairs with distance < c.
    """
    X = np.asarray(truth_pos, float).reshape(-1, np.shape(truth_pos)[-1] if np.ndim(truth_pos) > 1 else 3)
    Y = np.asarray(est_pos, float).reshape(-1, X.shape[1])
    n, m = X.shape[0], Y.shape[0]
    half = c ** p / 2.0
    if n == 0 or m == 0:
        return ((half * (n + m)) ** (1 / p), 0.0, half * n, half * m, [])
    D = np.sqrt(((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1))
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
    tt = np.asarray(track_time, float)
    order = np.lexsort((np.arange(tt.size), tt))
    tt = tt[order]
    tid = np.asarray(track_id)[order]
    st = np.asarray(track_state, float)[order]
    cov = None if track_cov is None else np.asarray(track_cov, float)[order]
    out = []
    for t in np.asarray(times, float):
        hi = np.searchsorted(tt, t, side="right")
        lo = np.searchsorted(tt, t - max_age_s, side="left")
        if hi <= lo:
            out.append((np.zeros(0, np.int64), np.zeros((0, 3)), None if cov is None else np.zeros((0, 6))))
            continue
        ids = tid[lo:hi][::-1]
        u, first = np.unique(ids, return_index=True)
        rows = hi - 1 - first
        dt = (t - tt[rows])[:, None]
        pos = st[rows, :3] + st[rows, 3:6] * dt
        out.append((u, pos, None if cov is None else cov[rows]))
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
             p: float = 1.0, max_age_s: float = 30.0, track_cov=None, first_plot_time=None) -> Score:
    """Score a track log against truth (both as row arrays); see the module docstring.

    ``first_plot_time``: optional mapping target -> time of its first plot (time to track is then
    measured from it; otherwise from the target's first truth time).
    NEES (position, 3 dof, mean over held samples) needs ``track_cov`` (rows of xx, xy, xz, yy, yz, zz).
    """
    truth_time = np.asarray(truth_time, float)
    truth_target = np.asarray(truth_target)
    truth_pos = np.asarray(truth_pos, float)
    times = np.unique(truth_time)
    targets = np.unique(truth_target)
    tindex = {int(k): i for i, k in enumerate(targets)}
    aligned = align_tracks(track_time, track_id, track_state, times, max_age_s, track_cov)
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
        g, l_, m_, f_, pairs = gospa(X, Y, c, p)
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
