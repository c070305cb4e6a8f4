"""The day adapter's truth samples, cached per flight on the day's trajectories (every network of a study day
asks for them), against the direct computation of the flights asked for, bit for bit."""
import dataclasses
import math

import numpy as np

from radar.frame import Frame, geodetic_to_ecef
from scenarios.engagement.truth import TruthArrays, flight_truth_from_day, sample_grid, truth_arrays
from scenarios.flights.trajectory import (AIRBORNE_PHASES, PHASE_CRUISE, PHASE_GROUND, PHASE_INBOUND, PHASE_OUTBOUND,
                                          Trajectories, evaluate_many)

FRAME = Frame()


class _Flights:
    def __init__(self, n):
        self.id = np.array([f"F{i}" for i in range(n)])
        self.is_drug = np.arange(n) % 2 == 0
        self.t_land = np.full(n, np.nan)
        self.t_takeoff = np.full(n, np.nan)
        self.t_border_in = np.full(n, np.nan)
        self.t_border_out = np.where(self.is_drug, 40_000.0, np.nan)
        self.kind = np.where(self.is_drug, 0, 1).astype(np.int8)
        self.rcs_m2 = np.linspace(1.0, 5.0, n)

    def __len__(self):
        return self.id.size


class _Day:
    """The parts of a simulated day (scenarios.simulation.day.Day) that flight_truth_from_day reads."""

    def __init__(self, traj, n):
        self.trajectories = traj
        self.flights = _Flights(n)
        self.plots = type("Plots", (), {"truth": np.zeros(0, np.int64), "time_s": np.zeros(0)})()
        self.frame = FRAME


def _trajectories() -> Trajectories:
    """Seven flights over Peru: long and short, one airborne for a single truth sample, one on the ground between
    two legs, crossing dawn and dusk (the night flags change along them)."""
    rows = []   # (t, lat, lon, h, phase) per waypoint, per flight
    rows.append([(3_600.0, -12.0, -70.0, 3_000.0, PHASE_INBOUND), (30_000.0, -9.0, -74.0, 3_000.0, PHASE_INBOUND)])
    rows.append([(40_000.0, -11.0, -71.0, 500.0, PHASE_CRUISE), (80_000.0, -6.0, -77.0, 9_000.0, PHASE_CRUISE)])
    rows.append([(1_000.0, -13.0, -69.0, 300.0, PHASE_INBOUND), (5_000.0, -12.5, -70.0, 0.0, PHASE_GROUND),
                 (9_000.0, -12.5, -70.0, 0.0, PHASE_OUTBOUND), (20_000.0, -14.0, -69.0, 2_000.0, PHASE_OUTBOUND)])
    rows.append([(12_345.0, -10.0, -72.0, 1_000.0, PHASE_CRUISE), (12_352.0, -10.01, -72.0, 1_000.0, PHASE_CRUISE)])
    rows.append([(50_005.0, -8.0, -75.0, 4_000.0, PHASE_CRUISE), (50_021.0, -8.1, -75.0, 4_000.0, PHASE_CRUISE)])
    rows.append([(60_000.0, -5.0, -78.0, 6_000.0, PHASE_CRUISE), (86_000.0, -15.0, -70.0, 6_000.0, PHASE_CRUISE)])
    rows.append([(20_000.0, -9.5, -73.0, 2_500.0, PHASE_INBOUND), (26_000.0, -9.0, -74.5, 2_500.0, PHASE_INBOUND)])
    offs = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    w = np.array([p for r in rows for p in r], float)
    return Trajectories(offs, w[:, 0].copy(), np.radians(w[:, 1]), np.radians(w[:, 2]), w[:, 3].copy(),
                        w[:, 4].astype(np.int8))


def _direct_sample(traj, frame):
    """FlightTruth.sample as one batch of exactly the flights asked for (no cache)."""
    def sample(which, dt):
        which = np.asarray(which, np.int64)
        start, end = traj.time_span()
        grids = [sample_grid(start[f], end[f], dt) for f in which]
        sizes = np.array([g.size for g in grids], np.int64)
        offs = np.zeros(which.size + 1, np.int64)
        np.cumsum(sizes, out=offs[1:])
        xy = np.full((int(offs[-1]), 2), np.nan)
        latlon = np.full((int(offs[-1]), 2), np.nan)
        if offs[-1]:
            lat, lon, h, _v, ph = evaluate_many(traj, np.repeat(which, sizes), np.concatenate(grids))
            ok = np.isin(ph, AIRBORNE_PHASES) & np.isfinite(lat)
            if ok.any():
                latlon[ok] = np.column_stack([np.degrees(lat[ok]), np.degrees(lon[ok])])
                xy[ok] = frame.ecef_to_enu(geodetic_to_ecef(latlon[ok, 0], latlon[ok, 1], h[ok]))[:, :2]
        t0 = np.array([g[0] if g.size else 0.0 for g in grids], float)
        return offs, t0, xy, latlon
    return sample


def _same(a: TruthArrays, b: TruthArrays):
    for f in dataclasses.fields(TruthArrays):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), f.name
        else:
            assert x == y, f.name


def test_cached_truth_samples_equal_the_direct_batch_bit_for_bit():
    traj = _trajectories()
    day = _Day(traj, traj.n_flights)
    # the flight sets of successive networks of one day: overlapping, single flights (a one-sample batch too:
    # flight 3 is airborne for one 10 s tick), all of them, none
    sets = [[0, 2], [2, 3, 5], [3], [4], [1, 4, 6], [0, 1, 2, 3, 4, 5, 6], [], [6, 6, -1, 2]]
    for flights in sets:
        truth = flight_truth_from_day(day)   # a new adapter per network: the cache lives on the trajectories
        direct = dataclasses.replace(truth, sample=_direct_sample(traj, FRAME), sample_night=None)
        got, want = truth_arrays(truth, flights, FRAME), truth_arrays(direct, flights, FRAME)
        _same(got, want)
    # the flags do change along these flights (the test would not see a wrong night otherwise)
    every = truth_arrays(flight_truth_from_day(day), np.arange(traj.n_flights), FRAME)
    assert 0 < every.night.sum() < np.isfinite(every.x).sum()
    assert np.isfinite(every.x).sum() < every.x.size   # and some samples are on the ground
    one = truth_arrays(flight_truth_from_day(day), [3], FRAME)
    assert np.isfinite(one.x).sum() == 1


def test_truth_local_indices():
    truth = flight_truth_from_day(_Day(_trajectories(), 7))
    tr = truth_arrays(truth, [4, 1, 3], FRAME)
    assert tr.flights.tolist() == [1, 3, 4]
    assert tr.local(np.array([3, -1, 4, 0, 1, 7], np.int64)).tolist() == [1, -1, 2, -1, 0, -1]
    assert tr.local(np.zeros(0, np.int64)).dtype == np.int64
    assert math.isinf(tr.exit[0]) and tr.exit[2] == 40_000.0   # flight 1: not drug; flight 4 leaves at 40,000 s
