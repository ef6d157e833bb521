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
    """The registry names whose estimator's ``fit`` accepts ``z``, and ``"auto"``
    (which picks one of them in :func:`conditional_mutual_info`)."""
    names = ["auto"]
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
    """Conditional mutual information I(X; y | z) (k-NN by default).

    With the default ``estimator="ksg"`` (:class:`~skmi.KSG`) the method follows the
    kinds of the columns of ``z`` (``discrete_z="auto"``: integer, boolean, string or
    categorical columns are discrete): a continuous ``z`` gets Frenzel-Pompe; a
    discrete one ``sum_v p(z = v) I(X; y | z = v)``, each term KSG, Ross or plug-in by
    the kinds of X and y on the rows with ``z = v`` (every value of z needs more than
    k rows); a mixed one Frenzel-Pompe within each value of its discrete columns.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x)
    y : array-like of shape (n_samples,) or (n_samples, n_features_y)
    z : array-like of shape (n_samples,) or (n_samples, n_features_z)
        The conditioning variables.
    estimator : str or MutualInfoEstimator, default="ksg"
        An estimator whose ``fit`` takes ``z`` (of the registry: ``"ksg"`` and
        ``"discrete"``, the plug-in conditional MI of discrete data), or ``"auto"``:
        each column of X, y and z is discrete or not by its dtype and values
        (:func:`skmi.auto.column_kinds`, unless ``discrete_x``, ``discrete_y`` or
        ``discrete_z`` says), then all discrete gives the plug-in conditional MI with
        the Miller-Madow correction (as :class:`~skmi.AutoMI` does for discrete MI),
        anything else :class:`~skmi.KSG` with those kinds (columns with point masses
        count as continuous). ``"auto"`` takes ``discrete_x``, ``discrete_y``,
        ``discrete_z``, ``random_state`` and ``n_jobs``. Any other estimator raises a
        ValueError that lists those that condition.
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

    A discrete z (integer dtype) is conditioned on value by value; with discrete X and
    y too, the plug-in estimate: z = x xor y for independent bits x and y makes
    I(x; y | z) = 1 bit.

    >>> bx = rng.integers(0, 2, 4000)
    >>> by = rng.integers(0, 2, 4000)
    >>> cmi = skmi.conditional_mutual_info(bx.reshape(-1, 1), by, bx ^ by, unit="bits")
    >>> round(cmi, 2)
    1.0
    >>> round(skmi.conditional_mutual_info(bx.reshape(-1, 1), by, bx ^ by,
    ...                                    estimator="auto", unit="bits"), 2)
    1.0
    """
    if isinstance(estimator, str) and estimator == "auto":
        return _convert(_auto_conditional(X, y, z, params), unit)
    est = _build(estimator, MI_ESTIMATORS, MutualInfoEstimator, params)
    if not _fit_takes_z(est):
        from .auto import AutoMI

        if isinstance(est, AutoMI):  # an instance: its settings, as "auto" with them
            auto = {k: v for k, v in est.get_params(deep=False).items() if k != "neural"}
            return _convert(_auto_conditional(X, y, z, {**auto, **params}), unit)
        label = (f"estimator={estimator!r} ({type(est).__name__})"
                 if isinstance(estimator, str) else type(est).__name__)
        raise ValueError(
            f"{label} cannot condition on z: its fit takes no z. Estimators of "
            "conditional mutual information: "
            f"{_conditioning_estimators()} (or an instance of their classes)."
        )
    return _convert(est.fit(X, y, z=z).mi_, unit)


def _columns_of(A, n: int) -> list[np.ndarray]:
    """The columns of ``A`` (a DataFrame's one by one, in their own dtypes)."""
    if hasattr(A, "iloc") and getattr(A, "ndim", 1) == 2:
        return [np.asarray(A.iloc[:, j].to_numpy()) for j in range(A.shape[1])]
    a = np.asarray(A)
    return list(a.reshape(n, -1).T) if a.size else []


