"""Engagement kinematics on synthetic, perfectly tracked straight flights (closed-form oracles).

Contact and identification are played against the true aircraft; most cases use an
interceptor whose only sensor is the pilot's eyes by day (5 km, deterministic) or an EO/IR
turret, so that times have closed forms; the radar's Swerling-1 draws have their own test.
"""
import dataclasses
import math

import numpy as np
import pytest

from radar.frame import Frame
from scenarios.engagement import _kernels as K
from scenarios.config.scenario import load_scenario
from oracles import StraightFlight, synthetic_inputs
from scenarios.engagement.engagement import associate, classify, engage, evaluate, option_arrays, row_state
from scenarios.engagement.truth import peru_mask, truth_arrays
from scenarios.config.interceptors import Detachment, Option, load_interceptor_config
from tolerances import M, S, assert_close

FRAME = Frame()
CFG = load_interceptor_config(load_scenario("peru"))
PM = CFG.bases["puerto_maldonado"]
PM_XY = FRAME.geodetic_to_enu(PM.lat_deg, PM.lon_deg, PM.elevation_m)[:2]
DWELL = CFG.params.dwell_s
#: an interceptor whose only sensor is the pilot's eyes (by day)
EYES = dict(radar_m=0.0, irst_m=0.0, eo_ir="none", pod=None)
DAY = 15 * 3600.0     # 15:00 local at Puerto Maldonado: daylight
NIGHT = 22 * 3600.0   # 22:00 local: night for hours


def one_option(type_id="f16_blk70", base="puerto_maldonado", aircraft=1, alert="qra", oid="test", pod="type",
               seats=2, **type_changes):
    typ = dataclasses.replace(CFG.types[type_id], sortie_availability=1.0, **type_changes)
    delay = CFG.postures_s[alert]
    det = Detachment(type=typ, base=CFG.bases[base], aircraft=aircraft, alert=alert, alert_delay_s=delay,
                     standby_delay_s=max(delay, CFG.postures_s["fighter_standby"]),
                     pod=typ.pod if pod == "type" else pod, crews=aircraft, alert_seats=seats)
    return Option(id=oid, detachments=(det,))


def run(flights, option, params=None, python=False, border=False, picture=None, own_flight=False):
    """Engagements of ``flights`` (their perfect tracks, or ``picture``) by ``option``: (eng, pic, truth, codes).
    own_flight: track i is flight i's (no association by distance)."""
    params = params or CFG.params
    pic, truth, codes = synthetic_inputs(flights, FRAME)
    pic = picture if picture is not None else pic
    sus = classify(pic, codes, params.classify_s)
    rows = row_state(pic, sus, FRAME)
    flight_of = sus.track - 1 if own_flight else associate(sus, rows, truth, params.association_radius_m)
    tr = truth_arrays(truth, flight_of, FRAME)
    opt = option_arrays(option, FRAME, params, seed=1, day=0)
    eng = engage(rows, sus, opt, params, tr, flight_of, peru_mask(FRAME) if border else None, python=python)
    return eng, pic, truth, codes


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
def test_contact_on_the_collision_course_at_the_sensor_range(vx, vy):
    # target 300 km west / 120 km north of Puerto Maldonado, tracked perfectly every 10 s, by day;
    # same height as the base, so climb does not bind.  Eyes only: contact at 5 km.
    x0, y0 = PM_XY[0] - 3.0e5, PM_XY[1] + 1.2e5
    f = StraightFlight(x0=x0, y0=y0, vx=vx, vy=vy, t0=DAY, t1=DAY + 4 * 3600.0, h_m=PM.elevation_m,
                       t_land=DAY + 4 * 3600.0)
    option = one_option(**EYES)
    eng, *_ = run([f], option)
    assert eng.code[0] == K.ENG_IDENTIFIED
    p = CFG.params
    t_air = DAY + p.classify_s + p.decision_delay_s + CFG.postures_s["qra"]
    r = np.array([x0 + vx * (t_air - DAY) - PM_XY[0], y0 + vy * (t_air - DAY) - PM_XY[1]])
    v = np.array([vx, vy])
    vi = option.detachments[0].type.cruise_mps
    a, b, c = v @ v - vi * vi, 2 * r @ v, r @ r
    tau = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)      # |r + v tau| = v_i tau
    # on the collision course the separation shrinks linearly to 0 at tau: 5 km is reached at
    t5 = t_air + tau * (1.0 - p.visual_detect_m / math.hypot(*r))
    assert eng.t_air[0] == pytest.approx(t_air)
    assert t5 - 1e-6 <= eng.t_contact[0] <= t5 + DWELL        # the first dwell inside the envelope
    assert eng.contact_sensor[0] == K.SENSOR_VISUAL
    assert p.visual_detect_m - (vi + math.hypot(vx, vy)) * DWELL <= eng.contact_range[0] <= p.visual_detect_m
    # the interceptor is where its collision course puts it at that time, and the true target within 5 km
    tc = eng.t_contact[0]
    u = (r + v * tau) / np.linalg.norm(r + v * tau)
    assert math.hypot(eng.x[0] - (PM_XY[0] + u[0] * vi * (tc - t_air)), eng.y[0] - (PM_XY[1] + u[1] * vi * (tc - t_air))) < 1.0
    assert math.hypot(eng.x[0] - (x0 + vx * (tc - DAY)), eng.y[0] - (y0 + vy * (tc - DAY))) == pytest.approx(
        eng.contact_range[0], abs=1e-6)


