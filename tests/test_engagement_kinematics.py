"""Engagement kinematics on synthetic, perfectly tracked straight flights (closed-form oracles)."""
import dataclasses
import math

import numpy as np
import pytest

from radar.frame import Frame
from scenarios.engagement import _kernels as K
from scenarios.config.scenario import load_scenario
from oracles import StraightFlight, synthetic_inputs
from scenarios.engagement.engagement import classify, engage, evaluate, option_arrays, row_state
from scenarios.config.interceptors import Detachment, Option, load_interceptor_config
from tolerances import M, S, assert_close

FRAME = Frame()
CFG = load_interceptor_config(load_scenario("peru"))
PM = CFG.bases["puerto_maldonado"]
PM_XY = FRAME.geodetic_to_enu(PM.lat_deg, PM.lon_deg, PM.elevation_m)[:2]


def one_option(type_id="f16_blk70", base="puerto_maldonado", aircraft=1, alert="qra", oid="test", **type_changes):
    typ = dataclasses.replace(CFG.types[type_id], sortie_availability=1.0, **type_changes)
    delay = CFG.postures_s[alert]
    det = Detachment(type=typ, base=CFG.bases[base], aircraft=aircraft, alert=alert, alert_delay_s=delay,
                     standby_delay_s=max(delay, CFG.postures_s["fighter_standby"]))
    return Option(id=oid, detachments=(det,))


def run(flights, option, params=None, python=False):
    params = params or CFG.params
    pic, truth, codes = synthetic_inputs(flights, FRAME)
    sus = classify(pic, codes, params.classify_s)
    rows = row_state(pic, sus, FRAME)
    opt = option_arrays(option, FRAME, params, seed=1, day=0, n_uniforms=64)
    return engage(rows, sus, opt, params, python=python), pic, truth, codes


def test_pip_time_matches_closed_form_and_brute_force():
    rng = np.random.default_rng(3)
    for _ in range(100):
        d = rng.uniform(-4e5, 4e5, 2)
        v = rng.uniform(-120, 120, 2)
        vi = rng.uniform(180, 300)   # faster than any target here: a < 0
        tau = K.pip_time(d[0], d[1], v[0], v[1], vi)
        # closed form: the positive root of (|v|^2 - vi^2) tau^2 + 2 d.v tau + |d|^2 = 0
        a, b, c = v @ v - vi * vi, 2 * d @ v, d @ d
        ref = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)
        assert tau == pytest.approx(ref, rel=1e-9)
        # brute force: first time on a 0.01 s grid where the interceptor disc covers the target
        grid = np.arange(0.0, tau * 1.01 + 1, 0.01)
        reach = np.linalg.norm(d[None] + v[None] * grid[:, None], axis=1) <= vi * grid
        assert abs(grid[np.argmax(reach)] - tau) <= 0.011
        # the same function under CPython (its math module, not Numba's libm calls): equal to rounding
        assert K.pip_time.py_func(d[0], d[1], v[0], v[1], vi) == pytest.approx(tau, rel=0, abs=S)
    # target faster than the interceptor and running away: no solution
    assert K.pip_time(1e5, 0.0, 300.0, 0.0, 250.0) == math.inf
    assert K.pip_time(0.0, 0.0, 50.0, 0.0, 250.0) == 0.0


