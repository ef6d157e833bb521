"""Binning and discrete (plug-in) estimators: BinningMI, DiscreteMI, PluginEntropy.

Each row of bin indices (or of discrete values) is one symbol. Symbols are found by the
hashing kernels of :mod:`skmi._kernels.binning` (one pass, no ``np.unique(axis=0)``),
joint symbols by exact pair hashing, and entropies from the symbol counts.

Bias corrections (``correction=``)
----------------------------------
``"none"``
    Plug-in (maximum-likelihood) entropy ``H = log n - sum_i c_i log c_i / n``.
``"miller-madow"``
    ``H + (m - 1) / (2 n)`` with ``m`` the number of observed symbols.
``"nsb"``
    Nemenman-Shafee-Bialek (2002): the posterior mean of the entropy under a mixture of
    symmetric Dirichlet priors ``Dir(beta, ..., beta)`` over an alphabet of ``K``
    symbols, mixed so that the prior on the entropy is uniform on ``[0, log K]``
    (``p(beta) ∝ d xi / d beta``, ``xi(beta) = psi(K beta + 1) - psi(beta + 1)``). The
    one-dimensional integral over ``beta`` is done numerically on a grid in
    ``log(K beta)`` refined around the posterior peak. For ``K`` above ``e^600`` the
    ``K -> infinity`` (Dirichlet-process) limit is used; it needs coincidences (some
    symbol seen twice), otherwise the posterior mean is infinite.

Mutual information with a correction ``c`` is ``I = H_c(X) - sum_y p(y) H_c(X | Y=y)``.
For ``"none"`` and ``"miller-madow"`` this equals ``H_c(X) + H_c(Y) - H_c(X, Y)``. For
``"nsb"`` each class's conditional entropy is an NSB estimate over the alphabet of
``X``; a class seen once contributes 0 (one sample gives NSB nothing but its prior;
this keeps the information-plane convention below).

The information-plane convention
--------------------------------
``fit(T, y)`` with discrete ``y`` gives I(T; Y); with ``y = np.arange(n_samples)`` (each
sample its own input, so T is a function of the input) the same call gives
I(X; T) = H(T), for every correction.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import betaln, digamma, gammaln, polygamma
from sklearn.utils._param_validation import Interval, StrOptions

from ._kernels import binning as kb
from ._kernels._jit import num_threads
from ._validation import check_x, check_xy
from .base import EntropyEstimator, MutualInfoEstimator

__all__ = ["BinningMI", "DiscreteMI", "PluginEntropy", "entropy_from_counts",
           "SATURATION_FRACTION"]

CORRECTIONS = ("none", "miller-madow", "nsb")
#: A binned or plug-in estimate is saturated when at least this fraction of the rows of
#: a side sit alone in their symbol: I(X; T) is then log n, I(T; Y) is H(Y).
SATURATION_FRACTION = 0.9
#: Above this log alphabet size NSB uses the K -> infinity (Dirichlet-process) limit.
NSB_LOG_K_MAX = 600.0
_EULER = 0.5772156649015329


# ----------------------------------------------------------------------- entropies
def _plugin(counts: np.ndarray) -> float:
    counts = np.asarray(counts)
    if counts.dtype.kind in "iu" and counts.size and counts.max() <= 4 * counts.size:
        # sum over distinct count values c of (number of symbols seen c times) c log c
        freq = np.bincount(counts)[1:]
        c = np.arange(1, freq.size + 1, dtype=np.float64)
        n = float(np.dot(freq, c))
        return float(np.log(n) - np.dot(freq, c * np.log(c)) / n)
    counts = counts[counts > 0].astype(np.float64)
    n = counts.sum()
    return float(np.log(n) - np.dot(counts, np.log(counts)) / n)


def _nsb_terms(s, values, freqs, n, m, log_k):
    """log posterior weight (up to a constant) and E[H | beta] on a grid of s = log(K b)."""
    kappa = np.exp(s)[:, None]
    v = values[None, :]
    f = freqs[None, :]
    if log_k is None:  # Dirichlet-process limit: beta -> 0 at fixed kappa = K beta
        log_like = betaln(kappa[:, 0], n) - gammaln(n) + m * s
        log_prior = np.log(kappa[:, 0]) + np.log(polygamma(1, kappa[:, 0] + 1.0))
        mean_h = (
            digamma(n + kappa[:, 0] + 1.0)
            - np.sum(f * v * digamma(v + 1.0), axis=1) / (n + kappa[:, 0])
            + kappa[:, 0] / (n + kappa[:, 0]) * _EULER
        )
        return log_like + log_prior, mean_h
    beta = np.exp(s - log_k)[:, None]
    # log Gamma(kappa) - log Gamma(n + kappa) = betaln(kappa, n) - log Gamma(n)
    # log Gamma(v + beta) - log Gamma(beta) = log Gamma(v) - betaln(beta, v)
    log_like = (betaln(kappa[:, 0], n) - gammaln(n)) + np.sum(
        f * (gammaln(v) - betaln(beta, v)), axis=1
    )
    dxi = kappa[:, 0] * polygamma(1, kappa[:, 0] + 1.0) - beta[:, 0] * polygamma(
        1, beta[:, 0] + 1.0
    )
    log_prior = np.log(np.maximum(dxi, np.finfo(float).tiny))
    unseen = kappa[:, 0] - m * beta[:, 0]  # (K - m) beta
    mean_h = (
        digamma(n + kappa[:, 0] + 1.0)
        - np.sum(f * (v + beta) * digamma(v + beta + 1.0), axis=1) / (n + kappa[:, 0])
        - unseen * digamma(beta[:, 0] + 1.0) / (n + kappa[:, 0])
    )
    return log_like + log_prior, mean_h


def _nsb(counts: np.ndarray, log_k: float | None) -> float:
    """NSB posterior-mean entropy (nats); ``log_k=None``: infinite alphabet."""
    counts = counts[counts > 0].astype(np.int64)
    n = float(counts.sum())
    m = float(counts.size)
    if log_k is not None and log_k < np.log(m) - 1e-9:
        raise ValueError(
            f"alphabet size exp({log_k:.4g}) is smaller than the {int(m)} distinct "
            "symbols observed."
        )
    if log_k is not None and log_k <= 0.0:
        return 0.0  # a one-symbol alphabet
    if log_k is not None and log_k > NSB_LOG_K_MAX:
        log_k = None
    if log_k is None and m == n:
        warnings.warn(
            "NSB with an unbounded alphabet and no coincidences (every symbol seen "
            "once): the posterior mean entropy is infinite.",
            RuntimeWarning,
            stacklevel=3,
        )
        return float("inf")
    values, freqs = np.unique(counts, return_counts=True)
    values = values.astype(np.float64)
    freqs = freqs.astype(np.float64)
    lo = np.log(1e-10)
    hi = (log_k if log_k is not None else np.log(n)) + np.log(1e8)
    if log_k is None:
        hi = np.log(n) + 700.0 / (n - m) + 5.0
        hi = min(hi, 700.0)
    s = np.linspace(lo, hi, 4001)
    for _ in range(3):  # zoom in on the region holding the posterior mass
        logw, _ = _nsb_terms(s, values, freqs, n, m, log_k)
        keep = np.flatnonzero(logw > logw.max() - 60.0)
        a = max(keep[0] - 1, 0)
        b = min(keep[-1] + 1, s.size - 1)
        s = np.linspace(s[a], s[b], 4001)
    logw, mean_h = _nsb_terms(s, values, freqs, n, m, log_k)
    w = np.exp(logw - logw.max())
    return float(np.trapezoid(w * mean_h, s) / np.trapezoid(w, s))


def entropy_from_counts(counts, correction: str = "none", alphabet_size=None) -> float:
    """Entropy (nats) of a distribution observed through symbol counts.

    Parameters
    ----------
    counts : array-like of int
        How often each symbol was seen (zeros are ignored).
    correction : {"none", "miller-madow", "nsb"}, default="none"
        See the module docstring.
    alphabet_size : float or None, default=None
        Number of possible symbols ``K`` for NSB; None: the number observed. Ignored by
        the other corrections.

    Returns
    -------
    h : float

    Examples
    --------
    >>> from skmi.binning import entropy_from_counts
    >>> round(entropy_from_counts([2, 1, 1]), 6)        # 1.5 log 2
    1.039721
    >>> round(entropy_from_counts([2, 1, 1], "miller-madow"), 6)   # + (3 - 1) / 8
    1.289721
    """
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts < 0):
        raise ValueError("counts must be a non-empty 1-D array of non-negative numbers.")
    if counts.sum() <= 0:
        raise ValueError("counts must not all be zero.")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}.")
    k = np.count_nonzero(counts) if alphabet_size is None else alphabet_size
    return _entropy(counts, correction, float(np.log(k)))


def _entropy(counts, correction: str, log_k: float) -> float:
    if correction == "nsb":
        return _nsb(counts, log_k)
    h = _plugin(counts)
    if correction == "miller-madow":
        h += (np.count_nonzero(counts) - 1) / (2.0 * counts.sum())
    return float(h)


def _log_alphabet(codes: np.ndarray, log_k) -> float:
    return float(np.log(codes.max() + 1)) if log_k is None else float(log_k)


def _mi_from_codes(a, b, correction: str, log_k_a: float | None = None) -> float:
    """I(A; B) in nats from integer codes ``0..m-1``, conditioning on ``b``."""
    n = a.size
    if correction in ("none", "miller-madow"):
        ca = np.bincount(a)
        cb = np.bincount(b)
        if ca.size == n == np.count_nonzero(ca) or cb.size == n == np.count_nonzero(cb):
            # one side all distinct (I(X;T) with y = arange(n)): so is the joint
            cj = np.ones(n, np.int64)
        else:
            cj = np.bincount(kb.pair_symbols(a, b)[0])
        mi = _plugin(ca) + _plugin(cb) - _plugin(cj)
        if correction == "miller-madow":
            m_a, m_b, m_j = np.count_nonzero(ca), np.count_nonzero(cb), cj.size
            mi += (m_a + m_b - m_j - 1) / (2.0 * n)
        return mi
    # NSB: H(A) - sum_y p(y) H(A | B = y); classes seen once contribute 0
    joint, reps = kb.pair_symbols(a, b)
    ca = np.bincount(a)
    cj = np.bincount(joint)
    log_k = _log_alphabet(a, log_k_a)
    h = _nsb(ca, log_k)
    cls = b[reps]  # class of each joint symbol
    n_y = np.bincount(b)
    order = np.argsort(cls, kind="stable")
    bounds = np.searchsorted(cls[order], np.arange(n_y.size + 1))
    for y in np.flatnonzero(n_y > 1):
        h -= n_y[y] / n * _nsb(cj[order[bounds[y]:bounds[y + 1]]], log_k)
    return h


def _alone(codes: np.ndarray) -> float:
    """Fraction of the rows whose symbol no other row shares."""
    return float(np.count_nonzero(np.bincount(codes) == 1)) / codes.size


def _saturation_message(a, b, *, b_binned: bool, unit: str) -> str | None:
    """Why an estimate from the codes ``a`` (X) and ``b`` (y) is pinned, or None.

    When (nearly) every row of X is a symbol of its own, the plug-in I(X; y) is H(y):
    log n with one input per row (``y = arange(n)``, the I(X; T) convention), the label
    entropy against class labels, whatever X does at a finer scale. The same holds for
    a binned ``y`` against X.
    """
    n = a.size
    for codes, side, other in ((a, "X", "y"), (b, "y", "X")):
        if side == "y" and not b_binned:
            break
        alone = _alone(codes)
        if alone < SATURATION_FRACTION:
            continue
        rest = b if side == "X" else a
        if _alone(rest) == 1.0:
            ceiling = f"log n = {np.log(n):.4g} nats (every row its own input)"
        else:
            ceiling = f"H({other}) = {_plugin(np.bincount(rest)):.4g} nats"
        return (
            f"{alone:.0%} of the rows are alone in their {unit} of {side} "
            f"({int(codes.max()) + 1} symbols for n_samples={n}): the estimate is pinned "
            f"at its ceiling {ceiling}, whatever {side} does at a finer scale. Use fewer "
            "or wider bins, or see the whole range of scales with "
            "skmi.nn.information_vs_scale."
        )
    return None


# ----------------------------------------------------------------------- binning
STRATEGIES = ("fixed", "width", "minmax", "quantile")


def _edges(strategy, A, n_bins, bin_range, convention, minmax=None):
    """(edges (1 or d, n_edges), mode, width, closed_last, log alphabet size).

    ``minmax``: the array's (min, max) when already known (``"minmax"``).
    """
    closed = convention == "histogram"
    n_edges = n_bins + 1 if closed else n_bins
    n_symbols = n_bins  # intervals, or n_bins - 1 intervals + the last edge itself
    d = A.shape[1]
    if strategy == "quantile":
        q = np.linspace(0.0, 1.0, n_edges)
        edges = np.ascontiguousarray(np.quantile(A, q, axis=0).T)
        return edges, kb.SEARCH, 1.0, closed, d * np.log(n_symbols)
    if strategy == "fixed":
        lo, hi = float(bin_range[0]), float(bin_range[1])
    else:
        lo, hi = minmax if minmax is not None else (float(A.min()), float(A.max()))
        if hi <= lo:
            hi = lo + 1.0
    edges = np.linspace(lo, hi, n_edges)[None, :]
    return edges, kb.UNIFORM, 1.0, closed, d * np.log(n_symbols)


def _nonfinite_error(name: str) -> ValueError:
    return ValueError(f"Input {name} contains NaN or infinity.")


def bin_symbols(A, *, strategy="minmax", n_bins=30, bin_range=None, bin_width=None,
                convention="histogram", out_of_range="error", name="X"):
    """Symbol codes ``0..m-1`` of the rows of ``A`` after binning each column.

    Returns ``(codes, log_alphabet_size)``; see :class:`BinningMI` for the parameters.
    Non-finite values raise a ValueError (checked inside the kernels' own passes, so
    callers need not scan ``A`` first); ``name`` names the array in that message.
    """
    A = np.asarray(A, dtype=np.float64)
    # shared equal-width edges with at most 256 of them take the fast kernel, which
    # counts non-finite values itself; "minmax" finds them in its min/max pass; the
    # other paths scan for them first
    fast = strategy in ("fixed", "minmax") and n_bins + (convention == "histogram") <= 256
    minmax = None
    if strategy == "minmax":
        lo, hi, n_bad = kb.minmax_nonfinite(A)
        if n_bad:
            raise _nonfinite_error(name)
        minmax = (float(lo), float(hi))
    elif not fast and not np.isfinite(A).all():
        raise _nonfinite_error(name)
    if strategy == "width":
        edges = np.zeros((1, 2))
        mode, width, closed = kb.WIDTH, float(bin_width), True
        lo = np.floor(A.min(axis=0) / width)
        hi = np.floor(A.max(axis=0) / width)
        log_k = float(np.sum(np.log(hi - lo + 1.0)))
    else:
        edges, mode, width, closed, log_k = _edges(strategy, A, n_bins, bin_range,
                                                   convention, minmax)
    if fast:
        hashes, n_clipped, n_bad = kb.uniform_row_hashes(A, edges, closed)
        if n_bad:
            raise _nonfinite_error(name)
    else:
        hashes, n_clipped = kb.row_hashes(A, edges, mode, width, closed)
    if n_clipped and out_of_range == "error":
        raise ValueError(
            f"{n_clipped} values lie outside bin_range={tuple(bin_range)} "
            f"(data range [{A.min():.6g}, {A.max():.6g}]). Widen bin_range, or pass "
            "out_of_range='clip' to put them in the first / last bin."
        )
    codes, reps = kb.assign_symbols(hashes, A, edges, mode, width, closed, False)
    if kb.verify_symbols(codes, reps, A, edges, mode, width, closed):
        codes, reps = kb.assign_symbols(hashes, A, edges, mode, width, closed, True)
    return codes, log_k


def value_symbols(A) -> np.ndarray:
    """Symbol codes of the distinct rows of a numeric array (exact values)."""
    bits = np.ascontiguousarray(np.asarray(A, dtype=np.float64) + 0.0).view(np.int64)
    edges = np.zeros((1, 2))
    hashes, _ = kb.row_hashes(bits, edges, kb.VALUE, 1.0, True)
    codes, reps = kb.assign_symbols(hashes, bits, edges, kb.VALUE, 1.0, True, False)
    if kb.verify_symbols(codes, reps, bits, edges, kb.VALUE, 1.0, True):
        codes, reps = kb.assign_symbols(hashes, bits, edges, kb.VALUE, 1.0, True, True)
    return codes


_CORRECTION = [StrOptions(set(CORRECTIONS))]


class BinningMI(MutualInfoEstimator):
    """Plug-in mutual information after binning each column (with optional corrections).

    Every column of ``X`` is digitised, each row of bin indices is one symbol, and the
    mutual information is computed from the joint symbol counts. A continuous ``y`` is
    binned the same way (its own range for ``"minmax"`` and ``"quantile"``); a discrete
    ``y`` (integer or string labels under ``discrete_y="auto"``) is used as is.

    Information-plane convention: ``fit(T, y)`` with class labels ``y`` gives I(T; Y);
    ``fit(T, np.arange(len(T)))`` (each sample its own input) gives I(X; T) = H(T).

    Parameters
    ----------
    n_bins : int, default=30
        With ``convention="histogram"``: the number of equal intervals (as
        ``numpy.histogram``; 30 on [-1, 1] gives 31 edges). With
        ``convention="digitize"``: the number of edges (Shwartz-Ziv & Tishby's
        ``np.linspace(-1, 1, n_bins)``).
    strategy : {"minmax", "fixed", "width", "quantile"}, default="minmax"
        - ``"fixed"``: equal-width bins over ``bin_range`` (Shwartz-Ziv & Tishby:
          30 bins on [-1, 1] for tanh layers).
        - ``"width"``: bins of width ``bin_width``, bin index ``floor(a / bin_width)``
          (Saxe et al. 2018); no range.
        - ``"minmax"``: equal-width bins between the smallest and largest value of the
          whole array (shared by all columns: Saxe et al.'s convention for ReLU layers).
        - ``"quantile"``: equal-mass bins, per column.
    bin_range : tuple (low, high) or None, default=None
        Range for ``strategy="fixed"`` (required there, ignored otherwise).
    bin_width : float or None, default=None
        Width for ``strategy="width"`` (required there, ignored otherwise).
    convention : {"histogram", "digitize"}, default="histogram"
        ``"histogram"``: interval ``k`` is ``[e_k, e_{k+1})`` and the last interval is
        closed, as ``numpy.histogram``. ``"digitize"``: ``np.digitize(a, edges)``, so a
        value equal to the last edge (a saturated tanh unit) is a symbol of its own.
    out_of_range : {"error", "clip"}, default="error"
        With ``"fixed"``, values outside ``bin_range`` raise a ValueError, or with
        ``"clip"`` go to the first / last bin.
    correction : {"none", "miller-madow", "nsb"}, default="none"
        Bias correction of the entropies (see :mod:`skmi.binning`). For NSB the alphabet
        of a row is the product of the columns' numbers of bins.
    discrete_y : {"auto", True, False}, default="auto"
        Whether ``y`` holds labels (not binned).
    n_jobs : int or None, default=None
        Threads for the Numba kernels.

    Attributes
    ----------
    mi_ : float
        Estimate, nats.
    n_symbols_ : int
        Number of distinct rows of bins of ``X`` in the training data.
    saturated_ : bool
        Whether at least ``SATURATION_FRACTION`` (90%) of the rows of ``X`` (or of a
        binned ``y``) sit alone in their bin, so that the estimate is pinned at its
        ceiling: log n for I(X; T) with ``y = arange(n)``, H(y) against labels. A
        :class:`~skmi.SaturationWarning` says so at ``fit`` (and ``score``).
    n_features_in_ : int

    References
    ----------
    R. Shwartz-Ziv, N. Tishby, "Opening the black box of deep neural networks via
    information", arXiv:1703.00810 (2017). A. M. Saxe et al., "On the information
    bottleneck theory of deep learning", ICLR 2018. I. Nemenman, F. Shafee, W. Bialek,
    "Entropy and inference, revisited", NIPS 2002.

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> from skmi import BinningMI
    >>> X = np.array([[0.1, -0.9], [0.2, 0.9], [-0.5, 0.3], [0.7, -0.2]])
    >>> est = BinningMI(n_bins=2, strategy="fixed", bin_range=(-1, 1))
    >>> round(est.fit(X, np.arange(4)).mi_ / math.log(2), 6)   # I(X; T) = H(T), bits
    1.5
    >>> round(est.fit(X, np.array([0, 0, 1, 1])).mi_ / math.log(2), 6)   # I(T; Y)
    0.5
    """

    _parameter_constraints = {
        "n_bins": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions(set(STRATEGIES))],
        "bin_range": [tuple, list, None],
        "bin_width": [Interval(Real, 0, None, closed="neither"), None],
        "convention": [StrOptions({"histogram", "digitize"})],
        "out_of_range": [StrOptions({"error", "clip"})],
        "correction": _CORRECTION,
        "discrete_y": [StrOptions({"auto"}), "boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        n_bins=30,
        *,
        strategy="minmax",
        bin_range=None,
        bin_width=None,
        convention="histogram",
        out_of_range="error",
        correction="none",
        discrete_y="auto",
        n_jobs=None,
    ):
        self.n_bins = n_bins
        self.strategy = strategy
        self.bin_range = bin_range
        self.bin_width = bin_width
        self.convention = convention
        self.out_of_range = out_of_range
        self.correction = correction
        self.discrete_y = discrete_y
        self.n_jobs = n_jobs

    def _check_params(self):
        if self.strategy == "fixed":
            if self.bin_range is None:
                raise ValueError(
                    "strategy='fixed' needs bin_range=(low, high), e.g. (-1, 1)."
                )
            lo, hi = self.bin_range
            if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
                raise ValueError(
                    f"bin_range must be two finite numbers low < high, got "
                    f"{self.bin_range!r}."
                )
        if self.strategy == "width" and self.bin_width is None:
            raise ValueError("strategy='width' needs bin_width, e.g. 0.5.")
        if self.convention == "digitize" and self.n_bins < 2:
            raise ValueError("convention='digitize' needs n_bins >= 2 edges.")

    def _validate(self, X, y, reset):
        self._check_params()
        # the binning kernels scan X for NaN and infinity in their own pass
        return check_xy(self, X, y, reset=reset, discrete_x=False,
                        discrete_y=self.discrete_y, finite_x=False)

    def _symbols(self, A, name="X"):
        return bin_symbols(
            A, strategy=self.strategy, n_bins=self.n_bins, bin_range=self.bin_range,
            bin_width=self.bin_width, convention=self.convention,
            out_of_range=self.out_of_range, name=name,
        )

    def _estimate(self, data) -> float:
        with num_threads(self.n_jobs, data.n_samples):
            a, log_k = self._symbols(data.X)
            b = data.y_codes if data.discrete_y else self._symbols(data.y, "y")[0]
            self.n_symbols_ = int(a.max() + 1)
            self._saturation(_saturation_message(a, b, b_binned=not data.discrete_y,
                                                 unit="bin"))
            return _mi_from_codes(a, b, self.correction, max(log_k, np.log(a.max() + 1)))


class DiscreteMI(MutualInfoEstimator):
    """Mutual information of discrete data (plug-in, Miller-Madow or NSB).

    Each row of ``X`` (integer codes, booleans or floats taking few values, several
    columns allowed) is one symbol, and so is each row of ``y`` (labels of any type).
    Nothing is binned: equal rows are equal symbols, exactly.

    Parameters
    ----------
    correction : {"none", "miller-madow", "nsb"}, default="none"
        See :mod:`skmi.binning`.
    alphabet_size : int or None, default=None
        Number of possible symbols of ``X`` (for NSB). None: the product over columns of
        the number of distinct values observed in each column.

    Attributes
    ----------
    mi_ : float
        Estimate, nats.
    saturated_ : bool
        Whether at least 90% of the rows of ``X`` are values seen once (continuous data
        passed as discrete): the estimate is then pinned at H(y). A
        :class:`~skmi.SaturationWarning` says so.
    n_features_in_ : int

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> from skmi import DiscreteMI
    >>> x = np.array([0, 0, 1, 1, 2, 2, 3, 3]).reshape(-1, 1)
    >>> y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> round(DiscreteMI().fit(x, y).mi_ / math.log(2), 6)     # y is a function of x
    1.0
    """

    _parameter_constraints = {
        "correction": _CORRECTION,
        "alphabet_size": [Interval(Real, 1, None, closed="left"), None],
    }

    def __init__(self, *, correction="none", alphabet_size=None):
        self.correction = correction
        self.alphabet_size = alphabet_size

    def _validate(self, X, y, reset):
        return check_xy(self, X, y, reset=reset, discrete_x=False, discrete_y=True)

    def _estimate(self, data) -> float:
        with num_threads(None, data.n_samples):  # one thread for small inputs
            a = value_symbols(data.X)
        log_k = _column_log_alphabet(data.X, self.alphabet_size)
        self._saturation(_saturation_message(a, data.y_codes, b_binned=False,
                                             unit="symbol"))
        return _mi_from_codes(a, data.y_codes, self.correction, log_k)


def _column_log_alphabet(X, alphabet_size):
    if alphabet_size is not None:
        return float(np.log(alphabet_size))
    return float(sum(np.log(np.unique(X[:, c]).size) for c in range(X.shape[1])))


class PluginEntropy(EntropyEstimator):
    """Entropy of discrete rows (plug-in, Miller-Madow or NSB), nats.

    Each row of ``X`` is one symbol (exact numeric values, so map string labels to
    integers first; nothing is binned). Registered as
    ``skmi.entropy(X, estimator="plugin")``.

    Parameters
    ----------
    correction : {"none", "miller-madow", "nsb"}, default="none"
    alphabet_size : int or None, default=None
        Number of possible symbols (for NSB). None: the product over columns of the
        number of distinct values observed in each column.

    Attributes
    ----------
    entropy_ : float
        Estimate, nats.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> import skmi
    >>> x = np.array([[0, 1], [0, 1], [1, 0], [1, 1]])
    >>> round(float(skmi.entropy(x, estimator="plugin", unit="bits")), 6)   # 1/2, 1/4, 1/4
    1.5
    """

    _parameter_constraints = {
        "correction": _CORRECTION,
        "alphabet_size": [Interval(Real, 1, None, closed="left"), None],
    }

    def __init__(self, *, correction="none", alphabet_size=None):
        self.correction = correction
        self.alphabet_size = alphabet_size

    def _validate(self, X, reset):
        return check_x(self, X, reset=reset)

    def _estimate(self, X) -> float:
        with num_threads(None, X.shape[0]):  # one thread for small inputs
            symbols = value_symbols(X)
        counts = np.bincount(symbols)
        log_k = _column_log_alphabet(X, self.alphabet_size)
        return _entropy(counts, self.correction, max(log_k, np.log(counts.size)))
