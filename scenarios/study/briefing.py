"""What a planner reads first in a study's report: the executive summary (five sentences from the study's own
numbers, each with its 95 % interval), the options by name, the ranking and the paired option-vs-option Δ as
tables, and what each outcome means.

Choices (stated in the report too):

* **The leader** is the option with the highest mean P(identified airborne) over the study's network x picture
  combinations (each weighted equally: every option of a network sees the same days and flights, so the mean
  compares like with like); the **runner-up** is the second.  The headline figures are those of the
  **reference** combination: the study's first network, integrated picture if studied (else its first picture).
* **Distinguishable** means the paired 95 % interval excludes 0 (:class:`scenarios.study.scores.OptionDelta`).
* **Integration matters on a network** when the leader's paired Δ(integrated − non_integrated) there excludes 0.
"""
from __future__ import annotations

import math

#: what each outcome of a result row means (the flight's best leg, in the precedence of ``OUTCOMES``, best
#: first; the kernel's codes in scenarios/engagement/_kernels.py); ``false_scramble`` rows are scrambles on
#: anything that is not a drug flight
OUTCOME_MEANINGS = {
    "identified_airborne": "An interceptor met the true aircraft over Peru and completed Phases I and II "
                           "(approach, registration read) while it was airborne: the goal.",
    "intercepted_late": "Contact, but no identification: at night without a pod or turret, bingo fuel before "
                        "Phase II ended, or the aircraft landed or left Peru first.",
    "missed_lost_track": "Scrambled and guided, but no contact before bingo fuel (the track went stale and the "
                         "search found nothing), or the aircraft was retasked to a re-acquired track.",
    "missed_out_of_range": "Suspect, but no ready aircraft could reach it within its intercept radius and "
                           "endurance (at the order, or when the intercept was solved again in flight).",
    "missed_too_late": "Scrambled, but the aircraft landed or left Peru before contact.",
    "no_aircraft_available": "Suspect, but no ready aircraft was free at the order (readiness of the day, alert "
                             "seats, aircraft still in turnaround).",
    "missed_no_track": "A radar plotted it on the leg, but the air picture never made a suspect track of it (no "
                       "track, or too short-lived to be classified).",
    "missed_no_detection": "No radar plotted it on the leg: outside coverage, below the radar horizon, or the "
                           "radar was down.",
    "false_scramble": "A scramble on something that is not a drug flight: an innocent aircraft, a cooperative "
                      "airliner, or clutter (a row of its own; not counted in the flights).",
}


def option_cell(oid: str, names: dict) -> str:
    """A table cell naming an option: "F-16 Block 70, 12 at La Joya (`f16_la_joya`)"."""
    name = names.get(oid)
    return f"{name} (`{oid}`)" if name and name != oid else f"`{oid}`"


def pct(p: float) -> str:
    return "—" if p is None or math.isnan(p) else f"{100 * p:.1f} %"


def pct_ci(p: float, lo: float, hi: float) -> str:
    if p is None or math.isnan(p):
        return "—"
    return f"{100 * p:.1f} % [{100 * lo:.1f}, {100 * hi:.1f}]"


def pp_ci(d: float, lo: float, hi: float) -> str:
    return f"{100 * d:+.1f} pp [{100 * lo:+.1f}, {100 * hi:+.1f}]"


def money(v: float) -> str:
    """US$: "$3.42B", "$1.4M", "$352k", "$14,237" (as the life-cycle tables)."""
    from scenarios.study.lifecycle import money as _usd

    return _usd(v)


def money_ci(v: float, lo: float, hi: float) -> str:
    if v is None or math.isnan(v):
        return "—"
    if math.isnan(lo) or math.isnan(hi):
        return money(v)
    return f"{money(v)} [{money(lo)}, {money(hi)}]"


def combos_of(scores) -> list[tuple[str, str]]:
    """The (network, picture) combinations with flights, in the scores' order."""
    return list(dict.fromkeys((s.network, s.picture) for s in scores if s.flights > 0))


def rank_options(scores) -> list[str]:
    """Option ids by mean P(identified airborne) over the network x picture combinations, best first (ties by
    id)."""
    sums: dict[str, list[float]] = {}
    for s in scores:
        if s.flights > 0 and not math.isnan(s.p_identified):
            sums.setdefault(s.option, []).append(s.p_identified)
    # rounded so that equal means computed in a different order of sums tie (then by id)
    return sorted(sums, key=lambda o: (-round(sum(sums[o]) / len(sums[o]), 12), o))


