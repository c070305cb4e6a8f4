"""Small validation helpers for scenario TOML: every message names file, key, value and what is expected.

``Table`` wraps a dict read from TOML together with the file name and the dotted
path of the table, so loaders write ``t.float("scan_period_s", min_exclusive=0, max=60)``
and get ``scenario.toml: radar.types[2].scan_period_s = -4: must be > 0`` for free.

Every number has a physical range: :meth:`Table.float` and :meth:`Table.int` require an upper
bound (``max=``), so ``1e300`` is refused like ``inf``.  :meth:`Table.check_keys` refuses keys and
tables that no loader reads, naming the nearest known one.  TOML files are read by
:func:`radar.tomlfile.read_toml` (re-exported here).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from radar.errors import InputError
from radar.tomlfile import read_toml, unknown_key

__all__ = ["Table", "read_toml", "show", "seed_error", "check_seed", "PROVENANCE_KEYS", "CONFIDENCE_LEVELS", "SEED_MAX"]

_MISSING = object()
#: provenance / documentation keys allowed in every table of the data files
PROVENANCE_KEYS = ("source", "confidence", "notes", "sourced_fields")
#: the confidence labels of the data files: the dossier's three, and ``calibrated`` for a value fitted to history by
#: ``airbridge calibrate`` (its ``source`` names the command and the history rows)
CONFIDENCE_LEVELS = ("sourced", "approximate", "placeholder", "calibrated")
#: largest seed (the study store keeps it in a signed 64-bit column)
SEED_MAX = 2**63 - 1


def show(value: Any) -> str:
    """A value as it should appear in a message: TOML-like, short, never a NumPy repr."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes, list, tuple, dict)):
        try:
            value = value.item()  # NumPy scalar -> Python
        except (TypeError, ValueError):
            pass
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= 24 else f"{text[:6]}...({len(text)} digits)"
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {show(v)}" for k, v in value.items()) + "}"
        return text if len(text) <= 80 else "{...}"
    if isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v) for v in value) + "]"
        return text if len(text) <= 80 else "[...]"
    text = repr(value)
    return text if len(text) <= 80 else text[:70] + "...'"


def seed_error(value: Any) -> str | None:
    """The one rule for random seeds (``--seed`` and ``seed =`` in a study file); None when ``value`` is valid."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SEED_MAX:
        return f"the seed must be an integer in 0..{SEED_MAX}"
    return None


def check_seed(value: Any, flag: str = "--seed") -> int:
    """``--seed N`` from the command line, by :func:`seed_error`'s rule."""
    problem = seed_error(value)
    if problem:
        raise InputError(f"{flag} {show(value)}: {problem}")
    return int(value)


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a finite TOML number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        v = float(value)
    except OverflowError:  # an integer beyond the float range
        return None
    return v if math.isfinite(v) else None


def _bounds(v: float, min, max, min_exclusive) -> str | None:
    if min is not None and v < min:
        return f"must be >= {min:g}"
    if min_exclusive is not None and v <= min_exclusive:
        return f"must be > {min_exclusive:g}"
    if max is not None and v > max:
        return f"must be <= {max:g}"
    return None


@dataclass(frozen=True)
class Table:
    data: dict
    file: str
    path: str = ""

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else str(name)

    def fail(self, name: str, value: Any, expected: str) -> InputError:
        return InputError(f"{self.file}: {self.key(name)} = {show(value)}: {expected}")

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        if name not in self.data:
            if default is _MISSING:
                raise InputError(f"{self.file}: {self.key(name)} is missing: required")
            return default
        return self.data[name]

    def check_keys(self, known, documented=()) -> None:
        """Refuse any key that is neither read (``known``), nor documentation (``documented``: reference values of
        the data files that the model does not read), nor provenance (:data:`PROVENANCE_KEYS`); the message
        names the nearest allowed key."""
        allowed = list(known) + [d for d in documented if d not in known]
        for name, value in self.data.items():
            if name not in allowed and name not in PROVENANCE_KEYS:
                raise unknown_key(self.file, self.key(name), name, value, allowed)

    def float(self, name: str, default: Any = _MISSING, *, max: float | None | object = _MISSING,
              min: float | None = None, min_exclusive: float | None = None, what: str = "") -> float:
        """A finite number within [min or (min_exclusive, max]; ``max`` is required (None only for an explicit
        'no upper bound', which no scenario number has)."""
        if max is _MISSING:
            raise TypeError(f"Table.float({name!r}) needs max=: every number has a physical range")
        value = self.raw(name, default)
        if value is None:
            return None  # type: ignore[return-value]
        unit = f" ({what})" if what else ""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, value, f"must be a number{unit}")
        v = _number(value)
        if v is None:
            raise self.fail(name, value, f"must be a finite number{unit}")
        problem = _bounds(v, min, max, min_exclusive)
        if problem:
            raise self.fail(name, value, problem + unit)
        return v

    def int(self, name: str, default: Any = _MISSING, *, max: int | None | object = _MISSING,
            min: int | None = None) -> int:
        if max is _MISSING:
            raise TypeError(f"Table.int({name!r}) needs max=: every number has a physical range")
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, value, "must be an integer")
        if min is not None and value < min:
            raise self.fail(name, value, f"must be >= {min}")
        if max is not None and value > max:
            raise self.fail(name, value, f"must be <= {max}")
        return value

    def numbers(self, name: str, default: Any = _MISSING, *, max: float, min: float | None = None,
                min_exclusive: float | None = None, what: str = "") -> tuple[float, ...]:
        """An array of finite numbers, each within the bounds."""
        values = self.list(name, default)
        out = []
        for i, value in enumerate(values):
            v = _number(value)
            problem = "must be a finite number" if v is None else _bounds(v, min, max, min_exclusive)
            if problem:
                raise self.fail(f"{name}[{i}]", value, problem + (f" ({what})" if what else ""))
            out.append(v)
        return tuple(out)

    def seed(self, name: str, default: Any = _MISSING) -> int:
        value = self.raw(name, default)
        problem = seed_error(value)
        if problem:
            raise self.fail(name, value, problem)
        return int(value)

    def str(self, name: str, default: Any = _MISSING, *, choices: tuple | list | None = None) -> str:
        value = self.raw(name, default)
        if value is None:
            return None  # type: ignore[return-value]
        if not isinstance(value, str):
            raise self.fail(name, value, "must be a string")
        if choices is not None and value not in choices:
            raise self.fail(name, value, "must be one of " + ", ".join(map(str, choices)))
        return value

    def bool(self, name: str, default: Any = _MISSING) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, value, "must be true or false")
        return value

    def table(self, name: str, default: Any = _MISSING) -> "Table":
        value = self.raw(name, default)
        if not isinstance(value, dict):
            raise self.fail(name, value, "must be a table")
        return Table(value, self.file, self.key(name))

    def tables(self, name: str, default: Any = _MISSING) -> list["Table"]:
        value = self.raw(name, default)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(name, value if not isinstance(value, list) else "[...]", "must be an array of tables")
        return [Table(v, self.file, f"{self.key(name)}[{i}]") for i, v in enumerate(value)]

    def list(self, name: str, default: Any = _MISSING) -> list:
        value = self.raw(name, default)
        if not isinstance(value, list):
            raise self.fail(name, value, "must be an array")
        return value

    def provenance(self) -> tuple[str, str]:
        """(source, confidence) of this entry; 'unspecified' when the file gives none."""
        return (str(self.data.get("source", "unspecified")), str(self.data.get("confidence", "unspecified")))
