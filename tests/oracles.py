"""Oracles and fixtures of the tests and benches: slow obvious implementations the fast paths are
checked against, and synthetic inputs.  Not shipped in the package.

* Target plots (:func:`target_plots` and its helpers): the same target-plot model as
  :func:`radar._kernels.scan.scan_plots` in plain NumPy -- the oracle of the Numba kernels and the
  in-run baseline of ``benches/bench_feeds.py``.  Written the obvious vectorised way: for every
  (flight, radar) pair whose straight-line distance ever comes within the instrumented range, every
  antenna revolution over the flight's whole lifetime is solved at once (fixed point on the
  unwrapped azimuth, 3 iterations), the trajectory is evaluated with ``searchsorted`` and the same
  detection model and counter-based draws are applied.  No pre-pass: that is the point of the
  comparison.
* :func:`max_terrain_numpy`: :meth:`scenarios.flights.threat.Router.max_terrain` (one Numba kernel)
  as densify + sample + skip in NumPy.
* :func:`near_drug_spans_reference`: :func:`scenarios.flights.traffic.near_drug_spans` with a SciPy
  k-d tree and a Python loop.
* :class:`StraightFlight` and :func:`synthetic_inputs`: straight constant-velocity flights, perfectly
  tracked, as the engagement's (picture, truth, planned codes) inputs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from radar.constants import TWO_PI, WGS84_A, WGS84_E2

_G = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)


def _mix(x):
    x = (x ^ (x >> np.uint64(30))) * _C1
    x = (x ^ (x >> np.uint64(27))) * _C2
    return x ^ (x >> np.uint64(31))


def hash_u64(k0, k1, a, b, c, j):
    """NumPy twin of :func:`radar._kernels.draws.hash_u64` (arrays broadcast)."""
    with np.errstate(over="ignore"):
        u = lambda v: np.asarray(v).astype(np.int64).astype(np.uint64) if np.asarray(v).dtype != np.uint64 else np.asarray(v)
        h = _mix(u(k0) + _G)
        for w in (k1, a, b, c, j):
            h = _mix(h ^ (u(w) + _G))
    return h


def hash_uniform(k0, k1, a, b, c, j):
    h = hash_u64(k0, k1, a, b, c, j)
    return ((h >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def hash_normal(k0, k1, a, b, c, j):
    u1 = hash_uniform(k0, k1, a, b, c, j)
    u2 = hash_uniform(k0, k1, a, b, c, np.asarray(j) + 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(TWO_PI * u2)


def eval_flight(traj, f, t):
    """(lat, lon, h, v_local (n,3), phase) of flight f at times t (NaN / 0 outside)."""
    a, b = traj.offsets[f], traj.offsets[f + 1]
    tw = traj.t_s[a:b]
    t = np.asarray(t, float)
    inside = (t >= tw[0]) & (t <= tw[-1])
    j = np.clip(np.searchsorted(tw, t, side="right") - 1, 0, b - a - 2)
    g = a + j
    k = g + 1
    dt = traj.t_s[k] - traj.t_s[g]
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(dt > 0, (t - traj.t_s[g]) / dt, 0.0)
        lat = traj.lat_rad[g] + u * (traj.lat_rad[k] - traj.lat_rad[g])
        lon = traj.lon_rad[g] + u * (traj.lon_rad[k] - traj.lon_rad[g])
        h = traj.h_m[g] + u * (traj.h_m[k] - traj.h_m[g])
        sl = np.sin(lat)
        w = np.sqrt(1.0 - WGS84_E2 * sl * sl)
        nn = WGS84_A / w
        mm = WGS84_A * (1.0 - WGS84_E2) / w ** 3
        v = np.stack([np.where(dt > 0, (nn + h) * np.cos(lat) * (traj.lon_rad[k] - traj.lon_rad[g]) / dt, 0.0),
                      np.where(dt > 0, (mm + h) * (traj.lat_rad[k] - traj.lat_rad[g]) / dt, 0.0),
                      np.where(dt > 0, (traj.h_m[k] - traj.h_m[g]) / dt, 0.0)], axis=-1)
    ph = np.where(inside, traj.phase[g], 0).astype(np.int8)
    for arr in (lat, lon, h):
        arr[~inside] = np.nan
    v[~inside] = np.nan
    return lat, lon, h, v, ph


def polar(lat, lon, h, rlat, rlon, h_ant, kr, earth_r):
    """(range, azimuth, elevation) with the 4/3-Earth model of :mod:`radar.measurement`."""
    dl = lon - rlon
    hav = np.sin((lat - rlat) / 2) ** 2 + math.cos(rlat) * np.cos(lat) * np.sin(dl / 2) ** 2
    g = 2.0 * np.arcsin(np.sqrt(np.minimum(hav, 1.0)))
    az = np.mod(np.arctan2(np.sin(dl) * np.cos(lat), math.cos(rlat) * np.sin(lat)
                           - math.sin(rlat) * np.cos(lat) * np.cos(dl)), TWO_PI)
    ge = g * earth_r / kr
    b = kr + (h - h_ant)
    horiz = b * np.sin(ge)
    vert = b * np.cos(ge) - kr
    return np.hypot(horiz, vert), az, np.arctan2(vert, horiz)


def _bilinear(grid, lat, lon, lat0, dlat, lon0, dlon):
    fi = (lat - lat0) / dlat
    fj = (lon - lon0) / dlon
    nlat, nlon = grid.shape
    ok = (fi >= 0) & (fj >= 0) & (fi <= nlat - 1) & (fj <= nlon - 1)
    i = np.clip(np.floor(np.nan_to_num(fi)).astype(np.int64), 0, nlat - 2)
    j = np.clip(np.floor(np.nan_to_num(fj)).astype(np.int64), 0, nlon - 2)
    u = fi - i
    w = fj - j
    v = (1 - u) * ((1 - w) * grid[i, j] + w * grid[i, j + 1]) + u * ((1 - w) * grid[i + 1, j] + w * grid[i + 1, j + 1])
    return np.where(ok, v, np.nan)


def target_plots(traj, targets, ra, t0, seed_key, options, kr, earth_r):
    """All target plots as a dict of arrays (unsorted), same columns as the kernel path."""
    from radar.feeds import aspect_norm

    k0, k1 = (np.uint64(v) for v in seed_key)
    nose, beam, tail = options.aspect_db
    norm = aspect_norm(options.aspect_db)
    out = {k: [] for k in ("time_s", "sensor", "range_m", "azimuth_rad", "elevation_rad", "dims", "mode_c_m",
                           "squawk", "truth", "scan", "pd")}
    start, end = traj.time_span()
    for f in range(traj.n_flights):
        a, b = traj.offsets[f], traj.offsets[f + 1]
        for r in range(ra.lat.size):
            if not ra_up(ra, r):
                continue
            # cull: the flight's waypoints never within range + 50 km
            rng_wp, _, _ = polar(traj.lat_rad[a:b], traj.lon_rad[a:b], traj.h_m[a:b], ra.lat[r], ra.lon[r],
                                 ra.h_ant[r], kr, earth_r)
            if rng_wp.min() > ra.range_max[r] + 50e3:
                continue
            T = ra.scan[r]
            tc = np.clip(start[f], start[f], end[f])
            lat, lon, h, _v, _p = eval_flight(traj, f, np.array([tc]))
            th0 = polar(lat, lon, h, ra.lat[r], ra.lon[r], ra.h_ant[r], kr, earth_r)[1][0]
            k_first = math.ceil((start[f] - t0[r]) / T - th0 / TWO_PI)
            k_last = math.floor((end[f] - t0[r]) / T) + 2
            k = np.arange(k_first, k_last + 1)
            # fixed point on the unwrapped azimuth (3 iterations from the azimuth at t0 + k T)
            t = t0[r] + k * T
            lat, lon, h, _v, _p = eval_flight(traj, f, np.clip(t, start[f], end[f]))
            thu = np.unwrap(np.concatenate([[th0], polar(lat, lon, h, ra.lat[r], ra.lon[r], ra.h_ant[r], kr, earth_r)[1]]))[1:]
            t = t0[r] + (k + thu / TWO_PI) * T
            for _ in range(3):
                lat, lon, h, _v, _p = eval_flight(traj, f, np.clip(t, start[f], end[f]))
                az = polar(lat, lon, h, ra.lat[r], ra.lon[r], ra.h_ant[r], kr, earth_r)[1]
                thu = az + TWO_PI * np.floor((thu - az) / TWO_PI + 0.5)
                t = t0[r] + (k + thu / TWO_PI) * T
            t = t[(t >= start[f]) & (t <= end[f])]
            lat, lon, h, v, ph = eval_flight(traj, f, t)
            rng, az, el = polar(lat, lon, h, ra.lat[r], ra.lon[r], ra.h_ant[r], kr, earth_r)
            with np.errstate(invalid="ignore"):
                hmin = _bilinear(ra.gmin[ra.grid[r]], lat, lon, ra.lat0, ra.dlat, ra.lon0, ra.dlon)
                hmax = _bilinear(ra.gmax[ra.grid[r]], lat, lon, ra.lat0, ra.dlat, ra.lon0, ra.dlon)
                vis = (np.isin(ph, (1, 3, 4)) & (rng <= ra.range_max[r]) & (el >= ra.el_min[r]) & (el <= ra.el_max[r])
                       & (h <= ra.alt_max[r]) & (h >= hmin) & ~(h > hmax))
            t, lat, lon, h, v, rng, az, el = (x[vis] for x in (t, lat, lon, h, v, rng, az, el))
            rev = np.floor((t - t0[r]) / T + 1e-9).astype(np.int64)
            uid = np.full(t.size, targets.uid[f], np.int64)
            rk = np.full(t.size, ra.key[r], np.int64)
            kind = ra.kind[r]
            det = np.zeros(t.size, bool)
            pd = np.full(t.size, np.nan)
            if kind != 2:
                sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
                nn = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sl * sl)
                x = (nn + h) * cl * co
                y = (nn + h) * cl * so
                z = (nn * (1.0 - WGS84_E2) + h) * sl
                dx, dy, dz = ra.ecef[r, 0] - x, ra.ecef[r, 1] - y, ra.ecef[r, 2] - z
                de = -so * dx + co * dy
                dn = -sl * co * dx - sl * so * dy + cl * dz
                du = cl * co * dx + cl * so * dy + sl * dz
                ve, vn, vu = v[:, 0], v[:, 1], v[:, 2]
                vr = -(ve * de + vn * dn + vu * du) / rng
                vh = np.hypot(ve, vn)
                dh = np.hypot(de, dn)
                with np.errstate(invalid="ignore", divide="ignore"):
                    psi = np.arccos(np.clip((ve * de + vn * dn) / (vh * dh), -1, 1))
                db = np.where(psi <= np.pi / 2, nose + (beam - nose) * psi / (np.pi / 2),
                              beam + (tail - beam) * (psi - np.pi / 2) / (np.pi / 2))
                gain = np.where((vh > 1e-6) & (dh > 1e-6), 10.0 ** (db / 10.0) / norm, 1.0)
                snr = ra.snr_ref[r] * (targets.rcs_m2[f] * gain / ra.ref_rcs[r]) * (ra.ref_range[r] / rng) ** 4
                pd = ra.pfa[r] ** (1.0 / (1.0 + snr))
                if options.mti_notch_mps > 0:
                    pd = pd * np.minimum(1.0, (vr / options.mti_notch_mps) ** 2)
                det = hash_uniform(k0, k1, uid, rk, rev, 0) < pd
            rep = np.zeros(t.size, bool)
            if targets.transponder_on[f] and (kind == 2 or ra.iff[r]):
                rep = hash_uniform(k0, k1, uid, rk, rev, 1) < ra.pd_coop[r]
            keep = det | rep
            n = int(keep.sum())
            if n == 0:
                continue
            sel = lambda x: x[keep]
            uid, rk, rev_k = sel(uid), sel(rk), sel(rev)
            out["time_s"].append(sel(t))
            out["sensor"].append(np.full(n, r))
            out["range_m"].append(sel(rng) + ra.sigma[r, 0] * hash_normal(k0, k1, uid, rk, rev_k, 2))
            azm = sel(az) + ra.sigma[r, 1] * hash_normal(k0, k1, uid, rk, rev_k, 4)
            out["azimuth_rad"].append(azm - TWO_PI * np.floor(azm / TWO_PI))
            is3 = (kind == 0) & sel(det)
            elm = sel(el) + ra.sigma[r, 2] * hash_normal(k0, k1, uid, rk, rev_k, 6)
            out["elevation_rad"].append(np.where(is3, elm, np.nan))
            out["dims"].append(np.where(is3, 3, 2))
            rp = sel(rep)
            out["mode_c_m"].append(np.where(rp, options.mode_c_step_m * np.floor(sel(h) / options.mode_c_step_m + 0.5),
                                            np.nan))
            out["squawk"].append(np.where(rp, targets.squawk[f], -1))
            out["truth"].append(np.full(n, f))
            out["scan"].append(rev_k)
            out["pd"].append(sel(pd))
    return {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in out.items()}


def ra_up(ra, r) -> bool:
    return bool(getattr(ra, "up", None) is None or ra.up[r])


# ------------------------------------------------------------------------------------------
# Flights: routing and the study window
def max_terrain_numpy(router, lat1, lon1, lat2, lon2, skip_m: float = 0.0) -> float:
    """Highest terrain (m) along the great circle 1 -> 2 as :meth:`Router.max_terrain` defines it: the path
    densified every <= ``router.sample_m``, sampled with ``router.terrain``, the first and last ``skip_m``
    left out (-inf when nothing is left)."""
    from scenarios.flights.trajectory import densify, path_length_m

    la, lo, _ = densify([lat1, lat2], [lon1, lon2], router.sample_m)
    h = router.terrain(la, lo)
    if skip_m > 0:
        s = path_length_m(la, lo)
        keep = (s >= skip_m) & (s <= s[-1] - skip_m)
        h = h[keep] if np.any(keep) else h[:0]
    return float(h.max()) if h.size else -math.inf


def near_drug_spans_reference(bg, drug, distance_m: float, time_s: float,
                              step_s: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`near_drug_spans`, the slow obvious way (its oracle and its bench baseline): every airborne
    sample of both sets (every ``step_s``, the same instants) on the sphere, a SciPy k-d tree over the drug
    samples, and a Python loop over each background sample's hits within ``distance_m`` (chord)."""
    from scipy.spatial import cKDTree

    from radar._kernels.trajectory import eval_many

    def samples(tr):
        s, e = tr.time_span()
        ts = [np.minimum(np.arange(s[f], e[f] + step_s, step_s), e[f]) for f in range(tr.n_flights)]
        f = np.concatenate([np.full(t.size, i, np.int64) for i, t in enumerate(ts)] or [np.zeros(0, np.int64)])
        t = np.concatenate(ts or [np.zeros(0)])
        lat, lon, _h, _v, ph = eval_many(tr.offsets, tr.t_s, tr.lat_rad, tr.lon_rad, tr.h_m, tr.phase, f, t)
        ok = np.isin(ph, (1, 3, 4))
        xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]) * 6371008.8
        return f[ok], t[ok], xyz[ok]

    first = np.full(bg.n_flights, np.nan)
    last = np.full(bg.n_flights, np.nan)
    df, dt, dx = samples(drug)
    if df.size == 0:
        return first, last
    bf, bt, bx = samples(bg)
    for i, h in enumerate(cKDTree(dx).query_ball_point(bx, r=distance_m)):
        if h and np.any(np.abs(dt[np.asarray(h)] - bt[i]) <= time_s):
            f = bf[i]
            first[f] = np.fmin(first[f], bt[i])
            last[f] = np.fmax(last[f], bt[i])
    return first, last


