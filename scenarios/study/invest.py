"""``airbridge invest``: the efficient frontier of investment portfolios under a budget, searched by successive
halving on common random numbers.

1. **Portfolios** (:mod:`scenarios.study.portfolios`): every combination of the levers of ``[invest]``
   (:mod:`scenarios.config.invest`) whose fixed life-cycle cost over the horizon is within the budget
   (at most ``max_portfolios`` of them: a seeded sample, the ``--include`` ones always in).  A budget below
   the cheapest portfolio, an unknown lever, a lever without a cost: one line, nothing run.
2. **Successive halving** over rungs of days D_0 < D_1 = 2 D_0 < ... < D (``rungs``): every portfolio still in
   is evaluated on days 0..D_k-1; the half with the least shortfall (identified a year behind the best
   portfolio that costs no more, :func:`scenarios.study.frontier.halve`), the best portfolio holding each lever
   and the ``--include`` ones go on to twice the days.  Portfolios whose life-cycle cost with their simulated flying exceeds the budget drop out.
3. **Evaluation**: each (contract, network) is a study **cell**, a :class:`scenarios.study.spec.StudySpec`
   over that network with the options and pictures its portfolios need, run by the trade-off runner
   (:func:`scenarios.study.runner.run_study`) into ``cells/<cell>/study.sqlite``; a rung extends a cell's
   store to D_k days (``max_chunks``), so the days a rung adds are computed once and kept, and rows are
   shared by every portfolio of the cell.  Same seed, same days for every cell: paired differences.
4. **Frontier** at the last rung (:func:`scenarios.study.frontier.dominance`), what each frontier point buys,
   the marginal value of each lever (:func:`marginals`), written by :mod:`scenarios.study.invest_report` and
   :mod:`scenarios.study.invest_markdown`.

Resumable like ``tradeoff``: ``invest.json`` pins the run (its key: the inputs, the invest scenario's text,
the candidates, the rungs); each cell store keeps the runner's discipline (a chunk and its rows in one
transaction), and everything else is recomputed from the stores, so an interrupted run continued with
``--resume`` gives the same rows and a byte-identical ``frontier.csv``.
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from radar.errors import InputError
from scenarios.study.frontier import Evaluation, dominance, halve
from scenarios.study.portfolios import Portfolio, fixed_cost

#: bumped when the way a run is planned or evaluated changes (part of the run's key)
INVEST_VERSION = 1
#: the least chunks of days a cell computes per rung increment (both cores of the machine busy)
MIN_CHUNKS = 2
_SAMPLE_KEY = 0x1A7E_5700


@dataclass(frozen=True)
class InvestSpec:
    """What an invest run computes.  budget_usd / horizon_years: None = the scenario's ``[invest]``.
    levers: lever ids to consider (() = all of ``[invest]``).  days: days of the last rung; rungs: number of
    rungs (each half the next one's days).  include: portfolio names kept to the last rung."""

    scenario: str = "peru"
    overrides: tuple[str, ...] = ()
    levers: tuple[str, ...] = ()
    budget_usd: float | None = None
    horizon_years: float | None = None
    days: int = 120
    rungs: int = 3
    seed: int = 1
    max_portfolios: int = 256
    include: tuple[str, ...] = ()


def rung_days(days: int, rungs: int) -> tuple[tuple[int, ...], int]:
    """(days of each rung, chunk size): D_0 ~ days / 2^(rungs-1), each rung twice the last, the last = ``days``;
    chunks small enough that a rung's increment has at least :data:`MIN_CHUNKS` of them."""
    rungs = max(1, min(rungs, 1 + int(math.floor(math.log2(max(days, 1))))))
    d0 = int(math.ceil(days / 2 ** (rungs - 1)))
    chunk = max(1, int(math.ceil(d0 / MIN_CHUNKS)))
    d0 = chunk * int(math.ceil(d0 / chunk))
    out = [min(days, d0 * 2 ** k) for k in range(rungs - 1)] + [days]
    out = sorted(set(out))
    return tuple(out), chunk


@dataclass
class Plan:
    spec: InvestSpec
    cfg: object  # InvestConfig (levers selected)
    costs: dict  # lever id -> LeverCost
    option_costs: dict
    options: dict  # option id -> Option (detachments)
    budget_usd: float
    horizon_years: float
    candidates: list  # Portfolio, within the budget (fixed cost), sampled
    over_budget: list  # (Portfolio, fixed cost) beyond the budget before any flying
    not_sampled: int
    include: list  # Portfolio
    rungs: tuple
    chunk_days: int
    scenario_text: str
    fixed: dict = field(default_factory=dict)  # name -> fixed cost

    @property
    def base(self) -> str:
        return self.cfg.base_network

    def key(self) -> str:
        rec = {"spec": asdict(self.spec), "scenario": hashlib.sha256(self.scenario_text.encode()).hexdigest(),
               "candidates": [p.name for p in self.candidates], "rungs": list(self.rungs), "chunk": self.chunk_days,
               "version": INVEST_VERSION}
        from scenarios.study.spec import MODEL_VERSION

        rec["model"] = MODEL_VERSION
        return hashlib.sha256(json.dumps(rec, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def cells(self) -> dict:
        """(contract, network) -> (options, pictures) the candidates need there (data order)."""
        from radar.constants import PICTURES

        need: dict = {}
        for p in self.candidates:
            o, pics = need.setdefault(p.cell(self.base), (set(), set()))
            o.add(p.option)
            pics.add(p.picture)
        order = list(self.cfg.options)
        return {c: (tuple(sorted(o, key=order.index)), tuple(x for x in PICTURES if x in pics))
                for c, (o, pics) in sorted(need.items())}


def plan_run(spec: InvestSpec) -> Plan:
    """Check every input and plan the run (nothing is simulated or written)."""
    from scenarios.config.interceptors import load_interceptor_config
    from scenarios.config.invest import check_option_costs, load_invest
    from scenarios.config.lifecycle import load_life_cycle
    from scenarios.config.scenario import load_scenario
    from scenarios.study import portfolios as pf
    from scenarios.study.lifecycle import option_costs

    scn = load_scenario(spec.scenario, spec.overrides)
    cfg = load_invest(scn)
    if cfg is None:
        raise InputError(f"{scn.file}: [invest] is missing: expected the levers and their costs (the embedded "
                         "scenario has them; a scenario file can start with extends = \"peru\")")
    if spec.levers:
        cfg = cfg.select(spec.levers)
    budget = cfg.budget_usd if spec.budget_usd is None else spec.budget_usd
    horizon = cfg.horizon_years if spec.horizon_years is None else spec.horizon_years
    if not (budget > 0):
        raise InputError(f"--budget {budget:g}: expected a positive amount of US$")
    if not (0 < horizon <= 100):
        raise InputError(f"--horizon {horizon:g}: expected years in (0, 100]")
    import dataclasses

    cfg = dataclasses.replace(cfg, budget_usd=budget, horizon_years=horizon)
    icfg = load_interceptor_config(scn)
    opts = icfg.select(list(cfg.options), "[invest] options")
    ocosts = option_costs(opts, load_life_cycle(scn))
    check_option_costs(cfg.options, ocosts)
    costs = pf.lever_costs(cfg, ocosts)
    everything = pf.enumerate_portfolios(cfg)
    fixed = {p.name: fixed_cost(p, costs) for p in everything}
    cheapest = min(everything, key=lambda p: (fixed[p.name], p.name))
    if budget < fixed[cheapest.name]:
        raise InputError(f"--budget {_money(budget)}: below the cheapest portfolio ({cheapest.name}: "
                         f"{_money(fixed[cheapest.name])} over {horizon:g} years before its flying): expected at "
                         f"least {_money(fixed[cheapest.name])}")
    include = []
    for text in spec.include:
        p = pf.parse_portfolio(text, cfg)
        if fixed[p.name] > budget:
            raise InputError(f"--include {text}: costs {_money(fixed[p.name])} over {horizon:g} years before its "
                             f"flying: expected a portfolio within the budget ({_money(budget)})")
        if p not in include:
            include.append(p)
    within = [p for p in everything if fixed[p.name] <= budget]
    over = [(p, fixed[p.name]) for p in everything if fixed[p.name] > budget]
    candidates, not_sampled = within, 0
    if len(within) > spec.max_portfolios:
        rest = [p for p in within if p not in include]
        k = max(0, spec.max_portfolios - len(include))
        rng = np.random.default_rng(np.random.SeedSequence([spec.seed, _SAMPLE_KEY]))
        pick = set(rng.choice(len(rest), size=k, replace=False).tolist()) if k else set()
        keep = set(include) | {rest[i] for i in pick}
        candidates = [p for p in within if p in keep]
        not_sampled = len(within) - len(candidates)
    rungs, chunk = rung_days(spec.days, spec.rungs)
    base_raw = load_scenario(spec.scenario).raw
    raw = pf.invest_scenario_raw(base_raw, cfg, candidates)
    text = pf.toml_document(raw)
    pf.check_round_trip(text, raw)
    # every cell's scenario loads (the added sites, the contracts' overrides) and the DEM reads: one line here,
    # before anything is written
    import copy

    from radar.terrain import load_dem
    from scenarios.config.scenario import _build

    label = f"{scn.file} (with the invest levers)"
    for contract in ("", *(c.id for c in cfg.contracts)):
        texts = [*spec.overrides, *([c for c in cfg.contracts if c.id == contract][0].overrides() if contract else ())]
        checked = _build(copy.deepcopy(raw), "invest", label, texts)
    load_dem(checked.terrain.dem)
    return Plan(spec, cfg, costs, ocosts, {o.id: o for o in opts}, budget, horizon, candidates, over, not_sampled,
                include, rungs, chunk, text, fixed)


def _money(v: float) -> str:
    if abs(v) >= 1e9:
        return f"US${v / 1e9:,.2f}B"
    return f"US${v / 1e6:,.1f}M"


# ------------------------------------------------------------------------------------------
# Cells: one study store per (contract, network)
def cell_dir_name(cell: tuple[str, str]) -> str:
    contract, network = cell
    return f"{contract or 'as-is'}__{network}"


def cell_spec(plan: Plan, cell, scenario_path: str):
    """The :class:`StudySpec` of a cell (its key never changes between rungs: the last rung's days)."""
    from scenarios.config.overrides import normalise
    from scenarios.study.spec import StudySpec

    contract, network = cell
    options, pictures = plan.cells()[cell]
    texts = list(plan.spec.overrides)
    if contract:
        texts += [c for c in plan.cfg.contracts if c.id == contract][0].overrides()
    overrides = tuple(o.text for o in normalise(texts)) if texts else ()
    return StudySpec(scenario=scenario_path, networks=(network,), pictures=pictures, options=options,
                     days=plan.rungs[-1], seed=plan.spec.seed, chunk_days=plan.chunk_days, overrides=overrides)


def done_chunks(store: Path) -> set[int]:
    if not store.exists():
        return set()
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return {d0 for (d0,) in db.execute("SELECT d0 FROM chunks")}
    except sqlite3.OperationalError:  # created but no table yet
        return set()
    finally:
        db.close()


def extend_cell(spec, cell_dir: Path, days: int, workers: int) -> int:
    """Run the cell's chunks below ``days`` that its store does not hold yet; returns the days computed."""
    from scenarios.study.runner import run_study

    store = cell_dir / "study.sqlite"
    done = done_chunks(store)
    need = [c for c in spec.chunks() if c[0] < days and c[0] not in done]
    if not need:
        return 0
    run_study(spec, cell_dir, workers=workers, resume=store.exists(), progress=False, max_chunks=len(need))
    return sum(d1 - d0 for d0, d1 in need)


def read_cell(store: Path, days: int) -> dict:
    """(option, picture) -> (drug flight keys (day, flight), identified 0/1, per-day flying cost) below ``days``."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT day, flight, option, mode, outcome, false_scramble, cost_usd FROM results "
                          "WHERE day < ? ORDER BY option, mode, day, flight, seq", (days,)).fetchall()
    finally:
        db.close()
    out: dict = {}
    for day, flight, option, mode, outcome, false_scramble, cost in rows:
        keys, ident, flying = out.setdefault((option, mode), ([], [], np.zeros(days)))
        if cost is not None and cost == cost:
            flying[day] += cost
        if false_scramble != 1:
            keys.append((day, flight))
            ident.append(outcome == "identified_airborne")
    return out


def evaluate(plan: Plan, portfolios: list, out: Path, days: int, boot) -> Evaluation:
    """The rung's :class:`Evaluation` of ``portfolios`` on days 0..days-1 from the cell stores."""
    cache: dict = {}
    keys0 = None
    cols, flying = [], []
    for p in portfolios:
        cell = p.cell(plan.base)
        if cell not in cache:
            cache[cell] = read_cell(out / "cells" / cell_dir_name(cell) / "study.sqlite", days)
        keys, ident, fly = cache[cell].get((p.option, p.picture), ([], [], np.zeros(days)))
        if keys0 is None:
            keys0 = keys
        elif keys != keys0:
            raise RuntimeError(f"portfolio {p.name}: its drug flights differ from {portfolios[0].name}'s on the same "
                               "days (common random numbers broken: a defect)")
        cols.append(np.asarray(ident, np.int8))
        flying.append(fly)
    keys0 = keys0 or []
    ident = np.column_stack(cols) if cols else np.zeros((0, 0), np.int8)
    flight_day = np.array([k[0] for k in keys0], np.int64)
    per_day = np.zeros((days, len(portfolios)))
    if len(keys0):
        np.add.at(per_day, flight_day, ident.astype(np.float64))
    fixed = np.array([plan.fixed[p.name] for p in portfolios])
    return Evaluation(days, [p.name for p in portfolios], ident, flight_day, per_day, np.column_stack(flying),
                      fixed, plan.horizon_years, boot)


# ------------------------------------------------------------------------------------------
@dataclass
class Rung:
    days: int
    portfolios: list  # Portfolio evaluated at this rung (within the budget with their flying)
    evaluation: Evaluation
    dominance: object
    kept: list  # names going on
    over_budget: list  # (name, life-cycle cost) dropped for their flying
    cells: int
    computed_days: int
    seconds: float


@dataclass
class InvestResult:
    plan: Plan
    rungs: list
    cycles: object
    seconds: float
    marginals: list = field(default_factory=list)


def _prepare_out(plan: Plan, out: Path, resume: bool) -> str:
    """Check ``out`` against the plan (a different run, or a started one without ``--resume``: one line), write
    ``scenario.toml`` and ``invest.json``; returns the invest scenario's path."""
    from radar.fileio import atomic_write

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory")
    meta_path = out / "invest.json"
    key = plan.key()
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            meta = {}
        if meta.get("key") != key:
            raise InputError(f"--out {out}: holds a different invest run ({meta.get('spec', '?')}): use another "
                             "--out, or delete it")
        if not resume:
            raise InputError(f"--out {out}: holds a partial or finished run of this invest: add --resume to continue "
                             "it, or use another --out")
    elif (out / "cells").exists():
        raise InputError(f"--out {out}: holds cells/ but no invest.json: use another --out, or delete it")
    out.mkdir(parents=True, exist_ok=True)
    scenario_path = (out / "scenario.toml").resolve()
    if not scenario_path.exists() or scenario_path.read_text() != plan.scenario_text:
        with atomic_write(scenario_path) as fh:
            fh.write(plan.scenario_text)
    if not meta_path.exists():
        with atomic_write(meta_path) as fh:
            json.dump({"key": key, "spec": asdict(plan.spec), "complete": False}, fh, sort_keys=True, indent=1)
    return str(scenario_path)


def run_invest(spec: InvestSpec, out, workers: int = 0, resume: bool = False, log=print,
               plan: Plan | None = None) -> InvestResult:
    """Plan, run the rungs, compute the frontier and write the outputs into ``out``."""
    from scenarios.config.scenario import load_scenario
    from scenarios.study.invest_markdown import write_outputs
    from scenarios.study.uncertainty import DayBootstrap, cycle_check

    t0 = time.perf_counter()
    out = Path(out)
    plan = plan or plan_run(spec)
    scenario_path = _prepare_out(plan, out, resume)
    scn = load_scenario(scenario_path, spec.overrides)
    networks = sorted({p.network(plan.base) for p in plan.candidates})
    specs = {c: cell_spec(plan, c, scenario_path) for c in plan.cells()}
    by_name = {p.name: p for p in plan.candidates}
    live = list(plan.candidates)
    rungs: list[Rung] = []
    cycles = None
    for k, days in enumerate(plan.rungs):
        tr = time.perf_counter()
        cells = sorted({p.cell(plan.base) for p in live})
        computed = 0
        for cell in cells:
            computed += extend_cell(specs[cell], out / "cells" / cell_dir_name(cell), days, workers)
        cycles = cycle_check(scn, networks, days)
        boot = DayBootstrap.draw(np.arange(days), cycles.block_days, spec.seed)
        ev = evaluate(plan, live, out, days, boot)
        n_in = len(ev.names)
        over = [(n, float(c)) for n, c in zip(ev.names, ev.cost) if c > plan.budget_usd]
        if over:
            live = [p for p in live if p.name not in {n for n, _ in over}]
            if not live:
                name = min(ev.names, key=lambda n: ev.cost[ev.index[n]])
                raise InputError(f"--budget {_money(plan.budget_usd)}: below the cheapest portfolio once its flying is "
                                 f"counted ({name}: {_money(ev.cost[ev.index[name]])})")
            ev = evaluate(plan, live, out, days, boot)
        dom = dominance(ev)
        last = k == len(plan.rungs) - 1
        groups = {lever: [p.name for p in live if lever in p.levers] for lever in plan.cfg.lever_ids()}
        kept = list(ev.names) if last else halve(ev, [p.name for p in plan.include], groups=groups)
        rungs.append(Rung(days, list(live), ev, dom, kept, over, len(cells), computed, time.perf_counter() - tr))
        log(f"rung {k + 1}/{len(plan.rungs)}: {n_in} portfolios on {days} days ({len(cells)} cells, "
            f"{computed} new cell-days, {time.perf_counter() - tr:.1f} s)"
            + (f"; {len(over)} over the budget with their flying" if over else "")
            + ("" if last else f"; {len(kept)} go on"))
        live = [by_name[n] for n in kept]
    result = InvestResult(plan, rungs, cycles, 0.0)
    result.marginals = marginals(result)
    result.seconds = time.perf_counter() - t0
    write_outputs(result, out)
    from radar.fileio import atomic_write

    with atomic_write(out / "invest.json") as fh:
        json.dump({"key": plan.key(), "spec": asdict(plan.spec), "complete": True}, fh, sort_keys=True, indent=1)
    return result


# ------------------------------------------------------------------------------------------
# Marginal value of each lever
@dataclass(frozen=True)
class Marginal:
    """The marginal value of one lever at the deepest rung that evaluated portfolios with and without it.

    label: what the change is; pairs: (without, with) portfolio names; delta_cost_usd: mean life-cycle cost
    added over the horizon; delta / lo / hi: mean identified a year added (95 % interval); per_100m (lo, hi):
    identified a year per US$100M of life-cycle cost (NaN when it adds no fixed cost); pair_deltas: each pair's
    own difference (the lever's value depends on the rest of the portfolio); pair_costs: each pair's cost added."""

    lever: str
    kind: str
    label: str
    days: int
    pairs: tuple
    delta_cost_usd: float
    delta: float
    lo: float
    hi: float
    per_100m: float
    per_100m_lo: float
    per_100m_hi: float
    pair_deltas: tuple  # (point, lo, hi) per pair
    pair_costs: tuple  # life-cycle cost added, per pair


def _qra_pairs(options: dict) -> list[tuple[str, str]]:
    """(option without, option with a QRA detachment) pairs of the same aircraft by type."""
    def fleet(o):
        out: dict = {}
        for d in o.detachments:
            out[d.type.id] = out.get(d.type.id, 0) + d.aircraft
        return out

    pairs = []
    for a in options.values():
        for b in options.values():
            qa = any(d.alert == "qra" for d in a.detachments)
            qb = any(d.alert == "qra" for d in b.detachments)
            if not qa and qb and fleet(a) == fleet(b):
                pairs.append((a.id, b.id))
    return pairs


def lever_changes(plan: Plan) -> list[tuple[str, str, str, object]]:
    """(lever, kind, label, f): f(portfolio) -> the portfolio with the change, or None where it does not apply."""
    import dataclasses

    cfg, costs = plan.cfg, plan.costs
    order = [r.id for r in cfg.radars]
    out = []
    for r in cfg.radars:
        out.append((r.id, "radar", f"add {r.id}", lambda p, r=r.id: None if r in p.radars else dataclasses.replace(
            p, radars=tuple(sorted((*p.radars, r), key=order.index)))))
    for c in cfg.contracts:
        out.append((c.id, "availability", f"{c.id} (no contract before)",
                    lambda p, c=c.id: dataclasses.replace(p, contract=c) if not p.contract else None))
    if cfg.link is not None:
        out.append((cfg.link.id, "integration", f"add {cfg.link.id} (integrated picture)",
                    lambda p, ln=cfg.link.id: dataclasses.replace(p, link=ln) if not p.link else None))
    ref = min(cfg.options, key=lambda o: (costs[o].horizon_usd, o))
    for o in cfg.options:
        if o != ref:
            out.append((o, "option", f"{o} instead of {ref}",
                        lambda p, o=o, ref=ref: dataclasses.replace(p, option=o) if p.option == ref else None))
    for a, b in _qra_pairs(plan.options):
        if a in cfg.options and b in cfg.options:
            out.append((b, "qra", f"{b} instead of {a} (QRA detachment)",
                        lambda p, a=a, b=b: dataclasses.replace(p, option=b) if p.option == a else None))
    return out


def marginals(result: InvestResult) -> list[Marginal]:
    """One :class:`Marginal` per lever change, at the deepest rung holding pairs with and without it."""
    out = []
    for lever, kind, label, change in lever_changes(result.plan):
        for rung in reversed(result.rungs):
            ev = rung.evaluation
            pairs = [(p.name, q.name) for p in rung.portfolios if (q := change(p)) is not None and q.name in ev.index]
            if not pairs:
                continue
            base = np.array([[ev.index[a] for a, _ in pairs]])
            with_ = np.array([[ev.index[b] for _, b in pairs]])
            d, lo, hi = (float(x[0]) for x in ev.paired(with_, base))
            dc = float(np.mean(ev.cost[with_[0]] - ev.cost[base[0]]))
            fixed = float(np.mean(ev.fixed[with_[0]] - ev.fixed[base[0]]))
            each = ev.paired(with_.T, base.T)
            # per US$100M only where the lever adds fixed cost (a same-fleet QRA differs by its flying alone)
            per = (lambda v: v / (dc / 1e8)) if fixed > 0 and dc > 0 else (lambda v: math.nan)
            out.append(Marginal(lever, kind, label, rung.days, tuple(pairs), dc, d, lo, hi, per(d), per(lo), per(hi),
                                tuple(zip(*(x.tolist() for x in each))),
                                tuple((ev.cost[with_[0]] - ev.cost[base[0]]).tolist())))
            break
    return out
