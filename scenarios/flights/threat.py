"""Bolivia-origin drug flights: threat configuration and the daily flight generator (DESIGN §6).

Configuration (validated once, frozen): ``[threat]`` zones, ``[threat.traffic]`` (transponder
probability, formation sizes), ``[threat.profile]`` (times, ground time, AGL range, refuel
probability), ``[[threat.aircraft]]`` (speeds, ceiling, range, RCS via ``[radar] rcs``) and
``[threat_timing]`` (dawn/afternoon modes, formations per day, route ceiling margin).

A day (all draws from ``radar.rng.stream(seed, day, "threat")``):

1. ``n ~ Poisson(formations_per_day_mean)`` formations; size from ``formation_size_probs``.
2. Per formation, the tuple (departure zone, border gate, pickup zone, aircraft type, refuel) is
   drawn *jointly*: from the product of the zone weights, type shares and refuel probability,
   restricted to the combinations whose zone-centre distance fits the type's range (with cabin
   drums when the type has them): without refuel the round trip dep -> gate -> pickup -> gate ->
   dep, with refuel the longer of the two one-way trips.  Drawing from the restricted table is
   rejection sampling done exactly; the *effective* weights (marginals of the restricted table)
   are reported by :meth:`ThreatConfig.effective_weights`.  Points are then drawn uniformly in each
   zone's disc; a draw whose routed length exceeds the range or whose route cannot avoid terrain is
   rejected and redrawn (counted in :class:`ThreatDay`).
3. Each leg (dep -> gate, gate -> pickup, pickup -> gate, gate -> dep) is a great circle when the
   terrain under it stays below ``service_ceiling - route_ceiling_margin_m``; otherwise one, then two
   dog-leg points are searched (offsets across the track at 1/4, 1/2, 3/4 of the leg) and the
   shortest clear route is kept; no clear route with two dog-legs rejects the draw.
4. Terrain following at the drawn AGL ~ U(enroute_altitude_agl_m_low_range): the target height
   ``min(terrain + AGL, ceiling)`` (ramped from the strips at the climb / descent gradients) is
   lifted to its climb-limited upper envelope (slope <= climb_rate / speed ahead, <= descent_rate /
   speed behind), so the aircraft never dips below the target and never exceeds the ceiling.
5. Timing: ``dawn`` leaves Bolivia at depart_local_time +- timing_spread_h; ``afternoon`` crosses the
   outbound gate at outbound_over_madre_de_dios_local_time +- timing_spread_h.  Ground time
   ~ U(ground_time_min_range).  Formation members follow the leader at ``formation_trail_s``.
   Transponder on with probability ``transponder_on_probability`` per aircraft.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from radar.errors import InputError
from radar.rng import stream
from scenarios.config.schema import Table
from scenarios.flights.trajectory import (KIND_DRUG, PHASE_GROUND, PHASE_INBOUND, PHASE_OUTBOUND, FlightTable,
                                  TrajectoryBuilder, Trajectories, densify, path_length_m)

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

        Returns (combos list of index tuples, prior weights, feasible bool array).
        """
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


# ------------------------------------------------------------------------------------------
class TerrainSampler:
    """Terrain height (m MSL, sea clamped to 0) at points, from a :class:`radar.terrain.Dem`."""

    def __init__(self, dem, terrain_options=None):
        self.dem = dem
        self.surface = dem.masking_surface(terrain_options)
        self._z = np.ascontiguousarray(self.surface, dtype=np.float64)

    def __call__(self, lat_deg, lon_deg) -> np.ndarray:
        """Heights (m) at points (deg); shape of the broadcast inputs.  Speed: one Numba loop
        (:func:`radar._kernels.feeds.dem_sample`, the arithmetic of :meth:`radar.terrain.Dem.sample`)
        instead of a dozen NumPy temporaries and a copy of the grid per call."""
        from radar._kernels.feeds import dem_sample

        la, lo = np.broadcast_arrays(np.asarray(lat_deg, float), np.asarray(lon_deg, float))
        out = np.empty(la.shape)
        if not np.all(np.isfinite(la)) or not np.all(np.isfinite(lo)):
            v = self.dem.sample(la, lo, grid=self.surface)
            return np.nan_to_num(np.asarray(v, float), nan=0.0)
        d = self.dem
        dem_sample(self._z, float(d.lat[0]), float(d.dlat), float(d.lon[0]), float(d.dlon),
                   np.ascontiguousarray(la).reshape(-1), np.ascontiguousarray(lo).reshape(-1), out.reshape(-1))
        return out


