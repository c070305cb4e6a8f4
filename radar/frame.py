"""The scenario frame: WGS84 geodesy, the scenario ENU tangent plane and the time base.

All coordinates inside airbridge are metres in one scenario ENU frame: the tangent
plane at ``[frame]`` (x east, y north, z up *at the origin*).  Far from the origin
z is not altitude (1,100 km away a target 300 m above ground has z of about
-95 km), so heights are always converted through ECEF, never read off z.

The conversions here are closed-form NumPy (vectorised); ``tests/test_frame.py``
checks them against pyproj's ``cart`` + ``topocentric`` pipeline to < 1 mm.
``time_s`` counts seconds since ``epoch_utc`` (00:00 Peru time on day 0).
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass

import numpy as np

from radar.errors import InputError

# the ellipsoid, the mean radius R and the 4/3-Earth factor k (defined in radar.constants; kept importable
# from here)
from radar.constants import (EARTH_RADIUS_M, REFRACTION_K, WGS84_A, WGS84_B, WGS84_E2,  # noqa: F401
                             WGS84_EP2, WGS84_F)


def geodetic_to_ecef(lat_deg, lon_deg, h_m):
    """Geodetic (degrees, degrees, metres above the ellipsoid) -> ECEF metres, shape (..., 3)."""
    lat = np.radians(np.asarray(lat_deg, dtype=float))
    lon = np.radians(np.asarray(lon_deg, dtype=float))
    h = np.asarray(h_m, dtype=float)
    sl = np.sin(lat)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    cl = np.cos(lat)
    return np.stack(((n + h) * cl * np.cos(lon), (n + h) * cl * np.sin(lon), (n * (1.0 - WGS84_E2) + h) * sl), axis=-1)


def ecef_to_geodetic(xyz):
    """ECEF metres (..., 3) -> (lat_deg, lon_deg, h_m). Bowring + 2 Newton steps (< 1 mm)."""
    xyz = np.asarray(xyz, dtype=float)
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    theta = np.arctan2(z * WGS84_A, p * WGS84_B)
    lat = np.arctan2(z + WGS84_EP2 * WGS84_B * np.sin(theta) ** 3, p - WGS84_E2 * WGS84_A * np.cos(theta) ** 3)
    for _ in range(2):
        sl = np.sin(lat)
        n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sl * sl)
        h = p * np.cos(lat) + z * sl - WGS84_A * WGS84_A / n
        lat = np.arctan2(z, p * (1.0 - WGS84_E2 * n / (n + h)))
    sl = np.sin(lat)
    n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sl * sl)
    h = p * np.cos(lat) + z * sl - WGS84_A * WGS84_A / n
    return np.degrees(lat), np.degrees(lon), h


def enu_rotation(lat_deg: float, lon_deg: float) -> np.ndarray:
    """3x3 rotation whose rows are the local east, north and up unit vectors in ECEF."""
    lat = math.radians(lat_deg)
    lon = math.radians(lon_deg)
    sl, cl, so, co = math.sin(lat), math.cos(lat), math.sin(lon), math.cos(lon)
    return np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])


@dataclass(frozen=True)
class Frame:
    """The scenario ENU frame and time base.

    Attributes
    ----------
    origin_lat_deg, origin_lon_deg:
        Tangent point (WGS84 degrees).
    origin_h_m:
        Height of the tangent point above the ellipsoid (m).
    epoch_utc:
        ISO-8601 UTC instant of ``time_s = 0`` (00:00 Peru time on day 0).
    """

    origin_lat_deg: float = -9.2
    origin_lon_deg: float = -75.0
    origin_h_m: float = 0.0
    epoch_utc: str = "2026-01-01T05:00:00Z"

    def __post_init__(self):
        if not (-90.0 <= self.origin_lat_deg <= 90.0):
            raise InputError(f"frame.origin_lat = {self.origin_lat_deg}: must be a latitude in [-90, 90] degrees")
        if not (-180.0 <= self.origin_lon_deg <= 180.0):
            raise InputError(f"frame.origin_lon = {self.origin_lon_deg}: must be a longitude in [-180, 180] degrees")
        try:
            parse_utc(self.epoch_utc)
        except ValueError:
            raise InputError(f"frame.epoch_utc = {self.epoch_utc!r}: must be an ISO-8601 UTC time such as 2026-01-01T05:00:00Z") from None

    @property
    def origin_ecef(self) -> np.ndarray:
        return self._derived("_origin_ecef", geodetic_to_ecef, self.origin_lat_deg, self.origin_lon_deg,
                             self.origin_h_m)

    @property
    def rotation(self) -> np.ndarray:
        """ECEF -> scenario ENU rotation (rows e, n, u at the origin)."""
        return self._derived("_rotation", enu_rotation, self.origin_lat_deg, self.origin_lon_deg)

    def _derived(self, name, fn, *args) -> np.ndarray:
        """``fn(*args)``, computed once per frame (speed: a study day asked for the origin about 20 times, 50 us
        each); a copy is returned, so a caller may change it."""
        value = self.__dict__.get(name)
        if value is None:
            value = np.asarray(fn(*args))
            object.__setattr__(self, name, value)  # a cache, not a field: equality and hashing ignore it
        return value.copy()

    @property
    def epoch(self) -> _dt.datetime:
        return parse_utc(self.epoch_utc)

    # -- conversions --------------------------------------------------------------------
    def ecef_to_enu(self, xyz):
        return (np.asarray(xyz, dtype=float) - self.origin_ecef) @ self.rotation.T

    def enu_to_ecef(self, enu):
        return np.asarray(enu, dtype=float) @ self.rotation + self.origin_ecef

    def geodetic_to_enu(self, lat_deg, lon_deg, h_m):
        """WGS84 (deg, deg, m) -> scenario ENU metres, shape (..., 3)."""
        return self.ecef_to_enu(geodetic_to_ecef(lat_deg, lon_deg, h_m))

    def enu_to_geodetic(self, enu):
        """Scenario ENU metres (..., 3) -> (lat_deg, lon_deg, h_m)."""
        return ecef_to_geodetic(self.enu_to_ecef(enu))

    def local_to_frame_rotation(self, lat_deg: float, lon_deg: float) -> np.ndarray:
        """Rotation taking a vector in the local ENU at (lat, lon) into the scenario ENU."""
        return self.rotation @ enu_rotation(lat_deg, lon_deg).T

    def to_dict(self) -> dict:
        return {"origin_lat": self.origin_lat_deg, "origin_lon": self.origin_lon_deg,
                "origin_h_m": self.origin_h_m, "epoch_utc": self.epoch_utc}

    def describe(self) -> str:
        return (f"scenario ENU frame: tangent plane at {self.origin_lat_deg:.4f}, {self.origin_lon_deg:.4f}, "
                f"{self.origin_h_m:.0f} m (WGS84); time_s since {self.epoch_utc}")


def parse_utc(text: str) -> _dt.datetime:
    t = _dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.timezone.utc)
    return t.astimezone(_dt.timezone.utc)


def great_circle_m(lat1_deg, lon1_deg, lat2_deg, lon2_deg, radius_m: float = EARTH_RADIUS_M):
    """Haversine ground distance on a sphere (m). Used with the 4/3-Earth masking model."""
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2.0 * radius_m * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def horizon_range_m(h_antenna_m, h_target_m, k: float = REFRACTION_K, radius_m: float = EARTH_RADIUS_M):
    """4/3-Earth radio horizon over flat terrain: d = sqrt(2kRh_a) + sqrt(2kRh_t).

    With k = 4/3 this is the familiar d_km = 4.12 (sqrt(h_a) + sqrt(h_t)), heights in m.
    """
    return np.sqrt(2 * k * radius_m * np.asarray(h_antenna_m, float)) + np.sqrt(2 * k * radius_m * np.asarray(h_target_m, float))
