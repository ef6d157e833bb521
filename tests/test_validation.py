"""Bad input gives clear errors; inputs are never modified."""

import numpy as np
import pytest

import skmi
from skmi import KSG, KLEntropy, MixedKSG


def _with_object(x):
    x = x.astype(object)
    x[0, 0] = {"not": "a number"}
    return x


MI_ESTIMATORS = [KSG(random_state=0), KSG(variant=2, random_state=0), MixedKSG()]


def _xy(n=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    return x, x[:, :1] + rng.standard_normal((n, 1))


@pytest.mark.parametrize("est", MI_ESTIMATORS, ids=lambda e: repr(e))
@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda x, y: (np.where(np.eye(50, 2) > 0, np.nan, x), y), "NaN"),
        (lambda x, y: (np.where(np.eye(50, 2) > 0, np.inf, x), y), "infinity"),
        (lambda x, y: (x, np.where(np.eye(50, 1) > 0, np.nan, y)), "NaN"),
        (lambda x, y: (x[:40], y), "inconsistent numbers of samples"),
        (lambda x, y: (x.reshape(50, 2, 1), y), "dim 3"),
        (lambda x, y: (x[:, 0], y), "Expected 2D array"),
        (lambda x, y: (x[:0], y[:0]), "0 sample"),
        (lambda x, y: (x[:3], y[:3]), "n_samples=3"),
        (lambda x, y: (_with_object(x), y), "argument must be"),
    ],
    ids=["nan-x", "inf-x", "nan-y", "mismatched-n", "3d", "1d-x", "empty", "n<=k", "object"],
)
def test_bad_input_raises_clear_error(est, mutate, message):
    x, y = mutate(*_xy())
    with pytest.raises((ValueError, TypeError), match=message):
        est.fit(x, y)


def test_too_few_samples_names_k():
    x, y = _xy(5)
    with pytest.raises(ValueError, match=r"more than k=5.*n_samples=5"):
        KSG(k=5).fit(x, y)
    with pytest.raises(ValueError, match="n_samples=3"):
        KLEntropy(k=3).fit(x[:3])


def test_invalid_parameters():
    x, y = _xy()
    with pytest.raises(ValueError, match="variant"):
        KSG(variant=3).fit(x, y)
    with pytest.raises(ValueError, match="k"):
        KSG(k=0).fit(x, y)
    with pytest.raises(ValueError, match="algorithm"):
        KSG(algorithm="ball_tree").fit(x, y)
    with pytest.raises(ValueError, match="discrete_y"):
        KSG(discrete_y="yes").fit(x, y)
    with pytest.raises(ValueError, match="z has 10 samples"):
        KSG().fit(x, y, z=np.zeros(10))
    with pytest.raises(ValueError, match="variant=1"):
        KSG(variant=2).fit(x, y, z=np.zeros(50))


def test_all_singleton_labels_is_an_error():
    x, _ = _xy()
    with pytest.raises(ValueError, match="only once"):
        KSG().fit(x, np.arange(50))


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
def test_inputs_are_not_modified(algorithm):
    x, y = _xy(600)
    labels = np.arange(600) % 3
    z = np.random.default_rng(1).standard_normal((600, 1))
    copies = [a.copy() for a in (x, y, labels, z)]
    KSG(algorithm=algorithm, random_state=0).fit(x, y)
    KSG(variant=2, algorithm=algorithm, random_state=0).fit(x, y)
    KSG(algorithm=algorithm, random_state=0).fit(x, labels)
    KSG(algorithm=algorithm, random_state=0).fit(x, y, z=z)
    MixedKSG(algorithm=algorithm).fit(x, y)
    KLEntropy(algorithm=algorithm).fit(x)
    skmi.mutual_info_columns(x, y[:, 0], random_state=0)
    for a, c in zip((x, y, labels, z), copies):
        np.testing.assert_array_equal(a, c)


def test_readonly_inputs_work():
    x, y = _xy(300)
    x.setflags(write=False)
    y.setflags(write=False)
    assert np.isfinite(KSG(random_state=0).fit(x, y).mi_)
    assert np.isfinite(MixedKSG().fit(x, y).mi_)


def test_discrete_detection():
    x, _ = _xy(200)
    ints = np.arange(200) % 4
    assert KSG(random_state=0).fit(x, ints).method_ == "ross"
    assert KSG(random_state=0).fit(x, ints.astype(bool)).method_ == "ross"
    assert KSG(random_state=0).fit(x, np.array(["a", "b"])[ints % 2]).method_ == "ross"
    assert KSG(random_state=0, discrete_y=False).fit(x, ints).method_ == "ksg1"
    assert KSG(random_state=0, discrete_y=True).fit(x, ints * 1.5).method_ == "ross"
    assert KSG(random_state=0).fit(ints.reshape(-1, 1), ints).method_ == "plugin"


def test_no_overflow_warning_near_the_largest_float():
    # scikit-learn's finiteness check sums the array first (inf near 1.7e308, with a
    # RuntimeWarning) before its exact element-wise check
    import warnings

    from skmi import KSG

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((300, 1)), rng.standard_normal((300, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        big = KSG(random_state=0).fit(x * 1e307, y).mi_
    assert big == KSG(random_state=0).fit(x, y).mi_
