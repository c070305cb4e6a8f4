"""Numba kernels of the synthetic radar feeds (plain arrays, SI units, no objects).

Pipeline (see :mod:`radar.feeds` for the public layer)::

    trajectories (waypoints) --eval_state--> target state at any t
    prepass: every ~10 s per flight x radar (geometry grid, range, elevation) -> visible intervals
    scan_plots: one task per (flight, radar, interval) -> one slot per antenna revolution
    false_plots: one task per (radar, revolution)

Random numbers are counter-based: every draw is ``hash(key0, key1, a, b, c, j)`` of the
stream key (from :func:`radar.rng.stream_key`) and integer coordinates (flight uid, radar
key, revolution, draw index), so no draw depends on the order tasks run in or on the
thread count.  The hash is SplitMix64's finaliser chained over the words (a bijection per
step with full avalanche); ``tests/oracles.py`` holds the NumPy twin.

The measurement model (4/3 Earth: what a radar measures of a target, and plots back to
positions) is :mod:`radar._kernels.measurement`; grid sampling (geometry grids, terrain) is
:mod:`radar._kernels.grid`.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel, prange
from radar._kernels.geodesy import geodetic_to_ecef_sc
from radar._kernels.grid import dem_sample, dem_sample_one, grid_bilinear  # noqa: F401 (dem_sample*: re-exported)
from radar._kernels.measurement import (
    bearing_from_site,
    elevation_sine,
    polar_to_enu_jacobian,
    range_elevation_from_site,
)
from radar.constants import TWO_PI, WGS84_A, WGS84_E2


# ------------------------------------------------------------------------------------------
# counter-based random numbers
@kernel
def _mix(x):
    # SplitMix64 finaliser (Steele, Lea & Flood 2014): x ^= x >> 30; x *= C1; x ^= x >> 27; x *= C2; x ^= x >> 31
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@kernel
def hash_u64(k0, k1, a, b, c, j):
    """64-bit hash of the key words and four integer coordinates (all reduced mod 2^64)."""
    return hash_last(hash_prefix(k0, k1, a, b, c), j)


@kernel(inline="always")
def hash_prefix(k0, k1, a, b, c):
    """The first five steps of :func:`hash_u64` (key words and three coordinates): the draws of one
    (flight, radar, revolution) share them, so the scan kernel computes them once per plot."""
    g = np.uint64(0x9E3779B97F4A7C15)
    h = _mix(np.uint64(k0) + g)
    h = _mix(h ^ (np.uint64(k1) + g))
    h = _mix(h ^ (np.uint64(a) + g))
    h = _mix(h ^ (np.uint64(b) + g))
    return _mix(h ^ (np.uint64(c) + g))


@kernel(inline="always")
def hash_last(hp, j):
    """The last step of :func:`hash_u64`: draw index j on a :func:`hash_prefix`."""
    return _mix(np.uint64(hp) ^ (np.uint64(j) + np.uint64(0x9E3779B97F4A7C15)))


@kernel(inline="always")
def uniform_p(hp, j):
    """:func:`uniform` on a :func:`hash_prefix` (the same bits)."""
    return (float(hash_last(hp, j) >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@kernel(inline="always")
def normal_p(hp, j):
    """:func:`normal` on a :func:`hash_prefix` (the same bits)."""
    u1 = uniform_p(hp, j)
    u2 = uniform_p(hp, j + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)


@kernel
def uniform(k0, k1, a, b, c, j):
    """Uniform in the open interval (0, 1): the top 53 bits of the hash, centred in their cell."""
    return uniform_p(hash_prefix(k0, k1, a, b, c), j)


@kernel
def normal(k0, k1, a, b, c, j):
    """Standard normal by Box-Muller from draws j and j + 1 (cosine branch)."""
    return normal_p(hash_prefix(k0, k1, a, b, c), j)


@kernel
def poisson(lam, k0, k1, a, b, c, j0):
    """Poisson(lam) by inversion of the CDF with one uniform (exact for any lam < ~700)."""
    u = uniform(k0, k1, a, b, c, j0)
    p = math.exp(-lam)
    s = p
    n = 0
    while u > s and n < 10000:
        n += 1
        p *= lam / n
        s += p
    return n


# ------------------------------------------------------------------------------------------
# trajectories
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
# geometry
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


@kernel(inline="always")
def aspect_gain(cos_psi, nose_db, beam_db, tail_db, norm):
    """RCS aspect factor g(psi)/mean(g): dB interpolated linearly in psi between nose (0), beam (pi/2), tail (pi)."""
    psi = math.acos(min(1.0, max(-1.0, cos_psi)))
    if psi <= 0.5 * math.pi:
        db = nose_db + (beam_db - nose_db) * psi / (0.5 * math.pi)
    else:
        db = beam_db + (tail_db - beam_db) * (psi - 0.5 * math.pi) / (0.5 * math.pi)
    return 10.0 ** (db / 10.0) / norm


@kernel(inline="always")
def swerling1_pd(rng, rcs, snr_ref, ref_range, ref_rcs, pfa):
    """Swerling-1 single-scan Pd: SNR = SNR_ref (rcs/rcs_ref) (R_ref/R)^4, Pd = Pfa^(1/(1+SNR))."""
    snr = snr_ref * (rcs / ref_rcs) * (ref_range / rng) ** 4
    return pfa ** (1.0 / (1.0 + snr))


# ------------------------------------------------------------------------------------------
@kernel
def _airborne(ph):
    return ph == 1 or ph == 3 or ph == 4


@kernel
def _prepass_flight(f, offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, step_s,
                    r_lat, r_lon, r_ecef, r_h_ant, r_grid, r_range, r_el_min, r_el_max, r_alt_max, r_scan, r_up,
                    gmin, gmax, lat0, dlat, lon0, dlon, kr, earth_r, out_f, out_r, out_ta, out_tb, pos, write, cap):
    """Visible intervals of one flight against every radar; writes the first ``cap`` from ``pos`` if
    ``write``; returns the count (which may exceed ``cap``)."""
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
        if _airborne(ph_wp[j]):
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
        ok[k] = _airborne(ph)
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
def prepass(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, step_s,
            r_lat, r_lon, r_ecef, r_h_ant, r_grid, r_range, r_el_min, r_el_max, r_alt_max, r_scan, r_up,
            gmin, gmax, lat0, dlat, lon0, dlon, kr, earth_r):
    """Coarse visible intervals: sample every ``step_s``; a visible sample opens [t - step - T, t + step + T]
    (T the radar's scan period); overlapping windows merge.  Returns (flight, radar, t_a, t_b) arrays,
    ordered by flight then radar then time (independent of the thread count)."""
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
    for f in prange(nf):
        counts[f] = _prepass_flight(f, offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, step_s, r_lat, r_lon,
                                    r_ecef, r_h_ant, r_grid, r_range, r_el_min, r_el_max, r_alt_max, r_scan, r_up,
                                    gmin, gmax, lat0, dlat, lon0, dlon, kr, earth_r, s_f, s_r, s_ta, s_tb,
                                    f * cap, True, cap)
    starts = np.zeros(nf + 1, np.int64)
    for f in range(nf):
        starts[f + 1] = starts[f] + counts[f]
    total = starts[nf]
    out_f = np.empty(total, np.int64)
    out_r = np.empty(total, np.int64)
    out_ta = np.empty(total)
    out_tb = np.empty(total)
    for f in prange(nf):
        c = counts[f]
        if c > cap:
            _prepass_flight(f, offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, step_s, r_lat, r_lon, r_ecef,
                            r_h_ant, r_grid, r_range, r_el_min, r_el_max, r_alt_max, r_scan, r_up, gmin, gmax, lat0, dlat,
                            lon0, dlon, kr, earth_r, out_f, out_r, out_ta, out_tb, starts[f], True, c)
        else:
            for q in range(c):
                out_f[starts[f] + q] = s_f[f * cap + q]
                out_r[starts[f] + q] = s_r[f * cap + q]
                out_ta[starts[f] + q] = s_ta[f * cap + q]
                out_tb[starts[f] + q] = s_tb[f * cap + q]
    return out_f, out_r, out_ta, out_tb


# ------------------------------------------------------------------------------------------
@kernel(parallel=True)
def scan_plots(task_f, task_r, task_ta, task_tb, slot_start,
               offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp,
               f_uid, f_rcs, f_xpdr, f_squawk,
               r_lat, r_lon, r_ecef, r_h_ant, r_grid, r_range, r_el_min, r_el_max, r_alt_max, r_scan, r_t0,
               r_kind, r_iff, r_key, r_snr_ref, r_ref_range, r_ref_rcs, r_pfa, r_pd_coop, r_sigma,
               gmin, gmax, lat0, dlat, lon0, dlon, kr, earth_r,
               nose_db, beam_db, tail_db, aspect_norm, notch_mps, mode_c_step_m, key0, key1,
               o_valid, o_time, o_range, o_az, o_el, o_dims, o_scan, o_mode_c, o_squawk):
    """One task per (flight, radar, interval): for every antenna revolution inside [t_a, t_b] find the
    instant the beam crosses the target (t = t0 + (theta(t)/2 pi) T + k T, solved by fixed point on the
    unwrapped azimuth), then detect and measure.  Task i owns slots slot_start[i]:slot_start[i+1].

    Draw indices per (flight uid, radar key, revolution): 0 primary detection, 1 reply, 2-7 noise.
    Radar kinds: 0 PSR_3D, 1 PSR_2D, 2 SSR.  Only valid slots (o_valid True) have their columns written,
    so the slot arrays may be reused scratch.
    """
    ntask = task_f.size
    for i in prange(ntask):
        f = task_f[i]
        r = task_r[i]
        ta = task_ta[i]
        tb = task_tb[i]
        slot = slot_start[i]
        slot_end = slot_start[i + 1]
        period = r_scan[r]
        t0 = r_t0[r]
        a = offsets[f]
        b = offsets[f + 1]
        t_first = t_wp[a]
        t_last = t_wp[b - 1]
        # speed: the site's latitude sine and cosine once per task (the same values in every view)
        s_rlat = math.sin(r_lat[r])
        c_rlat = math.cos(r_lat[r])
        rlon = r_lon[r]
        # speed: every evaluation starts its waypoint search at the previous one's segment
        g = a
        _p0, la0, lo0, _h0, g = eval_position_near(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f,
                                                   min(max(ta, t_first), t_last), g)
        thu = bearing_from_site(la0, lo0, rlon, s_rlat, c_rlat)
        k = math.ceil((ta - t0) / period - thu / TWO_PI)
        dthu = 0.0  # azimuth change per revolution, extrapolated to warm-start the next solve
        while slot < slot_end:
            thu_prev = thu
            thu = thu + dthu
            t = t0 + (k + thu / TWO_PI) * period
            ph = 0
            moved = 1.0
            la = np.nan
            lo = np.nan
            hh = np.nan
            az = np.nan
            for _it in range(4):
                tc = min(max(t, t_first), t_last)
                # the iteration needs only the position and azimuth; the velocity is below, for primaries
                ph, la, lo, hh, g = eval_position_near(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f, tc, g)
                az = bearing_from_site(la, lo, rlon, s_rlat, c_rlat)
                thu = az + TWO_PI * math.floor((thu - az) / TWO_PI + 0.5)
                tn = t0 + (k + thu / TWO_PI) * period
                moved = abs(tn - t)
                t = tn
                if moved < 1e-7:
                    break
            dthu = thu - thu_prev
            k += 1
            if t > tb:
                break
            if t < ta:
                continue
            if not (t >= t_first and t <= t_last):
                ph = 0
            elif moved > 1e-6:
                # not converged to 1 microsecond in 4 iterations: the state at the final instant
                ph, la, lo, hh, g = eval_position_near(offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f, t, g)
                az = bearing_from_site(la, lo, rlon, s_rlat, c_rlat)
            # else: the last iterate (< 1 us before t: < 1 mm of motion) is the measured state, and its
            # azimuth is the view's (the same expression at the same point)
            o_valid[slot] = False
            rev = int(math.floor((t - t0) / period + 1e-9))
            o_scan[slot] = rev
            o_time[slot] = t
            if _airborne(ph):
                lat = la
                lon = lo
                h = hh
                cl = math.cos(lat)
                # the measurement of the target (4/3-Earth model)
                rng, elv = range_elevation_from_site(lat, cl, lon, h, r_lat[r], c_rlat, rlon, r_h_ant[r], kr, earth_r)
                if visible(lat, lon, h, rng, elv, r_grid[r], gmin, gmax, lat0, dlat, lon0, dlon, r_range[r],
                           r_el_min[r], r_el_max[r], r_alt_max[r]):
                    uid = f_uid[f]
                    rk = r_key[r]
                    kind = r_kind[r]
                    # speed: the draws of this (flight, radar, revolution) share their hash prefix
                    hp = hash_prefix(key0, key1, uid, rk, rev)
                    detected = False
                    pd = np.nan
                    if kind != 2:
                        # target ECEF and velocity (eval_state's) at the measured state
                        sl = math.sin(lat)
                        so = math.sin(lon)
                        co = math.cos(lon)
                        px, py, pz, _n = geodetic_to_ecef_sc(sl, cl, so, co, h)
                        ve, vn, vu = segment_velocity(t_wp, lat_wp, lon_wp, h_wp, g, lat, h)
                        # line of sight target -> radar in the target's local ENU
                        dx = r_ecef[r, 0] - px
                        dy = r_ecef[r, 1] - py
                        dz = r_ecef[r, 2] - pz
                        de = -so * dx + co * dy
                        dn = -sl * co * dx - sl * so * dy + cl * dz
                        du = cl * co * dx + cl * so * dy + sl * dz
                        # radial velocity (m/s, positive receding) = -v . (radar - target) / R
                        vr = -(ve * de + vn * dn + vu * du) / rng
                        vh = math.sqrt(ve * ve + vn * vn)
                        dh = math.sqrt(de * de + dn * dn)
                        gain = 1.0
                        if vh > 1e-6 and dh > 1e-6:
                            gain = aspect_gain((ve * de + vn * dn) / (vh * dh), nose_db, beam_db, tail_db,
                                               aspect_norm)
                        pd = swerling1_pd(rng, f_rcs[f] * gain, r_snr_ref[r], r_ref_range[r], r_ref_rcs[r],
                                          r_pfa[r])
                        # MTI notch: Pd x min(1, (|v_r| / v_notch)^2)
                        if notch_mps > 0.0:
                            pd *= min(1.0, (vr / notch_mps) ** 2)
                        detected = uniform_p(hp, 0) < pd
                    reply = False
                    if f_xpdr[f] and (kind == 2 or r_iff[r]):
                        reply = uniform_p(hp, 1) < r_pd_coop[r]
                    if detected or reply:
                        o_valid[slot] = True
                        o_range[slot] = rng + r_sigma[r, 0] * normal_p(hp, 2)
                        azm = az + r_sigma[r, 1] * normal_p(hp, 4)
                        o_az[slot] = azm - TWO_PI * math.floor(azm / TWO_PI)
                        if kind == 0 and detected:
                            o_el[slot] = elv + r_sigma[r, 2] * normal_p(hp, 6)
                            o_dims[slot] = 3
                        else:
                            o_el[slot] = np.nan
                            o_dims[slot] = 2
                        if reply:
                            # Mode C: pressure altitude in 100 ft steps (MSL used as pressure altitude)
                            o_mode_c[slot] = mode_c_step_m * math.floor(h / mode_c_step_m + 0.5)
                            o_squawk[slot] = f_squawk[f]
                        else:
                            o_mode_c[slot] = np.nan
                            o_squawk[slot] = -1
            slot += 1


# ------------------------------------------------------------------------------------------
@kernel(inline="always")
def destination(lat, lon, az, dist, radius):
    """Point at great-circle distance ``dist`` (m) and initial bearing ``az`` (rad) on a sphere."""
    d = dist / radius
    sl = math.sin(lat)
    cl = math.cos(lat)
    lat2 = math.asin(sl * math.cos(d) + cl * math.sin(d) * math.cos(az))
    lon2 = lon + math.atan2(math.sin(az) * math.sin(d) * cl, math.cos(d) - sl * math.sin(lat2))
    return lat2, lon2


@kernel(parallel=True)
def false_plots(r_lat, r_lon, r_h_ant, r_grid, r_range, r_el_min, r_el_max, r_scan, r_t0, r_kind, r_key,
                r_lambda, task_r, rev_first, rev_last, slot_start, gmin, gmax, lat0, dlat, lon0, dlon,
                kr, earth_radius, h_cap, max_per_scan, max_tries, key0, key1,
                o_valid, o_time, o_range, o_az, o_el, o_dims, o_scan):
    """False plots: per radar and revolution, n ~ Poisson(lambda); each at range ~ U(0, R_inst) and azimuth
    ~ U(0, 2 pi) (density proportional to 1/R per unit area), redrawn (up to ``max_tries``) until the
    ground point is inside the visible region (finite min-visible height below the ceiling).  3D radars
    get a height uniform between the visible floor and min(ceiling, h_cap) and the 4/3-Earth elevation.
    Time: the beam's passage t0 + (rev + az/2 pi) T.  One task per (radar task_r[i], revolutions
    rev_first[i]..rev_last[i]); task i owns slots from slot_start[i], at most ``max_per_scan`` per
    revolution.  The draws are keyed by (radar, revolution), so how revolutions are split into tasks
    does not change the plots."""
    ntask = task_r.size
    for i in prange(ntask):
        r = task_r[i]
        period = r_scan[r]
        rk = r_key[r]
        nrev = rev_last[i] - rev_first[i] + 1
        for q in range(nrev):
            rev = rev_first[i] + q
            base = slot_start[i] + q * max_per_scan
            n = poisson(r_lambda[r], key0, key1, rk, rev, 0, 0)
            n = min(n, max_per_scan)
            for m in range(n):
                slot = base + m
                for tr in range(max_tries):
                    j = 1 + 4 * (m * max_tries + tr)
                    rng = r_range[r] * uniform(key0, key1, rk, rev, 1, j)
                    az = TWO_PI * uniform(key0, key1, rk, rev, 1, j + 1)
                    lat2, lon2 = destination(r_lat[r], r_lon[r], az, rng, earth_radius)
                    hmin = grid_bilinear(gmin, r_grid[r], lat2, lon2, lat0, dlat, lon0, dlon)
                    if not (hmin == hmin):
                        continue
                    hmax = grid_bilinear(gmax, r_grid[r], lat2, lon2, lat0, dlat, lon0, dlon)
                    top = h_cap
                    if hmax == hmax:
                        top = min(top, hmax)
                    if not (top >= hmin):
                        continue
                    o_valid[slot] = True
                    o_time[slot] = r_t0[r] + (rev + az / TWO_PI) * period
                    o_range[slot] = rng
                    o_az[slot] = az
                    o_scan[slot] = rev
                    if r_kind[r] == 0:
                        hh = hmin + (top - hmin) * uniform(key0, key1, rk, rev, 1, j + 2)
                        s = elevation_sine(rng, hh - r_h_ant[r], kr)
                        el = math.asin(min(1.0, max(-1.0, s)))
                        o_el[slot] = min(max(el, r_el_min[r]), r_el_max[r])
                        o_dims[slot] = 3
                    else:
                        o_el[slot] = np.nan
                        o_dims[slot] = 2
                    break


# ------------------------------------------------------------------------------------------
@kernel(parallel=True)
def convert_plots(r, az, el, mode_c, sensor, s_lat, s_lon, s_h, s_sig, s_is3, kr, earth_r, origin_ecef,
                  frame_rot, mode_c_sigma, unknown_sigma, out_x, out_y, out_z, out_cov):
    """Polar plots -> scenario ENU (out_x, out_y, out_z) and covariance (out_cov (n, 6)), the model of
    :func:`radar.measurement.convert_polar` (its oracle): exact 4/3-Earth conversion and analytic Jacobian
    (:func:`radar._kernels.measurement.polar_to_enu_jacobian`; the oracle differences the model, agreement
    ~1e-9 relative), 2D plots at the Mode C elevation (vertical sigma
    ``mode_c_sigma``) or at 0 elevation (``unknown_sigma``) along the local up.

    Speed: the sines and cosines of the sites' latitudes and longitudes are computed once per sensor (the
    same calls, so the same bits), not once per plot; x, y, z are written as separate contiguous
    columns (the plot table's layout, no copy afterwards)."""
    n = r.size
    ns = s_lat.size
    site = np.empty((ns, 4))
    for s in range(ns):
        site[s, 0] = math.sin(s_lat[s])
        site[s, 1] = math.cos(s_lat[s])
        site[s, 2] = math.sin(s_lon[s])
        site[s, 3] = math.cos(s_lon[s])
    chunk = 2048
    nchunk = (n + chunk - 1) // chunk
    for c_i in prange(nchunk):
        # buffers per chunk of plots (speed: no allocation per plot)
        J = np.empty((3, 3))
        u = np.empty(3)
        C = np.empty((3, 3))
        for i in range(c_i * chunk, min(n, (c_i + 1) * chunk)):
            _convert_one(i, r, az, el, mode_c, sensor, s_lon, s_h, s_sig, s_is3, site, kr, earth_r, origin_ecef,
                         frame_rot, mode_c_sigma, unknown_sigma, out_x, out_y, out_z, out_cov, J, u, C)


@kernel(inline="always")
def _convert_one(i, r, az, el, mode_c, sensor, s_lon, s_h, s_sig, s_is3, site, kr, earth_r, origin_ecef, frame_rot,
                 mode_c_sigma, unknown_sigma, out_x, out_y, out_z, out_cov, J, u, C):
    """One plot of :func:`convert_plots` (buffers J, u, C supplied by the caller; ``site[s]`` = sin, cos of
    sensor s's latitude, then of its longitude).

    Speed: position, Jacobian and local up come from one evaluation of the model
    (:func:`radar._kernels.measurement.polar_to_enu_jacobian`), which shares its sines and cosines."""
    s = sensor[i]
    lon = s_lon[s]
    h_ant = s_h[s]
    e = el[i]
    is3 = e == e
    sv = 0.0
    if not is3:
        sv = unknown_sigma
        e = 0.0
        if mode_c[i] == mode_c[i]:
            sn = elevation_sine(r[i], mode_c[i] - h_ant, kr)
            if abs(sn) <= 1.0:
                e = math.asin(sn)
                sv = mode_c_sigma
            else:
                e = 0.0
                sv = mode_c_sigma
    ri = r[i]
    azi = az[i]
    x, y, z, u[0], u[1], u[2] = polar_to_enu_jacobian(ri, math.sin(e), math.cos(e), math.sin(azi), math.cos(azi),
                                                      site[s, 0], site[s, 1], site[s, 2], site[s, 3], lon, h_ant,
                                                      kr, earth_r, origin_ecef, frame_rot, J)
    out_x[i] = x
    out_y[i] = y
    out_z[i] = z
    v0 = s_sig[s, 0] ** 2
    v1 = s_sig[s, 1] ** 2
    v2 = s_sig[s, 2] ** 2 if (is3 and s_is3[s]) else 0.0
    for k in range(3):
        for m in range(3):
            C[k, m] = J[k, 0] * v0 * J[m, 0] + J[k, 1] * v1 * J[m, 1] + J[k, 2] * v2 * J[m, 2] + sv * sv * u[k] * u[m]
    out_cov[i, 0] = C[0, 0]
    out_cov[i, 1] = 0.5 * (C[0, 1] + C[1, 0])
    out_cov[i, 2] = 0.5 * (C[0, 2] + C[2, 0])
    out_cov[i, 3] = C[1, 1]
    out_cov[i, 4] = 0.5 * (C[1, 2] + C[2, 1])
    out_cov[i, 5] = C[2, 2]


# ------------------------------------------------------------------------------------------
# proximity of trajectories (study windows)
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
def _unit_xyz(lat, lon, radius, out, k):
    # (cos lat cos lon, cos lat sin lon, sin lat) * radius: the order of the NumPy expression it replaces
    out[k, 0] = math.cos(lat) * math.cos(lon) * radius
    out[k, 1] = math.cos(lat) * math.sin(lon) * radius
    out[k, 2] = math.sin(lat) * radius


@kernel(parallel=True)
def near_targets(p_time, p_lat, p_lon, offsets, t_wp, lat_wp, lon_wp, h_wp, ph_wp, f_start, f_end, window_m,
                 radius, keep):
    """keep[i] = the ground point (p_lat, p_lon) of plot i lies within ``window_m`` (haversine on the sphere
    of ``radius``) of an airborne flight at p_time[i].  Iteration i writes only keep[i]."""
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
                if not _airborne(ph):
                    continue
                s1 = math.sin((buf[0] - p_lat[i]) / 2)
                s2 = math.sin((buf[1] - p_lon[i]) / 2)
                hav = s1 ** 2 + math.cos(buf[0]) * math.cos(p_lat[i]) * s2 ** 2
                hav = min(max(hav, 0.0), 1.0)
                if 2 * radius * math.asin(math.sqrt(hav)) <= window_m:
                    hit = True
                    break
            keep[i] = hit


# ------------------------------------------------------------------------------------------
# ------------------------------------------------------------------------------------------
@kernel(parallel=True)
def gather_plots(order, time_s, sensor, range_m, az, el, dims, mode_c, squawk, truth, scan,
                 o_time, o_sensor, o_range, o_az, o_el, o_dims, o_mode_c, o_squawk, o_truth, o_scan):
    """o_col[i] = col[order[i]] for the ten plot columns.  Speed: one pass that issues the ten
    independent loads of a row together (the memory latency of a random permutation overlaps), instead
    of ten NumPy fancy-indexing passes.  Iteration i writes only row i."""
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
def gather_slot_plots(order, key_src, key_task, task_f, task_r, s_time, s_range, s_az, s_el, s_dims, s_mode_c,
                      s_squawk, s_scan, f_time, f_sensor, f_range, f_az, f_el, f_dims, f_mode_c, f_squawk, f_truth,
                      f_scan, o_time, o_sensor, o_range, o_az, o_el, o_dims, o_mode_c, o_squawk, o_truth, o_scan):
    """Output row i = row order[i] of (target plots, then false plots): a target row p reads slot
    key_src[p] of the scan slots (sensor task_r, truth task_f of its task key_task[p]); a false row
    reads f_*[key_src[p]] (key_src[p] = -1 - k for false plot k).  Iteration i writes only row i."""
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
