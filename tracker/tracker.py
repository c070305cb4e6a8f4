"""Public layer of the tracker: plots (+ sensors) in, track rows out.

:func:`track` validates once, orders the plots (arrival order, batches), calls the one
compiled loop :func:`tracker._kernels.loop.run_tracker` and wraps its rows.  No Python
loop over plots or tracks.
"""
from __future__ import annotations

import dataclasses
import time as _time
from dataclasses import dataclass

import numpy as np

from radar.errors import InputError
from radar.plotlog import Plots
from tracker.params import TrackerParams


@dataclass(frozen=True)
class TrackRows:
    """Output rows of one tracker run (one row per confirmed track per output time or update)."""

    time_s: np.ndarray
    """Row time (s); the state is predicted to it."""
    track: np.ndarray
    """Stable track id (i8)."""
    state: np.ndarray
    """(N, 6) x, y, z (m), vx, vy, vz (m/s), scenario ENU."""
    pos_cov: np.ndarray
    """(N, 6) position covariance xx, xy, xz, yy, yz, zz (m^2)."""
    status: np.ndarray
    """1 confirmed (2 cued, in pictures)."""
    squawk: np.ndarray
    """Last Mode 3/A code associated to the track, -1 none."""
    sensors: np.ndarray
    """Bitmask of the sensor indices that fed the track (i8)."""
    sigma_v_m: np.ndarray
    """Vertical standard deviation of the position (m), along the local up: large (>= the prior's 1 km) when
    the track's height is held, not observed (2D plots only)."""

    def __len__(self):
        return int(self.time_s.shape[0])


@dataclass(frozen=True)
class TrackResult:
    rows: TrackRows
    n_plots: int
    n_used: int
    n_dropped_late: int
    confirmed_tracks: int
    tracking_s: float
    nis_mean: tuple
    """Mean NIS per measurement dimension (1, 2, 3); NaN where none."""
    stats: dict

    @property
    def plots_per_s(self) -> float:
        return self.n_plots / self.tracking_s if self.tracking_s > 0 else float("inf")


@dataclass(frozen=True)
class Grids:
    """Geometry grids in kernel form (see :func:`load_grids`)."""

    stack: np.ndarray  # (G, nlat, nlon) f8: min visible MSL (NaN: never visible)
    sensor_grid: np.ndarray  # (S,) i4: index into stack, -1 none
    lat0: float  # first (northernmost) cell centre, deg
    dlat: float  # > 0, deg
    lon0: float  # first (westernmost) cell centre, deg
    dlon: float  # > 0, deg


@dataclass(frozen=True)
class Terrain:
    """Terrain heights in kernel form: a regular lat/lon grid (m MSL, sea clamped to 0), rows north to south."""

    grid: np.ndarray  # (nlat, nlon) f8
    lat0: float  # first (northernmost) cell centre, deg
    dlat: float  # > 0, deg
    lon0: float  # first (westernmost) cell centre, deg
    dlon: float  # > 0, deg

    @classmethod
    def from_dem(cls, dem) -> "Terrain":
        """From a :class:`radar.terrain.Dem` (its ground, bathymetry clamped to 0); built once per DEM."""
        cached = dem.__dict__.get("_tracker_terrain")
        if cached is None:
            cached = cls(np.ascontiguousarray(dem.ground(), dtype=np.float64), float(dem.lat[0]), float(dem.dlat),
                         float(dem.lon[0]), float(dem.dlon))
            dem.__dict__["_tracker_terrain"] = cached  # frozen dataclass: a cache, not a field
        return cached


def load_grids(source, sensors) -> Grids:
    """Geometry grids from ``grids.npz`` (path or mapping): ``lat`` (descending), ``lon`` (ascending) and
    ``min_visible_msl__<site_id>__<type>`` per sensor.  Sensors without a grid get -1 (no visibility test)."""
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        expected = "expected the grids.npz of 'airbridge coverage' (lat, lon, min_visible_msl__*)"
        try:
            with open(source, "rb") as fh:
                if fh.read(4) != b"PK\x03\x04":  # an .npz is a zip archive
                    raise InputError(f"{source}: not an .npz file: {expected}")
            data = dict(np.load(source, allow_pickle=False))
        except (OSError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"{source}: cannot read geometry grids ({exc}): {expected}") from None
        name = str(source)
    else:
        data = dict(source)
        name = "grids"
    for k in ("lat", "lon"):
        if k not in data:
            raise InputError(f"{name}: array {k!r} missing; expected lat (descending), lon (ascending) cell centres")
    lat = np.asarray(data["lat"], float)
    lon = np.asarray(data["lon"], float)
    if lat.size < 2 or lon.size < 2 or not (np.all(np.diff(lat) < 0) and np.all(np.diff(lon) > 0)):
        raise InputError(f"{name}: lat must be descending and lon ascending (cell centres, >= 2 each)")
    stack = []
    sg = np.full(len(sensors.sensors), -1, dtype=np.int32)
    for s in sensors.sensors:
        key = f"min_visible_msl__{s.site_id}__{s.type}"
        if key in data:
            g = np.asarray(data[key], float)
            if g.shape != (lat.size, lon.size):
                raise InputError(f"{name}: {key} has shape {g.shape}; expected ({lat.size}, {lon.size})")
            sg[s.index] = len(stack)
            stack.append(g)
    st = np.ascontiguousarray(np.stack(stack)) if stack else np.zeros((0, 1, 1))
    return Grids(st, sg, float(lat[0]), float(lat[0] - lat[1]), float(lon[0]), float(lon[1] - lon[0]))


