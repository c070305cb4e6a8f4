"""Loading input files: one TOML reader, unknown keys named with the nearest known one, a physical range for
every number the model reads, one seed rule, and unreadable files (binary garbage, directories, ...) as one line
and exit 2 for every command that reads TOML."""
from __future__ import annotations

import copy
import math
import re

import numpy as np
import pytest

from conftest import run_cli_subprocess
from radar.errors import InputError
from scenarios.config import interceptors, threat
from scenarios.config import scenario as config
from scenarios.config.scenario import _embedded_raw, build_scenario, load_scenario
from scenarios.config.schema import Table, show

GARBAGE = bytes(range(256)) * 8 + b"\xff\xfe\x00[[[\x80"


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    else:
        yield path, node


def _dotted(path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


#: per table (indices as []), the keys of the data files that document (the dossier's reference values) and
#: that no loader reads
DOC_KEYS = {
    "radar.types[]": config.RADAR_TYPE_DOC, "radar.sites[]": ("status",),
    "radar.rcs[]": ("rcs_l_band_m2", "nose_on_offset_db", "broadside_offset_db"),
    "radar.fusion.integrated": ("civil_track_position_sigma_m",),  # the integrated picture fuses the civil plots
    "threat.zones[]": threat.ZONE_DOC, "threat.aircraft[]": threat.AIRCRAFT_DOC, "threat.traffic": threat.TRAFFIC_DOC,
    "threat.profile": threat.PROFILE_DOC, "threat_timing": threat.TIMING_DOC,
    "interceptors[]": interceptors.INTERCEPTOR_DOC, "basing.bases[]": interceptors.BASE_DOC,
    "basing.airports[]": interceptors.BASE_DOC, "engagement": interceptors.ENGAGEMENT_DOC,
    "procedure": interceptors.PROCEDURE_DOC, "procedure.phases[]": interceptors.PHASE_DOC,
    "alert": ("detachment_setup_h",),
    "procurement.what_3_5b_buys[]": ("basis",),
}
DOC_TABLES = config.DOC_SECTIONS + ("radar.model", "procurement.fighter_program", "procurement.subsonic_program")


def _is_doc(path) -> bool:
    if _dotted(path).startswith(DOC_TABLES):
        return True
    j = max(i for i, p in enumerate(path) if isinstance(p, str))  # the key (its value may be an array)
    table = re.sub(r"\[\d+\]", "[]", _dotted(path[:j]))
    return path[j] in DOC_KEYS.get(table, ())


def _with(raw, path, value):
    raw = copy.deepcopy(raw)
    node = raw
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return raw


def test_every_number_the_model_reads_has_a_physical_range():
    """Each number of the embedded scenario set to +-1e12 (finite, below the generic limit): refused, naming that
    key, unless the key is documentation that no loader reads."""
    raw = _embedded_raw("peru")
    numeric = [(p, v) for p, v in _leaves(raw) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    read = 0
    for path, _value in numeric:
        if path[0] == "threat" and path[1:3] == ("traffic", "formation_size_probs"):
            continue  # probabilities checked below with the modes
        for big in (1e12, -1e12):
            try:
                build_scenario(_with(raw, path, big), "t", "t.toml")
            except InputError as exc:
                msg = str(exc)
                assert msg.startswith("t.toml: ") and "\n" not in msg
                assert not _is_doc(path), f"{_dotted(path)} is documentation but was refused: {msg}"
                name = [p for p in path if not isinstance(p, int)][-1]
                assert str(name) in msg, (path, msg)
                continue
            assert _is_doc(path), f"{_dotted(path)} = {big:g} was accepted"
        read += not _is_doc(path)
    assert read > 150  # the test went through the numbers the model reads
    for path in (("threat", "traffic", "formation_size_probs", "2"), ("threat_timing", "modes", "dawn")):
        for bad in (1e12, -0.5, 1.5, math.nan, "0.5"):
            with pytest.raises(InputError, match=_dotted(path).split(".")[-1]):
                build_scenario(_with(raw, path, bad), "t", "t.toml")


def test_embedded_documentation_keys_are_accepted_and_anything_else_is_not():
    raw = _embedded_raw("peru")
    scn = build_scenario(copy.deepcopy(raw), "t", "t.toml")  # stall_kmh, vendor, [history], ... are allowed
    assert "stall_kmh" in raw["threat"]["aircraft"][0] and scn.radar_types
    bad = copy.deepcopy(raw)
    bad["threat"]["aircraft"][0]["stal_kmh"] = 110
    with pytest.raises(InputError) as e:
        build_scenario(bad, "t", "t.toml")
    assert str(e.value) == "t.toml: threat.aircraft[0].stal_kmh: unknown key (did you mean threat.aircraft[0].stall_kmh?)"


@pytest.mark.parametrize("text, message", [
    ("[threat.trafic]\ntransponder_on_probability = 0.5\n",
     "x.toml: threat.trafic: unknown table (did you mean threat.traffic?)"),
    ("[threat.profile]\nrefuel_probablity = 0.2\n",
     "x.toml: threat.profile.refuel_probablity: unknown key (did you mean threat.profile.refuel_at_pickup_probability?)"),
    ("[threat_timng]\nformations_per_day_mean = 9\n", "x.toml: threat_timng: unknown table (did you mean threat_timing?)"),
    ("[traffic_background]\nflight_per_day = 3\n",
     "x.toml: traffic_background.flight_per_day: unknown key (did you mean traffic_background.flights_per_day?)"),
    ("[interceptor_additions]\nf16_blk7 = { endurance_h = 2.0 }\n",
     "x.toml: interceptor_additions.f16_blk7: unknown table (did you mean interceptor_additions.f16_blk70?)"),
    ("[radar_type_additions]\nAN_TPS70 = { pfa = 1e-6 }\n",
     "x.toml: radar_type_additions.AN_TPS70: unknown table (did you mean radar_type_additions.AN_TPS_70?)"),
    ("[tracker]\nq_horizontal = 3.0\n", "x.toml: tracker.q_horizontal: unknown key (did you mean tracker.q_horizontal_mps2?)"),
    ("[networks]\nperu-public-recod = \"x\"\n",
     "x.toml: networks.peru-public-recod: unknown key (did you mean networks.peru-public-record?)"),
])
def test_unknown_keys_name_the_nearest_known_one(tmp_path, monkeypatch, cli, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.toml").write_text('extends = "peru"\n' + text)
    code, out, err = cli("scenario", "validate", "x.toml")
    assert code == 2 and err == f"airbridge: error: {message}\n"


def test_additions_do_not_hide_an_invalid_value():
    """A value replaced by [interceptor_additions] / [radar_type_additions] must be valid too."""
    raw = _embedded_raw("peru")
    a29 = next(i for i, t in enumerate(raw["interceptors"]) if t["id"] == "a29")
    for path, value, needle in [(("interceptors", a29, "endurance_h"), -1.0, f"interceptors[{a29}].endurance_h = -1.0"),
                                (("radar", "types", 0, "pfa"), math.inf, "radar.types[0].pfa = inf"),
                                (("interceptors", a29, "combat_radius_km"), 0, f"interceptors[{a29}].combat_radius_km = 0")]:
        with pytest.raises(InputError) as e:
            build_scenario(_with(raw, path, value), "t", "t.toml")
        assert needle in str(e.value)


def test_huge_formation_rate_is_one_line_in_validate_and_simulate(tmp_path, cli):
    p = tmp_path / "s.toml"
    p.write_text('extends = "peru"\n[threat_timing]\nformations_per_day_mean = 1e300\n')
    expected = (f"airbridge: error: {p}: threat_timing.formations_per_day_mean = 1e+300: must be <= 1000 "
                "(formations per day)\n")
    assert cli("scenario", "validate", p) == (2, "", expected)
    assert cli("simulate", "--days", "1", "--scenario", p, "--out", tmp_path / "o") == (2, "", expected)
    assert not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.partial*"))


def test_validate_wording_names_no_flag(cli):
    code, out, err = cli("scenario", "validate", "atlantis")
    assert code == 2 and err == "airbridge: error: atlantis: unknown scenario: expected one of peru or a .toml file\n"


def test_messages_show_plain_values():
    assert show(np.float64(99.0)) == "99.0" and show(np.int64(3)) == "3" and show(float("nan")) == "nan"
    assert show(10**40).startswith("100000...(41 digits)")
    msg = str(Table({"x": np.float64(99.0)}, "f.toml", "t").fail("x", np.float64(99.0), "bad"))
    assert msg == "f.toml: t.x = 99.0: bad"


def test_plot_log_messages_show_plain_values(tmp_path, cli):
    p = tmp_path / "plots.csv"
    p.write_text("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,1,2,3,5\n2,0.5,1,2,3,5\n")
    code, out, err = cli("track", "--plots", p, "--out", tmp_path / "t.csv")
    assert code == 2 and err == f"airbridge: error: {p}: line 3, column sensor: value 0.5: expected a sensor index " \
                                "(integer >= 0)\n"


def _one_line(r, *needles):
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1 and r.stderr.startswith("airbridge: error: ")
    for n in needles:
        assert n in r.stderr, (n, r.stderr)


def test_garbage_toml_files_are_one_line_for_every_command(tmp_path):
    """Binary garbage, a directory, a missing file, TOML nested too deeply: one line naming the file, exit 2."""
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(GARBAGE)
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    plots = tmp_path / "p.csv"
    plots.write_text("time_s,sensor\n")
    for bad, needle in [(garbage, "not UTF-8 text"), (tmp_path, "is a directory"), (tmp_path / "nope.toml", "file not found"),
                        (deep, "malformed TOML")]:
        what = needle != "malformed TOML"  # the other messages say what file was expected
        _one_line(run_cli_subprocess("track", "--plots", plots, "--sensors", bad, "--out", tmp_path / "t.csv"),
                  f"{bad}: {needle}", *(["expected a sensors.toml file"] if what else []))
        _one_line(run_cli_subprocess("tradeoff", "--study", bad, "--out", tmp_path / "o"), f"{bad}: {needle}",
                  *(["expected a study TOML file"] if what else []))
        _one_line(run_cli_subprocess("scenario", "validate", bad), f"{bad}: {needle}")
        _one_line(run_cli_subprocess("track", "--plots", plots, "--tracker", bad, "--out", tmp_path / "t.csv"),
                  f"{bad}: {needle}")
    assert not (tmp_path / "t.csv").exists() and not (tmp_path / "o").exists()


def test_sensors_file_errors_name_the_file_once(tmp_path, cli):
    from radar.sensorfile import read_sensors

    p = tmp_path / "sensors_bad.toml"
    p.write_text("[frame]\norigin_lat = 99.0\n[[sensor]]\nsite_id = 's'\n")
    with pytest.raises(InputError) as e:
        read_sensors(p)
    assert str(e.value).count("sensors_bad.toml") == 1 and "frame.origin_lat = 99.0" in str(e.value)
    p.write_text('[[sensor]]\nindex = 0\nsite_id = "s"\ntype = "T"\nowner = "navy"\nkind = "SSR"\nlat = 0\nlon = 0\n'
                 "antenna_msl_m = 1\nscan_period_s = 4\nsigma_range_m = 1\nsigma_azimuth_deg = 0.1\n")
    with pytest.raises(InputError) as e:
        read_sensors(p)
    assert str(e.value).count("sensors_bad.toml") == 1 and "owner = 'navy'" in str(e.value)
    empty = tmp_path / "sensors.toml"
    empty.write_text("")
    (tmp_path / "plots.csv").write_text("time_s,sensor\n")
    code, out, err = cli("track", "--plots", tmp_path / "plots.csv", "--sensors", empty, "--out", tmp_path / "t.csv")
    assert code == 2 and err.startswith(f"airbridge: error: {empty}: no [[sensor]] entries")


def test_one_seed_rule_for_the_command_line_and_study_files(tmp_path, cli):
    study = tmp_path / "study.toml"
    study.write_text("[study]\nseed = -5\ndays = 1\n")
    rule = "the seed must be an integer in 0..9223372036854775807"
    assert cli("tradeoff", "--study", study, "--out", tmp_path / "o")[2] == \
        f"airbridge: error: {study}: study.seed = -5: {rule}\n"
    for args in (("tradeoff", "--days", "1"), ("simulate",), ("track", "--plots", tmp_path / "p.csv")):
        code, out, err = cli(*args, "--seed", "-1", "--out", tmp_path / "o")
        assert code == 2 and err == f"airbridge: error: --seed -1: {rule}\n", (args, err)
    study.write_text("[study]\nseed = 9223372036854775808\n")
    assert rule in cli("tradeoff", "--study", study, "--out", tmp_path / "o")[2]
    assert not (tmp_path / "o").exists()


def test_study_file_unknown_key_names_the_nearest(tmp_path, cli):
    study = tmp_path / "study.toml"
    study.write_text("[study]\nnetwork = ['peru']\n")
    assert cli("tradeoff", "--study", study)[2] == \
        f"airbridge: error: {study}: study.network: unknown key (did you mean study.networks?)\n"
    study.write_text("[studdy]\ndays = 1\n")
    assert cli("tradeoff", "--study", study)[2] == f"airbridge: error: {study}: studdy: unknown table (did you mean study?)\n"


def test_user_scenario_loads_to_the_embedded_values(tmp_path):
    """Valid input: the same dataclass values as before the loaders were unified (spot checks of each section)."""
    p = tmp_path / "u.toml"
    p.write_text('extends = "peru"\n')
    scn = load_scenario(str(p))
    ref = load_scenario("peru")
    assert scn.radar_types == ref.radar_types and scn.networks == ref.networks and scn.frame == ref.frame
    from scenarios.config.scenario import fusion_params
    from scenarios.config.threat import load_threat

    assert fusion_params(scn) == fusion_params(ref)
    assert fusion_params(ref).latency_min_s == 120.0 and fusion_params(ref).latency_max_s == 900.0
    assert load_threat(scn).formations_per_day == 1.31 and load_threat(scn).formation_sizes == (1, 2, 4)
