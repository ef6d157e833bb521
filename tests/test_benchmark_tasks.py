"""Ground-truth samplers of skmi.benchmark: definitions, exact values, contract.

Tolerances on random quantities are a fixed number of standard errors of the quantity
(derived where used); seeds are fixed, so every check is deterministic, and the number of
standard errors is chosen so that a correct sampler would fail with probability well
below 1e-3 over the whole file.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import integrate, stats
from scipy.special import gammaln, ndtr, ndtri

import skmi
from skmi.benchmark import Task, get_task, get_tasks, task_names
from skmi.benchmark import transforms as tr
from skmi.benchmark.tasks import gao_poisson_mi

# ---------------------------------------------------------------------------------
# The main benchmark as defined by the reference code of Czyż et al. (2023):
# (our name, bmi's task name, dim_x, dim_y, bmi's mutual_information()).
# Values printed by `benchmark-mi` 0.1.3 (`bmi.benchmark.BENCHMARK_TASKS`, jax 0.4.30),
# in its order.
BMI_MAIN = [
    ("normal-1x1", "Bivariate normal 1 × 1", 1, 1, 0.41333928659223396),
    ("normalcdf-normal-1x1", "Normal CDF @ Bivariate normal 1 × 1", 1, 1,
     0.41333928659223396),
    ("additive-uniform-1x1-eps0.1", "Uniform 1 × 1 (additive noise=0.1)", 1, 1,
     1.7094379663467407),
    ("additive-uniform-1x1-eps0.75", "Uniform 1 × 1 (additive noise=0.75)", 1, 1,
     0.3333333333333333),
    ("bimodal-1x1", "Bimodal 1 × 1", 1, 1, 0.41333928659223396),
    ("wiggly-normal-1x1", "Wiggly @ Bivariate normal 1 × 1", 1, 1, 0.41333928659223396),
    ("halfcube-normal-1x1", "Half-cube @ Bivariate normal 1 × 1", 1, 1,
     0.41333928659223396),
    ("student-1x1-dof1", "Student-t 1 × 1 (dof=1)", 1, 1, 0.22417142752923613),
    ("asinh-student-1x1-dof1", "Asinh @ Student-t 1 × 1 (dof=1)", 1, 1,
     0.22417142752923613),
    ("swissroll-2x1", "Swiss roll 2 × 1", 2, 1, 0.41333928659223396),
    ("normal-2x2-dense", "Multinormal 2 × 2 (dense)", 2, 2, 0.2938933324510593),
    ("normal-3x3-dense", "Multinormal 3 × 3 (dense)", 3, 3, 0.41333928659223407),
    ("normal-5x5-dense", "Multinormal 5 × 5 (dense)", 5, 5, 0.5928118328288701),
    ("normal-25x25-dense", "Multinormal 25 × 25 (dense)", 25, 25, 1.2921837216593275),
    ("normal-50x50-dense", "Multinormal 50 × 50 (dense)", 50, 50, 1.6242653743036897),
    ("normal-2x2-2pair", "Multinormal 2 × 2 (2-pair)", 2, 2, 1.0216512475319819),
    ("normal-3x3-2pair", "Multinormal 3 × 3 (2-pair)", 3, 3, 1.0216512475319819),
    ("normal-5x5-2pair", "Multinormal 5 × 5 (2-pair)", 5, 5, 1.021651247531981),
    ("normal-25x25-2pair", "Multinormal 25 × 25 (2-pair)", 25, 25, 1.0216512475319774),
    ("student-2x2-dof1", "Student-t 2 × 2 (dof=1)", 2, 2, 0.43194562200144127),
    ("student-2x2-dof2", "Student-t 2 × 2 (dof=2)", 2, 2, 0.1931471805599454),
    ("student-3x3-dof2", "Student-t 3 × 3 (dof=2)", 3, 3, 0.29092192268276484),
    ("student-3x3-dof3", "Student-t 3 × 3 (dof=3)", 3, 3, 0.17871185309236282),
    ("student-5x5-dof2", "Student-t 5 × 5 (dof=2)", 5, 5, 0.44815067691532917),
    ("student-5x5-dof3", "Student-t 5 × 5 (dof=3)", 5, 5, 0.29854362265275824),
    ("normalcdf-normal-3x3-2pair", "Normal CDF @ Multinormal 3 × 3 (2-pair)", 3, 3,
     1.0216512475319819),
    ("normalcdf-normal-5x5-2pair", "Normal CDF @ Multinormal 5 × 5 (2-pair)", 5, 5,
     1.021651247531981),
    ("normalcdf-normal-25x25-2pair", "Normal CDF @ Multinormal 25 × 25 (2-pair)", 25, 25,
     1.0216512475319774),
    ("halfcube-normal-3x3-2pair", "Half-cube @ Multinormal 3 × 3 (2-pair)", 3, 3,
     1.0216512475319819),
    ("halfcube-normal-5x5-2pair", "Half-cube @ Multinormal 5 × 5 (2-pair)", 5, 5,
     1.021651247531981),
    ("halfcube-normal-25x25-2pair", "Half-cube @ Multinormal 25 × 25 (2-pair)", 25, 25,
     1.0216512475319774),
    ("spiral-normal-3x3-2pair", "Spiral @ Multinormal 3 × 3 (2-pair)", 3, 3,
     1.0216512475319819),
    ("spiral-normal-5x5-2pair", "Spiral @ Multinormal 5 × 5 (2-pair)", 5, 5,
     1.021651247531981),
    ("spiral-normal-25x25-2pair", "Spiral @ Multinormal 25 × 25 (2-pair)", 25, 25,
     1.0216512475319774),
    ("spiral-normalcdf-normal-3x3-2pair", "Spiral @ Normal CDF @ Multinormal 3 × 3 (2-pair)",
     3, 3, 1.0216512475319819),
    ("spiral-normalcdf-normal-5x5-2pair", "Spiral @ Normal CDF @ Multinormal 5 × 5 (2-pair)",
     5, 5, 1.021651247531981),
    ("spiral-normalcdf-normal-25x25-2pair",
     "Spiral @ Normal CDF @ Multinormal 25 × 25 (2-pair)", 25, 25, 1.0216512475319774),
    ("asinh-student-2x2-dof1", "Asinh @ Student-t 2 × 2 (dof=1)", 2, 2, 0.43194562200144127),
    ("asinh-student-3x3-dof2", "Asinh @ Student-t 3 × 3 (dof=2)", 3, 3, 0.29092192268276484),
    ("asinh-student-5x5-dof2", "Asinh @ Student-t 5 × 5 (dof=2)", 5, 5, 0.44815067691532917),
]

ALL = task_names("all")


def _z_max(n_tests: int, p_fail: float = 1e-4) -> float:
    """Two-sided normal quantile with a Bonferroni correction over ``n_tests`` checks."""
    return float(-ndtri(p_fail / (2 * n_tests)))


# ------------------------------------------------------------------- the registry
def test_suites_sizes_and_unique_names():
    sizes = {s: len(get_tasks(s))
             for s in ("main", "gao", "staircase", "high_mi", "layers", "all")}
    assert sizes == {"main": 40, "gao": 3, "staircase": 5, "high_mi": 6, "layers": 19,
                     "all": 73}
    assert len(set(ALL)) == len(ALL)
    assert task_names() == task_names("main") == [row[0] for row in BMI_MAIN]
    families = {"normal", "student", "additive-uniform", "transformed", "mixture",
                "staircase", "high-mi", "layer-relu", "layer-tanh", "layer-leaky",
                "noisy-layer"}
    for task in get_tasks("all"):
        assert isinstance(task, Task)
        assert task.family in families
        assert math.isfinite(task.mutual_information) and task.mutual_information > 0
        assert task.dim_x >= 1 and task.dim_y >= 1
        assert task.description and "\n" not in task.description
        assert len(task.discrete) == 2 and all(isinstance(b, bool) for b in task.discrete)
        assert len(task.labels) == 2 and all(isinstance(b, bool) for b in task.labels)
    assert get_tasks() is not get_tasks()  # a new list each call


@pytest.mark.parametrize("row", BMI_MAIN, ids=[r[0] for r in BMI_MAIN])
def test_main_tasks_match_bmi(row):
    name, paper, dim_x, dim_y, mi = row
    task = get_task(name)
    assert (task.dim_x, task.dim_y) == (dim_x, dim_y)
    assert task.description.startswith(paper + ":")
    # bmi's values come from float64 log-determinants and gamma functions: agreement to
    # rounding error, not just to printed digits; except eps = 0.1, which bmi evaluates
    # with jax's default float32 log (relative rounding 6e-8)
    rel = 1e-7 if name == "additive-uniform-1x1-eps0.1" else 1e-12
    assert task.mutual_information == pytest.approx(mi, rel=rel, abs=1e-13)


def test_lookup_errors():
    with pytest.raises(ValueError, match="main, gao, staircase, high_mi, layers, all"):
        get_tasks("mian")
    with pytest.raises(ValueError, match="Unknown suite"):
        task_names("everything")
    with pytest.raises(ValueError, match="normal-5x5-dense"):
        get_task("normal-5x5-dens")
    with pytest.raises(ValueError, match="Unknown task"):
        get_task("zzz")
    assert get_task("gao-mixture") in get_tasks("gao")


def test_task_validation():
    good = dict(name="t", family="normal", dim_x=1, dim_y=1, mutual_information=0.1,
                description="d", sampler=lambda n, rng: (np.zeros(n), np.zeros(n)))
    Task(**good)
    with pytest.raises(ValueError, match="dim_x"):
        Task(**{**good, "dim_x": 0})
    with pytest.raises(ValueError, match="mutual_information"):
        Task(**{**good, "mutual_information": float("inf")})
    with pytest.raises(TypeError, match="sampler"):
        Task(**{**good, "sampler": None})
    with pytest.raises(RuntimeError, match="shapes"):
        Task(**{**good, "dim_y": 2}).sample(3)


# ------------------------------------------------------------------- the contract
@pytest.mark.parametrize("name", ALL)
def test_sample_contract(name):
    task = get_task(name)
    X, Y = task.sample(50, random_state=3)
    assert X.shape == (50, task.dim_x) and Y.shape == (50, task.dim_y)
    for A, is_label in zip((X, Y), task.labels):  # a labels side is int64
        assert A.dtype == (np.int64 if is_label else np.float64)
        assert A.flags.c_contiguous and A.flags.writeable
        assert np.all(np.isfinite(A))
    assert not np.shares_memory(X, Y)
    X2, Y2 = task.sample(50, random_state=3)
    assert_array_equal(X, X2)
    assert_array_equal(Y, Y2)
    assert not np.shares_memory(X, X2)
    X3, _ = task.sample(50, random_state=4)
    assert not np.array_equal(X, X3)
    # a Generator is used as is; the same seed through default_rng gives the same draw
    X4, _ = task.sample(50, random_state=np.random.default_rng(3))
    assert_array_equal(X, X4)
    X5, _ = task.sample(50, random_state=np.random.RandomState(0))
    X6, _ = task.sample(50, random_state=np.random.RandomState(0))
    assert_array_equal(X5, X6)
    assert task.sample(1)[0].shape == (1, task.dim_x)
    for flag, A in zip(task.discrete, (X, Y)):
        if flag:  # discrete values come as integer-valued floats
            assert np.any(A == np.round(A))
    assert pickle.loads(pickle.dumps(task)).sample(5, 1)[1].shape == (5, task.dim_y)


def test_sample_argument_errors():
    task = get_task("normal-1x1")
    for bad in (0, -3, 2.5, True, "10"):
        with pytest.raises(ValueError, match="n_samples"):
            task.sample(bad)
    with pytest.raises(TypeError, match="random_state"):
        task.sample(10, random_state="seed")


# --------------------------------------------------------- the normal distributions
def _expected_covariance(name: str) -> np.ndarray:
    """The paper's covariance, written out from its definition."""
    if name == "normal-1x1":
        return np.array([[1.0, 0.75], [0.75, 1.0]])
    d = int(name.split("-")[1].split("x")[0])
    if name.endswith("dense"):
        return 0.5 * np.eye(2 * d) + 0.5
    S = np.eye(2 * d)
    S[0, d] = S[d, 0] = S[1, d + 1] = S[d + 1, 1] = 0.8
    return S


