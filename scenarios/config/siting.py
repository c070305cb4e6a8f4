"""``[siting]`` of a scenario and candidate-site files: what ``airbridge site`` may place, and where.

``[siting] types`` lists the radar types a siting study may buy, each as it would be deployed::

    [siting]
    types = [
      { type = "AN_TPS_70", owner = "FAP", antenna_agl_m = 15, availability = 0.9,
        unit_cost_musd = 20.5, sustainment_musd_per_year = 1.0, source = "S28; GK", confidence = "approximate" },
      { type = "THALES_STAR2000", secondary_type = "THALES_RSM970S", owner = "CORPAC", ... },
    ]

``type`` (and ``secondary_type``) are ids of ``[[radar.types]]``; the sited type must be a primary radar (a
drug flight flies with its transponder off).  ``availability`` is the long-run up fraction of a new radar
(``mean_up_days``/``mean_down_days`` optional, as for ``[radar] sites``).  ``unit_cost_musd`` is one
installed radar (the secondary head included), US$ millions.  A type without an entry has no cost and
cannot be sited.

A candidate-site file (``airbridge site --candidates FILE``)::

    [[candidates]]
    id = "cerro_azul"
    lat = -10.1
    lon = -75.2
    ground_elevation_m = 2500   # optional: default the DEM at the site
    antenna_agl_m = 30          # optional: default the type's antenna_agl_m
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from radar.errors import InputError
from radar.types import RadarType
from scenarios.config.schema import Table, read_toml

#: owners as written in the data -> the model's owner
OWNERS = {"FAP": "military", "CORPAC": "civil", "military": "military", "civil": "civil"}
TYPE_KEYS = ("type", "secondary_type", "owner", "antenna_agl_m", "availability", "mean_up_days", "mean_down_days",
             "unit_cost_musd", "sustainment_musd_per_year")
CANDIDATE_KEYS = ("id", "lat", "lon", "ground_elevation_m", "antenna_agl_m")
#: site ids: what a TOML bare key and a file name both accept
ID_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


@dataclass(frozen=True)
class SitingType:
    """A radar type as ``airbridge site`` would deploy it (SI units except costs in US$ millions)."""

    type: RadarType
    secondary: RadarType | None
    owner: str                   # "military" | "civil"
    owner_label: str             # as written in the data (FAP, CORPAC, ...)
    antenna_agl_m: float
    availability: float
    mean_up_days: float          # NaN: not given (the scenario loader derives them from the availability)
    mean_down_days: float
    unit_cost_musd: float
    sustainment_musd_per_year: float
    source: str = "unspecified"
    confidence: str = "unspecified"

    @property
    def id(self) -> str:
        return self.type.id


@dataclass(frozen=True)
class Candidate:
    """A place a radar could go.  ``ground_m`` / ``antenna_agl_m`` NaN: the DEM / the type's mast."""

    id: str
    lat_deg: float
    lon_deg: float
    ground_m: float = math.nan
    antenna_agl_m: float = math.nan
    origin: str = "grid"         # "grid" | "scenario" | the candidate file


def load_siting_types(scenario) -> dict[str, SitingType]:
    """``[siting] types`` of a scenario (empty when the scenario has no ``[siting]``)."""
    root = scenario.root()
    if not root.has("siting"):
        return {}
    t = root.table("siting")
    t.check_keys(("types",))
    out: dict[str, SitingType] = {}
    for e in t.tables("types", []):
        e.check_keys(TYPE_KEYS)
        tid = e.str("type")
        if tid not in scenario.radar_types:
            raise e.fail("type", tid, "unknown radar type: expected one of " + ", ".join(scenario.radar_types))
        if tid in out:
            raise e.fail("type", tid, "listed twice in [siting] types")
        rtype = scenario.radar_types[tid]
        if not rtype.is_primary:
            raise e.fail("type", tid, "a secondary radar cannot see a drug flight (transponder off): expected a "
                         "primary radar type")
        secondary = None
        if e.has("secondary_type"):
            sid = e.str("secondary_type")
            if sid not in scenario.radar_types or scenario.radar_types[sid].is_primary:
                raise e.fail("secondary_type", sid, "expected a secondary (SSR) radar type of [[radar.types]]")
            secondary = scenario.radar_types[sid]
        owner = e.str("owner", "FAP", choices=tuple(OWNERS))
        up = down = math.nan
        if e.has("mean_up_days") or e.has("mean_down_days"):
            up = e.float("mean_up_days", max=36500, min_exclusive=0, what="days")
            down = e.float("mean_down_days", max=36500, min_exclusive=0, what="days")
            availability = up / (up + down)
        else:
            availability = e.float("availability", max=1, min_exclusive=0)
        src, conf = e.provenance()
        out[tid] = SitingType(
            type=rtype, secondary=secondary, owner=OWNERS[owner], owner_label=owner,
            antenna_agl_m=e.float("antenna_agl_m", max=1000, min=0, what="metres above ground"),
            availability=availability, mean_up_days=up, mean_down_days=down,
            unit_cost_musd=e.float("unit_cost_musd", max=100_000, min_exclusive=0, what="US$ millions"),
            sustainment_musd_per_year=e.float("sustainment_musd_per_year", 0.0, max=100_000, min=0,
                                              what="US$ millions a year"),
            source=src, confidence=conf)
    return out


def read_candidates(path) -> list[Candidate]:
    """Candidate sites of a ``[[candidates]]`` TOML file (ids unique, positions on Earth)."""
    raw = read_toml(path, what="a candidate-site TOML file ([[candidates]] id, lat, lon)")
    root = Table(raw, str(path))
    root.check_keys(("candidates",))
    out, seen = [], set()
    for t in root.tables("candidates"):
        t.check_keys(CANDIDATE_KEYS)
        cid = t.str("id")
        if not ID_PATTERN.match(cid):
            raise t.fail("id", cid, "expected 1-64 letters, digits, '_' or '-'")
        if cid in seen:
            raise t.fail("id", cid, "duplicate candidate id")
        seen.add(cid)
        out.append(Candidate(
            id=cid, lat_deg=t.float("lat", max=90, min=-90, what="degrees"),
            lon_deg=t.float("lon", max=180, min=-180, what="degrees"),
            ground_m=t.float("ground_elevation_m", math.nan, max=9000, min=-500, what="metres MSL")
            if t.has("ground_elevation_m") else math.nan,
            antenna_agl_m=t.float("antenna_agl_m", max=1000, min=0, what="metres above ground")
            if t.has("antenna_agl_m") else math.nan,
            origin=str(path)))
    if not out:
        raise InputError(f"{path}: no [[candidates]]: expected at least one candidate site (id, lat, lon)")
    return out
