"""The outcome rows of score_flights against a plain per-row reference (the rules written out once more, one
keyword row at a time), value and Python type of every cell, on random engagements."""
import math

import numpy as np

from scenarios.config.interceptors import load_interceptor_config
from scenarios.config.scenario import load_scenario
from scenarios.engagement.engagement import Engagements, FlightTruth, score_flights
from scenarios.engagement.table import (ENDGAME_NAMES, FALSE_SCRAMBLE, KIND_NAMES, LEGS, RANK, SENSOR_NAMES,
                                        OutcomeTable)

CFG = load_interceptor_config(load_scenario("peru"))
_OUTCOME = {0: "no_aircraft_available", 1: "missed_out_of_range", 2: "missed_lost_track", 3: "identified_airborne",
            4: "intercepted_late", 5: "intercepted_late", 6: "missed_lost_track", 7: "missed_too_late",
            8: "intercepted_late"}


def _reference(day, option, picture, eng, flight_of, truth) -> dict:
    cols = {h: [] for h in OutcomeTable.HEADER}
    nan = math.nan
    kinds = truth.kinds()

    def add(**kw):
        for h in OutcomeTable.HEADER:
            cols[h].append(kw.get(h, nan))

    det_base = [d.base.id for d in option.detachments]
    det_type = [d.type.id for d in option.detachments]

    def fields(j):
        d = eng.detachment[j]
        ident = int(eng.code[j]) == 3
        return dict(t_track_s=float(eng.t_first[j]), t_suspect_s=float(eng.t_suspect[j]),
                    t_scramble_s=float(eng.t_order[j]), t_airborne_s=float(eng.t_air[j]),
                    t_contact_s=float(eng.t_contact[j]), t_id_s=float(eng.t_id[j]) if ident else nan,
                    base=det_base[d] if d >= 0 else "", interceptor=det_type[d] if d >= 0 else "",
                    track=int(eng.track[j]), intercept_x_m=float(eng.x[j]), intercept_y_m=float(eng.y[j]),
                    searched=int(eng.searched[j]), contact_sensor=SENSOR_NAMES[int(eng.contact_sensor[j])],
                    contact_true_range_m=float(eng.contact_range[j]),
                    id_sensor=SENSOR_NAMES[int(eng.id_sensor[j])] if ident else "none",
                    id_x_m=float(eng.id_x[j]) if ident else nan, id_y_m=float(eng.id_y[j]) if ident else nan,
                    night=int(eng.night[j]) if d >= 0 else None, endgame=ENDGAME_NAMES[int(eng.endgame[j])])

    per_flight = {}
    for j in range(eng.track.size):
        f = int(flight_of[j])
        if f >= 0 and truth.is_drug[f]:
            per_flight.setdefault(f, []).append(j)
        elif eng.slot[j] >= 0:
            add(day=day, flight=str(truth.id[f]) if f >= 0 else "", option=option.id, mode=picture,
                outcome=FALSE_SCRAMBLE, leg="", flight_hours=float(eng.hours[j]), cost_usd=float(eng.cost_usd[j]),
                false_scramble=1, kind=KIND_NAMES[int(kinds[f])] if f >= 0 else "", identified_inbound=0,
                identified_outbound=0, **fields(j))
    for f in np.flatnonzero(truth.is_drug):
        cands, ident = [], [0, 0]
        land, takeoff = truth.t_land[f], truth.t_takeoff[f]
        js = per_flight.get(int(f), [])
        for j in js:
            c = int(eng.code[j])
            t_c = eng.t_contact[j]
            t_ref = eng.t_id[j] if c == 3 else (t_c if math.isfinite(t_c) else eng.t_suspect[j])
            leg = "outbound" if t_ref >= takeoff else "inbound"
            if c == 3:
                ident[0 if leg == "inbound" else 1] = 1
            cands.append((RANK[_OUTCOME[c]], LEGS.index(leg), j, _OUTCOME[c], leg))
        for li, leg in ((0, "inbound"), (1, "outbound")):
            if (leg == "outbound" and not math.isfinite(takeoff)) or (leg == "inbound" and not math.isfinite(land)):
                continue
            name = "missed_no_track" if truth.leg_detected[f, li] else "missed_no_detection"
            cands.append((RANK[name], LEGS.index(leg), -1, name, leg))
        cands.sort(key=lambda c: (c[0], c[1], c[2]))
        _, _, j, name, leg = cands[0]
        row = dict(day=day, flight=str(truth.id[f]), option=option.id, mode=picture, outcome=name, leg=leg,
                   t_first_plot_s=float(truth.t_first_plot[f]), flight_hours=float(sum(eng.hours[k] for k in js)),
                   cost_usd=float(sum(eng.cost_usd[k] for k in js)), false_scramble=0, base="", interceptor="",
                   track=-1, searched=0, contact_sensor="none", id_sensor="none", night=None, endgame="", kind="drug",
                   identified_inbound=ident[0], identified_outbound=ident[1])
        if j >= 0:
            row.update(fields(j))
        add(**row)
    return cols


