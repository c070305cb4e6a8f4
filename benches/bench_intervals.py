"""The study's reported 95 % intervals cover the spread between seeds; the bootstrap's cost.

``test_intervals_cover_the_cross_seed_mean`` (slow: runs only with AIRBRIDGE_BENCH_FULL=1, 5 x 417
network-days, about 4 minutes on 2 cores) runs one study of the default length per seed (1..5) on the
default network with two options and both pictures, and checks that the intervals of at least 4 of
the 5 seeds contain the mean of the 5 seeds' estimates, for P(identified airborne), P(any intercept),
identified per 30 days and every paired Δ; and that over all the reported rates (adding false
scrambles per 30 days, cost per identification and yearly cost) at least 85 % of the intervals do.
The cost ratios get the pooled check only: with 5 seeds their cross-seed mean is itself noisy, and
on seeds 1-5 one of the four cost-per-identification rows is covered 3 of 5 times, while on 20 seeds
(1-20, Gripen QRA, non-integrated picture) every rate's interval covers the 20-seed mean in 18 or 19
of 20 (P(identified airborne): 19/20, cross-seed sd 0.0875 vs the intervals' 0.082; Wilson: 3/20).
Quick mode (the default) times the bootstrap on a synthetic study of the default size instead.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from benches.conftest import QUICK, report

SEEDS = (1, 2, 3, 4, 5)
DAYS = 417  # the default study's length: 5.2 cycles of the default networks' longest (80-day) outage cycle
OPTIONS = ("gripen_qra_puerto_maldonado", "a29_forward")
#: (point, lo, hi) attribute names of the reported rates, and whether each must cover in 4 of 5 seeds
RATES = (("p_identified", "p_identified_lo", "p_identified_hi", True),
         ("p_any_intercept", "p_any_intercept_lo", "p_any_intercept_hi", True),
         ("identified_per_30d", "identified_per_30d_lo", "identified_per_30d_hi", True),
         ("false_scrambles_per_30d", "false_scrambles_per_30d_lo", "false_scrambles_per_30d_hi", False),
         ("cost_per_identified_usd", "cost_per_identified_lo", "cost_per_identified_hi", False),
         ("yearly_cost_usd", "yearly_cost_lo", "yearly_cost_hi", False))
#: least share of all the rates' intervals (seeds x rows x rates) that contain their cross-seed mean
POOLED_COVERAGE = 0.85


def _study_scores(spec, out):
    """The scores and Δ a study's report gives (the render path without the files)."""
    from scenarios.config.scenario import load_scenario
    from scenarios.study.scores import compute_scores, paired_deltas, table
    from scenarios.study.runner import run_study
    from scenarios.study.spec import RESULT_COLUMNS
    from scenarios.study.store import load_results
    from scenarios.study.uncertainty import study_bootstrap

    store = run_study(spec, out, workers=2, progress=False)
    _, rows, day_rows = load_results(store)
    res = table(rows, RESULT_COLUMNS)
    cycles, boot = study_bootstrap(load_scenario(spec.scenario), spec.networks, [r[1] for r in day_rows], spec.seed)
    assert cycles.warning() is None, cycles.warning()
    days = {n: spec.days for n in spec.networks}
    return compute_scores(res, days, {}, boot), paired_deltas(res, boot=boot)


@pytest.mark.skipif(QUICK, reason="5 studies of 417 days: run with AIRBRIDGE_BENCH_FULL=1")
def test_intervals_cover_the_cross_seed_mean(tmp_path):
    from scenarios.study.spec import StudySpec
    from scenarios.warmup import warmup

    warmup()
    per_seed = []
    t0 = time.perf_counter()
    for seed in SEEDS:
        spec = StudySpec(networks=("peru",), options=OPTIONS, days=DAYS, seed=seed)
        per_seed.append(_study_scores(spec, tmp_path / f"seed{seed}"))
    report(f"{len(SEEDS)} studies x {DAYS} days in {time.perf_counter() - t0:.0f} s")
    failures = []
    pooled = []
    scores = [{(s.picture, s.option): s for s in sc} for sc, _ in per_seed]
    for key in scores[0]:
        for point, lo, hi, each in RATES:
            est = np.array([getattr(s[key], point) for s in scores])
            ivs = [(getattr(s[key], lo), getattr(s[key], hi)) for s in scores]
            mean = float(est.mean())
            covered = sum(a <= mean <= b for a, b in ivs)
            report(f"{key[1]:<28} {key[0]:<15} {point:<23} cross-seed mean {mean:9.4g}, sd {est.std(ddof=1):.3g}; "
                   f"covered by {covered}/5: " + "  ".join(f"{e:.4g} [{a:.4g}, {b:.4g}]" for e, (a, b) in zip(est, ivs)))
            pooled.append(covered)
            if each and covered < 4:
                failures.append((key, point, covered))
    share = sum(pooled) / (len(SEEDS) * len(pooled))
    report(f"all rates: {sum(pooled)} of {len(SEEDS) * len(pooled)} intervals contain their cross-seed mean ({share:.0%})")
    if share < POOLED_COVERAGE:
        failures.append(("all rates", share))
    deltas = [{d.option: d for d in ds} for _, ds in per_seed]
    for opt in deltas[0]:
        est = np.array([d[opt].delta for d in deltas])
        mean = float(est.mean())
        covered = sum(d[opt].lo <= mean <= d[opt].hi for d in deltas)
        report(f"Δ {opt:<26} cross-seed mean {100 * mean:+.2f} pp; covered by {covered}/5: "
               + "  ".join(f"{100 * d[opt].delta:+.2f} [{100 * d[opt].lo:+.2f}, {100 * d[opt].hi:+.2f}]"
                           for d in deltas))
        if covered < 4:
            failures.append(("delta", opt, covered))
    assert not failures, f"intervals covering the cross-seed mean in fewer than 4 of 5 seeds: {failures}"


def test_bootstrap_cost_at_the_default_study_size(benchmark):
    """Draw the weights and score 417 days x 32 network/picture/option combinations (~64,000 rows)."""
    from scenarios.study.scores import compute_scores, paired_deltas, table
    from scenarios.study.spec import RESULT_COLUMNS
    from scenarios.study.uncertainty import DayBootstrap

    rng = np.random.default_rng(0)
    rows = []
    col = {c: i for i, c in enumerate(RESULT_COLUMNS)}
    outcomes = ("identified_airborne", "intercepted_late", "missed_no_track")
    for day in range(417):
        for f in range(rng.poisson(4.8)):
            for net in ("peru", "peru-public-record"):
                for opt in range(8):
                    for mode in ("non_integrated", "integrated"):
                        r = [None] * len(RESULT_COLUMNS)
                        r[col["network"]], r[col["day"]], r[col["flight"]] = net, day, f"d{day}f{f}"
                        r[col["option"]], r[col["mode"]], r[col["false_scramble"]] = f"o{opt}", mode, 0
                        r[col["outcome"]] = outcomes[int(rng.integers(3))]
                        r[col["cost_usd"]], r[col["flight_hours"]] = 1000.0, 1.0
                        rows.append(tuple(r))
    res = table(rows, RESULT_COLUMNS)

    def run():
        boot = DayBootstrap.draw(range(417), 80, seed=1)
        return compute_scores(res, {"peru": 417, "peru-public-record": 417}, {}, boot), paired_deltas(res, boot=boot)

    scores, deltas = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    assert len(scores) == 32 and len(deltas) == 16
    report(f"bootstrap of {len(rows)} rows (32 combinations, 417 days, 2,000 replicates): "
           f"median {benchmark.stats.stats.median:.2f} s")
