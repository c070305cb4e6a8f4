"""Overrides by path (``--set KEY=VALUE``, a study file's ``[set]``): parsed, applied to the merged scenario
before validation, recorded in the outputs; bad ones are one line and exit 2 with nothing written."""
from __future__ import annotations

import json
import sqlite3
import tomllib

import pytest

from radar.errors import InputError
from scenarios.config.overrides import (Override, apply_overrides, normalise, overrides_from_table, parse_override,
                                        toml_value)
from scenarios.config.scenario import fusion_params, load_scenario

PM = "radar.sites.fap_tps70_puerto_maldonado"
TINY = ["--days", "2", "--networks", "peru", "--options", "a29_forward", "--seed", "5", "--workers", "1"]


def _radar(scn, site, network="peru"):
    return [r for r in scn.network(network).radars if r.site_id == site]


# ------------------------------------------------------------------------------------------
# Parsing
@pytest.mark.parametrize("text,path,value", [
    (f"{PM}.availability=1.0", ("radar", "sites", "fap_tps70_puerto_maldonado", "availability"), 1.0),
    ("a.b=1", ("a", "b"), 1),
    ('a.b="two words"', ("a", "b"), "two words"),
    ("a.b=/data/dem.npz", ("a", "b"), "/data/dem.npz"),  # a bare word is a string
    ("a.b = [100, 300.5]", ("a", "b"), [100, 300.5]),
    ("a.b=true", ("a", "b"), True),
    ('networks."peru-vraem-3d"=x', ("networks", "peru-vraem-3d"), "x"),
    ('a."b.c".d=1', ("a", "b.c", "d"), 1),
    ("a.b=-2.5e3", ("a", "b"), -2500.0),
])
def test_parse(text, path, value):
    o = parse_override(text)
    assert o.path == path and o.value == value and type(o.value) is type(value)
    # the canonical text reads back as the same override
    again = parse_override(o.text)
    assert (again.path, again.value) == (o.path, o.value)


@pytest.mark.parametrize("text,needle", [
    ("noequals", "no '=': expected KEY=VALUE"),
    ("=1", "is not a dotted key"),
    ("a..b=1", "is not a dotted key"),
    ("a.b=[1,", "is not a TOML value"),
    ("a.b=two words", "is not a TOML value"),
    ("a.b=", "is not a TOML value"),
    ("a.b={c = 1}", "a table: expected a single value or an array of values"),
    ("a.b=[{c = 1}]", "an array of tables or arrays"),
])
def test_parse_errors(text, needle):
    with pytest.raises(InputError) as e:
        parse_override(text)
    msg = str(e.value)
    assert msg.startswith(f"--set {text}: ") and needle in msg and "\n" not in msg


def test_toml_value_round_trips():
    for v in (1, -3, 0.1, 1e-06, 1e300, "a \"q\" \\ \n\x7f é", [1, 2.5], ["x", "y"], True, False, []):
        assert tomllib.loads(f"x = {toml_value(v)}")["x"] == v


def test_later_override_wins_and_keeps_its_place():
    out = normalise(["a.b=1", "c=2", Override(("a", "b"), 3, "study.toml: [set]")])
    assert [(o.key, o.value) for o in out] == [("a.b", 3), ("c", 2)]
    assert out[0].label == "study.toml: [set] a.b = 3"


def test_set_table_is_flattened_in_file_order():
    table = tomllib.loads(f"{PM}.availability = 0.9\nthreat_timing.formations_per_day_mean = 2\n")
    out = overrides_from_table(table, "s.toml: [set]")
    assert [o.text for o in out] == [f"{PM}.availability=0.9", "threat_timing.formations_per_day_mean=2"]


# ------------------------------------------------------------------------------------------
# Applying
def test_override_reaches_the_loaded_scenario():
    base = load_scenario("peru")
    (pm,) = _radar(base, "fap_tps70_puerto_maldonado")
    assert pm.availability == pytest.approx(0.4) and pm.mean_up_days == 30 and pm.mean_down_days == 45
    scn = load_scenario("peru", [f"{PM}.availability=1.0"])
    for network in ("peru", "peru-public-record", "peru-pm-civil-psr"):
        (pm,) = _radar(scn, "fap_tps70_puerto_maldonado", network)
        assert pm.availability == 1.0 and pm.mean_down_days == 0.0  # never down
    (a,) = scn.overrides
    assert a.location == "radar.sites[0].availability" and a.old == 0.4 and a.override.value == 1.0
    # an availability between: the outage cycle (30 + 45 days) is kept and split by it
    (pm,) = _radar(load_scenario("peru", [f"{PM}.availability=0.9"]), "fap_tps70_puerto_maldonado")
    assert pm.availability == pytest.approx(0.9)
    assert pm.mean_up_days == pytest.approx(67.5) and pm.mean_up_days + pm.mean_down_days == pytest.approx(75)
    # the other sites and the scenario without overrides are untouched
    assert load_scenario("peru").overrides == ()
    assert _radar(scn, "fap_tps70_pucallpa") == _radar(base, "fap_tps70_pucallpa")


