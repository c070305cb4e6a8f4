"""``airbridge site``: where to put k new radars (or a budget's worth) to cover the most drug-flight demand."""
from __future__ import annotations

import argparse

from scenarios.cli.args import number, output_dir


def add_parser(sub) -> None:
    p = sub.add_parser("site", help="radar siting: where k new radars cover the most low-level drug-flight demand",
                       description="Choose k new radars (or as many as a budget buys) among candidate sites - a grid "
                                   "over Peru, the scenario's planned and what-if sites, a file - to cover the most "
                                   "low-level drug-flight exposure (or border crossings), availability-weighted. "
                                   "Exact maximal-covering MILP (HiGHS) with its proven gap; greedy + swap baseline.")
    p.add_argument("--scenario", default=None, help="embedded scenario name or .toml file (default: peru)")
    p.add_argument("--dem", default=None, help="DEM .npz (default: the scenario's, else embedded ETOPO5)")
    p.add_argument("-k", "--radars", dest="k", type=int, default=None, metavar="K",
                   help="number of new radars (default 5 unless --budget-musd)")
    p.add_argument("--budget-musd", type=float, default=None, metavar="B",
                   help="instead of -k: as many radars as US$B million buy ([siting] unit_cost_musd)")
    p.add_argument("--types", default="AN_TPS_70",
                   help="comma-separated radar types to place, from [siting] types (default AN_TPS_70; e.g. "
                        "AN_TPS_70,THALES_STAR2000,GAP_FILLER_3D)")
    p.add_argument("--spacing-km", type=float, default=20.0, metavar="KM",
                   help="grid candidate spacing in km (default 20)")
    p.add_argument("--no-grid", action="store_true", help="no grid candidates (named sites only)")
    p.add_argument("--hilltop-km", type=float, default=0.0, metavar="KM",
                   help="move each grid candidate to the highest DEM cell within KM (default 0: off)")
    p.add_argument("--no-named", action="store_true",
                   help="leave out the scenario's disabled (planned, what-if, historical) sites")
    p.add_argument("--candidates", default=None, metavar="FILE", help="TOML of [[candidates]] id, lat, lon (optional "
                   "ground_elevation_m, antenna_agl_m)")
    p.add_argument("--demand", default="exposure", choices=["exposure", "border"],
                   help="exposure: low-level drug-flight airborne hours per cell (default); border: crossings of "
                        "the Peru-Bolivia border")
    p.add_argument("--days", type=int, default=365, help="simulated days of drug flights (default 365)")
    p.add_argument("--seed", type=int, default=2,
                   help="seed of those days (default 2: not the study's default 1, so a study does not judge the "
                        "sites on the flights they were fitted to)")
    p.add_argument("--cell-km", type=float, default=2.0, metavar="KM", help="demand cell size in km (default 2)")
    p.add_argument("--agl", type=float, default=300.0, metavar="M",
                   help="target height above ground for 'covered', m (default 300: the threat's low level)")
    p.add_argument("--given", default=None, metavar="NETWORK",
                   help="count what NETWORK already covers (availability-weighted) as covered (default: nothing)")
    p.add_argument("--picture", default="integrated", choices=["military", "non_integrated", "integrated"],
                   help="picture the radars feed (default integrated; civil radars count p_report in "
                        "non_integrated, nothing in military)")
    p.add_argument("--backup", type=float, default=0.0, metavar="W",
                   help="a second new radar over a point counts W x its availability (default 0; W in [0, 1])")
    p.add_argument("--time-limit", type=float, default=600.0, metavar="S", help="solver time limit, s (default 600)")
    p.add_argument("--gap", type=float, default=0.005, help="relative gap at which to stop (default 0.005)")
    p.add_argument("--greedy-only", action="store_true", help="greedy + swap only, no MILP (no bound)")
    p.add_argument("--name", default="sited", help="name of the network written in sites.toml (default sited)")
    p.add_argument("--cache", default=None, metavar="DIR",
                   help="geometry-grid cache (default $XDG_CACHE_HOME/airbridge/siting or ~/.cache/airbridge/siting)")
    p.add_argument("--no-cache", action="store_true", help="compute the grids, read and write no cache")
    p.add_argument("--no-map", action="store_true", help="skip the PNG map")
    p.add_argument("--out", default="airbridge-site", type=output_dir, help="output directory (default ./airbridge-site)")
    p.set_defaults(run=run)


def _request(args):
    from radar.errors import InputError
    from scenarios.config.schema import check_seed
    from scenarios.config.siting import ID_PATTERN
    from scenarios.siting.run import SiteRequest

    check_seed(args.seed)
    if not ID_PATTERN.match(args.name):
        raise InputError(f"--name {args.name!r}: expected a network name of 1-64 letters, digits, '_' or '-'")
    k = args.k if args.k is not None else (None if args.budget_musd is not None else 5)
    return SiteRequest(
        scenario=args.scenario, types=tuple(t for t in args.types.split(",") if t), k=k, budget_musd=args.budget_musd,
        spacing_km=None if args.no_grid else args.spacing_km, hilltop_km=args.hilltop_km, named=not args.no_named,
        candidates_file=args.candidates, demand=args.demand, days=args.days, seed=args.seed, cell_km=args.cell_km,
        agl_m=args.agl, given=args.given, picture=args.picture, backup=args.backup, time_limit_s=args.time_limit,
        gap=args.gap, exact=not args.greedy_only, dem=args.dem, cache_dir="" if args.no_cache else args.cache)


