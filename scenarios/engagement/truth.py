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
    sample_night(flights, dt, epoch_s) -> uint8 per sample of ``sample(flights, dt)``: 1 where the sun is below
        -6 deg at the aircraft (the rule of :func:`truth_arrays`; None: truth_arrays works it out from
        ``sample``).
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
    sample_night: object = field(default=None, repr=False)

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
        fl = np.asarray(self.flights, np.int64)
        want = np.asarray(flight_of)
        sorted_unique = fl.size > 0 and bool((fl[1:] > fl[:-1]).all())
        if not sorted_unique or want.ndim != 1 or want.dtype.kind not in "iu":
            lut = {int(f): i for i, f in enumerate(self.flights)}
            return np.array([lut.get(int(f), -1) for f in flight_of], dtype=np.int64)
        # flights sorted and unique (truth_arrays): a binary search (speed)
        want = want.astype(np.int64, copy=False)
        i = np.minimum(np.searchsorted(fl, want), fl.size - 1)
        return np.where(fl[i] == want, i, -1).astype(np.int64)


def truth_arrays(truth, flights, frame, dt: float = TRUTH_DT_S) -> TruthArrays:
    """:class:`TruthArrays` of ``flights`` (indices into ``truth``) sampled every ``dt`` s."""
    flights = np.unique(np.asarray(flights, np.int64))
    flights = flights[flights >= 0]
    off, t0, xy, latlon = truth.sample(flights, dt)
    sample_night = getattr(truth, "sample_night", None)
    if sample_night is not None:
        night = sample_night(flights, dt, frame.epoch.timestamp())
    else:
        night = _night(frame, off, t0, dt, xy, latlon)
    drug = np.asarray(truth.is_drug, bool)[flights]
    out = np.asarray(truth.t_border_out, float)[flights]
    exit_t = np.where(drug & np.isfinite(out), out, np.inf)
    rcs = np.asarray(truth.rcs_m2, float)[flights] if truth.rcs_m2 is not None else np.ones(flights.size)
    return TruthArrays(flights=flights, off=np.ascontiguousarray(off, np.int64), t0=np.ascontiguousarray(t0, float),
                       dt=float(dt), x=np.ascontiguousarray(xy[:, 0]), y=np.ascontiguousarray(xy[:, 1]),
                       night=night, rcs=np.ascontiguousarray(rcs, float), drug=drug.astype(np.uint8),
                       exit=np.ascontiguousarray(exit_t, float))


def _night(frame, off, t0, dt, xy, latlon) -> np.ndarray:
    """uint8 per sample: 1 where the sun is below -6 deg at the aircraft (samples where it is airborne)."""
    ok = np.isfinite(xy[:, 0])
    if not ok.any():
        return np.zeros(ok.size, np.uint8)
    if latlon is None:
        lat, lon = plane_to_geodetic(frame, xy[ok, 0], xy[ok, 1], iterations=0)   # 300 m: < 1 s of sun time
    else:
        lat, lon = latlon[ok, 0], latlon[ok, 1]
    return _night_flags(frame.epoch.timestamp(), _sample_times(off, t0, dt), ok, lat, lon)


def _night_flags(epoch_s: float, times, ok, lat, lon) -> np.ndarray:
    """uint8 per sample at ``times`` (s): 1 where ``ok`` and the sun is below -6 deg at (lat, lon) (degrees, one per
    ``ok`` sample)."""
    night = np.zeros(ok.shape[0], np.uint8)
    if ok.any():
        el = sun_elevation_deg(epoch_s + times[ok], lat, lon)
        night[ok] = (el < NIGHT_SUN_ELEVATION_DEG).astype(np.uint8)
    return night


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

    # each flight's samples and night flags, computed once per day: every network of a study shares the day's
    # trajectories object (and asks for many of the same flights)
    samples = _day_cache(traj, "_truth_samples", frame)

    def sample(which, dt):
        which = np.asarray(which, np.int64)
        per = _flight_samples(samples, traj, frame, which, float(dt))
        offs, t0 = _offsets(per)
        xy = np.full((int(offs[-1]), 2), np.nan)
        latlon = np.full((int(offs[-1]), 2), np.nan)
        if offs[-1]:
            ok = np.concatenate([p.ok for p in per])
            if ok.any():
                latlon[:, 0] = np.concatenate([p.lat for p in per])
                latlon[:, 1] = np.concatenate([p.lon for p in per])
                # each flight's ECEF points are its own (elementwise); the rotation into the plane runs on all of
                # them at once, as it always has (a matrix product: the same batch, the same bits)
                xy[ok] = frame.ecef_to_enu(np.concatenate([p.ecef for p in per]))[:, :2]
        return offs, t0, xy, latlon

    def sample_night(which, dt, epoch_s):
        which = np.asarray(which, np.int64)
        cache = samples.setdefault(("night", float(dt), float(epoch_s)), {})
        missing = [f for f in dict.fromkeys(which.tolist()) if f not in cache]
        if missing:
            per = _flight_samples(samples, traj, frame, np.array(missing, np.int64), float(dt))
            offs, t0 = _offsets(per)
            fin = np.concatenate([p.finite for p in per])
            lat = np.concatenate([p.lat for p in per])[fin]
            lon = np.concatenate([p.lon for p in per])[fin]
            # elementwise: each flight's own flags, whichever flights share the batch
            night = _night_flags(epoch_s, _sample_times(offs, t0, dt), fin, lat, lon)
            for k, f in enumerate(missing):
                cache[f] = night[offs[k]:offs[k + 1]]
        if which.size == 0:
            return np.zeros(0, np.uint8)
        return np.concatenate([cache[f] for f in which.tolist()])

    return FlightTruth(id=np.asarray(fl.id), is_drug=np.asarray(fl.is_drug, bool),
                       t_border_in=np.asarray(fl.t_border_in, float), t_land=land, t_takeoff=takeoff,
                       t_border_out=np.asarray(fl.t_border_out, float), t_first_plot=t_first, leg_detected=leg,
                       position_enu=position_enu, kind=np.asarray(fl.kind, np.int8),
                       rcs_m2=np.asarray(fl.rcs_m2, float), sample=sample, sample_night=sample_night)


