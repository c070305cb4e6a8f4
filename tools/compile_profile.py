"""Where first-run time goes: Numba compile time per kernel for one ``airbridge`` command.

    python tools/compile_profile.py [--cold] [--top N] [--csv FILE] -- tradeoff --days 8 --workers 1 --out /tmp/x

Runs the command in this process with a listener on Numba's ``numba:compile`` events and prints the
functions that took longest to compile: *inclusive* (the function and every kernel it compiled on the
way, i.e. what a caller waits for) and *self* (inclusive minus the nested compilations).  ``--cold``
points ``NUMBA_CACHE_DIR`` at a new empty directory first, as on a fresh install; without it the
command runs on the current cache and only what is stale or new compiles.  Use ``--workers 1`` so every
compilation happens in this process (the tool also turns off the study's compile-helper process).
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        k = argv.index("--")
        own, cmd = argv[:k], argv[k + 1:]
    else:
        own, cmd = argv, []
    ap = argparse.ArgumentParser(prog="python tools/compile_profile.py", description=__doc__.split("\n")[0])
    ap.add_argument("--cold", action="store_true", help="empty Numba cache (a new NUMBA_CACHE_DIR)")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--csv", default=None, help="write every compiled function's times here")
    a = ap.parse_args(own)
    if not cmd:
        ap.error("give the airbridge command after --, e.g. -- tradeoff --days 8 --workers 1 --out /tmp/x")
    if a.cold:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="airbridge-numba-cold-")
    os.environ["AIRBRIDGE_COMPILE_HELPER"] = "0"  # the study's tracker-compile helper process: compile here

    from numba.core import event

    stack: list[list] = []  # [name, start, nested]
    rows: dict[str, list] = {}  # name -> [inclusive, self, count]

    class Compiles(event.Listener):
        def on_start(self, ev):
            d = ev.data["dispatcher"]
            fn = d.py_func
            stack.append([f"{fn.__module__}.{fn.__qualname__}", time.perf_counter(), 0.0])

        def on_end(self, ev):
            name, t0, nested = stack.pop()
            incl = time.perf_counter() - t0
            r = rows.setdefault(name, [0.0, 0.0, 0])
            r[0] += incl
            r[1] += incl - nested
            r[2] += 1
            if stack:
                stack[-1][2] += incl

    from scenarios.cli import main as airbridge

    t0 = time.perf_counter()
    with event.install_listener("numba:compile", Compiles()):
        status = airbridge(cmd)
    wall = time.perf_counter() - t0
    total_self = sum(r[1] for r in rows.values())
    print(f"\n{' '.join(['airbridge', *cmd])}: exit {status}, {wall:.1f} s wall, "
          f"{total_self:.1f} s compiling {len(rows)} functions"
          f"{' (empty cache: ' + os.environ['NUMBA_CACHE_DIR'] + ')' if a.cold else ''}")
    for label, col in (("inclusive", 0), ("self", 1)):
        print(f"\nthe {a.top} most expensive compilations ({label}, s):")
        for name, r in sorted(rows.items(), key=lambda kv: -kv[1][col])[:a.top]:
            print(f"  {r[col]:8.2f}  {name}  (x{r[2]})")
    if a.csv:
        with open(a.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["function", "inclusive_s", "self_s", "compilations"])
            for name, r in sorted(rows.items(), key=lambda kv: -kv[1][0]):
                w.writerow([name, f"{r[0]:.3f}", f"{r[1]:.3f}", r[2]])
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main())
