"""Threat configuration: the ``[threat]`` sections of a scenario -> :class:`ThreatConfig` (validated once).

``[threat]`` zones, ``[threat.traffic]`` (transponder probability, formation sizes),
``[threat.profile]`` (times, ground time, AGL range, refuel probability), ``[[threat.aircraft]]``
(speeds, ceiling, range, RCS via ``[radar] rcs``) and ``[threat_timing]`` (dawn/afternoon timing
modes, formations per day, route ceiling margin).  The joint draw table of a formation (zones x
gate x pickup x aircraft x refuel, restricted to what fits a range) is a method of the config:
:meth:`ThreatConfig.joint_table`; the daily generator is :mod:`scenarios.flights.threat`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radar.errors import InputError
from scenarios.config.schema import Table

KMH = 1.0 / 3.6
ZONE_KINDS = ("departure", "pickup", "corridor")
EARTH_R = 6371008.8


@dataclass(frozen=True)
class Zone:
    """A threat zone: a disc (centre deg, radius m) with a weight within its kind."""

    id: str
    kind: str
    lat_deg: float
    lon_deg: float
    radius_m: float
    weight: float


@dataclass(frozen=True)
class AircraftType:
    """A drug-flight aircraft type (SI units)."""

    id: str
    share: float
    cruise_tas_mps: float
    low_level_tas_mps: float
    service_ceiling_m: float
    range_m: float
    range_drums_m: float
    rcs_m2: float


@dataclass(frozen=True)
class ThreatConfig:
    """Validated threat model (SI units; times of day in seconds after local midnight)."""

    zones: tuple[Zone, ...]
    aircraft: tuple[AircraftType, ...]
    formations_per_day: float = 3.0
    formation_sizes: tuple[int, ...] = (1, 2, 4)
    formation_probs: tuple[float, ...] = (0.6, 0.3, 0.1)
    modes: tuple[tuple[str, float], ...] = (("dawn", 0.5), ("afternoon", 0.5))
    depart_s: float = 3 * 3600.0
    outbound_gate_s: float = 15 * 3600.0
    timing_spread_s: float = 3600.0
    ground_time_s: tuple[float, float] = (300.0, 720.0)
    agl_m: tuple[float, float] = (100.0, 600.0)
    refuel_probability: float = 0.5
    transponder_on_probability: float = 0.05
    transponder_squawk: int = 7000
    route_ceiling_margin_m: float = 300.0
    climb_rate_mps: float = 3.0
    descent_rate_mps: float = 4.0
    formation_trail_s: float = 60.0
    route_sample_m: float = 2000.0
    file: str = ""

    def zones_of(self, kind: str) -> tuple[Zone, ...]:
        return tuple(z for z in self.zones if z.kind == kind)

    def zone(self, zid: str) -> Zone:
        for z in self.zones:
            if z.id == zid:
                return z
        raise InputError(f"{self.file}: zone {zid!r} is unknown: expected one of {', '.join(z.id for z in self.zones)}")

    # -- joint draw table ----------------------------------------------------------------
    def joint_table(self):
        """All (dep, gate, pickup, type, refuel) combinations with prior weight and feasibility.

        Returns (combos list of index tuples, prior weights, feasible bool array): fresh copies of a table
        built once per configuration (speed: every simulated day draws from it).
        """
        cached = self.__dict__.get("_joint_table")
        if cached is None:
            cached = self._build_joint_table()
            self.__dict__["_joint_table"] = cached  # frozen dataclass: a cache, not a field
        combos, prior, feas = cached
        return list(combos), prior.copy(), feas.copy()

    def _build_joint_table(self):
        deps, gates, picks = self.zones_of("departure"), self.zones_of("corridor"), self.zones_of("pickup")
        combos, prior, feas = [], [], []
        wd = _normalise([z.weight for z in deps])
        wg = _normalise([z.weight for z in gates])
        wp = _normalise([z.weight for z in picks])
        wa = _normalise([a.share for a in self.aircraft])
        for i, d in enumerate(deps):
            for j, g in enumerate(gates):
                leg1 = _gc_m(d.lat_deg, d.lon_deg, g.lat_deg, g.lon_deg)
                for k, p in enumerate(picks):
                    one_way = leg1 + _gc_m(g.lat_deg, g.lon_deg, p.lat_deg, p.lon_deg)
                    for m, a in enumerate(self.aircraft):
                        reach = max(a.range_m, a.range_drums_m)
                        for refuel in (False, True):
                            need = one_way if refuel else 2.0 * one_way
                            pr = self.refuel_probability if refuel else 1.0 - self.refuel_probability
                            combos.append((i, j, k, m, refuel))
                            prior.append(wd[i] * wg[j] * wp[k] * wa[m] * pr)
                            feas.append(need <= reach)
        return combos, np.array(prior), np.array(feas, bool)

    def check_feasible(self):
        """:meth:`joint_table`, after checking that some combination with a positive weight fits a range."""
        combos, prior, feas = self.joint_table()
        if not np.any(feas & (prior > 0)):
            raise InputError(f"{self.file}: [threat]: no (departure, gate, pickup, aircraft, refuel) combination fits "
                             "any aircraft's range: expected at least one feasible combination")
        return combos, prior, feas

    def effective_weights(self) -> dict:
        """Marginal weights of zones, types and refuel after removing infeasible combinations.

        ``{"departure": {id: (nominal, effective)}, ..., "aircraft": {...}, "refuel": {...},
        "feasible_fraction": prior mass kept}``.
        """
        combos, prior, feas = self.check_feasible()
        post = np.where(feas, prior, 0.0)
        kept = post.sum()
        post = post / kept
        out = {"feasible_fraction": float(kept / prior.sum())}
        groups = [("departure", 0, self.zones_of("departure")), ("corridor", 1, self.zones_of("corridor")),
                  ("pickup", 2, self.zones_of("pickup"))]
        for name, pos, items in groups:
            nominal = _normalise([z.weight for z in items])
            out[name] = {z.id: (float(nominal[n]), float(sum(p for c, p in zip(combos, post) if c[pos] == n)))
                         for n, z in enumerate(items)}
        nominal = _normalise([a.share for a in self.aircraft])
        out["aircraft"] = {a.id: (float(nominal[n]), float(sum(p for c, p in zip(combos, post) if c[3] == n)))
                           for n, a in enumerate(self.aircraft)}
        out["refuel"] = {"yes": (self.refuel_probability, float(sum(p for c, p in zip(combos, post) if c[4])))}
        return out


def _normalise(w) -> np.ndarray:
    w = np.asarray(w, float)
    return w / w.sum()


def _gc_m(la1, lo1, la2, lo2) -> float:
    p1, p2 = math.radians(la1), math.radians(la2)
    s = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
    return 2 * EARTH_R * math.asin(min(1.0, math.sqrt(s)))


# ------------------------------------------------------------------------------------------
def _clock(t: Table, key: str, default: str) -> float:
    value = t.str(key, default)
    try:
        hh, mm = value.split(":")
        s = int(hh) * 3600 + int(mm) * 60
        if not (0 <= int(hh) < 24 and 0 <= int(mm) < 60):
            raise ValueError
    except ValueError:
        raise t.fail(key, value, "must be a local time HH:MM") from None
    return float(s)


def _pair(t: Table, key: str, default, lo: float, hi: float, what: str) -> tuple[float, float]:
    v = t.list(key, list(default))
    if (len(v) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v)
            or not (lo <= v[0] <= v[1] <= hi)):
        raise t.fail(key, v, f"must be [min, max] with {lo:g} <= min <= max <= {hi:g} ({what})")
    return float(v[0]), float(v[1])


def _rcs_table(scenario) -> dict[str, float]:
    radar = scenario.table("radar")
    out = {}
    if radar.has("rcs"):
        for t in radar.tables("rcs"):
            out[t.str("aircraft")] = t.float("rcs_s_band_m2", min_exclusive=0, max=1000, what="m^2")
    return out


#: keys each threat table reads, and the dossier values kept there for reference (not read by the model)
ZONE_KEYS, ZONE_DOC = ("id", "kind", "lat", "lon", "radius_km", "weight"), ("elevation_m_typical",)
AIRCRAFT_KEYS = ("id", "share", "low_level_tas_kmh", "cruise_tas_kmh", "service_ceiling_m", "range_km",
                 "range_km_with_cabin_drums", "rcs_id", "rcs_m2")
AIRCRAFT_DOC = ("name", "stall_kmh", "payload_kg", "payload_kg_max")
TRAFFIC_KEYS = ("formation_size_probs", "transponder_on_probability", "inbound_flights_per_day")
TRAFFIC_DOC = ("inbound_flights_per_day_range", "flights_per_year_detected", "flights_per_year_detected_range",
               "fraction_from_bolivia", "payload_kg_mean")
PROFILE_KEYS = ("depart_local_time", "outbound_over_madre_de_dios_local_time", "enroute_altitude_agl_m_low_range",
                "ground_time_min_range", "refuel_at_pickup_probability", "transponder_squawk", "climb_rate_mps",
                "descent_rate_mps", "formation_trail_s")
PROFILE_DOC = ("depart_window_h", "border_entry_local_time", "pickup_arrival_local_time", "ground_time_min",
               "enroute_altitude_agl_m_low", "transit_altitude_msl_m", "andes_crossing_altitude_msl_m", "night_fraction")
TIMING_KEYS = ("modes", "formations_per_day_mean", "route_ceiling_margin_m", "timing_spread_h")
TIMING_DOC = ("infeasible_combinations", "truth_output_interval_s")
#: largest formation (reported: singles, pairs, groups of 4-5)
MAX_FORMATION = 20


def load_threat(scenario) -> ThreatConfig:
    """Read and validate the threat sections of a scenario (:class:`scenarios.config.Scenario`)."""
    threat = scenario.table("threat")
    threat.check_keys(("zones", "aircraft", "traffic", "profile"))
    file = scenario.file
    zones = []
    seen = set()
    for t in threat.tables("zones"):
        t.check_keys(ZONE_KEYS, ZONE_DOC)
        zid = t.str("id")
        if zid in seen:
            raise t.fail("id", zid, "duplicate zone id")
        seen.add(zid)
        zones.append(Zone(zid, t.str("kind", choices=ZONE_KINDS), t.float("lat", min=-90, max=90, what="degrees"),
                          t.float("lon", min=-180, max=180, what="degrees"),
                          1000.0 * t.float("radius_km", min=0, max=1000, what="km"), t.float("weight", min=0, max=1)))
    for kind in ZONE_KINDS:
        ws = [z.weight for z in zones if z.kind == kind]
        if not ws or not (sum(ws) > 0):
            raise threat.fail("zones", f"<{kind} weights {ws}>",
                              f"the weights of the {kind} zones must sum to a positive number")
    rcs = _rcs_table(scenario)
    aircraft = []
    for t in threat.tables("aircraft") if threat.has("aircraft") else []:
        t.check_keys(AIRCRAFT_KEYS, AIRCRAFT_DOC)
        aid = t.str("id")
        low = t.float("low_level_tas_kmh", min_exclusive=0, max=1200, what="km/h") * KMH
        cruise = t.float("cruise_tas_kmh", min_exclusive=0, max=1200, what="km/h") * KMH
        ceiling = t.float("service_ceiling_m", min_exclusive=0, max=20_000, what="metres")
        rng = 1000.0 * t.float("range_km", min_exclusive=0, max=20_000, what="km")
        drums = 1000.0 * t.float("range_km_with_cabin_drums", rng / 1000.0, min_exclusive=0, max=20_000, what="km")
        rid = t.str("rcs_id", None)
        if t.has("rcs_m2"):
            sigma = t.float("rcs_m2", min_exclusive=0, max=1000, what="m^2")
        elif rid is not None:
            if rid not in rcs:
                raise t.fail("rcs_id", rid, "unknown: expected an aircraft of [radar] rcs: " + ", ".join(rcs))
            sigma = rcs[rid]
        else:
            sigma = 1.0
        aircraft.append(AircraftType(aid, t.float("share", min=0, max=1), cruise, low, ceiling, rng, drums, sigma))
    if not aircraft:
        raise threat.fail("aircraft", [], "must list at least one [[threat.aircraft]]")
    if not sum(a.share for a in aircraft) > 0:
        raise threat.fail("aircraft", [a.share for a in aircraft], "the shares must sum to a positive number")
    traffic = threat.table("traffic") if threat.has("traffic") else Table({}, file, "threat.traffic")
    profile = threat.table("profile") if threat.has("profile") else Table({}, file, "threat.profile")
    timing = scenario.table("threat_timing", {})
    traffic.check_keys(TRAFFIC_KEYS, TRAFFIC_DOC)
    profile.check_keys(PROFILE_KEYS, PROFILE_DOC)
    timing.check_keys(TIMING_KEYS, TIMING_DOC)
    sizes_raw = traffic.raw("formation_size_probs", {"1": 0.6, "2": 0.3, "4": 0.1})
    if not isinstance(sizes_raw, dict) or not sizes_raw:
        raise traffic.fail("formation_size_probs", sizes_raw, "must be a table {size = probability}")
    sizes, probs = [], []
    for k, v in sizes_raw.items():
        if (not str(k).isdecimal() or not 1 <= int(k) <= MAX_FORMATION or isinstance(v, bool)
                or not isinstance(v, (int, float)) or not 0 <= v <= 1):
            raise traffic.fail(f"formation_size_probs.{k}", v,
                               f"must map a size 1..{MAX_FORMATION} to a probability in [0, 1]")
        sizes.append(int(k))
        probs.append(float(v))
    if not sum(probs) > 0:
        raise traffic.fail("formation_size_probs", sizes_raw, "the probabilities must sum to a positive number")
    modes_raw = timing.raw("modes", {"dawn": 0.5, "afternoon": 0.5})
    if not isinstance(modes_raw, dict):
        raise timing.fail("modes", modes_raw, "must be a table {dawn = w, afternoon = w}")
    modes = []
    for k, v in modes_raw.items():
        if k not in ("dawn", "afternoon") or isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise timing.fail(f"modes.{k}", v, "must be dawn or afternoon with a weight in [0, 1]")
        modes.append((k, float(v)))
    if not sum(w for _, w in modes) > 0:
        raise timing.fail("modes", modes_raw, "the weights must sum to a positive number")
    agl = _pair(profile, "enroute_altitude_agl_m_low_range", (100, 600), 0.0, 5000.0, "metres above ground")
    if agl[0] <= 0:
        raise profile.fail("enroute_altitude_agl_m_low_range", list(agl), "must be > 0 (metres above ground)")
    margin = timing.float("route_ceiling_margin_m", 300.0, min=0, max=5000, what="metres")
    for a in aircraft:
        if a.service_ceiling_m - margin <= agl[0]:
            raise InputError(f"{file}: threat.aircraft {a.id}: service_ceiling_m = {a.service_ceiling_m:g} leaves no room "
                             f"for the lowest AGL {agl[0]:g} m under ceiling - route_ceiling_margin_m: impossible AGL")
    gt = _pair(profile, "ground_time_min_range", (5, 12), 0.0, 1440.0, "minutes")
    squawk = profile.int("transponder_squawk", 7000, min=0, max=7777)
    if any(c in "89" for c in f"{squawk:04d}"):
        raise profile.fail("transponder_squawk", squawk, "must be a Mode 3/A code (four octal digits 0-7)")
    cfg = ThreatConfig(
        zones=tuple(zones), aircraft=tuple(aircraft),
        formations_per_day=timing.float("formations_per_day_mean",
                                        traffic.float("inbound_flights_per_day", 3.0, min=0, max=1000),
                                        min=0, max=1000, what="formations per day"),
        formation_sizes=tuple(sizes), formation_probs=tuple(p / sum(probs) for p in probs),
        modes=tuple((k, w / sum(w for _, w in modes)) for k, w in modes),
        depart_s=_clock(profile, "depart_local_time", "03:00"),
        outbound_gate_s=_clock(profile, "outbound_over_madre_de_dios_local_time", "15:00"),
        timing_spread_s=3600.0 * timing.float("timing_spread_h", 1.0, min=0, max=12, what="hours"),
        ground_time_s=(60.0 * gt[0], 60.0 * gt[1]), agl_m=agl,
        refuel_probability=profile.float("refuel_at_pickup_probability", 0.5, min=0, max=1),
        transponder_on_probability=traffic.float("transponder_on_probability", 0.05, min=0, max=1),
        transponder_squawk=squawk,
        route_ceiling_margin_m=margin,
        climb_rate_mps=profile.float("climb_rate_mps", 3.0, min_exclusive=0, max=50, what="m/s"),
        descent_rate_mps=profile.float("descent_rate_mps", 4.0, min_exclusive=0, max=50, what="m/s"),
        formation_trail_s=profile.float("formation_trail_s", 60.0, min=0, max=3600, what="seconds"),
        file=file)
    cfg.check_feasible()
    return cfg


def check_dem_covers(cfg: ThreatConfig, dem, label: str = "--dem") -> None:
    """Every zone disc must lie inside the DEM (terrain following and routing need it)."""
    lat_min, lat_max, lon_min, lon_max = dem.bounds
    for z in cfg.zones:
        dlat = math.degrees(z.radius_m / EARTH_R)
        dlon = dlat / max(math.cos(math.radians(z.lat_deg)), 1e-3)
        if (z.lat_deg - dlat < lat_min or z.lat_deg + dlat > lat_max or z.lon_deg - dlon < lon_min
                or z.lon_deg + dlon > lon_max):
            raise InputError(f"{label}: the DEM (lat {lat_min:.2f}..{lat_max:.2f}, lon {lon_min:.2f}..{lon_max:.2f}) "
                             f"does not cover threat zone {z.id} at ({z.lat_deg}, {z.lon_deg}) radius "
                             f"{z.radius_m / 1000:g} km: expected a DEM that covers every zone")
