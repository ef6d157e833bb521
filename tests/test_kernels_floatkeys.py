"""Integer keys of non-negative float32 distances (skmi._kernels.floatkeys) against
their NumPy reference, and the order facts the brute-force sweeps rely on."""

import numpy as np
import pytest
from numba import njit

from skmi._kernels import floatkeys as fk


@njit
def _keys(values):
    out = np.empty(values.shape[0], np.int32)
    for j in range(values.shape[0]):
        out[j] = fk.sweep_key(values[j])
    return out


@njit
def _values(keys):
    out = np.empty(keys.shape[0])
    for j in range(keys.shape[0]):
        out[j] = fk.key_value(keys[j])
    return out


@njit
def _max_keys(a, b):
    out = np.empty_like(a)
    for j in range(a.shape[0]):
        out[j] = fk.sweep_max(a[j], b[j])
    return out


@njit
def _below(keys, t, like):
    out = np.empty(keys.shape[0], np.bool_)
    limit = fk.threshold_key(t, like)
    for j in range(keys.shape[0]):
        out[j] = keys[j] < limit
    return out


def _distances():
    """Non-negative float32 values over the whole range: zeros, subnormals, normals,
    the largest finite value and +inf."""
    rng = np.random.default_rng(0)
    tiny = np.finfo(np.float32).tiny
    values = np.r_[
        0.0, -0.0, 1e-45, tiny / 3, tiny, 1.0, np.nextafter(np.float32(1), np.float32(2)),
        np.finfo(np.float32).max, np.inf,
        np.abs(rng.standard_normal(200)) * 10.0 ** rng.integers(-40, 38, 200),
    ]
    return np.abs(values).astype(np.float32)


def test_keys_match_the_reference_and_round_trip():
    values = _distances()
    keys = _keys(values)
    np.testing.assert_array_equal(keys, fk.float32_keys(values))
    np.testing.assert_array_equal(_values(keys), values.astype(np.float64))


def test_keys_order_as_the_values_do():
    values = _distances()
    keys = _keys(values)
    a, b = np.meshgrid(np.arange(values.size), np.arange(values.size))
    np.testing.assert_array_equal(keys[a] < keys[b], values[a] < values[b])
    np.testing.assert_array_equal(keys[a] == keys[b], values[a] == values[b])
    rng = np.random.default_rng(1)
    other = rng.permutation(values)
    np.testing.assert_array_equal(_max_keys(keys, _keys(other)), _keys(np.fmax(values, other)))
    assert np.all(keys < fk.KEY_MAX)


@pytest.mark.parametrize("t", [-1.0, -0.0, 0.0, 1e-44, 0.5, 1.0, 3e38, np.inf])
def test_threshold_keys_compare_as_float32(t):
    values = _distances()
    keys = _keys(values)
    got = _below(keys, t, np.zeros((1, 1), np.float32))
    np.testing.assert_array_equal(got, values < np.float32(t))
    # a float64 sweep compares the values themselves
    as64 = values.astype(np.float64)
    np.testing.assert_array_equal(_below(as64, t, np.zeros((1, 1))), as64 < t)
