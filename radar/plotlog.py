"""Plots in memory (:class:`Plots`) and the plot-log CSV files (``docs/file-formats.md``).

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
a small Numba CSV number parser over the file's bytes (10^6 rows in about a
second); it reports the first bad field's line and column.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from radar._jit import kernel
from radar.errors import InputError, shown
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
        """The plots ``idx`` (indices, or a boolean mask), in that order."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        elif idx.size == 0:
            idx = idx.astype(np.intp)
        # np.take rather than a[idx]: the same rows, and 4x faster on the (n, 6) covariance (speed)
        return type(self)(**{f.name: np.take(getattr(self, f.name), idx, axis=0) for f in fields(self)})

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


def _read_table(path: Path):
    """Header names, the (rows, ncol) float table (NaN for empty fields) and each row's line number."""
    raw = path.read_bytes()
    buf = np.frombuffer(raw, dtype=np.uint8)
    # header: first non-blank line not starting with '#'
    pos = 0
    line = 1
    header = None
    while pos < len(raw):
        nl = raw.find(b"\n", pos)
        nl = len(raw) if nl < 0 else nl
        text = raw[pos:nl].strip()
        pos = nl + 1
        if text and not text.startswith(b"#"):
            try:
                header = [h.strip() for h in text.decode("utf-8").split(",")]
            except UnicodeDecodeError:
                raise InputError(f"{path}: line {line}: not a text CSV header") from None
            break
        line += 1
    if header is None:
        raise InputError(f"{path}: line 1: empty file; expected a header such as {','.join(CARTESIAN_REQUIRED)}")
    header_line = line
    nrows = _count_rows(buf[pos:]) if pos < len(raw) else 0
    if nrows == 0:
        raise InputError(f"{path}: line {header_line + 1}: no plots after the header; expected at least one row")
    data = np.empty((nrows, len(header)))
    line_nos = np.empty(nrows, dtype=np.int64)
    status, row, col, bad_line = _parse_csv(buf, min(pos, len(raw)), header_line + 1, len(header), data, line_nos, _POW10)
    if status == 1:
        fields_ = raw.split(b"\n")[bad_line - 1].split(b",")
        value = fields_[col].strip().decode("utf-8", "replace") if col < len(fields_) else ""
        raise InputError(f"{path}: line {bad_line}, column {header[col]}: {value!r} is not a number")
    if status == 2:
        nf = len(raw.split(b"\n")[bad_line - 1].split(b","))
        raise InputError(f"{path}: line {bad_line}: {nf} fields, expected {len(header)} (header: {','.join(header)})")
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
        raise InputError(f"{path}: line {line_nos[i]}, column {name}: value {shown(data[i, cols[name]])}: {what}")

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
        raise InputError(f"{path}: line {line_nos[i]}, column time_s: value {shown(t[i])} is more than {window_s:g} s before "
                         f"an earlier row's time {shown(run_max[i])}; expected plots in time order within the out-of-order window")
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
        # a 3D primary measures elevation; only its IFF replies (range, azimuth, Mode C, code) are 2D
        mm = (arr.kind[s] == 0) & (arr.iff[s] == 0) & ~np.isfinite(el)
        if mm.any():
            bad(mm, "elevation_deg", "empty, but the sensor is PSR_3D without IFF; expected an elevation in degrees")
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
def _write_table(path, names, columns, decimals) -> None:
    values = np.ascontiguousarray(np.stack([np.asarray(c, dtype=np.float64) for c in columns], axis=1)) if columns[0].size else np.zeros((0, len(names)))
    dec = np.asarray(decimals, dtype=np.int64)
    chunk = 100_000
    with atomic_write(path, "wb") as fh:
        fh.write((",".join(names) + "\n").encode())
        for s in range(0, values.shape[0], chunk):
            block = values[s:s + chunk]
            out = np.empty(block.shape[0] * (block.shape[1] * 26 + 1), dtype=np.uint8)
            used = _format_rows(block, dec, out, _POW10)
            if used < 0:
                r = s + (-1 - used)
                raise ValueError(f"plot row {r}: a value is too large to write in fixed point ({values[r].tolist()})")
            fh.write(out[:used].tobytes())


