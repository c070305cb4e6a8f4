"""Numba kernels of the radar layer (contiguous float64 arrays, SI units)."""
