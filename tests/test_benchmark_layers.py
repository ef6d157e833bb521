"""The "layers" suite of skmi.benchmark: constructions, exact truths, runner dtypes.

The truths are re-checked by Monte Carlo written independently of skmi's (per-class
densities with scipy, ``log p(y | t)`` at the sampled label instead of the posterior
entropy, the task's own sampler) within 4 combined standard errors; seeds are fixed,
so every check is deterministic.
"""

from __future__ import annotations

import math
import pickle
import time

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate
from scipy.spatial.distance import cdist
from scipy.special import log_ndtr, logsumexp, ndtr
from scipy.stats import norm

import skmi.benchmark
from skmi import KSG
from skmi.benchmark import get_task, get_tasks, task_names
from skmi.benchmark import layers as L

LAYERS = get_tasks("layers")
NAMES = [t.name for t in LAYERS]
FAMILIES = {"layer-relu", "layer-tanh", "layer-leaky", "noisy-layer"}


def _spec(name):
    return next(s for s in L.LAYER_SPECS if s.name == name)


# ------------------------------------------------------------------- the registry
def test_suite_registered():
    assert "layers" in skmi.benchmark.tasks.SUITES
    assert len(NAMES) == len(set(NAMES)) == len(L.LAYER_SPECS) == len(L.LAYER_TRUTHS) == 19
    assert NAMES == [s.name for s in L.LAYER_SPECS] == list(L.LAYER_TRUTHS)
    assert task_names("all")[-len(NAMES):] == NAMES  # after the other suites
    assert get_task("layer-relu-256-sep2") is LAYERS[NAMES.index("layer-relu-256-sep2")]
    assert {t.family for t in LAYERS} == FAMILIES
    # every other suite keeps its float sides
    assert all(t.labels == (False, False) for t in get_tasks("all") if t.name not in NAMES)
    high = 0
    for task in LAYERS:
        spec = _spec(task.name)
        assert (task.dim_x, task.dim_y) == (spec.width, 1)
        assert task.labels == (False, True)
        assert task.discrete == (spec.family == "layer-relu", True)
        mi, se = L.LAYER_TRUTHS[task.name]
        assert task.mutual_information == mi
        assert 0 < mi < math.log(spec.n_classes) and 0 < se < 0.005
        assert f"standard error {se:.4f} nats" in task.description
        assert "\n" not in task.description
        high += spec.family != "noisy-layer" and mi >= 2.0
    assert high >= 2
    relu = [L.LAYER_TRUTHS[s.name][0] for s in L.LAYER_SPECS if s.family == "layer-relu"]
    assert min(relu) < 0.35 and max(relu) > 2.1


def test_widths_and_separations():
    widths = {s.width for s in L.LAYER_SPECS if s.family == "layer-relu"}
    assert widths == {4, 16, 64, 256, 1024}
    for spec in L.LAYER_SPECS:
        means, activation, noise = L.layer_distribution(spec)
        assert means.shape == (spec.n_classes, spec.width)
        if spec.family == "noisy-layer":
            assert (activation, noise) == ("linear", spec.scale)
            assert np.all(np.abs(means) < 1)
            continue
        assert (activation, noise) == (spec.activation, 1.0)
        # the class part s A u_c (A with orthonormal columns) has rank min(d, K - 1)
        # and a spread that does not grow with the width: |A (u_c - u_mean)| = |u_c - u_mean|
        centred = means - means.mean(axis=0)
        sv = np.linalg.svd(centred, compute_uv=False)
        assert np.sum(sv > 1e-9 * sv[0]) == min(spec.width, 9)
        spread = math.sqrt(np.mean(np.sum(centred**2, axis=1))) / spec.scale
        assert 1.0 < spread < 4.0
    # separation 0: every class the same
    assert np.ptp(L.class_means(16, 0.0, seed=3), axis=0).max() == 0


