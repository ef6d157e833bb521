"""Gaussian-mixture kernels: blocked pairwise squared distances and log-sum-exp.

For query rows ``q_i`` and centre rows ``c_j`` the kernels return, per query,

    log sum_j exp(-|q_i - c_j|^2 * scale)

over all centres and over the centres of the query's class (centres sorted by class, so
a class is the slice ``[class_start, class_end)``). Three entry points:

- :func:`self_log_sums`: queries are the centres (every pair once, the self term 1);
- :func:`query_log_sums`: some centres as queries, each with its own term 1 (the
  query-subset path of :class:`~skmi.KDEMI`);
- :func:`mixture_log_sums`: arbitrary queries (noisy draws), with a running maximum.

Distances come from ``|q|^2 + |c|^2 - 2 q.c`` in float64, the dot products of a tile of
queries and centres computed at once by BLAS (``np.dot`` into a reused buffer, so memory
is O(block * tile) whatever the number of queries). The exponentials are then taken in
one fused pass over the tile (``prange`` over rows, or over chunks of rows with their own
column sums for the symmetric kernel): each value is written back over the tile and
summed with eight independent accumulators, so that LLVM vectorises the pass without
``fastmath`` (a running float sum is a dependency chain it may not reorder). The loops
run from 0 over slices: an index LLVM cannot prove non-negative gets Numba's wraparound
test, which stops vectorisation (a five-fold slowdown). The exponential is
:func:`exp_nonpositive`, a branch-free Cody-Waite reduction and degree-13 Taylor
polynomial that vectorises (libm's ``exp`` is a call per value): within about 1 ulp of
``np.exp`` on ``[-708, 0]``, its whole domain here. About 2 ns per pair and core, against
the 20-40 ns of the float64 dot product at d = 256.

The identity loses precision when a distance is far below the norms (near duplicates
far from the centre, under a noise far below their norm): its error on a squared
distance is at most ``(2d + 8) u (|q|^2 + |c|^2)`` (``u = 2^-53``). Pairs for which that
bound could move a kernel exponent by more than ``EXPONENT_TOL`` (1e-10) and whose term
could lie above the cut are recomputed from the differences ``q - c``; for data at
ordinary scales no pair qualifies and the check costs one comparison per row.

Why not float32 dot products (twice as fast in BLAS)? Their rounding, of order
``6e-8 sqrt(d) |q| |c|`` on a squared distance (``6e-8 d |q| |c|`` at worst), moves a
kernel exponent by about 1e-5 at d = 256 and a noise scale where the estimate is
informative; the 1e-9 nats these kernels agree with float64 to would need every term
within about 1e-10, and at such scales nearly every pair's term matters (a float32 screen
that skips negligible pairs saves nothing when none is negligible). Callers should centre
the data first (it shrinks the norms and with them the cancellation in the identity).

Terms below ``exp(cut)`` relative to the row's largest term are skipped (set to 0); the
callers choose ``cut`` so the skipped mass is below the float64 rounding of the sum.

The passes run through :func:`skmi._kernels._interrupt.run`, which stops them between
two row blocks when Ctrl-C is pressed.
"""

import numba
import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.extending import intrinsic

from skmi._kernels._interrupt import run  # no jitted code: not a cache dependency

from ._jit import jit
from .cancel import cancelled

#: Centre columns per BLAS call (a tile is ``block x TILE_COLS`` float64, one per thread).
TILE_COLS = 2048
#: The smallest exponent :func:`exp_nonpositive` takes (``exp(-708)`` is still normal).
EXP_FLOOR = -708.0
#: The largest error in a kernel exponent left to the norms identity: pairs whose bound
#: (:func:`_exactness`) is larger have their distance recomputed from the differences.
EXPONENT_TOL = 1e-10

_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # trailing zeros: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_ROUND = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer


