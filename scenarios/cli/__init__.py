"""``airbridge`` command line.

One module per command (``scenario``, ``terrain``, ``coverage``, ``simulate`` with ``engage``,
``track``, ``score``, ``tradeoff``, ``sensitivity``, ``report``, ``calibrate``, ``site``, ``invest``), each parsing its arguments, calling the API and printing;
``args`` holds the shared argument types.  This package imports only argparse and those modules
(which import only argparse themselves), so ``airbridge --help`` is instant.  Each command
module has ``add_parser(subparsers)`` and ``run(args) -> int``; ``run`` imports NumPy, Numba and
the kernels on first use.

Bad input raises :class:`radar.errors.InputError` (or an ``OSError`` naming a file: not found,
not a directory, no permission, disk full); it is printed as one line ``airbridge: error: ...``
and the exit status is 2.  Bad arguments are caught by the parser (:mod:`scenarios.cli.args`),
also as one line with status 2.  ``--debug`` shows the traceback instead.  Ctrl-C exits with
status 130; an interrupted ``tradeoff`` or ``invest`` prints the command that resumes it (``sensitivity``: the same
command).
"""
from __future__ import annotations

import argparse
import errno
import sys

from scenarios.cli import (calibrate, coverage, invest, report, scenario, score, sensitivity, simulate, site, terrain,
                           track, tradeoff)
from scenarios.cli.args import Parser, number

#: subcommand modules, in the order of the pipeline
COMMANDS = [scenario, terrain, coverage, simulate, track, score, tradeoff, sensitivity, report, calibrate, site, invest]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="airbridge",
        description="Radar-fusion and drug-flight interception simulator for Peru.",
        epilog="Bad input exits with status 2 and one line naming the file, key and value; --debug shows the traceback.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    parser.add_argument("--threads", type=number(int, 1, what="a number of threads"), default=None, metavar="N",
                        help="Numba threads (default: all cores; more than the cores gives the cores)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def resume_command(argv: list[str]) -> str:
    """The command line that continues an interrupted ``airbridge tradeoff ARGV`` or ``invest`` (``--resume`` added)."""
    import shlex

    args = list(argv) if "--resume" in argv else [*argv, "--resume"]
    return shlex.join(["airbridge", *args])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0), or a bad argument (2: one line already printed)
        return int(exc.code or 0)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        if args.threads is not None:
            from radar._jit import set_threads

            set_threads(args.threads)
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        if args.command in ("tradeoff", "invest"):
            print(f"airbridge: interrupted; continue with: {resume_command(argv)}", file=sys.stderr)
        elif args.command == "sensitivity":
            print("airbridge: interrupted; the finished runs are kept in --out: the same command continues",
                  file=sys.stderr)
        else:
            print("airbridge: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the boundary that turns bad input into one line
        from radar.errors import InputError

        if args.debug:
            raise
        if isinstance(exc, InputError):
            msg = str(exc)
        elif isinstance(exc, OSError) and exc.filename:  # a file or directory that cannot be read or written
            msg = " ".join(f"{exc.filename}: {exc.strerror or exc}".split())
        elif isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            msg = f"{exc.strerror}: expected free space on the disk of the output"
        else:
            raise
        print(f"airbridge: error: {msg}", file=sys.stderr)
        return 2

