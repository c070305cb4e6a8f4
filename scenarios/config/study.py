"""Study files: the ``[study]`` table of ``airbridge tradeoff --study FILE`` (the axes, days or a target
number of drug flights, seed, chunking and the study window), its ``[set]`` table (overrides of the
scenario's values, :mod:`scenarios.config.overrides`) and its ``[sensitivity]`` table (the knobs of
``airbridge sensitivity``, read by :func:`scenarios.study.knobs.specs_from_table`; other commands ignore it),
and the expected drug flights per day of a scenario that turns a number of flights into days."""
from __future__ import annotations

STUDY_KEYS = ("scenario", "networks", "pictures", "modes", "options", "days", "flights", "seed", "chunk_days",
              "background_window_km", "background_window_min", "false_plot_window_km")


def read_study_file(path, require_study: bool = True) -> tuple[dict, int | None]:
    """(the :class:`scenarios.study.spec.StudySpec` fields the file sets, the target number of drug flights
    or None) from the ``[study]`` table of ``path``; unknown keys and bad values are one-line errors.
    ``modes`` is read as the older name of ``pictures``.  The ``[set]`` table's overrides are returned under
    ``"overrides"`` as :class:`scenarios.config.overrides.Override` (named ``FILE: [set]`` in messages; their
    paths and types are checked when the scenario loads).  ``require_study``: a file without ``[study]`` is an
    error (``airbridge sensitivity`` accepts one with only ``[set]`` and ``[sensitivity]``)."""
    from pathlib import Path

    from radar.errors import InputError
    from scenarios.config.scenario import EMBEDDED
    from scenarios.config.schema import Table, read_toml

    kw = {}
    flights = None
    raw = read_toml(path, what="a study TOML file with a [study] table")
    Table(raw, path).check_keys(("study", "set", "sensitivity"))
    if not require_study and "study" not in raw:
        raw = {**raw, "study": {}}
    if "study" not in raw or not isinstance(raw["study"], dict):
        raise InputError(f"{path}: [study] table is missing: expected scenario, networks, pictures, options, days")
    t = Table(raw["study"], path, "study")
    t.check_keys(STUDY_KEYS)
    if t.has("scenario"):
        kw["scenario"] = t.str("scenario")
        if kw["scenario"] not in EMBEDDED and not Path(kw["scenario"]).exists():
            raise t.fail("scenario", kw["scenario"], "unknown scenario: expected one of " + ", ".join(EMBEDDED)
                         + " or an existing .toml file")
    if t.has("pictures") and t.has("modes"):
        raise t.fail("modes", t.list("modes"), "is the older name of pictures: expected one of the two")
    for k, field in (("networks", "networks"), ("pictures", "pictures"), ("modes", "pictures"), ("options", "options")):
        if t.has(k):
            v = t.list(k)
            if not all(isinstance(x, str) for x in v):
                raise t.fail(k, v, "must be an array of strings")
            kw[field] = tuple(v)
    if t.has("days"):
        kw["days"] = t.int("days", min=1, max=10**7)
    if t.has("flights"):
        flights = t.int("flights", min=1, max=10**9)
    if t.has("seed"):
        kw["seed"] = t.seed("seed")
    if t.has("chunk_days"):
        kw["chunk_days"] = t.int("chunk_days", min=1, max=10**6)
    for k, hi, what in (("background_window_km", 1000, "km"), ("background_window_min", 1440, "minutes"),
                        ("false_plot_window_km", 1000, "km")):
        if t.has(k):
            kw[k] = t.float(k, min=0, max=hi, what=what)
    if "set" in raw:
        from scenarios.config.overrides import overrides_from_table

        if not isinstance(raw["set"], dict):
            raise Table(raw, path).fail("set", raw["set"], "must be a table [set] of KEY = VALUE overrides")
        kw["overrides"] = tuple(overrides_from_table(raw["set"], f"{path}: [set]"))
    return kw, flights


def expected_drug_flights_per_day(scn) -> float:
    """Poisson mean formations per day x mean formation size (from the scenario)."""
    timing = scn.table("threat_timing", {})
    formations = timing.float("formations_per_day_mean", 3.0, min_exclusive=0, max=1000, what="formations per day")
    traffic = scn.table("threat.traffic", {})
    probs = traffic.raw("formation_size_probs", {"1": 1.0})
    total = sum(float(v) for v in probs.values())
    size = sum(int(k) * float(v) for k, v in probs.items()) / total if total > 0 else 1.0
    return formations * size