@intrinsic
def _bits_float64(typingctx, x):
    """Reinterpret an int64 as the float64 of the same bits."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@jit(inline="always")
def exp_nonpositive(v):
    """``exp(v)`` for ``EXP_FLOOR <= v <= 0``, branch-free (jitted code only).

    ``v = k ln2 + r`` with ``k`` the nearest integer to ``v / ln2`` and ``|r| <= ln2 / 2``
    (``ln2`` in two parts, so ``r`` is exact to about 2^-60); ``exp(r)`` by its Taylor
    series to degree 13 (truncation below 2e-17); ``2^k`` by writing ``k + 1023`` into
    the exponent bits.
    """
    k = (v * _INV_LN2 + _ROUND) - _ROUND
    r = (v - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * _bits_float64((np.int64(k) + 1023) << 52)


@jit
def exp_nonpositive_array(v):
    """:func:`exp_nonpositive` of every value of a 1-D array (for tests)."""
    out = np.empty(v.size)
    for i in range(v.size):
        out[i] = exp_nonpositive(v[i])
    return out


@jit(inline="always")
def _sum8(a):
    """``a.sum()`` with eight accumulators (vectorises without fastmath)."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    n8 = a.size // 8
    for t in range(n8):
        j = 8 * t
        s0 += a[j]
        s1 += a[j + 1]
        s2 += a[j + 2]
        s3 += a[j + 3]
        s4 += a[j + 4]
        s5 += a[j + 5]
        s6 += a[j + 6]
        s7 += a[j + 7]
    s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    for j in range(8 * n8, a.size):
        s += a[j]
    return s


@jit(inline="always")
def _terms_acc(g, sq_c, qs, scale, cut, acc):
    """:func:`_terms` written over ``g``, each also added to ``acc``."""
    for j in range(g.size):
        dist = qs + sq_c[j] - 2.0 * g[j]
        v = -max(dist, 0.0) * scale
        e = exp_nonpositive(max(v, cut))
        e = e if v > cut else 0.0
        g[j] = e
        acc[j] += e


@jit(inline="always")
def _terms(g, sq_c, qs, scale, cut, out):
    """``out[j] = exp(v_j)`` if ``v_j > cut`` else 0, for ``v_j = -|q - c_j|^2 scale``
    (``|q - c_j|^2 = qs + sq_c[j] - 2 g[j]``, at least 0); ``cut >= EXP_FLOOR``."""
    for j in range(g.size):
        dist = qs + sq_c[j] - 2.0 * g[j]
        v = -max(dist, 0.0) * scale
        e = exp_nonpositive(max(v, cut))
        out[j] = e if v > cut else 0.0


def _exactness(scale, d, sq_max):
    """``(gs, risk)`` for the identity ``|q|^2 + |c|^2 - 2 q.c`` in float64.

    Its error on a squared distance is at most ``(2d + 8) u (|q|^2 + |c|^2)`` (the
    norms and the dot product each within ``d u`` of their size, ``u = 2^-53``, and
    three roundings), so ``gs (|q|^2 + |c|^2)`` bounds the error of the exponent. Pairs
    with ``|q|^2 + |c|^2 > risk`` may be off by more than ``EXPONENT_TOL``: near
    duplicates far from the centre under a noise far below their norm. ``risk`` is
    ``inf`` when no pair (``2 sq_max``) reaches it.
    """
    gs = float(scale) * (2 * d + 8) * 2.0**-53
    risk = EXPONENT_TOL / gs if gs > 0 else np.inf
    return gs, (risk if 2.0 * sq_max > risk else np.inf)


@jit(inline="always")
def _sq_dist(a, b):
    """``|a - b|^2`` from the differences, with eight accumulators."""
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    n8 = a.size // 8
    for t in range(n8):
        k = 8 * t
        x0 = a[k] - b[k]
        x1 = a[k + 1] - b[k + 1]
        x2 = a[k + 2] - b[k + 2]
        x3 = a[k + 3] - b[k + 3]
        x4 = a[k + 4] - b[k + 4]
        x5 = a[k + 5] - b[k + 5]
        x6 = a[k + 6] - b[k + 6]
        x7 = a[k + 7] - b[k + 7]
        s0 += x0 * x0
        s1 += x1 * x1
        s2 += x2 * x2
        s3 += x3 * x3
        s4 += x4 * x4
        s5 += x5 * x5
        s6 += x6 * x6
        s7 += x7 * x7
    s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    for k in range(8 * n8, a.size):
        x = a[k] - b[k]
        s += x * x
    return s


