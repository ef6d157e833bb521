"""k-NN and counts under the maximum of per-block Euclidean distances.

The columns of the data are split into blocks (``group_of_col[c]`` is the block of
column ``c``; the blocks of KSG are X and Y, of Frenzel-Pompe X, Y and Z). The
distance of two rows is

    d(a, b) = max_g sqrt(sum_{c in g} (a_c - b_c)^2),

the Euclidean distance within each block and the max over blocks: the product-space
metric of KSG with Euclidean marginals (as in Czyż et al.'s ``bmi``). With one block it
is the Euclidean distance, with one column per block the max-norm.

Arithmetic: each block's squares are summed in column order from 0.0 and the root is
taken of the largest sum (``sqrt`` is monotone, so this is the largest root), the same
operations as :func:`skmi._kernels.reference.pairwise_euclidean` and the Euclidean
kernels of :mod:`.neighbors`, so every path gives the same distances to the last bit.
Counts are of the *other* rows strictly closer than a per-row threshold.

- :func:`group_brute_knn`, :func:`group_brute_count`: brute force, column-major data,
  one vectorised sweep per column and query.
- :func:`group_kdtree_knn`, :func:`group_kdtree_count`: one traversal per query of a
  KD-tree from :func:`.neighbors.build_kdtree`, pruned by the block distance from the
  query to a node's box (a lower bound of the distance to every row in it).

The kernels run their jitted twins through :func:`skmi._kernels._interrupt.run`, which
stops them between two chunks of queries when Ctrl-C is pressed.
"""

import numpy as np
from numba import prange

from skmi._kernels._interrupt import run  # no jitted code: not a cache dependency

from ._jit import jit
from .cancel import cancelled
from .neighbors import _insert, _push_nearer_last

_CHUNK = 64  # queries per task: scratch arrays are allocated once per chunk


# ----------------------------------------------------------------------- distances
@jit(inline="always")
def _largest(acc):
    m = acc[0]
    for g in range(1, acc.shape[0]):
        if acc[g] > m:
            m = acc[g]
    return m


@jit(inline="always")
def _row_sq(rows, j, q, group_of_col, acc):
    """Largest per-block sum of squares between row ``j`` of ``rows`` and ``q``."""
    acc[:] = 0.0
    for c in range(q.shape[0]):
        v = rows[j, c] - q[c]
        acc[group_of_col[c]] += v * v
    return _largest(acc)


@jit(inline="always")
def _box_sq(q, lo_row, hi_row, group_of_col, acc_mn, acc_mx):
    """Largest per-block sum of squares from ``q`` to the nearest and to the farthest
    points of the box ``lo_row``/``hi_row``."""
    acc_mn[:] = 0.0
    acc_mx[:] = 0.0
    for c in range(q.shape[0]):
        g = group_of_col[c]
        near = max(lo_row[c] - q[c], q[c] - hi_row[c], 0.0)
        far = max(q[c] - lo_row[c], hi_row[c] - q[c])
        acc_mn[g] += near * near
        acc_mx[g] += far * far
    return _largest(acc_mn), _largest(acc_mx)


# ---------------------------------------------------------------------- brute force
@jit
def _sweep(data_t, group_of_col, i, acc, joint):
    """``joint[j]``: largest per-block sum of squares between columns ``i`` and ``j`` of
    the column-major ``data_t`` (``acc``: ``(n_groups, n)`` scratch)."""
    dim, n = data_t.shape
    acc[:] = 0.0
    for c in range(dim):
        qc = data_t[c, i]
        row = data_t[c]
        a = acc[group_of_col[c]]
        for j in range(n):
            v = row[j] - qc
            a[j] += v * v
    joint[:] = acc[0]
    for g in range(1, acc.shape[0]):
        a = acc[g]
        for j in range(n):
            if a[j] > joint[j]:
                joint[j] = a[j]


def group_brute_knn(data_t, group_of_col, n_groups, k):
    """k nearest other columns of every column of ``data_t`` (D, n) under the block
    distance. Returns ``(dist, ind)``, both ``(n, k)``, sorted by distance (the lower
    index first among equal ones)."""
    n = data_t.shape[1]
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    run(lambda cancel: _group_brute_knn_chunks(data_t, group_of_col, n_groups, k, dist, ind,
                                               cancel))
    return dist, ind


@jit(parallel=True)
def _group_brute_knn_chunks(data_t, group_of_col, n_groups, k, dist, ind, cancel):
    """:func:`group_brute_knn` into ``dist`` and ``ind``; stops between two chunks of
    queries once ``cancel[0]`` is set."""
    dim, n = data_t.shape
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        if cancelled(cancel):
            continue
        acc = np.empty((n_groups, n))
        joint = np.empty(n)
        kd = np.empty(k)
        ki = np.empty(k, np.int64)
        for i in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            _sweep(data_t, group_of_col, i, acc, joint)
            kd[:] = np.inf
            ki[:] = -1
            for j in range(n):
                if j != i and joint[j] < kd[k - 1]:
                    _insert(kd, ki, joint[j], j)
            for m in range(k):
                dist[i, m] = np.sqrt(kd[m])
                ind[i, m] = ki[m]


