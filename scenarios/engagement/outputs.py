"""What ``airbridge simulate --engage`` shows: the outcome table per option x picture, the engagement
timeline of each day and the map of intercept and escape points."""
from __future__ import annotations


def summary_lines(table, options, pictures) -> list[str]:
    """Per option x picture: flights, identified airborne (and on each leg), intercepted late, misses by reason,
    false scrambles, innocent aircraft intercepted, hours, cost."""
    import numpy as np

    out = np.asarray(table.column("outcome"), dtype=object)
    opt = np.asarray(table.column("option"), dtype=object)
    picture = np.asarray(table.column("mode"), dtype=object)  # the picture column is named mode
    kind = np.asarray(table.column("kind"), dtype=object)
    contact = np.isfinite(np.asarray(table.column("t_contact_s"), dtype=float))
    id_in = np.asarray(table.column("identified_inbound"), dtype=float) == 1
    id_out = np.asarray(table.column("identified_outbound"), dtype=float) == 1
    hours = np.asarray(table.column("flight_hours"), dtype=float)
    cost = np.asarray(table.column("cost_usd"), dtype=float)
    head = (f"{'option':28s} {'picture':15s} {'flights':>7s} {'id_air':>6s} {'in':>3s} {'out':>3s} {'late':>5s} "
            f"{'lost':>5s} {'range':>5s} {'tooLate':>7s} {'noAC':>5s} {'noTrk':>5s} {'noDet':>5s} {'falseScr':>8s} "
            f"{'innoc':>5s} {'hours':>7s} {'cost_kUSD':>9s}")
    lines = ["engagement outcomes per option x picture (drug flights; best leg each; in/out: identified on the inbound /"
             " loaded outbound leg; innoc: innocent aircraft intercepted)", head]
    for o in options:
        for m in pictures:
            sel = (opt == o.id) & (picture == m)
            fl = sel & (out != "false_scramble")
            c = lambda name: int(np.sum(fl & (out == name)))  # noqa: E731
            lines.append(f"{o.id:28s} {m:15s} {int(fl.sum()):7d} {c('identified_airborne'):6d} "
                         f"{int(np.sum(fl & id_in)):3d} {int(np.sum(fl & id_out)):3d} "
                         f"{c('intercepted_late'):5d} {c('missed_lost_track'):5d} {c('missed_out_of_range'):5d} "
                         f"{c('missed_too_late'):7d} {c('no_aircraft_available'):5d} {c('missed_no_track'):5d} "
                         f"{c('missed_no_detection'):5d} {int(np.sum(sel & (out == 'false_scramble'))):8d} "
                         f"{int(np.sum(sel & (kind == 'innocent') & contact)):5d} "
                         f"{np.nansum(hours[sel]):7.1f} {np.nansum(cost[sel]) / 1e3:9.0f}")
    return lines


