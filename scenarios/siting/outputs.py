"""Files of ``airbridge site``: ``sites.csv``, ``sites_map.png`` and ``sites.toml`` (a scenario with the new
radars and a network that enables them, for ``coverage``, ``simulate`` and ``tradeoff``)."""
from __future__ import annotations

import json
import math

import numpy as np

from scenarios.config.scenario import EMBEDDED

CSV_HEADER = ("rank,id,type,lat,lon,origin,ground_m,antenna_agl_m,antenna_msl_m,availability,cost_musd,"
              "demand_covered,marginal_gain,cumulative,unit")


def site_ids(result) -> list[str]:
    """Site ids of the new radars in rank order: ``siteNN_<candidate>``, with a letter added when the scenario
    already has that id (a scenario written by an earlier ``site`` run)."""
    taken = {str(s.get("id")) for s in result.scenario.raw.get("radar", {}).get("sites", [])}
    out = []
    for rank, j in enumerate(result.chosen, 1):
        base = f"site{rank:02d}_{result.columns[j].id}"
        sid, n = base, 0
        while sid in taken:
            n += 1
            sid = f"{base}_{chr(ord('a') + (n - 1) % 26)}{(n - 1) // 26 or ''}"
        taken.add(sid)
        out.append(sid)
    return out


def rows(result) -> list[dict]:
    """One row per chosen radar in rank order: what it covers alone, what it adds after the ones above."""
    from radar.coverage import antenna_height_msl
    from scenarios.siting.solve import value

    p = result.problem
    out, prev, ids = [], 0.0, site_ids(result)
    for rank, j in enumerate(result.chosen, 1):
        col = result.columns[j]
        cum = value(p, result.chosen[:rank])
        h_ant, _ = antenna_height_msl(col.radar, result.dem, result.scenario.terrain.clamp_sea_to_zero)
        out.append(dict(rank=rank, id=ids[rank - 1], candidate=col.id, type=col.stype.id, lat=col.radar.lat_deg,
                        lon=col.radar.lon_deg, origin=col.candidate.origin, ground_m=col.radar.ground_elevation_m,
                        antenna_agl_m=col.radar.antenna_agl_m, antenna_msl_m=h_ant,
                        availability=float(p.a[j]), cost_musd=float(p.cost[j]), alone=value(p, [j]),
                        gain=cum - prev, cumulative=cum))
        prev = cum
    return out


def sites_csv(result) -> str:
    unit = result.demand.unit
    lines = [CSV_HEADER]
    for r in rows(result):
        lines.append(f"{r['rank']},{r['id']},{r['type']},{r['lat']:.5f},{r['lon']:.5f},{r['origin']},"
                     f"{r['ground_m']:.1f},{r['antenna_agl_m']:g},{r['antenna_msl_m']:.1f},{r['availability']:.4g},"
                     f"{r['cost_musd']:g},{r['alone']:.4f},{r['gain']:.4f},{r['cumulative']:.4f},{unit}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ TOML
def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=True)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        if v and all(isinstance(x, dict) for x in v):
            return "[\n" + "".join(f"  {_value(x)},\n" for x in v) + "]"
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    import re

    return k if re.fullmatch(r"[A-Za-z0-9_\-]+", k) else json.dumps(k)


def toml_document(d: dict, prefix: str = "") -> str:
    """A TOML document of nested tables (tables as [sections], everything else inline)."""
    plain = [(k, v) for k, v in d.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in d.items() if isinstance(v, dict)]
    out = "".join(f"{_key(k)} = {_value(v)}\n" for k, v in plain)
    for k, v in tables:
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        out += f"\n[{name}]\n" + toml_document(v, name)
    return out


def new_site_entries(result) -> list[dict]:
    out = []
    for r in rows(result):
        col = result.columns[result.chosen[r["rank"] - 1]]
        st = col.stype
        e = {"id": r["id"], "type": st.id}
        if st.secondary is not None:
            e["secondary_type"] = st.secondary.id
        e.update(owner=st.owner_label, lat=float(r["lat"]), lon=float(r["lon"]), ground_elevation_m=float(r["ground_m"]),
                 antenna_agl_m=float(r["antenna_agl_m"]), enabled=False)
        if math.isfinite(st.mean_up_days):
            e.update(mean_up_days=st.mean_up_days, mean_down_days=st.mean_down_days)
        else:
            e["availability"] = st.availability
        e["notes"] = (f"sited by airbridge site: rank {r['rank']}, {col.candidate.origin} candidate {col.id}; "
                      f"covers {r['alone']:.4g} {result.demand.unit} alone, adds {r['gain']:.4g}")
        e.update(source=f"airbridge site; [siting] {st.id}: {st.source}", confidence=st.confidence)
        out.append(e)
    return out


