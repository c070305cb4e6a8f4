"""Numba kernels of the traffic generators: the study's background-traffic window
(:func:`scenarios.flights.traffic.near_drug_spans`) and the drug-flight router's terrain profiles."""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel, prange
# radar's kernels that the flights' public layer calls through this module (trajectory evaluation,
# terrain sampling, climb-limited profiles): nothing outside radar imports radar._kernels directly
from radar._kernels.grid import dem_sample, dem_sample_one  # noqa: F401
from radar._kernels.trajectory import airborne, arange_count, arange_value, eval_many, eval_state, slope_envelope  # noqa: F401
from radar._kernels.trajectory import unit_xyz
from radar.constants import EARTH_RADIUS_M


@kernel
def _hit(p, t, time_s, d2, distance_m, cand, ncand, first, dt, dx, maxstep):
    """Is the point p (1, 3) at time t within chord sqrt(d2) of a drug sample less than time_s away?"""
    tl = t - time_s - 1.0  # margins of 1 s: the exact time test is below
    th = t + time_s + 1.0
    for k in range(ncand):
        g = cand[k]
        lo = first[g]
        hi = first[g + 1]
        if lo == hi or dt[lo] > th or dt[hi - 1] < tl:
            continue
        while lo < hi:  # first sample of flight g with time >= tl
            mid = (lo + hi) // 2
            if dt[mid] < tl:
                lo = mid + 1
            else:
                hi = mid
        j = lo
        end = first[g + 1]
        ms = maxstep[g]
        while j < end and dt[j] <= th:
            q0 = dx[j, 0] - p[0, 0]
            q1 = dx[j, 1] - p[0, 1]
            q2 = dx[j, 2] - p[0, 2]
            c2 = q0 * q0 + q1 * q1 + q2 * q2
            if c2 <= d2 and abs(dt[j] - t) <= time_s:
                return True
            # skip the samples that the triangle inequality keeps farther than distance_m (1 m margin
            # against rounding); at least one step
            gap = math.sqrt(c2) - distance_m - 1.0
            if gap > 0.0 and ms <= 0.0:
                break
            adv = 1
            if gap > ms:
                adv = int(gap / ms)
            j += adv
    return False


@kernel(inline="always")
def _sample_hit(b_offsets, b_t, b_lat, b_lon, b_h, b_ph, f, t, bbuf, p, radius, time_s, d2, distance_m, cand, ncand,
                first, dt, dx, maxstep):
    """Is flight f of set b airborne at t and then :func:`_hit` (p, bbuf: scratch)?"""
    ph = eval_state(b_offsets, b_t, b_lat, b_lon, b_h, b_ph, f, t, bbuf)
    if not airborne(ph):
        return False
    unit_xyz(bbuf[0], bbuf[1], radius, p, 0)
    return _hit(p, t, time_s, d2, distance_m, cand, ncand, first, dt, dx, maxstep)


