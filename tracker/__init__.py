"""Multi-target tracker: filters, association, track management, the three pictures, metrics.

Public entry points: :func:`tracker.tracker.track` (one tracker over a plot sequence),
:func:`tracker.pictures.build_picture` (military / non_integrated / integrated pictures),
:mod:`tracker.metrics` (GOSPA and friends).  Kernels live in :mod:`tracker._kernels`.
"""
