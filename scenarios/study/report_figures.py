"""The study report's figures (PNG): the ranking, the outcome breakdown, detection-to-ID times, the integration
Δ and the map of intercept points.

Every figure names the options by their display names (:attr:`scenarios.config.interceptors.Option.display_name`)
with the id beside, and lists them in the study's order: best mean P(identified airborne) first
(:func:`scenarios.study.briefing.rank_options`).  The map's extent is Peru's outline, the options' bases and every
intercept point of the study, with a margin (:func:`map_extent`), never a fixed box.
"""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from scenarios.study.scores import OUTCOMES

FIGURES_A = (("figures/ranking.png", "P(identified airborne) per option, network and picture"),
             ("figures/outcomes.png", "Outcome breakdown per option × network × picture"))
PICTURE_MARKERS = {"integrated": "o", "non_integrated": "s"}
#: margin around the map's content, degrees
MAP_MARGIN_DEG = 0.6


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def option_label(oid: str, names: dict, width: int = 34) -> str:
    """The display name wrapped to ``width`` characters, the id on its own line."""
    name = names.get(oid, oid)
    text = "\n".join(textwrap.wrap(name, width)) if name != oid else ""
    return f"{text}\n({oid})" if text else oid


def combos_in_order(scores, spec) -> list[tuple[str, str]]:
    """(network, picture) with flights, in the study's order of networks and pictures."""
    have = {(s.network, s.picture) for s in scores if s.flights > 0}
    nets = [n for n in spec.networks if any(h[0] == n for h in have)] + sorted({h[0] for h in have} - set(spec.networks))
    pics = [p for p in spec.pictures if any(h[1] == p for h in have)] + sorted({h[1] for h in have} - set(spec.pictures))
    return [(n, p) for n in nets for p in pics if (n, p) in have]


def figures(figs: Path, res, scores, deltas, spec, options, terrain_label, order, names,
            part: str = "all") -> list[tuple[str, str]]:
    """Render the figures; ``part`` "a" (ranking, outcomes: :data:`FIGURES_A`), "b" (the others) or "all"."""
    plt = _plt()
    names_out = []
    if part in ("a", "all"):
        names_out += figures_a(figs, scores, spec, terrain_label, order, names)
    if part == "a":
        return names_out
    return names_out + figures_b(plt, figs, res, deltas, spec, scores, options, terrain_label, order, names)


def figures_a(figs, scores, spec, terrain_label, order, names) -> list[tuple[str, str]]:
    """The ranking and outcome figures (run in a process of their own for large studies)."""
    plt = _plt()
    combos = combos_in_order(scores, spec)
    by_key = {(s.network, s.picture, s.option): s for s in scores}
    nets = list(dict.fromkeys(n for n, _ in combos))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color = {n: colors[i % len(colors)] for i, n in enumerate(nets)}
    _ranking(plt, figs / "ranking.png", spec, terrain_label, order, names, combos, by_key, color)
    _outcomes(plt, figs / "outcomes.png", order, names, combos, by_key)
    return list(FIGURES_A)


def _ranking(plt, path, spec, terrain_label, order, names, combos, by_key, color) -> None:
    """One row per option (best mean first, at the top), a marker per network x picture with its 95 % interval as
    a horizontal bar; colour = network, marker = picture; a grey bar at the option's mean."""
    from matplotlib.lines import Line2D

    k = max(1, len(combos))
    step = min(0.8 / k, 0.16)
    fig, ax = plt.subplots(figsize=(10, 1.9 + len(order) * max(0.62, 0.12 * k)), dpi=100, layout="constrained")
    hi_max = 0.0
    for i, opt in enumerate(order):
        ps = []
        for j, (net, picture) in enumerate(combos):
            s = by_key.get((net, picture, opt))
            if s is None or s.flights == 0:
                continue
            y = i + (j - (k - 1) / 2) * step
            p = 100 * s.p_identified
            ps.append(p)
            hi_max = max(hi_max, 100 * s.p_identified_hi)
            marker = PICTURE_MARKERS.get(picture, "^")
            ax.errorbar([p], [y], xerr=[[p - 100 * s.p_identified_lo], [100 * s.p_identified_hi - p]],
                        fmt=marker, color=color[net], ms=5, lw=1.2, capsize=0,
                        mfc=color[net] if picture == "integrated" else "white")
        if ps:
            ax.plot([sum(ps) / len(ps)] * 2, [i - 0.45, i + 0.45], color="0.35", lw=2.2, alpha=0.6, zorder=0)
        if i:
            ax.axhline(i - 0.5, color="0.85", lw=0.8)
    ax.set_yticks(range(len(order)), [option_label(o, names) for o in order], fontsize=8)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, min(100.0, max(10.0, 1.08 * hi_max)))
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("P(identified airborne), % — marker: estimate; bar: 95 % interval (block bootstrap over days)")
    ax.set_title(f"Options, best mean first — {spec.days} days, seed {spec.seed}; {terrain_label}", fontsize=9)
    handles = [Line2D([], [], color=color[n], marker="o", lw=1.2, label=f"network {n}") for n in color]
    pics = list(dict.fromkeys(p for _, p in combos))
    handles += [Line2D([], [], color="0.3", marker=PICTURE_MARKERS.get(p, "^"), lw=0,
                       mfc="0.3" if p == "integrated" else "white", label=f"{p} picture") for p in pics]
    handles.append(Line2D([], [], color="0.35", lw=2.2, alpha=0.6, label="mean over networks × pictures"))
    fig.legend(handles=handles, fontsize=7, loc="outside lower center", ncol=3, frameon=False)
    fig.savefig(path)
    plt.close(fig)