@jit
def _exact_terms(g, sq_c, qs, scale, cut, gs, risk, q, C, idx, val):
    """The terms of one row that the identity may get wrong by more than
    ``EXPONENT_TOL`` and that may lie above the cut, from the differences ``q - C[j]``
    (``C`` the centre rows of ``g``): their positions into ``idx``, their values into
    ``val``. Returns how many. ``g`` holds the dot products (read only)."""
    k = 0
    for j in range(g.size):
        s = qs + sq_c[j]
        if s > risk and -max(s - 2.0 * g[j], 0.0) * scale + gs * s > cut:
            v = -_sq_dist(q, C[j]) * scale
            idx[k] = j
            val[k] = exp_nonpositive(max(v, cut)) if v > cut else 0.0
            k += 1
    return k


# --------------------------------------------------------------------- scaffolding
_CONTROLLER = None


def _one_blas_thread():
    """Context in which BLAS runs on one thread: the kernels call it from each of their
    own threads (a BLAS pool of its own would spin-wait between calls, taking cores
    from the Numba threads: twice the time at d = 16)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        import scipy.linalg.cython_blas  # noqa: F401  (the BLAS behind Numba's np.dot)
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def _buffers(rows, cols):
    """One ``rows x cols`` tile buffer per Numba thread (flat)."""
    return np.empty((numba.get_num_threads(), rows * cols))


@jit(inline="always")
def _dot_tile(buf, A, B):
    """``A @ B.T`` into the front of the flat buffer ``buf`` (BLAS)."""
    G = buf[:A.shape[0] * B.shape[0]].reshape((A.shape[0], B.shape[0]))
    np.dot(A, B.T, G)
    return G


# ------------------------------------------------------------------ every pair once
@jit(parallel=True)
def _self_pass(X, sq, scale, row_class, class_end, cut, gs, risk, sq_max, block, tile,
               total, within, acc, bufs, cancel):
    """Every pair ``i < j`` once, added to both rows' sums; stops between two row
    blocks once ``cancel[0]`` is set.

    Thread ``t`` takes the row blocks ``t, t + T, ...`` (balanced: a block's work is
    its number of columns right of the diagonal); per block, tiles of ``tile`` columns
    from the diagonal on: BLAS dot products into the thread's buffer, then the fused
    exponentials. A row's own sums go straight into ``total`` / ``within`` (one thread
    owns a row); column sums go into the thread's rows of ``acc``, reduced at the end.
    Pair ``(i, j)`` is within a class iff ``j < class_end[class of i]`` (rows sorted by
    class). Rows that may hold pairs at risk (``gs``, ``risk``: :func:`_exactness`)
    have those redone from the differences.
    """
    n = X.shape[0]
    n_threads = bufs.shape[0]
    n_blocks = (n + block - 1) // block
    for t in prange(n_threads):
        buf = bufs[t]
        acc_t = acc[2 * t]
        acc_w = acc[2 * t + 1]
        acc_t[:] = 0.0
        acc_w[:] = 0.0
        fix_idx = np.empty(tile, np.int64)
        fix_val = np.empty(tile)
        for blk in range(t, n_blocks, n_threads):
            if cancelled(cancel):
                break
            b0 = blk * block
            b1 = min(b0 + block, n)
            for c0 in range(b0, n, tile):
                c1 = min(c0 + tile, n)
                G = _dot_tile(buf, X[b0:b1], X[c0:c1])
                for r in range(b1 - b0):
                    i = b0 + r
                    lo = max(c0, i + 1)
                    if lo >= c1:
                        continue
                    # slices, so every loop below runs from 0: an index LLVM cannot
                    # prove non-negative gets Numba's wraparound test, which stops
                    # vectorisation
                    g = G[r, lo - c0:]
                    sq_c = sq[lo:c1]
                    a = acc_t[lo:c1]
                    n_fix = 0
                    if sq[i] + sq_max > risk:
                        n_fix = _exact_terms(g, sq_c, sq[i], scale, cut, gs, risk, X[i],
                                             X[lo:c1], fix_idx, fix_val)
                    if n_fix == 0:
                        _terms_acc(g, sq_c, sq[i], scale, cut, a)
                    else:
                        _terms(g, sq_c, sq[i], scale, cut, g)
                        for k in range(n_fix):
                            g[fix_idx[k]] = fix_val[k]
                        for jj in range(g.size):
                            a[jj] += g[jj]
                    hi = min(max(class_end[row_class[i]], lo), c1)
                    if hi > lo:
                        gw = g[:hi - lo]
                        aw = acc_w[lo:hi]
                        for jj in range(gw.size):
                            aw[jj] += gw[jj]
                        within[i] += _sum8(gw)
                    total[i] += _sum8(g)
    for j in prange(n):
        st = 0.0
        sw = 0.0
        for t in range(n_threads):
            st += acc[2 * t, j]
            sw += acc[2 * t + 1, j]
        total[j] += st
        within[j] += sw


def self_log_sums(X, scale, row_class, class_start, class_end, *, block=256, cut=-745.0,
                  tile=TILE_COLS):
    """Per row of ``X``: ``log sum_j exp(-|x_i - x_j|^2 * scale)`` over all rows and
    over the rows of its class (rows sorted by class: class ``k`` is the slice
    ``[class_start[k], class_end[k])``). The self term (exactly 1) is included, so every
    term is at most 1 and no running maximum is needed. Each pair is evaluated once,
    in tiles of ``block`` rows by ``tile`` columns on or right of the diagonal. Pairs
    whose exponent the norms identity could get wrong by more than ``EXPONENT_TOL``
    (near duplicates under a tiny noise) are recomputed from the differences.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    sq = np.einsum("ij,ij->i", X, X)
    total = np.ones(n)
    within = np.ones(n)
    sq_max = float(sq.max(initial=0.0))
    gs, risk = _exactness(scale, X.shape[1], sq_max)
    bufs = _buffers(block, tile)
    acc = np.empty((2 * bufs.shape[0], n))
    args = (X, sq, float(scale), np.asarray(row_class, np.int64),
            np.asarray(class_end, np.int64), max(float(cut), EXP_FLOOR), gs, risk, sq_max,
            block, tile, total, within, acc, bufs)

    def step(cancel):
        total[:] = 1.0
        within[:] = 1.0
        _self_pass(*args, cancel)

    with _one_blas_thread():
        run(step)
    return np.log(total), np.log(within)


