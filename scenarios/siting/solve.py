"""The maximal-covering problem: exact MILP (HiGHS through ``scipy.optimize.milp``), greedy + swap, brute force.

Columns j (a radar type on a candidate site) have an effective availability ``a_j`` (the type's availability
times what it adds to the chosen picture), a cost, and a site (at most one radar per site).  Demand
patterns i (demand points with the same set of covering columns, merged: their weights add) have a weight
``w_i``.  The value of a set S of columns::

    f(S) = sum_i w_i (a_(1)(i, S) + beta a_(2)(i, S))

where a_(1) and a_(2) are the highest and second-highest availabilities among the columns of S covering i
(0 when there are none): each point counts once, at the best new radar that covers it, and with backup
weight ``beta`` > 0 a second radar over it counts ``beta`` times its availability.  With one availability
this is the textbook maximal covering (plus backup) objective.

MILP, for the distinct availabilities ``alpha_1 < ... < alpha_L`` (``alpha_0 = 0``)::

    max  sum_l (alpha_l - alpha_(l-1)) sum_i w_i (y_il + beta u_il)
    s.t. y_il + u_il <= sum_{j covers i, a_j >= alpha_l} x_j      (u only with beta > 0)
         u_il <= y_il
         sum_j x_j <= k     or    sum_j cost_j x_j <= budget
         sum_{j on site s} x_j <= 1                              (sites with several types)
         x binary; y, u in [0, 1]

For integral x the best y_il is [at least one chosen column of availability >= alpha_l covers i], u_il
[at least two], so the optimum is f(S) exactly (sum over l of the availability steps telescopes to a_(1)).
The bound reported is HiGHS's dual bound (``mip_dual_bound``); gap = (bound - objective) / objective.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Problem:
    """Demand patterns x columns.  ``A`` is a CSC (patterns x columns) 0/1 matrix."""

    A: object                    # scipy.sparse.csc_matrix
    w: np.ndarray                # (n_patterns,)
    a: np.ndarray                # (n_columns,) effective availability in (0, 1]
    cost: np.ndarray             # (n_columns,) US$M
    site: np.ndarray             # (n_columns,) int site index
    k: int | None = None
    budget: float | None = None
    backup: float = 0.0

    @property
    def n_columns(self) -> int:
        return int(self.A.shape[1])

    @property
    def n_patterns(self) -> int:
        return int(self.A.shape[0])


def aggregate(cover, weight: np.ndarray):
    """Merge demand points with the same covering columns: (pattern matrix CSC, pattern weights, pattern of
    each point, -1 when no column covers it).  ``cover``: CSC (points x columns) boolean."""
    from scipy.sparse import csc_matrix, csr_matrix

    csr = csr_matrix(cover, dtype=np.int8)
    csr.sort_indices()
    n_pts, n_col = csr.shape
    nnz_row = np.diff(csr.indptr)
    rng = np.random.default_rng(20260101)
    # two independent random 64-bit hashes of each row's column set (a collision needs both to collide)
    keys = []
    for _ in range(2):
        r = rng.integers(0, 2**63 - 1, size=n_col, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
        cs = np.concatenate([np.zeros(1, np.uint64), np.cumsum(r[csr.indices], dtype=np.uint64)])
        keys.append(cs[csr.indptr[1:]] - cs[csr.indptr[:-1]])  # row sums modulo 2**64
    covered = nnz_row > 0
    pattern = np.full(n_pts, -1, np.int64)
    rec = np.rec.fromarrays([keys[0][covered], keys[1][covered], nnz_row[covered]])
    _, first, inv = np.unique(rec, return_index=True, return_inverse=True)
    pattern[covered] = inv.ravel()
    pts = np.flatnonzero(covered)[first]
    w = np.bincount(inv.ravel(), weights=weight[covered], minlength=first.size)
    return csc_matrix(csr[pts]).astype(np.int8), w, pattern


# ------------------------------------------------------------------------------------------ value
def top_two(p: Problem, S) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern, the highest and second-highest availability among the columns of S covering it."""
    t1 = np.zeros(p.n_patterns)
    t2 = np.zeros(p.n_patterns)
    A = p.A
    for j in S:
        rows = A.indices[A.indptr[j]:A.indptr[j + 1]]
        a = p.a[j]
        lo = np.minimum(t1[rows], a)
        t2[rows] = np.maximum(t2[rows], lo)
        t1[rows] = np.maximum(t1[rows], a)
    return t1, t2


def value(p: Problem, S) -> float:
    """f(S) (see the module docstring)."""
    t1, t2 = top_two(p, S)
    return float(p.w @ (t1 + p.backup * t2))


def feasible(p: Problem, S) -> bool:
    S = list(S)
    if len(set(p.site[S].tolist())) < len(S):
        return False
    if p.k is not None and len(S) > p.k:
        return False
    return p.budget is None or float(p.cost[S].sum()) <= p.budget * (1 + 1e-12)


