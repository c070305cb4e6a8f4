"""What the tracker kernels pass each other: array layouts and NamedTuples of arrays.

Inputs from the public layer (:mod:`tracker.tracker`) -- :class:`PlotColumns`, :class:`SensorColumns`,
:class:`GridColumns`, :class:`TerrainColumns`, the parameter vector (``P_*``) -- and outputs
(:class:`RowBuffers`, the statistics vector ``S_*``, :class:`RunResult`) of
:func:`tracker._kernels.loop.run_tracker`; inside the loop, the track table (:class:`TrackTable`), the
settings decoded once (:class:`Settings`), the per-update scratch (:class:`Scratch`), the per-batch
work arrays (:class:`BatchWork`), the batch (:class:`Batch`) and the swept sector (:class:`Sector`).

Every array field has one dtype and is contiguous (float64 unless said otherwise).  Inside the loop the
arrays are *borrowed* views (:func:`radar._jit.borrow`): a NamedTuple of them passed to a sub-kernel
costs no atomic reference counting (the owners are kept alive by the loop).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from radar._jit import borrow, kernel

# parameter vector layout (see tracker.params.TrackerParams.to_array)
P_QH = 0
P_QV = 1
P_GATE1 = 2
P_GATE2 = 3
P_GATE3 = 4
P_VMAX = 5
P_CONFIRM_M = 6
P_CONFIRM_N = 7
P_DELETE_MISSES = 8
P_MAX_UNSEEN = 9
P_INIT_MAX_AGE = 10
P_WINDOW = 11
P_IMM = 12
P_OMEGA = 13
P_IMM_TAU = 14
P_CELL_MAX = 15
P_VZ_MAX = 16
P_BATCH_FRACTION = 17
P_INIT_MIN_DT = 18
P_EMIT_ON_UPDATE = 19
P_EARTH_R = 20
P_INIT_K = 21
P_MODE_C_SIGMA = 22
P_IMM_MU_CV = 23
P_FULL_BATCHES = 24
P_H_MEMORY = 25
P_H_PRIOR_AGL = 26
P_H_PRIOR_SIGMA = 27
P_H_CEILING = 28
P_H_SIGMA_MAX = 29
P_DUP_BATCHES = 30
N_PARAMS = 31

# stats vector layout
S_DROPPED_LATE = 0
S_UPDATES = 1
S_NIS_SUM_1 = 2
S_NIS_SUM_2 = 3
S_NIS_SUM_3 = 4
S_NIS_N_1 = 5
S_NIS_N_2 = 6
S_NIS_N_3 = 7
S_CONFIRMED = 8
S_INITIATED = 9
S_PLOTS_USED = 10
S_MISSES = 11
S_BATCHES = 12
S_PAIRS = 13
S_SLOTS_SCANNED = 14
S_CANDIDATES = 15
S_INIT_CANDIDATES = 16
S_HELD_UPDATES = 17
S_INIT_BLOCKED = 18
S_DUPLICATES_DROPPED = 19
N_STATS = 20
#: the names of the statistics, in ``S_*`` order
STAT_NAMES = ("dropped_late", "updates", "nis_sum_1", "nis_sum_2", "nis_sum_3", "nis_n_1", "nis_n_2", "nis_n_3",
              "confirmed", "initiated", "plots_used", "misses", "batches", "pairs", "slots_scanned", "candidates",
              "initiator_candidates", "held_updates", "initiations_blocked", "duplicates_dropped")

# measurement types (PlotColumns.mtype)
MT_CARTESIAN_3D = 0
MT_CARTESIAN_2D = 1
MT_POLAR_2D = 2


# ---------------------------------------------------------------------------------------------
# inputs and outputs of run_tracker
class PlotColumns(NamedTuple):
    """The plots in processing order, batch by batch (batch b = rows bstart[b]:bstart[b+1])."""

    time: np.ndarray     # (n,) plot time (s)
    proc: np.ndarray     # (n,) processing (arrival) time (s)
    sensor: np.ndarray   # (n,) int64 sensor index
    mtype: np.ndarray    # (n,) int8 measurement type (MT_*)
    pos: np.ndarray      # (n, 3) scenario ENU position (m; the gating position of a polar plot)
    cov: np.ndarray      # (n, 6) its covariance xx, xy, xz, yy, yz, zz (m^2)
    range: np.ndarray    # (n,) slant range (m; MT_POLAR_2D)
    azimuth: np.ndarray  # (n,) azimuth (rad; MT_POLAR_2D)
    mode_c: np.ndarray   # (n,) Mode C height (m), NaN none
    squawk: np.ndarray   # (n,) int64 Mode 3/A code, -1 none
    late: np.ndarray     # (n,) int8 1 = older than the window (dropped)
    bstart: np.ndarray   # (batches + 1,) int64 first row of each batch


class SensorColumns(NamedTuple):
    """The sensors (one row each) and the scenario frame; ``present`` False: no sensors file (one dummy row)."""

    present: bool
    position: np.ndarray     # (ns, 3) antenna, scenario ENU (m)
    rotation: np.ndarray     # (ns, 3, 3) scenario ENU -> the site's local ENU
    lat: np.ndarray          # (ns,) rad
    lon: np.ndarray          # (ns,) rad
    antenna_msl: np.ndarray  # (ns,) m
    scan_period: np.ndarray  # (ns,) s
    range_max: np.ndarray    # (ns,) m
    sigma: np.ndarray        # (ns, 3) range (m), azimuth, elevation (rad) standard deviations (0: none)
    origin_ecef: np.ndarray  # (3,) the scenario frame's origin (m)
    frame_rot: np.ndarray    # (3, 3) its rotation


class GridColumns(NamedTuple):
    """Geometry grids (min visible height MSL, NaN never visible) for the visibility test of counted misses."""

    stack: np.ndarray         # (G, nlat, nlon)
    sensor_grid: np.ndarray   # (ns,) int32 index into stack, -1 none
    lat0: float               # first (northernmost) cell centre, deg
    dlat: float
    lon0: float               # first (westernmost) cell centre, deg
    dlon: float


class TerrainColumns(NamedTuple):
    """Terrain heights (m MSL, rows north to south; no rows: sea level everywhere)."""

    grid: np.ndarray  # (nlat, nlon)
    lat0: float
    dlat: float
    lon0: float
    dlon: float


class RowBuffers(NamedTuple):
    """Output rows (capacity R = time.shape[0]; rows beyond it are only counted)."""

    time: np.ndarray     # (R,) row time (s); the state is predicted to it
    state: np.ndarray    # (R, 6) x, y, z, vx, vy, vz
    pos_cov: np.ndarray  # (R, 6) position covariance xx, xy, xz, yy, yz, zz
    sigma_v: np.ndarray  # (R,) vertical standard deviation (m)
    track: np.ndarray    # (R,) int64 track id
    status: np.ndarray   # (R,) int64 track status
    squawk: np.ndarray   # (R,) int64
    sensors: np.ndarray  # (R,) int64 sensor bitmask


class RunResult(NamedTuple):
    status: int          # 0 ok, 1 track table full (the caller doubles the capacity and reruns)
    rows_needed: int     # rows written, or that would have been (more than the capacity: rerun larger)
    confirmed_ids: int   # track ids given


def new_rows(capacity: int) -> RowBuffers:
    """Empty :class:`RowBuffers` of ``capacity`` rows (plain NumPy, for the public layer)."""
    z = np.zeros
    return RowBuffers(z(capacity), z((capacity, 6)), z((capacity, 6)), z(capacity), z(capacity, np.int64),
                      z(capacity, np.int64), z(capacity, np.int64), z(capacity, np.int64))


# ---------------------------------------------------------------------------------------------
# inside the loop
class Settings(NamedTuple):
    """The parameter vector decoded once (:func:`settings`)."""

    q_h: float
    q_v: float
    gate1: float
    gate2: float
    gate3: float
    v_max: float
    conf_m: int
    conf_n: int
    hist_mask: int
    del_misses: int
    max_unseen: float
    init_age: float
    imm: bool
    omega: float
    tau: float
    cell_max: float
    vz_max: float
    init_min_dt: float
    emit_upd: bool
    earth_r: float
    init_k: float
    mc_sigma: float
    mu_cv: float
    full_batches: bool
    h_mem: float
    h_agl: float
    h_sig: float
    h_ceil: float
    h_smax: float
    hold_vvar: float
    dup_batches: int


@kernel
def settings(params):
    """:class:`Settings` of a parameter vector (``P_*`` layout)."""
    vz_max = params[P_VZ_MAX]
    conf_n = int(params[P_CONFIRM_N])
    return Settings(params[P_QH], params[P_QV], params[P_GATE1], params[P_GATE2], params[P_GATE3], params[P_VMAX],
                    int(params[P_CONFIRM_M]), conf_n, (1 << conf_n) - 1, int(params[P_DELETE_MISSES]),
                    params[P_MAX_UNSEEN], params[P_INIT_MAX_AGE], params[P_IMM] > 0.5, params[P_OMEGA],
                    params[P_IMM_TAU], params[P_CELL_MAX], vz_max, params[P_INIT_MIN_DT],
                    params[P_EMIT_ON_UPDATE] > 0.5, params[P_EARTH_R], params[P_INIT_K], params[P_MODE_C_SIGMA],
                    params[P_IMM_MU_CV], params[P_FULL_BATCHES] > 0.5, params[P_H_MEMORY], params[P_H_PRIOR_AGL],
                    params[P_H_PRIOR_SIGMA], params[P_H_CEILING], params[P_H_SIGMA_MAX],
                    vz_max * vz_max / 9.0,  # vertical velocity variance of a held height (sigma vz_max / 3)
                    int(params[P_DUP_BATCHES]))


class TrackTable(NamedTuple):
    """Struct-of-arrays track table, one row per slot (capacity C); IMM arrays have C rows with the IMM, else 1.

    ``status``: 0 free, 1 initiator (one plot, no velocity), 2 tentative, 3 confirmed; ``hist``: bit k = hit at
    the k-th latest counted opportunity; ``hobs``: time of the last height observation (3D plot or Mode C),
    -inf never; ``dupn``: consecutive batches sharing plots with a better-informed track; ``free``: the free
    slots (a stack: the lowest index on top at the start)."""

    status: np.ndarray     # (C,) int8
    x: np.ndarray          # (C, 6)
    P: np.ndarray          # (C, 6, 6)
    t: np.ndarray          # (C,) time of the state
    last_seen: np.ndarray  # (C,)
    hist: np.ndarray       # (C,) int64
    misses: np.ndarray     # (C,) int64 consecutive counted misses
    tid: np.ndarray        # (C,) int64 stable id, given at confirmation (-1 before)
    tsq: np.ndarray        # (C,) int64 Mode 3/A code, -1 none
    smask: np.ndarray      # (C,) int64 bitmask of the feeding sensors
    hobs: np.ndarray       # (C,)
    dupn: np.ndarray       # (C,) int64
    xm: np.ndarray         # (C or 1, 3, 6) IMM model states
    Pm: np.ndarray         # (C or 1, 3, 6, 6) IMM model covariances
    mu: np.ndarray         # (C or 1, 3) IMM model probabilities
    free: np.ndarray       # (C,) int64


@kernel(inline="always")  # allocated in the loop: LLVM sees the constant inner dimensions (speed)
def new_track_table(capacity, imm):
    """An empty :class:`TrackTable` of ``capacity`` slots (IMM arrays for every slot if ``imm``)."""
    C = capacity
    cimm = C if imm else 1
    free = np.empty(C, dtype=np.int64)
    for i in range(C):
        free[i] = C - 1 - i
    return TrackTable(np.zeros(C, dtype=np.int8), np.zeros((C, 6)), np.zeros((C, 6, 6)), np.zeros(C), np.zeros(C),
                      np.zeros(C, dtype=np.int64), np.zeros(C, dtype=np.int64), np.full(C, -1, dtype=np.int64),
                      np.full(C, -1, dtype=np.int64), np.zeros(C, dtype=np.int64), np.full(C, -np.inf),
                      np.zeros(C, dtype=np.int64), np.zeros((cimm, 3, 6)), np.zeros((cimm, 3, 6, 6)),
                      np.zeros((cimm, 3)), free)


class Sites(NamedTuple):
    """The polar measurement model's per-sensor constants: noise, :func:`tracker._kernels.polar.sensor_trig`
    rows and the scenario frame."""

    sigma: np.ndarray        # (ns, 3)
    trig: np.ndarray         # (ns, 8)
    origin_ecef: np.ndarray  # (3,)
    frame_rot: np.ndarray    # (3, 3)


class Scratch(NamedTuple):
    """Work buffers of one update (filled before they are read)."""

    H: np.ndarray       # (3, 6)
    R: np.ndarray       # (3, 3)
    y: np.ndarray       # (3,)
    up: np.ndarray      # (3,)
    Q: np.ndarray       # (6, 6)
    tmp: np.ndarray     # (6, 6)
    S: np.ndarray       # (3, 3) gating
    Si: np.ndarray      # (3, 3) gating
    Hs: np.ndarray      # (2, 3) gating
    Hs_w: np.ndarray    # (2, 3) updates
    xm: np.ndarray      # (3, 6) IMM models of the slot being updated
    Pm: np.ndarray      # (3, 6, 6)
    mu: np.ndarray      # (3,)
    cbar: np.ndarray    # (3,)
    L: np.ndarray       # (3,)
    x0: np.ndarray      # (3, 6) mixed IMM states
    P0: np.ndarray      # (3, 6, 6)
    om: np.ndarray      # (3, 3) mixing weights
    xk: np.ndarray      # (6,) one state
    Pk: np.ndarray      # (6, 6)
    R1: np.ndarray      # (3, 3) initiation
    Rj: np.ndarray      # (3, 3) initiation


@kernel(inline="always")  # allocated in the loop: LLVM sees the constant inner dimensions (speed)
def new_scratch():
    return Scratch(np.zeros((3, 6)), np.zeros((3, 3)), np.zeros(3), np.zeros(3), np.zeros((6, 6)), np.zeros((6, 6)),
                   np.zeros((3, 3)), np.zeros((3, 3)), np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((3, 6)),
                   np.zeros((3, 6, 6)), np.zeros(3), np.zeros(3), np.zeros(3), np.zeros((3, 6)), np.zeros((3, 6, 6)),
                   np.zeros((3, 3)), np.zeros(6), np.zeros((6, 6)), np.zeros((3, 3)), np.zeros((3, 3)))


#: hash buckets - 1 of the spatial hashes of gating and initiation
NBM = 8191


class BatchWork(NamedTuple):
    """Work arrays of one batch: candidate tracks (c), plots of the batch (jj = row - first row), gated pairs,
    clusters, the spatial hashes; sized once for the largest batch."""

    gate: np.ndarray         # (4,) chi^2 gate by measurement dimension (index 1..3)
    cand: np.ndarray         # (C,) int64 slot of candidate c
    cand_xp: np.ndarray      # (C, 3) predicted position at the batch's reference time
    cand_v: np.ndarray       # (C, 3) velocity
    cand_P: np.ndarray       # (C, 3, 3) predicted position covariance
    cand_rad: np.ndarray     # (C,) gate radius (m)
    cand_in: np.ndarray      # (C,) bool inside the strict sector (misses count)
    cand_hit: np.ndarray     # (C,) bool updated in this batch
    cand_dup: np.ndarray     # (C,) bool evidence of being another track's aircraft
    pl_rad: np.ndarray       # (nb,) gate radius of plot jj (m)
    pl_assigned: np.ndarray  # (nb,) int64 candidate assigned to plot jj, -1 none
    pl_block: np.ndarray     # (nb,) bool gated with a track that could be its aircraft's
    pair_c: np.ndarray       # (max_pairs,) int64
    pair_j: np.ndarray       # (max_pairs,) int64
    pair_d: np.ndarray       # (max_pairs,) cost d^2 - gate
    parent: np.ndarray       # (C + nb,) int64 union-find
    loc_c: np.ndarray        # (C,) int64 -1 between clusters
    loc_j: np.ndarray        # (nb,) int64 -1 between clusters
    grp_c: np.ndarray        # (C,) int64
    grp_j: np.ndarray        # (nb,) int64
    oversize: np.ndarray     # (C,) int64 candidates with a gate radius above the cell size
    inits: np.ndarray        # (C,) int64 initiator slots
    head: np.ndarray         # (NBM + 1,) int64 gating hash: first candidate per bucket, -1 none
    nxt: np.ndarray          # (C,) int64
    cix: np.ndarray          # (C,) int64 grid cell of candidate c
    ciy: np.ndarray          # (C,) int64
    ihead: np.ndarray        # (NBM + 1,) int64 initiation hash
    inxt: np.ndarray         # (C,) int64
    iix: np.ndarray          # (C,) int64
    iiy: np.ndarray          # (C,) int64
    tst: np.ndarray          # (C,) int64 the candidates to gate against one plot, in order (gate_batch)


@kernel(inline="always")  # allocated in the loop: LLVM sees the constant inner dimensions (speed)
def new_batch_work(capacity, nbmax, cfg):
    C = capacity
    max_pairs = 64 * nbmax + 64
    return BatchWork(np.array([0.0, cfg.gate1, cfg.gate2, cfg.gate3]), np.empty(C, dtype=np.int64), np.empty((C, 3)),
                     np.empty((C, 3)), np.empty((C, 3, 3)), np.empty(C), np.zeros(C, dtype=np.bool_),
                     np.zeros(C, dtype=np.bool_), np.zeros(C, dtype=np.bool_), np.empty(nbmax),
                     np.full(nbmax, -1, dtype=np.int64), np.zeros(nbmax, dtype=np.bool_),
                     np.empty(max_pairs, dtype=np.int64), np.empty(max_pairs, dtype=np.int64), np.empty(max_pairs),
                     np.empty(C + nbmax, dtype=np.int64), np.full(C, -1, dtype=np.int64),
                     np.full(nbmax, -1, dtype=np.int64), np.empty(C, dtype=np.int64), np.empty(nbmax, dtype=np.int64),
                     np.empty(C, dtype=np.int64), np.empty(C, dtype=np.int64), np.full(NBM + 1, -1, dtype=np.int64),
                     np.empty(C, dtype=np.int64), np.empty(C, dtype=np.int64), np.empty(C, dtype=np.int64),
                     np.full(NBM + 1, -1, dtype=np.int64), np.empty(C, dtype=np.int64), np.empty(C, dtype=np.int64),
                     np.empty(C, dtype=np.int64), np.empty(C, dtype=np.int64))


class Batch(NamedTuple):
    """One batch: rows j0:j1, its sensor, the kept plots' count, first and last times and its processing time."""

    j0: int
    j1: int
    sensor: int
    sensor_ok: bool   # a known sensor (its position, scan, range and noise apply)
    kept: int         # plots not dropped as late (> 0)
    t_ref: float
    t_last: float
    proc: float


