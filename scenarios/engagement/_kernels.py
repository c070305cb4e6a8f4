"""Numba kernels of the engagement model: PIP solution and one option's day of scrambles.

Plain contiguous arrays in SI units (m, s, m/s); status codes instead of exceptions; no
globals but constants (every threshold is an argument).  The public layer is
:mod:`scenarios.engagement.engagement`; the slow oracle is the same functions' ``.py_func`` (plain
Python) and the closed forms in ``tests/test_engagement_kinematics.py``.

The rule: everything the defender *decides* comes from the picture rows (the choice of
base, guidance, when a track is stale, where and how to search); everything that *happens*
is played against the true target (``tr_*``: its position every ``tr_dt`` seconds): the
interceptor's sensors look at the true target once per dwell, identification needs the
true target within the identifying sensor's range, over Peru, for the Phase I + II time.

Geometry: horizontal motion in the scenario ENU tangent plane (x east, y north).  Over
1,000 km the plane's scale error is < 1 % (the tangent plane stretches distances by
~(d/R)^2/6 ... (d/R)^2/2), far below the uncertainty of the cruise speeds used; heights
come from the geodetic conversion done by the public layer, never from z.  Sensor ranges
are horizontal: the interceptor flies at the track's height (the PIP climb term), and at
identification it is at the target's level.
"""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from radar._jit import kernel
from radar.constants import HOUR_S

# outcome codes of one engagement (one scramble decision on one suspect track)
ENG_NO_AIRCRAFT = 0      # no ready aircraft free at the order time
ENG_OUT_OF_RANGE = 1     # no PIP inside radius / endurance (at the order, or on a later re-solve)
ENG_LOST_TRACK = 2       # no contact before bingo (guidance on the track, then the search pattern)
ENG_IDENTIFIED = 3       # contact and Phase I + II completed against the true target over Peru
ENG_NO_ID_NIGHT = 4      # contact, but night and no pod/turret: nothing could read the registration
ENG_BINGO_BEFORE_ID = 5  # contact, but bingo came before Phase II ended
ENG_RETASKED = 6         # its track went stale and the airborne interceptor was retasked to a re-acquired track
ENG_TOO_LATE = 7         # no contact, and the true target landed or left Peru first
ENG_TARGET_GONE = 8      # contact, but the true target landed or left Peru before Phase II ended

# contact / identification sensors
SENSOR_NONE, SENSOR_RADAR, SENSOR_EO_IR, SENSOR_VISUAL = 0, 1, 2, 3
# end-game after identifying a drug flight (the Law 30339 procedure beyond Phase II)
END_NONE = 0             # not identified, or not a drug flight (an innocent aircraft: break away)
END_PHASE_V = 1          # the interceptor stayed with it over Peru through Phases III..V (the full window)
END_STRIP = 2            # it landed first, the interceptor with it: the strip is located, the ground raid cued
END_LEFT_PERU = 3        # it left Peru before the window closed (hand-off to Bolivia)
END_BINGO = 4            # the interceptor had to go home first



# the kernels' inputs and outputs: NamedTuples of contiguous arrays, one dtype per field (float64 unless said)
PictureRows = namedtuple("PictureRows", "t tobs x y h vx vy sigma night")
PictureRows.__doc__ = """The picture's rows of the suspect tracks, sorted by track then time: row time (s), observation
time of the report (s; a cross-told row is written long after it), x, y (m, scenario ENU), height MSL (m),
vx, vy (m/s), position sigma (m), night (1 = sun < -6 deg there)."""
Orders = namedtuple("Orders", "first end t_order flight")
Orders.__doc__ = """Engagement j covers rows [first[j], end[j]) (int64) of one suspect track, ordered at t_order[j]
(non-decreasing); flight[j] (int64) is the true aircraft there (index into :class:`Truth`, -1 none), known to
the physics only."""
Truth = namedtuple("Truth", "off t0 dt x y night rcs drug exit uid")
Truth.__doc__ = """The true aircraft: samples of aircraft l are off[l]:off[l + 1] (int64), at t0[l] + i dt (dt a float);
x, y (m, NaN when not airborne), night (uint8 per sample); per aircraft: rcs (m^2), drug (uint8), exit (when it
leaves Peru for good, s; inf), uid (int64: its index in the day, which keys its sensor draws)."""
Mask = namedtuple("Mask", "cells x0 y0 cell")
Mask.__doc__ = """Cells of the scenario plane inside Peru: cells[i, k] (uint8) covers x in [x0 + k cell, ...), y in
[y0 + i cell, ...) (floats, m)."""
Fleet = namedtuple("Fleet", "x y h v climb endurance radius radar irst eo_day eo_night escort alert_delay "
                            "standby_delay turnaround seats slot_det slot_ready")
