"""Terrain: the DEM grid format, the embedded ETOPO5 default and importers for real DEMs.

Format (``.npz``, also the cache format of imports)::

    elevation_m  int16 (nlat, nlon), rows north -> south, metres MSL (ocean negative)
    lat          float64 (nlat,) cell-centre latitudes, descending, degrees
    lon          float64 (nlon,) cell-centre longitudes, ascending, degrees
    provenance   str, where the data came from and what was done to it

The embedded default is ETOPO5 (5 arc-minutes, ~9 km, public domain) over lat -22..0,
lon -82..-60.  It is coarse (ridges narrower than ~20 km vanish, Andean peaks 1-2 km
low), so every output made from it carries :data:`ETOPO5_LABEL`.

Every cell holds an elevation: a DEM with NaN, infinite or out-of-range cells (outside
:data:`ELEVATION_RANGE_M`, e.g. a raw SRTM void -32768) is rejected on load with the file
and the number of such cells; ``airbridge terrain info`` reports them.

Importers: SRTM ``.hgt`` tiles (1" = 3601x3601, 3" = 1201x1201 samples, big-endian
int16, -32768 = void, named after the south-west corner, e.g. ``S13W070.hgt``), mosaicked;
and GeoTIFF in geographic WGS84 coordinates through rasterio (the ``gis`` extra).  The
samples of an SRTM tile sit on its edges, both included (neighbouring tiles share a row or a
column), so a tile alone covers its edges.  An output cell is bilinear in the samples around
it; it is void when a sample with a positive weight is void (or when no source covers it);
void cells are set to 0 m and counted in the provenance.  The output grid is sized before
anything is allocated and refused above :data:`MAX_IMPORT_CELLS`.
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
#: elevations a DEM cell may hold (m MSL): the deepest ocean to above the highest summit
ELEVATION_RANGE_M = (-11000.0, 9000.0)
#: largest grid ``terrain import`` writes: 2**28 cells (512 MiB as int16)
MAX_IMPORT_CELLS = 2 ** 28
#: fractional grid indices this close to an integer (in cells) are that integer (float noise on edges)
_SNAP_CELLS = 1e-6
#: output cells mosaicked at a time (bounds the working memory, ~100 MB)
_BLOCK_CELLS = 2 ** 21


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
        """Bilinear resample onto a grid of ``step_deg`` over the same extent (edges included)."""
        lat_min, lat_max, lon_min, lon_max = self.bounds
        lat = np.arange(lat_max, lat_min - 1e-9, -step_deg)
        lon = np.arange(lon_min, lon_max + 1e-9, step_deg)
        fr, fc = self.fractional_index(lat, lon)
        rows, cols = _axis_weights(fr, self.shape[0]), _axis_weights(fc, self.shape[1])
        z = _bilinear(self.elevation_m, rows, cols)
        return Dem(lat[rows[0]], lon[cols[0]], np.round(z).astype(np.int16),
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
    if not (np.all(np.isfinite(lat)) and np.all(np.isfinite(lon))):
        raise InputError(f"{label}: lat/lon hold NaN or infinite values: expected cell-centre degrees")
    if not (np.all(np.diff(lat) < 0) and np.all(np.diff(lon) > 0)):
        raise InputError(f"{label}: lat must be strictly descending and lon strictly ascending (cell centres)")
    if not np.allclose(np.diff(lat), lat[1] - lat[0], rtol=1e-4, atol=1e-9) or \
            not np.allclose(np.diff(lon), lon[1] - lon[0], rtol=1e-4, atol=1e-9):
        raise InputError(f"{label}: lat/lon spacing is not regular: expected a regular grid")
    if not (np.issubdtype(z.dtype, np.integer) or np.issubdtype(z.dtype, np.floating)):
        raise InputError(f"{label}: elevation_m has dtype {z.dtype}: expected int16 metres MSL")


def invalid_cells(z: np.ndarray) -> tuple[int, int]:
    """(NaN or infinite cells, finite cells outside :data:`ELEVATION_RANGE_M`) of an elevation grid."""
    lo, hi = ELEVATION_RANGE_M
    if np.issubdtype(z.dtype, np.floating):
        finite = np.isfinite(z)
        n_nonfinite = int(z.size - np.count_nonzero(finite))
        with np.errstate(invalid="ignore"):
            n_range = int(np.count_nonzero(finite & ((z < lo) | (z > hi))))
        return n_nonfinite, n_range
    return 0, int(np.count_nonzero((z < lo) | (z > hi)))


def _check_values(z: np.ndarray, label: str) -> None:
    n_nan, n_range = invalid_cells(z)
    if n_nan or n_range:
        lo, hi = ELEVATION_RANGE_M
        what = []
        if n_nan:
            what.append(f"{n_nan:,} NaN or infinite cells")
        if n_range:
            what.append(f"{n_range:,} cells outside {lo:.0f}..{hi:.0f} m (e.g. the SRTM void {HGT_VOID})")
        raise InputError(f"{label}: elevation_m has {' and '.join(what)} of {z.size:,}: expected an elevation "
                         f"in metres MSL in every cell (fill the voids, or import the source with 'airbridge "
                         f"terrain import', which sets voids to 0 m and counts them)")


def load_dem(path: str | Path | None = None, check_values: bool = True) -> Dem:
    """Load a DEM ``.npz`` (``None``: the embedded ETOPO5 default).

    Cells with NaN or out-of-range elevations are rejected unless ``check_values`` is false
    (``terrain info`` describes such a file instead).
    """
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
        for key in ("elevation_m", "lat", "lon"):
            if key not in data.files:
                raise InputError(f"{p}: key {key!r} missing: expected elevation_m, lat, lon (and provenance)")
        lat, lon, z = data["lat"].astype(float), data["lon"].astype(float), data["elevation_m"]
        prov = str(data["provenance"]) if "provenance" in data.files else "unspecified"
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is bad input here
        raise InputError(f"{p}: unreadable DEM ({type(exc).__name__}): expected a .npz with elevation_m, lat, lon") from None
    _validate_grid(lat, lon, z, str(p))
    if check_values:
        _check_values(z, str(p))
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


def _axis_weights(frac: np.ndarray, n: int):
    """Linear interpolation along one axis of ``n`` samples at fractional indices ``frac``.

    Returns (positions of ``frac`` inside [0, n-1], i0, i1, w0, w1) for those positions;
    indices within :data:`_SNAP_CELLS` of an integer are that integer, so grid edges and
    samples that coincide with source samples take the source value exactly.
    """
    frac = np.asarray(frac, dtype=float)
    near = np.rint(frac)
    frac = np.where(np.abs(frac - near) < _SNAP_CELLS, near, frac)
    pos = np.nonzero((frac >= 0) & (frac <= n - 1))[0]
    f = frac[pos]
    i0 = np.clip(np.floor(f).astype(np.int64), 0, max(n - 2, 0))
    w1 = np.clip(f - i0, 0.0, 1.0)
    i1 = np.minimum(i0 + 1, n - 1)
    return pos, i0, i1, 1.0 - w1, w1


def _bilinear(z: np.ndarray, rows, cols, void: int | None = None) -> np.ndarray:
    """Bilinear values of grid ``z`` at the row x column positions from :func:`_axis_weights`.

    A sample whose weight is 0 does not contribute; a ``void`` sample with a positive
    weight makes the value NaN.
    """
    _, r0, r1, wr0, wr1 = rows
    _, c0, c1, wc0, wc1 = cols
    out = np.zeros((r0.size, c0.size))
    for ri, wr in ((r0, wr0), (r1, wr1)):
        for ci, wc in ((c0, wc0), (c1, wc1)):
            w = wr[:, None] * wc[None, :]
            raw = z[np.ix_(ri, ci)]
            v = raw.astype(np.float64)
            if void is not None:
                v[raw == void] = np.nan
            out += np.where(w > 0, w * v, 0.0)
    return out


def _format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PiB"  # pragma: no cover


def _axis_count(extent: float, step: float) -> int:
    """Grid points from one edge of ``extent`` (degrees) at ``step``, never past the far edge."""
    return int(math.floor(extent / step + _SNAP_CELLS)) + 1


def _check_size(nlat: int, nlon: int, step: float, extent: tuple[float, float], flag: str) -> None:
    cells = nlat * nlon
    if cells <= MAX_IMPORT_CELLS:
        return
    ext_lat, ext_lon = extent
    fit = step * math.sqrt(cells / MAX_IMPORT_CELLS)
    while _axis_count(ext_lat, fit) * _axis_count(ext_lon, fit) > MAX_IMPORT_CELLS:
        fit *= 1.01
    fit_arcsec = math.ceil(fit * 3600 * 1000) / 1000
    side = (math.isqrt(MAX_IMPORT_CELLS) - 1) * step
    raise InputError(f"{flag}: the output grid would be {nlat:,} x {nlon:,} cells ({_format_bytes(2.0 * cells)} "
                     f"as int16): expected at most {MAX_IMPORT_CELLS:,} cells ({_format_bytes(2.0 * MAX_IMPORT_CELLS)}); "
                     f"use --step-arcsec {fit_arcsec:g} or coarser for this extent, or at this step a --bbox of at "
                     f"most {side:.4g} x {side:.4g} degrees")


def mosaic(dems: list[Dem], step_deg: float | None = None,
           bbox: tuple[float, float, float, float] | None = None) -> Dem:
    """Mosaic tiles onto one regular grid (finest input step unless ``step_deg``), cropped to ``bbox``.

    The grid starts at the north-west corner of the sources' extent; ``bbox`` (lat_min,
    lat_max, lon_min, lon_max) keeps its cells inside the box.  Where sources overlap the
    first one listed wins, unless it is void there.  Void cells (a void source sample with a
    positive weight, or no source) are set to 0 m and counted in the provenance.
    """
    if not dems:
        raise InputError("terrain import: no source files: expected one or more .hgt or GeoTIFF files")
    step = step_deg or min(d.dlat for d in dems)
    lat_min = min(d.bounds[0] for d in dems)
    lat_max = max(d.bounds[1] for d in dems)
    lon_min = min(d.bounds[2] for d in dems)
    lon_max = max(d.bounds[3] for d in dems)
    n_lat_all = _axis_count(lat_max - lat_min, step)
    n_lon_all = _axis_count(lon_max - lon_min, step)
    i0, i1, j0, j1 = 0, n_lat_all - 1, 0, n_lon_all - 1
    flag = f"terrain import --step-arcsec {step * 3600:g}" if step_deg else \
        f"terrain import (step {step * 3600:g}\" of the finest source)"
    if bbox is not None:
        b_lat_min, b_lat_max, b_lon_min, b_lon_max = bbox
        i0 = max(i0, math.ceil((lat_max - b_lat_max) / step - _SNAP_CELLS))
        i1 = min(i1, math.floor((lat_max - b_lat_min) / step + _SNAP_CELLS))
        j0 = max(j0, math.ceil((b_lon_min - lon_min) / step - _SNAP_CELLS))
        j1 = min(j1, math.floor((b_lon_max - lon_min) / step + _SNAP_CELLS))
        flag += f" --bbox {','.join(f'{v:g}' for v in bbox)}"
    if i1 - i0 < 1 or j1 - j0 < 1:
        raise InputError(f"{flag}: leaves {max(i1 - i0 + 1, 0)}x{max(j1 - j0 + 1, 0)} cells of the sources (lat "
                         f"{lat_min:g}..{lat_max:g}, lon {lon_min:g}..{lon_max:g}): expected at least 2x2 (a box "
                         f"overlapping the sources, a step smaller than their extent)")
    nlat, nlon = i1 - i0 + 1, j1 - j0 + 1
    _check_size(nlat, nlon, step, ((i1 - i0) * step, (j1 - j0) * step), flag)
    lat = lat_max - np.arange(i0, i1 + 1) * step
    lon = lon_min + np.arange(j0, j1 + 1) * step
    out = np.empty((nlat, nlon), dtype=np.int16)
    cols = [_axis_weights(d.fractional_index(d.lat[0], lon)[1], d.shape[1]) for d in dems]
    voids = gaps = 0
    block = max(1, _BLOCK_CELLS // nlon)
    for b0 in range(0, nlat, block):
        lat_b = lat[b0:b0 + block]
        vals = np.full((lat_b.size, nlon), np.nan)
        covered = np.zeros(vals.shape, dtype=bool)
        for d, c in zip(dems, cols):
            r = _axis_weights(d.fractional_index(lat_b, d.lon[0])[0], d.shape[0])
            if r[0].size == 0 or c[0].size == 0:
                continue
            v = _bilinear(d.elevation_m, r, c, void=HGT_VOID)
            sub = np.ix_(r[0], c[0])
            vals[sub] = np.where(np.isnan(vals[sub]), v, vals[sub])
            covered[sub] = True
        empty = np.isnan(vals)
        gaps += int(np.count_nonzero(~covered))
        voids += int(np.count_nonzero(empty & covered))
        vals[empty] = 0.0
        out[b0:b0 + block] = np.round(vals)
    prov = "; ".join(d.provenance for d in dems) + f"; mosaicked at {step * 3600:.2f} arc-seconds"
    if bbox is not None:
        prov += f"; cropped to lat {bbox[0]:g}..{bbox[1]:g}, lon {bbox[2]:g}..{bbox[3]:g}"
    if voids:
        prov += f"; {voids} void cells set to 0 m"
    if gaps:
        prov += f"; {gaps} cells outside every source set to 0 m"
    return Dem(lat, lon, out, prov, "", "")


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
    return mosaic(dems, None if step_arcsec is None else step_arcsec / 3600.0, bbox)
