"""Interceptor types, bases, detachments, options and engagement constants (frozen, validated once).

Read from the scenario's ``[[interceptors]]``, ``[interceptor_additions]``,
``[[interceptor_sensors]]``, ``[[pods]]``, ``[airborne_sensors]``, ``[alert_depth]``, ``[basing]``,
``[alert]``, ``[identification]``, ``[procurement]``, ``[procedure]``, ``[engagement]`` and
``[[options]]`` (``reference/domain.md`` sec. 3-5 explain the values).  SI units inside:
speeds m/s, distances m, times s, costs US$.

Choices made here (documented knobs, not tuned):

* **Intercept radius on a common basis:** ``[interceptor_additions].<type>.intercept_radius_km``
  (two tanks, subsonic cruise, 10 min low, 20 min reserve); falls back to ``combat_radius_km``.
  Endurance likewise from the additions, falling back to the type's ``endurance_h``.
* **Own sensors** (played against the true target by the engagement kernel): the look-down
  radar's range on the reference RCS (``radar_detect_1m2_lookdown_km``), scaled by
  ``[airborne_sensors].low_level_clutter_factor`` and the target's RCS^(1/4), Swerling 1 per
  dwell; an IRST (``[[interceptor_sensors]].irst_detect_km``) cues day and night but never
  identifies; an EO/IR turret (``eo_ir = "turret"``, ranges of ``[identification]``) or a
  targeting pod (``[[pods]]``) identifies by day and by night; eyes detect by day within
  ``visual_detect_km_day`` and identify at ``visual_id_registration_range_m`` (the Phase I
  station).  A pod is an attribute of a detachment (``pod = "<id>"`` or ``"none"``; default
  the type's fit) with its cost; a pod on a type that cannot carry one is refused.
* **Night identification** only by a pod or turret (``naked_eye_night_id_possible = false``).
* **Sortie availability:** in-service types (with ``fleet_total``) use
  ``sortie_availability_current_fleet`` (0.45), candidates ``..._new_fleet`` (0.7); an
  ``[interceptor_additions].<type>.sortie_availability`` overrides.
* **Alert postures:** ``qra``, ``fighter_alert``, ``fighter_standby``,
  ``turboprop_strip_alert`` -> ``[alert]`` ``<posture>_airborne_min`` (or ``..._min_peru``).
* **Alert depth** (``[alert_depth]``): a detachment holds ``alert_seats`` =
  ``alert_pair x max(1, floor(crews / (alert_pair x crews_per_alert_seat)))`` aircraft at its
  posture (never more than are ready that day); crews = aircraft x ``crews_per_aircraft``
  (per type in ``[interceptor_additions]``) unless the detachment gives ``crews``.  A seat
  vacated by a launch is refilled after the standby delay; other ready aircraft launch at
  the standby delay.  Turnaround per type (``[interceptor_additions].<type>.turnaround_h``),
  else ``[engagement].turnaround_h``.
* **End-game window:** Phases III, III-A, IV, Phase V's authorisation delay and V of
  ``[procedure]`` (30 min in the data).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from radar.errors import InputError
from scenarios.config.schema import Table

KMH = 1.0 / 3.6
POSTURES = ("qra", "fighter_alert", "fighter_standby", "turboprop_strip_alert")


@dataclass(frozen=True)
class Pod:
    """A targeting pod (``[[pods]]``): identification ranges (m) by day and night, cost per pod (US$)."""

    id: str
    name: str
    id_day_m: float
    id_night_m: float
    unit_cost_usd: float
    source: str = "unspecified"
    confidence: str = "unspecified"


@dataclass(frozen=True)
class InterceptorType:
    """One aircraft type (SI units).

    max_speed_mps / cruise_mps / min_escort_mps: speeds (m/s); guidance uses cruise TAS,
        identification uses min_escort (the slowest comfortable shadowing speed).
    climb_mps: climb rate (m/s).  endurance_s: sortie endurance (s).
    intercept_radius_m: radius on the common basis (m).
    radar_m: look-down detection range on the reference RCS (m, before the clutter factor), 0 = no radar.
    irst_m: IRST detection range on a small low target (m), 0 = none (cues, never identifies).
    eo_ir: the type's EO/IR fit, "pod" | "turret" | "none"; pod: the fitted pod (None without).
    eo_id_day_m / eo_id_night_m: a turret's identification ranges (m); pods carry their own.
    pod_capable: can carry a targeting pod.  pod_in_package: the fitted pod's cost is in the package.
    sortie_availability: probability that an assigned aircraft is flyable on a given day.
    crews_per_aircraft: crews a detachment of this type has per aircraft (alert depth).
    turnaround_s: after landing, unavailable for this long (NaN: the scenario's turnaround).
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
    radar_m: float
    irst_m: float
    eo_ir: str
    pod: Pod | None
    eo_id_day_m: float
    eo_id_night_m: float
    pod_capable: bool
    pod_in_package: bool
    sortie_availability: float
    crews_per_aircraft: float
    turnaround_s: float
    runway_min_m: float
    cpfh_usd: float
    unit_cost_usd: float
    package_cost_usd: float
    in_service: bool
    source: str = "unspecified"
    confidence: str = "unspecified"
    sensor_source: str = "unspecified"
    sensor_confidence: str = "unspecified"
    #: the type's name in reports ("F-16 Block 70"; ``short_name`` in the data, else the name without a note in
    #: parentheses)
    short_name: str = ""

    @property
    def display_name(self) -> str:
        return self.short_name or _without_note(self.name) or self.id


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
    short_name: str = ""  # the base's name in reports (``short_name`` in the data; see :attr:`display_name`)

    @property
    def display_name(self) -> str:
        """"La Joya" for ``la_joya``, "Atalaya" for ``SPAY`` (an airport code: its name up to a note)."""
        if self.short_name:
            return self.short_name
        if self.id.islower() or not self.id.isalnum():  # a base id such as la_joya, puerto_maldonado
            return " ".join(w[:1].upper() + w[1:] for w in self.id.replace("-", "_").split("_") if w)
        return _without_note(self.name) or self.id


@dataclass(frozen=True)
class Detachment:
    """``aircraft`` of ``type`` at ``base`` holding ``alert`` posture.

    alert_delay_s: order -> airborne from an alert seat; standby_delay_s: for the other ready
    aircraft, and the time to refill a vacated alert seat.
    pod: the detachment's targeting pod (None: none); crews: crews of the detachment;
    alert_seats: aircraft it can hold at the posture round the clock (before today's readiness).
    """

    type: InterceptorType
    base: Base
    aircraft: int
    alert: str
    alert_delay_s: float
    standby_delay_s: float
    pod: Pod | None = None
    crews: int = 0
    alert_seats: int = 2

    @property
    def eo_ir(self) -> str:
        """The identifying EO/IR sensor: "pod", "turret" or "none"."""
        if self.pod is not None:
            return "pod"
        return "turret" if self.type.eo_ir == "turret" else "none"

    @property
    def id_range_m(self) -> tuple[float, float]:
        """EO/IR identification ranges (day, night) in m; (0, 0) without a pod or turret."""
        if self.pod is not None:
            return self.pod.id_day_m, self.pod.id_night_m
        if self.type.eo_ir == "turret":
            return self.type.eo_id_day_m, self.type.eo_id_night_m
        return 0.0, 0.0

    @property
    def pod_cost_usd(self) -> float:
        """Cost of the detachment's pods outside the aircraft package (one per aircraft)."""
        if self.pod is None or (self.type.pod_in_package and self.type.pod is self.pod):
            return 0.0
        return self.aircraft * self.pod.unit_cost_usd


@dataclass(frozen=True)
class Option:
    """An interceptor option: a named, non-empty list of detachments (``name``: its name in reports, from the
    data's ``name``; empty: :attr:`display_name` is made from the detachments)."""

    id: str
    detachments: tuple[Detachment, ...]
    name: str = ""

    @property
    def display_name(self) -> str:
        """What a planner calls the option: "F-16 Block 70, 12 at La Joya" (see :func:`option_display_name`)."""
        return self.name or option_display_name(self.detachments)

    @property
    def aircraft(self) -> int:
        return sum(d.aircraft for d in self.detachments)

    @property
    def pod_cost_usd(self) -> float:
        """Pods bought for this option beyond the aircraft packages (US$)."""
        return float(sum(d.pod_cost_usd for d in self.detachments))

    def describe_for_report(self) -> str:
        """The detachments in words: "10 F-16 Block 70 at La Joya (fighter alert, litening pod)"."""
        def sensor(d) -> str:
            if d.pod is not None:
                return f"{d.pod.id} pod"
            return "EO/IR turret" if d.type.eo_ir == "turret" else "no pod or turret: no night ID"

        return "; ".join(f"{d.aircraft} {d.type.display_name} at {d.base.display_name} "
                         f"({'QRA' if d.alert == 'qra' else d.alert.replace('_', ' ')}, {sensor(d)})"
                         for d in self.detachments)

    def describe(self) -> str:
        return "; ".join(f"{d.aircraft} x {d.type.id}{' + ' + d.pod.id if d.pod else ''} at {d.base.id} ({d.alert})"
                         for d in self.detachments)


def _without_note(name: str) -> str:
    """A name up to its first note: "Base Aerea Pucallpa (Cap. FAP ...)" -> "Base Aerea Pucallpa",
    "Atalaya (...) - planned FAP detachment" -> "Atalaya"; a leading "Base Aerea " is dropped."""
    text = str(name)
    for mark in (" (", " '", " - ", " / "):
        text = text.split(mark, 1)[0]
    text = text.strip()
    for prefix in ("Base Aerea ", "Base Aérea "):
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
    return text


#: postures named in display names (the others are each type's usual alert and go unsaid)
POSTURE_WORDS = {"qra": "on QRA", "fighter_standby": "on standby"}
def _and_join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def option_display_name(detachments) -> str:
    """A name made from an option's detachments (type, aircraft, base, posture when not the usual, pod when
    not the type's fit):

    * one type, one base: "F-16 Block 70, 12 at La Joya";
    * one type, the same number at several bases: "A-29 Super Tucano, 4 at each of Puerto Maldonado, Pucallpa
      and Atalaya";
    * one type otherwise: "Gripen E/F, 22 at La Joya + 2 on QRA at Puerto Maldonado";
    * several types: "Current fleet: 2 each of Mirage 2000P, MiG-29SMP, ..." when every type is in service and
      every detachment has the same number, else "2 Mirage 2000P at La Joya + 4 A-29 Super Tucano at ...".
    """
    dets = list(detachments)
    if not dets:
        return ""

    def where(d) -> str:
        posture = POSTURE_WORDS.get(d.alert)
        return f"{posture} at {d.base.display_name}" if posture else f"at {d.base.display_name}"

    def pod_note(d) -> str:
        if d.pod is d.type.pod:
            return ""
        return f" with {d.pod.name or d.pod.id}" if d.pod is not None else " without a pod"

    types = list(dict.fromkeys(d.type.id for d in dets))
    if len(types) == 1:
        t = dets[0].type
        pods = {pod_note(d) for d in dets}
        head = t.display_name + (pods.pop() if len(pods) == 1 else "")
        counts = {d.aircraft for d in dets}
        postures = {d.alert for d in dets}
        bases = list(dict.fromkeys(d.base.display_name for d in dets))
        if len(dets) > 1 and len(counts) == 1 and len(postures) == 1 and len(bases) == len(dets):
            posture = POSTURE_WORDS.get(dets[0].alert)
            return f"{head}, {dets[0].aircraft}{' ' + posture if posture else ''} at each of {_and_join(bases)}"
        parts = [f"{d.aircraft} {where(d)}" + ("" if len(pods) <= 1 else pod_note(d)) for d in dets]
        return f"{head}, " + " + ".join(parts)
    counts = {d.aircraft for d in dets}
    if all(d.type.in_service for d in dets) and len(counts) == 1 and len(types) == len(dets):
        return f"Current fleet: {dets[0].aircraft} each of " + ", ".join(d.type.display_name for d in dets)
    return " + ".join(f"{d.aircraft} {d.type.display_name}{pod_note(d)} {where(d)}" for d in dets)


@dataclass(frozen=True)
class EngagementParams:
    """Engagement constants (SI).

    classify_s: a track without a planned Mode 3/A code for this long becomes suspect.
    decision_delay_s: command decision, suspect -> scramble order.
    turnaround_s: aircraft unavailable for this long after landing (a type may give its own).
    search_after_track_age_s: a track whose latest observation is older than this is stale; on
        arrival at its dead-reckoned point the interceptor flies the search pattern.
    reserve_s: bingo reserve (time home + reserve must fit in the endurance).
    phase_i_s / phase_ii_s: Law 30339 Phase I (approach to station) and II (read registration).
    endgame_s: Phases III, III-A, IV, the authorisation delay and V after identification: the
        time an identified drug flight must stay with the interceptor over Peru for the whole
        procedure to be completed (the end-game window).
    alert_pair: aircraft per alert pair.  crews_per_alert_seat: crews that hold one alert seat
        round the clock.  crews_per_aircraft: default crews per aircraft of a detachment.
    association_radius_m: truth association gate (after the fact, and to know which real
        aircraft the interceptor can meet).
    search_sigma_factor / search_drift_factor: retask gate k_s (sigma_i + sigma_j) + k_d v dt.
    search_spacing_ranges: expanding-square track spacing in nominal sensor ranges.
    abort_persist_s: in flight, an infeasible PIP (outrun or beyond bingo) aborts the sortie
        only after persisting this long (one noisy track update does not).
    retask_min_m: smallest gate for retasking an airborne interceptor from a stale track to a
        new suspect track near its dead-reckoned position (the gate grows with the search area).
    plan_match_m / plan_velocity_tolerance: a track matches a filed flight plan within this horizontal
        distance of the plan's position, its velocity within this fraction of the plan's speed (+ 20 m/s)
        of the plan's (:mod:`tracker.plans`; placeholders).
    dwell_s: every interceptor sensor looks once per dwell (the kernel's time step).
    radar_ref_rcs_m2 / radar_pd_ref / radar_pfa: the look-down range is where a single dwell has
        Pd = radar_pd_ref on radar_ref_rcs_m2 at false-alarm probability radar_pfa (Swerling 1).
    clutter_factor: look-down range multiplier against a low, slow target.
    visual_detect_m: eyes' detection range by day.  visual_id_m: reading a registration by eye.
    """

    classify_s: float = 300.0
    decision_delay_s: float = 300.0
    turnaround_s: float = 7200.0
    search_after_track_age_s: float = 60.0
    reserve_s: float = 1200.0
    phase_i_s: float = 180.0
    phase_ii_s: float = 180.0
    endgame_s: float = 1800.0
    alert_pair: int = 2
    crews_per_alert_seat: float = 3.0
    crews_per_aircraft: float = 1.25
    association_radius_m: float = 2000.0
    search_sigma_factor: float = 3.0
    search_drift_factor: float = 0.5
    search_spacing_ranges: float = 2.0
    abort_persist_s: float = 60.0
    retask_min_m: float = 10_000.0
    plan_match_m: float = 5000.0  # tracker.plans.PLAN_MATCH_M
    plan_velocity_tolerance: float = 0.3  # tracker.plans.PLAN_VELOCITY_TOLERANCE
    dwell_s: float = 10.0
    radar_ref_rcs_m2: float = 1.0
    radar_pd_ref: float = 0.5
    radar_pfa: float = 1e-6
    clutter_factor: float = 0.8
    visual_detect_m: float = 5000.0
    visual_id_m: float = 300.0


@dataclass(frozen=True)
class InterceptorConfig:
    types: dict[str, InterceptorType]
    pods: dict[str, Pod]
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
INTERCEPTOR_KEYS = ("id", "name", "short_name", "cruise_tas_kmh", "max_speed_kmh", "min_escort_kmh", "endurance_h", "intercept_radius_km",
                    "combat_radius_km", "radar", "radar_detect_1m2_lookdown_km", "fleet_total", "sortie_availability",
                    "crews_per_aircraft", "turnaround_h", "climb_m_s", "runway_min_m", "cpfh_usd", "unit_flyaway_musd",
                    "package_musd_per_aircraft")
INTERCEPTOR_DOC = ("status", "max_mach", "approach_speed_kmh", "service_ceiling_m", "intercept_radius_km_with_tanks",
                   "ferry_range_km", "eo_ir", "irst", "gun", "missiles", "cpfh_usd_recent_estimate", "delivery_months",
                   "stall_kmh", "range_km", "fleet_available_est", "base")
ADDITION_KEYS = ("endurance_h", "intercept_radius_km", "sortie_availability", "crews_per_aircraft", "turnaround_h")
SENSOR_KEYS = ("type", "eo_ir", "pod", "pod_in_package", "pod_capable", "irst_detect_km")
EO_IR_KINDS = ("pod", "turret", "none")
POD_KEYS = ("id", "name", "id_range_km_day", "id_range_km_night", "unit_cost_musd")
BASE_KEYS, BASE_DOC = ("id", "name", "short_name", "lat", "lon", "elevation_m", "runway_m", "enabled"), ("units", "aircraft")
ENGAGEMENT_KEYS = ("classify_s", "command_decision_delay_min", "turnaround_h", "search_after_track_age_s",
                   "bingo_reserve_min", "association_radius_km", "search_sigma_factor", "search_drift_factor",
                   "search_spacing_ranges", "abort_persist_s", "retask_min_km", "flight_plan_match_km",
                   "flight_plan_velocity_tolerance")
ENGAGEMENT_DOC = ("guidance", "search_pattern", "contact", "search_acquisition", "escort_penalty", "night",
                  "outcome_precedence")
SENSORS_KEYS = ("dwell_s", "radar_reference_rcs_m2", "radar_pd_at_range", "radar_pfa", "low_level_clutter_factor",
                "visual_detect_km_day")
ALERT_DEPTH_KEYS = ("alert_pair", "crews_per_aircraft", "crews_per_alert_seat")
PROCEDURE_DOC = ("law", "regulation", "executing_command", "recording_required", "lethal_force_allowed_national",
                 "lethal_force_allowed_with_us_support")
PHASE_DOC = ("seq", "name", "station_distance_m", "requires_declaration_hostile", "heliborne_response_h")
#: the phases after identification whose durations make the end-game window (with Phase V's authorisation delay)
ENDGAME_PHASES = ("phase_III_breakaway_or_continue", "phase_IIIA_intervention", "phase_IV_persuasion",
                  "phase_V_neutralisation")
#: most aircraft of one detachment or one purchase
MAX_AIRCRAFT = 1000


def _optional_table(root: Table, name: str) -> Table:
    return root.table(name) if root.has(name) else Table({}, root.file, name)


def build_interceptor_config(root: Table) -> InterceptorConfig:
    ident = _optional_table(root, "identification")
    ident.check_keys(("eo_ir_id_range_km_day", "eo_ir_id_range_km_night", "naked_eye_night_id_possible",
                      "visual_id_registration_range_m"))
    if ident.bool("naked_eye_night_id_possible", False):
        raise ident.fail("naked_eye_night_id_possible", True, "only false is modelled (night identification needs "
                         "an EO/IR pod or turret)")
    alert = root.table("alert")
    postures = _postures(alert)
    params = _params(root)
    pods = _pods(root, ident)
    types = _types(root, ident, alert, pods, params)
    bases = _bases(root)
    options = _options(root, types, bases, postures, params, pods)
    return InterceptorConfig(types=types, pods=pods, bases=bases, options=options, params=params, postures_s=postures,
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


def _pods(root: Table, ident: Table) -> dict[str, Pod]:
    """``[[pods]]``: targeting pods (identification ranges default to ``[identification]``'s EO/IR ranges)."""
    day, night = _eo_ranges(ident)
    pods: dict[str, Pod] = {}
    for t in root.tables("pods", []):
        t.check_keys(POD_KEYS)
        pid = t.str("id")
        if pid in pods or pid == "none":
            raise t.fail("id", pid, "duplicate pod id" if pid in pods else "'none' is reserved (no pod)")
        src, conf = t.provenance()
        pods[pid] = Pod(id=pid, name=t.str("name", pid),
                        id_day_m=1000.0 * t.float("id_range_km_day", day / 1000.0, min_exclusive=0, max=100, what="km"),
                        id_night_m=1000.0 * t.float("id_range_km_night", night / 1000.0, min_exclusive=0, max=100,
                                                    what="km"),
                        unit_cost_usd=1e6 * t.float("unit_cost_musd", min=0, max=1000, what="million US$"),
                        source=src, confidence=conf)
    return pods


def _eo_ranges(ident: Table) -> tuple[float, float]:
    """EO/IR identification ranges (day, night) of ``[identification]`` (m): a range must be > 0."""
    return (1000.0 * ident.float("eo_ir_id_range_km_day", 8.0, min_exclusive=0, max=100, what="km"),
            1000.0 * ident.float("eo_ir_id_range_km_night", 3.0, min_exclusive=0, max=100, what="km"))


def _types(root: Table, ident: Table, alert: Table, pods, params) -> dict[str, InterceptorType]:
    additions = root.table("interceptor_additions") if root.has("interceptor_additions") else None
    eo_day, eo_night = _eo_ranges(ident)
    avail_current = alert.float("sortie_availability_current_fleet", 0.45, min=0, max=1)
    avail_new = alert.float("sortie_availability_new_fleet", 0.7, min=0, max=1)
    sensors: dict[str, Table] = {}
    for t in root.tables("interceptor_sensors", []):
        t.check_keys(SENSOR_KEYS)
        tid = t.str("type")
        if tid in sensors:
            raise t.fail("type", tid, "duplicate: one [[interceptor_sensors]] entry per type")
        sensors[tid] = t
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
            Table(add, additions.file, additions.key(tid)).check_keys(ADDITION_KEYS)
        defaults = (eo_day, eo_night, avail_current, avail_new, sensors.get(tid), pods, params)
        types[tid] = _interceptor_type(Table({**t.data, **add}, t.file, t.path), *defaults)
        if any(k in t.data for k in add):  # the values the additions replace must be valid too
            _interceptor_type(Table({**add, **t.data}, t.file, t.path), *defaults)
    if not types:
        raise root.fail("interceptors", [], "must define at least one interceptor type")
    if additions is not None:
        additions.check_keys(types)
    for tid, t in sensors.items():
        if tid not in types:
            raise t.fail("type", tid, "unknown aircraft type: expected one of " + ", ".join(types))
    return types


def _interceptor_type(t: Table, eo_day: float, eo_night: float, avail_current: float, avail_new: float,
                      sensors: Table | None, pods, params) -> InterceptorType:
    """One ``[[interceptors]]`` entry (with its ``[interceptor_additions]`` and ``[[interceptor_sensors]]``)."""
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
    # the radar: a look-down range > 0, or none (range 0 with radar = "none" or no radar named)
    no_radar = str(t.data.get("radar", "none")).strip().lower() in ("none", "")
    radar = 1000.0 * t.float("radar_detect_1m2_lookdown_km", 0.0, min=0 if no_radar else None,
                             min_exclusive=None if no_radar else 0, max=500, what="km")
    if no_radar and radar > 0:
        raise t.fail("radar_detect_1m2_lookdown_km", data["radar_detect_1m2_lookdown_km"],
                     "must be 0 when radar = \"none\"")
    in_service = t.has("fleet_total")
    if in_service:
        t.int("fleet_total", min=0, max=MAX_AIRCRAFT)
    availability = t.float("sortie_availability", avail_current if in_service else avail_new, min=0, max=1)
    s = sensors if sensors is not None else Table({}, t.file, f"interceptor_sensors[{tid}]")
    eo_ir = s.str("eo_ir", "none", choices=EO_IR_KINDS)
    pod_capable = s.bool("pod_capable", False)
    pod = None
    if s.has("pod"):
        pid = s.str("pod")
        if pid != "none":
            if pid not in pods:
                raise s.fail("pod", pid, "unknown pod: expected one of [[pods]] " + ", ".join(pods) + " or \"none\"")
            if not pod_capable:
                raise s.fail("pod", pid, f"the {tid} cannot carry a pod (pod_capable = false)")
            if eo_ir != "pod":
                raise s.fail("pod", pid, f"needs eo_ir = \"pod\" (it is {eo_ir!r})")
            pod = pods[pid]
    if eo_ir == "pod" and pod is None:
        raise s.fail("eo_ir", eo_ir, "names no pod: give pod = \"<id>\" of [[pods]]")
    irst = 1000.0 * s.float("irst_detect_km", min_exclusive=0, max=500, what="km") if s.has("irst_detect_km") else 0.0
    ssrc, sconf = s.provenance()
    return InterceptorType(
        id=tid, name=t.str("name", tid), short_name=t.str("short_name", ""), max_speed_mps=vmax, cruise_mps=cruise, min_escort_mps=escort,
        climb_mps=t.float("climb_m_s", min_exclusive=0, max=400, what="m/s"), endurance_s=endurance,
        intercept_radius_m=radius, radar_m=radar, irst_m=irst, eo_ir=eo_ir, pod=pod,
        eo_id_day_m=eo_day, eo_id_night_m=eo_night, pod_capable=pod_capable,
        pod_in_package=s.bool("pod_in_package", False) and pod is not None,
        sortie_availability=availability,
        crews_per_aircraft=t.float("crews_per_aircraft", params.crews_per_aircraft, min_exclusive=0, max=20,
                                   what="crews per aircraft"),
        turnaround_s=3600.0 * t.float("turnaround_h", min=0, max=240, what="hours") if t.has("turnaround_h") else math.nan,
        runway_min_m=t.float("runway_min_m", 0.0, min=0, max=10_000, what="metres"),
        cpfh_usd=t.float("cpfh_usd", min=0, max=1e6, what="US$ per flight hour"),
        unit_cost_usd=1e6 * _optional(t, "unit_flyaway_musd", 10_000, "million US$"),
        package_cost_usd=1e6 * _optional(t, "package_musd_per_aircraft", 10_000, "million US$"),
        in_service=in_service, source=src, confidence=conf, sensor_source=ssrc, sensor_confidence=sconf)


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
                              enabled=t.bool("enabled", True), short_name=t.str("short_name", ""))
    return bases


def _params(root: Table) -> EngagementParams:
    e = _optional_table(root, "engagement")
    e.check_keys(ENGAGEMENT_KEYS, ENGAGEMENT_DOC)
    sens = _optional_table(root, "airborne_sensors")
    sens.check_keys(SENSORS_KEYS)
    depth = _optional_table(root, "alert_depth")
    depth.check_keys(ALERT_DEPTH_KEYS)
    ident = _optional_table(root, "identification")
    phases = {}
    auth_s = 0.0
    if root.has("procedure"):
        proc = root.table("procedure")
        proc.check_keys(("phases",), PROCEDURE_DOC)
        for p in proc.tables("phases", []):
            p.check_keys(("id", "duration_min", "authorisation_delay_min"), PHASE_DOC)
            if p.has("duration_min"):
                phases[p.str("id")] = 60.0 * p.float("duration_min", min=0, max=1440, what="minutes")
            if p.has("authorisation_delay_min"):
                auth_s += 60.0 * p.float("authorisation_delay_min", min=0, max=1440, what="minutes")
    d = EngagementParams()
    endgame = sum(phases[k] for k in ENDGAME_PHASES if k in phases) + auth_s if phases else d.endgame_s
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
        endgame_s=endgame,
        alert_pair=depth.int("alert_pair", d.alert_pair, min=1, max=MAX_AIRCRAFT),
        crews_per_alert_seat=depth.float("crews_per_alert_seat", d.crews_per_alert_seat, min_exclusive=0, max=100,
                                         what="crews"),
        crews_per_aircraft=depth.float("crews_per_aircraft", d.crews_per_aircraft, min_exclusive=0, max=20,
                                       what="crews per aircraft"),
        association_radius_m=1000.0 * e.float("association_radius_km", d.association_radius_m / 1000, min_exclusive=0,
                                              max=1000, what="km"),
        search_sigma_factor=e.float("search_sigma_factor", d.search_sigma_factor, min_exclusive=0, max=100),
        search_drift_factor=e.float("search_drift_factor", d.search_drift_factor, min=0, max=100),
        search_spacing_ranges=e.float("search_spacing_ranges", d.search_spacing_ranges, min_exclusive=0, max=10,
                                      what="nominal sensor ranges"),
        abort_persist_s=e.float("abort_persist_s", d.abort_persist_s, min=0, max=86400, what="seconds"),
        retask_min_m=1000.0 * e.float("retask_min_km", d.retask_min_m / 1000, min=0, max=1000, what="km"),
        plan_match_m=1000.0 * e.float("flight_plan_match_km", d.plan_match_m / 1000, min=0, max=1000, what="km"),
        plan_velocity_tolerance=e.float("flight_plan_velocity_tolerance", d.plan_velocity_tolerance, min=0, max=100),
        dwell_s=sens.float("dwell_s", d.dwell_s, min=1, max=120, what="seconds"),
        radar_ref_rcs_m2=sens.float("radar_reference_rcs_m2", d.radar_ref_rcs_m2, min_exclusive=0, max=1000, what="m^2"),
        radar_pd_ref=sens.float("radar_pd_at_range", d.radar_pd_ref, min_exclusive=0, max=0.99),
        radar_pfa=sens.float("radar_pfa", d.radar_pfa, min_exclusive=0, max=0.1),
        clutter_factor=sens.float("low_level_clutter_factor", d.clutter_factor, min_exclusive=0, max=1),
        visual_detect_m=1000.0 * sens.float("visual_detect_km_day", d.visual_detect_m / 1000, min_exclusive=0, max=50,
                                            what="km"),
        visual_id_m=ident.float("visual_id_registration_range_m", d.visual_id_m, min_exclusive=0, max=10_000,
                                what="metres"),
    )


