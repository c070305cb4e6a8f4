"""The traffic generators' kernels against the obvious NumPy/SciPy versions of the same thing.

* ``Router.max_terrain`` (one Numba loop, :func:`scenarios.flights._kernels.max_terrain_gc`) vs
  ``tests.oracles.max_terrain_numpy`` (densify + sample + skip in NumPy), on random legs over the embedded DEM.
* ``near_drug_spans`` (:func:`scenarios.flights._kernels.near_spans`) vs a k-d tree over all 30 s samples
  (SciPy ``cKDTree.query_ball_point``), on a default day's background and drug flights.

Each pair must agree (checked here too, as in the tests: to 1e-6 m in height, 1e-6 s in time; they are
two implementations, equal to rounding, not to the bit); the bench prints times and ratios.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from benches.conftest import QUICK, report
from tests.tolerances import M, S, assert_close


@pytest.fixture(scope="module")
def ctx():
    from scenarios.simulation.day import prepare

    return prepare("peru", "peru")


def test_bench_max_terrain(ctx):
    from scenarios.flights.threat import Router
    from tests.oracles import max_terrain_numpy

    r = Router(ctx.terrain)
    rng = np.random.default_rng(2)
    n = 200 if QUICK else 2000
    legs = np.column_stack([rng.uniform(-18, -1, n), rng.uniform(-80, -68, n), rng.uniform(-18, -1, n),
                            rng.uniform(-80, -68, n)])
    r.max_terrain(*legs[0])  # compile / load
    t0 = time.perf_counter()
    ours = [r.max_terrain(*leg) for leg in legs]
    t1 = time.perf_counter()
    base = [max_terrain_numpy(r, *leg) for leg in legs]
    t2 = time.perf_counter()
    assert_close(ours, base, atol=M)  # m
    report(f"max_terrain, {n} random legs: Numba {1e6 * (t1 - t0) / n:.0f} us/leg vs NumPy {1e6 * (t2 - t1) / n:.0f} "
           f"us/leg: {(t2 - t1) / (t1 - t0):.1f}x")
    assert (t2 - t1) > (t1 - t0)


def test_bench_near_drug_spans(ctx):
    from scenarios.flights.threat import generate_drug_flights
    import scipy.spatial  # noqa: F401 (imported before timing: the baseline's time is its work, not the import)

    from scenarios.flights.traffic import generate_background, near_drug_spans
    from tests.oracles import near_drug_spans_reference

    days = (2,) if QUICK else (2, 5, 6)
    t_ours = t_base = 0.0
    for d in days:
        drug = generate_drug_flights(ctx.threat, ctx.terrain, 1, d).trajectories
        bg, _tab, _uid = generate_background(ctx.traffic, ctx.terrain, 1, d)
        near_drug_spans(bg, drug, 50e3, 1800.0)  # compile / load
        ours, base = [], []
        for _ in range(ROUNDS):  # interleaved; medians (single shots on this machine vary by 2x)
            t0 = time.perf_counter()
            lo, hi = near_drug_spans(bg, drug, 50e3, 1800.0)
            t1 = time.perf_counter()
            want_lo, want_hi = near_drug_spans_reference(bg, drug, 50e3, 1800.0)
            t2 = time.perf_counter()
            # first / last close instants (s); NaN (never close) in the same places
            assert_close(lo, want_lo, atol=S)
            assert_close(hi, want_hi, atol=S)
            ours.append(t1 - t0)
            base.append(t2 - t1)
        t_ours += float(np.median(ours))
        t_base += float(np.median(base))
    report(f"near_drug_spans, {len(days)} default day(s), 50 km / 30 min, median of {ROUNDS}: Numba "
           f"{1e3 * t_ours:.1f} ms vs k-d tree {1e3 * t_base:.1f} ms: {t_base / t_ours:.1f}x")
    assert t_base > t_ours


ROUNDS = 3
