"""Small validation helpers for scenario TOML: every message names file, key, value and what is expected.

``Table`` wraps a dict read from TOML together with the file name and the dotted
path of the table, so loaders write ``t.float("scan_period_s", min_exclusive=0)``
and get ``scenario.toml: radar.types[2].scan_period_s = -4: must be > 0`` for free.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from radar.errors import InputError

_MISSING = object()


@dataclass(frozen=True)
class Table:
    data: dict
    file: str
    path: str = ""

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, value: Any, expected: str) -> InputError:
        return InputError(f"{self.file}: {self.key(name)} = {value!r}: {expected}")

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        if name not in self.data:
            if default is _MISSING:
                raise InputError(f"{self.file}: {self.key(name)} is missing: required")
            return default
        return self.data[name]

    def float(self, name: str, default: Any = _MISSING, *, min: float | None = None, max: float | None = None,
              min_exclusive: float | None = None, what: str = "") -> float:
        value = self.raw(name, default)
        if value is None:
            return None  # type: ignore[return-value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(name, value, f"must be a number{(' (' + what + ')') if what else ''}")
        v = float(value)
        if not math.isfinite(v):
            raise self.fail(name, value, "must be a finite number")
        if min is not None and v < min:
            raise self.fail(name, value, f"must be >= {min:g}{(' (' + what + ')') if what else ''}")
        if min_exclusive is not None and v <= min_exclusive:
            raise self.fail(name, value, f"must be > {min_exclusive:g}{(' (' + what + ')') if what else ''}")
        if max is not None and v > max:
            raise self.fail(name, value, f"must be <= {max:g}{(' (' + what + ')') if what else ''}")
        return v

    def int(self, name: str, default: Any = _MISSING, *, min: int | None = None, max: int | None = None) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, value, "must be an integer")
        if min is not None and value < min:
            raise self.fail(name, value, f"must be >= {min}")
        if max is not None and value > max:
            raise self.fail(name, value, f"must be <= {max}")
        return value

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
