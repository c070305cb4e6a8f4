"""The whole pipeline: days/s and flights/s with time per stage (feeds, pictures, engagements, store).

Budgets (README, Performance): the default study (2,000 drug flights at the calibrated rate, 4 networks,
2 pictures, 8 options) <= 30 s warm on 2 cores (not met: the bench prints the projection); 10,000 flights x 2 pictures x 8 options <= 5 min with peak RSS <= 2 GB.  Quick mode runs
a few days and prints the extrapolation; AIRBRIDGE_BENCH_FULL=1 runs the default study itself.
"""
from __future__ import annotations

import sqlite3
import time

import pytest

from benches.conftest import QUICK, report


def _stage_totals(store):
    db = sqlite3.connect(store)
    try:
        row = db.execute("SELECT COUNT(*), SUM(drug_flights), SUM(feeds_s), SUM(pictures_s), SUM(engage_s), "
                         "SUM(plots) FROM days").fetchone()
        chunks = db.execute("SELECT SUM(seconds) FROM chunks").fetchone()[0]
    finally:
        db.close()
    return row, chunks


def _default_days() -> int:
    """Days of the default study (``airbridge tradeoff`` without --days: 2,000 drug flights at the scenario's rate)."""
    import math

    from scenarios.config.scenario import load_scenario
    from scenarios.config.study import expected_drug_flights_per_day
    from scenarios.study.spec import StudySpec

    return max(1, int(math.ceil(2000 / expected_drug_flights_per_day(load_scenario(StudySpec().scenario)))))


@pytest.mark.parametrize("workers", [1, 2])
def test_pipeline_throughput(tmp_path, workers):
    from scenarios.study.runner import run_study
    from scenarios.study.spec import StudySpec
    from scenarios.warmup import warmup

    warmup()
    days = 6 if QUICK else 417
    spec = StudySpec(days=days, chunk_days=2 if QUICK else 8)
    t0 = time.perf_counter()
    store = run_study(spec, tmp_path / "study", workers=workers, progress=False)
    wall = time.perf_counter() - t0
    (n_days, flights, feeds, pictures, engage, plots), chunk_s = _stage_totals(store)
    db = sqlite3.connect(store)
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    db.close()
    rss_mb = float(meta["peak_rss_mb_parent"])
    child_mb = float(meta["peak_rss_mb_worker"])
    per_day = wall / n_days
    default_days = len(spec.networks) * _default_days()
    report(f"pipeline, {workers} worker(s): {n_days} network-days, {flights} drug flights, {plots} plots in "
           f"{wall:.1f} s -> {n_days / wall:.2f} network-days/s, {flights / wall:.1f} flights/s; "
           f"stage sums feeds {feeds:.1f} s, pictures {pictures:.1f} s, engagement {engage:.1f} s, "
           f"store+overhead {max(0.0, wall * workers - feeds - pictures - engage):.1f} s; peak RSS parent "
           f"{rss_mb:.0f} MB, largest worker {child_mb:.0f} MB (budget 2 GB; ru_maxrss is a lifetime peak "
           f"that Linux carries over fork and exec, so here it includes the benches run before in this pytest process; "
           f"'airbridge tradeoff' reports the study's own)")
    per_flight_days = n_days / max(flights, 1)  # network-days per drug flight simulated
    report(f"default study ({default_days} network-days) at this rate: {per_day * default_days:.0f} s (goal 30 s); "
           f"10,000 flights x 2 pictures x 8 options on one network: {per_day * 10000 * per_flight_days:.0f} s "
           f"(budget 300 s)")
    assert n_days == len(spec.networks) * days
