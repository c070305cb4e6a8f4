"""Background cooperative traffic and the study option that keeps only flights near drug flights."""
from __future__ import annotations

import math

import numpy as np
import pytest

from radar.errors import InputError
from scenarios.config.scenario import _embedded_raw, build_scenario
from scenarios.config.traffic import load_traffic
from oracles import near_drug_spans_reference
from scenarios.flights.traffic import generate_background, near_drug_flights, near_drug_spans
from scenarios.flights.trajectory import PHASE_CRUISE, TrajectoryBuilder, path_length_m
from tolerances import S, assert_close


def scenario(mutate=None):
    raw = _embedded_raw("peru")
    if mutate:
        mutate(raw)
    return build_scenario(raw, name="test", file="test.toml")


@pytest.fixture(scope="module")
def cfg():
    return load_traffic(scenario())


def test_background_day(cfg):
    from radar.terrain import load_dem
    from scenarios.flights.threat import TerrainSampler

    terrain = TerrainSampler(load_dem())
    counts = []
    for day in range(3):
        tr, fl, uid = generate_background(cfg, terrain, 5, day)
        counts.append(len(fl))
        assert np.all(fl.transponder_on) and np.all(fl.flight_plan_filed)
        assert len(set(fl.squawk.tolist())) == len(fl)
        assert not set(fl.squawk.tolist()) & {7000, 7500, 7600, 7700, 2000, 1200}
        assert all(set(str(c).zfill(4)) <= set("01234567") for c in fl.squawk)
        assert np.all((fl.speed_mps >= 450 / 3.6 - 1e-9) & (fl.speed_mps <= 850 / 3.6 + 1e-9))
        assert np.all(fl.cruise_msl_m >= 150 * 100 * 0.3048 - 1e-6)
        assert len(set(uid.tolist())) == len(fl) and uid.min() >= 1_000_000
        ids = {a.id: a for a in cfg.airports}
        for f in range(tr.n_flights):
            w = tr.flight(f)
            a, b = ids[fl.departure_zone[f]], ids[fl.pickup_zone[f]]
            assert (w["lat_deg"][0], w["lon_deg"][0]) == pytest.approx((a.lat_deg, a.lon_deg), abs=1e-9)
            assert (w["lat_deg"][-1], w["lon_deg"][-1]) == pytest.approx((b.lat_deg, b.lon_deg), abs=1e-9)
            assert w["h_m"][0] == pytest.approx(a.elevation_m) and w["h_m"][-1] == pytest.approx(b.elevation_m)
            assert path_length_m(w["lat_deg"], w["lon_deg"])[-1] >= cfg.min_route_m
            assert 5 * 3600 <= fl.t_depart[f] - day * 86400 <= 23 * 3600
            top = w["h_m"] == w["h_m"].max()
            ter = terrain(w["lat_deg"][top], w["lon_deg"][top])
            assert np.all(w["h_m"][top] >= ter + cfg.terrain_clearance_m - 1e-6)
            assert np.all(w["phase"] == PHASE_CRUISE)
    # Poisson(150): the three days within +-4 sigma
    assert all(abs(c - 150) < 4 * math.sqrt(150) for c in counts)


def _line(b, t0, p0, p1, dur, h=5000.0):
    b.add([t0, t0 + dur], [p0[0], p1[0]], [p0[1], p1[1]], [h, h], [PHASE_CRUISE, PHASE_CRUISE])


def test_near_drug_flights_window():
    drug = TrajectoryBuilder()
    _line(drug, 10000.0, (-12.0, -70.0), (-12.0, -72.0), 3600.0)
    bg = TrajectoryBuilder()
    _line(bg, 10000.0, (-11.0, -71.0), (-13.0, -71.0), 3600.0)  # crosses the drug track at about the same time
    _line(bg, 30000.0, (-11.0, -71.0), (-13.0, -71.0), 3600.0)  # crosses it 5.5 h later
    _line(bg, 10000.0, (-14.0, -70.0), (-14.0, -72.0), 3600.0)  # parallel, 222 km away
    _line(bg, 13000.0, (-12.3, -70.0), (-12.3, -72.0), 3600.0)  # parallel 33 km away, 50 min later
    d, g = drug.build(), bg.build()
    keep = near_drug_flights(g, d, 50e3, 3600.0)
    assert keep.tolist() == [True, False, False, True]
    keep = near_drug_flights(g, d, 20e3, 3600.0)
    assert keep.tolist() == [True, False, False, False]
    keep = near_drug_flights(g, d, 50e3, 600.0)
    assert keep.tolist() == [True, False, False, False]


@pytest.mark.parametrize("mutate, fragment", [
    (lambda r: r["traffic_background"].__setitem__("airports", ["callao", "XXXX"]), "airports[1] = 'XXXX'"),
    (lambda r: r["traffic_background"].__setitem__("cruise_tas_kmh_range", [0, 850]), "cruise_tas_kmh_range"),
    (lambda r: r["traffic_background"].__setitem__("cruise_fl_range", [370, 150]), "cruise_fl_range"),
    (lambda r: r["traffic_background"].__setitem__("flights_per_day", -3), "flights_per_day = -3"),
])
def test_bad_traffic_input(mutate, fragment):
    with pytest.raises(InputError) as e:
        load_traffic(scenario(mutate))
    assert fragment in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("day", [0, 3, 11])