def _gains(p: Problem, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Gain of adding each column to the set whose top-two arrays are (t1, t2): one sparse product per
    distinct availability."""
    out = np.zeros(p.n_columns)
    for a in np.unique(p.a):
        cols = np.flatnonzero(p.a == a)
        g = (np.maximum(t1, a) - t1) + p.backup * (np.maximum(t2, np.minimum(t1, a)) - t2)
        out[cols] = p.A[:, cols].T @ (p.w * g)
    return out


def _allowed(p: Problem, S: list[int], spent: float) -> np.ndarray:
    ok = np.ones(p.n_columns, bool)
    if S:
        ok[np.isin(p.site, p.site[S])] = False
    if p.budget is not None:
        ok &= p.cost <= p.budget - spent + 1e-9 * max(p.budget, 1.0)
    return ok


def greedy(p: Problem) -> list[int]:
    """Add the column of the largest gain (per US$ with a budget) while one fits and gains."""
    S: list[int] = []
    t1 = np.zeros(p.n_patterns)
    t2 = np.zeros(p.n_patterns)
    while p.k is None or len(S) < p.k:
        ok = _allowed(p, S, float(p.cost[S].sum()) if S else 0.0)
        if not ok.any():
            break
        g = _gains(p, t1, t2)
        score = g / p.cost if p.budget is not None else g.copy()
        score[~ok] = -np.inf
        j = int(np.argmax(score))
        if not g[j] > 0:
            break
        S.append(j)
        t1, t2 = top_two(p, S)
    if p.budget is not None:  # the best single affordable column can beat the ratio rule
        ok = _allowed(p, [], 0.0)
        g = _gains(p, np.zeros(p.n_patterns), np.zeros(p.n_patterns))
        g[~ok] = -np.inf
        j = int(np.argmax(g))
        if np.isfinite(g[j]) and g[j] > value(p, S):
            S = [j]
    return S


def _fill_up(p: Problem, S: list[int]) -> list[int]:
    """Add the column of the largest gain while one still fits (k not reached, budget left) and gains."""
    S = list(S)
    while p.k is None or len(S) < p.k:
        ok = _allowed(p, S, float(p.cost[S].sum()) if S else 0.0)
        t1, t2 = top_two(p, S)
        g = _gains(p, t1, t2)
        g[~ok] = -np.inf
        j = int(np.argmax(g)) if g.size else 0
        if not (g.size and g[j] > 0):
            break
        S.append(j)
    return S


def swap(p: Problem, S: list[int], deadline: float = math.inf) -> list[int]:
    """Exchange one chosen column for another while that improves f (first improvement, best replacement);
    after each exchange, add columns while one still fits and gains (a cheaper column may leave budget)."""
    S = _fill_up(p, S)
    best = value(p, S)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for pos in range(len(S)):
            rest = S[:pos] + S[pos + 1:]
            t1, t2 = top_two(p, rest)
            base = float(p.w @ (t1 + p.backup * t2))
            g = _gains(p, t1, t2)
            ok = _allowed(p, rest, float(p.cost[rest].sum()) if rest else 0.0)
            ok[S[pos]] = False
            g[~ok] = -np.inf
            j = int(np.argmax(g))
            if np.isfinite(g[j]) and base + g[j] > best * (1 + 1e-12) + 1e-12:
                S[pos] = j
                S = _fill_up(p, S)
                best = value(p, S)
                improved = True
                break
    return S


def brute_force(p: Problem) -> tuple[float, tuple[int, ...]]:
    """The best feasible set by enumeration (small problems only: the tests' oracle)."""
    n = p.n_columns
    best, best_s = 0.0, ()
    top = min(n, p.k) if p.k is not None else min(n, int(p.budget // float(p.cost.min())))
    for size in range(1, top + 1):
        for S in itertools.combinations(range(n), size):
            if feasible(p, S):
                v = value(p, S)
                if v > best + 1e-12:
                    best, best_s = v, S
    return best, best_s


# ------------------------------------------------------------------------------------------ MILP
@dataclass(frozen=True)
class MilpResult:
    chosen: tuple[int, ...]
    objective: float            # f(chosen), recomputed from the patterns
    bound: float                # HiGHS dual bound (>= the optimum)
    status: int
    message: str
    seconds: float
    rows: int
    cols: int
    nnz: int

    @property
    def gap(self) -> float:
        if self.objective <= 0:
            return 0.0 if self.bound <= 0 else math.inf
        return max(0.0, (self.bound - self.objective) / self.objective)


def build_milp(p: Problem):
    """(c, constraints, integrality, bounds, n_x, layout) of the MILP (minimise -f); variables x, then per
    level y (and u) of the patterns a column of that availability or more covers.  ``layout``: per level
    (alpha, its patterns, first covering row); then the row of the count (or budget) constraint, and the
    site of each one-radar-per-site row."""
    from scipy.optimize import Bounds, LinearConstraint
    from scipy.sparse import coo_matrix

    n = p.n_columns
    A = p.A.tocsr()
    coo = A.tocoo()
    alphas = np.unique(p.a[p.a > 0])
    steps = np.diff(np.concatenate([[0.0], alphas]))
    ri, ci, vv, lo, hi, c = [], [], [], [], [], [np.zeros(n)]
    n_var, n_row = n, 0
    layout: list = []

    def add(rows, cols, vals):
        ri.append(np.asarray(rows, np.int64))
        ci.append(np.asarray(cols, np.int64))
        vv.append(np.asarray(vals, float))

    for alpha, step in zip(alphas, steps):
        keep = p.a[coo.col] >= alpha
        pats = np.unique(coo.row[keep])                 # patterns this level can cover
        m = pats.size
        local = np.full(p.n_patterns, -1, np.int64)
        local[pats] = np.arange(m)
        layout.append((alpha, pats, n_row))
        y0 = n_var
        n_var += m
        c.append(-step * p.w[pats])
        # y_i (+ u_i) - sum_j x_j <= 0
        add(n_row + local[coo.row[keep]], coo.col[keep], -np.ones(int(keep.sum())))
        add(n_row + np.arange(m), y0 + np.arange(m), np.ones(m))
        if p.backup > 0:
            u0 = n_var
            n_var += m
            c.append(-step * p.backup * p.w[pats])
            add(n_row + np.arange(m), u0 + np.arange(m), np.ones(m))
            # u_i - y_i <= 0
            add(n_row + m + np.arange(m), u0 + np.arange(m), np.ones(m))
            add(n_row + m + np.arange(m), y0 + np.arange(m), -np.ones(m))
        rows_here = m * (2 if p.backup > 0 else 1)
        lo.append(np.full(rows_here, -np.inf))
        hi.append(np.zeros(rows_here))
        n_row += rows_here
    # sum x <= k, or sum cost x <= budget
    count_row = n_row
    add(np.full(n, n_row), np.arange(n), p.cost if p.budget is not None else np.ones(n))
    lo.append(np.array([-np.inf]))
    hi.append(np.array([float(p.budget) if p.budget is not None else float(p.k)]))
    n_row += 1
    # one radar per site
    sites, inv, counts = np.unique(p.site, return_inverse=True, return_counts=True)
    multi = counts[inv] > 1
    site_rows = np.zeros(0, np.int64)
    if multi.any():
        site_rows, grp = np.unique(p.site[multi], return_inverse=True)
        add(n_row + grp, np.flatnonzero(multi), np.ones(int(multi.sum())))
        lo.append(np.full(grp.max() + 1, -np.inf))
        hi.append(np.ones(grp.max() + 1))
        n_row += int(grp.max()) + 1
    M = coo_matrix((np.concatenate(vv), (np.concatenate(ri), np.concatenate(ci))), shape=(n_row, n_var)).tocsr()
    integrality = np.zeros(n_var)
    integrality[:n] = 1
    return (np.concatenate(c), LinearConstraint(M, np.concatenate(lo), np.concatenate(hi)), integrality,
            Bounds(np.zeros(n_var), np.ones(n_var)), n, (layout, count_row, site_rows))


def solve_milp(p: Problem, time_limit_s: float = 600.0, gap: float = 1e-4) -> MilpResult:
    """Solve exactly (to ``gap``, or until the time limit) with HiGHS branch and cut."""
    from scipy.optimize import milp

    t0 = time.perf_counter()
    c, cons, integrality, bounds, n, _layout = build_milp(p)
    scale = max(float(np.abs(c).max()) if c.size else 1.0, 1e-300)
    res = milp(c / scale, constraints=cons, integrality=integrality, bounds=bounds,
               options={"time_limit": float(time_limit_s), "mip_rel_gap": float(gap), "disp": False,
                        "presolve": True})
    seconds = time.perf_counter() - t0
    chosen: tuple[int, ...] = ()
    if res.x is not None:
        chosen = tuple(int(j) for j in np.flatnonzero(res.x[:n] > 0.5))
    dual = getattr(res, "mip_dual_bound", None)
    bound = -float(dual) * scale if dual is not None and np.isfinite(dual) else math.inf
    obj = value(p, chosen) if chosen else 0.0
    return MilpResult(chosen, obj, max(bound, obj), int(res.status), str(res.message), seconds,
                      int(cons.A.shape[0]), int(cons.A.shape[1]), int(cons.A.nnz))


def restrict(p: Problem, keep: np.ndarray):
    """The problem on the kept columns (patterns none of them covers dropped, patterns with the same kept
    coverers merged): (sub-problem, kept column ids, sub-pattern of each pattern of ``p`` or -1)."""
    import dataclasses

    cols = np.flatnonzero(keep)
    A, w, pattern = aggregate(p.A[:, cols], p.w)
    sub = dataclasses.replace(p, A=A, w=w, a=p.a[cols], cost=p.cost[cols], site=p.site[cols])
    return sub, cols, pattern
