"""The radar measurement model inside kernels: polar (range, azimuth, elevation) <-> position, 4/3 Earth.

The one implementation of the model for every kernel that measures or converts plots: the radar
feeds (plot generation and Cartesian conversion, :mod:`radar._kernels.scan`, :mod:`radar._kernels.conversion`),
the tracker's extended-Kalman updates on (range, azimuth) (:mod:`tracker._kernels.measure`) and the scalar kernels
of the public API (:mod:`radar.measurement`, whose vectorised NumPy functions write the same
equations and serve as the oracle of these kernels in the tests).

A radar at geodetic (lat, lon, h_ant) measures slant range r, azimuth az (from true north,
clockwise) and, if 3D, elevation el.  With the equivalent radius a = k R (k = 4/3, R the mean
Earth radius, :mod:`radar.constants`) rays are straight, and the triangle (Earth centre, antenna
at a, target at b = a + h - h_ant) gives::

    forward (polar -> position)
        rho   = sqrt(r^2 + a^2 + 2 r a sin el)
        h     = rho - a + h_ant                                       (geodetic height of the target)
        g     = a atan2(r cos el, a + r sin el) / R                   (true central angle)
        lat2  = asin(sin lat cos g + cos lat sin g cos az)            (spherical destination)
        lon2  = lon + atan2(sin az sin g cos lat, cos g - sin lat sin lat2)
        then WGS84 ECEF(lat2, lon2, h) and the scenario frame (radar._kernels.geodesy)
    inverse (position -> polar)
        g     = 2 asin(sqrt(hav)),  hav = sin^2(dlat / 2) + cos lat cos lat2 sin^2(dlon / 2)
        az    = atan2(sin dlon cos lat2, cos lat sin lat2 - sin lat cos lat2 cos dlon)   in [0, 2 pi)
        g_e   = g R / a,  b = a + (h - h_ant)
        r     = |(b sin g_e, b cos g_e - a)|,  el = atan2(b cos g_e - a, b sin g_e)
    elevation reaching a known height h (Mode C, false plots)
        sin el = (b^2 - r^2 - a^2) / (2 r a)                          (|sin el| > 1: unreachable)
    Jacobians
        d(position)/d(r, az, el): analytic, :func:`polar_to_enu_jacobian` (derivation there)
        d(r, az)/d(position): the straight line in the radar's local ENU, :func:`range_azimuth_gradient`
        (differs from the exact model's gradient by the ray's bending, about r / (2 k R) rad)

Two numerical forms of the inverse agree to rounding, each kept bit-stable for its callers: from
angles (haversine; the feeds and the public kernels) and from the sines and cosines of the
geodetic position (:func:`central_angle_bearing_sincos`, no trigonometric calls; the tracker, whose
positions come from :func:`radar._kernels.geodesy.ecef_to_geodetic_sincos`).
``tests/test_measurement.py`` checks them against each other and against the NumPy model.

Speed: the building blocks are ``inline="always"``, take the sines and cosines their callers
already hold (per sensor, per plot) and return tuples of floats, so that inlined they are the
straight-line code the callers had (the same operations in the same order: the same bits).
"""
from __future__ import annotations

import math

from radar._jit import kernel
from radar._kernels.geodesy import (
    ecef_to_frame,
    ecef_to_geodetic,
    ecef_to_geodetic_sincos,
    frame_to_ecef,
    geodetic_to_ecef,
    geodetic_to_ecef_sc,
    rotate_to_frame,
)
from radar.constants import EARTH_RADIUS_M, EQUIVALENT_RADIUS_M, TWO_PI, WGS84_A, WGS84_E2


