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
    # sensors: the F-16's Litening pod (in the DSCA package) identifies day and night; the Gripen's IRST only cues
    assert f16.radar_m == 50e3 and f16.eo_ir == "pod" and f16.pod.id == "litening" and f16.pod_in_package
    assert (f16.pod.id_day_m, f16.pod.id_night_m) == (8e3, 3e3)
    gripen = cfg.types["gripen_ef"]
    assert gripen.irst_m == 15e3 and gripen.eo_ir == "none" and gripen.pod is None and gripen.pod_capable
    a29 = cfg.types["a29"]
    assert (a29.radar_m, a29.eo_ir, a29.eo_id_day_m, a29.eo_id_night_m) == (0.0, "turret", 8e3, 3e3)
    su25 = cfg.types["su25"]
    assert (su25.radar_m, su25.irst_m, su25.eo_ir) == (0.0, 0.0, "none")
    assert cfg.types["mig29smp"].sortie_availability == 0.45 and a29.sortie_availability == 0.7
    # detachments: identifying ranges and pod costs; alert seats from crews
    d = cfg.options["f16_la_joya"].detachments[0]
    assert d.eo_ir == "pod" and d.id_range_m == (8e3, 3e3) and d.pod_cost_usd == 0.0   # in the package
    assert cfg.options["gripen_la_joya"].detachments[0].id_range_m == (0.0, 0.0)
    assert cfg.options["a29_forward"].detachments[0].id_range_m == (8e3, 3e3)
    assert cfg.params.endgame_s == (1 + 8 + 3 + 8 + 10) * 60.0     # Phases III, III-A, IV, authorisation, V
    assert cfg.params.visual_id_m == 300.0 and cfg.params.dwell_s == 10.0
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
    (lambda r: r["options"][6]["detachments"][0].update(pod="litening"),
     "options[6].detachments[0].pod = 'litening': the a29 cannot carry a pod"),
    (lambda r: r["options"][2]["detachments"][0].update(pod="damocles"),
     "options[2].detachments[0].pod = 'damocles': unknown pod"),
    (lambda r: r["interceptor_sensors"][3].update(pod="litening"), "interceptor_sensors[3].pod = 'litening': the a29 "
     "cannot carry a pod"),
    (lambda r: r["interceptor_sensors"][1].update(irst_detect_km=0), "interceptor_sensors[1].irst_detect_km = 0: must be > 0"),
    (lambda r: r["interceptors"][0].update(radar_detect_1m2_lookdown_km=0), "interceptors[0].radar_detect_1m2_lookdown_km = 0: "
     "must be > 0"),
    (lambda r: r["interceptors"][3].update(radar_detect_1m2_lookdown_km=10), "must be 0 when radar = \"none\""),
    (lambda r: r["pods"][0].update(id_range_km_night=0), "pods[0].id_range_km_night = 0: must be > 0"),
    (lambda r: r["airborne_sensors"].update(low_level_clutter_factor=0), "airborne_sensors.low_level_clutter_factor = 0: "
     "must be > 0"),
    (lambda r: r["interceptor_sensors"][0].update(type="f35"), "interceptor_sensors[0].type = 'f35': unknown aircraft type"),
    (lambda r: r["alert_depth"].update(crews_per_alert_seat=0), "alert_depth.crews_per_alert_seat = 0: must be > 0"),
    (lambda r: r["options"][1]["detachments"][0].update(crews=0), "options[1].detachments[0].crews = 0: must be >= 1"),
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


def test_pod_variant_and_crews():
    # a pod is a detachment attribute with its cost: the Gripen at La Joya with Litening pods bought for it
    def mutate(r):
        r["options"].append({"id": "gripen_la_joya_pod", "detachments": [
            {"type": "gripen_ef", "base": "la_joya", "aircraft": 24, "alert": "fighter_alert", "pod": "litening"}]})
        r["options"].append({"id": "f16_no_pod", "detachments": [
            {"type": "f16_blk70", "base": "la_joya", "aircraft": 12, "alert": "fighter_alert", "pod": "none",
             "crews": 36}]})
    cfg = _cfg(mutate)
    pod = cfg.options["gripen_la_joya_pod"]
    assert pod.detachments[0].eo_ir == "pod" and pod.detachments[0].id_range_m == (8e3, 3e3)
    assert pod.pod_cost_usd == pytest.approx(24 * 1.5e6)
    assert "gripen_ef + litening" in pod.describe()
    from scenarios.study.scores import buys_for_options
    buys = buys_for_options([pod, cfg.options["gripen_la_joya"]])
    assert buys["gripen_la_joya"] == pytest.approx(3.5e9 / 146e6)
    assert buys["gripen_la_joya_pod"] == pytest.approx(3.5e9 / (146e6 + 1.5e6))      # the pods come out of the budget
    nopod = cfg.options["f16_no_pod"].detachments[0]
    assert nopod.eo_ir == "none" and nopod.id_range_m == (0.0, 0.0)
    assert (nopod.crews, nopod.alert_seats) == (36, 12)          # 36 crews / 3 per seat -> 6 pairs
