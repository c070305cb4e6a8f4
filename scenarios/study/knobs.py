"""The knobs of ``airbridge sensitivity``: which scenario values it swings, and how far.

A **knob** is one value of the scenario named by its dotted override path (the ``--set`` syntax of
:mod:`scenarios.config.overrides`, so the same paths, ids and validation apply), with a **low** and a
**high** value.  Where they come from:

* **stated**: ``PATH = [LOW, HIGH]`` in a study file's ``[sensitivity]`` table, or ``--knob PATH=[LOW, HIGH]``;
  two strings make a categorical knob (e.g. two DEM files for ``terrain.dem``).  A stated value the scenario's
  loaders refuse (outside its physical range, the wrong type) is one line and exit 2.
* **from the value's confidence** (the default; ``PATH = "confidence"`` or ``--knob PATH`` asks for it): the
  ``confidence`` of the entry that holds the value (the nearest enclosing table that has one; ``sourced`` when the
  key is listed in that table's ``sourced_fields``) sets a relative swing around the value -- :data:`RELATIVE`:
  placeholder ±50 %, approximate ±25 %, sourced ±10 %, none given ±50 % -- clipped to the loader's physical
  range (the bound in the loader's message when it refuses a value: ``availability <= 1``, ``weight >= 0``) and,
  when the data give ``KEY_range = [MIN, MAX]`` beside the value, to that range.  A value of 0 has no relative
  swing: state its range.
* **the built-in list** (:func:`default_specs`): the placeholder and approximate knobs a planner is asked about --
  radar availability and outage cycle of both TPS-70s, traffic volume and gate shares, transponder-on probability,
  RCS, look-down range, pod fit, cross-tell probability and delay, classification time, decision and alert delays,
  Phase I + II times, innocent traffic rate, and forest canopy on the terrain -- each ranged by its confidence,
  except the canopy (0 m in the data: [0, 25] m, the data's own note of a typical Amazon canopy) and the pod fit
  (categorical: no pod / the type's pod).  The look-down range, pod fit and alert delays are those of the aircraft
  and postures of the options the metrics are about (the chosen option and the baseline's top pair).

The terrain *source* (the DEM) is not in the built-in list: the embedded data name no DEM file (the embedded
ETOPO5 grid is the default) and no second DEM ships with the project, so there is nothing to swing to.  A
scenario that names one (``[terrain] dem = "a.npz"``) can swing it: ``"terrain.dem" = ["a.npz", "b.npz"]``.

Outage cycle: setting ``mean_down_days`` of a site that also gives ``availability`` keeps the availability and
changes the mean up/down cycle (``mean_up_days + mean_down_days``, split by the availability:
:func:`scenarios.config.scenario._availability`), so that knob swings the cycle length alone.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from radar.errors import InputError

#: relative half-width of the default range per confidence level ("unspecified": none given)
RELATIVE = {"placeholder": 0.50, "approximate": 0.25, "sourced": 0.10, "unspecified": 0.50}
#: a loader's bound in its message ("availability = 1.5: must be <= 1")
_BOUND = re.compile(r"must be (>=|<=|>|<) (-?[0-9.]+(?:e[-+]?[0-9]+)?)")


@dataclass(frozen=True)
class KnobSpec:
    """A knob before it is checked against the scenario: its path, optional name and label, a stated range
    (None: from the confidence), values moved with it (categorical knobs: ``(path, low value, high value)``), and
    where it came from (``origin``, for messages)."""

    path: str
    name: str = ""
    label: str = ""
    stated: tuple | None = None
    companions: tuple = ()
    origin: str = "built-in"
    note: str = ""


@dataclass(frozen=True)
class Knob:
    """A checked knob: ``low`` and ``high`` both load (the scenario's loaders accept them, with the study's own
    overrides), ``base`` is the scenario's value; ``rule`` says where the range comes from."""

    name: str
    label: str
    path: str
    base: Any
    low: Any
    high: Any
    confidence: str
    rule: str
    categorical: bool = False
    integer: bool = False
    companions: tuple = field(default=())

    def at(self, x: float) -> tuple[str, ...]:
        """The overrides (``KEY=VALUE`` texts) of the knob at ``x`` in [0, 1]: 0 = low, 1 = high; a number in
        between is interpolated, a categorical knob is low below 0.5 and high from 0.5."""
        from scenarios.config.overrides import toml_value

        if self.categorical:
            hi = x >= 0.5
            value = self.high if hi else self.low
            extra = tuple(f"{p}={toml_value(h if hi else lo)}" for p, lo, h in self.companions)
            return (f"{self.path}={toml_value(value)}",) + extra
        value = _tidy(self.low + x * (self.high - self.low))
        if self.integer:
            value = int(round(value))
        elif x in (0.0, 1.0):
            value = self.low if x == 0.0 else self.high
        return (f"{self.path}={toml_value(value)}",)

    def level(self, which: str) -> tuple[str, ...]:
        return self.at(0.0 if which == "low" else 1.0)

    def show(self, v: Any) -> str:
        from scenarios.config.overrides import short_value

        if isinstance(v, float):
            return f"{v:.4g}"
        if isinstance(v, str):
            return v if len(v) <= 40 else v[:37] + "..."
        return short_value(v)


