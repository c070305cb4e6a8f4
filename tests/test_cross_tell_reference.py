"""The non_integrated cross-tell (tracker.pictures._cross_tell, on arrays) against the step-by-step version it
replaced (tests/cross_tell_reference.py): the same cued rows and counters on simulated study days and on random
civil and military rows built to reach every rule (planned codes, filed plans, military separation at the
opportunity and along the cued rows, replaced reports, ties in time).
"""
from __future__ import annotations

import numpy as np
import pytest

from cross_tell_reference import _cross_tell_reference
from radar.sensorfile import FusionParams
from tracker.params import TrackerParams
from tracker.pictures import _cross_tell, _picture_from_rows, _Rows
from tracker.plans import plans_from_samples
from tracker.tracker import TrackRows

_COLUMNS = ["time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "pos_cov", "pos_sigma_m", "status",
            "squawk", "sensors", "sigma_v_m", "t_obs_s"]


def _assert_same(args, kwargs=None):
    """New and reference cross-tell on the same inputs: counters and integer columns equal, floats within 1e-9
    (m, m/s, s; relative 1e-12 for the variances).  Returns the reference's stats."""
    kwargs = kwargs or {}
    got, got_stats = _cross_tell(*args, **kwargs)
    want, want_stats = _cross_tell_reference(*args, **kwargs)
    assert got_stats == want_stats
    assert len(got) == len(want)
    for c in _COLUMNS:
        a, b = getattr(got, c), getattr(want, c)
        assert a.dtype == b.dtype and a.shape == b.shape, c
        if np.issubdtype(a.dtype, np.floating):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9, err_msg=c)
        else:
            np.testing.assert_array_equal(a, b, err_msg=c)
    return want_stats, want


@pytest.mark.parametrize("network,day", [("peru-pm-civil-psr", 0), ("peru-pm-civil-psr", 14)])
def test_cross_tell_equals_the_reference_on_study_days(network, day, monkeypatch):
    """A study's network-day (the study's day options and engagement gates), its cross-tell inputs captured as
    build_picture passes them."""
    import tracker.pictures as pictures
    from scenarios.engagement.engagement import build_pictures
    from scenarios.simulation.day import simulate_day
    from scenarios.study.runner import day_options
    from scenarios.study.spec import StudySpec, validate_spec

    spec = StudySpec()
    ctx = validate_spec(spec)
    sim = simulate_day(ctx.day_context(network), seed=spec.seed, day=day, options=day_options(spec))
    captured = []
    real = pictures._cross_tell

    def capture(*args, **kwargs):
        captured.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(pictures, "_cross_tell", capture)
    build_pictures(sim, ("non_integrated",), spec.seed, ctx.interceptors.params)
    assert len(captured) == 1
    stats, cued = _assert_same(*captured[0])
    assert stats["cross_tells"] >= 20 and len(cued) > 1000