def test_escort_factor_lengthens_identification():
    # an EO/IR turret (8 km by day): contact and the identification clock start together, so the
    # identification takes Phases I + II x max(1, v_min_escort / v_target), on the dwell grid
    option = one_option("a29", alert="turboprop_strip_alert")
    escort = option.detachments[0].type.min_escort_mps       # 200 km/h
    phases = CFG.params.phase_i_s + CFG.params.phase_ii_s
    for speed, factor in ((30.0, escort / 30.0), (70.0, 1.0)):
        f = StraightFlight(x0=PM_XY[0] - 2e5, y0=PM_XY[1], vx=speed, vy=0.0, t0=DAY - 3600, t1=DAY + 3 * 3600.0,
                           h_m=PM.elevation_m, t_land=DAY + 3 * 3600.0)
        eng, *_ = run([f], option)
        assert eng.code[0] == K.ENG_IDENTIFIED and eng.contact_sensor[0] == K.SENSOR_EO_IR
        assert eng.id_sensor[0] == K.SENSOR_EO_IR
        assert eng.t_id[0] - eng.t_contact[0] == pytest.approx(DWELL * math.ceil(phases * factor / DWELL - 1e-9))
    assert escort / 30.0 > 1.5   # the slow case really is stretched


def test_unreachable_target_is_out_of_range():
    option = one_option("a29")
    far = StraightFlight(x0=PM_XY[0] + 1.5e6, y0=PM_XY[1], vx=0.0, vy=70.0, t0=0.0, t1=7200.0, t_land=7200.0)
    runaway = StraightFlight(x0=PM_XY[0] + 1e5, y0=PM_XY[1], vx=160.0, vy=0.0, t0=0.0, t1=7200.0, t_land=7200.0)
    for f in (far, runaway):
        eng, pic, truth, codes = run([f], option)
        assert eng.code[0] == K.ENG_OUT_OF_RANGE and eng.slot[0] == -1
        out = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0, border=False)
        assert list(out.column("outcome")) == ["missed_out_of_range"]


def _stale(turn: bool):
    """A target 120 km west of Puerto Maldonado heading north at 70 m/s, tracked only for its first
    12 min with a 15 km position error (sigma 6 km); it flies on (or turns west 100 s after the last update)."""
    return StraightFlight(x0=PM_XY[0] - 1.2e5, y0=PM_XY[1], vx=0.0, vy=70.0, t0=DAY, t1=DAY + 5 * 3600.0,
                          t_land=DAY + 5 * 3600.0, track_t1=DAY + 720.0, track_dx=1.5e4, sigma_m=6e3,
                          turn_t=DAY + 820.0 if turn else math.inf, turn_vx=-70.0, turn_vy=0.0)


