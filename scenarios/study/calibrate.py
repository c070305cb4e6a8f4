"""Calibration of the drug-flight traffic to history (``airbridge calibrate``): what a radar logged, against
what the model's radar logs, and the traffic values that make them agree.

The history is the ``[calibration]`` table (:mod:`scenarios.config.calibration`): legs a radar logged in a window
(the Puerto Maldonado TPS-70, 10 May-21 Sep 2015: 205 legs, 108 inbound, 95 outbound; 222 detections to 16 Aug)
and a range of drug flights a year (600-1,000).

1. :func:`measure`: R replications (seeds s..s+R-1) of days 0..D-1 (D: the end of the latest window).  Each day's
   drug flights are the study's (:func:`scenarios.flights.threat.generate_drug_flights`, stream (seed, day,
   threat), routed as the scenario routes them; the flights of ``simulate_traffic`` without the background) and the
   radar's plots of them are the study's (:func:`radar.feeds.generate_plots`, the same counter-based detection draws
   keyed by flight and radar; false plots off), with the radar up.  A drug flight has two legs, inbound (Bolivia to
   the pickup strip, plots before landing) and outbound (strip to Bolivia, plots after take-off); a leg counts once
   if the radar plotted it at least once.  Each aircraft of a formation is a flight.
2. Outages.  The history is what the real radar logged, outages included (the sources do not report them).  The
   model's radar logs day d only when its outage chain has it up, so its expected log is sum_d P(up on d) x legs
   plotted on d with the radar up (:func:`radar.outages.up_probability`: the availability on every day, as the chain
   starts stationary).  One window's log varies with the outage history: ``one window`` is the 95 % range of
   sum_d up_d x legs_d over K outage histories of the model's chain (seeds s..s+K-1,
   :func:`radar.outages.outage_history`) x the R traffic replications.  A site with several heads is counted as one
   radar, up when its first head is.
3. :func:`propose`: legs scale linearly with the formation rate (Poisson formations, each drawn independently of
   the count), so rate' = rate x history / model matches the ``fit`` row.  Flights a year follow from the rate.
   When they fall outside the ``bound`` row, flights a year are set to the nearest end of the bound and the share of
   the gate the radar covers best moves until the legs match again (legs per flight = sum over gates of the
   effective share x the legs per flight through that gate); when no share in [0, 1] does it, the proposal says so
   and keeps the rate that matches the radar's log.
4. ``airbridge calibrate`` measures again with the proposal (new draws) to verify it.

Only traffic volume and routing move: ``threat_timing.formations_per_day_mean`` and the corridor zones' weights.
Never a radar, tracker or engagement parameter.
"""
from __future__ import annotations

import dataclasses
import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from radar.errors import InputError
from scenarios.config.calibration import GATE_KEY, RATE_KEY, CalibrationConfig, LegTarget, radars_of_site

#: outage histories per traffic replication for the one-window range
CHAINS = 400
#: a leg with at least this many plots is also counted as 'tracked' (information only)
TRACK_PLOTS = 3
RATE_DECIMALS = 2
SHARE_DECIMALS = 2


@dataclass
class CalibrationContext:
    """What every replication shares: the scenario, its calibration table, the radar's heads and geometry."""

    scenario: object
    calibration: CalibrationConfig
    site: str
    heads: tuple
    dem: object
    threat: object
    terrain: object
    geometry: object
    arrays: object


def prepare(scenario=None, site: str | None = None, dem=None) -> CalibrationContext:
    """Load the scenario (name, file or :class:`Scenario`), its ``[calibration]`` and the radar's geometry."""
    from radar.coverage import compute_geometry
    from radar.feeds import radar_arrays
    from scenarios.config.calibration import load_calibration
    from scenarios.config.inputs import load_inputs
    from scenarios.flights.threat import TerrainSampler

    scenario, dem, threat, _ = load_inputs(scenario, dem)
    cal = load_calibration(scenario)
    if cal is None:
        raise InputError(f"{scenario.file}: [calibration] is missing: expected the history to calibrate against "
                         "(a scenario with extends = \"peru\" has the embedded one)")
    if cal.fit() is None:
        raise InputError(f"{scenario.file}: calibration.targets has no radar_legs target with role = \"fit\": "
                         "expected one row to fit the traffic rate to")
    label = "--radar" if site is not None else f"{scenario.file}: calibration.radar"
    site = site if site is not None else cal.radar
    heads = radars_of_site(scenario, site, label)
    geometry = compute_geometry(list(heads), dem, scenario.terrain, scenario.coverage)
    return CalibrationContext(scenario, cal, site, heads, dem, threat, TerrainSampler(dem, scenario.terrain),
                              geometry, radar_arrays(list(heads), geometry))


