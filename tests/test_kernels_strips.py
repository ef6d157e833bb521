"""The sorted-strip k-NN (skmi._kernels.strips) against the pure-NumPy references.

Data include ties, duplicated rows, heavy tails and strips of a single point; inputs
are read-only arrays as joblib memmaps would be.
"""

import numpy as np
import pytest

from skmi import KSG, KLEntropy, MixedKSG
from skmi import knn as knn_module
from skmi._kernels import brute as bf
from skmi._kernels import neighbors as nb
from skmi._kernels import reference as ref
from skmi._kernels import strips as st


def _readonly(a, dtype=np.float64):
    a = np.array(a, dtype=dtype)
    a.setflags(write=False)
    return a


def _datasets():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(400)
    corr = np.column_stack([x, 0.9 * x + 0.3 * rng.standard_normal(400)])
    ties = np.round(rng.standard_normal((400, 2)), 1)
    dup = np.repeat(rng.standard_normal((80, 2)), 5, axis=0)  # every row 5 times
    cauchy = rng.standard_cauchy((400, 2))
    return {"correlated": corr, "ties": ties, "duplicates": dup, "cauchy": cauchy}


DATA = _datasets()


def _strips(data, m):
    orders = _readonly(nb.column_orders(data), np.int64)
    return st.build_strips(data, orders, m, st.workspace(len(data))), orders


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("m", [1, 7, 64, 400])
def test_strips_are_y_sorted_x_rank_ranges(name, m):
    data = _readonly(DATA[name])
    n = len(data)
    (sx, sy, sid, xmin, xmax, ties, xs, ys, sxr, syr), orders = _strips(data, m)
    assert np.array_equal(np.sort(sid), np.arange(n))
    np.testing.assert_array_equal(sx, data[sid, 0])
    np.testing.assert_array_equal(sy, data[sid, 1])
    np.testing.assert_array_equal(xs, np.sort(data[:, 0]))
    np.testing.assert_array_equal(ys, np.sort(data[:, 1]))
    np.testing.assert_array_equal(xs[sxr], sx)
    np.testing.assert_array_equal(ys[syr], sy)
    for t in range(len(xmin)):
        lo, hi = t * m, min(n, (t + 1) * m)
        assert np.all(np.diff(sy[lo:hi]) >= 0)  # sorted by y within the strip
        assert np.array_equal(np.sort(sxr[lo:hi]), np.arange(lo, hi))  # its x-ranks
        assert xmin[t] == sx[lo:hi].min() and xmax[t] == sx[lo:hi].max()
    # tie load: sum of squared run lengths, n without ties
    for col, load in zip((xs, ys), ties):
        _, runs = np.unique(col, return_counts=True)
        assert load == np.sum(runs.astype(np.int64) ** 2)


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize("m", [1, 7, 64, 400])
def test_strips_knn_matches_reference(name, metric, k, m):
    data = _readonly(DATA[name])
    code = nb.CHEBYSHEV if metric == "chebyshev" else nb.EUCLIDEAN
    expected = ref.knn_distances(data, k, metric)
    built, _ = _strips(data, m)
    dist, ind = st.strips_knn(built, m, k, code, True)
    np.testing.assert_array_equal(dist, expected)
    assert not np.any(ind == np.arange(len(data))[:, None])
    pair = (ref.pairwise_chebyshev(data) if code == nb.CHEBYSHEV
            else ref.pairwise_euclidean(data))
    np.testing.assert_array_equal(pair[np.arange(len(data))[:, None], ind], dist)
    dist_only, no_ind = st.strips_knn(built, m, k, code, False)
    np.testing.assert_array_equal(dist_only, expected)
    assert no_ind.shape == (len(data), 0)


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("m", [1, 7, 64])
@pytest.mark.parametrize("k", [1, 3])
def test_strips_ksg_counts_match_reference(name, m, k):
    data = _readonly(DATA[name])
    n = len(data)
    orders = _readonly(nb.column_orders(data), np.int64)
    work = st.workspace(n)
    built = st.build_strips(data, orders, m, work)
    eps, nx, ny = st.strips_ksg_counts(built, orders, m, k, work)
    expected_eps = ref.knn_distances(data, k)[:, -1]
    np.testing.assert_array_equal(eps, expected_eps)
    rows = np.arange(n)
    np.testing.assert_array_equal(
        nx, ref.count_within(data[:, :1], expected_eps, self_index=rows))
    np.testing.assert_array_equal(
        ny, ref.count_within(data[:, 1:], expected_eps, self_index=rows))


