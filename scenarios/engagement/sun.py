"""Solar elevation for the night rule of identification (night = sun below -6 deg at the target).

The formulas are the NOAA Solar Calculator's (themselves Meeus, *Astronomical Algorithms*,
2nd ed., ch. 25 "low accuracy" solar coordinates and ch. 28 equation of time), accurate to
about 0.01 deg in declination and a few seconds in the equation of time for 1950-2050 --
far finer than the civil-twilight threshold needs.  Geometric elevation (no refraction):
refraction lifts the sun by ~0.5 deg only near the horizon and is irrelevant at -6 deg.

All functions are vectorised NumPy.  Times are UTC seconds since the Unix epoch; the
scenario layer converts ``time_s`` with the frame's ``epoch_utc``.
"""
from __future__ import annotations

import numpy as np

#: sun elevation below which it is "night" for visual identification (civil twilight)
NIGHT_SUN_ELEVATION_DEG = -6.0

_JD_UNIX_EPOCH = 2440587.5
_JD_J2000 = 2451545.0


def solar_coordinates(unix_s):
    """Apparent solar declination (deg) and the equation of time (minutes) at UTC ``unix_s``.

    Notes
    -----
    Meeus ch. 25 (low accuracy) with the NOAA spreadsheet's coefficients::

        T   = (JD - 2451545) / 36525
        L0  = 280.46646 + 36000.76983 T + 0.0003032 T^2          (mean longitude)
        M   = 357.52911 + 35999.05029 T - 0.0001537 T^2          (mean anomaly)
        C   = (1.914602 - 0.004817 T - 0.000014 T^2) sin M + (0.019993 - 0.000101 T) sin 2M + 0.000289 sin 3M
        lam = L0 + C - 0.00569 - 0.00478 sin(125.04 - 1934.136 T)  (apparent longitude)
        dec = asin(sin eps sin lam)
        E   = 4 deg(y sin 2L0 - 2 e sin M + 4 e y sin M cos 2L0 - y^2/2 sin 4L0 - 5/4 e^2 sin 2M),  y = tan^2(eps/2)
    """
    jd = np.asarray(unix_s, dtype=float) / 86400.0 + _JD_UNIX_EPOCH
    t = (jd - _JD_J2000) / 36525.0
    l0 = np.radians(np.mod(280.46646 + t * (36000.76983 + 0.0003032 * t), 360.0))
    m = np.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    c = (np.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t)) + np.sin(2 * m) * (0.019993 - 0.000101 * t)
         + np.sin(3 * m) * 0.000289)
    omega = np.radians(125.04 - 1934.136 * t)
    lam = np.radians(np.degrees(l0) + c - 0.00569 - 0.00478 * np.sin(omega))
    eps0 = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0
    eps = np.radians(eps0 + 0.00256 * np.cos(omega))
    dec = np.arcsin(np.sin(eps) * np.sin(lam))
    y = np.tan(eps / 2.0) ** 2
    eot_rad = (y * np.sin(2 * l0) - 2 * e * np.sin(m) + 4 * e * y * np.sin(m) * np.cos(2 * l0)
               - 0.5 * y * y * np.sin(4 * l0) - 1.25 * e * e * np.sin(2 * m))
    return np.degrees(dec), 4.0 * np.degrees(eot_rad)


def sun_elevation_deg(unix_s, lat_deg, lon_deg):
    """Geometric solar elevation (deg) at UTC ``unix_s`` seen from (lat, lon) in degrees.

    hour angle H = (true solar time)/4 - 180 deg, true solar time = UTC minutes + E + 4 lon;
    sin(elev) = sin(lat) sin(dec) + cos(lat) cos(dec) cos(H).
    """
    unix_s = np.asarray(unix_s, dtype=float)
    dec_deg, eot_min = _solar_coordinates_once(unix_s)
    minutes_utc = np.mod(unix_s, 86400.0) / 60.0
    tst = minutes_utc + eot_min + 4.0 * np.asarray(lon_deg, dtype=float)
    ha = np.radians(tst / 4.0 - 180.0)
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    dec = np.radians(dec_deg)
    s = np.sin(lat) * np.sin(dec) + np.cos(lat) * np.cos(dec) * np.cos(ha)
    return np.degrees(np.arcsin(np.clip(s, -1.0, 1.0)))


def _solar_coordinates_once(unix_s: np.ndarray):
    """:func:`solar_coordinates` of ``unix_s`` computed once per distinct time (speed: the truth samples of a
    day's aircraft share a 10 s clock, and the rows of a picture its update times).  The same values element
    by element: every operation in it is elementwise."""
    if unix_s.ndim != 1 or unix_s.size < 16:
        return solar_coordinates(unix_s)
    u, inv = np.unique(unix_s, return_inverse=True)
    if u.size == unix_s.size:
        return solar_coordinates(unix_s)
    dec, eot = solar_coordinates(u)
    return dec[inv], eot[inv]


def is_night(unix_s, lat_deg, lon_deg, threshold_deg: float = NIGHT_SUN_ELEVATION_DEG):
    """True where the sun is below ``threshold_deg`` (default -6 deg, civil twilight)."""
    return sun_elevation_deg(unix_s, lat_deg, lon_deg) < threshold_deg
