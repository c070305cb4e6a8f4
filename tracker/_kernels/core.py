"""The multi-target tracker loop (one compiled function over a whole plot sequence).

Struct-of-arrays track table (one row per slot, no object per track):

* ``status``: 0 free, 1 initiator (one plot, no velocity), 2 tentative, 3 confirmed;
* ``x`` (C, 6), ``P`` (C, 6, 6), ``t`` (time of the state), ``last_seen``, ``hist`` (bit k =
  hit at the k-th latest counted opportunity), ``misses`` (consecutive counted misses),
  ``tid`` (stable id, given at confirmation), ``squawk``, ``smask`` (bitmask of feeding sensors);
* IMM: per-model ``xm`` (C, 3, 6), ``Pm`` (C, 3, 6, 6), probabilities ``mu`` (C, 3).

Per batch (one sensor's plots within ``batch_fraction`` of its scan, see :func:`make_batches`):
candidate tracks = tracks inside the batch's swept sector (plus a gate margin); chi^2 gating
through a uniform horizontal grid (cell = largest gate radius, tracks with a larger gate
checked against every plot); clusters of gated pairs; optimal assignment per cluster
(:func:`tracker._kernels.assign.solve_lsap`, cost d^2 - gate and a zero-cost "no plot"
column per track); Kalman (CV) or IMM update of assigned tracks; counted misses for
unassigned tracks inside the strict sector, inside range and geometry-visible; two-point
initiation of the remaining plots against initiators; deletion after ``delete_misses``
counted misses or ``max_unseen_s`` without a plot.

Heights a track has not observed are held, not estimated: a (range, azimuth) plot without Mode C
updates a track whose last height observation (3D plot or Mode C, ``hobs``) is older than
``height_memory_s`` -- or that never had one -- with the height left out of the update: the position
Jacobian loses its component along the local up and the range noise gains the height's share,
(dr/dh)^2 var_h (a consider update, :func:`_hold_jacobian`), and the height is then set to a held value
and decoupled from the rest of the state (:func:`tracker._kernels.kalman.hold_vertical_k`).  The held
height lies between the terrain under the track and ``height_ceiling_m``: a track born from 2D plots
gets the low-level prior terrain + ``height_prior_agl_m`` (sigma ``height_prior_sigma_m``); a track that
lost its height observations keeps its last height, its sigma growing as the vertical process noise
would make it (capped at ``height_sigma_max_m``).  So the (range, azimuth) EKF never drives a height
kilometres away, and each output row carries its vertical sigma.

Initiation from 2D plots requires that no existing track can take them: a 2D plot left unassigned
that gated with a track (one without a code or with its own code) starts nothing -- it is a second
plot of an aircraft that already has a track.  And a track whose plots keep gating a better-informed
track (one with a code, or else with an observed height, or else older) -- ``duplicate_batches``
batches in a row in which it gets or shares a plot with it -- is that track's aircraft: it is dropped
(two tracks with different codes are two aircraft and never merge).

Status codes (returned): 0 ok, 1 track table full (caller doubles the capacity and reruns).
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import borrow, keep_alive, kernel
from radar._kernels.geodesy import ecef_to_geodetic, ecef_to_geodetic_sincos, frame_to_ecef, geodetic_to_ecef
from radar._kernels.grid import dem_sample_one
from radar._kernels.measurement import geodetic_height_up_sincos, local_up, range_azimuth_jacobian_sincos
from radar.constants import EARTH_RADIUS_M, EQUIVALENT_RADIUS_M, TWO_PI
from tracker._kernels.assign import solve_lsap
from tracker._kernels.kalman import (
    hold_vertical_k,
    inv_sym,
    joseph_update_hpos1,
    joseph_update_hpos2,
    predict,
    predict_blocks,
    predict_cv_inplace,
    transition_blocks,
    process_noise,
    process_noise_pos,
    up_vector_approx,
)
from tracker._kernels.kalman_unrolled import (
    joseph_update_hpos1_k,
    joseph_update_hpos2_k,
    joseph_update_position2,
    joseph_update_position3,
)

# parameter vector layout (see tracker.params.TrackerParams.to_array)
P_QH = 0
P_QV = 1
P_GATE1 = 2
P_GATE2 = 3
P_GATE3 = 4
P_VMAX = 5
P_CONFIRM_M = 6
P_CONFIRM_N = 7
P_DELETE_MISSES = 8
P_MAX_UNSEEN = 9
P_INIT_MAX_AGE = 10
P_WINDOW = 11
P_IMM = 12
P_OMEGA = 13
P_IMM_TAU = 14
P_CELL_MAX = 15
P_VZ_MAX = 16
P_BATCH_FRACTION = 17
P_INIT_MIN_DT = 18
P_EMIT_ON_UPDATE = 19
P_EARTH_R = 20
P_INIT_K = 21
P_MODE_C_SIGMA = 22
P_IMM_MU_CV = 23
P_FULL_BATCHES = 24
P_H_MEMORY = 25
P_H_PRIOR_AGL = 26
P_H_PRIOR_SIGMA = 27
P_H_CEILING = 28
P_H_SIGMA_MAX = 29
P_DUP_BATCHES = 30
N_PARAMS = 31

# stats vector layout
S_DROPPED_LATE = 0
S_UPDATES = 1
S_NIS_SUM_1 = 2
S_NIS_SUM_2 = 3
S_NIS_SUM_3 = 4
S_NIS_N_1 = 5
S_NIS_N_2 = 6
S_NIS_N_3 = 7
S_CONFIRMED = 8
S_INITIATED = 9
S_PLOTS_USED = 10
S_MISSES = 11
S_BATCHES = 12
S_PAIRS = 13
S_SLOTS_SCANNED = 14
S_CANDIDATES = 15
S_INIT_CANDIDATES = 16
S_HELD_UPDATES = 17
S_INIT_BLOCKED = 18
S_DUPLICATES_DROPPED = 19
N_STATS = 20


@kernel
def late_flags(pt, window):
    """Plots (in arrival order) older than the newest earlier plot minus ``window``: 1 = late (dropped)."""
    n = pt.shape[0]
    out = np.zeros(n, dtype=np.int8)
    tmax = -np.inf
    for j in range(n):
        if pt[j] < tmax - window:
            out[j] = 1
        elif pt[j] > tmax:
            tmax = pt[j]
    return out


@kernel
def make_batches(pt, sensor, scan_period, fraction, full):
    """Batch id of each plot (plots in arrival order).

    A batch holds one sensor's plots whose times lie within ``fraction * scan_period`` of the
    batch's first plot; with ``full`` (no sensors file), a batch is one distinct (time, sensor).
    """
    n = pt.shape[0]
    ns = scan_period.shape[0]
    bid = np.empty(n, dtype=np.int64)
    open_id = np.full(ns, -1, dtype=np.int64)
    open_t0 = np.zeros(ns)
    nb = 0
    for j in range(n):
        s = sensor[j]
        if full:
            ok = open_id[s] >= 0 and pt[j] == open_t0[s]
        else:
            ok = open_id[s] >= 0 and pt[j] - open_t0[s] <= fraction * scan_period[s] and pt[j] >= open_t0[s] - fraction * scan_period[s]
        if not ok:
            open_id[s] = nb
            open_t0[s] = pt[j]
            nb += 1
        bid[j] = open_id[s]
    return bid, nb


@kernel
def _mod(a, T):
    """a mod T in [0, T) (T > 0)."""
    return a - T * math.floor(a / T)


@kernel
def _wrap(a):
    return _mod(a + math.pi, TWO_PI) - math.pi


@kernel
def _popcount(v):
    c = 0
    while v:
        c += v & 1
        v >>= 1
    return c


@kernel
def sensor_trig(slat, slon, shant):
    """Per-sensor constants of the polar measurement model, computed once per run: (ns, 7) rows
    sin lat, cos lat, sin lon, cos lon, antenna ECEF x, y, z, antenna height (the same values
    :func:`radar._kernels.measurement.range_azimuth_jacobian_k` recomputes on every call)."""
    ns = slat.shape[0]
    out = np.zeros((max(ns, 1), 8))
    for s in range(ns):
        out[s, 0] = math.sin(slat[s])
        out[s, 1] = math.cos(slat[s])
        out[s, 2] = math.sin(slon[s])
        out[s, 3] = math.cos(slon[s])
        ax, ay, az = geodetic_to_ecef(slat[s], slon[s], shant[s])
        out[s, 4] = ax
        out[s, 5] = ay
        out[s, 6] = az
        out[s, 7] = shant[s]
    return out


@kernel(inline="always")
def _range_azimuth_jac(x, y, z, s, strig, origin_ecef, frame_rot, H):
    """(r, az) of sensor s at an ENU point and d(r, az)/d(x, y, z) into ``H`` (2, 3).

    The model of :func:`radar._kernels.measurement.range_azimuth_jacobian_k` (exact 4/3-Earth model for
    (r, az), straight-line local-ENU Jacobian) in its form on sines and cosines
    (:func:`radar._kernels.measurement.range_azimuth_jacobian_sincos`, speed: 4 transcendental calls instead
    of ~20): the sensor's sines, cosines and antenna ECEF position come from ``strig`` (:func:`sensor_trig`),
    the target's geodetic position as (sin, cos) pairs
    (:func:`radar._kernels.geodesy.ecef_to_geodetic_sincos`).  Agrees with the angle form to rounding
    (tests/test_tracker_core.py: < 1e-6 m, < 1e-12 rad).
    """
    ex, ey, ez = frame_to_ecef(x, y, z, origin_ecef, frame_rot)
    sl2, cl2, so2, co2, h = ecef_to_geodetic_sincos(ex, ey, ez)
    return _range_azimuth_jac_geo(ex, ey, ez, sl2, cl2, so2, co2, h, s, strig, frame_rot, H)


@kernel(inline="always")
def _range_azimuth_jac_geo(ex, ey, ez, sl2, cl2, so2, co2, h, s, strig, frame_rot, H):
    """:func:`_range_azimuth_jac` from the point's ECEF position and its geodetic (sin, cos) pairs and height
    (given by the caller, so that the IMM can compute the three models' geodetic chains together)."""
    return range_azimuth_jacobian_sincos(ex, ey, ez, sl2, cl2, so2, co2, h, strig[s, 0], strig[s, 1], strig[s, 2],
                                         strig[s, 3], strig[s, 4], strig[s, 5], strig[s, 6], strig[s, 7],
                                         EQUIVALENT_RADIUS_M, EARTH_RADIUS_M, frame_rot, H)


@kernel(inline="always")
def _hold_jacobian(Hs, R, u, var_h):
    """Leave the height out of a (range, azimuth) update (a consider update): the position Jacobian ``Hs``
    (2, 3) loses its component along the unit local up ``u``, and R (its 2 x 2 block) gains the noise the
    unknown height adds to the measurement, (Hs u)(Hs u)^T var_h::

        H' = H (I - u u^T),   R' = R + var_h (H u)(H u)^T

    With the vertical decoupled from the rest of the state (:func:`tracker._kernels.kalman.hold_vertical_k`),
    the gain then has no vertical component: the plot moves the track horizontally only."""
    hu0 = Hs[0, 0] * u[0] + Hs[0, 1] * u[1] + Hs[0, 2] * u[2]
    hu1 = Hs[1, 0] * u[0] + Hs[1, 1] * u[1] + Hs[1, 2] * u[2]
    for b in range(3):
        Hs[0, b] -= hu0 * u[b]
        Hs[1, b] -= hu1 * u[b]
    R[0, 0] += var_h * hu0 * hu0
    R[0, 1] += var_h * hu0 * hu1
    R[1, 0] += var_h * hu0 * hu1
    R[1, 1] += var_h * hu1 * hu1


@kernel(inline="always")
def _vertical_var_k(PP, k, u):
    """u^T P_pos u: the variance of slot k's position along the unit vector u."""
    s = 0.0
    for a in range(3):
        for b in range(3):
            s += u[a] * PP[k, a, b] * u[b]
    return s


@kernel(inline="always")
def _terrain_under(x, y, z, origin_ecef, frame_rot, tgrid, tlat0, tdlat, tlon0, tdlon):
    """(terrain height (m MSL) under an ENU point, the point's geodetic height (m)); terrain 0 without a
    terrain grid (tgrid with no rows) and outside it (:func:`radar._kernels.grid.dem_sample_one`)."""
    ex, ey, ez = frame_to_ecef(x, y, z, origin_ecef, frame_rot)
    sl, cl, so, co, h = ecef_to_geodetic_sincos(ex, ey, ez)
    ter = 0.0
    if tgrid.shape[0] > 0:
        ter = dem_sample_one(tgrid, tlat0, tdlat, tlon0, tdlon, math.degrees(math.atan2(sl, cl)),
                             math.degrees(math.atan2(so, co)))
    return ter, h


@kernel(inline="always")
def _held_height(t, hobs_t, h_now, ter, prior_agl, prior_sigma, ceiling, sigma_max, q_v, sigma_floor):
    """(held height (m), its variance (m^2)) of a track at time t whose height is not observed.

    Never observed (hobs_t = -inf): the low-level prior, min(terrain + prior_agl, ceiling), sigma
    prior_sigma.  Observed last at hobs_t: its present height clamped to [terrain, ceiling], variance
    sigma_floor^2 + q_v^2 tau^3 / 3 (what white vertical acceleration q_v adds over tau = t - hobs_t),
    capped at sigma_max^2."""
    if not (hobs_t > -np.inf):
        return min(ter + prior_agl, ceiling), prior_sigma * prior_sigma
    tau = max(t - hobs_t, 0.0)
    var = sigma_floor * sigma_floor + q_v * q_v * tau * tau * tau / 3.0
    return min(max(h_now, ter), ceiling), min(var, sigma_max * sigma_max)


@kernel(inline="always")
def _less_informed(a, b, tsq, hobs, status, tid, now, h_mem):
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


@kernel(inline="always")
def _hold_k(X, PP, k, h_target, var_p, var_v, origin_ecef, frame_rot, up, hw):
    """:func:`tracker._kernels.kalman.hold_vertical_k` on slot k at the held height ``h_target`` (the move
    along the local up that brings its geodetic height there; scratch ``hw``)."""
    h = geodetic_height_up_sincos(X[k, 0], X[k, 1], X[k, 2], origin_ecef, frame_rot, up)
    hold_vertical_k(X, PP, k, up, h_target - h, var_p, var_v, hw)


@kernel(inline="always")  # no call overhead (array arguments are reference counted per call)
def _meas_update(x, P, j, mtype, pos, cov, prange, paz, modec, ssig, ps, slat, slon, shant, strig, origin_ecef, frame_rot,
                 mode_c_sigma, H, R, y, up, w, hs_buf, hold_h, hold_var, hold_vvar):
    """Update (x, P) in place with plot j. Returns (d2, m, log-likelihood); m = 0 if skipped.  hold_var > 0:
    a (range, azimuth) plot leaves the height out (:func:`_hold_jacobian`), which is then held at ``hold_h``
    with variances ``hold_var``, ``hold_vvar`` (:func:`tracker._kernels.kalman.hold_vertical_k`; scratch H)."""
    for a in range(3):
        y[a] = 0.0
        for b in range(3):
            R[a, b] = 0.0
    mt = mtype[j]
    m = 0
    if mt == 0 or mt == 1:
        m = 3 if mt == 0 else 2
        R[0, 0] = cov[j, 0]
        R[0, 1] = cov[j, 1]
        R[1, 0] = cov[j, 1]
        R[1, 1] = cov[j, 3]
        if m == 3:
            R[0, 2] = cov[j, 2]
            R[2, 0] = cov[j, 2]
            R[1, 2] = cov[j, 4]
            R[2, 1] = cov[j, 4]
            R[2, 2] = cov[j, 5]
        for a in range(m):
            y[a] = pos[j, a] - x[a]
        if m == 3:
            d2, det = joseph_update_position3(x, P, y, R)
        else:
            d2, det = joseph_update_position2(x, P, y, R)
    else:
        s = ps[j]
        m = 2
        Hs = hs_buf
        r0, az0 = _range_azimuth_jac(x[0], x[1], x[2], s, strig, origin_ecef, frame_rot, Hs)
        y[0] = prange[j] - r0
        y[1] = _wrap(paz[j] - az0)
        R[0, 0] = ssig[s, 0] * ssig[s, 0]
        R[1, 1] = ssig[s, 1] * ssig[s, 1]
        h_pred = 0.0
        if hold_var > 0.0:
            h_pred = geodetic_height_up_sincos(x[0], x[1], x[2], origin_ecef, frame_rot, up)
            _hold_jacobian(Hs, R, up, _vertical_var_k(P.reshape((1, 6, 6)), 0, up))
        # H = [Hs 0]: structured Joseph update (speed)
        d2, det = joseph_update_hpos2(x, P, y, Hs, R)
        if hold_var > 0.0:
            # the update moved the point across the local up only: its height is h_pred to the curvature of
            # that move (< 1 m for 3 km), so one geodetic evaluation serves both
            hold_vertical_k(x.reshape((1, 6)), P.reshape((1, 6, 6)), 0, up, hold_h - h_pred, hold_var, hold_vvar, H)
    if not (det > 0.0):
        return np.inf, 0, -np.inf
    logl = -0.5 * (d2 + m * math.log(TWO_PI) + math.log(det))
    if mt != 0 and math.isfinite(modec[j]):
        # Mode C: scalar geodetic-height update (sigma mode_c_sigma); H = local up (gradient of height)
        h = geodetic_height_up_sincos(x[0], x[1], x[2], origin_ecef, frame_rot, up)
        Hs = hs_buf
        for b in range(3):
            Hs[0, b] = up[b]
        y[0] = modec[j] - h
        R[0, 0] = mode_c_sigma * mode_c_sigma
        # H = [up^T 0]: structured Joseph update (speed)
        d2c, detc = joseph_update_hpos1(x, P, y, Hs, R)
        if detc > 0.0:
            logl += -0.5 * (d2c + math.log(TWO_PI) + math.log(detc))
    return d2, m, logl


@kernel(inline="always")  # no call overhead (array arguments are reference counted per call)
def _gate_d2(c, j, cand_xp, cand_v, cand_P, t_ref, pt, mtype, pos, cov, prange, paz, ssig, ps, slat, slon, shant, strig,
             origin_ecef, frame_rot, Hs, S, Si):
    """Mahalanobis distance^2 between candidate c (predicted to t_ref, extrapolated to the plot time) and plot j."""
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
    r0, az0 = _range_azimuth_jac(px, py, pz, s, strig, origin_ecef, frame_rot, Hs)
    dy0 = prange[j] - r0
    dy1 = _wrap(paz[j] - az0)
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
def _predict_model(k, dt, omega, x0, P0, Q, xm, Pm, T):
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
def _imm_update_polar(xm, Pm, L, j, prange, paz, modec, ssig, ps, strig, origin_ecef, frame_rot, mode_c_sigma, R, y, up,
                      hs_buf, hold_h, hold_var, hold_vvar, hw):
    """The three IMM models' :func:`_meas_update` with (range, azimuth) plot j (mtype 2): models (xm[k], Pm[k])
    updated in place, log-likelihoods into L[k].  Returns (d2, m) of model 0.  hold_var > 0: the height is
    left out of the updates (:func:`_hold_jacobian`; local up of each model's predicted position) and then
    held at ``hold_h`` (:func:`tracker._kernels.kalman.hold_vertical_k`, scratch ``hw``).

    The same arithmetic as three calls of :func:`_meas_update`, in another order: each model's geodetic
    position (:func:`radar._kernels.geodesy.ecef_to_geodetic_sincos`, a chain of about 20 dependent square
    roots and divisions) is computed for the three models one after another before their updates, once for
    the polar update and once for the Mode C update, so that the CPU overlaps the three independent chains
    (speed: the chains were about a sixth of the tracker's time); the Joseph updates work on the models in place
    (:func:`~tracker._kernels.kalman.joseph_update_hpos2_k`, no copies to and from scratch arrays).  Every
    result bit is unchanged."""
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
    Hs = hs_buf
    for k in range(3):
        if k == 0:
            r0, az0 = _range_azimuth_jac_geo(ex0, ey0, ez0, sa0, ca0, sb0, cb0, h0, s, strig, frame_rot, Hs)
        elif k == 1:
            r0, az0 = _range_azimuth_jac_geo(ex1, ey1, ez1, sa1, ca1, sb1, cb1, h1, s, strig, frame_rot, Hs)
        else:
            r0, az0 = _range_azimuth_jac_geo(ex2, ey2, ez2, sa2, ca2, sb2, cb2, h2, s, strig, frame_rot, Hs)
        for a in range(3):
            y[a] = 0.0
            for b in range(3):
                R[a, b] = 0.0
        m = 2
        y[0] = prange[j] - r0
        y[1] = _wrap(paz[j] - az0)
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
            _hold_jacobian(Hs, R, up, _vertical_var_k(Pm, k, up))
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
def imm_step(XM, PM, MU, i, dt, omega, tau, q_h, q_v, earth_r, X, PP, j, mtype, pos, cov, prange, paz, modec,
             ssig, ps, slat, slon, shant, strig, origin_ecef, frame_rot, mode_c_sigma, H, R, y, up, w, F, Q, tmp,
             xm, Pm, mu, cbar, L, x0, P0, om, xk, Pk, hs_buf, hold_h, hold_var, hold_vvar):
    """One IMM cycle {CV, CT +omega, CT -omega} of track slot i: mixing, model predictions over dt, model
    updates with plot j, mode probabilities, combined estimate into (X[i], PP[i]); the model states
    XM[i], PM[i] and probabilities MU[i] are updated.  Returns (d2 of the CV model, m).

    hold_var > 0: a (range, azimuth) plot leaves the height out of the model updates, and each model's
    height is then held at ``hold_h`` (m, geodetic) with variances ``hold_var``, ``hold_vvar`` along the
    local up (:func:`_hold_k`).

    Transition matrix over dt: stay = exp(-|dt|/tau), switch to each other model (1 - stay)/2.
    Same sequence as FilterPy's IMMEstimator.predict(); update(z).

    Speed: the slot's arrays are read and written by index, and the models are worked on in the scratch
    arrays xm (3, 6), Pm (3, 6, 6), mu (3,), xk (6,), Pk (6, 6) given by the caller, so that no array view is
    created (each view costs an atomic reference-count increment and decrement; they were about a quarter
    of the tracker's time).  The arithmetic, and so every result bit, is unchanged.
    """
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
        _predict_model(k, dt, 0.0 if k == 0 else (omega if k == 1 else -omega), x0, P0, Q, xm, Pm, tmp)
    if mtype[j] == 2:
        # (range, azimuth) plot: the three model updates phase by phase (speed: see _imm_update_polar)
        d2cv, mcv = _imm_update_polar(xm, Pm, L, j, prange, paz, modec, ssig, ps, strig, origin_ecef, frame_rot,
                                      mode_c_sigma, R, y, up, hs_buf, hold_h, hold_var, hold_vvar, tmp)
    else:
        for k in range(3):
            for a in range(6):
                xk[a] = xm[k, a]
                for b in range(6):
                    Pk[a, b] = Pm[k, a, b]
            d2, m, logl = _meas_update(xk, Pk, j, mtype, pos, cov, prange, paz, modec, ssig, ps, slat, slon, shant,
                                       strig, origin_ecef, frame_rot, mode_c_sigma, H, R, y, up, w, hs_buf, 0.0, 0.0,
                                       0.0)
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


@kernel
def _lower_bound(a, n, key):
    """First index i in [0, n) with a[i] >= key (a sorted ascending), n if none."""
    lo = 0
    hi = n
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@kernel
def _sort_keys(keys, n, order, skeys):
    """Stable argsort of keys[:n] into order[:n], sorted keys into skeys[:n] (insertion sort when small: no allocation)."""
    if n <= 32:
        for i in range(n):
            k = keys[i]
            j = i - 1
            while j >= 0 and skeys[j] > k:
                skeys[j + 1] = skeys[j]
                order[j + 1] = order[j]
                j -= 1
            skeys[j + 1] = k
            order[j + 1] = i
        return
    o = np.argsort(keys[:n])  # quicksort: ties (same grid cell) in a fixed, input-determined order
    for i in range(n):
        order[i] = o[i]
        skeys[i] = keys[o[i]]


@kernel(inline="always")
def _bucket(ix, iy, mask):
    """Hash bucket of grid cell (ix, iy) (a spatial hash: O(n) build, no sort)."""
    return ((ix * 73856093) ^ (iy * 19349663)) & mask


@kernel
def _grid_keys(xs, ys, n, cell, keys):
    for i in range(n):
        ix = np.int64(math.floor(xs[i] / cell)) + 1073741824
        iy = np.int64(math.floor(ys[i] / cell)) + 1073741824
        keys[i] = ix * 2147483648 + iy


@kernel
def _emit(rows_f, rows_i, nrow, cap, time, tid, X, PP, i, t_state, q_h, q_v, earth_r, status, squawk, smask, up, Q):
    """Append one output row of slot i (state predicted from t_state to time); rows beyond cap are only
    counted.  Column 13: the vertical standard deviation sqrt(u^T P_pos u) (u the local up).  Slot arrays by
    index, no views (speed: see :func:`imm_step`)."""
    if nrow < cap:
        dt = time - t_state
        for a in range(3):
            rows_f[nrow, 1 + a] = X[i, a] + dt * X[i, 3 + a]
            rows_f[nrow, 4 + a] = X[i, 3 + a]
        up_vector_approx(X[i, 0], X[i, 1], X[i, 2], earth_r, up)
        process_noise_pos(dt, q_h, q_v, up, Q)  # Q[:3, :3] only (the rest is not read here)
        k = 7
        for a in range(3):
            for b in range(a, 3):
                rows_f[nrow, k] = (PP[i, a, b] + dt * (PP[i, a, b + 3] + PP[i, a + 3, b]) + dt * dt * PP[i, a + 3, b + 3]
                                   + Q[a, b])
                k += 1
        # u^T C u with C = rows 7..12 (xx, xy, xz, yy, yz, zz)
        vv = (up[0] * up[0] * rows_f[nrow, 7] + up[1] * up[1] * rows_f[nrow, 10] + up[2] * up[2] * rows_f[nrow, 12]
              + 2.0 * (up[0] * up[1] * rows_f[nrow, 8] + up[0] * up[2] * rows_f[nrow, 9] + up[1] * up[2] * rows_f[nrow, 11]))
        rows_f[nrow, 13] = math.sqrt(max(vv, 0.0))
        rows_f[nrow, 0] = time
        rows_i[nrow, 0] = tid
        rows_i[nrow, 1] = status
        rows_i[nrow, 2] = squawk
        rows_i[nrow, 3] = smask
    return nrow + 1


@kernel
def run_tracker(pt, proc, ps, mtype, pos, cov, prange, paz, modec, squawk, late, bstart,
                has_sensors, spos, srot, slat, slon, shant, sscan, srmax, ssig, origin_ecef, frame_rot,
                gstack, sgrid, glat0, gdlat, glon0, gdlon,
                tgrid, tlat0, tdlat, tlon0, tdlon,
                params, out_times, capacity, rows_f, rows_i, stats):
    """Track all batches.  Plots are given batch by batch (batch b = plots bstart[b]:bstart[b+1]).

    Terrain (m MSL, rows north to south, first cell centre tlat0, tlon0 deg, steps tdlat, tdlon deg; no
    rows: terrain 0) bounds held heights from below.

    Output rows: rows_f (R, 14) = time, x, y, z, vx, vy, vz, Pxx, Pxy, Pxz, Pyy, Pyz, Pzz, sigma_v;
    rows_i (R, 4) = track id, status, squawk, sensor mask.  Rows are written at every
    ``out_times`` value (snapshot of confirmed tracks) and, if params[P_EMIT_ON_UPDATE], after
    every update of a confirmed track (at the batch's processing time).
    Returns (status, number of rows needed, number of confirmed ids).
    """
    q_h = params[P_QH]
    q_v = params[P_QV]
    gate = np.array([0.0, params[P_GATE1], params[P_GATE2], params[P_GATE3]])
    v_max = params[P_VMAX]
    conf_m = int(params[P_CONFIRM_M])
    conf_n = int(params[P_CONFIRM_N])
    hist_mask = (1 << conf_n) - 1
    del_misses = int(params[P_DELETE_MISSES])
    max_unseen = params[P_MAX_UNSEEN]
    init_age = params[P_INIT_MAX_AGE]
    imm = params[P_IMM] > 0.5
    omega = params[P_OMEGA]
    tau = params[P_IMM_TAU]
    cell_max = params[P_CELL_MAX]
    vz_max = params[P_VZ_MAX]
    init_min_dt = params[P_INIT_MIN_DT]
    emit_upd = params[P_EMIT_ON_UPDATE] > 0.5
    earth_r = params[P_EARTH_R]
    init_k = params[P_INIT_K]
    mc_sigma = params[P_MODE_C_SIGMA]
    mu_cv = params[P_IMM_MU_CV]
    full_batches = params[P_FULL_BATCHES] > 0.5
    h_mem = params[P_H_MEMORY]
    h_agl = params[P_H_PRIOR_AGL]
    h_sig = params[P_H_PRIOR_SIGMA]
    h_ceil = params[P_H_CEILING]
    h_smax = params[P_H_SIGMA_MAX]
    hold_vvar = vz_max * vz_max / 9.0  # vertical velocity variance of a held height (sigma vz_max / 3)
    dup_batches = int(params[P_DUP_BATCHES])

    C = capacity
    status = np.zeros(C, dtype=np.int8)
    x = np.zeros((C, 6))
    P = np.zeros((C, 6, 6))
    t = np.zeros(C)
    last_seen = np.zeros(C)
    hist = np.zeros(C, dtype=np.int64)
    misses = np.zeros(C, dtype=np.int64)
    tid = np.full(C, -1, dtype=np.int64)
    tsq = np.full(C, -1, dtype=np.int64)
    smask = np.zeros(C, dtype=np.int64)
    hobs = np.full(C, -np.inf)  # time of the last height observation (3D plot or Mode C), -inf never
    dupn = np.zeros(C, dtype=np.int64)  # consecutive batches sharing plots with a better-informed track
    cimm = C if imm else 1
    xm = np.zeros((cimm, 3, 6))
    Pm = np.zeros((cimm, 3, 6, 6))
    mu = np.zeros((cimm, 3))
    free = np.empty(C, dtype=np.int64)
    for i in range(C):
        free[i] = C - 1 - i
    nfree = C
    hiwater = 0  # slots >= hiwater have never been used (free list pops the lowest index first)
    next_id = 0
    ns = spos.shape[0]
    last_end = np.full(ns, np.nan)
    strig = sensor_trig(slat, slon, shant)

    # work buffers
    w = np.empty((6, 6, 6))
    Hs_w = np.zeros((2, 3))
    H = np.zeros((3, 6))
    R = np.zeros((3, 3))
    y = np.zeros(3)
    up = np.zeros(3)
    F = np.zeros((6, 6))
    Q = np.zeros((6, 6))
    tmp = np.zeros((6, 6))
    S = np.zeros((3, 3))
    Si = np.zeros((3, 3))
    Hs = np.zeros((2, 3))
    imm_xm = np.zeros((3, 6))
    imm_Pm = np.zeros((3, 6, 6))
    imm_mu = np.zeros(3)
    imm_cbar = np.zeros(3)
    imm_L = np.zeros(3)
    xk = np.zeros(6)
    Pk = np.zeros((6, 6))
    R1buf = np.zeros((3, 3))
    Rjbuf = np.zeros((3, 3))
    imm_x0 = np.zeros((3, 6))
    imm_P0 = np.zeros((3, 6, 6))
    imm_om = np.zeros((3, 3))
    cand = np.empty(C, dtype=np.int64)
    cand_xp = np.empty((C, 3))
    cand_v = np.empty((C, 3))
    cand_P = np.empty((C, 3, 3))
    cand_rad = np.empty(C)
    cand_in = np.zeros(C, dtype=np.bool_)
    cand_hit = np.zeros(C, dtype=np.bool_)
    keys = np.empty(C, dtype=np.int64)
    nbmax = 1
    nbatch = bstart.shape[0] - 1
    for b in range(nbatch):
        nbmax = max(nbmax, bstart[b + 1] - bstart[b])
    pl_rad = np.empty(nbmax)
    pl_assigned = np.full(nbmax, -1, dtype=np.int64)
    pl_block = np.zeros(nbmax, dtype=np.bool_)  # gated with a track that could be its aircraft's
    cand_dup = np.zeros(C, dtype=np.bool_)
    max_pairs = 64 * nbmax + 64
    pair_c = np.empty(max_pairs, dtype=np.int64)
    pair_j = np.empty(max_pairs, dtype=np.int64)
    pair_d = np.empty(max_pairs)
    parent = np.empty(C + nbmax, dtype=np.int64)
    loc_c = np.full(C, -1, dtype=np.int64)
    loc_j = np.full(nbmax, -1, dtype=np.int64)
    grp_c = np.empty(C, dtype=np.int64)
    grp_j = np.empty(nbmax, dtype=np.int64)
    oversize = np.empty(C, dtype=np.int64)
    inits = np.empty(C, dtype=np.int64)
    init_keys = np.empty(C, dtype=np.int64)
    order = np.empty(C, dtype=np.int64)
    skeys = np.empty(C, dtype=np.int64)
    iorder = np.empty(C, dtype=np.int64)
    iskeys = np.empty(C, dtype=np.int64)
    icell = 1000.0
    NBM = 8191  # hash buckets - 1
    head = np.full(NBM + 1, -1, dtype=np.int64)
    ihead = np.full(NBM + 1, -1, dtype=np.int64)
    nxt = np.empty(C, dtype=np.int64)
    inxt = np.empty(C, dtype=np.int64)
    cix = np.empty(C, dtype=np.int64)
    ciy = np.empty(C, dtype=np.int64)
    iix = np.empty(C, dtype=np.int64)
    iiy = np.empty(C, dtype=np.int64)
    ixs = np.empty(max(C, nbmax))
    iys = np.empty(max(C, nbmax))

    # Borrowed views (no owner) for the loops below: their reference counting is a test and a branch
    # instead of two atomic operations per use (speed: radar._jit.borrow).  The arguments are owned by the
    # caller; the *_own aliases keep the local arrays alive until keep_alive() at each return.
    pt = borrow(pt)
    proc = borrow(proc)
    ps = borrow(ps)
    mtype = borrow(mtype)
    pos = borrow(pos)
    cov = borrow(cov)
    prange = borrow(prange)
    paz = borrow(paz)
    modec = borrow(modec)
    squawk = borrow(squawk)
    late = borrow(late)
    bstart = borrow(bstart)
    spos = borrow(spos)
    srot = borrow(srot)
    slat = borrow(slat)
    slon = borrow(slon)
    shant = borrow(shant)
    sscan = borrow(sscan)
    srmax = borrow(srmax)
    ssig = borrow(ssig)
    origin_ecef = borrow(origin_ecef)
    frame_rot = borrow(frame_rot)
    gstack = borrow(gstack)
    sgrid = borrow(sgrid)
    params = borrow(params)
    out_times = borrow(out_times)
    rows_f = borrow(rows_f)
    rows_i = borrow(rows_i)
    stats = borrow(stats)
    gate_own = gate
    gate = borrow(gate_own)
    status_own = status
    status = borrow(status_own)
    x_own = x
    x = borrow(x_own)
    P_own = P
    P = borrow(P_own)
    t_own = t
    t = borrow(t_own)
    last_seen_own = last_seen
    last_seen = borrow(last_seen_own)
    hist_own = hist
    hist = borrow(hist_own)
    misses_own = misses
    misses = borrow(misses_own)
    tid_own = tid
    tid = borrow(tid_own)
    tsq_own = tsq
    tsq = borrow(tsq_own)
    smask_own = smask
    smask = borrow(smask_own)
    hobs_own = hobs
    hobs = borrow(hobs_own)
    pl_block_own = pl_block
    pl_block = borrow(pl_block_own)
    dupn_own = dupn
    dupn = borrow(dupn_own)
    cand_dup_own = cand_dup
    cand_dup = borrow(cand_dup_own)
    tgrid = borrow(tgrid)
    xm_own = xm
    xm = borrow(xm_own)
    Pm_own = Pm
    Pm = borrow(Pm_own)
    mu_own = mu
    mu = borrow(mu_own)
    free_own = free
    free = borrow(free_own)
    last_end_own = last_end
    last_end = borrow(last_end_own)
    strig_own = strig
    strig = borrow(strig_own)
    w_own = w
    w = borrow(w_own)
    Hs_w_own = Hs_w
    Hs_w = borrow(Hs_w_own)
    H_own = H
    H = borrow(H_own)
    R_own = R
    R = borrow(R_own)
    y_own = y
    y = borrow(y_own)
    up_own = up
    up = borrow(up_own)
    F_own = F
    F = borrow(F_own)
    Q_own = Q
    Q = borrow(Q_own)
    tmp_own = tmp
    tmp = borrow(tmp_own)
    S_own = S
    S = borrow(S_own)
    Si_own = Si
    Si = borrow(Si_own)
    Hs_own = Hs
    Hs = borrow(Hs_own)
    imm_xm_own = imm_xm
    imm_xm = borrow(imm_xm_own)
    imm_Pm_own = imm_Pm
    imm_Pm = borrow(imm_Pm_own)
    imm_mu_own = imm_mu
    imm_mu = borrow(imm_mu_own)
    imm_cbar_own = imm_cbar
    imm_cbar = borrow(imm_cbar_own)
    imm_L_own = imm_L
    imm_L = borrow(imm_L_own)
    xk_own = xk
    xk = borrow(xk_own)
    Pk_own = Pk
    Pk = borrow(Pk_own)
    R1buf_own = R1buf
    R1buf = borrow(R1buf_own)
    Rjbuf_own = Rjbuf
    Rjbuf = borrow(Rjbuf_own)
    imm_x0_own = imm_x0
    imm_x0 = borrow(imm_x0_own)
    imm_P0_own = imm_P0
    imm_P0 = borrow(imm_P0_own)
    imm_om_own = imm_om
    imm_om = borrow(imm_om_own)
    cand_own = cand
    cand = borrow(cand_own)
    cand_xp_own = cand_xp
    cand_xp = borrow(cand_xp_own)
    cand_v_own = cand_v
    cand_v = borrow(cand_v_own)
    cand_P_own = cand_P
    cand_P = borrow(cand_P_own)
    cand_rad_own = cand_rad
    cand_rad = borrow(cand_rad_own)
    cand_in_own = cand_in
    cand_in = borrow(cand_in_own)
    cand_hit_own = cand_hit
    cand_hit = borrow(cand_hit_own)
    keys_own = keys
    keys = borrow(keys_own)
    pl_rad_own = pl_rad
    pl_rad = borrow(pl_rad_own)
    pl_assigned_own = pl_assigned
    pl_assigned = borrow(pl_assigned_own)
    pair_c_own = pair_c
    pair_c = borrow(pair_c_own)
    pair_j_own = pair_j
    pair_j = borrow(pair_j_own)
    pair_d_own = pair_d
    pair_d = borrow(pair_d_own)
    parent_own = parent
    parent = borrow(parent_own)
    loc_c_own = loc_c
    loc_c = borrow(loc_c_own)
    loc_j_own = loc_j
    loc_j = borrow(loc_j_own)
    grp_c_own = grp_c
    grp_c = borrow(grp_c_own)
    grp_j_own = grp_j
    grp_j = borrow(grp_j_own)
    oversize_own = oversize
    oversize = borrow(oversize_own)
    inits_own = inits
    inits = borrow(inits_own)
    init_keys_own = init_keys
    init_keys = borrow(init_keys_own)
    order_own = order
    order = borrow(order_own)
    skeys_own = skeys
    skeys = borrow(skeys_own)
    iorder_own = iorder
    iorder = borrow(iorder_own)
    iskeys_own = iskeys
    iskeys = borrow(iskeys_own)
    head_own = head
    head = borrow(head_own)
    ihead_own = ihead
    ihead = borrow(ihead_own)
    nxt_own = nxt
    nxt = borrow(nxt_own)
    inxt_own = inxt
    inxt = borrow(inxt_own)
    cix_own = cix
    cix = borrow(cix_own)
    ciy_own = ciy
    ciy = borrow(ciy_own)
    iix_own = iix
    iix = borrow(iix_own)
    iiy_own = iiy
    iiy = borrow(iiy_own)
    ixs_own = ixs
    ixs = borrow(ixs_own)
    iys_own = iys
    iys = borrow(iys_own)
    cap_rows = rows_f.shape[0]
    nrow = 0
    ko = 0
    nout = out_times.shape[0]

    for b in range(nbatch):
        j0 = bstart[b]
        j1 = bstart[b + 1]
        bproc = -np.inf
        for j in range(j0, j1):
            if proc[j] > bproc:
                bproc = proc[j]
        # snapshots strictly before this batch is processed
        while ko < nout and out_times[ko] < bproc:
            T = out_times[ko]
            for i in range(hiwater):
                if status[i] == 3 and T - last_seen[i] <= max_unseen:
                    nrow = _emit(rows_f, rows_i, nrow, cap_rows, T, tid[i], x, P, i, t[i], q_h, q_v, earth_r,
                                 3, tsq[i], smask[i], up, Q)
            ko += 1
        # kept plots and reference time
        nk = 0
        t_ref = np.inf
        t_last = -np.inf
        for j in range(j0, j1):
            if late[j] == 0:
                nk += 1
                if pt[j] < t_ref:
                    t_ref = pt[j]
                if pt[j] > t_last:
                    t_last = pt[j]
            else:
                stats[S_DROPPED_LATE] += 1
        if nk == 0:
            continue
        stats[S_BATCHES] += 1
        s = ps[j0]
        sensor_ok = has_sensors and s < ns
        # ---- sector swept by the antenna during this batch (clockwise rotation assumed)
        full = full_batches or not sensor_ok
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
                ph = az - TWO_PI * _mod(pt[j], T) / T
                cs += math.cos(ph)
                sn += math.sin(ph)
            phi = math.atan2(sn, cs)
            # coherent? mean resultant length close to 1 means the plot times follow the rotation
            if math.sqrt(cs * cs + sn * sn) / nk < 0.9:
                full = True
            else:
                t_start = last_end[s]
                if not math.isfinite(t_start) or t_ref - t_start > T or t_start > t_ref:
                    t_start = t_ref
                if math.isfinite(last_end[s]) and t_last - last_end[s] >= T:
                    full = True
                sec_start = phi + TWO_PI * _mod(t_start, T) / T
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
        # ---- candidate tracks (in sector + margin), stale deletion, initiator list
        nc = 0
        ninit = 0
        span = t_last - t_ref
        for i in range(hiwater):
            st = status[i]
            if st == 0:
                continue
            if st == 1:
                if t_ref - t[i] > init_age:
                    status[i] = 0
                    free[nfree] = i
                    nfree += 1
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
            if t_ref - last_seen[i] > max_unseen:
                status[i] = 0
                free[nfree] = i
                nfree += 1
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
                off = _mod(az - sec_start, TWO_PI)
                margin = TWO_PI / 64.0
                if rh > 1.0:
                    margin += min(math.pi, (rad + 5000.0) / rh)
                # distance outside [0, width] on the circle
                if off <= sec_width:
                    outside = 0.0
                else:
                    outside = min(off - sec_width, TWO_PI - off)
                if outside > margin:
                    continue
                in_strict = off <= strict_width
            # predicted position covariance at t_ref
            up_vector_approx(px, py, pz, earth_r, up)
            process_noise_pos(dt, q_h, q_v, up, Q)  # Q[:3, :3] only (the rest is not read here)
            for a in range(3):
                for bb in range(3):
                    cand_P[nc, a, bb] = (P[i, a, bb] + dt * (P[i, a, bb + 3] + P[i, a + 3, bb])
                                         + dt * dt * P[i, a + 3, bb + 3] + Q[a, bb])
            if sensor_ok and ssig[s, 2] > 0.0 and t_ref - hobs[i] > h_mem:
                # a height measurement gates against a held height with the whole plausible band (the prior
                # says where a low flyer would be, not that an airliner cannot be the track's aircraft)
                vv = _vertical_var_k(cand_P, nc, up)
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
        # ---- plot radii
        maxprad = 0.0
        for jj in range(j1 - j0):
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
            if pl_rad[jj] <= cell_max and pl_rad[jj] > maxprad:
                maxprad = pl_rad[jj]
        # ---- grid over candidates
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
                    bk = _bucket(cix[c], ciy[c], NBM)
                    nxt[c] = head[bk]
                    head[bk] = c
            for jj in range(j1 - j0):
                j = j0 + jj
                if late[j]:
                    continue
                if pl_rad[jj] > cell_max:
                    # huge plot uncertainty: test against every candidate
                    for c in range(nc):
                        d2, m = _gate_d2(c, j, cand_xp, cand_v, cand_P, t_ref, pt, mtype, pos, cov, prange, paz, ssig,
                                         ps, slat, slon, shant, strig, origin_ecef, frame_rot, Hs, S, Si)
                        if d2 <= gate[m] and npairs < max_pairs:
                            pair_c[npairs] = c
                            pair_j[npairs] = jj
                            pair_d[npairs] = d2 - gate[m]
                            npairs += 1
                        if d2 <= gate[m] and (squawk[j] < 0 or tsq[cand[c]] < 0 or tsq[cand[c]] == squawk[j]):
                            pl_block[jj] = True
                    continue
                ix = np.int64(math.floor(pos[j, 0] / cell))
                iy = np.int64(math.floor(pos[j, 1] / cell))
                for cellk in range(9):
                    qx = ix + cellk // 3 - 1
                    qy = iy + cellk % 3 - 1
                    cur = head[_bucket(qx, qy, NBM)]
                    if True:
                        while cur >= 0:
                            c = cur
                            cur = nxt[cur]
                            if cix[c] != qx or ciy[c] != qy:
                                continue
                            d2, m = _gate_d2(c, j, cand_xp, cand_v, cand_P, t_ref, pt, mtype, pos, cov, prange, paz,
                                             ssig, ps, slat, slon, shant, strig, origin_ecef, frame_rot, Hs, S, Si)
                            if d2 <= gate[m] and npairs < max_pairs:
                                pair_c[npairs] = c
                                pair_j[npairs] = jj
                                pair_d[npairs] = d2 - gate[m]
                                npairs += 1
                            if d2 <= gate[m] and (squawk[j] < 0 or tsq[cand[c]] < 0 or tsq[cand[c]] == squawk[j]):
                                pl_block[jj] = True
                for k in range(nover):
                    c = oversize[k]
                    d2, m = _gate_d2(c, j, cand_xp, cand_v, cand_P, t_ref, pt, mtype, pos, cov, prange, paz, ssig,
                                     ps, slat, slon, shant, strig, origin_ecef, frame_rot, Hs, S, Si)
                    if d2 <= gate[m] and npairs < max_pairs:
                        pair_c[npairs] = c
                        pair_j[npairs] = jj
                        pair_d[npairs] = d2 - gate[m]
                        npairs += 1
                    if d2 <= gate[m] and (squawk[j] < 0 or tsq[cand[c]] < 0 or tsq[cand[c]] == squawk[j]):
                        pl_block[jj] = True
        for c in range(nc):
            if cand_rad[c] <= cell_max:
                head[_bucket(cix[c], ciy[c], NBM)] = -1
        stats[S_PAIRS] += npairs
        stats[S_SLOTS_SCANNED] += hiwater
        stats[S_CANDIDATES] += nc
        stats[S_INIT_CANDIDATES] += ninit
        # ---- clusters (union-find over candidates 0..nc-1 and plots nc..nc+nb-1) and assignment
        if npairs == 1:
            pl_assigned[pair_j[0]] = pair_c[0]
        elif npairs > 1:
            nb = j1 - j0
            for k in range(nc + nb):
                parent[k] = k
            for p in range(npairs):
                a = pair_c[p]
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                bb = nc + pair_j[p]
                while parent[bb] != bb:
                    parent[bb] = parent[parent[bb]]
                    bb = parent[bb]
                if a != bb:
                    if a < bb:
                        parent[bb] = a
                    else:
                        parent[a] = bb
            roots = np.empty(npairs, dtype=np.int64)
            for p in range(npairs):
                a = pair_c[p]
                while parent[a] != a:
                    a = parent[a]
                roots[p] = a
            porder = np.argsort(roots, kind="mergesort")
            p0 = 0
            while p0 < npairs:
                p1 = p0 + 1
                r0 = roots[porder[p0]]
                while p1 < npairs and roots[porder[p1]] == r0:
                    p1 += 1
                if p1 - p0 == 1:
                    p = porder[p0]
                    pl_assigned[pair_j[p]] = pair_c[p]
                else:
                    ntc = 0
                    ntj = 0
                    for q in range(p0, p1):
                        p = porder[q]
                        if loc_c[pair_c[p]] < 0:
                            loc_c[pair_c[p]] = ntc
                            grp_c[ntc] = pair_c[p]
                            ntc += 1
                        if loc_j[pair_j[p]] < 0:
                            loc_j[pair_j[p]] = ntj
                            grp_j[ntj] = pair_j[p]
                            ntj += 1
                    cost = np.full((ntc, ntj + ntc), 1e9)
                    for k in range(ntc):
                        cost[k, ntj + k] = 0.0
                    for q in range(p0, p1):
                        p = porder[q]
                        cost[loc_c[pair_c[p]], loc_j[pair_j[p]]] = pair_d[p]
                    col = np.empty(ntc, dtype=np.int64)
                    solve_lsap(cost, col)
                    for k in range(ntc):
                        if col[k] < ntj and cost[k, col[k]] < 1e8:
                            pl_assigned[grp_j[col[k]]] = grp_c[k]
                    for k in range(ntc):
                        loc_c[grp_c[k]] = -1
                    for k in range(ntj):
                        loc_j[grp_j[k]] = -1
                p0 = p1
        # ---- updates (plot order)
        for jj in range(j1 - j0):
            c = pl_assigned[jj]
            if c < 0:
                continue
            j = j0 + jj
            i = cand[c]
            cand_hit[c] = True
            dt = pt[j] - t[i]
            # height not observed for h_mem: a (range, azimuth) plot without Mode C holds it (module docstring)
            hold_h = 0.0
            hold_var = 0.0
            if mtype[j] == 2 and not math.isfinite(modec[j]) and pt[j] - hobs[i] > h_mem:
                ter, hnow = _terrain_under(x[i, 0] + dt * x[i, 3], x[i, 1] + dt * x[i, 4], x[i, 2] + dt * x[i, 5],
                                           origin_ecef, frame_rot, tgrid, tlat0, tdlat, tlon0, tdlon)
                hold_h, hold_var = _held_height(pt[j], hobs[i], hnow, ter, h_agl, h_sig, h_ceil, h_smax, q_v,
                                                mc_sigma)
                stats[S_HELD_UPDATES] += 1
            if imm:
                d2, m = imm_step(xm, Pm, mu, i, dt, omega, tau, q_h, q_v, earth_r, x, P, j, mtype, pos, cov,
                                 prange, paz, modec, ssig, ps, slat, slon, shant, strig, origin_ecef, frame_rot, mc_sigma,
                                 H, R, y, up, w, F, Q, tmp, imm_xm, imm_Pm, imm_mu, imm_cbar, imm_L, imm_x0, imm_P0,
                                 imm_om, xk, Pk, Hs_w, hold_h, hold_var, hold_vvar)
            else:
                # scratch copies instead of views (speed: see imm_step)
                for a in range(6):
                    xk[a] = x[i, a]
                    for bb in range(6):
                        Pk[a, bb] = P[i, a, bb]
                up_vector_approx(xk[0], xk[1], xk[2], earth_r, up)
                process_noise(dt, q_h, q_v, up, Q)
                predict_cv_inplace(xk, Pk, dt, Q)
                d2, m, logl = _meas_update(xk, Pk, j, mtype, pos, cov, prange, paz, modec, ssig, ps, slat, slon,
                                           shant, strig, origin_ecef, frame_rot, mc_sigma, H, R, y, up, w, Hs_w,
                                           hold_h, hold_var, hold_vvar)
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
            hist[i] = ((hist[i] << 1) | 1) & hist_mask
            misses[i] = 0
            smask[i] |= np.int64(1) << min(ps[j], 62)
            if squawk[j] >= 0:
                tsq[i] = squawk[j]
            if status[i] == 2 and _popcount(hist[i]) >= conf_m:
                status[i] = 3
                tid[i] = next_id
                next_id += 1
                stats[S_CONFIRMED] += 1
            if status[i] == 3 and emit_upd:
                nrow = _emit(rows_f, rows_i, nrow, cap_rows, bproc, tid[i], x, P, i, t[i], q_h, q_v, earth_r, 3,
                             tsq[i], smask[i], up, Q)
        # ---- duplicates: a plot assigned to one track that also gated another is evidence that the two are
        # one aircraft; the less informed of the two (no code < observed height < a code; then the younger)
        # collects it, and is dropped after dup_batches batches in a row with such evidence
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
            if _less_informed(ia, io, tsq, hobs, status, tid, t_last, h_mem):
                cand_dup[ca] = True
            elif _less_informed(io, ia, tsq, hobs, status, tid, t_last, h_mem):
                cand_dup[c] = True
        for c in range(nc):
            i = cand[c]
            if status[i] == 0:
                continue
            if cand_dup[c]:
                dupn[i] += 1
                if dupn[i] >= dup_batches:
                    status[i] = 0
                    free[nfree] = i
                    nfree += 1
                    stats[S_DUPLICATES_DROPPED] += 1
            elif cand_hit[c]:
                dupn[i] = 0
        # ---- counted misses
        for c in range(nc):
            if cand_hit[c] or not cand_in[c]:
                continue
            i = cand[c]
            counted = True
            if sensor_ok:
                dx = cand_xp[c, 0] - spos[s, 0]
                dy = cand_xp[c, 1] - spos[s, 1]
                dz = cand_xp[c, 2] - spos[s, 2]
                if dx * dx + dy * dy + dz * dz > srmax[s] * srmax[s]:
                    counted = False
                elif sgrid.shape[0] == ns and sgrid[s] >= 0:
                    ex = frame_rot[0, 0] * cand_xp[c, 0] + frame_rot[1, 0] * cand_xp[c, 1] + frame_rot[2, 0] * cand_xp[c, 2] + origin_ecef[0]
                    ey = frame_rot[0, 1] * cand_xp[c, 0] + frame_rot[1, 1] * cand_xp[c, 1] + frame_rot[2, 1] * cand_xp[c, 2] + origin_ecef[1]
                    ez = frame_rot[0, 2] * cand_xp[c, 0] + frame_rot[1, 2] * cand_xp[c, 1] + frame_rot[2, 2] * cand_xp[c, 2] + origin_ecef[2]
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
            if misses[i] >= del_misses:
                status[i] = 0
                free[nfree] = i
                nfree += 1
        # ---- initiation from the plots left over
        if ninit > 0:
            maxr = 0.0
            for k in range(ninit):
                i = inits[k]
                rr = v_max * (t_last - t[i]) + init_k * math.sqrt(P[i, 0, 0] + P[i, 1, 1])
                if rr > maxr:
                    maxr = rr
            icell = max(1000.0, min(maxr + maxprad, 4.0 * cell_max))
            for k in range(ninit):
                iix[k] = np.int64(math.floor(x[inits[k], 0] / icell))
                iiy[k] = np.int64(math.floor(x[inits[k], 1] / icell))
                bk = _bucket(iix[k], iiy[k], NBM)
                inxt[k] = ihead[bk]
                ihead[bk] = k
        for jj in range(j1 - j0):
            j = j0 + jj
            if late[j] or pl_assigned[jj] >= 0:
                continue
            if pl_block[jj] and mtype[j] != 0:
                # a 2D plot that an existing track could take (it gated, but its track took another plot)
                stats[S_INIT_BLOCKED] += 1
                continue
            best = -1
            best_score = np.inf
            if ninit > 0:
                ix = np.int64(math.floor(pos[j, 0] / icell))
                iy = np.int64(math.floor(pos[j, 1] / icell))
                for cellk in range(9):
                    qx = ix + cellk // 3 - 1
                    qy = iy + cellk % 3 - 1
                    cur = ihead[_bucket(qx, qy, NBM)]
                    if True:
                        while cur >= 0:
                            kk = cur
                            cur = inxt[cur]
                            if iix[kk] != qx or iiy[kk] != qy:
                                continue
                            i = inits[kk]
                            if status[i] != 1:
                                continue
                            dt = pt[j] - t[i]
                            if dt < init_min_dt:
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
                i = best
                dt = pt[j] - t[i]
                R1 = R1buf
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
                Rj = Rjbuf
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
                    _ter0, h_first = _terrain_under(p0x, p0y, p0z, origin_ecef, frame_rot, tgrid, tlat0, tdlat,
                                                    tlon0, tdlon)
                    ter, _hnow = _terrain_under(x[i, 0], x[i, 1], x[i, 2], origin_ecef, frame_rot, tgrid, tlat0,
                                                tdlat, tlon0, tdlon)
                    hh, hv = _held_height(pt[j], hobs[i], h_first, ter, h_agl, h_sig, h_ceil, h_smax, q_v, mc_sigma)
                    _hold_k(x, P, i, hh, hv, hold_vvar, origin_ecef, frame_rot, up, H)
                t[i] = pt[j]
                last_seen[i] = pt[j]
                status[i] = 2
                hist[i] = 3 & hist_mask
                misses[i] = 0
                smask[i] |= np.int64(1) << min(ps[j], 62)
                if squawk[j] >= 0:
                    tsq[i] = squawk[j]
                if imm:
                    for k in range(3):
                        for a in range(6):
                            xm[i, k, a] = x[i, a]
                            for bb in range(6):
                                Pm[i, k, a, bb] = P[i, a, bb]
                    mu[i, 0] = mu_cv
                    mu[i, 1] = 0.5 * (1.0 - mu_cv)
                    mu[i, 2] = 0.5 * (1.0 - mu_cv)
                stats[S_INITIATED] += 1
                if _popcount(hist[i]) >= conf_m:
                    status[i] = 3
                    tid[i] = next_id
                    next_id += 1
                    stats[S_CONFIRMED] += 1
            else:
                if nfree == 0:
                    keep_alive(hobs_own, pl_block_own, dupn_own, cand_dup_own, gate_own, status_own, x_own, P_own, t_own, last_seen_own, hist_own, misses_own, tid_own, tsq_own, smask_own, xm_own, Pm_own, mu_own, free_own, last_end_own, strig_own, w_own, Hs_w_own, H_own, R_own, y_own, up_own, F_own, Q_own, tmp_own, S_own, Si_own, Hs_own, imm_xm_own, imm_Pm_own, imm_mu_own, imm_cbar_own, imm_L_own, xk_own, Pk_own, R1buf_own, Rjbuf_own, imm_x0_own, imm_P0_own, imm_om_own, cand_own, cand_xp_own, cand_v_own, cand_P_own, cand_rad_own, cand_in_own, cand_hit_own, keys_own, pl_rad_own, pl_assigned_own, pair_c_own, pair_j_own, pair_d_own, parent_own, loc_c_own, loc_j_own, grp_c_own, grp_j_own, oversize_own, inits_own, init_keys_own, order_own, skeys_own, iorder_own, iskeys_own, head_own, ihead_own, nxt_own, inxt_own, cix_own, ciy_own, iix_own, iiy_own, ixs_own, iys_own)
                    return 1, nrow, next_id
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
            ihead[_bucket(iix[k], iiy[k], NBM)] = -1
        for j in range(j0, j1):
            if late[j] == 0:
                stats[S_PLOTS_USED] += 1
    while ko < nout:
        T = out_times[ko]
        for i in range(hiwater):
            if status[i] == 3 and T - last_seen[i] <= max_unseen:
                nrow = _emit(rows_f, rows_i, nrow, cap_rows, T, tid[i], x, P, i, t[i], q_h, q_v, earth_r, 3,
                             tsq[i], smask[i], up, Q)
        ko += 1
    keep_alive(hobs_own, pl_block_own, dupn_own, cand_dup_own, gate_own, status_own, x_own, P_own, t_own, last_seen_own, hist_own, misses_own, tid_own, tsq_own, smask_own, xm_own, Pm_own, mu_own, free_own, last_end_own, strig_own, w_own, Hs_w_own, H_own, R_own, y_own, up_own, F_own, Q_own, tmp_own, S_own, Si_own, Hs_own, imm_xm_own, imm_Pm_own, imm_mu_own, imm_cbar_own, imm_L_own, xk_own, Pk_own, R1buf_own, Rjbuf_own, imm_x0_own, imm_P0_own, imm_om_own, cand_own, cand_xp_own, cand_v_own, cand_P_own, cand_rad_own, cand_in_own, cand_hit_own, keys_own, pl_rad_own, pl_assigned_own, pair_c_own, pair_j_own, pair_d_own, parent_own, loc_c_own, loc_j_own, grp_c_own, grp_j_own, oversize_own, inits_own, init_keys_own, order_own, skeys_own, iorder_own, iskeys_own, head_own, ihead_own, nxt_own, inxt_own, cix_own, ciy_own, iix_own, iiy_own, ixs_own, iys_own)
    return 0, nrow, next_id
