"""Life-cycle cost of the interceptor options, and per identified flight, with the study's intervals.

Per option (:func:`option_costs`, from the scenario's data):

* **acquisition** = Σ over its detachments of aircraft x the type's package cost per aircraft
  (``package_musd_per_aircraft``: aircraft, engines, weapons, initial support), else its flyaway unit cost,
  + the pods it buys outside the packages (one per aircraft, ``[[pods]]``); 0 for an in-service type
  (sunk);
* **acquisition per year** = acquisition / the type's ``service_life_years`` (``[[life_cycle]]``; straight
  line, no discounting, no residual value);
* **sustainment per year** = ``sustainment_fraction_per_year`` x acquisition, or
  ``sustainment_musd_per_aircraft_year`` x aircraft: what the fleet costs a year besides the simulated
  sorties (NaN: not in the data);
* what US$3.5B buys (:func:`scenarios.study.scores.buys_for_options`).

Per network x picture x option of a study (:func:`life_cycle_rows`):

* **flying per year**: the simulated sorties' cost (flight hours x cost per flight hour, scrambles on
  anything included) over the study's days, scaled to 365 days;
* **identified per year**: the study's identified flights per simulated day x 365, i.e. P(identified
  airborne) x the drug flights a year of the study's own traffic (its scenario's rate; the row says how
  many);
* **cost per identified flight**, without acquisition (flying + sustainment) and with it (+ acquisition
  per year): yearly cost / identified per year.

Intervals (95 %) are those of the study (:mod:`scenarios.study.uncertainty`): the same circular block
bootstrap over whole days recomputes identified and flying cost per replicate; the fixed costs
(acquisition, sustainment) enter each replicate unchanged, so the intervals show the uncertainty of the
simulated rate, not of the placeholder cost figures.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.study.uncertainty import DayBootstrap, interval, ratio_interval

YEAR_DAYS = 365.0
_RANK = {"sourced": 0, "approximate": 1, "placeholder": 2}


@dataclass(frozen=True)
class OptionCost:
    """Life-cycle figures of one option (US$; NaN where the data have none).

    acquisition_usd: aircraft packages (or flyaway) + pods outside them; 0 for in-service aircraft.
    acquisition_per_year_usd: acquisition / service life.  sustainment_per_year_usd: besides the sorties.
    service_life_years: of its new types (NaN: none, or several different).
    basis: how the acquisition is made up, in words.  confidence: the lowest of the figures used.
    aircraft_for_3_5b: aircraft US$3.5B buys (NaN: not a fighter buy).
    """

    option: str
    aircraft: int
    acquisition_usd: float
    acquisition_per_year_usd: float
    sustainment_per_year_usd: float
    service_life_years: float
    basis: str
    confidence: str
    aircraft_for_3_5b: float = math.nan

    @property
    def fixed_per_year_usd(self) -> float:
        """Acquisition per year + sustainment per year."""
        return self.acquisition_per_year_usd + self.sustainment_per_year_usd


def _lowest(confidences) -> str:
    known = [c for c in confidences if c in _RANK]
    if not known:
        return "unspecified" if confidences else ""
    return max(known, key=_RANK.__getitem__)


def _count(parts: dict, text: str, n: int) -> None:
    parts[text] = parts.get(text, 0) + n


def option_costs(options, life: dict, buys: dict | None = None) -> dict[str, OptionCost]:
    """option id -> :class:`OptionCost` (``life``: :func:`scenarios.config.lifecycle.load_life_cycle`;
    ``buys``: option id -> aircraft US$3.5B buys)."""
    buys = buys or {}
    out = {}
    for opt in options:
        acq = per_year = sustain = 0.0
        lives, conf = set(), []
        parts: dict[str, int] = {}  # basis text per aircraft (type, price, pod) -> aircraft
        for d in opt.detachments:
            t = d.type
            lc = life.get(t.id)
            if t.in_service:
                _count(parts, f"{t.id} in service (sunk)", d.aircraft)
                if lc is not None and math.isfinite(lc.sustainment_usd_per_aircraft_year):
                    sustain += d.aircraft * lc.sustainment_usd_per_aircraft_year
                    conf.append(lc.confidence)
                else:
                    sustain = math.nan
                continue
            package = t.package_cost_usd if math.isfinite(t.package_cost_usd) else t.unit_cost_usd
            what = "package" if math.isfinite(t.package_cost_usd) else "flyaway"
            a = d.aircraft * package + d.pod_cost_usd
            _count(parts, f"{t.id} at US${package / 1e6:,.0f}M ({what})"
                   + (f" + a {d.pod.id} pod at US${d.pod.unit_cost_usd / 1e6:,.1f}M" if d.pod_cost_usd > 0 else ""),
                   d.aircraft)
            conf.append(t.confidence)
            if d.pod_cost_usd > 0:
                conf.append(d.pod.confidence)
            acq += a
            if lc is None:
                per_year = sustain = math.nan
                continue
            lives.add(lc.service_life_years)
            conf.append(lc.confidence)
            per_year += a / lc.service_life_years
            if math.isfinite(lc.sustainment_fraction_per_year):
                sustain += lc.sustainment_fraction_per_year * a
            else:
                sustain += d.aircraft * lc.sustainment_usd_per_aircraft_year
        out[opt.id] = OptionCost(
            option=opt.id, aircraft=opt.aircraft, acquisition_usd=acq, acquisition_per_year_usd=per_year,
            sustainment_per_year_usd=sustain, service_life_years=lives.pop() if len(lives) == 1 else math.nan,
            basis="; ".join(f"{n} x {text}" for text, n in parts.items()), confidence=_lowest(conf), aircraft_for_3_5b=buys.get(opt.id, math.nan))
    return out


@dataclass(frozen=True)
class LifeCycleRow:
    """Life-cycle cost of one network x picture x option of a study (US$ per year, per identified flight).

    days: simulated days; flights_per_year: drug flights a year at the study's traffic; identified_per_year:
    identified flights a year (95 % interval *_lo / *_hi); flying_per_year_usd: the sorties' cost a year;
    cost_per_id_operating_usd: (flying + sustainment) / identified; cost_per_id_total_usd: + acquisition per year.
    """

    network: str
    picture: str
    option: str
    days: int
    flights_per_year: float
    identified_per_year: float
    identified_per_year_lo: float
    identified_per_year_hi: float
    flying_per_year_usd: float
    sustainment_per_year_usd: float
    acquisition_per_year_usd: float
    cost_per_id_operating_usd: float
    cost_per_id_operating_lo: float
    cost_per_id_operating_hi: float
    cost_per_id_total_usd: float
    cost_per_id_total_lo: float
    cost_per_id_total_hi: float


def life_cycle_rows(res: dict, days_per_network: dict, costs: dict[str, OptionCost],
                    boot: DayBootstrap) -> list[LifeCycleRow]:
    """One :class:`LifeCycleRow` per network x picture x option of the result columns ``res`` (as
    :func:`scenarios.study.scores.table` gives them), with ``boot``'s intervals."""
    from scenarios.study.scores import _codes, _combo_names

    out: list[LifeCycleRow] = []
    if len(res["network"]) == 0:
        return out
    names_n, net_c = _codes(res["network"])
    names_m, mode_c = _codes(res["mode"])
    names_o, opt_c = _codes(res["option"])
    combo = (net_c * len(names_m) + mode_c) * len(names_o) + opt_c
    keys_c, group = np.unique(combo, return_inverse=True)
    n_groups = keys_c.size
    drug = res["false_scramble"] != 1
    ident = drug & (res["outcome"] == "identified_airborne")
    cost = np.nan_to_num(res["cost_usd"], nan=0.0)
    per_day = boot.day_sums(res["day"], np.column_stack([drug, ident, cost]).astype(np.float64), group, n_groups)
    tot = per_day.sum(axis=0).reshape(n_groups, 3)
    rep = boot.resample(per_day).reshape(-1, n_groups, 3)
    f = boot.inflation
    positive = (0.0, math.inf)
    k_lo, k_hi = interval(rep[:, :, 1], tot[:, 1], f, positive)
    for g in sorted(range(n_groups), key=lambda g: _combo_names(keys_c[g], names_n, names_m, names_o)):
        net, mode, opt = _combo_names(keys_c[g], names_n, names_m, names_o)
        c = costs.get(opt)
        days = int(days_per_network.get(net, 0))
        scale = YEAR_DAYS / days if days else math.nan
        n, k, flying = tot[g]
        sustain = c.sustainment_per_year_usd if c else math.nan
        acq = c.acquisition_per_year_usd if c else math.nan
        per_id = {}
        for name, fixed in (("operating", sustain), ("total", sustain + acq)):
            # the fixed cost of the study's days enters every replicate unchanged
            fixed_days = fixed / scale if days else math.nan
            point = (fixed_days + flying) / k if k > 0 else math.nan
            if math.isfinite(point):
                lo, hi = ratio_interval(fixed_days + rep[:, g, 2], rep[:, g, 1], point, f, positive)
                per_id[name] = (point, float(lo), float(hi))
            else:
                per_id[name] = (math.nan, math.nan, math.nan)
        out.append(LifeCycleRow(
            network=net, picture=mode, option=opt, days=days, flights_per_year=n * scale,
            identified_per_year=k * scale, identified_per_year_lo=float(k_lo[g]) * scale,
            identified_per_year_hi=float(k_hi[g]) * scale, flying_per_year_usd=flying * scale,
            sustainment_per_year_usd=sustain, acquisition_per_year_usd=acq,
            cost_per_id_operating_usd=per_id["operating"][0], cost_per_id_operating_lo=per_id["operating"][1],
            cost_per_id_operating_hi=per_id["operating"][2], cost_per_id_total_usd=per_id["total"][0],
            cost_per_id_total_lo=per_id["total"][1], cost_per_id_total_hi=per_id["total"][2]))
    return out


