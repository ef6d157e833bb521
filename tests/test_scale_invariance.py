"""No silent wrong answers at any scale (issue 16, the scale family).

Mutual information is invariant under an affine map of any column, so every MI estimate
must be unchanged when a column is multiplied by anything from 1e-310 (subnormal) to
values near the largest float, or shifted by up to 1e12 times its spread; differential
entropy moves by exactly ``d log a`` under ``X -> a X``.

Tolerances:

- Multiplying by a power of two is exact, and every estimator first divides by a power
  of two (KLEntropy, GaussianMI, the k-NN preprocessing): bit-identical results.
- Any other factor rounds each value by ~1e-16 relative (1e-310, subnormal: ~5e-324
  absolute, 5e-14 of the spread). A k-NN estimate is a function of neighbour counts,
  which move only if a distance lies within that much of a threshold: with n = 1000
  the chance is ~1e-8 per fit, and otherwise the digamma sums are the same to
  rounding, so 1e-9 nats. The Gaussian estimates are smooth in the data (1e-13 seen),
  KLEntropy smooth in the distances (h(aX) - h(X) - d log a: 5e-13 seen, from the
  rounding of d log a ~ 2800 itself): 1e-9 as well.
- An offset c rounds the data to a grid of ulp(c) / spread (2e-6 at 1e10, 1.2e-4 at
  1e12): genuinely different data, whose neighbour ranks differ in near-ties. Over 10
  seeds at n = 1000 (1-D and 4-D) the estimate moved by at most 3.3e-4 nats (KSG, CMI),
  4.7e-3 / 6.1e-3 (MixedKSG, whose rounded values tie and count as atoms), 1.6e-3
  (KLEntropy: log r moves by ~ulp / r), 2.3e-6 (GaussianMI), 2.2e-5 (GaussianCopulaMI,
  ranks of rounded ties). The tolerances are a few times those and below a fifth of the
  estimators' standard deviation at n = 1000 (~0.025 nats), while the failures this
  file guards against were 0.1 to 0.35 nats off (KSG on x + 1e10: 0.14 for 0.22).
"""

import warnings

import numpy as np
import pytest

from skmi import (
    KDEMI,
    KSG,
    GaussianCopulaMI,
    GaussianMI,
    KLEntropy,
    MixedKSG,
    MixtureEntropy,
    SamplePropagationMI,
)
from skmi.metrics import conditional_mutual_info

N = 1000
RHO = 0.6
MAX = np.finfo(np.float64).max
#: The scales of the issue; "max" puts the largest magnitude at 0.95 * the largest float.
SCALES = [1e-310, 1e-300, 1e-200, 1e-15, 1e15, 1e160, 1e300, "max"]
POWERS_OF_TWO = [2.0**-1000, 2.0**1000]
OFFSETS = [1e10, 1e12]
EXACT = 1e-9
OFFSET_TOL = {"ksg": 2e-3, "cmi": 2e-3, "mixed": 0.015, "kl": 5e-3, "gaussian": 1e-5,
              "copula": 1e-4}


def _scaled(a, scale):
    a = np.asarray(a, dtype=np.float64)
    if scale == "max":
        scale = 0.95 * MAX / np.max(np.abs(a))
    out = a * scale
    assert np.all(np.isfinite(out))
    assert np.any(out != 0)
    return out


def _offset(a, offset):
    """``a`` shifted by ``offset`` times each column's spread."""
    return a + offset * np.std(a, axis=0)


