"""Background traffic configuration: ``[traffic_background]`` and the airports of ``[basing]`` ->
:class:`TrafficConfig` (validated once).

``[traffic_background]`` (overlays): ``flights_per_day`` (~150), ``airports`` (base ids or ICAO
codes of ``[basing]``), ``cruise_fl_range``, ``cruise_tas_kmh_range``.  Knobs added here
(placeholders, defaults in :class:`TrafficConfig`): ``departure_window_local_h`` [5, 23],
``climb_rate_mps`` 10, ``descent_rate_mps`` 8, ``min_route_km`` 150, ``terrain_clearance_m`` 600,
``rcs_m2`` 20 (airliner, S band).  The daily generator is :mod:`scenarios.flights.traffic`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

FT = 0.3048
KMH = 1.0 / 3.6
RESERVED_CODES = (0o7000, 0o7500, 0o7600, 0o7700, 0o2000, 0o1200)


@dataclass(frozen=True)
class Airport:
    id: str
    lat_deg: float
    lon_deg: float
    elevation_m: float


@dataclass(frozen=True)
class TrafficConfig:
    """Background traffic model (SI units)."""

    airports: tuple[Airport, ...]
    flights_per_day: float = 150.0
    cruise_m: tuple[float, float] = (150 * 100 * FT, 370 * 100 * FT)
    tas_mps: tuple[float, float] = (450 * KMH, 850 * KMH)
    departure_window_s: tuple[float, float] = (5 * 3600.0, 23 * 3600.0)
    climb_rate_mps: float = 10.0
    descent_rate_mps: float = 8.0
    min_route_m: float = 150e3
    terrain_clearance_m: float = 600.0
    rcs_m2: float = 20.0
    sample_m: float = 5000.0
    file: str = ""


def _pair(t, key, default, what, hi, lo=0.0):
    v = t.list(key, list(default))
    if (len(v) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v)
            or not (lo < v[0] <= v[1] <= hi)):
        raise t.fail(key, v, f"must be [min, max] with {lo:g} < min <= max <= {hi:g} ({what})")
    return float(v[0]), float(v[1])


def _distance_m(a: Airport, b: Airport) -> float:
    """Great-circle distance (m) between two airports (the sphere of :func:`path_length_m`)."""
    p1, p2 = math.radians(a.lat_deg), math.radians(b.lat_deg)
    s = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lon_deg - a.lon_deg) / 2) ** 2)
    return 2.0 * math.asin(min(1.0, math.sqrt(s))) * 6371008.8


TRAFFIC_KEYS = ("flights_per_day", "airports", "cruise_fl_range", "cruise_tas_kmh_range", "departure_window_local_h",
                "climb_rate_mps", "descent_rate_mps", "min_route_km", "terrain_clearance_m", "rcs_m2")
#: at most this many flights a day on average: Poisson draws stay far below the ~3,960 Mode 3/A codes
MAX_FLIGHTS_PER_DAY = 2000


def load_traffic(scenario) -> TrafficConfig:
    """Read ``[traffic_background]`` and the airports of ``[basing]``."""
    t = scenario.table("traffic_background")
    t.check_keys(TRAFFIC_KEYS)
    basing = scenario.table("basing")
    known = {}
    for key in ("bases", "airports"):
        if basing.has(key):
            for b in basing.tables(key):
                known[b.str("id")] = Airport(b.str("id"), b.float("lat", min=-90, max=90),
                                             b.float("lon", min=-180, max=180),
                                             b.float("elevation_m", 0.0, min=-500, max=9000, what="metres"))
    ids = t.list("airports")
    airports = []
    for i, a in enumerate(ids):
        if not isinstance(a, str) or a not in known:
            raise t.fail(f"airports[{i}]", a, "unknown airport: expected a base id or ICAO code of [basing]: "
                         + ", ".join(sorted(known)))
        if known[a] in airports:
            raise t.fail(f"airports[{i}]", a, "listed twice: expected distinct airports")
        airports.append(known[a])
    if len(airports) < 2:
        raise t.fail("airports", ids, "must list at least two airports")
    fl = _pair(t, "cruise_fl_range", (150, 370), "flight levels", 600)
    tas = _pair(t, "cruise_tas_kmh_range", (450, 850), "km/h", 1200)
    win = _pair(t, "departure_window_local_h", (5, 23), "hours of local time", 24, lo=-1e-9)
    min_route_km = t.float("min_route_km", 150.0, min=0, max=5000, what="km")
    longest = max(_distance_m(a, b) for a in airports for b in airports)
    if 1000.0 * min_route_km > longest:
        raise t.fail("min_route_km", min_route_km, f"no two airports are that far apart (at most {longest / 1000:.0f} km)")
    return TrafficConfig(
        airports=tuple(airports),
        flights_per_day=t.float("flights_per_day", 150.0, min=0, max=MAX_FLIGHTS_PER_DAY, what="flights per day"),
        cruise_m=(fl[0] * 100 * FT, fl[1] * 100 * FT), tas_mps=(tas[0] * KMH, tas[1] * KMH),
        departure_window_s=(win[0] * 3600.0, win[1] * 3600.0),
        climb_rate_mps=t.float("climb_rate_mps", 10.0, min_exclusive=0, max=100, what="m/s"),
        descent_rate_mps=t.float("descent_rate_mps", 8.0, min_exclusive=0, max=100, what="m/s"),
        min_route_m=1000.0 * min_route_km,
        terrain_clearance_m=t.float("terrain_clearance_m", 600.0, min=0, max=5000, what="metres"),
        rcs_m2=t.float("rcs_m2", 20.0, min_exclusive=0, max=1000, what="m^2"), file=scenario.file)
