"""The multi-target tracker loop: one compiled function over a whole plot sequence (:func:`run_tracker`).

Plots arrive in batches (one sensor's plots within ``batch_fraction`` of its scan, :func:`make_batches`);
each batch runs the roles in order, each a sub-kernel on the track table
(:class:`tracker._kernels.tables.TrackTable`):

1. output rows of the snapshots due before the batch is processed (:mod:`tracker._kernels.output`);
2. the sector the antenna swept, the candidate tracks in it, stale deletion, the initiators that may pair
   with its plots, chi^2 gating through a spatial hash (:mod:`tracker._kernels.gating`);
3. clusters of gated pairs and the optimal assignment per cluster (:mod:`tracker._kernels.assign`);
4. Kalman (CV) or IMM updates of the assigned tracks, confirmation (:mod:`tracker._kernels.update`,
   :mod:`tracker._kernels.imm`, :mod:`tracker._kernels.measure`; heights a track has not observed are held,
   not estimated: :mod:`tracker._kernels.heights`);
5. duplicates and counted misses, deletion (:mod:`tracker._kernels.lifecycle`);
6. two-point initiation of the plots left over (:mod:`tracker._kernels.initiation`).

Inputs and outputs are NamedTuples of contiguous arrays (:mod:`tracker._kernels.tables`).  Inside the loop
every array is a borrowed view (:func:`radar._jit.borrow`): passing the bundles to the sub-kernels costs no
atomic reference counting; the owners of the loop's own arrays are kept alive to the end
(:func:`radar._jit.keep_alive`).

The role sub-kernels are inlined here (``inline="always"``, one call site each), and so are the allocations
of the track table and work arrays (:func:`tracker._kernels.tables.new_track_table` ...): a call passes every
field of its bundles (hundreds of words, about 50 ns) while a batch of one radar's sweep often holds a single
plot (a drug flight's picture: 324 batches, 0.4 us each), and arrays allocated in another function lose their
constant inner dimensions (the (6, 6) of a covariance: indexing with strides read from memory, 8 % slower).
The IMM step (:func:`tracker._kernels.imm.imm_step`) and the assignment of a cluster
(:func:`tracker._kernels.assign.solve_lsap`) are calls, compiled once; the IMM step rebinds its bundles to
borrowed ones at its top, and so are the Kalman updates that are not on the IMM's hot path
(:mod:`tracker._kernels.kalman_unrolled`'s Cartesian updates, the slot-0 polar ones: one compiled copy each).
Compile time (an empty cache, quiet 2-core machine: 137 s for the tracker's warm-up, 146 s when every
unrolled update was inlined into every caller; ``run_tracker`` itself about 100 s) is mostly Numba's own
passes over the inlined code -- copying the inlined functions' IR and type inference -- not LLVM's.  As calls, the role sub-kernels made a real
day's picture 2-3x slower (measured), so they stay inlined.

Status codes (returned): 0 ok, 1 track table full (caller doubles the capacity and reruns).
"""
from __future__ import annotations

import numpy as np

from radar._jit import borrow, keep_alive, kernel
from tracker._kernels.assign import assign_batch
from tracker._kernels.gating import gate_batch, plot_radii, select_candidates, swept_sector
from tracker._kernels.initiation import initiate
from tracker._kernels.lifecycle import count_misses, drop_duplicates
from tracker._kernels.measure import sensor_trig
from tracker._kernels.output import emit_snapshot
from tracker._kernels.tables import (
    S_BATCHES,
    S_CANDIDATES,
    S_DROPPED_LATE,
    S_INIT_CANDIDATES,
    S_PAIRS,
    S_PLOTS_USED,
    S_SLOTS_SCANNED,
    Batch,
    GridColumns,
    PlotColumns,
    RowBuffers,
    RunResult,
    SensorColumns,
    Sites,
    TerrainColumns,
    borrow_grids,
    borrow_plots,
    borrow_rows,
    borrow_scratch,
    borrow_sensors,
    borrow_table,
    borrow_terrain,
    borrow_work,
    new_batch_work,
    new_scratch,
    new_track_table,
    settings,
)
from tracker._kernels.update import update_assigned


@kernel
def late_flags(pt, window):
    """Plots (in arrival order) older than the newest earlier plot minus ``window``: 1 = late (dropped)."""
    n = pt.shape[0]
    out = np.zeros(n, dtype=np.int8)
    tmax = -np.inf
    for j in range(n):
        if pt[j] < tmax - window:
            out[j] = 1
        elif pt[j] > tmax:
            tmax = pt[j]
    return out


@kernel
def make_batches(pt, sensor, scan_period, fraction, full):
    """Batch id of each plot (plots in arrival order).

    A batch holds one sensor's plots whose times lie within ``fraction * scan_period`` of the
    batch's first plot; with ``full`` (no sensors file), a batch is one distinct (time, sensor).
    """
    n = pt.shape[0]
    ns = scan_period.shape[0]
    bid = np.empty(n, dtype=np.int64)
    open_id = np.full(ns, -1, dtype=np.int64)
    open_t0 = np.zeros(ns)
    nb = 0
    for j in range(n):
        s = sensor[j]
        if full:
            ok = open_id[s] >= 0 and pt[j] == open_t0[s]
        else:
            ok = open_id[s] >= 0 and pt[j] - open_t0[s] <= fraction * scan_period[s] and pt[j] >= open_t0[s] - fraction * scan_period[s]
        if not ok:
            open_id[s] = nb
            open_t0[s] = pt[j]
            nb += 1
        bid[j] = open_id[s]
    return bid, nb


