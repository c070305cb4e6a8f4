"""Errors raised at the boundary for bad input.

``InputError`` carries a one-line message that names the file, the key (or line
and column) and the value, and says what was expected.  The CLI prints
``airbridge: error: <message>`` and exits with status 2.
"""
from __future__ import annotations


class InputError(ValueError):
    """Bad user input (file, key, value and what is expected, on one line)."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def where(file: str | None, key: str | None) -> str:
    """Format the ``file: key`` prefix of an error message."""
    parts = [p for p in (file, key) if p]
    return ": ".join(parts)


def shown(value) -> str:
    """``repr(value)`` as a message shows it: a NumPy scalar as the plain Python number (``4.0``,
    not ``np.float64(4.0)``)."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()
    return repr(value)
