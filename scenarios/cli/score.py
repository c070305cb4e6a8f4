"""``airbridge score``: GOSPA, continuity and time to track of a track log against a truth log."""
from __future__ import annotations

import argparse

from scenarios.cli.args import number


def add_parser(sub) -> None:
    p = sub.add_parser("score", help="score a track log against truth (GOSPA, continuity, time to track)",
                       description="Evaluate at truth times using each track's latest row at or before t (<= 30 s old, "
                                   "predicted to t; older = absent). GOSPA with alpha = 2.")
    p.add_argument("--truth", required=True, help="truth log CSV (time_s,target,x_m,y_m,z_m)")
    p.add_argument("--tracks", required=True, help="track log CSV (time_s,track,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps)")
    p.add_argument("--c", type=number(float, 1, 1e7, what="a cut-off distance in metres"), default=2000.0,
                   help="GOSPA cut-off distance c in metres, 1 to 1e7 (default 2000)")
    p.add_argument("--p", type=number(float, 1, 10, what="a GOSPA order"), default=1.0,
                   help="GOSPA order p, 1 to 10 (default 1)")
    p.add_argument("--max-age", type=number(float, 0, 86400, lo_open=True, what="an age in seconds"), default=30.0,
                   metavar="S", help="oldest usable track row (s, more than 0 and at most a day; default 30)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tracker.logs import read_track_log, read_truth_log
    from tracker.metrics import evaluate

    tt, tg, tp = read_truth_log(args.truth)
    kt, kid, ks, _ = read_track_log(args.tracks)
    s = evaluate(tt, tg, tp, kt, kid, ks, c=args.c, p=args.p, max_age_s=args.max_age).summary()
    print(f"gospa_mean={s['gospa_mean']:.1f} localisation={s['localisation']:.1f} missed={s['missed']:.1f} "
          f"false={s['false']:.1f} (c={args.c:g} m, p={args.p:g}, alpha=2, {s['truth_times']} truth times)")
    print(f"targets={s['targets']} held={s['targets_held']} held_fraction_mean={s['held_fraction_mean']:.3f} "
          f"id_switches={s['id_switches']} fragments={s['fragments']}")
    print(f"time_to_track_median_s={s['time_to_track_median_s']:.1f} time_to_track_mean_s={s['time_to_track_mean_s']:.1f} "
          f"rmse_m={s['rmse_m']:.1f}")
    return 0
