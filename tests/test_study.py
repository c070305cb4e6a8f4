"""The trade-off study: executors agree row for row, kill -9 / Ctrl-C resume, bad inputs."""
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import run_cli_subprocess

SMALL = ["--days", "4", "--networks", "peru", "--options", "a29_forward,f16_la_joya", "--seed", "5",
         "--chunk-days", "1"]


def _rows(out: Path):
    db = sqlite3.connect(out / "study.sqlite")
    try:
        return db.execute("SELECT * FROM results ORDER BY network, day, option, mode, seq").fetchall()
    finally:
        db.close()


def _meta(out: Path):
    db = sqlite3.connect(out / "study.sqlite")
    try:
        return dict(db.execute("SELECT key, value FROM meta").fetchall())
    finally:
        db.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "study"
    r = run_cli_subprocess("tradeoff", *SMALL, "--workers", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    return out, _rows(out)


def test_in_process_run_is_complete_and_reported(reference):
    out, rows = reference
    assert _meta(out)["complete"] == "1"
    assert rows, "the study produced no rows"
    for name in ("report.md", "report.html", "summary.csv", "results.csv", "figures/ranking.png"):
        assert (out / name).exists(), name
    summary = (out / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("network,mode,option,flights,identified,p_identified")
    assert len(summary) == 1 + 1 * 2 * 2  # 1 network x 2 pictures x 2 options
    # the results export has every stored row
    assert len((out / "results.csv").read_text().splitlines()) == 1 + len(rows)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_two_workers_and_chunk_size_give_identical_rows(reference, tmp_path, start):
    """Forked workers (the default on POSIX) and spawned ones give the in-process rows."""
    _, ref_rows = reference
    args = [a if a != "1" or i == 0 else a for i, a in enumerate(SMALL)]
    args[args.index("--chunk-days") + 1] = "3"
    r = run_cli_subprocess("tradeoff", *args, "--workers", "2", "--out", tmp_path / "w2",
                           env={"AIRBRIDGE_START_METHOD": start})
    assert r.returncode == 0, r.stderr
    assert _rows(tmp_path / "w2") == ref_rows
    assert _meta(tmp_path / "w2")["executor"] == f"processes ({start})"


def test_bad_start_method_is_one_line_and_leaves_no_store(tmp_path):
    r = run_cli_subprocess("tradeoff", *SMALL, "--workers", "2", "--out", tmp_path / "bad",
                           env={"AIRBRIDGE_START_METHOD": "forkserver"})
    assert r.returncode == 2
    assert "AIRBRIDGE_START_METHOD = 'forkserver': expected fork or spawn" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bad").exists()


def test_dask_local_cluster_gives_identical_rows(reference, tmp_path):
    _, ref_rows = reference
    r = run_cli_subprocess("tradeoff", *SMALL, "--scheduler", "local", "--out", tmp_path / "dask")
    assert r.returncode == 0, r.stderr
    assert _rows(tmp_path / "dask") == ref_rows


def _start(out, extra=()):
    env = dict(os.environ, AIRBRIDGE_TEST_CHUNK_PAUSE_S="2")  # so the signal lands mid-run
    return subprocess.Popen([sys.executable, "-m", "scenarios.cli", "tradeoff", *SMALL, "--workers", "1", *extra,
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_chunks(out: Path, n: int, proc, timeout=300):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if (out / "study.sqlite").exists():
            try:
                db = sqlite3.connect(out / "study.sqlite", timeout=1)
                k = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
                db.close()
                if k >= n:
                    return k
            except sqlite3.OperationalError:
                pass
        if proc.poll() is not None:
            return -1
        time.sleep(0.05)
    raise AssertionError("study made no progress")


def test_sigkill_mid_run_then_resume_equals_uninterrupted(reference, tmp_path):
    _, ref_rows = reference
    out = tmp_path / "killed"
    proc = _start(out)
    k = _wait_for_chunks(out, 1, proc)
    assert k >= 1, "run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    meta = _meta(out)
    assert meta["complete"] == "0"  # never claims completeness
    assert not (out / "report.md").exists()
    r = run_cli_subprocess("tradeoff", *SMALL, "--workers", "1", "--out", out)
    assert r.returncode == 2 and "--resume" in r.stderr  # refuses to restart silently
    r = run_cli_subprocess("tradeoff", *SMALL, "--workers", "1", "--resume", "--out", out)
    assert r.returncode == 0, r.stderr
    assert _rows(out) == ref_rows
    assert _meta(out)["complete"] == "1"


def test_ctrl_c_leaves_a_resumable_store(reference, tmp_path):
    _, ref_rows = reference
    out = tmp_path / "interrupted"
    proc = _start(out)
    k = _wait_for_chunks(out, 1, proc)
    assert k >= 1
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    assert proc.returncode != 0
    assert _meta(out)["complete"] == "0"
    r = run_cli_subprocess("tradeoff", *SMALL, "--workers", "1", "--resume", "--out", out)
    assert r.returncode == 0, r.stderr
    assert _rows(out) == ref_rows


def test_report_rerenders_from_the_store(reference, cli, tmp_path):
    out, _ = reference
    (out / "report.md").unlink()
    code, stdout, err = cli("report", out)
    assert code == 0, err
    assert (out / "report.md").exists() and "P(identified airborne)" in (out / "report.md").read_text()
    # 4 days are far too few outage cycles for the intervals: the report and stderr say so
    warning = ("intervals unreliable: the study spans 0.1 outage cycles of fap_tps70_pucallpa (80-day mean up/down "
               "cycle); run >= 240 days")
    assert warning in err and warning in (out / "report.md").read_text()
    assert "circular block bootstrap over whole days" in (out / "report.md").read_text()


@pytest.mark.parametrize("args,message", [
    (["--networks", "atlantis"], "network 'atlantis' is unknown"),
    (["--modes", "telepathy"], "picture 'telepathy' is unknown"),
    (["--options", "zeppelin"], "option 'zeppelin' is unknown"),
    (["--days", "0"], "--days 0"),
    (["--days", "-3"], "--days -3"),
    (["--days", "1", "--scheduler", "bogus"], "--scheduler 'bogus'"),
])
def test_bad_inputs(cli, tmp_path, args, message):
    code, out, err = cli("tradeoff", *args, "--out", tmp_path / "o")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()  # nothing left behind


def test_study_file_with_unknown_scenario(cli, tmp_path):
    p = tmp_path / "study.toml"
    p.write_text('[study]\nscenario = "atlantis"\ndays = 2\n')
    code, out, err = cli("tradeoff", "--study", p, "--out", tmp_path / "o")
    assert code == 2 and str(p) in err and "atlantis" in err


def test_out_holding_a_different_study(reference, cli):
    out, _ = reference
    code, stdout, err = cli("tradeoff", "--days", "2", "--networks", "peru", "--options", "a29_forward",
                            "--seed", "99", "--out", out, "--resume")
    assert code == 2 and "different study" in err


def test_cold_cache_warm_up_compiles_the_tracker_in_a_helper_process(monkeypatch):
    """With a cold kernel cache (simulated: compilations() reports work done), warm_pipeline hands the
    tracker's warm-up to a spawned helper, which succeeds, and still completes its day-0 run; with a
    warm cache it starts no helper."""
    import radar._jit as jit
    from scenarios.study import runner as study

    from scenarios.study.spec import StudySpec

    spec = StudySpec(networks=("peru",), options=("a29_forward",), days=1, seed=5)
    study.warm_pipeline(spec)  # every kernel loaded (or compiled) in this process from here on
    started = []
    real = study._start_tracker_compile

    def start():
        proc = real()
        started.append(proc)
        return proc

    monkeypatch.setattr(study, "_start_tracker_compile", start)
    study.warm_pipeline(spec)
    assert started == []
    count = itertools.count()
    monkeypatch.setattr(jit, "compilations", lambda: next(count))  # every warm-up step "compiled" something
    study.warm_pipeline(spec)
    assert len(started) == 1 and started[0] is not None
    assert started[0].exitcode == 0


def test_stale_tracker_cache_starts_its_helper_before_the_other_warm_ups(monkeypatch):
    """The tracker is the longest compile: when the cache index says its kernels are not there (a fresh
    install, an edited tracker), its helper starts before the coverage and feed warm-ups, once."""
    import radar._jit as jit
    import scenarios.warmup as warmups
    from scenarios.study import runner as study

    from scenarios.study.spec import StudySpec

    spec = StudySpec(networks=("peru",), options=("a29_forward",), days=1, seed=5)
    study.warm_pipeline(spec)
    events = []
    real_start, real_warmup = study._start_tracker_compile, warmups.warmup

    def start():
        events.append("helper")
        return real_start()

    def warmup(*a, **k):
        events.append("warm-up")
        return real_warmup(*a, **k)

    monkeypatch.setattr(study, "_start_tracker_compile", start)
    monkeypatch.setattr(warmups, "warmup", warmup)
    monkeypatch.setattr(jit, "fresh_modules", lambda: {"radar._kernels.scan"})  # the tracker's kernels missing
    study.warm_pipeline(spec)
    assert events[:2] == ["helper", "warm-up"] and events.count("helper") == 1


def test_engagement_warm_up_reaches_the_studys_own_specialisations():
    """On a cold cache the engagement kernels compile while the tracker's helper compiles the tracker: the
    warm-up's picture of true tracks reaches the same specialisation of the engagement kernel as the study's
    first real day (which then compiles nothing more).  In a fresh process, so that nothing else called it."""
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from scenarios.study import runner\n"
        "from scenarios.study.spec import StudySpec\n"
        "from scenarios.engagement import _kernels as K\n"
        "from scenarios.simulation.day import simulate_day, simulate_traffic\n"
        "spec = StudySpec(networks=('peru',), options=('a29_forward', 'f16_la_joya'), days=1, seed=1)\n"
        "ctx = runner._context(spec); opts = runner.day_options(spec)\n"
        "dc = ctx.day_context('peru')\n"
        "traffic = simulate_traffic(dc, seed=1, day=0, options=opts)\n"
        "day = simulate_day(dc, seed=1, day=0, options=opts, traffic=traffic)\n"
        "assert np.asarray(day.flights.is_drug, bool).any()\n"
        "runner._warm_engagement(ctx, spec, day)\n"
        "a = len(K.engage_option.signatures)\n"
        "rows = []\n"
        "runner._one_day(ctx, spec, 'peru', 0, opts, traffic, 0.0, rows, [])\n"
        "print(a, len(K.engage_option.signatures), len(rows))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    warm, after, rows = map(int, out.stdout.split())
    assert warm >= 1 and after == warm and rows > 0
