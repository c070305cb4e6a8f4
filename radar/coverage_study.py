"""The coverage study: where can a low flyer pass unseen, per picture, target class and altitude.

Pictures (:data:`radar.constants.PICTURES`; :mod:`tracker.pictures`):

* ``military`` - military radars only;
* ``non_integrated`` - military radars, plus civil radars counted only through the manual
  cross-tell: a civil-only cell is covered with the cross-tell report probability
  (P = 1 - (1 - P_mil)(1 - p_report P_civ));
* ``integrated`` - every radar, fused digitally.

Target classes: ``noncooperative`` (transponder off: primary radars only) and
``cooperative`` (primary, SSR or IFF).  Altitudes: AGL (above the ground, sea clamped to 0)
and MSL levels (a cell whose ground is above an MSL level is not flyable and counts as not
covered).

Each figure comes plain (every radar up) and availability-weighted: the radars of one site
share its up-state (up with probability ``availability``), sites are independent, so
P_cover = 1 - prod_sites (1 - a_site * covered_by_any_radar_of_site).

Areas: cells area-weighted by cos(lat) inside the Peru polygon (Natural Earth 1:10m);
border: the Peru-Bolivia border densified to 1 km, length-weighted.  Both are the parts on
the DEM: on a regional DEM (an SRTM import) "% Peru" is of the Peru on that grid and
"% border" of the border on it (NaN, shown "—", when none of the border is).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radar import geo
from radar.coverage import Geometry
from radar.constants import EARTH_RADIUS_M, PICTURES

TARGETS = ("noncooperative", "cooperative")


@dataclass(frozen=True)
class Level:
    kind: str      # "agl" | "msl"
    height_m: float

    @property
    def label(self) -> str:
        return f"{self.height_m:g} m {self.kind.upper()}"

    @property
    def slug(self) -> str:
        return f"{self.kind}{self.height_m:g}m"


@dataclass(frozen=True)
class CoverageRow:
    picture: str
    target: str
    level: Level
    covered_km2: float
    peru_pct: float
    border_pct: float
    covered_km2_avail: float
    peru_pct_avail: float
    border_pct_avail: float


def cell_areas_km2(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Area (km^2) of each lat/lon cell, cos(lat)-weighted on the mean sphere."""
    dlat = abs(math.radians(lat[0] - lat[1]))
    dlon = abs(math.radians(lon[1] - lon[0]))
    r_km = EARTH_RADIUS_M / 1e3
    return (r_km * r_km * dlat * dlon * np.cos(np.radians(lat)))[:, None] * np.ones(lon.size)[None, :]


def _relevant(geometry: Geometry, target: str) -> list[int]:
    out = []
    for i, g in enumerate(geometry.radars):
        t = g.radar.type
        if target == "noncooperative" and not t.is_primary:
            continue
        out.append(i)
    return out


def target_heights(geometry: Geometry, level: Level) -> np.ndarray:
    ground = geometry.dem.ground(True)
    if level.kind == "agl":
        return ground + level.height_m
    h = np.full(ground.shape, level.height_m)
    h[ground > level.height_m] = np.nan
    return h


def radar_cover(geometry: Geometry, i: int, h: np.ndarray) -> np.ndarray:
    """Full-grid boolean coverage of radar i for target heights h (m MSL)."""
    g = geometry.radars[i]
    r0, r1, c0, c1 = g.window
    out = np.zeros(h.shape, dtype=bool)
    out[r0:r1, c0:c1] = g.covered(h[r0:r1, c0:c1])
    return out


def picture_probabilities(geometry: Geometry, level: Level, target: str, report_probability: float):
    """Per picture: (plain P, availability-weighted P) grids in [0, 1]."""
    h = target_heights(geometry, level)
    idx = _relevant(geometry, target)
    shape = h.shape
    # union per site (radars of one site share availability)
    sites: dict[str, dict] = {}
    for i in idx:
        g = geometry.radars[i]
        s = sites.setdefault(g.radar.site_id + "|" + g.radar.owner, {"cov": np.zeros(shape, bool),
                                                                     "a": g.radar.availability,
                                                                     "mil": g.radar.is_military})
        s["cov"] |= radar_cover(geometry, i, h)
    out = {}
    plain = {"mil": np.zeros(shape), "civ": np.zeros(shape)}
    miss = {"mil": np.ones(shape), "civ": np.ones(shape)}
    for s in sites.values():
        key = "mil" if s["mil"] else "civ"
        plain[key] = np.maximum(plain[key], s["cov"].astype(float))
        miss[key] *= 1.0 - s["a"] * s["cov"]
    avail = {k: 1.0 - v for k, v in miss.items()}
    p = report_probability
    for name, src in (("plain", plain), ("avail", avail)):
        mil, civ = src["mil"], src["civ"]
        out[("military", name)] = mil
        out[("non_integrated", name)] = 1.0 - (1.0 - mil) * (1.0 - p * civ)
        out[("integrated", name)] = 1.0 - (1.0 - mil) * (1.0 - civ)
    return {pic: (out[(pic, "plain")], out[(pic, "avail")]) for pic in PICTURES}


