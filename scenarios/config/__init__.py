"""Every TOML read of the project: files -> frozen, validated dataclasses (one-line errors).

``schema`` (the one TOML reader and the table helpers), ``scenario`` (frame, terrain, coverage,
radar types and sites, networks, fusion; loading a scenario runs every loader below), ``threat``,
``traffic``, ``interceptors`` (aircraft, bases, options, engagement constants), ``inputs`` (a
scenario checked against its DEM: what ``airbridge scenario validate`` runs), ``study`` (study
files of ``tradeoff --study``), ``tracker`` (tracker files of ``track --tracker``).
"""
