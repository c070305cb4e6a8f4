"""Intervals that respect the study's correlations: a circular block bootstrap over whole days.

Why not a binomial interval.  A study's flights are not independent: the flights of one
formation share a fate, and a radar outage lasts weeks (each radar's up/down state is a
two-state Markov chain over days, :mod:`radar.feeds`), so every flight of an outage sees the
same hole in the picture.  A Wilson interval that counts flights as independent draws is then
several times too narrow; two seeds of the same study can give non-overlapping intervals.

Method.  Whole days are the unit resampled (a formation never spans two days; every network,
picture and option of a day is resampled together, so paired differences stay paired), in
blocks of consecutive days at least one outage cycle long, so the weeks-long correlation of
the radar states stays inside the blocks:

* block length ``b`` = the longest mean up/down cycle of the study's radars
  (:func:`outage_cycle_days`: mean up sojourn + mean down sojourn of the chain that
  :mod:`radar.feeds` draws), capped at half the study so a short study still has two blocks;
* the **circular block bootstrap** (Politis & Romano 1992): the days 0..D-1 are laid on a
  circle; a replicate draws ``ceil(D / b)`` block starts uniformly on it, takes ``b``
  consecutive days (mod D) from each and keeps the first D days.  It is the moving-block
  bootstrap of Künsch (1989) without the end effect that under-weights the first and last
  ``b - 1`` days (every day has the same chance to be drawn);
* a replicate is a vector of day weights (how often each day was drawn); every score that
  is a sum or a ratio of sums over days (P(identified airborne) = Σ identified / Σ flights,
  flights per 30 days, cost per identification, a paired Δ = Σ differences / Σ flights) is
  recomputed for all replicates and all statistics at once as ``weights @ day_sums``
  (speed: one matrix product, about 0.1 s for 2,000 replicates x 417 days x 200 statistics);
* interval: the 2.5 % and 97.5 % percentiles of the replicates (percentile bootstrap), their
  distances from the estimate scaled by the fixed-b factor of Kiefer & Vogelsang (2005)
  (:func:`fixed_b_critical_value`): with blocks a fifth of the study the bootstrap's spread is a
  noisy, low estimate of the true one: on synthetic 417-day studies with one 75-day outage cycle
  the plain percentile interval covers the true rate ~81 % of the time instead of 95 % (~90 % on
  independent days), with the factor ~89 % (~95 %; tests/test_uncertainty.py).  The shortfall
  left is the part of the outage correlation longer than a block, which the Bartlett weights of
  block resampling (1 - lag / b) discount.

On the study itself (network ``peru``, 417 days, Gripen QRA, seeds 1-20): P(identified
airborne) is ~0.62 x the Puerto Maldonado TPS-70's realised up fraction, whose spread over 200
seeds of its outage chain is sd 0.14, so the cross-seed sd of P should be ~0.087; it is 0.0875,
and the bootstrap's 95 % half-widths average 1.96 x 0.082.  The intervals of 19 of the 20 seeds
contain the 20-seed mean (Wilson's: 3 of 20); 18 or 19 of 20 for every other rate.
benches/bench_intervals.py checks this on seeds 1-5.

``scipy.stats.bootstrap`` resamples single observations (iid, or paired across samples), not
blocks of a series, so it cannot do this; the weights are drawn here.

The block bootstrap recovers the variance only when the study spans several blocks: with
fewer than :data:`MIN_CYCLES` outage cycles its intervals mean little, and
:func:`cycle_check` says so.

References
----------
Künsch, H. R. (1989). The jackknife and the bootstrap for general stationary observations.
*Annals of Statistics* 17(3), 1217-1241.
Politis, D. N. and Romano, J. P. (1992). A circular block-resampling procedure for stationary
data. In *Exploring the Limits of Bootstrap* (eds. LePage and Billard), Wiley, 263-270.
Kiefer, N. M. and Vogelsang, T. J. (2005). A new asymptotic theory for
heteroskedasticity-autocorrelation robust tests. *Econometric Theory* 21(6), 1130-1164.
Lahiri, S. N. (2003). *Resampling Methods for Dependent Data*, Springer, ch. 2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: bootstrap replicates of a study's intervals
REPLICATES = 2000
#: a study spanning fewer outage cycles than this gets a warning: its intervals are unreliable
MIN_CYCLES = 3.0
#: 95 % intervals (the fixed-b factor of :func:`fixed_b_critical_value` is for this level)
LEVEL = 0.95
#: mixed into the study seed for the bootstrap's generator (never used by the simulation streams)
_BOOTSTRAP_KEY = 0xB007_5742


# ------------------------------------------------------------------------------------------
# Outage cycles of a network's radars
def outage_cycle_days(radar) -> float:
    """Mean length of one up/down cycle of a radar's outage chain, days (0 if it never goes down).

    The chain of :mod:`radar.feeds` fails with P(up->down) = 1/max(mean_up_days, 1) and is
    repaired with P(down->up) = 1/max(mean_down_days, 1) per day; its up and down spells are
    geometric, so a cycle lasts 1/P(up->down) + 1/P(down->up) days on average.
    """
    from radar.outages import transition_probabilities

    _, p_fail, p_fix = transition_probabilities(radar)
    if p_fail <= 0.0:
        return 0.0
    return 1.0 / p_fail + 1.0 / p_fix


@dataclass(frozen=True)
class CycleCheck:
    """How many outage cycles a study spans, and the bootstrap's block length.

    cycle_days: the longest mean up/down cycle of the study's radars, days (0: no radar ever
    goes down).  radar: the site id of that radar ("" if none).  study_days: days simulated
    per network.  block_days: the bootstrap's block length, days (>= 1).
    """

    cycle_days: float
    radar: str
    study_days: int

    @property
    def cycles(self) -> float:
        """Outage cycles the study spans (inf when no radar goes down)."""
        return self.study_days / self.cycle_days if self.cycle_days > 0 else math.inf

    @property
    def block_days(self) -> int:
        if self.cycle_days <= 0:
            return 1
        return max(1, min(int(math.ceil(self.cycle_days)), self.study_days // 2))

    @property
    def capped(self) -> bool:
        """The block is shorter than one cycle (the study is under two cycles long)."""
        return self.cycle_days > 0 and self.block_days < self.cycle_days

    @property
    def days_needed(self) -> int:
        """Days the study needs for :data:`MIN_CYCLES` cycles."""
        return int(math.ceil(MIN_CYCLES * self.cycle_days))

    def span_line(self) -> str:
        if self.cycle_days <= 0:
            return f"the study spans {self.study_days} days; no radar of its networks has outages"
        return (f"the study spans {self.cycles:.1f} outage cycles of {self.radar} "
                f"({self.cycle_days:.0f}-day mean up/down cycle, the longest of its networks' radars)")

    def warning(self) -> str | None:
        """One line when the study is too short for its intervals, else None."""
        if self.cycles >= MIN_CYCLES:
            return None
        return (f"intervals unreliable: the study spans {self.cycles:.1f} outage cycles of {self.radar} "
                f"({self.cycle_days:.0f}-day mean up/down cycle); run >= {self.days_needed} days "
                f"(>= {MIN_CYCLES:g} cycles)")

    def method_line(self, replicates: int = REPLICATES) -> str:
        block = f"{self.block_days}-day blocks"
        if self.cycle_days > 0:
            block += (f" (one {self.cycle_days:.0f}-day outage cycle of {self.radar})" if not self.capped else
                      f" (capped at half the study; one outage cycle of {self.radar} is {self.cycle_days:.0f} days)")
        factor = (fixed_b_critical_value(self.block_days / self.study_days) / 1.959964
                  if self.block_days > 1 and self.study_days > 0 else 1.0)
        return (f"95 % intervals: circular block bootstrap over whole days (Politis & Romano 1992), {block}, "
                f"{replicates:,} replicates; percentile intervals widened x{factor:.2f} for the few blocks "
                "(fixed-b, Kiefer & Vogelsang 2005); proportions and Δ never narrower than the "
                "flights-independent interval (Wilson; paired normal)")


def cycle_check(scenario, networks, study_days: int) -> CycleCheck:
    """The longest outage cycle among the radars of ``networks`` (names) of ``scenario``."""
    best, name = 0.0, ""
    for net in networks:
        for r in scenario.network(net).radars:
            c = outage_cycle_days(r)
            if c > best:
                best, name = c, r.site_id
    return CycleCheck(best, name, int(study_days))


def study_bootstrap(scenario, networks, day_values, seed: int,
                    replicates: int = REPLICATES) -> tuple[CycleCheck, "DayBootstrap"]:
    """The cycle check and the day-block bootstrap of a study's stored days (``day_values``: the
    simulated day numbers, repeats allowed), seeded by the study's master seed."""
    days = np.unique(np.asarray(list(day_values), np.int64))
    cycles = cycle_check(scenario, networks, days.size)
    return cycles, DayBootstrap.draw(days, cycles.block_days, seed, replicates)