# ---------------------------------------------------------- queries with a self term
@jit(parallel=True)
def _query_pass(Q, C, q_sq, c_sq, scale, self_index, q_class, class_start, class_end,
                cut, gs, risk, c_sq_max, block, tile, total, within, bufs, cancel):
    """Queries against all centres, in tiles (thread ``t`` takes the query blocks
    ``t, t + T, ...``); the distance from query i to centre ``self_index[i]`` is
    exactly 0 (its term 1, the largest). Pairs at risk (:func:`_exactness`) are redone
    from the differences. Sums accumulate into ``total`` / ``within``. Stops between
    two blocks once ``cancel[0]`` is set."""
    n_q = Q.shape[0]
    n_c = C.shape[0]
    n_threads = bufs.shape[0]
    n_blocks = (n_q + block - 1) // block
    for t in prange(n_threads):
        buf = bufs[t]
        fix_idx = np.empty(tile, np.int64)
        fix_val = np.empty(tile)
        for blk in range(t, n_blocks, n_threads):
            if cancelled(cancel):
                break
            q0 = blk * block
            q1 = min(q0 + block, n_q)
            for c0 in range(0, n_c, tile):
                c1 = min(c0 + tile, n_c)
                G = _dot_tile(buf, Q[q0:q1], C[c0:c1])
                for r in range(q1 - q0):
                    i = q0 + r
                    g = G[r]
                    sq_c = c_sq[c0:c1]
                    n_fix = 0
                    if q_sq[i] + c_sq_max > risk:
                        n_fix = _exact_terms(g, sq_c, q_sq[i], scale, cut, gs, risk, Q[i],
                                             C[c0:c1], fix_idx, fix_val)
                    _terms(g, sq_c, q_sq[i], scale, cut, g)
                    for k in range(n_fix):
                        g[fix_idx[k]] = fix_val[k]
                    own = self_index[i]
                    if c0 <= own < c1:
                        g[own - c0] = 1.0
                    k = q_class[i]
                    lo = min(max(class_start[k], c0), c1)
                    hi = min(max(class_end[k], lo), c1)
                    total[i] += _sum8(g)
                    within[i] += _sum8(g[lo - c0:hi - c0])


