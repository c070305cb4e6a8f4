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
def joseph_update_hpos(x, P, y, Hp, R, m, w):
    """:func:`joseph_update` for H = [Hp 0] (m x 6, zero velocity columns: polar and Mode C plots), using its structure.

    With P symmetric, H P = (P H^T)^T, so
    PHt = P[:, :3] Hp^T;  S = Hp PHt[:3] + R;  K = PHt S^-1;  x += K y;
    A P = P - K PHt^T;  P = (A P) - (A P)[:, :3] Hp^T K^T + K R K^T  (Joseph form, A = I - K H).
    About 6x fewer multiplications than the generic 6x6x6 products (the IMM does six of these per 2D plot);
    same result as the generic update to rounding (tests/test_tracker_kalman.py).  ``Hp`` is (>= m, 3); returns (d2, det S).
    """
    PHt = w[0]
    S = w[1]
    Si = w[2]
    K = w[3]
    KR = w[4]
    T = w[5]
    # PHt = P H^T  (6 x m)
    for i in range(6):
        for a in range(m):
            PHt[i, a] = P[i, 0] * Hp[a, 0] + P[i, 1] * Hp[a, 1] + P[i, 2] * Hp[a, 2]
    # S = H P H^T + R
    for a in range(m):
        for b in range(m):
            S[a, b] = Hp[a, 0] * PHt[0, b] + Hp[a, 1] * PHt[1, b] + Hp[a, 2] * PHt[2, b] + R[a, b]
    det = inv_sym(S, m, Si)
    if not (det > 0.0):
        return np.inf, det
    d2 = 0.0
    for a in range(m):
        for b in range(m):
            d2 += y[a] * Si[a, b] * y[b]
    # K = PHt S^-1
    for i in range(6):
        for b in range(m):
            s = 0.0
            for a in range(m):
                s += PHt[i, a] * Si[a, b]
            K[i, b] = s
    # x += K y
    for i in range(6):
        s = 0.0
        for a in range(m):
            s += K[i, a] * y[a]
        x[i] += s
    # T = A P = P - K PHt^T
    for i in range(6):
        for j in range(6):
            s = P[i, j]
            for a in range(m):
                s -= K[i, a] * PHt[j, a]
            T[i, j] = s
    # KR = K R;  then T H^T into PHt (PHt is no longer needed)
    for i in range(6):
        for b in range(m):
            s = 0.0
            for a in range(m):
                s += K[i, a] * R[a, b]
            KR[i, b] = s
    for i in range(6):
        for a in range(m):
            PHt[i, a] = T[i, 0] * Hp[a, 0] + T[i, 1] * Hp[a, 1] + T[i, 2] * Hp[a, 2]
    # P = T - (T H^T) K^T + K R K^T   (upper triangle, mirrored)
    for i in range(6):
        for j in range(i, 6):
            s = T[i, j]
            for a in range(m):
                s += -PHt[i, a] * K[j, a] + KR[i, a] * K[j, a]
            P[i, j] = s
            P[j, i] = s
    return d2, det
