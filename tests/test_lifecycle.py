"""Life-cycle cost: the data are validated, the arithmetic matches a hand-computed case, intervals come from
the study's day bootstrap."""
from __future__ import annotations

import math

import numpy as np
import pytest

from radar.errors import InputError
from scenarios.config.interceptors import build_option, load_interceptor_config
from scenarios.config.lifecycle import load_life_cycle
from scenarios.config.scenario import load_scenario
from scenarios.config.schema import Table
from scenarios.study.lifecycle import OptionCost, life_cycle_rows, markdown, option_costs
from scenarios.study.scores import buys_for_options, table
from scenarios.study.spec import RESULT_COLUMNS
from scenarios.study.uncertainty import DayBootstrap


def _costs(overrides=(), extra_options=()):
    scn = load_scenario("peru", overrides)
    cfg = load_interceptor_config(scn)
    options = cfg.select(None) + [build_option(Table(o, "test", "options"), cfg.types, cfg.bases, cfg.postures_s,
                                               cfg.params, cfg.pods) for o in extra_options]
    return option_costs(options, load_life_cycle(scn), buys_for_options(options))


def test_every_new_type_has_sourced_or_named_figures():
    life = load_life_cycle(load_scenario("peru"))
    assert set(life) == {"f16_blk70", "gripen_ef", "rafale_f4", "a29", "at6e"}
    for lc in life.values():
        assert lc.confidence in ("sourced", "approximate", "placeholder") and lc.source
        assert 0 < lc.service_life_years <= 100


def test_option_costs_by_hand():
    gripen_pods = {"id": "gripen_pods", "detachments": [
        {"type": "gripen_ef", "base": "la_joya", "aircraft": 10, "alert": "fighter_alert", "pod": "litening"},
        {"type": "gripen_ef", "base": "puerto_maldonado", "aircraft": 2, "alert": "qra"}]}
    costs = _costs(["life_cycle.gripen_ef.service_life_years=40", "life_cycle.f16_blk70.sustainment_fraction_per_year=0.05"],
                   [gripen_pods])
    # F-16 Block 70: 12 x US$285M package (the Litening pod is in the package), 30 years, 5 % a year
    f16 = costs["f16_la_joya"]
    assert f16.acquisition_usd == pytest.approx(12 * 285e6)
    assert f16.acquisition_per_year_usd == pytest.approx(12 * 285e6 / 30)
    assert f16.sustainment_per_year_usd == pytest.approx(0.05 * 12 * 285e6)
    assert f16.aircraft_for_3_5b == pytest.approx(3.5e9 / 285e6)
    # Gripen with 10 Litening pods bought outside the package: 12 x 146M + 10 x 1.5M over 40 years, 2 % a year
    g = costs["gripen_pods"]
    acq = 12 * 146e6 + 10 * 1.5e6
    assert g.acquisition_usd == pytest.approx(acq)
    assert g.acquisition_per_year_usd == pytest.approx(acq / 40) and g.service_life_years == 40
    assert g.sustainment_per_year_usd == pytest.approx(0.02 * acq)
    assert "10 x gripen_ef at US$146M (package) + a litening pod at US$1.5M" in g.basis
    # A-29 forward: 12 x US$19M package
    assert costs["a29_forward"].acquisition_usd == pytest.approx(12 * 19e6)
    assert math.isnan(costs["a29_forward"].aircraft_for_3_5b)
    # the current fleet: acquisition sunk, sustainment not in the data
    base = costs["baseline_current_fleet"]
    assert base.acquisition_usd == 0 and math.isnan(base.sustainment_per_year_usd) and "sunk" in base.basis


def _res(rows):
    """Result columns from (day, outcome, false_scramble, cost_usd) tuples of one network/picture/option."""
    full = []
    for i, (day, outcome, false, cost) in enumerate(rows):
        r = {c: None for c in RESULT_COLUMNS}
        r.update(network="peru", day=day, seq=i, flight=f"f{i}", option="opt", mode="integrated", outcome=outcome,
                 false_scramble=false, cost_usd=cost)
        full.append(tuple(r[c] for c in RESULT_COLUMNS))
    return table(full, RESULT_COLUMNS)