# ---------------------------------------------------------------------------------------------
# forward: polar -> position
@kernel(inline="always")
def polar_to_geodetic(r, sin_el, cos_el, sin_az, cos_az, sin_lat, cos_lat, lon, h_ant, a, R):
    """A measurement (r m; sines and cosines of el and az) from a site (sin, cos of its latitude, lon rad,
    h_ant m) -> target (lat2 rad, lon2 rad, h m), with the intermediates the Jacobian needs (rho m,
    sin g, cos g).  ``a`` equivalent radius k R (m), ``R`` mean radius (m)."""
    rho = math.sqrt(r * r + a * a + 2.0 * r * a * sin_el)
    h = rho - a + h_ant
    g = a * math.atan2(r * cos_el, a + r * sin_el) / R
    sg = math.sin(g)
    cg = math.cos(g)
    s2 = sin_lat * cg + cos_lat * sg * cos_az
    if s2 > 1.0:
        s2 = 1.0
    elif s2 < -1.0:
        s2 = -1.0
    lat2 = math.asin(s2)
    lon2 = lon + math.atan2(sin_az * sg * cos_lat, cg - sin_lat * s2)
    return lat2, lon2, h, rho, sg, cg


@kernel
def polar_to_enu_k(r, az, el, lat, lon, h_ant, origin_ecef, frame_rot, out):
    """One plot (m, rad, rad) from a site (rad, rad, m) -> scenario ENU written into ``out`` (3,).

    ``origin_ecef`` (3,) and ``frame_rot`` (3, 3, ECEF -> scenario ENU rows) describe the frame.
    """
    lat2, lon2, h, _rho, _sg, _cg = polar_to_geodetic(r, math.sin(el), math.cos(el), math.sin(az), math.cos(az),
                                                      math.sin(lat), math.cos(lat), lon, h_ant,
                                                      EQUIVALENT_RADIUS_M, EARTH_RADIUS_M)
    ex, ey, ez = geodetic_to_ecef(lat2, lon2, h)
    x, y, z = ecef_to_frame(ex, ey, ez, origin_ecef, frame_rot)
    out[0] = x
    out[1] = y
    out[2] = z


