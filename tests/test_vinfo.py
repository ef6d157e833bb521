"""VInformation: predictive V-information with scikit-learn predictors.

Tolerances. Out of fold, ``mi_`` is a mean over samples of a pointwise quantity, the
log-loss of the X-independent predictor minus that of the fitted one; when the family
contains the truth that quantity tends to the pointwise mutual information
``i(x, y) = log p(y | x) - log p(y)`` (or its Gaussian-family analogue), so the leading
sampling sd of ``mi_`` is ``sd(i) / sqrt(n)``, computed below from the true ``i`` on
each sample. The remaining bias is O(p / n) (held-out log-loss exceeds the population
loss by about ``p / (2 n_train)`` nats for ``p`` fitted parameters), far below 4 sd at
these ``n``.
"""

import pickle

import numpy as np
import pytest
from joblib import parallel_config
from scipy import integrate, optimize
from scipy.special import log_expit
from scipy.stats import norm
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

import skmi
from skmi import KSG
from skmi.metrics import to_bits
from skmi.vinfo import VInformation

LOG2 = np.log(2.0)


def _sd(pointwise):
    return float(np.std(pointwise) / np.sqrt(len(pointwise)))


# --------------------------------------------------------------------------- common checks


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(
    [VInformation(random_state=0), VInformation(task="regression", cv=3, random_state=0)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- independence


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_independent_is_near_zero(task):
    rng = np.random.default_rng(0)
    n, d = 1000, 5
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 2, n) if task == "classification" else rng.standard_normal(n)
    est = VInformation(random_state=0).fit(X, y)
    assert est.task_ == task
    # Held-out log-loss of a fit with d useless parameters exceeds the X-independent
    # fit's by about d / (2 n_train): E[mi_] ~ -d / (2 n_train) = -0.0031 (logistic;
    # RidgeCV shrinks, so between that and 0). The sd, measured once over 60 seeds at
    # these n and d: 0.0026 (classification), 0.0011 (regression); 4 sd around the
    # expected value. An in-sample (not out-of-fold) estimate would have the opposite
    # sign; see test_out_of_fold_is_negative_when_overfitting.
    bias = -d / (2 * 0.8 * n)
    sd = 0.0026 if task == "classification" else 0.0011
    lo = bias - 4 * sd
    hi = (bias if task == "classification" else 0.0) + 4 * sd
    assert lo < est.mi_ < hi
    assert np.isclose(est.mi_, est.marginal_entropy_ - est.conditional_entropy_)
    assert np.isclose(est.mi_, np.mean(est.fold_mi_))  # equal folds: plain mean


def test_out_of_fold_is_negative_when_overfitting():
    # 60 useless features, 200 samples, weak regularisation: the held-out excess loss
    # is about p / (2 n_train) = 60 / 320 = 0.19 nats (less after the penalty), far
    # beyond any noise; an in-sample estimate would be as far above 0.
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 60))
    y = rng.integers(0, 2, 200)
    predictor = LogisticRegression(C=100.0, max_iter=2000)
    assert VInformation(predictor, random_state=0).fit(X, y).mi_ < -0.05


# --------------------------------------------------------------------------- closed forms


def _two_gaussians_mi(mu):
    """I(X; Y) for Y ~ Bernoulli(1/2), X | Y ~ N(+-mu, 1), by quadrature.

    The posterior is p(y = 1 | x) = sigmoid(2 mu x), so i(x, y) = log 2 + log
    sigmoid(+-2 mu x)."""

    def integrand(x, s):
        return norm.pdf(x, s * mu) * (LOG2 + log_expit(s * 2 * mu * x))

    return 0.5 * sum(integrate.quad(integrand, -np.inf, np.inf, args=(s,))[0]
                     for s in (1, -1))


def _two_gaussians(rng, n, mu):
    y = rng.integers(0, 2, n)
    s = 2 * y - 1
    x = s * mu + rng.standard_normal(n)
    return x.reshape(-1, 1), y, LOG2 + log_expit(s * 2 * mu * x)


