"""Trajectory evaluation: a flight's state at any time from its waypoints, and proximity of trajectories.

Trajectories are waypoint tables (:class:`radar._kernels.columns.Trajectories`): flight f owns rows
offsets[f]:offsets[f+1] of (t, lat, lon, h, phase), linear in (lat, lon, h) between waypoints; the velocity
is the segment's, in the local ENU frame at the evaluated point.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel, prange
from radar.constants import WGS84_A, WGS84_E2


@kernel
def airborne(ph):
    """A flight phase in which the aircraft flies (climb, cruise, descent; not on the ground)."""
    return ph == 1 or ph == 3 or ph == 4


@kernel(inline="always")
def segment_of(t_wp, a, b, t):
    """Waypoint segment of t in flight rows [a, b) (b - a >= 2, t_wp[a] <= t <= t_wp[b-1]): the last row
    g <= b - 2 with t_wp[g] <= t (binary search)."""
    lo = a
    hi = b - 1
    while hi - lo > 1:  # t_wp[lo] <= t < t_wp[hi]
        mid = (lo + hi) // 2
        if t_wp[mid] <= t:
            lo = mid
        else:
            hi = mid
    return lo


@kernel(inline="always")
def segment_near(t_wp, a, b, t, g):
    """:func:`segment_of` (the same row) with a guess ``g``: checks g and g + 1 first, then searches.

    Speed: successive evaluations of a flight (revolutions, fixed-point iterations, pre-pass steps)
    mostly fall in the segment of the previous one or the next; a flight has ~160 waypoints."""
    for q in range(g, g + 2):
        if q >= a and q <= b - 2 and t_wp[q] <= t and (q == b - 2 or t < t_wp[q + 1]):
            return q
    return segment_of(t_wp, a, b, t)


@kernel(inline="always")
def segment_point(t_wp, lat_wp, lon_wp, h_wp, g, t):
    """(lat, lon, h) at t, linear on segment g (the expressions of :func:`eval_state`)."""
    k = g + 1
    dt = t_wp[k] - t_wp[g]
    u = 0.0
    if dt > 0.0:
        u = (t - t_wp[g]) / dt
    lat = lat_wp[g] + u * (lat_wp[k] - lat_wp[g])
    lon = lon_wp[g] + u * (lon_wp[k] - lon_wp[g])
    h = h_wp[g] + u * (h_wp[k] - h_wp[g])
    return lat, lon, h


@kernel(inline="always")
def segment_velocity(t_wp, lat_wp, lon_wp, h_wp, g, lat, h):
    """(v_e, v_n, v_u) m/s local ENU on segment g at (lat, h) (the expressions of :func:`eval_state`)."""
    k = g + 1
    dt = t_wp[k] - t_wp[g]
    if dt > 0.0:
        sl = math.sin(lat)
        w = math.sqrt(1.0 - WGS84_E2 * sl * sl)
        nn = WGS84_A / w
        mm = WGS84_A * (1.0 - WGS84_E2) / (w * w * w)
        return ((nn + h) * math.cos(lat) * (lon_wp[k] - lon_wp[g]) / dt, (mm + h) * (lat_wp[k] - lat_wp[g]) / dt,
                (h_wp[k] - h_wp[g]) / dt)
    return 0.0, 0.0, 0.0


@kernel(inline="always")
def eval_state(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f, t, out):
    """State of flight f at time t: out = (lat, lon, h, v_e, v_n, v_u) (rad, rad, m, m/s local ENU).

    Returns the phase (0 outside the flight's span). Linear in (lat, lon, h) between waypoints.
    """
    a = offsets[f]
    b = offsets[f + 1]
    if b - a < 2 or not (t >= t_wp[a] and t <= t_wp[b - 1]):
        for i in range(6):
            out[i] = np.nan
        return 0
    g = segment_of(t_wp, a, b, t)
    lat, lon, h = segment_point(t_wp, lat_wp, lon_wp, h_wp, g, t)
    out[0] = lat
    out[1] = lon
    out[2] = h
    out[3], out[4], out[5] = segment_velocity(t_wp, lat_wp, lon_wp, h_wp, g, lat, h)
    return ph_wp[g]


@kernel(inline="always")
def eval_state_near(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f, t, out, g):
    """:func:`eval_state` with a segment guess ``g`` (:func:`segment_near`); returns (phase, segment)
    (segment unchanged outside the span).  The same state, bit for bit."""
    a = offsets[f]
    b = offsets[f + 1]
    if b - a < 2 or not (t >= t_wp[a] and t <= t_wp[b - 1]):
        for i in range(6):
            out[i] = np.nan
        return 0, g
    g = segment_near(t_wp, a, b, t, g)
    lat, lon, h = segment_point(t_wp, lat_wp, lon_wp, h_wp, g, t)
    out[0] = lat
    out[1] = lon
    out[2] = h
    out[3], out[4], out[5] = segment_velocity(t_wp, lat_wp, lon_wp, h_wp, g, lat, h)
    return ph_wp[g], g


@kernel(inline="always")
def eval_position_near(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f, t, g):
    """(phase, lat, lon, h, segment) of :func:`eval_state` at t -- the same expressions, without the
    velocity (speed: the scan kernel's fixed-point iterations need only the position), with a segment
    guess ``g`` (:func:`segment_near`; the segment is returned unchanged outside the span)."""
    a = offsets[f]
    b = offsets[f + 1]
    if b - a < 2 or not (t >= t_wp[a] and t <= t_wp[b - 1]):
        return 0, np.nan, np.nan, np.nan, g
    g = segment_near(t_wp, a, b, t, g)
    lat, lon, h = segment_point(t_wp, lat_wp, lon_wp, h_wp, g, t)
    return ph_wp[g], lat, lon, h, g


@kernel(parallel=True)
def eval_many(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, flights, times):
    """Vectorised :func:`eval_state`: (lat, lon, h, v (n,3), phase) for pairs (flights[i], times[i])."""
    n = flights.size
    lat = np.empty(n)
    lon = np.empty(n)
    h = np.empty(n)
    v = np.empty((n, 3))
    ph = np.empty(n, np.int8)
    for i in prange(n):
        buf = np.empty(6)
        ph[i] = eval_state(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, flights[i], times[i], buf)
        lat[i] = buf[0]
        lon[i] = buf[1]
        h[i] = buf[2]
        v[i, 0] = buf[3]
        v[i, 1] = buf[4]
        v[i, 2] = buf[5]
    return lat, lon, h, v, ph


# ------------------------------------------------------------------------------------------
# proximity of trajectories (study windows) and climb-limited profiles
@kernel
def arange_count(start, stop, step):
    """Length of ``np.arange(start, stop, step)``: ceil((stop - start) / step), at least 0."""
    n = math.ceil((stop - start) / step)
    return max(int(n), 0)


@kernel
def arange_value(start, step, delta2, i):
    """Value i of ``np.arange(start, ., step)`` exactly as NumPy fills it: start, start + step, then
    start + i * delta2 with delta2 = (start + step) - start (NumPy's ``fill`` rule)."""
    if i == 0:
        return start
    if i == 1:
        return start + step
    return start + i * delta2


@kernel
def unit_xyz(lat, lon, radius, out, k):
    # (cos lat cos lon, cos lat sin lon, sin lat) * radius: the order of the NumPy expression it replaces
    out[k, 0] = math.cos(lat) * math.cos(lon) * radius
    out[k, 1] = math.cos(lat) * math.sin(lon) * radius
    out[k, 2] = math.sin(lat) * radius


@kernel(parallel=True)
def near_targets(p_time, p_lat, p_lon, traj, f_start, f_end, window_m, radius, keep):
    """keep[i] = the ground point (p_lat, p_lon) of plot i lies within ``window_m`` (haversine on the sphere
    of ``radius``) of an airborne flight of ``traj`` (:class:`~radar._kernels.columns.Trajectories`; flight f
    spans f_start[f]..f_end[f]) at p_time[i].  Iteration i writes only keep[i]."""
    offsets = traj.offsets
    t_wp = traj.t
    lat_wp = traj.lat
    lon_wp = traj.lon
    h_wp = traj.h
    ph_wp = traj.phase
    n = p_time.size
    nf = f_start.size
    chunk = 256
    nchunk = (n + chunk - 1) // chunk
    for c in prange(nchunk):
        buf = np.empty(6)
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            t = p_time[i]
            hit = False
            for f in range(nf):
                if not (t >= f_start[f] and t <= f_end[f]):
                    continue
                ph = eval_state(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f, t, buf)
                if not airborne(ph):
                    continue
                s1 = math.sin((buf[0] - p_lat[i]) / 2)
                s2 = math.sin((buf[1] - p_lon[i]) / 2)
                hav = s1 ** 2 + math.cos(buf[0]) * math.cos(p_lat[i]) * s2 ** 2
                hav = min(max(hav, 0.0), 1.0)
                if 2 * radius * math.asin(math.sqrt(hav)) <= window_m:
                    hit = True
                    break
            keep[i] = hit


@kernel
def slope_envelope(h, ds, climb_grad, descent_grad):
    """In place: h[i] = max(h[i], h[i+1] - climb_grad ds[i]) backwards, then
    h[i] = max(h[i], h[i-1] - descent_grad ds[i-1]) forwards (the two passes of
    :func:`scenarios.flights.threat.climb_limited_profile`; ``max(a, b)`` as Python's: a unless b > a)."""
    n = h.size
    for i in range(n - 2, -1, -1):
        x = h[i + 1] - climb_grad * ds[i]
        if x > h[i]:
            h[i] = x
    for i in range(1, n):
        x = h[i - 1] - descent_grad * ds[i - 1]
        if x > h[i]:
            h[i] = x