def query_log_sums(Q, C, self_index, scale, q_class, class_start, class_end, *,
                   block=256, cut=-745.0, tile=TILE_COLS):
    """Per query ``q_i = C[self_index[i]]``: ``(log sum over all centres, log sum over
    its class's centres)`` of ``exp(-|q_i - c_j|^2 * scale)``, the own term exactly 1.

    ``Q`` holds the query rows themselves (``C[self_index]``), ``q_class`` their
    classes and ``class_start`` / ``class_end`` the slices of ``C`` (sorted by class).
    With every row as a query this is :func:`self_log_sums` (to rounding), at twice the
    work.
    """
    Q = np.ascontiguousarray(Q, dtype=np.float64)
    C = np.ascontiguousarray(C, dtype=np.float64)
    q_sq = np.einsum("ij,ij->i", Q, Q)
    c_sq = np.einsum("ij,ij->i", C, C)
    total = np.zeros(Q.shape[0])
    within = np.zeros(Q.shape[0])
    c_sq_max = float(c_sq.max(initial=0.0))
    gs, risk = _exactness(scale, C.shape[1], max(c_sq_max, float(q_sq.max(initial=0.0))))
    bufs = _buffers(block, tile)
    args = (Q, C, q_sq, c_sq, float(scale), np.asarray(self_index, np.int64),
            np.asarray(q_class, np.int64), np.asarray(class_start, np.int64),
            np.asarray(class_end, np.int64), max(float(cut), EXP_FLOOR), gs, risk,
            c_sq_max, block, tile, total, within, bufs)
    def step(cancel):
        total[:] = 0.0
        within[:] = 0.0
        _query_pass(*args, cancel)

    with _one_blas_thread():
        run(step)
    return np.log(total), np.log(within)


# ------------------------------------------------------------- arbitrary queries
@jit(inline="always")
def _max8(a):
    """``a.max()`` (``-inf`` if empty) with eight running maxima."""
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = -np.inf
    n8 = a.size // 8
    for t in range(n8):
        j = 8 * t
        m0 = max(m0, a[j])
        m1 = max(m1, a[j + 1])
        m2 = max(m2, a[j + 2])
        m3 = max(m3, a[j + 3])
        m4 = max(m4, a[j + 4])
        m5 = max(m5, a[j + 5])
        m6 = max(m6, a[j + 6])
        m7 = max(m7, a[j + 7])
    m = max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
    for j in range(8 * n8, a.size):
        m = max(m, a[j])
    return m


@jit(inline="always")
def _shifted_terms(v, vmax, cut, out):
    """``out[j] = exp(v[j] - vmax)`` if above ``exp(cut)``, else 0 (``v <= vmax``)."""
    for j in range(v.size):
        x = v[j] - vmax
        e = exp_nonpositive(min(max(x, cut), 0.0))
        out[j] = e if x > cut else 0.0


@jit(inline="always")
def _stream(v, m, s, cut, scratch):
    """One tile ``v`` into a running log-sum-exp ``(max m, sum s of exp(. - m))``."""
    m_new = max(m, _max8(v))
    if m > -np.inf and m_new > m:
        s *= exp_nonpositive(max(m - m_new, EXP_FLOOR))
    out = scratch[:v.size]
    _shifted_terms(v, m_new, cut, out)
    return m_new, s + _sum8(out)


