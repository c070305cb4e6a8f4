"""``airbridge invest``: levers and their costs, the dominance rule, the frontier of a tiny run (within the budget,
not dominated), the same seed giving a byte-identical frontier.csv, kill -9 / resume, and bad inputs (one line,
exit 2)."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli_subprocess

LEVERS = "a29_forward,pm_civil_psr,tps70_support_90,digital_link"
# seed 1, days 0-11: the civil primary at Puerto Maldonado identifies 9 of 28 drug flights, the base network none
SMALL = ["--levers", LEVERS, "--days", "12", "--rungs", "2", "--seed", "1", "--budget", "600M"]


def _spec(**kw):
    from scenarios.study.invest import InvestSpec

    base = dict(levers=tuple(LEVERS.split(",")), days=12, rungs=2, seed=1, budget_usd=600e6)
    return InvestSpec(**{**base, **kw})


def _cell_rows(out: Path) -> dict:
    rows = {}
    for store in sorted((out / "cells").glob("*/study.sqlite")):
        db = sqlite3.connect(store)
        try:
            rows[store.parent.name] = db.execute("SELECT * FROM results ORDER BY network, day, option, mode, seq"
                                                 ).fetchall()
        finally:
            db.close()
    return rows


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    from scenarios.study.invest import run_invest

    out = tmp_path_factory.mktemp("inv") / "ref"
    result = run_invest(_spec(), out, workers=1, log=lambda *a: None)
    return out, result


# ------------------------------------------------------------------------------------------
# Levers, costs, portfolios (no simulation)
def test_levers_load_with_costs_and_sources(scenario):
    from scenarios.config.invest import load_invest

    cfg = load_invest(scenario)
    assert cfg.budget_usd == 3.5e9 and cfg.horizon_years == 20 and cfg.base_network == "peru"
    assert "baseline_current_fleet" not in cfg.options and "gripen_la_joya" in cfg.options
    vraem = next(r for r in cfg.radars if r.id == "vraem_3d")
    assert vraem.acquisition_usd == 20.5e6  # S28: 4 radars for US$82M
    assert vraem.sites == ("fap_new3d_vraem_whatif",)
    for lever in (*cfg.radars, *cfg.contracts, cfg.link):
        assert lever.source and lever.confidence in ("sourced", "approximate", "placeholder")
    c90 = next(c for c in cfg.contracts if c.id == "tps70_support_90")
    assert c90.overrides() == ("radar.sites.fap_tps70_puerto_maldonado.availability=0.9",
                               "radar.sites.fap_tps70_pucallpa.availability=0.9")


def test_horizon_cost_is_hand_computed(scenario):
    """20 x (acquisition / life + sustainment): the F-16 option (12 x US$285M, 30 y, 2 % a year) and the VRAEM radar."""
    from scenarios.study.invest import plan_run

    plan = plan_run(_spec(levers=("f16_la_joya", "vraem_3d", "tps70_support_90", "digital_link"), budget_usd=5e9))
    acq = 12 * 285e6
    assert plan.costs["f16_la_joya"].horizon_usd == pytest.approx(20 * (acq / 30 + 0.02 * acq))
    assert plan.costs["vraem_3d"].horizon_usd == pytest.approx(20 * (20.5e6 / 20 + 1.5e6))
    assert plan.costs["tps70_support_90"].horizon_usd == pytest.approx(20 * 14e6)
    assert plan.costs["digital_link"].horizon_usd == pytest.approx(20 * (15e6 / 15 + 1.5e6))
    full = "f16_la_joya+vraem_3d+tps70_support_90+digital_link"
    assert plan.fixed[full] == pytest.approx(sum(plan.costs[x].horizon_usd for x in full.split("+")))
    # 1 option x 2 radar subsets x 2 contracts x 2 links, each once; picture follows the link
    assert sorted(p.name for p in plan.candidates) == sorted(set(p.name for p in plan.candidates))
    assert len(plan.candidates) == 8
    assert all((p.picture == "integrated") == bool(p.link) for p in plan.candidates)


def test_max_portfolios_samples_by_seed_and_keeps_the_included():
    from scenarios.study.invest import plan_run

    inc = "at6_forward+vraem_3d+digital_link"
    a = plan_run(_spec(levers=(), budget_usd=None, max_portfolios=5, include=(inc,)))
    b = plan_run(_spec(levers=(), budget_usd=None, max_portfolios=5, include=(inc,)))
    c = plan_run(_spec(levers=(), budget_usd=None, max_portfolios=5, include=(inc,), seed=2))
    names = [p.name for p in a.candidates]
    assert len(names) == 5 and inc in names
    assert names == [p.name for p in b.candidates]  # the same seed, the same sample
    assert names != [p.name for p in c.candidates]
    assert a.not_sampled == 48 - 5 and len(a.over_budget) == 120  # within US$3.5B: the 48 turboprop portfolios
    assert all(a.fixed[n] <= 3.5e9 for n in names)


def test_invest_scenario_round_trips_and_adds_the_radar_networks(scenario, tmp_path):
    from scenarios.config.invest import load_invest
    from scenarios.config.scenario import load_scenario
    from scenarios.study.portfolios import check_round_trip, enumerate_portfolios, invest_scenario_raw, toml_document

    cfg = load_invest(scenario)
    raw = invest_scenario_raw(load_scenario("peru").raw, cfg, enumerate_portfolios(cfg))
    text = toml_document(raw)
    check_round_trip(text, raw)
    (tmp_path / "s.toml").write_text(text)
    s = load_scenario(str(tmp_path / "s.toml"))
    # a radar lever's network is the built-in what-if network, radar for radar
    assert [r.name for r in s.network("peru+pm_civil_psr").radars] == \
        [r.name for r in scenario.network("peru-pm-civil-psr").radars]
    both = {r.site_id for r in s.network("peru+pm_civil_psr+vraem_3d").radars}
    assert {"corpac_psr_whatif_puerto_maldonado", "fap_new3d_vraem_whatif"} <= both


def test_a_radar_set_not_in_the_scenario_enters_through_add_sites(tmp_path):
    """How a siting study's radars become a lever: whole site tables, added (disabled) and enabled by the network."""
    from scenarios.config.invest import load_invest
    from scenarios.config.scenario import load_scenario
    from scenarios.study.portfolios import Portfolio, invest_scenario_raw, toml_document

    f = tmp_path / "s.toml"
    f.write_text('extends = "peru"\n[[invest.radars]]\nid = "new_gap_filler"\nacquisition_musd = 8\n'
                 'service_life_years = 15\nsustainment_musd_per_year = 0.5\nsource = "GK"\nconfidence = "placeholder"\n'
                 'add_sites = [{ id = "gap_atalaya", type = "AN_TPS_70", owner = "FAP", lat = -10.73, lon = -73.77, '
                 'ground_elevation_m = 230, antenna_agl_m = 15, availability = 0.9 }]\n')
    scn = load_scenario(str(f))
    cfg = load_invest(scn)
    raw = invest_scenario_raw(scn.raw, cfg, [Portfolio("a29_forward", ("new_gap_filler",))])
    (tmp_path / "inv.toml").write_text(toml_document(raw))
    s = load_scenario(str(tmp_path / "inv.toml"))
    assert "gap_atalaya" in {r.site_id for r in s.network("peru+new_gap_filler").radars}
    assert "gap_atalaya" not in {r.site_id for r in s.network("peru").radars}


