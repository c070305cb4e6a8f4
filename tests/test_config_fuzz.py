"""Fuzzed scenario files: ``scenario validate`` and ``simulate`` accept and refuse the same files, refusals are
one line naming the file (exit 2), and nothing ends in a traceback.

The embedded scenario (data files concatenated into one complete scenario TOML) is mutated 1,000 times with a
seeded generator: lines deleted, duplicated or swapped; numbers turned into strings, negatives, 0, NaN, inf or
1e300; values replaced by tables, arrays or booleans; table headers turned into arrays of tables; keys misspelt
or invented.  For every mutation the validate path (:func:`scenarios.cli.scenario.validate`) and the loaders
``simulate`` runs before its first day (:func:`scenarios.simulation.day.prepare` up to the geometry, and the interceptor
options of ``--engage``) must agree; accepted mutations that change the threat or the traffic also generate
their day-0 flights.  A seeded sample runs the real ``airbridge simulate --days 1``.  Run with ``-s`` to see
the outcome counts.
"""
from __future__ import annotations

import collections
import dataclasses
import random
import re
from importlib import resources

import pytest

from radar.errors import InputError

SEED = 20260
N_MUTATIONS = 1000
N_CLI = 20
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NUMBER = re.compile(r"(?<![\w.+\-])[-+]?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.:\-])")
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_\-]+)(\s*=)")
_HEADER = re.compile(r"^\[(\[?)([^\[\]]+)\]\]?\s*$")


def embedded_text() -> str:
    data = resources.files("scenarios") / "data"
    return (data / "peru_defaults.toml").read_text() + "\n" + (data / "peru_overlays.toml").read_text()


def _numbers(line: str) -> list[tuple[int, int]]:
    """Spans of the number literals of a ``key = value`` line (not inside strings, not in the key)."""
    if "=" not in line or line.lstrip().startswith("#"):
        return []
    head = line.index("=") + 1
    strings = [m.span() for m in _STRING.finditer(line)]
    code_end = line.find("#", head)
    out = []
    for m in _NUMBER.finditer(line, head):
        a, b = m.span()
        if any(s <= a < e for s, e in strings) or (0 <= code_end < a and not any(s <= code_end < e for s, e in strings)):
            continue
        out.append((a, b))
    return out


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    op = rng.randrange(3)
    if op == 0 and len(word) > 2:
        return word[:i] + word[i + 1:]
    if op == 1:
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz_") + word[i:]
    j = min(i + 1, len(word) - 1)
    w = list(word)
    w[i], w[j] = w[j], w[i]
    return "".join(w) if "".join(w) != word else word + "x"


#: documentation tables (read by nothing): most mutations go elsewhere
DOC_TABLES = ("meta", "sources", "geography", "isr_platforms", "history", "radar_model_additions", "procurement.")


def _sections(lines: list[str]) -> list[str]:
    """The table each line belongs to."""
    out, current = [], ""
    for ln in lines:
        m = _HEADER.match(ln)
        if m:
            current = m.group(2).strip()
        out.append(current)
    return out