def _random_case(rng, n_flights, n_eng, n_det):
    nan = math.nan
    t_land = np.where(rng.random(n_flights) < 0.8, rng.uniform(2e4, 4e4, n_flights), nan)
    t_takeoff = np.where(rng.random(n_flights) < 0.6, t_land + rng.uniform(600, 9000, n_flights), nan)
    truth = FlightTruth(id=np.array([f"D{i:03d}" for i in range(n_flights)]), is_drug=rng.random(n_flights) < 0.5,
                        t_border_in=np.full(n_flights, nan), t_land=t_land, t_takeoff=t_takeoff,
                        t_border_out=np.full(n_flights, nan),
                        t_first_plot=np.where(rng.random(n_flights) < 0.9, rng.uniform(0, 3e4, n_flights), nan),
                        leg_detected=rng.random((n_flights, 2)) < 0.5, position_enu=None,
                        kind=rng.integers(0, 3, n_flights).astype(np.int8))
    code = rng.integers(0, 9, n_eng)
    slot = np.where(code == 0, -1, rng.integers(-1, 6, n_eng))
    det = np.where(slot >= 0, rng.integers(0, n_det, n_eng), -1)
    t_sus = rng.uniform(0, 5e4, n_eng)

    def maybe(x, p=0.5):
        return np.where(rng.random(n_eng) < p, x, nan)

    eng = Engagements(track=rng.integers(0, 500, n_eng), t_first=t_sus - 300, t_suspect=t_sus, t_order=t_sus + 120,
                      first=np.zeros(n_eng, np.int64), end=np.ones(n_eng, np.int64), code=code.astype(np.int8),
                      slot=slot, detachment=det, t_air=maybe(t_sus + 600, 0.8), t_contact=maybe(t_sus + 3000),
                      t_id=maybe(t_sus + 3500), x=maybe(rng.normal(0, 3e5, n_eng)), y=maybe(rng.normal(0, 3e5, n_eng)),
                      hours=rng.uniform(0, 4, n_eng), cost_usd=rng.uniform(0, 3e4, n_eng),
                      searched=rng.integers(0, 2, n_eng).astype(np.int8), t_search=np.full(n_eng, nan),
                      retask_of=np.full(n_eng, -1), source=np.arange(n_eng),
                      contact_sensor=rng.integers(0, 4, n_eng).astype(np.int8),
                      contact_range=maybe(rng.uniform(0, 3e4, n_eng)),
                      id_sensor=rng.integers(0, 4, n_eng).astype(np.int8), id_x=rng.normal(0, 3e5, n_eng),
                      id_y=rng.normal(0, 3e5, n_eng), night=rng.integers(0, 2, n_eng).astype(np.int8),
                      endgame=rng.integers(0, 5, n_eng).astype(np.int8), flight=rng.integers(-1, n_flights, n_eng))
    return eng, truth


def _cells(cols: dict) -> dict:
    return {h: [(type(v).__name__, repr(v)) for v in cols[h]] for h in OutcomeTable.HEADER}


def test_score_rows_equal_the_reference_value_and_type():
    rng = np.random.default_rng(11)
    options = list(CFG.options.values())
    n_rows = 0
    for case in range(300):
        option = options[case % len(options)]
        n_flights = int(rng.integers(1, 8))
        eng, truth = _random_case(rng, n_flights, int(rng.integers(0, 12)), len(option.detachments))
        # a drug flight without a leg (neither landed nor took off) is not a case the model makes
        ok = ~truth.is_drug | np.isfinite(truth.t_land) | np.isfinite(truth.t_takeoff)
        if not ok.all():
            continue
        got = score_flights(case, option, "integrated", eng, eng.flight, truth).columns
        want = _reference(case, option, "integrated", eng, eng.flight, truth)
        assert _cells(got) == _cells(want), case
        n_rows += len(want["outcome"])
    assert n_rows > 500