def test_cost_per_identified_by_hand():
    # 2 days; day 0: two drug flights, one identified, sorties US$10k + 5k; day 1: two flights, one identified,
    # US$20k, and a false scramble costing US$1k
    res = _res([(0, "identified_airborne", 0, 10_000.0), (0, "missed_too_late", 0, 5_000.0),
                (1, "identified_airborne", 0, 20_000.0), (1, "missed_no_track", 0, None),
                (1, "", 1, 1_000.0)])
    cost = OptionCost("opt", 4, acquisition_usd=219e6, acquisition_per_year_usd=7.3e6, sustainment_per_year_usd=3.65e6,
                      service_life_years=30, basis="", confidence="placeholder")
    boot = DayBootstrap.draw([0, 1], 1, 0, replicates=500)
    (r,) = life_cycle_rows(res, {"peru": 2}, {"opt": cost}, boot)
    assert (r.network, r.picture, r.option, r.days) == ("peru", "integrated", "opt", 2)
    assert r.flights_per_year == pytest.approx(4 / 2 * 365)
    assert r.identified_per_year == pytest.approx(2 / 2 * 365)
    assert r.flying_per_year_usd == pytest.approx(36_000 / 2 * 365)
    # per identified, without acquisition: (3.65M a year over 2 days = 20,000 + 36,000) / 2 identified
    assert r.cost_per_id_operating_usd == pytest.approx((20_000 + 36_000) / 2)
    # with acquisition: + 7.3M a year over 2 days = 40,000
    assert r.cost_per_id_total_usd == pytest.approx((20_000 + 40_000 + 36_000) / 2)
    for point, lo, hi in ((r.identified_per_year, r.identified_per_year_lo, r.identified_per_year_hi),
                          (r.cost_per_id_operating_usd, r.cost_per_id_operating_lo, r.cost_per_id_operating_hi),
                          (r.cost_per_id_total_usd, r.cost_per_id_total_lo, r.cost_per_id_total_hi)):
        assert lo <= point <= hi
    # one-day blocks over 2 days: a replicate is day 0 twice (2 identified, US$30k: (60,000 + 30,000) / 2), both
    # days, or day 1 twice ((60,000 + 42,000) / 2); the fixed cost of the 2 days is the same in each
    assert r.cost_per_id_total_lo == pytest.approx(45_000) and r.cost_per_id_total_hi == pytest.approx(51_000)
    assert r.cost_per_id_operating_lo == pytest.approx(25_000) and r.cost_per_id_operating_hi == pytest.approx(31_000)
    text = markdown([r], {"opt": cost})
    assert "## Life-cycle cost" in text
    assert "| `peru` | integrated | opt | 365 [" in text and "| $28,000 [" in text and "| $48,000 [" in text


def test_no_identification_gives_no_cost_per_identification():
    res = _res([(0, "missed_no_track", 0, 1_000.0)])
    cost = OptionCost("opt", 2, 1e6, 1e5, 1e4, 10, "", "placeholder")
    (r,) = life_cycle_rows(res, {"peru": 1}, {"opt": cost}, DayBootstrap.draw([0], 1, 0, replicates=50))
    assert r.identified_per_year == 0 and math.isnan(r.cost_per_id_total_usd)
    assert "| — | — |" in markdown([r], {"opt": cost})


@pytest.mark.parametrize("entry,needle", [
    ('id = "f22"\nservice_life_years = 30\nsustainment_fraction_per_year = 0.02\nsource = "GK"\nconfidence = "placeholder"',
     "unknown aircraft type"),
    ('id = "a29"\nservice_life_years = 30\nsource = "GK"\nconfidence = "placeholder"',
     "expected exactly one of sustainment_fraction_per_year"),
    ('id = "a29"\nservice_life_years = 30\nsustainment_fraction_per_year = 0.02\nsustainment_musd_per_aircraft_year = 1\n'
     'source = "GK"\nconfidence = "placeholder"', "expected exactly one of"),
    ('id = "a29"\nservice_life_years = 300\nsustainment_fraction_per_year = 0.02\nsource = "GK"\nconfidence = "placeholder"',
     "must be <= 100"),
    ('id = "a29"\nservice_life_years = 30\nsustainment_fraction_per_year = 1.5\nsource = "GK"\nconfidence = "placeholder"',
     "must be <= 1"),
    ('id = "a29"\nservice_life_years = 30\nsustainment_fraction_per_year = 0.02\nconfidence = "placeholder"',
     "source = '': is missing"),
    ('id = "a29"\nservice_life_years = 30\nsustainment_fraction_per_year = 0.02\nsource = "GK"\nconfidence = "guess"',
     "must be one of sourced, approximate, placeholder"),
    ('id = "a29"\nservice_lif_years = 30\nsustainment_fraction_per_year = 0.02\nsource = "GK"\nconfidence = "placeholder"',
     "unknown key (did you mean life_cycle[0].service_life_years?)"),
])
def test_bad_life_cycle_entries(tmp_path, entry, needle):
    p = tmp_path / "s.toml"
    p.write_text(f'extends = "peru"\n\n[[life_cycle]]\n{entry}\n')
    with pytest.raises(InputError) as e:
        load_scenario(str(p))
    assert needle in str(e.value) and str(p) in str(e.value)


def test_in_service_type_with_a_per_aircraft_figure(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('extends = "peru"\n\n[[life_cycle]]\nid = "mirage2000p"\nservice_life_years = 40\n'
                 'sustainment_musd_per_aircraft_year = 3\nsource = "test"\nconfidence = "placeholder"\n')
    scn = load_scenario(str(p))
    cfg = load_interceptor_config(scn)
    opt = build_option(Table({"id": "m", "detachments": [{"type": "mirage2000p", "base": "la_joya", "aircraft": 4,
                                                          "alert": "fighter_alert"}]}, "t", "o"),
                       cfg.types, cfg.bases, cfg.postures_s, cfg.params, cfg.pods)
    (c,) = option_costs([opt], load_life_cycle(scn)).values()
    assert c.acquisition_usd == 0 and c.acquisition_per_year_usd == 0
    assert c.sustainment_per_year_usd == pytest.approx(4 * 3e6)
    assert np.isfinite(c.fixed_per_year_usd)
