"""``AutoMI``: pick an estimator from the data, by rules measured on the benchmark.

The rules, and the measurements behind them (``benchmarks/auto_rules.py`` ->
``benchmarks/results/auto_rules.md`` for the continuous case, and
``benchmarks/bench_tasks.py`` -> ``benchmarks/results/benchmark.md`` for every
estimator: the 40 tasks of Czyż et al. 2023 plus Gao et al.'s mixtures, the staircase
and a high-MI sweep, N = 5000, 5 seeds):

1. **Column kinds.** Each column is *discrete* (integer or boolean dtype, or at most
   ``max(2, min(DISCRETE_MAX_LEVELS, n // 10))`` distinct values), *mixed* (some value
   carries at least ``ATOM_MASS`` of the rows: a point mass, e.g. a ReLU's zeros), or
   *continuous*. A side (X or y) is discrete if all its columns are, continuous if all
   are, mixed otherwise.
2. **Both discrete:** plug-in MI with the Miller-Madow correction (:class:`DiscreteMI`).
3. **A mixed side:** Gao et al.'s mixed KSG (:class:`MixedKSG`), the only skmi k-NN
   estimator that is consistent with point masses (Gao tasks).
4. **One side discrete, the other continuous:** KSG with Ross's discrete-label
   counting, on the normal scores of the continuous side (Gao's uniform task).
5. **Both continuous:** every column is replaced by its normal scores (the rank copula
   step: MI is unchanged by increasing maps of single columns, and the heavy tails of
   the Student-t tasks stop dominating the max-norm distances; measured: KSG's estimate
   on ``student-3x3-dof2`` goes from 0.14 to 0.20 nats, truth 0.29). Then up to three
   estimators, all of which err *low* on this benchmark:

   - KSG with ``k = 3`` when ``d_x + d_y <= SMALL_K_DIMS``, else ``k = 1`` (its bias
     shrinks with k and, above that many dimensions, bias dominates variance);
   - the Gaussian-copula MI (:class:`GaussianCopulaMI`), which is the MI of the
     Gaussian with the normal scores' correlation: a lower bound on the MI up to
     sampling error, because a Gaussian has the least MI among joint laws with Gaussian
     marginals and a given correlation;
   - with torch installed, more than ``SMALL_K_DIMS`` dimensions and at least
     ``NEURAL_MIN_SAMPLES`` rows, also the InfoNCE lower bound (:class:`skmi.InfoNCE`,
     a critic trained on 80% of the rows, evaluated on the rest; seconds rather than
     milliseconds). Measured: it is within the factor 1.5 on the 10-dimensional
     Student-t and spiral tasks where both others fail; alone it fails the 50-dim
     spiral task, where the Gaussian copula holds.

   The estimate is the largest of these: each errs low where another is right (KSG on
   the 25- and 50-dimensional Gaussian-copula tasks, the Gaussian copula on the
   Student-t, additive-noise, spiral and Swiss-roll tasks, InfoNCE on the 50-dimensional
   spiral). A maximum of estimates that err low is itself low or right; its price is a
   small upward bias at I = 0 (the maximum of two or three noisy zeros).

What was chosen and why is recorded in ``chosen_estimator_`` (the fitted estimator
that gave ``mi_``), ``reason_`` and ``candidates_``.
"""

from __future__ import annotations

import importlib.util
from typing import ClassVar

import numpy as np

from ._validation import check_discrete_flag, check_xy
from .base import MutualInfoEstimator
from .binning import DiscreteMI
from .gaussian import GaussianCopulaMI, copula_normalize
from .knn import KSG, MixedKSG

__all__ = ["AutoMI", "column_kinds", "DISCRETE_MAX_LEVELS", "ATOM_MASS", "SMALL_K_DIMS",
           "NEURAL_MIN_SAMPLES"]

