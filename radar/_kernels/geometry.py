"""Terrain masking with 4/3-Earth refraction: the per-radar geometry grid.

Equivalent flat-Earth model: a point at ground distance d and height h has
apparent height h' = h - d^2 / (2 k R).  It is visible from an antenna at h_ant iff

    (h' - h_ant) / d >= S_max(d) = max_{d' < d} (terrain'(d') - h_ant) / d'

so the lowest visible height at distance d is

    min_visible(d) = max(terrain(d), h_ant + d * S_max(d) + d^2 / (2 k R)).

Algorithm (radial sweep): rays leave the radar at ``n_rays`` azimuths spaced so that at
the maximum range neighbouring rays are <= 0.5 cell apart; each ray samples the terrain
(bilinear) every ``step_m`` <= 0.5 cell and keeps the running S_max.  The cell value is
then read from the two bracketing rays at the cell's own distance (bilinear in azimuth
and distance).  Samples within half a cell of the radar are not obstacles (the site's
own cell), and a sample never masks the sample right after it (so a cell's own terrain
does not shadow the cell - that is the max(terrain, .) term).

Two grid geometries share the kernels (``spherical``):
* 1 - a geographic lat/lon grid (rows north->south): ray points from the spherical
  direct geodesic problem (exact at knots every ``KNOT`` samples, linear in index space
  between them: < 1 m off over 8 samples), cell distances by haversine;
* 0 - a planar grid in metres (e.g. radar-centred azimuthal equidistant, where straight
  lines from the centre are geodesics and Euclidean distance from it is ground distance).

Grids are described by (top, step_row, left, step_col): row i has coordinate
top - i * step_row (lat deg, or y m), column j has left + j * step_col.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel, prange
from radar._kernels.grid import bilinear

KNOT = 8
#: value used for "no obstacle yet" (visible down to the ground); kept finite so that
#: bilinear interpolation never produces inf - inf.
NO_OBSTACLE = -1.0e12


@kernel
def _bilinear(z, fr, fc):
    nr, nc = z.shape
    if fr < 0.0 or fc < 0.0 or fr > nr - 1 or fc > nc - 1:
        return np.nan
    r0 = int(fr)
    c0 = int(fc)
    if r0 >= nr - 1:
        r0 = nr - 2
    if c0 >= nc - 1:
        c0 = nc - 2
    return bilinear(z[r0, c0], z[r0, c0 + 1], z[r0 + 1, c0], z[r0 + 1, c0 + 1], fr - r0, fc - c0)


@kernel
def _ray_point(spherical, lat0, lon0, sin_lat0, cos_lat0, az, d, radius_m,
               top, step_row, left, step_col):
    """Fractional (row, col) of the point at ground distance d (m) and azimuth az (rad)."""
    if spherical == 1:
        delta = d / radius_m
        sd = math.sin(delta)
        cd = math.cos(delta)
        sin_lat = sin_lat0 * cd + cos_lat0 * sd * math.cos(az)
        lat = math.asin(min(1.0, max(-1.0, sin_lat)))
        lon = lon0 + math.atan2(math.sin(az) * sd * cos_lat0, cd - sin_lat0 * sin_lat)
        return (top - math.degrees(lat)) / step_row, (math.degrees(lon) - left) / step_col
    x = lon0 + d * math.sin(az)
    y = lat0 + d * math.cos(az)
    return (top - y) / step_row, (x - left) / step_col


@kernel(parallel=True)
def sweep(surface, top, step_row, left, step_col, spherical, radar_a, radar_b, h_ant,
          step_m, n_steps, n_rays, two_k_r, radius_m, own_cell_m, out):
    """Fill out[r, s] = lowest visible height (m) at distance s*step_m along ray r.

    ``radar_a``/``radar_b``: (lat, lon) in radians for spherical grids, (x, y) metres for
    planar ones.  Values: NO_OBSTACLE where nothing masks yet, NaN beyond the grid edge.
    """
    sin_lat0 = math.sin(radar_a) if spherical == 1 else 0.0
    cos_lat0 = math.cos(radar_a) if spherical == 1 else 1.0
    lat0 = radar_a
    lon0 = radar_b
    if spherical == 0:
        lat0 = radar_b  # planar: y
        lon0 = radar_a  # planar: x
    for r in prange(n_rays):
        az = 2.0 * math.pi * r / n_rays
        smax = -np.inf
        pending = -np.inf
        out[r, 0] = NO_OBSTACLE
        fr_a, fc_a = _ray_point(spherical, lat0, lon0, sin_lat0, cos_lat0, az, 0.0, radius_m,
                                top, step_row, left, step_col)
        knot_s = 0
        fr_b, fc_b = _ray_point(spherical, lat0, lon0, sin_lat0, cos_lat0, az, KNOT * step_m, radius_m,
                                top, step_row, left, step_col)
        edge = False
        for s in range(1, n_steps):
            if s - knot_s > KNOT:
                knot_s += KNOT
                fr_a = fr_b
                fc_a = fc_b
                fr_b, fc_b = _ray_point(spherical, lat0, lon0, sin_lat0, cos_lat0, az, (knot_s + KNOT) * step_m,
                                        radius_m, top, step_row, left, step_col)
            w = (s - knot_s) / KNOT
            fr = fr_a + w * (fr_b - fr_a)
            fc = fc_a + w * (fc_b - fc_a)
            d = s * step_m
            t = np.nan if edge else _bilinear(surface, fr, fc)
            if np.isnan(t):
                edge = True
                out[r, s] = np.nan
                continue
            # the previous sample becomes an obstacle only now (one-sample lag: a sample never
            # shadows its immediate successor, so a cell's own terrain does not mask it)
            if pending > smax:
                smax = pending
            if smax == -np.inf:
                out[r, s] = NO_OBSTACLE
            else:
                out[r, s] = h_ant + d * smax + d * d / two_k_r
            if d > own_cell_m:
                pending = (t - d * d / two_k_r - h_ant) / d


@kernel(parallel=True)
def lookup(rays, step_m, n_rays, surface, top, step_row, left, step_col, spherical, radar_a, radar_b,
           radius_m, max_range_m, row0, col0, out_min, out_dist):
    """Cell values from the ray table for the window starting at (row0, col0).

    out_min[i, j]: lowest visible height (m MSL) = max(surface, ray value) in the cell,
    NaN beyond ``max_range_m`` or the grid edge; out_dist[i, j]: ground distance (m).
    """
    nr, nc = out_min.shape
    n_steps = rays.shape[1]
    sin_lat0 = math.sin(radar_a)
    cos_lat0 = math.cos(radar_a)
    # per-column terms of the haversine and the azimuth (shared by every row: 2 trig calls per cell)
    hav_lon = np.empty(nc)
    sin_dlon = np.empty(nc)
    cos_dlon = np.empty(nc)
    for j in range(nc):
        if spherical == 1:
            dlon = math.radians(left + (col0 + j) * step_col) - radar_b
            hav_lon[j] = math.sin(dlon / 2.0) ** 2
            sin_dlon[j] = math.sin(dlon)
            cos_dlon[j] = math.cos(dlon)
    for i in prange(nr):
        gi = row0 + i
        sin_lat = 0.0
        cos_lat = 1.0
        hav_lat = 0.0
        if spherical == 1:
            lat = math.radians(top - gi * step_row)
            sin_lat = math.sin(lat)
            cos_lat = math.cos(lat)
            hav_lat = math.sin((lat - radar_a) / 2.0) ** 2
        for j in range(nc):
            gj = col0 + j
            if spherical == 1:
                a = hav_lat + cos_lat0 * cos_lat * hav_lon[j]
                d = 2.0 * radius_m * math.asin(math.sqrt(min(1.0, a)))
                az = math.atan2(sin_dlon[j] * cos_lat, cos_lat0 * sin_lat - sin_lat0 * cos_lat * cos_dlon[j])
            else:
                dx = left + gj * step_col - radar_a
                dy = top - gi * step_row - radar_b
                d = math.sqrt(dx * dx + dy * dy)
                az = math.atan2(dx, dy)
            out_dist[i, j] = d
            ground = surface[gi, gj]
            if d > max_range_m:
                out_min[i, j] = np.nan
                continue
            if az < 0.0:
                az += 2.0 * math.pi
            fr = az / (2.0 * math.pi) * n_rays
            r0 = int(fr)
            wr = fr - r0
            r0 = r0 % n_rays
            r1 = (r0 + 1) % n_rays
            fs = d / step_m
            s0 = int(fs)
            if s0 >= n_steps - 1:
                s0 = n_steps - 2
            ws = fs - s0
            v = ((1.0 - wr) * ((1.0 - ws) * rays[r0, s0] + ws * rays[r0, s0 + 1])
                 + wr * ((1.0 - ws) * rays[r1, s0] + ws * rays[r1, s0 + 1]))
            if np.isnan(v):
                out_min[i, j] = np.nan
            elif v > ground:
                out_min[i, j] = v
            else:
                out_min[i, j] = ground