@kernel(parallel=True)
def near_spans(b_offsets, b_t, b_lat, b_lon, b_h, b_ph, d_offsets, d_t, d_lat, d_lon, d_h, d_ph,
               step_s, distance_m, time_s, radius, out_first, out_last):
    """Per flight f of set b: the first and last of its samples (``np.arange(start, end + step, step)``
    clipped to the end, airborne only) that lie within ``distance_m`` (chord on the sphere of ``radius``,
    geodetic latitude taken as spherical) of an airborne sample of set d less than ``time_s`` away, into
    ``out_first[f]``, ``out_last[f]`` (NaN: none).

    Speed: (1) a b flight is compared only with the d flights whose time span (+- time_s) overlaps its
    own and whose latitude/longitude box, widened by the largest angle a chord of ``distance_m`` can
    span, overlaps its waypoints' box (exact: positions are linear in (lat, lon) between waypoints, so
    every sample lies in the box of its flight's waypoints); (2) the d samples of a flight are in time
    order, so a b sample looks only at those less than ``time_s`` away (binary search) and skips ahead
    by the triangle inequality; (3) the first close sample is searched forwards, the last backwards.
    Iteration f writes only out_first[f], out_last[f]."""
    nd = d_offsets.size - 1
    nb = b_offsets.size - 1
    for f in range(nb):
        out_first[f] = np.nan
        out_last[f] = np.nan
    total = 0
    for f in range(nd):
        s = d_t[d_offsets[f]]
        e = d_t[d_offsets[f + 1] - 1]
        total += arange_count(s, e + step_s, step_s)
    dt = np.empty(total)
    dx = np.empty((total, 3))
    first = np.zeros(nd + 1, np.int64)
    maxstep = np.zeros(nd)
    box = np.empty((nd, 6))  # lat min, lat max, lon min, lon max, t min, t max of the airborne samples
    buf = np.empty(6)
    m = 0
    for f in range(nd):
        s = d_t[d_offsets[f]]
        e = d_t[d_offsets[f + 1] - 1]
        n = arange_count(s, e + step_s, step_s)
        delta2 = (s + step_s) - s
        box[f, 0] = np.inf
        box[f, 1] = -np.inf
        box[f, 2] = np.inf
        box[f, 3] = -np.inf
        box[f, 4] = np.inf
        box[f, 5] = -np.inf
        for i in range(n):
            t = min(arange_value(s, step_s, delta2, i), e)
            ph = eval_state(d_offsets, d_t, d_lat, d_lon, d_h, d_ph, f, t, buf)
            if airborne(ph):
                dt[m] = t
                unit_xyz(buf[0], buf[1], radius, dx, m)
                if m > first[f]:
                    q = math.sqrt((dx[m, 0] - dx[m - 1, 0]) ** 2 + (dx[m, 1] - dx[m - 1, 1]) ** 2
                                  + (dx[m, 2] - dx[m - 1, 2]) ** 2)
                    maxstep[f] = max(maxstep[f], q)
                box[f, 0] = min(box[f, 0], buf[0])
                box[f, 1] = max(box[f, 1], buf[0])
                box[f, 2] = min(box[f, 2], buf[1])
                box[f, 3] = max(box[f, 3], buf[1])
                box[f, 4] = min(box[f, 4], t)
                box[f, 5] = max(box[f, 5], t)
                m += 1
        first[f + 1] = m
    if m == 0 or nb == 0:
        return
    d2 = distance_m * distance_m
    # central angle of a chord of distance_m, plus a rounding margin
    half = min(1.0, distance_m / (2.0 * radius))
    theta = 2.0 * math.asin(half) + 1e-9
    for f in prange(nb):
        a = b_offsets[f]
        b = b_offsets[f + 1]
        s = b_t[a]
        e = b_t[b - 1]
        la0 = np.inf
        la1 = -np.inf
        lo0 = np.inf
        lo1 = -np.inf
        for w in range(a, b):
            la0 = min(la0, b_lat[w])
            la1 = max(la1, b_lat[w])
            lo0 = min(lo0, b_lon[w])
            lo1 = max(lo1, b_lon[w])
        cand = np.empty(nd, np.int64)
        ncand = 0
        for g in range(nd):
            if first[g + 1] == first[g]:
                continue
            if box[g, 4] > e + time_s + 1.0 or box[g, 5] < s - time_s - 1.0:
                continue
            if box[g, 0] > la1 + theta or box[g, 1] < la0 - theta:
                continue
            # hav(theta) >= cos(lat1) cos(lat2) hav(dlon): |dlon| <= 2 asin(sin(theta / 2) / cmin)
            cmin = math.cos(max(abs(la0), abs(la1), abs(box[g, 0]), abs(box[g, 1])) + theta)
            if cmin > 0.0:
                sh = math.sin(0.5 * theta) / cmin
                if sh < 1.0:
                    dlon = 2.0 * math.asin(sh) + 1e-9
                    if box[g, 2] > lo1 + dlon or box[g, 3] < lo0 - dlon:
                        continue
            cand[ncand] = g
            ncand += 1
        if ncand == 0:
            continue
        n = arange_count(s, e + step_s, step_s)
        delta2 = (s + step_s) - s
        bbuf = np.empty(6)
        p = np.empty((1, 3))
        i_first = -1
        # the first sample near a drug flight, then the last (searched backwards, down to the first)
        for i in range(n):
            t = min(arange_value(s, step_s, delta2, i), e)
            if _sample_hit(b_offsets, b_t, b_lat, b_lon, b_h, b_ph, f, t, bbuf, p, radius, time_s, d2, distance_m,
                           cand, ncand, first, dt, dx, maxstep):
                i_first = i
                out_first[f] = t
                break
        if i_first < 0:
            continue
        for i in range(n - 1, i_first - 1, -1):
            t = min(arange_value(s, step_s, delta2, i), e)
            if _sample_hit(b_offsets, b_t, b_lat, b_lon, b_h, b_ph, f, t, bbuf, p, radius, time_s, d2, distance_m,
                           cand, ncand, first, dt, dx, maxstep):
                out_last[f] = t
                break