def _gaussian_pair(d, seed=0):
    """``d``-dimensional x and y, each pair of columns correlated at RHO (truth
    ``-d/2 log(1 - RHO^2)``: 0.223 nats per column)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, d))
    y = RHO * x + np.sqrt(1 - RHO**2) * rng.standard_normal((N, d))
    return x, y


# ----------------------------------------------------------------------------- KSG
def _ksg(x, y, algorithm):
    return KSG(k=3, algorithm=algorithm, random_state=0).fit(x, y).mi_


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
@pytest.mark.parametrize("d", [1, 4])
@pytest.mark.parametrize("scale", SCALES)
def test_ksg_scale_invariant(scale, d, algorithm):
    # before: 0 (-2.7e-15) instead of 0.22 at 1e-310, 1e-300, 1e-200, 1e-15, 1e160, 1e300
    x, y = _gaussian_pair(d)
    base = _ksg(x, y, algorithm)
    assert base > 0.1 * d
    assert abs(_ksg(_scaled(x, scale), y, algorithm) - base) <= EXACT
    assert abs(_ksg(x, _scaled(y, scale), algorithm) - base) <= EXACT


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
@pytest.mark.parametrize("d", [1, 4])
@pytest.mark.parametrize("factor", POWERS_OF_TWO)
def test_ksg_power_of_two_bit_identical(factor, d, algorithm):
    x, y = _gaussian_pair(d)
    assert _ksg(x * factor, y * factor, algorithm) == _ksg(x, y, algorithm)


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
def test_ksg_columns_at_different_scales(algorithm):
    # each column of a 4-D side at its own scale: the max-norm sees them standardised
    x, y = _gaussian_pair(4)
    base = _ksg(x, y, algorithm)
    got = _ksg(x * [1e-300, 1e-15, 1e15, 1e300], y * [1e200, 1.0, 1e-310, 1e-20],
               algorithm)
    assert abs(got - base) <= EXACT


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
@pytest.mark.parametrize("d", [1, 4])
@pytest.mark.parametrize("offset", OFFSETS)
def test_ksg_offset_invariant(offset, d, algorithm):
    # before (1-D): 0.144 at 1e10, 0.016 at 1e12 instead of 0.223
    x, y = _gaussian_pair(d)
    base = _ksg(x, y, algorithm)
    assert abs(_ksg(_offset(x, offset), y, algorithm) - base) <= OFFSET_TOL["ksg"]
    assert abs(_ksg(x, _offset(y, offset), algorithm) - base) <= OFFSET_TOL["ksg"]


def test_ksg_ross_path_scale_invariant():
    # continuous X against labels (Ross's estimator) prepares X the same way
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, N)
    x = (labels + rng.standard_normal(N)).reshape(-1, 1)
    base = KSG(random_state=0).fit(x, labels).mi_
    for scale in [1e-300, 1e300]:
        assert abs(KSG(random_state=0).fit(x * scale, labels).mi_ - base) <= EXACT
    got = KSG(random_state=0).fit(_offset(x, 1e12), labels).mi_
    assert abs(got - base) <= OFFSET_TOL["ksg"]


# ------------------------------------------------------------------------ MixedKSG
def _mixed_data(seed=0):
    """Continuous x against a discrete y (4 labels, as floats: atoms of MixedKSG)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, N).astype(np.float64).reshape(-1, 1)
    return labels + rng.standard_normal((N, 1)), labels


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
@pytest.mark.parametrize("scale", SCALES)
def test_mixed_ksg_scale_invariant(scale, algorithm):
    # before: 0.0005 instead of 0.23 at every scale but 1e15
    x, labels = _mixed_data()
    est = MixedKSG(k=3, algorithm=algorithm)
    base = est.fit(x, labels).mi_
    assert base > 0.3
    assert abs(est.fit(_scaled(x, scale), labels).mi_ - base) <= EXACT
    assert abs(est.fit(x, _scaled(labels + 1.0, scale)).mi_ - base) <= EXACT


@pytest.mark.parametrize("offset", OFFSETS)
def test_mixed_ksg_offset_invariant(offset):
    x, labels = _mixed_data()
    est = MixedKSG(k=3)
    base = est.fit(x, labels).mi_
    assert abs(est.fit(_offset(x, offset), labels).mi_ - base) <= OFFSET_TOL["mixed"]
    # integers stay integers under the offset: the same atoms exactly
    assert abs(est.fit(x, labels + 1e12).mi_ - base) <= EXACT


