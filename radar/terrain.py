"""Terrain: the DEM grid format, the embedded ETOPO5 default and importers for real DEMs.

Format (``.npz``, also the cache format of imports)::

    elevation_m  int16 (nlat, nlon), rows north -> south, metres MSL (ocean negative)
    lat          float64 (nlat,) cell-centre latitudes, descending, degrees
    lon          float64 (nlon,) cell-centre longitudes, ascending, degrees
    provenance   str, where the data came from and what was done to it

The embedded default is ETOPO5 (5 arc-minutes, ~9 km, public domain) over lat -22..0,
lon -82..-60.  It is coarse (ridges narrower than ~20 km vanish, Andean peaks 1-2 km
low), so every output made from it carries :data:`ETOPO5_LABEL`.

Importers: SRTM ``.hgt`` tiles (1" = 3601x3601, 3" = 1201x1201 samples, big-endian
int16, -32768 = void, named after the south-west corner, e.g. ``S13W070.hgt``), mosaicked;
and GeoTIFF in geographic WGS84 coordinates through rasterio (the ``gis`` extra).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from radar.errors import InputError

ETOPO5_LABEL = "coarse terrain (ETOPO5, ~9 km)"
EMBEDDED_NAME = "peru_dem_etopo5.npz"
HGT_VOID = -32768


@dataclass(frozen=True, eq=False)
class Dem:
    """A regular lat/lon elevation grid (cell centres; rows north -> south)."""

    lat: np.ndarray
    lon: np.ndarray
    elevation_m: np.ndarray
    provenance: str = ""
    label: str = ""
    source_path: str = ""

    @property
    def dlat(self) -> float:
        return float(self.lat[0] - self.lat[1]) if self.lat.size > 1 else 1.0

    @property
    def dlon(self) -> float:
        return float(self.lon[1] - self.lon[0]) if self.lon.size > 1 else 1.0

    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation_m.shape

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(lat_min, lat_max, lon_min, lon_max) of the cell centres."""
        return float(self.lat[-1]), float(self.lat[0]), float(self.lon[0]), float(self.lon[-1])

    @property
    def resolution_arcsec(self) -> float:
        return self.dlat * 3600.0

    def contains(self, lat_deg, lon_deg):
        lat_min, lat_max, lon_min, lon_max = self.bounds
        lat = np.asarray(lat_deg)
        lon = np.asarray(lon_deg)
        return (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)

    def fractional_index(self, lat_deg, lon_deg):
        return ((self.lat[0] - np.asarray(lat_deg, float)) / self.dlat,
                (np.asarray(lon_deg, float) - self.lon[0]) / self.dlon)

    def sample(self, lat_deg, lon_deg, grid: np.ndarray | None = None):
        """Bilinear sample (m) of ``grid`` (default: raw elevation); NaN outside the grid."""
        z = self.elevation_m if grid is None else grid
        fr, fc = self.fractional_index(lat_deg, lon_deg)
        fr = np.atleast_1d(fr)
        fc = np.atleast_1d(fc)
        ok = (fr >= 0) & (fr <= z.shape[0] - 1) & (fc >= 0) & (fc <= z.shape[1] - 1)
        r0 = np.clip(np.floor(fr).astype(int), 0, max(z.shape[0] - 2, 0))
        c0 = np.clip(np.floor(fc).astype(int), 0, max(z.shape[1] - 2, 0))
        wr = np.clip(fr - r0, 0, 1)
        wc = np.clip(fc - c0, 0, 1)
        r1 = np.minimum(r0 + 1, z.shape[0] - 1)
        c1 = np.minimum(c0 + 1, z.shape[1] - 1)
        zf = z.astype(float)
        v = ((1 - wr) * (1 - wc) * zf[r0, c0] + (1 - wr) * wc * zf[r0, c1]
             + wr * (1 - wc) * zf[r1, c0] + wr * wc * zf[r1, c1])
        v = np.where(ok, v, np.nan)
        return v if np.ndim(lat_deg) or np.ndim(lon_deg) else float(v[0])

    def ground(self, clamp_sea_to_zero: bool = True) -> np.ndarray:
        """Ground surface (float64 m MSL), bathymetry clamped to 0 when asked."""
        z = self.elevation_m.astype(np.float64)
        return np.maximum(z, 0.0) if clamp_sea_to_zero else z

    def masking_surface(self, options=None, sites: list[tuple[float, float]] | None = None) -> np.ndarray:
        """Surface that blocks radar rays: ground (sea clamped to 0) plus optional canopy.

        Canopy of ``options.canopy_height_m`` is added where the ground is below
        ``options.canopy_applies_below_msl_m``, except within ``site_clearing_radius_m``
        of any (lat, lon) in ``sites``.
        """
        clamp = True if options is None else options.clamp_sea_to_zero
        surface = self.ground(clamp)
        canopy = 0.0 if options is None else options.canopy_height_m
        if canopy > 0:
            add = (surface > 0) & (surface < options.canopy_applies_below_msl_m)
            if sites and options.site_clearing_radius_m > 0:
                from radar.frame import great_circle_m

                lat2 = self.lat[:, None]
                lon2 = self.lon[None, :]
                for slat, slon in sites:
                    add &= great_circle_m(slat, slon, lat2, lon2) > options.site_clearing_radius_m
            surface = surface + canopy * add
        return np.ascontiguousarray(surface)

    def crop(self, lat_min, lat_max, lon_min, lon_max) -> "Dem":
        rows = np.nonzero((self.lat >= lat_min) & (self.lat <= lat_max))[0]
        cols = np.nonzero((self.lon >= lon_min) & (self.lon <= lon_max))[0]
        if rows.size < 2 or cols.size < 2:
            raise InputError(f"crop {lat_min},{lat_max},{lon_min},{lon_max}: leaves fewer than 2x2 cells of the DEM")
        return Dem(self.lat[rows], self.lon[cols], self.elevation_m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1],
                   self.provenance + f"; cropped to lat {lat_min}..{lat_max}, lon {lon_min}..{lon_max}", self.label,
                   self.source_path)

    def resample(self, step_deg: float) -> "Dem":
        """Bilinear resample onto a grid of ``step_deg`` over the same extent."""
        lat_min, lat_max, lon_min, lon_max = self.bounds
        lat = np.arange(lat_max, lat_min - 1e-9, -step_deg)
        lon = np.arange(lon_min, lon_max + 1e-9, step_deg)
        la, lo = np.meshgrid(lat, lon, indexing="ij")
        z = self.sample(la, lo)
        return Dem(lat, lon, np.round(z).astype(np.int16),
                   self.provenance + f"; bilinearly resampled to {step_deg * 3600:.1f} arc-seconds", self.label,
                   self.source_path)

    def save(self, path: str | Path) -> None:
        from radar.fileio import atomic_write

        with atomic_write(path, "wb") as fh:
            np.savez_compressed(fh, elevation_m=self.elevation_m.astype(np.int16), lat=self.lat, lon=self.lon,
                                provenance=np.array(self.provenance))


