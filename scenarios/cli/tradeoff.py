"""``airbridge tradeoff``: the Monte Carlo trade-off study (the main job)."""
from __future__ import annotations

import argparse

from scenarios.cli.args import add_sensitivity_argument, add_set_argument, number, output_dir


def add_parser(sub) -> None:
    p = sub.add_parser("tradeoff", help="Monte Carlo trade-off: networks x pictures x interceptor options (main job)",
                       description="Paired Monte Carlo study over simulated days: for each radar network, picture and "
                                   "interceptor option, how many Bolivia-origin flights are identified airborne, how "
                                   "fast, at what cost. With no arguments: the default study (~2,000 flights).")
    p.add_argument("--scenario", default=None, help="embedded scenario name or .toml (default: peru)")
    p.add_argument("--study", default=None, help="study TOML file ([study] table, [set] overrides); flags override it")
    add_set_argument(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--days", type=number(int, 1, what="a number of days"), default=None,
                   help="simulated days per network")
    g.add_argument("--flights", type=number(int, 1, what="a number of drug flights"), default=None,
                   help="target number of drug flights (days = flights / expected flights per day; default 2000)")
    p.add_argument("--seed", type=int, default=None, help="master seed (default 1)")
    p.add_argument("--networks", default=None, help="comma-separated networks (default: the four built-in ones: peru,peru-public-record,peru-pm-civil-psr,peru-vraem-3d)")
    p.add_argument("--pictures", "--modes", dest="pictures", default=None,
                   help="comma-separated pictures (default: non_integrated,integrated; --modes is an alias)")
    p.add_argument("--options", default=None, help="comma-separated option ids (default: all of the scenario's)")
    e = p.add_mutually_exclusive_group()
    e.add_argument("--workers", type=number(int, 1, what="a number of worker processes"), default=None,
                   help="local worker processes (default: all cores; 1 = in-process)")
    e.add_argument("--scheduler", default=None, help="Dask scheduler tcp://HOST:PORT, or 'local' for a loopback LocalCluster")
    p.add_argument("--chunk-days", type=number(int, 1, what="a number of days"), default=None,
                   help="days per chunk (default 8; results do not depend on it)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    p.add_argument("--out", default="airbridge-tradeoff", type=output_dir,
                   help="output directory (default: ./airbridge-tradeoff)")
    add_sensitivity_argument(p)
    p.set_defaults(run=run)


def _csv(text, flag):
    from radar.errors import InputError

    if text is None:
        return None
    items = tuple(x.strip() for x in text.split(",") if x.strip())
    if not items:
        raise InputError(f"{flag} {text!r}: empty: expected comma-separated names")
    return items


