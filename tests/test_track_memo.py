"""TrackMemo: a tracker run on the same inputs as an earlier one gives that run's result, and only then."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest


@pytest.fixture(scope="module")
def days():
    """One study day of 'peru' and 'peru-vraem-3d' (the same civil radars, one more military radar)."""
    from radar.feeds import FeedOptions
    from scenarios.config.scenario import load_scenario
    from scenarios.simulation.day import DayOptions, prepare, simulate_day, simulate_traffic

    sc = load_scenario("peru")
    opts = DayOptions(background_window=(50e3, 1800.0), feeds=FeedOptions(false_plot_window_m=100e3))
    first = prepare(sc, "peru")
    ctxs = [first, prepare(sc, "peru-vraem-3d", dem=first.dem)]  # one terrain, as in a study
    traffic = simulate_traffic(ctxs[0], seed=5, day=10, options=opts)
    return [simulate_day(c, seed=5, day=10, options=opts, traffic=traffic) for c in ctxs]


def _same_rows(a, b):
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.dtype == y.dtype and x.shape == y.shape, f.name
        np.testing.assert_array_equal(x, y, err_msg=f.name)


def _civil(day):
    arr = day.sensors.to_arrays()
    civ = day.plots.take(np.flatnonzero(arr.owner[day.plots.sensor] != 0))
    return civ, civ.time_s + arr.latency_s[civ.sensor]


def test_the_kernel_reads_only_the_sensors_the_plots_come_from(days):
    """The premise of the memo: the same civil plots tracked with either network's sensor table (one more,
    unreferenced, military radar in the second) give the same rows, bit for bit (the same code on the same
    numbers)."""
    from tracker.tracker import track

    a, b = days
    pa, proc_a = _civil(a)
    pb, proc_b = _civil(b)
    for f in dataclasses.fields(pa):
        np.testing.assert_array_equal(getattr(pa, f.name), getattr(pb, f.name))
    assert len(a.sensors) < len(b.sensors) and len(pa) > 1000
    ra = track(pa, a.sensors, emit_on_update=True, proc_time_s=proc_a, terrain=a.terrain)
    rb = track(pb, b.sensors, emit_on_update=True, proc_time_s=proc_b, terrain=b.terrain)
    assert len(ra.rows) > 100
    _same_rows(ra.rows, rb.rows)


def test_memo_gives_back_identical_runs_and_only_those(days):
    from tracker.tracker import TrackMemo, track

    a, b = days
    pa, proc_a = _civil(a)
    pb, proc_b = _civil(b)
    memo = TrackMemo()
    first = track(pa, a.sensors, emit_on_update=True, proc_time_s=proc_a, terrain=a.terrain, memo=memo)
    again = track(pb, b.sensors, emit_on_update=True, proc_time_s=proc_b, terrain=b.terrain, memo=memo)
    assert memo.hits == 1 and again.tracking_s == 0.0
    _same_rows(first.rows, again.rows)
    # shared, so read-only: a caller cannot write into what another was given
    for rows in (first.rows, again.rows):
        with pytest.raises(ValueError):
            rows.state[0, 0] = 0.0
    assert (again.n_plots, again.n_used, again.confirmed_tracks) == (first.n_plots, first.n_used, first.confirmed_tracks)
    # any input that differs is a new run: one plot moved by 1 mm, another processing time, other parameters,
    # output times instead of rows on update
    moved = dataclasses.replace(pa, range_m=pa.range_m.copy())
    moved.range_m[len(moved) // 2] += 1e-3
    runs = [dict(plots=moved, proc_time_s=proc_a), dict(plots=pa, proc_time_s=proc_a + 1.0),
            dict(plots=pa, proc_time_s=proc_a, params=dataclasses.replace(first_params(), confirm_m=2))]
    for kw in runs:
        params = kw.pop("params", None)
        track(kw.pop("plots"), a.sensors, params, emit_on_update=True, terrain=a.terrain, memo=memo, **kw)
    track(pa, a.sensors, out_times=np.arange(proc_a.min(), proc_a.max(), 60.0), proc_time_s=proc_a,
          terrain=a.terrain, memo=memo)
    assert memo.hits == 1


def first_params():
    from tracker.params import TrackerParams

    return TrackerParams()


def test_pictures_with_a_memo_are_the_pictures_without(days):
    from scenarios.engagement.engagement import build_pictures
    from tracker.tracker import TrackMemo

    memo = TrackMemo()
    for day in days:
        alone = build_pictures(day, ("non_integrated", "integrated"), 5)
        shared = build_pictures(day, ("non_integrated", "integrated"), 5, memo=memo)
        for name in alone:
            for f in ("time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "pos_cov", "status",
                      "squawk", "sensors", "sigma_v_m", "t_obs_s"):
                np.testing.assert_array_equal(getattr(shared[name], f), getattr(alone[name], f), err_msg=f)
    assert memo.hits >= 1  # the civil tracker of the second network
