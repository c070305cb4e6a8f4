"""What the engagement's physics plays against: the true aircraft and where Peru is.

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
from dataclasses import dataclass

import numpy as np

from scenarios.sun import NIGHT_SUN_ELEVATION_DEG, sun_elevation_deg

#: truth sample interval (s): the interval of ``truth.csv``, so the kernel and that file agree
TRUTH_DT_S = 10.0
#: Peru mask cell (m)
MASK_CELL_M = 1000.0


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
            from scenarios.engagement import plane_to_geodetic

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
