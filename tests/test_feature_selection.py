"""MISelector: multivariate MI forward selection against univariate ranking."""

from functools import cache, partial

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import clone
from sklearn.feature_selection import SelectKBest, mutual_info_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmi import KSG
from skmi.datasets import make_redundant_copies, make_xor
from skmi.feature_selection import MISelector, discrete_columns

CRITERIA = ["jmi", "mrmr", "cmim", "joint"]
KINDS = ["continuous", "discrete"]


# ------------------------------------------------------------------------------ data
@cache
def redundant_copies(kind: str, seed: int = 0, n: int = 1000):
    """Columns 0-2: noisy copies of x0; 3: an independent, weaker feature; 4-8: noise.

    y depends on x0 and x3, more on x0: univariately the copies (I ~ 0.25-0.33 nats)
    beat x3 (I ~ 0.04-0.11), but a second copy adds almost nothing once one is chosen.
    """
    return make_redundant_copies(n, discrete=kind == "discrete", random_state=seed)


@cache
def xor(kind: str, seed: int = 0, n: int = 600):
    """y = x1 XOR x2 among 8 noise columns (10 columns): no column informs alone."""
    return make_xor(n, discrete=kind == "discrete", random_state=seed)


def _univariate(kind):
    return SelectKBest(
        partial(mutual_info_classif, discrete_features=kind == "discrete", random_state=0),
        k=2,
    )


# -------------------------------------------------------------- redundancy and XOR
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("criterion", CRITERIA)
def test_redundant_copies_one_copy_then_the_independent_feature(kind, criterion):
    X, y = redundant_copies(kind)
    sel = MISelector(2, criterion=criterion, random_state=0).fit(X, y)
    first, second = sel.selected_features_
    assert first in (0, 1, 2)
    assert second == 3
    assert sel.first_step_ == "single"
    assert sel.discrete_features_.all() == (kind == "discrete")


@pytest.mark.parametrize("kind", KINDS)
def test_redundant_copies_univariate_picks_two_copies(kind):
    X, y = redundant_copies(kind)
    picked = set(_univariate(kind).fit(X, y).get_support(indices=True))
    assert picked <= {0, 1, 2} and len(picked) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("criterion", CRITERIA)
def test_xor_pair(kind, criterion):
    X, y = xor(kind)
    sel = MISelector(2, criterion=criterion, random_state=0).fit(X, y)
    assert set(sel.selected_features_) == {1, 2}
    assert sel.first_step_ == "pairs"
    assert sel.relevance_.max() <= sel.noise_threshold_


@pytest.mark.parametrize("kind", KINDS)
def test_xor_univariate_at_chance(kind):
    # SelectKBest ranks 10 null columns: its pair is one of 45 at random, so over 4
    # seeds it hits {1, 2} at least twice with probability ~6 / 45^2 = 0.3%.
    # MISelector must find the pair every time.
    hits_mi, hits_uni = 0, 0
    for seed in range(4):
        X, y = xor(kind, seed)
        hits_mi += set(MISelector(2, random_state=seed).fit(X, y).selected_features_) == {1, 2}
        hits_uni += set(_univariate(kind).fit(X, y).get_support(indices=True)) == {1, 2}
    assert hits_mi == 4
    assert hits_uni <= 1


def test_first_step_options():
    X, y = xor("discrete")
    single = MISelector(2, first_step="single", random_state=0).fit(X, y)
    assert single.first_step_ == "single" and single.noise_threshold_ is None
    assert single.selected_features_[0] == np.argmax(single.relevance_)
    pairs = MISelector(2, first_step="pairs", random_state=0).fit(X, y)
    assert set(pairs.selected_features_) == {1, 2} and pairs.noise_threshold_ is None
    # informative single columns: "auto" stays single; one column to select: single
    Xc, yc = redundant_copies("discrete")
    auto = MISelector(2, random_state=0).fit(Xc, yc)
    assert auto.first_step_ == "single"
    assert 0 < auto.noise_threshold_ < auto.relevance_.max()
    assert MISelector(1, first_step="pairs", random_state=0).fit(X, y).first_step_ == "single"


