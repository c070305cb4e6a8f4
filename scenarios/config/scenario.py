"""Scenario files: TOML -> frozen, validated dataclasses (validated once, at load).

A scenario is the sourced default data (``data/peru_defaults.toml``) plus the
overlays a runnable study needs (``data/peru_overlays.toml``): together they are the
embedded scenario ``peru``.  A user scenario file is TOML in the same schema; with
``extends = "peru"`` it is deep-merged over the embedded one (tables merge key by key,
arrays replace), otherwise it must be complete.

Sections this module turns into dataclasses: ``[frame]``, ``[terrain]``, ``[coverage]``,
``[radar]`` (types, sites, fusion), ``[radar_type_additions]``, ``[[thales_network]]``,
``[networks]``.  Sections read by later stages through :meth:`Scenario.table`:
``[threat]``, ``[threat_timing]`` (:mod:`scenarios.config.threat`), ``[traffic_background]``
(:mod:`scenarios.config.traffic`), ``[innocent_traffic]`` (:mod:`scenarios.config.innocent`), ``[[interceptors]]``,
``[interceptor_additions]``, ``[interceptor_sensors]``, ``[[pods]]``, ``[airborne_sensors]``, ``[alert_depth]``,
``[basing]``, ``[alert]``, ``[identification]``, ``[procurement]``, ``[procedure]``, ``[engagement]``,
``[[options]]`` (:mod:`scenarios.config.interceptors`), ``[[life_cycle]]`` (:mod:`scenarios.config.lifecycle`),
``[tracker]`` (:mod:`tracker.params`), ``[calibration]`` (:mod:`scenarios.config.calibration`: the history
the traffic is calibrated against, the values adopted), ``[invest]`` (:mod:`scenarios.config.invest`: the
levers of ``airbridge invest`` and their costs), ``[siting]`` (:mod:`scenarios.config.siting`: the radar
types ``airbridge site`` may place and their costs).

Validated once, at load: :func:`build_scenario` runs every one of those loaders, so a scenario
that loads is one every command runs.  Keys and tables that no loader reads are refused with the
nearest known name (:meth:`scenarios.config.schema.Table.check_keys`); documentation is allowed: the
provenance keys, the dossier's reference values listed per table by the loaders (``*_DOC``) and
the free-form tables of :data:`DOC_SECTIONS`.  Every number the model reads has a physical range;
every other number is finite and below :data:`NUMBER_LIMIT`.

Every entry keeps its ``source`` and ``confidence``.

Networks (the axis a study varies):

* ``peru`` — the project card: FAP TPS-70s at Puerto Maldonado and Pucallpa; civil radars
  are Thales (STAR 2000 + RSM 970 S at Lima, Talara, Iquitos, Pucallpa; RSM 970 S at the
  four hilltops), from ``[[thales_network]]``.
* ``peru-public-record`` — the reference sites unchanged (CORPAC MSSR everywhere, Lima's
  Northrop Grumman primary).
* ``peru-pm-civil-psr`` — ``peru`` + a civil STAR 2000/RSM 970 S at Puerto Maldonado.
* ``peru-vraem-3d`` — ``peru`` + a new 3D radar over the VRAEM.
* user networks: ``[networks.NAME] = { base = "peru", enable = [...], disable = [...] }``.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from radar.errors import InputError
from radar.frame import Frame
from radar.types import KINDS, Radar, RadarType
from radar.tomlfile import unknown_key
from scenarios.config.schema import PROVENANCE_KEYS, Table, read_toml, show

EMBEDDED = {"peru": ("peru_defaults.toml", "peru_overlays.toml")}
DEFAULT_SCENARIO = "peru"
BUILTIN_NETWORKS = ("peru", "peru-public-record", "peru-pm-civil-psr", "peru-vraem-3d")
OWNER_OF = {"FAP": "military", "CORPAC": "civil", "military": "military", "civil": "civil"}
FT = 0.3048


@dataclass(frozen=True)
class TerrainOptions:
    """``[terrain]``: DEM choice and masking options.

    dem: path of a DEM ``.npz`` (``airbridge terrain import``); None = embedded ETOPO5.
    clamp_sea_to_zero: bathymetry is clamped to 0 m for masking.
    canopy_height_m: forest canopy added to the masking surface below ``canopy_applies_below_msl_m``,
        except within ``site_clearing_radius_m`` of a radar.
    """

    dem: str | None = None
    clamp_sea_to_zero: bool = True
    canopy_height_m: float = 0.0
    canopy_applies_below_msl_m: float = 1000.0
    site_clearing_radius_m: float = 3000.0
    source: str = "unspecified"
    confidence: str = "unspecified"


@dataclass(frozen=True)
class CoverageParams:
    """``[coverage]``: what 'covered' means in the coverage study.

    pd_threshold: single-scan Pd on ``target_rcs_m2`` that bounds a primary radar's range.
    target_rcs_m2: mean RCS of the reference low flyer (Cessna 206/210, ~1 m^2 S-band).
    agl_levels_m / msl_levels_m: default target altitudes.
    """

    pd_threshold: float = 0.5
    target_rcs_m2: float = 1.0
    agl_levels_m: tuple[float, ...] = (150.0, 300.0, 600.0, 1500.0)
    msl_levels_m: tuple[float, ...] = ()
    report_probability: float = 0.5
    source: str = "design choice"
    confidence: str = "placeholder"


@dataclass(frozen=True)
class Network:
    """A named set of radars (sensors)."""

    name: str
    description: str
    radars: tuple[Radar, ...]

    @property
    def military(self) -> tuple[Radar, ...]:
        return tuple(r for r in self.radars if r.is_military)

    @property
    def civil(self) -> tuple[Radar, ...]:
        return tuple(r for r in self.radars if not r.is_military)


@dataclass(frozen=True)
class Scenario:
    """A loaded, validated scenario.  ``raw`` keeps the merged TOML for later stages."""

    name: str
    file: str
    frame: Frame
    terrain: TerrainOptions
    coverage: CoverageParams
    radar_types: dict[str, RadarType]
    networks: dict[str, Network]
    raw: dict = field(repr=False, compare=False)
    #: the overrides applied to ``raw`` before validation (:class:`scenarios.config.overrides.Applied`, in order)
    overrides: tuple = ()

    def network(self, name: str) -> Network:
        if name not in self.networks:
            raise InputError(f"{self.file}: network {name!r} is unknown: expected one of {', '.join(self.networks)}")
        return self.networks[name]

    def table(self, dotted: str, default=None) -> Table:
        """The merged TOML table at ``dotted`` (e.g. ``"threat.profile"``) as a :class:`Table`."""
        node = self.raw
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is not None:
                    return Table(default, self.file, dotted)
                raise InputError(f"{self.file}: [{dotted}] is missing: required (or start the file with "
                                 f"extends = \"{DEFAULT_SCENARIO}\")")
            node = node[part]
        if not isinstance(node, dict):
            raise InputError(f"{self.file}: {dotted} = {show(node)}: must be a table")
        return Table(node, self.file, dotted)

    def root(self) -> Table:
        return Table(self.raw, self.file, "")


# ------------------------------------------------------------------------------------------
def embedded_names() -> list[str]:
    return sorted(EMBEDDED)


def _embedded_raw(name: str) -> dict:
    merged: dict = {}
    for fname in EMBEDDED[name]:
        ref = resources.files("scenarios") / "data" / fname
        deep_merge(merged, read_toml(ref, f"<embedded {name}: {fname}>", "a scenario TOML file"))
    return merged


def deep_merge(base: dict, over: dict) -> dict:
    """Merge ``over`` into ``base`` in place: tables merge recursively, everything else replaces."""
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            deep_merge(base[k], v)
        else:
            base[k] = copy.deepcopy(v)
    return base


def load_scenario(name_or_file: str | None = None, overrides=()) -> Scenario:
    """Load an embedded scenario by name, or a scenario TOML file; every section is validated here
    (:func:`build_scenario`), so whatever loads is what every command runs.

    overrides: ``KEY=VALUE`` texts or :class:`scenarios.config.overrides.Override` (``--set``, a study file's
    ``[set]``), applied in order to the merged table before it is validated
    (:func:`scenarios.config.overrides.apply_overrides`); the scenario keeps what they changed
    (:attr:`Scenario.overrides`)."""
    spec = name_or_file or DEFAULT_SCENARIO
    if spec in EMBEDDED:
        return _build(_embedded_raw(spec), spec, f"<embedded {spec}>", overrides)
    path = Path(spec)
    if not path.suffix and not path.exists():
        raise InputError(f"{spec}: unknown scenario: expected one of {', '.join(embedded_names())} or a .toml file")
    raw = read_toml(path, what=f"a scenario TOML file (or one of {', '.join(embedded_names())})")
    base = raw.get("extends")
    if base is not None:
        if base not in EMBEDDED:
            raise InputError(f"{path}: extends = {base!r}: expected one of {', '.join(embedded_names())}")
        raw = deep_merge(_embedded_raw(base), {k: v for k, v in raw.items() if k != "extends"})
    return _build(raw, path.stem, str(path), overrides)


def _build(raw: dict, name: str, file: str, overrides) -> Scenario:
    """:func:`build_scenario` of ``raw`` with ``overrides`` applied; a loader's error caused by an override names it."""
    if not overrides:
        return build_scenario(raw, name=name, file=file)
    from scenarios.config.overrides import apply_overrides, blame

    applied = tuple(apply_overrides(raw, overrides, file))
    try:
        scn = build_scenario(raw, name=name, file=file)
    except InputError as exc:
        raise blame(exc, applied) from None
    return dataclasses.replace(scn, overrides=applied)


