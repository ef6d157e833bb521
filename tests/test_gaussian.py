"""GaussianMI and GaussianCopulaMI."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import skmi
from skmi import GaussianCopulaMI, GaussianMI


def _pairs(rng, n, d, rho):
    x = rng.standard_normal((n, d))
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y


@pytest.mark.parametrize("d, rho", [(1, 0.9), (3, 0.6), (2, 0.75)])
def test_gaussian_mi_within_sampling_error(d, rho):
    n = 4000
    x, y = _pairs(np.random.default_rng(d), n, d, rho)
    truth = -0.5 * d * np.log(1 - rho**2)
    # asymptotic variance of the Gaussian MI estimate: rho^2 / n per pair (delta method
    # on var(r) = (1 - rho^2)^2 / n); 4 sd
    tol = 4 * np.sqrt(d * rho**2 / n)
    assert abs(GaussianMI().fit(x, y).mi_ - truth) < tol
    assert abs(skmi.mutual_info(x, y, estimator="gaussian") - truth) < tol


def test_general_covariance():
    rng = np.random.default_rng(10)
    A = rng.standard_normal((5, 5))
    S = A @ A.T + np.eye(5)
    truth = 0.5 * (np.linalg.slogdet(S[:2, :2])[1] + np.linalg.slogdet(S[2:, 2:])[1]
                   - np.linalg.slogdet(S)[1])
    Z = rng.multivariate_normal(np.zeros(5), S, size=20000)
    est = GaussianMI().fit(Z[:, :2], Z[:, 2:]).mi_
    # sd of the estimate <= sqrt(sum of squared canonical correlations / n); 4 sd
    rho2 = 1 - np.exp(-2 * truth)  # >= every squared canonical correlation
    assert abs(est - truth) < 4 * np.sqrt(2 * rho2 / 20000)


def test_bias_correction_50_by_50():
    """The issue's numbers: 50 x 50 dimensions, 5000 samples."""
    rng = np.random.default_rng(11)
    n, d = 5000, 50
    x, y = rng.standard_normal((n, d)), rng.standard_normal((n, d))  # I = 0
    raw = GaussianMI(bias_correction=False).fit(x, y).mi_
    corrected = GaussianMI().fit(x, y).mi_
    # under independence 2 n I ~ chi2(d * d): mean d^2 / (2n) = 0.25, sd sqrt(2) d / 2n
    sd = np.sqrt(2.0) * d / (2 * n)
    assert abs(raw - d * d / (2 * n)) < 4 * sd + 0.01  # + O(d^3 / n^2) bias terms
    assert abs(corrected) < 4 * sd
    # correlated pairs (rho = 0.6): bias of the mean over repetitions
    errs_raw, errs = [], []
    for _ in range(6):
        x, y = _pairs(rng, n, d, 0.6)
        truth = -0.5 * d * np.log(1 - 0.36)
        errs_raw.append(GaussianMI(bias_correction=False).fit(x, y).mi_ - truth)
        errs.append(GaussianMI().fit(x, y).mi_ - truth)
    sd_mean = np.sqrt(d * 0.36 / n) / np.sqrt(6)
    assert np.mean(errs_raw) > 0.24 - 4 * sd_mean
    assert abs(np.mean(errs)) < 4 * sd_mean


def test_copula_invariant_under_monotone_maps():
    rng = np.random.default_rng(12)
    x, y = _pairs(rng, 3000, 2, 0.6)
    base = GaussianCopulaMI().fit(x, y).mi_
    xm = np.c_[np.exp(x[:, 0]), x[:, 1] ** 3]
    ym = np.c_[np.tanh(y[:, 0]), 5 - 2 * np.arctan(-y[:, 1])]
    assert GaussianCopulaMI().fit(xm, ym).mi_ == pytest.approx(base, abs=1e-12)
    # the copula of a Gaussian is Gaussian: same truth, same sampling error
    truth = -np.log(1 - 0.36)
    assert abs(base - truth) < 4 * np.sqrt(2 * 0.36 / 3000)
    # a plain GaussianMI is not invariant
    assert abs(GaussianMI().fit(xm, ym).mi_ - base) > 0.02


