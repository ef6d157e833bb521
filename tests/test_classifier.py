"""ClassifierMI: the held-out classifier (Barber-Agakov) lower bound for class labels."""

import warnings

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.utils.estimator_checks import parametrize_with_checks

import skmi
from skmi import ClassifierMI, VInformation
from skmi.benchmark import get_task


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks([ClassifierMI(random_state=0), ClassifierMI(GaussianNB(), cv=3)],
                         expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        # the checks fit on 10-30 rows: folds with few rows of a class are expected
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def _two_gaussians(n, seed, shift=1.0, extra=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, 1 + extra))
    X[:, 0] += shift * (2 * y - 1)
    return X, y


def _two_gaussians_mi(shift=1.0):
    """I(X; Y) for Y a fair coin and X | Y ~ N(+-shift, 1), by quadrature (nats)."""
    def p(x):
        return 0.5 * (norm.pdf(x, shift, 1) + norm.pdf(x, -shift, 1))

    h = integrate.quad(lambda x: -p(x) * np.log(p(x)), -12, 12)[0]
    return h - 0.5 * np.log(2 * np.pi * np.e)


def test_tight_when_the_family_holds_the_posterior():
    # logistic regression holds the posterior sigmoid(2 x): the bound is the MI
    truth = _two_gaussians_mi()          # 0.3434 nats
    X, y = _two_gaussians(4000, 0)
    est = ClassifierMI(random_state=0).fit(X, y)
    # held-out log-loss over 4000 rows: sd ~ 0.01; 4 nuisance columns cost ~ 5/(2 n)
    assert abs(est.mi_ - truth) < 0.04
    assert est.mi_ == pytest.approx(est.label_entropy_ - est.conditional_entropy_)
    assert est.estimate_kind == "lower"
    assert est.fold_mi_.shape == (5,)


def test_a_lower_bound_when_the_family_is_wrong():
    # a linear family cannot see y = [|x| > 1]: the bound falls to about 0, the MI is
    # H(y) = 0.63 nats (y is a function of x)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3000, 1))
    y = (np.abs(x[:, 0]) > 1).astype(int)
    linear = ClassifierMI(random_state=0).fit(x, y).mi_
    h = ClassifierMI(random_state=0).fit(x, y).label_entropy_
    assert linear < 0.1 < h
    # a family that holds the posterior (a two-feature readout) reaches the truth
    rich = ClassifierMI(random_state=0).fit(np.hstack([x, x**2]), y).mi_
    assert rich > h - 0.1 and rich <= h


def test_independent_labels_give_about_zero_and_never_above_h():
    X, _ = _two_gaussians(2000, 2)
    y = np.random.default_rng(3).integers(0, 3, 2000)
    est = ClassifierMI(random_state=0).fit(X, y)
    # regularised readout on 5 useless columns: a small negative or ~0 value
    assert -0.02 < est.mi_ < 0.01
    assert est.mi_ <= est.label_entropy_


def test_differs_from_vinformation_by_the_prior_log_loss():
    X, y = _two_gaussians(3000, 4)
    clf = LogisticRegression()
    ours = ClassifierMI(clf, random_state=0).fit(X, y)
    vinfo = VInformation(clf, random_state=0).fit(X, y)
    assert ours.conditional_entropy_ == pytest.approx(vinfo.conditional_entropy_)
    # H(y) vs the held-out (smoothed) prior's log-loss: (K - 1) / (2 n) apart
    assert 0 <= vinfo.mi_ - ours.mi_ < 2 / 3000


def test_the_default_readout_chooses_its_regularisation():
    # 1024 wide layer, 0.71 nats about 10 classes: C = 1 is overconfident held out
    t = get_task("layer-relu-1024-sep0.5")
    T, Y = t.sample(1500, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = ClassifierMI(LogisticRegression(C=1.0, max_iter=500), cv=3,
                             random_state=0).fit(T, Y[:, 0]).mi_
        tuned = ClassifierMI(cv=3, random_state=0).fit(T, Y[:, 0])
    assert fixed < -1.0                       # far below zero: worse than the prior
    assert 0 < tuned.mi_ < t.mutual_information
    assert np.ravel(tuned.predictor_[-1].C_)[0] < 0.1


def test_score_is_a_held_out_bound():
    X, y = _two_gaussians(4000, 5)
    est = ClassifierMI(random_state=0).fit(X[:3000], y[:3000])
    held_out = est.score(X[3000:], y[3000:])
    assert abs(held_out - _two_gaussians_mi()) < 0.06    # 1000 rows: sd ~ 0.02
    with pytest.raises(ValueError, match="not seen in fit"):
        est.score(X[:10], np.full(10, 7))


def test_refuses_a_continuous_y_and_takes_row_labels():
    X, y = _two_gaussians(300, 6)
    with pytest.raises(ValueError, match="class labels"):
        ClassifierMI().fit(X, X[:, 0])
    rows = np.column_stack([y, y])               # rows of a 2-D y are one class each
    assert ClassifierMI(random_state=0).fit(X, rows).classes_.shape == (2, 2)
    assert skmi.mutual_info(X, y, estimator="classifier", random_state=0) == \
        ClassifierMI(random_state=0).fit(X, y).mi_
