"""Tracker benchmarks: ours (Numba) vs a per-track FilterPy + SciPy GNN baseline, in the same run.

Run:  pytest benches/bench_tracker.py -q -s            (full sizes; prints the table)
      AIRBRIDGE_BENCH_QUICK=1 pytest benches/bench_tracker.py -q -s --benchmark-disable

The baseline is the textbook tracker written plainly (it is also the reference of the quality
test in tests/test_tracker_quality.py): one FilterPy ``KalmanFilter`` per track, CV model with
``Q_discrete_white_noise`` (q = 2 m/s^2), chi^2 gate 16, SciPy ``linear_sum_assignment`` per
scan, confirm after 3 hits, delete after 3 misses, two-point initiation (v_max 300 m/s).

Sizes (targets, false plots per scan, area side): (200, 50, 800 km), (1,000, 200, 800 km),
(5,000, 1,000, 1,789 km) -- the last keeps the density of the second (5x the area).
Budgets (README, Performance), printed as ratios: CV >= 1,000,000 plots/s at 1,000 targets and >= 100x
the baseline at 200; IMM >= 300,000 plots/s; per-plot cost at 5,000 <= 2x that at 200; one
drug flight's picture <= 1 ms.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest

from benches.conftest import report

QUICK = os.environ.get("AIRBRIDGE_BENCH_QUICK", "0").strip() not in ("", "0", "false", "no")


# ---------------------------------------------------------------------------------------------
# Baseline: per-track FilterPy KalmanFilter + SciPy GNN (textbook settings)
# ---------------------------------------------------------------------------------------------
class BaselineGNN:
    """Textbook GNN tracker, one FilterPy ``KalmanFilter`` object per track (see module docstring)."""

    def __init__(self, q=2.0, gate=16.0, confirm_hits=3, delete_misses=3, v_max=300.0, sigma_k=3.0):
        self.q, self.gate, self.confirm_hits, self.delete_misses = q, gate, confirm_hits, delete_misses
        self.v_max, self.sigma_k = v_max, sigma_k
        self.tracks = []
        self.singles = []  # (time, pos, R) of last scan's unassigned plots
        self.next_id = 0
        self.rows = []

    @staticmethod
    def _F(dt):
        F = np.eye(6)
        F[0, 3] = F[1, 4] = F[2, 5] = dt
        return F

    def _Q(self, dt):
        from filterpy.common import Q_discrete_white_noise

        q1 = Q_discrete_white_noise(dim=2, dt=abs(dt), var=self.q ** 2)  # [[dt^4/4, dt^3/2], [dt^3/2, dt^2]] q^2
        return np.kron(q1, np.eye(3))

    def process_scan(self, t, pos, R):
        """One scan: plot times t (m,), positions (m, 3), covariances (m, 3, 3)."""
        from filterpy.kalman import KalmanFilter
        from scipy.optimize import linear_sum_assignment

        m = len(t)
        nt = len(self.tracks)
        H = np.hstack((np.eye(3), np.zeros((3, 3))))
        assigned_plot = np.full(m, -1)
        if nt and m:
            t_mid = float(np.mean(t))
            cost = np.full((nt, m), 1e6)
            for i, tr in enumerate(self.tracks):
                kf = tr["kf"]
                dt = t_mid - tr["t"]
                F = self._F(dt)
                x = F @ kf.x[:, 0]
                P = F @ kf.P @ F.T + self._Q(dt)
                for j in range(m):
                    xp = x[:3] + x[3:] * (t[j] - t_mid)
                    S = P[:3, :3] + R[j]
                    y = pos[j] - xp
                    d2 = float(y @ np.linalg.solve(S, y))
                    if d2 <= self.gate:
                        cost[i, j] = d2
            r, c = linear_sum_assignment(cost)
            for i, j in zip(r, c):
                if cost[i, j] <= self.gate:
                    assigned_plot[j] = i
        hit = np.zeros(nt, bool)
        for j in range(m):
            i = assigned_plot[j]
            if i < 0:
                continue
            tr = self.tracks[i]
            kf = tr["kf"]
            dt = t[j] - tr["t"]
            kf.F = self._F(dt)
            kf.Q = self._Q(dt)
            kf.predict()
            kf.update(pos[j].reshape(3, 1), R=R[j], H=H)
            tr["t"] = t[j]
            tr["hits"] += 1
            tr["misses"] = 0
            hit[i] = True
            if not tr["confirmed"] and tr["hits"] >= self.confirm_hits:
                tr["confirmed"] = True
                tr["id"] = self.next_id
                self.next_id += 1
            if tr["confirmed"]:
                self.rows.append((t[j], tr["id"], *kf.x[:, 0]))
        keep = []
        for i, tr in enumerate(self.tracks):
            if not hit[i]:
                tr["misses"] += 1
            if tr["misses"] < self.delete_misses:
                keep.append(tr)
        self.tracks = keep
        # two-point initiation against the previous scan's unassigned plots
        used = set()
        new_singles = []
        for j in range(m):
            if assigned_plot[j] >= 0:
                continue
            best, best_d = -1, np.inf
            for k, (t1, p1, R1) in enumerate(self.singles):
                if k in used:
                    continue
                dt = t[j] - t1
                if dt <= 0.5:
                    continue
                d = float(np.linalg.norm(pos[j] - p1))
                lim = self.v_max * dt + self.sigma_k * math.sqrt(np.trace(R1) + np.trace(R[j]))
                if d <= lim and d / lim < best_d:
                    best, best_d = k, d / lim
            if best >= 0:
                used.add(best)
                t1, p1, R1 = self.singles[best]
                dt = t[j] - t1
                kf = KalmanFilter(dim_x=6, dim_z=3)
                kf.x = np.r_[pos[j], (pos[j] - p1) / dt].reshape(6, 1)
                kf.P = np.block([[R[j], R[j] / dt], [R[j] / dt, (R[j] + R1) / dt ** 2]])
                self.tracks.append({"kf": kf, "t": t[j], "hits": 2, "misses": 0, "confirmed": False, "id": -1})
            else:
                new_singles.append((t[j], pos[j], R[j]))
        self.singles = new_singles

    def run(self, plots, scan_period_s):
        """Process plots (Plots) scan by scan per sensor (scan = floor(time / scan period))."""
        T = np.asarray(scan_period_s, float)
        scan = np.floor(plots.time_s / T[plots.sensor]).astype(np.int64)
        key_end = {}
        groups = {}
        for j in range(len(plots)):
            k = (int(plots.sensor[j]), int(scan[j]))
            groups.setdefault(k, []).append(j)
            key_end[k] = max(key_end.get(k, -np.inf), plots.time_s[j])
        Cm = plots.cov_matrices()
        P = np.stack((plots.x_m, plots.y_m, plots.z_m), axis=1)
        for k in sorted(groups, key=lambda kk: (key_end[kk], kk)):
            idx = np.array(groups[k])
            idx = idx[np.argsort(plots.time_s[idx], kind="stable")]
            self.process_scan(plots.time_s[idx], P[idx], Cm[idx])
        rows = np.array(self.rows, float).reshape(-1, 8)
        return rows


def baseline_rows(plots, sensors):
    """Run the baseline; returns (time, id, state (n, 6)) arrays."""
    T = np.array([s.scan_period_s for s in sensors.sensors])
    rows = BaselineGNN().run(plots, T)
    return rows[:, 0], rows[:, 1].astype(np.int64), rows[:, 2:8]


# ---------------------------------------------------------------------------------------------
SIZES = [(200, 50, 800e3), (1000, 200, 800e3), (5000, 1000, 1789e3)]
if QUICK:
    SIZES = [(200, 50, 800e3), (1000, 200, 800e3)]
DURATION = 120.0 if QUICK else 300.0
BASELINE_DURATION = 40.0 if QUICK else 120.0
REFERENCE_DURATION = 300.0  # the reference log of the IMM-vs-loop comparison (the full-mode throughput log), in
# both modes: over a shorter log GOSPA is mostly the targets not yet confirmed (120 s: IMM 0.92x, CV 0.99x)


def _scenario(n, nf, area, duration, seed=11):
    from tests.tracker_synthetic import SyntheticRadar, scenario

    return scenario(n, duration, area, seed=seed, radars=(SyntheticRadar(false_per_scan=nf, sigma_m=150.0),))


def _time_ours(sc, imm=False, repeat=3):
    from tracker.params import TrackerParams
    from tracker.tracker import track

    params = TrackerParams(imm=imm)
    track(sc.plots, sc.sensors, params)  # warm (compile + caches)
    best = np.inf
    res = None
    for _ in range(repeat):
        res = track(sc.plots, sc.sensors, params)
        best = min(best, res.tracking_s)
    return best, res


_RESULTS = {}


@pytest.fixture(scope="module", autouse=True)
def _warm():
    from tracker.tracker import warmup

    warmup()
    yield
    if _RESULTS:
        print("\n\ntracker throughput (plots/s; single thread; tracking only, no I/O or compilation)")
        print(f"{'targets':>8} {'false/scan':>10} {'area km':>8} {'plots':>9} {'CV':>12} {'IMM':>12} {'baseline':>10} {'CV/base':>8}")
        for key in sorted(_RESULTS):
            r = _RESULTS[key]
            print(f"{key[0]:>8} {key[1]:>10} {key[2] / 1e3:>8.0f} {r.get('plots', 0):>9} {r.get('cv', float('nan')):>12,.0f} "
                  f"{r.get('imm', float('nan')):>12,.0f} {r.get('base', float('nan')):>10,.0f} "
                  f"{r.get('cv', np.nan) / r.get('base', np.nan):>8.1f}")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}tgt")
@pytest.mark.parametrize("impl", ["cv", "imm"])
def test_throughput_ours(benchmark, size, impl):
    from radar._jit import set_threads

    set_threads(1)
    n, nf, area = size
    sc = _scenario(n, nf, area, DURATION)
    best, res = _time_ours(sc, imm=(impl == "imm"), repeat=3)  # best of 3: the scaling check compares two of these
    rate = len(sc.plots) / best
    _RESULTS.setdefault(size, {})[impl] = rate
    _RESULTS[size]["plots"] = len(sc.plots)
    from tracker.params import TrackerParams
    from tracker.tracker import track

    benchmark.pedantic(track, args=(sc.plots, sc.sensors, TrackerParams(imm=(impl == "imm"))), rounds=1, iterations=1)
    print(f"\n{impl} {n} targets: {len(sc.plots)} plots in {best * 1e3:.1f} ms = {rate:,.0f} plots/s, "
          f"{res.confirmed_tracks} confirmed tracks")
    if not QUICK:
        if impl == "cv" and n == 1000:
            assert rate >= 1_000_000, f"CV at 1,000 targets: {rate:,.0f} plots/s < 1,000,000"
        if impl == "imm":
            assert rate >= 300_000, f"IMM: {rate:,.0f} plots/s < 300,000"


@pytest.mark.parametrize("size", SIZES[:1], ids=lambda s: f"{s[0]}tgt")
def test_throughput_baseline(benchmark, size):
    n, nf, area = size
    sc = _scenario(n, nf, area, BASELINE_DURATION)
    t0 = time.perf_counter()
    baseline_rows(sc.plots, sc.sensors)
    el = time.perf_counter() - t0
    rate = len(sc.plots) / el
    _RESULTS.setdefault(size, {})["base"] = rate
    ours = _RESULTS.get(size, {}).get("cv")
    print(f"\nbaseline {n} targets: {len(sc.plots)} plots in {el:.2f} s = {rate:,.0f} plots/s"
          + (f"; ours CV / baseline = {ours / rate:.0f}x" if ours else ""))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    if ours and not QUICK:
        assert ours / rate >= 100, f"ours/baseline = {ours / rate:.1f} < 100"


def test_default_tracker_vs_filterpy_loop():
    """The default tracker (IMM) against the FilterPy + SciPy loop on the same reference log (200 targets,
    50 false plots per scan, 800 km), in the same run: speed (plots/s of each, tracking only, both warm:
    the baseline's imports and first calls happen before its timed run) and accuracy (mean GOSPA,
    c = 2 km, p = 1, against the simulated truth).  Goal: >= 100x the loop at <= 0.9x its GOSPA."""
    from radar._jit import set_threads
    from tracker.metrics import evaluate

    set_threads(1)
    n, nf, area = SIZES[0]
    sc = _scenario(n, nf, area, REFERENCE_DURATION)
    tr = sc.truth
    baseline_rows(sc.plots.take(np.flatnonzero(sc.plots.time_s < 25.0)), sc.sensors)  # warm: imports, first calls
    t0 = time.perf_counter()
    bt, bi, bs = baseline_rows(sc.plots, sc.sensors)
    t_base = time.perf_counter() - t0
    from tracker.params import TrackerParams
    from tracker.tracker import track

    params = TrackerParams()
    track(sc.plots, sc.sensors, params, emit_on_update=True)  # warm
    runs = [track(sc.plots, sc.sensors, params, emit_on_update=True) for _ in range(5)]
    t_ours = float(np.median([r.tracking_s for r in runs]))
    rows = runs[0].rows
    g_ours = evaluate(tr.time_s, tr.target, tr.pos, rows.time_s, rows.track, rows.state, c=2000.0, p=1.0).gospa_mean
    g_base = evaluate(tr.time_s, tr.target, tr.pos, bt, bi, bs, c=2000.0, p=1.0).gospa_mean
    speed = t_base / t_ours
    print(f"\ndefault tracker (IMM) vs FilterPy + SciPy loop, {n} targets, {nf} false/scan, {len(sc.plots)} plots: "
          f"{len(sc.plots) / t_ours:,.0f} vs {len(sc.plots) / t_base:,.0f} plots/s = {speed:.0f}x (median of 5 vs one "
          f"warm run); GOSPA {g_ours:,.0f} vs {g_base:,.0f} m = {g_ours / g_base:.2f}x")
    assert g_ours <= 0.9 * g_base, f"GOSPA ours / loop = {g_ours / g_base:.3f} > 0.9"
    assert speed >= 100, f"IMM / FilterPy loop = {speed:.0f}x < 100x"


def test_scaling_per_plot_cost():
    """Per-plot cost (CV) at the largest size <= 2x that at 200 targets.

    Measured here, not taken from the throughput tests: the two sizes run interleaved, ``ROUNDS``
    times each, and the minimum per-plot time of each is compared -- a single slow round (this
    machine's timing noise; the 200-target run is ~3 ms in quick mode) cannot fail the check, only a
    cost that is higher in every round can."""
    from radar._jit import set_threads
    from tracker.params import TrackerParams
    from tracker.tracker import track

    set_threads(1)
    params = TrackerParams(imm=False)
    scs = [_scenario(n, nf, area, DURATION) for n, nf, area in (SIZES[0], SIZES[-1])]
    for sc in scs:
        track(sc.plots, sc.sensors, params)  # warm
    best = [np.inf, np.inf]
    for _ in range(ROUNDS):
        for i, sc in enumerate(scs):
            best[i] = min(best[i], track(sc.plots, sc.sensors, params).tracking_s / len(sc.plots))
    ratio = best[1] / best[0]
    print(f"\nper-plot cost {SIZES[-1][0]} targets / {SIZES[0][0]} targets = {ratio:.2f} "
          f"({best[1] * 1e9:.0f} / {best[0] * 1e9:.0f} ns per plot, minimum of {ROUNDS} interleaved rounds)")
    assert ratio <= 2.0


ROUNDS = 9 if QUICK else 5


def test_drug_flight_picture_time():
    """One drug flight's picture (a few hundred plots, one radar, clutter) in <= 1 ms (tracking only)."""
    from radar._jit import set_threads
    from tracker.params import TrackerParams
    from tests.tracker_synthetic import SyntheticRadar, scenario
    from tracker.tracker import track

    set_threads(1)
    sc = scenario(1, 3000.0, 200e3, seed=5, radars=(SyntheticRadar(false_per_scan=0.2),), speed=(60.0, 90.0))
    times = {}
    for name, params in (("IMM (default)", TrackerParams()), ("CV", TrackerParams(imm=False))):
        track(sc.plots, sc.sensors, params, emit_on_update=True)
        times[name] = min(track(sc.plots, sc.sensors, params, emit_on_update=True).tracking_s for _ in range(20))
        print(f"\ndrug flight ({name}): {len(sc.plots)} plots, picture in {times[name] * 1e3:.3f} ms")
    assert times["IMM (default)"] <= 1e-3 or QUICK


# ---------------------------------------------------------------------------------------------
# Real simulated study days: the pictures of scenarios.study.runner (polar 2D / SSR + Mode C plots, mostly civil)
# ---------------------------------------------------------------------------------------------
REAL_DAYS = [("peru", 1, 2)] if QUICK else [("peru", 1, 2), ("peru", 1, 5), ("peru", 1, 6),
                                           ("peru-public-record", 1, 2), ("peru", 4, 0)]


@pytest.mark.parametrize("net_seed_day", REAL_DAYS, ids=lambda v: f"{v[0]}-s{v[1]}-d{v[2]}")
def test_real_day_pictures_throughput(net_seed_day):
    """plots/s of a picture of a simulated study day (StudySpec defaults) built as the study builds it
    (:func:`scenarios.engagement.engagement.build_pictures`: flight-plan codes, filed plans, terrain), per picture.

    The study runs ``non_integrated`` and ``integrated`` per network-day (scenarios.engagement.engagement.build_pictures):
    budget (README Performance, default study 12.45 M plots in <= 60 s on 2 cores) means >= 300,000 plots/s per picture.
    Reported: median over rounds of the warm wall time of build_pictures (Python wrapping included) and of
    the tracker kernels alone (``stats['tracking_s']``).
    """
    from radar._jit import set_threads
    from scenarios.engagement.engagement import build_pictures
    from scenarios.simulation.day import simulate_day
    from scenarios.study.runner import day_options
    from scenarios.study.spec import StudySpec, validate_spec

    set_threads(1)
    net, seed, day_n = net_seed_day
    spec = StudySpec()
    ctx = validate_spec(spec)
    day = simulate_day(ctx.day_context(net), seed=seed, day=day_n, options=day_options(spec))
    n = len(day.plots)
    polar = int(np.sum(np.isfinite(day.plots.range_m) & ~np.isfinite(day.plots.elevation_rad)))
    rounds = 3 if QUICK else 7
    for picture in ("non_integrated", "integrated"):
        build_pictures(day, (picture,), seed)  # warm
        walls, kern = [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            pic = build_pictures(day, (picture,), seed)[picture]
            walls.append(time.perf_counter() - t0)
            kern.append(pic.stats["tracking_s"])
        w, k = float(np.median(walls)), float(np.median(kern))
        print(f"\nreal day {net} seed {seed} day {day_n}: {n} plots ({polar} polar 2D), {picture}: "
              f"{w * 1e3:.1f} ms = {n / w:,.0f} plots/s (kernels {k * 1e3:.1f} ms = {n / k:,.0f} plots/s)")
        assert k > 0 and np.isfinite(w)


def test_plot_columns_prepare_vs_numpy():
    """The tracker's plot columns in processing order (:mod:`tracker._kernels.prepare`: measurement types, the
    Cartesian check, one gather) against the NumPy expressions it replaced, on a simulated study day's plots, in
    the same run: the same bytes, and the time of each (median of rounds)."""
    from tracker._kernels import prepare
    from scenarios.simulation.day import simulate_day
    from scenarios.study.runner import day_options
    from scenarios.study.spec import StudySpec, validate_spec

    spec = StudySpec()
    day = simulate_day(validate_spec(spec).day_context("peru"), seed=1, day=2, options=day_options(spec))
    p = day.plots
    proc = p.time_s + 2.0
    idx = np.lexsort((np.arange(len(p)), p.sensor, proc))

    def ours():
        mt, bad = prepare.plot_types(True, p.dims, p.range_m, p.elevation_rad, p.x_m, p.y_m, p.z_m, p.cov)
        return prepare.gather(idx, p.time_s, proc, p.sensor, mt, p.x_m, p.y_m, p.z_m, p.cov, p.range_m,
                              p.azimuth_rad, p.mode_c_m, p.squawk)

    def numpy_version():
        mt = np.where(p.dims >= 3, 0, 1).astype(np.int8)
        mt[np.isfinite(p.range_m) & ~np.isfinite(p.elevation_rad)] = 2
        bad = (mt != 2) & ~(np.isfinite(p.x_m) & np.isfinite(p.y_m) & np.isfinite(p.z_m) & np.isfinite(p.cov).all(axis=1))
        assert not bad.any()
        pos = np.stack((p.x_m, p.y_m, p.z_m), axis=1)
        pos = np.where(np.isfinite(pos), pos, 0.0)
        cov = np.where(np.isfinite(p.cov), p.cov, 0.0)
        c = np.ascontiguousarray
        return (c(p.time_s[idx]), c(proc[idx]), c(p.sensor[idx], np.int64), c(mt[idx]), c(pos[idx]), c(cov[idx]),
                c(np.nan_to_num(p.range_m[idx])), c(np.nan_to_num(p.azimuth_rad[idx])), c(p.mode_c_m[idx]),
                c(p.squawk[idx], np.int64))

    for a, b in zip(ours(), numpy_version()):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    times = {}
    for name, fn in (("prepare kernels", ours), ("NumPy", numpy_version)):
        rounds = []
        for _ in range(7 if QUICK else 31):
            t0 = time.perf_counter()
            fn()
            rounds.append(time.perf_counter() - t0)
        times[name] = float(np.median(rounds))
    report(f"plot columns of a real day ({len(p)} plots): prepare kernels {times['prepare kernels'] * 1e3:.3f} ms, "
           f"NumPy {times['NumPy'] * 1e3:.3f} ms ({times['NumPy'] / times['prepare kernels']:.1f}x)")
    assert times["prepare kernels"] > 0