# ------------------------------------------------------------------------------------------
# The dominance rule on synthetic evaluations
def _evaluation(ident_by_day: dict, cost: dict, days: int = 40, seed: int = 3):
    """ident_by_day: name -> (days, flights a day) 0/1 array; cost: name -> fixed cost."""
    from scenarios.study.frontier import Evaluation
    from scenarios.study.uncertainty import DayBootstrap

    names = list(ident_by_day)
    per_flight = np.column_stack([ident_by_day[n].reshape(-1) for n in names]).astype(np.int8)
    fpd = next(iter(ident_by_day.values())).shape[1]
    flight_day = np.repeat(np.arange(days), fpd)
    per_day = np.column_stack([ident_by_day[n].sum(axis=1) for n in names]).astype(float)
    boot = DayBootstrap.draw(np.arange(days), 1, seed, replicates=500)
    return Evaluation(days, names, per_flight, flight_day, per_day, np.zeros((days, len(names))),
                      np.array([cost[n] for n in names], float), 20.0, boot)


def test_dominance_rule_frontier_rises_demonstrably():
    from scenarios.study.frontier import dominance, shortfall

    rng = np.random.default_rng(7)
    days, fpd = 40, 5
    low = (rng.random((days, fpd)) < 0.2).astype(np.int8)
    high = np.maximum(low, (rng.random((days, fpd)) < 0.5)).astype(np.int8)  # every flight low gets, and more
    ev = _evaluation({"cheap_low": low, "mid_high": high, "dear_same": high.copy(), "dear_low": low.copy(),
                      "cheap_twin": low.copy()},
                     {"cheap_low": 1e8, "cheap_twin": 1e8, "mid_high": 2e8, "dear_same": 3e8, "dear_low": 4e8})
    dom = dominance(ev)
    on = {n for n, f in zip(ev.names, dom.on_frontier) if f}
    by = {n: (ev.names[j] if j >= 0 else "") for n, j in zip(ev.names, dom.dominated_by)}
    assert on == {"cheap_low", "mid_high"}  # equal-cost twins: one (by name) on the frontier
    assert by["cheap_twin"] == "cheap_low"
    assert by["dear_same"] == "mid_high"  # costs more, buys nothing: dominated by the cheapest that does as well
    assert by["dear_low"] == "cheap_low"
    # the property the rule promises: a frontier point is demonstrably above every portfolio costing no more
    for b in np.flatnonzero(dom.on_frontier):
        for a in range(len(ev.names)):
            if a != b and ev.cost[a] <= ev.cost[b] and ev.names[a] != "cheap_twin":
                assert ev.delta(b, a)[1] > 0, (ev.names[b], ev.names[a])
    np.testing.assert_allclose(shortfall(ev.cost, ev.identified)[ev.index["dear_low"]],
                               ev.identified[ev.index["mid_high"]] - ev.identified[ev.index["dear_low"]])
    assert shortfall(ev.cost, ev.identified)[ev.index["mid_high"]] == 0


