"""Scores of a study per network x picture x option, and paired differences between pictures.

Intervals (95 %) come from a circular block bootstrap over whole days
(:mod:`scenarios.study.uncertainty`): flights of a formation share a fate and radar outages last
weeks, so flights are not independent draws.

* P(identified airborne), P(any intercept) (identified airborne or intercepted late), each with
  its bootstrap interval widened to contain Wilson's (the flights-independent interval).
* Detection-to-ID time (first plot of the flight -> identification): median and p90, minutes.
* Identified and false scrambles per 30 days; flight hours; cost per identified flight (all
  flying, false scrambles included); yearly operating cost at the scenario's traffic
  (the simulated days are the scenario's traffic, scaled to 365 days).
* Aircraft that US$3.5B buys (fighter options: $3.5B / package cost per aircraft).
* Paired Δ(integrated − non_integrated) of P(identified airborne), per option and network:
  per-flight differences on the same flights and draws; bootstrap interval with the same day
  blocks for both pictures, widened to contain mean ± 1.96 sd/√n.
* Paired Δ between two options (:func:`paired_option_deltas`), per network and picture: the same
  flights and picture, on the days both options have; the same interval.
* Identified and false scrambles per 30 days, cost per identified flight and yearly cost carry
  bootstrap intervals too; detection-to-ID times (quantiles of the identified flights) do not.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.study.uncertainty import DayBootstrap, interval, ratio_interval

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
    picture: str
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
    #: flights-independent (Wilson) interval of p_identified, for comparison
    p_identified_wilson_lo: float = float("nan")
    p_identified_wilson_hi: float = float("nan")
    p_any_intercept_lo: float = float("nan")
    p_any_intercept_hi: float = float("nan")
    identified_per_30d_lo: float = float("nan")
    identified_per_30d_hi: float = float("nan")
    false_scrambles_per_30d_lo: float = float("nan")
    false_scrambles_per_30d_hi: float = float("nan")
    cost_per_identified_lo: float = float("nan")
    cost_per_identified_hi: float = float("nan")
    yearly_cost_lo: float = float("nan")
    yearly_cost_hi: float = float("nan")


@dataclass(frozen=True)
class Delta:
    network: str
    option: str
    flights: int
    delta: float
    lo: float
    hi: float
    #: flights-independent interval mean ± 1.96 sd/√n, for comparison
    independent_lo: float = float("nan")
    independent_hi: float = float("nan")


def table(rows, columns):
    """Rows (tuples) -> dict of NumPy arrays by column name: text columns as objects ("" for None), the others as
    floats (NaN for None).  One object array of the rows, then a cast per column (speed: a third less than
    transposing the tuples in Python)."""
    if not rows:
        return {c: np.zeros(0, dtype=object if c in TEXT_COLUMNS else float) for c in columns}
    a = np.array(rows, dtype=object)  # (rows, columns): every value a scalar, text or None
    out = {}
    for k, c in enumerate(columns):
        col = a[:, k]
        if c in TEXT_COLUMNS:
            col = col.copy()
            col[col == None] = ""  # noqa: E711 (element-wise)
            out[c] = col
        else:
            out[c] = col.astype(float)  # None -> NaN
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
            names, inv = _codes(self.res[column])
            codes = self._codes[column] = ({v: i for i, v in enumerate(names)}, inv)
        i = codes[0].get(value)
        return codes[1] == i if i is not None else np.zeros(codes[1].size, bool)


#: the last columns :func:`_codes` coded: (column, names, codes), the column held so that its id is not reused
_CODED: list = []
_CODED_MAX = 16


def _codes(col) -> tuple[list, np.ndarray]:
    """(distinct values in first-seen order, int code per row) of a column.

    The report codes the same few result columns (network, picture, option, flight, outcome) in a dozen
    places: the codes of the last columns coded are kept and given back for the same column object (speed:
    each coding of a 156,000-row column takes 16-24 ms).  The codes are read-only; a column must not be
    changed after it is coded (the result columns never are)."""
    for c, names, inv in _CODED:
        if c is col:
            return list(names), inv
    index = {v: i for i, v in enumerate(dict.fromkeys(col))}
    # speed: map() over a dict lookup runs in C (half the time of a generator with setdefault)
    inv = np.fromiter(map(index.__getitem__, col), np.int64, len(col))
    inv.flags.writeable = False
    _CODED.append((col, tuple(index), inv))
    del _CODED[:-_CODED_MAX]
    return list(index), inv


def _study_days(res: dict, boot: DayBootstrap | None) -> DayBootstrap:
    if boot is not None:
        return boot
    # no bootstrap given: whole days resampled one at a time (days independent)
    days = res["day"][np.isfinite(res["day"])] if len(res["day"]) else np.zeros(0)
    return DayBootstrap.draw(days, 1, 0)


def compute_scores(res: dict, days_per_network: dict, options_cost: dict[str, float],
                   boot: DayBootstrap | None = None) -> list[Score]:
    """``options_cost``: option id -> aircraft the US$3.5B budget buys (NaN: not a fighter buy).

    ``boot``: the study's day-block bootstrap (:class:`scenarios.study.uncertainty.DayBootstrap`; default:
    days resampled singly); every day of ``res`` must be one of its days.  The rates' intervals are
    the bootstrap's (:func:`scenarios.study.uncertainty.interval`: percentiles of the replicates widened by
    the fixed-b factor); the proportions' intervals are widened further to contain Wilson's (flights
    independent, a lower bound here: every correlation between flights of a study - a shared
    formation, a shared outage - is positive).  Per-day sums of every statistic are computed once and
    resampled for all groups in one matrix product.
    """
    out = []
    boot = _study_days(res, boot)
    if len(res["network"]) == 0:
        return out
    names_n, net_c = _codes(res["network"])
    names_m, mode_c = _codes(res["mode"])
    names_o, opt_c = _codes(res["option"])
    combo = (net_c * len(names_m) + mode_c) * len(names_o) + opt_c
    keys_c, group = np.unique(combo, return_inverse=True)
    n_groups = keys_c.size
    false = res["false_scramble"] == 1
    drug = ~false
    ident = drug & (res["outcome"] == "identified_airborne")
    late = drug & (res["outcome"] == "intercepted_late")
    cost_col = np.nan_to_num(res["cost_usd"], nan=0.0)
    # per group and day: flights, identified, identified + late, false scrambles, cost (group-major, 5 per group)
    stats = np.column_stack([drug, ident, ident | late, false, cost_col]).astype(np.float64)
    per_day = boot.day_sums(res["day"], stats, group, n_groups)
    tot = per_day.sum(axis=0).reshape(n_groups, 5)
    rep = boot.resample(per_day).reshape(-1, n_groups, 5)
    f = boot.inflation
    with np.errstate(divide="ignore", invalid="ignore"):
        p_hat = tot[:, 1] / tot[:, 0]
        any_hat = tot[:, 2] / tot[:, 0]
        cost_hat = tot[:, 4] / tot[:, 1]
    unit = (0.0, 1.0)
    p_lo, p_hi = ratio_interval(rep[:, :, 1], rep[:, :, 0], p_hat, f, unit)
    a_lo, a_hi = ratio_interval(rep[:, :, 2], rep[:, :, 0], any_hat, f, unit)
    c_lo, c_hi = ratio_interval(rep[:, :, 4], rep[:, :, 1], cost_hat, f, (0.0, math.inf))
    k_lo, k_hi = interval(rep[:, :, 1], tot[:, 1], f, (0.0, math.inf))
    f_lo, f_hi = interval(rep[:, :, 3], tot[:, 3], f, (0.0, math.inf))
    y_lo, y_hi = interval(rep[:, :, 4], tot[:, 4], f, (0.0, math.inf))
    order = sorted(range(n_groups), key=lambda g: _combo_names(keys_c[g], names_n, names_m, names_o))
    for g in order:
        net, mode, opt = _combo_names(keys_c[g], names_n, names_m, names_o)
        sel = group == g
        fl = sel & drug
        outcomes = res["outcome"][fl]
        n = int(tot[g, 0])
        k = int(tot[g, 1])
        any_k = int(tot[g, 2])
        wlo, whi = wilson(k, n)
        alo, ahi = wilson(any_k, n)
        idm = sel & ident
        dt = (res["t_id_s"][idm] - res["t_first_plot_s"][idm]) / 60.0
        dt = dt[np.isfinite(dt)]
        days = days_per_network.get(net, 0)
        hours = float(np.nansum(res["flight_hours"][sel]))
        cost = float(np.nansum(res["cost_usd"][sel]))  # the point estimate summed as before (pairwise)
        per30 = 30.0 / days if days else float("nan")
        per365 = 365.0 / days if days else float("nan")
        out.append(Score(
            network=net, picture=mode, option=opt, flights=n, identified=k,
            p_identified=k / n if n else float("nan"),
            p_identified_lo=_lo(p_lo[g], wlo), p_identified_hi=_hi(p_hi[g], whi),
            p_any_intercept=any_k / n if n else float("nan"),
            det_to_id_median_min=float(np.median(dt)) if dt.size else float("nan"),
            det_to_id_p90_min=float(np.percentile(dt, 90)) if dt.size else float("nan"),
            identified_per_30d=30.0 * k / days if days else float("nan"),
            false_scrambles_per_30d=30.0 * int(tot[g, 3]) / days if days else float("nan"),
            flight_hours=hours, cost_per_identified_usd=cost / k if k else float("nan"),
            yearly_cost_usd=365.0 * cost / days if days else float("nan"),
            aircraft_for_3_5b=options_cost.get(opt, float("nan")),
            outcome_counts={o: int((outcomes == o).sum()) for o in OUTCOMES},
            p_identified_wilson_lo=wlo, p_identified_wilson_hi=whi,
            p_any_intercept_lo=_lo(a_lo[g], alo), p_any_intercept_hi=_hi(a_hi[g], ahi),
            identified_per_30d_lo=k_lo[g] * per30, identified_per_30d_hi=k_hi[g] * per30,
            false_scrambles_per_30d_lo=f_lo[g] * per30, false_scrambles_per_30d_hi=f_hi[g] * per30,
            cost_per_identified_lo=float(c_lo[g]), cost_per_identified_hi=float(c_hi[g]),
            yearly_cost_lo=y_lo[g] * per365, yearly_cost_hi=y_hi[g] * per365))
    return out


def _combo_names(code: int, names_n, names_m, names_o) -> tuple[str, str, str]:
    code = int(code)
    o = code % len(names_o)
    code //= len(names_o)
    return names_n[code // len(names_m)], names_m[code % len(names_m)], names_o[o]


def _lo(boot_lo: float, floor_lo: float) -> float:
    """The lower end of the union of the bootstrap and the flights-independent interval."""
    return float(np.fmin(boot_lo, floor_lo))


def _hi(boot_hi: float, floor_hi: float) -> float:
    return float(np.fmax(boot_hi, floor_hi))


def paired_deltas(res: dict, a: str = "integrated", b: str = "non_integrated",
                  boot: DayBootstrap | None = None) -> list[Delta]:
    """Δ P(identified airborne) = a − b on the same flights (same network, option, day, flight).

    Interval: the day-block bootstrap's percentile interval of Σ differences / Σ flights, the same
    day weights for both pictures (paired), widened to contain the flights-independent interval
    mean ± 1.96 sd/√n of the per-flight differences.
    """
    out = []
    boot = _study_days(res, boot)
    drug = res["false_scramble"] != 1
    if not drug.any():
        return out
    names_n, net_c = _codes(res["network"])
    names_o, opt_c = _codes(res["option"])
    names_f, flight_c = _codes(res["flight"])
    day_i = boot.day_index(res["day"])
    # one integer per (network, option, day, flight): a flight's row in picture a meets its row in b
    key = ((net_c * len(names_o) + opt_c) * boot.days.size + day_i) * len(names_f) + flight_c
    is_id = (res["outcome"] == "identified_airborne").astype(np.float64)
    ra = np.flatnonzero(drug & (res["mode"] == a))
    rb = np.flatnonzero(drug & (res["mode"] == b))
    common, ia, ib = np.intersect1d(key[ra], key[rb], assume_unique=False, return_indices=True)
    if common.size == 0:
        return out
    ra, rb = ra[ia], rb[ib]
    diff = is_id[ra] - is_id[rb]
    pair = net_c[ra] * len(names_o) + opt_c[ra]
    keys_p, group = np.unique(pair, return_inverse=True)
    per_day = boot.day_sums(res["day"][ra], np.column_stack([np.ones(diff.size), diff]), group, keys_p.size)
    rep = boot.resample(per_day).reshape(-1, keys_p.size, 2)
    tot = per_day.sum(axis=0).reshape(keys_p.size, 2)
    lo_b, hi_b = ratio_interval(rep[:, :, 1], rep[:, :, 0], tot[:, 1] / tot[:, 0], boot.inflation, (-1.0, 1.0))
    for g in sorted(range(keys_p.size), key=lambda g: (names_n[keys_p[g] // len(names_o)],
                                                       names_o[keys_p[g] % len(names_o)])):
        d = diff[group == g]
        n = d.size
        mean = float(d.mean())
        sd = float(d.std(ddof=1)) if n > 1 else 0.0
        half = 1.959964 * sd / math.sqrt(n) if n > 1 else float("nan")
        net, opt = names_n[keys_p[g] // len(names_o)], names_o[keys_p[g] % len(names_o)]
        out.append(Delta(net, opt, n, mean, _lo(lo_b[g], mean - half), _hi(hi_b[g], mean + half),
                         mean - half, mean + half))
    return out


@dataclass(frozen=True)
class OptionDelta:
    """Paired Δ P(identified airborne) = option_a − option_b on one network and picture: the flights both options
    were played against (``days``: the days they share; ``flights``: drug flights on them)."""

    network: str
    picture: str
    option_a: str
    option_b: str
    flights: int
    days: int
    delta: float
    lo: float
    hi: float
    independent_lo: float = float("nan")
    independent_hi: float = float("nan")

    @property
    def distinguishable(self) -> bool:
        """The 95 % interval excludes 0."""
        return self.lo > 0 or self.hi < 0


def paired_option_deltas(res: dict, a: str, others, boot: DayBootstrap | None = None) -> list[OptionDelta]:
    """Δ P(identified airborne) = option ``a`` − each option of ``others``, per network and picture, on the
    flights of the days both options have (a flight's row for ``a`` meets its row for the other option: same
    network, picture, day and flight; days or flights only one option has are left out).

    Every option of a study sees the same flights, plots and air picture on a day, so the difference is
    paired; the engagement draws are the option's own.  Interval as :func:`paired_deltas`: the day-block
    bootstrap of Σ differences / Σ flights (the same day weights for both options), widened to contain mean ±
    1.96 sd/√n of the per-flight differences.  Rows in the order of ``others``, then network, then picture.
    """
    out = []
    boot = _study_days(res, boot)
    drug = res["false_scramble"] != 1
    if not drug.any():
        return out
    names_n, net_c = _codes(res["network"])
    names_m, mode_c = _codes(res["mode"])
    names_f, flight_c = _codes(res["flight"])
    day_i = boot.day_index(res["day"])
    key = ((net_c * len(names_m) + mode_c) * boot.days.size + day_i) * len(names_f) + flight_c
    is_id = (res["outcome"] == "identified_airborne").astype(np.float64)
    ra_all = np.flatnonzero(drug & (res["option"] == a))
    for b in others:
        if b == a:
            continue
        rb = np.flatnonzero(drug & (res["option"] == b))
        common, ia, ib = np.intersect1d(key[ra_all], key[rb], assume_unique=False, return_indices=True)
        if common.size == 0:
            continue
        ra, rb = ra_all[ia], rb[ib]
        diff = is_id[ra] - is_id[rb]
        pair = net_c[ra] * len(names_m) + mode_c[ra]
        keys_p, group = np.unique(pair, return_inverse=True)
        per_day = boot.day_sums(res["day"][ra], np.column_stack([np.ones(diff.size), diff]), group, keys_p.size)
        rep = boot.resample(per_day).reshape(-1, keys_p.size, 2)
        tot = per_day.sum(axis=0).reshape(keys_p.size, 2)
        lo_b, hi_b = ratio_interval(rep[:, :, 1], rep[:, :, 0], tot[:, 1] / tot[:, 0], boot.inflation, (-1.0, 1.0))
        for g in sorted(range(keys_p.size), key=lambda g: (names_n[keys_p[g] // len(names_m)],
                                                           names_m[keys_p[g] % len(names_m)])):
            sel = group == g
            d = diff[sel]
            n = d.size
            mean = float(d.mean())
            sd = float(d.std(ddof=1)) if n > 1 else 0.0
            half = 1.959964 * sd / math.sqrt(n) if n > 1 else float("nan")
            out.append(OptionDelta(names_n[keys_p[g] // len(names_m)], names_m[keys_p[g] % len(names_m)], a, b, n,
                                   int(np.unique(day_i[ra][sel]).size), mean, _lo(lo_b[g], mean - half),
                                   _hi(hi_b[g], mean + half), mean - half, mean + half))
    return out


def buys_for_options(options) -> dict[str, float]:
    """Aircraft US$3.5B buys for options whose aircraft are new fighters (package cost known), each with the
    option's pods bought outside the package (a pod per aircraft)."""
    out = {}
    for opt in options:
        types = {d.type for d in opt.detachments}
        if len(types) == 1:
            t = next(iter(types))
            if not t.in_service and t.package_cost_usd and t.package_cost_usd > 0 and t.max_speed_mps > 340:
                pod = getattr(opt, "pod_cost_usd", 0.0) / max(opt.aircraft, 1)
                out[opt.id] = BUDGET_USD / (t.package_cost_usd + pod)
    return out