# ------------------------------------------------------------------------------------------
# The built-in knobs
_GLOBAL = (
    ("pm_availability", "TPS-70 Puerto Maldonado availability", "radar.sites.fap_tps70_puerto_maldonado.availability"),
    ("pm_outage_cycle", "TPS-70 Puerto Maldonado outage cycle (mean down days, availability held)",
     "radar.sites.fap_tps70_puerto_maldonado.mean_down_days"),
    ("pucallpa_availability", "TPS-70 Pucallpa availability", "radar.sites.fap_tps70_pucallpa.availability"),
    ("pucallpa_outage_cycle", "TPS-70 Pucallpa outage cycle (mean down days, availability held)",
     "radar.sites.fap_tps70_pucallpa.mean_down_days"),
    ("traffic_volume", "drug formations per day", "threat_timing.formations_per_day_mean"),
    ("gate_madre_de_dios", "gate weight: Madre de Dios", "threat.zones.gate_madre_de_dios.weight"),
    ("gate_puno", "gate weight: Puno highlands", "threat.zones.gate_puno_highlands.weight"),
    ("transponder_on", "transponder-on probability (drug flights)", "threat.traffic.transponder_on_probability"),
    ("rcs_single_piston", "RCS of a single piston (S band, m²)", "radar.rcs.0.rcs_s_band_m2"),
    ("lookdown_clutter", "look-down clutter factor (every airborne radar)", "airborne_sensors.low_level_clutter_factor"),
    ("eo_id_range_day", "EO/IR identification range, day (pods, turrets)", "identification.eo_ir_id_range_km_day"),
    ("eo_id_range_night", "EO/IR identification range, night", "identification.eo_ir_id_range_km_night"),
    ("crosstell_probability", "cross-tell probability (civil -> FAP, non-integrated)",
     "radar.fusion.non_integrated.report_probability"),
    ("crosstell_delay", "cross-tell delay (s, non-integrated)", "radar.fusion.non_integrated.civil_to_military_latency_s"),
    ("classification_time", "classification time (s)", "engagement.classify_s"),
    ("decision_delay", "command decision delay (min)", "engagement.command_decision_delay_min"),
    ("phase_i", "Phase I time (min)", "procedure.phases.phase_I_approach.duration_min"),
    ("phase_ii", "Phase II time (min)", "procedure.phases.phase_II_identify.duration_min"),
    ("innocent_rate", "innocent traffic per day", "innocent_traffic.flights_per_day"),
)
#: the terrain knob: canopy height (the data's 0 m has no relative swing; 25 m is the data's typical canopy)
CANOPY = ("canopy", "forest canopy on the terrain (m)", "terrain.canopy_height_m", (0.0, 25.0),
          "stated in the built-in list: 0 m (the data) to 25 m (the data's note: typical Amazon canopy)")


