"""Variational lower bounds on mutual information, as pure functions of critic scores.

Every function takes a square score matrix ``scores`` of shape ``(n, n)`` with
``scores[i, j] = f(x_i, y_j)``: the diagonal holds the n samples of the joint
distribution, the ``n (n - 1)`` off-diagonal entries pair ``x_i`` with the ``y_j`` of
another sample, which stand in for samples of the product of the marginals. Each
returns a 0-d tensor (nats) and is differentiable, so the estimators maximise these
functions directly; the classes in :mod:`skmi.neural.estimators` only train a critic
and call them (as torchmetrics classes call their functional counterparts).

References
----------
B. Poole, S. Ozair, A. van den Oord, A. Alemi, G. Tucker, "On variational bounds of
mutual information", ICML 2019.
J. Song, S. Ermon, "Understanding the limitations of variational mutual information
estimators", ICLR 2020.
"""

from __future__ import annotations

import math

from ._torch import require_torch

torch = require_torch()
F = torch.nn.functional
Tensor = torch.Tensor

__all__ = [
    "logmeanexp_offdiag",
    "dv_bound",
    "nwj_bound",
    "infonce_bound",
    "js_bound",
    "smile_bound",
    "mine_surrogate",
]


def _check(scores: Tensor) -> int:
    if scores.ndim != 2 or scores.shape[0] != scores.shape[1] or scores.shape[0] < 2:
        raise ValueError(
            "scores must be a square (n, n) matrix of critic values with n >= 2, got "
            f"shape {tuple(scores.shape)}."
        )
    return scores.shape[0]


def logmeanexp_offdiag(scores: Tensor) -> Tensor:
    """``log mean exp`` over the off-diagonal entries (the marginal samples).

    Examples
    --------
    >>> import torch
    >>> from skmi.neural.bounds import logmeanexp_offdiag
    >>> float(logmeanexp_offdiag(torch.full((4, 4), 2.0)))
    2.0
    """
    n = _check(scores)
    eye = torch.eye(n, dtype=torch.bool, device=scores.device)
    masked = scores.masked_fill(eye, float("-inf"))
    return torch.logsumexp(masked.reshape(-1), dim=0) - math.log(n * (n - 1))


def dv_bound(scores: Tensor) -> Tensor:
    """Donsker-Varadhan bound ``E_p[f] - log E_q[e^f]`` (the MINE bound).

    Tight at ``f = log p(x, y) / (p(x) p(y)) + c`` for any constant ``c``. The sample
    version is biased (the log of a mean), the reason for MINE's moving-average
    gradient (:func:`mine_surrogate`).

    Examples
    --------
    >>> import torch
    >>> from skmi.neural.bounds import dv_bound
    >>> float(dv_bound(torch.full((4, 4), 3.0)))   # a constant critic gives 0
    0.0
    """
    _check(scores)
    return scores.diagonal().mean() - logmeanexp_offdiag(scores)


def nwj_bound(scores: Tensor) -> Tensor:
    """Nguyen-Wainwright-Jordan (f-divergence, "MINE-f") bound ``E_p[f] - E_q[e^(f-1)]``.

    Unbiased in the samples (no logarithm of a mean), tight at
    ``f = 1 + log p(x, y) / (p(x) p(y))``; its variance grows like ``e^I``.

    Examples
    --------
    >>> import torch
    >>> from skmi.neural.bounds import nwj_bound
    >>> float(nwj_bound(torch.ones(4, 4)))   # f = 1: 1 - e^0
    0.0
    """
    _check(scores)
    return scores.diagonal().mean() - torch.exp(logmeanexp_offdiag(scores) - 1.0)


def infonce_bound(scores: Tensor) -> Tensor:
    """InfoNCE (contrastive predictive coding) bound.

    ``mean_i [f(x_i, y_i) - log sum_j e^f(x_i, y_j)] + log n``. Each term in the mean
    is at most 0 (the diagonal entry is one of the summands), so the bound can never
    exceed ``log n`` nats, whatever the true mutual information: it has low variance
    but is useless above ``log(batch size)``.

    Examples
    --------
    >>> import math, torch
    >>> from skmi.neural.bounds import infonce_bound
    >>> perfect = 100.0 * torch.eye(8)      # a critic that identifies every pair
    >>> round(float(infonce_bound(perfect)), 4) == round(math.log(8), 4)
    True
    """
    n = _check(scores)
    return (scores.diagonal() - torch.logsumexp(scores, dim=1)).mean() + math.log(n)


def js_bound(scores: Tensor) -> Tensor:
    """Jensen-Shannon (f-GAN) lower bound on JS divergence, ``-E_p[sp(-f)] - E_q[sp(f)]``.

    ``sp`` is softplus. It is not an MI bound; SMILE trains its critic on it (a stable
    objective whose optimum is the log density ratio) and reports :func:`smile_bound`.

    Examples
    --------
    >>> import math, torch
    >>> from skmi.neural.bounds import js_bound
    >>> abs(float(js_bound(torch.zeros(3, 3))) + 2 * math.log(2)) < 1e-6
    True
    """
    n = _check(scores)
    diag = scores.diagonal()
    first = -F.softplus(-diag).mean()
    second = (F.softplus(scores).sum() - F.softplus(diag).sum()) / (n * (n - 1))
    return first - second


def smile_bound(scores: Tensor, clip: float | None = 5.0) -> Tensor:
    """SMILE: Donsker-Varadhan with the density ratio clipped to ``[e^-clip, e^clip]``.

    ``E_p[f] - log E_q[e^clip(f, -clip, clip)]``. Clipping caps the variance of the
    partition-function term (Song & Ermon 2020) at the price of a bias: the value is
    no longer guaranteed to be a lower bound. ``clip=None`` gives :func:`dv_bound`.

    Examples
    --------
    >>> import torch
    >>> from skmi.neural.bounds import smile_bound
    >>> f = torch.tensor([[8.0, 0.0], [0.0, 8.0]])
    >>> float(smile_bound(f, clip=5.0))   # the off-diagonal entries are within the clip
    8.0
    """
    _check(scores)
    if clip is None:
        return dv_bound(scores)
    clipped = torch.clamp(scores, -clip, clip)
    return scores.diagonal().mean() - logmeanexp_offdiag(clipped)


def mine_surrogate(scores: Tensor, log_ema: Tensor) -> Tensor:
    """MINE's training objective: ``E_p[f] - E_q[e^f] / ema``.

    ``log_ema`` is the log of a moving average of ``E_q[e^f]`` over past batches (it is
    treated as a constant). The gradient is Belghazi et al.'s bias-corrected estimate
    of the gradient of :func:`dv_bound`, ``E_p[grad f] - E_q[e^f grad f] / ema``; the
    value itself is not a bound (report :func:`dv_bound`).

    Examples
    --------
    >>> import torch
    >>> from skmi.neural.bounds import mine_surrogate
    >>> f = torch.zeros(3, 3)
    >>> float(mine_surrogate(f, torch.tensor(0.0)))   # E_p[f] - 1 / 1
    -1.0
    """
    _check(scores)
    return scores.diagonal().mean() - torch.exp(logmeanexp_offdiag(scores) - log_ema.detach())
