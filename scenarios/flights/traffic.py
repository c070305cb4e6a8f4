"""Background cooperative traffic: Peruvian domestic flights with transponders on and flight plans filed.

The configuration (airports, rates, ranges) is :class:`scenarios.config.traffic.TrafficConfig`.

A day (draws from ``radar.rng.stream(seed, day, "traffic")``): ``Poisson(flights_per_day)``
flights; origin and destination drawn uniformly among the airports (distinct, at least
``min_route_km`` apart); departure uniform in the local window; flight level uniform in the
range (raised when needed to clear the terrain under the route by ``terrain_clearance_m``);
speed uniform in the TAS range; climb and descent at constant rates; a unique Mode 3/A code per
flight (4 octal digits; 7000, 7500, 7600, 7700, 2000 and 1200 excluded).

Study option (:func:`near_drug_flights`): keep only the background flights that come within
``distance_m`` horizontally of an airborne drug flight at times within ``time_s`` of each other
(sampled every 30 s).  ``simulate`` keeps them all; studies report how many were kept.
"""
from __future__ import annotations

import math

import numpy as np

from radar.errors import InputError
from radar.rng import stream
from scenarios.config.traffic import RESERVED_CODES, TrafficConfig
from scenarios.flights.trajectory import (KIND_BACKGROUND, PHASE_CRUISE, FlightTable, TrajectoryBuilder, Trajectories,
                                          densify, path_length_m)



_CODE_POOL = np.array([c for c in range(0o0100, 0o7700) if c not in RESERVED_CODES])
#: code -> its octal digits read as decimal (0o4721 -> 4721)
_OCTAL_DIGITS = np.array([int(f"{c:04o}") for c in range(0o7700)], np.int32)


def squawk_codes(rng, n: int) -> np.ndarray:
    """n distinct Mode 3/A codes (octal digits read as decimal, e.g. 4721), avoiding reserved codes."""
    pool = _CODE_POOL
    if n > pool.size:
        raise InputError(f"traffic_background.flights_per_day: {n} flights exceed the {pool.size} Mode 3/A codes")
    codes = rng.choice(pool, size=n, replace=False)
    return _OCTAL_DIGITS[codes]


_ROUTES: dict = {}


def _route_cache(cfg: TrafficConfig, terrain):
    """route(a, b) -> (lat_deg, lon_deg, cumulative distance m, highest terrain m) of the great circle
    between airports a and b.  Speed: the same airport pairs recur every day, so each is densified and
    sampled once per (airports, sample step, terrain) -- a study's days no longer redo it per flight."""
    key = (cfg.airports, cfg.sample_m, id(terrain))
    entry = _ROUTES.get(key)
    if entry is None or entry[0] is not terrain:
        if len(_ROUTES) > 8:
            _ROUTES.clear()
        entry = (terrain, {})
        _ROUTES[key] = entry
    cache = entry[1]
    ap = cfg.airports

    def route(a: int, b: int):
        r = cache.get((a, b))
        if r is None:
            A, B = ap[a], ap[b]
            la, lo, _ = densify([A.lat_deg, B.lat_deg], [A.lon_deg, B.lon_deg], cfg.sample_m)
            s = path_length_m(la, lo)
            ter = terrain(la, lo) if terrain is not None else np.zeros(la.size)
            r = (la, lo, s, float(ter.max()))
            cache[(a, b)] = r
        return r

    return route


