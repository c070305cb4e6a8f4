"""What the new radars should cover: drug-flight exposure at low level, or border crossings.

Exposure (``--demand exposure``, the default): the threat model's drug flights of days 0..N-1 of a seed
(:func:`scenarios.flights.threat.generate_drug_flights`, the same flights a study with that seed flies),
sampled every :data:`SAMPLE_S` seconds while airborne and at most :data:`LOW_LEVEL_MAX_AGL_M` above the
ground, binned on a lattice of ``cell_km`` cells (rows every ``cell_km`` of latitude, columns every
``cell_km`` of longitude at the scenario frame's latitude).  A cell's demand is its airborne seconds, as
hours a year; cells whose centre lies outside Peru are left out (an interception happens over Peru).

Border (``--demand border``): the Peru-Bolivia border densified to 1 km; each drug flight's first point
inside Peru inbound and last point inside Peru outbound is a crossing, counted at the nearest border
point (crossings more than :data:`BORDER_SNAP_KM` from that border, e.g. over Brazil, are not counted).
A point's demand is its crossings a year.

A demand point is covered when a target at ``agl_m`` above the ground there is covered
(:mod:`scenarios.siting.cover`).  With ``--given NETWORK`` a point's demand is multiplied by the chance
the existing radars miss it: 1 - P(covered) in the chosen picture, availability-weighted as in the
coverage study (radars of a site share its up-state, sites independent; in the non-integrated picture a
civil radar counts with the cross-tell report probability).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radar.constants import EARTH_RADIUS_M

SAMPLE_S = 10.0
LOW_LEVEL_MAX_AGL_M = 1000.0
BORDER_SNAP_KM = 25.0
DAYS_PER_YEAR = 365.25
KM_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0 / 1000.0


@dataclass(frozen=True, eq=False)
class Demand:
    """Demand points (deg, m MSL target height) and weights (``unit`` a year)."""

    kind: str               # "exposure" | "border"
    lat: np.ndarray
    lon: np.ndarray
    h_msl: np.ndarray
    weight: np.ndarray
    unit: str               # "h/yr" | "crossings/yr"
    days: int
    flights: int
    agl_m: float
    cell_km: float = math.nan
    note: str = ""

    @property
    def size(self) -> int:
        return int(self.lat.size)

    @property
    def total(self) -> float:
        return float(self.weight.sum())

    def take(self, keep: np.ndarray) -> "Demand":
        import dataclasses

        return dataclasses.replace(self, lat=self.lat[keep], lon=self.lon[keep], h_msl=self.h_msl[keep],
                                   weight=self.weight[keep])


def _days(scenario, dem, seed: int, days: int, progress=None):
    """Each simulated day's drug flights: (trajectories, flight table)."""
    from scenarios.config.threat import load_threat
    from scenarios.flights.threat import TerrainSampler, generate_drug_flights

    cfg = load_threat(scenario)
    terrain = TerrainSampler(dem, scenario.terrain)
    for d in range(days):
        day = generate_drug_flights(cfg, terrain, seed, d)
        if progress is not None:
            progress(d + 1, days)
        yield day, terrain


def _samples(traj):
    """Airborne samples at multiples of :data:`SAMPLE_S`: (lat deg, lon deg, h m MSL)."""
    from scenarios.flights.trajectory import AIRBORNE_PHASES, evaluate_many

    start, end = traj.time_span()
    lo = np.ceil(start / SAMPLE_S).astype(np.int64)
    hi = np.floor(end / SAMPLE_S).astype(np.int64)
    n = np.maximum(hi - lo + 1, 0)
    if n.sum() == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    f = np.repeat(np.arange(traj.n_flights, dtype=np.int64), n)
    first = np.repeat(np.cumsum(n) - n, n)
    t = (np.repeat(lo, n) + np.arange(f.size) - first) * SAMPLE_S
    lat, lon, h, _v, ph = evaluate_many(traj, f, t.astype(np.float64))
    keep = np.isin(ph, AIRBORNE_PHASES)
    return np.degrees(lat[keep]), np.degrees(lon[keep]), h[keep]


def lattice(cell_km: float, lat_ref_deg: float) -> tuple[float, float]:
    """(row step, column step) in degrees of the ``cell_km`` demand lattice."""
    step = cell_km / KM_PER_DEG
    return step, step / math.cos(math.radians(lat_ref_deg))


