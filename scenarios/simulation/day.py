"""One simulated day: drug flights + background traffic -> trajectories -> every radar's plots.

The Monte Carlo unit of every study (``docs/architecture.md``).  Day ``d`` depends on ``(seed, d)`` only:
threat draws come from stream ``(seed, d, threat)``, traffic from ``(seed, d, traffic)``, radar
up/down from the outage chain replayed with ``(seed, d', outages)``, detections and noise from
counter-based keys ``(seed, d, detection)`` x (flight uid, radar key, revolution), false plots from
``(seed, d, false_alarms)`` x (radar key, revolution).  Days can be generated alone, in any order,
on any worker, with any thread count.

Typical use (engagement and study code)::

    ctx = prepare("peru", "peru")                  # DEM, geometry grids, configs: once per study
    day = simulate_day(ctx, seed=7, day=3)
    day.plots, day.flights, day.sensors, day.radar_up, day.truth(10.0)

Several networks, one day's flights (they do not depend on the network)::

    traffic = simulate_traffic(ctx_a, seed=7, day=3, options=opts)
    day_a = simulate_day(ctx_a, seed=7, day=3, options=opts, traffic=traffic)
    day_b = simulate_day(ctx_b, seed=7, day=3, options=opts, traffic=traffic)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from radar.errors import InputError
from radar.feeds import FeedOptions, FeedStats, RadarArrays, Targets, generate_plots, radar_arrays
from radar.outages import outage_states
from scenarios.flights.trajectory import FlightTable, Trajectories, truth_samples

if TYPE_CHECKING:  # annotations only: these load with the day's context, not with this module
    from radar.coverage import Geometry
    from radar.frame import Frame
    from radar.plotlog import Plots
    from radar.sensorfile import SensorTable
    from radar.terrain import Dem
    from radar.types import Radar
    from scenarios.config.scenario import Network, Scenario
    from scenarios.config.threat import ThreatConfig
    from scenarios.config.traffic import TrafficConfig
    from scenarios.config.innocent import InnocentConfig
    from scenarios.flights.threat import TerrainSampler


@dataclass(frozen=True)
class DayOptions:
    """What a day contains.

    background: generate the background traffic: cooperative airliners and innocent (non-cooperative) general
        aviation (``[innocent_traffic]``); False: drug flights only.
    background_window: study option (distance_m, time_s): keep only the background flights that come
        within distance_m of an airborne drug flight at instants less than time_s apart
        (:func:`scenarios.flights.traffic.near_drug_spans`), and only from time_s before the first such instant to
        time_s after the last (the flight is clipped there: no plots outside, the same path inside); None
        keeps all of every flight (``simulate``'s default).
    force_up: sensor names (``<site>__<type>``) forced up whatever the outage chain says.
    feeds: :class:`radar.feeds.FeedOptions` (false-plot window option lives there).
    convert: also fill the Cartesian columns (x, y, z, covariance) of the plots.
    """

    background: bool = True
    background_window: tuple[float, float] | None = None
    force_up: tuple[str, ...] = ()
    feeds: FeedOptions = field(default_factory=FeedOptions)
    convert: bool = True


@dataclass
class DayContext:
    """Everything that does not change from day to day (build once per scenario x network with
    :func:`prepare`)."""

    #: the scenario, every section validated
    scenario: Scenario
    #: the network of radars simulated
    network: Network
    #: the network's radars (index = ``sensor`` of the plots)
    radars: tuple[Radar, ...]
    #: the terrain
    dem: Dem
    #: terrain-masking grids of every radar
    geometry: Geometry
    #: the drug-flight model
    threat: ThreatConfig
    #: the background traffic model
    traffic: TrafficConfig
    #: terrain heights for routing and terrain following
    terrain: TerrainSampler
    #: the ``sensors.toml`` of the network (owners, noise, latencies, fusion parameters)
    sensors: SensorTable
    #: the radars as kernel arrays, with their geometry grids
    arrays: RadarArrays
    #: the innocent-traffic model (None: none)
    innocent: InnocentConfig | None = None


def sensor_table(scenario, radars, geometry):
    """``sensors.toml`` content for the network (``docs/file-formats.md``): one sensor per radar, index = plot ``sensor``."""
    import math

    from radar.sensorfile import Sensor, SensorTable
    from scenarios.config.scenario import fusion_params

    from radar.feeds import cosited_heads

    h_ant = dict(zip(geometry.names, geometry.antenna_msl_m))
    partner = cosited_heads(radars)
    sensors = []
    for i, r in enumerate(radars):
        t = r.type
        sensors.append(Sensor(
            index=i, site_id=r.site_id, type=t.id, owner=r.owner, kind=t.kind, lat_deg=r.lat_deg, lon_deg=r.lon_deg,
            antenna_msl_m=float(h_ant[r.name]), scan_period_s=r.scan_s, sigma_range_m=t.sigma_range_m,
            sigma_azimuth_rad=t.sigma_azimuth_rad,
            sigma_elevation_rad=t.sigma_elevation_rad if t.kind == "PSR_3D" else math.nan,
            latency_s=0.0, range_max_m=t.instrumented_range_m, iff=bool(t.iff_interrogator),
            cosited_with=int(partner[i])))
    return SensorTable(frame=scenario.frame, sensors=tuple(sensors), fusion=fusion_params(scenario))


def prepare(scenario, network_name: str | None = None, dem=None, geometry=None) -> DayContext:
    """Load (if names are given) and precompute what every day of a study shares."""
    from radar.coverage import compute_geometry
    from scenarios.config.inputs import load_inputs
    from scenarios.config.innocent import load_innocent
    from scenarios.config.scenario import load_scenario
    from scenarios.flights.threat import TerrainSampler

    if isinstance(scenario, str) or scenario is None:
        scenario = load_scenario(scenario)
    network = scenario.network(network_name or "peru")
    radars = tuple(network.radars)
    scenario, dem, threat, traffic = load_inputs(scenario, dem)
    if geometry is None:
        geometry = compute_geometry(radars, dem, scenario.terrain, scenario.coverage)
    terrain = TerrainSampler(dem, scenario.terrain)
    return DayContext(scenario, network, radars, dem, geometry, threat, traffic, terrain,
                      sensor_table(scenario, radars, geometry), radar_arrays(radars, geometry),
                      load_innocent(scenario))


@dataclass
class Day:
    """A simulated day.  ``flights`` rows and ``trajectories`` share the index used in ``plots.truth``."""

    seed: int
    day: int
    flights: FlightTable
    trajectories: Trajectories
    plots: Plots
    sensors: SensorTable
    radar_up: np.ndarray
    frame: Frame
    feed_stats: FeedStats
    background_generated: int = 0
    background_kept: int = 0
    rejected_range: int = 0
    rejected_terrain: int = 0
    notes: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    terrain: object = None  # the DEM (radar.terrain.Dem): the floor of the tracker's held heights

    def truth(self, interval_s: float = 10.0):
        """Airborne truth (time_s, target, enu (n, 3)) every ``interval_s`` seconds."""
        return truth_samples(self.trajectories, self.frame, interval_s)


@dataclass(frozen=True)
class DayTraffic:
    """A day's flights, which do not depend on the radar network: build once with
    :func:`simulate_traffic`, pass to :func:`simulate_day` for every network of a study.

    ``flights`` rows, ``trajectories`` and ``uids`` (the keys of each flight's detection draws) share one
    index: drug flights first, then the background flights kept, then the innocent flights.  ``background`` and
    ``background_window`` record the :class:`DayOptions` it was built with (checked on reuse).
    """

    seed: int
    day: int
    flights: FlightTable
    trajectories: Trajectories
    uids: np.ndarray
    background: bool
    background_window: tuple[float, float] | None
    background_generated: int = 0
    background_kept: int = 0
    rejected_range: int = 0
    rejected_terrain: int = 0
    notes: tuple = ()
    seconds: float = 0.0


def simulate_traffic(ctx: DayContext, seed: int = 0, day: int = 0, options: DayOptions | None = None) -> DayTraffic:
    """Drug flights and (per ``options``) background traffic of day ``day``: everything of a day that does
    not depend on the network (only ``ctx.threat``, ``ctx.traffic`` and ``ctx.terrain`` are used, so the
    context of any network of the scenario gives the same traffic)."""
    from scenarios.flights.threat import generate_drug_flights
    from scenarios.flights.traffic import generate_background, near_drug_spans
    from scenarios.flights.trajectory import clip_trajectories

    options = options or DayOptions()
    if day < 0:
        raise InputError(f"day = {day}: must be >= 0")
    tick = time.perf_counter()
    threat = generate_drug_flights(ctx.threat, ctx.terrain, seed, day)
    n_drug = len(threat.flights)
    trajs = [threat.trajectories]
    tables = [threat.flights]
    uids = [np.arange(n_drug, dtype=np.int64)]
    bg_gen = bg_kept = 0
    if options.background:
        btraj, btab, buid = generate_background(ctx.traffic, ctx.terrain, seed, day)
        bg_gen = len(btab)
        if options.background_window is not None:
            t_near, t_far = near_drug_spans(btraj, threat.trajectories, *options.background_window)
            idx = np.flatnonzero(np.isfinite(t_near))
            w = options.background_window[1]
            btraj = clip_trajectories(_take_trajectories(btraj, idx), t_near[idx] - w, t_far[idx] + w)
            btab = btab.take(idx)
            buid = buid[idx]
        bg_kept = len(btab)
        trajs.append(btraj)
        tables.append(btab)
        uids.append(buid)
    if options.background and ctx.innocent is not None and ctx.innocent.flights_per_day > 0:
        # innocent (non-cooperative) general aviation: all of it, whatever the background window keeps
        from scenarios.flights.innocent import generate_innocent

        itraj, itab, iuid = generate_innocent(ctx.innocent, ctx.terrain, seed, day)
        trajs.append(itraj)
        tables.append(itab)
        uids.append(iuid)
    traj = Trajectories.concat(trajs)
    flights = FlightTable.concat(tables)
    return DayTraffic(int(seed), int(day), flights, traj, np.concatenate(uids), bool(options.background),
                      options.background_window, bg_gen, bg_kept, threat.rejected_range, threat.rejected_terrain,
                      tuple(threat.notes), time.perf_counter() - tick)


def _plots(radars, geometry, arrays, frame, seed, day, options, traffic):
    """(plots, feed stats, up per radar) of ``radars`` for the day's traffic."""
    traj, flights = traffic.trajectories, traffic.flights
    up = outage_states(radars, seed, day)
    for i, r in enumerate(radars):
        if r.name in options.force_up:
            up[i] = True
    targets = Targets(traffic.uids, flights.rcs_m2.astype(float), flights.transponder_on.astype(bool),
                      flights.squawk.astype(np.int32))
    window = (day * 86400.0, max((day + 1) * 86400.0, float(traj.time_span()[1].max()) if traj.n_flights else 0.0))
    plots, stats = generate_plots(traj, targets, radars, geometry, seed, day, up, options.feeds, window, frame, arrays,
                                  options.convert)
    return plots, stats, up


@dataclass(frozen=True, eq=False)
class SharedPlots:
    """One day's plots of the union of several networks' radars (:class:`radar.shared_feeds.UnionFeed`):
    :func:`simulate_day` takes each network's from them (the same plots as generating them alone)."""

    feed: object
    seed: int
    day: int
    traffic: DayTraffic
    options: DayOptions
    plots: Plots
    stats: FeedStats
    up: np.ndarray


def shared_plots(feed, ctx: DayContext, seed: int, day: int, options: DayOptions, traffic: DayTraffic) -> SharedPlots:
    """The plots of every radar of ``feed`` (a :class:`radar.shared_feeds.UnionFeed`) on one day; ``ctx``: the
    context of any of its networks (only its frame is used)."""
    plots, stats, up = _plots(feed.radars, None, feed.arrays, ctx.scenario.frame, seed, day, options, traffic)
    return SharedPlots(feed, int(seed), int(day), traffic, options, plots, stats, up)


def simulate_day(ctx_or_scenario, network_name: str | None = None, seed: int = 0, day: int = 0, geometry=None,
                 dem=None, options: DayOptions | None = None, traffic: DayTraffic | None = None,
                 shared: SharedPlots | None = None) -> Day:
    """Simulate one day.  Pass a :class:`DayContext` (fast, for studies) or a scenario (+ network, DEM, geometry).

    traffic: the day's flights from :func:`simulate_traffic` (same seed, day and background options),
    to share them between networks; None builds them here.  The plots are the same either way.
    shared: the day's plots of several networks' radars at once (:func:`shared_plots`, built from the same
    ``traffic`` and options); the network's are taken from them.  The plots are the same either way.
    """
    ctx = ctx_or_scenario if isinstance(ctx_or_scenario, DayContext) else prepare(ctx_or_scenario, network_name, dem,
                                                                                  geometry)
    options = options or DayOptions()
    if day < 0:
        raise InputError(f"day = {day}: must be >= 0")
    secs = {}
    if traffic is None:
        traffic = simulate_traffic(ctx, seed, day, options)
        secs["trajectories"] = traffic.seconds
    else:
        if (traffic.seed, traffic.day) != (int(seed), int(day)):
            raise InputError(f"simulate_day(seed={seed}, day={day}): the traffic given was built for seed "
                             f"{traffic.seed}, day {traffic.day}; expected the same seed and day")
        if (traffic.background, traffic.background_window) != (bool(options.background), options.background_window):
            raise InputError(f"simulate_day: the traffic given was built with background={traffic.background}, "
                             f"background_window={traffic.background_window}; the options ask for "
                             f"background={options.background}, background_window={options.background_window}")
        secs["trajectories"] = 0.0
    traj, flights = traffic.trajectories, traffic.flights
    if shared is None:
        plots, stats, up = _plots(ctx.radars, ctx.geometry, ctx.arrays, ctx.scenario.frame, seed, day, options, traffic)
    else:
        if (shared.seed, shared.day) != (int(seed), int(day)) or shared.traffic is not traffic or shared.options != options:
            raise InputError(f"simulate_day(seed={seed}, day={day}): the shared plots given were built for seed "
                             f"{shared.seed}, day {shared.day} and other traffic or options")
        idx = shared.feed.index.get(ctx.network.name)
        if idx is None or [shared.feed.radars[i].name for i in idx] != [r.name for r in ctx.radars]:
            raise InputError(f"simulate_day: the shared plots given do not cover network {ctx.network.name}'s radars")
        plots, stats = shared.feed.plots_of(ctx.network.name, shared.plots, shared.stats)
        up = shared.up[idx]
    secs.update(stats.seconds)
    return Day(seed, day, flights, traj, plots, ctx.sensors, up, ctx.scenario.frame, stats,
               traffic.background_generated, traffic.background_kept, traffic.rejected_range, traffic.rejected_terrain,
               list(traffic.notes), secs, ctx.dem)


def _take_trajectories(traj: Trajectories, idx) -> Trajectories:
    """Flights ``idx`` of ``traj`` (in that order).  Speed: one gather of the waypoint rows."""
    from scenarios.flights.trajectory import empty_trajectories

    idx = np.asarray(idx, np.int64).reshape(-1)
    if idx.size == 0:
        return empty_trajectories()
    a = traj.offsets[idx]
    sizes = traj.offsets[idx + 1] - a
    offsets = np.zeros(idx.size + 1, np.int64)
    np.cumsum(sizes, out=offsets[1:])
    rows = np.repeat(a - offsets[:-1], sizes) + np.arange(offsets[-1])
    return Trajectories(offsets, traj.t_s[rows], traj.lat_rad[rows], traj.lon_rad[rows], traj.h_m[rows],
                        traj.phase[rows].astype(np.int8))