Fleet.__doc__ = """An option's detachments (per detachment: base x, y, h (m), cruise speed v and climb (m/s),
endurance (s), radius (m), look-down radar, IRST and identifying EO/IR ranges by day and night (m, 0 none), the
slowest escort speed (m/s), launch delays from an alert seat and otherwise, turnaround (s), alert seats held
today (int64)) and aircraft slots (slot_det: its detachment (int64); slot_ready: ready today if nonzero)."""
Path = namedtuple("Path", "t x y")
Path.__doc__ = """Recorded sortie positions (one sample per dwell)."""
Outcomes = namedtuple("Outcomes", "t_air t_contact c_range cx cy t_id id_x id_y hours t_search t_end "
                                  "code slot c_sensor id_sensor night searched retask_of endgame")
Outcomes.__doc__ = """Outputs per engagement, NaN when absent: airborne, contact (s), range at contact (m), the
interceptor at contact (m), identified (s), the interceptor there (m), flight hours, search began, its work
ended (s); int64: ENG_* code, aircraft slot (-1 none), SENSOR_* of the contact and of the identification,
night (1), searched (1), the engagement whose aircraft was retasked to this one (-1 none), END_*."""


def new_outcomes(n: int) -> Outcomes:
    """Empty :class:`Outcomes` of ``n`` engagements (plain NumPy, for the public layer)."""
    f = [np.zeros(n) for _ in range(11)]
    i = [np.zeros(n, np.int64) for _ in range(8)]
    return Outcomes(*f, *i)


# scalar parameters (prm)
P_PHASE12, P_ENDGAME, P_RESERVE, P_SEARCH_AGE, P_TURNAROUND, P_K_SIGMA, P_K_DRIFT, P_ABORT, P_RETASK_MIN, \
    P_DWELL, P_SPACING, P_VIS_DET, P_VIS_ID, P_SNR_REF, P_LN_PFA, P_REF_RCS, P_KEY0, P_KEY1 = range(18)
N_P = 18

# sortie modes
_GUIDE, _SEARCH, _CLOSE, _ENDGAME = 0, 1, 2, 3
_M32 = 0xFFFFFFFF


@kernel
def pip_time(dx, dy, vx, vy, vi):
    """Smallest tau >= 0 with |d + v_t tau| = v_i tau (collision course); inf if none.

    (|v_t|^2 - v_i^2) tau^2 + 2 (d . v_t) tau + |d|^2 = 0, solved with the numerically stable
    q = -(b + sign(b) sqrt(b^2 - 4ac)) / 2 form (roots q/a and c/q).
    """
    c = dx * dx + dy * dy
    if c == 0.0:
        return 0.0
    a = vx * vx + vy * vy - vi * vi
    b = 2.0 * (dx * vx + dy * vy)
    if abs(a) <= 1e-12 * vi * vi:
        if b < 0.0:
            return -c / b
        return math.inf
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        return math.inf
    sq = math.sqrt(disc)
    q = -0.5 * (b + sq) if b >= 0.0 else -0.5 * (b - sq)
    best = math.inf
    if a != 0.0:
        r1 = q / a
        if r1 >= 0.0 and r1 < best:
            best = r1
    if q != 0.0:
        r2 = c / q
        if r2 >= 0.0 and r2 < best:
            best = r2
    return best