def _grouped_rows(order, names, combos, present):
    """y layout of figures with a row per option x sub-key: per option a header row (its name) then its rows.
    Returns (rows [(y, option, sub)], headers [(y, text)], height)."""
    rows, headers, y = [], [], 0
    for opt in order:
        subs = [c for c in combos if present(opt, c)]
        if not subs:
            continue
        headers.append((y, f"{names.get(opt, opt)} ({opt})"))
        y += 1
        for c in subs:
            rows.append((y, opt, c))
            y += 1
    return rows, headers, y


def _sub_label(c) -> str:
    return " · ".join(c) if isinstance(c, tuple) else str(c)


def _group_axes(plt, n_rows, width=10):
    return plt.subplots(figsize=(width, 1.6 + 0.2 * n_rows), dpi=100, layout="constrained")


def _draw_headers(ax, headers, rows, n_rows) -> None:
    for y, text in headers:
        ax.text(0.0, y + 0.15, text, transform=ax.get_yaxis_transform(), fontsize=8, fontweight="bold",
                va="center", ha="left")
    ax.set_yticks([r[0] for r in rows], [_sub_label(r[2]) for r in rows], fontsize=7)
    ax.set_ylim(n_rows - 0.5, -0.7)


def _outcomes(plt, path, order, names, combos, by_key) -> None:
    present = lambda o, c: (s := by_key.get((*c, o))) is not None and s.flights > 0  # noqa: E731
    rows, headers, n = _grouped_rows(order, names, combos, present)
    fig, ax = _group_axes(plt, n)
    cmap = plt.get_cmap("tab10")
    if rows:
        shares = np.asarray([[100 * by_key[(*c, o)].outcome_counts[x] / by_key[(*c, o)].flights for x in OUTCOMES]
                             for _, o, c in rows])
        ys = [r[0] for r in rows]
        left = np.zeros(len(rows))
        for k, name in enumerate(OUTCOMES):  # one barh call per outcome (speed)
            ax.barh(ys, shares[:, k], left=left.copy(), color=cmap(k), label=name, height=0.8)
            left += shares[:, k]
    _draw_headers(ax, headers, rows, n)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of drug flights (best leg per flight)")
    ax.set_title("Outcome breakdown, per option (best mean first), network · picture", fontsize=9)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=7, loc="outside lower center", ncol=4, frameon=False)
    fig.savefig(path)
    plt.close(fig)


def figures_b(plt, figs, res, deltas, spec, scores, options, terrain_label, order, names) -> list[tuple[str, str]]:
    out = [_det_to_id(plt, figs, res, spec, scores, order, names)]
    if deltas:
        out.append(_delta(plt, figs, deltas, spec, order, names))
    out.append(_map(plt, figs, res, options, terrain_label))
    return out


def _det_to_id(plt, figs, res, spec, scores, order, names):
    from scenarios.study.scores import Matcher

    eq = Matcher(res)
    ident = eq("outcome", "identified_airborne")
    combos = combos_in_order(scores, spec)
    data = {}
    for opt in order:
        for c in combos:
            sel = eq("network", c[0]) & eq("mode", c[1]) & eq("option", opt) & ident
            dt = (res["t_id_s"][sel] - res["t_first_plot_s"][sel]) / 60.0
            dt = dt[np.isfinite(dt)]
            if dt.size:
                data[(opt, c)] = dt
    rows, headers, n = _grouped_rows(order, names, combos, lambda o, c: (o, c) in data)
    fig, ax = _group_axes(plt, n)
    if rows:
        ax.boxplot([data[(o, c)] for _, o, c in rows], positions=[r[0] for r in rows], orientation="horizontal",
                   showfliers=False, widths=0.6)
    _draw_headers(ax, headers, rows, n)
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("first plot → identification (min), identified flights: box = quartiles, whiskers 1.5 IQR")
    ax.set_title("Detection-to-ID time, per option (best mean first), network · picture", fontsize=9)
    fig.savefig(figs / "det_to_id.png")
    plt.close(fig)
    return ("figures/det_to_id.png", "Detection-to-ID time distributions")


