"""Investment levers: the ``[invest]`` table of a scenario (what ``airbridge invest`` may buy, and at what cost).

``[invest]`` holds the defaults of the search and the interceptor options that are levers:

* ``budget_musd`` (US$ million; the life-cycle cost a portfolio may reach over the horizon),
  ``horizon_years``, ``base_network`` (the network the radar levers add to), ``options`` (ids of
  ``[[options]]``: the interceptor levers; a portfolio has exactly one; their costs come from the types'
  package or flyaway cost, the pods and ``[[life_cycle]]``, :mod:`scenarios.study.lifecycle`);
* ``[[invest.radars]]``: a radar set that can be added to the base network: ``sites`` (ids of
  ``[radar] sites`` the base network does not have) and/or ``add_sites`` (whole site tables, in the
  schema of ``[radar] sites``, that the scenario does not have: how a network written by a siting study
  enters as a lever), ``acquisition_musd``, ``service_life_years``, ``sustainment_musd_per_year``;
  a portfolio takes any subset of them;
* ``[[invest.availability]]``: a support contract holding the listed radar ``sites`` at
  ``availability`` for ``cost_musd_per_year`` (applied as an override of those sites' availability,
  which keeps their mean outage cycle); a portfolio has at most one;
* ``[invest.integration]``: the civil--military digital link (``acquisition_musd``,
  ``service_life_years``, ``sustainment_musd_per_year``): a portfolio with it is evaluated on the
  ``integrated`` picture, one without it on ``non_integrated``.

Every lever has ``id`` (unique among all levers, options included), a cost, ``source`` and
``confidence`` (``placeholder`` when unsourced; ``sourced_fields`` names the sourced keys of a mixed
entry).  A lever without a cost is refused here (a data entry) or by :func:`check_option_costs` (an
option whose life-cycle cost is not in the data).

Costs over the horizon H (:func:`horizon_cost`): H x (acquisition / service life + sustainment per
year), the straight-line amortisation of :mod:`scenarios.study.lifecycle`; a contract costs H x its
yearly cost.  The sorties' flying is simulated and added by the study.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from radar.errors import InputError

CONFIDENCE = ("sourced", "approximate", "placeholder")
#: lever ids: they name networks, directories and portfolios ("a29_forward+vraem_3d")
_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
INVEST_KEYS = ("budget_musd", "horizon_years", "base_network", "options", "radars", "availability", "integration")
RADAR_KEYS = ("id", "name", "sites", "add_sites", "acquisition_musd", "service_life_years", "sustainment_musd_per_year")
CONTRACT_KEYS = ("id", "name", "sites", "availability", "cost_musd_per_year")
LINK_KEYS = ("id", "name", "acquisition_musd", "service_life_years", "sustainment_musd_per_year")
#: the largest cost figure a lever may have (US$ million): above every defence budget
MAX_MUSD = 1e6


@dataclass(frozen=True)
class RadarLever:
    """A radar set added to the base network.  sites: site ids enabled; add_sites: site tables added to the
    scenario (then enabled); costs in US$ (acquisition), years, US$ a year."""

    id: str
    name: str
    sites: tuple[str, ...]
    add_sites: tuple[dict, ...]
    acquisition_usd: float
    service_life_years: float
    sustainment_per_year_usd: float
    source: str
    confidence: str

    @property
    def site_ids(self) -> tuple[str, ...]:
        return self.sites + tuple(s["id"] for s in self.add_sites)

    @property
    def per_year_usd(self) -> float:
        return self.acquisition_usd / self.service_life_years + self.sustainment_per_year_usd


@dataclass(frozen=True)
class ContractLever:
    """A support contract: ``sites`` held at ``availability`` for ``cost_per_year_usd``."""

    id: str
    name: str
    sites: tuple[str, ...]
    availability: float
    cost_per_year_usd: float
    source: str
    confidence: str

    @property
    def acquisition_usd(self) -> float:
        return 0.0

    @property
    def per_year_usd(self) -> float:
        return self.cost_per_year_usd

    def overrides(self) -> tuple[str, ...]:
        """The ``--set`` texts that apply the contract to a scenario."""
        return tuple(f"radar.sites.{sid}.availability={self.availability!r}" for sid in self.sites)


@dataclass(frozen=True)
class LinkLever:
    """The civil--military digital link (makes the integrated picture available)."""

    id: str
    name: str
    acquisition_usd: float
    service_life_years: float
    sustainment_per_year_usd: float
    source: str
    confidence: str

    @property
    def per_year_usd(self) -> float:
        return self.acquisition_usd / self.service_life_years + self.sustainment_per_year_usd


@dataclass(frozen=True)
class InvestConfig:
    """``[invest]`` of a scenario (None from :func:`load_invest` when the scenario has none)."""

    budget_usd: float
    horizon_years: float
    base_network: str
    options: tuple[str, ...]
    radars: tuple[RadarLever, ...]
    contracts: tuple[ContractLever, ...]
    link: LinkLever | None
    source: str
    confidence: str
    file: str = "scenario"

    def lever_ids(self) -> list[str]:
        return [*self.options, *(r.id for r in self.radars), *(c.id for c in self.contracts),
                *([self.link.id] if self.link else [])]

    def kind(self, lever_id: str) -> str:
        """"option", "radar", "availability" or "integration" (InputError for an unknown id)."""
        if lever_id in self.options:
            return "option"
        if any(r.id == lever_id for r in self.radars):
            return "radar"
        if any(c.id == lever_id for c in self.contracts):
            return "availability"
        if self.link is not None and self.link.id == lever_id:
            return "integration"
        raise InputError(f"--levers {lever_id}: unknown lever: expected one of {', '.join(self.lever_ids())}")

    def select(self, ids) -> "InvestConfig":
        """Only the levers ``ids`` (``--levers``; at least one option); InputError for an unknown id."""
        import dataclasses

        ids = list(ids)
        for i in ids:
            self.kind(i)
        keep = set(ids)
        if not any(o in keep for o in self.options):
            raise InputError(f"--levers {','.join(ids)}: no interceptor option: expected at least one of "
                             + ", ".join(self.options))
        return dataclasses.replace(
            self, options=tuple(o for o in self.options if o in keep),
            radars=tuple(r for r in self.radars if r.id in keep),
            contracts=tuple(c for c in self.contracts if c.id in keep),
            link=self.link if self.link is not None and self.link.id in keep else None)


def horizon_cost(acquisition_usd: float, service_life_years: float, sustainment_per_year_usd: float,
                 horizon_years: float) -> float:
    """Life-cycle cost over the horizon: H x (acquisition / service life + sustainment per year)."""
    return horizon_years * (acquisition_usd / service_life_years + sustainment_per_year_usd)


def _provenance(t) -> tuple[str, str]:
    for key in ("source", "confidence"):
        if not t.has(key):
            raise t.fail(key, "", "is missing: every cost names its source and confidence "
                                  "(confidence = \"placeholder\" when unsourced)")
    return t.str("source"), t.str("confidence", choices=CONFIDENCE)


def _lever_id(t, seen: dict) -> str:
    lid = t.str("id")
    if not _ID.match(lid):
        raise t.fail("id", lid, "expected letters, digits, '_', '.' or '-' (it names portfolios and networks)")
    if lid in seen:
        raise t.fail("id", lid, f"duplicate lever id (also {seen[lid]}): expected ids unique among all levers")
    seen[lid] = t.key("id")
    return lid


def _cost(t, key: str, what: str = "million US$") -> float:
    if not t.has(key):
        raise t.fail(key, "", f"is missing: a lever needs its cost ({what}; confidence = \"placeholder\" when unsourced)")
    return 1e6 * t.float(key, min=0, max=MAX_MUSD, what=what)


def load_invest(scenario) -> InvestConfig | None:
    """:class:`InvestConfig` from the scenario's ``[invest]`` (None when it has none)."""
    root = scenario.root()
    if not root.has("invest"):
        return None
    t = root.table("invest")
    t.check_keys(INVEST_KEYS)
    source, confidence = _provenance(t)
    budget = 1e6 * t.float("budget_musd", min_exclusive=0, max=MAX_MUSD, what="million US$")
    horizon = t.float("horizon_years", min_exclusive=0, max=100, what="years")
    base = t.str("base_network", "peru")
    if base not in scenario.networks:
        raise t.fail("base_network", base, "unknown network: expected one of " + ", ".join(scenario.networks))
    base_sites = {r.site_id for r in scenario.network(base).radars}
    options_known = [o.str("id") for o in root.tables("options")] if root.has("options") else []
    seen: dict[str, str] = {}
    options = []
    for i, oid in enumerate(t.list("options", [])):
        if not isinstance(oid, str) or oid not in options_known:
            raise t.fail(f"options[{i}]", oid, "unknown option: expected an id of [[options]]: " + ", ".join(options_known))
        if oid in seen:
            raise t.fail(f"options[{i}]", oid, "listed twice")
        seen[oid] = t.key(f"options[{i}]")
        options.append(oid)
    sites_known = {s.get("id") for s in root.table("radar").data.get("sites", []) if isinstance(s, dict)}
    radars = tuple(_radar(r, seen, sites_known, base_sites, base) for r in t.tables("radars", []))
    contracts = tuple(_contract(c, seen, sites_known) for c in t.tables("availability", []))
    link = _link(t.table("integration"), seen) if t.has("integration") else None
    added = {}
    for r in radars:
        for s in r.add_sites:
            if s["id"] in added:
                raise InputError(f"{scenario.file}: invest.radars: site {s['id']!r} is added by both "
                                 f"{added[s['id']]} and {r.id}: expected each new site in one radar lever")
            added[s["id"]] = r.id
    return InvestConfig(budget_usd=budget, horizon_years=horizon, base_network=base, options=tuple(options),
                        radars=radars, contracts=contracts, link=link, source=source, confidence=confidence,
                        file=scenario.file)