def default_specs(scn, option_ids) -> list[KnobSpec]:
    """The built-in knobs for a study whose metrics are about the options ``option_ids``: the global ones, the
    alert delays of those options' postures (and the standby delay every detachment uses), the look-down range
    of their aircraft that carry a radar, and the pod fit of those that carry a pod."""
    from scenarios.config.interceptors import load_interceptor_config

    raw = scn.raw
    out = [KnobSpec(path, name, label) for name, label, path in _GLOBAL if _exists(raw, path)]
    name, label, path, stated, note = CANOPY
    if _exists(raw, path):
        out.append(KnobSpec(path, name, label, stated, note=note))
    icfg = load_interceptor_config(scn)
    options = icfg.select(list(option_ids))
    postures: list[str] = []
    types: list = []
    for opt in options:
        for d in opt.detachments:
            if d.alert not in postures:
                postures.append(d.alert)
            if d.type.id not in [t.id for t in types]:
                types.append(d.type)
    if "fighter_standby" not in postures:
        postures.append("fighter_standby")
    alert = raw.get("alert", {})
    for p in postures:
        key = f"{p}_airborne_min" if f"{p}_airborne_min" in alert else f"{p}_airborne_min_peru"
        if key in alert:
            what = "standby (second aircraft)" if p == "fighter_standby" else p.replace("_", " ")
            out.append(KnobSpec(f"alert.{key}", f"alert_{p}", f"alert delay: {what} (min)"))
    for t in types:
        if t.radar_m > 0 and _exists(raw, f"interceptors.{t.id}.radar_detect_1m2_lookdown_km"):
            out.append(KnobSpec(f"interceptors.{t.id}.radar_detect_1m2_lookdown_km", f"lookdown_{t.id}",
                                f"look-down range, {t.id} (km on 1 m²)"))
        sensors = f"interceptor_sensors.{t.id}"
        if t.pod is not None and _exists(raw, f"{sensors}.pod") and _exists(raw, f"{sensors}.eo_ir"):
            out.append(KnobSpec(f"{sensors}.pod", f"pod_{t.id}", f"pod fit, {t.id}",
                                ("none", t.pod.id), ((f"{sensors}.eo_ir", "none", "pod"),),
                                note=f"stated in the built-in list: no pod (eo_ir none) / the {t.pod.id} pod"))
    return out


def _exists(raw: dict, path: str) -> bool:
    from scenarios.config.overrides import lookup, parse_override

    try:
        lookup(raw, parse_override(f"{path}=0"))
    except InputError:
        return False
    return True


# ------------------------------------------------------------------------------------------
# Stated knobs: a study file's [sensitivity] table and --knob
def _label(origin: str, key: str, value) -> str:
    from scenarios.config.overrides import toml_value

    v = f" = {toml_value(value)}" if value is not None else ""
    return f"{origin} {key}{v}"


def _stated(value, where: str) -> tuple | None:
    """A stated range ``[LOW, HIGH]`` (two numbers, or two strings), or None for ``"confidence"``."""
    if isinstance(value, str) and value == "confidence":
        return None
    ok = isinstance(value, list) and len(value) == 2
    if ok and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        lo, hi = (float(v) if isinstance(v, float) else v for v in value)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise InputError(f"{where}: expected two finite numbers [LOW, HIGH]")
        if lo == hi:
            raise InputError(f"{where}: LOW = HIGH: expected two different values [LOW, HIGH]")
        return (lo, hi)
    if ok and all(isinstance(v, str) for v in value):
        if value[0] == value[1]:
            raise InputError(f"{where}: LOW = HIGH: expected two different values [LOW, HIGH]")
        return (value[0], value[1])
    raise InputError(f"{where}: expected [LOW, HIGH] (two numbers, or two strings for a categorical knob) or "
                     "\"confidence\" (the range from the value's confidence)")


def specs_from_table(table: dict, origin: str) -> tuple[list[KnobSpec], bool]:
    """The knobs of a study file's ``[sensitivity]`` table (``origin``: ``FILE: [sensitivity]``) and whether the
    built-in knobs are kept (``defaults = true``, the default).  Keys are dotted paths, quoted whole
    (``"radar.sites.X.availability" = [0.2, 0.9]``) or as TOML dotted keys; values ``[LOW, HIGH]`` or
    ``"confidence"``."""
    from scenarios.config.overrides import key_text, parse_override

    out: list[KnobSpec] = []
    defaults = True

    def walk(node: dict, prefix: tuple[str, ...]) -> None:
        nonlocal defaults
        for k, v in node.items():
            parts = (*prefix, *_split_key(k))
            key = ".".join(key_text(p) for p in parts)
            if not prefix and k == "defaults":
                if not isinstance(v, bool):
                    raise InputError(f"{_label(origin, 'defaults', v)}: expected true (the built-in knobs and "
                                     "these) or false (only these)")
                defaults = v
            elif isinstance(v, dict):
                if not v:
                    raise InputError(f"{_label(origin, key, None)} = {{}}: an empty table: expected "
                                     "PATH = [LOW, HIGH] lines")
                walk(v, parts)
            else:
                where = _label(origin, key, v)
                parse_override(f"{key}=0", origin)  # the key's syntax
                out.append(KnobSpec(key, stated=_stated(v, where), origin=origin))

    walk(table, ())
    return out, defaults


