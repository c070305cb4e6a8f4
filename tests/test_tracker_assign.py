"""The Numba shortest-augmenting-path assignment against SciPy's linear_sum_assignment."""
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from tracker._kernels.assign import solve_lsap


@pytest.mark.parametrize("seed", range(5))
def test_lsap_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    for _ in range(400):
        nr = int(rng.integers(1, 15))
        nc = nr + int(rng.integers(0, 10))
        C = rng.uniform(0, 100, (nr, nc))
        if rng.random() < 0.3:
            C = np.round(C / 25.0)  # many ties
        if rng.random() < 0.3:
            C[rng.random((nr, nc)) < 0.5] = 1e9  # gated-out pairs, as the tracker builds them
            C[np.arange(nr), nr * 0 + np.arange(nr) + (nc - nr)] = 0.0  # dummy columns keep it feasible
        col = np.empty(nr, np.int64)
        assert solve_lsap(C, col) == 0
        assert len(set(col.tolist())) == nr  # a proper assignment
        r, c = linear_sum_assignment(C)
        assert C[np.arange(nr), col].sum() == pytest.approx(C[r, c].sum(), rel=1e-12, abs=1e-9)
