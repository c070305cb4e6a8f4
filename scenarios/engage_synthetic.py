"""Synthetic inputs of the engagement model (tests, benches, worked examples): straight
constant-velocity flights, perfectly tracked at a fixed update interval, with their truth."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.engage_truth import plane_to_geodetic, sample_grid
from scenarios.engagement import FlightTruth, PictureArrays, planned_codes_of


@dataclass(frozen=True)
class StraightFlight:
    """A constant-velocity flight and its (perfect) track, SI units, scenario ENU.

    Airborne on [t0, t1] from (x0, y0) at (vx, vy), height h_m MSL.  The track exists on
    [track_t0, track_t1] (default: the airborne window) with updates every dt_s.  Legs:
    ``t_land`` ends an inbound leg, ``t_takeoff`` .. ``t_border_out`` is an outbound leg.
    ``turn_t`` / (``turn_vx``, ``turn_vy``): from turn_t on the aircraft flies that velocity
    instead (the track, ended before, does not know).  kind: 0 drug, 1 cooperative, 2 innocent
    (default from is_drug).  rcs_m2: mean RCS.  (track_dx, track_dy): a constant error of the
    track's position (m).
    """

    x0: float
    y0: float
    vx: float
    vy: float
    t0: float
    t1: float
    h_m: float = 500.0
    track_t0: float | None = None
    track_t1: float | None = None
    dt_s: float = 10.0
    sigma_m: float = 100.0
    squawk: int = -1
    flight_plan: bool = False
    is_drug: bool = True
    t_border_in: float = math.nan
    t_land: float = math.nan
    t_takeoff: float = math.nan
    t_border_out: float = math.nan
    status: int = 1
    turn_t: float = math.inf
    turn_vx: float = 0.0
    turn_vy: float = 0.0
    kind: int | None = None
    rcs_m2: float = 1.0
    obs_lag_s: float = 0.0
    track_dx: float = 0.0
    track_dy: float = 0.0

    def xy(self, t):
        """True horizontal position at times t (NaN outside [t0, t1])."""
        t = np.asarray(t, float)
        a = np.minimum(t, self.turn_t) - self.t0
        b = np.maximum(t - self.turn_t, 0.0)
        x = self.x0 + self.vx * a + self.turn_vx * b
        y = self.y0 + self.vy * a + self.turn_vy * b
        off = (t < self.t0) | (t > self.t1)
        return np.where(off, np.nan, x), np.where(off, np.nan, y)


def _enu_at_height(frame, x, y, h):
    """Scenario ENU z of the point above (x, y) at height h (x, y kept)."""
    x = np.atleast_1d(np.asarray(x, float))
    y = np.atleast_1d(np.asarray(y, float))
    lat, lon = plane_to_geodetic(frame, x, y, h)
    return np.atleast_2d(frame.geodetic_to_enu(lat, lon, np.broadcast_to(h, x.shape)))[:, 2]


def synthetic_inputs(flights: list[StraightFlight], frame, mode: str = "military"):
    """(picture, truth, planned_codes) for straight flights; track ids = flight index + 1.

    A flight's ``obs_lag_s`` > 0 makes its track rows cross-told reports: each row written at t
    carries the observation of t - obs_lag_s, predicted to t (``t_obs_s`` = t - obs_lag_s)."""
    cols = {k: [] for k in ("time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "pos_sigma_m", "status", "squawk",
                            "t_obs_s")}
    for i, f in enumerate(flights):
        a = f.t0 if f.track_t0 is None else f.track_t0
        b = f.t1 if f.track_t1 is None else f.track_t1
        if b < a:
            continue
        t = np.arange(a, b + 1e-9, f.dt_s)
        t_obs = t - f.obs_lag_s
        x = f.x0 + f.track_dx + f.vx * (t_obs - f.t0) + f.vx * f.obs_lag_s
        y = f.y0 + f.track_dy + f.vy * (t_obs - f.t0) + f.vy * f.obs_lag_s
        cols["time_s"].append(t)
        cols["t_obs_s"].append(t_obs)
        cols["track"].append(np.full(t.size, i + 1))
        cols["x_m"].append(x)
        cols["y_m"].append(y)
        cols["z_m"].append(_enu_at_height(frame, x, y, f.h_m))
        cols["vx_mps"].append(np.full(t.size, f.vx))
        cols["vy_mps"].append(np.full(t.size, f.vy))
        cols["pos_sigma_m"].append(np.full(t.size, f.sigma_m))
        cols["status"].append(np.full(t.size, f.status))
        cols["squawk"].append(np.full(t.size, f.squawk))
    cat = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
    n = cat["time_s"].size
    pic = PictureArrays(time_s=cat["time_s"], track=cat["track"].astype(np.int64), x_m=cat["x_m"], y_m=cat["y_m"],
                        z_m=cat["z_m"], vx_mps=cat["vx_mps"], vy_mps=cat["vy_mps"], vz_mps=np.zeros(n),
                        pos_sigma_m=cat["pos_sigma_m"], status=cat["status"].astype(np.int8),
                        squawk=cat["squawk"].astype(np.int64), mode=mode,
                        t_obs_s=cat["t_obs_s"] if any(f.obs_lag_s for f in flights) else None)
    fl = flights

    def position_enu(times):
        times = np.asarray(times, float)
        out = np.full((len(fl), times.size, 3), np.nan)
        for i, f in enumerate(fl):
            out[i, :, 0], out[i, :, 1] = f.xy(times)
        m = np.isfinite(out[:, :, 0])
        if m.any():   # one conversion for every flight (speed)
            h = np.broadcast_to(np.array([f.h_m for f in fl], float)[:, None], m.shape)[m]
            out[m, 2] = _enu_at_height(frame, out[m, 0], out[m, 1], h)
        return out

    def sample(which, dt):
        offs, t0s, parts = [0], [], []
        for i in which:
            f = fl[int(i)]
            t = sample_grid(f.t0, f.t1, dt)
            x, y = f.xy(t)
            t0s.append(t[0] if t.size else 0.0)
            parts.append(np.column_stack([x, y]))
            offs.append(offs[-1] + t.size)
        xy = np.concatenate(parts) if parts else np.zeros((0, 2))
        return np.array(offs, np.int64), np.array(t0s, float), xy, None

    def detected(f, a, b):
        ta = f.t0 if f.track_t0 is None else f.track_t0
        tb = f.t1 if f.track_t1 is None else f.track_t1
        return bool(tb >= ta and tb >= a and ta <= b)

    leg_det = np.array([[detected(f, -np.inf, f.t_land if math.isfinite(f.t_land) else -np.inf),
                         detected(f, f.t_takeoff if math.isfinite(f.t_takeoff) else np.inf, np.inf)] for f in fl],
                       dtype=bool).reshape(len(fl), 2)
    kind = np.array([(0 if f.is_drug else 1) if f.kind is None else f.kind for f in fl], np.int8)
    truth = FlightTruth(id=np.arange(len(fl), dtype=np.int64), is_drug=np.array([f.is_drug for f in fl], bool),
                        t_border_in=np.array([f.t_border_in for f in fl], float),
                        t_land=np.array([f.t_land for f in fl], float),
                        t_takeoff=np.array([f.t_takeoff for f in fl], float),
                        t_border_out=np.array([f.t_border_out for f in fl], float),
                        t_first_plot=np.array([(f.t0 if f.track_t0 is None else f.track_t0) for f in fl], float),
                        leg_detected=leg_det, position_enu=position_enu, kind=kind,
                        rcs_m2=np.array([f.rcs_m2 for f in fl], float), sample=sample)
    codes = planned_codes_of([f.squawk for f in fl], [f.squawk >= 0 for f in fl], [f.flight_plan for f in fl])
    return pic, truth, codes
