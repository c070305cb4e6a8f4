"""Integrated picture vs military picture: civil sensors that cannot see a target must not break its track.

Regression (seed 4 day 0 of ``airbridge simulate``, network peru): low-flying drug flights were split into
many short tracks in the ``integrated`` picture (d0-f5-a1: 8 ids, the longest 188 s, against 2 ids of
858 s and 767 s in ``military``) because each batch of a civil radar that never detected the flight counted
a miss against its track (no geometry grids in the study): the misses reset the confirmation history
and deleted the track between two military hits.  A miss now counts only for a sensor that has fed the
track (tracker._kernels.lifecycle, counted misses).
"""
import numpy as np

from tracker.pictures import build_picture
from tracker_synthetic import SyntheticRadar, scenario


def _fusion_scenario(seed: int = 3):
    # military radar: sees everything (10 s scan); two civil radars with faster scans (4 s, 5 s) that see only
    # the west (x < 0): target 0 flies there (an airliner both see), target 1 (the low flight) east of x = 0
    radars = (SyntheticRadar(scan_period_s=10.0, pd=1.0, owner="military"),
              SyntheticRadar(x_m=-20e3, scan_period_s=4.0, pd=1.0, owner="civil", cover_x_m=(-np.inf, 0.0)),
              SyntheticRadar(x_m=-10e3, y_m=30e3, scan_period_s=5.0, pd=1.0, owner="civil", cover_x_m=(-np.inf, 0.0)))
    return scenario(2, 900.0, 200e3, seed=seed, radars=radars, speed=(80.0, 80.0),
                    legs=[[(1e5, 0.0)], [(1e5, 0.0)]], start=[[-90e3, -40e3], [20e3, -40e3]], heading=[np.pi / 2, np.pi / 2])


def _ids_on_target(pic, sc, k, radius_m=2000.0):
    conf = pic.status == 1
    t = pic.time_s[conf]
    # truth of target k at the row times (truth every 10 s; targets fly straight here)
    tr = sc.truth
    m = tr.target == k
    tx = np.interp(t, tr.time_s[m], tr.pos[m, 0])
    ty = np.interp(t, tr.time_s[m], tr.pos[m, 1])
    near = np.hypot(pic.x_m[conf] - tx, pic.y_m[conf] - ty) < radius_m
    ids = pic.track[conf][near]
    spans = [float(np.ptp(t[near][ids == i])) for i in np.unique(ids)]
    return len(spans), max(spans, default=0.0)


def test_civil_sensors_that_never_see_a_target_do_not_fragment_its_integrated_track():
    sc = _fusion_scenario()
    assert (sc.plots.truth[sc.plots.sensor > 0] != 1).all()  # civil radars never detect target 1
    pics = {m: build_picture(sc.plots, sc.sensors, m, seed=1) for m in ("military", "integrated")}
    n_mil, life_mil = _ids_on_target(pics["military"], sc, 1)
    n_int, life_int = _ids_on_target(pics["integrated"], sc, 1)
    assert n_mil == 1 and life_mil > 800.0
    # integrated holds the low target at least as well as military: one track, alive as long
    assert n_int <= n_mil and life_int >= life_mil - 20.0
    # and the target the civil radars do see is held too
    n0, life0 = _ids_on_target(pics["integrated"], sc, 0)
    assert n0 == 1 and life0 > 800.0


def test_a_civil_track_flying_a_filed_plan_is_not_cross_told():
    """non_integrated: a primary-only civil track is cross-told -- unless it flies a filed flight plan (ATC
    does not report a return it has correlated with a plan)."""
    from radar.sensorfile import SensorTable
    from tracker.pictures import build_picture
    from tracker.plans import plans_from_samples

    civ = SyntheticRadar(x_m=0.0, y_m=0.0, scan_period_s=4.0, sigma_m=80.0, owner="civil", false_per_scan=0.0)
    sc = scenario(3, 1800.0, 150e3, seed=4, radars=(civ,), speed=(150.0, 200.0))
    plots = sc.plots
    assert np.all(plots.squawk < 0)  # primary-only
    base = build_picture(plots, sc.sensors, "non_integrated", 1, 0)
    assert base.stats["cross_tells"] > 0 and base.stats["cross_tell_on_plan"] == 0
    tr = sc.truth
    plans = plans_from_samples(tr.time_s, tr.target, tr.pos)
    on = build_picture(plots, sc.sensors, "non_integrated", 1, 0, plans=plans)
    # (a civil track in a turn, or coasting a minute unseen, may stray off its plan at an opportunity)
    assert on.stats["cross_tell_on_plan"] >= 0.85 * base.stats["cross_tell_eligible"]
    assert on.stats["cross_tells"] <= 0.25 * base.stats["cross_tells"]
    # a plan 30 km away from every flight matches nothing
    far = plans_from_samples(tr.time_s, tr.target, tr.pos + np.array([30e3, 0.0, 0.0]))
    off = build_picture(plots, sc.sensors, "non_integrated", 1, 0, plans=far)
    assert off.stats["cross_tells"] == base.stats["cross_tells"]


def test_latest_row_per_track_matches_a_brute_force_search():
    # the cross-tell's "each track's latest row in [t - age, t], predicted to t", for many times at once
    # (tracker.pictures._Rows.latest, .nearest)
    from tracker.pictures import _Rows

    rng = np.random.default_rng(3)
    n = 400
    t = np.round(rng.uniform(0.0, 600.0, n), 1)  # ties in time on purpose
    ids = rng.integers(0, 25, n)
    state = rng.normal(size=(n, 6)) * np.array([1e4, 1e4, 1e3, 100.0, 100.0, 5.0])
    for age in (60.0, 10.0, 600.0, 0.0, 1.0, 30.0):
        rows = _Rows(t, ids, state)
        tq = np.array([300.0, 0.0, 600.0, 123.4, -5.0, 450.0, 300.0])
        px, py = rng.normal(size=tq.size) * 1e4, rng.normal(size=tq.size) * 1e4
        got_q, got_rows = rows.latest(tq, age)
        near = rows.nearest(tq, px, py, age)
        for i, tt in enumerate(tq.tolist()):
            want = {}
            for r in range(n):  # rows sorted by time (stable): the last one of a track in the window is its latest
                if tt - age <= rows.time_s[r] <= tt:
                    want[int(rows.track[r])] = r
            assert sorted(got_rows[got_q == i].tolist()) == sorted(want.values())
            d = [np.hypot(rows.state[r, 0] + rows.state[r, 3] * (tt - rows.time_s[r]) - px[i],
                          rows.state[r, 1] + rows.state[r, 4] * (tt - rows.time_s[r]) - py[i]) for r in want.values()]
            assert near[i] == (min(d) if d else np.inf)
        # a subset of the rows: their own latest rows, indices mapped back
        keep = np.flatnonzero(rng.random(n) < 0.5)
        sub = _Rows(t, ids, state, keep)
        np.testing.assert_array_equal(sub.time_s, t[sub.index])
        assert np.isin(sub.index, keep).all() and sub.index.size == keep.size
