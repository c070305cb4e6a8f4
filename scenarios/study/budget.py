"""What a run will cost, estimated before it starts; runs that cannot fit are refused in one line.

The figures are measurements on the 2-core development machine (see the README's Performance
section); they are rough on purpose: they only have to tell a run that takes a minute from one
that takes years, or needs terabytes.

* Trade-off study: 0.13 s of one core per network-day (the default study, 2 x 417 network-days,
  took 52.7 s on 2 cores); its result rows (drug flights x networks x options x pictures, plus
  false scrambles) take about 3 kB of RAM each while the report is rendered (24,190 rows: the
  parent grew by 53 MB, its figure process peaked at 101 MB) and about 400 B on disk
  (study.sqlite 210 B, results.csv 120 B, results.parquet); a chunk's rows are held by its worker
  and then by the parent (2 kB each); a worker peaks at about 250 MB, the parent at 300 MB.
* ``simulate``: keeps every day in memory until it writes them: about 80 MB of RAM and 36 MB
  of files per default day (1 day: 460 MB peak RSS, 34 MB of files; 4 days: 700 MB, 145 MB).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from radar.errors import InputError

#: core-seconds per network-day of the default study (8 options, 2 pictures)
STUDY_CORE_S_PER_NETWORK_DAY = 0.13
#: bytes of RAM per result row while the report is rendered
STUDY_RAM_PER_ROW = 3_000
#: bytes on disk per result row (store and exports)
STUDY_DISK_PER_ROW = 400
#: bytes of RAM per result row of a chunk in flight (worker and parent)
STUDY_CHUNK_RAM_PER_ROW = 2_000
#: peak RSS of a study worker and of the parent (bytes)
STUDY_WORKER_RAM = 250e6
STUDY_PARENT_RAM = 300e6
#: the longest study accepted, whatever the machine (about 2.1 million drug flights at the calibrated traffic)
MAX_STUDY_DAYS = 1_000_000
#: simulate: RAM and files per simulated day, fixed RAM, and the most days in one run
SIMULATE_RAM_PER_DAY = 100e6
SIMULATE_DISK_PER_DAY = 40e6
SIMULATE_BASE_RAM = 500e6
MAX_SIMULATE_DAYS = 10_000


def available_memory() -> float | None:
    """Bytes of memory this process could still use (MemAvailable, within a cgroup limit), or None."""
    avail = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = float(line.split()[1]) * 1024.0
                    break
    except OSError:
        pass
    if avail is None:
        try:
            avail = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))
        except (ValueError, OSError, AttributeError):
            return None
    try:  # cgroup v2 limit (containers)
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = float(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            avail = min(avail, float(limit) - used)
    except (OSError, ValueError):
        pass
    return avail


def free_disk(path) -> float | None:
    """Free bytes on the file system that holds ``path`` (or its nearest existing parent), or None."""
    p = Path(path).absolute()
    for q in (p, *p.parents):
        if q.exists():
            try:
                return float(shutil.disk_usage(q).free)
            except OSError:
                return None
    return None


def fmt_bytes(n: float) -> str:
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def fmt_duration(s: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            return f"{s / size:,.1f} {unit}"
    return f"{s:.0f} s"


def study_rows_per_day(flights_per_day: float, networks: int, options: int, pictures: int) -> float:
    """Result rows per day of a study (every network, option and picture; +5 % false scrambles)."""
    return 1.05 * flights_per_day * networks * options * pictures


def check_study(what: str, days: int, chunk_days: int, flights_per_day: float, networks: int, options: int,
                pictures: int, workers: int, out, memory: float | None = None, disk: float | None = None,
                local_workers: bool = True) -> None:
    """Refuse a study that cannot fit (RAM for the report and the chunks, disk, the day cap).

    ``what`` names the setting that chose the days (``--days 417``, ``--flights 2000``, ``study.toml:
    days = 417``); ``memory`` and ``disk`` default to this machine's available memory and the free
    space where ``out`` is."""
    memory = available_memory() if memory is None else memory
    disk = free_disk(out) if disk is None else disk
    per_day = study_rows_per_day(flights_per_day, networks, options, pictures)
    workers = max(1, workers)
    fixed = STUDY_PARENT_RAM + (workers * STUDY_WORKER_RAM if local_workers and workers > 1 else 0)
    fits = [MAX_STUDY_DAYS]
    limits = [f"at most {MAX_STUDY_DAYS:,} days"]
    if memory is not None:
        fits.append(int(max(0.0, memory - fixed) / (per_day * STUDY_RAM_PER_ROW)))
        limits.append(f"{fmt_bytes(memory)} of memory available")
    if disk is not None:
        fits.append(int(disk / (per_day * STUDY_DISK_PER_ROW)))
        limits.append(f"{fmt_bytes(disk)} free on the disk of {out}")
    most = min(fits)
    if days > most:
        seconds = days * networks * STUDY_CORE_S_PER_NETWORK_DAY / workers
        flights = most * flights_per_day
        raise InputError(
            f"{what}: {days:,} days would take about {fmt_duration(seconds)} on {workers} worker(s) and need "
            f"{fmt_bytes(days * per_day * STUDY_RAM_PER_ROW)} of memory for the report and "
            f"{fmt_bytes(days * per_day * STUDY_DISK_PER_ROW)} of disk: expected at most {most:,} days "
            f"(about {flights:,.0f} drug flights; {', '.join(limits)})")
    if memory is not None and local_workers:
        chunk_days = min(chunk_days, days)
        chunk = chunk_days * per_day * STUDY_CHUNK_RAM_PER_ROW * (workers + 1)
        if fixed + chunk > memory:
            most_chunk = max(1, int(max(0.0, memory - fixed) / (per_day * STUDY_CHUNK_RAM_PER_ROW * (workers + 1))))
            raise InputError(f"--chunk-days {chunk_days}: chunks of {chunk_days:,} days on {workers} worker(s) would "
                             f"hold {fmt_bytes(chunk)} of result rows in memory ({fmt_bytes(memory)} available): "
                             f"expected at most {most_chunk:,} days per chunk")


def check_workers(workers: int, memory: float | None = None, cores: int | None = None) -> None:
    """Refuse more local worker processes than memory holds or than 4 per core."""
    memory = available_memory() if memory is None else memory
    cores = cores or os.cpu_count() or 1
    most = 4 * cores
    if memory is not None:
        most = min(most, max(1, int((memory - STUDY_PARENT_RAM) / STUDY_WORKER_RAM)))
    if workers > most:
        mem = f" and {fmt_bytes(memory)} of memory available (about {fmt_bytes(STUDY_WORKER_RAM)} per worker)" \
            if memory is not None else ""
        raise InputError(f"--workers {workers}: expected at most {most} local worker processes: this machine has "
                         f"{cores} cores (at most 4 workers per core){mem}")


def check_simulate(what: str, n_days: int, out, memory: float | None = None, disk: float | None = None) -> None:
    """Refuse a ``simulate`` run whose days cannot be held in memory or written to disk."""
    memory = available_memory() if memory is None else memory
    disk = free_disk(out) if disk is None else disk
    fits = [MAX_SIMULATE_DAYS]
    limits = [f"at most {MAX_SIMULATE_DAYS:,} days per run"]
    if memory is not None:
        fits.append(int(max(0.0, memory - SIMULATE_BASE_RAM) / SIMULATE_RAM_PER_DAY))
        limits.append(f"{fmt_bytes(memory)} of memory available")
    if disk is not None:
        fits.append(int(disk / SIMULATE_DISK_PER_DAY))
        limits.append(f"{fmt_bytes(disk)} free on the disk of {out}")
    most = max(0, min(fits))
    if n_days > most:
        raise InputError(f"{what}: {n_days:,} days would need about {fmt_bytes(SIMULATE_BASE_RAM + n_days * SIMULATE_RAM_PER_DAY)} "
                         f"of memory and {fmt_bytes(n_days * SIMULATE_DISK_PER_DAY)} of files: expected at most "
                         f"{most:,} days in one run ({', '.join(limits)}); simulate fewer days per run "
                         "(--days a-b selects days a..b)")
