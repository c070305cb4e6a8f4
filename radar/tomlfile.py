"""The one TOML reader of every input file (scenarios, overlays, study files, sensors files, tracker settings).

:func:`read_toml` turns whatever makes a file unreadable -- missing, a directory, no permission,
binary garbage (not UTF-8), malformed or absurdly nested TOML -- into one :class:`InputError` line that
names the file and says what was expected.  :func:`unknown_key` words the error for a key or table
that no loader reads, naming the nearest known one.
"""
from __future__ import annotations

import difflib
import os
import tomllib

from radar.errors import InputError


def read_toml(path, label: str | None = None, what: str = "a TOML file") -> dict:
    """Parse the TOML file ``path`` (a path, or anything with ``open("rb")`` such as package data).

    label: the file name used in messages (default: ``path``).  what: what the file should be
    ("a scenario TOML file", ...), used in messages.
    """
    label = label or str(path)
    try:
        opener = path.open if hasattr(path, "open") else None
        with (opener("rb") if opener else open(os.fspath(path), "rb")) as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"{label}: file not found: expected {what}") from None
    except IsADirectoryError:
        raise InputError(f"{label}: is a directory: expected {what}") from None
    except PermissionError:
        raise InputError(f"{label}: permission denied: expected a readable file ({what})") from None
    except UnicodeDecodeError:
        raise InputError(f"{label}: not UTF-8 text: expected {what}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: malformed TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{label}: malformed TOML: arrays or tables nested too deeply") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or type(exc).__name__}): expected {what}") from None


def unknown_key(file: str, dotted: str, name: str, value, allowed) -> InputError:
    """``file: dotted: unknown key|table (did you mean <nearest>?)`` for a key ``name`` read by no loader.

    dotted: the full dotted path of the key (``threat.trafic``); allowed: the names accepted there.
    """
    allowed = [str(a) for a in allowed]
    kind = "table" if isinstance(value, dict) or (isinstance(value, list) and value
                                                   and all(isinstance(v, dict) for v in value)) else "key"
    near = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
    if near:
        parent = dotted[: len(dotted) - len(str(name))]
        hint = f"(did you mean {parent}{near[0]}?)"
    elif allowed:
        hint = "expected one of " + ", ".join(sorted(allowed))
    else:
        hint = "expected no keys here"
    return InputError(f"{file}: {dotted}: unknown {kind} {hint}" if near else f"{file}: {dotted}: unknown {kind}: {hint}")
