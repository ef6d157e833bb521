"""Distributions with a known mutual information, for benchmarking estimators.

A :class:`Task` is a named joint distribution of ``(X, Y)`` with its exact mutual
information (nats) and a sampler. :func:`get_tasks` returns a suite of them:

``"main"``
    The 40 tasks of the main benchmark of Czyż et al. (2023), "Beyond Normal", with the
    parameters of their reference code (``cbg-ethz/bmi``, the ``benchmark-mi`` 0.1.3
    package): bivariate and multivariate normals (dense: every correlation 0.5; 2-pair:
    two pairs ``(X_i, Y_i)`` with correlation 0.8, everything else independent),
    Student-t with identity dispersion (all the dependence is in the shared scale),
    additive uniform noise, and those pushed through invertible maps
    (:mod:`skmi.benchmark.transforms`): normal CDF, half-cube, wiggly, asinh, spiral,
    Swiss roll and a bimodal inverse CDF. Each task's ``description`` starts with the
    paper's name of the task; the true values equal bmi's (checked in the tests).
``"gao"``
    The three discrete-continuous mixtures of Gao, Kannan, Oh & Viswanath (2017).
``"staircase"``
    Song & Ermon's (2020) Gaussian staircase: ``X, Y`` in R^20, 20 independent pairs of
    equal correlation, I = 2, 4, 6, 8, 10 nats.
``"high_mi"``
    A sweep of high MI at fixed dimension: ``X, Y`` in R^5, 5 independent pairs of
    equal correlation, I = 1, 2.5, 5, 7.5, 10, 15 nats (per-pair correlation from 0.57
    to 0.9988), where the k-NN and variational estimators are known to fall short.
``"layers"``
    19 hidden-layer-like distributions against class labels or input identities
    (:mod:`skmi.benchmark.layers`): ReLU layers of width 4 to 1024 (about 40% exact
    zeros), tanh and leaky-ReLU layers against 10 classes, and noisy tanh layers
    against the index of a finite input set; ``Y`` holds the labels, returned as int64
    (``Task.labels``). Truths are Monte-Carlo averages of the exact posterior
    entropy, standard errors below 0.001 nats.
``"all"``
    All of the above, in that order (73 tasks).

The closed forms:

- Gaussian: ``I = 1/2 (log det S_xx + log det S_yy - log det S)``.
- Student-t with ``nu`` degrees of freedom and dispersion ``S``: the Gaussian value of
  ``S`` plus ``h(t_dx) + h(t_dy) - h(t_{dx+dy})``, where ``h(t_k)`` is the entropy of
  the standard ``k``-variate t (Arellano-Valle, Contreras-Reyes & Genton 2013).
- ``X ~ U(0, 1)``, ``Y = X + U(-e, e)``: ``e - log(2e)`` for ``e <= 1/2``, ``1/(4e)``
  otherwise.
- An invertible map of ``X`` alone or ``Y`` alone leaves ``I`` unchanged.
- Class-conditional layers (``"layers"``): ``I = log K - E_t[H(Y | T = t)]`` with the
  posterior in closed form, averaged by Monte Carlo.

Samples are not standardised; bmi's benchmark rescales each sample to zero mean and unit
variance per column before estimating, which an estimator (or the runner) may do too.

References
----------
P. Czyż, F. Grabowski, J. E. Vogt, N. Beerenwinkel, A. Marx, "Beyond Normal: On the
Evaluation of Mutual Information Estimators", NeurIPS 2023.

W. Gao, S. Kannan, S. Oh, P. Viswanath, "Estimating mutual information for
discrete-continuous mixtures", NeurIPS 2017.

J. Song, S. Ermon, "Understanding the limitations of variational mutual information
estimators", ICLR 2020.

R. B. Arellano-Valle, J. E. Contreras-Reyes, M. G. Genton, "Shannon entropy and mutual
information for multivariate skew-elliptical distributions", Scand. J. Stat. 40 (2013).
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial

import numpy as np
from scipy.special import digamma, gammaln

from . import transforms as tr

__all__ = [
    "Task",
    "get_task",
    "get_tasks",
    "task_names",
    "SUITES",
    "gaussian_mi",
    "student_t_tail_mi",
    "additive_uniform_mi",
    "gao_poisson_mi",
]

#: The suite names :func:`get_tasks` accepts.
SUITES = ("main", "gao", "staircase", "high_mi", "layers", "all")

Sampler = Callable[[int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


# ------------------------------------------------------------------------- the Task
@dataclass(frozen=True)
class Task:
    """A joint distribution of ``(X, Y)`` with known mutual information.

    Parameters
    ----------
    name : str
        Short unique identifier, e.g. ``"normal-5x5-dense"``.
    family : str
        ``"normal"``, ``"student"``, ``"additive-uniform"``, ``"transformed"``,
        ``"mixture"``, ``"staircase"``, ``"high-mi"``, ``"layer-relu"``,
        ``"layer-tanh"``, ``"layer-leaky"`` or ``"noisy-layer"``.
    dim_x, dim_y : int
        Number of columns of ``X`` and of ``Y``.
    mutual_information : float
        The exact ``I(X; Y)``, nats.
    description : str
        One line; for the tasks of Czyż et al. it starts with the paper's name of the
        task, then a colon.
    discrete : tuple of two bools, default=(False, False)
        Whether ``X`` (first) and ``Y`` (second) have atoms, i.e. are discrete-valued
        or a discrete-continuous mixture: such a variable has repeated values with
        positive probability, which plain k-NN estimators do not expect (use a mixed
        estimator such as ``MixedKSG``). Discrete values are returned as integer-valued
        float64 columns, except on a side with ``labels``.
    sampler : callable
        ``sampler(n_samples, rng) -> (X, Y)`` with ``rng`` a ``numpy.random.Generator``;
        :meth:`sample` validates its arguments and output around it. To build a task of
        your own, pass a module-level function (or a ``functools.partial`` of one) so
        the task pickles.
    labels : tuple of two bools, default=(False, False)
        Whether ``X`` (first) and ``Y`` (second) hold class labels or input identities:
        :meth:`sample` returns such a side as int64 (the sampler must give integer
        values), so estimators that detect labels by dtype treat it as categorical.

    Examples
    --------
    >>> from skmi.benchmark import get_task
    >>> task = get_task("normal-3x3-2pair")
    >>> X, Y = task.sample(1000, random_state=0)
    >>> X.shape, Y.shape, round(task.mutual_information, 4)
    ((1000, 3), (1000, 3), 1.0217)
    """

    name: str
    family: str
    dim_x: int
    dim_y: int
    mutual_information: float
    description: str
    discrete: tuple[bool, bool] = (False, False)
    sampler: Sampler | None = field(default=None, repr=False, compare=False)
    labels: tuple[bool, bool] = (False, False)

    def __post_init__(self) -> None:
        for attr in ("dim_x", "dim_y"):
            value = getattr(self, attr)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{attr} must be a positive integer, got {value!r}.")
        mi = self.mutual_information
        if not isinstance(mi, numbers.Real) or not math.isfinite(mi) or mi < 0:
            raise ValueError(f"mutual_information must be a finite number >= 0, got {mi!r}.")
        if not callable(self.sampler):
            raise TypeError(f"Task {self.name!r} needs a callable sampler(n_samples, rng).")

    def sample(self, n_samples: int, random_state=None) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n_samples`` independent pairs ``(x, y)``.

        Parameters
        ----------
        n_samples : int
            At least 1.
        random_state : None, int, numpy.random.Generator or numpy.random.RandomState
            An int (or None) seeds ``numpy.random.default_rng``, so the same int gives
            the same arrays; a Generator is used as is (and advanced); a RandomState
            seeds a new Generator from one draw of its stream.

        Returns
        -------
        X : ndarray of shape (n_samples, dim_x), float64, C-contiguous
        Y : ndarray of shape (n_samples, dim_y), float64, C-contiguous
            A side with ``labels`` is int64 instead.
        """
        if (isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral)
                or n_samples < 1):
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = _as_generator(random_state)
        X, Y = self.sampler(int(n_samples), rng)
        X, Y = (_as_side(A, n_samples, is_label, self.name)
                for A, is_label in zip((X, Y), self.labels))
        if X.shape[1] != self.dim_x or Y.shape[1] != self.dim_y:
            raise RuntimeError(f"Task {self.name!r}: sampler returned shapes {X.shape} and "
                               f"{Y.shape}, expected ({n_samples}, {self.dim_x}) and "
                               f"({n_samples}, {self.dim_y}).")
        return X, Y


