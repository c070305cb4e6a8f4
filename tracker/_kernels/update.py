"""The updates of one batch: every assigned (track, plot) pair, in plot order.

Kalman (CV: :func:`tracker._kernels.kalman.predict_cv_inplace` + :func:`tracker._kernels.measure.meas_update`)
or IMM (:func:`tracker._kernels.imm.imm_step`) update of the track with its plot, with the height held when a
(range, azimuth) plot without Mode C meets a track whose height is not observed
(:mod:`tracker._kernels.heights`); then the track's hit history, code and sensors, its confirmation, and its
output row if rows are written on update.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from tracker._kernels.heights import held_height, terrain_under
from tracker._kernels.imm import imm_step
from tracker._kernels.kalman import predict_cv_inplace, process_noise, up_vector_approx
from tracker._kernels.lifecycle import confirm, popcount
from tracker._kernels.measure import meas_update
from tracker._kernels.output import emit_row
from tracker._kernels.tables import S_HELD_UPDATES, S_NIS_N_1, S_NIS_SUM_1, S_UPDATES


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def update_assigned(tab, plots, sites, terrain, cfg, bt, work, sc, rows, stats, nrow, next_id):
    """Update every track of batch ``bt`` assigned a plot (``work.pl_assigned``), in plot order.  Returns
    (output rows, next track id)."""
    status = tab.status
    x = tab.x
    P = tab.P
    t = tab.t
    hist = tab.hist
    hobs = tab.hobs
    smask = tab.smask
    tsq = tab.tsq
    pt = plots.time
    mtype = plots.mtype
    modec = plots.mode_c
    ps = plots.sensor
    squawk = plots.squawk
    cand = work.cand
    cand_hit = work.cand_hit
    pl_assigned = work.pl_assigned
    tid = tab.tid
    last_seen = tab.last_seen
    misses = tab.misses
    pos = plots.pos
    cov = plots.cov
    prange = plots.range
    paz = plots.azimuth
    ssig = sites.sigma
    strig = sites.trig
    origin_ecef = sites.origin_ecef
    frame_rot = sites.frame_rot
    tgrid = terrain.grid
    xk = sc.xk
    Pk = sc.Pk
    H = sc.H
    R = sc.R
    y = sc.y
    up = sc.up
    Q = sc.Q
    Hs = sc.Hs_w
    j0 = bt.j0
    for jj in range(bt.j1 - j0):
        c = pl_assigned[jj]
        if c < 0:
            continue
        j = j0 + jj
        i = cand[c]
        cand_hit[c] = True
        dt = pt[j] - t[i]
        # height not observed for h_mem: a (range, azimuth) plot without Mode C holds it (heights.py)
        hold_h = 0.0
        hold_var = 0.0
        if mtype[j] == 2 and not math.isfinite(modec[j]) and pt[j] - hobs[i] > cfg.h_mem:
            ter, hnow = terrain_under(x[i, 0] + dt * x[i, 3], x[i, 1] + dt * x[i, 4], x[i, 2] + dt * x[i, 5],
                                      origin_ecef, frame_rot, tgrid, terrain.lat0, terrain.dlat, terrain.lon0,
                                      terrain.dlon)
            hold_h, hold_var = held_height(pt[j], hobs[i], hnow, ter, cfg)
            stats[S_HELD_UPDATES] += 1
        if cfg.imm:
            d2, m = imm_step(tab, i, dt, cfg, plots, j, sites, sc, hold_h, hold_var, cfg.hold_vvar)
        else:
            # scratch copies instead of views (speed: see imm_step)
            for a in range(6):
                xk[a] = x[i, a]
                for bb in range(6):
                    Pk[a, bb] = P[i, a, bb]
            up_vector_approx(xk[0], xk[1], xk[2], cfg.earth_r, up)
            process_noise(dt, cfg.q_h, cfg.q_v, up, Q)
            predict_cv_inplace(xk, Pk, dt, Q)
            d2, m, logl = meas_update(xk, Pk, j, mtype, pos, cov, prange, paz, modec, ps, ssig, strig, origin_ecef,
                                      frame_rot, cfg.mc_sigma, H, R, y, up, Hs, hold_h, hold_var, cfg.hold_vvar)
            for a in range(6):
                x[i, a] = xk[a]
                for bb in range(6):
                    P[i, a, bb] = Pk[a, bb]
        t[i] = pt[j]
        if m > 0:
            stats[S_NIS_SUM_1 + m - 1] += d2
            stats[S_NIS_N_1 + m - 1] += 1
            if mtype[j] == 0 or math.isfinite(modec[j]):
                hobs[i] = pt[j]
        stats[S_UPDATES] += 1
        last_seen[i] = pt[j]
        hist[i] = ((hist[i] << 1) | 1) & cfg.hist_mask
        misses[i] = 0
        smask[i] |= np.int64(1) << min(ps[j], 62)
        if squawk[j] >= 0:
            tsq[i] = squawk[j]
        if status[i] == 2 and popcount(hist[i]) >= cfg.conf_m:
            next_id = confirm(status, tid, i, next_id, stats)
        if status[i] == 3 and cfg.emit_upd:
            nrow = emit_row(rows, nrow, bt.proc, x, P, i, t[i], tid[i], tsq[i], smask[i], cfg.q_h, cfg.q_v, cfg.earth_r,
                            up, Q)
    return nrow, next_id
