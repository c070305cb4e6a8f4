"""Study report: results.csv (Parquet with pyarrow), summary.csv, lifecycle.csv, option_deltas.csv, report.md,
report.html, PNG figures (:mod:`scenarios.study.report_figures`), and overrides.toml when the scenario had
overrides.  The report opens with an executive summary and names every option (:mod:`scenarios.study.briefing`);
a sensitivity run can be attached (:mod:`scenarios.study.sensitivity_input`).

Everything here is re-rendered from the SQLite store (``airbridge report DIR``).
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from scenarios.study import report_figures
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


def render(out_dir: Path, log=print, sensitivity=None) -> dict:
    """Write exports and the report into ``out_dir`` from its store; returns a summary dict.

    ``sensitivity``: the output directory of ``airbridge sensitivity`` to attach (its top swings in the executive
    summary, its tornado charts in the report; :mod:`scenarios.study.sensitivity_input`), or None."""
    from scenarios.study.sensitivity_input import load_sensitivity

    out_dir = Path(out_dir)
    store = out_dir / "study.sqlite"
    if not store.exists():
        from radar.errors import InputError

        raise InputError(f"{out_dir}: no study.sqlite: expected the --out directory of 'airbridge tradeoff'")
    sens = load_sensitivity(sensitivity) if sensitivity is not None else None
    meta, rows, day_rows = load_results(store)
    csv_writer = _ResultsCsv(out_dir, rows)  # started now: a large study's is written by a second process
    try:
        return _render(out_dir, meta, rows, day_rows, sens, csv_writer)
    finally:
        csv_writer.cancel()


def _render(out_dir: Path, meta, rows, day_rows, sens, csv_writer) -> dict:
    """:func:`render` once the store is read (``csv_writer``: the :class:`_ResultsCsv` of its rows)."""
    from radar.fileio import staged_output
    from scenarios.config.scenario import load_scenario
    from scenarios.config.interceptors import load_interceptor_config
    from scenarios.study import briefing
    from scenarios.study.scores import buys_for_options, paired_option_deltas
    from scenarios.study.spec import StudySpec

    spec = StudySpec.from_record(json.loads(meta["study_json"]))
    complete = meta.get("complete") == "1"
    res = table(rows, RESULT_COLUMNS)
    days_per_network = {}
    for r in day_rows:
        days_per_network[r[0]] = days_per_network.get(r[0], 0) + 1
    scn = load_scenario(spec.scenario, spec.overrides)
    icfg = load_interceptor_config(scn)
    options = icfg.select(list(spec.options))
    names = {o.id: o.display_name for o in options}
    # intervals: circular block bootstrap over the stored days, blocks >= one outage cycle
    cycles, boot = study_bootstrap(scn, spec.networks, [r[1] for r in day_rows], spec.seed)
    buys = buys_for_options(options)
    scores = compute_scores(res, days_per_network, buys, boot)
    from scenarios.config.lifecycle import load_life_cycle
    from scenarios.study import lifecycle

    costs = lifecycle.option_costs(options, load_life_cycle(scn), buys)
    life_rows = lifecycle.life_cycle_rows(res, days_per_network, costs, boot)
    deltas = paired_deltas(res, boot=boot) if {"integrated", "non_integrated"} <= set(spec.pictures) else []
    order = briefing.rank_options(scores)
    option_deltas = paired_option_deltas(res, order[0], order[1:], boot) if order else []
    summary = briefing.executive_summary(spec, scores, deltas, option_deltas, life_rows, costs, names, sens)
    from radar.terrain import load_dem

    dem = load_dem(scn.terrain.dem)
    terrain_label = dem.label or "imported DEM"
    with staged_output(out_dir) as stage:
        figs = stage / "figures"
        figs.mkdir()
        # a large study's ranking and outcome figures are drawn by a forked process while this one writes the
        # tables and draws the others (speed: the study has finished, so a core is free)
        figures_a = _FiguresA(len(rows), figs, scores, spec, terrain_label, order, names)
        try:
            parquet = _write_parquet(stage / "results.parquet", rows)
            _write_summary(stage / "summary.csv", scores)
            lifecycle.write_csv(stage / "lifecycle.csv", life_rows, costs)
            briefing.write_option_deltas(stage / "option_deltas.csv", option_deltas)
            part = "all" if figures_a.proc is None else "b"
            fig_names = report_figures.figures(figs, res, scores, deltas, spec, options, terrain_label, order,
                                               names, part=part)
            if part == "b":
                fig_names = figures_a.finish() + fig_names
        finally:
            figures_a.cancel()
        csv_writer.finish(stage / "results.csv")  # last: the writer has had the whole report's time
        sens_figs = _copy_sensitivity_charts(sens, figs)
        from scenarios.study.scores import how_identified, how_identified_markdown

        order_keys = [(x.network, x.picture, x.option)
                      for x in briefing.grouped(scores, report_figures.combos_in_order(scores, spec), order)]
        md = _markdown(meta, spec, scores, day_rows, dict(fig_names), complete, terrain_label, options, cycles,
                       overrides=scn.overrides, summary=summary, names=names, order=order, deltas=deltas,
                       option_deltas=option_deltas, costs=costs,
                       life=lifecycle.markdown(life_rows, {o: costs[o] for o in [*order, *costs] if o in costs},
                                               order_keys, names),
                       how=how_identified_markdown(how_identified(res, days_per_network), names, order_keys),
                       sensitivity=sens, sensitivity_figs=sens_figs)
        (stage / "report.md").write_text(md)
        (stage / "report.html").write_text(_html(md))
        if scn.overrides:
            from scenarios.config.overrides import format_record

            (stage / "overrides.toml").write_text(format_record(scn.overrides, scn.name))
    return {"scores": scores, "deltas": deltas, "complete": complete, "parquet": parquet, "meta": meta,
            "cycles": cycles, "life_cycle": life_rows, "option_costs": costs, "option_deltas": option_deltas,
            "executive_summary": summary, "order": order, "names": names, "sensitivity": sens}


def _copy_sensitivity_charts(sens, figs: Path) -> list[tuple[str, str]]:
    """The attached run's tornado charts, copied into the report's figures (the report stays self-contained)."""
    import shutil

    out = []
    if sens is None:
        return out
    for i, src in enumerate(sens.charts):
        name = f"sensitivity_{i + 1}_{src.name}"
        shutil.copyfile(src, figs / name)
        out.append((f"figures/{name}", f"One-at-a-time sensitivity ({src.stem}, from {sens.source.name})"))
    return out


class _Forked:
    """``target(*args)`` run by a forked process for a large study (:data:`PARALLEL_FIGURES_ROWS` result rows or
    more, where fork is available: it starts with what this process has loaded) while this one goes on;
    otherwise ``proc`` is None and nothing runs.  :meth:`join` waits for it; :meth:`cancel` stops it."""

    def __init__(self, n_rows: int, target, *args):
        import multiprocessing as mp

        self.proc = None
        if n_rows >= PARALLEL_FIGURES_ROWS and "fork" in mp.get_all_start_methods():
            try:
                self.proc = mp.get_context("fork").Process(target=target, args=args, daemon=True)
                self.proc.start()
            except OSError:  # cannot fork: the caller does the work itself
                self.proc = None

    def join(self) -> bool:
        """Wait for the process; True if there was one and it succeeded."""
        proc, self.proc = self.proc, None
        if proc is None:
            return False
        proc.join()
        return proc.exitcode == 0

    def cancel(self) -> None:
        """Stop the process if it still runs (the report failed)."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join()
            self.proc = None


