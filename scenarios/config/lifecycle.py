"""Life-cycle cost data: the ``[[life_cycle]]`` entries of a scenario, one per interceptor type.

Each entry names an ``[[interceptors]]`` type by ``id`` and gives

* ``service_life_years``: the years the acquisition is spread over (straight line, no discounting);
* the sustainment per year beyond the simulated sorties' flight hours (which the engagement model
  costs at the type's ``cpfh_usd``): either ``sustainment_fraction_per_year`` of the option's acquisition
  cost, or ``sustainment_musd_per_aircraft_year`` (million US$ per aircraft and year; the only form
  an in-service type, whose acquisition is sunk, can use);
* ``source`` and ``confidence`` (required: every cost figure says where it comes from; unsourced figures
  are ``confidence = "placeholder"``).

The acquisition cost itself comes from the type (``package_musd_per_aircraft``, else
``unit_flyaway_musd``) and the pods an option buys outside the package (``[[pods]]``); see
:mod:`scenarios.study.lifecycle`, which turns these into costs per option and per identified flight.
A type with no entry has no life-cycle cost (the report says "not in the data").
"""
from __future__ import annotations

import math
from dataclasses import dataclass

CONFIDENCE = ("sourced", "approximate", "placeholder")
LIFE_CYCLE_KEYS = ("id", "service_life_years", "sustainment_fraction_per_year", "sustainment_musd_per_aircraft_year")


@dataclass(frozen=True)
class LifeCycle:
    """Life-cycle figures of one interceptor type (SI: US$, years).

    sustainment_fraction_per_year: of the acquisition cost, per year (NaN when the per-aircraft figure is given).
    sustainment_usd_per_aircraft_year: US$ per aircraft and year (NaN when the fraction is given).
    """

    type_id: str
    service_life_years: float
    sustainment_fraction_per_year: float
    sustainment_usd_per_aircraft_year: float
    source: str
    confidence: str


def load_life_cycle(scenario) -> dict[str, LifeCycle]:
    """type id -> :class:`LifeCycle` from the scenario's ``[[life_cycle]]`` (``{}`` when it has none)."""
    root = scenario.root()
    if not root.has("life_cycle"):
        return {}
    types = [t.str("id") for t in root.tables("interceptors")] if root.has("interceptors") else []
    out: dict[str, LifeCycle] = {}
    for t in root.tables("life_cycle"):
        t.check_keys(LIFE_CYCLE_KEYS)
        tid = t.str("id")
        if tid not in types:
            raise t.fail("id", tid, "unknown aircraft type: expected an id of [[interceptors]]: " + ", ".join(types))
        if tid in out:
            raise t.fail("id", tid, "duplicate: one [[life_cycle]] entry per aircraft type")
        for key in ("source", "confidence"):
            if not t.has(key):
                raise t.fail(key, "", "is missing: every life-cycle figure names its source and confidence "
                                      "(confidence = \"placeholder\" when unsourced)")
        source = t.str("source")
        confidence = t.str("confidence", choices=CONFIDENCE)
        life = t.float("service_life_years", min_exclusive=0, max=100, what="years")
        has_fraction, has_per_aircraft = t.has("sustainment_fraction_per_year"), t.has("sustainment_musd_per_aircraft_year")
        if has_fraction == has_per_aircraft:
            raise t.fail("sustainment_fraction_per_year", t.data.get("sustainment_fraction_per_year", ""),
                         "expected exactly one of sustainment_fraction_per_year (of the acquisition cost) and "
                         "sustainment_musd_per_aircraft_year")
        fraction = t.float("sustainment_fraction_per_year", min=0, max=1, what="of the acquisition cost per year") \
            if has_fraction else math.nan
        per_aircraft = 1e6 * t.float("sustainment_musd_per_aircraft_year", min=0, max=1000,
                                     what="million US$ per aircraft and year") if has_per_aircraft else math.nan
        out[tid] = LifeCycle(tid, life, fraction, per_aircraft, source, confidence)
    return out
