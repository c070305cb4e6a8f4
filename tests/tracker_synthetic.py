"""Seeded synthetic scenarios for tracker tests and benches.

Manoeuvring targets (speed 50-250 m/s; legs alternating straight flight and coordinated turns
at 1-3 deg/s, either direction), rotating radars (plot time = when the beam crosses the target),
detection probability Pd, Gaussian noise, and uniform false plots (clutter) over the area.
Flat geometry in the scenario ENU frame: z is the altitude (fine for areas up to ~2,000 km
across, since the tracker never converts these Cartesian plots to geodetic heights).

Everything is drawn from :func:`radar.rng.stream` keyed by the seed (streams ``threat`` for
trajectories, ``detection`` for Pd and noise, ``false_alarms`` for clutter), so a scenario is a
pure function of its arguments.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radar.frame import Frame
from radar.plotlog import Plots
from radar.rng import stream
from radar.sensorfile import FusionParams, Sensor, SensorTable


@dataclass(frozen=True)
class SyntheticRadar:
    """A rotating radar of a synthetic scenario (ENU position; Cartesian plots with isotropic noise)."""

    x_m: float = 0.0
    y_m: float = 0.0
    scan_period_s: float = 10.0
    sigma_m: float = 150.0
    range_max_m: float = 2.0e6
    owner: str = "military"
    pd: float = 0.9
    false_per_scan: float = 0.0
    squawk_reply: bool = False
    """Plots carry the target's squawk (SSR-like) when it has one."""
    cover_x_m: tuple = (-np.inf, np.inf)
    """Detection only for targets with cover_x_m[0] <= x <= cover_x_m[1] (a crude coverage gap model)."""


@dataclass(frozen=True)
class Truth:
    """Truth samples (every ``dt`` s): time, target id, position (m) and velocity (m/s)."""

    time_s: np.ndarray
    target: np.ndarray
    pos: np.ndarray
    vel: np.ndarray


@dataclass(frozen=True)
class Scenario:
    plots: Plots
    sensors: SensorTable
    truth: Truth
    squawks: np.ndarray


def trajectories(n_targets: int, duration_s: float, area_m: float, seed: int, *, speed=(50.0, 250.0),
                 turn_deg_s=(1.0, 3.0), alt=(300.0, 6000.0), dt=1.0, start=None, heading=None, legs=None):
    """Positions and velocities (n_steps, n_targets, 3) on a ``dt`` grid, and the time grid.

    Each target alternates straight legs (30-120 s) and turns (20-60 s at +-1..3 deg/s).
    ``start`` (n, 2), ``heading`` (n,) (rad from east, counter-clockwise) and ``legs`` (list of
    (duration_s, turn_rad_s) per target) override the random draws.
    """
    g = stream(seed, 0, "threat")
    n = n_targets
    steps = int(math.ceil(duration_s / dt)) + 1
    t = np.arange(steps) * dt
    p = np.empty((n, 3))
    p[:, :2] = g.uniform(-area_m / 2, area_m / 2, (n, 2)) if start is None else np.asarray(start, float)
    p[:, 2] = g.uniform(alt[0], alt[1], n)
    v = g.uniform(speed[0], speed[1], n)
    hd = g.uniform(0, 2 * np.pi, n) if heading is None else np.asarray(heading, float)
    # manoeuvre schedule: per target a sequence of (end time, turn rate)
    if legs is None:
        sched = []
        for k in range(n):
            tt = 0.0
            seg = []
            straight = bool(g.random() < 0.5)
            while tt < duration_s:
                if straight:
                    d = g.uniform(30, 120)
                    w = 0.0
                else:
                    d = g.uniform(20, 60)
                    w = math.radians(g.uniform(*turn_deg_s)) * (1 if g.random() < 0.5 else -1)
                tt += d
                seg.append((tt, w))
                straight = not straight
            sched.append(seg)
    else:
        sched = []
        for seg in legs:
            tt = 0.0
            out = []
            for d, w in seg:
                tt += d
                out.append((tt, w))
            out.append((np.inf, 0.0))
            sched.append(out)
    rate = np.zeros((steps, n))
    for k in range(n):
        prev = 0.0
        for end, w in sched[k]:
            m = (t >= prev) & (t < end)
            rate[m, k] = w
            prev = end
    pos = np.empty((steps, n, 3))
    vel = np.empty((steps, n, 3))
    for s in range(steps):
        pos[s] = p
        vel[s, :, 0] = v * np.cos(hd)
        vel[s, :, 1] = v * np.sin(hd)
        vel[s, :, 2] = 0.0
        # exact coordinated-turn step over dt
        w = rate[s]
        small = np.abs(w) < 1e-12
        wd = np.where(small, 1.0, w)
        h2 = hd + w * dt
        dx = np.where(small, v * np.cos(hd) * dt, v * (np.sin(h2) - np.sin(hd)) / wd)
        dy = np.where(small, v * np.sin(hd) * dt, v * (np.cos(hd) - np.cos(h2)) / wd)
        p = p.copy()
        p[:, 0] += dx
        p[:, 1] += dy
        hd = h2
    return t, pos, vel


def _interp(t_grid, arr, k, times):
    """Linear interpolation of arr[:, k, :] at times (values beyond the grid clamp)."""
    dt = t_grid[1] - t_grid[0]
    f = np.clip((times - t_grid[0]) / dt, 0, len(t_grid) - 1.000001)
    i = np.floor(f).astype(int)
    a = (f - i)[:, None]
    return arr[i, k] * (1 - a) + arr[i + 1, k] * a