class _ResultsCsv(_Forked):
    """``results.csv`` of ``rows``: for a large study written by a forked process (:class:`_Forked`) into a
    temporary file of ``out_dir`` while this one computes the report (speed: formatting every value is about a
    second of the report), then moved into place by :meth:`finish`; otherwise written by :meth:`finish` itself.
    The same text either way."""

    def __init__(self, out_dir: Path, rows):
        self.rows = rows
        self.tmp = Path(out_dir) / f".results.csv.partial-{os.getpid()}"
        super().__init__(len(rows), _write_results_csv, self.tmp, rows)

    def finish(self, path: Path) -> None:
        if self.join() and self.tmp.exists():
            os.replace(self.tmp, path)
        else:
            _write_results_csv(path, self.rows)  # no second process, or it failed: write it here

    def cancel(self) -> None:
        """Stop the writer if it still runs (the report failed) and remove its temporary file."""
        super().cancel()
        self.tmp.unlink(missing_ok=True)


class _FiguresA(_Forked):
    """:func:`scenarios.study.report_figures.figures_a` (the ranking and outcome figures) for a large study drawn
    by a forked process (:class:`_Forked`: it starts with the plotting modules this one has loaded) while this
    one draws the others; :meth:`finish` waits for it, and draws them here if it failed.  Smaller studies:
    ``proc`` is None and the caller draws every figure."""

    def __init__(self, n_rows: int, *args):
        self.args = args
        super().__init__(n_rows, report_figures.figures_a, *args)

    def finish(self) -> list[tuple[str, str]]:
        if self.join():
            return list(report_figures.FIGURES_A)
        return report_figures.figures_a(*self.args)  # no second process, or it failed: drawn here


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


