"""AutoMI: the choice of estimators by data kind, their directions of error, accuracy."""

import warnings

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

import skmi
from skmi import AutoMI, ClassifierMI, DiscreteMI, GaussianCopulaMI, GaussianMI, MixedKSG
from skmi.auto import ATOM_MIN_COUNT, SMALL_K_DIMS, column_kinds, gaussian_excess
from skmi.benchmark.tasks import get_task

LN2 = np.log(2.0)


def _pairs(n, rho, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    return x, rho * x + np.sqrt(1 - rho**2) * rng.standard_normal((n, d))


def _clusters(n, k, d, seed, spread=3.0, noise=0.3):
    """X and Y share one of k well-separated cluster means: I(X; Y) <= log k."""
    rng = np.random.default_rng(seed)
    c = rng.integers(0, k, n)
    means = spread * rng.standard_normal((k, d))
    return (means[c] + noise * rng.standard_normal((n, d)),
            means[c] + noise * rng.standard_normal((n, d)))


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
    # a value repeated a few times in a small sample is a tie, not a point mass
    small = rng.standard_normal(300)
    small[:ATOM_MIN_COUNT - 1] = 0.5          # 3% of the rows but only 9 of them
    assert column_kinds(small) == ["continuous"]
    small[:ATOM_MIN_COUNT] = 0.5
    assert column_kinds(small) == ["mixed"]


def test_both_discrete_uses_plug_in_with_miller_madow():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, 4000)
    flip = rng.uniform(size=4000) < 0.2
    y = np.where(flip, rng.integers(0, 4, 4000), x)
    est = AutoMI().fit(x.reshape(-1, 1).astype(float), y.astype(float))
    assert isinstance(est.chosen_estimator_, DiscreteMI)
    assert est.chosen_estimator_.correction == "miller-madow"
    assert est.kinds_ == ("discrete", "discrete")
    p = np.array([0.85, 0.05, 0.05, 0.05])
    truth = np.log(4) + np.sum(p * np.log(p))
    # plug-in on 16 cells, n = 4000: sd ~ 0.015 nats, Miller-Madow bias O(1/n^2)
    assert abs(est.mi_ - truth) < 4 * 0.015
    assert est.mi_ == DiscreteMI(correction="miller-madow").fit(x.reshape(-1, 1), y).mi_


