"""Sampling regular grids inside kernels: bilinear interpolation on lat/lon and index grids.

Two arithmetic forms, each the twin of a public function and kept bit-identical to it:

* nested, ``(1 - u) ((1 - w) z00 + w z01) + u ((1 - w) z10 + w z11)`` (:func:`bilinear`): the radar
  geometry grids (:func:`grid_bilinear`, the feeds' visibility tests, whose NumPy oracle is in
  the NumPy oracle in ``tests/oracles.py``; the terrain-masking sweep of :mod:`radar._kernels.geometry`);
* expanded, ``(1 - u)(1 - w) z00 + (1 - u) w z01 + u (1 - w) z10 + u w z11`` (:func:`dem_sample_one`): the
  terrain elevation, the arithmetic of :meth:`radar.terrain.Dem.sample`.

The two differ in the last bits, which is why both exist: results must not change.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel


@kernel(inline="always")
def bilinear(z00, z01, z10, z11, u, w):
    """Bilinear value inside one cell: corners z[i, j], z[i, j+1], z[i+1, j], z[i+1, j+1], fractional offsets
    u (rows) and w (columns) in [0, 1]."""
    return (1.0 - u) * ((1.0 - w) * z00 + w * z01) + u * ((1.0 - w) * z10 + w * z11)


@kernel(inline="always")
def grid_bilinear(grid, g, lat, lon, lat0, dlat, lon0, dlon):
    """Bilinear value of grid[g] at (lat, lon) rad on a regular axis (first value, step; step may be < 0).

    NaN outside the grid or when any of the four corners is NaN (never visible).
    """
    nlat = grid.shape[1]
    nlon = grid.shape[2]
    fi = (lat - lat0) / dlat
    fj = (lon - lon0) / dlon
    if not (fi >= 0.0 and fj >= 0.0 and fi <= nlat - 1 and fj <= nlon - 1):
        return np.nan
    i = min(int(fi), nlat - 2)
    j = min(int(fj), nlon - 2)
    if nlat < 2 or nlon < 2:
        return grid[g, 0, 0]
    return bilinear(grid[g, i, j], grid[g, i, j + 1], grid[g, i + 1, j], grid[g, i + 1, j + 1], fi - i, fj - j)


@kernel
def dem_sample(z, lat0, dlat, lon0, dlon, lat_deg, lon_deg, out):
    """Bilinear sample of a north-to-south lat/lon grid ``z`` at points (deg), NaN -> 0 (the terrain
    sampler of the threat and traffic generators).  The same arithmetic, in the same order, as
    :meth:`radar.terrain.Dem.sample` followed by ``nan_to_num(nan=0)`` (its oracle): row index
    (lat0 - lat) / dlat, column (lon - lon0) / dlon, NaN outside the grid.  Speed: no copy of the grid
    and no NumPy temporaries per call."""
    for i in range(lat_deg.size):
        out[i] = dem_sample_one(z, lat0, dlat, lon0, dlon, lat_deg[i], lon_deg[i])


@kernel(inline="always")
def dem_sample_one(z, lat0, dlat, lon0, dlon, lat_deg, lon_deg):
    """One point of :func:`dem_sample`."""
    nr = z.shape[0]
    nc = z.shape[1]
    fr = (lat0 - lat_deg) / dlat
    fc = (lon_deg - lon0) / dlon
    v = np.nan
    if fr >= 0 and fr <= nr - 1 and fc >= 0 and fc <= nc - 1:
        r0 = min(max(int(math.floor(fr)), 0), max(nr - 2, 0))
        c0 = min(max(int(math.floor(fc)), 0), max(nc - 2, 0))
        wr = min(max(fr - r0, 0.0), 1.0)
        wc = min(max(fc - c0, 0.0), 1.0)
        r1 = min(r0 + 1, nr - 1)
        c1 = min(c0 + 1, nc - 1)
        v = ((1 - wr) * (1 - wc) * z[r0, c0] + (1 - wr) * wc * z[r0, c1]
             + wr * (1 - wc) * z[r1, c0] + wr * wc * z[r1, c1])
    if v != v:
        v = 0.0
    return v
