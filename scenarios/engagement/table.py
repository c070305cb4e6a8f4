"""The outcome table of the engagement model: one row per drug flight x option x picture (its best leg) plus one
per scramble on anything else, in the columns of ``engagements.csv`` and ``results.csv`` (:class:`OutcomeTable`);
the scores of one option's engagements over one picture (:func:`score_flights`) and the CSV writer.

Rows are built as tuples in the order of :attr:`OutcomeTable.HEADER` and turned into columns once per day (speed:
a study day scores 2 pictures x 8 options); every value keeps its Python type (float, int, str, None for an absent
night flag), which is what the study's store and the CSV writers read.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scenarios.config.interceptors import Option
from scenarios.engagement.truth import FlightTruth, plane_to_geodetic

OUTCOMES = ("identified_airborne", "intercepted_late", "missed_lost_track", "missed_out_of_range",
            "missed_too_late", "no_aircraft_available", "missed_no_track", "missed_no_detection")
RANK = {name: i for i, name in enumerate(OUTCOMES)}  # lower = better
FALSE_SCRAMBLE = "false_scramble"
LEGS = ("inbound", "ground", "outbound")
SENSOR_NAMES = ("none", "radar", "eo_ir", "visual")
ENDGAME_NAMES = ("", "phase_v_window", "followed_to_strip", "left_peru", "bingo")
KIND_NAMES = ("drug", "cooperative", "innocent")


@dataclass(frozen=True)
class OutcomeTable:
    """Outcome records (struct of arrays; one row per drug flight x option x picture, plus one per scramble on
    anything else: a cooperative or innocent aircraft, or a false track).

    The picture is the ``mode`` column: column names are a file format (``engagements.csv``,
    ``results.csv``) and keep their names."""

    columns: dict

    HEADER = ("day", "flight", "option", "mode", "outcome", "leg", "t_first_plot_s", "t_track_s", "t_suspect_s",
              "t_scramble_s", "t_airborne_s", "t_contact_s", "t_id_s", "flight_hours", "cost_usd", "base",
              "interceptor", "false_scramble", "track", "intercept_lat", "intercept_lon", "intercept_x_m",
              "intercept_y_m", "searched", "contact_sensor", "contact_true_range_m", "id_sensor", "id_x_m", "id_y_m",
              "id_lat", "id_lon", "night", "endgame", "kind", "identified_inbound", "identified_outbound")

    def __len__(self) -> int:
        return len(self.columns["outcome"])

    def column(self, name):
        return self.columns[name]

    @staticmethod
    def concat(parts: list["OutcomeTable"]) -> "OutcomeTable":
        cols = {h: [] for h in OutcomeTable.HEADER}
        for p in parts:
            for h in OutcomeTable.HEADER:
                cols[h].extend(p.columns[h])
        return OutcomeTable(cols)

    def rows(self):
        for i in range(len(self)):
            yield [self.columns[h][i] for h in self.HEADER]


def _fmt(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.3f}"
    return str(v)


def write_csv(table: OutcomeTable, fh) -> None:
    fh.write(",".join(OutcomeTable.HEADER) + "\n")
    for r in table.rows():
        fh.write(",".join(_fmt(v) for v in r) + "\n")


_OUTCOME_OF_CODE = ("no_aircraft_available", "missed_out_of_range", "missed_lost_track", "identified_airborne",
                    "intercepted_late", "intercepted_late", "missed_lost_track", "missed_too_late", "intercepted_late")


def _outcome_of(code: int) -> str:
    """Outcome name of one engagement's kernel code (its leg decided by the caller)."""
    if not 0 <= code < len(_OUTCOME_OF_CODE):
        raise KeyError(code)
    return _OUTCOME_OF_CODE[code]


def score_flights(day: int, option: Option, picture: str, eng, flight_of: np.ndarray,
                  truth: FlightTruth, frame=None) -> OutcomeTable:
    """Outcomes per drug flight (best leg by precedence) and one row per scramble on anything else.

    The kernel has already played contact and identification against the true aircraft over
    Peru; here each engagement gets its leg (inbound until the flight lands, loaded outbound from
    take-off; by the identification time, else the contact time, else the suspect call) and an
    outcome name; the flight's row is its best engagement (or a no-track / no-detection miss) and
    says whether it was identified on each leg.
    """
    table = OutcomeTable(columns_of(score_rows(day, option, picture, eng, flight_of, DayScores(truth))))
    if frame is not None:
        add_geodetic(table, frame)
    return table


