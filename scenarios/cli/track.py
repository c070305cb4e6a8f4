"""``airbridge track``: run the tracker on a plot log and write the track log."""
from __future__ import annotations

import argparse

from radar.constants import PICTURES
from scenarios.cli.args import add_set_argument, number, output_file

#: the most output times ``--output-every`` may ask for (a day every 0.1 s is 864,000)
MAX_OUTPUT_TIMES = 1_000_000


def add_parser(sub) -> None:
    p = sub.add_parser("track", help="track a plot log (military / non_integrated / integrated picture)",
                       description="Read a Cartesian or polar plot log and write the track log: by default at "
                                   "every distinct plot time, one row per confirmed track alive then, predicted to that time.")
    p.add_argument("--plots", required=True, help="plot log CSV (Cartesian or polar)")
    p.add_argument("--sensors", default=None, help="sensors.toml (without it: all sensors military, plots' own covariance)")
    p.add_argument("--picture", "--mode", dest="picture", default="military", choices=PICTURES,
                   help="picture to build (default: military; others need --sensors; --mode is an alias)")
    p.add_argument("--seed", type=int, default=0, help="seed of the cross-tell random stream (default 0)")
    p.add_argument("--day", type=number(int, 0, what="a day index"), default=0,
                   help="day index of the random streams (default 0)")
    p.add_argument("--output-every", type=number(float, 0, 86400, lo_open=True, what="an interval in seconds"),
                   default=None, metavar="S",
                   help="write rows every S seconds instead of at every distinct plot time")
    p.add_argument("--grids", default=None, help="grids.npz with min_visible_msl__<site>__<type> for the miss test")
    p.add_argument("--filter", default=None, choices=["imm", "cv"], help="motion model (default: imm = CV + CT +-2 deg/s)")
    p.add_argument("--tracker", default=None, metavar="TOML",
                   help="TOML file whose [tracker] table overrides tracker defaults (e.g. the scenario file); "
                        "keys are tracker.params.TrackerParams fields; the flags below override it")
    accel = number(float, 0, 100, lo_open=True, what="a process noise in m/s^2")
    p.add_argument("--q-horizontal", type=accel, default=None, metavar="M/S2", help="horizontal process noise (m/s^2)")
    p.add_argument("--q-vertical", type=accel, default=None, metavar="M/S2", help="local-up process noise (m/s^2)")
    p.add_argument("--v-max", type=number(float, 0, 3000, lo_open=True, what="a speed in m/s"), default=None,
                   metavar="M/S", help="two-point initiation speed limit (m/s)")
    p.add_argument("--max-unseen", type=number(float, 0, 86400, lo_open=True, what="a time in seconds"), default=None,
                   metavar="S", help="delete a track unseen this long (s)")
    add_set_argument(p, "tracker.gate_chi2_1=20 (tracker settings: the [tracker] keys)")
    p.add_argument("--out", required=True, type=output_file(), help="track log CSV to write")
    p.set_defaults(run=run)


