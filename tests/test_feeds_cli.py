"""``airbridge simulate``: outputs, summary, bad input -> one line and exit 2, nothing half-written."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from scenarios.cli import main


def test_simulate_writes_everything(tmp_path, capsys):
    out = tmp_path / "sim"
    rc = main(["simulate", "--days", "1", "--seed", "2", "--out", str(out)])
    assert rc == 0
    for name in ("truth.csv", "plots_polar.csv", "plots_cartesian.csv", "sensors.toml", "flights.csv", "map.png",
                 "summary.txt"):
        assert (out / name).stat().st_size > 0, name
    text = capsys.readouterr().out
    assert "fap_tps70_puerto_maldonado__AN_TPS_70" in text and "cover_min" in text
    from radar.plotlog import read_plot_log
    from radar.sensorfile import read_sensors

    sensors = read_sensors(out / "sensors.toml")
    cart = read_plot_log(out / "plots_cartesian.csv")
    polar = read_plot_log(out / "plots_polar.csv", sensors=sensors)
    assert len(cart) == len(polar) > 10_000
    assert np.all(np.diff(cart.time_s) >= 0)
    assert set(np.unique(cart.sensor)) <= set(range(len(sensors.sensors)))
    # the polar log converted with sensors.toml agrees with the Cartesian log (to the 1 mm of the files)
    np.testing.assert_allclose(polar.x_m, cart.x_m, atol=0.05)
    head = (out / "truth.csv").read_text().splitlines()[0]
    assert head == "time_s,target,x_m,y_m,z_m"
    flights = (out / "flights.csv").read_text().splitlines()
    assert flights[0].startswith("index,id,kind,aircraft")
    assert any(",drug," in line for line in flights[1:]) and any(",background," in line for line in flights[1:])
    # truth rows every 10 s on a common clock
    t = np.loadtxt(out / "truth.csv", delimiter=",", skiprows=1, usecols=0)
    assert np.allclose(t % 10.0, 0.0)


@pytest.mark.parametrize("args, fragment", [
    (["--network", "atlantis"], "network 'atlantis' is unknown"),
    (["--scenario", "nowhere"], "unknown scenario"),
    (["--days", "x"], "--days 'x'"),
    (["--background-window", "50"], "--background-window '50'"),
    (["--false-plot-window", "-3"], "--false-plot-window -3"),
])
def test_bad_cli_input_exits_2(tmp_path, args, fragment):
    out = tmp_path / "bad"
    res = subprocess.run([sys.executable, "-m", "scenarios.cli", "simulate", *args, "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], res.stderr
    assert not out.exists()


def test_bad_scenario_file_exits_2(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text('extends = "peru"\n[[threat.aircraft]]\nid = "c210"\nshare = 1.0\ncruise_tas_kmh = 290\n'
                   'low_level_tas_kmh = -260\nservice_ceiling_m = 4700\nrange_km = 1500\n')
    res = subprocess.run([sys.executable, "-m", "scenarios.cli", "simulate", "--scenario", str(bad), "--out",
                          str(tmp_path / "o")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 2
    assert "low_level_tas_kmh = -260: must be > 0" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_dem_not_covering_zones_exits_2(tmp_path):
    from radar.terrain import load_dem

    small = load_dem().crop(-20.0, -1.0, -82.0, -67.0)
    path = tmp_path / "small.npz"
    small.save(path)
    res = subprocess.run([sys.executable, "-m", "scenarios.cli", "simulate", "--dem", str(path), "--out",
                          str(tmp_path / "o")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 2, res.stderr
    assert "does not cover threat zone" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
