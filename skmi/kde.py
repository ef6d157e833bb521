"""Noisy-layer estimators: Kolchinsky-Tracey KDE bounds and sample propagation.

A layer ``T`` with additive Gaussian noise of variance ``noise_variance`` per unit, on
inputs drawn uniformly from the samples, is a mixture of Gaussians ``N(h_i, var I)``
centred on the sample activations ``h_i``. Its entropy has no closed form; Kolchinsky &
Tracey (2017) bound it by pairwise distances between the components (d = layer width,
P = number of samples):

- upper bound (KL):  ``H_KL = d/2 + d/2 log(2 pi var)
  - 1/P sum_i log(1/P sum_j exp(-|h_i - h_j|^2 / (2 var)))``
- lower bound (Bhattacharyya):  ``H_BD = H_KL(4 var) + d/2 log(1/4)``

and ``H(T | X) = d/2 log(2 pi e var)`` exactly. Sample propagation (Goldfeld et al.
2019) estimates the same mixture entropy by Monte Carlo instead. The pairwise sums run
in the blocked kernels of :mod:`skmi._kernels.kde` (memory O(block * tile)).

Both estimators are means over query rows of a per-row log-sum term, so with
``n_queries`` they can be evaluated on a random subset of the rows (against all the
samples as centres): an unbiased estimate of the full mean, at ``n_queries / P`` of the
cost, with its standard error in ``std_error_``.

Information-plane convention (shared with :class:`~skmi.BinningMI`): ``fit(T, y)``
with class labels ``y`` gives I(T; Y) = H(T) - sum_y p(y) H(T | Y=y); with
``y = np.arange(len(T))`` each sample is its own class and the same call gives
I(X; T) = H(T) - H(T | X).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._kernels import kde as kk
from ._kernels._interrupt import guard
from ._kernels._jit import num_threads
from ._validation import check_labels, check_x, check_xy
from .base import ESTIMATE, LOWER, UPPER, EntropyEstimator, MutualInfoEstimator
from .binning import SATURATION_FRACTION

__all__ = ["KDEMI", "SamplePropagationMI", "MixtureEntropy"]

#: Query rows per BLAS call in the pairwise kernels (memory 8 * BLOCK * 8192 bytes; the
#: Monte-Carlo kernel keeps 8 * BLOCK * n).
BLOCK = 256
_LOG_EPS = np.log(np.finfo(np.float64).eps)


def _cut(n: int) -> float:
    """Skip terms whose total (at most n of them) is below eps/1000 of the sum."""
    return float(_LOG_EPS - np.log(1000.0) - np.log(max(n, 1)))


def _centred(X):
    """``X`` minus its column means, constant columns exactly 0 (a rounded mean left
    them a constant of ``ulp(v)``, or ``inf`` above ``~1.8e308 / n``). Each mean is
    taken on the column divided by a power of two just above its largest magnitude
    (exact: the same bits as ``X.mean(axis=0)`` wherever that does not overflow)."""
    _, e = np.frexp(np.max(np.abs(X), axis=0, initial=0.0))
    mean = np.ldexp(np.ldexp(X, -e).mean(axis=0), e)
    Xc = X - mean
    Xc[:, np.ptp(X, axis=0) == 0.0] = 0.0
    return Xc


def _by_class(X, codes, rows=None):
    """Rows of ``X`` sorted by class (centred), and the class slices.

    With ``rows`` (indices into ``X``) also their positions in the sorted order, sorted
    (else None).
    """
    order = np.argsort(codes, kind="stable")
    Xs = np.ascontiguousarray(_centred(X)[order])
    cls = np.ascontiguousarray(codes[order])
    counts = np.bincount(cls)
    end = np.cumsum(counts)
    pos = None
    if rows is not None:
        rank = np.empty(order.size, np.int64)
        rank[order] = np.arange(order.size)
        pos = np.sort(rank[rows])
    return Xs, cls, end - counts, end, counts, pos


def _query_rows(n: int, n_queries, random_state):
    """Indices of the query rows (a uniform random subset), or None for all rows."""
    if n_queries is None or n_queries >= n:
        return None
    return check_random_state(random_state).choice(n, size=n_queries, replace=False)


def _label_entropy(counts) -> float:
    counts = counts[counts > 0].astype(np.float64)
    n = counts.sum()
    return float(np.log(n) - np.dot(counts, np.log(counts)) / n)


def _pow2_exponent(X) -> int:
    """``e`` with ``2**e`` just above ``max|X|``: dividing by it is exact and brings the
    values into ``(-1, 1)``, where no square over- or underflows."""
    return int(np.frexp(np.max(np.abs(X), initial=0.0))[1])


def _median_nn_sq(X, rng, n_queries: int = 256) -> float:
    """Median squared Euclidean distance from (up to) ``n_queries`` rows to their
    nearest other row (on ``X / 2**e``, scaled back: no overflow for huge data, the
    same bits otherwise; ``inf`` when it exceeds the largest float)."""
    n = X.shape[0]
    idx = rng.choice(n, size=min(n, n_queries), replace=False)
    e = _pow2_exponent(X)
    X = np.ldexp(X, -e)
    Q = X[idx]
    D = (np.einsum("ij,ij->i", Q, Q)[:, None] + np.einsum("ij,ij->i", X, X)[None, :]
         - 2.0 * Q @ X.T)
    D[np.arange(idx.size), idx] = np.inf
    with np.errstate(over="ignore"):
        return float(np.ldexp(np.median(np.maximum(D.min(axis=1), 0.0)), 2 * e))


def _total_variance(X) -> float:
    """The layer's spread: the trace of its covariance (sum of per-unit variances);
    taken on ``X / 2**e`` and scaled back (``inf`` when it exceeds the largest float)."""
    e = _pow2_exponent(X)
    with np.errstate(over="ignore"):
        return float(np.ldexp(np.var(np.ldexp(X, -e), axis=0).sum(), 2 * e))


def _absolute_variance(noise_variance, relative: bool, X) -> float:
    """The noise variance per unit used on the layer ``X``.

    ``relative``: ``noise_variance`` times the trace of the layer's covariance (a
    constant layer, trace 0, takes ``noise_variance`` itself: every noise level gives
    it the same zero information).
    """
    var = float(noise_variance)
    if not relative:
        return var
    spread = _total_variance(X)
    return var * spread if spread > 0 else var


def _fit_scale(est, X) -> None:
    """Set ``noise_variance_`` and the exact power-of-two rescaling the kernels use.

    With ``relative_noise`` the estimate is invariant under rescaling the layer, so it
    is computed on ``X / 2**e`` (exact; ``2**e`` just above ``max|X|``) with the noise
    variance in those units when the layer's magnitude is beyond ``2**400`` or below
    ``2**-400`` (at ordinary magnitudes nothing changes): a layer of order 1e200, whose
    total variance overflows, gives the same estimate as the same layer at order 1.
    ``noise_variance_`` reports the variance in the layer's units (``inf`` or 0 if that
    over- or underflows).
    """
    e = _pow2_exponent(X) if est.relative_noise else 0
    if abs(e) < 400:  # ordinary magnitudes: nothing over- or underflows, no rescaling
        e = 0
    scaled = _absolute_variance(est.noise_variance, est.relative_noise,
                                np.ldexp(X, -e) if e else X)
    est._scale_exp = e
    est._scaled_variance = scaled
    with np.errstate(over="ignore"):
        est.noise_variance_ = float(np.ldexp(scaled, 2 * e))


def _scaled(est, X):
    """``(X, noise variance)`` in the units the kernels use (see :func:`_fit_scale`)."""
    e = getattr(est, "_scale_exp", 0)
    if e:
        return np.ldexp(X, -e), est._scaled_variance
    return X, est.noise_variance_


def _kernel_saturation(log_sums, own, X, noise_variance: float, what: str,
                       relative: bool = False):
    """Why a noisy-layer estimate is pinned, or None.

    ``log_sums[i]`` is the log of the kernel sum of query i (a sample, or a noisy draw
    from one) over the samples ``X`` and ``own[i]`` the log of the term of its own
    sample. When the own term holds at least 90% of the sum for at
    least ``SATURATION_FRACTION`` of the samples, the noise is far below the distance
    between neighbouring samples: I(X; T) is pinned at log n and I(T; Y) at H(Y). When
    every kernel spreads evenly over all samples (each holds at least 90% of n times
    its own term), the noise swamps the layer and the estimate is pinned near 0; a
    constant layer (total variance 0) is not flagged, as its information is 0 at every
    noise level. ``noise_variance`` is the absolute variance; with ``relative`` the
    advice is also given as a fraction of the layer's total variance.
    """
    n = X.shape[0]
    alone = float(np.mean(own - log_sums >= np.log(0.9)))
    flat = float(np.mean(log_sums - own >= np.log(0.9 * n)))
    spread = _total_variance(X)
    if alone >= SATURATION_FRACTION:
        nn_sq = _median_nn_sq(X, np.random.default_rng(0))
        hint = ""
        if relative and spread > 0:
            hint = (f" (relative_noise=True: noise_variance near {nn_sq / 2 / spread:.3g},"
                    f" a fraction of the layer's total variance {spread:.3g})")
        return (
            f"noise variance {noise_variance:.3g} is far below the squared distance "
            f"between neighbouring samples (median {nn_sq:.3g}): for {alone:.0%} of the "
            f"samples at least 90% of the kernel mass is their own, so {what} is pinned "
            "at its ceiling (log n for I(X; T), H(y) against labels) whatever the layer "
            f"does. A noise variance near {nn_sq / 2:.3g}{hint} puts the nearest "
            "neighbour one kernel width away; skmi.nn.information_vs_scale shows the "
            "range of scales."
        )
    if n > 1 and spread > 0 and flat >= SATURATION_FRACTION:
        return (
            f"noise variance {noise_variance:.3g} swamps the layer (total variance "
            f"{spread:.3g}): every kernel spreads evenly over all the samples, so {what} "
            "is pinned near 0 whatever the layer does. Use a smaller noise variance; "
            "skmi.nn.information_vs_scale shows the range of scales."
        )
    return None


def _kt_mi(est, X, codes, noise_variance: float, bound: str, rows=None):
    """Kolchinsky-Tracey I(T; Y) (nats): H(Y) + mean_i [log S_i^(y) - log S_i], and its
    standard error.

    Over all rows (``rows=None``: every pair once, standard error 0) or over the query
    rows ``rows`` against all the samples as centres, each query's own term and class as
    in the full pass: the mean over a uniform random subset is unbiased for the full
    mean, with standard error ``sd / sqrt(q) * sqrt(1 - q / n)`` (finite population).
    """
    Xs, cls, start, end, counts, pos = _by_class(X, codes, rows)
    n = Xs.shape[0]
    var = noise_variance if bound == UPPER else 4.0 * noise_variance
    scale = 1.0 / (2.0 * var)
    if pos is None:
        total, within = kk.self_log_sums(Xs, scale, cls, start, end, block=BLOCK,
                                         cut=_cut(n))
    else:
        total, within = kk.query_log_sums(Xs[pos], Xs, pos, scale, cls[pos], start, end,
                                          block=BLOCK, cut=_cut(n))
    est._saturation(_kernel_saturation(total, np.zeros_like(total), Xs, noise_variance,
                                       "the estimate", est.relative_noise))
    terms = within - total
    std_error = 0.0
    if pos is not None:
        q = terms.size
        std_error = float(np.std(terms, ddof=1) / np.sqrt(q) * np.sqrt(1.0 - q / n))
    return _label_entropy(counts) + float(np.mean(terms)), std_error


def _kt_entropy(X, noise_variance: float, bound: str) -> float:
    n, d = X.shape
    var = noise_variance if bound == UPPER else 4.0 * noise_variance
    Xc = np.ascontiguousarray(_centred(X))
    zeros = np.zeros(n, np.int64)
    total, _ = kk.self_log_sums(Xc, 1.0 / (2.0 * var), zeros, np.array([0]),
                                np.array([n]), block=BLOCK, cut=_cut(n))
    h = d / 2 + d / 2 * np.log(2 * np.pi * var) + np.log(n) - float(np.mean(total))
    if bound == LOWER:
        h += d / 2 * np.log(0.25)
    return h


#: Largest error in a draw's log density (nats) left to the rounding of the noisy draw
#: ``h_i + z`` (see :func:`_unresolved_draws`): far below any Monte-Carlo standard
#: error (at least ``sqrt(d / 2) / sqrt(N)``, above 1e-5 for up to 1e9 draws).
DRAW_TOL = 1e-7


def _unresolved_draws(Q, src, noise, z, noise_variance: float, cut: float) -> np.ndarray:
    """Which draws ``Q = src + noise`` lost too much of their noise to rounding.

    Adding a noise far below the resolution of the activations (a variance of 1e-20 on
    values of order 1e6: the grid spacing 1e-10 is the noise's own size) rounds the
    draw onto the grid, often back onto its centre: its log density then comes out as
    the density at the centre, about d / 2 nats too high per draw, and the mixture
    entropy below its lower bound. A draw whose rounding ``err = (Q - src) - noise``
    could move the exponent of some centre that matters (within ``|cut|`` of the own
    term: ``|t - c|^2 <= var (|z|^2 + 2|cut|)``) by more than ``DRAW_TOL``, i.e.
    ``(|err| / sd) sqrt(|z|^2 + 2 |cut|) + (|err| / sd)^2 / 2 > DRAW_TOL``, or whose
    squared norm overflows, is flagged for :func:`_exact_log_sums`.
    """
    sd = np.sqrt(noise_variance)
    with np.errstate(over="ignore", invalid="ignore"):
        err = np.sqrt(np.einsum("ij,ij->i", (Q - src) - noise, (Q - src) - noise)) / sd
        reach = np.sqrt(np.einsum("ij,ij->i", z, z) + 2.0 * abs(cut))
        bound = err * reach + 0.5 * err * err
        q_sq = np.einsum("ij,ij->i", Q, Q)
    return ~((bound <= DRAW_TOL) & np.isfinite(q_sq))


def _exact_log_sums(src, z, sd: float, n_draws: int, C, q_cls, start, end):
    """Per draw ``t = src_i + sd z``: ``log sum_j exp(-|t - c_j|^2 / (2 sd^2))`` over
    all centres ``C`` and over those of its class, in units of the noise: the exponent
    is ``-|z - w_j|^2 / 2`` with ``w_j = (c_j - src_i) / sd`` taken from the exact
    difference of the rows, so no rounding of ``src_i + sd z`` enters, at any scale.
    (A centre far enough away that ``w_j`` overflows has term 0.) ``src`` holds the
    source row of each group of ``n_draws`` consecutive draws ``z``. NumPy, blocked
    over the sources; the fallback for the draws :func:`_unresolved_draws` flags.
    """
    from scipy.special import logsumexp

    n_src = src.shape[0]
    n, d = C.shape
    total = np.empty(n_src * n_draws)
    within = np.empty(n_src * n_draws)
    block = max(1, min(n_src, 2**21 // max(1, n * max(d, n_draws))))
    Zb = z.reshape(n_src, n_draws, d)
    zz = np.einsum("ijk,ijk->ij", Zb, Zb)
    with np.errstate(over="ignore", invalid="ignore"):
        for b0 in range(0, n_src, block):
            b1 = min(b0 + block, n_src)
            W = (C[None, :, :] - src[b0:b1, None, :]) / sd  # (b, n, d)
            ww = np.einsum("ijk,ijk->ij", W, W)  # (b, n)
            E = -0.5 * (zz[b0:b1, :, None] - 2.0 * (Zb[b0:b1] @ W.transpose(0, 2, 1))
                        + ww[:, None, :])
            E = np.where(np.isfinite(ww)[:, None, :], np.minimum(E, 0.0), -np.inf)
            rows = slice(b0 * n_draws, b1 * n_draws)
            total[rows] = logsumexp(E, axis=2).reshape(-1)
            cls = q_cls[rows][::n_draws]
            for s, k in enumerate(cls):
                r = slice((b0 + s) * n_draws, (b0 + s + 1) * n_draws)
                within[r] = (logsumexp(E[s, :, start[k]:end[k]], axis=1)
                             if end[k] > start[k] else -np.inf)
    return total, within


def _propagate(X, codes, noise_variance: float, n_draws: int, rng, rows=None):
    """Monte-Carlo draws from the mixture: per draw, log sums over all centres and over
    the centres of its class, the class sizes, its class, and the log of its own
    centre's term ``-|z|^2 / 2``. ``n_draws`` draws per sample, or per sample of
    ``rows`` (a subset of the rows; the draws then come grouped by sample).

    Draws whose noise the float64 sum ``h_i + z`` cannot resolve (a noise far below the
    activations' rounding, or overflowing norms: :func:`_unresolved_draws`) are
    evaluated in a frame centred on their own sample instead (:func:`_exact_log_sums`);
    at ordinary scales there are none."""
    Xs, cls, start, end, counts, pos = _by_class(X, codes, rows)
    n, d = Xs.shape
    src, src_cls = (Xs, cls) if pos is None else (Xs[pos], cls[pos])
    sd = np.sqrt(noise_variance)
    z = rng.standard_normal((src.shape[0] * n_draws, d))
    noise = sd * z
    src_rep = np.repeat(src, n_draws, axis=0)
    Q = src_rep + noise
    q_cls = np.repeat(src_cls, n_draws)
    scale = 1.0 / (2.0 * noise_variance)
    cut = _cut(n)
    if np.isfinite(scale) and np.all(np.isfinite(np.einsum("ij,ij->i", Xs, Xs))):
        bad = _unresolved_draws(Q, src_rep, noise, z, noise_variance, cut)
        bad = np.repeat(bad.reshape(-1, n_draws).any(axis=1), n_draws)
    else:
        bad = np.ones(Q.shape[0], bool)
    if not bad.any():
        total, within = kk.mixture_log_sums(
            Q, Xs, scale, q_cls, start, end, self_terms=False, block=BLOCK, cut=cut,
        )
    else:
        total = np.empty(Q.shape[0])
        within = np.empty(Q.shape[0])
        good = ~bad
        if good.any():
            total[good], within[good] = kk.mixture_log_sums(
                Q[good], Xs, scale, q_cls[good], start, end, self_terms=False,
                block=BLOCK, cut=cut,
            )
        by_src = bad[::n_draws]
        total[bad], within[bad] = _exact_log_sums(
            src[by_src], z[bad], sd, n_draws, Xs, q_cls[bad], start, end)
    own = -0.5 * np.einsum("ij,ij->i", z, z)
    return total, within, counts, q_cls, own, Xs


_NOISE = [Interval(Real, 0, None, closed="neither")]
_LABEL_HINT = ("For I(T_i; T_j) between two layers use skmi.nn.layer_information (one "
               "noise convention for both layers); for a continuous target use KSG or "
               "AutoMI; for I(X; T) pass y = np.arange(n).")


class KDEMI(MutualInfoEstimator):
    """Kolchinsky-Tracey pairwise-distance bounds for a layer with Gaussian noise.

    The layer ``T`` (rows of ``X``) is taken with additive noise ``N(0, noise_variance
    I)``, as in Saxe et al. (2018). ``bound="upper"`` uses the KL bound on the mixture
    entropy, ``bound="lower"`` the Bhattacharyya bound (see :mod:`skmi.kde`), and

    - ``fit(T, np.arange(len(T)))`` gives I(X; T) = H(T) - H(T | X): a true upper (or
      lower) bound on the information of the noisy layer about its input;
    - ``fit(T, labels)`` gives I(T; Y) = H(T) - sum_y p(y) H(T | Y=y), each entropy by
      the same bound.

    Note: I(T; Y) is a *difference* of two upper (or two lower) bounds, so the
    "upper" I(T; Y) is not a guaranteed upper bound (nor the "lower" one a guaranteed
    lower bound); ``estimate_kind`` names the bound used for the entropies.

    ``y`` is always read as class labels (each distinct value, or row, a class): a float
    ``y`` with non-integer values (a continuous target, another layer) raises a
    ValueError. I(T_i; T_j) between two layers is :func:`skmi.nn.layer_information`.

    The estimate saturates when the noise is on the wrong scale for the layer: far below
    the distance between neighbouring samples (each kernel sees only its own sample:
    I(X; T) = log n, I(T; Y) = H(Y)) or far above the layer's spread (every kernel sees
    every sample: I near 0). Either way a :class:`~skmi.SaturationWarning` says so,
    with the median nearest-neighbour distance, and ``saturated_`` is True.

    An absolute noise variance means a different scale for every layer and every epoch
    (activations grow during training). With ``relative_noise=True`` the noise variance
    per unit is ``noise_variance`` times the layer's total variance, the trace of its
    covariance (the mean per-unit variance times the width), measured at ``fit``. The
    kernels see squared distances between samples, whose mean is twice that trace, so
    the convention is unchanged when the layer is rescaled (T and 1000 T give the same
    estimate) and means the same for any width: with a fraction ``f``, the kernel
    weight between two typical samples is about ``exp(-1/f)``.

    The bound is ``H(Y) + mean_i [log S_i^(y) - log S_i]``, a mean over the samples of
    a term that needs the sample's kernel sums over all the samples: the full pass
    costs O(n^2 d) (each pair once). With ``n_queries`` the mean is taken over a
    uniform random subset of ``n_queries`` samples (seeded by ``random_state``), each
    against all the samples as centres, with its own term and class exactly as in the
    full pass: an unbiased estimate of the bound at ``n_queries / n`` of the cost (a
    record on 60,000 x 256 with 2,000 queries takes seconds), with its standard error in
    ``std_error_``. The saturation check then looks at the queried samples.

    Parameters
    ----------
    noise_variance : float, default=0.1
        Variance of the additive Gaussian noise per unit; with ``relative_noise=True``,
        that variance as a fraction of the layer's total variance.
    bound : {"upper", "lower"}, default="upper"
        KL (upper) or Bhattacharyya (lower) bound on the mixture entropies.
    relative_noise : bool, default=False
        Read ``noise_variance`` as a fraction of the trace of the layer's covariance
        (see above). A constant layer (trace 0) takes ``noise_variance`` as is; its
        information is 0 at every noise level.
    n_queries : int or None, default=None
        Evaluate the bound on this many randomly chosen samples (at least 2) instead of
        all of them; None, or a value of at least n, is the exact full pass.
    random_state : int, RandomState instance or None, default=None
        Seeds the choice of the query samples (used only with ``n_queries < n``).
    n_jobs : int or None, default=None
        Threads for the Numba kernels.

    Attributes
    ----------
    mi_ : float
        Estimate, nats.
    noise_variance_ : float
        The absolute noise variance per unit used (``noise_variance`` itself, or times
        the layer's total variance with ``relative_noise=True``); ``score`` uses it too.
        With ``relative_noise`` the kernels run on the layer divided by a power of two
        near its largest value (exact), so the estimate does not change when the layer
        is rescaled, even where this variance overflows (``inf``, layers of order
        1e154 and above) or underflows (0).
    estimate_kind : {"upper", "lower"}
        The bound in use (equal to ``bound``).
    saturated_ : bool
        Whether the noise scale pins the estimate at a ceiling or near 0 (see above).
    std_error_ : float
        Standard error of ``mi_`` from the choice of query samples (nats): the standard
        deviation of the per-sample terms over ``sqrt(n_queries)``, times the
        finite-population correction ``sqrt(1 - n_queries / n)``; 0 for the full pass.
    n_features_in_ : int

    References
    ----------
    A. Kolchinsky, B. D. Tracey, "Estimating mixture entropy with pairwise distances",
    Entropy 19(7) (2017). A. M. Saxe et al., "On the information bottleneck theory of
    deep learning", ICLR 2018.

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> from itertools import product
    >>> from skmi import KDEMI
    >>> cube = np.array(list(product([0.0, 1.0], repeat=12)))   # 4096 patterns
    >>> est = KDEMI(noise_variance=0.1, bound="upper").fit(cube, np.arange(len(cube)))
    >>> round(est.mi_ / math.log(2), 6)   # 12 - 12 log2(1 + e^-5), bits
    11.883742
    >>> est.estimate_kind
    'upper'

    Relative noise: the same estimate for the layer at any scale.

    >>> rel = KDEMI(noise_variance=0.1, relative_noise=True)
    >>> a = rel.fit(cube, np.arange(len(cube))).mi_
    >>> round(rel.noise_variance_, 12)   # 0.1 x 12 units x variance 1/4
    0.3
    >>> b = rel.fit(1000 * cube, np.arange(len(cube))).mi_
    >>> bool(abs(a - b) < 1e-9)
    True

    On a budget: 500 of the 3,000 samples as queries, within a few standard errors of
    the full pass.

    >>> rng = np.random.default_rng(0)
    >>> layer = np.tanh(rng.standard_normal((3000, 4)) @ rng.standard_normal((4, 16)))
    >>> full = KDEMI(0.5).fit(layer, np.arange(3000))
    >>> part = KDEMI(0.5, n_queries=500, random_state=0).fit(layer, np.arange(3000))
    >>> full.std_error_, bool(0 < part.std_error_ < 0.05)
    (0.0, True)
    >>> bool(abs(part.mi_ - full.mi_) < 4 * part.std_error_)
    True
    """

    _parameter_constraints = {
        "noise_variance": _NOISE,
        "bound": [StrOptions({UPPER, LOWER})],
        "relative_noise": ["boolean"],
        "n_queries": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, noise_variance=0.1, *, bound="upper", relative_noise=False,
                 n_queries=None, random_state=None, n_jobs=None):
        self.noise_variance = noise_variance
        self.bound = bound
        self.relative_noise = relative_noise
        self.n_queries = n_queries
        self.random_state = random_state
        self.n_jobs = n_jobs

    @property
    def estimate_kind(self) -> str:
        """``"upper"`` or ``"lower"``: the bound used for the mixture entropies."""
        return self.bound

    def _validate(self, X, y, reset):
        check_labels(self, y, _LABEL_HINT)
        return check_xy(self, X, y, reset=reset, discrete_x=False, discrete_y=True)

    def _fit_estimate(self, data) -> float:
        _fit_scale(self, data.X)
        return self._estimate(data)

    def _estimate(self, data) -> float:
        rows = _query_rows(data.n_samples, self.n_queries, self.random_state)
        X, var = _scaled(self, data.X)
        with guard(), num_threads(self.n_jobs):
            mi, self.std_error_ = _kt_mi(self, X, data.y_codes, var, self.bound, rows)
        return mi


class SamplePropagationMI(MutualInfoEstimator):
    """Mutual information of a noisy layer by sample propagation (Monte Carlo).

    Same model and calling convention as :class:`KDEMI`, but the mixture entropies
    H(T) and H(T | Y=y) are estimated by Monte Carlo (Goldfeld et al. 2019): for each
    sample, ``n_draws`` noisy copies ``h_i + z`` are drawn and the mixture's log density
    is evaluated at them. The estimate is unbiased for the entropies of the mixture
    centred on the samples and lies between :class:`KDEMI`'s two bounds (up to Monte
    Carlo error, in ``std_error_``).

    With ``n_queries``, only the draws of a uniform random subset of ``n_queries``
    samples are evaluated (against all the samples as centres): unbiased for the
    same quantity at ``n_queries / n`` of the cost.

    Parameters
    ----------
    noise_variance : float, default=0.1
        Variance of the noise per unit; with ``relative_noise=True``, a fraction of the
        layer's total variance.
    n_draws : int, default=10
        Noisy draws per sample.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise (and the choice of the query samples).
    relative_noise : bool, default=False
        Read ``noise_variance`` as a fraction of the trace of the layer's covariance,
        as for :class:`KDEMI`.
    n_queries : int or None, default=None
        Draw the noisy queries from this many randomly chosen samples (at least 2,
        ``n_draws`` each) instead of from all of them; None, or a value of at least n,
        is the full Monte-Carlo pass.
    n_jobs : int or None, default=None

    Attributes
    ----------
    mi_ : float
        Estimate, nats.
    noise_variance_ : float
        The absolute noise variance per unit used (with ``relative_noise``, computed
        on an exactly rescaled layer as for :class:`KDEMI`).
    std_error_ : float
        Monte-Carlo standard error of ``mi_`` (nats): the standard deviation of the
        per-draw terms over the square root of their number. With ``n_queries = q < n``
        samples it also counts the choice of samples: the squared error is
        ``(1 - q/n) s_m^2 / q + (q/n) s^2 / (q n_draws)``, with ``s_m`` the standard
        deviation of the per-sample means of the terms and ``s`` that of the terms: the
        formula above at ``q = n`` and, below it, a two-stage sampling error on the safe
        side (its expectation exceeds the variance of ``mi_`` by the between-sample
        variance times ``f / (q n_draws)``, ``f = q/n``).
    saturated_ : bool
        Whether the noise scale pins the estimate at a ceiling or near 0 (as for
        :class:`KDEMI`; a :class:`~skmi.SaturationWarning` says so).
    n_features_in_ : int

    References
    ----------
    Z. Goldfeld, E. van den Berg, K. Greenewald, I. Melnyk, N. Nguyen, B. Kingsbury,
    Y. Polyanskiy, "Estimating information flow in deep neural networks", ICML 2019.

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> from skmi import SamplePropagationMI
    >>> corners = np.array([[-1.0], [1.0]])   # X uniform on {-1, 1}, T = X + N(0, 1/4)
    >>> est = SamplePropagationMI(noise_variance=0.25, n_draws=20000, random_state=0)
    >>> round(est.fit(corners, [0, 1]).mi_ / math.log(2), 2)   # exact: 0.91282 bits
    0.91
    """

    estimate_kind = ESTIMATE

    _parameter_constraints = {
        "noise_variance": _NOISE,
        "n_draws": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "relative_noise": ["boolean"],
        "n_queries": [Interval(Integral, 2, None, closed="left"), None],
        "n_jobs": [Integral, None],
    }

    def __init__(self, noise_variance=0.1, *, n_draws=10, random_state=None,
                 relative_noise=False, n_queries=None, n_jobs=None):
        self.noise_variance = noise_variance
        self.n_draws = n_draws
        self.random_state = random_state
        self.relative_noise = relative_noise
        self.n_queries = n_queries
        self.n_jobs = n_jobs

    def _validate(self, X, y, reset):
        check_labels(self, y, _LABEL_HINT)
        return check_xy(self, X, y, reset=reset, discrete_x=False, discrete_y=True)

    def _fit_estimate(self, data) -> float:
        _fit_scale(self, data.X)
        return self._estimate(data)

    def _estimate(self, data) -> float:
        rng = check_random_state(self.random_state)
        X, var = _scaled(self, data.X)
        n = data.n_samples
        rows = _query_rows(n, self.n_queries, rng)
        with guard(), num_threads(self.n_jobs):
            total, within, counts, q_cls, own, Xs = _propagate(
                X, data.y_codes, var, self.n_draws, rng, rows
            )
        self._saturation(_kernel_saturation(total, own, Xs, var, "the estimate",
                                            self.relative_noise))
        # I = mean[log p(t | y) - log p(t)] with p(t) = 1/n sum_j N(t; h_j),
        #     p(t | y) = 1/n_y sum_{j in y} N(t; h_j)
        terms = within - total - np.log(counts[q_cls]) + np.log(n)
        if rows is None:
            self.std_error_ = float(np.std(terms) / np.sqrt(terms.size))
        else:
            q = rows.size
            f = q / n
            means = terms.reshape(q, self.n_draws).mean(axis=1)
            self.std_error_ = float(np.sqrt((1.0 - f) * np.var(means, ddof=1) / q
                                            + f * np.var(terms) / terms.size))
        return float(np.mean(terms))


class MixtureEntropy(EntropyEstimator):
    """Entropy of the Gaussian mixture ``1/n sum_i N(x_i, noise_variance I)``, nats.

    The differential entropy of a noisy layer whose inputs are the samples: by the
    Kolchinsky-Tracey KL upper bound, the Bhattacharyya lower bound, or sample
    propagation (Monte Carlo, Goldfeld et al. 2019). Registered as
    ``skmi.entropy(X, estimator="mixture")``.

    Parameters
    ----------
    noise_variance : float, default=0.1
    method : {"upper", "lower", "sample"}, default="sample"
        KL upper bound, Bhattacharyya lower bound, or Monte Carlo.
    n_draws : int, default=10
        Monte-Carlo draws per sample (``method="sample"``).
    random_state : int, RandomState instance or None, default=None
    n_jobs : int or None, default=None

    Attributes
    ----------
    entropy_ : float
        Estimate, nats.
    std_error_ : float
        Monte-Carlo standard error (``method="sample"``; 0 for the bounds).
    estimate_kind : {"upper", "lower", "estimate"}
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import MixtureEntropy
    >>> x = np.array([[-1.0], [1.0]])
    >>> lo, mc, hi = (MixtureEntropy(0.25, method=m, n_draws=20000, random_state=0)
    ...               .fit(x).entropy_ for m in ("lower", "sample", "upper"))
    >>> bool(lo < mc < hi)
    True
    """

    _parameter_constraints = {
        "noise_variance": _NOISE,
        "method": [StrOptions({UPPER, LOWER, "sample"})],
        "n_draws": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, noise_variance=0.1, *, method="sample", n_draws=10,
                 random_state=None, n_jobs=None):
        self.noise_variance = noise_variance
        self.method = method
        self.n_draws = n_draws
        self.random_state = random_state
        self.n_jobs = n_jobs

    @property
    def estimate_kind(self) -> str:
        """``"upper"``, ``"lower"`` or ``"estimate"`` (Monte Carlo)."""
        return ESTIMATE if self.method == "sample" else self.method

    def _validate(self, X, reset):
        return check_x(self, X, reset=reset)

    def _estimate(self, X) -> float:
        var = float(self.noise_variance)
        n, d = X.shape
        with guard(), num_threads(self.n_jobs):
            if self.method != "sample":
                self.std_error_ = 0.0
                return _kt_entropy(X, var, self.method)
            rng = check_random_state(self.random_state)
            total = _propagate(X, np.zeros(n, np.int64), var, self.n_draws, rng)[0]
        log_p = total - np.log(n) - d / 2 * np.log(2 * np.pi * var)
        self.std_error_ = float(np.std(log_p) / np.sqrt(log_p.size))
        return float(-np.mean(log_p))