def scenario(n_targets: int = 20, duration_s: float = 600.0, area_m: float = 200e3, seed: int = 1,
             radars: tuple[SyntheticRadar, ...] | None = None, truth_dt: float = 10.0, squawk_fraction: float = 0.0,
             frame: Frame | None = None, fusion: FusionParams | None = None, **traj) -> Scenario:
    """A seeded scenario: plots from ``radars`` (default one radar at the centre, Pd 0.9, no clutter)."""
    frame = frame or Frame()
    radars = radars or (SyntheticRadar(),)
    t_grid, pos, vel = trajectories(n_targets, duration_s, area_m, seed, **traj)
    gs = stream(seed, 0, "traffic")
    squawks = np.where(gs.random(n_targets) < squawk_fraction, gs.integers(1000, 7000, n_targets), -1)
    parts = []
    sensors = []
    for si, rd in enumerate(radars):
        lat, lon, h = frame.enu_to_geodetic(np.array([rd.x_m, rd.y_m, 0.0]))
        lat, lon, h = float(lat), float(lon), float(h)
        rot = frame.local_to_frame_rotation(lat, lon)  # local -> scenario
        spos = np.array([rd.x_m, rd.y_m, 0.0])
        sensors.append(Sensor(si, f"synthetic_{si}", "SYNTHETIC", rd.owner, "PSR_3D", lat, lon, h, rd.scan_period_s,
                              rd.sigma_m, rd.sigma_m / 100e3, rd.sigma_m / 100e3, 0.0, rd.range_max_m, False))
        gd = stream(seed, 0, "detection", si)
        gf = stream(seed, 0, "false_alarms", si)
        T = rd.scan_period_s
        phi0 = gd.uniform(0, 2 * np.pi)
        nscan = int(duration_s // T)
        # targets: the time the beam crosses each target in each scan (two fixed-point iterations)
        times = []
        tgt = []
        for k in range(n_targets):
            t0 = np.arange(nscan) * T
            tk = t0.copy()
            for _ in range(2):
                pk = _interp(t_grid, pos, k, tk)
                d = (pk - spos) @ rot  # local ENU of the radar
                az = np.arctan2(d[:, 0], d[:, 1])
                frac = np.mod(az - phi0 - 2 * np.pi * t0 / T, 2 * np.pi) / (2 * np.pi)
                tk = t0 + frac * T
            times.append(tk)
            tgt.append(np.full(nscan, k))
        tt = np.concatenate(times) if times else np.zeros(0)
        kk = np.concatenate(tgt) if tgt else np.zeros(0, int)
        ok = tt <= duration_s
        tt, kk = tt[ok], kk[ok]
        P = np.empty((tt.size, 3))
        for k in range(n_targets):
            m = kk == k
            P[m] = _interp(t_grid, pos, k, tt[m])
        rng_ = np.linalg.norm(P - spos, axis=1)
        det = (gd.random(tt.size) < rd.pd) & (rng_ <= rd.range_max_m) & (P[:, 0] >= rd.cover_x_m[0]) & (P[:, 0] <= rd.cover_x_m[1])
        noise = gd.normal(0.0, rd.sigma_m, (tt.size, 3))
        tt, kk, Pm = tt[det], kk[det], (P + noise)[det]
        # clutter: Poisson per scan, uniform over the area, time from its azimuth
        nf = gf.poisson(rd.false_per_scan, nscan) if rd.false_per_scan > 0 else np.zeros(nscan, int)
        nft = int(nf.sum())
        fscan = np.repeat(np.arange(nscan), nf)
        fp = np.empty((nft, 3))
        fp[:, :2] = gf.uniform(-area_m / 2, area_m / 2, (nft, 2))
        fp[:, 2] = gf.uniform(0, 8000, nft)
        d = (fp - spos) @ rot
        az = np.arctan2(d[:, 0], d[:, 1])
        ft = fscan * T + np.mod(az - phi0 - 2 * np.pi * fscan, 2 * np.pi) / (2 * np.pi) * T
        n_all = tt.size + nft
        sq = np.r_[squawks[kk] if rd.squawk_reply else np.full(tt.size, -1), np.full(nft, -1)]
        s2 = rd.sigma_m ** 2
        parts.append(Plots.from_columns(
            n_all, time_s=np.r_[tt, ft], sensor=np.full(n_all, si), x_m=np.r_[Pm[:, 0], fp[:, 0]],
            y_m=np.r_[Pm[:, 1], fp[:, 1]], z_m=np.r_[Pm[:, 2], fp[:, 2]],
            cov=np.tile([s2, 0, 0, s2, 0, s2], (n_all, 1)), dims=np.full(n_all, 3), squawk=sq,
            truth=np.r_[kk, np.full(nft, -1)], scan=np.r_[np.floor(tt / T), fscan]))
    plots = Plots.concat(parts).sorted_by_time()
    table = SensorTable(frame=frame, sensors=tuple(sensors), fusion=fusion or FusionParams())
    tt = np.arange(0.0, duration_s + 1e-9, truth_dt)
    idx = np.clip(np.round(tt / (t_grid[1] - t_grid[0])).astype(int), 0, len(t_grid) - 1)
    T_, K_ = np.meshgrid(tt, np.arange(n_targets), indexing="ij")
    truth = Truth(time_s=T_.ravel(), target=K_.ravel(), pos=pos[idx].reshape(-1, 3), vel=vel[idx].reshape(-1, 3))
    return Scenario(plots=plots, sensors=table, truth=truth, squawks=squawks)
