"""Gating of one batch: the swept sector, the candidate tracks, chi^2 gates through a spatial hash.

Candidate tracks = tracks inside the batch's swept sector (plus a gate margin); chi^2 gating through a
uniform horizontal grid (cell = largest gate radius, tracks with a larger gate checked against every
plot), hashed per cell (:data:`tracker._kernels.tables.NBM` + 1 buckets, each a linked list).  The gated
pairs (candidate, plot, d^2 - gate) go to the assignment (:func:`tracker._kernels.assign.assign_clusters`).

A plot that gated with a track that could be its aircraft's (no code on either, or the same code) is marked
``pl_block``: left unassigned, it starts nothing (:mod:`tracker._kernels.initiation`).

The sub-kernels take the loop's bundles (:mod:`tracker._kernels.tables`) and unpack the arrays they use at
the top; the helpers inlined in the per-pair loops (:func:`gate_d2`) take plain arrays: a bundle passed to
an inlined function is reference counted field by field at every call (each an out-of-line call, even on a
borrowed view), which LLVM cannot remove.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from radar.constants import TWO_PI
from tracker._kernels.heights import vertical_var
from tracker._kernels.kalman import inv_sym, process_noise_pos, up_vector_approx
from tracker._kernels.lifecycle import release
from tracker._kernels.measure import mod_positive, range_azimuth_jac, wrap_angle
from tracker._kernels.tables import NBM, Sector


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def swept_sector(plots, sensors, cfg, bt, last_end):
    """The :class:`~tracker._kernels.tables.Sector` swept by the antenna of batch ``bt`` (clockwise rotation
    assumed); ``last_end[s]``: where sensor s's previous batch ended (updated)."""
    pt = plots.time
    mtype = plots.mtype
    pos = plots.pos
    paz = plots.azimuth
    late = plots.late
    spos = sensors.position
    srot = sensors.rotation
    sscan = sensors.scan_period
    j0 = bt.j0
    j1 = bt.j1
    s = bt.sensor
    t_ref = bt.t_ref
    t_last = bt.t_last
    full = cfg.full_batches or not bt.sensor_ok
    sec_start = 0.0
    sec_width = TWO_PI
    strict_width = TWO_PI
    if not full:
        T = sscan[s]
        # antenna phase phi = az - 2 pi t / T, circular mean over the batch's plots
        cs = 0.0
        sn = 0.0
        for j in range(j0, j1):
            if late[j]:
                continue
            if mtype[j] == 2:
                az = paz[j]
            else:
                dx = pos[j, 0] - spos[s, 0]
                dy = pos[j, 1] - spos[s, 1]
                dz = pos[j, 2] - spos[s, 2]
                le = srot[s, 0, 0] * dx + srot[s, 1, 0] * dy + srot[s, 2, 0] * dz
                ln = srot[s, 0, 1] * dx + srot[s, 1, 1] * dy + srot[s, 2, 1] * dz
                az = math.atan2(le, ln)
            ph = az - TWO_PI * mod_positive(pt[j], T) / T
            cs += math.cos(ph)
            sn += math.sin(ph)
        phi = math.atan2(sn, cs)
        # coherent? mean resultant length close to 1 means the plot times follow the rotation
        if math.sqrt(cs * cs + sn * sn) / bt.kept < 0.9:
            full = True
        else:
            t_start = last_end[s]
            if not math.isfinite(t_start) or t_ref - t_start > T or t_start > t_ref:
                t_start = t_ref
            if math.isfinite(last_end[s]) and t_last - last_end[s] >= T:
                full = True
            sec_start = phi + TWO_PI * mod_positive(t_start, T) / T
            sec_width = TWO_PI * (t_last - t_start) / T
            # misses count only up to t_last - T/32: a target near the trailing edge may well be
            # illuminated in the next batch, which then owns that part of the sweep
            strict_width = TWO_PI * (t_last - T / 32.0 - t_start) / T
        last_end[s] = t_last - (0.0 if full else sscan[s] / 32.0)
    # pre-rejection cone: sector middle direction and cos(half width + pi/32 + pi/8)
    mid_e = 0.0
    mid_n = 1.0
    cos_lim = -2.0
    if not full:
        half = 0.5 * sec_width
        lim = half + TWO_PI / 64.0 + 0.39269908169872414
        if lim < math.pi:
            mid_e = math.sin(sec_start + half)
            mid_n = math.cos(sec_start + half)
            cos_lim = math.cos(lim)
    return Sector(full, sec_start, sec_width, strict_width, mid_e, mid_n, cos_lim)


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def select_candidates(tab, sensors, cfg, bt, sec, work, sc, hiwater, nfree):
    """Candidate tracks of batch ``bt`` (in the sector + margin: predicted position, velocity, position
    covariance and gate radius into ``work.cand*``), the initiators that may pair with its plots
    (``work.inits``), and deletion of the stale: initiators older than ``init_age``, tracks unseen for
    ``max_unseen``.  Returns (candidates, initiators, free slots)."""
    status = tab.status
    x = tab.x
    P = tab.P
    t = tab.t
    last_seen = tab.last_seen
    hobs = tab.hobs
    free = tab.free
    spos = sensors.position
    srot = sensors.rotation
    ssig = sensors.sigma
    gate = work.gate
    cand = work.cand
    cand_xp = work.cand_xp
    cand_v = work.cand_v
    cand_P = work.cand_P
    cand_rad = work.cand_rad
    cand_in = work.cand_in
    cand_hit = work.cand_hit
    inits = work.inits
    up = sc.up
    Q = sc.Q
    q_h = cfg.q_h
    q_v = cfg.q_v
    v_max = cfg.v_max
    init_k = cfg.init_k
    h_smax = cfg.h_smax
    s = bt.sensor
    t_ref = bt.t_ref
    t_last = bt.t_last
    full = sec.full
    mid_e = sec.mid_e
    mid_n = sec.mid_n
    cos_lim = sec.cos_lim
    nc = 0
    ninit = 0
    span = t_last - t_ref
    for i in range(hiwater):
        st = status[i]
        if st == 0:
            continue
        if st == 1:
            if t_ref - t[i] > cfg.init_age:
                nfree = release(status, free, i, nfree)
            else:
                if not full:
                    # initiators far outside this batch's sector cannot pair with its plots
                    dx = x[i, 0] - spos[s, 0]
                    dy = x[i, 1] - spos[s, 1]
                    dz = x[i, 2] - spos[s, 2]
                    le = srot[s, 0, 0] * dx + srot[s, 1, 0] * dy + srot[s, 2, 0] * dz
                    ln = srot[s, 0, 1] * dx + srot[s, 1, 1] * dy + srot[s, 2, 1] * dz
                    rh = math.sqrt(le * le + ln * ln)
                    reach = v_max * (t_last - t[i]) + init_k * math.sqrt(P[i, 0, 0] + P[i, 1, 1]) + 5000.0
                    if rh > 1.0 and reach <= 0.39269908169872414 * rh and le * mid_e + ln * mid_n < cos_lim * rh:
                        continue
                inits[ninit] = i
                ninit += 1
            continue
        if t_ref - last_seen[i] > cfg.max_unseen:
            nfree = release(status, free, i, nfree)
            continue
        dt = t_ref - t[i]
        px = x[i, 0] + dt * x[i, 3]
        py = x[i, 1] + dt * x[i, 4]
        pz = x[i, 2] + dt * x[i, 5]
        vmag = math.sqrt(x[i, 3] ** 2 + x[i, 4] ** 2 + x[i, 5] ** 2)
        # gate radius from traces only (cheap; the full predicted covariance is computed for candidates):
        # tr(P_pp(t)) = tr(P_pp) + 2 dt tr(P_pv) + dt^2 tr(P_vv) + tr(Q_pp)
        trp = (P[i, 0, 0] + P[i, 1, 1] + P[i, 2, 2] + 2.0 * dt * (P[i, 0, 3] + P[i, 1, 4] + P[i, 2, 5])
               + dt * dt * (P[i, 3, 3] + P[i, 4, 4] + P[i, 5, 5]) + 0.25 * dt ** 4 * (2.0 * q_h * q_h + q_v * q_v))
        rad = math.sqrt(gate[3] * max(trp, 0.0)) + vmag * span
        in_strict = True
        if not full:
            dx = px - spos[s, 0]
            dy = py - spos[s, 1]
            dz = pz - spos[s, 2]
            le = srot[s, 0, 0] * dx + srot[s, 1, 0] * dy + srot[s, 2, 0] * dz
            ln = srot[s, 0, 1] * dx + srot[s, 1, 1] * dy + srot[s, 2, 1] * dz
            rh = math.sqrt(le * le + ln * ln)
            # cheap rejection without atan2: angle from the sector's middle > half width + pi/32 + pi/8,
            # valid when this track's own margin (rad + 5 km)/rh is at most pi/8
            if rh > 1.0 and (rad + 5000.0) <= 0.39269908169872414 * rh and le * mid_e + ln * mid_n < cos_lim * rh:
                continue
            az = math.atan2(le, ln)
            off = mod_positive(az - sec.start, TWO_PI)
            margin = TWO_PI / 64.0
            if rh > 1.0:
                margin += min(math.pi, (rad + 5000.0) / rh)
            # distance outside [0, width] on the circle
            if off <= sec.width:
                outside = 0.0
            else:
                outside = min(off - sec.width, TWO_PI - off)
            if outside > margin:
                continue
            in_strict = off <= sec.strict
        # predicted position covariance at t_ref
        up_vector_approx(px, py, pz, cfg.earth_r, up)
        process_noise_pos(dt, q_h, q_v, up, Q)  # Q[:3, :3] only (the rest is not read here)
        for a in range(3):
            for bb in range(3):
                cand_P[nc, a, bb] = (P[i, a, bb] + dt * (P[i, a, bb + 3] + P[i, a + 3, bb])
                                     + dt * dt * P[i, a + 3, bb + 3] + Q[a, bb])
        if bt.sensor_ok and ssig[s, 2] > 0.0 and t_ref - hobs[i] > cfg.h_mem:
            # a height measurement gates against a held height with the whole plausible band (the prior
            # says where a low flyer would be, not that an airliner cannot be the track's aircraft)
            vv = vertical_var(cand_P, nc, up)
            if vv < h_smax * h_smax:
                for a in range(3):
                    for bb in range(3):
                        cand_P[nc, a, bb] += (h_smax * h_smax - vv) * up[a] * up[bb]
        cand[nc] = i
        cand_xp[nc, 0] = px
        cand_xp[nc, 1] = py
        cand_xp[nc, 2] = pz
        cand_v[nc, 0] = x[i, 3]
        cand_v[nc, 1] = x[i, 4]
        cand_v[nc, 2] = x[i, 5]
        cand_rad[nc] = rad
        cand_in[nc] = in_strict
        cand_hit[nc] = False
        nc += 1
    return nc, ninit, nfree


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def plot_radii(plots, cfg, bt, work):
    """Gate radius (m) of each plot of the batch into ``work.pl_rad`` (assignments and blocks reset); returns
    the largest radius not above ``cell_max``."""
    late = plots.late
    mtype = plots.mtype
    cov = plots.cov
    prange = plots.range
    gate = work.gate
    pl_rad = work.pl_rad
    pl_assigned = work.pl_assigned
    pl_block = work.pl_block
    j0 = bt.j0
    maxprad = 0.0
    for jj in range(bt.j1 - j0):
        j = j0 + jj
        pl_assigned[jj] = -1
        pl_block[jj] = False
        if late[j]:
            pl_rad[jj] = 0.0
            continue
        if mtype[j] == 2:
            trr = cov[j, 0] + cov[j, 3]
            rr = prange[j]
            amb = min(rr, 7.2e7 / max(rr, 1.0))
            pl_rad[jj] = math.sqrt(gate[2] * trr) + amb
        else:
            pl_rad[jj] = math.sqrt(gate[3] * (cov[j, 0] + cov[j, 3] + cov[j, 5]))
        if pl_rad[jj] <= cfg.cell_max and pl_rad[jj] > maxprad:
            maxprad = pl_rad[jj]
    return maxprad