# ------------------------------------------------------------------- ground truth
@pytest.mark.parametrize("criterion", CRITERIA)
def test_gaussian_scores_match_the_truth(criterion):
    """y = 0.8 x0 + 0.5 x1 + 0.6 e, three noise columns; all scores have closed forms."""
    rng = np.random.default_rng(7)
    n = 2000
    X = rng.standard_normal((n, 5))
    y = 0.8 * X[:, 0] + 0.5 * X[:, 1] + 0.6 * rng.standard_normal(n)
    var = 0.8**2 + 0.5**2 + 0.6**2

    def gauss(r2):
        return -0.5 * np.log(1 - r2)

    i0, i1, i01 = gauss(0.64 / var), gauss(0.25 / var), gauss(0.89 / var)
    second = {"jmi": i01, "joint": i01, "cmim": i01 - i0, "mrmr": i1 - 0.0}[criterion]
    sel = MISelector(2, criterion=criterion, random_state=0).fit(X, y)
    assert sel.selected_features_.tolist() == [0, 1]
    assert not sel.discrete_target_
    # KSG-1 (k=3) at n=2000 on these 1-3 dimensional Gaussian terms: sd ~0.02 nats
    # (Kraskov et al. 2004, Fig. 4; 0.014-0.023 measured over 30 seeds here) and bias
    # below 0.01. Tolerance: 4 sd + 0.01 per term; mRMR's score is a difference of two
    # independent-ish terms, so sqrt(2) * 4 sd + 2 * 0.01.
    tol = 4 * 0.02 + 0.01
    tol2 = np.sqrt(2) * 4 * 0.02 + 0.02 if criterion == "mrmr" else tol
    assert abs(sel.scores_[0] - i0) < tol
    assert abs(sel.scores_[1] - second) < tol2
    np.testing.assert_allclose(sel.relevance_[2:], 0, atol=tol)


def test_discrete_xor_scores_are_exact_plugin_values():
    X, y = xor("discrete")
    p = np.bincount(y) / y.size
    h_y = -np.sum(p * np.log(p))  # I(X1, X2; y) = H(y) exactly in the sample
    for criterion in ("jmi", "joint"):
        sel = MISelector(2, criterion=criterion, random_state=0).fit(X, y)
        assert sel.scores_[1] == pytest.approx(h_y, abs=1e-12)
    sel = MISelector(2, criterion="cmim", random_state=0).fit(X, y)
    first = sel.selected_features_[0]
    # chain rule: I(X_j; y | X_i) = I(X_i, X_j; y) - I(X_i; y)
    assert sel.scores_[1] == pytest.approx(h_y - sel.relevance_[first], abs=1e-12)


def test_ties_go_to_the_more_relevant_column():
    # column 0 constant, columns 1 and 2 both equal to y: once column 1 is in, the joint
    # plug-in estimate is H(y) with either candidate (a tie); the tie goes to column 2,
    # which carries the information, not to the lower index 0
    y = np.random.default_rng(0).integers(0, 2, 300)
    X = np.column_stack([np.zeros(300, dtype=int), y, y])
    sel = MISelector(2, criterion="joint", first_step="single").fit(X, y)
    assert sel.selected_features_.tolist() == [1, 2]
    assert sel.scores_[0] == pytest.approx(sel.scores_[1], abs=1e-12)


def test_string_labels():
    X, y = redundant_copies("discrete")
    labels = np.array(["low", "high"])[y]
    a = MISelector(2, random_state=0).fit(X, y)
    b = MISelector(2, random_state=0).fit(X, labels)
    assert b.discrete_target_ and a.selected_features_.tolist() == b.selected_features_.tolist()
    np.testing.assert_allclose(a.scores_, b.scores_, rtol=1e-12)


# ---------------------------------------------------------------- efficiency, options
def test_terms_are_cached():
    X, y = redundant_copies("discrete")
    d, k = X.shape[1], 4
    for criterion in CRITERIA:
        sel = MISelector(k, criterion=criterion, first_step="single").fit(X, y)
        # d relevances, then d - t new terms at step t (only those with the last pick)
        assert sel.n_estimates_ == d + sum(d - t for t in range(1, k))
    # a pair search leaves every JMI term of the second step in the cache
    sel = MISelector(2, criterion="jmi", first_step="pairs").fit(X, y)
    assert sel.n_estimates_ == d + d * (d - 1) // 2
    sel = MISelector(2, criterion="jmi", n_permutations=5).fit(X, y)
    assert sel.n_estimates_ == d + 5 * d + (d - 1)


