"""``AutoMI``: pick estimators from the data, combine them by their direction of error.

The rules, and the measurements behind them (``benchmarks/auto_rules.py`` ->
``benchmarks/results/auto_rules.md``: every candidate on the 40 tasks of Czyż et al.
2023, Gao et al.'s mixtures and the network-layer tasks of ``skmi.benchmark``, at
N = 1000 and 5000):

1. **Column kinds.** Each column is *discrete* (integer or boolean dtype, or at most
   ``max(2, min(DISCRETE_MAX_LEVELS, n // 10))`` distinct values), *mixed* (some value
   carries at least ``ATOM_MASS`` of the rows and at least ``ATOM_MIN_COUNT`` rows: a
   point mass, e.g. a ReLU's zeros), or *continuous*. A side (X or y) is discrete if all
   its columns are, continuous if all are, mixed otherwise.
2. **Both discrete:** plug-in MI with the Miller-Madow correction (:class:`DiscreteMI`).
3. **One side discrete** (class labels, input identities) **and the other continuous or
   mixed** (a layer, with or without a ReLU's exact zeros): the discrete side decides.
   Candidates, each a lower bound up to sampling error and at most H(labels):

   - KSG with Ross's per-class counts (k = 3), on the layer as it is and on its normal
     scores (the tie-breaking jitter turns an atom into a tight cluster whose counts
     are the plug-in ones). Accurate in a few dimensions, low in many; which of the two
     is higher depends on the layer (normal scores on the ReLU and tanh tasks, the raw
     layer on the noisy ones).
   - :class:`ClassifierMI`, H(labels) minus a logistic regression's cross-validated
     log-loss (Barber-Agakov, its regularisation chosen inside each training part),
     when the layer has at least ``CLASSIFIER_MIN_DIMS`` columns: it does not fall with
     the width of the layer.

   The estimate is the largest. (Gao's mixed KSG is never used here: it would put the
   labels into a max-norm distance as numbers.)
4. **A mixed side and no discrete one:** Gao et al.'s mixed KSG (:class:`MixedKSG`,
   its default k = 5), the only skmi k-NN estimator consistent with point masses.
5. **Both continuous:** up to four candidates, each a lower bound up to sampling error
   or made one:

   - KSG on normal scores (each column replaced by its rank's normal quantile; MI is
     unchanged by increasing maps of single columns, and heavy tails stop dominating
     the max-norm), ``k = 3``, and above ``SMALL_K_DIMS`` joint dimensions also
     ``k = 1`` (its bias is smaller there at N = 5000, k = 3's variance smaller at
     N = 1000). Errs low in many dimensions and at high MI.
   - The Gaussian-copula MI (:class:`GaussianCopulaMI`) and the Gaussian MI of the raw
     data (:class:`GaussianMI`), each minus the smaller of the two sides' estimated
     non-Gaussianity (:func:`gaussian_excess`, the negentropy of the side as the
     estimator sees it). The MI of the Gaussian with the data's covariance can exceed
     the truth, but by at most that amount: I_G - I = D(X) + D(Y) - D(X, Y) and
     D(X, Y) >= max(D(X), D(Y)). So the corrected value is a lower bound, exact for
     Gaussian data, whatever the sides look like (clusters shared by X and y made the
     uncorrected copula value 6.9 nats for a 4.1-nat truth). A one-column side after
     normal scores is exactly Gaussian (D = 0), so the copula needs no correction
     there. The raw Gaussian MI is the one that reaches a nearly deterministic
     Gaussian relation, which ranks cannot resolve.
   - with torch installed, more than ``SMALL_K_DIMS`` dimensions and at least
     ``NEURAL_MIN_SAMPLES`` rows, the InfoNCE bound (:class:`skmi.InfoNCE`, at most
     log of its batch size).

   The estimate is the largest: a maximum of lower bounds is a lower bound. A
   correction is computed only when its candidate could win (it only lowers it).

What was chosen and why is recorded in ``chosen_estimator_`` (the fitted estimator
that gave ``mi_``), ``reason_`` and ``candidates_`` (every estimate computed, nats,
with its correction applied).
"""

from __future__ import annotations

import importlib.util
import warnings
from typing import ClassVar

import numpy as np
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state