def plot_timeline(path, day, table, details, options, pictures) -> None:
    """Per picture: drug flights' airborne legs, their suspect tracks, scrambles/intercepts/IDs per option."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from radar.fileio import atomic_write

    fl = day.flights
    drug = np.flatnonzero(fl.is_drug)
    lane = {str(fl.id[f]): i for i, f in enumerate(drug)}
    t0 = day.day * 86400.0
    hrs = lambda t: (np.asarray(t, float) - t0) / 3600.0  # noqa: E731
    colors = plt.get_cmap("tab10")
    fig, axes = plt.subplots(len(pictures), 1, figsize=(12, 1.2 + (0.35 * max(len(drug), 1) + 0.6) * len(pictures)),
                             squeeze=False, sharex=True, dpi=100)
    col = {h: np.asarray(table.column(h), dtype=object) for h in ("flight", "option", "mode", "outcome")}
    num = {h: np.asarray(table.column(h), dtype=float) for h in ("t_airborne_s", "t_contact_s", "t_id_s")}
    for ax, m in zip(axes[:, 0], pictures):
        for i, f in enumerate(drug):
            for a, b in ((fl.t_depart[f], fl.t_land[f]), (fl.t_takeoff[f], fl.t_end[f])):
                if np.isfinite(a) and np.isfinite(b):
                    ax.plot(hrs([a, b]), [i, i], color="0.75", lw=6, solid_capstyle="butt", zorder=1)
        # the picture: suspect tracks associated with drug flights (from the first option's details)
        if options and (options[0].id, m) in details:
            eng, flight_of, rows = details[(options[0].id, m)]
            for j in range(eng.track.size):
                f = int(flight_of[j])
                y = lane.get(str(fl.id[f]), -1) if f >= 0 else -1
                t_last = rows.t[eng.end[j] - 1]
                ax.plot(hrs([eng.t_first[j], t_last]), [y, y], color="tab:blue", lw=2, zorder=2)
                ax.plot(hrs(eng.t_suspect[j]), y, "|", color="tab:blue", ms=10, zorder=3)
        for k, o in enumerate(options):
            sel = (col["option"] == o.id) & (col["mode"] == m)
            for r in np.flatnonzero(sel):
                y = -1 if col["outcome"][r] == "false_scramble" else lane.get(str(col["flight"][r]), -1)
                dy = 0.12 * (k - len(options) / 2)
                c = colors(k % 10)
                ax.plot(hrs(num["t_airborne_s"][r]), y + dy, "^", color=c, ms=5, zorder=4)
                ax.plot(hrs(num["t_contact_s"][r]), y + dy, "x", color=c, ms=6, zorder=4)
                ax.plot(hrs(num["t_id_s"][r]), y + dy, "*", color=c, ms=8, zorder=4)
        ax.set_yticks([-1] + list(range(len(drug))), ["false"] + [str(fl.id[f]) for f in drug], fontsize=7)
        ax.set_ylim(-1.7, max(len(drug), 1) - 0.3)
        ax.set_title(f"day {day.day} - picture: {m}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    handles = [plt.Line2D([], [], color="0.75", lw=6, label="airborne (truth)"),
               plt.Line2D([], [], color="tab:blue", lw=2, label="suspect track (| = suspect call)")]
    handles += [plt.Line2D([], [], color=colors(k % 10), marker="^", ls="", label=o.id) for k, o in enumerate(options)]
    handles += [plt.Line2D([], [], color="k", marker=mk, ls="", label=lab)
                for mk, lab in (("^", "airborne"), ("x", "intercept"), ("*", "identified"))]
    axes[-1, 0].set_xlabel("hours since 00:00 local of the day")
    height = fig.get_size_inches()[1]
    top = 1.0 - 1.0 / height          # keep ~1 inch at the top for the legend
    fig.legend(handles=handles, fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, top))
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)


def plot_engagement_map(path, days, table, options) -> None:
    """Intercept points by outcome, escape points of unidentified drug flights, option bases, Peru outline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from radar import geo
    from radar.fileio import atomic_write
    from scenarios.flights.trajectory import evaluate_geodetic

    frame = days[0].frame
    fig, ax = plt.subplots(figsize=(9, 9), dpi=100)
    for poly in geo.polygons("Peru"):
        ax.plot(poly[0][:, 0], poly[0][:, 1], color="black", lw=0.8)
    for line in geo.border_lines():
        ax.plot(line[:, 0], line[:, 1], color="red", lw=1.2)
    outcome = np.asarray(table.column("outcome"), dtype=object)
    x = np.asarray(table.column("intercept_x_m"), float)
    y = np.asarray(table.column("intercept_y_m"), float)
    ok = np.isfinite(x) & np.isfinite(y)
    styles = {"identified_airborne": ("tab:green", "*"), "intercepted_late": ("tab:orange", "x"),
              "missed_too_late": ("tab:purple", "x"), "false_scramble": ("magenta", "+")}
    if ok.any():
        lat, lon, _ = frame.enu_to_geodetic(np.column_stack([x[ok], y[ok], np.zeros(ok.sum())]))
        oc = outcome[ok]
        for name, (c, mk) in styles.items():
            s = oc == name
            if s.any():
                ax.scatter(lon[s], lat[s], color=c, marker=mk, s=40, label=f"intercept: {name}", zorder=5)
    # escape points: where drug flights never identified airborne (in any option/picture) landed or left Peru
    flights = np.asarray(table.column("flight"), dtype=object)
    ident = set(flights[outcome == "identified_airborne"])
    ex, ey = [], []
    for d in days:
        fl = d.flights
        for f in np.flatnonzero(fl.is_drug):
            if str(fl.id[f]) in ident:
                continue
            for t in (fl.t_land[f], fl.t_border_out[f]):
                if np.isfinite(t):
                    la, lo, _h, _v, _p = evaluate_geodetic(d.trajectories, f, t)
                    if np.isfinite(la):
                        ey.append(np.degrees(la))
                        ex.append(np.degrees(lo))
    if ex:
        ax.scatter(ex, ey, color="crimson", marker="o", s=25, label="escape (landed / left Peru, never identified)",
                   zorder=4)
    seen = set()
    for o in options:
        for det in o.detachments:
            if det.base.id in seen:
                continue
            seen.add(det.base.id)
            ax.plot(det.base.lon_deg, det.base.lat_deg, "s", color="k", ms=6, zorder=6)
            ax.annotate(det.base.id, (det.base.lon_deg, det.base.lat_deg), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    ax.set_xlim(-82, -66)
    ax.set_ylim(-19, 0.5)
    ax.set_aspect(1.0 / np.cos(np.radians(9.5)))
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title("intercept and escape points (all options and pictures)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)