@pytest.mark.parametrize("vx,vy", [(-70.0, 10.0), (60.0, -40.0), (0.0, 72.0)])
def test_intercept_time_equals_collision_course(vx, vy):
    # target 300 km west / 120 km north of Puerto Maldonado, tracked perfectly every 10 s;
    # same height as the base, so climb does not bind.
    x0, y0 = PM_XY[0] - 3.0e5, PM_XY[1] + 1.2e5
    f = StraightFlight(x0=x0, y0=y0, vx=vx, vy=vy, t0=0.0, t1=4 * 3600.0, h_m=PM.elevation_m, t_land=4 * 3600.0)
    option = one_option()
    eng, *_ = run([f], option)
    assert eng.code[0] == K.ENG_IDENTIFIED
    p = CFG.params
    t_air = 0.0 + p.classify_s + p.decision_delay_s + CFG.postures_s["qra"]
    r = np.array([x0 + vx * t_air - PM_XY[0], y0 + vy * t_air - PM_XY[1]])
    v = np.array([vx, vy])
    vi = option.detachments[0].type.cruise_mps
    a, b, c = v @ v - vi * vi, 2 * r @ v, r @ r
    tau = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)      # |r + v tau| = v_i tau
    assert eng.t_air[0] == pytest.approx(t_air)
    assert abs(eng.t_contact[0] - (t_air + tau)) <= 10.0      # within one update interval
    assert abs(eng.t_contact[0] - (t_air + tau)) <= 0.5       # in fact exact up to the 0.3 s climb term
    # the interceptor meets the target where the target is at that time
    tc = eng.t_contact[0]
    assert math.hypot(eng.x[0] - (x0 + vx * tc), eng.y[0] - (y0 + vy * tc)) < 50.0


def test_escort_factor_lengthens_identification():
    option = one_option()
    escort = option.detachments[0].type.min_escort_mps       # F-16: 370 km/h
    phases = CFG.params.phase_i_s + CFG.params.phase_ii_s
    for speed, factor in ((50.0, escort / 50.0), (150.0, 1.0)):
        f = StraightFlight(x0=PM_XY[0] - 2e5, y0=PM_XY[1], vx=speed, vy=0.0, t0=0.0, t1=3 * 3600.0,
                           h_m=PM.elevation_m, t_land=3 * 3600.0)
        eng, *_ = run([f], option)
        assert eng.code[0] == K.ENG_IDENTIFIED
        assert eng.t_id[0] - eng.t_contact[0] == pytest.approx(phases * factor, abs=1e-6)
    assert escort / 50.0 > 2.0   # the slow case really is stretched


def test_unreachable_target_is_out_of_range():
    option = one_option("a29")
    far = StraightFlight(x0=PM_XY[0] + 1.5e6, y0=PM_XY[1], vx=0.0, vy=70.0, t0=0.0, t1=7200.0, t_land=7200.0)
    runaway = StraightFlight(x0=PM_XY[0] + 1e5, y0=PM_XY[1], vx=160.0, vy=0.0, t0=0.0, t1=7200.0, t_land=7200.0)
    for f in (far, runaway):
        eng, pic, truth, codes = run([f], option)
        assert eng.code[0] == K.ENG_OUT_OF_RANGE and eng.slot[0] == -1
        out = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0)
        assert list(out.column("outcome")) == ["missed_out_of_range"]


@pytest.mark.parametrize("acq_m,expected", [(0.0, "missed_lost_track"), (50_000.0, "identified_airborne")])
def test_lost_track_leads_to_search(acq_m, expected):
    # the track ends 12 min after birth, before the QRA F-16 at Puerto Maldonado is airborne
    # (25 min): it flies to the dead-reckoned point and searches with its own sensor
    option = one_option("f16_blk70", alert="qra", acq_day_m=acq_m, acq_night_m=acq_m)
    f = StraightFlight(x0=PM_XY[0] - 1e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=0.0, t1=5 * 3600.0,
                       track_t1=720.0, t_land=5 * 3600.0)
    eng, pic, truth, codes = run([f], option)
    assert eng.searched[0] == 1
    assert eng.slot[0] == 0
    out = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0)
    assert list(out.column("outcome")) == [expected]
    if acq_m == 0.0:
        assert eng.code[0] == K.ENG_LOST_TRACK and math.isnan(eng.t_contact[0])
    else:
        # acquisition time follows P = 1 - exp(-2 R v t / A) with the option's search uniform
        p = CFG.params
        t_arrive = eng.t_air[0] + 0.0
        u = option_arrays(option, FRAME, p, seed=1, day=0, n_uniforms=64).u_search[0]
        assert eng.t_contact[0] > eng.t_air[0]
        # solve back for the arrival time and check it is where the dead-reckoned target is reachable
        vi = option.detachments[0].type.cruise_mps
        dt_arr = None
        for t_a in np.arange(eng.t_air[0], eng.t_contact[0], 0.01):
            radius = p.search_sigma_factor * 100.0 + p.search_drift_factor * 70.0 * (t_a - 720.0)
            t_found = t_a - math.log1p(-u) * math.pi * radius ** 2 / (2 * acq_m * vi)
            if abs(t_found - eng.t_contact[0]) < 0.05:
                dt_arr = t_a
                break
        assert dt_arr is not None and dt_arr - t_arrive < 300.0