def test_single_strip_and_tiny_inputs():
    rng = np.random.default_rng(3)
    for n in (2, 3, 5, 17):
        data = _readonly(rng.standard_normal((n, 2)))
        for m in (1, 2, n, 4 * n):
            built, orders = _strips(data, m)
            k = min(2, n - 1)
            np.testing.assert_array_equal(
                st.strips_knn(built, m, k, nb.CHEBYSHEV, True)[0],
                ref.knn_distances(data, k),
            )


def test_strip_size_grows_as_sqrt_n():
    assert st.strip_size(10, 3) == 16
    assert st.strip_size(100_000, 3) == int(1.5 * np.sqrt(400_000))


def test_tied_columns_take_the_kd_tree():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(3000)
    relu = np.column_stack([np.maximum(x, 0.0), x + rng.standard_normal(3000)])
    orders = nb.column_orders(relu)
    built, _, _ = knn_module._build_strips(relu, 3, orders)
    assert built is None  # half the first column sits on one value
    pairs = np.repeat(rng.standard_normal((1500, 2)), 2, axis=0)  # duplicated rows
    built, _, _ = knn_module._build_strips(pairs, 3, nb.column_orders(pairs))
    assert built is not None  # runs of 2 are harmless
    # whatever the path, the neighbours are the exact ones
    for data in (relu, pairs):
        got = knn_module._knn(data, 3, "tree")[0]
        np.testing.assert_array_equal(got, bf.brute_knn(np.ascontiguousarray(data.T), 3,
                                                         nb.CHEBYSHEV)[0])


@pytest.mark.parametrize("variant", [1, 2])
def test_ksg_strip_path_equals_brute_force(variant):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(3000)
    y = np.exp(0.7 * x + rng.standard_normal(3000))  # skewed y: uneven strips
    a = KSG(variant=variant, algorithm="tree", random_state=0).fit(x[:, None], y)
    b = KSG(variant=variant, algorithm="brute", random_state=0).fit(x[:, None], y)
    assert a.mi_ == b.mi_


def test_mixed_ksg_and_kl_strip_paths_equal_brute_force():
    rng = np.random.default_rng(6)
    x = rng.standard_normal(2500)
    y = np.where(rng.random(2500) < 0.3, 0.0, x + rng.standard_normal(2500))
    a = MixedKSG(algorithm="tree").fit(x[:, None], y).mi_
    b = MixedKSG(algorithm="brute").fit(x[:, None], y).mi_
    assert a == b
    data = rng.standard_normal((2500, 2))
    for metric in ("chebyshev", "euclidean"):
        a = KLEntropy(metric=metric, algorithm="tree").fit(data).entropy_
        b = KLEntropy(metric=metric, algorithm="brute").fit(data).entropy_
        assert a == b


def test_joint_neighbours_with_a_two_block_subset_equals_brute_force():
    # the fused strip pass counts in each scalar alone; a subset of both blocks must
    # take the general path, not be mistaken for one of them
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2000, 1))
    y = x + rng.standard_normal((2000, 1))
    subsets = [[1, 0], [0, 1], [1, 1]]
    tree = knn_module._joint_neighbours([x, y], 3, "tree", bf.RULE_JOINT, subsets)
    brute = knn_module._joint_neighbours([x, y], 3, "brute", bf.RULE_JOINT, subsets)
    np.testing.assert_array_equal(tree[0], brute[0])
    np.testing.assert_array_equal(tree[2], brute[2])
