"""The functional API runs the same code as the classes."""

import numpy as np
import pytest
from sklearn.feature_selection import SelectKBest

import skmi
from skmi import KSG, KLEntropy


def _data(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    return x, x[:, 0] + 0.5 * rng.standard_normal(n)


def test_mutual_info_equals_estimator():
    x, y = _data()
    assert skmi.mutual_info(x, y, k=4, random_state=0) == KSG(k=4, random_state=0).fit(x, y).mi_
    est = KSG(k=5, random_state=1)
    assert skmi.mutual_info(x, y, estimator=est) == KSG(k=5, random_state=1).fit(x, y).mi_
    assert not hasattr(est, "mi_")  # the instance is cloned, never fitted in place


def test_units():
    x, y = _data()
    nats = skmi.mutual_info(x, y, random_state=0)
    assert skmi.mutual_info(x, y, random_state=0, unit="bits") == pytest.approx(nats / np.log(2))
    assert skmi.to_bits(np.log(2)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unit"):
        skmi.mutual_info(x, y, unit="dits")


def test_unknown_estimator():
    x, y = _data()
    with pytest.raises(ValueError, match="Unknown estimator 'knn'"):
        skmi.mutual_info(x, y, estimator="knn")
    with pytest.raises(TypeError, match="estimator must be"):
        skmi.mutual_info(x, y, estimator=KLEntropy())


def test_entropy_and_conditional():
    x, y = _data()
    assert skmi.entropy(x, k=5) == KLEntropy(k=5).fit(x).entropy_
    z = np.random.default_rng(3).standard_normal(1000)
    assert skmi.conditional_mutual_info(x, y, z, random_state=0) == (
        KSG(random_state=0).fit(x, y, z=z).mi_
    )


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_mutual_info_columns(n_jobs):
    x, y = _data()
    scores = skmi.mutual_info_columns(x, y, random_state=0, n_jobs=n_jobs)
    expected = [KSG(random_state=0).fit(x[:, [j]], y).mi_ for j in range(3)]
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
    assert np.argmax(scores) == 0
    selector = SelectKBest(skmi.mutual_info_columns, k=1).fit(x, y)
    assert selector.get_support().tolist() == [True, False, False]
