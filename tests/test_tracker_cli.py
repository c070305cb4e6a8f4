"""``airbridge track`` / ``airbridge score`` end to end, bad input, and byte-identical output with 1 and 2 threads."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from radar.plotlog import write_cartesian_log, write_polar_log
from radar.sensorfile import write_sensors
from tracker.logs import read_track_log, write_truth_log
from tracker_synthetic import SyntheticRadar, scenario


def _airbridge(*args, threads=None):
    env = dict(os.environ)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    return subprocess.run([sys.executable, "-m", "scenarios.cli", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    mil = SyntheticRadar(x_m=0.0, y_m=-50e3, false_per_scan=3.0, cover_x_m=(0.0, np.inf))
    civ = SyntheticRadar(x_m=0.0, y_m=50e3, scan_period_s=4.5, sigma_m=100.0, owner="civil", false_per_scan=1.0)
    sc = scenario(8, 900.0, 150e3, seed=9, radars=(mil, civ))
    write_cartesian_log(d / "plots.csv", sc.plots)
    write_sensors(d / "sensors.toml", sc.sensors)
    write_truth_log(d / "truth.csv", sc.truth.time_s, sc.truth.target, sc.truth.pos)
    return d, sc


def test_track_and_score(files):
    d, sc = files
    p = _airbridge("track", "--plots", str(d / "plots.csv"), "--sensors", str(d / "sensors.toml"), "--out",
                   str(d / "tracks.csv"))
    assert p.returncode == 0, p.stderr
    last = p.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"plots=(\d+) confirmed_tracks=(\d+) tracking_s=([0-9.]+) plots_per_s=(\d+)", last)
    assert m and int(m.group(1)) == len(sc.plots) and int(m.group(2)) >= 8
    t, tid, st, _ = read_track_log(d / "tracks.csv")
    # default output: rows only at plot times, confirmed tracks predicted to them
    assert set(np.unique(t)).issubset(set(np.round(sc.plots.time_s, 6)))
    s = _airbridge("score", "--truth", str(d / "truth.csv"), "--tracks", str(d / "tracks.csv"))
    assert s.returncode == 0, s.stderr
    assert "gospa_mean=" in s.stdout and "id_switches=" in s.stdout


@pytest.mark.parametrize("picture", ["military", "non_integrated", "integrated"])
def test_pictures_byte_identical_with_1_and_2_threads(files, picture):
    d, _ = files
    outs = []
    for threads in (1, 2):
        out = d / f"t_{picture}_{threads}.csv"
        p = _airbridge("track", "--plots", str(d / "plots.csv"), "--sensors", str(d / "sensors.toml"), "--picture", picture,
                       "--seed", "5", "--output-every", "10", "--out", str(out), threads=threads)
        assert p.returncode == 0, p.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 100


def test_picture_without_sensors_exits_2(files):
    """(Through the old flag --mode, an alias of --picture.)"""
    d, _ = files
    p = _airbridge("track", "--plots", str(d / "plots.csv"), "--mode", "integrated", "--out", str(d / "x.csv"))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1 and not (d / "x.csv").exists()
    assert "--picture integrated: needs --sensors" in p.stderr


def test_polar_log_with_sensors(files, tmp_path):
    from radar.measurement import enu_to_polar
    from radar.plotlog import Plots

    d, sc = files
    p = sc.plots
    s0 = sc.sensors.sensors[0]
    keep = np.flatnonzero(p.sensor == 0)
    q = p.take(keep)
    r, az, el = enu_to_polar(s0, np.c_[q.x_m, q.y_m, q.z_m], sc.sensors.frame)
    polar = Plots.from_columns(len(q), time_s=q.time_s, sensor=q.sensor, range_m=r, azimuth_rad=az, elevation_rad=el,
                               dims=np.full(len(q), 3), truth=q.truth)
    write_polar_log(tmp_path / "polar.csv", polar)
    out = _airbridge("track", "--plots", str(tmp_path / "polar.csv"), "--sensors", str(d / "sensors.toml"),
                     "--out", str(tmp_path / "t.csv"))
    assert out.returncode == 0, out.stderr
    assert int(re.search(r"confirmed_tracks=(\d+)", out.stdout).group(1)) >= 1
    bad = _airbridge("track", "--plots", str(tmp_path / "polar.csv"), "--out", str(tmp_path / "t2.csv"))
    assert bad.returncode == 2


@pytest.mark.parametrize("text,what", [
    ("time_s,target,x_m,y_m\n1,0,0,0\n", "z_m"),
    ("time_s,target,x_m,y_m,z_m\n1,0.5,0,0,0\n", "line 2, column target"),
])
def test_score_bad_truth(tmp_path, files, text, what):
    d, _ = files
    (tmp_path / "truth.csv").write_text(text)
    p = _airbridge("score", "--truth", str(tmp_path / "truth.csv"), "--tracks", str(d / "plots.csv"))
    assert p.returncode == 2 and what in p.stderr


def test_tracker_table_overrides_and_bad_key(files, tmp_path):
    d, _ = files
    (tmp_path / "t.toml").write_text("[tracker]\nq_horizontal_mps2 = 3.0\nimm = false\nconfirm_m = 2\n")
    ok = _airbridge("track", "--plots", str(d / "plots.csv"), "--sensors", str(d / "sensors.toml"), "--tracker",
                    str(tmp_path / "t.toml"), "--out", str(tmp_path / "o.csv"))
    assert ok.returncode == 0, ok.stderr
    (tmp_path / "bad.toml").write_text("[tracker]\nq_horizontal = 3.0\n")
    bad = _airbridge("track", "--plots", str(d / "plots.csv"), "--tracker", str(tmp_path / "bad.toml"), "--out",
                     str(tmp_path / "o2.csv"))
    assert bad.returncode == 2 and "tracker.q_horizontal" in bad.stderr and not (tmp_path / "o2.csv").exists()
