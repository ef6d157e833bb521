"""AutoMI: the choice of estimator by data kind, and its accuracy where the rules say."""

import numpy as np
import pytest

import skmi
from skmi import KSG, AutoMI, DiscreteMI, GaussianCopulaMI, MixedKSG
from skmi.auto import SMALL_K_DIMS, column_kinds
from skmi.benchmark.tasks import get_task


def _pairs(n, rho, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    return x, rho * x + np.sqrt(1 - rho**2) * rng.standard_normal((n, d))


def test_column_kinds():
    rng = np.random.default_rng(0)
    z = rng.standard_normal(2000)
    cols = np.column_stack([
        z,                                   # continuous
        rng.integers(0, 5, 2000),            # few levels: discrete
        np.maximum(z, 0),                    # ReLU: half the rows at 0, a point mass
        np.round(z, 3),                      # rounded: ties but no atom of >= 1%
        np.where(z > 1.5, 7.0, z),           # 7% of the rows at one value
    ])
    assert column_kinds(cols) == ["continuous", "discrete", "mixed", "continuous", "mixed"]
    assert column_kinds(z, integer_dtype=True) == ["discrete"]


def test_both_discrete_uses_plug_in_with_miller_madow():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, 4000)
    flip = rng.uniform(size=4000) < 0.2
    y = np.where(flip, rng.integers(0, 4, 4000), x)
    est = AutoMI().fit(x.reshape(-1, 1).astype(float), y.astype(float))
    assert isinstance(est.chosen_estimator_, DiscreteMI)
    assert est.chosen_estimator_.correction == "miller-madow"
    assert est.kinds_ == ("discrete", "discrete")
    # exact: y = x w.p. 0.85 (0.8 + 0.2/4), else each other value w.p. 0.05
    p = np.array([0.85, 0.05, 0.05, 0.05])
    truth = np.log(4) + np.sum(p * np.log(p))
    # plug-in on 16 cells, n = 4000: sd ~ 0.015 nats, Miller-Madow bias O(1/n^2)
    assert abs(est.mi_ - truth) < 4 * 0.015
    assert est.mi_ == DiscreteMI(correction="miller-madow").fit(x.reshape(-1, 1), y).mi_


def test_discrete_labels_and_continuous_features_use_ross_ksg():
    t = get_task("gao-uniform")   # X uniform on 5 values, Y | X uniform on [X, X + 2]
    X, Y = t.sample(3000, random_state=0)
    est = AutoMI(random_state=0).fit(X, Y)
    assert est.kinds_ == ("discrete", "continuous")
    assert isinstance(est.chosen_estimator_, KSG)
    assert est.chosen_estimator_.discrete_x is True
    # Ross / MixedKSG on this case: bias ~ 0, sd 0.006 at n = 3000
    assert abs(est.mi_ - t.mutual_information) < 0.03
    labels = np.random.default_rng(0).integers(0, 3, 500)
    feats = labels[:, None] + np.random.default_rng(1).standard_normal((500, 2))
    assert AutoMI(random_state=0).fit(feats, labels).kinds_ == ("continuous", "discrete")


def test_point_masses_use_mixed_ksg():
    t = get_task("gao-mixture")
    X, Y = t.sample(3000, random_state=0)
    est = AutoMI().fit(X, Y)
    assert est.kinds_ == ("mixed", "mixed")
    assert isinstance(est.chosen_estimator_, MixedKSG)
    assert est.mi_ == MixedKSG(k=3).fit(X, Y).mi_


def test_continuous_low_dimension_is_ksg_on_normal_scores_and_map_invariant():
    x, y = _pairs(2000, 0.6, 1, 2)
    est = AutoMI(random_state=0).fit(x, y)
    assert isinstance(est.chosen_estimator_, KSG) and est.chosen_estimator_.k == 3
    assert set(est.candidates_) == {"KSG(k=3) on normal scores", "GaussianCopulaMI"}
    assert est.mi_ == max(est.candidates_.values())
    # normal scores: any increasing map of a column gives the same estimate exactly
    same = AutoMI(random_state=0).fit(np.exp(x), y**3 + y).mi_
    assert same == est.mi_
    # KSG-1 at n = 2000, rho = 0.6: bias +0.001, sd 0.019 (knn_error_profile.md); the
    # max with the Gaussian-copula estimate (sd 0.019) adds at most ~1 sd
    assert abs(est.mi_ - (-0.5 * np.log(1 - 0.36))) < 0.001 + 5 * 0.019


