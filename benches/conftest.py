"""Benchmarks: pytest-benchmark, JIT warmed before timing, ours vs an in-run baseline.

Quick mode (default; ``AIRBRIDGE_BENCH_QUICK=1``) shrinks sizes and rounds so the suite
finishes in minutes; ``AIRBRIDGE_BENCH_FULL=1`` runs the full sizes (README, Performance).  Budgets are
checked as ratios against the in-run baseline.
"""
import os

import pytest

# Quick mode is the default (CI and a newcomer's `pytest`); AIRBRIDGE_BENCH_FULL=1 runs the
# full sizes of the README's Performance table.  Every bench module reads AIRBRIDGE_BENCH_QUICK.
if os.environ.get("AIRBRIDGE_BENCH_FULL", "0").strip() not in ("", "0", "false", "no"):
    os.environ["AIRBRIDGE_BENCH_QUICK"] = "0"
else:
    os.environ.setdefault("AIRBRIDGE_BENCH_QUICK", "1")
QUICK = os.environ["AIRBRIDGE_BENCH_QUICK"].strip() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def quick():
    return QUICK


def report(line: str) -> None:
    """Print a result line so it shows with ``-s`` and in the captured output summary."""
    print(f"\n[bench] {line}", flush=True)