def arrival_order(plots: Plots, proc_time_s: np.ndarray | None = None) -> np.ndarray:
    """Indices of the plots in processing order: by processing time (default: the plot time), then plot time."""
    proc = plots.time_s if proc_time_s is None else np.asarray(proc_time_s, float)
    return np.lexsort((np.arange(len(plots)), plots.time_s, proc))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same dtype, shape and bytes (NaN equals NaN, 0.0 differs from -0.0; ``a``, ``b`` contiguous)."""
    return (a.dtype == b.dtype and a.shape == b.shape
            and bool(np.array_equal(a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8))))


class TrackMemo:
    """Results of earlier :func:`track` runs, given back for a run on the same inputs.

    A study's networks that share radars run the tracker on the same plots (the military picture of every
    network with the same military radars; the civil picture of networks with the same civil radars):
    pass one memo to all of a day's runs and each distinct run is computed once (speed).  Exact: a run is
    reused only if what the compiled loop is given is the same bytes -- every plot column in processing
    order (times, processing times, sensors, measurement types, positions, covariances, ranges, azimuths,
    Mode C, codes, late flags, batches), the rows of the sensors the plots come from (their other rows are
    never read), the parameters, window, output times and terrain (the same object) -- so its result is
    the one the loop would compute again.  Runs with geometry grids are not memoised.  The rows of a result
    a memo holds are read-only (every caller given them shares them).  Keep a memo for one day: it holds
    its runs' inputs and results."""

    def __init__(self):
        self._runs: list = []
        self.hits = 0

    def find(self, small: tuple, arrays: tuple) -> TrackResult | None:
        """The result of an earlier run with the same ``small`` key and the same ``arrays`` (read-only rows,
        ``tracking_s`` 0), or None."""
        for s2, a2, res, _keep in self._runs:
            if s2 == small and all(_same(x, y) for x, y in zip(arrays, a2)):
                self.hits += 1
                return dataclasses.replace(res, tracking_s=0.0, stats=dict(res.stats))
        return None

    def add(self, small: tuple, arrays: tuple, result: TrackResult, keep=None) -> None:
        """Hold ``result`` for runs with these inputs; its rows become read-only.  ``keep``: an object whose
        ``id`` is in ``small`` (held, so that the id is not reused)."""
        for f in dataclasses.fields(TrackRows):
            getattr(result.rows, f.name).flags.writeable = False
        self._runs.append((small, arrays, result, keep))


