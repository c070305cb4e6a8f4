"""Innocent-traffic configuration: ``[innocent_traffic]`` of a scenario -> :class:`InnocentConfig`
(validated once); the daily generator is :mod:`scenarios.flights.innocent`.

``[innocent_traffic]`` (every number a placeholder with its reasoning in the data file):
``flights_per_day`` (Poisson mean), ``zones`` ({id, lat, lon, radius_km, weight}: the airfield
at the centre, destinations inside the radius and inside Peru), ``departure_window_local_h``,
``agl_m_range``, ``tas_kmh_range``, ``rcs_m2``, ``leg_km_range``.  Absent: no innocent traffic.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from radar.errors import InputError

KMH = 1.0 / 3.6
INNOCENT_KEYS = ("flights_per_day", "zones", "departure_window_local_h", "agl_m_range", "tas_kmh_range", "rcs_m2",
                 "leg_km_range")
ZONE_KEYS = ("id", "lat", "lon", "radius_km", "weight")
#: the ids of the detection draws of innocent flights start here (background: 1,000,000)
UID_BASE = 2_000_000
SAMPLE_M = 5000.0
EARTH_R = 6371008.8


@dataclass(frozen=True)
class InnocentZone:
    id: str
    lat_deg: float
    lon_deg: float
    radius_m: float
    weight: float


@dataclass(frozen=True)
class InnocentConfig:
    """The innocent-traffic model (SI units); ``flights_per_day`` 0 = none."""

    zones: tuple[InnocentZone, ...] = ()
    flights_per_day: float = 0.0
    departure_window_s: tuple[float, float] = (7 * 3600.0, 16 * 3600.0)
    agl_m: tuple[float, float] = (150.0, 600.0)
    tas_mps: tuple[float, float] = (180 * KMH, 260 * KMH)
    rcs_m2: float = 1.0
    leg_m: tuple[float, float] = (40e3, 200e3)
    file: str = ""


def _pair(t, key, default, what, lo, hi):
    v = t.list(key, list(default))
    if (len(v) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v)
            or not (lo <= v[0] <= v[1] <= hi)):
        raise t.fail(key, v, f"must be [min, max] with {lo:g} <= min <= max <= {hi:g} ({what})")
    return float(v[0]), float(v[1])


def load_innocent(scenario) -> InnocentConfig:
    """Read ``[innocent_traffic]`` (absent: no innocent traffic)."""
    root = scenario.root()
    if not root.has("innocent_traffic"):
        return InnocentConfig(file=scenario.file)
    t = root.table("innocent_traffic")
    t.check_keys(INNOCENT_KEYS)
    n = t.float("flights_per_day", min=0, max=1000, what="flights per day")
    zones = []
    for z in t.tables("zones", []):
        z.check_keys(ZONE_KEYS)
        zid = z.str("id")
        if any(q.id == zid for q in zones):
            raise z.fail("id", zid, "duplicate zone id")
        zones.append(InnocentZone(zid, z.float("lat", min=-90, max=90), z.float("lon", min=-180, max=180),
                                  1000.0 * z.float("radius_km", min_exclusive=0, max=2000, what="km"),
                                  z.float("weight", min_exclusive=0, max=1e6)))
    if n > 0 and not zones:
        raise t.fail("zones", t.data.get("zones", []), "must list at least one zone when flights_per_day > 0")
    win = _pair(t, "departure_window_local_h", (7, 16), "hours of local time", 0, 24)
    agl = _pair(t, "agl_m_range", (150, 600), "metres above the terrain", 30, 5000)
    tas = _pair(t, "tas_kmh_range", (180, 260), "km/h", 50, 1000)
    leg = _pair(t, "leg_km_range", (40, 200), "km", 1, 2000)
    if tas[0] <= 0:
        raise t.fail("tas_kmh_range", list(tas), "must be > 0")
    return InnocentConfig(zones=tuple(zones), flights_per_day=n, departure_window_s=(win[0] * 3600, win[1] * 3600),
                          agl_m=agl, tas_mps=(tas[0] * KMH, tas[1] * KMH),
                          rcs_m2=t.float("rcs_m2", 1.0, min_exclusive=0, max=1000, what="m^2"),
                          leg_m=(leg[0] * 1000, leg[1] * 1000), file=scenario.file)


def check_dem_covers(cfg: InnocentConfig, dem, label: str) -> None:
    """Every innocent-traffic zone (centre and radius) lies on the DEM, else one line."""
    lat_min, lat_max, lon_min, lon_max = dem.bounds
    for i, z in enumerate(cfg.zones):
        dlat = math.degrees(z.radius_m / EARTH_R)
        dlon = dlat / max(math.cos(math.radians(z.lat_deg)), 1e-6)
        if not (lat_min <= z.lat_deg - dlat and z.lat_deg + dlat <= lat_max and lon_min <= z.lon_deg - dlon
                and z.lon_deg + dlon <= lon_max):
            raise InputError(f"{label}: innocent_traffic.zones[{i}] {z.id!r} at ({z.lat_deg:g}, {z.lon_deg:g}) with "
                             f"radius {z.radius_m / 1000:g} km lies outside the DEM (lat {lat_min:.3f}..{lat_max:.3f}, "
                             f"lon {lon_min:.3f}..{lon_max:.3f}): expected zones on the DEM")
