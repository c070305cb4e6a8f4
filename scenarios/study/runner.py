"""The Monte Carlo trade-off study: networks x pictures x options over many simulated days.

A study = scenario + networks x pictures x interceptor options + D days + seed.  Day d
depends on (seed, d) alone; every network, picture and option of day d sees the same flights,
and every picture of an option the same engagement draws (common random numbers), so all
differences are paired.

Work is split into **chunks** = blocks of consecutive days (every network inside, so a day's
flights are generated once and shared by the networks).  A chunk is computed
by a worker (in-process, a local process pool, or Dask) and written by the parent into the
SQLite store in one transaction together with its row in ``chunks``; so an interrupted run
(Ctrl-C, a killed worker, ``kill -9``) resumes with ``--resume`` without losing or
duplicating a row, and a store whose ``meta.complete`` is not 1 never claims completeness.
Results do not depend on the executor, the worker count, or the chunk size: each day is
computed alone from (seed, d), and rows are ordered by (network, day, option, picture, seq).
"""
from __future__ import annotations

import gc
import json
import math
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

from radar.errors import InputError
from scenarios.study.spec import RESULT_COLUMNS, SCHEMA_VERSION, StudyContext, StudySpec, validate_spec
from scenarios.study.store import Store

# ------------------------------------------------------------------------------------------
# One chunk (runs in a worker)
_WORKER_CTX: dict = {}


def _context(spec: StudySpec) -> StudyContext:
    key = spec.key()
    ctx = _WORKER_CTX.get(key)
    if ctx is None:
        _WORKER_CTX.clear()
        ctx = validate_spec(spec)
        _WORKER_CTX[key] = ctx
    return ctx


def day_options(spec: StudySpec):
    from radar.feeds import FeedOptions
    from scenarios.simulation.day import DayOptions

    window = None
    if spec.background_window_km >= 0:
        window = (spec.background_window_km * 1e3, spec.background_window_min * 60.0)
    feeds = FeedOptions()
    if spec.false_plot_window_km > 0:
        import dataclasses

        feeds = dataclasses.replace(feeds, false_plot_window_m=spec.false_plot_window_km * 1e3)
    return DayOptions(background=True, background_window=window, feeds=feeds)


def run_chunk(spec: StudySpec, d0: int, d1: int, threads: int | None = None) -> dict:
    """Compute days d0..d1-1 of every network: result rows and per-day stats (plain lists)."""
    if threads is not None:
        from radar._jit import set_threads

        set_threads(threads)
    from scenarios.simulation.day import shared_plots, simulate_traffic
    from tracker.tracker import TrackMemo

    t_chunk = time.perf_counter()
    ctx = _context(spec)
    opts = day_options(spec)
    feed = ctx.union_feed(spec.networks)
    rows: list[tuple] = []
    days: list[tuple] = []
    for d in range(d0, d1):
        tt = time.perf_counter()
        first = ctx.day_context(spec.networks[0])
        traffic = simulate_traffic(first, seed=spec.seed, day=d, options=opts)
        # the plots of every network's radars at once (the same plots as one network at a time; speed)
        shared = shared_plots(feed, first, spec.seed, d, opts, traffic) if feed is not None else None
        t_traffic = (time.perf_counter() - tt) / len(spec.networks)
        memo = TrackMemo()  # networks sharing radars: their identical tracker runs once (speed)
        for network in spec.networks:
            _one_day(ctx, spec, network, d, opts, traffic, t_traffic, rows, days, shared, memo)
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    return {"d0": d0, "d1": d1, "rows": rows, "days": days, "peak_rss_mb": rss_mb,
            "seconds": time.perf_counter() - t_chunk}


def prime_worker(spec: StudySpec) -> int:
    """Build this worker's study context and every network's day context (no kernel is called except
    the geometry grids'); chunks find them ready.  Returns the worker's pid."""
    ctx = _context(spec)
    for network in spec.networks:
        ctx.day_context(network)
    ctx.union_feed(spec.networks)
    import scenarios.engagement.engagement  # noqa: F401
    import tracker.pictures  # noqa: F401

    gc.freeze()  # what is loaded now lives as long as the worker: out of the collector's sight (speed: see run_study)
    return os.getpid()