def test_classification_closed_form():
    """Logistic regression contains the true posterior: I_V -> I(X; Y)."""
    mu = 1.0
    truth = _two_gaussians_mi(mu)
    assert truth == pytest.approx(0.3368, abs=1e-4)
    rng = np.random.default_rng(2)
    x, y, i = _two_gaussians(rng, 4000, mu)
    est = VInformation(random_state=0).fit(x, y)
    tol = 4 * _sd(i)  # sd 0.0089
    assert abs(est.mi_ - truth) < tol
    # balanced classes: -log p(y) = log 2 exactly for the true marginal; the fitted
    # frequencies move the held-out loss by O(1/n) (products of two O(1/sqrt(n))
    # deviations from 1/2): 0.005 is 20 / n
    assert est.marginal_entropy_ == pytest.approx(LOG2, abs=0.005)
    np.testing.assert_array_equal(est.classes_, [0, 1])
    # score: held-out estimate on a fresh sample with the refitted predictor
    x2, y2, i2 = _two_gaussians(rng, 4000, mu)
    assert abs(est.score(x2, y2) - truth) < 4 * _sd(i2)
    # the functional API with an instance, and bits
    mi = skmi.mutual_info(x, y, estimator=VInformation(random_state=0), unit="bits")
    assert mi == pytest.approx(to_bits(est.mi_)) == pytest.approx(est.mi_ / LOG2)


def _linear_gaussian(rng, n, a, s):
    x = rng.standard_normal(n)
    eps = rng.standard_normal(n)
    y = a * x + s * eps
    # pointwise MI: log N(y; a x, s^2) - log N(y; 0, a^2 + s^2)
    i = 0.5 * np.log(1 + a**2 / s**2) - eps**2 / 2 + y**2 / (2 * (a**2 + s**2))
    return x.reshape(-1, 1), y, i


def test_regression_closed_form():
    """Linear-Gaussian data: the family contains the truth, I_V -> 1/2 log(1 + a^2/s^2)."""
    a, s = 1.0, 1.0
    truth = 0.5 * np.log(1 + a**2 / s**2)
    rng = np.random.default_rng(3)
    x, y, i = _linear_gaussian(rng, 4000, a, s)
    est = VInformation(random_state=0).fit(x, y)
    assert est.task_ == "regression"
    tol = 4 * _sd(i)  # sd(i) = rho = a / sqrt(a^2 + s^2): 0.011 at n = 4000
    assert abs(est.mi_ - truth) < tol
    assert est.residual_var_ == pytest.approx([s**2], rel=4 * np.sqrt(2 / 4000))
    x2, y2, i2 = _linear_gaussian(rng, 4000, a, s)
    assert abs(est.score(x2, y2) - truth) < 4 * _sd(i2)


def test_regression_multi_output_adds_columns():
    rng = np.random.default_rng(4)
    x1, y1, i1 = _linear_gaussian(rng, 2000, 1.0, 1.0)
    x2, y2, i2 = _linear_gaussian(rng, 2000, 0.5, 1.0)
    X, Y = np.hstack([x1, x2]), np.c_[y1, y2]
    truth = 0.5 * np.log(2.0) + 0.5 * np.log(1.25)
    est = VInformation(LinearRegression(), random_state=0).fit(X, Y)
    assert abs(est.mi_ - truth) < 4 * _sd(i1 + i2)
    assert est.target_mean_.shape == est.residual_var_.shape == (2,)
    with pytest.raises(ValueError, match="columns"):
        est.score(X, y1)


