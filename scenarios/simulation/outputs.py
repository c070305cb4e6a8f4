"""Outputs of ``airbridge simulate``: multi-day merge, truth/flight/plot files, the summary and the map.

Kept out of :mod:`scenarios.cli.simulate` (which imports only argparse) so that other commands
(``simulate --engage``, studies) can reuse it.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from scenarios.flights.trajectory import AIRBORNE_PHASES, FlightTable, Trajectories, truth_samples


@dataclass
class SimulationResult:
    """Several days merged: flight indices are global (``plots.truth`` indexes ``flights``)."""

    days: list
    flights: FlightTable
    trajectories: Trajectories
    plots: object
    sensors: object
    frame: object
    radar_up: np.ndarray  # (n_days, n_radars)
    flight_day: np.ndarray  # day of each flight


def merge_days(days) -> SimulationResult:
    from radar.plotlog import Plots

    offs = np.cumsum([0] + [len(d.flights) for d in days])
    parts = []
    for d, o in zip(days, offs):
        p = d.plots
        truth = np.where(p.truth >= 0, p.truth + o, -1)
        parts.append(dataclasses.replace(p, truth=truth))
    plots = Plots.concat(parts)
    order = np.lexsort((plots.range_m, plots.scan, plots.sensor, plots.time_s))
    plots = plots.take(order)
    return SimulationResult(days, FlightTable.concat([d.flights for d in days]),
                            Trajectories.concat([d.trajectories for d in days]), plots, days[0].sensors,
                            days[0].frame, np.array([d.radar_up for d in days]),
                            np.concatenate([np.full(len(d.flights), d.day) for d in days]))


def write_truth(path, res: SimulationResult, interval_s: float = 10.0) -> int:
    """``truth.csv``: time_s,target,x_m,y_m,z_m (airborne phases, every ``interval_s``)."""
    from radar.fileio import atomic_write

    t, f, enu = truth_samples(res.trajectories, res.frame, interval_s)
    with atomic_write(path) as fh:
        fh.write("time_s,target,x_m,y_m,z_m\n")
        if t.size:
            rows = np.column_stack([t, f, enu])
            np.savetxt(fh, rows, fmt=["%.3f", "%d", "%.3f", "%.3f", "%.3f"], delimiter=",")
    return int(t.size)


def cover_minutes(res: SimulationResult, ctx, interval_s: float = 10.0):
    """Per flight: minutes airborne under military primary cover (geometry + limits + Pd on the flight's
    mean RCS >= the coverage threshold, radar up that day)."""
    from scenarios.flights.trajectory import evaluate_many

    tr = res.trajectories
    t, f, _enu = truth_samples(tr, res.frame, interval_s)
    out = np.zeros(len(res.flights))
    if t.size == 0:
        return out
    lat, lon, h, _v, _ph = evaluate_many(tr, f, t)
    latd, lond = np.degrees(lat), np.degrees(lon)
    covered = np.zeros(t.size, bool)
    thr = ctx.scenario.coverage.pd_threshold
    day_of = res.flight_day[f]
    day_index = {d.day: k for k, d in enumerate(res.days)}
    for i, r in enumerate(ctx.radars):
        if not (r.is_military and r.type.is_primary):
            continue
        up = res.radar_up[[day_index[d] for d in day_of], i]
        vis = ctx.geometry.visible(i, latd, lond, h) & up
        rmax = np.array([r.type.range_for_pd(thr, float(s)) for s in res.flights.rcs_m2])[f]
        from radar.frame import great_circle_m

        d = great_circle_m(r.lat_deg, r.lon_deg, latd, lond)
        slant = np.sqrt(d * d + (h - ctx.geometry.antenna_msl_m[i]) ** 2)
        covered |= vis & (slant <= rmax)
    np.add.at(out, f[covered], interval_s / 60.0)
    return out


def summary_text(res: SimulationResult, ctx, cover_min) -> str:
    """Per radar: plots, flights detected, false plots; per drug flight: cover minutes and first detections."""
    p = res.plots
    lines = []
    n_drug = int(res.flights.is_drug.sum())
    lines.append(f"days {', '.join(str(d.day) for d in res.days)}; seed {res.days[0].seed}; network {ctx.network.name}; "
                 f"{ctx.dem.label or 'imported DEM'}")
    n_inn = int(res.flights.is_innocent.sum())
    lines.append(f"flights: {n_drug} drug, {len(res.flights) - n_drug - n_inn} background, {n_inn} innocent; plots: {len(p)} "
                 f"({int((p.truth < 0).sum())} false)")
    lines.append("")
    lines.append(f"{'sensor':<42} {'owner':<8} {'up':>4} {'plots':>8} {'flights':>7} {'drug':>5} {'false':>7}")
    for i, r in enumerate(ctx.radars):
        sel = p.sensor == i
        truth = p.truth[sel]
        det = np.unique(truth[truth >= 0])
        drug = int(res.flights.is_drug[det].sum()) if det.size else 0
        up = int(res.radar_up[:, i].sum())
        lines.append(f"{r.name:<42} {r.owner:<8} {up:>2}/{len(res.days):<1} {int(sel.sum()):>8} {det.size:>7} {drug:>5} "
                     f"{int((truth < 0).sum()):>7}")
    lines.append("")
    mil_primary = np.array([r.is_military and r.type.is_primary for r in ctx.radars])
    mil_plot = mil_primary[p.sensor]
    lines.append(f"{'drug flight':<14} {'type':<24} {'pickup':<24} {'mode':<9} {'xpdr':>4} {'cover_min':>9} "
                 f"{'first_mil_primary':>17} {'first_any':>10} {'border_in':>9}")
    for fi in np.nonzero(res.flights.is_drug)[0]:
        fl = res.flights
        sel = p.truth == fi
        first_any = p.time_s[sel].min() if np.any(sel) else math.nan
        selm = sel & mil_plot
        first_mil = p.time_s[selm].min() if np.any(selm) else math.nan
        lines.append(f"{fl.id[fi]:<14} {fl.aircraft[fi]:<24} {fl.pickup_zone[fi]:<24} {fl.timing_mode[fi]:<9} "
                     f"{'on' if fl.transponder_on[fi] else 'off':>4} {cover_min[fi]:>9.1f} {_hhmm(first_mil):>17} "
                     f"{_hhmm(first_any):>10} {_hhmm(fl.t_border_in[fi]):>9}")
    lines.append("(times: day+HH:MM local; cover_min = minutes airborne under military primary cover)")
    return "\n".join(lines)


def _hhmm(t) -> str:
    if not np.isfinite(t):
        return "-"
    d = int(t // 86400)
    s = t - 86400 * d
    return f"{d}+{int(s // 3600):02d}:{int(s % 3600 // 60):02d}"


def plot_map(path, res: SimulationResult, ctx, agl_m: float) -> None:
    """PNG: hillshade, military primary coverage at ``agl_m``, sites, flight paths coloured by whether a
    military primary radar plotted them, and the plots."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LightSource

    from radar import geo
    from radar.coverage_study import radar_cover

    g = ctx.geometry
    lat, lon = g.lat, g.lon
    sel_r = (lat >= -19.5) & (lat <= 0.5)
    sel_c = (lon >= -82.0) & (lon <= -62.5)
    extent = (lon[sel_c][0], lon[sel_c][-1], lat[sel_r][-1], lat[sel_r][0])
    ground = g.dem.ground(True)
    fig, ax = plt.subplots(figsize=(9, 9), dpi=110)
    shade = LightSource(azdeg=315, altdeg=35).hillshade(ground[np.ix_(sel_r, sel_c)], vert_exag=0.02, dx=9000, dy=9000)
    ax.imshow(shade, cmap="gray", extent=extent, origin="upper", vmin=0, vmax=1, interpolation="bilinear")
    from matplotlib.colors import ListedColormap

    cover = np.zeros(ground.shape, bool)
    up_any = res.radar_up.any(axis=0)
    for i, r in enumerate(ctx.radars):
        if r.is_military and r.type.is_primary and up_any[i]:
            cover |= radar_cover(g, i, ground + agl_m)
    cm = np.ma.masked_equal(cover[np.ix_(sel_r, sel_c)].astype(float), 0.0)
    ax.imshow(cm, cmap=ListedColormap(["limegreen"]), vmin=0, vmax=1, alpha=0.55, extent=extent, origin="upper",
              interpolation="nearest")
    for poly in geo.polygons("Peru"):
        ax.plot(poly[0][:, 0], poly[0][:, 1], color="black", lw=0.8)
    for line in geo.border_lines():
        ax.plot(line[:, 0], line[:, 1], color="red", lw=1.5)
    p = res.plots
    mil_primary = np.array([r.is_military and r.type.is_primary for r in ctx.radars])
    seen = np.zeros(len(res.flights), bool)
    tm = p.truth[(p.truth >= 0) & mil_primary[p.sensor]]
    seen[np.unique(tm)] = True
    tr = res.trajectories
    for f in range(tr.n_flights):
        fl = tr.flight(f)
        if res.flights.is_drug[f]:
            ax.plot(fl["lon_deg"], fl["lat_deg"], color="crimson" if not seen[f] else "dodgerblue", lw=1.3, zorder=4)
        else:
            ax.plot(fl["lon_deg"], fl["lat_deg"], color="0.25", lw=0.5, alpha=0.6, zorder=3)
    # plots: convert to lat/lon from their ENU (subsample for readability)
    if len(p):
        from radar.frame import Frame

        enu = np.column_stack([p.x_m, p.y_m, p.z_m])
        ok = np.all(np.isfinite(enu), axis=1)
        step = max(1, int(ok.sum() // 40000))
        idx = np.nonzero(ok)[0][::step]
        plat, plon, _ = res.frame.enu_to_geodetic(enu[idx])
        is_false = p.truth[idx] < 0
        ax.scatter(plon[~is_false], plat[~is_false], s=0.3, color="gold", alpha=0.35, zorder=5, lw=0)
        ax.scatter(plon[is_false], plat[is_false], s=0.4, color="magenta", alpha=0.35, zorder=5, lw=0)
    done = set()
    for r in ctx.radars:
        if r.site_id in done:
            continue
        done.add(r.site_id)
        marker, color = ("^", "crimson") if r.is_military else ("o", "white")
        ax.plot(r.lon_deg, r.lat_deg, marker=marker, color=color, mec="black", ms=7, zorder=6)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    days = ", ".join(str(d.day) for d in res.days)
    ax.set_title(f"airbridge simulate: network {ctx.network.name}, day(s) {days}, seed {res.days[0].seed}\n"
                 f"green: military primary cover at {agl_m:.0f} m AGL (radars up); drug flights: blue = plotted by a\n"
                 f"military primary radar, red = never; grey: background traffic; dots: plots (magenta: false)",
                 fontsize=8)
    ax.text(0.01, 0.01, f"{g.dem.label or 'imported DEM'}; ▲ military  ● civil", transform=ax.transAxes, fontsize=7,
            backgroundcolor="white")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