# ------------------------------------------------------------------------------------------
# Outputs
LIFECYCLE_HEADER = ("network,mode,option,aircraft,acquisition_usd,service_life_years,acquisition_per_year_usd,"
                    "sustainment_per_year_usd,flying_per_year_usd,days,flights_per_year,identified_per_year,"
                    "identified_per_year_lo95,identified_per_year_hi95,cost_per_identified_operating_usd,"
                    "cost_per_identified_operating_lo95,cost_per_identified_operating_hi95,"
                    "cost_per_identified_total_usd,cost_per_identified_total_lo95,cost_per_identified_total_hi95,"
                    "aircraft_for_3_5b,confidence")


def _num(v, fmt="{:.0f}") -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def write_csv(path, rows: list[LifeCycleRow], costs: dict[str, OptionCost]) -> None:
    """``lifecycle.csv``: one line per row (the picture is the column ``mode``, as in summary.csv)."""
    with open(path, "w") as fh:
        fh.write(LIFECYCLE_HEADER + "\n")
        for r in rows:
            c = costs.get(r.option)
            fh.write(",".join([
                r.network, r.picture, r.option, str(c.aircraft) if c else "", _num(c.acquisition_usd if c else None),
                _num(c.service_life_years if c else None, "{:g}"), _num(r.acquisition_per_year_usd),
                _num(r.sustainment_per_year_usd), _num(r.flying_per_year_usd), str(r.days),
                _num(r.flights_per_year, "{:.1f}"), _num(r.identified_per_year, "{:.1f}"),
                _num(r.identified_per_year_lo, "{:.1f}"), _num(r.identified_per_year_hi, "{:.1f}"),
                _num(r.cost_per_id_operating_usd), _num(r.cost_per_id_operating_lo), _num(r.cost_per_id_operating_hi),
                _num(r.cost_per_id_total_usd), _num(r.cost_per_id_total_lo), _num(r.cost_per_id_total_hi),
                _num(c.aircraft_for_3_5b if c else None, "{:.1f}"), c.confidence if c else ""]) + "\n")


