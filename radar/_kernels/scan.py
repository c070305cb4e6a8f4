"""The scan: what each antenna revolution detects and measures of each flight, and its false plots.

:func:`scan_plots` runs one task per (flight, radar, visible interval of :func:`radar._kernels.visibility.prepass`):
for every revolution it finds the instant the beam crosses the target, then detects (Swerling 1 with the
RCS aspect profile and the MTI notch; a transponder reply) and measures (range, azimuth, elevation with
noise; Mode C).  :func:`false_plots` draws each revolution's false alarms.  Draws: :mod:`radar._kernels.draws`.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel, prange
from radar._kernels.draws import hash_prefix, normal_p, poisson, uniform, uniform_p
from radar._kernels.geodesy import geodetic_to_ecef_sc
from radar._kernels.grid import grid_bilinear
from radar._kernels.measurement import bearing_from_site, elevation_sine, range_elevation_from_site
from radar._kernels.trajectory import airborne, eval_position_near, segment_velocity
from radar._kernels.visibility import visible
from radar.constants import TWO_PI


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


@kernel(parallel=True)
def scan_plots(tasks, traj, targets, radars, grids, model, out):
    """One task per (flight, radar, interval) (``tasks``: :class:`~radar._kernels.columns.ScanTasks`): for every
    antenna revolution inside [t_a, t_b] find the instant the beam crosses the target
    (t = t0 + (theta(t)/2 pi) T + k T, solved by fixed point on the unwrapped azimuth), then detect and
    measure.  Task i owns slots slot_start[i]:slot_start[i+1] of ``out``
    (:class:`~radar._kernels.columns.Slots`).  The flights' ``traj`` and ``targets``, the ``radars`` and their
    geometry ``grids``, the scalars of ``model`` (:class:`~radar._kernels.columns.ScanModel`).

    Draw indices per (flight uid, radar key, revolution): 0 primary detection, 1 reply, 2-7 noise.
    Radar kinds: 0 PSR_3D, 1 PSR_2D, 2 SSR.  Only valid slots (out.valid True) have their columns written,
    so the slot arrays may be reused scratch.
    """
    task_f = tasks.flight
    task_r = tasks.radar
    task_ta = tasks.t_a
    task_tb = tasks.t_b
    slot_start = tasks.slot_start
    offsets = traj.offsets
    t_wp = traj.t
    lat_wp = traj.lat
    lon_wp = traj.lon
    h_wp = traj.h
    ph_wp = traj.phase
    f_uid = targets.uid
    f_rcs = targets.rcs
    f_xpdr = targets.xpdr
    f_squawk = targets.squawk
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
    r_t0 = radars.t0
    r_kind = radars.kind
    r_iff = radars.iff
    r_key = radars.key
    r_snr_ref = radars.snr_ref
    r_ref_range = radars.ref_range
    r_ref_rcs = radars.ref_rcs
    r_pfa = radars.pfa
    r_pd_coop = radars.pd_coop
    r_sigma = radars.sigma
    gmin = grids.gmin
    gmax = grids.gmax
    lat0 = grids.lat0
    dlat = grids.dlat
    lon0 = grids.lon0
    dlon = grids.dlon
    kr = model.kr
    earth_r = model.earth_r
    nose_db = model.nose_db
    beam_db = model.beam_db
    tail_db = model.tail_db
    aspect_norm = model.aspect_norm
    notch_mps = model.notch_mps
    mode_c_step_m = model.mode_c_step_m
    key0 = model.key0
    key1 = model.key1
    o_valid = out.valid
    o_time = out.time
    o_range = out.range
    o_az = out.az
    o_el = out.el
    o_dims = out.dims
    o_scan = out.scan
    o_mode_c = out.mode_c
    o_squawk = out.squawk
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
            if airborne(ph):
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
def false_plots(radars, grids, tasks, model, out):
    """False plots: per radar and revolution, n ~ Poisson(lambda); each at range ~ U(0, R_inst) and azimuth
    ~ U(0, 2 pi) (density proportional to 1/R per unit area), redrawn (up to ``max_tries``) until the
    ground point is inside the visible region (finite min-visible height below the ceiling).  3D radars
    get a height uniform between the visible floor and min(ceiling, h_cap) and the 4/3-Earth elevation.
    Time: the beam's passage t0 + (rev + az/2 pi) T.  One task per (radar, revolutions rev_first..rev_last)
    (``tasks``: :class:`~radar._kernels.columns.FalseTasks`); task i owns slots of ``out``
    (:class:`~radar._kernels.columns.Slots`) from slot_start[i], at most ``max_per_scan`` per revolution
    (``model``: :class:`~radar._kernels.columns.FalseModel`).  The draws are keyed by (radar, revolution), so
    how revolutions are split into tasks does not change the plots."""
    r_lat = radars.lat
    r_lon = radars.lon
    r_h_ant = radars.h_ant
    r_grid = radars.grid
    r_range = radars.range_max
    r_el_min = radars.el_min
    r_el_max = radars.el_max
    r_scan = radars.scan
    r_t0 = radars.t0
    r_kind = radars.kind
    r_key = radars.key
    r_lambda = radars.false_rate
    task_r = tasks.radar
    rev_first = tasks.rev_first
    rev_last = tasks.rev_last
    slot_start = tasks.slot_start
    gmin = grids.gmin
    gmax = grids.gmax
    lat0 = grids.lat0
    dlat = grids.dlat
    lon0 = grids.lon0
    dlon = grids.dlon
    kr = model.kr
    earth_radius = model.earth_r
    h_cap = model.h_cap
    max_per_scan = model.max_per_scan
    max_tries = model.max_tries
    key0 = model.key0
    key1 = model.key1
    o_valid = out.valid
    o_time = out.time
    o_range = out.range
    o_az = out.az
    o_el = out.el
    o_dims = out.dims
    o_scan = out.scan
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
