"""Numba kernels of the tracker (contiguous float64/int arrays, SI units, no objects)."""
