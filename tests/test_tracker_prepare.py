"""The tracker's plot columns (tracker._kernels.prepare) are the NumPy expressions they replace, bit for bit.

Pure selection and copies (no arithmetic), so exact equality is the right test on any CPU."""
from __future__ import annotations

import numpy as np
import pytest

from radar.errors import InputError
from radar.plotlog import Plots


def _plots(n: int, seed: int) -> Plots:
    g = np.random.default_rng(seed)

    def holes(a, p):
        a = a.copy()
        a[g.random(a.shape) < p] = np.nan
        a[g.random(a.shape) < p / 4] = np.inf
        a[g.random(a.shape) < p / 4] = -np.inf
        return a

    return Plots.from_columns(
        n, time_s=np.round(g.uniform(0, 600, n), 1), sensor=g.integers(0, 4, n), dims=g.choice([2, 3], n),
        range_m=holes(g.uniform(1e3, 3e5, n), 0.3), azimuth_rad=holes(g.uniform(-4, 4, n), 0.2),
        elevation_rad=holes(g.uniform(0, 0.2, n), 0.5), x_m=holes(g.normal(0, 1e5, n), 0.2),
        y_m=holes(g.normal(0, 1e5, n), 0.2), z_m=holes(g.uniform(0, 5e3, n), 0.2),
        cov=holes(g.uniform(1, 1e4, (n, 6)), 0.1), mode_c_m=holes(g.uniform(0, 5e3, n), 0.5),
        squawk=g.integers(-1, 7777, n))


def _numpy_types(plots: Plots, polar: bool):
    """The measurement types and the first bad plot as the public layer computed them with NumPy."""
    mt = np.where(plots.dims >= 3, 0, 1).astype(np.int8)
    if polar and len(plots):
        mt[np.isfinite(plots.range_m) & ~np.isfinite(plots.elevation_rad)] = 2
    bad = (mt != 2) & ~(np.isfinite(plots.x_m) & np.isfinite(plots.y_m) & np.isfinite(plots.z_m)
                        & np.isfinite(plots.cov).all(axis=1))
    return mt, (int(np.flatnonzero(bad)[0]) if bad.any() else -1)


@pytest.mark.parametrize("polar", [True, False])
@pytest.mark.parametrize("n", [0, 1, 257])
def test_plot_types_and_gather_are_the_numpy_expressions(polar, n):
    from tracker._kernels import prepare

    p = _plots(n, seed=n + polar)
    mt, bad = prepare.plot_types(polar, p.dims, p.range_m, p.elevation_rad, p.x_m, p.y_m, p.z_m, p.cov)
    mt_np, bad_np = _numpy_types(p, polar)
    np.testing.assert_array_equal(mt, mt_np)
    assert mt.dtype == np.int8 and bad == bad_np
    proc = p.time_s + np.random.default_rng(1).uniform(0, 5, n)
    idx = np.random.default_rng(2).permutation(n)
    cols = prepare.gather(idx, p.time_s, proc, p.sensor, mt, p.x_m, p.y_m, p.z_m, p.cov, p.range_m, p.azimuth_rad,
                          p.mode_c_m, p.squawk)
    pos = np.stack((p.x_m, p.y_m, p.z_m), axis=1)
    want = (p.time_s[idx], proc[idx], p.sensor[idx].astype(np.int64), mt_np[idx],
            np.where(np.isfinite(pos), pos, 0.0)[idx], np.where(np.isfinite(p.cov), p.cov, 0.0)[idx],
            np.nan_to_num(p.range_m[idx]), np.nan_to_num(p.azimuth_rad[idx]), p.mode_c_m[idx],
            p.squawk[idx].astype(np.int64))
    for got, exp in zip(cols, want):
        assert got.dtype == exp.dtype and got.shape == exp.shape and got.flags.c_contiguous
        assert got.tobytes() == np.ascontiguousarray(exp).tobytes()  # NaN where NaN, same signs of zero


def test_used_sensors_is_unique():
    from tracker._kernels import prepare

    s = np.array([3, 0, 3, 7, 0], np.int64)
    np.testing.assert_array_equal(prepare.used_sensors(s, 9), np.unique(s))
    assert prepare.used_sensors(np.zeros(0, np.int64), 4).size == 0


def test_track_names_the_first_plot_without_a_cartesian_position():
    from tracker.tracker import track

    n = 6
    t = np.arange(n) * 10.0
    x = 100.0 * t
    x[[2, 4]] = np.nan
    pl = Plots.from_columns(n, time_s=t, sensor=np.zeros(n), x_m=x, y_m=np.zeros(n), z_m=np.full(n, 1e3),
                            cov=np.tile([1e4, 0, 0, 1e4, 0, 1e4], (n, 1)), dims=np.full(n, 3))
    with pytest.raises(InputError, match=r"^plot 2 \(sensor 0, t = 20\.0\): no Cartesian position/covariance"):
        track(pl)
