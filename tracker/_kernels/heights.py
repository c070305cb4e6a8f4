"""Held heights of tracks whose height is not observed (2D-only tracks).

A (range, azimuth) plot without Mode C updates a track whose last height observation (3D plot or Mode C,
``hobs``) is older than ``height_memory_s`` -- or that never had one -- with the height left out of the
update: the position Jacobian loses its component along the local up and the range noise gains the
height's share, (dr/dh)^2 var_h (a consider update, :func:`hold_jacobian`), and the height is then set to a
held value and decoupled from the rest of the state (:func:`tracker._kernels.kalman.hold_vertical_k`).  The
held height lies between the terrain under the track and ``height_ceiling_m``: a track born from 2D plots
gets the low-level prior terrain + ``height_prior_agl_m`` (sigma ``height_prior_sigma_m``); a track that lost
its height observations keeps its last height, its sigma growing as the vertical process noise would make it
(capped at ``height_sigma_max_m``).  So the (range, azimuth) EKF never drives a height kilometres away, and
each output row carries its vertical sigma.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from radar._kernels.geodesy import ecef_to_geodetic_sincos, frame_to_ecef
from radar._kernels.grid import dem_sample_one
from radar._kernels.measurement import geodetic_height_up_sincos
from tracker._kernels.kalman import hold_vertical_k


@kernel(inline="always")
def hold_jacobian(Hs, R, u, var_h):
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
def vertical_var(PP, k, u):
    """u^T P_pos u: the variance of slot k's position along the unit vector u."""
    s = 0.0
    for a in range(3):
        for b in range(3):
            s += u[a] * PP[k, a, b] * u[b]
    return s


@kernel(inline="always")
def terrain_under(x, y, z, origin_ecef, frame_rot, tgrid, tlat0, tdlat, tlon0, tdlon):
    """(terrain height (m MSL) under an ENU point, the point's geodetic height (m)); terrain 0 without a
    terrain grid (tgrid with no rows) and outside it (:func:`radar._kernels.grid.dem_sample_one`; the grid of
    :class:`tracker._kernels.tables.TerrainColumns`)."""
    ex, ey, ez = frame_to_ecef(x, y, z, origin_ecef, frame_rot)
    sl, cl, so, co, h = ecef_to_geodetic_sincos(ex, ey, ez)
    ter = 0.0
    if tgrid.shape[0] > 0:
        ter = dem_sample_one(tgrid, tlat0, tdlat, tlon0, tdlon, math.degrees(math.atan2(sl, cl)),
                             math.degrees(math.atan2(so, co)))
    return ter, h


@kernel(inline="always")
def held_height(t, hobs_t, h_now, ter, cfg):
    """(held height (m), its variance (m^2)) of a track at time t whose height is not observed.

    Never observed (hobs_t = -inf): the low-level prior, min(terrain + h_agl, h_ceil), sigma h_sig.
    Observed last at hobs_t: its present height clamped to [terrain, h_ceil], variance
    mc_sigma^2 + q_v^2 tau^3 / 3 (what white vertical acceleration q_v adds over tau = t - hobs_t),
    capped at h_smax^2 (the :class:`tracker._kernels.tables.Settings` ``cfg``)."""
    if not (hobs_t > -np.inf):
        return min(ter + cfg.h_agl, cfg.h_ceil), cfg.h_sig * cfg.h_sig
    tau = max(t - hobs_t, 0.0)
    sigma_floor = cfg.mc_sigma
    q_v = cfg.q_v
    var = sigma_floor * sigma_floor + q_v * q_v * tau * tau * tau / 3.0
    return min(max(h_now, ter), cfg.h_ceil), min(var, cfg.h_smax * cfg.h_smax)


@kernel(inline="always")
def hold_slot(X, PP, k, h_target, var_p, var_v, origin_ecef, frame_rot, up, hw):
    """:func:`tracker._kernels.kalman.hold_vertical_k` on slot k at the held height ``h_target`` (the move
    along the local up that brings its geodetic height there; scratch ``hw``)."""
    h = geodetic_height_up_sincos(X[k, 0], X[k, 1], X[k, 2], origin_ecef, frame_rot, up)
    hold_vertical_k(X, PP, k, up, h_target - h, var_p, var_v, hw)