# ------------------------------------------------------------------------------------------
# The bootstrap
def block_weights(n_days: int, block_days: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Circular-block-bootstrap day weights, shape (replicates, n_days), float64.

    Row r counts how often each day appears in replicate r: ``ceil(n_days / block_days)``
    starts drawn uniformly in 0..n_days-1, ``block_days`` consecutive days (mod n_days) from
    each, truncated to ``n_days`` days; every row sums to ``n_days``.
    """
    if n_days <= 0:
        return np.zeros((replicates, 0))
    b = max(1, min(int(block_days), n_days))
    k = -(-n_days // b)
    starts = rng.integers(0, n_days, size=(replicates, k))
    # block i covers days starts_i .. starts_i + len_i - 1 of the circle unrolled twice (0..2D-1); the last
    # block is cut so the replicate has n_days days.  Counted with a difference array (+1 at a block's
    # start, -1 past its end), summed along the unrolled circle, then folded back onto 0..D-1 (speed:
    # 2 x k entries per replicate instead of D day indices; ~10x faster for 417 days)
    lengths = np.full(k, b)
    lengths[-1] = n_days - (k - 1) * b
    width = 2 * n_days + 1
    row = (np.arange(replicates) * width)[:, None]
    marks = np.concatenate([(row + starts).ravel(), (row + starts + lengths).ravel()])
    signs = np.concatenate([np.ones(starts.size), -np.ones(starts.size)])
    diff = np.bincount(marks, weights=signs, minlength=replicates * width).reshape(replicates, width)
    unrolled = np.cumsum(diff[:, :2 * n_days], axis=1)
    return unrolled[:, :n_days] + unrolled[:, n_days:]


@dataclass(frozen=True)
class DayBootstrap:
    """Replicate day weights of a study: ``weights[r, i]`` = times day ``days[i]`` is drawn.

    days: the simulated day numbers (sorted); block_days: block length; weights: (R, D).
    """

    days: np.ndarray
    block_days: int
    weights: np.ndarray

    @classmethod
    def draw(cls, days, block_days: int, seed: int, replicates: int = REPLICATES) -> "DayBootstrap":
        """Deterministic weights for a study with master seed ``seed``."""
        days = np.unique(np.asarray(days, np.int64))
        rng = np.random.default_rng(np.random.SeedSequence([int(seed) & (2 ** 64 - 1), _BOOTSTRAP_KEY]))
        return cls(days, int(block_days), block_weights(days.size, block_days, replicates, rng))

    def day_index(self, day_values) -> np.ndarray:
        """Position of each day number in :attr:`days` (every value must be one of them)."""
        return np.searchsorted(self.days, np.asarray(day_values).astype(np.int64))

    def day_sums(self, day_values, columns: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
        """Sums of ``columns`` (rows x S) per group and day: shape (D, n_groups * S), group-major."""
        columns = np.asarray(columns, np.float64)
        if columns.ndim == 1:
            columns = columns[:, None]
        n_days, s = self.days.size, columns.shape[1]
        cell = np.asarray(groups, np.int64) * n_days + self.day_index(day_values)
        out = np.empty((n_days, n_groups * s))
        for j in range(s):
            out[:, j::s] = np.bincount(cell, weights=columns[:, j], minlength=n_groups * n_days
                                       ).reshape(n_groups, n_days).T
        return out

    def resample(self, day_sums: np.ndarray) -> np.ndarray:
        """Replicate totals (R, K) of per-day sums (D, K)."""
        return self.weights @ day_sums

    @property
    def inflation(self) -> float:
        """Factor on the percentile interval's half-widths for few blocks (1 for one-day blocks):
        the fixed-b critical value over 1.96 (:func:`fixed_b_critical_value`)."""
        if self.block_days <= 1 or self.days.size == 0:
            return 1.0
        return fixed_b_critical_value(self.block_days / self.days.size) / 1.959964


def fixed_b_critical_value(b_over_n: float) -> float:
    """97.5 % quantile of |x̄ - μ| / SE for a Bartlett-kernel (block-bootstrap) standard error whose
    bandwidth is the fraction ``b_over_n`` of the series: Kiefer & Vogelsang (2005) fixed-b
    asymptotics, their cubic fit for the Bartlett kernel, 1.96 + 2.9694 r + 0.4160 r² − 0.5324 r³.

    The circular block bootstrap's variance is asymptotically the Bartlett-kernel estimator with
    bandwidth b (Künsch 1989), so with few blocks its standard error is itself noisy and biased
    low (E = σ²/n · (1 − b/n) on independent data) and ±1.96 SE undercovers: at b/n = 0.19 (an
    80-day cycle in 417 days) the 95 % interval needs ±2.54 SE.  The fit holds for r ≤ 1; a
    simulation of this bootstrap on independent normal data agrees within 2 % for r ≤ 0.25 and
    gives 5 % more at r = 1/3 (tests/test_uncertainty.py), where studies already get a warning.
    """
    r = float(b_over_n)
    return 1.959964 + 2.9694 * r + 0.4160 * r * r - 0.5324 * r ** 3


def ratio_interval(num: np.ndarray, den: np.ndarray, point, inflation: float = 1.0,
                   bounds: tuple[float, float] = (-math.inf, math.inf)) -> tuple[np.ndarray, np.ndarray]:
    """Interval of num/den from its replicates (axis 0): see :func:`interval`.  Replicates with
    den = 0 are left out (NaN where every replicate has den = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)
    return interval(r, point, inflation, bounds)


def interval(samples: np.ndarray, point, inflation: float = 1.0,
             bounds: tuple[float, float] = (-math.inf, math.inf)) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of the replicates ``samples`` (axis 0), each end's distance from the
    estimate ``point`` scaled by ``inflation`` (the fixed-b correction, :attr:`DayBootstrap.inflation`;
    the percentile interval's asymmetry is kept), then clipped to ``bounds``."""
    lo, hi = percentile_interval(samples)
    point = np.asarray(point, np.float64)
    lo = point - inflation * (point - lo)
    hi = point + inflation * (hi - point)
    return np.clip(lo, *bounds), np.clip(hi, *bounds)


def percentile_interval(samples: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) percentiles of ``samples`` over axis 0, NaN-aware."""
    q = [50 * (1 - level), 50 * (1 + level)]
    samples = np.asarray(samples, np.float64)
    if samples.shape[0] == 0:
        nan = np.full(samples.shape[1:], np.nan)
        return nan, nan.copy()
    finite = ~np.isnan(samples)
    if finite.all():
        lo, hi = np.percentile(samples, q, axis=0)
    else:
        ok = finite.any(axis=0)
        lo = np.full(samples.shape[1:], np.nan)
        hi = lo.copy()
        if ok.any():
            lo[ok], hi[ok] = np.nanpercentile(samples[:, ok], q, axis=0)
    return lo, hi