class Sector(NamedTuple):
    """The sector swept by the antenna during a batch (:func:`tracker._kernels.gating.swept_sector`)."""

    full: bool       # everything (no sensor, incoherent times, a gap of a scan or more)
    start: float     # azimuth where the sweep began (rad)
    width: float     # swept width (rad)
    strict: float    # width inside which misses count (rad)
    mid_e: float     # pre-rejection cone: the sector's middle direction (east, north) ...
    mid_n: float
    cos_lim: float   # ... and the cosine of its half width plus margins (-2: no cone)


# ---------------------------------------------------------------------------------------------
# borrowed views (speed: no atomic reference counting in the loop; see radar._jit.borrow).  The loop borrows
# its bundles once; a sub-kernel that is a real call (imm_step) rebinds its bundles to borrowed ones at its
# top, so that LLVM sees null owners there too and drops every reference count of their arrays.
@kernel(inline="always")
def borrow_plots(p):
    return PlotColumns(borrow(p.time), borrow(p.proc), borrow(p.sensor), borrow(p.mtype), borrow(p.pos),
                       borrow(p.cov), borrow(p.range), borrow(p.azimuth), borrow(p.mode_c), borrow(p.squawk),
                       borrow(p.late), borrow(p.bstart))


@kernel(inline="always")
def borrow_sensors(s):
    return SensorColumns(s.present, borrow(s.position), borrow(s.rotation), borrow(s.lat), borrow(s.lon),
                         borrow(s.antenna_msl), borrow(s.scan_period), borrow(s.range_max), borrow(s.sigma),
                         borrow(s.origin_ecef), borrow(s.frame_rot))


