"""The study report renders: report.html is well-formed HTML and every figure it shows exists."""
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
                           "--seed", "5", "--workers", "1", "--out", out)
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
    assert text.count("<table>") == 3  # paired deltas, costs, how identifications happened
    assert "<h2>How identifications happened</h2>" in text
    assert "<ul>\n<li>scenario <code>peru</code>, seed 5, 2 days per network" in text
    assert "<th>network</th>" in text and "<pre><code>" in text  # the ranking stays preformatted