NORMAL = [t.name for t in get_tasks("main") if t.family == "normal"]


@pytest.mark.parametrize("name", NORMAL)
def test_normal_covariance(name):
    n = 20_000
    X, Y = get_task(name).sample(n, random_state=11)
    S = _expected_covariance(name)
    Z = np.hstack([X, Y])
    C = Z.T @ Z / n  # known zero mean
    # var of (1/n) sum z_i z_j for a zero-mean Gaussian: (S_ii S_jj + S_ij^2) / n
    sd = np.sqrt((np.outer(np.diag(S), np.diag(S)) + S**2) / n)
    iu = np.triu_indices_from(S)
    assert np.max(np.abs(C - S)[iu] / sd[iu]) < _z_max(len(iu[0]))
    assert np.max(np.abs(Z.mean(axis=0))) * math.sqrt(n) < _z_max(S.shape[0])


@pytest.mark.parametrize("name", NORMAL)
def test_normal_mi_from_canonical_correlations(name):
    """A second route to the truth: sum of -1/2 log(1 - rho^2) over canonical pairs."""
    task = get_task(name)
    d, c = task.dim_x, 0.5
    if name == "normal-1x1":
        rhos = [0.75]
    elif name.endswith("dense"):
        # equicorrelated blocks: a single canonical correlation c d / (1 + (d - 1) c)
        rhos = [c * d / (1 + (d - 1) * c)]
    else:
        rhos = [0.8, 0.8]
    truth = sum(-0.5 * math.log(1 - r * r) for r in rhos)
    assert task.mutual_information == pytest.approx(truth, rel=1e-12)


