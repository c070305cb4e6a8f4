"""``sensors.toml``: the radars that produced a plot log, their frame and the fusion parameters.

A plot log's ``sensor`` column is an integer index into this table.  The file is
written by ``airbridge simulate`` (and by tests/benches) and read by
``airbridge track``.  Degrees appear only in the file; inside, everything is SI
(m, s, rad).

File layout (``docs/file-formats.md``)::

    [frame]
    origin_lat = -9.2
    origin_lon = -75.0
    origin_h_m = 0.0
    epoch_utc = "2026-01-01T05:00:00Z"

    [fusion.integrated]
    latency_s = 4.0                 # digital civil -> military latency
    delay_s = 5.0                   # fixed processing delay of the integrated tracker

    [fusion.non_integrated]
    report_probability = 0.5
    latency_median_s = 300.0
    latency_min_s = 120.0
    latency_max_s = 900.0
    latency_log_sigma = 0.5
    update_interval_s = 300.0
    position_sigma_m = 3000.0
    separation_m = 10000.0
    cued_sigma_v_mps = 80.0

    [[sensor]]
    index = 0
    site_id = "puerto_maldonado"
    type = "AN_TPS_70"
    owner = "military"              # military | civil
    kind = "PSR_3D"                 # PSR_3D | PSR_2D | SSR
    lat = -12.6136
    lon = -69.2286
    antenna_msl_m = 221.0
    scan_period_s = 10.0
    sigma_range_m = 150.0
    sigma_azimuth_deg = 0.2
    sigma_elevation_deg = 0.093     # omit for 2D / SSR
    latency_s = 0.0
    range_max_km = 444.0
    iff = true                      # TPS-70 IFF interrogator

Defaults of ``[fusion.*]`` come from ``peru_defaults.toml`` ``[radar.fusion.*]``
(4 s digital latency; cross-tell probability 0.5, median 300 s clipped to
120-900 s, 3 km position sigma) and the picture model of :mod:`tracker.pictures` (every 300 s, 10 km separation,
cued sigma_v 80 m/s).  ``latency_log_sigma`` (0.5, so that 120-900 s is about
+-2 sigma) and ``delay_s`` are placeholders.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from radar.errors import InputError
from radar.fileio import atomic_write
from radar.frame import Frame

OWNERS = ("military", "civil")
KINDS = ("PSR_3D", "PSR_2D", "SSR")
#: integer codes of ``kind`` used inside kernels
KIND_CODE = {"PSR_3D": 0, "PSR_2D": 1, "SSR": 2}
OWNER_CODE = {"military": 0, "civil": 1}


@dataclass(frozen=True)
class Sensor:
    """One radar (one row of ``[[sensor]]``); SI units."""

    index: int
    """Index used by the plot log's ``sensor`` column (0..n-1, unique)."""
    site_id: str
    """Site identifier (as in the scenario), e.g. ``puerto_maldonado``."""
    type: str
    """Radar type id, e.g. ``AN_TPS_70``."""
    owner: str
    """``military`` or ``civil``."""
    kind: str
    """``PSR_3D`` (range, azimuth, elevation), ``PSR_2D`` (range, azimuth) or ``SSR`` (range, azimuth + Mode C)."""
    lat_deg: float
    """Site latitude, WGS84 degrees."""
    lon_deg: float
    """Site longitude, WGS84 degrees."""
    antenna_msl_m: float
    """Antenna height (m above MSL, treated as ellipsoidal height)."""
    scan_period_s: float
    """Antenna rotation period (s)."""
    sigma_range_m: float
    """Range noise standard deviation (m)."""
    sigma_azimuth_rad: float
    """Azimuth noise standard deviation (rad)."""
    sigma_elevation_rad: float = math.nan
    """Elevation noise standard deviation (rad); NaN when elevation is not measured."""
    latency_s: float = 0.0
    """Link latency from the radar to its tracker (s)."""
    range_max_m: float = 463_000.0
    """Instrumented range (m)."""
    iff: bool = False
    """True when the radar has an IFF interrogator (TPS-70): its plots may carry Mode 3/A codes."""

    def __post_init__(self):
        where = f"sensor[{self.index}] ({self.site_id})"
        if self.owner not in OWNERS:
            raise InputError(f"{where}: owner = {self.owner!r}: expected one of {', '.join(OWNERS)}")
        if self.kind not in KINDS:
            raise InputError(f"{where}: kind = {self.kind!r}: expected one of {', '.join(KINDS)}")
        if not (-90.0 <= self.lat_deg <= 90.0) or not (-180.0 <= self.lon_deg <= 180.0):
            raise InputError(f"{where}: lat, lon = {self.lat_deg}, {self.lon_deg}: expected WGS84 degrees")
        for name in ("scan_period_s", "sigma_range_m", "sigma_azimuth_rad", "range_max_m"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"{where}: {name} = {v}: expected a finite value > 0")
        if not (math.isfinite(self.latency_s) and self.latency_s >= 0):
            raise InputError(f"{where}: latency_s = {self.latency_s}: expected a finite value >= 0 (s)")
        if self.kind == "PSR_3D" and not (math.isfinite(self.sigma_elevation_rad) and self.sigma_elevation_rad > 0):
            raise InputError(f"{where}: sigma_elevation = {self.sigma_elevation_rad}: a PSR_3D sensor needs a finite elevation sigma > 0")

    @property
    def is_military(self) -> bool:
        return self.owner == "military"


