"""KDEMI (Kolchinsky-Tracey bounds), sample propagation and the KDE kernels."""

import warnings
from itertools import product

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm
from sklearn.utils.estimator_checks import parametrize_with_checks

import skmi
from skmi import KDEMI, MixtureEntropy, SamplePropagationMI
from skmi._kernels import kde as kk
from skmi._kernels import reference as ref

LN2 = np.log(2.0)
CUBE = np.array(list(product([0.0, 1.0], repeat=12)))


# ------------------------------------------------------------------------ kernels
def _classes(rng, n, k):
    codes = np.sort(rng.integers(0, k, n))
    counts = np.bincount(codes, minlength=k)
    end = np.cumsum(counts)
    return codes, end - counts, end


@pytest.mark.parametrize("block", [7, 64, 1000])
def test_self_log_sums_match_reference(block):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((301, 6))
    X[100:150] = X[:50]  # duplicate rows: distance exactly 0
    codes, start, end = _classes(rng, 301, 4)
    X.setflags(write=False)
    for scale in (0.05, 1.0, 40.0):
        total, within = kk.self_log_sums(X, scale, codes, start, end, block=block)
        rt, rw = ref.log_sum_exp_pairs(X, X, scale, codes, codes)
        np.testing.assert_allclose(total, rt, rtol=0, atol=1e-10)
        np.testing.assert_allclose(within, rw, rtol=0, atol=1e-10)


@pytest.mark.parametrize("block", [5, 256])
def test_mixture_log_sums_match_reference(block):
    rng = np.random.default_rng(1)
    C = rng.standard_normal((80, 4))
    codes, start, end = _classes(rng, 80, 3)
    q_cls = rng.integers(0, 3, 123)
    Q = C[rng.integers(0, 80, 123)] + 3.0 * rng.standard_normal((123, 4))  # far tails
    total, within = kk.mixture_log_sums(Q, C, 2.0, q_cls, start, end,
                                        self_terms=False, block=block)
    rt, rw = ref.log_sum_exp_pairs(Q, C, 2.0, q_cls, codes)
    np.testing.assert_allclose(total, rt, rtol=0, atol=1e-9)
    np.testing.assert_allclose(within, rw, rtol=0, atol=1e-9)


# ------------------------------------------------------------------- exact values
@pytest.mark.parametrize("var, bound, bits", [
    (0.1, "upper", 11.883742), (0.1, "lower", 7.638518),
    (1.0, "upper", 3.792618), (1.0, "lower", 1.048230),
    (1e-3, "upper", 12.0), (1e-3, "lower", 12.0),
])
def test_cube(var, bound, bits):
    est = KDEMI(noise_variance=var, bound=bound).fit(CUBE, np.arange(len(CUBE)))
    assert abs(est.mi_ / LN2 - bits) < 1e-6
    # the closed form behind the table
    v = var if bound == "upper" else 4 * var
    assert abs(est.mi_ / LN2 - (12 - 12 * np.log2(1 + np.exp(-1 / (2 * v))))) < 1e-9
    assert est.estimate_kind == bound


def _kt_entropy_reference(T, var):
    d = T.shape[1]
    total, _ = ref.log_sum_exp_pairs(T, T, 1 / (2 * var))
    return d / 2 + d / 2 * np.log(2 * np.pi * var) - np.mean(total - np.log(len(T)))


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_i_t_y_is_the_difference_of_bounded_entropies(bound):
    rng = np.random.default_rng(2)
    T = np.tanh(rng.standard_normal((240, 3)) * 2)
    y = rng.integers(0, 3, 240)
    var = 0.1

    def h(A):
        if bound == "upper":
            return _kt_entropy_reference(A, var)
        return _kt_entropy_reference(A, 4 * var) + A.shape[1] / 2 * np.log(0.25)

    expected = h(T) - sum(np.mean(y == c) * h(T[y == c]) for c in range(3))
    est = KDEMI(noise_variance=var, bound=bound).fit(T, y)
    assert est.mi_ == pytest.approx(expected, abs=1e-10)
    # I(X; T) = H(T) - H(T | X), H(T | X) = d/2 log(2 pi e var)
    ixt = h(T) - 3 / 2 * np.log(2 * np.pi * np.e * var)
    assert est.fit(T, np.arange(240)).mi_ == pytest.approx(ixt, abs=1e-10)
    ent = MixtureEntropy(var, method=bound).fit(T).entropy_
    assert ent == pytest.approx(h(T), abs=1e-10)


