"""``airbridge scenario list | show NAME|FILE | validate FILE``."""
from __future__ import annotations

import argparse

from scenarios.cli.args import add_set_argument


def add_parser(sub) -> None:
    p = sub.add_parser("scenario", help="list, show or validate scenarios",
                       description="List the embedded scenarios, show one (networks, radars, provenance) or validate a scenario file.")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ssub.add_parser("list", help="list embedded scenarios and their networks")
    s = ssub.add_parser("show", help="show a scenario's frame, networks and radars")
    s.add_argument("scenario", help="embedded scenario name or a .toml file")
    add_set_argument(s)
    v = ssub.add_parser("validate", help="validate a scenario file: every section simulate and tradeoff read, and the "
                                         "sites and threat zones against the DEM")
    v.add_argument("scenario", help="embedded scenario name or a .toml file")
    v.add_argument("--dem", help="DEM .npz to check site ground elevations against (default: the scenario's or embedded)")
    add_set_argument(v)
    p.set_defaults(run=run)


def validate(scenario, dem=None):
    """(scenario, DEM) after every check ``simulate`` and ``tradeoff`` make before their first day: the scenario
    with every section (:func:`scenarios.config.load_scenario`), the DEM, and every radar site and threat zone on
    it (:func:`scenarios.config.inputs.load_inputs`).  ``scenario``: an embedded name, a file, or a loaded scenario."""
    from scenarios.config.scenario import load_scenario
    from scenarios.config.inputs import load_inputs

    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    scenario, dem, _threat, _traffic = load_inputs(scenario, dem)
    return scenario, dem


def print_overrides(scn) -> None:
    """The scenario's overrides (``--set``), one line each, before what a command prints about the scenario."""
    from scenarios.config.overrides import describe

    for line in describe(scn.overrides):
        print(f"override: {line}")


def write_overrides(scn, directory) -> list[str]:
    """``overrides.toml`` in ``directory`` when the scenario has overrides (their record); the names written."""
    from pathlib import Path

    from scenarios.config.overrides import format_record

    if not scn.overrides:
        return []
    (Path(directory) / "overrides.toml").write_text(format_record(scn.overrides, scn.name))
    return ["overrides.toml"]


def run(args: argparse.Namespace) -> int:
    from scenarios.config.scenario import embedded_names, load_scenario

    if args.action == "list":
        for name in embedded_names():
            scn = load_scenario(name)
            print(f"{name}  ({scn.file})")
            for net in scn.networks.values():
                print(f"  network {net.name:<20} {len(net.radars):>2} radars  {net.description}")
        return 0
    scn = load_scenario(args.scenario, args.overrides)
    if args.action == "show":
        print(f"scenario {scn.name} ({scn.file})")
        print_overrides(scn)
        print(scn.frame.describe())
        print(f"terrain: dem={scn.terrain.dem or 'embedded ETOPO5'}, canopy {scn.terrain.canopy_height_m:g} m "
              f"[{scn.terrain.source}; {scn.terrain.confidence}]")
        print(f"coverage: Pd >= {scn.coverage.pd_threshold:g} on {scn.coverage.target_rcs_m2:g} m², "
              f"AGL levels {', '.join(f'{h:g}' for h in scn.coverage.agl_levels_m)} m")
        print("radar types:")
        for t in scn.radar_types.values():
            rng = f"R(Pd {scn.coverage.pd_threshold:g})={t.range_limit_m(scn.coverage.pd_threshold, scn.coverage.target_rcs_m2) / 1e3:.0f} km" \
                if t.is_primary else f"Pd(transponder)={t.pd_cooperative:g}"
            print(f"  {t.id:<18} {t.kind:<6} scan {t.scan_period_s:>4g} s  instr. {t.instrumented_range_m / 1e3:>4.0f} km  "
                  f"{rng}  [{t.source}; {t.confidence}]")
        for net in scn.networks.values():
            print(f"network {net.name}: {net.description}")
            for r in net.radars:
                print(f"  {r.name:<48} {r.owner:<8} {r.lat_deg:>8.4f} {r.lon_deg:>9.4f}  mast {r.antenna_agl_m:>3g} m  "
                      f"avail {r.availability:.2f}  [{r.source}; {r.confidence}]")
        return 0
    # validate: the loaders and DEM checks every simulate / tradeoff runs, then every network's geometry (warnings)
    from radar.coverage import compute_geometry

    scn, dem = validate(scn, args.dem)
    n_radars = 0
    warnings = []
    for net in scn.networks.values():
        geom = compute_geometry(net.radars, dem, scn.terrain, scn.coverage)
        n_radars += len(net.radars)
        warnings += [w for w in geom.warnings if w not in warnings]
    for w in warnings:
        print(f"warning: {w}")
    print_overrides(scn)
    print(f"{scn.file}: valid — {len(scn.radar_types)} radar types, {len(scn.networks)} networks "
          f"({n_radars} radar placements), {len(warnings)} warning(s); DEM: {dem.label or dem.source_path}")
    return 0
