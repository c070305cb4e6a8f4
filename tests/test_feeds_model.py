"""Radar feed model: Swerling-1 Pd, detection rates, scan timing, SSR/IFF, 2D plots, false plots,
and the Numba kernels against their NumPy oracle (tests/oracles.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from radar import feeds
import oracles as ref
from radar._kernels import draws, ordering, scan, trajectory
from radar.frame import EARTH_RADIUS_M, REFRACTION_K
from radar.measurement import _geodetic_to_polar, convert_polar
from radar.rng import stream_key
from scenarios.flights.trajectory import evaluate_geodetic
from feeds_synthetic import (RSM, SITE, STAR, TPS70, destination, flat_geometry, radar, straight_flights,
                                   tangential_flights)
from tolerances import M, RAD, assert_close

KR = REFRACTION_K * EARTH_RADIUS_M
ISOTROPIC = feeds.FeedOptions(aspect_db=(0.0, 0.0, 0.0), mti_notch_mps=0.0, false_plots=False)


def targets(n, rcs=1.0, xpdr=False, squawk=4721):
    xp = np.broadcast_to(np.asarray(xpdr, bool), (n,)).copy()
    return feeds.Targets(np.arange(n, dtype=np.int64), np.full(n, float(rcs)), xp, np.where(xp, squawk, -1))


# ------------------------------------------------------------------------------------------
def test_pd_closed_form_tps70():
    # the detection model of radar.types: SNR_ref = ln(1e-6)/ln(0.8) - 1 = 60.9 (17.8 dB); R(Pd 0.5) ~ 308 km, R(Pd 0.9) ~ 190 km on 1 m^2
    assert TPS70.snr_ref == pytest.approx(60.91, abs=0.01)
    assert 10 * math.log10(TPS70.snr_ref) == pytest.approx(17.85, abs=0.01)
    assert TPS70.range_for_pd(0.5) == pytest.approx(308e3, abs=1.5e3)
    assert TPS70.range_for_pd(0.9) == pytest.approx(190e3, abs=1.5e3)
    for pd in (0.5, 0.9, 0.8):
        r = TPS70.range_for_pd(pd)
        got = scan.swerling1_pd(r, 1.0, TPS70.snr_ref, TPS70.ref_range_m, 1.0, TPS70.pfa)
        assert got == pytest.approx(pd, abs=1e-12)
    # the 1/R^4 law: doubling the RCS is a 2^(1/4) range factor at fixed Pd
    assert TPS70.range_for_pd(0.5, 2.0) / TPS70.range_for_pd(0.5, 1.0) == pytest.approx(2 ** 0.25, rel=1e-12)


@pytest.mark.parametrize("pd_target", [0.5, 0.9])
def test_empirical_detection_rate_in_binomial_interval(pd_target):
    r = radar()
    geom = flat_geometry([r], half_deg=4.5)
    R = TPS70.range_for_pd(pd_target)
    n = 1500
    traj = tangential_flights(n, R, 9000.0)
    # opportunities: the same flights with a huge RCS (Pd -> 1 - 1e-12) on the same revolutions
    big, _ = feeds.generate_plots(traj, targets(n, rcs=1e12), [r], geom, 5, 0, up=[True], options=ISOTROPIC,
                                  convert=False)
    plots, _ = feeds.generate_plots(traj, targets(n), [r], geom, 5, 0, up=[True], options=ISOTROPIC, convert=False)
    trials = len(big)
    assert trials >= 9.5 * n
    # expected Pd from the closed form at each opportunity's true range
    f = big.truth
    lat, lon, h, _v, _ph = evaluate_geodetic(traj, f, big.time_s)
    rng, _az, _el = _geodetic_to_polar(lat, lon, h, math.radians(SITE[0]), math.radians(SITE[1]), 210.0)
    p = TPS70.pd(rng)
    mean = p.sum()
    sd = math.sqrt((p * (1 - p)).sum())
    # Normal approximation of the Poisson-binomial count (trials > 15,000): 99.9 % interval
    z = stats.norm.ppf(0.9995)
    assert abs(len(plots) - mean) <= z * sd, (len(plots), mean, sd)
    assert abs(mean / trials - pd_target) < 0.03
    # each detection is one of the opportunities (same flight, same revolution)
    key_big = set(zip(big.truth.tolist(), big.scan.tolist()))
    assert set(zip(plots.truth.tolist(), plots.scan.tolist())) <= key_big


def test_mti_notch_and_aspect():
    # a purely tangential target is in the MTI notch (Pd x (v_r / 8.33)^2 ~ 0), a radial one is not
    r = radar()
    geom = flat_geometry([r], half_deg=3.0)
    n = 200
    tang = tangential_flights(n, 120e3, 5000.0, speed=70.0)
    opts = feeds.FeedOptions(false_plots=False)
    p_t, _ = feeds.generate_plots(tang, targets(n), [r], geom, 2, 0, up=[True], options=opts, convert=False)
    specs = []
    for i in range(n):
        az = 2 * math.pi * i / n
        specs.append((1000.0 + 7 * i, 100.0, destination(*SITE[:2], az, 117e3), destination(*SITE[:2], az, 123e3), 5000.0))
    radial = straight_flights(specs)
    p_r, _ = feeds.generate_plots(radial, targets(n), [r], geom, 2, 0, up=[True], options=opts, convert=False)
    # at 120 km Pd on 1 m^2 tail-on is ~0.99; tangential legs of +-3.5 km at 120 km have
    # |v_r| <= 70 * 3.5 / 120 = 2 m/s: mean notch factor (2 / 8.33)^2 / 3 = 0.02
    assert len(p_r) > 0.8 * 10 * n
    assert 0.005 * len(p_r) < len(p_t) < 0.04 * len(p_r)
    # aspect gain: mean over psi ~ U(0, pi) is 1, nose < tail < beam
    psi = np.linspace(0, np.pi, 200001)
    g = np.array([scan.aspect_gain(math.cos(x), -5.0, 8.0, 0.0, feeds.aspect_norm((-5.0, 8.0, 0.0))) for x in psi[::100]])
    assert np.trapezoid(g, psi[::100]) / np.pi == pytest.approx(1.0, abs=1e-4)
    assert g[0] < g[-1] < g[len(g) // 2]


def test_scan_timing_beam_crosses_target():
    r = radar()
    geom = flat_geometry([r], half_deg=3.0)
    # slow targets at many azimuths, some crossing north
    specs = []
    for i in range(24):
        az = 2 * math.pi * i / 24 + 0.01
        c = destination(*SITE[:2], az, 60e3)
        specs.append((500.0, 600.0, destination(*c, az - 1.2, 3e3), destination(*c, az + 1.2, 3e3), 4000.0))
    specs.append((500.0, 900.0, destination(*SITE[:2], -0.05, 80e3), destination(*SITE[:2], 0.05, 80e3), 4000.0))
    traj = straight_flights(specs)
    opts = feeds.FeedOptions(false_plots=False, mti_notch_mps=0.0)
    plots, _ = feeds.generate_plots(traj, targets(traj.n_flights, rcs=1e6), [r], geom, 9, 0, up=[True],
                                    options=opts, convert=False)
    assert len(plots) > 0.95 * (24 * 60 + 90)
    t0 = feeds.scan_phases([r], 9, 0)[0]
    lat, lon, h, _v, _ph = evaluate_geodetic(traj, plots.truth, plots.time_s)
    _rng, az, _el = _geodetic_to_polar(lat, lon, h, math.radians(SITE[0]), math.radians(SITE[1]), 210.0)
    T = TPS70.scan_period_s
    # t = t0 + (theta / 2 pi) T + k T
    resid = (plots.time_s - t0 - az / (2 * math.pi) * T + T / 2) % T - T / 2
    assert np.max(np.abs(resid)) < 1e-6
    # one plot per revolution per target, revolutions consecutive for a target in view
    for f in range(traj.n_flights):
        s = np.sort(plots.scan[plots.truth == f])
        assert np.all(np.diff(s) >= 1)
    # the north-crossing target: plotted on both sides of north without a gap or a duplicate
    last = plots.truth == traj.n_flights - 1
    assert np.any(az[last] > 6.0) and np.any(az[last] < 0.3)
    assert np.max(np.diff(np.sort(plots.time_s[last]))) < 1.5 * T


def test_ssr_blind_to_transponder_off_and_mode_c():
    # the STAR 2000 on its own antenna (another site id): not a co-sited head, whose plots would be combined
    # (tests/test_cosited_heads.py)
    rs = [radar(RSM, site="lima"), radar(TPS70), radar(STAR, site="lima_psr")]
    geom = flat_geometry(rs, half_deg=3.0)
    n = 40
    traj = tangential_flights(n, 80e3, 3000.0, duration_s=300.0, speed=120.0)
    xp = np.arange(n) % 2 == 0
    plots, _ = feeds.generate_plots(traj, targets(n, xpdr=xp), rs, geom, 4, 0, up=[True] * 3,
                                    options=feeds.FeedOptions(false_plots=False), convert=False)
    ssr = plots.sensor == 0
    assert set(np.unique(plots.truth[ssr])) == set(np.nonzero(xp)[0])
    assert np.all(np.isnan(plots.elevation_rad[ssr])) and np.all(plots.dims[ssr] == 2)
    assert np.all(plots.squawk[ssr] == 4721)
    q = plots.mode_c_m[ssr] / (100 * 0.3048)
    assert np.allclose(q, np.round(q), atol=1e-9)
    lat, lon, h, _v, _ph = evaluate_geodetic(traj, plots.truth[ssr], plots.time_s[ssr])
    assert np.max(np.abs(plots.mode_c_m[ssr] - h)) <= 15.24 + 1e-6
    # reply rate ~ pd_cooperative 0.98 (75 revolutions per flight)
    assert ssr.sum() / (n / 2 * 75) == pytest.approx(0.98, abs=0.02)
    # primary radars: transponder-off flights are still seen; IFF codes only on transponder-on flights
    tps = plots.sensor == 1
    assert set(np.unique(plots.truth[tps])) == set(range(n))
    assert np.all(plots.squawk[tps & ~xp[plots.truth]] == -1)
    assert np.any(plots.squawk[tps & xp[plots.truth]] == 4721)
    # the 2D civil primary never reports codes (no interrogator) and never elevation
    star = plots.sensor == 2
    assert np.all(plots.squawk[star] == -1) and np.all(np.isnan(plots.elevation_rad[star]))


def test_2d_radars_report_no_elevation_and_3d_is_consistent(tmp_path):
    import dataclasses

    quiet = dataclasses.replace(TPS70, sigma_range_m=1e-6, sigma_azimuth_rad=1e-9, sigma_elevation_rad=1e-9)
    rs = [radar(quiet), radar(STAR, site="lima")]
    geom = flat_geometry(rs, half_deg=3.0)
    n = 30
    traj = tangential_flights(n, 70e3, 2500.0, duration_s=200.0, speed=100.0)
    plots, _ = feeds.generate_plots(traj, targets(n, rcs=100.0), rs, geom, 3, 0, up=[True, True],
                                    options=feeds.FeedOptions(false_plots=False))
    two = plots.sensor == 1
    assert two.sum() > 100 and np.all(np.isnan(plots.elevation_rad[two])) and np.all(plots.dims[two] == 2)
    three = plots.sensor == 0
    assert np.all(np.isfinite(plots.elevation_rad[three])) and np.all(plots.dims[three] == 3)
    # a noise-free 3D plot converted by radar.measurement lands on the truth (4/3-Earth consistency)
    lat, lon, h, _v, _ph = evaluate_geodetic(traj, plots.truth[three], plots.time_s[three])
    from radar.frame import Frame

    truth_enu = Frame().geodetic_to_enu(np.degrees(lat), np.degrees(lon), h)
    got = np.column_stack([plots.x_m[three], plots.y_m[three], plots.z_m[three]])
    assert np.max(np.linalg.norm(got - truth_enu, axis=1)) < 0.5
    from radar.plotlog import write_polar_log

    write_polar_log(tmp_path / "p.csv", plots)
    lines = (tmp_path / "p.csv").read_text().splitlines()
    head = lines[0].split(",")
    ie, isen = head.index("elevation_deg"), head.index("sensor")
    for line in lines[1:]:
        cols = line.split(",")
        assert (cols[ie] == "") == (cols[isen] == "1")


def test_kernel_matches_numpy_oracle():
    rs = [radar(TPS70), radar(STAR, site="a"), radar(RSM, site="b")]
    geom = flat_geometry(rs, floor_m=500.0, half_deg=4.5)
    rng = np.random.default_rng(11)
    specs = []
    for i in range(60):
        a = destination(*SITE[:2], rng.uniform(0, 2 * np.pi), rng.uniform(5e3, 380e3))
        b = destination(*a, rng.uniform(0, 2 * np.pi), rng.uniform(20e3, 150e3))
        specs.append((rng.uniform(0, 3000), rng.uniform(600, 2400), a, b, rng.uniform(300, 6000)))
    traj = straight_flights(specs)
    n = traj.n_flights
    tg = feeds.Targets(np.arange(n, dtype=np.int64) * 7 + 3, rng.uniform(0.5, 5, n), rng.random(n) < 0.5,
                       rng.integers(1000, 7000, n).astype(np.int32))
    opts = feeds.FeedOptions(false_plots=False)
    plots, st = feeds.generate_plots(traj, tg, rs, geom, 21, 4, up=[True] * 3, options=opts, convert=False)
    ra = feeds.radar_arrays(rs, geom)
    t0 = feeds.scan_phases(rs, 21, 4)
    want = ref.target_plots(traj, tg, ra, t0, stream_key(21, 4, "detection"), opts, KR, EARTH_RADIUS_M)
    assert len(plots) > 1000
    order = np.lexsort((want["scan"], want["sensor"], want["truth"]))
    got_order = np.lexsort((plots.scan, plots.sensor, plots.truth))
    # which plots exist, and their dims and codes, are discrete: decided by counter-based draws against Pd
    # and by visibility limits, compared exactly (values within ~1e-10 relative of a threshold could flip)
    assert len(plots) == want["time_s"].size
    for k_got, k_want in (("truth", "truth"), ("sensor", "sensor"), ("scan", "scan"), ("dims", "dims"),
                          ("squawk", "squawk")):
        np.testing.assert_array_equal(getattr(plots, k_got)[got_order], want[k_want][order].astype(int))
    # the values: the oracle stops its beam-crossing fixed point after 3 iterations (times within 1e-6 s,
    # 8e-7 s measured), which moves the target by < 1 mm (3e-5 m measured) and its angles by < 1e-7 rad
    assert_close(plots.time_s[got_order], want["time_s"][order], atol=1e-6)  # s
    assert_close(plots.range_m[got_order], want["range_m"][order], atol=1e-3)  # m
    assert_close(plots.azimuth_rad[got_order], want["azimuth_rad"][order], atol=100 * RAD)  # rad
    assert_close(plots.elevation_rad[got_order], want["elevation_rad"][order], atol=100 * RAD)  # rad
    assert_close(plots.mode_c_m[got_order], want["mode_c_m"][order], atol=M)  # m (multiples of 100 ft)


def test_hash_kernel_matches_numpy_and_is_uniform():
    k0, k1 = (np.uint64(v) for v in stream_key(3, 1, "detection"))
    a = np.arange(20000, dtype=np.int64)
    got = np.array([draws.uniform(k0, k1, int(x), 77, 5, 0) for x in a[:2000]])
    want = ref.hash_uniform(k0, k1, a[:2000], 77, 5, 0)
    # exact on purpose: integer hashing, then (h >> 11 + 0.5) / 2^53, which rounds nowhere
    np.testing.assert_array_equal(got, want)
    u = ref.hash_uniform(k0, k1, a, 77, 5, 0)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = ref.hash_normal(k0, k1, a, 77, 5, 2)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # neighbouring coordinates are uncorrelated
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.03


def test_false_plots_counts_and_one_over_r_density():
    r = radar()
    geom = flat_geometry([r], half_deg=4.5)
    from scenarios.flights.trajectory import empty_trajectories

    window = (0.0, 86400.0)
    plots, st = feeds.generate_plots(empty_trajectories(), targets(0), [r], geom, 8, 0, up=[True],
                                     window=window, convert=False)
    nrev = 86400.0 / TPS70.scan_period_s
    # Poisson(1 per scan) over 8,640 revolutions: 99.9 % interval
    lo, hi = stats.poisson.interval(0.999, nrev * TPS70.false_plots_per_scan)
    assert lo <= len(plots) <= hi
    assert np.all(plots.truth == -1) and np.all(plots.squawk == -1)
    # uniform in range (density per unit area proportional to 1/R) and in azimuth
    assert stats.kstest(plots.range_m / TPS70.instrumented_range_m, "uniform").pvalue > 1e-3
    assert stats.kstest(plots.azimuth_rad / (2 * np.pi), "uniform").pvalue > 1e-3
    # per-area density in the annulus [R/2, R] is half that of [R/4, R/2] x (area ratio 4) -> counts equal
    R = TPS70.instrumented_range_m
    n1 = np.sum((plots.range_m >= R / 4) & (plots.range_m < R / 2))
    n2 = np.sum(plots.range_m >= R / 2)
    assert n2 / n1 == pytest.approx(2.0, rel=0.12)
    # beam timing of false plots
    t0 = feeds.scan_phases([r], 8, 0)[0]
    resid = (plots.time_s - t0 - plots.azimuth_rad / (2 * np.pi) * 10.0 + 5.0) % 10.0 - 5.0
    assert np.max(np.abs(resid)) < 1e-6
    assert np.all(plots.elevation_rad >= TPS70.elevation_min_rad - 1e-12)
    assert np.all(plots.elevation_rad <= TPS70.elevation_max_rad + 1e-12)


def test_false_plots_only_in_visible_region_and_window_option():
    r = radar()
    geom = flat_geometry([r], half_deg=4.5, invisible_west=True)
    from scenarios.flights.trajectory import empty_trajectories

    plots, _ = feeds.generate_plots(empty_trajectories(), targets(0), [r], geom, 8, 0, up=[True],
                                    window=(0.0, 86400.0), convert=False)
    # the rate per scan is kept (redrawn inside the visible half), all in the east half
    lo, hi = stats.poisson.interval(0.999, 8640.0)
    assert lo <= len(plots) <= hi
    assert np.all((plots.azimuth_rad > -1e-3) & (plots.azimuth_rad < np.pi + 1e-3))
    # study option: keep only false plots near a target
    traj = tangential_flights(1, 100e3, 3000.0, duration_s=20000.0, speed=5.0, t_start=0.0)
    opts = feeds.FeedOptions(false_plot_window_m=50e3)
    p2, st = feeds.generate_plots(traj, targets(1), [r], flat_geometry([r], half_deg=4.5), 8, 0, up=[True],
                                  window=(0.0, 20000.0), options=opts, convert=False)
    assert st.false_kept[0] < 0.1 * st.false_generated[0] and st.false_kept[0] > 0
    assert np.sum(p2.truth == -1) == st.false_kept[0]


def test_eval_kernel_matches_numpy_and_velocity_is_derivative():
    rng = np.random.default_rng(2)
    specs = [(rng.uniform(0, 100), rng.uniform(500, 3000), destination(*SITE[:2], rng.uniform(0, 6.28), 1e5),
              destination(*SITE[:2], rng.uniform(0, 6.28), 2e5), 3000.0) for _ in range(20)]
    traj = straight_flights(specs)
    f = rng.integers(0, 20, 500)
    t = rng.uniform(0, 3200, 500)
    a = evaluate_geodetic(traj, f, t)
    b = trajectory.eval_many(traj.offsets, traj.t_s, traj.lat_rad, traj.lon_rad, traj.h_m, traj.phase, f, t)
    # lat, lon (rad), h (m), velocity (m/s), phase: linear interpolation in both, NaN outside the flight
    for x, y, tol in zip(a, b, (RAD, RAD, M, M, 0)):
        assert_close(x, y, atol=tol)
    from scenarios.flights.trajectory import evaluate
    from radar.frame import Frame

    fr = Frame()
    ok = np.isfinite(a[0]) & np.isfinite(evaluate_geodetic(traj, f, t + 0.5)[0]) & np.isfinite(evaluate_geodetic(traj, f, t - 0.5)[0])
    p1, _, _ = evaluate(traj, fr, f[ok], t[ok] + 0.5)
    p0, _, _ = evaluate(traj, fr, f[ok], t[ok] - 0.5)
    _, v, _ = evaluate(traj, fr, f[ok], t[ok])
    np.testing.assert_allclose(v, p1 - p0, atol=0.05)


def test_convert_kernel_matches_measurement_convert_polar():
    rs = [radar(TPS70), radar(STAR, site="a"), radar(RSM, site="b")]
    geom = flat_geometry(rs, half_deg=3.0)
    ra = feeds.radar_arrays(rs, geom)
    rng = np.random.default_rng(5)
    n = 3000
    s = rng.integers(0, 3, n)
    r = rng.uniform(1e3, 400e3, n)
    az = rng.uniform(0, 2 * np.pi, n)
    el = np.where(s == 0, rng.uniform(-0.02, 0.2, n), np.nan)
    mc = np.where((s == 2) | (rng.random(n) < 0.3), rng.uniform(0, 9000, n), np.nan)
    cols = dict(range_m=r, azimuth_rad=az, elevation_rad=el, mode_c_m=mc, sensor=s)
    from radar.frame import Frame

    fr = Frame()
    enu, cov = feeds.convert_to_enu(cols, ra, fr)
    want_enu, want_cov = convert_polar(r, az, el, ra.sigma[s, 0], ra.sigma[s, 1],
                                       np.where(ra.kind[s] == 0, ra.sigma[s, 2], np.nan), ra.lat[s], ra.lon[s],
                                       ra.h_ant[s], mc, fr)
    assert_close(enu, want_enu, atol=M)  # m
    # covariances agree to 1e-6 of their scale (same central differences, different summation order)
    scale = np.max(np.abs(want_cov), axis=1, keepdims=True)
    np.testing.assert_allclose(cov / scale, want_cov / scale, atol=1e-6, rtol=0)


def test_analytic_polar_jacobian_matches_differences_of_the_model():
    """The analytic Jacobian of the measurement kernels (radar.measurement.polar_to_enu_jacobian_k, the one the
    feeds' conversion uses) against central differences of radar.measurement.polar_to_enu_arrays; its
    position is polar_to_enu_k's, bit for bit (one forward model).

    The differences are roundoff-limited (ECEF ~6.4e6 m x 2.2e-16 / step): 1e-7 relative with steps of
    10 m / 10 microradians, and the disagreement shrinks as the step grows (the analytic form is the
    exact derivative; the differences are the approximation)."""
    from radar.frame import Frame
    from radar.measurement import polar_to_enu_arrays, polar_to_enu_jacobian_k, polar_to_enu_k

    fr = Frame()
    rng = np.random.default_rng(11)
    worst = {1e-6: 0.0, 1e-5: 0.0}
    for _ in range(200):
        lat, lon = np.radians(rng.uniform(-18, 0)), np.radians(rng.uniform(-81, -68))
        h_ant = rng.uniform(0, 4500)
        r, az, el = rng.uniform(2e3, 440e3), rng.uniform(0, 2 * np.pi), rng.uniform(-0.03, 0.35)
        J = np.empty((3, 3))
        pos = np.empty(3)
        want = np.empty(3)
        polar_to_enu_jacobian_k(r, az, el, lat, lon, h_ant, fr.origin_ecef, fr.rotation, pos, J)
        polar_to_enu_k(r, az, el, lat, lon, h_ant, fr.origin_ecef, fr.rotation, want)
        assert pos.tobytes() == want.tobytes()
        for da in worst:
            dr = da * 1e6
            f = lambda *p: polar_to_enu_arrays(*p, lat, lon, h_ant, fr)
            F = np.column_stack([(f(r + dr, az, el) - f(r - dr, az, el)) / (2 * dr),
                                 (f(r, az + da, el) - f(r, az - da, el)) / (2 * da),
                                 (f(r, az, el + da) - f(r, az, el - da)) / (2 * da)])
            worst[da] = max(worst[da], float(np.max(np.abs(F - J).max(axis=0) / np.abs(J).max(axis=0))))
    assert worst[1e-5] < 1e-7
    assert worst[1e-5] < worst[1e-6]


def test_plot_order_is_the_stable_lexsort_with_ties():
    # orders (and below, gathers) of the same input values: no arithmetic, so exact equality is right
    rng = np.random.default_rng(8)
    n = 20000
    cols = dict(time_s=rng.integers(0, 3000, n).astype(float) * 0.5, sensor=rng.integers(0, 4, n),
                scan=rng.integers(0, 3, n), range_m=rng.integers(0, 5, n).astype(float))
    want = np.lexsort((cols["range_m"], cols["scan"], cols["sensor"], cols["time_s"]))
    np.testing.assert_array_equal(feeds.plot_order(cols), want)
    cols["time_s"] = rng.random(n)
    np.testing.assert_array_equal(feeds.plot_order(cols), np.lexsort((cols["range_m"], cols["scan"], cols["sensor"],
                                                                      cols["time_s"])))


def test_plot_order_time_kernel_matches_stable_argsort():
    """The bucketed stable time order (any bucket count, clustered and equal times, a NaN -> NumPy fallback)."""
    rng = np.random.default_rng(21)
    t = np.concatenate([rng.uniform(0, 10, 30000), np.full(500, 3.0), rng.uniform(5e4, 5e4 + 1, 3000)])
    t = t[rng.permutation(t.size)]
    want = np.argsort(t, kind="stable")
    for nb, nchunk in ((1, 1), (7, 3), (4096, 16)):
        order = np.empty(t.size, np.int64)
        ties, ok = ordering.stable_time_order(t, nb, nchunk, order, np.empty(t.size))
        assert ok and ties
        np.testing.assert_array_equal(order, want)
    t[123] = np.nan
    cols = dict(time_s=t, sensor=rng.integers(0, 3, t.size), scan=rng.integers(0, 3, t.size), range_m=rng.random(t.size))
    np.testing.assert_array_equal(feeds.plot_order(cols), np.lexsort((cols["range_m"], cols["scan"], cols["sensor"],
                                                                      cols["time_s"])))


def test_sort_plots_matches_plot_order_gather():
    """The bucketed in-place sort gives the columns of the stable (time, sensor, scan, range) order."""
    rng = np.random.default_rng(12)
    for n, tie in ((250_000, False), (250_000, True), (50_000, True), (1, False), (0, False)):
        t = np.concatenate([np.sort(rng.uniform(0, 86400, 100)) for _ in range(max(n // 100, 1))])[:n]
        if tie and n:
            t[rng.integers(0, n, 500)] = t[rng.integers(0, n, 500)]
        cols = dict(time_s=t, sensor=rng.integers(0, 5, t.size), range_m=rng.uniform(0, 4e5, t.size),
                    azimuth_rad=rng.uniform(0, 6, t.size), elevation_rad=rng.uniform(0, 0.3, t.size),
                    dims=rng.integers(2, 4, t.size).astype(np.int8), mode_c_m=rng.uniform(0, 9e3, t.size),
                    squawk=rng.integers(-1, 7777, t.size).astype(np.int32), truth=rng.integers(-1, 99, t.size),
                    scan=rng.integers(0, 9, t.size))
        order = np.lexsort((cols["range_m"], cols["scan"], cols["sensor"], cols["time_s"]))
        got = feeds.sort_plots({k: a.copy() for k, a in cols.items()})
        for k, a in cols.items():
            np.testing.assert_array_equal(got[k], a[order])


def test_segment_near_finds_the_binary_search_segment():
    # waypoint times with repeated values (zero-length segments) and a repeated last time
    t_wp = np.array([0.0, 10.0, 10.0, 25.0, 40.0, 40.0, 40.0, 55.0, 70.0, 70.0])
    rng = np.random.default_rng(5)
    times = np.concatenate((t_wp, rng.uniform(0.0, 70.0, 300)))
    for a, b in ((0, 10), (1, 9), (3, 8)):
        for t in times:
            if not (t_wp[a] <= t <= t_wp[b - 1]):
                continue
            want = trajectory.segment_of(t_wp, a, b, t)
            assert t_wp[want] <= t and (want == b - 2 or t < t_wp[want + 1])
            for g in range(a - 2, b + 2):
                assert trajectory.segment_near(t_wp, a, b, t, g) == want


def test_hash_prefix_gives_the_same_draws():
    k0, k1 = (np.uint64(v) for v in stream_key(8, 2, "detection"))
    for uid, rk, rev in ((0, 1, 2), (12345, 4004991777, 86399), (7, 3, 0)):
        hp = draws.hash_prefix(k0, k1, uid, rk, rev)
        for j in range(8):
            # exact: integer hashing and an exact conversion to (0, 1)
            assert draws.hash_last(hp, j) == draws.hash_u64(k0, k1, uid, rk, rev, j)
            assert draws.uniform_p(hp, j) == ref.hash_uniform(k0, k1, uid, rk, rev, j)


def test_column_pool_reuses_memory_only_when_nothing_refers_to_it():
    pool = feeds._ColumnPool(min_bytes=1024)
    a = pool.empty(1000, np.float64)
    addr = a.__array_interface__["data"][0]
    view = a[10:20]
    del a
    b = pool.empty(1000, np.float64)  # the view keeps a's buffer: new memory
    assert not np.shares_memory(b, view)
    del view
    c = pool.empty((100, 6), np.float64)  # a's buffer is idle now and fits
    assert c.__array_interface__["data"][0] == addr and c.shape == (100, 6) and c.flags.c_contiguous
    assert pool.empty(10, np.float64).base is None  # below min_bytes: an ordinary array
    del b, c
    assert pool.idle_bytes() >= 2 * 8000
    pool.trim(0)
    assert pool.idle_bytes() == 0 and pool.bufs == []


def test_plots_kept_by_the_caller_are_never_overwritten(monkeypatch):
    """generate_plots recycles the memory of plots the caller dropped, never of plots it keeps."""
    monkeypatch.setattr(feeds, "_COLUMNS", feeds._ColumnPool(min_bytes=0))
    rs = [radar(TPS70), radar(RSM, site="b")]
    geom = flat_geometry(rs, floor_m=500.0, half_deg=4.5)
    traj = tangential_flights(30, 150e3, 3000.0)
    tg = targets(traj.n_flights, xpdr=True)

    def run():
        return feeds.generate_plots(traj, tg, rs, geom, 4, 1, up=[True, True])[0]

    first = run()
    keep = {k: getattr(first, k).copy() for k in vars(first)}
    second = run()
    assert len(first) > 100
    for k in keep:
        assert not np.shares_memory(getattr(first, k), getattr(second, k)), k
        np.testing.assert_array_equal(getattr(first, k), keep[k])
        np.testing.assert_array_equal(getattr(second, k), keep[k])
    n_bufs = len(feeds._COLUMNS.bufs)
    del first
    third = run()  # the first call's memory is idle again: reused, no new buffers
    assert len(feeds._COLUMNS.bufs) == n_bufs
    for k in keep:
        np.testing.assert_array_equal(getattr(third, k), keep[k])
        np.testing.assert_array_equal(getattr(second, k), keep[k])
