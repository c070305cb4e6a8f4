"""Per-radar coverage geometry and the coverage study.

Three things are kept apart, so that the feeds can compute their own Pd without double
counting:

* the **geometry grid** ``min_visible_msl`` - terrain masking with 4/3-Earth refraction only
  (:mod:`radar._kernels.geometry`), NaN beyond the instrumented range;
* the **ceiling grid** ``max_visible_msl`` - the cone of silence from the maximum
  elevation (h <= h_ant + d tan(el_max) + d^2/2kR) and the type's altitude limit;
* the **range limit** per radar - min(instrumented range, range where Pd on the reference
  RCS falls below the study threshold), plus the elevation floor
  h >= h_ant + d tan(el_min) + d^2/2kR (el_min is negative: -2 deg TPS-70, -3 deg default).

Antenna height MSL = max(site ground elevation, DEM at the site) + mast.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from radar.constants import EARTH_RADIUS_M, REFRACTION_K
from radar.errors import InputError
from radar.terrain import Dem
from radar.types import Radar

#: ray and sample spacing as a fraction of the smallest cell dimension (at most half a cell)
SAMPLE_FRACTION = 0.5
SITE_GROUND_WARN_M = 100.0


@dataclass(frozen=True, eq=False)
class RadarGeometry:
    """Geometry of one radar on a window of the DEM grid (rows r0:r1, cols c0:c1)."""

    radar: Radar
    antenna_msl_m: float
    range_limit_m: float
    window: tuple[int, int, int, int]
    min_visible_msl: np.ndarray   # window, m MSL, NaN beyond instrumented range
    max_visible_msl: np.ndarray   # window, m MSL (ceiling), NaN where min is NaN
    distance_m: np.ndarray        # window, ground distance from the radar (m)

    @property
    def name(self) -> str:
        return self.radar.name

    def floor_msl(self) -> np.ndarray:
        """Elevation-floor height (m MSL) per window cell: h_ant + d tan(el_min) + d^2/2kR."""
        d = self.distance_m
        return self.antenna_msl_m + d * math.tan(self.radar.type.elevation_min_rad) + d * d / (2 * REFRACTION_K * EARTH_RADIUS_M)

    def covered(self, h_msl: np.ndarray) -> np.ndarray:
        """Boolean window mask: a target at ``h_msl`` (window-shaped, m MSL) is inside every limit."""
        d = self.distance_m
        slant = np.sqrt(d * d + (h_msl - self.antenna_msl_m) ** 2)
        with np.errstate(invalid="ignore"):
            return ((h_msl >= self.min_visible_msl) & (h_msl <= self.max_visible_msl)
                    & (h_msl >= self.floor_msl()) & (slant <= self.range_limit_m))


@dataclass(frozen=True, eq=False)
class Geometry:
    """Geometry of all radars of a network on one DEM grid."""

    dem: Dem
    terrain_m: np.ndarray            # masking surface (m MSL)
    radars: tuple[RadarGeometry, ...]
    pd_threshold: float
    target_rcs_m2: float
    warnings: tuple[str, ...] = ()
    _dense: dict = field(default_factory=dict, repr=False)

    @property
    def lat(self) -> np.ndarray:
        return self.dem.lat

    @property
    def lon(self) -> np.ndarray:
        return self.dem.lon

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.radars]

    @property
    def range_limit_m(self) -> np.ndarray:
        return np.array([g.range_limit_m for g in self.radars])

    @property
    def antenna_msl_m(self) -> np.ndarray:
        return np.array([g.antenna_msl_m for g in self.radars])

    def dense(self, i: int, which: str = "min_visible_msl") -> np.ndarray:
        """Full-grid array for radar i (NaN outside its window)."""
        key = (i, which)
        if key not in self._dense:
            g = self.radars[i]
            out = np.full(self.terrain_m.shape, np.nan)
            r0, r1, c0, c1 = g.window
            out[r0:r1, c0:c1] = getattr(g, which)
            self._dense[key] = out
        return self._dense[key]

    @property
    def min_visible_msl(self) -> np.ndarray:
        """(n_radars, nlat, nlon) C-contiguous stack (for kernels on the default grid)."""
        return np.ascontiguousarray(np.stack([self.dense(i) for i in range(len(self.radars))]))

    @property
    def max_visible_msl(self) -> np.ndarray:
        return np.ascontiguousarray(np.stack([self.dense(i, "max_visible_msl") for i in range(len(self.radars))]))

    def min_visible_at(self, i: int, lat_deg, lon_deg):
        """Bilinear geometry-grid value (m MSL) at points (NaN outside the grid or range)."""
        return self.dem.sample(lat_deg, lon_deg, grid=self.dense(i))

    def visible(self, i: int, lat_deg, lon_deg, h_msl_m):
        """Geometry + ceiling + elevation floor + instrumented range at points (bool array)."""
        from radar.frame import great_circle_m

        g = self.radars[i]
        r = g.radar
        lat = np.asarray(lat_deg, float)
        lon = np.asarray(lon_deg, float)
        h = np.asarray(h_msl_m, float)
        d = great_circle_m(r.lat_deg, r.lon_deg, lat, lon)
        curv = d * d / (2 * REFRACTION_K * EARTH_RADIUS_M)
        hmin = self.min_visible_at(i, lat, lon)
        ceiling = np.minimum(g.antenna_msl_m + d * math.tan(r.type.elevation_max_rad) + curv, r.type.altitude_max_m)
        floor = g.antenna_msl_m + d * math.tan(r.type.elevation_min_rad) + curv
        slant = np.sqrt(d * d + (h - g.antenna_msl_m) ** 2)
        with np.errstate(invalid="ignore"):
            return (h >= hmin) & (h <= ceiling) & (h >= floor) & (slant <= r.type.instrumented_range_m)


def antenna_height_msl(radar: Radar, dem: Dem, clamp_sea_to_zero: bool = True) -> tuple[float, float]:
    """(antenna MSL, DEM ground at the site): max(site ground, DEM at site) + mast."""
    if not bool(dem.contains(radar.lat_deg, radar.lon_deg)):
        lat_min, lat_max, lon_min, lon_max = dem.bounds
        raise InputError(f"radar site {radar.site_id} at ({radar.lat_deg}, {radar.lon_deg}) lies outside the DEM "
                         f"(lat {lat_min:.3f}..{lat_max:.3f}, lon {lon_min:.3f}..{lon_max:.3f}): use a DEM that covers every site")
    ground_dem = float(dem.sample(radar.lat_deg, radar.lon_deg))
    if clamp_sea_to_zero:
        ground_dem = max(ground_dem, 0.0)
    return max(radar.ground_elevation_m, ground_dem) + radar.antenna_agl_m, ground_dem


def compute_geometry(radars, dem: Dem, terrain_options=None, coverage_params=None,
                     spherical_radius_m: float = EARTH_RADIUS_M) -> Geometry:
    """Geometry grids of every radar on the DEM grid (all radars; rays and rows in parallel)."""
    from radar._kernels import geometry as kern

    radars = tuple(radars)
    if not radars:
        raise InputError("network has no radars: expected at least one radar site")
    pd_threshold = 0.5 if coverage_params is None else coverage_params.pd_threshold
    rcs = 1.0 if coverage_params is None else coverage_params.target_rcs_m2
    surface = dem.masking_surface(terrain_options, [(r.lat_deg, r.lon_deg) for r in radars])
    clamp = True if terrain_options is None else terrain_options.clamp_sea_to_zero
    two_k_r = 2.0 * REFRACTION_K * spherical_radius_m
    # cell size in metres (smallest dimension, at the grid's most poleward latitude)
    lat_extreme = max(abs(dem.bounds[0]), abs(dem.bounds[1]))
    cell_ns = math.radians(dem.dlat) * spherical_radius_m
    cell_ew = math.radians(dem.dlon) * spherical_radius_m * math.cos(math.radians(lat_extreme))
    cell_m = min(cell_ns, cell_ew)
    step_m = SAMPLE_FRACTION * cell_m
    warnings = []
    out = []
    for radar in radars:
        h_ant, ground_dem = antenna_height_msl(radar, dem, clamp)
        if abs(ground_dem - radar.ground_elevation_m) > SITE_GROUND_WARN_M and \
                not any(w.startswith(f"site {radar.site_id}:") for w in warnings):
            warnings.append(f"site {radar.site_id}: ground_elevation_m = {radar.ground_elevation_m:g} but the DEM gives "
                            f"{ground_dem:.0f} m (differ by more than {SITE_GROUND_WARN_M:.0f} m); antenna at {h_ant:.0f} m MSL")
        max_range = radar.type.instrumented_range_m
        n_steps = int(math.ceil(max_range / step_m)) + 2
        n_rays = max(64, int(math.ceil(2 * math.pi * max_range / (SAMPLE_FRACTION * cell_m))))
        rays = np.empty((n_rays, n_steps))
        lat0 = math.radians(radar.lat_deg)
        lon0 = math.radians(radar.lon_deg)
        kern.sweep(surface, float(dem.lat[0]), dem.dlat, float(dem.lon[0]), dem.dlon, 1, lat0, lon0, h_ant,
                   step_m, n_steps, n_rays, two_k_r, spherical_radius_m, 0.5 * cell_m, rays)
        # window of cells within range
        dlat = math.degrees(max_range / spherical_radius_m)
        coslat = max(math.cos(math.radians(min(89.0, abs(radar.lat_deg) + dlat))), 1e-3)
        dlon = dlat / coslat
        rows = np.nonzero((dem.lat >= radar.lat_deg - dlat - dem.dlat) & (dem.lat <= radar.lat_deg + dlat + dem.dlat))[0]
        cols = np.nonzero((dem.lon >= radar.lon_deg - dlon - dem.dlon) & (dem.lon <= radar.lon_deg + dlon + dem.dlon))[0]
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        min_vis = np.empty((r1 - r0, c1 - c0))
        dist = np.empty_like(min_vis)
        kern.lookup(rays, step_m, n_rays, surface, float(dem.lat[0]), dem.dlat, float(dem.lon[0]), dem.dlon, 1,
                    lat0, lon0, spherical_radius_m, max_range, r0, c0, min_vis, dist)
        ceiling = np.minimum(h_ant + dist * math.tan(radar.type.elevation_max_rad) + dist * dist / two_k_r,
                             radar.type.altitude_max_m)
        ceiling[np.isnan(min_vis)] = np.nan
        out.append(RadarGeometry(radar, h_ant, radar.type.range_limit_m(pd_threshold, rcs), (r0, r1, c0, c1),
                                 min_vis, ceiling, dist))
    return Geometry(dem, surface, tuple(out), pd_threshold, rcs, tuple(warnings))


def geometry_planar(surface: np.ndarray, cell_m: float, radar_x_m: float, radar_y_m: float, h_ant: float,
                    max_range_m: float, top_m: float | None = None, left_m: float = 0.0,
                    radius_m: float = EARTH_RADIUS_M) -> np.ndarray:
    """Geometry grid on a planar grid in metres (row i at y = top - i*cell, column j at x = left + j*cell).

    For a radar-centred azimuthal-equidistant grid, distances from the centre are geodesic
    ground distances, so this is the same model as :func:`compute_geometry` (used by the
    benchmark against ``gdal_viewshed`` and by the flat-Earth and ridge tests).
    """
    from radar._kernels import geometry as kern

    surface = np.ascontiguousarray(surface, dtype=np.float64)
    if top_m is None:
        top_m = (surface.shape[0] - 1) * cell_m
    step_m = SAMPLE_FRACTION * cell_m
    n_steps = int(math.ceil(max_range_m / step_m)) + 2
    n_rays = max(64, int(math.ceil(2 * math.pi * max_range_m / (SAMPLE_FRACTION * cell_m))))
    rays = np.empty((n_rays, n_steps))
    two_k_r = 2.0 * REFRACTION_K * radius_m
    kern.sweep(surface, top_m, cell_m, left_m, cell_m, 0, radar_x_m, radar_y_m, h_ant, step_m, n_steps, n_rays,
               two_k_r, radius_m, 0.5 * cell_m, rays)
    out = np.empty(surface.shape)
    dist = np.empty(surface.shape)
    kern.lookup(rays, step_m, n_rays, surface, top_m, cell_m, left_m, cell_m, 0, radar_x_m, radar_y_m,
                radius_m, max_range_m, 0, 0, out, dist)
    return out


def warmup() -> None:
    """Compile (or load from cache) the geometry kernels on a tiny grid."""
    surface = np.zeros((8, 8))
    geometry_planar(surface, 1000.0, 3500.0, 3500.0, 10.0, 3000.0)
