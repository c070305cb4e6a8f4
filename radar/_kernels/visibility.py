"""Where a radar can see a flight: the geometry grids and the radar's limits, and the pre-pass of visible intervals.

:func:`visible` is the test of one point (between the grids' min and max visible heights, inside range,
elevation and altitude limits); :func:`prepass` samples every flight every ~10 s against every radar and
returns the coarse intervals that :func:`radar._kernels.scan.scan_plots` then resolves scan by scan.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel, prange
from radar._kernels.columns import Intervals
from radar._kernels.geodesy import geodetic_to_ecef_sc
from radar._kernels.grid import grid_bilinear
from radar._kernels.measurement import range_elevation_from_site
from radar._kernels.trajectory import airborne, eval_state_near


@kernel(inline="always")
def visible(lat, lon, h, rng, el, g, gmin, gmax, lat0, dlat, lon0, dlon, range_max, el_min, el_max, alt_max):
    """Geometry-visible and inside the radar's limits (no Pd): h between the grids' min and max
    visible heights at (lat, lon), range <= instrumented range, elevation and altitude limits."""
    if not (rng <= range_max and el >= el_min and el <= el_max and h <= alt_max):
        return False
    hmin = grid_bilinear(gmin, g, lat, lon, lat0, dlat, lon0, dlon)
    if not (h >= hmin):
        return False
    hmax = grid_bilinear(gmax, g, lat, lon, lat0, dlat, lon0, dlon)
    if hmax == hmax and h > hmax:  # NaN ceiling = no ceiling from the grid
        return False
    return True


@kernel
def _prepass_flight(f, traj, radars, grids, step_s, kr, earth_r, out, pos, write, cap):
    """Visible intervals of one flight against every radar (``traj``, ``radars``, ``grids``:
    :class:`~radar._kernels.columns.Trajectories`, :class:`~radar._kernels.columns.Radars`,
    :class:`~radar._kernels.columns.GeometryGrids`); writes the first ``cap`` into ``out``
    (:class:`~radar._kernels.columns.Intervals`) from ``pos`` if ``write``; returns the count (which may exceed
    ``cap``)."""
    offsets = traj.offsets
    t_wp = traj.t
    lat_wp = traj.lat
    lon_wp = traj.lon
    h_wp = traj.h
    ph_wp = traj.phase
    r_lat = radars.lat
    r_lon = radars.lon
    r_ecef = radars.ecef
    r_h_ant = radars.h_ant
    r_grid = radars.grid
    r_range = radars.range_max
    r_el_min = radars.el_min
    r_el_max = radars.el_max
    r_alt_max = radars.alt_max
    r_scan = radars.scan
    r_up = radars.up
    gmin = grids.gmin
    gmax = grids.gmax
    lat0 = grids.lat0
    dlat = grids.dlat
    lon0 = grids.lon0
    dlon = grids.dlon
    out_f = out.flight
    out_r = out.radar
    out_ta = out.t_a
    out_tb = out.t_b
    a = offsets[f]
    b = offsets[f + 1]
    t_first = t_wp[a]
    t_last = t_wp[b - 1]
    nstep = int(math.floor((t_last - t_first) / step_s)) + 2
    nr = r_h_ant.size
    lat = np.empty(nstep)
    lon = np.empty(nstep)
    h = np.empty(nstep)
    ok = np.zeros(nstep, np.bool_)
    ts = np.empty(nstep)
    xyz = np.empty((nstep, 3))
    cos_lat = np.empty(nstep)
    vis_k = np.zeros(nstep, np.bool_)
    incull = np.zeros(nstep, np.bool_)
    buf = np.empty(6)
    # speed: only the samples within one step of an airborne segment can be airborne (a drug flight's
    # hours on the strip are skipped); the others keep ok = False, as eval_state would give them
    need = np.zeros(nstep, np.bool_)
    for j in range(a, b - 1):
        if airborne(ph_wp[j]):
            k_lo = max(0, int(math.floor((t_wp[j] - t_first) / step_s)) - 1)
            k_hi = min(nstep - 1, int(math.ceil((t_wp[j + 1] - t_first) / step_s)) + 1)
            for k in range(k_lo, k_hi + 1):
                need[k] = True
    g = a
    for k in range(nstep):
        if not need[k]:
            continue
        t = min(t_first + k * step_s, t_last)
        ts[k] = t
        ph, g = eval_state_near(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f, t, buf, g)
        ok[k] = airborne(ph)
        lat[k] = buf[0]
        lon[k] = buf[1]
        h[k] = buf[2]
        if ok[k]:
            sl = math.sin(buf[0])
            cl = math.cos(buf[0])
            cos_lat[k] = cl
            px, py, pz, _n = geodetic_to_ecef_sc(sl, cl, math.sin(buf[1]), math.cos(buf[1]), buf[2])
            xyz[k, 0] = px
            xyz[k, 1] = py
            xyz[k, 2] = pz
    # largest chord between consecutive airborne samples (m)
    maxstep = 0.0
    prev = -1
    for k in range(nstep):
        if ok[k]:
            if prev >= 0:
                q = math.sqrt((xyz[k, 0] - xyz[prev, 0]) ** 2 + (xyz[k, 1] - xyz[prev, 1]) ** 2
                              + (xyz[k, 2] - xyz[prev, 2]) ** 2)
                maxstep = max(maxstep, q)
            prev = k
    maxstep = maxstep * (1.0 + 1e-9) + 1e-3
    count = 0
    for r in range(nr):
        if not r_up[r]:
            continue
        margin = step_s + r_scan[r]
        cos_r_lat = math.cos(r_lat[r])
        # speed: the straight chord differs from the 4/3-Earth slant range by < 2 km within 500 km, so a
        # chord beyond range + 5 km is out of range without the trigonometry of the measurement model
        cull = (r_range[r] + 5000.0) ** 2
        # speed: odd samples first; an even sample between two visible ones is not evaluated, because
        # its window [t - margin, t + margin] (margin > step) lies inside the union of its neighbours'
        # overlapping windows: the merged intervals are the same whatever its visibility
        # speed: samples within the chord cull, skipping ahead by the triangle inequality (consecutive
        # airborne samples are at most ``maxstep`` apart, so a sample at chord D > cull distance C is
        # followed by at least (D - C) / maxstep samples that are also beyond it)
        sqc = r_range[r] + 5000.0
        k = 0
        while k < nstep:
            incull[k] = False
            if not ok[k]:
                k += 1
                continue
            c2 = ((xyz[k, 0] - r_ecef[r, 0]) ** 2 + (xyz[k, 1] - r_ecef[r, 1]) ** 2
                  + (xyz[k, 2] - r_ecef[r, 2]) ** 2)
            if c2 <= cull:
                incull[k] = True
                k += 1
                continue
            gap = math.sqrt(c2) - sqc - 1.0  # 1 m against rounding
            adv = 1
            if maxstep > 0.0 and gap > maxstep:
                adv = int(gap / maxstep)
            elif maxstep <= 0.0 and gap > 0.0:
                adv = nstep
            for j in range(k + 1, min(k + adv, nstep)):
                incull[j] = False
            k += adv
        for parity in range(2):
            for k in range(1 - parity, nstep, 2):
                if parity == 1 and k > 0 and k < nstep - 1 and vis_k[k - 1] and vis_k[k + 1]:
                    vis_k[k] = True
                    continue
                vis = False
                if incull[k]:
                    rng, el = range_elevation_from_site(lat[k], cos_lat[k], lon[k], h[k], r_lat[r], cos_r_lat,
                                                        r_lon[r], r_h_ant[r], kr, earth_r)
                    # cheap range cull first (slant range > instrumented range + one step of flight)
                    if rng <= r_range[r]:
                        vis = visible(lat[k], lon[k], h[k], rng, el, r_grid[r], gmin, gmax, lat0, dlat,
                                      lon0, dlon, r_range[r], r_el_min[r], r_el_max[r], r_alt_max[r])
                vis_k[k] = vis
        run_open = False
        cur_a = 0.0
        cur_b = 0.0
        for k in range(nstep):
            vis = vis_k[k]
            if vis:
                ta = max(t_first, ts[k] - margin)
                tb = min(t_last, ts[k] + margin)
                if run_open and ta <= cur_b:
                    cur_b = tb
                else:
                    if run_open:
                        if write and count < cap:
                            out_f[pos + count] = f
                            out_r[pos + count] = r
                            out_ta[pos + count] = cur_a
                            out_tb[pos + count] = cur_b
                        count += 1
                    run_open = True
                    cur_a = ta
                    cur_b = tb
        if run_open:
            if write and count < cap:
                out_f[pos + count] = f
                out_r[pos + count] = r
                out_ta[pos + count] = cur_a
                out_tb[pos + count] = cur_b
            count += 1
    return count


@kernel(parallel=True)
def prepass(traj, radars, grids, step_s, kr, earth_r):
    """Coarse visible intervals: sample every ``step_s``; a visible sample opens [t - step - T, t + step + T]
    (T the radar's scan period); overlapping windows merge.  Returns the
    :class:`~radar._kernels.columns.Intervals` ordered by flight then radar then time (independent of the
    thread count)."""
    offsets = traj.offsets
    r_h_ant = radars.h_ant
    nf = offsets.size - 1
    nr = r_h_ant.size
    # speed: one pass into per-flight scratch rows of ``cap`` intervals; only a flight with more intervals
    # than that (rare) is computed a second time, straight into the output
    cap = 4 * nr + 4
    counts = np.zeros(nf, np.int64)
    s_f = np.empty(nf * cap, np.int64)
    s_r = np.empty(nf * cap, np.int64)
    s_ta = np.empty(nf * cap)
    s_tb = np.empty(nf * cap)
    scratch = Intervals(s_f, s_r, s_ta, s_tb)
    for f in prange(nf):
        counts[f] = _prepass_flight(f, traj, radars, grids, step_s, kr, earth_r, scratch, f * cap, True, cap)
    starts = np.zeros(nf + 1, np.int64)
    for f in range(nf):
        starts[f + 1] = starts[f] + counts[f]
    total = starts[nf]
    out_f = np.empty(total, np.int64)
    out_r = np.empty(total, np.int64)
    out_ta = np.empty(total)
    out_tb = np.empty(total)
    out = Intervals(out_f, out_r, out_ta, out_tb)
    for f in prange(nf):
        c = counts[f]
        if c > cap:
            _prepass_flight(f, traj, radars, grids, step_s, kr, earth_r, out, starts[f], True, c)
        else:
            for q in range(c):
                out_f[starts[f] + q] = s_f[f * cap + q]
                out_r[starts[f] + q] = s_r[f * cap + q]
                out_ta[starts[f] + q] = s_ta[f * cap + q]
                out_tb[starts[f] + q] = s_tb[f * cap + q]
    return out