def test_noise_alone_does_not_make_a_dearer_portfolio_a_frontier_point():
    """Two portfolios that differ by chance only (independent draws at the same rate): the dearer one is
    dominated unless its paired difference is demonstrably above 0."""
    from scenarios.study.frontier import dominance, halve

    rng = np.random.default_rng(11)
    a = (rng.random((40, 4)) < 0.3).astype(np.int8)
    b = (rng.random((40, 4)) < 0.3).astype(np.int8)
    ev = _evaluation({"a": a, "b": b}, {"a": 1e8, "b": 2e8})
    d, lo, hi = ev.delta(1, 0)
    dom = dominance(ev)
    assert bool(dom.on_frontier[1]) == (lo > 0)
    assert lo < d < hi
    assert halve(ev, keep_always=("b",), fraction=0.1) == ["a", "b"]  # an --include portfolio is always kept
    assert halve(ev, fraction=0.1, groups={"lever_b": ["b"]}) == ["a", "b"]  # so is the best holding each lever
    # otherwise the dearer one goes on only if it identifies more (no shortfall)
    assert halve(ev, fraction=0.1) == (["a", "b"] if ev.identified[1] > ev.identified[0] else ["a"])


# ------------------------------------------------------------------------------------------
# A tiny run
def test_frontier_within_budget_and_not_dominated(reference):
    out, result = reference
    lines = (out / "frontier.csv").read_text().splitlines()
    assert lines[0].startswith("portfolio,option,radars,availability,integration,network,picture,days,"
                               "lifecycle_cost_usd")
    rows = [dict(zip(lines[0].split(","), ln.split(","))) for ln in lines[1:]]
    final = [r for r in rows if r["status"] in ("frontier", "dominated")]
    front = [r for r in final if r["on_frontier"] == "true"]
    assert front, "no frontier"
    assert all(float(r["lifecycle_cost_usd"]) <= 600e6 for r in rows if r["status"] != "over_budget")
    assert all(r["dominated_by"] for r in final if r["on_frontier"] == "false")
    ev = result.rungs[-1].evaluation
    assert int(final[0]["days"]) == 12 == ev.days
    assert len(front) >= 2, "the run should show a frontier step"
    for f in front:
        i = ev.index[f["portfolio"]]
        assert float(f["identified_per_year"]) == pytest.approx(ev.identified[i], abs=0.051)
        for j in range(len(ev.names)):
            if j != i and ev.cost[j] <= ev.cost[i]:
                assert ev.delta(i, j)[1] > 0, (f["portfolio"], ev.names[j])  # demonstrably above
    # the budget left out the one combination that costs more than US$600M before flying
    assert [p.name for p, _ in result.plan.over_budget] == ["a29_forward+pm_civil_psr+tps70_support_90+digital_link"]
    # the civil primary at Puerto Maldonado identifies flights the base network does not see (paired, same days)
    m = {x.lever: x for x in result.marginals}
    assert m["pm_civil_psr"].delta > 0 and m["pm_civil_psr"].per_100m > 0
    for name in ("report.md", "frontier.png", "marginal.csv", "marginal_pairs.csv", "scenario.toml"):
        assert (out / name).exists(), name
    md = (out / "report.md").read_text()
    assert "## What each frontier point buys" in md and "## Marginal value of each lever" in md


