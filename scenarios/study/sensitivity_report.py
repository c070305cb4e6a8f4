"""Outputs of ``airbridge sensitivity``: ``oat.csv``, ``morris.csv``, ``runs.csv``, ``knobs.toml``, a tornado chart
and a Morris bar chart per metric (``figures/``), ``summary.md`` and ``summary.html`` (and ``overrides.toml``
when the baseline had overrides).  Written all or nothing into the output directory (next to its ``runs/``)."""
from __future__ import annotations

import math
from pathlib import Path

OAT_HEADER = "knob,label,path,confidence,rule,low,base,high,metric,at_low,at_base,at_high,swing,change_low,change_high"
MORRIS_HEADER = "knob,label,path,metric,mu,mu_star,mu_star_conf95,sigma"
RUNS_HEADER = "key,what,overrides,seconds,reused"
SHORT = {"p_identified": "P(identified airborne)", "integration_delta": "integration Δ",
         "top_pair_delta": "top-pair Δ"}


def _csv_field(v) -> str:
    text = "" if v is None else str(v)
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _num(v, fmt="{:.6f}") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return fmt.format(v) if isinstance(v, float) else str(v)


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _pp(v: float) -> str:
    return "—" if v is None or math.isnan(v) else f"{100 * v:+.1f}"


def _pct(v: float, metric: str) -> str:
    if v is None or math.isnan(v):
        return "—"
    return f"{100 * v:.1f} %" if metric == "p_identified" else f"{100 * v:+.1f} pp"


def write(result, out: Path) -> dict:
    """Write every output of ``result`` (:class:`scenarios.study.sensitivity.Result`) into ``out``; returns the
    names of the figures by metric."""
    from radar.fileio import staged_output
    from scenarios.study.knobs import knobs_table

    out = Path(out)
    metrics = result.focus.metrics()
    with staged_output(out) as stage:
        # staged_output replaces what it writes; runs/ (the stores) stays where it is
        (stage / "oat.csv").write_text(_oat_csv(result, metrics))
        if result.morris is not None:
            (stage / "morris.csv").write_text(_morris_csv(result, metrics))
        (stage / "runs.csv").write_text(_runs_csv(result))
        (stage / "knobs.toml").write_text(knobs_table(result.knobs))
        figs = stage / "figures"
        figs.mkdir()
        names = figures(result, figs, metrics)
        md = markdown(result, names)
        (stage / "summary.md").write_text(md)
        (stage / "summary.html").write_text(html(md))
        if result.spec.overrides:
            from scenarios.config.overrides import format_record
            from scenarios.config.scenario import load_scenario

            scn = load_scenario(result.spec.scenario, result.spec.overrides)
            (stage / "overrides.toml").write_text(format_record(scn.overrides, scn.name))
    return names


def _oat_csv(result, metrics) -> str:
    lines = [OAT_HEADER]
    for row in result.oat:
        k = row.knob
        for m in metrics:
            lo, base, hi = row.low[m], result.base[m], row.high[m]
            lines.append(",".join(_csv_field(x) for x in (
                k.name, k.label, k.path, k.confidence, k.rule, _value(k.low), _value(k.base), _value(k.high), m,
                _num(lo), _num(base), _num(hi), _num(result.swing(row, m)), _num(lo - base), _num(hi - base))))
    return "\n".join(lines) + "\n"


def _morris_csv(result, metrics) -> str:
    lines = [MORRIS_HEADER]
    for m in metrics:
        r = result.morris.by_metric[m]
        for i, k in enumerate(result.knobs):
            lines.append(",".join(_csv_field(x) for x in (
                k.name, k.label, k.path, m, _num(r["mu"][i]), _num(r["mu_star"][i]), _num(r["mu_star_conf"][i]),
                _num(r["sigma"][i]))))
    return "\n".join(lines) + "\n"


def _runs_csv(result) -> str:
    lines = [RUNS_HEADER]
    for key, what, overrides, seconds, reused in result.runs.index:
        lines.append(",".join(_csv_field(x) for x in (key, what, overrides, f"{seconds:.2f}", int(reused))))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------