@dataclass(frozen=True)
class HowIdentified:
    """How the identifications of one network x picture x option happened (rows of the flights' best legs).

    identified: flights identified airborne; by_search: of them, the interceptor had flown the search
    pattern before contact (else contact came on the track); inbound / outbound: flights identified on the
    inbound / the loaded outbound leg (a flight may count on both); night: identified at night, by sensor;
    innocent_scrambles / innocent_intercepts (contact) / innocent_identified per 30 days: innocent aircraft
    scrambled on, met, identified.
    """

    network: str
    picture: str
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
    for net, picture, opt in keys:
        sel = eq("network", net) & eq("mode", picture) & eq("option", opt)  # the picture column is named mode
        fl = sel & (res["false_scramble"] != 1)
        ident = fl & eq("outcome", "identified_airborne")
        night = ident & (res["night"] == 1)
        inn = sel & eq("kind", "innocent")
        days = days_per_network.get(net, 0)
        per30 = (lambda k: 30.0 * k / days) if days else (lambda k: float("nan"))
        out.append(HowIdentified(
            network=net, picture=picture, option=opt, flights=int(fl.sum()), identified=int(ident.sum()),
            by_search=int((ident & (res["searched"] == 1)).sum()),
            inbound=int((fl & (res["identified_inbound"] == 1)).sum()),
            outbound=int((fl & (res["identified_outbound"] == 1)).sum()),
            night_by_sensor={s: int((night & eq("id_sensor", s)).sum()) for s in ("eo_ir", "visual")},
            innocent_scrambles_per_30d=per30(int(inn.sum())),
            innocent_intercepts_per_30d=per30(int((inn & contact).sum())),
            innocent_identified_per_30d=per30(int((inn & ident_t).sum()))))
    return out