def reference_combo(spec, scores) -> tuple[str, str] | None:
    """The headline network and picture: the study's first network with flights, integrated if studied."""
    combos = combos_of(scores)
    for net in spec.networks:
        pictures = [p for n, p in combos if n == net]
        if pictures:
            return net, ("integrated" if "integrated" in pictures else
                         next(p for p in spec.pictures if p in pictures))
    return combos[0] if combos else None


# ------------------------------------------------------------------------------------------
# Executive summary
def executive_summary(spec, scores, deltas, option_deltas, life_rows, costs, names, sensitivity=None) -> list[str]:
    """Five sentences (Markdown): the leader and its P(identified airborne), its paired lead over the runner-up,
    what integration changes and where, its cost per identified flight without and with acquisition, the top three
    sensitivities (or that none is attached).  Every number is the study's, with its 95 % interval."""
    order = rank_options(scores)
    ref = reference_combo(spec, scores)
    if not order or ref is None:
        return ["The study has no drug flight yet: nothing to rank.", _sensitivity_sentence(sensitivity)]
    by_key = {(s.network, s.picture, s.option): s for s in scores}
    leader = order[0]
    return [_leader_sentence(scores, by_key, leader, ref, names),
            _runner_up_sentence(order, option_deltas, ref, names),
            _integration_sentence(spec, deltas, leader),
            _cost_sentence(life_rows, costs, by_key, leader, ref),
            _sensitivity_sentence(sensitivity)]


def _name(oid: str, names: dict) -> str:
    return f"**{names.get(oid, oid)}** (`{oid}`)"


def _where(net: str, picture: str) -> str:
    return f"`{net}`, {picture.replace('_', '-')}"


def _leader_sentence(scores, by_key, leader, ref, names) -> str:
    s = by_key.get((*ref, leader))
    rows = [x for x in scores if x.option == leader and x.flights > 0]
    text = (f"{_name(leader, names)} identifies the most drug flights airborne: "
            f"{pct_ci(s.p_identified, s.p_identified_lo, s.p_identified_hi) if s else '—'} on {_where(*ref)}")
    if len(rows) > 1:
        lo = min(rows, key=lambda x: x.p_identified)
        hi = max(rows, key=lambda x: x.p_identified)
        firsts = sum(1 for x in rows
                     if x.p_identified >= max(y.p_identified for y in scores
                                              if (y.network, y.picture) == (x.network, x.picture) and y.flights > 0))
        text += (f" (from {pct_ci(lo.p_identified, lo.p_identified_lo, lo.p_identified_hi)} on "
                 f"{_where(lo.network, lo.picture)} to {pct_ci(hi.p_identified, hi.p_identified_lo, hi.p_identified_hi)}"
                 f" on {_where(hi.network, hi.picture)}; first or tied first on {firsts} of the {len(rows)} network × "
                 "picture combinations, and first on average over them)")
    return text + "."


def _runner_up_sentence(order, option_deltas, ref, names) -> str:
    if len(order) < 2:
        return "The study has one option: there is no option-vs-option comparison."
    leader, second = order[0], order[1]
    rows = [d for d in option_deltas if d.option_a == leader and d.option_b == second]
    d = next((x for x in rows if (x.network, x.picture) == ref), None)
    if d is None:
        return f"The runner-up is {_name(second, names)}; the two options share no flights to compare."
    verdict = ("distinguishable: the interval excludes 0" if d.distinguishable else
               "not distinguishable: the interval contains 0")
    n_dist = sum(1 for x in rows if x.distinguishable)
    return (f"Its paired lead over the runner-up, {_name(second, names)}, on the same {d.flights} flights "
            f"({d.days} days with drug flights) is {pp_ci(d.delta, d.lo, d.hi)} on {_where(d.network, d.picture)}, "
            f"{verdict}; "
            f"{n_dist} of the {len(rows)} network × picture intervals {'excludes' if n_dist == 1 else 'exclude'} 0.")