# the columns of a row, as _row lays them out (a check on its hand-written order)
_ROW_LAYOUT = ("day", "flight", "option", "mode", "outcome", "leg", "t_first_plot_s", "t_track_s", "t_suspect_s",
               "t_scramble_s", "t_airborne_s", "t_contact_s", "t_id_s", "flight_hours", "cost_usd", "base",
               "interceptor", "false_scramble", "track", "intercept_lat", "intercept_lon", "intercept_x_m",
               "intercept_y_m", "searched", "contact_sensor", "contact_true_range_m", "id_sensor", "id_x_m", "id_y_m",
               "id_lat", "id_lon", "night", "endgame", "kind", "identified_inbound", "identified_outbound")
if _ROW_LAYOUT != OutcomeTable.HEADER:
    raise AssertionError("scenarios.engagement.table: _row's layout differs from OutcomeTable.HEADER")
#: the engagement fields of a drug flight's row without an engagement (the slots e[0..18] of _row)
_NO_ENGAGEMENT = (math.nan,) * 6 + ("", "", -1, math.nan, math.nan, 0, "none", math.nan, "none", math.nan, math.nan,
                                    None, "")


def _row(day, flight, option_id, picture, outcome, leg, t_first_plot, e, hours, cost, false_scramble, kind, ident_in,
         ident_out) -> tuple:
    """One outcome row in the order of OutcomeTable.HEADER (``e``: :func:`_engagement_fields` or _NO_ENGAGEMENT;
    the geodetic columns NaN: :func:`add_geodetic` fills them)."""
    nan = math.nan
    return (day, flight, option_id, picture, outcome, leg, t_first_plot, e[0], e[1], e[2], e[3], e[4], e[5], hours,
            cost, e[6], e[7], false_scramble, e[8], nan, nan, e[9], e[10], e[11], e[12], e[13], e[14], e[15], e[16],
            nan, nan, e[17], e[18], kind, ident_in, ident_out)


def columns_of(rows: list) -> dict:
    """Rows (tuples in the order of OutcomeTable.HEADER) -> the table's columns (lists)."""
    if not rows:
        return {h: [] for h in OutcomeTable.HEADER}
    return dict(zip(OutcomeTable.HEADER, map(list, zip(*rows))))


class DayScores:
    """What the scores read of the day's truth, once per day (plain Python values)."""

    def __init__(self, truth: FlightTruth):
        self.truth = truth
        self.is_drug = np.asarray(truth.is_drug, bool).tolist()
        self.kinds = truth.kinds().tolist()
        self.ids: dict[int, str] = {}
        self.drug = []  # (f, id, land, takeoff, t_first_plot, detected inbound, detected outbound)
        for f in np.flatnonzero(truth.is_drug).tolist():
            self.drug.append((f, self.id_of(f), float(truth.t_land[f]), float(truth.t_takeoff[f]),
                              float(truth.t_first_plot[f]), bool(truth.leg_detected[f, 0]),
                              bool(truth.leg_detected[f, 1])))

    def id_of(self, f: int) -> str:
        s = self.ids.get(f)
        if s is None:
            s = self.ids[f] = str(self.truth.id[f])
        return s


def _engagement_fields(eng, option: Option) -> list:
    """Per engagement, its columns of the outcome row (the slots e[0..18] of :func:`_row`: times, base and type,
    track, contact and identification), as plain Python values."""
    nan = math.nan
    det_base = [d.base.id for d in option.detachments]
    det_type = [d.type.id for d in option.detachments]
    out = []
    for (code, d, tf, ts, to, ta, tc, ti, trk, x, y, srch, cs, cr, ids, ix, iy, night, endg) in zip(
            eng.code.tolist(), eng.detachment.tolist(), eng.t_first.tolist(), eng.t_suspect.tolist(),
            eng.t_order.tolist(), eng.t_air.tolist(), eng.t_contact.tolist(), eng.t_id.tolist(), eng.track.tolist(),
            eng.x.tolist(), eng.y.tolist(), eng.searched.tolist(), eng.contact_sensor.tolist(),
            eng.contact_range.tolist(), eng.id_sensor.tolist(), eng.id_x.tolist(), eng.id_y.tolist(),
            eng.night.tolist(), eng.endgame.tolist()):
        identified = code == 3
        out.append((float(tf), float(ts), float(to), float(ta), float(tc), float(ti) if identified else nan,
                    det_base[d] if d >= 0 else "", det_type[d] if d >= 0 else "", int(trk), float(x), float(y),
                    int(srch), SENSOR_NAMES[cs], float(cr), SENSOR_NAMES[ids] if identified else "none",
                    float(ix) if identified else nan, float(iy) if identified else nan,
                    int(night) if d >= 0 else None, ENDGAME_NAMES[endg]))
    return out


