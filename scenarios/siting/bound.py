"""Proving a siting solution (nearly) optimal on a large instance: LP bound by column generation,
Lagrangian fixing of the columns that cannot be in a better solution, then the MILP on what is left.

On thousands of candidates and ~10^5 demand points the compact MILP (:func:`scenarios.siting.solve.build_milp`)
has millions of non-zeros and HiGHS spends minutes on its root LP.  Most candidates are nowhere near a
good solution, so:

1. **Column generation** solves the LP relaxation on a few columns at a time (the incumbent's and the best
   single ones, then every column whose reduced cost is positive), each restricted LP small because the
   demand patterns merge on the columns it holds.  The restricted LP's duals, spread over the merged
   patterns in proportion to their weight (``lambda = P`` where no held column covers a pattern), are
   multipliers of the covering rows: **any** multipliers give the Lagrangian bound
   ``L(lambda) = sum_rows max(0, P - lambda, P + Q - 2 lambda) + max_x sum_j c_j(lambda) x_j``
   (``c = B^T lambda``; the max over x is the k best sites, or for a budget the LP of the multiple-choice knapsack (one column per site)), an
   upper bound on the optimum whatever the LP solver's accuracy.  When no column prices out it equals the
   LP bound.
2. **Fixing**: forcing column j in gives the bound ``UB_j`` (``L`` with the x part computed with j
   chosen); if ``UB_j`` is below the value of a known solution, no optimal solution holds j.
3. The **MILP** (HiGHS) on the remaining columns, patterns merged again.  Its dual bound, and the largest
   ``UB_j`` of the removed columns, bound the optimum of the whole problem.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from scenarios.siting.solve import Problem, build_milp, restrict, solve_milp, value


@dataclass(frozen=True)
class Proof:
    """A solution and what bounds the optimum."""

    chosen: tuple[int, ...]
    objective: float
    bound: float
    lp_bound: float              # Lagrangian bound from column generation (>= the LP bound)
    kept_columns: int            # columns of the last MILP (after fixing, or those column generation held)
    milp_patterns: int
    milp_nnz: int
    cg_iterations: int
    cg_columns: int
    seconds: float
    milp_seconds: float
    milp_message: str
    status: str                  # "optimal" | "gap" | "time limit"

    @property
    def gap(self) -> float:
        if self.objective <= 0:
            return 0.0 if self.bound <= 0 else math.inf
        return max(0.0, (self.bound - self.objective) / self.objective)


def levels(p: Problem):
    """Covering rows of the Lagrangian: one per (pattern, availability level) a column can cover.
    (B CSC rows x columns, P, Q, row pattern, row level alpha)."""
    from scipy.sparse import coo_matrix

    coo = p.A.tocoo()
    alphas = np.unique(p.a[p.a > 0])
    steps = np.diff(np.concatenate([[0.0], alphas]))
    rr, cc, P, pat, lev, n_row = [], [], [], [], [], 0
    for alpha, step in zip(alphas, steps):
        keep = p.a[coo.col] >= alpha
        pats, local = np.unique(coo.row[keep], return_inverse=True)
        rr.append(n_row + local.ravel())
        cc.append(coo.col[keep])
        P.append(step * p.w[pats])
        pat.append(pats)
        lev.append(np.full(pats.size, alpha))
        n_row += pats.size
    B = coo_matrix((np.ones(sum(r.size for r in rr)), (np.concatenate(rr), np.concatenate(cc))),
                   shape=(n_row, p.n_columns)).tocsc()
    P = np.concatenate(P)
    return B, P, p.backup * P, np.concatenate(pat), np.concatenate(lev)


def best_x(p: Problem, c: np.ndarray) -> float:
    """max sum c_j x_j over the relaxed choices: the k best sites (each with its best column), or for a
    budget the LP of the multiple-choice knapsack (at most one column per site; exact LP value)."""
    if p.budget is None:
        best = _site_best(p, c)[0]
        top = np.sort(best)[::-1][:p.k]
        return float(top[top > 0].sum())
    cost, val = _hull_steps(p, c)
    return _fill(cost, val, np.array([p.budget]))[0]


def _hull_steps(p: Problem, c: np.ndarray):
    """Steps (cost, value) of the multiple-choice knapsack LP, best value per cost first: per site the upper
    concave hull of its columns' (cost, c) from (0, 0), its segments pooled over sites (Sinha and Zoltners)."""
    order = np.lexsort((p.cost, p.site))
    site, cost, val = p.site[order], p.cost[order], c[order]
    keep = val > 0
    site, cost, val = site[keep], cost[keep], val[keep]
    dc, dv = [], []
    starts = np.flatnonzero(np.r_[True, site[1:] != site[:-1]]) if site.size else np.zeros(0, int)
    ends = np.r_[starts[1:], site.size]
    for a, b in zip(starts, ends):
        if b - a == 1:
            dc.append(cost[a])
            dv.append(val[a])
            continue
        hull = [(0.0, 0.0)]
        for x, y in zip(cost[a:b], val[a:b]):
            if y <= hull[-1][1]:
                continue                       # dearer and no better
            while len(hull) >= 2 and (hull[-1][1] - hull[-2][1]) * (x - hull[-2][0]) <= \
                    (y - hull[-2][1]) * (hull[-1][0] - hull[-2][0]):
                hull.pop()                     # not on the upper hull
            hull.append((float(x), float(y)))
        for (x0, y0), (x1, y1) in zip(hull[:-1], hull[1:]):
            dc.append(x1 - x0)
            dv.append(y1 - y0)
    dc, dv = np.asarray(dc, float), np.asarray(dv, float)
    by_slope = np.argsort(-dv / np.maximum(dc, 1e-300), kind="stable")
    return dc[by_slope], dv[by_slope]


