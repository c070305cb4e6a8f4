"""``airbridge site``: the MILP against brute force, greedy against the MILP, the covered demand recomputed from
fresh geometry grids, the network file that other commands run on, and bad input (one line, exit 2, nothing
written)."""
from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csc_matrix

from radar.errors import InputError
from scenarios.siting import solve
from scenarios.siting.bound import prove

CANDIDATES = """
[[candidates]]
id = "ucayali_ridge"
lat = -9.6
lon = -74.9
[[candidates]]
id = "atalaya"
lat = -10.73
lon = -73.77
antenna_agl_m = 30
[[candidates]]
id = "ene_valley"
lat = -11.75
lon = -74.1
[[candidates]]
id = "manu"
lat = -12.3
lon = -71.6
[[candidates]]
id = "sandia"
lat = -14.1
lon = -69.3
ground_elevation_m = 2000
[[candidates]]
id = "iberia"
lat = -11.4
lon = -69.5
"""


def random_problem(seed, n_col=11, n_pat=40, k=3, budget=None, backup=0.0, levels=(0.9,), sites=None):
    rng = np.random.default_rng(seed)
    dense = rng.random((n_pat, n_col)) < 0.25
    A = csc_matrix(dense.astype(np.int8))
    return solve.Problem(A, rng.uniform(0.1, 2.0, n_pat), rng.choice(levels, n_col),
                         rng.choice([5.0, 8.0, 20.5], n_col), np.arange(n_col) if sites is None else sites,
                         k=k, budget=budget, backup=backup)


def value_by_hand(A_dense, w, a, backup, S):
    """f(S) written out point by point: the two best availabilities among the chosen columns over each row."""
    total = 0.0
    for i in range(A_dense.shape[0]):
        avail = sorted((a[j] for j in S if A_dense[i, j]), reverse=True) + [0.0, 0.0]
        total += w[i] * (avail[0] + backup * avail[1])
    return total


CASES = [dict(k=3), dict(k=2, backup=0.5), dict(k=3, levels=(0.9, 0.95, 0.49)),
         dict(k=None, budget=34.0), dict(k=None, budget=29.0, levels=(0.9, 0.98), backup=0.3),
         dict(k=3, sites=np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5]), levels=(0.9, 0.95))]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_milp_equals_brute_force_and_greedy_is_below(case):
    for seed in range(4):
        p = random_problem(seed, **CASES[case])
        best, best_set = solve.brute_force(p)
        assert best > 0
        assert value_by_hand(p.A.toarray(), p.w, p.a, p.backup, best_set) == pytest.approx(best, rel=1e-12)
        m = solve.solve_milp(p, 60.0, 0.0)
        assert solve.feasible(p, m.chosen)
        assert m.objective == pytest.approx(best, rel=1e-9)
        assert m.bound >= best * (1 - 1e-9)
        g = solve.greedy(p)
        s = solve.swap(p, g)
        assert solve.feasible(p, g) and solve.feasible(p, s)
        assert solve.value(p, g) <= solve.value(p, s) + 1e-12 <= best + 2e-12
        pr = prove(p, s, 60.0, 0.0)
        assert solve.feasible(p, pr.chosen)
        assert pr.objective == pytest.approx(best, rel=1e-9)
        assert best * (1 - 1e-9) <= pr.bound and pr.lp_bound >= best * (1 - 1e-9)


def test_greedy_can_be_strictly_worse():
    """The classic trap: one column covering the middle of two pairs; greedy takes it, the optimum does not."""
    A = csc_matrix(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], np.int8))
    p = solve.Problem(A, np.array([1.0, 1.0, 0.9, 0.9]), np.ones(3), np.ones(3), np.arange(3), k=2)
    assert solve.greedy(p)[0] == 0
    assert solve.value(p, solve.greedy(p)) < solve.brute_force(p)[0] == pytest.approx(3.8)
    assert solve.solve_milp(p).objective == pytest.approx(3.8)


