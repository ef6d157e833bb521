"""k nearest neighbours in two dimensions by sorted strips.

The points are cut into strips of ``m`` consecutive x-ranks, and each strip is kept
sorted by y. A query walks its own strip outwards from its own position in the order
of growing |dy|, then the neighbouring strips in the order of growing x-gap, each from
the position of its y, and stops in each direction as soon as |dy| (within a strip) or
the x-gap (between strips) reaches the current k-th distance: both are lower bounds of
the max-norm and of the Euclidean distance of every point not yet seen. The structure
costs two argsorts (which the marginal counts of KSG share) and an O(n) scatter; its
searches adapt to any density, since strips are equal in count and the scans run over
y-sorted runs.

What it does not handle well is long runs of ties (a discrete coordinate, or an atom
such as ReLU activations have at 0) unless the k-th distance is 0: tied strips all lie
at x-gap 0 from each other and must all be visited, and a walk cannot stop inside a
run of equal y. :func:`build_strips` measures the ties of both coordinates, so the
caller can take the KD-tree instead.

The searches run through :func:`skmi._kernels._interrupt.run`, which stops them
between two strips when Ctrl-C is pressed.
"""

import numpy as np
from numba import prange

from skmi._kernels._interrupt import guard, run  # no jitted code: no cache stamp

from ._jit import jit
from .cancel import cancelled
from .neighbors import CHEBYSHEV, _insert, bucket_table, run_count

_COUNT_CHUNK = 4096  # ranks per task in the count passes
_REACH = 3  # strips t-3..t+3 are searched from a moving position, farther ones bisected


#: Words (8 bytes) per sample of the one scratch block that the strip kernels carve
#: their arrays from (:func:`workspace`): 8 for the strips, 10 for the KSG counts.
BUILD_WORDS = 8
WORK_WORDS = 18


def workspace(n):
    """The scratch block for ``n`` samples, in one allocation: one large block is
    cheaper than twenty arrays of ``n`` (fewer page faults; a freed block this size
    also stays with the allocator for the next call)."""
    return np.empty(WORK_WORDS * n + 2, np.int64)


@jit(inline="always")
def _ints(work, start, size):
    return work[start:start + size]


@jit(inline="always")
def _floats(work, start, size):
    return work[start:start + size].view(np.float64)


def strip_size(n, k):
    """Points per strip: about the count whose strip is as wide as a k-NN ball
    (measured best between 1 and 2 times sqrt(n (k + 1)); at least 16)."""
    return max(16, int(1.5 * np.sqrt(n * (k + 1))))


@jit
def _tie_load(s):
    """Sum of squared lengths of the runs of equal values in the sorted ``s``: ``n``
    without ties, ``n`` times the mean run length a sample sits in otherwise."""
    total = 0
    run = 1
    for r in range(1, s.shape[0]):
        if s[r] == s[r - 1]:
            run += 1
        else:
            total += run * run
            run = 1
    return total + run * run


