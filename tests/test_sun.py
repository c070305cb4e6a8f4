"""Solar position against published reference values (Meeus, Astronomical Algorithms, 2nd ed.)."""
import datetime as dt

import numpy as np

from scenarios.engagement.sun import is_night, solar_coordinates, sun_elevation_deg


def _unix(*args):
    return dt.datetime(*args, tzinfo=dt.timezone.utc).timestamp()


def test_meeus_example_25a_declination():
    # Meeus Example 25.a: 1992 Oct 13.0 TD, apparent declination -7 deg 47' 06" = -7.78507 deg
    # (the low-accuracy method this module implements).  TD - UT was ~59 s in 1992: the sun's
    # declination moves ~0.4 deg/day, so 1 min is 3e-4 deg -- inside the 0.01 deg tolerance.
    dec, _ = solar_coordinates(_unix(1992, 10, 13, 0, 0, 0))
    assert abs(float(dec) - (-7.78507)) < 0.01


def test_meeus_example_28b_equation_of_time():
    # Meeus Example 28.b: 1992 Oct 13.0, E = +13.71 min (13 m 42.7 s) by the same series.
    _, eot = solar_coordinates(_unix(1992, 10, 13, 0, 0, 0))
    assert abs(float(eot) - 13.71) < 0.05   # 3 s


def test_solstice_declination_and_noon_elevation():
    # December solstice 2025: 21 Dec 15:03 UTC; declination = -obliquity = -23.436 deg
    dec, _ = solar_coordinates(_unix(2025, 12, 21, 15, 3))
    assert abs(float(dec) + 23.436) < 0.01
    # elevation at local solar noon = 90 - |lat - dec|: scan a day at 1 min, take the maximum
    t = _unix(2025, 12, 21, 0, 0) + np.arange(0, 86400, 60.0)
    for lat, lon in ((-12.6136, -69.2286), (40.0, 10.0), (-16.73, -71.87)):
        el = sun_elevation_deg(t, lat, lon)
        dec_noon, _ = solar_coordinates(t[np.argmax(el)])
        assert abs(el.max() - (90 - abs(lat - float(dec_noon)))) < 0.02


def test_night_in_puerto_maldonado():
    # Puerto Maldonado (UTC-5, lon -69.2): 03:00 local is deep night, 15:00 local broad day.
    # Evening of 1 Jan 2026, closed form: solar noon = 12:00 - 4 min/deg x 5.77 deg + 3.4 min
    # (E = -3.4 min) = 11:40 local; half-day H0 = acos(-tan(lat) tan(dec)), dec = -23.0 deg
    # -> H0 = 95.5 deg = 6 h 22 min, so geometric sunset ~18:02 local and the -6 deg crossing
    # (~25 min later at this latitude in January) ~18:27 local.
    lat, lon = -12.6136, -69.2286
    assert is_night(_unix(2026, 1, 1, 8, 0), lat, lon)           # 03:00 local
    assert not is_night(_unix(2026, 1, 1, 20, 0), lat, lon)      # 15:00 local
    t = _unix(2026, 1, 1, 23, 0) + np.arange(0, 3 * 3600, 10.0)  # 18:00 .. 21:00 local
    el = sun_elevation_deg(t, lat, lon)
    sunset = t[np.argmax(el < 0.0)]
    dusk = t[np.argmax(el < -6.0)]
    local_h = (dusk - _unix(2026, 1, 1, 5, 0)) / 3600.0
    assert abs(local_h - (18 + 27 / 60)) < 5 / 60                 # within 5 min
    assert abs((sunset - _unix(2026, 1, 1, 5, 0)) / 3600.0 - (18 + 2 / 60)) < 5 / 60
    assert 20 * 60 < dusk - sunset < 30 * 60       # civil twilight at -12.6 deg in January


def test_repeated_times_give_the_elevation_of_each_element_bit_for_bit():
    # sun_elevation_deg works out the solar coordinates once per distinct time (many aircraft on one 10 s clock):
    # every element is what the formula gives it alone, and what a batch of all-distinct times gives
    rng = np.random.default_rng(3)
    t = _unix(2026, 3, 1) + rng.integers(0, 3 * 8640, 5000) * 10.0
    lat, lon = rng.uniform(-18, 0, t.size), rng.uniform(-81, -68, t.size)
    el = sun_elevation_deg(t, lat, lon)
    one_by_one = np.array([sun_elevation_deg(t[i:i + 1], lat[i:i + 1], lon[i:i + 1])[0] for i in range(0, t.size, 97)])
    assert one_by_one.tobytes() == el[::97].tobytes()
    dec, eot = solar_coordinates(t)
    s = np.sin(np.radians(lat)) * np.sin(np.radians(dec)) + np.cos(np.radians(lat)) * np.cos(np.radians(dec)) * np.cos(
        np.radians((np.mod(t, 86400.0) / 60.0 + eot + 4.0 * lon) / 4.0 - 180.0))
    assert np.degrees(np.arcsin(np.clip(s, -1.0, 1.0))).tobytes() == el.tobytes()
