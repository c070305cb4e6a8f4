"""The IMM {CV, CT +omega, CT -omega} step of one track slot with one plot (:func:`imm_step`).

Motion models and process noise: :mod:`tracker._kernels.kalman`; the update of one model by one plot:
:func:`tracker._kernels.measure.meas_update` (the three models' (range, azimuth) updates are interleaved here,
:func:`update_polar_models`, for speed).
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from radar._kernels.geodesy import ecef_to_geodetic_sincos, frame_to_ecef
from radar._kernels.measurement import local_up
from radar.constants import TWO_PI
from tracker._kernels.heights import hold_jacobian, vertical_var
from tracker._kernels.kalman import hold_vertical_k, process_noise, up_vector_approx
from tracker._kernels.kalman_unrolled import joseph_update_hpos1_k, joseph_update_hpos2_k
from tracker._kernels.measure import meas_update, range_azimuth_jac_geo, wrap_angle
from tracker._kernels.tables import borrow_plots, borrow_scratch, borrow_sites, borrow_table


@kernel(inline="always")
def predict_model(k, dt, omega, x0, P0, Q, xm, Pm, T):
    """xm[k] = F x0[k], Pm[k] = F P0[k] F^T + Q for the CV (omega = 0) or CT model k.

    :func:`tracker._kernels.kalman.transition_blocks` + :func:`~tracker._kernels.kalman.predict_blocks`
    with F's structural zeros skipped (B and G couple x-y only, z is CV) and the blocks indexed in place
    (no array views: reference counting and strided layouts; speed).  Bit-identical to them: the skipped
    terms are exact zeros and the remaining sums keep their order.
    """
    if abs(omega) < 1e-12:
        b00 = dt
        b01 = 0.0
        b10 = 0.0
        b11 = dt
        g00 = 1.0
        g01 = 0.0
        g10 = 0.0
        g11 = 1.0
    else:
        sn = math.sin(omega * dt)
        cs = math.cos(omega * dt)
        b00 = sn / omega
        b01 = -(1.0 - cs) / omega
        b10 = (1.0 - cs) / omega
        b11 = sn / omega
        g00 = cs
        g01 = -sn
        g10 = sn
        g11 = cs
    x3 = x0[k, 3]
    x4 = x0[k, 4]
    x5 = x0[k, 5]
    xm[k, 0] = x0[k, 0] + b00 * x3 + b01 * x4
    xm[k, 1] = x0[k, 1] + b10 * x3 + b11 * x4
    xm[k, 2] = x0[k, 2] + dt * x5
    xm[k, 3] = 0.0 + g00 * x3 + g01 * x4
    xm[k, 4] = 0.0 + g10 * x3 + g11 * x4
    xm[k, 5] = 0.0 + 1.0 * x5
    # T = F P: top rows P_p. + B P_v. ; bottom rows G P_v.
    for j in range(6):
        p3 = P0[k, 3, j]
        p4 = P0[k, 4, j]
        p5 = P0[k, 5, j]
        T[0, j] = P0[k, 0, j] + b00 * p3 + b01 * p4
        T[1, j] = P0[k, 1, j] + b10 * p3 + b11 * p4
        T[2, j] = P0[k, 2, j] + dt * p5
        T[3, j] = 0.0 + g00 * p3 + g01 * p4
        T[4, j] = 0.0 + g10 * p3 + g11 * p4
        T[5, j] = 0.0 + 1.0 * p5
    # Pm = T F^T + Q  (upper triangle, mirrored)
    for i in range(6):
        t3 = T[i, 3]
        t4 = T[i, 4]
        t5 = T[i, 5]
        c0 = T[i, 0] + t3 * b00 + t4 * b01
        c1 = T[i, 1] + t3 * b10 + t4 * b11
        c2 = T[i, 2] + t5 * dt
        c3 = 0.0 + t3 * g00 + t4 * g01
        c4 = 0.0 + t3 * g10 + t4 * g11
        c5 = 0.0 + t5 * 1.0
        if i <= 0:
            Pm[k, i, 0] = c0 + Q[i, 0]
            Pm[k, 0, i] = Pm[k, i, 0]
        if i <= 1:
            Pm[k, i, 1] = c1 + Q[i, 1]
            Pm[k, 1, i] = Pm[k, i, 1]
        if i <= 2:
            Pm[k, i, 2] = c2 + Q[i, 2]
            Pm[k, 2, i] = Pm[k, i, 2]
        if i <= 3:
            Pm[k, i, 3] = c3 + Q[i, 3]
            Pm[k, 3, i] = Pm[k, i, 3]
        if i <= 4:
            Pm[k, i, 4] = c4 + Q[i, 4]
            Pm[k, 4, i] = Pm[k, i, 4]
        Pm[k, i, 5] = c5 + Q[i, 5]
        Pm[k, 5, i] = Pm[k, i, 5]


@kernel(inline="always")
def update_polar_models(xm, Pm, L, j, prange, paz, modec, ps, ssig, strig, origin_ecef, frame_rot, mode_c_sigma, R,
                        y, up, Hs, hold_h, hold_var, hold_vvar, hw):
    """The three IMM models' :func:`tracker._kernels.measure.meas_update` with (range, azimuth) plot j (mtype 2):
    models (xm[k], Pm[k]) updated in place, log-likelihoods into L[k].  Returns (d2, m) of model 0.  hold_var > 0:
    the height is left out of the updates (:func:`tracker._kernels.heights.hold_jacobian`; local up of each
    model's predicted position) and then held at ``hold_h`` (:func:`tracker._kernels.kalman.hold_vertical_k`,
    scratch ``hw``).

    The same arithmetic as three calls of :func:`tracker._kernels.measure.meas_update`, in another order: each
    model's geodetic position (:func:`radar._kernels.geodesy.ecef_to_geodetic_sincos`, a chain of about 20
    dependent square roots and divisions) is computed for the three models one after another before their
    updates, once for the polar update and once for the Mode C update, so that the CPU overlaps the three
    independent chains (speed: the chains were about a sixth of the tracker's time); the Joseph updates work on
    the models in place (:func:`~tracker._kernels.kalman.joseph_update_hpos2_k`, no copies to and from scratch
    arrays).  Every result bit is unchanged."""
    s = ps[j]
    # polar update: geodetic positions of the three predicted states, then the three updates
    ex0, ey0, ez0 = frame_to_ecef(xm[0, 0], xm[0, 1], xm[0, 2], origin_ecef, frame_rot)
    ex1, ey1, ez1 = frame_to_ecef(xm[1, 0], xm[1, 1], xm[1, 2], origin_ecef, frame_rot)
    ex2, ey2, ez2 = frame_to_ecef(xm[2, 0], xm[2, 1], xm[2, 2], origin_ecef, frame_rot)
    sa0, ca0, sb0, cb0, h0 = ecef_to_geodetic_sincos(ex0, ey0, ez0)
    sa1, ca1, sb1, cb1, h1 = ecef_to_geodetic_sincos(ex1, ey1, ez1)
    sa2, ca2, sb2, cb2, h2 = ecef_to_geodetic_sincos(ex2, ey2, ez2)
    d2cv = np.inf
    mcv = 0
    ok = 0
    for k in range(3):
        # model k's point, then one call site of the polar model (compile time: each inlined copy is IR that Numba
        # types and lowers again)
        if k == 0:
            ex, ey, ez, sa, ca, sb, cb, hk = ex0, ey0, ez0, sa0, ca0, sb0, cb0, h0
        elif k == 1:
            ex, ey, ez, sa, ca, sb, cb, hk = ex1, ey1, ez1, sa1, ca1, sb1, cb1, h1
        else:
            ex, ey, ez, sa, ca, sb, cb, hk = ex2, ey2, ez2, sa2, ca2, sb2, cb2, h2
        r0, az0 = range_azimuth_jac_geo(ex, ey, ez, sa, ca, sb, cb, hk, s, strig, frame_rot, Hs)
        for a in range(3):
            y[a] = 0.0
            for b in range(3):
                R[a, b] = 0.0
        m = 2
        y[0] = prange[j] - r0
        y[1] = wrap_angle(paz[j] - az0)
        R[0, 0] = ssig[s, 0] * ssig[s, 0]
        R[1, 1] = ssig[s, 1] * ssig[s, 1]
        h_pred = 0.0
        if hold_var > 0.0:
            if k == 0:
                sl, cl, so, co, h_pred = sa0, ca0, sb0, cb0, h0
            elif k == 1:
                sl, cl, so, co, h_pred = sa1, ca1, sb1, cb1, h1
            else:
                sl, cl, so, co, h_pred = sa2, ca2, sb2, cb2, h2
            for i in range(3):
                up[i] = frame_rot[i, 0] * cl * co + frame_rot[i, 1] * cl * so + frame_rot[i, 2] * sl
            hold_jacobian(Hs, R, up, vertical_var(Pm, k, up))
        d2, det = joseph_update_hpos2_k(xm, Pm, k, y, Hs, R)  # in place (unchanged if det <= 0)
        if hold_var > 0.0:
            # the update moved the model across the local up only: its height is h_pred (to the curvature)
            hold_vertical_k(xm, Pm, k, up, hold_h - h_pred, hold_var, hold_vvar, hw)
        if not (det > 0.0):
            d2 = np.inf
            m = 0
            L[k] = -np.inf
        else:
            ok |= 1 << k
            L[k] = -0.5 * (d2 + m * math.log(TWO_PI) + math.log(det))
        if k == 0:
            d2cv = d2
            mcv = m
    if ok != 0 and math.isfinite(modec[j]):
        # Mode C: geodetic heights of the three updated states, then the three scalar updates
        ex0, ey0, ez0 = frame_to_ecef(xm[0, 0], xm[0, 1], xm[0, 2], origin_ecef, frame_rot)
        ex1, ey1, ez1 = frame_to_ecef(xm[1, 0], xm[1, 1], xm[1, 2], origin_ecef, frame_rot)
        ex2, ey2, ez2 = frame_to_ecef(xm[2, 0], xm[2, 1], xm[2, 2], origin_ecef, frame_rot)
        sa0, ca0, sb0, cb0, h0 = ecef_to_geodetic_sincos(ex0, ey0, ez0)
        sa1, ca1, sb1, cb1, h1 = ecef_to_geodetic_sincos(ex1, ey1, ez1)
        sa2, ca2, sb2, cb2, h2 = ecef_to_geodetic_sincos(ex2, ey2, ez2)
        for k in range(3):
            if (ok >> k) & 1 == 0:
                continue
            if k == 0:
                sl, cl, so, co, h = sa0, ca0, sb0, cb0, h0
            elif k == 1:
                sl, cl, so, co, h = sa1, ca1, sb1, cb1, h1
            else:
                sl, cl, so, co, h = sa2, ca2, sb2, cb2, h2
            # the local up (gradient of the height) of radar._kernels.measurement.geodetic_height_up_sincos
            local_up(sl, cl, so, co, frame_rot, up)
            for b in range(3):
                Hs[0, b] = up[b]
            y[0] = modec[j] - h
            R[0, 0] = mode_c_sigma * mode_c_sigma
            d2c, detc = joseph_update_hpos1_k(xm, Pm, k, y, Hs, R)  # in place (unchanged if det <= 0)
            if detc > 0.0:
                L[k] += -0.5 * (d2c + math.log(TWO_PI) + math.log(detc))
    return d2cv, mcv


@kernel
def imm_step(tab, i, dt, cfg, plots, j, sites, sc, hold_h, hold_var, hold_vvar):
    """One IMM cycle {CV, CT +omega, CT -omega} of track slot i: mixing, model predictions over dt, model
    updates with plot j, mode probabilities, combined estimate into (tab.x[i], tab.P[i]); the model states
    tab.xm[i], tab.Pm[i] and probabilities tab.mu[i] are updated.  Returns (d2 of the CV model, m).

    ``tab``, ``cfg``, ``plots``, ``sites``, ``sc``: :class:`~tracker._kernels.tables.TrackTable`,
    :class:`~tracker._kernels.tables.Settings` (omega, tau, q_h, q_v, earth_r, mc_sigma),
    :class:`~tracker._kernels.tables.PlotColumns`, :class:`~tracker._kernels.tables.Sites`,
    :class:`~tracker._kernels.tables.Scratch`.

    hold_var > 0: a (range, azimuth) plot leaves the height out of the model updates, and each model's
    height is then held at ``hold_h`` (m, geodetic) with variances ``hold_var``, ``hold_vvar`` along the
    local up (:func:`tracker._kernels.heights.hold_slot`).

    Transition matrix over dt: stay = exp(-|dt|/tau), switch to each other model (1 - stay)/2.
    Same sequence as FilterPy's IMMEstimator.predict(); update(z).

    Speed: the slot's arrays are read and written by index, and the models are worked on in the scratch
    arrays sc.xm (3, 6), sc.Pm (3, 6, 6), sc.mu (3,), sc.xk (6,), sc.Pk (6, 6), so that no array view is
    created (each view costs an atomic reference-count increment and decrement; they were about a quarter
    of the tracker's time).  The arithmetic, and so every result bit, is unchanged.
    """
    tab = borrow_table(tab)
    plots = borrow_plots(plots)
    sites = borrow_sites(sites)
    sc = borrow_scratch(sc)
    XM = tab.xm
    PM = tab.Pm
    MU = tab.mu
    X = tab.x
    PP = tab.P
    omega = cfg.omega
    tau = cfg.tau
    q_h = cfg.q_h
    q_v = cfg.q_v
    earth_r = cfg.earth_r
    mode_c_sigma = cfg.mc_sigma
    up = sc.up
    Q = sc.Q
    tmp = sc.tmp
    xm = sc.xm
    Pm = sc.Pm
    mu = sc.mu
    cbar = sc.cbar
    L = sc.L
    x0 = sc.x0
    P0 = sc.P0
    om = sc.om
    xk = sc.xk
    Pk = sc.Pk
    H = sc.H
    R = sc.R
    y = sc.y
    Hs = sc.Hs_w
    mtype = plots.mtype
    pos = plots.pos
    cov = plots.cov
    prange = plots.range
    paz = plots.azimuth
    modec = plots.mode_c
    ps = plots.sensor
    ssig = sites.sigma
    strig = sites.trig
    origin_ecef = sites.origin_ecef
    frame_rot = sites.frame_rot
    for k in range(3):
        mu[k] = MU[i, k]
        for a in range(6):
            xm[k, a] = XM[i, k, a]
            for b in range(6):
                Pm[k, a, b] = PM[i, k, a, b]
    stay = math.exp(-abs(dt) / tau)
    off = 0.5 * (1.0 - stay)
    for k in range(3):
        cbar[k] = 0.0
        for ii in range(3):
            cbar[k] += (stay if ii == k else off) * mu[ii]
    # mixing: x0_k = sum_i omega_ik x_i ; P0_k = sum_i omega_ik (P_i + (x_i - x0_k)(x_i - x0_k)^T)
    for k in range(3):
        for ii in range(3):
            om[ii, k] = (stay if ii == k else off) * mu[ii] / cbar[k]
    for k in range(3):
        for a in range(6):
            s = 0.0
            for ii in range(3):
                s += om[ii, k] * xm[ii, a]
            x0[k, a] = s
        for a in range(6):
            for b in range(a, 6):
                s = 0.0
                for ii in range(3):
                    s += om[ii, k] * (Pm[ii, a, b] + (xm[ii, a] - x0[k, a]) * (xm[ii, b] - x0[k, b]))
                P0[k, a, b] = s
                P0[k, b, a] = s
    d2cv = np.inf
    mcv = 0
    # one process noise for the three models (local up at the CV model's mixed position; the models'
    # positions differ by metres, the up direction by micro-radians)
    up_vector_approx(x0[0, 0], x0[0, 1], x0[0, 2], earth_r, up)
    process_noise(dt, q_h, q_v, up, Q)
    for k in range(3):
        predict_model(k, dt, 0.0 if k == 0 else (omega if k == 1 else -omega), x0, P0, Q, xm, Pm, tmp)
    if mtype[j] == 2:
        # (range, azimuth) plot: the three model updates phase by phase (speed: see update_polar_models)
        d2cv, mcv = update_polar_models(xm, Pm, L, j, prange, paz, modec, ps, ssig, strig, origin_ecef, frame_rot,
                                        mode_c_sigma, R, y, up, Hs, hold_h, hold_var, hold_vvar, tmp)
    else:
        for k in range(3):
            for a in range(6):
                xk[a] = xm[k, a]
                for b in range(6):
                    Pk[a, b] = Pm[k, a, b]
            d2, m, logl = meas_update(xk, Pk, j, mtype, pos, cov, prange, paz, modec, ps, ssig, strig, origin_ecef,
                                      frame_rot, mode_c_sigma, H, R, y, up, Hs, 0.0, 0.0, 0.0)
            for a in range(6):
                xm[k, a] = xk[a]
                for b in range(6):
                    Pm[k, a, b] = Pk[a, b]
            L[k] = logl
            if k == 0:
                d2cv = d2
                mcv = m
    lmax = max(L[0], max(L[1], L[2]))
    tot = 0.0
    for k in range(3):
        mu[k] = cbar[k] * math.exp(L[k] - lmax) if math.isfinite(L[k]) else 0.0
        tot += mu[k]
    if tot > 0.0:
        for k in range(3):
            mu[k] /= tot
    else:
        for k in range(3):
            mu[k] = cbar[k]
    for a in range(6):
        s = 0.0
        for k in range(3):
            s += mu[k] * xm[k, a]
        X[i, a] = s
    for a in range(6):
        for b in range(a, 6):
            s = 0.0
            for k in range(3):
                s += mu[k] * (Pm[k, a, b] + (xm[k, a] - X[i, a]) * (xm[k, b] - X[i, b]))
            PP[i, a, b] = s
            PP[i, b, a] = s
    for k in range(3):
        MU[i, k] = mu[k]
        for a in range(6):
            XM[i, k, a] = xm[k, a]
            for b in range(6):
                PM[i, k, a, b] = Pm[k, a, b]
    return d2cv, mcv