def test_arrays_of_tables_by_id_and_by_index():
    from scenarios.config.interceptors import load_interceptor_config

    scn = load_scenario("peru", ["options.a29_forward.detachments.0.aircraft=6", "pods.litening.unit_cost_musd=2",
                                 "thales_network.corpac_lima.availability=0.5",
                                 "interceptor_additions.a29.endurance_h=7"])
    cfg = load_interceptor_config(scn)
    assert cfg.options["a29_forward"].aircraft == 6 + 4 + 4
    assert cfg.pods["litening"].unit_cost_usd == 2e6
    assert cfg.types["a29"].endurance_s == 7 * 3600
    lima = [r for r in scn.network("peru").radars if r.site_id == "corpac_lima"]
    assert lima and all(r.availability == 0.5 for r in lima)  # the Thales radars of the card network
    assert all(r.availability == 0.97 for r in _radar(scn, "corpac_lima", "peru-public-record"))
    assert [a.location for a in scn.overrides] == ["options[6].detachments[0].aircraft", "pods[0].unit_cost_musd",
                                                   "thales_network[0].availability",
                                                   "interceptor_additions.a29.endurance_h"]


def test_nested_tables():
    scn = load_scenario("peru", ["radar.fusion.non_integrated.report_probability=0.8",
                                 "threat_timing.modes.dawn=0.7", "threat_timing.modes.afternoon=0.3"])
    assert fusion_params(scn).report_probability == 0.8
    assert scn.coverage.report_probability == 0.8
    assert scn.raw["threat_timing"]["modes"] == {"dawn": 0.7, "afternoon": 0.3}


def test_an_integer_where_a_float_stands_is_fine():
    scn = load_scenario("peru", [f"{PM}.availability=1", "threat_timing.formations_per_day_mean=2"])
    (pm,) = _radar(scn, "fap_tps70_puerto_maldonado")
    assert pm.availability == 1.0


@pytest.mark.parametrize("text,needle", [
    ("threat.traffic.formations_per_day_mean=1.2",
     "threat.traffic.formations_per_day_mean: unknown key (did you mean threat_timing.formations_per_day_mean?)"),
    (f"{PM}.availabilty=1", f"{PM}.availabilty: unknown key (did you mean {PM}.availability?)"),
    ("radr.sites=1", "radr: unknown key (did you mean radar?)"),
    ("radar.sites.fap_tps70_puerto_maldonad.availability=1",
     "no element of radar.sites has id = \"fap_tps70_puerto_maldonad\" (did you mean "
     "radar.sites.fap_tps70_puerto_maldonado?)"),
    ("radar.sites.99.availability=1", "no element of radar.sites has id = \"99\": expected one of"),
    (f'{PM}.availability="high"', f'{PM}.availability = "high": expected a number, like the value it replaces (0.4)'),
    (f"{PM}.enabled=1", f"{PM}.enabled = 1: expected a boolean, like the value it replaces (true)"),
    (f"{PM}.type=3", f"{PM}.type = 3: expected a string"),
    ('innocent_traffic.agl_m_range=["a", "b"]', "expected an array of numbers"),
    ("threat_timing.formations_per_day_mean.x=1",
     "threat_timing.formations_per_day_mean = 1.31 is a number, not a table: expected a path that ends at "
     "threat_timing.formations_per_day_mean"),
    ("radar.sites=[1]", "radar.sites is an array of tables: expected a path to one of its values (radar.sites.ID.KEY)"),
    ("threat_timing.modes=1", "threat_timing.modes is a table: expected a path to one of its values"),
    ("options.a29_forward.detachments.0=1", "is an element of the array of tables"),
    # the loaders' own checks, naming the override that broke them
    (f"{PM}.availability=2.0", "radar.sites[0].availability = 2.0: must be <= 1"),
    ("options.a29_forward.detachments.0.aircraft=4.5", "options[6].detachments[0].aircraft = 4.5: must be an integer"),
    ("life_cycle.gripen_ef.service_life_years=0", "service_life_years = 0: must be > 0"),
])
def test_bad_overrides_are_one_line_naming_the_override(text, needle):
    with pytest.raises(InputError) as e:
        load_scenario("peru", [parse_override(text)])
    msg = str(e.value)
    assert msg.startswith(f"--set {parse_override(text).text}: "), msg
    assert needle in msg and "\n" not in msg, msg


