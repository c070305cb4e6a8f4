"""``airbridge calibrate``: the drug-flight traffic against history (what a radar logged), and the traffic values
that match it (:mod:`scenarios.study.calibrate`).

Imports only argparse at module level (``airbridge --help`` stays instant).
"""
from __future__ import annotations

import argparse

from scenarios.cli.args import number, output_file


def add_parser(sub) -> None:
    p = sub.add_parser(
        "calibrate", help="compare the drug-flight traffic with history and propose the rate and gate shares that match",
        description="Simulate the history window of [calibration] (the Puerto Maldonado TPS-70, 10 May-21 Sep 2015: "
                    "205 legs, 108 inbound, 95 outbound; 222 detections to 16 Aug; 600-1,000 flights a year), count "
                    "the legs the radar plots (a leg counts once if plotted at least once; the radar's outages as its "
                    "outage chain has them), print model vs history, and propose threat_timing.formations_per_day_mean "
                    "and, if the rate alone cannot also keep flights a year in range, the corridor gate shares. Only "
                    "traffic volume and routing move, never a radar, tracker or engagement parameter. The proposal is "
                    "verified with a second run and written as a scenario overlay with its evidence.")
    p.add_argument("--scenario", default=None, help="embedded scenario name or .toml file (default: peru)")
    p.add_argument("--radar", default=None, metavar="SITE",
                   help="site id of the radar whose log the history is (default: [calibration] radar)")
    p.add_argument("--seed", type=int, default=1, help="first seed (default: 1); replications use seeds SEED..SEED+R-1")
    p.add_argument("--replications", type=number(int, 1, 1000, what="a number of replications"), default=4,
                   metavar="R", help="replications of the history window, one seed each (default: 4)")
    p.add_argument("--dem", default=None, help="DEM .npz (default: the scenario's, else embedded ETOPO5)")
    p.add_argument("--no-verify", action="store_true", help="skip the second run with the proposal")
    p.add_argument("--out", type=output_file(".toml"), default="calibration.toml",
                   help="the proposal (a scenario overlay) and its evidence (default: calibration.toml)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import shlex
    import sys
    import time

    from radar.errors import InputError
    from radar.fileio import atomic_write
    from scenarios.config.scenario import EMBEDDED, load_scenario
    from scenarios.config.schema import SEED_MAX, check_seed
    from scenarios.study import calibrate as C
    from scenarios.warmup import announce_compile

    tick = time.perf_counter()
    check_seed(args.seed)
    k = max(C.CHAINS, args.replications)  # seeds SEED..SEED+k-1: the replications, then the outage histories
    if args.seed + k - 1 > SEED_MAX:
        raise InputError(f"--seed {args.seed}: the replications and outage histories use seeds up to SEED+{k - 1}: "
                         f"expected a seed <= {SEED_MAX - k + 1}")
    scn = load_scenario(args.scenario)
    ctx = C.prepare(scn, args.radar, args.dem)
    cal = ctx.calibration
    announce_compile("simulate")
    seeds = tuple(range(args.seed, args.seed + args.replications))
    heads = ", ".join(r.type.id for r in ctx.heads)
    fit = cal.fit()
    command = shlex.join(["airbridge", "calibrate", *_argv(args)])
    print(f"airbridge calibrate: scenario {scn.name}, radar {ctx.site} ({heads}), "
          f"seeds {seeds[0]}-{seeds[-1]}: {len(seeds)} replication(s) x {cal.days} days "
          f"(day 0 = {cal.start.isoformat()})")
    before = C.measure(ctx, seeds=seeds, progress=C.progress_printer(len(seeds)))
    r0 = ctx.heads[0]
    shares = C.gate_shares(ctx.threat)
    eff = {k: v[1] for k, v in ctx.threat.effective_weights()["corridor"].items()}
    print(f"traffic in force: {C.RATE_KEY} = {ctx.threat.formations_per_day:g} formations/day x "
          f"{before.mean_size:.2f} aircraft = {ctx.threat.formations_per_day * before.mean_size:.2f} drug flights/day; "
          "gate shares " + ", ".join(f"{g} {shares[g]:.2f} (effective {eff[g]:.2f})" for g in shares))
    print("counting: a drug flight has two legs (inbound: plots before it lands at the pickup strip; outbound: plots "
          "after it takes off); a leg counts once if the radar plotted it at least once; each aircraft of a formation "
          "is a flight")
    print(f"outages: the history is what the real radar logged, its outages included (the sources do not report "
          f"them); the model's radar has its outage chain (availability {before.p_up.mean():.2f}, mean up "
          f"{r0.mean_up_days:g} d / down {r0.mean_down_days:g} d), so its expected log is P(up) x what it plots when "
          f"up, summed over days; 'one window' is the 95 % range of a single log ({len(seeds)} traffic replication(s) "
          f"x {before.chains.shape[0]} outage histories)")
    rows_before = C.leg_rows(before, cal) + C.rate_rows(before, cal)
    print()
    print("model in force vs history")
    print("\n".join(C.table(rows_before)))
    a, b = fit.first_day, fit.first_day + fit.days
    up_legs = C.mean_ci(before.legs[:, a:b].sum(axis=1))
    tracked = C.mean_ci(before.tracked[:, a:b].sum(axis=1))
    lpf = C.legs_per_flight_by_gate(before, fit)
    print(f"with the radar up every day of '{fit.id}': {up_legs[0]:,.0f} legs plotted "
          f"({tracked[0]:,.0f} with >= {C.TRACK_PLOTS} plots) of {2 * before.flights[:, a:b].sum(axis=1).mean():,.0f}; "
          "legs per flight by gate: " + ", ".join(f"{g} {v:.2f}" for g, v in lpf.items()))
    prop = C.propose(before, cal, ctx.threat)
    print()
    print("proposal (traffic volume and routing only; no radar, tracker or engagement value moves)")
    for line in prop.lines:
        print("  " + line)
    checks = [t.id for t in cal.legs if t.role == "check"] + [r.id for r in cal.rates if r.role == "check"]
    print(f"  which knob matches which row: the rate -> '{fit.id}'"
          + (f"; the gate share -> '{cal.bound().id}'" if prop.moved_gates else "")
          + (f"; checked, not fitted: {', '.join(checks)}" if checks else "")
          + (f"; bound: '{cal.bound().id}'" if cal.bound() is not None and not prop.moved_gates else ""))
    adopted = cal.adopted_value(C.RATE_KEY)
    if adopted is not None:
        state = ("the value in force" if abs(adopted.value - ctx.threat.formations_per_day) < 1e-9
                 else f"not the value in force ({ctx.threat.formations_per_day:g})")
        inside = prop.rate_lo <= ctx.threat.formations_per_day <= prop.rate_hi
        print(f"  adopted in the data: {C.RATE_KEY} = {adopted.value:g} ({state}; {adopted.confidence}); the value in "
              f"force is {'inside' if inside else 'outside'} the proposal's interval "
              f"[{prop.rate_lo:.2f}, {prop.rate_hi:.2f}]"
              + (": no change needed" if inside and not prop.moved_gates else ""))
    rows_after = None
    t_verify = 0.0
    if not args.no_verify:
        print()
        t1 = time.perf_counter()
        after = C.measure(ctx, threat=prop.threat(ctx.threat), seeds=seeds,
                          progress=C.progress_printer(len(seeds), "calibrate (verify)"))
        t_verify = time.perf_counter() - t1
        rows_after = C.leg_rows(after, cal) + C.rate_rows(after, cal)
        print(f"verified: the proposal simulated again (seeds {seeds[0]}-{seeds[-1]}, new draws at the new rate)")
        print("\n".join(C.table(rows_after)))
    text = C.evidence_toml(ctx, prop, rows_before, rows_after, before, command,
                           scn.name if scn.name in EMBEDDED else None)
    with atomic_write(args.out) as fh:
        fh.write(text)
    print()
    print(f"wrote {args.out} (the proposal as a scenario overlay, and its evidence); "
          f"{time.perf_counter() - tick:.1f} s (simulation {before.seconds:.1f} s"
          + (f", verification {t_verify:.1f} s)" if rows_after is not None else ")"))
    sys.stdout.flush()
    return 0


def _argv(args) -> list[str]:
    """The options that matter for the result, as given (the command line recorded in the evidence)."""
    out = []
    if args.scenario:
        out += ["--scenario", str(args.scenario)]
    if args.radar:
        out += ["--radar", str(args.radar)]
    out += ["--seed", str(args.seed), "--replications", str(args.replications)]
    if args.dem:
        out += ["--dem", str(args.dem)]
    return out
