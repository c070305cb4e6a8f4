"""Sensitivity of the study's answers to the scenario's uncertain values (``airbridge sensitivity``).

Every point of the design is a **study**: the baseline study (its scenario, networks, pictures, options, days
and seed, and its own overrides) with the knobs' overrides added (:mod:`scenarios.study.knobs`), run by the
trade-off runner (:func:`scenarios.study.runner.run_study`) into ``OUT/runs/<study key>/study.sqlite``.  All
points share the seed and the days, so every difference between two points is paired on common random numbers
(the same flights, outage draws and engagement draws wherever the knob does not change them).  A run already
complete in ``OUT/runs`` is reused (the key is the study), so an interrupted command re-run with the same
arguments continues where it stopped.

Metrics, each a point estimate pooled over the study's networks (identified / drug flights):

* ``p_identified``: P(identified airborne) of the chosen option in the chosen picture;
* ``integration_delta``: P(identified airborne) integrated − non_integrated of the chosen option (paired: the
  same flights and draws in both pictures);
* ``top_pair_delta``: P(A) − P(B) in the chosen picture, A and B the two best options of the baseline run
  (paired: the same flights), so a knob that closes or reverses the gap shows here.

**One at a time** (OAT): each knob at its low and at its high end, every other value at the baseline; the swing
of a metric is the range of its three values (low, base, high).  **Morris screening** (SALib: ``morris.sample``
on the unit cube, ``morris.analyze``): ``R`` trajectories of ``k + 1`` points on a 4-level grid, every knob moved
once per trajectory; mu* (mean |elementary effect|) ranks the knobs by influence over the whole box of ranges,
sigma shows interaction or non-linearity.  Elementary effects are in metric units per full low-to-high range.
"""
from __future__ import annotations

import dataclasses
import math
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from radar.errors import InputError

METRICS = ("p_identified", "integration_delta", "top_pair_delta")
#: Morris grid levels (SALib's default; with 4 levels a step moves a knob by 2/3 of its range)
MORRIS_LEVELS = 4


@dataclass
class Counts:
    """Identified and drug flights per (option, picture), pooled over the networks of one run."""

    by: dict = field(default_factory=dict)

    def p(self, option: str, picture: str) -> float:
        k, n = self.by.get((option, picture), (0, 0))
        return k / n if n else math.nan


def read_counts(store: Path) -> Counts:
    """Identified airborne and drug flights per (option, picture) of a complete store (the report's
    ``p_identified``: rows that are not false scrambles)."""
    db = sqlite3.connect(store)
    try:
        rows = db.execute("SELECT option, mode, SUM(outcome = 'identified_airborne'), COUNT(*) FROM results "
                          "WHERE COALESCE(false_scramble, 0) != 1 GROUP BY option, mode").fetchall()
    finally:
        db.close()
    return Counts({(o, m): (int(k or 0), int(n)) for o, m, k, n in rows})


@dataclass(frozen=True)
class Focus:
    """What the metrics are about: the chosen option and picture, and the baseline's top pair (None with one
    option)."""

    option: str
    picture: str
    pair: tuple[str, str] | None
    integration: bool

    def metrics(self) -> tuple[str, ...]:
        out = ["p_identified"]
        if self.integration:
            out.append("integration_delta")
        if self.pair:
            out.append("top_pair_delta")
        return tuple(out)

    def values(self, c: Counts) -> dict[str, float]:
        out = {"p_identified": c.p(self.option, self.picture)}
        if self.integration:
            out["integration_delta"] = c.p(self.option, "integrated") - c.p(self.option, "non_integrated")
        if self.pair:
            out["top_pair_delta"] = c.p(self.pair[0], self.picture) - c.p(self.pair[1], self.picture)
        return out

    def label(self, metric: str) -> str:
        if metric == "p_identified":
            return f"P(identified airborne), {self.option}, {self.picture}"
        if metric == "integration_delta":
            return f"Δ P(identified airborne) integrated − non_integrated, {self.option}"
        a, b = self.pair
        return f"Δ P(identified airborne) {a} − {b} ({self.picture}; the baseline's top two)"


def choose_focus(base: Counts, options: list[str], pictures, option: str | None, picture: str | None) -> Focus:
    """The chosen option (``option``, else the baseline's best in ``picture``), the picture (``picture``, else
    integrated when the study has it, else its first), and the baseline's top two options in that picture."""
    if picture is None:
        picture = "integrated" if "integrated" in pictures else pictures[0]
    ranked = sorted(options, key=lambda o: (-_nan_low(base.p(o, picture)), options.index(o)))
    pair = (ranked[0], ranked[1]) if len(ranked) >= 2 else None
    chosen = option or ranked[0]
    return Focus(chosen, picture, pair, {"integrated", "non_integrated"} <= set(pictures))