@jit
def build_strips(data, orders, m, work):
    """Strips of ``m`` ranks of x over the ``(n, 2)`` ``data`` (columns x, y).

    ``orders``: ``(2, n)``, the argsort of each column; ``work``: a scratch block of
    at least ``BUILD_WORDS * n`` int64 (:func:`workspace`), which the returned arrays
    are views of. Returns ``(sx, sy, sid, xmin, xmax, ties, xs, ys, sxr, syr)``:

    - ``sx, sy, sid``: the points' coordinates and row numbers, strip after strip and
      sorted by y within a strip (strip ``t`` holds slots ``t*m`` to ``(t+1)*m``);
    - ``xmin, xmax``: each strip's x-range;
    - ``ties``: :func:`_tie_load` of x and of y;
    - ``xs, ys``: x and y sorted; ``sxr, syr``: each slot's rank in them.

    The points go to their slots by a counting sort along the y order, which writes
    only their y-ranks (one stream per strip); the rest is gathered in slot order.
    One thread: O(n), a few milliseconds at n = 1e5, where threads gained little and
    each parallel loop costs about a second of compilation.
    """
    n = data.shape[0]
    n_strips = (n + m - 1) // m
    xrank = _ints(work, 0, n)
    xs = _floats(work, n, n)
    ys = _floats(work, 2 * n, n)
    for r in range(n):
        p = orders[0, r]
        xrank[p] = r
        xs[r] = data[p, 0]
        ys[r] = data[orders[1, r], 1]
    xmin = np.empty(n_strips)
    xmax = np.empty(n_strips)
    fill = np.empty(n_strips, np.int64)
    for t in range(n_strips):
        xmin[t] = xs[t * m]
        xmax[t] = xs[min(n, (t + 1) * m) - 1]
        fill[t] = t * m
    sx = _floats(work, 3 * n, n)
    sy = _floats(work, 4 * n, n)
    sid = _ints(work, 5 * n, n)
    sxr = _ints(work, 6 * n, n)
    syr = _ints(work, 7 * n, n)
    for r in range(n):
        t = xrank[orders[1, r]] // m
        syr[fill[t]] = r
        fill[t] += 1
    for a in range(n):
        r = syr[a]
        p = orders[1, r]
        xr = xrank[p]
        sid[a] = p
        sxr[a] = xr
        sx[a] = xs[xr]
        sy[a] = ys[r]
    ties = np.array([_tie_load(xs), _tie_load(ys)])
    return sx, sy, sid, xmin, xmax, ties, xs, ys, sxr, syr


@jit(inline="always")
def _dist2(sx, sy, j, qx, qy, metric):
    """Distance from ``(qx, qy)`` to slot ``j``, computed as the KD-tree computes it."""
    if metric == CHEBYSHEV:
        gx = abs(sx[j] - qx)
        gy = abs(sy[j] - qy)
        return gy if gy > gx else gx
    gx = sx[j] - qx
    gy = sy[j] - qy
    acc = 0.0
    acc += gx * gx
    acc += gy * gy
    return np.sqrt(acc)


@jit(inline="always")
def _offer(sx, sy, j, qx, qy, kd, ki, metric, with_index):
    """Fold slot ``j`` into the ascending k smallest distances ``kd`` (and their slots
    ``ki`` when ``with_index``). Without indices the insertion is branch-free: each
    position keeps the smaller of its value and the carried one and carries the larger
    on, so a far point passes through unchanged."""
    dj = _dist2(sx, sy, j, qx, qy, metric)
    if with_index:
        if dj < kd[kd.shape[0] - 1]:
            _insert(kd, ki, dj, j)
        return
    for mm in range(kd.shape[0]):
        cur = kd[mm]
        kd[mm] = min(cur, dj)
        dj = max(cur, dj)


@jit(inline="always")
def _walk(sx, sy, qx, qy, up, down, b, e, kd, ki, metric, with_index):
    """Visit slots ``up, up+1, .. < e`` while their dy is below the k-th distance
    ``kd[-1]``, then ``down, down-1, .. >= b`` likewise (two loops with one exit each:
    cheaper than interleaving the sides by |dy|, whose branch cannot be predicted)."""
    k = kd.shape[0]
    while up < e and sy[up] - qy < kd[k - 1]:
        _offer(sx, sy, up, qx, qy, kd, ki, metric, with_index)
        up += 1
    while down >= b and qy - sy[down] < kd[k - 1]:
        _offer(sx, sy, down, qx, qy, kd, ki, metric, with_index)
        down -= 1


@jit(inline="always")
def _first_at_least(sy, b, e, qy):
    """First slot in ``[b, e)`` with ``sy >= qy`` (``e`` if none), by bisection."""
    lo = b
    hi = e
    while lo < hi:
        mid = (lo + hi) >> 1
        if sy[mid] < qy:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit(inline="always")