def _random_case(seed: int):
    """Random civil and military track rows over 2 h: 40 civil tracks (some primary-only, some squawking a code
    that is or is not planned), times on a 4 s grid (ties between tracks), gaps longer than max_unseen; military
    tracks on some civil tracks' paths (close at some opportunities, catching up with cued tracks later);
    filed plans for some civil tracks."""
    rng = np.random.default_rng(seed)
    n_civ, dur = 40, 7200.0
    t_rows, id_rows, st_rows, sq_rows = [], [], [], []
    paths = {}
    for c in range(n_civ):
        t0 = rng.uniform(0.0, dur * 0.6)
        t = np.arange(np.round(t0 / 4.0) * 4.0, min(dur, t0 + rng.uniform(600.0, 5000.0)), 4.0)
        t = t[rng.random(t.size) < 0.8]  # misses
        gap = (t > t0 + 700.0) & (t < t0 + 800.0)  # a gap longer than max_unseen
        t = t[~gap]
        p0 = rng.uniform(-150e3, 150e3, 3) * np.array([1.0, 1.0, 0.0]) + np.array([0.0, 0.0, rng.uniform(500, 9000)])
        v = rng.normal(0.0, 120.0, 3) * np.array([1.0, 1.0, 0.02])
        pos = p0 + v * (t - t0)[:, None] + rng.normal(0.0, 100.0, (t.size, 3))
        vel = v + rng.normal(0.0, 5.0, (t.size, 3))
        paths[c] = (t, pos, vel)
        t_rows.append(t)
        id_rows.append(np.full(t.size, 7 * c + 3))
        st_rows.append(np.hstack((pos, vel)))
        code = -1 if c % 3 == 0 else 1000 + c % 5  # codes 1000..1004; 1000 and 1001 are planned
        sq = np.full(t.size, code)
        if c % 7 == 1:
            sq[: t.size // 2] = -1  # the code correlated halfway
        sq_rows.append(sq)
    t = np.concatenate(t_rows)
    order = rng.permutation(t.size)  # rows in any order
    n = t.size
    civ = TrackRows(time_s=t[order], track=np.concatenate(id_rows)[order].astype(np.int64),
                    state=np.concatenate(st_rows)[order], pos_cov=np.ones((n, 6)), status=np.ones(n, np.int8),
                    squawk=np.concatenate(sq_rows)[order].astype(np.int32),
                    sensors=rng.integers(1, 8, n).astype(np.int64), sigma_v_m=rng.uniform(10.0, 3000.0, n))
    # military tracks: on civil tracks 0, 3, 6, ... for a part of their life, 2-12 km off; updates every 10 s
    mt, mid, mst = [], [], []
    for j, c in enumerate(range(0, n_civ, 3)):
        tc, pc, vc = paths[c]
        if tc.size < 10:
            continue
        a = rng.uniform(tc[0], tc[-1])
        tm = np.arange(a, min(tc[-1], a + rng.uniform(300.0, 2000.0)), 10.0)
        off = rng.uniform(2e3, 12e3) * np.array([1.0, 0.0, 0.0])
        pm = np.stack([np.interp(tm, tc, pc[:, i]) for i in range(3)], axis=1) + off
        vm = np.stack([np.interp(tm, tc, vc[:, i]) for i in range(3)], axis=1)
        mt.append(tm)
        mid.append(np.full(tm.size, j))
        mst.append(np.hstack((pm, vm)))
    mt = np.concatenate(mt)
    m = mt.size
    mil_rows = TrackRows(time_s=mt, track=np.concatenate(mid).astype(np.int64), state=np.concatenate(mst),
                         pos_cov=np.ones((m, 6)), status=np.ones(m, np.int8), squawk=np.full(m, -1, np.int32),
                         sensors=np.ones(m, np.int64), sigma_v_m=np.full(m, 30.0))
    o = np.lexsort((mil_rows.track, mil_rows.time_s))
    mil_rows = TrackRows(*(getattr(mil_rows, f)[o] for f in ("time_s", "track", "state", "pos_cov", "status", "squawk",
                                                              "sensors", "sigma_v_m")))
    mil = _picture_from_rows("non_integrated", mil_rows)
    # filed plans: the true paths of civil tracks 1, 2, 4, 5 (2 min samples)
    pt, pid, ppos = [], [], []
    for c in (1, 2, 4, 5, 9, 12):
        tc, pc, _ = paths[c]
        ts = np.arange(tc[0], tc[-1], 120.0)
        pt.append(ts)
        pid.append(np.full(ts.size, c))
        ppos.append(np.stack([np.interp(ts, tc, pc[:, i]) for i in range(3)], axis=1))
    plans = plans_from_samples(np.concatenate(pt), np.concatenate(pid), np.concatenate(ppos))
    return civ, mil, plans


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cross_tell_equals_the_reference_on_random_rows(seed):
    civ, mil, plans = _random_case(seed)
    params = TrackerParams()
    fus = FusionParams()
    stats, cued = _assert_same((civ, mil, fus, params, 11, seed, [1000, 1001], 10.0, plans, (5000.0, 0.3)))
    # every rule was reached
    assert stats["cross_tell_on_plan"] > 0 and stats["cross_tells"] > 0
    assert stats["cued_tracks"] < stats["cross_tells"]  # some cued tracks were updated by a newer report
    no_mil = _picture_from_rows("non_integrated", TrackRows(*(getattr(mil, c)[:0] for c in (
        "time_s", "track", "state", "pos_cov", "status", "squawk", "sensors", "sigma_v_m"))))
    free_stats, free = _assert_same((civ, no_mil, fus, params, 11, seed, [1000, 1001], 10.0, plans, (5000.0, 0.3)))
    assert free_stats["cross_tell_eligible"] > stats["cross_tell_eligible"]  # military tracks near at opportunities
    # ... and along cued rows: some reports' rows stop where a military track holds the target (rows come report by
    # report: the row after a report's last one has a military track within separation_m)
    last = np.flatnonzero(np.r_[(cued.track[1:] != cued.track[:-1]) | (cued.t_obs_s[1:] != cued.t_obs_s[:-1]), True])
    t_next = cued.time_s[last] + 10.0
    dt = t_next - cued.time_s[last]
    x, y = cued.x_m[last] + cued.vx_mps[last] * dt, cued.y_m[last] + cued.vy_mps[last] * dt
    assert (_Rows(mil.time_s, mil.track, mil.state).nearest(t_next, x, y, 60.0) <= fus.separation_m).any()
    # without plans, with every code planned (None: only primary-only tracks), other interval and row step
    _assert_same((civ, mil, fus, params, 11, seed, None, 10.0))
    _assert_same((civ, mil, FusionParams(update_interval_s=240.0, separation_m=6000.0), params, 5, seed, [], 7.0,
                  plans))


def test_cross_tell_of_nothing():
    civ, mil, _ = _random_case(1)
    empty = TrackRows(*(getattr(civ, f)[:0] for f in ("time_s", "track", "state", "pos_cov", "status", "squawk",
                                                       "sensors", "sigma_v_m")))
    _assert_same((empty, mil, FusionParams(), TrackerParams(), 1, 0, None, 10.0))
    # a report probability of 0: opportunities, no cross-tell
    stats, cued = _assert_same((civ, mil, FusionParams(report_probability=0.0), TrackerParams(), 1, 0, None, 10.0))
    assert stats["cross_tell_eligible"] > 0 and len(cued) == 0