def test_labels_decide_before_the_layers_zeros():
    """The issue's reproducer: a ReLU layer of 32 units against 10 labels."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 5000)
    c = 3 * rng.standard_normal((10, 32))
    T = np.maximum(0, c[y] + rng.standard_normal((5000, 32)))
    h = -np.sum(np.bincount(y) / 5000 * np.log(np.bincount(y) / 5000))
    est = AutoMI(random_state=0).fit(T, y)
    assert est.kinds_ == ("mixed", "discrete")
    assert set(est.candidates_) == {"KSG(k=3), Ross counts",
                                    "KSG(k=3), Ross counts on normal scores", "ClassifierMI"}
    assert est.mi_ == max(est.candidates_.values())
    # the classes are separated (the truth is H(Y) = 3.32 bits; the old rule gave 1.18)
    assert h - 0.02 < est.mi_ <= h + 10 / 5000
    assert not isinstance(est.chosen_estimator_, MixedKSG)
    # labels on the X side work the same way
    assert AutoMI(random_state=0).fit(y.reshape(-1, 1), T).mi_ == pytest.approx(est.mi_)


def test_labels_in_many_dimensions_take_the_classifier_bound():
    t = get_task("layer-relu-256-sep2")   # truth 2.173 nats; Ross's KSG gets 0.7
    T, Y = t.sample(2000, random_state=0)
    est = AutoMI(random_state=0).fit(T, Y[:, 0])
    assert isinstance(est.chosen_estimator_, ClassifierMI)
    assert est.candidates_["KSG(k=3), Ross counts"] < t.mutual_information / 1.5
    # a lower bound (held-out cross-entropy), within the factor 1.5 here
    assert t.mutual_information / 1.5 < est.mi_ < t.mutual_information + 0.05


def test_discrete_side_by_values_and_gao_uniform():
    t = get_task("gao-uniform")   # X uniform on 5 values, Y | X uniform on [X, X + 2]
    X, Y = t.sample(3000, random_state=0)
    est = AutoMI(random_state=0).fit(X, Y)
    assert est.kinds_ == ("discrete", "continuous")
    # Ross's KSG on this case: bias ~ 0, sd 0.006 at n = 3000
    assert abs(est.mi_ - t.mutual_information) < 0.03
    assert "ClassifierMI" not in est.candidates_      # one column: KSG alone
    labels = np.random.default_rng(0).integers(0, 3, 500)
    feats = labels[:, None] + np.random.default_rng(1).standard_normal((500, 2))
    assert AutoMI(random_state=0).fit(feats, labels).kinds_ == ("continuous", "discrete")


def test_point_masses_without_labels_use_mixed_ksg_with_its_default_k():
    t = get_task("gao-mixture")
    X, Y = t.sample(3000, random_state=0)
    est = AutoMI().fit(X, Y)
    assert est.kinds_ == ("mixed", "mixed")
    assert isinstance(est.chosen_estimator_, MixedKSG)
    assert est.chosen_estimator_.k == MixedKSG().k == 5
    assert "k=5" in est.reason_
    assert est.mi_ == MixedKSG().fit(X, Y).mi_


def test_continuous_low_dimension_and_map_invariance():
    x, y = _pairs(2000, 0.6, 1, 2)
    est = AutoMI(random_state=0).fit(x, y)
    assert set(est.candidates_) >= {"KSG(k=3) on normal scores", "GaussianCopulaMI"}
    assert est.mi_ == max(est.candidates_.values())
    # KSG-1 at n = 2000, rho = 0.6: bias +0.001, sd 0.019; the maximum of three
    # estimates of the same value adds at most ~1.5 sd
    truth = -0.5 * np.log(1 - 0.36)
    assert abs(est.mi_ - truth) < 0.001 + 5 * 0.019
    # increasing affine maps of a column change nothing (a decreasing one moves the
    # normal scores' tie-breaking jitter: 1e-5 here); other increasing maps change
    # only the raw Gaussian candidate (then corrected for its non-Gaussian marginals)
    assert AutoMI(random_state=0).fit(3 * x - 1e3, 2 * y + 5).mi_ == pytest.approx(
        est.mi_, abs=1e-12)
    assert AutoMI(random_state=0).fit(x, -2 * y).mi_ == pytest.approx(est.mi_, abs=1e-4)
    mapped = AutoMI(random_state=0).fit(np.exp(x), y**3 + y)
    assert mapped.candidates_["KSG(k=3) on normal scores"] == \
        est.candidates_["KSG(k=3) on normal scores"]
    assert abs(mapped.mi_ - est.mi_) < 2 * 0.019


def test_high_dimension_takes_a_gaussian_candidate_where_ksg_fails():
    x, y = _pairs(3000, 0.5, 10, 3)   # 20 dimensions, I = 10 * 0.1438 = 1.438 nats
    est = AutoMI(neural=False, random_state=0).fit(x, y)
    assert 10 + 10 > SMALL_K_DIMS
    assert est.candidates_["KSG(k=1) on normal scores"] < 1.438 / 1.5   # KSG alone fails
    assert isinstance(est.chosen_estimator_, (GaussianCopulaMI, GaussianMI))
    # Gaussian MI of 10 pairs: sd ~ sqrt(10) * rho / sqrt(n) = 0.03 nats
    assert abs(est.mi_ - 1.438) < 4 * 0.03


def test_the_copula_can_err_high_and_the_correction_bounds_it():
    """Shared clusters on multi-column sides: the Gaussian with the data's correlations
    has far more MI than the clusters carry (<= log k); the non-Gaussianity of the sides
    bounds that excess, and the corrected candidate is below the truth."""
    X, Y = _clusters(3000, 20, 5, 4)
    cap = np.log(20)
    raw = GaussianCopulaMI().fit(X, Y).mi_
    assert raw > 1.5 * cap                       # errs high, far beyond the factor 1.5
    est = AutoMI(neural=False, random_state=0).fit(X, Y)
    corrected = [v for k, v in est.candidates_.items() if k.startswith("GaussianCopulaMI")]
    assert corrected and corrected[0] <= cap
    assert "non-Gaussianity" in " ".join(est.candidates_)
    # KSG is right here (clusters in 10 dimensions, n = 3000): sd ~ 0.03
    assert abs(est.mi_ - cap) < 0.15 and est.mi_ < cap + 0.1


def test_the_raw_gaussian_can_err_high_and_the_correction_bounds_it():
    """A uniform input through a Gaussian channel: the Gaussian input of the same power
    carries more (it maximises I), so GaussianMI errs high; the correction undoes it."""
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (4000, 1))
    y = x + 0.1 * rng.standard_normal((4000, 1))
    s = 0.1

    def p_y(t):
        return 0.5 * (norm.cdf((t + 1) / s) - norm.cdf((t - 1) / s))

    h_y = integrate.quad(lambda t: -p_y(t) * np.log(p_y(t)), -1.6, 1.6, limit=200)[0]
    truth = h_y - 0.5 * np.log(2 * np.pi * np.e * s * s)
    # sd of the Gaussian estimate: rho / sqrt(n) = 0.016; it is 6 sd above
    assert GaussianMI().fit(x, y).mi_ > truth + 0.05
    est = AutoMI(random_state=0).fit(x, y)
    gauss = [v for k, v in est.candidates_.items() if k.startswith("GaussianMI")]
    assert gauss[0] < truth + 0.05
    assert abs(est.mi_ - truth) < 0.1             # KSG is right in 2-D


def test_a_nearly_deterministic_gaussian_needs_the_raw_gaussian():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5000, 1))
    y = x + 1e-3 * rng.standard_normal((5000, 1))
    truth = 0.5 * np.log(1 + 1e6)                 # 6.9 nats
    est = AutoMI(random_state=0).fit(x, y)
    assert est.candidates_["KSG(k=3) on normal scores"] < truth - 0.3   # ranks blur it
    assert isinstance(est.chosen_estimator_, GaussianMI)
    assert abs(est.mi_ - truth) < 0.05


def test_gaussian_excess():
    rng = np.random.default_rng(7)
    g = rng.standard_normal((2000, 4)) @ rng.standard_normal((4, 4))
    # Gaussian rows: 0 up to the sd of a difference of two KL means, about 0.03 here
    assert abs(gaussian_excess(g)) < 0.1
    # invariant to invertible linear maps (the rows are whitened first)
    M = rng.standard_normal((4, 4))
    assert gaussian_excess(g @ M) == pytest.approx(gaussian_excess(g), abs=1e-6)
    # one uniform column: its negentropy is 0.5 log(2 pi e / 12) = 0.176 nats
    u = rng.uniform(size=(5000, 1))
    assert abs(gaussian_excess(u) - 0.1765) < 0.05
    X, _ = _clusters(2000, 20, 5, 8)
    assert gaussian_excess(X) > 2.0
    assert gaussian_excess(np.repeat(g[:200], 10, axis=0)) == np.inf   # atoms
    assert gaussian_excess(np.ones((50, 2))) == 0.0                     # constant


def test_neural_candidate_joins_in_higher_dimension():
    pytest.importorskip("torch")
    t = get_task("student-5x5-dof2")     # 10 dimensions: KSG and the copula both fail
    X, Y = t.sample(2000, random_state=0)
    est = AutoMI(random_state=0).fit(X, Y)
    assert "InfoNCE" in est.candidates_
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
    # at n = 5000 (benchmarks/results/auto_rules.md); sd ~ 0.015
    t = get_task("student-2x2-dof1")
    X, Y = t.sample(5000, random_state=0)
    auto = AutoMI(random_state=0).fit(X, Y).mi_
    raw = skmi.KSG(random_state=0).fit(X, Y).mi_
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
    assert "normal scores" in est.reason_ and "lower bound" in est.reason_


def test_candidates_warnings_are_held_back():
    """A candidate's saturation is not the estimate's: only the chosen one speaks."""
    t = get_task("layer-relu-16-sep1")
    T, Y = t.sample(1500, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        est = AutoMI(random_state=0).fit(T, Y[:, 0])
    assert not est.saturated_


def test_grid_search_over_layers_picks_the_layer_with_the_labels():
    """mi_scorer("auto") ranks layers by I(T; Y): a wide ReLU layer that carries the
    labels (mixed by its zeros) beats a narrow continuous one that carries less. The
    previous rule sent the wide layer to MixedKSG with the labels as numbers (0.5 nats
    against 1.0 for the narrow layer) and picked the narrow one."""
    torch = pytest.importorskip("torch")
    from sklearn.model_selection import GridSearchCV

    from skmi.metrics import mi_scorer

    rng = np.random.default_rng(10)
    n, units = 3000, 64
    y = rng.integers(0, 10, n)
    X = np.hstack([np.eye(10)[y] * 3 + rng.standard_normal((n, 10)),
                   rng.standard_normal((n, units))])

    class TwoLayers(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.wide = torch.nn.Sequential(torch.nn.Linear(10 + units, units),
                                            torch.nn.ReLU())
            self.narrow = torch.nn.Identity()

        def forward(self, x):
            return self.wide(x), self.narrow(x[:, 4:12])  # 6 class columns, 2 noise

    model = TwoLayers()
    weight = np.zeros((units, 10 + units))
    weight[np.arange(units), np.arange(units) % 10] = 1 + 0.3 * rng.standard_normal(units)
    weight[np.arange(units), 10 + np.arange(units)] = 0.5   # a noise input per unit
    with torch.no_grad():
        model.wide[0].weight.copy_(torch.as_tensor(weight))
        model.wide[0].bias.fill_(-1.0)
    ext = skmi.LayerActivationExtractor(model, "wide.1")
    assert column_kinds(ext.fit(X).transform(X))[0] == "mixed"
    grid = GridSearchCV(ext, {"layers": ["wide.1", "narrow"]}, cv=2,
                        scoring=mi_scorer("auto", random_state=0)).fit(X, y)
    assert grid.best_params_ == {"layers": "wide.1"}
    scores = grid.cv_results_["mean_test_score"]
    # H(Y) = 2.3 nats; the wide layer holds about 1.8 (its bounds), the narrow 1.25
    assert scores[0] > 1.6 and 1.0 < scores[1] < 1.5