from ._validation import check_discrete_flag, check_xy
from .base import MutualInfoEstimator
from .binning import DiscreteMI
from .classifier import ClassifierMI
from .exceptions import SaturationWarning
from .gaussian import GaussianCopulaMI, GaussianMI, copula_normalize
from .knn import KSG, MixedKSG

__all__ = ["AutoMI", "column_kinds", "gaussian_excess", "DISCRETE_MAX_LEVELS",
           "ATOM_MASS", "ATOM_MIN_COUNT", "SMALL_K_DIMS", "NEURAL_MIN_SAMPLES",
           "CLASSIFIER_MIN_DIMS"]

#: A float column with at most this many distinct values (and at most n/10) is discrete.
DISCRETE_MAX_LEVELS = 64
#: A value holding this fraction of the rows (and ``ATOM_MIN_COUNT`` rows) is a point
#: mass: the column is mixed.
ATOM_MASS = 0.01
#: A point mass also holds at least this many rows: a value repeated a few times is a
#: tie, not an atom.
ATOM_MIN_COUNT = 10
#: Above this many dimensions (d_x + d_y, both continuous), KSG runs with k = 1.
SMALL_K_DIMS = 4
#: The neural candidate needs at least this many rows (its held-out fifth: 400).
NEURAL_MIN_SAMPLES = 2000
#: Against labels, layers of at least this many columns also get ClassifierMI.
CLASSIFIER_MIN_DIMS = 2

DISCRETE, CONTINUOUS, MIXED = "discrete", "continuous", "mixed"


def _column_kind(col: np.ndarray, integer_dtype: bool) -> str:
    if integer_dtype:
        return DISCRETE
    values, counts = np.unique(col, return_counts=True)
    n = col.shape[0]
    if values.shape[0] <= max(2, min(DISCRETE_MAX_LEVELS, n // 10)):
        return DISCRETE
    if counts.max() >= max(ATOM_MIN_COUNT, ATOM_MASS * n):
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
    if A.ndim not in (1, 2):
        raise ValueError(f"column_kinds takes a 1-D or 2-D array, got shape {A.shape}.")
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    return [_column_kind(A[:, j], integer_dtype) for j in range(A.shape[1])]


def _side_kind(kinds: list[str]) -> str:
    if all(k == DISCRETE for k in kinds):
        return DISCRETE
    if all(k == CONTINUOUS for k in kinds):
        return CONTINUOUS
    return MIXED


def _mean_log_knn(A: np.ndarray, k: int) -> float:
    """Mean log Euclidean distance from each row of ``A`` to its k-th nearest other row."""
    from sklearn.neighbors import NearestNeighbors

    dist = NearestNeighbors(n_neighbors=k + 1).fit(A).kneighbors(A)[0][:, -1]
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(dist)))


