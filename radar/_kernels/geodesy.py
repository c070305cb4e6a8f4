"""WGS84 geodesy inside kernels: geodetic <-> ECEF <-> ENU, 4/3-Earth geometry.

Scalar ``@kernel`` functions usable from other kernels. The public, vectorised
versions live in :mod:`radar.frame` (pure NumPy) and both are tested against
pyproj (``tests/test_frame.py``).
"""
from __future__ import annotations

import math

from radar._jit import kernel

WGS84_A = 6378137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_B = WGS84_A * (1.0 - WGS84_F)
WGS84_EP2 = WGS84_E2 / (1.0 - WGS84_E2)


@kernel
def geodetic_to_ecef(lat, lon, h):
    """(rad, rad, m) -> ECEF (m). Closed form, exact."""
    sl = math.sin(lat)
    n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * sl * sl)
    cl = math.cos(lat)
    return ((n + h) * cl * math.cos(lon), (n + h) * cl * math.sin(lon), (n * (1.0 - WGS84_E2) + h) * sl)


@kernel
def ecef_to_geodetic(x, y, z):
    """ECEF (m) -> (lat rad, lon rad, h m). Bowring's start + 2 Newton refinements (< 1 mm)."""
    lon = math.atan2(y, x)
    p = math.sqrt(x * x + y * y)
    theta = math.atan2(z * WGS84_A, p * WGS84_B)
    st = math.sin(theta)
    ct = math.cos(theta)
    lat = math.atan2(z + WGS84_EP2 * WGS84_B * st * st * st, p - WGS84_E2 * WGS84_A * ct * ct * ct)
    for _ in range(2):
        sl = math.sin(lat)
        n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * sl * sl)
        h = p * math.cos(lat) + z * sl - WGS84_A * WGS84_A / n
        lat = math.atan2(z, p * (1.0 - WGS84_E2 * n / (n + h)))
    sl = math.sin(lat)
    n = WGS84_A / math.sqrt(1.0 - WGS84_E2 * sl * sl)
    h = p * math.cos(lat) + z * sl - WGS84_A * WGS84_A / n
    return lat, lon, h


@kernel
def enu_rotation(lat, lon, out):
    """Rows of the ECEF->ENU rotation at (lat, lon) rad, written into ``out`` (3x3)."""
    sl = math.sin(lat)
    cl = math.cos(lat)
    so = math.sin(lon)
    co = math.cos(lon)
    out[0, 0] = -so
    out[0, 1] = co
    out[0, 2] = 0.0
    out[1, 0] = -sl * co
    out[1, 1] = -sl * so
    out[1, 2] = cl
    out[2, 0] = cl * co
    out[2, 1] = cl * so
    out[2, 2] = sl
