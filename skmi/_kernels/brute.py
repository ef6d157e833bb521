"""Brute-force neighbour kernels, for high joint dimension.

- :func:`brute_knn_counts`: the fused k-NN in a product space and neighbour counts in
  its subspaces that KSG, Frenzel-Pompe and the mixed KSG need. Blocks of queries share
  one sweep over the column-major data, ``prange`` over blocks. The sweeps run on a
  float32 copy (twice the lanes per instruction) with the max taken on integer keys
  (:mod:`.floatkeys`), and every decision within rounding reach of a threshold is taken
  on the exact float64 distance (:func:`screening_copy`), so results are those of
  float64.
- :func:`brute_knn` and :func:`brute_count`: plain float64 k-NN (max-norm or
  Euclidean) and counts.

Distances are computed as ``max_c |a_c - b_c|`` (or the root of the summed squares),
never through precomputed norms, so these kernels and the KD-tree agree to the last bit.

Each public kernel allocates the outputs and runs its jitted twin (``_..._tasks``,
``_..._rows``) through :func:`skmi._kernels._interrupt.run`, which stops it between two
blocks of queries when Ctrl-C is pressed.
"""

import numpy as np
from numba import prange

from skmi._kernels._interrupt import run  # no jitted code: not a cache dependency

from ._jit import jit
from .cancel import cancelled
from .floatkeys import (
    key_array,
    key_infinity,
    key_value,
    sweep_key,
    sweep_max,
    threshold_key,
)
from .neighbors import CHEBYSHEV, _insert

# Threshold rules for brute_knn_counts, one per subspace.
RULE_JOINT = 0  # count  max_{g in s} d_g < eps            (KSG-1, Frenzel-Pompe)
RULE_MARGINAL = 1  # count max_{g in s} d_g <= max_{g in s} eps_g  (KSG-2)
RULE_MIXED = 2  # count  < eps if eps > 0 else <= 0          (Gao et al. mixed KSG)
_TINY_DIST = np.nextafter(0.0, 1.0)  # "d <= 0" is "d < _TINY_DIST"

_QBLOCK = 8  # queries sharing one sweep over the data
_TILE = 2048  # samples per tile of that sweep (its accumulators stay in L2)
_BLOCKS_PER_TASK = 16  # query blocks per task (scratch allocated once)
_SCAN = 64  # samples per chunk of the screened scans (one vectorised test per chunk)


# ------------------------------------------------------------------------ the sweeps
@jit
def _accumulate_maxabs(acc, row, qc):
    for j in range(acc.shape[0]):
        acc[j] = sweep_max(acc[j], sweep_key(np.abs(row[j] - qc)))


@jit
def _accumulate_maxabs4(acc, r0, r1, r2, r3, q0, q1, q2, q3):
    for j in range(acc.shape[0]):
        a = sweep_max(sweep_key(np.abs(r0[j] - q0)), sweep_key(np.abs(r1[j] - q1)))
        b = sweep_max(sweep_key(np.abs(r2[j] - q2)), sweep_key(np.abs(r3[j] - q3)))
        acc[j] = sweep_max(acc[j], sweep_max(a, b))


@jit
def _accumulate_maxabs4x2(acc_a, acc_b, r0, r1, r2, r3, a0, a1, a2, a3, b0, b1, b2, b3):
    """:func:`_accumulate_maxabs4` for two queries at once: each data value is loaded
    once for both."""
    for j in range(acc_a.shape[0]):
        v0 = r0[j]
        v1 = r1[j]
        v2 = r2[j]
        v3 = r3[j]
        a = sweep_max(
            sweep_max(sweep_key(np.abs(v0 - a0)), sweep_key(np.abs(v1 - a1))),
            sweep_max(sweep_key(np.abs(v2 - a2)), sweep_key(np.abs(v3 - a3))),
        )
        b = sweep_max(
            sweep_max(sweep_key(np.abs(v0 - b0)), sweep_key(np.abs(v1 - b1))),
            sweep_max(sweep_key(np.abs(v2 - b2)), sweep_key(np.abs(v3 - b3))),
        )
        acc_a[j] = sweep_max(acc_a[j], a)
        acc_b[j] = sweep_max(acc_b[j], b)


