"""What the engagement's physics plays against: the true aircraft and where Peru is.

* :class:`FlightTruth` -- what the physics and the scores need about the day's flights
  (:func:`flight_truth_from_day` builds it from a simulated day).
* :class:`TruthArrays` -- the true aircraft of the engaged tracks as kernel arrays: horizontal
  position in the scenario ENU plane every ``dt`` seconds (NaN when not airborne), the night
  flag at each sample (sun below -6 deg at the aircraft), mean RCS, drug or not, and when it
  leaves Peru for good.  Built once per simulated day for the flights any picture associates
  with a suspect track, shared by every option and picture.
* :func:`peru_mask` -- a 1 km grid of the scenario plane: 1 where a cell and its eight
  neighbours lie inside Peru (Natural Earth outline; conservative by one cell, so a point the
  mask calls Peru is inside the outline).  No identification happens outside it.

Truth is never read by any decision: the kernel takes these arrays only in the part that
plays what happens (contact, identification, the end-game).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scenarios.engagement.sun import NIGHT_SUN_ELEVATION_DEG, sun_elevation_deg

#: truth sample interval (s): the interval of ``truth.csv``, so the kernel and that file agree
TRUTH_DT_S = 10.0
#: Peru mask cell (m)
MASK_CELL_M = 1000.0


@dataclass(frozen=True)
class FlightTruth:
    """What the physics and the scores need about the day's flights (truth: never read by a decision).

    id: flight ids; is_drug: drug flight (else background); leg times (s, NaN if absent):
    t_border_in (enters Peru), t_land (end of the inbound leg), t_takeoff, t_border_out (end of the
    outbound leg in Peru).  t_first_plot: first plot of the flight (NaN = never detected);
    leg_detected: (n, 2) bool, any plot during the inbound / outbound leg.
    position_enu(t) -> (n_flights, len(t), 3) scenario ENU (NaN when not airborne).
    kind: int8 per flight, 0 drug, 1 cooperative, 2 innocent (None: from is_drug).
    rcs_m2: mean RCS per flight (None: 1 m^2).
    sample(flights, dt) -> (offsets, t0, xy, latlon): each flight's airborne horizontal positions every dt s
        on the clock of ``truth.csv`` (NaN rows when not airborne) and their (lat, lon) in degrees (None: from
        xy), for :func:`scenarios.engagement.truth.truth_arrays`.
    """

    id: np.ndarray
    is_drug: np.ndarray
    t_border_in: np.ndarray
    t_land: np.ndarray
    t_takeoff: np.ndarray
    t_border_out: np.ndarray
    t_first_plot: np.ndarray
    leg_detected: np.ndarray
    position_enu: object = field(repr=False)
    kind: np.ndarray = None
    rcs_m2: np.ndarray = None
    sample: object = field(default=None, repr=False)

    def kinds(self) -> np.ndarray:
        if self.kind is not None:
            return np.asarray(self.kind, np.int8)
        return np.where(np.asarray(self.is_drug, bool), 0, 1).astype(np.int8)


@dataclass(frozen=True)
class TruthArrays:
    """Kernel arrays of the true aircraft (local index l = 0..n-1; ``flights[l]`` = index in the day).

    off (n + 1,): samples of aircraft l are off[l]:off[l + 1], at t0[l] + i dt.
    x, y: scenario ENU (m), NaN when not airborne.  night: uint8 per sample.
    rcs (n,): mean RCS (m^2).  drug (n,): uint8.  exit (n,): when it leaves Peru for good (s; inf).
    """

    flights: np.ndarray
    off: np.ndarray
    t0: np.ndarray
    dt: float
    x: np.ndarray
    y: np.ndarray
    night: np.ndarray
    rcs: np.ndarray
    drug: np.ndarray
    exit: np.ndarray

    def local(self, flight_of: np.ndarray) -> np.ndarray:
        """Local indices of day flight indices (-1 stays -1)."""
        lut = {int(f): i for i, f in enumerate(self.flights)}
        return np.array([lut.get(int(f), -1) for f in flight_of], dtype=np.int64)


def truth_arrays(truth, flights, frame, dt: float = TRUTH_DT_S) -> TruthArrays:
    """:class:`TruthArrays` of ``flights`` (indices into ``truth``) sampled every ``dt`` s."""
    flights = np.unique(np.asarray(flights, np.int64))
    flights = flights[flights >= 0]
    off, t0, xy, latlon = truth.sample(flights, dt)
    n = xy.shape[0]
    night = np.zeros(n, np.uint8)
    ok = np.isfinite(xy[:, 0])
    if ok.any():
        if latlon is None:
            lat, lon = plane_to_geodetic(frame, xy[ok, 0], xy[ok, 1], iterations=0)   # 300 m: < 1 s of sun time
        else:
            lat, lon = latlon[ok, 0], latlon[ok, 1]
        el = sun_elevation_deg(frame.epoch.timestamp() + _sample_times(off, t0, dt)[ok], lat, lon)
        night[ok] = (el < NIGHT_SUN_ELEVATION_DEG).astype(np.uint8)
    drug = np.asarray(truth.is_drug, bool)[flights]
    out = np.asarray(truth.t_border_out, float)[flights]
    exit_t = np.where(drug & np.isfinite(out), out, np.inf)
    rcs = np.asarray(truth.rcs_m2, float)[flights] if truth.rcs_m2 is not None else np.ones(flights.size)
    return TruthArrays(flights=flights, off=np.ascontiguousarray(off, np.int64), t0=np.ascontiguousarray(t0, float),
                       dt=float(dt), x=np.ascontiguousarray(xy[:, 0]), y=np.ascontiguousarray(xy[:, 1]),
                       night=night, rcs=np.ascontiguousarray(rcs, float), drug=drug.astype(np.uint8),
                       exit=np.ascontiguousarray(exit_t, float))


def _sample_times(off, t0, dt) -> np.ndarray:
    sizes = np.diff(off)
    start = np.repeat(off[:-1], sizes)
    return np.repeat(t0, sizes) + (np.arange(int(off[-1])) - start) * dt


def sample_grid(start: float, end: float, dt: float) -> np.ndarray:
    """Multiples of dt (since the epoch) within [start, end] (the clock of ``truth.csv``)."""
    return np.arange(math.ceil(start / dt), math.floor(end / dt) + 1) * dt


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeruMask:
    """Cells of the scenario plane inside Peru: mask[i, j] covers x in [x0 + j cell, ...), y in [y0 + i cell, ...)."""

    mask: np.ndarray
    x0: float
    y0: float
    cell: float

    def contains(self, x, y) -> np.ndarray:
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        i = np.floor((y - self.y0) / self.cell)
        j = np.floor((x - self.x0) / self.cell)
        ok = np.isfinite(i) & np.isfinite(j) & (i >= 0) & (j >= 0) & (i < self.mask.shape[0]) & (j < self.mask.shape[1])
        out = np.zeros(x.shape, bool)
        out[ok] = self.mask[i[ok].astype(np.int64), j[ok].astype(np.int64)] != 0
        return out


_MASKS: dict = {}


def peru_mask(frame, cell_m: float = MASK_CELL_M) -> PeruMask:
    """The Peru mask of ``frame`` (built once per frame: even-odd scanline fill of the outline's
    edges projected to the plane, then eroded by one cell)."""
    key = (frame.origin_ecef.tobytes(), float(cell_m))
    m = _MASKS.get(key)
    if m is None:
        m = _build_mask(frame, cell_m)
        _MASKS[key] = m
    return m


def _build_mask(frame, cell: float) -> PeruMask:
    from radar import geo

    ex0, ey0, ex1, ey1 = [], [], [], []
    lo_x, lo_y, hi_x, hi_y = np.inf, np.inf, -np.inf, -np.inf
    for poly in geo.polygons("Peru"):
        for ring in poly:
            enu = np.atleast_2d(frame.geodetic_to_enu(ring[:, 1], ring[:, 0], np.zeros(len(ring))))
            x, y = enu[:, 0], enu[:, 1]
            ex0.append(x[:-1])
            ey0.append(y[:-1])
            ex1.append(x[1:])
            ey1.append(y[1:])
            lo_x, lo_y = min(lo_x, x.min()), min(lo_y, y.min())
            hi_x, hi_y = max(hi_x, x.max()), max(hi_y, y.max())
    ex0, ey0, ex1, ey1 = (np.concatenate(a) for a in (ex0, ey0, ex1, ey1))
    x0 = math.floor(lo_x / cell) * cell - 2 * cell
    y0 = math.floor(lo_y / cell) * cell - 2 * cell
    nx = int(math.ceil((hi_x - x0) / cell)) + 2
    ny = int(math.ceil((hi_y - y0) / cell)) + 2
    xc = x0 + (np.arange(nx) + 0.5) * cell
    inside = np.zeros((ny, nx), bool)
    lo_e = np.minimum(ey0, ey1)
    hi_e = np.maximum(ey0, ey1)
    order = np.argsort(lo_e)
    lo_s = lo_e[order]
    for i in range(ny):
        yc = y0 + (i + 0.5) * cell
        cand = order[:np.searchsorted(lo_s, yc, side="right")]
        cand = cand[hi_e[cand] > yc]
        if cand.size == 0:
            continue
        a, b = cand, cand
        w = (yc - ey0[a]) / (ey1[b] - ey0[a])
        xs = np.sort(ex0[a] + w * (ex1[b] - ex0[a]))
        inside[i] = (np.searchsorted(xs, xc) % 2) == 1
    # erode by one cell: a cell counts only when its eight neighbours are inside too
    core = inside.copy()
    core[1:, :] &= inside[:-1, :]
    core[:-1, :] &= inside[1:, :]
    core[:, 1:] &= inside[:, :-1]
    core[:, :-1] &= inside[:, 1:]
    core[1:, 1:] &= inside[:-1, :-1]
    core[:-1, :-1] &= inside[1:, 1:]
    core[1:, :-1] &= inside[:-1, 1:]
    core[:-1, 1:] &= inside[1:, :-1]
    return PeruMask(mask=np.ascontiguousarray(core.astype(np.uint8)), x0=float(x0), y0=float(y0), cell=float(cell))


def plane_to_geodetic(frame, x, y, h=0.0, iterations: int = 2):
    """(lat, lon) in degrees of the points at height h whose scenario ENU x, y are (x, y).

    The ENU z of a point depends on its height and on the Earth's curvature (~50 km below the
    plane 800 km from the origin), so z = 0 is not the surface: z starts from the sphere's drop
    h - (x^2 + y^2) / 2R (within ~0.5 % of the drop: 300 m horizontally at 1,000 km) and is refined
    by fixed-point iteration (each step divides the error by ~25: 13 m after one, 0.6 m after two)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    h = np.broadcast_to(np.asarray(h, float), x.shape)
    z = h - (x * x + y * y) / (2.0 * 6371008.8)
    for _ in range(iterations):
        lat, lon, _h = frame.enu_to_geodetic(np.stack([x, y, z], -1))
        z = np.atleast_2d(frame.geodetic_to_enu(lat, lon, h))[:, 2].reshape(x.shape)
    lat, lon, _h = frame.enu_to_geodetic(np.stack([x, y, z], -1))
    return np.asarray(lat), np.asarray(lon)


