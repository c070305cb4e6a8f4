"""Shared fixtures: in-process CLI runner, embedded scenario and DEM."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def cli(capsys):
    """Run ``airbridge ARGS`` in-process; returns (exit code, stdout, stderr)."""
    from scenarios.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def run_cli_subprocess(*args, env=None, timeout=600):
    """Run the installed entry point in a fresh interpreter (exit codes, no traceback checks)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "scenarios.cli", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


@pytest.fixture(scope="session")
def scenario():
    from scenarios.config.scenario import load_scenario

    return load_scenario("peru")


@pytest.fixture(scope="session")
def dem():
    from radar.terrain import load_dem

    return load_dem()