def _override_tracker(base: dict, args) -> dict:
    """The ``[tracker]`` table with ``--set tracker.KEY=VALUE`` applied (over the file's values, else the defaults:
    every setting with a default can be set); prints what changed."""
    from dataclasses import fields

    from radar.errors import InputError
    from scenarios.config.overrides import apply_overrides, blame, describe
    from tracker.params import TrackerParams

    defaults = TrackerParams()
    table = {f.name: getattr(defaults, f.name) for f in fields(TrackerParams) if getattr(defaults, f.name) is not None}
    doc = {"tracker": {**table, **base}}
    applied = apply_overrides(doc, args.overrides, args.tracker or "tracker defaults")
    out = {**base, **{a.override.path[-1]: doc["tracker"][a.override.path[-1]] for a in applied}}
    try:
        TrackerParams.from_table(out)
    except InputError as exc:
        raise blame(exc, applied) from None
    for line in describe(applied):
        print(f"override: {line}")
    return out


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from radar.errors import InputError
    from radar.plotlog import read_plot_log
    from radar.sensorfile import read_sensors
    from scenarios.config.schema import check_seed
    from scenarios.config.tracker import read_tracker_file
    from tracker.logs import write_track_log
    from tracker.params import TrackerParams
    from tracker.tracker import load_grids, track, warmup

    check_seed(args.seed)
    if args.output_every is not None and not (args.output_every > 0):
        raise InputError(f"--output-every {args.output_every}: expected a positive interval in seconds")
    base = read_tracker_file(args.tracker) if args.tracker else {}
    if args.overrides:
        base = _override_tracker(base, args)
    kw = dict(base)
    kw["imm"] = args.filter == "imm" if args.filter else base.get("imm", True)
    for flag, name in (("q_horizontal", "q_horizontal_mps2"), ("q_vertical", "q_vertical_mps2"),
                       ("v_max", "v_max_mps"), ("max_unseen", "max_unseen_s")):
        v = getattr(args, flag)
        if v is not None:
            kw[name] = v
    params = TrackerParams.from_table(kw, f"{args.tracker}: tracker" if args.tracker else "tracker")
    sensors = read_sensors(args.sensors) if args.sensors else None
    if sensors is not None and len(sensors) == 0:
        raise InputError(f"{args.sensors}: no [[sensor]] table: expected at least one sensor "
                         "(index 0, 1, ... as in the plot log's sensor column)")
    if sensors is None and args.picture != "military":
        raise InputError(f"--picture {args.picture}: needs --sensors (owners, latencies and fusion parameters); "
                         "without it every sensor is military")
    if args.grids and sensors is None:
        raise InputError("--grids: needs --sensors (grids are keyed by site and radar type)")
    plots = read_plot_log(args.plots, sensors)
    if sensors is None and np.isnan(plots.x_m).any():
        raise InputError(f"{args.plots}: a polar plot log needs --sensors to convert range/azimuth/elevation")
    grids = load_grids(args.grids, sensors) if args.grids else None
    if args.output_every:
        t0 = np.floor(plots.time_s.min() / args.output_every) * args.output_every
        span = plots.time_s.max() - t0
        if span / args.output_every >= MAX_OUTPUT_TIMES:
            raise InputError(f"--output-every {args.output_every:g}: {span / args.output_every:,.0f} output times over "
                             f"the plot log's {span:,.0f} s: expected at most {MAX_OUTPUT_TIMES:,} "
                             f"(an interval >= {span / MAX_OUTPUT_TIMES:.3g} s)")
        out_times = np.arange(t0, plots.time_s.max() + 1e-9, args.output_every)
    else:
        out_times = np.unique(plots.time_s)
    from scenarios.warmup import announce_compile

    announce_compile("track")
    warmup()  # compile / load the kernels before timing
    if sensors is None:
        res = track(plots, None, params, out_times=out_times)
        rows = res.rows
        time_s, tid, state, status, sigma_v = rows.time_s, rows.track, rows.state, None, rows.sigma_v_m
        confirmed, tracking_s = res.confirmed_tracks, res.tracking_s
        tracked = len(plots)
    else:
        from tracker.pictures import build_picture

        pic = build_picture(plots, sensors, args.picture, args.seed, args.day, params, grids, out_times=out_times)
        time_s, tid, state, sigma_v = pic.time_s, pic.track, pic.state, pic.sigma_v_m
        status = pic.status if args.picture == "non_integrated" else None
        confirmed, tracking_s = pic.stats.get("confirmed_tracks", 0), pic.stats.get("tracking_s", 0.0)
        # plots actually fed to the tracker(s): the military picture leaves the civil plots out
        tracked = pic.stats.get("plots", pic.stats.get("military_plots", 0) + pic.stats.get("civil_plots", 0))
    write_track_log(args.out, time_s, tid, state, status, sigma_v)
    rate = tracked / tracking_s if tracking_s > 0 else float("inf")
    # N: plots in the file; plots_per_s: plots fed to the tracker(s) per second of tracking (no I/O, no compilation)
    print(f"plots={len(plots)} confirmed_tracks={confirmed} tracking_s={tracking_s:.6f} plots_per_s={rate:.0f}")
    return 0