# ------------------------------------------------------------------------------------------
@dataclass
class Measurement:
    """Per replication (rows) and day (columns): flights and the legs the radar plotted with the radar up."""

    seeds: tuple[int, ...]
    formations_per_day: float
    mean_size: float
    flights: np.ndarray
    inbound: np.ndarray
    outbound: np.ndarray
    tracked: np.ndarray  # legs with >= TRACK_PLOTS plots
    gate_flights: dict
    gate_legs: dict
    p_up: np.ndarray  # P(up) per day over outage histories
    chains: np.ndarray  # (K, days) outage histories of seeds s..s+K-1 (the first R are the replications' own)
    seconds: float = 0.0

    @property
    def legs(self) -> np.ndarray:
        return self.inbound + self.outbound

    @property
    def days(self) -> int:
        return int(self.flights.shape[1])


def measure(ctx: CalibrationContext, threat=None, seeds=(1,), chains: int = CHAINS, progress=None) -> Measurement:
    """Simulate days 0..D-1 of every seed with ``threat`` (default: the scenario's) and count the legs the radar
    plots.  ``progress(i, seed)`` is called before each replication."""
    from radar.feeds import FeedOptions, Targets, generate_plots
    from radar.outages import outage_history, up_probability
    from scenarios.flights.threat import generate_drug_flights

    tick = time.perf_counter()
    threat = threat or ctx.threat
    days = ctx.calibration.days
    seeds = tuple(int(s) for s in seeds)
    r = len(seeds)
    gates = [z.id for z in threat.zones_of("corridor")]
    shape = (r, days)
    flights, inbound, outbound, tracked = (np.zeros(shape, np.int64) for _ in range(4))
    gate_flights = {g: np.zeros(shape, np.int64) for g in gates}
    gate_legs = {g: np.zeros(shape, np.int64) for g in gates}
    opts = FeedOptions(false_plots=False)
    heads = list(ctx.heads)
    up = np.ones(len(heads), bool)
    for i, seed in enumerate(seeds):
        if progress is not None:
            progress(i, seed)
        for d in range(days):
            td = generate_drug_flights(threat, ctx.terrain, seed, d)
            fl = td.flights
            n = len(fl)
            if n == 0:
                continue
            targets = Targets(np.arange(n, dtype=np.int64), fl.rcs_m2.astype(float), fl.transponder_on.astype(bool),
                              fl.squawk.astype(np.int32))
            plots, _ = generate_plots(td.trajectories, targets, heads, ctx.geometry, seed, d, up=up, options=opts,
                                      arrays=ctx.arrays, convert=False)
            tr = np.asarray(plots.truth, np.int64)
            keep = tr >= 0
            tr, t = tr[keep], np.asarray(plots.time_s)[keep]
            n_in = np.bincount(tr[t < fl.t_land[tr]], minlength=n)
            n_out = np.bincount(tr[t > fl.t_takeoff[tr]], minlength=n)
            seen = (n_in > 0).astype(np.int64) + (n_out > 0)
            flights[i, d] = n
            inbound[i, d] = int((n_in > 0).sum())
            outbound[i, d] = int((n_out > 0).sum())
            tracked[i, d] = int((n_in >= TRACK_PLOTS).sum() + (n_out >= TRACK_PLOTS).sum())
            gate = np.asarray(fl.gate_in)
            for g in gates:
                m = gate == g
                gate_flights[g][i, d] = int(m.sum())
                gate_legs[g][i, d] = int(seen[m].sum())
    k = max(int(chains), r)
    hist = np.array([outage_history(heads[0], seeds[0] + j, days) for j in range(k)], float).reshape(k, days)
    sizes = np.asarray(threat.formation_sizes, float)
    size = float(np.dot(sizes, threat.formation_probs))
    return Measurement(seeds, float(threat.formations_per_day), size, flights, inbound, outbound, tracked,
                       gate_flights, gate_legs, up_probability(heads[0], days), hist, time.perf_counter() - tick)