def _offset_point(lat1, lon1, lat2, lon2, frac, offset_m):
    """Point at fraction ``frac`` along the great circle 1->2, moved ``offset_m`` to its right (deg)."""
    from scenarios.flights.trajectory import _gc_interp, _gc_rad

    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    d = _gc_rad(p1, l1, p2, l2)
    la, lo = _gc_interp(p1, l1, p2, l2, d, np.array([frac]))
    la, lo = float(la[0]), float(lo[0])
    # bearing of the track at that point, then 90 deg to the right
    brg = math.atan2(math.sin(l2 - lo) * math.cos(p2), math.cos(la) * math.sin(p2) - math.sin(la) * math.cos(p2) * math.cos(l2 - lo))
    az = brg + math.pi / 2
    dd = offset_m / EARTH_R
    la2 = math.asin(math.sin(la) * math.cos(dd) + math.cos(la) * math.sin(dd) * math.cos(az))
    lo2 = lo + math.atan2(math.sin(az) * math.sin(dd) * math.cos(la), math.cos(dd) - math.sin(la) * math.sin(la2))
    return math.degrees(la2), math.degrees(lo2)


class Router:
    """Great-circle legs with up to two dog-legs so that terrain stays below a limit."""

    FRACTIONS = (0.25, 0.5, 0.75)
    OFFSETS_M = (30e3, 60e3, 100e3, 150e3, 220e3, 300e3)

    def __init__(self, terrain: TerrainSampler, sample_m: float = 2000.0):
        self.terrain = terrain
        self.sample_m = sample_m

    def max_terrain(self, lat1, lon1, lat2, lon2, skip_m: float = 0.0) -> float:
        """Highest terrain (m) along the great circle, sampled every <= ``sample_m``, ignoring the first and
        last ``skip_m``.  One Numba kernel (:func:`scenarios.flights._kernels.max_terrain_gc`);
        :meth:`max_terrain_numpy` is its oracle."""
        from scenarios.flights._kernels import max_terrain_gc

        t = self.terrain
        d = t.dem
        if not all(math.isfinite(v) for v in (lat1, lon1, lat2, lon2)):
            return self.max_terrain_numpy(lat1, lon1, lat2, lon2, skip_m)
        return float(max_terrain_gc(float(lat1), float(lon1), float(lat2), float(lon2), float(self.sample_m),
                                    float(skip_m), t._z, float(d.lat[0]), float(d.dlat), float(d.lon[0]),
                                    float(d.dlon)))

    def max_terrain_numpy(self, lat1, lon1, lat2, lon2, skip_m: float = 0.0) -> float:
        la, lo, _ = densify([lat1, lat2], [lon1, lon2], self.sample_m)
        h = self.terrain(la, lo)
        if skip_m > 0:
            s = path_length_m(la, lo)
            keep = (s >= skip_m) & (s <= s[-1] - skip_m)
            h = h[keep] if np.any(keep) else h[:0]
        return float(h.max()) if h.size else -math.inf

    def route(self, lat1, lon1, lat2, lon2, limit_m: float):
        """Waypoints [(lat, lon), ...] from 1 to 2 (2 to 4 points) or None if no clear route."""
        ok = lambda a, b: self.max_terrain(a[0], a[1], b[0], b[1]) <= limit_m
        A, B = (lat1, lon1), (lat2, lon2)
        if self.max_terrain(lat1, lon1, lat2, lon2) <= limit_m:
            return [A, B]
        cands = []
        for f in self.FRACTIONS:
            for off in self.OFFSETS_M:
                for sign in (1, -1):
                    cands.append(_offset_point(lat1, lon1, lat2, lon2, f, sign * off))
        best, best_len = None, math.inf
        first = [ok(A, P) for P in cands]
        last = [ok(P, B) for P in cands]
        for n, P in enumerate(cands):
            if first[n] and last[n]:
                L = _gc_m(*A, *P) + _gc_m(*P, *B)
                if L < best_len:
                    best, best_len = [A, P, B], L
        if best is not None:
            return best
        for n, P in enumerate(cands):
            if not first[n]:
                continue
            for m, Q in enumerate(cands):
                if not last[m] or m == n:
                    continue
                L = _gc_m(*A, *P) + _gc_m(*P, *Q) + _gc_m(*Q, *B)
                if L < best_len and ok(P, Q):
                    best, best_len = [A, P, Q, B], L
        return best