def test_parallel_gives_the_same_selection():
    # threads, not processes: the same code path (one task per term, capped estimator
    # threads) without paying for worker start-up in the test suite
    X, y = redundant_copies("continuous")
    serial = MISelector(3, criterion="cmim", random_state=0).fit(X, y)
    with parallel_config(backend="threading"):
        parallel = MISelector(3, criterion="cmim", random_state=0, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(serial.selected_features_, parallel.selected_features_)
    np.testing.assert_allclose(serial.scores_, parallel.scores_, rtol=1e-12)


def test_estimator_choices():
    X, y = redundant_copies("continuous")
    est = KSG(k=5)
    sel = MISelector(2, estimator=est, random_state=0).fit(X, y)
    assert not hasattr(est, "mi_") and est.random_state is None  # cloned, untouched
    assert sel.estimator_.k == 5 and sel.estimator_.random_state is not None
    assert sel.selected_features_[1] == 3
    for name in ("gaussian_copula", "ksg"):
        sel = MISelector(2, estimator=name, criterion="mrmr", random_state=0).fit(X, y)
        assert sel.selected_features_[0] in (0, 1, 2) and sel.selected_features_[1] == 3
    with pytest.raises(ValueError, match="estimator"):
        MISelector(estimator="knn").fit(X, y)


def test_discrete_feature_detection():
    rng = np.random.default_rng(0)
    X = np.column_stack([
        rng.integers(0, 3, 200),  # integer, 3 levels: discrete
        rng.standard_normal(200),  # continuous
        rng.integers(0, 100, 200),  # integer, ~90 levels: treated as continuous
        rng.integers(0, 2, 200).astype(float),  # integral floats, 2 levels: discrete
    ])
    assert discrete_columns(X).tolist() == [True, False, False, True]
    y = X[:, 0].astype(int)
    sel = MISelector(1, random_state=0)
    assert sel.fit(X, y).discrete_features_.tolist() == [True, False, False, True]
    assert sel.set_params(discrete_features=[1]).fit(X, y).discrete_features_.tolist() == [
        False, True, False, False]
    mask = np.array([False, False, True, True])
    assert sel.set_params(discrete_features=mask).fit(X, y).discrete_features_.tolist() == (
        mask.tolist())
    assert not sel.set_params(discrete_features=False).fit(X, y).discrete_features_.any()
    assert sel.set_params(discrete_target=False).fit(X, y).discrete_target_ is False
    with pytest.raises(ValueError, match="shape"):
        sel.set_params(discrete_features=np.array([True, False])).fit(X, y)
    with pytest.raises(ValueError, match="out of range"):
        sel.set_params(discrete_features=[7]).fit(X, y)


def test_bad_input():
    X, y = xor("discrete")
    with pytest.raises(ValueError, match="n_features_to_select=11 must be <= n_features=10"):
        MISelector(11).fit(X, y)
    with pytest.raises(ValueError, match="criterion"):
        MISelector(2, criterion="mifs").fit(X, y)
    with pytest.raises(ValueError, match="first_step"):
        MISelector(2, first_step="triples").fit(X, y)
    Xn = X.astype(float)
    Xn[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MISelector(2).fit(Xn, y)
    yn = np.random.default_rng(0).standard_normal(len(y))
    yn[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MISelector(2).fit(X, yn)


def test_n_features_to_select_forms():
    X, y = redundant_copies("discrete")
    assert MISelector(first_step="single").fit(X, y).n_features_to_select_ == 4  # half
    assert MISelector(0.3, first_step="single").fit(X, y).n_features_to_select_ == 2
    sel = MISelector(9, first_step="single").fit(X, y)
    assert sorted(sel.selected_features_) == list(range(9)) and sel.transform(X).shape == (
        1000, 9)


# ------------------------------------------------------------------- scikit-learn
@parametrize_with_checks(
    [MISelector(n_features_to_select=1, random_state=0),
     MISelector(criterion="cmim", random_state=0)],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_pipeline_grid_search():
    X, y = redundant_copies("continuous")
    pipe = Pipeline([
        ("sel", MISelector(criterion="jmi", random_state=0)),
        ("clf", LogisticRegression()),
    ])
    grid = GridSearchCV(pipe, {"sel__n_features_to_select": [1, 2]}, cv=3).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    # x3 carries information the copies lack: two features classify better than one
    assert grid.best_params_ == {"sel__n_features_to_select": 2}
    assert scores[1] > scores[0] + 0.05
    assert set(grid.best_estimator_["sel"].get_support(indices=True)) & {3}
    assert clone(pipe).get_params()["sel__criterion"] == "jmi"