def write_cartesian_log(path, plots: Plots) -> None:
    """Write a Cartesian plot log (``docs/file-formats.md``): time %.6f s, metres %.3f, covariance %.6f m^2.

    ``sigma_m`` is sqrt(trace(cov) / 3) (informative; the full covariance overrides it).  Rows
    are written in the order given; empty fields for NaN.  Rounding is half-to-even of the
    value times 10^decimals (deterministic, identical on every machine).
    """
    c = plots.cov
    sigma = np.sqrt(np.maximum(c[:, 0] + c[:, 3] + c[:, 5], 0.0) / 3.0)
    names = list(CARTESIAN_REQUIRED) + list(COV_COLUMNS) + ["dims", "mode_c_m", "squawk", "truth", "scan"]
    cols = [plots.time_s, plots.sensor, plots.x_m, plots.y_m, plots.z_m, sigma] + [c[:, k] for k in range(6)]
    cols += [plots.dims, plots.mode_c_m, plots.squawk, plots.truth, plots.scan]
    _write_table(path, names, cols, [6, -1, 3, 3, 3, 3] + [6] * 6 + [-1, 3, -1, -1, -1])


def write_polar_log(path, plots: Plots) -> None:
    """Write a polar plot log (``docs/file-formats.md``): range %.3f m, azimuth/elevation %.6f degrees (elevation empty for 2D)."""
    names = list(POLAR_REQUIRED) + ["dims", "mode_c_m", "squawk", "truth", "scan"]
    cols = [plots.time_s, plots.sensor, plots.range_m, np.degrees(np.mod(plots.azimuth_rad, 2 * np.pi)),
            np.degrees(plots.elevation_rad), plots.dims, plots.mode_c_m, plots.squawk, plots.truth, plots.scan]
    _write_table(path, names, cols, [6, -1, 3, 6, 6, -1, 3, -1, -1, -1])


# ---------------------------------------------------------------------------------------------
# Fast CSV number parsing and fixed-point formatting (Numba).  NumPy's loadtxt takes ~7 s and
# Python formatting ~14 s per 10^6 plot rows on the project machine; these take well under 1 s.
# ---------------------------------------------------------------------------------------------

_POW10 = np.array([10.0 ** k for k in range(23)])


@kernel
def _parse_number(buf, a, b, pow10):
    """Parse buf[a:b] (whitespace-trimmed) as a float. Returns (value, ok); empty -> (nan, True)."""
    while a < b and (buf[a] == 32 or buf[a] == 9 or buf[a] == 13):
        a += 1
    while b > a and (buf[b - 1] == 32 or buf[b - 1] == 9 or buf[b - 1] == 13):
        b -= 1
    if a == b:
        return np.nan, True
    neg = False
    i = a
    if buf[i] == 45 or buf[i] == 43:
        neg = buf[i] == 45
        i += 1
    # nan / inf (any case): parsed, then rejected by validation with line and column
    if i < b and (buf[i] | 32) in (110, 105):
        word = 0
        n = b - i
        c0 = buf[i] | 32
        if n == 3 and c0 == 110 and (buf[i + 1] | 32) == 97 and (buf[i + 2] | 32) == 110:
            return np.nan, True
        if (n == 3 or n == 8) and c0 == 105 and (buf[i + 1] | 32) == 110 and (buf[i + 2] | 32) == 102:
            word = 1
        if word == 1:
            return (-np.inf if neg else np.inf), True
        return np.nan, False
    mant = 0
    ndig = 0
    exp10 = 0
    seen = False
    while i < b and 48 <= buf[i] <= 57:
        if ndig < 18:
            mant = mant * 10 + (buf[i] - 48)
            if mant > 0:
                ndig += 1
        else:
            exp10 += 1
        seen = True
        i += 1
    if i < b and buf[i] == 46:
        i += 1
        while i < b and 48 <= buf[i] <= 57:
            if ndig < 18:
                mant = mant * 10 + (buf[i] - 48)
                if mant > 0:
                    ndig += 1
                exp10 -= 1
            seen = True
            i += 1
    if not seen:
        return np.nan, False
    if i < b and (buf[i] == 101 or buf[i] == 69):
        i += 1
        eneg = False
        if i < b and (buf[i] == 45 or buf[i] == 43):
            eneg = buf[i] == 45
            i += 1
        e = 0
        eseen = False
        while i < b and 48 <= buf[i] <= 57:
            if e < 100000:
                e = e * 10 + (buf[i] - 48)
            eseen = True
            i += 1
        if not eseen:
            return np.nan, False
        exp10 += -e if eneg else e
    if i != b:
        return np.nan, False
    v = float(mant)
    # exact when mant < 2^53 and |exp10| <= 22 (one correctly rounded IEEE operation)
    if exp10 < 0:
        if exp10 >= -22:
            v = v / pow10[-exp10]
        else:
            v = v / 10.0 ** (-exp10)
    elif exp10 > 0:
        if exp10 <= 22:
            v = v * pow10[exp10]
        else:
            v = v * 10.0 ** exp10
    return (-v if neg else v), True