def _search(strips, m, t, a, pos, kd, ki, metric, with_index):
    """The k nearest other points of slot ``a`` (of strip ``t``) into ``kd``/``ki``.

    ``pos[o + _REACH]`` is the first slot of strip ``t + o`` with y at least the y of
    the previous query of strip ``t`` (queries come in growing y, so it only moves
    forwards)."""
    sx, sy, sid, xmin, xmax = strips[:5]
    n = sx.shape[0]
    n_strips = xmin.shape[0]
    k = kd.shape[0]
    qx = sx[a]
    qy = sy[a]
    kd[:] = np.inf
    ki[:] = -1
    b0 = t * m
    e0 = min(n, b0 + m)
    # seed with the k nearest in y on each side, then walk on from there
    w0 = max(b0, a - k)
    w1 = min(e0, a + k + 1)
    for j in range(w0, w1):
        if j != a:
            _offer(sx, sy, j, qx, qy, kd, ki, metric, with_index)
    _walk(sx, sy, qx, qy, w1, w0 - 1, b0, e0, kd, ki, metric, with_index)
    left = t - 1
    right = t + 1
    while True:
        gl = qx - xmax[left] if left >= 0 else np.inf
        gr = xmin[right] - qx if right < n_strips else np.inf
        if gl <= gr:
            if not gl < kd[k - 1]:
                break
            u = left
            left -= 1
        else:
            if not gr < kd[k - 1]:
                break
            u = right
            right += 1
        b = u * m
        e = min(n, b + m)
        o = u - t
        if -_REACH <= o <= _REACH:
            c = pos[o + _REACH]
            while c < e and sy[c] < qy:
                c += 1
            pos[o + _REACH] = c
        else:
            c = _first_at_least(sy, b, e, qy)
        _walk(sx, sy, qx, qy, c, c - 1, b, e, kd, ki, metric, with_index)


@jit(inline="always")
def _start_positions(pos, t, m, n):
    for o in range(-_REACH, _REACH + 1):
        pos[o + _REACH] = min(n, max(0, (t + o) * m))


def strips_knn(strips, m, k, metric, with_index=True):
    """k nearest other points of every point, from :func:`build_strips`.

    Returns ``(dist, ind)``, both ``(n, k)``, sorted by distance, rows and indices in
    the original numbering, as :func:`skmi._kernels.neighbors.kdtree_knn` does; ``ind``
    is ``(n, 0)`` unless ``with_index`` (distances alone are found faster). The point
    itself is excluded; duplicates of it are not.
    """
    sid = strips[2]
    n = sid.shape[0]
    # results in slot order first (sequential writes), then scattered to rows
    sdist = np.empty((n, k))
    sind = np.empty((n, k if with_index else 0), np.int64)
    dist = np.empty((n, k))
    ind = np.empty((n, sind.shape[1]), np.int64)
    with guard():
        run(lambda cancel: _strips_knn_strips(strips, m, k, metric, with_index, sdist, sind,
                                              cancel))
        _scatter_knn(sid, sdist, sind, dist, ind)
    return dist, ind


@jit(parallel=True)
def _strips_knn_strips(strips, m, k, metric, with_index, sdist, sind, cancel):
    """The k-NN of :func:`strips_knn` in slot order; stops between two strips once
    ``cancel[0]`` is set."""
    sid = strips[2]
    n = sid.shape[0]
    n_strips = strips[3].shape[0]
    for t in prange(n_strips):
        if cancelled(cancel):
            continue
        kd = np.empty(k)
        ki = np.empty(k, np.int64)
        pos = np.empty(2 * _REACH + 1, np.int64)
        _start_positions(pos, t, m, n)
        for a in range(t * m, min(n, (t + 1) * m)):
            _search(strips, m, t, a, pos, kd, ki, metric, with_index)
            for mm in range(k):
                sdist[a, mm] = kd[mm]
            if with_index:
                for mm in range(k):
                    sind[a, mm] = sid[ki[mm]] if ki[mm] >= 0 else -1


@jit(parallel=True)
def _scatter_knn(sid, sdist, sind, dist, ind):
    """Rows of :func:`strips_knn` from its results in slot order."""
    n, k = sdist.shape
    for a in prange(n):
        row = sid[a]
        for mm in range(k):
            dist[row, mm] = sdist[a, mm]
        for mm in range(sind.shape[1]):
            ind[row, mm] = sind[a, mm]


