"""Same seed -> byte-identical plot logs with 1 and 2 Numba threads, and whatever the order of the days."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields

import numpy as np
import pytest


def _run(out, threads):
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads))
    cmd = [sys.executable, "-m", "scenarios.cli", "simulate", "--days", "1-1", "--seed", "4", "--no-map",
           "--out", str(out)]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr


def test_logs_identical_with_one_and_two_threads(tmp_path):
    _run(tmp_path / "t1", 1)
    _run(tmp_path / "t2", 2)
    for name in ("plots_polar.csv", "plots_cartesian.csv", "truth.csv", "flights.csv", "sensors.toml"):
        a = (tmp_path / "t1" / name).read_bytes()
        b = (tmp_path / "t2" / name).read_bytes()
        assert a == b, name
    assert len((tmp_path / "t1" / "plots_polar.csv").read_bytes()) > 100_000


def test_days_in_any_order_give_the_same_day():
    from scenarios.simulation.day import DayOptions, prepare, simulate_day

    ctx = prepare("peru", "peru")
    names = tuple(r.name for r in ctx.radars)
    opts = DayOptions(force_up=names)
    a = [simulate_day(ctx, seed=9, day=d, options=opts) for d in (0, 1, 2)]
    b = {d: simulate_day(ctx, seed=9, day=d, options=opts) for d in (2, 0, 1)}
    for day in a:
        other = b[day.day]
        assert len(day.plots) == len(other.plots) > 1000
        for f in fields(day.plots):
            np.testing.assert_array_equal(getattr(day.plots, f.name), getattr(other.plots, f.name))
        np.testing.assert_array_equal(day.trajectories.t_s, other.trajectories.t_s)
        np.testing.assert_array_equal(day.flights.id, other.flights.id)


def test_shared_traffic_gives_the_same_day_on_every_network():
    """simulate_traffic once + simulate_day(traffic=...) per network == simulate_day alone (study windows on)."""
    from radar.errors import InputError
    from radar.feeds import FeedOptions
    from scenarios.simulation.day import DayOptions, prepare, simulate_day, simulate_traffic

    opts = DayOptions(background_window=(50e3, 1800.0), feeds=FeedOptions(false_plot_window_m=100e3))
    ctxs = [prepare("peru", "peru"), prepare("peru", "peru-public-record")]
    for d in (3, 4):  # days with drug flights (the study window keeps background flights only near them)
        traffic = simulate_traffic(ctxs[0], seed=3, day=d, options=opts)
        for ctx in ctxs:
            alone = simulate_day(ctx, seed=3, day=d, options=opts)
            shared = simulate_day(ctx, seed=3, day=d, options=opts, traffic=traffic)
            assert len(alone.plots) == len(shared.plots) > 0
            for f in fields(alone.plots):
                np.testing.assert_array_equal(getattr(alone.plots, f.name), getattr(shared.plots, f.name))
            np.testing.assert_array_equal(alone.flights.id, shared.flights.id)
            assert (alone.background_generated, alone.background_kept) == (shared.background_generated,
                                                                           shared.background_kept)
    with pytest.raises(InputError, match="seed 3, day 4"):
        simulate_day(ctxs[0], seed=3, day=5, options=opts, traffic=traffic)
    with pytest.raises(InputError, match="background_window"):
        simulate_day(ctxs[0], seed=3, day=4, options=DayOptions(), traffic=traffic)
