"""Tolerances for comparing two implementations of the same quantity.

A Numba kernel and its NumPy / SciPy / FilterPy / pyproj / plain-Python oracle do the same maths with
different code: NumPy picks the SIMD loops of its transcendental functions at run time from the CPU
(its AVX-512 ``exp``, ``log``, ``arccos``, ``arctan`` ... differ in the last digits from its AVX2 ones
and from libm, which Numba calls), CPython's ``math.hypot`` is not libm's, and the order of
operations differs.  Such pairs are compared to a tolerance in physical units, far below anything
that matters and far above rounding, never bit for bit.  Bit identity is asserted only where the
*same* code runs under different thread counts, worker counts, executors, chunkings or a resume.

Discrete results (counts, ids, codes, which plots exist) stay exact: they follow from comparisons of
values the two implementations agree on to ~1e-15 relative, so they could differ only for an input
within rounding of a threshold; each such comparison says so where it is made.
"""
from __future__ import annotations

import numpy as np

M = 1e-6     # metres: positions, heights, ranges, distances
RAD = 1e-9   # radians: angles, latitudes and longitudes (1e-9 rad is 6 mm on the Earth's surface)
S = 1e-6     # seconds: absolute times (a float64 time on day 400 of a study has an ulp of 7e-9 s)
REL = 1e-12  # dimensionless quantities, and relative tolerances


def assert_close(got, want, atol, rtol=0.0, what=""):
    """``got`` equals ``want`` to ``atol`` (in the quantity's unit) plus ``rtol`` relative, elementwise;
    NaN and +-inf must sit in the same places."""
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