def test_regression_multi_output_counts_dependence_between_outputs():
    # y1 = x + e1, y2 = x + e2 (s = 1): I(x; y) = 1/2 log(1 + 2/s^2) = 0.549 nats, while
    # independent Gaussians per column would add 2 x 1/2 log(1 + 1/s^2) = 0.693.
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(6)
    n = 4000
    x = rng.standard_normal((n, 1))
    Y = x + rng.standard_normal((n, 2))
    pointwise = (multivariate_normal(np.zeros(2), np.eye(2)).logpdf(Y - x)
                 - multivariate_normal(np.zeros(2), [[2, 1], [1, 2]]).logpdf(Y))
    est = VInformation(LinearRegression(), random_state=0).fit(x, Y)
    assert abs(est.mi_ - 0.5 * np.log(3.0)) < 4 * _sd(pointwise)
    assert est.residual_cov_.shape == est.target_cov_.shape == (2, 2)
    assert est.target_cov_[0, 1] == pytest.approx(1.0, abs=0.1)


# --------------------------------------------------------------------------- the family


def test_weak_family_misses_information_richer_family_finds_it():
    """y = x^2 + noise: nothing linear in x, plenty of Shannon information."""
    rng = np.random.default_rng(5)
    n, sigma = 2000, 0.1
    x = rng.standard_normal((n, 1))
    eps = rng.standard_normal(n)
    y = x[:, 0] ** 2 + sigma * eps
    # Shannon: I = h(y) - h(sigma eps); h(y) by quadrature on a grid: 1.994 nats
    # (p(y) = E_x N(y; x^2, sigma^2) by the trapezoid rule, which is spectrally accurate
    # for these smooth, fast-decaying integrands: x-step 0.004 against the kernel's
    # width sigma / 2|x| >= 0.008 for |x| <= 6, y-step sigma / 5; P(x^2 > 30) = 4e-8;
    # a grid twice as fine changes h(y) by 2e-10)
    xs = np.linspace(-6, 6, 3001)
    ys = np.linspace(-0.6, 30, 1531)
    wx = np.exp(-0.5 * xs**2) / (2 * np.pi * sigma)
    py = np.concatenate([
        np.trapezoid(wx * np.exp(-0.5 * ((yc[:, None] - xs**2) / sigma) ** 2), xs, axis=1)
        for yc in np.array_split(ys, 8)
    ])
    h_y = -np.trapezoid(py * np.log(np.maximum(py, 1e-300)), ys)
    shannon = h_y - (np.log(sigma) + 0.5 * np.log(2 * np.pi * np.e))
    assert shannon == pytest.approx(1.994, abs=0.01)
    assert KSG(random_state=0).fit(x, y).mi_ > 1.5  # a consistent estimator sees it

    # linear family: cov(x, x^2) = 0, the best linear predictor is the constant, so the
    # population I_V is 0; same tolerance as the independence test (d = 1 < 5)
    linear = VInformation(random_state=0).fit(x, y).mi_
    assert abs(linear) < 4 * 0.0011 + 1 / (2 * 1600)

    # richer families: k-NN regression recovers most of it ...
    knn = VInformation(KNeighborsRegressor(n_neighbors=20), random_state=0).fit(x, y).mi_
    assert knn > 1.0
    # ... and a quadratic family contains the truth: the population I_V is then
    # 1/2 log(var(y) / sigma^2) = 1/2 log(201) = 2.652, MORE than the Shannon 1.994,
    # because the Gaussian X-independent member overstates h(y) (y is not Gaussian):
    # V-information is no lower bound on I(X; Y) for regression.
    poly = make_pipeline(PolynomialFeatures(2), LinearRegression())
    quad = VInformation(poly, random_state=0).fit(x, y).mi_
    var_y = 2.0 + sigma**2
    i = 0.5 * np.log(var_y / sigma**2) + (y - 1.0) ** 2 / (2 * var_y) - eps**2 / 2
    assert abs(quad - 0.5 * np.log(201)) < 4 * _sd(i)  # sd 0.044
    assert quad > shannon + 4 * _sd(i)

    # no data-processing inequality: processing x into x^2 creates usable information
    processed = VInformation(random_state=0).fit(x**2, y).mi_
    assert abs(processed - 0.5 * np.log(201)) < 4 * _sd(i)


