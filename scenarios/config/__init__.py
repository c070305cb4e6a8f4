"""Every TOML read of the project: files -> frozen, validated dataclasses (one-line errors).

``schema`` (the one TOML reader and the table helpers), ``scenario`` (frame, terrain, coverage,
radar types and sites, networks, fusion), ``threat``, ``traffic``, ``interceptors`` (aircraft,
bases, options, engagement constants), ``study`` (study files), ``inputs`` (a scenario checked
against its DEM: what ``airbridge scenario validate`` runs).
"""
