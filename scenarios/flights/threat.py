"""Bolivia-origin drug flights of a day: routing around terrain and the flight generator.

The configuration (zones, aircraft, timing) is :class:`scenarios.config.threat.ThreatConfig`.

A day (all draws from ``radar.rng.stream(seed, day, "threat")``):

1. ``n ~ Poisson(formations_per_day_mean)`` formations; size from ``formation_size_probs``.
2. Per formation, the tuple (departure zone, border gate, pickup zone, aircraft type, refuel) is
   drawn *jointly*: from the product of the zone weights, type shares and refuel probability,
   restricted to the combinations whose zone-centre distance fits the type's range (with cabin
   drums when the type has them): without refuel the round trip dep -> gate -> pickup -> gate ->
   dep, with refuel the longer of the two one-way trips.  Drawing from the restricted table is
   rejection sampling done exactly; the *effective* weights (marginals of the restricted table)
   are reported by :meth:`ThreatConfig.effective_weights`.  Points are then drawn uniformly in each
   zone's disc; a draw whose routed length exceeds the range or whose route cannot avoid terrain is
   rejected and redrawn (counted in :class:`ThreatDay`).
3. Each leg (dep -> gate, gate -> pickup, pickup -> gate, gate -> dep) is a great circle when the
   terrain under it stays below ``service_ceiling - route_ceiling_margin_m``; otherwise one, then two
   dog-leg points are searched (offsets across the track at 1/4, 1/2, 3/4 of the leg) and the
   shortest clear route is kept; no clear route with two dog-legs rejects the draw.
4. Terrain following at the drawn AGL ~ U(enroute_altitude_agl_m_low_range): the target height
   ``min(terrain + AGL, ceiling)`` (ramped from the strips at the climb / descent gradients) is
   lifted to its climb-limited upper envelope (slope <= climb_rate / speed ahead, <= descent_rate /
   speed behind), so the aircraft never dips below the target and never exceeds the ceiling.
5. Timing: ``dawn`` leaves Bolivia at depart_local_time +- timing_spread_h; ``afternoon`` crosses the
   outbound gate at outbound_over_madre_de_dios_local_time +- timing_spread_h.  Ground time
   ~ U(ground_time_min_range).  Formation members follow the leader at ``formation_trail_s``.
   Transponder on with probability ``transponder_on_probability`` per aircraft.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from radar.rng import stream
from scenarios.config.threat import EARTH_R, AircraftType, ThreatConfig, Zone, _gc_m
from scenarios.flights.trajectory import (KIND_DRUG, PHASE_GROUND, PHASE_INBOUND, PHASE_OUTBOUND, FlightTable,
                                          TrajectoryBuilder, Trajectories, densify, path_length_m)


# ------------------------------------------------------------------------------------------
class TerrainSampler:
    """Terrain height (m MSL, sea clamped to 0) at points, from a :class:`radar.terrain.Dem`."""

    def __init__(self, dem, terrain_options=None):
        self.dem = dem
        self.surface = dem.masking_surface(terrain_options)
        self._z = np.ascontiguousarray(self.surface, dtype=np.float64)

    def __call__(self, lat_deg, lon_deg) -> np.ndarray:
        """Heights (m) at points (deg); shape of the broadcast inputs.  Speed: one Numba loop
        (the radar feeds' ``dem_sample`` kernel, the arithmetic of :meth:`radar.terrain.Dem.sample`)
        instead of a dozen NumPy temporaries and a copy of the grid per call."""
        from scenarios.flights._kernels import dem_sample

        la, lo = np.broadcast_arrays(np.asarray(lat_deg, float), np.asarray(lon_deg, float))
        out = np.empty(la.shape)
        if not np.all(np.isfinite(la)) or not np.all(np.isfinite(lo)):
            v = self.dem.sample(la, lo, grid=self.surface)
            return np.nan_to_num(np.asarray(v, float), nan=0.0)
        d = self.dem
        dem_sample(self._z, float(d.lat[0]), float(d.dlat), float(d.lon[0]), float(d.dlon),
                   np.ascontiguousarray(la).reshape(-1), np.ascontiguousarray(lo).reshape(-1), out.reshape(-1))
        return out


def _offset_point(lat1, lon1, lat2, lon2, frac, offset_m):
    """Point at fraction ``frac`` along the great circle 1->2, moved ``offset_m`` to its right (deg)."""
    from scenarios.flights.trajectory import _gc_interp, _gc_rad

    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    d = _gc_rad(p1, l1, p2, l2)
    la, lo = _gc_interp(p1, l1, p2, l2, d, np.array([frac]))
    la, lo = float(la[0]), float(lo[0])
    # bearing of the track at that point, then 90 deg to the right
    brg = math.atan2(math.sin(l2 - lo) * math.cos(p2), math.cos(la) * math.sin(p2) - math.sin(la) * math.cos(p2) * math.cos(l2 - lo))
    az = brg + math.pi / 2
    dd = offset_m / EARTH_R
    la2 = math.asin(math.sin(la) * math.cos(dd) + math.cos(la) * math.sin(dd) * math.cos(az))
    lo2 = lo + math.atan2(math.sin(az) * math.sin(dd) * math.cos(la), math.cos(dd) - math.sin(la) * math.sin(la2))
    return math.degrees(la2), math.degrees(lo2)


class Router:
    """Great-circle legs with up to two dog-legs so that terrain stays below a limit."""

    FRACTIONS = (0.25, 0.5, 0.75)
    OFFSETS_M = (30e3, 60e3, 100e3, 150e3, 220e3, 300e3)

    def __init__(self, terrain: TerrainSampler, sample_m: float = 2000.0):
        self.terrain = terrain
        self.sample_m = sample_m

    def max_terrain(self, lat1, lon1, lat2, lon2, skip_m: float = 0.0) -> float:
        """Highest terrain (m) along the great circle, sampled every <= ``sample_m``, ignoring the first and
        last ``skip_m``.  One Numba kernel (:func:`scenarios.flights._kernels.max_terrain_gc`; its NumPy oracle
        is in ``tests/oracles.py``).  Endpoints must be finite."""
        from scenarios.flights._kernels import max_terrain_gc

        t = self.terrain
        d = t.dem
        if not all(math.isfinite(v) for v in (lat1, lon1, lat2, lon2)):
            raise ValueError(f"max_terrain({lat1}, {lon1}, {lat2}, {lon2}): expected finite endpoints (degrees)")
        return float(max_terrain_gc(float(lat1), float(lon1), float(lat2), float(lon2), float(self.sample_m),
                                    float(skip_m), t._z, float(d.lat[0]), float(d.dlat), float(d.lon[0]),
                                    float(d.dlon)))

    def route(self, lat1, lon1, lat2, lon2, limit_m: float):
        """Waypoints [(lat, lon), ...] from 1 to 2 (2 to 4 points) or None if no clear route."""
        ok = lambda a, b: self.max_terrain(a[0], a[1], b[0], b[1]) <= limit_m
        A, B = (lat1, lon1), (lat2, lon2)
        if self.max_terrain(lat1, lon1, lat2, lon2) <= limit_m:
            return [A, B]
        cands = []
        for f in self.FRACTIONS:
            for off in self.OFFSETS_M:
                for sign in (1, -1):
                    cands.append(_offset_point(lat1, lon1, lat2, lon2, f, sign * off))
        best, best_len = None, math.inf
        first = [ok(A, P) for P in cands]
        last = [ok(P, B) for P in cands]
        for n, P in enumerate(cands):
            if first[n] and last[n]:
                L = _gc_m(*A, *P) + _gc_m(*P, *B)
                if L < best_len:
                    best, best_len = [A, P, B], L
        if best is not None:
            return best
        for n, P in enumerate(cands):
            if not first[n]:
                continue
            for m, Q in enumerate(cands):
                if not last[m] or m == n:
                    continue
                L = _gc_m(*A, *P) + _gc_m(*P, *Q) + _gc_m(*Q, *B)
                if L < best_len and ok(P, Q):
                    best, best_len = [A, P, Q, B], L
        return best


def climb_limited_profile(s_m, terrain_m, agl_m, ceiling_m, climb_grad, descent_grad, h_start, h_end,
                          min_clearance_m: float = 50.0):
    """Heights along a path (s: distance, m) that stay >= the target and within the slope limits.

    target = min(terrain + AGL, ceiling), ramped from the end points: min(target, h_start + climb_grad s,
    h_end + descent_grad (L - s)), and at least terrain + min_clearance_m between the end points;
    result = its upper envelope with slopes <= climb_grad ahead and
    <= descent_grad behind (backward then forward pass), end points on the ground."""
    s = np.asarray(s_m, float)
    ter = np.asarray(terrain_m, float)
    target = np.minimum(ter + agl_m, ceiling_m)
    target = np.minimum(target, np.minimum(h_start + climb_grad * s, h_end + descent_grad * (s[-1] - s)))
    # never below the terrain + a minimum clearance between the strips (where the terrain around a strip
    # rises faster than the climb gradient this wins, and the first / last segment is steeper)
    floor = np.minimum(ter + min_clearance_m, ceiling_m)
    floor[0] = h_start
    floor[-1] = h_end
    target = np.maximum(target, floor)
    from scenarios.flights._kernels import slope_envelope

    h = np.ascontiguousarray(target, dtype=np.float64).copy()
    ds = np.ascontiguousarray(np.diff(s))
    # backward pass: climb early enough for what lies ahead; forward pass: descend no faster than allowed
    # (speed: one Numba loop instead of two Python loops over every point)
    slope_envelope(h, ds, float(climb_grad), float(descent_grad))
    h[0] = h_start
    h[-1] = h_end
    return h, target


@dataclass
class ThreatDay:
    """The day's drug flights: trajectories, metadata and draw counters."""

    trajectories: Trajectories
    flights: FlightTable
    formations: int = 0
    rejected_range: int = 0
    rejected_terrain: int = 0
    notes: list = field(default_factory=list)


def _disc_point(rng, z: Zone):
    r = z.radius_m * math.sqrt(rng.random())
    az = 2 * math.pi * rng.random()
    p, l = math.radians(z.lat_deg), math.radians(z.lon_deg)
    d = r / EARTH_R
    p2 = math.asin(math.sin(p) * math.cos(d) + math.cos(p) * math.sin(d) * math.cos(az))
    l2 = l + math.atan2(math.sin(az) * math.sin(d) * math.cos(p), math.cos(d) - math.sin(p) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


def generate_drug_flights(cfg: ThreatConfig, terrain: TerrainSampler, seed: int, day: int,
                          max_attempts: int = 50, first_uid: int = 0) -> ThreatDay:
    """Drug flights of ``day`` (depends on (seed, day) only)."""
    rng = stream(seed, day, "threat")
    combos, prior, feas = cfg.joint_table()
    p = np.where(feas, prior, 0.0)
    p = p / p.sum()
    deps, gates, picks = cfg.zones_of("departure"), cfg.zones_of("corridor"), cfg.zones_of("pickup")
    router = Router(terrain, cfg.route_sample_m)
    n_form = int(rng.poisson(cfg.formations_per_day))
    builder = TrajectoryBuilder()
    rows = []
    out = ThreatDay(trajectories=None, flights=None, formations=n_form)  # type: ignore[arg-type]
    midnight = day * 86400.0
    try:
        from radar.geo import inside_peru
    except Exception:  # pragma: no cover - geo data missing
        inside_peru = None
    for fi in range(n_form):
        size = int(rng.choice(cfg.formation_sizes, p=cfg.formation_probs))
        mode = cfg.modes[int(rng.choice(len(cfg.modes), p=[w for _, w in cfg.modes]))][0]
        plan = None
        for _attempt in range(max_attempts):
            ci = int(rng.choice(len(combos), p=p))
            i, j, k, m, refuel = combos[ci]
            ac = cfg.aircraft[m]
            dep, gate, pick = deps[i], gates[j], picks[k]
            D, G1, P, G2 = _disc_point(rng, dep), _disc_point(rng, gate), _disc_point(rng, pick), _disc_point(rng, gate)
            agl = float(rng.uniform(*cfg.agl_m))
            limit = ac.service_ceiling_m - cfg.route_ceiling_margin_m
            legs_in = [router.route(*D, *G1, limit), router.route(*G1, *P, limit)]
            legs_out = [router.route(*P, *G2, limit), router.route(*G2, *D, limit)]
            if any(leg is None for leg in legs_in + legs_out):
                out.rejected_terrain += 1
                continue
            path_in = legs_in[0] + legs_in[1][1:]
            path_out = legs_out[0] + legs_out[1][1:]
            len_in = path_length_m([q[0] for q in path_in], [q[1] for q in path_in])[-1]
            len_out = path_length_m([q[0] for q in path_out], [q[1] for q in path_out])[-1]
            reach = max(ac.range_m, ac.range_drums_m)
            if (max(len_in, len_out) if refuel else len_in + len_out) > reach:
                out.rejected_range += 1
                continue
            plan = (dep, gate, pick, ac, refuel, path_in, path_out, agl,
                    len(path_in) - 3 + len(path_out) - 3, len(legs_in[0]) - 1, len(legs_out[0]) - 1)
            break
        if plan is None:
            out.notes.append(f"formation {fi}: no feasible draw in {max_attempts} attempts; skipped")
            continue
        dep, gate, pick, ac, refuel, path_in, path_out, agl, dog, gi_in, gi_out = plan
        v = ac.low_level_tas_mps
        prof_in = _leg_profile(path_in, gi_in, terrain, agl, ac, cfg, v)
        prof_out = _leg_profile(path_out, gi_out, terrain, agl, ac, cfg, v)
        ground = float(rng.uniform(*cfg.ground_time_s))
        dt_in = prof_in[3][-1] / v
        dt_out = prof_out[3][-1] / v
        jitter = float(rng.uniform(-cfg.timing_spread_s, cfg.timing_spread_s))
        t_gate_out_rel = prof_out[4] / v  # time from take-off to the gate on the way out
        if mode == "dawn":
            t_dep = midnight + cfg.depart_s + jitter
        else:
            t_dep = midnight + cfg.outbound_gate_s + jitter - t_gate_out_rel - ground - dt_in
        # the members fly the same path: where it enters and leaves Peru is found once per formation
        border = _border_indices(inside_peru, prof_in[0], prof_in[1], prof_out[0], prof_out[1])
        for member in range(size):
            t0 = t_dep + member * cfg.formation_trail_s
            t_land = t0 + dt_in
            t_to = t_land + ground
            t_end = t_to + dt_out
            la_i, lo_i, h_i, s_i, _ = prof_in
            la_o, lo_o, h_o, s_o, _ = prof_out
            t = np.concatenate([t0 + s_i / v, t_to + s_o / v])
            lat = np.concatenate([la_i, la_o])
            lon = np.concatenate([lo_i, lo_o])
            h = np.concatenate([h_i, h_o])
            ph = np.concatenate([np.full(len(s_i), PHASE_INBOUND), np.full(len(s_o), PHASE_OUTBOUND)])
            ph[len(s_i) - 1] = PHASE_GROUND  # the segment from landing to take-off
            builder.add(t, lat, lon, h, ph)
            xpdr = bool(rng.random() < cfg.transponder_on_probability)
            tb_in, tb_out = _border_times(border, t0 + s_i / v, t_to + s_o / v, t0 + prof_in[4] / v,
                                          t_to + t_gate_out_rel)
            rows.append(dict(
                id=f"d{day}-f{fi}-a{member}", kind=KIND_DRUG, aircraft=ac.id, formation=fi, departure_zone=dep.id,
                gate_in=gate.id, pickup_zone=pick.id, gate_out=gate.id, refuel=refuel, transponder_on=xpdr,
                squawk=cfg.transponder_squawk if xpdr else -1, flight_plan_filed=False, agl_m=agl,
                cruise_msl_m=math.nan, speed_mps=v, rcs_m2=ac.rcs_m2, t_depart=t0, t_border_in=tb_in, t_land=t_land,
                t_takeoff=t_to, t_border_out=tb_out, t_end=t_end, timing_mode=mode, dog_legs=dog))
    out.trajectories = builder.build()
    out.flights = FlightTable.from_rows(rows)
    return out


def _leg_profile(path, gate_index, terrain: TerrainSampler, agl, ac: AircraftType, cfg: ThreatConfig, v):
    """Densified path (lat, lon), heights (m MSL), cumulative distance (m) and the distance to the gate point."""
    la, lo, leg = densify([q[0] for q in path], [q[1] for q in path], cfg.route_sample_m)
    s = path_length_m(la, lo)
    ter = terrain(la, lo)
    ceiling = ac.service_ceiling_m
    h, _ = climb_limited_profile(s, ter, agl, ceiling, cfg.climb_rate_mps / v, cfg.descent_rate_mps / v,
                                 float(ter[0]), float(ter[-1]))
    gate = path[gate_index]
    d = (la - gate[0]) ** 2 + ((lo - gate[1]) * math.cos(math.radians(gate[0]))) ** 2
    gate_s = float(s[int(np.argmin(d))])
    return la, lo, h, s, gate_s


def _border_indices(inside_peru, la_i, lo_i, la_o, lo_o, chunk: int = 64):
    """(index of the first inbound point inside Peru, index of the last outbound point inside Peru),
    -1 when none (Natural Earth outline); None when the outline is unavailable.

    Speed: the point-in-polygon test (matplotlib, ~8 us per point on the 2,400-vertex outline) runs on
    chunks of ``chunk`` points from the start (inbound) or the end (outbound) and stops at the first
    chunk with a point inside: the same indices as testing every point."""
    if inside_peru is None:
        return None
    la_i, lo_i, la_o, lo_o = (np.asarray(a, float) for a in (la_i, lo_i, la_o, lo_o))
    box = _peru_box()
    first = -1
    # candidates: points inside the outline's bounding box (the others are outside), in path order
    cand = np.nonzero(_in_box(box, la_i, lo_i))[0]
    for a in range(0, cand.size, chunk):
        c = cand[a:a + chunk]
        ins = np.asarray(inside_peru(la_i[c], lo_i[c]), bool)
        if ins.any():
            first = int(c[int(np.argmax(ins))])
            break
    last = -1
    cand = np.nonzero(_in_box(box, la_o, lo_o))[0]
    for b in range(cand.size, 0, -chunk):
        c = cand[max(0, b - chunk):b]
        ins = np.asarray(inside_peru(la_o[c], lo_o[c]), bool)
        if ins.any():
            last = int(c[c.size - 1 - int(np.argmax(ins[::-1]))])
            break
    return first, last


_PERU_BOX: list = []


def _peru_box():
    """(lat_min, lat_max, lon_min, lon_max) of the Peru outline (deg), or None if unavailable."""
    if not _PERU_BOX:
        try:
            from radar.geo import polygons

            pts = np.concatenate([np.asarray(ring, float).reshape(-1, 2) for poly in polygons("Peru") for ring in poly])
            _PERU_BOX.append((float(pts[:, 1].min()), float(pts[:, 1].max()), float(pts[:, 0].min()),
                              float(pts[:, 0].max())))
        except Exception:  # pragma: no cover - outline missing: test every point
            _PERU_BOX.append(None)
    return _PERU_BOX[0]


def _in_box(box, lat, lon) -> np.ndarray:
    """Points that may be inside the outline: inside its bounding box, edges included (all if no box)."""
    if box is None:
        return np.ones(np.shape(lat), bool)
    return (lat >= box[0]) & (lat <= box[1]) & (lon >= box[2]) & (lon <= box[3])


def _border_times(border, t_i, t_o, t_gate_in, t_gate_out):
    """First time inside Peru inbound, last time inside Peru outbound (``border`` from
    :func:`_border_indices`); the gate times when the outline is unavailable or the path never enters Peru."""
    if border is None:
        return t_gate_in, t_gate_out
    first, last = border
    tb_in = float(t_i[first]) if first >= 0 else t_gate_in
    tb_out = float(t_o[last]) if last >= 0 else t_gate_out
    return tb_in, tb_out
