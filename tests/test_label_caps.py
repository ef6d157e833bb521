"""Label MI never exceeds H(Y) beyond its sampling error; saturation and growth warnings.

I(T; Y) <= H(Y) <= log(n_classes) for any T. Each estimator that accepts class labels
is run on layers that determine the label (the cap is reached) and on layers that
carry part of it, and must stay below the plug-in H(Y) plus a tolerance set by what
the estimator is: 0 for the estimators that are H(Y) minus a non-negative quantity by
construction (binning, plug-in, KDE, sample propagation, ClassifierMI, the Gaussian
class-conditional model), the digamma-versus-log difference (K - 1) / (2 n) for Ross's
KSG and the held-out prior's log-loss for V-information, and a few standard errors of
a held-out mean for the neural bounds.
"""

import warnings

import numpy as np
import pytest

import skmi
from skmi import (
    KDEMI,
    KSG,
    AutoMI,
    BinningMI,
    ClassifierMI,
    DiscreteMI,
    GaussianCopulaMI,
    SamplePropagationMI,
    VInformation,
)

K = 10


def _layer(n, separation, seed, relu=True, width=16):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, K, n)
    centres = separation * rng.standard_normal((K, width))
    T = centres[y] + rng.standard_normal((n, width))
    return (np.maximum(T, 0.0) if relu else T), y


def _h(y):
    p = np.bincount(y) / y.size
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def _no_sat(est):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skmi.SaturationWarning)
        return est


EXACT = [  # H(Y) minus a non-negative quantity: tolerance 1e-9
    lambda: BinningMI(3, strategy="minmax"),
    lambda: DiscreteMI(),
    lambda: KDEMI(1.0),
    lambda: KDEMI(1.0, bound="lower"),
    lambda: SamplePropagationMI(1.0, random_state=0),
    lambda: ClassifierMI(random_state=0),
    lambda: GaussianCopulaMI(),
    lambda: GaussianCopulaMI(bias_correction=False),
]


@pytest.mark.parametrize("make", EXACT)
@pytest.mark.parametrize("separation", [0.5, 6.0])
def test_exact_caps(make, separation):
    T, y = _layer(1500, separation, 0, relu=False)   # GaussianCopulaMI: no dead units
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", skmi.SaturationWarning)
        mi = make().fit(T, y).mi_
    assert mi <= _h(y) + 1e-9


@pytest.mark.parametrize("separation", [0.5, 6.0])
def test_ross_ksg_vinformation_and_auto_caps(separation):
    T, y = _layer(1500, separation, 1)
    h, n = _h(y), y.size
    # Ross: psi(n) - mean psi(n_y) exceeds the plug-in H(Y) by about (K - 1) / (2 n)
    assert KSG(random_state=0).fit(T, y).mi_ <= h + K / n
    # V-information subtracts from the held-out prior's log-loss, >= H(Y) by ~(K-1)/2n
    est = VInformation(random_state=0).fit(T, y)
    assert est.mi_ <= est.marginal_entropy_ + 1e-9
    assert est.marginal_entropy_ <= h + K / n
    auto = AutoMI(random_state=0).fit(T, y)
    assert auto.mi_ <= h + K / n
    if separation > 1:  # the layer determines the label: every label estimator gets there
        assert auto.mi_ > h - 0.05


def test_gaussian_copula_was_far_above_the_cap_and_is_now_below_it():
    """Ince et al.'s gcmi_model_cd gave 8 bits for 10 classes on MNIST logits."""
    T, y = _layer(3000, 8.0, 2, relu=False, width=10)
    cx = skmi.gaussian.copula_normalize(T)
    # the old formula: H(X) - sum_y p(y) H(X | y), Gaussian entropies
    logdet = np.linalg.slogdet(np.cov(cx, rowvar=False))[1]
    within = sum(np.mean(y == c) * np.linalg.slogdet(np.cov(cx[y == c], rowvar=False))[1]
                 for c in range(K))
    old = 0.5 * (logdet - within)
    assert old > 2 * np.log(K)          # far above log(10)
    new = GaussianCopulaMI().fit(T, y).mi_
    # separated classes: the cap, minus the in-sample optimism correction
    # (K - 1) (d + d (d + 1) / 2) / (2 n) = 0.0975 nats
    correction = (K - 1) * (10 + 55) / (2 * 3000)
    assert _h(y) - correction - 0.01 < new <= _h(y)
    assert GaussianCopulaMI(bias_correction=False).fit(T, y).mi_ == pytest.approx(
        new + correction)


