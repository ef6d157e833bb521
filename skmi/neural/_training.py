"""The one training loop every neural estimator shares, and the objectives it optimises.

Everything here runs on the critic's device. The data arrive there once; each epoch
draws a permutation on the device (from a seeded :class:`torch.Generator`) and indexes
batches out of it, and the per-step bound values are summed into device tensors. The
host sees one small tensor per epoch (train bound, validation bound, non-finite flag),
which is what early stopping and divergence detection need: there is no ``.item()``
or other host round trip per step.

Divergence. Training stops, and the epoch counts as diverged, when the training loss or
a bound is NaN or infinite, when the held-out bound falls below ``-COLLAPSED_BELOW``
nats (a constant critic attains 0), or when an objective's
:meth:`~BoundObjective.implausible` check rejects the held-out critic. SMILE has such a
check (:class:`SmileObjective`): its reported value does not clip the joint term, so a
critic that a far too large learning rate has blown up to huge scores everywhere
reports a huge *finite* value (hundreds to billions of nats) that no NaN test catches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import bounds
from ._torch import require_torch

torch = require_torch()

#: A held-out bound below minus this many nats counts as divergence: every bound here
#: is 0 for a constant critic, and the worst healthy fits (overfitting on independent
#: data) stay within about a nat of 0, while a critic blown up by a far too large
#: learning rate scores held-out data at -1e7 to -1e16 nats.
COLLAPSED_BELOW = 10.0

__all__ = ["BoundObjective", "SmileObjective", "MineObjective", "TrainResult",
           "train_critic", "chunked_bound", "chunked_validation"]


class BoundObjective:
    """Maximise a bound and report it: ``step`` returns ``(surrogate, value)``."""

    #: Why :meth:`implausible` rejects a critic, for the divergence warning.
    implausible_reason: str = ""
    #: The share of violating pairs (of either kind) above which a critic is rejected.
    MAX_SHARE = 0.5

    def __init__(self, bound):
        self.bound = bound

    def implausible(self, scores):
        """Counts of a sanity check of one held-out score matrix, or None for no check.

        Returns ``(high, low, n_shuffled, n_joint)``: the shuffled (off-diagonal) pairs
        and the joint (diagonal) pairs that violate the check, as 0-d device tensors,
        and how many of each there are. :func:`chunked_validation` rejects the critic
        when more than ``MAX_SHARE`` of either kind violate it. The base objectives
        have no check beyond finiteness.
        """
        return None

    def value(self, scores):
        """The bound reported on held-out data."""
        return self.bound(scores)

    def step(self, scores):
        """``(objective to maximise, bound value)`` for one training batch."""
        value = self.bound(scores)
        return value, value


class SmileObjective(BoundObjective):
    """SMILE: train on the Jensen-Shannon bound, report the clipped DV value.

    Divergence check (:meth:`implausible`). The Jensen-Shannon objective is maximised
    by the log density ratio ``f* = log r``, ``r = p(x, y) / (p(x) p(y))``, and SMILE's
    value ``E_p[f] - log E_q[e^clip(f)]`` means something only for a critic close to
    it: the joint term is not clipped, so a critic shifted up by ``c`` everywhere
    reports about ``c - clip`` nats too much. A density ratio cannot score most pairs
    of either kind far from 0. Since ``E_q[r] = 1`` and ``E_p[1 / r] <= 1``, Markov's
    inequality gives ``q(log r >= t) <= e^-t`` and ``p(log r <= -t) <= e^-t``. With
    ``t = max(clip, 1)`` (so at most ``e^-1 = 37%``), a held-out critic that scores
    more than half of the shuffled pairs at or above ``t``, or more than half of the
    joint pairs at or below ``-t``, is no density ratio whatever the data: the epoch
    is treated as diverged. Healthy critics stay far from that (a few percent at
    most); a critic blown up by a far too large ``lr`` is at 100%. Without a clip
    (``clip=None``) the value is the shift-invariant DV bound and nothing is checked.
    """

    def __init__(self, clip):
        super().__init__(lambda scores: bounds.smile_bound(scores, clip))
        self.clip = clip
        self.threshold = None if clip is None else max(float(clip), 1.0)
        if self.threshold is not None:
            t = f"{self.threshold:g}"
            self.implausible_reason = (
                f"the held-out critic scored more than half of the shuffled pairs at or "
                f"above {t}, or of the joint pairs at or below -{t}, which no log density "
                "ratio does (at most 37% can): the critic blew up, and SMILE's unclipped "
                "joint term would report a meaningless value"
            )

    def step(self, scores):
        return bounds.js_bound(scores), self.bound(scores).detach()

    def implausible(self, scores):
        if self.threshold is None:
            return None
        n = scores.shape[0]
        eye = torch.eye(n, dtype=torch.bool, device=scores.device)
        high = ((scores >= self.threshold) & ~eye).sum()
        low = (scores.diagonal() <= -self.threshold).sum()
        return high, low, n * (n - 1), n


class MineObjective(BoundObjective):
    """MINE: DV bound, trained with the moving-average corrected gradient.

    ``log_ema`` (a device tensor) tracks ``log E_q[e^f]`` with rate ``ema_rate``; it is
    initialised from the first batch.
    """

    def __init__(self, ema_rate):
        super().__init__(bounds.dv_bound)
        self.ema_rate = float(ema_rate)
        self.log_ema = None

    def step(self, scores):
        lme = bounds.logmeanexp_offdiag(scores).detach()
        if self.log_ema is None:
            self.log_ema = lme
        else:
            a = self.ema_rate
            self.log_ema = torch.logaddexp(self.log_ema + math.log1p(-a), lme + math.log(a))
        surrogate = bounds.mine_surrogate(scores, self.log_ema)
        value = scores.diagonal().mean().detach() - lme
        return surrogate, value


def chunked_bound(critic, bound, X, y, order):
    """Mean of ``bound`` over batches of the rows of ``(X, y)`` taken in ``order``.

    ``order`` is a 2-D index tensor ``(n_chunks, chunk)``: every batch has the same
    size, so a batch-size dependent bound (InfoNCE, capped at ``log chunk``) means the
    same thing in every batch. Runs without gradients; returns a 0-d device tensor.
    """
    with torch.no_grad():
        total = torch.zeros((), dtype=X.dtype, device=X.device)
        for idx in order:
            total = total + bound(critic(X[idx], y[idx]))
        return total / order.shape[0]


def chunked_validation(critic, objective, X, y, order):
    """``(bound, rejected)`` over the chunks of ``order``, both 0-d device tensors.

    ``bound`` is :func:`chunked_bound` of ``objective.value``; ``rejected`` is 1 when
    the objective's :meth:`~BoundObjective.implausible` check fails on the pooled
    chunks (more than ``objective.MAX_SHARE`` of the shuffled pairs, or of the joint
    pairs, violate it), else 0. The critic runs once per chunk for both.
    """
    with torch.no_grad():
        total = torch.zeros((), dtype=X.dtype, device=X.device)
        high = low = torch.zeros((), dtype=torch.int64, device=X.device)
        n_off = n_diag = 0
        checked = False
        for idx in order:
            scores = critic(X[idx], y[idx])
            total = total + objective.value(scores)
            counts = objective.implausible(scores)
            if counts is not None:
                checked = True
                high = high + counts[0]
                low = low + counts[1]
                n_off += counts[2]
                n_diag += counts[3]
        value = total / order.shape[0]
        if not checked:
            return value, torch.zeros((), dtype=X.dtype, device=X.device)
        share = objective.MAX_SHARE
        rejected = (high > share * n_off) | (low > share * n_diag)
        return value, rejected.to(X.dtype)


def chunk_order(n: int, chunk: int, generator, device):
    """Shuffled indices ``0..n-1`` as ``(ceil(n / chunk), chunk)``.

    The last row wraps around to the start of the permutation so every row of data is
    used and every batch has exactly ``chunk`` rows.
    """
    perm = torch.randperm(n, generator=generator, device=generator.device).to(device)
    n_chunks = -(-n // chunk)
    wrap = torch.arange(n_chunks * chunk, device=device) % n
    return perm[wrap].reshape(n_chunks, chunk)


@dataclass
class TrainResult:
    """What :func:`train_critic` hands back (host values only)."""

    best_value: float
    best_epoch: int
    best_state: dict | None
    n_epochs: int
    n_steps: int
    diverged: bool
    stopped_early: bool
    curve: dict = field(default_factory=dict)
    #: Why training was declared diverged ("" when it was not).
    divergence_reason: str = ""


def train_critic(critic, objective, X_train, y_train, X_val, y_val, *, batch_size: int,
                 lr: float, max_epochs: int, max_steps: int | None,
                 patience: int | None, tol: float, generator) -> TrainResult:
    """Train ``critic`` by Adam on ``objective``; early stopping on the validation bound.

    The critic is evaluated before training (epoch 0) and after every epoch on the
    validation rows. Training stops after ``max_epochs`` epochs, after ``max_steps``
    optimiser steps, after ``patience`` epochs without a validation improvement of more
    than ``tol``, or at the first epoch that diverges: a non-finite loss or bound, or a
    held-out critic the objective's :meth:`~BoundObjective.implausible` check rejects.
    ``best_state`` is a copy of the parameters at the epoch with the highest finite,
    accepted validation bound (None when no epoch had one). The diverged epoch's
    validation value stays in the curve but is never the best.
    """
    device = X_train.device
    n_train = X_train.shape[0]
    bs = min(batch_size, n_train)
    n_batches = n_train // bs
    val_order = chunk_order(X_val.shape[0], min(batch_size, X_val.shape[0]), generator,
                            device)
    optimizer = torch.optim.Adam(critic.parameters(), lr=lr)

    def validate():
        critic.eval()
        value, rejected = chunked_validation(critic, objective, X_val, y_val, val_order)
        critic.train()
        return value, rejected

    def snapshot():
        return {k: v.detach().clone() for k, v in critic.state_dict().items()}

    epochs, steps, train_curve, val_curve = [0], [0], [math.nan], []
    first, rejected0 = torch.stack(validate()).tolist()  # one host sync per epoch
    val_curve.append(first)
    ok0 = math.isfinite(first) and not rejected0
    best_value = first if ok0 else -math.inf
    best_state = snapshot() if ok0 else None
    best_epoch, wait, step = 0, 0, 0
    diverged = stopped_early = False
    reason = ""
    for epoch in range(1, max_epochs + 1):
        if max_steps is not None and step >= max_steps:
            break
        perm = torch.randperm(n_train, generator=generator, device=generator.device)
        perm = perm.to(device)
        train_sum = torch.zeros((), dtype=X_train.dtype, device=device)
        bad = torch.zeros((), dtype=torch.bool, device=device)
        n_done = 0
        for b in range(n_batches):
            if max_steps is not None and step >= max_steps:
                break
            idx = perm[b * bs:(b + 1) * bs]
            surrogate, value = objective.step(critic(X_train[idx], y_train[idx]))
            loss = -surrogate
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            train_sum = train_sum + value.detach()
            bad = bad | ~torch.isfinite(loss.detach())
            step += 1
            n_done += 1
        val, rejected = validate()
        host = torch.stack([train_sum / max(n_done, 1), val, bad.to(val.dtype),
                            rejected]).tolist()
        train_value, val_value, nonfinite, implausible = host
        epochs.append(epoch)
        steps.append(step)
        train_curve.append(train_value)
        val_curve.append(val_value)
        if nonfinite or not (math.isfinite(train_value) and math.isfinite(val_value)):
            diverged, reason = True, "NaN or infinite loss or bound"
            break
        if implausible:
            diverged, reason = True, objective.implausible_reason
            break
        if val_value < -COLLAPSED_BELOW:
            diverged, reason = True, (
                f"the held-out bound fell to {val_value:.3g} nats, far below the 0 that a "
                "constant critic attains: the critic blew up")
            break
        if val_value > best_value:
            if val_value <= best_value + tol:
                wait += 1
            else:
                wait = 0
            best_value, best_epoch, best_state = val_value, epoch, snapshot()
        else:
            wait += 1
        if patience is not None and wait >= patience:
            stopped_early = True
            break
    curve = {
        "epoch": np.asarray(epochs, dtype=np.int64),
        "step": np.asarray(steps, dtype=np.int64),
        "train": np.asarray(train_curve, dtype=np.float64),
        "validation": np.asarray(val_curve, dtype=np.float64),
    }
    return TrainResult(
        best_value=best_value if best_state is not None else math.nan,
        best_epoch=best_epoch,
        best_state=best_state,
        n_epochs=epochs[-1],
        n_steps=step,
        diverged=diverged,
        stopped_early=stopped_early,
        curve=curve,
        divergence_reason=reason,
    )