def test_not_invariant_under_invertible_maps():
    """Shannon MI is invariant under a bijection of x; V-information is not, except
    under the maps its family absorbs (affine maps, for a linear family)."""
    rng = np.random.default_rng(6)
    x, y, i = _linear_gaussian(rng, 2000, 1.0, 1.0)
    plain = VInformation(random_state=0).fit(x, y).mi_
    assert abs(plain - 0.5 * np.log(2)) < 4 * _sd(i)
    affine = VInformation(random_state=0).fit(3 * x - 2, y).mi_
    assert affine == pytest.approx(plain, abs=1e-9)
    # best linear predictor of y = x + eps from u = exp(x): explained variance
    # cov(u, y)^2 / var(u) = e / ((e - 1) e) = 1 / (e - 1), so the population value is
    # 1/2 log(2 / (2 - 1 / (e - 1))) = 0.172. Pointwise quantity with those parameters:
    u = np.exp(x[:, 0])
    slope = np.exp(0.5) / ((np.e - 1) * np.e)
    res_var = 2 - 1 / (np.e - 1)
    resid = y - slope * (u - np.exp(0.5))
    i_exp = 0.5 * np.log(2 / res_var) + y**2 / 4 - resid**2 / (2 * res_var)
    truth_exp = 0.5 * np.log(2 / res_var)
    mapped = VInformation(random_state=0).fit(u.reshape(-1, 1), y).mi_
    # sd 0.015; measured over 40 seeds: mean 0.169, sd 0.021 (leverage of the heavy
    # tail of exp(x) adds to the pointwise sd), so 4 x the measured sd
    assert abs(mapped - truth_exp) < 4 * max(_sd(i_exp), 0.021)
    assert plain - mapped > 0.1  # 0.347 vs 0.172; sd of the gap 0.023 over seeds


def _logistic_population_vinfo(g):
    """Population I_V of the logistic family on g(u) for the noisy step of
    test_deterministic_layer: u ~ N(0, 1), p(y = 1 | u) = 0.9 if u > 0 else 0.1."""
    u = np.linspace(-9, 9, 20001)
    w = norm.pdf(u) * (u[1] - u[0])
    p1 = np.where(u > 0, 0.9, 0.1)

    def loss(ab):
        z = ab[0] * g(u) + ab[1]
        return -np.sum(w * (p1 * log_expit(z) + (1 - p1) * log_expit(-z)))

    return LOG2 - optimize.minimize(loss, [1.0, 0.0]).fun


def test_deterministic_layer():
    """A deterministic layer T = tanh(X W): I(X; T) is infinite whatever W, but the
    label information a logistic read-out can use is finite and depends on W."""
    rng = np.random.default_rng(7)
    n = 2000
    X = rng.standard_normal((n, 2))
    flip = rng.uniform(size=n) < 0.1
    y = ((X[:, 0] + X[:, 1] > 0) ^ flip).astype(int)
    # p(y | x) takes the values 0.1 and 0.9: I(X; y) = log 2 - h_b(0.1) = 0.368
    shannon = LOG2 + 0.1 * np.log(0.1) + 0.9 * np.log(0.9)
    # pointwise MI, for the sd (bounded: log 1.8 or log 0.2)
    i = np.where(flip, np.log(0.2), np.log(1.8))
    tol = 4 * _sd(i)  # 0.061

    def vinfo(T):
        return VInformation(random_state=0).fit(T, y).mi_

    u = (X[:, 0] + X[:, 1]) / np.sqrt(2)  # the label direction, N(0, 1)
    aligned = np.tanh(3 * u).reshape(-1, 1)
    orthogonal = np.tanh(3 * (X[:, 0] - X[:, 1]) / np.sqrt(2)).reshape(-1, 1)
    random8 = np.tanh(X @ rng.standard_normal((2, 8)))
    v_aligned, v_orth, v_rand, v_x = (vinfo(T) for T in (aligned, orthogonal, random8, X))
    for v in (v_aligned, v_orth, v_rand, v_x):
        assert np.isfinite(v)
        # classification with an intercept: the population I_V is at most I(X; y)
        assert v < shannon + tol
    # x1 - x2 is independent of x1 + x2, hence of y: the independence tolerance
    assert abs(v_orth) < 4 * 0.0026 + 1 / (2 * 1600)
    assert v_rand > 0.1  # a random layer keeps some of the label direction
    # the logistic family's population values: 0.266 on X (the best direction is u),
    # 0.338 on tanh(3 u), which is closer to the step p(y | u)
    pop_x = _logistic_population_vinfo(lambda t: t)
    pop_aligned = _logistic_population_vinfo(lambda t: np.tanh(3 * t))
    assert pop_x == pytest.approx(0.2661, abs=1e-3)
    assert pop_aligned == pytest.approx(0.3384, abs=1e-3)
    assert abs(v_x - pop_x) < tol and abs(v_aligned - pop_aligned) < tol
    # no data-processing inequality: I_V(T -> y) > I_V(X -> y) although I(T; y) <=
    # I(X; y). The two estimates share the data, so their gap is much less noisy than
    # either: measured once over 30 seeds, gap 0.0724 +- 0.0061 (sd); 4 sd.
    gap = v_aligned - v_x
    assert abs(gap - (pop_aligned - pop_x)) < 4 * 0.0061


