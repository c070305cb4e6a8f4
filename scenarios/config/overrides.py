"""Overrides by path: ``--set KEY=VALUE`` on the command line and the ``[set]`` table of a study file.

An override replaces one value of the merged scenario (the embedded data, or a scenario file merged
over them) *before* it is validated, so every loader checks the result as if the file said it:

* ``KEY`` is a dotted TOML key (quoted parts allowed) into the scenario: ``threat_timing.formations_per_day_mean``,
  ``radar.fusion.non_integrated.report_probability``.  An **array of tables** is addressed by the id of an
  element -- the first of :data:`ID_KEYS` that every element has, unique -- or by its index (0, 1, ...):
  ``radar.sites.fap_tps70_puerto_maldonado.availability``, ``pods.litening.unit_cost_musd``,
  ``thales_network.corpac_lima.availability``, ``options.a29_forward.detachments.0.aircraft``.
* ``VALUE`` is a TOML value (``1.0``, ``"text"``, ``[1, 2]``, ``true``); a bare word such as ``/data/dem.npz``
  is taken as a string.  It replaces a value of the same kind: a number for a number (an integer where a
  float stands is fine, and the loader decides whether a float may replace an integer), a string for a
  string, true/false for a boolean, an array for an array (of numbers for numbers, of strings for strings).
  Tables and arrays of tables are not replaced whole: set their keys one by one.
* Only keys the scenario has can be set (the data files list every knob with its source); a key that is not
  there is refused with the nearest one (the same name elsewhere in the scenario, or a close spelling).

Overrides apply in order; a later one on the same path wins (:func:`normalise`), so a study file's
``[set]`` comes first and the command line's ``--set`` after it.  :func:`apply_overrides` returns what it
changed (:class:`Applied`: the path as the loaders name it and the value it replaced), which the outputs
record (:func:`format_record`).  Bad overrides are one line naming the override: ``--set KEY=VALUE: ...:
expected ...``.

This module imports only the standard library (and :mod:`radar.errors`): the command line parses
``--set`` with it before anything heavy is imported.
"""
from __future__ import annotations

import copy
import datetime as _dt
import difflib
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from radar.errors import InputError

#: keys that identify the elements of an array of tables, in order of preference
ID_KEYS = ("id", "site_id", "type", "option")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
#: a value that is not TOML but reads as one word is a string (a path, a name)
_BARE_WORD = re.compile(r"^[^\s\"'\[\]{}#=,]+$")


def key_text(part: str) -> str:
    """One part of a dotted key as TOML writes it (bare, or a quoted string)."""
    return part if _BARE_KEY.match(part) else _string(part)