def _split_key(k: str) -> tuple[str, ...]:
    """A table key that is itself a quoted dotted path (``"a.b.c"``) -> its parts; other keys stay one part."""
    from scenarios.config.overrides import parse_override

    if "." not in k:
        return (k,)
    try:
        return parse_override(f"{k}=0").path
    except InputError:
        return (k,)


def spec_from_arg(text: str) -> KnobSpec:
    """``--knob PATH`` (range from the confidence) or ``--knob PATH=[LOW, HIGH]``."""
    from scenarios.config.overrides import parse_override

    if "=" not in text:
        try:
            o = parse_override(f"{text}=0", "--knob")
        except InputError:
            raise InputError(f"--knob {text}: not a dotted key: expected PATH or PATH=[LOW, HIGH], PATH like "
                             "radar.sites.fap_tps70_puerto_maldonado.availability") from None
        return KnobSpec(o.key, origin="--knob")
    o = parse_override(text, "--knob")
    return KnobSpec(o.key, stated=_stated(o.value, f"--knob {text}"), origin="--knob")


def merge_specs(*lists: list[KnobSpec]) -> list[KnobSpec]:
    """Knob lists in order, each path once: a later list's entry for a path replaces an earlier one, keeping the
    earlier one's name and label (and the values it moves with it, when the range is the same)."""
    out: dict[str, KnobSpec] = {}
    for specs in lists:
        for s in specs:
            old = out.get(s.path)
            if old is not None:
                same = s.stated == old.stated
                s = KnobSpec(s.path, s.name or old.name, s.label or old.label, s.stated,
                             s.companions or (old.companions if same else ()), s.origin, s.note or (old.note if same
                                                                                                  else ""))
            out[s.path] = s
    return list(out.values())


# ------------------------------------------------------------------------------------------
# Checking against the scenario
def confidence_of(chain: list, key: str) -> str:
    """The confidence of the value ``key`` of the last table of ``chain`` (tables from the root down):
    ``sourced`` when that table lists ``key`` in its ``sourced_fields``, else the ``confidence`` of the nearest
    table that gives one (``unspecified`` when none does, or it is not one of :data:`RELATIVE`)."""
    holder = chain[-1] if chain else {}
    fields = holder.get("sourced_fields") if isinstance(holder, dict) else None
    if isinstance(fields, list) and key in fields:
        return "sourced"
    for t in reversed(chain):
        if isinstance(t, dict) and "confidence" in t:
            c = str(t["confidence"])
            return c if c in RELATIVE else "unspecified"
    return "unspecified"


def relative_range(base: float, confidence: str) -> tuple[float, float]:
    """(low, high) = base x (1 -+ :data:`RELATIVE`[confidence]), before clipping."""
    r = RELATIVE.get(confidence, RELATIVE["unspecified"])
    a, b = _tidy(base * (1.0 - r)), _tidy(base * (1.0 + r))
    return (min(a, b), max(a, b))


def _tidy(v: float) -> float:
    """``v`` to 12 significant digits (0.6 rather than 0.6000000000000001 in overrides and files)."""
    return float(f"{v:.12g}")


def build_knobs(specs: list[KnobSpec], scenario: str, base_overrides=()) -> list[Knob]:
    """Check every knob against the scenario (with the study's overrides): its path exists, its base value is
    a number (or a string, for a stated categorical range), and both ends load; ranges from the confidence are
    clipped to the loaders' bounds.  Bad input is one line (:class:`InputError`)."""
    from scenarios.config.overrides import lookup, normalise, parse_override, short_value
    from scenarios.config.scenario import load_scenario

    base_overrides = tuple(normalise(base_overrides))
    scn = load_scenario(scenario, base_overrides)
    out = []
    seen = set()
    for s in specs:
        head = f"{s.origin} {s.path}" if s.origin != "built-in" else f"sensitivity knob {s.path}"
        o = parse_override(f"{s.path}=0", s.origin)
        value, chain, loc = lookup(scn.raw, o, scn.file)
        key = o.path[-1]
        conf = confidence_of(chain, key)
        name = s.name or s.path
        if name in seen:
            raise InputError(f"{head}: the knob {name} is listed twice: expected each path once")
        seen.add(name)
        categorical = s.stated is not None and isinstance(s.stated[0], str)
        if categorical:
            if not isinstance(value, str):
                raise InputError(f"{head} = {short_value(list(s.stated))}: {s.path} = {short_value(value)} is "
                                 f"{_kind(value)}: expected [LOW, HIGH] numbers")
            low, high = s.stated
            rule = s.note or f"stated in {s.origin}"
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{head}: {s.path} = {short_value(value)} is {_kind(value)}: expected a path to a number "
                                 "(or [LOW, HIGH] strings for a categorical knob)")
            if s.stated is not None:
                low, high = s.stated
                rule = s.note or f"stated in {s.origin}"
            else:
                if value == 0:
                    raise InputError(f"{head}: the value is 0, which has no relative range: expected a stated "
                                     f"range ({s.path} = [LOW, HIGH] in [sensitivity], or --knob {s.path}=[LOW,HIGH])")
                low, high = relative_range(float(value), conf)
                r = RELATIVE.get(conf, RELATIVE["unspecified"])
                rule = f"{conf} ±{100 * r:.0f} %"
                low, high, clipped = _clip(scenario, base_overrides, s, loc, low, high, chain[-1], key)
                if clipped:
                    rule += f", clipped to {clipped}"
        knob = Knob(name=name, label=s.label or s.path, path=s.path, base=value, low=low, high=high,
                    confidence=conf, rule=rule, categorical=categorical, companions=s.companions)
        knob = _check_loads(knob, scenario, base_overrides, head, loc)
        out.append(knob)
    return out


