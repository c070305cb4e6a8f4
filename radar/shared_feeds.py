"""One feed for several networks: the plots of the union of their radars, generated once a day, and each
network's plots taken from it.

Why this is exact: a radar's plots depend on (seed, day, the radar, its co-sited partner, the flights)
only.  Its detection, noise, phase and false-plot draws are keyed by its name (CRC32,
:func:`radar.outages.radar_key`), never by its place in a list; its outage chain too.  So the plots of a
network are the union's plots of that network's radars, with ``sensor`` renumbered -- provided that

* a radar name means the same radar in every network (same parameters, same geometry grid);
* every radar's co-sited head partner (:func:`radar.heads.cosited_heads`, found per network) is the same
  radar in the union as in each network (the union takes it from the networks, it does not pair again);
* every network's radars appear in the union in the same relative order, so ties in time, ordered by
  sensor index (:func:`radar.feeds.plot_order`), stay in the same order.

:func:`union_feed` checks all three and returns None when one fails (the caller then generates each
network's plots alone).  ``tests/test_shared_feeds.py`` compares both ways on simulated days.

Speed: the default study's four networks have 56 radars between them and 26 distinct ones.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from radar.feeds import FEED_STATS_PER_RADAR, FeedStats, RadarArrays

#: the per-radar fields of :class:`radar.feeds.RadarArrays` (rows = radars), except the grids and partners
_ROW_FIELDS = tuple(f.name for f in dataclasses.fields(RadarArrays)
                    if f.name not in ("grid", "gmin", "gmax", "partner", "lat0", "dlat", "lon0", "dlon"))
_GRID_AXES = ("lat0", "dlat", "lon0", "dlon")


@dataclass(frozen=True)
class UnionFeed:
    """The union of several networks' radars: ``radars`` (first appearance order), their kernel ``arrays``,
    and per network the union index of each of its radars (``index[name][i]`` = union index of radar i)."""

    radars: tuple
    arrays: RadarArrays
    index: dict

    def plots_of(self, network: str, plots, stats: FeedStats):
        """``network``'s (plots, stats) from the union's: its radars' plots in the same order, ``sensor``
        renumbered to the network's indices."""
        idx = self.index[network]
        inverse = np.full(len(self.radars), -1, np.int64)
        inverse[idx] = np.arange(idx.size)
        keep = np.flatnonzero(inverse[plots.sensor] >= 0)
        sub = plots.take(keep)
        sensor = inverse[sub.sensor].astype(plots.sensor.dtype)
        sub = dataclasses.replace(sub, sensor=sensor)
        per_radar = {k: getattr(stats, k)[idx].copy() for k in FEED_STATS_PER_RADAR}
        st = FeedStats(intervals=int(per_radar["intervals_by_radar"].sum()),
                       slots=int(per_radar["slots_by_radar"].sum()), seconds=dict(stats.seconds), **per_radar)
        return sub, st


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def union_feed(networks) -> UnionFeed | None:
    """The union of ``networks`` = [(name, radars, RadarArrays)], or None if their plots cannot be shared
    exactly (module docstring: a name meaning two radars, partners that differ, radars in another order)."""
    names: list[str] = []
    where: dict[str, tuple] = {}  # name -> (radar, arrays, row)
    for _net, radars, ra in networks:
        if any(not _same(getattr(ra, k), getattr(networks[0][2], k)) for k in _GRID_AXES):
            return None
        for i, r in enumerate(radars):
            if r.name not in where:
                where[r.name] = (r, ra, i)
                names.append(r.name)
                continue
            r0, ra0, i0 = where[r.name]
            if r != r0 or any(not _same(getattr(ra, k)[i], getattr(ra0, k)[i0]) for k in _ROW_FIELDS):
                return None
            if not (_same(ra.gmin[ra.grid[i]], ra0.gmin[ra0.grid[i0]])
                    and _same(ra.gmax[ra.grid[i]], ra0.gmax[ra0.grid[i0]])):
                return None
    pos = {n: u for u, n in enumerate(names)}
    index = {}
    partner = np.full(len(names), -2, np.int64)  # -2: not set yet
    for net, radars, ra in networks:
        idx = np.array([pos[r.name] for r in radars], np.int64)
        if np.any(np.diff(idx) <= 0):
            return None
        for i, r in enumerate(radars):
            p = -1 if ra.partner[i] < 0 else pos[radars[ra.partner[i]].name]
            if partner[idx[i]] not in (-2, p):
                return None
            partner[idx[i]] = p
        index[net] = idx
    rows = [where[n] for n in names]
    cols = {k: np.ascontiguousarray(np.stack([np.asarray(getattr(ra, k))[i] for _r, ra, i in rows]))
            for k in _ROW_FIELDS}
    first = networks[0][2]
    arrays = RadarArrays(
        **cols, grid=np.arange(len(names), dtype=np.int64),
        gmin=np.ascontiguousarray(np.stack([ra.gmin[ra.grid[i]] for _r, ra, i in rows])),
        gmax=np.ascontiguousarray(np.stack([ra.gmax[ra.grid[i]] for _r, ra, i in rows])),
        partner=partner, **{k: getattr(first, k) for k in _GRID_AXES})
    return UnionFeed(tuple(r for r, _ra, _i in rows), arrays, index)