#: from this many result rows on, two figures are drawn in a second process and results.csv is written by a
#: third (:class:`_ResultsCsv`); below it the start-up costs more
PARALLEL_FIGURES_ROWS = 20_000


def _markdown(meta, spec, scores, day_rows, figs: dict, complete, terrain_label, options, cycles, overrides=(),
              summary=(), names=None, order=(), deltas=(), option_deltas=(), costs=None, life="", how="",
              sensitivity=None, sensitivity_figs=()) -> str:
    from scenarios.study import briefing
    from scenarios.study.sensitivity_input import sensitivity_markdown

    names = names or {}

    def fig(path: str) -> list[str]:
        caption = figs.get(path)
        return [f"![{caption}]({path})", "", f"*{caption}*", ""] if caption else []

    lines = ["# airbridge trade-off study", ""]
    if cycles.warning():
        lines += [f"**Warning: {cycles.warning()}.**", ""]
    if not complete:
        lines += [f"**INCOMPLETE RUN** — {meta.get('chunks_done')} chunks stored; resume with `airbridge tradeoff "
                  f"--resume --out DIR`. Figures below cover only the stored days.", ""]
    lines += briefing.summary_markdown(summary, cycles, briefing.reference_combo(spec, scores))
    lines += sensitivity_markdown(sensitivity, list(sensitivity_figs))
    lines += briefing.options_markdown(options, list(order), costs or {})
    lines += ["## Ranking", ""] + fig("figures/ranking.png")
    combos = report_figures.combos_in_order(scores, spec)
    lines += briefing.ranking_matrix_markdown(scores, list(order), combos, names)
    lines += briefing.option_deltas_markdown(option_deltas, list(order), names, combos)
    lines += briefing.integration_markdown(deltas, names, list(order), combos) + fig("figures/delta.png")
    lines += briefing.outcomes_markdown(OUTCOMES) + fig("figures/outcomes.png")
    lines += briefing.costs_markdown(briefing.grouped(scores, combos, list(order)), names)
    lines += [life.rstrip("\n"), ""]
    lines += [how.rstrip("\n"), ""]
    lines += ["## Where intercepts happen", ""] + fig("figures/map.png")
    lines += ["## Detection to identification", ""] + fig("figures/det_to_id.png")
    lines += briefing.ranking_markdown(ranked(scores), names)
    n_drug = sum(r[2] for r in day_rows)
    lines += ["## The study", "",
              f"- scenario `{spec.scenario}`, seed {spec.seed}, {spec.days} days per network "
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
              "td[style*=right],td code,th code{white-space:nowrap}"
              "pre{font-size:11px;background:#f6f6f6;padding:8px;overflow-x:auto}img{max-width:100%}"
              "p>em{color:#444}")


def _html(md: str) -> str:
    """The Markdown report as one HTML page (CommonMark and tables, by markdown-it-py; raw HTML escaped)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(md)
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>airbridge trade-off study</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
            f"{body}</body>\n</html>\n")
