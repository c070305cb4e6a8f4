"""Tracker behaviour: 2D (range, azimuth) EKF with Mode C, late plots, deletion, stable ids, determinism."""
import math

import numpy as np
import pytest

from radar.measurement import enu_to_polar
from radar.plotlog import Plots
from radar.sensorfile import Sensor, SensorTable
from tracker.params import TrackerParams
from tracker_synthetic import SyntheticRadar, scenario
from tracker.tracker import track


def test_2d_radar_with_mode_c_tracks_in_3d():
    """A 2D primary + Mode C: EKF updates on (range, azimuth), height from Mode C (sigma 30 m)."""
    table = SensorTable(sensors=(Sensor(0, "c", "STAR", "civil", "SSR", -9.2, -75.0, 100.0, 5.0, 50.0,
                                        math.radians(0.08)),))
    rng = np.random.default_rng(0)
    t = np.arange(0.0, 600.0, 5.0) + 0.3
    truth = np.c_[40e3 + 90.0 * t, 20e3 + 30.0 * t, np.full(t.size, 3000.0)]
    lat, lon, h = table.frame.enu_to_geodetic(truth)
    r, az, el = enu_to_polar(table.sensors[0], truth, table.frame)
    r = r + rng.normal(0, 50.0, t.size)
    az = az + rng.normal(0, math.radians(0.08), t.size)
    mode_c = h + rng.normal(0, 30.0, t.size)
    from radar.measurement import convert_polar

    enu, cov = convert_polar(r, az, np.full(t.size, np.nan), 50.0, math.radians(0.08), np.nan,
                             math.radians(-9.2), math.radians(-75.0), 100.0, mode_c, table.frame)
    plots = Plots.from_columns(t.size, time_s=t, sensor=np.zeros(t.size), range_m=r, azimuth_rad=az,
                               elevation_rad=np.full(t.size, np.nan), dims=np.full(t.size, 2), x_m=enu[:, 0],
                               y_m=enu[:, 1], z_m=enu[:, 2], cov=cov, mode_c_m=mode_c, squawk=np.full(t.size, 4321))
    res = track(plots, table, TrackerParams(imm=False, q_horizontal_mps2=0.5), emit_on_update=True)
    rows = res.rows
    assert res.confirmed_tracks == 1 and len(rows) > 100
    assert (rows.squawk == 4321).all()
    late = rows.time_s > 200
    tr = np.c_[40e3 + 90.0 * rows.time_s, 20e3 + 30.0 * rows.time_s][late]
    err_h = np.hypot(*(rows.state[late, :2] - tr).T)
    _, _, hh = table.frame.enu_to_geodetic(rows.state[late, :3])
    tt = rows.time_s[late]
    _, _, h_true = table.frame.enu_to_geodetic(np.c_[40e3 + 90.0 * tt, 20e3 + 30.0 * tt, np.full(tt.size, 3000.0)])
    assert np.sqrt(np.mean(err_h ** 2)) < 150.0  # m, well inside the 2D measurement's cross-range error
    assert np.sqrt(np.mean((hh - h_true) ** 2)) < 30.0  # geodetic height from Mode C (sigma 30 m)
    assert res.nis_mean[1] == pytest.approx(2.0, rel=0.3)  # consistent (range, azimuth) innovations


def test_late_plots_are_counted_and_dropped():
    sc = scenario(3, 300.0, 50e3, seed=2)
    p = sc.plots
    proc = p.time_s.copy()
    late = np.zeros(len(p), bool)
    late[10::17] = True
    proc[late] += 30.0  # arrive 30 s late: beyond the (0 + 1 s) window
    res = track(p, sc.sensors, TrackerParams(), proc_time_s=proc)
    assert res.n_dropped_late > 0
    assert res.n_dropped_late + res.n_used == len(p)


def test_tracks_deleted_after_60_s_unseen_and_ids_stable():
    sc = scenario(1, 300.0, 20e3, seed=4, radars=(SyntheticRadar(pd=1.0),), speed=(80.0, 80.0), legs=[[(1e5, 0.0)]])
    p = sc.plots
    keep = (p.time_s < 120) | (p.time_s > 250)
    res = track(p.take(np.flatnonzero(keep)), sc.sensors, TrackerParams(), out_times=np.arange(0, 300, 5.0))
    rows = res.rows
    ids_before = set(rows.track[rows.time_s < 120].tolist())
    ids_after = set(rows.track[rows.time_s > 260].tolist())
    assert ids_before == {0} and ids_after == {1}
    # no row for the old track more than 60 s after its last plot
    last_plot = p.time_s[p.time_s < 120].max()
    assert rows.time_s[rows.track == 0].max() <= last_plot + 60.0


def test_confirmation_needs_three_hits():
    sc = scenario(1, 100.0, 20e3, seed=5, radars=(SyntheticRadar(pd=1.0),), speed=(80.0, 80.0), legs=[[(1e5, 0.0)]])
    p = sc.plots
    res = track(p.take(np.arange(2)), sc.sensors, TrackerParams())
    assert res.confirmed_tracks == 0  # two plots: a tentative track only
    res = track(p.take(np.arange(3)), sc.sensors, TrackerParams())
    assert res.confirmed_tracks == 1


