"""Candidate sites: a grid over Peru at a spacing, the scenario's planned and what-if sites, a user file.

A column of the siting problem is one (candidate site, radar type) pair: the radar that type would be on
that site (:func:`column_radars`).  Its antenna stands on the ground of the site (the DEM there, or the
site's stated ground when the data give one: the higher of the two, as for every radar) plus the mast.

Grid: rows every ``spacing`` km of latitude from the north of Peru, points every ``spacing`` km of
longitude along each row (so the spacing is kept in kilometres at every latitude), kept when inside the
Peru outline (Natural Earth).  Hilltop bias (``hilltop_km > 0``): each grid point moves to the highest
DEM cell centre within that distance (inside Peru); points that land on the same cell are merged.

Named candidates from the scenario are its ``[radar] sites`` that no built-in network enables
(``enabled = false``: the planned, what-if and historical sites), each at its stated ground and mast.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radar.constants import EARTH_RADIUS_M
from radar.errors import InputError
from scenarios.config.siting import Candidate, SitingType

#: most columns (candidate sites x radar types) a siting study builds
MAX_COLUMNS = 20_000
KM_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0 / 1000.0


def _peru_box() -> tuple[float, float, float, float]:
    from radar.geo import polygons

    pts = np.concatenate([ring for poly in polygons("Peru") for ring in poly])
    return float(pts[:, 1].min()), float(pts[:, 1].max()), float(pts[:, 0].min()), float(pts[:, 0].max())


def estimated_grid_count(spacing_km: float) -> int:
    """Candidate sites a grid at ``spacing_km`` puts inside Peru (area / spacing^2; computed before any
    allocation, so a tiny spacing is refused at once)."""
    from radar.geo import area_km2

    return int(math.ceil(area_km2() / (spacing_km * spacing_km)))


def check_size(spacing_km: float | None, n_named: int, n_types: int, flag: str = "--spacing-km") -> None:
    """Refuse a problem with more than :data:`MAX_COLUMNS` columns (one line, before anything is built)."""
    n_grid = 0 if spacing_km is None else estimated_grid_count(spacing_km)
    n = (n_grid + n_named) * n_types
    if n > MAX_COLUMNS:
        need = math.sqrt(1.289850e6 * n_types / max(MAX_COLUMNS - n_named * n_types, 1))
        raise InputError(f"{flag} {spacing_km:g}: about {n_grid:,} candidate sites x {n_types} radar type"
                         f"{'s' if n_types > 1 else ''} = {n:,} columns: expected at most {MAX_COLUMNS:,} "
                         f"(a spacing of at least {math.ceil(need * 10) / 10:g} km)")


def grid_candidates(dem, spacing_km: float, hilltop_km: float = 0.0) -> list[Candidate]:
    """Grid points inside Peru (and on the DEM) every ``spacing_km`` km, optionally moved to hilltops."""
    from radar.geo import inside_peru

    lat_min, lat_max, lon_min, lon_max = _peru_box()
    dlat = spacing_km / KM_PER_DEG
    lats, lons = [], []
    for lat in np.arange(lat_max - dlat / 2, lat_min, -dlat):
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        row = np.arange(lon_min + dlon / 2, lon_max, dlon)
        lats.append(np.full(row.size, lat))
        lons.append(row)
    lat = np.concatenate(lats)
    lon = np.concatenate(lons)
    keep = inside_peru(lat, lon) & dem.contains(lat, lon)
    lat, lon = lat[keep], lon[keep]
    if hilltop_km > 0:
        lat, lon = _hilltops(dem, lat, lon, hilltop_km)
    return [Candidate(id=f"g{i:05d}", lat_deg=float(a), lon_deg=float(b), origin="grid")
            for i, (a, b) in enumerate(zip(lat, lon))]


def _hilltops(dem, lat, lon, radius_km):
    """Each point moved to the highest DEM cell centre within ``radius_km`` that lies inside Peru."""
    from radar.frame import great_circle_m
    from radar.geo import inside_peru

    ground = dem.ground(True)
    fr, fc = dem.fractional_index(lat, lon)
    n_r = int(math.ceil(radius_km / (dem.dlat * KM_PER_DEG))) + 1
    out_lat, out_lon, seen = [], [], set()
    inside_cache: dict[tuple[int, int], bool] = {}
    for a, b, r, c in zip(lat, lon, np.rint(fr).astype(int), np.rint(fc).astype(int)):
        n_c = int(math.ceil(n_r / max(math.cos(math.radians(a)), 1e-3)))
        r0, r1 = max(r - n_r, 0), min(r + n_r + 1, dem.lat.size)
        c0, c1 = max(c - n_c, 0), min(c + n_c + 1, dem.lon.size)
        la = dem.lat[r0:r1, None] * np.ones(c1 - c0)
        lo = np.ones(r1 - r0)[:, None] * dem.lon[None, c0:c1]
        near = great_circle_m(a, b, la, lo) <= radius_km * 1000.0
        z = np.where(near, ground[r0:r1, c0:c1], -np.inf)
        best = None
        for flat in np.argsort(-z, axis=None, kind="stable"):
            i, j = divmod(int(flat), c1 - c0)
            if not np.isfinite(z[i, j]):
                break
            key = (r0 + i, c0 + j)
            if key not in inside_cache:
                inside_cache[key] = bool(inside_peru(dem.lat[key[0]], dem.lon[key[1]]))
            if inside_cache[key]:
                best = key
                break
        if best is None:
            best_lat, best_lon = float(a), float(b)
            key = ("point", best_lat, best_lon)
        else:
            best_lat, best_lon = float(dem.lat[best[0]]), float(dem.lon[best[1]])
            key = best
        if key in seen:
            continue
        seen.add(key)
        out_lat.append(best_lat)
        out_lon.append(best_lon)
    return np.array(out_lat), np.array(out_lon)


def scenario_candidates(scenario) -> list[Candidate]:
    """The scenario's ``[radar] sites`` with ``enabled = false`` (planned, what-if, historical)."""
    out = []
    for s in scenario.raw.get("radar", {}).get("sites", []):
        if s.get("enabled", True):
            continue
        out.append(Candidate(id=str(s["id"]), lat_deg=float(s["lat"]), lon_deg=float(s["lon"]),
                             ground_m=float(s.get("ground_elevation_m", math.nan)),
                             antenna_agl_m=float(s.get("antenna_agl_m", math.nan)), origin="scenario"))
    return out


