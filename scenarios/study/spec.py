"""What a study computes: :class:`StudySpec` (the axes, days, seed, study window), its checks, the
pictures it can compare, and the columns of its result rows (a stable file format: ``results.csv``
and the store keep these names)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from radar.errors import InputError
from radar.constants import PICTURES

DEFAULT_NETWORKS = ("peru", "peru-public-record", "peru-pm-civil-psr", "peru-vraem-3d")
DEFAULT_PICTURES = ("non_integrated", "integrated")
#: version of the store's tables
SCHEMA_VERSION = 1
#: bumped when the simulation changes the rows a spec gives (2: background flights clipped to the window;
#: 3: engagements played against the true aircraft, innocent traffic, alert depth, end-game)
MODEL_VERSION = 3
#: one row per drug flight x network x option x picture (its best leg) plus one per scramble on anything else;
#: the engagement columns are those of scenarios.engagement.engagement.OutcomeTable (minus its day).
#: A file format: the picture is the column ``mode`` (results.csv, the store), kept for existing files
RESULT_COLUMNS = ("network", "day", "seq", "flight", "option", "mode", "outcome", "leg", "t_first_plot_s", "t_track_s",
                  "t_suspect_s", "t_scramble_s", "t_airborne_s", "t_contact_s", "t_id_s", "flight_hours", "cost_usd",
                  "base", "interceptor", "false_scramble", "track", "intercept_lat", "intercept_lon", "intercept_x_m",
                  "intercept_y_m", "searched", "contact_sensor", "contact_true_range_m", "id_sensor", "id_x_m", "id_y_m",
                  "id_lat", "id_lon", "night", "endgame", "kind", "identified_inbound", "identified_outbound")
DAY_COLUMNS = ("network", "day", "drug_flights", "background_flights", "plots", "feeds_s", "pictures_s", "engage_s")


@dataclass(frozen=True)
class StudySpec:
    """What a study computes (the store is tied to it: a different spec never resumes into it).

    scenario: embedded name or scenario file path.  networks, pictures, options: the axes
    (options empty = all of the scenario's).  days: simulated days 0..days-1.  seed: master seed.
    chunk_days: days per chunk (does not change results).
    background_window_km / background_window_min: keep only background flights that come within
    this distance of a drug flight at instants this close (the study window), and only from
    this long before their first such instant to this long after their last (flights clipped there;
    :class:`scenarios.simulation.day.DayOptions`); 0 km keeps none.
    false_plot_window_km: generate false plots only within this distance of targets (0 = everywhere).
    overrides: ``KEY=VALUE`` overrides of the scenario (:mod:`scenarios.config.overrides`: a study file's
    ``[set]``, then ``--set``), canonical and each path once, in the order applied; part of what the study is
    (its key), so a store is never resumed with other overrides.
    """

    scenario: str = "peru"
    networks: tuple[str, ...] = DEFAULT_NETWORKS
    pictures: tuple[str, ...] = DEFAULT_PICTURES
    options: tuple[str, ...] = ()
    days: int = 417
    seed: int = 1
    chunk_days: int = 8
    background_window_km: float = 50.0
    background_window_min: float = 30.0
    false_plot_window_km: float = 100.0
    overrides: tuple[str, ...] = ()

    def record(self) -> dict:
        """The spec as a study's store keeps it (``meta.study_json``, hashed by :meth:`key`).  A file
        format: ``pictures`` is stored under its older name ``modes``, and ``overrides`` only when there are
        some, so stores written before keep their key (they resume) and their report re-renders."""
        d = asdict(self)
        d["modes"] = d.pop("pictures")
        if not d["overrides"]:
            del d["overrides"]
        return d

    @classmethod
    def from_record(cls, record: dict) -> "StudySpec":
        """The spec of a store's ``meta.study_json`` (:meth:`record`)."""
        d = {k: tuple(v) if isinstance(v, list) else v for k, v in record.items()}
        if "modes" in d:
            d["pictures"] = d.pop("modes")
        return cls(**d)

    def key(self) -> str:
        d = self.record()
        d.pop("chunk_days")  # chunking never changes results
        d["model"] = MODEL_VERSION  # a store written by an older model is never resumed into
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def chunks(self) -> list[tuple[int, int]]:
        return [(d0, min(self.days, d0 + self.chunk_days)) for d0 in range(0, self.days, self.chunk_days)]


def validate_spec(spec: StudySpec, label: str = "study") -> "StudyContext":
    """Load the scenario and check every axis once (one-line errors)."""
    from scenarios.config.scenario import load_scenario
    from scenarios.config.interceptors import load_interceptor_config

    if spec.days <= 0:
        raise InputError(f"{label}: days = {spec.days}: must be a positive number of days")
    if spec.chunk_days <= 0:
        raise InputError(f"{label}: chunk_days = {spec.chunk_days}: must be >= 1")
    if not spec.networks:
        raise InputError(f"{label}: networks is empty: expected at least one network")
    if not spec.pictures:
        raise InputError(f"{label}: pictures is empty: expected at least one of {', '.join(PICTURES)}")
    for p in spec.pictures:
        if p not in PICTURES:
            raise InputError(f"{label}: picture {p!r} is unknown: expected one of {', '.join(PICTURES)}")
    scn = load_scenario(spec.scenario, spec.overrides)
    for n in spec.networks:
        scn.network(n)
    icfg = load_interceptor_config(scn)
    options = icfg.select(list(spec.options), label)
    from radar.terrain import load_dem

    dem = load_dem(scn.terrain.dem)  # a bad DEM is one line here, before any store exists
    return StudyContext(spec, scn, icfg, options, dem)


@dataclass
class StudyContext:
    spec: StudySpec
    scenario: object
    interceptors: object
    options: list
    dem: object = None
    days_ctx: dict = field(default_factory=dict)
    unions: dict = field(default_factory=dict)  # tuple of networks -> radar.shared_feeds.UnionFeed | None

    def day_context(self, network: str):
        from scenarios.simulation.day import prepare

        if network not in self.days_ctx:
            self.days_ctx[network] = prepare(self.scenario, network, dem=self.dem)
        return self.days_ctx[network]

    def union_feed(self, networks):
        """The union of ``networks``' radars (:func:`radar.shared_feeds.union_feed`): one plot generation a
        day for all of them; None for a single network or radars that cannot be shared exactly."""
        key = tuple(networks)
        if key not in self.unions:
            from radar.shared_feeds import union_feed

            nets = [(n, self.day_context(n).radars, self.day_context(n).arrays) for n in networks]
            self.unions[key] = union_feed(nets) if len(nets) > 1 else None
        return self.unions[key]
