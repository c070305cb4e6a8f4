"""Calibration data: the ``[calibration]`` table of a scenario -> :class:`CalibrationConfig` (validated once).

``[calibration]`` (overlays) holds the history the drug-flight traffic is calibrated against and the values
adopted from it (``airbridge calibrate``, :mod:`scenarios.study.calibrate`):

* ``radar``: the site id of the radar whose log the ``radar_legs`` targets are (a site of ``[radar] sites``
  that some network deploys).
* ``targets``: the history rows, each with ``id``, ``kind``, ``role``, ``source`` and ``confidence``:

  - ``kind = "radar_legs"``: drug-flight legs the radar logged from ``start`` to ``end`` (ISO dates, end
    exclusive: 2015-05-10 to 2015-09-21 is 134 days), ``legs``, optionally ``inbound`` and ``outbound``;
    ``role = "fit"`` (the row the rate is fitted to; at most one) or ``"check"`` (compared, not fitted).
    Every window lies within one year (366 days) of the earliest start: the model simulates that many days.
  - ``kind = "flights_per_year"``: a range ``low``..``high`` of drug flights a year; ``role = "bound"`` (the
    fitted traffic must land inside, else the gate shares move) or ``"check"``.

* ``adopted``: the calibrated values in force, each with ``key`` (``threat_timing.formations_per_day_mean``
  or ``threat.zones.<corridor id>.weight``), ``value``, optionally ``before`` (the value it replaced) and
  ``fits`` (the target ids it matches), ``source`` (the command, seeds and history) and ``confidence =
  "calibrated"``.  A record, not a second copy of the value: the scenario value in force is what the model
  reads (``airbridge calibrate`` prints both).
* ``evidence``: free-form documentation (what ``airbridge calibrate`` writes next to a proposal).

``[history]`` stays documentation (read by nothing); the targets repeat the rows they use, with the same ids.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from radar.errors import InputError
from scenarios.config.schema import CONFIDENCE_LEVELS, Table

KINDS = ("radar_legs", "flights_per_year")
ROLES = {"radar_legs": ("fit", "check"), "flights_per_year": ("bound", "check")}
TARGET_KEYS = ("id", "kind", "role", "start", "end", "legs", "inbound", "outbound", "low", "high")
ADOPTED_KEYS = ("key", "value", "before", "fits")
#: keys the calibration may move: traffic volume and routing only
RATE_KEY = "threat_timing.formations_per_day_mean"
GATE_KEY = "threat.zones.{}.weight"
#: the longest span of the targets' windows (days): one year
MAX_SPAN_DAYS = 366
MAX_COUNT = 10**7


@dataclass(frozen=True)
class LegTarget:
    """Drug-flight legs a radar logged in a window (days ``first_day``..``first_day + days - 1`` of the
    calibration, day 0 = the earliest start of the targets)."""

    id: str
    role: str
    start: _dt.date
    end: _dt.date
    first_day: int
    days: int
    legs: int
    inbound: int | None
    outbound: int | None
    source: str
    confidence: str
    notes: str = ""

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()} ({self.days} d)"


@dataclass(frozen=True)
class RateTarget:
    """A range of drug flights a year."""

    id: str
    role: str
    low: float
    high: float
    source: str
    confidence: str
    notes: str = ""


@dataclass(frozen=True)
class Adopted:
    """A calibrated value in force (a record of what ``airbridge calibrate`` proposed and the data adopted)."""

    key: str
    value: float
    before: float | None
    fits: tuple[str, ...]
    source: str
    confidence: str


@dataclass(frozen=True)
class CalibrationConfig:
    """Validated ``[calibration]``."""

    radar: str
    legs: tuple[LegTarget, ...]
    rates: tuple[RateTarget, ...]
    adopted: tuple[Adopted, ...]
    start: _dt.date
    file: str = ""

    @property
    def days(self) -> int:
        """Days the calibration simulates (the end of the latest window)."""
        return max((t.first_day + t.days for t in self.legs), default=0)

    def fit(self) -> LegTarget | None:
        return next((t for t in self.legs if t.role == "fit"), None)

    def bound(self) -> RateTarget | None:
        return next((t for t in self.rates if t.role == "bound"), None)

    def adopted_value(self, key: str) -> Adopted | None:
        return next((a for a in self.adopted if a.key == key), None)


def _date(t: Table, key: str) -> _dt.date:
    value = t.raw(key)
    if isinstance(value, _dt.datetime):
        raise t.fail(key, str(value), "must be a date YYYY-MM-DD")
    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str):
        raise t.fail(key, value, "must be a date \"YYYY-MM-DD\"")
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise t.fail(key, value, "must be a date \"YYYY-MM-DD\"") from None


def _provenance(t: Table) -> tuple[str, str]:
    src = t.str("source")
    if not src.strip():
        raise t.fail("source", src, "must name where the figure comes from")
    conf = t.str("confidence", choices=CONFIDENCE_LEVELS)
    return src, conf


def _count(t: Table, key: str) -> int:
    return t.int(key, min=0, max=MAX_COUNT)


def site_ids(scenario) -> list[str]:
    """Every site id of ``[radar] sites``."""
    return [str(s.get("id")) for s in scenario.raw.get("radar", {}).get("sites", []) if isinstance(s, dict)]


def radars_of_site(scenario, site: str, label: str):
    """The radars (heads) a network deploys at ``site`` (the first network that has it).  ``label`` names the
    setting in messages (``--radar`` or ``file: calibration.radar``)."""
    import difflib

    known = site_ids(scenario)
    setting = f"{label} {site}" if label.startswith("--") else f"{label} = {site!r}"
    if site not in known:
        near = difflib.get_close_matches(site, known, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ": expected one of " + ", ".join(known)
        raise InputError(f"{setting}: unknown radar site{hint}")
    for net in scenario.networks.values():
        heads = tuple(r for r in net.radars if r.site_id == site)
        if heads:
            return heads
    raise InputError(f"{setting}: the site is in no network (enabled nowhere): expected a site some network deploys")


def load_calibration(scenario) -> CalibrationConfig | None:
    """Read and validate ``[calibration]`` of a scenario (:class:`scenarios.config.Scenario`); None without one."""
    root = scenario.root()
    if not root.has("calibration"):
        return None
    t = root.table("calibration")
    t.check_keys(("radar", "targets", "adopted"), ("evidence",))
    file = scenario.file
    radar = t.str("radar")
    radars_of_site(scenario, radar, f"{file}: calibration.radar")
    rows = t.tables("targets", [])
    ids: set[str] = set()
    legs_raw, rates = [], []
    for r in rows:
        r.check_keys(TARGET_KEYS)
        tid = r.str("id")
        if tid in ids:
            raise r.fail("id", tid, "duplicate target id")
        ids.add(tid)
        kind = r.str("kind", choices=KINDS)
        role = r.str("role", choices=ROLES[kind])
        src, conf = _provenance(r)
        notes = r.str("notes", "")
        if kind == "radar_legs":
            for k in ("low", "high"):
                if r.has(k):
                    raise r.fail(k, r.raw(k), "is a key of flights_per_year targets: expected legs, inbound, outbound")
            start, end = _date(r, "start"), _date(r, "end")
            if not end > start:
                raise r.fail("end", end.isoformat(), f"must be after start ({start.isoformat()})")
            legs = _count(r, "legs")
            inbound = _count(r, "inbound") if r.has("inbound") else None
            outbound = _count(r, "outbound") if r.has("outbound") else None
            if (inbound or 0) + (outbound or 0) > legs:
                raise r.fail("legs", legs, f"must be at least inbound + outbound ({(inbound or 0) + (outbound or 0)})")
            legs_raw.append((r, tid, role, start, end, legs, inbound, outbound, src, conf, notes))
        else:
            for k in ("start", "end", "legs", "inbound", "outbound"):
                if r.has(k):
                    raise r.fail(k, r.raw(k), "is a key of radar_legs targets: expected low and high")
            low = r.float("low", min=0, max=1e6, what="flights a year")
            high = r.float("high", min=0, max=1e6, what="flights a year")
            if not high >= low:
                raise r.fail("high", high, f"must be >= low ({low:g})")
            rates.append(RateTarget(tid, role, low, high, src, conf, notes))
    if sum(1 for x in legs_raw if x[2] == "fit") > 1:
        raise t.fail("targets", "[...]", "more than one radar_legs target has role = \"fit\": expected at most one")
    if sum(1 for x in rates if x.role == "bound") > 1:
        raise t.fail("targets", "[...]", "more than one flights_per_year target has role = \"bound\": expected at most one")
    start0 = min((x[3] for x in legs_raw), default=_dt.date(2000, 1, 1))
    legs = []
    for r, tid, role, start, end, n, inbound, outbound, src, conf, notes in legs_raw:
        if (end - start0).days > MAX_SPAN_DAYS:
            raise r.fail("end", end.isoformat(), f"must lie within {MAX_SPAN_DAYS} days (one year) of the earliest "
                         f"start {start0.isoformat()}: the calibration simulates the window's days")
        legs.append(LegTarget(tid, role, start, end, (start - start0).days, (end - start).days, n, inbound, outbound,
                              src, conf, notes))
    adopted = []
    seen = set()
    for a in t.tables("adopted", []):
        a.check_keys(ADOPTED_KEYS)
        key = a.str("key")
        if key in seen:
            raise a.fail("key", key, "duplicate adopted key")
        seen.add(key)
        lo, hi, what = _adoptable(scenario, a, key)
        value = a.float("value", min=lo, max=hi, what=what)
        before = a.float("before", min=lo, max=hi, what=what) if a.has("before") else None
        fits = a.list("fits", [])
        for i, f in enumerate(fits):
            if f not in ids:
                raise a.fail(f"fits[{i}]", f, "unknown target: expected an id of calibration.targets: " + ", ".join(ids))
        src, conf = _provenance(a)
        if conf != "calibrated":
            raise a.fail("confidence", conf, "must be \"calibrated\" (an adopted value comes from airbridge calibrate)")
        adopted.append(Adopted(key, value, before, tuple(fits), src, conf))
    return CalibrationConfig(radar, tuple(legs), tuple(rates), tuple(adopted), start0, file)


def _adoptable(scenario, a: Table, key: str) -> tuple[float, float, str]:
    """(min, max, unit) of a key the calibration may move; anything else is refused."""
    if key == RATE_KEY:
        return 0.0, 1000.0, "formations per day"
    parts = key.split(".")
    if len(parts) == 4 and parts[:2] == ["threat", "zones"] and parts[3] == "weight":
        corridors = [z.get("id") for z in scenario.raw.get("threat", {}).get("zones", [])
                     if isinstance(z, dict) and z.get("kind") == "corridor"]
        if parts[2] not in corridors:
            raise a.fail("key", key, "names no corridor zone: expected threat.zones.<id>.weight with id one of "
                         + ", ".join(map(str, corridors)))
        return 0.0, 1.0, "a zone weight"
    raise a.fail("key", key, f"is not a traffic volume or routing key: expected {RATE_KEY} or "
                 "threat.zones.<corridor id>.weight (never a radar, tracker or engagement parameter)")
