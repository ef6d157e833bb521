"""``information_vs_scale``: I(X; T) and I(T; Y) of one layer over a range of scales.

The information of a deterministic layer is only defined at a stated scale (a bin count,
a noise level), and every scale has two ends where the number says nothing about the
layer: too fine, every sample is alone in its bin or kernel and I(X; T) = log n,
I(T; Y) = H(Y); too coarse, everything merges and both go to 0. This sweep shows the
whole range in one table, with each estimate's ``saturated_`` flag, so a scale can be
chosen where the layer is resolved, and reported with the numbers.

This module does not import torch: it works on activations already extracted (with
:class:`~skmi.nn.LayerActivationExtractor`, or saved from any framework).
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ..exceptions import SaturationWarning, warn_user

__all__ = ["information_vs_scale", "default_scales", "SCALE_COLUMNS"]

#: Columns of the table :func:`information_vs_scale` returns, in order.
SCALE_COLUMNS = (
    "scale", "scale_name", "absolute_scale", "I_XT", "I_TY", "saturated_XT",
    "saturated_TY", "n_samples", "layer_width", "H_Y", "unit", "convention",
)

#: Default bin counts: about 3 per octave from 2 to 128.
DEFAULT_BINS = (2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128)
#: Points per decade of the default noise grid (fractions 10^(k/4): 0.1 is on it).
_PER_DECADE = 4
_KINDS = {"binning": "n_bins", "noise": "noise_variance"}


def _frame(records: list[dict]):
    try:
        import pandas as pd
    except ImportError:
        return [dict(r) for r in records]
    return pd.DataFrame(records, columns=list(SCALE_COLUMNS))


def _check_layer(T) -> np.ndarray:
    T = np.asarray(T)
    if T.ndim == 1:
        T = T.reshape(-1, 1)
    T = check_array(T, dtype=np.float64, ensure_min_samples=2,
                    input_name="T").reshape(T.shape[0], -1)
    return T


def _noise_bounds(T: np.ndarray, rng) -> tuple[float, float]:
    """Noise fractions (of the layer's total variance) at which the KDE estimate is
    certainly pinned: at log n below the first, near 0 above the second.

    Low end: a tenth of the kernel-width scale of the closest 10% of nearest-neighbour
    pairs (squared distance / 40: a neighbour at that distance weighs exp(-20) of the
    sample's own kernel). High end: by Jensen, a sample whose mean squared distance to
    the others is ``r^2 + trace`` (``r`` its distance from the mean) has a mean kernel
    weight of at least 0.9 of its own once the variance is 5 times that; twice this
    for the 90% closest to the mean.
    """
    centred = T - T.mean(axis=0)
    spread = float(np.einsum("ij,ij->", centred, centred)) / T.shape[0]
    if not spread > 0:
        return 1e-6, 1e3
    n = T.shape[0]
    idx = rng.choice(n, size=min(n, 256), replace=False)
    Q = centred[idx]
    sq = np.einsum("ij,ij->i", centred, centred)
    D = sq[idx][:, None] + sq[None, :] - 2.0 * Q @ centred.T
    D[np.arange(idx.size), idx] = np.inf
    nn_sq = np.maximum(D.min(axis=1), 0.0)
    positive = nn_sq[nn_sq > 0]
    low_sq = float(np.quantile(positive, 0.1)) if positive.size else 0.0
    low = low_sq / (40.0 * spread) if low_sq > 0 else 1e-6
    high = 10.0 * (float(np.quantile(sq, 0.9)) + spread) / spread
    return low, high


def default_scales(T, kind: str = "binning", *, random_state=0) -> np.ndarray:
    """The scales :func:`information_vs_scale` sweeps when ``scales=None``.

    Parameters
    ----------
    T : array-like of shape (n_samples, n_units)
        The layer's activations.
    kind : {"binning", "noise"}, default="binning"
    random_state : int, RandomState instance or None, default=0
        Seeds the choice of the (at most 256) rows whose nearest-neighbour distances
        set the fine end of the noise grid.

    Returns
    -------
    scales : ndarray
        ``"binning"``: the bin counts :data:`DEFAULT_BINS` (2 to 128). ``"noise"``:
        noise variances as fractions of the layer's total variance, 4 per decade on the
        grid ``10^(k/4)``, from a fraction at which every kernel sees only its own
        sample (I(X; T) pinned at log n) to one at which every kernel sees every sample
        (pinned near 0).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.nn.scale import default_scales
    >>> [int(b) for b in default_scales(np.zeros((10, 2)))]
    [2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128]
    >>> fractions = default_scales(np.random.default_rng(0).normal(size=(300, 8)), "noise")
    >>> bool(fractions[0] < 0.01 and fractions[-1] > 10 and np.any(np.isclose(fractions, 0.1)))
    True
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'binning' or 'noise', got {kind!r}.")
    if kind == "binning":
        return np.array(DEFAULT_BINS)
    T = _check_layer(T)
    low, high = _noise_bounds(T, check_random_state(random_state))
    k = np.arange(math.floor(_PER_DECADE * math.log10(low)),
                  math.ceil(_PER_DECADE * math.log10(high)) + 1)
    return 10.0 ** (k / _PER_DECADE)


def _check_scales(scales, kind: str) -> np.ndarray:
    values = np.atleast_1d(np.asarray(scales))
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"scales must be a non-empty 1-D list, got {scales!r}.")
    if kind == "binning":
        ok = all(isinstance(v, Integral) and v >= 1 for v in values.tolist())
        if not ok:
            raise ValueError(f"bin counts must be integers >= 1, got {scales!r}.")
        return np.unique(values.astype(np.int64))
    ok = all(isinstance(v, Real) and np.isfinite(v) and v > 0 for v in values.tolist())
    if not ok:
        raise ValueError(f"noise fractions must be positive numbers, got {scales!r}.")
    return np.unique(values.astype(np.float64))


def _label_entropy(y) -> float:
    counts = np.unique(y, return_counts=True)[1].astype(np.float64)
    n = counts.sum()
    return float(np.log(n) - np.dot(counts, np.log(counts)) / n)


def information_vs_scale(T, y=None, *, kind: str = "binning", scales=None,
                         unit: str = "bits", random_state=0, n_jobs=None):
    """I(X; T) and I(T; Y) of one layer at every scale of a grid, with saturation flags.

    Each row estimates, at one scale, I(X; T) as ``fit(T, np.arange(n))`` (each sample
    its own input, the information-plane convention) and, when ``y`` is given, I(T; Y)
    as ``fit(T, y)``:

    - ``kind="binning"``: ``BinningMI(n_bins, strategy="minmax")``, equal-width bins
      over the layer's observed range; the scale is the bin count (finer to the right).
    - ``kind="noise"``: ``KDEMI(noise_variance=fraction, relative_noise=True)``, the
      Kolchinsky-Tracey upper bound with Gaussian noise whose variance per unit is
      ``fraction`` times the layer's total variance (the trace of its covariance); the
      scale is that fraction (coarser to the right).

    The fine end of a sweep pins I(X; T) at log n and I(T; Y) at H(Y) (every sample
    alone in its bin or kernel), the coarse end pins both near 0 (noise) or merges the
    samples (few bins). Each estimate's ``saturated_`` flag is in the table. The
    individual fits' :class:`~skmi.SaturationWarning` are not shown; one summary
    warning is issued only when no scale of the sweep leaves both quantities
    unsaturated (then no number in the table describes the layer).

    Parameters
    ----------
    T : array-like of shape (n_samples, n_units)
        Activations of one layer (a 1-D array is one unit).
    y : array-like of shape (n_samples,) or None, default=None
        Class labels; None: I(T; Y) is not computed (NaN in the table).
    kind : {"binning", "noise"}, default="binning"
    scales : array-like or None, default=None
        Bin counts (integers >= 1) or noise fractions (> 0); None:
        :func:`default_scales`.
    unit : {"bits", "nats"}, default="bits"
    random_state : int, RandomState instance or None, default=0
        Seeds the default noise grid (see :func:`default_scales`).
    n_jobs : int or None, default=None
        Threads for the estimators' Numba kernels.

    Returns
    -------
    table : pandas.DataFrame or list of dict
        One row per scale, in increasing order, with the columns
        :data:`SCALE_COLUMNS`: ``scale`` (the bin count or noise fraction),
        ``scale_name`` (``"n_bins"`` or ``"noise_variance"``), ``absolute_scale`` (the
        bin width in activation units, or the absolute noise variance per unit),
        ``I_XT``, ``I_TY``, ``saturated_XT``, ``saturated_TY``, ``n_samples``,
        ``layer_width``, ``H_Y`` (the plug-in label entropy, the ceiling of I(T; Y)),
        ``unit`` and ``convention`` (:func:`skmi.nn.describe_estimator`). A pandas
        DataFrame when pandas is installed, else a list of dicts.

    See Also
    --------
    skmi.plotting.InformationScaleDisplay : plots the table.
    skmi.SaturationWarning

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> from skmi.nn import information_vs_scale
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> T = np.maximum(rng.normal(size=(400, 6)) + y[:, None], 0)   # a ReLU-like layer
    >>> table = information_vs_scale(T, y, scales=[2, 4, 64])
    >>> rows = table.to_dict("records") if hasattr(table, "to_dict") else table
    >>> [(r["scale"], round(r["I_XT"], 2), r["saturated_XT"]) for r in rows]
    [(2, 2.81, False), (4, 6.5, False), (64, 8.6, True)]
    >>> round(math.log2(400), 2)    # 64 bins: (nearly) every sample alone, at log2 n
    8.64
    >>> noise = information_vs_scale(T, y, kind="noise", scales=[1e-4, 0.1, 100])
    >>> rows = noise.to_dict("records") if hasattr(noise, "to_dict") else noise
    >>> [(r["scale_name"], r["saturated_XT"]) for r in rows]
    [('noise_variance', True), ('noise_variance', False), ('noise_variance', True)]
    """
    from ..binning import BinningMI
    from ..kde import KDEMI
    from .plane import describe_estimator

    if kind not in _KINDS:
        raise ValueError(f"kind must be 'binning' or 'noise', got {kind!r}.")
    if unit not in ("bits", "nats"):
        raise ValueError(f"unit must be 'bits' or 'nats', got {unit!r}.")
    T = _check_layer(T)
    n, width = T.shape
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(f"y must be 1-D with {n} labels (one per row of T), got "
                             f"shape {y.shape}.")
    grid = (default_scales(T, kind, random_state=random_state) if scales is None
            else _check_scales(scales, kind))
    factor = 1.0 / math.log(2.0) if unit == "bits" else 1.0
    h_y = _label_entropy(y) * factor if y is not None else math.nan
    lo, hi = float(T.min()), float(T.max())
    span = hi - lo if hi > lo else 1.0
    rows = []
    with warnings.catch_warnings():  # the flags are in the table; summarised below
        warnings.simplefilter("ignore", SaturationWarning)
        for s in grid:
            if kind == "binning":
                est = BinningMI(int(s), strategy="minmax", n_jobs=n_jobs)
                value = int(s)
            else:
                est = KDEMI(noise_variance=float(s), relative_noise=True, n_jobs=n_jobs)
                value = float(s)
            fx = est.fit(T, np.arange(n))
            absolute = span / value if kind == "binning" else fx.noise_variance_
            i_xt, sat_xt = fx.mi_ * factor, bool(fx.saturated_)
            i_ty, sat_ty = math.nan, False
            if y is not None:
                fy = est.fit(T, y)
                i_ty, sat_ty = fy.mi_ * factor, bool(fy.saturated_)
            rows.append({
                "scale": value, "scale_name": _KINDS[kind], "absolute_scale": absolute,
                "I_XT": i_xt, "I_TY": i_ty, "saturated_XT": sat_xt,
                "saturated_TY": sat_ty, "n_samples": n, "layer_width": width,
                "H_Y": h_y, "unit": unit, "convention": describe_estimator(est),
            })
    if all(r["saturated_XT"] or r["saturated_TY"] for r in rows):
        listed = ", ".join(f"{r['scale']:g}" for r in rows)
        warn_user(
            f"every scale of the sweep ({_KINDS[kind]} {listed}) pins I(X; T) at log n "
            f"= {math.log(n) * factor:.4g} {unit} or near 0 (or I(T; Y) at H(Y)) for "
            f"this {width}-unit layer of {n} samples: no row describes the layer. "
            + ("Try fewer bins (or kind='noise')." if kind == "binning" else
               "Widen the range of noise fractions (scales=None spans it)."),
            SaturationWarning)
    return _frame(rows)
