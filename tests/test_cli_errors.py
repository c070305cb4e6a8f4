"""Bad command lines: one line on stderr, exit status 2, no traceback, nothing written.

Also: runs too large for the machine are refused before they start, the compile notice of a
cold kernel cache, study progress without a terminal, and the command an interrupted study
prints to resume it.
"""
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from radar.errors import InputError
from scenarios.study import budget
from scenarios.cli import main, resume_command

TINY_STUDY = ["--days", "3", "--networks", "peru", "--options", "a29_forward", "--seed", "5", "--chunk-days", "1",
              "--workers", "1"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A plot log, its sensors.toml and a truth log (synthetic, two radars), a file named existing_file,
    an empty sensors.toml and one that lacks a key."""
    from radar.plotlog import write_cartesian_log
    from radar.sensorfile import write_sensors
    from tracker.logs import write_track_log, write_truth_log
    from tracker_synthetic import SyntheticRadar, scenario

    d = tmp_path_factory.mktemp("inputs")
    mil = SyntheticRadar(x_m=0.0, y_m=-50e3, false_per_scan=1.0, cover_x_m=(0.0, np.inf))
    civ = SyntheticRadar(x_m=0.0, y_m=50e3, scan_period_s=4.5, sigma_m=100.0, owner="civil", false_per_scan=1.0)
    sc = scenario(2, 300.0, 100e3, seed=3, radars=(mil, civ))
    write_cartesian_log(d / "plots.csv", sc.plots)
    write_sensors(d / "sensors.toml", sc.sensors)
    write_truth_log(d / "truth.csv", sc.truth.time_s, sc.truth.target, sc.truth.pos)
    # the truth as a track log: a valid --tracks file
    tt, tg, tp = sc.truth.time_s, sc.truth.target, sc.truth.pos
    write_track_log(d / "tracks.csv", tt, tg, np.hstack([tp, np.zeros_like(tp)]))
    (d / "existing_file").write_text("not a directory\n")
    (d / "empty_sensors.toml").write_text("")
    text = (d / "sensors.toml").read_text()
    (d / "sensors_bad.toml").write_text("\n".join(l for l in text.splitlines() if not l.startswith("lat =")))
    return d


def _run(capsys, *args):
    code = main([str(a) for a in args])  # returns the exit status, also for the parser's errors and --help
    out, err = capsys.readouterr()
    return code, out, err


def _files(d):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*"))


def _one_line_exit_2(capsys, d, *args):
    """Run ``airbridge ARGS``: exit 2, one line on stderr, no traceback, no new file under ``d``."""
    before = _files(d)
    code, out, err = _run(capsys, *args)
    assert code == 2, (code, out, err)
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err and "np.float64" not in err, err
    assert _files(d) == before, "a bad command left files behind"
    return err


# ------------------------------------------------------------------------------------------
# --out arguments: a path under an existing file, a file where a directory is expected and back
@pytest.mark.parametrize("make_args,needle", [
    (lambda d: ["track", "--plots", d / "plots.csv", "--out", d / "existing_file" / "x.csv"],
     "existing_file is a file, not a directory"),
    (lambda d: ["track", "--plots", d / "plots.csv", "--out", d], "is a directory: expected a file name"),
    (lambda d: ["terrain", "import", d / "S13W070.hgt", "--out", d / "existing_file" / "x.npz"],
     "existing_file is a file, not a directory"),
    (lambda d: ["terrain", "import", d / "S13W070.hgt", "--out", d / "dem.tif"], "expected a .npz file name"),
    (lambda d: ["tradeoff", "--out", d / "existing_file" / "sub"], "existing_file is a file, not a directory"),
    (lambda d: ["tradeoff", "--out", d / "existing_file"], "exists and is not a directory"),
    (lambda d: ["simulate", "--out", d / "existing_file" / "sub"], "existing_file is a file, not a directory"),
    (lambda d: ["simulate", "--out", d / "existing_file"], "exists and is not a directory"),
    (lambda d: ["coverage", "--out", d / "existing_file" / "sub"], "existing_file is a file, not a directory"),
])
def test_out_paths_that_cannot_be_written(capsys, inputs, make_args, needle):
    err = _one_line_exit_2(capsys, inputs, *make_args(inputs))
    assert "--out " in err and needle in err


# ------------------------------------------------------------------------------------------
# numeric arguments: range, NaN, infinities
@pytest.mark.parametrize("args,needle", [
    (["score", "--max-age", "-1"], "--max-age -1: expected an age in seconds in (0, 86400]"),
    (["score", "--max-age", "0"], "--max-age 0: expected"),
    (["score", "--max-age", "nan"], "--max-age nan: expected a finite number"),
    (["score", "--c", "0"], "--c 0: expected a cut-off distance in metres"),
    (["score", "--c", "inf"], "--c inf: expected a finite number"),
    (["score", "--p", "0.5"], "--p 0.5: expected a GOSPA order"),
    (["score", "--p", "1000"], "--p 1000: expected a GOSPA order in [1, 10]"),
    (["track", "--day", "-1"], "--day -1: expected a day index >= 0"),
    (["track", "--output-every", "nan"], "--output-every nan: expected a finite number"),
    (["track", "--q-horizontal", "-1"], "--q-horizontal -1: expected a process noise in m/s^2 in (0, 100]"),
    (["track", "--q-vertical", "1e300"], "--q-vertical 1e300: expected a process noise"),
    (["track", "--output-every", "0"], "--output-every 0: expected an interval in seconds in (0, 86400]"),
    (["track", "--v-max", "inf"], "--v-max inf: expected a finite number"),
    (["track", "--max-unseen", "0"], "--max-unseen 0: expected a time in seconds in (0, 86400]"),
    (["track", "--v-max", "-300"], "--v-max -300: expected a speed in m/s in (0, 3000]"),
])
def test_track_and_score_numbers(capsys, inputs, args, needle):
    d = inputs
    full = {"score": ["--truth", d / "truth.csv", "--tracks", d / "tracks.csv"],
            "track": ["--plots", d / "plots.csv", "--sensors", d / "sensors.toml", "--out", d / "new_tracks.csv"]}
    err = _one_line_exit_2(capsys, d, args[0], *full[args[0]], *args[1:])
    assert needle in err


@pytest.mark.parametrize("args,needle", [
    (["simulate", "--map-agl", "-300"], "--map-agl -300: expected a height above ground in metres in [0, 30000)"),
    (["simulate", "--map-agl", "nan"], "--map-agl nan: expected a finite number"),
    (["simulate", "--map-agl", "-1e3"], "--map-agl -1e3: expected a height above ground"),
    (["simulate", "--map-agl", "1e400"], "--map-agl 1e400: expected a finite number"),
    (["simulate", "--false-plot-window", "inf"], "--false-plot-window inf: expected a finite number"),
    (["simulate", "--false-plot-window", "0"], "--false-plot-window 0: expected a distance in km in (0, 1000]"),
    (["simulate", "--background-window", "inf,30"], "--background-window 'inf,30': expected KM in (0, 1000]"),
    (["simulate", "--days", "100000000"], "--days 100000000: 100,000,000 days would need about"),
    (["simulate", "--days", "0-100000000"], "expected at most"),
    (["tradeoff", "--days", "0"], "--days 0: expected a number of days >= 1"),
    (["tradeoff", "--flights", "-5"], "--flights -5: expected a number of drug flights >= 1"),
    (["tradeoff", "--workers", "0"], "--workers 0: expected a number of worker processes >= 1"),
    (["tradeoff", "--chunk-days", "0"], "--chunk-days 0: expected a number of days >= 1"),
    (["tradeoff", "--flights", "99999999999"], "--flights 99999999999: 47,709,923,664 days would take about"),
    (["tradeoff", "--days", "100000000"], "--days 100000000: 100,000,000 days would take about"),
    (["tradeoff", "--workers", "100000"], "--workers 100000: expected at most"),
    (["terrain", "import", "x.hgt", "--step-arcsec", "nan"], "--step-arcsec nan: expected a finite number"),
    (["coverage", "--canopy", "inf"], "--canopy inf: expected a finite number"),
    (["--threads", "0", "scenario", "list"], "--threads 0: expected a number of threads >= 1"),
])
def test_numbers_of_every_command(capsys, inputs, tmp_path, args, needle):
    out = {"simulate": ["--out", tmp_path / "sim"], "tradeoff": ["--out", tmp_path / "study"],
           "coverage": ["--out", tmp_path / "cov"], "terrain": ["--out", tmp_path / "dem.npz"]}.get(args[0], [])
    err = _one_line_exit_2(capsys, tmp_path, *args, *out)
    assert needle in err


def test_a_study_too_large_names_what_would_fit(capsys, tmp_path):
    err = _one_line_exit_2(capsys, tmp_path, "tradeoff", "--days", "100000000", "--out", tmp_path / "study")
    # the work, the memory, the disk, and what fits
    assert "would take about" in err and "of memory for the report" in err and "of disk" in err
    assert "expected at most" in err and "drug flights" in err and f"at most {budget.MAX_STUDY_DAYS:,} days" in err


def test_a_study_file_asking_too_much_is_named(capsys, tmp_path):
    study = tmp_path / "big.toml"
    study.write_text('[study]\ndays = 5000000\nnetworks = ["peru"]\n')
    err = _one_line_exit_2(capsys, tmp_path, "tradeoff", "--study", study, "--out", tmp_path / "study")
    assert f"{study}: days = 5000000: 5,000,000 days would take" in err


def test_study_budget_with_given_memory_and_disk(tmp_path):
    """The limits follow the machine: the default study fits in 4 GB; 100,000 days do not, and the
    message says how many would (the memory bound)."""
    kw = dict(chunk_days=8, flights_per_day=4.8, networks=2, options=8, pictures=2, workers=2, out=tmp_path)
    budget.check_study("--days 417", 417, memory=4e9, disk=1e11, **kw)
    with pytest.raises(InputError) as e:
        budget.check_study("--days 100000", 100_000, memory=4e9, disk=1e11, **kw)
    per_day = budget.study_rows_per_day(4.8, 2, 8, 2)
    most = int((4e9 - budget.STUDY_PARENT_RAM - 2 * budget.STUDY_WORKER_RAM) / (per_day * budget.STUDY_RAM_PER_ROW))
    assert f"expected at most {most:,} days" in str(e.value) and "4.0 GB of memory available" in str(e.value)
    with pytest.raises(InputError, match="free on the disk"):  # the disk bound
        budget.check_study("--days 417", 417, memory=1e12, disk=1e6, **kw)
    with pytest.raises(InputError, match=r"--chunk-days 100000: .* expected at most"):
        budget.check_study("--days 100000", 100_000, **{**kw, "chunk_days": 100_000}, memory=5e10, disk=1e13)


def test_simulate_budget_with_given_memory(tmp_path):
    budget.check_simulate("--days 10", 10, tmp_path, memory=4e9, disk=1e11)
    with pytest.raises(InputError, match="expected at most 35 days in one run"):
        budget.check_simulate("--days 100", 100, tmp_path, memory=4e9, disk=1e11)


# ------------------------------------------------------------------------------------------
# messages
def test_empty_sensors_file_is_blamed_not_the_plot_log(capsys, inputs):
    d = inputs
    err = _one_line_exit_2(capsys, d, "track", "--plots", d / "plots.csv", "--sensors", d / "empty_sensors.toml",
                           "--out", d / "t.csv")
    assert f"{d / 'empty_sensors.toml'}: no [[sensor]]" in err and "expected at least one sensor" in err
    assert "plots.csv" not in err


def test_sensors_file_is_named_once(capsys, inputs):
    d = inputs
    err = _one_line_exit_2(capsys, d, "track", "--plots", d / "plots.csv", "--sensors", d / "sensors_bad.toml",
                           "--out", d / "t.csv")
    assert err.count("sensors_bad.toml") == 1 and "sensor[0].lat: missing" in err


def test_plot_log_values_are_plain_numbers(capsys, inputs, tmp_path):
    """A sensor index beyond the sensors file: the value reads 7.0, not np.float64(7.0)."""
    plots = tmp_path / "plots.csv"
    plots.write_text("time_s,sensor,x_m,y_m,z_m,sigma_m\n0.0,7,1.0,2.0,3.0,10.0\n")
    err = _one_line_exit_2(capsys, tmp_path, "track", "--plots", plots, "--sensors", inputs / "sensors.toml",
                           "--out", tmp_path / "t.csv")
    assert "line 2, column sensor: value 7.0: unknown sensor id" in err


def test_tracker_file_key_named_once(capsys, inputs, tmp_path):
    tracker = tmp_path / "settings.toml"
    tracker.write_text("[tracker]\nq_horizontal_mps2 = -1\n")
    err = _one_line_exit_2(capsys, tmp_path, "track", "--plots", inputs / "plots.csv", "--tracker", tracker,
                           "--out", tmp_path / "t.csv")
    assert f"{tracker}: tracker.q_horizontal_mps2 = -1: expected" in err and err.count("tracker.") == 1


def test_grids_that_are_not_an_npz(capsys, inputs, tmp_path):
    grids = tmp_path / "grids.npz"
    grids.write_text("lat,lon\n")
    err = _one_line_exit_2(capsys, tmp_path, "track", "--plots", inputs / "plots.csv", "--sensors",
                           inputs / "sensors.toml", "--grids", grids, "--out", tmp_path / "t.csv")
    assert f"{grids}: not an .npz file: expected the grids.npz of 'airbridge coverage'" in err


def test_too_many_output_times_refused(capsys, inputs, tmp_path):
    err = _one_line_exit_2(capsys, tmp_path, "track", "--plots", inputs / "plots.csv", "--output-every", "1e-6",
                           "--out", tmp_path / "t.csv")
    assert "--output-every 1e-06:" in err and "expected at most 1,000,000" in err


def test_simulate_help_has_no_development_leftovers(capsys):
    code, out, _ = _run(capsys, "simulate", "--help")
    assert code == 0
    assert "engagement:" in out and "issue" not in out.lower() and "DESIGN" not in out


# ------------------------------------------------------------------------------------------
# first-run feedback
def test_compile_notice_on_an_empty_kernel_cache(tmp_path):
    """A fresh process with an empty cache directory announces the compile (and compiles nothing to say so)."""
    code = "from scenarios.warmup import compile_notice; print(compile_notice('study')); print(compile_notice('track'))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "empty")))
    assert r.returncode == 0, r.stderr
    study, track = r.stdout.splitlines()
    assert study == "airbridge: compiling kernels once, about 2 min; later runs start in seconds"
    assert track.startswith("airbridge: compiling kernels once, about ") and track.endswith("later runs start in seconds")
    assert not (tmp_path / "empty").exists() or not any((tmp_path / "empty").rglob("*.nbc"))


def test_compile_notice_follows_the_cache(monkeypatch):
    from radar import _jit
    from scenarios import warmup

    monkeypatch.setattr(_jit, "fresh_modules", lambda: set(warmup.COMPILE_S))
    assert warmup.compile_notice("study") is None  # everything cached: silent
    monkeypatch.setattr(_jit, "fresh_modules", lambda: set(warmup.COMPILE_S) - {"radar.plotlog"})
    assert warmup.compile_notice("track") is None  # 1 s of compiling: not worth a line
    monkeypatch.setattr(_jit, "fresh_modules", lambda: set(warmup.COMPILE_S) - {"tracker._kernels.loop"})
    assert warmup.compile_notice("track") == "airbridge: compiling kernels once, about 2 min; later runs start in seconds"
    assert warmup.compile_notice("simulate") is None  # the tracker is not part of simulate
    monkeypatch.setattr(_jit, "fresh_modules", lambda: None)  # cannot tell: say nothing
    assert warmup.compile_notice("study") is None


_KERNEL_MODULE = '''
from radar._jit import kernel

@kernel
def twice(x):
    return 2.0 * x
'''

_FRESH = '''
import sys
sys.path.insert(0, {d!r})
import tinykernel
from radar._jit import fresh_modules
before = "tinykernel" in fresh_modules()
tinykernel.twice(1.5)
print(before, "tinykernel" in fresh_modules())
'''


def test_fresh_modules_reads_the_cache(tmp_path):
    """A kernel module is fresh once its code is in the on-disk cache, and stale again when its source changes."""
    (tmp_path / "tinykernel.py").write_text(_KERNEL_MODULE)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))

    def run():
        r = subprocess.run([sys.executable, "-c", _FRESH.format(d=str(tmp_path))], capture_output=True, text=True,
                           env=env, timeout=300)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()

    assert run() == ["False", "True"]  # empty cache: compiled, then cached
    assert run() == ["True", "True"]  # a new process finds it
    (tmp_path / "tinykernel.py").write_text(_KERNEL_MODULE + "\n# edited\n")
    assert run() == ["False", "True"]  # edited source: stale until compiled again


def test_study_progress_without_a_terminal(capsys):
    from scenarios.study.runner import Progress

    p = Progress(417, 0)
    assert not p.tty
    for _ in range(417):
        p.update(1)
    p.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 10  # one per tenth
    assert lines[0].startswith("study: 42/417 days (10 %)") and lines[-1].startswith("study: 417/417 days (100 %)")
    # resumed at 85 %: only the tenths still to come
    p = Progress(100, 85)
    for _ in range(15):
        p.update(1)
    assert [l.split(" (")[0] for l in capsys.readouterr().err.splitlines()] == ["study: 90/100 days", "study: 100/100 days"]
    assert Progress(10, 0, enabled=False).update(10) is None and capsys.readouterr().err == ""


# ------------------------------------------------------------------------------------------
# Ctrl-C
def test_resume_command_quotes_and_adds_resume_once():
    assert resume_command(["tradeoff", "--days", "4", "--out", "my dir"]) == \
        "airbridge tradeoff --days 4 --out 'my dir' --resume"
    assert resume_command(["tradeoff", "--resume", "--out", "x"]) == "airbridge tradeoff --resume --out x"


def test_interrupted_study_prints_the_command_that_resumes_it(tmp_path):
    out = tmp_path / "a study"
    env = dict(os.environ, AIRBRIDGE_TEST_CHUNK_PAUSE_S="3")  # so the signal lands mid-run
    args = ["tradeoff", *TINY_STUDY, "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "scenarios.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    t0 = time.time()
    while time.time() - t0 < 300:
        try:
            if sqlite3.connect(out / "study.sqlite", timeout=1).execute("SELECT COUNT(*) FROM chunks").fetchone()[0]:
                break
        except sqlite3.OperationalError:
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    last = err.strip().splitlines()[-1]
    expected = "airbridge: interrupted; continue with: " + shlex.join(["airbridge", *args, "--resume"])
    assert last == expected
    # the printed command, run as printed, finishes the study
    cmd = shlex.split(last.split("continue with: ", 1)[1])
    assert cmd[0] == "airbridge"
    r = subprocess.run([sys.executable, "-m", "scenarios.cli", *cmd[1:]], capture_output=True, text=True, cwd=tmp_path,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(out / "study.sqlite")
    assert dict(db.execute("SELECT key, value FROM meta").fetchall())["complete"] == "1"
    assert db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0] == 3
