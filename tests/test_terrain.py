"""DEM format, embedded ETOPO5, and the SRTM .hgt / GeoTIFF importers (round trips on files made here)."""
import numpy as np
import pytest

from radar.errors import InputError
from radar.terrain import ETOPO5_LABEL, import_dem, load_dem, read_hgt


def test_embedded_dem_is_etopo5_and_labelled(dem):
    assert dem.shape == (265, 265)
    assert dem.label == ETOPO5_LABEL
    assert dem.bounds == pytest.approx((-22.0, 0.0, -82.0, -60.0), abs=1e-3)
    # the Andes are there (coarse: peaks low) and the Pacific carries bathymetry
    assert 5000 < dem.elevation_m.max() < 7000
    assert dem.elevation_m.min() < -3000
    assert dem.ground(True).min() == 0.0  # bathymetry clamped for masking


def _write_hgt(path, n, fn):
    lat_sw, lon_sw = -13, -70
    lat = lat_sw + 1 - np.arange(n) / (n - 1)
    lon = lon_sw + np.arange(n) / (n - 1)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    z = fn(la, lo).astype(">i2")
    z.tofile(path)
    return la, lo, z.astype(np.int16)


def test_hgt_3arcsec_round_trip(tmp_path):
    p = tmp_path / "S13W070.hgt"
    la, lo, z = _write_hgt(p, 1201, lambda la, lo: 200 + 1000 * (la + 13) + 500 * (lo + 70))
    dem = read_hgt(p)
    assert dem.shape == (1201, 1201)
    assert dem.lat[0] == pytest.approx(-12.0) and dem.lon[0] == pytest.approx(-70.0)
    assert np.array_equal(dem.elevation_m, z)
    out = tmp_path / "dem.npz"
    import_dem([str(p)]).save(out)
    back = load_dem(out)
    assert np.array_equal(back.elevation_m, z)
    # bilinear sample of a plane is exact (to int16 rounding)
    assert back.sample(-12.5, -69.5) == pytest.approx(200 + 1000 * 0.5 + 500 * 0.5, abs=1.0)


def test_hgt_mosaic_of_two_1arcsec_tiles_with_void(tmp_path):
    n = 3601
    for name, lon_sw in (("S13W070.hgt", -70), ("S13W069.hgt", -69)):
        lat = -12 - np.arange(n) / (n - 1)
        lon = lon_sw + np.arange(n) / (n - 1)
        la, lo = np.meshgrid(lat, lon, indexing="ij")
        z = np.round(100 * (lo + 70)).astype(">i2")
        if lon_sw == -69:
            z[10, 10] = -32768
        z.tofile(tmp_path / name)
    dem = import_dem([str(tmp_path / "S13W070.hgt"), str(tmp_path / "S13W069.hgt")], step_arcsec=30.0)
    assert dem.shape == (121, 241)
    assert dem.sample(-12.5, -68.5) == pytest.approx(150.0, abs=1.0)
    assert dem.sample(-12.5, -69.5) == pytest.approx(50.0, abs=1.0)


