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
    from scenarios.config import TerrainOptions

    opts = TerrainOptions(canopy_height_m=25.0, canopy_applies_below_msl_m=1000.0, site_clearing_radius_m=20e3)
    surf = dem.masking_surface(opts, [(-12.6136, -69.2286)])
    base = dem.ground(True)
    low_land = (base > 0) & (base < 1000)
    diff = surf - base
    assert set(np.unique(diff[low_land])) <= {0.0, 25.0}
    r, c = np.rint(dem.fractional_index(-12.6136, -69.2286)).astype(int)
    assert diff[r, c] == 0.0  # cleared around the radar
    assert np.all(diff[base >= 1000] == 0.0)
