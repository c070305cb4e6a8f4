"""A picture measured against truth (tracker.metrics.picture_truth, scenarios.study.picture_truth): the counts on a
constructed case, horizontal matching of held-height rows, and the targets on a simulated study day.

Re-measure on many days with ``python -m scenarios.study.picture_truth --networks peru,peru-pm-civil-psr --seeds 1,2,3
--days 5,40,75,110,145,180,215,250,285,320,355,390`` (and ``--false-scrambles STUDY_DIR`` after a study).
"""
from __future__ import annotations

import numpy as np
import pytest

from tracker.metrics import HORIZONTAL_SIGMA_M, evaluate, local_up, picture_truth, split_distance, vertical_sigma


def _case():
    """Four aircraft at 10 times; aircraft 2 and 3 fly 500 m apart (a formation, each with its own track)."""
    times = np.arange(10) * 10.0
    base = {0: (0.0, 0.0, 3000.0), 1: (50e3, 0.0, 9000.0), 2: (0.0, 60e3, 500.0), 3: (500.0, 60e3, 500.0)}
    tt, tg, tp = [], [], []
    for t in times:
        for k, p in base.items():
            tt.append(t)
            tg.append(k)
            tp.append((p[0] + 100.0 * t, p[1], p[2]))
    tt, tg, tp = np.array(tt), np.array(tg), np.array(tp)
    rows_t, rows_id, rows_s, rows_c = [], [], [], []

    def row(t, tid, p, sig_v=30.0):
        rows_t.append(t)
        rows_id.append(tid)
        rows_s.append((*p, 100.0, 0.0, 0.0))
        rows_c.append((50.0 ** 2, 0.0, 0.0, 50.0 ** 2, 0.0, sig_v ** 2))

    for t in times:
        for k, p in base.items():
            row(t, k, (p[0] + 100.0 * t + 200.0, p[1], p[2]))
        if t >= 50.0:  # a second track on aircraft 0, 800 m off, for 5 times: 5 duplicate aircraft-times
            row(t, 10, (100.0 * t + 800.0, 0.0, 3000.0))
    # aircraft 1's track 5 km low for 3 times (observed height: not declared); 4 km low with a held sigma once
    for i, t in enumerate(times[:4]):
        k = rows_id.index(1, 4 * i)
        s = list(rows_s[k])
        s[2] -= 5000.0 if i < 3 else 4000.0
        rows_s[k] = tuple(s)
        if i == 3:
            c = list(rows_c[k])
            c[5] = 2000.0 ** 2
            rows_c[k] = tuple(c)
    return tt, tg, tp, np.array(rows_t), np.array(rows_id), np.array(rows_s), np.array(rows_c)


def test_picture_truth_counts_duplicates_and_height_errors():
    tt, tg, tp, rt, rid, rs, rc = _case()
    res = picture_truth(tt, tg, tp, rt, rid, rs, rc, max_age_s=0.0,
                        target_group={0: "a", 1: "a", 2: "b", 3: "b"})
    assert res.aircraft_times == 40 and res.held == 40
    assert res.duplicates == 5  # the formation (2, 3) is not a duplicate
    assert res.matched_rows == 45
    assert res.height_errors == 4 and res.height_errors_declared == 1
    assert res.by_group["a"]["duplicates"] == 5 and res.by_group["b"]["duplicates"] == 0
    assert res.by_group["a"]["height_errors"] == 4
    assert res.duplicate_fraction == pytest.approx(5 / 40)


def test_held_height_rows_are_matched_horizontally():
    """GOSPA (c = 2 km): a row 4 km below its aircraft is missed + false in 3-D, held in the horizontal
    (its vertical sigma says its height is held); the split distance is exact on the local up."""
    t = np.zeros(1)
    truth = np.array([[100e3, 0.0, 8000.0]])
    u = local_up(truth)
    east = np.array([[1.0, 0.0, 0.0]]) - u[:, :1] * u  # horizontal at the truth point
    est = truth + 300.0 * east / np.linalg.norm(east) - 4000.0 * u
    s3 = evaluate(t, np.zeros(1, int), truth, t, np.zeros(1, int), np.c_[est, np.zeros((1, 3))], c=2000.0)
    sh = evaluate(t, np.zeros(1, int), truth, t, np.zeros(1, int), np.c_[est, np.zeros((1, 3))], c=2000.0,
                  track_sigma_v=np.array([HORIZONTAL_SIGMA_M + 1.0]))
    assert s3.held_fraction[0] == 0.0 and sh.held_fraction[0] == 1.0
    assert sh.gospa_mean == pytest.approx(300.0, abs=1.0)
    dh, dv = split_distance(truth, est)
    assert dh[0, 0] == pytest.approx(300.0, abs=0.5) and dv[0, 0] == pytest.approx(-4000.0, abs=0.5)
    cov = np.array([[1e4, 0.0, 0.0, 1e4, 0.0, 9e6]])
    assert vertical_sigma(np.zeros((1, 3)), cov)[0] == pytest.approx(3000.0)


@pytest.mark.parametrize("net_seed_day", [("peru-pm-civil-psr", 1, 250)], ids=lambda v: f"{v[0]}-s{v[1]}-d{v[2]}")
def test_a_study_day_meets_the_picture_targets(net_seed_day):
    """On a simulated study day with a civil primary + secondary head beside the Puerto Maldonado TPS-70: every
    picture holds <= 2 % duplicate aircraft-times and <= 0.5 % rows more than 3 km from the true height."""
    from scenarios.study.picture_truth import measure_day
    from scenarios.study.spec import StudySpec, validate_spec

    net, seed, day = net_seed_day
    spec = StudySpec()
    ctx = validate_spec(spec)
    res = measure_day(ctx.day_context(net), seed, day, spec=spec)
    assert res["integrated"]["held"] > 2000
    for mode, r in res.items():
        if r["held"]:
            assert r["duplicates"] <= 0.02 * r["held"], (mode, r)
        if r["matched_rows"]:
            assert r["height_errors"] <= 0.005 * r["matched_rows"], (mode, r)
