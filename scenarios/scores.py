"""Scores of a study per network x mode x option, and paired differences between modes.

* P(identified airborne) with a Wilson 95 % interval; P(any intercept) (identified airborne or
  intercepted late).
* Detection-to-ID time (first plot of the flight -> identification): median and p90, minutes.
* Identified and false scrambles per 30 days; flight hours; cost per identified flight (all
  flying, false scrambles included); yearly operating cost at the scenario's traffic
  (the simulated days are the scenario's traffic, scaled to 365 days).
* Aircraft that US$3.5B buys (fighter options: $3.5B / package cost per aircraft).
* Paired Δ(integrated − non_integrated) of P(identified airborne), per option and network:
  per-flight differences on the same flights and draws, mean ± 1.96 sd/√n.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

OUTCOMES = ("identified_airborne", "intercepted_late", "missed_lost_track", "missed_out_of_range", "missed_too_late",
            "no_aircraft_available", "missed_no_track", "missed_no_detection")
BUDGET_USD = 3.5e9
#: result columns holding text (the others are numbers, None -> NaN)
TEXT_COLUMNS = ("network", "flight", "option", "mode", "outcome", "leg", "base", "interceptor", "contact_sensor",
                "id_sensor", "endgame", "kind")


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default)."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Score:
    network: str
    mode: str
    option: str
    flights: int
    identified: int
    p_identified: float
    p_identified_lo: float
    p_identified_hi: float
    p_any_intercept: float
    det_to_id_median_min: float
    det_to_id_p90_min: float
    identified_per_30d: float
    false_scrambles_per_30d: float
    flight_hours: float
    cost_per_identified_usd: float
    yearly_cost_usd: float
    aircraft_for_3_5b: float
    outcome_counts: dict


@dataclass(frozen=True)
class Delta:
    network: str
    option: str
    flights: int
    delta: float
    lo: float
    hi: float


def table(rows, columns):
    """Rows (tuples) -> dict of NumPy arrays by column name (one transpose, then a pass per column)."""
    cols = list(zip(*rows)) if rows else [()] * len(columns)
    out = {}
    for c, v in zip(columns, cols):
        if c in TEXT_COLUMNS:
            out[c] = np.array(["" if x is None else x for x in v], dtype=object)
        else:
            out[c] = np.array([np.nan if x is None else x for x in v], dtype=float)
    return out


class Matcher:
    """``m(column, value)``: the boolean mask ``res[column] == value``, from each string column's codes
    (computed once; speed: the scores compare a few columns of tens of thousands of rows with dozens
    of values, which as object-array comparisons took about a second)."""

    def __init__(self, res: dict):
        self.res = res
        self._codes: dict = {}

    def __call__(self, column: str, value) -> np.ndarray:
        codes = self._codes.get(column)
        if codes is None:
            col = self.res[column]
            index: dict = {}
            inv = np.fromiter((index.setdefault(v, len(index)) for v in col), np.int64, len(col))
            codes = self._codes[column] = (index, inv)
        i = codes[0].get(value)
        return codes[1] == i if i is not None else np.zeros(codes[1].size, bool)


def compute_scores(res: dict, days_per_network: dict, options_cost: dict[str, float]) -> list[Score]:
    """``options_cost``: option id -> aircraft the US$3.5B budget buys (NaN: not a fighter buy)."""
    out = []
    eq = Matcher(res)
    keys = sorted({(n, m, o) for n, m, o in zip(res["network"], res["mode"], res["option"])})
    for net, mode, opt in keys:
        sel = eq("network", net) & eq("mode", mode) & eq("option", opt)
        false = sel & (res["false_scramble"] == 1)
        fl = sel & (res["false_scramble"] != 1)
        outcomes = res["outcome"][fl]
        n = int(fl.sum())
        k = int((outcomes == "identified_airborne").sum())
        late = int((outcomes == "intercepted_late").sum())
        lo, hi = wilson(k, n)
        ident = fl & eq("outcome", "identified_airborne")
        dt = (res["t_id_s"][ident] - res["t_first_plot_s"][ident]) / 60.0
        dt = dt[np.isfinite(dt)]
        days = days_per_network.get(net, 0)
        hours = float(np.nansum(res["flight_hours"][sel]))
        cost = float(np.nansum(res["cost_usd"][sel]))
        out.append(Score(
            network=net, mode=mode, option=opt, flights=n, identified=k,
            p_identified=k / n if n else float("nan"), p_identified_lo=lo, p_identified_hi=hi,
            p_any_intercept=(k + late) / n if n else float("nan"),
            det_to_id_median_min=float(np.median(dt)) if dt.size else float("nan"),
            det_to_id_p90_min=float(np.percentile(dt, 90)) if dt.size else float("nan"),
            identified_per_30d=30.0 * k / days if days else float("nan"),
            false_scrambles_per_30d=30.0 * int(false.sum()) / days if days else float("nan"),
            flight_hours=hours, cost_per_identified_usd=cost / k if k else float("nan"),
            yearly_cost_usd=365.0 * cost / days if days else float("nan"),
            aircraft_for_3_5b=options_cost.get(opt, float("nan")),
            outcome_counts={o: int((outcomes == o).sum()) for o in OUTCOMES}))
    return out


def paired_deltas(res: dict, a: str = "integrated", b: str = "non_integrated") -> list[Delta]:
    """Δ P(identified airborne) = a − b on the same flights (same network, option, day, flight)."""
    out = []
    drug = res["false_scramble"] != 1
    nets = sorted(set(res["network"][drug]))
    opts = sorted(set(res["option"][drug]))
    eq = Matcher(res)
    for net in nets:
        for opt in opts:
            base = drug & eq("network", net) & eq("option", opt)
            ka = {(int(d), f): o == "identified_airborne" for d, f, o, m in
                  zip(res["day"][base], res["flight"][base], res["outcome"][base], res["mode"][base]) if m == a}
            kb = {(int(d), f): o == "identified_airborne" for d, f, o, m in
                  zip(res["day"][base], res["flight"][base], res["outcome"][base], res["mode"][base]) if m == b}
            common = sorted(set(ka) & set(kb))
            if not common:
                continue
            diff = np.array([float(ka[c]) - float(kb[c]) for c in common])
            n = diff.size
            mean = float(diff.mean())
            sd = float(diff.std(ddof=1)) if n > 1 else 0.0
            half = 1.959964 * sd / math.sqrt(n) if n > 1 else float("nan")
            out.append(Delta(net, opt, n, mean, mean - half, mean + half))
    return out


def buys_for_options(options) -> dict[str, float]:
    """Aircraft US$3.5B buys for options whose aircraft are new fighters (package cost known)."""
    out = {}
    for opt in options:
        types = {d.type for d in opt.detachments}
        if len(types) == 1:
            t = next(iter(types))
            if not t.in_service and t.package_cost_usd and t.package_cost_usd > 0 and t.max_speed_mps > 340:
                out[opt.id] = BUDGET_USD / t.package_cost_usd
    return out


@dataclass(frozen=True)
class HowIdentified:
    """How the identifications of one network x mode x option happened (rows of the flights' best legs).

    identified: flights identified airborne; by_search: of them, the interceptor had flown the search
    pattern before contact (else contact came on the track); inbound / outbound: flights identified on the
    inbound / the loaded outbound leg (a flight may count on both); night: identified at night, by sensor;
    innocent_scrambles / innocent_intercepts (contact) / innocent_identified per 30 days: innocent aircraft
    scrambled on, met, identified.
    """

    network: str
    mode: str
    option: str
    flights: int
    identified: int
    by_search: int
    inbound: int
    outbound: int
    night_by_sensor: dict
    innocent_scrambles_per_30d: float
    innocent_intercepts_per_30d: float
    innocent_identified_per_30d: float


def how_identified(res: dict, days_per_network: dict) -> list[HowIdentified]:
    """Shares of the identifications by search vs track, by leg, at night by sensor; innocent intercepts."""
    out = []
    eq = Matcher(res)
    keys = sorted({(n, m, o) for n, m, o in zip(res["network"], res["mode"], res["option"])})
    contact = np.isfinite(res["t_contact_s"])
    ident_t = np.isfinite(res["t_id_s"])
    for net, mode, opt in keys:
        sel = eq("network", net) & eq("mode", mode) & eq("option", opt)
        fl = sel & (res["false_scramble"] != 1)
        ident = fl & eq("outcome", "identified_airborne")
        night = ident & (res["night"] == 1)
        inn = sel & eq("kind", "innocent")
        days = days_per_network.get(net, 0)
        per30 = (lambda k: 30.0 * k / days) if days else (lambda k: float("nan"))
        out.append(HowIdentified(
            network=net, mode=mode, option=opt, flights=int(fl.sum()), identified=int(ident.sum()),
            by_search=int((ident & (res["searched"] == 1)).sum()),
            inbound=int((fl & (res["identified_inbound"] == 1)).sum()),
            outbound=int((fl & (res["identified_outbound"] == 1)).sum()),
            night_by_sensor={s: int((night & eq("id_sensor", s)).sum()) for s in ("eo_ir", "visual")},
            innocent_scrambles_per_30d=per30(int(inn.sum())),
            innocent_intercepts_per_30d=per30(int((inn & contact).sum())),
            innocent_identified_per_30d=per30(int((inn & ident_t).sum()))))
    return out


def how_identified_markdown(rows: list[HowIdentified]) -> str:
    """The report's table of :func:`how_identified`."""
    pct = lambda k, n: f"{100 * k / n:.0f} %" if n else "—"  # noqa: E731
    lines = ["## How identifications happened", "",
             "Every identification below met the true aircraft: contact by the interceptor's own sensor, the "
             "registration read within the identifying sensor's range over Peru.", "",
             "| network | mode | option | identified | by search | inbound | loaded outbound | at night (EO/IR) | "
             "innocent scrambled / met / identified per 30 d |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.network} | {r.mode} | {r.option} | {r.identified} | {pct(r.by_search, r.identified)} | "
                     f"{r.inbound} | {r.outbound} | {r.night_by_sensor['eo_ir']} | "
                     f"{r.innocent_scrambles_per_30d:.1f} / {r.innocent_intercepts_per_30d:.1f} / "
                     f"{r.innocent_identified_per_30d:.1f} |")
    return "\n".join(lines) + "\n\n"