def test_two_flights_one_aircraft():
    option = one_option("a29", alert="turboprop_strip_alert", aircraft=1)
    flights = [StraightFlight(x0=PM_XY[0] - 1e5, y0=PM_XY[1] + dy, vx=70.0, vy=0.0, t0=0.0, t1=5400.0, t_land=5400.0)
               for dy in (0.0, 3e4)]
    eng, pic, truth, codes = run(flights, option)
    assert sorted(eng.code.tolist()) == [K.ENG_NO_AIRCRAFT, K.ENG_IDENTIFIED]
    out = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0)
    assert sorted(out.column("outcome")) == ["identified_airborne", "no_aircraft_available"]
    # with two aircraft both are served
    eng2, *_ = run(flights, one_option("a29", alert="turboprop_strip_alert", aircraft=2))
    assert eng2.code.tolist() == [K.ENG_IDENTIFIED, K.ENG_IDENTIFIED]


def test_night_needs_eoir():
    # 03:00 local at Puerto Maldonado (08:00 UTC, day 0 starts 05:00 UTC): night
    t0 = 3 * 3600.0
    f = StraightFlight(x0=PM_XY[0] - 1e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=t0, t1=t0 + 7200, t_land=t0 + 7200)
    eng, *_ = run([f], one_option("a29", alert="turboprop_strip_alert"))
    assert eng.code[0] == K.ENG_IDENTIFIED
    eng, pic, truth, codes = run([f], one_option("a29", alert="turboprop_strip_alert", has_eoir=False))
    assert eng.code[0] == K.ENG_NO_ID_NIGHT
    out = evaluate({"military": pic}, truth, codes,
                   [one_option("a29", alert="turboprop_strip_alert", has_eoir=False)], CFG.params, FRAME, 1, 0)
    assert list(out.column("outcome")) == ["intercepted_late"]
    # the same flight at 15:00 local: day, no EO/IR needed
    g = dataclasses.replace(f, t0=15 * 3600.0, t1=15 * 3600.0 + 7200, t_land=15 * 3600.0 + 7200)
    eng, *_ = run([g], one_option("a29", alert="turboprop_strip_alert", has_eoir=False))
    assert eng.code[0] == K.ENG_IDENTIFIED


def test_kernel_matches_python_oracle():
    rng = np.random.default_rng(11)
    flights = []
    for i in range(25):
        ang = rng.uniform(0, 2 * np.pi)
        t0 = rng.uniform(0, 20 * 3600)
        dur = rng.uniform(1800, 7200)
        flights.append(StraightFlight(x0=PM_XY[0] + rng.uniform(-4e5, 4e5), y0=PM_XY[1] + rng.uniform(-4e5, 4e5),
                                      vx=70 * np.cos(ang), vy=70 * np.sin(ang), t0=t0, t1=t0 + dur,
                                      track_t1=t0 + rng.uniform(400, dur), sigma_m=rng.uniform(50, 3000),
                                      t_land=t0 + dur))
    option = CFG.options["a29_forward"]
    option = dataclasses.replace(option, detachments=tuple(
        dataclasses.replace(d, aircraft=2) for d in option.detachments))
    a, *_ = run(flights, option)
    b, *_ = run(flights, option, python=True)
    assert_engagements_agree(a, b, ("code", "slot", "t_air", "t_contact", "t_id", "x", "y", "hours", "searched"))
    assert len(set(a.code.tolist())) >= 3   # the case exercises several branches
    assert np.all(a.hours >= 0.0) and np.all(np.isnan(a.t_air) | (a.retask_of >= 0) | (a.t_air >= a.t_order))


