"""Physical constants, unit factors and the names every layer shares: the one place they are written.

Every module (public layers and Numba kernels alike) imports these names instead of
writing the numbers again.  Kernels may import this module: it imports nothing, and
Numba freezes module-level floats as compile-time constants, which gives the same
IEEE doubles as the literals they replace (so results are bit-identical).

Conventions: SI inside (m, s, rad, m/s); a factor ``X_M`` / ``X_MPS`` converts a value in
unit X into SI by *multiplication* (``fl * 100 * FT_M``, ``tas_kmh * KMH_MPS``).  Written
as multiplications on purpose: ``v * (1 / 3.6)`` and ``v / 3.6`` may differ in the last
bit, and the code base has always multiplied.
"""
from __future__ import annotations

import math

# ---------------------------------------------------------------------------------------------
# WGS84 ellipsoid (NIMA TR8350.2, 3rd ed., tables 3.1 and 3.3)
#: semi-major axis a (m)
WGS84_A = 6378137.0
#: flattening f = 1 / 298.257223563
WGS84_F = 1.0 / 298.257223563
#: first eccentricity squared e^2 = f (2 - f)
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
#: semi-minor axis b = a (1 - f) (m)
WGS84_B = WGS84_A * (1.0 - WGS84_F)
#: second eccentricity squared e'^2 = e^2 / (1 - e^2)
WGS84_EP2 = WGS84_E2 / (1.0 - WGS84_E2)

# ---------------------------------------------------------------------------------------------
# Spherical Earth and refraction
#: mean Earth radius R1 = (2a + b) / 3 (m, IUGG; Moritz, *Geodetic Reference System 1980*): the sphere
#: of great-circle distances, trajectories and the 4/3-Earth model
EARTH_RADIUS_M = 6371008.8
#: standard refraction factor k of the effective-Earth-radius model (4/3 Earth; Skolnik,
#: *Introduction to Radar Systems*, 3rd ed., sec. 8.2)
REFRACTION_K = 4.0 / 3.0
#: equivalent (effective) Earth radius k R (m): the radius on which radar rays are straight
EQUIVALENT_RADIUS_M = REFRACTION_K * EARTH_RADIUS_M

# ---------------------------------------------------------------------------------------------
# Other physical constants
#: speed of light in vacuum (m/s, exact, SI definition)
SPEED_OF_LIGHT_MPS = 299792458.0
#: standard acceleration of gravity g0 (m/s^2, exact, CGPM 1901)
STANDARD_GRAVITY_MPS2 = 9.80665

# ---------------------------------------------------------------------------------------------
# Angles
#: 2 pi (rad)
TWO_PI = 2.0 * math.pi
#: degrees -> radians factor (``math.radians(x) == x * DEG_RAD``)
DEG_RAD = math.pi / 180.0
#: radians -> degrees factor
RAD_DEG = 180.0 / math.pi

# ---------------------------------------------------------------------------------------------
# Units -> SI (multiply)
#: international foot (m)
FT_M = 0.3048
#: international nautical mile (m)
NMI_M = 1852.0
#: knot (m/s): one nautical mile per hour
KT_MPS = NMI_M / 3600.0
#: km/h (m/s)
KMH_MPS = 1.0 / 3.6
#: kilometre (m)
KM_M = 1000.0
#: hour (s)
HOUR_S = 3600.0

# ---------------------------------------------------------------------------------------------
# Names every layer shares
#: the three air pictures (one word for them in code, flags, files and reports): ``military`` (the
#: military radars' own tracker), ``non_integrated`` (plus the civil centres' tracks cross-told with
#: a delay), ``integrated`` (every radar's plots in one tracker); see ``tracker.pictures``
PICTURES = ("military", "non_integrated", "integrated")