def _as_side(A, n_samples: int, is_label: bool, name: str) -> np.ndarray:
    """A sampler's output as a new C-contiguous float64 array, or int64 for labels."""
    if not is_label:
        return np.array(A, dtype=np.float64, order="C", copy=True).reshape(n_samples, -1)
    A = np.asarray(A)
    if not (np.issubdtype(A.dtype, np.integer) or np.issubdtype(A.dtype, np.bool_)):
        if not np.all(np.isfinite(A)) or np.any(A != np.round(A)):
            raise RuntimeError(f"Task {name!r}: a labels side must hold integers.")
    return np.array(A, dtype=np.int64, order="C", copy=True).reshape(n_samples, -1)


def _as_generator(random_state) -> np.random.Generator:
    if random_state is None or (isinstance(random_state, numbers.Integral)
                                and not isinstance(random_state, bool)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    raise TypeError("random_state must be None, an int, a numpy.random.Generator or a "
                    f"numpy.random.RandomState, got {type(random_state).__name__}.")


# ------------------------------------------------------------------ closed forms
def gaussian_mi(covariance: np.ndarray, dim_x: int) -> float:
    """``I(X; Y)`` in nats of a Gaussian ``[X, Y]`` with this covariance (``X`` first).

    Examples
    --------
    >>> from skmi.benchmark.tasks import gaussian_mi
    >>> round(gaussian_mi([[1.0, 0.6], [0.6, 1.0]], 1), 5)
    0.22314
    """
    S = np.asarray(covariance, dtype=np.float64)
    logdet = [np.linalg.slogdet(A)[1] for A in (S[:dim_x, :dim_x], S[dim_x:, dim_x:], S)]
    return float(0.5 * (logdet[0] + logdet[1] - logdet[2]))


def _student_entropy(k: int, nu: float) -> float:
    """Differential entropy (nats) of the standard ``k``-variate t with ``nu`` dof."""
    a, b = 0.5 * nu, 0.5 * (nu + k)
    return float(gammaln(a) - gammaln(b) + 0.5 * k * np.log(nu * np.pi)
                 + b * (digamma(b) - digamma(a)))


def student_t_tail_mi(dim_x: int, dim_y: int, nu: float) -> float:
    """``h(t_dx) + h(t_dy) - h(t_{dx+dy})``: the MI of a Student-t beyond its Gaussian part.

    The whole MI when the dispersion matrix is the identity.

    Examples
    --------
    >>> from skmi.benchmark.tasks import student_t_tail_mi
    >>> round(student_t_tail_mi(1, 1, 1), 4)
    0.2242
    """
    return (_student_entropy(dim_x, nu) + _student_entropy(dim_y, nu)
            - _student_entropy(dim_x + dim_y, nu))


def additive_uniform_mi(epsilon: float) -> float:
    """``I(X; X + N)`` for ``X ~ U(0, 1)``, ``N ~ U(-epsilon, epsilon)``, nats.

    Examples
    --------
    >>> from skmi.benchmark.tasks import additive_uniform_mi
    >>> round(additive_uniform_mi(0.1), 5), round(additive_uniform_mi(0.75), 5)
    (1.70944, 0.33333)
    """
    if epsilon > 0.5:
        return 0.25 / epsilon
    return epsilon - math.log(2.0 * epsilon)


def _dense_covariance(dim_x: int, dim_y: int, off_diag: float = 0.5) -> np.ndarray:
    d = dim_x + dim_y
    return np.full((d, d), off_diag) + (1.0 - off_diag) * np.eye(d)


def _pairs_covariance(dim_x: int, dim_y: int, n_pairs: int = 2, rho: float = 0.8):
    """Identity but ``cov(X_i, Y_i) = rho`` for ``i < n_pairs``.

    bmi's "2-pair" matrix: the correlation matrix of its latent-variable model with
    ``lambda = eta = 2`` and unit noise, i.e. ``rho = lambda^2 / (1 + lambda^2) = 0.8``.
    """
    S = np.eye(dim_x + dim_y)
    for i in range(n_pairs):
        S[i, dim_x + i] = S[dim_x + i, i] = rho
    return S


# ------------------------------------------------------------------------ samplers
# Module-level functions bound with functools.partial, so tasks pickle.
def _sample_normal(n, rng, *, chol, dim_x):
    Z = rng.standard_normal((n, chol.shape[0])) @ chol.T
    return Z[:, :dim_x], Z[:, dim_x:]


def _sample_student(n, rng, *, chol, dim_x, nu):
    Z = rng.standard_normal((n, chol.shape[0])) @ chol.T
    Z /= np.sqrt(rng.chisquare(nu, size=n) / nu)[:, None]
    return Z[:, :dim_x], Z[:, dim_x:]


def _sample_pairs(n, rng, *, rho, n_pairs):
    # the draws of make_gaussian_pairs, without its n_samples >= 2 rule (a task samples
    # any number of rows, one included)
    X = rng.standard_normal((n, n_pairs))
    Y = rho * X + np.sqrt(1.0 - rho**2) * rng.standard_normal((n, n_pairs))
    return X, Y


def _sample_additive_uniform(n, rng, *, epsilon):
    X = rng.random((n, 1))
    return X, X + rng.uniform(-epsilon, epsilon, size=(n, 1))


def _sample_transformed(n, rng, *, base, fx, fy):
    X, Y = base(n, rng)
    return (X if fx is None else fx(X)), (Y if fy is None else fy(Y))


def _compose(*fs):
    return partial(_apply_in_order, fs=fs)


def _apply_in_order(A, *, fs):
    for f in fs:
        A = f(A)
    return A


def _sample_gao_uniform(n, rng, *, m):
    X = rng.integers(0, m, size=n).astype(np.float64)
    return X, X + 2.0 * rng.random(n)


def _sample_gao_poisson(n, rng, *, p):
    X = rng.exponential(1.0, size=n)
    Y = np.where(rng.random(n) < p, 0, rng.poisson(X))
    return X, Y.astype(np.float64)


def _sample_gao_mixture(n, rng, *, rho, flip):
    gauss = rng.random(n) < 0.5
    zx, zy = rng.standard_normal(n), rng.standard_normal(n)
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    agree = np.where(rng.random(n) < flip, -1.0, 1.0)
    X = np.where(gauss, zx, sign)
    Y = np.where(gauss, rho * zx + math.sqrt(1.0 - rho**2) * zy, sign * agree)
    return X, Y


# ------------------------------------------------------------------ task builders
def _task(name, family, dim_x, dim_y, mi, description, sampler, discrete=(False, False)):
    return Task(name=name, family=family, dim_x=dim_x, dim_y=dim_y,
                mutual_information=float(mi), description=description, discrete=discrete,
                sampler=sampler)


def _normal(name, paper, S, dim_x, detail):
    S = np.asarray(S, dtype=np.float64)
    sampler = partial(_sample_normal, chol=np.linalg.cholesky(S), dim_x=dim_x)
    return _task(name, "normal", dim_x, S.shape[0] - dim_x, gaussian_mi(S, dim_x),
                 f"{paper}: {detail}", sampler)


def _binormal():
    return _normal("normal-1x1", "Bivariate normal 1 × 1", [[1.0, 0.75], [0.75, 1.0]], 1,
                   "standard normals with correlation 0.75")


def _dense(d):
    return _normal(f"normal-{d}x{d}-dense", f"Multinormal {d} × {d} (dense)",
                   _dense_covariance(d, d), d, "unit variances, every correlation 0.5")


def _two_pair(d):
    return _normal(f"normal-{d}x{d}-2pair", f"Multinormal {d} × {d} (2-pair)",
                   _pairs_covariance(d, d), d,
                   "corr(X_i, Y_i) = 0.8 for i = 1, 2; all else independent")


def _student(dx, dy, nu):
    S = np.eye(dx + dy)
    sampler = partial(_sample_student, chol=np.linalg.cholesky(S), dim_x=dx, nu=float(nu))
    mi = gaussian_mi(S, dx) + student_t_tail_mi(dx, dy, nu)
    return _task(f"student-{dx}x{dy}-dof{nu}", "student", dx, dy, mi,
                 f"Student-t {dx} × {dy} (dof={nu}): identity dispersion, nu = {nu}; "
                 "dependent only through the shared scale", sampler)


def _additive(eps):
    return _task(f"additive-uniform-1x1-eps{eps}", "additive-uniform", 1, 1,
                 additive_uniform_mi(eps),
                 f"Uniform 1 × 1 (additive noise={eps}): X ~ U(0, 1), "
                 f"Y = X + U(-{eps}, {eps})",
                 partial(_sample_additive_uniform, epsilon=eps))


def _transformed(base, name, paper, what, fx, fy, dim_x=None):
    sampler = partial(_sample_transformed, base=base.sampler, fx=fx, fy=fy)
    return _task(name, "transformed", dim_x or base.dim_x, base.dim_y,
                 base.mutual_information, f"{paper}: {what}", sampler)


def _paper_name(task):
    return task.description.split(":", 1)[0]


def _normal_cdf_of(base):
    return _transformed(base, f"normalcdf-{base.name}", f"Normal CDF @ {_paper_name(base)}",
                        "standard normal CDF on every coordinate (uniform margins)",
                        tr.normal_cdf, tr.normal_cdf)


def _half_cube_of(base):
    return _transformed(base, f"halfcube-{base.name}", f"Half-cube @ {_paper_name(base)}",
                        "x sqrt|x| on every coordinate of X and Y", tr.half_cube, tr.half_cube)


def _asinh_of(base):
    return _transformed(base, f"asinh-{base.name}", f"Asinh @ {_paper_name(base)}",
                        "asinh on every coordinate of X and Y", tr.asinh, tr.asinh)


def _spiral_of(base):
    dx, dy = base.dim_x, base.dim_y
    return _transformed(base, f"spiral-{base.name}", f"Spiral @ {_paper_name(base)}",
                        f"X rotated in plane (1, 2) by |x|^2/{dx} radians, Y in plane "
                        f"(2, 3) by |y|^2/{dy}",
                        partial(tr.spiral, speed=1.0 / dx, plane=(0, 1)),
                        partial(tr.spiral, speed=1.0 / dy, plane=(1, 2)))


def _main_tasks() -> list[Task]:
    binormal = _binormal()
    uniform = _normal_cdf_of(binormal)
    student_1 = _student(1, 1, 1)
    two_pair = {d: _two_pair(d) for d in (2, 3, 5, 25)}
    one_dim = [
        binormal,
        uniform,
        _additive(0.1),
        _additive(0.75),
        _transformed(binormal, "bimodal-1x1", "Bimodal 1 × 1",
                     "X = F^-1(Phi(X')) with F the CDF of 0.3 N(0,1) + 0.7 N(5,1), "
                     "Y = G^-1(Phi(Y')) with G of 0.5 N(-1,1) + 0.5 N(3,1); (X', Y') "
                     "bivariate normal with correlation 0.75",
                     partial(tr.normal_to_normal_mixture, weights=tr.BIMODAL_X[0],
                             locs=tr.BIMODAL_X[1]),
                     partial(tr.normal_to_normal_mixture, weights=tr.BIMODAL_Y[0],
                             locs=tr.BIMODAL_Y[1])),
        _transformed(binormal, "wiggly-normal-1x1", "Wiggly @ Bivariate normal 1 × 1",
                     "strictly increasing wiggly maps of X and of Y", tr.wiggly_x,
                     tr.wiggly_y),
        _half_cube_of(binormal),
        student_1,
        _asinh_of(student_1),
    ]
    embeddings = [
        _transformed(uniform, "swissroll-2x1", "Swiss roll 2 × 1",
                     "X = Swiss roll embedding in R^2 of Phi(X'), Y = Phi(Y'); (X', Y') "
                     "bivariate normal with correlation 0.75", tr.swiss_roll, None, dim_x=2),
    ]
    multinormal = [_dense(d) for d in (2, 3, 5, 25, 50)] + [two_pair[d] for d in (2, 3, 5, 25)]
    students = [_student(d, d, nu) for d, nu in ((2, 1), (2, 2), (3, 2), (3, 3), (5, 2),
                                                  (5, 3))]
    bases = [two_pair[d] for d in (3, 5, 25)]
    transformed = (
        [_normal_cdf_of(b) for b in bases]
        + [_half_cube_of(b) for b in bases]
        + [_spiral_of(b) for b in bases]
        + [_spiral_of(_normal_cdf_of(b)) for b in bases]
        + [_asinh_of(_student(d, d, nu)) for d, nu in ((2, 1), (3, 2), (5, 2))]
    )
    return one_dim + embeddings + multinormal + students + transformed


# ---- Gao et al. (2017)
def gao_poisson_mi(p: float = 0.15) -> float:
    """Exact ``I(X; Y)`` for ``X ~ Exp(1)``, ``Y = 0`` w.p. ``p``, else ``Poisson(X)``.

    ``P(Y = k) = (1 - p) 2^-(k+1)`` for ``k >= 1``, and every ``k >= 1`` term of
    ``E[log P(y|x) / P(y)]`` is ``(1 - p)`` times the one of the plain Poisson channel,
    ``I_0 = 2 log 2 - gamma - sum_k 2^-k log k``. The ``k = 0`` term is not (the extra
    zeros are indistinguishable from Poisson zeros); with ``u = e^-x`` it integrates in
    closed form, giving

    ``I = q (I_0 - log(2)/2 + 1/4)
    + ((p^2 - 1)/4 - p^2/2 log p - (1 - p^2)/2 log((1 + p)/2)) / q``, ``q = 1 - p``.

    Gao et al. state ``(1 - p) I_0`` (0.25606 at ``p = 0.15``), which would hold if the
    extra zeros were marked; the exact value is 0.22978.

    Examples
    --------
    >>> from skmi.benchmark.tasks import gao_poisson_mi
    >>> round(gao_poisson_mi(0.15), 5), round(gao_poisson_mi(0.0), 5)
    (0.22978, 0.30124)
    """
    k = np.arange(1, 128)
    i0 = 2.0 * math.log(2.0) - np.euler_gamma - float(np.sum(np.log(k) * 0.5**k))
    q = 1.0 - p
    plog = 0.0 if p == 0 else p * p / 2.0 * math.log(p)
    zero = ((p * p - 1.0) / 4.0 - plog - (1.0 - p * p) / 2.0 * math.log((1.0 + p) / 2.0)) / q
    return q * (i0 - math.log(2.0) / 2.0 + 0.25) + zero


def _gao_tasks() -> list[Task]:
    m = 5
    rho, flip = 0.9, 0.1
    hb = -(flip * math.log(flip) + (1 - flip) * math.log(1 - flip))
    mixture_mi = (math.log(2.0) + 0.5 * (-0.5 * math.log(1.0 - rho**2))
                  + 0.5 * (math.log(2.0) - hb))
    return [
        _task("gao-uniform", "mixture", 1, 1, math.log(m) - (m - 1) / m * math.log(2.0),
              f"Gao et al. 2017, discrete X: X uniform on {{0, ..., {m - 1}}}, "
              "Y | X ~ U[X, X + 2]",
              partial(_sample_gao_uniform, m=m), discrete=(True, False)),
        _task("gao-poisson", "mixture", 1, 1, gao_poisson_mi(0.15),
              "Gao et al. 2017, zero-inflated Poissonization: X ~ Exp(1), Y = 0 w.p. 0.15, "
              "else Poisson(X) (exact MI; the paper's (1-p) formula gives 0.25606)",
              partial(_sample_gao_poisson, p=0.15), discrete=(False, True)),
        _task("gao-mixture", "mixture", 1, 1, mixture_mi,
              f"Gao et al. 2017, mixed: w.p. 1/2 bivariate normal with correlation {rho}, "
              f"w.p. 1/2 X uniform on {{-1, +1}} and Y = X flipped w.p. {flip}",
              partial(_sample_gao_mixture, rho=rho, flip=flip), discrete=(True, True)),
    ]


# ---- equal-correlation pairs
def _rho_for(mi: float, n_pairs: int) -> float:
    return math.sqrt(-math.expm1(-2.0 * mi / n_pairs))


def _pairs_task(name, family, mi, n_pairs, what):
    rho = _rho_for(mi, n_pairs)
    return _task(name, family, n_pairs, n_pairs, -0.5 * n_pairs * math.log1p(-rho * rho),
                 f"{what}: {n_pairs} independent pairs (X_i, Y_i) of standard normals with "
                 f"correlation {rho:.6f}, I = {mi:g} nats",
                 partial(_sample_pairs, rho=rho, n_pairs=n_pairs))


def _staircase_tasks() -> list[Task]:
    return [_pairs_task(f"staircase-20x20-mi{mi}", "staircase", mi, 20,
                        "Gaussian staircase (Song & Ermon 2020)") for mi in (2, 4, 6, 8, 10)]


def _high_mi_tasks() -> list[Task]:
    return [_pairs_task(f"highmi-5x5-mi{mi:g}", "high-mi", mi, 5, "High-MI sweep")
            for mi in (1.0, 2.5, 5.0, 7.5, 10.0, 15.0)]


@cache
def _registry() -> dict[str, tuple[Task, ...]]:
    from .layers import layer_tasks  # layers imports Task from here

    suites = {
        "main": tuple(_main_tasks()),
        "gao": tuple(_gao_tasks()),
        "staircase": tuple(_staircase_tasks()),
        "high_mi": tuple(_high_mi_tasks()),
        "layers": tuple(layer_tasks()),
    }
    suites["all"] = tuple(t for s in SUITES[:-1] for t in suites[s])
    return suites


def get_tasks(suite: str = "main") -> list[Task]:
    """The tasks of a suite, as a new list.

    Parameters
    ----------
    suite : {"main", "gao", "staircase", "high_mi", "layers", "all"}, default="main"

    Examples
    --------
    >>> from skmi.benchmark import get_tasks
    >>> [len(get_tasks(s)) for s in ("main", "gao", "staircase", "high_mi", "layers", "all")]
    [40, 3, 5, 6, 19, 73]
    """
    registry = _registry()
    if suite not in registry:
        raise ValueError(f"Unknown suite {suite!r}; choose one of {', '.join(SUITES)}.")
    return list(registry[suite])


def task_names(suite: str = "main") -> list[str]:
    """Names of the tasks of a suite, in order.

    Examples
    --------
    >>> from skmi.benchmark import task_names
    >>> task_names("staircase")[:2]
    ['staircase-20x20-mi2', 'staircase-20x20-mi4']
    """
    return [t.name for t in get_tasks(suite)]


def get_task(name: str) -> Task:
    """The task of this name, from any suite.

    Examples
    --------
    >>> from skmi.benchmark import get_task
    >>> get_task("student-1x1-dof1").dim_x
    1
    """
    by_name = {t.name: t for t in _registry()["all"]}
    if name in by_name:
        return by_name[name]
    close = difflib.get_close_matches(str(name), list(by_name), n=5, cutoff=0.5)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ValueError(f"Unknown task {name!r}.{hint} task_names('all') lists all "
                     f"{len(by_name)}.")
