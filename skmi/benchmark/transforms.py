"""Invertible maps used to build benchmark tasks with a known mutual information.

Mutual information is unchanged by an invertible (measurable, with measurable inverse)
map of ``X`` alone or of ``Y`` alone, so pushing a distribution with a closed-form MI
through one of these maps gives a harder-looking task with the same true value. The maps
follow the reference implementation of Czyż et al. (2023), ``cbg-ethz/bmi`` (version
0.1.3 of the ``benchmark-mi`` package), closely enough that they return the same numbers
on the same inputs; they are written here in plain numpy and scipy.

Every function takes an array (any shape unless stated), returns a new float64 array and
never modifies its input.

- :func:`normal_cdf` (and its inverse :func:`normal_ppf`): the standard normal CDF,
  applied per coordinate; turns Gaussian margins into uniform ones.
- :func:`half_cube` / :func:`half_cube_inverse`: ``x * sqrt(|x|)`` per coordinate.
- :func:`asinh`: the inverse hyperbolic sine per coordinate (tames Student-t tails).
- :func:`wiggly_x`, :func:`wiggly_y`: strictly increasing "wiggly" maps of the line.
- :func:`spiral`: the spiral diffeomorphism ``x -> exp(speed |x|^2 A) x`` of R^d, with
  ``A`` the generator of rotations in one coordinate plane; its inverse is ``spiral``
  with ``-speed``.
- :func:`swiss_roll` / :func:`swiss_roll_inverse`: embeds ``[0, 1]`` as a Swiss roll
  curve in R^2.
- :func:`normal_mixture_cdf`, :func:`normal_mixture_ppf`,
  :func:`normal_to_normal_mixture`: the CDF of a mixture of unit-variance normals and
  its inverse; :func:`bimodal_x`, :func:`bimodal_y` are the two inverse CDFs of the
  "Bimodal 1 × 1" task.

References
----------
P. Czyż, F. Grabowski, J. E. Vogt, N. Beerenwinkel, A. Marx, "Beyond Normal: On the
Evaluation of Mutual Information Estimators", NeurIPS 2023.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri

__all__ = [
    "normal_cdf",
    "normal_ppf",
    "half_cube",
    "half_cube_inverse",
    "asinh",
    "wiggly_x",
    "wiggly_y",
    "spiral",
    "swiss_roll",
    "swiss_roll_inverse",
    "normal_mixture_cdf",
    "normal_mixture_ppf",
    "normal_to_normal_mixture",
    "bimodal_x",
    "bimodal_y",
    "BIMODAL_X",
    "BIMODAL_Y",
]

#: ``(weights, locations)`` of the unit-variance normal mixture behind :func:`bimodal_x`.
BIMODAL_X = ((0.3, 0.7), (0.0, 5.0))
#: ``(weights, locations)`` of the unit-variance normal mixture behind :func:`bimodal_y`.
BIMODAL_Y = ((0.5, 0.5), (-1.0, 3.0))

_SWISS_SCALE = 21.0  # bmi divides the curve by 21 to keep it near the unit square


def _f64(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def normal_cdf(x: ArrayLike) -> np.ndarray:
    """Standard normal CDF ``Phi``, per coordinate; maps R onto (0, 1).

    Examples
    --------
    >>> from skmi.benchmark.transforms import normal_cdf
    >>> normal_cdf([0.0, 1.0]).round(4).tolist()
    [0.5, 0.8413]
    """
    return ndtr(_f64(x))


def normal_ppf(u: ArrayLike) -> np.ndarray:
    """Inverse of :func:`normal_cdf` (the standard normal quantile function).

    Examples
    --------
    >>> from skmi.benchmark.transforms import normal_cdf, normal_ppf
    >>> float(normal_ppf(normal_cdf(1.25)))
    1.25
    """
    return ndtri(_f64(u))


def half_cube(x: ArrayLike) -> np.ndarray:
    """The signed power ``x * sqrt(|x|)`` (``sign(x) |x|^(3/2)``), per coordinate.

    A homeomorphism of R that is smooth except at 0, where its derivative vanishes.

    Examples
    --------
    >>> from skmi.benchmark.transforms import half_cube
    >>> half_cube([-4.0, 0.0, 9.0]).tolist()
    [-8.0, 0.0, 27.0]
    """
    x = _f64(x)
    return x * np.sqrt(np.abs(x))


def half_cube_inverse(y: ArrayLike) -> np.ndarray:
    """Inverse of :func:`half_cube`: ``sign(y) |y|^(2/3)``.

    Examples
    --------
    >>> from skmi.benchmark.transforms import half_cube_inverse
    >>> half_cube_inverse([-8.0, 27.0]).round(12).tolist()
    [-4.0, 9.0]
    """
    y = _f64(y)
    return np.sign(y) * np.abs(y) ** (2.0 / 3.0)


def asinh(x: ArrayLike) -> np.ndarray:
    """Inverse hyperbolic sine per coordinate (inverse: ``np.sinh``).

    Behaves like ``x`` near 0 and like ``sign(x) log(2|x|)`` in the tails, so it turns
    heavy-tailed Student-t samples into light-tailed ones.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.benchmark.transforms import asinh
    >>> float(np.sinh(asinh(3.0)))
    3.0
    """
    return np.arcsinh(_f64(x))


def wiggly_x(x: ArrayLike) -> np.ndarray:
    """The "wiggly" map applied to X in Czyż et al. (2023), per coordinate.

    ``x + 0.4 sin(x) + 0.2 sin(1.7 x + 1) + 0.03 sin(3.3 x - 2.5)``; its derivative is
    at least ``1 - 0.4 - 0.34 - 0.099 = 0.161 > 0``, so it is strictly increasing.

    Examples
    --------
    >>> from skmi.benchmark.transforms import wiggly_x
    >>> round(float(wiggly_x(0.3)), 6)
    0.587894
    """
    x = _f64(x)
    return x + 0.4 * np.sin(x) + 0.2 * np.sin(1.7 * x + 1.0) + 0.03 * np.sin(3.3 * x - 2.5)


def wiggly_y(y: ArrayLike) -> np.ndarray:
    """The "wiggly" map applied to Y in Czyż et al. (2023), per coordinate.

    ``y - 0.4 sin(0.4 y) + 0.17 sin(1.3 y + 3.5) + 0.02 sin(4.3 y - 2.5)``; its
    derivative is at least ``1 - 0.16 - 0.221 - 0.086 = 0.533 > 0``.

    Examples
    --------
    >>> from skmi.benchmark.transforms import wiggly_y
    >>> round(float(wiggly_y(0.3)), 6)
    0.117722
    """
    y = _f64(y)
    return (y - 0.4 * np.sin(0.4 * y) + 0.17 * np.sin(1.3 * y + 3.5)
            + 0.02 * np.sin(4.3 * y - 2.5))


def spiral(x: ArrayLike, speed: float = 1.0, plane: tuple[int, int] = (0, 1)) -> np.ndarray:
    """The spiral diffeomorphism ``x -> exp(speed * |x|^2 * A) x`` of R^d.

    ``A`` is the canonical generator of rotations in the coordinate plane
    ``plane = (i, j)`` (``A[i, j] = -1``, ``A[j, i] = 1``), so each point is rotated in
    that plane by the angle ``speed * |x|^2``; the other coordinates are unchanged.
    Rotations keep ``|x|``, so ``spiral(spiral(x, s), -s) == x``.

    Parameters
    ----------
    x : array_like of shape (n_samples, d) or (d,)
        Points, one per row; ``d >= 2``.
    speed : float, default=1.0
        Radians of rotation per unit of ``|x|^2``. Czyż et al.'s benchmark uses
        ``1 / d``.
    plane : tuple of two ints, default=(0, 1)
        The coordinates ``i < j`` spanning the plane of rotation (bmi uses ``(0, 1)``
        for X and ``(1, 2)`` for Y).

    Returns
    -------
    ndarray of the shape of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.benchmark.transforms import spiral
    >>> spiral([1.0, 0.0], speed=np.pi / 2).round(12).tolist()
    [0.0, 1.0]
    """
    x = _f64(x)
    i, j = plane
    if x.ndim not in (1, 2) or not 0 <= i < j < x.shape[-1]:
        raise ValueError(f"spiral needs points of dimension > {j} in rows of a 1-D or "
                         f"2-D array and a plane i < j, got shape {x.shape}, plane {plane}.")
    theta = speed * np.sum(x * x, axis=-1)
    c, s = np.cos(theta), np.sin(theta)
    out = x.copy()
    out[..., i] = c * x[..., i] - s * x[..., j]
    out[..., j] = s * x[..., i] + c * x[..., j]
    return out


def swiss_roll(u: ArrayLike) -> np.ndarray:
    """Embed ``[0, 1]`` in R^2 as a Swiss roll (the curve of Czyż et al. 2023).

    ``t = 1.5 pi (1 + 2 u)`` and the point is ``(t cos t, t sin t) / 21``: one and a half
    turns of an Archimedean spiral, radius ``t / 21`` from about 0.22 to 0.67.

    Parameters
    ----------
    u : array_like of shape (n_samples, 1) or (n_samples,)
        Values in ``[0, 1]``.

    Returns
    -------
    ndarray of shape (n_samples, 2)

    Examples
    --------
    >>> from skmi.benchmark.transforms import swiss_roll
    >>> swiss_roll([[0.0], [1.0]]).round(4).tolist()
    [[-0.0, -0.2244], [0.0, 0.6732]]
    """
    u = _f64(u)
    if u.ndim == 2 and u.shape[1] == 1:
        u = u[:, 0]
    if u.ndim != 1:
        raise ValueError(f"swiss_roll expects shape (n_samples, 1) or (n_samples,), got "
                         f"{u.shape}.")
    t = 1.5 * np.pi * (1.0 + 2.0 * u)
    return np.column_stack([t * np.cos(t), t * np.sin(t)]) / _SWISS_SCALE


def swiss_roll_inverse(p: ArrayLike) -> np.ndarray:
    """Inverse of :func:`swiss_roll` on its image: points ``(n_samples, 2)`` -> ``(n, 1)``.

    The radius gives ``t = 21 |p|`` and hence ``u = (t / (1.5 pi) - 1) / 2``.

    Examples
    --------
    >>> from skmi.benchmark.transforms import swiss_roll, swiss_roll_inverse
    >>> swiss_roll_inverse(swiss_roll([0.25, 0.5])).round(12).ravel().tolist()
    [0.25, 0.5]
    """
    p = _f64(p)
    t = _SWISS_SCALE * np.hypot(p[:, 0], p[:, 1])
    return ((t / (1.5 * np.pi) - 1.0) / 2.0)[:, None]


def normal_mixture_cdf(x: ArrayLike, weights, locs) -> np.ndarray:
    """CDF of ``sum_k weights[k] N(locs[k], 1)``, per coordinate.

    Examples
    --------
    >>> from skmi.benchmark.transforms import normal_mixture_cdf
    >>> round(float(normal_mixture_cdf(1.0, (0.5, 0.5), (-1.0, 3.0))), 6)
    0.5
    """
    x = _f64(x)
    return sum(w * ndtr(x - m) for w, m in zip(weights, locs))


def normal_to_normal_mixture(z: ArrayLike, weights, locs) -> np.ndarray:
    """``F^{-1}(Phi(z))``: map standard normal values to a unit-variance normal mixture.

    ``F`` is :func:`normal_mixture_cdf`. The root of ``F(x) = Phi(z)`` lies in
    ``[z + min(locs), z + max(locs)]`` (``F`` is squeezed between the CDFs of its
    extreme components) and is found there by bisection to the last bit. Above the
    median the survival functions are compared instead (``1 - F(x) = Phi(-z)``), so
    neither tail loses precision: the result is accurate for any finite ``z``, where
    ``F^{-1}`` applied to a rounded ``Phi(z)`` would saturate.

    Examples
    --------
    >>> from skmi.benchmark.transforms import normal_to_normal_mixture, BIMODAL_Y
    >>> round(float(normal_to_normal_mixture(0.0, *BIMODAL_Y)), 9)
    1.0
    """
    z = _f64(z)
    weights = np.asarray(weights, dtype=np.float64)
    locs = np.asarray(locs, dtype=np.float64)
    weights = weights / weights.sum()
    lo = z + locs.min()
    hi = z + locs.max()
    upper = z > 0
    target = ndtr(np.where(upper, -z, z))  # Phi(z) below the median, 1 - Phi(z) above
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        lower_cdf = sum(w * ndtr(np.where(upper, m - mid, mid - m))
                        for w, m in zip(weights, locs))
        # below the median: F(mid) < target means the root is to the right;
        # above it: 1 - F(mid) > target means the same
        right = np.where(upper, lower_cdf > target, lower_cdf < target)
        lo = np.where(right, mid, lo)
        hi = np.where(right, hi, mid)
    out = 0.5 * (lo + hi)
    return np.where(np.isfinite(z), out, z)


def normal_mixture_ppf(q: ArrayLike, weights, locs) -> np.ndarray:
    """Inverse of :func:`normal_mixture_cdf` (quantile function), per coordinate.

    Computed as :func:`normal_to_normal_mixture` of ``Phi^{-1}(q)``; ``q = 0`` and
    ``q = 1`` give ``-inf`` and ``inf``.

    Examples
    --------
    >>> from skmi.benchmark.transforms import normal_mixture_cdf, normal_mixture_ppf
    >>> x = normal_mixture_ppf(0.3, (0.3, 0.7), (0.0, 5.0))
    >>> round(float(normal_mixture_cdf(x, (0.3, 0.7), (0.0, 5.0))), 12)
    0.3
    """
    return normal_to_normal_mixture(ndtri(_f64(q)), weights, locs)


def bimodal_x(u: ArrayLike) -> np.ndarray:
    """Inverse CDF of ``0.3 N(0, 1) + 0.7 N(5, 1)``: uniform (0, 1) -> bimodal X.

    Examples
    --------
    >>> from skmi.benchmark.transforms import bimodal_x
    >>> round(float(bimodal_x(0.5)), 6)
    4.434057
    """
    return normal_mixture_ppf(u, *BIMODAL_X)


def bimodal_y(u: ArrayLike) -> np.ndarray:
    """Inverse CDF of ``0.5 N(-1, 1) + 0.5 N(3, 1)``: uniform (0, 1) -> bimodal Y.

    Examples
    --------
    >>> from skmi.benchmark.transforms import bimodal_y
    >>> round(float(bimodal_y(0.9)), 6)
    3.841624
    """
    return normal_mixture_ppf(u, *BIMODAL_Y)
