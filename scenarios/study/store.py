"""The study's SQLite results store: meta, chunks, results, days; one transaction per chunk, so an
interrupted run resumes without losing or duplicating a row."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from scenarios.study.spec import DAY_COLUMNS, RESULT_COLUMNS

_TEXT = {"network", "flight", "option", "mode", "outcome", "leg", "base", "interceptor", "contact_sensor", "id_sensor",
         "endgame", "kind"}
_INT = {"day", "seq", "false_scramble", "track", "searched", "night", "identified_inbound", "identified_outbound"}


class Store:
    """SQLite results store: meta, chunks, results, days.  One transaction per chunk."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=DELETE")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE IF NOT EXISTS chunks (d0 INTEGER PRIMARY KEY, d1 INTEGER, seconds REAL);"
            "CREATE TABLE IF NOT EXISTS results (" + ", ".join(
                f"{c} {'TEXT' if c in _TEXT else 'INTEGER' if c in _INT else 'REAL'}" for c in RESULT_COLUMNS)
            + ", PRIMARY KEY (network, day, option, mode, seq));"
            "CREATE TABLE IF NOT EXISTS days (network TEXT, day INTEGER, drug_flights INTEGER, "
            " background_flights INTEGER, plots INTEGER, feeds_s REAL, pictures_s REAL, engage_s REAL, "
            " PRIMARY KEY (network, day));")

    def meta(self) -> dict:
        return dict(self.db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, **kv) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        for k, v in kv.items():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, str(v)))
        self.db.execute("COMMIT")

    def done_chunks(self) -> set[int]:
        return {d0 for (d0,) in self.db.execute("SELECT d0 FROM chunks")}

    def write_chunk(self, result: dict, seconds: float) -> None:
        """Rows, day stats and the chunk marker in one transaction (all or nothing)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(f"INSERT INTO results VALUES ({','.join('?' * len(RESULT_COLUMNS))})", result["rows"])
            db.executemany(f"INSERT INTO days VALUES ({','.join('?' * len(DAY_COLUMNS))})", result["days"])
            db.execute("INSERT INTO chunks VALUES (?, ?, ?)", (result["d0"], result["d1"], seconds))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()


def load_results(store_path: Path):
    """(meta, results rows as dict of arrays, days rows) from a store."""
    db = sqlite3.connect(store_path)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        cur = db.execute(f"SELECT {', '.join(RESULT_COLUMNS)} FROM results ORDER BY network, day, option, mode, seq")
        rows = cur.fetchall()
        days = db.execute(f"SELECT {', '.join(DAY_COLUMNS)} FROM days ORDER BY network, day").fetchall()
        n_chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    finally:
        db.close()
    meta["chunks_done"] = n_chunks
    return meta, rows, days