@kernel
def _count_rows(buf):
    n = 0
    nonblank = False
    for i in range(buf.shape[0]):
        c = buf[i]
        if c == 10:
            if nonblank:
                n += 1
            nonblank = False
        elif c != 13 and c != 32 and c != 9:
            nonblank = True
    if nonblank:
        n += 1
    return n


@kernel
def _parse_csv(buf, start, first_line, ncol, out, line_no, pow10):
    """Parse rows of ``ncol`` comma-separated numbers from buf[start:] into out (rows, ncol).

    Blank lines are skipped.  Returns (status, row, col, line): status 0 ok, 1 bad number at
    (row, col), 2 wrong field count on that row.
    """
    n = buf.shape[0]
    row = 0
    line = first_line
    i = start
    while i < n:
        # find end of line
        j = i
        while j < n and buf[j] != 10:
            j += 1
        # blank?
        blank = True
        for k in range(i, j):
            c = buf[k]
            if c != 13 and c != 32 and c != 9:
                blank = False
                break
        if not blank:
            col = 0
            a = i
            for k in range(i, j + 1):
                if k == j or buf[k] == 44:
                    if col >= ncol:
                        return 2, row, col, line
                    v, ok = _parse_number(buf, a, k, pow10)
                    if not ok:
                        return 1, row, col, line
                    out[row, col] = v
                    col += 1
                    a = k + 1
            if col != ncol:
                return 2, row, col, line
            line_no[row] = line
            row += 1
        line += 1
        i = j + 1
    return 0, row, 0, line


@kernel
def _format_rows(values, decimals, out, pow10):
    """Write rows of ``values`` (rows, ncol) as CSV into ``out`` (uint8); returns bytes used or -1-row on overflow.

    ``decimals[c]`` >= 0: fixed point with that many decimals (round half to even of v * 10^d);
    -1: integer.  Non-finite values give an empty field.
    """
    pos = 0
    nrow = values.shape[0]
    ncol = values.shape[1]
    digits = np.empty(24, dtype=np.uint8)
    for r in range(nrow):
        for c in range(ncol):
            if c > 0:
                out[pos] = 44
                pos += 1
            v = values[r, c]
            if not np.isfinite(v):
                continue
            d = decimals[c]
            if d < 0:
                d = 0
            x = abs(v) * pow10[d]
            if x >= 9.0e18:
                return -1 - r
            q = np.int64(np.rint(x))
            if q != 0 and v < 0:
                out[pos] = 45
                pos += 1
            nd = 0
            while q > 0 or nd <= d:
                digits[nd] = 48 + q % 10
                q //= 10
                nd += 1
            for k in range(nd - 1, -1, -1):
                out[pos] = digits[k]
                pos += 1
                if k == d and d > 0:
                    out[pos] = 46
                    pos += 1
        out[pos] = 10
        pos += 1
    return pos
