"""Radar siting (``airbridge site``): where k new radars (or a budget's worth) cover the most drug-flight demand.

``candidates`` (grid, scenario and file sites; one column per site and radar type), ``cover`` (terrain-masked
geometry grids of every column, cached, and the points each covers), ``demand`` (low-level drug-flight
exposure or border crossings, less what an existing network already covers), ``solve`` (the maximal
covering MILP with HiGHS, greedy + swap, brute force), ``run`` (the whole study), ``outputs`` (``sites.csv``,
the map, the network TOML).
"""