@jit
def _sweep_block(data_s, group_of_col, i0, nq, t0, t1, dgb):
    """Per-group sweep keys of queries ``i0 .. i0 + nq - 1`` to the samples of the
    tile ``t0 .. t1 - 1``, max-accumulated into ``dgb[:nq, :, t0:t1]``."""
    dim = data_s.shape[0]
    c = 0
    while c < dim:
        g = group_of_col[c]
        if c + 3 < dim and group_of_col[c + 3] == g:
            # four columns of one group per sweep (a quarter of the accumulator's
            # loads and stores), two queries at a time
            r0 = data_s[c, t0:t1]
            r1 = data_s[c + 1, t0:t1]
            r2 = data_s[c + 2, t0:t1]
            r3 = data_s[c + 3, t0:t1]
            b = 0
            while b + 1 < nq:
                i = i0 + b
                _accumulate_maxabs4x2(
                    dgb[b, g, t0:t1], dgb[b + 1, g, t0:t1], r0, r1, r2, r3,
                    data_s[c, i], data_s[c + 1, i], data_s[c + 2, i], data_s[c + 3, i],
                    data_s[c, i + 1], data_s[c + 1, i + 1], data_s[c + 2, i + 1],
                    data_s[c + 3, i + 1],
                )
                b += 2
            if b < nq:
                i = i0 + b
                _accumulate_maxabs4(
                    dgb[b, g, t0:t1], r0, r1, r2, r3,
                    data_s[c, i], data_s[c + 1, i], data_s[c + 2, i], data_s[c + 3, i],
                )
            c += 4
        else:
            row = data_s[c, t0:t1]
            for b in range(nq):
                _accumulate_maxabs(dgb[b, g, t0:t1], row, data_s[c, i0 + b])
            c += 1


# ------------------------------------------------------------- exact decisions, scans
@jit
def _exact_dist(data, group_of_col, groups, i, j):
    """Exact max-norm distance of rows ``i`` and ``j`` of the row-major ``data`` over
    the columns of the groups flagged in ``groups``."""
    acc = 0.0
    for c in range(data.shape[1]):
        if groups[group_of_col[c]]:
            acc = np.fmax(acc, np.abs(data[j, c] - data[i, c]))
    return acc


@jit
def _band_scan(values, lo, hi, thr, skip, hint, left, data, group_of_col, groups, i):
    """Decide exactly the samples whose key lies in ``[lo, hi)``, ``left`` of them,
    apart from ``skip`` and the indices in ``hint`` (already decided); returns how many
    are below ``thr``. Chunks without one are skipped after a vectorised test (on
    slices: loops from 0 vectorise, loops from a chunk's offset do not)."""
    n = values.shape[0]
    cnt = 0
    j0 = 0
    while left > 0 and j0 < n:
        seg = values[j0:min(n, j0 + _SCAN)]
        within = 0
        for j in range(seg.shape[0]):
            within += seg[j] < hi
            within -= seg[j] < lo
        if within:
            for jj in range(seg.shape[0]):
                v = seg[jj]
                j = j0 + jj
                if v >= lo and v < hi and j != skip and not _contains(hint, j):
                    left -= 1
                    if _exact_dist(data, group_of_col, groups, i, j) < thr:
                        cnt += 1
        j0 += _SCAN
    return cnt


@jit(inline="always")
def _contains(a, x):
    for m in range(a.shape[0]):
        if a[m] == x:
            return True
    return False


