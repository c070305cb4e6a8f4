"""The study report renders: report.html is well-formed HTML and every figure it shows exists."""
import csv
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import run_cli_subprocess

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: elements whose end tag HTML lets one leave out; markdown-it closes them all, so none is tolerated here
LIST_PARENTS = {"li": {"ul", "ol"}, "tr": {"thead", "tbody", "table"}, "td": {"tr"}, "th": {"tr"},
                "thead": {"table"}, "tbody": {"table"}}


class StrictChecker(HTMLParser):
    """Tag balance, nesting of lists and tables, and the images of an HTML page; problems in ``errors``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.images, self.doctype = [], [], [], False

    def handle_decl(self, decl):
        self.doctype |= decl.lower() == "doctype html"

    def _open(self, tag, attrs):
        parents = LIST_PARENTS.get(tag)
        if parents and (not self.stack or self.stack[-1] not in parents):
            self.errors.append(f"<{tag}> inside {self.stack[-1:] or 'nothing'}, expected one of {sorted(parents)}")
        if tag == "img":
            self.images.append(dict(attrs))

    def handle_starttag(self, tag, attrs):
        self._open(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs)
        if tag not in VOID:
            self.errors.append(f"<{tag} /> is not a void element")

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"</{tag}> closes a void element")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close the open {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if "![" in data or "](" in data:
            self.errors.append(f"Markdown left unrendered: {data.strip()[:80]!r}")


def check_html(text: str) -> StrictChecker:
    checker = StrictChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.errors.append(f"unclosed at the end: {checker.stack}")
    if not checker.doctype:
        checker.errors.append("no <!doctype html>")
    return checker


def test_checker_catches_what_the_hand_made_html_had():
    bad = ("<!doctype html><html><body><li>x</li><p><img src='identified airborne) per option, network and "
           "picture](figures/ranking.png' alt='P(identified'></p><p>a</b></body></html>")
    errors = check_html(bad).errors
    assert any("<li> inside ['body']" in e for e in errors)
    assert any("Markdown left unrendered" in e or "</b>" in e for e in errors)
    assert check_html("<!doctype html><html><body><ul><li>x</li></ul></body></html>").errors == []


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "study"
    r = run_cli_subprocess("tradeoff", "--days", "2", "--networks", "peru", "--options", "a29_forward,f16_la_joya",
                           "--seed", "4", "--workers", "1", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def test_report_html_parses_and_every_image_exists(study):
    checker = check_html((study / "report.html").read_text())
    assert checker.errors == []
    srcs = [img["src"] for img in checker.images]
    assert sorted(srcs) == sorted(f"figures/{p.name}" for p in (study / "figures").glob("*.png"))
    assert "figures/ranking.png" in srcs and "figures/delta.png" in srcs
    for src in srcs:
        assert (study / src).is_file(), src
    alts = {img["src"]: img["alt"] for img in checker.images}
    assert alts["figures/ranking.png"] == "P(identified airborne) per option, network and picture"


def test_report_html_keeps_the_tables_and_the_list(study):
    text = (study / "report.html").read_text()
    # paired deltas, costs, life-cycle cost (options; per identified flight), how identifications happened
    assert text.count("<table>") == 5
    assert "<h2>Life-cycle cost</h2>" in text
    assert "<h2>How identifications happened</h2>" in text
    assert "<ul>\n<li>scenario <code>peru</code>, seed 4, 2 days per network" in text
    assert "<th>network</th>" in text and "<pre><code>" in text  # the ranking stays preformatted


def test_report_has_the_life_cycle_table_and_its_arithmetic_holds(study):
    """lifecycle.csv and the report's life-cycle tables agree with summary.csv: identified per year = identified /
    2 days x 365; cost per identified = (fixed cost of the 2 days + the sorties' cost) / identified."""
    md = (study / "report.md").read_text()
    assert "## Life-cycle cost" in md
    assert ("| f16_la_joya | 12 | $3.42B | 30 y | $114.0M | $68.4M | 12 | 12 x f16_blk70 at US$285M (package) | "
            "placeholder |") in md
    assert "| a29_forward | 12 | $228.0M | 30 y | $7.6M | $4.6M | — | 12 x a29 at US$19M (package) | placeholder |" in md
    with open(study / "summary.csv") as fh:
        summary = {(r["network"], r["mode"], r["option"]): r for r in csv.DictReader(fh)}
    with open(study / "lifecycle.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["network"], r["mode"], r["option"]) for r in rows} == set(summary)
    checked = 0
    for r in rows:
        s = summary[(r["network"], r["mode"], r["option"])]
        k = int(s["identified"])
        assert float(r["identified_per_year"]) == pytest.approx(k / 2 * 365, abs=0.05)
        assert float(r["flying_per_year_usd"]) == pytest.approx(float(s["yearly_cost_usd"]), abs=1)
        fixed = float(r["acquisition_per_year_usd"]) + float(r["sustainment_per_year_usd"])
        assert fixed == pytest.approx({"f16_la_joya": 114e6 + 68.4e6, "a29_forward": 7.6e6 + 4.56e6}[r["option"]])
        if k:
            flying = float(s["yearly_cost_usd"]) * 2 / 365
            assert float(r["cost_per_identified_total_usd"]) == pytest.approx((fixed * 2 / 365 + flying) / k, abs=1)
            lo, hi = float(r["cost_per_identified_total_lo95"]), float(r["cost_per_identified_total_hi95"])
            assert lo <= float(r["cost_per_identified_total_usd"]) <= hi
            checked += 1
    assert checked, "no option identified a flight in the 2 days"
