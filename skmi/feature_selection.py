"""Multivariate mutual-information feature selection: :class:`MISelector`.

Greedy forward selection that scores a candidate column by what it adds to the columns
already chosen, not by its own relevance alone, so it skips redundant copies of a
feature and finds features that only inform jointly (XOR). Every term is a mutual
information estimate in nats, computed by any skmi estimator.

Criteria (``S`` the columns selected so far, ``f`` a candidate, ``y`` the target)
---------------------------------------------------------------------------------
``"jmi"``
    Joint mutual information (Yang & Moody 1999): ``sum_{s in S} I(X_f, X_s; y)``.
``"mrmr"``
    Minimum redundancy, maximum relevance (Peng, Long & Ding 2005, the "MID" form):
    ``I(X_f; y) - mean_{s in S} I(X_f; X_s)``.
``"cmim"``
    Conditional mutual information maximisation (Fleuret 2004):
    ``min_{s in S} I(X_f; y | X_s)``.
``"joint"``
    The multivariate criterion itself: ``I(X_{S + f}; y)``, one estimate of the whole
    set per candidate.

The first three are the low-order approximations of the conditional-likelihood view of
Brown, Pocock, Zhao & Luján (2012); they only need terms of one or two columns, and each
step needs new terms only for the column chosen last (the others are kept in running
sums, minima and a cache of ``I(X_i, X_j; y)`` shared with the pair search). ``"joint"``
needs ``n_features - |S|`` estimates of growing dimension at every step.

Conditional terms ``I(X_f; y | X_s)``: estimated directly when the estimator's ``fit``
takes ``z`` (:class:`~skmi.KSG`, Frenzel-Pompe, ``variant=1``) and ``X_f`` and ``y`` are
both continuous; otherwise by the chain rule ``I(X_f, X_s; y) - I(X_s; y)`` with the same
estimator (every estimator, any mix of discrete and continuous data). Redundancy terms
``I(X_f; X_s)`` (mRMR) use the same estimator with ``X_s`` as the target, so an estimator
that always reads its target as class labels (``KDEMI``, ``DiscreteMI``) suits mRMR only
on discrete columns.
"""

from __future__ import annotations

import inspect
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._kernels._jit import SERIAL_BELOW, num_threads, resolve_n_threads
from ._parallel import inner_n_jobs
from ._validation import _LABEL_KINDS, _kind, to_codes
from .base import MutualInfoEstimator
from .binning import DiscreteMI
from .knn import KSG
from .metrics import MI_ESTIMATORS, _build, discrete_mask

__all__ = [
    "MISelector", "MAX_DISCRETE_LEVELS", "NOISE_MARGIN", "TIE_TOLERANCE", "discrete_columns",
]

#: Under ``discrete_features="auto"`` a column is discrete when all its values are
#: integers and it takes at most this many distinct values. Integer columns with more
#: levels (counts, ages, ids) are treated as continuous: a plug-in estimate over many
#: levels is biased towards ``H(y)``, while KSG breaks their ties with seeded noise.
MAX_DISCRETE_LEVELS = 20

CRITERIA = ("jmi", "mrmr", "cmim", "joint")

#: ``first_step="auto"``: the noise threshold lies ``NOISE_MARGIN`` times as far from the
#: median of the permutation null as its largest value (see :class:`MISelector`).
NOISE_MARGIN = 3.0
#: Criterion values this close (nats) are ties, won by the more relevant column, then by
#: the lower index.
TIE_TOLERANCE = 1e-12


def discrete_columns(X: np.ndarray, max_levels: int = MAX_DISCRETE_LEVELS) -> np.ndarray:
    """Boolean mask of the columns of a float array that look discrete.

    A column is discrete when all its values are integers and it takes at most
    ``max_levels`` distinct values.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.feature_selection import discrete_columns
    >>> X = np.c_[[0, 1, 1, 2], [0.5, 1.0, 2.0, 3.0], [0, 1, 0, 1]]
    >>> discrete_columns(X).tolist()
    [True, False, True]
    """
    X = np.asarray(X, dtype=np.float64)
    mask = np.zeros(X.shape[1], dtype=bool)
    for j in range(X.shape[1]):
        col = X[:, j]
        if np.all(col == np.round(col)):
            mask[j] = np.unique(col).size <= max_levels
    return mask


