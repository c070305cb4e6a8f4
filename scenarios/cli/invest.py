"""``airbridge invest``: the efficient frontier of investment portfolios under a budget."""
from __future__ import annotations

import argparse
import re

from scenarios.cli.args import add_set_argument, number, output_dir

_AMOUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([mMbB]?)\s*$")
_PORTFOLIO = re.compile(r"^[A-Za-z0-9_.-]+(\+[A-Za-z0-9_.-]+)*$")


def portfolio(text: str) -> str:
    """``--include``: lever ids joined by '+' (which levers they are is checked against the scenario)."""
    if not _PORTFOLIO.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: expected lever ids joined by '+', e.g. a29_forward+vraem_3d")
    return text


def amount(text: str) -> float:
    """US$: ``3.5e9``, ``3500M`` or ``3.5B``."""
    m = _AMOUNT.match(text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an amount of US$ (3.5e9, 3500M or 3.5B)")
    v = float(m.group(1)) * {"": 1.0, "m": 1e6, "b": 1e9}[m.group(2).lower()]
    if not (0 < v < 1e15):
        raise argparse.ArgumentTypeError(f"{text}: expected an amount of US$ > 0 (3.5e9, 3500M or 3.5B)")
    return v


def add_parser(sub) -> None:
    p = sub.add_parser("invest", help="investment frontier: what a budget should buy (aircraft, radars, availability, "
                                      "integration)",
                       description="Portfolios of the scenario's [invest] levers (one interceptor option, radar sets, a "
                                   "TPS-70 availability contract, the civil-military link) within a life-cycle budget, "
                                   "searched by successive halving on the paired trade-off study; writes frontier.csv, "
                                   "marginal.csv, frontier.png and report.md.")
    p.add_argument("--scenario", default=None, help="embedded scenario name or .toml (default: peru)")
    add_set_argument(p, "invest.radars.vraem_3d.acquisition_musd=30")
    p.add_argument("--budget", type=amount, default=None, metavar="US$",
                   help="life-cycle budget over the horizon, e.g. 3.5B or 3500M (default: [invest] budget_musd, US$3.5B)")
    p.add_argument("--horizon", type=number(float, 0, 100, lo_open=True, what="years"), default=None,
                   help="years of life-cycle cost (default: [invest] horizon_years, 20)")
    p.add_argument("--levers", default=None,
                   help="comma-separated lever ids to consider (default: all of [invest]; at least one option)")
    p.add_argument("--include", action="append", type=portfolio, default=[], metavar="PORTFOLIO",
                   help="a portfolio (lever ids joined by '+') kept to the last rung and compared with the other "
                        "--include ones; repeatable")
    p.add_argument("--days", type=number(int, 1, 1_000_000, what="a number of days"), default=120,
                   help="days of the last rung (default 120)")
    p.add_argument("--rungs", type=number(int, 1, 20, what="a number of rungs"), default=3,
                   help="successive-halving rungs, each with half the next one's days (default 3: 30, 60, 120 days)")
    p.add_argument("--max-portfolios", type=number(int, 1, 100_000, what="a number of portfolios"), default=256,
                   help="portfolios of the first rung at most (a seeded sample beyond; default 256)")
    p.add_argument("--seed", type=int, default=1, help="master seed (default 1)")
    p.add_argument("--workers", type=number(int, 1, what="a number of worker processes"), default=None,
                   help="local worker processes per cell (default: all cores; 1 = in-process)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    p.add_argument("--out", default="airbridge-invest", type=output_dir,
                   help="output directory (default: ./airbridge-invest)")
    p.set_defaults(run=run)


def build_spec(args):
    from radar.errors import InputError
    from scenarios.config.schema import check_seed
    from scenarios.study.invest import InvestSpec

    levers = ()
    if args.levers is not None:
        levers = tuple(x.strip() for x in args.levers.split(",") if x.strip())
        if not levers:
            raise InputError(f"--levers {args.levers!r}: empty: expected comma-separated lever ids")
    overrides = ()
    if args.overrides:
        from scenarios.config.overrides import normalise

        overrides = tuple(o.text for o in normalise(args.overrides))
    return InvestSpec(scenario=args.scenario or "peru", overrides=overrides, levers=levers, budget_usd=args.budget,
                      horizon_years=args.horizon, days=args.days, rungs=args.rungs, seed=check_seed(args.seed),
                      max_portfolios=args.max_portfolios, include=tuple(args.include))


def run(args: argparse.Namespace) -> int:
    import sys
    import time

    from scenarios.study import budget
    from scenarios.study.invest import plan_run, run_invest
    from scenarios.study.invest_report import lines, money
    from scenarios.warmup import announce_compile

    t0 = time.perf_counter()
    spec = build_spec(args)
    if args.workers is not None:
        budget.check_workers(args.workers)
    plan = plan_run(spec)
    print(f"invest: {len(plan.candidates)} portfolios within {money(plan.budget_usd)} over {plan.horizon_years:g} years "
          f"(of {len(plan.candidates) + len(plan.over_budget) + plan.not_sampled}; {len(plan.over_budget)} over it"
          + (f", {plan.not_sampled} not sampled" if plan.not_sampled else "") + f"), {len(plan.cells())} cells, "
          f"rungs of {', '.join(map(str, plan.rungs))} days, seed {spec.seed} -> {args.out}")
    if plan.over_budget:
        p, c = min(plan.over_budget, key=lambda x: (x[1], x[0].name))
        print(f"over the budget before any flying, e.g. {p.name} ({money(c)})")
    announce_compile("study")
    result = run_invest(spec, args.out, workers=args.workers or 0, resume=args.resume, plan=plan)
    for line in lines(result):
        print(line)
    print(result.cycles.method_line())
    warning = result.cycles.warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"complete: {args.out}/frontier.csv (and report.md, frontier.png, marginal.csv) in "
          f"{time.perf_counter() - t0:.1f} s")
    return 0
