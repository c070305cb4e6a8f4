"""One plot generation for several networks (radar.shared_feeds) == each network's plots generated alone."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tolerances import M, RAD, S, assert_close

NETWORKS = ("peru", "peru-public-record", "peru-pm-civil-psr", "peru-vraem-3d")
FLOAT_TOL = {"time_s": S, "range_m": M, "azimuth_rad": RAD, "elevation_rad": RAD, "mode_c_m": M, "x_m": M,
             "y_m": M, "z_m": M}


@pytest.fixture(scope="module")
def contexts():
    from scenarios.config.scenario import load_scenario
    from scenarios.simulation.day import prepare

    sc = load_scenario("peru")
    return {n: prepare(sc, n) for n in NETWORKS}


def _union(contexts, names=NETWORKS):
    from radar.shared_feeds import union_feed

    return union_feed([(n, contexts[n].radars, contexts[n].arrays) for n in names])


def test_union_of_the_default_networks(contexts):
    feed = _union(contexts)
    assert feed is not None
    names = [r.name for r in feed.radars]
    assert len(names) == len(set(names)) == 26  # 56 radars in the four networks, 26 distinct
    for n, ctx in contexts.items():
        assert [names[i] for i in feed.index[n]] == [r.name for r in ctx.radars]
        # co-sited heads: the same partner radar in the union as in the network
        for i, p in enumerate(ctx.arrays.partner):
            u = feed.arrays.partner[feed.index[n][i]]
            assert (p < 0 and u < 0) or names[u] == ctx.radars[p].name


def test_union_plots_are_each_networks_plots(contexts):
    """Per network and day: the same plots, in the same order, with the same sensor numbers, counts and
    up/down states as generating the network alone; floats to the tolerances of tests/tolerances.py
    (the same code, in batches of another size)."""
    from radar.feeds import FEED_STATS_PER_RADAR, FeedOptions
    from scenarios.simulation.day import DayOptions, shared_plots, simulate_day, simulate_traffic

    opts = DayOptions(background_window=(50e3, 1800.0), feeds=FeedOptions(false_plot_window_m=100e3))
    feed = _union(contexts)
    first = contexts[NETWORKS[0]]
    seen = 0
    military = 0
    for d in (3, 10):  # seed 5: both TPS-70s up on day 10 (military plots, false plots); co-sited civil heads
        traffic = simulate_traffic(first, seed=5, day=d, options=opts)
        union = shared_plots(feed, first, 5, d, opts, traffic)
        for n, ctx in contexts.items():
            alone = simulate_day(ctx, seed=5, day=d, options=opts, traffic=traffic)
            shared = simulate_day(ctx, seed=5, day=d, options=opts, traffic=traffic, shared=union)
            military += int(np.isin(alone.plots.sensor, [0, 1]).sum())
            assert len(alone.plots) == len(shared.plots)
            seen += len(alone.plots)
            for f in dataclasses.fields(alone.plots):
                a, b = getattr(alone.plots, f.name), getattr(shared.plots, f.name)
                assert a.dtype == b.dtype, f.name
                if f.name in FLOAT_TOL:
                    assert_close(b, a, FLOAT_TOL[f.name], what=f"{n} day {d} {f.name}")
                elif f.name == "cov":
                    assert_close(b, a, 1e-6, rtol=1e-12, what=f"{n} day {d} cov (m^2)")
                else:
                    np.testing.assert_array_equal(b, a, err_msg=f"{n} day {d} {f.name}")
            np.testing.assert_array_equal(shared.radar_up, alone.radar_up)
            for k in FEED_STATS_PER_RADAR:
                np.testing.assert_array_equal(getattr(shared.feed_stats, k), getattr(alone.feed_stats, k), err_msg=k)
            assert (shared.feed_stats.intervals, shared.feed_stats.slots) == (alone.feed_stats.intervals,
                                                                              alone.feed_stats.slots)
    assert seen > 20_000 and military > 1_000


def test_union_refuses_what_it_cannot_share(contexts):
    from radar.errors import InputError
    from scenarios.simulation.day import DayOptions, shared_plots, simulate_day, simulate_traffic

    a, b = contexts["peru"], contexts["peru-vraem-3d"]
    # the same radars in another order: ties in time would be ordered differently
    rev = tuple(reversed(b.radars))
    order = np.arange(len(rev))[::-1]
    arrays = dataclasses.replace(b.arrays, **{k: getattr(b.arrays, k)[order] for k in (
        "lat", "lon", "ecef", "h_ant", "grid", "range_max", "el_min", "el_max", "alt_max", "scan", "kind", "iff", "key",
        "snr_ref", "ref_range", "ref_rcs", "pfa", "pd_coop", "sigma", "false_rate")},
        partner=np.where(b.arrays.partner[order] >= 0, len(rev) - 1 - b.arrays.partner[order], -1))
    from radar.shared_feeds import union_feed

    assert union_feed([("peru", a.radars, a.arrays), ("x", rev, arrays)]) is None
    # one name, two radars (another mast height)
    r0 = dataclasses.replace(b.radars[0], antenna_agl_m=b.radars[0].antenna_agl_m + 10.0)
    assert union_feed([("peru", a.radars, a.arrays), ("x", (r0,) + b.radars[1:], b.arrays)]) is None
    # plots built for another day, or a network the union does not hold
    feed = _union(contexts, ("peru", "peru-vraem-3d"))
    opts = DayOptions()
    traffic = simulate_traffic(a, seed=3, day=2, options=opts)
    union = shared_plots(feed, a, 3, 2, opts, traffic)
    with pytest.raises(InputError, match="built for seed 3, day 2"):
        simulate_day(a, seed=3, day=4, options=opts, traffic=simulate_traffic(a, seed=3, day=4, options=opts),
                     shared=union)
    with pytest.raises(InputError, match="peru-pm-civil-psr"):
        simulate_day(contexts["peru-pm-civil-psr"], seed=3, day=2, options=opts, traffic=traffic, shared=union)