# --------------------------------------------------------------------------- classes


def test_missing_class_in_training_fold_is_smoothed():
    rng = np.random.default_rng(8)
    n = 60
    X = rng.standard_normal((n, 2))
    y = np.r_[np.zeros(30, int), np.ones(29, int), 2]  # class 2 has one member
    test = np.arange(n - 12, n)  # holds the only class-2 sample
    train = np.arange(n - 12)
    est = VInformation(cv=[(train, test)], smoothing=0.5).fit(X, y)
    # the marginal of the training part: (counts + 1/2) / (48 + 3/2); the class-2
    # sample gets 0.5 / 49.5 under both models, so it adds nothing to the fold's MI
    counts = np.bincount(y[train], minlength=3)
    prior = (counts + 0.5) / (len(train) + 1.5)
    expected_marginal = -np.mean(np.log(prior[y[test]]))
    assert est.marginal_entropy_ == pytest.approx(expected_marginal)
    clf = clone(est.predictor_).fit(X[train], y[train])
    p = clf.predict_proba(X[test]) * (1 - prior[2])
    losses = -np.log(np.r_[p[np.arange(11), y[test][:11]], prior[2]])
    assert est.conditional_entropy_ == pytest.approx(np.mean(losses))
    assert np.isfinite(est.mi_)
    # refitted on all data, the model knows the three classes
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.class_prior_ == pytest.approx((np.bincount(y) + 0.5) / (n + 1.5))


def test_single_class_training_fold_contributes_zero():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((40, 2))
    y = np.r_[np.zeros(20, int), np.ones(20, int)]
    folds = [(np.arange(20), np.arange(20, 40)), (np.arange(40), np.arange(40))]
    est = VInformation(cv=folds).fit(X, y)
    assert est.fold_mi_[0] == 0.0
    assert np.all(np.isfinite(est.fold_mi_))