#: A float column with at most this many distinct values (and at most n/10) is discrete.
DISCRETE_MAX_LEVELS = 64
#: A value holding this fraction of the rows is a point mass: the column is mixed.
ATOM_MASS = 0.01
#: Above this many dimensions (d_x + d_y, both continuous), KSG runs with k = 1.
SMALL_K_DIMS = 4
#: The neural candidate needs at least this many rows (its held-out fifth: 400).
NEURAL_MIN_SAMPLES = 2000

DISCRETE, CONTINUOUS, MIXED = "discrete", "continuous", "mixed"


def _column_kind(col: np.ndarray, integer_dtype: bool) -> str:
    if integer_dtype:
        return DISCRETE
    values, counts = np.unique(col, return_counts=True)
    n = col.shape[0]
    if values.shape[0] <= max(2, min(DISCRETE_MAX_LEVELS, n // 10)):
        return DISCRETE
    if counts.max() >= max(2, ATOM_MASS * n):
        return MIXED
    return CONTINUOUS


def column_kinds(A, integer_dtype: bool = False) -> list[str]:
    """The kind of each column of ``A``: ``"discrete"``, ``"mixed"`` or ``"continuous"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.auto import column_kinds
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal(1000)
    >>> column_kinds(np.column_stack([z, rng.integers(0, 3, 1000), np.maximum(z, 0)]))
    ['continuous', 'discrete', 'mixed']
    """
    A = np.asarray(A)
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    return [_column_kind(A[:, j], integer_dtype) for j in range(A.shape[1])]


def _side_kind(kinds: list[str]) -> str:
    if all(k == DISCRETE for k in kinds):
        return DISCRETE
    if all(k == CONTINUOUS for k in kinds):
        return CONTINUOUS
    return MIXED


class AutoMI(MutualInfoEstimator):
    """Mutual information with the estimator chosen from the data.

    See :mod:`skmi.auto` for the rules and the benchmark they come from. In short:
    plug-in (Miller-Madow) for discrete-discrete, Ross's KSG for discrete labels and
    continuous features, Gao's mixed KSG when there are point masses, and for
    continuous data the larger of KSG and the Gaussian-copula MI on normal scores.

    Parameters
    ----------
    discrete_x, discrete_y : {"auto", True, False}, default="auto"
        Force a side to be treated as discrete (True) or continuous (False); "auto"
        looks at the dtype and the values (:func:`column_kinds`).
    neural : {"auto", True, False}, default="auto"
        Whether continuous data also get the InfoNCE candidate: "auto" when torch is
        installed, ``d_x + d_y > SMALL_K_DIMS`` and ``n >= NEURAL_MIN_SAMPLES``; True
        whenever the data are continuous (needs torch); False never.
    random_state : int, RandomState instance or None, default=None
        Seeds the tiny noise KSG adds to break ties.
    n_jobs : int, default=None
        Threads for the k-NN kernels.

    Attributes
    ----------
    mi_ : float
        The estimate, nats.
    chosen_estimator_ : MutualInfoEstimator
        The fitted estimator whose value is ``mi_``.
    reason_ : str
        Why it was chosen.
    candidates_ : dict
        Every estimate computed on the way (name -> nats).
    kinds_ : tuple of str
        The kinds of the X side and of the y side.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import AutoMI
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 1))
    >>> y = np.exp(0.6 * x + 0.8 * rng.standard_normal((2000, 1)))  # I = 0.223
    >>> est = AutoMI(random_state=0).fit(x, y)
    >>> round(est.mi_, 1)
    0.2
    >>> sorted(est.candidates_)           # the larger one gave mi_
    ['GaussianCopulaMI', 'KSG(k=3) on normal scores']
    >>> est.kinds_
    ('continuous', 'continuous')
    """

    _parameter_constraints: ClassVar[dict] = {}

    def __init__(self, *, discrete_x="auto", discrete_y="auto", neural="auto",
                 random_state=None, n_jobs=None):
        self.discrete_x = discrete_x
        self.discrete_y = discrete_y
        self.neural = neural
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _validate(self, X, y, reset):
        check_discrete_flag(self.discrete_x, "discrete_x")
        check_discrete_flag(self.discrete_y, "discrete_y")
        if not (isinstance(self.neural, bool) or self.neural == "auto"):
            raise ValueError(f"neural must be 'auto', True or False, got {self.neural!r}.")
        # only the dtype-based detection here: the value-based one is ours
        return check_xy(self, X, y, reset=reset, discrete_x=self.discrete_x,
                        discrete_y=self.discrete_y, min_samples=4,
                        why="k-NN needs k + 1 = 4")

    def _side(self, flag, data_flag: bool, A: np.ndarray) -> str:
        if flag is True or (flag == "auto" and data_flag):
            return DISCRETE
        if flag is False:
            return CONTINUOUS
        return _side_kind(column_kinds(A))

    def _choose(self, data):
        X, y = data.X, data.y
        kind_x = self._side(self.discrete_x, data.discrete_x, X)
        kind_y = self._side(self.discrete_y, data.discrete_y, y)
        common = dict(random_state=self.random_state, n_jobs=self.n_jobs)
        candidates = {}
        if kind_x == DISCRETE and kind_y == DISCRETE:
            est = DiscreteMI(correction="miller-madow").fit(X, y)
            reason = "both sides discrete: plug-in MI with the Miller-Madow correction"
        elif MIXED in (kind_x, kind_y):
            est = MixedKSG(k=3, n_jobs=self.n_jobs).fit(X, y)
            reason = ("point masses (a value holding >= "
                      f"{ATOM_MASS:.0%} of the rows) on a side: Gao's mixed KSG")
        elif DISCRETE in (kind_x, kind_y):
            disc_x = kind_x == DISCRETE
            Xn = X if disc_x else copula_normalize(X)
            yn = y if not disc_x else copula_normalize(y)
            est = KSG(k=3, discrete_x=disc_x, discrete_y=not disc_x, **common).fit(Xn, yn)
            reason = ("one side discrete, the other continuous: KSG with Ross's "
                      "per-class counts on normal scores")
        else:
            dims = X.shape[1] + y.shape[1]
            k = 3 if dims <= SMALL_K_DIMS else 1
            Xn, yn = copula_normalize(X), copula_normalize(y)
            knn = KSG(k=k, discrete_x=False, discrete_y=False, **common).fit(Xn, yn)
            gc = GaussianCopulaMI(discrete_y=False).fit(X, y)
            fitted = {f"KSG(k={k}) on normal scores": knn, "GaussianCopulaMI": gc}
            if self._use_neural(dims, X.shape[0]):
                from .neural import InfoNCE

                fitted["InfoNCE"] = InfoNCE(random_state=self.random_state).fit(X, y)
            candidates = {name: e.mi_ for name, e in fitted.items()}
            best = max(candidates, key=candidates.get)
            est = fitted[best]
            reason = (f"both sides continuous ({dims} dimensions): the largest of "
                      + ", ".join(f"{name} ({v:.4g} nats)" for name, v in candidates.items())
                      + ", all of which err low")
        if not candidates:
            candidates = {type(est).__name__: est.mi_}
        return est, reason, candidates, (kind_x, kind_y)

    def _use_neural(self, dims: int, n: int) -> bool:
        if self.neural is False:
            return False
        if self.neural is True:
            return True
        if dims <= SMALL_K_DIMS or n < NEURAL_MIN_SAMPLES:
            return False
        return importlib.util.find_spec("torch") is not None

    def _estimate(self, data) -> float:
        return self._choose(data)[0].mi_

    def _fit_estimate(self, data) -> float:
        est, reason, candidates, kinds = self._choose(data)
        self.chosen_estimator_ = est
        self.reason_ = reason
        self.candidates_ = candidates
        self.kinds_ = kinds
        return est.mi_
