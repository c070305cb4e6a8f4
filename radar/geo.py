"""Peru's outline and the Peru-Bolivia border (Natural Earth 1:10m, public domain).

Shipped as ``radar/data/peru_bolivia_ne10m.geojson``.  Geodesic areas and lengths come
from pyproj's ``Geod`` on WGS84 (Peru in this outline: 1,289,850 km^2 vs the official
1,285,216 km^2; Peru-Bolivia border about 955 km in Natural Earth 1:10m).
"""
from __future__ import annotations

import functools
import json
from importlib import resources

import numpy as np

GEOJSON = "peru_bolivia_ne10m.geojson"


@functools.lru_cache(maxsize=1)
def _features() -> dict:
    ref = resources.files("radar") / "data" / GEOJSON
    with ref.open("r", encoding="utf-8") as fh:
        data = json.load(fh)
    return {f["properties"]["name"]: f["geometry"] for f in data["features"]}


def polygons(name: str = "Peru") -> list[list[np.ndarray]]:
    """Polygons of a country as lists of rings, each an (n, 2) array of (lon, lat) degrees."""
    geom = _features()[name]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [[np.asarray(ring, dtype=float) for ring in poly] for poly in polys]


def border_lines() -> list[np.ndarray]:
    """Peru-Bolivia border as a list of (n, 2) (lon, lat) polylines."""
    geom = _features()["Peru-Bolivia border"]
    lines = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
    return [np.asarray(line, dtype=float) for line in lines]


@functools.lru_cache(maxsize=4)
def _path(name: str):
    from matplotlib.path import Path

    verts, codes = [], []
    for poly in polygons(name):
        for ring in poly:
            verts.append(ring)
            c = np.full(len(ring), Path.LINETO, dtype=np.uint8)
            c[0] = Path.MOVETO
            c[-1] = Path.CLOSEPOLY
            codes.append(c)
    return Path(np.concatenate(verts), np.concatenate(codes))


def inside(lat_deg, lon_deg, name: str = "Peru") -> np.ndarray:
    """Boolean mask: points inside the country polygon (holes respected, even-odd rule)."""
    lat = np.asarray(lat_deg, float)
    lon = np.asarray(lon_deg, float)
    pts = np.column_stack([lon.ravel(), lat.ravel()])
    return _path(name).contains_points(pts).reshape(lat.shape)


def inside_peru(lat_deg, lon_deg) -> np.ndarray:
    return inside(lat_deg, lon_deg, "Peru")


def area_km2(name: str = "Peru") -> float:
    """Geodesic area (km^2) of the country polygon on WGS84 (pyproj Geod)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    total = 0.0
    for poly in polygons(name):
        for i, ring in enumerate(poly):
            a, _ = geod.polygon_area_perimeter(ring[:, 0], ring[:, 1])
            total += abs(a) if i == 0 else -abs(a)
    return total / 1e6


def border_points(spacing_m: float = 1000.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Peru-Bolivia border densified along geodesics: (lat, lon, segment length m) per point.

    Each point stands for ``length`` metres of border, so length-weighted fractions are exact
    sums over points.
    """
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    lats, lons, lens = [], [], []
    for line in border_lines():
        for (lon1, lat1), (lon2, lat2) in zip(line[:-1], line[1:]):
            _, _, dist = geod.inv(lon1, lat1, lon2, lat2)
            n = max(1, int(np.ceil(dist / spacing_m)))
            pts = geod.npts(lon1, lat1, lon2, lat2, n - 1) if n > 1 else []
            seg_lon = np.array([lon1] + [p[0] for p in pts])
            seg_lat = np.array([lat1] + [p[1] for p in pts])
            lats.append(seg_lat)
            lons.append(seg_lon)
            lens.append(np.full(n, dist / n))
    return np.concatenate(lats), np.concatenate(lons), np.concatenate(lens)


def border_length_km() -> float:
    return float(border_points()[2].sum() / 1e3)