# ------------------------------------------------------------------------------------------
# Engagement: synthetic inputs: straight constant-velocity flights, perfectly tracked at a
# fixed update interval, with their truth.
@dataclass(frozen=True)
class StraightFlight:
    """A constant-velocity flight and its (perfect) track, SI units, scenario ENU.

    Airborne on [t0, t1] from (x0, y0) at (vx, vy), height h_m MSL.  The track exists on
    [track_t0, track_t1] (default: the airborne window) with updates every dt_s.  Legs:
    ``t_land`` ends an inbound leg, ``t_takeoff`` .. ``t_border_out`` is an outbound leg.
    ``turn_t`` / (``turn_vx``, ``turn_vy``): from turn_t on the aircraft flies that velocity
    instead (the track, ended before, does not know).  kind: 0 drug, 1 cooperative, 2 innocent
    (default from is_drug).  rcs_m2: mean RCS.  (track_dx, track_dy): a constant error of the
    track's position (m).
    """

    x0: float
    y0: float
    vx: float
    vy: float
    t0: float
    t1: float
    h_m: float = 500.0
    track_t0: float | None = None
    track_t1: float | None = None
    dt_s: float = 10.0
    sigma_m: float = 100.0
    squawk: int = -1
    flight_plan: bool = False
    is_drug: bool = True
    t_border_in: float = math.nan
    t_land: float = math.nan
    t_takeoff: float = math.nan
    t_border_out: float = math.nan
    status: int = 1
    turn_t: float = math.inf
    turn_vx: float = 0.0
    turn_vy: float = 0.0
    kind: int | None = None
    rcs_m2: float = 1.0
    obs_lag_s: float = 0.0
    track_dx: float = 0.0
    track_dy: float = 0.0

    def xy(self, t):
        """True horizontal position at times t (NaN outside [t0, t1])."""
        t = np.asarray(t, float)
        a = np.minimum(t, self.turn_t) - self.t0
        b = np.maximum(t - self.turn_t, 0.0)
        x = self.x0 + self.vx * a + self.turn_vx * b
        y = self.y0 + self.vy * a + self.turn_vy * b
        off = (t < self.t0) | (t > self.t1)
        return np.where(off, np.nan, x), np.where(off, np.nan, y)