@kernel(inline="always")
def polar_to_enu_jacobian(r, sin_el, cos_el, sin_az, cos_az, sin_lat, cos_lat, sin_lon, cos_lon, lon, h_ant, a, R,
                          origin_ecef, frame_rot, J):
    """The forward model and its analytic Jacobian d(ENU)/d(range, azimuth, elevation) into ``J`` (3, 3),
    sharing their sines and cosines.  Returns (x, y, z) of the target in the scenario frame and the local
    up (the ellipsoid normal) at it, (ux, uy, uz), in the scenario frame.

    The model: rho = sqrt(r^2 + a^2 + 2 r a sin el), h = rho - a + h_ant, g = a g_e / R with
    g_e = atan2(r cos el, a + r sin el); on the unit sphere the target is
    P = cos g U + sin g (cos az N + sin az E) (U, N, E the site's spherical up / north / east), so
    lat2 = asin(P_z), lon2 = atan2(P_y, P_x); then WGS84 ECEF(lat2, lon2, h) rotated into the frame.
    Derivatives::

        dh/dr = (r + a sin el) / rho          dh/del = r a cos el / rho
        dg/dr = (a / R) a cos el / rho^2      dg/del = -(a / R) r (r + a sin el) / rho^2
        dP/dg = -sin g U + cos g (cos az N + sin az E),   dP/daz = sin g (-sin az N + cos az E)
        dlat2 = dP_z / cos lat2,   dlon2 = (P_x dP_y - P_y dP_x) / (P_x^2 + P_y^2)
        dECEF/dlat = (M + h) (-sin lat cos lon, -sin lat sin lon, cos lat)
        dECEF/dlon = (N + h) cos lat (-sin lon, cos lon, 0),   dECEF/dh = (cos lat cos lon, cos lat sin lon, sin lat)

    with N and M the prime-vertical and meridian radii of curvature (P evaluated at the destination:
    P = (cos lat2 cos lon2, cos lat2 sin lon2, sin lat2)).  Tested against central differences of the
    model (tests/test_feeds_model.py, tests/test_measurement.py).
    """
    se = sin_el
    ce = cos_el
    sa = sin_az
    ca = cos_az
    sl = sin_lat
    cl = cos_lat
    so = sin_lon
    co = cos_lon
    lat2, lon2, h, rho, sg, cg = polar_to_geodetic(r, se, ce, sa, ca, sl, cl, lon, h_ant, a, R)
    sl2 = math.sin(lat2)
    cl2 = math.cos(lat2)
    co2 = math.cos(lon2)
    so2 = math.sin(lon2)
    ex, ey, ez, nn = geodetic_to_ecef_sc(sl2, cl2, so2, co2, h)
    x, y, z = ecef_to_frame(ex, ey, ez, origin_ecef, frame_rot)
    # height and central angle against range and elevation
    rho2 = rho * rho
    dh_dr = (r + a * se) / rho
    dh_de = r * a * ce / rho
    dg_dr = (a / R) * a * ce / rho2
    dg_de = -(a / R) * r * (r + a * se) / rho2
    # dP/dg and dP/daz on the unit sphere, with U, N, E the site's spherical up / north / east
    gx = -sg * cl * co + cg * (ca * -sl * co + sa * -so)
    gy = -sg * cl * so + cg * (ca * -sl * so + sa * co)
    gz = -sg * sl + cg * (ca * cl)
    bx = sg * (-sa * -sl * co + ca * -so)
    by = sg * (-sa * -sl * so + ca * co)
    bz = sg * (-sa * cl)
    px = cl2 * co2
    py = cl2 * so2
    qq = px * px + py * py
    dlat_dg = gz / cl2
    dlon_dg = (px * gy - py * gx) / qq
    dlat_da = bz / cl2
    dlon_da = (px * by - py * bx) / qq
    # ECEF against (lat2, lon2, h): meridian radius M = a (1 - e^2) / w^3, w^2 = 1 - e^2 sin^2 lat2
    w2 = 1.0 - WGS84_E2 * sl2 * sl2
    mm = WGS84_A * (1.0 - WGS84_E2) / (w2 * math.sqrt(w2))
    d_lat0 = -(mm + h) * sl2 * co2
    d_lat1 = -(mm + h) * sl2 * so2
    d_lat2 = (mm + h) * cl2
    d_lon0 = -(nn + h) * cl2 * so2
    d_lon1 = (nn + h) * cl2 * co2
    # columns in ECEF: range, azimuth, elevation
    jr0 = (d_lat0 * dlat_dg + d_lon0 * dlon_dg) * dg_dr + px * dh_dr
    jr1 = (d_lat1 * dlat_dg + d_lon1 * dlon_dg) * dg_dr + py * dh_dr
    jr2 = d_lat2 * dlat_dg * dg_dr + sl2 * dh_dr
    ja0 = d_lat0 * dlat_da + d_lon0 * dlon_da
    ja1 = d_lat1 * dlat_da + d_lon1 * dlon_da
    ja2 = d_lat2 * dlat_da
    je0 = (d_lat0 * dlat_dg + d_lon0 * dlon_dg) * dg_de + px * dh_de
    je1 = (d_lat1 * dlat_dg + d_lon1 * dlon_dg) * dg_de + py * dh_de
    je2 = d_lat2 * dlat_dg * dg_de + sl2 * dh_de
    for k in range(3):
        J[k, 0] = frame_rot[k, 0] * jr0 + frame_rot[k, 1] * jr1 + frame_rot[k, 2] * jr2
        J[k, 1] = frame_rot[k, 0] * ja0 + frame_rot[k, 1] * ja1 + frame_rot[k, 2] * ja2
        J[k, 2] = frame_rot[k, 0] * je0 + frame_rot[k, 1] * je1 + frame_rot[k, 2] * je2
    # local up at the converted point: the normal at its geodetic latitude / longitude
    ux, uy, uz = rotate_to_frame(px, py, sl2, frame_rot)
    return x, y, z, ux, uy, uz


