"""Plots in memory (:class:`Plots`) and the plot-log CSV files (DESIGN §8).

Two log flavours share one reader:

* **Cartesian** -- required ``time_s,sensor,x_m,y_m,z_m,sigma_m`` (scenario ENU metres,
  isotropic sigma); optional ``cov_xx,cov_xy,cov_xz,cov_yy,cov_yz,cov_zz`` (all six, m^2,
  overriding sigma), ``dims`` (3: x, y, z measured; 2: x, y only, z ignored; 1: treated as
  2), ``mode_c_m``, ``squawk`` (-1 none), ``truth`` (-1 false plot), ``scan``.
* **Polar** -- required ``time_s,sensor,range_m,azimuth_deg,elevation_deg`` (elevation
  empty for 2D plots) plus the same optional columns.  With a ``sensors.toml`` the
  plots are converted to scenario ENU with their covariance
  (:func:`radar.measurement.convert_polar`); without one x/y/z/cov are NaN.

Empty fields mean "none" (NaN, or -1 for integer columns).  Bad input raises
:class:`radar.errors.InputError` naming the file, line and column.  Parsing uses
NumPy's C ``loadtxt`` on the whole file; only when that fails does a slow
line-by-line pass run, to find and name the offending field.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from radar.errors import InputError
from radar.fileio import atomic_write

CARTESIAN_REQUIRED = ("time_s", "sensor", "x_m", "y_m", "z_m", "sigma_m")
POLAR_REQUIRED = ("time_s", "sensor", "range_m", "azimuth_deg", "elevation_deg")
COV_COLUMNS = ("cov_xx", "cov_xy", "cov_xz", "cov_yy", "cov_yz", "cov_zz")
OPTIONAL = COV_COLUMNS + ("dims", "mode_c_m", "squawk", "truth", "scan")
#: columns that may be empty (NaN) in a row
_MAY_BE_EMPTY = {"elevation_deg", "mode_c_m", "squawk", "truth", "dims", "scan", "sigma_m"} | set(COV_COLUMNS)


@dataclass(frozen=True)
class Plots:
    """N plots as a struct of NumPy arrays (SI units; scenario ENU for x/y/z).

    ``cov`` holds the ENU position covariance as (xx, xy, xz, yy, yz, zz) in m^2.
    ``azimuth_rad`` is from true north, clockwise, in the radar's local ENU.
    ``elevation_rad`` is NaN when not measured (2D primary, SSR).  ``dims``: 3 = range/az/elev
    (or x/y/z), 2 = range/az (or x/y).  ``mode_c_m``: NaN none; ``squawk``: -1 none;
    ``truth``: target index, -1 for a false plot or unknown; ``scan``: that sensor's scan counter.
    """

    time_s: np.ndarray
    sensor: np.ndarray
    range_m: np.ndarray
    azimuth_rad: np.ndarray
    elevation_rad: np.ndarray
    dims: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    z_m: np.ndarray
    cov: np.ndarray
    mode_c_m: np.ndarray
    squawk: np.ndarray
    truth: np.ndarray
    scan: np.ndarray

    _DTYPES = {"time_s": np.float64, "sensor": np.int32, "range_m": np.float64, "azimuth_rad": np.float64,
               "elevation_rad": np.float64, "dims": np.int8, "x_m": np.float64, "y_m": np.float64,
               "z_m": np.float64, "cov": np.float64, "mode_c_m": np.float64, "squawk": np.int32,
               "truth": np.int32, "scan": np.int64}

    def __post_init__(self):
        n = None
        for f in fields(self):
            dt = self._DTYPES[f.name]
            arr = np.ascontiguousarray(getattr(self, f.name), dtype=dt)
            if f.name == "cov":
                arr = arr.reshape(-1, 6)
            object.__setattr__(self, f.name, arr)
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ValueError(f"Plots.{f.name}: length {arr.shape[0]}, expected {n} (all arrays have one row per plot)")

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    @classmethod
    def empty(cls) -> "Plots":
        return cls.from_columns(0)

    @classmethod
    def from_columns(cls, n: int, **cols) -> "Plots":
        """Build N plots, filling missing columns with NaN / -1 (dims 3, scan 0)."""
        kw = {}
        for f in fields(cls):
            if f.name in cols:
                kw[f.name] = cols[f.name]
            elif f.name == "cov":
                kw[f.name] = np.full((n, 6), np.nan)
            elif f.name in ("squawk", "truth"):
                kw[f.name] = np.full(n, -1)
            elif f.name == "dims":
                kw[f.name] = np.full(n, 3)
            elif f.name in ("sensor", "scan"):
                kw[f.name] = np.zeros(n)
            else:
                kw[f.name] = np.full(n, np.nan)
        return cls(**kw)

    @classmethod
    def concat(cls, parts) -> "Plots":
        parts = list(parts)
        if not parts:
            return cls.empty()
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})

    def take(self, idx) -> "Plots":
        return type(self)(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def sorted_by_time(self) -> "Plots":
        """Stable sort by (time, sensor)."""
        return self.take(np.lexsort((self.sensor, self.time_s)))

    def cov_matrices(self) -> np.ndarray:
        """Covariances as (N, 3, 3)."""
        c = self.cov
        return np.stack((c[:, [0, 1, 2]], c[:, [1, 3, 4]], c[:, [2, 4, 5]]), axis=1)


# ---------------------------------------------------------------------------------------------
def _cov_from_sigma(sigma: np.ndarray) -> np.ndarray:
    s2 = sigma * sigma
    z = np.zeros_like(s2)
    return np.stack((s2, z, z, s2, z, s2), axis=-1)


def _nan_fill(text: str) -> str:
    # empty CSV fields -> "nan" so the C parser can read them
    text = re.sub(r"(?m)^,", "nan,", text)
    text = re.sub(r",(?=,)", ",nan", text)
    text = re.sub(r",(?=,)", ",nan", text)
    return re.sub(r"(?m),(\r?)$", r",nan\1", text)


def _slow_find(path, lines, header, first_line_no):
    """Line-by-line parse, to name the first bad field."""
    ncol = len(header)
    for k, line in enumerate(lines):
        ln = first_line_no + k
        if not line.strip():
            continue
        parts = line.rstrip("\r").split(",")
        if len(parts) != ncol:
            raise InputError(f"{path}: line {ln}: {len(parts)} fields, expected {ncol} (header: {','.join(header)})")
        for name, value in zip(header, parts):
            v = value.strip()
            if v == "":
                continue
            try:
                float(v)
            except ValueError:
                raise InputError(f"{path}: line {ln}, column {name}: {v!r} is not a number") from None
    raise InputError(f"{path}: could not parse the file as CSV numbers")


def _read_table(path: Path):
    try:
        text = path.read_text()
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text CSV file") from None
    lines = text.splitlines()
    # header: first non-comment line
    hdr_idx = next((i for i, l in enumerate(lines) if l.strip() and not l.lstrip().startswith("#")), None)
    if hdr_idx is None:
        raise InputError(f"{path}: line 1: empty file; expected a header such as {','.join(CARTESIAN_REQUIRED)}")
    header = [h.strip() for h in lines[hdr_idx].split(",")]
    body = [l for l in lines[hdr_idx + 1:]]
    # comment lines inside the body are not allowed; blank lines are skipped
    rows = [(i, l) for i, l in enumerate(body) if l.strip()]
    if not rows:
        raise InputError(f"{path}: line {hdr_idx + 2}: no plots after the header; expected at least one row")
    line_nos = np.array([hdr_idx + 2 + i for i, _ in rows], dtype=np.int64)
    data_text = "\n".join(l for _, l in rows)
    try:
        data = np.loadtxt(io.StringIO(_nan_fill(data_text)), delimiter=",", dtype=np.float64, ndmin=2, comments=None)
        if data.shape[1] != len(header):
            raise ValueError
    except ValueError:
        _slow_find(path, [l for _, l in rows], header, 0) if False else None
        ncol = len(header)
        for (i, l) in rows:
            ln = hdr_idx + 2 + i
            parts = l.rstrip("\r").split(",")
            if len(parts) != ncol:
                raise InputError(f"{path}: line {ln}: {len(parts)} fields, expected {ncol} (header: {','.join(header)})")
            for name, value in zip(header, parts):
                v = value.strip()
                if v == "":
                    continue
                try:
                    float(v)
                except ValueError:
                    raise InputError(f"{path}: line {ln}, column {name}: {v!r} is not a number") from None
        raise InputError(f"{path}: could not parse the file as CSV numbers") from None
    return header, data, line_nos


def read_plot_log(path, sensors=None, window_s: float | None = None) -> Plots:
    """Read a Cartesian or polar plot log (auto-detected from the header) and validate it.

    Parameters
    ----------
    path:
        The CSV file.
    sensors:
        Optional :class:`radar.sensorfile.SensorTable`: sensor ids are checked against it and
        polar plots are converted to scenario ENU with their covariance.
    window_s:
        Out-of-order tolerance (s): a row whose time is earlier than the latest time seen so
        far minus this is an error.  Default: the sensors' max link latency + 1 s (1 s without
        sensors), as the tracker's window.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file; expected a plot log CSV")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; expected a plot log CSV")
    header, data, line_nos = _read_table(path)
    cols = {h: i for i, h in enumerate(header)}
    if len(cols) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError(f"{path}: line 1, column {dup}: duplicated column name")
    polar = "range_m" in cols or "azimuth_deg" in cols
    required = POLAR_REQUIRED if polar else CARTESIAN_REQUIRED
    for name in required:
        if name not in cols:
            kind = "polar" if polar else "Cartesian"
            raise InputError(f"{path}: line 1: column {name!r} missing; a {kind} plot log needs {','.join(required)}")
    cov_present = [c for c in COV_COLUMNS if c in cols]
    if cov_present and len(cov_present) != 6:
        missing = next(c for c in COV_COLUMNS if c not in cols)
        raise InputError(f"{path}: line 1: column {missing!r} missing; covariance needs all of {','.join(COV_COLUMNS)}")
    n = data.shape[0]

    def col(name):
        return data[:, cols[name]] if name in cols else None

    def bad(mask, name, what):
        i = int(np.flatnonzero(mask)[0])
        raise InputError(f"{path}: line {line_nos[i]}, column {name}: value {data[i, cols[name]]!r}: {what}")

    for name in header:
        if name not in required and name not in OPTIONAL:
            continue
        v = col(name)
        if name in _MAY_BE_EMPTY:
            m = np.isinf(v)
        else:
            m = ~np.isfinite(v)
        if m.any():
            bad(m, name, "expected a finite number" + ("" if name not in _MAY_BE_EMPTY else " or an empty field"))
    t = col("time_s")
    sensor_f = col("sensor")
    m = (sensor_f != np.round(sensor_f)) | (sensor_f < 0)
    if m.any():
        bad(m, "sensor", "expected a sensor index (integer >= 0)")
    sensor = sensor_f.astype(np.int64)
    if sensors is not None:
        m = sensor >= len(sensors)
        if m.any():
            bad(m, "sensor", f"unknown sensor id; the sensors file defines 0..{len(sensors) - 1}")
    if window_s is None:
        window_s = (sensors.max_latency_s if sensors is not None else 0.0) + 1.0
    run_max = np.maximum.accumulate(t)
    m = t < run_max - window_s
    if m.any():
        i = int(np.flatnonzero(m)[0])
        raise InputError(f"{path}: line {line_nos[i]}, column time_s: value {t[i]!r} is more than {window_s:g} s before "
                         f"an earlier row's time {run_max[i]!r}; expected plots in time order within the out-of-order window")
    for name, default in (("squawk", -1), ("truth", -1), ("scan", 0), ("dims", 0)):
        v = col(name)
        if v is not None:
            fin = np.isfinite(v)
            mm = fin & (v != np.round(v))
            if mm.any():
                bad(mm, name, "expected an integer")
    dims_col = col("dims")
    if dims_col is not None:
        mm = np.isfinite(dims_col) & ~np.isin(dims_col, (1, 2, 3))
        if mm.any():
            bad(mm, "dims", "expected 3, 2 or 1")

    def intcol(name, default):
        v = col(name)
        if v is None:
            return np.full(n, default, dtype=np.int64)
        return np.where(np.isfinite(v), v, default).astype(np.int64)

    mode_c = col("mode_c_m") if "mode_c_m" in cols else np.full(n, np.nan)
    squawk = intcol("squawk", -1)
    truth = intcol("truth", -1)
    scan = intcol("scan", 0)

    if cov_present:
        cov = np.stack([col(c) for c in COV_COLUMNS], axis=-1)
        rows_nan = ~np.isfinite(cov).all(axis=1)
        if rows_nan.any() and not polar:
            # rows without a covariance fall back to sigma_m
            sig = col("sigma_m")
            mm = rows_nan & ~np.isfinite(sig)
            if mm.any():
                bad(mm, "sigma_m", "expected sigma_m when the covariance columns are empty")
            cov[rows_nan] = _cov_from_sigma(sig[rows_nan])
        _check_psd(path, cov, line_nos, polar)
    else:
        cov = None

    if not polar:
        sig = col("sigma_m")
        if cov is None:
            mm = ~np.isfinite(sig)
            if mm.any():
                bad(mm, "sigma_m", "expected a finite standard deviation >= 0 (m)")
        mm = np.isfinite(sig) & (sig < 0)
        if mm.any():
            bad(mm, "sigma_m", "negative standard deviation; expected >= 0 (m)")
        if cov is None:
            cov = _cov_from_sigma(sig)
        dims = intcol("dims", 3)
        dims[dims < 3] = 2
        return Plots.from_columns(
            n, time_s=t, sensor=sensor, dims=dims, x_m=col("x_m"), y_m=col("y_m"), z_m=col("z_m"), cov=cov,
            mode_c_m=mode_c, squawk=squawk, truth=truth, scan=scan)

    r = col("range_m")
    mm = r <= 0
    if mm.any():
        bad(mm, "range_m", "expected a slant range > 0 (m)")
    az = np.radians(np.mod(col("azimuth_deg"), 360.0))
    el_deg = col("elevation_deg")
    mm = np.isfinite(el_deg) & (np.abs(el_deg) > 90)
    if mm.any():
        bad(mm, "elevation_deg", "expected an elevation in [-90, 90] degrees or an empty field (2D)")
    el = np.radians(el_deg)
    dims = np.where(np.isfinite(el), 3, 2)
    if dims_col is not None:
        given = np.where(np.isfinite(dims_col), dims_col, dims)
        mm = (given == 3) & ~np.isfinite(el)
        if mm.any():
            bad(mm, "elevation_deg", "dims = 3 but elevation is empty; expected an elevation in degrees")
    x = y = z = np.full(n, np.nan)
    cov_out = np.full((n, 6), np.nan)
    if sensors is not None and n:
        from radar.measurement import convert_polar

        arr = sensors.to_arrays()
        s = sensor
        mm = (arr.kind[s] == 0) & ~np.isfinite(el)
        if mm.any():
            bad(mm, "elevation_deg", "empty, but the sensor is PSR_3D; expected an elevation in degrees")
        enu, cov_out = convert_polar(r, az, el, arr.sigma[s, 0], arr.sigma[s, 1], arr.sigma[s, 2],
                                     arr.lat_rad[s], arr.lon_rad[s], arr.antenna_msl_m[s], mode_c, sensors.frame)
        x, y, z = enu[:, 0], enu[:, 1], enu[:, 2]
    return Plots.from_columns(
        n, time_s=t, sensor=sensor, range_m=r, azimuth_rad=az, elevation_rad=el, dims=dims,
        x_m=x, y_m=y, z_m=z, cov=cov_out, mode_c_m=mode_c, squawk=squawk, truth=truth, scan=scan)


