"""Study report: results.csv (Parquet with pyarrow), summary.csv, lifecycle.csv, report.md, report.html, PNG
figures, and overrides.toml when the scenario had overrides.

Everything here is re-rendered from the SQLite store (``airbridge report DIR``).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from scenarios.study.scores import OUTCOMES, compute_scores, paired_deltas, table
from scenarios.study.spec import RESULT_COLUMNS
from scenarios.study.store import load_results
from scenarios.study.uncertainty import study_bootstrap

#: summary.csv (a file format: the picture is the column ``mode``, as in results.csv)
SUMMARY_HEADER = ("network,mode,option,flights,identified,p_identified,p_identified_lo95,p_identified_hi95,"
                  "p_any_intercept,det_to_id_median_min,det_to_id_p90_min,identified_per_30d,false_scrambles_per_30d,"
                  "flight_hours,cost_per_identified_usd,yearly_cost_usd,aircraft_for_3_5b,p_identified_wilson_lo95,"
                  "p_identified_wilson_hi95,p_any_intercept_lo95,p_any_intercept_hi95,identified_per_30d_lo95,"
                  "identified_per_30d_hi95,false_scrambles_per_30d_lo95,false_scrambles_per_30d_hi95,"
                  "cost_per_identified_usd_lo95,cost_per_identified_usd_hi95,yearly_cost_usd_lo95,yearly_cost_usd_hi95")


def _f(v, fmt="{:.4f}"):
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def _money(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"${v / 1e6:,.1f}M" if abs(v) >= 1e6 else f"${v:,.0f}"


def render(out_dir: Path, log=print) -> dict:
    """Write exports and the report into ``out_dir`` from its store; returns a summary dict."""
    from radar.fileio import staged_output
    from scenarios.config.scenario import load_scenario
    from scenarios.config.interceptors import load_interceptor_config
    from scenarios.study.scores import buys_for_options
    from scenarios.study.spec import StudySpec

    out_dir = Path(out_dir)
    store = out_dir / "study.sqlite"
    if not store.exists():
        from radar.errors import InputError

        raise InputError(f"{out_dir}: no study.sqlite: expected the --out directory of 'airbridge tradeoff'")
    meta, rows, day_rows = load_results(store)
    spec = StudySpec.from_record(json.loads(meta["study_json"]))
    complete = meta.get("complete") == "1"
    res = table(rows, RESULT_COLUMNS)
    days_per_network = {}
    for r in day_rows:
        days_per_network[r[0]] = days_per_network.get(r[0], 0) + 1
    scn = load_scenario(spec.scenario, spec.overrides)
    icfg = load_interceptor_config(scn)
    options = icfg.select(list(spec.options))
    # intervals: circular block bootstrap over the stored days, blocks >= one outage cycle
    cycles, boot = study_bootstrap(scn, spec.networks, [r[1] for r in day_rows], spec.seed)
    buys = buys_for_options(options)
    scores = compute_scores(res, days_per_network, buys, boot)
    from scenarios.config.lifecycle import load_life_cycle
    from scenarios.study import lifecycle

    costs = lifecycle.option_costs(options, load_life_cycle(scn), buys)
    life_rows = lifecycle.life_cycle_rows(res, days_per_network, costs, boot)
    deltas = paired_deltas(res, boot=boot) if {"integrated", "non_integrated"} <= set(spec.pictures) else []
    from radar.terrain import load_dem

    dem = load_dem(scn.terrain.dem)
    terrain_label = dem.label or "imported DEM"
    with staged_output(out_dir) as stage:
        figs = stage / "figures"
        figs.mkdir()
        pool = fut = None
        if len(rows) >= PARALLEL_FIGURES_ROWS:
            # speed: a spawned process draws the two largest figures while this one writes the tables and
            # draws the others (the study has finished, so a core is free)
            import concurrent.futures as cf
            import multiprocessing as mp

            pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
            fut = pool.submit(_render_part_a, figs, scores, spec, [o.id for o in options], terrain_label)
        try:
            _write_results_csv(stage / "results.csv", rows)
            parquet = _write_parquet(stage / "results.parquet", rows)
            _write_summary(stage / "summary.csv", scores)
            lifecycle.write_csv(stage / "lifecycle.csv", life_rows, costs)
            if fut is None:
                fig_names = _figures(figs, res, scores, deltas, spec, scn, options, terrain_label)
            else:
                fig_names = _figures(figs, res, scores, deltas, spec, scn, options, terrain_label, part="b")
                fig_names = fut.result() + fig_names
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        from scenarios.study.scores import how_identified, how_identified_markdown

        md = _markdown(meta, spec, scores, deltas, days_per_network, day_rows, fig_names, complete, terrain_label,
                       options, cycles,
                       extra=lifecycle.markdown(life_rows, costs, [(x.network, x.picture, x.option) for x in ranked(scores)])
                       + how_identified_markdown(how_identified(res, days_per_network)),
                       overrides=scn.overrides)
        (stage / "report.md").write_text(md)
        (stage / "report.html").write_text(_html(md))
        if scn.overrides:
            from scenarios.config.overrides import format_record

            (stage / "overrides.toml").write_text(format_record(scn.overrides, scn.name))
    return {"scores": scores, "deltas": deltas, "complete": complete, "parquet": parquet, "meta": meta,
            "cycles": cycles, "life_cycle": life_rows, "option_costs": costs}


def _write_results_csv(path: Path, rows) -> None:
    # column by column (speed), the same text as formatting each value in turn
    cols = [["" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in c]
            for c in (zip(*rows) if rows else [])]
    with open(path, "w") as fh:
        fh.write(",".join(RESULT_COLUMNS) + "\n")
        fh.writelines(",".join(r) + "\n" for r in zip(*cols))


def _write_parquet(path: Path, rows) -> bool:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    cols = list(zip(*rows)) if rows else [[] for _ in RESULT_COLUMNS]
    pq.write_table(pa.table({c: list(v) for c, v in zip(RESULT_COLUMNS, cols)}), path)
    return True


def _write_summary(path: Path, scores) -> None:
    with open(path, "w") as fh:
        fh.write(SUMMARY_HEADER + "\n")
        for s in scores:
            fh.write(",".join([s.network, s.picture, s.option, str(s.flights), str(s.identified), _f(s.p_identified),
                               _f(s.p_identified_lo), _f(s.p_identified_hi), _f(s.p_any_intercept),
                               _f(s.det_to_id_median_min, "{:.1f}"), _f(s.det_to_id_p90_min, "{:.1f}"),
                               _f(s.identified_per_30d, "{:.2f}"), _f(s.false_scrambles_per_30d, "{:.2f}"),
                               _f(s.flight_hours, "{:.1f}"), _f(s.cost_per_identified_usd, "{:.0f}"),
                               _f(s.yearly_cost_usd, "{:.0f}"), _f(s.aircraft_for_3_5b, "{:.1f}"),
                               _f(s.p_identified_wilson_lo), _f(s.p_identified_wilson_hi), _f(s.p_any_intercept_lo),
                               _f(s.p_any_intercept_hi), _f(s.identified_per_30d_lo, "{:.2f}"),
                               _f(s.identified_per_30d_hi, "{:.2f}"), _f(s.false_scrambles_per_30d_lo, "{:.2f}"),
                               _f(s.false_scrambles_per_30d_hi, "{:.2f}"), _f(s.cost_per_identified_lo, "{:.0f}"),
                               _f(s.cost_per_identified_hi, "{:.0f}"), _f(s.yearly_cost_lo, "{:.0f}"),
                               _f(s.yearly_cost_hi, "{:.0f}")]) + "\n")


def ranked(scores):
    return sorted(scores, key=lambda s: (-(s.p_identified if not math.isnan(s.p_identified) else -1), s.network,
                                         s.picture, s.option))


def format_ranking(scores, limit: int | None = None) -> str:
    head = (f"{'#':>2} {'network':<19} {'picture':<15} {'option':<28} {'flights':>7} {'P(id airborne) [95% CI]':>25} "
            f"{'P(any int.)':>11} {'det→ID med/p90 min':>18} {'false scr/30d':>13} {'cost/ID':>10}")
    lines = [head, "─" * len(head)]
    for i, s in enumerate(ranked(scores)[:limit], 1):
        ci = f"{100 * s.p_identified:5.1f}% [{100 * s.p_identified_lo:4.1f},{100 * s.p_identified_hi:5.1f}]"
        dt = f"{_f(s.det_to_id_median_min, '{:.0f}') or '—'}/{_f(s.det_to_id_p90_min, '{:.0f}') or '—'}"
        lines.append(f"{i:>2} {s.network:<19} {s.picture:<15} {s.option:<28} {s.flights:>7} {ci:>25} "
                     f"{100 * s.p_any_intercept:>10.1f}% {dt:>18} {s.false_scrambles_per_30d:>13.1f} "
                     f"{_money(s.cost_per_identified_usd):>10}")
    return "\n".join(lines)


#: from this many result rows on, two figures are drawn in a second process (below it the start-up costs more)
PARALLEL_FIGURES_ROWS = 20_000

FIGURES_A = (("figures/ranking.png", "P(identified airborne) per option, network and picture"),
             ("figures/outcomes.png", "Outcome breakdown per option × picture"))


def _figures(figs: Path, res, scores, deltas, spec, scn, options, terrain_label,
             part: str = "all") -> list[tuple[str, str]]:
    """Render the figures; ``part`` "a" (ranking, outcomes: FIGURES_A), "b" (the others) or "all"."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    combos = sorted({(s.network, s.picture) for s in scores})
    opts = [o.id for o in options]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    by_key = {(s.network, s.picture, s.option): s for s in scores}
    if part in ("a", "all"):
        names += _figures_a(plt, figs, scores, spec, terrain_label, combos, opts, colors, by_key)
    if part == "a":
        return names
    return names + _figures_b(plt, figs, res, deltas, options, terrain_label, combos, opts, colors)