def _nan_low(v: float) -> float:
    return -1.0 if math.isnan(v) else v


# ------------------------------------------------------------------------------------------
class Runs:
    """The design's points, each a study run by :func:`scenarios.study.runner.run_study` (reused when complete)."""

    def __init__(self, spec, out: Path, workers: int = 0, scheduler: str | None = None, log=print):
        """``log``: where each point's one line goes (what it is, its run time or "reused")."""
        from scenarios.config.overrides import normalise

        self.spec = spec
        self.base = tuple(normalise(spec.overrides))
        self.root = Path(out) / "runs"
        self.workers, self.scheduler, self.log = workers, scheduler, log
        self.index: list[tuple] = []  # (key, what, overrides, seconds, reused)
        self.done = 0
        self.total = 0
        self.seconds = 0.0

    def spec_for(self, overrides) -> object:
        from scenarios.config.overrides import normalise

        over = normalise([*self.base, *overrides])
        return dataclasses.replace(self.spec, overrides=tuple(o.text for o in over))

    def counts(self, overrides, what: str) -> Counts:
        from scenarios.study.runner import run_study
        from scenarios.study.store import Store

        spec = self.spec_for(overrides)
        out = self.root / spec.key()
        store = out / "study.sqlite"
        reused = False
        t0 = time.perf_counter()
        if store.exists():
            s = Store(store)
            reused = s.meta().get("complete") == "1"
            s.close()
        if not reused:
            run_study(spec, out, workers=self.workers, scheduler=self.scheduler, resume=True, progress=False)
        dt = time.perf_counter() - t0
        self.seconds += dt
        self.done += 1
        self.index.append((spec.key(), what, " ".join(overrides), dt, reused))
        c = read_counts(store)
        self.log(f"sensitivity: [{self.done}/{self.total}] {what:<44} {'reused' if reused else f'{dt:5.1f} s'}")
        return c


@dataclass
class OatRow:
    knob: object  # scenarios.study.knobs.Knob
    low: dict
    high: dict


@dataclass
class MorrisResult:
    """Per metric: mu, mu*, its 95 % confidence half-width, sigma per knob (SALib ``morris.analyze``)."""

    trajectories: int
    levels: int
    points: int
    by_metric: dict  # metric -> {"mu": [...], "mu_star": [...], "mu_star_conf": [...], "sigma": [...]}


@dataclass
class Result:
    spec: object
    focus: Focus
    knobs: list
    base: dict
    oat: list[OatRow]
    morris: MorrisResult | None
    runs: Runs
    seconds: float
    options: list = field(default_factory=list)

    def swing(self, row: OatRow, metric: str) -> float:
        vals = [row.low[metric], self.base[metric], row.high[metric]]
        if any(math.isnan(v) for v in vals):
            return math.nan
        return max(vals) - min(vals)

    def ranked(self, metric: str) -> list[OatRow]:
        return sorted(self.oat, key=lambda r: (-_nan_low(self.swing(r, metric)), r.knob.name))


def morris(knobs, runs: Runs, focus: Focus, trajectories: int, seed: int) -> MorrisResult:
    """Morris elementary effects over ``knobs`` at once: SALib's design on the unit cube (each coordinate mapped to
    its knob's range by :meth:`scenarios.study.knobs.Knob.at`), one run per point, SALib's analysis per metric."""
    import numpy as np
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": len(knobs), "names": [k.name for k in knobs], "bounds": [[0.0, 1.0]] * len(knobs)}
    x = morris_sample.sample(problem, N=trajectories, num_levels=MORRIS_LEVELS, seed=seed)
    metrics = focus.metrics()
    y = {m: np.empty(len(x)) for m in metrics}
    per = len(knobs) + 1
    for i, row in enumerate(x):
        overrides = tuple(o for k, v in zip(knobs, row) for o in k.at(float(v)))
        values = focus.values(runs.counts(overrides, f"morris trajectory {i // per + 1}, point {i % per + 1}"))
        for m in metrics:
            y[m][i] = values[m]
    out = {}
    for m in metrics:
        r = morris_analyze.analyze(problem, x, y[m], num_levels=MORRIS_LEVELS, conf_level=0.95, seed=seed,
                                   print_to_console=False)
        out[m] = {k: [float(v) for v in r[k]] for k in ("mu", "mu_star", "mu_star_conf", "sigma")}
    return MorrisResult(trajectories, MORRIS_LEVELS, len(x), out)


