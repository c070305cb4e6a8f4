"""Filed flight plans as the operators hold them, and the correlation of tracks with them.

The classification rule (``[engagement] classify_s``): a track with no correlated Mode 3/A
reply *and no flight-plan match* for ``classify_s`` is suspect.  A planned code correlated to a track is one
match (:func:`scenarios.engagement.engagement.classify`); the other is the track itself flying a filed plan -- what a
controller does with a primary-only return when the secondary radar is down: it sits where a filed flight
should be, going its way at its speed.  Without it, every airliner seen only by a primary radar (its
co-sited secondary down, or out of any secondary's cover) is scrambled on.  The same check decides, on
the civil side, whether a primary-only civil track is cross-told at all (:mod:`tracker.pictures`): ATC
does not report a return it has correlated with a filed plan.

A plan is the filed 4-D route: position and velocity against time (:class:`FlightPlans`).  The simulated
background flights fly their plans exactly (departure on time, no deviation): their plans are their
trajectories, sampled every 10 s (:func:`scenarios.engagement.engagement.plans_from_day`).  The correlation is
therefore optimistic about a real plan's accuracy; its gates are placeholders (``[engagement]
flight_plan_match_km``, ``flight_plan_velocity_tolerance``).

A track row matches a plan at the row's time when (horizontally, along the local up of the plan's point)
it lies within ``gate_m`` of the plan's position and its velocity differs from the plan's by at most
``velocity_tolerance`` x the plan's speed + 20 m/s (the track's own velocity error).  Light aircraft
(50-120 m/s) do not pass for airliners (125-236 m/s) flying their way: the velocity gate keeps a drug
flight that crosses an airway from being taken for the airliner on it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: velocity slack for the track's own velocity error (m/s)
VELOCITY_SLACK_MPS = 20.0
#: default gates (placeholders; ``[engagement] flight_plan_match_km``, ``flight_plan_velocity_tolerance``)
PLAN_MATCH_M = 5000.0
PLAN_VELOCITY_TOLERANCE = 0.3


@dataclass(frozen=True)
class FlightPlans:
    """Filed plans sampled in time: plan k owns rows offsets[k]:offsets[k+1] of (t, pos (n, 3) scenario ENU,
    vel (n, 2) horizontal ENU m/s), rows in time order."""

    offsets: np.ndarray
    t: np.ndarray
    pos: np.ndarray
    vel: np.ndarray

    def __len__(self) -> int:
        return int(self.offsets.size - 1)


def empty_plans() -> FlightPlans:
    return FlightPlans(np.zeros(1, np.int64), np.zeros(0), np.zeros((0, 3)), np.zeros((0, 2)))


def plans_from_samples(t, plan, pos) -> FlightPlans:
    """Plans from samples (time (n,), plan id (n,), position (n, 3) scenario ENU), any order; velocity by
    central differences of the positions in time."""
    t = np.asarray(t, float).reshape(-1)
    plan = np.asarray(plan).reshape(-1)
    pos = np.asarray(pos, float).reshape(-1, 3)
    if t.size == 0:
        return empty_plans()
    order = np.lexsort((t, plan))
    t, plan, pos = t[order], plan[order], pos[order]
    starts = np.flatnonzero(np.r_[True, plan[1:] != plan[:-1]])
    offsets = np.r_[starts, plan.size].astype(np.int64)
    vel = np.zeros((plan.size, 2))
    for a, b in zip(offsets[:-1], offsets[1:]):
        if b - a >= 2:
            vel[a:b, 0] = np.gradient(pos[a:b, 0], t[a:b])
            vel[a:b, 1] = np.gradient(pos[a:b, 1], t[a:b])
    return FlightPlans(offsets, np.ascontiguousarray(t), np.ascontiguousarray(pos), vel)


def plan_matches(time_s, pos, vel, plans: FlightPlans, gate_m: float = PLAN_MATCH_M,
                 velocity_tolerance: float = PLAN_VELOCITY_TOLERANCE) -> np.ndarray:
    """For each track row (time (n,), position (n, 3) scenario ENU, horizontal velocity (n, 2)): True when
    it matches some plan at that time (see the module docstring).

    Speed: every (row, plan) pair at once -- one search of the rows' times in the plans' samples, keyed
    plan x 1e9 s + time (samples are stored by plan, then time), then linear interpolation between the
    two samples around each row's time."""
    from tracker.metrics import local_up

    time_s = np.asarray(time_s, float).reshape(-1)
    pos = np.asarray(pos, float).reshape(-1, 3)
    vel = np.asarray(vel, float).reshape(-1, 2)
    n, m = time_s.size, len(plans)
    hit = np.zeros(n, bool)
    if n == 0 or m == 0:
        return hit
    big = 1e9  # > any time span of a study (s); plan x big + t keeps ~1e-4 s of resolution
    size = np.diff(plans.offsets)
    key = np.repeat(np.arange(m, dtype=float), size) * big + plans.t
    row = np.repeat(np.arange(n), m)
    plan = np.tile(np.arange(m), n)
    j = np.searchsorted(key, plan * big + time_s[row], side="right") - 1
    start, end = plans.offsets[plan], plans.offsets[plan + 1]
    # a row at a plan's last sample time interpolates on its last segment
    last = (j == end - 1) & (j > start) & (plans.t[np.minimum(j, plans.t.size - 1)] == time_s[row])
    j = np.where(last, j - 1, j)
    ok = (j >= start) & (j + 1 < end)
    row, j = row[ok], j[ok]
    if row.size == 0:
        return hit
    t0, t1 = plans.t[j], plans.t[j + 1]
    w = ((time_s[row] - t0) / np.where(t1 > t0, t1 - t0, 1.0))[:, None]
    pp = plans.pos[j] + w * (plans.pos[j + 1] - plans.pos[j])
    vp = plans.vel[j] + w * (plans.vel[j + 1] - plans.vel[j])
    d = pos[row] - pp
    u = local_up(pp)
    dv = d - np.sum(d * u, axis=1, keepdims=True) * u
    near = np.sum(dv * dv, axis=1) <= gate_m * gate_m
    speed = np.hypot(vp[:, 0], vp[:, 1])
    same = np.hypot(vel[row, 0] - vp[:, 0], vel[row, 1] - vp[:, 1]) <= velocity_tolerance * speed + VELOCITY_SLACK_MPS
    hit[row[near & same]] = True
    return hit
