"""results.csv of a large study is written by a forked process (scenarios.study.report._ResultsCsv): the same
text as writing it in-process, a failed writer falls back to in-process, and a cancelled one leaves no file."""
from __future__ import annotations

import multiprocessing as mp

import pytest

from scenarios.study import report
from scenarios.study.spec import RESULT_COLUMNS

pytestmark = pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork")


def _rows(n):
    k = len(RESULT_COLUMNS)
    return [tuple(("net", i, None, 1.0 / (i + 1), "x")[j % 5] for j in range(k)) for i in range(n)]


def test_forked_writer_gives_the_in_process_text(tmp_path):
    rows = _rows(report.PARALLEL_FIGURES_ROWS)
    report._write_results_csv(tmp_path / "inline.csv", rows)
    w = report._ResultsCsv(tmp_path, rows)
    assert w.proc is not None  # a large study: a second process
    w.finish(tmp_path / "forked.csv")
    w.cancel()
    assert (tmp_path / "forked.csv").read_bytes() == (tmp_path / "inline.csv").read_bytes()
    assert not list(tmp_path.glob(".results.csv.partial-*"))


def test_failed_writer_falls_back_to_in_process(tmp_path):
    rows = _rows(report.PARALLEL_FIGURES_ROWS)
    w = report._ResultsCsv(tmp_path / "missing", rows)  # the child cannot write its temporary file
    w.finish(tmp_path / "out.csv")
    report._write_results_csv(tmp_path / "inline.csv", rows)
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "inline.csv").read_bytes()


def test_cancel_leaves_no_temporary_file(tmp_path):
    w = report._ResultsCsv(tmp_path, _rows(report.PARALLEL_FIGURES_ROWS))
    w.cancel()
    assert w.proc is None
    assert not list(tmp_path.glob(".results.csv.partial-*"))


def test_small_study_is_written_in_process(tmp_path):
    w = report._ResultsCsv(tmp_path, _rows(10))
    assert w.proc is None
    w.finish(tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == ",".join(RESULT_COLUMNS)


def test_forked_figures_are_drawn_and_a_failed_process_falls_back(tmp_path, monkeypatch):
    """The ranking and outcome figures of a large study are drawn by a forked process (report._FiguresA); if it
    fails, they are drawn in this process."""
    import os

    from scenarios.study import report_figures

    parent = os.getpid()
    drawn = tmp_path / "drawn"

    def fake_figures_a(where, fail_in_child):
        if fail_in_child and os.getpid() != parent:
            raise RuntimeError("the child fails")
        (where / f"by-{'parent' if os.getpid() == parent else 'child'}").write_text("x")
        return list(report_figures.FIGURES_A)

    monkeypatch.setattr(report_figures, "figures_a", fake_figures_a)
    drawn.mkdir()
    f = report._FiguresA(report.PARALLEL_FIGURES_ROWS, drawn, False)
    assert f.proc is not None
    assert f.finish() == list(report_figures.FIGURES_A)
    assert [p.name for p in drawn.iterdir()] == ["by-child"]
    (drawn / "by-child").unlink()
    f = report._FiguresA(report.PARALLEL_FIGURES_ROWS, drawn, True)
    assert f.finish() == list(report_figures.FIGURES_A)
    assert [p.name for p in drawn.iterdir()] == ["by-parent"]
    f.cancel()
    assert report._FiguresA(10, drawn, False).proc is None  # a small study: the caller draws them
