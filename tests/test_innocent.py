"""Innocent traffic: legitimate non-cooperative general aviation, generated, scrambled on and counted."""
import copy
import dataclasses
import math

import numpy as np
import pytest

from radar import geo
from radar.errors import InputError
from radar.frame import Frame
from oracles import StraightFlight, synthetic_inputs
from scenarios.config.innocent import load_innocent
from scenarios.config.interceptors import load_interceptor_config
from scenarios.config.scenario import build_scenario, load_scenario
from scenarios.engagement.engagement import evaluate
from scenarios.flights.innocent import generate_innocent
from scenarios.flights.trajectory import KIND_INNOCENT, PHASE_CRUISE
from scenarios.study.scores import how_identified, table
from scenarios.study.spec import RESULT_COLUMNS

PERU = load_scenario("peru")
FRAME = Frame()
CFG = load_interceptor_config(PERU)


class FlatTerrain:
    def __call__(self, lat, lon):
        return np.full(np.shape(lat), 200.0)


def test_generation_follows_the_placeholders():
    cfg = load_innocent(PERU)
    assert cfg.flights_per_day == 2.0 and [z.id for z in cfg.zones] == ["iquitos", "pucallpa", "puerto_maldonado",
                                                                       "atalaya"]
    counts, n_total = [], 0
    for day in range(60):
        traj, fl, uids = generate_innocent(cfg, FlatTerrain(), seed=3, day=day)
        counts.append(len(fl))
        n_total += len(fl)
        assert np.all(fl.kind == KIND_INNOCENT) and np.all(fl.is_innocent) and not fl.is_drug.any()
        assert not fl.transponder_on.any() and not fl.flight_plan_filed.any() and np.all(fl.squawk == -1)
        assert all(i.startswith(f"d{day}-ga") for i in fl.id) and len(set(fl.id)) == len(fl)
        assert np.all(uids >= 2_000_000) and len(set(uids.tolist())) == len(fl)
        for f in range(traj.n_flights):
            w = traj.flight(f)
            assert np.all(w["phase"] == PHASE_CRUISE)
            # low level (200 m flat terrain + AGL in [150, 600]) by day (07:00-16:00 departures)
            assert np.all((w["h_m"] >= 350.0 - 1e-6) & (w["h_m"] <= 800.0 + 1e-6))
            assert 7 * 3600 <= w["t_s"][0] - day * 86400.0 <= 16 * 3600
            # from the zone's airfield to a destination inside Peru and the zone
            z = next(z for z in cfg.zones if z.id == fl.departure_zone[f])
            assert w["lat_deg"][0] == pytest.approx(z.lat_deg) and w["lon_deg"][0] == pytest.approx(z.lon_deg)
            assert bool(geo.inside_peru(w["lat_deg"][-1], w["lon_deg"][-1]))
            speed = fl.speed_mps[f] * 3.6
            assert 180.0 <= speed <= 260.0
    # Poisson(2) a day
    assert abs(np.mean(counts) - 2.0) < 4 * math.sqrt(2.0 / 60)
    # the same (seed, day) gives the same flights
    a = generate_innocent(cfg, FlatTerrain(), seed=3, day=5)[1]
    b = generate_innocent(cfg, FlatTerrain(), seed=3, day=5)[1]
    assert list(a.id) == list(b.id) and np.array_equal(a.t_depart, b.t_depart)


def test_innocent_traffic_does_not_change_the_other_flights():
    from scenarios.simulation.day import prepare, simulate_traffic

    ctx = prepare("peru", "peru")
    with_inn = simulate_traffic(ctx, seed=2, day=1)
    ctx.innocent = dataclasses.replace(ctx.innocent, flights_per_day=0.0)
    without = simulate_traffic(ctx, seed=2, day=1)
    n = len(without.flights)
    assert len(with_inn.flights) == n + int(with_inn.flights.is_innocent.sum())
    assert list(with_inn.flights.id[:n]) == list(without.flights.id)
    assert np.array_equal(with_inn.trajectories.t_s[:without.trajectories.t_s.size], without.trajectories.t_s)


def test_an_intercepted_innocent_aircraft_is_counted_per_option_and_picture():
    # a silent general-aviation flight near Puerto Maldonado at 10:00 looks like a drug flight: the A-29s are
    # scrambled, meet it and read its registration (then break away); the row names it and says innocent
    pm = CFG.bases["puerto_maldonado"]
    x, y = FRAME.geodetic_to_enu(pm.lat_deg, pm.lon_deg, pm.elevation_m)[:2]
    ga = StraightFlight(x0=x - 8e4, y0=y, vx=-60.0, vy=0.0, t0=10 * 3600.0, t1=10 * 3600.0 + 5400, is_drug=False,
                        kind=2)
    pic, truth, codes = synthetic_inputs([ga], FRAME)
    out = evaluate({"military": pic, "integrated": dataclasses.replace(pic, name="integrated")}, truth, codes,
                   [CFG.options["a29_forward"]], CFG.params, FRAME, seed=1, day=0)
    assert list(out.column("outcome")) == ["false_scramble"] * 2
    assert list(out.column("kind")) == ["innocent"] * 2 and list(out.column("flight")) == ["0", "0"]
    assert all(np.isfinite(out.column("t_contact_s"))) and all(np.isfinite(out.column("t_id_s")))
    assert list(out.column("endgame")) == ["", ""]            # broken away from: no end-game
    rows = [tuple([r[0]] + r[1:]) for r in out.rows()]
    # as study rows (network, day, seq + the outcome columns): one innocent intercept per picture in 1 day
    cols = list(out.HEADER)
    res_rows = [("peru", 0, i) + tuple(r[cols.index(c)] for c in RESULT_COLUMNS[3:]) for i, r in enumerate(rows)]
    res = table(res_rows, RESULT_COLUMNS)
    how = {h.picture: h for h in how_identified(res, {"peru": 30})}
    for mode in ("military", "integrated"):
        assert how[mode].innocent_scrambles_per_30d == 1.0 and how[mode].innocent_intercepts_per_30d == 1.0
        assert how[mode].innocent_identified_per_30d == 1.0


@pytest.mark.parametrize("mutate,needle", [
    (lambda t: t.update(flights_per_day=-1), "innocent_traffic.flights_per_day = -1: must be >= 0"),
    (lambda t: t["zones"][0].update(radius_km=0), "innocent_traffic.zones[0].radius_km = 0: must be > 0"),
    (lambda t: t.update(tas_kmh_range=[260, 180]), "innocent_traffic.tas_kmh_range = [260, 180]: must be [min, max]"),
    (lambda t: t.update(zones=[]), "innocent_traffic.zones = []: must list at least one zone"),
    (lambda t: t.update(color="red"), "innocent_traffic.color"),
])
def test_bad_innocent_input_is_one_line(mutate, needle):
    raw = copy.deepcopy(PERU.raw)
    mutate(raw["innocent_traffic"])
    with pytest.raises(InputError) as exc:
        build_scenario(raw, name="t", file="t.toml")
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("t.toml: ") and needle in msg
