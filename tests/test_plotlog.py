"""Plot logs: round trips and bad input (one message naming file, line and column)."""
import math
import subprocess
import sys

import numpy as np
import pytest

from radar.errors import InputError
from radar.plotlog import Plots, read_plot_log, write_cartesian_log, write_polar_log
from radar.sensorfile import FusionParams, Sensor, SensorTable, read_sensors, write_sensors

TABLE = SensorTable(sensors=(
    Sensor(0, "puerto_maldonado", "AN_TPS_70", "military", "PSR_3D", -12.6136, -69.2286, 221.0, 10.0, 150.0,
           math.radians(0.2), math.radians(0.093), 0.0, 444e3, True),
    Sensor(1, "corpac_pucallpa", "THALES_STAR2000", "civil", "PSR_2D", -8.3779, -74.5743, 168.0, 4.5, 100.0,
           math.radians(0.1), latency_s=2.0, range_max_m=111e3),
), fusion=FusionParams(report_probability=0.4))


def _plots(n=50, seed=0):
    rng = np.random.default_rng(seed)
    cov = np.tile([400.0, 10.0, -5.0, 900.0, 3.0, 2500.0], (n, 1))
    return Plots.from_columns(n, time_s=np.sort(rng.uniform(0, 100, n)), sensor=rng.integers(0, 2, n),
                              x_m=rng.normal(0, 1e5, n), y_m=rng.normal(0, 1e5, n), z_m=rng.uniform(0, 9e3, n), cov=cov,
                              mode_c_m=np.where(rng.random(n) < 0.5, np.nan, 3048.0),
                              squawk=np.where(rng.random(n) < 0.5, -1, 1234), truth=rng.integers(-1, 5, n))


def test_sensors_toml_round_trip(tmp_path):
    write_sensors(tmp_path / "s.toml", TABLE)
    assert read_sensors(tmp_path / "s.toml") == TABLE


def test_cartesian_round_trip(tmp_path):
    p = _plots()
    write_cartesian_log(tmp_path / "c.csv", p)
    q = read_plot_log(tmp_path / "c.csv")
    assert np.abs(q.x_m - p.x_m).max() <= 5e-4 and np.abs(q.cov - p.cov).max() <= 5e-7
    np.testing.assert_array_equal(q.sensor, p.sensor)
    np.testing.assert_array_equal(q.squawk, p.squawk)
    np.testing.assert_array_equal(np.isnan(q.mode_c_m), np.isnan(p.mode_c_m))
    # writing what was read gives the same bytes (deterministic formatting)
    write_cartesian_log(tmp_path / "c2.csv", q)
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "c2.csv").read_bytes()


def test_polar_round_trip_and_conversion(tmp_path):
    from radar.measurement import enu_to_polar

    rng = np.random.default_rng(1)
    n = 40
    s0 = TABLE.sensors[0]
    enu = TABLE.frame.geodetic_to_enu(s0.lat_deg + rng.uniform(-1, 1, n), s0.lon_deg + rng.uniform(-1, 1, n),
                                      rng.uniform(500, 8000, n))
    r, az, el = enu_to_polar(s0, enu, TABLE.frame)
    p = Plots.from_columns(n, time_s=np.arange(n, dtype=float), sensor=np.zeros(n), range_m=r, azimuth_rad=az,
                           elevation_rad=el, dims=np.full(n, 3))
    write_polar_log(tmp_path / "p.csv", p)
    q = read_plot_log(tmp_path / "p.csv", TABLE)
    # 1e-3 m in range and 1e-6 deg in angles (the file's resolution) -> < 0.01 m at 150 km
    pos = np.c_[q.x_m, q.y_m, q.z_m]
    assert np.abs(pos - enu).max() < 0.02
    assert (q.dims == 3).all() and np.isfinite(q.cov).all()


BAD_CASES = [
    ("time_s,sensor,x_m,y_m,sigma_m\n1,0,0,0,10\n", "line 1", "z_m"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,0,0,0,10\n2,0,nan,0,0,10\n", "line 3", "x_m"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,0,0,0,10\n2,0,0,inf,0,10\n", "line 3", "y_m"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,0,0,0,10\n2,0,0,0,0,-1\n", "line 3", "sigma_m"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m,cov_xx,cov_xy,cov_xz,cov_yy,cov_yz,cov_zz\n1,0,0,0,0,10,1,5,0,1,0,1\n",
     "line 2", "cov_xx"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n10,0,0,0,0,10\n5,0,0,0,0,10\n", "line 3", "time_s"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,0,0,0,10\n2,0,0,abc,0,10\n", "line 3", "y_m"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,0,0,0,10\n2,0,0,0,10\n", "line 3", "fields"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,-1,0,0,0,10\n", "line 2", "sensor"),
    ("", "line 1", "empty"),
    ("time_s,sensor,x_m,y_m,z_m,sigma_m\n", "line 2", "no plots"),
]


@pytest.mark.parametrize("text,line,column", BAD_CASES)
def test_bad_input_names_file_line_column(tmp_path, text, line, column):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        read_plot_log(f)
    msg = str(e.value)
    assert str(f) in msg and line in msg and column in msg and "\n" not in msg


def test_unknown_sensor_id_with_sensors(tmp_path):
    f = tmp_path / "u.csv"
    f.write_text("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,0,0,0,10\n2,5,0,0,0,10\n")
    with pytest.raises(InputError, match=r"line 3, column sensor.*unknown sensor"):
        read_plot_log(f, TABLE)


def test_out_of_order_within_window_is_accepted(tmp_path):
    f = tmp_path / "w.csv"
    f.write_text("time_s,sensor,x_m,y_m,z_m,sigma_m\n10,0,0,0,0,10\n9.5,0,0,0,0,10\n")
    assert len(read_plot_log(f)) == 2
    # with the sensors' 2 s latency the window is 3 s
    f.write_text("time_s,sensor,x_m,y_m,z_m,sigma_m\n10,0,0,0,0,10\n7.5,0,0,0,0,10\n")
    assert len(read_plot_log(f, TABLE)) == 2


def test_cli_bad_input_one_line_exit_2(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("time_s,sensor,x_m,y_m,z_m,sigma_m\n1,0,0,0,0,10\n2,0,0,0,0,-3\n")
    out = tmp_path / "t.csv"
    p = subprocess.run([sys.executable, "-m", "scenarios.cli", "track", "--plots", str(f), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "line 3, column sigma_m" in lines[0]
    assert not out.exists() and not (tmp_path / "t.csv.partial").exists()


def test_reader_is_fast_enough_for_1e5_rows(tmp_path):
    p = _plots(100_000, 3)
    write_cartesian_log(tmp_path / "big.csv", p)
    q = read_plot_log(tmp_path / "big.csv")
    assert len(q) == 100_000