def generate_background(cfg: TrafficConfig, terrain, seed: int, day: int, uid_base: int = 1_000_000):
    """Background flights of ``day``: (Trajectories, FlightTable, uids)."""
    rng = stream(seed, day, "traffic")
    n = int(rng.poisson(cfg.flights_per_day))
    codes = squawk_codes(rng, n)
    ap = cfg.airports
    builder = TrajectoryBuilder()
    rows = []
    midnight = day * 86400.0
    routes = _route_cache(cfg, terrain)
    uids = uid_base + np.arange(n, dtype=np.int64)
    if n == 0:
        return builder.build(), FlightTable.from_rows(rows), uids
    # the draws, in the order of the former per-flight loop (the same numbers)
    pair = np.empty((n, 2), np.int64)
    level = np.empty(n)
    v = np.empty(n)
    t0 = np.empty(n)
    for i in range(n):
        for _ in range(100):
            a, b = rng.choice(len(ap), size=2, replace=False)
            la, lo, s, ter_max = routes(int(a), int(b))
            if s[-1] >= cfg.min_route_m:
                break
        pair[i] = int(a), int(b)
        lv = float(rng.uniform(*cfg.cruise_m))
        v[i] = float(rng.uniform(*cfg.tas_mps))
        t0[i] = midnight + float(rng.uniform(*cfg.departure_window_s))
        level[i] = max(lv, ter_max + cfg.terrain_clearance_m)
    # speed: the waypoints of all flights in one set of array operations (element by element the same
    # arithmetic as per flight): h(s) = min(h_A + climb/v s, level, h_B + descent/v (L - s)), t = t0 + s/v
    r = [routes(int(a), int(b)) for a, b in pair]
    sizes = np.array([x[0].size for x in r], np.int64)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(sizes, out=offsets[1:])
    S = np.concatenate([x[2] for x in r])
    L = np.array([x[2][-1] for x in r])
    elev_a = np.array([ap[a].elevation_m for a in pair[:, 0]], float)
    elev_b = np.array([ap[b].elevation_m for b in pair[:, 1]], float)
    rep = lambda q: np.repeat(q, sizes)
    h = np.minimum(np.minimum(rep(elev_a) + rep(cfg.climb_rate_mps / v) * S, rep(level)),
                   rep(elev_b) + rep(cfg.descent_rate_mps / v) * (rep(L) - S))
    t = rep(t0) + S / rep(v)
    traj = Trajectories(offsets, t, np.radians(np.concatenate([x[0] for x in r])),
                        np.radians(np.concatenate([x[1] for x in r])), h, np.full(t.size, PHASE_CRUISE, np.int8))
    obj = lambda vals: np.array(vals, dtype=object).reshape(-1)
    nan = np.full(n, math.nan)
    table = FlightTable(
        id=obj([f"d{day}-bg{i}" for i in range(n)]), kind=np.full(n, KIND_BACKGROUND, np.int8),
        aircraft=obj(["airliner"] * n), formation=np.full(n, -1, np.int32),
        departure_zone=obj([ap[a].id for a in pair[:, 0]]), gate_in=obj([""] * n),
        pickup_zone=obj([ap[b].id for b in pair[:, 1]]), gate_out=obj([""] * n), refuel=np.zeros(n, bool),
        transponder_on=np.ones(n, bool), squawk=np.asarray(codes, np.int32).reshape(-1),
        flight_plan_filed=np.ones(n, bool), agl_m=nan.copy(), cruise_msl_m=level, speed_mps=v,
        rcs_m2=np.full(n, float(cfg.rcs_m2)), t_depart=t0, t_border_in=nan.copy(), t_land=nan.copy(),
        t_takeoff=nan.copy(), t_border_out=nan.copy(), t_end=t[offsets[1:] - 1].copy(),
        timing_mode=obj(["background"] * n), dog_legs=np.zeros(n, np.int8))
    return traj, table, uids


def near_drug_spans(bg: Trajectories, drug: Trajectories, distance_m: float, time_s: float,
                    step_s: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Per background flight, the first and last of its instants (sampled every ``step_s``) at which it is
    within ``distance_m`` (ground) of an airborne drug flight sampled less than ``time_s`` away; NaN where
    it never is.

    One Numba kernel (:func:`scenarios.flights._kernels.near_spans`): only the drug flights whose time
    span and latitude/longitude box can reach the background flight are looked at; the drug samples sorted
    by time, each background sample compared with those less than ``time_s`` away only.  The distance is
    the chord on the sphere of radius 6371008.8 m, equal to the ground distance to < 1 m at these
    distances.  ``tests/oracles.py`` holds its oracle (:func:`near_drug_spans_reference`, also its bench baseline).
    """
    from scenarios.flights._kernels import near_spans

    lo = np.full(bg.n_flights, np.nan)
    hi = np.full(bg.n_flights, np.nan)
    if bg.n_flights == 0 or drug.n_flights == 0:
        return lo, hi
    b = (bg.offsets, bg.t_s, bg.lat_rad, bg.lon_rad, bg.h_m, bg.phase)
    d = (drug.offsets, drug.t_s, drug.lat_rad, drug.lon_rad, drug.h_m, drug.phase)
    near_spans(*b, *d, float(step_s), float(distance_m), float(time_s), 6371008.8, lo, hi)
    return lo, hi


def near_drug_flights(bg: Trajectories, drug: Trajectories, distance_m: float, time_s: float,
                      step_s: float = 30.0) -> np.ndarray:
    """Boolean per background flight: within ``distance_m`` (ground) of an airborne drug flight at some
    pair of instants less than ``time_s`` apart (both sampled every ``step_s``); see :func:`near_drug_spans`."""
    return np.isfinite(near_drug_spans(bg, drug, distance_m, time_s, step_s)[0])
