"""The KDE kernels (skmi._kernels.kde) against their NumPy references."""

import numpy as np
import pytest

from skmi._kernels import kde as kk
from skmi._kernels import reference as ref


def _classes(rng, n, k):
    codes = np.sort(rng.integers(0, k, n))
    counts = np.bincount(codes, minlength=k)
    end = np.cumsum(counts)
    return codes, end - counts, end


def test_exp_nonpositive_matches_numpy():
    rng = np.random.default_rng(0)
    v = np.concatenate([
        -rng.uniform(0, 708, 200_000),
        -rng.uniform(0, 1e-3, 1000),
        -np.arange(0, 1022) * np.log(2.0),     # reduction boundaries (k ln 2)
        -(np.arange(0, 1021) + 0.5) * np.log(2.0),
        [0.0, -0.0, -1e-300, -kk.EXP_FLOOR * -1.0, -5e-324],
    ])
    v = v[v >= kk.EXP_FLOOR]
    got = kk.exp_nonpositive_array(v)
    want = np.exp(v)
    assert np.all(np.abs(got - want) <= 2.5 * np.spacing(want))
    assert kk.exp_nonpositive_array(np.array([0.0]))[0] == 1.0


@pytest.mark.parametrize("block, tile", [(37, 61), (64, 2500), (256, 8192), (300, 100)])
def test_self_log_sums_tiles(block, tile):
    """Tiles smaller and larger than the rows, and a strip boundary (2048 columns)."""
    rng = np.random.default_rng(1)
    n = 2300
    X = rng.standard_normal((n, 3))
    X[500:600] = X[:100]  # duplicate rows: distance exactly 0
    X[600:700] = X[:100] + 1e-9  # near duplicates
    codes, start, end = _classes(rng, n, 5)
    for scale in (0.02, 3.0):
        total, within = kk.self_log_sums(X, scale, codes, start, end, block=block,
                                         tile=tile)
        rt, rw = ref.log_sum_exp_pairs(X, X, scale, codes, codes)
        np.testing.assert_allclose(total, rt, rtol=0, atol=1e-11)
        np.testing.assert_allclose(within, rw, rtol=0, atol=1e-11)


@pytest.mark.parametrize("block, tile", [(5, 17), (256, 8192)])
def test_query_log_sums_match_reference(block, tile):
    rng = np.random.default_rng(2)
    n = 400
    C = rng.standard_normal((n, 6))
    C[200:220] = C[:20]
    codes, start, end = _classes(rng, n, 4)
    rows = np.sort(rng.choice(n, 150, replace=False))
    for scale in (0.05, 1.0, 40.0):
        total, within = kk.query_log_sums(C[rows], C, rows, scale, codes[rows], start, end,
                                          block=block, tile=tile)
        rt, rw = ref.log_sum_exp_queries(C[rows], C, scale, rows, codes[rows], codes)
        np.testing.assert_allclose(total, rt, rtol=0, atol=1e-11)
        np.testing.assert_allclose(within, rw, rtol=0, atol=1e-11)