def test_aggregation_keeps_the_value_of_every_set():
    rng = np.random.default_rng(3)
    dense = rng.random((300, 8)) < 0.3
    dense[:150] = dense[150:]                       # duplicate rows must merge
    w = rng.random(300)
    P, pw, pattern = solve.aggregate(csc_matrix(dense), w)
    assert P.shape[0] < 300 and pw.sum() == pytest.approx(w[dense.any(axis=1)].sum())
    assert np.all(pattern[~dense.any(axis=1)] == -1)
    a = np.array([0.9, 0.5, 0.9, 0.95, 0.9, 0.5, 0.7, 0.9])
    p = solve.Problem(P, pw, a, np.ones(8), np.arange(8), k=3, backup=0.5)
    for S in itertools.combinations(range(8), 3):
        assert solve.value(p, S) == pytest.approx(value_by_hand(dense, w, a, 0.5, S), rel=1e-12)


# ------------------------------------------------------------------------------------------ the real pipeline
@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A real siting study on named sites only: the scenario's six disabled sites and six from a file."""
    from scenarios.siting.run import SiteRequest, run_siting

    d = tmp_path_factory.mktemp("siting")
    (d / "cands.toml").write_text(CANDIDATES)
    req = SiteRequest(spacing_km=None, candidates_file=str(d / "cands.toml"), k=3, days=20, cell_km=4.0,
                      cache_dir=str(d / "cache"), given="peru", picture="military", time_limit_s=60)
    return d, req, run_siting(req)


def test_real_instance_milp_equals_brute_force(small):
    _d, _req, res = small
    assert res.problem.n_columns == 12
    best, _ = solve.brute_force(res.problem)
    assert res.proof is not None and res.proof.status == "optimal"
    assert res.objective == pytest.approx(best, rel=1e-9)
    assert res.greedy_value <= res.objective + 1e-9
    assert 0 < res.objective < res.residual.sum()


def test_covered_demand_recomputed_from_fresh_grids(small):
    """The demand the chosen radars cover, from geometry grids computed now for those radars alone (no cache,
    no crop, no merged patterns), equals the reported objective."""
    from scenarios.siting.cover import covered_fresh

    _d, _req, res = small
    radars = [res.columns[j].radar for j in res.chosen]
    d = res.demand
    cov = covered_fresh(radars, res.dem, res.scenario.terrain, res.scenario.coverage, d.lat, d.lon, d.h_msl)
    a = np.array([r.availability for r in radars])          # military picture: a military radar adds a
    best = np.where(cov, a[None, :], 0.0).max(axis=1)
    recomputed = float((d.weight * (1.0 - res.existing) * best).sum())
    assert recomputed == pytest.approx(res.objective, rel=1e-9)
    assert cov.any(axis=0).all()                             # every chosen radar covers something


def test_given_network_reduces_demand(small):
    _d, _req, res = small
    assert res.existing.max() > 0 and res.existing.min() >= 0 and res.existing.max() <= 1
    assert res.residual.sum() < res.demand.weight.sum()


def test_cache_returns_the_same_grids(small):
    from scenarios.siting import cover

    d, _req, res = small
    cache = d / "cache"
    assert len(list(cache.glob("grids-*.npz"))) == 1
    g = cover.candidate_grids(res.columns, res.dem, res.scenario.terrain, res.scenario.coverage, cache)
    assert g.cached
    fresh = cover.candidate_grids(res.columns, res.dem, res.scenario.terrain, res.scenario.coverage, None)
    assert not fresh.cached
    np.testing.assert_array_equal(g.values, fresh.values)
    np.testing.assert_array_equal(g.h_ant, fresh.h_ant)


