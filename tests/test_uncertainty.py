"""The day-block bootstrap of the study's intervals: weights, coverage on day-correlated and
independent synthetic studies, the fixed-b factor against a simulation, outage cycles, scores."""
import math

import numpy as np
import pytest

from scenarios.study.scores import compute_scores, paired_deltas, wilson
from scenarios.study.uncertainty import (DayBootstrap, block_weights, cycle_check, fixed_b_critical_value,
                                   outage_cycle_days, ratio_interval)


# ------------------------------------------------------------------------------------------
# weights
def test_block_weights_are_whole_circular_blocks():
    rng = np.random.default_rng(3)
    n, b = 50, 7
    w = block_weights(n, b, 400, rng)
    assert w.shape == (400, n)
    assert np.all(w.sum(axis=1) == n)
    # every day is equally likely (the circular bootstrap has no end effect): mean weight 1
    big = block_weights(n, b, 20_000, np.random.default_rng(4))
    assert np.abs(big.mean(axis=0) - 1.0).max() < 0.05
    # a block covering the whole study gives the study itself (a rotation) in every replicate
    assert np.all(block_weights(n, n, 10, rng) == 1.0)


def test_block_weights_follow_the_drawn_starts():
    """Rebuild one replicate by hand from the same generator state."""
    n, b, reps = 23, 5, 3
    w = block_weights(n, b, reps, np.random.default_rng(11))
    starts = np.random.default_rng(11).integers(0, n, size=(reps, math.ceil(n / b)))
    for r in range(reps):
        days = [(s + j) % n for s in starts[r] for j in range(b)][:n]
        assert np.array_equal(w[r], np.bincount(days, minlength=n))


def test_draw_is_deterministic_and_seeded():
    a = DayBootstrap.draw(range(100), 20, seed=1, replicates=50)
    b = DayBootstrap.draw(range(100), 20, seed=1, replicates=50)
    c = DayBootstrap.draw(range(100), 20, seed=2, replicates=50)
    assert np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)


def test_day_sums_against_a_loop():
    rng = np.random.default_rng(0)
    boot = DayBootstrap.draw([3, 5, 8, 9], 2, seed=0, replicates=10)
    day = rng.choice([3, 5, 8, 9], 200)
    group = rng.integers(0, 3, 200)
    cols = rng.random((200, 2))
    got = boot.day_sums(day, cols, group, 3)
    for i, d in enumerate([3, 5, 8, 9]):
        for g in range(3):
            for j in range(2):
                assert got[i, g * 2 + j] == pytest.approx(cols[(day == d) & (group == g), j].sum())


# ------------------------------------------------------------------------------------------
# the fixed-b factor
def _cbb_variance(x: np.ndarray, b: int) -> np.ndarray:
    """Exact circular-block-bootstrap variance of the mean of each row (n a multiple of b)."""
    n = x.shape[1]
    c = np.cumsum(np.concatenate([np.zeros((x.shape[0], 1)), x, x[:, :b - 1]], axis=1), axis=1)
    block_means = (c[:, b:b + n] - c[:, :n]) / b
    return ((block_means - x.mean(axis=1, keepdims=True)) ** 2).mean(axis=1) * b / n


@pytest.mark.parametrize("b", [20, 80])
def test_fixed_b_critical_value_matches_a_simulation(b):
    """|x̄ - μ| / SE_CBB on independent normal data: its 95 % quantile is the fixed-b value (within 3 %)."""
    n = 400
    x = np.random.default_rng(b).standard_normal((20_000, n))
    t = np.abs(x.mean(axis=1)) / np.sqrt(_cbb_variance(x, b))
    q = float(np.quantile(t, 0.95))
    assert fixed_b_critical_value(b / n) == pytest.approx(q, rel=0.03)
    assert q > 1.96 * 1.05  # and plain ±1.96 SE would undercover


# ------------------------------------------------------------------------------------------
# coverage on synthetic studies
D = 417
TRUE_P = 0.26