def group_brute_count(data_t, group_of_col, n_groups, thresholds):
    """For every column ``i`` of ``data_t`` (D, n): other columns strictly closer than
    ``thresholds[i]`` under the block distance."""
    counts = np.empty(data_t.shape[1], np.int64)
    run(lambda cancel: _group_brute_count_chunks(data_t, group_of_col, n_groups, thresholds,
                                                 counts, cancel))
    return counts


@jit(parallel=True)
def _group_brute_count_chunks(data_t, group_of_col, n_groups, thresholds, counts, cancel):
    """:func:`group_brute_count` into ``counts``; stops between two chunks of queries
    once ``cancel[0]`` is set."""
    dim, n = data_t.shape
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        if cancelled(cancel):
            continue
        acc = np.empty((n_groups, n))
        joint = np.empty(n)
        for i in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            _sweep(data_t, group_of_col, i, acc, joint)
            r = thresholds[i]
            cnt = 0
            for j in range(n):
                cnt += np.sqrt(joint[j]) < r
            if r > 0.0:
                cnt -= 1  # the column itself, at distance 0
            counts[i] = cnt


# ---------------------------------------------------------------------------- KD-tree
def group_kdtree_knn(tree, group_of_col, n_groups, k):
    """k nearest other rows of every row of a KD-tree (:func:`.neighbors.build_kdtree`)
    under the block distance. Returns ``(dist, ind)`` in the original row numbering,
    as :func:`group_brute_knn`."""
    n = tree[0].shape[0]
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    run(lambda cancel: _group_kdtree_knn_chunks(tree, group_of_col, n_groups, k, dist, ind,
                                                cancel))
    return dist, ind


@jit(parallel=True)
def _group_kdtree_knn_chunks(tree, group_of_col, n_groups, k, dist, ind, cancel):
    """:func:`group_kdtree_knn` into ``dist`` and ``ind``; stops between two chunks of
    queries once ``cancel[0]`` is set."""
    tdata, perm, start, end, left, right, lo, hi = tree
    n = tdata.shape[0]
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        if cancelled(cancel):
            continue
        kd = np.empty(k)
        ki = np.empty(k, np.int64)
        acc = np.empty(n_groups)
        acc2 = np.empty(n_groups)
        stack = np.empty(depth * 2, np.int64)
        for p in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            q = tdata[p]
            kd[:] = np.inf
            ki[:] = -1
            top = 1
            stack[0] = 0
            while top > 0:
                top -= 1
                node = stack[top]
                if _box_sq(q, lo[node], hi[node], group_of_col, acc, acc2)[0] >= kd[k - 1]:
                    continue
                if left[node] < 0:
                    for j in range(start[node], end[node]):
                        if j == p:
                            continue
                        dj = _row_sq(tdata, j, q, group_of_col, acc)
                        if dj < kd[k - 1]:
                            _insert(kd, ki, dj, j)
                    continue
                a = left[node]
                b = right[node]
                top = _push_nearer_last(
                    stack, top, a, b,
                    _box_sq(q, lo[a], hi[a], group_of_col, acc, acc2)[0],
                    _box_sq(q, lo[b], hi[b], group_of_col, acc, acc2)[0],
                )
            row = perm[p]
            for m in range(k):
                dist[row, m] = np.sqrt(kd[m])
                ind[row, m] = perm[ki[m]] if ki[m] >= 0 else -1


def group_kdtree_count(tree, group_of_col, n_groups, thresholds):
    """For every row of a KD-tree: other rows strictly closer than its threshold
    (``thresholds`` and the result in the original row order) under the block
    distance. A node wholly outside the radius is skipped, one wholly inside counted
    whole (the box bounds are monotone in every gap, so both decisions agree with the
    rows' own distances), a leaf in between scanned."""
    counts = np.empty(tree[0].shape[0], np.int64)
    run(lambda cancel: _group_kdtree_count_chunks(tree, group_of_col, n_groups, thresholds,
                                                  counts, cancel))
    return counts


@jit(parallel=True)
def _group_kdtree_count_chunks(tree, group_of_col, n_groups, thresholds, counts, cancel):
    """:func:`group_kdtree_count` into ``counts``; stops between two chunks of queries
    once ``cancel[0]`` is set."""
    tdata, perm, start, end, left, right, lo, hi = tree
    n = tdata.shape[0]
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        if cancelled(cancel):
            continue
        acc = np.empty(n_groups)
        acc2 = np.empty(n_groups)
        stack = np.empty(depth * 2, np.int64)
        for p in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            q = tdata[p]
            r = thresholds[perm[p]]
            cnt = 0
            top = 1
            stack[0] = 0
            while top > 0:
                top -= 1
                node = stack[top]
                mn, mx = _box_sq(q, lo[node], hi[node], group_of_col, acc, acc2)
                if np.sqrt(mn) >= r:
                    continue
                if np.sqrt(mx) < r:
                    cnt += end[node] - start[node]
                    continue
                if left[node] < 0:
                    for j in range(start[node], end[node]):
                        cnt += np.sqrt(_row_sq(tdata, j, q, group_of_col, acc)) < r
                    continue
                stack[top] = left[node]
                stack[top + 1] = right[node]
                top += 2
            if r > 0.0:
                cnt -= 1  # the row itself, at distance 0, was counted
            counts[perm[p]] = cnt
