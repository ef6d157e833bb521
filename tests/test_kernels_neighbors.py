"""Numba neighbour kernels against their pure-NumPy references (skmi._kernels.reference).

Data include ties (rounded values) and duplicated rows; inputs are read-only arrays as
joblib memmaps would be.
"""

import numpy as np
import pytest

from skmi._kernels import brute as bf
from skmi._kernels import neighbors as nb
from skmi._kernels import reference as ref


def _readonly(a):
    a = np.array(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _datasets():
    rng = np.random.default_rng(42)
    cont = rng.standard_normal((300, 3))
    ties = np.round(rng.standard_normal((300, 3)), 1)
    dup = np.repeat(rng.standard_normal((60, 3)), 5, axis=0)  # every row 5 times
    wide = np.round(rng.standard_normal((300, 6)), 1)  # rows padded to 8 columns
    return {"continuous": cont, "ties": ties, "duplicates": dup, "wide": wide}


DATA = _datasets()


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("k", [1, 4])
def test_knn_tree_and_brute_match_reference(name, metric, k):
    data = _readonly(DATA[name])
    code = nb.CHEBYSHEV if metric == "chebyshev" else nb.EUCLIDEAN
    expected = ref.knn_distances(data, k, metric)
    tree = nb.build_kdtree(data, 8)
    dist, ind = nb.kdtree_knn(tree, k, code)
    np.testing.assert_array_equal(dist, expected)
    dist_b, ind_b = bf.brute_knn(np.ascontiguousarray(data.T), k, code)
    np.testing.assert_array_equal(dist_b, expected)
    # every tree search, whichever the dimension would pick: per leaf, per query, per
    # query on rows padded to 4 or 8 columns
    paths = [(dist, ind), (dist_b, ind_b), nb._kdtree_knn_leaves(tree, k, code),
             nb._kdtree_knn_points(tree, tree[0], tree[6], tree[7], (), k, code),
             nb._kdtree_knn_points(tree, *nb.padded_tree(tree), k, code)]
    for d_, _ in paths[2:]:
        np.testing.assert_array_equal(d_, expected)
    # the indices (among tied neighbours any may be reported) point at rows at the
    # reported distances, never at the row itself
    for d_, i_ in paths:
        assert not np.any(i_ == np.arange(len(data))[:, None])
        if metric == "chebyshev":
            recomputed = np.abs(data[i_] - data[:, None, :]).max(axis=2)
            np.testing.assert_array_equal(recomputed, d_)


def test_kdtree_is_a_permutation_with_tight_boxes():
    data = _readonly(DATA["ties"])
    tdata, perm, start, end, left, right, lo, hi = nb.build_kdtree(data, 8)
    assert np.array_equal(np.sort(perm), np.arange(len(data)))
    np.testing.assert_array_equal(tdata, data[perm])
    for node in range(len(start)):
        pts = tdata[start[node] : end[node]]
        np.testing.assert_array_equal(lo[node], pts.min(axis=0))
        np.testing.assert_array_equal(hi[node], pts.max(axis=0))
        if left[node] >= 0:
            assert start[left[node]] == start[node] and end[right[node]] == end[node]


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("leaf_size", [1, 5, 16])
def test_kdtree_splits_at_the_median_of_its_widest_side(name, leaf_size):
    data = _readonly(DATA[name])
    orders = nb.column_orders(data)
    tree = nb.build_kdtree(data, leaf_size)
    given = nb.build_kdtree(data, leaf_size, orders)  # orders shared by the caller
    for a, b in zip(tree, given):
        np.testing.assert_array_equal(a, b)
    tdata, perm, start, end, left, right, lo, hi = tree
    for node in range(len(start)):
        size = end[node] - start[node]
        if left[node] < 0:  # a leaf: small, or every point the same
            assert size <= leaf_size or np.all(hi[node] == lo[node])
            continue
        widest = np.argmax(hi[node] - lo[node])
        sizes = end[left[node]] - start[left[node]], end[right[node]] - start[right[node]]
        assert sizes == (size // 2, size - size // 2)
        # every point left of the split is <= every point right of it on that side
        assert hi[left[node], widest] <= lo[right[node], widest]


@pytest.mark.parametrize("name", sorted(DATA))
def test_counts_match_reference(name):
    data = _readonly(DATA[name])
    n = len(data)
    rng = np.random.default_rng(0)
    thr = _readonly(rng.uniform(0, 1.0, n))
    thr_exact = _readonly(ref.knn_distances(data, 3)[:, -1])  # thresholds hit exactly
    for t in (thr, thr_exact):
        expected = ref.count_within(data, t, self_index=np.arange(n))
        tree = nb.build_kdtree(data, 8)
        for got in _self_count_paths(tree, t, nb.CHEBYSHEV):  # thresholds hit exactly
            np.testing.assert_array_equal(got, expected)
        dt = np.ascontiguousarray(data.T)
        np.testing.assert_array_equal(bf.brute_count(dt, dt, t, np.arange(n)), expected)
        col = _readonly(data[:, 0])
        expected_1d = ref.count_within(data[:, :1], t, self_index=np.arange(n))
        got_1d = nb.sorted_counts(col, t, np.argsort(col))
        np.testing.assert_array_equal(got_1d, expected_1d)


@pytest.mark.parametrize("kind", ["clustered", "extreme", "constant", "cauchy"])
def test_sorted_counts_with_bad_bucket_guesses(kind):
    """The bucket table only guesses where runs end: data that defeat it (one dense
    cluster, values near the float limits, no spread, heavy tails) still count exactly."""
    rng = np.random.default_rng(7)
    n = 400
    if kind == "clustered":
        x = np.r_[rng.uniform(0, 1e-9, n - 3), [-5.0, 3.0, 1e6]]
    elif kind == "extreme":
        x = np.r_[rng.standard_normal(n - 2), [-1e308, 1e308]]
    elif kind == "constant":
        x = np.full(n, 2.5)
    else:
        x = rng.standard_cauchy(n)
    x = _readonly(x)
    with np.errstate(over="ignore"):  # 1e308 - (-1e308) is inf, in both
        knn = ref.knn_distances(x[:, None], 3)[:, -1]
    for thr in (rng.uniform(0, 2, n), knn, np.full(n, np.inf), np.full(n, 1e-12)):
        thr = _readonly(thr)
        with np.errstate(over="ignore"):
            expected = ref.count_within(x[:, None], thr, self_index=np.arange(n))
        np.testing.assert_array_equal(nb.sorted_counts(x, thr, np.argsort(x)), expected)


def test_counts_with_foreign_queries():
    data = _readonly(DATA["ties"])
    queries = _readonly(np.random.default_rng(1).standard_normal((50, 3)))
    t = _readonly(np.full(50, 0.7))
    none = np.full(50, -1)
    expected = ref.count_within(data, t, queries=queries)
    got = bf.brute_count(np.ascontiguousarray(data.T), np.ascontiguousarray(queries.T), t, none)
    np.testing.assert_array_equal(got, expected)


def _fused(joint, groups, n_groups, k, subsets, rule, screen):
    """brute_knn_counts with float32 sweeps (``screen``) or float64 ones."""
    if screen:
        data_s, delta = bf.screening_copy(joint)
        assert data_s.dtype == np.float32 and delta > 0
    else:
        data_s, delta = _readonly(joint.T.copy()), 0.0
    return bf.brute_knn_counts(joint, data_s, delta, groups, n_groups, k, subsets, rule)


@pytest.mark.parametrize("screen", [False, True])
@pytest.mark.parametrize("rule", [bf.RULE_JOINT, bf.RULE_MARGINAL, bf.RULE_MIXED])
@pytest.mark.parametrize("name", sorted(DATA))
def test_fused_brute_kernel_matches_reference(rule, name, screen):
    data = DATA[name]
    blocks = [data[:, :2], data[:, 2:]]
    if name == "continuous":  # three groups, as for conditional MI
        blocks = [data[:, :1], data[:, 1:2], data[:, 2:]]
    subsets = np.array(
        [[True] * len(blocks)] + [[g == s for g in range(len(blocks))] for s in range(len(blocks))]
    )
    joint = _readonly(np.hstack(blocks))
    groups = np.concatenate([np.full(b.shape[1], g) for g, b in enumerate(blocks)])
    got = _fused(joint, groups, len(blocks), 5, subsets, rule, screen)
    expected = ref.knn_counts(blocks, 5, rule, subsets)
    # among tied neighbours both keep the lowest indices, so even eps_g agrees
    for g, e in zip(got, expected):  # eps, eps_g, counts, n_ties
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("screen", [False, True])
@pytest.mark.parametrize("rule", [bf.RULE_JOINT, bf.RULE_MARGINAL])
def test_fused_brute_kernel_wide_groups(rule, screen):
    # groups of 9 and 6 columns exercise the four-columns-at-once sweep and its rest
    rng = np.random.default_rng(5)
    blocks = [np.round(rng.standard_normal((200, 9)), 1), rng.standard_normal((200, 6))]
    subsets = np.array([[True, False], [False, True]])
    joint = _readonly(np.hstack(blocks))
    groups = np.repeat([0, 1], [9, 6])
    got = _fused(joint, groups, 2, 3, subsets, rule, screen)
    for g, e in zip(got, ref.knn_counts(blocks, 3, rule, subsets)):
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("rule", [bf.RULE_JOINT, bf.RULE_MARGINAL, bf.RULE_MIXED])
def test_float32_sweeps_stay_exact_where_float32_cannot_tell_values_apart(rule):
    # values 1 + j * 2**-40: distinct in float64, all 1.0 in float32, so every sweep
    # distance is 0 and each decision must come from the exact float64 recomputation
    rng = np.random.default_rng(9)
    blocks = [1.0 + rng.integers(0, 50, (150, 4)) * 2.0**-40,
              1.0 + rng.integers(0, 50, (150, 5)) * 2.0**-40]
    subsets = np.array([[True, False], [False, True], [True, True]])
    joint = _readonly(np.hstack(blocks))
    groups = np.repeat([0, 1], [4, 5])
    data_s, delta = bf.screening_copy(joint)
    assert np.all(data_s == 1.0) and delta > 0
    got = bf.brute_knn_counts(joint, data_s, delta, groups, 2, 3, subsets, rule)
    for g, e in zip(got, ref.knn_counts(blocks, 3, rule, subsets)):
        np.testing.assert_array_equal(g, e)


def test_screening_copy_keeps_float64_for_values_beyond_float32():
    joint = np.array([[1e200, 0.5], [-3.0, 1.0], [2.0, -1.0]])  # (n, D)
    data_s, delta = bf.screening_copy(joint)
    assert data_s.dtype == np.float64 and delta == 0.0
    np.testing.assert_array_equal(data_s, joint.T)
    assert data_s.flags.c_contiguous
    data_s, delta = bf.screening_copy(joint[:, 1:])
    assert data_s.dtype == np.float32 and data_s.shape == (1, 3)
    assert data_s.flags.c_contiguous
    assert delta == pytest.approx(5 * 2.0**-24, rel=1e-6)


def _self_count_paths(tree, thr, metric):
    """kdtree_self_count, then each of its two searches whatever the dimension."""
    return [nb.kdtree_self_count(tree, thr, metric),
            nb._kdtree_self_count_leaves(tree, thr, metric),
            nb._kdtree_self_count_padded(tree, *nb.padded_tree(tree), thr, metric)]


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("leaf_size", [1, 8, 62, 128])
def test_self_counts_match_reference(name, leaf_size):
    data = _readonly(DATA[name])
    n = len(data)
    thr = _readonly(np.random.default_rng(3).uniform(0, 1.0, n))
    tree = nb.build_kdtree(data, leaf_size)
    expected = ref.count_within(data, thr, self_index=np.arange(n))
    for got in _self_count_paths(tree, thr, nb.CHEBYSHEV):
        np.testing.assert_array_equal(got, expected)
    dist = ref.pairwise_euclidean(data)
    np.fill_diagonal(dist, np.inf)
    expected = (dist < thr[:, None]).sum(axis=1)
    for got in _self_count_paths(tree, thr, nb.EUCLIDEAN):
        np.testing.assert_array_equal(got, expected)
    # a threshold of 0 counts nothing, not even the point itself; an infinite one
    # every other point
    zero = _readonly(np.zeros(n))
    for got in _self_count_paths(tree, zero, nb.CHEBYSHEV):
        assert not np.any(got)
    for got in _self_count_paths(tree, _readonly(np.full(n, np.inf)), nb.CHEBYSHEV):
        np.testing.assert_array_equal(got, n - 1)


@pytest.mark.parametrize("dim", [4, 5, 8, 9])
def test_searches_at_the_padded_widths_and_beyond(dim):
    # 4 and 8 columns fill the padded rows, 5 pads, 9 takes the unpadded searches
    rng = np.random.default_rng(dim)
    data = _readonly(np.round(rng.standard_normal((250, dim)), 1))
    n = len(data)
    tree = nb.build_kdtree(data, 16)
    for metric, code in (("chebyshev", nb.CHEBYSHEV), ("euclidean", nb.EUCLIDEAN)):
        dist, _ = nb.kdtree_knn(tree, 3, code)
        np.testing.assert_array_equal(dist, ref.knn_distances(data, 3, metric))
    thr = _readonly(np.abs(rng.standard_normal(n)))
    expected = ref.count_within(data, thr, self_index=np.arange(n))
    np.testing.assert_array_equal(nb.kdtree_self_count(tree, thr, nb.CHEBYSHEV), expected)


def test_self_counts_with_a_leaf_larger_than_a_mask():
    # 150 copies of one row form one leaf (it cannot be split): more than 62 queries
    rng = np.random.default_rng(4)
    data = _readonly(np.vstack([np.ones((150, 2)), rng.standard_normal((200, 2))]))
    n = len(data)
    for thr in (np.full(n, np.nextafter(0.0, 1.0)), rng.uniform(0, 1, n)):
        tree = nb.build_kdtree(data, 16)
        expected = ref.count_within(data, thr, self_index=np.arange(n))
        for got in _self_count_paths(tree, thr, nb.CHEBYSHEV):
            np.testing.assert_array_equal(got, expected)


def _argsort_in_child(rows):
    from skmi._parallel import argsort_rows

    return argsort_rows(rows, 2)


def test_argsort_rows_on_threads_and_after_fork():
    import multiprocessing
    import warnings

    from skmi._parallel import argsort_rows

    rows = np.random.default_rng(0).standard_normal((3, 5000))
    for n_threads in (1, 2, 8):
        got = argsort_rows(rows, n_threads)
        assert got.dtype == np.int64
        for c in range(3):
            np.testing.assert_array_equal(rows[c, got[c]], np.sort(rows[c]))
    if "fork" not in multiprocessing.get_all_start_methods():
        return
    # the pool's threads do not survive fork: a forked child must build its own
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        with multiprocessing.get_context("fork").Pool(1) as pool:
            got = pool.apply_async(_argsort_in_child, (rows,)).get(timeout=120)
    np.testing.assert_array_equal(got, argsort_rows(rows, 1))