def gaussian_excess(A, *, k: int = 3, random_state=0) -> float:
    """Estimated negentropy of the rows of ``A``, nats: how far they are from Gaussian.

    ``D = h_G - h >= 0``, the Kullback-Leibler divergence from the distribution of the
    rows to the Gaussian with the same covariance (0 exactly for Gaussian rows). Both
    entropies come from the Kozachenko-Leonenko estimator on whitened rows (Euclidean
    balls), the Gaussian's on a simulated Gaussian sample of the same size, so that
    the estimator's bias at this dimension and sample size cancels:
    ``D = d * (mean log r_k(Gaussian sample) - mean log r_k(whitened rows))``.
    Directions of zero variance are dropped; rows repeated more than ``k`` times (an
    atom, which has no density) give ``inf``.

    Used by :class:`AutoMI` to turn the MI of the Gaussian with the data's covariance
    into a lower bound: ``I_G - I <= min(D(X), D(y))``.

    Parameters
    ----------
    A : array-like of shape (n_samples, n_features)
    k : int, default=3
    random_state : int, RandomState instance or None, default=0
        Seeds the Gaussian reference sample.

    Returns
    -------
    excess : float

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.auto import gaussian_excess
    >>> rng = np.random.default_rng(0)
    >>> g = rng.standard_normal((2000, 3)) @ rng.standard_normal((3, 3))
    >>> clusters = rng.choice([-3.0, 3.0], size=(2000, 3)) + rng.standard_normal((2000, 3))
    >>> bool(abs(gaussian_excess(g)) < 0.1), bool(gaussian_excess(clusters) > 1.0)
    (True, True)
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    # D is invariant under a scaling of each column: bring every column's largest
    # magnitude into [0.5, 1) by a power of two (exact) so that the covariance cannot
    # overflow (columns above ~1e154) or underflow (subnormal columns)
    _, exponent = np.frexp(np.max(np.abs(A), axis=0))
    A = np.ldexp(A, -exponent)
    A = A - A.mean(axis=0)
    w, V = np.linalg.eigh(np.cov(A, rowvar=False).reshape(A.shape[1], A.shape[1]))
    keep = w > 1e-12 * max(float(w.max()), np.finfo(float).tiny)
    if not np.any(keep):
        return 0.0
    W = A @ (V[:, keep] / np.sqrt(w[keep]))
    Z = check_random_state(random_state).standard_normal(W.shape)
    return W.shape[1] * (_mean_log_knn(Z, k) - _mean_log_knn(W, k))


class AutoMI(MutualInfoEstimator):
    """Mutual information with the estimators chosen from the data.

    See :mod:`skmi.auto` for the rules and the benchmark they come from. In short:
    plug-in (Miller-Madow) for discrete-discrete; against class labels, the larger of
    Ross's KSG and a held-out classifier bound (:class:`ClassifierMI`); Gao's mixed KSG
    for point masses without labels; for continuous data the largest of KSG on normal
    scores, the Gaussian-copula and Gaussian MI each corrected for how non-Gaussian the
    data are, and (with torch, in more dimensions) InfoNCE. Every candidate errs low (or
    is corrected so that it does), so their maximum does too.

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
        Seeds KSG's tie-breaking noise, the classifier's folds, the Gaussian reference
        samples and the neural candidate.
    n_jobs : int, default=None
        Threads for the k-NN kernels, and torch CPU threads for the InfoNCE candidate
        (None: one thread for its small critic; see :class:`~skmi.neural.InfoNCE`).

    Attributes
    ----------
    mi_ : float
        The estimate, nats.
    chosen_estimator_ : MutualInfoEstimator
        The fitted estimator whose (corrected) value is ``mi_``.
    reason_ : str
        Why it was chosen, with the k of any k-NN estimator.
    candidates_ : dict
        Every estimate computed on the way (name -> nats, corrections applied).
    kinds_ : tuple of str
        The kinds of the X side and of the y side.
    saturated_ : bool
        The chosen estimator's ``saturated_``.
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
    >>> est.kinds_
    ('continuous', 'continuous')

    Against class labels the layer's zeros do not matter, the labels decide:

    >>> labels = rng.integers(0, 4, 2000)
    >>> layer = np.maximum(0, labels[:, None] + rng.standard_normal((2000, 3)))
    >>> est = AutoMI(random_state=0).fit(layer, labels)
    >>> est.kinds_
    ('mixed', 'discrete')
    >>> sorted(est.candidates_)
    ['ClassifierMI', 'KSG(k=3), Ross counts', 'KSG(k=3), Ross counts on normal scores']
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
        if kind_x == DISCRETE and kind_y == DISCRETE:
            est = DiscreteMI(correction="miller-madow").fit(X, y)
            reason = "both sides discrete: plug-in MI with the Miller-Madow correction"
            fitted = {"DiscreteMI": (est, est.mi_)}
        elif DISCRETE in (kind_x, kind_y):
            fitted, reason = self._labels(data, kind_x == DISCRETE)
        elif MIXED in (kind_x, kind_y):
            est = MixedKSG(n_jobs=self.n_jobs).fit(X, y)
            reason = (f"point masses (a value holding >= {ATOM_MASS:.0%} of the rows) and "
                      f"no discrete side: Gao's mixed KSG with k={est.k}")
            fitted = {f"MixedKSG(k={est.k})": (est, est.mi_)}
        else:
            fitted, reason = self._continuous(X, y)
        best = max(fitted, key=lambda name: fitted[name][1])
        est, value = fitted[best]
        candidates = {name: v for name, (_, v) in fitted.items()}
        return est, value, reason, candidates, (kind_x, kind_y)

    def _labels(self, data, labels_are_x: bool):
        """The larger of Ross's KSG and ClassifierMI, the layer as it is."""
        layer = data.y if labels_are_x else data.X
        codes = data.x_codes if labels_are_x else data.y_codes
        if codes is None:  # discrete by its values, not its dtype
            labels = data.X if labels_are_x else data.y
            codes = np.unique(labels, axis=0, return_inverse=True)[1].reshape(-1)
        fitted = {}
        for name, side in (("", layer), (" on normal scores", copula_normalize(layer))):
            ross = KSG(k=3, discrete_x=False, discrete_y=True,
                       random_state=self.random_state, n_jobs=self.n_jobs).fit(side, codes)
            fitted[f"KSG(k={ross.k}), Ross counts{name}"] = (ross, ross.mi_)
        counts = np.bincount(codes)
        if layer.shape[1] >= CLASSIFIER_MIN_DIMS and np.count_nonzero(counts > 1) > 1:
            # stratified folds need 5 rows a class; else plain shuffled folds (a class a
            # training part lacks gets the smoothed prior's share)
            cv = 5 if counts.min() >= 5 else KFold(5, shuffle=True,
                                                    random_state=self.random_state)
            clf = ClassifierMI(cv=cv, random_state=self.random_state).fit(layer, codes)
            fitted["ClassifierMI"] = (clf, clf.mi_)
        side = "X" if labels_are_x else "y"
        reason = (f"{side} discrete (labels): the largest of "
                  + ", ".join(f"{name} ({v:.4g} nats)" for name, (_, v) in fitted.items())
                  + ", each a lower bound at most H(labels)")
        return fitted, reason

    def _continuous(self, X, y):
        dims = X.shape[1] + y.shape[1]
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        Xn, yn = copula_normalize(X), copula_normalize(y)
        fitted = {}
        for k in (3,) if dims <= SMALL_K_DIMS else (1, 3):
            knn = KSG(k=k, discrete_x=False, discrete_y=False,
                      random_state=self.random_state, n_jobs=self.n_jobs).fit(Xn, yn)
            fitted[f"KSG(k={k}) on normal scores"] = (knn, knn.mi_)
        if self._use_neural(dims, X.shape[0]):
            from .neural import InfoNCE

            nce = InfoNCE(random_state=self.random_state, n_jobs=self.n_jobs).fit(X, y)
            fitted["InfoNCE"] = (nce, nce.mi_)
        gaussians = [("GaussianCopulaMI", GaussianCopulaMI(discrete_y=False, drop_constant=True),
                      Xn, yn, X.shape[1] == 1 or y.shape[1] == 1),
                     ("GaussianMI", GaussianMI(drop_constant=True), X, y, False)]
        for name, est, A, B, exact in gaussians:
            value = est.fit(X, y).mi_
            if not exact and value > max(v for _, v in fitted.values()):
                value -= max(0.0, min(gaussian_excess(A, random_state=seed),
                                      gaussian_excess(B, random_state=seed + 1)))
                name += " - non-Gaussianity"
            fitted[name] = (est, value)
        reason = (f"both sides continuous ({dims} dimensions): the largest of "
                  + ", ".join(f"{name} ({v:.4g} nats)" for name, (_, v) in fitted.items())
                  + ", each a lower bound up to sampling error")
        return fitted, reason

    def _use_neural(self, dims: int, n: int) -> bool:
        if self.neural is False:
            return False
        if self.neural is True:
            return True
        if dims <= SMALL_K_DIMS or n < NEURAL_MIN_SAMPLES:
            return False
        return importlib.util.find_spec("torch") is not None

    def _chosen(self, data):
        """``_choose`` with the candidates' saturation warnings held back: only the
        chosen estimator's is reported, as AutoMI's."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SaturationWarning)
            chosen = self._choose(data)
        message = getattr(chosen[0], "_saturation_message", None)
        self._saturation(None if message is None else
                         f"{type(chosen[0]).__name__} (chosen): {message}")
        return chosen

    def _estimate(self, data) -> float:
        return self._chosen(data)[1]

    def _fit_estimate(self, data) -> float:
        est, value, reason, candidates, kinds = self._chosen(data)
        self.chosen_estimator_ = est
        self.reason_ = reason
        self.candidates_ = candidates
        self.kinds_ = kinds
        return value