def figures(result, figs: Path, metrics) -> dict:
    """A tornado chart per metric (OAT, sorted by swing) and a Morris bar chart per metric (mu* with its 95 %
    confidence, sigma beside it)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = {}
    for m in metrics:
        name = f"tornado_{m}.png"
        _tornado(plt, result, m, figs / name)
        names[("tornado", m)] = f"figures/{name}"
        if result.morris is not None:
            name = f"morris_{m}.png"
            _morris_bars(plt, result, m, figs / name)
            names[("morris", m)] = f"figures/{name}"
    return names


def _tornado(plt, result, metric: str, path: Path) -> None:
    rows = result.ranked(metric)
    base = result.base[metric]
    n = len(rows)
    fig, ax = plt.subplots(figsize=(11, 1.5 + 0.36 * n))
    for i, row in enumerate(rows):
        y = n - 1 - i
        lo, hi = row.low[metric], row.high[metric]
        # the low end's bar above the high end's, so that two bars on the same side never hide each other
        for v, dy, color, which in ((lo, 0.19, "#4c72b0", "low"), (hi, -0.19, "#dd8452", "high")):
            if not math.isnan(v):
                ax.barh(y + dy, 100 * (v - base), left=100 * base, height=0.36, color=color,
                        label=f"knob at its {which} end" if i == 0 else None)
    ax.axvline(100 * base, color="k", lw=1)
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"{r.knob.label}  [{r.knob.show(r.knob.low)} .. {r.knob.show(r.knob.high)}]"
                        for r in reversed(rows)], fontsize=8)
    unit = "%" if metric == "p_identified" else "pp"
    ax.set_xlabel(_wrap(f"{result.focus.label(metric)} ({unit}); baseline {100 * base:.1f} (the vertical line)"),
                  fontsize=9)
    ax.set_title(_wrap(f"One-at-a-time swings, sorted by swing ({result.spec.days} days, seed {result.spec.seed}, "
                       f"{', '.join(result.spec.networks)}; common random numbers)"), fontsize=10)
    if n:
        ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _morris_bars(plt, result, metric: str, path: Path) -> None:
    r = result.morris.by_metric[metric]
    order = sorted(range(len(result.knobs)), key=lambda i: (-_finite(r["mu_star"][i]), result.knobs[i].name))
    n = len(order)
    fig, ax = plt.subplots(figsize=(11, 1.5 + 0.36 * n))
    ys = list(range(n - 1, -1, -1))
    mu_star = [100 * _finite(r["mu_star"][i]) for i in order]
    conf = [100 * _finite(r["mu_star_conf"][i]) for i in order]
    sigma = [100 * _finite(r["sigma"][i]) for i in order]
    ax.barh([y + 0.18 for y in ys], mu_star, height=0.36, xerr=conf, color="#4c72b0", label="mu* (95 % conf.)")
    ax.barh([y - 0.18 for y in ys], sigma, height=0.36, color="#c44e52", alpha=0.8, label="sigma")
    ax.set_yticks(ys)
    ax.set_yticklabels([result.knobs[i].label for i in order], fontsize=8)
    ax.set_xlabel(_wrap(f"elementary effect on {result.focus.label(metric)} (pp per low-to-high range)"), fontsize=9)
    ax.set_title(_wrap(f"Morris screening: {result.morris.trajectories} trajectories x {len(result.knobs) + 1} points, "
                       f"{result.morris.levels} levels (SALib; {result.spec.days} days, seed {result.spec.seed})"),
                 fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _wrap(text: str, width: int = 80) -> str:
    """A title or axis label in lines that fit the figure (the knobs' labels take the left of it)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _finite(v: float) -> float:
    return 0.0 if v is None or math.isnan(v) else v


# ------------------------------------------------------------------------------------------
def top_lines(result, limit: int = 5) -> list[str]:
    """The top sensitivities per metric (OAT swing, and Morris mu*), for the terminal and the summary."""
    lines = []
    for m in result.focus.metrics():
        lines.append(f"{result.focus.label(m)}: baseline {_pct(result.base[m], m)}")
        for i, row in enumerate(result.ranked(m)[:limit], 1):
            k = row.knob
            lines.append(f"  {i}. {k.name:<28} swing {100 * _finite(result.swing(row, m)):5.1f} pp   "
                         f"low {k.show(k.low)} -> {_pp(row.low[m] - result.base[m])}, "
                         f"high {k.show(k.high)} -> {_pp(row.high[m] - result.base[m])}")
        if result.morris is not None:
            r = result.morris.by_metric[m]
            order = sorted(range(len(result.knobs)), key=lambda i: -_finite(r["mu_star"][i]))[:limit]
            lines.append("  Morris mu* (pp): " + ", ".join(
                f"{result.knobs[i].name} {100 * _finite(r['mu_star'][i]):.1f}" for i in order))
    return lines


def markdown(result, figs: dict) -> str:
    from scenarios.study.budget import fmt_duration

    spec, f = result.spec, result.focus
    runs = result.runs
    reused = sum(1 for x in runs.index if x[4])
    lines = ["# airbridge sensitivity", "",
             f"Scenario `{spec.scenario}`, network(s) {', '.join(f'`{n}`' for n in spec.networks)}, pictures "
             f"{', '.join(spec.pictures)}, {len(result.options)} options, {spec.days} days per run, "
             f"seed {spec.seed}: every run on the same days and seed (common random numbers), so each swing is a "
             "paired difference from the baseline.", "",
             f"Chosen option `{f.option}`, picture `{f.picture}`"
             + (f"; the baseline's top pair `{f.pair[0]}` over `{f.pair[1]}`." if f.pair else "."), "",
             f"{len(runs.index)} runs ({reused} reused from an earlier run in `runs/`) in {fmt_duration(result.seconds)}"
             f" ({fmt_duration(runs.seconds)} in the runs).", ""]
    if spec.overrides:
        lines += ["Baseline overrides (`overrides.toml`): " + ", ".join(f"`{o}`" for o in spec.overrides), ""]
    lines += ["## Top sensitivities", "", "```", *top_lines(result), "```", ""]
    lines += ["## Knobs", "",
              "Ranges: stated in the study file's `[sensitivity]` or `--knob`, else from each value's `confidence` in "
              "the data — placeholder ±50 %, approximate ±25 %, sourced ±10 % (none given: ±50 %) — clipped to the "
              "loader's physical range and to a `KEY_range` the data give beside the value.", "",
              "| knob | path | base | low | high | confidence | range |", "|---|---|---:|---:|---:|---|---|"]
    for k in result.knobs:
        lines.append(f"| {k.label} | `{k.path}` | {k.show(k.base)} | {k.show(k.low)} | {k.show(k.high)} | "
                     f"{k.confidence} | {k.rule} |")
    lines.append("")
    for m in f.metrics():
        unit = "%" if m == "p_identified" else "pp"
        lines += [f"## {f.label(m)}", "", f"Baseline {_pct(result.base[m], m)}.", "",
                  f"![tornado]({figs[('tornado', m)]})", "",
                  f"| knob | low | high | at low ({unit}) | at high ({unit}) | swing (pp) |",
                  "|---|---:|---:|---:|---:|---:|"]
        for row in result.ranked(m):
            k = row.knob
            lines.append(f"| {k.label} | {k.show(k.low)} | {k.show(k.high)} | {100 * row.low[m]:.1f} | "
                         f"{100 * row.high[m]:.1f} | {100 * _finite(result.swing(row, m)):.1f} |")
        lines.append("")
        if result.morris is not None:
            r = result.morris.by_metric[m]
            lines += [f"![Morris]({figs[('morris', m)]})", "", "| knob | mu* (pp) | ±95 % | sigma (pp) | mu (pp) |",
                      "|---|---:|---:|---:|---:|"]
            for i in sorted(range(len(result.knobs)), key=lambda i: -_finite(r["mu_star"][i])):
                lines.append(f"| {result.knobs[i].label} | {100 * _finite(r['mu_star'][i]):.1f} | "
                             f"{100 * _finite(r['mu_star_conf'][i]):.1f} | {100 * _finite(r['sigma'][i]):.1f} | "
                             f"{100 * _finite(r['mu'][i]):+.1f} |")
            lines.append("")
    lines += ["## How to read this", "",
              "* Swing: the range of the metric over the knob's low end, the baseline and its high end, every other "
              "value at the baseline. Paired on common random numbers, so a swing of 0 means the knob changed no "
              "outcome on these days; it is not an interval. Few days mean few radar outage cycles: the baseline is "
              "one realisation of the outages, and the swings are about it.",
              "* Morris (SALib): mu* is the mean absolute elementary effect of moving a knob by 2/3 of its range "
              "(4-level grid) with the others anywhere in their ranges, scaled to the full range; sigma is large when "
              "the effect depends on the other knobs (interaction) or on where the knob sits (non-linearity).",
              "* Terrain source (the DEM) is not swung by default: the data name no DEM and no second DEM ships; "
              "the canopy height on the terrain stands in for it. A scenario that names a DEM can swing it: "
              "`\"terrain.dem\" = [\"a.npz\", \"b.npz\"]` in `[sensitivity]`.", ""]
    return "\n".join(lines) + "\n"


def html(md: str) -> str:
    from markdown_it import MarkdownIt

    from scenarios.study.report import HTML_STYLE

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(md)
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>airbridge sensitivity</title>\n<style>{HTML_STYLE}</style>\n</head>\n<body>\n"
            f"{body}</body>\n</html>\n")
