"""``airbridge sensitivity``: knob ranges from the data's confidence (the documented rule), bad knobs are one
line and exit 2, and a tiny run: CSV and tornado chart, the baseline equal to a plain trade-off run on the same
days and seed, a knob that cannot matter has no swing while the Puerto Maldonado TPS-70's availability has one,
and Morris (SALib) gives a finite mu* per knob."""
from __future__ import annotations

import csv
import math
import tomllib

import pytest

from radar.errors import InputError
from scenarios.config.scenario import load_scenario
from scenarios.study.knobs import (RELATIVE, KnobSpec, build_knobs, confidence_of, default_specs, merge_specs,
                                   relative_range, spec_from_arg, specs_from_table)

PM = "radar.sites.fap_tps70_puerto_maldonado"
IQUITOS = "radar.sites.fap_tps70_iquitos"  # a disabled site: in no network of the study
OPTION = "gripen_qra_puerto_maldonado"
TINY = ["--days", "3", "--seed", "1", "--networks", "peru", "--options", OPTION, "--workers", "1"]


def _knob(path, stated=None, overrides=()):
    (k,) = build_knobs([KnobSpec(path, stated=stated)], "peru", overrides)
    return k


# ------------------------------------------------------------------------------------------
# Ranges from the confidence
def test_rule_is_relative_to_the_value_by_confidence():
    assert RELATIVE == {"placeholder": 0.5, "approximate": 0.25, "sourced": 0.1, "unspecified": 0.5}
    assert relative_range(0.4, "placeholder") == (0.2, 0.6)
    assert relative_range(3.0, "approximate") == (2.25, 3.75)
    assert relative_range(15.0, "sourced") == (13.5, 16.5)
    assert relative_range(300.0, "made-up") == (150.0, 450.0)
    assert relative_range(-2.0, "placeholder") == (-3.0, -1.0)  # low < high for a negative value too


def test_confidence_is_the_holding_entrys_and_sourced_fields_win():
    root = {"confidence": "approximate", "t": {"confidence": "placeholder", "sourced_fields": ["a"], "a": 1, "b": 2},
            "u": {"c": 3}}
    assert confidence_of([root, root["t"]], "a") == "sourced"
    assert confidence_of([root, root["t"]], "b") == "placeholder"
    assert confidence_of([root, root["u"]], "c") == "approximate"  # the nearest table that gives one
    assert confidence_of([{"x": 1}], "x") == "unspecified"


@pytest.mark.parametrize("path,confidence,low,high", [
    (f"{PM}.availability", "placeholder", 0.2, 0.6),                          # site entry: placeholder
    ("radar.sites.fap_tps70_pucallpa.availability", "approximate", 0.1875, 0.3125),
    ("alert.qra_airborne_min", "sourced", 13.5, 16.5),                         # listed in [alert].sourced_fields
    ("threat_timing.formations_per_day_mean", "approximate", 0.9825, 1.6375),     # the calibrated 1.31 +- 25 %
    ("procedure.phases.phase_I_approach.duration_min", "approximate", 2.25, 3.75),  # array of tables by id
    ("radar.rcs.0.rcs_s_band_m2", "approximate", 0.75, 1.25),                 # by index (no id key)
    ("airborne_sensors.low_level_clutter_factor", "placeholder", 0.4, 1.0),   # 1.2 clipped: the loader's <= 1
])
def test_default_range_of_a_value(path, confidence, low, high):
    k = _knob(path)
    assert (k.confidence, k.low, k.high) == (confidence, pytest.approx(low), pytest.approx(high))
    r = int(round(100 * RELATIVE[confidence]))
    assert k.rule.startswith(f"{confidence} ±{r} %")
    if path.endswith("clutter_factor"):
        assert "clipped to the loader's low_level_clutter_factor <= 1" in k.rule
    # both ends load, and the base is the scenario's value
    for end in ("low", "high"):
        load_scenario("peru", k.level(end))


def test_default_range_stays_inside_the_datas_own_range():
    # civil_to_military_latency_s has civil_to_military_latency_s_range = [120, 900] beside it
    k = _knob("radar.fusion.non_integrated.civil_to_military_latency_s",
              overrides=["radar.fusion.non_integrated.civil_to_military_latency_s=800"])
    assert (k.base, k.low, k.high) == (800, 400.0, 900.0)
    assert "civil_to_military_latency_s_range [120, 900]" in k.rule