@dataclass(frozen=True)
class FusionParams:
    """How civil data reaches the military picture (:mod:`tracker.pictures`)."""

    integrated_latency_s: float = 4.0
    """Digital civil -> military latency in the integrated picture (s) [peru_defaults radar.fusion.integrated]."""
    integrated_delay_s: float = 5.0
    """Fixed processing delay of the integrated tracker: plots are processed in measurement-time order
    once they are this old (s); must be >= the largest link latency for no plot to arrive late (placeholder)."""
    report_probability: float = 0.5
    """Probability that an eligible civil track is cross-told at a cross-tell opportunity [radar.fusion.non_integrated]."""
    latency_median_s: float = 300.0
    """Median manual cross-tell delay (s), lognormal [radar.fusion.non_integrated]."""
    latency_min_s: float = 120.0
    """Lower clip of the cross-tell delay (s)."""
    latency_max_s: float = 900.0
    """Upper clip of the cross-tell delay (s)."""
    latency_log_sigma: float = 0.5
    """Standard deviation of ln(delay) (placeholder: 120-900 s is about +-2 sigma around 300 s)."""
    update_interval_s: float = 300.0
    """A civil track is considered for cross-tell every this many seconds."""
    position_sigma_m: float = 3000.0
    """Position standard deviation of a cross-told report (m) [radar.fusion.non_integrated]."""
    separation_m: float = 10000.0
    """A civil track closer than this to any military track is not cross-told (m)."""
    cued_sigma_v_mps: float = 80.0
    """Velocity standard deviation of a cued track (m/s)."""

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError(f"fusion.{f.name} = {v!r}: expected a finite number >= 0")
        if self.report_probability > 1:
            raise InputError(f"fusion.non_integrated.report_probability = {self.report_probability}: expected a probability in [0, 1]")
        if not (self.latency_min_s <= self.latency_median_s <= self.latency_max_s):
            raise InputError(
                f"fusion.non_integrated latency_min_s/latency_median_s/latency_max_s = {self.latency_min_s}/"
                f"{self.latency_median_s}/{self.latency_max_s}: expected min <= median <= max (s)")
        if self.update_interval_s <= 0:
            raise InputError(f"fusion.non_integrated.update_interval_s = {self.update_interval_s}: expected > 0 (s)")


# file key -> (FusionParams attribute, table)
_FUSION_KEYS = {
    "integrated": {"latency_s": "integrated_latency_s", "delay_s": "integrated_delay_s"},
    "non_integrated": {
        "report_probability": "report_probability",
        "latency_median_s": "latency_median_s",
        "latency_min_s": "latency_min_s",
        "latency_max_s": "latency_max_s",
        "latency_log_sigma": "latency_log_sigma",
        "update_interval_s": "update_interval_s",
        "position_sigma_m": "position_sigma_m",
        "separation_m": "separation_m",
        "cued_sigma_v_mps": "cued_sigma_v_mps",
    },
}