def track(plots: Plots, sensors=None, params: TrackerParams | None = None, *, out_times=None,
          emit_on_update: bool = False, proc_time_s=None, grids: Grids | None = None,
          window_s: float | None = None, terrain=None, memo: TrackMemo | None = None) -> TrackResult:
    """Run the tracker over ``plots``.

    Parameters
    ----------
    plots:
        The plots (any order); Cartesian x/y/z/cov must be finite for plots not updated on (range, azimuth).
    sensors:
        :class:`radar.sensorfile.SensorTable` or None.  Without it every (time, sensor) is one batch covering
        everything and every plot is a Cartesian plot with its own covariance.
    out_times:
        Times (s) at which to write a row per confirmed track alive then, predicted to that time.
    emit_on_update:
        Also write a row after each update of a confirmed track (at the batch's processing time).
    proc_time_s:
        Processing (arrival) time of each plot (s); default the plot time.  Batches are processed in order
        of the arrival of their last plot.
    grids:
        Geometry grids (:func:`load_grids`) for the geometry-visible test of counted misses.
    terrain:
        :class:`Terrain` or :class:`radar.terrain.Dem`: the floor of held heights (2D-only tracks) and the
        ground their low-level prior stands on; None: sea level.
    memo:
        A :class:`TrackMemo`: a run on the same inputs as one it holds gives that run's result (``tracking_s``
        0) instead of running again; this run is added to it.  The rows of either are read-only (shared).
    """
    from tracker._kernels import loop, prepare, tables

    params = params or TrackerParams()
    n = len(plots)
    if window_s is None:
        window_s = params.window_s if params.window_s is not None else (
            (sensors.max_latency_s if sensors is not None else 0.0) + 1.0)
    polar = sensors is not None and n > 0
    mt, bad = prepare.plot_types(polar, plots.dims, plots.range_m, plots.elevation_rad, plots.x_m, plots.y_m,
                                 plots.z_m, plots.cov)
    if bad >= 0:
        raise InputError(f"plot {bad} (sensor {plots.sensor[bad]}, t = {plots.time_s[bad]}): no Cartesian position/covariance; "
                         "polar plots need a sensors file to be converted")
    if sensors is not None and n and plots.sensor.max() >= len(sensors):
        raise InputError(f"plots: sensor id {int(plots.sensor.max())} unknown; the sensors file defines 0..{len(sensors) - 1}")
    proc = plots.time_s if proc_time_s is None else np.ascontiguousarray(proc_time_s, dtype=np.float64)
    order = arrival_order(plots, proc)
    pt_a = np.ascontiguousarray(plots.time_s[order])
    ps_a = np.ascontiguousarray(plots.sensor[order].astype(np.int64))
    late = loop.late_flags(pt_a, float(window_s))
    if sensors is not None and len(sensors):
        arr = sensors.to_arrays()
        scan = arr.scan_period_s
    else:
        arr = None
        scan = np.ones(int(ps_a.max()) + 1 if n else 1)
    full = sensors is None
    bid, nb = loop.make_batches(pt_a, ps_a, scan, params.batch_fraction, full)
    proc_a = proc[order]
    close = np.full(nb, -np.inf)
    np.maximum.at(close, bid, proc_a)
    o2 = np.lexsort((np.arange(n), bid, close[bid]))
    idx = order[o2]
    bid_sorted = bid[o2]
    bstart = np.flatnonzero(np.r_[True, bid_sorted[1:] != bid_sorted[:-1], True]).astype(np.int64) if n else np.zeros(1, np.int64)
    # the plots' columns in processing order, with what the loop never reads zeroed (one pass: speed)
    # (polar 2D plots need a gating position: the converted one (x, y) is filled by read_plot_log / feeds)
    plot_cols = tables.PlotColumns(*prepare.gather(idx, plots.time_s, proc, plots.sensor, mt, plots.x_m, plots.y_m,
                                                   plots.z_m, plots.cov, plots.range_m, plots.azimuth_rad,
                                                   plots.mode_c_m, plots.squawk),
                                   late=np.ascontiguousarray(late[o2]), bstart=bstart)
    out_times = np.zeros(0) if out_times is None else np.unique(np.asarray(out_times, float))

    def c(a, dt=np.float64):
        return np.ascontiguousarray(a, dtype=dt)

    memo_key = None
    if memo is not None and grids is None:
        # what the loop is given, but the parameter vector (the parameters, window and flags are in the small key)
        memo_key = (n, sensors is None, params, bool(emit_on_update), float(window_s), id(terrain)), (*plot_cols,
                                                                                                       out_times)
        if arr is not None:
            used = prepare.used_sensors(plot_cols.sensor, len(sensors))
            memo_key = memo_key[0], memo_key[1] + tuple(
                c(getattr(arr, k)[used]) for k in ("position_enu", "rotation", "lat_rad", "lon_rad", "antenna_msl_m",
                                                   "scan_period_s", "range_max_m", "sigma")) + (
                c(sensors.frame.origin_ecef), c(sensors.frame.rotation))
        hit = memo.find(*memo_key)
        if hit is not None:
            return hit
    terrain_in = terrain  # the object whose id is in the memo's key (held by the memo)
    if arr is not None:
        frame = sensors.frame
        sens = tables.SensorColumns(
            present=True, position=c(arr.position_enu), rotation=c(arr.rotation), lat=c(arr.lat_rad),
            lon=c(arr.lon_rad), antenna_msl=c(arr.antenna_msl_m), scan_period=c(arr.scan_period_s),
            range_max=c(arr.range_max_m), sigma=c(np.where(np.isfinite(arr.sigma), arr.sigma, 0.0)),
            origin_ecef=c(frame.origin_ecef), frame_rot=c(frame.rotation))
    else:
        from radar.frame import Frame

        frame = Frame()
        sens = tables.SensorColumns(
            present=False, position=np.zeros((1, 3)), rotation=np.eye(3).reshape(1, 3, 3).copy(), lat=np.zeros(1),
            lon=np.zeros(1), antenna_msl=np.zeros(1), scan_period=np.ones(1), range_max=np.full(1, np.inf),
            sigma=np.ones((1, 3)), origin_ecef=c(frame.origin_ecef), frame_rot=c(frame.rotation))
    if grids is not None:
        g = tables.GridColumns(c(grids.stack), c(grids.sensor_grid, np.int32), float(grids.lat0), float(grids.dlat),
                               float(grids.lon0), float(grids.dlon))
    else:
        g = tables.GridColumns(np.zeros((0, 1, 1)), np.full(0, -1, dtype=np.int32), 0.0, 1.0, 0.0, 1.0)
    if terrain is None:
        tr = tables.TerrainColumns(np.zeros((0, 1)), 0.0, 1.0, 0.0, 1.0)
    else:
        if not isinstance(terrain, Terrain):
            terrain = Terrain.from_dem(terrain)
        tr = tables.TerrainColumns(c(terrain.grid), float(terrain.lat0), float(terrain.dlat), float(terrain.lon0),
                                   float(terrain.dlon))
    p = params.to_array(float(window_s), emit_on_update, full)
    # track-table capacity: about three scans' worth of plots (tracks + initiators alive at once); doubled
    # and rerun if it overflows (rare; the time of the failed runs is counted in tracking_s)
    span = float(plots.time_s.max() - plots.time_s.min()) if n else 0.0
    per_scan = n * float(scan.max()) / max(span, float(scan.max()))
    capacity = int(min(max(n, 1) + 1, max(256, 3 * per_scan)))
    wasted = 0.0
    cap_rows = int(max(16, (n + 16) if emit_on_update else 0) + 64 * len(out_times))
    while True:
        buf = tables.new_rows(cap_rows)
        stats = np.zeros(tables.N_STATS)
        t0 = _time.perf_counter()
        # plain tuples of the bundles' fields: Numba unboxes them faster than NamedTuples (loop.run_tracker)
        res = loop.run_tracker(tuple(plot_cols), tuple(sens), tuple(g), tuple(tr), p, out_times, capacity, tuple(buf),
                               stats)
        elapsed = _time.perf_counter() - t0
        if res.status == 1:
            capacity *= 2
            wasted += elapsed
            continue
        if res.rows_needed > cap_rows:
            cap_rows = int(res.rows_needed)
            wasted += elapsed
            continue
        break
    elapsed += wasted
    nrow = res.rows_needed
    # the buffers' first rows, as views when they fill most of the buffers (speed: a copy of every row), else
    # copies (a mostly empty buffer is not kept alive by its rows)
    cut = (lambda a: a[:nrow]) if 2 * nrow >= cap_rows else (lambda a: a[:nrow].copy())
    rows = TrackRows(time_s=cut(buf.time), track=cut(buf.track), state=cut(buf.state), pos_cov=cut(buf.pos_cov),
                     status=buf.status[:nrow].astype(np.int8), squawk=buf.squawk[:nrow].astype(np.int32),
                     sensors=cut(buf.sensors), sigma_v_m=cut(buf.sigma_v))
    nis = tuple(float(stats[tables.S_NIS_SUM_1 + k] / stats[tables.S_NIS_N_1 + k]) if stats[tables.S_NIS_N_1 + k]
                else float("nan") for k in range(3))
    result = TrackResult(rows=rows, n_plots=n, n_used=int(stats[tables.S_PLOTS_USED]),
                         n_dropped_late=int(stats[tables.S_DROPPED_LATE]), confirmed_tracks=int(res.confirmed_ids),
                         tracking_s=elapsed, nis_mean=nis, stats=dict(zip(tables.STAT_NAMES, stats.tolist())))
    if memo_key is not None:
        memo.add(*memo_key, result, keep=terrain_in)
    return result


def warmup() -> None:
    """Compile the tracker kernels (CV and IMM, Cartesian and polar) on a tiny input."""
    from radar.sensorfile import Sensor, SensorTable

    n = 8
    t = np.arange(n) * 10.0
    pl = Plots.from_columns(n, time_s=t, sensor=np.zeros(n), x_m=100.0 * t, y_m=np.zeros(n), z_m=np.full(n, 1000.0),
                            cov=np.tile([1e4, 0, 0, 1e4, 0, 1e4], (n, 1)), dims=np.full(n, 3))
    for imm in (False, True):
        track(pl, None, TrackerParams(imm=imm), out_times=t[::2], emit_on_update=True)
    st = SensorTable(sensors=(Sensor(0, "w", "W", "military", "PSR_2D", -9.2, -75.0, 100.0, 10.0, 100.0, 0.002),))
    track(pl, st, TrackerParams(), memo=TrackMemo())  # with a memo: its kernel too