def test_geotiff_round_trip(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import Affine

    z = (np.arange(40 * 60).reshape(40, 60) % 700).astype(np.int16)
    p = tmp_path / "dem.tif"
    with rasterio.open(p, "w", driver="GTiff", height=40, width=60, count=1, dtype="int16", crs="EPSG:4326",
                       transform=Affine(0.01, 0, -72.0, 0, -0.01, -10.0)) as ds:
        ds.write(z, 1)
    dem = import_dem([str(p)])
    assert np.array_equal(dem.elevation_m, z)
    assert dem.lat[0] == pytest.approx(-10.005) and dem.lon[0] == pytest.approx(-71.995)


def test_geotiff_in_projected_crs_rejected(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import Affine

    p = tmp_path / "utm.tif"
    with rasterio.open(p, "w", driver="GTiff", height=4, width=4, count=1, dtype="int16", crs="EPSG:32718",
                       transform=Affine(30, 0, 500000, 0, -30, 8600000)) as ds:
        ds.write(np.zeros((4, 4), np.int16), 1)
    with pytest.raises(InputError, match="EPSG:4326"):
        import_dem([str(p)])


def test_bad_dem_inputs(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_dem(tmp_path / "missing.npz")
    bad = tmp_path / "S13W070.hgt"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(InputError, match="1201x1201"):
        read_hgt(bad)
    odd = tmp_path / "tile.hgt"
    odd.write_bytes(b"\x00" * (1201 * 1201 * 2))
    with pytest.raises(InputError, match="SRTM tile name"):
        read_hgt(odd)
    np.savez(tmp_path / "x.npz", lat=np.array([1.0, 2.0]), lon=np.array([1.0, 2.0]), elevation_m=np.zeros((2, 2)))
    with pytest.raises(InputError, match="descending"):
        load_dem(tmp_path / "x.npz")


def test_canopy_adds_to_masking_surface_except_near_sites(dem):
    from scenarios.config.scenario import TerrainOptions

    opts = TerrainOptions(canopy_height_m=25.0, canopy_applies_below_msl_m=1000.0, site_clearing_radius_m=20e3)
    surf = dem.masking_surface(opts, [(-12.6136, -69.2286)])
    base = dem.ground(True)
    low_land = (base > 0) & (base < 1000)
    diff = surf - base
    assert set(np.unique(diff[low_land])) <= {0.0, 25.0}
    r, c = np.rint(dem.fractional_index(-12.6136, -69.2286)).astype(int)
    assert diff[r, c] == 0.0  # cleared around the radar
    assert np.all(diff[base >= 1000] == 0.0)


def _plane(la, lo):
    return 200 + 1000 * (la + 13) + 500 * (lo + 70)


def _write_tile(path, n, fn, voids=()):
    """An SRTM tile named after its south-west corner (path.name), samples on both edges."""
    m = __import__("re").match(r"([NS])(\d\d)([EW])(\d\d\d)", path.name)
    lat_sw = int(m.group(2)) * (1 if m.group(1) == "N" else -1)
    lon_sw = int(m.group(4)) * (1 if m.group(3) == "E" else -1)
    lat = lat_sw + 1 - np.arange(n) / (n - 1)
    lon = lon_sw + np.arange(n) / (n - 1)
    z = np.round(fn(*np.meshgrid(lat, lon, indexing="ij"))).astype(np.int16)
    for r, c in voids:
        z[r, c] = -32768
    z.astype(">i2").tofile(path)
    return z


def test_resampled_tile_takes_its_edges_from_the_data(tmp_path):
    """A 3" tile resampled to 30": 121 x 121 cells, the last row and column from the tile, no voids."""
    p = tmp_path / "S13W070.hgt"
    _write_tile(p, 1201, _plane)
    dem = import_dem([str(p)], step_arcsec=30.0)
    assert dem.shape == (121, 121)
    assert dem.bounds == pytest.approx((-13.0, -12.0, -70.0, -69.0), abs=1e-9)
    assert "void" not in dem.provenance and "outside" not in dem.provenance
    la, lo = np.meshgrid(dem.lat, dem.lon, indexing="ij")
    assert np.abs(dem.elevation_m - _plane(la, lo)).max() <= 0.5 + 1e-9  # int16 rounding only
    assert dem.elevation_m[-1, -1] == round(_plane(-13.0, -69.0)) and dem.elevation_m[-1, 0] == 200
    assert dem.elevation_m.min() >= 200  # nothing set to 0 m


def test_voids_are_counted_where_they_weigh(tmp_path):
    """At 30" (every 10th 3" sample) a void on an output node voids that cell; one between nodes voids none."""
    p = tmp_path / "S13W070.hgt"
    _write_tile(p, 1201, _plane, voids=[(10, 20), (1200, 1200), (5, 5), (600, 7)])
    dem = import_dem([str(p)], step_arcsec=30.0)
    assert "; 2 void cells set to 0 m" in dem.provenance
    assert dem.elevation_m[1, 2] == 0 and dem.elevation_m[120, 120] == 0
    assert np.count_nonzero(dem.elevation_m == 0) == 2
    # at the native step every void sample is exactly one void cell
    native = import_dem([str(p)])
    assert native.shape == (1201, 1201) and "; 4 void cells set to 0 m" in native.provenance
    # between nodes a void sample with a positive weight voids the cell: 4.5" falls between samples
    half = import_dem([str(p)], step_arcsec=4.5, bbox=(-12.1, -12.0, -70.0, -69.9))
    assert "void cells" in half.provenance


def test_neighbouring_tiles_fill_each_others_edge_voids_and_gaps_are_counted(tmp_path):
    west, east = tmp_path / "S13W070.hgt", tmp_path / "S13W069.hgt"
    _write_tile(west, 1201, _plane, voids=[(600, 1200)])  # on the shared edge, lon -69
    _write_tile(east, 1201, _plane)
    dem = import_dem([str(west), str(east)], step_arcsec=30.0)
    assert dem.shape == (121, 241) and "void" not in dem.provenance
    assert dem.elevation_m[60, 120] == round(_plane(-12.5, -69.0))
    # two tiles touching only at a corner: the other two quarters hold no data and are counted as such
    diag = tmp_path / "S14W069.hgt"
    _write_tile(diag, 1201, _plane)
    dem = import_dem([str(west), str(diag)], step_arcsec=60.0)
    assert dem.shape == (121, 121)
    assert f"; {2 * 60 * 60} cells outside every source set to 0 m" in dem.provenance


def test_import_refuses_a_grid_too_large_before_allocating_it(tmp_path, monkeypatch):
    import re

    import radar.terrain as terrain

    p = tmp_path / "S13W070.hgt"
    _write_tile(p, 1201, _plane)
    with pytest.raises(InputError) as err:
        import_dem([str(p)], step_arcsec=0.001)  # 3.6 million cells a side: 24 TiB
    msg = str(err.value)
    assert "--step-arcsec 0.001: the output grid would be 3,600,001 x 3,600,001 cells (23.6 TiB as int16)" in msg
    assert "expected at most 268,435,456 cells" in msg
    # the suggested step and box fit (checked with a small limit so the test stays light)
    monkeypatch.setattr(terrain, "MAX_IMPORT_CELLS", 10_000)
    with pytest.raises(InputError) as err:
        import_dem([str(p)], step_arcsec=3.0)
    step = float(re.search(r"use --step-arcsec ([0-9.]+) or coarser", str(err.value)).group(1))
    side = float(re.search(r"a --bbox of at most ([0-9.]+) x", str(err.value)).group(1))
    fits = import_dem([str(p)], step_arcsec=step)
    assert fits.elevation_m.size <= 10_000 and fits.elevation_m.size > 0.9 * 10_000
    box = import_dem([str(p)], step_arcsec=3.0, bbox=(-12.0 - side, -12.0, -70.0, -70.0 + side))
    assert box.elevation_m.size <= 10_000
    with pytest.raises(InputError, match="at least 2x2"):
        import_dem([str(p)], step_arcsec=7200.0)


def test_dem_with_nan_or_void_cells_is_rejected_with_the_count(tmp_path):
    lat, lon = np.array([-12.0, -12.5, -13.0]), np.array([-70.0, -69.5, -69.0])
    z = np.arange(9.0).reshape(3, 3) * 100
    z[0, 1] = z[2, 2] = np.nan
    np.savez(tmp_path / "nan.npz", lat=lat, lon=lon, elevation_m=z)
    with pytest.raises(InputError, match=r"nan\.npz: elevation_m has 2 NaN or infinite cells of 9: expected"):
        load_dem(tmp_path / "nan.npz")
    raw = np.zeros((3, 3), np.int16)
    raw[1, 1] = -32768
    np.savez(tmp_path / "void.npz", lat=lat, lon=lon, elevation_m=raw)
    with pytest.raises(InputError, match=r"1 cells outside -11000\.\.9000 m \(e\.g\. the SRTM void -32768\)"):
        load_dem(tmp_path / "void.npz")
    assert np.isnan(load_dem(tmp_path / "nan.npz", check_values=False).elevation_m).sum() == 2


def test_resample_keeps_the_last_row_and_column(dem):
    src = dem.crop(-14.0, -12.0, -72.0, -70.0)
    fine = src.resample(src.dlat / 5)
    assert fine.shape == ((src.shape[0] - 1) * 5 + 1, (src.shape[1] - 1) * 5 + 1)
    assert fine.bounds == pytest.approx(src.bounds, abs=1e-4)
    # every node, edges included, is the bilinear value of the source; nothing left void (1 m: int16 rounding,
    # plus the embedded grid's float spacing, regular to ~1e-7 degrees, against the oracle's actual coordinates)
    from scipy.interpolate import RegularGridInterpolator

    oracle = RegularGridInterpolator((-src.lat, src.lon), src.elevation_m.astype(float))
    la, lo = np.meshgrid(fine.lat, fine.lon, indexing="ij")
    expected = oracle(np.stack([np.clip(-la, -src.lat[0], -src.lat[-1]), np.clip(lo, src.lon[0], src.lon[-1])], -1))
    assert np.abs(fine.elevation_m - expected).max() <= 1.0
    assert np.array_equal(fine.elevation_m[::5, ::5], src.elevation_m)