@dataclass(frozen=True)
class SensorArrays:
    """The sensor table as contiguous arrays for kernels (index = sensor index)."""

    kind: np.ndarray  # i4: 0 PSR_3D, 1 PSR_2D, 2 SSR
    owner: np.ndarray  # i4: 0 military, 1 civil
    lat_rad: np.ndarray  # f8
    lon_rad: np.ndarray  # f8
    antenna_msl_m: np.ndarray  # f8
    position_enu: np.ndarray  # (n, 3) f8: antenna in the scenario ENU frame
    rotation: np.ndarray  # (n, 3, 3) f8: radar local ENU -> scenario ENU (columns: local e, n, u)
    scan_period_s: np.ndarray  # f8
    sigma: np.ndarray  # (n, 3) f8: range m, azimuth rad, elevation rad (NaN none)
    latency_s: np.ndarray  # f8
    range_max_m: np.ndarray  # f8
    iff: np.ndarray  # i1


@dataclass(frozen=True)
class SensorTable:
    """Frame + sensors + fusion parameters (the content of ``sensors.toml``)."""

    frame: Frame = field(default_factory=Frame)
    sensors: tuple[Sensor, ...] = ()
    fusion: FusionParams = field(default_factory=FusionParams)

    def __post_init__(self):
        for i, s in enumerate(self.sensors):
            if s.index != i:
                raise InputError(f"sensors: sensor #{i} has index = {s.index}: expected indices 0..{len(self.sensors) - 1} in order")

    def __len__(self) -> int:
        return len(self.sensors)

    @property
    def max_latency_s(self) -> float:
        return max((s.latency_s for s in self.sensors), default=0.0)

    def to_arrays(self) -> SensorArrays:
        """The table as kernel arrays; built once per table (speed: a study asks for them several times a
        day).  Shared by every caller: treat them as read-only (they are not flagged so, which would give
        the kernels a second, read-only specialisation to compile)."""
        cached = self.__dict__.get("_arrays")
        if cached is None:
            cached = self._build_arrays()
            self.__dict__["_arrays"] = cached  # frozen dataclass: a cache, not a field
        return cached

    def _build_arrays(self) -> SensorArrays:
        n = len(self.sensors)
        lat = np.array([s.lat_deg for s in self.sensors], dtype=float)
        lon = np.array([s.lon_deg for s in self.sensors], dtype=float)
        h = np.array([s.antenna_msl_m for s in self.sensors], dtype=float)
        pos = self.frame.geodetic_to_enu(lat, lon, h).reshape(n, 3) if n else np.zeros((0, 3))
        rot = np.array([self.frame.local_to_frame_rotation(s.lat_deg, s.lon_deg) for s in self.sensors]).reshape(n, 3, 3)
        return SensorArrays(
            kind=np.array([KIND_CODE[s.kind] for s in self.sensors], dtype=np.int32),
            owner=np.array([OWNER_CODE[s.owner] for s in self.sensors], dtype=np.int32),
            lat_rad=np.radians(lat), lon_rad=np.radians(lon), antenna_msl_m=h,
            position_enu=np.ascontiguousarray(pos), rotation=np.ascontiguousarray(rot),
            scan_period_s=np.array([s.scan_period_s for s in self.sensors], dtype=float),
            sigma=np.array([[s.sigma_range_m, s.sigma_azimuth_rad, s.sigma_elevation_rad] for s in self.sensors], dtype=float).reshape(n, 3),
            latency_s=np.array([s.latency_s for s in self.sensors], dtype=float),
            range_max_m=np.array([s.range_max_m for s in self.sensors], dtype=float),
            iff=np.array([s.iff for s in self.sensors], dtype=np.int8),
        )


# ---------------------------------------------------------------------------------------------
def _num(path, key, table, name, default=None, *, required=False, lo=-math.inf, hi=math.inf):
    if name not in table:
        if required:
            raise InputError(f"{path}: {key}.{name}: missing; expected a number")
        return default
    v = table[name]
    ok = not isinstance(v, bool) and isinstance(v, (int, float))
    try:
        f = float(v) if ok else math.nan
    except OverflowError:
        f = math.nan
    if not math.isfinite(f):
        raise InputError(f"{path}: {key}.{name} = {v!r}: expected a finite number")
    if not lo <= f <= hi:
        raise InputError(f"{path}: {key}.{name} = {v!r}: expected a number in [{lo:g}, {hi:g}]")
    return f