def _check_psd(path, cov, line_nos, polar):
    C = np.stack((cov[:, [0, 1, 2]], cov[:, [1, 3, 4]], cov[:, [2, 4, 5]]), axis=1)
    fin = np.isfinite(C).all(axis=(1, 2))
    if not fin.any():
        return
    ev = np.full((cov.shape[0], 3), 0.0)
    ev[fin] = np.linalg.eigvalsh(C[fin])
    scale = np.abs(C).max(axis=(1, 2), initial=0.0, where=np.isfinite(C))
    bad = fin & (ev[:, 0] < -1e-9 * np.maximum(scale, 1e-300))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{path}: line {line_nos[i]}, column cov_xx: covariance ({', '.join(f'{v:g}' for v in cov[i])}) "
                         f"is not positive semi-definite (smallest eigenvalue {ev[i, 0]:.6g} m^2); expected a valid covariance")


# ---------------------------------------------------------------------------------------------
def _fmt_float(values: np.ndarray, fmt: str) -> list[str]:
    return ["" if not math.isfinite(v) else fmt % v for v in values.tolist()]


def _fmt_int(values: np.ndarray, none: int | None = None) -> list[str]:
    return [str(v) for v in values.tolist()]


def _write_columns(path, names, columns):
    with atomic_write(path) as fh:
        fh.write(",".join(names) + "\n")
        n = len(columns[0]) if columns else 0
        chunk = 200_000
        for s in range(0, n, chunk):
            rows = zip(*(c[s:s + chunk] for c in columns))
            fh.write("\n".join(",".join(r) for r in rows))
            fh.write("\n")