def test_cells_share_rows_with_the_tradeoff_study(reference, tmp_path):
    """A cell's rows are the trade-off runner's for the same network, option and picture: the invest scenario
    and its radar-lever network change nothing in the simulation."""
    from scenarios.study.runner import run_study
    from scenarios.study.spec import StudySpec

    out, _ = reference
    spec = StudySpec(networks=("peru-pm-civil-psr",), options=("a29_forward",), days=4, seed=1, chunk_days=2)
    run_study(spec, tmp_path / "t", workers=1, progress=False)
    cols = "day, seq, flight, option, mode, outcome, t_id_s, cost_usd, false_scramble"
    q = f"SELECT {cols} FROM results WHERE day < 4 AND option = 'a29_forward' ORDER BY day, option, mode, seq"
    db = sqlite3.connect(tmp_path / "t" / "study.sqlite")
    want = db.execute(q).fetchall()
    db.close()
    db = sqlite3.connect(out / "cells" / "as-is__peru+pm_civil_psr" / "study.sqlite")
    got = db.execute(q).fetchall()
    db.close()
    assert want and got == want


def test_same_seed_gives_a_byte_identical_frontier(reference, tmp_path):
    from scenarios.study.invest import run_invest

    out, _ = reference
    run_invest(_spec(), tmp_path / "again", workers=1, log=lambda *a: None)
    assert (tmp_path / "again" / "frontier.csv").read_bytes() == (out / "frontier.csv").read_bytes()
    assert (tmp_path / "again" / "marginal.csv").read_bytes() == (out / "marginal.csv").read_bytes()


def _wait_for_a_chunk(out: Path, proc, timeout=300) -> int:
    t0 = time.time()
    while time.time() - t0 < timeout:
        for store in (out / "cells").glob("*/study.sqlite") if (out / "cells").exists() else ():
            try:
                db = sqlite3.connect(store, timeout=1)
                k = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
                db.close()
                if k >= 1:
                    return k
            except sqlite3.OperationalError:
                pass
        if proc.poll() is not None:
            return -1
        time.sleep(0.05)
    raise AssertionError("invest made no progress")


