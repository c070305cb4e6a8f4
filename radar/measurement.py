"""Radar measurements <-> scenario ENU, with the refraction-consistent (4/3-Earth) geometry.

A radar at geodetic (lat, lon, h_ant) measures slant range ``r``, azimuth ``az``
(from true north, clockwise, in its local ENU) and, for 3D radars, elevation
``eps``.  Under the 4/3-Earth model (equivalent radius ``a = k R``, k = 4/3,
R = :data:`radar.constants.EARTH_RADIUS_M`) the ray is straight, so the target's
height and ground angle follow from the triangle (Earth centre, antenna, target):

    h        = sqrt(r^2 + a^2 + 2 r a sin(eps)) - a + h_ant          (height, m)
    gamma_e  = atan2(r cos(eps), a + r sin(eps))                     (angle at the centre, equivalent Earth)
    d        = a * gamma_e                                            (ground distance, m)
    gamma    = d / R                                                  (true central angle, rad)

The target's latitude and longitude are the spherical destination at ground
distance ``d`` along ``az`` from the site; (lat, lon, h) -> ECEF -> scenario ENU
uses the WGS84 ellipsoid (:mod:`radar.frame`), so the *geodetic* height of the
converted point is exactly ``h``.  The radar feeds generate 3D
elevations with the inverse of the same model, so conversion is consistent.

The inverse (:func:`enu_to_polar`) recovers (lat, lon, h), the spherical ground
distance and bearing from the site, then ``r`` and ``eps`` from the same
triangle; the round trip holds to < 1e-6 m (tests/test_measurement.py).

Covariances are propagated through the Jacobian of this conversion, taken by
central differences (steps 1 m, 1 microradian: truncation error far below
1e-6 relative), so that the covariance is consistent with the exact model used.

Public functions are vectorised NumPy: the model written with array operations, used to
convert recorded plot logs (:mod:`radar.plotlog`) and as the oracle of the kernels.  The kernels
hold the one scalar implementation of the model, :mod:`radar._kernels.measurement` (forward,
inverse, Jacobians), which the radar feeds and the tracker import; its ``*_k`` entry points are
re-exported here and tested to agree with the NumPy functions (tests/test_measurement.py).
"""
from __future__ import annotations

import math

import numpy as np

from radar._kernels.measurement import (  # noqa: F401 (the scalar kernels of the model, re-exported)
    enu_to_polar_k,
    geodetic_height_k,
    polar_to_enu_jacobian_k,
    polar_to_enu_k,
    range_azimuth_jacobian_k,
)
from radar.constants import EARTH_RADIUS_M, EQUIVALENT_RADIUS_M
from radar.frame import Frame, ecef_to_geodetic, geodetic_to_ecef

#: Mode C height standard deviation (m): 100 ft quantisation + altimeter error
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
