"""4/3-Earth polar <-> scenario ENU conversions: round trip, closed forms, pyproj, kernels vs NumPy."""
import math

import numpy as np
import pytest

from radar.frame import EARTH_RADIUS_M, REFRACTION_K, Frame
from radar.measurement import (EQUIVALENT_RADIUS_M, convert_polar, elevation_from_height, enu_to_polar_arrays,
                               enu_to_polar_k, geodetic_height_k, polar_jacobian_arrays, polar_to_enu_arrays,
                               polar_to_enu_k, range_azimuth_jacobian_k)

FRAME = Frame()
SITE = (math.radians(-12.6136), math.radians(-69.2286), 221.0)  # Puerto Maldonado TPS-70 (antenna MSL)


def _draws(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(500.0, 450e3, n), rng.uniform(0, 2 * np.pi, n), rng.uniform(-0.03, 0.5, n)


def test_round_trip_polar_enu_polar_within_1e_6_m():
    r, az, el = _draws(20000)
    enu = polar_to_enu_arrays(r, az, el, *SITE, FRAME)
    r2, az2, el2 = enu_to_polar_arrays(enu, *SITE, FRAME)
    assert np.abs(r2 - r).max() < 1e-6
    # angles expressed as arc length at the target's range (metres)
    daz = (az2 - az + np.pi) % (2 * np.pi) - np.pi
    assert np.abs(daz * r).max() < 1e-6
    assert np.abs((el2 - el) * r).max() < 1e-6
    enu2 = polar_to_enu_arrays(r2, az2, el2, *SITE, FRAME)
    assert np.abs(enu2 - enu).max() < 1e-6


def test_height_is_the_refraction_consistent_formula():
    """Geodetic height of the converted point equals sqrt(r^2 + (kR)^2 + 2 r kR sin(el)) - kR + h_ant."""
    r, az, el = _draws(2000, 1)
    enu = polar_to_enu_arrays(r, az, el, *SITE, FRAME)
    _, _, h = FRAME.enu_to_geodetic(enu)
    a = REFRACTION_K * EARTH_RADIUS_M
    expected = np.sqrt(r ** 2 + a ** 2 + 2 * r * a * np.sin(el)) - a + SITE[2]
    assert np.abs(h - expected).max() < 1e-4  # metres (ECEF -> geodetic iteration)


def test_zero_elevation_matches_the_4_3_earth_horizon_formula():
    """At elevation 0 a ray reaches height h_ant + d^2 / (2 k R) at ground distance d (flat terrain)."""
    r = np.array([20e3, 63.5e3, 150e3])
    el = np.zeros(3)
    enu = polar_to_enu_arrays(r, np.zeros(3), el, *SITE, FRAME)
    _, _, h = FRAME.enu_to_geodetic(enu)
    gain = h - SITE[2]
    assert gain == pytest.approx(r ** 2 / (2 * EQUIVALENT_RADIUS_M), rel=2e-3)


def test_scenario_enu_part_against_pyproj():
    import pyproj
    r, az, el = _draws(500, 2)
    enu = polar_to_enu_arrays(r, az, el, *SITE, FRAME)
    lat, lon, h = FRAME.enu_to_geodetic(enu)
    # pyproj: geodetic -> ECEF -> topocentric ENU at the frame origin
    pipe = pyproj.Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=cart +ellps=WGS84 +step +proj=topocentric +ellps=WGS84 "
        f"+lat_0={FRAME.origin_lat_deg} +lon_0={FRAME.origin_lon_deg} +h_0={FRAME.origin_h_m}")
    e, n, u = pipe.transform(lon, lat, h)
    assert np.abs(np.c_[e, n, u] - enu).max() < 1e-3  # 1 mm


def test_kernels_agree_with_numpy():
    r, az, el = _draws(300, 3)
    enu = polar_to_enu_arrays(r, az, el, *SITE, FRAME)
    out = np.empty(3)
    up = np.empty(3)
    for i in range(r.size):
        polar_to_enu_k(r[i], az[i], el[i], *SITE, FRAME.origin_ecef, FRAME.rotation, out)
        assert np.abs(out - enu[i]).max() < 1e-6
        rr, aa, ee = enu_to_polar_k(*enu[i], *SITE, FRAME.origin_ecef, FRAME.rotation)
        assert abs(rr - r[i]) < 1e-6 and abs(((aa - az[i] + np.pi) % (2 * np.pi) - np.pi) * r[i]) < 1e-6
        h = geodetic_height_k(*enu[i], FRAME.origin_ecef, FRAME.rotation, up)
        assert h == pytest.approx(FRAME.enu_to_geodetic(enu[i])[2], abs=1e-6)
        assert np.linalg.norm(up) == pytest.approx(1.0, abs=1e-12)


def test_range_azimuth_jacobian_against_numpy_differences():
    r, az, el = _draws(50, 4)
    enu = polar_to_enu_arrays(r, az, el, *SITE, FRAME)
    H = np.empty((2, 3))
    for i in range(r.size):
        rr, aa = range_azimuth_jacobian_k(*enu[i], *SITE, FRAME.origin_ecef, FRAME.rotation, H)
        J = np.linalg.inv(polar_jacobian_arrays(r[i], az[i], el[i], *SITE, FRAME)[0])  # d(r, az, el)/d(enu)
        # analytic straight-ray Jacobian vs the exact model's gradient: they differ by the ray bending (r / 2kR) and
        # by the model's spherical ground scale (mean R vs the ellipsoid's local radii, ~0.6 % at -12.6 deg):
        # measured <= 1.2 % up to 450 km; an EKF gain does not care
        tol = 0.015
        for row in range(2):
            assert np.linalg.norm(H[row] - J[row]) <= tol * np.linalg.norm(J[row])
        assert rr == pytest.approx(r[i], abs=1e-6)


