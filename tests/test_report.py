"""The study report renders: report.html is well-formed HTML and every figure it shows exists."""
import csv
import re
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


DAYS = 6
OPTIONS = ("a29_forward", "f16_la_joya", "f16_qra_puerto_maldonado")
NETWORKS = ("peru-pm-civil-psr", "peru")  # the first is the headline network


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "study"
    r = run_cli_subprocess("tradeoff", "--days", DAYS, "--networks", ",".join(NETWORKS), "--options", ",".join(OPTIONS),
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
    sections = ["Executive summary", "Sensitivity", "Options", "Ranking", "Paired Δ between options, P(identified "
                "airborne)", "Paired Δ(integrated − non_integrated), P(identified airborne)", "What the outcomes mean",
                "Costs (flying hours)", "Life-cycle cost", "How identifications happened", "Where intercepts happen",
                "Detection to identification", "All scores", "The study"]
    at = [text.find(f"<h2>{h}</h2>") for h in sections]
    assert -1 not in at and at == sorted(at), dict(zip(sections, at))  # every section, the summary first
    # the summary: five sentences in a numbered list; options, ranking per picture (2), option Δ per picture (2),
    # integration Δ, outcomes, costs, life-cycle (options; per identified), how identified, all scores
    summary = text[at[0]:at[1]]
    assert summary.count("<li>") == 5 and "<ol>" in summary
    assert text.count("<table>") == 12
    assert "<ul>\n<li>scenario <code>peru</code>, seed 5, 6 days per network" in text
    assert "<th>network</th>" in text


def test_report_has_the_life_cycle_table_and_its_arithmetic_holds(study):
    """lifecycle.csv and the report's life-cycle tables agree with summary.csv: identified per year = identified /
    6 days x 365; cost per identified = (fixed cost of the 6 days + the sorties' cost) / identified."""
    md = (study / "report.md").read_text()
    assert "## Life-cycle cost" in md
    assert ("| F-16 Block 70, 12 at La Joya (`f16_la_joya`) | 12 | $3.42B | 30 y | $114.0M | $68.4M | 12 | "
            "12 x f16_blk70 at US$285M (package) | placeholder |") in md
    assert ("| A-29 Super Tucano, 4 at each of Puerto Maldonado, Pucallpa and Atalaya (`a29_forward`) | 12 | $228.0M | "
            "30 y | $7.6M | $4.6M | — | 12 x a29 at US$19M (package) | placeholder |") in md
    with open(study / "summary.csv") as fh:
        summary = {(r["network"], r["mode"], r["option"]): r for r in csv.DictReader(fh)}
    with open(study / "lifecycle.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["network"], r["mode"], r["option"]) for r in rows} == set(summary)
    checked = 0
    for r in rows:
        s = summary[(r["network"], r["mode"], r["option"])]
        k = int(s["identified"])
        assert float(r["identified_per_year"]) == pytest.approx(k / DAYS * 365, abs=0.05)
        assert float(r["flying_per_year_usd"]) == pytest.approx(float(s["yearly_cost_usd"]), abs=1)
        fixed = float(r["acquisition_per_year_usd"]) + float(r["sustainment_per_year_usd"])
        assert fixed == pytest.approx({"f16_la_joya": 114e6 + 68.4e6, "f16_qra_puerto_maldonado": 114e6 + 68.4e6,
                                       "a29_forward": 7.6e6 + 4.56e6}[r["option"]])
        if k:
            flying = float(s["yearly_cost_usd"]) * DAYS / 365
            assert float(r["cost_per_identified_total_usd"]) == pytest.approx((fixed * DAYS / 365 + flying) / k, abs=1)
            lo, hi = float(r["cost_per_identified_total_lo95"]), float(r["cost_per_identified_total_hi95"])
            assert lo <= float(r["cost_per_identified_total_usd"]) <= hi
            checked += 1
    assert checked, "no option identified a flight in the 6 days"


# ------------------------------------------------------------------------------------------
# The executive summary, display names, the paired option Δ, the map, an attached sensitivity run
def _csv(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def _summary_sentences(md: str) -> list[str]:
    block = md.split("## Executive summary", 1)[1].split("\n## ", 1)[0]
    return [line.split(". ", 1)[1] for line in block.splitlines() if re.match(r"^\d\. ", line)]


def _pct(v: float) -> str:
    return f"{100 * v:.1f}"


def _by_hand_delta(results, network, a: dict, b: dict):
    """Δ P(identified airborne) = rows ``a`` − rows ``b`` (each a dict of column values, e.g. mode and option) of one
    network from results.csv, on the (day, flight) both have (drug flights): (Δ, flights, days)."""
    def identified(sel):
        return {(r["day"], r["flight"]): r["outcome"] == "identified_airborne" for r in results
                if r["network"] == network and r["false_scramble"] != "1" and all(r[k] == v for k, v in sel.items())}

    ia, ib = identified(a), identified(b)
    common = sorted(set(ia) & set(ib))
    diffs = [int(ia[k]) - int(ib[k]) for k in common]
    return sum(diffs) / len(diffs), len(common), len({k[0] for k in common})


def test_executive_summary_numbers_are_the_studys(study):
    """Every number of the five sentences is the study's own: summary.csv, option_deltas.csv, results.csv,
    lifecycle.csv (nothing hard-coded: the leader is the best mean over summary.csv's rows)."""
    from fractions import Fraction

    from scenarios.study.lifecycle import money as _money

    md = (study / "report.md").read_text()
    s1, s2, s3, s4, s5 = _summary_sentences(md)
    summary = _csv(study / "summary.csv")
    means = {}
    for r in summary:
        if int(r["flights"]):
            means.setdefault(r["option"], []).append(Fraction(int(r["identified"]), int(r["flights"])))
    order = sorted(means, key=lambda o: (-sum(means[o]) / len(means[o]), o))
    leader, second = order[0], order[1]
    ref = NETWORKS[0]
    row = {(r["network"], r["mode"], r["option"]): r for r in summary}[(ref, "integrated", leader)]
    # 1: the leader and its P(identified airborne) with interval on the first network, integrated
    m = re.search(r"\(`([^`]+)`\) identifies the most drug flights airborne: ([\d.]+) % \[([\d.]+), ([\d.]+)\] on "
                  rf"`{ref}`, integrated", s1)
    assert m, s1
    assert m.group(1) == leader
    assert m.groups()[1:] == tuple(_pct(float(row[c])) for c in ("p_identified", "p_identified_lo95",
                                                                   "p_identified_hi95"))
    lo_row = min((r for r in summary if r["option"] == leader), key=lambda r: float(r["p_identified"]))
    assert f"from {_pct(float(lo_row['p_identified']))} % [" in s1
    # 2: the paired Δ to the runner-up, as option_deltas.csv has it and as results.csv gives it by hand
    deltas = {(r["network"], r["mode"], r["option_a"], r["option_b"]): r for r in _csv(study / "option_deltas.csv")}
    d = deltas[(ref, "integrated", leader, second)]
    assert f"(`{second}`)" in s2
    assert (f"{100 * float(d['delta']):+.1f} pp [{100 * float(d['delta_lo95']):+.1f}, "
            f"{100 * float(d['delta_hi95']):+.1f}] on `{ref}`, integrated") in s2
    assert f"on the same {d['flights']} flights ({d['days']} days with drug flights)" in s2
    dist = float(d["delta_lo95"]) > 0 or float(d["delta_hi95"]) < 0
    assert ("not distinguishable" not in s2) == dist
    # 3: the leader's integration Δ on every network, by hand from results.csv
    results = _csv(study / "results.csv")
    for net in NETWORKS:
        delta, _, _ = _by_hand_delta(results, net, {"mode": "integrated", "option": leader},
                                     {"mode": "non_integrated", "option": leader})
        assert f"{100 * delta:+.1f}" in s3, (net, delta, s3)
    # 4: cost per identified flight without and with acquisition, lifecycle.csv's
    life = {(r["network"], r["mode"], r["option"]): r for r in _csv(study / "lifecycle.csv")}[
        (ref, "integrated", leader)]
    assert int(row["identified"]), "the leader identified no flight on the headline network: the test checks nothing"
    if int(row["identified"]):
        for col in ("cost_per_identified_operating", "cost_per_identified_total"):
            text = (f"{_money(float(life[col + '_usd']))} [{_money(float(life[col + '_lo95']))}, "
                    f"{_money(float(life[col + '_hi95']))}]")
            assert text in s4, (text, s4)
    else:
        assert "identified no flight" in s4
    # 5: no sensitivity run attached
    assert "no sensitivity run attached: run `airbridge sensitivity`" in s5.lower()


def test_paired_option_deltas_of_the_study_match_a_hand_computation(study):
    results = _csv(study / "results.csv")
    rows = _csv(study / "option_deltas.csv")
    assert {(r["network"], r["mode"]) for r in rows} == {(n, p) for n in NETWORKS for p in
                                                          ("integrated", "non_integrated")}
    assert len({r["option_a"] for r in rows}) == 1 and len(rows) == 2 * 2 * (len(OPTIONS) - 1)
    for r in rows:
        delta, flights, days = _by_hand_delta(results, r["network"], {"mode": r["mode"], "option": r["option_a"]},
                                              {"mode": r["mode"], "option": r["option_b"]})
        assert float(r["delta"]) == pytest.approx(delta, abs=1e-6)
        assert (int(r["flights"]), int(r["days"])) == (flights, days)
        assert float(r["delta_lo95"]) <= float(r["delta"]) <= float(r["delta_hi95"])


def _synthetic(rows):
    """Result columns of (network, mode, option, day, flight, outcome, false_scramble) rows."""
    import numpy as np

    cols = list(zip(*rows))
    return {"network": np.array(cols[0], dtype=object), "mode": np.array(cols[1], dtype=object),
            "option": np.array(cols[2], dtype=object), "day": np.array(cols[3], dtype=float),
            "flight": np.array(cols[4], dtype=object), "outcome": np.array(cols[5], dtype=object),
            "false_scramble": np.array(cols[6], dtype=float)}


def test_paired_option_delta_uses_only_the_common_days_and_flights():
    """Option a has days 0..5, b only days 0..3: a's identifications on days 4 and 5, a flight only a has and b's
    false scramble are left out.  By hand: on days 0..3 a identifies f0 on days 0, 1, 2; b f0 on day 0 and f1 on
    day 3: Δ = (0 + 0 + 1 + 0 + 1 + 0 + 0 - 1) / 8 = 1/8 on 4 days."""
    from scenarios.study.scores import paired_option_deltas

    ID, MISS = "identified_airborne", "missed_no_detection"
    rows = []
    for day in range(6):
        for f in ("f0", "f1"):
            a_id = (f == "f0" and day <= 2) or day >= 4
            rows.append(("n", "integrated", "a", day, f, ID if a_id else MISS, 0))
            if day <= 3:
                b_id = (f == "f0" and day == 0) or (f == "f1" and day == 3)
                rows.append(("n", "integrated", "b", day, f, ID if b_id else MISS, 0))
    rows.append(("n", "integrated", "a", 1, "only_a", ID, 0))
    rows.append(("n", "integrated", "b", 2, "", "false_scramble", 1))
    # another picture: a separate Δ (days 0 and 1: a identifies both flights of day 0, b none) = 2/4
    for day in (0, 1):
        for f in ("f0", "f1"):
            rows.append(("n", "non_integrated", "a", day, f, ID if day == 0 else MISS, 0))
            rows.append(("n", "non_integrated", "b", day, f, MISS, 0))
    out = paired_option_deltas(_synthetic(rows), "a", ["b"])
    by_picture = {d.picture: d for d in out}
    d = by_picture["integrated"]
    assert (d.option_a, d.option_b, d.flights, d.days) == ("a", "b", 8, 4)
    assert d.delta == pytest.approx(1 / 8)
    assert d.lo <= d.independent_lo <= d.delta <= d.independent_hi <= d.hi
    assert not d.distinguishable
    d = by_picture["non_integrated"]
    assert (d.flights, d.days, d.delta) == (4, 2, pytest.approx(0.5))


def test_display_names_are_made_from_the_options_data():
    from scenarios.config.interceptors import build_option, load_interceptor_config
    from scenarios.config.scenario import load_scenario
    from scenarios.config.schema import Table

    cfg = load_interceptor_config(load_scenario("peru"))
    names = {o.id: o.display_name for o in cfg.select(None)}
    assert names["f16_la_joya"] == "F-16 Block 70, 12 at La Joya"
    assert names["gripen_qra_puerto_maldonado"] == "Gripen E/F, 22 at La Joya + 2 on QRA at Puerto Maldonado"
    assert names["a29_forward"] == "A-29 Super Tucano, 4 at each of Puerto Maldonado, Pucallpa and Atalaya"
    assert names["baseline_current_fleet"] == "Current fleet: 2 each of Mirage 2000P, MiG-29SMP, Su-25, A-37B, KT-1P"
    assert len(set(names.values())) == len(names)  # every option told apart
    det = [{"type": "a29", "base": "SPAY", "aircraft": 3, "alert": "turboprop_strip_alert"}]
    made = build_option(Table({"id": "x", "detachments": det}, "test", "options"), cfg.types, cfg.bases,
                        cfg.postures_s, cfg.params, cfg.pods)
    assert made.display_name == "A-29 Super Tucano, 3 at Atalaya"  # SPAY: the airport's name up to its note
    named = build_option(Table({"id": "x", "name": "Three at Atalaya", "detachments": det}, "test", "options"),
                         cfg.types, cfg.bases, cfg.postures_s, cfg.params, cfg.pods)
    assert named.display_name == "Three at Atalaya"  # a name in the data wins


def test_every_table_row_names_its_option(study):
    """Wherever an option id stands in a table row of the report, its display name stands beside it."""
    from scenarios.config.interceptors import load_interceptor_config
    from scenarios.config.scenario import load_scenario

    names = {o.id: o.display_name for o in load_interceptor_config(load_scenario("peru")).select(list(OPTIONS))}
    md = (study / "report.md").read_text()
    rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    seen = 0
    for line in rows:
        for cell in line.split(" | "):
            for oid in OPTIONS:
                if re.search(rf"(^|[`\s]){oid}([`\s]|$)", cell.strip()):
                    assert names[oid] in line, (oid, line)
                    seen += 1
    assert seen >= 40  # options, ranking, Δ tables, costs, life-cycle, how identified, all scores


def test_figure_labels_carry_name_and_id():
    from scenarios.study.report_figures import option_label

    label = option_label("f16_la_joya", {"f16_la_joya": "F-16 Block 70, 12 at La Joya"})
    assert label.replace("\n", " ") == "F-16 Block 70, 12 at La Joya (f16_la_joya)"


def test_map_extent_holds_every_intercept_point(study):
    """The map's extent is Peru, the bases and every intercept point, not a fixed box: a point east of -68 deg (in
    Bolivia) widens it."""
    import numpy as np

    from scenarios.study.report_figures import map_extent

    results = _csv(study / "results.csv")
    res = {"intercept_lat": np.array([float(r["intercept_lat"] or "nan") for r in results]),
           "intercept_lon": np.array([float(r["intercept_lon"] or "nan") for r in results])}
    ok = np.isfinite(res["intercept_lat"])
    assert ok.any(), "no intercept in the study"
    bases = [(-16.78, -71.88)]
    lon0, lon1, lat0, lat1 = map_extent(res, bases)
    assert (lon0 <= res["intercept_lon"][ok]).all() and (res["intercept_lon"][ok] <= lon1).all()
    assert (lat0 <= res["intercept_lat"][ok]).all() and (res["intercept_lat"][ok] <= lat1).all()
    assert lon0 < -81.3 and lat1 > -0.04 and lat0 < -18.3  # Peru's outline: Talara's coast, the north, the south
    far = {"intercept_lat": np.array([-12.0, np.nan]), "intercept_lon": np.array([-66.0, np.nan])}
    assert map_extent(far, bases)[1] >= -66.0 > -68.0


def test_sensitivity_flag_with_a_missing_dir_is_one_line_and_exit_2(study, tmp_path):
    r = run_cli_subprocess("report", study, "--sensitivity", tmp_path / "nope")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "--sensitivity" in r.stderr and "no such directory" in r.stderr
    out = tmp_path / "study"
    r = run_cli_subprocess("tradeoff", "--days", "1", "--networks", "peru", "--options", "a29_forward",
                           "--sensitivity", tmp_path / "nope", "--out", out)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert not out.exists()  # refused before the study ran


OAT = ("knob,label,path,confidence,rule,low,base,high,metric,at_low,at_base,at_high,swing,change_low,change_high\n"
       "pm,PM TPS-70 availability,radar.sites.pm.availability,placeholder,confidence,0.2,0.4,0.6,p_identified,"
       "0.1,0.2,0.3,0.2,-0.1,0.1\n"
       "cls,classification time (s),engagement.classify_s,placeholder,confidence,150,300,450,p_identified,"
       "0.2,0.2,0.21,0.01,0,0.01\n"
       "look,look-down range,interceptors.x.radar,approximate,confidence,20,35,50,p_identified,0.12,0.2,0.25,0.13,,\n"
       "rcs,target RCS,threat.rcs,placeholder,confidence,0.5,1,1.5,p_identified,0.15,0.2,0.22,0.07,,\n"
       "pm,PM TPS-70 availability,radar.sites.pm.availability,placeholder,confidence,0.2,0.4,0.6,integration_delta,"
       "0,0.01,0.3,0.29,,\n")


def test_an_attached_sensitivity_run_gives_the_top_three_and_its_tornado(study, tmp_path):
    """The summary's fifth sentence lists the three largest swings of P(identified airborne) (not the larger one of
    another metric), the report embeds the run's tornado charts, and the page still parses."""
    import shutil

    copy = tmp_path / "study"
    shutil.copytree(study, copy)
    sdir = tmp_path / "sens"
    (sdir / "figures").mkdir(parents=True)
    (sdir / "oat.csv").write_text(OAT)
    shutil.copyfile(study / "figures" / "map.png", sdir / "figures" / "tornado_p_identified.png")
    shutil.copyfile(study / "figures" / "map.png", sdir / "figures" / "morris_p_identified.png")  # not a tornado
    r = run_cli_subprocess("report", copy, "--sensitivity", sdir)
    assert r.returncode == 0, r.stderr
    md = (copy / "report.md").read_text()
    s5 = _summary_sentences(md)[4]
    assert ("PM TPS-70 availability [0.2 .. 0.6] (swing 20.0 pp); look-down range [20 .. 50] (swing 13.0 pp); "
            "target RCS [0.5 .. 1.5] (swing 7.0 pp).") in s5
    assert "classification time" not in s5 and "29.0" not in s5
    checker = check_html((copy / "report.html").read_text())
    assert checker.errors == []
    srcs = [img["src"] for img in checker.images]
    tornado = [s for s in srcs if "tornado" in s]
    assert len(tornado) == 1 and (copy / tornado[0]).is_file() and not any("morris" in s for s in srcs)
    assert "5. The largest one-at-a-time sensitivities" in r.stdout


def test_sensitivity_reader_takes_wide_columns_and_refuses_a_bad_swing(tmp_path):
    from radar.errors import InputError
    from scenarios.study.sensitivity_input import load_sensitivity

    (tmp_path / "tornado.csv").write_text("Knob,swing_p_identified,swing_integration_delta\na,0.05,0.2\nb,0.1,0.01\n")
    sens = load_sensitivity(tmp_path)
    assert sens.metrics() == ["p_identified", "integration_delta"] and sens.primary_metric() == "p_identified"
    assert [r.knob for r in sens.top(3)] == ["b", "a"]
    (tmp_path / "tornado.csv").write_text("knob,swing\na,lots\n")
    with pytest.raises(InputError, match=r"tornado.csv: line 2: swing = 'lots': expected a number"):
        load_sensitivity(tmp_path)
