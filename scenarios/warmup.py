"""Explicit Numba warm-up, and the notice printed when kernels are about to compile.

The CLI calls :func:`warmup` before timing-sensitive work and benches call it before timing,
so first-call compilation never pollutes a measurement.  Each package contributes a ``warmup()``.

With an empty (or stale) kernel cache the first command compiles for minutes before it shows
anything; :func:`announce_compile` says so on stderr first, from a cheap look at the cache
(:func:`radar._jit.fresh_modules`).
"""
from __future__ import annotations

import importlib
import sys
import time

WARMUPS = ("radar.coverage", "radar.feeds", "tracker.tracker")

#: compile time (s) of each kernel module with an empty cache, measured on the 2-core development
#: machine (the whole study pipeline: 127 s in one process); modules whose kernels all compile
#: inside their callers (tracker._kernels.kalman, the tracker loop's role sub-kernels, the feeds' random
#: draws) are counted with them
COMPILE_S = {
    "radar._kernels.geometry": 2, "radar._kernels.geodesy": 1, "radar.measurement": 1, "radar.plotlog": 1,
    "radar._kernels.visibility": 5, "radar._kernels.scan": 9, "radar._kernels.ordering": 4,
    "radar._kernels.conversion": 2, "radar._kernels.trajectory": 2,
    "scenarios.flights._kernels": 7, "scenarios.engagement._kernels": 10,
    "tracker._kernels.loop": 95, "tracker._kernels.assign": 3, "tracker._kernels.prepare": 1,
}
_FEEDS = ("radar._kernels.visibility", "radar._kernels.scan", "radar._kernels.ordering", "radar._kernels.conversion",
          "radar._kernels.trajectory")
_SIMULATE = ("radar._kernels.geometry", "radar._kernels.geodesy", "radar.measurement", "radar.plotlog") + _FEEDS + (
    "scenarios.flights._kernels",)
_TRACK = ("radar.plotlog", "radar.measurement", "tracker._kernels.loop", "tracker._kernels.assign",
          "tracker._kernels.prepare")
#: the kernel modules each kind of run calls
RUN_KERNELS = {
    "simulate": _SIMULATE,
    "track": _TRACK,
    "engage": _SIMULATE + _TRACK[2:] + ("scenarios.engagement._kernels",),
    "study": tuple(COMPILE_S),
}
#: a notice is printed only when at least this much compiling is expected (s)
NOTICE_FROM_S = 10.0


def warmup(verbose: bool = False, skip: tuple = ()) -> float:
    """Run every package's warm-up (except the modules named in ``skip``); returns the seconds taken."""
    t0 = time.perf_counter()
    for name in WARMUPS:
        if name in skip:
            continue
        t = time.perf_counter()
        importlib.import_module(name).warmup()
        if verbose:
            print(f"warm-up {name}: {time.perf_counter() - t:.2f} s")
    return time.perf_counter() - t0


def stale_modules(modules) -> set | None:
    """The kernel modules among ``modules`` (imported here) whose kernels the on-disk cache does not hold for this
    source, Numba and CPU (they compile on first use); None if the cache cannot be inspected or is off."""
    from radar import _jit

    for name in modules:
        importlib.import_module(name)
    fresh = _jit.fresh_modules()
    return None if fresh is None else {m for m in modules if m not in fresh}


def compile_notice(kind: str) -> str | None:
    """The line to print before a run of ``kind`` (a key of :data:`RUN_KERNELS`) whose kernels will
    compile first, or None when they are cached (or when the cache cannot be inspected)."""
    from radar import _jit

    modules = RUN_KERNELS[kind]
    if not _jit.CACHE:
        cold, tail = modules, " (AIRBRIDGE_NUMBA_CACHE=0: every run compiles them)"
    else:
        cold, tail = stale_modules(modules), "; later runs start in seconds"
        if cold is None:
            return None
    seconds = sum(COMPILE_S[m] for m in cold)
    if seconds < NOTICE_FROM_S:
        return None
    about = f"{max(1, round(seconds / 60))} min" if seconds >= 90 else f"{10 * round(seconds / 10):.0f} s"
    once = " once" if _jit.CACHE else ""
    return f"airbridge: compiling kernels{once}, about {about}{tail}"


def announce_compile(kind: str) -> None:
    """Print :func:`compile_notice` to stderr (nothing with a warm cache)."""
    line = compile_notice(kind)
    if line:
        print(line, file=sys.stderr, flush=True)