def test_near_drug_flights_kernel_matches_oracle(day):
    """The Numba window (near_drug_spans) against the k-d tree reference: the same flights kept, and their
    first and last close instants to 1e-6 s.  The reference places the samples on the sphere with NumPy's
    sin/cos (SIMD loops chosen per CPU), the kernel with libm: positions agree to rounding, so the times
    are compared to a tolerance.  Which samples are close (and so which flights are kept) is discrete and
    compared exactly: the chord lengths agree to ~1e-9 m, so only a sample within that of the distance
    could flip, and it would show as a 30 s step (the sample grid), not hide inside the tolerance."""
    from radar.terrain import load_dem
    from scenarios.config.scenario import load_scenario
    from scenarios.config.threat import load_threat
    from scenarios.flights.threat import TerrainSampler, generate_drug_flights

    sc = load_scenario("peru")
    dem = load_dem(sc.terrain.dem)
    terrain = TerrainSampler(dem, sc.terrain)
    threat = generate_drug_flights(load_threat(sc), terrain, 7, day)
    bg, _tab, _uid = generate_background(load_traffic(sc), terrain, 7, day)
    for dist, tw in ((50e3, 1800.0), (100e3, 600.0), (20e3, 3600.0)):
        first, last = near_drug_spans_reference(bg, threat.trajectories, dist, tw)
        want = np.isfinite(first)
        got = near_drug_flights(bg, threat.trajectories, dist, tw)
        assert got.tolist() == want.tolist()
        lo, hi = near_drug_spans(bg, threat.trajectories, dist, tw)
        assert_close(lo, first, atol=S)  # s; NaN (never close) in the same places
        assert_close(hi, last, atol=S)


def test_clip_trajectories_same_path_inside_nothing_outside():
    from radar._kernels.trajectory import eval_many
    from radar.terrain import load_dem
    from scenarios.config.scenario import load_scenario
    from scenarios.flights.threat import TerrainSampler
    from scenarios.flights.trajectory import clip_trajectories

    sc = load_scenario("peru")
    terrain = TerrainSampler(load_dem(sc.terrain.dem), sc.terrain)
    bg, _tab, _uid = generate_background(load_traffic(sc), terrain, 5, 2)
    s, e = bg.time_span()
    rng = np.random.default_rng(1)
    lo = s + rng.uniform(-0.2, 0.6, bg.n_flights) * (e - s)  # some before the start (no clipping there)
    hi = lo + rng.uniform(0.1, 0.6, bg.n_flights) * (e - s)
    lo[::7] = np.nan  # unrestricted
    c = clip_trajectories(bg, lo, hi)
    cs, ce = c.time_span()
    np.testing.assert_array_equal(cs, np.where(np.isfinite(lo), np.clip(lo, s, e), s))
    np.testing.assert_array_equal(ce, np.where(np.isfinite(hi), np.clip(hi, cs, e), e))
    f = np.repeat(np.arange(bg.n_flights), 50)
    t = s[f] + rng.uniform(0, 1, f.size) * (e - s)[f]
    a = eval_many(bg.offsets, bg.t_s, bg.lat_rad, bg.lon_rad, bg.h_m, bg.phase, f, t)
    b = eval_many(c.offsets, c.t_s, c.lat_rad, c.lon_rad, c.h_m, c.phase, f, t)
    inside = (t >= cs[f]) & (t <= ce[f])
    assert inside.any() and (~inside).any()
    # inside: the same position (1e-12 rad ~ 6 micrometres, 1e-6 m), velocity and phase; outside: none
    np.testing.assert_allclose(b[0][inside], a[0][inside], rtol=0, atol=1e-12)
    np.testing.assert_allclose(b[1][inside], a[1][inside], rtol=0, atol=1e-12)
    np.testing.assert_allclose(b[2][inside], a[2][inside], rtol=0, atol=1e-6)
    np.testing.assert_allclose(b[3][inside], a[3][inside], rtol=0, atol=1e-6)
    assert (b[4][inside] == a[4][inside]).all()
    assert (b[4][~inside] == 0).all() and np.isnan(b[0][~inside]).all()


def test_arange_kernel_matches_numpy():
    """arange_count / arange_value (the sample instants of the window kernel) against np.arange: the same
    count (ceil of one IEEE division, no rounding choice) and the same instants to 1e-6 s."""
    from radar._kernels.trajectory import arange_count, arange_value

    rng = np.random.default_rng(3)
    for _ in range(300):
        s = rng.uniform(0, 4e7)
        e = s + rng.uniform(0, 2e4)
        step = float(rng.choice([10.0, 30.0, 7.3]))
        want = np.arange(s, e + step, step)
        n = arange_count(s, e + step, step)
        d2 = (s + step) - s
        got = np.array([arange_value(s, step, d2, i) for i in range(n)])
        assert n == want.size
        assert_close(got, want, atol=S)  # s
