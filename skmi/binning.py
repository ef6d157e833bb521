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

Conditional mutual information (``DiscreteMI().fit(X, y, z=z)``) is
``I(X; Y | Z) = sum_z p(z) I(X; Y | Z=z)`` with each term computed as above on the rows
with ``Z = z``. For ``"none"`` and ``"miller-madow"`` this equals
``H_c(X, Z) + H_c(Y, Z) - H_c(X, Y, Z) - H_c(Z)``, the Miller-Madow term being
``(m_XZ + m_YZ - m_XYZ - m_Z) / (2 n)`` (``m``: observed symbols); with every cell
observed it is ``-|Z| (|X| - 1) (|Y| - 1) / (2 n)``, the mean of the plug-in value
under conditional independence (where ``2 n I`` is asymptotically chi-squared with
that many degrees of freedom). For ``"nsb"`` a value of ``Z`` seen once contributes 0.

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
from ._kernels._interrupt import guard
from ._kernels._jit import num_threads
from ._validation import check_symbols, check_xy
from .base import EntropyEstimator, MutualInfoEstimator

__all__ = ["BinningMI", "DiscreteMI", "PluginEntropy", "entropy_from_counts",
           "conditional_mi_from_codes", "SATURATION_FRACTION"]

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
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}.")
    counts = _check_counts(counts, integer=correction == "nsb")
    if alphabet_size is None:
        return _entropy(counts, correction, float(np.log(np.count_nonzero(counts))))
    if isinstance(alphabet_size, (bool, np.bool_)) or not isinstance(alphabet_size, Real):
        raise TypeError(f"alphabet_size must be a number or None, got {alphabet_size!r}.")
    if not alphabet_size >= 1:  # NaN too
        raise ValueError(f"alphabet_size must be at least 1, got {alphabet_size!r}.")
    return _entropy(counts, correction, float(np.log(alphabet_size)))


def _check_counts(counts, integer: bool) -> np.ndarray:
    """``counts`` as a 1-D array of finite non-negative numbers, not all zero."""
    counts = np.asarray(counts)
    if counts.dtype.kind not in "biuf":
        raise TypeError(f"counts must be numbers, got an array of dtype {counts.dtype}.")
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(
            f"counts must be a non-empty 1-D array, got an array of shape {counts.shape}."
        )
    if counts.dtype.kind == "b":
        counts = counts.astype(np.int64)
    if counts.dtype.kind == "f":
        if not np.all(np.isfinite(counts)):
            raise ValueError("counts must be finite: got NaN or infinity.")
        if integer and not np.all(counts == np.floor(counts)):
            raise ValueError("correction='nsb' needs integer counts, got fractional ones.")
    if np.any(counts < 0):
        raise ValueError("counts must be non-negative, got a negative count.")
    if not counts.sum() > 0:
        raise ValueError("counts must not all be zero.")
    return counts


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
    unbounded = log_k > NSB_LOG_K_MAX
    if unbounded and np.count_nonzero(ca) == n:
        raise _nsb_undersampled(log_k, f"all {n} rows of X are distinct symbols")
    h = _nsb(ca, log_k)
    cls = b[reps]  # class of each joint symbol
    n_y = np.bincount(b)
    order = np.argsort(cls, kind="stable")
    bounds = np.searchsorted(cls[order], np.arange(n_y.size + 1))
    for y in np.flatnonzero(n_y > 1):
        counts = cj[order[bounds[y]:bounds[y + 1]]]
        if unbounded and counts.size == n_y[y]:
            raise _nsb_undersampled(
                log_k, f"the {n_y[y]} rows of X in one class of y are all distinct symbols"
            )
        h -= n_y[y] / n * _nsb(counts, log_k)
    return h


