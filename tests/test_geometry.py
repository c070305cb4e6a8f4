"""The geometry grid: 4/3-Earth horizon, a hand-computed ridge shadow, monotonicity, slow oracle."""
import math

import numpy as np
import pytest

from radar.coverage import geometry_planar
from radar.frame import EARTH_RADIUS_M, REFRACTION_K

TWO_K_R = 2 * REFRACTION_K * EARTH_RADIUS_M


def _east_profile(grid, centre, cell):
    row = grid[centre, centre:]
    return np.arange(row.size) * cell, row


def test_flat_earth_horizon_within_one_percent():
    # flat 100 m grid, 10 m antenna, 150 m target -> 4.12 (sqrt 10 + sqrt 150) = 63.5 km
    cell = 100.0
    n = 1801
    c = (n - 1) // 2
    grid = geometry_planar(np.zeros((n, n)), cell, c * cell, c * cell, 10.0, 85e3)
    expected = math.sqrt(TWO_K_R * 10.0) + math.sqrt(TWO_K_R * 150.0)
    for row in (grid[c, c:], grid[c, c::-1], grid[c:, c], grid[c::-1, c]):
        d = np.arange(row.size) * cell
        horizon = d[np.argmax(row > 150.0)]
        assert horizon == pytest.approx(expected, rel=0.01)
    # diagonal too (rays are not aligned with the grid there)
    diag = np.array([grid[c + k, c + k] for k in range(n - c)])
    dd = np.arange(diag.size) * cell * math.sqrt(2)
    assert dd[np.argmax(diag > 150.0)] == pytest.approx(expected, rel=0.01)


def test_ridge_shadow_matches_hand_computation():
    # antenna 10 m at x=0 over flat ground; a 1 km-thick 500 m ridge at 30 km east.
    cell = 100.0
    n = 1201
    c = 600
    surface = np.zeros((n, n))
    ridge_x = 30e3
    surface[:, c + 300: c + 311] = 500.0
    grid = geometry_planar(surface, cell, c * cell, c * cell, 10.0, 60e3)
    # Hand computation: from a 10 m antenna the flat ridge top subtends its largest angle at
    # its near edge (30 km): S = (500 - d_r^2/2kR - 10) / d_r, h_min(d) = 10 + d S + d^2/2kR.
    d_r = ridge_x
    s_max = (500.0 - d_r ** 2 / TWO_K_R - 10.0) / d_r
    for d in (35e3, 40e3, 50e3):
        expected = 10.0 + d * s_max + d * d / TWO_K_R
        got = grid[c, c + int(round(d / cell))]
        # sampling at half a cell: the obstacle edge is known to +-50 m in distance
        tol = max(15.0, 0.03 * expected)
        assert got == pytest.approx(expected, abs=tol)
    # in front of the ridge the ground is visible down to the surface
    assert grid[c, c + 100] == 0.0
    # the near edge of the ridge top is visible at its own height; further along the top the
    # near edge hides the surface (30.5 km: 10 + d S + d^2/2kR = 509 m)
    assert grid[c, c + 300] == pytest.approx(500.0, abs=1e-9)
    d = 30.5e3
    assert grid[c, c + 305] == pytest.approx(10.0 + d * s_max + d * d / TWO_K_R, abs=2.0)


def _slow_min_visible(surface, cell, ci, cj, h_ant, i, j):
    """Obvious per-cell ray march (oracle): sample every 0.25 cell along the straight line."""
    d = math.hypot((i - ci) * cell, (j - cj) * cell)
    if d == 0:
        return surface[i, j]
    n = int(d / (0.25 * cell))
    s_max = -np.inf
    for k in range(1, n):
        t = k / n
        fi = ci + t * (i - ci)
        fj = cj + t * (j - cj)
        r0, c0 = int(fi), int(fj)
        wr, wc = fi - r0, fj - c0
        r1, c1 = min(r0 + 1, surface.shape[0] - 1), min(c0 + 1, surface.shape[1] - 1)
        z = ((1 - wr) * (1 - wc) * surface[r0, c0] + (1 - wr) * wc * surface[r0, c1]
             + wr * (1 - wc) * surface[r1, c0] + wr * wc * surface[r1, c1])
        dk = t * d
        if dk <= 0.5 * cell or dk >= d - 0.5 * cell:
            continue
        s_max = max(s_max, (z - dk * dk / TWO_K_R - h_ant) / dk)
    if s_max == -np.inf:
        return surface[i, j]
    return max(surface[i, j], h_ant + d * s_max + d * d / TWO_K_R)


def test_against_slow_ray_march_on_random_terrain():
    rng = np.random.default_rng(3)
    n, cell = 121, 500.0
    base = rng.normal(0, 1, (n // 10 + 2, n // 10 + 2))
    from scipy.ndimage import zoom

    surface = np.clip(zoom(base, 10, order=3)[:n, :n] * 300 + 400, 0, None)
    c = 60
    h_ant = surface[c, c] + 15.0
    grid = geometry_planar(surface, cell, c * cell, c * cell, h_ant, 29e3)
    idx = rng.integers(5, n - 5, size=(300, 2))
    diffs = []
    for i, j in idx:
        if math.hypot(i - c, j - c) * cell > 28e3 or (i == c and j == c):
            continue
        diffs.append(grid[i, j] - _slow_min_visible(surface, cell, c, c, h_ant, i, j))
    diffs = np.abs(np.array(diffs))
    # interpolation between rays and samples: most cells agree within 25 m, all within 150 m
    assert np.mean(diffs < 25.0) > 0.9
    assert diffs.max() < 150.0


@pytest.mark.parametrize("seed", [0, 1])
def test_monotone_in_antenna_height_and_target_altitude(seed):
    rng = np.random.default_rng(seed)
    n, cell = 161, 1000.0
    surface = np.clip(rng.normal(300, 400, (n, n)), 0, None)
    c = 80
    low = geometry_planar(surface, cell, c * cell, c * cell, 320.0, 75e3)
    high = geometry_planar(surface, cell, c * cell, c * cell, 360.0, 75e3)
    ok = np.isfinite(low) & np.isfinite(high)
    # a higher antenna never needs a higher target
    assert np.all(high[ok] <= low[ok] + 1e-9)
    # a target that is visible stays visible when it climbs (grid is a threshold)
    for h in (500.0, 1000.0):
        vis_low = ok & (h >= low)
        assert np.all((h + 100.0) >= low[vis_low])
    # never below the ground
    assert np.all(low[ok] >= surface[ok] - 1e-9)