def test_sigkill_mid_run_then_resume_gives_the_same_rows_and_frontier(reference, tmp_path):
    ref_out, _ = reference
    out = tmp_path / "killed"
    env = dict(os.environ, AIRBRIDGE_TEST_CHUNK_PAUSE_S="1")  # so the signal lands mid-run
    proc = subprocess.Popen([sys.executable, "-m", "scenarios.cli", "invest", *SMALL, "--workers", "1", "--out",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    k = _wait_for_a_chunk(out, proc)
    assert k >= 1, "run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "frontier.csv").exists()  # nothing half-written
    r = run_cli_subprocess("invest", *SMALL, "--workers", "1", "--out", out)
    assert r.returncode == 2 and "--resume" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run_cli_subprocess("invest", *SMALL, "--workers", "1", "--resume", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "frontier (" in r.stdout
    assert _cell_rows(out) == _cell_rows(ref_out)
    assert (out / "frontier.csv").read_bytes() == (ref_out / "frontier.csv").read_bytes()


def test_a_different_run_in_the_same_out_is_refused(reference):
    out, _ = reference
    r = run_cli_subprocess("invest", *SMALL[:-2], "--budget", "700M", "--resume", "--out", out)
    assert r.returncode == 2 and "holds a different invest run" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------------------------------
# Bad inputs: one line, exit 2, nothing written
@pytest.mark.parametrize("args, expected", [
    (["--budget", "100M"], "below the cheapest portfolio (a29_forward: US$243.2M over 20 years"),
    (["--levers", "a29_forward,no_such_lever"], "--levers no_such_lever: unknown lever"),
    (["--levers", "vraem_3d"], "no interceptor option"),
    (["--set", 'invest.options=["baseline_current_fleet", "a29_forward"]'], "option baseline_current_fleet: a lever "
                                                                              "with no cost"),
    (["--include", "a29_forward+nope"], "lever 'nope' is unknown"),
    (["--include", "a29_forward+at6_forward"], "exactly one interceptor option"),
    (["--include", "gripen_la_joya"], "expected a portfolio within the budget"),
    (["--budget", "-3"], "expected an amount of US$"),
    (["--days", "0"], "--days 0"),
])
def test_bad_inputs_are_one_line_exit_2(cli, tmp_path, args, expected):
    out = tmp_path / "o"
    code, stdout, err = cli("invest", *args, "--out", out)
    assert code == 2, (stdout, err)
    assert expected in err, err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_lever_without_a_cost_in_the_data_is_one_line(cli, tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('extends = "peru"\n[[invest.radars]]\nid = "free_radar"\nsites = ["fap_new3d_vraem_whatif"]\n'
                 'acquisition_musd = 20\nservice_life_years = 20\nsource = "GK"\nconfidence = "placeholder"\n')
    code, _, err = cli("invest", "--scenario", f, "--out", tmp_path / "o")
    assert code == 2
    assert "invest.radars[0].sustainment_musd_per_year" in err and "a lever needs its cost" in err
    assert len(err.strip().splitlines()) == 1
    f.write_text('extends = "peru"\n[[invest.radars]]\nid = "dup"\nsites = ["fap_tps70_pucallpa"]\n'
                 'acquisition_musd = 20\nservice_life_years = 20\nsustainment_musd_per_year = 1\nsource = "GK"\n'
                 'confidence = "placeholder"\n')
    code, _, err = cli("invest", "--scenario", f, "--out", tmp_path / "o")
    assert code == 2 and "already in the base network peru" in err


def test_a_bad_added_site_is_one_line_before_anything_is_written(cli, tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('extends = "peru"\n[[invest.radars]]\nid = "gap"\nacquisition_musd = 8\nservice_life_years = 15\n'
                 'sustainment_musd_per_year = 0.5\nsource = "GK"\nconfidence = "placeholder"\n'
                 'add_sites = [{ id = "gap_x", type = "NO_SUCH_TYPE", owner = "FAP", lat = -10.73, lon = -73.77, '
                 'ground_elevation_m = 230, antenna_agl_m = 15 }]\n')
    code, _, err = cli("invest", "--scenario", f, "--out", tmp_path / "o")
    assert code == 2 and "(with the invest levers): radar.sites[16].type = 'NO_SUCH_TYPE': unknown radar type" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_invest_help_lists_the_command(cli):
    code, out, _ = cli("--help")
    assert code == 0 and "invest" in out