def merge(*groups: list[Candidate]) -> list[Candidate]:
    """Candidates of several sources, ids unique (a repeated id is an error naming both origins)."""
    out: dict[str, Candidate] = {}
    for group in groups:
        for c in group:
            if c.id in out:
                raise InputError(f"{c.origin}: candidate id {c.id!r} is also a candidate of {out[c.id].origin}: "
                                 "expected unique ids")
            out[c.id] = c
    return list(out.values())


@dataclass(frozen=True)
class Column:
    """One column of the siting problem: a radar type on a candidate site."""

    candidate: Candidate
    stype: SitingType
    radar: object                 # radar.types.Radar (the primary head)

    @property
    def id(self) -> str:
        return self.candidate.id


def column_radars(candidates: list[Candidate], stypes: list[SitingType], dem, clamp_sea_to_zero: bool = True
                  ) -> list[Column]:
    """Every (candidate, type) pair whose site lies on the DEM, as a :class:`radar.types.Radar`."""
    from radar.types import Radar

    out = []
    for c in candidates:
        if not bool(dem.contains(c.lat_deg, c.lon_deg)):
            lat_min, lat_max, lon_min, lon_max = dem.bounds
            raise InputError(f"{c.origin}: candidate {c.id} at ({c.lat_deg:g}, {c.lon_deg:g}) lies outside the DEM "
                             f"(lat {lat_min:.3f}..{lat_max:.3f}, lon {lon_min:.3f}..{lon_max:.3f}): expected a site "
                             "on the terrain grid")
        ground = c.ground_m
        if not math.isfinite(ground):
            ground = float(dem.sample(c.lat_deg, c.lon_deg))
            ground = max(ground, 0.0) if clamp_sea_to_zero else ground
        for st in stypes:
            mast = c.antenna_agl_m if math.isfinite(c.antenna_agl_m) else st.antenna_agl_m
            radar = Radar(site_id=c.id, type=st.type, owner=st.owner, lat_deg=c.lat_deg, lon_deg=c.lon_deg,
                          ground_elevation_m=ground, antenna_agl_m=mast, availability=st.availability,
                          source=st.source, confidence=st.confidence)
            out.append(Column(c, st, radar))
    return out
