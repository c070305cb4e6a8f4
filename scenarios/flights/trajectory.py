"""Flight trajectories as legs (waypoints), evaluated on demand, and the flight metadata table.

A trajectory is a polyline of waypoints ``(t_s, lat, lon, h_msl)``; between two waypoints
latitude, longitude and height vary linearly in time (so each segment has a constant
geodetic rate).  That *is* the truth: positions at any time come from the interpolation,
velocities from its derivative, never from stored 1 s samples.  Long straight segments
are split every :data:`MAX_SEGMENT_M` so that the geodetic-linear path stays within a
few metres of a great circle.

All flights of a day live in one struct of arrays (:class:`Trajectories`): the waypoints
of flight ``f`` are rows ``offsets[f]:offsets[f+1]``.  ``phase[j]`` is the phase of the
segment that starts at waypoint ``j``:

* ``PHASE_INBOUND`` (1): drug flight from Bolivia to the pickup strip;
* ``PHASE_GROUND`` (2): on the strip (not airborne, no truth rows, no plots);
* ``PHASE_OUTBOUND`` (3): back to Bolivia;
* ``PHASE_CRUISE`` (4): a background (cooperative) flight;
* ``PHASE_NONE`` (0): before departure / after the end (returned by ``evaluate``).

Velocity in the local ENU at the target (WGS84 radii of curvature)::

    v_e = (N + h) cos(lat) dlon/dt,  v_n = (M + h) dlat/dt,  v_u = dh/dt
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from radar.constants import EARTH_RADIUS_M, WGS84_A, WGS84_E2
from radar.frame import Frame, enu_rotation, geodetic_to_ecef

PHASE_NONE, PHASE_INBOUND, PHASE_GROUND, PHASE_OUTBOUND, PHASE_CRUISE = 0, 1, 2, 3, 4
PHASE_NAMES = {0: "none", 1: "inbound", 2: "ground", 3: "outbound", 4: "cruise"}
AIRBORNE_PHASES = (PHASE_INBOUND, PHASE_OUTBOUND, PHASE_CRUISE)
#: longest segment kept after densification (m): the geodetic-linear path then departs
#: from the great circle by well under 10 m (chord sag ~ L^2 / 8R on 20 km ~ 8 m).
MAX_SEGMENT_M = 20_000.0


@dataclass(frozen=True)
class Trajectories:
    """Waypoints of all flights (struct of arrays, SI units: s, rad, m).

    offsets: (n_flights + 1,) int64, flight f's waypoints are ``offsets[f]:offsets[f+1]``.
    t_s: waypoint times (s since the scenario epoch), non-decreasing within a flight.
    lat_rad, lon_rad: WGS84 geodetic latitude / longitude (rad).
    h_m: height MSL (= above the ellipsoid, geoid ignored) (m).
    phase: int8 phase of the segment starting at each waypoint (the last one's is unused).
    """

    offsets: np.ndarray
    t_s: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    h_m: np.ndarray
    phase: np.ndarray

    @property
    def n_flights(self) -> int:
        return len(self.offsets) - 1

    def flight(self, f: int) -> dict:
        s = slice(self.offsets[f], self.offsets[f + 1])
        return dict(t_s=self.t_s[s], lat_deg=np.degrees(self.lat_rad[s]), lon_deg=np.degrees(self.lon_rad[s]),
                    h_m=self.h_m[s], phase=self.phase[s])

    def time_span(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) times of every flight (s)."""
        return self.t_s[self.offsets[:-1]], self.t_s[self.offsets[1:] - 1]

    @staticmethod
    def concat(parts: list["Trajectories"]) -> "Trajectories":
        parts = [p for p in parts if p.n_flights > 0]
        if not parts:
            return empty_trajectories()
        offs = [np.zeros(1, np.int64)]
        base = 0
        for p in parts:
            offs.append(p.offsets[1:] + base)
            base += p.offsets[-1]
        cat = lambda name, dt: np.ascontiguousarray(np.concatenate([getattr(p, name) for p in parts]).astype(dt))
        return Trajectories(np.concatenate(offs).astype(np.int64), cat("t_s", np.float64), cat("lat_rad", np.float64),
                            cat("lon_rad", np.float64), cat("h_m", np.float64), cat("phase", np.int8))


def empty_trajectories() -> Trajectories:
    z = np.zeros(0)
    return Trajectories(np.zeros(1, np.int64), z, z.copy(), z.copy(), z.copy(), np.zeros(0, np.int8))


def clip_trajectories(traj: Trajectories, t_lo, t_hi) -> Trajectories:
    """Each flight f restricted to [max(t_lo[f], start), min(t_hi[f], end)] (NaN bounds: unrestricted).

    The waypoints strictly inside the interval are kept and new end waypoints are interpolated exactly as
    :func:`radar._kernels.trajectory.eval_state` does (linear in time in lat, lon, h), so the clipped flight
    evaluates to the original state, to rounding, everywhere inside the interval; the new first waypoint
    takes the phase of the segment it falls on.  An empty interval leaves the flight a single instant.
    """
    n = traj.n_flights
    t_lo = np.broadcast_to(np.asarray(t_lo, float), (n,))
    t_hi = np.broadcast_to(np.asarray(t_hi, float), (n,))
    b = TrajectoryBuilder()
    for f in range(n):
        a, e = int(traj.offsets[f]), int(traj.offsets[f + 1])
        t = traj.t_s[a:e]
        lo = t[0] if not np.isfinite(t_lo[f]) else min(max(float(t_lo[f]), t[0]), t[-1])
        hi = t[-1] if not np.isfinite(t_hi[f]) else max(min(float(t_hi[f]), t[-1]), lo)
        cols = []
        for tt in (lo, hi):
            g = int(np.searchsorted(t, tt, side="right")) - 1
            g = min(max(g, 0), t.size - 2)
            dt = t[g + 1] - t[g]
            u = (tt - t[g]) / dt if dt > 0.0 else 0.0
            row = [tt]
            for arr in (traj.lat_rad, traj.lon_rad, traj.h_m):
                v = arr[a:e]
                row.append(v[g] + u * (v[g + 1] - v[g]))
            row.append(traj.phase[a + g])
            cols.append(row)
        inside = np.flatnonzero((t > lo) & (t < hi))
        tt = np.r_[lo, t[inside], hi]
        lat = np.r_[cols[0][1], traj.lat_rad[a:e][inside], cols[1][1]]
        lon = np.r_[cols[0][2], traj.lon_rad[a:e][inside], cols[1][2]]
        h = np.r_[cols[0][3], traj.h_m[a:e][inside], cols[1][3]]
        ph = np.r_[cols[0][4], traj.phase[a:e][inside], cols[1][4]]
        b._t.append(tt)
        b._lat.append(lat)
        b._lon.append(lon)
        b._h.append(h)
        b._ph.append(ph.astype(np.int8))
    return b.build()


class TrajectoryBuilder:
    """Accumulates flights waypoint by waypoint (degrees at the edge, radians inside)."""

    def __init__(self):
        self._t: list[np.ndarray] = []
        self._lat: list[np.ndarray] = []
        self._lon: list[np.ndarray] = []
        self._h: list[np.ndarray] = []
        self._ph: list[np.ndarray] = []

    def add(self, t_s, lat_deg, lon_deg, h_m, phase) -> int:
        """Add one flight; ``phase`` is per waypoint (segment starting there). Returns its index."""
        t = np.asarray(t_s, float)
        if t.size < 2 or np.any(np.diff(t) < 0):
            raise ValueError("a trajectory needs >= 2 waypoints with non-decreasing times")
        self._t.append(t)
        self._lat.append(np.radians(np.asarray(lat_deg, float)))
        self._lon.append(np.radians(np.asarray(lon_deg, float)))
        self._h.append(np.asarray(h_m, float))
        self._ph.append(np.asarray(phase, np.int8))
        return len(self._t) - 1

    def build(self) -> Trajectories:
        if not self._t:
            return empty_trajectories()
        sizes = np.array([len(t) for t in self._t])
        offsets = np.zeros(len(sizes) + 1, np.int64)
        offsets[1:] = np.cumsum(sizes)
        return Trajectories(offsets, np.concatenate(self._t), np.concatenate(self._lat), np.concatenate(self._lon),
                            np.concatenate(self._h), np.concatenate(self._ph).astype(np.int8))


def densify(lat_deg, lon_deg, max_segment_m: float = MAX_SEGMENT_M):
    """Insert points along each great-circle leg so that no segment exceeds ``max_segment_m``.

    Returns (lat_deg, lon_deg, leg_index) where ``leg_index[i]`` is the input leg point i lies on.
    """
    lat = np.radians(np.asarray(lat_deg, float))
    lon = np.radians(np.asarray(lon_deg, float))
    out_lat, out_lon, out_leg = [lat[:1]], [lon[:1]], [np.zeros(1, int)]
    for i in range(len(lat) - 1):
        d = _gc_rad(lat[i], lon[i], lat[i + 1], lon[i + 1])
        n = max(1, int(math.ceil(d * EARTH_RADIUS_M / max_segment_m)))
        f = np.arange(1, n + 1) / n
        la, lo = _gc_interp(lat[i], lon[i], lat[i + 1], lon[i + 1], d, f)
        out_lat.append(la)
        out_lon.append(lo)
        out_leg.append(np.full(n, i))
    return np.degrees(np.concatenate(out_lat)), np.degrees(np.concatenate(out_lon)), np.concatenate(out_leg)


def _gc_rad(la1, lo1, la2, lo2):
    s = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2.0 * math.asin(min(1.0, math.sqrt(s)))


def _gc_interp(la1, lo1, la2, lo2, d, f):
    if d < 1e-12:
        return np.full(len(f), la2), np.full(len(f), lo2)
    a = np.sin((1 - f) * d) / math.sin(d)
    b = np.sin(f * d) / math.sin(d)
    x = a * math.cos(la1) * math.cos(lo1) + b * math.cos(la2) * math.cos(lo2)
    y = a * math.cos(la1) * math.sin(lo1) + b * math.cos(la2) * math.sin(lo2)
    z = a * math.sin(la1) + b * math.sin(la2)
    return np.arctan2(z, np.hypot(x, y)), np.arctan2(y, x)


def path_length_m(lat_deg, lon_deg) -> np.ndarray:
    """Cumulative great-circle distance (m) along a polyline (spherical mean radius)."""
    lat = np.radians(np.asarray(lat_deg, float))
    lon = np.radians(np.asarray(lon_deg, float))
    s = np.sin(np.diff(lat) / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    d = 2.0 * np.arcsin(np.minimum(1.0, np.sqrt(s))) * EARTH_RADIUS_M
    return np.concatenate([[0.0], np.cumsum(d)])


# ------------------------------------------------------------------------------------------
def evaluate_geodetic(traj: Trajectories, flight, t_s):
    """Evaluate flights at times (broadcast): (lat_rad, lon_rad, h_m, v_enu_local (...,3), phase).

    Plain NumPy (the oracle of the Numba kernel :func:`radar._kernels.trajectory.eval_state`).
    Outside [first, last waypoint] the phase is ``PHASE_NONE`` and the state NaN.
    """
    flight, t = np.broadcast_arrays(np.asarray(flight, np.int64), np.asarray(t_s, float))
    flat_f, flat_t = flight.ravel(), t.ravel()
    n = flat_f.size
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    h = np.full(n, np.nan)
    vel = np.full((n, 3), np.nan)
    ph = np.zeros(n, np.int8)
    for i in range(n):
        a, b = traj.offsets[flat_f[i]], traj.offsets[flat_f[i] + 1]
        tt = traj.t_s[a:b]
        if not (tt[0] <= flat_t[i] <= tt[-1]):
            continue
        j = int(np.searchsorted(tt, flat_t[i], side="right")) - 1
        j = min(max(j, 0), b - a - 2)
        g, k = a + j, a + j + 1
        dt = traj.t_s[k] - traj.t_s[g]
        u = 0.0 if dt <= 0 else (flat_t[i] - traj.t_s[g]) / dt
        lat[i] = traj.lat_rad[g] + u * (traj.lat_rad[k] - traj.lat_rad[g])
        lon[i] = traj.lon_rad[g] + u * (traj.lon_rad[k] - traj.lon_rad[g])
        h[i] = traj.h_m[g] + u * (traj.h_m[k] - traj.h_m[g])
        if dt > 0:
            sl = math.sin(lat[i])
            w = math.sqrt(1.0 - WGS84_E2 * sl * sl)
            nn = WGS84_A / w
            mm = WGS84_A * (1.0 - WGS84_E2) / (w * w * w)
            vel[i] = ((nn + h[i]) * math.cos(lat[i]) * (traj.lon_rad[k] - traj.lon_rad[g]) / dt,
                      (mm + h[i]) * (traj.lat_rad[k] - traj.lat_rad[g]) / dt,
                      (traj.h_m[k] - traj.h_m[g]) / dt)
        else:
            vel[i] = 0.0
        ph[i] = traj.phase[g]
    shp = flight.shape
    return lat.reshape(shp), lon.reshape(shp), h.reshape(shp), vel.reshape(shp + (3,)), ph.reshape(shp)


def evaluate(traj: Trajectories, frame: Frame, flight, t_s):
    """Position and velocity in the scenario ENU frame and the phase: (pos (...,3), vel (...,3), phase)."""
    lat, lon, h, v_local, ph = evaluate_geodetic(traj, flight, t_s)
    pos = frame.geodetic_to_enu(np.degrees(lat), np.degrees(lon), h)
    vel = np.full(v_local.shape, np.nan)
    ok = np.isfinite(lat)
    if np.any(ok):
        latd, lond = np.degrees(lat[ok]), np.degrees(lon[ok])
        # local ENU -> ECEF (R_local^T) -> scenario ENU (R_frame)
        rloc = np.stack([enu_rotation(a, b) for a, b in zip(latd.ravel(), lond.ravel())])
        v_ecef = np.einsum("nji,nj->ni", rloc, v_local[ok].reshape(-1, 3))
        vel[ok] = v_ecef @ frame.rotation.T
    return pos, vel, ph


def evaluate_many(traj: Trajectories, flights, times):
    """(lat_rad, lon_rad, h_m, v (n,3), phase) of flight ``flights[i]`` at ``times[i]`` (int64 and float64
    arrays of one size): one parallel Numba loop, the trajectory evaluation of the radar feeds
    (:func:`evaluate_geodetic` is the same in plain NumPy)."""
    from scenarios.flights._kernels import eval_many

    return eval_many(traj.offsets, traj.t_s, traj.lat_rad, traj.lon_rad, traj.h_m, traj.phase, flights, times)


def truth_samples(traj: Trajectories, frame: Frame, interval_s: float = 10.0):
    """Airborne truth every ``interval_s`` on a common clock: (time_s, target, enu (n,3)).

    Times are multiples of ``interval_s`` since the epoch; ground and absent phases are left out.
    """
    start, end = traj.time_span()
    ts, fs = [], []
    for f in range(traj.n_flights):
        t = np.arange(math.ceil(start[f] / interval_s), math.floor(end[f] / interval_s) + 1) * interval_s
        ts.append(t)
        fs.append(np.full(t.size, f, np.int64))
    if not ts:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros((0, 3))
    t = np.concatenate(ts)
    f = np.concatenate(fs)
    lat, lon, h, _v, ph = evaluate_many(traj, f, t)
    keep = np.isin(ph, AIRBORNE_PHASES)
    t, f = t[keep], f[keep]
    enu = frame.ecef_to_enu(geodetic_to_ecef(np.degrees(lat[keep]), np.degrees(lon[keep]), h[keep]))
    order = np.lexsort((f, t))
    return t[order], f[order], enu[order]


# ------------------------------------------------------------------------------------------
KIND_DRUG, KIND_BACKGROUND, KIND_INNOCENT = 0, 1, 2
#: ``kind`` as written in flights.csv (background = cooperative traffic; innocent = non-cooperative general aviation)
KIND_NAMES = ("drug", "background", "innocent")


@dataclass(frozen=True)
class FlightTable:
    """Metadata of the day's flights (one row per trajectory, same index).

    Times are seconds since the scenario epoch (NaN when not applicable: a background
    flight has no border crossing or pickup).  ``squawk`` is the Mode 3/A code written as
    its four octal digits read as a decimal integer (``7000`` for 7000), -1 when none.
    """

    id: np.ndarray  # str, e.g. "d3-f1-a2" / "d3-bg17"
    kind: np.ndarray  # int8: 0 drug, 1 background (cooperative), 2 innocent (non-cooperative general aviation)
    aircraft: np.ndarray  # str: aircraft type id
    formation: np.ndarray  # int32: formation index within the day (-1 background)
    departure_zone: np.ndarray  # str (drug) / origin airport (background)
    gate_in: np.ndarray  # str: inbound border gate zone ('' background)
    pickup_zone: np.ndarray  # str (drug) / destination airport (background)
    gate_out: np.ndarray  # str
    refuel: np.ndarray  # bool
    transponder_on: np.ndarray  # bool
    squawk: np.ndarray  # int32
    flight_plan_filed: np.ndarray  # bool
    agl_m: np.ndarray  # f8: drawn terrain-following height (NaN background)
    cruise_msl_m: np.ndarray  # f8: cruise level (background) / NaN
    speed_mps: np.ndarray  # f8: true airspeed used
    rcs_m2: np.ndarray  # f8: mean RCS (S band)
    t_depart: np.ndarray
    t_border_in: np.ndarray
    t_land: np.ndarray
    t_takeoff: np.ndarray
    t_border_out: np.ndarray
    t_end: np.ndarray
    timing_mode: np.ndarray  # str: dawn | afternoon | background
    dog_legs: np.ndarray  # int8: dog-legs used inbound + outbound

    COLUMNS = ("id", "kind", "aircraft", "formation", "departure_zone", "gate_in", "pickup_zone", "gate_out",
               "refuel", "transponder_on", "squawk", "flight_plan_filed", "agl_m", "cruise_msl_m", "speed_mps",
               "rcs_m2", "t_depart", "t_border_in", "t_land", "t_takeoff", "t_border_out", "t_end", "timing_mode",
               "dog_legs")

    def __len__(self) -> int:
        return len(self.id)

    @property
    def is_drug(self) -> np.ndarray:
        return self.kind == KIND_DRUG

    @property
    def is_innocent(self) -> np.ndarray:
        return self.kind == KIND_INNOCENT

    @staticmethod
    def from_rows(rows: list[dict]) -> "FlightTable":
        types = dict(kind=np.int8, formation=np.int32, refuel=bool, transponder_on=bool, squawk=np.int32,
                     flight_plan_filed=bool, dog_legs=np.int8)
        cols = {}
        for c in FlightTable.COLUMNS:
            vals = [r[c] for r in rows]
            if c in types:
                cols[c] = np.array(vals, dtype=types[c]).reshape(-1)
            elif c in ("id", "aircraft", "departure_zone", "gate_in", "pickup_zone", "gate_out", "timing_mode"):
                cols[c] = np.array(vals, dtype=object).reshape(-1)
            else:
                cols[c] = np.array(vals, dtype=np.float64).reshape(-1)
        return FlightTable(**cols)

    @staticmethod
    def concat(parts: list["FlightTable"]) -> "FlightTable":
        return FlightTable(**{c: np.concatenate([getattr(p, c) for p in parts]) for c in FlightTable.COLUMNS})

    def take(self, idx) -> "FlightTable":
        return FlightTable(**{c: getattr(self, c)[idx] for c in FlightTable.COLUMNS})

    def write_csv(self, path) -> None:
        """``flights.csv``: one row per flight, times in seconds since the epoch (empty = n/a)."""
        from radar.fileio import atomic_write

        def fmt(c, v):
            if c == "kind":
                return KIND_NAMES[int(v)]
            if isinstance(v, (bool, np.bool_)):
                return "1" if v else "0"
            if isinstance(v, (float, np.floating)):
                return "" if not np.isfinite(v) else f"{float(v):.3f}"
            return str(v)

        with atomic_write(path) as fh:
            fh.write("index," + ",".join(self.COLUMNS) + "\n")
            for i in range(len(self)):
                fh.write(f"{i}," + ",".join(fmt(c, getattr(self, c)[i]) for c in self.COLUMNS) + "\n")


def empty_flight_table() -> FlightTable:
    return FlightTable.from_rows([])