@jit
def _screened_count(values, thr, delta, skip, hint, data, group_of_col, groups, i, like):
    """Number of ``j != skip`` whose exact distance (over ``groups``) is below
    ``thr >= 0``, from the sweep keys ``values`` of distances within ``delta`` of the
    exact ones (``like``: the sweep's data, for its dtype).

    Below ``thr - delta`` counts, at or above ``thr + delta`` does not, and the few in
    between are recomputed exactly: first those among the indices ``hint`` (the k
    nearest neighbours, where the k-th one's own distance is the usual threshold), and
    a scan for the rest only when there are more. Both limits are widened by
    ``thr * 2**-22`` (more than rounding them to float32 moves them). With
    ``delta = 0`` the limits are ``thr`` itself and nothing is recomputed.
    """
    widen = delta + thr * 2.0**-22 if delta > 0.0 else 0.0
    lo = threshold_key(thr - widen, like)
    hi = threshold_key(thr + widen, like)
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
    left = cnt_hi - cnt
    if left == 0:
        return cnt
    for m in range(hint.shape[0]):
        j = hint[m]
        if j != skip and not _contains(hint[:m], j) and lo <= values[j] < hi:
            left -= 1
            if _exact_dist(data, group_of_col, groups, i, j) < thr:
                cnt += 1
    return cnt + _band_scan(values, lo, hi, thr, skip, hint, left, data, group_of_col,
                            groups, i)


@jit
def _joint_k_smallest(dg, joint, skip, kds, ki):
    """Joint keys ``joint[j] = max_g dg[g, j]`` and the ``k`` smallest of them over
    ``j != skip`` into ``kds``/``ki`` (ascending, lowest index first among ties);
    ``joint[skip]`` is left at a key above every distance's.

    A chunk of ``_SCAN`` samples is first tested as a whole, vectorised, against the
    current k-th; only a chunk with a nearer sample is scanned one sample at a time,
    which after the first few chunks is rare.
    """
    n_groups, n = dg.shape
    k = kds.shape[0]
    kds[:] = key_infinity(joint)
    ki[:] = -1
    for j0 in range(0, n, _SCAN):
        j1 = min(n, j0 + _SCAN)
        seg = joint[j0:j1]
        t = kds[k - 1]
        hit = 0
        if n_groups == 2:
            d0 = dg[0, j0:j1]
            d1 = dg[1, j0:j1]
            for j in range(seg.shape[0]):
                v = sweep_max(d0[j], d1[j])
                seg[j] = v
                hit += v < t
        else:
            seg[:] = dg[0, j0:j1]
            for g in range(1, n_groups):
                dgg = dg[g, j0:j1]
                for j in range(seg.shape[0]):
                    seg[j] = sweep_max(seg[j], dgg[j])
            for j in range(seg.shape[0]):
                hit += seg[j] < t
        if j0 <= skip < j1:
            joint[skip] = key_infinity(joint)
        if hit:
            for j in range(j0, j1):
                if joint[j] < kds[k - 1]:
                    _insert(kds, ki, joint[j], j)


@jit
def _k_nearest_exact(joint, bound, kd, ki, data, group_of_col, groups, i):
    """The ``k`` nearest by exact distance, into ``kd``/``ki``, among the samples
    whose joint key is at most ``bound``, given in ``ki`` the ``k`` of smallest keys:
    when no other sample is within the bound (one vectorised count tells) these are
    the candidates, else every sample within it is."""
    k = kd.shape[0]
    n = joint.shape[0]
    n_in = 0
    for j in range(n):
        n_in += joint[j] <= bound
    if n_in == k:
        # exact distances of the k, sorted by distance, then index
        for m in range(k):
            kd[m] = _exact_dist(data, group_of_col, groups, i, ki[m])
        for m in range(1, k):
            dm = kd[m]
            jm = ki[m]
            p = m
            while p > 0 and (kd[p - 1] > dm or (kd[p - 1] == dm and ki[p - 1] > jm)):
                kd[p] = kd[p - 1]
                ki[p] = ki[p - 1]
                p -= 1
            kd[p] = dm
            ki[p] = jm
        return
    kd[:] = np.inf
    ki[:] = -1
    for j in range(n):
        if joint[j] <= bound:
            dj = _exact_dist(data, group_of_col, groups, i, j)
            if dj < kd[k - 1]:
                _insert(kd, ki, dj, j)


