"""The column-scaling kernel of the k-NN preprocessing against NumPy."""

import numpy as np
import pytest

from skmi import knn as knn_module
from skmi._kernels import reference as ref
from skmi._kernels.scaling import standardize_columns

TINY = np.finfo(np.float64).tiny


def _columns(shape, seed=0):
    """Columns at every scale: ordinary, offset far above the spread, tiny, subnormal,
    near the largest float, constant, constant up to rounding."""
    rng = np.random.default_rng(seed)
    n, d = shape
    a = rng.standard_normal(shape) * rng.uniform(1e-3, 1e3, d) + 5.0
    special = [
        np.full(n, 2.5),                               # constant
        1e12 + rng.standard_normal(n),                 # offset 1e12 x the spread
        1e-300 * rng.standard_normal(n),
        1e-310 * rng.standard_normal(n),               # subnormal
        1.7e308 * rng.uniform(-1.0, 1.0, n),           # near the largest float
        1e17 + rng.integers(0, 3, n) * 16.0,           # 1e17 + a few ulps: constant
    ]
    for j, col in enumerate(special[:d]):
        a[:, j] = col
    return a


@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (5000, 1), (300, 40)])
def test_standardize_columns_matches_reference(shape):
    a = _columns(shape)
    expected, expected_spread = ref.standardize_columns(a)
    got = a.copy()
    spread = standardize_columns(got, True)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(spread, expected_spread, rtol=1e-12, atol=0)
    assert np.all(got[:, 0] == 0.0)  # a constant column becomes exactly 0
    assert spread[0] == 0.0
    if shape[0] > 1 and shape[1] >= 6:
        assert np.all(got[:, 5] == 0.0)  # constant up to rounding
        assert spread[5] == 0.0
    # without ``scale``: the data untouched, the same deviations
    b = a.copy()
    np.testing.assert_array_equal(standardize_columns(b, False), spread)
    np.testing.assert_array_equal(b, a)


def test_standardize_columns_is_unit_variance_at_every_scale():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(4000)
    expected = (x - x.mean()) / x.std()
    for col, factor in [(x, 1.0), (1e-310 * x, 1e-310), (1e-300 * x, 1e-300),
                        (1e300 * x, 1e300), (1e10 + x, 1.0), (1e-20 * x, 1e-20)]:
        got = col.reshape(-1, 1).copy()
        spread = standardize_columns(got, True)
        # 1e-310 * x keeps about 14 digits (subnormal); 1e10 + x about 6 (rounded to
        # 2e-6): the standardised values agree to that resolution
        np.testing.assert_allclose(got[:, 0], expected, rtol=0, atol=1e-5)
        assert abs(got[:, 0].mean()) < 1e-14
        assert got[:, 0].std() == pytest.approx(1.0, abs=1e-14)
        assert spread[0] == pytest.approx(x.std() * factor, rel=1e-5)


@pytest.mark.parametrize("k", [-900, -60, 60, 900])
def test_standardize_columns_bit_identical_under_powers_of_two(k):
    rng = np.random.default_rng(2)
    a = np.column_stack([rng.standard_normal(500), 1e12 + rng.standard_normal(500),
                         1e-20 * rng.standard_normal(500), np.full(500, 3.0)])
    base = a.copy()
    standardize_columns(base, True)
    scaled = np.ldexp(a, k)
    assert np.all(np.isfinite(scaled))
    standardize_columns(scaled, True)
    np.testing.assert_array_equal(scaled, base)


def test_constant_is_relative_to_the_magnitude():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(1000)
    a = np.column_stack([1e-20 * x, 1e-200 * x, 1e16 + np.round(x) * 2.0, np.zeros(1000)])
    spread = standardize_columns(a, True)
    assert spread[0] > 0 and spread[1] > 0  # tiny, not constant (the old test: 10 eps)
    assert spread[2] == 0 and spread[3] == 0  # a few ulps of 1e16; zeros
    assert np.all(a[:, 2:] == 0.0)


def test_prepare_copies_and_is_scikit_learns_recipe_on_centred_data():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((400, 2)) * [3.0, 0.01] + [0.0, 2.0]
    a.setflags(write=False)
    got = knn_module._prepare(a, standardize=True, noise=1e-10,
                              rng=np.random.RandomState(0))
    centred = a - a.mean(axis=0)
    scaled = centred / np.std(centred, axis=0)
    noise = np.random.RandomState(0).standard_normal(a.shape)
    # scikit-learn's noise * max(1, mean|a|) on centred, unit-variance columns
    expected = scaled + 1e-10 * np.maximum(1.0, np.mean(np.abs(scaled), axis=0)) * noise
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert not np.shares_memory(got, a)
    unscaled = knn_module._prepare(a, standardize=False, noise=0.0, rng=None)
    np.testing.assert_array_equal(unscaled, a)


def test_prepare_without_standardize_adds_noise_relative_to_the_spread():
    rng = np.random.default_rng(4)
    a = np.column_stack([1e-20 * rng.standard_normal(300), 1e12 + rng.standard_normal(300),
                         np.full(300, 7.0)])
    got = knn_module._prepare(a, standardize=False, noise=1e-10,
                              rng=np.random.RandomState(0))
    noise = np.random.RandomState(0).standard_normal(a.shape)
    sd = np.std(a - a.mean(axis=0), axis=0)
    sd[2] = sd.max()  # a constant column: the block's largest deviation
    np.testing.assert_allclose(got[:, [0, 2]], (a + 1e-10 * sd * noise)[:, [0, 2]],
                               rtol=1e-15)
    # on 1e12 + x the noise (1e-10) is below the rounding: the data stay as they are
    assert np.max(np.abs(got[:, 1] - a[:, 1])) <= 2 ** -13