def _kind(v) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return type(v).__name__


def _clip(scenario: str, base_overrides, s: KnobSpec, loc: str, low: float, high: float, holder: dict, key: str):
    """The confidence range clipped to the data's ``KEY_range`` and the loaders' bounds; (low, high, what clipped
    it or "")."""
    from scenarios.config.scenario import load_scenario
    from scenarios.config.overrides import toml_value

    why = []
    rng = holder.get(f"{key}_range")
    if isinstance(rng, list) and len(rng) == 2 and all(isinstance(v, (int, float)) for v in rng):
        lo_r, hi_r = float(min(rng)), float(max(rng))
        if low < lo_r or high > hi_r:
            low, high = max(low, lo_r), min(high, hi_r)
            why.append(f"{key}_range [{lo_r:g}, {hi_r:g}]")
    ends = []
    for v in (low, high):
        for _ in range(2):
            try:
                load_scenario(scenario, (*base_overrides, f"{s.path}={toml_value(v)}"))
                break
            except InputError as exc:
                m = _BOUND.search(str(exc)) if f"{loc} = " in str(exc) else None
                if m is None or m.group(1) in (">", "<"):
                    break  # reported by _check_loads with the loader's words
                v = float(m.group(2))
                why.append(f"the loader's {key} {m.group(1)} {m.group(2)}")
        ends.append(v)
    return ends[0], ends[1], "; ".join(dict.fromkeys(why))


def _check_loads(knob: Knob, scenario: str, base_overrides, head: str, loc: str) -> Knob:
    """Both ends of ``knob`` must load; a float the loader wants as an integer is rounded (numbers)."""
    import dataclasses

    from scenarios.config.overrides import short_value
    from scenarios.config.scenario import load_scenario

    for which in ("low", "high"):
        for attempt in range(2):
            try:
                load_scenario(scenario, (*base_overrides, *knob.level(which)))
                break
            except InputError as exc:
                msg = str(exc)
                if (attempt == 0 and not knob.categorical and "must be an integer" in msg
                        and isinstance(knob.base, int)):
                    knob = dataclasses.replace(knob, integer=True, low=int(round(knob.low)), high=int(round(knob.high)))
                    continue
                value = knob.low if which == "low" else knob.high
                detail = msg.split(": ", 1)[1] if msg.startswith(("--set ", "--knob ")) else msg
                raise InputError(f"{head} = {short_value([knob.low, knob.high])}: the {which} end "
                                 f"{short_value(value)} is refused by the scenario ({detail}): expected values inside "
                                 "the value's physical range") from None
    return knob


def knobs_table(knobs: list[Knob]) -> str:
    """The knobs as a study file's ``[sensitivity]`` table (``knobs.toml`` of the output), each line commented with
    its base value, confidence and rule."""
    from scenarios.config.overrides import toml_value

    lines = ["# The knobs of this sensitivity run, usable as the [sensitivity] table of a study file", "[sensitivity]"]
    for k in knobs:
        lines.append(f"{toml_value(k.path)} = {toml_value([k.low, k.high])}  # {k.name}: base "
                     f"{k.show(k.base)}, {k.confidence}; {k.rule}")
    return "\n".join(lines) + "\n"


def describe(knobs: list[Knob]) -> list[str]:
    return [f"{k.name:<26} {k.show(k.low):>9} .. {k.show(k.high):<9} (base {k.show(k.base)}; {k.rule})" for k in knobs]
