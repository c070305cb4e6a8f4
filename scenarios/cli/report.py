"""``airbridge report DIR``: re-render the report of a trade-off study from its store."""
from __future__ import annotations

import argparse

from scenarios.cli.args import add_sensitivity_argument


def add_parser(sub) -> None:
    r = sub.add_parser("report", help="re-render the report of a trade-off study from its store",
                       description="Re-render report.md/html, figures, results.csv and summary.csv from DIR/study.sqlite.")
    r.add_argument("dir", help="the --out directory of 'airbridge tradeoff'")
    add_sensitivity_argument(r)
    r.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from scenarios.cli.tradeoff import print_summary, warn_intervals
    from scenarios.study.report import format_ranking, render

    summary = render(Path(args.dir), sensitivity=args.sensitivity)
    print(format_ranking(summary["scores"]))
    print_summary(summary)
    warn_intervals(summary)
    print(f"{'complete' if summary['complete'] else 'INCOMPLETE'}: re-rendered {args.dir}/report.html and report.md")
    return 0