def test_query_log_sums_with_every_row_is_the_self_pass():
    rng = np.random.default_rng(3)
    n = 700
    X = rng.standard_normal((n, 20)) * 0.3
    X -= X.mean(axis=0)
    codes, start, end = _classes(rng, n, 3)
    for scale in (0.1, 2.0):
        a = kk.self_log_sums(X, scale, codes, start, end, block=64, tile=300)
        b = kk.query_log_sums(X, X, np.arange(n), scale, codes, start, end, block=50)
        np.testing.assert_allclose(a[0], b[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(a[1], b[1], rtol=0, atol=1e-12)


def test_near_duplicates_far_from_the_origin():
    """Clusters of rows 1e-6 apart at distance 10 from the origin, noise at the cluster
    scale: the norms identity alone is off by about 1e-3 in each exponent there; the
    pairs at risk are redone from the differences (all three kernels)."""
    rng = np.random.default_rng(7)
    base = rng.standard_normal((40, 5)) * 10
    X = np.repeat(base, 5, axis=0) + 1e-6 * rng.standard_normal((200, 5))
    codes, start, end = _classes(rng, 200, 3)
    scale = 1.0 / (2 * 4e-12)
    total, within = kk.self_log_sums(X, scale, codes, start, end, block=64, tile=90)
    rt, rw = ref.log_sum_exp_pairs(X, X, scale, codes, codes)
    np.testing.assert_allclose(total, rt, rtol=0, atol=1e-10)
    np.testing.assert_allclose(within, rw, rtol=0, atol=1e-10)
    rows = np.arange(0, 200, 7)
    total, within = kk.query_log_sums(X[rows], X, rows, scale, codes[rows], start, end)
    rt, rw = ref.log_sum_exp_queries(X[rows], X, scale, rows, codes[rows], codes)
    np.testing.assert_allclose(total, rt, rtol=0, atol=1e-10)
    np.testing.assert_allclose(within, rw, rtol=0, atol=1e-10)
    Q = X[rows] + 2e-6 * rng.standard_normal((rows.size, 5))
    total, within = kk.mixture_log_sums(Q, X, scale, codes[rows], start, end,
                                        self_terms=False)
    rt, rw = ref.log_sum_exp_pairs(Q, X, scale, codes[rows], codes)
    np.testing.assert_allclose(total, rt, rtol=0, atol=1e-10)
    np.testing.assert_allclose(within, rw, rtol=0, atol=1e-10)


def test_kernels_skip_only_negligible_terms():
    """A cut at exp(-30): every term it drops is below e^-30 of the row's sum."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 2)) * 10
    codes = np.arange(300)
    start, end = codes, codes + 1
    total, _ = kk.self_log_sums(X, 1.0, codes, start, end, cut=-30.0)
    rt, _ = ref.log_sum_exp_pairs(X, X, 1.0)
    assert np.all(total <= rt + 1e-13)
    assert np.all(rt - total <= 300 * np.exp(-30.0))


@pytest.mark.parametrize("block", [5, 256])
def test_mixture_log_sums_classes_and_self_terms(block):
    rng = np.random.default_rng(5)
    C = rng.standard_normal((90, 4))
    codes, start, end = _classes(rng, 90, 3)
    end[1] = start[1]  # an empty class
    start[2] = end[1]
    codes = np.repeat(np.arange(3), end - start)
    q_cls = rng.integers(0, 3, 60)
    Q = C[rng.integers(0, 90, 60)] + 2.0 * rng.standard_normal((60, 4))
    total, within = kk.mixture_log_sums(Q, C, 0.7, q_cls, start, end, self_terms=False,
                                        block=block)
    rt, rw = ref.log_sum_exp_pairs(Q, C, 0.7, q_cls, codes)
    np.testing.assert_allclose(total, rt, rtol=0, atol=1e-11)
    np.testing.assert_array_equal(np.isinf(within), q_cls == 1)
    np.testing.assert_allclose(within[q_cls != 1], rw[q_cls != 1], rtol=0, atol=1e-11)
    total, within = kk.mixture_log_sums(C, C, 0.7, codes, start, end, self_terms=True,
                                        block=block)
    rt, rw = ref.log_sum_exp_pairs(C, C, 0.7, codes, codes)
    np.testing.assert_allclose(total, rt, rtol=0, atol=1e-11)
    np.testing.assert_allclose(within, rw, rtol=0, atol=1e-11)


def test_kt_terms_reference_is_the_dense_one():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((120, 3)) + 5.0
    y = rng.integers(0, 3, 120)
    rows = np.array([0, 7, 50, 119])
    terms = ref.kt_terms(X, y, 0.4, rows, block=3)
    Xc = X - X.mean(axis=0)
    t, w = ref.log_sum_exp_queries(Xc[rows], Xc, 1 / 0.8, rows, y[rows], y)
    np.testing.assert_allclose(terms, w - t, rtol=0, atol=1e-13)