def _validate_grid(lat, lon, z, label: str):
    if lat.ndim != 1 or lon.ndim != 1 or z.shape != (lat.size, lon.size):
        raise InputError(f"{label}: elevation_m shape {z.shape} does not match lat ({lat.size}) x lon ({lon.size})")
    if lat.size < 2 or lon.size < 2:
        raise InputError(f"{label}: DEM has {lat.size}x{lon.size} cells: expected at least 2x2")
    if not (np.all(np.diff(lat) < 0) and np.all(np.diff(lon) > 0)):
        raise InputError(f"{label}: lat must be strictly descending and lon strictly ascending (cell centres)")
    if not np.allclose(np.diff(lat), lat[1] - lat[0], rtol=1e-4, atol=1e-9) or \
            not np.allclose(np.diff(lon), lon[1] - lon[0], rtol=1e-4, atol=1e-9):
        raise InputError(f"{label}: lat/lon spacing is not regular: expected a regular grid")


def load_dem(path: str | Path | None = None) -> Dem:
    """Load a DEM ``.npz`` (``None``: the embedded ETOPO5 default)."""
    if path is None:
        ref = resources.files("radar") / "data" / EMBEDDED_NAME
        with ref.open("rb") as fh:
            data = np.load(fh, allow_pickle=False)
            lat, lon, z, prov = data["lat"], data["lon"], data["elevation_m"], str(data["provenance"])
        return Dem(lat.astype(float), lon.astype(float), z, prov, ETOPO5_LABEL, f"<embedded {EMBEDDED_NAME}>")
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: DEM file not found: expected a .npz made by 'airbridge terrain import'")
    if p.suffix.lower() != ".npz":
        raise InputError(f"{p}: not a .npz DEM: import .hgt or GeoTIFF files first with 'airbridge terrain import SRC... --out FILE.npz'")
    try:
        data = np.load(p, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input here
        raise InputError(f"{p}: unreadable DEM ({type(exc).__name__}): expected a .npz with elevation_m, lat, lon") from None
    for key in ("elevation_m", "lat", "lon"):
        if key not in data.files:
            raise InputError(f"{p}: key {key!r} missing: expected elevation_m, lat, lon (and provenance)")
    lat, lon, z = data["lat"].astype(float), data["lon"].astype(float), data["elevation_m"]
    _validate_grid(lat, lon, z, str(p))
    prov = str(data["provenance"]) if "provenance" in data.files else "unspecified"
    label = ETOPO5_LABEL if "ETOPO5" in prov else ""
    return Dem(lat, lon, z, prov, label, str(p))


# ------------------------------------------------------------------------------------------
_HGT_NAME = re.compile(r"^([NS])(\d{2})([EW])(\d{3})\.hgt$", re.IGNORECASE)


def read_hgt(path: str | Path) -> Dem:
    """One SRTM ``.hgt`` tile (1" or 3"): south-west corner from the file name."""
    p = Path(path)
    m = _HGT_NAME.match(p.name)
    if not m:
        raise InputError(f"{p}: file name {p.name!r}: expected an SRTM tile name such as S13W070.hgt")
    lat_sw = int(m.group(2)) * (1 if m.group(1).upper() == "N" else -1)
    lon_sw = int(m.group(4)) * (1 if m.group(3).upper() == "E" else -1)
    size = p.stat().st_size
    n = int(round(math.sqrt(size / 2)))
    if n * n * 2 != size or n not in (1201, 3601):
        raise InputError(f"{p}: {size} bytes: expected 1201x1201 (3\") or 3601x3601 (1\") big-endian int16 samples")
    z = np.fromfile(p, dtype=">i2").reshape(n, n).astype(np.int16)
    lat = lat_sw + 1 - np.arange(n) / (n - 1)
    lon = lon_sw + np.arange(n) / (n - 1)
    return Dem(lat, lon, z, f"SRTM {p.name} ({3600 // (n - 1)}\")", "", str(p))


def read_geotiff(path: str | Path) -> Dem:
    """A GeoTIFF DEM in geographic WGS84 coordinates (needs the ``gis`` extra: rasterio)."""
    p = Path(path)
    try:
        import rasterio
    except ImportError:
        raise InputError(f"{p}: reading GeoTIFF needs rasterio: install the gis extra (pip install -e '.[gis]')") from None
    try:
        with rasterio.open(p) as ds:
            if ds.crs is None or not ds.crs.is_geographic:
                raise InputError(f"{p}: CRS {ds.crs}: expected geographic WGS84 (EPSG:4326); reproject with gdalwarp -t_srs EPSG:4326")
            t = ds.transform
            if abs(t.b) > 0 or abs(t.d) > 0 or t.e >= 0:
                raise InputError(f"{p}: transform {tuple(t)[:6]}: expected a north-up grid without rotation")
            z = ds.read(1).astype(np.float64)
            nodata = ds.nodata
            lon = t.c + t.a * (np.arange(ds.width) + 0.5)
            lat = t.f + t.e * (np.arange(ds.height) + 0.5)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{p}: unreadable GeoTIFF ({exc}): expected a single-band elevation raster") from None
    voids = ~np.isfinite(z)
    if nodata is not None:
        voids |= z == nodata
    z[voids] = HGT_VOID
    return Dem(lat, lon, np.round(z).astype(np.int16), f"GeoTIFF {p.name}", "", str(p))


def mosaic(dems: list[Dem], step_deg: float | None = None) -> Dem:
    """Mosaic tiles onto one regular grid (finest input step unless ``step_deg``); voids -> 0 m, counted."""
    if not dems:
        raise InputError("terrain import: no source files: expected one or more .hgt or GeoTIFF files")
    step = step_deg or min(d.dlat for d in dems)
    lat_min = min(d.bounds[0] for d in dems)
    lat_max = max(d.bounds[1] for d in dems)
    lon_min = min(d.bounds[2] for d in dems)
    lon_max = max(d.bounds[3] for d in dems)
    nlat = int(round((lat_max - lat_min) / step)) + 1
    nlon = int(round((lon_max - lon_min) / step)) + 1
    lat = lat_max - np.arange(nlat) * step
    lon = lon_min + np.arange(nlon) * step
    out = np.full((nlat, nlon), np.nan)
    for d in dems:
        z = d.elevation_m.astype(float)
        z[d.elevation_m == HGT_VOID] = np.nan
        r = (lat <= d.bounds[1] + 1e-9) & (lat >= d.bounds[0] - 1e-9)
        c = (lon >= d.bounds[2] - 1e-9) & (lon <= d.bounds[3] + 1e-9)
        la, lo = np.meshgrid(lat[r], lon[c], indexing="ij")
        tile = Dem(d.lat, d.lon, z)
        v = tile.sample(la, lo, grid=z)
        sub = out[np.ix_(r, c)]
        out[np.ix_(r, c)] = np.where(np.isnan(sub), v, sub)
    voids = int(np.isnan(out).sum())
    out = np.where(np.isnan(out), 0.0, out)
    prov = "; ".join(d.provenance for d in dems) + f"; mosaicked at {step * 3600:.2f} arc-seconds"
    if voids:
        prov += f"; {voids} void cells set to 0 m"
    return Dem(lat, lon, np.round(out).astype(np.int16), prov, "", "")


def import_dem(sources: list[str], step_arcsec: float | None = None,
               bbox: tuple[float, float, float, float] | None = None) -> Dem:
    """Read ``.hgt`` / GeoTIFF sources, mosaic, optionally crop (lat_min, lat_max, lon_min, lon_max)."""
    dems = []
    for s in sources:
        p = Path(s)
        if not p.exists():
            raise InputError(f"{p}: file not found: expected an SRTM .hgt tile or a GeoTIFF")
        suffix = p.suffix.lower()
        if suffix == ".hgt":
            dems.append(read_hgt(p))
        elif suffix in (".tif", ".tiff"):
            dems.append(read_geotiff(p))
        else:
            raise InputError(f"{p}: unsupported extension {suffix!r}: expected .hgt, .tif or .tiff")
    dem = mosaic(dems, None if step_arcsec is None else step_arcsec / 3600.0)
    if bbox is not None:
        dem = dem.crop(*bbox)
    return dem