def test_grid_candidates_and_hilltops():
    from radar.geo import inside_peru
    from radar.terrain import load_dem
    from scenarios.siting.candidates import estimated_grid_count, grid_candidates

    dem = load_dem(None)
    flat = grid_candidates(dem, 60.0)
    assert abs(len(flat) - estimated_grid_count(60.0)) < 0.1 * len(flat)
    lat = np.array([c.lat_deg for c in flat])
    lon = np.array([c.lon_deg for c in flat])
    assert inside_peru(lat, lon).all()
    hill = grid_candidates(dem, 60.0, hilltop_km=25.0)
    hlat = np.array([c.lat_deg for c in hill])
    hlon = np.array([c.lon_deg for c in hill])
    assert inside_peru(hlat, hlon).all() and len(hill) <= len(flat)
    g_flat = np.maximum(dem.sample(lat, lon), 0)
    g_hill = np.maximum(dem.sample(hlat, hlon), 0)
    assert np.median(g_hill) > np.median(g_flat)


def test_network_file_runs_in_coverage(small, cli, tmp_path):
    """sites.toml is a scenario whose network 'sited' holds the given network's radars and the new ones; the
    coverage command runs on it."""
    from scenarios.config.scenario import load_scenario
    from scenarios.siting import outputs

    _d, _req, res = small
    path = tmp_path / "sites.toml"
    path.write_text(outputs.network_toml(res, "sited", "airbridge site (test)"))
    scn = load_scenario(str(path))
    net = scn.network("sited")
    new = [r for r in net.radars if r.site_id.startswith("site0")]
    assert len(new) == len(res.chosen)
    assert {r.site_id for r in scn.network("peru").radars} <= {r.site_id for r in net.radars}
    for sid, j in zip(outputs.site_ids(res), res.chosen):
        col = res.columns[j]
        r = next(r for r in new if r.site_id == sid)
        assert (r.lat_deg, r.lon_deg, r.type.id, r.antenna_agl_m) == (col.radar.lat_deg, col.radar.lon_deg,
                                                                      col.stype.id, col.radar.antenna_agl_m)
        assert r.availability == pytest.approx(col.stype.availability)
    code, out, err = cli("coverage", "--scenario", path, "--network", "sited", "--agl", "300", "--no-maps",
                         "--out", tmp_path / "cov")
    assert code == 0, err
    assert "network sited" in out
    # ... and an investment lever: the sited radars bought together at their [siting] costs, beside the
    # scenario's other radar sets, so `airbridge invest --scenario sites.toml` weighs them
    from scenarios.config.invest import load_invest

    inv = load_invest(scn)
    ids = [r.id for r in inv.radars]
    assert ids == [r.id for r in load_invest(load_scenario("peru")).radars] + ["sited"]
    lever = inv.radars[-1]
    stypes = [res.columns[j].stype for j in res.chosen]
    assert set(lever.sites) == {r.site_id for r in new}
    assert lever.acquisition_usd == pytest.approx(1e6 * sum(t.unit_cost_musd for t in stypes))
    assert lever.sustainment_per_year_usd == pytest.approx(1e6 * sum(t.sustainment_musd_per_year for t in stypes))


def test_network_file_over_a_scenario_file(small, tmp_path):
    """Over a user scenario file the written scenario is complete (no extends) and keeps the user's changes."""
    import dataclasses

    from scenarios.config.scenario import load_scenario
    from scenarios.siting import outputs

    _d, req, res = small
    user = tmp_path / "user.toml"
    user.write_text('extends = "peru"\n[threat_timing]\nformations_per_day_mean = 4.5\n')
    res2 = dataclasses.replace(res, request=dataclasses.replace(req, scenario=str(user)),
                               scenario=load_scenario(str(user)))
    path = tmp_path / "sites.toml"
    path.write_text(outputs.network_toml(res2, "mine", "test"))
    assert "extends" not in path.read_text()
    scn = load_scenario(str(path))
    assert scn.raw["threat_timing"]["formations_per_day_mean"] == 4.5
    assert len(scn.network("mine").radars) == len(scn.network("peru").radars) + len(res.chosen)