def _delta(plt, figs, deltas, spec, order, names):
    by_key = {(d.option, d.network): d for d in deltas}
    nets = [n for n in spec.networks if any(d.network == n for d in deltas)]
    nets += sorted({d.network for d in deltas} - set(nets))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color = {n: colors[i % len(colors)] for i, n in enumerate(nets)}
    opts = [o for o in order if any(d.option == o for d in deltas)]
    opts += sorted({d.option for d in deltas} - set(opts))
    rows, headers, n = _grouped_rows(opts, names, nets, lambda o, net: (o, net) in by_key)
    fig, ax = _group_axes(plt, n, width=9)
    for y, o, net in rows:
        d = by_key[(o, net)]
        ax.errorbar(100 * d.delta, y, xerr=[[100 * (d.delta - d.lo)], [100 * (d.hi - d.delta)]], fmt="o",
                    color=color[net], ms=5)
    ax.axvline(0, color="black", lw=0.8)
    _draw_headers(ax, headers, rows, n)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("Δ P(identified airborne), integrated − non_integrated (pp, paired, 95 % CI)", fontsize=9)
    ax.set_title("What integrating the civil radars changes, per option and network", fontsize=9)
    fig.savefig(figs / "delta.png")
    plt.close(fig)
    return ("figures/delta.png", "Paired Δ(integrated − non_integrated) by option and network")


def intercept_points(res) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of every intercept point of the results (any outcome, false scrambles included)."""
    lat, lon = np.asarray(res["intercept_lat"], float), np.asarray(res["intercept_lon"], float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    return lon[ok], lat[ok]


def map_extent(res, bases, outline=None, margin: float = MAP_MARGIN_DEG) -> tuple[float, float, float, float]:
    """(lon_min, lon_max, lat_min, lat_max) holding Peru's outline (``outline``: (n, 2) lon/lat arrays; default
    Peru's polygons), the ``bases`` ((lat, lon) pairs) and every intercept point of ``res``, plus ``margin``
    degrees."""
    if outline is None:
        from radar import geo

        outline = [poly[0] for poly in geo.polygons("Peru")]
    lons = [np.asarray(p, float)[:, 0] for p in outline]
    lats = [np.asarray(p, float)[:, 1] for p in outline]
    lon_i, lat_i = intercept_points(res)
    lons.append(lon_i)
    lats.append(lat_i)
    lons.append(np.asarray([b[1] for b in bases], float))
    lats.append(np.asarray([b[0] for b in bases], float))
    lon, lat = np.concatenate(lons), np.concatenate(lats)
    return (float(lon.min()) - margin, float(lon.max()) + margin, float(lat.min()) - margin,
            float(lat.max()) + margin)


def _map(plt, figs, res, options, terrain_label):
    from matplotlib import patheffects

    from radar import geo

    peru = geo.polygons("Peru")
    bases = {(d.base.display_name, d.base.lat_deg, d.base.lon_deg) for o in options for d in o.detachments}
    lon0, lon1, lat0, lat1 = map_extent(res, [(la, lo) for _, la, lo in bases], [p[0] for p in peru])
    aspect = 1.0 / math.cos(math.radians(0.5 * (lat0 + lat1)))
    ratio = (lat1 - lat0) * aspect / (lon1 - lon0)  # height / width of the map itself
    width = min(9.0, max(5.0, 10.0 / ratio)) + 0.9
    fig, ax = plt.subplots(figsize=(width, (width - 0.9) * ratio + 0.8), dpi=100, layout="constrained")
    for poly in geo.polygons("Bolivia"):
        ax.plot(poly[0][:, 0], poly[0][:, 1], color="0.6", lw=0.6)
    for poly in peru:
        ax.plot(poly[0][:, 0], poly[0][:, 1], color="black", lw=0.7)
    for i, line in enumerate(geo.border_lines()):
        ax.plot(line[:, 0], line[:, 1], color="red", lw=1.5, label=None if i else "Peru–Bolivia border")
    false = res["false_scramble"] == 1
    finite = np.isfinite(res["intercept_lat"]) & np.isfinite(res["intercept_lon"])
    for outcome, marker, sel in (("identified_airborne", "o", (res["outcome"] == "identified_airborne") & ~false),
                                 ("intercepted_late", "x", (res["outcome"] == "intercepted_late") & ~false),
                                 ("false scramble (not a drug flight)", "+", false)):
        sel = sel & finite
        if sel.any():
            ax.scatter(res["intercept_lon"][sel], res["intercept_lat"][sel], s=7 if marker != "+" else 10,
                       marker=marker, alpha=0.5, label=f"{outcome} ({sel.sum()})",
                       color="0.5" if marker == "+" else None)
    for name, la, lo in sorted(bases):
        ax.plot(lo, la, "k^", ms=7)
        ax.annotate(name, (lo, la), fontsize=7, xytext=(4, 3), textcoords="offset points",
                    path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(f"Where intercepts happen (all options, networks and pictures); bases ▲; {terrain_label}",
                 fontsize=8)
    if finite.any():
        ax.legend(fontsize=7, loc="lower left")
    else:
        ax.text(0.02, 0.02, "no intercept in these days", fontsize=7, transform=ax.transAxes)
    fig.savefig(figs / "map.png")
    plt.close(fig)
    return ("figures/map.png", "Intercept points (all options, networks and pictures)")