class _Lines:
    """The embedded text's lines, and the indices of each kind of line, with and without the documentation tables."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        sections = _sections(lines)
        content = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
        self.kinds = {}
        for focus in (False, True):
            c = [i for i in content if not (focus and sections[i].startswith(DOC_TABLES))]
            self.kinds[focus] = {"content": c, "numeric": [i for i in c if _numbers(lines[i])],
                                 "keyed": [i for i in c if _KEY.match(lines[i])],
                                 "headers": [i for i in c if _HEADER.match(lines[i])]}


def mutate(text: _Lines, rng: random.Random) -> tuple[str, list[str]]:
    """One random mutation: (kind, new lines); three in four avoid the documentation tables."""
    lines = text.lines
    k = text.kinds[rng.random() < 0.75]
    content, numeric, keyed, headers = k["content"], k["numeric"], k["keyed"], k["headers"]
    out = list(lines)
    kind = rng.choice(["delete", "duplicate", "swap", "string", "negative", "zero", "nan", "inf", "1e300", "1e300",
                       "wrong_type", "wrong_type", "header_type", "typo_key", "unknown_key", "unknown_table"])
    if kind == "delete":
        del out[rng.choice(content)]
    elif kind == "duplicate":
        i = rng.choice(content)
        out.insert(i + rng.choice([0, 1, 2]), lines[i])
    elif kind == "swap":
        i = rng.choice(content)
        j = i + 1 if rng.random() < 0.5 and i + 1 < len(lines) else rng.choice(content)
        out[i], out[j] = out[j], out[i]
    elif kind in ("string", "negative", "zero", "nan", "inf", "1e300"):
        i = rng.choice(numeric)
        a, b = rng.choice(_numbers(lines[i]))
        literal = lines[i][a:b]
        new = {"string": f'"{literal}"', "negative": "-" + literal.lstrip("+-"), "zero": "0",
               "nan": rng.choice(["nan", "-nan"]), "inf": rng.choice(["inf", "-inf"]),
               "1e300": rng.choice(["1e300", "-1e300", "1" + "0" * 30])}[kind]
        out[i] = lines[i][:a] + new + lines[i][b:]
    elif kind == "wrong_type":
        i = rng.choice(keyed)
        m = _KEY.match(lines[i])
        value = rng.choice(["{ a = 1 }", "[1, 2]", "true", '"text"', "[]", "{}", "1979-05-27"])
        out[i] = f"{m.group(1)}{m.group(2)}{m.group(3)} {value}"
    elif kind == "header_type":
        i = rng.choice(headers)
        m = _HEADER.match(lines[i])
        out[i] = f"[{m.group(2)}]" if m.group(1) else f"[[{m.group(2)}]]"
    elif kind == "typo_key":
        i = rng.choice(keyed)
        m = _KEY.match(lines[i])
        out[i] = lines[i].replace(m.group(2), _typo(m.group(2), rng), 1)
    elif kind == "unknown_key":
        i = rng.choice(headers)
        out.insert(i + 1, f"{rng.choice(['extra', 'speed_kmh', 'weigth', 'enabled_x'])} = {rng.choice(['1', '0.5', 'true'])}")
    else:  # unknown_table
        i = rng.choice(headers)
        m = _HEADER.match(lines[i])
        out.insert(i, f"[{m.group(2)}.{rng.choice(['extras', 'profil', 'trafic', 'zone'])}]")
        out.insert(i + 1, "x = 1")
    return kind, out


def mutations(n: int = N_MUTATIONS, seed: int = SEED):
    base = _Lines(embedded_text().splitlines())
    lines = base.lines
    rng = random.Random(seed)
    seen = set()
    while len(seen) < n:
        kind, out = mutate(base, rng)
        text = "\n".join(out) + "\n"
        if out == lines or text in seen:
            continue
        seen.add(text)
        yield len(seen) - 1, kind, text


def _check_message(msg: str, path: str) -> list[str]:
    problems = []
    if "\n" in msg:
        problems.append("more than one line")
    if msg.count(path) != 1 and not msg.startswith("<embedded"):
        problems.append(f"names the file {msg.count(path)} times")
    if "np.float" in msg or "np.int" in msg or "array(" in msg:
        problems.append("NumPy repr")
    if "--scenario" in msg:
        problems.append("mentions --scenario")
    return problems


def _outcome(call):
    """('ok', value) or ('error', one-line message); any other exception propagates to the caller."""
    try:
        return "ok", call()
    except InputError as exc:
        return "error", str(exc)


@pytest.fixture(scope="module")
def baseline():
    from scenarios.config.scenario import load_scenario
    from scenarios.config.interceptors import load_interceptor_config
    from scenarios.config.threat import load_threat
    from scenarios.config.traffic import load_traffic

    scn = load_scenario("peru")
    return {"threat": dataclasses.replace(load_threat(scn), file=""),
            "traffic": dataclasses.replace(load_traffic(scn), file=""),
            "interceptors": load_interceptor_config(scn), "network": scn.network("peru").radars,
            "frame": scn.frame, "terrain": scn.terrain, "coverage": scn.coverage}


def test_concatenated_embedded_text_is_the_embedded_scenario(tmp_path, baseline):
    """The fuzzing starts from a file that loads to exactly the embedded scenario."""
    from scenarios.config.scenario import load_scenario
    from scenarios.config.threat import load_threat
    from scenarios.config.traffic import load_traffic

    p = tmp_path / "peru_full.toml"
    p.write_text(embedded_text())
    scn = load_scenario(str(p))
    assert dataclasses.replace(load_threat(scn), file="") == baseline["threat"]
    assert dataclasses.replace(load_traffic(scn), file="") == baseline["traffic"]
    assert scn.network("peru").radars == baseline["network"]
    assert list(scn.networks) == list(load_scenario("peru").networks)


def _simulate_loaders(path: str):
    """What ``airbridge simulate --days 1 [--engage]`` loads before its first day: prepare() up to the geometry
    (scenario, network, DEM, threat, traffic, DEM checks), the fusion parameters of sensors.toml, the options."""
    from scenarios.config.scenario import fusion_params, load_scenario
    from scenarios.config.inputs import load_inputs
    from scenarios.config.interceptors import load_interceptor_config

    scn = load_scenario(path)
    scn.network("peru")
    scn, dem, threat, traffic = load_inputs(scn, None)
    fusion_params(scn)
    load_interceptor_config(scn)
    return scn, dem, threat, traffic


def test_fuzzed_scenarios_validate_and_simulate_agree(tmp_path, baseline):
    from scenarios.cli.scenario import validate
    from scenarios.flights.threat import TerrainSampler, generate_drug_flights
    from scenarios.flights.traffic import generate_background

    counts = collections.Counter()
    by_kind = collections.defaultdict(collections.Counter)
    failures = []
    interesting, rejected = [], []
    for i, kind, text in mutations():
        path = tmp_path / f"m{i:04d}.toml"
        path.write_text(text)
        try:
            v = _outcome(lambda: validate(str(path)))
            s = _outcome(lambda: _simulate_loaders(str(path)))
        except Exception as exc:  # noqa: BLE001 - a traceback is the failure this test looks for
            failures.append(f"{path.name} ({kind}): {type(exc).__name__}: {exc}")
            continue
        counts["accepted" if v[0] == "ok" else "rejected"] += 1
        by_kind[kind]["accepted" if v[0] == "ok" else "rejected"] += 1
        if v[0] != s[0] or (v[0] == "error" and v[1] != s[1]):
            failures.append(f"{path.name} ({kind}): validate {v[0]} {v[1] if v[0] == 'error' else ''} but the simulate "
                            f"loaders {s[0]} {s[1] if s[0] == 'error' else ''}")
            continue
        if v[0] == "error":
            problems = _check_message(v[1], str(path))
            if problems:
                failures.append(f"{path.name} ({kind}): {v[1]!r}: {', '.join(problems)}")
            rejected.append(path)
            continue
        scn, dem, threat, traffic = s[1]
        changed = []
        if dataclasses.replace(threat, file="") != baseline["threat"]:
            changed.append("threat")
        if dataclasses.replace(traffic, file="") != baseline["traffic"]:
            changed.append("traffic")
        if (scn.network("peru").radars != baseline["network"] or scn.frame != baseline["frame"]
                or scn.terrain != baseline["terrain"] or scn.coverage != baseline["coverage"]):
            changed.append("radars")
        if changed:
            interesting.append(path)
        try:  # what simulate's first day does with the accepted values (the radar part runs in the CLI sample)
            terrain = TerrainSampler(dem, scn.terrain)
            if "threat" in changed:
                generate_drug_flights(threat, terrain, 1, 0)
            if "traffic" in changed:
                generate_background(traffic, terrain, 1, 0)
        except Exception as exc:  # noqa: BLE001
            failures.append(f"{path.name} ({kind}) accepted, then day 0 failed: {type(exc).__name__}: {exc}")
    total = sum(counts.values())
    print(f"\nfuzzed scenario files: {total} tried, {counts['accepted']} accepted, {counts['rejected']} rejected "
          f"(one line each); {len(interesting)} accepted ones change what simulate uses")
    for kind in sorted(by_kind):
        print(f"  {kind:<14} accepted {by_kind[kind]['accepted']:4d}  rejected {by_kind[kind]['rejected']:4d}")
    assert not failures, f"{len(failures)} failures, e.g.:\n" + "\n".join(failures[:15])
    assert total >= 1000 and counts["accepted"] > 100 and counts["rejected"] > 100
    # the real command line on a seeded sample: mostly accepted files that change the simulation, some refused
    rng = random.Random(SEED)
    sample = rng.sample(interesting, min(len(interesting), N_CLI - 5)) + rng.sample(rejected, 5)
    _run_simulate_cli(sample, tmp_path)


def _run_simulate_cli(sample, tmp_path):
    import contextlib
    import io

    from scenarios.cli import main
    from scenarios.cli.scenario import validate

    outcomes = collections.Counter()
    for path in sample:
        out_dir = tmp_path / f"out_{path.stem}"
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(["simulate", "--days", "1", "--scenario", str(path), "--out", str(out_dir)])
        expected_ok = _outcome(lambda: validate(str(path)))[0] == "ok"
        lines = err.getvalue().strip().splitlines()
        if expected_ok:
            assert code == 0, (path.name, err.getvalue())
            assert (out_dir / "summary.txt").exists() and (out_dir / "truth.csv").exists()
        else:
            assert code == 2 and len(lines) == 1 and lines[0].startswith("airbridge: error: "), (path.name, lines)
            assert str(path) in lines[0] and not out_dir.exists()
        assert "Traceback" not in err.getvalue()
        outcomes["accepted" if code == 0 else "rejected"] += 1
    print(f"airbridge simulate --days 1 on {len(sample)} of them: {outcomes['accepted']} ran, "
          f"{outcomes['rejected']} refused with one line and exit 2, as validate said")
