"""Co-sited radar heads: a primary and a secondary on one antenna output one plot stream.

A primary and a secondary of one site with the same position, mast and scan period
(:func:`cosited_heads`; the CORPAC Thales heads, a STAR 2000 PSR with an RSM 970 S MSSR on one antenna)
share the antenna's phase, and output one plot stream, as real ATC heads do (:func:`combine_heads`): a
primary plot and a secondary reply of the same sweep that agree in range and azimuth within the head's
correlation windows (the feed option ``combine_window_sigmas``: standard deviations of the difference, each axis) become
one *reinforced* plot at the secondary's (monopulse) range and azimuth, with its Mode 3/A code and Mode C;
unreinforced primary plots stay primary-only and unmatched replies secondary-only.  The head's plots all
carry the primary's sensor index (the secondary's index then has no plots).  The correlation uses the
plots alone (range, azimuth, time), never which aircraft produced them.
"""
from __future__ import annotations

import math

import numpy as np

from radar.sensorfile import KIND_CODE

#: the plot columns in the argument order of :func:`radar._kernels.heads.compact_rows`
#: (:data:`radar.feeds.PLOT_COLUMN_TYPES`)
_PLOT_COLUMNS = ("time_s", "sensor", "range_m", "azimuth_rad", "elevation_rad", "dims", "mode_c_m", "squawk", "truth",
                 "scan")


def cosited_heads(radars) -> np.ndarray:
    """partner[i]: the radar sharing radar i's antenna, -1 none.

    A head is a primary and a secondary of one site (same ``site_id``) at the same position and mast
    height with the same scan period: a scenario site's ``type`` + ``secondary_type``, or a Thales
    network entry's ``primary`` + ``secondary``.  A site whose primary and secondary turn at different
    periods (Lima's 4.8 s approach PSR beside the 8 s CORPAC MSSR) has two antennas: two plot streams.
    With several candidates, the first primary and the first secondary of the site (network order) pair.
    """
    radars = list(radars)
    partner = np.full(len(radars), -1, np.int64)
    for i, a in enumerate(radars):
        if not a.type.is_primary or partner[i] >= 0:
            continue
        for j, b in enumerate(radars):
            if b.type.is_primary or partner[j] >= 0 or b.site_id != a.site_id:
                continue
            if (b.lat_deg, b.lon_deg, b.antenna_agl_m, b.ground_elevation_m) != (
                    a.lat_deg, a.lon_deg, a.antenna_agl_m, a.ground_elevation_m):
                continue
            if not math.isclose(b.scan_s, a.scan_s, rel_tol=1e-9, abs_tol=0.0):
                continue
            partner[i], partner[j] = j, i
            break
    return partner


def combine_heads(cols: dict, ra, window_sigmas: float, reinforced=None):
    """The plot stream of every co-sited head (``ra.partner``) from its primary's and secondary's plots.

    ``cols``: the plot columns in the stable (time, sensor, scan, range) order; ``ra``:
    :class:`radar.feeds.RadarArrays`.  Per head, a primary plot and a secondary reply within the head's
    correlation windows (``window_sigmas``, the feed option ``combine_window_sigmas``: standard deviations of
    their difference in range, and in azimuth) are candidates; candidates are taken in order of increasing
    normalised distance (d_r / w_r)^2 + (d_az / w_az)^2, each plot at most once
    (:func:`radar._kernels.heads.head_pairs`), as a head's plot combiner correlates them.  A pair becomes
    one reinforced plot in the primary's row: the secondary's range and azimuth (monopulse, the more
    accurate), Mode 3/A code, Mode C and truth; the secondary's row is dropped.  Unmatched replies
    stay, under the primary's sensor index.  Returns (columns in the same order, compacted; row count;
    whether any head had replies -- the caller then re-orders the ties of equal times,
    :func:`radar.feeds._order_ties`); ``reinforced`` (per radar) is incremented by the reinforced plots of
    each head primary."""
    from radar._kernels import heads as K

    sensor = cols["sensor"]
    n = sensor.size
    keep = np.ones(n, np.bool_)
    relabel = False
    k = float(window_sigmas)
    # speed: one pass over the day's plots finds every head's rows (in order); then per head
    rows = np.flatnonzero((ra.partner >= 0)[sensor])
    rows_sensor = sensor[rows]
    for p in np.flatnonzero((ra.partner >= 0) & (ra.kind != KIND_CODE["SSR"])):
        q = int(ra.partner[p])
        ip = rows[rows_sensor == p]
        iq = rows[rows_sensor == q]
        if iq.size == 0:
            continue
        relabel = True
        if ip.size:
            w_r = k * math.hypot(ra.sigma[p, 0], ra.sigma[q, 0])
            w_az = k * math.hypot(ra.sigma[p, 1], ra.sigma[q, 1])
            # plots of one sweep: their times differ by at most the azimuth window's share of a revolution
            dt_max = ra.scan[p] * w_az / math.pi + 1e-6
            match = np.full(ip.size, -1, np.int64)
            K.head_pairs(cols["time_s"], cols["range_m"], cols["azimuth_rad"], ip, iq, dt_max, w_r, w_az, match)
            m = match >= 0
            a, b = ip[m], iq[match[m]]
            for name in ("range_m", "azimuth_rad", "mode_c_m", "squawk", "truth"):
                cols[name][a] = cols[name][b]
            keep[b] = False
            if reinforced is not None:
                reinforced[p] += int(a.size)
        sensor[iq] = p
    if not relabel:
        return cols, n, False
    m = int(keep.sum())
    if m < n:
        K.compact_rows(keep, *(cols[name] for name in _PLOT_COLUMNS))
        cols = {name: cols[name][:m] for name in cols}
    return cols, m, True
