"""Frame and geodesy against pyproj (cart + topocentric pipeline), and the 4/3-Earth horizon."""
import math

import numpy as np
import pytest
from pyproj import Transformer

from radar import frame as fr
from radar.frame import Frame


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(7)
    n = 2000
    return rng.uniform(-20, 1, n), rng.uniform(-83, -66, n), rng.uniform(-100, 12000, n)


def test_geodetic_to_ecef_matches_pyproj(points):
    lat, lon, h = points
    t = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    x, y, z = t.transform(lon, lat, h)
    ours = fr.geodetic_to_ecef(lat, lon, h)
    assert np.max(np.abs(ours - np.column_stack([x, y, z]))) < 1e-3  # 1 mm


def test_ecef_round_trip_sub_millimetre(points):
    lat, lon, h = points
    lat2, lon2, h2 = fr.ecef_to_geodetic(fr.geodetic_to_ecef(lat, lon, h))
    # 1e-9 deg of latitude is 0.1 mm
    assert np.max(np.abs(lat2 - lat)) < 1e-9 and np.max(np.abs(lon2 - lon)) < 1e-9
    assert np.max(np.abs(h2 - h)) < 1e-3


def test_enu_matches_pyproj_topocentric(points):
    lat, lon, h = points
    f = Frame(-9.2, -75.0, 0.0)
    pipe = Transformer.from_pipeline(
        "+proj=pipeline +step +proj=cart +ellps=WGS84 "
        f"+step +proj=topocentric +ellps=WGS84 +lat_0={f.origin_lat_deg} +lon_0={f.origin_lon_deg} +h_0={f.origin_h_m}")
    e, n, u = pipe.transform(lon, lat, h)
    ours = f.geodetic_to_enu(lat, lon, h)
    assert np.max(np.abs(ours - np.column_stack([e, n, u]))) < 1e-3
    lat2, lon2, h2 = f.enu_to_geodetic(ours)
    assert np.max(np.abs(h2 - h)) < 1e-3 and np.max(np.abs(lat2 - lat)) < 1e-9


def test_far_from_origin_z_is_not_altitude():
    # ~1,100 km from the origin a 300 m target has z of about -95 km
    f = Frame()
    p = f.geodetic_to_enu(-9.2, -75.0 + 10.05, 300.0)
    d = math.hypot(p[0], p[1])
    assert 1.0e6 < d < 1.2e6
    assert -100e3 < p[2] < -90e3


def test_local_to_frame_rotation_is_orthonormal_and_consistent():
    f = Frame()
    rot = f.local_to_frame_rotation(-12.6, -69.2)
    assert np.allclose(rot @ rot.T, np.eye(3), atol=1e-12)
    # a local 'up' step of 1 m at the site moves the ECEF point by the site's up vector
    site = f.geodetic_to_enu(-12.6, -69.2, 200.0)
    above = f.geodetic_to_enu(-12.6, -69.2, 201.0)
    assert np.allclose(above - site, rot @ np.array([0, 0, 1.0]), atol=1e-6)


def test_horizon_formula_reference_value():
    # d_km = 4.12 (sqrt(10) + sqrt(150)) = 63.5 km
    assert fr.horizon_range_m(10.0, 150.0) / 1e3 == pytest.approx(63.5, rel=0.005)


def test_bad_frame_rejected():
    from radar.errors import InputError

    with pytest.raises(InputError, match="origin_lat"):
        Frame(origin_lat_deg=95.0)
    with pytest.raises(InputError, match="epoch_utc"):
        Frame(epoch_utc="yesterday")