def _enu_at_height(frame, x, y, h):
    """Scenario ENU z of the point above (x, y) at height h (x, y kept)."""
    from scenarios.engagement.truth import plane_to_geodetic

    x = np.atleast_1d(np.asarray(x, float))
    y = np.atleast_1d(np.asarray(y, float))
    lat, lon = plane_to_geodetic(frame, x, y, h)
    return np.atleast_2d(frame.geodetic_to_enu(lat, lon, np.broadcast_to(h, x.shape)))[:, 2]


def synthetic_inputs(flights: list[StraightFlight], frame, picture: str = "military"):
    """(picture, truth, planned_codes) for straight flights; track ids = flight index + 1.

    A flight's ``obs_lag_s`` > 0 makes its track rows cross-told reports: each row written at t
    carries the observation of t - obs_lag_s, predicted to t (``t_obs_s`` = t - obs_lag_s)."""
    from scenarios.engagement.engagement import FlightTruth, PictureArrays, planned_codes_of
    from scenarios.engagement.truth import sample_grid

    cols = {k: [] for k in ("time_s", "track", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "pos_sigma_m", "status", "squawk",
                            "t_obs_s")}
    for i, f in enumerate(flights):
        a = f.t0 if f.track_t0 is None else f.track_t0
        b = f.t1 if f.track_t1 is None else f.track_t1
        if b < a:
            continue
        t = np.arange(a, b + 1e-9, f.dt_s)
        t_obs = t - f.obs_lag_s
        x = f.x0 + f.track_dx + f.vx * (t_obs - f.t0) + f.vx * f.obs_lag_s
        y = f.y0 + f.track_dy + f.vy * (t_obs - f.t0) + f.vy * f.obs_lag_s
        cols["time_s"].append(t)
        cols["t_obs_s"].append(t_obs)
        cols["track"].append(np.full(t.size, i + 1))
        cols["x_m"].append(x)
        cols["y_m"].append(y)
        cols["z_m"].append(_enu_at_height(frame, x, y, f.h_m))
        cols["vx_mps"].append(np.full(t.size, f.vx))
        cols["vy_mps"].append(np.full(t.size, f.vy))
        cols["pos_sigma_m"].append(np.full(t.size, f.sigma_m))
        cols["status"].append(np.full(t.size, f.status))
        cols["squawk"].append(np.full(t.size, f.squawk))
    cat = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
    n = cat["time_s"].size
    pic = PictureArrays(time_s=cat["time_s"], track=cat["track"].astype(np.int64), x_m=cat["x_m"], y_m=cat["y_m"],
                        z_m=cat["z_m"], vx_mps=cat["vx_mps"], vy_mps=cat["vy_mps"], vz_mps=np.zeros(n),
                        pos_sigma_m=cat["pos_sigma_m"], status=cat["status"].astype(np.int8),
                        squawk=cat["squawk"].astype(np.int64), name=picture,
                        t_obs_s=cat["t_obs_s"] if any(f.obs_lag_s for f in flights) else None)
    fl = flights

    def position_enu(times):
        times = np.asarray(times, float)
        out = np.full((len(fl), times.size, 3), np.nan)
        for i, f in enumerate(fl):
            out[i, :, 0], out[i, :, 1] = f.xy(times)
        m = np.isfinite(out[:, :, 0])
        if m.any():   # one conversion for every flight (speed)
            h = np.broadcast_to(np.array([f.h_m for f in fl], float)[:, None], m.shape)[m]
            out[m, 2] = _enu_at_height(frame, out[m, 0], out[m, 1], h)
        return out

    def sample(which, dt):
        offs, t0s, parts = [0], [], []
        for i in which:
            f = fl[int(i)]
            t = sample_grid(f.t0, f.t1, dt)
            x, y = f.xy(t)
            t0s.append(t[0] if t.size else 0.0)
            parts.append(np.column_stack([x, y]))
            offs.append(offs[-1] + t.size)
        xy = np.concatenate(parts) if parts else np.zeros((0, 2))
        return np.array(offs, np.int64), np.array(t0s, float), xy, None

    def detected(f, a, b):
        ta = f.t0 if f.track_t0 is None else f.track_t0
        tb = f.t1 if f.track_t1 is None else f.track_t1
        return bool(tb >= ta and tb >= a and ta <= b)

    leg_det = np.array([[detected(f, -np.inf, f.t_land if math.isfinite(f.t_land) else -np.inf),
                         detected(f, f.t_takeoff if math.isfinite(f.t_takeoff) else np.inf, np.inf)] for f in fl],
                       dtype=bool).reshape(len(fl), 2)
    kind = np.array([(0 if f.is_drug else 1) if f.kind is None else f.kind for f in fl], np.int8)
    truth = FlightTruth(id=np.arange(len(fl), dtype=np.int64), is_drug=np.array([f.is_drug for f in fl], bool),
                        t_border_in=np.array([f.t_border_in for f in fl], float),
                        t_land=np.array([f.t_land for f in fl], float),
                        t_takeoff=np.array([f.t_takeoff for f in fl], float),
                        t_border_out=np.array([f.t_border_out for f in fl], float),
                        t_first_plot=np.array([(f.t0 if f.track_t0 is None else f.track_t0) for f in fl], float),
                        leg_detected=leg_det, position_enu=position_enu, kind=kind,
                        rcs_m2=np.array([f.rcs_m2 for f in fl], float), sample=sample)
    codes = planned_codes_of([f.squawk for f in fl], [f.squawk >= 0 for f in fl], [f.flight_plan for f in fl])
    return pic, truth, codes
