"""Functional API: one call, one number.

These functions build the corresponding estimator and fit it, so they run exactly the
same code as the classes. Results are nats unless ``unit="bits"``.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone

from ._parallel import cap_inner_threads
from .base import EntropyEstimator, MutualInfoEstimator

__all__ = [
    "mutual_info",
    "mutual_info_columns",
    "conditional_mutual_info",
    "entropy",
    "to_bits",
    "MI_ESTIMATORS",
    "ENTROPY_ESTIMATORS",
    "mi_scorer",
    "make_mi_scorer",
]

#: name -> (module, class) of the estimators the functional API can build.
MI_ESTIMATORS: dict[str, tuple[str, str]] = {
    "auto": ("auto", "AutoMI"),
    "ksg": ("knn", "KSG"),
    "mixed_ksg": ("knn", "MixedKSG"),
    "binning": ("binning", "BinningMI"),
    "discrete": ("binning", "DiscreteMI"),
    "kde": ("kde", "KDEMI"),
    "sample_propagation": ("kde", "SamplePropagationMI"),
    "gaussian": ("gaussian", "GaussianMI"),
    "gaussian_copula": ("gaussian", "GaussianCopulaMI"),
    "mine": ("neural", "MINE"),
    "nwj": ("neural", "NWJ"),
    "infonce": ("neural", "InfoNCE"),
    "smile": ("neural", "SMILE"),
    "vinfo": ("vinfo", "VInformation"),
    "classifier": ("classifier", "ClassifierMI"),
}
#: name -> (module, class) of the entropy estimators.
ENTROPY_ESTIMATORS: dict[str, tuple[str, str]] = {
    "kl": ("knn", "KLEntropy"),
    "plugin": ("binning", "PluginEntropy"),
    "mixture": ("kde", "MixtureEntropy"),
}

_LN2 = float(np.log(2.0))


def to_bits(value):
    """Convert nats to bits."""
    return value / _LN2


def _convert(value, unit: str):
    if unit == "nats":
        return value
    if unit == "bits":
        return to_bits(value)
    raise ValueError(f"unit must be 'nats' or 'bits', got {unit!r}.")


def _registry_class(name: str, registry: dict) -> type:
    module, cls_name = registry[name]
    return getattr(importlib.import_module(f"skmi.{module}"), cls_name)


def _without_unused_seed(params: dict[str, Any], accepted) -> dict[str, Any]:
    """``params`` less ``random_state`` when the estimator has no such parameter.

    The functional API takes ``random_state`` for every estimator, so a call can switch
    estimators without changing its arguments; a deterministic estimator (MixedKSG,
    GaussianMI...) has nothing to seed and the value is dropped. Any other unknown
    parameter still raises.
    """
    if "random_state" in params and "random_state" not in accepted:
        params = {k: v for k, v in params.items() if k != "random_state"}
    return params


def _build(estimator, registry: dict, base: type, params: dict[str, Any]):
    if isinstance(estimator, str):
        if estimator not in registry:
            raise ValueError(
                f"Unknown estimator {estimator!r}; choose one of {sorted(registry)} "
                "or pass an estimator instance."
            )
        cls = _registry_class(estimator, registry)
        params = _without_unused_seed(params, cls._get_param_names())
        return cls(**params)
    if isinstance(estimator, base):
        est = clone(estimator)
        params = _without_unused_seed(params, est.get_params(deep=False))
        return est.set_params(**params) if params else est
    raise TypeError(
        f"estimator must be a name or a {base.__name__} instance, got "
        f"{type(estimator).__name__}."
    )


def _fit_takes_z(est) -> bool:
    """Whether ``est.fit`` has a ``z`` (conditioning) argument."""
    try:
        return "z" in inspect.signature(type(est).fit).parameters
    except (TypeError, ValueError):
        return False


def _conditioning_estimators() -> list[str]:
    """The registry names whose estimator's ``fit`` accepts ``z``."""
    names = []
    for name in MI_ESTIMATORS:
        try:
            cls = _registry_class(name, MI_ESTIMATORS)
        except ImportError:  # an optional dependency; such a class cannot condition
            continue
        try:
            if "z" in inspect.signature(cls.fit).parameters:
                names.append(name)
        except (TypeError, ValueError):
            continue
    return names