def _preload_report() -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401

        import scenarios.study.report  # noqa: F401
    except Exception:  # the report imports them again and reports any error itself
        pass


def warm_pipeline(spec: StudySpec) -> float:
    """Compile (or load) every kernel of the study pipeline: :func:`scenarios.warmup.warmup`, then, if it
    had to compile anything (a cold or stale cache), day 0 of the first network too, which reaches the
    study's own specialisations and the engagement kernels.  With a warm cache the day-0 run is skipped
    (about 1 s of serial work before the workers start).

    Cold cache (speed of the first run after installing): the tracker's kernels are about two thirds of
    the compile time, so a spawned process compiles them into the on-disk cache (started first when the
    cache index says they are missing) while this one compiles the traffic and feed kernels of day 0 and
    the engagement kernels (:func:`_warm_engagement`); then this one loads them from the cache.
    Compilation only: the results do not depend on it.  If the helper fails, this process compiles them
    itself."""
    from radar._jit import CACHE, compilations
    from scenarios.warmup import stale_modules, warmup

    t0 = time.perf_counter()
    before = compilations()
    helper = None
    if CACHE and stale_modules(("tracker._kernels.loop",)):
        # the tracker is the longest compile: started first (its helper runs beside the warm-ups below)
        helper = _start_tracker_compile()
    # the coverage and feed warm-ups are cheap with a warm cache and compile something with a cold one
    warmup(skip=("tracker.tracker",))
    if helper is None and compilations() > before and CACHE:
        helper = _start_tracker_compile()
    if helper is None:
        warmup()
        if compilations() == before:
            return time.perf_counter() - t0
    ctx = _context(spec)
    opts = day_options(spec)
    from scenarios.simulation.day import simulate_day, simulate_traffic

    traffic = simulate_traffic(ctx.day_context(spec.networks[0]), seed=spec.seed, day=0, options=opts)
    if helper is not None:
        day = simulate_day(ctx.day_context(spec.networks[0]), seed=spec.seed, day=0, options=opts, traffic=traffic)
        _warm_engagement(ctx, spec, day)  # while the helper still compiles the tracker
        helper.join()
        warmup()  # the tracker kernels, from the cache the helper wrote (or compiled here if it failed)
    _one_day(ctx, spec, spec.networks[0], 0, opts, traffic, 0.0, [], [])
    return time.perf_counter() - t0


def _warm_engagement(ctx, spec: StudySpec, day) -> None:
    """Compile the engagement kernels without the tracker (a cold cache, while its helper compiles it): the
    day's drug flights as a picture of their own true tracks (a primary-only row every 10 s), played by every
    option in every picture of the study.  Compilation only: the outcomes are discarded."""
    from scenarios.engagement.engagement import evaluate_day
    from tracker.pictures import STATUS_CONFIRMED, Picture

    t, f, pos = day.truth(10.0)
    keep = np.asarray(day.flights.is_drug, bool)[f]
    t, f, pos = t[keep], np.asarray(f[keep], np.int64), pos[keep]
    if t.size < 2:
        return
    o = np.lexsort((t, f))  # by flight, then time: velocities from the next sample of the same flight
    t, f, pos = t[o], f[o], pos[o]
    vel = np.zeros_like(pos)
    same = f[1:] == f[:-1]
    dt = np.where(same, t[1:] - t[:-1], 1.0)
    vel[:-1][same] = ((pos[1:] - pos[:-1]) / dt[:, None])[same]
    o = np.lexsort((f, t))
    t, f, pos, vel = t[o], f[o], pos[o], vel[o]
    n = t.size
    cols = dict(time_s=t, track=f, x_m=pos[:, 0].copy(), y_m=pos[:, 1].copy(), z_m=pos[:, 2].copy(),
                vx_mps=vel[:, 0].copy(), vy_mps=vel[:, 1].copy(), vz_mps=vel[:, 2].copy(),
                pos_cov=np.tile([1e4, 0.0, 0.0, 1e4, 0.0, 1e4], (n, 1)), pos_sigma_m=np.full(n, 100.0),
                status=np.full(n, STATUS_CONFIRMED, np.int8), squawk=np.full(n, -1, np.int32),
                sensors=np.ones(n, np.int64), sigma_v_m=np.full(n, 100.0))
    pictures = {p: Picture(name=p, t_obs_s=(t.copy() if p == "non_integrated" else None), **cols)
                for p in spec.pictures}
    evaluate_day(day, pictures, ctx.options, ctx.interceptors.params, spec.seed)


