"""Two-point initiation from the plots a batch left over.

A plot left unassigned pairs with the best initiator (a one-plot track) it could follow -- within
``v_max`` dt + k sigma horizontally and ``vz_max`` dt + k sigma vertically, searched through a spatial hash
of the initiators -- and the pair becomes a tentative track (x = z2, v = (z2 - z1)/dt); otherwise the plot
becomes an initiator itself.  A 2D plot that gated with a track that could be its aircraft's
(``pl_block``) starts nothing: it is a second plot of an aircraft that already has a track.  A track born
from (range, azimuth) plots without Mode C holds its height from the start (:mod:`tracker._kernels.heights`).
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from tracker._kernels.gating import bucket
from tracker._kernels.heights import held_height, hold_slot, terrain_under
from tracker._kernels.lifecycle import confirm, popcount
from tracker._kernels.tables import S_INIT_BLOCKED, S_INITIATED


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def initiator_hash(tab, cfg, bt, work, ninit, maxprad):
    """Hash the ``ninit`` initiators of the batch (``work.inits``) into ``work.ihead``/``inxt`` by cells of
    the size returned."""
    x = tab.x
    P = tab.P
    t = tab.t
    inits = work.inits
    iix = work.iix
    iiy = work.iiy
    inxt = work.inxt
    ihead = work.ihead
    maxr = 0.0
    for k in range(ninit):
        i = inits[k]
        rr = cfg.v_max * (bt.t_last - t[i]) + cfg.init_k * math.sqrt(P[i, 0, 0] + P[i, 1, 1])
        if rr > maxr:
            maxr = rr
    icell = max(1000.0, min(maxr + maxprad, 4.0 * cfg.cell_max))
    for k in range(ninit):
        iix[k] = np.int64(math.floor(x[inits[k], 0] / icell))
        iiy[k] = np.int64(math.floor(x[inits[k], 1] / icell))
        bk = bucket(iix[k], iiy[k])
        inxt[k] = ihead[bk]
        ihead[bk] = k
    return icell


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def start_track(i, j, tab, plots, sites, terrain, cfg, sc, stats, next_id):
    """Initiator slot i and plot j become a tentative track (two-point initiation); confirmed at once if its
    history already suffices.  Returns the next track id."""
    status = tab.status
    x = tab.x
    P = tab.P
    t = tab.t
    hobs = tab.hobs
    last_seen = tab.last_seen
    hist = tab.hist
    misses = tab.misses
    smask = tab.smask
    tsq = tab.tsq
    tid = tab.tid
    pt = plots.time
    pos = plots.pos
    cov = plots.cov
    mtype = plots.mtype
    modec = plots.mode_c
    ps = plots.sensor
    squawk = plots.squawk
    vz_max = cfg.vz_max
    dt = pt[j] - t[i]
    R1 = sc.R1
    for a in range(3):
        for bb in range(3):
            R1[a, bb] = P[i, a, bb]
    p0x = x[i, 0]
    p0y = x[i, 1]
    p0z = x[i, 2]
    for a in range(3):
        for bb in range(3):
            P[i, a, bb] = 0.0
            P[i, a, bb + 3] = 0.0
            P[i, a + 3, bb] = 0.0
            P[i, a + 3, bb + 3] = 0.0
    Rj = sc.Rj
    Rj[0, 0] = cov[j, 0]
    Rj[0, 1] = cov[j, 1]
    Rj[0, 2] = cov[j, 2]
    Rj[1, 0] = cov[j, 1]
    Rj[1, 1] = cov[j, 3]
    Rj[1, 2] = cov[j, 4]
    Rj[2, 0] = cov[j, 2]
    Rj[2, 1] = cov[j, 4]
    Rj[2, 2] = cov[j, 5]
    # two-point initiation: x = z2, v = (z2 - z1)/dt;
    # P = [[R2, R2/dt], [R2/dt, (R1 + R2)/dt^2]]
    for a in range(3):
        for bb in range(3):
            P[i, a, bb] = Rj[a, bb]
            P[i, a, bb + 3] = Rj[a, bb] / dt
            P[i, a + 3, bb] = Rj[a, bb] / dt
            P[i, a + 3, bb + 3] = (R1[a, bb] + Rj[a, bb]) / (dt * dt)
    x[i, 0] = pos[j, 0]
    x[i, 1] = pos[j, 1]
    x[i, 2] = pos[j, 2]
    x[i, 3] = (pos[j, 0] - p0x) / dt
    x[i, 4] = (pos[j, 1] - p0y) / dt
    x[i, 5] = (pos[j, 2] - p0z) / dt
    if P[i, 5, 5] > vz_max * vz_max:
        # height unknown (2D plots): cap the vertical velocity uncertainty, drop its correlations
        x[i, 5] = 0.0
        for a in range(6):
            P[i, 5, a] = 0.0
            P[i, a, 5] = 0.0
        P[i, 5, 5] = vz_max * vz_max
    if mtype[j] == 0 or math.isfinite(modec[j]):
        hobs[i] = pt[j]
    elif mtype[j] == 2:
        # a (range, azimuth) plot without Mode C: the height is held from the start -- the first
        # plot's if it had one, else the low-level prior over the terrain
        origin_ecef = sites.origin_ecef
        frame_rot = sites.frame_rot
        tgrid = terrain.grid
        _ter0, h_first = terrain_under(p0x, p0y, p0z, origin_ecef, frame_rot, tgrid, terrain.lat0, terrain.dlat,
                                       terrain.lon0, terrain.dlon)
        ter, _hnow = terrain_under(x[i, 0], x[i, 1], x[i, 2], origin_ecef, frame_rot, tgrid, terrain.lat0,
                                   terrain.dlat, terrain.lon0, terrain.dlon)
        hh, hv = held_height(pt[j], hobs[i], h_first, ter, cfg)
        hold_slot(x, P, i, hh, hv, cfg.hold_vvar, origin_ecef, frame_rot, sc.up, sc.H)
    t[i] = pt[j]
    last_seen[i] = pt[j]
    status[i] = 2
    hist[i] = 3 & cfg.hist_mask
    misses[i] = 0
    smask[i] |= np.int64(1) << min(ps[j], 62)
    if squawk[j] >= 0:
        tsq[i] = squawk[j]
    if cfg.imm:
        xm = tab.xm
        Pm = tab.Pm
        mu = tab.mu
        for k in range(3):
            for a in range(6):
                xm[i, k, a] = x[i, a]
                for bb in range(6):
                    Pm[i, k, a, bb] = P[i, a, bb]
        mu[i, 0] = cfg.mu_cv
        mu[i, 1] = 0.5 * (1.0 - cfg.mu_cv)
        mu[i, 2] = 0.5 * (1.0 - cfg.mu_cv)
    stats[S_INITIATED] += 1
    if popcount(hist[i]) >= cfg.conf_m:
        next_id = confirm(status, tid, i, next_id, stats)
    return next_id


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def initiate(tab, plots, sites, terrain, cfg, bt, work, sc, stats, ninit, maxprad, nfree, hiwater, next_id):
    """Initiation from the plots of batch ``bt`` left over (module docstring).  Returns (ok, free slots,
    high-water slot, next track id); ok False: the track table is full (the caller reruns larger)."""
    status = tab.status
    x = tab.x
    P = tab.P
    t = tab.t
    last_seen = tab.last_seen
    hist = tab.hist
    misses = tab.misses
    tid = tab.tid
    tsq = tab.tsq
    hobs = tab.hobs
    dupn = tab.dupn
    smask = tab.smask
    free = tab.free
    pt = plots.time
    mtype = plots.mtype
    pos = plots.pos
    cov = plots.cov
    prange = plots.range
    modec = plots.mode_c
    ps = plots.sensor
    squawk = plots.squawk
    late = plots.late
    pl_assigned = work.pl_assigned
    pl_block = work.pl_block
    inits = work.inits
    iix = work.iix
    iiy = work.iiy
    inxt = work.inxt
    ihead = work.ihead
    v_max = cfg.v_max
    init_k = cfg.init_k
    vz_max = cfg.vz_max
    icell = 1000.0
    if ninit > 0:
        icell = initiator_hash(tab, cfg, bt, work, ninit, maxprad)
    j0 = bt.j0
    for jj in range(bt.j1 - j0):
        j = j0 + jj
        if late[j] or pl_assigned[jj] >= 0:
            continue
        if pl_block[jj] and mtype[j] != 0:
            # a 2D plot that an existing track could take (it gated, but its track took another plot)
            stats[S_INIT_BLOCKED] += 1
            continue
        # the best initiator (smallest horizontal distance / limit) in the 3 x 3 cells around the plot
        best = -1
        best_score = np.inf
        if ninit > 0:
            ix = np.int64(math.floor(pos[j, 0] / icell))
            iy = np.int64(math.floor(pos[j, 1] / icell))
            for cellk in range(9):
                qx = ix + cellk // 3 - 1
                qy = iy + cellk % 3 - 1
                cur = ihead[bucket(qx, qy)]
                while cur >= 0:
                    kk = cur
                    cur = inxt[cur]
                    if iix[kk] != qx or iiy[kk] != qy:
                        continue
                    i = inits[kk]
                    if status[i] != 1:
                        continue
                    dt = pt[j] - t[i]
                    if dt < cfg.init_min_dt:
                        continue
                    dxh = pos[j, 0] - x[i, 0]
                    dyh = pos[j, 1] - x[i, 1]
                    dh = math.sqrt(dxh * dxh + dyh * dyh)
                    sig = math.sqrt(P[i, 0, 0] + P[i, 1, 1] + cov[j, 0] + cov[j, 3])
                    lim = v_max * dt + init_k * sig
                    if mtype[j] == 2:
                        lim += min(prange[j], 7.2e7 / max(prange[j], 1.0))
                    if dh > lim:
                        continue
                    dzv = abs(pos[j, 2] - x[i, 2])
                    if dzv > vz_max * dt + init_k * math.sqrt(P[i, 2, 2] + cov[j, 5]):
                        continue
                    score = dh / lim
                    if score < best_score:
                        best_score = score
                        best = i
        if best >= 0:
            next_id = start_track(best, j, tab, plots, sites, terrain, cfg, sc, stats, next_id)
            continue
        # no initiator to pair with: the plot becomes one (position and its covariance, no velocity)
        if nfree == 0:
            return False, nfree, hiwater, next_id
        nfree -= 1
        i = free[nfree]
        if i + 1 > hiwater:
            hiwater = i + 1
        status[i] = 1
        for a in range(3):
            x[i, a] = pos[j, 0 + a]
            x[i, a + 3] = 0.0
        for a in range(6):
            for bb in range(6):
                P[i, a, bb] = 0.0
        P[i, 0, 0] = cov[j, 0]
        P[i, 0, 1] = cov[j, 1]
        P[i, 0, 2] = cov[j, 2]
        P[i, 1, 0] = cov[j, 1]
        P[i, 1, 1] = cov[j, 3]
        P[i, 1, 2] = cov[j, 4]
        P[i, 2, 0] = cov[j, 2]
        P[i, 2, 1] = cov[j, 4]
        P[i, 2, 2] = cov[j, 5]
        t[i] = pt[j]
        last_seen[i] = pt[j]
        hist[i] = 1
        misses[i] = 0
        tid[i] = -1
        tsq[i] = squawk[j]
        hobs[i] = pt[j] if (mtype[j] == 0 or math.isfinite(modec[j])) else -np.inf
        dupn[i] = 0
        smask[i] = np.int64(1) << min(ps[j], 62)
    for k in range(ninit):
        ihead[bucket(iix[k], iiy[k])] = -1
    return True, nfree, hiwater, next_id
