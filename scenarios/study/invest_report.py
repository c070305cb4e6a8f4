"""The tables of ``airbridge invest``: ``frontier.csv``, ``marginal.csv``, ``marginal_pairs.csv``, ``frontier.png``,
the frontier's steps and the lines the command prints; all from :class:`scenarios.study.invest.InvestResult`
(``report.md`` and writing them all at once: :mod:`scenarios.study.invest_markdown`)."""
from __future__ import annotations

import math
from pathlib import Path

FRONTIER_HEADER = ("portfolio,option,radars,availability,integration,network,picture,days,lifecycle_cost_usd,"
                   "fixed_cost_usd,flying_cost_usd,identified_per_year,identified_per_year_lo95,"
                   "identified_per_year_hi95,status,on_frontier,dominated_by")
MARGINAL_HEADER = ("lever,kind,change,days,pairs,delta_cost_usd,delta_identified_per_year,delta_lo95,delta_hi95,"
                   "identified_per_year_per_100musd,per_100musd_lo95,per_100musd_hi95,pair_min,pair_max")
PAIRS_HEADER = ("lever,kind,without,with,days,delta_cost_usd,delta_identified_per_year,delta_lo95,delta_hi95")


def _n(v, fmt="{:.1f}") -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)


def money(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if v < 0:
        return "−" + money(-v)
    if abs(v) >= 1e9:
        return f"US${v / 1e9:,.2f}B"
    return f"US${v / 1e6:,.1f}M" if abs(v) >= 1e6 else f"US${v:,.0f}"


def _ci(p, lo, hi, fmt="{:,.0f}") -> str:
    return f"{fmt.format(p)} [{fmt.format(lo)}, {fmt.format(hi)}]"


def _signed(p, lo, hi, fmt="{:+,.0f}") -> str:
    return f"{fmt.format(p)} [{fmt.format(lo)}, {fmt.format(hi)}]"


def frontier_rows(result) -> list[dict]:
    """One dict per evaluated portfolio: the last rung's (frontier, dominated), then those halving left behind
    (eliminated, at the days of their last rung), then those over the budget once their flying was counted."""
    plan = result.plan
    by_name = {p.name: p for p in plan.candidates}
    rows, seen = [], set()
    for k, rung in enumerate(reversed(result.rungs)):
        ev, dom = rung.evaluation, rung.dominance
        for i, name in enumerate(ev.names):
            if name in seen:
                continue
            seen.add(name)
            final = k == 0
            status = ("frontier" if dom.on_frontier[i] else "dominated") if final else "eliminated"
            rows.append(_row(plan, by_name[name], rung, i, status, final and bool(dom.on_frontier[i]),
                             ev.names[dom.dominated_by[i]] if dom.dominated_by[i] >= 0 else ""))
    for rung in result.rungs:
        for name, cost in rung.over_budget:
            if name not in seen:
                seen.add(name)
                p = by_name[name]
                rows.append({**_ids(plan, p), "days": rung.days, "lifecycle_cost_usd": cost,
                             "fixed_cost_usd": plan.fixed[name], "flying_cost_usd": cost - plan.fixed[name],
                             "identified_per_year": math.nan, "lo": math.nan, "hi": math.nan,
                             "status": "over_budget", "on_frontier": False, "dominated_by": ""})
    order = {"frontier": 0, "dominated": 0, "eliminated": 1, "over_budget": 2}
    rows.sort(key=lambda r: (order[r["status"]], -r["days"], r["lifecycle_cost_usd"], r["portfolio"]))
    return rows


def _ids(plan, p) -> dict:
    return {"portfolio": p.name, "option": p.option, "radars": "+".join(p.radars), "availability": p.contract,
            "integration": p.link, "network": p.network(plan.base), "picture": p.picture}


def _row(plan, p, rung, i, status, on_frontier, dominated_by) -> dict:
    ev = rung.evaluation
    return {**_ids(plan, p), "days": rung.days, "lifecycle_cost_usd": float(ev.cost[i]),
            "fixed_cost_usd": float(ev.fixed[i]), "flying_cost_usd": float(ev.horizon_years * ev.flying_per_year[i]),
            "identified_per_year": float(ev.identified[i]), "lo": float(ev.lo[i]), "hi": float(ev.hi[i]),
            "status": status, "on_frontier": on_frontier, "dominated_by": dominated_by}


def write_frontier_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w") as fh:
        fh.write(FRONTIER_HEADER + "\n")
        for r in rows:
            fh.write(",".join([
                r["portfolio"], r["option"], r["radars"], r["availability"], r["integration"], r["network"],
                r["picture"], str(r["days"]), _n(r["lifecycle_cost_usd"], "{:.0f}"), _n(r["fixed_cost_usd"], "{:.0f}"),
                _n(r["flying_cost_usd"], "{:.0f}"), _n(r["identified_per_year"]), _n(r["lo"]), _n(r["hi"]),
                r["status"], "true" if r["on_frontier"] else "false", r["dominated_by"]]) + "\n")


def write_marginal_csv(path: Path, pairs_path: Path, marginals) -> None:
    with open(path, "w") as fh, open(pairs_path, "w") as fp:
        fh.write(MARGINAL_HEADER + "\n")
        fp.write(PAIRS_HEADER + "\n")
        for m in marginals:
            pd = [d for d, _, _ in m.pair_deltas]
            fh.write(",".join([m.lever, m.kind, m.label, str(m.days), str(len(m.pairs)), _n(m.delta_cost_usd, "{:.0f}"),
                               _n(m.delta), _n(m.lo), _n(m.hi), _n(m.per_100m, "{:.2f}"), _n(m.per_100m_lo, "{:.2f}"),
                               _n(m.per_100m_hi, "{:.2f}"), _n(min(pd)), _n(max(pd))]) + "\n")
            for (a, b), (d, lo, hi), dc in zip(m.pairs, m.pair_deltas, m.pair_costs):
                fp.write(",".join([m.lever, m.kind, a, b, str(m.days), _n(dc, "{:.0f}"), _n(d), _n(lo), _n(hi)]) + "\n")


# ------------------------------------------------------------------------------------------
def frontier_steps(result) -> list[dict]:
    """The frontier in cost order; each point with what it buys over the previous one (paired, same days)."""
    rung = result.rungs[-1]
    ev, dom = rung.evaluation, rung.dominance
    idx = sorted((i for i in range(len(ev.names)) if dom.on_frontier[i]), key=lambda i: (ev.cost[i], ev.names[i]))
    by_name = {p.name: p for p in rung.portfolios}
    out, prev = [], None
    for i in idx:
        step = {"i": i, "name": ev.names[i], "cost": float(ev.cost[i]), "y": float(ev.identified[i]),
                "lo": float(ev.lo[i]), "hi": float(ev.hi[i])}
        if prev is not None:
            d, lo, hi = ev.delta(i, prev)
            dc = float(ev.cost[i] - ev.cost[prev])
            a, b = set(by_name[ev.names[prev]].levers), set(by_name[ev.names[i]].levers)
            step.update(d=d, d_lo=lo, d_hi=hi, dc=dc, added=sorted(b - a), removed=sorted(a - b),
                        per_100m=d / (dc / 1e8) if dc > 0 else math.nan)
        out.append(step)
        prev = i
    return out


def compared(result) -> list[tuple]:
    """(A, B, Δcost, Δidentified, lo, hi) for each pair of the --include portfolios at the last rung."""
    rung = result.rungs[-1]
    ev = rung.evaluation
    names = [p.name for p in result.plan.include if p.name in ev.index]
    out = []
    for k, a in enumerate(names):
        for b in names[k + 1:]:
            i, j = ev.index[a], ev.index[b]
            d, lo, hi = ev.delta(i, j)
            out.append((a, b, float(ev.cost[i] - ev.cost[j]), d, lo, hi))
    return out


def lines(result) -> list[str]:
    """What the command prints after the rungs: the frontier, the marginal values, the compared portfolios."""
    plan = result.plan
    out = [f"frontier ({len(frontier_steps(result))} of {len(result.rungs[-1].evaluation.names)} portfolios on "
           f"{result.rungs[-1].days} days; life-cycle cost over {plan.horizon_years:g} years, identified a year, "
           "95 % CI):"]
    for s in frontier_steps(result):
        buys = ""
        if "d" in s:
            buys = (f"   +{money(s['dc'])}: {_signed(s['d'], s['d_lo'], s['d_hi'])}/yr"
                    + (f" ({'+' + ', +'.join(s['added']) if s['added'] else ''}"
                       f"{'; ' if s['added'] and s['removed'] else ''}"
                       f"{'-' + ', -'.join(s['removed']) if s['removed'] else ''})"))
        out.append(f"  {money(s['cost']):>10}  {_ci(s['y'], s['lo'], s['hi']):>16}  {s['name']}{buys}")
    if result.marginals:
        out.append("marginal value of each lever (identified a year per US$100M of life-cycle cost, 95 % CI; mean of "
                   "the pairs with and without it):")
        for m in result.marginals:
            per = (_signed(m.per_100m, m.per_100m_lo, m.per_100m_hi, "{:+,.1f}") if math.isfinite(m.per_100m)
                   else "same fixed cost")
            out.append(f"  {m.label:<52} {per:>26}   Δ {_signed(m.delta, m.lo, m.hi)}/yr for {money(m.delta_cost_usd)}"
                       f" ({len(m.pairs)} pairs, {m.days} days)")
    for a, b, dc, d, lo, hi in compared(result):
        out.append(f"compared: {a} − {b}: {_signed(d, lo, hi)} identified/yr, cost {money(dc)}")
    return out


# ------------------------------------------------------------------------------------------
def figure(path: Path, result, rows) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plan = result.plan
    fig, ax = plt.subplots(figsize=(10, 6.5), dpi=100, layout="constrained")
    elim = [r for r in rows if r["status"] == "eliminated"]
    if elim:
        ax.scatter([r["lifecycle_cost_usd"] / 1e9 for r in elim], [r["identified_per_year"] for r in elim], s=10,
                   marker="x", color="0.75", label="eliminated by halving (fewer days)")
    for status, color, label in (("dominated", "0.45", "dominated (last rung)"), ("frontier", "C3", "frontier")):
        sel = [r for r in rows if r["status"] == status]
        if sel:
            y = [r["identified_per_year"] for r in sel]
            ax.errorbar([r["lifecycle_cost_usd"] / 1e9 for r in sel], y,
                        yerr=[[a - r["lo"] for a, r in zip(y, sel)], [r["hi"] - a for a, r in zip(y, sel)]],
                        fmt="o", ms=4 if status == "dominated" else 6, color=color, ecolor=color, elinewidth=0.8,
                        capsize=2, label=label)
    steps = frontier_steps(result)
    if steps:
        ax.step([s["cost"] / 1e9 for s in steps], [s["y"] for s in steps], where="post", color="C3", lw=1.2)
        for k, s in enumerate(steps):
            ax.annotate(s["name"], (s["cost"] / 1e9, s["y"]), textcoords="offset points",
                        xytext=(6, -12 if k % 2 == 0 else 8), fontsize=6, color="C3")
    for p in plan.include:
        r = next((r for r in rows if r["portfolio"] == p.name and r["status"] in ("frontier", "dominated")), None)
        if r is not None and not r["on_frontier"]:
            ax.annotate(p.name, (r["lifecycle_cost_usd"] / 1e9, r["identified_per_year"]), textcoords="offset points",
                        xytext=(4, 4), fontsize=6, color="0.3")
    ax.axvline(plan.budget_usd / 1e9, color="k", ls="--", lw=0.8, label=f"budget {money(plan.budget_usd)}")
    ax.set_xscale("log")
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if round(v / 10 ** math.floor(math.log10(v)))
                                               in (2, 5) else ""))
    ax.set_xlabel(f"life-cycle cost over {plan.horizon_years:g} years, US$B, log scale (acquisition / service life + "
                  "sustainment + contract + flying, x years)")
    ax.set_ylabel("drug flights identified airborne a year (95 % CI)")
    last = result.rungs[-1]
    ax.set_title(f"airbridge invest: {len(plan.candidates)} portfolios, successive halving to {len(last.portfolios)} "
                 f"on {last.days} days, seed {plan.spec.seed}", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    fig.savefig(path)
    plt.close(fig)