def assert_engagements_agree(a, b, names):
    """Kernel vs Python oracle (the same code under Numba and under CPython): outcomes, slots and flags exactly,
    times to 1e-6 s, positions to 1e-6 m, flight hours to 1e-6 s.  The two agree to rounding, not to the bit
    (CPython's math.hypot is not libm's); the discrete results follow from comparisons of times and distances
    that only a value within rounding of its threshold could flip, so they are compared exactly."""
    for name in names:
        got, want = getattr(a, name), getattr(b, name)
        if name in ("code", "slot", "searched", "retask_of"):
            np.testing.assert_array_equal(got, want, err_msg=name)
        elif name in ("x", "y"):
            assert_close(got, want, atol=M, what=name)  # m
        elif name == "hours":
            assert_close(got, want, atol=S / 3600.0, what=name)  # h
        else:
            assert_close(got, want, atol=S, what=name)  # s


def _run_picture(pic, truth, codes, option):
    params = CFG.params
    sus = classify(pic, codes, params.classify_s)
    rows = row_state(pic, sus, FRAME)
    return engage(rows, sus, option_arrays(option, FRAME, params, seed=1, day=0, n_uniforms=64), params)


def test_one_noisy_update_does_not_abort_but_a_persistent_runaway_does():
    # F-16 QRA at Puerto Maldonado airborne at 1500 s; target 200 km west heading east at 70 m/s
    option = one_option()
    f = StraightFlight(x0=PM_XY[0] - 2e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=0.0, t1=7200.0, t_land=7200.0)
    pic, truth, codes = synthetic_inputs([f], FRAME)
    clean = _run_picture(pic, truth, codes, option)
    assert clean.code[0] == K.ENG_IDENTIFIED and clean.t_contact[0] > 1600.0
    # one update at 1600 s claims the target runs west at 400 m/s (infeasible for a 250 m/s cruise)
    glitch = dataclasses.replace(pic, vx_mps=np.where(pic.time_s == 1600.0, -400.0, pic.vx_mps))
    g = _run_picture(glitch, truth, codes, option)
    assert g.code[0] == K.ENG_IDENTIFIED
    assert abs(g.t_contact[0] - clean.t_contact[0]) < 10.0 + 1e-9   # at most one update later
    # every update from 1600 s on says so: the sortie aborts after abort_persist_s (60 s)
    runaway = dataclasses.replace(pic, vx_mps=np.where(pic.time_s >= 1600.0, -400.0, pic.vx_mps))
    r = _run_picture(runaway, truth, codes, option)
    assert r.code[0] == K.ENG_OUT_OF_RANGE and r.slot[0] == 0
    assert r.hours[0] > 0.0
    # aborted at 1660 s, 160 s after take-off, flown home at cruise: 2 x 160 s of flight at most
    assert 160.0 / 3600 < r.hours[0] <= 320.0 / 3600 + 1e-9


