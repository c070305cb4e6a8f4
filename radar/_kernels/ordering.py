"""Ordering of the plots: the valid scan slots as rows, a stable time order, and the gathers into plot columns."""
from __future__ import annotations

import numpy as np

from radar._jit import kernel, prange


@kernel(parallel=True)
def gather_plots(order, src, out):
    """Row i of ``out`` = row order[i] of ``src`` for the ten plot columns
    (:class:`~radar._kernels.columns.PlotColumns`).  Speed: one pass that issues the ten independent loads of
    a row together (the memory latency of a random permutation overlaps), instead of ten NumPy
    fancy-indexing passes.  Iteration i writes only row i."""
    time_s = src.time_s
    sensor = src.sensor
    range_m = src.range_m
    az = src.azimuth_rad
    el = src.elevation_rad
    dims = src.dims
    mode_c = src.mode_c_m
    squawk = src.squawk
    truth = src.truth
    scan = src.scan
    o_time = out.time_s
    o_sensor = out.sensor
    o_range = out.range_m
    o_az = out.azimuth_rad
    o_el = out.elevation_rad
    o_dims = out.dims
    o_mode_c = out.mode_c_m
    o_squawk = out.squawk
    o_truth = out.truth
    o_scan = out.scan
    n = order.size
    for i in prange(n):
        j = order[i]
        o_time[i] = time_s[j]
        o_sensor[i] = sensor[j]
        o_range[i] = range_m[j]
        o_az[i] = az[j]
        o_el[i] = el[j]
        o_dims[i] = dims[j]
        o_mode_c[i] = mode_c[j]
        o_squawk[i] = squawk[j]
        o_truth[i] = truth[j]
        o_scan[i] = scan[j]


# ------------------------------------------------------------------------------------------
@kernel(parallel=True)
def valid_counts(o_valid, slot_start, counts):
    """counts[i] = number of valid slots of task i (task i owns slots slot_start[i]:slot_start[i+1])."""
    ntask = counts.size
    for i in prange(ntask):
        c = 0
        for q in range(slot_start[i], slot_start[i + 1]):
            if o_valid[q]:
                c += 1
        counts[i] = c


@kernel(parallel=True)
def plot_keys(o_valid, slot_start, start, o_time, key_time, key_src, key_task):
    """Row p of the target plots (valid slots in slot order, task by task; task i's rows from start[i]):
    key_time[p] its time, key_src[p] its slot, key_task[p] its task.  Task i writes only its own rows.

    Speed: the plot columns are not compacted; :func:`gather_slot_plots` reads the slots directly in
    the sorted order (one pass over ~20 bytes a row instead of copying ten columns twice)."""
    ntask = start.size - 1
    for i in prange(ntask):
        w = start[i]
        for q in range(slot_start[i], slot_start[i + 1]):
            if o_valid[q]:
                key_time[w] = o_time[q]
                key_src[w] = q
                key_task[w] = i
                w += 1


