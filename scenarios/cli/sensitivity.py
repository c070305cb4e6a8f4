"""``airbridge sensitivity``: one-at-a-time swings and Morris screening of the scenario's uncertain values."""
from __future__ import annotations

import argparse

from scenarios.cli.args import add_set_argument, number, output_dir

#: days per run unless --days or the study file says otherwise (every run simulates them all)
DEFAULT_DAYS = 60
DEFAULT_NETWORKS = "peru"


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sensitivity", help="how much the answers move with the uncertain values (tornado charts, Morris screening)",
        description="Runs the trade-off study again with each uncertain value (knob) at the low and high end of its "
                    "range, one at a time, then Morris screening (SALib) over all knobs at once; every run on the "
                    "same days and seed (common random numbers). Metrics: P(identified airborne) of --option, its "
                    "integration Δ (integrated − non_integrated), and the Δ between the baseline's two best options. "
                    "Ranges: stated in the study file's [sensitivity] table or --knob, else from each value's "
                    "confidence (placeholder ±50 %, approximate ±25 %, sourced ±10 %), clipped to its physical "
                    "range. Runs already complete in --out are reused.")
    p.add_argument("--scenario", default=None, help="embedded scenario name or .toml (default: peru)")
    p.add_argument("--study", default=None,
                   help="study TOML file ([study], [set], [sensitivity] PATH = [LOW, HIGH]); flags override it")
    add_set_argument(p)
    p.add_argument("--days", type=number(int, 1, what="a number of days"), default=None,
                   help=f"simulated days per run (default {DEFAULT_DAYS}, or the study file's)")
    p.add_argument("--seed", type=int, default=None, help="master seed of every run (default 1)")
    p.add_argument("--networks", default=None, help=f"comma-separated networks (default: {DEFAULT_NETWORKS})")
    p.add_argument("--pictures", "--modes", dest="pictures", default=None,
                   help="comma-separated pictures (default: non_integrated,integrated)")
    p.add_argument("--options", default=None, help="comma-separated option ids (default: all of the scenario's)")
    p.add_argument("--option", default=None,
                   help="the option whose P(identified airborne) and integration Δ are measured (default: the "
                        "baseline's best)")
    p.add_argument("--picture", default=None, help="picture of P(identified airborne) and of the option ranking "
                                                   "(default: integrated)")
    p.add_argument("--knob", dest="knobs_added", action="append", default=[], metavar="PATH[=[LOW,HIGH]]", type=knob,
                   help="add a knob (a dotted path, like --set), its range stated or from its confidence; repeatable")
    p.add_argument("--knobs", default=None, metavar="NAMES",
                   help="comma-separated knob names or paths: run only these and those of --knob (default: all)")
    p.add_argument("--no-defaults", action="store_true",
                   help="only the knobs of --knob and the study file's [sensitivity], not the built-in list")
    p.add_argument("--morris", type=number(int, 0, 1000, what="a number of Morris trajectories"), default=4,
                   metavar="R", help="Morris trajectories (each len(knobs) + 1 runs; default 4; 0 = none)")
    e = p.add_mutually_exclusive_group()
    e.add_argument("--workers", type=number(int, 1, what="a number of worker processes"), default=None,
                   help="local worker processes per run (default: all cores; 1 = in-process)")
    e.add_argument("--scheduler", default=None, help="Dask scheduler tcp://HOST:PORT, or 'local'")
    p.add_argument("--out", default="airbridge-sensitivity", type=output_dir,
                   help="output directory (default: ./airbridge-sensitivity); its runs/ are reused")
    p.set_defaults(run=run)


def knob(text: str):
    """A ``type=`` function for ``--knob PATH[=[LOW,HIGH]]``: its :class:`scenarios.study.knobs.KnobSpec` (the
    syntax checked here; the path and the range against the scenario before anything runs)."""
    from radar.errors import InputError
    from scenarios.study.knobs import spec_from_arg

    try:
        return spec_from_arg(text)
    except InputError as exc:
        msg = str(exc)
        raise argparse.ArgumentTypeError(msg[len("--knob "):] if msg.startswith("--knob ") else msg) from None


