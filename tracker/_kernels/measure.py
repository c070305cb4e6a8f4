"""What a plot says about one state: the polar model on the tracker's side and the update of one state by one plot.

Measurement types (:data:`tracker._kernels.tables.MT_CARTESIAN_3D` ...): a Cartesian plot (3D, or 2D without
a usable height) updates the position with its own covariance; a (range, azimuth) plot updates through the
4/3-Earth polar model of :mod:`radar._kernels.measurement` (an EKF); a Mode C height then updates the
geodetic height (scalar update along the local up).
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from radar._kernels.geodesy import ecef_to_geodetic_sincos, frame_to_ecef, geodetic_to_ecef
from radar._kernels.measurement import geodetic_height_up_sincos, range_azimuth_jacobian_sincos
from radar.constants import EARTH_RADIUS_M, EQUIVALENT_RADIUS_M, TWO_PI
from tracker._kernels.heights import hold_jacobian, vertical_var
from tracker._kernels.kalman import hold_vertical_k, joseph_update_hpos1, joseph_update_hpos2
from tracker._kernels.kalman_unrolled import joseph_update_position2, joseph_update_position3


@kernel
def mod_positive(a, T):
    """a mod T in [0, T) (T > 0)."""
    return a - T * math.floor(a / T)


@kernel
def wrap_angle(a):
    """a wrapped to [-pi, pi)."""
    return mod_positive(a + math.pi, TWO_PI) - math.pi


@kernel
def sensor_trig(slat, slon, shant):
    """Per-sensor constants of the polar measurement model, computed once per run: (ns, 8) rows
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
def range_azimuth_jac(x, y, z, s, strig, origin_ecef, frame_rot, H):
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
    return range_azimuth_jac_geo(ex, ey, ez, sl2, cl2, so2, co2, h, s, strig, frame_rot, H)


@kernel(inline="always")
def range_azimuth_jac_geo(ex, ey, ez, sl2, cl2, so2, co2, h, s, strig, frame_rot, H):
    """:func:`range_azimuth_jac` from the point's ECEF position and its geodetic (sin, cos) pairs and height
    (given by the caller, so that the IMM can compute the three models' geodetic chains together)."""
    return range_azimuth_jacobian_sincos(ex, ey, ez, sl2, cl2, so2, co2, h, strig[s, 0], strig[s, 1], strig[s, 2],
                                         strig[s, 3], strig[s, 4], strig[s, 5], strig[s, 6], strig[s, 7],
                                         EQUIVALENT_RADIUS_M, EARTH_RADIUS_M, frame_rot, H)


@kernel(inline="always")  # no call overhead; plain arrays, not bundles (see tracker._kernels.gating)
def meas_update(x, P, j, mtype, pos, cov, prange, paz, modec, ps, ssig, strig, origin_ecef, frame_rot, mode_c_sigma,
                H, R, y, up, Hs, hold_h, hold_var, hold_vvar):
    """Update (x, P) in place with plot j (the plot columns of :class:`~tracker._kernels.tables.PlotColumns`,
    the sensors' noise ``ssig`` and :func:`sensor_trig` rows ``strig``).  Returns (d2, m, log-likelihood);
    m = 0 if skipped.  hold_var > 0: a (range, azimuth) plot leaves the height out
    (:func:`tracker._kernels.heights.hold_jacobian`), which is then held at ``hold_h`` with variances
    ``hold_var``, ``hold_vvar`` (:func:`tracker._kernels.kalman.hold_vertical_k`).  Scratch: H (3, 6), R (3, 3),
    y (3,), up (3,), Hs (2, 3)."""
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
        r0, az0 = range_azimuth_jac(x[0], x[1], x[2], s, strig, origin_ecef, frame_rot, Hs)
        y[0] = prange[j] - r0
        y[1] = wrap_angle(paz[j] - az0)
        R[0, 0] = ssig[s, 0] * ssig[s, 0]
        R[1, 1] = ssig[s, 1] * ssig[s, 1]
        h_pred = 0.0
        if hold_var > 0.0:
            h_pred = geodetic_height_up_sincos(x[0], x[1], x[2], origin_ecef, frame_rot, up)
            hold_jacobian(Hs, R, up, vertical_var(P.reshape((1, 6, 6)), 0, up))
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
        for b in range(3):
            Hs[0, b] = up[b]
        y[0] = modec[j] - h
        R[0, 0] = mode_c_sigma * mode_c_sigma
        # H = [up^T 0]: structured Joseph update (speed)
        d2c, detc = joseph_update_hpos1(x, P, y, Hs, R)
        if detc > 0.0:
            logl += -0.5 * (d2c + math.log(TWO_PI) + math.log(detc))
    return d2, m, logl