# ------------------------------------------------------------------------------------------
#: top-level tables and the loader that reads each (everything else is refused, see DOC_SECTIONS)
SECTIONS = {
    "frame": "config", "terrain": "config", "coverage": "config", "radar": "config",
    "radar_type_additions": "config", "thales_network": "config", "networks": "config",
    "threat": "threat", "threat_timing": "threat", "traffic_background": "traffic",
    "interceptors": "interceptors", "interceptor_additions": "interceptors", "basing": "interceptors",
    "alert": "interceptors", "identification": "interceptors", "procurement": "interceptors",
    "procedure": "interceptors", "engagement": "interceptors", "options": "interceptors",
    "airborne_sensors": "interceptors", "pods": "interceptors", "interceptor_sensors": "interceptors",
    "alert_depth": "interceptors", "innocent_traffic": "innocent", "life_cycle": "lifecycle",
    "tracker": "tracker.params", "calibration": "calibration", "invest": "invest", "siting": "siting",
}
#: documentation tables of the data files (dossier, sources, history, model notes): free-form, read by nothing
DOC_SECTIONS = ("meta", "sources", "geography", "isr_platforms", "history", "radar_model_additions")


def build_scenario(raw: dict, name: str, file: str) -> Scenario:
    """Validate a merged scenario table completely: the radar sections here, then every section the other
    stages read (threat, traffic, interceptors and options, fusion, tracker) through their loaders."""
    root = Table(raw, file, "")
    root.check_keys(SECTIONS, DOC_SECTIONS)
    frame = _frame(root)
    terrain = _terrain(root)
    coverage = _coverage(root)
    types = _radar_types(root)
    networks = _networks(root, types)
    scn = Scenario(name=name, file=file, frame=frame, terrain=terrain, coverage=coverage,
                   radar_types=types, networks=networks, raw=raw)
    check_sections(scn)
    _check_numbers(raw, file)
    return scn


