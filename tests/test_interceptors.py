"""Interceptor types, bases and options from the scenario; bad input -> one-line InputError."""
import copy
import math

import pytest

from radar.errors import InputError
from scenarios.config.scenario import build_scenario, load_scenario
from scenarios.config.interceptors import load_interceptor_config

PERU = load_scenario("peru")


def _cfg(mutate):
    raw = copy.deepcopy(PERU.raw)
    mutate(raw)
    return load_interceptor_config(build_scenario(raw, name="t", file="t.toml"))


def test_defaults_load_with_eight_options():
    cfg = load_interceptor_config(PERU)
    assert list(cfg.options) == ["baseline_current_fleet", "f16_la_joya", "gripen_la_joya", "rafale_la_joya",
                                 "gripen_qra_puerto_maldonado", "f16_qra_puerto_maldonado", "a29_forward", "at6_forward"]
    f16 = cfg.types["f16_blk70"]
    assert f16.cruise_mps == pytest.approx(250.0)                     # 900 km/h
    assert f16.min_escort_mps == pytest.approx(370 / 3.6)
    assert f16.endurance_s == 2.0 * 3600 and f16.intercept_radius_m == 750e3   # common basis (overlays)
    assert f16.acq_day_m == 50e3 and f16.has_eoir
    a29 = cfg.types["a29"]
    assert (a29.acq_radar_m, a29.acq_day_m, a29.acq_night_m) == (0.0, 8e3, 3e3)   # EO/IR only
    assert cfg.types["su25"].acq_day_m == 0.0 and not cfg.types["su25"].has_eoir    # none
    assert cfg.types["mig29smp"].sortie_availability == 0.45 and a29.sortie_availability == 0.7
    assert cfg.postures_s == {"qra": 900.0, "fighter_alert": 1200.0, "fighter_standby": 3600.0,
                              "turboprop_strip_alert": 600.0}
    assert cfg.params.classify_s == 300 and cfg.params.decision_delay_s == 300 and cfg.params.turnaround_s == 7200
    assert cfg.params.phase_i_s + cfg.params.phase_ii_s == 360
    assert cfg.options["gripen_la_joya"].aircraft == 24
    spay = cfg.options["a29_forward"].detachments[2].base
    assert spay.id == "SPAY" and math.isclose(spay.lat_deg, -10.7291)


@pytest.mark.parametrize("mutate,needle", [
    (lambda r: r["options"][1]["detachments"][0].update(type="f35"), "options[1].detachments[0].type = 'f35': unknown aircraft type"),
    (lambda r: r["options"][1]["detachments"][0].update(base="lima_x"), "options[1].detachments[0].base = 'lima_x': unknown base"),
    (lambda r: r["options"][1]["detachments"][0].update(alert="hot"), "options[1].detachments[0].alert = 'hot': must be one of"),
    (lambda r: r["options"][1].update(detachments=[]), "options[1].detachments = []: must list at least one detachment"),
    (lambda r: r["options"][1]["detachments"][0].update(aircraft=0), "options[1].detachments[0].aircraft = 0: must be >= 1"),
    (lambda r: r["interceptors"][0].update(cruise_tas_kmh=-900), "interceptors[0].cruise_tas_kmh = -900: must be > 0"),
    (lambda r: r["interceptors"][0].update(min_escort_kmh=0), "interceptors[0].min_escort_kmh = 0: must be > 0"),
    (lambda r: r["interceptor_additions"].update(f16_blk70={"endurance_h": 0, "intercept_radius_km": 750}),
     "interceptors[0].endurance_h = 0: must be > 0"),
    (lambda r: r["interceptors"][0].update(max_speed_kmh="fast"), "interceptors[0].max_speed_kmh = 'fast': must be a number"),
    (lambda r: r["options"][6]["detachments"][0].update(type="f16_blk70", base="SPAY"), "runway 1700 m is shorter"),
])
def test_bad_input_is_one_line(mutate, needle):
    with pytest.raises(InputError) as exc:
        _cfg(mutate)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("t.toml: ")
    assert needle in msg


def test_select_unknown_option():
    cfg = load_interceptor_config(PERU)
    with pytest.raises(InputError, match="option 'nope' is unknown"):
        cfg.select(["nope"])
    assert [o.id for o in cfg.select(["a29_forward"])] == ["a29_forward"]
    assert len(cfg.select(None)) == 8


def test_procurement_budget_buys():
    cfg = load_interceptor_config(PERU)
    assert cfg.budget_buys == {"gripen_ef": 24, "f16_blk70": 12, "rafale_f4": 14}