@kernel
def _latest_row(row_t, first, end, t):
    """Index of the last row of [first, end) with row_t <= t (first if none)."""
    lo = first
    hi = end
    while lo < hi:
        mid = (lo + hi) // 2
        if row_t[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    k = lo - 1
    if k < first:
        k = first
    return k


@kernel
def _solve(row_t, row_x, row_y, row_h, row_vx, row_vy, k, t, px, py, ph, vi, climb):
    """PIP from the estimate of row k extrapolated to t: (tau, aim_x, aim_y).

    tau = max(horizontal collision time, |dh| / climb): the interceptor climbs or descends
    while it flies, so the slower of the two constraints sets the meeting time; with a
    faster interceptor the horizontal constraint stays met for every later tau.
    """
    dtk = t - row_t[k]
    tx = row_x[k] + row_vx[k] * dtk
    ty = row_y[k] + row_vy[k] * dtk
    tau = pip_time(tx - px, ty - py, row_vx[k], row_vy[k], vi)
    if not math.isfinite(tau):
        return math.inf, tx, ty
    tclimb = abs(row_h[k] - ph) / climb
    if tclimb > tau:
        tau = tclimb
    return tau, tx + row_vx[k] * tau, ty + row_vy[k] * tau


@kernel
def _mix32(x):
    """A 32-bit integer hash (lowbias32); the same in Numba (int64 wraps) and CPython (masked)."""
    x = int(x) & _M32
    x = ((x ^ (x >> 16)) * 0x7FEB352D) & _M32
    x = ((x ^ (x >> 15)) * 0x846CA68B) & _M32
    return x ^ (x >> 16)


@kernel
def uniform(key0, key1, a, b, c):
    """A counter-based uniform in (0, 1) keyed by (key0, key1) and the counters (a, b, c)."""
    h = _mix32(key0 ^ 0x9E3779B9)
    h = _mix32(h ^ key1)
    h = _mix32(h ^ (a & _M32))
    h = _mix32(h ^ (b & _M32) ^ ((b >> 32) & _M32) * 0x85EBCA6B)
    h = _mix32(h ^ (c & _M32))
    return (h + 0.5) / 4294967296.0


@kernel
def truth_at(tr_off, tr_t0, tr_dt, tr_x, tr_y, f, t):
    """True position of flight f at t (linear between its samples): (x, y, airborne, sample index)."""
    if f < 0:
        return math.nan, math.nan, False, -1
    a = tr_off[f]
    n = tr_off[f + 1] - a
    u = (t - tr_t0[f]) / tr_dt
    if not (u >= 0.0) or n < 1:
        return math.nan, math.nan, False, -1
    j = int(math.floor(u))
    if j >= n - 1:
        if j == n - 1 and u == j:
            x = tr_x[a + j]
            y = tr_y[a + j]
            return x, y, math.isfinite(x), a + j
        return math.nan, math.nan, False, -1
    w = u - j
    x0 = tr_x[a + j]
    x1 = tr_x[a + j + 1]
    if not (math.isfinite(x0) and math.isfinite(x1)):
        return math.nan, math.nan, False, -1
    return x0 + w * (x1 - x0), tr_y[a + j] + w * (tr_y[a + j + 1] - tr_y[a + j]), True, a + j


@kernel
def in_mask(mask, m_x0, m_y0, m_cell, x, y):
    """True where (x, y) falls in a cell of the mask marked 1 (outside the grid: False)."""
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    i = int(math.floor((y - m_y0) / m_cell))
    j = int(math.floor((x - m_x0) / m_cell))
    if i < 0 or j < 0 or i >= mask.shape[0] or j >= mask.shape[1]:
        return False
    return mask[i, j] != 0


@kernel
def detect(r, night, rcs, radar_m, irst_m, eo_day, eo_night, vis_m, snr_ref, ln_pfa, ref_rcs, u):
    """The sensor that sees a target at horizontal range r this dwell (SENSOR_*; 0 none).

    Radar: R = radar_m (look-down range on ref_rcs, clutter included) x (rcs / ref_rcs)^(1/4)
    is where a dwell has Pd = Pd_ref; Swerling 1: Pd(r) = Pfa^(1 / (1 + SNR)), SNR = SNR_ref
    (R / r)^4, drawn with the uniform u.  IRST and EO/IR: inside their range (EO/IR at night
    with its night range).  Eyes: by day within vis_m.
    """
    if radar_m > 0.0 and rcs > 0.0:
        rd = radar_m * (rcs / ref_rcs) ** 0.25
        if r <= 4.0 * rd:
            q = rd / r if r > 0.0 else 1e6
            snr = snr_ref * q * q * q * q
            if u < math.exp(ln_pfa / (1.0 + snr)):
                return SENSOR_RADAR
    if irst_m > 0.0 and r <= irst_m:
        return SENSOR_EO_IR
    eo = eo_night if night else eo_day
    if eo > 0.0 and r <= eo:
        return SENSOR_EO_IR
    if (not night) and r <= vis_m:
        return SENSOR_VISUAL
    return SENSOR_NONE


@kernel
def square_leg(n, spacing):
    """Leg n (0, 1, ...) of the expanding square: (length, direction index 0..3, turning left from the first).

    Lengths S, S, 2S, 2S, 3S, 3S, ...; direction n mod 4 (0 along the reported heading, 1 its
    left, 2 back, 3 right)."""
    return spacing * (n // 2 + 1), n % 4


@kernel
def _move_toward(px, py, gx, gy, step):
    """Move from (px, py) toward (gx, gy) by at most step: (x, y, reached)."""
    gap = math.hypot(gx - px, gy - py)
    if gap <= step:
        return gx, gy, True
    return px + (gx - px) * step / gap, py + (gy - py) * step / gap, False


@kernel
def _fly(rows, truth, mask, fleet, prm, path, out, j, first, end, f, det, t_start, px, py, ph, t_air, n_path):
    """One sortie from (px, py, ph) at t_start on the rows [first, end) of a track whose true
    aircraft is flight f (-1: none).  Writes engagement j's outputs (except slot, t_air, hours,
    retask) and returns (t_done, x_done, y_done, n_path): where and when its work ends.

    Every dwell (prm[P_DWELL] s): fuel check; the sensors against the true target (until
    contact); then one step of the current mode:

    * guidance: PIP on the latest row extrapolated to now; on arrival at the aim point of a
      track whose latest observation is older than the search age, the search begins;
    * search: an expanding square around the dead-reckoned point (the latest report moved
      on by its velocity), first leg along the reported heading; back to guidance when a fresh
      report arrives; over when the true target lands or leaves Peru (ENG_TOO_LATE);
    * contact: close on the true target to the Phase I station (visual ID range); the
      identification clock runs while it is inside the identifying sensor's range (pod or
      turret, by day also the eyes at the station), both over Peru; it needs Phases I + II x
      max(1, v_min_escort / v_target); the interceptor holds at the border rather than
      following over Bolivia;
    * after identifying a drug flight, the end-game: stay with it until the procedure's window
      (prm[P_ENDGAME]) closes, it lands (strip located), it leaves Peru, or bingo; an innocent
      aircraft is broken away from at once.

    The interceptor is detachment det's of ``fleet``; its positions are recorded into ``path`` (from n_path).
    """
    row_t = rows.t
    row_tobs = rows.tobs
    row_x = rows.x
    row_y = rows.y
    row_h = rows.h
    row_vx = rows.vx
    row_vy = rows.vy
    row_night = rows.night
    tr_off = truth.off
    tr_t0 = truth.t0
    tr_dt = truth.dt
    tr_x = truth.x
    tr_y = truth.y
    tr_night = truth.night
    tr_rcs = truth.rcs
    tr_drug = truth.drug
    tr_exit = truth.exit
    tr_uid = truth.uid
    m_cells = mask.cells
    m_x0 = mask.x0
    m_y0 = mask.y0
    m_cell = mask.cell
    bx = fleet.x[det]
    by = fleet.y[det]
    vi = fleet.v[det]
    climb = fleet.climb[det]
    endurance = fleet.endurance[det]
    radar_m = fleet.radar[det]
    irst_m = fleet.irst[det]
    eo_day = fleet.eo_day[det]
    eo_night = fleet.eo_night[det]
    escort = fleet.escort[det]
    path_t = path.t
    path_x = path.x
    path_y = path.y
    dt = prm[P_DWELL]
    reserve = prm[P_RESERVE]
    search_age = prm[P_SEARCH_AGE]
    vis_id = prm[P_VIS_ID]
    station = 0.5 * vis_id
    t = t_start
    k = _latest_row(row_t, first, end, t)
    mode = _GUIDE
    code = -1
    bad_since = math.nan
    prev_ok = False
    pax = px
    pay = py
    searched = 0
    t_search = math.nan
    sq_n = -1          # search leg (-1: heading to the centre)
    sq_gx = 0.0        # current search waypoint relative to the centre
    sq_gy = 0.0
    sq_ux = 0.0        # search axes (along the reported heading, and its left)
    sq_uy = 1.0
    spacing = 0.0
    clock = 0.0
    need = 0.0
    t_id = math.nan
    night_blocked = False
    rcs = tr_rcs[f] if f >= 0 else 0.0
    t_exit = tr_exit[f] if f >= 0 else math.inf
    cap = path_t.shape[0]
    step = vi * dt
    while True:
        if n_path < cap:
            path_t[n_path] = t
            path_x[n_path] = px
            path_y[n_path] = py
            n_path += 1
        # ---- the true target now
        tx, ty, airborne, si = truth_at(tr_off, tr_t0, tr_dt, tr_x, tr_y, f, t)
        night_t = tr_night[si] != 0 if si >= 0 else row_night[k] != 0
        gone = f >= 0 and ((not airborne) or t > t_exit)
        # ---- fuel
        home = math.hypot(px - bx, py - by) / vi
        if (t - t_air) + home + reserve >= endurance:
            if mode == _GUIDE or mode == _SEARCH:
                code = ENG_LOST_TRACK
            elif mode == _CLOSE:
                code = ENG_NO_ID_NIGHT if night_blocked else ENG_BINGO_BEFORE_ID
            else:
                out.endgame[j] = END_BINGO
            break
        # ---- the sensors against the true target, until contact
        if (mode == _GUIDE or mode == _SEARCH) and airborne and not gone:
            r = math.hypot(tx - px, ty - py)
            # keyed by the aircraft's index in the day and the dwell's time: the same draw for the same event
            # in every picture, whichever other flights are engaged
            u = uniform(int(prm[P_KEY0]), int(prm[P_KEY1]), tr_uid[f], int(math.floor(t / dt + 0.5)), SENSOR_RADAR)
            s = detect(r, night_t, rcs, radar_m, irst_m, eo_day, eo_night, prm[P_VIS_DET], prm[P_SNR_REF],
                       prm[P_LN_PFA], prm[P_REF_RCS], u)
            if s != SENSOR_NONE:
                mode = _CLOSE
                out.t_contact[j] = t
                out.c_range[j] = r
                out.cx[j] = px
                out.cy[j] = py
                out.c_sensor[j] = s
                out.night[j] = 1 if night_t else 0
                # Phases I + II, stretched when the target is slower than the interceptor's escort speed
                a = tr_off[f]
                q = si - a
                vt = 1.0
                if q >= 0 and si + 1 < tr_off[f + 1] and math.isfinite(tr_x[si + 1]):
                    vt = math.hypot(tr_x[si + 1] - tr_x[si], tr_y[si + 1] - tr_y[si]) / tr_dt
                if vt < 1.0:
                    vt = 1.0
                fac = escort / vt
                if fac < 1.0:
                    fac = 1.0
                need = prm[P_PHASE12] * fac
        if (mode == _GUIDE or mode == _SEARCH) and gone:
            code = ENG_TOO_LATE
            break
        # ---- contact: close on the true target (its position at the end of the dwell), identify
        if mode == _CLOSE or mode == _ENDGAME:
            t1 = t + dt
            tx1, ty1, ok1, si1 = truth_at(tr_off, tr_t0, tr_dt, tr_x, tr_y, f, t1)
            if mode == _ENDGAME:
                if not ok1:
                    out.endgame[j] = END_STRIP      # it landed with the interceptor overhead
                    break
                if t1 > t_exit or not in_mask(m_cells, m_x0, m_y0, m_cell, tx1, ty1):
                    out.endgame[j] = END_LEFT_PERU
                    break
            elif not ok1 or t1 > t_exit:
                code = ENG_NO_ID_NIGHT if night_blocked else ENG_TARGET_GONE
                break
            # to the station (half the visual ID range: Phase II closes slowly to read), never closer
            d0 = math.hypot(tx1 - px, ty1 - py)
            if d0 > station:
                w = (d0 - station) / d0
                nx, ny, _ = _move_toward(px, py, px + (tx1 - px) * w, py + (ty1 - py) * w, step)
            else:
                nx = px
                ny = py
            peru_t = in_mask(m_cells, m_x0, m_y0, m_cell, tx1, ty1)
            if peru_t or in_mask(m_cells, m_x0, m_y0, m_cell, nx, ny):
                px = nx               # over Bolivia the interceptor holds at the border
                py = ny
            t = t1
            if mode == _ENDGAME:
                if t >= t_id + prm[P_ENDGAME] - 1e-9:
                    out.endgame[j] = END_PHASE_V
                    break
                continue
            night1 = tr_night[si1] != 0
            d = math.hypot(tx1 - px, ty1 - py)
            idr = eo_night if night1 else (eo_day if eo_day > vis_id else vis_id)
            night_blocked = idr <= 0.0
            if idr > 0.0 and d <= idr and peru_t and in_mask(m_cells, m_x0, m_y0, m_cell, px, py):
                clock += dt
                if clock >= need - 1e-9:
                    t_id = t
                    out.t_id[j] = t_id
                    out.id_x[j] = px
                    out.id_y[j] = py
                    out.night[j] = 1 if night1 else 0
                    out.id_sensor[j] = SENSOR_EO_IR if (night1 or eo_day > vis_id) else SENSOR_VISUAL
                    code = ENG_IDENTIFIED
                    if tr_drug[f] == 0:
                        break         # an innocent aircraft: Phase III, break away
                    mode = _ENDGAME
            continue
        # ---- the picture: guidance or search
        while k + 1 < end and row_t[k + 1] <= t:
            k += 1
        age = t - row_tobs[k]
        if mode == _SEARCH and age <= search_age:
            mode = _GUIDE         # a fresh report: back to the PIP
        if mode == _GUIDE:
            tau, ax, ay = _solve(row_t, row_x, row_y, row_h, row_vx, row_vy, k, t, px, py, ph, vi, climb)
            dist_a = math.hypot(ax - bx, ay - by)
            k_last = k + 1 >= end
            feasible = math.isfinite(tau) and (t + tau - t_air) + dist_a / vi + reserve <= endurance
            if not feasible:
                # an infeasible re-solve (target outrunning, or beyond bingo) aborts the sortie only when
                # it persists for abort_persist_s; meanwhile hold course on the last feasible aim point
                if math.isnan(bad_since):
                    bad_since = t
                if (not prev_ok) or k_last or t - bad_since >= prm[P_ABORT]:
                    code = ENG_OUT_OF_RANGE
                    break
                px, py, _ = _move_toward(px, py, pax, pay, step)
                t += dt
                continue
            bad_since = math.nan
            prev_ok = True
            pax = ax
            pay = ay
            dh = row_h[k] - ph
            if abs(dh) <= climb * dt:
                ph = row_h[k]
            else:
                ph += climb * dt if dh > 0 else -climb * dt
            if tau <= dt and age > search_age:
                # on the dead-reckoned point of a stale track: the search begins
                mode = _SEARCH
                if searched == 0:
                    searched = 1
                    t_search = t + tau
                vx = row_vx[k]
                vy = row_vy[k]
                vn = math.hypot(vx, vy)
                if vn >= 1.0:
                    sq_ux = vx / vn
                    sq_uy = vy / vn
                else:
                    sq_ux = 0.0
                    sq_uy = 1.0
                night_k = row_night[k] != 0
                nominal = radar_m if radar_m > irst_m else irst_m
                eo = eo_night if night_k else eo_day
                if eo > nominal:
                    nominal = eo
                if (not night_k) and prm[P_VIS_DET] > nominal:
                    nominal = prm[P_VIS_DET]
                if nominal <= 0.0:
                    code = ENG_LOST_TRACK    # nothing to search with: straight home
                    px = ax
                    py = ay
                    t += tau
                    break
                spacing = prm[P_SPACING] * nominal
                sq_n = -1
                sq_gx = 0.0
                sq_gy = 0.0
            px, py, _ = _move_toward(px, py, ax, ay, step)
            t += dt
            continue
        # mode == _SEARCH: fly the square relative to the moving dead-reckoned point
        dtk = t + dt - row_t[k]
        cx = row_x[k] + row_vx[k] * dtk
        cy = row_y[k] + row_vy[k] * dtk
        remaining = step
        for _ in range(8):
            gx = cx + sq_gx * sq_ux - sq_gy * sq_uy
            gy = cy + sq_gx * sq_uy + sq_gy * sq_ux
            gap = math.hypot(gx - px, gy - py)
            if gap > remaining:
                px += (gx - px) * remaining / gap
                py += (gy - py) * remaining / gap
                break
            px = gx
            py = gy
            remaining -= gap
            sq_n += 1
            length, dirn = square_leg(sq_n, spacing)
            if dirn == 0:
                sq_gx += length
            elif dirn == 1:
                sq_gy += length
            elif dirn == 2:
                sq_gx -= length
            else:
                sq_gy -= length
        t += dt
    out.code[j] = code
    out.searched[j] = searched
    out.t_search[j] = t_search
    out.t_end[j] = t
    return t, px, py, n_path


@kernel
def _position_at(path_t, path_x, path_y, lo, hi, t, sx, sy):
    """Aircraft position of a recorded sortie (samples [lo, hi)) at time t (linear between samples)."""
    if hi <= lo or not (path_t[lo] <= t):
        return sx, sy
    a = lo
    b = hi
    while b - a > 1:
        m = (a + b) // 2
        if path_t[m] <= t:
            a = m
        else:
            b = m
    if a + 1 >= hi or path_t[a + 1] <= path_t[a]:
        return path_x[a], path_y[a]
    w = (t - path_t[a]) / (path_t[a + 1] - path_t[a])
    return path_x[a] + w * (path_x[a + 1] - path_x[a]), path_y[a] + w * (path_y[a + 1] - path_y[a])


@kernel
def engage_option(rows, orders, truth, mask, fleet, prm, path_cap, out):
    """Play one option's scrambles (``fleet``) over one picture (``rows``), in order of the scramble ``orders``,
    against the ``truth`` over Peru (``mask``); outputs per engagement into ``out`` (:class:`PictureRows`,
    :class:`Fleet`, :class:`Orders`, :class:`Truth`, :class:`Mask`, :class:`Outcomes`); ``path_cap``: samples
    of a sortie's recorded path.

    Pools: slot s is busy from the order until landing + turnaround.  A launch from a filled alert seat
    (while a free ready aircraft sits in it) takes alert_delay, any other free ready aircraft standby_delay;
    a seat vacated by a launch is filled again standby_delay later.  The choice of base uses only rows at or
    before the order; guidance at time t only rows at or before t.

    Retasking (a re-acquired track is not a new target): when track j is ordered while an earlier sortie is
    still working a track that has gone stale (no observation for the search age) without contact, and j's
    estimate lies within max(retask_min_m, k_sigma (sigma_i + sigma_j) + k_drift v_i dt) of that track's
    dead-reckoned position, the airborne interceptor is retasked to j from where it is (same fuel clock); the
    earlier engagement ends as ENG_RETASKED with its hours moved to j.
    """
    row_t = rows.t
    row_tobs = rows.tobs
    row_x = rows.x
    row_y = rows.y
    row_h = rows.h
    row_vx = rows.vx
    row_vy = rows.vy
    row_sigma = rows.sigma
    row_night = rows.night
    eng_first = orders.first
    eng_end = orders.end
    eng_t_order = orders.t_order
    eng_flight = orders.flight
    det_x = fleet.x
    det_y = fleet.y
    det_h = fleet.h
    det_v = fleet.v
    det_climb = fleet.climb
    det_endurance = fleet.endurance
    det_radius = fleet.radius
    det_alert_delay = fleet.alert_delay
    det_standby_delay = fleet.standby_delay
    det_turnaround = fleet.turnaround
    det_seats = fleet.seats
    slot_det = fleet.slot_det
    slot_ready = fleet.slot_ready
    o_t_air = out.t_air
    o_t_contact = out.t_contact
    o_c_range = out.c_range
    o_cx = out.cx
    o_cy = out.cy
    o_t_id = out.t_id
    o_id_x = out.id_x
    o_id_y = out.id_y
    o_hours = out.hours
    o_t_search = out.t_search
    o_t_end = out.t_end
    o_code = out.code
    o_slot = out.slot
    o_c_sensor = out.c_sensor
    o_id_sensor = out.id_sensor
    o_night = out.night
    o_searched = out.searched
    o_retask_of = out.retask_of
    o_endgame = out.endgame
    n_slots = slot_det.shape[0]
    n_eng = eng_first.shape[0]
    n_det = det_x.shape[0]
    busy_until = np.full(n_slots, -math.inf)
    seat_off = np.zeros(n_det + 1, np.int64)
    for d in range(n_det):
        seat_off[d + 1] = seat_off[d] + det_seats[d]
    seat_refill = np.full(seat_off[n_det], -math.inf)
    t_done_of = np.full(n_eng, math.nan)
    path_lo = np.zeros(n_eng, np.int64)
    path_hi = np.zeros(n_eng, np.int64)
    cap = n_eng * path_cap + 1
    path_t = np.empty(cap)
    path_x = np.empty(cap)
    path_y = np.empty(cap)
    path = Path(path_t, path_x, path_y)
    n_path = np.int64(0)  # not a literal 0: _fly would be compiled twice (Literal[int](0), then int64)
    search_age = prm[P_SEARCH_AGE]
    for j in range(n_eng):
        o_t_air[j] = o_t_contact[j] = o_c_range[j] = o_cx[j] = o_cy[j] = o_t_id[j] = math.nan
        o_id_x[j] = o_id_y[j] = o_hours[j] = o_t_search[j] = o_t_end[j] = math.nan
        o_code[j] = o_slot[j] = o_c_sensor[j] = o_id_sensor[j] = o_night[j] = o_searched[j] = 0
        o_retask_of[j] = o_endgame[j] = 0
        o_hours[j] = 0.0
        o_code[j] = -1
        o_slot[j] = -1
        o_retask_of[j] = -1
        first = eng_first[j]
        end = eng_end[j]
        t_order = eng_t_order[j]
        f = eng_flight[j]
        k0 = _latest_row(row_t, first, end, t_order)
        o_night[j] = row_night[k0]
        ex = row_x[k0] + row_vx[k0] * (t_order - row_t[k0])
        ey = row_y[k0] + row_vy[k0] * (t_order - row_t[k0])
        # ---- retask an airborne interceptor whose track went stale near this one?
        best_i = -1
        best_gap = math.inf
        for i in range(j):
            if o_slot[i] < 0 or o_code[i] == ENG_RETASKED or not (t_done_of[i] > t_order):
                continue
            if o_t_contact[i] <= t_order:     # already in contact (NaN compares False)
                continue
            kl = _latest_row(row_t, eng_first[i], eng_end[i], t_order)
            if row_tobs[kl] >= t_order - search_age:
                continue                              # its track is still observed: a different target
            dt = t_order - row_t[kl]
            dx = row_x[kl] + row_vx[kl] * dt - ex
            dy = row_y[kl] + row_vy[kl] * dt - ey
            gate = prm[P_K_SIGMA] * (row_sigma[kl] + row_sigma[k0]) + prm[P_K_DRIFT] * math.hypot(
                row_vx[kl], row_vy[kl]) * dt
            if gate < prm[P_RETASK_MIN]:
                gate = prm[P_RETASK_MIN]
            gap = math.hypot(dx, dy)
            if gap <= gate and gap < best_gap:
                best_gap = gap
                best_i = i
        if best_i >= 0:
            i = best_i
            s = o_slot[i]
            d = slot_det[s]
            px, py = _position_at(path_t, path_x, path_y, path_lo[i], path_hi[i], t_order, det_x[d], det_y[d])
            t_air = o_t_air[i]
            # the retasked aircraft may still be on the ground (ordered, not yet airborne)
            t_start = t_order if t_order > t_air else t_air
            h_start = row_h[k0] if t_order > t_air else det_h[d]
            # the earlier engagement ends here; its hours move to this one
            o_t_contact[i] = o_c_range[i] = o_cx[i] = o_cy[i] = o_t_id[i] = math.nan
            o_id_x[i] = o_id_y[i] = o_hours[i] = o_t_search[i] = o_t_end[i] = math.nan
            o_hours[i] = 0.0
            o_code[i] = ENG_RETASKED
            o_c_sensor[i] = 0
            o_id_sensor[i] = 0
            o_endgame[i] = 0
            t_done_of[i] = t_order
            o_retask_of[j] = i
        else:
            # ---- choose the detachment giving the earliest predicted intercept (rows <= t_order only)
            any_free = False
            best_d = -1
            best_tc = math.inf
            best_alert = False
            for d in range(n_det):
                n_free = 0
                for s in range(n_slots):
                    if slot_det[s] == d and slot_ready[s] != 0 and busy_until[s] <= t_order:
                        n_free += 1
                if n_free == 0:
                    continue
                any_free = True
                n_filled = 0
                for p in range(seat_off[d], seat_off[d + 1]):
                    if seat_refill[p] <= t_order:
                        n_filled += 1
                from_alert = n_filled > 0
                t_air = t_order + (det_alert_delay[d] if from_alert else det_standby_delay[d])
                tau, ax, ay = _solve(row_t, row_x, row_y, row_h, row_vx, row_vy, k0, t_air,
                                     det_x[d], det_y[d], det_h[d], det_v[d], det_climb[d])
                if not math.isfinite(tau):
                    continue
                dist = math.hypot(ax - det_x[d], ay - det_y[d])
                if dist > det_radius[d] or tau + dist / det_v[d] + prm[P_RESERVE] > det_endurance[d]:
                    continue
                if t_air + tau < best_tc:
                    best_tc = t_air + tau
                    best_d = d
                    best_alert = from_alert
            if best_d < 0:
                o_code[j] = ENG_OUT_OF_RANGE if any_free else ENG_NO_AIRCRAFT
                continue
            d = best_d
            s = -1
            for q in range(n_slots):
                if slot_det[q] == d and slot_ready[q] != 0 and busy_until[q] <= t_order:
                    s = q
                    break
            if best_alert:
                for p in range(seat_off[d], seat_off[d + 1]):
                    if seat_refill[p] <= t_order:
                        seat_refill[p] = t_order + det_standby_delay[d]
                        break
            t_air = t_order + (det_alert_delay[d] if best_alert else det_standby_delay[d])
            t_start = t_air
            px = det_x[d]
            py = det_y[d]
            h_start = det_h[d]
        o_slot[j] = s
        o_t_air[j] = t_air
        path_lo[j] = n_path
        t_done, x_done, y_done, n_path = _fly(rows, truth, mask, fleet, prm, path, out, j, first, end, f, d,
                                              t_start, px, py, h_start, t_air, n_path)
        path_hi[j] = n_path
        t_home = t_done + math.hypot(x_done - det_x[d], y_done - det_y[d]) / det_v[d]
        o_hours[j] = (t_home - t_air) / HOUR_S
        t_done_of[j] = t_done
        busy_until[s] = t_home + det_turnaround[d]