@kernel(inline="always")  # no call overhead (arrays, not bundles: see the module docstring)
def gate_d2(c, j, cand_xp, cand_v, cand_P, t_ref, pt, mtype, pos, cov, prange, paz, ps, ssig, strig, origin_ecef,
            frame_rot, Hs, S, Si):
    """Mahalanobis distance^2 between candidate c (predicted to t_ref, extrapolated to the plot time) and plot
    j, and the measurement dimension."""
    dtj = pt[j] - t_ref
    px = cand_xp[c, 0] + cand_v[c, 0] * dtj
    py = cand_xp[c, 1] + cand_v[c, 1] * dtj
    pz = cand_xp[c, 2] + cand_v[c, 2] * dtj
    mt = mtype[j]
    if mt == 0 or mt == 1:
        m = 3 if mt == 0 else 2
        S[0, 0] = cand_P[c, 0, 0] + cov[j, 0]
        S[0, 1] = cand_P[c, 0, 1] + cov[j, 1]
        S[1, 0] = S[0, 1]
        S[1, 1] = cand_P[c, 1, 1] + cov[j, 3]
        dy0 = pos[j, 0] - px
        dy1 = pos[j, 1] - py
        dy2 = pos[j, 2] - pz
        if m == 3:
            S[0, 2] = cand_P[c, 0, 2] + cov[j, 2]
            S[2, 0] = S[0, 2]
            S[1, 2] = cand_P[c, 1, 2] + cov[j, 4]
            S[2, 1] = S[1, 2]
            S[2, 2] = cand_P[c, 2, 2] + cov[j, 5]
        det = inv_sym(S, m, Si)
        if not (det > 0.0):
            return np.inf, m
        d2 = Si[0, 0] * dy0 * dy0 + 2.0 * Si[0, 1] * dy0 * dy1 + Si[1, 1] * dy1 * dy1
        if m == 3:
            d2 += 2.0 * Si[0, 2] * dy0 * dy2 + 2.0 * Si[1, 2] * dy1 * dy2 + Si[2, 2] * dy2 * dy2
        return d2, m
    s = ps[j]
    r0, az0 = range_azimuth_jac(px, py, pz, s, strig, origin_ecef, frame_rot, Hs)
    dy0 = prange[j] - r0
    dy1 = wrap_angle(paz[j] - az0)
    for a in range(2):
        for b in range(2):
            acc = 0.0
            for k in range(3):
                for l in range(3):
                    acc += Hs[a, k] * cand_P[c, k, l] * Hs[b, l]
            S[a, b] = acc
    S[0, 0] += ssig[s, 0] * ssig[s, 0]
    S[1, 1] += ssig[s, 1] * ssig[s, 1]
    det = inv_sym(S, 2, Si)
    if not (det > 0.0):
        return np.inf, 2
    return Si[0, 0] * dy0 * dy0 + 2.0 * Si[0, 1] * dy0 * dy1 + Si[1, 1] * dy1 * dy1, 2


