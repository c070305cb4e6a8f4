"""Counter-based random numbers of the feeds: every draw is a hash of the stream key and integer coordinates.

Every draw is ``hash(key0, key1, a, b, c, j)`` of the stream key (from :func:`radar.rng.stream_key`) and
integer coordinates (flight uid, radar key, revolution, draw index), so no draw depends on the order tasks
run in or on the thread count.  The hash is SplitMix64's finaliser chained over the words (a bijection per
step with full avalanche); ``tests/oracles.py`` holds the NumPy twin.
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from radar.constants import TWO_PI


@kernel
def _mix(x):
    # SplitMix64 finaliser (Steele, Lea & Flood 2014): x ^= x >> 30; x *= C1; x ^= x >> 27; x *= C2; x ^= x >> 31
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@kernel
def hash_u64(k0, k1, a, b, c, j):
    """64-bit hash of the key words and four integer coordinates (all reduced mod 2^64)."""
    return hash_last(hash_prefix(k0, k1, a, b, c), j)


@kernel(inline="always")
def hash_prefix(k0, k1, a, b, c):
    """The first five steps of :func:`hash_u64` (key words and three coordinates): the draws of one
    (flight, radar, revolution) share them, so the scan kernel computes them once per plot."""
    g = np.uint64(0x9E3779B97F4A7C15)
    h = _mix(np.uint64(k0) + g)
    h = _mix(h ^ (np.uint64(k1) + g))
    h = _mix(h ^ (np.uint64(a) + g))
    h = _mix(h ^ (np.uint64(b) + g))
    return _mix(h ^ (np.uint64(c) + g))


@kernel(inline="always")
def hash_last(hp, j):
    """The last step of :func:`hash_u64`: draw index j on a :func:`hash_prefix`."""
    return _mix(np.uint64(hp) ^ (np.uint64(j) + np.uint64(0x9E3779B97F4A7C15)))


@kernel(inline="always")
def uniform_p(hp, j):
    """:func:`uniform` on a :func:`hash_prefix` (the same bits)."""
    return (float(hash_last(hp, j) >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@kernel(inline="always")
def normal_p(hp, j):
    """:func:`normal` on a :func:`hash_prefix` (the same bits)."""
    u1 = uniform_p(hp, j)
    u2 = uniform_p(hp, j + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(TWO_PI * u2)


@kernel
def uniform(k0, k1, a, b, c, j):
    """Uniform in the open interval (0, 1): the top 53 bits of the hash, centred in their cell."""
    return uniform_p(hash_prefix(k0, k1, a, b, c), j)


@kernel
def normal(k0, k1, a, b, c, j):
    """Standard normal by Box-Muller from draws j and j + 1 (cosine branch)."""
    return normal_p(hash_prefix(k0, k1, a, b, c), j)


@kernel
def poisson(lam, k0, k1, a, b, c, j0):
    """Poisson(lam) by inversion of the CDF with one uniform (exact for any lam < ~700)."""
    u = uniform(k0, k1, a, b, c, j0)
    p = math.exp(-lam)
    s = p
    n = 0
    while u > s and n < 10000:
        n += 1
        p *= lam / n
        s += p
    return n