def _render_part_a(figs, scores, spec, option_ids, terrain_label) -> list[tuple[str, str]]:
    """The ranking and outcome figures in a process of their own (see :func:`render`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    combos = sorted({(s.network, s.picture) for s in scores})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    by_key = {(s.network, s.picture, s.option): s for s in scores}
    return _figures_a(plt, figs, scores, spec, terrain_label, combos, list(option_ids), colors, by_key)


def _figures_a(plt, figs, scores, spec, terrain_label, combos, opts, colors, by_key):
    names = []
    # 1. ranking with intervals
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(opts) * len(combos) + 1.5), dpi=100, layout="constrained")
    y = 0
    ticks, labels = [], []
    for ci, (net, picture) in enumerate(combos):
        ys, p, lo, hi = [], [], [], []  # one errorbar call per (network, picture) (speed)
        for opt in opts:
            s = by_key.get((net, picture, opt))
            if s is None or s.flights == 0:
                continue
            ys.append(y)
            p.append(100 * s.p_identified)
            lo.append(100 * (s.p_identified - s.p_identified_lo))
            hi.append(100 * (s.p_identified_hi - s.p_identified))
            ticks.append(y)
            labels.append(f"{opt} ({net}, {picture})")
            y += 1
        if ys:
            ax.errorbar(p, ys, xerr=[lo, hi], fmt="o", color=colors[ci % len(colors)], label=f"{net} / {picture}")
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_xlabel("P(identified airborne), % with 95 % CI (block bootstrap over days)")
    ax.set_title(f"Ranking — {spec.days} days, seed {spec.seed}; {terrain_label}", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.savefig(figs / "ranking.png")
    plt.close(fig)
    names.append(FIGURES_A[0])
    # 2. outcome breakdown
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(opts) * len(combos) + 1.5), dpi=100, layout="constrained")
    ticks, labels, shares = [], [], []
    cmap = plt.get_cmap("tab10")
    for net, picture in combos:
        for opt in opts:
            s = by_key.get((net, picture, opt))
            if s is None or s.flights == 0:
                continue
            shares.append([100 * s.outcome_counts[o] / s.flights for o in OUTCOMES])
            ticks.append(len(ticks))
            labels.append(f"{opt} ({net}, {picture})")
    if shares:  # one barh call per outcome (speed)
        shares = np.asarray(shares)
        left = np.zeros(len(ticks))
        for k, o in enumerate(OUTCOMES):
            ax.barh(ticks, shares[:, k], left=left.copy(), color=cmap(k), label=o)
            left += shares[:, k]
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_xlabel("% of drug flights")
    ax.set_title("Outcome breakdown (best leg per flight)", fontsize=9)
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4)
    fig.savefig(figs / "outcomes.png")
    plt.close(fig)
    names.append(FIGURES_A[1])
    return names


def _figures_b(plt, figs, res, deltas, options, terrain_label, combos, opts, colors):
    names = []
    # 3. detection-to-ID distributions
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=100, layout="constrained")
    data, labs = [], []
    from scenarios.study.scores import Matcher

    eq = Matcher(res)
    ident = eq("outcome", "identified_airborne")
    for net, picture in combos:
        for opt in opts:
            sel = eq("network", net) & eq("mode", picture) & eq("option", opt) & ident
            dt = (res["t_id_s"][sel] - res["t_first_plot_s"][sel]) / 60.0
            dt = dt[np.isfinite(dt)]
            if dt.size:
                data.append(dt)
                labs.append(f"{opt}\n{net[:12]}/{picture[:6]}")
    if data:
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(labs) + 1), labs, rotation=90, fontsize=6)
    ax.set_ylabel("first plot → identification (min)")
    ax.set_title("Detection-to-ID time, identified flights", fontsize=9)
    fig.savefig(figs / "det_to_id.png")
    plt.close(fig)
    names.append(("figures/det_to_id.png", "Detection-to-ID time distributions"))
    # 4. paired deltas
    if deltas:
        fig, ax = plt.subplots(figsize=(8, 0.3 * len(deltas) + 1.5), dpi=100, layout="constrained")
        for i, d in enumerate(deltas):
            ax.errorbar(100 * d.delta, i, xerr=[[100 * (d.delta - d.lo)], [100 * (d.hi - d.delta)]], fmt="o",
                        color=colors[sorted({x.network for x in deltas}).index(d.network) % len(colors)])
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(range(len(deltas)), [f"{d.option} ({d.network})" for d in deltas], fontsize=7)
        ax.set_xlabel("Δ P(identified airborne), integrated − non_integrated (pp, paired, 95 % CI)", fontsize=9)
        ax.set_title("What integrating the civil radars changes", fontsize=9)
        fig.savefig(figs / "delta.png")
        plt.close(fig)
        names.append(("figures/delta.png", "Paired Δ(integrated − non_integrated) by network"))
    # 5. map of identifications
    from radar import geo

    fig, ax = plt.subplots(figsize=(7, 8), dpi=100, layout="constrained")
    for poly in geo.polygons("Peru"):
        ax.plot(poly[0][:, 0], poly[0][:, 1], color="black", lw=0.7)
    for line in geo.border_lines():
        ax.plot(line[:, 0], line[:, 1], color="red", lw=1.5)
    for k, (outcome, marker) in enumerate((("identified_airborne", "o"), ("intercepted_late", "x"))):
        sel = (res["outcome"] == outcome) & np.isfinite(res["intercept_lat"]) & (res["false_scramble"] != 1)
        if sel.any():
            lat, lon = res["intercept_lat"][sel], res["intercept_lon"][sel]
            ax.scatter(lon, lat, s=6, marker=marker, alpha=0.5, label=f"{outcome} ({sel.sum()})")
    bases = {(d.base.id, d.base.lat_deg, d.base.lon_deg) for o in options for d in o.detachments}
    for bid, la, lo in bases:
        ax.plot(lo, la, "k^", ms=7)
        ax.annotate(bid, (lo, la), fontsize=6, xytext=(3, 3), textcoords="offset points")
    ax.set_xlim(-82, -68)
    ax.set_ylim(-19, 0.5)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(f"Where identifications happen (all options/pictures); {terrain_label}", fontsize=8)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower left")
    else:
        ax.text(-81.5, -18.5, "no identification or late intercept in these days", fontsize=7)
    fig.savefig(figs / "map.png")
    plt.close(fig)
    names.append(("figures/map.png", "Intercept points (all options and pictures)"))
    return names


def _markdown(meta, spec, scores, deltas, days_per_network, day_rows, figs, complete, terrain_label, options,
              cycles, extra: str = "", overrides=()) -> str:
    lines = ["# airbridge trade-off study", ""]
    if cycles.warning():
        lines += [f"**Warning: {cycles.warning()}.**", ""]
    if not complete:
        lines += [f"**INCOMPLETE RUN** — {meta.get('chunks_done')} chunks stored; resume with `airbridge tradeoff "
                  f"--resume --out DIR`. Figures below cover only the stored days.", ""]
    n_drug = sum(r[2] for r in day_rows)
    lines += [f"- scenario `{spec.scenario}`, seed {spec.seed}, {spec.days} days per network "
              f"({n_drug} drug-flight simulations over {len(spec.networks)} networks), {terrain_label}",
              f"- networks: {', '.join(spec.networks)}; pictures: {', '.join(spec.pictures)}; "
              f"options: {', '.join(o.id for o in options)}",
              f"- background traffic kept only within {spec.background_window_km:g} km / "
              f"{spec.background_window_min:g} min of a drug flight (each kept flight clipped to "
              f"{spec.background_window_min:g} min either side of its close approaches); false plots generated within "
              f"{spec.false_plot_window_km:g} km of targets (0 = everywhere)",
              f"- executor: {meta.get('executor', '?')}, workers {meta.get('workers', '?')}, wall {meta.get('wall_s', '?')} s",
              "- every difference is paired: the same flights, plots and engagement draws feed every picture and option.",
              f"- {cycles.method_line()}; {cycles.span_line()}."]
    lines += _overrides_markdown(overrides)
    lines += ["", "## Ranking", "", "```", format_ranking(scores), "```", ""]
    if deltas:
        lines += ["## Paired Δ(integrated − non_integrated), P(identified airborne)", "",
                  "| network | option | flights | Δ (pp) | 95 % CI (pp, paired block bootstrap) |",
                  "|---|---|---:|---:|---|"]
        for d in deltas:
            lines.append(f"| {d.network} | {d.option} | {d.flights} | {100 * d.delta:+.2f} | "
                         f"[{100 * d.lo:+.2f}, {100 * d.hi:+.2f}] |")
        lines += ["", "A Δ whose interval contains 0 is a null result: integration made no measurable difference "
                  "to identification for that option on that network.", ""]
    lines += ["## Costs", "", "| network | picture | option | flight hours | cost per identified [95 % CI] | yearly cost | "
              "aircraft US$3.5B buys |", "|---|---|---|---:|---:|---:|---:|"]
    for s in ranked(scores):
        ci = ("" if math.isnan(s.cost_per_identified_lo) else
              f" [{_money(s.cost_per_identified_lo)}, {_money(s.cost_per_identified_hi)}]")
        lines.append(f"| {s.network} | {s.picture} | {s.option} | {s.flight_hours:,.0f} | "
                     f"{_money(s.cost_per_identified_usd)}{ci} | {_money(s.yearly_cost_usd)} | "
                     f"{_f(s.aircraft_for_3_5b, '{:.0f}') or '—'} |")
    lines += ["", extra + "## Figures", ""]
    for path, caption in figs:
        lines += [f"![{caption}]({path})", "", f"*{caption}*", ""]
    return "\n".join(lines) + "\n"


def _overrides_markdown(overrides) -> list[str]:
    """The report's list of the scenario's overrides (``--set``, a study file's ``[set]``; none: one line saying so)."""
    from scenarios.config.overrides import short_value, toml_value

    if not overrides:
        return ["- scenario values as in the data files (no --set overrides)"]
    lines = [f"- **{len(overrides)} override(s) of the scenario's values** (--set / a study file's [set]; also in "
             "overrides.toml):"]
    for a in overrides:
        lines.append(f"  - `{a.override.key} = {toml_value(a.override.value)}` (was `{short_value(a.old)}`)")
    return lines


HTML_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
              "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}"
              "pre{font-size:11px;background:#f6f6f6;padding:8px;overflow-x:auto}img{max-width:100%}"
              "p>em{color:#444}")


def _html(md: str) -> str:
    """The Markdown report as one HTML page (CommonMark and tables, by markdown-it-py; raw HTML escaped)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(md)
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>airbridge trade-off study</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
            f"{body}</body>\n</html>\n")
