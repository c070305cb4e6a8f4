"""``airbridge`` command line.

This module imports only argparse and the small ``cli_*`` modules (which import
only argparse themselves), so ``airbridge --help`` is instant.  Each subcommand
module has ``add_parser(subparsers)`` and ``run(args) -> int``; ``run`` imports
NumPy, Numba and the kernels on first use.

Bad input raises :class:`radar.errors.InputError` (or ``FileNotFoundError``);
it is printed as one line ``airbridge: error: ...`` and the exit status is 2.
``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import re
import sys

from scenarios import cli_coverage, cli_scenario, cli_terrain

# Subcommand modules, in the order of the pipeline. Modules added by later work
# register here (one line each).
COMMANDS = [cli_scenario, cli_terrain, cli_coverage]

for _name in ("cli_simulate", "cli_track", "cli_score", "cli_tradeoff"):
    try:  # optional until that capability lands
        COMMANDS.append(__import__(f"scenarios.{_name}", fromlist=["add_parser"]))
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on which issues landed
        if exc.name != f"scenarios.{_name}":
            raise


class _Parser(argparse.ArgumentParser):
    """An argument that starts with a minus and a digit is a value, never an option.

    Plain argparse takes ``-12.8,-12.2,-69.8,-69.2`` (or ``-1e3``) for an unknown option
    and fails with "expected one argument"; no airbridge option looks like a number, so any
    such argument is a (negative) number or a list of numbers.  Subcommand parsers inherit
    this class.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-\.?\d")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="airbridge",
        description="Radar-fusion and drug-flight interception simulator for Peru.",
        epilog="Bad input exits with status 2 and one line naming the file, key and value; --debug shows the traceback.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    parser.add_argument("--threads", type=int, default=None, metavar="N", help="Numba threads (default: all cores)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        if args.threads is not None:
            from radar._jit import set_threads

            set_threads(args.threads)
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("airbridge: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the boundary that turns bad input into one line
        from radar.errors import InputError

        if args.debug:
            raise
        if isinstance(exc, (InputError, FileNotFoundError, IsADirectoryError, PermissionError)):
            msg = str(exc) if isinstance(exc, InputError) else f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}"
            print(f"airbridge: error: {msg}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
