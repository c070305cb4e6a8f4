"""A whole siting study: request -> checks -> candidates, grids, demand -> greedy + swap -> exact solve.

:func:`check_request` validates everything a request can get wrong before anything is computed or written
(one :class:`radar.errors.InputError` line each); :func:`run_siting` does the work.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from radar.constants import PICTURES
from radar.errors import InputError

DEMANDS = ("exposure", "border")
MAX_DAYS = 20_000
MAX_DEMAND_CELLS = 5_000_000


@dataclass(frozen=True)
class SiteRequest:
    """What to site (see ``airbridge site --help`` for each field's flag)."""

    scenario: str | None = None
    types: tuple[str, ...] = ("AN_TPS_70",)
    k: int | None = 5
    budget_musd: float | None = None
    spacing_km: float | None = 20.0      # None: no grid candidates
    hilltop_km: float = 0.0
    named: bool = True                   # the scenario's disabled sites are candidates
    candidates_file: str | None = None
    demand: str = "exposure"
    days: int = 365
    seed: int = 2
    cell_km: float = 2.0
    agl_m: float = 300.0
    given: str | None = None
    picture: str = "integrated"
    backup: float = 0.0
    time_limit_s: float = 600.0
    gap: float = 0.005
    exact: bool = True
    dem: str | None = None
    cache_dir: str | None = None


@dataclass
class SiteResult:
    request: SiteRequest
    scenario: object
    dem: object
    stypes: dict
    columns: list
    demand: object
    existing: np.ndarray                 # P(covered) by the given network per demand point (0 without one)
    residual: np.ndarray                 # demand weight left to the new radars per point
    cover: object                        # CSC (points x columns)
    problem: object
    pattern: np.ndarray                  # pattern of each demand point (-1: no candidate covers it)
    greedy: tuple[int, ...]
    greedy_value: float
    swap_value: float
    chosen: tuple[int, ...]              # in rank order
    objective: float
    bound: float
    proof: object | None
    timings: dict = field(default_factory=dict)
    grids_cached: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def gap(self) -> float:
        return max(0.0, (self.bound - self.objective) / self.objective) if self.objective > 0 else 0.0


def check_request(req: SiteRequest, scn) -> list:
    """Every check of a request that needs no computation; returns the siting types in order."""
    from scenarios.config.siting import load_siting_types
    from scenarios.siting.candidates import check_size, scenario_candidates
    from scenarios.siting.demand import picture_factor

    if req.k is not None and req.budget_musd is not None:
        raise InputError(f"-k {req.k} and --budget-musd {req.budget_musd:g}: give one, the number of radars or a budget")
    if req.k is None and req.budget_musd is None:
        raise InputError("-k/--budget-musd: neither given: expected a number of radars or a budget")
    if req.k is not None and not req.k >= 1:
        raise InputError(f"-k {req.k}: expected a number of new radars >= 1")
    if not req.types:
        raise InputError("--types '': expected at least one radar type")
    catalogue = load_siting_types(scn)
    stypes = []
    for tid in req.types:
        if tid not in scn.radar_types:
            raise InputError(f"--types {','.join(req.types)}: {tid!r} is not a radar type of {scn.file}: expected one of "
                             + ", ".join(catalogue or scn.radar_types))
        if tid not in catalogue:
            raise InputError(f"--types {','.join(req.types)}: {tid} has no cost in [siting] types of {scn.file}: "
                             f"expected one of {', '.join(catalogue) or '(none)'} (or add {tid} with unit_cost_musd)")
        if catalogue[tid] in stypes:
            raise InputError(f"--types {','.join(req.types)}: {tid} is listed twice")
        stypes.append(catalogue[tid])
    if req.budget_musd is not None:
        cheapest = min(st.unit_cost_musd for st in stypes)
        if not req.budget_musd >= cheapest:
            raise InputError(f"--budget-musd {req.budget_musd:g}: below the cheapest radar of --types "
                             f"(US${cheapest:g}M): expected a budget of at least {cheapest:g}")
    if req.picture not in PICTURES:
        raise InputError(f"--picture {req.picture}: expected one of {', '.join(PICTURES)}")
    report_p = scn.coverage.report_probability
    if all(picture_factor(st.owner, req.picture, report_p) <= 0 for st in stypes):
        raise InputError(f"--picture {req.picture}: no radar of --types {','.join(req.types)} adds to that picture "
                         "(civil radars are not in the military picture): expected a military type or another picture")
    if req.demand not in DEMANDS:
        raise InputError(f"--demand {req.demand}: expected one of {', '.join(DEMANDS)}")
    if req.spacing_km is not None and not (req.spacing_km > 0):
        raise InputError(f"--spacing-km {req.spacing_km:g}: expected a spacing in km > 0")
    if not (0 <= req.hilltop_km <= 100):
        raise InputError(f"--hilltop-km {req.hilltop_km:g}: expected a distance in km in [0, 100]")
    if not (1 <= req.days <= MAX_DAYS):
        raise InputError(f"--days {req.days}: expected a number of simulated days in [1, {MAX_DAYS}]")
    if not (0 < req.cell_km <= 100):
        raise InputError(f"--cell-km {req.cell_km:g}: expected a demand cell size in km in (0, 100]")
    cells = 1.289850e6 / (req.cell_km * req.cell_km)
    if req.demand == "exposure" and cells > MAX_DEMAND_CELLS:
        raise InputError(f"--cell-km {req.cell_km:g}: up to {cells:,.0f} demand cells over Peru: expected at most "
                         f"{MAX_DEMAND_CELLS:,} (a cell of at least {math.sqrt(1.289850e6 / MAX_DEMAND_CELLS):.2f} km)")
    if not (0 <= req.agl_m <= 10_000):
        raise InputError(f"--agl {req.agl_m:g}: expected a target height in metres above ground in [0, 10000]")
    if not (0 <= req.backup <= 1):
        raise InputError(f"--backup {req.backup:g}: expected a weight in [0, 1] for a second radar over a point")
    if not (req.time_limit_s > 0):
        raise InputError(f"--time-limit {req.time_limit_s:g}: expected seconds > 0")
    if not (0 <= req.gap < 1):
        raise InputError(f"--gap {req.gap:g}: expected a relative gap in [0, 1)")
    if req.given is not None:
        scn.network(req.given)
    n_named = (len(scenario_candidates(scn)) if req.named else 0)
    if req.candidates_file is not None:
        from scenarios.config.siting import read_candidates

        n_named += len(read_candidates(req.candidates_file))
    if req.spacing_km is None and n_named == 0:
        raise InputError("--no-grid: no named candidate sites either: expected a grid, the scenario's sites or "
                         "--candidates FILE")
    check_size(req.spacing_km, n_named, len(stypes))
    return stypes


def run_siting(req: SiteRequest) -> SiteResult:
    """The study: checks first (nothing computed on bad input), then candidates, grids, demand, solve."""
    from pathlib import Path

    from radar.terrain import load_dem
    from scenarios.config.scenario import load_scenario
    from scenarios.config.siting import read_candidates
    from scenarios.siting import candidates as cand
    from scenarios.siting import cover
    from scenarios.siting import demand as dm
    from scenarios.siting import solve

    t = {"start": time.perf_counter()}
    scn = load_scenario(req.scenario)
    stypes = check_request(req, scn)
    dem = load_dem(req.dem or scn.terrain.dem)
    groups = []
    if req.spacing_km is not None:
        groups.append(cand.grid_candidates(dem, req.spacing_km, req.hilltop_km))
    if req.named:
        groups.append(cand.scenario_candidates(scn))
    if req.candidates_file is not None:
        groups.append(read_candidates(req.candidates_file))
    sites = cand.merge(*groups)
    if not sites:
        raise InputError(f"--spacing-km {req.spacing_km:g}: no grid point falls inside Peru and no named site is a "
                         "candidate: expected a smaller spacing")
    columns = cand.column_radars(sites, stypes, dem, scn.terrain.clamp_sea_to_zero)
    t["candidates"] = time.perf_counter()
    cache = None if req.cache_dir == "" else Path(req.cache_dir) if req.cache_dir else cover.default_cache_dir()
    grids = cover.candidate_grids(columns, dem, scn.terrain, scn.coverage, cache)
    t["grids"] = time.perf_counter()
    if req.demand == "exposure":
        demand = dm.exposure_demand(scn, dem, req.seed, req.days, req.cell_km, req.agl_m)
    else:
        demand = dm.border_demand(scn, dem, req.seed, req.days, req.agl_m)
    if demand.size == 0:
        raise InputError(f"--demand {req.demand}: the {req.days} simulated days give no demand inside Peru: "
                         "expected more --days")
    existing = np.zeros(demand.size)
    if req.given is not None:
        existing = dm.existing_cover(scn.network(req.given), dem, scn.terrain, scn.coverage, req.picture,
                                     scn.coverage.report_probability, demand)
    residual = demand.weight * (1.0 - existing)
    t["demand"] = time.perf_counter()
    index = cover.PointIndex(dem, demand.lat, demand.lon)
    A = cover.covered(columns, grids, index, demand.lat, demand.lon, demand.h_msl)
    t["cover"] = time.perf_counter()
    patterns, w, pattern = solve.aggregate(A, residual)
    report_p = scn.coverage.report_probability
    a = np.array([c.stype.availability * dm.picture_factor(c.stype.owner, req.picture, report_p) for c in columns])
    site_ids = {s.id: i for i, s in enumerate(sites)}
    problem = solve.Problem(patterns, w, a, np.array([c.stype.unit_cost_musd for c in columns]),
                            np.array([site_ids[c.id] for c in columns]), k=req.k, budget=req.budget_musd,
                            backup=req.backup)
    g = solve.greedy(problem)
    g_val = solve.value(problem, g)
    s = solve.swap(problem, g, deadline=time.perf_counter() + req.time_limit_s / 4)
    s_val = solve.value(problem, s)
    t["greedy"] = time.perf_counter()
    proof = None
    chosen, objective, bound = tuple(s), s_val, math.inf
    if req.exact and s:
        from scenarios.siting.bound import prove

        remaining = max(req.time_limit_s - (time.perf_counter() - t["start"]), 10.0)
        proof = prove(problem, s, remaining, req.gap)
        chosen, objective, bound = proof.chosen, proof.objective, proof.bound
    t["solve"] = time.perf_counter()
    ranked = rank_order(problem, chosen)
    return SiteResult(req, scn, dem, {st.id: st for st in stypes}, columns, demand, existing, residual, A, problem,
                      pattern, tuple(g), g_val, s_val, ranked, objective, bound, proof, t, grids.cached,
                      grids.warnings)


def rank_order(problem, chosen) -> tuple[int, ...]:
    """The chosen columns in the order that adds the most at each step (rank 1 = the most valuable alone)."""
    from scenarios.siting.solve import value

    left, out = list(chosen), []
    while left:
        best = max(left, key=lambda j: (value(problem, out + [j]), -j))
        out.append(best)
        left.remove(best)
    return tuple(out)