def run_sensitivity(spec, out: Path, specs, defaults: bool, only=(), option: str | None = None,
                    picture: str | None = None, morris_trajectories: int = 4, workers: int = 0,
                    scheduler: str | None = None, log=print, progress=None, intro=()) -> Result:
    """Baseline, then every knob at its low and high end (OAT), then Morris; returns the results (the outputs are
    written by :func:`scenarios.study.sensitivity_report.write`).

    spec: the baseline study.  specs: the stated knobs (:class:`scenarios.study.knobs.KnobSpec`, a study file's
    ``[sensitivity]`` then ``--knob``); defaults: add the built-in knobs (:func:`scenarios.study.knobs.default_specs`)
    before them.  only: keep only these knobs (names or paths).  option / picture: what the metrics are about
    (default: the baseline's best option; integrated).  log: the plan's lines; progress: one line per run (default:
    ``log``); intro: lines logged once the inputs are checked, before the first run."""
    from scenarios.config.scenario import load_scenario
    from scenarios.study import knobs as K

    t0 = time.perf_counter()
    scn = load_scenario(spec.scenario, spec.overrides)
    from scenarios.config.interceptors import load_interceptor_config

    options = [o.id for o in load_interceptor_config(scn).select(list(spec.options))]
    if option is not None and option not in options:
        raise InputError(f"--option {option}: not an option of the study: expected one of {', '.join(options)}")
    if picture is not None and picture not in spec.pictures:
        raise InputError(f"--picture {picture}: not a picture of the study: expected one of {', '.join(spec.pictures)}")
    if not defaults and not specs:
        raise InputError("[sensitivity] defaults = false and no knob stated: expected PATH = [LOW, HIGH] lines "
                         "(or --knob PATH=[LOW,HIGH]), or the built-in knobs")
    # stated knobs are checked before anything runs (a bad range costs nothing)
    stated = K.build_knobs(specs, spec.scenario, spec.overrides) if specs else []
    # so is --knobs, against every knob the run could have (the per-aircraft ones of any option)
    _filter(K.merge_specs(K.default_specs(scn, options) if defaults else [], specs), only)
    for line in intro:
        log(line)
    runs = Runs(spec, out, workers, scheduler, progress or log)
    runs.total = 1
    base_counts = runs.counts((), "baseline")
    focus = choose_focus(base_counts, options, spec.pictures, option, picture)
    about = [focus.option] + [o for o in (focus.pair or ()) if o != focus.option]
    all_specs = K.merge_specs(K.default_specs(scn, about) if defaults else [], specs)
    all_specs = _filter(all_specs, only, strict=False)
    if not all_specs:
        raise InputError(f"--knobs {','.join(only)}: none of these is a knob of the options the metrics are about "
                         f"({', '.join(about)}): expected knobs of those options or global ones")
    knobs = K.build_knobs(all_specs, spec.scenario, spec.overrides) if all_specs != specs else stated
    base = focus.values(base_counts)
    n_oat = 2 * len(knobs)
    n_morris = morris_trajectories * (len(knobs) + 1) if morris_trajectories else 0
    runs.total = 1 + n_oat + n_morris
    shown = [f"{m} {100 * v:.1f} %" if m == "p_identified" else f"{m} {100 * v:+.1f} pp" for m, v in base.items()]
    log(f"baseline: {', '.join(shown)} ({focus.option}, {focus.picture}"
        + (f"; top pair {focus.pair[0]} over {focus.pair[1]}" if focus.pair else "") + ")")
    log(f"{len(knobs)} knobs: {n_oat} one-at-a-time runs" + (f" + Morris {morris_trajectories} trajectories x "
                                                             f"{len(knobs) + 1} points = {n_morris} runs" if n_morris
                                                             else "") + f", {spec.days} days each")
    oat = []
    for k in knobs:
        lo = focus.values(runs.counts(k.level("low"), f"{k.name} low ({k.show(k.low)})"))
        hi = focus.values(runs.counts(k.level("high"), f"{k.name} high ({k.show(k.high)})"))
        oat.append(OatRow(k, lo, hi))
    mres = None
    if morris_trajectories:
        mres = morris(knobs, runs, focus, morris_trajectories, spec.seed)
    return Result(spec, focus, knobs, base, oat, mres, runs, time.perf_counter() - t0, options)


def _filter(specs, only, strict: bool = True):
    """The knobs named (by name or path) in ``only``, in its order, then those of ``--knob`` (always kept); an
    unknown name is an error when ``strict`` (otherwise skipped: a per-aircraft knob of an option the metrics are
    not about)."""
    if not only:
        return specs
    names = {s.name or s.path: s for s in specs}
    paths = {s.path: s for s in specs}
    out = []
    for w in only:
        s = names.get(w) or paths.get(w)
        if s is None and not strict:
            continue
        if s is None:
            import difflib

            near = difflib.get_close_matches(w, list(names) + list(paths), n=1, cutoff=0.5)
            hint = f" (did you mean {near[0]}?)" if near else f": expected one of {', '.join(names)}"
            raise InputError(f"--knobs {','.join(only)}: {w!r} is not a knob of this run{hint}")
        if s not in out:
            out.append(s)
    return out + [s for s in specs if s.origin == "--knob" and s not in out]
