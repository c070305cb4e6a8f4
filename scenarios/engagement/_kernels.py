"""Numba kernels of the engagement model: PIP solution and one option's day of scrambles.

Plain contiguous arrays in SI units (m, s, m/s); status codes instead of exceptions; no
globals (every threshold is an argument).  The public layer is
:mod:`scenarios.engagement.engagement`; the slow oracle is the same functions' ``.py_func``
(plain Python) and the closed forms in ``tests/test_engagement_kinematics.py``.

Geometry: horizontal motion in the scenario ENU tangent plane (x east, y north).  Over
1,000 km the plane's scale error is < 1 % (the tangent plane stretches distances by
~(d/R)^2/6 ... (d/R)^2/2), far below the uncertainty of the cruise speeds used; heights
come from the geodetic conversion done by the public layer, never from z.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from radar.constants import HOUR_S

# outcome codes of one engagement (one scramble decision on one suspect track)
ENG_NO_AIRCRAFT = 0      # no ready aircraft free at the order time
ENG_OUT_OF_RANGE = 1     # no PIP inside radius / endurance (at the order, or on a later re-solve)
ENG_LOST_TRACK = 2       # arrived on a stale track, own-sensor search failed before bingo
ENG_IDENTIFIED = 3       # contact and Phase I + II completed before bingo
ENG_NO_ID_NIGHT = 4      # contact at night without EO/IR: no identification possible
ENG_BINGO_BEFORE_ID = 5  # contact, but bingo came before Phase II ended
ENG_RETASKED = 6         # its track went stale and the airborne interceptor was retasked to a re-acquired track


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
    hi = end  # invariant: rows < lo have t <= t (except possibly first), rows >= hi have t > t
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
def _fly(row_t, row_x, row_y, row_h, row_vx, row_vy, row_sigma, row_night, first, end,
         t_start, px, py, ph, t_air, bx, by, vi, climb, endurance, acq_day, acq_night, eoir, escort, u,
         phase12_s, reserve_s, search_age_s, k_sigma, k_drift, abort_persist_s,
         path_t, path_x, path_y, path_ax, path_ay):
    """One sortie from (px, py, ph) at t_start on the rows [first, end) of a track.

    PIP guidance re-solved at every update; own-sensor search on a stale track; Phase I + II
    after contact; bingo.  Records the aircraft's path: at row r (visited), its position at
    path_t[r] and the aim point it then flew toward at vi (for retasking later).

    Returns (code, t_contact, t_id, cx, cy, t_done, searched, t_search, k) where (cx, cy) is
    where the sortie ends its work (contact / ID / search point / abort point) at t_done.
    """
    t = t_start
    k = _latest_row(row_t, first, end, t)
    code = -1
    t_done = t
    cx = px
    cy = py
    t_contact = math.nan
    t_id = math.nan
    searched = 0
    t_search = math.nan
    prev_ok = False
    pax = px
    pay = py
    bad_since = math.nan
    while True:
        tau, ax, ay = _solve(row_t, row_x, row_y, row_h, row_vx, row_vy, k, t, px, py, ph, vi, climb)
        dist_a = math.hypot(ax - bx, ay - by)
        t_next = row_t[k + 1] if k + 1 < end else math.inf
        feasible = math.isfinite(tau) and (t + tau - t_air) + dist_a / vi + reserve_s <= endurance
        if not feasible:
            # an infeasible re-solve (target outrunning, or beyond bingo) aborts the sortie only when
            # it persists for abort_persist_s, or at once when fuel says go home now; meanwhile hold
            # course on the last feasible aim point (no contact is declared on an infeasible solution)
            home_now = (t - t_air) + math.hypot(px - bx, py - by) / vi + reserve_s >= endurance
            if math.isnan(bad_since):
                bad_since = t
            if home_now or (not prev_ok) or (not math.isfinite(t_next)) or t - bad_since >= abort_persist_s:
                code = ENG_OUT_OF_RANGE
                t_done = t
                cx = px
                cy = py
                break
            path_t[k] = t
            path_x[k] = px
            path_y[k] = py
            path_ax[k] = pax
            path_ay[k] = pay
            gap = math.hypot(pax - px, pay - py)
            step = vi * (t_next - t)
            if gap <= step:
                px = pax
                py = pay
            else:
                px += (pax - px) * step / gap
                py += (pay - py) * step / gap
            t = t_next
            k += 1
            continue
        bad_since = math.nan
        prev_ok = True
        pax = ax
        pay = ay
        path_t[k] = t
        path_x[k] = px
        path_y[k] = py
        path_ax[k] = ax
        path_ay[k] = ay
        t_c = t + tau
        if t_c <= t_next:
            if t_c - row_t[k] <= search_age_s:
                t_contact = t_c
            else:
                # stale track: own-sensor search centred on the dead-reckoned point,
                # P(acquire by s) = 1 - exp(-2 R v_i s / A), A = pi (k_s sigma + k_d v_t dt)^2
                searched = 1
                t_search = t_c
                vt = math.hypot(row_vx[k], row_vy[k])
                radius = k_sigma * row_sigma[k] + k_drift * vt * (t_c - row_t[k])
                area = math.pi * radius * radius
                acq = acq_night if row_night[k] != 0 else acq_day
                t_bingo = t_air + endurance - reserve_s - dist_a / vi
                if acq <= 0.0:
                    code = ENG_LOST_TRACK       # nothing to search with: straight home
                    t_done = t_c
                else:
                    rate = 2.0 * acq * vi / area if area > 0.0 else math.inf
                    t_found = t_c - math.log1p(-u) / rate
                    if t_found > t_bingo:
                        code = ENG_LOST_TRACK
                        t_done = t_bingo if t_bingo > t_c else t_c
                    else:
                        t_contact = t_found
            cx = ax
            cy = ay
            break
        # fly toward the aim point until the next update, then re-solve on it
        frac = (t_next - t) / tau
        px += (ax - px) * frac
        py += (ay - py) * frac
        dh = row_h[k] - ph
        step = climb * (t_next - t)
        if abs(dh) <= step:
            ph = row_h[k]
        else:
            ph += step if dh > 0 else -step
        t = t_next
        k += 1
    if code < 0:
        # ---- contact: Law 30339 Phase I + II, stretched by max(1, v_min_escort / v_target)
        vt = math.hypot(row_vx[k], row_vy[k])
        if vt < 1.0:
            vt = 1.0
        factor = escort / vt
        if factor < 1.0:
            factor = 1.0
        if row_night[k] != 0 and eoir == 0:
            code = ENG_NO_ID_NIGHT
            t_done = t_contact
        else:
            t_i = t_contact + phase12_s * factor
            ix = cx + row_vx[k] * (t_i - t_contact)
            iy = cy + row_vy[k] * (t_i - t_contact)
            if (t_i - t_air) + math.hypot(ix - bx, iy - by) / vi + reserve_s <= endurance:
                code = ENG_IDENTIFIED
                t_id = t_i
                t_done = t_i
            else:
                code = ENG_BINGO_BEFORE_ID
                t_b = t_air + endurance - reserve_s - math.hypot(cx - bx, cy - by) / vi
                t_done = t_b if t_b > t_contact else t_contact
    return code, t_contact, t_id, cx, cy, t_done, searched, t_search, k


@kernel
def _position_at(path_t, path_x, path_y, path_ax, path_ay, first, end, t, vi, sx, sy):
    """Aircraft position of a recorded sortie at time t (straight legs at vi toward each aim point)."""
    r = -1
    for q in range(first, end):
        if path_t[q] <= t:       # NaN (never visited) compares False
            r = q
    if r < 0:
        return sx, sy
    gx = path_ax[r]
    gy = path_ay[r]
    gap = math.hypot(gx - path_x[r], gy - path_y[r])
    step = vi * (t - path_t[r])
    if gap <= step or gap == 0.0:
        return gx, gy
    return path_x[r] + (gx - path_x[r]) * step / gap, path_y[r] + (gy - path_y[r]) * step / gap


@kernel
def engage_option(row_t, row_x, row_y, row_h, row_vx, row_vy, row_sigma, row_night,
                  eng_first, eng_end, eng_t_order,
                  det_x, det_y, det_h, det_v, det_climb, det_endurance, det_radius,
                  det_acq_day, det_acq_night, det_eoir, det_escort,
                  slot_det, slot_delay, slot_ready, u_search,
                  phase12_s, reserve_s, search_age_s, turnaround_s, k_sigma, k_drift, abort_persist_s,
                  retask_min_m,
                  out_code, out_slot, out_t_air, out_t_contact, out_t_id, out_x, out_y, out_hours, out_searched,
                  out_t_search, out_retask_of):
    """Play one option's scrambles over one picture, in order of the scramble orders.

    Picture rows (sorted by track, then time): row_t (s), row_x/y (m), row_h (height MSL, m),
    row_vx/vy (m/s), row_sigma (position sigma, m), row_night (1 = sun < -6 deg there).
    Engagement j covers rows [eng_first[j], eng_end[j]) of one suspect track, ordered at
    eng_t_order[j] (non-decreasing).  Aircraft slots share the pools: slot s belongs to
    detachment slot_det[s], is ready today if slot_ready[s], launches slot_delay[s] after the
    order, and is busy until its landing + turnaround.  u_search[n] is the uniform of the
    n-th sortie leg (engagement draws, keyed by option and never by picture).

    Retasking (a re-acquired track is not a new target): when track j is ordered while an
    earlier sortie is still working a track that has gone stale (no update for search_age_s)
    without contact, and j's estimate lies within max(retask_min_m, k_sigma (sigma_i + sigma_j)
    + k_drift v_i dt) of that track's dead-reckoned position, the airborne interceptor is
    retasked to j from where it is (same fuel clock) instead of launching another aircraft;
    the earlier engagement ends as ENG_RETASKED with its hours moved to j.

    Causality: the choice of base uses only rows at or before the order; guidance at time t
    uses only rows at or before t.  The intercept radius (a planning figure) gates the choice
    of base; in flight only fuel counts: a re-solved PIP beyond bingo (or none at all) aborts
    the sortie once it has persisted abort_persist_s, so one noisy update does not.

    Outputs per engagement: code (ENG_*), slot (-1 if none launched), airborne, contact and
    identification times (NaN when absent), contact position, flight hours, searched flag,
    the time the search began (arrival on the dead-reckoned point; NaN without search) and
    the engagement it was retasked from (-1: a new launch).
    """
    n_slots = slot_det.shape[0]
    n_eng = eng_first.shape[0]
    n_rows = row_t.shape[0]
    busy_until = np.full(n_slots, -math.inf)
    t_done_of = np.full(n_eng, math.nan)
    path_t = np.full(n_rows, math.nan)
    path_x = np.zeros(n_rows)
    path_y = np.zeros(n_rows)
    path_ax = np.zeros(n_rows)
    path_ay = np.zeros(n_rows)
    n_draw = 0
    for j in range(n_eng):
        first = eng_first[j]
        end = eng_end[j]
        t_order = eng_t_order[j]
        out_code[j] = -1
        out_slot[j] = -1
        out_t_air[j] = math.nan
        out_t_contact[j] = math.nan
        out_t_id[j] = math.nan
        out_x[j] = math.nan
        out_y[j] = math.nan
        out_hours[j] = 0.0
        out_searched[j] = 0
        out_t_search[j] = math.nan
        out_retask_of[j] = -1
        k0 = _latest_row(row_t, first, end, t_order)
        ex = row_x[k0] + row_vx[k0] * (t_order - row_t[k0])
        ey = row_y[k0] + row_vy[k0] * (t_order - row_t[k0])
        # ---- retask an airborne interceptor whose track went stale near this one?
        best_i = -1
        best_gap = math.inf
        for i in range(j):
            if out_slot[i] < 0 or out_code[i] == ENG_RETASKED or not (t_done_of[i] > t_order):
                continue
            if out_t_contact[i] <= t_order:     # already in contact (NaN compares False)
                continue
            kl = eng_end[i] - 1
            if row_t[kl] >= t_order - search_age_s:   # its track is still alive: a different target
                continue
            dt = t_order - row_t[kl]
            dx = row_x[kl] + row_vx[kl] * dt - ex
            dy = row_y[kl] + row_vy[kl] * dt - ey
            gate = k_sigma * (row_sigma[kl] + row_sigma[k0]) + k_drift * math.hypot(row_vx[kl], row_vy[kl]) * dt
            if gate < retask_min_m:
                gate = retask_min_m
            gap = math.hypot(dx, dy)
            if gap <= gate and gap < best_gap:
                best_gap = gap
                best_i = i
        if best_i >= 0:
            i = best_i
            s = out_slot[i]
            d = slot_det[s]
            px, py = _position_at(path_t, path_x, path_y, path_ax, path_ay, eng_first[i], eng_end[i], t_order,
                                  det_v[d], det_x[d], det_y[d])
            t_air = out_t_air[i]
            # the retasked aircraft may still be on the ground (ordered, not yet airborne)
            t_start = t_order if t_order > t_air else t_air
            h_start = row_h[k0] if t_order > t_air else det_h[d]
            u = u_search[n_draw % u_search.shape[0]]
            n_draw += 1
            code, t_contact, t_id, cx, cy, t_done, searched, t_search, k = _fly(
                row_t, row_x, row_y, row_h, row_vx, row_vy, row_sigma, row_night, first, end,
                t_start, px, py, h_start, t_air, det_x[d], det_y[d], det_v[d], det_climb[d], det_endurance[d],
                det_acq_day[d], det_acq_night[d], det_eoir[d], det_escort[d], u,
                phase12_s, reserve_s, search_age_s, k_sigma, k_drift, abort_persist_s,
                path_t, path_x, path_y, path_ax, path_ay)
            # the earlier engagement ends here; its hours move to this one
            out_code[i] = ENG_RETASKED
            out_t_contact[i] = math.nan
            out_t_id[i] = math.nan
            out_x[i] = math.nan
            out_y[i] = math.nan
            out_hours[i] = 0.0
            t_done_of[i] = t_order
            out_retask_of[j] = i
        else:
            # ---- choose the slot giving the earliest predicted intercept (rows <= t_order only)
            any_free = False
            best_s = -1
            best_tc = math.inf
            for s in range(n_slots):
                if slot_ready[s] == 0 or busy_until[s] > t_order:
                    continue
                any_free = True
                d = slot_det[s]
                t_air = t_order + slot_delay[s]
                tau, ax, ay = _solve(row_t, row_x, row_y, row_h, row_vx, row_vy, k0, t_air,
                                     det_x[d], det_y[d], det_h[d], det_v[d], det_climb[d])
                if not math.isfinite(tau):
                    continue
                dist = math.hypot(ax - det_x[d], ay - det_y[d])
                if dist > det_radius[d] or tau + dist / det_v[d] + reserve_s > det_endurance[d]:
                    continue
                if t_air + tau < best_tc:
                    best_tc = t_air + tau
                    best_s = s
            if best_s < 0:
                out_code[j] = ENG_OUT_OF_RANGE if any_free else ENG_NO_AIRCRAFT
                continue
            s = best_s
            d = slot_det[s]
            t_air = t_order + slot_delay[s]
            u = u_search[n_draw % u_search.shape[0]]
            n_draw += 1
            code, t_contact, t_id, cx, cy, t_done, searched, t_search, k = _fly(
                row_t, row_x, row_y, row_h, row_vx, row_vy, row_sigma, row_night, first, end,
                t_air, det_x[d], det_y[d], det_h[d], t_air, det_x[d], det_y[d], det_v[d], det_climb[d],
                det_endurance[d], det_acq_day[d], det_acq_night[d], det_eoir[d], det_escort[d], u,
                phase12_s, reserve_s, search_age_s, k_sigma, k_drift, abort_persist_s,
                path_t, path_x, path_y, path_ax, path_ay)
        vi = det_v[d]
        bx = det_x[d]
        by = det_y[d]
        out_code[j] = code
        out_slot[j] = s
        out_t_air[j] = t_air
        out_t_contact[j] = t_contact
        out_t_id[j] = t_id
        out_searched[j] = searched
        out_t_search[j] = t_search
        if math.isfinite(t_contact):
            out_x[j] = cx
            out_y[j] = cy
        # where the work ends: the ID point moves with the target during Phases I-II
        ex_ = cx
        ey_ = cy
        if code == ENG_IDENTIFIED:
            ex_ = cx + row_vx[k] * (t_id - t_contact)
            ey_ = cy + row_vy[k] * (t_id - t_contact)
        t_home = t_done + math.hypot(ex_ - bx, ey_ - by) / vi
        out_hours[j] = (t_home - t_air) / HOUR_S
        t_done_of[j] = t_done
        busy_until[s] = t_home + turnaround_s
