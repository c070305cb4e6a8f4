"""Engagement evaluation per flight x option x mode: ours (Numba kernel) vs the same model as plain Python.

Workload: synthetic days of straight, constant-velocity drug flights over eastern Peru,
200 a day, with two pictures per day ("military": tracks that start late and end early;
"integrated": tracks over the whole flight), through all eight default options.  The
full run is 10,000 flights x 8 options x 2 pictures (budget: <= 60 s single-threaded,
README Performance) with AIRBRIDGE_BENCH_FULL=1; quick mode (the default, AIRBRIDGE_BENCH_QUICK=1) runs 1,000 flights.

Each engagement is played against the true aircraft (sensor dwells every 10 s, the search
pattern on stale tracks), so the work grows with sortie length, not only with the flights.

Baseline in the same run: :func:`scenarios.engagement.engage` with ``python=True`` -- the
kernel's own code interpreted by CPython (a straightforward Python loop of the same model),
on one day x one option x one mode, compared with the Numba kernel on the same inputs.
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from benches.conftest import QUICK, report
from tests.tolerances import M, S, assert_close
from radar.frame import Frame
from scenarios.config.interceptors import load_interceptor_config
from scenarios.config.scenario import load_scenario
from scenarios.engagement.engagement import associate, classify, engage, evaluate, option_arrays, row_state
from scenarios.engagement.truth import peru_mask, truth_arrays
from tests.oracles import StraightFlight, synthetic_inputs

FLIGHTS_PER_DAY = 200
N_FLIGHTS = 1_000 if QUICK else 10_000


def _day_inputs(frame, day, seed=0):
    rng = np.random.default_rng([seed, day])
    mil, itg = [], []
    for _ in range(FLIGHTS_PER_DAY):
        ang = rng.uniform(0, 2 * np.pi)
        v = rng.uniform(65, 95)
        t0 = day * 86400.0 + rng.uniform(0, 80000)
        dur = rng.uniform(3600, 3 * 3600)
        f = StraightFlight(x0=rng.uniform(-2e5, 7e5), y0=rng.uniform(-6e5, 1e5), vx=v * np.cos(ang),
                           vy=v * np.sin(ang), t0=t0, t1=t0 + dur, h_m=rng.uniform(400, 2500), t_land=t0 + dur,
                           sigma_m=300.0)
        a = t0 + rng.uniform(0, 0.5 * dur)
        mil.append(dataclasses.replace(f, track_t0=a, track_t1=a + rng.uniform(0.2, 0.5) * dur))
        itg.append(f)
    pm, truth, codes = synthetic_inputs(mil, frame, "military")
    pi, _, _ = synthetic_inputs(itg, frame, "integrated")
    return {"military": pm, "integrated": pi}, truth, codes


@pytest.fixture(scope="module")
def setup():
    frame = Frame()
    cfg = load_interceptor_config(load_scenario("peru"))
    n_days = N_FLIGHTS // FLIGHTS_PER_DAY
    days = [_day_inputs(frame, d) for d in range(n_days)]
    # warm the JIT
    pics, truth, codes = days[0]
    evaluate(pics, truth, codes, list(cfg.options.values())[:1], cfg.params, frame, seed=1, day=0)
    return frame, cfg, days


def test_engagement_study(setup, benchmark):
    frame, cfg, days = setup
    options = list(cfg.options.values())

    def run():
        total = 0
        for d, (pics, truth, codes) in enumerate(days):
            total += len(evaluate(pics, truth, codes, options, cfg.params, frame, seed=1, day=d))
        return total

    t0 = time.perf_counter()
    rows = benchmark.pedantic(run, rounds=1, iterations=1)
    dt = time.perf_counter() - t0
    n = len(days) * FLIGHTS_PER_DAY
    report(f"engagement: {n} flights x {len(options)} options x 2 pictures = {n * len(options) * 2} evaluations "
           f"in {dt:.2f} s ({n * len(options) * 2 / dt:,.0f} flight-option-pictures/s; {rows} records); "
           f"projected 10,000 flights: {dt * 10_000 / n:.1f} s (budget 60 s)")
    assert rows >= n * len(options) * 2


def test_kernel_vs_python_loop(setup):
    frame, cfg, days = setup
    pics, truth, codes = days[0]
    opt = option_arrays(cfg.options["a29_forward"], frame, cfg.params, seed=1, day=0)
    sus = classify(pics["integrated"], codes, cfg.params.classify_s)
    rows = row_state(pics["integrated"], sus, frame)
    flight_of = associate(sus, rows, truth, cfg.params.association_radius_m)
    tr = truth_arrays(truth, flight_of, frame)
    mask = peru_mask(frame)
    engage(rows, sus, opt, cfg.params, tr, flight_of, mask)
    reps = 3 if QUICK else 10
    t0 = time.perf_counter()
    for _ in range(reps):
        a = engage(rows, sus, opt, cfg.params, tr, flight_of, mask)
    t_jit = (time.perf_counter() - t0) / reps
    t0 = time.perf_counter()
    b = engage(rows, sus, opt, cfg.params, tr, flight_of, mask, python=True)
    t_py = time.perf_counter() - t0
    # the same code under Numba and CPython: equal to rounding (outcome codes exactly, times to 1e-6 s)
    np.testing.assert_array_equal(a.code, b.code)
    np.testing.assert_array_equal(a.slot, b.slot)
    for name in ("t_contact", "t_id"):
        assert_close(getattr(a, name), getattr(b, name), atol=S, what=name)  # s
    assert_close(a.x, b.x, atol=M, what="x")  # m
    assert np.isfinite(a.t_contact).sum() > 10      # the case meets real aircraft
    assert_close(a.hours, b.hours, atol=S / 3600.0, what="hours")  # h
    ratio = t_py / t_jit
    report(f"engagement kernel, {sus.track.size} suspect tracks ({rows.t.size} rows): Numba {t_jit * 1e3:.2f} ms, "
           f"Python loop {t_py * 1e3:.0f} ms, speed-up {ratio:.0f}x")
    assert ratio >= 20.0
