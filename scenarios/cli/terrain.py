"""``airbridge terrain info [FILE]`` and ``airbridge terrain import SRC... --out FILE.npz``."""
from __future__ import annotations

import argparse
from pathlib import Path

from scenarios.cli.args import output_file


def add_parser(sub) -> None:
    p = sub.add_parser("terrain", help="inspect the DEM or import SRTM .hgt / GeoTIFF terrain",
                       description="Inspect a DEM (default: the embedded ETOPO5) or import real terrain into the DEM format.")
    tsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    i = tsub.add_parser("info", help="describe a DEM .npz (default: embedded ETOPO5)")
    i.add_argument("file", nargs="?", help="DEM .npz")
    m = tsub.add_parser("import", help="mosaic SRTM .hgt tiles / GeoTIFFs into a DEM .npz")
    m.add_argument("sources", nargs="+", help=".hgt (1\" or 3\") or .tif files")
    m.add_argument("--out", required=True, type=output_file(".npz"), help="output .npz")
    m.add_argument("--step-arcsec", type=float, default=None, help="output grid step (default: finest input)")
    m.add_argument("--bbox", default=None, help="crop: LAT_MIN,LAT_MAX,LON_MIN,LON_MAX (degrees)")
    p.set_defaults(run=run)


def _describe(dem) -> str:
    import numpy as np

    from radar.terrain import ELEVATION_RANGE_M, invalid_cells

    lat_min, lat_max, lon_min, lon_max = dem.bounds
    z = dem.elevation_m
    n_nan, n_range = invalid_cells(z)
    lo, hi = ELEVATION_RANGE_M
    good = z[(z >= lo) & (z <= hi)] if (n_nan or n_range) else z
    land = good[good > 0]
    lines = [f"DEM {dem.source_path}",
             f"  grid      {dem.shape[0]} x {dem.shape[1]} cells, step {dem.resolution_arcsec:.2f}\" "
             f"(~{dem.dlat * 111.2:.2f} km N-S)",
             f"  extent    lat {lat_min:.4f} .. {lat_max:.4f}, lon {lon_min:.4f} .. {lon_max:.4f} (cell centres)"]
    if good.size:
        lines.append(f"  elevation {good.min():.0f} .. {good.max():.0f} m MSL; land cells {land.size} "
                     f"(median {float(np.median(land)) if land.size else 0:.0f} m)")
    if n_nan or n_range:
        what = [f"{n_nan:,} NaN or infinite"] if n_nan else []
        what += [f"{n_range:,} outside {lo:.0f}..{hi:.0f} m"] if n_range else []
        lines.append(f"  INVALID   {' and '.join(what)} cells of {z.size:,}: coverage, simulate and tradeoff reject "
                     f"this DEM; fill the voids or import the source with 'airbridge terrain import'")
    if dem.label:
        lines.append(f"  note      {dem.label}")
    lines.append(f"  provenance {dem.provenance}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from radar.errors import InputError
    from radar.terrain import import_dem, load_dem

    if args.action == "info":
        print(_describe(load_dem(args.file, check_values=False)))
        return 0
    bbox = None
    if args.bbox:
        try:
            bbox = tuple(float(v) for v in args.bbox.split(","))
        except ValueError:
            bbox = ()
        if len(bbox) != 4 or not (bbox[0] < bbox[1] and bbox[2] < bbox[3]):
            raise InputError(f"--bbox {args.bbox!r}: expected LAT_MIN,LAT_MAX,LON_MIN,LON_MAX with min < max")
    if args.step_arcsec is not None and not (0 < args.step_arcsec < 3600 * 360):
        raise InputError(f"--step-arcsec {args.step_arcsec:g}: expected a grid step in arc-seconds > 0")
    if not args.out.endswith(".npz"):
        raise InputError(f"--out {args.out}: expected a .npz file name")
    out = Path(args.out)
    blocker = next((q for q in out.parents if q.exists() and not q.is_dir()), None)
    if blocker is not None or out.is_dir():
        raise InputError(f"--out {args.out}: {blocker or out} is {'a file' if blocker else 'a directory'}: "
                         f"expected a .npz file path in a directory")
    dem = import_dem(args.sources, args.step_arcsec, bbox)
    dem.save(args.out)
    from radar.terrain import load_dem as _load

    print(_describe(_load(args.out)))
    return 0
