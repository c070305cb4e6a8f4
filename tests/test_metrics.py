"""GOSPA against brute-force enumeration (and Stone Soup when installed); evaluate() bookkeeping."""
import itertools

import numpy as np
import pytest

from tracker.metrics import evaluate, gospa


def _brute(X, Y, c, p):
    """Enumerate every partial assignment (alpha = 2): min sum d^p + c^p/2 (unassigned X + unassigned Y)."""
    n, m = len(X), len(Y)
    best = np.inf
    for k in range(0, min(n, m) + 1):
        for xs in itertools.combinations(range(n), k):
            for ys in itertools.permutations(range(m), k):
                d = [np.linalg.norm(X[a] - Y[b]) for a, b in zip(xs, ys)]
                if any(v >= c for v in d):
                    continue
                val = sum(v ** p for v in d) + c ** p / 2 * (n - k) + c ** p / 2 * (m - k)
                best = min(best, val)
    return best ** (1 / p)


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_gospa_matches_brute_force(p):
    rng = np.random.default_rng(int(p))
    c = 2000.0
    for _ in range(150):
        n, m = int(rng.integers(0, 5)), int(rng.integers(0, 5))
        X = rng.uniform(0, 5000, (n, 3))
        Y = rng.uniform(0, 5000, (m, 3))
        g, loc, mis, fal, pairs = gospa(X, Y, c, p)
        assert g == pytest.approx(_brute(X, Y, c, p), rel=1e-10, abs=1e-9)
        assert loc + mis + fal == pytest.approx(g ** p, rel=1e-10, abs=1e-9)


def test_gospa_against_stone_soup_if_installed():
    pytest.importorskip("stonesoup")
    from datetime import datetime

    from stonesoup.measures import Euclidean
    from stonesoup.metricgenerator.ospametric import GOSPAMetric
    from stonesoup.types.state import State

    rng = np.random.default_rng(4)
    X = rng.uniform(0, 5000, (4, 3))
    Y = rng.uniform(0, 5000, (3, 3))
    t = datetime(2026, 1, 1)
    metric = GOSPAMetric(c=2000, p=1, measure=Euclidean())
    res = metric.compute_gospa_metric([State(y.reshape(3, 1), timestamp=t) for y in Y],
                                      [State(x.reshape(3, 1), timestamp=t) for x in X])
    assert gospa(X, Y, 2000.0, 1.0)[0] == pytest.approx(res[0].value["distance"], rel=1e-9)


def test_evaluate_counts_switches_fragments_and_time_to_track():
    # one target moving along x; track 7 holds it from t=20 to 50, then track 9 from t=70 (gap at 60)
    t = np.arange(0, 100, 10.0)
    truth = np.c_[t * 100, np.zeros_like(t), np.full_like(t, 1000.0)]
    rows_t, rows_id, rows_s = [], [], []
    for k, tt in enumerate(t):
        if 20 <= tt <= 50:
            rows_t.append(tt); rows_id.append(7); rows_s.append([tt * 100 + 50, 0, 1000, 100, 0, 0])
        if tt >= 70:
            rows_t.append(tt); rows_id.append(9); rows_s.append([tt * 100 - 50, 0, 1000, 100, 0, 0])
    s = evaluate(t, np.zeros_like(t, int), truth, np.array(rows_t), np.array(rows_id), np.array(rows_s), c=2000.0,
                 p=1.0, max_age_s=5.0)
    assert s.time_to_track_s[0] == pytest.approx(20.0)
    assert s.id_switches == 1
    assert s.fragments == 1
    assert s.held_fraction[0] == pytest.approx(7 / 10)
    assert s.rmse_m == pytest.approx(50.0)
    # GOSPA per time: 50 when held, c/2 = 1000 when missed (3 of 10 times)
    assert s.gospa_mean == pytest.approx((7 * 50 + 3 * 1000) / 10)