def _options(root: Table, types, bases, postures, params, pods) -> dict[str, Option]:
    options: dict[str, Option] = {}
    if not root.has("options"):
        return options
    for t in root.tables("options"):
        t.check_keys(("id", "detachments", "name"))
        options_id = t.str("id")
        if options_id in options:
            raise t.fail("id", options_id, "duplicate option id")
        options[options_id] = build_option(t, types, bases, postures, params, pods)
    return options


def alert_seats(crews: int, params: EngagementParams) -> int:
    """Aircraft a detachment with ``crews`` crews holds at its alert posture round the clock:
    ``alert_pair x max(1, floor(crews / (alert_pair x crews_per_alert_seat)))`` (at least one pair)."""
    pair = params.alert_pair
    return pair * max(1, int(math.floor(crews / (pair * params.crews_per_alert_seat) + 1e-9)))


def build_option(t: Table, types, bases, postures, params: EngagementParams | None = None, pods=None) -> Option:
    """One ``[[options]]`` entry -> :class:`Option` (every field validated)."""
    params = params or EngagementParams()
    pods = pods or {}
    dets = t.tables("detachments", None) if t.has("detachments") else []
    if not dets:
        raise t.fail("detachments", t.data.get("detachments", []), "must list at least one detachment {type, base, aircraft, alert}")
    out = []
    for d in dets:
        d.check_keys(("type", "base", "aircraft", "alert", "pod", "crews"))
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
        pod = typ.pod
        if d.has("pod"):
            pid = d.str("pod")
            if pid == "none":
                pod = None
            elif pid not in pods:
                raise d.fail("pod", pid, "unknown pod: expected one of [[pods]] " + ", ".join(pods) + " or \"none\"")
            elif not typ.pod_capable:
                raise d.fail("pod", pid, f"the {tid} cannot carry a pod (pod_capable = false in [[interceptor_sensors]])")
            else:
                pod = pods[pid]
        crews = d.int("crews", int(math.floor(n * typ.crews_per_aircraft + 1e-9)), min=1, max=100 * MAX_AIRCRAFT)
        standby = max(postures.get("fighter_standby", postures[posture]), postures[posture])
        out.append(Detachment(type=typ, base=base, aircraft=n, alert=posture, alert_delay_s=postures[posture],
                              standby_delay_s=standby, pod=pod, crews=crews, alert_seats=alert_seats(crews, params)))
    return Option(id=t.str("id"), detachments=tuple(out), name=t.str("name", "") if t.has("name") else "")