def conditional_mi_from_codes(a, b, c, correction: str = "none",
                              log_k_a: float | None = None) -> float:
    """I(A; B | C) in nats from integer codes (``sum_c p(c) I(A; B | C=c)``).

    See the module docstring for the corrections; ``log_k_a`` is the log alphabet size
    of ``A`` for NSB (None: its number of codes).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.binning import conditional_mi_from_codes
    >>> x = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    >>> y = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    >>> z = x ^ y        # x and y independent, but y = x xor z: I(x; y | z) = log 2
    >>> round(float(conditional_mi_from_codes(x, y, z) / np.log(2)), 6)
    1.0
    """
    a, b, c = (np.asarray(v, dtype=np.int64) for v in (a, b, c))
    n = a.size
    if correction in ("none", "miller-madow"):
        ac = kb.pair_symbols(a, c)[0]
        bc = kb.pair_symbols(b, c)[0]
        abc = kb.pair_symbols(ac, b)[0]
        counts = [np.bincount(v) for v in (ac, bc, abc, c)]
        h_ac, h_bc, h_abc, h_c = (_plugin(v) for v in counts)
        mi = h_ac + h_bc - h_abc - h_c
        if correction == "miller-madow":
            m_ac, m_bc, m_abc, m_c = (np.count_nonzero(v) for v in counts)
            mi += (m_ac + m_bc - m_abc - m_c) / (2.0 * n)
        return float(mi)
    log_k = _log_alphabet(a, log_k_a)
    order = np.argsort(c, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(c[order]) != 0, True])
    total = 0.0
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi - lo > 1:
            rows = order[lo:hi]
            total += (hi - lo) * _mi_from_codes(a[rows], b[rows], correction, log_k)
    return float(total / n)


def _nsb_undersampled(log_k: float, what: str) -> ValueError:
    return ValueError(
        f"correction='nsb' cannot estimate this mutual information: {what} (no "
        f"coincidences), and with an alphabet of exp({log_k:.4g}) > exp({NSB_LOG_K_MAX:g}) "
        "symbols NSB works in its unbounded-alphabet limit, where the posterior mean "
        "entropy of data without coincidences is infinite (the data are far too "
        "undersampled for NSB). Use fewer bins or fewer columns (a smaller alphabet), "
        "or correction='none' or 'miller-madow'."
    )


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
#: Binning works on a copy rescaled by a power of two (exact) when the data span (or
#: ``bin_range``) is below this or not finite: equal-width edges with subnormal steps
#: lose precision, and kernels running with denormals-are-zero set (some libraries set
#: it in the threads they share with Numba) would read subnormal values as 0.
_SAFE_SPAN_MIN = 2.0 ** -900
#: ... or, for quantile bins, a column's largest magnitude above this (the quantiles'
#: interpolation would overflow).
_SAFE_ABS_MAX = 2.0 ** 1000
#: Bin indices ``floor(x / bin_width)`` below this magnitude are exact int64 values.
_EXACT_INDEX = 2.0 ** 53


def resolve_strategy(strategy, bin_range=None, bin_width=None) -> str:
    """The binning strategy :class:`BinningMI` applies.

    ``strategy=None`` (the default) means ``"fixed"`` when ``bin_range`` is given,
    ``"width"`` when ``bin_width`` is, ``"minmax"`` otherwise. A ``bin_range`` or
    ``bin_width`` that the strategy would ignore is an error, not silently dropped.

    >>> from skmi.binning import resolve_strategy
    >>> resolve_strategy(None, bin_range=(-1, 1)), resolve_strategy(None)
    ('fixed', 'minmax')
    """
    if strategy is None:
        if bin_range is not None and bin_width is not None:
            raise ValueError(
                f"Got both bin_range={bin_range!r} and bin_width={bin_width!r}: "
                "bin_range is for strategy='fixed', bin_width for strategy='width'; "
                "pass one of them."
            )
        if bin_range is not None:
            return "fixed"
        return "width" if bin_width is not None else "minmax"
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES} or None, got {strategy!r}.")
    if bin_range is not None and strategy != "fixed":
        raise ValueError(
            f"bin_range={bin_range!r} conflicts with strategy={strategy!r}, which does "
            "not use it: bins over a given range are strategy='fixed' (the default "
            "strategy=None picks it when bin_range is given). Drop bin_range or "
            "strategy."
        )
    if bin_width is not None and strategy != "width":
        raise ValueError(
            f"bin_width={bin_width!r} conflicts with strategy={strategy!r}, which does "
            "not use it: bins of a given width are strategy='width' (the default "
            "strategy=None picks it when bin_width is given). Drop bin_width or "
            "strategy."
        )
    return strategy


