"""What the feed kernels take and give: NamedTuples of contiguous arrays (one dtype per field).

Built by the public layer (:mod:`radar.feeds`) and unpacked by each kernel at its top, so that the loops
work on plain arrays (a bundle passed to an inlined helper in a loop would be reference counted field by
field at every call).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Trajectories(NamedTuple):
    """Waypoint tables: flight f owns rows offsets[f]:offsets[f+1]."""

    offsets: np.ndarray  # (flights + 1,) int64
    t: np.ndarray        # (rows,) s
    lat: np.ndarray      # (rows,) rad
    lon: np.ndarray      # (rows,) rad
    h: np.ndarray        # (rows,) m MSL
    phase: np.ndarray    # (rows,) int8 phase of the segment from this row (1, 3, 4 airborne)


class Targets(NamedTuple):
    """Per flight: what a radar sees of it."""

    uid: np.ndarray     # (flights,) int64 key of its draws
    rcs: np.ndarray     # (flights,) m^2 (mean over aspect)
    xpdr: np.ndarray    # (flights,) bool transponder on
    squawk: np.ndarray  # (flights,) int32 Mode 3/A code


class Radars(NamedTuple):
    """Per radar (index = sensor index) on one day."""

    lat: np.ndarray         # rad
    lon: np.ndarray         # rad
    ecef: np.ndarray        # (nr, 3) antenna ECEF (m)
    h_ant: np.ndarray       # antenna height MSL (m)
    grid: np.ndarray        # int64 index into the geometry grids
    range_max: np.ndarray   # instrumented range (m)
    el_min: np.ndarray      # rad
    el_max: np.ndarray      # rad
    alt_max: np.ndarray     # m
    scan: np.ndarray        # scan period (s)
    t0: np.ndarray          # antenna phase: the beam points north at t0 + k scan (s)
    kind: np.ndarray        # int64 0 PSR_3D, 1 PSR_2D, 2 SSR
    iff: np.ndarray         # bool: a primary with an IFF interrogator
    key: np.ndarray         # int64 key of its draws
    snr_ref: np.ndarray     # SNR at the reference range and RCS
    ref_range: np.ndarray   # m
    ref_rcs: np.ndarray     # m^2
    pfa: np.ndarray         # false-alarm probability per cell
    pd_coop: np.ndarray     # reply probability of a cooperative target
    sigma: np.ndarray       # (nr, 3) range (m), azimuth, elevation (rad) noise
    up: np.ndarray          # bool: up today
    false_rate: np.ndarray  # false plots per scan (Poisson mean)


class GeometryGrids(NamedTuple):
    """Min and max visible heights MSL (G, nlat, nlon) on one regular grid (NaN max: no ceiling)."""

    gmin: np.ndarray
    gmax: np.ndarray
    lat0: float  # first cell centre (rad)
    dlat: float  # step (rad; negative: rows north to south)
    lon0: float
    dlon: float


class Intervals(NamedTuple):
    """Coarse visible intervals [t_a, t_b] of (flight, radar), ordered by flight, radar, time."""

    flight: np.ndarray  # int64
    radar: np.ndarray   # int64
    t_a: np.ndarray
    t_b: np.ndarray


class ScanTasks(NamedTuple):
    """One task per (flight, radar, interval); task i owns slots slot_start[i]:slot_start[i+1]."""

    flight: np.ndarray      # int64
    radar: np.ndarray       # int64
    t_a: np.ndarray
    t_b: np.ndarray
    slot_start: np.ndarray  # int64 (tasks + 1,)


class ScanModel(NamedTuple):
    """Scalars of detection and measurement."""

    kr: float             # equivalent (4/3) Earth radius (m)
    earth_r: float        # mean Earth radius (m)
    nose_db: float        # RCS aspect profile: nose, beam, tail (dB) ...
    beam_db: float
    tail_db: float
    aspect_norm: float    # ... and its mean over aspect
    notch_mps: float      # MTI notch: Pd x min(1, (v_r / notch)^2); 0 none
    mode_c_step_m: float  # Mode C quantum (m)
    key0: np.uint64       # the detection stream's key
    key1: np.uint64


class FalseTasks(NamedTuple):
    """One task per (radar, revolutions rev_first..rev_last); task i owns slots from slot_start[i]."""

    radar: np.ndarray       # int64
    rev_first: np.ndarray   # int64
    rev_last: np.ndarray    # int64
    slot_start: np.ndarray  # int64


class FalseModel(NamedTuple):
    """Scalars of the false plots."""

    kr: float
    earth_r: float
    h_cap: float         # ceiling of their heights (m)
    max_per_scan: int
    max_tries: int       # redraws until the ground point is inside the visible region
    key0: np.uint64      # the false-alarm stream's key
    key1: np.uint64


class Slots(NamedTuple):
    """Scratch slot columns: only valid slots have their other columns written."""

    valid: np.ndarray   # bool
    time: np.ndarray
    range: np.ndarray
    az: np.ndarray
    el: np.ndarray
    dims: np.ndarray    # int8
    scan: np.ndarray    # int64 revolution
    mode_c: np.ndarray
    squawk: np.ndarray  # int32


class PlotColumns(NamedTuple):
    """The ten columns of a plot table (the order and dtypes of ``radar.feeds.PLOT_COLUMN_TYPES``; sensor and
    truth are int32 or int64)."""

    time_s: np.ndarray
    sensor: np.ndarray
    range_m: np.ndarray
    azimuth_rad: np.ndarray
    elevation_rad: np.ndarray
    dims: np.ndarray       # int8
    mode_c_m: np.ndarray
    squawk: np.ndarray     # int32
    truth: np.ndarray
    scan: np.ndarray       # int64


class Sites(NamedTuple):
    """Per sensor, what converting its plots needs."""

    lat: np.ndarray    # rad
    lon: np.ndarray    # rad
    h_ant: np.ndarray  # m
    sigma: np.ndarray  # (ns, 3)
    is3: np.ndarray    # bool: measures elevation


class Conversion(NamedTuple):
    """Scalars and frame of the conversion of polar plots to scenario ENU."""

    kr: float
    earth_r: float
    origin_ecef: np.ndarray  # (3,)
    frame_rot: np.ndarray    # (3, 3)
    mode_c_sigma: float      # vertical sigma of a 2D plot at its Mode C height (m)
    unknown_sigma: float     # ... and without (m)


class Cartesian(NamedTuple):
    """Converted plots: scenario ENU position and covariance (xx, xy, xz, yy, yz, zz)."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    cov: np.ndarray  # (n, 6)