@pytest.mark.parametrize("name", ["infonce", "nwj", "mine", "smile"])
def test_neural_bounds_one_hot_labels_and_stay_near_the_cap(name):
    pytest.importorskip("torch")
    T, y = _layer(1500, 6.0, 3)
    est = skmi.metrics._build(name, skmi.metrics.MI_ESTIMATORS, skmi.MutualInfoEstimator,
                              dict(max_epochs=15, random_state=0, hidden_layer_sizes=(32,)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(T, y)
    assert list(est.classes_) == list(range(K))
    # a held-out mean over 300 rows: sd of the per-batch bound well below 0.1 nats
    assert est.mi_ <= _h(y) + 0.15
    assert est.mi_ > 1.0
    # numeric labels are one column: the critic sees class 9 as "far from" class 0
    numeric = type(est)(**{**est.get_params(), "discrete_y": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numeric.fit(T, y)
    assert numeric.classes_ is None and numeric._n_features_y == 1
    assert est.score(T[:300], y[:300]) <= np.log(300) + 1e-6


def test_neural_bounds_reject_labels_not_seen_in_fit():
    pytest.importorskip("torch")
    T, y = _layer(400, 3.0, 4)
    est = skmi.InfoNCE(max_epochs=2, random_state=0).fit(T, y)
    with pytest.raises(ValueError, match="not seen in fit"):
        est.score(T[:10], np.full(10, 42))


# ---------------------------------------------------------------------- saturation
def test_binning_saturation_fires_and_stays_silent():
    T, y = _layer(2000, 1.0, 5, width=32)
    with pytest.warns(skmi.SaturationWarning, match="alone in their bin"):
        est = BinningMI(30).fit(T, y)
    assert est.saturated_ and est.mi_ == pytest.approx(_h(y))
    with pytest.warns(skmi.SaturationWarning, match="log n"):
        assert BinningMI(30).fit(T, np.arange(2000)).mi_ == pytest.approx(np.log(2000))
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        est = BinningMI(3).fit(T[:, :2], y)
    assert not est.saturated_
    # continuous data passed as discrete: every value its own symbol
    with pytest.warns(skmi.SaturationWarning, match="alone in their symbol"):
        assert DiscreteMI().fit(np.log1p(T[:, :1]) + np.arange(2000)[:, None], y).saturated_


def test_kde_saturation_both_ways_and_the_suggested_scale():
    T, y = _layer(1000, 1.0, 6, width=32)
    with pytest.warns(skmi.SaturationWarning, match=r"far below .*\(median \d+"):
        assert KDEMI(0.01).fit(T, np.arange(1000)).saturated_
    with pytest.warns(skmi.SaturationWarning, match="swamps the layer"):
        assert KDEMI(1e6).fit(T, y).saturated_
    with pytest.warns(skmi.SaturationWarning, match="far below"):
        assert SamplePropagationMI(0.01, random_state=0).fit(T, y).saturated_
    nn_sq = skmi.kde._median_nn_sq(T, np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        for est in (KDEMI(nn_sq / 2), SamplePropagationMI(nn_sq / 2, random_state=0)):
            assert not est.fit(T, np.arange(1000)).saturated_


def test_kde_rejects_a_continuous_y():
    T, _ = _layer(200, 1.0, 7)
    for est in (KDEMI(), SamplePropagationMI()):
        with pytest.raises(ValueError, match="layer_information"):
            est.fit(T, T[:, :3])       # another layer, 2-D float
        with pytest.raises(ValueError, match="class labels"):
            est.fit(T, T[:, 0])        # a continuous target
        est.fit(T, np.arange(200).astype(float))   # integral floats are labels


def test_ksg_growth_with_n_flags_deterministic_relations():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4000, 1))
    with pytest.warns(skmi.SaturationWarning, match="grew from .* not converged"):
        est = KSG(random_state=0).fit(x, np.sin(3 * x) + x)
    assert est.saturated_
    with pytest.warns(skmi.SaturationWarning, match="deterministic"):
        assert skmi.MixedKSG().fit(x, np.sin(3 * x) + x).saturated_
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        # a strong but noisy relation (4.3 nats) converges: silent
        y = 0.9999 * x + np.sqrt(1 - 0.9999**2) * rng.standard_normal((4000, 1))
        assert not KSG(random_state=0).fit(x, y).saturated_
        assert not KSG(random_state=0).fit(x, 0.6 * x + rng.standard_normal((4000, 1))
                                           ).saturated_


def test_auto_reports_only_the_chosen_candidates_saturation():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3000, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        est = AutoMI(random_state=0).fit(x, 0.6 * x + 0.8 * rng.standard_normal((3000, 1)))
    assert not est.saturated_
    with pytest.warns(skmi.SaturationWarning, match="AutoMI: .*chosen"):
        est = AutoMI(random_state=0).fit(x, np.sin(3 * x) + x)
    assert est.saturated_
