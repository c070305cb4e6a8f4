"""Rectangular linear assignment in Numba: the shortest augmenting path algorithm (Jonker-Volgenant family).

Same algorithm as SciPy's ``linear_sum_assignment`` (Crouse, "On implementing 2D rectangular
assignment algorithms", IEEE TAES 52(4), 2016), written for Numba so that the tracker
never leaves compiled code; SciPy is only the test oracle (tests/test_tracker_assign.py).
:func:`assign_clusters` is the tracker's use of it: one batch's gated pairs, cluster by cluster.
"""
from __future__ import annotations

import numpy as np

from radar._jit import kernel


@kernel
def _augmenting_path(nc, cost, u, v, path, row4col, spc, i, SR, SC, remaining):
    min_val = 0.0
    num_remaining = nc
    for it in range(nc):
        remaining[it] = nc - it - 1
    for j in range(SR.shape[0]):
        SR[j] = False
    for j in range(nc):
        SC[j] = False
        spc[j] = np.inf
    sink = -1
    while sink == -1:
        index = -1
        lowest = np.inf
        SR[i] = True
        for it in range(num_remaining):
            j = remaining[it]
            r = min_val + cost[i, j] - u[i] - v[j]
            if r < spc[j]:
                path[j] = i
                spc[j] = r
            if spc[j] < lowest or (spc[j] == lowest and row4col[j] == -1):
                lowest = spc[j]
                index = it
        min_val = lowest
        if min_val == np.inf or index < 0:
            return -1, min_val
        j = remaining[index]
        if row4col[j] == -1:
            sink = j
        else:
            i = row4col[j]
        SC[j] = True
        num_remaining -= 1
        remaining[index] = remaining[num_remaining]
    return sink, min_val


@kernel
def solve_lsap(cost, col4row):
    """Minimum-cost assignment of every row of ``cost`` (nr x nc, nr <= nc, finite costs) to distinct columns.

    Writes the column of each row into ``col4row`` and returns 0, or -1 if infeasible.
    """
    nr = cost.shape[0]
    nc = cost.shape[1]
    u = np.zeros(nr)
    v = np.zeros(nc)
    spc = np.empty(nc)
    path = np.full(nc, -1, dtype=np.int64)
    row4col = np.full(nc, -1, dtype=np.int64)
    SR = np.zeros(nr, dtype=np.bool_)
    SC = np.zeros(nc, dtype=np.bool_)
    remaining = np.empty(nc, dtype=np.int64)
    for i in range(nr):
        col4row[i] = -1
    for cur in range(nr):
        sink, min_val = _augmenting_path(nc, cost, u, v, path, row4col, spc, cur, SR, SC, remaining)
        if sink < 0:
            return -1
        u[cur] += min_val
        for i in range(nr):
            if SR[i] and i != cur:
                u[i] += min_val - spc[col4row[i]]
        for j in range(nc):
            if SC[j]:
                v[j] -= min_val - spc[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            tmp = col4row[i]
            col4row[i] = j
            j = tmp
            if i == cur:
                break
    return 0


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def assign_batch(work, nc, nb, npairs):
    """Assignment of one batch's gated pairs (``work.pair_c``, ``pair_j``, ``pair_d``; ``nc`` candidates, ``nb``
    plots): the candidate of each plot into ``work.pl_assigned`` (-1 none).  A single pair is assigned here;
    more go to :func:`assign_clusters`."""
    if npairs == 1:
        work.pl_assigned[work.pair_j[0]] = work.pair_c[0]
    elif npairs > 1:
        assign_clusters(work, nc, nb, npairs)


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def assign_clusters(work, nc, nb, npairs):
    """:func:`assign_batch` for two pairs or more: clusters of pairs by union-find over candidates 0..nc-1 and
    plots nc..nc+nb-1, then the optimal assignment per cluster (:func:`solve_lsap`, cost d^2 - gate and a
    zero-cost "no plot" column per track)."""
    pl_assigned = work.pl_assigned
    pair_c = work.pair_c
    pair_j = work.pair_j
    pair_d = work.pair_d
    parent = work.parent
    loc_c = work.loc_c
    loc_j = work.loc_j
    grp_c = work.grp_c
    grp_j = work.grp_j
    for k in range(nc + nb):
        parent[k] = k
    for p in range(npairs):
        a = pair_c[p]
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        bb = nc + pair_j[p]
        while parent[bb] != bb:
            parent[bb] = parent[parent[bb]]
            bb = parent[bb]
        if a != bb:
            if a < bb:
                parent[bb] = a
            else:
                parent[a] = bb
    roots = np.empty(npairs, dtype=np.int64)
    for p in range(npairs):
        a = pair_c[p]
        while parent[a] != a:
            a = parent[a]
        roots[p] = a
    porder = np.argsort(roots, kind="mergesort")
    p0 = 0
    while p0 < npairs:
        p1 = p0 + 1
        r0 = roots[porder[p0]]
        while p1 < npairs and roots[porder[p1]] == r0:
            p1 += 1
        if p1 - p0 == 1:
            p = porder[p0]
            pl_assigned[pair_j[p]] = pair_c[p]
        else:
            ntc = 0
            ntj = 0
            for q in range(p0, p1):
                p = porder[q]
                if loc_c[pair_c[p]] < 0:
                    loc_c[pair_c[p]] = ntc
                    grp_c[ntc] = pair_c[p]
                    ntc += 1
                if loc_j[pair_j[p]] < 0:
                    loc_j[pair_j[p]] = ntj
                    grp_j[ntj] = pair_j[p]
                    ntj += 1
            cost = np.full((ntc, ntj + ntc), 1e9)
            for k in range(ntc):
                cost[k, ntj + k] = 0.0
            for q in range(p0, p1):
                p = porder[q]
                cost[loc_c[pair_c[p]], loc_j[pair_j[p]]] = pair_d[p]
            col = np.empty(ntc, dtype=np.int64)
            solve_lsap(cost, col)
            for k in range(ntc):
                if col[k] < ntj and cost[k, col[k]] < 1e8:
                    pl_assigned[grp_j[col[k]]] = grp_c[k]
            for k in range(ntc):
                loc_c[grp_c[k]] = -1
            for k in range(ntj):
                loc_j[grp_j[k]] = -1
        p0 = p1
