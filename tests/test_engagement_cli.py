"""``airbridge simulate --engage``: outputs, summary and bad input (exit 2, nothing written)."""
import sys

import numpy as np
import pytest


def test_simulate_engage_writes_outputs(cli, tmp_path):
    out = tmp_path / "run"
    code, stdout, err = cli("simulate", "--days", "2", "--seed", "1", "--no-map", "--engage",
                            "--options", "a29_forward,f16_la_joya", "--pictures", "military,integrated", "--out", out)
    assert code == 0, err
    lines = (out / "engagements.csv").read_text().splitlines()
    assert lines[0].startswith("day,flight,option,mode,outcome")
    rows = [r.split(",") for r in lines[1:]]
    header = (out / "flights.csv").read_text().splitlines()
    kind = header[0].split(",").index("kind")
    n_drug = sum(1 for r in header[1:] if r.split(",")[kind] == "drug")
    # one row per drug flight x option x picture (+ false scrambles; the picture is the column mode)
    real = [r for r in rows if r[4] != "false_scramble"]
    assert len(real) == 2 * 2 * n_drug and n_drug > 0
    assert {r[2] for r in rows} <= {"a29_forward", "f16_la_joya"} and {r[3] for r in rows} <= {"military", "integrated"}
    header_cols = lines[0].split(",")
    for col in ("t_contact_s", "contact_sensor", "contact_true_range_m", "t_id_s", "id_sensor", "id_x_m", "id_y_m",
                "id_lat", "id_lon", "night", "leg", "endgame", "kind", "identified_inbound", "identified_outbound"):
        assert col in header_cols, col
    check_identified_rows_against_truth(out)
    assert (out / "engagement_timeline_day0.png").stat().st_size > 10_000
    assert (out / "engagement_timeline_day1.png").stat().st_size > 10_000
    assert (out / "engagement_map.png").stat().st_size > 10_000
    # printed once (the step returns its lines; simulate prints the summary once)
    assert stdout.count("engagement outcomes per option x picture") == 1
    assert stdout.count("wrote engagements.csv") == 1
    assert "engagement outcomes per option x picture" in (out / "summary.txt").read_text()
    print(stdout[stdout.index("engagement outcomes"):])


def check_identified_rows_against_truth(out):
    """Every identified row has the true aircraft (truth.csv, linear between its 10 s samples) within its
    identifying sensor's range of (id_x_m, id_y_m) at t_id_s, over Peru; innocent ids are distinguishable."""
    import csv

    from radar import geo
    from scenarios.config.scenario import load_scenario
    from scenarios.config.interceptors import load_interceptor_config

    cfg = load_interceptor_config(load_scenario("peru"))
    eo_day, eo_night = cfg.pods["litening"].id_day_m, cfg.pods["litening"].id_night_m
    flights = list(csv.DictReader(open(out / "flights.csv")))
    index = {r["id"]: int(r["index"]) for r in flights}
    kind = {r["id"]: r["kind"] for r in flights}
    for r in flights:
        assert (r["kind"] == "innocent") == ("-ga" in r["id"])
        assert (r["kind"] == "drug") == ("-f" in r["id"] and "-a" in r["id"])
    truth = np.loadtxt(out / "truth.csv", delimiter=",", skiprows=1, ndmin=2)
    rows = list(csv.DictReader(open(out / "engagements.csv")))
    n = 0
    for r in rows:
        if r["flight"] not in ("", "-1"):
            assert r["kind"] == {"drug": "drug", "background": "cooperative", "innocent": "innocent"}[kind[r["flight"]]]
        if r["t_id_s"] == "":
            continue
        t = float(r["t_id_s"])
        s = truth[truth[:, 1] == index[r["flight"]]]
        assert s[0, 0] <= t <= s[-1, 0]
        j = int(np.searchsorted(s[:, 0], t, side="right")) - 1
        assert j + 1 < len(s) and s[j + 1, 0] - s[j, 0] <= 10.0 + 1e-6        # airborne on both sides
        w = (t - s[j, 0]) / (s[j + 1, 0] - s[j, 0])
        x, y = s[j, 2] + w * (s[j + 1, 2] - s[j, 2]), s[j, 3] + w * (s[j + 1, 3] - s[j, 3])
        d = np.hypot(x - float(r["id_x_m"]), y - float(r["id_y_m"]))
        limit = {"eo_ir": eo_night if r["night"] == "1" else eo_day, "visual": cfg.params.visual_id_m}[r["id_sensor"]]
        assert d <= limit, (r["flight"], r["option"], d, limit)
        assert geo.inside_peru(float(r["id_lat"]), float(r["id_lon"])), (r["flight"], r["option"])
        n += 1
    assert n > 0