@kernel(parallel=True)
def stable_time_order(t, nb, nchunk, order, bt):
    """order = the permutation of ``np.argsort(t, kind="stable")`` (``order``, ``bt``: caller buffers of
    t.size).  Returns (ties, ok): ties if two values are equal (the caller then orders each group of
    equal times by its other keys); ok False (order unset) when t holds a NaN, which the caller sorts
    another way.

    Speed: parallel, and the same result whatever the thread count: ``nchunk`` fixed chunks of the input
    count their values per time bucket (``nb`` buckets; the bucket index is monotone in t, so bucket
    order is time order); a prefix sum over (bucket, chunk) gives every chunk its place in every bucket,
    so the scatter of (t, index) keeps input order within a bucket; then each bucket (small, in cache)
    is sorted by a stable merge sort."""
    n = t.size
    if n == 0:
        return False, True
    tmin = t[0]
    tmax = t[0]
    bad = False
    for i in range(n):
        v = t[i]
        if v != v:
            bad = True
            break
        if v < tmin:
            tmin = v
        if v > tmax:
            tmax = v
    if bad:
        return False, False
    scale = 0.0
    if tmax > tmin:
        scale = nb / (tmax - tmin)
    csize = (n + nchunk - 1) // nchunk
    hist = np.zeros((nchunk, nb), np.int64)
    for c in prange(nchunk):
        for i in range(c * csize, min(n, (c + 1) * csize)):
            k = int((t[i] - tmin) * scale)
            k = min(max(k, 0), nb - 1)
            hist[c, k] += 1
    bstart = np.zeros(nb + 1, np.int64)
    acc = 0
    for k in range(nb):
        bstart[k] = acc
        for c in range(nchunk):
            m = hist[c, k]
            hist[c, k] = acc
            acc += m
    bstart[nb] = acc
    for c in prange(nchunk):
        for i in range(c * csize, min(n, (c + 1) * csize)):
            k = int((t[i] - tmin) * scale)
            k = min(max(k, 0), nb - 1)
            d = hist[c, k]
            hist[c, k] = d + 1
            bt[d] = t[i]
            order[d] = i
    ties = np.zeros(nb, np.bool_)
    for q in prange(nb):
        a = bstart[q]
        e = bstart[q + 1]
        if e - a < 2:
            continue
        sub = np.argsort(bt[a:e], kind="mergesort")
        idx = order[a:e].copy()
        prev = bt[a + sub[0]]
        order[a] = idx[sub[0]]
        for j in range(1, e - a):
            m = sub[j]
            order[a + j] = idx[m]
            if bt[a + m] == prev:
                ties[q] = True
            prev = bt[a + m]
    return ties.any(), True


@kernel(parallel=True)
def gather_slot_plots(order, key_src, key_task, tasks, slots, false, out):
    """Output row i of ``out`` (:class:`~radar._kernels.columns.PlotColumns`) = row order[i] of (target plots,
    then false plots): a target row p reads slot key_src[p] of the scan ``slots``
    (:class:`~radar._kernels.columns.Slots`; sensor and truth: the radar and flight of its task key_task[p]
    in ``tasks``, :class:`~radar._kernels.columns.ScanTasks`); a false row reads row key_src[p] = -1 - k of
    ``false`` (:class:`~radar._kernels.columns.PlotColumns`) for false plot k.  Iteration i writes only row
    i."""
    task_f = tasks.flight
    task_r = tasks.radar
    s_time = slots.time
    s_range = slots.range
    s_az = slots.az
    s_el = slots.el
    s_dims = slots.dims
    s_mode_c = slots.mode_c
    s_squawk = slots.squawk
    s_scan = slots.scan
    f_time = false.time_s
    f_sensor = false.sensor
    f_range = false.range_m
    f_az = false.azimuth_rad
    f_el = false.elevation_rad
    f_dims = false.dims
    f_mode_c = false.mode_c_m
    f_squawk = false.squawk
    f_truth = false.truth
    f_scan = false.scan
    o_time = out.time_s
    o_sensor = out.sensor
    o_range = out.range_m
    o_az = out.azimuth_rad
    o_el = out.elevation_rad
    o_dims = out.dims
    o_mode_c = out.mode_c_m
    o_squawk = out.squawk
    o_truth = out.truth
    o_scan = out.scan
    n = order.size
    for i in prange(n):
        p = order[i]
        q = key_src[p]
        if q >= 0:
            k = key_task[p]
            o_time[i] = s_time[q]
            o_sensor[i] = task_r[k]
            o_range[i] = s_range[q]
            o_az[i] = s_az[q]
            o_el[i] = s_el[q]
            o_dims[i] = s_dims[q]
            o_mode_c[i] = s_mode_c[q]
            o_squawk[i] = s_squawk[q]
            o_truth[i] = task_f[k]
            o_scan[i] = s_scan[q]
        else:
            q = -1 - q
            o_time[i] = f_time[q]
            o_sensor[i] = f_sensor[q]
            o_range[i] = f_range[q]
            o_az[i] = f_az[q]
            o_el[i] = f_el[q]
            o_dims[i] = f_dims[q]
            o_mode_c[i] = f_mode_c[q]
            o_squawk[i] = f_squawk[q]
            o_truth[i] = f_truth[q]
            o_scan[i] = f_scan[q]