def money(v) -> str:
    """US$ in a report: "$3.42B", "$1.4M", "$352k", "$14,237"; "—" for none."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if abs(v) >= 1e9:
        return f"${v / 1e9:,.2f}B"
    if abs(v) >= 1e6:
        return f"${v / 1e6:,.1f}M"
    return f"${v / 1e3:,.0f}k" if abs(v) >= 1e5 else f"${v:,.0f}"


def _ci(point, lo, hi, fmt=money) -> str:
    if point is None or (isinstance(point, float) and math.isnan(point)):
        return "—"
    if math.isnan(lo) or math.isnan(hi):
        return fmt(point)
    return f"{fmt(point)} [{fmt(lo)}, {fmt(hi)}]"


def markdown(rows: list[LifeCycleRow], costs: dict[str, OptionCost], order=None, names=None) -> str:
    """The report's life-cycle section: the options' acquisition and sustainment, then cost per identified
    flight with and without acquisition per network x picture x option (in ``order``: (network, picture,
    option) keys, default the rows' order); ``names``: option id -> display name, shown beside the id."""
    names = names or {}

    def option(oid: str) -> str:
        return f"{names[oid]} (`{oid}`)" if names.get(oid, oid) != oid else oid

    lines = ["## Life-cycle cost", "",
             "Acquisition = aircraft x package cost per aircraft (flyaway where no package is known) + pods bought "
             "outside the package, spread over the service life (straight line, no discounting); sustainment per "
             "year comes on top of the simulated sorties' flight hours; in-service aircraft are sunk cost. Figures "
             "and their confidence are in the scenario's `[[interceptors]]`, `[[pods]]` and `[[life_cycle]]` "
             "(change them with `--set`, e.g. `life_cycle.gripen_ef.service_life_years=40`).", "",
             "| option | aircraft | acquisition | service life | acquisition / year | sustainment / year | "
             "aircraft US$3.5B buys | basis | confidence |", "|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for c in costs.values():
        life = f"{c.service_life_years:g} y" if math.isfinite(c.service_life_years) else "—"
        sustain = money(c.sustainment_per_year_usd) if math.isfinite(c.sustainment_per_year_usd) else "not in the data"
        lines.append(f"| {option(c.option)} | {c.aircraft} | {money(c.acquisition_usd) if c.acquisition_usd else 'sunk'} | "
                     f"{life} | {money(c.acquisition_per_year_usd) if c.acquisition_usd else '—'} | {sustain} | "
                     f"{_num(c.aircraft_for_3_5b) or '—'} | {c.basis} | {c.confidence or '—'} |")
    if rows:
        r0 = rows[0]
        lines += ["", f"Per year at the study's traffic: the identified flights per simulated day x 365 (the study "
                      f"simulates {r0.flights_per_year:,.0f} drug flights a year, {r0.days} days), and the sorties' "
                      "flying cost likewise; cost per identified flight = cost per year / identified per year. 95 % "
                      "intervals: the study's block bootstrap over days (the cost figures are taken as given).", "",
                  "| network | picture | option | identified / year [95 % CI] | flying / year | "
                  "per identified: flying + sustainment [95 % CI] | per identified: with acquisition [95 % CI] |",
                  "|---|---|---|---:|---:|---:|---:|"]
        by_key = {(r.network, r.picture, r.option): r for r in rows}
        keys = [k for k in (order or by_key) if k in by_key]
        for key in keys:
            r = by_key[key]
            ident = _ci(r.identified_per_year, r.identified_per_year_lo, r.identified_per_year_hi,
                        lambda v: f"{v:,.0f}")
            lines.append(f"| `{r.network}` | {r.picture} | {option(r.option)} | {ident} | {money(r.flying_per_year_usd)} | "
                         f"{_ci(r.cost_per_id_operating_usd, r.cost_per_id_operating_lo, r.cost_per_id_operating_hi)} | "
                         f"{_ci(r.cost_per_id_total_usd, r.cost_per_id_total_lo, r.cost_per_id_total_hi)} |")
    return "\n".join(lines) + "\n\n"