def test_apply_returns_what_changed_and_leaves_the_rest():
    raw = {"a": {"b": 1.0, "c": [{"id": "x", "v": 1}, {"id": "y", "v": 2}]}}
    applied = apply_overrides(raw, ["a.c.y.v=5", "a.b=2", "a.b=3"])
    assert raw == {"a": {"b": 3, "c": [{"id": "x", "v": 1}, {"id": "y", "v": 5}]}}
    assert [(x.location, x.old) for x in applied] == [("a.c[1].v", 2), ("a.b", 1.0)]


# ------------------------------------------------------------------------------------------
# The command line
def _files(d):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


@pytest.mark.parametrize("command", [
    ["scenario", "show", "peru"], ["scenario", "validate", "peru"], ["coverage", "--no-maps", "--out", "{out}"],
    ["simulate", "--days", "1", "--out", "{out}"], ["tradeoff", *TINY, "--out", "{out}"],
])
@pytest.mark.parametrize("override,needle", [
    ("threat.traffic.formations_per_day_mean=1.2", "did you mean threat_timing.formations_per_day_mean?"),
    ("radar.sites.nowhere.availability=1", "no element of radar.sites has id = \"nowhere\""),
    (f"{PM}.availability=abc", "expected a number, like the value it replaces (0.4)"),
    (f"{PM}.availability.x=1", "is a number, not a table"),
    (f"{PM}.availability=1.5", "must be <= 1"),
    ("availability", "no '=': expected KEY=VALUE"),
])
def test_cli_bad_override_is_one_line_exit_2_nothing_written(cli, tmp_path, command, override, needle):
    out = tmp_path / "out"
    args = [a.replace("{out}", str(out)) for a in command]
    before = _files(tmp_path)
    code, stdout, err = cli(*args, "--set", override)
    assert code == 2, (stdout, err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"--set {override}" in err or f"--set {parse_override(override).text}" in err, err
    assert needle in err, err
    assert not out.exists() and _files(tmp_path) == before


def test_scenario_show_lists_the_override(cli):
    code, out, err = cli("scenario", "show", "peru", "--set", f"{PM}.availability=0.9")
    assert code == 0, err
    assert f"override: {PM}.availability = 0.9 (was 0.4)" in out
    assert "fap_tps70_puerto_maldonado__AN_TPS_70" in out and "avail 0.90" in out


def test_simulate_override_changes_the_result_and_no_override_changes_nothing(cli, tmp_path):
    """Seed 1, day 0: the Puerto Maldonado TPS-70 is down in the data; at availability 1.0 it plots.
    Overriding a value with the value it has changes no output byte."""
    base = ["simulate", "--days", "1", "--seed", "1", "--no-background", "--no-map"]
    runs = {}
    for name, extra in (("plain", []), ("same", ["--set", f"{PM}.availability=0.4"]),
                        ("up", ["--set", f"{PM}.availability=1.0"])):
        code, out, err = cli(*base, *extra, "--out", tmp_path / name)
        assert code == 0, err
        runs[name] = {f: (tmp_path / name / f).read_bytes() for f in ("truth.csv", "plots_cartesian.csv", "flights.csv")}
    assert runs["same"] == runs["plain"]
    assert runs["up"]["truth.csv"] == runs["plain"]["truth.csv"]  # the same flights
    assert runs["up"]["plots_cartesian.csv"] != runs["plain"]["plots_cartesian.csv"]
    assert not (tmp_path / "plain" / "overrides.toml").exists()
    summary = (tmp_path / "up" / "summary.txt").read_text()
    assert f"override: {PM}.availability = 1.0 (was 0.4)" in summary
    pm_line = next(ln for ln in summary.splitlines() if ln.startswith("fap_tps70_puerto_maldonado"))
    assert " 1/1 " in pm_line
    plain_pm = next(ln for ln in (tmp_path / "plain" / "summary.txt").read_text().splitlines()
                    if ln.startswith("fap_tps70_puerto_maldonado"))
    assert " 0/1 " in plain_pm
    record = tomllib.loads((tmp_path / "up" / "overrides.toml").read_text())
    assert record == {"set": {"radar": {"sites": {"fap_tps70_puerto_maldonado": {"availability": 1.0}}}}}


# ------------------------------------------------------------------------------------------
# Studies
def _build(argv):
    from scenarios.cli import build_parser
    from scenarios.cli.tradeoff import build_spec

    return build_spec(build_parser().parse_args(["tradeoff", *argv]))


def test_study_file_set_then_command_line(tmp_path):
    study = tmp_path / "study.toml"
    study.write_text(f'[study]\ndays = 2\n\n[set]\n{PM}.availability = 0.9\n'
                     'threat_timing.formations_per_day_mean = 2.0\n')
    spec, _ = _build(["--study", str(study)])
    assert spec.overrides == (f"{PM}.availability=0.9", "threat_timing.formations_per_day_mean=2.0")
    spec2, _ = _build(["--study", str(study), "--set", f"{PM}.availability=1.0", "--set", "alert.qra_airborne_min=10"])
    assert spec2.overrides == (f"{PM}.availability=1.0", "threat_timing.formations_per_day_mean=2.0",
                               "alert.qra_airborne_min=10")
    assert spec2.key() != spec.key()
    # the overrides reach the study's scenario (workers rebuild it from the spec)
    from scenarios.study.spec import validate_spec

    (pm,) = _radar(validate_spec(spec2).scenario, "fap_tps70_puerto_maldonado")
    assert pm.availability == 1.0
    # --flights turns into days at the overridden traffic (2 formations a day instead of the calibrated 1.31)
    spec3, _ = _build(["--study", str(study), "--flights", "100"])
    spec4, _ = _build(["--flights", "100"])
    assert spec3.days < spec4.days


def test_study_file_bad_set_names_the_file(tmp_path, cli):
    study = tmp_path / "study.toml"
    study.write_text(f'[study]\ndays = 2\n\n[set]\n{PM}.availabilty = 0.9\n')
    code, out, err = cli("tradeoff", "--study", study, "--out", tmp_path / "o")
    assert code == 2 and err.count("\n") == 1
    assert f"{study}: [set] {PM}.availabilty = 0.9: {PM}.availabilty: unknown key (did you mean" in err
    assert not (tmp_path / "o").exists()
    study.write_text('[study]\ndays = 2\nset = 1\n')
    code, out, err = cli("tradeoff", "--study", study, "--out", tmp_path / "o")
    assert code == 2 and "study.set: unknown key" in err


def test_no_override_keeps_the_study_key():
    from scenarios.study.spec import StudySpec

    spec = StudySpec(days=3)
    assert "overrides" not in spec.record()
    assert StudySpec.from_record(spec.record()) == spec
    with_set = StudySpec(days=3, overrides=(f"{PM}.availability=1.0",))
    assert with_set.key() != spec.key() and StudySpec.from_record(with_set.record()) == with_set


def test_tradeoff_records_the_overrides_and_refuses_to_resume_without_them(cli, tmp_path):
    out = tmp_path / "study"
    code, stdout, err = cli("tradeoff", *TINY, "--set", f"{PM}.availability=1.0", "--out", out)
    assert code == 0, err
    db = sqlite3.connect(out / "study.sqlite")
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    db.close()
    assert json.loads(meta["study_json"])["overrides"] == [f"{PM}.availability=1.0"]
    report = (out / "report.md").read_text()
    assert f"`{PM}.availability = 1.0` (was `0.4`)" in report
    record = tomllib.loads((out / "overrides.toml").read_text())
    assert overrides_from_table(record["set"], "x")[0].text == f"{PM}.availability=1.0"
    # the same study without the override is another study: no resume into this store
    code, stdout, err = cli("tradeoff", *TINY, "--resume", "--out", out)
    assert code == 2 and "holds a different study" in err
    code, stdout, err = cli("tradeoff", *TINY, "--set", f"{PM}.availability=1.0", "--resume", "--out", out)
    assert code == 0, err
    # re-rendering keeps the record
    (out / "overrides.toml").unlink()
    code, stdout, err = cli("report", out)
    assert code == 0 and (out / "overrides.toml").exists()


def test_track_sets_tracker_settings(cli, tmp_path):
    from radar.plotlog import write_cartesian_log
    from tracker_synthetic import SyntheticRadar, scenario

    sc = scenario(1, 120.0, 100e3, seed=3, radars=(SyntheticRadar(x_m=0.0, y_m=-50e3),))
    write_cartesian_log(tmp_path / "plots.csv", sc.plots)
    code, out, err = cli("track", "--plots", tmp_path / "plots.csv", "--out", tmp_path / "t.csv",
                         "--set", "tracker.confirm_m=4", "--set", "tracker.imm=false")
    assert code == 0, err
    assert "override: tracker.confirm_m = 4 (was 3)" in out and "override: tracker.imm = false (was true)" in out
    code, out, err = cli("track", "--plots", tmp_path / "plots.csv", "--out", tmp_path / "u.csv",
                         "--set", "tracker.confirm=3")
    assert code == 2 and "tracker.confirm: unknown key (did you mean tracker.confirm_" in err
    assert not (tmp_path / "u.csv").exists()
    code, out, err = cli("track", "--plots", tmp_path / "plots.csv", "--out", tmp_path / "u.csv",
                         "--set", "tracker.confirm_m=2.5")
    assert code == 2 and err.count("\n") == 1
    assert "--set tracker.confirm_m=2.5: tracker.confirm_m = 2.5: expected an integer" in err