def write_cartesian_log(path, plots: Plots) -> None:
    """Write a Cartesian plot log (DESIGN §8): metres %.3f, covariance %.6f m^2, time %.6f s.

    ``sigma_m`` is sqrt(trace(cov) / 3) (informative; the full covariance overrides it).
    Rows are written in the order given.
    """
    c = plots.cov
    sigma = np.sqrt(np.maximum(c[:, 0] + c[:, 3] + c[:, 5], 0.0) / 3.0)
    names = list(CARTESIAN_REQUIRED) + list(COV_COLUMNS) + ["dims", "mode_c_m", "squawk", "truth", "scan"]
    cols = [_fmt_float(plots.time_s, "%.6f"), _fmt_int(plots.sensor), _fmt_float(plots.x_m, "%.3f"),
            _fmt_float(plots.y_m, "%.3f"), _fmt_float(plots.z_m, "%.3f"), _fmt_float(sigma, "%.3f")]
    cols += [_fmt_float(c[:, k], "%.6f") for k in range(6)]
    cols += [_fmt_int(plots.dims), _fmt_float(plots.mode_c_m, "%.3f"), _fmt_int(plots.squawk), _fmt_int(plots.truth),
             _fmt_int(plots.scan)]
    _write_columns(path, names, cols)


def write_polar_log(path, plots: Plots) -> None:
    """Write a polar plot log (DESIGN §8): range %.3f m, azimuth/elevation %.6f degrees (elevation empty for 2D)."""
    names = list(POLAR_REQUIRED) + ["dims", "mode_c_m", "squawk", "truth", "scan"]
    cols = [_fmt_float(plots.time_s, "%.6f"), _fmt_int(plots.sensor), _fmt_float(plots.range_m, "%.3f"),
            _fmt_float(np.degrees(np.mod(plots.azimuth_rad, 2 * np.pi)), "%.6f"),
            _fmt_float(np.degrees(plots.elevation_rad), "%.6f"), _fmt_int(plots.dims),
            _fmt_float(plots.mode_c_m, "%.3f"), _fmt_int(plots.squawk), _fmt_int(plots.truth), _fmt_int(plots.scan)]
    _write_columns(path, names, cols)
