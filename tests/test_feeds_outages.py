"""Radar outages: a two-state Markov chain per radar, sampled per day, depending on (seed, day) only."""
from __future__ import annotations

import numpy as np
import pytest

from radar import outages
from radar.types import Radar
from feeds_synthetic import TPS70


def _radar(up, down, site="pm"):
    return Radar(site, TPS70, "military", -12.6, -69.2, 200.0, 10.0, availability=up / (up + down),
                 mean_up_days=up, mean_down_days=down)


def test_availability_converges_to_mean_up_over_total():
    r = _radar(30.0, 45.0)  # Puerto Maldonado TPS-70: 30 / (30 + 45) = 0.4
    hist = np.concatenate([outages._chain_all(r, seed, 1500) for seed in range(40)])
    # correlation time 1 / (1/30 + 1/45) = 18 days: ~60,000 / 36 = 1,700 effective samples, sd ~ 0.012
    assert hist.mean() == pytest.approx(0.4, abs=0.04)
    # mean length of up and down runs ~ 30 and 45 days (geometric durations)
    runs = {True: [], False: []}
    for seed in range(40):
        h = outages._chain_all(r, seed, 1500)
        edges = np.flatnonzero(np.diff(h.astype(int))) + 1
        pieces = np.split(h, edges)
        for p in pieces[1:-1]:  # complete runs only
            runs[bool(p[0])].append(len(p))
    assert np.mean(runs[True]) == pytest.approx(30.0, rel=0.15)
    assert np.mean(runs[False]) == pytest.approx(45.0, rel=0.15)


def test_day_state_depends_on_seed_and_day_only():
    rs = [_radar(30.0, 45.0), _radar(20.0, 60.0, site="pucallpa")]
    outages._CHAINS.clear()
    forward = [outages.outage_states(rs, 5, d) for d in range(30)]
    outages._CHAINS.clear()  # without the cache: day 29 first, then the others
    backward = [outages.outage_states(rs, 5, d) for d in reversed(range(30))][::-1]
    outages._CHAINS.clear()
    single = [outages.outage_states(rs, 5, d) for d in (17, 3)]
    np.testing.assert_array_equal(single[0], forward[17])
    np.testing.assert_array_equal(single[1], forward[3])
    np.testing.assert_array_equal(np.array(forward), np.array(backward))
    np.testing.assert_array_equal(np.array(forward)[:, 0], outages._chain_all(rs[0], 5, 30))
    # an always-available radar is always up
    always = Radar("x", TPS70, "military", 0.0, 0.0, 0.0, 10.0)
    assert all(outages.outage_states([always], 1, d)[0] for d in range(20))
