"""A sensitivity run attached to a study's report (``airbridge report DIR --sensitivity SDIR``,
``airbridge tradeoff ... --sensitivity SDIR``).

Read from the output directory of ``airbridge sensitivity``, by column names rather than positions:

* the one-at-a-time table: the first CSV of the directory (``oat.csv`` preferred) with a ``knob`` column and a
  ``swing`` column (long format: one row per knob and metric, the metric in a ``metric`` column if there is one),
  or ``swing_<metric>`` / ``<metric>_swing`` columns (wide format: one row per knob).  Optional columns used when
  present: ``label`` (the knob's name in words), ``path``, ``low``, ``high``;
* the tornado charts: every PNG under the directory whose name contains ``tornado``.

Swings are in the metric's units: probabilities and differences of probabilities as fractions (shown x 100 in
percentage points); a metric whose swings exceed 1 is taken to be in percentage points already.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from radar.errors import InputError

#: what the metrics of ``airbridge sensitivity`` are, in words
METRIC_LABELS = {"p_identified": "P(identified airborne)", "integration_delta": "the integration Δ",
                 "top_pair_delta": "the top pair's Δ"}


@dataclass(frozen=True)
class SwingRow:
    knob: str
    label: str
    path: str
    metric: str
    low: str
    high: str
    swing: float

    @property
    def display(self) -> str:
        """"look-down range [20 .. 50]" (the label, else the knob), the range when the CSV gives it."""
        name = self.label or self.knob
        if self.path and self.path != name and not self.label:
            name += f" (`{self.path}`)"
        return f"{name} [{self.low} .. {self.high}]" if self.low and self.high else name


@dataclass(frozen=True)
class Sensitivity:
    """The attached run: its directory, the CSV read, its rows, its tornado charts."""

    source: Path
    csv_path: Path
    rows: tuple[SwingRow, ...]
    charts: tuple[Path, ...]

    def metrics(self) -> list[str]:
        return list(dict.fromkeys(r.metric for r in self.rows))

    def primary_metric(self) -> str:
        """P(identified airborne) if the run has it, else its first metric."""
        ms = self.metrics()
        for m in ms:
            if m == "p_identified":
                return m
        for m in ms:
            if "identified" in m and "delta" not in m:
                return m
        return ms[0] if ms else ""

    def top(self, n: int = 3, metric: str | None = None) -> list[SwingRow]:
        """The ``n`` largest swings of ``metric`` (default: the primary metric), largest first."""
        metric = self.primary_metric() if metric is None else metric
        rows = [r for r in self.rows if r.metric == metric and math.isfinite(r.swing)]
        return sorted(rows, key=lambda r: (-abs(r.swing), r.knob))[:n]

    def in_fractions(self, metric: str) -> bool:
        return all(abs(r.swing) <= 1.0 for r in self.rows if r.metric == metric and math.isfinite(r.swing))

    def format_swing(self, swing: float, metric: str) -> str:
        return f"{100 * swing if self.in_fractions(metric) else swing:.1f} pp"

    def metric_label(self, metric: str) -> str:
        if not metric:
            return "the study's metric"
        return METRIC_LABELS.get(metric, f"`{metric}`")


def _find(fields: list[str], name: str) -> str | None:
    for f in fields:
        if f.strip().lower() == name:
            return f
    return None


def _swing_columns(fields: list[str]) -> dict[str, str]:
    """Wide format: metric -> column, for ``swing_<metric>`` and ``<metric>_swing`` columns."""
    out = {}
    for f in fields:
        low = f.strip().lower()
        if low.startswith("swing_") and len(low) > 6:
            out[low[6:]] = f
        elif low.endswith("_swing") and len(low) > 6:
            out[low[:-6]] = f
    return out


def _number(text, where: str, column: str) -> float:
    text = (text or "").strip()
    if not text:
        return math.nan
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{where}: {column} = {text!r}: expected a number") from None
    return v


def _read_rows(path: Path) -> list[SwingRow] | None:
    """The rows of a CSV with a knob and a swing column (None: not such a CSV)."""
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            fields = list(reader.fieldnames or [])
            knob = _find(fields, "knob")
            swing = _find(fields, "swing")
            wide = {} if swing else _swing_columns(fields)
            if knob is None or (swing is None and not wide):
                return None
            metric_col = _find(fields, "metric")
            label, kpath = _find(fields, "label"), _find(fields, "path")
            low, high = _find(fields, "low"), _find(fields, "high")
            rows = []
            for i, rec in enumerate(reader, 2):
                where = f"{path}: line {i}"
                common = dict(knob=(rec.get(knob) or "").strip(), label=(rec.get(label) or "").strip() if label else "",
                              path=(rec.get(kpath) or "").strip() if kpath else "",
                              low=(rec.get(low) or "").strip() if low else "",
                              high=(rec.get(high) or "").strip() if high else "")
                if not common["knob"]:
                    continue
                if swing:
                    metric = (rec.get(metric_col) or "").strip() if metric_col else ""
                    rows.append(SwingRow(metric=metric, swing=_number(rec.get(swing), where, swing), **common))
                else:
                    for metric, col in wide.items():
                        rows.append(SwingRow(metric=metric, swing=_number(rec.get(col), where, col), **common))
            return rows
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc}): expected the output of 'airbridge sensitivity'") from None


def load_sensitivity(sdir) -> Sensitivity:
    """The sensitivity run in ``sdir`` (one-line :class:`InputError` when there is none)."""
    sdir = Path(sdir)
    expected = "expected the output directory of 'airbridge sensitivity'"
    if not sdir.exists():
        raise InputError(f"--sensitivity {sdir}: no such directory: {expected}")
    if not sdir.is_dir():
        raise InputError(f"--sensitivity {sdir}: not a directory: {expected}")
    csvs = sorted(sdir.glob("*.csv"), key=lambda p: (p.name != "oat.csv", "oat" not in p.name.lower(), p.name))
    for path in csvs:
        rows = _read_rows(path)
        if rows is not None:
            charts = tuple(sorted(p for p in sdir.rglob("*.png") if "tornado" in p.name.lower()))
            return Sensitivity(sdir, path, tuple(rows), charts)
    raise InputError(f"--sensitivity {sdir}: no CSV with a 'knob' and a 'swing' column: {expected}")


def sensitivity_markdown(sens: Sensitivity | None, figure_paths: list[tuple[str, str]], limit: int = 5) -> list[str]:
    """The report's sensitivity section: the largest swings per metric and the tornado charts (``figure_paths``:
    (path in the report, caption))."""
    from scenarios.study.briefing import NO_SENSITIVITY

    lines = ["## Sensitivity", ""]
    if sens is None:
        return lines + [NO_SENSITIVITY, ""]
    lines += [f"From `{sens.source}` ({sens.csv_path.name}): each knob moved alone from its low to its high end, "
              "everything else at the baseline, on the same days and seed; swing = the range of the metric over "
              "low, baseline and high. The ranking below is one point of these ranges.", ""]
    for metric in sens.metrics():
        top = sens.top(limit, metric)
        if not top:
            continue
        lines += [f"**{sens.metric_label(metric)}**", "", "| # | knob | swing |", "|---:|---|---:|"]
        lines += [f"| {i} | {r.display} | {sens.format_swing(r.swing, metric)} |" for i, r in enumerate(top, 1)]
        lines.append("")
    for path, caption in figure_paths:
        lines += [f"![{caption}]({path})", "", f"*{caption}*", ""]
    return lines