def test_built_in_knobs_cover_the_list_and_follow_the_options():
    scn = load_scenario("peru")
    names = {s.name for s in default_specs(scn, ["f16_qra_puerto_maldonado"])}
    for n in ("pm_availability", "pm_outage_cycle", "pucallpa_availability", "traffic_volume", "gate_madre_de_dios",
              "transponder_on", "rcs_single_piston", "crosstell_probability", "crosstell_delay", "classification_time",
              "decision_delay", "phase_i", "phase_ii", "innocent_rate", "canopy", "alert_qra", "alert_fighter_alert",
              "lookdown_f16_blk70", "pod_f16_blk70"):
        assert n in names, n
    a29 = {s.name for s in default_specs(scn, ["a29_forward"])}
    # the A-29 has no radar and no pod: no look-down or pod knob of its own (the clutter factor is global)
    assert "alert_turboprop_strip_alert" in a29 and not [n for n in a29 if n.startswith(("lookdown_a", "pod_"))]
    knobs = {k.name: k for k in build_knobs(default_specs(scn, ["f16_qra_puerto_maldonado"]), "peru")}
    pod = knobs["pod_f16_blk70"]
    assert pod.categorical and (pod.low, pod.high) == ("none", "litening")
    assert pod.level("low") == ('interceptor_sensors.f16_blk70.pod="none"', 'interceptor_sensors.f16_blk70.eo_ir="none"')
    assert (knobs["canopy"].low, knobs["canopy"].high) == (0.0, 25.0)  # a 0 m value: stated range
    # the outage-cycle knob keeps the availability and changes the cycle
    cyc = knobs["pm_outage_cycle"]
    (pm,) = [r for r in load_scenario("peru", cyc.level("high")).network("peru").radars
             if r.site_id == "fap_tps70_puerto_maldonado"]
    assert pm.availability == pytest.approx(0.4) and pm.mean_up_days + pm.mean_down_days == pytest.approx(30 + 67.5)


def test_morris_coordinates_map_to_the_range():
    k = _knob(f"{PM}.availability", stated=(0.0, 0.9))
    assert k.at(0.0) == (f"{PM}.availability=0.0",) and k.at(1.0) == (f"{PM}.availability=0.9",)
    assert k.at(1 / 3) == (f"{PM}.availability=0.3",)


def test_sensitivity_table_and_knob_flag():
    table = tomllib.loads(f'defaults = false\n"{PM}.availability" = [0.1, 0.9]\n'
                          'engagement.classify_s = "confidence"\n')
    specs, defaults = specs_from_table(table, "s.toml: [sensitivity]")
    assert not defaults
    assert [(s.path, s.stated) for s in specs] == [(f"{PM}.availability", (0.1, 0.9)), ("engagement.classify_s", None)]
    assert spec_from_arg(f"{PM}.availability=[0, 1]").stated == (0, 1)
    assert spec_from_arg("engagement.classify_s").stated is None
    # a later list re-ranges a knob and keeps its name
    merged = merge_specs([KnobSpec(f"{PM}.availability", "pm_availability", "PM")], specs)
    assert merged[0].name == "pm_availability" and merged[0].stated == (0.1, 0.9)


@pytest.mark.parametrize("spec,needle", [
    (KnobSpec(f"{PM}.availability", stated=(0.2, 1.5), origin="--knob"),
     "[0.2, 1.5]: the high end 1.5 is refused by the scenario (<embedded peru>: radar.sites[0].availability = 1.5: must be <= 1)"),
    (KnobSpec(f"{PM}.availabilty", origin="--knob"), "unknown key (did you mean"),
    (KnobSpec(f"{PM}.type", stated=(1.0, 2.0), origin="--knob"), 'type = "AN_TPS_70" is a string: expected a path to '
                                                                 "a number (or [LOW, HIGH] strings"),
    (KnobSpec(f"{PM}.availability", stated=("a", "b"), origin="--knob"), "availability = 0.4 is a number: expected "
                                                                         "[LOW, HIGH] numbers"),
    (KnobSpec(f"{PM}.enabled", origin="--knob"), "expected a path to a number"),
    (KnobSpec("terrain.canopy_height_m", origin="--knob"), "the value is 0, which has no relative range"),
])
def test_bad_knobs_are_one_line(spec, needle):
    with pytest.raises(InputError) as e:
        build_knobs([spec], "peru")
    msg = str(e.value)
    assert needle in msg and "\n" not in msg, msg


# ------------------------------------------------------------------------------------------
# The command: bad input
def _files(d):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


@pytest.mark.parametrize("args,needle", [
    (["--knob", f"{PM}.availability=[0.2, 1.5]"], "--knob radar.sites.fap_tps70_puerto_maldonado.availability"),
    (["--knob", "radar.sites.nowhere.availability"], "no element of radar.sites has id"),
    (["--knob", f"{PM}.availability=[0.2]"], "expected [LOW, HIGH]"),
    (["--knob", f"{PM}.availability=[0.5, 0.5]"], "LOW = HIGH"),
    (["--knobs", "pm_availabilty"], "is not a knob of this run (did you mean pm_availability?)"),
    (["--option", "nope"], "--option nope: not an option of the study"),
    (["--study", "STUDY"], "[sensitivity] radar.sites.fap_tps70_puerto_maldonado.availability = [0.1, 2.0]: the "
                           "high end 2.0 is refused by the scenario"),
    (["--study", "STUDY2"], "[sensitivity] engagement.classify_s = 3: expected [LOW, HIGH]"),
])
def test_bad_input_exits_2_with_one_line(cli, tmp_path, args, needle):
    study = tmp_path / "study.toml"
    study.write_text(f'[sensitivity]\n"{PM}.availability" = [0.1, 2.0]\n')
    (tmp_path / "study2.toml").write_text("[study]\ndays = 2\n[sensitivity]\nengagement.classify_s = 3\n")
    args = [{"STUDY": str(study), "STUDY2": str(tmp_path / "study2.toml")}.get(a, a) for a in args]
    out = tmp_path / "out"
    before = _files(tmp_path)
    code, stdout, err = cli("sensitivity", *TINY, "--morris", "0", "--out", out, *args)
    assert code == 2, (stdout, err)
    # the parser's own errors name the subcommand ("airbridge sensitivity: error: --knob ...")
    assert err.count("\n") == 1 and err.startswith("airbridge") and ": error: " in err and needle in err, err
    assert "Traceback" not in err and stdout == ""
    assert _files(tmp_path) == before  # nothing run, nothing written