def _compile_tracker() -> None:
    """Body of the helper process of :func:`warm_pipeline`: the tracker's warm-up, into the kernel cache."""
    from tracker.tracker import warmup

    warmup()


def _start_tracker_compile():
    """A spawned process running :func:`_compile_tracker` (started), or None if it cannot start or
    ``AIRBRIDGE_COMPILE_HELPER=0`` (everything compiles in this process: ``tools/compile_profile.py``)."""
    import multiprocessing
    import os

    if os.environ.get("AIRBRIDGE_COMPILE_HELPER", "1").strip() == "0":
        return None

    try:
        proc = multiprocessing.get_context("spawn").Process(target=_compile_tracker, name="airbridge-compile",
                                                             daemon=True)
        proc.start()
    except (OSError, RuntimeError):
        return None
    return proc


def _one_day(ctx, spec, network, d, opts, traffic, t_traffic, rows, days, shared=None, memo=None):
    """Feeds, pictures and engagements of one network-day; appends its rows and stage times."""
    from scenarios.simulation.day import simulate_day
    from scenarios.engagement.engagement import build_pictures, evaluate_day

    t0 = time.perf_counter() - t_traffic  # the shared traffic and plots' cost, split between the networks
    day = simulate_day(ctx.day_context(network), seed=spec.seed, day=d, options=opts, traffic=traffic, shared=shared)
    t1 = time.perf_counter()
    pictures = build_pictures(day, spec.pictures, spec.seed, ctx.interceptors.params, memo)
    t2 = time.perf_counter()
    table = evaluate_day(day, pictures, ctx.options, ctx.interceptors.params, spec.seed)
    t3 = time.perf_counter()
    cols = table.columns
    n = len(table)
    seq: dict[tuple, int] = {}
    seqs = []
    for k in zip(cols["option"], cols["mode"]):
        s = seq.get(k, 0)
        seq[k] = s + 1
        seqs.append(s)
    # plain Python values, column by column (speed): NaN -> None, bools -> 0/1
    plain = [_plain_column(cols[h], n) for h in RESULT_COLUMNS[3:]]
    rows.extend(zip([network] * n, [d] * n, seqs, *plain))
    n_drug = int(np.asarray(day.flights.is_drug, bool).sum())
    days.append((network, d, n_drug, len(day.flights) - n_drug, len(day.plots), t1 - t0, t2 - t1, t3 - t2))


def _plain_column(col, n: int) -> list:
    """A result column as plain Python values (what :func:`_plain` gives element by element)."""
    a = np.asarray(col)
    if a.dtype.kind == "f":
        out = a.tolist()
        if np.isnan(a).any():
            out = [None if v != v else v for v in out]
        return out
    if a.dtype.kind in "biu":
        return a.astype(np.int64).tolist()
    vals = list(col) if len(col) == n else a.tolist()
    if all(type(v) is str for v in vals):  # text columns (speed: no call per value)
        return vals
    return [_plain(v) for v in vals]