def _one_unit_bits(s):
    """I_1(s) = h(1/2 N(1, s^2) + 1/2 N(-1, s^2)) - 1/2 log2(2 pi e s^2), quadrature."""

    def p(t):
        return 0.5 * (norm.pdf(t, 1, s) + norm.pdf(t, -1, s))

    h = integrate.quad(lambda t: -p(t) * np.log2(p(t)) if p(t) > 0 else 0.0,
                       -1 - 12 * s, 1 + 12 * s, limit=200)[0]
    return h - 0.5 * np.log2(2 * np.pi * np.e * s * s)


def test_noisy_cube_corners():
    d, s = 5, 0.5
    exact = d * _one_unit_bits(s)
    assert abs(exact - 4.56411) < 1e-5  # the reference table
    corners = np.array(list(product([-1.0, 1.0], repeat=d)))
    y = np.arange(len(corners))
    lower = KDEMI(s * s, bound="lower").fit(corners, y).mi_ / LN2
    upper = KDEMI(s * s, bound="upper").fit(corners, y).mi_ / LN2
    assert lower < exact < upper
    sp = SamplePropagationMI(s * s, n_draws=2000, random_state=0).fit(corners, y)
    # Monte-Carlo error only: the mixture over all corners is the exact distribution
    assert abs(sp.mi_ / LN2 - exact) < 4 * sp.std_error_ / LN2
    assert sp.std_error_ / LN2 < 0.01
    # the entropies themselves: lower bound < Monte Carlo < upper bound
    h = {m: MixtureEntropy(s * s, method=m, n_draws=2000, random_state=0).fit(corners)
         for m in ("lower", "sample", "upper")}
    assert h["lower"].entropy_ < h["sample"].entropy_ < h["upper"].entropy_
    assert h["sample"].estimate_kind == "estimate"
    assert skmi.entropy(corners, estimator="mixture", noise_variance=s * s,
                        method="upper") == pytest.approx(h["upper"].entropy_)


def test_sample_propagation_with_labels():
    # X uniform on {-1, +1}, Y = X: I(T; Y) = I(X; T) = I_1(0.5)
    x = np.array([[-1.0], [1.0]] * 8)
    y = np.array([0, 1] * 8)
    sp = SamplePropagationMI(0.25, n_draws=1000, random_state=1).fit(x, y)
    assert abs(sp.mi_ / LN2 - 0.91282) < 4 * sp.std_error_ / LN2
    assert skmi.mutual_info(x, y, estimator="kde", noise_variance=0.25) == (
        pytest.approx(KDEMI(0.25).fit(x, np.arange(16)).mi_)
    )


def test_seeded():
    x = np.random.default_rng(3).standard_normal((30, 2))
    a = SamplePropagationMI(random_state=5).fit(x, np.arange(30)).mi_
    b = SamplePropagationMI(random_state=5).fit(x, np.arange(30)).mi_
    assert a == b


# ---------------------------------------------------------------- relative noise
def _layer(seed=6, n=300, d=5):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    T = np.maximum(rng.standard_normal((n, d)) * np.arange(1, d + 1) + y[:, None], 0)
    return T, y


@pytest.mark.parametrize("make", [
    lambda: KDEMI(0.05, relative_noise=True),
    lambda: KDEMI(0.05, bound="lower", relative_noise=True),
    lambda: SamplePropagationMI(0.05, n_draws=3, random_state=0, relative_noise=True),
])
def test_relative_noise_is_scale_invariant(make):
    T, y = _layer()
    for target in (np.arange(len(T)), y):
        small = make().fit(T, target)
        large = make().fit(1000.0 * T, target)
        assert large.mi_ == pytest.approx(small.mi_, rel=1e-9, abs=1e-12)
        assert large.noise_variance_ == pytest.approx(1e6 * small.noise_variance_)
        assert large.saturated_ == small.saturated_
    # an absolute variance is not: the same setting at 1000 T sees every sample alone
    absolute = make().set_params(noise_variance=small.noise_variance_, relative_noise=False)
    assert absolute.fit(T, y).mi_ == pytest.approx(make().fit(T, y).mi_)
    with pytest.warns(skmi.SaturationWarning):
        pinned = absolute.fit(1000.0 * T, np.arange(len(T)))
    assert pinned.saturated_ and pinned.mi_ > np.log(len(T)) - 0.05   # (a few rows tie)