def _radar(t, seen, sites_known, base_sites, base) -> RadarLever:
    t.check_keys(RADAR_KEYS)
    lid = _lever_id(t, seen)
    source, confidence = _provenance(t)
    sites = []
    for i, sid in enumerate(t.list("sites", [])):
        if not isinstance(sid, str) or sid not in sites_known:
            raise t.fail(f"sites[{i}]", sid, "unknown site: expected an id of [radar] sites")
        if sid in base_sites:
            raise t.fail(f"sites[{i}]", sid, f"already in the base network {base}: expected a site it does not have")
        sites.append(sid)
    add = []
    for i, s in enumerate(t.list("add_sites", [])):
        if not isinstance(s, dict) or not isinstance(s.get("id"), str) or not _ID.match(s["id"]):
            raise t.fail(f"add_sites[{i}]", s, "expected a site table with an id (the schema of [radar] sites)")
        if s["id"] in sites_known:
            raise t.fail(f"add_sites[{i}].id", s["id"], "already a site of the scenario: list it in sites instead")
        add.append(dict(s))
    if not sites and not add:
        raise t.fail("sites", [], "expected at least one site (sites or add_sites)")
    acq = _cost(t, "acquisition_musd")
    life = t.float("service_life_years", min_exclusive=0, max=100, what="years") if t.has("service_life_years") \
        else _missing(t, "service_life_years")
    sustain = _cost(t, "sustainment_musd_per_year", "million US$ a year")
    return RadarLever(lid, t.str("name", lid), tuple(sites), tuple(add), acq, life, sustain, source, confidence)