# ------------------------------------------------------------------- sampling
@pytest.mark.parametrize("name", NAMES)
def test_sample_contract(name):
    task = get_task(name)
    spec = _spec(name)
    T, y = task.sample(300, random_state=5)
    assert T.dtype == np.float64 and T.flags.c_contiguous and T.shape == (300, spec.width)
    assert y.dtype == np.int64 and y.flags.c_contiguous and y.shape == (300, 1)
    assert y.min() >= 0 and y.max() < spec.n_classes
    assert np.all(np.isfinite(T))
    T2, y2 = task.sample(300, random_state=5)
    assert_array_equal(T, T2)
    assert_array_equal(y, y2)
    T3, _ = task.sample(300, random_state=6)
    assert not np.array_equal(T, T3)
    T4, y4 = pickle.loads(pickle.dumps(task)).sample(300, random_state=5)
    assert_array_equal(T, T4)
    assert_array_equal(y, y4)
    if spec.family == "layer-relu":
        assert T.min() == 0 and np.any(T == 0)
    elif spec.family == "layer-tanh":
        assert np.abs(T).max() < 1
    else:
        assert len(np.unique(T)) == T.size  # continuous: no atoms


def test_relu_zeros():
    """Exact zeros: the expected fraction (mean of Phi(-mu_cj)) is 35-50%; the observed
    one within 5 standard errors of it (rows are independent); dead units."""
    for spec in L.LAYER_SPECS:
        if spec.family != "layer-relu":
            continue
        means = L.layer_distribution(spec)[0]
        expected = L.zero_fraction(means)
        assert expected == pytest.approx(np.mean(ndtr(-means)), rel=1e-12)
        assert 0.35 < expected < 0.5
        n = max(500, 400_000 // spec.width)
        T, y = get_task(spec.name).sample(n, random_state=2)
        per_row = np.mean(T == 0, axis=1)
        assert abs(per_row.mean() - expected) < 5 * per_row.std() / math.sqrt(n) + 1e-12
        assert f"{expected:.0%} of T exactly 0" in get_task(spec.name).description
        # units that are (almost) always 0: about int(0.1 d) of them (the class signal
        # revives a few)
        dead = ndtr(-means).mean(axis=0) > 0.99
        assert 0.8 * int(0.1 * spec.width) <= dead.sum() <= int(0.1 * spec.width) + 2
        assert np.all(np.mean(T[:, dead] == 0, axis=0) > 0.97)


def test_sampling_is_fast():
    task = get_task("layer-relu-1024-sep1.5")
    task.sample(10, random_state=0)
    best = math.inf
    for seed in range(2):
        start = time.perf_counter()
        T, _ = task.sample(5000, random_state=seed)
        best = min(best, time.perf_counter() - start)
    assert T.shape == (5000, 1024)
    assert best < 1.0


def test_tanh_stays_invertible():
    # |Z| <= max |mu| + 8 sd (probability of more about 1e-15 a draw) stays well below
    # the 19 where tanh rounds to +-1 in float64
    for spec in L.LAYER_SPECS:
        if spec.family == "layer-tanh":
            assert np.abs(L.layer_distribution(spec)[0]).max() + 8 < 15


# ------------------------------------------------------------ independent truths
def _log_posterior_at_label(name, T, y):
    """``log p(y | t)`` with per-class densities written out (no skmi likelihoods)."""
    means, activation, noise = L.layer_distribution(name)
    spec = _spec(name)
    if spec.family == "layer-relu":  # unit densities; the atom at 0 where t_j = 0
        ll = np.column_stack([
            np.where(T > 0, -0.5 * (T - mu) ** 2 - 0.5 * math.log(2 * math.pi),
                     log_ndtr(-mu)).sum(axis=1)
            for mu in means])
    else:
        Z = {"tanh": np.arctanh, "linear": lambda a: a,
             "leaky_relu": lambda a: np.where(a < 0, a / L.LEAK, a)}[activation](T)
        ll = -0.5 * cdist(Z, means, "sqeuclidean") / noise**2
    ll -= logsumexp(ll, axis=1, keepdims=True)
    return ll[np.arange(len(y)), y[:, 0]]


@pytest.mark.parametrize("name", NAMES)
def test_truth_by_independent_monte_carlo(name):
    spec = _spec(name)
    task = get_task(name)
    n = min(20_000, 2_000_000 // spec.width)
    T, y = task.sample(n, random_state=11)
    lp = _log_posterior_at_label(name, T, y)
    estimate = math.log(spec.n_classes) + lp.mean()
    se = lp.std(ddof=1) / math.sqrt(n)
    truth, truth_se = L.LAYER_TRUTHS[name]
    assert abs(estimate - truth) < 4 * math.hypot(se, truth_se)
    assert truth_se < 0.005 and se < 0.03


def test_exact_mi_reproduces_a_truth():
    mi, se = L.exact_mi("noisy-layer-m8-d4", n_samples=50_000, random_state=3)
    truth, truth_se = L.LAYER_TRUTHS["noisy-layer-m8-d4"]
    assert abs(mi - truth) < 4 * math.hypot(se, truth_se)


@pytest.mark.parametrize("activation", ["tanh", "leaky_relu"])
def test_invertible_layers_have_the_gaussian_posterior(activation):
    spec = next(s for s in L.LAYER_SPECS if s.activation == activation)
    means = L.layer_distribution(spec)[0]
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 2000)
    Z = means[y] + rng.standard_normal((2000, spec.width))
    T = L.activate(Z, activation)
    post_t = L.class_log_likelihoods(T, means, activation)
    post_z = L.class_log_likelihoods(Z, means, "linear")
    post_t -= logsumexp(post_t, axis=1, keepdims=True)
    post_z -= logsumexp(post_z, axis=1, keepdims=True)
    assert_allclose(post_t, post_z, atol=1e-8)
    # so the truth is the Gaussian-mixture MI of the same Z, draw for draw
    assert L.monte_carlo_mi(means, activation, 1.0, 5000, 7) == \
        L.monte_carlo_mi(means, "linear", 1.0, 5000, 7)
    for spec in L.LAYER_SPECS:
        if spec.activation == activation and spec.family != "noisy-layer":
            mi, se = L.monte_carlo_mi(L.layer_distribution(spec)[0], "linear", 1.0,
                                      20_000, 5)
            truth, truth_se = L.LAYER_TRUTHS[spec.name]
            assert abs(mi - truth) < 4 * math.hypot(se, truth_se)


def test_relu_loses_information():
    # T = relu(Z) is a function of Z: I(T; Y) <= I(Z; Y), here by far more than the
    # Monte-Carlo error (same draws for both)
    means = L.layer_distribution("layer-relu-64-sep1")[0]
    relu = L.monte_carlo_mi(means, "relu", 1.0, 10_000, 1)
    gauss = L.monte_carlo_mi(means, "linear", 1.0, 10_000, 1)
    assert gauss[0] - relu[0] > 10 * max(relu[1], gauss[1])


# ------------------------------------------------------------------ closed forms
@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_no_separation_gives_zero(activation):
    means = L.class_means(32, 0.0, seed=1)
    mi, se = L.monte_carlo_mi(means, activation, 1.0, 2000, 0)
    assert abs(mi) < 1e-12 and se < 1e-12


def _kl_integrand(t, mu0, mu1):
    """sum_c 1/2 f_c(t) log(f_c(t) / fbar(t)) for unit normals, in log space."""
    lf = np.array([norm.logpdf(t - mu0), norm.logpdf(t - mu1)])
    return 0.5 * np.sum(np.exp(lf) * (lf - logsumexp(lf) + math.log(2)))


def _relu_two_class_mi(mu0, mu1):
    """I(relu(Z); Y), Y uniform on 2 classes, Z | c ~ N(mu_c, 1), by 1-D quadrature:
    the atom at 0 plus the density on (0, inf)."""
    atoms = np.array([ndtr(-mu0), ndtr(-mu1)])
    mi = 0.5 * np.sum(atoms * np.log(atoms / atoms.mean()))
    top = max(mu0, mu1) + 40
    return mi + integrate.quad(_kl_integrand, 0, top, args=(mu0, mu1), epsabs=1e-13,
                               limit=200)[0]


def _gauss_two_class_mi(mu0, mu1):
    lo, hi = min(mu0, mu1) - 40, max(mu0, mu1) + 40
    return integrate.quad(_kl_integrand, lo, hi, args=(mu0, mu1), epsabs=1e-13,
                          limit=200)[0]


@pytest.mark.parametrize("mu", [(-0.3, 1.2), (0.5, -2.0), (1.0, 3.0)])
def test_two_classes_in_one_dimension_match_quadrature(mu):
    means = np.array(mu)[:, None]
    mi, se = L.monte_carlo_mi(means, "relu", 1.0, 100_000, 0, chunk_size=50_000)
    exact = _relu_two_class_mi(*mu)
    assert 0 < exact < math.log(2)
    assert abs(mi - exact) < 4 * se and se < 0.002
    mi, se = L.monte_carlo_mi(means, "linear", 1.0, 100_000, 1, chunk_size=50_000)
    exact_z = _gauss_two_class_mi(*mu)
    assert abs(mi - exact_z) < 4 * se
    assert exact < exact_z  # the zeros lose information


def test_noise_scale_is_handled():
    # T = h + s e against h / s + e: the same posterior, draw for draw
    _, codes = L.noisy_layer(16, 6, seed=2)
    for activation in ("linear", "relu"):
        means = codes if activation == "linear" else codes + 0.2
        a = L.monte_carlo_mi(means, activation, 0.4, 4000, 9)
        b = L.monte_carlo_mi(means / 0.4, activation, 1.0, 4000, 9)
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


def test_class_log_likelihoods_relu_one_unit():
    mu = np.array([[-1.0, 0.5], [2.0, 0.0], [0.3, -0.7]])
    T = np.array([[0.0, 1.5], [2.5, 0.0], [0.0, 0.0]])
    ll = L.class_log_likelihoods(T, mu, "relu", noise=0.8)
    direct = np.array([[np.sum(np.where(t > 0, norm.logpdf(t, m, 0.8), norm.logcdf(-m / 0.8)))
                        for m in mu] for t in T])
    assert_allclose(ll - ll[:, :1], direct - direct[:, :1], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=">= 0"):
        L.class_log_likelihoods(-T - 1, mu, "relu")
    with pytest.raises(ValueError, match=r"\(-1, 1\)"):
        L.class_log_likelihoods(np.ones((1, 2)), mu, "tanh")
    with pytest.raises(ValueError, match="activation"):
        L.class_log_likelihoods(T, mu, "gelu")


def test_noisy_layer_inputs():
    inputs, codes = L.noisy_layer(256, 8, seed=4)
    assert set(np.unique(inputs)) == {0.0, 1.0}
    assert len(np.unique(inputs, axis=0)) == 256
    assert_array_equal(L.layer_distribution("noisy-layer-m256-d8")[0],
                       L.noisy_layer(256, 8, _spec("noisy-layer-m256-d8").seed)[1])
    with pytest.raises(ValueError, match="n_inputs"):
        L.noisy_layer(5000, 4, seed=0)


# ------------------------------------------------------------------- Task / runner
def test_labels_side_must_be_integer_valued():
    from skmi.benchmark import Task

    def sampler(n, rng, value=1.0):
        return np.zeros((n, 2)), np.full(n, value)

    task = Task(name="t", family="f", dim_x=2, dim_y=1, mutual_information=0.0,
                description="d", sampler=sampler, labels=(False, True))
    X, Y = task.sample(4)
    assert X.dtype == np.float64 and Y.dtype == np.int64 and Y.tolist() == [[1]] * 4
    from functools import partial

    bad = Task(name="t", family="f", dim_x=2, dim_y=1, mutual_information=0.0,
               description="d", sampler=partial(sampler, value=0.5), labels=(False, True))
    with pytest.raises(RuntimeError, match="integers"):
        bad.sample(4)


class _DtypeProbe:
    """Records what the runner hands to fit: 1.0 when X is float64 and y 1-D int64."""

    def fit(self, X, y):
        self.mi_ = float(X.dtype == np.float64 and y.dtype == np.int64 and y.ndim == 1)
        return self


def test_runner_passes_integer_labels():
    rows = skmi.benchmark.run({"ksg": "ksg", "probe": _DtypeProbe()},
                              tasks=["layer-relu-16-sep1"], n_samples=500, seeds=1)
    rows = rows if isinstance(rows, list) else rows.to_dict("records")
    by = {r["estimator"]: r for r in rows}
    assert by["probe"]["estimate"] == 1.0
    assert by["ksg"]["error"] is None and math.isfinite(by["ksg"]["estimate"])
    assert by["ksg"]["truth"] == L.LAYER_TRUTHS["layer-relu-16-sep1"][0]
    T, y = get_task("layer-relu-16-sep1").sample(500, random_state=0)
    assert KSG().fit(T, y[:, 0]).method_ == "ross"
