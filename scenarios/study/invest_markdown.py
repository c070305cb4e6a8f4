"""``report.md`` of ``airbridge invest``: the levers and their costs, the successive halving, the portfolios of the
last rung in one table (frontier or dominated, and by what), what each frontier point buys, the marginal value
of each lever, the compared portfolios, and how to read them; and :func:`write_outputs`, which writes every
output file at once (an interrupted run leaves none of them half-written)."""
from __future__ import annotations

import math

from scenarios.study.frontier import __doc__ as _FRONTIER_DOC
from scenarios.study.invest_report import (_ci, _signed, compared, figure, frontier_rows, frontier_steps, money,
                                           write_frontier_csv, write_marginal_csv)


def _rule() -> str:
    """The dominance rule, as :mod:`scenarios.study.frontier` states it."""
    text = _FRONTIER_DOC.split("**Dominance rule.**", 1)[1].split("**Shortfall**", 1)[0]
    return " ".join(text.split())


def markdown(result, rows) -> str:
    plan = result.plan
    cfg = plan.cfg
    last = result.rungs[-1]
    ev = last.evaluation
    h = plan.horizon_years
    lines = ["# Investment frontier (`airbridge invest`)", "",
             f"Budget {money(plan.budget_usd)} of life-cycle cost over {h:g} years; base network `{cfg.base_network}`; "
             f"seed {plan.spec.seed}. {len(plan.candidates)} portfolios within the budget before their flying were "
             f"searched by successive halving on common random numbers (every portfolio sees the same days, flights "
             f"and draws) down to {len(ev.names)} on {last.days} days "
             f"({ev.flights_per_year:,.0f} drug flights a year at the scenario's traffic); "
             f"{len(plan.over_budget)} combinations cost more than the budget before any flying"
             + (f", {plan.not_sampled} within it were left out of the sample (--max-portfolios)" if plan.not_sampled
                else "") + f". Run time {result.seconds:.0f} s.", ""]
    if plan.over_budget:
        cheapest_over = sorted(plan.over_budget, key=lambda x: (x[1], x[0].name))[:5]
        lines += ["Cheapest combinations over the budget (not evaluated): " + "; ".join(
            f"`{p.name}` {money(c)}" for p, c in cheapest_over) + ".", ""]
    # levers
    lines += ["## Levers and their costs", "",
              f"Over the horizon a lever costs {h:g} x (acquisition / service life + sustainment a year), a contract "
              f"{h:g} x its yearly cost; a portfolio adds the simulated sorties' flying x {h:g}. Interceptor options come "
              "from `[[interceptors]]`, `[[pods]]` and `[[life_cycle]]`, the others from `[invest]`; change any with "
              "`--set` (e.g. `--set invest.radars.vraem_3d.acquisition_musd=30`).", "",
              "| lever | kind | what | acquisition | a year | over the horizon | source | confidence |",
              "|---|---|---|---:|---:|---:|---|---|"]
    for c in plan.costs.values():
        lines.append(f"| `{c.id}` | {c.kind} | {c.name} | {money(c.acquisition_usd) if c.acquisition_usd else '—'} | "
                     f"{money(c.per_year_usd)} | {money(c.horizon_usd)} | {c.source} | {c.confidence} |")
    # halving
    lines += ["", "## Successive halving", "",
              "Each rung evaluates the portfolios still in on days 0..D−1 and keeps the half with the least shortfall "
              "(identified a year behind the best portfolio that costs no more), the best portfolio holding each lever "
              "and the `--include` ones; the next rung doubles the days. A lever whose effect needs weeks of radar "
              "states (an availability contract) can look worthless on the first rung's days: that is why each lever "
              "keeps a portfolio. A (contract, network) cell is one study of the trade-off runner: a rung only adds "
              "the days its store lacks.", "",
              "| rung | days | portfolios | cells | new cell-days | over the budget with flying | go on | seconds |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for k, r in enumerate(result.rungs):
        lines.append(f"| {k + 1} | {r.days} | {len(r.evaluation.names) + len(r.over_budget)} | {r.cells} | {r.computed_days} | "
                     f"{len(r.over_budget)} | {len(r.kept) if k < len(result.rungs) - 1 else '—'} | {r.seconds:.0f} |")
    # the one table
    lines += ["", f"## The portfolios of the last rung ({last.days} days)", "",
              "Sorted by life-cycle cost. *frontier*: identifies demonstrably more than every portfolio that costs no "
              "more; otherwise *dominated by* the cheapest portfolio that does at least as well within the intervals.",
              "", f"| # | fleet | radars | TPS-70 contract | link | life-cycle cost ({h:g} y) | identified / year "
                  "[95 % CI] | status |", "|---:|---|---|---|---|---:|---:|---|"]
    final = [r for r in rows if r["status"] in ("frontier", "dominated")]
    for k, r in enumerate(final, 1):
        status = "**frontier**" if r["on_frontier"] else f"dominated by `{r['dominated_by']}`"
        lines.append(f"| {k} | `{r['option']}` | {r['radars'].replace('+', ', ') or '—'} | {r['availability'] or '—'} | "
                     f"{'yes' if r['integration'] else '—'} | {money(r['lifecycle_cost_usd'])} | "
                     f"{_ci(r['identified_per_year'], r['lo'], r['hi'])} | {status} |")
    # what each frontier point buys
    lines += ["", "## What each frontier point buys", "",
              "Over the previous (cheaper) frontier point: the life-cycle cost added, the identified flights a year "
              "added (paired on the same days and flights, 95 % CI) and the levers that change.", "",
              "| frontier point | life-cycle cost | identified / year [95 % CI] | + cost | + identified / year [95 % CI] "
              "| per US$100M | levers added / removed |", "|---|---:|---:|---:|---:|---:|---|"]
    for s in frontier_steps(result):
        if "d" in s:
            change = ", ".join([f"+{x}" for x in s["added"]] + [f"−{x}" for x in s["removed"]])
            per = f"{s['per_100m']:+,.1f}" if math.isfinite(s["per_100m"]) else "—"
            lines.append(f"| `{s['name']}` | {money(s['cost'])} | {_ci(s['y'], s['lo'], s['hi'])} | {money(s['dc'])} | "
                         f"{_signed(s['d'], s['d_lo'], s['d_hi'])} | {per} | {change} |")
        else:
            lines.append(f"| `{s['name']}` | {money(s['cost'])} | {_ci(s['y'], s['lo'], s['hi'])} | — | — | — | "
                         "the cheapest point |")
    # marginal values
    lines += ["", "## Marginal value of each lever", "",
              "Identified flights a year a lever adds per US$100M of life-cycle cost: the mean paired difference over "
              "every pair of evaluated portfolios that differ by that lever alone, at the deepest rung holding such "
              "pairs (95 % CI; the cost taken as given). A change that adds no fixed cost (a QRA detachment from the "
              "same fleet) has no value per US$100M: its cost differs only by the simulated flying. The range shows how much the value depends on the rest of "
              "the portfolio (`marginal_pairs.csv` has every pair).", "",
              "| lever | change | days | pairs | + cost | + identified / year [95 % CI] | per US$100M [95 % CI] | "
              "range over pairs |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for m in result.marginals:
        per = (_signed(m.per_100m, m.per_100m_lo, m.per_100m_hi, "{:+,.1f}") if math.isfinite(m.per_100m)
               else "same fixed cost")
        pd = [d for d, _, _ in m.pair_deltas]
        lines.append(f"| `{m.lever}` | {m.label} | {m.days} | {len(m.pairs)} | {money(m.delta_cost_usd)} | "
                     f"{_signed(m.delta, m.lo, m.hi)} | {per} | {min(pd):+,.0f} to {max(pd):+,.0f} |")
    comp = compared(result)
    if comp:
        lines += ["", "## Compared portfolios (`--include`)", "",
                  f"Paired on the last rung's {last.days} days: A − B.", "",
                  "| A | B | cost A − B | identified / year A − B [95 % CI] |", "|---|---|---:|---:|"]
        for a, b, dc, d, lo, hi in comp:
            lines.append(f"| `{a}` | `{b}` | {money(dc)} | {_signed(d, lo, hi)} |")
    lines += ["", "## How to read it", "",
              f"* **Dominance rule.** {_rule()}",
              f"* **Intervals.** {result.cycles.method_line()}; a paired difference's interval is never narrower than "
              "the flights-independent one." + (f" **Warning: {result.cycles.warning()}.**" if result.cycles.warning()
                                                 else ""),
              "* **Costs.** Fixed costs are the data's (most are placeholders: see the levers table); the flying is "
              "the simulated sorties' at the last rung's point estimate. A portfolio whose cost with its flying "
              "exceeds the budget drops out.",
              "* **Halving.** A portfolio eliminated at a rung was evaluated on fewer days (`frontier.csv` gives its "
              "days): its numbers are noisier and were not compared with the last rung's.", "",
              "![frontier](frontier.png)", ""]
    return "\n".join(lines)


def write_outputs(result, out) -> None:
    """frontier.csv, marginal.csv, marginal_pairs.csv, frontier.png and report.md into ``out``, all or none."""
    from radar.fileio import staged_output

    rows = frontier_rows(result)
    with staged_output(out) as stage:
        write_frontier_csv(stage / "frontier.csv", rows)
        write_marginal_csv(stage / "marginal.csv", stage / "marginal_pairs.csv", result.marginals)
        figure(stage / "frontier.png", result, rows)
        (stage / "report.md").write_text(markdown(result, rows))
