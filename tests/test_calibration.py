"""Calibration against history (``airbridge calibrate``, ``scenarios/study/calibrate.py``).

The history is ``[calibration]`` of the overlays: the Puerto Maldonado TPS-70 logged 205 drug-flight legs (108
inbound, 95 outbound) from 10 May to 21 Sep 2015 (S06); 222 detections to 16 Aug (S23); 600-1,000 flights a year
(S23).  The default traffic was calibrated to them (``threat_timing.formations_per_day_mean``, confidence
``calibrated``).  The main test holds the defaults within x 1.5 of the radar's log and of the flights-a-year range,
on seeds the calibration did not use; the others check the pieces: the counts are the study's own plots, the
outage law is the chain's, the rate fit and the gate-share fit, and bad input.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios.study import calibrate as C

#: seeds the adopted calibration did not use (it used 1-8)
FRESH_SEEDS = (101, 102)


@pytest.fixture(scope="module")
def ctx():
    return C.prepare("peru")


def test_history_targets_are_data_with_sources(scenario):
    from scenarios.config.calibration import load_calibration
    from scenarios.config.threat import load_threat

    cal = load_calibration(scenario)
    fit = cal.fit()
    assert (fit.id, fit.legs, fit.inbound, fit.outbound, fit.days, fit.source) == \
        ("tps70_puerto_maldonado_2015", 205, 108, 95, 134, "S06")
    check = next(t for t in cal.legs if t.role == "check")
    assert (check.legs, check.days, check.first_day) == (222, 98, 0) and "S23" in check.source
    bound = cal.bound()
    assert (bound.low, bound.high) == (600, 1000) and bound.source == "S23"
    assert all(t.confidence == "sourced" for t in cal.legs + cal.rates)
    assert cal.radar == "fap_tps70_puerto_maldonado"
    # the adopted rate is the value in force, recorded with its calibration
    rate = cal.adopted_value(C.RATE_KEY)
    assert rate.value == load_threat(scenario).formations_per_day and rate.value < rate.before == 3.0
    assert rate.confidence == "calibrated" and rate.source.startswith("airbridge calibrate (seeds 1-8")
    assert "S06" in rate.source and "tps70_puerto_maldonado_2015" in rate.fits


def test_defaults_hold_the_history_within_x1_5(ctx):
    """PM TPS-70 legs in the 134-day window (expected log, outages included) and drug flights a year, on fresh seeds."""
    meas = C.measure(ctx, seeds=FRESH_SEEDS)
    rows = {r.id + r.label[:3]: r for r in C.leg_rows(meas, ctx.calibration) + C.rate_rows(meas, ctx.calibration)}
    legs = rows["tps70_puerto_maldonado_2015leg"]
    fpy = C.flights_per_year(meas)[0]
    from scenarios.config.study import expected_drug_flights_per_day

    fpy_expected = 365.0 * expected_drug_flights_per_day(ctx.scenario)
    print(f"\nPuerto Maldonado TPS-70, seeds {FRESH_SEEDS}: {legs.model:.0f} legs [{legs.lo:.0f}, {legs.hi:.0f}] "
          f"vs 205; 222-row: {rows['ccffaa_detections_2015leg'].model:.0f} vs 222; flights a year {fpy:.0f} "
          f"(expected {fpy_expected:.0f}) vs 600-1,000")
    assert 205 / 1.5 <= legs.model <= 205 * 1.5
    assert 600 / 1.5 <= fpy <= 1000 * 1.5
    assert 600 / 1.5 <= fpy_expected <= 1000 * 1.5
    # the counting: both legs of a flight at most, and the radar up sees most of them
    n = meas.flights[:, :134].sum()
    assert 0.5 * 2 * n < meas.legs[:, :134].sum() <= 2 * n
    assert meas.tracked.sum() <= meas.legs.sum()


def test_counts_are_the_legs_of_the_study_day(ctx):
    """The calibration's counts are what ``simulate_day`` gives the same radar on the same (seed, day)."""
    from scenarios.simulation.day import DayOptions, prepare, simulate_day

    day_ctx = prepare(ctx.scenario, "peru", dem=ctx.dem)
    pm = [i for i, r in enumerate(day_ctx.radars) if r.site_id == ctx.site]
    seed = 7
    meas = C.measure(ctx, seeds=(seed,), chains=1)
    checked = 0
    for d in range(3):
        day = simulate_day(day_ctx, seed=seed, day=d, options=DayOptions(
            background=False, force_up=tuple(day_ctx.radars[i].name for i in pm), convert=False))
        fl = day.flights
        sel = np.isin(day.plots.sensor, pm) & (day.plots.truth >= 0)
        tr, t = day.plots.truth[sel], day.plots.time_s[sel]
        inbound = np.unique(tr[t < fl.t_land[tr]]).size
        outbound = np.unique(tr[t > fl.t_takeoff[tr]]).size
        assert (len(fl), inbound, outbound) == (meas.flights[0, d], meas.inbound[0, d], meas.outbound[0, d])
        checked += len(fl)
    assert checked > 0