def _string(s: str) -> str:
    # JSON string escapes are TOML basic-string escapes; DEL is the one control character JSON leaves raw
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(v: Any) -> str:
    """``v`` as a TOML value (the canonical text of an override's value)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if v == v else "nan"  # repr: 1.0, 1e-06, inf, -inf (TOML spellings)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key_text(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    raise TypeError(f"not a TOML value: {v!r}")


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "table"
    if isinstance(v, list):
        if v and all(isinstance(x, dict) for x in v):
            return "array of tables"
        return "array"
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return type(v).__name__
    return type(v).__name__


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def short_value(v: Any) -> str:
    """A value for a message or a record: TOML, long tables and arrays elided."""
    text = toml_value(v) if not isinstance(v, (dict, list)) or len(toml_value(v)) <= 60 else (
        "{...}" if isinstance(v, dict) else "[...]")
    return text if len(text) <= 80 else text[:70] + "..."


@dataclass(frozen=True)
class Override:
    """One override: ``path`` (the parts of the dotted key), ``value`` (parsed TOML) and where it came from
    (``origin``: ``--set`` or ``FILE: [set]``, for messages; not part of what the override is)."""

    path: tuple[str, ...]
    value: Any
    origin: str = "--set"

    @property
    def key(self) -> str:
        """The dotted key, as TOML writes it."""
        return ".".join(key_text(p) for p in self.path)

    @property
    def text(self) -> str:
        """``KEY=VALUE``, canonical: what a study records and hashes, and what :func:`parse_override` reads back."""
        return f"{self.key}={toml_value(self.value)}"

    @property
    def label(self) -> str:
        """How messages name the override: ``--set KEY=VALUE`` or ``study.toml: [set] KEY = VALUE``."""
        if self.origin == "--set":
            return f"--set {self.text}"
        return f"{self.origin} {self.key} = {toml_value(self.value)}"

    def fail(self, what: str) -> InputError:
        return InputError(f"{self.label}: {what}")


@dataclass(frozen=True)
class Applied:
    """An override as applied: ``location`` is the path as the loaders name it (``radar.sites[0].availability``),
    ``old`` the value it replaced."""

    override: Override
    location: str
    old: Any


# ------------------------------------------------------------------------------------------
# Parsing
def _split(text: str) -> tuple[str, str] | None:
    """``KEY=VALUE`` split at the first ``=`` outside a quoted key part."""
    quote = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "=":
            return text[:i], text[i + 1:]
        i += 1
    return None


def _parse_key(key: str) -> tuple[str, ...] | None:
    """The parts of a dotted TOML key, or None when ``key`` is not one."""
    key = key.strip()
    if not key or "\n" in key or "\r" in key:
        return None
    try:
        doc = tomllib.loads(f"{key} = 0")
    except tomllib.TOMLDecodeError:
        return None
    parts = []
    node: Any = doc
    while isinstance(node, dict):
        if len(node) != 1:
            return None
        (k, node), = node.items()
        parts.append(k)
    return tuple(parts) if node == 0 and not isinstance(node, bool) else None


def _parse_value(text: str) -> tuple[bool, Any]:
    """(ok, value) of a TOML value; a bare word is a string."""
    stripped = text.strip()
    if not stripped or "\n" in stripped or "\r" in stripped:
        return False, None
    try:
        doc = tomllib.loads(f"x = {stripped}")
    except tomllib.TOMLDecodeError:
        if _BARE_WORD.match(stripped):
            return True, stripped
        return False, None
    if list(doc) != ["x"]:
        return False, None
    return True, doc["x"]


def _check_value(o: Override) -> Override:
    """Refuse values an override cannot be: tables and arrays of tables (set their keys one by one)."""
    if isinstance(o.value, dict):
        raise o.fail(f"a table: expected a single value or an array of values (set the table's keys one by one, "
                     f"{o.key}.KEY=VALUE)")
    if isinstance(o.value, list) and any(isinstance(x, (dict, list)) for x in o.value):
        raise o.fail("an array of tables or arrays: expected a single value or an array of values (set the keys of "
                     "an element by its id, KEY.ID.KEY=VALUE)")
    return o


def parse_override(text: str, origin: str = "--set") -> Override:
    """``KEY=VALUE`` -> :class:`Override` (one-line :class:`InputError` when it is not one)."""
    text = str(text)
    head = f"--set {text}" if origin == "--set" else f"{origin} {text}"
    parts = _split(text)
    if parts is None:
        raise InputError(f"{head}: no '=': expected KEY=VALUE (a dotted key into the scenario, =, a TOML value)")
    key, value = parts
    path = _parse_key(key)
    if path is None:
        raise InputError(f"{head}: {key.strip()!r} is not a dotted key: expected KEY=VALUE with KEY like "
                         "radar.sites.fap_tps70_puerto_maldonado.availability")
    ok, v = _parse_value(value)
    if not ok:
        raise InputError(f"{head}: {value.strip()!r} is not a TOML value: expected a number, true/false, a quoted "
                         "string, an array such as [1, 2], or one bare word (taken as a string)")
    return _check_value(Override(path, v, origin))


def overrides_from_table(table: dict, origin: str) -> list[Override]:
    """The overrides of a study file's ``[set]`` table: its leaves (nested tables, e.g. from dotted keys, are
    descended), in file order."""
    out: list[Override] = []

    def walk(node: dict, prefix: tuple[str, ...]) -> None:
        for k, v in node.items():
            if isinstance(v, dict):
                if not v:
                    raise InputError(f"{origin} {'.'.join(key_text(p) for p in (*prefix, k))} = {{}}: an empty table: "
                                     "expected KEY = VALUE lines")
                walk(v, (*prefix, k))
            else:
                out.append(_check_value(Override((*prefix, k), v, origin)))

    walk(table, ())
    return out


def normalise(overrides) -> tuple[Override, ...]:
    """Overrides in order of first appearance, each path once with its last value (a later override wins)."""
    last: dict[tuple[str, ...], Override] = {}
    order: list[tuple[str, ...]] = []
    for o in overrides:
        o = parse_override(o) if isinstance(o, str) else o
        if o.path not in last:
            order.append(o.path)
        last[o.path] = o
    return tuple(last[p] for p in order)


# ------------------------------------------------------------------------------------------
# Applying
def _id_key(items: list) -> str | None:
    """The key that identifies the tables of ``items`` (every element has it, a string, unique), or None."""
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    for k in ID_KEYS:
        ids = [x.get(k) for x in items]
        if all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids):
            return k
    return None


def _children(node: Any) -> list[tuple[str, Any]]:
    """(name, child) of a table, or of an array of tables by id (or index)."""
    if isinstance(node, dict):
        return [(str(k), v) for k, v in node.items()]
    if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        idk = _id_key(node)
        return [(x[idk] if idk else str(i), x) for i, x in enumerate(node)]
    return []


def _find_key(raw: dict, name: str, limit: int = 5000) -> list[str]:
    """Dotted paths (ids for arrays of tables) of the keys called ``name`` anywhere in ``raw``, shortest first."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", raw)]
    seen = 0
    while stack and seen < limit:
        prefix, node = stack.pop()
        for k, v in _children(node):
            seen += 1
            path = f"{prefix}.{key_text(k)}" if prefix else key_text(k)
            if k == name and isinstance(node, dict):
                found.append(path)
            if isinstance(v, (dict, list)):
                stack.append((path, v))
    return sorted(found, key=lambda p: (p.count("."), p))