# ------------------------------------------------------------------------------------------
def flight_truth_from_day(day) -> FlightTruth:
    """:class:`FlightTruth` of a :class:`scenarios.simulation.day.Day` (flights, trajectories, plots' truth column)."""
    from radar.frame import geodetic_to_ecef
    from scenarios.flights.trajectory import AIRBORNE_PHASES, evaluate_many

    fl = day.flights
    n = len(fl)
    plots = day.plots
    pt = np.asarray(plots.truth, np.int64)
    ptime = np.asarray(plots.time_s, float)
    real = pt >= 0
    t_first = np.full(n, np.nan)
    if real.any():
        first = np.full(n, np.inf)
        np.minimum.at(first, pt[real], ptime[real])
        t_first = np.where(np.isfinite(first), first, np.nan)
    land = np.asarray(fl.t_land, float)
    takeoff = np.asarray(fl.t_takeoff, float)
    leg = np.zeros((n, 2), bool)
    if real.any():
        f = pt[real]
        tt = ptime[real]
        inb = ~(tt >= np.nan_to_num(land[f], nan=np.inf))
        outb = tt >= np.nan_to_num(takeoff[f], nan=np.inf)
        leg[f[inb], 0] = True
        leg[f[outb], 1] = True
    traj = day.trajectories
    frame = day.frame

    def position_enu(times):
        times = np.asarray(times, float)
        out = np.full((n, times.size, 3), np.nan)
        if n == 0 or times.size == 0:
            return out
        ff = np.repeat(np.arange(n, dtype=np.int64), times.size)
        tt = np.tile(times, n)
        lat, lon, h, _v, ph = evaluate_many(traj, ff, tt)
        ok = np.isin(ph, AIRBORNE_PHASES) & np.isfinite(lat)
        enu = np.full((ff.size, 3), np.nan)
        if ok.any():
            enu[ok] = frame.ecef_to_enu(geodetic_to_ecef(np.degrees(lat[ok]), np.degrees(lon[ok]), h[ok]))
        return enu.reshape(n, times.size, 3)

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
            ff = np.repeat(which, sizes)
            tt = np.concatenate(grids)
            lat, lon, h, _v, ph = evaluate_many(traj, ff, tt)
            ok = np.isin(ph, AIRBORNE_PHASES) & np.isfinite(lat)
            if ok.any():
                latlon[ok] = np.column_stack([np.degrees(lat[ok]), np.degrees(lon[ok])])
                xy[ok] = frame.ecef_to_enu(geodetic_to_ecef(latlon[ok, 0], latlon[ok, 1], h[ok]))[:, :2]
        t0 = np.array([g[0] if g.size else 0.0 for g in grids], float)
        return offs, t0, xy, latlon

    return FlightTruth(id=np.asarray(fl.id), is_drug=np.asarray(fl.is_drug, bool),
                       t_border_in=np.asarray(fl.t_border_in, float), t_land=land, t_takeoff=takeoff,
                       t_border_out=np.asarray(fl.t_border_out, float), t_first_plot=t_first, leg_detected=leg,
                       position_enu=position_enu, kind=np.asarray(fl.kind, np.int8),
                       rcs_m2=np.asarray(fl.rcs_m2, float), sample=sample)


def plans_from_day(day, interval_s: float = 10.0):
    """The filed flight plans of a simulated day: its background flights with a plan (drug flights file
    none), which fly them exactly -- their trajectories sampled every ``interval_s`` while airborne."""
    from tracker.plans import empty_plans, plans_from_samples

    filed = np.flatnonzero(np.asarray(day.flights.flight_plan_filed, bool))
    # built once per day's flights: the pictures and the classification of a network, and every network of a
    # study (they share the day's trajectories object), ask for the same plans
    key = ("_flight_plans", float(interval_s), day.frame.origin_ecef.tobytes(), filed.tobytes())
    holder = day.trajectories.__dict__
    cached = holder.get(key)
    if cached is None:
        if filed.size == 0:
            cached = empty_plans()
        else:
            t, f, pos = day.truth(interval_s)
            keep = np.isin(f, filed)
            cached = plans_from_samples(t[keep], f[keep], pos[keep])
        holder[key] = cached
    return cached