def _plain(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return None if math.isnan(v) else v
    if isinstance(v, (np.bool_, bool)):
        return int(v)
    return v


# ------------------------------------------------------------------------------------------
class Progress:
    """Days done, rate and time left, on stderr: a bar redrawn in place on a terminal, otherwise (a log,
    a pipe) one line each time another tenth of the days is done."""

    def __init__(self, total_days: int, done_days: int = 0, enabled: bool | None = None):
        self.total = total_days
        self.done = done_days
        self.start_done = done_days
        self.t0 = time.perf_counter()
        self.enabled = True if enabled is None else enabled
        self.tty = sys.stderr.isatty()
        self.tenths = self._tenths()

    def _tenths(self) -> int:
        return (10 * self.done) // max(1, self.total)

    def update(self, days: int) -> None:
        self.done += days
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        rate = (self.done - self.start_done) / el if el > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        if self.tty:
            width = 30
            fill = int(width * self.done / max(1, self.total))
            sys.stderr.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} days  "
                             f"{rate:.1f} days/s  ETA {eta:4.0f} s ")
        elif self._tenths() > self.tenths:
            self.tenths = self._tenths()
            sys.stderr.write(f"study: {self.done}/{self.total} days ({100 * self.done / max(1, self.total):.0f} %), "
                             f"{rate:.1f} days/s, about {eta:.0f} s left\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")


def _can_fork() -> bool:
    """Fork local workers (POSIX, unless AIRBRIDGE_START_METHOD=spawn) when Numba's threading layer is, or
    can still be made, fork-safe (:func:`radar._jit.fork_safe_threading`); otherwise spawn them."""
    method = os.environ.get("AIRBRIDGE_START_METHOD", "").strip().lower()
    if method not in ("", "fork", "spawn"):
        raise InputError(f"AIRBRIDGE_START_METHOD = {method!r}: expected fork or spawn (or unset)")
    if method == "spawn" or not hasattr(os, "fork"):
        return False
    from radar._jit import fork_safe_threading

    return fork_safe_threading()


def _executor(workers: int, scheduler: str | None, start: str = "spawn"):
    """(submit(fn, *args) -> future, as_completed(futures), shutdown())."""
    if scheduler:
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError:
            raise InputError(f"--scheduler {scheduler}: needs Dask distributed: install the cluster extra "
                             "(pip install -e '.[cluster]')") from None
        if scheduler == "local":
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None)
            client = Client(cluster)
        else:
            if not scheduler.startswith("tcp://"):
                raise InputError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT or local")
            try:
                client = Client(scheduler, timeout=10)
            except Exception as exc:  # noqa: BLE001
                raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
            cluster = None

        def shutdown():
            client.close()
            if cluster is not None:
                cluster.close()

        return (lambda fn, *a: client.submit(fn, *a, pure=False)), as_completed, shutdown
    if workers <= 1:
        class _Lazy:
            """In-process 'future': the chunk is computed when its result is asked for, so each
            chunk is stored (and the progress bar moves) before the next one starts."""

            def __init__(self, fn, args):
                self._fn, self._args = fn, args

            def result(self):
                return self._fn(*self._args)

        return (lambda fn, *a: _Lazy(fn, a)), (lambda fs: iter(fs)), (lambda: None)
    import concurrent.futures as cf
    import multiprocessing as mp

    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(start))

    def shutdown():
        pool.shutdown(wait=False, cancel_futures=True)

    return pool.submit, cf.as_completed, shutdown