#: every number of a scenario file, documentation included, is finite and smaller than this in magnitude
#: (the numbers the model reads have tighter physical ranges, checked by their loaders)
NUMBER_LIMIT = 1e15


def _check_numbers(node, file: str, path: str = "") -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _check_numbers(v, file, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_numbers(v, file, f"{path}[{i}]")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        if not abs(node) < NUMBER_LIMIT:  # NaN fails too
            raise Table({}, file).fail(path, node, f"must be a finite number smaller than {NUMBER_LIMIT:g} in magnitude")


def check_sections(scn: Scenario) -> None:
    """Run the loaders of the sections read after the radar part (their results are rebuilt where used)."""
    from scenarios.config.interceptors import load_interceptor_config
    from scenarios.config.threat import load_threat
    from scenarios.config.traffic import load_traffic

    from scenarios.config.innocent import load_innocent
    from scenarios.config.lifecycle import load_life_cycle
    from scenarios.config.calibration import load_calibration
    from scenarios.config.invest import load_invest

    load_threat(scn)
    load_traffic(scn)
    load_innocent(scn)
    load_calibration(scn)
    load_interceptor_config(scn)
    load_life_cycle(scn)
    load_invest(scn)
    fusion_params(scn)
    from scenarios.config.siting import load_siting_types

    load_siting_types(scn)
    root = scn.root()
    if root.has("tracker"):
        from dataclasses import fields

        from tracker.params import TrackerParams

        t = root.table("tracker")
        t.check_keys([f.name for f in fields(TrackerParams)])
        TrackerParams.from_table(t.data, f"{scn.file}: tracker")


def fusion_params(scenario):
    """FusionParams from ``[radar.fusion.*]`` of the scenario (defaults where absent)."""
    from radar.sensorfile import FusionParams

    kw = {}
    radar = scenario.table("radar")
    if radar.has("fusion"):
        fusion = radar.table("fusion")
        fusion.check_keys(("integrated", "non_integrated"))
        if fusion.has("integrated"):
            t = fusion.table("integrated")
            # the integrated picture fuses the civil radars' own plots: no civil track sigma is used
            t.check_keys(("civil_to_military_latency_s",), ("civil_track_position_sigma_m", "data_format"))
            kw["integrated_latency_s"] = t.float("civil_to_military_latency_s", 4.0, min=0, max=600, what="s")
        if fusion.has("non_integrated"):
            t = fusion.table("non_integrated")
            t.check_keys(("report_probability", "civil_to_military_latency_s", "civil_to_military_latency_s_range",
                          "civil_track_position_sigma_m"))
            kw["report_probability"] = t.float("report_probability", 0.5, min=0, max=1)
            kw["latency_median_s"] = t.float("civil_to_military_latency_s", 300.0, min=0, max=86400, what="s")
            if t.has("civil_to_military_latency_s_range"):
                rng = t.numbers("civil_to_military_latency_s_range", min=0, max=86400, what="s")
                if len(rng) != 2 or not rng[0] <= kw["latency_median_s"] <= rng[1]:
                    raise t.fail("civil_to_military_latency_s_range", list(rng),
                                 f"must be [min, max] seconds around civil_to_military_latency_s "
                                 f"({kw['latency_median_s']:g})")
                kw["latency_min_s"], kw["latency_max_s"] = rng
            kw["position_sigma_m"] = t.float("civil_track_position_sigma_m", 3000.0, min=0, max=100_000, what="m")
    try:
        return FusionParams(**kw)
    except InputError as exc:
        raise InputError(f"{scenario.file}: {exc}") from None


def _frame(root: Table) -> Frame:
    if not root.has("frame"):
        return Frame()
    t = root.table("frame")
    t.check_keys(("origin_lat", "origin_lon", "origin_h_m", "epoch_utc"))
    kw = dict(origin_lat_deg=t.float("origin_lat", -9.2, min=-90, max=90),
              origin_lon_deg=t.float("origin_lon", -75.0, min=-180, max=180),
              origin_h_m=t.float("origin_h_m", 0.0, min=-500, max=9000, what="metres"),
              epoch_utc=t.str("epoch_utc", "2026-01-01T05:00:00Z"))
    try:
        return Frame(**kw)
    except InputError as exc:
        raise InputError(f"{root.file}: {exc}") from None


def _terrain(root: Table) -> TerrainOptions:
    if not root.has("terrain"):
        return TerrainOptions()
    t = root.table("terrain")
    t.check_keys(("dem", "clamp_sea_to_zero", "canopy_height_m", "canopy_applies_below_msl_m", "site_clearing_radius_km"))
    src, conf = t.provenance()
    return TerrainOptions(dem=t.str("dem", None),
                          clamp_sea_to_zero=t.bool("clamp_sea_to_zero", True),
                          canopy_height_m=t.float("canopy_height_m", 0.0, min=0, max=100, what="metres"),
                          canopy_applies_below_msl_m=t.float("canopy_applies_below_msl_m", 1000.0, min=-500, max=9000,
                                                             what="metres"),
                          site_clearing_radius_m=1000.0 * t.float("site_clearing_radius_km", 3.0, min=0, max=100,
                                                                  what="km"),
                          source=src, confidence=conf)


def _coverage(root: Table) -> CoverageParams:
    report_p = 0.5
    if root.has("radar") and "fusion" in root.raw("radar") and "non_integrated" in root.raw("radar")["fusion"]:
        ni = root.table("radar").table("fusion").table("non_integrated")
        report_p = ni.float("report_probability", 0.5, min=0, max=1)
    if not root.has("coverage"):
        return CoverageParams(report_probability=report_p)
    t = root.table("coverage")
    t.check_keys(("pd_threshold", "target_rcs_m2", "agl_levels_m", "msl_levels_m"))
    src, conf = t.provenance()
    levels = [t.numbers(key, list(getattr(CoverageParams, key)), min=0, max=30000, what="height in metres")
              for key in ("agl_levels_m", "msl_levels_m")]
    return CoverageParams(pd_threshold=t.float("pd_threshold", 0.5, min_exclusive=0, max=0.999999),
                          target_rcs_m2=t.float("target_rcs_m2", 1.0, min_exclusive=0, max=1000, what="m^2"),
                          agl_levels_m=levels[0], msl_levels_m=levels[1], report_probability=report_p,
                          source=src if src != "unspecified" else "design choice", confidence=conf)


#: radar type keys the model reads
RADAR_TYPE_KEYS = ("id", "kind", "name", "scan_period_s", "instrumented_range_km", "altitude_max_ft", "elevation_min_deg",
                   "elevation_max_deg", "sigma_range_m", "sigma_azimuth_deg", "sigma_elevation_deg",
                   "sigma_height_m_at_185km", "ref_rcs_m2", "ref_pd", "ref_range_km", "pfa", "false_plots_per_scan",
                   "pd_cooperative", "iff_interrogator", "swerling_case")
#: dossier values of a radar type kept for reference (the model derives detection from ref_* and pfa)
RADAR_TYPE_DOC = ("vendor", "band", "freq_ghz_min", "freq_ghz_max", "freq_mhz_interrogate", "freq_mhz_reply",
                  "peak_power_kw", "avg_power_kw", "pulse_width_us", "prf_hz", "rotation_rpm", "stacked_beams",
                  "az_beamwidth_deg", "max_tracks", "altitude_source", "cooperative_only", "coverage_claim",
                  "coverage_area_km2", "equivalent_radius_km", "instrumented_range_km_extended", "range_resolution_m")


def _radar_types(root: Table) -> dict[str, RadarType]:
    radar = root.table("radar")
    # radar.model: free-form notes on the propagation model (documentation)
    radar.check_keys(("sites", "types", "rcs", "fusion"), ("model",))
    additions = root.table("radar_type_additions", {}) if root.has("radar_type_additions") else None
    types: dict[str, RadarType] = {}
    for t in radar.tables("types"):
        tid = t.str("id")
        if tid in types:
            raise t.fail("id", tid, "duplicate radar type id")
        add = {}
        if additions is not None and tid in additions.data:
            add = additions.data[tid]
            if not isinstance(add, dict):
                raise additions.fail(tid, add, "must be an inline table of type keys")
        types[tid] = _radar_type(Table({**t.data, **add}, t.file, t.path))
        if any(k in t.data for k in add):  # the values the additions replace must be valid too
            _radar_type(Table({**add, **t.data}, t.file, t.path))
    if not types:
        raise radar.fail("types", [], "must define at least one radar type")
    if additions is not None:
        additions.check_keys(types)
    if radar.has("rcs"):
        for t in radar.tables("rcs"):  # read by the threat model (rcs_id); dossier values besides S band
            t.check_keys(("aircraft", "rcs_s_band_m2"), ("rcs_l_band_m2", "nose_on_offset_db", "broadside_offset_db"))
    return types


def _radar_type(t: Table) -> RadarType:
    """One ``[[radar.types]]`` entry (with its ``[radar_type_additions]``) -> :class:`RadarType`."""
    t.check_keys(RADAR_TYPE_KEYS, RADAR_TYPE_DOC)
    tid = t.str("id")
    kind = t.str("kind", choices=KINDS)
    if t.has("swerling_case"):
        t.int("swerling_case", min=1, max=1)  # detection is modelled as Swerling 1 only
    src, conf = t.provenance()
    primary = kind != "SSR"
    sig_el = math.nan
    if t.has("sigma_height_m_at_185km"):
        sig_el = t.float("sigma_height_m_at_185km", min_exclusive=0, max=10_000, what="metres") / 185e3
    if t.has("sigma_elevation_deg"):  # wins over sigma_height_m_at_185km
        sig_el = math.radians(t.float("sigma_elevation_deg", min_exclusive=0, max=10, what="degrees"))
    alt_max = (t.float("altitude_max_ft", math.inf, min_exclusive=0, max=200_000, what="feet") * FT
               if t.has("altitude_max_ft") else math.inf)
    default_el_max = 20.0 if kind == "PSR_3D" else 40.0
    return RadarType(
        id=tid, kind=kind, name=t.str("name", tid),
        scan_period_s=t.float("scan_period_s", min=0.5, max=60, what="seconds"),
        instrumented_range_m=1000.0 * t.float("instrumented_range_km", min_exclusive=0, max=1000, what="km"),
        altitude_max_m=alt_max,
        elevation_min_rad=math.radians(t.float("elevation_min_deg", -3.0, min=-10, max=10, what="degrees")),
        elevation_max_rad=math.radians(t.float("elevation_max_deg", default_el_max, min=1, max=90, what="degrees")),
        sigma_range_m=t.float("sigma_range_m", min_exclusive=0, max=10_000, what="metres"),
        sigma_azimuth_rad=math.radians(t.float("sigma_azimuth_deg", min_exclusive=0, max=10, what="degrees")),
        sigma_elevation_rad=sig_el if kind == "PSR_3D" else math.nan,
        ref_rcs_m2=t.float("ref_rcs_m2", 1.0, min_exclusive=0, max=1000, what="m^2") if primary else 1.0,
        ref_pd=t.float("ref_pd", min_exclusive=0, max=0.999999) if primary else 0.8,
        ref_range_m=1000.0 * t.float("ref_range_km", min_exclusive=0, max=1000, what="km") if primary else math.nan,
        pfa=t.float("pfa", 1e-6, min_exclusive=0, max=0.01),
        false_plots_per_scan=t.float("false_plots_per_scan", 0.0, min=0, max=100),
        pd_cooperative=t.float("pd_cooperative", 0.97, min=0, max=1),
        iff_interrogator=t.bool("iff_interrogator", False),
        source=src, confidence=conf)


@dataclass(frozen=True)
class _SiteRow:
    t: Table
    id: str
    enabled: bool


SITE_KEYS = ("id", "type", "secondary_type", "owner", "lat", "lon", "ground_elevation_m", "antenna_agl_m", "enabled",
             "availability", "mean_up_days", "mean_down_days")


def _sites(root: Table) -> dict[str, _SiteRow]:
    radar = root.table("radar")
    rows: dict[str, _SiteRow] = {}
    for t in radar.tables("sites"):
        t.check_keys(SITE_KEYS, ("status",))
        sid = t.str("id")
        if sid in rows:
            raise t.fail("id", sid, "duplicate site id")
        rows[sid] = _SiteRow(t, sid, t.bool("enabled", True))
    return rows


def _availability(t: Table, availability: float | None = None) -> tuple[float, float, float]:
    a = availability if availability is not None else t.float("availability", 1.0, min=0, max=1)
    if t.has("mean_up_days") and availability is None:
        up = t.float("mean_up_days", min_exclusive=0, max=36500, what="days")
        down = t.float("mean_down_days", min_exclusive=0, max=36500, what="days")
        if not t.has("availability") or abs(a - up / (up + down)) <= 1e-6:
            return up / (up + down), up, down
        # availability disagrees with the mean up/down days (e.g. --set ...availability=0.9): availability is the
        # long-run up fraction, mean_up_days + mean_down_days the mean outage cycle, kept and split by it
        cycle = up + down
        if a >= 1.0:
            return 1.0, math.inf, 0.0
        return a, a * cycle, (1.0 - a) * cycle
    if a >= 1.0:
        return 1.0, math.inf, 0.0
    # Only an availability is given: assume outages last 1 day on average (placeholder), so
    # mean_up = a / (1 - a) days keeps the long-run availability.
    return a, a / (1.0 - a), 1.0


def _radar(site: Table, types: dict[str, RadarType], type_key: str, type_id: str, owner: str,
           antenna_agl: float | None = None, availability: float | None = None,
           scan_period: float | None = None) -> Radar:
    if type_id not in types:
        raise site.fail(type_key, type_id, "unknown radar type: expected one of " + ", ".join(types))
    lat = site.float("lat", min=-90, max=90, what="degrees")
    lon = site.float("lon", min=-180, max=180, what="degrees")
    ground = site.float("ground_elevation_m", 0.0, min=-500, max=9000, what="metres MSL")
    agl = antenna_agl if antenna_agl is not None else site.float("antenna_agl_m", min=0, max=1000, what="metres above ground")
    a, up, down = _availability(site, availability)
    src, conf = site.provenance()
    return Radar(site_id=site.str("id"), type=types[type_id], owner=owner, lat_deg=lat, lon_deg=lon,
                 ground_elevation_m=ground, antenna_agl_m=agl, availability=a, mean_up_days=up,
                 mean_down_days=down, scan_period_s=math.nan if scan_period is None else scan_period,
                 source=src, confidence=conf)


def _site_radars(row: _SiteRow, types) -> list[Radar]:
    t = row.t
    owner_raw = t.str("owner", "FAP")
    if owner_raw not in OWNER_OF:
        raise t.fail("owner", owner_raw, "must be one of FAP, CORPAC, military, civil")
    owner = OWNER_OF[owner_raw]
    out = [_radar(t, types, "type", t.str("type"), owner)]
    if t.has("secondary_type"):
        out.append(_radar(t, types, "secondary_type", t.str("secondary_type"), owner))
    return out


def _thales_radars(sites: dict[str, _SiteRow], root: Table, types) -> dict[str, list[Radar]]:
    out: dict[str, list[Radar]] = {}
    if not root.has("thales_network"):
        return out
    for entry in root.tables("thales_network"):
        entry.check_keys(("site_id", "primary", "secondary", "secondary_scan_period_s", "antenna_agl_m", "availability"))
        sid = entry.str("site_id")
        if sid not in sites:
            raise entry.fail("site_id", sid, "unknown site: expected an id of [radar] sites")
        site = sites[sid].t
        agl = entry.float("antenna_agl_m", min=0, max=1000, what="metres above ground")
        avail = entry.float("availability", 1.0, min=0, max=1)
        radars = []
        if entry.has("primary"):
            _check_type(entry, "primary", types)
            radars.append(_radar(site, types, "primary", entry.str("primary"), "civil", agl, avail))
        if entry.has("secondary"):
            _check_type(entry, "secondary", types)
            period = (entry.float("secondary_scan_period_s", min=0.5, max=60, what="seconds")
                      if entry.has("secondary_scan_period_s") else None)
            radars.append(_radar(site, types, "secondary", entry.str("secondary"), "civil", agl, avail, period))
        if not radars:
            raise InputError(f"{entry.file}: {entry.path}: no primary or secondary: expected a primary and/or a "
                             "secondary radar type")
        out[sid] = radars
    return out


def _check_type(entry: Table, key: str, types):
    if entry.str(key) not in types:
        raise entry.fail(key, entry.str(key), "unknown radar type: expected one of " + ", ".join(types))


def _networks(root: Table, types) -> dict[str, Network]:
    sites = _sites(root)
    if not sites:
        raise root.table("radar").fail("sites", [], "must list at least one radar site")
    for row in sites.values():  # validate every site (enabled or not) before anything refers to it
        _site_radars(row, types)
    thales = _thales_radars(sites, root, types)
    enabled = [s for s in sites.values() if s.enabled]

    def record(extra: tuple[str, ...] = ()) -> list[Radar]:
        out = []
        for s in enabled:
            out += _site_radars(s, types)
        for sid in extra:
            out += _site_radars(sites[sid], types)
        return out

    def card(extra: tuple[str, ...] = ()) -> list[Radar]:
        out = []
        for s in enabled:
            if s.t.str("owner", "FAP") in ("CORPAC", "civil"):
                if s.id in thales:
                    out += thales[s.id]
                continue
            out += _site_radars(s, types)
        for sid in extra:
            out += _site_radars(sites[sid], types)
        return out

    def need(sid: str) -> tuple[str, ...]:
        if sid not in sites:
            return ()
        return (sid,)

    builders = {
        "peru": lambda: card(),
        "peru-public-record": lambda: record(),
        "peru-pm-civil-psr": lambda: card(need("corpac_psr_whatif_puerto_maldonado")),
        "peru-vraem-3d": lambda: card(need("fap_new3d_vraem_whatif")),
    }
    descriptions = {}
    custom: dict[str, Table] = {}
    if root.has("networks"):
        nt = root.table("networks")
        for key, value in nt.data.items():
            if key in PROVENANCE_KEYS:
                continue
            if isinstance(value, str):
                if key not in builders and difflib.get_close_matches(key, BUILTIN_NETWORKS, n=1):
                    raise unknown_key(nt.file, nt.key(key), key, value, BUILTIN_NETWORKS)
                if key not in builders:
                    raise nt.fail(key, value, "a network described by a string must be one of the built-ins "
                                  + ", ".join(BUILTIN_NETWORKS) + "; define others as { base, enable, disable }")
                descriptions[key] = value
            elif isinstance(value, dict):
                if key in builders:
                    raise nt.fail(key, value, "a built-in network: give it a description string, or define a table "
                                  "{ base, enable, disable } under a new name")
                custom[key] = nt.table(key)
                custom[key].check_keys(("base", "enable", "disable", "description"))
            else:
                raise nt.fail(key, value, "must be a description string or a table { base, enable, disable }")
    networks: dict[str, Network] = {}
    for name in BUILTIN_NETWORKS:
        radars = builders[name]()
        networks[name] = Network(name, descriptions.get(name, name), tuple(radars))
    for name, t in custom.items():
        base = t.str("base", "peru")
        if base not in networks:
            raise t.fail("base", base, "unknown base network: expected one of " + ", ".join(networks))
        radars = list(networks[base].radars)
        for i, sid in enumerate(t.list("disable", [])):
            if not isinstance(sid, str) or sid not in sites:
                raise t.fail(f"disable[{i}]", sid, "unknown site id")
            radars = [r for r in radars if r.site_id != sid]
        for i, sid in enumerate(t.list("enable", [])):
            if not isinstance(sid, str) or sid not in sites:
                raise t.fail(f"enable[{i}]", sid, "unknown site id")
            if any(r.site_id == sid for r in radars):
                continue
            radars += thales.get(sid, None) or _site_radars(sites[sid], types)
        networks[name] = Network(name, t.str("description", f"{base} with changes"), tuple(radars))
    for name, net in networks.items():
        if not net.radars:
            raise InputError(f"{root.file}: network {name!r} has no enabled radar sites: expected at least one")
    return networks
