"""Pure-NumPy references for the Numba kernels (for tests; O(n^2) memory)."""

import numpy as np


def pairwise_chebyshev(a, b=None):
    b = a if b is None else b
    return np.abs(a[:, None, :] - b[None, :, :]).max(axis=2)


def pairwise_euclidean(a, b=None):
    """Euclidean distances with the squares summed in column order, as the kernels
    sum them (NumPy's ``sum`` pairs terms from 8 columns on, which rounds otherwise)."""
    b = a if b is None else b
    diff = a[:, None, :] - b[None, :, :]
    acc = np.zeros(diff.shape[:2])
    for c in range(diff.shape[2]):
        acc += diff[:, :, c] ** 2
    return np.sqrt(acc)


def knn_distances(data, k, metric="chebyshev"):
    """Sorted distances to the k nearest other points, ``(n, k)``."""
    dist = pairwise_chebyshev(data) if metric == "chebyshev" else pairwise_euclidean(data)
    np.fill_diagonal(dist, np.inf)
    return np.sort(dist, axis=1)[:, :k]


def count_within(data, thresholds, queries=None, self_index=None):
    """Max-norm counts of other points strictly closer than ``thresholds``."""
    queries = data if queries is None else queries
    dist = pairwise_chebyshev(queries, data)
    inside = dist < np.asarray(thresholds)[:, None]
    if self_index is not None:
        rows = np.flatnonzero(self_index >= 0)
        inside[rows, self_index[rows]] = False
    return inside.sum(axis=1)


def knn_counts(blocks, k, rule, subsets):
    """Reference for ``brute_knn_counts``: ``blocks`` is a list of ``(n, d_g)`` arrays."""
    dg = np.stack([pairwise_chebyshev(b) for b in blocks])  # (G, n, n)
    n = dg.shape[1]
    joint = dg.max(axis=0)
    np.fill_diagonal(joint, np.inf)
    order = np.argsort(joint, axis=1, kind="stable")[:, :k]
    eps = np.take_along_axis(joint, order[:, -1:], axis=1)[:, 0]
    eps_g = np.stack([np.take_along_axis(d, order, axis=1).max(axis=1) for d in dg], 1)
    n_ties = (joint == 0).sum(axis=1) if rule == 2 else np.zeros(n, np.int64)
    counts = np.empty((n, len(subsets)), np.int64)
    for s, mask in enumerate(subsets):
        dsub = dg[np.asarray(mask)].max(axis=0)
        if rule == 0:
            thr = eps
        elif rule == 1:
            thr = np.nextafter(eps_g[:, np.asarray(mask)].max(axis=1), np.inf)
        else:
            thr = np.where(eps > 0, eps, np.nextafter(0.0, 1.0))
        inside = dsub < thr[:, None]
        np.fill_diagonal(inside, False)
        counts[:, s] = inside.sum(axis=1)
    return eps, eps_g, counts, n_ties


def pairwise_blocks(blocks):
    """Distances under the max over ``blocks`` (a list of ``(n, d_g)`` arrays) of each
    block's Euclidean distance: the metric of :mod:`skmi._kernels.groups`."""
    return np.max(np.stack([pairwise_euclidean(b) for b in blocks]), axis=0)


def group_knn_distances(blocks, k):
    """Reference for ``group_brute_knn``/``group_kdtree_knn``: sorted block distances
    to the k nearest other rows, ``(n, k)``."""
    dist = pairwise_blocks(blocks)
    np.fill_diagonal(dist, np.inf)
    return np.sort(dist, axis=1)[:, :k]


def group_count_within(blocks, thresholds):
    """Reference for ``group_brute_count``/``group_kdtree_count``: other rows strictly
    closer than ``thresholds`` under the block distance."""
    inside = pairwise_blocks(blocks) < np.asarray(thresholds)[:, None]
    np.fill_diagonal(inside, False)
    return inside.sum(axis=1)


# ---------------------------------------------------------------------- binning, KDE
def bin_indices(X, edges, closed_last=True):
    """``(n, d)`` bin indices by ``np.digitize`` against each column's edges.

    ``edges`` is one sorted 1-D array (shared) or a list of them (per column). With
    ``closed_last`` a value equal to the last edge goes to the last interval (as
    ``numpy.histogram``); otherwise it is its own index (``np.digitize``).
    """
    X = np.asarray(X, dtype=np.float64)
    out = np.empty(X.shape, np.int64)
    for c in range(X.shape[1]):
        e = np.asarray(edges if np.ndim(edges[0]) == 0 else edges[c])
        idx = np.digitize(X[:, c], e) - 1
        if closed_last:
            idx[X[:, c] == e[-1]] = e.size - 2
        out[:, c] = idx
    return out


