"""Track logs and truth logs (``docs/file-formats.md``) -- CSV in, CSV out, validated with file/line/column errors.

* Track log: ``time_s,track,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps`` (+ ``status``: 1 confirmed, 2 cued).
* Truth log: ``time_s,target,x_m,y_m,z_m`` (airborne phases only).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from radar.errors import InputError, shown
from radar.plotlog import _read_table, _write_table

TRACK_COLUMNS = ("time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")
TRUTH_COLUMNS = ("time_s", "target", "x_m", "y_m", "z_m")


def write_track_log(path, time_s, track, state, status=None) -> None:
    """Write a track log: time %.6f s, positions %.3f m, velocities %.3f m/s (deterministic formatting)."""
    state = np.asarray(state, float).reshape(-1, 6)
    cols = [np.asarray(time_s, float), np.asarray(track, float)] + [state[:, k] for k in range(6)]
    names = list(TRACK_COLUMNS)
    dec = [6, -1, 3, 3, 3, 3, 3, 3]
    if status is not None:
        cols.append(np.asarray(status, float))
        names.append("status")
        dec.append(-1)
    _write_table(path, names, cols, dec)


def write_truth_log(path, time_s, target, pos) -> None:
    pos = np.asarray(pos, float).reshape(-1, 3)
    _write_table(path, list(TRUTH_COLUMNS), [np.asarray(time_s, float), np.asarray(target, float), pos[:, 0],
                                             pos[:, 1], pos[:, 2]], [6, -1, 3, 3, 3])


def _read(path, required, what):
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; expected a {what} CSV")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected a {what} CSV")
    header, data, line_nos = _read_table(path)
    cols = {h: i for i, h in enumerate(header)}
    for name in required:
        if name not in cols:
            raise InputError(f"{path}: line 1: column {name!r} missing; a {what} needs {','.join(required)}")
    for name in required:
        v = data[:, cols[name]]
        bad = ~np.isfinite(v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{path}: line {line_nos[i]}, column {name}: value {shown(v[i])}: expected a finite number")
    idcol = required[1]
    v = data[:, cols[idcol]]
    bad = v != np.round(v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{path}: line {line_nos[i]}, column {idcol}: value {shown(v[i])}: expected an integer id")
    return {name: data[:, cols[name]] for name in header}, line_nos


def read_track_log(path):
    """(time_s, track, state (n, 6), status) from a track log."""
    d, _ = _read(path, TRACK_COLUMNS, "track log")
    state = np.stack([d[c] for c in TRACK_COLUMNS[2:]], axis=1)
    status = d["status"].astype(np.int64) if "status" in d else np.ones(len(d["time_s"]), np.int64)
    return d["time_s"], d["track"].astype(np.int64), state, status


def read_truth_log(path):
    """(time_s, target, pos (n, 3)) from a truth log."""
    d, _ = _read(path, TRUTH_COLUMNS, "truth log")
    return d["time_s"], d["target"].astype(np.int64), np.stack((d["x_m"], d["y_m"], d["z_m"]), axis=1)