def _fill(step_cost: np.ndarray, step_val: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Value of taking the steps in order up to each capacity (the last one fractionally)."""
    cc = np.concatenate([[0.0], np.cumsum(step_cost)])
    vv = np.concatenate([[0.0], np.cumsum(step_val)])
    full = np.searchsorted(cc, capacity, "right") - 1
    out = vv[full].copy()
    nxt = full < step_cost.size
    out[nxt] += (capacity[nxt] - cc[full[nxt]]) * step_val[full[nxt]] / step_cost[full[nxt]]
    return out


def _site_best(p: Problem, c: np.ndarray):
    sites, inv = np.unique(p.site, return_inverse=True)
    best = np.zeros(sites.size)
    np.maximum.at(best, inv, np.maximum(c, 0.0))
    return best, inv


def column_bounds(p: Problem, c: np.ndarray, base: float) -> np.ndarray:
    """For each column j, an upper bound on f over the feasible sets that contain j."""
    if p.budget is None:
        best, inv = _site_best(p, c)
        by_value = np.argsort(-best, kind="stable")
        rank = np.empty(best.size, np.int64)
        rank[by_value] = np.arange(best.size)
        v = best[by_value]
        top_km1 = float(v[:p.k - 1].sum())
        kth = float(v[p.k - 1]) if p.k - 1 < v.size else 0.0
        others = np.where(rank[inv] < p.k - 1, top_km1 - best[inv] + kth, top_km1)  # the k-1 best other sites
        return base + c + others
    # j's own site is not taken out of the pooled steps: a looser bound, still a bound
    cost, val = _hull_steps(p, c)
    return base + c + _fill(cost, val, np.maximum(p.budget - p.cost, 0.0))


def lagrangian(p: Problem, rows, lam: np.ndarray):
    """(L(lambda), c = B^T lambda, the y part of L)."""
    B, P, Q, _pat, _lev = rows
    base = float(np.maximum(0.0, np.maximum(P - lam, P + Q - 2.0 * lam)).sum())
    c = B.T @ lam
    return base + best_x(p, c), c, base


def _spread(p: Problem, rows, sub: Problem, pattern: np.ndarray, layout, duals: np.ndarray) -> np.ndarray:
    """Multipliers of ``p``'s covering rows from the restricted LP's duals (merged patterns share theirs in
    proportion to their weights; rows no held column covers get lambda = P)."""
    _B, P, _Q, row_pat, row_lev = rows
    lam = P.copy()
    sub_of = pattern[row_pat]
    for alpha, pats, start in layout:
        pos = np.full(sub.n_patterns, -1, np.int64)
        pos[pats] = np.arange(pats.size)
        sel = (row_lev == alpha) & (sub_of >= 0)
        where = pos[sub_of[sel]]
        ok = where >= 0
        idx = np.flatnonzero(sel)[ok]
        share = p.w[row_pat[idx]] / sub.w[sub_of[idx]]
        lam[idx] = np.maximum(duals[start + where[ok]], 0.0) * share
    return lam


def column_generation(p: Problem, start: np.ndarray, max_iter: int = 100, add: int = 50,
                      deadline: float = math.inf):
    """LP bound by column generation: (best Lagrangian bound, its c, its y part, iterations, held columns mask)."""
    from scipy.optimize import linprog

    rows = levels(p)
    held = np.zeros(p.n_columns, bool)
    held[start] = True
    best = lagrangian(p, rows, rows[1].copy())          # lambda = P: the bound of the best singles
    it = 0
    for it in range(1, max_iter + 1):
        sub, cols, pattern = restrict(p, held)
        c, cons, _integ, _bounds, _n, (layout, count_row, site_rows) = build_milp(sub)
        method = "highs-ds" if cons.A.shape[0] < 10_000 else "highs-ipm"
        res = linprog(c, A_ub=cons.A, b_ub=cons.ub, bounds=(0, 1), method=method)
        if res.status != 0:
            break
        lp_restricted = -float(res.fun)
        duals = -np.asarray(res.ineqlin.marginals)
        lam = _spread(p, rows, sub, pattern, layout, duals)
        L, cvec, base = lagrangian(p, rows, lam)
        if L < best[0]:
            best = (L, cvec, base)
        if L <= lp_restricted * (1 + 1e-7) + 1e-12 or time.perf_counter() > deadline:
            break
        pi = max(float(duals[count_row]), 0.0)
        sigma = np.zeros(p.n_columns)
        if site_rows.size:
            sig = np.maximum(duals[count_row + 1:count_row + 1 + site_rows.size], 0.0)
            where = np.searchsorted(site_rows, p.site)
            inside = where < site_rows.size
            inside[inside] = site_rows[where[inside]] == p.site[inside]
            sigma[inside] = sig[where[inside]]
        reduced = cvec - pi * (p.cost if p.budget is not None else 1.0) - sigma
        reduced[held] = -np.inf
        new = np.flatnonzero(reduced > 1e-6 * max(L, 1.0) / max(p.k or 1, 1))
        if new.size == 0:
            break
        held[new[np.argsort(-reduced[new], kind="stable")[:add]]] = True
    return best[0], best[1], best[2], it, held


def prove(p: Problem, incumbent, time_limit_s: float = 600.0, gap: float = 0.005) -> Proof:
    """Bound the optimum and search for a better solution than ``incumbent`` (a feasible set of columns):
    the LP bound by column generation; the MILP on the columns it held (price and branch: a better solution,
    no bound); if the gap is still above ``gap``, fixing and the MILP on what is left, to the time limit."""
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    best = tuple(int(j) for j in incumbent)
    lower = value(p, best)
    single = np.asarray(p.A.T @ p.w).ravel() * p.a
    start = np.unique(np.r_[np.array(best, np.int64), np.argsort(-single, kind="stable")[:50]])
    L, c, base, iters, held = column_generation(p, start, deadline=t0 + 0.5 * time_limit_s)
    milp_s, messages = 0.0, []

    def milp_on(keep, seconds):
        nonlocal best, lower, milp_s
        sub, cols, _pattern = restrict(p, keep)
        m = solve_milp(sub, seconds, gap)
        milp_s += m.seconds
        messages.append(m.message)
        chosen = tuple(int(cols[j]) for j in m.chosen)
        v = value(p, chosen) if chosen else 0.0
        if v > lower:
            best, lower = chosen, v
        return m, sub

    held[list(best)] = True
    share = 0.1 if L <= lower * (1 + gap) else 0.25      # proven already: only a better solution to look for
    m, sub = milp_on(held, max(share * (deadline - time.perf_counter()), 1.0))
    bound, kept = L, int(held.sum())
    if bound > lower * (1 + gap) and time.perf_counter() < deadline - 1.0:
        ub = column_bounds(p, c, base)
        keep = ub >= lower * (1 - 1e-9)
        keep[list(best)] = True
        removed = float(ub[~keep].max()) if (~keep).any() else -math.inf
        m, sub = milp_on(keep, max(deadline - time.perf_counter(), 1.0))
        bound, kept = min(L, max(m.bound, removed)), int(keep.sum())
    bound = max(bound, lower)
    status = "optimal" if bound <= lower * (1 + 1e-9) else ("gap" if bound <= lower * (1 + gap) else "time limit")
    return Proof(best, lower, bound, L, kept, sub.n_patterns, int(sub.A.nnz), iters, int(held.sum()),
                 time.perf_counter() - t0, milp_s, "; ".join(messages), status)
