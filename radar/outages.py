"""Radar outages: each radar's up/down state per day, a two-state Markov chain over days.

P(up -> down) = 1 / mean_up_days, P(down -> up) = 1 / mean_down_days per day; day 0 is drawn from the
stationary availability mean_up / (mean_up + mean_down).  Day d's state is a function of (seed, d) only:
the chain is replayed from day 0 with draws keyed (seed, day', "outages", radar key), so a study's days
can be computed in any order, by any worker.  :func:`outage_states` gives a network's radars on one day,
:func:`outage_history` one radar over days, :func:`up_probability` the law over all seeds (what the
intervals and the calibration integrate over).

Radar keys (for random streams) are CRC32 of the sensor name ``<site>__<type>``: a radar's draws do not
depend on the network it is part of or its position in the list.
"""
from __future__ import annotations

import math
import zlib

import numpy as np

from radar.errors import InputError
from radar.rng import Streams


def radar_key(radar) -> int:
    """Stable 32-bit key of a radar (CRC32 of its sensor name)."""
    return zlib.crc32(radar.name.encode("utf-8"))


def outage_states(radars, seed: int, day: int) -> np.ndarray:
    """Up (True) / down per radar on ``day``: the two-state Markov chain replayed from day 0."""
    up = np.empty(len(radars), bool)
    for i, r in enumerate(radars):
        up[i] = _chain(r, seed, day)
    return up


def outage_history(radar, seed: int, days: int) -> np.ndarray:
    """Up/down of one radar over days 0..days-1 (the same chain as :func:`outage_states`)."""
    return np.array([_chain_all(radar, seed, days)]).reshape(-1)


def up_probability(radar, days: int) -> np.ndarray:
    """P(up) of one radar on days 0..days-1 over all outage histories: the exact law of the chain that
    :func:`outage_states` replays (day 0 up with the stationary availability, then the daily transitions)."""
    a, p_fail, p_fix = transition_probabilities(radar)
    out = np.empty(max(int(days), 0))
    p = a
    for d in range(out.size):
        out[d] = p
        p = p * (1.0 - p_fail) + (1.0 - p) * p_fix
    return out


def transition_probabilities(radar) -> tuple[float, float, float]:
    """(availability, P(up->down), P(down->up)) per day."""
    if not (radar.mean_down_days > 0) or radar.availability >= 1.0:
        return 1.0, 0.0, 1.0
    up = radar.mean_up_days
    down = radar.mean_down_days
    p_fail = 0.0 if math.isinf(up) else min(1.0, 1.0 / max(up, 1.0))
    p_fix = min(1.0, 1.0 / max(down, 1.0))
    a = 1.0 if math.isinf(up) else up / (up + down)
    return a, p_fail, p_fix


_CHAINS: dict = {}


def _chain_all(radar, seed: int, days: int) -> np.ndarray:
    """Up/down over days 0..days-1.  Day d's state depends on the draws of days 0..d only, so the
    chain computed for more days is extended, never recomputed (cached per radar model and seed: a
    study asking for day 364 does not replay 365 days for every day)."""
    a, p_fail, p_fix = transition_probabilities(radar)
    key = radar_key(radar)
    ck = (radar.name, a, p_fail, p_fix, int(seed))
    have = _CHAINS.get(ck, np.zeros(0, bool))
    if have.size >= days:
        return have[:days].copy()
    out = np.empty(days, bool)
    out[:have.size] = have
    state = bool(have[-1]) if have.size else True
    draws = Streams()  # the numbers of stream(seed, d, "outages", key), one Philox reused (speed)
    for d in range(have.size, days):
        u = float(draws.get(seed, d, "outages", key).random())
        if d == 0:
            state = u < a
        elif state:
            state = not (u < p_fail)
        else:
            state = u < p_fix
        out[d] = state
    _CHAINS[ck] = out
    return out.copy()


def _chain(radar, seed: int, day: int) -> bool:
    if day < 0:
        raise InputError(f"day = {day}: must be >= 0")
    return bool(_chain_all(radar, seed, day + 1)[-1])