def _integration_sentence(spec, deltas, leader) -> str:
    if not {"integrated", "non_integrated"} <= set(spec.pictures):
        return (f"The study compared one picture ({', '.join(spec.pictures)}), so it says nothing about what "
                "integrating the civil radars changes.")
    rows = [d for d in deltas if d.option == leader]
    if not rows:
        return "No flight was seen in both pictures: the study says nothing about integration."
    excl = sorted((d for d in rows if d.lo > 0 or d.hi < 0), key=lambda d: -abs(d.delta))
    incl = [d for d in rows if not (d.lo > 0 or d.hi < 0)]

    def rng(ds) -> str:
        lo, hi = f"{100 * min(d.delta for d in ds):+.1f}", f"{100 * max(d.delta for d in ds):+.1f}"
        return lo if lo == hi else f"between {lo} and {hi}"

    if not excl:
        return (f"Integrating the civil radars makes no measurable difference for it on any of the {len(rows)} "
                f"networks: Δ(integrated − non-integrated) is {rng(incl)} pp, and every interval contains 0.")
    where = " and ".join(f"{pp_ci(d.delta, d.lo, d.hi)} on `{d.network}`" for d in excl)
    text = (f"Integrating the civil radars changes its P(identified airborne) by {where} (paired Δ integrated − "
            "non-integrated)")
    if incl:
        nets = ", ".join(f"`{d.network}`" for d in incl)
        text += (f"; on {nets} the Δ is {rng(incl)} pp and "
                 f"{'every interval contains' if len(incl) > 1 else 'its interval contains'} 0")
    return text + "."


def _cost_sentence(life_rows, costs, by_key, leader, ref) -> str:
    r = next((x for x in life_rows if (x.network, x.picture, x.option) == (*ref, leader)), None)
    c = costs.get(leader)
    s = by_key.get((*ref, leader))
    if r is None or c is None or s is None or s.identified == 0:
        return f"It identified no flight on {_where(*ref)}, so it has no cost per identified flight there."
    if not math.isfinite(r.cost_per_id_operating_usd):  # sustainment not in the data: flying only
        text = (f"On {_where(*ref)}, each flight it identifies costs "
                f"{money_ci(s.cost_per_identified_usd, s.cost_per_identified_lo, s.cost_per_identified_hi)} in "
                "flying hours (its sustainment is not in the data)")
    else:
        text = (f"On {_where(*ref)}, each flight it identifies costs "
                f"{money_ci(r.cost_per_id_operating_usd, r.cost_per_id_operating_lo, r.cost_per_id_operating_hi)} "
                "without acquisition (flying and sustainment)")
    if c.acquisition_usd > 0 and math.isfinite(r.cost_per_id_total_usd):
        life = f"{c.service_life_years:g} years" if math.isfinite(c.service_life_years) else "the service life"
        text += (f" and {money_ci(r.cost_per_id_total_usd, r.cost_per_id_total_lo, r.cost_per_id_total_hi)} with "
                 f"the acquisition ({money(c.acquisition_usd)}) spread over {life}")
    elif c.acquisition_usd == 0:
        text += "; its aircraft are in service (acquisition sunk)"
    return text + (f", at {r.identified_per_year:,.0f} identified a year "
                   f"[{r.identified_per_year_lo:,.0f}, {r.identified_per_year_hi:,.0f}].")


NO_SENSITIVITY = ("No sensitivity run attached: run `airbridge sensitivity`, then `airbridge report DIR "
                  "--sensitivity SDIR`.")


def _sensitivity_sentence(sensitivity) -> str:
    if sensitivity is None:
        return NO_SENSITIVITY
    metric = sensitivity.primary_metric()
    top = sensitivity.top(3, metric)
    if not top:
        return f"The attached sensitivity run ({sensitivity.source.name}) has no swing to rank."
    if all(r.swing == 0 for r in top):
        return (f"No knob of the attached sensitivity run ({sensitivity.source.name}) moved "
                f"{sensitivity.metric_label(metric)}: every one-at-a-time swing is 0.")
    parts = [f"{r.display} (swing {sensitivity.format_swing(r.swing, metric)})" for r in top]
    return (f"The largest one-at-a-time sensitivities of {sensitivity.metric_label(metric)} "
            f"(`airbridge sensitivity` in `{sensitivity.source.name}`): " + "; ".join(parts) + ".")


def summary_markdown(sentences, cycles, ref=None) -> list[str]:
    """The summary section: the sentences as a numbered list, then how to read them (``ref``: the headline network
    and picture)."""
    lines = ["## Executive summary", ""]
    lines += [f"{i}. {s}" for i, s in enumerate(sentences, 1)]
    span = cycles.span_line()
    where = f"; the headline figures are those of {_where(*ref)}" if ref else ""
    lines += ["", f"*95 % intervals in brackets (block bootstrap over whole days; pp = percentage points). "
                  f"{span[0].upper()}{span[1:]}. The leader has the highest mean P(identified airborne) over the "
                  f"network × picture combinations{where}.*", ""]
    return lines