def test_search_finds_the_straight_target_not_the_one_that_turned_away():
    # the A-29 (turret, 8 km by day) reaches the dead-reckoned point of the stale track long after its
    # last update and flies the expanding square there: the target that flew on is found by the
    # search, 15 km from the search centre; the one that turned away is not, however long it searches
    option = one_option("a29", alert="turboprop_strip_alert")
    straight, *_ = run([_stale(False)], option)
    assert straight.searched[0] == 1
    assert straight.t_contact[0] > straight.t_search[0]              # found by the search, not on the way
    assert straight.code[0] == K.ENG_IDENTIFIED
    turned, *_ = run([_stale(True)], option)
    assert turned.searched[0] == 1 and math.isnan(turned.t_contact[0])
    assert turned.code[0] in (K.ENG_LOST_TRACK, K.ENG_TOO_LATE)
    # the search began at the same time and place: only the truth differs
    assert turned.t_search[0] == straight.t_search[0]
    # the search ran until bingo or the target's landing, much longer than the straight case needed
    assert turned.t_done[0] - turned.t_search[0] > 3 * (straight.t_contact[0] - straight.t_search[0])


def test_search_pattern_beats_random_search_on_average():
    # the random-search law P = 1 - exp(-2 R v t / A), kept only as a check of the pattern: targets
    # spread uniformly over a disc of A = pi (40 km)^2 around the reported position, stationary, the
    # track already stale; an eyes-only A-29 on strip alert at the disc's centre.  The expanding square
    # (spacing = 2 R) must do at least as well as random search, and no better than sweeping 2 R v t
    # of new ground every second (the definite-range bound).
    rng = np.random.default_rng(5)
    n, ra = 240, 40e3
    rad = ra * np.sqrt(rng.uniform(0, 1, n))
    ang = rng.uniform(0, 2 * np.pi, n)
    flights = [StraightFlight(x0=PM_XY[0] + r_ * math.cos(a_), y0=PM_XY[1] + r_ * math.sin(a_), vx=0.0, vy=0.0,
                              t0=DAY - 600.0, t1=DAY + 6 * 3600.0, h_m=PM.elevation_m, track_t1=DAY - 300.0,
                              track_dx=-r_ * math.cos(a_), track_dy=-r_ * math.sin(a_), t_land=DAY + 6 * 3600.0,
                              sigma_m=2e4) for r_, a_ in zip(rad, ang)]
    option = one_option("a29", alert="turboprop_strip_alert", **EYES)
    found = np.full(n, np.inf)
    for i, f in enumerate(flights):       # one at a time (together, each would retask the previous sortie)
        eng, *_ = run([f], option)
        # airborne on the reported position (the dead-reckoned point of a stationary report): the search
        # starts at once, unless the aircraft is already within sight
        assert eng.searched[0] == 1 or eng.t_contact[0] == eng.t_air[0]
        if np.isfinite(eng.t_contact[0]):
            found[i] = eng.t_contact[0] - eng.t_air[0]
    r_eye = CFG.params.visual_detect_m
    v = CFG.types["a29"].cruise_mps
    area = math.pi * ra * ra
    for t in (300.0, 900.0, 1800.0, 2700.0):
        frac = float(np.mean(found <= t))
        sd = math.sqrt(0.25 / n)
        random_law = 1.0 - math.exp(-2 * r_eye * v * t / area)
        bound = min(1.0, (math.pi * r_eye ** 2 + 2 * r_eye * v * t) / area)
        assert random_law - 3 * sd <= frac <= bound + 3 * sd, (t, frac, random_law, bound)
    assert np.mean(found <= 2700.0) > 1.0 - math.exp(-2 * r_eye * v * 2700.0 / area) + 0.05   # really better


