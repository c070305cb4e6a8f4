"""Which demand points each candidate radar covers: terrain-masked geometry grids, cached on disk.

Each column's geometry grid is computed by the coverage kernel of every other command
(:func:`radar.coverage.compute_geometry`: 4/3-Earth terrain masking, antenna on max(stated ground, DEM)
+ mast, the canopy cleared around that site), then cropped to the box of the radar's range limit
(min(instrumented range, range of Pd = ``[coverage] pd_threshold`` on ``target_rcs_m2``)).  The grids of a
candidate set are cached in one ``.npz`` whose name is a hash of everything they depend on (the DEM's
values, the terrain options, the coverage parameters, the radar types, every site and mast, this format).

A target at height ``h`` (m MSL) at a point at ground distance ``d`` is covered by a radar when, as in
:meth:`radar.coverage.Geometry.visible`: ``h`` >= the geometry grid (bilinear), ``h`` <= the ceiling
``min(h_ant + d tan(el_max) + d^2/2kR, altitude_max)``, ``h`` >= the elevation floor
``h_ant + d tan(el_min) + d^2/2kR``, and the slant range is within the range limit.
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from radar.constants import EARTH_RADIUS_M, REFRACTION_K

#: bump when the cached arrays change meaning
CACHE_FORMAT = "siting-grids-1"
TWO_K_R = 2.0 * REFRACTION_K * EARTH_RADIUS_M


@dataclass(frozen=True, eq=False)
class Grids:
    """Cropped geometry grids of the columns, packed: column j's grid is ``values[offset[j]:offset[j+1]]``
    reshaped to ``shape[j]``, its top-left cell at DEM row/column ``origin[j]``."""

    h_ant: np.ndarray        # (n,) antenna m MSL
    range_limit: np.ndarray  # (n,) m
    origin: np.ndarray       # (n, 2) int
    shape: np.ndarray        # (n, 2) int
    offset: np.ndarray       # (n + 1,) int
    values: np.ndarray       # float64 m MSL, NaN where not visible at any height (beyond range)
    warnings: tuple[str, ...] = ()
    cached: bool = False

    def grid(self, j: int) -> np.ndarray:
        return self.values[self.offset[j]:self.offset[j + 1]].reshape(self.shape[j])


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "airbridge" / "siting"


def cache_key(columns, dem, terrain, coverage) -> str:
    h = hashlib.sha256()
    h.update(CACHE_FORMAT.encode())
    for arr in (dem.lat, dem.lon, dem.elevation_m):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(repr(terrain).encode())
    h.update(repr((coverage.pd_threshold, coverage.target_rcs_m2)).encode())
    for c in columns:
        r = c.radar
        h.update(repr((r.site_id, r.lat_deg, r.lon_deg, r.ground_elevation_m, r.antenna_agl_m, r.type)).encode())
    return h.hexdigest()[:24]


def candidate_grids(columns, dem, terrain, coverage, cache_dir: Path | None = None, progress=None) -> Grids:
    """Geometry grids of every column (from the cache when the same inputs were computed before)."""
    key = cache_key(columns, dem, terrain, coverage)
    path = None if cache_dir is None else Path(cache_dir) / f"grids-{key}.npz"
    if path is not None and path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                g = Grids(z["h_ant"], z["range_limit"], z["origin"], z["shape"], z["offset"], z["values"],
                          tuple(str(w) for w in z["warnings"]), cached=True)
            if g.h_ant.size == len(columns):
                return g
        except (OSError, KeyError, ValueError):
            pass  # a damaged cache entry is recomputed
    g = _compute(columns, dem, terrain, coverage, progress)
    if path is not None:
        _save(path, g)
    return g


def _compute(columns, dem, terrain, coverage, progress=None) -> Grids:
    from radar.coverage import compute_geometry

    n = len(columns)
    h_ant = np.empty(n)
    rlim = np.empty(n)
    origin = np.zeros((n, 2), np.int64)
    shape = np.zeros((n, 2), np.int64)
    parts, warnings = [], []
    for j, col in enumerate(columns):
        geom = compute_geometry([col.radar], dem, terrain, coverage)
        g = geom.radars[0]
        warnings += list(geom.warnings)
        r0, r1, c0, c1 = g.window
        rl = g.range_limit_m
        # crop to the box of the range limit, with one cell more for the bilinear corners
        dlat = math.degrees(rl / EARTH_RADIUS_M) + 2 * dem.dlat
        coslat = max(math.cos(math.radians(min(89.0, abs(col.radar.lat_deg) + dlat))), 1e-3)
        dlon = dlat / coslat + 2 * dem.dlon
        rows = np.nonzero((dem.lat[r0:r1] >= col.radar.lat_deg - dlat) & (dem.lat[r0:r1] <= col.radar.lat_deg + dlat))[0]
        cols = np.nonzero((dem.lon[c0:c1] >= col.radar.lon_deg - dlon) & (dem.lon[c0:c1] <= col.radar.lon_deg + dlon))[0]
        a, b, c, d = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        parts.append(np.ascontiguousarray(g.min_visible_msl[a:b, c:d], dtype=np.float64).ravel())
        h_ant[j], rlim[j] = g.antenna_msl_m, rl
        origin[j] = (r0 + a, c0 + c)
        shape[j] = (b - a, d - c)
        if progress is not None:
            progress(j + 1, n)
    offset = np.zeros(n + 1, np.int64)
    offset[1:] = np.cumsum([p.size for p in parts])
    values = np.concatenate(parts) if parts else np.zeros(0)
    return Grids(h_ant, rlim, origin, shape, offset, values, tuple(dict.fromkeys(warnings)))


def _save(path: Path, g: Grids) -> None:
    from radar.fileio import atomic_write

    try:
        with atomic_write(path, "wb") as fh:
            np.savez_compressed(fh, h_ant=g.h_ant, range_limit=g.range_limit, origin=g.origin, shape=g.shape,
                                offset=g.offset, values=g.values, warnings=np.array(g.warnings, dtype=str))
    except OSError:
        pass  # a cache that cannot be written is only slower next time


# ------------------------------------------------------------------------------------------
class PointIndex:
    """Demand points bucketed by the DEM cell of their bilinear corner (floor of the fractional index)."""

    def __init__(self, dem, lat, lon):
        fr, fc = dem.fractional_index(lat, lon)
        self.fr, self.fc = fr, fc
        self.row = np.floor(fr).astype(np.int64)
        self.col = np.floor(fc).astype(np.int64)
        self.ncol = dem.lon.size
        cell = self.row * self.ncol + self.col
        self.order = np.argsort(cell, kind="stable")
        self.sorted_cell = cell[self.order]

    def in_box(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        """Indices of the points whose corner cell (r, c) has r0 <= r < r1 and c0 <= c < c1."""
        starts = np.arange(r0, r1) * self.ncol + c0
        lo = np.searchsorted(self.sorted_cell, starts, "left")
        hi = np.searchsorted(self.sorted_cell, starts + (c1 - c0), "left")
        if not np.any(hi > lo):
            return np.zeros(0, np.int64)
        return np.concatenate([self.order[a:b] for a, b in zip(lo, hi) if b > a])


def covered(columns, grids: Grids, index: PointIndex, lat, lon, h, progress=None):
    """Sparse (points x columns) CSC boolean matrix: column j covers point i (target at ``h[i]`` m MSL)."""
    from scipy.sparse import csc_matrix

    from radar.frame import great_circle_m

    indices, indptr = [], [0]
    for j, col in enumerate(columns):
        r = col.radar
        t = r.type
        r0, c0 = (int(v) for v in grids.origin[j])
        nr, nc = (int(v) for v in grids.shape[j])
        pts = index.in_box(r0, r0 + nr - 1, c0, c0 + nc - 1)  # all four corners inside the crop
        if pts.size:
            d = great_circle_m(r.lat_deg, r.lon_deg, lat[pts], lon[pts])
            near = d <= grids.range_limit[j]
            pts, d = pts[near], d[near]
        if pts.size:
            z = grids.grid(j)
            i0 = index.row[pts] - r0
            j0 = index.col[pts] - c0
            wr = index.fr[pts] - index.row[pts]
            wc = index.fc[pts] - index.col[pts]
            # the arithmetic of radar.terrain.Dem.sample (bit-identical on the full grid)
            hmin = ((1 - wr) * (1 - wc) * z[i0, j0] + (1 - wr) * wc * z[i0, j0 + 1]
                    + wr * (1 - wc) * z[i0 + 1, j0] + wr * wc * z[i0 + 1, j0 + 1])
            hp = h[pts]
            curv = d * d / TWO_K_R
            ceiling = np.minimum(grids.h_ant[j] + d * math.tan(t.elevation_max_rad) + curv, t.altitude_max_m)
            floor = grids.h_ant[j] + d * math.tan(t.elevation_min_rad) + curv
            slant = np.sqrt(d * d + (hp - grids.h_ant[j]) ** 2)
            with np.errstate(invalid="ignore"):
                ok = (hp >= hmin) & (hp <= ceiling) & (hp >= floor) & (slant <= grids.range_limit[j])
            pts = np.sort(pts[ok])
        indices.append(pts.astype(np.int64))
        indptr.append(indptr[-1] + pts.size)
        if progress is not None:
            progress(j + 1, len(columns))
    ind = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    return csc_matrix((np.ones(ind.size, bool), ind, np.array(indptr, np.int64)), shape=(lat.size, len(columns)))


def covered_fresh(radars, dem, terrain, coverage, lat, lon, h) -> np.ndarray:
    """(points x radars) boolean array from geometry grids computed now (no cache, no crop, no bucketing):
    :meth:`radar.coverage.Geometry.visible` and the slant range within each radar's range limit.  The
    independent check of a solution's covered demand."""
    from radar.coverage import compute_geometry
    from radar.frame import great_circle_m

    out = np.zeros((lat.size, len(radars)), bool)
    for j, r in enumerate(radars):
        geom = compute_geometry([r], dem, terrain, coverage)
        g = geom.radars[0]
        d = great_circle_m(r.lat_deg, r.lon_deg, lat, lon)
        slant = np.sqrt(d * d + (h - g.antenna_msl_m) ** 2)
        out[:, j] = geom.visible(0, lat, lon, h) & (slant <= g.range_limit_m)
    return out