def climb_limited_profile(s_m, terrain_m, agl_m, ceiling_m, climb_grad, descent_grad, h_start, h_end,
                          min_clearance_m: float = 50.0):
    """Heights along a path (s: distance, m) that stay >= the target and within the slope limits.

    target = min(terrain + AGL, ceiling), ramped from the end points: min(target, h_start + climb_grad s,
    h_end + descent_grad (L - s)), and at least terrain + min_clearance_m between the end points;
    result = its upper envelope with slopes <= climb_grad ahead and
    <= descent_grad behind (backward then forward pass), end points on the ground."""
    s = np.asarray(s_m, float)
    ter = np.asarray(terrain_m, float)
    target = np.minimum(ter + agl_m, ceiling_m)
    target = np.minimum(target, np.minimum(h_start + climb_grad * s, h_end + descent_grad * (s[-1] - s)))
    # never below the terrain + a minimum clearance between the strips (where the terrain around a strip
    # rises faster than the climb gradient this wins, and the first / last segment is steeper)
    floor = np.minimum(ter + min_clearance_m, ceiling_m)
    floor[0] = h_start
    floor[-1] = h_end
    target = np.maximum(target, floor)
    from radar._kernels.feeds import slope_envelope

    h = np.ascontiguousarray(target, dtype=np.float64).copy()
    ds = np.ascontiguousarray(np.diff(s))
    # backward pass: climb early enough for what lies ahead; forward pass: descend no faster than allowed
    # (speed: one Numba loop instead of two Python loops over every point)
    slope_envelope(h, ds, float(climb_grad), float(descent_grad))
    h[0] = h_start
    h[-1] = h_end
    return h, target


@dataclass
class ThreatDay:
    """The day's drug flights: trajectories, metadata and draw counters."""

    trajectories: Trajectories
    flights: FlightTable
    formations: int = 0
    rejected_range: int = 0
    rejected_terrain: int = 0
    notes: list = field(default_factory=list)