def test_continuous_high_dimension_takes_the_gaussian_copula_where_ksg_fails():
    x, y = _pairs(3000, 0.5, 10, 3)   # 20 dimensions, I = 10 * 0.1438 = 1.438 nats
    est = AutoMI(neural=False, random_state=0).fit(x, y)
    assert 10 + 10 > SMALL_K_DIMS
    assert "KSG(k=1) on normal scores" in est.candidates_
    assert isinstance(est.chosen_estimator_, GaussianCopulaMI)
    truth = -5 * np.log(1 - 0.25)
    # Gaussian MI estimate of 10 pairs: sd ~ sqrt(10) * rho / sqrt(n) = 0.03 nats
    assert abs(est.mi_ - truth) < 4 * 0.03
    assert est.candidates_["KSG(k=1) on normal scores"] < truth / 1.5  # KSG alone fails


def test_neural_candidate_joins_in_higher_dimension():
    pytest.importorskip("torch")
    t = get_task("student-5x5-dof2")     # 10 dimensions: KSG and the copula both fail
    X, Y = t.sample(2000, random_state=0)
    est = AutoMI(random_state=0).fit(X, Y)
    assert set(est.candidates_) == {"KSG(k=1) on normal scores", "GaussianCopulaMI",
                                    "InfoNCE"}
    assert est.mi_ == max(est.candidates_.values())
    assert "InfoNCE" not in AutoMI(neural=False, random_state=0).fit(X, Y).candidates_
    # below NEURAL_MIN_SAMPLES or at low dimension "auto" leaves it out
    assert "InfoNCE" not in AutoMI(random_state=0).fit(X[:500], Y[:500]).candidates_
    x, y = _pairs(2500, 0.6, 2, 0)
    assert "InfoNCE" not in AutoMI(random_state=0).fit(x, y).candidates_
    with pytest.raises(ValueError, match="neural"):
        AutoMI(neural="maybe").fit(X, Y)


def test_heavy_tails_the_copula_step_helps():
    # student-2x2-dof1 (truth 0.432): KSG on raw data 0.27, on normal scores 0.40-0.42
    # at n = 5000 (3 seeds, benchmarks/results/auto_rules.md); sd ~ 0.015
    t = get_task("student-2x2-dof1")
    X, Y = t.sample(5000, random_state=0)
    auto = AutoMI(random_state=0).fit(X, Y).mi_
    raw = KSG(random_state=0).fit(X, Y).mi_
    assert abs(auto - t.mutual_information) < 0.04 + 4 * 0.015
    assert raw < auto - 0.08


def test_functional_api_and_forced_flags():
    x, y = _pairs(500, 0.6, 1, 4)
    assert skmi.mutual_info(x, y, estimator="auto", random_state=0) == \
        AutoMI(random_state=0).fit(x, y).mi_
    labels = (y[:, 0] > 0).astype(float)
    forced = AutoMI(discrete_y=True, random_state=0).fit(x, labels)
    assert forced.kinds_ == ("continuous", "discrete")
    assert AutoMI(discrete_x=False, discrete_y=False, random_state=0).fit(
        x, labels).kinds_ == ("continuous", "continuous")
    with pytest.raises(ValueError, match="discrete_x"):
        AutoMI(discrete_x="yes").fit(x, y)
    with pytest.raises(ValueError, match="at least 4 samples"):
        AutoMI().fit(x[:3], y[:3])
    assert "reason" not in AutoMI().get_params()
    est = AutoMI(random_state=0).fit(x, y)
    assert est.score(x, y) == est.mi_
    assert "normal scores" in est.reason_
