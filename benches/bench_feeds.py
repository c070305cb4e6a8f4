"""Plot generation on the default network: ours (pre-pass + one Numba kernel) vs plain NumPy.

Workload: N cooperative flights (the background-traffic generator, chunks of 1,000 flights on the
same day with different seeds; transponders on, so the SSR/IFF paths run too) over the default
``peru`` network with every radar forced up (14 sensors).  Sizes: 1,000 and 10,000 flights
(budget: <= 10 s warm for 10,000, README Performance); quick mode (AIRBRIDGE_BENCH_QUICK=1, the default)
runs 200 and 1,000.

Stages printed: trajectories (generation), pre-pass (visible intervals), plots (the scan kernel),
false plots (one day, every primary radar), sort, Cartesian conversion (x, y, z, covariance).

Baseline in the same run: :func:`tests.oracles.target_plots` -- the same detection model
written the obvious vectorised NumPy way (all revolutions of every (flight, radar) pair in range,
no pre-pass).  It runs on the first 1,000 flights at most; for larger N its time is scaled by
N / 1,000 and labelled as extrapolated.  Both produce the same plots (tests/test_feeds_model.py).
"""
from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from benches.conftest import QUICK, report

SIZES = (200, 1_000) if QUICK else (1_000, 10_000)
BASELINE_MAX = 200 if QUICK else 1_000


@pytest.fixture(scope="module")
def ctx():
    from radar.feeds import warmup
    from scenarios.simulation.day import prepare

    warmup()
    return prepare("peru", "peru")


def _flights(ctx, n):
    from radar.feeds import Targets
    from scenarios.flights.trajectory import FlightTable, Trajectories
    from scenarios.flights.traffic import generate_background

    cfg = dataclasses.replace(ctx.traffic, flights_per_day=1e9)
    trs, tabs = [], []
    left, chunk = n, 0
    while left > 0:
        m = min(1000, left)
        c = dataclasses.replace(cfg, flights_per_day=float(m))
        # Poisson(m) flights; trim or top up with another chunk
        tr, tab, _uid = generate_background(c, ctx.terrain, 100 + chunk, 0)
        k = min(len(tab), left)
        idx = np.arange(k)
        from scenarios.simulation.day import _take_trajectories

        trs.append(_take_trajectories(tr, idx))
        tabs.append(tab.take(idx))
        left -= k
        chunk += 1
    traj = Trajectories.concat(trs)
    fl = FlightTable.concat(tabs)
    tg = Targets(np.arange(len(fl), dtype=np.int64), fl.rcs_m2, fl.transponder_on, fl.squawk)
    return traj, tg


def _ours(ctx, traj, tg):
    from radar.feeds import FeedOptions, generate_plots

    up = np.ones(len(ctx.radars), bool)
    return generate_plots(traj, tg, ctx.radars, ctx.geometry, 1, 0, up, FeedOptions(), None, ctx.scenario.frame,
                          ctx.arrays, True)


def _numpy(ctx, traj, tg):
    from tests import oracles as ref
    from radar.feeds import FeedOptions, scan_phases
    from radar.frame import EARTH_RADIUS_M, REFRACTION_K
    from radar.rng import stream_key

    t0 = scan_phases(ctx.radars, 1, 0)
    return ref.target_plots(traj, tg, ctx.arrays, t0, stream_key(1, 0, "detection"), FeedOptions(),
                            REFRACTION_K * EARTH_RADIUS_M, EARTH_RADIUS_M)


@pytest.mark.parametrize("n", SIZES)
def test_bench_plot_generation(benchmark, ctx, n):
    tick = time.perf_counter()
    traj, tg = _flights(ctx, n)
    t_traj = time.perf_counter() - tick
    _ours(ctx, traj, tg)  # warm (compiled code is cached; this also warms the caches)
    result = {}

    def run():
        result["out"] = _ours(ctx, traj, tg)

    benchmark.pedantic(run, rounds=1 if (QUICK or n > 1000) else 3, iterations=1)
    plots, st = result["out"]
    s = st.seconds
    total = sum(s.values())
    target = int(st.target_plots.sum())
    report(f"feeds n={n} flights, {len(ctx.radars)} radars: trajectories {t_traj:.2f} s | pre-pass {s['prepass']:.2f} s "
           f"| plots {s['plots']:.2f} s | false plots {s['false_plots']:.2f} s | sort {s['sort']:.2f} s | Cartesian conversion {s['convert']:.2f} s "
           f"| total {total:.2f} s; {target} target plots, {int(st.false_kept.sum())} false, {len(plots)} rows once "
           f"co-sited heads are combined, {st.intervals} intervals")
    # baseline: same model in plain NumPy, on at most BASELINE_MAX flights
    m = min(n, BASELINE_MAX)
    from scenarios.simulation.day import _take_trajectories

    sub = _take_trajectories(traj, np.arange(m))
    tgs = dataclasses.replace(tg, uid=tg.uid[:m], rcs_m2=tg.rcs_m2[:m], transponder_on=tg.transponder_on[:m],
                              squawk=tg.squawk[:m])
    tick = time.perf_counter()
    want = _numpy(ctx, sub, tgs)
    t_np = time.perf_counter() - tick
    tick = time.perf_counter()
    sub_plots, sub_st = _ours(ctx, sub, tgs)
    t_ours_sub = sub_st.seconds["prepass"] + sub_st.seconds["plots"]
    # the coarse pre-pass may miss visibility windows shorter than its step: a tiny shortfall
    n_ours, n_np = int(sub_st.target_plots.sum()), int(want["time_s"].size)
    assert abs(n_ours - n_np) <= 1e-3 * n_np
    scale = n / m
    t_np_n = t_np * scale
    t_ours_targets = s["prepass"] + s["plots"]
    label = "" if m == n else f" (extrapolated x{scale:g} from {m} flights)"
    report(f"feeds n={n}: target plots ours {t_ours_targets:.2f} s (pre-pass + kernel) vs NumPy {t_np_n:.1f} s{label}: "
           f"{t_np_n / t_ours_targets:.0f}x; plots on {m} flights: ours {n_ours}, NumPy {n_np} (no pre-pass)")
    if not QUICK and n >= 10_000:
        report(f"budget: 10,000 flights in {total:.2f} s warm (budget <= 10 s)")
    # ours must beat the baseline (ratio, not absolute time)
    assert t_np_n / t_ours_targets > 5.0