def run_study(geometry: Geometry, levels: list[Level], targets: list[str], report_probability: float):
    """Rows for every picture x target x level, and the probability grids for maps."""
    lat2 = geometry.lat[:, None] * np.ones(geometry.lon.size)[None, :]
    lon2 = np.ones(geometry.lat.size)[:, None] * geometry.lon[None, :]
    inside = geo.inside_peru(lat2, lon2)
    area = cell_areas_km2(geometry.lat, geometry.lon) * inside
    peru_area = area.sum()
    if not peru_area > 0:
        from radar.errors import InputError

        lat_min, lat_max, lon_min, lon_max = geometry.dem.bounds
        raise InputError(f"{geometry.dem.source_path}: the DEM (lat {lat_min:g}..{lat_max:g}, lon {lon_min:g}.."
                         f"{lon_max:g}) covers no part of Peru: expected a DEM over Peru")
    b_lat, b_lon, b_len = geo.border_points(1000.0)
    on_dem = geometry.dem.contains(b_lat, b_lon)  # a regional DEM holds part of the border (or none: NaN)
    b_lat, b_lon, b_len = b_lat[on_dem], b_lon[on_dem], b_len[on_dem]
    fr, fc = geometry.dem.fractional_index(b_lat, b_lon)
    br = np.clip(np.rint(fr).astype(int), 0, geometry.lat.size - 1)
    bc = np.clip(np.rint(fc).astype(int), 0, geometry.lon.size - 1)
    rows, grids = [], {}
    for target in targets:
        for level in levels:
            probs = picture_probabilities(geometry, level, target, report_probability)
            for pic in PICTURES:
                plain, avail = probs[pic]
                grids[(pic, target, level)] = (plain, avail)
                vals = []
                for p in (plain, avail):
                    covered = float((p * area).sum())
                    border = float((p[br, bc] * b_len).sum() / b_len.sum()) if b_len.size else math.nan
                    vals += [covered, 100.0 * covered / peru_area, 100.0 * border]
                rows.append(CoverageRow(pic, target, level, vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]))
    return rows, grids, float(peru_area)


CSV_HEADER = ("network,picture,target,level_kind,level_m,covered_km2,peru_pct,border_pct,"
              "covered_km2_avail,peru_pct_avail,border_pct_avail,terrain")


NA = "—"  # a share with nothing to share (no border on the DEM)


def _pct(v: float, fmt: str, nan: str) -> str:
    return nan if math.isnan(v) else format(v, fmt)


def rows_to_csv(rows, network: str, terrain_label: str) -> str:
    lines = [CSV_HEADER]
    for r in rows:
        lines.append(f"{network},{r.picture},{r.target},{r.level.kind},{r.level.height_m:g},{r.covered_km2:.0f},"
                     f"{r.peru_pct:.2f},{_pct(r.border_pct, '.2f', '')},{r.covered_km2_avail:.0f},"
                     f"{r.peru_pct_avail:.2f},{_pct(r.border_pct_avail, '.2f', '')},{terrain_label or 'imported DEM'}")
    return "\n".join(lines) + "\n"


def format_table(rows) -> str:
    head = f"{'picture':<15} {'target':<15} {'altitude':>12} {'km2':>10} {'% Peru':>7} {'% border':>8} │ {'km2 (avail)':>11} {'% Peru':>7} {'% border':>8}"
    out = [head, "─" * len(head)]
    for r in rows:
        out.append(f"{r.picture:<15} {r.target:<15} {r.level.label:>12} {r.covered_km2:>10,.0f} {r.peru_pct:>7.1f} "
                   f"{_pct(r.border_pct, '>8.1f', f'{NA:>8}')} │ {r.covered_km2_avail:>11,.0f} "
                   f"{r.peru_pct_avail:>7.1f} {_pct(r.border_pct_avail, '>8.1f', f'{NA:>8}')}")
    return "\n".join(out)


