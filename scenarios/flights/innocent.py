"""Innocent traffic: legitimate low-level non-cooperative flights (Amazon general aviation).

Air taxis, mission and community flights and floatplanes fly VFR by day between a town's
airfield and a community strip or river landing, low over the forest, without a filed flight
plan and with no transponder reply: to the military picture they look exactly like a drug
flight (no code, no plan), so they can be classified suspect, scrambled on and intercepted --
the identification problem behind the April 2001 shoot-down of OB-1408 near Iquitos.

A day (draws from ``radar.rng.stream(seed, day, "innocent_traffic")``, so the drug flights and
the cooperative traffic are the same with or without it): Poisson(flights_per_day) flights;
per flight, in this order: zone (by weight), bearing and leg length (uniform; redrawn until
the destination is inside Peru and the radius), departure (uniform in the window), height
above the terrain (uniform) and speed (uniform).  Each is one terrain-following leg sampled
every 5 km.  Flight ids ``d<day>-ga<i>``; ``kind`` 2 (``innocent``) in ``flights.csv`` and the
engagement outputs.
"""
from __future__ import annotations

import math

import numpy as np

from radar.rng import stream
from scenarios.config.innocent import EARTH_R, SAMPLE_M, UID_BASE, InnocentConfig
from scenarios.flights.trajectory import KIND_INNOCENT, PHASE_CRUISE, FlightTable, densify, path_length_m


def _destination(lat, lon, bearing, dist):
    """Great-circle destination (deg) from (lat, lon) deg along bearing (rad) for dist (m)."""
    p1, l1, d = math.radians(lat), math.radians(lon), dist / EARTH_R
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def generate_innocent(cfg: InnocentConfig, terrain, seed: int, day: int, uid_base: int = UID_BASE):
    """Innocent flights of ``day``: (Trajectories, FlightTable, uids)."""
    from radar.geo import inside_peru
    from scenarios.flights.trajectory import TrajectoryBuilder

    rng = stream(seed, day, "innocent_traffic")
    n = int(rng.poisson(cfg.flights_per_day)) if cfg.flights_per_day > 0 and cfg.zones else 0
    builder = TrajectoryBuilder()
    rows = []
    w = np.array([z.weight for z in cfg.zones], float)
    midnight = day * 86400.0
    for i in range(n):
        z = cfg.zones[int(rng.choice(len(cfg.zones), p=w / w.sum()))]
        dest = None
        for _ in range(50):
            bearing = float(rng.uniform(0, 2 * math.pi))
            dist = float(rng.uniform(cfg.leg_m[0], min(cfg.leg_m[1], z.radius_m)))
            la, lo = _destination(z.lat_deg, z.lon_deg, bearing, dist)
            if bool(inside_peru(la, lo)):
                dest = (la, lo)
                break
        t0 = midnight + float(rng.uniform(*cfg.departure_window_s))
        agl = float(rng.uniform(*cfg.agl_m))
        v = float(rng.uniform(*cfg.tas_mps))
        if dest is None:
            continue
        lat, lon, _ = densify([z.lat_deg, dest[0]], [z.lon_deg, dest[1]], SAMPLE_M)
        s = path_length_m(lat, lon)
        ground = terrain(lat, lon) if terrain is not None else np.zeros(lat.size)
        h = np.asarray(ground, float) + agl
        t = t0 + s / v
        builder.add(t, lat, lon, h, np.full(t.size, PHASE_CRUISE))
        rows.append(dict(id=f"d{day}-ga{i}", kind=KIND_INNOCENT, aircraft="ga_piston", formation=-1,
                         departure_zone=z.id, gate_in="", pickup_zone="", gate_out="", refuel=False,
                         transponder_on=False, squawk=-1, flight_plan_filed=False, agl_m=agl, cruise_msl_m=math.nan,
                         speed_mps=v, rcs_m2=cfg.rcs_m2, t_depart=t0, t_border_in=math.nan, t_land=math.nan,
                         t_takeoff=math.nan, t_border_out=math.nan, t_end=float(t[-1]), timing_mode="innocent",
                         dog_legs=0))
    traj = builder.build()
    table = FlightTable.from_rows(rows)
    uids = uid_base + np.array([int(r["id"].rsplit("ga", 1)[1]) for r in rows], np.int64)
    return traj, table, uids
