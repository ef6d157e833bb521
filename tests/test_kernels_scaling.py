"""The column-scaling kernel of the k-NN preprocessing against NumPy."""

import numpy as np
import pytest

from skmi import knn as knn_module
from skmi._kernels.scaling import standardize_columns


@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (5000, 1), (300, 40)])
def test_standardize_columns_matches_numpy(shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape) * rng.uniform(1e-3, 1e3, shape[1]) + 5.0
    a[:, 0] = 2.5  # a constant column: deviation 0, left unscaled
    expected_std = np.std(a, axis=0)
    expected_std[expected_std < 10 * np.finfo(np.float64).eps] = 1.0
    expected = a / expected_std
    got = a.copy()
    mean_abs = standardize_columns(got)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    np.testing.assert_allclose(mean_abs, np.mean(np.abs(expected), axis=0), rtol=1e-13)
    assert np.all(got[:, 0] == 2.5)


def test_prepare_copies_and_reproduces_scikit_learns_recipe():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((400, 2)) * [3.0, 0.01]
    a.setflags(write=False)
    got = knn_module._prepare(a, standardize=True, noise=1e-10,
                              rng=np.random.RandomState(0))
    scaled = a / np.std(a, axis=0)
    noise = np.random.RandomState(0).standard_normal(a.shape)
    expected = scaled + 1e-10 * np.maximum(1.0, np.mean(np.abs(scaled), axis=0)) * noise
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    assert not np.shares_memory(got, a)
    unscaled = knn_module._prepare(a, standardize=False, noise=0.0, rng=None)
    np.testing.assert_array_equal(unscaled, a)