def _str(path, key, table, name):
    if name not in table:
        raise InputError(f"{path}: {key}.{name}: missing; expected a string")
    v = table[name]
    if not isinstance(v, str):
        raise InputError(f"{path}: {key}.{name} = {v!r}: expected a string")
    return v


def _table(path, key, value) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"{path}: {key}: expected a table [{key}]")
    return value


def _known(path, key, table, allowed) -> None:
    from radar.tomlfile import unknown_key

    for name, value in table.items():
        if name not in allowed:
            raise unknown_key(str(path), f"{key}.{name}" if key else name, name, value, allowed)


#: upper bounds of the [fusion.*] numbers (all >= 0)
_FUSION_MAX = {"latency_s": 600.0, "delay_s": 3600.0, "report_probability": 1.0, "latency_median_s": 86400.0,
               "latency_min_s": 86400.0, "latency_max_s": 86400.0, "latency_log_sigma": 10.0,
               "update_interval_s": 86400.0, "position_sigma_m": 100_000.0, "separation_m": 1_000_000.0,
               "cued_sigma_v_mps": 1000.0}
_SENSOR_KEYS = ("index", "site_id", "type", "owner", "kind", "lat", "lon", "antenna_msl_m", "scan_period_s",
                "sigma_range_m", "sigma_azimuth_deg", "sigma_elevation_deg", "latency_s", "range_max_km", "range_max_m",
                "iff")


def _in_file(path, exc: InputError) -> InputError:
    """``exc`` with the file name in front (once: the key readers above already put it there)."""
    msg = str(exc)
    return exc if msg.startswith(f"{path}: ") else InputError(f"{path}: {msg}")


def read_sensors(path) -> SensorTable:
    """Read and validate ``sensors.toml``; errors name the file, key and value (once)."""
    from radar.tomlfile import read_toml

    path = Path(path)
    data = read_toml(path, what="a sensors.toml file ([frame], [fusion.*], [[sensor]]) as written by airbridge simulate")
    _known(path, "", data, ("frame", "fusion", "sensor", "epoch_utc"))
    fr = _table(path, "frame", data.get("frame", {}))
    _known(path, "frame", fr, ("origin_lat", "origin_lon", "origin_h_m", "epoch_utc"))
    epoch = fr.get("epoch_utc", data.get("epoch_utc", Frame.epoch_utc))
    if not isinstance(epoch, str):
        raise InputError(f"{path}: frame.epoch_utc = {epoch!r}: expected an ISO-8601 UTC time string")
    kw = dict(origin_lat_deg=_num(path, "frame", fr, "origin_lat", Frame.origin_lat_deg, lo=-90, hi=90),
              origin_lon_deg=_num(path, "frame", fr, "origin_lon", Frame.origin_lon_deg, lo=-180, hi=180),
              origin_h_m=_num(path, "frame", fr, "origin_h_m", Frame.origin_h_m, lo=-500, hi=9000))
    try:
        frame = Frame(**kw, epoch_utc=epoch)
    except InputError as exc:
        raise _in_file(path, exc) from None
    fusion_kw = {}
    fus = _table(path, "fusion", data.get("fusion", {}))
    _known(path, "fusion", fus, tuple(_FUSION_KEYS))
    for sub, keys in _FUSION_KEYS.items():
        tab = _table(path, f"fusion.{sub}", fus.get(sub, {}))
        _known(path, f"fusion.{sub}", tab, tuple(keys))
        for k, attr in keys.items():
            v = _num(path, f"fusion.{sub}", tab, k, lo=0.0, hi=_FUSION_MAX[k])
            if v is not None:
                fusion_kw[attr] = v
    try:
        fusion = FusionParams(**fusion_kw)
    except InputError as exc:
        raise _in_file(path, exc) from None
    raw = data.get("sensor", [])
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise InputError(f"{path}: sensor: expected an array of tables [[sensor]]")
    if not raw:
        raise InputError(f"{path}: no [[sensor]] entries: expected at least one sensor (the radars of the plot log)")
    sensors = []
    for i, t in enumerate(raw):
        key = f"sensor[{i}]"
        _known(path, key, t, _SENSOR_KEYS)
        idx = t.get("index", i)
        if isinstance(idx, bool) or not isinstance(idx, int) or idx != i:
            raise InputError(f"{path}: {key}.index = {idx!r}: expected {i} (sensors listed in index order from 0)")
        sig_el = _num(path, key, t, "sigma_elevation_deg", math.nan, lo=0.0, hi=90.0)
        rmax = _num(path, key, t, "range_max_km", lo=0.0, hi=20_000.0)
        rmax_m = rmax * 1000.0 if rmax is not None else _num(path, key, t, "range_max_m", 463_000.0, lo=0.0, hi=2e7)
        iff = t.get("iff", False)
        if not isinstance(iff, bool):
            raise InputError(f"{path}: {key}.iff = {iff!r}: expected true or false")
        kw = dict(index=i, site_id=_str(path, key, t, "site_id"), type=_str(path, key, t, "type"),
                  owner=_str(path, key, t, "owner"), kind=_str(path, key, t, "kind"),
                  lat_deg=_num(path, key, t, "lat", required=True), lon_deg=_num(path, key, t, "lon", required=True),
                  antenna_msl_m=_num(path, key, t, "antenna_msl_m", required=True, lo=-1000.0, hi=20_000.0),
                  scan_period_s=_num(path, key, t, "scan_period_s", required=True, lo=0.0, hi=3600.0),
                  sigma_range_m=_num(path, key, t, "sigma_range_m", required=True, lo=0.0, hi=100_000.0),
                  sigma_azimuth_rad=math.radians(_num(path, key, t, "sigma_azimuth_deg", required=True, lo=0.0,
                                                      hi=90.0)),
                  sigma_elevation_rad=math.radians(sig_el) if math.isfinite(sig_el) else math.nan,
                  latency_s=_num(path, key, t, "latency_s", 0.0, lo=0.0, hi=86400.0), range_max_m=rmax_m, iff=iff)
        try:
            sensors.append(Sensor(**kw))
        except InputError as exc:
            raise _in_file(path, exc) from None
    return SensorTable(frame=frame, sensors=tuple(sensors), fusion=fusion)


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(float(v))