def run_study(spec: StudySpec, out: Path, workers: int = 0, scheduler: str | None = None, resume: bool = False,
              progress: bool | None = None, max_chunks: int | None = None, log=print) -> Path:
    """Run (or resume) a study into ``out/study.sqlite``; returns the store path."""
    ctx = validate_spec(spec)
    if scheduler and scheduler != "local" and not scheduler.startswith("tcp://"):
        raise InputError(f"--scheduler {scheduler!r}: expected tcp://HOST:PORT or local")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    store_path = out / "study.sqlite"
    created = False
    if store_path.exists():
        store = Store(store_path)
        meta = store.meta()
        if meta.get("study_key") and meta["study_key"] != spec.key():
            store.close()
            raise InputError(f"--out {out}: holds a different study ({meta.get('study_json', '?')}): "
                             "use another --out, or delete it")
        if not resume and store.done_chunks():
            store.close()
            raise InputError(f"--out {out}: holds a partial or finished run of this study: add --resume to continue "
                             "it, or use another --out")
    else:
        out.mkdir(parents=True, exist_ok=True)
        store = Store(store_path)
        created = True
    store.set_meta(study_key=spec.key(), study_json=json.dumps(spec.record(), sort_keys=True),
                   schema_version=SCHEMA_VERSION, complete=0)
    done = store.done_chunks()
    todo = [c for c in spec.chunks() if c[0] not in done]
    if max_chunks is not None:
        todo = todo[:max_chunks]
    workers = workers or os.cpu_count() or 1
    # Warm every Numba cache in the parent before any worker starts, so workers load compiled
    # kernels from the on-disk cache instead of each compiling them: one real network-day of this
    # study runs in-process (its result is discarded; the chunk is computed again by a worker).
    try:
        submit, as_completed, shutdown = None, None, None
        fork = workers > 1 and not scheduler and _can_fork()
        if fork:
            # local processes forked from a parent that has loaded every kernel and built every network's
            # context: the workers start with all of it (speed: spawned workers each spent 2-4 s importing,
            # loading the kernel cache and preparing the networks)
            warm_pipeline(spec)
            ctx = _context(spec)
            for network in spec.networks:
                ctx.day_context(network)
            submit, as_completed, shutdown = _executor(workers, scheduler, start="fork")
        elif workers > 1 or scheduler:
            submit, as_completed, shutdown = _executor(workers, scheduler)
            try:
                # workers start, import and build their per-network context (terrain, geometry grids) while
                # the parent warms the kernel cache (speed: overlaps about 2 s of worker start-up with it)
                primes = [submit(prime_worker, spec) for _ in range(max(workers, 1))]  # noqa: F841 (kept referenced)
                warm_pipeline(spec)
            except BaseException:
                shutdown()
                raise
        else:
            submit, as_completed, shutdown = _executor(workers, scheduler)
    except BaseException:
        # nothing computed yet: leave no store behind if this run created it
        store.close()
        if created:
            store_path.unlink(missing_ok=True)
            try:
                out.rmdir()
            except OSError:
                pass
        raise
    threads = 1 if (workers > 1 or scheduler) else None
    # Test hook: pause after each stored chunk so interruption tests can hit a run mid-way
    # (a real study's chunks take seconds; the tests' tiny ones take milliseconds).
    pause_s = float(os.environ.get("AIRBRIDGE_TEST_CHUNK_PAUSE_S", "0") or 0)
    prog = Progress(spec.days, spec.days - sum(d1 - d0 for d0, d1 in todo), progress)  # after the warm-up
    t_start = time.perf_counter()
    peak_rss = 0.0
    # the workers are forked from this process, or the chunks run in it: what is loaded now (kernels, modules,
    # the networks' contexts) lives to the end, out of the garbage collector's sight (speed: its full
    # collections traversed it again and again, about 2 % of a worker's time; results do not depend on it)
    frozen = fork or not (workers > 1 or scheduler)
    if frozen:
        gc.freeze()
    try:
        futures = {}
        for d0, d1 in todo:
            f = submit(run_chunk, spec, d0, d1, threads)
            futures[f] = (d0, d1)
        pending = len(futures)
        for f in as_completed(list(futures)):
            pending -= 1
            if pending == max(workers, 1) - 1:
                # a core is idle from now on: load the report's plotting modules there, off the critical path
                threading.Thread(target=_preload_report, daemon=True).start()
            d0, d1 = futures[f]
            result = f.result()
            store.write_chunk(result, result["seconds"])
            peak_rss = max(peak_rss, result.get("peak_rss_mb", 0.0))
            prog.update(d1 - d0)
            if pause_s > 0:
                time.sleep(pause_s)
        complete = store.done_chunks() >= {d0 for d0, _ in spec.chunks()}
        import resource

        parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        executor = scheduler or (f"processes ({'fork' if fork else 'spawn'})" if workers > 1 else "in-process")
        store.set_meta(complete=int(complete), wall_s=f"{time.perf_counter() - t_start:.2f}",
                       peak_rss_mb_worker=f"{peak_rss:.0f}", peak_rss_mb_parent=f"{parent_rss:.0f}",
                       workers=workers, executor=executor)
    finally:
        if frozen:
            gc.unfreeze()
        prog.close()
        shutdown()
        store.close()
    return store_path