@pytest.mark.parametrize("args,needle", [
    (["--pictures", "fused"], "--pictures 'fused'"),
    (["--options", "nope"], "option 'nope' is unknown"),
])
def test_bad_flags_exit_2(cli, tmp_path, args, needle):
    out = tmp_path / "bad"
    code, stdout, err = cli("simulate", "--days", "1", "--no-map", "--no-background", "--engage", *args, "--out", out)
    assert code == 2
    assert err.count("\n") == 1 and needle in err
    assert not out.exists()


@pytest.mark.parametrize("toml,needle", [
    ('[[options]]\nid = "x"\ndetachments = [ { type = "f35", base = "la_joya", aircraft = 2, alert = "qra" } ]\n',
     "options[0].detachments[0].type = 'f35': unknown aircraft type"),
    ('[[options]]\nid = "x"\ndetachments = [ { type = "a29", base = "nowhere", aircraft = 2, alert = "qra" } ]\n',
     "unknown base"),
    ('[[options]]\nid = "x"\ndetachments = [ { type = "a29", base = "la_joya", aircraft = 2, alert = "hot" } ]\n',
     "alert = 'hot'"),
    ('[[options]]\nid = "x"\ndetachments = []\n', "must list at least one detachment"),
    ('[interceptor_additions]\na29 = { endurance_h = -1, intercept_radius_km = 550 }\n', "endurance_h = -1: must be > 0"),
    ('[airborne_sensors]\nvisual_detect_km_day = 0\n', "airborne_sensors.visual_detect_km_day = 0: must be > 0"),
    ('[identification]\neo_ir_id_range_km_night = -3\n', "identification.eo_ir_id_range_km_night = -3: must be > 0"),
    ('[[pods]]\nid = "litening"\nunit_cost_musd = 1.5\nid_range_km_day = 0\n', "pods[0].id_range_km_day = 0: must be > 0"),
    ('[[options]]\nid = "x"\ndetachments = [ { type = "a29", base = "puerto_maldonado", aircraft = 2, '
     'alert = "qra", pod = "litening" } ]\n', "options[0].detachments[0].pod = 'litening': the a29 cannot carry a pod"),
    ('[innocent_traffic]\nflights_per_day = 1\nzones = [ { id = "far", lat = 40.0, lon = 10.0, radius_km = 50, '
     'weight = 1 } ]\n', "innocent_traffic.zones[0] 'far' at (40, 10) with radius 50 km lies outside the DEM"),
])
def test_bad_scenario_exit_2(cli, tmp_path, toml, needle):
    scen = tmp_path / "s.toml"
    scen.write_text('extends = "peru"\n' + toml)
    out = tmp_path / "bad"
    code, stdout, err = cli("simulate", "--scenario", scen, "--days", "1", "--no-map", "--no-background", "--engage",
                            "--out", out)
    assert code == 2, err
    assert err.count("\n") == 1 and needle in err and str(scen) in err
    assert not out.exists()


_CLI_DETERMINISM = """
import sys
from scenarios.cli import main
sys.exit(main(["simulate", "--days", "1", "--seed", "4", "--no-map", "--engage", "--modes", "military,integrated",
               "--out", {out!r}]))
"""


def test_cli_engagements_identical_with_1_and_2_threads(tmp_path):
    import os
    import subprocess

    texts = []
    for n in ("1", "2"):
        out = tmp_path / f"t{n}"
        code = _CLI_DETERMINISM.format(out=str(out))
        r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, NUMBA_NUM_THREADS=n),
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        texts.append((out / "engagements.csv").read_text())
    assert texts[0] == texts[1]
    assert texts[0].count("\n") > 8