@kernel
def polar_to_enu_jacobian_k(r, az, el, lat, lon, h_ant, origin_ecef, frame_rot, out, J):
    """:func:`polar_to_enu_jacobian` of one plot (m, rad, rad) from a site (rad, rad, m): ENU into ``out`` (3,),
    d(ENU)/d(range, azimuth, elevation) into ``J`` (3, 3)."""
    x, y, z, _ux, _uy, _uz = polar_to_enu_jacobian(r, math.sin(el), math.cos(el), math.sin(az), math.cos(az),
                                                   math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon), lon,
                                                   h_ant, EQUIVALENT_RADIUS_M, EARTH_RADIUS_M, origin_ecef,
                                                   frame_rot, J)
    out[0] = x
    out[1] = y
    out[2] = z


@kernel(inline="always")
def elevation_sine(r, dh, a):
    """sin el of the ray that reaches height ``dh`` (m) above the antenna at slant range ``r`` (m):
    (b^2 - r^2 - a^2) / (2 r a) with b = a + dh; a value outside [-1, 1] means no such ray."""
    b = a + dh
    return (b * b - r * r - a * a) / (2.0 * r * a)


# ---------------------------------------------------------------------------------------------
# inverse: position -> polar
@kernel(inline="always")
def bearing_from_site(lat, lon, site_lon, sin_site_lat, cos_site_lat):
    """Azimuth (rad in [0, 2 pi)) of the target (lat, lon rad) from a site (its longitude, the sine and cosine
    of its latitude): the initial great-circle bearing."""
    dl = lon - site_lon
    az = math.atan2(math.sin(dl) * math.cos(lat),
                    cos_site_lat * math.sin(lat) - sin_site_lat * math.cos(lat) * math.cos(dl))
    if az < 0.0:
        az += TWO_PI
    return az


@kernel(inline="always")
def central_angle_from_site(lat, cos_lat, lon, site_lat, cos_site_lat, site_lon):
    """Central angle (rad) between the target (lat, its cosine, lon) and a site (lat, its cosine, lon):
    haversine, clipped to the antipode."""
    dl = lon - site_lon
    s1 = math.sin((lat - site_lat) * 0.5)
    s2 = math.sin(dl * 0.5)
    hav = s1 * s1 + cos_site_lat * cos_lat * s2 * s2
    if hav > 1.0:
        hav = 1.0
    return 2.0 * math.asin(math.sqrt(hav))


@kernel(inline="always")
def central_angle_bearing_sincos(sin_lat, cos_lat, sin_lon, cos_lon, sin_lat2, cos_lat2, sin_lon2, cos_lon2):
    """(central angle, azimuth in [0, 2 pi)) of a target from a site, both given by the sines and cosines of
    their latitude and longitude: no trigonometric call but the asin and atan2.

    hav(g) = sin^2(dlat/2) + cos lat cos lat2 sin^2(dlon/2) = |u1 - u2|^2 / 4 (u the unit vectors on the
    sphere: exact identity, no cancellation); sin and cos of dlon = lon2 - lon by the subtraction formulas.
    Agrees with :func:`central_angle_from_site` and :func:`bearing_from_site` to rounding."""
    sl = sin_lat
    cl = cos_lat
    so = sin_lon
    co = cos_lon
    sl2 = sin_lat2
    cl2 = cos_lat2
    so2 = sin_lon2
    co2 = cos_lon2
    cx = cl2 * co2 - cl * co
    cy = cl2 * so2 - cl * so
    cz = sl2 - sl
    hav = 0.25 * (cx * cx + cy * cy + cz * cz)
    if hav > 1.0:
        hav = 1.0
    g = 2.0 * math.asin(math.sqrt(hav))
    # azimuth: atan2(sin dl cos lat2, cos lat sin lat2 - sin lat cos lat2 cos dl), dl = lon2 - lon
    sdl = so2 * co - co2 * so
    cdl = co2 * co + so2 * so
    az = math.atan2(sdl * cl2, cl * sl2 - sl * cl2 * cdl)
    if az < 0.0:
        az += TWO_PI
    return g, az


@kernel(inline="always")
def ray_legs(g, dh, a, R):
    """The straight ray on the equivalent Earth to a target at central angle ``g`` (rad) and height ``dh`` (m)
    above the antenna: (horizontal, vertical) legs (m) in the antenna's plane, b sin g_e and b cos g_e - a
    with g_e = g R / a, b = a + dh."""
    ge = g * R / a
    b = a + dh
    return b * math.sin(ge), b * math.cos(ge) - a


