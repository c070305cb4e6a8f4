"""Radar measurements <-> scenario ENU, with the refraction-consistent (4/3-Earth) geometry.

A radar at geodetic (lat, lon, h_ant) measures slant range ``r``, azimuth ``az``
(from true north, clockwise, in its local ENU) and, for 3D radars, elevation
``eps``.  Under the 4/3-Earth model (equivalent radius ``a = k R``, k = 4/3,
R = :data:`radar.frame.EARTH_RADIUS_M`) the ray is straight, so the target's
height and ground angle follow from the triangle (Earth centre, antenna, target):

    h        = sqrt(r^2 + a^2 + 2 r a sin(eps)) - a + h_ant          (height, m)
    gamma_e  = atan2(r cos(eps), a + r sin(eps))                     (angle at the centre, equivalent Earth)
    d        = a * gamma_e                                            (ground distance, m)
    gamma    = d / R                                                  (true central angle, rad)

The target's latitude and longitude are the spherical destination at ground
distance ``d`` along ``az`` from the site; (lat, lon, h) -> ECEF -> scenario ENU
uses the WGS84 ellipsoid (:mod:`radar.frame`), so the *geodetic* height of the
converted point is exactly ``h``.  The radar feeds (:mod:`radar.feeds`) generate 3D
elevations with the inverse of the same model, so conversion is consistent.

The inverse (:func:`enu_to_polar`) recovers (lat, lon, h), the spherical ground
distance and bearing from the site, then ``r`` and ``eps`` from the same
triangle; the round trip holds to < 1e-6 m (tests/test_measurement.py).

Covariances are propagated through the Jacobian of this conversion, taken by
central differences (steps 1 m, 1 microradian: truncation error far below
1e-6 relative), so that the covariance is consistent with the exact model used.

Public functions are vectorised NumPy.  The ``*_k`` functions are scalar Numba
kernels for use inside other kernels (tracker EKF update, feeds noise) and are
tested to agree with the NumPy versions.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from radar._kernels import geodesy as _gk
from radar.frame import EARTH_RADIUS_M, REFRACTION_K, Frame, ecef_to_geodetic, geodetic_to_ecef

#: equivalent Earth radius k R (m)
EQUIVALENT_RADIUS_M = REFRACTION_K * EARTH_RADIUS_M
#: Mode C height standard deviation (m), DESIGN §5 (100 ft quantisation + altimeter error)
MODE_C_SIGMA_M = 30.0
#: vertical standard deviation given to 2D plots without Mode C in their converted (display/gating)
#: covariance (m); the tracker never uses it (2D plots update on range and azimuth).
UNKNOWN_HEIGHT_SIGMA_M = 5000.0

_DR = 1.0  # m, finite-difference step in range
_DA = 1e-6  # rad, finite-difference step in azimuth and elevation


# ---------------------------------------------------------------------------------------------
# NumPy (vectorised)
# ---------------------------------------------------------------------------------------------
def _polar_to_geodetic(r, az, el, lat, lon, h_ant):
    """Arrays (m, rad, rad; site rad, rad, m) -> target (lat rad, lon rad, h m)."""
    a = EQUIVALENT_RADIUS_M
    # h = sqrt(r^2 + a^2 + 2 r a sin(eps)) - a + h_ant
    h = np.sqrt(r * r + a * a + 2.0 * r * a * np.sin(el)) - a + h_ant
    # gamma_e = atan2(r cos eps, a + r sin eps); true central angle gamma = a gamma_e / R
    g = a * np.arctan2(r * np.cos(el), a + r * np.sin(el)) / EARTH_RADIUS_M
    sl, cl = np.sin(lat), np.cos(lat)
    sg, cg = np.sin(g), np.cos(g)
    lat2 = np.arcsin(np.clip(sl * cg + cl * sg * np.cos(az), -1.0, 1.0))
    lon2 = lon + np.arctan2(np.sin(az) * sg * cl, cg - sl * np.sin(lat2))
    return lat2, lon2, h


def _geodetic_to_polar(lat2, lon2, h, lat, lon, h_ant):
    a = EQUIVALENT_RADIUS_M
    dl = lon2 - lon
    # haversine central angle and initial bearing on the sphere
    hav = np.sin((lat2 - lat) / 2) ** 2 + np.cos(lat) * np.cos(lat2) * np.sin(dl / 2) ** 2
    g = 2.0 * np.arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))
    az = np.arctan2(np.sin(dl) * np.cos(lat2), np.cos(lat) * np.sin(lat2) - np.sin(lat) * np.cos(lat2) * np.cos(dl))
    az = np.mod(az, 2.0 * np.pi)
    ge = g * EARTH_RADIUS_M / a
    b = a + (h - h_ant)
    # triangle (centre, antenna at a, target at b, angle ge): r and eps
    horiz = b * np.sin(ge)
    vert = b * np.cos(ge) - a
    r = np.hypot(horiz, vert)
    el = np.arctan2(vert, horiz)
    return r, az, el


def _frame_parts(frame: Frame | None):
    frame = frame or Frame()
    return frame, frame.origin_ecef, frame.rotation


def _site(sensor_or_site):
    """(lat rad, lon rad, h_ant m) of a Sensor or of a (lat_deg, lon_deg, h_m) tuple."""
    if hasattr(sensor_or_site, "lat_deg"):
        return math.radians(sensor_or_site.lat_deg), math.radians(sensor_or_site.lon_deg), float(sensor_or_site.antenna_msl_m)
    lat, lon, h = sensor_or_site
    return math.radians(lat), math.radians(lon), float(h)


def polar_to_enu_arrays(r, az, el, lat_rad, lon_rad, h_ant_m, frame: Frame | None = None) -> np.ndarray:
    """Polar (m, rad, rad) measured at sites (rad, rad, m; broadcastable) -> scenario ENU (..., 3) metres."""
    frame, o, rot = _frame_parts(frame)
    lat2, lon2, h = _polar_to_geodetic(np.asarray(r, float), np.asarray(az, float), np.asarray(el, float),
                                       np.asarray(lat_rad, float), np.asarray(lon_rad, float), np.asarray(h_ant_m, float))
    ecef = geodetic_to_ecef(np.degrees(lat2), np.degrees(lon2), h)
    return (ecef - o) @ rot.T


def enu_to_polar_arrays(enu, lat_rad, lon_rad, h_ant_m, frame: Frame | None = None):
    """Scenario ENU (..., 3) -> (range m, azimuth rad in [0, 2 pi), elevation rad) seen from the sites."""
    frame, o, rot = _frame_parts(frame)
    ecef = np.asarray(enu, float) @ rot + o
    lat2, lon2, h = ecef_to_geodetic(ecef)
    return _geodetic_to_polar(np.radians(lat2), np.radians(lon2), h, np.asarray(lat_rad, float),
                              np.asarray(lon_rad, float), np.asarray(h_ant_m, float))


def polar_to_enu(sensor, range_m, azimuth_rad, elevation_rad, frame: Frame | None = None) -> np.ndarray:
    """Measurements of one sensor (a :class:`radar.sensorfile.Sensor` or (lat_deg, lon_deg, h_m)) -> ENU (N, 3)."""
    lat, lon, h = _site(sensor)
    return polar_to_enu_arrays(range_m, azimuth_rad, elevation_rad, lat, lon, h, frame)


def enu_to_polar(sensor, enu, frame: Frame | None = None):
    """Scenario ENU (N, 3) -> (range m, azimuth rad, elevation rad) seen by ``sensor``."""
    lat, lon, h = _site(sensor)
    return enu_to_polar_arrays(enu, lat, lon, h, frame)


def polar_jacobian_arrays(r, az, el, lat_rad, lon_rad, h_ant_m, frame: Frame | None = None) -> np.ndarray:
    """d(ENU)/d(r, az, el), shape (N, 3, 3) (columns: range, azimuth, elevation), by central differences."""
    r, az, el = (np.atleast_1d(np.asarray(v, float)) for v in (r, az, el))
    args = (lat_rad, lon_rad, h_ant_m, frame)
    J = np.empty(r.shape + (3, 3))
    J[..., 0] = (polar_to_enu_arrays(r + _DR, az, el, *args) - polar_to_enu_arrays(r - _DR, az, el, *args)) / (2 * _DR)
    J[..., 1] = (polar_to_enu_arrays(r, az + _DA, el, *args) - polar_to_enu_arrays(r, az - _DA, el, *args)) / (2 * _DA)
    J[..., 2] = (polar_to_enu_arrays(r, az, el + _DA, *args) - polar_to_enu_arrays(r, az, el - _DA, *args)) / (2 * _DA)
    return J


def local_up_arrays(enu, frame: Frame | None = None) -> np.ndarray:
    """Unit ellipsoid normal (local up, the gradient of geodetic height) at ENU points, in the scenario frame."""
    frame, o, rot = _frame_parts(frame)
    lat, lon, _ = ecef_to_geodetic(np.asarray(enu, float) @ rot + o)
    la, lo = np.radians(lat), np.radians(lon)
    up_ecef = np.stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)), axis=-1)
    return up_ecef @ rot.T


def elevation_from_height(r, h_m, h_ant_m):
    """Elevation (rad) at which slant range ``r`` reaches geodetic height ``h_m`` (4/3 Earth); NaN if impossible."""
    a = EQUIVALENT_RADIUS_M
    b = a + (np.asarray(h_m, float) - h_ant_m)
    r = np.asarray(r, float)
    s = (b * b - r * r - a * a) / (2.0 * r * a)
    return np.where(np.abs(s) <= 1.0, np.arcsin(np.clip(s, -1.0, 1.0)), np.nan)


def convert_polar(r, az, el, sigma_r, sigma_az, sigma_el, lat_rad, lon_rad, h_ant_m, mode_c_m=None,
                  frame: Frame | None = None):
    """Convert polar plots to scenario ENU positions with their covariance (xx, xy, xz, yy, yz, zz).

    3D plots (finite ``el``): covariance J diag(sr^2, saz^2, sel^2) J^T through the exact model.
    2D plots (``el`` NaN): the elevation is solved from Mode C when given (vertical sigma
    :data:`MODE_C_SIGMA_M`), else taken as 0 (vertical sigma :data:`UNKNOWN_HEIGHT_SIGMA_M`); the
    covariance is J_(r,az) diag(sr^2, saz^2) J_(r,az)^T + sigma_v^2 u u^T, u the local up.  These
    2D positions serve display and gating only; the tracker updates 2D plots on (range, azimuth).
    """
    r, az, el = (np.atleast_1d(np.asarray(v, float)) for v in (r, az, el))
    n = r.shape[0]
    b = [np.broadcast_to(np.asarray(v, float), (n,)) for v in (sigma_r, sigma_az, sigma_el, lat_rad, lon_rad, h_ant_m)]
    sigma_r, sigma_az, sigma_el, lat_rad, lon_rad, h_ant_m = b
    mc = np.full(n, np.nan) if mode_c_m is None else np.broadcast_to(np.asarray(mode_c_m, float), (n,))
    is3 = np.isfinite(el)
    el_use = el.copy()
    from_mc = ~is3 & np.isfinite(mc)
    el_use[from_mc] = elevation_from_height(r[from_mc], mc[from_mc], h_ant_m[from_mc])
    el_use[~np.isfinite(el_use)] = 0.0
    enu = polar_to_enu_arrays(r, az, el_use, lat_rad, lon_rad, h_ant_m, frame)
    J = polar_jacobian_arrays(r, az, el_use, lat_rad, lon_rad, h_ant_m, frame)
    var = np.stack((sigma_r ** 2, sigma_az ** 2, np.where(is3, sigma_el ** 2, 0.0)), axis=-1)
    C = np.einsum("nij,nj,nkj->nik", J, var, J)
    sv = np.where(is3, 0.0, np.where(from_mc, MODE_C_SIGMA_M, UNKNOWN_HEIGHT_SIGMA_M))
    u = local_up_arrays(enu, frame)
    C += (sv ** 2)[:, None, None] * u[:, :, None] * u[:, None, :]
    C = 0.5 * (C + np.swapaxes(C, 1, 2))
    cov6 = np.stack((C[:, 0, 0], C[:, 0, 1], C[:, 0, 2], C[:, 1, 1], C[:, 1, 2], C[:, 2, 2]), axis=-1)
    return enu, cov6


# ---------------------------------------------------------------------------------------------
# Numba scalar kernels (same model; used inside tracker and feed kernels)
# ---------------------------------------------------------------------------------------------
@kernel
def polar_to_enu_k(r, az, el, lat, lon, h_ant, origin_ecef, frame_rot, out):
    """One plot (m, rad, rad) from a site (rad, rad, m) -> scenario ENU written into ``out`` (3,).

    ``origin_ecef`` (3,) and ``frame_rot`` (3, 3, ECEF -> scenario ENU rows) describe the frame.
    """
    a = 4.0 / 3.0 * 6371008.8
    R = 6371008.8
    h = math.sqrt(r * r + a * a + 2.0 * r * a * math.sin(el)) - a + h_ant
    g = a * math.atan2(r * math.cos(el), a + r * math.sin(el)) / R
    sl = math.sin(lat)
    cl = math.cos(lat)
    sg = math.sin(g)
    cg = math.cos(g)
    s2 = sl * cg + cl * sg * math.cos(az)
    if s2 > 1.0:
        s2 = 1.0
    elif s2 < -1.0:
        s2 = -1.0
    lat2 = math.asin(s2)
    lon2 = lon + math.atan2(math.sin(az) * sg * cl, cg - sl * s2)
    ex, ey, ez = _gk.geodetic_to_ecef(lat2, lon2, h)
    dx = ex - origin_ecef[0]
    dy = ey - origin_ecef[1]
    dz = ez - origin_ecef[2]
    for i in range(3):
        out[i] = frame_rot[i, 0] * dx + frame_rot[i, 1] * dy + frame_rot[i, 2] * dz


@kernel
def enu_to_polar_k(x, y, z, lat, lon, h_ant, origin_ecef, frame_rot):
    """Scenario ENU point -> (range m, azimuth rad in [0, 2 pi), elevation rad) from a site (rad, rad, m)."""
    a = 4.0 / 3.0 * 6371008.8
    R = 6371008.8
    ex = frame_rot[0, 0] * x + frame_rot[1, 0] * y + frame_rot[2, 0] * z + origin_ecef[0]
    ey = frame_rot[0, 1] * x + frame_rot[1, 1] * y + frame_rot[2, 1] * z + origin_ecef[1]
    ez = frame_rot[0, 2] * x + frame_rot[1, 2] * y + frame_rot[2, 2] * z + origin_ecef[2]
    lat2, lon2, h = _gk.ecef_to_geodetic(ex, ey, ez)
    dl = lon2 - lon
    s1 = math.sin((lat2 - lat) * 0.5)
    s2 = math.sin(dl * 0.5)
    hav = s1 * s1 + math.cos(lat) * math.cos(lat2) * s2 * s2
    if hav > 1.0:
        hav = 1.0
    g = 2.0 * math.asin(math.sqrt(hav))
    az = math.atan2(math.sin(dl) * math.cos(lat2), math.cos(lat) * math.sin(lat2) - math.sin(lat) * math.cos(lat2) * math.cos(dl))
    if az < 0.0:
        az += 2.0 * math.pi
    ge = g * R / a
    b = a + (h - h_ant)
    horiz = b * math.sin(ge)
    vert = b * math.cos(ge) - a
    return math.sqrt(horiz * horiz + vert * vert), az, math.atan2(vert, horiz)


@kernel
def range_azimuth_jacobian_k(x, y, z, lat, lon, h_ant, origin_ecef, frame_rot, H):
    """(r, az) at an ENU point (exact model) and an analytic d(r, az)/d(x, y, z) into ``H`` (2, 3).

    The Jacobian is that of the straight line from the antenna in its local ENU frame
    (r = |d|, az = atan2(d_e, d_n)), rotated into the scenario frame: it differs from the exact
    4/3-Earth model's gradient by the ray's bending, about r / (2 k R) rad (0.7 % at 100 km),
    which is immaterial for an EKF gain and 7x cheaper than differencing the exact model.
    Returns (r, az) of the exact model.
    """
    r0, az0, el0 = enu_to_polar_k(x, y, z, lat, lon, h_ant, origin_ecef, frame_rot)
    # antenna in ECEF, target in ECEF, difference in the radar's local ENU
    sl = math.sin(lat)
    cl = math.cos(lat)
    so = math.sin(lon)
    co = math.cos(lon)
    ax, ay, az_ = _gk.geodetic_to_ecef(lat, lon, h_ant)
    ex = frame_rot[0, 0] * x + frame_rot[1, 0] * y + frame_rot[2, 0] * z + origin_ecef[0] - ax
    ey = frame_rot[0, 1] * x + frame_rot[1, 1] * y + frame_rot[2, 1] * z + origin_ecef[1] - ay
    ez = frame_rot[0, 2] * x + frame_rot[1, 2] * y + frame_rot[2, 2] * z + origin_ecef[2] - az_
    # local axes in ECEF: e = (-so, co, 0), n = (-sl co, -sl so, cl), u = (cl co, cl so, sl)
    de = -so * ex + co * ey
    dn = -sl * co * ex - sl * so * ey + cl * ez
    du = cl * co * ex + cl * so * ey + sl * ez
    rr = math.sqrt(de * de + dn * dn + du * du)
    rh2 = de * de + dn * dn
    # gradients in ECEF, then into the scenario frame (g_frame = frame_rot @ g_ecef)
    gr0 = (de * -so + dn * -sl * co + du * cl * co) / rr
    gr1 = (de * co + dn * -sl * so + du * cl * so) / rr
    gr2 = (dn * cl + du * sl) / rr
    ga0 = (dn * -so - de * -sl * co) / rh2
    ga1 = (dn * co - de * -sl * so) / rh2
    ga2 = (-de * cl) / rh2
    for i in range(3):
        H[0, i] = frame_rot[i, 0] * gr0 + frame_rot[i, 1] * gr1 + frame_rot[i, 2] * gr2
        H[1, i] = frame_rot[i, 0] * ga0 + frame_rot[i, 1] * ga1 + frame_rot[i, 2] * ga2
    return r0, az0


@kernel
def geodetic_height_k(x, y, z, origin_ecef, frame_rot, up):
    """Geodetic height (m) of an ENU point; the local up unit vector (its gradient) into ``up`` (3,)."""
    ex = frame_rot[0, 0] * x + frame_rot[1, 0] * y + frame_rot[2, 0] * z + origin_ecef[0]
    ey = frame_rot[0, 1] * x + frame_rot[1, 1] * y + frame_rot[2, 1] * z + origin_ecef[1]
    ez = frame_rot[0, 2] * x + frame_rot[1, 2] * y + frame_rot[2, 2] * z + origin_ecef[2]
    lat, lon, h = _gk.ecef_to_geodetic(ex, ey, ez)
    ux = math.cos(lat) * math.cos(lon)
    uy = math.cos(lat) * math.sin(lon)
    uz = math.sin(lat)
    for i in range(3):
        up[i] = frame_rot[i, 0] * ux + frame_rot[i, 1] * uy + frame_rot[i, 2] * uz
    return h