def _synthetic_studies(m: int, correlated: bool, seed: int = 0):
    """m independent synthetic studies of D days, Poisson(5) flights a day.  Correlated: one radar with
    a 30-day-up / 45-day-down Markov outage chain; a flight is identified with P 0.5 when it is up,
    0.1 when down (long-run 0.4 x 0.5 + 0.6 x 0.1 = 0.26).  Independent: P 0.26 every day."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(5, (D, m)).astype(float)
    if not correlated:
        return n, rng.binomial(n.astype(int), TRUE_P).astype(float)
    up = np.empty((D, m), bool)
    up[0] = rng.random(m) < 0.4
    u = rng.random((D, m))
    for d in range(1, D):
        up[d] = np.where(up[d - 1], u[d] >= 1 / 30, u[d] < 1 / 45)
    return n, rng.binomial(n.astype(int), np.where(up, 0.5, 0.1)).astype(float)


def _coverage(n, k, block):
    """(bootstrap coverage, Wilson coverage, mean bootstrap width / mean Wilson width) over the studies."""
    boot = DayBootstrap.draw(range(D), block, seed=7, replicates=1000)
    p_hat = k.sum(0) / n.sum(0)
    lo, hi = ratio_interval(boot.resample(k), boot.resample(n), p_hat, boot.inflation, (0.0, 1.0))
    w = np.array([wilson(int(a), int(b)) for a, b in zip(k.sum(0), n.sum(0))])
    cov_boot = np.mean((lo <= TRUE_P) & (TRUE_P <= hi))
    cov_wilson = np.mean((w[:, 0] <= TRUE_P) & (TRUE_P <= w[:, 1]))
    return cov_boot, cov_wilson, np.mean(hi - lo) / np.mean(w[:, 1] - w[:, 0])


def test_block_bootstrap_covers_day_correlated_studies():
    n, k = _synthetic_studies(400, correlated=True)
    cov_boot, cov_wilson, width = _coverage(n, k, 75)
    assert cov_wilson < 0.5            # flights-independent intervals are far too narrow here
    assert width > 3.0                 # the block bootstrap's are several times wider
    assert 0.85 <= cov_boot <= 0.99    # and near the nominal 95 % (0.88-0.90 on seeds 0-2; Wilson 0.22-0.28)


def test_block_bootstrap_on_independent_days_is_close_to_wilson():
    n, k = _synthetic_studies(400, correlated=False)
    cov_boot, cov_wilson, width = _coverage(n, k, 75)
    assert 0.9 <= cov_boot <= 0.99 and 0.9 <= cov_wilson <= 0.99
    assert 0.85 <= width <= 1.25


# ------------------------------------------------------------------------------------------
# outage cycles
class _R:
    def __init__(self, availability, up, down, site_id="x"):
        self.availability, self.mean_up_days, self.mean_down_days, self.site_id = availability, up, down, site_id
        self.name = site_id


def test_outage_cycle_is_mean_up_plus_mean_down():
    assert outage_cycle_days(_R(0.4, 30.0, 45.0)) == pytest.approx(75.0)
    assert outage_cycle_days(_R(1.0, math.inf, 0.0)) == 0.0
    # availability only: 1-day outages, mean up a / (1 - a) days
    assert outage_cycle_days(_R(0.97, 0.97 / 0.03, 1.0)) == pytest.approx(1 / 0.03)


def test_cycle_check_of_the_default_networks():
    from scenarios.cli.tradeoff import build_spec
    from scenarios.config.scenario import load_scenario

    scn = load_scenario("peru")
    long = cycle_check(scn, ("peru", "peru-public-record"), 417)
    assert long.radar == "fap_tps70_pucallpa" and long.cycle_days == pytest.approx(80.0)
    assert long.block_days == 80 and long.cycles == pytest.approx(417 / 80)
    assert long.warning() is None
    # --flights 300 is a 144-day study at the calibrated 2.1 drug flights a day: it must warn
    import argparse

    args = argparse.Namespace(study=None, scenario=None, networks=None, pictures=None, options=None, seed=None,
                              chunk_days=None, days=None, flights=300)
    spec, _ = build_spec(args)
    short = cycle_check(scn, spec.networks, spec.days)
    assert spec.days == 144
    assert short.warning() == ("intervals unreliable: the study spans 1.8 outage cycles of fap_tps70_pucallpa "
                               "(80-day mean up/down cycle); run >= 240 days (>= 3 cycles)")
    assert short.block_days == 72 and short.capped


# ------------------------------------------------------------------------------------------
# scores
def _res(days, rows):
    """A results dict like scenarios.scores.table gives, from (network, mode, option, day, flight, outcome)."""
    from scenarios.study.scores import table
    from scenarios.study.spec import RESULT_COLUMNS

    full = []
    for net, mode, opt, day, flight, outcome in rows:
        r = dict.fromkeys(RESULT_COLUMNS)
        r.update(network=net, mode=mode, option=opt, day=day, flight=flight, outcome=outcome, false_scramble=0,
                 cost_usd=1000.0, flight_hours=1.0, seq=0)
        full.append(tuple(r[c] for c in RESULT_COLUMNS))
    return table(full, RESULT_COLUMNS)


def test_paired_delta_resamples_both_pictures_on_the_same_days():
    """Good days (all identified) and bad days (none) in blocks; the integrated picture identifies one more
    flight on every fifth day.  Each picture's P varies widely with the days drawn, the paired Δ barely."""
    rng = np.random.default_rng(5)
    rows = []
    good = np.repeat(rng.random(20) < 0.5, 10)  # 200 days in 10-day spells
    for d in range(200):
        for f in range(5):
            base = "identified_airborne" if good[d] else "missed_no_detection"
            extra = (d % 5 == 0) and f == 0 and not good[d]
            rows.append(("peru", "non_integrated", "x", d, f"f{f}", base))
            rows.append(("peru", "integrated", "x", d, f"f{f}", "identified_airborne" if extra else base))
    res = _res(range(200), rows)
    boot = DayBootstrap.draw(range(200), 10, seed=1)
    scores = {s.picture: s for s in compute_scores(res, {"peru": 200}, {}, boot)}
    (delta,) = paired_deltas(res, boot=boot)
    ni = scores["non_integrated"]
    assert ni.p_identified_hi - ni.p_identified_lo > 0.3                       # the arms swing with the days
    assert ni.p_identified_hi - ni.p_identified_lo > 3 * (ni.p_identified_wilson_hi - ni.p_identified_wilson_lo)
    n_bad = int((~good).sum())
    assert delta.delta == pytest.approx(len([d for d in range(200) if d % 5 == 0 and not good[d]]) / 1000)
    assert delta.hi - delta.lo < 0.03                                         # the paired Δ does not
    assert delta.lo <= delta.delta <= delta.hi and delta.lo > -1e-12 and n_bad > 0


def test_scores_intervals_contain_the_estimate_and_wilson():
    rng = np.random.default_rng(2)
    rows = [("n", m, o, d, f"f{f}", "identified_airborne" if rng.random() < 0.3 else "intercepted_late"
             if rng.random() < 0.2 else "missed_no_track")
            for d in range(120) for f in range(rng.poisson(4)) for m in ("integrated", "non_integrated")
            for o in ("a", "b")]
    res = _res(range(120), rows)
    boot = DayBootstrap.draw(range(120), 30, seed=3)
    for s in compute_scores(res, {"n": 120}, {}, boot):
        assert s.p_identified_lo <= s.p_identified_wilson_lo <= s.p_identified <= s.p_identified_wilson_hi
        assert s.p_identified_wilson_hi <= s.p_identified_hi
        assert s.p_any_intercept_lo <= s.p_any_intercept <= s.p_any_intercept_hi
        assert s.identified_per_30d_lo < s.identified_per_30d < s.identified_per_30d_hi
        assert s.cost_per_identified_lo < s.cost_per_identified_usd < s.cost_per_identified_hi
        assert s.yearly_cost_lo < s.yearly_cost_usd < s.yearly_cost_hi