def write_sensors(path, table: SensorTable) -> None:
    """Write ``sensors.toml`` (by hand, deterministic; degrees at the file edge)."""
    fr = table.frame
    f = table.fusion
    lines = ["# airbridge sensors.toml: radars of a plot log (index = plot log 'sensor' column)", "",
             "[frame]",
             f"origin_lat = {_fmt(fr.origin_lat_deg)}", f"origin_lon = {_fmt(fr.origin_lon_deg)}",
             f"origin_h_m = {_fmt(fr.origin_h_m)}", f"epoch_utc = {_fmt(fr.epoch_utc)}", ""]
    for sub, keys in _FUSION_KEYS.items():
        lines.append(f"[fusion.{sub}]")
        lines += [f"{k} = {_fmt(getattr(f, attr))}" for k, attr in keys.items()]
        lines.append("")
    for s in table.sensors:
        lines += ["[[sensor]]", f"index = {s.index}", f"site_id = {_fmt(s.site_id)}", f"type = {_fmt(s.type)}",
                  f"owner = {_fmt(s.owner)}", f"kind = {_fmt(s.kind)}", f"lat = {_fmt(s.lat_deg)}", f"lon = {_fmt(s.lon_deg)}",
                  f"antenna_msl_m = {_fmt(s.antenna_msl_m)}", f"scan_period_s = {_fmt(s.scan_period_s)}",
                  f"sigma_range_m = {_fmt(s.sigma_range_m)}", f"sigma_azimuth_deg = {_fmt(math.degrees(s.sigma_azimuth_rad))}"]
        if math.isfinite(s.sigma_elevation_rad):
            lines.append(f"sigma_elevation_deg = {_fmt(math.degrees(s.sigma_elevation_rad))}")
        lines += [f"latency_s = {_fmt(s.latency_s)}", f"range_max_km = {_fmt(s.range_max_m / 1000.0)}",
                  f"iff = {_fmt(bool(s.iff))}", ""]
    with atomic_write(path) as fh:
        fh.write("\n".join(lines))