def test_contact_needs_the_true_target_in_the_radar_envelope_swerling_per_dwell():
    # the radar's detection is a draw per dwell: against truth, the contact ranges of many independent
    # engagements (different flights, same geometry) spread as Swerling 1 says, and never beyond 4 R
    rcs = 2.0
    r50 = CFG.types["f16_blk70"].radar_m * CFG.params.clutter_factor * (rcs / CFG.params.radar_ref_rcs_m2) ** 0.25
    flights = [StraightFlight(x0=PM_XY[0] - 3e5, y0=PM_XY[1] + 1e4 * i, vx=70.0, vy=0.0, t0=DAY, t1=DAY + 4 * 3600.0,
                              h_m=PM.elevation_m, t_land=DAY + 4 * 3600.0, rcs_m2=rcs) for i in range(60)]
    option = one_option(aircraft=60, seats=60, irst_m=0.0, eo_ir="none", pod=None)
    eng, *_ = run(flights, option)
    assert np.all(eng.contact_sensor == K.SENSOR_RADAR)
    r = eng.contact_range
    assert np.all(r <= 4 * r50)
    # the median first-detection range lies beyond R_50 (several dwells each with Pd >= 0.5 inside it)
    # and not far beyond it: Swerling 1 with Pd(R_50) = 0.5 per dwell
    assert r50 < np.median(r) < 2.0 * r50


def test_two_flights_one_aircraft():
    option = one_option("a29", alert="turboprop_strip_alert", aircraft=1)
    flights = [StraightFlight(x0=PM_XY[0] - 1e5, y0=PM_XY[1] + dy, vx=70.0, vy=0.0, t0=DAY, t1=DAY + 5400.0,
                              t_land=DAY + 5400.0) for dy in (0.0, 3e4)]
    eng, pic, truth, codes = run(flights, option)
    assert sorted(eng.code.tolist()) == [K.ENG_NO_AIRCRAFT, K.ENG_IDENTIFIED]
    out = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0, border=False)
    assert sorted(out.column("outcome")) == ["identified_airborne", "no_aircraft_available"]
    # with two aircraft both are served
    eng2, *_ = run(flights, one_option("a29", alert="turboprop_strip_alert", aircraft=2))
    assert eng2.code.tolist() == [K.ENG_IDENTIFIED, K.ENG_IDENTIFIED]


def test_night_identification_needs_a_pod_or_turret_irst_only_cues():
    f = StraightFlight(x0=PM_XY[0] - 1e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=NIGHT, t1=NIGHT + 7200,
                       t_land=NIGHT + 7200)
    # the A-29's turret identifies at night
    eng, *_ = run([f], one_option("a29", alert="turboprop_strip_alert"))
    assert eng.code[0] == K.ENG_IDENTIFIED and eng.night[0] == 1 and eng.id_sensor[0] == K.SENSOR_EO_IR
    # the Gripen's radar and IRST find it, but nothing can read the registration at night
    gripen = one_option("gripen_ef")
    eng, pic, truth, codes = run([f], gripen)
    assert eng.contact_sensor[0] in (K.SENSOR_RADAR, K.SENSOR_EO_IR) and eng.code[0] == K.ENG_NO_ID_NIGHT
    out = evaluate({"military": pic}, truth, codes, [gripen], CFG.params, FRAME, 1, 0, border=False)
    assert list(out.column("outcome")) == ["intercepted_late"]
    # the same Gripen with a Litening pod identifies it
    eng, *_ = run([f], one_option("gripen_ef", pod=CFG.pods["litening"]))
    assert eng.code[0] == K.ENG_IDENTIFIED and eng.id_sensor[0] == K.SENSOR_EO_IR and eng.night[0] == 1
    # the same flight by day: the pilot's eyes read the registration at the Phase I station
    g = dataclasses.replace(f, t0=DAY, t1=DAY + 7200, t_land=DAY + 7200)
    eng, *_ = run([g], gripen)
    assert eng.code[0] == K.ENG_IDENTIFIED and eng.id_sensor[0] == K.SENSOR_VISUAL and eng.night[0] == 0


