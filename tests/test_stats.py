"""Permutation tests and confidence intervals (skmi.stats)."""

import numpy as np
import pytest
from scipy import stats as sps

from skmi import KSG, GaussianMI
from skmi.metrics import to_bits
from skmi.stats import MIResult, confidence_interval, permutation_test


def _gauss(n, rho, seed):
    rng = np.random.default_rng(seed)
    xy = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    return xy[:, :1], xy[:, 1]


def test_permutation_p_values_are_uniform_under_independence():
    # 150 independent draws, 39 permutations each: p takes values k/40 and, under
    # independence, P(p <= k/40) = k/40 exactly. The KS distance to U(0, 1) is then at
    # most the discreteness 1/40 plus sampling error; 1.63/sqrt(150) is the 1% critical
    # value of the KS statistic, so this fails by chance about 1 time in 100 or less.
    n_draws, n_perm = 150, 39
    p = np.empty(n_draws)
    for i in range(n_draws):
        rng = np.random.default_rng(1000 + i)
        x = rng.standard_normal((60, 1))
        y = rng.standard_normal(60)
        p[i] = permutation_test(KSG(), x, y, n_permutations=n_perm, random_state=i).p_value
    assert set(np.round(p * (n_perm + 1)).astype(int)) <= set(range(1, n_perm + 2))
    d = sps.kstest(p, "uniform").statistic
    assert d < 1.63 / np.sqrt(n_draws) + 1.0 / (n_perm + 1)
    # and not the degenerate "always 1" or "always small" of a broken test
    assert 0.3 < p.mean() < 0.7


def test_permutation_p_value_is_tiny_under_strong_dependence():
    x, y = _gauss(300, 0.8, 0)  # I = 0.51 nats; null sd ~ 0.03 at n = 300
    res = permutation_test("ksg", x, y, n_permutations=99, random_state=0)
    assert res.p_value == pytest.approx(1 / 100)
    assert res.method == "permutation" and res.unit == "nats" and res.n_samples == 300
    assert res.null_distribution.shape == (99,)
    assert res.null_distribution.max() < res.estimate
    assert abs(res.null_distribution.mean()) < 0.05  # KSG under independence: ~0


def test_p_value_formula_and_estimate_match_a_plain_fit():
    x, y = _gauss(200, 0.1, 1)
    res = permutation_test(KSG(random_state=3), x, y, n_permutations=50, random_state=0)
    expected = (1 + np.sum(res.null_distribution >= res.estimate)) / 51
    assert res.p_value == pytest.approx(expected)
    assert res.estimate == KSG(random_state=3).fit(x, y).mi_


def test_permutation_reproducible_and_independent_of_n_jobs():
    x, y = _gauss(200, 0.3, 2)
    a = permutation_test("ksg", x, y, n_permutations=20, random_state=7)
    b = permutation_test("ksg", x, y, n_permutations=20, random_state=7, n_jobs=2)
    c = permutation_test("ksg", x, y, n_permutations=20, random_state=8)
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    assert a.p_value == b.p_value
    assert not np.array_equal(a.null_distribution, c.null_distribution)


def test_inputs_are_not_modified_and_units():
    x, y = _gauss(150, 0.5, 3)
    x0, y0 = x.copy(), y.copy()
    nats = permutation_test("gaussian", x, y, n_permutations=10, random_state=0)
    bits = permutation_test("gaussian", x, y, n_permutations=10, random_state=0, unit="bits")
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    assert bits.unit == "bits"
    assert bits.estimate == pytest.approx(to_bits(nats.estimate))
    np.testing.assert_allclose(bits.null_distribution, to_bits(nats.null_distribution))
    assert nats.to_bits().estimate == pytest.approx(bits.estimate)
    assert bits.to_bits() is bits