@pytest.mark.parametrize("name, rhos", [
    ("normal-5x5-dense", [5 / 6]),
    ("normal-3x3-2pair", [0.8, 0.8]),
    ("highmi-5x5-mi15", [math.sqrt(1 - math.exp(-6.0))] * 5),
    ("staircase-20x20-mi10", [math.sqrt(1 - math.exp(-1.0))] * 20),
])
def test_gaussian_estimate_on_large_sample(name, rhos):
    """skmi.GaussianMI on 200k samples agrees with the stated value.

    The estimate's sd is sqrt(sum_i rho_i^2 / n) over the canonical correlations rho_i
    (delta method per canonical pair, var(r) = (1 - rho^2)^2 / n); 4 sd.
    """
    n = 200_000
    task = get_task(name)
    X, Y = task.sample(n, random_state=5)
    est = skmi.GaussianMI().fit(X, Y).mi_
    assert abs(est - task.mutual_information) < 4 * math.sqrt(sum(r * r for r in rhos) / n)


# ------------------------------------------------------------------------ Student-t
STUDENT = [t.name for t in get_tasks("main") if t.family == "student"]


def _t_entropy_by_quadrature(k: int, nu: float) -> float:
    """-E log p of the standard k-variate t, by radial quadrature of its unnormalised
    density (normalising constant integrated numerically too)."""
    log_area = math.log(2) + 0.5 * k * math.log(math.pi) - gammaln(0.5 * k)  # S_{k-1}

    def log_q(r):
        return -0.5 * (nu + k) * np.log1p(r * r / nu)

    def radial(f):
        return integrate.quad(lambda r: math.exp(log_area + (k - 1) * math.log(r)
                                                 + log_q(r)) * f(r) if r > 0 else 0.0,
                              0, np.inf, epsabs=1e-13, epsrel=1e-11, limit=500)[0]

    Z = radial(lambda r: 1.0)
    mean_log_q = radial(log_q) / Z
    return math.log(Z) - mean_log_q


