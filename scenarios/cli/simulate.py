"""``airbridge simulate``: one or more simulated days -> truth, plot logs, sensors.toml, flights, map, summary.

Imports only argparse at module level (``airbridge --help`` stays instant); NumPy, Numba and the
feeds load inside :func:`run`.  ``--engage`` (:mod:`scenarios.cli.engage`) plays the days through
the interceptor options and writes its files into the same output directory.
"""
from __future__ import annotations

import argparse

from scenarios.cli import engage
from scenarios.cli.args import add_set_argument, number, output_dir


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
    p.add_argument("--false-plot-window", type=number(float, 0, 1000, lo_open=True, what="a distance in km"),
                   default=None, metavar="KM",
                   help="study option: keep only false plots within KM of an airborne target")
    p.add_argument("--map-agl", type=number(float, 0, 30000, hi_open=True, what="a height above ground in metres"),
                   default=300.0, metavar="M", help="AGL of the coverage layer on the map (m, default: 300)")
    p.add_argument("--no-map", action="store_true", help="skip the PNG map")
    add_set_argument(p)
    p.add_argument("--out", required=True, type=output_dir, help="output directory")
    engage.add_engage_arguments(p)


def add_parser(sub) -> None:
    p = sub.add_parser("simulate", help="simulate days: drug flights, background traffic and every radar's plots",
                       description="Turn a scenario into what the radars would report, day by day: drug flights from "
                                   "Bolivia, cooperative background traffic, and each radar's plots (Swerling-1 "
                                   "detection, scan timing, noise, false plots, transponders, outages).")
    add_arguments(p)
    p.set_defaults(run=run)


def parse_days(text: str) -> range | list[int]:
    """The day numbers of ``--days``: ``D`` (0..D-1) or ``a-b`` as a range, ``a,b,c`` as a list."""
    from radar.errors import InputError

    try:
        if "-" in text:
            a, b = (int(x) for x in text.split("-", 1))
            days = range(a, b + 1)
        elif "," in text:
            days = [int(x) for x in text.split(",")]
        else:
            days = range(int(text))
    except ValueError:
        raise InputError(f"--days {text!r}: expected a count D, a list 'a,b,c' or a range 'a-b' of day numbers") from None
    if not days or (days[0] if isinstance(days, range) else min(days)) < 0:
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
    from scenarios.study import budget
    from scenarios.simulation import outputs as so
    from scenarios.simulation.day import DayOptions, prepare, simulate_day
    from scenarios.config.schema import check_seed
    from scenarios.warmup import announce_compile

    days = parse_days(str(args.days))
    check_seed(args.seed)
    budget.check_simulate(f"--days {args.days}", len(days), args.out)
    bw = None
    if args.background_window:
        try:
            km, minutes = (float(x) for x in args.background_window.split(","))
        except ValueError:
            raise InputError(f"--background-window {args.background_window!r}: expected KM,MIN (two numbers)") from None
        if not (0 < km <= 1000 and 0 <= minutes <= 1440):
            raise InputError(f"--background-window {args.background_window!r}: expected KM in (0, 1000] "
                             "and MIN in [0, 1440]")
        bw = (km * 1000.0, minutes * 60.0)
    tick = time.perf_counter()
    from scenarios.cli.scenario import write_overrides
    from scenarios.config.scenario import load_scenario

    ctx = prepare(load_scenario(args.scenario, args.overrides), args.network, dem=args.dem)
    plan = engage.engage_plan(args, ctx)  # bad --options / --pictures fail here, before the days run
    announce_compile("engage" if plan else "simulate")
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
        extra = engage.engage_step(plan, args, res, stage)
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
        if ctx.scenario.overrides:
            from scenarios.config.overrides import describe

            text += "\n" + "\n".join(f"override: {line}" for line in describe(ctx.scenario.overrides))
        (stage / "summary.txt").write_text(text + "\n")
        recorded = write_overrides(ctx.scenario, stage)
    print(text)
    print(f"wrote {args.out}/: truth.csv plots_polar.csv plots_cartesian.csv sensors.toml flights.csv summary.txt"
          + ("" if args.no_map else " map.png") + "".join(f" {n}" for n in recorded))
    return 0
