"""Nearest-neighbour kernels for the k-NN estimators.

Distances are the max-norm (Chebyshev) unless a kernel takes ``metric``
(0: max-norm, 1: Euclidean). Every "count" kernel counts the *other* points
(``j != i``) strictly closer than a per-point threshold: "<= r" is expressed by
the caller as "< nextafter(r, inf)". Distances are always computed as
``max_c |a_c - b_c|`` (or the root of the summed squares), never through
precomputed norms, so the tree and brute-force paths agree to the last bit.

Paths
-----
- A KD-tree (:func:`build_kdtree`) with tight bounding boxes, for low dimension. Up
  to 8 columns its searches run on rows zero-padded to 4 or 8 columns, whose
  fixed-width distances vectorise (:func:`padded_tree`).
- Sorted arrays and binary search (:func:`sorted_counts`) for 1-D marginals.

Two-dimensional k-NN has its own structure, sorted strips (:mod:`.strips`); high
dimension is brute force (:mod:`.brute`).

The tree build, searches and counts run their jitted twins through
:func:`skmi._kernels._interrupt.run`, which stops them between two chunks of queries
(leaves, ranks, nodes) when Ctrl-C is pressed.
"""

import numba
import numpy as np
from numba import prange, types
from numba.extending import overload

from skmi._kernels._interrupt import guard, run  # no jitted code: no cache stamp

from ._jit import jit
from .cancel import cancelled

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
    tree = [None]

    def step(cancel):
        tree[0] = _build_kdtree_sorted(data, orders, leaf_size, cancel)

    run(step)
    return tree[0]


@jit
def _build_kdtree_sorted(data, orders, leaf_size, cancel):
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
    done = 0
    while top > 0:
        top -= 1
        node = stack[top]
        s = start[node]
        e = end[node]
        done += e - s
        if done >= _SPLIT_WORK:  # points split since the last look at the flag
            done = 0
            if cancelled(cancel):
                break
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
def _mx(a, b):
    return a if a > b else b


@jit(inline="always")
def _accumulate(acc, g, metric):
    """Fold one coordinate gap ``g >= 0`` into a distance accumulator."""
    if metric == CHEBYSHEV:
        return _mx(g, acc)
    return acc + g * g


@jit(inline="always")
def _finish(acc, metric):
    """The distance from an accumulator of :func:`_accumulate`."""
    if metric == CHEBYSHEV:
        return acc
    return np.sqrt(acc)


@jit(inline="always")
def _box_min_dist(q, lo_row, hi_row, metric):
    """Smallest distance from ``q`` (a row or a tuple) to the points of the box
    ``lo_row``/``hi_row``."""
    acc = 0.0
    for c in range(len(q)):
        acc = _accumulate(acc, _mx(_mx(lo_row[c] - q[c], q[c] - hi_row[c]), 0.0), metric)
    return _finish(acc, metric)


@jit(inline="always")
def _box_min_max_dist(q, lo_row, hi_row, metric):
    """Smallest and largest distance from ``q`` (a row or a tuple) to the points of the
    box ``lo_row``/``hi_row``."""
    mn = 0.0
    mxd = 0.0
    for c in range(len(q)):
        mn = _accumulate(mn, _mx(_mx(lo_row[c] - q[c], q[c] - hi_row[c]), 0.0), metric)
        mxd = _accumulate(mxd, _mx(q[c] - lo_row[c], hi_row[c] - q[c]), metric)
    return _finish(mn, metric), _finish(mxd, metric)


def _dist(rows, j, q, metric):
    """Distance of row ``j`` of ``rows`` to the query ``q`` (jitted code only): a row of
    the same length, or a tuple of 4 or 8 for padded rows (:func:`padded_tree`)."""