def _fit_mi(est, A, B, z=None, threads=None) -> float:
    """One estimate (module level so that joblib can send it to a worker).

    Numba kernels run on ``threads`` threads (None: all), on one below
    ``SERIAL_BELOW`` samples, whether or not the estimator maps its own ``n_jobs``:
    thousands of small estimates are dominated by waking threads otherwise.
    """
    with num_threads(threads, A.shape[0]):
        if z is None:
            return float(est.fit(A, B).mi_)
        return float(est.fit(A, B, z=z).mi_)


def _takes_z(est) -> bool:
    try:
        return "z" in inspect.signature(est.fit).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


class _Terms:
    """The mutual information terms of one fit, each estimated once and cached.

    ``I(X_cols; y)`` for tuples of sorted column indices, ``I(X_f; X_s)`` and
    ``I(X_f; y | X_s)``. Every batch of missing terms goes through one joblib call.
    """

    def __init__(self, X, discrete, y, discrete_y, base, auto, n_jobs):
        self.X = X
        self.discrete = discrete
        self.y = y
        self.discrete_y = discrete_y
        self.base = base
        self.auto = auto  # estimator=None: DiscreteMI for all-discrete terms
        self.n_jobs = n_jobs
        self.n_estimates = 0
        self.target_cache: dict[tuple, float] = {}
        self.redundancy_cache: dict[tuple, float] = {}
        self.conditional_cache: dict[tuple, float] = {}
        params = base.get_params()
        self.direct_cmi = _takes_z(base) and params.get("variant", 1) == 1
        # cap the threads of each estimate so that workers * threads <= cores
        self.threads, self.inner = None, {}
        if n_jobs is not None:
            self.threads = inner_n_jobs(n_jobs)
            if "n_jobs" in params:
                own = params["n_jobs"]
                cap = self.threads if own is None else min(self.threads, resolve_n_threads(own))
                self.inner = {"n_jobs": cap}
        if "n_jobs" in params and X.shape[0] < SERIAL_BELOW:
            self.inner = {"n_jobs": 1}  # for estimators that map n_jobs without n_samples

    def _estimator(self, disc_a: bool, disc_b: bool):
        if self.auto and disc_a and disc_b:
            return DiscreteMI()
        est = clone(self.base)
        params = est.get_params()
        flags = {"discrete_x": disc_a, "discrete_y": disc_b}
        est.set_params(**{k: v for k, v in flags.items() if k in params}, **self.inner)
        return est

    def _run(self, tasks) -> list[float]:
        self.n_estimates += len(tasks)
        if not tasks:
            return []
        return Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_mi)(*task, threads=self.threads) for task in tasks
        )

    def _block(self, cols) -> tuple[np.ndarray, bool]:
        cols = list(cols)
        return self.X[:, cols], bool(np.all(self.discrete[cols]))

    def _target_task(self, cols, y=None):
        A, disc_a = self._block(cols)
        return (self._estimator(disc_a, self.discrete_y), A, self.y if y is None else y)

    def target(self, blocks) -> np.ndarray:
        """``I(X_block; y)`` for each block (an iterable of column indices)."""
        keys = [tuple(sorted(int(c) for c in b)) for b in blocks]
        missing = list(dict.fromkeys(k for k in keys if k not in self.target_cache))
        values = self._run([self._target_task(k) for k in missing])
        self.target_cache.update(zip(missing, values))
        return np.array([self.target_cache[k] for k in keys])

    def null_relevance(self, y_perms) -> np.ndarray:
        """``I(X_f; y_b)`` for every permuted target ``y_b`` and column ``f``, shape (B, d).

        Not cached; all ``B * d`` estimates go through one joblib call.
        """
        d = self.X.shape[1]
        tasks = [self._target_task([f], yb) for yb in y_perms for f in range(d)]
        return np.array(self._run(tasks)).reshape(len(y_perms), d)

    def redundancy(self, fs, s: int) -> np.ndarray:
        """``I(X_f; X_s)`` for each candidate ``f``."""
        keys = [(min(f, s), max(f, s)) for f in fs]
        missing = [k for k in keys if k not in self.redundancy_cache]
        tasks = []
        for a, b in missing:
            A, disc_a = self._block([a])
            tasks.append((self._estimator(disc_a, bool(self.discrete[b])), A, self.X[:, b]))
        self.redundancy_cache.update(zip(missing, self._run(tasks)))
        return np.array([self.redundancy_cache[k] for k in keys])

    def conditional(self, fs, s: int) -> np.ndarray:
        """``I(X_f; y | X_s)`` for each candidate ``f``: direct or by the chain rule."""
        fs = [int(f) for f in fs]
        direct = [
            f for f in fs
            if self.direct_cmi and not self.discrete[f] and not self.discrete_y
            and (f, s) not in self.conditional_cache
        ]
        tasks = [
            (self._estimator(False, False), self.X[:, [f]], self.y, self.X[:, [s]])
            for f in direct
        ]
        self.conditional_cache.update(zip(((f, s) for f in direct), self._run(tasks)))
        chain = [f for f in fs if (f, s) not in self.conditional_cache]
        if chain:
            joint = self.target([(f, s) for f in chain])
            alone = self.target([(s,)])[0]
            self.conditional_cache.update(zip(((f, s) for f in chain), joint - alone))
        return np.array([self.conditional_cache[(f, s)] for f in fs])