def _day_cache(traj, name: str, frame) -> dict:
    """A dict living on the day's trajectories object (as long as the day's flights), one per frame."""
    key = (name, frame.origin_ecef.tobytes(), frame.epoch_utc)
    holder = traj.__dict__
    cache = holder.get(key)
    if cache is None:
        cache = holder[key] = {}
    return cache


@dataclass(frozen=True)
class _FlightSamples:
    """One flight's truth samples every dt on the clock of ``truth.csv`` (cached per day; read-only).

    t: sample times (s); ok: airborne; lat, lon: degrees (NaN where not ok); ecef: (ok.sum(), 3) ECEF points of
    the ok samples (m); finite: ok with a finite ECEF point (where its plane position is finite)."""

    t: np.ndarray
    ok: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    ecef: np.ndarray
    finite: np.ndarray


def _offsets(per: list) -> tuple:
    """(offsets (n + 1,), first sample time per flight (0 if none)) of a list of :class:`_FlightSamples`."""
    offs = np.zeros(len(per) + 1, np.int64)
    np.cumsum(np.array([p.t.size for p in per], np.int64), out=offs[1:])
    return offs, np.array([p.t[0] if p.t.size else 0.0 for p in per], float)


def _flight_samples(cache: dict, traj, frame, which: np.ndarray, dt: float) -> list:
    """:class:`_FlightSamples` of each flight of ``which``, from ``cache`` or evaluated (the missing flights in one
    batch: every step is elementwise, so a flight's values do not depend on which flights share the batch)."""
    from radar.frame import geodetic_to_ecef
    from scenarios.flights.trajectory import AIRBORNE_PHASES, evaluate_many

    per_dt = cache.setdefault(("samples", dt), {})
    wanted = which.tolist()
    missing = [f for f in dict.fromkeys(wanted) if f not in per_dt]
    if missing:
        start, end = traj.time_span()
        grids = [sample_grid(start[f], end[f], dt) for f in missing]
        sizes = [g.size for g in grids]
        n = sum(sizes)
        lat_d = np.full(n, np.nan)
        lon_d = np.full(n, np.nan)
        ok = np.zeros(n, bool)
        ecef = np.zeros((0, 3))
        if n:
            lat, lon, h, _v, ph = evaluate_many(traj, np.repeat(np.array(missing, np.int64), sizes),
                                                np.concatenate(grids))
            ok = np.isin(ph, AIRBORNE_PHASES) & np.isfinite(lat)
            if ok.any():
                lat_d[ok] = np.degrees(lat[ok])
                lon_d[ok] = np.degrees(lon[ok])
                ecef = geodetic_to_ecef(lat_d[ok], lon_d[ok], h[ok])
        finite = ok.copy()
        finite[ok] = np.isfinite(ecef).all(axis=1)
        a = e = 0
        for f, g, k in zip(missing, grids, sizes):
            k_ok = int(ok[a:a + k].sum())
            per_dt[f] = _FlightSamples(t=g, ok=ok[a:a + k], lat=lat_d[a:a + k], lon=lon_d[a:a + k],
                                       ecef=ecef[e:e + k_ok], finite=finite[a:a + k])
            a += k
            e += k_ok
    return [per_dt[f] for f in wanted]


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