def test_noise_variance_attribute():
    T, y = _layer()
    trace = np.trace(np.cov(T, rowvar=False, bias=True))
    est = KDEMI(0.1, relative_noise=True).fit(T, y)
    assert est.noise_variance_ == pytest.approx(0.1 * trace, rel=1e-12)
    assert est.noise_variance == 0.1 and est.relative_noise is True   # params untouched
    # score keeps the fitted absolute variance (not the spread of the new data)
    assert est.score(T, y) == pytest.approx(est.mi_)
    assert est.score(2.0 * T, y) == pytest.approx(
        KDEMI(est.noise_variance_).fit(2.0 * T, y).mi_)
    assert KDEMI(0.1).fit(T, y).noise_variance_ == 0.1
    sp = SamplePropagationMI(0.1, n_draws=2, random_state=0, relative_noise=True).fit(T, y)
    assert sp.noise_variance_ == pytest.approx(0.1 * trace, rel=1e-12)
    assert SamplePropagationMI(0.3, n_draws=2, random_state=0).fit(T, y).noise_variance_ == 0.3
    # the absolute estimator at the fitted variance gives the same number
    assert KDEMI(est.noise_variance_).fit(T, y).mi_ == pytest.approx(est.mi_, rel=1e-12)


def test_relative_noise_constant_layer():
    """A constant layer: zero information at any noise, and not flagged as pinned."""
    T = np.full((50, 3), 2.5)
    y = np.arange(50) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        for est in (KDEMI(0.1, relative_noise=True), KDEMI(0.1),
                    SamplePropagationMI(0.1, n_draws=2, random_state=0, relative_noise=True)):
            fitted = est.fit(T, np.arange(50))
            assert fitted.mi_ == pytest.approx(0.0, abs=1e-12)
            assert fitted.saturated_ is False and fitted.noise_variance_ == 0.1
            assert est.fit(T, y).mi_ == pytest.approx(0.0, abs=1e-12)


def test_relative_noise_validated():
    T, y = _layer()
    with pytest.raises(ValueError, match="relative_noise"):
        KDEMI(relative_noise="yes").fit(T, y)
    with pytest.raises(ValueError, match="relative_noise"):
        SamplePropagationMI(relative_noise=1).fit(T, y)


def test_relative_noise_saturation_message_gives_a_fraction():
    T, _ = _layer()
    with pytest.warns(skmi.SaturationWarning, match="relative_noise=True: noise_variance "
                      "near"):
        est = KDEMI(1e-6, relative_noise=True).fit(T, np.arange(len(T)))
    assert est.saturated_


# -------------------------------------------------------- agreement with float64
def _reference_mi(T, y, var, bound, rows=None):
    """H(Y) + mean_i [log S_i^(y) - log S_i] in float64 from the differences."""
    v = var if bound == "upper" else 4 * var
    codes = np.unique(y, return_inverse=True)[1].reshape(-1)
    p = np.bincount(codes) / len(codes)
    return -np.sum(p * np.log(p)) + np.mean(ref.kt_terms(T, codes, v, rows))


def _datasets():
    rng = np.random.default_rng(11)
    gauss = rng.standard_normal((700, 10))
    dup = np.repeat(rng.standard_normal((150, 8)), 4, axis=0)
    dup += 1e-7 * rng.standard_normal(dup.shape)  # near-duplicate rows
    dup[::4] = dup[1::4]  # and exact ones
    offset = rng.standard_normal((500, 6)) * 0.5 + 1e6  # large offset
    tanh = np.tanh(rng.standard_normal((600, 5)) @ rng.standard_normal((5, 64)) * 2)
    wide = rng.standard_normal((300, 400))  # more units than samples
    return {"gauss": gauss, "dup": dup, "offset": offset, "tanh": tanh, "wide": wide}