@jit(parallel=True)
def _mixture_pass(Q, C, q_sq, c_sq, scale, self_terms, q_class, class_start, class_end,
                  cut, gs, risk, c_sq_max, block, tile, total, within, bufs, scratch,
                  cancel):
    """Queries against all centres, in tiles (thread ``t`` takes the query blocks
    ``t, t + T, ...``), each row a running log-sum-exp over the tiles: over all centres
    and over those of its class. A term skipped against the running maximum is below
    ``exp(cut)`` of the final one too. In rows that may hold pairs at risk
    (:func:`_exactness`), those whose exponent may come within the cut of the running
    lower bound on the row's maximum are redone from the differences. Stops between two
    blocks once ``cancel[0]`` is set."""
    n_q = Q.shape[0]
    n_c = C.shape[0]
    n_threads = bufs.shape[0]
    n_blocks = (n_q + block - 1) // block
    for t in prange(n_threads):
        buf = bufs[t]
        sc = scratch[t]
        for blk in range(t, n_blocks, n_threads):
            if cancelled(cancel):
                break
            q0 = blk * block
            q1 = min(q0 + block, n_q)
            m_t = np.full(q1 - q0, -np.inf)
            s_t = np.zeros(q1 - q0)
            m_w = np.full(q1 - q0, -np.inf)
            s_w = np.zeros(q1 - q0)
            low = np.full(q1 - q0, -np.inf)  # lower bound on the row's (class's) max
            for c0 in range(0, n_c, tile):
                c1 = min(c0 + tile, n_c)
                G = _dot_tile(buf, Q[q0:q1], C[c0:c1])
                sq_c = c_sq[c0:c1]
                for r in range(q1 - q0):
                    i = q0 + r
                    g = G[r]
                    qs = q_sq[i]
                    for j in range(g.size):
                        g[j] = -max(qs + sq_c[j] - 2.0 * g[j], 0.0) * scale
                    if self_terms and c0 <= i < c1:
                        g[i - c0] = 0.0
                    k = q_class[i]
                    lo = min(max(class_start[k], c0), c1) - c0
                    hi = min(max(class_end[k], c0 + lo), c1) - c0
                    if qs + c_sq_max > risk:
                        slack = gs * (qs + c_sq_max)
                        if class_end[k] > class_start[k]:
                            low[r] = max(low[r], (_max8(g[lo:hi]) if hi > lo else -np.inf)
                                         - slack)
                        else:
                            low[r] = max(low[r], _max8(g) - slack)
                        for j in range(g.size):
                            s = qs + sq_c[j]
                            if s > risk and g[j] + gs * s > low[r] + cut:
                                g[j] = -_sq_dist(Q[i], C[c0 + j]) * scale
                        if self_terms and c0 <= i < c1:
                            g[i - c0] = 0.0
                    m_t[r], s_t[r] = _stream(g, m_t[r], s_t[r], cut, sc)
                    if hi > lo:
                        m_w[r], s_w[r] = _stream(g[lo:hi], m_w[r], s_w[r], cut, sc)
            for r in range(q1 - q0):
                i = q0 + r
                total[i] = m_t[r] + np.log(s_t[r])
                within[i] = m_w[r] + np.log(s_w[r]) if s_w[r] > 0 else -np.inf


def mixture_log_sums(Q, C, scale, q_class, class_start, class_end, *, self_terms,
                     block=256, cut=-745.0, tile=TILE_COLS):
    """Per query: ``(log sum over all centres, log sum over its class's centres)``.

    Parameters
    ----------
    Q : (n_q, d) float64, C : (n_c, d) float64
        Query and centre rows (read-only is fine).
    scale : float
        ``1 / (2 * variance)``.
    q_class : (n_q,) int64
        Class of each query; ``class_start`` / ``class_end`` give the slice of ``C``
        holding that class's centres (an empty class gives ``-inf``).
    self_terms : bool
        ``Q is C``: the distance of row i to centre i is exactly 0.
    block, tile : int
        Query rows and centre columns per BLAS call; memory is ``8 * block * tile``
        bytes per thread.
    cut : float
        Skip terms below ``exp(cut)`` times the row's largest term.
    """
    Q = np.ascontiguousarray(Q, dtype=np.float64)
    C = np.ascontiguousarray(C, dtype=np.float64)
    q_sq = np.einsum("ij,ij->i", Q, Q)
    c_sq = q_sq if self_terms else np.einsum("ij,ij->i", C, C)
    total = np.empty(Q.shape[0])
    within = np.empty(Q.shape[0])
    c_sq_max = float(c_sq.max(initial=0.0))
    gs, risk = _exactness(scale, C.shape[1], max(c_sq_max, float(q_sq.max(initial=0.0))))
    bufs = _buffers(block, tile)
    scratch = np.empty((bufs.shape[0], tile))
    args = (Q, C, q_sq, c_sq, float(scale), bool(self_terms),
            np.asarray(q_class, np.int64), np.asarray(class_start, np.int64),
            np.asarray(class_end, np.int64), max(float(cut), EXP_FLOOR), gs, risk,
            c_sq_max, block, tile, total, within, bufs, scratch)
    with _one_blas_thread():
        run(lambda cancel: _mixture_pass(*args, cancel))
    return total, within
