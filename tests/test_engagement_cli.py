"""``airbridge simulate --engage``: outputs, summary and bad input (exit 2, nothing written)."""
import sys

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
    assert (out / "engagement_timeline_day0.png").stat().st_size > 10_000
    assert (out / "engagement_timeline_day1.png").stat().st_size > 10_000
    assert (out / "engagement_map.png").stat().st_size > 10_000
    # printed once (the step returns its lines; simulate prints the summary once)
    assert stdout.count("engagement outcomes per option x picture") == 1
    assert stdout.count("wrote engagements.csv") == 1
    assert "engagement outcomes per option x picture" in (out / "summary.txt").read_text()
    print(stdout[stdout.index("engagement outcomes"):])


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
