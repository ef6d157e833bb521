"""Critic networks: ``forward(x, y)`` returns the score matrix ``f(x_i, y_j)``.

A critic is any :class:`torch.nn.Module` whose ``forward(x, y)``, given ``x`` of shape
``(n, d_x)`` and ``y`` of shape ``(n, d_y)``, returns the ``(n, n)`` matrix with entry
``[i, j] = f(x_i, y_j)`` (the diagonal is the joint sample, see
:mod:`skmi.neural.bounds`). Two are built in:

- :class:`JointCritic` (``critic="joint"``): an MLP on the concatenation ``[x, y]``,
  evaluated on all ``n^2`` pairs. The most expressive, ``O(n^2)`` network evaluations
  per batch (the first layer is split into an ``x`` and a ``y`` part, so it costs
  ``O(n)``).
- :class:`SeparableCritic` (``critic="separable"``): ``g(x) . h(y)``, the inner product
  of two MLP embeddings; ``O(n)`` network evaluations and one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._torch import require_torch

torch = require_torch()
nn = torch.nn

__all__ = ["JointCritic", "SeparableCritic", "mlp", "ACTIVATIONS"]

#: Activation names accepted by the built-in critics.
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "softplus": nn.Softplus,
               "gelu": nn.GELU}


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}.")
    return ACTIVATIONS[name]


def _sizes(hidden_layer_sizes) -> tuple[int, ...]:
    if isinstance(hidden_layer_sizes, int):
        hidden_layer_sizes = (hidden_layer_sizes,)
    sizes = tuple(int(h) for h in hidden_layer_sizes)
    if any(h < 1 for h in sizes):
        raise ValueError(f"hidden_layer_sizes must be positive, got {hidden_layer_sizes}.")
    return sizes


def mlp(in_dim: int, hidden_layer_sizes: Sequence[int], out_dim: int,
        activation: str = "relu") -> nn.Sequential:
    """A plain multilayer perceptron ``in_dim -> hidden... -> out_dim`` (linear output)."""
    act = _activation(activation)
    layers: list = []
    width = in_dim
    for h in _sizes(hidden_layer_sizes):
        layers += [nn.Linear(width, h), act()]
        width = h
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


class JointCritic(nn.Module):
    """``f(x, y) = MLP([x, y])`` on every pair ``(x_i, y_j)`` of a batch.

    Parameters
    ----------
    x_dim, y_dim : int
        Feature counts of ``x`` and ``y``.
    hidden_layer_sizes : sequence of int, default=(64, 64)
    activation : {"relu", "tanh", "elu", "softplus", "gelu"}, default="relu"

    Examples
    --------
    >>> import torch
    >>> from skmi.neural.critics import JointCritic
    >>> critic = JointCritic(3, 2, hidden_layer_sizes=(8,))
    >>> critic(torch.zeros(5, 3), torch.zeros(5, 2)).shape
    torch.Size([5, 5])
    """

    def __init__(self, x_dim: int, y_dim: int, hidden_layer_sizes=(64, 64),
                 activation: str = "relu"):
        super().__init__()
        sizes = _sizes(hidden_layer_sizes)
        first = sizes[0] if sizes else 1
        # The first layer of MLP([x, y]) is W_x x + W_y y + b: computed once per row
        # and broadcast over pairs, instead of once per pair.
        self.x_layer = nn.Linear(x_dim, first)
        self.y_layer = nn.Linear(y_dim, first, bias=False)
        if sizes:
            self.head = nn.Sequential(_activation(activation)(),
                                      mlp(first, sizes[1:], 1, activation))
        else:
            self.head = nn.Identity()

    def forward(self, x, y):
        pre = self.x_layer(x)[:, None, :] + self.y_layer(y)[None, :, :]
        return self.head(pre).squeeze(-1)


class SeparableCritic(nn.Module):
    """``f(x, y) = g(x) @ h(y)`` with MLP embeddings ``g`` and ``h``.

    Parameters
    ----------
    x_dim, y_dim : int
    hidden_layer_sizes : sequence of int, default=(64, 64)
    embedding_dim : int, default=32
    activation : {"relu", "tanh", "elu", "softplus", "gelu"}, default="relu"

    Examples
    --------
    >>> import torch
    >>> from skmi.neural.critics import SeparableCritic
    >>> critic = SeparableCritic(3, 2, hidden_layer_sizes=(8,), embedding_dim=4)
    >>> critic(torch.zeros(5, 3), torch.zeros(5, 2)).shape
    torch.Size([5, 5])
    """

    def __init__(self, x_dim: int, y_dim: int, hidden_layer_sizes=(64, 64),
                 embedding_dim: int = 32, activation: str = "relu"):
        super().__init__()
        self.g = mlp(x_dim, hidden_layer_sizes, embedding_dim, activation)
        self.h = mlp(y_dim, hidden_layer_sizes, embedding_dim, activation)

    def forward(self, x, y):
        return self.g(x) @ self.h(y).T
