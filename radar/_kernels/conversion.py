"""Conversion of polar plots to scenario ENU positions and covariances (the 4/3-Earth model of
:mod:`radar._kernels.measurement`)."""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel, prange
from radar._kernels.measurement import elevation_sine, polar_to_enu_jacobian


@kernel(parallel=True)
def convert_plots(r, az, el, mode_c, sensor, sites, conv, out):
    """Polar plots (range r, azimuth az, elevation el (NaN: 2D), Mode C height, sensor index) -> scenario ENU
    and covariance into ``out`` (:class:`~radar._kernels.columns.Cartesian`), the model of
    :func:`radar.measurement.convert_polar` (its oracle): exact 4/3-Earth conversion and analytic Jacobian
    (:func:`radar._kernels.measurement.polar_to_enu_jacobian`; the oracle differences the model, agreement
    ~1e-9 relative), 2D plots at the Mode C elevation (vertical sigma ``conv.mode_c_sigma``) or at 0 elevation
    (``conv.unknown_sigma``) along the local up.  ``sites``, ``conv``: :class:`~radar._kernels.columns.Sites`,
    :class:`~radar._kernels.columns.Conversion`.

    Speed: the sines and cosines of the sites' latitudes and longitudes are computed once per sensor (the
    same calls, so the same bits), not once per plot; x, y, z are written as separate contiguous
    columns (the plot table's layout, no copy afterwards)."""
    s_lat = sites.lat
    s_lon = sites.lon
    s_h = sites.h_ant
    s_sig = sites.sigma
    s_is3 = sites.is3
    kr = conv.kr
    earth_r = conv.earth_r
    origin_ecef = conv.origin_ecef
    frame_rot = conv.frame_rot
    mode_c_sigma = conv.mode_c_sigma
    unknown_sigma = conv.unknown_sigma
    out_x = out.x
    out_y = out.y
    out_z = out.z
    out_cov = out.cov
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