# ------------------------------------------------------------------------------------------
def mean_ci(x) -> tuple[float, float, float]:
    """Mean of per-replication values and its 95 % interval (Student t; NaN with one replication)."""
    from scipy.stats import t as student

    x = np.asarray(x, float)
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    h = float(student.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - h, m + h


@dataclass(frozen=True)
class Row:
    """One history row against the model: the expected count (mean over replications, 95 % interval) and the
    95 % range of one window's log (outage histories x replications)."""

    id: str
    label: str
    history: str
    model: float
    lo: float
    hi: float
    window_lo: float = math.nan
    window_hi: float = math.nan
    ratio: float = math.nan
    role: str = ""


def _window(meas: Measurement, t: LegTarget, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(expected count per replication, one-window samples) of ``counts`` over the target's days."""
    a, b = t.first_day, t.first_day + t.days
    c = counts[:, a:b].astype(float)
    expected = c @ meas.p_up[a:b]
    samples = meas.chains[:, a:b] @ c.T
    return expected, samples.reshape(-1)


def leg_rows(meas: Measurement, cal: CalibrationConfig) -> list[Row]:
    """Model vs history for every radar_legs target (legs, and inbound / outbound where the history has them)."""
    rows = []
    for t in cal.legs:
        parts = [("legs", t.legs, meas.legs)]
        if t.inbound is not None:
            parts.append(("  inbound", t.inbound, meas.inbound))
        if t.outbound is not None:
            parts.append(("  outbound", t.outbound, meas.outbound))
        for name, hist, counts in parts:
            expected, samples = _window(meas, t, counts)
            m, lo, hi = mean_ci(expected)
            wlo, whi = np.percentile(samples, [2.5, 97.5])
            label = f"{name} {t.label}" if name == "legs" else name
            rows.append(Row(t.id, label, f"{hist:,}", m, lo, hi, float(wlo), float(whi),
                            m / hist if hist > 0 else math.nan, t.role if name == "legs" else ""))
    return rows


def flights_per_year(meas: Measurement) -> tuple[float, float, float]:
    """Drug flights a year of the simulated replications (mean, 95 % interval)."""
    return mean_ci(meas.flights.sum(axis=1) / meas.days * 365.0)


def rate_rows(meas: Measurement, cal: CalibrationConfig) -> list[Row]:
    m, lo, hi = flights_per_year(meas)
    return [Row(r.id, "drug flights per year", f"{r.low:,.0f}-{r.high:,.0f}", m, lo, hi,
                ratio=m / r.high if m > r.high else (m / r.low if m < r.low else 1.0), role=r.role) for r in cal.rates]


# ------------------------------------------------------------------------------------------
@dataclass
class Proposal:
    """The traffic values that match the history, and why."""

    rate_before: float
    rate: float
    rate_lo: float
    rate_hi: float
    flights_per_day: float
    flights_per_year: float
    gate: str | None = None
    shares_before: dict = field(default_factory=dict)  # nominal corridor shares (sum 1)
    shares: dict = field(default_factory=dict)
    moved_gates: bool = False
    matched: bool = True
    lines: list = field(default_factory=list)

    def threat(self, cfg):
        """``cfg`` (:class:`ThreatConfig`) with the proposed rate and corridor shares."""
        return with_traffic(cfg, self.rate, self.shares if self.moved_gates else None)


def with_traffic(cfg, rate: float, shares: dict | None = None):
    """A :class:`ThreatConfig` with ``formations_per_day`` = ``rate`` and, given ``shares``, those corridor weights."""
    zones = cfg.zones
    if shares is not None:
        zones = tuple(dataclasses.replace(z, weight=float(shares[z.id])) if z.kind == "corridor" else z for z in zones)
    return dataclasses.replace(cfg, formations_per_day=float(rate), zones=zones)


def gate_shares(cfg) -> dict:
    """Nominal corridor shares (weights normalised to sum 1)."""
    corr = cfg.zones_of("corridor")
    tot = sum(z.weight for z in corr)
    return {z.id: z.weight / tot for z in corr}


def _shares_with(cfg, gate: str, w: float) -> dict:
    """Corridor shares with ``gate`` at ``w`` and the others scaled to the rest."""
    base = gate_shares(cfg)
    rest = sum(v for k, v in base.items() if k != gate)
    return {k: (w if k == gate else ((1.0 - w) * v / rest if rest > 0 else (1.0 - w) / (len(base) - 1)))
            for k, v in base.items()}


def _effective(cfg, shares: dict) -> dict:
    eff = with_traffic(cfg, cfg.formations_per_day, shares).effective_weights()["corridor"]
    return {k: v[1] for k, v in eff.items()}


def legs_per_flight_by_gate(meas: Measurement, t: LegTarget) -> dict:
    """Legs plotted per flight (radar up) through each gate over the target's days; NaN for a gate no flight used."""
    a, b = t.first_day, t.first_day + t.days
    out = {}
    for g in meas.gate_flights:
        n = int(meas.gate_flights[g][:, a:b].sum())
        out[g] = float(meas.gate_legs[g][:, a:b].sum()) / n if n else math.nan
    return out


def propose(meas: Measurement, cal: CalibrationConfig, cfg) -> Proposal:
    """Fit the rate to the ``fit`` row; keep flights a year inside the ``bound`` row with the gate shares."""
    t = cal.fit()
    expected, samples = _window(meas, t, meas.legs)
    m, lo, hi = mean_ci(expected)
    if not m > 0:
        raise InputError(f"calibrate: the model's radar plotted no drug-flight legs in {t.days} days of "
                         f"{len(meas.seeds)} replication(s): expected a radar that sees some of the routes")
    f0 = meas.formations_per_day
    size = meas.mean_size
    # simulated flights per formation drawn (formations with no feasible route are skipped)
    drawn = f0 * size * meas.days * len(meas.seeds)
    rho = float(meas.flights.sum()) / drawn if drawn > 0 else 1.0
    per_formation_year = size * rho * 365.0
    rate = f0 * t.legs / m
    rate_lo = f0 * t.legs / hi if hi > 0 else math.inf
    rate_hi = f0 * t.legs / lo if lo > 0 else math.inf
    fpy = rate * per_formation_year
    shares0 = gate_shares(cfg)
    p = Proposal(f0, round(rate, RATE_DECIMALS), rate_lo, rate_hi, rate * size * rho, fpy, None, shares0, dict(shares0))
    L = p.lines
    L.append(f"{RATE_KEY}: {f0:g} -> {p.rate:g} [{rate_lo:.2f}, {rate_hi:.2f}] matches '{t.id}' ({t.legs} legs): "
             f"legs scale with the rate, {f0:g} x {t.legs} / {m:.1f} = {rate:.3f}")
    L.append(f"  = {rate * size * rho:.2f} drug flights/day ({size:.2f} aircraft per formation) = {fpy:,.0f} a year")
    avail = float(meas.p_up[t.first_day:t.first_day + t.days].mean())
    if avail < 1.0:
        up_rate = rate * avail
        L.append(f"  had the radar been up every day of the window (no outages), the rate would be {up_rate:.2f} "
                 f"formations/day = {up_rate * per_formation_year:,.0f} flights a year (x {avail:.2f}, its mean "
                 "availability in the window)")
    wlo, whi = np.percentile(samples, [2.5, 97.5])
    if whi > 0:
        top = f0 * t.legs / wlo if wlo > 0 else math.inf
        L.append(f"  {t.legs} legs lie inside one window's 95 % range for rates {f0 * t.legs / whi:.2f} to "
                 f"{'unbounded' if math.isinf(top) else f'{top:.2f}'} formations/day (outage histories x traffic)")
    bound = cal.bound()
    if bound is None:
        L.append("gate shares: not moved (no flights_per_year row with role = \"bound\")")
        return p
    if bound.low <= fpy <= bound.high:
        L.append(f"gate shares: not moved: the rate alone gives {fpy:,.0f} flights a year, inside '{bound.id}' "
                 f"({bound.low:,.0f}-{bound.high:,.0f})")
        return p
    # flights a year at the nearest end of the bound; the best-covered gate's share brings the legs back
    target_fpy = bound.low if fpy < bound.low else bound.high
    per_gate = legs_per_flight_by_gate(meas, t)
    known = {g: v for g, v in per_gate.items() if not math.isnan(v)}
    gate = max(known, key=known.get) if known else None
    rate2 = target_fpy / per_formation_year
    need = t.legs / (avail * t.days * rate2 * size * rho) if avail > 0 else math.inf  # legs per flight, radar up

    def lpf(w):
        eff = _effective(cfg, _shares_with(cfg, gate, w))
        return sum(eff[g] * known[g] for g in known) / max(sum(eff[g] for g in known), 1e-12)

    cover = ", ".join(f"{g} {v:.2f}" for g, v in per_gate.items())
    L.append(f"flights a year: {fpy:,.0f} is outside '{bound.id}' ({bound.low:,.0f}-{bound.high:,.0f}); at "
             f"{target_fpy:,.0f} the radar's {t.legs} legs need {need:.2f} legs per flight with the radar up "
             f"(legs per flight by gate: {cover})")
    if gate is None or len(known) < 2:
        p.matched = False
        L.append("  no gate share can change that (fewer than two gates with flights): rate kept at the fit to "
                 f"'{t.id}'; flights a year stay outside the bound")
        return p
    ends = (lpf(0.0), lpf(1.0))
    if not min(ends) <= need <= max(ends):
        p.matched = False
        L.append(f"  no share of {gate} does it (legs per flight from {min(ends):.2f} to {max(ends):.2f}: every gate "
                 f"lies in the radar's cover): rate kept at the fit to '{t.id}'; flights a year stay outside the bound")
        return p
    lo_w, hi_w = 0.0, 1.0
    rising = ends[1] > ends[0]
    for _ in range(50):
        mid = 0.5 * (lo_w + hi_w)
        if (lpf(mid) < need) == rising:
            lo_w = mid
        else:
            hi_w = mid
    w = round(0.5 * (lo_w + hi_w), SHARE_DECIMALS)
    shares = {k: round(v, SHARE_DECIMALS + 2) for k, v in _shares_with(cfg, gate, w).items()}
    # the rate that, with these shares, matches the legs exactly (the rounding of the share moves them a little)
    rate3 = t.legs / (avail * t.days * size * rho * lpf(w))
    p.gate, p.shares, p.moved_gates = gate, shares, True
    p.rate = round(rate3, RATE_DECIMALS)
    p.flights_per_day = p.rate * size * rho
    p.flights_per_year = p.rate * per_formation_year
    L.append(f"  {GATE_KEY.format(gate)}: {shares0[gate]:.2f} -> {w:.2f} (share of the gate the radar covers best; "
             f"the others scaled) matches '{bound.id}'; then {RATE_KEY} = {p.rate:g} matches '{t.id}' "
             f"({p.flights_per_year:,.0f} flights a year)")
    return p


def progress_printer(total: int, label: str = "calibrate"):
    def show(i, seed):
        print(f"{label}: replication {i + 1}/{total} (seed {seed})", file=sys.stderr, flush=True)
    return show


# ------------------------------------------------------------------------------------------
def table(rows: list[Row]) -> list[str]:
    """Model vs history as text lines."""
    head = (f"{'row':<40} {'history':>10} {'model':>8} {'[95% CI]':>16} {'one window 95%':>16} "
            f"{'model/hist':>10}")
    out = [head, "─" * len(head)]
    for r in rows:
        ci = "" if math.isnan(r.lo) else f"[{r.lo:,.0f}, {r.hi:,.0f}]"
        win = "" if math.isnan(r.window_lo) else f"[{r.window_lo:,.0f}, {r.window_hi:,.0f}]"
        ratio = "" if math.isnan(r.ratio) else f"{r.ratio:.2f}"
        role = f"  ({r.role})" if r.role else ""
        out.append(f"{r.label:<40} {r.history:>10} {r.model:>8,.0f} {ci:>16} {win:>16} {ratio:>10}{role}")
    return out


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return '"' + ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")) + '"'
        return repr(round(v, 6))
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {type(v).__name__}")


def _toml_key(k) -> str:
    k = str(k)
    return k if k and all(c.isalnum() or c in "_-" for c in k) else _toml_value(k)


def _row_record(r: Row) -> dict:
    rec = {"id": r.id, "row": r.label.strip(), "history": r.history, "model": round(r.model, 2)}
    if not math.isnan(r.lo):
        rec["ci95"] = [round(r.lo, 2), round(r.hi, 2)]
    if not math.isnan(r.window_lo):
        rec["one_window95"] = [round(r.window_lo, 2), round(r.window_hi, 2)]
    if not math.isnan(r.ratio):
        rec["model_over_history"] = round(r.ratio, 4)
    return rec


def evidence_toml(ctx: CalibrationContext, prop: Proposal, before: list[Row], after: list[Row] | None,
                  meas: Measurement, command: str, extends: str | None) -> str:
    """``calibration.toml``: the proposal as a scenario overlay (``extends`` the scenario when it is embedded) with
    the ``[calibration] adopted`` records, and the evidence (``[calibration.evidence]``, documentation)."""
    cal = ctx.calibration
    fit = cal.fit()
    seeds = meas.seeds
    seed_text = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    hist = "; ".join(f"{t.id} ({t.source}): {t.legs} legs {t.label}" for t in cal.legs)
    hist += "".join(f"; {r.id} ({r.source}): {r.low:g}-{r.high:g} flights a year" for r in cal.rates)
    source = f"airbridge calibrate ({seed_text}, {len(seeds)} x {meas.days} days; command: {command}); history: {hist}"
    lines = ["# airbridge calibrate: the proposed traffic values, and the evidence.",
             f"# {command}"]
    if extends:
        lines += [f"# A scenario file: --scenario this-file runs {extends} with the proposal.", "",
                  f"extends = {_toml_value(extends)}"]
    else:
        lines += [f"# Merge these tables into {ctx.scenario.file} to adopt the proposal."]
    lines += ["", "[threat_timing]", f"formations_per_day_mean = {_toml_value(prop.rate)}"]
    adopted = [{"key": RATE_KEY, "value": prop.rate, "before": prop.rate_before, "fits": [fit.id],
                "source": source, "confidence": "calibrated"}]
    if prop.moved_gates:
        zones = []
        for z in ctx.scenario.raw["threat"]["zones"]:
            z = dict(z)
            if z.get("kind") == "corridor":
                z["weight"] = float(prop.shares[z["id"]])
            zones.append(z)
        lines += ["", "[threat]", "zones = ["] + [f"  {_toml_value(z)}," for z in zones] + ["]"]
        bound = cal.bound()
        for g, w in prop.shares.items():
            adopted.append({"key": GATE_KEY.format(g), "value": float(w), "before": float(prop.shares_before[g]),
                            "fits": [bound.id, fit.id], "source": source, "confidence": "calibrated"})
    lines += ["", "[calibration]", "adopted = ["] + [f"  {_toml_value(a)}," for a in adopted] + ["]"]
    ev = {"command": command, "radar": ctx.site, "seeds": list(seeds), "days": meas.days,
          "availability_mean": round(float(meas.p_up.mean()), 4), "outage_histories": int(meas.chains.shape[0]),
          "counting": "a leg (inbound: plots before landing; outbound: plots after take-off) counts once if the radar "
                      "plotted it at least once; each aircraft of a formation is a flight",
          "outages": "expected log = sum over days of P(up) x legs plotted with the radar up; one window = 95 % range "
                     "over outage histories x replications",
          "proposal": list(prop.lines), "matched": prop.matched, "seconds": round(meas.seconds, 1)}
    lines += ["", "[calibration.evidence]"] + [f"{k} = {_toml_value(v)}" for k, v in ev.items()]
    lines += ["before = ["] + [f"  {_toml_value(_row_record(r))}," for r in before] + ["]"]
    if after is not None:
        lines += ["after = ["] + [f"  {_toml_value(_row_record(r))}," for r in after] + ["]"]
    return "\n".join(lines) + "\n"