def _discrete_side(A, flag, label_kinds: str) -> np.ndarray:
    """Per column of ``A``: discrete by ``flag`` (bool or mask) or, for ``"auto"``, by
    dtype (kinds ``label_kinds``) or values (:func:`skmi.auto.column_kinds`)."""
    from ._validation import _dtype_kind
    from .auto import DISCRETE, column_kinds

    n = np.shape(A)[0]
    cols = _columns_of(A, n)
    if not (isinstance(flag, str) and flag == "auto"):
        return discrete_mask(flag, len(cols), "discrete_z")
    return np.array([
        _dtype_kind(c.dtype) in label_kinds
        or (c.dtype.kind == "f" and column_kinds(c)[0] == DISCRETE)
        for c in cols
    ], dtype=bool)


def _auto_conditional(X, y, z, params: dict[str, Any]) -> float:
    """``conditional_mutual_info(..., estimator="auto")``: see its docstring."""
    from ._validation import _DISCRETE_KINDS, _LABEL_KINDS, check_discrete_flag
    from .binning import DiscreteMI
    from .knn import KSG

    params = dict(params)
    discrete_z = params.pop("discrete_z", "auto")
    allowed = {"discrete_x", "discrete_y", "random_state", "n_jobs"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise TypeError(
            f"estimator='auto' for conditional MI takes {sorted(allowed | {'discrete_z'})}"
            f", got {unknown}."
        )
    flag_x = params.get("discrete_x", "auto")
    flag_y = params.get("discrete_y", "auto")
    check_discrete_flag(flag_x, "discrete_x")
    check_discrete_flag(flag_y, "discrete_y")
    if X is None or y is None or z is None:
        raise TypeError("X, y and z must be arrays, got None.")
    disc_x = bool(np.all(_discrete_side(X, flag_x, _DISCRETE_KINDS)))
    disc_y = bool(np.all(_discrete_side(y, flag_y, _LABEL_KINDS)))
    mask_z = _discrete_side(z, discrete_z, _LABEL_KINDS)
    if disc_x and disc_y and mask_z.all():
        return DiscreteMI(correction="miller-madow").fit(X, y, z=z).mi_
    est = KSG(discrete_x=disc_x, discrete_y=disc_y, discrete_z=mask_z,
              random_state=params.get("random_state"), n_jobs=params.get("n_jobs"))
    return est.fit(X, y, z=z).mi_


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


def discrete_mask(value, d: int, name: str = "discrete_features") -> np.ndarray:
    """Boolean mask over ``d`` columns from scikit-learn's ``discrete_features``
    convention: a bool (all or none), a boolean mask of shape ``(d,)`` or an array of
    column indices (negative ones count from the end). ``"auto"`` is the caller's to
    resolve; ``name`` names the parameter in errors.

    Examples
    --------
    >>> from skmi.metrics import discrete_mask
    >>> discrete_mask([0, -1], 4).tolist()
    [True, False, False, True]
    """
    if isinstance(value, (bool, np.bool_)):
        return np.full(d, bool(value))
    arr = np.asarray(value)
    if arr.size == 0:
        return np.zeros(d, dtype=bool)
    if arr.dtype.kind == "b":
        if arr.shape != (d,):
            raise ValueError(
                f"{name} as a boolean mask must have shape ({d},), got {arr.shape}."
            )
        return arr.copy()
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(
            f"{name} must be 'auto', a bool, a boolean mask or an array of column "
            f"indices, got {value!r}."
        )
    if arr.min() < -d or arr.max() >= d:
        raise ValueError(
            f"{name} holds column indices out of range for {d} columns: {arr.tolist()}."
        )
    mask = np.zeros(d, dtype=bool)
    mask[arr] = True
    return mask


def _column_flags(est, discrete_features, d: int, sparse: bool) -> list:
    """``discrete_x`` for the estimate of each column (None: the estimator's own)."""
    has_flag = "discrete_x" in est.get_params(deep=False)
    own = est.get_params(deep=False).get("discrete_x", "auto")
    if isinstance(discrete_features, str):
        if discrete_features != "auto":
            raise ValueError(
                "discrete_features must be 'auto', a bool, a boolean mask or an array "
                f"of column indices, got {discrete_features!r}."
            )
        from .auto import AutoMI

        if not has_flag or isinstance(est, AutoMI) or not (isinstance(own, str)
                                                           and own == "auto"):
            return [None] * d  # the estimator's own detection, or the caller's flag
        return [sparse] * d
    mask = discrete_mask(discrete_features, d)
    if not has_flag:
        raise ValueError(
            f"{type(est).__name__} has no discrete_x parameter (it treats the columns "
            "its own way): leave discrete_features='auto' with it."
        )
    if not (isinstance(own, str) and own == "auto"):
        raise ValueError(
            f"Got both discrete_features={discrete_features!r} and discrete_x={own!r}: "
            "pass one of them."
        )
    return [bool(v) for v in mask]


def mutual_info_columns(
    X, y, *, estimator="ksg", discrete_features="auto", n_jobs: int | None = None,
    unit: str = "nats", **params
) -> np.ndarray:
    """I(X[:, j]; y) for every column j, in parallel through joblib.

    Usable as ``score_func`` of :class:`sklearn.feature_selection.SelectKBest`. With
    ``n_jobs`` workers, each worker's Numba kernels get ``cores // n_jobs`` threads so
    the machine is not oversubscribed.

    Which columns are discrete follows scikit-learn's ``mutual_info_classif`` /
    ``mutual_info_regression``: by default a dense ``X`` is continuous whatever its
    dtype (integer columns get the tie-breaking noise) and a sparse ``X`` discrete.
    With the default KSG and the same ``random_state`` (and ``clip=True``, as
    scikit-learn clips at 0) the values are scikit-learn's: KSG for continuous
    columns and ``y``, Ross's estimator for a continuous column against labels (or a
    discrete column against a continuous ``y``), the plug-in MI for both discrete.
    The target is discrete by its dtype (integer, boolean or string labels), as for
    :class:`~skmi.KSG`.

    Parameters
    ----------
    X : array-like or scipy sparse matrix of shape (n_samples, n_features)
        A sparse matrix is read one column at a time (each column densified on its own,
        its implicit entries as zeros), so memory stays at one dense column.
    y : array-like of shape (n_samples,) or (n_samples, n_features_y)
    estimator : str or MutualInfoEstimator, default="ksg"
    discrete_features : {"auto"}, bool or array-like, default="auto"
        Which columns are discrete, as in scikit-learn: ``"auto"`` (dense X: none,
        sparse X: all), a bool for all columns, a boolean mask of shape
        ``(n_features,)`` or an array of column indices. It sets the ``discrete_x``
        parameter of the estimator for each column, so it needs an estimator that has
        one (KSG); with ``"auto"`` an estimator without it, or :class:`~skmi.AutoMI`
        (which detects discrete columns by their values), or one given ``discrete_x``
        explicitly, decides for itself.
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

    Integer columns are continuous unless said otherwise, as in scikit-learn (here
    column 1 is declared discrete):

    >>> from sklearn.feature_selection import mutual_info_classif
    >>> Xd = np.column_stack([X[:, 0], rng.integers(0, 4, 1000)])
    >>> yd = (Xd[:, 1].astype(int) + rng.integers(0, 2, 1000)) % 4   # labels
    >>> ours = skmi.mutual_info_columns(Xd, yd, discrete_features=[1], random_state=0,
    ...                                 clip=True)
    >>> theirs = mutual_info_classif(Xd, yd, discrete_features=[1], random_state=0)
    >>> bool(np.allclose(ours, theirs, rtol=0, atol=1e-10))
    True
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
    flags = _column_flags(est, discrete_features, X.shape[1], scipy.sparse.issparse(X))
    cap_inner_threads(est, n_jobs)

    def column_estimator(flag):
        return clone(est) if flag is None else clone(est).set_params(discrete_x=flag)

    values = Parallel(n_jobs=n_jobs)(
        delayed(_column_mi)(column_estimator(flags[j]), _column(X, j), y)
        for j in range(X.shape[1])
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