@pytest.mark.parametrize("name", STUDENT)
def test_student_mi_by_quadrature_and_monte_carlo(name):
    task = get_task(name)
    dx, dy = task.dim_x, task.dim_y
    nu = float(name.rsplit("dof", 1)[1])
    tail = (_t_entropy_by_quadrature(dx, nu) + _t_entropy_by_quadrature(dy, nu)
            - _t_entropy_by_quadrature(dx + dy, nu))
    assert task.mutual_information == pytest.approx(tail, rel=1e-7, abs=1e-9)
    # Monte Carlo of log p(x, y) / (p(x) p(y)) with scipy's densities on our samples:
    # unbiased for I, standard error sd / sqrt(n); 5 se (7 such tests)
    n = 20_000
    X, Y = task.sample(n, random_state=21)
    lr = (stats.multivariate_t(np.zeros(dx + dy), np.eye(dx + dy), df=nu).logpdf(
        np.hstack([X, Y])) - stats.multivariate_t(np.zeros(dx), np.eye(dx), df=nu).logpdf(X)
        - stats.multivariate_t(np.zeros(dy), np.eye(dy), df=nu).logpdf(Y))
    se = lr.std() / math.sqrt(n)
    assert abs(lr.mean() - task.mutual_information) < 5 * se


@pytest.mark.parametrize("name", STUDENT)
def test_student_marginals_and_radius(name):
    """Every coordinate is t_nu; |(X, Y)|^2 / d is F(d, nu). KS tests, p > 1e-4."""
    task = get_task(name)
    nu = float(name.rsplit("dof", 1)[1])
    X, Y = task.sample(5000, random_state=8)
    Z = np.hstack([X, Y])
    d = Z.shape[1]
    for j in range(d):
        assert stats.kstest(Z[:, j], stats.t(nu).cdf).pvalue > 1e-4 / d
    assert stats.kstest(np.sum(Z * Z, axis=1) / d, stats.f(d, nu).cdf).pvalue > 1e-4
    # the dependence: |X| and |Y| share the scale, so their ranks correlate positively
    assert stats.spearmanr(np.abs(X).sum(1), np.abs(Y).sum(1))[0] > 0.1