@kernel
def run_tracker(plots, sensors, grids, terrain, params, out_times, capacity, rows, stats):
    """Track all batches of ``plots`` (:class:`~tracker._kernels.tables.PlotColumns`) seen by ``sensors``
    (:class:`~tracker._kernels.tables.SensorColumns`), with the geometry ``grids`` for counted misses and the
    ``terrain`` under held heights (:class:`~tracker._kernels.tables.GridColumns`,
    :class:`~tracker._kernels.tables.TerrainColumns`), parameters ``params`` (``P_*``), a track table of
    ``capacity`` slots.

    Output rows (:class:`~tracker._kernels.tables.RowBuffers`) are written at every ``out_times`` value
    (snapshot of confirmed tracks) and, if params[P_EMIT_ON_UPDATE], after every update of a confirmed track
    (at the batch's processing time); counters into ``stats`` (``S_*``).  Returns a
    :class:`~tracker._kernels.tables.RunResult` (status, rows needed, confirmed ids).

    The bundles may also be given as plain tuples of their fields (``tuple(plots)``): Numba unboxes a plain
    tuple faster than a NamedTuple (about 5 us less per call, measured with these five; the public layer does
    so, a small picture takes 0.15 ms).
    """
    plots = PlotColumns(*plots)
    sensors = SensorColumns(*sensors)
    grids = GridColumns(*grids)
    terrain = TerrainColumns(*terrain)
    rows = RowBuffers(*rows)
    cfg = settings(params)
    bstart = plots.bstart
    nbatch = bstart.shape[0] - 1
    nbmax = 1
    for b in range(nbatch):
        nbmax = max(nbmax, bstart[b + 1] - bstart[b])
    ns = sensors.position.shape[0]
    # the loop's own arrays, and borrowed views of everything (speed: module docstring)
    tab_own = new_track_table(capacity, cfg.imm)
    work_own = new_batch_work(capacity, nbmax, cfg)
    sc_own = new_scratch()
    strig_own = sensor_trig(sensors.lat, sensors.lon, sensors.antenna_msl)
    last_end_own = np.full(ns, np.nan)  # per sensor: where its previous batch's sweep ended (s)
    tab = borrow_table(tab_own)
    work = borrow_work(work_own)
    sc = borrow_scratch(sc_own)
    last_end = borrow(last_end_own)
    plots = borrow_plots(plots)
    sensors = borrow_sensors(sensors)
    grids = borrow_grids(grids)
    terrain = borrow_terrain(terrain)
    rows = borrow_rows(rows)
    out_times = borrow(out_times)
    stats = borrow(stats)
    sites = Sites(sensors.sigma, borrow(strig_own), sensors.origin_ecef, sensors.frame_rot)
    pt = plots.time
    proc = plots.proc
    late = plots.late
    ps = plots.sensor
    bstart = plots.bstart
    nfree = capacity
    hiwater = 0  # slots >= hiwater have never been used (free list pops the lowest index first)
    next_id = 0
    nrow = 0
    ko = 0
    nout = out_times.shape[0]
    for b in range(nbatch + 1):
        # snapshots strictly before this batch is processed; after the last batch, the rest (one call site of
        # emit_snapshot for both: compile time)
        last = b == nbatch
        bproc = -np.inf
        if not last:
            for j in range(bstart[b], bstart[b + 1]):
                if proc[j] > bproc:
                    bproc = proc[j]
        while ko < nout and (last or out_times[ko] < bproc):
            nrow = emit_snapshot(rows, nrow, out_times[ko], tab, hiwater, cfg, sc)
            ko += 1
        if last:
            break
        j0 = bstart[b]
        j1 = bstart[b + 1]
        # kept plots and reference time
        nk = 0
        t_ref = np.inf
        t_last = -np.inf
        for j in range(j0, j1):
            if late[j] == 0:
                nk += 1
                if pt[j] < t_ref:
                    t_ref = pt[j]
                if pt[j] > t_last:
                    t_last = pt[j]
            else:
                stats[S_DROPPED_LATE] += 1
        if nk == 0:
            continue
        stats[S_BATCHES] += 1
        s = ps[j0]
        bt = Batch(j0, j1, s, sensors.present and s < ns, nk, t_ref, t_last, bproc)
        # ---- gating
        sec = swept_sector(plots, sensors, cfg, bt, last_end)
        nc, ninit, nfree = select_candidates(tab, sensors, cfg, bt, sec, work, sc, hiwater, nfree)
        maxprad = plot_radii(plots, cfg, bt, work)
        npairs = gate_batch(tab, plots, sites, cfg, bt, work, sc, nc, maxprad)
        stats[S_PAIRS] += npairs
        stats[S_SLOTS_SCANNED] += hiwater
        stats[S_CANDIDATES] += nc
        stats[S_INIT_CANDIDATES] += ninit
        # ---- assignment, updates, duplicates and misses, initiation
        assign_batch(work, nc, j1 - j0, npairs)
        nrow, next_id = update_assigned(tab, plots, sites, terrain, cfg, bt, work, sc, rows, stats, nrow, next_id)
        nfree = drop_duplicates(tab, cfg, bt, work, nc, npairs, stats, nfree)
        nfree = count_misses(tab, sensors, grids, cfg, bt, work, nc, stats, nfree)
        ok, nfree, hiwater, next_id = initiate(tab, plots, sites, terrain, cfg, bt, work, sc, stats, ninit, maxprad,
                                               nfree, hiwater, next_id)
        if not ok:
            keep_alive(tab_own, work_own, sc_own, strig_own, last_end_own)
            return RunResult(1, nrow, next_id)
        for j in range(j0, j1):
            if late[j] == 0:
                stats[S_PLOTS_USED] += 1
    keep_alive(tab_own, work_own, sc_own, strig_own, last_end_own)
    return RunResult(0, nrow, next_id)
