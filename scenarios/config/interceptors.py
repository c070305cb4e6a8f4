"""Interceptor types, bases, detachments, options and engagement constants (frozen, validated once).

Read from the scenario's ``[[interceptors]]``, ``[interceptor_additions]``, ``[basing]``,
``[alert]``, ``[identification]``, ``[procurement]``, ``[procedure]``, ``[engagement]`` and
``[[options]]`` (``reference/domain.md`` sec. 3-5 explain the values).  SI units inside:
speeds m/s, distances m, times s, costs US$.

Choices made here (documented knobs, not tuned):

* **Intercept radius on a common basis:** ``[interceptor_additions].<type>.intercept_radius_km``
  (two tanks, subsonic cruise, 10 min low, 20 min reserve); falls back to ``combat_radius_km``.
  Endurance likewise from the additions, falling back to the type's ``endurance_h``.
* **Own-sensor acquisition range** against a small low target: the radar's look-down range
  (``radar_detect_1m2_lookdown_km``) and, for types with an ``eo_ir`` or ``irst`` entry, the
  EO/IR ranges of ``[identification]`` (day 8 km, night 3 km).  Day range = max(radar, EO/IR
  day), night = max(radar, EO/IR night).  Types with neither have range 0 ("none").
* **EO/IR for identification at night:** only types with ``eo_ir`` or ``irst``
  (``naked_eye_night_id_possible = false``).
* **Sortie availability:** in-service types (with ``fleet_total``) use
  ``sortie_availability_current_fleet`` (0.45), candidates ``..._new_fleet`` (0.7); an
  ``[interceptor_additions].<type>.sortie_availability`` overrides.
* **Alert postures:** ``qra``, ``fighter_alert``, ``fighter_standby``,
  ``turboprop_strip_alert`` -> ``[alert]`` ``<posture>_airborne_min`` (or ``..._min_peru``).
  The first ``alert_pair`` (2) ready aircraft of a detachment hold the posture; the others are
  on standby (``fighter_standby_airborne_min``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from radar.errors import InputError
from scenarios.config.schema import Table

KMH = 1.0 / 3.6
POSTURES = ("qra", "fighter_alert", "fighter_standby", "turboprop_strip_alert")


@dataclass(frozen=True)
class InterceptorType:
    """One aircraft type (SI units).

    max_speed_mps / cruise_mps / min_escort_mps: speeds (m/s); guidance uses cruise TAS,
        identification uses min_escort (the slowest comfortable shadowing speed).
    climb_mps: climb rate (m/s).  endurance_s: sortie endurance (s).
    intercept_radius_m: radius on the common basis (m).
    acq_day_m / acq_night_m: own-sensor acquisition range against a small low target (m), 0 = none.
    acq_radar_m: the radar's look-down part of it (m).  has_eoir: EO/IR usable for night ID.
    sortie_availability: probability that an assigned aircraft is flyable on a given day.
    runway_min_m: runway the type needs (m).  cpfh_usd: cost per flight hour.
    unit_cost_usd / package_cost_usd: flyaway and package cost per aircraft.
    """

    id: str
    name: str
    max_speed_mps: float
    cruise_mps: float
    min_escort_mps: float
    climb_mps: float
    endurance_s: float
    intercept_radius_m: float
    acq_radar_m: float
    acq_day_m: float
    acq_night_m: float
    has_eoir: bool
    sortie_availability: float
    runway_min_m: float
    cpfh_usd: float
    unit_cost_usd: float
    package_cost_usd: float
    in_service: bool
    source: str = "unspecified"
    confidence: str = "unspecified"


@dataclass(frozen=True)
class Base:
    """A base or airport able to host a detachment (``[basing]`` bases and airports)."""

    id: str
    name: str
    lat_deg: float
    lon_deg: float
    elevation_m: float
    runway_m: float  # NaN when unknown
    enabled: bool = True


@dataclass(frozen=True)
class Detachment:
    """``aircraft`` of ``type`` at ``base`` holding ``alert`` posture.

    alert_delay_s: order -> airborne for the alert pair; standby_delay_s: for the others.
    """

    type: InterceptorType
    base: Base
    aircraft: int
    alert: str
    alert_delay_s: float
    standby_delay_s: float


@dataclass(frozen=True)
class Option:
    """An interceptor option: a named, non-empty list of detachments."""

    id: str
    detachments: tuple[Detachment, ...]

    @property
    def aircraft(self) -> int:
        return sum(d.aircraft for d in self.detachments)

    def describe(self) -> str:
        return "; ".join(f"{d.aircraft} x {d.type.id} at {d.base.id} ({d.alert})" for d in self.detachments)


@dataclass(frozen=True)
class EngagementParams:
    """Engagement constants (SI).

    classify_s: a track without a planned Mode 3/A code for this long becomes suspect.
    decision_delay_s: command decision, suspect -> scramble order.
    turnaround_s: aircraft unavailable for this long after landing.
    search_after_track_age_s: own-sensor search once the latest track update is older than this.
    reserve_s: bingo reserve (time home + reserve must fit in the endurance).
    phase_i_s / phase_ii_s: Law 30339 Phase I (approach to station) and II (read registration).
    alert_pair: aircraft per detachment that hold the alert posture.
    association_radius_m: truth association gate (after the fact only).
    search_sigma_factor / search_drift_factor: A = pi (k_s sigma + k_d v_t dt)^2.
    abort_persist_s: in flight, an infeasible PIP (outrun or beyond bingo) aborts the sortie
        only after persisting this long (one noisy track update does not).
    retask_min_m: smallest gate for retasking an airborne interceptor from a stale track to a
        new suspect track near its dead-reckoned position (the gate grows with the search area).
    plan_match_m / plan_velocity_tolerance: a track matches a filed flight plan within this horizontal
        distance of the plan's position, its velocity within this fraction of the plan's speed (+ 20 m/s)
        of the plan's (:mod:`tracker.plans`; placeholders).
    """

    classify_s: float = 300.0
    decision_delay_s: float = 300.0
    turnaround_s: float = 7200.0
    search_after_track_age_s: float = 60.0
    reserve_s: float = 1200.0
    phase_i_s: float = 180.0
    phase_ii_s: float = 180.0
    alert_pair: int = 2
    association_radius_m: float = 2000.0
    search_sigma_factor: float = 3.0
    search_drift_factor: float = 0.5
    abort_persist_s: float = 60.0
    retask_min_m: float = 10_000.0
    plan_match_m: float = 5000.0  # tracker.plans.PLAN_MATCH_M
    plan_velocity_tolerance: float = 0.3  # tracker.plans.PLAN_VELOCITY_TOLERANCE


@dataclass(frozen=True)
class InterceptorConfig:
    types: dict[str, InterceptorType]
    bases: dict[str, Base]
    options: dict[str, Option]
    params: EngagementParams
    postures_s: dict[str, float]
    budget_buys: dict = None  # type id -> aircraft the fighter budget buys ([procurement].what_3_5b_buys)

    def select(self, ids: list[str] | tuple[str, ...] | None, file: str = "--options") -> list[Option]:
        """Options by id (None or empty = all, in file order); unknown id -> InputError."""
        if not ids:
            return list(self.options.values())
        out = []
        for oid in ids:
            if oid not in self.options:
                raise InputError(f"{file}: option {oid!r} is unknown: expected one of {', '.join(self.options)}")
            out.append(self.options[oid])
        return out


# ------------------------------------------------------------------------------------------
def load_interceptor_config(scenario) -> InterceptorConfig:
    """Build the interceptor configuration of a loaded :class:`scenarios.config.Scenario`."""
    root = scenario.root()
    return build_interceptor_config(root)


#: keys each table reads, and the dossier values kept there for reference (not read by the model)
INTERCEPTOR_KEYS = ("id", "name", "cruise_tas_kmh", "max_speed_kmh", "min_escort_kmh", "endurance_h", "intercept_radius_km",
                    "combat_radius_km", "radar_detect_1m2_lookdown_km", "eo_ir", "irst", "fleet_total",
                    "sortie_availability", "climb_m_s", "runway_min_m", "cpfh_usd", "unit_flyaway_musd",
                    "package_musd_per_aircraft")
INTERCEPTOR_DOC = ("status", "max_mach", "approach_speed_kmh", "service_ceiling_m", "intercept_radius_km_with_tanks",
                   "ferry_range_km", "radar", "gun", "missiles", "cpfh_usd_recent_estimate", "delivery_months",
                   "stall_kmh", "range_km", "fleet_available_est", "base")
BASE_KEYS, BASE_DOC = ("id", "name", "lat", "lon", "elevation_m", "runway_m", "enabled"), ("units", "aircraft")
ENGAGEMENT_KEYS = ("classify_s", "command_decision_delay_min", "turnaround_h", "search_after_track_age_s",
                   "bingo_reserve_min", "alert_pair", "association_radius_km", "search_sigma_factor",
                   "search_drift_factor", "abort_persist_s", "retask_min_km")
ENGAGEMENT_DOC = ("guidance", "search_acquisition", "escort_penalty", "night", "outcome_precedence")
PROCEDURE_DOC = ("law", "regulation", "executing_command", "recording_required", "lethal_force_allowed_national",
                 "lethal_force_allowed_with_us_support")
PHASE_DOC = ("seq", "name", "station_distance_m", "requires_declaration_hostile", "authorisation_delay_min",
             "heliborne_response_h")
#: most aircraft of one detachment or one purchase
MAX_AIRCRAFT = 1000


def build_interceptor_config(root: Table) -> InterceptorConfig:
    ident = root.table("identification") if root.has("identification") else Table({}, root.file, "identification")
    ident.check_keys(("eo_ir_id_range_km_day", "eo_ir_id_range_km_night", "naked_eye_night_id_possible"),
                     ("visual_id_registration_range_m",))
    if ident.bool("naked_eye_night_id_possible", False):
        raise ident.fail("naked_eye_night_id_possible", True, "only false is modelled (night identification needs "
                         "an eo_ir or irst fit)")
    alert = root.table("alert")
    postures = _postures(alert)
    types = _types(root, ident, alert)
    bases = _bases(root)
    params = _params(root)
    options = _options(root, types, bases, postures, params)
    return InterceptorConfig(types=types, bases=bases, options=options, params=params, postures_s=postures,
                             budget_buys=_budget_buys(root, types))


def _budget_buys(root: Table, types) -> dict:
    """``[procurement].what_3_5b_buys``: aircraft the fighter budget buys, per type id."""
    if not root.has("procurement"):
        return {}
    proc = root.table("procurement")
    # fighter_program, subsonic_program: the programmes as reported (documentation)
    proc.check_keys(("what_3_5b_buys",), ("fighter_program", "subsonic_program"))
    out = {}
    for t in proc.tables("what_3_5b_buys", []):
        t.check_keys(("option", "aircraft"), ("basis",))
        tid = t.str("option")
        if tid not in types:
            raise t.fail("option", tid, "unknown aircraft type: expected one of " + ", ".join(types))
        out[tid] = t.int("aircraft", min=1, max=MAX_AIRCRAFT)
    return out


def _postures(alert: Table) -> dict[str, float]:
    known = ["sortie_availability_current_fleet", "sortie_availability_new_fleet"]
    known += [f"{p}_airborne_min{peru}" for p in POSTURES for peru in ("", "_peru")]
    # user-defined postures: any other '<name>_airborne_min' key
    alert.check_keys(known + [k for k in alert.data if str(k).endswith("_airborne_min")], ("detachment_setup_h",))
    out = {}
    for p in POSTURES:
        key = f"{p}_airborne_min"
        if not alert.has(key) and alert.has(key + "_peru"):
            key = key + "_peru"
        out[p] = 60.0 * alert.float(key, min=0, max=1440, what="minutes from order to airborne")
    for key in alert.data:
        if key.endswith("_airborne_min") and key[: -len("_airborne_min")] not in out:
            out[key[: -len("_airborne_min")]] = 60.0 * alert.float(key, min=0, max=1440,
                                                                   what="minutes from order to airborne")
    return out


def _types(root: Table, ident: Table, alert: Table) -> dict[str, InterceptorType]:
    additions = root.table("interceptor_additions") if root.has("interceptor_additions") else None
    eo_day = 1000.0 * ident.float("eo_ir_id_range_km_day", 8.0, min=0, max=100, what="km")
    eo_night = 1000.0 * ident.float("eo_ir_id_range_km_night", 3.0, min=0, max=100, what="km")
    avail_current = alert.float("sortie_availability_current_fleet", 0.45, min=0, max=1)
    avail_new = alert.float("sortie_availability_new_fleet", 0.7, min=0, max=1)
    types: dict[str, InterceptorType] = {}
    for t in root.tables("interceptors"):
        tid = t.str("id")
        if tid in types:
            raise t.fail("id", tid, "duplicate interceptor type id")
        add = {}
        if additions is not None and tid in additions.data:
            add = additions.data[tid]
            if not isinstance(add, dict):
                raise additions.fail(tid, add, "must be an inline table such as { endurance_h = 2.0, intercept_radius_km = 750 }")
        defaults = (eo_day, eo_night, avail_current, avail_new)
        types[tid] = _interceptor_type(Table({**t.data, **add}, t.file, t.path), *defaults)
        if any(k in t.data for k in add):  # the values the additions replace must be valid too
            _interceptor_type(Table({**add, **t.data}, t.file, t.path), *defaults)
    if not types:
        raise root.fail("interceptors", [], "must define at least one interceptor type")
    if additions is not None:
        additions.check_keys(types)
    return types


def _interceptor_type(t: Table, eo_day: float, eo_night: float, avail_current: float, avail_new: float) -> InterceptorType:
    """One ``[[interceptors]]`` entry (with its ``[interceptor_additions]``) -> :class:`InterceptorType`."""
    t.check_keys(INTERCEPTOR_KEYS, INTERCEPTOR_DOC)
    data = t.data
    tid = t.str("id")
    src, conf = t.provenance()
    cruise = t.float("cruise_tas_kmh", min_exclusive=0, max=4000, what="km/h") * KMH
    vmax = t.float("max_speed_kmh", min_exclusive=0, max=4000, what="km/h") * KMH
    escort = t.float("min_escort_kmh", min_exclusive=0, max=4000, what="km/h") * KMH
    if cruise > vmax:
        raise t.fail("cruise_tas_kmh", data["cruise_tas_kmh"], f"must be <= max_speed_kmh ({data['max_speed_kmh']})")
    if not t.has("endurance_h"):
        raise InputError(f"{t.file}: {t.key('endurance_h')} is missing: give endurance_h in [[interceptors]] or "
                         "[interceptor_additions]")
    endurance = 3600.0 * t.float("endurance_h", min_exclusive=0, max=48, what="hours")
    if t.has("combat_radius_km") or not t.has("intercept_radius_km"):
        radius = 1000.0 * t.float("combat_radius_km", min_exclusive=0, max=5000, what="km")
    if t.has("intercept_radius_km"):  # the common basis wins over combat_radius_km
        radius = 1000.0 * t.float("intercept_radius_km", min_exclusive=0, max=5000, what="km")
    radar = 1000.0 * t.float("radar_detect_1m2_lookdown_km", 0.0, min=0, max=500, what="km")
    has_eoir = bool(t.str("eo_ir", None)) or bool(t.str("irst", None))  # descriptions of the EO/IR or IRST fit
    in_service = t.has("fleet_total")
    if in_service:
        t.int("fleet_total", min=0, max=MAX_AIRCRAFT)
    availability = t.float("sortie_availability", avail_current if in_service else avail_new, min=0, max=1)
    return InterceptorType(
        id=tid, name=t.str("name", tid), max_speed_mps=vmax, cruise_mps=cruise, min_escort_mps=escort,
        climb_mps=t.float("climb_m_s", min_exclusive=0, max=400, what="m/s"), endurance_s=endurance,
        intercept_radius_m=radius, acq_radar_m=radar,
        acq_day_m=max(radar, eo_day if has_eoir else 0.0), acq_night_m=max(radar, eo_night if has_eoir else 0.0),
        has_eoir=has_eoir, sortie_availability=availability,
        runway_min_m=t.float("runway_min_m", 0.0, min=0, max=10_000, what="metres"),
        cpfh_usd=t.float("cpfh_usd", min=0, max=1e6, what="US$ per flight hour"),
        unit_cost_usd=1e6 * _optional(t, "unit_flyaway_musd", 10_000, "million US$"),
        package_cost_usd=1e6 * _optional(t, "package_musd_per_aircraft", 10_000, "million US$"),
        in_service=in_service, source=src, confidence=conf)


def _optional(t: Table, key: str, max: float, what: str, positive: bool = False) -> float:
    """A non-negative (or positive) number up to ``max``, NaN when absent."""
    if not t.has(key):
        return math.nan
    return t.float(key, min_exclusive=0, max=max, what=what) if positive else t.float(key, min=0, max=max, what=what)


def _bases(root: Table) -> dict[str, Base]:
    basing = root.table("basing")
    basing.check_keys(("bases", "airports"))
    bases: dict[str, Base] = {}
    for key in ("bases", "airports"):
        for t in basing.tables(key, []):
            t.check_keys(BASE_KEYS, BASE_DOC)
            bid = t.str("id")
            if bid in bases:
                raise t.fail("id", bid, "duplicate base or airport id")
            bases[bid] = Base(id=bid, name=t.str("name", bid), lat_deg=t.float("lat", min=-90, max=90),
                              lon_deg=t.float("lon", min=-180, max=180),
                              elevation_m=t.float("elevation_m", 0.0, min=-500, max=9000, what="metres"),
                              runway_m=_optional(t, "runway_m", 10_000, "metres", positive=True),
                              enabled=t.bool("enabled", True))
    return bases


def _params(root: Table) -> EngagementParams:
    e = root.table("engagement") if root.has("engagement") else Table({}, root.file, "engagement")
    e.check_keys(ENGAGEMENT_KEYS, ENGAGEMENT_DOC)
    phases = {}
    if root.has("procedure"):
        proc = root.table("procedure")
        proc.check_keys(("phases",), PROCEDURE_DOC)
        for p in proc.tables("phases", []):
            p.check_keys(("id", "duration_min"), PHASE_DOC)
            if p.has("duration_min"):
                phases[p.str("id")] = 60.0 * p.float("duration_min", min=0, max=1440, what="minutes")
    d = EngagementParams()
    return EngagementParams(
        classify_s=e.float("classify_s", d.classify_s, min=0, max=86400, what="seconds"),
        decision_delay_s=60.0 * e.float("command_decision_delay_min", d.decision_delay_s / 60, min=0, max=1440,
                                        what="minutes"),
        turnaround_s=3600.0 * e.float("turnaround_h", d.turnaround_s / 3600, min=0, max=240, what="hours"),
        search_after_track_age_s=e.float("search_after_track_age_s", d.search_after_track_age_s, min=0, max=86400,
                                         what="seconds"),
        reserve_s=60.0 * e.float("bingo_reserve_min", d.reserve_s / 60, min=0, max=1440, what="minutes"),
        phase_i_s=phases.get("phase_I_approach", d.phase_i_s),
        phase_ii_s=phases.get("phase_II_identify", d.phase_ii_s),
        alert_pair=e.int("alert_pair", d.alert_pair, min=0, max=MAX_AIRCRAFT),
        association_radius_m=1000.0 * e.float("association_radius_km", d.association_radius_m / 1000, min_exclusive=0,
                                              max=1000, what="km"),
        search_sigma_factor=e.float("search_sigma_factor", d.search_sigma_factor, min_exclusive=0, max=100),
        search_drift_factor=e.float("search_drift_factor", d.search_drift_factor, min=0, max=100),
        abort_persist_s=e.float("abort_persist_s", d.abort_persist_s, min=0, max=86400, what="seconds"),
        retask_min_m=1000.0 * e.float("retask_min_km", d.retask_min_m / 1000, min=0, max=1000, what="km"),
        plan_match_m=1000.0 * e.float("flight_plan_match_km", d.plan_match_m / 1000, min=0, max=1000, what="km"),
        plan_velocity_tolerance=e.float("flight_plan_velocity_tolerance", d.plan_velocity_tolerance, min=0, max=100),
    )


def _options(root: Table, types, bases, postures, params) -> dict[str, Option]:
    options: dict[str, Option] = {}
    if not root.has("options"):
        return options
    for t in root.tables("options"):
        t.check_keys(("id", "detachments"))
        options_id = t.str("id")
        if options_id in options:
            raise t.fail("id", options_id, "duplicate option id")
        options[options_id] = build_option(t, types, bases, postures)
    return options


def build_option(t: Table, types, bases, postures) -> Option:
    """One ``[[options]]`` entry -> :class:`Option` (every field validated)."""
    oid = t.str("id")
    dets = t.tables("detachments", None) if t.has("detachments") else []
    if not dets:
        raise t.fail("detachments", t.data.get("detachments", []), "must list at least one detachment {type, base, aircraft, alert}")
    out = []
    for d in dets:
        d.check_keys(("type", "base", "aircraft", "alert"))
        tid = d.str("type")
        if tid not in types:
            raise d.fail("type", tid, "unknown aircraft type: expected one of " + ", ".join(types))
        bid = d.str("base")
        if bid not in bases:
            raise d.fail("base", bid, "unknown base: expected a base id or airport code of [basing]")
        base = bases[bid]
        if not base.enabled:
            raise d.fail("base", bid, "this base is disabled in [basing] (enabled = false)")
        posture = d.str("alert", choices=tuple(postures))
        n = d.int("aircraft", min=1, max=MAX_AIRCRAFT)
        typ = types[tid]
        if math.isfinite(base.runway_m) and base.runway_m < typ.runway_min_m:
            raise d.fail("base", bid, f"runway {base.runway_m:.0f} m is shorter than the {tid}'s {typ.runway_min_m:.0f} m")
        standby = max(postures.get("fighter_standby", postures[posture]), postures[posture])
        out.append(Detachment(type=typ, base=base, aircraft=n, alert=posture, alert_delay_s=postures[posture],
                              standby_delay_s=standby))
    return Option(id=oid, detachments=tuple(out))
