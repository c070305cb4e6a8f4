"""Drug flights: configuration validation, joint draw with range rejection, routing around terrain,
terrain following within climb limits, timing (ground time, landing/take-off), transponders."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from radar.errors import InputError
from radar.terrain import Dem
from scenarios.config.scenario import _embedded_raw, build_scenario
from scenarios.config.threat import EARTH_R, check_dem_covers, load_threat
from scenarios.flights.threat import TerrainSampler, climb_limited_profile, generate_drug_flights
from scenarios.flights.trajectory import PHASE_GROUND, PHASE_INBOUND, PHASE_OUTBOUND, evaluate_geodetic, path_length_m
from tolerances import M, assert_close


def scenario(mutate=None):
    raw = _embedded_raw("peru")
    if mutate:
        mutate(raw)
    return build_scenario(raw, name="test", file="test.toml")


def flat_dem(height=200.0, wall=None):
    lat = np.arange(0.0, -22.0 - 1e-9, -1 / 12)
    lon = np.arange(-82.0, -60.0 + 1e-9, 1 / 12)
    z = np.full((lat.size, lon.size), height)
    if wall is not None:
        lon_a, lon_b, lat_top, lat_bottom, h = wall
        z[np.ix_((lat <= lat_top) & (lat >= lat_bottom), (lon >= lon_a) & (lon <= lon_b))] = h
    return Dem(lat, lon, z, "synthetic", "synthetic")


@pytest.fixture(scope="module")
def cfg():
    return load_threat(scenario())


def test_effective_weights_remove_infeasible_combinations(cfg):
    ew = cfg.effective_weights()
    assert 0.5 < ew["feasible_fraction"] < 1.0
    # Santa Cruz is the farthest departure zone: its effective weight drops below nominal
    nominal, eff = ew["departure"]["bo_santa_cruz"]
    assert eff < nominal
    for group in ("departure", "corridor", "pickup", "aircraft"):
        assert sum(v[1] for v in ew[group].values()) == pytest.approx(1.0)
    # brute force: every combination with prior > 0 and one-way/round-trip distance beyond reach is excluded
    combos, prior, feas = cfg.joint_table()
    assert np.any(~feas) and np.any(feas)


def test_draws_follow_effective_weights_and_respect_range(cfg):
    terrain = TerrainSampler(flat_dem())
    counts = {}
    n = 0
    for day in range(150):
        td = generate_drug_flights(cfg, terrain, 3, day)
        fl = td.flights
        for i in np.nonzero(fl.formation >= 0)[0]:
            if i > 0 and fl.formation[i] == fl.formation[i - 1]:
                continue  # one draw per formation
            counts[fl.departure_zone[i]] = counts.get(fl.departure_zone[i], 0) + 1
            n += 1
        tr = td.trajectories
        for f in range(tr.n_flights):
            w = tr.flight(f)
            inbound = w["phase"] == PHASE_INBOUND
            s = path_length_m(w["lat_deg"], w["lon_deg"])
            k = np.flatnonzero(w["phase"] == PHASE_GROUND)[0]
            len_in, len_out = s[k], s[-1] - s[k]
            ac = next(a for a in cfg.aircraft if a.id == fl.aircraft[f])
            reach = max(ac.range_m, ac.range_drums_m)
            need = max(len_in, len_out) if fl.refuel[f] else len_in + len_out
            assert need <= reach + 1.0
            assert inbound[0]
    ew = cfg.effective_weights()["departure"]
    for zid, (_nom, eff) in ew.items():
        got = counts.get(zid, 0) / n
        assert abs(got - eff) <= 4 * math.sqrt(eff * (1 - eff) / n) + 1e-9, (zid, got, eff, n)


def test_infeasible_aircraft_is_never_drawn():
    def short_range(raw):
        for a in raw["threat"]["aircraft"]:
            if a["id"] == "c206":
                a["range_km"] = 150
                a["range_km_with_cabin_drums"] = 150

    cfg = load_threat(scenario(short_range))
    ew = cfg.effective_weights()
    assert ew["aircraft"]["c206"][1] == 0.0
    terrain = TerrainSampler(flat_dem())
    for day in range(40):
        assert "c206" not in set(generate_drug_flights(cfg, terrain, 1, day).flights.aircraft)


def test_routes_avoid_terrain_above_ceiling_with_dog_legs(cfg):
    # a 6,000 m wall between the Bolivian gates and the pickups, open south of -13.8
    dem = flat_dem(300.0, wall=(-72.0, -71.0, -6.0, -13.8, 6000.0))
    terrain = TerrainSampler(dem)
    used = 0
    for day in range(25):
        td = generate_drug_flights(cfg, terrain, 2, day)
        tr, fl = td.trajectories, td.flights
        for f in range(tr.n_flights):
            w = tr.flight(f)
            ac = next(a for a in cfg.aircraft if a.id == fl.aircraft[f])
            ter = terrain(w["lat_deg"], w["lon_deg"])
            assert np.all(ter <= ac.service_ceiling_m - cfg.route_ceiling_margin_m + 1e-6)
            assert np.all(w["h_m"] <= ac.service_ceiling_m + 1e-6)
            used += fl.dog_legs[f] > 0
    assert used > 0


def test_terrain_following_agl_ceiling_and_climb_limits(cfg):
    rng = np.random.default_rng(4)
    s = np.arange(0, 400e3, 2000.0)
    ter = 300 + 2500 * np.clip(np.sin(s / 40e3), 0, None) + rng.uniform(0, 300, s.size)
    agl, ceiling, cg, dg = 300.0, 4700.0, 3.0 / 72, 4.0 / 72
    h, target = climb_limited_profile(s, ter, agl, ceiling, cg, dg, ter[0], ter[-1])
    interior = slice(1, -1)
    assert np.all(h[interior] >= target[interior] - 1e-9)
    assert np.all(h <= ceiling + 1e-9)
    dh = np.diff(h) / np.diff(s)
    assert np.all(dh[1:-1] <= cg + 1e-12) and np.all(dh[1:-1] >= -dg - 1e-12)
    assert np.all(h[interior] >= ter[interior] + 50.0 - 1e-9)
    # gentle terrain: away from the strips the aircraft holds the full AGL (or the ceiling)
    gentle = 300 + 800 * np.clip(np.sin(s / 40e3), 0, None)
    h2, _ = climb_limited_profile(s, gentle, agl, ceiling, cg, dg, gentle[0], gentle[-1])
    mid = (s > 20e3) & (s < 380e3)
    assert np.all(h2[mid] >= np.minimum(gentle[mid] + agl, ceiling) - 1e-9)
    dh2 = np.diff(h2) / np.diff(s)
    assert np.all(dh2[1:-1] <= cg + 1e-12) and np.all(dh2[1:-1] >= -dg - 1e-12)


def test_drug_flights_on_real_terrain_timing_and_phases(cfg):
    from radar.terrain import load_dem

    terrain = TerrainSampler(load_dem())
    for day in (0, 1, 2, 3):
        td = generate_drug_flights(cfg, terrain, 11, day)
        fl, tr = td.flights, td.trajectories
        midnight = day * 86400.0
        for f in range(len(fl)):
            ground = fl.t_takeoff[f] - fl.t_land[f]
            assert 300.0 - 1e-6 <= ground <= 720.0 + 1e-6
            assert fl.t_depart[f] < fl.t_border_in[f] < fl.t_land[f] < fl.t_takeoff[f] < fl.t_border_out[f] < fl.t_end[f]
            lat, lon, h, v, ph = evaluate_geodetic(tr, np.full(3, f), np.array([fl.t_land[f] - 1, 0.5 * (fl.t_land[f] + fl.t_takeoff[f]), fl.t_takeoff[f] + 1]))
            assert list(ph) == [PHASE_INBOUND, PHASE_GROUND, PHASE_OUTBOUND]
            assert np.linalg.norm(v[1]) < 1e-6  # m/s: parked on the strip
            # on the ground at the strip: height = terrain there
            assert h[1] == pytest.approx(float(terrain(np.degrees(lat[1:2]), np.degrees(lon[1:2]))[0]), abs=1e-6)
            member = f - np.flatnonzero(fl.formation == fl.formation[f])[0]
            if fl.timing_mode[f] == "dawn":
                assert abs(fl.t_depart[f] - member * cfg.formation_trail_s - midnight - 3 * 3600) <= 3600 + 1e-6
            # AGL: interior waypoints at least min(drawn AGL, ceiling - terrain) above ground after the climb-out
            w = tr.flight(f)
            ter = terrain(w["lat_deg"], w["lon_deg"])
            ac = next(a for a in cfg.aircraft if a.id == fl.aircraft[f])
            assert np.all(w["h_m"] <= ac.service_ceiling_m + 1e-6)
            assert np.all(w["h_m"] >= ter - 1e-6)
            assert cfg.agl_m[0] <= fl.agl_m[f] <= cfg.agl_m[1]


def test_transponder_probability(cfg):
    terrain = TerrainSampler(flat_dem())
    on = n = 0
    for day in range(200):
        fl = generate_drug_flights(cfg, terrain, 7, day).flights
        on += int(fl.transponder_on.sum())
        n += len(fl)
        assert np.all(fl.squawk[~fl.transponder_on] == -1)
        assert not np.any(fl.flight_plan_filed)
    assert abs(on / n - 0.05) <= 4 * math.sqrt(0.05 * 0.95 / n)


@pytest.mark.parametrize("mutate, fragment", [
    (lambda r: r["threat"]["zones"][0].__setitem__("kind", "launch"), "must be one of departure, pickup, corridor"),
    (lambda r: r["threat"]["aircraft"][0].__setitem__("rcs_id", "Boeing 747"), "rcs_id = 'Boeing 747'"),
    (lambda r: r["threat"]["aircraft"][1].__setitem__("low_level_tas_kmh", 0), "low_level_tas_kmh = 0: must be > 0"),
    (lambda r: r["threat"]["aircraft"][2].__setitem__("cruise_tas_kmh", -290), "cruise_tas_kmh = -290"),
    (lambda r: r["threat"]["aircraft"][0].__setitem__("service_ceiling_m", 350), "impossible AGL"),
    (lambda r: r["threat"]["profile"].__setitem__("enroute_altitude_agl_m_low_range", [600, 100]), "enroute_altitude_agl_m_low_range"),
    (lambda r: [z.__setitem__("weight", 0.0) for z in r["threat"]["zones"] if z["kind"] == "pickup"], "pickup zones must sum to a positive number"),
    (lambda r: [a.__setitem__("share", 0.0) for a in r["threat"]["aircraft"]], "shares must sum to a positive number"),
    (lambda r: r["threat_timing"].__setitem__("modes", {"dawn": 0, "afternoon": 0}), "weights must sum to a positive number"),
    (lambda r: r["threat_timing"].__setitem__("modes", {"midnight": 1.0}), "modes.midnight"),
    (lambda r: r["threat"]["traffic"].__setitem__("formation_size_probs", {"1": 0, "2": 0}), "formation_size_probs"),
])
def test_bad_threat_input_one_line(mutate, fragment):
    with pytest.raises(InputError) as e:
        load_threat(scenario(mutate))
    msg = str(e.value)
    assert fragment in msg and "\n" not in msg and msg.startswith("test.toml")


def test_dem_must_cover_zones(cfg):
    small = flat_dem().crop(-16.0, -8.0, -78.0, -66.0)
    with pytest.raises(InputError, match="does not cover threat zone"):
        check_dem_covers(cfg, small)
    check_dem_covers(cfg, flat_dem())


def test_terrain_sampler_kernel_matches_dem_sample():
    """The sampler's Numba loop is Dem.sample + nan_to_num (its oracle), to 1e-6 m (inside and outside the grid,
    where both give 0)."""
    from radar.terrain import load_dem

    dem = load_dem()
    ts = TerrainSampler(dem)
    lat_min, lat_max, lon_min, lon_max = dem.bounds
    rng = np.random.default_rng(4)
    la = rng.uniform(lat_min - 0.5, lat_max + 0.5, 5000)
    lo = rng.uniform(lon_min - 0.5, lon_max + 0.5, 5000)
    la[:3], lo[:3] = dem.lat[[0, -1, 5]], dem.lon[[0, -1, 7]]  # grid corners and nodes
    want = np.nan_to_num(np.asarray(dem.sample(la, lo, grid=ts.surface), float), nan=0.0)
    assert np.count_nonzero(want) > 1000 and np.count_nonzero(want == 0.0) > 100  # inside and outside the DEM
    assert_close(ts(la, lo), want, atol=M)  # m
    got2d = ts(la.reshape(50, 100), lo.reshape(50, 100))
    assert got2d.shape == (50, 100)
    assert_close(got2d, want.reshape(50, 100), atol=M)  # m


def test_max_terrain_kernel_matches_numpy_oracle():
    """Router.max_terrain (one Numba loop) equals the NumPy densify + sample + skip version to 1e-6 m, on
    random legs over the embedded DEM, zero-length legs and short ones, with and without a skip (-inf when
    the skip leaves no sample, in both).

    The two place the samples with different trigonometry (NumPy's SIMD loops vs libm), so the heights
    agree to rounding, not to the bit.  Which samples count is discrete: their number, ceil(length / 2 km),
    comes from the same scalar libm calls in both; the skip test compares cumulative lengths the two agree
    on to ~1e-9 m, so the test checks that no sample lies within 1 mm of a skip boundary (a decision
    there could go either way)."""
    from scenarios.flights.trajectory import densify
    from radar.terrain import load_dem
    from scenarios.config.scenario import load_scenario
    from oracles import max_terrain_numpy
    from scenarios.flights.threat import Router, TerrainSampler

    sc = load_scenario("peru")
    r = Router(TerrainSampler(load_dem(sc.terrain.dem), sc.terrain))
    rng = np.random.default_rng(0)
    got, want = [], []
    for i in range(600):
        la1, la2 = rng.uniform(-18, -1, 2)
        lo1, lo2 = rng.uniform(-80, -68, 2)
        if i % 10 == 0:
            la2, lo2 = la1, lo1
        if i % 7 == 0:
            la2, lo2 = la1 + rng.uniform(-0.01, 0.01), lo1
        skip = 0.0 if i % 3 else float(rng.uniform(0, 50e3))
        if skip > 0:
            s = path_length_m(*densify([la1, la2], [lo1, lo2], r.sample_m)[:2])
            assert min(np.abs(s - skip).min(), np.abs(s - (s[-1] - skip)).min()) > 1e-3  # m
        got.append(r.max_terrain(la1, lo1, la2, lo2, skip))
        want.append(max_terrain_numpy(r, la1, lo1, la2, lo2, skip))
    assert np.isinf(want).any() and np.count_nonzero(np.array(want) > 500.0) > 100
    assert_close(got, want, atol=M)  # m