def test_copula_discrete_labels():
    rng = np.random.default_rng(13)
    n = 3000
    labels = rng.integers(0, 3, n)
    x = rng.standard_normal((n, 2))  # independent of the labels
    null = GaussianCopulaMI().fit(x, labels).mi_
    # 2 n I ~ chi2 with (k - 1) d (d + 3) / 2 = 10 dof under independence; the bias
    # correction removes the mean, sd = sqrt(2 * 10) / (2 n)
    assert abs(null) < 4 * np.sqrt(20) / (2 * n) + 1e-3
    # a shift of the class means: monotone maps of x leave the estimate unchanged
    x = x + labels[:, None]
    mi = GaussianCopulaMI().fit(x, labels).mi_
    assert mi > 0.3
    assert GaussianCopulaMI().fit(np.exp(x), labels).mi_ == pytest.approx(mi, abs=1e-12)
    with pytest.raises(ValueError, match="at least"):
        GaussianCopulaMI().fit(x[:50], np.arange(50))


@pytest.mark.parametrize("make", [
    lambda X, y: (np.where(X > 1.5, np.nan, X), y),
    lambda X, y: (np.where(X > 1.5, np.inf, X), y),
    lambda X, y: (X, y[:-1]),
    lambda X, y: (X[:, :, None], y),
    lambda X, y: (X[:0], y[:0]),
    lambda X, y: (np.c_[X, np.ones(len(X))], y),  # singular covariance
])
@pytest.mark.parametrize("est", [GaussianMI(), GaussianCopulaMI()])
def test_bad_input(make, est):
    rng = np.random.default_rng(14)
    X, y = make(rng.standard_normal((50, 2)), rng.standard_normal(50))
    with pytest.raises(ValueError):
        est.fit(X, y)


def test_inputs_not_modified():
    rng = np.random.default_rng(15)
    x, y = _pairs(rng, 200, 2, 0.5)
    x0, y0 = x.copy(), y.copy()
    x.setflags(write=False)
    GaussianMI().fit(x, y)
    GaussianCopulaMI().fit(x, y)
    assert np.array_equal(x, x0) and np.array_equal(y, y0)


def _expected_failed_checks(estimator):
    if isinstance(estimator, GaussianCopulaMI) and estimator.discrete_y == "auto":
        return {
            "check_n_features_in_after_fitting": (
                "15 samples in 3 integer classes of 5 with 4 features: a "
                "class-conditional covariance needs n_features + 2 = 6 per class"
            ),
        }
    return {}


@parametrize_with_checks([GaussianMI(), GaussianCopulaMI(),
                          GaussianCopulaMI(discrete_y=False)],
                         expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_copula_with_concordant_ranks_is_pinned_at_log_n_and_warns():
    # n = 8 rows of a bivariate normal (rho = 0.75) whose ranks happen to agree: the
    # joint correlation of the normal scores is singular and rounding alone gave 18 nats
    from skmi import SaturationWarning

    x = np.array([0.13, 0.64, -0.54, 1.30, -0.70, -0.62, -2.33, -1.25])[:, None]
    y = 2.0 * x + 0.1
    with pytest.warns(SaturationWarning, match="log n"):
        est = GaussianCopulaMI().fit(x, np.exp(y))
    assert est.saturated_ and est.mi_ == pytest.approx(np.log(8))
    with pytest.raises(ValueError, match="singular up to rounding"):
        GaussianMI().fit(x, y)


def test_copula_above_log_n_warns_but_keeps_the_value():
    from skmi import SaturationWarning

    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 1))
    y = x + 1e-2 * rng.standard_normal((30, 1))   # ranks nearly, not fully, concordant
    with pytest.warns(SaturationWarning, match="exceeds log n"):
        est = GaussianCopulaMI().fit(x, y)
    assert est.saturated_ and est.mi_ > np.log(30)
