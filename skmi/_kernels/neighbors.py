"""Nearest-neighbour kernels for the k-NN estimators.

Distances are the max-norm (Chebyshev) unless a kernel takes ``metric``
(0: max-norm, 1: Euclidean). Every "count" kernel counts the *other* points
(``j != i``) strictly closer than a per-point threshold: "<= r" is expressed by
the caller as "< nextafter(r, inf)". Distances are always computed as
``max_c |a_c - b_c|`` (or the root of the summed squares), never through
precomputed norms, so the tree and brute-force paths agree to the last bit.

Paths
-----
- A KD-tree (:func:`build_kdtree`) with tight bounding boxes, for low dimension.
- Blocked brute force (:func:`brute_knn_counts`), ``prange`` over query rows, the data
  held column-major so the inner loop over samples vectorises; for high dimension.
- Sorted arrays and binary search (:func:`sorted_counts`) for 1-D marginals.
"""

import numpy as np
from numba import prange

from ._jit import jit

CHEBYSHEV = 0
EUCLIDEAN = 1


# --------------------------------------------------------------------------- KD-tree
@jit
def build_kdtree(data, leaf_size):
    """Build a KD-tree over the rows of ``data``.

    Returns ``(tdata, perm, start, end, left, right, lo, hi)``: the rows in tree order
    (``tdata = data[perm]``), and per node the slice ``[start, end)`` of ``tdata`` it
    holds, its children (-1 for a leaf) and its tight bounding box.
    """
    n, d = data.shape
    # leaves hold more than leaf_size // 2 points, so there are < 2n / leaf_size + 1
    max_nodes = 4 * (n // max(leaf_size, 1) + 1) + 1
    perm = np.arange(n)
    start = np.empty(max_nodes, np.int64)
    end = np.empty(max_nodes, np.int64)
    left = np.full(max_nodes, -1, np.int64)
    right = np.full(max_nodes, -1, np.int64)
    lo = np.empty((max_nodes, d))
    hi = np.empty((max_nodes, d))
    stack = np.empty(max_nodes, np.int64)
    start[0] = 0
    end[0] = n
    n_nodes = 1
    top = 0
    stack[0] = 0
    top = 1
    keys = np.empty(n)
    while top > 0:
        top -= 1
        node = stack[top]
        s = start[node]
        e = end[node]
        # tight bounding box
        for c in range(d):
            lo[node, c] = np.inf
            hi[node, c] = -np.inf
        for p in range(s, e):
            row = perm[p]
            for c in range(d):
                v = data[row, c]
                if v < lo[node, c]:
                    lo[node, c] = v
                if v > hi[node, c]:
                    hi[node, c] = v
        if e - s <= leaf_size:
            continue
        dim = 0
        spread = -1.0
        for c in range(d):
            w = hi[node, c] - lo[node, c]
            if w > spread:
                spread = w
                dim = c
        if spread <= 0.0:  # all points identical: keep as a leaf
            continue
        m = e - s
        for p in range(m):
            keys[p] = data[perm[s + p], dim]
        order = np.argsort(keys[:m], kind="mergesort")
        seg = perm[s:e].copy()
        for p in range(m):
            perm[s + p] = seg[order[p]]
        mid = s + m // 2
        lchild = n_nodes
        rchild = n_nodes + 1
        n_nodes += 2
        start[lchild] = s
        end[lchild] = mid
        start[rchild] = mid
        end[rchild] = e
        left[node] = lchild
        right[node] = rchild
        stack[top] = lchild
        stack[top + 1] = rchild
        top += 2
    tdata = np.empty((n, d))
    for p in range(n):
        for c in range(d):
            tdata[p, c] = data[perm[p], c]
    return (
        tdata,
        perm,
        start[:n_nodes].copy(),
        end[:n_nodes].copy(),
        left[:n_nodes].copy(),
        right[:n_nodes].copy(),
        lo[:n_nodes].copy(),
        hi[:n_nodes].copy(),
    )


@jit
def _box_min_dist(q, lo, hi, node, metric):
    d = q.shape[0]
    acc = 0.0
    for c in range(d):
        g = 0.0
        if q[c] < lo[node, c]:
            g = lo[node, c] - q[c]
        elif q[c] > hi[node, c]:
            g = q[c] - hi[node, c]
        if metric == CHEBYSHEV:
            if g > acc:
                acc = g
        else:
            acc += g * g
    if metric == CHEBYSHEV:
        return acc
    return np.sqrt(acc)


@jit
def _box_max_dist(q, lo, hi, node, metric):
    d = q.shape[0]
    acc = 0.0
    for c in range(d):
        a = q[c] - lo[node, c]
        b = hi[node, c] - q[c]
        g = a if a > b else b
        if metric == CHEBYSHEV:
            if g > acc:
                acc = g
        else:
            acc += g * g
    if metric == CHEBYSHEV:
        return acc
    return np.sqrt(acc)


@jit
def _point_dist(a, tdata, p, metric):
    d = a.shape[0]
    acc = 0.0
    if metric == CHEBYSHEV:
        for c in range(d):
            g = abs(tdata[p, c] - a[c])
            if g > acc:
                acc = g
        return acc
    for c in range(d):
        g = tdata[p, c] - a[c]
        acc += g * g
    return np.sqrt(acc)


@jit(parallel=True)
def kdtree_knn(tree, k, metric):
    """k nearest other points of every point of the tree.

    Returns ``(dist, ind)``, both ``(n, k)``, sorted by distance, in the original row
    numbering. The point itself is excluded; duplicates of it are not.
    """
    tdata, perm, start, end, left, right, lo, hi = tree
    n, d = tdata.shape
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    for p in prange(n):
        q = tdata[p]
        kd = np.full(k, np.inf)
        ki = np.full(k, -1, np.int64)
        stack = np.empty(depth * 2, np.int64)
        top = 1
        stack[0] = 0
        while top > 0:
            top -= 1
            node = stack[top]
            if _box_min_dist(q, lo, hi, node, metric) > kd[k - 1]:
                continue
            if left[node] < 0:
                for j in range(start[node], end[node]):
                    if j == p:
                        continue
                    dj = _point_dist(q, tdata, j, metric)
                    if dj < kd[k - 1]:
                        m = k - 1
                        while m > 0 and kd[m - 1] > dj:
                            kd[m] = kd[m - 1]
                            ki[m] = ki[m - 1]
                            m -= 1
                        kd[m] = dj
                        ki[m] = j
                continue
            a = left[node]
            b = right[node]
            da = _box_min_dist(q, lo, hi, a, metric)
            db = _box_min_dist(q, lo, hi, b, metric)
            # push the farther child first so the nearer one is visited next
            if da <= db:
                stack[top] = b
                stack[top + 1] = a
            else:
                stack[top] = a
                stack[top + 1] = b
            top += 2
        row = perm[p]
        for m in range(k):
            dist[row, m] = kd[m]
            ind[row, m] = perm[ki[m]] if ki[m] >= 0 else -1
    return dist, ind


@jit(parallel=True)
def kdtree_count(tree, queries, thresholds, self_index, metric):
    """Count tree points strictly closer to each query than its threshold.

    ``queries`` is ``(m, d)``; ``self_index[i]`` is the original row of the tree point
    that query ``i`` is (excluded from its count), or -1.
    """
    tdata, perm, start, end, left, right, lo, hi = tree
    n = tdata.shape[0]
    m_q = queries.shape[0]
    counts = np.zeros(m_q, np.int64)
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    # position of each original row in tree order, to exclude the query itself
    pos = np.empty(n, np.int64)
    for p in range(n):
        pos[perm[p]] = p
    for i in prange(m_q):
        q = queries[i]
        r = thresholds[i]
        me = pos[self_index[i]] if self_index[i] >= 0 else -1
        stack = np.empty(depth * 2, np.int64)
        top = 1
        stack[0] = 0
        cnt = 0
        while top > 0:
            top -= 1
            node = stack[top]
            if _box_min_dist(q, lo, hi, node, metric) >= r:
                continue
            if _box_max_dist(q, lo, hi, node, metric) < r:
                cnt += end[node] - start[node]
                if start[node] <= me < end[node]:
                    cnt -= 1
                continue
            if left[node] < 0:
                for j in range(start[node], end[node]):
                    if j != me and _point_dist(q, tdata, j, metric) < r:
                        cnt += 1
                continue
            stack[top] = left[node]
            stack[top + 1] = right[node]
            top += 2
        counts[i] = cnt
    return counts


# --------------------------------------------------------------------------- 1-D
@jit(parallel=True)
def sorted_counts(x, thresholds):
    """For 1-D ``x``: count ``j != i`` with ``|x_j - x_i| < thresholds[i]``.

    Sorts once, then two binary searches per point; the interval ends are corrected
    with the exact ``|x_j - x_i|`` test (rounding is monotone, so the set is an interval
    of the sorted order).
    """
    n = x.shape[0]
    s = np.sort(x)
    counts = np.empty(n, np.int64)
    for i in prange(n):
        xi = x[i]
        r = thresholds[i]
        if not r > 0.0:
            counts[i] = 0
            continue
        lo = np.searchsorted(s, xi - r, side="left")
        hi = np.searchsorted(s, xi + r, side="right")
        while lo > 0 and abs(s[lo - 1] - xi) < r:
            lo -= 1
        while lo < hi and not abs(s[lo] - xi) < r:
            lo += 1
        while hi < n and abs(s[hi] - xi) < r:
            hi += 1
        while hi > lo and not abs(s[hi - 1] - xi) < r:
            hi -= 1
        counts[i] = hi - lo - 1  # the point itself is inside (distance 0 < r)
    return counts


# --------------------------------------------------------------------------- brute force
# Threshold rules for brute_knn_counts, one per subspace.
RULE_JOINT = 0  # count  max_{g in s} d_g < eps            (KSG-1, Frenzel-Pompe)
RULE_MARGINAL = 1  # count max_{g in s} d_g <= max_{g in s} eps_g  (KSG-2)
RULE_MIXED = 2  # count  < eps if eps > 0 else <= 0          (Gao et al. mixed KSG)


@jit(parallel=True)
def brute_knn_counts(data_t, group_of_col, n_groups, k, subsets, rule):
    """Fused brute-force k-NN in a product space and neighbour counts in subspaces.

    Parameters
    ----------
    data_t : (D, n) float64, the samples column-major (columns of all groups).
    group_of_col : (D,) int64, the group (variable) each column belongs to.
    n_groups : int
    k : int
    subsets : (m, n_groups) bool, the subspaces to count in.
    rule : int, one of RULE_JOINT, RULE_MARGINAL, RULE_MIXED (same for all subsets).

    Returns
    -------
    eps : (n,) joint max-norm distance to the k-th neighbour.
    eps_g : (n, n_groups) per-group max distance to the k nearest neighbours.
    counts : (n, m) counts of other points in each subspace under ``rule``.
    n_ties : (n,) number of other points at joint distance 0.
    """
    dim, n = data_t.shape
    m_sub = subsets.shape[0]
    eps = np.empty(n)
    eps_g = np.empty((n, n_groups))
    counts = np.zeros((n, m_sub), np.int64)
    n_ties = np.zeros(n, np.int64)
    for i in prange(n):
        dg = np.zeros((n_groups, n))
        for c in range(dim):
            g = group_of_col[c]
            qc = data_t[c, i]
            row = data_t[c]
            acc = dg[g]
            for j in range(n):
                v = abs(row[j] - qc)
                if v > acc[j]:
                    acc[j] = v
        kd = np.full(k, np.inf)
        ki = np.full(k, -1, np.int64)
        ties = 0
        for j in range(n):
            if j == i:
                continue
            dj = dg[0, j]
            for g in range(1, n_groups):
                if dg[g, j] > dj:
                    dj = dg[g, j]
            if dj == 0.0:
                ties += 1
            if dj < kd[k - 1]:
                m = k - 1
                while m > 0 and kd[m - 1] > dj:
                    kd[m] = kd[m - 1]
                    ki[m] = ki[m - 1]
                    m -= 1
                kd[m] = dj
                ki[m] = j
        e = kd[k - 1]
        eps[i] = e
        n_ties[i] = ties
        for g in range(n_groups):
            mx = 0.0
            for m in range(k):
                v = dg[g, ki[m]]
                if v > mx:
                    mx = v
            eps_g[i, g] = mx
        for s in range(m_sub):
            if rule == RULE_JOINT:
                thr = e
            elif rule == RULE_MARGINAL:
                thr = 0.0
                for g in range(n_groups):
                    if subsets[s, g] and eps_g[i, g] > thr:
                        thr = eps_g[i, g]
                thr = np.nextafter(thr, np.inf)
            else:
                thr = e if e > 0.0 else np.nextafter(0.0, np.inf)
            cnt = 0
            for j in range(n):
                if j == i:
                    continue
                dj = 0.0
                for g in range(n_groups):
                    if subsets[s, g] and dg[g, j] > dj:
                        dj = dg[g, j]
                if dj < thr:
                    cnt += 1
            counts[i, s] = cnt
    return eps, eps_g, counts, n_ties


@jit(parallel=True)
def brute_knn(data_t, k, metric):
    """k nearest other points of every column of ``data_t`` (D, n), brute force.

    Returns ``(dist, ind)`` like :func:`kdtree_knn`.
    """
    dim, n = data_t.shape
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    for i in prange(n):
        acc = np.zeros(n)
        for c in range(dim):
            qc = data_t[c, i]
            row = data_t[c]
            if metric == CHEBYSHEV:
                for j in range(n):
                    v = abs(row[j] - qc)
                    if v > acc[j]:
                        acc[j] = v
            else:
                for j in range(n):
                    v = row[j] - qc
                    acc[j] += v * v
        kd = np.full(k, np.inf)
        ki = np.full(k, -1, np.int64)
        for j in range(n):
            if j == i:
                continue
            dj = acc[j]
            if dj < kd[k - 1]:
                m = k - 1
                while m > 0 and kd[m - 1] > dj:
                    kd[m] = kd[m - 1]
                    ki[m] = ki[m - 1]
                    m -= 1
                kd[m] = dj
                ki[m] = j
        for m in range(k):
            dist[i, m] = kd[m] if metric == CHEBYSHEV else np.sqrt(kd[m])
            ind[i, m] = ki[m]
    return dist, ind


@jit(parallel=True)
def brute_count(data_t, queries_t, thresholds, self_index):
    """Max-norm counts of columns of ``data_t`` strictly within ``thresholds[i]`` of
    query column ``i`` of ``queries_t``, excluding ``self_index[i]`` (or none if -1)."""
    dim, n = data_t.shape
    m_q = queries_t.shape[1]
    counts = np.empty(m_q, np.int64)
    for i in prange(m_q):
        acc = np.zeros(n)
        for c in range(dim):
            qc = queries_t[c, i]
            row = data_t[c]
            for j in range(n):
                v = abs(row[j] - qc)
                if v > acc[j]:
                    acc[j] = v
        r = thresholds[i]
        cnt = 0
        for j in range(n):
            if acc[j] < r:
                cnt += 1
        if self_index[i] >= 0 and acc[self_index[i]] < r:
            cnt -= 1
        counts[i] = cnt
    return counts