def _reject_complex(A, name: str) -> None:
    """TypeError for complex values: MI estimators take real features."""
    dtypes = getattr(A, "dtypes", None)  # a DataFrame: one dtype per column
    if dtypes is not None and not hasattr(A, "dtype"):
        complex_cols = any(np.dtype(d).kind == "c" for d in dtypes
                           if isinstance(d, np.dtype))
    else:
        complex_cols = np.iscomplexobj(A)
    if complex_cols:
        raise TypeError(
            f"{name} has complex values; mutual information estimators take real "
            "features. Pass the real and imaginary parts (or magnitude and phase) as "
            "separate real columns, e.g. np.column_stack([T.real, T.imag])."
        )


def mutual_info(X, y, *, estimator="ksg", unit: str = "nats", **params) -> float:
    """Mutual information I(X; y).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x)
    y : array-like of shape (n_samples,) or (n_samples, n_features_y)
    estimator : str or MutualInfoEstimator, default="ksg"
        A name from ``MI_ESTIMATORS`` or an estimator instance (cloned, not modified).
        ``"auto"`` picks one from the data (:class:`skmi.AutoMI`: discrete, mixed or
        continuous columns, dimension) by rules measured on ``skmi.benchmark``.
    unit : {"nats", "bits"}, default="nats"
    **params
        Parameters of the estimator, e.g. ``k=5``.

    Returns
    -------
    mi : float

    Examples
    --------
    >>> import numpy as np
    >>> import skmi
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(3000)
    >>> y = x + rng.standard_normal(3000)     # I = log(2) / 2 = 0.347 nats = 0.5 bits
    >>> round(skmi.mutual_info(x.reshape(-1, 1), y, unit="bits", random_state=0), 1)
    0.5
    """
    est = _build(estimator, MI_ESTIMATORS, MutualInfoEstimator, params)
    return _convert(est.fit(X, y).mi_, unit)


def conditional_mutual_info(
    X, y, z, *, estimator="ksg", unit: str = "nats", **params
) -> float:
    """Conditional mutual information I(X; y | z) (Frenzel-Pompe k-NN by default).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x)
    y : array-like of shape (n_samples,) or (n_samples, n_features_y)
    z : array-like of shape (n_samples,) or (n_samples, n_features_z)
        The conditioning variables.
    estimator : str or MutualInfoEstimator, default="ksg"
        An estimator whose ``fit`` takes ``z`` (of the registry: ``"ksg"``); any other
        raises a ValueError that lists those that do.
    unit : {"nats", "bits"}, default="nats"
    **params
        Parameters of the estimator, e.g. ``k=5``.

    Returns
    -------
    cmi : float

    Examples
    --------
    >>> import numpy as np
    >>> import skmi
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 1))
    >>> z = x + rng.standard_normal((2000, 1))
    >>> y = z + rng.standard_normal((2000, 1))    # x -> z -> y: I(x; y | z) = 0
    >>> abs(skmi.conditional_mutual_info(x, y, z, random_state=0)) < 0.05
    True
    """
    est = _build(estimator, MI_ESTIMATORS, MutualInfoEstimator, params)
    if not _fit_takes_z(est):
        label = (f"estimator={estimator!r} ({type(est).__name__})"
                 if isinstance(estimator, str) else type(est).__name__)
        raise ValueError(
            f"{label} cannot condition on z: its fit takes no z. Estimators of "
            "conditional mutual information: "
            f"{_conditioning_estimators()} (or an instance of their classes)."
        )
    return _convert(est.fit(X, y, z=z).mi_, unit)


def entropy(X, *, estimator="kl", unit: str = "nats", **params) -> float:
    """Entropy of the rows of ``X`` (differential for continuous estimators).

    Examples
    --------
    >>> import numpy as np
    >>> import skmi
    >>> x = np.random.default_rng(0).uniform(size=(4000, 1))   # H = 0
    >>> abs(skmi.entropy(x)) < 0.05
    True
    """
    est = _build(estimator, ENTROPY_ESTIMATORS, EntropyEstimator, params)
    return _convert(est.fit(X).entropy_, unit)


def _column_mi(est, x, y):
    return est.fit(x.reshape(-1, 1), y).mi_


def _column(X, j: int) -> np.ndarray:
    """Column ``j`` of a dense array or of a sparse matrix (densified alone)."""
    if isinstance(X, np.ndarray):
        return X[:, j]
    return np.asarray(X[:, [j]].toarray()).ravel()


