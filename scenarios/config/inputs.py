"""A scenario checked with its terrain: what ``airbridge scenario validate`` runs, and what every
``simulate`` and ``tradeoff`` runs before its first day."""
from __future__ import annotations

from radar.errors import InputError


def load_inputs(scenario, dem=None):
    """(scenario, DEM, threat config, traffic config): the scenario loaded (every section validated) when a name or
    file is given, the DEM loaded when a path or None is given, and both checked together -- every threat zone and
    every radar site of every network lie on the DEM.  ``scenario validate`` runs exactly this, so what it accepts
    is what :func:`prepare` (``simulate``, ``tradeoff``) accepts."""
    from radar.terrain import load_dem
    from scenarios.config.scenario import load_scenario
    from scenarios.config.threat import check_dem_covers, load_threat
    from scenarios.config.traffic import load_traffic

    if isinstance(scenario, str) or scenario is None:
        scenario = load_scenario(scenario)
    if dem is None or isinstance(dem, str):
        label = (f"--dem {dem}" if dem is not None else
                 f"{scenario.file}: terrain.dem" if scenario.terrain.dem is not None else scenario.file)
        dem = load_dem(dem if dem is not None else scenario.terrain.dem)
    else:
        label = "--dem"
    threat = load_threat(scenario)
    check_dem_covers(threat, dem, label)
    from scenarios.config import innocent

    innocent.check_dem_covers(innocent.load_innocent(scenario), dem, label)
    lat_min, lat_max, lon_min, lon_max = dem.bounds
    for net in scenario.networks.values():
        for r in net.radars:
            if not bool(dem.contains(r.lat_deg, r.lon_deg)):
                raise InputError(f"{label}: radar site {r.site_id} at ({r.lat_deg:g}, {r.lon_deg:g}) of network "
                                 f"{net.name} lies outside the DEM (lat {lat_min:.3f}..{lat_max:.3f}, lon "
                                 f"{lon_min:.3f}..{lon_max:.3f}): expected a DEM that covers every site")
    return scenario, dem, threat, load_traffic(scenario)
