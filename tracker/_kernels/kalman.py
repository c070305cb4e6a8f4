"""Kalman filter kernels on the 6-D state [x, y, z, vx, vy, vz] (scenario ENU, m and m/s).

* Motion models, all linear so that FilterPy is an exact oracle:
  CV (constant velocity) and CT (coordinated turn at a *known* rate omega in the x-y plane,
  z constant velocity) -- IMM = {CV, CT +omega, CT -omega}.
* Process noise: piecewise-constant white acceleration (Bar-Shalom's DWNA; FilterPy's
  ``Q_discrete_white_noise(dim=2, dt, var)`` per axis) with separate horizontal and local-up
  standard deviations: Q = G A G^T, G = [dt^2/2 I; dt I], A = q_h^2 (I - u u^T) + q_v^2 u u^T,
  u the local up unit vector at the track (scenario frame).
* Updates in Joseph form: P+ = (I - K H) P (I - K H)^T + K R K^T (symmetric, PSD for any K).

Notes: Bar-Shalom, Li, Kirubarajan, *Estimation with Applications to Tracking and
Navigation* (2001), §6.3.2 (DWNA), §11.7 (coordinated turn), §11.6 (IMM); FilterPy
``kalman_filter.py`` (Joseph update).
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel


@kernel
def cv_transition(dt, F):
    """F (6x6) of the CV model: x += v dt."""
    for i in range(6):
        for j in range(6):
            F[i, j] = 0.0
        F[i, i] = 1.0
    F[0, 3] = dt
    F[1, 4] = dt
    F[2, 5] = dt


@kernel
def ct_transition(dt, omega, F):
    """F (6x6) of the coordinated turn at rate omega (rad/s, + = counter-clockwise seen from above) in x-y.

    x' = x + sin(w dt)/w vx - (1 - cos(w dt))/w vy;  vx' = cos(w dt) vx - sin(w dt) vy
    y' = y + (1 - cos(w dt))/w vx + sin(w dt)/w vy;  vy' = sin(w dt) vx + cos(w dt) vy
    z' = z + vz dt.  (Bar-Shalom et al. 2001, eq. 11.7.1-4.)
    """
    if abs(omega) < 1e-12:
        cv_transition(dt, F)
        return
    for i in range(6):
        for j in range(6):
            F[i, j] = 0.0
    s = math.sin(omega * dt)
    c = math.cos(omega * dt)
    F[0, 0] = 1.0
    F[0, 3] = s / omega
    F[0, 4] = -(1.0 - c) / omega
    F[1, 1] = 1.0
    F[1, 3] = (1.0 - c) / omega
    F[1, 4] = s / omega
    F[3, 3] = c
    F[3, 4] = -s
    F[4, 3] = s
    F[4, 4] = c
    F[2, 2] = 1.0
    F[2, 5] = dt
    F[5, 5] = 1.0


@kernel(inline="always")
def up_vector_approx(x, y, z, earth_radius_m, u):
    """Local up at an ENU point on a sphere of radius R centred at (0, 0, -R): (x, y, z + R)/|.|.

    Within ~0.2 deg of the ellipsoid normal; used only to split process noise (speed over exactness).
    """
    zz = z + earth_radius_m
    n = math.sqrt(x * x + y * y + zz * zz)
    u[0] = x / n
    u[1] = y / n
    u[2] = zz / n


@kernel(inline="always")
def process_noise(dt, q_h, q_v, u, Q):
    """Q (6x6) of piecewise-constant white acceleration, horizontal sigma q_h and local-up sigma q_v (m/s^2)."""
    a = abs(dt)
    g0 = 0.5 * a * a
    g1 = a
    qh2 = q_h * q_h
    qv2 = q_v * q_v
    for i in range(3):
        for j in range(3):
            uij = u[i] * u[j]
            A = qh2 * ((1.0 if i == j else 0.0) - uij) + qv2 * uij
            Q[i, j] = g0 * g0 * A
            Q[i, j + 3] = g0 * g1 * A
            Q[i + 3, j] = g1 * g0 * A
            Q[i + 3, j + 3] = g1 * g1 * A


@kernel(inline="always")
def process_noise_pos(dt, q_h, q_v, u, Q):
    """Only the position block Q[:3, :3] of :func:`process_noise` (same expressions, same bits); the other
    entries of Q are left as they are (speed: callers that need only the predicted position covariance)."""
    a = abs(dt)
    g0 = 0.5 * a * a
    qh2 = q_h * q_h
    qv2 = q_v * q_v
    for i in range(3):
        for j in range(3):
            uij = u[i] * u[j]
            A = qh2 * ((1.0 if i == j else 0.0) - uij) + qv2 * uij
            Q[i, j] = g0 * g0 * A


@kernel
def predict(x, P, F, Q, xo, Po, tmp):
    """xo = F x;  Po = F P F^T + Q  (tmp: 6x6 work)."""
    # F is sparse (CV, CT): zero entries are skipped (same sums, fewer terms; 0 * finite adds exactly 0)
    for i in range(6):
        s = 0.0
        for k in range(6):
            if F[i, k] != 0.0:
                s += F[i, k] * x[k]
        xo[i] = s
    for i in range(6):
        for j in range(6):
            s = 0.0
            for k in range(6):
                if F[i, k] != 0.0:
                    s += F[i, k] * P[k, j]
            tmp[i, j] = s
    for i in range(6):
        for j in range(i, 6):
            s = 0.0
            for k in range(6):
                if F[j, k] != 0.0:
                    s += tmp[i, k] * F[j, k]
            Po[i, j] = s + Q[i, j]
            Po[j, i] = s + Q[i, j]


@kernel(inline="always")
def predict_cv_inplace(x, P, dt, Q):
    """CV prediction in place using F's structure (same arithmetic as :func:`predict` up to rounding).

    P_pp' = P_pp + dt (P_pv + P_vp) + dt^2 P_vv + Q_pp;  P_pv' = P_pv + dt P_vv + Q_pv;  P_vv' = P_vv + Q_vv.
    """
    for i in range(3):
        x[i] += dt * x[i + 3]
    for i in range(3):
        for j in range(3):
            P[i, j] = P[i, j] + dt * (P[i, j + 3] + P[i + 3, j]) + dt * dt * P[i + 3, j + 3]
    for i in range(3):
        for j in range(3):
            P[i, j + 3] = P[i, j + 3] + dt * P[i + 3, j + 3]
            P[j + 3, i] = P[i, j + 3]
    for i in range(6):
        for j in range(6):
            P[i, j] += Q[i, j]


@kernel(inline="always")
def inv_sym(S, m, Si):
    """Inverse of a symmetric m x m (m <= 3) matrix; returns its determinant (<= 0: failure)."""
    if m == 1:
        d = S[0, 0]
        if d > 0.0:
            Si[0, 0] = 1.0 / d
        return d
    if m == 2:
        d = S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0]
        if d > 0.0:
            Si[0, 0] = S[1, 1] / d
            Si[1, 1] = S[0, 0] / d
            Si[0, 1] = -S[0, 1] / d
            Si[1, 0] = -S[1, 0] / d
        return d
    a = S[0, 0]
    b = S[0, 1]
    c = S[0, 2]
    e = S[1, 1]
    f = S[1, 2]
    i = S[2, 2]
    A = e * i - f * f
    B = -(b * i - c * f)
    C = b * f - c * e
    d = a * A + b * B + c * C
    if d > 0.0:
        Si[0, 0] = A / d
        Si[0, 1] = B / d
        Si[0, 2] = C / d
        Si[1, 0] = B / d
        Si[1, 1] = (a * i - c * c) / d
        Si[1, 2] = -(a * f - b * c) / d
        Si[2, 0] = C / d
        Si[2, 1] = Si[1, 2]
        Si[2, 2] = (a * e - b * b) / d
    return d


@kernel
def joseph_update(x, P, y, H, R, m, w):
    """In-place Kalman update with innovation y (m), H (m x 6), R (m x m), m <= 3, Joseph form.

    S = H P H^T + R;  K = P H^T S^-1;  x += K y;  P = (I - K H) P (I - K H)^T + K R K^T.
    ``w`` is a work array of shape (6, 6, 6) (see :func:`work_buffer`; contiguous 6x6 slices).  Returns
    (d2 = y^T S^-1 y, det S); det S <= 0 means the update was skipped (singular innovation covariance).
    """
    PHt = w[0]
    S = w[1]
    Si = w[2]
    K = w[3]
    A = w[4]
    T = w[5]
    # PHt = P H^T
    for i in range(6):
        for j in range(m):
            s = 0.0
            for k in range(6):
                s += P[i, k] * H[j, k]
            PHt[i, j] = s
    # S = H P H^T + R
    for i in range(m):
        for j in range(m):
            s = 0.0
            for k in range(6):
                s += H[i, k] * PHt[k, j]
            S[i, j] = s + R[i, j]
    det = inv_sym(S, m, Si)
    if not (det > 0.0):
        return np.inf, det
    d2 = 0.0
    for i in range(m):
        for j in range(m):
            d2 += y[i] * Si[i, j] * y[j]
    # K = PHt S^-1
    for i in range(6):
        for j in range(m):
            s = 0.0
            for k in range(m):
                s += PHt[i, k] * Si[k, j]
            K[i, j] = s
    # x += K y
    for i in range(6):
        s = 0.0
        for k in range(m):
            s += K[i, k] * y[k]
        x[i] += s
    # A = I - K H
    for i in range(6):
        for j in range(6):
            s = 0.0
            for k in range(m):
                s += K[i, k] * H[k, j]
            A[i, j] = (1.0 if i == j else 0.0) - s
    # T = A P
    for i in range(6):
        for j in range(6):
            s = 0.0
            for k in range(6):
                s += A[i, k] * P[k, j]
            T[i, j] = s
    # P = T A^T + K R K^T
    for i in range(6):
        for j in range(i, 6):
            s = 0.0
            for k in range(6):
                s += T[i, k] * A[j, k]
            kr = 0.0
            for a in range(m):
                ka = 0.0
                for b in range(m):
                    ka += R[a, b] * K[j, b]
                kr += K[i, a] * ka
            P[i, j] = s + kr
            P[j, i] = s + kr
    return d2, det


def work_buffer():
    """Work array for :func:`joseph_update` and :func:`joseph_update_position` (six contiguous 6x6 blocks)."""
    return np.empty((6, 6, 6))


@kernel(inline="always")
def joseph_update_position(x, P, y, R, m, w):
    """:func:`joseph_update` for H = [I_m 0] (a position measurement of the first m coordinates), using its structure.

    S = P[:m, :m] + R;  K = P[:, :m] S^-1;  A = I - K H;  P = A P A^T + K R K^T, with
    A P = P - K P[:m, :]  and  (A P) A^T = (A P) - (A P)[:, :m] K^T.  Same result as the generic
    update to rounding (tests/test_tracker_kalman.py).  Returns (d2, det S).
    """
    S = w[1]
    Si = w[2]
    K = w[3]
    T = w[5]
    KR = w[0]
    for i in range(m):
        for j in range(m):
            S[i, j] = P[i, j] + R[i, j]
    det = inv_sym(S, m, Si)
    if not (det > 0.0):
        return np.inf, det
    d2 = 0.0
    for i in range(m):
        for j in range(m):
            d2 += y[i] * Si[i, j] * y[j]
    for i in range(6):
        for j in range(m):
            s = 0.0
            for k in range(m):
                s += P[i, k] * Si[k, j]
            K[i, j] = s
    for i in range(6):
        s = 0.0
        for k in range(m):
            s += K[i, k] * y[k]
        x[i] += s
    # T = A P = P - K P[:m, :]
    for i in range(6):
        for j in range(6):
            s = P[i, j]
            for k in range(m):
                s -= K[i, k] * P[k, j]
            T[i, j] = s
    # KR = K R
    for i in range(6):
        for j in range(m):
            s = 0.0
            for k in range(m):
                s += K[i, k] * R[k, j]
            KR[i, j] = s
    # P = T - T[:, :m] K^T + K R K^T   (symmetric: compute the upper triangle, mirror)
    for i in range(6):
        for j in range(i, 6):
            s = T[i, j]
            for k in range(m):
                s += -T[i, k] * K[j, k] + KR[i, k] * K[j, k]
            P[i, j] = s
            P[j, i] = s
    return d2, det


@kernel
def transition_blocks(dt, omega, B, G):
    """F = [[I, B], [0, G]] of the CV (omega = 0) or coordinated-turn model, as its 3x3 blocks.

    CV: B = dt I, G = I.  CT: B = [[s/w, -(1-c)/w, 0], [(1-c)/w, s/w, 0], [0, 0, dt]],
    G = [[c, -s, 0], [s, c, 0], [0, 0, 1]] with s = sin(w dt), c = cos(w dt) (same F as :func:`ct_transition`).
    """
    for i in range(3):
        for j in range(3):
            B[i, j] = 0.0
            G[i, j] = 0.0
    if abs(omega) < 1e-12:
        B[0, 0] = dt
        B[1, 1] = dt
        G[0, 0] = 1.0
        G[1, 1] = 1.0
    else:
        s = math.sin(omega * dt)
        c = math.cos(omega * dt)
        B[0, 0] = s / omega
        B[0, 1] = -(1.0 - c) / omega
        B[1, 0] = (1.0 - c) / omega
        B[1, 1] = s / omega
        G[0, 0] = c
        G[0, 1] = -s
        G[1, 0] = s
        G[1, 1] = c
    B[2, 2] = dt
    G[2, 2] = 1.0


@kernel
def predict_blocks(x, P, B, G, Q, xo, Po, T):
    """xo = F x, Po = F P F^T + Q for F = [[I, B], [0, G]] (3x3 blocks; T: 6x6 work).

    Block algebra: with U = P_pv + B P_vv (3x3) and V = P_pp + B P_vp,
    Po_pp = V + U... computed as T = F P (rows), then Po = T F^T, exploiting F's zero block.
    """
    for i in range(3):
        s = x[i]
        for k in range(3):
            s += B[i, k] * x[3 + k]
        xo[i] = s
        s = 0.0
        for k in range(3):
            s += G[i, k] * x[3 + k]
        xo[3 + i] = s
    # T = F P: top rows = P_p. + B P_v. ; bottom rows = G P_v.
    for i in range(3):
        for j in range(6):
            s = P[i, j]
            u = 0.0
            for k in range(3):
                s += B[i, k] * P[3 + k, j]
                u += G[i, k] * P[3 + k, j]
            T[i, j] = s
            T[3 + i, j] = u
    # Po = T F^T: Po[:, p] = T[:, p] + T[:, v] B^T ; Po[:, v] = T[:, v] G^T   (upper triangle, mirrored)
    for i in range(6):
        for j in range(3):
            s = T[i, j]
            u = 0.0
            for k in range(3):
                s += T[i, 3 + k] * B[j, k]
                u += T[i, 3 + k] * G[j, k]
            if j >= i:
                Po[i, j] = s + Q[i, j]
                Po[j, i] = Po[i, j]
            if 3 + j >= i:
                Po[i, 3 + j] = u + Q[i, 3 + j]
                Po[3 + j, i] = Po[i, 3 + j]


@kernel(inline="always")
def _inv_sym_w(w, m):
    """:func:`inv_sym` of S = w[1] into Si = w[2] (m <= 3), indexing the work blocks in place (no views)."""
    if m == 1:
        d = w[1, 0, 0]
        if d > 0.0:
            w[2, 0, 0] = 1.0 / d
        return d
    if m == 2:
        d = w[1, 0, 0] * w[1, 1, 1] - w[1, 0, 1] * w[1, 1, 0]
        if d > 0.0:
            w[2, 0, 0] = w[1, 1, 1] / d
            w[2, 1, 1] = w[1, 0, 0] / d
            w[2, 0, 1] = -w[1, 0, 1] / d
            w[2, 1, 0] = -w[1, 1, 0] / d
        return d
    a = w[1, 0, 0]
    b = w[1, 0, 1]
    c = w[1, 0, 2]
    e = w[1, 1, 1]
    f = w[1, 1, 2]
    i = w[1, 2, 2]
    A = e * i - f * f
    B = -(b * i - c * f)
    C = b * f - c * e
    d = a * A + b * B + c * C
    if d > 0.0:
        w[2, 0, 0] = A / d
        w[2, 0, 1] = B / d
        w[2, 0, 2] = C / d
        w[2, 1, 0] = B / d
        w[2, 1, 1] = (a * i - c * c) / d
        w[2, 1, 2] = -(a * f - b * c) / d
        w[2, 2, 0] = C / d
        w[2, 2, 1] = w[2, 1, 2]
        w[2, 2, 2] = (a * e - b * b) / d
    return d


@kernel(inline="always")
def joseph_update_hpos(x, P, y, Hp, R, m, w):
    """:func:`joseph_update` for H = [Hp 0] (m x 6, zero velocity columns: polar and Mode C plots), using its structure.

    With P symmetric, H P = (P H^T)^T, so
    PHt = P[:, :3] Hp^T;  S = Hp PHt[:3] + R;  K = PHt S^-1;  x += K y;
    A P = P - K PHt^T;  P = (A P) - (A P)[:, :3] Hp^T K^T + K R K^T  (Joseph form, A = I - K H).
    About 6x fewer multiplications than the generic 6x6x6 products (the IMM does six of these per 2D plot);
    same result as the generic update to rounding (tests/test_tracker_kalman.py).  Work blocks are indexed in
    place (w[k, i, j]), not sliced: a slice is a reference-counted view (speed).  ``Hp`` is (>= m, 3); returns (d2, det S).
    """
    # PHt = P H^T  (6 x m)
    for i in range(6):
        for a in range(m):
            w[0, i, a] = P[i, 0] * Hp[a, 0] + P[i, 1] * Hp[a, 1] + P[i, 2] * Hp[a, 2]
    # S = H P H^T + R
    for a in range(m):
        for b in range(m):
            w[1, a, b] = Hp[a, 0] * w[0, 0, b] + Hp[a, 1] * w[0, 1, b] + Hp[a, 2] * w[0, 2, b] + R[a, b]
    det = _inv_sym_w(w, m)
    if not (det > 0.0):
        return np.inf, det
    d2 = 0.0
    for a in range(m):
        for b in range(m):
            d2 += y[a] * w[2, a, b] * y[b]
    # K = PHt S^-1
    for i in range(6):
        for b in range(m):
            s = 0.0
            for a in range(m):
                s += w[0, i, a] * w[2, a, b]
            w[3, i, b] = s
    # x += K y
    for i in range(6):
        s = 0.0
        for a in range(m):
            s += w[3, i, a] * y[a]
        x[i] += s
    # T = A P = P - K PHt^T
    for i in range(6):
        for j in range(6):
            s = P[i, j]
            for a in range(m):
                s -= w[3, i, a] * w[0, j, a]
            w[5, i, j] = s
    # KR = K R;  then T H^T into PHt (PHt is no longer needed)
    for i in range(6):
        for b in range(m):
            s = 0.0
            for a in range(m):
                s += w[3, i, a] * R[a, b]
            w[4, i, b] = s
    for i in range(6):
        for a in range(m):
            w[0, i, a] = w[5, i, 0] * Hp[a, 0] + w[5, i, 1] * Hp[a, 1] + w[5, i, 2] * Hp[a, 2]
    # P = T - (T H^T) K^T + K R K^T   (upper triangle, mirrored)
    for i in range(6):
        for j in range(i, 6):
            s = w[5, i, j]
            for a in range(m):
                s += -w[0, i, a] * w[3, j, a] + w[4, i, a] * w[3, j, a]
            P[i, j] = s
            P[j, i] = s
    return d2, det


@kernel(inline="always")
def joseph_update_hpos1(x, P, y, Hp, R):
    """:func:`joseph_update_hpos` for m = 1: :func:`joseph_update_hpos1_k` on (x, P) seen as slot 0 of one
    (the scalar code exists once).  x (6,), P (6, 6) C-contiguous.  Returns (d2, det S)."""
    return joseph_update_hpos1_k(x.reshape((1, 6)), P.reshape((1, 6, 6)), 0, y, Hp, R)


@kernel(inline="always")
def joseph_update_hpos2(x, P, y, Hp, R):
    """:func:`joseph_update_hpos` for m = 2: :func:`joseph_update_hpos2_k` on (x, P) seen as slot 0 of one
    (the scalar code exists once).  x (6,), P (6, 6) C-contiguous.  Returns (d2, det S)."""
    return joseph_update_hpos2_k(x.reshape((1, 6)), P.reshape((1, 6, 6)), 0, y, Hp, R)


@kernel(inline="always")
def joseph_update_position2(x, P, y, R):
    """:func:`joseph_update_position` for m = 2 (H = [I_2 0]), written out on scalars (generated; same
    operation order, so bit-identical).  Scalars instead of work arrays: stores into a work array may alias P,
    which forces reloads (speed).  Returns (d2, det S)."""
    p00 = P[0, 0]
    p01 = P[0, 1]
    p02 = P[0, 2]
    p03 = P[0, 3]
    p04 = P[0, 4]
    p05 = P[0, 5]
    p11 = P[1, 1]
    p12 = P[1, 2]
    p13 = P[1, 3]
    p14 = P[1, 4]
    p15 = P[1, 5]
    p22 = P[2, 2]
    p23 = P[2, 3]
    p24 = P[2, 4]
    p25 = P[2, 5]
    p33 = P[3, 3]
    p34 = P[3, 4]
    p35 = P[3, 5]
    p44 = P[4, 4]
    p45 = P[4, 5]
    p55 = P[5, 5]
    s00 = p00 + R[0, 0]
    s01 = p01 + R[0, 1]
    s10 = p01 + R[1, 0]
    s11 = p11 + R[1, 1]
    det = s00 * s11 - s01 * s10
    if not (det > 0.0):
        return np.inf, det
    i00 = s11 / det
    i11 = s00 / det
    i01 = -s01 / det
    i10 = -s10 / det
    y0 = y[0]
    y1 = y[1]
    d2 = 0.0
    d2 += y0 * i00 * y0
    d2 += y0 * i01 * y1
    d2 += y1 * i10 * y0
    d2 += y1 * i11 * y1
    k00 = 0.0 + p00 * i00 + p01 * i10
    k01 = 0.0 + p00 * i01 + p01 * i11
    k10 = 0.0 + p01 * i00 + p11 * i10
    k11 = 0.0 + p01 * i01 + p11 * i11
    k20 = 0.0 + p02 * i00 + p12 * i10
    k21 = 0.0 + p02 * i01 + p12 * i11
    k30 = 0.0 + p03 * i00 + p13 * i10
    k31 = 0.0 + p03 * i01 + p13 * i11
    k40 = 0.0 + p04 * i00 + p14 * i10
    k41 = 0.0 + p04 * i01 + p14 * i11
    k50 = 0.0 + p05 * i00 + p15 * i10
    k51 = 0.0 + p05 * i01 + p15 * i11
    x[0] += 0.0 + k00 * y0 + k01 * y1
    x[1] += 0.0 + k10 * y0 + k11 * y1
    x[2] += 0.0 + k20 * y0 + k21 * y1
    x[3] += 0.0 + k30 * y0 + k31 * y1
    x[4] += 0.0 + k40 * y0 + k41 * y1
    x[5] += 0.0 + k50 * y0 + k51 * y1
    t00 = p00 - k00 * p00 - k01 * p01
    t01 = p01 - k00 * p01 - k01 * p11
    t02 = p02 - k00 * p02 - k01 * p12
    t03 = p03 - k00 * p03 - k01 * p13
    t04 = p04 - k00 * p04 - k01 * p14
    t05 = p05 - k00 * p05 - k01 * p15
    t10 = p01 - k10 * p00 - k11 * p01
    t11 = p11 - k10 * p01 - k11 * p11
    t12 = p12 - k10 * p02 - k11 * p12
    t13 = p13 - k10 * p03 - k11 * p13
    t14 = p14 - k10 * p04 - k11 * p14
    t15 = p15 - k10 * p05 - k11 * p15
    t20 = p02 - k20 * p00 - k21 * p01
    t21 = p12 - k20 * p01 - k21 * p11
    t22 = p22 - k20 * p02 - k21 * p12
    t23 = p23 - k20 * p03 - k21 * p13
    t24 = p24 - k20 * p04 - k21 * p14
    t25 = p25 - k20 * p05 - k21 * p15
    t30 = p03 - k30 * p00 - k31 * p01
    t31 = p13 - k30 * p01 - k31 * p11
    t32 = p23 - k30 * p02 - k31 * p12
    t33 = p33 - k30 * p03 - k31 * p13
    t34 = p34 - k30 * p04 - k31 * p14
    t35 = p35 - k30 * p05 - k31 * p15
    t40 = p04 - k40 * p00 - k41 * p01
    t41 = p14 - k40 * p01 - k41 * p11
    t42 = p24 - k40 * p02 - k41 * p12
    t43 = p34 - k40 * p03 - k41 * p13
    t44 = p44 - k40 * p04 - k41 * p14
    t45 = p45 - k40 * p05 - k41 * p15
    t50 = p05 - k50 * p00 - k51 * p01
    t51 = p15 - k50 * p01 - k51 * p11
    t52 = p25 - k50 * p02 - k51 * p12
    t53 = p35 - k50 * p03 - k51 * p13
    t54 = p45 - k50 * p04 - k51 * p14
    t55 = p55 - k50 * p05 - k51 * p15
    r00 = 0.0 + k00 * R[0, 0] + k01 * R[1, 0]
    r01 = 0.0 + k00 * R[0, 1] + k01 * R[1, 1]
    r10 = 0.0 + k10 * R[0, 0] + k11 * R[1, 0]
    r11 = 0.0 + k10 * R[0, 1] + k11 * R[1, 1]
    r20 = 0.0 + k20 * R[0, 0] + k21 * R[1, 0]
    r21 = 0.0 + k20 * R[0, 1] + k21 * R[1, 1]
    r30 = 0.0 + k30 * R[0, 0] + k31 * R[1, 0]
    r31 = 0.0 + k30 * R[0, 1] + k31 * R[1, 1]
    r40 = 0.0 + k40 * R[0, 0] + k41 * R[1, 0]
    r41 = 0.0 + k40 * R[0, 1] + k41 * R[1, 1]
    r50 = 0.0 + k50 * R[0, 0] + k51 * R[1, 0]
    r51 = 0.0 + k50 * R[0, 1] + k51 * R[1, 1]
    v = t00 + (-t00 * k00 + r00 * k00) + (-t01 * k01 + r01 * k01)
    P[0, 0] = v
    v = t01 + (-t00 * k10 + r00 * k10) + (-t01 * k11 + r01 * k11)
    P[0, 1] = v
    P[1, 0] = v
    v = t02 + (-t00 * k20 + r00 * k20) + (-t01 * k21 + r01 * k21)
    P[0, 2] = v
    P[2, 0] = v
    v = t03 + (-t00 * k30 + r00 * k30) + (-t01 * k31 + r01 * k31)
    P[0, 3] = v
    P[3, 0] = v
    v = t04 + (-t00 * k40 + r00 * k40) + (-t01 * k41 + r01 * k41)
    P[0, 4] = v
    P[4, 0] = v
    v = t05 + (-t00 * k50 + r00 * k50) + (-t01 * k51 + r01 * k51)
    P[0, 5] = v
    P[5, 0] = v
    v = t11 + (-t10 * k10 + r10 * k10) + (-t11 * k11 + r11 * k11)
    P[1, 1] = v
    v = t12 + (-t10 * k20 + r10 * k20) + (-t11 * k21 + r11 * k21)
    P[1, 2] = v
    P[2, 1] = v
    v = t13 + (-t10 * k30 + r10 * k30) + (-t11 * k31 + r11 * k31)
    P[1, 3] = v
    P[3, 1] = v
    v = t14 + (-t10 * k40 + r10 * k40) + (-t11 * k41 + r11 * k41)
    P[1, 4] = v
    P[4, 1] = v
    v = t15 + (-t10 * k50 + r10 * k50) + (-t11 * k51 + r11 * k51)
    P[1, 5] = v
    P[5, 1] = v
    v = t22 + (-t20 * k20 + r20 * k20) + (-t21 * k21 + r21 * k21)
    P[2, 2] = v
    v = t23 + (-t20 * k30 + r20 * k30) + (-t21 * k31 + r21 * k31)
    P[2, 3] = v
    P[3, 2] = v
    v = t24 + (-t20 * k40 + r20 * k40) + (-t21 * k41 + r21 * k41)
    P[2, 4] = v
    P[4, 2] = v
    v = t25 + (-t20 * k50 + r20 * k50) + (-t21 * k51 + r21 * k51)
    P[2, 5] = v
    P[5, 2] = v
    v = t33 + (-t30 * k30 + r30 * k30) + (-t31 * k31 + r31 * k31)
    P[3, 3] = v
    v = t34 + (-t30 * k40 + r30 * k40) + (-t31 * k41 + r31 * k41)
    P[3, 4] = v
    P[4, 3] = v
    v = t35 + (-t30 * k50 + r30 * k50) + (-t31 * k51 + r31 * k51)
    P[3, 5] = v
    P[5, 3] = v
    v = t44 + (-t40 * k40 + r40 * k40) + (-t41 * k41 + r41 * k41)
    P[4, 4] = v
    v = t45 + (-t40 * k50 + r40 * k50) + (-t41 * k51 + r41 * k51)
    P[4, 5] = v
    P[5, 4] = v
    v = t55 + (-t50 * k50 + r50 * k50) + (-t51 * k51 + r51 * k51)
    P[5, 5] = v
    return d2, det


@kernel(inline="always")
def joseph_update_position3(x, P, y, R):
    """:func:`joseph_update_position` for m = 3 (H = [I_3 0]), written out on scalars (generated; same
    operation order, so bit-identical).  Scalars instead of work arrays: stores into a work array may alias P,
    which forces reloads (speed).  Returns (d2, det S)."""
    p00 = P[0, 0]
    p01 = P[0, 1]
    p02 = P[0, 2]
    p03 = P[0, 3]
    p04 = P[0, 4]
    p05 = P[0, 5]
    p11 = P[1, 1]
    p12 = P[1, 2]
    p13 = P[1, 3]
    p14 = P[1, 4]
    p15 = P[1, 5]
    p22 = P[2, 2]
    p23 = P[2, 3]
    p24 = P[2, 4]
    p25 = P[2, 5]
    p33 = P[3, 3]
    p34 = P[3, 4]
    p35 = P[3, 5]
    p44 = P[4, 4]
    p45 = P[4, 5]
    p55 = P[5, 5]
    s00 = p00 + R[0, 0]
    s01 = p01 + R[0, 1]
    s02 = p02 + R[0, 2]
    s10 = p01 + R[1, 0]
    s11 = p11 + R[1, 1]
    s12 = p12 + R[1, 2]
    s20 = p02 + R[2, 0]
    s21 = p12 + R[2, 1]
    s22 = p22 + R[2, 2]
    A_ = s11 * s22 - s12 * s12
    B_ = -(s01 * s22 - s02 * s12)
    C_ = s01 * s12 - s02 * s11
    det = s00 * A_ + s01 * B_ + s02 * C_
    if not (det > 0.0):
        return np.inf, det
    i00 = A_ / det
    i01 = B_ / det
    i02 = C_ / det
    i10 = B_ / det
    i11 = (s00 * s22 - s02 * s02) / det
    i12 = -(s00 * s12 - s01 * s02) / det
    i20 = C_ / det
    i21 = i12
    i22 = (s00 * s11 - s01 * s01) / det
    y0 = y[0]
    y1 = y[1]
    y2 = y[2]
    d2 = 0.0
    d2 += y0 * i00 * y0
    d2 += y0 * i01 * y1
    d2 += y0 * i02 * y2
    d2 += y1 * i10 * y0
    d2 += y1 * i11 * y1
    d2 += y1 * i12 * y2
    d2 += y2 * i20 * y0
    d2 += y2 * i21 * y1
    d2 += y2 * i22 * y2
    k00 = 0.0 + p00 * i00 + p01 * i10 + p02 * i20
    k01 = 0.0 + p00 * i01 + p01 * i11 + p02 * i21
    k02 = 0.0 + p00 * i02 + p01 * i12 + p02 * i22
    k10 = 0.0 + p01 * i00 + p11 * i10 + p12 * i20
    k11 = 0.0 + p01 * i01 + p11 * i11 + p12 * i21
    k12 = 0.0 + p01 * i02 + p11 * i12 + p12 * i22
    k20 = 0.0 + p02 * i00 + p12 * i10 + p22 * i20
    k21 = 0.0 + p02 * i01 + p12 * i11 + p22 * i21
    k22 = 0.0 + p02 * i02 + p12 * i12 + p22 * i22
    k30 = 0.0 + p03 * i00 + p13 * i10 + p23 * i20
    k31 = 0.0 + p03 * i01 + p13 * i11 + p23 * i21
    k32 = 0.0 + p03 * i02 + p13 * i12 + p23 * i22
    k40 = 0.0 + p04 * i00 + p14 * i10 + p24 * i20
    k41 = 0.0 + p04 * i01 + p14 * i11 + p24 * i21
    k42 = 0.0 + p04 * i02 + p14 * i12 + p24 * i22
    k50 = 0.0 + p05 * i00 + p15 * i10 + p25 * i20
    k51 = 0.0 + p05 * i01 + p15 * i11 + p25 * i21
    k52 = 0.0 + p05 * i02 + p15 * i12 + p25 * i22
    x[0] += 0.0 + k00 * y0 + k01 * y1 + k02 * y2
    x[1] += 0.0 + k10 * y0 + k11 * y1 + k12 * y2
    x[2] += 0.0 + k20 * y0 + k21 * y1 + k22 * y2
    x[3] += 0.0 + k30 * y0 + k31 * y1 + k32 * y2
    x[4] += 0.0 + k40 * y0 + k41 * y1 + k42 * y2
    x[5] += 0.0 + k50 * y0 + k51 * y1 + k52 * y2
    t00 = p00 - k00 * p00 - k01 * p01 - k02 * p02
    t01 = p01 - k00 * p01 - k01 * p11 - k02 * p12
    t02 = p02 - k00 * p02 - k01 * p12 - k02 * p22
    t03 = p03 - k00 * p03 - k01 * p13 - k02 * p23
    t04 = p04 - k00 * p04 - k01 * p14 - k02 * p24
    t05 = p05 - k00 * p05 - k01 * p15 - k02 * p25
    t10 = p01 - k10 * p00 - k11 * p01 - k12 * p02
    t11 = p11 - k10 * p01 - k11 * p11 - k12 * p12
    t12 = p12 - k10 * p02 - k11 * p12 - k12 * p22
    t13 = p13 - k10 * p03 - k11 * p13 - k12 * p23
    t14 = p14 - k10 * p04 - k11 * p14 - k12 * p24
    t15 = p15 - k10 * p05 - k11 * p15 - k12 * p25
    t20 = p02 - k20 * p00 - k21 * p01 - k22 * p02
    t21 = p12 - k20 * p01 - k21 * p11 - k22 * p12
    t22 = p22 - k20 * p02 - k21 * p12 - k22 * p22
    t23 = p23 - k20 * p03 - k21 * p13 - k22 * p23
    t24 = p24 - k20 * p04 - k21 * p14 - k22 * p24
    t25 = p25 - k20 * p05 - k21 * p15 - k22 * p25
    t30 = p03 - k30 * p00 - k31 * p01 - k32 * p02
    t31 = p13 - k30 * p01 - k31 * p11 - k32 * p12
    t32 = p23 - k30 * p02 - k31 * p12 - k32 * p22
    t33 = p33 - k30 * p03 - k31 * p13 - k32 * p23
    t34 = p34 - k30 * p04 - k31 * p14 - k32 * p24
    t35 = p35 - k30 * p05 - k31 * p15 - k32 * p25
    t40 = p04 - k40 * p00 - k41 * p01 - k42 * p02
    t41 = p14 - k40 * p01 - k41 * p11 - k42 * p12
    t42 = p24 - k40 * p02 - k41 * p12 - k42 * p22
    t43 = p34 - k40 * p03 - k41 * p13 - k42 * p23
    t44 = p44 - k40 * p04 - k41 * p14 - k42 * p24
    t45 = p45 - k40 * p05 - k41 * p15 - k42 * p25
    t50 = p05 - k50 * p00 - k51 * p01 - k52 * p02
    t51 = p15 - k50 * p01 - k51 * p11 - k52 * p12
    t52 = p25 - k50 * p02 - k51 * p12 - k52 * p22
    t53 = p35 - k50 * p03 - k51 * p13 - k52 * p23
    t54 = p45 - k50 * p04 - k51 * p14 - k52 * p24
    t55 = p55 - k50 * p05 - k51 * p15 - k52 * p25
    r00 = 0.0 + k00 * R[0, 0] + k01 * R[1, 0] + k02 * R[2, 0]
    r01 = 0.0 + k00 * R[0, 1] + k01 * R[1, 1] + k02 * R[2, 1]
    r02 = 0.0 + k00 * R[0, 2] + k01 * R[1, 2] + k02 * R[2, 2]
    r10 = 0.0 + k10 * R[0, 0] + k11 * R[1, 0] + k12 * R[2, 0]
    r11 = 0.0 + k10 * R[0, 1] + k11 * R[1, 1] + k12 * R[2, 1]
    r12 = 0.0 + k10 * R[0, 2] + k11 * R[1, 2] + k12 * R[2, 2]
    r20 = 0.0 + k20 * R[0, 0] + k21 * R[1, 0] + k22 * R[2, 0]
    r21 = 0.0 + k20 * R[0, 1] + k21 * R[1, 1] + k22 * R[2, 1]
    r22 = 0.0 + k20 * R[0, 2] + k21 * R[1, 2] + k22 * R[2, 2]
    r30 = 0.0 + k30 * R[0, 0] + k31 * R[1, 0] + k32 * R[2, 0]
    r31 = 0.0 + k30 * R[0, 1] + k31 * R[1, 1] + k32 * R[2, 1]
    r32 = 0.0 + k30 * R[0, 2] + k31 * R[1, 2] + k32 * R[2, 2]
    r40 = 0.0 + k40 * R[0, 0] + k41 * R[1, 0] + k42 * R[2, 0]
    r41 = 0.0 + k40 * R[0, 1] + k41 * R[1, 1] + k42 * R[2, 1]
    r42 = 0.0 + k40 * R[0, 2] + k41 * R[1, 2] + k42 * R[2, 2]
    r50 = 0.0 + k50 * R[0, 0] + k51 * R[1, 0] + k52 * R[2, 0]
    r51 = 0.0 + k50 * R[0, 1] + k51 * R[1, 1] + k52 * R[2, 1]
    r52 = 0.0 + k50 * R[0, 2] + k51 * R[1, 2] + k52 * R[2, 2]
    v = t00 + (-t00 * k00 + r00 * k00) + (-t01 * k01 + r01 * k01) + (-t02 * k02 + r02 * k02)
    P[0, 0] = v
    v = t01 + (-t00 * k10 + r00 * k10) + (-t01 * k11 + r01 * k11) + (-t02 * k12 + r02 * k12)
    P[0, 1] = v
    P[1, 0] = v
    v = t02 + (-t00 * k20 + r00 * k20) + (-t01 * k21 + r01 * k21) + (-t02 * k22 + r02 * k22)
    P[0, 2] = v
    P[2, 0] = v
    v = t03 + (-t00 * k30 + r00 * k30) + (-t01 * k31 + r01 * k31) + (-t02 * k32 + r02 * k32)
    P[0, 3] = v
    P[3, 0] = v
    v = t04 + (-t00 * k40 + r00 * k40) + (-t01 * k41 + r01 * k41) + (-t02 * k42 + r02 * k42)
    P[0, 4] = v
    P[4, 0] = v
    v = t05 + (-t00 * k50 + r00 * k50) + (-t01 * k51 + r01 * k51) + (-t02 * k52 + r02 * k52)
    P[0, 5] = v
    P[5, 0] = v
    v = t11 + (-t10 * k10 + r10 * k10) + (-t11 * k11 + r11 * k11) + (-t12 * k12 + r12 * k12)
    P[1, 1] = v
    v = t12 + (-t10 * k20 + r10 * k20) + (-t11 * k21 + r11 * k21) + (-t12 * k22 + r12 * k22)
    P[1, 2] = v
    P[2, 1] = v
    v = t13 + (-t10 * k30 + r10 * k30) + (-t11 * k31 + r11 * k31) + (-t12 * k32 + r12 * k32)
    P[1, 3] = v
    P[3, 1] = v
    v = t14 + (-t10 * k40 + r10 * k40) + (-t11 * k41 + r11 * k41) + (-t12 * k42 + r12 * k42)
    P[1, 4] = v
    P[4, 1] = v
    v = t15 + (-t10 * k50 + r10 * k50) + (-t11 * k51 + r11 * k51) + (-t12 * k52 + r12 * k52)
    P[1, 5] = v
    P[5, 1] = v
    v = t22 + (-t20 * k20 + r20 * k20) + (-t21 * k21 + r21 * k21) + (-t22 * k22 + r22 * k22)
    P[2, 2] = v
    v = t23 + (-t20 * k30 + r20 * k30) + (-t21 * k31 + r21 * k31) + (-t22 * k32 + r22 * k32)
    P[2, 3] = v
    P[3, 2] = v
    v = t24 + (-t20 * k40 + r20 * k40) + (-t21 * k41 + r21 * k41) + (-t22 * k42 + r22 * k42)
    P[2, 4] = v
    P[4, 2] = v
    v = t25 + (-t20 * k50 + r20 * k50) + (-t21 * k51 + r21 * k51) + (-t22 * k52 + r22 * k52)
    P[2, 5] = v
    P[5, 2] = v
    v = t33 + (-t30 * k30 + r30 * k30) + (-t31 * k31 + r31 * k31) + (-t32 * k32 + r32 * k32)
    P[3, 3] = v
    v = t34 + (-t30 * k40 + r30 * k40) + (-t31 * k41 + r31 * k41) + (-t32 * k42 + r32 * k42)
    P[3, 4] = v
    P[4, 3] = v
    v = t35 + (-t30 * k50 + r30 * k50) + (-t31 * k51 + r31 * k51) + (-t32 * k52 + r32 * k52)
    P[3, 5] = v
    P[5, 3] = v
    v = t44 + (-t40 * k40 + r40 * k40) + (-t41 * k41 + r41 * k41) + (-t42 * k42 + r42 * k42)
    P[4, 4] = v
    v = t45 + (-t40 * k50 + r40 * k50) + (-t41 * k51 + r41 * k51) + (-t42 * k52 + r42 * k52)
    P[4, 5] = v
    P[5, 4] = v
    v = t55 + (-t50 * k50 + r50 * k50) + (-t51 * k51 + r51 * k51) + (-t52 * k52 + r52 * k52)
    P[5, 5] = v
    return d2, det


@kernel(inline="always")
def joseph_update_hpos1_k(X, PP, k, y, Hp, R):
    """:func:`joseph_update_hpos` for m = 1 on slot k of X (n, 6), PP (n, 6, 6) in place, written out on scalars
    (generated; same operation order; no copy, no view).  Scalars instead of work arrays: stores into a work
    array may alias P, which forces reloads (speed).

    Returns (d2, det S)."""
    p00 = PP[k, 0, 0]
    p01 = PP[k, 0, 1]
    p02 = PP[k, 0, 2]
    p03 = PP[k, 0, 3]
    p04 = PP[k, 0, 4]
    p05 = PP[k, 0, 5]
    p11 = PP[k, 1, 1]
    p12 = PP[k, 1, 2]
    p13 = PP[k, 1, 3]
    p14 = PP[k, 1, 4]
    p15 = PP[k, 1, 5]
    p22 = PP[k, 2, 2]
    p23 = PP[k, 2, 3]
    p24 = PP[k, 2, 4]
    p25 = PP[k, 2, 5]
    p33 = PP[k, 3, 3]
    p34 = PP[k, 3, 4]
    p35 = PP[k, 3, 5]
    p44 = PP[k, 4, 4]
    p45 = PP[k, 4, 5]
    p55 = PP[k, 5, 5]
    h00 = Hp[0, 0]
    h01 = Hp[0, 1]
    h02 = Hp[0, 2]
    c00 = p00 * h00 + p01 * h01 + p02 * h02
    c10 = p01 * h00 + p11 * h01 + p12 * h02
    c20 = p02 * h00 + p12 * h01 + p22 * h02
    c30 = p03 * h00 + p13 * h01 + p23 * h02
    c40 = p04 * h00 + p14 * h01 + p24 * h02
    c50 = p05 * h00 + p15 * h01 + p25 * h02
    s00 = h00 * c00 + h01 * c10 + h02 * c20 + R[0, 0]
    det = s00
    if not (det > 0.0):
        return np.inf, det
    i00 = 1.0 / det
    y0 = y[0]
    d2 = 0.0
    d2 += y0 * i00 * y0
    k00 = 0.0 + c00 * i00
    k10 = 0.0 + c10 * i00
    k20 = 0.0 + c20 * i00
    k30 = 0.0 + c30 * i00
    k40 = 0.0 + c40 * i00
    k50 = 0.0 + c50 * i00
    X[k, 0] += 0.0 + k00 * y0
    X[k, 1] += 0.0 + k10 * y0
    X[k, 2] += 0.0 + k20 * y0
    X[k, 3] += 0.0 + k30 * y0
    X[k, 4] += 0.0 + k40 * y0
    X[k, 5] += 0.0 + k50 * y0
    t00 = p00 - k00 * c00
    t01 = p01 - k00 * c10
    t02 = p02 - k00 * c20
    t03 = p03 - k00 * c30
    t04 = p04 - k00 * c40
    t05 = p05 - k00 * c50
    t10 = p01 - k10 * c00
    t11 = p11 - k10 * c10
    t12 = p12 - k10 * c20
    t13 = p13 - k10 * c30
    t14 = p14 - k10 * c40
    t15 = p15 - k10 * c50
    t20 = p02 - k20 * c00
    t21 = p12 - k20 * c10
    t22 = p22 - k20 * c20
    t23 = p23 - k20 * c30
    t24 = p24 - k20 * c40
    t25 = p25 - k20 * c50
    t30 = p03 - k30 * c00
    t31 = p13 - k30 * c10
    t32 = p23 - k30 * c20
    t33 = p33 - k30 * c30
    t34 = p34 - k30 * c40
    t35 = p35 - k30 * c50
    t40 = p04 - k40 * c00
    t41 = p14 - k40 * c10
    t42 = p24 - k40 * c20
    t43 = p34 - k40 * c30
    t44 = p44 - k40 * c40
    t45 = p45 - k40 * c50
    t50 = p05 - k50 * c00
    t51 = p15 - k50 * c10
    t52 = p25 - k50 * c20
    t53 = p35 - k50 * c30
    t54 = p45 - k50 * c40
    t55 = p55 - k50 * c50
    r00 = 0.0 + k00 * R[0, 0]
    r10 = 0.0 + k10 * R[0, 0]
    r20 = 0.0 + k20 * R[0, 0]
    r30 = 0.0 + k30 * R[0, 0]
    r40 = 0.0 + k40 * R[0, 0]
    r50 = 0.0 + k50 * R[0, 0]
    g00 = t00 * h00 + t01 * h01 + t02 * h02
    g10 = t10 * h00 + t11 * h01 + t12 * h02
    g20 = t20 * h00 + t21 * h01 + t22 * h02
    g30 = t30 * h00 + t31 * h01 + t32 * h02
    g40 = t40 * h00 + t41 * h01 + t42 * h02
    g50 = t50 * h00 + t51 * h01 + t52 * h02
    v = t00 + (-g00 * k00 + r00 * k00)
    PP[k, 0, 0] = v
    v = t01 + (-g00 * k10 + r00 * k10)
    PP[k, 0, 1] = v
    PP[k, 1, 0] = v
    v = t02 + (-g00 * k20 + r00 * k20)
    PP[k, 0, 2] = v
    PP[k, 2, 0] = v
    v = t03 + (-g00 * k30 + r00 * k30)
    PP[k, 0, 3] = v
    PP[k, 3, 0] = v
    v = t04 + (-g00 * k40 + r00 * k40)
    PP[k, 0, 4] = v
    PP[k, 4, 0] = v
    v = t05 + (-g00 * k50 + r00 * k50)
    PP[k, 0, 5] = v
    PP[k, 5, 0] = v
    v = t11 + (-g10 * k10 + r10 * k10)
    PP[k, 1, 1] = v
    v = t12 + (-g10 * k20 + r10 * k20)
    PP[k, 1, 2] = v
    PP[k, 2, 1] = v
    v = t13 + (-g10 * k30 + r10 * k30)
    PP[k, 1, 3] = v
    PP[k, 3, 1] = v
    v = t14 + (-g10 * k40 + r10 * k40)
    PP[k, 1, 4] = v
    PP[k, 4, 1] = v
    v = t15 + (-g10 * k50 + r10 * k50)
    PP[k, 1, 5] = v
    PP[k, 5, 1] = v
    v = t22 + (-g20 * k20 + r20 * k20)
    PP[k, 2, 2] = v
    v = t23 + (-g20 * k30 + r20 * k30)
    PP[k, 2, 3] = v
    PP[k, 3, 2] = v
    v = t24 + (-g20 * k40 + r20 * k40)
    PP[k, 2, 4] = v
    PP[k, 4, 2] = v
    v = t25 + (-g20 * k50 + r20 * k50)
    PP[k, 2, 5] = v
    PP[k, 5, 2] = v
    v = t33 + (-g30 * k30 + r30 * k30)
    PP[k, 3, 3] = v
    v = t34 + (-g30 * k40 + r30 * k40)
    PP[k, 3, 4] = v
    PP[k, 4, 3] = v
    v = t35 + (-g30 * k50 + r30 * k50)
    PP[k, 3, 5] = v
    PP[k, 5, 3] = v
    v = t44 + (-g40 * k40 + r40 * k40)
    PP[k, 4, 4] = v
    v = t45 + (-g40 * k50 + r40 * k50)
    PP[k, 4, 5] = v
    PP[k, 5, 4] = v
    v = t55 + (-g50 * k50 + r50 * k50)
    PP[k, 5, 5] = v
    return d2, det


@kernel(inline="always")
def joseph_update_hpos2_k(X, PP, k, y, Hp, R):
    """:func:`joseph_update_hpos` for m = 2 on slot k of X (n, 6), PP (n, 6, 6) in place, written out on scalars
    (generated; same operation order; no copy, no view).  Scalars instead of work arrays: stores into a work
    array may alias P, which forces reloads (speed).

    Returns (d2, det S)."""
    p00 = PP[k, 0, 0]
    p01 = PP[k, 0, 1]
    p02 = PP[k, 0, 2]
    p03 = PP[k, 0, 3]
    p04 = PP[k, 0, 4]
    p05 = PP[k, 0, 5]
    p11 = PP[k, 1, 1]
    p12 = PP[k, 1, 2]
    p13 = PP[k, 1, 3]
    p14 = PP[k, 1, 4]
    p15 = PP[k, 1, 5]
    p22 = PP[k, 2, 2]
    p23 = PP[k, 2, 3]
    p24 = PP[k, 2, 4]
    p25 = PP[k, 2, 5]
    p33 = PP[k, 3, 3]
    p34 = PP[k, 3, 4]
    p35 = PP[k, 3, 5]
    p44 = PP[k, 4, 4]
    p45 = PP[k, 4, 5]
    p55 = PP[k, 5, 5]
    h00 = Hp[0, 0]
    h01 = Hp[0, 1]
    h02 = Hp[0, 2]
    h10 = Hp[1, 0]
    h11 = Hp[1, 1]
    h12 = Hp[1, 2]
    c00 = p00 * h00 + p01 * h01 + p02 * h02
    c01 = p00 * h10 + p01 * h11 + p02 * h12
    c10 = p01 * h00 + p11 * h01 + p12 * h02
    c11 = p01 * h10 + p11 * h11 + p12 * h12
    c20 = p02 * h00 + p12 * h01 + p22 * h02
    c21 = p02 * h10 + p12 * h11 + p22 * h12
    c30 = p03 * h00 + p13 * h01 + p23 * h02
    c31 = p03 * h10 + p13 * h11 + p23 * h12
    c40 = p04 * h00 + p14 * h01 + p24 * h02
    c41 = p04 * h10 + p14 * h11 + p24 * h12
    c50 = p05 * h00 + p15 * h01 + p25 * h02
    c51 = p05 * h10 + p15 * h11 + p25 * h12
    s00 = h00 * c00 + h01 * c10 + h02 * c20 + R[0, 0]
    s01 = h00 * c01 + h01 * c11 + h02 * c21 + R[0, 1]
    s10 = h10 * c00 + h11 * c10 + h12 * c20 + R[1, 0]
    s11 = h10 * c01 + h11 * c11 + h12 * c21 + R[1, 1]
    det = s00 * s11 - s01 * s10
    if not (det > 0.0):
        return np.inf, det
    i00 = s11 / det
    i11 = s00 / det
    i01 = -s01 / det
    i10 = -s10 / det
    y0 = y[0]
    y1 = y[1]
    d2 = 0.0
    d2 += y0 * i00 * y0
    d2 += y0 * i01 * y1
    d2 += y1 * i10 * y0
    d2 += y1 * i11 * y1
    k00 = 0.0 + c00 * i00 + c01 * i10
    k01 = 0.0 + c00 * i01 + c01 * i11
    k10 = 0.0 + c10 * i00 + c11 * i10
    k11 = 0.0 + c10 * i01 + c11 * i11
    k20 = 0.0 + c20 * i00 + c21 * i10
    k21 = 0.0 + c20 * i01 + c21 * i11
    k30 = 0.0 + c30 * i00 + c31 * i10
    k31 = 0.0 + c30 * i01 + c31 * i11
    k40 = 0.0 + c40 * i00 + c41 * i10
    k41 = 0.0 + c40 * i01 + c41 * i11
    k50 = 0.0 + c50 * i00 + c51 * i10
    k51 = 0.0 + c50 * i01 + c51 * i11
    X[k, 0] += 0.0 + k00 * y0 + k01 * y1
    X[k, 1] += 0.0 + k10 * y0 + k11 * y1
    X[k, 2] += 0.0 + k20 * y0 + k21 * y1
    X[k, 3] += 0.0 + k30 * y0 + k31 * y1
    X[k, 4] += 0.0 + k40 * y0 + k41 * y1
    X[k, 5] += 0.0 + k50 * y0 + k51 * y1
    t00 = p00 - k00 * c00 - k01 * c01
    t01 = p01 - k00 * c10 - k01 * c11
    t02 = p02 - k00 * c20 - k01 * c21
    t03 = p03 - k00 * c30 - k01 * c31
    t04 = p04 - k00 * c40 - k01 * c41
    t05 = p05 - k00 * c50 - k01 * c51
    t10 = p01 - k10 * c00 - k11 * c01
    t11 = p11 - k10 * c10 - k11 * c11
    t12 = p12 - k10 * c20 - k11 * c21
    t13 = p13 - k10 * c30 - k11 * c31
    t14 = p14 - k10 * c40 - k11 * c41
    t15 = p15 - k10 * c50 - k11 * c51
    t20 = p02 - k20 * c00 - k21 * c01
    t21 = p12 - k20 * c10 - k21 * c11
    t22 = p22 - k20 * c20 - k21 * c21
    t23 = p23 - k20 * c30 - k21 * c31
    t24 = p24 - k20 * c40 - k21 * c41
    t25 = p25 - k20 * c50 - k21 * c51
    t30 = p03 - k30 * c00 - k31 * c01
    t31 = p13 - k30 * c10 - k31 * c11
    t32 = p23 - k30 * c20 - k31 * c21
    t33 = p33 - k30 * c30 - k31 * c31
    t34 = p34 - k30 * c40 - k31 * c41
    t35 = p35 - k30 * c50 - k31 * c51
    t40 = p04 - k40 * c00 - k41 * c01
    t41 = p14 - k40 * c10 - k41 * c11
    t42 = p24 - k40 * c20 - k41 * c21
    t43 = p34 - k40 * c30 - k41 * c31
    t44 = p44 - k40 * c40 - k41 * c41
    t45 = p45 - k40 * c50 - k41 * c51
    t50 = p05 - k50 * c00 - k51 * c01
    t51 = p15 - k50 * c10 - k51 * c11
    t52 = p25 - k50 * c20 - k51 * c21
    t53 = p35 - k50 * c30 - k51 * c31
    t54 = p45 - k50 * c40 - k51 * c41
    t55 = p55 - k50 * c50 - k51 * c51
    r00 = 0.0 + k00 * R[0, 0] + k01 * R[1, 0]
    r01 = 0.0 + k00 * R[0, 1] + k01 * R[1, 1]
    r10 = 0.0 + k10 * R[0, 0] + k11 * R[1, 0]
    r11 = 0.0 + k10 * R[0, 1] + k11 * R[1, 1]
    r20 = 0.0 + k20 * R[0, 0] + k21 * R[1, 0]
    r21 = 0.0 + k20 * R[0, 1] + k21 * R[1, 1]
    r30 = 0.0 + k30 * R[0, 0] + k31 * R[1, 0]
    r31 = 0.0 + k30 * R[0, 1] + k31 * R[1, 1]
    r40 = 0.0 + k40 * R[0, 0] + k41 * R[1, 0]
    r41 = 0.0 + k40 * R[0, 1] + k41 * R[1, 1]
    r50 = 0.0 + k50 * R[0, 0] + k51 * R[1, 0]
    r51 = 0.0 + k50 * R[0, 1] + k51 * R[1, 1]
    g00 = t00 * h00 + t01 * h01 + t02 * h02
    g01 = t00 * h10 + t01 * h11 + t02 * h12
    g10 = t10 * h00 + t11 * h01 + t12 * h02
    g11 = t10 * h10 + t11 * h11 + t12 * h12
    g20 = t20 * h00 + t21 * h01 + t22 * h02
    g21 = t20 * h10 + t21 * h11 + t22 * h12
    g30 = t30 * h00 + t31 * h01 + t32 * h02
    g31 = t30 * h10 + t31 * h11 + t32 * h12
    g40 = t40 * h00 + t41 * h01 + t42 * h02
    g41 = t40 * h10 + t41 * h11 + t42 * h12
    g50 = t50 * h00 + t51 * h01 + t52 * h02
    g51 = t50 * h10 + t51 * h11 + t52 * h12
    v = t00 + (-g00 * k00 + r00 * k00) + (-g01 * k01 + r01 * k01)
    PP[k, 0, 0] = v
    v = t01 + (-g00 * k10 + r00 * k10) + (-g01 * k11 + r01 * k11)
    PP[k, 0, 1] = v
    PP[k, 1, 0] = v
    v = t02 + (-g00 * k20 + r00 * k20) + (-g01 * k21 + r01 * k21)
    PP[k, 0, 2] = v
    PP[k, 2, 0] = v
    v = t03 + (-g00 * k30 + r00 * k30) + (-g01 * k31 + r01 * k31)
    PP[k, 0, 3] = v
    PP[k, 3, 0] = v
    v = t04 + (-g00 * k40 + r00 * k40) + (-g01 * k41 + r01 * k41)
    PP[k, 0, 4] = v
    PP[k, 4, 0] = v
    v = t05 + (-g00 * k50 + r00 * k50) + (-g01 * k51 + r01 * k51)
    PP[k, 0, 5] = v
    PP[k, 5, 0] = v
    v = t11 + (-g10 * k10 + r10 * k10) + (-g11 * k11 + r11 * k11)
    PP[k, 1, 1] = v
    v = t12 + (-g10 * k20 + r10 * k20) + (-g11 * k21 + r11 * k21)
    PP[k, 1, 2] = v
    PP[k, 2, 1] = v
    v = t13 + (-g10 * k30 + r10 * k30) + (-g11 * k31 + r11 * k31)
    PP[k, 1, 3] = v
    PP[k, 3, 1] = v
    v = t14 + (-g10 * k40 + r10 * k40) + (-g11 * k41 + r11 * k41)
    PP[k, 1, 4] = v
    PP[k, 4, 1] = v
    v = t15 + (-g10 * k50 + r10 * k50) + (-g11 * k51 + r11 * k51)
    PP[k, 1, 5] = v
    PP[k, 5, 1] = v
    v = t22 + (-g20 * k20 + r20 * k20) + (-g21 * k21 + r21 * k21)
    PP[k, 2, 2] = v
    v = t23 + (-g20 * k30 + r20 * k30) + (-g21 * k31 + r21 * k31)
    PP[k, 2, 3] = v
    PP[k, 3, 2] = v
    v = t24 + (-g20 * k40 + r20 * k40) + (-g21 * k41 + r21 * k41)
    PP[k, 2, 4] = v
    PP[k, 4, 2] = v
    v = t25 + (-g20 * k50 + r20 * k50) + (-g21 * k51 + r21 * k51)
    PP[k, 2, 5] = v
    PP[k, 5, 2] = v
    v = t33 + (-g30 * k30 + r30 * k30) + (-g31 * k31 + r31 * k31)
    PP[k, 3, 3] = v
    v = t34 + (-g30 * k40 + r30 * k40) + (-g31 * k41 + r31 * k41)
    PP[k, 3, 4] = v
    PP[k, 4, 3] = v
    v = t35 + (-g30 * k50 + r30 * k50) + (-g31 * k51 + r31 * k51)
    PP[k, 3, 5] = v
    PP[k, 5, 3] = v
    v = t44 + (-g40 * k40 + r40 * k40) + (-g41 * k41 + r41 * k41)
    PP[k, 4, 4] = v
    v = t45 + (-g40 * k50 + r40 * k50) + (-g41 * k51 + r41 * k51)
    PP[k, 4, 5] = v
    PP[k, 5, 4] = v
    v = t55 + (-g50 * k50 + r50 * k50) + (-g51 * k51 + r51 * k51)
    PP[k, 5, 5] = v
    return d2, det


@kernel(inline="always")
def hold_vertical_k(X, PP, k, u, dz, var_p, var_v, hw):
    """Hold the vertical of slot k of X (n, 6), PP (n, 6, 6) in place: the position moved ``dz`` along the
    unit local up ``u``, the velocity's component along u removed, and the vertical decoupled from every
    other component with variances ``var_p`` (position) and ``var_v`` (velocity) along u::

        x_p += dz u;   x_v -= (x_v . u) u
        P = T P T^T + [[var_p u u^T, 0], [0, var_v u u^T]],   T = blockdiag(M, M),  M = I - u u^T

    T P T^T is P with its vertical rows and columns projected out (P - E P - P E + E P E, E = I - T), so
    the result stays symmetric positive semi-definite.  A (range, azimuth) update whose position Jacobian
    has no component along u then leaves the height and its variance untouched (see
    :func:`tracker._kernels.core._hold_jacobian`).  ``hw``: scratch (>= 2, >= 6)."""
    for a in range(3):
        X[k, a] += dz * u[a]
    vu = X[k, 3] * u[0] + X[k, 4] * u[1] + X[k, 5] * u[2]
    for a in range(3):
        X[k, 3 + a] -= vu * u[a]
    # hw[0, i] = P[i, pos] u, hw[1, i] = P[i, vel] u
    for i in range(6):
        hw[0, i] = PP[k, i, 0] * u[0] + PP[k, i, 1] * u[1] + PP[k, i, 2] * u[2]
        hw[1, i] = PP[k, i, 3] * u[0] + PP[k, i, 4] * u[1] + PP[k, i, 5] * u[2]
    # s_ab = u^T P_ab u for the blocks a, b in {position, velocity}
    spp = hw[0, 0] * u[0] + hw[0, 1] * u[1] + hw[0, 2] * u[2]
    spv = hw[1, 0] * u[0] + hw[1, 1] * u[1] + hw[1, 2] * u[2]
    svv = hw[1, 3] * u[0] + hw[1, 4] * u[1] + hw[1, 5] * u[2]
    for i in range(6):
        bi = i // 3
        ui = u[i - 3 * bi]
        for j in range(i, 6):
            bj = j // 3
            uj = u[j - 3 * bj]
            # (P E)[i, j] = (P[i, blk(j)] u) u_j;  (E P)[i, j] = u_i (P[blk(i), j] . u) = (P E)[j, i]
            s = spv
            if bi == 0 and bj == 0:
                s = spp + var_p
            elif bi == 1 and bj == 1:
                s = svv + var_v
            # T P T^T + the held variances on the diagonal blocks (s carries them)
            v = PP[k, i, j] - hw[bj, i] * uj - hw[bi, j] * ui + ui * uj * s
            PP[k, i, j] = v
            PP[k, j, i] = v