def test_converted_covariance_is_J_sigma_JT_and_psd():
    r, az, el = _draws(200, 5)
    s = (150.0, math.radians(0.2), math.radians(0.093))
    enu, cov = convert_polar(r, az, el, *s, *SITE, frame=FRAME)
    J = polar_jacobian_arrays(r, az, el, *SITE, FRAME)
    C = J @ np.diag(np.square(s)) @ np.swapaxes(J, 1, 2)
    np.testing.assert_allclose(cov[:, 0], C[:, 0, 0], rtol=1e-9)
    np.testing.assert_allclose(cov[:, 5], C[:, 2, 2], rtol=1e-9)
    M = np.stack((cov[:, [0, 1, 2]], cov[:, [1, 3, 4]], cov[:, [2, 4, 5]]), axis=1)
    assert (np.linalg.eigvalsh(M)[:, 0] > 0).all()
    # Monte Carlo: sample covariance of converted noisy measurements matches (5 % on the largest axis)
    rng = np.random.default_rng(0)
    k = 7
    n = 20000
    rs = r[k] + rng.normal(0, s[0], n)
    azs = az[k] + rng.normal(0, s[1], n)
    els = el[k] + rng.normal(0, s[2], n)
    pts = polar_to_enu_arrays(rs, azs, els, *SITE, FRAME)
    emp = np.cov(pts.T)
    assert np.abs(emp - M[k]).max() < 0.05 * np.abs(M[k]).max()


def test_elevation_from_height_inverts_the_height_formula():
    r = np.array([30e3, 100e3, 300e3])
    h = np.array([1000.0, 3000.0, 9000.0])
    el = elevation_from_height(r, h, SITE[2])
    enu = polar_to_enu_arrays(r, np.zeros(3), el, *SITE, FRAME)
    assert np.abs(FRAME.enu_to_geodetic(enu)[2] - h).max() < 1e-4


def test_two_forms_of_the_inverse_agree_and_the_elevation_sine_inverts_the_height():
    """The measurement kernels' haversine form (feeds, public kernels) and sine-cosine form (tracker) of the
    central angle and bearing agree to rounding; elevation_sine inverts the forward height (1e-10 rad);
    range_elevation_from_site inverts polar_to_geodetic (1e-6 m, 1e-10 rad)."""
    from radar._jit import kernel
    from radar._kernels import measurement as K

    @kernel
    def forms(lat, lon, slat, slon, sh, r, az, el, out):
        for i in range(lat.size):
            g1 = K.central_angle_from_site(lat[i], math.cos(lat[i]), lon[i], slat[i], math.cos(slat[i]), slon[i])
            a1 = K.bearing_from_site(lat[i], lon[i], slon[i], math.sin(slat[i]), math.cos(slat[i]))
            g2, a2 = K.central_angle_bearing_sincos(math.sin(slat[i]), math.cos(slat[i]), math.sin(slon[i]),
                                                    math.cos(slon[i]), math.sin(lat[i]), math.cos(lat[i]),
                                                    math.sin(lon[i]), math.cos(lon[i]))
            out[i, 0] = g1 - g2
            out[i, 1] = (a1 - a2 + math.pi) % (2 * math.pi) - math.pi
            lat2, lon2, h, _rho, _sg, _cg = K.polar_to_geodetic(r[i], math.sin(el[i]), math.cos(el[i]), math.sin(az[i]),
                                                                math.cos(az[i]), math.sin(slat[i]), math.cos(slat[i]),
                                                                slon[i], sh[i], K.EQUIVALENT_RADIUS_M, K.EARTH_RADIUS_M)
            out[i, 2] = math.asin(K.elevation_sine(r[i], h - sh[i], K.EQUIVALENT_RADIUS_M)) - el[i]
            rr, ee = K.range_elevation_from_site(lat2, math.cos(lat2), lon2, h, slat[i], math.cos(slat[i]), slon[i],
                                                 sh[i], K.EQUIVALENT_RADIUS_M, K.EARTH_RADIUS_M)
            out[i, 3] = rr - r[i]
            out[i, 4] = ee - el[i]
            out[i, 5] = (K.bearing_from_site(lat2, lon2, slon[i], math.sin(slat[i]), math.cos(slat[i])) - az[i]
                         + math.pi) % (2 * math.pi) - math.pi

    rng = np.random.default_rng(4)
    n = 5000
    lat, lon = np.radians(rng.uniform(-20, 2, n)), np.radians(rng.uniform(-82, -66, n))
    slat, slon = np.radians(rng.uniform(-20, 2, n)), np.radians(rng.uniform(-82, -66, n))
    r, az, el = _draws(n, 9)
    sh = rng.uniform(0, 4500, n)
    out = np.empty((n, 6))
    forms(lat, lon, slat, slon, sh, r, az, el, out)
    assert np.abs(out[:, 0]).max() < 1e-14  # rad (0.06 mm on the Earth)
    assert np.abs(out[:, 1]).max() < 1e-11  # rad (azimuth)
    assert np.abs(out[:, 2]).max() < 1e-10  # rad
    assert np.abs(out[:, 3]).max() < 1e-6 and np.abs(out[:, 4]).max() < 1e-10 and np.abs(out[:, 5]).max() < 1e-10