@pytest.mark.parametrize("name", ["gauss", "dup", "offset", "tanh", "wide"])
def test_agrees_with_float64_reference(name):
    """The kernels' estimate equals a float64 computation from the differences to 1e-9
    nats: several noise levels (from kernels that see only their sample to kernels that
    see every sample), both bounds, I(X; T) and I(T; Y)."""
    T = _datasets()[name]
    n = len(T)
    labels = np.random.default_rng(12).integers(0, 4, n)
    nn_sq = skmi.kde._median_nn_sq(T - T.mean(axis=0), np.random.default_rng(0))
    spread = np.var(T, axis=0).sum()
    for var in (max(nn_sq, 1e-12) / 8, max(nn_sq, 1e-12) / 2, 2 * nn_sq + 1e-12, spread):
        for bound in ("upper", "lower"):
            for y in (np.arange(n), labels):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", skmi.SaturationWarning)
                    got = KDEMI(var, bound=bound).fit(T, y).mi_
                assert got == pytest.approx(_reference_mi(T, y, var, bound), abs=1e-9)


# ------------------------------------------------------------------ query subsets
def _subset_problem(seed=20, n=400):
    rng = np.random.default_rng(seed)
    T = np.tanh(rng.standard_normal((n, 3)) @ rng.standard_normal((3, 12)))
    y = rng.integers(0, 3, n)
    return T, y


@pytest.mark.parametrize("bound", ["upper", "lower"])
def test_n_queries_at_least_n_is_the_full_pass(bound):
    T, y = _subset_problem()
    for target in (np.arange(len(T)), y):
        full = KDEMI(0.3, bound=bound).fit(T, target)
        assert full.std_error_ == 0.0
        for q in (len(T), len(T) + 5):
            est = KDEMI(0.3, bound=bound, n_queries=q, random_state=0).fit(T, target)
            assert est.mi_ == full.mi_ and est.std_error_ == 0.0
        # the query path itself, with every row a query: the full pass to 1e-12
        codes = np.unique(target, return_inverse=True)[1].reshape(-1)
        mi, se = skmi.kde._kt_mi(KDEMI(), T, codes, 0.3, bound, rows=np.arange(len(T)))
        assert mi == pytest.approx(full.mi_, abs=1e-12)
        assert se == 0.0   # finite-population correction: all rows queried


def test_n_queries_is_unbiased_with_honest_errors():
    """Over many seeds the subset estimates centre on the full pass, each within 4
    standard errors, about 95% within 2."""
    T, y = _subset_problem()
    for target in (np.arange(len(T)), y):
        full = KDEMI(0.3).fit(T, target).mi_
        est = [KDEMI(0.3, n_queries=60, random_state=s).fit(T, target)
               for s in range(300)]
        mi = np.array([e.mi_ for e in est])
        se = np.array([e.std_error_ for e in est])
        z = (mi - full) / se
        assert np.all(np.abs(z) < 4)
        assert 0.9 <= np.mean(np.abs(z) < 2) <= 0.99
        assert abs(mi.mean() - full) < 4 * mi.std() / np.sqrt(mi.size)
        # the reported error matches the spread of the estimates
        assert se.mean() == pytest.approx(mi.std(), rel=0.2)
        # and the subset estimate is the float64 mean over the queried rows
        rows = skmi.kde._query_rows(len(T), 60, 7)
        assert est[7].mi_ == pytest.approx(_reference_mi(T, target, 0.3, "upper", rows),
                                           abs=1e-9)


def test_std_error_shrinks_like_root_n_queries():
    T, _ = _subset_problem(n=3200)
    y = np.arange(len(T))
    ratios = {}
    for q in (50, 200, 800):
        se = np.mean([KDEMI(0.3, n_queries=q, random_state=s).fit(T, y).std_error_
                      for s in range(5)])
        ratios[q] = se * np.sqrt(q) / np.sqrt(1 - q / len(T))
    assert ratios[200] == pytest.approx(ratios[50], rel=0.3)
    assert ratios[800] == pytest.approx(ratios[50], rel=0.3)


def test_n_queries_reproducible():
    T, y = _subset_problem()
    a = KDEMI(0.3, n_queries=50, random_state=3).fit(T, y)
    b = KDEMI(0.3, n_queries=50, random_state=3).fit(T, y)
    c = KDEMI(0.3, n_queries=50, random_state=4).fit(T, y)
    assert (a.mi_, a.std_error_) == (b.mi_, b.std_error_)
    assert a.mi_ != c.mi_
    assert a.score(T, y) == a.mi_   # score draws the same queries
    assert a.n_queries == 50 and a.random_state == 3   # stored untouched
    s1 = SamplePropagationMI(0.3, n_draws=3, n_queries=40, random_state=3).fit(T, y)
    s2 = SamplePropagationMI(0.3, n_draws=3, n_queries=40, random_state=3).fit(T, y)
    assert (s1.mi_, s1.std_error_) == (s2.mi_, s2.std_error_)


