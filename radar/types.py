"""Radar types and radar instances (one sensor at one site) as frozen, validated data in SI units.

The scenario loader (:mod:`scenarios.config.scenario`) builds these from TOML, converting
km, degrees and feet once.  Kernels get arrays via :func:`radars_to_arrays`.

Detection model, Swerling 1 in closed form::

    SNR_ref = ln(Pfa) / ln(Pd_ref) - 1            (Pd = Pfa ** (1 / (1 + SNR)))
    SNR(R, sigma) = SNR_ref * (sigma / sigma_ref) * (R_ref / R) ** 4

TPS-70 (Pfa 1e-6, Pd_ref 0.8 at 230 km on 1 m^2): SNR_ref = 60.9 (17.8 dB),
R(Pd 0.5) = 308 km, R(Pd 0.9) = 190 km.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

KINDS = ("PSR_3D", "PSR_2D", "SSR")
OWNERS = ("military", "civil")


@dataclass(frozen=True)
class RadarType:
    """One radar model.

    Attributes (SI units)
    ---------------------
    id: type id (``AN_TPS_70``).  kind: ``PSR_3D`` | ``PSR_2D`` | ``SSR``.
    scan_period_s: antenna rotation period (s).
    instrumented_range_m: display/processing range limit (m).
    altitude_max_m: highest target altitude processed (m MSL; inf when unlimited).
    elevation_min_rad, elevation_max_rad: elevation coverage limits (rad; the minimum is
        negative for sites on masts or hilltops, the maximum makes the cone of silence).
    sigma_range_m, sigma_azimuth_rad, sigma_elevation_rad: 1-sigma measurement noise (NaN: not measured).
    ref_rcs_m2, ref_pd, ref_range_m, pfa: Swerling-1 reference point (primary radars).
    false_plots_per_scan: mean false plots per scan over the visible instrumented region.
    pd_cooperative: reply probability per scan for a transponder that is on (SSR, IFF).
    iff_interrogator: the primary radar also interrogates Mode 3/A (TPS-70 IFF).
    """

    id: str
    kind: str
    scan_period_s: float
    instrumented_range_m: float
    altitude_max_m: float = math.inf
    elevation_min_rad: float = math.radians(-3.0)
    elevation_max_rad: float = math.radians(40.0)
    sigma_range_m: float = 100.0
    sigma_azimuth_rad: float = math.radians(0.15)
    sigma_elevation_rad: float = math.nan
    ref_rcs_m2: float = 1.0
    ref_pd: float = 0.8
    ref_range_m: float = math.nan
    pfa: float = 1e-6
    false_plots_per_scan: float = 0.0
    pd_cooperative: float = 0.97
    iff_interrogator: bool = False
    name: str = ""
    source: str = "unspecified"
    confidence: str = "unspecified"

    @property
    def is_primary(self) -> bool:
        return self.kind != "SSR"

    @property
    def sees_transponders(self) -> bool:
        return self.kind == "SSR" or self.iff_interrogator

    @property
    def snr_ref(self) -> float:
        """Reference single-scan SNR (linear) from the Swerling-1 closed form."""
        return math.log(self.pfa) / math.log(self.ref_pd) - 1.0

    def pd(self, range_m, rcs_m2=1.0):
        """Swerling-1 single-scan Pd at slant range (m) for mean RCS (m^2)."""
        r = np.asarray(range_m, dtype=float)
        snr = self.snr_ref * (np.asarray(rcs_m2, float) / self.ref_rcs_m2) * (self.ref_range_m / r) ** 4
        return self.pfa ** (1.0 / (1.0 + snr))

    def range_for_pd(self, pd: float, rcs_m2: float = 1.0) -> float:
        """Slant range (m) at which the single-scan Pd on ``rcs_m2`` falls to ``pd``."""
        snr_needed = math.log(self.pfa) / math.log(pd) - 1.0
        return self.ref_range_m * (self.snr_ref * (rcs_m2 / self.ref_rcs_m2) / snr_needed) ** 0.25

    def range_limit_m(self, pd_threshold: float, rcs_m2: float) -> float:
        """min(instrumented range, range where Pd on ``rcs_m2`` falls below ``pd_threshold``)."""
        if not self.is_primary:
            return self.instrumented_range_m
        return min(self.instrumented_range_m, self.range_for_pd(pd_threshold, rcs_m2))


@dataclass(frozen=True)
class Radar:
    """One sensor: a radar type at a site, as a network deploys it.

    ``ground_elevation_m`` is the site's stated ground (MSL); the antenna height used for
    masking is ``max(ground_elevation_m, DEM at the site) + antenna_agl_m``.
    ``availability`` is the long-run up fraction; ``mean_up_days``/``mean_down_days`` drive
    the two-state outage Markov chain.
    """

    site_id: str
    type: RadarType
    owner: str
    lat_deg: float
    lon_deg: float
    ground_elevation_m: float
    antenna_agl_m: float
    availability: float = 1.0
    mean_up_days: float = math.inf
    mean_down_days: float = 0.0
    scan_period_s: float = field(default=math.nan)
    source: str = "unspecified"
    confidence: str = "unspecified"

    @property
    def name(self) -> str:
        """Unique sensor name ``<site_id>__<type>`` used in grids, logs and sensors.toml."""
        return f"{self.site_id}__{self.type.id}"

    @property
    def scan_s(self) -> float:
        return self.type.scan_period_s if math.isnan(self.scan_period_s) else self.scan_period_s

    @property
    def is_military(self) -> bool:
        return self.owner == "military"
