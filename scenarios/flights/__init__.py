"""Who flies: trajectories, drug-flight routing and generation, background traffic.

``trajectory`` (the waypoint tables every stage evaluates), ``threat`` (terrain-following routes
and one day's drug formations), ``traffic`` (background cooperative flights and the study window
around the drug flights), ``_kernels`` (their Numba loops).
"""
