"""``airbridge coverage``: terrain-masked coverage per picture, target class and altitude."""
from __future__ import annotations

import argparse

from scenarios.cli.args import add_set_argument, output_dir


def add_parser(sub) -> None:
    p = sub.add_parser("coverage", help="terrain-masked radar coverage study (maps, table, grids)",
                       description="Where can a low flyer cross Peru unseen? Coverage per picture (military, "
                                   "non_integrated, integrated) and altitude, plain and availability-weighted.")
    p.add_argument("--scenario", default=None, help="embedded scenario name or .toml file (default: peru)")
    p.add_argument("--network", default="peru", help="network name (default: peru)")
    p.add_argument("--agl", default=None, help="comma-separated AGL levels in metres (default: the scenario's 150,300,600,1500)")
    p.add_argument("--msl", default=None, help="comma-separated MSL levels in metres")
    p.add_argument("--target", default="noncooperative", choices=["noncooperative", "cooperative", "both"],
                   help="target class: noncooperative = primary radars only (default)")
    p.add_argument("--canopy", type=float, default=None, metavar="M", help="canopy height in metres (default: scenario [terrain])")
    p.add_argument("--dem", default=None, help="DEM .npz (default: the scenario's, else embedded ETOPO5)")
    p.add_argument("--no-maps", action="store_true", help="skip the PNG maps")
    add_set_argument(p)
    p.add_argument("--out", default="airbridge-coverage", type=output_dir,
                   help="output directory (default: ./airbridge-coverage)")
    p.set_defaults(run=run)


def _levels(text: str | None, flag: str) -> list[float]:
    from radar.errors import InputError

    if text is None or text == "":
        return []
    out = []
    for part in text.split(","):
        try:
            v = float(part)
        except ValueError:
            raise InputError(f"{flag} {text!r}: {part!r} is not a number: expected comma-separated heights in metres") from None
        if not (v >= 0 and v < 30000):
            raise InputError(f"{flag} {text!r}: {part} must be a height in metres in [0, 30000)")
        out.append(v)
    return out


def _dem_box(dem) -> str:
    lat_min, lat_max, lon_min, lon_max = dem.bounds
    return f"(lat {lat_min:g}..{lat_max:g}, lon {lon_min:g}..{lon_max:g})"


def radars_inside(net, dem):
    """(the network restricted to the radars whose site lies on the DEM, names of the others).

    A DEM that covers only a region (an SRTM import) studies the radars on it; with none on
    it there is nothing to study.
    """
    import dataclasses

    from radar.errors import InputError

    on = [bool(dem.contains(r.lat_deg, r.lon_deg)) for r in net.radars]
    inside = tuple(r for r, ok in zip(net.radars, on) if ok)
    outside = [r.name for r, ok in zip(net.radars, on) if not ok]
    if not inside:
        raise InputError(f"{dem.source_path}: no radar of network {net.name} lies on this DEM {_dem_box(dem)}: "
                         f"expected a DEM that covers at least one radar site")
    return dataclasses.replace(net, radars=inside), outside


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import time
    from pathlib import Path

    from radar.coverage import compute_geometry
    from radar.coverage_study import (Level, format_table, plot_map, rows_to_csv, run_study, save_geotiff,
                                      save_grids)
    from radar.errors import InputError
    from radar.fileio import staged_output
    from radar.terrain import load_dem
    from scenarios.cli.scenario import print_overrides, write_overrides
    from scenarios.config.scenario import load_scenario

    t0 = time.perf_counter()
    scn = load_scenario(args.scenario, args.overrides)
    net = scn.network(args.network)
    terrain = scn.terrain
    if args.canopy is not None:
        if not (0 <= args.canopy <= 100):
            raise InputError(f"--canopy {args.canopy}: must be a canopy height in metres in [0, 100]")
        terrain = dataclasses.replace(terrain, canopy_height_m=args.canopy)
    agl = _levels(args.agl, "--agl")
    msl = _levels(args.msl, "--msl")
    if args.agl is None and args.msl is None:
        agl, msl = list(scn.coverage.agl_levels_m), list(scn.coverage.msl_levels_m)
    levels = [Level("agl", h) for h in agl] + [Level("msl", h) for h in msl]
    if not levels:
        raise InputError("--agl/--msl: no altitude levels given: expected at least one height")
    targets = ["noncooperative", "cooperative"] if args.target == "both" else [args.target]
    dem = load_dem(args.dem or terrain.dem)
    out = Path(args.out)
    net, outside = radars_inside(net, dem)
    if outside:
        print(f"warning: {len(outside)} of {len(outside) + len(net.radars)} radars lie outside the DEM "
              f"{_dem_box(dem)} and are left out (their cover inside it is not counted): {', '.join(outside)}")
    geom = compute_geometry(net.radars, dem, terrain, scn.coverage)
    for w in geom.warnings:
        print(f"warning: {w}")
    rows, grids, peru_area = run_study(geom, levels, targets, scn.coverage.report_probability)
    label = dem.label or f"imported DEM ({dem.resolution_arcsec:.0f}\")"
    with staged_output(out) as stage:
        (stage / "coverage.csv").write_text(rows_to_csv(rows, net.name, dem.label))
        extra = {}
        for (pic, target, level), (plain, avail) in grids.items():
            extra[f"coverage__{pic}__{target}__{level.slug}"] = plain
            extra[f"coverage_avail__{pic}__{target}__{level.slug}"] = avail
        save_grids(stage / "grids.npz", geom, scn.frame, extra)
        n_tif = 0
        for (pic, target, level), (plain, avail) in grids.items():
            if save_geotiff(stage / f"coverage_{pic}_{target}_{level.slug}.tif", geom.lat, geom.lon, avail):
                n_tif += 1
        n_png = 0
        if not args.no_maps:
            for (pic, target, level), (plain, avail) in grids.items():
                title = (f"{pic.replace('_', '-')} picture, {target} target at {level.label}\n"
                         f"availability-weighted P(covered); {label}")
                plot_map(stage / f"map_{pic}_{target}_{level.slug}.png", geom, avail, title, net.radars, net.name)
                n_png += 1
        recorded = write_overrides(scn, stage)
    print_overrides(scn)
    print(f"coverage of Peru ({peru_area:,.0f} km² on this grid) — network {net.name} "
          f"({len(net.military)} military, {len(net.civil)} civil radars); {label}")
    print(f"non_integrated counts civil radars with the cross-tell report probability {scn.coverage.report_probability:g}; "
          f"'avail' columns weight each site by its availability")
    print(format_table(rows))
    print(f"wrote {out}/coverage.csv, grids.npz, {n_png} maps, {n_tif} GeoTIFFs{', overrides.toml' if recorded else ''} "
          f"({'rasterio present' if n_tif else 'no GeoTIFF: install the gis extra'}) in {time.perf_counter() - t0:.1f} s")
    return 0