def network_toml(result, name: str, command: str) -> str:
    """A scenario: the request's scenario plus the new sites (``enabled = false``) and ``[networks.NAME]``
    enabling them over the given network (``peru`` without ``--given``).  Over an embedded scenario it is a
    short ``extends`` file; over a scenario file it is that scenario in full."""
    import copy

    scn = result.scenario
    base = result.request.given or "peru"
    sites = list(scn.raw["radar"]["sites"]) + new_site_entries(result)
    ids = [e["id"] for e in new_site_entries(result)]
    desc = (f"{base} + {len(ids)} radar{'s' if len(ids) != 1 else ''} sited by airbridge site "
            f"({', '.join(sorted({result.columns[j].stype.id for j in result.chosen}))}; "
            f"objective {result.objective:.4g} {result.demand.unit}, gap {100 * result.gap:.2f} %)")
    net = {"base": base, "enable": ids, "description": desc}
    invest = _invest_with_sited(scn.raw, result, name, ids)
    head = (f"# Written by: {command}\n# The new radars are [radar] sites site01_... (enabled = false); the network "
            f"'{name}' enables them.\n# Use: airbridge coverage --scenario THIS.toml --network {name}\n")
    if result.request.scenario in (None, *EMBEDDED):
        doc = {"extends": result.request.scenario or "peru", "radar": {"sites": sites}, "networks": {name: net}}
        if invest is not None:
            doc["invest"] = invest
        return head + toml_document(doc)
    raw = copy.deepcopy(scn.raw)
    raw.pop("extends", None)
    raw["radar"]["sites"] = sites
    raw.setdefault("networks", {})[name] = net
    if invest is not None:
        raw["invest"] = invest
    return head + toml_document(raw)


def _invest_with_sited(raw: dict, result, name: str, ids: list[str]) -> dict | None:
    """The scenario's ``[invest]`` with one more radar lever, ``NAME``: the sited radars, bought together at
    their ``[siting]`` costs (so ``airbridge invest --scenario THIS.toml`` weighs them against aircraft,
    the other radar sets, availability contracts and the link).  The lever list is written whole (a
    scenario file's arrays replace the ones it extends).  None when the scenario has no ``[invest]``."""
    import copy

    inv = raw.get("invest")
    if not isinstance(inv, dict):
        return None
    types = [result.columns[j].stype for j in result.chosen]
    lever = {"id": name, "name": f"{len(ids)} radar{'s' if len(ids) != 1 else ''} sited by airbridge site "
                                  f"({', '.join(sorted({t.id for t in types}))})",
             "sites": list(ids),
             "acquisition_musd": round(sum(t.unit_cost_musd for t in types), 6),
             "service_life_years": 20,
             "sustainment_musd_per_year": round(sum(t.sustainment_musd_per_year for t in types), 6),
             "source": "airbridge site ([siting] costs: " + "; ".join(sorted({t.source for t in types})) + ")",
             "confidence": "placeholder"}
    out = copy.deepcopy(inv)
    out["radars"] = [r for r in out.get("radars", []) if r.get("id") != name] + [lever]
    return out


# ------------------------------------------------------------------------------------------ map
def plot_sites(path, result, title: str) -> None:
    """PNG: hillshade, demand points (size ~ weight; colour: covered by a new radar, by the given network only,
    or by neither), candidate sites, the given network's radars and the new sites with their ranks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LightSource

    from radar import geo

    dem, d = result.dem, result.demand
    lat, lon = dem.lat, dem.lon
    sel_r = (lat >= -19.0) & (lat <= 0.5)
    sel_c = (lon >= -82.0) & (lon <= -68.0)
    extent = (lon[sel_c][0], lon[sel_c][-1], lat[sel_r][-1], lat[sel_r][0])
    ground = dem.ground(True)[np.ix_(sel_r, sel_c)]
    fig, ax = plt.subplots(figsize=(7.5, 9), dpi=110)
    cell = 9000.0 * round(dem.dlat * 12, 9)
    shade = LightSource(azdeg=315, altdeg=35).hillshade(ground, vert_exag=0.02, dx=cell, dy=cell)
    ax.imshow(shade, cmap="gray", extent=extent, origin="upper", vmin=0, vmax=1, interpolation="bilinear")
    cand_lat = np.array([c.radar.lat_deg for c in result.columns])
    cand_lon = np.array([c.radar.lon_deg for c in result.columns])
    ax.plot(cand_lon, cand_lat, ",", color="0.35", alpha=0.5)
    new_cov = np.asarray(result.cover[:, list(result.chosen)].sum(axis=1)).ravel() > 0 if result.chosen else \
        np.zeros(d.size, bool)
    given = result.existing > 0
    size = 2.0 + 18.0 * np.sqrt(d.weight / max(float(d.weight.max()), 1e-300))
    for mask, color, label in ((~new_cov & ~given, "red", "not covered"),
                               (~new_cov & given, "orange", "covered by the given network only (partly)"),
                               (new_cov, "deepskyblue", "covered by a new radar")):
        if mask.any():
            ax.scatter(d.lon[mask], d.lat[mask], s=size[mask], c=color, alpha=0.5, lw=0, label=label)
    for poly in geo.polygons("Peru"):
        ax.plot(poly[0][:, 0], poly[0][:, 1], color="black", lw=0.8)
    for line in geo.border_lines():
        ax.plot(line[:, 0], line[:, 1], color="red", lw=1.5)
    if result.request.given:
        seen = set()
        for r in result.scenario.network(result.request.given).radars:
            if r.site_id in seen or not r.type.is_primary:
                continue
            seen.add(r.site_id)
            ax.plot(r.lon_deg, r.lat_deg, marker="^", color="white", mec="black", ms=6)
    for rank, j in enumerate(result.chosen, 1):
        r = result.columns[j].radar
        ax.plot(r.lon_deg, r.lat_deg, marker="*", color="yellow", mec="black", ms=14)
        ax.annotate(f"{rank}", (r.lon_deg, r.lat_deg), fontsize=8, fontweight="bold", xytext=(5, 4),
                    textcoords="offset points")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(title, fontsize=8)
    ax.legend(loc="lower left", fontsize=7, markerscale=1.5)
    ax.text(0.99, 0.01, f"★ new radar (rank)  △ given network  · candidate\n{dem.label or 'imported DEM'}",
            transform=ax.transAxes, fontsize=7, ha="right", va="bottom", backgroundcolor="white")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