def test_cue_age_counts_from_the_observation_time():
    # a cross-told report, 12 km off the aircraft (sigma 6 km), re-written every 10 s.  Taken as fresh, the
    # interceptor keeps to the reported position and never meets the aircraft while the report lasts; 10 min
    # old (its observation time), the track is stale: on the dead-reckoned point the interceptor flies the
    # search pattern and finds it
    base = dict(x0=PM_XY[0] - 1.5e5, y0=PM_XY[1], vx=0.0, vy=70.0, t0=DAY, t1=DAY + 3 * 3600.0,
                t_land=DAY + 3 * 3600.0, status=2, sigma_m=6000.0, track_dx=1.2e4)
    option = one_option("a29", alert="turboprop_strip_alert")
    fresh, *_ = run([StraightFlight(**base)], option)
    cued, *_ = run([StraightFlight(obs_lag_s=600.0, **base)], option)
    assert fresh.searched[0] == 0 or fresh.t_search[0] >= DAY + 3 * 3600.0
    assert math.isnan(fresh.t_contact[0])
    assert cued.searched[0] == 1 and cued.t_search[0] < DAY + 3600.0
    assert cued.code[0] == K.ENG_IDENTIFIED and cued.t_contact[0] > cued.t_search[0]
    # the same point is flown to either way (guidance on the report predicted to now)
    assert fresh.t_air[0] == cued.t_air[0]


def test_kernel_matches_python_oracle():
    rng = np.random.default_rng(11)
    flights = []
    for i in range(25):
        ang = rng.uniform(0, 2 * np.pi)
        t0 = rng.uniform(0, 20 * 3600)
        dur = rng.uniform(1800, 7200)
        flights.append(StraightFlight(x0=PM_XY[0] + rng.uniform(-4e5, 0), y0=PM_XY[1] + rng.uniform(-4e5, 4e5),
                                      vx=70 * np.cos(ang), vy=70 * np.sin(ang), t0=t0, t1=t0 + dur,
                                      track_t1=t0 + rng.uniform(400, dur), sigma_m=rng.uniform(50, 3000),
                                      track_dx=rng.normal(0, 3000), t_land=t0 + dur))
    option = CFG.options["f16_qra_puerto_maldonado"]
    a, *_ = run(flights, option, border=True)
    b, *_ = run(flights, option, python=True, border=True)
    assert_engagements_agree(a, b, ("code", "slot", "t_air", "t_contact", "t_id", "x", "y", "hours", "searched",
                                    "contact_sensor", "contact_range", "id_x", "id_y", "endgame", "night"))
    assert len(set(a.code.tolist())) >= 3   # the case exercises several branches
    assert np.all(a.hours >= 0.0) and np.all(np.isnan(a.t_air) | (a.retask_of >= 0) | (a.t_air >= a.t_order))


def assert_engagements_agree(a, b, names):
    """Kernel vs Python oracle (the same code under Numba and under CPython): outcomes, slots and flags exactly,
    times to 1e-6 s, positions to 1e-6 m, flight hours to 1e-6 s.  The two agree to rounding, not to the bit
    (CPython's math.hypot is not libm's); the discrete results follow from comparisons of times and distances
    that only a value within rounding of its threshold could flip, so they are compared exactly."""
    for name in names:
        got, want = getattr(a, name), getattr(b, name)
        if name in ("code", "slot", "searched", "retask_of", "contact_sensor", "id_sensor", "endgame", "night"):
            np.testing.assert_array_equal(got, want, err_msg=name)
        elif name in ("x", "y", "id_x", "id_y", "contact_range"):
            assert_close(got, want, atol=M, what=name)  # m
        elif name == "hours":
            assert_close(got, want, atol=S / 3600.0, what=name)  # h
        else:
            assert_close(got, want, atol=S, what=name)  # s