# ------------------------------------------------------------------ additive uniform
@pytest.mark.parametrize("eps", [0.1, 0.75])
def test_additive_uniform(eps):
    task = get_task(f"additive-uniform-1x1-eps{eps}")
    X, Y = task.sample(20_000, random_state=2)
    x, noise = X[:, 0], Y[:, 0] - X[:, 0]
    assert x.min() >= 0 and x.max() <= 1 and np.abs(noise).max() <= eps
    assert stats.kstest(x, "uniform").pvalue > 1e-4
    assert stats.kstest(noise, stats.uniform(-eps, 2 * eps).cdf).pvalue > 1e-4
    assert abs(np.corrcoef(x, noise)[0, 1]) < 5 / math.sqrt(20_000)  # independent noise

    # I = h(Y) - log(2 eps), h(Y) by quadrature of the trapezoidal density of Y
    def f(y):
        return (min(y + eps, 1.0) - max(y - eps, 0.0)) / (2 * eps)

    knots = sorted({-eps, eps, 1 - eps, 1 + eps})
    h = -sum(integrate.quad(lambda y: f(y) * math.log(f(y)) if f(y) > 0 else 0.0, a, b,
                            epsabs=1e-13)[0] for a, b in zip(knots, knots[1:]))
    assert task.mutual_information == pytest.approx(h - math.log(2 * eps), abs=1e-9)


# ----------------------------------------------------------------------- transforms
def _on_normal(f):
    return lambda A: f(ndtr(A))


# transformed task -> (base task, map of X, map of Y), written from the paper
TRANSFORMED = {
    "normalcdf-normal-1x1": ("normal-1x1", ndtr, ndtr),
    "bimodal-1x1": ("normal-1x1", _on_normal(tr.bimodal_x), _on_normal(tr.bimodal_y)),
    "wiggly-normal-1x1": ("normal-1x1", tr.wiggly_x, tr.wiggly_y),
    "halfcube-normal-1x1": ("normal-1x1", tr.half_cube, tr.half_cube),
    "asinh-student-1x1-dof1": ("student-1x1-dof1", np.arcsinh, np.arcsinh),
    "swissroll-2x1": ("normal-1x1", _on_normal(tr.swiss_roll), ndtr),
}
for _d in (3, 5, 25):
    _b = f"normal-{_d}x{_d}-2pair"

    def _sx(A, d=_d):
        return tr.spiral(A, 1.0 / d, (0, 1))

    def _sy(A, d=_d):
        return tr.spiral(A, 1.0 / d, (1, 2))

    TRANSFORMED[f"normalcdf-{_b}"] = (_b, ndtr, ndtr)
    TRANSFORMED[f"halfcube-{_b}"] = (_b, tr.half_cube, tr.half_cube)
    TRANSFORMED[f"spiral-{_b}"] = (_b, _sx, _sy)
    TRANSFORMED[f"spiral-normalcdf-{_b}"] = (_b, lambda A, f=_sx: f(ndtr(A)),
                                             lambda A, f=_sy: f(ndtr(A)))
for _d, _nu in ((2, 1), (3, 2), (5, 2)):
    TRANSFORMED[f"asinh-student-{_d}x{_d}-dof{_nu}"] = (f"student-{_d}x{_d}-dof{_nu}",
                                                        np.arcsinh, np.arcsinh)


def test_transformed_table_covers_the_family():
    assert sorted(TRANSFORMED) == sorted(t.name for t in get_tasks("all")
                                         if t.family == "transformed")


@pytest.mark.parametrize("name", sorted(TRANSFORMED))
def test_transformed_is_map_of_base(name):
    """Same seed: the task's draw is the maps applied to the base task's draw, and the
    stated MI is the base's (invertible maps of X alone and Y alone)."""
    base, fx, fy = TRANSFORMED[name]
    task, base_task = get_task(name), get_task(base)
    X, Y = task.sample(500, random_state=9)
    Xb, Yb = base_task.sample(500, random_state=9)
    # bimodal: the task inverts F(x) = Phi(z) without rounding Phi(z) first
    tol = 1e-9 if name == "bimodal-1x1" else 1e-14
    assert_allclose(X, fx(Xb), rtol=tol, atol=tol)
    assert_allclose(Y, fy(Yb), rtol=tol, atol=tol)
    assert task.mutual_information == base_task.mutual_information