# ----------------------------------------------------------------------------- CMI
def _cmi_data(d, seed=0):
    """x -> z -> y with a direct x -> y link: I(x; y | z) > 0."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, d))
    z = x + rng.standard_normal((N, d))
    y = z + x + rng.standard_normal((N, d))
    return x, y, z


@pytest.mark.parametrize("d", [1, 4])
@pytest.mark.parametrize("scale", SCALES)
def test_cmi_scale_invariant(scale, d):
    # before (1-D): 4.4e-16 instead of 0.25 at every scale but 1e15
    x, y, z = _cmi_data(d)
    base = conditional_mutual_info(x, y, z, random_state=0)
    assert base > 0.05
    got = conditional_mutual_info(_scaled(x, scale), y, _scaled(z, scale), random_state=0)
    assert abs(got - base) <= EXACT


@pytest.mark.parametrize("offset", OFFSETS)
def test_cmi_offset_invariant(offset):
    x, y, z = _cmi_data(1)
    base = conditional_mutual_info(x, y, z, random_state=0)
    got = conditional_mutual_info(x, _offset(y, offset), _offset(z, offset),
                                  random_state=0)
    assert abs(got - base) <= OFFSET_TOL["cmi"]


# ------------------------------------------------------------------------ Gaussian
@pytest.mark.parametrize("cls", [GaussianMI, GaussianCopulaMI])
@pytest.mark.parametrize("d", [1, 4])
@pytest.mark.parametrize("scale", SCALES + POWERS_OF_TWO)
def test_gaussian_scale_invariant(scale, d, cls):
    # before: GaussianMI NaN at 1e160 and 1e300, a "singular covariance" ValueError
    # at 1e-310, 1e-300, 1e-200 (the squares under- or overflow)
    x, y = _gaussian_pair(d)
    base = cls().fit(x, y).mi_
    got = cls().fit(_scaled(x, scale), y).mi_
    if scale in POWERS_OF_TWO:
        assert got == base
    assert abs(got - base) <= EXACT


def test_gaussian_columns_at_different_scales():
    x, y = _gaussian_pair(4)
    base = GaussianMI().fit(x, y).mi_
    got = GaussianMI().fit(x * [1e-310, 1e-150, 1e150, 1e300], y * [1e-200, 1, 1, 1e200])
    assert abs(got.mi_ - base) <= EXACT


@pytest.mark.parametrize("cls, key", [(GaussianMI, "gaussian"),
                                      (GaussianCopulaMI, "copula")])
@pytest.mark.parametrize("offset", OFFSETS)
def test_gaussian_offset_invariant(offset, cls, key):
    x, y = _gaussian_pair(4)
    base = cls().fit(x, y).mi_
    assert abs(cls().fit(_offset(x, offset), y).mi_ - base) <= OFFSET_TOL[key]


# ----------------------------------------------------------------------- KLEntropy
@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("algorithm", ["tree", "brute"])
@pytest.mark.parametrize("d", [1, 4])
@pytest.mark.parametrize("scale", SCALES + POWERS_OF_TWO)
def test_kl_entropy_scale_equivariant(scale, d, algorithm, metric):
    # h(a X) = h(X) + d log a. Before (euclidean): inf at 1e160 and 1e300, a "repeated
    # rows" ValueError at 1e-310, 1e-300, 1e-200 (squared distances under-/overflow)
    x = np.random.default_rng(0).standard_normal((N, d))
    est = KLEntropy(k=3, metric=metric, algorithm=algorithm)
    base = est.fit(x).entropy_
    xs = _scaled(x, scale)
    a = xs[0, 0] / x[0, 0] if scale == "max" else scale
    # the log of the factor in two parts: log(1e-310) loses nothing to a subnormal
    log_a = np.log(a * 2.0**600) - 600 * np.log(2.0) if a < 1e-300 else np.log(a)
    assert abs(est.fit(xs).entropy_ - base - d * log_a) <= EXACT


@pytest.mark.parametrize("metric", ["chebyshev", "euclidean"])
@pytest.mark.parametrize("offset", OFFSETS)
def test_kl_entropy_offset_invariant(offset, metric):
    x = np.random.default_rng(0).standard_normal((N, 2))
    est = KLEntropy(k=3, metric=metric)
    base = est.fit(x).entropy_
    assert abs(est.fit(_offset(x, offset)).entropy_ - base) <= OFFSET_TOL["kl"]


# -------------------------------------------------- MixtureEntropy, sample propagation
def _layer(seed=0, n=200):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    return np.column_stack([labels + 0.5 * rng.standard_normal(n),
                            rng.standard_normal(n)]), labels


@pytest.mark.parametrize("scale", [1.0, 1e8, 1e12, 1e160, 1e300])
@pytest.mark.parametrize("variance", [1e-20, 1e-30])
def test_mixture_entropy_between_its_bounds_at_tiny_noise(scale, variance):
    # A noise far below the activations' rounding (variance 1e-20 on values of 1e8:
    # sd 1e-10 against a grid of 1.5e-8) used to vanish in the draw h_i + z, which
    # then sat on its centre: the estimate came out d/2 = 1 nat below the lower bound
    # (-38.90 against -37.92 at 1e8); at 1e160 the squared norms overflowed (inf).
    x, _ = _layer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the noise is far below the sample spacing
        lo = MixtureEntropy(variance, method="lower").fit(x * scale).entropy_
        hi = MixtureEntropy(variance, method="upper").fit(x * scale).entropy_
        mc = MixtureEntropy(variance, n_draws=20, random_state=0).fit(x * scale)
    assert np.isfinite(mc.entropy_) and 0 < mc.std_error_ < 0.05
    assert lo - 4 * mc.std_error_ <= mc.entropy_ <= hi + 4 * mc.std_error_


@pytest.mark.parametrize("scale", [1e-150, 1e-15, 1e15, 1e150])
def test_mixture_entropy_scale_equivariant(scale):
    # H(a T) = H(T) + d log a, the noise variance scaled by a^2 (the same draws)
    x, _ = _layer()
    for method in ["lower", "sample", "upper"]:
        base = MixtureEntropy(0.1, method=method, random_state=0).fit(x).entropy_
        got = MixtureEntropy(0.1 * scale**2, method=method, random_state=0).fit(x * scale)
        assert abs(got.entropy_ - base - 2 * np.log(scale)) <= 1e-8


@pytest.mark.parametrize("scale", [1.0, 1e8, 1e160, 1e300])
def test_sample_propagation_between_kdemi_bounds_at_tiny_noise(scale):
    # before: NaN at 1e160 and 1e300 (overflowing squared norms)
    x, labels = _layer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sp = SamplePropagationMI(1e-20, n_draws=20, random_state=0).fit(x * scale, labels)
        lo = KDEMI(1e-20, bound="lower").fit(x * scale, labels).mi_
        hi = KDEMI(1e-20, bound="upper").fit(x * scale, labels).mi_
    assert np.isfinite(sp.mi_)
    assert lo - 4 * sp.std_error_ - 1e-9 <= sp.mi_ <= hi + 4 * sp.std_error_ + 1e-9


def test_exact_draw_path_matches_the_kernel_at_ordinary_scales():
    # the fallback for unresolved draws (exponents from the rows' exact differences, in
    # units of the noise) against the fused kernel where the kernel is exact
    from skmi import kde
    from skmi._kernels import kde as kk

    x, labels = _layer(n=150)
    Xs, cls, start, end, counts, _ = kde._by_class(x, labels)
    n_draws, var = 3, 0.05
    z = np.random.default_rng(1).standard_normal((Xs.shape[0] * n_draws, 2))
    q_cls = np.repeat(cls, n_draws)
    Q = np.repeat(Xs, n_draws, axis=0) + np.sqrt(var) * z
    assert not kde._unresolved_draws(Q, np.repeat(Xs, n_draws, axis=0), np.sqrt(var) * z,
                                     z, var, kde._cut(len(Xs))).any()
    want = kk.mixture_log_sums(Q, Xs, 1 / (2 * var), q_cls, start, end, self_terms=False)
    got = kde._exact_log_sums(Xs, z, np.sqrt(var), n_draws, Xs, q_cls, start, end)
    np.testing.assert_allclose(got[0], want[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=0, atol=1e-12)


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
def test_relative_noise_kde_is_scale_invariant(scale):
    # relative noise: the estimate of a layer does not depend on its units, also where
    # its total variance over- or underflows (the noise variance itself is then inf/0)
    from skmi import KDEMI, SamplePropagationMI

    rng = np.random.default_rng(0)
    T = np.tanh(rng.standard_normal((300, 3)) @ rng.standard_normal((3, 8)))
    y = (T[:, 0] > 0).astype(int) + (T[:, 1] > 0.5)
    for est in (KDEMI(0.1, relative_noise=True),
                SamplePropagationMI(0.1, relative_noise=True, n_draws=2, random_state=0)):
        ref = est.fit(T, y).mi_
        assert est.fit(T * scale, y).mi_ == pytest.approx(ref, abs=1e-12)