def test_sites_csv_is_consistent(small):
    from scenarios.siting import outputs

    _d, _req, res = small
    lines = outputs.sites_csv(res).strip().splitlines()
    assert lines[0] == outputs.CSV_HEADER
    rows = [dict(zip(lines[0].split(","), l.split(","))) for l in lines[1:]]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(res.chosen) + 1))
    gains = [float(r["marginal_gain"]) for r in rows]
    assert sum(gains) == pytest.approx(res.objective, rel=1e-6)
    assert float(rows[-1]["cumulative"]) == pytest.approx(res.objective, rel=1e-6)
    assert gains == sorted(gains, reverse=True) or all(g > 0 for g in gains)
    assert all(float(r["demand_covered"]) >= float(r["marginal_gain"]) - 1e-4 for r in rows)


# ------------------------------------------------------------------------------------------ bad input
BAD = [
    (["-k", "0"], "-k 0: expected a number of new radars >= 1"),
    (["-k", "-2"], "-k -2: expected a number of new radars >= 1"),
    (["--spacing-km", "0.0001"], "columns: expected at most 20,000"),
    (["--budget-musd", "3"], "--budget-musd 3: below the cheapest radar of --types (US$20.5M)"),
    (["--types", "THALES_TRAC2000N"], "THALES_TRAC2000N has no cost in [siting] types"),
    (["--types", "AN_TPS_70,FOO"], "'FOO' is not a radar type"),
    (["--types", "CORPAC_MSSR"], "CORPAC_MSSR has no cost"),
    (["-k", "2", "--budget-musd", "50"], "give one, the number of radars or a budget"),
    (["--given", "nowhere"], "network 'nowhere' is unknown"),
    (["--types", "THALES_STAR2000", "--picture", "military"], "no radar of --types THALES_STAR2000 adds"),
    (["--backup", "1.5"], "--backup 1.5: expected a weight in [0, 1]"),
    (["--cell-km", "0.01"], "demand cells over Peru: expected at most"),
    (["--no-grid", "--no-named"], "no named candidate sites either"),
]


@pytest.mark.parametrize("args,message", BAD)
def test_bad_input_one_line_exit_2_nothing_written(cli, tmp_path, args, message):
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    code, stdout, err = cli("site", *args, "--days", "2", "--out", out, "--cache", cache)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert "Traceback" not in err and stdout == ""
    assert not out.exists() and not cache.exists()