def test_one_noisy_update_does_not_abort_but_a_persistent_runaway_does():
    # eyes-only F-16 QRA at Puerto Maldonado airborne at DAY + 1500 s; target 200 km west heading east
    option = one_option(**EYES)
    f = StraightFlight(x0=PM_XY[0] - 2e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=DAY, t1=DAY + 7200.0, t_land=DAY + 7200.0)
    pic, truth, codes = synthetic_inputs([f], FRAME)
    clean, *_ = run([f], option)
    assert clean.code[0] == K.ENG_IDENTIFIED and clean.t_contact[0] > DAY + 1600.0
    # one update at 1600 s claims the target runs west at 400 m/s (infeasible for a 250 m/s cruise)
    glitch = dataclasses.replace(pic, vx_mps=np.where(pic.time_s == DAY + 1600.0, -400.0, pic.vx_mps))
    g, *_ = run([f], option, picture=glitch)
    assert g.code[0] == K.ENG_IDENTIFIED
    assert abs(g.t_contact[0] - clean.t_contact[0]) < DWELL + 1e-9   # at most one dwell later
    # every update from 1600 s on says so: the sortie aborts after abort_persist_s (60 s)
    runaway = dataclasses.replace(pic, vx_mps=np.where(pic.time_s >= DAY + 1600.0, -400.0, pic.vx_mps))
    r, *_ = run([f], option, picture=runaway)
    assert r.code[0] == K.ENG_OUT_OF_RANGE and r.slot[0] == 0
    # aborted at 1660 s, 160 s after take-off, flown home at cruise: 2 x 160 s of flight at most
    assert 160.0 / 3600 < r.hours[0] <= 320.0 / 3600 + 1e-9


def test_no_identification_over_bolivia():
    # an inbound flight met over Bolivia (west-bound, 250 km east of Puerto Maldonado): the A-29 holds
    # at the border; the identification clock starts only once the aircraft is over Peru
    from radar import geo
    from scenarios.engagement.truth import plane_to_geodetic

    option = one_option("a29", alert="turboprop_strip_alert")
    f = StraightFlight(x0=PM_XY[0] + 2.5e5, y0=PM_XY[1], vx=-70.0, vy=0.0, t0=DAY, t1=DAY + 9000.0,
                       t_land=DAY + 9000.0)
    pic, truth, codes = synthetic_inputs([f], FRAME)
    details = {}
    out = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0, details=details)
    eng = details[(option.id, "military")][0]
    # when the aircraft enters Peru (the outline, on a 1 s grid)
    tt = np.arange(DAY, DAY + 9000.0, 1.0)
    x, y = f.xy(tt)
    lat, lon = plane_to_geodetic(FRAME, x, y, f.h_m)
    t_in = tt[np.argmax(geo.inside_peru(lat, lon))]
    assert eng.t_contact[0] < t_in                         # met over Bolivia
    phases = (CFG.params.phase_i_s + CFG.params.phase_ii_s)
    assert eng.t_id[0] >= t_in + phases - DWELL
    assert out.column("outcome")[0] == "identified_airborne"
    assert geo.inside_peru(out.column("id_lat")[0], out.column("id_lon")[0])
    # without the border rule the same engagement identifies over Bolivia, earlier
    out2 = evaluate({"military": pic}, truth, codes, [option], CFG.params, FRAME, seed=1, day=0, border=False)
    assert out2.column("t_id_s")[0] < t_in


def test_python_oracle_runs_no_compiled_code():
    import types

    from scenarios.engagement.engagement import _pure_python

    fn = _pure_python(K, "engage_option")
    assert isinstance(fn, types.FunctionType)
    for name in ("_solve", "pip_time", "_latest_row", "_fly", "detect", "truth_at", "uniform", "in_mask"):
        assert isinstance(fn.__globals__[name], types.FunctionType), name