# ------------------------------------------------------------------------------------------
# A tiny run (3 days, one option, two knobs that matter or cannot, Morris with 2 trajectories)
@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from scenarios.cli import main

    d = tmp_path_factory.mktemp("sens")
    code = main(["sensitivity", *TINY, "--no-defaults", "--knob", f"{IQUITOS}.availability=[0.1, 0.9]",
                 "--knob", f"{PM}.availability=[0.0, 1.0]", "--morris", "2", "--out", str(d / "sens")])
    assert code == 0
    code = main(["tradeoff", *TINY, "--out", str(d / "plain")])
    assert code == 0
    return d


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_tiny_run_writes_the_csv_the_tornado_and_the_summary(tiny):
    out = tiny / "sens"
    rows = _rows(out / "oat.csv")
    assert {(r["knob"], r["metric"]) for r in rows} == {
        (f"{k}.availability", m) for k in (IQUITOS, PM) for m in ("p_identified", "integration_delta")}
    for name in ("tornado_p_identified.png", "tornado_integration_delta.png", "morris_p_identified.png"):
        data = (out / "figures" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    md = (out / "summary.md").read_text()
    assert "## Top sensitivities" in md and "figures/tornado_p_identified.png" in md
    runs = _rows(out / "runs.csv")
    assert len(runs) == 1 + 4 + 2 * 3 and runs[0]["what"] == "baseline"
    assert tomllib.loads((out / "knobs.toml").read_text())["sensitivity"] == {
        f"{IQUITOS}.availability": [0.1, 0.9], f"{PM}.availability": [0.0, 1.0]}


def test_baseline_equals_a_plain_tradeoff_run_on_the_same_days_and_seed(tiny):
    base = {r["metric"]: float(r["at_base"]) for r in _rows(tiny / "sens" / "oat.csv")}
    plain = {r["mode"]: r for r in _rows(tiny / "plain" / "summary.csv") if r["option"] == OPTION}
    assert base["p_identified"] == pytest.approx(float(plain["integrated"]["p_identified"]), abs=1e-6)
    assert base["integration_delta"] == pytest.approx(
        float(plain["integrated"]["p_identified"]) - float(plain["non_integrated"]["p_identified"]), abs=1e-6)
    # the baseline is the very same study (its key), so its rows are the plain run's
    import sqlite3

    def rows(store):
        db = sqlite3.connect(store)
        try:
            return db.execute("SELECT * FROM results ORDER BY network, day, option, mode, seq").fetchall()
        finally:
            db.close()

    key = _rows(tiny / "sens" / "runs.csv")[0]["key"]
    assert rows(tiny / "sens" / "runs" / key / "study.sqlite") == rows(tiny / "plain" / "study.sqlite")


def test_a_knob_that_cannot_matter_has_no_swing_and_pm_availability_has_one(tiny):
    swing = {(r["knob"], r["metric"]): r for r in _rows(tiny / "sens" / "oat.csv")}
    dead = swing[(f"{IQUITOS}.availability", "p_identified")]
    assert float(dead["swing"]) == 0.0 and dead["at_low"] == dead["at_base"] == dead["at_high"]
    pm = swing[(f"{PM}.availability", "p_identified")]
    assert float(pm["swing"]) > 0.1
    assert float(pm["at_low"]) < float(pm["at_high"])  # never up < always up


def test_morris_gives_a_finite_mu_star_per_knob(tiny):
    rows = _rows(tiny / "sens" / "morris.csv")
    assert {r["knob"] for r in rows} == {f"{IQUITOS}.availability", f"{PM}.availability"}
    for r in rows:
        assert math.isfinite(float(r["mu_star"])) and math.isfinite(float(r["sigma"]))
    dead = [r for r in rows if r["knob"] == f"{IQUITOS}.availability"]
    assert all(float(r["mu_star"]) == 0.0 for r in dead)


def test_a_second_run_reuses_the_runs(tiny, cli):
    out = tiny / "sens"
    code, stdout, err = cli("sensitivity", *TINY, "--no-defaults", "--knob", f"{IQUITOS}.availability=[0.1, 0.9]",
                            "--knob", f"{PM}.availability=[0.0, 1.0]", "--morris", "2", "--out", out)
    assert code == 0, err
    assert "11 runs (11 reused)" in stdout