def run(args: argparse.Namespace) -> int:
    import shlex
    import sys
    from pathlib import Path

    from radar.fileio import staged_output
    from scenarios.siting import outputs
    from scenarios.siting.run import run_siting

    req = _request(args)
    res = run_siting(req)
    t = res.timings
    d, p = res.demand, res.problem
    unit = d.unit
    n_sites = len({c.id for c in res.columns})
    print(f"candidates: {n_sites:,} sites x {len(res.stypes)} type{'s' if len(res.stypes) > 1 else ''} "
          f"({', '.join(res.stypes)}) = {len(res.columns):,} columns; geometry grids "
          f"{'from the cache' if res.grids_cached else 'computed'} in {t['grids'] - t['candidates']:.1f} s")
    for w in res.warnings[:5]:
        print(f"warning: {w}")
    print(f"demand: {d.size:,} {'cells' if d.kind == 'exposure' else 'border points'}, {d.total:,.1f} {unit} "
          f"({d.note}); covered at {d.agl_m:g} m AGL")
    if req.given:
        left = float(res.residual.sum())
        print(f"given network {req.given} ({req.picture} picture) already covers {d.total - left:,.1f} {unit} "
              f"(availability-weighted); {left:,.1f} {unit} left to the new radars")
    print(f"problem: {p.n_patterns:,} demand patterns (points with the same covering candidates merged) x "
          f"{p.n_columns:,} columns, {p.A.nnz:,} non-zeros; "
          + (f"k = {req.k}" if req.k is not None else f"budget US${req.budget_musd:g}M")
          + (f", backup weight {req.backup:g}" if req.backup else ""))
    solve_s = t["solve"] - t["greedy"]
    bound = "n/a" if res.proof is None else f"{res.bound:.6g}"
    gap = "n/a" if res.proof is None else f"{100 * res.gap:.3f}%"
    print(f"objective={res.objective:.6g} bound={bound} gap={gap} greedy={res.greedy_value:.6g} "
          f"(greedy+swap {res.swap_value:.6g}; {unit}, availability-weighted) time={t['solve'] - t['start']:.1f}s")
    if res.proof is not None:
        pr = res.proof
        print(f"  exact: {pr.status}; LP bound {pr.lp_bound:.6g} by column generation ({pr.cg_iterations} rounds, "
              f"{pr.cg_columns} columns), MILP on {pr.kept_columns} columns x {pr.milp_patterns:,} patterns "
              f"({pr.milp_seconds:.1f} s); solve {solve_s:.1f} s")
    print(f"  time: candidates {t['candidates'] - t['start']:.1f} s, grids {t['grids'] - t['candidates']:.1f} s, "
          f"demand {t['demand'] - t['grids']:.1f} s, cover {t['cover'] - t['demand']:.1f} s, "
          f"greedy+swap {t['greedy'] - t['cover']:.1f} s, exact {solve_s:.1f} s")
    rows = outputs.rows(res)
    print(f"{'rank':>4} {'site':<36} {'type':<16} {'lat':>8} {'lon':>9} {'alone':>10} {'gain':>10} {'cum.':>10}")
    for r in rows:
        print(f"{r['rank']:>4} {r['id']:<36} {r['type']:<16} {r['lat']:>8.3f} {r['lon']:>9.3f} {r['alone']:>10.2f} "
              f"{r['gain']:>10.2f} {r['cumulative']:>10.2f}")
    total = sum(r["cost_musd"] for r in rows)
    print(f"{len(rows)} radars, US${total:g}M; they cover {100 * res.objective / max(d.total, 1e-300):.1f} % of the "
          f"demand ({unit}, availability-weighted)")
    out = Path(args.out)
    command = "airbridge " + shlex.join(sys.argv[1:]) if sys.argv and sys.argv[0] else "airbridge site"
    title = (f"{len(rows)} new {'/'.join(res.stypes)}: {d.kind} demand {res.objective:.4g} of {d.total:.4g} {unit} "
             f"covered (avail.-weighted)\n" + (f"gap {100 * res.gap:.2f} %" if res.proof is not None else "greedy + swap")
             + (f"; given {req.given} ({req.picture})" if req.given else "; nothing given"))
    with staged_output(out) as stage:
        (stage / "sites.csv").write_text(outputs.sites_csv(res))
        (stage / "sites.toml").write_text(outputs.network_toml(res, args.name, command))
        if not args.no_map:
            outputs.plot_sites(stage / "sites_map.png", res, title)
    print(f"wrote {out}/sites.csv, sites.toml (network {args.name}: airbridge coverage --scenario {out}/sites.toml "
          f"--network {args.name}){'' if args.no_map else ', sites_map.png'}")
    return 0