def test_reacquired_track_retasks_the_airborne_interceptor():
    # one target, tracked on [0, 900] s and again from 1500 s (two track ids); the QRA F-16 launched
    # on the first track is still on its way to the dead-reckoned point when the second is ordered
    option = one_option(aircraft=2, **EYES)
    base = dict(x0=PM_XY[0] - 4e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=DAY, t1=DAY + 9000.0, t_land=DAY + 9000.0)
    frag1 = StraightFlight(track_t1=DAY + 900.0, **base)
    frag2 = StraightFlight(track_t0=DAY + 1500.0, **base)
    eng, pic, truth, codes = run([frag1, frag2], option)
    assert eng.code.tolist() == [K.ENG_RETASKED, K.ENG_IDENTIFIED]
    assert eng.slot[0] == eng.slot[1] and eng.retask_of.tolist() == [-1, 0]
    assert eng.t_air[1] == eng.t_air[0] == DAY + 1500.0       # same sortie, same fuel clock
    assert eng.hours[0] == 0.0 and eng.hours[1] > 0.0
    assert eng.searched[1] == 0                               # contact on the fresh track, no search
    # the python oracle agrees
    oracle, *_ = run([frag1, frag2], option, python=True)
    assert_engagements_agree(eng, oracle, ("code", "slot", "t_contact", "t_id", "hours", "retask_of"))
    # two targets flying together (both tracks alive): two launches, no retask
    pair = [StraightFlight(**base), StraightFlight(**dict(base, y0=PM_XY[1] + 1000.0))]
    eng2, *_ = run(pair, option)
    assert eng2.code.tolist() == [K.ENG_IDENTIFIED, K.ENG_IDENTIFIED] and eng2.slot[0] != eng2.slot[1]


def test_retask_before_take_off_keeps_hours_non_negative():
    # the second fragment is ordered while the first sortie is still on the ground (fighter alert
    # 20 min): the retask starts at take-off, never before it
    option = one_option(alert="fighter_alert", aircraft=2, **EYES)
    base = dict(x0=PM_XY[0] - 4e5, y0=PM_XY[1], vx=70.0, vy=0.0, t0=DAY, t1=DAY + 9000.0, t_land=DAY + 9000.0)
    frags = [StraightFlight(track_t1=DAY + 400.0, **base), StraightFlight(track_t0=DAY + 520.0, **base)]
    eng, *_ = run(frags, option)
    assert eng.retask_of.tolist() == [-1, 0]
    assert eng.t_order[1] < eng.t_air[0]                   # ordered before the first one took off
    assert np.all(eng.hours >= 0.0) and eng.hours[1] > 0.0
    assert eng.t_contact[1] > eng.t_air[1]


def test_alert_depth_three_formations_exhaust_a_small_detachment_not_a_large_one():
    # three formations (one aircraft each here) 30 km apart, suspect at the same time, 150 km west of La Joya's
    # fighters: a detachment of 2 holds one alert pair and has nothing for the third; 24 aircraft with
    # 30 crews hold five pairs: all three launch from alert
    from scenarios.config.interceptors import alert_seats

    la = CFG.bases["la_joya"]
    lj = FRAME.geodetic_to_enu(la.lat_deg, la.lon_deg, la.elevation_m)[:2]
    flights = [StraightFlight(x0=lj[0] - 1.5e5, y0=lj[1] + 3e4 * i, vx=0.0, vy=60.0, t0=DAY, t1=DAY + 3 * 3600.0,
                              t_land=DAY + 3 * 3600.0, h_m=1500.0) for i in range(3)]
    small = one_option("gripen_ef", base="la_joya", alert="fighter_alert", aircraft=2,
                       seats=alert_seats(2, CFG.params), **EYES)
    large = one_option("gripen_ef", base="la_joya", alert="fighter_alert", aircraft=24,
                       seats=alert_seats(30, CFG.params), **EYES)
    assert alert_seats(2, CFG.params) == 2 and alert_seats(30, CFG.params) == 10
    e_small, *_ = run(flights, small)
    e_large, *_ = run(flights, large)
    alert = CFG.postures_s["fighter_alert"]
    assert sorted(e_small.code.tolist()) == [K.ENG_NO_AIRCRAFT, K.ENG_IDENTIFIED, K.ENG_IDENTIFIED]
    assert e_large.code.tolist() == [K.ENG_IDENTIFIED] * 3
    assert np.all(e_large.t_air - e_large.t_order == alert)
    # 24 aircraft that hold only one pair (crews for one seat) launch the third from standby, an hour later
    thin = one_option("gripen_ef", base="la_joya", alert="fighter_alert", aircraft=24, seats=2, **EYES)
    e_thin, *_ = run(flights, thin)
    delays = sorted((e_thin.t_air - e_thin.t_order).tolist())
    assert delays == [alert, alert, CFG.postures_s["fighter_standby"]]