def test_outage_law_is_the_chains():
    """P(up) per day (the expectation the calibration uses) against 600 outage histories of the chain."""
    from radar.outages import outage_history, up_probability
    from radar.types import Radar
    from feeds_synthetic import TPS70

    r = Radar("pm", TPS70, "military", -12.6, -69.2, 200.0, 10.0, availability=0.4, mean_up_days=30.0,
              mean_down_days=45.0)
    p = up_probability(r, 60)
    assert np.allclose(p, 0.4)  # the chain starts stationary
    # a chain whose daily probabilities are clamped (down < 1 day) has another law: day 0 at 0.4 then the recursion
    fast = Radar("q", TPS70, "military", -12.6, -69.2, 200.0, 10.0, availability=0.4, mean_up_days=0.2,
                 mean_down_days=0.3)
    q = up_probability(fast, 5)
    assert q[0] == pytest.approx(0.4) and q[1] == pytest.approx(0.4 * 0.0 + 0.6 * 1.0)
    hist = np.array([outage_history(r, 5000 + k, 60) for k in range(600)], float)
    sd = math.sqrt(0.4 * 0.6 / 600)
    assert abs(hist[:, 0].mean() - 0.4) < 4 * sd and abs(hist[:, 59].mean() - 0.4) < 4 * sd


# ------------------------------------------------------------------------------------------
# the fit, on a synthetic measurement (no simulation)
def _cal(fit_legs=205, days=134, bound=(600.0, 1000.0)):
    import datetime as dt

    from scenarios.config.calibration import CalibrationConfig, LegTarget, RateTarget

    start = dt.date(2015, 5, 10)
    fit = LegTarget("fit", "fit", start, start + dt.timedelta(days), 0, days, fit_legs, None, None, "S", "sourced")
    rates = (RateTarget("bound", "bound", *bound, "S", "sourced"),) if bound else ()
    return CalibrationConfig("pm", (fit,), rates, (), start)


def _meas(cfg, per_gate, flights_per_day=4.8, p_up=0.4, days=134, seeds=(1, 2)):
    """Flights every day at ``flights_per_day``, split by the effective gate shares, each gate's flights giving
    ``per_gate[g]`` legs per flight."""
    eff = {k: v[1] for k, v in cfg.effective_weights()["corridor"].items()}
    r = len(seeds)
    gf = {g: np.full((r, days), flights_per_day * eff[g]) for g in eff}
    gl = {g: gf[g] * per_gate[g] for g in eff}
    flights = sum(gf.values())
    legs = sum(gl.values())
    size = float(np.dot(cfg.formation_sizes, cfg.formation_probs))
    chains = (np.random.default_rng(0).random((8, days)) < p_up).astype(float)
    return C.Measurement(seeds, cfg.formations_per_day, size, flights, legs / 2, legs / 2, legs, gf, gl,
                         np.full(days, p_up), chains)


@pytest.fixture(scope="module")
def threat_cfg(scenario):
    import dataclasses

    from scenarios.config.threat import load_threat

    return dataclasses.replace(load_threat(scenario), formations_per_day=3.0)


def test_rate_fit_scales_the_rate_and_keeps_the_gates(threat_cfg):
    cfg = threat_cfg
    meas = _meas(cfg, {"gate_madre_de_dios": 1.8, "gate_puno_highlands": 1.8})
    p = C.propose(meas, _cal(), cfg)
    model = 0.4 * 134 * 4.8 * 1.8  # expected legs
    assert p.rate == round(3.0 * 205 / model, 2) and not p.moved_gates and p.matched
    assert 600 <= p.flights_per_year <= 1000
    assert p.rate_lo == p.rate_hi == pytest.approx(3.0 * 205 / model)  # identical replications: no spread


