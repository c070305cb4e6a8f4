"""A simulated day's pictures measured against truth: duplicate tracks, height errors, GOSPA, continuity.

The checks of an air picture a controller would trust (re-measurable with one command)::

    python -m scenarios.study.picture_truth --networks peru,peru-pm-civil-psr --seeds 1,2,3 --days 0-11

Per (network, seed, day, picture): the picture as the study builds it (study day options: background
window, false-plot window), its rows aligned to the truth every 10 s (each track's latest row <= 30 s old,
predicted), matched to the true aircraft horizontally within 2 km (:func:`tracker.metrics.picture_truth`,
:func:`tracker.metrics.evaluate` with horizontal matching of rows whose height is unobserved).  Printed
and returned: duplicate tracks (% of held aircraft-times), rows more than 3 km from the true height (% of
matched rows; cooperative and non-cooperative aircraft apart), GOSPA (c = 2 km, p = 1) and continuity
(id switches, fragments).

After a study, ``python -m scenarios.study.picture_truth --false-scrambles STUDY_DIR`` re-simulates the days of its
false scrambles on background (cooperative) flights and says why each happened
(:func:`study_false_scrambles`): a second, code-less track of an aircraft tracked with its code elsewhere;
a cue of another, squawking aircraft that truth placed nearer the flight; or no code of the flight in the
picture at all (and whether some sensor heard it).
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from radar.constants import PICTURES


def measure_pictures(day, pictures: dict, interval_s: float = 10.0, match_m: float = 2000.0,
                     height_error_m: float = 3000.0) -> dict:
    """picture -> dict of the truth measures of ``pictures`` (picture -> :class:`tracker.pictures.Picture`) of
    the simulated ``day`` (:class:`scenarios.simulation.day.Day`)."""
    from tracker.metrics import evaluate, picture_truth, vertical_sigma

    tt, tg, tp = day.truth(interval_s)
    coop = np.asarray(day.flights.transponder_on, bool)
    groups = {int(f): ("cooperative" if coop[f] else "non_cooperative") for f in np.unique(tg)}
    out = {}
    for picture, pic in pictures.items():
        pt = picture_truth(tt, tg, tp, pic.time_s, pic.track, pic.state, pic.pos_cov, match_m=match_m,
                           height_error_m=height_error_m, target_group=groups)
        sig_v = vertical_sigma(pic.state[:, :3], pic.pos_cov)
        sc = evaluate(tt, tg, tp, pic.time_s, pic.track, pic.state, c=match_m, track_sigma_v=sig_v)
        d = pt.summary()
        d["by_group"] = pt.by_group
        d.update({"gospa": sc.gospa_mean, "id_switches": sc.id_switches, "fragments": sc.fragments,
                  "held_fraction_mean": float(np.mean(sc.held_fraction)) if sc.held_fraction.size else float("nan")})
        out[picture] = d
    return out


def measure_day(ctx, seed: int, day_n: int, pictures=PICTURES, spec=None, all_background: bool = False) -> dict:
    """Simulate day ``day_n`` of ``ctx`` (a :class:`scenarios.simulation.day.DayContext`) with the study's day options
    (``all_background``: every background flight whole, as ``simulate`` does, instead of the study's
    window), build the pictures as the study does and measure them (:func:`measure_pictures`)."""
    import dataclasses

    from scenarios.simulation.day import simulate_day
    from scenarios.engagement.engagement import build_pictures
    from scenarios.study.runner import day_options
    from scenarios.study.spec import StudySpec

    spec = spec or StudySpec()
    opts = day_options(spec)
    if all_background:
        opts = dataclasses.replace(opts, background_window=None)
    day = simulate_day(ctx, seed=seed, day=day_n, options=opts)
    pics = build_pictures(day, pictures, seed)
    return measure_pictures(day, pics)


def false_scramble_causes(day, pictures: dict, events, match_m: float = 2000.0) -> list[dict]:
    """Why each false scramble on a background (cooperative) flight happened, from the truth of ``day``.

    ``events``: (picture, track id, flight id, suspect time) of the false scrambles.  For each, over the suspect
    track's rows up to its suspect time (:func:`scenarios.engagement.engagement.classify` decided on them):
    ``coded_elsewhere`` -- another track of the picture carried the flight's planned code within ``match_m``
    (horizontally) of the flight at the same time, so the scramble came from a second, code-less track of
    an aircraft already tracked with its code; ``other_code`` -- the suspect track carried a code that is
    not the flight's (a cue of another, squawking aircraft that truth afterwards placed nearer the
    flight); ``code_heard`` -- some plot of the day (any sensor, military or civil) carried the flight's code
    while the suspect track lived; ``sensors`` -- the indices of the sensors that fed it.  Otherwise the
    flight had no code anywhere in the picture until then (its transponder unheard by the picture's sensors:
    an SSR down, or no secondary in cover)."""
    from tracker.metrics import split_distance

    fl = day.flights
    ids = {str(v): i for i, v in enumerate(fl.id)}
    tt, tg, tp = day.truth(10.0)
    out = []
    for picture, track, flight, t_suspect in events:
        pic = pictures[picture]
        f = ids[str(flight)]
        code = int(fl.squawk[f])
        rows = np.flatnonzero((pic.track == int(track)) & (pic.time_s <= t_suspect + 1e-6))
        coded = False
        for r in rows[::3]:
            t = pic.time_s[r]
            k = np.flatnonzero((tg == f) & (np.abs(tt - t) <= 5.0))
            if k.size == 0:
                continue
            near = np.flatnonzero((np.abs(pic.time_s - t) <= 10.0) & (pic.track != int(track)) & (pic.squawk == code))
            if near.size:
                dh, _dv = split_distance(tp[k[:1]], pic.state[near, :3])
                if dh.min() < match_m:
                    coded = True
                    break
        mask = int(np.bitwise_or.reduce(pic.sensors[rows])) if rows.size else 0
        t0, t1 = (pic.time_s[rows[0]], pic.time_s[rows[-1]]) if rows.size else (np.inf, -np.inf)
        pl = day.plots
        heard = bool(np.any((pl.truth == f) & (pl.squawk == code) & (pl.time_s >= t0) & (pl.time_s <= t1)))
        out.append({"picture": picture, "track": int(track), "flight": str(flight), "coded_elsewhere": coded,
                    "other_code": bool(np.any((pic.squawk[rows] >= 0) & (pic.squawk[rows] != code))),
                    "code_heard": heard,
                    "sensors": [i for i in range(63) if (mask >> i) & 1]})
    return out


def study_false_scrambles(out_dir, scenario: str = "peru") -> dict:
    """The false scrambles on background flights of a finished study (``out_dir/results.csv``), each
    re-simulated and explained (:func:`false_scramble_causes`).  Returns counts per network: events
    (distinct (day, picture, track, flight)), rows (one per option), coded_elsewhere, other_code, code-less; and
    the radars down on those days."""
    import csv
    from pathlib import Path

    from scenarios.simulation.day import simulate_day
    from scenarios.engagement.engagement import build_pictures
    from scenarios.study.runner import day_options
    from scenarios.study.spec import StudySpec, validate_spec

    with open(Path(out_dir) / "results.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["false_scramble"] == "1"]
    seed = 1
    meta = Path(out_dir) / "study.sqlite"
    if meta.exists():
        import json
        import sqlite3

        con = sqlite3.connect(meta)
        try:
            spec_row = con.execute("select value from meta where key = 'study_json'").fetchone()
            if spec_row:
                seed = int(json.loads(spec_row[0]).get("seed", 1))
        except sqlite3.Error:
            pass
        con.close()
    spec = StudySpec(scenario=scenario, seed=seed)
    ctx = validate_spec(spec)
    by_day: dict = {}
    for r in rows:
        by_day.setdefault((r["network"], int(r["day"])), []).append(r)
    out: dict = {}
    for (net, d), rs in sorted(by_day.items()):
        tot = out.setdefault(net, {"rows": 0, "rows_background": 0, "events": 0, "coded_elsewhere": 0,
                                   "other_code": 0, "codeless": 0, "codeless_heard": {}, "unmatched_rows": 0,
                                   "down": {}})
        tot["rows"] += len(rs)
        tot["unmatched_rows"] += sum(1 for r in rs if r["flight"] in ("", "-1"))
        bg = [r for r in rs if "bg" in r["flight"]]
        tot["rows_background"] += len(bg)
        if not bg:
            continue
        dctx = ctx.day_context(net)
        day = simulate_day(dctx, seed=seed, day=d, options=day_options(spec))
        names = sorted({r["mode"] for r in bg})  # the picture column is named mode
        pics = build_pictures(day, names, seed)
        events = sorted({(r["mode"], int(r["track"]), r["flight"], float(r["t_suspect_s"])) for r in bg})
        for e in false_scramble_causes(day, pics, events):
            tot["events"] += 1
            tot["coded_elsewhere" if e["coded_elsewhere"] else ("other_code" if e["other_code"] else "codeless")] += 1
            if not (e["coded_elsewhere"] or e["other_code"]) and e["code_heard"]:
                tot["codeless_heard"][e["picture"]] = tot["codeless_heard"].get(e["picture"], 0) + 1
        for radar_, up in zip(dctx.radars, day.radar_up):
            if not up:
                tot["down"][radar_.name] = tot["down"].get(radar_.name, 0) + 1
    return out


def _days(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def main(argv=None) -> int:
    from scenarios.study.spec import StudySpec, validate_spec

    ap = argparse.ArgumentParser(prog="python -m scenarios.study.picture_truth", description=__doc__.split("\n")[0])
    ap.add_argument("--networks", default="peru,peru-pm-civil-psr")
    ap.add_argument("--pictures", "--modes", dest="pictures", default=",".join(PICTURES))
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--days", default="0-5", help="day list, e.g. 0-5,105,118")
    ap.add_argument("--all-background", action="store_true",
                    help="every background flight whole (simulate's default), not the study's window")
    ap.add_argument("--false-scrambles", metavar="STUDY_DIR", default=None,
                    help="instead: explain the false scrambles on background flights of a finished study")
    args = ap.parse_args(argv)
    if args.false_scrambles:
        for net, c in study_false_scrambles(args.false_scrambles).items():
            print(f"{net}: {c['rows']} false-scramble rows, {c['rows_background']} on background (cooperative) flights "
                  f"({c['events']} distinct tracks: {c['coded_elsewhere']} while the flight was tracked with its code "
                  f"elsewhere, {c['other_code']} cues of another squawking aircraft, {c['codeless']} with no code "
                  f"anywhere in the picture, of which the code was heard by some sensor: {c['codeless_heard']}), "
                  f"{c['unmatched_rows']} unmatched; "
                  f"radars down on those days: {c['down']}", flush=True)
        return 0
    spec = StudySpec()
    ctx = validate_spec(spec)
    pictures = tuple(m for m in args.pictures.split(",") if m)
    keys = ("aircraft_times", "held", "duplicates", "matched_rows", "height_errors", "height_errors_declared")
    for net in args.networks.split(","):
        dctx = ctx.day_context(net)
        tot = {m: dict.fromkeys(keys, 0) | {"gospa": [], "id_switches": 0, "fragments": 0, "coop_err": 0,
                                             "coop_rows": 0, "nc_err": 0, "nc_rows": 0} for m in pictures}
        for seed in [int(s) for s in args.seeds.split(",")]:
            for d in _days(args.days):
                t0 = time.perf_counter()
                res = measure_day(dctx, seed, d, pictures, spec, args.all_background)
                for m, r in res.items():
                    for k in keys:
                        tot[m][k] += r[k]
                    tot[m]["gospa"].append(r["gospa"])
                    tot[m]["id_switches"] += r["id_switches"]
                    tot[m]["fragments"] += r["fragments"]
                    g = r["by_group"]
                    tot[m]["coop_err"] += g.get("cooperative", {}).get("height_errors", 0)
                    tot[m]["coop_rows"] += g.get("cooperative", {}).get("matched_rows", 0)
                    tot[m]["nc_err"] += g.get("non_cooperative", {}).get("height_errors", 0)
                    tot[m]["nc_rows"] += g.get("non_cooperative", {}).get("matched_rows", 0)
                    print(f"{net} seed {seed} day {d} {m}: dup {r['duplicates']}/{r['held']} "
                          f"h>3km {r['height_errors']}/{r['matched_rows']} (declared {r['height_errors_declared']}) "
                          f"p99 {r['abs_height_error_p99_m']:.0f} m gospa {r['gospa']:.1f} "
                          f"switches {r['id_switches']} fragments {r['fragments']} [{time.perf_counter() - t0:.1f} s]",
                          flush=True)
        for m in pictures:
            a = tot[m]
            pct = lambda n, d: 100.0 * n / d if d else float("nan")  # noqa: E731
            print(f"== {net} {m}: duplicates {pct(a['duplicates'], a['held']):.2f} % of {a['held']} held aircraft-times; "
                  f"rows > 3 km from true height {pct(a['height_errors'], a['matched_rows']):.2f} % of "
                  f"{a['matched_rows']} (cooperative {pct(a['coop_err'], a['coop_rows']):.2f} %, non-cooperative "
                  f"{pct(a['nc_err'], a['nc_rows']):.2f} %; within 3 sigma_v: {a['height_errors_declared']}); "
                  f"GOSPA mean {np.mean(a['gospa']):.1f} m; id switches {a['id_switches']}, fragments {a['fragments']}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
