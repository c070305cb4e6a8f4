"""Counter-based random streams keyed by (seed, day, stream, ...).

Every random draw in airbridge comes from :func:`stream` (or :class:`Streams`, the same numbers), which returns a NumPy
``Generator`` over the Philox-4x64 counter-based bit generator whose 256-bit key
is derived from ``(seed, day, stream id, *extra)``.  The same key always gives
the same numbers, whatever the thread count, worker count, chunking or executor:
results never depend on the order in which days or units are processed.

Key derivation (fixed; changing it changes every result):

* each of ``seed``, ``day``, the stream id and every ``extra`` integer is reduced
  to an unsigned 64-bit word (``value mod 2**64``, so negative integers are allowed);
* the words are hashed with ``numpy.random.SeedSequence(words)`` and the first
  two 64-bit words of ``generate_state(2, uint64)`` form the Philox key
  (Philox's counter starts at 0).

Stream ids (fixed; ``docs/architecture.md``): threat 1, traffic 2, outages 3, detection 4,
false_alarms 5, cross_tell 6, engagement 7, innocent_traffic 8.  Engagement draws are keyed by
option (pass it in ``extra``), never by picture.
"""
from __future__ import annotations

import numpy as np

#: fixed stream ids (never renumber)
STREAMS: dict[str, int] = {
    "threat": 1,
    "traffic": 2,
    "outages": 3,
    "detection": 4,
    "false_alarms": 5,
    "cross_tell": 6,
    "engagement": 7,
    "innocent_traffic": 8,
}

_MASK = (1 << 64) - 1


def stream_id(stream: str | int) -> int:
    """The integer id of a named stream (or the integer itself, which must be >= 0)."""
    if isinstance(stream, str):
        try:
            return STREAMS[stream]
        except KeyError:
            raise ValueError(f"unknown random stream {stream!r}; expected one of {sorted(STREAMS)} or an integer") from None
    value = int(stream)
    if value < 0:
        raise ValueError(f"random stream id {value}: must be >= 0")
    return value


def stream_key(seed: int, day: int, stream: str | int, *extra: int) -> np.ndarray:
    """The Philox key (two uint64 words) of stream ``(seed, day, stream, *extra)``."""
    words = [int(seed) & _MASK, int(day) & _MASK, stream_id(stream) & _MASK]
    words += [int(e) & _MASK for e in extra]
    return np.random.SeedSequence(words).generate_state(2, dtype=np.uint64)


def stream(seed: int, day: int, stream: str | int, *extra: int) -> np.random.Generator:
    """A fresh ``numpy.random.Generator(Philox(key))`` for ``(seed, day, stream, *extra)``.

    Examples
    --------
    >>> g = stream(42, 0, "cross_tell")
    >>> float(g.random()) == float(stream(42, 0, "cross_tell").random())
    True
    """
    return np.random.Generator(np.random.Philox(key=stream_key(seed, day, stream, *extra)))


class Streams:
    """:func:`stream` without a new ``Generator`` per stream (speed: half its cost, for callers that draw from
    thousands of short streams in a loop): one Philox whose state is set to a fresh stream's -- the stream's
    key, counter 0, empty buffer, as ``Philox(key=...)`` starts -- behind one ``Generator`` (which holds no
    state of its own).  The same numbers as :func:`stream` (tests/test_rng.py)."""

    def __init__(self):
        self._bits = np.random.Philox(key=np.zeros(2, np.uint64))
        self._gen = np.random.Generator(self._bits)
        self._fresh = {"bit_generator": "Philox", "state": {"counter": np.zeros(4, np.uint64), "key": None},
                       "buffer": np.zeros(4, np.uint64), "buffer_pos": 4, "has_uint32": 0, "uinteger": 0}

    def get(self, seed: int, day: int, stream: str | int, *extra: int) -> np.random.Generator:
        """The generator of stream ``(seed, day, stream, *extra)`` at its start (valid until the next call)."""
        self._fresh["state"]["key"] = stream_key(seed, day, stream, *extra)
        self._bits.state = self._fresh
        return self._gen
