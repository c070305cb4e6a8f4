"""Confirmation and deletion of tracks.

A tentative track is confirmed when ``confirm_m`` of its last ``confirm_n`` counted opportunities were
hits (``hist``); it gets its stable id then.  A track is deleted after ``delete_misses`` counted misses in
a row (a miss counts inside the strict sector, inside range, geometry-visible, and only for a sensor that
has fed the track), after ``max_unseen_s`` without a plot, or as a duplicate: a track whose plots keep
gating a better-informed track (one with a code, or else with an observed height, or else older) --
``duplicate_batches`` batches in a row in which it gets or shares a plot with it -- is that track's
aircraft (two tracks with different codes are two aircraft and never merge).
"""
from __future__ import annotations

import math

from radar._jit import kernel
from radar._kernels.geodesy import ecef_to_geodetic
from tracker._kernels.tables import S_CONFIRMED, S_DUPLICATES_DROPPED, S_MISSES


@kernel(inline="always")
def release(status, free, i, nfree):
    """Free slot i (deleted); returns the number of free slots."""
    status[i] = 0
    free[nfree] = i
    return nfree + 1


@kernel
def popcount(v):
    c = 0
    while v:
        c += v & 1
        v >>= 1
    return c


@kernel(inline="always")
def confirm(status, tid, i, next_id, stats):
    """Confirm slot i: status 3 and the next track id; returns the next id after it."""
    status[i] = 3
    tid[i] = next_id
    stats[S_CONFIRMED] += 1
    return next_id + 1


@kernel(inline="always")
def less_informed(a, b, tsq, hobs, status, tid, now, h_mem):
    """Track slot a knows less than slot b: rank 2 with a code, 1 with a height observed within h_mem,
    0 otherwise; at equal rank the younger (tentative before confirmed, then the later id or slot)."""
    ra = 2 if tsq[a] >= 0 else (1 if now - hobs[a] <= h_mem else 0)
    rb = 2 if tsq[b] >= 0 else (1 if now - hobs[b] <= h_mem else 0)
    if ra != rb:
        return ra < rb
    ca = status[a] == 3
    cb = status[b] == 3
    if ca != cb:
        return cb
    if ca:
        return tid[a] > tid[b]
    return a > b


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def drop_duplicates(tab, cfg, bt, work, nc, npairs, stats, nfree):
    """A plot assigned to one track that also gated another is evidence that the two are one aircraft; the
    less informed of the two (:func:`less_informed`) collects it, and is dropped after ``dup_batches``
    batches in a row with such evidence.  Returns the number of free slots."""
    status = tab.status
    tsq = tab.tsq
    hobs = tab.hobs
    tid = tab.tid
    dupn = tab.dupn
    free = tab.free
    cand = work.cand
    cand_dup = work.cand_dup
    cand_hit = work.cand_hit
    pl_assigned = work.pl_assigned
    pair_c = work.pair_c
    pair_j = work.pair_j
    for c in range(nc):
        cand_dup[c] = False
    for p in range(npairs):
        jj = pair_j[p]
        ca = pl_assigned[jj]
        c = pair_c[p]
        if ca < 0 or ca == c:
            continue
        ia = cand[ca]
        io = cand[c]
        if tsq[ia] >= 0 and tsq[io] >= 0 and tsq[ia] != tsq[io]:
            continue  # two codes: two aircraft
        if less_informed(ia, io, tsq, hobs, status, tid, bt.t_last, cfg.h_mem):
            cand_dup[ca] = True
        elif less_informed(io, ia, tsq, hobs, status, tid, bt.t_last, cfg.h_mem):
            cand_dup[c] = True
    for c in range(nc):
        i = cand[c]
        if status[i] == 0:
            continue
        if cand_dup[c]:
            dupn[i] += 1
            if dupn[i] >= cfg.dup_batches:
                nfree = release(status, free, i, nfree)
                stats[S_DUPLICATES_DROPPED] += 1
        elif cand_hit[c]:
            dupn[i] = 0
    return nfree


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def count_misses(tab, sensors, grids, cfg, bt, work, nc, stats, nfree):
    """Counted misses of the candidates not updated in batch ``bt``: inside the strict sector, inside the
    sensor's range, geometry-visible (``grids``) and fed by this sensor before; deletion after
    ``del_misses`` in a row.  Returns the number of free slots."""
    status = tab.status
    hist = tab.hist
    misses = tab.misses
    smask = tab.smask
    free = tab.free
    cand = work.cand
    cand_xp = work.cand_xp
    cand_hit = work.cand_hit
    cand_in = work.cand_in
    spos = sensors.position
    srmax = sensors.range_max
    origin_ecef = sensors.origin_ecef
    frame_rot = sensors.frame_rot
    gstack = grids.stack
    sgrid = grids.sensor_grid
    glat0 = grids.lat0
    gdlat = grids.dlat
    glon0 = grids.lon0
    gdlon = grids.dlon
    ns = spos.shape[0]
    s = bt.sensor
    hist_mask = cfg.hist_mask
    for c in range(nc):
        if cand_hit[c] or not cand_in[c]:
            continue
        i = cand[c]
        counted = True
        if bt.sensor_ok:
            dx = cand_xp[c, 0] - spos[s, 0]
            dy = cand_xp[c, 1] - spos[s, 1]
            dz = cand_xp[c, 2] - spos[s, 2]
            if dx * dx + dy * dy + dz * dz > srmax[s] * srmax[s]:
                counted = False
            elif sgrid.shape[0] == ns and sgrid[s] >= 0:
                ex = (frame_rot[0, 0] * cand_xp[c, 0] + frame_rot[1, 0] * cand_xp[c, 1] + frame_rot[2, 0] * cand_xp[c, 2]
                      + origin_ecef[0])
                ey = (frame_rot[0, 1] * cand_xp[c, 0] + frame_rot[1, 1] * cand_xp[c, 1] + frame_rot[2, 1] * cand_xp[c, 2]
                      + origin_ecef[1])
                ez = (frame_rot[0, 2] * cand_xp[c, 0] + frame_rot[1, 2] * cand_xp[c, 1] + frame_rot[2, 2] * cand_xp[c, 2]
                      + origin_ecef[2])
                la, lo_, hh = ecef_to_geodetic(ex, ey, ez)
                gi = int(round((glat0 - math.degrees(la)) / gdlat))
                gk = int(round((math.degrees(lo_) - glon0) / gdlon))
                g = sgrid[s]
                if gi < 0 or gk < 0 or gi >= gstack.shape[1] or gk >= gstack.shape[2]:
                    counted = False
                else:
                    v = gstack[g, gi, gk]
                    if not (hh >= v):
                        counted = False
        # a sensor that has never fed this track does not count misses against it (it may simply not
        # see the target: co-located PSR/SSR pairs, range or Pd limits without geometry grids)
        if (smask[i] >> min(s, 62)) & 1 == 0:
            counted = False
        if not counted:
            continue
        stats[S_MISSES] += 1
        hist[i] = (hist[i] << 1) & hist_mask
        misses[i] += 1
        if misses[i] >= cfg.del_misses:
            nfree = release(status, free, i, nfree)
    return nfree
