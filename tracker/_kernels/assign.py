"""Rectangular linear assignment in Numba: the shortest augmenting path algorithm (Jonker-Volgenant family).

Same algorithm as SciPy's ``linear_sum_assignment`` (Crouse, "On implementing 2D rectangular
assignment algorithms", IEEE TAES 52(4), 2016), written for Numba so that the tracker
never leaves compiled code; SciPy is only the test oracle (tests/test_tracker_assign.py).
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
