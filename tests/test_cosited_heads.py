"""A co-sited primary + secondary head (STAR 2000 + RSM 970 S on one antenna), synthetic, end to end.

Feeds: the two share the antenna's phase and output one stream of reinforced (PSR + SSR), primary-only and
secondary-only plots, correlated by range/azimuth windows, never by truth.  Tracker (integrated picture):
one track per aircraft, held heights of 2D-only tracks within the terrain..ceiling band and near the truth
for a low flyer, and the right association when a drug flight crosses under an airliner.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from feeds_synthetic import RSM, SITE, STAR, destination, flat_geometry, radar, straight_flights
from radar import feeds
from radar.errors import InputError
from radar.frame import Frame
from radar.sensorfile import Sensor, SensorTable, read_sensors, write_sensors

AIRLINER_CODE = 1234  # octal digits read as decimal
COOP_LIGHT_CODE = 4521
T_CROSS = 1400.0


def _flights():
    """Airliner (9 km, 220 m/s, squawking), a drug flight crossing under it at T_CROSS (500 m, 80 m/s, no
    transponder), a cooperative light aircraft (3 km) and a second drug flight elsewhere."""
    c = destination(SITE[0], SITE[1], math.radians(135.0), 30e3)  # crossing point, 30 km SE of the head
    half_a = 220.0 * 400.0
    half_d = 80.0 * 500.0
    specs = [
        (T_CROSS - 400.0, 800.0, destination(*c, math.radians(45.0), half_a), destination(*c, math.radians(225.0), half_a),
         9000.0),
        (T_CROSS - 500.0, 1000.0, destination(*c, 0.0, half_d), destination(*c, math.pi, half_d), 500.0),
        (900.0, 1000.0, destination(SITE[0], SITE[1], math.radians(300.0), 70e3),
         destination(SITE[0], SITE[1], math.radians(240.0), 70e3), 3000.0),
        (950.0, 900.0, destination(SITE[0], SITE[1], math.radians(20.0), 80e3),
         destination(SITE[0], SITE[1], math.radians(80.0), 60e3), 400.0),
    ]
    traj = straight_flights(specs)
    targets = feeds.Targets(np.array([11, 12, 13, 14], np.int64), np.array([20.0, 2.0, 2.0, 1.5]),
                            np.array([True, False, True, False]),
                            np.array([AIRLINER_CODE, -1, COOP_LIGHT_CODE, -1], np.int32))
    return traj, targets


@pytest.fixture(scope="module")
def head():
    radars = [radar(STAR, mast=20.0), radar(RSM, mast=20.0)]
    geom = flat_geometry(radars, half_deg=2.0)
    traj, targets = _flights()
    plots, stats = feeds.generate_plots(traj, targets, radars, geom, 5, 0, up=[True, True], frame=Frame())
    psr_alone, _ = feeds.generate_plots(traj, targets, radars[:1], flat_geometry(radars[:1], half_deg=2.0), 5, 0,
                                        up=[True], frame=Frame())
    h = float(geom.antenna_msl_m[0])
    sensors = SensorTable(frame=Frame(), sensors=(
        Sensor(0, "pm", STAR.id, "civil", "PSR_2D", SITE[0], SITE[1], h, 4.0, STAR.sigma_range_m,
               STAR.sigma_azimuth_rad, range_max_m=STAR.instrumented_range_m, cosited_with=1),
        Sensor(1, "pm", RSM.id, "civil", "SSR", SITE[0], SITE[1], h, 4.0, RSM.sigma_range_m, RSM.sigma_azimuth_rad,
               range_max_m=RSM.instrumented_range_m, cosited_with=0)))
    return radars, traj, targets, plots, stats, psr_alone, sensors


def test_head_shares_the_antenna_phase(head):
    radars = head[0]
    assert list(feeds.cosited_heads(radars)) == [1, 0]
    t0 = feeds.scan_phases(radars, 5, 0)
    assert t0[0] == t0[1]
    # a different site, or another scan period, is not one head
    other = radar(RSM, mast=20.0, site="elsewhere")
    assert list(feeds.cosited_heads([radars[0], other])) == [-1, -1]


def test_reinforced_plots(head):
    _radars, _traj, _targets, plots, stats, psr_alone, _sensors = head
    # one stream, under the primary's index
    assert set(np.unique(plots.sensor)) == {0}
    # the airliner's primary detections are reinforced: its code and Mode C at the primary's times
    a_psr = int(np.sum(psr_alone.truth == 0))
    a_reinf = int(np.sum((plots.truth == 0) & np.isfinite(plots.mode_c_m)
                         & np.isin(np.round(plots.time_s, 6), np.round(psr_alone.time_s[psr_alone.truth == 0], 6))))
    assert a_psr > 150 and a_reinf >= 0.95 * a_psr
    assert stats.reinforced[0] >= a_reinf
    # (a missed reply, 2 %, leaves a primary-only plot of the airliner)
    assert np.mean(plots.squawk[plots.truth == 0] == AIRLINER_CODE) > 0.95
    assert np.all(np.isin(plots.squawk[plots.truth == 0], (AIRLINER_CODE, -1)))
    # a reinforced plot is one plot: no two plots of the airliner in one revolution
    _, counts = np.unique(plots.scan[plots.truth == 0], return_counts=True)
    assert counts.max() == 1
    # drug flights stay primary-only, with every detection kept (the correlation did not swallow them)
    for f in (1, 3):
        mine = plots.truth == f
        assert np.all(plots.squawk[mine] == -1) and np.all(np.isnan(plots.mode_c_m[mine]))
        assert mine.sum() == np.sum(psr_alone.truth == f) > 100
    # reinforced plots sit at the secondary's (monopulse) position: range errors ~ the SSR's 15 m
    from radar.measurement import _geodetic_to_polar
    from scenarios.flights.trajectory import evaluate_geodetic

    sel = np.flatnonzero((plots.truth == 0) & np.isfinite(plots.mode_c_m))
    lat, lon, h, _v, _ph = evaluate_geodetic(_traj, plots.truth[sel], plots.time_s[sel])
    rng, _az, _el = _geodetic_to_polar(lat, lon, h, math.radians(SITE[0]), math.radians(SITE[1]), 220.0)
    err = plots.range_m[sel] - rng
    assert abs(np.mean(err)) < 5.0 and np.std(err) < 25.0  # the SSR's 15 m, not the PSR's 40 m


def test_one_track_per_aircraft_bounded_heights_right_association(head):
    from scenarios.flights.trajectory import truth_samples
    from tracker.metrics import picture_truth, split_distance
    from tracker.pictures import build_picture

    _radars, traj, _targets, plots, _stats, _psr, sensors = head
    out_t = np.arange(800.0, 2100.0, 10.0)
    pic = build_picture(plots, sensors, "integrated", 5, 0, out_times=out_t)
    tt, tg, tp = truth_samples(traj, Frame(), 10.0)
    res = picture_truth(tt, tg, tp, pic.time_s, pic.track, pic.state, pic.pos_cov)
    assert res.held > 0.8 * res.aircraft_times
    assert res.duplicates == 0
    assert res.height_errors == 0
    # (a track may end and restart when its aircraft flies tangentially through the MTI notch, but never
    # two at once: no duplicates above)

    def holder(f, t):
        """Track id whose row at time t is nearest (horizontally, < 2 km) to flight f, or -1."""
        m = pic.time_s == t
        k = np.flatnonzero((tt == t) & (tg == f))
        if not m.any() or k.size == 0:
            return -1
        dh, _dv = split_distance(tp[k], pic.state[m, :3])
        i = int(np.argmin(dh[0]))
        return int(pic.track[m][i]) if dh[0, i] < 2000.0 else -1

    a_before, a_after = holder(0, T_CROSS - 150.0), holder(0, T_CROSS + 150.0)
    d_before, d_after = holder(1, T_CROSS - 150.0), holder(1, T_CROSS + 150.0)
    assert a_before >= 0 and d_before >= 0 and a_before != d_before
    assert (a_after, d_after) == (a_before, d_before)  # no swap, no merge across the crossing
    drug = pic.track == d_before
    air = pic.track == a_before
    assert np.all(pic.squawk[drug] == -1) and np.all(pic.squawk[air] == AIRLINER_CODE)
    # the drug flight's track is 2D-only: its height is held (sigma >= the 1 km prior), between the ground (0 m
    # here) and the ceiling, and near its true 500 m; the airliner's comes from Mode C
    from radar.frame import Frame as _F

    _lat, _lon, h_drug = _F().enu_to_geodetic(pic.state[drug, :3])
    assert np.all(pic.sigma_v_m[drug] >= 999.0)
    assert np.all((h_drug >= 0.0) & (h_drug <= 15000.0)) and np.all(np.abs(h_drug - 500.0) < 700.0)
    _lat, _lon, h_air = _F().enu_to_geodetic(pic.state[air, :3])
    assert np.all(pic.sigma_v_m[air] < 200.0) and np.all(np.abs(h_air - 9000.0) < 200.0)


def test_sensors_file_rejects_an_inconsistent_head(tmp_path, head, cli):
    sensors = head[6]
    good = tmp_path / "sensors.toml"
    write_sensors(good, sensors)
    assert read_sensors(good).heads == [(0, 1)]
    text = good.read_text()
    bad = tmp_path / "bad.toml"
    # the secondary turns at another period: not one antenna
    bad.write_text(text.replace("scan_period_s = 4.0", "scan_period_s = 8.0", 2).replace(
        "scan_period_s = 8.0", "scan_period_s = 4.0", 1))
    with pytest.raises(InputError) as exc:
        read_sensors(bad)
    msg = str(exc.value)
    assert str(bad) in msg and "sensor[0]" in msg and "sensor[1]" in msg and "scan_period_s 4.0 and 8.0" in msg
    moved = tmp_path / "moved.toml"
    i = text.index("[[sensor]]", text.index("[[sensor]]") + 1)
    moved.write_text(text[:i] + text[i:].replace(f"lat = {SITE[0]!r}", "lat = -12.7", 1))
    with pytest.raises(InputError, match="positions"):
        read_sensors(moved)
    code, out, err = cli("track", "--plots", tmp_path / "missing.csv", "--sensors", bad, "--out", tmp_path / "t.csv")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "scan_period_s" in err


def test_a_height_that_stops_being_observed_is_held(head):
    """The airliner's secondary falls silent at T_CROSS: its primary-only plots keep the track, whose height
    stays at the last Mode C height (the (range, azimuth) updates never move it), with a vertical sigma that
    grows as the vertical process noise would make it, never above the cap."""
    from radar.frame import Frame as _F
    from radar.plotlog import Plots
    from tracker.pictures import build_picture

    _radars, _traj, _targets, plots, _stats, _psr, sensors = head
    late = plots.time_s > T_CROSS
    reply_only = late & np.isfinite(plots.mode_c_m) & ~np.isin(np.round(plots.time_s, 6), np.round(_psr.time_s, 6))
    keep = np.flatnonzero(~reply_only)
    cols = {k: getattr(plots, k)[keep].copy() for k in ("time_s", "sensor", "range_m", "azimuth_rad", "elevation_rad",
                                                        "dims", "x_m", "y_m", "z_m", "cov", "mode_c_m", "squawk",
                                                        "truth", "scan")}
    gone = cols["time_s"] > T_CROSS
    cols["mode_c_m"][gone] = np.nan
    cols["squawk"][gone] = -1
    silent = Plots.from_columns(keep.size, **cols)
    pic = build_picture(silent, sensors, "integrated", 5, 0, out_times=np.arange(800.0, 2100.0, 10.0))
    k = np.flatnonzero((pic.time_s > T_CROSS + 60.0) & (pic.squawk == AIRLINER_CODE))
    assert k.size > 20  # the same track goes on (its last code stays on it)
    _lat, _lon, h = _F().enu_to_geodetic(pic.state[k, :3])
    assert np.all(np.abs(h - 9000.0) < 300.0)
    sv = pic.sigma_v_m[k]
    assert sv[-1] > sv[0] and np.all(sv <= 3500.0 + 50.0)


def _head_pairs_oracle(time_s, range_m, az, ip, iq, dt_max, w_r, w_az):
    """Every candidate pair, sorted by (normalised distance, primary, reply), taken greedily."""
    cands = []
    for a, i in enumerate(ip):
        for b, j in enumerate(iq):
            da = (az[i] - az[j] + math.pi) % (2 * math.pi) - math.pi
            dr = range_m[i] - range_m[j]
            if abs(time_s[i] - time_s[j]) <= dt_max and abs(dr) <= w_r and abs(da) <= w_az:
                cands.append(((dr / w_r) ** 2 + (da / w_az) ** 2, a, b))
    match = np.full(len(ip), -1)
    used = set()
    for _c, a, b in sorted(cands):
        if match[a] < 0 and b not in used:
            match[a] = b
            used.add(b)
    return match


def test_head_correlation_kernel_matches_the_greedy_oracle():
    from radar._kernels.heads import head_pairs

    rng = np.random.default_rng(3)
    for trial in range(40):
        n = int(rng.integers(1, 60))
        t = np.sort(rng.uniform(0, 40, n))
        r = rng.uniform(10e3, 12e3, n)
        # azimuths near north included (wrap-around)
        a = (rng.uniform(-0.05, 0.05, n) + (0.0 if trial % 2 else 1.0)) % (2 * math.pi)
        sensor = rng.integers(0, 2, n)
        ip, iq = np.flatnonzero(sensor == 0), np.flatnonzero(sensor == 1)
        match = np.full(ip.size, -7, np.int64)
        head_pairs(t, r, a, ip, iq, 2.0, 400.0, 0.02, match)
        np.testing.assert_array_equal(match, _head_pairs_oracle(t, r, a, ip, iq, 2.0, 400.0, 0.02))


def test_head_compaction_passes_the_plot_columns_in_the_feeds_order():
    """radar.heads compacts the plot columns in the argument order of compact_rows, which is the order of
    radar.feeds.PLOT_COLUMN_TYPES (a column added to one must be added to the other)."""
    import inspect

    from radar import heads
    from radar._kernels.heads import compact_rows

    assert heads._PLOT_COLUMNS == tuple(feeds.PLOT_COLUMN_TYPES)
    assert len(inspect.signature(compact_rows.py_func).parameters) == 1 + len(heads._PLOT_COLUMNS)