def test_same_result_for_any_input_order_of_equal_arrival():
    sc = scenario(10, 300.0, 100e3, seed=6, radars=(SyntheticRadar(false_per_scan=5),))
    a = track(sc.plots, sc.sensors, TrackerParams(), emit_on_update=True).rows
    b = track(sc.plots, sc.sensors, TrackerParams(), emit_on_update=True).rows
    np.testing.assert_array_equal(a.state, b.state)
    np.testing.assert_array_equal(a.track, b.track)


def test_geometry_grid_suppresses_misses_where_target_is_not_visible():
    """A 40 s gap in the target's plots (clutter keeps the radar's batches coming): without grids the track counts
    misses and is replaced; with a grid saying the target is never visible there, no miss is counted and the same
    track resumes (it is < 60 s unseen)."""
    from tracker.tracker import load_grids

    sc = scenario(1, 300.0, 200e3, seed=4, radars=(SyntheticRadar(pd=1.0, false_per_scan=40.0),), speed=(80.0, 80.0),
                  legs=[[(1e5, 0.0)]], start=[[30e3, 20e3]])
    p = sc.plots
    keep = np.flatnonzero((p.truth < 0) | (p.time_s < 100) | (p.time_s > 140))
    lat = np.arange(-7.0, -11.0, -0.05)
    lon = np.arange(-77.0, -73.0, 0.05)
    key = f"min_visible_msl__{sc.sensors.sensors[0].site_id}__{sc.sensors.sensors[0].type}"
    hidden = load_grids({"lat": lat, "lon": lon, key: np.full((lat.size, lon.size), np.nan)}, sc.sensors)
    visible = load_grids({"lat": lat, "lon": lon, key: np.zeros((lat.size, lon.size))}, sc.sensors)
    ids = {}
    for name, g in (("none", None), ("hidden", hidden), ("visible", visible)):
        rows = track(p.take(keep), sc.sensors, TrackerParams(), emit_on_update=True, grids=g).rows
        # track ids alive just before and after the gap (clutter forms no confirmed track here)
        ids[name] = (set(rows.track[(rows.time_s > 60) & (rows.time_s < 100)].tolist()),
                     set(rows.track[rows.time_s > 150].tolist()))
    before, after = ids["hidden"]
    assert before & after  # the same track id before and after the gap
    for name in ("none", "visible"):
        before, after = ids[name]
        assert not (before & after), name  # deleted after 3 counted misses; a new track afterwards


def test_fast_polar_model_and_height_match_radar_measurement():
    """The tracker's trig-free (r, az, Jacobian) and (geodetic height, up) agree with radar.measurement's kernels
    (the oracle) to rounding: < 1e-6 m in range and height, < 1e-12 rad in azimuth, < 1e-12 relative in H and up."""
    from radar.frame import Frame
    from radar.measurement import geodetic_height_k, range_azimuth_jacobian_k
    from radar._jit import kernel
    from radar._kernels.measurement import geodetic_height_up_sincos
    from tracker._kernels.measure import range_azimuth_jac, sensor_trig

    @kernel
    def ours(pts, strig, org, rot, out):
        H = np.zeros((2, 3))
        up = np.zeros(3)
        for k in range(pts.shape[0]):
            r, az = range_azimuth_jac(pts[k, 0], pts[k, 1], pts[k, 2], k % strig.shape[0], strig, org, rot, H)
            out[k, 0] = r
            out[k, 1] = az
            for a in range(2):
                for b in range(3):
                    out[k, 2 + 3 * a + b] = H[a, b]
            out[k, 8] = geodetic_height_up_sincos(pts[k, 0], pts[k, 1], pts[k, 2], org, rot, up)
            for a in range(3):
                out[k, 9 + a] = up[a]

    rng = np.random.default_rng(3)
    frame = Frame()
    slat = np.radians(rng.uniform(-15, -2, 5))
    slon = np.radians(rng.uniform(-80, -70, 5))
    shant = rng.uniform(0, 4000, 5)
    org, rot = np.ascontiguousarray(frame.origin_ecef), np.ascontiguousarray(frame.rotation)
    n = 2000
    pts = np.c_[rng.uniform(-8e5, 8e5, (n, 2)), rng.uniform(-100, 15e3, n)]
    out = np.zeros((n, 12))
    ours(pts, sensor_trig(slat, slon, shant), org, rot, out)
    H = np.zeros((2, 3))
    up = np.zeros(3)
    for k in range(n):
        s = k % 5
        r, az = range_azimuth_jacobian_k(pts[k, 0], pts[k, 1], pts[k, 2], slat[s], slon[s], shant[s], org, rot, H)
        h = geodetic_height_k(pts[k, 0], pts[k, 1], pts[k, 2], org, rot, up)
        assert abs(out[k, 0] - r) < 1e-6 and abs(out[k, 1] - az) < 1e-12
        np.testing.assert_allclose(out[k, 2:8], H.ravel(), rtol=1e-12, atol=1e-12 * np.abs(H).max())
        assert abs(out[k, 8] - h) < 1e-6
        np.testing.assert_allclose(out[k, 9:], up, rtol=0, atol=1e-12)