def _missing(t, key):
    raise t.fail(key, "", "is missing: a lever's acquisition is spread over its service life (years)")


def _contract(t, seen, sites_known) -> ContractLever:
    t.check_keys(CONTRACT_KEYS)
    lid = _lever_id(t, seen)
    source, confidence = _provenance(t)
    sites = []
    for i, sid in enumerate(t.list("sites", [])):
        if not isinstance(sid, str) or sid not in sites_known:
            raise t.fail(f"sites[{i}]", sid, "unknown site: expected an id of [radar] sites")
        sites.append(sid)
    if not sites:
        raise t.fail("sites", [], "expected at least one radar site the contract supports")
    avail = t.float("availability", min_exclusive=0, max=1, what="long-run up fraction")
    cost = _cost(t, "cost_musd_per_year", "million US$ a year")
    return ContractLever(lid, t.str("name", lid), tuple(sites), avail, cost, source, confidence)


def _link(t, seen) -> LinkLever:
    t.check_keys(LINK_KEYS)
    lid = _lever_id(t, seen)
    source, confidence = _provenance(t)
    acq = _cost(t, "acquisition_musd")
    life = t.float("service_life_years", min_exclusive=0, max=100, what="years") if t.has("service_life_years") \
        else _missing(t, "service_life_years")
    sustain = _cost(t, "sustainment_musd_per_year", "million US$ a year")
    return LinkLever(lid, t.str("name", lid), acq, life, sustain, source, confidence)


def check_option_costs(options: tuple[str, ...], costs: dict, file: str = "--levers") -> None:
    """Every interceptor lever has a complete life-cycle cost (``costs``: option id ->
    :class:`scenarios.study.lifecycle.OptionCost`); else one line naming what is missing."""
    for oid in options:
        c = costs.get(oid)
        if c is None or not (math.isfinite(c.acquisition_per_year_usd) and math.isfinite(c.sustainment_per_year_usd)):
            raise InputError(f"{file}: option {oid}: a lever with no cost: its sustainment or service life is not in "
                             "the data (an in-service type needs [[life_cycle]] sustainment_musd_per_aircraft_year; a "
                             "new type needs a [[life_cycle]] entry)")