# ------------------------------------------------------------------ the fused kernel
def brute_knn_counts(data, data_s, delta, group_of_col, n_groups, k, subsets, rule):
    """Fused brute-force k-NN in a product space and neighbour counts in subspaces.

    Parameters
    ----------
    data : (n, D) float64, the samples row-major (columns of all groups).
    data_s : (D, n) float32 or float64, the samples column-major for the distance
        sweeps: a float32 copy of ``data`` (twice the numbers per vector instruction),
        or ``data.T`` itself in float64.
    delta : float, a bound on |sweep distance - exact distance| (0 for a float64
        ``data_s``; for a float32 copy see :func:`screening_copy`).
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
    n_ties : (n,) number of other points at joint distance 0 under RULE_MIXED (the
        only rule that needs it), zeros otherwise.

    The queries' per-group sweep distances to all samples are computed once per block
    of queries, tile by tile (vectorised over samples). The results are exact whatever
    ``data_s`` is: the k nearest are chosen among the samples whose sweep distance is
    within ``2 delta`` of the k-th smallest, from exact float64 distances, and a count
    recomputes exactly the samples whose sweep distance lies within ``delta`` of its
    threshold.
    """
    n = data_s.shape[1]
    eps = np.empty(n)
    eps_g = np.empty((n, n_groups))
    counts = np.zeros((n, subsets.shape[0]), np.int64)
    n_ties = np.zeros(n, np.int64)
    run(lambda cancel: _brute_knn_counts_tasks(data, data_s, delta, group_of_col, n_groups,
                                               k, subsets, rule, eps, eps_g, counts, n_ties,
                                               cancel))
    return eps, eps_g, counts, n_ties


@jit(parallel=True)
def _brute_knn_counts_tasks(data, data_s, delta, group_of_col, n_groups, k, subsets,
                            rule, eps, eps_g, counts, n_ties, cancel):
    """:func:`brute_knn_counts` into its output arrays; stops between two blocks of
    queries once ``cancel[0]`` is set."""
    dim, n = data_s.shape
    m_sub = subsets.shape[0]
    all_groups = np.ones(n_groups, np.bool_)
    n_blocks = (n + _QBLOCK - 1) // _QBLOCK
    n_tasks = (n_blocks + _BLOCKS_PER_TASK - 1) // _BLOCKS_PER_TASK
    for task in prange(n_tasks):
        # scratch allocated once per task: a fresh (8, groups, n) buffer per block
        # would be a large allocation (page faults and zeroing) every 8 queries
        dgb_all = key_array((_QBLOCK, n_groups, n), data_s)
        joint = key_array(n, data_s)
        sub = key_array(n, data_s)
        kds = key_array(k, data_s)
        kd = np.empty(k)
        ki = np.empty(k, np.int64)
        one_group = np.zeros(n_groups, np.bool_)
        for block in range(task * _BLOCKS_PER_TASK,
                           min(n_blocks, (task + 1) * _BLOCKS_PER_TASK)):
            if cancelled(cancel):
                break
            i0 = block * _QBLOCK
            nq = min(n, i0 + _QBLOCK) - i0
            # the samples are swept in tiles so each tile of data is read once for
            # all the block's queries
            dgb = dgb_all[:nq]
            dgb[:] = 0
            for t0 in range(0, n, _TILE):
                _sweep_block(data_s, group_of_col, i0, nq, t0, min(n, t0 + _TILE), dgb)
            for b in range(nq):
                i = i0 + b
                dg = dgb[b]
                # the k smallest sweep distances bound the exact k-th from above ...
                _joint_k_smallest(dg, joint, i, kds, ki)
                if rule == RULE_MIXED:
                    n_ties[i] = _screened_count(joint, _TINY_DIST, delta, -1, ki, data,
                                                group_of_col, all_groups, i, data_s)
                if delta > 0.0:
                    # ... and the exact k nearest are among the samples within
                    # 2 delta of it (widened past float32 rounding)
                    bound = key_value(kds[k - 1])
                    bound_key = threshold_key(
                        bound + 2.0 * delta + bound * 2.0**-22, data_s)
                    _k_nearest_exact(joint, bound_key, kd, ki, data, group_of_col,
                                     all_groups, i)
                else:
                    for m in range(k):
                        kd[m] = key_value(kds[m])
                e = kd[k - 1]
                eps[i] = e
                for g in range(n_groups):
                    one_group[:] = False
                    one_group[g] = True
                    mx = 0.0
                    for m in range(k):
                        dgm = key_value(dg[g, ki[m]]) if delta == 0.0 else _exact_dist(
                            data, group_of_col, one_group, i, ki[m])
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
                        sub[:] = 0
                        for g in range(n_groups):
                            if subsets[s, g]:
                                for j in range(n):
                                    sub[j] = sweep_max(sub[j], dg[g, j])
                        values = sub
                    counts[i, s] = _screened_count(values, thr, delta, i, ki, data,
                                                   group_of_col, subsets[s], i, data_s)