def exposure_demand(scenario, dem, seed: int, days: int, cell_km: float, agl_m: float, progress=None) -> Demand:
    """Low-level airborne drug-flight hours a year per lattice cell inside Peru."""
    from radar.geo import inside_peru

    dlat, dlon = lattice(cell_km, scenario.frame.origin_lat_deg)
    keys, flights = [], 0
    for day, terrain in _days(scenario, dem, seed, days, progress):
        flights += day.trajectories.n_flights
        lat, lon, h = _samples(day.trajectories)
        if lat.size == 0:
            continue
        low = (h - terrain(lat, lon)) <= LOW_LEVEL_MAX_AGL_M
        r = np.floor(lat[low] / dlat).astype(np.int64)
        c = np.floor(lon[low] / dlon).astype(np.int64)
        keys.append(r * 1_000_000 + c)
    allkeys = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    cells, counts = np.unique(allkeys, return_counts=True)
    r = np.floor_divide(cells + 500_000, 1_000_000)
    c = cells - r * 1_000_000
    lat = (r + 0.5) * dlat
    lon = (c + 0.5) * dlon
    inside = inside_peru(lat, lon) & dem.contains(lat, lon) if lat.size else np.zeros(0, bool)
    per_year = DAYS_PER_YEAR / days
    weight = counts * SAMPLE_S / 3600.0 * per_year
    ground = np.maximum(np.asarray(dem.sample(lat[inside], lon[inside]), float), 0.0)
    note = (f"low-level (<= {LOW_LEVEL_MAX_AGL_M:.0f} m AGL) drug-flight exposure over Peru, {days} simulated days "
            f"(seed {seed}, {flights} flights), {cell_km:g} km cells; outside Peru "
            f"{weight[~inside].sum():.1f} h/yr not counted")
    return Demand("exposure", lat[inside], lon[inside], ground + agl_m, weight[inside], "h/yr", days, flights,
                  agl_m, cell_km, note)


def border_demand(scenario, dem, seed: int, days: int, agl_m: float, progress=None) -> Demand:
    """Drug-flight crossings a year of the Peru-Bolivia border, at the nearest 1 km border point."""
    from scipy.spatial import cKDTree

    from radar import geo
    from scenarios.flights.trajectory import evaluate_many

    b_lat, b_lon, _ = geo.border_points(1000.0)
    coslat = math.cos(math.radians(float(np.mean(b_lat))))
    tree = cKDTree(np.column_stack([b_lat, b_lon * coslat]))
    counts = np.zeros(b_lat.size)
    flights = far = 0
    for day, _terrain in _days(scenario, dem, seed, days, progress):
        ft = day.flights
        flights += len(ft)
        if len(ft) == 0:
            continue
        idx = np.arange(len(ft), dtype=np.int64)
        for col in ("t_border_in", "t_border_out"):
            t = np.asarray(getattr(ft, col), float)
            ok = np.isfinite(t)
            lat, lon, _h, _v, _ph = evaluate_many(day.trajectories, idx[ok], t[ok])
            lat, lon = np.degrees(lat), np.degrees(lon)
            good = np.isfinite(lat)
            dist, near = tree.query(np.column_stack([lat[good], lon[good] * coslat]))
            snap = dist * KM_PER_DEG <= BORDER_SNAP_KM
            far += int((~snap).sum())
            np.add.at(counts, near[snap], 1.0)
    keep = counts > 0
    lat, lon = b_lat[keep], b_lon[keep]
    ground = np.maximum(np.asarray(dem.sample(lat, lon), float), 0.0)
    note = (f"drug-flight crossings of the Peru-Bolivia border, {days} simulated days (seed {seed}, {flights} "
            f"flights); {far} crossings farther than {BORDER_SNAP_KM:g} km from that border not counted")
    return Demand("border", lat, lon, ground + agl_m, counts[keep] * DAYS_PER_YEAR / days, "crossings/yr", days,
                  flights, agl_m, math.nan, note)


def existing_cover(network, dem, terrain, coverage, picture: str, report_probability: float, demand: Demand
                   ) -> np.ndarray:
    """P(a non-cooperative target at each demand point is covered) by ``network`` in ``picture``,
    availability-weighted (:mod:`radar.coverage_study`'s rule, evaluated at the points)."""
    from scenarios.siting.cover import covered_fresh

    radars = [r for r in network.radars if r.type.is_primary and bool(dem.contains(r.lat_deg, r.lon_deg))]
    miss = {"mil": np.ones(demand.size), "civ": np.ones(demand.size)}
    if radars:
        cov = covered_fresh(radars, dem, terrain, coverage, demand.lat, demand.lon, demand.h_msl)
        sites: dict[str, tuple[np.ndarray, float, bool]] = {}
        for j, r in enumerate(radars):
            key = r.site_id + "|" + r.owner
            prev = sites.get(key)
            sites[key] = ((prev[0] if prev else np.zeros(demand.size, bool)) | cov[:, j], r.availability,
                          r.is_military)
        for c, a, mil in sites.values():
            miss["mil" if mil else "civ"] *= 1.0 - a * c
    mil, civ = 1.0 - miss["mil"], 1.0 - miss["civ"]
    if picture == "military":
        return mil
    if picture == "non_integrated":
        return 1.0 - (1.0 - mil) * (1.0 - report_probability * civ)
    return 1.0 - (1.0 - mil) * (1.0 - civ)


def picture_factor(owner: str, picture: str, report_probability: float) -> float:
    """What a new radar of ``owner`` adds to ``picture`` per unit of its availability."""
    if owner == "military" or picture == "integrated":
        return 1.0
    return report_probability if picture == "non_integrated" else 0.0