# ------------------------------------------------------------------------------------------
# Tables
def options_markdown(options, order, costs) -> list[str]:
    """The options: id, display name, aircraft, acquisition, detachments (best first)."""
    by_id = {o.id: o for o in options}
    ids = [o for o in order if o in by_id] + [o.id for o in options if o.id not in order]
    lines = ["## Options", "", "Ordered by mean P(identified airborne) over the network × picture combinations.", "",
             "| option | id | aircraft | acquisition | detachments (aircraft, type, base; alert posture, EO/IR) |",
             "|---|---|---:|---:|---|"]
    for oid in ids:
        o = by_id[oid]
        c = costs.get(oid)
        acq = "—" if c is None else ("sunk (in service)" if c.acquisition_usd == 0 else money(c.acquisition_usd))
        lines.append(f"| {o.display_name} | `{oid}` | {o.aircraft} | {acq} | {o.describe_for_report()} |")
    return lines + [""]


def net_cell(network: str) -> str:
    """A network in a table (code: the name stays on one line)."""
    return f"`{network}`"


def _matrix(title_cell: str, rows: list[tuple[str, list[str]]], nets: list[str]) -> list[str]:
    """A table with a row per option and a column per network."""
    lines = [f"| {title_cell} | " + " | ".join(net_cell(n) for n in nets) + " |", "|---|" + "---:|" * len(nets)]
    lines += [f"| {head} | " + " | ".join(cells) + " |" for head, cells in rows]
    return lines + [""]


def ranking_matrix_markdown(scores, order, combos, names) -> list[str]:
    """P(identified airborne) [95 % CI] per option (rows, best mean first) and network (columns), a table per
    picture; the best of each column in bold."""
    by_key = {(s.network, s.picture, s.option): s for s in scores}
    nets = list(dict.fromkeys(n for n, _ in combos))
    pictures = list(dict.fromkeys(p for _, p in combos))
    lines = ["P(identified airborne), % [95 % CI]; options best mean first; **bold**: the highest of its column "
             "(ties included). Overlapping intervals do not mean a tie: options are compared on the same days and "
             "flights in the paired Δ below.", ""]
    for picture in pictures:
        best = {n: max((s.p_identified for (net, pic, _), s in by_key.items()
                        if net == n and pic == picture and s.flights > 0), default=math.nan) for n in nets}
        rows = []
        for o in order:
            cells = []
            for n in nets:
                s = by_key.get((n, picture, o))
                if s is None or s.flights == 0:
                    cells.append("—")
                    continue
                text = pct_ci(s.p_identified, s.p_identified_lo, s.p_identified_hi).replace(" %", "")
                cells.append(f"**{text}**" if s.p_identified >= best[n] else text)
            rows.append((option_cell(o, names), cells))
        lines += [f"**{picture} picture**", ""] + _matrix("option", rows, nets)
    return lines


