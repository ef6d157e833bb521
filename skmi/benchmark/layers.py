"""Distributions that look like hidden layers of a neural network, with exact MI.

The ``"layers"`` suite of :func:`skmi.benchmark.get_tasks`: a layer's activations ``T``
(the task's ``X``, float64) against class labels or input identities (the task's ``Y``,
int64 codes, ``Task.labels == (False, True)``), so estimators can be scored on the
"layer vs labels" problem of information-plane studies, where the truth is otherwise
unknown.

Every task is class-conditional with a closed-form posterior ``p(y | t)``, so with ``Y``
uniform on ``K`` values

``I(T; Y) = log K - E_t[H(Y | T = t)]``,

a Monte-Carlo average of an exact quantity (the entropy of the posterior at a sampled
``t``). The hard-coded truths are such averages over 1,000,000 draws
(``benchmarks/layer_truths.py``; standard errors 0.0002 to 0.0008 nats, in each task's
``description``).

``"layer-relu"``, ``"layer-tanh"``, ``"layer-leaky"``: ``Y`` uniform on ``K = 10``
classes, a pre-activation ``Z | Y = c ~ N(mu_c, I_d)`` with ``mu_c = b + s A u_c``
(:func:`class_means`: ``A`` a ``d x r`` matrix with orthonormal columns,
``r = min(d, 9)``, ``u_c ~ N(0, I_r)``, so the class separation ``s`` does not grow
with the width ``d``; ``b`` per-unit biases, 10% of them "dead", below -3, the others
quantiles of ``N(0.5, 1)``), and ``T = max(Z, 0)``, ``tanh(Z)`` or
``leaky_relu(Z, 0.1)``.

- ReLU: 37% to 46% of the activations are exactly 0. Given the class each unit is a
  point mass ``Phi(-mu_cj)`` at 0 plus the density ``phi(t - mu_cj)`` on ``t > 0``;
  the likelihood is their product over units and the posterior a softmax over classes
  (:func:`class_log_likelihoods`). ``T`` is a function of ``Z``, so ``I(T; Y)`` is below
  the Gaussian-mixture value ``I(Z; Y)``.
- tanh and leaky ReLU are invertible per unit, so ``I(T; Y) = I(Z; Y)``: a mixture of
  Gaussians with equal isotropic covariances, whose posterior is a softmax of
  ``z . mu_c - |mu_c|^2 / 2``. (``|Z|`` stays below 15 on these tasks, so ``tanh`` is
  invertible in float64.)

``"noisy-layer"``: ``I(X; T)`` with a finite input set. The input is uniform on ``m``
fixed random 12-bit patterns ``x_i``, a fixed deterministic layer
``h(x) = tanh(W x + b)`` of width ``d`` (:func:`noisy_layer`), and
``T = h(x) + N(0, s^2 I_d)``; the task's ``Y`` is the input's index, its ``X`` is ``T``.
``I = log m - E[H(index | T)]``, the posterior a softmax of ``-|t - h_i|^2 / (2 s^2)``;
the noise ``s`` puts the truths mid-range, about half of ``log m``.

All fixed parameters (``A``, ``u``, ``b``, ``W``, the inputs) come from a fixed seed
per task; the per-sample randomness from the ``rng`` the sampler is given.

Examples
--------
>>> from skmi.benchmark import get_task
>>> task = get_task("layer-relu-256-sep2")
>>> T, y = task.sample(2000, random_state=0)
>>> T.shape, T.dtype, y.shape, y.dtype, task.labels
((2000, 256), dtype('float64'), (2000, 1), dtype('int64'), (False, True))
>>> round(task.mutual_information, 2)
2.17
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri

from .tasks import Task, _as_generator

__all__ = [
    "N_CLASSES",
    "LEAK",
    "ACTIVATIONS",
    "LayerSpec",
    "LAYER_SPECS",
    "LAYER_TRUTHS",
    "class_means",
    "noisy_layer",
    "activate",
    "class_log_likelihoods",
    "posterior_entropy",
    "zero_fraction",
    "monte_carlo_mi",
    "layer_distribution",
    "exact_mi",
    "layer_tasks",
]

#: Number of classes of the ``layer-*`` tasks.
N_CLASSES = 10
#: Negative slope of the leaky ReLU.
LEAK = 0.1
#: Activations :func:`activate` and :func:`class_log_likelihoods` know.
ACTIVATIONS = ("linear", "relu", "tanh", "leaky_relu")

#: Fraction of "dead" units (bias uniform on ``DEAD_BIAS``) in :func:`class_means`.
DEAD_FRACTION = 0.1
DEAD_BIAS = (-4.5, -3.0)
#: Mean of the live units' biases (quantiles of ``N(BIAS_MEAN, 1)``).
BIAS_MEAN = 0.5
#: Bits of the inputs of the noisy layers, and the sd of their weights.
N_BITS = 12
WEIGHT_SD = 0.6
#: Monte-Carlo draws behind :data:`LAYER_TRUTHS` (``benchmarks/layer_truths.py``).
TRUTH_DRAWS = 1_000_000

_INVERTIBLE = ("linear", "tanh", "leaky_relu")


# ------------------------------------------------------------------ constructions
def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def class_means(width: int, separation: float, seed: int,
                n_classes: int = N_CLASSES) -> np.ndarray:
    """Class means ``mu_c = b + separation * A u_c`` of a layer's pre-activation.

    ``A`` is ``width x r`` with orthonormal columns (QR of a Gaussian matrix),
    ``r = min(width, n_classes - 1)``, and ``u_c ~ N(0, I_r)``: the distances between
    class means do not grow with the width. The biases ``b``: ``int(0.1 width)`` "dead"
    units with ``b`` uniform on ``[-4.5, -3]`` (almost always 0 after a ReLU), the
    others the normal quantiles ``0.5 + Phi^-1((k + 1/2) / n_live)``, ``k < n_live``
    (about 40% zeros after a ReLU), in random order.

    Parameters
    ----------
    width : int
        ``d``, the number of units.
    separation : float
        ``s >= 0``; 0 makes all classes equal (zero MI).
    seed : int
        Seeds ``numpy.random.default_rng`` for ``A``, ``u`` and the order of ``b``.
    n_classes : int, default=10

    Returns
    -------
    means : ndarray of shape (n_classes, width)

    Examples
    --------
    >>> from skmi.benchmark.layers import class_means
    >>> mu = class_means(64, 1.0, seed=0)
    >>> mu.shape, int((mu.mean(axis=0) < -2.5).sum())
    ((10, 64), 6)
    """
    width = _check_positive_int(width, "width")
    n_classes = _check_positive_int(n_classes, "n_classes")
    if not math.isfinite(separation) or separation < 0:
        raise ValueError(f"separation must be a finite number >= 0, got {separation!r}.")
    rng = np.random.default_rng(seed)
    rank = max(1, min(width, n_classes - 1))
    A = np.linalg.qr(rng.standard_normal((width, rank)))[0]
    u = rng.standard_normal((n_classes, rank))
    n_dead = int(DEAD_FRACTION * width)
    n_live = width - n_dead
    live = BIAS_MEAN + ndtri((np.arange(n_live) + 0.5) / n_live)
    dead = rng.uniform(*DEAD_BIAS, size=n_dead)
    bias = rng.permutation(np.concatenate([dead, live]))
    return bias + float(separation) * (u @ A.T)


def noisy_layer(n_inputs: int, width: int, seed: int,
                n_bits: int = N_BITS) -> tuple[np.ndarray, np.ndarray]:
    """A fixed tanh layer on a fixed set of binary inputs: the noisy-layer tasks' ``h``.

    ``n_inputs`` distinct random ``n_bits``-bit patterns ``x_i`` (0/1), weights
    ``W ~ N(0, 0.6^2)`` of shape ``(width, n_bits)``, biases
    ``b = N(0, 0.5^2) - W 1 / 2`` (centring the pre-activation), ``h_i = tanh(W x_i + b)``.

    Returns
    -------
    inputs : ndarray of shape (n_inputs, n_bits), float64
    codes : ndarray of shape (n_inputs, width)
        ``h(x_i)``, the noiseless layer.

    Examples
    --------
    >>> from skmi.benchmark.layers import noisy_layer
    >>> inputs, codes = noisy_layer(8, 4, seed=0)
    >>> inputs.shape, codes.shape, bool(abs(codes).max() < 1)
    ((8, 12), (8, 4), True)
    """
    n_inputs = _check_positive_int(n_inputs, "n_inputs")
    width = _check_positive_int(width, "width")
    n_bits = _check_positive_int(n_bits, "n_bits")
    if n_inputs > 2**n_bits:
        raise ValueError(f"n_inputs={n_inputs} > 2**n_bits={2**n_bits} distinct patterns.")
    rng = np.random.default_rng(seed)
    index = rng.choice(2**n_bits, size=n_inputs, replace=False)
    inputs = ((index[:, None] >> np.arange(n_bits)) & 1).astype(np.float64)
    W = WEIGHT_SD * rng.standard_normal((width, n_bits))
    b = 0.5 * rng.standard_normal(width) - 0.5 * W.sum(axis=1)
    return inputs, np.tanh(inputs @ W.T + b)


# ------------------------------------------------------------------ likelihoods
def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}.")


def activate(Z: np.ndarray, activation: str, *, out: np.ndarray | None = None) -> np.ndarray:
    """``linear`` (identity), ``relu``, ``tanh`` or ``leaky_relu`` (slope 0.1) of ``Z``.

    ``out=Z`` works in place.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.benchmark.layers import activate
    >>> activate(np.array([-2.0, 0.5]), "leaky_relu").tolist()
    [-0.2, 0.5]
    """
    _check_activation(activation)
    Z = np.asarray(Z, dtype=np.float64)
    if out is None:
        out = Z.copy()
    elif out is not Z:
        out[...] = Z
    if activation == "relu":
        np.maximum(out, 0.0, out=out)
    elif activation == "tanh":
        np.tanh(out, out=out)
    elif activation == "leaky_relu":
        np.multiply(out, LEAK, out=out, where=out < 0)
    return out


def _preactivation(T: np.ndarray, activation: str) -> np.ndarray:
    """``Z`` from ``T`` for an invertible activation."""
    if activation == "tanh":
        if np.any(np.abs(T) >= 1.0):
            raise ValueError("tanh activations must lie in (-1, 1) to be inverted.")
        return np.arctanh(T)
    if activation == "leaky_relu":
        return np.where(T < 0, T / LEAK, T)
    return T


def class_log_likelihoods(T, means, activation: str = "linear",
                          noise: float = 1.0) -> np.ndarray:
    """``log p(t | c)`` for every row ``t`` of ``T`` and class ``c``, up to a per-row term.

    The model: ``T = f(Z)``, ``Z | c ~ N(means[c], noise^2 I)``. Adding anything that
    depends on ``t`` alone does not change the posterior ``softmax_c(...)``, which is
    exact.

    - ``linear``: ``(t . mu_c - |mu_c|^2 / 2) / noise^2``.
    - ``tanh``, ``leaky_relu``: the linear case at ``z = f^-1(t)`` (the Jacobian of
      ``f^-1`` does not depend on the class).
    - ``relu``: unit ``j`` contributes ``log phi((t_j - mu_cj) / noise)`` where
      ``t_j > 0`` and the point mass ``log Phi(-mu_cj / noise)`` where ``t_j = 0``,
      computed as matrix products.

    Parameters
    ----------
    T : array-like of shape (n, d)
    means : array-like of shape (K, d)
    activation : {"linear", "relu", "tanh", "leaky_relu"}, default="linear"
    noise : float, default=1.0

    Returns
    -------
    loglik : ndarray of shape (n, K)

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import log_ndtr
    >>> from skmi.benchmark.layers import class_log_likelihoods
    >>> mu = np.array([[-1.0], [1.0]])
    >>> ll = class_log_likelihoods(np.array([[0.0], [2.0]]), mu, "relu")
    >>> bool(np.isclose(ll[0, 1] - ll[0, 0], log_ndtr(-1.0) - log_ndtr(1.0)))
    True
    >>> bool(np.isclose(ll[1, 1] - ll[1, 0], (-0.5 * 1.0) - (-0.5 * 9.0)))
    True
    """
    _check_activation(activation)
    T = np.asarray(T, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    if T.ndim != 2 or means.ndim != 2 or T.shape[1] != means.shape[1]:
        raise ValueError(f"T must be (n, d) and means (K, d), got {T.shape} and "
                         f"{means.shape}.")
    if not noise > 0:
        raise ValueError(f"noise must be > 0, got {noise!r}.")
    var = float(noise) ** 2
    if activation == "relu":
        if np.any(T < 0):
            raise ValueError("ReLU activations must be >= 0.")
        log_zero = log_ndtr(-means / noise)  # (K, d): log P(T_j = 0 | c)
        alive = (T > 0).astype(np.float64)
        return ((T @ means.T) / var - alive @ (0.5 * means**2 / var + log_zero).T
                + log_zero.sum(axis=1))
    Z = _preactivation(T, activation)
    return (Z @ means.T - 0.5 * np.einsum("kd,kd->k", means, means)) / var


def posterior_entropy(loglik) -> np.ndarray:
    """``H(Y | T = t)`` (nats) per row, from log-likelihoods and a uniform prior.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.benchmark.layers import posterior_entropy
    >>> posterior_entropy(np.zeros((1, 4))).round(6).tolist()
    [1.386294]
    """
    loglik = np.asarray(loglik, dtype=np.float64)
    log_post = loglik - logsumexp(loglik, axis=1, keepdims=True)
    return -np.einsum("nk,nk->n", np.exp(log_post), log_post)


def zero_fraction(means, noise: float = 1.0) -> float:
    """Expected fraction of exact zeros of ``relu(Z)``: the mean of ``Phi(-mu_cj / noise)``.

    Examples
    --------
    >>> from skmi.benchmark.layers import zero_fraction
    >>> zero_fraction([[0.0, 0.0]])
    0.5
    """
    return float(np.mean(ndtr(-np.asarray(means, dtype=np.float64) / noise)))


# ------------------------------------------------------------------ sampling
def _draw(n, rng, means, noise):
    """``n`` labels uniform on the rows of ``means`` and ``Z = means[y] + noise * e``."""
    y = rng.integers(0, means.shape[0], size=n)
    Z = rng.standard_normal((n, means.shape[1]))
    Z *= noise
    Z += means[y]
    return Z, y


def _sample_layer(n, rng, *, means, noise, activation):
    Z, y = _draw(n, rng, means, noise)
    return activate(Z, activation, out=Z), y[:, None]


def monte_carlo_mi(means, activation: str = "linear", noise: float = 1.0,
                   n_samples: int = 100_000, random_state=None,
                   chunk_size: int = 20_000) -> tuple[float, float]:
    """``I(T; Y)`` by Monte Carlo of the exact posterior entropy, and its standard error.

    ``Y`` uniform on the ``K`` rows of ``means``, ``T = f(means[Y] + noise * e)``;
    ``I = log K - mean_i H(Y | t_i)`` over ``n_samples`` independent draws, with
    standard error ``sd_i H(Y | t_i) / sqrt(n_samples)``. Averaging the posterior
    entropy instead of ``log p(y_i | t_i)`` (same expectation) removes the variance
    of ``y`` given ``t``. For the invertible activations the entropy is computed at
    ``z``: the same posterior (:func:`class_log_likelihoods`), without the rounding of
    ``arctanh(tanh(z))``.

    Parameters
    ----------
    means : array-like of shape (K, d)
    activation : {"linear", "relu", "tanh", "leaky_relu"}, default="linear"
    noise : float, default=1.0
    n_samples : int, default=100_000
    random_state : None, int or numpy.random.Generator
    chunk_size : int, default=20_000
        Rows drawn at a time (memory is about ``chunk_size * (d + 3 K)`` floats).

    Returns
    -------
    mi : float
        Nats.
    standard_error : float

    Examples
    --------
    Two classes at -1 and +1 on the line (0.33683 nats by quadrature):

    >>> from skmi.benchmark.layers import monte_carlo_mi
    >>> mi, se = monte_carlo_mi([[-1.0], [1.0]], n_samples=50_000, random_state=0)
    >>> bool(abs(mi - 0.33683) < 4 * se), bool(se < 0.002)
    (True, True)
    """
    _check_activation(activation)
    means = np.asarray(means, dtype=np.float64)
    if means.ndim != 2:
        raise ValueError(f"means must be (K, d), got shape {means.shape}.")
    n_samples = _check_positive_int(n_samples, "n_samples")
    chunk_size = _check_positive_int(chunk_size, "chunk_size")
    rng = _as_generator(random_state)
    count, mean, m2 = 0, 0.0, 0.0  # running mean and sum of squared deviations (Chan)
    for start in range(0, n_samples, chunk_size):
        m = min(chunk_size, n_samples - start)
        Z, _ = _draw(m, rng, means, noise)
        if activation == "relu":
            h = posterior_entropy(class_log_likelihoods(activate(Z, "relu", out=Z), means,
                                                        "relu", noise))
        else:
            h = posterior_entropy(class_log_likelihoods(Z, means, "linear", noise))
        h_mean = float(h.mean())
        delta = h_mean - mean
        total = count + m
        mean += delta * m / total
        m2 += float(np.sum((h - h_mean) ** 2)) + delta**2 * count * m / total
        count = total
    var = m2 / max(1, n_samples - 1)
    return math.log(means.shape[0]) - mean, math.sqrt(var / n_samples)


# ------------------------------------------------------------------ the suite
@dataclass(frozen=True)
class LayerSpec:
    """One task of the ``"layers"`` suite.

    Parameters
    ----------
    name : str
    family : {"layer-relu", "layer-tanh", "layer-leaky", "noisy-layer"}
    activation : {"relu", "tanh", "leaky_relu"}
        For ``noisy-layer``, ``"tanh"`` is the layer ``h``; ``T = h + noise``.
    width : int
        ``d``.
    n_classes : int
        ``K`` (classes) or ``m`` (inputs).
    scale : float
        The class separation ``s`` of :func:`class_means`, or the noise sd of a noisy
        layer.
    seed : int
        Of the fixed parameters.
    """

    name: str
    family: str
    activation: str
    width: int
    n_classes: int
    scale: float
    seed: int


def _relu(d, s, seed):
    return LayerSpec(f"layer-relu-{d}-sep{s:g}", "layer-relu", "relu", d, N_CLASSES, s, seed)


def _tanh(d, s, seed):
    return LayerSpec(f"layer-tanh-{d}-sep{s:g}", "layer-tanh", "tanh", d, N_CLASSES, s, seed)


def _leaky(d, s, seed):
    return LayerSpec(f"layer-leaky-{d}-sep{s:g}", "layer-leaky", "leaky_relu", d, N_CLASSES,
                     s, seed)


def _noisy(m, d, s, seed):
    return LayerSpec(f"noisy-layer-m{m}-d{d}", "noisy-layer", "tanh", d, m, s, seed)


#: The tasks of the suite, in order. Tasks of one family and width share their seed
#: (the same ``A``, ``u`` and ``b``), so they differ only by the separation.
LAYER_SPECS: tuple[LayerSpec, ...] = (
    _relu(4, 0.4, 104), _relu(4, 2, 104),
    _relu(16, 1, 116), _relu(16, 1.5, 116),
    _relu(64, 0.5, 164), _relu(64, 1, 164), _relu(64, 2, 164),
    _relu(256, 1, 356), _relu(256, 2, 356),
    _relu(1024, 0.5, 1124), _relu(1024, 1.5, 1124),
    _tanh(8, 1, 208), _tanh(128, 1.5, 328),
    _leaky(16, 1, 316), _leaky(512, 0.5, 812),
    _noisy(8, 4, 0.5, 4012), _noisy(64, 16, 1.0, 4080),
    _noisy(256, 8, 0.5, 4264), _noisy(256, 32, 1.2, 4288),
)

#: ``name -> (I in nats, Monte-Carlo standard error)``, from ``benchmarks/layer_truths.py``
#: (1,000,000 draws each, :func:`exact_mi`).
LAYER_TRUTHS: dict[str, tuple[float, float]] = {
    "layer-relu-4-sep0.4": (0.272289, 0.000194),
    "layer-relu-4-sep2": (1.834339, 0.000414),
    "layer-relu-16-sep1": (1.461247, 0.000454),
    "layer-relu-16-sep1.5": (2.023744, 0.000320),
    "layer-relu-64-sep0.5": (0.554567, 0.000321),
    "layer-relu-64-sep1": (1.481879, 0.000505),
    "layer-relu-64-sep2": (2.220608, 0.000182),
    "layer-relu-256-sep1": (1.638776, 0.000459),
    "layer-relu-256-sep2": (2.173000, 0.000243),
    "layer-relu-1024-sep0.5": (0.708651, 0.000403),
    "layer-relu-1024-sep1.5": (2.138714, 0.000267),
    "layer-tanh-8-sep1": (1.639140, 0.000490),
    "layer-tanh-128-sep1.5": (2.189741, 0.000222),
    "layer-leaky-16-sep1": (1.758115, 0.000437),
    "layer-leaky-512-sep0.5": (0.737150, 0.000389),
    "noisy-layer-m8-d4": (1.210905, 0.000406),
    "noisy-layer-m64-d16": (1.880282, 0.000591),
    "noisy-layer-m256-d8": (3.146900, 0.000669),
    "noisy-layer-m256-d32": (2.810881, 0.000734),
}

_SPECS = {spec.name: spec for spec in LAYER_SPECS}


def _spec(name) -> LayerSpec:
    if isinstance(name, LayerSpec):
        return name
    if name not in _SPECS:
        raise ValueError(f"Unknown layer task {name!r}; choose one of {', '.join(_SPECS)}.")
    return _SPECS[name]


def layer_distribution(name) -> tuple[np.ndarray, str, float]:
    """``(means, activation, noise)`` of a ``"layers"`` task: its exact model.

    ``T = f(Z)`` with ``Z | Y = c ~ N(means[c], noise^2 I)`` and ``Y`` uniform on the
    rows of ``means``; for a noisy layer the rows are the codes ``h(x_i)`` and
    ``f`` is the identity (``activation="linear"``).

    Examples
    --------
    >>> from skmi.benchmark.layers import layer_distribution
    >>> means, activation, noise = layer_distribution("noisy-layer-m64-d16")
    >>> means.shape, activation, noise
    ((64, 16), 'linear', 1.0)
    """
    spec = _spec(name)
    if spec.family == "noisy-layer":
        return noisy_layer(spec.n_classes, spec.width, spec.seed)[1], "linear", spec.scale
    means = class_means(spec.width, spec.scale, spec.seed, spec.n_classes)
    return means, spec.activation, 1.0


def exact_mi(name, n_samples: int = TRUTH_DRAWS, random_state=None,
             chunk_size: int = 20_000) -> tuple[float, float]:
    """Recompute a ``"layers"`` task's truth: :func:`monte_carlo_mi` of its model.

    Examples
    --------
    >>> from skmi.benchmark.layers import LAYER_TRUTHS, exact_mi
    >>> mi, se = exact_mi("layer-relu-16-sep1", n_samples=20_000, random_state=1)
    >>> truth, truth_se = LAYER_TRUTHS["layer-relu-16-sep1"]
    >>> bool(abs(mi - truth) < 4 * (se**2 + truth_se**2) ** 0.5)
    True
    """
    means, activation, noise = layer_distribution(name)
    return monte_carlo_mi(means, activation, noise, n_samples, random_state, chunk_size)


def _description(spec, means, noise, mi, se):
    d, k = spec.width, spec.n_classes
    truth = (f"I by Monte Carlo of log {'K' if spec.family != 'noisy-layer' else 'm'} - "
             f"E H(Y | t) over {TRUTH_DRAWS:,} draws, standard error {se:.4f} nats")
    if spec.family == "noisy-layer":
        return (f"Noisy tanh layer, I(input; T): input uniform on {k} fixed random "
                f"{N_BITS}-bit patterns x_i, T = tanh(W x_i + b) + N(0, {spec.scale:g}^2 "
                f"I_{d}) with fixed W ~ N(0, {WEIGHT_SD:g}^2) of shape {d} x {N_BITS}; Y is "
                f"the input index (m = {k}, log m = {math.log(k):.3f}); {truth}")
    r = max(1, min(d, k - 1))
    n_dead = int(DEAD_FRACTION * d)
    dead = f"{n_dead} dead units U(-4.5, -3), the others " if n_dead else ""
    what = {"relu": "T = max(Z, 0)", "tanh": "T = tanh(Z)",
            "leaky_relu": f"T = leaky_relu(Z, {LEAK:g})"}[spec.activation]
    head = {"relu": "ReLU", "tanh": "tanh", "leaky_relu": "Leaky-ReLU"}[spec.activation]
    zeros = (f"; {zero_fraction(means, noise):.0%} of T exactly 0"
             if spec.activation == "relu" else "; invertible per unit, so I(T; Y) = I(Z; Y)")
    return (f"{head} layer of width {d} against {k} uniform classes: {what}, "
            f"Z | Y=c ~ N(b + {spec.scale:g} A u_c, I_{d}), A {d} x {r} orthonormal, "
            f"u_c ~ N(0, I_{r}), biases b: {dead}N({BIAS_MEAN:g}, 1) quantiles{zeros}; "
            f"{truth}")


def _layer_task(spec: LayerSpec) -> Task:
    means, activation, noise = layer_distribution(spec)
    if spec.family == "noisy-layer":
        sampler = partial(_sample_layer, means=means, noise=noise, activation="linear")
        discrete = (False, True)
    else:
        sampler = partial(_sample_layer, means=means, noise=noise, activation=activation)
        discrete = (activation == "relu", True)
    mi, se = LAYER_TRUTHS[spec.name]
    return Task(name=spec.name, family=spec.family, dim_x=spec.width, dim_y=1,
                mutual_information=float(mi),
                description=_description(spec, means, noise, mi, se),
                discrete=discrete, sampler=sampler, labels=(False, True))


def layer_tasks() -> list[Task]:
    """The tasks of the ``"layers"`` suite, in the order of :data:`LAYER_SPECS`.

    Examples
    --------
    >>> from skmi.benchmark.layers import layer_tasks
    >>> tasks = layer_tasks()
    >>> len(tasks), tasks[0].name, tasks[0].discrete, tasks[0].labels
    (19, 'layer-relu-4-sep0.4', (True, True), (False, True))
    """
    return [_layer_task(spec) for spec in LAYER_SPECS]
