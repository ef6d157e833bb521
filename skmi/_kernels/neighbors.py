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
  held column-major so the inner loop over samples vectorises; for high dimension. Its
  distance sweeps run on a float32 copy (twice the lanes per instruction), and every
  decision within rounding reach of a threshold is taken on the exact float64
  distance (:func:`screening_copy`), so results stay those of float64.
- Sorted arrays and binary search (:func:`sorted_counts`) for 1-D marginals.

Two-dimensional k-NN has its own structure, sorted strips (:mod:`.strips`).
"""

import numba
import numpy as np
from numba import prange

from ._jit import jit

CHEBYSHEV = 0
EUCLIDEAN = 1


# --------------------------------------------------------------------------- KD-tree
#: Columns shorter than this are argsorted on one thread.
PARALLEL_SORT_MIN = 20_000


def column_orders(data):
    """``(d, n)`` array whose row ``c`` sorts column ``c`` of ``data`` (NumPy argsort,
    columns sorted concurrently on Numba's current number of threads)."""
    from .._parallel import argsort_rows

    data = np.asarray(data)
    n_threads = numba.get_num_threads() if data.shape[0] >= PARALLEL_SORT_MIN else 1
    return argsort_rows(data.T, n_threads)


def build_kdtree(data, leaf_size, orders=None):
    """Build a KD-tree over the rows of ``data``.

    Returns ``(tdata, perm, start, end, left, right, lo, hi)``: the rows in tree order
    (``tdata = data[perm]``), and per node the slice ``[start, end)`` of ``tdata`` it
    holds, its children (-1 for a leaf) and its tight bounding box.

    Each node splits at the median position of its widest side. The build keeps, for
    every column, the node's rows sorted by that column (``orders``, from
    :func:`column_orders` unless given, e.g. shared with marginal counts): the split is
    then the middle of one list, the other lists are split by a stable, branch-free
    partition, and every node's tight box is read off the ends of its lists. O(n d
    log n) with no data-dependent branches, where quickselect partitioning would
    mispredict about half its comparisons.
    """
    data = np.asarray(data, dtype=np.float64)
    if orders is None:
        orders = column_orders(data)
    return _build_kdtree_sorted(data, orders, leaf_size)


@jit
def _build_kdtree_sorted(data, orders, leaf_size):
    n, d = data.shape
    # leaves hold more than leaf_size // 2 points, so there are < 2n / leaf_size + 1
    max_nodes = 4 * (n // max(leaf_size, 1) + 1) + 1
    ords = np.empty((d, n), np.int64)
    for c in range(d):
        for p in range(n):
            ords[c, p] = orders[c, p]
    tmp = np.empty(n, np.int64)
    side = np.zeros(n, np.uint8)  # small: it is read at random
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
    stack[0] = 0
    top = 1
    while top > 0:
        top -= 1
        node = stack[top]
        s = start[node]
        e = end[node]
        dim = 0
        spread = -1.0
        for c in range(d):  # the lists are sorted: the box is their ends
            lo[node, c] = data[ords[c, s], c]
            hi[node, c] = data[ords[c, e - 1], c]
            w = hi[node, c] - lo[node, c]
            if w > spread:
                spread = w
                dim = c
        if e - s <= leaf_size or spread <= 0.0:  # small, or all points identical
            continue
        mid = s + (e - s) // 2
        for p in range(s, mid):
            side[ords[dim, p]] = 0
        for p in range(mid, e):
            side[ords[dim, p]] = 1
        for c in range(d):
            if c == dim:
                continue
            a = s
            b = mid
            for p in range(s, e):
                v = ords[c, p]
                t = np.int64(side[v])
                tmp[a + (b - a) * t] = v
                b += t
                a += 1 - t
            for p in range(s, e):
                ords[c, p] = tmp[p]
        lchild = n_nodes
        rchild = n_nodes + 1
        n_nodes += 2
        start[lchild] = s
        end[lchild] = mid
        start[rchild] = mid
        end[rchild] = e
        left[node] = lchild
        right[node] = rchild
        stack[top] = rchild
        stack[top + 1] = lchild
        top += 2
    perm = ords[0].copy()
    tdata = np.empty((n, d))
    for p in range(n):
        r = perm[p]
        for c in range(d):
            tdata[p, c] = data[r, c]
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


@jit(inline="always")
def _accumulate(acc, g, metric):
    """Fold one coordinate gap ``g >= 0`` into a distance accumulator."""
    if metric == CHEBYSHEV:
        return g if g > acc else acc
    return acc + g * g


@jit(inline="always")
def _finish(acc, metric):
    """The distance from an accumulator of :func:`_accumulate`."""
    if metric == CHEBYSHEV:
        return acc
    return np.sqrt(acc)


@jit(inline="always")
def _box_min_dist(q, lo, hi, node, metric):
    d = q.shape[0]
    acc = 0.0
    for c in range(d):
        g = 0.0
        if q[c] < lo[node, c]:
            g = lo[node, c] - q[c]
        elif q[c] > hi[node, c]:
            g = q[c] - hi[node, c]
        acc = _accumulate(acc, g, metric)
    return _finish(acc, metric)


@jit(inline="always")
def _box_max_dist(q, lo, hi, node, metric):
    d = q.shape[0]
    acc = 0.0
    for c in range(d):
        a = q[c] - lo[node, c]
        b = hi[node, c] - q[c]
        g = a if a > b else b
        acc = _accumulate(acc, g, metric)
    return _finish(acc, metric)


@jit(inline="always")
def _box_min_max_dist(q, lo, hi, node, metric):
    """Smallest and largest distance from ``q`` to the points of box ``node``."""
    d = q.shape[0]
    mn = 0.0
    mx = 0.0
    for c in range(d):
        lc = lo[node, c]
        hc = hi[node, c]
        qc = q[c]
        g = lc - qc if qc < lc else (qc - hc if qc > hc else 0.0)
        a = qc - lc
        b = hc - qc
        w = a if a > b else b
        if metric == CHEBYSHEV:
            mn = g if g > mn else mn
            mx = w if w > mx else mx
        else:
            mn += g * g
            mx += w * w
    if metric == CHEBYSHEV:
        return mn, mx
    return np.sqrt(mn), np.sqrt(mx)


@jit(inline="always")
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


@jit(inline="always")
def _push_nearer_last(stack, top, a, b, da, db):
    """Push children ``a`` and ``b`` so that the nearer one is popped (visited) first."""
    if da <= db:
        stack[top] = b
        stack[top + 1] = a
    else:
        stack[top] = a
        stack[top + 1] = b
    return top + 2


@jit(inline="always")
def _insert(kd, ki, dj, j):
    """Insert ``(dj, j)`` into the sorted arrays ``kd``/``ki`` (dropping the last)."""
    m = kd.shape[0] - 1
    while m > 0 and kd[m - 1] > dj:
        kd[m] = kd[m - 1]
        ki[m] = ki[m - 1]
        m -= 1
    kd[m] = dj
    ki[m] = j


_CHUNK = 256  # queries per task: scratch arrays are allocated once per chunk
_LEAF_CHUNK = 32  # leaves per task in the leaf-batched k-NN
_QBLOCK = 8  # brute force: queries sharing one sweep over the data
_TILE = 8192  # brute force: samples per tile of that sweep
_BLOCKS_PER_TASK = 16  # brute force: query blocks per task (scratch allocated once)


@jit(inline="always")
def _box_box_min_dist(lo, hi, a, b, metric):
    """Smallest distance between any point of box ``a`` and any point of box ``b``."""
    d = lo.shape[1]
    acc = 0.0
    for c in range(d):
        g = 0.0
        if lo[b, c] > hi[a, c]:
            g = lo[b, c] - hi[a, c]
        elif lo[a, c] > hi[b, c]:
            g = lo[a, c] - hi[b, c]
        acc = _accumulate(acc, g, metric)
    return _finish(acc, metric)


@jit(inline="always")
def _scan(q, tdata, j0, j1, skip_lo, skip_hi, kd, ki, metric):
    """Insert the tree points ``j0 <= j < j1`` outside ``[skip_lo, skip_hi)`` that are
    nearer to ``q`` than the current k-th into the sorted ``kd``/``ki``."""
    k = kd.shape[0]
    for j in range(j0, j1):
        if skip_lo <= j < skip_hi:
            continue
        dj = _point_dist(q, tdata, j, metric)
        if dj < kd[k - 1]:
            _insert(kd, ki, dj, j)


@jit(inline="always")
def _largest_kth(kd, m):
    """Largest current k-th distance among the first ``m`` queries."""
    k = kd.shape[1]
    radius = 0.0
    for b in range(m):
        radius = max(radius, kd[b, k - 1])
    return radius


#: Up to this dimension kdtree_knn serves a whole leaf per traversal; above it, where
#: leaf boxes are large, one traversal per query is faster.
LEAF_BATCH_MAX_DIM = 4


def kdtree_knn(tree, k, metric):
    """k nearest other points of every point of the tree.

    Returns ``(dist, ind)``, both ``(n, k)``, sorted by distance, in the original row
    numbering. The point itself is excluded; duplicates of it are not.
    """
    if tree[0].shape[1] <= LEAF_BATCH_MAX_DIM:
        return _kdtree_knn_leaves(tree, k, metric)
    return _kdtree_knn_points(tree, k, metric)


@jit(parallel=True)
def _kdtree_knn_points(tree, k, metric):
    """:func:`kdtree_knn` with one nearer-first traversal per query, seeded with the
    points next to the query in tree order."""
    tdata, perm, start, end, left, right, lo, hi = tree
    n, d = tdata.shape
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        kd = np.empty(k)
        ki = np.empty(k, np.int64)
        stack = np.empty(depth * 2, np.int64)
        for p in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            q = tdata[p]
            kd[:] = np.inf
            ki[:] = -1
            lo_seed = max(0, p - k)
            hi_seed = min(n, p + k + 1)
            _scan(q, tdata, lo_seed, hi_seed, p, p + 1, kd, ki, metric)
            top = 1
            stack[0] = 0
            while top > 0:
                top -= 1
                node = stack[top]
                if _box_min_dist(q, lo, hi, node, metric) >= kd[k - 1]:
                    continue
                if left[node] < 0:  # the seeds (p among them) are done already
                    _scan(q, tdata, start[node], end[node], lo_seed, hi_seed, kd, ki,
                          metric)
                    continue
                a = left[node]
                b = right[node]
                top = _push_nearer_last(
                    stack, top, a, b,
                    _box_min_dist(q, lo, hi, a, metric), _box_min_dist(q, lo, hi, b, metric),
                )
            row = perm[p]
            for m in range(k):
                dist[row, m] = kd[m]
                ind[row, m] = perm[ki[m]] if ki[m] >= 0 else -1
    return dist, ind


@jit(parallel=True)
def _kdtree_knn_leaves(tree, k, metric):
    """:func:`kdtree_knn` a leaf at a time.

    Queries are processed a leaf at a time: the leaf's points are first seeded with the
    points around them in tree order, then one nearer-first traversal per leaf visits
    every leaf whose box is within the largest current k-th distance of the query
    leaf's box, and each query scans a visited leaf unless that leaf's box is farther
    than its own k-th distance. One traversal thus serves all points of a leaf.
    """
    tdata, perm, start, end, left, right, lo, hi = tree
    n, d = tdata.shape
    n_nodes = start.shape[0]
    n_leaves = 0
    for node in range(n_nodes):
        if left[node] < 0:
            n_leaves += 1
    leaves = np.empty(n_leaves, np.int64)
    n_leaves = 0
    for node in range(n_nodes):
        if left[node] < 0:
            leaves[n_leaves] = node
            n_leaves += 1
    max_leaf = 0
    for li in range(n_leaves):
        max_leaf = max(max_leaf, end[leaves[li]] - start[leaves[li]])
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    n_chunks = (n_leaves + _LEAF_CHUNK - 1) // _LEAF_CHUNK
    for chunk in prange(n_chunks):
        # scratch allocated once per chunk of leaves, not per leaf
        kd = np.empty((max_leaf, k))
        ki = np.empty((max_leaf, k), np.int64)
        stack = np.empty(depth * 2, np.int64)
        for li in range(chunk * _LEAF_CHUNK, min(n_leaves, (chunk + 1) * _LEAF_CHUNK)):
            leaf = leaves[li]
            s0 = start[leaf]
            e0 = end[leaf]
            m = e0 - s0
            kd[:m] = np.inf
            ki[:m] = -1
            seed_lo = max(0, s0 - k)
            seed_hi = min(n, e0 + k)
            for b in range(m):
                p = s0 + b
                _scan(tdata[p], tdata, seed_lo, seed_hi, p, p + 1, kd[b], ki[b], metric)
            radius = _largest_kth(kd, m)
            top = 1
            stack[0] = 0
            while top > 0:
                top -= 1
                node = stack[top]
                if _box_box_min_dist(lo, hi, leaf, node, metric) >= radius:
                    continue
                if left[node] < 0:
                    if node == leaf:
                        continue  # fully covered by the seeds
                    for b in range(m):
                        q = tdata[s0 + b]
                        if _box_min_dist(q, lo, hi, node, metric) >= kd[b, k - 1]:
                            continue
                        _scan(q, tdata, start[node], end[node], seed_lo, seed_hi, kd[b],
                              ki[b], metric)
                    radius = _largest_kth(kd, m)
                    continue
                a_ = left[node]
                b_ = right[node]
                top = _push_nearer_last(
                    stack, top, a_, b_,
                    _box_box_min_dist(lo, hi, leaf, a_, metric),
                    _box_box_min_dist(lo, hi, leaf, b_, metric),
                )
            for b in range(m):
                row = perm[s0 + b]
                for mm in range(k):
                    dist[row, mm] = kd[b, mm]
                    ind[row, mm] = perm[ki[b, mm]] if ki[b, mm] >= 0 else -1
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
            mind, maxd = _box_min_max_dist(q, lo, hi, node, metric)
            if mind >= r:
                continue
            if maxd < r:
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


@jit
def _leaves(left):
    n_leaves = 0
    for node in range(left.shape[0]):
        if left[node] < 0:
            n_leaves += 1
    leaves = np.empty(n_leaves, np.int64)
    n_leaves = 0
    for node in range(left.shape[0]):
        if left[node] < 0:
            leaves[n_leaves] = node
            n_leaves += 1
    return leaves


@jit
def _leaf_dists(tdata_t, tdata, j0, j1, p, metric, acc):
    """Distances from tree point ``p`` to tree points ``j0 <= j < j1`` into
    ``acc[:j1 - j0]``, accumulated a column at a time over the leaf (loops over
    samples, which vectorise) with the arithmetic of :func:`_point_dist`."""
    m = j1 - j0
    for jj in range(m):
        acc[jj] = 0.0
    for c in range(tdata_t.shape[0]):
        qc = tdata[p, c]
        row = tdata_t[c]
        if metric == CHEBYSHEV:
            for jj in range(m):
                acc[jj] = np.fmax(acc[jj], np.abs(row[j0 + jj] - qc))
        else:
            for jj in range(m):
                g = row[j0 + jj] - qc
                acc[jj] += g * g
    if metric != CHEBYSHEV:
        for jj in range(m):
            acc[jj] = np.sqrt(acc[jj])


@jit
def _leaf_count(tdata_t, tdata, j0, j1, p, r, metric, acc):
    """Tree points ``j0 <= j < j1`` other than ``p`` strictly closer than ``r`` to
    point ``p`` (distances by :func:`_leaf_dists`)."""
    _leaf_dists(tdata_t, tdata, j0, j1, p, metric, acc)
    cnt = 0
    for jj in range(j1 - j0):
        cnt += acc[jj] < r
    if j0 <= p < j1 and 0.0 < r:  # the point itself, at distance 0
        cnt -= 1
    return cnt


@jit(parallel=True)
def kdtree_self_count(tree, thresholds, metric):
    """For every point of the tree: other tree points strictly closer than its threshold.

    ``thresholds`` is in the original row order, like the result. Queries go a leaf at a
    time: one traversal per leaf carries a bit mask of
    the leaf's queries still undecided at each node; a query leaves the mask once the
    node is wholly outside (skipped) or wholly inside (counted whole) its radius. Leaves
    of more than 62 points (repeated rows) are split into several work items.
    """
    tdata, perm, start, end, left, right, lo, hi = tree
    n, d = tdata.shape
    leaves = _leaves(left)
    counts = np.zeros(n, np.int64)
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    tdata_t = np.ascontiguousarray(tdata.T)  # column-major: leaf scans vectorise
    max_leaf = 0
    # work items: (leaf, first point) in chunks of at most 62 queries (a leaf of
    # identical points can be larger than leaf_size)
    n_items = 0
    for li in range(leaves.shape[0]):
        n_items += (end[leaves[li]] - start[leaves[li]] + 61) // 62
        max_leaf = max(max_leaf, end[leaves[li]] - start[leaves[li]])
    item_leaf = np.empty(n_items, np.int64)
    item_first = np.empty(n_items, np.int64)
    n_items = 0
    for li in range(leaves.shape[0]):
        for first in range(start[leaves[li]], end[leaves[li]], 62):
            item_leaf[n_items] = leaves[li]
            item_first[n_items] = first
            n_items += 1
    for it in prange(n_items):
        leaf = item_leaf[it]
        s0 = item_first[it]
        m = min(62, end[leaf] - s0)
        r = np.empty(m)
        cnt = np.zeros(m, np.int64)
        rmax = 0.0
        for b in range(m):
            r[b] = thresholds[perm[s0 + b]]
            rmax = max(rmax, r[b])
        nodes = np.empty(depth * 2, np.int64)
        masks = np.empty(depth * 2, np.int64)
        acc = np.empty(max_leaf)
        nodes[0] = 0
        masks[0] = (np.int64(1) << m) - 1
        top = 1
        while top > 0:
            top -= 1
            node = nodes[top]
            mask = masks[top]
            if _box_box_min_dist(lo, hi, leaf, node, metric) >= rmax:
                continue
            size = end[node] - start[node]
            is_leaf = left[node] < 0
            keep = np.int64(0)
            for b in range(m):
                bit = np.int64(1) << b
                if not (mask & bit):
                    continue
                p = s0 + b
                mind, maxd = _box_min_max_dist(tdata[p], lo, hi, node, metric)
                if mind >= r[b]:
                    continue
                if maxd < r[b]:
                    cnt[b] += size
                    if start[node] <= p < end[node]:
                        cnt[b] -= 1
                    continue
                if is_leaf:
                    cnt[b] += _leaf_count(tdata_t, tdata, start[node], end[node], p, r[b],
                                          metric, acc)
                else:
                    keep |= bit
            if keep != 0:
                nodes[top] = left[node]
                masks[top] = keep
                nodes[top + 1] = right[node]
                masks[top + 1] = keep
                top += 2
        for b in range(m):
            counts[perm[s0 + b]] = cnt[b]
    return counts


# --------------------------------------------------------------------------- 1-D
@jit
def _run_end_from(s, r, xi, thr, g, direction):
    """Exclusive end (direction +1) or start (-1) of the run of sorted ``s`` around
    position ``r`` with ``|s - xi| < thr``, searched from a guess ``g`` of the answer:
    galloping outwards from ``g`` if ``g`` is inside the run, back towards ``r`` if
    not, then bisection. The cost is O(log |answer - g|)."""
    n = s.shape[0]
    if direction > 0:
        g = min(max(g, r + 1), n)
    else:
        g = max(min(g, r - 1), -1)
    if 0 <= g < n and abs(s[g] - xi) < thr:
        inside = g
        step = 1
        out = g + direction
        while 0 <= out < n and abs(s[out] - xi) < thr:
            inside = out
            step *= 2
            out = g + direction * step
        if out >= n:
            out = n
        elif out < 0:
            out = -1
    else:
        out = g
        step = 1
        inside = g - direction
        while (inside - r) * direction > 0 and not abs(s[inside] - xi) < thr:
            out = inside
            step *= 2
            inside = g - direction * step
        if (inside - r) * direction <= 0:
            inside = r
    while abs(out - inside) > 1:
        mid = (out + inside) // 2
        if abs(s[mid] - xi) < thr:
            inside = mid
        else:
            out = mid
    return out


@jit
def bucket_table(s, first):
    """Guide table for searches in the sorted array ``s``: ``(lo, scale, first)``,
    where ``first[b]`` (filled in, ``n + 1`` entries) is the first rank whose value
    lies in equal-width bucket ``b`` or above, of ``n`` buckets spanning
    ``s[0] .. s[-1]``."""
    n = s.shape[0]
    lo = s[0]
    span = s[n - 1] - lo
    scale = n / span if span > 0.0 else 0.0
    b = 0
    for r in range(n):
        br = min(np.int64((s[r] - lo) * scale), n - 1)
        while b <= br:
            first[b] = r
            b += 1
    while b <= n:
        first[b] = n
        b += 1
    return lo, scale, first


@jit(inline="always")
def run_count(s, table, r, thr):
    """Count ``j != r`` with ``|s[j] - s[r]| < thr`` in the sorted ``s``, galloping
    from the guesses of ``table`` (:func:`bucket_table`)."""
    if not thr > 0.0:
        return 0
    lo, scale, first = table
    n = s.shape[0]
    xi = s[r]
    # guesses of the run's ends (any value is correct; NaN from inf * 0 is not
    # an index, so it falls back to the neighbours of r)
    f = (xi + thr - lo) * scale
    if f >= n:
        g_hi = n
    elif f >= 0.0:
        g_hi = first[np.int64(f)]
    else:
        g_hi = r + 1
    f = (xi - thr - lo) * scale
    if f < 0.0:
        g_lo = -1
    elif f < n:
        g_lo = first[np.int64(f)] - 1
    elif f >= n:
        g_lo = n - 1
    else:
        g_lo = r - 1
    hi = _run_end_from(s, r, xi, thr, g_hi, 1)
    lo_end = _run_end_from(s, r, xi, thr, g_lo, -1)
    return hi - lo_end - 2  # open interval (lo_end, hi) minus the point itself


@jit(parallel=True)
def sorted_counts(x, thresholds, order):
    """For 1-D ``x``: count ``j != i`` with ``|x_j - x_i| < thresholds[i]``.

    ``order`` sorts ``x`` (``np.argsort(x)``; NumPy's sort is faster than Numba's).
    The test is the exact ``|x_j - x_i| < r`` (rounding is monotone, so the points
    passing it form a run of the sorted order); the ends of each run are found by
    galloping from a guess. The guess comes from a table of ``n`` equal-width value
    buckets (the first rank in each), so for data without extreme clustering the
    search takes a few steps instead of O(log count).
    """
    n = x.shape[0]
    s = np.empty(n)
    for r in range(n):
        s[r] = x[order[r]]
    table = bucket_table(s, np.empty(n + 1, np.int64))
    counts = np.empty(n, np.int64)
    for q in prange(n):
        r = np.int64(q)  # prange's index is unsigned: keep the gallop's arithmetic signed
        i = order[r]
        counts[i] = run_count(s, table, r, thresholds[i])
    return counts


# --------------------------------------------------------------------------- brute force
# Threshold rules for brute_knn_counts, one per subspace.
RULE_JOINT = 0  # count  max_{g in s} d_g < eps            (KSG-1, Frenzel-Pompe)
RULE_MARGINAL = 1  # count max_{g in s} d_g <= max_{g in s} eps_g  (KSG-2)
RULE_MIXED = 2  # count  < eps if eps > 0 else <= 0          (Gao et al. mixed KSG)
_TINY_DIST = np.nextafter(0.0, 1.0)  # "d <= 0" is "d < _TINY_DIST"


@jit
def _accumulate_maxabs(acc, row, qc):
    # np.fmax (not max) so LLVM vectorises the loop; the data are finite
    for j in range(acc.shape[0]):
        acc[j] = np.fmax(acc[j], np.abs(row[j] - qc))


@jit
def _accumulate_maxabs4(acc, r0, r1, r2, r3, q0, q1, q2, q3):
    for j in range(acc.shape[0]):
        a = np.fmax(np.abs(r0[j] - q0), np.abs(r1[j] - q1))
        b = np.fmax(np.abs(r2[j] - q2), np.abs(r3[j] - q3))
        acc[j] = np.fmax(acc[j], np.fmax(a, b))


@jit
def _accumulate_maxabs4x2(acc_a, acc_b, r0, r1, r2, r3, a0, a1, a2, a3, b0, b1, b2, b3):
    """:func:`_accumulate_maxabs4` for two queries at once: each data value is loaded
    once for both."""
    for j in range(acc_a.shape[0]):
        v0 = r0[j]
        v1 = r1[j]
        v2 = r2[j]
        v3 = r3[j]
        a = np.fmax(np.fmax(np.abs(v0 - a0), np.abs(v1 - a1)),
                    np.fmax(np.abs(v2 - a2), np.abs(v3 - a3)))
        b = np.fmax(np.fmax(np.abs(v0 - b0), np.abs(v1 - b1)),
                    np.fmax(np.abs(v2 - b2), np.abs(v3 - b3)))
        acc_a[j] = np.fmax(acc_a[j], a)
        acc_b[j] = np.fmax(acc_b[j], b)


@jit
def _exact_maxabs(data_t, group_of_col, groups, i, j):
    """Exact max-norm distance of samples ``i`` and ``j`` over the columns of the
    groups flagged in ``groups`` (the same arithmetic as the vectorised sweeps)."""
    acc = 0.0
    for c in range(data_t.shape[0]):
        if groups[group_of_col[c]]:
            acc = np.fmax(acc, np.abs(data_t[c, j] - data_t[c, i]))
    return acc


@jit
def _screened_count(values, thr, delta, lim, skip, data_t, group_of_col, groups, i):
    """Number of ``j != skip`` whose exact distance (over ``groups``) is below
    ``thr >= 0``, from sweep distances ``values`` within ``delta`` of the exact ones.

    Below ``thr - delta`` counts, at or above ``thr + delta`` does not, and the few in
    between are recomputed exactly. Both limits are widened by ``thr * 2**-22`` (more
    than float32 rounding moves them) and stored in ``lim``, of the dtype of
    ``values``, so the counting loops compare in that dtype and vectorise. With
    ``delta = 0`` the limits are ``thr`` itself and nothing is recomputed.
    """
    widen = delta + thr * 2.0**-22 if delta > 0.0 else 0.0
    lim[0] = thr - widen
    lim[1] = thr + widen
    lo = lim[0]
    hi = lim[1]
    cnt = 0
    cnt_hi = 0
    for j in range(values.shape[0]):
        cnt += values[j] < lo
        cnt_hi += values[j] < hi
    if 0 <= skip < values.shape[0]:
        if values[skip] < lo:
            cnt -= 1
            cnt_hi -= 1
        elif values[skip] < hi:
            cnt_hi -= 1
    if cnt_hi > cnt:  # some samples lie within the limits: decide them exactly
        for j in range(values.shape[0]):
            v = values[j]
            if v >= lo and v < hi and j != skip:
                if _exact_maxabs(data_t, group_of_col, groups, i, j) < thr:
                    cnt += 1
    return cnt


@jit(parallel=True)
def brute_knn_counts(data_t, data_s, delta, group_of_col, n_groups, k, subsets, rule):
    """Fused brute-force k-NN in a product space and neighbour counts in subspaces.

    Parameters
    ----------
    data_t : (D, n) float64, the samples column-major (columns of all groups).
    data_s : (D, n) float32 or float64, the samples the distance sweeps run on: a
        float32 copy of ``data_t`` (twice the numbers per vector instruction), or
        ``data_t`` itself.
    delta : float, a bound on |sweep distance - exact distance| (0 when ``data_s`` is
        ``data_t``; for a float32 copy see :func:`screening_copy`).
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

    Each query row computes its per-group sweep distances to all samples once
    (vectorised over samples). The results are exact whatever ``data_s`` is: the k
    nearest are chosen among the samples whose sweep distance is within ``2 delta``
    of the k-th smallest, from exact float64 distances, and a count recomputes
    exactly the samples whose sweep distance lies within ``delta`` of its threshold.
    """
    dim, n = data_t.shape
    m_sub = subsets.shape[0]
    eps = np.empty(n)
    eps_g = np.empty((n, n_groups))
    counts = np.zeros((n, m_sub), np.int64)
    n_ties = np.zeros(n, np.int64)
    all_groups = np.ones(n_groups, np.bool_)
    n_blocks = (n + _QBLOCK - 1) // _QBLOCK
    n_tasks = (n_blocks + _BLOCKS_PER_TASK - 1) // _BLOCKS_PER_TASK
    for task in prange(n_tasks):
        # scratch allocated once per task: a fresh (8, groups, n) buffer per block
        # would be a large allocation (page faults and zeroing) every 8 queries
        dgb_all = np.empty((_QBLOCK, n_groups, n), data_s.dtype)
        joint = np.empty(n, data_s.dtype)
        sub = np.empty(n, data_s.dtype)
        kd = np.empty(k)
        kds = np.empty(k, data_s.dtype)
        ki = np.empty(k, np.int64)
        lim = np.empty(2, data_s.dtype)
        one_group = np.zeros(n_groups, np.bool_)
        for block in range(task * _BLOCKS_PER_TASK,
                           min(n_blocks, (task + 1) * _BLOCKS_PER_TASK)):
            i0 = block * _QBLOCK
            nq = min(n, i0 + _QBLOCK) - i0
            # distances of the block's queries to all samples, per group; the samples
            # are swept in tiles so each tile of data is read once for all the block's
            # queries
            dgb = dgb_all[:nq]
            dgb[:] = 0.0
            for t0 in range(0, n, _TILE):
                t1 = min(n, t0 + _TILE)
                c = 0
                while c < dim:
                    g = group_of_col[c]
                    if c + 3 < dim and group_of_col[c + 3] == g:
                        # four columns of one group per sweep (a quarter of the
                        # accumulator's loads and stores), two queries at a time
                        r0 = data_s[c, t0:t1]
                        r1 = data_s[c + 1, t0:t1]
                        r2 = data_s[c + 2, t0:t1]
                        r3 = data_s[c + 3, t0:t1]
                        b = 0
                        while b + 1 < nq:
                            i = i0 + b
                            _accumulate_maxabs4x2(
                                dgb[b, g, t0:t1], dgb[b + 1, g, t0:t1], r0, r1, r2, r3,
                                data_s[c, i], data_s[c + 1, i], data_s[c + 2, i],
                                data_s[c + 3, i], data_s[c, i + 1], data_s[c + 1, i + 1],
                                data_s[c + 2, i + 1], data_s[c + 3, i + 1],
                            )
                            b += 2
                        if b < nq:
                            i = i0 + b
                            _accumulate_maxabs4(
                                dgb[b, g, t0:t1], r0, r1, r2, r3,
                                data_s[c, i], data_s[c + 1, i], data_s[c + 2, i],
                                data_s[c + 3, i],
                            )
                        c += 4
                    else:
                        row = data_s[c, t0:t1]
                        for b in range(nq):
                            _accumulate_maxabs(dgb[b, g, t0:t1], row, data_s[c, i0 + b])
                        c += 1
            for b in range(nq):
                i = i0 + b
                dg = dgb[b]
                joint[:] = dg[0]
                for g in range(1, n_groups):
                    for j in range(n):
                        joint[j] = np.fmax(joint[j], dg[g, j])
                n_ties[i] = _screened_count(joint, _TINY_DIST, delta, lim, i, data_t,
                                            group_of_col, all_groups, i)
                joint[i] = np.inf
                # the k smallest sweep distances bound the exact k-th from above ...
                kds[:] = np.inf
                for j in range(n):
                    if joint[j] < kds[k - 1]:
                        _insert(kds, ki, joint[j], j)
                # ... and the exact k nearest are among the samples within 2 delta
                # of it (widened past float32 rounding; with delta 0 this is the
                # plain scan over the k smallest and their ties)
                bound = float(kds[k - 1])
                if delta > 0.0:
                    bound += 2.0 * delta + bound * 2.0**-22
                lim[1] = bound
                bound_s = lim[1]
                kd[:] = np.inf
                ki[:] = -1
                for j in range(n):
                    if joint[j] <= bound_s:
                        dj = joint[j] if delta == 0.0 else _exact_maxabs(
                            data_t, group_of_col, all_groups, i, j)
                        if dj < kd[k - 1]:
                            _insert(kd, ki, dj, j)
                e = kd[k - 1]
                eps[i] = e
                for g in range(n_groups):
                    one_group[:] = False
                    one_group[g] = True
                    mx = 0.0
                    for m in range(k):
                        dgm = dg[g, ki[m]] if delta == 0.0 else _exact_maxabs(
                            data_t, group_of_col, one_group, i, ki[m])
                        mx = max(mx, dgm)
                    eps_g[i, g] = mx
                for s in range(m_sub):
                    if rule == RULE_JOINT:
                        thr = e
                    elif rule == RULE_MARGINAL:
                        thr = 0.0
                        for g in range(n_groups):
                            if subsets[s, g]:
                                thr = max(thr, eps_g[i, g])
                        thr = np.nextafter(thr, np.inf)
                    else:
                        thr = e if e > 0.0 else _TINY_DIST
                    first = -1
                    n_in = 0
                    for g in range(n_groups):
                        if subsets[s, g]:
                            n_in += 1
                            if first < 0:
                                first = g
                    if n_in == 1:
                        values = dg[first]
                    else:
                        sub[:] = 0.0
                        for g in range(n_groups):
                            if subsets[s, g]:
                                for j in range(n):
                                    sub[j] = np.fmax(sub[j], dg[g, j])
                        values = sub
                    counts[i, s] = _screened_count(values, thr, delta, lim, i, data_t,
                                                   group_of_col, subsets[s], i)
    return eps, eps_g, counts, n_ties


def screening_copy(data_t):
    """``(data_s, delta)`` for :func:`brute_knn_counts`: a float32 copy of the
    float64 ``data_t`` and a bound on how far its max-norm distances can be from the
    exact ones, or ``(data_t, 0.0)`` when the values are too large for float32.

    Rounding to float32 moves each value by at most ``u |a|`` (``u = 2**-24``), the
    float32 difference adds ``u`` of its size, the float64 one ``2**-53``: a distance
    moves by at most ``(2.0001 u + 2**-53) (|a| + |b|)``, below ``delta = 5 u M`` for
    ``M = max |value|``; a tiny absolute term covers float32's subnormal range.
    """
    big = float(np.max(np.abs(data_t))) if data_t.size else 0.0
    if not big < 1e30:
        return data_t, 0.0
    return data_t.astype(np.float32), 5.0 * 2.0**-24 * big + 1e-43


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