def mutual_info_columns(
    X, y, *, estimator="ksg", n_jobs: int | None = None, unit: str = "nats", **params
) -> np.ndarray:
    """I(X[:, j]; y) for every column j, in parallel through joblib.

    Usable as ``score_func`` of :class:`sklearn.feature_selection.SelectKBest`. With
    ``n_jobs`` workers, each worker's Numba kernels get ``cores // n_jobs`` threads so
    the machine is not oversubscribed.

    Parameters
    ----------
    X : array-like or scipy sparse matrix of shape (n_samples, n_features)
        A sparse matrix is read one column at a time (each column densified on its own,
        its implicit entries as zeros), so memory stays at one dense column.
    y : array-like of shape (n_samples,) or (n_samples, n_features_y)
    estimator : str or MutualInfoEstimator, default="ksg"
    n_jobs : int or None, default=None
    unit : {"nats", "bits"}, default="nats"
    **params
        Parameters of the estimator.

    Returns
    -------
    mi : ndarray of shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> import skmi
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((1000, 3))
    >>> y = X[:, 0] + 0.5 * rng.standard_normal(1000)
    >>> int(np.argmax(skmi.mutual_info_columns(X, y, random_state=0)))
    0
    """
    if X is None:
        raise TypeError("X is None: pass an array of shape (n_samples, n_features).")
    import scipy.sparse

    if scipy.sparse.issparse(X):
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got a sparse array of shape {X.shape}.")
        X = scipy.sparse.csc_array(X)  # cheap column slices
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got an array of shape {X.shape}.")
    est = _build(estimator, MI_ESTIMATORS, MutualInfoEstimator, params)
    cap_inner_threads(est, n_jobs)
    values = Parallel(n_jobs=n_jobs)(
        delayed(_column_mi)(clone(est), _column(X, j), y) for j in range(X.shape[1])
    )
    return _convert(np.asarray(values, dtype=float), unit)


def mi_scorer(estimator="ksg", *, unit: str = "nats", **params):
    """A scorer for model selection: I(T; y) of what the fitted estimator outputs.

    The scorer takes ``(fitted_estimator, X, y)`` (scikit-learn's scorer signature), sets
    ``T = fitted_estimator.transform(X)`` (for a Pipeline whose last step does not
    transform, the output of the steps before it) and returns the MI estimate of
    ``(T, y)``: higher is better, so ``GridSearchCV(..., scoring=mi_scorer(...))``
    picks e.g. the network layer with the most label information.

    Complex ``X`` or ``T`` raises a TypeError (casting to float would silently drop
    the imaginary part).

    (To score with the MI estimator itself instead, make it the pipeline's last step and
    leave ``scoring=None``: ``Pipeline.score`` then calls the estimator's ``score``,
    which re-estimates I(T; y) on each held-out fold.) ``make_mi_scorer`` is the same
    function.

    Parameters
    ----------
    estimator : str or MutualInfoEstimator, default="ksg"
    unit : {"nats", "bits"}, default="nats"
    **params
        Parameters of the estimator.

    Returns
    -------
    scorer : callable

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skmi.metrics import mi_scorer
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300)
    >>> X = np.column_stack([y + 0.3 * rng.standard_normal(300),
    ...                      rng.standard_normal(300)])
    >>> pick = FunctionTransformer(lambda X, col=0: X[:, [col]])
    >>> grid = GridSearchCV(pick, {"kw_args": [{"col": 0}, {"col": 1}]}, cv=3,
    ...                     scoring=mi_scorer(random_state=0)).fit(X, y)
    >>> grid.best_params_
    {'kw_args': {'col': 0}}
    """
    _build(estimator, MI_ESTIMATORS, MutualInfoEstimator, params)  # fail early
    _convert(0.0, unit)

    def score(fitted, X, y):
        _reject_complex(X, "X")
        if hasattr(fitted, "transform"):
            T = fitted.transform(X)
        elif hasattr(fitted, "steps"):
            T = fitted[:-1].transform(X)
        else:
            raise TypeError(
                f"{type(fitted).__name__} has no transform: an MI scorer needs the "
                "features it produces."
            )
        _reject_complex(T, "The transformed features T")
        T = np.asarray(T, dtype=np.float64)
        if T.ndim == 1:
            T = T.reshape(-1, 1)
        est = _build(estimator, MI_ESTIMATORS, MutualInfoEstimator, params)
        return float(_convert(est.fit(T, y).mi_, unit))

    return score


#: Alias of :func:`mi_scorer` (the name used in the design notes).
make_mi_scorer = mi_scorer
