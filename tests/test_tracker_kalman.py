"""Kalman and IMM kernels against FilterPy (the oracle), and covariance health over 10^6 updates."""
import math

import numpy as np
import pytest

from radar._jit import kernel
from tracker._kernels.kalman import (ct_transition, cv_transition, joseph_update, predict, predict_cv_inplace,
                                     process_noise, up_vector_approx, work_buffer)
from tolerances import REL, assert_close


def _rand_spd(rng, n, scale):
    A = rng.normal(size=(n, n))
    return A @ A.T * scale + np.eye(n) * scale


def test_kalman_step_matches_filterpy_over_1000_random_steps():
    from filterpy.kalman import KalmanFilter

    rng = np.random.default_rng(7)
    x = rng.normal(size=6) * 1e3
    P = _rand_spd(rng, 6, 1e3)
    kf = KalmanFilter(dim_x=6, dim_z=3)
    kf.x = x.reshape(6, 1).copy()
    kf.P = P.copy()
    F = np.empty((6, 6))
    Q = np.empty((6, 6))
    u = np.empty(3)
    tmp = np.empty((6, 6))
    w = work_buffer()
    worst_x = worst_P = 0.0
    for step in range(1200):
        dt = rng.uniform(-1.0, 20.0)
        kind = step % 3
        if kind == 0:
            cv_transition(dt, F)
        else:
            ct_transition(dt, math.radians(2.0) * (1 if kind == 1 else -1), F)
        up_vector_approx(x[0], x[1], x[2], 6371008.8, u)
        process_noise(dt, rng.uniform(0.5, 5.0), rng.uniform(0.1, 1.0), u, Q)
        kf.F, kf.Q = F.copy(), Q.copy()
        kf.predict()
        xo, Po = np.empty(6), np.empty((6, 6))
        predict(x, P, F, Q, xo, Po, tmp)
        x, P = xo, Po
        m = int(rng.integers(1, 4))
        H = np.zeros((3, 6))
        H[:m] = rng.normal(size=(m, 6))
        R = np.zeros((3, 3))
        R[:m, :m] = _rand_spd(rng, m, 100.0)
        z = H[:m] @ x + rng.multivariate_normal(np.zeros(m), R[:m, :m])
        kf.dim_z = m
        kf.update(z.reshape(m, 1), R=R[:m, :m].copy(), H=H[:m].copy())
        y = np.zeros(3)
        y[:m] = z - H[:m] @ x
        d2, det = joseph_update(x, P, y, H, R, m, w)
        assert det > 0
        # tolerances: rtol 1e-9 and atol 1e-9 * max|P|
        np.testing.assert_allclose(P, kf.P, rtol=1e-9, atol=1e-9 * np.abs(kf.P).max())
        np.testing.assert_allclose(x, kf.x.ravel(), rtol=1e-9, atol=1e-9 * max(1.0, np.abs(kf.x).max()))
        assert d2 == pytest.approx(float((kf.y.T @ kf.SI @ kf.y).item()), rel=1e-7, abs=1e-7)  # NIS (dimensionless)
        worst_x = max(worst_x, np.abs(x - kf.x.ravel()).max())
        worst_P = max(worst_P, np.abs(P - kf.P).max() / np.abs(kf.P).max())
    assert worst_P < 1e-9


