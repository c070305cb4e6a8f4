"""Synthetic radars, geometry grids and flights for the feed tests (no DEM, no scenario)."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from radar.types import Radar, RadarType
from scenarios.flights.trajectory import PHASE_CRUISE, TrajectoryBuilder

TPS70 = RadarType(id="AN_TPS_70", kind="PSR_3D", scan_period_s=10.0, instrumented_range_m=444e3,
                  elevation_min_rad=math.radians(-2), elevation_max_rad=math.radians(20), sigma_range_m=150.0,
                  sigma_azimuth_rad=math.radians(0.2), sigma_elevation_rad=math.radians(0.093), ref_rcs_m2=1.0,
                  ref_pd=0.8, ref_range_m=230e3, pfa=1e-6, false_plots_per_scan=1.0, iff_interrogator=True)
STAR = RadarType(id="THALES_STAR2000", kind="PSR_2D", scan_period_s=4.0, instrumented_range_m=111e3,
                 sigma_range_m=40.0, sigma_azimuth_rad=math.radians(0.08), ref_rcs_m2=1.0, ref_pd=0.8,
                 ref_range_m=100e3, pfa=1e-6, false_plots_per_scan=0.1)
RSM = RadarType(id="THALES_RSM970S", kind="SSR", scan_period_s=4.0, instrumented_range_m=474e3, sigma_range_m=15.0,
                sigma_azimuth_rad=math.radians(0.05), pd_cooperative=0.98)

SITE = (-12.6, -69.2, 200.0)


def radar(rtype=TPS70, lat=SITE[0], lon=SITE[1], ground=SITE[2], mast=10.0, site="pm"):
    return Radar(site, rtype, "military" if rtype is TPS70 else "civil", lat, lon, ground, mast)


def flat_geometry(radars, floor_m=0.0, step_deg=0.05, half_deg=5.0, invisible_west=False):
    """Grid around the site; every height >= floor_m is visible (no terrain), no ceiling.

    invisible_west: cells west of the site are never visible (NaN), to test the visible-region logic."""
    lat = np.arange(SITE[0] + half_deg, SITE[0] - half_deg - 1e-9, -step_deg)
    lon = np.arange(SITE[1] - half_deg, SITE[1] + half_deg + 1e-9, step_deg)
    g = np.full((len(radars), lat.size, lon.size), float(floor_m))
    if invisible_west:
        g[:, :, lon < SITE[1] - 1e-9] = np.nan
    gm = np.full_like(g, np.inf)
    h_ant = np.array([r.ground_elevation_m + r.antenna_agl_m for r in radars])
    return SimpleNamespace(lat=lat, lon=lon, min_visible_msl=g, max_visible_msl=gm, antenna_msl_m=h_ant,
                           names=[r.name for r in radars])


def destination(lat_deg, lon_deg, az_rad, dist_m, radius=6371008.8):
    p, l = math.radians(lat_deg), math.radians(lon_deg)
    d = dist_m / radius
    p2 = math.asin(math.sin(p) * math.cos(d) + math.cos(p) * math.sin(d) * math.cos(az_rad))
    l2 = l + math.atan2(math.sin(az_rad) * math.sin(d) * math.cos(p), math.cos(d) - math.sin(p) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def straight_flights(specs):
    """specs: iterable of (t0, duration, (lat0, lon0), (lat1, lon1), h) -> Trajectories."""
    b = TrajectoryBuilder()
    for t0, dur, p0, p1, h in specs:
        b.add([t0, t0 + dur], [p0[0], p1[0]], [p0[1], p1[1]], [h, h], [PHASE_CRUISE, PHASE_CRUISE])
    return b.build()


def tangential_flights(n, range_m, h, duration_s=100.0, speed=70.0, t_start=1000.0, seed=0):
    """n short straight legs perpendicular to the line of sight at ground distance range_m."""
    rng = np.random.default_rng(seed)
    specs = []
    for i in range(n):
        az = rng.uniform(0, 2 * math.pi)
        c = destination(SITE[0], SITE[1], az, range_m)
        half = 0.5 * speed * duration_s
        p0 = destination(c[0], c[1], az - math.pi / 2, half)
        p1 = destination(c[0], c[1], az + math.pi / 2, half)
        specs.append((t_start + i * 7.3, duration_s, p0, p1, h))
    return straight_flights(specs)