@kernel(inline="always")
def range_from_angle(g, dh, a, R):
    """Slant range (m) of :func:`ray_legs`."""
    horiz, vert = ray_legs(g, dh, a, R)
    return math.sqrt(horiz * horiz + vert * vert)


@kernel(inline="always")
def range_elevation_from_angle(g, dh, a, R):
    """(slant range m, elevation rad) of :func:`ray_legs`."""
    horiz, vert = ray_legs(g, dh, a, R)
    return math.sqrt(horiz * horiz + vert * vert), math.atan2(vert, horiz)


@kernel(inline="always")
def range_elevation_from_site(lat, cos_lat, lon, h, site_lat, cos_site_lat, site_lon, h_ant, a, R):
    """(slant range m, elevation rad) of a target (lat, its cosine, lon rad, h m) seen from a site (lat, its
    cosine, lon rad, antenna h_ant m)."""
    g = central_angle_from_site(lat, cos_lat, lon, site_lat, cos_site_lat, site_lon)
    return range_elevation_from_angle(g, h - h_ant, a, R)


@kernel
def enu_to_polar_k(x, y, z, lat, lon, h_ant, origin_ecef, frame_rot):
    """Scenario ENU point -> (range m, azimuth rad in [0, 2 pi), elevation rad) from a site (rad, rad, m)."""
    ex, ey, ez = frame_to_ecef(x, y, z, origin_ecef, frame_rot)
    lat2, lon2, h = ecef_to_geodetic(ex, ey, ez)
    sl = math.sin(lat)
    cl = math.cos(lat)
    g = central_angle_from_site(lat2, math.cos(lat2), lon2, lat, cl, lon)
    az = bearing_from_site(lat2, lon2, lon, sl, cl)
    r, el = range_elevation_from_angle(g, h - h_ant, EQUIVALENT_RADIUS_M, EARTH_RADIUS_M)
    return r, az, el


# ---------------------------------------------------------------------------------------------
# (range, azimuth) and height as functions of the position, with their gradients
@kernel(inline="always")
def range_azimuth_gradient(dx, dy, dz, sin_lat, cos_lat, sin_lon, cos_lon, frame_rot, H):
    """d(r, az)/d(x, y, z) of the straight line from the antenna into ``H`` (2, 3), in the scenario frame.

    (dx, dy, dz): target minus antenna in ECEF (m); the site's latitude and longitude by sine and cosine.
    In the radar's local ENU (e = (-so, co, 0), n = (-sl co, -sl so, cl), u = (cl co, cl so, sl)):
    r = |d|, az = atan2(d_e, d_n); gradients in ECEF, then into the frame (g_frame = frame_rot g_ecef)."""
    sl = sin_lat
    cl = cos_lat
    so = sin_lon
    co = cos_lon
    de = -so * dx + co * dy
    dn = -sl * co * dx - sl * so * dy + cl * dz
    du = cl * co * dx + cl * so * dy + sl * dz
    rr = math.sqrt(de * de + dn * dn + du * du)
    rh2 = de * de + dn * dn
    gr0 = (de * -so + dn * -sl * co + du * cl * co) / rr
    gr1 = (de * co + dn * -sl * so + du * cl * so) / rr
    gr2 = (dn * cl + du * sl) / rr
    ga0 = (dn * -so - de * -sl * co) / rh2
    ga1 = (dn * co - de * -sl * so) / rh2
    ga2 = (-de * cl) / rh2
    for i in range(3):
        H[0, i] = frame_rot[i, 0] * gr0 + frame_rot[i, 1] * gr1 + frame_rot[i, 2] * gr2
        H[1, i] = frame_rot[i, 0] * ga0 + frame_rot[i, 1] * ga1 + frame_rot[i, 2] * ga2