@overload(_dist)
def _dist_impl(rows, j, q, metric):
    if isinstance(q, types.UniTuple):
        def tuple_dist(rows, j, q, metric):
            # max-norm in blocks of four columns (a tree of maxima, which vectorises);
            # Euclidean summed in column order
            acc = 0.0
            if metric == CHEBYSHEV:
                for c in range(0, len(q), 4):
                    a = _mx(abs(rows[j, c] - q[c]), abs(rows[j, c + 1] - q[c + 1]))
                    b = _mx(abs(rows[j, c + 2] - q[c + 2]), abs(rows[j, c + 3] - q[c + 3]))
                    acc = _mx(acc, _mx(a, b))
                return acc
            for c in range(len(q)):
                g = rows[j, c] - q[c]
                acc += g * g
            return np.sqrt(acc)

        return tuple_dist

    def row_dist(rows, j, q, metric):
        # a branch per column measured faster than a select when the number of
        # columns is only known at run time
        acc = 0.0
        if metric == CHEBYSHEV:
            for c in range(q.shape[0]):
                g = abs(rows[j, c] - q[c])
                if g > acc:
                    acc = g
            return acc
        for c in range(q.shape[0]):
            g = rows[j, c] - q[c]
            acc += g * g
        return np.sqrt(acc)

    return row_dist


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
_RANKS = 4096  # ranks per task of sorted_counts
_SPLIT_WORK = 1 << 16  # points split by the tree build between two looks at cancel
_LEAF_CHUNK = 32  # leaves per task in the leaf-batched k-NN


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
        dj = _dist(tdata, j, q, metric)
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
LEAF_BATCH_MAX_DIM = 2
#: Up to this dimension (and above LEAF_BATCH_MAX_DIM for the k-NN) the searches run on
#: rows zero-padded to 4 or 8 columns (:func:`padded_tree`).
PADDED_MAX_DIM = 8


def kdtree_knn(tree, k, metric):
    """k nearest other points of every point of the tree.

    Returns ``(dist, ind)``, both ``(n, k)``, sorted by distance, in the original row
    numbering. The point itself is excluded; duplicates of it are not.
    """
    d = tree[0].shape[1]
    if d <= LEAF_BATCH_MAX_DIM:
        return _kdtree_knn_leaves(tree, k, metric)
    if d <= PADDED_MAX_DIM:
        return _kdtree_knn_points(tree, *padded_tree(tree), k, metric)
    return _kdtree_knn_points(tree, tree[0], tree[6], tree[7], (), k, metric)


def _kdtree_knn_leaves(tree, k, metric):
    """:func:`kdtree_knn` a leaf at a time.

    Queries are processed a leaf at a time: the leaf's points are first seeded with the
    points around them in tree order, then one nearer-first traversal per leaf visits
    every leaf whose box is within the largest current k-th distance of the query
    leaf's box, and each query scans a visited leaf unless that leaf's box is farther
    than its own k-th distance. One traversal thus serves all points of a leaf.
    """
    n = tree[0].shape[0]
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    with guard():
        leaves = _leaves(tree[4])
        max_leaf = int((tree[3][leaves] - tree[2][leaves]).max(initial=0))
        run(lambda cancel: _knn_leaves_chunks(tree, leaves, max_leaf, k, metric, dist, ind,
                                              cancel))
    return dist, ind


