"""``airbridge simulate ... --engage [--options ...] [--pictures ...]``: the simulated days played out.

Called by ``scenarios.cli.simulate`` (its flags and its step inside the staged output directory);
the tables and figures are drawn by :mod:`scenarios.engagement.outputs`.  Imports only argparse
at module level; NumPy, Matplotlib, the tracker and the engagement model load inside
:func:`engage_step`.

Outputs (inside the simulate output directory, staged: complete or absent):

* ``engagements.csv`` -- one row per drug flight x option x picture (its best leg) and one per
  scramble on anything else (``kind`` cooperative, innocent, or empty for a false track);
  header ``day,flight,option,mode,outcome,leg,...`` (the picture is the column ``mode``; times
  in s since the scenario epoch): when and by which sensor contact and identification happened
  (``t_contact_s``, ``contact_sensor``, ``contact_true_range_m``, ``t_id_s``, ``id_sensor``),
  where the interceptor was (``intercept_*`` at contact, ``id_*`` at identification),
  ``night``, ``leg``, ``endgame``, and whether the flight was identified on each leg.
* ``engagement_timeline_day<D>.png`` -- per picture: the day's drug flights (airborne legs),
  their suspect tracks, and each option's scrambles, intercepts and identifications.
* ``engagement_map.png`` -- intercept points (by outcome) and escape points (where
  unidentified flights landed or left Peru), with the options' bases.
* a table per option x picture, in ``summary.txt`` and in what ``simulate`` prints.
"""
from __future__ import annotations

import argparse

from radar.constants import PICTURES


def add_engage_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("engagement")
    g.add_argument("--engage", action="store_true",
                   help="play each day through the interceptor options and pictures; writes engagements.csv, "
                        "timelines and a map")
    g.add_argument("--options", default=None, metavar="ID[,ID...]",
                   help="interceptor options of the scenario (default: all of them)")
    g.add_argument("--pictures", "--modes", dest="pictures", default=None, metavar="PICTURE[,PICTURE...]",
                   help=f"pictures: {', '.join(PICTURES)} (default: all three; --modes is an alias)")


def _split(text):
    if text is None:
        return None
    return [t.strip() for t in str(text).split(",")]


def parse_pictures(text) -> list[str]:
    from radar.errors import InputError

    pictures = _split(text)
    if pictures is None:
        return list(PICTURES)
    if not pictures or any(p not in PICTURES for p in pictures) or len(set(pictures)) != len(pictures):
        raise InputError(f"--pictures {text!r}: expected distinct names among {', '.join(PICTURES)}, comma-separated")
    return pictures


def parse_options(cfg, text):
    from radar.errors import InputError

    ids = _split(text)
    if ids is not None and (not ids or any(not i for i in ids)):
        raise InputError(f"--options {text!r}: expected option ids separated by commas, e.g. a29_forward,f16_la_joya")
    options = cfg.select(ids, "--options")
    if not options:
        raise InputError("--options: the scenario defines no [[options]]: expected at least one interceptor option")
    return options


def engage_plan(args, ctx):
    """``(interceptor config, options, pictures)`` of ``--engage`` (None without it); checks the flags."""
    if not args.engage:
        return None
    from scenarios.config.interceptors import load_interceptor_config

    cfg = load_interceptor_config(ctx.scenario)
    return cfg, parse_options(cfg, args.options), parse_pictures(args.pictures)


def engage_step(plan, args, res, stage) -> list[str]:
    """The ``--engage`` step of ``airbridge simulate`` (``plan`` from :func:`engage_plan`): writes its files
    into ``stage`` and returns the summary lines (``simulate`` prints them with the rest of the summary);
    nothing without ``--engage``."""
    if plan is None:
        return []
    from pathlib import Path

    from radar.fileio import atomic_write
    from scenarios.engagement.engagement import OutcomeTable, build_pictures, evaluate_day, write_csv
    from scenarios.engagement.outputs import plot_engagement_map, plot_timeline, summary_lines

    cfg, options, pictures = plan
    stage = Path(stage)
    tables = []
    for day in res.days:
        pics = build_pictures(day, pictures, args.seed, cfg.params)
        details = {}
        table = evaluate_day(day, pics, options, cfg.params, args.seed, details=details)
        tables.append(table)
        plot_timeline(stage / f"engagement_timeline_day{day.day}.png", day, table, details, options, pictures)
    table = OutcomeTable.concat(tables)
    with atomic_write(stage / "engagements.csv") as fh:
        write_csv(table, fh)
    plot_engagement_map(stage / "engagement_map.png", res.days, table, options)
    lines = summary_lines(table, options, pictures)
    lines.append("wrote engagements.csv, engagement_map.png, "
                 + ", ".join(f"engagement_timeline_day{d.day}.png" for d in res.days))
    return lines
