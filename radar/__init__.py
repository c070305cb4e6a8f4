"""airbridge radar layer: frame and geodesy, terrain, radar types, coverage geometry and plots.

Lowest layer of ``scenarios -> tracker -> radar``: it imports neither of the others.
"""
