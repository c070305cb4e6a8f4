"""Argument parsing shared by every ``airbridge`` subcommand (imports only the standard library).

:class:`Parser` is the ``argparse`` parser of the command and of all its subcommands:

* a bad argument is one line on stderr (``airbridge track: error: --day -1: expected a day
  index >= 0``) and exit status 2, like every other bad input (no usage block);
* every ``type=float`` option rejects ``nan``, ``inf`` and numbers that overflow to them, so a
  range check written as ``not (x > 0)`` is never the only guard against NaN.

The ``type=`` helpers below check a value's range, and an output path's directories, when the
command line is parsed: before anything is computed or written.
"""
from __future__ import annotations

import argparse
import math
import os
import re
from pathlib import Path


class Parser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with one-line errors and finite floats (subparsers inherit both).

    An argument that starts with a minus and a digit is a value, never an option: no airbridge
    option looks like a number, so ``--bbox -12.8,-12.2,-69.8,-69.2`` or ``--map-agl -300`` reach
    their option (and its range check) instead of failing as an unknown option.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("type", float, finite_float)
        self.register("type", int, integer)
        self._negative_number_matcher = re.compile(r"^-\.?\d")

    def _get_value(self, action, arg_string):
        # a value the type rejects: "--day -1: expected a day index >= 0" (the option, the value, what is
        # expected), like every other bad input, rather than argparse's "argument --day: ..."
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            name = "/".join(action.option_strings) or action.metavar or action.dest
            raise argparse.ArgumentError(None, f"{name} {exc.message}") from None

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {' '.join(str(message).split())}\n")


def finite_float(text: str) -> float:
    """``float(text)``, refusing NaN and infinities."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"{text}: expected a finite number")
    return v


def integer(text: str) -> int:
    """``int(text)``, with a message that names the value."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an integer") from None


def number(kind=float, lo=None, hi=None, *, lo_open: bool = False, hi_open: bool = False, what: str = "a number"):
    """A ``type=`` function: ``kind(text)`` within [lo, hi] (``lo_open``/``hi_open``: bound excluded).

    ``what`` names the quantity in the message, e.g. ``number(float, 0, what="a height in metres")``
    gives ``-300: expected a height in metres >= 0``."""
    if lo is not None and hi is not None:
        rng = f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    elif lo is not None:
        rng = f"{'>' if lo_open else '>='} {lo:g}"
    elif hi is not None:
        rng = f"{'<' if hi_open else '<='} {hi:g}"
    else:
        rng = ""
    expected = f"expected {what}{' ' + rng if rng else ''}"

    def parse(text: str):
        if kind is int:
            try:
                v = int(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"{text!r}: {expected} (an integer)") from None
        else:
            v = finite_float(text)
        if lo is not None and (v < lo or (lo_open and v == lo)):
            raise argparse.ArgumentTypeError(f"{text}: {expected}")
        if hi is not None and (v > hi or (hi_open and v == hi)):
            raise argparse.ArgumentTypeError(f"{text}: {expected}")
        return v

    parse.__name__ = kind.__name__
    return parse


def _check_parents(text: str, path: Path) -> None:
    """The nearest existing ancestor of ``path`` must be a writable directory."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise argparse.ArgumentTypeError(f"{text}: {parent} is a file, not a directory: expected a path "
                                                 "whose parents are (or can be made) directories")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise argparse.ArgumentTypeError(f"{text}: directory {parent} is not writable: "
                                                 "expected a path where files can be written")
            return
        if parent.is_symlink():  # a dangling link: mkdir would fail on it
            raise argparse.ArgumentTypeError(f"{text}: {parent} is a broken symbolic link: expected a directory")


def output_file(suffix: str | None = None):
    """A ``type=`` function for an output file: not a directory, inside directories that can be made;
    with ``suffix``, the name must end with it."""

    def parse(text: str) -> str:
        if not text:
            raise argparse.ArgumentTypeError("'': expected a file name")
        path = Path(text)
        if suffix and not text.endswith(suffix):
            raise argparse.ArgumentTypeError(f"{text}: expected a {suffix} file name")
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text}: is a directory: expected a file name")
        _check_parents(text, path)
        if path.exists() and not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(f"{text}: exists and is not writable: expected a file that can be replaced")
        return text

    parse.__name__ = "file name"
    return parse


def output_dir(text: str) -> str:
    """A ``type=`` function for an output directory: a directory or nothing yet, inside directories."""
    if not text:
        raise argparse.ArgumentTypeError("'': expected a directory name")
    path = Path(text)
    if path.exists():
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{text}: exists and is not a directory: expected a directory "
                                             "(new, or one this command wrote before)")
        if not os.access(path, os.W_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"{text}: directory is not writable: expected a directory "
                                             "where files can be written")
        return text
    _check_parents(text, path)
    return text


output_dir.__name__ = "directory name"


def override(text: str):
    """A ``type=`` function for ``--set KEY=VALUE``: the :class:`scenarios.config.overrides.Override` (its
    syntax checked here; its path and type when the scenario loads)."""
    from radar.errors import InputError
    from scenarios.config.overrides import parse_override

    try:
        return parse_override(text)
    except InputError as exc:
        msg = str(exc)
        raise argparse.ArgumentTypeError(msg[len("--set "):] if msg.startswith("--set ") else msg) from None


override.__name__ = "override"


def add_set_argument(p: argparse.ArgumentParser,
                     example: str = "radar.sites.fap_tps70_puerto_maldonado.availability=0.9") -> None:
    """``--set KEY=VALUE`` (repeatable): overrides of the scenario's values, applied in order before it is
    validated (:mod:`scenarios.config.overrides`)."""
    p.add_argument("--set", dest="overrides", action="append", type=override, default=[], metavar="KEY=VALUE",
                   help=f"override a value before validation, e.g. {example} (a dotted path; arrays of tables "
                        "by id; a TOML value); repeatable, later ones win")


def add_sensitivity_argument(parser) -> None:
    """``--sensitivity SDIR`` (``tradeoff``, ``report``): attach the output of ``airbridge sensitivity`` to the
    report."""
    parser.add_argument("--sensitivity", default=None, metavar="SDIR",
                        help="output directory of 'airbridge sensitivity': its top three swings go into the "
                             "executive summary, its tornado charts into the report")
