"""The tracker's plot columns in processing order, from the public layer's plots (:func:`plot_types`, :func:`gather`).

The public layer (:func:`tracker.tracker.track`) orders the plots (arrival order, batches) with NumPy sorts; these
kernels do what a dozen NumPy passes did -- the measurement type of each plot, the check that every plot not
updated on (range, azimuth) has a finite Cartesian position and covariance, and the gather of every column into
processing order with the non-finite values the loop never reads set to 0 -- in two loops (speed: the passes and
their temporaries cost about half a millisecond per run: a study runs the tracker about twelve times a day).
Bit for bit the columns the NumPy expressions gave (``tests/test_tracker_prepare.py``).
"""
from __future__ import annotations

import math

import numpy as np

from radar._jit import kernel
from tracker._kernels.tables import MT_CARTESIAN_2D, MT_CARTESIAN_3D, MT_POLAR_2D

_BIG = np.finfo(np.float64).max


@kernel(inline="always")
def _finite_or_zero(v):
    return v if math.isfinite(v) else 0.0


@kernel(inline="always")
def _nan_to_num(v):
    """``numpy.nan_to_num``: NaN -> 0, +-inf -> the largest finite float of that sign."""
    if math.isnan(v):
        return 0.0
    if math.isinf(v):
        return _BIG if v > 0.0 else -_BIG
    return v


@kernel
def plot_types(polar, dims, range_m, elevation, x, y, z, cov):
    """(measurement type of each plot (int8), the first bad plot or -1).

    MT_CARTESIAN_3D if dims >= 3 else MT_CARTESIAN_2D; with ``polar`` (a sensors file), a plot with a finite range
    and no elevation is MT_POLAR_2D.  A plot that is not MT_POLAR_2D needs a finite x, y, z and covariance: the
    first one that has not is the bad plot."""
    n = dims.shape[0]
    mt = np.empty(n, np.int8)
    bad = -1
    for j in range(n):
        t = MT_CARTESIAN_3D if dims[j] >= 3 else MT_CARTESIAN_2D
        if polar and math.isfinite(range_m[j]) and not math.isfinite(elevation[j]):
            t = MT_POLAR_2D
        mt[j] = t
        if t != MT_POLAR_2D and bad < 0:
            ok = math.isfinite(x[j]) and math.isfinite(y[j]) and math.isfinite(z[j])
            for a in range(6):
                ok = ok and math.isfinite(cov[j, a])
            if not ok:
                bad = j
    return mt, bad


@kernel
def gather(idx, time_s, proc, sensor, mt, x, y, z, cov, range_m, azimuth, mode_c, squawk):
    """The plots' columns in the order ``idx``: time, proc, sensor (int64), mtype (int8), pos (n, 3), cov (n, 6),
    range, azimuth, mode_c, squawk (int64) -- the first ten fields of
    :class:`~tracker._kernels.tables.PlotColumns`.  Non-finite positions and covariances (polar plots'; the
    kernel does not read them) become 0, range and azimuth go through ``numpy.nan_to_num``, Mode C heights are
    copied as they are (NaN: none)."""
    n = idx.shape[0]
    o_time = np.empty(n)
    o_proc = np.empty(n)
    o_sensor = np.empty(n, np.int64)
    o_mt = np.empty(n, np.int8)
    o_pos = np.empty((n, 3))
    o_cov = np.empty((n, 6))
    o_range = np.empty(n)
    o_az = np.empty(n)
    o_modec = np.empty(n)
    o_squawk = np.empty(n, np.int64)
    for k in range(n):
        j = idx[k]
        o_time[k] = time_s[j]
        o_proc[k] = proc[j]
        o_sensor[k] = sensor[j]
        o_mt[k] = mt[j]
        o_pos[k, 0] = _finite_or_zero(x[j])
        o_pos[k, 1] = _finite_or_zero(y[j])
        o_pos[k, 2] = _finite_or_zero(z[j])
        for a in range(6):
            o_cov[k, a] = _finite_or_zero(cov[j, a])
        o_range[k] = _nan_to_num(range_m[j])
        o_az[k] = _nan_to_num(azimuth[j])
        o_modec[k] = mode_c[j]
        o_squawk[k] = squawk[j]
    return o_time, o_proc, o_sensor, o_mt, o_pos, o_cov, o_range, o_az, o_modec, o_squawk


@kernel
def used_sensors(sensor, ns):
    """Indices of the sensors (0..ns-1) that ``sensor`` names, increasing (``numpy.unique`` of the ids)."""
    seen = np.zeros(ns, np.bool_)
    for j in range(sensor.shape[0]):
        seen[sensor[j]] = True
    return np.flatnonzero(seen)
