"""Peru outline area and border length (Natural Earth 1:10m) against the official figures."""
import numpy as np
import pytest

from radar import geo
from radar.coverage_study import cell_areas_km2


def test_peru_area_within_one_percent_of_official():
    # official 1,285,216 km^2; the Natural Earth 1:10m outline gives 1,289,850 km^2
    assert geo.area_km2() == pytest.approx(1_285_216, rel=0.01)


def test_peru_area_from_grid_cells_within_one_percent(dem):
    # the study's own method: cells area-weighted by cos(lat) inside the polygon (2 arc-minute grid)
    fine = dem.crop(-18.6, 0.2, -81.6, -68.4).resample(1 / 30)
    la, lo = np.meshgrid(fine.lat, fine.lon, indexing="ij")
    area = (cell_areas_km2(fine.lat, fine.lon) * geo.inside_peru(la, lo)).sum()
    assert area == pytest.approx(1_285_216, rel=0.01)


def test_border_length_and_points():
    lat, lon, seg = geo.border_points(1000.0)
    assert seg.sum() / 1e3 == pytest.approx(955, rel=0.02)
    assert seg.max() <= 1000.0 + 1e-6
    assert lat.min() > -18 and lat.max() < -10.5  # tripoints with Chile and Brazil
    assert lon.min() > -70 and lon.max() < -68.5


def test_inside_peru_known_points():
    assert geo.inside_peru(-12.05, -77.04)          # Lima
    assert geo.inside_peru(-12.59, -69.19)          # Puerto Maldonado
    assert not geo.inside_peru(-16.5, -68.15)       # La Paz, Bolivia
    assert not geo.inside_peru(-12.0, -79.5)        # Pacific
