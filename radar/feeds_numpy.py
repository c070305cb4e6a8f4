"""Plain NumPy implementation of the same target-plot model as :func:`radar._kernels.feeds.scan_plots`.

The oracle of the Numba kernels (tests) and the in-run baseline of ``benches/bench_feeds.py``.
Written the obvious vectorised way: for every (flight, radar) pair whose straight-line distance
ever comes within the instrumented range, every antenna revolution over the flight's whole
lifetime is solved at once (fixed point on the unwrapped azimuth, 3 iterations), the trajectory is
evaluated with ``searchsorted`` and the same detection model and counter-based draws are applied.
No pre-pass: that is the point of the comparison.
"""
from __future__ import annotations

import math

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
    """NumPy twin of :func:`radar._kernels.feeds.hash_u64` (arrays broadcast)."""
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