def test_inbound_contact_before_the_border_waits_for_it():
    # an inbound flight tracked (and intercepted) in Bolivia: identification only from the border
    option = one_option("a29", alert="turboprop_strip_alert")
    f = StraightFlight(x0=PM_XY[0] + 1.2e5, y0=PM_XY[1], vx=-70.0, vy=0.0, t0=0.0, t1=9000.0,
                       t_border_in=2400.0, t_land=9000.0)
    pic, truth, codes = synthetic_inputs([f], FRAME)
    details = {}
    out = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0, details=details)
    eng = details[(option.id, "military")][0]
    assert eng.t_contact[0] < 2400.0                       # met over Bolivia
    assert out.column("t_intercept_s")[0] == 2400.0        # counted from the border
    phases = (CFG.params.phase_i_s + CFG.params.phase_ii_s) * max(1.0, option.detachments[0].type.min_escort_mps / 70.0)
    assert out.column("t_id_s")[0] == pytest.approx(2400.0 + phases)
    assert out.column("outcome")[0] == "identified_airborne"


def test_python_oracle_runs_no_compiled_code():
    import types

    from scenarios.engagement.engagement import _pure_python

    fn = _pure_python(K, "engage_option")
    assert isinstance(fn, types.FunctionType)
    for name in ("_solve", "pip_time", "_latest_row"):
        assert isinstance(fn.__globals__[name], types.FunctionType), name


def test_reacquired_track_retasks_the_airborne_interceptor():
    # one target, tracked on [0, 900] s and again from 1500 s (two track ids); the QRA F-16 launched
    # on the first track is still on its way to the dead-reckoned point when the second is ordered
    option = one_option(aircraft=2)
    base = dict(x0=PM_XY[0] - 4e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=0.0, t1=9000.0, t_land=9000.0)
    frag1 = StraightFlight(track_t1=900.0, **base)
    frag2 = StraightFlight(track_t0=1500.0, **base)
    pic, truth, codes = synthetic_inputs([frag1, frag2], FRAME)
    eng = _run_picture(pic, truth, codes, option)
    assert eng.code.tolist() == [K.ENG_RETASKED, K.ENG_IDENTIFIED]
    assert eng.slot[0] == eng.slot[1] and eng.retask_of.tolist() == [-1, 0]
    assert eng.t_air[1] == eng.t_air[0] == 1500.0            # same sortie, same fuel clock
    assert eng.hours[0] == 0.0 and eng.hours[1] > 0.0
    assert eng.searched[1] == 0                               # contact on the fresh track, no search
    # the python oracle agrees
    params = CFG.params
    sus = classify(pic, codes, params.classify_s)
    rows = row_state(pic, sus, FRAME)
    oracle = engage(rows, sus, option_arrays(option, FRAME, params, seed=1, day=0, n_uniforms=64), params, python=True)
    assert_engagements_agree(eng, oracle, ("code", "slot", "t_contact", "t_id", "hours", "retask_of"))
    # two targets flying together (both tracks alive): two launches, no retask
    pair = [StraightFlight(**base), StraightFlight(**dict(base, y0=PM_XY[1] + 1000.0))]
    pic2, truth2, codes2 = synthetic_inputs(pair, FRAME)
    eng2 = _run_picture(pic2, truth2, codes2, option)
    assert eng2.code.tolist() == [K.ENG_IDENTIFIED, K.ENG_IDENTIFIED] and eng2.slot[0] != eng2.slot[1]


def test_retask_before_take_off_keeps_hours_non_negative():
    # the second fragment is ordered while the first sortie is still on the ground (fighter alert
    # 20 min): the retask starts at take-off, never before it
    option = one_option(alert="fighter_alert", aircraft=2)
    base = dict(x0=PM_XY[0] - 4e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=0.0, t1=9000.0, t_land=9000.0)
    frags = [StraightFlight(track_t1=400.0, **base), StraightFlight(track_t0=520.0, **base)]
    pic, truth, codes = synthetic_inputs(frags, FRAME)
    eng = _run_picture(pic, truth, codes, option)
    assert eng.retask_of.tolist() == [-1, 0]
    assert eng.t_order[1] < eng.t_air[0]                   # ordered before the first one took off
    assert np.all(eng.hours >= 0.0) and eng.hours[1] > 0.0
    assert eng.t_contact[1] > eng.t_air[1]