@kernel
def range_azimuth_jacobian_k(x, y, z, lat, lon, h_ant, origin_ecef, frame_rot, H):
    """(r, az) at an ENU point (exact model) and an analytic d(r, az)/d(x, y, z) into ``H`` (2, 3).

    The Jacobian is that of the straight line from the antenna in its local ENU frame
    (:func:`range_azimuth_gradient`): it differs from the exact 4/3-Earth model's gradient by the ray's
    bending, about r / (2 k R) rad (0.7 % at 100 km), which is immaterial for an EKF gain and 7x cheaper
    than differencing the exact model.  Returns (r, az) of the exact model.
    """
    r0, az0, _el0 = enu_to_polar_k(x, y, z, lat, lon, h_ant, origin_ecef, frame_rot)
    ax, ay, az_ = geodetic_to_ecef(lat, lon, h_ant)
    ex, ey, ez = frame_to_ecef(x, y, z, origin_ecef, frame_rot)
    range_azimuth_gradient(ex - ax, ey - ay, ez - az_, math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon),
                           frame_rot, H)
    return r0, az0


@kernel(inline="always")
def range_azimuth_jacobian_sincos(ex, ey, ez, sin_lat2, cos_lat2, sin_lon2, cos_lon2, h, sin_lat, cos_lat, sin_lon,
                                  cos_lon, ant_x, ant_y, ant_z, h_ant, a, R, frame_rot, H):
    """:func:`range_azimuth_jacobian_k` on sines and cosines (the tracker's form; speed: 4 transcendental calls
    instead of about 20).  The target by its ECEF position (m), the (sin, cos) of its geodetic latitude and
    longitude and its height (:func:`radar._kernels.geodesy.ecef_to_geodetic_sincos`); the site by the
    (sin, cos) of its latitude and longitude, its antenna's ECEF position and height (m).  Writes
    d(r, az)/d(x, y, z) into ``H`` (2, 3); returns (r, az) of the exact model (central angle and bearing by
    :func:`central_angle_bearing_sincos`).  Agrees with :func:`range_azimuth_jacobian_k` to rounding."""
    g, az0 = central_angle_bearing_sincos(sin_lat, cos_lat, sin_lon, cos_lon, sin_lat2, cos_lat2, sin_lon2, cos_lon2)
    r0 = range_from_angle(g, h - h_ant, a, R)
    range_azimuth_gradient(ex - ant_x, ey - ant_y, ez - ant_z, sin_lat, cos_lat, sin_lon, cos_lon, frame_rot, H)
    return r0, az0


@kernel(inline="always")
def local_up(sin_lat, cos_lat, sin_lon, cos_lon, frame_rot, up):
    """The ellipsoid normal (local up, the gradient of geodetic height) at geodetic (lat, lon), given by sines
    and cosines, in the scenario frame into ``up`` (3,)."""
    ux = cos_lat * cos_lon
    uy = cos_lat * sin_lon
    uz = sin_lat
    for i in range(3):
        up[i] = frame_rot[i, 0] * ux + frame_rot[i, 1] * uy + frame_rot[i, 2] * uz


@kernel
def geodetic_height_k(x, y, z, origin_ecef, frame_rot, up):
    """Geodetic height (m) of an ENU point; the local up unit vector (its gradient) into ``up`` (3,)."""
    ex, ey, ez = frame_to_ecef(x, y, z, origin_ecef, frame_rot)
    lat, lon, h = ecef_to_geodetic(ex, ey, ez)
    local_up(math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon), frame_rot, up)
    return h


@kernel(inline="always")
def geodetic_height_up_sincos(x, y, z, origin_ecef, frame_rot, up):
    """:func:`geodetic_height_k` through :func:`radar._kernels.geodesy.ecef_to_geodetic_sincos` (no
    trigonometric call; agrees with it to rounding; speed: the tracker's Mode C updates)."""
    ex, ey, ez = frame_to_ecef(x, y, z, origin_ecef, frame_rot)
    sl, cl, so, co, h = ecef_to_geodetic_sincos(ex, ey, ez)
    local_up(sl, cl, so, co, frame_rot, up)
    return h