def test_structured_cv_prediction_equals_generic():
    rng = np.random.default_rng(3)
    F = np.empty((6, 6))
    Q = np.empty((6, 6))
    u = np.empty(3)
    tmp = np.empty((6, 6))
    for _ in range(200):
        x = rng.normal(size=6) * 1e4
        P = _rand_spd(rng, 6, 1e4)
        dt = rng.uniform(-2, 30)
        cv_transition(dt, F)
        up_vector_approx(x[0], x[1], x[2], 6371008.8, u)
        process_noise(dt, 2.0, 0.5, u, Q)
        xo, Po = np.empty(6), np.empty((6, 6))
        predict(x, P, F, Q, xo, Po, tmp)
        predict_cv_inplace(x, P, dt, Q)
        np.testing.assert_allclose(x, xo, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(P, Po, rtol=1e-11, atol=1e-11 * np.abs(Po).max())


def test_process_noise_is_dwna_per_axis():
    """With up = z, Q equals FilterPy's Q_discrete_white_noise per axis (var q_h^2 horizontally, q_v^2 vertically)."""
    from filterpy.common import Q_discrete_white_noise

    Q = np.empty((6, 6))
    process_noise(7.0, 3.0, 0.5, np.array([0.0, 0.0, 1.0]), Q)
    for axis, q in ((0, 3.0), (1, 3.0), (2, 0.5)):
        ref = Q_discrete_white_noise(dim=2, dt=7.0, var=q * q)
        got = Q[np.ix_([axis, axis + 3], [axis, axis + 3])]
        np.testing.assert_allclose(got, ref, rtol=1e-14)


def _imm_plot(z, R):
    """One Cartesian 3D plot (row 0) as the tracker kernels take it."""
    from tracker._kernels.tables import PlotColumns

    pos = np.asarray(z, float).reshape(1, 3)
    cov = np.array([[R[0, 0], R[0, 1], R[0, 2], R[1, 1], R[1, 2], R[2, 2]]])
    return PlotColumns(time=np.zeros(1), proc=np.zeros(1), sensor=np.zeros(1, np.int64), mtype=np.zeros(1, np.int8),
                       pos=pos, cov=cov, range=np.zeros(1), azimuth=np.zeros(1), mode_c=np.full(1, np.nan),
                       squawk=np.full(1, -1, np.int64), late=np.zeros(1, np.int8), bstart=np.array([0, 1]))


def test_imm_matches_filterpy_imm_estimator():
    from filterpy.kalman import IMMEstimator, KalmanFilter

    from tracker._kernels import tables as T
    from tracker._kernels.imm import imm_step

    rng = np.random.default_rng(11)
    dt = 5.0
    tau = 60.0
    omega = math.radians(2.0)
    q_h, q_v = 2.0, 0.5
    big_r = 1e30  # makes the local up exactly +z so that Q is the same for every model and step
    stay = math.exp(-dt / tau)
    off = 0.5 * (1 - stay)
    M = np.array([[stay, off, off], [off, stay, off], [off, off, stay]])
    Fs = [np.empty((6, 6)) for _ in range(3)]
    cv_transition(dt, Fs[0])
    ct_transition(dt, omega, Fs[1])
    ct_transition(dt, -omega, Fs[2])
    Q = np.empty((6, 6))
    process_noise(dt, q_h, q_v, np.array([0.0, 0.0, 1.0]), Q)
    x0 = np.array([1e4, -2e4, 3e3, 120.0, 40.0, 0.0])
    P0 = np.diag([200.0 ** 2] * 3 + [30.0 ** 2] * 3)
    mu0 = np.array([0.8, 0.1, 0.1])
    filters = []
    for F in Fs:
        kf = KalmanFilter(dim_x=6, dim_z=3)
        kf.x = x0.reshape(6, 1).copy()
        kf.P = P0.copy()
        kf.F = F.copy()
        kf.Q = Q.copy()
        kf.H = np.hstack((np.eye(3), np.zeros((3, 3))))
        filters.append(kf)
    imm = IMMEstimator(filters, mu0.copy(), M)
    # the tracker's track table, two slots; slot 1 is the one stepped (slot 0 must stay untouched)
    tab = T.new_track_table(2, True)
    xm, Pm, mu, x_out, P_out = tab.xm, tab.Pm, tab.mu, tab.x, tab.P
    xm[1] = np.tile(x0, (3, 1))
    Pm[1] = np.tile(P0, (3, 1, 1))
    mu[1] = mu0
    params = np.zeros(T.N_PARAMS)
    params[T.P_QH], params[T.P_QV], params[T.P_OMEGA], params[T.P_IMM_TAU] = q_h, q_v, omega, tau
    params[T.P_EARTH_R], params[T.P_MODE_C_SIGMA], params[T.P_IMM] = big_r, 30.0, 1.0
    cfg = T.settings(params)
    sites = T.Sites(sigma=np.ones((1, 3)), trig=np.zeros((1, 8)), origin_ecef=np.zeros(3), frame_rot=np.eye(3))
    sc = T.new_scratch()
    truth = x0.copy()
    R = np.diag([150.0 ** 2, 150.0 ** 2, 300.0 ** 2])
    for k in range(300):
        Ft = Fs[(k // 40) % 3]
        truth = Ft @ truth
        z = truth[:3] + rng.multivariate_normal(np.zeros(3), R)
        for f in imm.filters:
            f.R = R.copy()
        imm.predict()
        imm.update(z.reshape(3, 1))
        imm_step(tab, 1, dt, cfg, _imm_plot(z, R), 0, sites, sc, 0.0, 0.0, 0.0)
        np.testing.assert_allclose(mu[1], imm.mu, rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(x_out[1], imm.x.ravel(), rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(P_out[1], imm.P, rtol=1e-9, atol=1e-9 * np.abs(imm.P).max())
        assert not xm[0].any() and not Pm[0].any() and not mu[0].any() and not x_out[0].any() and not P_out[0].any()
    assert imm.mu.max() < 0.999  # the test exercised mode switching, not a degenerate filter


@kernel
def _spd_loop(n, seed_x, R_diag, out):
    """n predict/update cycles with varying dt and measurement geometry; counts non-SPD covariances."""
    x = np.zeros(6)
    P = np.eye(6) * 1e6
    Q = np.zeros((6, 6))
    u = np.zeros(3)
    H = np.zeros((3, 6))
    R = np.zeros((3, 3))
    y = np.zeros(3)
    w = np.empty((6, 6, 6))
    np.random.seed(seed_x)
    bad = 0
    asym = 0.0
    for k in range(n):
        dt = 0.01 + 30.0 * np.random.random()
        up_vector_approx(x[0], x[1], x[2], 6371008.8, u)
        process_noise(dt, 3.0, 0.5, u, Q)
        predict_cv_inplace(x, P, dt, Q)
        m = 2 + (k % 2)
        for a in range(3):
            for b in range(6):
                H[a, b] = 0.0
            for b in range(3):
                R[a, b] = 0.0
        for a in range(m):
            H[a, a] = 1.0
            R[a, a] = R_diag[a] * (0.01 + np.random.random())
            y[a] = np.random.normal() * math.sqrt(R[a, a])
        joseph_update(x, P, y, H, R, m, w)
        if k % 97 == 0:
            ev = np.linalg.eigvalsh(P)
            if ev[0] <= 0.0:
                bad += 1
            for a in range(6):
                for b in range(6):
                    d = abs(P[a, b] - P[b, a])
                    if d > asym:
                        asym = d
    out[0] = bad
    out[1] = asym


def test_covariances_stay_symmetric_positive_definite_over_1e6_updates():
    out = np.zeros(2)
    _spd_loop(1_000_000, 5, np.array([1e4, 4e4, 9e4]), out)
    assert out[0] == 0, f"{int(out[0])} non-positive-definite covariances"
    assert out[1] == 0.0  # the Joseph update writes both triangles from one value


def test_structured_position_update_equals_generic_joseph():
    from tracker._kernels.kalman import joseph_update_position

    rng = np.random.default_rng(9)
    w1, w2 = work_buffer(), work_buffer()
    for _ in range(500):
        m = int(rng.integers(2, 4))
        x = rng.normal(size=6) * 1e3
        P = _rand_spd(rng, 6, 1e4)
        R = np.zeros((3, 3))
        R[:m, :m] = _rand_spd(rng, m, 1e3)
        H = np.zeros((3, 6))
        H[np.arange(m), np.arange(m)] = 1.0
        y = np.zeros(3)
        y[:m] = rng.normal(size=m) * 100
        x1, P1, x2, P2 = x.copy(), P.copy(), x.copy(), P.copy()
        a = joseph_update(x1, P1, y, H, R, m, w1)
        b = joseph_update_position(x2, P2, y, R, m, w2)
        assert a[0] == pytest.approx(b[0], rel=1e-10) and a[1] == pytest.approx(b[1], rel=1e-12)
        np.testing.assert_allclose(x2, x1, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(P2, P1, rtol=1e-9, atol=1e-10 * np.abs(P1).max())


def test_block_prediction_equals_generic():
    from tracker._kernels.kalman import predict_blocks, transition_blocks

    rng = np.random.default_rng(12)
    F = np.empty((6, 6))
    B = np.empty((3, 3))
    G = np.empty((3, 3))
    Q = np.empty((6, 6))
    tmp = np.empty((6, 6))
    for k in range(300):
        dt = rng.uniform(-2, 30)
        w = [0.0, math.radians(2.0), -math.radians(3.0)][k % 3]
        (cv_transition(dt, F) if w == 0 else ct_transition(dt, w, F))
        transition_blocks(dt, w, B, G)
        # two kernels of the same formulas: B (s) to 1e-12 of |dt|, G (dimensionless) to 1e-12
        assert_close(B, F[:3, 3:], rtol=REL, atol=REL * max(1.0, abs(dt)))
        assert_close(G, F[3:, 3:], rtol=REL, atol=REL)
        x = rng.normal(size=6) * 1e3
        P = _rand_spd(rng, 6, 1e3)
        process_noise(dt, 2.0, 0.5, np.array([0.0, 0.6, 0.8]), Q)
        xa, Pa, xb, Pb = np.empty(6), np.empty((6, 6)), np.empty(6), np.empty((6, 6))
        predict(x, P, F, Q, xa, Pa, tmp)
        predict_blocks(x, P, B, G, Q, xb, Pb, tmp)
        np.testing.assert_allclose(xb, xa, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(Pb, Pa, rtol=1e-11, atol=1e-11 * np.abs(Pa).max())


def test_structured_polar_update_equals_generic_joseph():
    """joseph_update_hpos (H = [Hp 0], m = 1, 2: Mode C and range/azimuth) equals the generic Joseph update to rounding."""
    from tracker._kernels.kalman import joseph_update_hpos

    rng = np.random.default_rng(10)
    w1, w2 = work_buffer(), work_buffer()
    for _ in range(500):
        m = int(rng.integers(1, 4))
        x = rng.normal(size=6) * 1e3
        P = _rand_spd(rng, 6, 1e4)
        R = np.zeros((3, 3))
        R[:m, :m] = _rand_spd(rng, m, 1e3)
        Hp = np.zeros((3, 3))
        Hp[:m] = rng.normal(size=(m, 3))
        H = np.zeros((3, 6))
        H[:, :3] = Hp
        y = np.zeros(3)
        y[:m] = rng.normal(size=m) * 100
        x1, P1, x2, P2 = x.copy(), P.copy(), x.copy(), P.copy()
        a = joseph_update(x1, P1, y, H, R, m, w1)
        b = joseph_update_hpos(x2, P2, y, Hp, R, m, w2)
        assert a[0] == pytest.approx(b[0], rel=1e-9) and a[1] == pytest.approx(b[1], rel=1e-12)
        np.testing.assert_allclose(x2, x1, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(P2, P1, rtol=1e-9, atol=1e-10 * np.abs(P1).max())
        assert (P2 == P2.T).all()


def _assert_same_update(a, b, x1, P1, x2, P2):
    """Two implementations of one Joseph update: (NIS, det S) to 1e-12 relative, the state to 1e-12 relative
    + 1e-9 (m, m/s), the covariance to 1e-12 of its largest entry (m^2, m^2/s, m^2/s^2)."""
    assert a[0] == pytest.approx(b[0], rel=REL) and a[1] == pytest.approx(b[1], rel=REL)
    assert_close(x2, x1, rtol=REL, atol=1e-9)
    assert_close(P2, P1, rtol=REL, atol=REL * np.abs(P1).max())


def test_scalar_polar_updates_equal_the_structured_update():
    """joseph_update_hpos1/2 (generated scalar code, the tracker's Mode C and range/azimuth updates) equal
    joseph_update_hpos to rounding (same operation order, but two implementations: compared with a
    tolerance, not bit for bit)."""
    from tracker._kernels.kalman import joseph_update_hpos, joseph_update_hpos1, joseph_update_hpos2

    rng = np.random.default_rng(12)
    w = work_buffer()
    for _ in range(300):
        for m, fn in ((1, joseph_update_hpos1), (2, joseph_update_hpos2)):
            x = rng.normal(size=6) * 1e3
            P = _rand_spd(rng, 6, 1e4)
            R = np.zeros((3, 3))
            R[:m, :m] = _rand_spd(rng, m, 1e3)
            Hp = np.zeros((3, 3))
            Hp[:m] = rng.normal(size=(m, 3))
            y = np.zeros(3)
            y[:m] = rng.normal(size=m) * 100
            x1, P1, x2, P2 = x.copy(), P.copy(), x.copy(), P.copy()
            a = joseph_update_hpos(x1, P1, y, Hp, R, m, w)
            b = fn(x2, P2, y, Hp, R)
            _assert_same_update(a, b, x1, P1, x2, P2)


def test_scalar_position_updates_equal_the_structured_update():
    """joseph_update_position2/3 (generated scalar code, the tracker's Cartesian updates) equal
    joseph_update_position to rounding (same operation order; compared with a tolerance)."""
    from tracker._kernels.kalman import joseph_update_position, joseph_update_position2, joseph_update_position3

    rng = np.random.default_rng(13)
    w = work_buffer()
    for _ in range(300):
        for m, fn in ((2, joseph_update_position2), (3, joseph_update_position3)):
            x = rng.normal(size=6) * 1e3
            P = _rand_spd(rng, 6, 1e4)
            R = np.zeros((3, 3))
            R[:m, :m] = _rand_spd(rng, m, 1e3)
            y = np.zeros(3)
            y[:m] = rng.normal(size=m) * 100
            x1, P1, x2, P2 = x.copy(), P.copy(), x.copy(), P.copy()
            a = joseph_update_position(x1, P1, y, R, m, w)
            b = fn(x2, P2, y, R)
            _assert_same_update(a, b, x1, P1, x2, P2)


def test_unrolled_updates_are_the_generators_output_byte_for_byte():
    """tracker/_kernels/kalman_unrolled.py is generated by tools/gen_kalman.py: regenerating gives the committed
    file, so nobody edits the generated code by hand (change the generator and rerun it)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("gen_kalman", root / "tools" / "gen_kalman.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    committed = (root / "tracker" / "_kernels" / "kalman_unrolled.py").read_bytes()
    assert committed.startswith(b"# GENERATED by tools/gen_kalman.py")
    assert gen.render().encode("utf-8") == committed
    assert gen.main(["--check"]) == 0


def test_unrolled_position_updates_equal_the_loops():
    """The generated scalar updates (m = 2, 3) equal joseph_update_position's loops on a symmetric P (the
    generator keeps the loops' order of operations; two implementations, so compared with a tolerance)."""
    from tracker._kernels.kalman import joseph_update_position
    from tracker._kernels.kalman_unrolled import joseph_update_position2, joseph_update_position3

    @kernel
    def both(x, P, y, R, m, w, out_x, out_P):
        x1 = x.copy()
        P1 = P.copy()
        d1, e1 = joseph_update_position(x1, P1, y, R, m, w)
        x2 = x.copy()
        P2 = P.copy()
        if m == 2:
            d2, e2 = joseph_update_position2(x2, P2, y, R)
        else:
            d2, e2 = joseph_update_position3(x2, P2, y, R)
        out_x[0] = x1
        out_x[1] = x2
        out_P[0] = P1
        out_P[1] = P2
        return d1, e1, d2, e2

    rng = np.random.default_rng(5)
    w = work_buffer()
    for k in range(400):
        m = 2 + k % 2
        P = _rand_spd(rng, 6, 10.0 ** rng.uniform(0, 6))
        P = 0.5 * (P + P.T)
        R = _rand_spd(rng, m, 10.0 ** rng.uniform(0, 4))
        R = 0.5 * (R + R.T)
        x = rng.normal(size=6) * 1e4
        y = rng.normal(size=m) * 100.0
        out_x = np.empty((2, 6))
        out_P = np.empty((2, 6, 6))
        d1, e1, d2, e2 = both(x, P, y, R, m, w, out_x, out_P)
        _assert_same_update((d1, e1), (d2, e2), out_x[0], out_P[0], out_x[1], out_P[1])


def test_hold_vertical_matches_the_projection_formula():
    """hold_vertical_k = T P T^T + blockdiag(var_p u u^T, var_v u u^T), T = blockdiag(I - u u^T, I - u u^T);
    the state moved dz along u, its vertical velocity removed; the result symmetric positive definite."""
    from tracker._kernels.kalman import hold_vertical_k

    rng = np.random.default_rng(5)
    for _ in range(50):
        A = rng.normal(size=(6, 6)) * rng.uniform(1, 300, 6)
        P0 = A @ A.T + np.eye(6)
        u = rng.normal(size=3)
        u /= np.linalg.norm(u)
        x0 = rng.normal(size=6) * 1e3
        dz, vp, vv = rng.uniform(-500, 500), rng.uniform(1e4, 1e7), rng.uniform(1, 1e3)
        X, PP = x0.reshape(1, 6).copy(), P0.reshape(1, 6, 6).copy()
        hold_vertical_k(X, PP, 0, u, dz, vp, vv, np.zeros((2, 6)))
        M = np.eye(3) - np.outer(u, u)
        T = np.zeros((6, 6))
        T[:3, :3] = M
        T[3:, 3:] = M
        want = T @ P0 @ T.T
        want[:3, :3] += vp * np.outer(u, u)
        want[3:, 3:] += vv * np.outer(u, u)
        np.testing.assert_allclose(PP[0], want, rtol=1e-10, atol=1e-8 * np.abs(P0).max())
        np.testing.assert_allclose(X[0, :3], x0[:3] + dz * u, rtol=0, atol=1e-9)
        np.testing.assert_allclose(X[0, 3:] @ u, 0.0, atol=1e-9)
        assert np.all(np.linalg.eigvalsh(PP[0]) > 0)
        # the vertical is decoupled: P u (position) = var_p u, no cross terms with the velocity
        np.testing.assert_allclose(PP[0, :3, :3] @ u, vp * u, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(PP[0, 3:, :3] @ u, 0.0, atol=1e-6 * np.abs(P0).max())