def strips_ksg_counts(strips, orders, m, k, work):
    """KSG algorithm 1 in a 2-D joint space of two 1-D variables.

    Per point: the max-norm distance ``eps`` to its k-th nearest other point, and the
    counts of other points strictly within ``eps`` in x and in y (as
    :func:`skmi._kernels.neighbors.sorted_counts` counts them). ``orders`` and
    ``work`` (of :func:`workspace`) are the ones :func:`build_strips` was given.
    Returns ``(eps, nx, ny)`` in the original row order, views of ``work``.

    Every pass runs in an order that keeps its memory accesses local: the k-NN strip
    by strip; the x-counts of a strip right after its k-NN (a strip is a range of
    x-ranks); the y-counts in y order; the results are scattered to rows at the end.
    """
    sid = strips[2]
    xs, ys = strips[6], strips[7]
    n = sid.shape[0]
    w = BUILD_WORDS * n  # past the strips

    def ints(start, size):
        return work[start:start + size]

    def floats(start, size):
        return work[start:start + size].view(np.float64)

    with guard():
        xtable = bucket_table(xs, ints(w, n + 1))
        ytable = bucket_table(ys, ints(w + n + 1, n + 1))
        w += 2 * n + 2
        eps_slot = floats(w, n)
        eps_x = floats(w + n, n)  # by x-rank
        eps_y = floats(w + 2 * n, n)  # by y-rank
        nx_x = ints(w + 3 * n, n)
        ny_y = ints(w + 4 * n, n)
        eps = floats(w + 5 * n, n)
        nx = ints(w + 6 * n, n)
        ny = ints(w + 7 * n, n)
        run(lambda cancel: _ksg_strips(strips, m, k, xtable, eps_slot, eps_x, eps_y, nx_x,
                                       cancel))
        run(lambda cancel: _ksg_y_counts(ys, ytable, eps_y, ny_y, cancel))
        _ksg_scatter(sid, orders, eps_slot, nx_x, ny_y, eps, nx, ny)
    return eps, nx, ny


@jit(parallel=True)
def _ksg_strips(strips, m, k, xtable, eps_slot, eps_x, eps_y, nx_x, cancel):
    """The strip pass of :func:`strips_ksg_counts`: the k-NN distance of each point
    and the x-counts of each strip's x-ranks; stops between two strips once
    ``cancel[0]`` is set."""
    xs, sxr, syr = strips[6], strips[8], strips[9]
    n = xs.shape[0]
    n_strips = strips[3].shape[0]
    for t in prange(n_strips):
        if cancelled(cancel):
            continue
        kd = np.empty(k)
        ki = np.empty(0, np.int64)
        pos = np.empty(2 * _REACH + 1, np.int64)
        _start_positions(pos, t, m, n)
        b0 = t * m
        e0 = min(n, b0 + m)
        for a in range(b0, e0):
            _search(strips, m, t, a, pos, kd, ki, CHEBYSHEV, False)
            e = kd[k - 1]
            eps_slot[a] = e
            eps_x[sxr[a]] = e
            eps_y[syr[a]] = e
        for r in range(b0, e0):  # the x-ranks of strip t
            nx_x[r] = run_count(xs, xtable, r, eps_x[r])


@jit(parallel=True)
def _ksg_y_counts(ys, ytable, eps_y, ny_y, cancel):
    """The y-counts of :func:`strips_ksg_counts`, by y-rank; stops between two chunks
    of ranks once ``cancel[0]`` is set."""
    n = ys.shape[0]
    n_chunks = (n + _COUNT_CHUNK - 1) // _COUNT_CHUNK
    for c in prange(n_chunks):
        if cancelled(cancel):
            continue
        for r in range(c * _COUNT_CHUNK, min(n, (c + 1) * _COUNT_CHUNK)):
            ny_y[r] = run_count(ys, ytable, r, eps_y[r])


@jit(parallel=True)
def _ksg_scatter(sid, orders, eps_slot, nx_x, ny_y, eps, nx, ny):
    """The results of :func:`strips_ksg_counts` in row order."""
    n = sid.shape[0]
    n_chunks = (n + _COUNT_CHUNK - 1) // _COUNT_CHUNK
    for c in prange(n_chunks):
        for r in range(c * _COUNT_CHUNK, min(n, (c + 1) * _COUNT_CHUNK)):
            eps[sid[r]] = eps_slot[r]
            nx[orders[0, r]] = nx_x[r]
            ny[orders[1, r]] = ny_y[r]