def screening_copy(data: np.ndarray) -> tuple[np.ndarray, float]:
    """``(data_s, delta)`` for :func:`brute_knn_counts` from the row-major float64
    ``data`` (n, D): a column-major float32 copy and a bound on how far its max-norm
    distances can be from the exact ones, or the column-major float64 data and 0 when
    the values are too large for float32.

    Rounding to float32 moves each value by at most ``u |a|`` (``u = 2**-24``), the
    float32 difference adds ``u`` of its size, the float64 one ``2**-53``: a distance
    moves by at most ``(2.0001 u + 2**-53) (|a| + |b|)``, below ``delta = 5 u M`` for
    ``M = max |value|``; a tiny absolute term covers float32's subnormal range.
    """
    big = float(np.max(np.abs(data))) if data.size else 0.0
    if not big < 1e30:
        return np.ascontiguousarray(data.T), 0.0
    return np.ascontiguousarray(data.T, dtype=np.float32), 5.0 * 2.0**-24 * big + 1e-43


# ----------------------------------------------------------------- plain brute force
def brute_knn(data_t, k, metric):
    """k nearest other points of every column of ``data_t`` (D, n), brute force.

    Returns ``(dist, ind)`` like :func:`.neighbors.kdtree_knn`.
    """
    n = data_t.shape[1]
    dist = np.empty((n, k))
    ind = np.empty((n, k), np.int64)
    run(lambda cancel: _brute_knn_rows(data_t, k, metric, dist, ind, cancel))
    return dist, ind


@jit(parallel=True)
def _brute_knn_rows(data_t, k, metric, dist, ind, cancel):
    """:func:`brute_knn` into ``dist`` and ``ind``; stops once ``cancel[0]`` is set."""
    dim, n = data_t.shape
    for i in prange(n):
        if cancelled(cancel):
            continue
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
            if acc[j] < kd[k - 1]:
                _insert(kd, ki, acc[j], j)
        for m in range(k):
            dist[i, m] = kd[m] if metric == CHEBYSHEV else np.sqrt(kd[m])
            ind[i, m] = ki[m]


def brute_count(data_t, queries_t, thresholds, self_index):
    """Max-norm counts of columns of ``data_t`` strictly within ``thresholds[i]`` of
    query column ``i`` of ``queries_t``, excluding ``self_index[i]`` (or none if -1)."""
    counts = np.empty(queries_t.shape[1], np.int64)
    run(lambda cancel: _brute_count_rows(data_t, queries_t, thresholds, self_index, counts,
                                         cancel))
    return counts


@jit(parallel=True)
def _brute_count_rows(data_t, queries_t, thresholds, self_index, counts, cancel):
    """:func:`brute_count` into ``counts``; stops once ``cancel[0]`` is set."""
    dim, n = data_t.shape
    for i in prange(queries_t.shape[1]):
        if cancelled(cancel):
            continue
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
