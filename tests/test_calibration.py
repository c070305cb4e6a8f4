"""Calibration against history, nothing tuned here.

The Puerto Maldonado TPS-70 logged 205 tracks (108 inbound, 95 outbound legs) in 134 days of 2015
(peru_defaults [history] tps70_puerto_maldonado_2015): 1.53 legs/day.  With the radar forced up
for 365 simulated days, let f be the fraction of drug-flight legs (inbound, outbound) with at least
one plot from it (and with >= 3 plots, a proxy for a track).  If every flight has two legs each
seen with probability f, the traffic that explains the history is 1.53 / (2 f) flights/day; the
dossier reports 1.5-8 flights/day.  The test requires the implied traffic to lie in [0.75, 16].
"""
from __future__ import annotations

import numpy as np


def test_puerto_maldonado_tps70_history():
    from radar.coverage import compute_geometry
    from radar.feeds import FeedOptions, Targets, generate_plots
    from radar.terrain import load_dem
    from scenarios.config.scenario import load_scenario
    from scenarios.config.threat import load_threat
    from scenarios.flights.threat import TerrainSampler, generate_drug_flights

    sc = load_scenario("peru")
    pm = next(r for r in sc.network("peru").radars if r.site_id == "fap_tps70_puerto_maldonado")
    dem = load_dem()
    geom = compute_geometry([pm], dem, sc.terrain, sc.coverage)
    cfg = load_threat(sc)
    terrain = TerrainSampler(dem, sc.terrain)
    opts = FeedOptions(false_plots=False)
    legs = legs1 = legs3 = 0
    flights = 0
    for day in range(365):
        td = generate_drug_flights(cfg, terrain, 2015, day)
        fl = td.flights
        n = len(fl)
        if n == 0:
            continue
        flights += n
        tg = Targets(np.arange(n, dtype=np.int64), fl.rcs_m2, fl.transponder_on, fl.squawk)
        plots, _ = generate_plots(td.trajectories, tg, [pm], geom, 2015, day, up=[True], options=opts, convert=False)
        for f in range(n):
            t = plots.time_s[plots.truth == f]
            for leg in (t[t < fl.t_land[f]], t[t > fl.t_takeoff[f]]):
                legs += 1
                legs1 += leg.size >= 1
                legs3 += leg.size >= 3
    f1 = legs1 / legs
    f3 = legs3 / legs
    implied1 = 1.53 / (2 * f1)
    implied3 = 1.53 / (2 * f3)
    print(f"\nPuerto Maldonado TPS-70 forced up, 365 days, {flights} drug flights, {legs} legs: "
          f"f(>=1 plot) = {f1:.3f}, f(>=3 plots) = {f3:.3f}")
    print(f"implied traffic 1.53/(2f): {implied1:.2f} flights/day (>=1 plot), {implied3:.2f} (>=3 plots); "
          f"reported 1.5-8 flights/day")
    assert 0.75 <= implied1 <= 16
    assert 0.75 <= implied3 <= 16
