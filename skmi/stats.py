"""From estimates to decisions: permutation tests and confidence intervals.

Both functions refit an estimator many times (through joblib, so
``joblib.parallel_config(backend="dask")`` runs them on a cluster) and return an
:class:`MIResult`.

Why not the plain bootstrap for k-NN estimators: a bootstrap sample repeats rows, and a
repeated row is its own nearest neighbour at distance 0. KSG then counts every copy as
a neighbour in both marginals at radius 0, and the estimate jumps upwards (measured:
independent Gaussians, n = 500 or 2000, k = 3: about 0.75 nats on bootstrap samples,
0.0 on the data). Resampling
*without* replacement keeps every row distinct, so for k-NN estimators (and whenever
``method="subsampling"`` is asked for) :func:`confidence_interval` uses half-sampling:
subsamples of ``m = n // 2`` distinct rows. A subsample estimate without replacement
varies like ``sigma^2 / m * (1 - m/n)``, the full-sample one like ``sigma^2 / n``, so the
subsamples' deviations from their mean, times ``sqrt(m / n / (1 - m/n))`` (exactly 1 for
``m = n/2``: half-samples vary as much as the full-sample estimate), are taken as the
spread of the estimate (Politis & Romano 1994, "Large sample confidence regions based
on subsamples under minimal assumptions"). The interval is centred on the
full-sample estimate; it accounts for sampling error, not for the estimator's bias,
which for KSG is small next to its spread at moderate MI and large in high dimension
(see ``benchmarks/results/ci_coverage.md`` for measured coverage).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from ._parallel import cap_inner_threads, parallel_map
from .base import MutualInfoEstimator
from .metrics import MI_ESTIMATORS, _build, _convert

__all__ = ["MIResult", "permutation_test", "confidence_interval"]

#: Estimators whose estimates break on repeated rows (bootstrap): use subsampling.
_KNN_ESTIMATORS = ("KSG", "MixedKSG")

_SEED_MAX = 2**32 - 1


@dataclass(frozen=True)
class MIResult:
    """A mutual information estimate with its uncertainty.

    Attributes
    ----------
    estimate : float
        The estimate on all the data.
    unit : {"nats", "bits"}
    method : str
        ``"permutation"``, ``"subsampling"`` or ``"bootstrap"``.
    n_samples : int
    p_value : float or None
        Permutation p-value ``(1 + #{null >= estimate}) / (1 + n_permutations)``.
    null_distribution : ndarray or None
        The estimates on the permuted data.
    confidence_interval : tuple of float or None
        ``(low, high)`` at ``confidence_level``.
    confidence_level : float or None
    distribution : ndarray or None
        The estimates on the resamples (subsamples or bootstrap samples).
    """

    estimate: float
    unit: str
    method: str
    n_samples: int
    p_value: float | None = None
    null_distribution: np.ndarray | None = field(default=None, repr=False)
    confidence_interval: tuple[float, float] | None = None
    confidence_level: float | None = None
    distribution: np.ndarray | None = field(default=None, repr=False)

    def to_bits(self) -> MIResult:
        """The same result in bits."""
        if self.unit == "bits":
            return self

        def conv(v):
            return None if v is None else _convert(v, "bits")

        ci = self.confidence_interval
        return replace(
            self,
            unit="bits",
            estimate=float(conv(self.estimate)),
            null_distribution=conv(self.null_distribution),
            distribution=conv(self.distribution),
            confidence_interval=None if ci is None else (conv(ci[0]), conv(ci[1])),
        )


def _prepare(estimator, X, y, random_state, n_jobs):
    est = _build(estimator, MI_ESTIMATORS, MutualInfoEstimator, {})
    rng = check_random_state(random_state)
    params = est.get_params(deep=False)
    if "random_state" in params and params["random_state"] is None:
        # one fixed seed for every refit: the jitter KSG adds to ties, a neural
        # estimator's initialisation... are then the same in every fit.
        est.set_params(random_state=int(rng.randint(_SEED_MAX)))
    cap_inner_threads(est, n_jobs)
    X = _as_rows(X, "X")
    y = _as_rows(y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have different numbers of samples: {X.shape[0]} and {y.shape[0]}."
        )
    return est, X, y, rng


def _as_rows(A, name: str):
    """``A`` as an array with one row per sample (rows are permuted and resampled).

    A pandas object becomes its NumPy array; a scipy sparse matrix is kept (CSR, whose
    rows can be taken) for the estimator to accept or refuse. None and scalars raise
    instead of failing later as an IndexError.
    """
    if A is None:
        raise TypeError(
            f"{name} is None: pass an array-like with one row per sample."
        )
    import scipy.sparse

    if scipy.sparse.issparse(A):
        return scipy.sparse.csr_array(A)
    A = A.to_numpy() if hasattr(A, "iloc") else np.asarray(A)
    if A.ndim == 0:
        raise ValueError(
            f"{name} must be an array-like with one row per sample, got a scalar "
            f"({A.item()!r})."
        )
    return A


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_unit(unit: str) -> str:
    _convert(0.0, unit)
    return unit


def _fit_value(est, X, y) -> float:
    return float(clone(est).fit(X, y).mi_)


def _permuted_fit(est, X, y, seed) -> float:
    order = np.random.default_rng(seed).permutation(y.shape[0])
    return _fit_value(est, X, y[order])


def _resampled_fit(est, X, y, seed, size, replace_rows) -> float:
    rows = np.random.default_rng(seed).choice(X.shape[0], size=size, replace=replace_rows)
    return _fit_value(est, X[rows], y[rows])


def permutation_test(
    estimator,
    X,
    y,
    *,
    n_permutations: int = 200,
    unit: str = "nats",
    n_jobs: int | None = None,
    random_state=None,
    progress: bool = False,
) -> MIResult:
    """Test independence of ``X`` and ``y`` by permuting the rows of ``y``.

    The estimator is fitted on the data, then on ``n_permutations`` copies with the rows
    of ``y`` shuffled (which keeps both marginals and breaks any dependence). The
    p-value is ``(1 + #{null >= estimate}) / (1 + n_permutations)`` (Phipson & Smyth
    2010): never 0, and exactly uniform under independence.

    Parameters
    ----------
    estimator : str or MutualInfoEstimator
        A name from ``skmi.metrics.MI_ESTIMATORS`` or an instance (cloned). If it has a
        ``random_state`` left at None, one seed drawn from ``random_state`` is used for
        every fit.
    X : array-like of shape (n_samples, n_features_x)
    y : array-like of shape (n_samples,) or (n_samples, n_features_y)
    n_permutations : int, default=200
    unit : {"nats", "bits"}, default="nats"
    n_jobs : int, default=None
        Permutations run in parallel through joblib; each worker's Numba kernels get an
        equal share of the cores.
    random_state : int, RandomState instance or None
        Seeds the permutations: the same value gives the same null distribution with
        any ``n_jobs`` or joblib backend.
    progress : bool, default=False
        Show a tqdm progress bar.

    Returns
    -------
    MIResult
        With ``estimate``, ``p_value`` and ``null_distribution``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.stats import permutation_test
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((300, 1))
    >>> y = x[:, 0] + rng.standard_normal(300)
    >>> res = permutation_test("ksg", x, y, n_permutations=99, random_state=0)
    >>> res.p_value
    0.01
    """
    n_permutations = _check_count("n_permutations", n_permutations, 1)
    _check_unit(unit)
    est, X, y, rng = _prepare(estimator, X, y, random_state, n_jobs)
    observed = _fit_value(est, X, y)  # validates the data before fanning out
    seeds = rng.randint(_SEED_MAX, size=n_permutations, dtype=np.int64)
    null = np.asarray(
        parallel_map(
            _permuted_fit, ((est, X, y, s) for s in seeds), n_jobs=n_jobs,
            progress=progress, desc="permutations", unit="fit",
        ),
        dtype=float,
    )
    p_value = (1.0 + np.count_nonzero(null >= observed)) / (1.0 + n_permutations)
    return MIResult(
        estimate=float(_convert(observed, unit)),
        unit=unit,
        method="permutation",
        n_samples=int(X.shape[0]),
        p_value=float(p_value),
        null_distribution=_convert(null, unit),
    )


def _resolve_method(method: str, est) -> str:
    if method not in ("auto", "subsampling", "bootstrap"):
        raise ValueError(
            f"method must be 'auto', 'subsampling' or 'bootstrap', got {method!r}."
        )
    if method != "auto":
        return method
    return "subsampling" if type(est).__name__ in _KNN_ESTIMATORS else "bootstrap"


def confidence_interval(
    estimator,
    X,
    y,
    *,
    confidence_level: float = 0.95,
    method: str = "auto",
    n_resamples: int = 200,
    subsample_size: int | float | None = None,
    unit: str = "nats",
    n_jobs: int | None = None,
    random_state=None,
    progress: bool = False,
) -> MIResult:
    """A confidence interval for the mutual information by resampling rows.

    Parameters
    ----------
    estimator : str or MutualInfoEstimator
        A name from ``skmi.metrics.MI_ESTIMATORS`` or an instance (cloned).
    X : array-like of shape (n_samples, n_features_x)
    y : array-like of shape (n_samples,) or (n_samples, n_features_y)
    confidence_level : float, default=0.95
    method : {"auto", "subsampling", "bootstrap"}, default="auto"
        ``"subsampling"``: half-samples without replacement, rescaled (see the module
        docstring); valid for k-NN estimators, which the bootstrap breaks.
        ``"bootstrap"``: rows drawn with replacement; the interval is the estimate
        minus the quantiles of the replicates' deviations from their mean (the
        "basic" bootstrap, centred on the replicates' mean so that the extra bias of
        a resample does not shift it).
        ``"auto"``: subsampling for KSG and MixedKSG, the bootstrap otherwise.
    n_resamples : int, default=200
    subsample_size : int or float, default=None
        Rows per subsample (an int, or a fraction of n); default ``n // 2``. Ignored by
        the bootstrap.
    unit : {"nats", "bits"}, default="nats"
    n_jobs : int, default=None
        Resamples run in parallel through joblib.
    random_state : int, RandomState instance or None
    progress : bool, default=False
        Show a tqdm progress bar.

    Returns
    -------
    MIResult
        With ``estimate``, ``confidence_interval``, ``confidence_level`` and
        ``distribution`` (the resampled estimates).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.stats import confidence_interval
    >>> rng = np.random.default_rng(0)
    >>> xy = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=1000)
    >>> res = confidence_interval("ksg", xy[:, :1], xy[:, 1], n_resamples=50,
    ...                           random_state=0)
    >>> res.method
    'subsampling'
    >>> low, high = res.confidence_interval      # truth: -log(1 - 0.36) / 2 = 0.223
    >>> bool(low < 0.223 < high)
    True
    """
    if not (isinstance(confidence_level, float | int) and 0.0 < confidence_level < 1.0):
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level!r}.")
    n_resamples = _check_count("n_resamples", n_resamples, 2)
    _check_unit(unit)
    est, X, y, rng = _prepare(estimator, X, y, random_state, n_jobs)
    method = _resolve_method(method, est)
    n = X.shape[0]
    observed = _fit_value(est, X, y)
    if method == "subsampling":
        m = _subsample_size(subsample_size, n)
        replace_rows = False
    else:
        m, replace_rows = n, True
    seeds = rng.randint(_SEED_MAX, size=n_resamples, dtype=np.int64)
    values = np.asarray(
        parallel_map(
            _resampled_fit, ((est, X, y, s, m, replace_rows) for s in seeds),
            n_jobs=n_jobs, progress=progress, desc=method, unit="fit",
        ),
        dtype=float,
    )
    alpha = 1.0 - confidence_level
    # Both methods: the resamples' deviations from their own mean, as the error of the
    # full-sample estimate. Centring on the resamples' mean (not on the estimate, as
    # the percentile bootstrap implicitly does) removes the extra bias a resample has
    # (an MI estimate on n rows drawn with replacement sees fewer distinct rows).
    deviations = values - values.mean()
    if method == "subsampling":
        # Var(size-m subsample estimate, without replacement) ~ sigma^2 / m * (1 - m/n),
        # Var(full-sample estimate) ~ sigma^2 / n: rescale the deviations by the ratio.
        deviations = deviations * np.sqrt(m / n) / np.sqrt(1.0 - m / n)
    low = observed - np.quantile(deviations, 1.0 - alpha / 2)
    high = observed - np.quantile(deviations, alpha / 2)
    return MIResult(
        estimate=float(_convert(observed, unit)),
        unit=unit,
        method=method,
        n_samples=int(n),
        confidence_interval=(float(_convert(low, unit)), float(_convert(high, unit))),
        confidence_level=float(confidence_level),
        distribution=_convert(values, unit),
    )


def _subsample_size(subsample_size, n: int) -> int:
    if subsample_size is None:
        m = n // 2
    elif isinstance(subsample_size, float):
        if not 0.0 < subsample_size < 1.0:
            raise ValueError(
                f"subsample_size as a fraction must be in (0, 1), got {subsample_size}."
            )
        m = int(round(subsample_size * n))
    elif isinstance(subsample_size, int | np.integer) and not isinstance(subsample_size, bool):
        m = int(subsample_size)
    else:
        raise TypeError(f"subsample_size must be an int or a float, got {subsample_size!r}.")
    if not 2 <= m < n:
        raise ValueError(f"subsample_size must give 2 <= m < n_samples = {n}, got m = {m}.")
    return m
