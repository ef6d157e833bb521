"""Gaussian-mixture kernels: blocked pairwise squared distances and log-sum-exp.

For query rows ``q_i`` and centre rows ``c_j`` the kernels return, per query,

    log sum_j exp(-|q_i - c_j|^2 * scale)

over all centres and over the centres of the query's class (centres sorted by class, so
a class is the slice ``[class_start, class_end)``). Distances come from
``|q|^2 + |c|^2 - 2 q.c`` with the dot products of a block of ``block`` query rows
computed at once by BLAS (``np.dot``), so memory is O(block * n_centres) whatever the
number of queries; the exponentials are then summed in one fused pass, ``prange`` over
the rows of the block. Callers should centre the data first (it shrinks the norms and
with them the cancellation in that identity).

Terms below ``exp(cut)`` relative to the row's largest term are skipped; the callers
choose ``cut`` so the skipped mass is below the float64 rounding of the sum.
"""

import numpy as np
from numba import prange

from ._jit import jit


@jit(parallel=True)
def _lse_block(G, q_sq, c_sq, scale, q0, self_terms, q_class, class_start, class_end,
               cut, total, within):
    """Row-wise log-sum-exp of one ``(B, n_c)`` block of dot products ``G``."""
    b, n_c = G.shape
    for r in prange(b):
        i = q0 + r
        cs = class_start[q_class[i]]
        ce = class_end[q_class[i]]
        qs = q_sq[i]
        # pass 1: the largest term (0 for the self term of a centre)
        vmax = -np.inf
        wmax = -np.inf
        if self_terms:  # the self term exp(0) is the largest of both sums
            vmax = 0.0
            wmax = 0.0
        for j in range(n_c if not self_terms else 0):
            dist = qs + c_sq[j] - 2.0 * G[r, j]
            if dist < 0.0 or (self_terms and j == i):
                dist = 0.0
            v = -dist * scale
            if v > vmax:
                vmax = v
            if cs <= j < ce and v > wmax:
                wmax = v
        # pass 2: sums of exp(v - max), skipping negligible terms
        s = 0.0
        w = 0.0
        for j in range(n_c):
            dist = qs + c_sq[j] - 2.0 * G[r, j]
            if dist < 0.0 or (self_terms and j == i):
                dist = 0.0
            v = -dist * scale
            if v - vmax > cut:
                s += np.exp(v - vmax)
            if cs <= j < ce and v - wmax > cut:
                w += np.exp(v - wmax)
        total[i] = vmax + np.log(s)
        within[i] = wmax + np.log(w) if ce > cs else -np.inf


@jit(parallel=True)
def _self_block(G, sq, scale, b0, class_start, class_end, row_class, cut, total, within):
    """Symmetric block: rows ``b0..b0+B`` against centres ``j >= b0`` (``G`` is
    ``X[b0:b0+B] @ X[b0:].T``). Each pair ``i < j`` is evaluated once and added to both
    rows; the exponentials are written over ``G`` between the two passes.
    """
    b, m = G.shape
    # pass 1, by rows: exponentials of the pairs j > i, row sums
    for r in prange(b):
        i = b0 + r
        ce = class_end[row_class[i]]
        s = 0.0
        w = 0.0
        for jj in range(m):
            j = b0 + jj
            e = 0.0
            if j > i:
                dist = sq[i] + sq[j] - 2.0 * G[r, jj]
                if dist < 0.0:
                    dist = 0.0
                v = -dist * scale
                if v > cut:
                    e = np.exp(v)
                    s += e
                    if j < ce:
                        w += e
            G[r, jj] = e
        total[i] += s
        within[i] += w
    # pass 2, by chunks of columns: column sums of the pairs i < j
    n_chunks = (m + 63) // 64
    for k in prange(n_chunks):
        j0 = k * 64
        j1 = min(j0 + 64, m)
        for r in range(b):
            i = b0 + r
            for jj in range(j0, j1):
                e = G[r, jj]
                if e != 0.0:
                    j = b0 + jj
                    total[j] += e
                    if i >= class_start[row_class[j]]:
                        within[j] += e


def self_log_sums(X, scale, row_class, class_start, class_end, *, block=256, cut=-745.0):
    """Per row of ``X``: ``log sum_j exp(-|x_i - x_j|^2 * scale)`` over all rows and
    over the rows of its class (rows sorted by class: class ``k`` is the slice
    ``[class_start[k], class_end[k])``). The self term (exactly 1) is included, so every
    term is at most 1 and no running maximum is needed. Each pair is evaluated once.
    """
    n = X.shape[0]
    sq = np.einsum("ij,ij->i", X, X)
    total = np.ones(n)
    within = np.ones(n)
    for b0 in range(0, n, block):
        G = np.dot(X[b0:b0 + block], X[b0:].T)
        _self_block(G, sq, float(scale), b0, class_start, class_end, row_class,
                    float(cut), total, within)
    return np.log(total), np.log(within)


def mixture_log_sums(Q, C, scale, q_class, class_start, class_end, *, self_terms,
                     block=256, cut=-745.0):
    """Per query: ``(log sum over all centres, log sum over its class's centres)``.

    Parameters
    ----------
    Q : (n_q, d) float64, C : (n_c, d) float64
        Query and centre rows (read-only is fine).
    scale : float
        ``1 / (2 * variance)``.
    q_class : (n_q,) int64
        Class of each query; ``class_start`` / ``class_end`` give the slice of ``C``
        holding that class's centres.
    self_terms : bool
        ``Q is C``: the distance of row i to centre i is exactly 0.
    block : int
        Query rows per BLAS call; memory is ``8 * block * n_c`` bytes.
    cut : float
        Skip terms below ``exp(cut)`` times the row's largest term.
    """
    n_q = Q.shape[0]
    q_sq = np.einsum("ij,ij->i", Q, Q)
    c_sq = q_sq if self_terms else np.einsum("ij,ij->i", C, C)
    total = np.empty(n_q)
    within = np.empty(n_q)
    Ct = np.ascontiguousarray(C.T)
    for q0 in range(0, n_q, block):
        G = np.dot(Q[q0:q0 + block], Ct)
        _lse_block(G, q_sq, c_sq, float(scale), q0, self_terms, q_class, class_start,
                   class_end, float(cut), total, within)
    return total, within
