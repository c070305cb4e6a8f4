"""Output files that are either complete or absent.

``staged_output(out_dir)`` gives a temporary sibling directory to write into; on
success its files are moved into ``out_dir`` (created if needed) and on any
exception the staging directory is removed, so ``--out`` never holds a
half-written result that looks complete.  ``atomic_write(path)`` does the same for
one file (write to ``path.partial``, then ``os.replace``).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from radar.errors import InputError


@contextlib.contextmanager
def staged_output(out_dir: str | os.PathLike):
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory; expected a directory path")
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create parent directory ({exc.strerror})") from None
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=parent))
    try:
        yield stage
        out.mkdir(parents=True, exist_ok=True)
        for item in sorted(stage.iterdir()):
            target = out / item.name
            if target.is_dir() and not item.is_dir():
                shutil.rmtree(target)
            elif target.is_dir():
                shutil.rmtree(target)
            os.replace(item, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **kwargs):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    try:
        with open(tmp, mode, **kwargs) as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