@kernel(inline="always")
def borrow_grids(g):
    return GridColumns(borrow(g.stack), borrow(g.sensor_grid), g.lat0, g.dlat, g.lon0, g.dlon)


@kernel(inline="always")
def borrow_terrain(g):
    return TerrainColumns(borrow(g.grid), g.lat0, g.dlat, g.lon0, g.dlon)


@kernel(inline="always")
def borrow_rows(r):
    return RowBuffers(borrow(r.time), borrow(r.state), borrow(r.pos_cov), borrow(r.sigma_v), borrow(r.track),
                      borrow(r.status), borrow(r.squawk), borrow(r.sensors))


@kernel(inline="always")
def borrow_table(t):
    return TrackTable(borrow(t.status), borrow(t.x), borrow(t.P), borrow(t.t), borrow(t.last_seen), borrow(t.hist),
                      borrow(t.misses), borrow(t.tid), borrow(t.tsq), borrow(t.smask), borrow(t.hobs), borrow(t.dupn),
                      borrow(t.xm), borrow(t.Pm), borrow(t.mu), borrow(t.free))


@kernel(inline="always")
def borrow_sites(s):
    return Sites(borrow(s.sigma), borrow(s.trig), borrow(s.origin_ecef), borrow(s.frame_rot))


@kernel(inline="always")
def borrow_scratch(s):
    return Scratch(borrow(s.H), borrow(s.R), borrow(s.y), borrow(s.up), borrow(s.Q), borrow(s.tmp), borrow(s.S),
                   borrow(s.Si), borrow(s.Hs), borrow(s.Hs_w), borrow(s.xm), borrow(s.Pm), borrow(s.mu),
                   borrow(s.cbar), borrow(s.L), borrow(s.x0), borrow(s.P0), borrow(s.om), borrow(s.xk), borrow(s.Pk),
                   borrow(s.R1), borrow(s.Rj))


@kernel(inline="always")
def borrow_work(w):
    return BatchWork(borrow(w.gate), borrow(w.cand), borrow(w.cand_xp), borrow(w.cand_v), borrow(w.cand_P),
                     borrow(w.cand_rad), borrow(w.cand_in), borrow(w.cand_hit), borrow(w.cand_dup), borrow(w.pl_rad),
                     borrow(w.pl_assigned), borrow(w.pl_block), borrow(w.pair_c), borrow(w.pair_j), borrow(w.pair_d),
                     borrow(w.parent), borrow(w.loc_c), borrow(w.loc_j), borrow(w.grp_c), borrow(w.grp_j),
                     borrow(w.oversize), borrow(w.inits), borrow(w.head), borrow(w.nxt), borrow(w.cix), borrow(w.ciy),
                     borrow(w.ihead), borrow(w.inxt), borrow(w.iix), borrow(w.iiy), borrow(w.tst))