def test_subsampling_interval_for_ksg_has_the_width_of_its_sampling_error():
    # KSG-1, n = 2000, rho = 0.6: sd 0.019 nats over 30 seeds
    # (benchmarks/results/knn_error_profile.md), so a 95% interval is 2 * 1.96 * 0.019
    # = 0.075 wide. 200 half-samples estimate that sd to about 5% (and the profile's sd
    # to 13%): a factor 1.5 either way is far outside both errors.
    x, y = _gauss(2000, 0.6, 4)
    res = confidence_interval(KSG(), x, y, n_resamples=200, random_state=0)
    assert res.method == "subsampling"
    low, high = res.confidence_interval
    assert low < res.estimate < high
    assert 0.075 / 1.5 < high - low < 0.075 * 1.5
    truth = -0.5 * np.log(1 - 0.36)
    assert low < truth < high  # the estimate is 0.2 sd from the truth on this seed
    assert res.distribution.shape == (200,)


def test_the_bootstrap_breaks_ksg_which_is_why_subsampling_is_used():
    x = np.random.default_rng(5).standard_normal((500, 1))
    y = np.random.default_rng(6).standard_normal(500)
    boot = confidence_interval(KSG(), x, y, method="bootstrap", n_resamples=20,
                               random_state=0)
    sub = confidence_interval(KSG(), x, y, n_resamples=20, random_state=0)
    # repeated rows: bootstrap replicates sit near 0.75 nats, the truth is 0
    assert boot.distribution.min() > 0.3
    assert abs(sub.distribution.mean()) < 0.1


def test_bootstrap_interval_for_gaussian_mi():
    # GaussianMI at n = 1000: asymptotic sd of the estimate = rho / sqrt(n) = 0.019 nats
    # (delta method on -1/2 log(1 - r^2)), so a 95% interval is 0.074 wide; 300
    # bootstrap replicates estimate it to ~5%: allow a factor 1.5.
    x, y = _gauss(1000, 0.6, 7)
    res = confidence_interval(GaussianMI(), x, y, n_resamples=300, random_state=0)
    assert res.method == "bootstrap"
    low, high = res.confidence_interval
    truth = -0.5 * np.log(1 - 0.36)
    assert low < truth < high
    assert 0.074 / 1.5 < high - low < 0.074 * 1.5
    assert res.confidence_level == 0.95


def test_subsample_size_options():
    x, y = _gauss(400, 0.6, 8)
    a = confidence_interval("ksg", x, y, n_resamples=10, subsample_size=0.25,
                            random_state=0)
    b = confidence_interval("ksg", x, y, n_resamples=10, subsample_size=100,
                            random_state=0)
    np.testing.assert_allclose(a.distribution, b.distribution)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_resamples": 1}, "n_resamples"),
        ({"confidence_level": 1.5}, "confidence_level"),
        ({"method": "jackknife"}, "method"),
        ({"subsample_size": 1.5}, "subsample_size"),
        ({"subsample_size": 400}, "subsample_size"),
    ],
)
def test_confidence_interval_rejects_bad_arguments(kwargs, match):
    x, y = _gauss(400, 0.6, 9)
    with pytest.raises(ValueError, match=match):
        confidence_interval("ksg", x, y, **kwargs)


def test_bad_inputs():
    x, y = _gauss(100, 0.6, 10)
    with pytest.raises(ValueError, match="n_permutations"):
        permutation_test("ksg", x, y, n_permutations=0)
    with pytest.raises(ValueError, match="different numbers of samples"):
        permutation_test("ksg", x, y[:50])
    with pytest.raises(ValueError, match="unit"):
        permutation_test("ksg", x, y, unit="hartleys")
    with pytest.raises(ValueError, match="Unknown estimator"):
        permutation_test("nope", x, y)
    bad = x.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        permutation_test("ksg", bad, y, n_permutations=5)


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    x, y = _gauss(100, 0.6, 11)
    res = permutation_test("gaussian", x, y, n_permutations=5, random_state=0,
                           progress=True)
    assert isinstance(res, MIResult)
    assert "permutations" in capsys.readouterr().err