knob.__name__ = "knob"


def _study_defaults(args) -> argparse.Namespace:
    """The tradeoff's arguments for the baseline: this command's flags, its own defaults (days, networks)."""
    from scenarios.config.study import read_study_file

    ns = argparse.Namespace(**vars(args))
    ns.flights = None
    ns.chunk_days = None
    ns.resume = False
    kw, flights = read_study_file(args.study, require_study=False) if args.study else ({}, None)
    if ns.days is None and "days" not in kw and flights is None:
        ns.days = DEFAULT_DAYS
    if ns.networks is None and "networks" not in kw:
        ns.networks = DEFAULT_NETWORKS
    return ns


def _specs(args):
    """(stated knobs: the study file's [sensitivity], then --knob; keep the built-in list)."""
    from scenarios.config.schema import read_toml
    from scenarios.study.knobs import merge_specs, specs_from_table

    file_specs, defaults = [], True
    if args.study:
        raw = read_toml(args.study, what="a study TOML file")
        table = raw.get("sensitivity")
        if table is not None:
            if not isinstance(table, dict):
                from radar.errors import InputError

                raise InputError(f"{args.study}: sensitivity = {table!r}: expected a table [sensitivity] of "
                                 "PATH = [LOW, HIGH] lines")
            file_specs, defaults = specs_from_table(table, f"{args.study}: [sensitivity]")
    arg_specs = list(args.knobs_added)
    return merge_specs(file_specs, arg_specs), defaults and not args.no_defaults


def _progress(line: str) -> None:
    """One line per run, on stderr (like the trade-off's progress)."""
    import sys

    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    import os
    import time
    from pathlib import Path

    from scenarios.cli.tradeoff import _csv, build_spec
    from scenarios.config.study import expected_drug_flights_per_day
    from scenarios.study import budget
    from scenarios.study.budget import fmt_duration
    from scenarios.study.sensitivity import run_sensitivity
    from scenarios.study.sensitivity_report import top_lines, write
    from scenarios.study.spec import validate_spec
    from scenarios.study.uncertainty import cycle_check
    from scenarios.warmup import announce_compile

    t0 = time.perf_counter()
    specs, defaults = _specs(args)
    spec, label = build_spec(_study_defaults(args), require_study=False)
    ctx = validate_spec(spec, label)
    only = _csv(args.knobs, "--knobs") or ()
    if args.workers is not None:
        budget.check_workers(args.workers)
    workers = 1 if args.scheduler else (args.workers or os.cpu_count() or 1)
    budget.check_study(f"--days {spec.days}", spec.days, spec.chunk_days, expected_drug_flights_per_day(ctx.scenario),
                       len(spec.networks), len(ctx.options), len(spec.pictures), workers, args.out,
                       local_workers=not args.scheduler)
    out = Path(args.out)
    announce_compile("study")
    intro = (f"sensitivity: {len(spec.networks)} networks x {len(spec.pictures)} pictures x {len(ctx.options)} options, "
             f"{spec.days} days per run, seed {spec.seed} -> {out}",
             cycle_check(ctx.scenario, spec.networks, spec.days).span_line()
             + "; every run on the same days and seed: swings are paired differences, not intervals")
    result = run_sensitivity(spec, out, specs, defaults, only, args.option, args.picture, args.morris,
                             workers=args.workers or 0, scheduler=args.scheduler, progress=_progress, intro=intro)
    write(result, out)
    print("\n".join(top_lines(result)))
    runs = result.runs
    reused = sum(1 for x in runs.index if x[4])
    print(f"{len(runs.index)} runs ({reused} reused) of {spec.days} days: {out}/summary.html (and summary.md, oat.csv"
          f"{', morris.csv' if result.morris else ''}, knobs.toml, figures/) in "
          f"{fmt_duration(time.perf_counter() - t0)} ({time.perf_counter() - t0:.1f} s)")
    return 0