def test_transforms_match_bmi_outputs():
    """Numbers printed by bmi 0.1.3 (float64) for the same inputs."""
    ref_spiral = {
        3: ([-0.3489942323782217, -1.466527540064194, 1.2],
            [-1.5, -1.1830368238609519, 0.25084631428225307]),
        5: ([-0.22905422079834048, -1.6965138266263748, -0.1499999999999999],
            [-1.5, -0.37015113510544095, -0.7524049024163475, 0.5250000000000004]),
        25: ([-0.29264490517693365, -2.0222549813201063, -1.275],
             [-1.5, -0.27600607787346765, -1.8640284050885343, -1.1625]),
    }
    for d, (rx, ry) in ref_spiral.items():
        x = np.linspace(-1.5, 1.2, d)
        assert_allclose(tr.spiral(x, 1.0 / d, (0, 1))[:3], rx, rtol=1e-13, atol=1e-14)
        assert_allclose(tr.spiral(x, 1.0 / d, (1, 2))[:4], ry, rtol=1e-13, atol=1e-14)
    assert_allclose(tr.swiss_roll([0.0, 0.3, 0.77, 1.0]),
                    [[-4.122151486546692e-17, -0.2243994752564138],
                     [0.11094920221288392, 0.34146653311332065],
                     [0.47141497502944185, -0.3203732862025418],
                     [3.7099363378920237e-16, 0.6731984257692414]], atol=1e-14)
    g = [-2.0, -0.5, 0.3, 1.7, 4.0]
    assert_allclose(tr.wiggly_x(g), [-2.508384557710983, -0.6365030779146978,
                                     0.587894002989119, 1.9615190323123426,
                                     3.8682886204636437], rtol=1e-13)
    assert_allclose(tr.wiggly_y(g), [-1.5600009372394388, -0.3516999168085653,
                                     0.11772246030488652, 1.3363851205078854,
                                     3.729790264520228], rtol=1e-13)
    q = [0.01, 0.3, 0.5, 0.9]
    # bmi bisects to |x1 - x0| <= 1e-12
    assert_allclose(tr.bimodal_x(q), [-1.8339146359457459, 2.349924526596112,
                                      4.434057008006391, 6.067570525111421], atol=1e-11)
    assert_allclose(tr.bimodal_y(q), [-3.053748925245543, -0.7468846072364954,
                                      0.9999999999999432, 3.8416235335765236], atol=1e-11)


def test_transform_inverses():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 4)) * 2
    before = x.copy()
    assert_allclose(tr.half_cube_inverse(tr.half_cube(x)), x, rtol=1e-12, atol=1e-14)
    # Phi rounds to 1 in the upper tail: the round trip loses eps Phi(x) / phi(x), which
    # is below 1e-13 for x <= 3
    xc = np.minimum(x, 3.0)
    assert_allclose(tr.normal_ppf(tr.normal_cdf(xc)), xc, rtol=0, atol=1e-12)
    assert_allclose(np.sinh(tr.asinh(x)), x, rtol=1e-12)
    for speed, plane in ((0.25, (0, 1)), (1.0 / 3, (1, 3))):
        y = tr.spiral(x, speed, plane)
        assert_allclose(np.linalg.norm(y, axis=1), np.linalg.norm(x, axis=1), rtol=1e-13)
        assert_allclose(tr.spiral(y, -speed, plane), x, rtol=1e-12, atol=1e-13)
    u = rng.random((50, 1))
    assert_allclose(tr.swiss_roll_inverse(tr.swiss_roll(u)), u, atol=1e-13)
    for weights, locs in (tr.BIMODAL_X, tr.BIMODAL_Y):
        q = np.concatenate([rng.random(100), [1e-12, 1 - 1e-12]])
        xq = tr.normal_mixture_ppf(q, weights, locs)
        cdf = sum(w * stats.norm.cdf(xq, loc=m) for w, m in zip(weights, locs))
        assert_allclose(cdf, q, rtol=1e-10, atol=1e-15)
        # far tails stay finite and monotone where Phi(z) itself rounds to 0 or 1
        z = np.array([-38.0, -20.0, 9.0, 20.0, 37.0])
        assert np.all(np.diff(tr.normal_to_normal_mixture(z, weights, locs)) > 0)
    assert_array_equal(x, before)  # inputs untouched
    with pytest.raises(ValueError, match="plane"):
        tr.spiral(x[:, :1], 1.0)


def test_wiggly_maps_strictly_increasing():
    g = np.linspace(-30, 30, 600_001)
    for f, bound in ((tr.wiggly_x, 0.161), (tr.wiggly_y, 0.533)):
        slope = np.diff(f(g)) / np.diff(g)
        assert slope.min() > bound - 1e-6  # the analytic lower bound of the derivative
    assert tr.wiggly_x(-1e6) < tr.wiggly_x(1e6)


