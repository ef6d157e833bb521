"""Pure-NumPy references for the Numba kernels (for tests; O(n^2) memory)."""

import numpy as np


def pairwise_chebyshev(a, b=None):
    b = a if b is None else b
    return np.abs(a[:, None, :] - b[None, :, :]).max(axis=2)


def pairwise_euclidean(a, b=None):
    b = a if b is None else b
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


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
    n_ties = (joint == 0).sum(axis=1)
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
