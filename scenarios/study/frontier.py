"""The efficient frontier of evaluated portfolios: identified flights a year with intervals, paired differences,
the dominance rule, the shortfall that successive halving ranks by, and the marginal value of a lever.

Every portfolio of one rung is evaluated on the same days 0..D-1 (common random numbers), so a difference
between two portfolios is paired: flight by flight, day by day.  Intervals (95 %) are the study's
(:mod:`scenarios.study.uncertainty`): a circular block bootstrap over whole days with the fixed-b widening;
a paired difference's interval is never narrower than the flights-independent one (mean ± 1.96 sd / √n of
the per-flight differences), as for the study's paired Δ.  Costs are taken as given (the simulated flying
enters at its point estimate).

**Dominance rule.**  Portfolio A dominates B when A costs no more (life-cycle cost over the horizon) and B
does not identify *demonstrably* more: the 95 % interval of the paired difference B − A (identified a year)
does not lie above 0.  At equal cost, where neither is demonstrably better, the one with more identified
(then the first name) dominates.  So a portfolio is **on the frontier** when it identifies demonstrably more
than every portfolio that costs no more: paying more is on the frontier only when what it buys shows.  The
frontier, in cost order, rises in identified flights at every step.  ``dominated_by`` names the cheapest
portfolio that dominates (then the one identifying most, then by name).

**Shortfall** (what successive halving ranks by): identified a year behind the best portfolio that costs no
more (point estimates; 0 on the point-estimate frontier).  Halving keeps the better half by shortfall, and the
best portfolio holding each lever.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.study.uncertainty import DayBootstrap, interval

YEAR_DAYS = 365.0
Z95 = 1.959964


@dataclass
class Evaluation:
    """One rung: P portfolios on days 0..D-1.

    names: portfolio names (P).  ident: (flights, P) 0/1, flight i identified airborne by portfolio j;
    flight_day: day index of each flight.  per_day: (D, P) identified per day; flying_day: (D, P) the
    sorties' cost per day (US$, scrambles on anything included).  fixed: (P,) fixed cost over the horizon.
    horizon_years: H.  boot: the day-block bootstrap of the D days.
    """

    days: int
    names: list
    ident: np.ndarray
    flight_day: np.ndarray
    per_day: np.ndarray
    flying_day: np.ndarray
    fixed: np.ndarray
    horizon_years: float
    boot: DayBootstrap

    def __post_init__(self):
        self.scale = YEAR_DAYS / self.days
        self.reps = self.boot.resample(self.per_day)  # (R, P) identified over the D days, per replicate
        tot = self.per_day.sum(axis=0)
        self.identified = tot * self.scale
        lo, hi = interval(self.reps, tot, self.boot.inflation, (0.0, math.inf))
        self.lo, self.hi = lo * self.scale, hi * self.scale
        self.flying_per_year = self.flying_day.sum(axis=0) * self.scale
        self.cost = self.fixed + self.horizon_years * self.flying_per_year
        self.index = {n: i for i, n in enumerate(self.names)}

    @property
    def flights_per_year(self) -> float:
        return self.ident.shape[0] * self.scale

    def paired(self, with_: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean over the pairs k of identified a year (with_[k] − base[k]), per row of the index arrays
        (shape (M, K): M differences, each the mean of K pairs); returns (point, lo, hi), each (M,)."""
        with_ = np.atleast_2d(np.asarray(with_, np.int64))
        base = np.atleast_2d(np.asarray(base, np.int64))
        reps = (self.reps[:, with_] - self.reps[:, base]).mean(axis=2)  # (R, M)
        tot = (self.per_day[:, with_] - self.per_day[:, base]).mean(axis=2).sum(axis=0)
        lo, hi = interval(reps, tot, self.boot.inflation)
        d = (self.ident[:, with_].astype(np.float64) - self.ident[:, base]).mean(axis=2)  # (flights, M)
        n = d.shape[0]
        if n > 1:
            half = Z95 * d.std(axis=0, ddof=1) * math.sqrt(n)
            lo, hi = np.minimum(lo, tot - half), np.maximum(hi, tot + half)
        return tot * self.scale, lo * self.scale, hi * self.scale

    def delta(self, a: int, b: int) -> tuple[float, float, float]:
        """Identified a year, a − b, with its 95 % interval."""
        p, lo, hi = self.paired(np.array([[a]]), np.array([[b]]))
        return float(p[0]), float(lo[0]), float(hi[0])


@dataclass(frozen=True)
class Dominance:
    """on_frontier (P,) bool; dominated_by: index of the dominating portfolio, -1 on the frontier."""

    on_frontier: np.ndarray
    dominated_by: np.ndarray


def dominance(ev: Evaluation) -> Dominance:
    """The dominance rule of this module over one rung's portfolios."""
    p = len(ev.names)
    by = np.full(p, -1, np.int64)
    cost, y = ev.cost, ev.identified
    order_name = np.argsort(np.argsort(np.array(ev.names, dtype=object)))  # rank of each name
    for b in range(p):
        cand = np.flatnonzero((cost <= cost[b]) & (np.arange(p) != b))
        if cand.size == 0:
            continue
        _, lo, hi = ev.paired(np.full((cand.size, 1), b), cand[:, None])  # B − A
        not_better = lo <= 0.0
        cheaper = cost[cand] < cost[b]
        a_better = -hi > 0.0  # A − B demonstrably above 0
        a_first = (y[cand] > y[b]) | ((y[cand] == y[b]) & (order_name[cand] < order_name[b]))
        dom = not_better & (cheaper | a_better | a_first)
        if dom.any():
            d = cand[dom]
            key = np.lexsort((order_name[d], -y[d], cost[d]))  # cheapest, then most identified, then name
            by[b] = d[key[0]]
    return Dominance(by < 0, by)


def shortfall(cost: np.ndarray, identified: np.ndarray) -> np.ndarray:
    """Identified a year behind the best portfolio that costs no more (0 on the point-estimate frontier)."""
    order = np.argsort(cost, kind="stable")
    best = np.maximum.accumulate(identified[order])
    # portfolios of equal cost share the best among them all
    c_sorted = cost[order]
    last = np.searchsorted(c_sorted, c_sorted, side="right") - 1
    out = np.empty_like(identified, dtype=np.float64)
    out[order] = best[last] - identified[order]
    return np.maximum(out, 0.0)


def halve(ev: Evaluation, keep_always=(), fraction: float = 0.5, groups: dict | None = None) -> list[str]:
    """The names that go on to the next rung: ``keep_always``, the best ``ceil(fraction x P)`` by shortfall (then
    cost, then name), every portfolio with no shortfall, and the best of each group of ``groups`` (lever id ->
    the names holding it: every lever stays evaluated, so its marginal value is measured on the most days)."""
    s = shortfall(ev.cost, ev.identified)
    rank = {n: (s[i], ev.cost[i], n) for i, n in enumerate(ev.names)}
    order = sorted(ev.names, key=rank.__getitem__)
    m = max(int(math.ceil(fraction * len(order))), int((s <= 0).sum()))
    keep = set(order[:m]) | {n for n in keep_always if n in ev.index}
    for names in (groups or {}).values():
        names = [n for n in names if n in ev.index]
        if names:
            keep.add(min(names, key=rank.__getitem__))
    return [n for n in ev.names if n in keep]
