"""Explicit Numba warm-up: compile (or load from the on-disk cache) every kernel once.

The CLI calls :func:`warmup` before timing-sensitive work and benches call it before timing,
so first-call compilation never pollutes a measurement.  Each package contributes a
``warmup()``; modules that are not installed yet are skipped.
"""
from __future__ import annotations

import importlib
import time

WARMUPS = ("radar.coverage", "radar.feeds", "tracker.tracker")


def warmup(verbose: bool = False, skip: tuple = ()) -> float:
    """Run every package's warm-up (except the modules named in ``skip``); returns the seconds taken."""
    t0 = time.perf_counter()
    for name in WARMUPS:
        if name in skip:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        fn = getattr(module, "warmup", None)
        if fn is not None:
            t = time.perf_counter()
            fn()
            if verbose:
                print(f"warm-up {name}: {time.perf_counter() - t:.2f} s")
    return time.perf_counter() - t0