def test_bad_candidate_file(cli, tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[[candidates]]\nid = "a"\nlat = -100\nlon = -70\n')
    code, _out, err = cli("site", "--candidates", f, "--out", tmp_path / "o")
    assert code == 2 and "candidates[0].lat = -100: must be >= -90" in err
    f.write_text('[[candidates]]\nid = "a b"\nlat = -10\nlon = -70\n')
    code, _out, err = cli("site", "--candidates", f, "--out", tmp_path / "o")
    assert code == 2 and "expected 1-64 letters" in err and not (tmp_path / "o").exists()


def test_siting_catalogue_is_validated(tmp_path):
    from scenarios.config.scenario import load_scenario

    for body, message in [
        ('[siting]\ntypes = [{ type = "CORPAC_MSSR", unit_cost_musd = 3, availability = 0.9, antenna_agl_m = 10 }]\n',
         "a secondary radar cannot see a drug flight"),
        ('[siting]\ntypes = [{ type = "AN_TPS_70", unit_cost_musd = -3, availability = 0.9, antenna_agl_m = 10 }]\n',
         "unit_cost_musd = -3: must be > 0"),
        ('[siting]\ntypes = [{ type = "NOPE", unit_cost_musd = 3, availability = 0.9, antenna_agl_m = 10 }]\n',
         "unknown radar type"),
        ('[siting]\ntypes = [{ type = "AN_TPS_70", unit_cost_musd = 3, availability = 0.9, antena_agl_m = 10 }]\n',
         "antena_agl_m"),
    ]:
        f = tmp_path / "s.toml"
        f.write_text('extends = "peru"\n' + body)
        with pytest.raises(InputError, match=message.replace("[", r"\[")):
            load_scenario(str(f))


def test_network_file_runs_in_simulate(small, cli, tmp_path):
    from scenarios.siting import outputs

    _d, _req, res = small
    path = tmp_path / "sites.toml"
    path.write_text(outputs.network_toml(res, "sited", "test"))
    code, _out, err = cli("simulate", "--scenario", path, "--network", "sited", "--days", "1", "--no-background",
                          "--no-map", "--out", tmp_path / "sim")
    assert code == 0, err
    sensors = (tmp_path / "sim" / "sensors.toml").read_text()
    assert sum(f'site_id = "{sid}"' in sensors for sid in outputs.site_ids(res)) == len(res.chosen)


def test_budget_with_mixed_types_equals_brute_force(small, tmp_path):
    """Two types on the same 12 named sites (24 columns, one radar per site) under a US$21M budget."""
    from scenarios.siting.run import SiteRequest, run_siting

    d, _req, _res = small
    req = SiteRequest(spacing_km=None, candidates_file=str(d / "cands.toml"), k=None, budget_musd=21.0,
                      types=("AN_TPS_70", "GAP_FILLER_3D"), days=20, cell_km=4.0, cache_dir=str(d / "cache"),
                      backup=0.5, time_limit_s=60)
    res = run_siting(req)
    p = res.problem
    assert p.n_columns == 24 and len(set(p.site.tolist())) == 12
    best, best_set = solve.brute_force(p)
    assert res.objective == pytest.approx(best, rel=1e-9)
    assert solve.feasible(p, res.chosen) and p.cost[list(res.chosen)].sum() <= 21.0
    assert res.greedy_value <= res.objective + 1e-9


def test_border_demand(small):
    """Border crossings: points on the Peru-Bolivia border, a crossing a year per crossing of the simulated
    year; the covered crossings recomputed from fresh grids equal the objective."""
    from radar import geo
    from scenarios.siting.cover import covered_fresh
    from scenarios.siting.run import SiteRequest, run_siting

    d, _req, _res = small
    res = run_siting(SiteRequest(spacing_km=None, candidates_file=str(d / "cands.toml"), k=2, demand="border",
                                 days=30, cache_dir=str(d / "cache"), time_limit_s=60))
    dm = res.demand
    b_lat, b_lon, _ = geo.border_points(1000.0)
    on_border = {(round(a, 9), round(b, 9)) for a, b in zip(b_lat, b_lon)}
    assert all((round(a, 9), round(b, 9)) in on_border for a, b in zip(dm.lat, dm.lon))
    assert dm.unit == "crossings/yr" and dm.total > 0
    assert np.allclose(dm.weight * dm.days / 365.25, np.round(dm.weight * dm.days / 365.25))  # whole crossings
    radars = [res.columns[j].radar for j in res.chosen]
    cov = covered_fresh(radars, res.dem, res.scenario.terrain, res.scenario.coverage, dm.lat, dm.lon, dm.h_msl)
    a = np.array([r.availability for r in radars])
    assert float((dm.weight * np.where(cov, a, 0.0).max(axis=1)).sum()) == pytest.approx(res.objective, rel=1e-9)


def test_siting_over_a_written_network_file(small, tmp_path):
    """A second run over the scenario a first run wrote: its new sites are candidates, new ids never collide."""
    import dataclasses

    from scenarios.config.scenario import load_scenario
    from scenarios.siting import outputs

    _d, req, res = small
    first = tmp_path / "first.toml"
    first.write_text(outputs.network_toml(res, "sited", "test"))
    again = dataclasses.replace(res, request=dataclasses.replace(req, scenario=str(first)),
                                scenario=load_scenario(str(first)))
    ids = outputs.site_ids(again)
    assert set(ids).isdisjoint(outputs.site_ids(res)) and len(set(ids)) == len(ids)
    second = tmp_path / "second.toml"
    second.write_text(outputs.network_toml(again, "sited2", "test"))
    scn = load_scenario(str(second))
    assert len(scn.network("sited2").radars) == len(scn.network("peru").radars) + len(res.chosen)