def ranking_markdown(ranked_scores, names) -> list[str]:
    lines = ["## All scores", "", "Every network × picture × option, by P(identified airborne).", "",
             "| # | option | network | picture | flights | P(identified airborne) [95 % CI] | P(any intercept) | "
             "det→ID median / p90 (min) | false scrambles / 30 d | flying cost / identified |",
             "|---:|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for i, s in enumerate(ranked_scores, 1):
        dt = ("—" if math.isnan(s.det_to_id_median_min) else
              f"{s.det_to_id_median_min:.0f} / {s.det_to_id_p90_min:.0f}")
        lines.append(f"| {i} | {option_cell(s.option, names)} | {net_cell(s.network)} | {s.picture} | {s.flights} | "
                     f"{pct_ci(s.p_identified, s.p_identified_lo, s.p_identified_hi)} | {pct(s.p_any_intercept)} | "
                     f"{dt} | {s.false_scrambles_per_30d:.1f} | {money(s.cost_per_identified_usd)} |")
    return lines + [""]


def _delta_cell(d) -> str:
    if d is None:
        return "—"
    text = pp_ci(d.delta, d.lo, d.hi).replace(" pp", "")
    return f"**{text}**" if d.lo > 0 or d.hi < 0 else text


def option_deltas_markdown(option_deltas, order, names, combos) -> list[str]:
    """Leader − each other option, a table per picture: a row per option, a column per network."""
    if not option_deltas:
        return []
    leader = option_deltas[0].option_a
    nets = [n for n in dict.fromkeys(n for n, _ in combos) if any(d.network == n for d in option_deltas)]
    pictures = [p for p in dict.fromkeys(p for _, p in combos) if any(d.picture == p for d in option_deltas)]
    by_key = {(d.option_b, d.network, d.picture): d for d in option_deltas}
    others = [o for o in order if o != leader and any(k[0] == o for k in by_key)]
    lines = ["## Paired Δ between options, P(identified airborne)", "",
             f"The leader, {option_cell(leader, names)}, minus each other option, in percentage points, on the same "
             "days and flights (every option of a network sees the same flights and air picture; the engagement "
             "draws are each option's own); 95 % interval of the paired day-block bootstrap. **Bold**: the interval "
             "excludes 0, the two options are distinguishable; otherwise this study cannot order them "
             "(option_deltas.csv has these rows).", ""]
    for picture in pictures:
        rows = [(option_cell(o, names), [_delta_cell(by_key.get((o, n, picture))) for n in nets]) for o in others]
        lines += [f"**{picture} picture**", ""] + _matrix("leader − option", rows, nets)
    return lines


def integration_markdown(deltas, names, order, combos) -> list[str]:
    """Δ(integrated − non_integrated) per option (rows, best mean first) and network (columns)."""
    if not deltas:
        return []
    nets = [n for n in dict.fromkeys(n for n, _ in combos) if any(d.network == n for d in deltas)]
    nets += sorted({d.network for d in deltas} - set(nets))
    opts = [o for o in order if any(d.option == o for d in deltas)] + sorted({d.option for d in deltas} - set(order))
    by_key = {(d.option, d.network): d for d in deltas}
    flights = {d.network: d.flights for d in deltas}
    rows = [(option_cell(o, names), [_delta_cell(by_key.get((o, n))) for n in nets]) for o in opts]
    return (["## Paired Δ(integrated − non_integrated), P(identified airborne)", "",
             "Integrated minus non-integrated picture for each option, in percentage points, on the same flights and "
             "engagement draws (drug flights per network: " + ", ".join(f"{n} {flights[n]}" for n in nets) + "); 95 % "
             "interval of the paired day-block bootstrap. **Bold**: the interval excludes 0. A Δ whose interval "
             "contains 0 is a null result: integration made no measurable difference to identification for that "
             "option on that network.", ""] + _matrix("option", rows, nets))


def outcomes_markdown(outcomes) -> list[str]:
    lines = ["## What the outcomes mean", "",
             "Each drug flight counts once per network × picture × option, with the best outcome of its two legs "
             "(inbound; loaded outbound) in this order, best first:", "",
             "| outcome | meaning |", "|---|---|"]
    for o in (*outcomes, "false_scramble"):
        lines.append(f"| `{o}` | {OUTCOME_MEANINGS[o]} |")
    return lines + [""]


def grouped(scores, combos, order) -> list:
    """Scores grouped by network and picture (``combos``' order), options in ``order`` within each."""
    rank = {o: i for i, o in enumerate(order)}
    at = {c: i for i, c in enumerate(combos)}
    return sorted(scores, key=lambda s: (at.get((s.network, s.picture), len(at)), rank.get(s.option, len(rank)),
                                         s.network, s.picture, s.option))


def costs_markdown(grouped_scores, names) -> list[str]:
    lines = ["## Costs (flying hours)", "",
             "The simulated sorties only (flight hours × cost per flight hour, scrambles on anything included); "
             "acquisition and sustainment are in the life-cycle cost below.", "",
             "| network | picture | option | flight hours | flying cost per identified [95 % CI] | flying cost a "
             "year | aircraft US$3.5B buys |", "|---|---|---|---:|---:|---:|---:|"]
    for s in grouped_scores:
        buys = "—" if math.isnan(s.aircraft_for_3_5b) else f"{s.aircraft_for_3_5b:.0f}"
        lines.append(f"| {net_cell(s.network)} | {s.picture} | {option_cell(s.option, names)} | {s.flight_hours:,.0f} | "
                     f"{money_ci(s.cost_per_identified_usd, s.cost_per_identified_lo, s.cost_per_identified_hi)} | "
                     f"{money(s.yearly_cost_usd)} | {buys} |")
    return lines + [""]


OPTION_DELTAS_HEADER = "network,mode,option_a,option_b,days,flights,delta,delta_lo95,delta_hi95"


def write_option_deltas(path, option_deltas) -> None:
    """``option_deltas.csv``: the paired Δ P(identified airborne), leader − each other option, per network x
    picture (the picture is the column ``mode``, as in summary.csv)."""
    with open(path, "w") as fh:
        fh.write(OPTION_DELTAS_HEADER + "\n")
        for d in option_deltas:
            fh.write(f"{d.network},{d.picture},{d.option_a},{d.option_b},{d.days},{d.flights},{d.delta:.6f},"
                     f"{d.lo:.6f},{d.hi:.6f}\n")


def plain(sentence: str) -> str:
    """A summary sentence for the terminal (no Markdown emphasis or code marks)."""
    return sentence.replace("**", "").replace("`", "")
