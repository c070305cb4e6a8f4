"""radar.constants: the physical constants and unit factors against their definitions and pyproj, and the
places that must read them instead of writing the numbers again."""
import math
import re
from pathlib import Path

import numpy as np
import pytest

from radar import constants as c

ROOT = Path(__file__).resolve().parent.parent


def test_wgs84_matches_pyproj():
    from pyproj import Geod

    g = Geod(ellps="WGS84")
    assert c.WGS84_A == g.a
    assert c.WGS84_F == pytest.approx(g.f, rel=1e-15)
    assert c.WGS84_B == pytest.approx(g.b, abs=1e-6)  # m
    assert c.WGS84_E2 == pytest.approx(g.es, rel=1e-14)


def test_mean_radius_and_the_four_thirds_earth():
    # IUGG mean radius R1 = (2a + b) / 3 = 6371008.77 m, written to 0.1 m
    assert abs((2 * c.WGS84_A + c.WGS84_B) / 3 - c.EARTH_RADIUS_M) < 0.05
    assert c.EQUIVALENT_RADIUS_M == c.REFRACTION_K * c.EARTH_RADIUS_M
    # the radio horizon rule of thumb d_km = 4.12 sqrt(h_m) (the flat-terrain check): sqrt(2 k R 1 m)
    assert math.sqrt(2 * c.EQUIVALENT_RADIUS_M) / 1e3 == pytest.approx(4.12, abs=0.005)


def test_unit_factors():
    assert c.FT_M * 10_000 == pytest.approx(3048.0, abs=1e-9)
    assert c.KT_MPS * 3600.0 == pytest.approx(c.NMI_M, rel=1e-15)
    assert 100.0 * c.KMH_MPS == pytest.approx(27.7777777777778, rel=1e-13)
    assert c.TWO_PI == 2.0 * math.pi
    x = np.random.default_rng(0).uniform(-720, 720, 1000)
    # math.radians(x) is x * (pi / 180) bit for bit, so either may be used
    assert all(math.radians(v) == v * c.DEG_RAD for v in x)
    assert all(math.degrees(v) == pytest.approx(v * c.RAD_DEG, rel=1e-15) for v in x)


@pytest.mark.parametrize("literal", ["6371008.8", "6378137.0", "298.257223563", "0.3048"])
def test_constants_are_not_written_again_in_radar_and_tracker(literal):
    """The numbers live in radar/constants.py only (radar and tracker packages, comments and docstrings aside)."""
    hits = []
    for p in list((ROOT / "radar").rglob("*.py")) + list((ROOT / "tracker").rglob("*.py")):
        if p.name == "constants.py":
            continue
        for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(re.escape(literal) + r"(?!\d)", code) and not code.strip().startswith(('"', "'")):
                hits.append(f"{p.relative_to(ROOT)}:{k}: {line.strip()}")
    assert not hits, "\n".join(hits)