def test_n_queries_saturation_uses_the_queries():
    T, y = _subset_problem()
    with pytest.warns(skmi.SaturationWarning, match="far below"):
        est = KDEMI(1e-6, n_queries=30, random_state=0).fit(T, np.arange(len(T)))
    assert est.saturated_ and est.mi_ == pytest.approx(np.log(len(T)))
    with pytest.warns(skmi.SaturationWarning, match="swamps"):
        assert KDEMI(1e6, n_queries=30, random_state=0).fit(T, y).saturated_
    # the queried rows far apart, the others in a tight cloud: the check looks at the
    # queried rows only
    rng = np.random.default_rng(0)
    layer = rng.standard_normal((400, 2))
    rows = skmi.kde._query_rows(400, 10, 1)
    layer[rows] = rng.standard_normal((10, 2)) * 1000
    with pytest.warns(skmi.SaturationWarning, match="far below"):
        assert KDEMI(0.5, n_queries=10, random_state=1).fit(layer, np.arange(400)).saturated_
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        assert not KDEMI(0.5).fit(layer, np.arange(400)).saturated_


def test_n_queries_validated():
    T, y = _subset_problem()
    for bad in (1, 0, 2.5, "all"):
        with pytest.raises(ValueError, match="n_queries"):
            KDEMI(n_queries=bad).fit(T, y)
        with pytest.raises(ValueError, match="n_queries"):
            SamplePropagationMI(n_queries=bad).fit(T, y)
    with pytest.raises(ValueError, match="random_state"):
        KDEMI(random_state="x").fit(T, y)


def test_sample_propagation_n_queries():
    T, y = _subset_problem(n=200)
    for target in (np.arange(200), y):
        full = SamplePropagationMI(0.3, n_draws=2, random_state=0).fit(T, target)
        same = SamplePropagationMI(0.3, n_draws=2, random_state=0, n_queries=200).fit(
            T, target)
        assert (same.mi_, same.std_error_) == (full.mi_, full.std_error_)
        # the quantity itself, to Monte-Carlo error 0.003
        exact = SamplePropagationMI(0.3, n_draws=400, random_state=1).fit(T, target)
        est = [SamplePropagationMI(0.3, n_draws=2, n_queries=40, random_state=s)
               .fit(T, target) for s in range(100)]
        mi = np.array([e.mi_ for e in est])
        se = np.array([e.std_error_ for e in est])
        z = (mi - exact.mi_) / np.sqrt(se**2 + exact.std_error_**2)
        assert np.all(np.abs(z) < 4)
        assert 0.88 <= np.mean(np.abs(z) < 2) <= 1.0
        assert se.mean() == pytest.approx(mi.std(), rel=0.3)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("make", [
    lambda X, y: (np.where(X > 1.5, np.nan, X), y),
    lambda X, y: (np.where(X > 1.5, np.inf, X), y),
    lambda X, y: (X, y[:-1]),
    lambda X, y: (X[:, :, None], y),
    lambda X, y: (X[:0], y[:0]),
])
@pytest.mark.parametrize("est", [KDEMI(), SamplePropagationMI(random_state=0)])
def test_bad_input(make, est):
    rng = np.random.default_rng(4)
    X, y = make(rng.standard_normal((50, 2)), rng.integers(0, 2, 50))
    with pytest.raises(ValueError):
        est.fit(X, y)


def test_inputs_not_modified():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((100, 3))
    y = rng.integers(0, 3, 100)
    X0, y0 = X.copy(), y.copy()
    X.setflags(write=False)
    KDEMI().fit(X, y)
    SamplePropagationMI(random_state=0).fit(X, y)
    MixtureEntropy(random_state=0).fit(X)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(
    [KDEMI(), KDEMI(bound="lower"), KDEMI(relative_noise=True),
     KDEMI(n_queries=10, random_state=0),
     SamplePropagationMI(n_draws=2, random_state=0),
     SamplePropagationMI(n_draws=2, n_queries=10, random_state=0),
     SamplePropagationMI(n_draws=2, random_state=0, relative_noise=True),
     MixtureEntropy(n_draws=2, random_state=0), MixtureEntropy(method="upper")],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
