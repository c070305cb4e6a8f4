"""Output rows of the tracker: one row per confirmed track at each output time, and on update if asked.

A row (:class:`tracker._kernels.tables.RowBuffers`) holds the state predicted to the row time, the predicted
position covariance (with the process noise over the prediction), the vertical standard deviation along the
local up, the track id, status, code and sensor mask.
"""
from __future__ import annotations

import math

from radar._jit import kernel
from tracker._kernels.kalman import process_noise_pos, up_vector_approx


@kernel(inline="always")  # small, per update (speed: tracker._kernels.loop)
def emit_row(rows, nrow, time, X, PP, i, t_state, tid, squawk, smask, q_h, q_v, earth_r, up, Q):
    """Append the row of confirmed slot i of the track table's ``X``, ``PP`` at ``time`` (state predicted from
    ``t_state``; id, code and sensor mask given); rows beyond the capacity are only counted.  Returns the number
    of rows.  Scratch: up (3,), Q (6, 6).  Slot arrays by index, no views (speed: see
    :func:`tracker._kernels.imm.imm_step`)."""
    r_time = rows.time
    if nrow < r_time.shape[0]:
        state = rows.state
        pc = rows.pos_cov
        dt = time - t_state
        for a in range(3):
            state[nrow, a] = X[i, a] + dt * X[i, 3 + a]
            state[nrow, 3 + a] = X[i, 3 + a]
        up_vector_approx(X[i, 0], X[i, 1], X[i, 2], earth_r, up)
        process_noise_pos(dt, q_h, q_v, up, Q)  # Q[:3, :3] only (the rest is not read here)
        k = 0
        for a in range(3):
            for b in range(a, 3):
                pc[nrow, k] = (PP[i, a, b] + dt * (PP[i, a, b + 3] + PP[i, a + 3, b]) + dt * dt * PP[i, a + 3, b + 3]
                               + Q[a, b])
                k += 1
        # u^T C u with C = (xx, xy, xz, yy, yz, zz)
        vv = (up[0] * up[0] * pc[nrow, 0] + up[1] * up[1] * pc[nrow, 3] + up[2] * up[2] * pc[nrow, 5]
              + 2.0 * (up[0] * up[1] * pc[nrow, 1] + up[0] * up[2] * pc[nrow, 2] + up[1] * up[2] * pc[nrow, 4]))
        rows.sigma_v[nrow] = math.sqrt(max(vv, 0.0))
        r_time[nrow] = time
        rows.track[nrow] = tid
        rows.status[nrow] = 3
        rows.squawk[nrow] = squawk
        rows.sensors[nrow] = smask
    return nrow + 1


@kernel(inline="always")  # one call site, in the loop (speed: tracker._kernels.loop)
def emit_snapshot(rows, nrow, time, tab, hiwater, cfg, sc):
    """A row for every confirmed track seen within ``max_unseen`` of ``time``; returns the number of rows."""
    status = tab.status
    last_seen = tab.last_seen
    X = tab.x
    PP = tab.P
    t = tab.t
    tid = tab.tid
    tsq = tab.tsq
    smask = tab.smask
    up = sc.up
    Q = sc.Q
    for i in range(hiwater):
        if status[i] == 3 and time - last_seen[i] <= cfg.max_unseen:
            nrow = emit_row(rows, nrow, time, X, PP, i, t[i], tid[i], tsq[i], smask[i], cfg.q_h, cfg.q_v, cfg.earth_r,
                            up, Q)
    return nrow