def check_bin_range(bin_range) -> tuple[float, float]:
    """``bin_range`` as two finite floats ``low < high``, or a clear error."""
    if isinstance(bin_range, (str, bytes)) or not hasattr(bin_range, "__len__"):
        raise TypeError(
            f"bin_range must be a pair (low, high) of numbers, got {bin_range!r}."
        )
    values = list(bin_range)
    if len(values) != 2:
        raise ValueError(
            f"bin_range must be a pair (low, high), got {len(values)} values: "
            f"{bin_range!r}."
        )
    if not all(isinstance(v, Real) and not isinstance(v, (bool, np.bool_))
               for v in values):
        raise TypeError(f"bin_range must hold two numbers, got {bin_range!r}.")
    lo, hi = float(values[0]), float(values[1])
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise ValueError(
            f"bin_range must be two finite numbers low < high, got {bin_range!r}."
        )
    return lo, hi


def _nonfinite_error(name: str) -> ValueError:
    return ValueError(f"Input {name} contains NaN or infinity.")


def _pow2(amax: float) -> int:
    """The exponent ``k`` that puts ``amax * 2**k`` in [0.5, 1)."""
    return -int(np.frexp(amax)[1])


def _unsafe_span(lo: float, hi: float) -> bool:
    span = hi - lo
    return not (np.isfinite(span) and span >= _SAFE_SPAN_MIN)


def _assign(hashes, X, edges, mode, width, closed):
    """Symbols from row hashes, a true 64-bit collision never accepted."""
    codes, reps = kb.assign_symbols(hashes, X, edges, mode, width, closed, False)
    if kb.verify_symbols(codes, reps, X, edges, mode, width, closed):
        codes, reps = kb.assign_symbols(hashes, X, edges, mode, width, closed, True)
    return codes


def _int_symbols(keys: np.ndarray) -> np.ndarray:
    """Symbol codes of the distinct rows of a 2-D int64 array (exact values)."""
    keys = np.ascontiguousarray(keys, dtype=np.int64)
    edges = np.zeros((1, 2))
    hashes, _ = kb.row_hashes(keys, edges, kb.VALUE, 1.0, True)
    return _assign(hashes, keys, edges, kb.VALUE, 1.0, True)