def score_rows(day: int, option: Option, picture: str, eng, flight_of: np.ndarray, ds: DayScores) -> list:
    """The rows of :func:`score_flights` (tuples in the order of OutcomeTable.HEADER); ``eng``: the option's
    :class:`scenarios.engagement.engagement.Engagements` over the picture, ``ds``: the day's :class:`DayScores`."""
    nan = math.nan
    rows = []
    n = eng.track.size
    fields = _engagement_fields(eng, option) if n else []
    codes = eng.code.tolist()
    slots = eng.slot.tolist()
    hours = eng.hours.tolist()
    costs = eng.cost_usd.tolist()
    t_id, t_contact, t_suspect = eng.t_id.tolist(), eng.t_contact.tolist(), eng.t_suspect.tolist()
    per_flight: dict[int, list] = {}
    is_drug = ds.is_drug
    for j, f in enumerate(np.asarray(flight_of).tolist()[:n]):
        f = int(f)
        if f >= 0 and is_drug[f]:
            per_flight.setdefault(f, []).append(j)
        elif slots[j] >= 0:
            rows.append(_row(day, ds.id_of(f) if f >= 0 else "", option.id, picture, FALSE_SCRAMBLE, "", nan,
                             fields[j], float(hours[j]), float(costs[j]), 1,
                             KIND_NAMES[ds.kinds[f]] if f >= 0 else "", 0, 0))
    for f, fid, land, takeoff, t_first_plot, det_in, det_out in ds.drug:
        cands = []  # (rank, leg index, j, name, leg)
        ident_leg = [0, 0]
        js = per_flight.get(f, ())
        for j in js:
            c = codes[j]
            t_ref = t_id[j] if c == 3 else (t_contact[j] if math.isfinite(t_contact[j]) else t_suspect[j])
            leg = "outbound" if t_ref >= takeoff else "inbound"     # NaN-safe: no take-off -> inbound
            name = _outcome_of(c)
            if c == 3:
                ident_leg[0 if leg == "inbound" else 1] = 1
            cands.append((RANK[name], LEGS.index(leg), j, name, leg))
        for li, leg, detected in ((0, "inbound", det_in), (1, "outbound", det_out)):
            if (leg == "outbound" and not math.isfinite(takeoff)) or (leg == "inbound" and not math.isfinite(land)):
                continue
            name = "missed_no_track" if detected else "missed_no_detection"
            cands.append((RANK[name], LEGS.index(leg), -1, name, leg))
        cands.sort(key=lambda c: (c[0], c[1], c[2]))
        _, _, j, name, leg = cands[0]
        rows.append(_row(day, fid, option.id, picture, name, leg, t_first_plot,
                         fields[j] if j >= 0 else _NO_ENGAGEMENT, float(sum(hours[k] for k in js)),
                         float(sum(costs[k] for k in js)), 0, "drug", ident_leg[0], ident_leg[1]))
    return rows


_GEODETIC = (("intercept_x_m", "intercept_y_m", "intercept_lat", "intercept_lon"), ("id_x_m", "id_y_m", "id_lat", "id_lon"))


def add_geodetic(table: OutcomeTable, frame) -> None:
    """Fill the lat/lon columns of the interceptor positions (in place; one conversion for the whole table)."""
    cols = table.columns
    xs = np.concatenate([np.asarray(cols[a], float) for a, _, _, _ in _GEODETIC])
    ys = np.concatenate([np.asarray(cols[b], float) for _, b, _, _ in _GEODETIC])
    ok = np.isfinite(xs) & np.isfinite(ys)
    la = np.full(xs.size, math.nan)
    lo = np.full(xs.size, math.nan)
    if ok.any():
        lat, lon = plane_to_geodetic(frame, xs[ok], ys[ok])
        la[ok], lo[ok] = np.round(lat, 5), np.round(lon, 5)
    n = len(table)
    for k, (_, _, las, los) in enumerate(_GEODETIC):
        cols[las], cols[los] = la[k * n:(k + 1) * n].tolist(), lo[k * n:(k + 1) * n].tolist()
