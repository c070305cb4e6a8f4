"""``airbridge simulate``: one or more simulated days -> truth, plot logs, sensors.toml, flights, map, summary.

Imports only argparse at module level (``airbridge --help`` stays instant); NumPy, Numba and the
feeds load inside :func:`run`.  Issue 5 adds ``--engage`` through :func:`add_arguments` /
:data:`EXTRA_ARGUMENTS` (a list of callables ``f(parser)``) without touching the rest.
"""
from __future__ import annotations

import argparse

#: hooks ``f(parser)`` that add more flags (e.g. the engagement's ``--engage``); run after ours
EXTRA_ARGUMENTS: list = []
#: hooks ``f(args, result, ctx, out_dir) -> list[str]`` run after the day(s) are simulated, inside the
#: staged output directory; they may write files and return summary lines
EXTRA_STEPS: list = []

from scenarios import engage_cli as _engage_cli  # noqa: E402  issue 5: --engage (imports only argparse)

EXTRA_ARGUMENTS.append(_engage_cli.add_engage_arguments)
EXTRA_STEPS.append(_engage_cli.engage_step)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default=None, help="embedded scenario name or .toml file (default: peru)")
    p.add_argument("--network", default="peru", help="network name (default: peru)")
    p.add_argument("--days", default="1", help="number of days D (days 0..D-1) or a list/range 'a,b' / 'a-b' (default: 1)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--dem", default=None, help="DEM .npz (default: the scenario's, else embedded ETOPO5)")
    p.add_argument("--no-background", action="store_true", help="drug flights only (no cooperative traffic)")
    p.add_argument("--background-window", default=None, metavar="KM,MIN",
                   help="study option: keep only background flights within KM of a drug flight at times within MIN minutes, "
                        "each clipped to MIN minutes either side of its close approaches")
    p.add_argument("--false-plot-window", type=float, default=None, metavar="KM",
                   help="study option: keep only false plots within KM of an airborne target")
    p.add_argument("--map-agl", type=float, default=300.0, metavar="M", help="AGL of the coverage layer on the map (default: 300)")
    p.add_argument("--no-map", action="store_true", help="skip the PNG map")
    p.add_argument("--out", required=True, help="output directory")
    for hook in EXTRA_ARGUMENTS:
        hook(p)


def add_parser(sub) -> None:
    p = sub.add_parser("simulate", help="simulate days: drug flights, background traffic and every radar's plots",
                       description="Turn a scenario into what the radars would report, day by day: drug flights from "
                                   "Bolivia, cooperative background traffic, and each radar's plots (Swerling-1 "
                                   "detection, scan timing, noise, false plots, transponders, outages).")
    add_arguments(p)
    p.set_defaults(run=run)


def parse_days(text: str) -> list[int]:
    from radar.errors import InputError

    try:
        if "-" in text:
            a, b = (int(x) for x in text.split("-", 1))
            days = list(range(a, b + 1))
        elif "," in text:
            days = [int(x) for x in text.split(",")]
        else:
            days = list(range(int(text)))
    except ValueError:
        raise InputError(f"--days {text!r}: expected a count D, a list 'a,b,c' or a range 'a-b' of day numbers") from None
    if not days or min(days) < 0:
        raise InputError(f"--days {text!r}: expected at least one day, all >= 0")
    return days


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from radar.errors import InputError
    from radar.feeds import FeedOptions
    from radar.fileio import staged_output
    from radar.plotlog import write_cartesian_log, write_polar_log
    from radar.sensorfile import write_sensors
    from scenarios import simulate_outputs as so
    from scenarios.day import DayOptions, prepare, simulate_day
    from scenarios.schema import check_seed

    days = parse_days(str(args.days))
    check_seed(args.seed)
    bw = None
    if args.background_window:
        try:
            km, minutes = (float(x) for x in args.background_window.split(","))
        except ValueError:
            raise InputError(f"--background-window {args.background_window!r}: expected KM,MIN (two numbers)") from None
        if not (km > 0 and minutes >= 0):
            raise InputError(f"--background-window {args.background_window!r}: expected KM > 0 and MIN >= 0")
        bw = (km * 1000.0, minutes * 60.0)
    if args.false_plot_window is not None and not args.false_plot_window > 0:
        raise InputError(f"--false-plot-window {args.false_plot_window}: expected a distance > 0 (km)")
    tick = time.perf_counter()
    ctx = prepare(args.scenario, args.network, dem=args.dem)
    feeds = FeedOptions(false_plot_window_m=None if args.false_plot_window is None else 1000.0 * args.false_plot_window)
    opts = DayOptions(background=not args.no_background, background_window=bw, feeds=feeds)
    results = [simulate_day(ctx, seed=args.seed, day=d, options=opts) for d in days]
    res = so.merge_days(results)
    t_sim = time.perf_counter() - tick
    with staged_output(args.out) as stage:
        stage = Path(stage)
        n_truth = so.write_truth(stage / "truth.csv", res)
        write_polar_log(stage / "plots_polar.csv", res.plots)
        write_cartesian_log(stage / "plots_cartesian.csv", res.plots)
        write_sensors(stage / "sensors.toml", res.sensors)
        res.flights.write_csv(stage / "flights.csv")
        cover = so.cover_minutes(res, ctx)
        text = so.summary_text(res, ctx, cover)
        extra = []
        for step in EXTRA_STEPS:
            extra += list(step(args, res, ctx, stage) or [])
        if extra:
            text += "\n\n" + "\n".join(extra)
        if not args.no_map:
            so.plot_map(stage / "map.png", res, ctx, args.map_agl)
        notes = []
        for d in results:
            if d.background_kept != d.background_generated:
                notes.append(f"day {d.day}: kept {d.background_kept} of {d.background_generated} background flights "
                             f"(--background-window)")
            if args.false_plot_window is not None:
                notes.append(f"day {d.day}: kept {int(d.feed_stats.false_kept.sum())} of "
                             f"{int(d.feed_stats.false_generated.sum())} false plots (--false-plot-window)")
            notes += [f"day {d.day}: {n}" for n in d.notes]
            if d.rejected_range or d.rejected_terrain:
                notes.append(f"day {d.day}: redrawn formations: {d.rejected_range} beyond range after routing, "
                             f"{d.rejected_terrain} with no clear route")
        text += "\n" + "\n".join(notes) if notes else ""
        text += f"\ntruth rows {n_truth}; simulated in {t_sim:.1f} s"
        (stage / "summary.txt").write_text(text + "\n")
    print(text)
    print(f"wrote {args.out}/: truth.csv plots_polar.csv plots_cartesian.csv sensors.toml flights.csv summary.txt"
          + ("" if args.no_map else " map.png"))
    return 0