def test_gate_share_moves_when_the_rate_alone_misses_the_bound(threat_cfg):
    """Radar up every day: matching 205 legs by the rate alone gives too few flights a year; moving flights to the
    gate the radar does not cover keeps 600 a year and the 205 legs."""
    cfg = threat_cfg
    per_gate = {"gate_madre_de_dios": 1.8, "gate_puno_highlands": 0.2}
    meas = _meas(cfg, per_gate, p_up=1.0)
    p = C.propose(meas, _cal(), cfg)
    assert p.moved_gates and p.matched and p.gate == "gate_madre_de_dios"
    assert p.shares["gate_madre_de_dios"] < 0.8 and sum(p.shares.values()) == pytest.approx(1.0)
    assert p.flights_per_year == pytest.approx(600, rel=0.02)
    eff = {k: v[1] for k, v in C.with_traffic(cfg, p.rate, p.shares).effective_weights()["corridor"].items()}
    legs = 134 * p.flights_per_day * sum(eff[g] * per_gate[g] for g in eff)
    assert legs == pytest.approx(205, rel=0.02)
    # both gates in the radar's cover: no share can do it; the rate stays the fit to the radar's log
    meas = _meas(cfg, {"gate_madre_de_dios": 1.8, "gate_puno_highlands": 1.7}, p_up=1.0)
    p = C.propose(meas, _cal(), cfg)
    assert not p.matched and not p.moved_gates and p.flights_per_year < 600
    assert p.rate == round(3.0 * 205 / (134 * 4.8 * meas.legs[0].sum() / meas.flights[0].sum()), 2)
    assert any("no share of gate_madre_de_dios does it" in line for line in p.lines)


# ------------------------------------------------------------------------------------------
# bad input: one line, exit 2, nothing written
def _scenario(tmp_path, text):
    p = tmp_path / "s.toml"
    p.write_text('extends = "peru"\n' + text)
    return p


TARGET = ('{ id = "x", kind = "radar_legs", role = "fit", start = "%s", end = "%s", legs = 10, source = "S06", '
          'confidence = "sourced" }')


@pytest.mark.parametrize("text,needle", [
    ("[calibration]\ntargets = [%s]\n" % (TARGET % ("2015-05-10", "2015-05-01")),
     "calibration.targets[0].end = '2015-05-01': must be after start (2015-05-10)"),
    ("[calibration]\ntargets = [%s]\n" % (TARGET % ("2015-05-10", "2016-08-01")),
     "calibration.targets[0].end = '2016-08-01': must lie within 366 days (one year) of the earliest start"),
    ("[calibration]\ntargets = [%s]\n" % (TARGET % ("2015-05-10", "2015-13-01")),
     "calibration.targets[0].end = '2015-13-01': must be a date"),
    ("[calibration]\nradar = \"fap_tps70_puerto_maldonadoo\"\n",
     "calibration.radar = 'fap_tps70_puerto_maldonadoo': unknown radar site (did you mean fap_tps70_puerto_maldonado?)"),
    ("[calibration]\nradar = \"fap_tps70_iquitos\"\n", "the site is in no network"),
    ('[calibration]\nadopted = [{ key = "radar.sites.fap_tps70_puerto_maldonado.availability", value = 1.0, '
     'source = "me", confidence = "calibrated" }]\n', "is not a traffic volume or routing key"),
    ('[calibration]\nadopted = [{ key = "threat_timing.formations_per_day_mean", value = 1.0, source = "me", '
     'confidence = "sourced" }]\n', "must be \"calibrated\""),
    ('[calibration]\nadopted = [{ key = "threat_timing.formations_per_day_mean", value = 1.0, source = "me", '
     'confidence = "guessed" }]\n', "must be one of sourced, approximate, placeholder, calibrated"),
    ('[calibration]\nadopted = [{ key = "threat.zones.pe_vraem_core.weight", value = 0.5, source = "me", '
     'confidence = "calibrated" }]\n', "names no corridor zone"),
])
def test_bad_calibration_data(cli, tmp_path, text, needle):
    p = _scenario(tmp_path, text)
    before = sorted(tmp_path.iterdir())
    code, out, err = cli("calibrate", "--scenario", p, "--out", tmp_path / "c.toml")
    assert code == 2 and err.count("\n") == 1 and needle in err and str(p) in err, err
    assert sorted(tmp_path.iterdir()) == before
    assert cli("scenario", "validate", p)[0] == 2  # the same loader refuses it everywhere


@pytest.mark.parametrize("args,needle", [
    (["--radar", "nowhere"], "--radar nowhere: unknown radar site: expected one of fap_tps70_puerto_maldonado"),
    (["--radar", "fap_tps70_pucalpa"], "--radar fap_tps70_pucalpa: unknown radar site (did you mean fap_tps70_pucallpa?)"),
    (["--replications", "0"], "--replications 0: expected a number of replications in [1, 1000]"),
    (["--seed", "-1"], "--seed -1: the seed must be an integer"),
    (["--seed", str(2**63 - 2)], f"--seed {2**63 - 2}: the replications and outage histories use seeds up to SEED+399"),
    (["--out", "c.csv"], "--out c.csv: expected a .toml file name"),
])
def test_bad_calibrate_arguments(cli, tmp_path, args, needle):
    code, out, err = cli("calibrate", "--out", tmp_path / "c.toml", *args)
    assert code == 2 and err.count("\n") == 1 and needle in err, err
    assert not (tmp_path / "c.toml").exists()