@kernel(inline="always")
def _record(c, j, jj, d2, m, gate, cand, tsq, squawk, pair_c, pair_j, pair_d, pl_block, npairs):
    """Record the pair (candidate c, plot jj = row j - first row) if it gated (at most pair_c.shape[0] pairs);
    mark the plot blocked if the track could be its aircraft's.  Returns the number of pairs."""
    if d2 <= gate[m] and npairs < pair_c.shape[0]:
        pair_c[npairs] = c
        pair_j[npairs] = jj
        pair_d[npairs] = d2 - gate[m]
        npairs += 1
    if d2 <= gate[m] and (squawk[j] < 0 or tsq[cand[c]] < 0 or tsq[cand[c]] == squawk[j]):
        pl_block[jj] = True
    return npairs


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def gate_batch(tab, plots, sites, cfg, bt, work, sc, nc, maxprad):
    """Gate the batch's plots against its ``nc`` candidates: pairs into ``work.pair_*`` (at most
    ``work.pair_c.shape[0]``), blocks into ``work.pl_block``.  Returns the number of pairs."""
    tsq = tab.tsq
    pt = plots.time
    mtype = plots.mtype
    pos = plots.pos
    cov = plots.cov
    prange = plots.range
    paz = plots.azimuth
    ps = plots.sensor
    squawk = plots.squawk
    late = plots.late
    ssig = sites.sigma
    strig = sites.trig
    origin_ecef = sites.origin_ecef
    frame_rot = sites.frame_rot
    Hs = sc.Hs
    S = sc.S
    Si = sc.Si
    gate = work.gate
    cand = work.cand
    pair_c = work.pair_c
    pair_j = work.pair_j
    pair_d = work.pair_d
    pl_block = work.pl_block
    cand_xp = work.cand_xp
    cand_v = work.cand_v
    cand_P = work.cand_P
    cand_rad = work.cand_rad
    pl_rad = work.pl_rad
    oversize = work.oversize
    head = work.head
    nxt = work.nxt
    cix = work.cix
    ciy = work.ciy
    tst = work.tst
    cell_max = cfg.cell_max
    t_ref = bt.t_ref
    j0 = bt.j0
    npairs = 0
    if nc > 0:
        maxcrad = 0.0
        nover = 0
        for c in range(nc):
            if cand_rad[c] > cell_max:
                oversize[nover] = c
                nover += 1
            elif cand_rad[c] > maxcrad:
                maxcrad = cand_rad[c]
        cell = max(1000.0, maxcrad + maxprad)
        # spatial hash of the candidates' cells (each bucket a linked list; cells checked exactly)
        for c in range(nc):
            cix[c] = np.int64(math.floor(cand_xp[c, 0] / cell))
            ciy[c] = np.int64(math.floor(cand_xp[c, 1] / cell))
            if cand_rad[c] <= cell_max:
                bk = bucket(cix[c], ciy[c])
                nxt[c] = head[bk]
                head[bk] = c
        for jj in range(bt.j1 - j0):
            j = j0 + jj
            if late[j]:
                continue
            # the candidates to gate against plot j, in order, then one gate_d2 call site (compile time: each
            # inlined copy of the polar model is IR that Numba types and lowers again)
            nt = 0
            if pl_rad[jj] > cell_max:
                # huge plot uncertainty: test against every candidate
                for c in range(nc):
                    tst[nt] = c
                    nt += 1
            else:
                ix = np.int64(math.floor(pos[j, 0] / cell))
                iy = np.int64(math.floor(pos[j, 1] / cell))
                for cellk in range(9):
                    qx = ix + cellk // 3 - 1
                    qy = iy + cellk % 3 - 1
                    cur = head[bucket(qx, qy)]
                    while cur >= 0:
                        c = cur
                        cur = nxt[cur]
                        if cix[c] != qx or ciy[c] != qy:
                            continue
                        tst[nt] = c
                        nt += 1
                for k in range(nover):
                    tst[nt] = oversize[k]
                    nt += 1
            for k in range(nt):
                c = tst[k]
                d2, m = gate_d2(c, j, cand_xp, cand_v, cand_P, t_ref, pt, mtype, pos, cov, prange, paz, ps, ssig, strig,
                                origin_ecef, frame_rot, Hs, S, Si)
                npairs = _record(c, j, jj, d2, m, gate, cand, tsq, squawk, pair_c, pair_j, pair_d, pl_block, npairs)
    for c in range(nc):
        if cand_rad[c] <= cell_max:
            head[bucket(cix[c], ciy[c])] = -1
    return npairs


@kernel(inline="always")
def bucket(ix, iy):
    """Hash bucket of grid cell (ix, iy) (a spatial hash: O(n) build, no sort)."""
    return ((ix * 73856093) ^ (iy * 19349663)) & NBM