def _log_width_bins(lo, hi, width: float) -> float:
    """Log of the number of width bins spanned by each column's [lo, hi], summed."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        span = np.floor(hi / width) - np.floor(lo / width) + 1.0
        # bin indices beyond float64: the span from the range itself
        approx = np.log(hi * 0.5 - lo * 0.5) + np.log(2.0) - np.log(width)
        per_column = np.where(np.isfinite(span), np.log(span), approx)
    return float(np.sum(per_column))


def _width_symbols(A: np.ndarray, width: float, name: str):
    """``strategy="width"``: the rows of ``floor(A / width)``, exact at every scale.

    Bin indices below 2**53 in magnitude are exact integers; beyond that (a width tiny
    for the data's magnitude) consecutive float64 values lie more than one width
    apart, so each distinct value is a bin of its own, which is what is used there
    (instead of indices that would overflow int64 or merge in float64).
    """
    if not np.isfinite(A).all():
        raise _nonfinite_error(name)
    lo, hi = A.min(axis=0), A.max(axis=0)
    amax = float(max(np.abs(lo).max(), np.abs(hi).max()))
    log_k = _log_width_bins(lo, hi, width)
    if np.isfinite(width) and amax < width:  # every |x / width| < 1: bins -1 and 0
        return _int_symbols(-(A < 0).astype(np.int64)), log_k
    if amax < _SAFE_SPAN_MIN:  # tiny data and width: scale both (the quotient is exact)
        k = _pow2(amax)
        A, width, amax = np.ldexp(A, k), float(np.ldexp(width, k)), float(np.ldexp(amax, k))
    if amax / width < _EXACT_INDEX:
        edges = np.zeros((1, 2))
        hashes, _ = kb.row_hashes(A, edges, kb.WIDTH, width, True)
        return _assign(hashes, A, edges, kb.WIDTH, width, True), log_k
    with np.errstate(over="ignore"):
        q = np.floor(A / width)
    big = ~(np.abs(q) < _EXACT_INDEX)
    keys = np.where(big, 0.0, q).astype(np.int64)
    for c in np.flatnonzero(big.any(axis=0)):
        rows = big[:, c]
        # distinct values, each its own bin, numbered apart from every exact index
        keys[rows, c] = (1 << 60) + np.unique(A[rows, c], return_inverse=True)[1].ravel()
    return _int_symbols(keys), log_k


def bin_symbols(A, *, strategy="minmax", n_bins=30, bin_range=None, bin_width=None,
                convention="histogram", out_of_range="error", name="X"):
    """Symbol codes ``0..m-1`` of the rows of ``A`` after binning each column.

    Returns ``(codes, log_alphabet_size)``; see :class:`BinningMI` for the parameters
    (``strategy=None`` is resolved by :func:`resolve_strategy`). Non-finite values
    raise a ValueError (checked inside the kernels' own passes, so callers need not
    scan ``A`` first); ``name`` names the array in that message.

    ``"minmax"`` and ``"quantile"`` bins do not depend on the data's scale: data whose
    span is subnormal (or overflows float64) are binned on a copy rescaled by a power
    of two, so the codes equal those of the same data scaled into the normal range.
    A constant array is one bin.
    """
    A = np.asarray(A, dtype=np.float64)
    strategy = resolve_strategy(strategy, bin_range, bin_width)
    n, d = A.shape
    if strategy == "width":
        return _width_symbols(A, float(bin_width), name)
    closed = convention == "histogram"
    n_edges = n_bins + 1 if closed else n_bins
    # intervals, or n_bins - 1 intervals + the last edge itself
    log_k = float(d * np.log(n_bins))
    # shared equal-width edges with at most 256 of them take the fast kernel, which
    # counts non-finite values itself; "minmax" finds them in its min/max pass; the
    # other paths scan for them first
    fast = strategy in ("fixed", "minmax") and n_edges <= 256
    data = A  # what is binned: A, or A rescaled by a power of two
    if strategy == "minmax":
        lo, hi, n_bad = kb.minmax_nonfinite(A)
        if n_bad:
            raise _nonfinite_error(name)
        lo, hi = float(lo), float(hi)
        if not hi > lo:  # a constant array: one bin
            return np.zeros(n, np.int64), log_k
    elif strategy == "fixed":
        lo, hi = check_bin_range(bin_range)
        if not fast and not np.isfinite(A).all():
            raise _nonfinite_error(name)
    else:
        if not np.isfinite(A).all():
            raise _nonfinite_error(name)
    if strategy == "quantile":
        amax = np.abs(A).max(axis=0)
        unsafe = (amax > 0) & ((amax < _SAFE_SPAN_MIN) | (amax > _SAFE_ABS_MAX))
        if unsafe.any():  # per column: quantile bins are per column
            k = np.where(unsafe, -np.frexp(amax)[1], 0)
            data = np.ldexp(A, k[None, :])
        edges = np.ascontiguousarray(_quantile_edges(data, n_edges).T)
        mode = kb.SEARCH
    else:
        if _unsafe_span(lo, hi):
            if strategy == "fixed":
                if not np.isfinite(A).all():
                    raise _nonfinite_error(name)
                # values outside the range stay outside it (and count as such)
                data = np.clip(A, np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf))
            k = _pow2(max(abs(lo), abs(hi)))
            data = np.ldexp(data, k)
            lo, hi = float(np.ldexp(lo, k)), float(np.ldexp(hi, k))
        edges = np.linspace(lo, hi, n_edges)[None, :]
        mode = kb.UNIFORM
    if fast:
        hashes, n_clipped, n_bad = kb.uniform_row_hashes(data, edges, closed)
        if n_bad:
            raise _nonfinite_error(name)
    else:
        hashes, n_clipped = kb.row_hashes(data, edges, mode, 1.0, closed)
    if n_clipped and out_of_range == "error":
        raise ValueError(
            f"{n_clipped} values lie outside bin_range={tuple(bin_range)} "
            f"(data range [{A.min():.6g}, {A.max():.6g}]). Widen bin_range, or pass "
            "out_of_range='clip' to put them in the first / last bin."
        )
    return _assign(hashes, data, edges, mode, 1.0, closed), log_k


def _quantile_edges(data: np.ndarray, n_edges: int) -> np.ndarray:
    """``np.quantile(data, np.linspace(0, 1, n_edges), axis=0)`` (linear interpolation)
    with the virtual index ``i (n - 1) / (n_edges - 1)`` taken in integer arithmetic.

    NumPy computes it from the rounded ``i / (n_edges - 1)``, so where it is a whole
    number the edge could land an ulp above the data point of that rank, and the point's
    bin then depended on the gap to the next value (so on the data's scale). Here such
    an edge is that point exactly, and every other edge is NumPy's interpolation between
    the two points around it: the bins are a function of the ranks.
    """
    n = data.shape[0]
    s = np.sort(data, axis=0)
    m = n_edges - 1
    num = np.arange(n_edges, dtype=np.int64) * (n - 1)
    lo = num // m
    t = ((num % m) / m)[:, None]
    a, b = s[lo], s[np.minimum(lo + 1, n - 1)]
    diff = b - a
    # NumPy's lerp: from below for t < 1/2, from above otherwise (monotone, exact ends)
    return np.where(t < 0.5, a + diff * t, b - diff * (1.0 - t))


def value_symbols(A) -> np.ndarray:
    """Symbol codes of the distinct rows of a numeric array (exact float64 values).

    Integers beyond 2**53 are not exact in float64: discrete data should go through
    the codes of :func:`skmi._validation.check_xy` (or ``check_symbols``) instead.
    """
    bits = np.ascontiguousarray(np.asarray(A, dtype=np.float64) + 0.0).view(np.int64)
    return _int_symbols(bits)


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
    strategy : {"minmax", "fixed", "width", "quantile"} or None, default=None
        - ``"fixed"``: equal-width bins over ``bin_range`` (Shwartz-Ziv & Tishby:
          30 bins on [-1, 1] for tanh layers).
        - ``"width"``: bins of width ``bin_width``, bin index ``floor(a / bin_width)``
          (Saxe et al. 2018); no range. Where that index would exceed 2**53 in
          magnitude (a width tiny for the data) float64 values are more than a width
          apart, and each distinct value is its own bin.
        - ``"minmax"``: equal-width bins between the smallest and largest value of the
          whole array (shared by all columns: Saxe et al.'s convention for ReLU layers).
          A constant array is one bin.
        - ``"quantile"``: equal-mass bins, per column (edges at the linearly
          interpolated quantiles, a data point exactly where the quantile's rank is
          whole: the bins are a function of the ranks).
        - None: ``"fixed"`` when ``bin_range`` is given, ``"width"`` when
          ``bin_width`` is, ``"minmax"`` otherwise (resolved at ``fit``; see
          :func:`skmi.binning.resolve_strategy`).

        ``"minmax"`` and ``"quantile"`` do not depend on the data's scale, even for
        data whose range is subnormal or overflows float64 (binned on a copy rescaled
        by a power of two).
    bin_range : tuple (low, high) or None, default=None
        Range for ``strategy="fixed"``: two finite numbers ``low < high``. Giving it
        with another strategy is an error.
    bin_width : float or None, default=None
        Width for ``strategy="width"``. Giving it with another strategy is an error.
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
        "strategy": [StrOptions(set(STRATEGIES)), None],
        "bin_range": [tuple, list, np.ndarray, None],
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
        strategy=None,
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

    def _check_params(self) -> str:
        """Check the parameters together; returns the strategy to apply."""
        strategy = resolve_strategy(self.strategy, self.bin_range, self.bin_width)
        if strategy == "fixed":
            if self.bin_range is None:
                raise ValueError(
                    "strategy='fixed' needs bin_range=(low, high), e.g. (-1, 1)."
                )
            check_bin_range(self.bin_range)
        if strategy == "width" and self.bin_width is None:
            raise ValueError("strategy='width' needs bin_width, e.g. 0.5.")
        if self.convention == "digitize" and self.n_bins < 2:
            raise ValueError("convention='digitize' needs n_bins >= 2 edges.")
        return strategy

    def _validate(self, X, y, reset):
        self._strategy = self._check_params()
        # the binning kernels scan X for NaN and infinity in their own pass
        return check_xy(self, X, y, reset=reset, discrete_x=False,
                        discrete_y=self.discrete_y, finite_x=False)

    def _symbols(self, A, name="X"):
        return bin_symbols(
            A, strategy=self._strategy, n_bins=self.n_bins, bin_range=self.bin_range,
            bin_width=self.bin_width, convention=self.convention,
            out_of_range=self.out_of_range, name=name,
        )

    def _estimate(self, data) -> float:
        with guard(), num_threads(self.n_jobs, data.n_samples):
            a, log_k = self._symbols(data.X)
            b = data.y_codes if data.discrete_y else self._symbols(data.y, "y")[0]
            self.n_symbols_ = int(a.max() + 1)
            self._saturation(_saturation_message(a, b, b_binned=not data.discrete_y,
                                                 unit="bin"))
            return _mi_from_codes(a, b, self.correction, max(log_k, np.log(a.max() + 1)))


class DiscreteMI(MutualInfoEstimator):
    """Mutual information of discrete data (plug-in, Miller-Madow or NSB).

    Each row of ``X`` (integer codes, booleans, strings or floats taking few values,
    several columns allowed) is one symbol, and so is each row of ``y`` (labels of any
    type). Nothing is binned: equal rows are equal symbols, exactly, with values
    compared in their own dtype (``int64`` beyond 2**53 and ``uint64`` included).
    ``fit(X, y, z=z)`` gives the conditional MI ``I(X; y | z) = sum_v p(z = v)
    I(X; y | z = v)`` with the rows of ``z`` as symbols too (see :mod:`skmi.binning`).

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

    Conditional MI: bits x and y, independent, and z = x xor y. Given z, y is x or
    its complement, so I(x; y | z) = 1 bit although I(x; y) = 0:

    >>> x = np.array([0, 0, 1, 1] * 2).reshape(-1, 1)
    >>> y = np.array([0, 1, 0, 1] * 2)
    >>> z = x[:, 0] ^ y
    >>> abs(DiscreteMI().fit(x, y).mi_) < 1e-12
    True
    >>> round(DiscreteMI().fit(x, y, z=z).mi_ / math.log(2), 6)
    1.0
    """

    _parameter_constraints = {
        "correction": _CORRECTION,
        "alphabet_size": [Interval(Real, 1, None, closed="left"), None],
    }

    def __init__(self, *, correction="none", alphabet_size=None):
        self.correction = correction
        self.alphabet_size = alphabet_size

    def fit(self, X, y, z=None):
        """Estimate I(X; y), or I(X; y | z) when ``z`` is given.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)
        z : array-like of shape (n_samples,) or (n_samples, n_features_z), optional
            Conditioning variables, discrete: each row one symbol.

        Returns
        -------
        self : DiscreteMI
        """
        return super().fit(X, y, z=z)

    def score(self, X, y, z=None) -> float:
        """Estimate on new data with the same settings, nats."""
        return super().score(X, y, z=z)

    def _validate(self, X, y, reset, z=None):
        # both sides as exact symbols: values compared in their own dtype
        data = check_xy(self, X, y, reset=reset, discrete_x=True, discrete_y=True)
        if z is None:
            return data, None
        from .knn import check_conditioning  # (knn imports this module)

        return data, check_conditioning(z, data.n_samples, True).codes

    def _estimate(self, data_z) -> float:
        data, z_codes = data_z
        a = data.x_codes
        log_k = _column_log_alphabet(data.x_levels, self.alphabet_size)
        self._saturation(_saturation_message(a, data.y_codes, b_binned=False,
                                             unit="symbol"))
        with guard(), num_threads(None, data.n_samples):  # one thread for small inputs
            if z_codes is not None:
                return conditional_mi_from_codes(a, data.y_codes, z_codes,
                                                 self.correction, log_k)
            return _mi_from_codes(a, data.y_codes, self.correction, log_k)


def _column_log_alphabet(levels, alphabet_size) -> float:
    """log K: ``alphabet_size``, or the product of the columns' distinct values."""
    if alphabet_size is not None:
        return float(np.log(alphabet_size))
    return float(sum(np.log(m) for m in levels))


class PluginEntropy(EntropyEstimator):
    """Entropy of discrete rows (plug-in, Miller-Madow or NSB), nats.

    Each row of ``X`` is one symbol: values are compared exactly in their own dtype
    (integers of any width, booleans, floats, strings; a pandas categorical through its
    codes), nothing is binned. Registered as ``skmi.entropy(X, estimator="plugin")``.

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
        # (codes of the distinct rows, distinct values per column), exact in X's dtype
        return check_symbols(self, X, reset=reset)

    def _estimate(self, symbols) -> float:
        codes, levels = symbols
        counts = np.bincount(codes)
        log_k = _column_log_alphabet(levels, self.alphabet_size)
        return _entropy(counts, self.correction, max(log_k, np.log(counts.size)))