def _disc_point(rng, z: Zone):
    r = z.radius_m * math.sqrt(rng.random())
    az = 2 * math.pi * rng.random()
    p, l = math.radians(z.lat_deg), math.radians(z.lon_deg)
    d = r / EARTH_R
    p2 = math.asin(math.sin(p) * math.cos(d) + math.cos(p) * math.sin(d) * math.cos(az))
    l2 = l + math.atan2(math.sin(az) * math.sin(d) * math.cos(p), math.cos(d) - math.sin(p) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def generate_drug_flights(cfg: ThreatConfig, terrain: TerrainSampler, seed: int, day: int,
                          max_attempts: int = 50, first_uid: int = 0) -> ThreatDay:
    """Drug flights of ``day`` (depends on (seed, day) only)."""
    rng = stream(seed, day, "threat")
    combos, prior, feas = cfg.joint_table()
    p = np.where(feas, prior, 0.0)
    p = p / p.sum()
    deps, gates, picks = cfg.zones_of("departure"), cfg.zones_of("corridor"), cfg.zones_of("pickup")
    router = Router(terrain, cfg.route_sample_m)
    n_form = int(rng.poisson(cfg.formations_per_day))
    builder = TrajectoryBuilder()
    rows = []
    out = ThreatDay(trajectories=None, flights=None, formations=n_form)  # type: ignore[arg-type]
    midnight = day * 86400.0
    try:
        from radar.geo import inside_peru
    except Exception:  # pragma: no cover - geo data missing
        inside_peru = None
    for fi in range(n_form):
        size = int(rng.choice(cfg.formation_sizes, p=cfg.formation_probs))
        mode = cfg.modes[int(rng.choice(len(cfg.modes), p=[w for _, w in cfg.modes]))][0]
        plan = None
        for _attempt in range(max_attempts):
            ci = int(rng.choice(len(combos), p=p))
            i, j, k, m, refuel = combos[ci]
            ac = cfg.aircraft[m]
            dep, gate, pick = deps[i], gates[j], picks[k]
            D, G1, P, G2 = _disc_point(rng, dep), _disc_point(rng, gate), _disc_point(rng, pick), _disc_point(rng, gate)
            agl = float(rng.uniform(*cfg.agl_m))
            limit = ac.service_ceiling_m - cfg.route_ceiling_margin_m
            legs_in = [router.route(*D, *G1, limit), router.route(*G1, *P, limit)]
            legs_out = [router.route(*P, *G2, limit), router.route(*G2, *D, limit)]
            if any(leg is None for leg in legs_in + legs_out):
                out.rejected_terrain += 1
                continue
            path_in = legs_in[0] + legs_in[1][1:]
            path_out = legs_out[0] + legs_out[1][1:]
            len_in = path_length_m([q[0] for q in path_in], [q[1] for q in path_in])[-1]
            len_out = path_length_m([q[0] for q in path_out], [q[1] for q in path_out])[-1]
            reach = max(ac.range_m, ac.range_drums_m)
            if (max(len_in, len_out) if refuel else len_in + len_out) > reach:
                out.rejected_range += 1
                continue
            plan = (dep, gate, pick, ac, refuel, path_in, path_out, agl,
                    len(path_in) - 3 + len(path_out) - 3, len(legs_in[0]) - 1, len(legs_out[0]) - 1)
            break
        if plan is None:
            out.notes.append(f"formation {fi}: no feasible draw in {max_attempts} attempts; skipped")
            continue
        dep, gate, pick, ac, refuel, path_in, path_out, agl, dog, gi_in, gi_out = plan
        v = ac.low_level_tas_mps
        prof_in = _leg_profile(path_in, gi_in, terrain, agl, ac, cfg, v)
        prof_out = _leg_profile(path_out, gi_out, terrain, agl, ac, cfg, v)
        ground = float(rng.uniform(*cfg.ground_time_s))
        dt_in = prof_in[3][-1] / v
        dt_out = prof_out[3][-1] / v
        jitter = float(rng.uniform(-cfg.timing_spread_s, cfg.timing_spread_s))
        t_gate_out_rel = prof_out[4] / v  # time from take-off to the gate on the way out
        if mode == "dawn":
            t_dep = midnight + cfg.depart_s + jitter
        else:
            t_dep = midnight + cfg.outbound_gate_s + jitter - t_gate_out_rel - ground - dt_in
        # the members fly the same path: where it enters and leaves Peru is found once per formation
        border = _border_indices(inside_peru, prof_in[0], prof_in[1], prof_out[0], prof_out[1])
        for member in range(size):
            t0 = t_dep + member * cfg.formation_trail_s
            t_land = t0 + dt_in
            t_to = t_land + ground
            t_end = t_to + dt_out
            la_i, lo_i, h_i, s_i, _ = prof_in
            la_o, lo_o, h_o, s_o, _ = prof_out
            t = np.concatenate([t0 + s_i / v, t_to + s_o / v])
            lat = np.concatenate([la_i, la_o])
            lon = np.concatenate([lo_i, lo_o])
            h = np.concatenate([h_i, h_o])
            ph = np.concatenate([np.full(len(s_i), PHASE_INBOUND), np.full(len(s_o), PHASE_OUTBOUND)])
            ph[len(s_i) - 1] = PHASE_GROUND  # the segment from landing to take-off
            builder.add(t, lat, lon, h, ph)
            xpdr = bool(rng.random() < cfg.transponder_on_probability)
            tb_in, tb_out = _border_times(border, t0 + s_i / v, t_to + s_o / v, t0 + prof_in[4] / v,
                                          t_to + t_gate_out_rel)
            rows.append(dict(
                id=f"d{day}-f{fi}-a{member}", kind=KIND_DRUG, aircraft=ac.id, formation=fi, departure_zone=dep.id,
                gate_in=gate.id, pickup_zone=pick.id, gate_out=gate.id, refuel=refuel, transponder_on=xpdr,
                squawk=cfg.transponder_squawk if xpdr else -1, flight_plan_filed=False, agl_m=agl,
                cruise_msl_m=math.nan, speed_mps=v, rcs_m2=ac.rcs_m2, t_depart=t0, t_border_in=tb_in, t_land=t_land,
                t_takeoff=t_to, t_border_out=tb_out, t_end=t_end, timing_mode=mode, dog_legs=dog))
    out.trajectories = builder.build()
    out.flights = FlightTable.from_rows(rows)
    return out


def _leg_profile(path, gate_index, terrain: TerrainSampler, agl, ac: AircraftType, cfg: ThreatConfig, v):
    """Densified path (lat, lon), heights (m MSL), cumulative distance (m) and the distance to the gate point."""
    la, lo, leg = densify([q[0] for q in path], [q[1] for q in path], cfg.route_sample_m)
    s = path_length_m(la, lo)
    ter = terrain(la, lo)
    ceiling = ac.service_ceiling_m
    h, _ = climb_limited_profile(s, ter, agl, ceiling, cfg.climb_rate_mps / v, cfg.descent_rate_mps / v,
                                 float(ter[0]), float(ter[-1]))
    gate = path[gate_index]
    d = (la - gate[0]) ** 2 + ((lo - gate[1]) * math.cos(math.radians(gate[0]))) ** 2
    gate_s = float(s[int(np.argmin(d))])
    return la, lo, h, s, gate_s


def _border_indices(inside_peru, la_i, lo_i, la_o, lo_o, chunk: int = 64):
    """(index of the first inbound point inside Peru, index of the last outbound point inside Peru),
    -1 when none (Natural Earth outline); None when the outline is unavailable.

    Speed: the point-in-polygon test (matplotlib, ~8 us per point on the 2,400-vertex outline) runs on
    chunks of ``chunk`` points from the start (inbound) or the end (outbound) and stops at the first
    chunk with a point inside: the same indices as testing every point."""
    if inside_peru is None:
        return None
    la_i, lo_i, la_o, lo_o = (np.asarray(a, float) for a in (la_i, lo_i, la_o, lo_o))
    box = _peru_box()
    first = -1
    # candidates: points inside the outline's bounding box (the others are outside), in path order
    cand = np.nonzero(_in_box(box, la_i, lo_i))[0]
    for a in range(0, cand.size, chunk):
        c = cand[a:a + chunk]
        ins = np.asarray(inside_peru(la_i[c], lo_i[c]), bool)
        if ins.any():
            first = int(c[int(np.argmax(ins))])
            break
    last = -1
    cand = np.nonzero(_in_box(box, la_o, lo_o))[0]
    for b in range(cand.size, 0, -chunk):
        c = cand[max(0, b - chunk):b]
        ins = np.asarray(inside_peru(la_o[c], lo_o[c]), bool)
        if ins.any():
            last = int(c[c.size - 1 - int(np.argmax(ins[::-1]))])
            break
    return first, last


_PERU_BOX: list = []


def _peru_box():
    """(lat_min, lat_max, lon_min, lon_max) of the Peru outline (deg), or None if unavailable."""
    if not _PERU_BOX:
        try:
            from radar.geo import polygons

            pts = np.concatenate([np.asarray(ring, float).reshape(-1, 2) for poly in polygons("Peru") for ring in poly])
            _PERU_BOX.append((float(pts[:, 1].min()), float(pts[:, 1].max()), float(pts[:, 0].min()),
                              float(pts[:, 0].max())))
        except Exception:  # pragma: no cover - outline missing: test every point
            _PERU_BOX.append(None)
    return _PERU_BOX[0]


def _in_box(box, lat, lon) -> np.ndarray:
    """Points that may be inside the outline: inside its bounding box, edges included (all if no box)."""
    if box is None:
        return np.ones(np.shape(lat), bool)
    return (lat >= box[0]) & (lat <= box[1]) & (lon >= box[2]) & (lon <= box[3])


def _border_times(border, t_i, t_o, t_gate_in, t_gate_out):
    """First time inside Peru inbound, last time inside Peru outbound (``border`` from
    :func:`_border_indices`); the gate times when the outline is unavailable or the path never enters Peru."""
    if border is None:
        return t_gate_in, t_gate_out
    first, last = border
    tb_in = float(t_i[first]) if first >= 0 else t_gate_in
    tb_out = float(t_o[last]) if last >= 0 else t_gate_out
    return tb_in, tb_out