def save_grids(path, geometry: Geometry, frame, extra: dict | None = None) -> None:
    """``grids.npz``: lat, lon, terrain_m, frame, per radar min/max visible grids and range limits."""
    arrays = {"lat": geometry.lat, "lon": geometry.lon, "terrain_m": geometry.terrain_m,
              "frame_origin_lat_lon_h": np.array([frame.origin_lat_deg, frame.origin_lon_deg, frame.origin_h_m]),
              "frame_epoch_utc": np.array(frame.epoch_utc),
              "terrain_label": np.array(geometry.dem.label or "imported DEM"),
              "dem_provenance": np.array(geometry.dem.provenance),
              "pd_threshold": np.array(geometry.pd_threshold), "target_rcs_m2": np.array(geometry.target_rcs_m2)}
    for i, g in enumerate(geometry.radars):
        key = f"{g.radar.site_id}__{g.radar.type.id}"
        arrays[f"min_visible_msl__{key}"] = geometry.dense(i)
        arrays[f"max_visible_msl__{key}"] = geometry.dense(i, "max_visible_msl")
        arrays[f"range_limit_m__{key}"] = np.array(g.range_limit_m)
        arrays[f"instrumented_range_m__{key}"] = np.array(g.radar.type.instrumented_range_m)
        arrays[f"antenna_msl_m__{key}"] = np.array(g.antenna_msl_m)
        arrays[f"site_lat_lon__{key}"] = np.array([g.radar.lat_deg, g.radar.lon_deg])
    if extra:
        arrays.update(extra)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def save_geotiff(path, lat, lon, grid) -> bool:
    """Write a float32 GeoTIFF (EPSG:4326) when rasterio is installed; returns False otherwise."""
    try:
        import rasterio
        from rasterio.transform import Affine
    except ImportError:
        return False
    dlat = abs(lat[0] - lat[1])
    dlon = abs(lon[1] - lon[0])
    transform = Affine(dlon, 0.0, lon[0] - dlon / 2, 0.0, -dlat, lat[0] + dlat / 2)
    with rasterio.open(path, "w", driver="GTiff", height=grid.shape[0], width=grid.shape[1], count=1,
                       dtype="float32", crs="EPSG:4326", transform=transform, nodata=np.nan) as ds:
        ds.write(grid.astype(np.float32), 1)
    return True


def plot_map(path, geometry: Geometry, prob: np.ndarray, title: str, radars_shown, network: str) -> None:
    """PNG: hillshade, coverage probability, radar sites, Peru outline and the Bolivia border."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LightSource

    lat, lon = geometry.lat, geometry.lon
    sel_r = (lat >= -19.0) & (lat <= 0.5)
    sel_c = (lon >= -82.0) & (lon <= -68.0)
    extent = (lon[sel_c][0], lon[sel_c][-1], lat[sel_r][-1], lat[sel_r][0])
    ground = geometry.dem.ground(True)[np.ix_(sel_r, sel_c)]
    fig, ax = plt.subplots(figsize=(7.5, 9), dpi=110)
    ls = LightSource(azdeg=315, altdeg=35)
    cell = 9000.0 * round(geometry.dem.dlat * 12, 9)  # 9 km on the 5' ETOPO5 grid, to scale on finer ones
    shade = ls.hillshade(ground, vert_exag=0.02, dx=cell, dy=cell)
    ax.imshow(shade, cmap="gray", extent=extent, origin="upper", vmin=0, vmax=1, interpolation="bilinear")
    p = np.ma.masked_less_equal(prob[np.ix_(sel_r, sel_c)], 0.0)
    im = ax.imshow(p, cmap="viridis", vmin=0, vmax=1, alpha=0.6, extent=extent, origin="upper", interpolation="nearest")
    for poly in geo.polygons("Peru"):
        ring = poly[0]
        ax.plot(ring[:, 0], ring[:, 1], color="black", lw=0.8)
    for line in geo.border_lines():
        ax.plot(line[:, 0], line[:, 1], color="red", lw=1.8, label="Peru–Bolivia border")
    seen = set()
    for g in geometry.radars:
        r = g.radar
        if r.site_id in seen:
            continue
        seen.add(r.site_id)
        marker, color = ("^", "crimson") if r.is_military else ("o", "white")
        ax.plot(r.lon_deg, r.lat_deg, marker=marker, color=color, mec="black", ms=7)
        ax.annotate(r.site_id.replace("fap_", "").replace("corpac_", ""), (r.lon_deg, r.lat_deg), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(title, fontsize=9)
    cb = fig.colorbar(im, ax=ax, shrink=0.6)
    cb.set_label("P(covered)")
    ax.text(0.01, 0.01, f"network {network}; {geometry.dem.label or 'imported DEM'}; ▲ military  ● civil",
            transform=ax.transAxes, fontsize=7, color="black", backgroundcolor="white")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