@kernel
def max_terrain_gc(lat1_deg, lon1_deg, lat2_deg, lon2_deg, sample_m, skip_m, z, lat0, dlat, lon0, dlon):
    """Highest terrain (m) sampled along the great circle 1 -> 2 every <= ``sample_m``, ignoring the first
    and last ``skip_m`` of path; -inf if no sample is left.

    :meth:`scenarios.flights.threat.Router.max_terrain` in one loop (its oracle in tests/test_threat.py): the
    points of :func:`scenarios.flights.trajectory.densify` (``n = ceil(d / sample_m)`` slerp fractions), the
    bilinear sample of :func:`radar._kernels.grid.dem_sample` (NaN -> 0), the cumulative distance of
    :func:`scenarios.flights.trajectory.path_length_m` for the skip.  Speed: the dog-leg search of a day's drug
    flights asks for a few hundred such profiles, each a dozen small NumPy temporaries before."""
    R = EARTH_RADIUS_M
    p1 = math.radians(lat1_deg)
    l1 = math.radians(lon1_deg)
    p2 = math.radians(lat2_deg)
    l2 = math.radians(lon2_deg)
    s = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    d = 2.0 * math.asin(min(1.0, math.sqrt(s)))
    n = max(1, int(math.ceil(d * R / sample_m)))
    lat_deg = np.empty(n + 1)
    lon_deg = np.empty(n + 1)
    lat_deg[0] = math.degrees(p1)
    lon_deg[0] = math.degrees(l1)
    sd = math.sin(d)
    for k in range(1, n + 1):
        f = k / n
        if d < 1e-12:
            la = p2
            lo = l2
        else:
            a = math.sin((1 - f) * d) / sd
            b = math.sin(f * d) / sd
            x = a * math.cos(p1) * math.cos(l1) + b * math.cos(p2) * math.cos(l2)
            y = a * math.cos(p1) * math.sin(l1) + b * math.cos(p2) * math.sin(l2)
            zz = a * math.sin(p1) + b * math.sin(p2)
            la = math.atan2(zz, math.hypot(x, y))
            lo = math.atan2(y, x)
        lat_deg[k] = math.degrees(la)
        lon_deg[k] = math.degrees(lo)
    # cumulative path length (the skip), as path_length_m: from the degree values, segment by segment
    cum = np.zeros(n + 1)
    if skip_m > 0:
        for k in range(1, n + 1):
            q1 = math.radians(lat_deg[k - 1])
            q2 = math.radians(lat_deg[k])
            dl = math.radians(lon_deg[k]) - math.radians(lon_deg[k - 1])
            ss = math.sin((q2 - q1) / 2) ** 2 + math.cos(q1) * math.cos(q2) * math.sin(dl / 2) ** 2
            cum[k] = cum[k - 1] + 2.0 * math.asin(min(1.0, math.sqrt(ss))) * R
    best = -np.inf
    for k in range(n + 1):
        if skip_m > 0 and not (cum[k] >= skip_m and cum[k] <= cum[n] - skip_m):
            continue
        v = dem_sample_one(z, lat0, dlat, lon0, dlon, lat_deg[k], lon_deg[k])
        if v > best:
            best = v
    return best