@jit(parallel=True)
def _knn_leaves_chunks(tree, leaves, max_leaf, k, metric, dist, ind, cancel):
    """:func:`_kdtree_knn_leaves` into ``dist`` and ``ind``; stops between two chunks
    of ``_LEAF_CHUNK`` leaves once ``cancel[0]`` is set."""
    tdata, perm, start, end, left, right, lo, hi = tree
    n, d = tdata.shape
    n_leaves = leaves.shape[0]
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    n_chunks = (n_leaves + _LEAF_CHUNK - 1) // _LEAF_CHUNK
    for chunk in prange(n_chunks):
        if cancelled(cancel):
            continue
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
                        if _box_min_dist(q, lo[node], hi[node], metric) >= kd[b, k - 1]:
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
    samples, which vectorise) with the arithmetic of :func:`_dist`."""
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


def kdtree_self_count(tree, thresholds, metric):
    """For every point of the tree: other tree points strictly closer than its threshold.

    ``thresholds`` is in the original row order, like the result. Up to
    ``PADDED_MAX_DIM`` columns one traversal per query on padded rows
    (:func:`_kdtree_self_count_padded`), above it a traversal per leaf
    (:func:`_kdtree_self_count_leaves`).
    """
    if tree[0].shape[1] <= PADDED_MAX_DIM:
        return _kdtree_self_count_padded(tree, *padded_tree(tree), thresholds, metric)
    return _kdtree_self_count_leaves(tree, thresholds, metric)


def _kdtree_self_count_leaves(tree, thresholds, metric):
    """:func:`kdtree_self_count` a leaf at a time: one traversal per leaf carries a
    bit mask of the leaf's queries still undecided at each node; a query leaves the
    mask once the node is wholly outside (skipped) or wholly inside (counted whole) its
    radius. Leaves of more than 62 points (repeated rows) are split into several work
    items."""
    counts = np.zeros(tree[0].shape[0], np.int64)
    with guard():
        item_leaf, item_first, max_leaf = _count_items(tree[2], tree[3], tree[4])
        tdata_t = np.ascontiguousarray(tree[0].T)  # column-major: leaf scans vectorise
        run(lambda cancel: _self_count_items(tree, thresholds, metric, tdata_t, item_leaf,
                                             item_first, max_leaf, counts, cancel))
    return counts


@jit
def _count_items(start, end, left):
    """Work items of :func:`_kdtree_self_count_leaves`: ``(leaf, first point)`` in
    chunks of at most 62 queries (a leaf of identical points can be larger than
    leaf_size), and the largest leaf."""
    leaves = _leaves(left)
    max_leaf = 0
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
    return item_leaf, item_first, max_leaf


@jit(parallel=True)
def _self_count_items(tree, thresholds, metric, tdata_t, item_leaf, item_first, max_leaf,
                      counts, cancel):
    """The work items of :func:`_kdtree_self_count_leaves`, counts into ``counts``;
    stops between two items once ``cancel[0]`` is set."""
    tdata, perm, start, end, left, right, lo, hi = tree
    n, d = tdata.shape
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    for it in prange(item_leaf.shape[0]):
        if cancelled(cancel):
            continue
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
                mind, maxd = _box_min_max_dist(tdata[p], lo[node], hi[node], metric)
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


# ------------------------------------------------------------- rows of a fixed width
# Searches on rows zero-padded to W = 4 or 8 columns: with W known when the kernel is
# compiled (the length of the tuple ``proto``), the query is a tuple held in registers
# and each distance is a fixed expression LLVM vectorises, about twice as fast as the
# loop over a run-time number of columns. Padded columns are 0 in every row, query and
# box, so they add 0 to every distance: the results are those of the unpadded data,
# to the last bit (sums of squares keep their order).


def padded_tree(tree):
    """``(rows, lo, hi, proto)``: the tree's points and boxes zero-padded to 4 or 8
    columns (at most ``PADDED_MAX_DIM``), and a tuple of that many zeros."""
    tdata, lo, hi = tree[0], tree[6], tree[7]
    d = tdata.shape[1]
    width = 4 if d <= 4 else 8

    def pad(a):
        out = np.zeros((a.shape[0], width))
        out[:, :d] = a
        return out

    return pad(tdata), pad(lo), pad(hi), (0.0,) * width


def _row_tuple(row, proto):
    """The first ``len(proto)`` values of ``row`` as a tuple, or ``row`` itself for an
    empty ``proto`` (jitted code only)."""


@overload(_row_tuple)
def _row_tuple_impl(row, proto):
    if proto.count == 0:
        return lambda row, proto: row
    if proto.count == 4:
        return lambda row, proto: (row[0], row[1], row[2], row[3])
    if proto.count == 8:
        return lambda row, proto: (row[0], row[1], row[2], row[3],
                                   row[4], row[5], row[6], row[7])
    return None


def _kdtree_knn_points(tree, rows, lo, hi, proto, k, metric):
    """:func:`kdtree_knn` with one nearer-first traversal per query, seeded with the
    points next to the query in tree order. ``rows``, ``lo``, ``hi`` are the tree's
    points and boxes, padded (:func:`padded_tree`) or not (``proto = ()``)."""
    n = rows.shape[0]
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    run(lambda cancel: _knn_points_chunks(tree, rows, lo, hi, proto, k, metric, dist, ind,
                                          cancel))
    return dist, ind


@jit(parallel=True)
def _knn_points_chunks(tree, rows, lo, hi, proto, k, metric, dist, ind, cancel):
    """:func:`_kdtree_knn_points` into ``dist`` and ``ind``; stops between two chunks
    of ``_CHUNK`` queries once ``cancel[0]`` is set."""
    perm, start, end, left, right = tree[1], tree[2], tree[3], tree[4], tree[5]
    n = rows.shape[0]
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        if cancelled(cancel):
            continue
        kd = np.empty(k)
        ki = np.empty(k, np.int64)
        stack = np.empty(depth * 2, np.int64)
        for p in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            q = _row_tuple(rows[p], proto)
            kd[:] = np.inf
            ki[:] = -1
            lo_seed = max(0, p - k)
            hi_seed = min(n, p + k + 1)
            _scan(q, rows, lo_seed, hi_seed, p, p + 1, kd, ki, metric)
            top = 1
            stack[0] = 0
            while top > 0:
                top -= 1
                node = stack[top]
                if _box_min_dist(q, lo[node], hi[node], metric) >= kd[k - 1]:
                    continue
                if left[node] < 0:  # the seeds (p among them) are done already
                    _scan(q, rows, start[node], end[node], lo_seed, hi_seed, kd,
                                ki, metric)
                    continue
                a = left[node]
                b = right[node]
                top = _push_nearer_last(
                    stack, top, a, b,
                    _box_min_dist(q, lo[a], hi[a], metric),
                    _box_min_dist(q, lo[b], hi[b], metric),
                )
            row = perm[p]
            for m in range(k):
                dist[row, m] = kd[m]
                ind[row, m] = perm[ki[m]] if ki[m] >= 0 else -1


def _kdtree_self_count_padded(tree, rows, lo, hi, proto, thresholds, metric):
    """:func:`kdtree_self_count` with one traversal per query on the padded rows and
    boxes of :func:`padded_tree`: a node wholly outside the radius is skipped, one
    wholly inside is counted whole, a leaf in between is scanned."""
    counts = np.empty(rows.shape[0], np.int64)
    run(lambda cancel: _self_count_padded_chunks(tree, rows, lo, hi, proto, thresholds,
                                                 metric, counts, cancel))
    return counts


@jit(parallel=True)
def _self_count_padded_chunks(tree, rows, lo, hi, proto, thresholds, metric, counts,
                              cancel):
    """:func:`_kdtree_self_count_padded` into ``counts``; stops between two chunks of
    ``_CHUNK`` queries once ``cancel[0]`` is set."""
    perm, start, end, left, right = tree[1], tree[2], tree[3], tree[4], tree[5]
    n = rows.shape[0]
    depth = 2 * (int(np.log2(n + 1)) + 2) + 8
    n_chunks = (n + _CHUNK - 1) // _CHUNK
    for chunk in prange(n_chunks):
        if cancelled(cancel):
            continue
        stack = np.empty(depth * 2, np.int64)
        for p in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            q = _row_tuple(rows[p], proto)
            r = thresholds[perm[p]]
            cnt = 0
            top = 1
            stack[0] = 0
            while top > 0:
                top -= 1
                node = stack[top]
                mind, maxd = _box_min_max_dist(q, lo[node], hi[node], metric)
                if mind >= r:
                    continue
                if maxd < r:
                    cnt += end[node] - start[node]
                    continue
                if left[node] < 0:
                    for j in range(start[node], end[node]):
                        cnt += _dist(rows, j, q, metric) < r
                    continue
                stack[top] = left[node]
                stack[top + 1] = right[node]
                top += 2
            if r > 0.0:
                cnt -= 1  # the point itself, at distance 0, was counted
            counts[perm[p]] = cnt


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
    counts = np.empty(n, np.int64)
    if n == 0:
        return counts
    with guard():
        s = np.ascontiguousarray(np.asarray(x, dtype=np.float64)[order])
        table = bucket_table(s, np.empty(n + 1, np.int64))
        run(lambda cancel: _sorted_counts_ranks(s, table, thresholds, order, counts, cancel))
    return counts


@jit(parallel=True)
def _sorted_counts_ranks(s, table, thresholds, order, counts, cancel):
    """:func:`sorted_counts` into ``counts``, ``_RANKS`` ranks per task; stops between
    two tasks once ``cancel[0]`` is set."""
    n = s.shape[0]
    n_tasks = (n + _RANKS - 1) // _RANKS
    for task in prange(n_tasks):
        if cancelled(cancel):
            continue
        t = np.int64(task)  # prange's index is unsigned: keep the gallop's arithmetic signed
        for r in range(t * _RANKS, min(n, (t + 1) * _RANKS)):
            i = order[r]
            counts[i] = run_count(s, table, r, thresholds[i])