def build_spec(args, require_study: bool = True):
    """The study of the command line: the defaults, then the ``--study`` file, then the flags (``require_study``:
    the file must have a ``[study]`` table)."""
    import math

    from radar.errors import InputError
    from scenarios.config.schema import check_seed
    from scenarios.config.study import expected_drug_flights_per_day, read_study_file
    from scenarios.study.spec import StudySpec

    base = StudySpec()
    kw = {}
    label = "study"
    flights = None
    if args.study:
        label = args.study
        kw, flights = read_study_file(args.study, require_study)
    if args.scenario:
        kw["scenario"] = args.scenario
    for flag, key in (("--networks", "networks"), ("--pictures", "pictures"), ("--options", "options")):
        v = _csv(getattr(args, key), flag)
        if v is not None:
            kw[key] = v
    overrides = [*kw.pop("overrides", ()), *getattr(args, "overrides", [])]
    if args.seed is not None:
        kw["seed"] = check_seed(args.seed)
    if args.chunk_days is not None:
        if args.chunk_days < 1:
            raise InputError(f"--chunk-days {args.chunk_days}: must be >= 1")
        kw["chunk_days"] = args.chunk_days
    if args.days is not None:
        if args.days <= 0:
            raise InputError(f"--days {args.days}: must be a positive number of days")
        kw["days"] = args.days
        flights = None
    elif args.flights is not None:
        if args.flights <= 0:
            raise InputError(f"--flights {args.flights}: must be a positive number of flights")
        flights = args.flights
    elif "days" not in kw and flights is None:
        flights = 2000
    scn = None
    if overrides:
        from scenarios.config.overrides import normalise
        from scenarios.config.scenario import load_scenario

        # checked here, where each override still knows where it came from (--set or the study file's [set])
        overrides = normalise(overrides)
        scn = load_scenario(kw.get("scenario", base.scenario), overrides)
        kw["overrides"] = tuple(o.text for o in overrides)
    if flights is not None:
        from scenarios.config.scenario import load_scenario

        scn = scn or load_scenario(kw.get("scenario", base.scenario))
        per_day = expected_drug_flights_per_day(scn)
        kw["days"] = max(1, int(math.ceil(flights / per_day)))
    spec = StudySpec(**{**base.__dict__, **kw})
    return spec, label


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    import os

    from scenarios.config.study import expected_drug_flights_per_day
    from scenarios.study import budget
    from scenarios.study.report import format_ranking, render
    from scenarios.study.runner import run_study
    from scenarios.study.spec import validate_spec
    from scenarios.study.uncertainty import cycle_check
    from scenarios.warmup import announce_compile

    spec, label = build_spec(args)
    ctx = validate_spec(spec, label)
    if args.sensitivity is not None:  # checked before the study runs, not after
        from scenarios.study.sensitivity_input import load_sensitivity

        load_sensitivity(args.sensitivity)
    if args.days is not None or args.flights is not None:  # what chose the number of days
        what = f"--days {args.days}" if args.days is not None else f"--flights {args.flights}"
    else:
        what = f"{args.study}: days = {spec.days}" if args.study else f"the default study ({spec.days} days)"
    if args.workers is not None:
        budget.check_workers(args.workers)
    workers = 1 if args.scheduler else (args.workers or os.cpu_count() or 1)
    budget.check_study(what, spec.days, spec.chunk_days, expected_drug_flights_per_day(ctx.scenario),
                       len(spec.networks), len(ctx.options), len(spec.pictures), workers, args.out,
                       local_workers=not args.scheduler)
    t0 = time.perf_counter()
    out = Path(args.out)
    announce_compile("study")
    print(f"study: {len(spec.networks)} networks x {len(spec.pictures)} pictures x "
          f"{len(spec.options) or 'all'} options, {spec.days} days, seed {spec.seed} -> {out}")
    print(cycle_check(ctx.scenario, spec.networks, spec.days).span_line())
    run_study(spec, out, workers=args.workers or 0, scheduler=args.scheduler, resume=args.resume)
    summary = render(out, sensitivity=args.sensitivity)
    print(format_ranking(summary["scores"]))
    if summary["deltas"]:
        print("paired Δ P(identified airborne), integrated − non_integrated (pp, 95% CI):")
        for d in summary["deltas"]:
            print(f"  {d.network:<20} {d.option:<28} {100 * d.delta:+6.2f}  [{100 * d.lo:+.2f}, {100 * d.hi:+.2f}]")
    print(summary["cycles"].method_line())
    print_summary(summary)
    warn_intervals(summary)
    state = "complete" if summary["complete"] else "INCOMPLETE (resume with --resume)"
    print(f"{state}: report {out}/report.html (and report.md, summary.csv, results.csv, figures/) "
          f"in {time.perf_counter() - t0:.1f} s")
    return 0


def warn_intervals(summary) -> None:
    """The study's interval warning (too few outage cycles), on stderr after the intervals it qualifies."""
    import sys

    warning = summary["cycles"].warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def print_summary(summary) -> None:
    """The report's executive summary, as plain text."""
    from scenarios.study.briefing import plain

    print("executive summary:")
    for i, sentence in enumerate(summary["executive_summary"], 1):
        print(f"  {i}. {plain(sentence)}")
