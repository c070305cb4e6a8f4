"""Portfolios of investment levers: what they are made of, what they cost, and the study cells that evaluate them.

A **portfolio** is one interceptor option, any subset of the radar levers, at most one availability contract
and the digital link or not (:class:`Portfolio`; its name is its levers joined by ``+`` in that order:
``a29_forward+vraem_3d+tps70_support_90+digital_link``).  What the simulation sees of it:

* the **network**: the base network with the radar levers' sites added (``peru+vraem_3d``), a network of the
  invest scenario (:func:`invest_scenario_raw` writes them as ``[networks."NAME"] = {base, enable}``);
* the **picture**: ``integrated`` with the link, ``non_integrated`` without;
* the **option** (the engagement's detachments);
* the contract's **overrides** of the radars' availability (``radar.sites.ID.availability=A``).

Portfolios that share (contract, network) are rows of one study **cell** (a :class:`scenarios.study.spec.StudySpec`
over that network with every option and picture the cell's portfolios need), so the runner computes a
network-day once for all of them, and every cell sees the same days, flights and draws (common random
numbers: day d depends on (seed, d) only; engagement draws are keyed by option, radar outages by radar).

Fixed cost over the horizon H (:func:`fixed_cost`): H x (the option's acquisition per year + sustainment per
year + each radar's acquisition / life + sustainment + the contract a year + the link's acquisition / life +
sustainment).  The study adds the simulated sorties' flying x H.
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass

from radar.errors import InputError
from scenarios.config.invest import InvestConfig, horizon_cost

NON_INTEGRATED, INTEGRATED = "non_integrated", "integrated"


@dataclass(frozen=True, order=True)
class Portfolio:
    """One choice of levers.  radars: radar lever ids (in the data's order); contract, link: lever id or ""."""

    option: str
    radars: tuple[str, ...] = ()
    contract: str = ""
    link: str = ""

    @property
    def levers(self) -> tuple[str, ...]:
        return (self.option, *self.radars, *((self.contract,) if self.contract else ()),
                *((self.link,) if self.link else ()))

    @property
    def name(self) -> str:
        return "+".join(self.levers)

    @property
    def picture(self) -> str:
        return INTEGRATED if self.link else NON_INTEGRATED

    def network(self, base: str) -> str:
        return network_name(base, self.radars)

    def cell(self, base: str) -> tuple[str, str]:
        """(contract id or "", network): the study cell holding this portfolio's rows."""
        return (self.contract, self.network(base))


def network_name(base: str, radars) -> str:
    return "+".join((base, *radars))


def enumerate_portfolios(cfg: InvestConfig) -> list[Portfolio]:
    """Every combination of the levers: one option x any radar subset x no or one contract x link or not."""
    radar_ids = [r.id for r in cfg.radars]
    subsets = [s for k in range(len(radar_ids) + 1) for s in itertools.combinations(radar_ids, k)]
    contracts = ["", *(c.id for c in cfg.contracts)]
    links = ["", *([cfg.link.id] if cfg.link else [])]
    return [Portfolio(o, tuple(s), c, ln) for o in cfg.options for s in subsets for c in contracts for ln in links]


def parse_portfolio(text: str, cfg: InvestConfig, flag: str = "--include") -> Portfolio:
    """``OPTION+LEVER+...`` -> :class:`Portfolio` (levers in any order); one line naming what is wrong."""
    ids = [x.strip() for x in text.split("+")]
    if not all(ids):
        raise InputError(f"{flag} {text!r}: expected lever ids joined by '+', e.g. {cfg.options[0]}+"
                         f"{(cfg.radars[0].id if cfg.radars else 'LEVER')}")
    options, radars, contracts, links = [], [], [], []
    for i in ids:
        try:
            kind = cfg.kind(i)
        except InputError:
            raise InputError(f"{flag} {text}: lever {i!r} is unknown (or not among --levers): expected one of "
                             + ", ".join(cfg.lever_ids())) from None
        {"option": options, "radar": radars, "availability": contracts, "integration": links}[kind].append(i)
    if len(options) != 1:
        raise InputError(f"{flag} {text}: expected exactly one interceptor option ({', '.join(cfg.options)})")
    if len(contracts) > 1:
        raise InputError(f"{flag} {text}: expected at most one availability contract")
    if len(set(ids)) != len(ids):
        raise InputError(f"{flag} {text}: a lever is named twice")
    order = [r.id for r in cfg.radars]
    return Portfolio(options[0], tuple(sorted(radars, key=order.index)), contracts[0] if contracts else "",
                     links[0] if links else "")


@dataclass(frozen=True)
class LeverCost:
    """One lever's cost: acquisition (US$), per year (US$: acquisition / life + sustainment, or the contract),
    over the horizon (US$), what it is, and its provenance."""

    id: str
    kind: str
    name: str
    acquisition_usd: float
    per_year_usd: float
    horizon_usd: float
    source: str
    confidence: str


def lever_costs(cfg: InvestConfig, option_costs: dict) -> dict[str, LeverCost]:
    """lever id -> :class:`LeverCost` (``option_costs``: :func:`scenarios.study.lifecycle.option_costs`)."""
    h = cfg.horizon_years
    out = {}
    for oid in cfg.options:
        c = option_costs[oid]
        per_year = c.acquisition_per_year_usd + c.sustainment_per_year_usd
        out[oid] = LeverCost(oid, "option", c.basis, c.acquisition_usd, per_year, h * per_year,
                             "[[interceptors]], [[pods]], [[life_cycle]]", c.confidence)
    for r in cfg.radars:
        out[r.id] = LeverCost(r.id, "radar", r.name, r.acquisition_usd, r.per_year_usd,
                              horizon_cost(r.acquisition_usd, r.service_life_years, r.sustainment_per_year_usd, h),
                              r.source, r.confidence)
    for c in cfg.contracts:
        out[c.id] = LeverCost(c.id, "availability", c.name, 0.0, c.per_year_usd, h * c.per_year_usd, c.source,
                              c.confidence)
    if cfg.link is not None:
        ln = cfg.link
        out[ln.id] = LeverCost(ln.id, "integration", ln.name, ln.acquisition_usd, ln.per_year_usd,
                               horizon_cost(ln.acquisition_usd, ln.service_life_years, ln.sustainment_per_year_usd, h),
                               ln.source, ln.confidence)
    return out


def fixed_cost(p: Portfolio, costs: dict[str, LeverCost]) -> float:
    """The portfolio's cost over the horizon before the sorties' flying (US$)."""
    return sum(costs[lever].horizon_usd for lever in p.levers)


# ------------------------------------------------------------------------------------------
# The invest scenario: the base scenario + the radar levers' networks (and their added sites)
def invest_scenario_raw(base_raw: dict, cfg: InvestConfig, portfolios) -> dict:
    """The base scenario's merged table (without overrides) with the sites the radar levers add (disabled: only
    their networks enable them) and one network per radar subset the portfolios use."""
    raw = copy.deepcopy(base_raw)
    sites = raw.setdefault("radar", {}).setdefault("sites", [])
    for r in cfg.radars:
        for s in r.add_sites:
            sites.append({**copy.deepcopy(s), "enabled": False})
    # the added sites are now the scenario's: its radar levers name them as sites (so the file loads, and a
    # --set of invest.* still finds its key)
    for entry in raw.get("invest", {}).get("radars", []):
        if isinstance(entry, dict) and entry.get("add_sites"):
            entry["sites"] = [*entry.get("sites", []), *(s["id"] for s in entry.pop("add_sites"))]
    nets = raw.setdefault("networks", {})
    by_id = {r.id: r for r in cfg.radars}
    for subset in sorted({p.radars for p in portfolios if p.radars}):
        name = network_name(cfg.base_network, subset)
        if name in nets:
            raise InputError(f"{cfg.file}: networks.{name}: the invest scenario names this network for the radar "
                             "levers: expected no network of that name")
        enable = [sid for rid in subset for sid in by_id[rid].site_ids]
        nets[name] = {"base": cfg.base_network, "enable": enable,
                      "description": f"{cfg.base_network} + " + ", ".join(by_id[rid].name for rid in subset)}
    return raw


def toml_document(raw: dict) -> str:
    """A TOML document holding ``raw`` (tables as sections, arrays of tables as ``[[...]]``, everything below an
    array element inline); :func:`check_round_trip` verifies it reads back equal."""
    from scenarios.config.overrides import key_text, toml_value

    lines: list[str] = []

    def is_aot(v) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)

    def section(node: dict, path: tuple[str, ...]) -> None:
        for k, v in node.items():
            if not isinstance(v, dict) and not is_aot(v):
                lines.append(f"{key_text(k)} = {toml_value(v)}")
        for k, v in node.items():
            if isinstance(v, dict):
                p = (*path, k)
                lines.extend(["", f"[{'.'.join(key_text(x) for x in p)}]"])
                section(v, p)
        for k, v in node.items():
            if is_aot(v):
                p = (*path, k)
                for item in v:
                    lines.extend(["", f"[[{'.'.join(key_text(x) for x in p)}]]"])
                    lines.extend(f"{key_text(ik)} = {toml_value(iv)}" for ik, iv in item.items())

    section(raw, ())
    return "\n".join(lines).lstrip("\n") + "\n"


def check_round_trip(text: str, raw: dict) -> None:
    import tomllib

    if tomllib.loads(text) != raw:
        raise RuntimeError("the invest scenario does not read back as written (a defect of toml_document)")