def _near(name: str, names) -> str | None:
    near = difflib.get_close_matches(name, [str(n) for n in names], n=1, cutoff=0.6)
    return near[0] if near else None


def _one_of(names) -> str:
    names = sorted(str(n) for n in names)
    if len(names) > 12:
        return ", ".join(names[:12]) + f", ... ({len(names)} in all)"
    return ", ".join(names)


def _check_type(o: Override, where: str, old: Any) -> None:
    new = o.value
    ko, kn = _kind(old), _kind(new)
    if ko in ("table", "array of tables"):
        raise o.fail(f"{where} is {_a(ko)}: expected a path to one of its values ({where}."
                     + ("ID.KEY" if ko == "array of tables" else "KEY") + ")")
    if ko != kn:
        raise o.fail(f"{where} = {short_value(new)}: expected {_a(ko)}, like the value it replaces ({short_value(old)})")
    if ko == "array" and old and new:
        kinds = {_kind(x) for x in old}
        if len(kinds) == 1:
            want = next(iter(kinds))
            bad = [x for x in new if _kind(x) != want]
            if bad:
                raise o.fail(f"{where} = {short_value(new)}: expected an array of {want}s, like the value it replaces "
                             f"({short_value(old)})")


def apply_overrides(raw: dict, overrides, file: str = "scenario") -> list[Applied]:
    """Apply ``overrides`` (:class:`Override` or ``KEY=VALUE`` text) to the merged scenario table ``raw`` in place,
    in order (:func:`normalise` first: a later override of the same path wins); returns what changed.  Every
    value must already be in ``raw`` (see the module docstring); ``file`` names the scenario in messages."""
    applied = []
    for o in normalise(overrides):
        applied.append(_apply_one(raw, o, file))
    return applied


def _apply_one(raw: dict, o: Override, file: str) -> Applied:
    node: Any = raw
    sym: list[str] = []  # the path as given (ids)
    loc = ""  # the path as the loaders name it (indices)
    for i, part in enumerate(o.path):
        last = i == len(o.path) - 1
        where = ".".join(key_text(p) for p in sym) or file
        if isinstance(node, dict):
            if part not in node:
                raise o.fail(_unknown_key(raw, sym, part, node, file))
            if last:
                _check_type(o, ".".join(key_text(p) for p in (*sym, part)), node[part])
                old = node[part]
                node[part] = copy.deepcopy(o.value)
                return Applied(o, f"{loc}.{part}" if loc else str(part), old)
            node = node[part]
            loc = f"{loc}.{part}" if loc else str(part)
        elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            idk = _id_key(node)
            index = None
            if idk is not None:
                index = next((j for j, x in enumerate(node) if x[idk] == part), None)
            if index is None and part.isdigit() and int(part) < len(node):
                index = int(part)
            if index is None:
                raise o.fail(_unknown_id(sym, part, node, idk))
            if last:
                raise o.fail(f"{where}.{key_text(part)} is an element of the array of tables {where}: expected a "
                             f"path to one of its keys ({where}.{key_text(part)}.KEY)")
            node = node[index]
            loc = f"{loc}[{index}]"
        else:
            raise o.fail(f"{where} = {short_value(node)} is {_a(_kind(node))}, not a table: expected a path that ends "
                         f"at {where}")
        sym.append(part)
    raise AssertionError("unreachable: an override path has at least one part")