def test_labels_strings_and_rows():
    rng = np.random.default_rng(10)
    n = 600
    X = rng.standard_normal((n, 2))
    codes = (X[:, 0] > 0).astype(int) + 2 * (X[:, 1] > 0)
    names = np.array(["a", "b", "c", "d"])[codes]
    by_codes = VInformation(random_state=0).fit(X, codes)
    by_names = VInformation(random_state=0).fit(X, names)
    assert by_names.mi_ == pytest.approx(by_codes.mi_)
    np.testing.assert_array_equal(by_names.classes_, ["a", "b", "c", "d"])
    assert by_names.predictor_.predict(X[:3]).dtype.kind == "U"  # predicts labels
    # a 2-D y: each distinct row is one class
    rows = np.c_[X[:, 1] > 0, X[:, 0] > 0].astype(int)  # sorted rows: same codes
    by_rows = VInformation(random_state=0).fit(X, rows)
    assert by_rows.task_ == "classification" and by_rows.classes_.shape == (4, 2)
    assert by_rows.mi_ == pytest.approx(by_codes.mi_, abs=1e-9)
    assert by_rows.score(X, rows) == pytest.approx(by_codes.score(X, codes), abs=1e-9)
    with pytest.raises(ValueError, match="not seen in fit"):
        by_names.score(X[:2], ["a", "z"])
    with pytest.raises(ValueError, match="several columns"):
        by_codes.score(X, rows)
    # refitted on a regression task, the classification attributes go
    by_codes.set_params(task="regression").fit(X, X[:, 0] + X[:, 1])
    assert not hasattr(by_codes, "classes_") and hasattr(by_codes, "residual_var_")


def test_task_resolution():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((100, 2))
    y = (X[:, 0] > 0).astype(float)
    assert VInformation(cv=3).fit(X, y).task_ == "regression"  # float y
    assert VInformation(LogisticRegression(), cv=3).fit(X, y).task_ == "classification"
    assert VInformation(cv=3, task="classification").fit(X, y).task_ == "classification"
    assert VInformation(Ridge(), cv=3).fit(X, y.astype(int)).task_ == "regression"


# --------------------------------------------------------------------------- API


def test_cv_options_and_parallel_folds():
    rng = np.random.default_rng(12)
    x, y, _ = _linear_gaussian(rng, 300, 1.0, 1.0)
    a = VInformation(random_state=0).fit(x, y)
    with parallel_config(backend="threading"):  # joblib's route, without process start-up
        b = VInformation(random_state=0, n_jobs=2).fit(x, y)
    np.testing.assert_allclose(a.fold_mi_, b.fold_mi_)
    c = VInformation(random_state=1).fit(x, y)
    assert c.mi_ != a.mi_  # the seed shuffles the folds
    d = VInformation(cv=KFold(3)).fit(x, y)
    e = VInformation(cv=list(KFold(3).split(x))).fit(x, y)
    assert d.fold_mi_.shape == (3,)
    np.testing.assert_allclose(d.fold_mi_, e.fold_mi_)
    loaded = pickle.loads(pickle.dumps(a))
    assert loaded.score(x, y) == a.score(x, y)


def test_inputs_not_modified():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((100, 2))
    y = rng.integers(0, 3, 100)
    X0, y0 = X.copy(), y.copy()
    X.setflags(write=False)
    predictor = LogisticRegression()
    VInformation(predictor, cv=3).fit(X, y)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
    assert not hasattr(predictor, "coef_")  # cloned, never fitted in place


@pytest.mark.parametrize("make, error, match", [
    (lambda X, y: (X, y, dict(predictor=SVC())), TypeError, "predict_proba"),
    (lambda X, y: (X, y, dict(predictor=Ridge(), task="classification")), TypeError,
     "predict_proba"),
    (lambda X, y: (np.where(X > 1.5, np.nan, X), y, {}), ValueError, "NaN"),
    (lambda X, y: (X, y[:-1], {}), ValueError, "inconsistent"),
    (lambda X, y: (X[:4], y[:4], {}), ValueError, "n_samples=4"),
    (lambda X, y: (X, y, dict(cv=1)), ValueError, "cv"),
    (lambda X, y: (X, y, dict(task="density")), ValueError, "task"),
    (lambda X, y: (X, y, dict(smoothing=0.0)), ValueError, "smoothing"),
    (lambda X, y: (X, np.ones(50), dict(task="regression")), ValueError, "constant"),
])
def test_bad_input(make, error, match):
    rng = np.random.default_rng(14)
    X, y, params = make(rng.standard_normal((50, 2)), rng.integers(0, 2, 50))
    with pytest.raises(error, match=match):
        VInformation(**params).fit(X, y)
