"""``layer_information``: I(X; T), I(T; Y) and I(T_i; T_j) of a network's layers.

One table, one stated convention. A hidden layer T of a deterministic network is a
function of the input X, so for continuous X both I(X; T) and I(T_i; T_j) between two
layers are infinite, and on a finite data set they are log n whatever the weights:
the numbers only mean something at a stated scale. Two conventions are built in:

``estimator="noise"`` (the default)
    Every layer is observed through its own Gaussian channel, ``T~ = T + N(0, s^2 I)``,
    independently of the others, with X uniform over the recorded inputs (Goldfeld et
    al. 2019's noisy layers, Saxe et al. 2018's KDE convention). Each T~ is then a
    mixture of n Gaussians centred on the activations, and every quantity is a
    Monte-Carlo average of exact mixture log-densities (sample propagation), with its
    standard error:

    - I(X; T~) = log n + E[log N(t~; t(x)) - log (1/n sum_m N(t~; t(x_m)))];
    - I(T~; Y) = E[log p(t~ | y) - log p(t~)];
    - I(T~_i; T~_j) = log n + E[log p(t~_i, t~_j) - log p(t~_i) - log p(t~_j)], the joint
      a mixture over the same inputs.

    All three are at most log n, and I(T~_i; T~_j) <= min(I(X; T~_i), I(X; T~_j)) (data
    processing: T~_i <- X -> T~_j). ``noise_std`` sets one absolute s for every layer;
    by default each layer's noise variance is ``noise_fraction`` times its total
    variance (the trace of its covariance), the same signal-to-noise ratio for every
    layer, unchanged when a layer is rescaled.
``estimator="binning"``
    Every layer binned over its observed range into ``n_bins`` bins per unit; each row
    of bins is a symbol. I(X; T) = H(bins of T), I(T; Y) and I(T_i; T_j) plug-in.

Or any skmi estimator instance: label-convention estimators (binning, KDE, sample
propagation) give I(X; T) by ``fit(T, arange(n))``, others by ``fit(X, T)``; I(T; Y) by
``fit(T, y)``; pairs by ``fit(T_i, T_j)``. A continuous estimator asked for I(X; T) or
I(T_i; T_j) of noiseless layers raises a :class:`~skmi.DeterministicLayerWarning`: its
number reflects its own bias (KSG between two MNIST layers grows from 4.0 bits at
n = 2000 to 5.3 at 10,000).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import combinations
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state

from ..exceptions import DeterministicLayerWarning, SaturationWarning, warn_user

__all__ = ["layer_information", "LAYER_INFORMATION_COLUMNS"]

#: Columns of the table :func:`layer_information` returns, in order.
LAYER_INFORMATION_COLUMNS = (
    "quantity", "layer", "other", "value", "std_error", "unit", "saturated",
    "n_samples", "layer_width", "other_width", "noise_variance", "estimator", "convention",
)

_LN2 = float(np.log(2.0))
#: A noisy-layer quantity is saturated when it is within this many nats of log n.
_NEAR_LOG_N = 0.05


def _frame(records: list[dict], as_frame):
    if as_frame is False:
        return records
    try:
        import pandas as pd
    except ImportError:
        if as_frame is True:
            raise ImportError("as_frame=True needs pandas (pip install pandas).") from None
        return records
    return pd.DataFrame(records, columns=list(LAYER_INFORMATION_COLUMNS))


# ------------------------------------------------------------------ noise convention
def _log_mixture(Q: np.ndarray, C: np.ndarray, classes=None):
    """Per query: log sum over the centres of exp(-|q - c|^2 / 2), and over the
    centres of its class (``classes = (q_class, start, end)``, centres sorted)."""
    from .._kernels import kde as kk
    from ..kde import BLOCK, _cut

    n = C.shape[0]
    if classes is None:
        classes = (np.zeros(Q.shape[0], np.int64), np.array([0]), np.array([n]))
    q_class, start, end = classes
    return kk.mixture_log_sums(Q, C, 0.5, q_class, start, end, self_terms=False,
                               block=BLOCK, cut=_cut(n))


def _noise_table(acts: dict, y, variances: dict, pairs, n_draws: int, rng, n_jobs):
    """(quantity, layer, other) -> (nats, standard error) under the noise convention."""
    from .._kernels._jit import num_threads

    n = next(iter(acts.values())).shape[0]
    log_n = float(np.log(n))
    centres, draws, own, total = {}, {}, {}, {}
    out: dict = {}
    with num_threads(n_jobs):
        for key, T in acts.items():
            C = (T - T.mean(axis=0)) / np.sqrt(variances[key])  # unit noise variance
            Z = rng.standard_normal((n * n_draws, C.shape[1]))
            centres[key] = np.ascontiguousarray(C)
            src = np.repeat(C, n_draws, axis=0)
            draws[key] = src + Z
            # the own term from the draw as stored: a noise far below the activations'
            # resolution rounds the draw towards its centre, and the Z it was drawn with
            # then overstates its distance (I(X; T) came out d/2 nats below log n)
            step = draws[key] - src  # exact: the two are within a factor 2 when Z << C
            own[key] = -0.5 * np.einsum("ij,ij->i", step, step)
            total[key] = _log_mixture(draws[key], centres[key])[0]
            out[("I(X;T)", key, "X")] = log_n + own[key] - total[key]
            if y is not None:
                codes = np.unique(y, axis=0, return_inverse=True)[1].reshape(-1)
                order = np.argsort(codes, kind="stable")
                counts = np.bincount(codes)
                end = np.cumsum(counts)
                q_order = (order[:, None] * n_draws + np.arange(n_draws)).reshape(-1)
                sorted_codes = codes[order]
                q_class = np.repeat(sorted_codes, n_draws)
                tot, within = _log_mixture(draws[key][q_order], centres[key][order],
                                           (q_class, end - counts, end))
                out[("I(T;Y)", key, "Y")] = (within - tot - np.log(counts[q_class])
                                             + log_n)
        for a, b in pairs:
            joint = _log_mixture(np.hstack([draws[a], draws[b]]),
                                 np.hstack([centres[a], centres[b]]))[0]
            out[("I(T_i;T_j)", a, b)] = log_n + joint - total[a] - total[b]
    return {k: (float(np.mean(v)), float(np.std(v) / np.sqrt(v.size)))
            for k, v in out.items()}


# ------------------------------------------------------------------ estimator convention
def _is_label_convention(est) -> bool:
    from ..binning import BinningMI, DiscreteMI
    from ..kde import KDEMI, SamplePropagationMI

    return isinstance(est, (BinningMI, DiscreteMI, KDEMI, SamplePropagationMI))


def _fit(est, A, B) -> tuple[float, bool]:
    fitted = clone(est).fit(A, B)
    return float(fitted.mi_), bool(getattr(fitted, "saturated_", False))


def _estimator_table(acts: dict, X_flat, y, est, pairs, noisy: bool) -> dict:
    from ..kde import KDEMI, SamplePropagationMI

    n = next(iter(acts.values())).shape[0]
    label = _is_label_convention(est)
    if not label and not noisy:
        what = "I(X; T)" + (" and I(T_i; T_j)" if pairs else "")
        warn_user(
            f"{type(est).__name__} is asked for {what} of deterministic layers without "
            "noise: the true values are infinite for continuous X, and log n on a "
            "finite data set, whatever the weights, so the estimates show the "
            "estimator's bias, not the network. Use estimator='noise' or 'binning', or "
            "noise_std > 0.", DeterministicLayerWarning)
    if pairs and isinstance(est, (KDEMI, SamplePropagationMI)):
        raise ValueError(
            f"{type(est).__name__} reads its y as class labels and cannot estimate "
            "I(T_i; T_j) between two layers; use estimator='noise' (the same Gaussian "
            "noise convention, sample propagation), or pairs=False.")
    out = {}
    with warnings.catch_warnings():  # summarised once by the caller from the flags
        warnings.simplefilter("ignore", SaturationWarning)
        for key, T in acts.items():
            out[("I(X;T)", key, "X")] = (_fit(est, T, np.arange(n)) if label
                                         else _fit(est, X_flat, T))
            if y is not None:
                out[("I(T;Y)", key, "Y")] = _fit(est, T, y)
        for a, b in pairs:
            out[("I(T_i;T_j)", a, b)] = _fit(est, acts[a], acts[b])
    return out


def _describe(est) -> str:
    from .plane import describe_estimator

    return describe_estimator(est)


def _resolve_pairs(pairs, keys: list[str]) -> list[tuple[str, str]]:
    if pairs is True:
        return list(combinations(keys, 2))
    if pairs is False or pairs is None:
        return []
    out = []
    for pair in pairs:
        if (not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2
                or any(p not in keys for p in pair) or pair[0] == pair[1]):
            raise ValueError(
                f"pairs must be True, False or a list of (layer, layer) of two different "
                f"recorded layers {keys}, got {pair!r}.")
        out.append((str(pair[0]), str(pair[1])))
    return out


def layer_information(
    model,
    X,
    y=None,
    *,
    layers,
    pairs=True,
    estimator="noise",
    noise_std: float | None = None,
    noise_fraction: float = 0.1,
    n_bins: int = 10,
    n_draws: int = 2,
    unit: str = "bits",
    random_state=0,
    as_frame="auto",
    device="auto",
    batch_size: int = 4096,
    input_shape=None,
    select=None,
    n_jobs: int | None = None,
):
    """I(X; T), I(T; Y) and I(T_i; T_j) of a network's layers, under one convention.

    See :mod:`skmi.nn.layers` for the conventions. The model is not modified (the
    activations come from :class:`~skmi.nn.LayerActivationExtractor`).

    Parameters
    ----------
    model : torch.nn.Module
    X : array-like of shape (n_samples, ...)
        The inputs; the data set over which X is uniform.
    y : array-like of shape (n_samples,) or None, default=None
        Class labels; None leaves out I(T; Y).
    layers : str, list of str or dict {str: str}
        Layers to record (names from :func:`skmi.nn.layer_names`).
    pairs : bool or list of (str, str), default=True
        I(T_i; T_j) for every pair of recorded layers (True), none (False), or these
        pairs (by layer key).
    estimator : {"noise", "binning"} or MutualInfoEstimator, default="noise"
        The convention (see :mod:`skmi.nn.layers`), or an estimator instance (cloned).
    noise_std : float or None, default=None
        ``estimator="noise"``: one absolute noise standard deviation for every layer.
        None: each layer's noise variance is ``noise_fraction`` times its total
        variance. With an estimator instance: Gaussian noise of this standard
        deviation added to the activations before estimating (a noisy network), which
        also silences the deterministic-layer warning; None or 0 adds none.
    noise_fraction : float, default=0.1
        Noise variance as a fraction of each layer's total variance (``estimator=
        "noise"`` with ``noise_std=None``). At 0.1 the MNIST MLP and CNN layers of
        ``benchmarks/mnist_layers.py`` are not saturated (median squared
        nearest-neighbour distance 0.08 to 0.3 times the total variance).
    n_bins : int, default=10
        Bins per unit over each layer's observed range (``estimator="binning"``).
    n_draws : int, default=2
        Noisy draws per input (``estimator="noise"``); the standard errors shrink as
        ``1 / sqrt(n_samples * n_draws)``.
    unit : {"bits", "nats"}, default="bits"
    random_state : int, RandomState instance or None, default=0
        Seeds the noise.
    as_frame : {"auto", True, False}, default="auto"
        Return a pandas DataFrame ("auto": when pandas is installed) or a list of dicts.
    device, batch_size, input_shape, select
        Passed to the extractor.
    n_jobs : int or None, default=None
        Threads for the Numba kernels.

    Returns
    -------
    table : pandas.DataFrame or list of dict
        One row per quantity, columns :data:`LAYER_INFORMATION_COLUMNS`: ``quantity``
        ("I(X;T)", "I(T;Y)" or "I(T_i;T_j)"), ``layer``, ``other`` ("X", "Y" or the
        second layer), ``value`` and ``std_error`` (NaN where the estimator gives none)
        in ``unit``, ``saturated`` (pinned at log n or at H(Y)), the sizes, the noise
        variance of the layer (``estimator="noise"``), the estimator and the
        convention in words. A :class:`~skmi.SaturationWarning` lists saturated rows.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skmi.nn import layer_information, make_mlp
    >>> _ = torch.manual_seed(0)
    >>> model = make_mlp([4, 8, 3, 2], activation="tanh")
    >>> X = np.random.default_rng(0).standard_normal((500, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> rows = layer_information(model, X, y, layers=["act1", "act2"], as_frame=False)
    >>> [(r["quantity"], r["layer"], r["other"]) for r in rows]
    [('I(X;T)', 'act1', 'X'), ('I(T;Y)', 'act1', 'Y'), ('I(X;T)', 'act2', 'X'),
     ('I(T;Y)', 'act2', 'Y'), ('I(T_i;T_j)', 'act1', 'act2')]
    >>> pair = rows[-1]     # data processing: at most I(X; T) of either layer
    >>> bool(pair["value"] <= min(rows[0]["value"], rows[2]["value"]) + 4 * pair["std_error"])
    True
    """
    from .extractor import LayerActivationExtractor

    if unit not in ("bits", "nats"):
        raise ValueError(f"unit must be 'bits' or 'nats', got {unit!r}.")
    if not (as_frame == "auto" or isinstance(as_frame, bool)):
        raise ValueError(f"as_frame must be 'auto', True or False, got {as_frame!r}.")
    named = isinstance(estimator, str)
    if named and estimator not in ("noise", "binning"):
        raise ValueError(f"estimator must be 'noise', 'binning' or an estimator "
                         f"instance, got {estimator!r}.")
    if not named and not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must be 'noise', 'binning' or an skmi estimator, got "
                        f"{type(estimator).__name__}.")
    if noise_std is not None and (not isinstance(noise_std, Real) or not noise_std >= 0
                                  or (named and estimator == "noise" and noise_std == 0)):
        raise ValueError(f"noise_std must be a number > 0 (or None), got {noise_std!r}.")
    if not isinstance(noise_fraction, Real) or not noise_fraction > 0:
        raise ValueError(f"noise_fraction must be a number > 0, got {noise_fraction!r}.")
    for name, value in (("n_bins", n_bins), ("n_draws", n_draws)):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")

    add_noise = 0.0 if named or noise_std is None else float(noise_std)
    ext = LayerActivationExtractor(model, layers, device=device, batch_size=batch_size,
                                   flatten=True, input_shape=input_shape, select=select,
                                   noise_std=add_noise, random_state=random_state)
    acts = {k: np.asarray(v, dtype=np.float64)
            for k, v in ext.fit(X).transform_layers(X).items()}
    n = next(iter(acts.values())).shape[0]
    if y is not None:
        y = np.asarray(y)
        if y.shape[0] != n:
            raise ValueError(f"y has {y.shape[0]} samples but X has {n}.")
    keys = list(acts)
    pair_list = _resolve_pairs(pairs, keys)
    rng = check_random_state(random_state)
    variances: dict[str, float] = {}
    if named and estimator == "noise":
        for key, T in acts.items():
            spread = float(np.var(T, axis=0).sum())
            variances[key] = (float(noise_std) ** 2 if noise_std is not None
                              else noise_fraction * spread)
            if not variances[key] > 0:
                raise ValueError(
                    f"layer {key!r} is constant over the inputs (total variance 0): a "
                    "relative noise variance is undefined; pass noise_std.")
        values = _noise_table(acts, y, variances, pair_list, n_draws, rng, n_jobs)
        log_n = float(np.log(n))
        # at log n every noisy kernel sees only its own input, and then I(T; Y) = H(Y)
        pinned = {k for k, (v, _) in values.items() if v >= log_n - _NEAR_LOG_N}
        pinned |= {("I(T;Y)", k[1], "Y") for k in pinned if k[0] == "I(X;T)"}
        values = {k: (v, se, k in pinned) for k, (v, se) in values.items()}
        convention = ("each layer with independent Gaussian noise, " +
                      (f"std {noise_std:g}" if noise_std is not None else
                       f"variance {noise_fraction:g} x the layer's total variance")
                      + f"; sample propagation, {n_draws} draws per input")
        describe = "sample propagation (noise)"
    else:
        if named:  # binning
            from ..binning import BinningMI

            est = BinningMI(n_bins, strategy="minmax", n_jobs=n_jobs)
        else:
            est = estimator
        x_flat = np.asarray(X, dtype=np.float64).reshape(n, -1)
        fitted = _estimator_table(acts, x_flat, y, est, pair_list, add_noise > 0)
        values = {k: (v, np.nan, sat) for k, (v, sat) in fitted.items()}
        describe = _describe(est)
        convention = describe + (f"; activation noise std {add_noise:g}" if add_noise
                                 else "")
    scale = 1.0 / _LN2 if unit == "bits" else 1.0
    widths = {k: T.shape[1] for k, T in acts.items()}
    rows: list[dict[str, Any]] = []
    for (quantity, layer, other), (value, se, saturated) in values.items():
        rows.append({
            "quantity": quantity, "layer": layer, "other": other,
            "value": value * scale, "std_error": se * scale, "unit": unit,
            "saturated": bool(saturated), "n_samples": n, "layer_width": widths[layer],
            "other_width": widths.get(other, 1 if other == "Y" else
                                      int(np.prod(np.shape(X)[1:]))),
            "noise_variance": variances.get(layer, np.nan), "estimator": describe,
            "convention": convention,
        })
    order = {key: i for i, key in enumerate(keys)}
    rank = {"I(X;T)": 0, "I(T;Y)": 1}
    rows.sort(key=lambda r: (r["quantity"] == "I(T_i;T_j)", order[r["layer"]],
                             rank.get(r["quantity"], 2), order.get(r["other"], -1)))
    pinned = [f"{r['quantity']} of {r['layer']}" + (f" and {r['other']}"
                                                    if r["quantity"] == "I(T_i;T_j)" else "")
              for r in rows if r["saturated"]]
    if pinned:
        warn_user(
            f"{len(pinned)} of {len(rows)} quantities are pinned at a ceiling (log n = "
            f"{np.log(n) * scale:.4g} {unit} or H(Y)) at this scale: "
            + ", ".join(pinned) + ". Use more noise (noise_std or noise_fraction) or fewer "
            "bins; skmi.nn.information_vs_scale shows the range of scales.",
            SaturationWarning)
    return _frame(rows, as_frame)