def _assert_normal_pairs(Z, S, z=None):
    """Sample covariance of zero-mean Gaussian columns against ``S`` (see
    test_normal_covariance for the sd)."""
    n = len(Z)
    C = Z.T @ Z / n
    sd = np.sqrt((np.outer(np.diag(S), np.diag(S)) + S**2) / n)
    iu = np.triu_indices_from(S)
    assert np.max(np.abs(C - S)[iu] / sd[iu]) < (z or _z_max(len(iu[0])))


@pytest.mark.parametrize("name", ["normalcdf-normal-5x5-2pair", "halfcube-normal-25x25-2pair",
                                  "spiral-normal-5x5-2pair",
                                  "spiral-normalcdf-normal-3x3-2pair"])
def test_inverse_map_recovers_gaussian(name):
    d = get_task(name).dim_x
    X, Y = get_task(name).sample(20_000, random_state=13)
    if name.startswith("spiral"):
        X, Y = tr.spiral(X, -1.0 / d, (0, 1)), tr.spiral(Y, -1.0 / d, (1, 2))
        name = name[len("spiral-"):]
    if name.startswith("normalcdf"):
        assert X.min() > 0 and X.max() < 1 and Y.min() > 0 and Y.max() < 1
        X, Y = ndtri(X), ndtri(Y)
    if name.startswith("halfcube"):
        X, Y = tr.half_cube_inverse(X), tr.half_cube_inverse(Y)
    _assert_normal_pairs(np.hstack([X, Y]), _expected_covariance(f"normal-{d}x{d}-2pair"))


def test_swiss_roll_on_the_roll():
    X, Y = get_task("swissroll-2x1").sample(5000, random_state=4)
    t = 21 * np.hypot(X[:, 0], X[:, 1])
    assert t.min() >= 1.5 * np.pi - 1e-12 and t.max() <= 4.5 * np.pi + 1e-12
    assert_allclose(X * 21, np.column_stack([t * np.cos(t), t * np.sin(t)]), atol=1e-12)
    assert stats.kstest(Y[:, 0], "uniform").pvalue > 1e-4
    u = tr.swiss_roll_inverse(X)[:, 0]
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    # the Gaussian copula underneath: correlation 0.75 of the normal scores,
    # sd of r is (1 - rho^2) / sqrt(n); 5 sd
    r = np.corrcoef(ndtri(u), ndtri(Y[:, 0]))[0, 1]
    assert abs(r - 0.75) < 5 * (1 - 0.75**2) / math.sqrt(5000)


def test_bimodal_margins():
    X, Y = get_task("bimodal-1x1").sample(10_000, random_state=6)
    for A, (weights, locs) in ((X, tr.BIMODAL_X), (Y, tr.BIMODAL_Y)):
        def cdf(v, weights=weights, locs=locs):
            return sum(w * stats.norm.cdf(v, loc=m) for w, m in zip(weights, locs))
        assert stats.kstest(A[:, 0], cdf).pvalue > 1e-4
    r = stats.spearmanr(X[:, 0], Y[:, 0])[0]
    # Spearman's rho of a Gaussian copula: 6/pi asin(rho/2); sd < 1/sqrt(n - 1); 5 sd
    assert abs(r - 6 / np.pi * np.arcsin(0.375)) < 5 / math.sqrt(10_000 - 1)


# ------------------------------------------------------------------------------ Gao
def test_gao_values_match_reference():
    # /work/shared/reference/exact-values.md (rounded to 5 decimals there)
    assert get_task("gao-uniform").mutual_information == pytest.approx(1.05492, abs=5e-6)
    assert get_task("gao-mixture").mutual_information == pytest.approx(1.29236, abs=5e-6)


def test_gao_poisson_exact_value():
    """The exact value by direct summation and quadrature of E[log P(y|x) / P(y)].

    The reference file (like Gao et al.) gives (1 - p) I_0 = 0.25606, which treats the
    extra zeros as distinguishable; the quadrature shows the true value is 0.22978.
    """
    p, q = 0.15, 0.85
    total = 0.0
    for k in range(0, 60):
        pk = q * 0.5 ** (k + 1) + (p if k == 0 else 0.0)

        def term(x, k=k, pk=pk):
            cond = q * math.exp(-x + k * math.log(x) - gammaln(k + 1)) if x > 0 else (
                q if k == 0 else 0.0)
            cond += p if k == 0 else 0.0
            return math.exp(-x) * cond * math.log(cond / pk) if cond > 0 else 0.0

        total += integrate.quad(term, 0, 80, epsabs=1e-15, epsrel=1e-12, limit=200)[0]
    assert gao_poisson_mi(p) == pytest.approx(total, abs=1e-9)
    assert get_task("gao-poisson").mutual_information == pytest.approx(0.2297759585, abs=1e-9)
    assert abs(total - 0.25606) > 0.02