class MISelector(SelectorMixin, BaseEstimator):
    """Greedy forward feature selection by multivariate mutual information.

    At each step the candidate column with the largest criterion (``"jmi"``, ``"mrmr"``,
    ``"cmim"`` or ``"joint"``, see :mod:`skmi.feature_selection`) joins the selected set.
    The first step maximises the relevance ``I(X_f; y)``, unless no single column
    carries information: then the best pair by ``I(X_i, X_j; y)`` is added at once (see
    ``first_step``), which finds features such as the two inputs of an XOR that a
    univariate ranking (``SelectKBest(mutual_info_classif)``) cannot tell from noise.
    All scores are in nats. Ties (criterion values within ``TIE_TOLERANCE`` = 1e-12
    nats, e.g. a plug-in estimate saturated at ``H(y)``) go to the more relevant column,
    then to the lower index.

    Parameters
    ----------
    n_features_to_select : int, float or None, default=None
        Number of columns to select; a float in (0, 1] is a fraction of the columns
        (at least one); None selects half of them (at least one).
    criterion : {"jmi", "mrmr", "cmim", "joint"}, default="jmi"
        Score of a candidate given the selected set (see the module docstring).
        ``"jmi"`` is the trade-off Brown et al. (2012) recommend; ``"joint"`` estimates
        the MI of the whole set and so needs an estimator that copes with its dimension
        (k-NN, Gaussian; a plug-in estimate on many discrete columns saturates at
        ``H(y)``).
    estimator : str, MutualInfoEstimator or None, default=None
        The estimator of every term: a name from ``skmi.metrics.MI_ESTIMATORS`` or an
        instance (cloned, never fitted in place). Where it has ``discrete_x`` /
        ``discrete_y`` parameters they are set per term from ``discrete_features`` and
        ``discrete_target``. None: :class:`~skmi.KSG` (``k=3``; Ross's estimator
        against a discrete target, Frenzel-Pompe for conditional terms) and, for terms
        whose columns and target are all discrete, the plug-in :class:`~skmi.DiscreteMI`.
        A block mixing discrete and continuous columns is handed to the estimator as
        continuous (KSG breaks the ties of its discrete columns with seeded noise).
    discrete_features : {"auto"}, bool or array-like, default="auto"
        Which columns are discrete: ``"auto"`` (integer-valued columns with at most
        ``MAX_DISCRETE_LEVELS`` = 20 distinct values), True or False for all, or a
        boolean mask of shape (n_features,) or an array of column indices. When ``X``
        is a pandas DataFrame with string column names, an array of column names
        (e.g. ``["colour", "size"]``) is accepted too.
    discrete_target : {"auto"} or bool, default="auto"
        Whether ``y`` holds class labels. ``"auto"``: integer, boolean, string or object
        labels (skmi's rule), or float values that are integers with at most
        ``MAX_DISCRETE_LEVELS`` distinct values.
    first_step : {"auto", "single", "pairs"}, default="auto"
        - ``"single"``: the first column maximises ``I(X_f; y)``.
        - ``"pairs"``: the first two columns are the pair maximising ``I(X_i, X_j; y)``
          (``n_features * (n_features - 1) / 2`` estimates), the more relevant one
          first.
        - ``"auto"``: ``"pairs"`` when no relevance exceeds the noise threshold
          (``noise_threshold_``), ``"single"`` otherwise. The relevances of every column
          against ``n_permutations`` random permutations of ``y`` sample the null (no
          information); with ``m`` their median and ``M`` their largest value the
          threshold is ``m + 3 (M - m)`` (``NOISE_MARGIN = 3``), three times as far from
          the null's centre as the largest null value. The margin makes the rule err
          towards pairs: taking pairs when a column was weakly informative costs
          ``n_features**2 / 2`` estimates but still starts from the best pair, while
          taking a single column on XOR-like data loses the pair for good. (The plain
          permutation test, threshold ``M``, takes a single column on pure XOR data 1
          time in ``n_permutations + 1``; with a margin of 2 the largest relevance
          came within 4% of the threshold in 200 binary XOR data sets, whose plug-in
          null has a heavy chi-square tail; with 3, in 240 XOR data sets of 600
          samples and 10 columns, 200 binary and 40 Gaussian, it reached at most 0.65
          of the threshold.)

        With one column to select, or one column in ``X``, the first step is single.
    n_permutations : int, default=19
        Permutations of ``y`` behind the noise threshold of ``first_step="auto"``
        (``n_permutations * n_features`` extra single-column estimates).
    n_jobs : int or None, default=None
        Estimates run in parallel through joblib; each worker's estimator gets at most
        ``cores // n_jobs`` threads of its own. None: one worker unless a
        ``joblib.parallel_config`` context says otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds the permutations and, when the estimator has a ``random_state`` left at
        None, its tie-breaking noise (the same seed for every term).

    Attributes
    ----------
    selected_features_ : ndarray of shape (`n_features_to_select_`,)
        Column indices in the order they were selected.
    scores_ : ndarray of shape (`n_features_to_select_`,)
        Criterion value (nats) of each selected column given the columns selected before
        it. For a pair first step: the relevance of the first, then the criterion of the
        second given the first (for ``"jmi"`` and ``"joint"`` that is ``I(X_i, X_j; y)``).
    relevance_ : ndarray of shape (`n_features_in_`,)
        ``I(X_f; y)`` of every column, nats.
    support_ : ndarray of shape (`n_features_in_`,), dtype bool
        Mask of the selected columns.
    first_step_ : {"single", "pairs"}
        The first step taken.
    noise_threshold_ : float or None
        The permutation noise threshold of ``first_step="auto"``, nats (None when not
        computed).
    discrete_features_ : ndarray of shape (`n_features_in_`,), dtype bool
        The columns treated as discrete.
    discrete_target_ : bool
    estimator_ : MutualInfoEstimator
        The (unfitted) estimator the terms were cloned from.
    n_features_to_select_ : int
    n_estimates_ : int
        Number of MI estimates the fit computed (cached terms counted once, permutation
        terms included).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined when ``X`` has string column names.

    References
    ----------
    H. H. Yang, J. Moody, "Data visualization and feature selection: new algorithms for
    non-Gaussian data", NIPS 1999. F. Fleuret, "Fast binary feature selection with
    conditional mutual information", JMLR 5 (2004). H. Peng, F. Long, C. Ding, "Feature
    selection based on mutual information: criteria of max-dependency, max-relevance,
    and min-redundancy", IEEE TPAMI 27 (2005). G. Brown, A. Pocock, M.-J. Zhao,
    M. Luján, "Conditional likelihood maximisation: a unifying framework for information
    theoretic feature selection", JMLR 13 (2012).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.feature_selection import MISelector
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 2, size=(500, 6))
    >>> y = X[:, 1] ^ X[:, 4]            # XOR: no single column is informative
    >>> sel = MISelector(n_features_to_select=2, random_state=0).fit(X, y)
    >>> sel.get_support(indices=True)
    array([1, 4])
    >>> sel.first_step_
    'pairs'
    >>> round(float(sel.scores_[1] / np.log(2)), 2)   # I(X_1, X_4; y) = H(y), bits
    1.0

    ``get_feature_names_out`` names the selected columns: ``X``'s column names when
    ``fit`` saw a DataFrame, otherwise ``x0``, ``x1``, ...; with
    ``set_output(transform="pandas")`` (pandas installed), ``transform`` returns a
    DataFrame with these columns, also after a
    :class:`~skmi.nn.LayerActivationExtractor` in a Pipeline (columns such as
    ``fc1__17``).

    >>> sel.get_feature_names_out().tolist()
    ['x1', 'x4']
    """

    _parameter_constraints: dict = {
        "n_features_to_select": [
            None,
            Interval(RealNotInt, 0, 1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
        ],
        "criterion": [StrOptions(set(CRITERIA))],
        "estimator": [None, StrOptions(set(MI_ESTIMATORS)), HasMethods(["fit"])],
        "discrete_features": [StrOptions({"auto"}), "boolean", "array-like"],
        "discrete_target": [StrOptions({"auto"}), "boolean"],
        "first_step": [StrOptions({"auto", "single", "pairs"})],
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_features_to_select=None,
        *,
        criterion="jmi",
        estimator=None,
        discrete_features="auto",
        discrete_target="auto",
        first_step="auto",
        n_permutations=19,
        n_jobs=None,
        random_state=None,
    ):
        self.n_features_to_select = n_features_to_select
        self.criterion = criterion
        self.estimator = estimator
        self.discrete_features = discrete_features
        self.discrete_target = discrete_target
        self.first_step = first_step
        self.n_permutations = n_permutations
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ validation
    def _resolve_k(self, d: int) -> int:
        k = self.n_features_to_select
        if k is None:
            return max(1, d // 2)
        if isinstance(k, Integral):
            if k > d:
                raise ValueError(
                    f"n_features_to_select={k} must be <= n_features={d} (the number of "
                    "columns of X)."
                )
            return int(k)
        return max(1, int(k * d))

    def _resolve_discrete(self, X: np.ndarray) -> np.ndarray:
        d = X.shape[1]
        value = self.discrete_features
        if isinstance(value, str):  # "auto" (the constraints allow nothing else)
            return discrete_columns(X)
        if not isinstance(value, (bool, np.bool_)):
            arr = np.asarray(value)
            if arr.ndim == 1 and arr.size and arr.dtype.kind in "OUS":  # column names
                value = self._name_indices(arr.tolist())
        return discrete_mask(value, d, "discrete_features")

    def _name_indices(self, names: list) -> np.ndarray:
        """Column indices of ``discrete_features`` given as names of ``X``'s columns."""
        known = getattr(self, "feature_names_in_", None)
        if known is None:
            raise ValueError(
                "discrete_features holds column names, but X has no column names: pass "
                "a pandas DataFrame with string column names, or a boolean mask or "
                "column indices."
            )
        index = {name: i for i, name in enumerate(known.tolist())}
        unknown = [name for name in names if name not in index]
        if unknown:
            raise ValueError(
                f"discrete_features names columns not in X: {unknown}; X's columns "
                f"are {known.tolist()}."
            )
        return np.asarray([index[name] for name in names], dtype=np.intp)

    def _resolve_estimator(self, seed: int):
        if self.estimator is None:
            return KSG(random_state=seed), True
        est = _build(self.estimator, MI_ESTIMATORS, MutualInfoEstimator, {})
        if "random_state" in est.get_params() and est.get_params()["random_state"] is None:
            est.set_params(random_state=seed)
        return est, False

    def _target(self, y_raw, y: np.ndarray) -> tuple[np.ndarray, bool]:
        if self.discrete_target == "auto":
            disc = _kind(y_raw) in _LABEL_KINDS
            if not disc and y.dtype.kind == "f":
                disc = bool(discrete_columns(y.reshape(-1, 1))[0])
        else:
            disc = bool(self.discrete_target)
        if disc:
            return to_codes(y), True
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
        return y, False

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=False)  # the estimator is user input
    def fit(self, X, y):
        """Select features greedily.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A pandas DataFrame's string column names are kept in
            ``feature_names_in_`` (and name the output of ``get_feature_names_out``).
        y : array-like of shape (n_samples,)
            Class labels or a continuous target.

        Returns
        -------
        self : MISelector
        """
        y_raw = y
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        n, d = X.shape
        k = self._resolve_k(d)
        discrete = self._resolve_discrete(X)
        y, discrete_y = self._target(y_raw, y)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        base, auto = self._resolve_estimator(seed)
        terms = _Terms(X, discrete, y, discrete_y, base, auto, self.n_jobs)

        relevance = terms.target([(f,) for f in range(d)])
        first_step, threshold = self.first_step, None
        if k < 2 or d < 2:
            first_step = "single"
        elif first_step == "auto":
            y_perms = [y[rng.permutation(n)] for _ in range(self.n_permutations)]
            null = terms.null_relevance(y_perms)
            centre = float(np.median(null))
            threshold = centre + NOISE_MARGIN * (float(null.max()) - centre)
            first_step = "pairs" if relevance.max() <= threshold else "single"

        forced: list[int] = []
        if first_step == "pairs":
            pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
            i, j = pairs[int(np.argmax(terms.target(pairs)))]
            forced = [i, j] if relevance[i] >= relevance[j] else [j, i]

        selected, scores = self._greedy(terms, relevance, k, forced)
        self.selected_features_ = np.asarray(selected, dtype=np.intp)
        self.scores_ = np.asarray(scores, dtype=np.float64)
        self.relevance_ = relevance
        self.support_ = np.zeros(d, dtype=bool)
        self.support_[self.selected_features_] = True
        self.first_step_ = first_step
        self.noise_threshold_ = threshold
        self.discrete_features_ = discrete
        self.discrete_target_ = discrete_y
        self.estimator_ = base
        self.n_features_to_select_ = k
        self.n_estimates_ = terms.n_estimates
        return self

    def _greedy(self, terms: _Terms, relevance: np.ndarray, k: int, forced: list[int]):
        d = relevance.size
        criterion = self.criterion
        acc = np.zeros(d)  # jmi: sum of pair terms; mrmr: sum of redundancies
        cmin = np.full(d, np.inf)  # cmim: running minimum
        selected: list[int] = []
        scores: list[float] = []
        remaining = np.ones(d, dtype=bool)
        for step in range(k):
            cand = np.flatnonzero(remaining)
            if step == 0:
                crit = relevance[cand]
            else:
                s = selected[-1]
                if criterion == "jmi":
                    acc[cand] += terms.target([(f, s) for f in cand])
                    crit = acc[cand]
                elif criterion == "mrmr":
                    acc[cand] += terms.redundancy(cand, s)
                    crit = relevance[cand] - acc[cand] / step
                elif criterion == "cmim":
                    cmin[cand] = np.minimum(cmin[cand], terms.conditional(cand, s))
                    crit = cmin[cand]
                else:  # joint
                    crit = terms.target([(*selected, f) for f in cand])
            if step < len(forced):
                pos = int(np.flatnonzero(cand == forced[step])[0])
            else:  # ties (e.g. a saturated plug-in estimate): the most relevant column
                best = np.flatnonzero(crit >= crit.max() - TIE_TOLERANCE)
                pos = int(best[np.argmax(relevance[cand[best]])])
            selected.append(int(cand[pos]))
            scores.append(float(crit[pos]))
            remaining[cand[pos]] = False
        return selected, scores

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = False
        return tags
