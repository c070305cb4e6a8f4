"""``airbridge report DIR``: re-render the report of a trade-off study from its store."""
from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    r = sub.add_parser("report", help="re-render the report of a trade-off study from its store",
                       description="Re-render report.md/html, figures, results.csv and summary.csv from DIR/study.sqlite.")
    r.add_argument("dir", help="the --out directory of 'airbridge tradeoff'")
    r.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from scenarios.cli.tradeoff import _warn_intervals
    from scenarios.study.report import format_ranking, render

    summary = render(Path(args.dir))
    print(format_ranking(summary["scores"]))
    _warn_intervals(summary)
    print(f"{'complete' if summary['complete'] else 'INCOMPLETE'}: re-rendered {args.dir}/report.html and report.md")
    return 0