def _gao_log_ratios(name, X, Y):
    x, y = X[:, 0], Y[:, 0]
    if name == "gao-uniform":  # p(y|x) = 1/2 on [x, x+2]; p(y) = #{x: y in [x,x+2]}/(2m)
        m = 5
        count = sum(((y >= j) & (y <= j + 2)).astype(float) for j in range(m))
        return np.log(0.5) - np.log(count / (2 * m))
    if name == "gao-poisson":
        p, q = 0.15, 0.85
        cond = np.where(y == 0, q * np.exp(-x) + p,
                        q * np.exp(-x + y * np.log(x) - gammaln(y + 1)))
        marg = np.where(y == 0, q / 2 + p, q * 0.5 ** (y + 1))
        return np.log(cond) - np.log(marg)
    # gao-mixture: atoms at (+-1, +-1) against a density elsewhere
    atom = (np.abs(x) == 1) & (np.abs(y) == 1)
    joint_c = 0.5 * stats.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]]).pdf(
        np.column_stack([x, y]))
    marg_c = 0.5 * stats.norm.pdf(x) * 0.5 * stats.norm.pdf(y)
    joint_a = 0.5 * 0.5 * np.where(x == y, 0.9, 0.1)
    return np.where(atom, np.log(joint_a / (0.25 * 0.25)), np.log(joint_c / marg_c))


@pytest.mark.parametrize("name", ["gao-uniform", "gao-poisson", "gao-mixture"])
def test_gao_monte_carlo(name):
    """Mean log density ratio on our samples (unbiased for I): 5 standard errors."""
    n = 40_000
    task = get_task(name)
    X, Y = task.sample(n, random_state=17)
    lr = _gao_log_ratios(name, X, Y)
    assert abs(lr.mean() - task.mutual_information) < 5 * lr.std() / math.sqrt(n)
    for flag, A in zip(task.discrete, (X, Y)):
        # a discrete or mixed column repeats values; a continuous one does not
        assert (len(np.unique(A)) < n) == flag


def test_gao_structure():
    X, Y = get_task("gao-uniform").sample(5000, random_state=1)
    assert set(np.unique(X)) == {0.0, 1.0, 2.0, 3.0, 4.0}
    assert np.all((Y >= X) & (Y <= X + 2))
    X, Y = get_task("gao-poisson").sample(20_000, random_state=1)
    assert X.min() >= 0 and np.all(Y == np.round(Y)) and Y.min() == 0
    # P(Y = 0) = 0.15 + 0.85 / 2; binomial sd; 5 sd
    p0 = 0.15 + 0.85 / 2
    assert abs(np.mean(Y == 0) - p0) < 5 * math.sqrt(p0 * (1 - p0) / 20_000)
    X, Y = get_task("gao-mixture").sample(20_000, random_state=1)
    atom = np.abs(X[:, 0]) == 1
    assert_array_equal(atom, np.abs(Y[:, 0]) == 1)
    assert abs(atom.mean() - 0.5) < 5 * 0.5 / math.sqrt(20_000)
    flips = np.mean(X[atom, 0] != Y[atom, 0])
    assert abs(flips - 0.1) < 5 * math.sqrt(0.09 / atom.sum())


# --------------------------------------------------------- staircase and high MI
@pytest.mark.parametrize("suite, d, levels", [
    ("staircase", 20, [2, 4, 6, 8, 10]),
    ("high_mi", 5, [1, 2.5, 5, 7.5, 10, 15]),
])
def test_equal_pairs_suites(suite, d, levels):
    tasks = get_tasks(suite)
    assert [t.mutual_information for t in tasks] == pytest.approx(levels, abs=1e-12)
    n = 20_000
    for task, level in zip(tasks, levels):
        assert (task.dim_x, task.dim_y) == (d, d)
        rho = math.sqrt(1 - math.exp(-2 * level / d))
        # the log-det route: S = [[I, rho I], [rho I, I]]
        S = np.block([[np.eye(d), rho * np.eye(d)], [rho * np.eye(d), np.eye(d)]])
        logdet = np.linalg.slogdet(S)[1]
        assert -0.5 * logdet == pytest.approx(task.mutual_information, rel=1e-10)
        X, Y = task.sample(n, random_state=int(level * 10))
        _assert_normal_pairs(np.hstack([X, Y]), S)