def row_codes(B):
    """Codes of the distinct rows of an integer matrix (``np.unique(axis=0)``)."""
    return np.unique(B, axis=0, return_inverse=True)[1].reshape(-1)


def plugin_mi(a, b):
    """Plug-in I(A; B) in nats from two code vectors (joint table by np.unique)."""
    a = np.unique(a, return_inverse=True)[1].reshape(-1)
    b = np.unique(b, return_inverse=True)[1].reshape(-1)
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1.0)
    p = joint / joint.sum()
    pa = p.sum(axis=1, keepdims=True)
    pb = p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] / (pa @ pb)[nz])))


def log_sum_exp_pairs(Q, C, scale, q_class=None, c_class=None):
    """Per query: ``log sum_j exp(-|q_i - c_j|^2 * scale)`` over all centres and over the
    centres of the same class (dense ``(n_q, n_c)`` matrices)."""
    from scipy.special import logsumexp

    D = ((Q[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    V = -D * scale
    total = logsumexp(V, axis=1)
    if q_class is None:
        return total, total
    same = np.asarray(q_class)[:, None] == np.asarray(c_class)[None, :]
    return total, logsumexp(np.where(same, V, -np.inf), axis=1)


def log_sum_exp_queries(Q, C, scale, self_index, q_class=None, c_class=None):
    """:func:`log_sum_exp_pairs` for queries that are centres: the distance from query
    i to centre ``self_index[i]`` is exactly 0 (its term exactly 1)."""
    from scipy.special import logsumexp

    D = ((Q[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    D[np.arange(Q.shape[0]), np.asarray(self_index)] = 0.0
    V = -D * scale
    total = logsumexp(V, axis=1)
    if q_class is None:
        return total, total
    same = np.asarray(q_class)[:, None] == np.asarray(c_class)[None, :]
    return total, logsumexp(np.where(same, V, -np.inf), axis=1)


def kt_terms(X, codes, var, rows=None, block=256):
    """Kolchinsky-Tracey terms ``log S_i^(y) - log S_i`` of the rows ``rows`` (all by
    default) against all rows, in float64 from the differences themselves (no norms
    identity), ``block`` queries at a time; ``var`` is the kernel variance."""
    from scipy.special import logsumexp

    X = np.asarray(X, dtype=np.float64)
    X = X - X.mean(axis=0)
    codes = np.asarray(codes)
    rows = np.arange(X.shape[0]) if rows is None else np.asarray(rows)
    out = np.empty(rows.size)
    for b0 in range(0, rows.size, block):
        r = rows[b0:b0 + block]
        diff = X[r][:, None, :] - X[None, :, :]
        V = -np.einsum("ijk,ijk->ij", diff, diff) / (2.0 * var)
        V[np.arange(r.size), r] = 0.0
        same = codes[r][:, None] == codes[None, :]
        out[b0:b0 + block] = (logsumexp(np.where(same, V, -np.inf), axis=1)
                              - logsumexp(V, axis=1))
    return out


def standardize_columns(A, scale=True):
    """:func:`skmi._kernels.scaling.standardize_columns` in NumPy: ``(B, spread)`` with
    ``B`` the centred columns of ``A`` divided by their standard deviations (``A``
    itself without ``scale``; constant columns 0) and ``spread`` the deviations in the
    units of ``A`` (0 for a column constant up to rounding). Statistics are taken on
    ``A / 2**e`` (``2**e`` just above each column's largest magnitude: exact) about
    the first row, with the corrected two-pass variance; NumPy's pairwise sums round
    differently from the kernel's running sums."""
    from .scaling import CONSTANT_RTOL

    A = np.asarray(A, dtype=np.float64)
    n = A.shape[0]
    top = np.max(np.abs(A), axis=0)
    e = np.frexp(top)[1]
    V = np.ldexp(A, -e)
    D = V - V[0]
    C = D - D.sum(axis=0) / n
    std = np.sqrt(np.maximum(np.sum(C * C, axis=0) - np.sum(C, axis=0) ** 2 / n, 0.0) / n)
    const = (A.max(axis=0) == A.min(axis=0)) | (std <= CONSTANT_RTOL * np.ldexp(top, -e))
    spread = np.where(const, 0.0, np.ldexp(std, e))
    if not scale:
        return A.copy(), spread
    return np.where(const, 0.0, C / np.where(const, 1.0, std)), spread