def how_identified_markdown(rows: list[HowIdentified], names: dict | None = None, order=None) -> str:
    """The report's table of :func:`how_identified` (``names``: option id -> display name, beside the id;
    ``order``: (network, picture, option) keys, default the rows' order)."""
    names = names or {}
    if order is not None:
        at = {k: i for i, k in enumerate(order)}
        rows = sorted(rows, key=lambda r: at.get((r.network, r.picture, r.option), len(at)))
    option = lambda oid: f"{names[oid]} (`{oid}`)" if names.get(oid, oid) != oid else oid  # noqa: E731
    pct = lambda k, n: f"{100 * k / n:.0f} %" if n else "—"  # noqa: E731
    lines = ["## How identifications happened", "",
             "Every identification below met the true aircraft: contact by the interceptor's own sensor, the "
             "registration read within the identifying sensor's range over Peru.", "",
             "| network | picture | option | identified | by search | inbound | loaded outbound | at night (EO/IR) | "
             "innocent scrambled / met / identified per 30 d |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| `{r.network}` | {r.picture} | {option(r.option)} | {r.identified} | {pct(r.by_search, r.identified)} | "
                     f"{r.inbound} | {r.outbound} | {r.night_by_sensor['eo_ir']} | "
                     f"{r.innocent_scrambles_per_30d:.1f} / {r.innocent_intercepts_per_30d:.1f} / "
                     f"{r.innocent_identified_per_30d:.1f} |")
    return "\n".join(lines) + "\n\n"