def lookup(raw: dict, o: Override, file: str = "scenario") -> tuple[Any, list, str]:
    """Read-only :func:`apply_overrides` of one path: (the value at ``o.path``, the tables from ``raw`` down to the
    one holding it, the path as the loaders name it).  The same one-line errors as applying ``o`` for a path that
    is not in ``raw`` or that ends at a table; ``o.value`` is not used (no type check)."""
    node: Any = raw
    chain: list = []
    loc = ""
    for part in o.path:
        if isinstance(node, dict) and part in node:
            chain.append(node)
            node = node[part]
            loc = f"{loc}.{part}" if loc else str(part)
            continue
        if isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            idk = _id_key(node)
            index = next((j for j, x in enumerate(node) if x[idk] == part), None) if idk is not None else None
            if index is None and part.isdigit() and int(part) < len(node):
                index = int(part)
            if index is not None:
                node = node[index]
                loc = f"{loc}[{index}]"
                continue
        _apply_one(copy.deepcopy(raw), o, file)  # raises the message applying it gives
        raise AssertionError("unreachable: a path that cannot be followed cannot be applied")
    kind = _kind(node)
    if kind in ("table", "array of tables"):
        where = ".".join(key_text(p) for p in o.path)
        raise o.fail(f"{where} is {_a(kind)}: expected a path to one of its values")
    return node, chain, loc


def _unknown_key(raw: dict, sym: list[str], part: str, node: dict, file: str) -> str:
    prefix = ".".join(key_text(p) for p in sym)
    full = f"{prefix}.{key_text(part)}" if prefix else key_text(part)
    elsewhere = [p for p in _find_key(raw, part) if p != full]
    if elsewhere:
        return f"{full}: unknown key (did you mean {elsewhere[0]}?)"
    near = _near(part, node)
    if near is not None:
        return f"{full}: unknown key (did you mean {prefix + '.' if prefix else ''}{key_text(near)}?)"
    return (f"{full}: unknown key: expected one of {_one_of(node)}" if node else
            f"{full}: unknown key: {prefix or file} is an empty table")


def _unknown_id(sym: list[str], part: str, node: list, idk: str | None) -> str:
    prefix = ".".join(key_text(p) for p in sym)
    full = f"{prefix}.{key_text(part)}"
    if idk is None:
        return f"{full}: {prefix} is an array of tables without ids: expected an index 0..{len(node) - 1}"
    ids = [x[idk] for x in node]
    near = _near(part, ids)
    if near is not None:
        return f"{full}: no element of {prefix} has {idk} = {_string(part)} (did you mean {prefix}.{key_text(near)}?)"
    return f"{full}: no element of {prefix} has {idk} = {_string(part)}: expected one of {_one_of(ids)}"


def blame(exc: InputError, applied) -> InputError:
    """A loader's error on an overridden scenario, prefixed with the override it names (by location), so
    the line says which ``--set`` made the scenario invalid; unchanged when no override is involved."""
    msg = str(exc)
    applied = list(applied)
    for a in sorted(applied, key=lambda a: -len(a.location)):
        for needle in (f": {a.location} = ", f": {a.location}:", f": {a.location} is "):
            if needle in msg:
                return InputError(f"{a.override.label}: {msg}")
    if len(applied) == 1:
        return InputError(f"{applied[0].override.label}: {msg}")
    if applied:
        return InputError(f"{msg} (with {len(applied)} overrides: {', '.join(a.override.key for a in applied)})")
    return exc


# ------------------------------------------------------------------------------------------
# Recording
def format_record(applied, scenario: str = "") -> str:
    """The overrides as a study file's ``[set]`` table (``overrides.toml`` of an output directory), each line
    commented with the value it replaced."""
    lines = [f"# Overrides applied to scenario {scenario} before validation, in order (the command line's --set "
             "after a study file's [set]);" if scenario else "# Overrides applied before validation, in order;",
             "# each replaced the value in the comment. Usable as the [set] table of a study file.", "[set]"]
    for a in applied:
        o = a.override if isinstance(a, Applied) else a
        old = f"  # was {short_value(a.old)} ({a.location})" if isinstance(a, Applied) else ""
        lines.append(f"{o.key} = {toml_value(o.value)}{old}")
    return "\n".join(lines) + "\n"


def describe(applied) -> list[str]:
    """One line per applied override: ``KEY = VALUE (was OLD)``."""
    return [f"{a.override.key} = {toml_value(a.override.value)} (was {short_value(a.old)})" for a in applied]
