"""Record an :class:`~skmi.nn.InformationPlane` from the training loops people use.

- Any loop: call :meth:`InformationPlane.record(model, X, y, epoch)
  <skmi.nn.InformationPlane.record>` before training (epoch 0) and after each epoch to
  record, on a fixed recording set.
- skorch: :class:`SkorchInformationPlane`, a ``skorch.callbacks.Callback``
  (``pip install skmi[skorch]``).
- PyTorch Lightning: :class:`LightningInformationPlane`, a
  ``lightning.pytorch.callbacks.Callback`` (``pip install skmi[lightning]``; the older
  ``pytorch_lightning`` package is used when only it is installed).

Importing this module imports neither skorch nor Lightning (nor torch): each callback
class is imported on first use, and without its library that raises an
:class:`ImportError` that says what to install.

Both callbacks record on the recording set ``X, y`` given when they are built, at the
epochs ``record_epochs`` names, numbered as :func:`~skmi.nn.train_and_record` numbers
them (epoch 0 before the first step, epoch ``e`` after the ``e``-th pass over the
training data). The plane is ``plane_``; with ``csv_path`` each record is appended to
the CSV as soon as it is taken, with the columns of
:data:`skmi.nn.plane.COLUMNS`. ``plane_.plot()`` draws the figure.

Reproducing :func:`~skmi.nn.train_and_record`: :func:`~skmi.nn.training_split` gives
its training and recording rows, :class:`~skmi.nn.EpochSampler` its batch order; train
with ``torch.optim.Adam(model.parameters(), lr)`` and ``torch.nn.CrossEntropyLoss()``
on a network from ``make_mlp(..., random_state=seed)`` and the plane comes out the same
(``tests/test_callbacks.py`` checks all three loops to 1e-9).

Examples
--------
A plain PyTorch loop that records the plane ``train_and_record`` records:

>>> import numpy as np, torch
>>> from skmi import BinningMI
>>> from skmi.nn import (EpochSampler, InformationPlane, hidden_layers, make_mlp,
...                      train_and_record, training_split)
>>> rng = np.random.default_rng(0)
>>> y = rng.integers(0, 3, 150)
>>> X = rng.standard_normal((150, 6)) + 3 * np.eye(3, 6)[y]
>>> def new_plane(model):
...     return InformationPlane(hidden_layers(model),
...                             BinningMI(4, strategy="fixed", bin_range=(-1, 1)))
>>> model = make_mlp([6, 4, 3, 3], random_state=0)
>>> reference = new_plane(model)
>>> _ = train_and_record(model, X, y, plane=reference, epochs=4, record_epochs=[0, 1, 4],
...                      batch_size=32, lr=0.01, seed=0)
>>> split = training_split(X, y, seed=0)
>>> X_train, y_train = torch.as_tensor(split.X_train), torch.as_tensor(split.y_train)
>>> model = make_mlp([6, 4, 3, 3], random_state=0)
>>> plane = new_plane(model)
>>> optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
>>> sampler = EpochSampler(len(X_train), seed=0)
>>> _ = plane.record(model, split.X_record, split.y_record, epoch=0)
>>> for epoch in range(1, 5):
...     for batch in sampler.permutation().split(32):
...         optimizer.zero_grad()
...         loss = torch.nn.functional.cross_entropy(model(X_train[batch]), y_train[batch])
...         loss.backward()
...         optimizer.step()
...     if epoch in (1, 4):
...         _ = plane.record(model, split.X_record, split.y_record, epoch)
>>> [(r["epoch"], r["layer"]) for r in plane.records_] == [
...     (r["epoch"], r["layer"]) for r in reference.records_]
True
>>> max(abs(a[k] - b[k]) for a, b in zip(plane.records_, reference.records_)
...     for k in ("I_XT", "I_TY")) < 1e-9
True
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from .training import _resolve_record_epochs

# public name -> (private module defining it, extra to install, top-level packages
# whose absence means "install the extra")
_EXTRAS = {
    "SkorchInformationPlane": ("_skorch", "skorch", ("skorch", "torch")),
    "LightningInformationPlane": ("_lightning", "lightning",
                                  ("lightning", "pytorch_lightning", "torch")),
}
__all__ = sorted(_EXTRAS)  # resolved on first use, by __getattr__ below


def __getattr__(name: str):
    if name not in _EXTRAS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, extra, roots = _EXTRAS[name]
    try:
        value = getattr(importlib.import_module(f".{module}", __package__), name)
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in roots:
            raise
        raise ImportError(
            f"{name} needs {extra} and torch ({exc}): pip install skmi[{extra}]"
        ) from exc
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXTRAS))


class _Recorder:
    """What both callbacks share: the parameters, the plane, the epochs and the CSV.

    Fitted state ends in an underscore (skorch takes every other attribute for a
    parameter).
    """

    def __init__(self, X, y, layers, *, record_epochs="log", n_records: int = 30,
                 x_estimator=None, y_estimator=None, unit: str = "bits",
                 noise_std: float = 0.0, random_state=0, device="auto",
                 batch_size: int = 4096, input_shape=None, select=None, csv_path=None):
        self.X = X
        self.y = y
        self.layers = layers
        self.record_epochs = record_epochs
        self.n_records = n_records
        self.x_estimator = x_estimator
        self.y_estimator = y_estimator
        self.unit = unit
        self.noise_std = noise_std
        self.random_state = random_state
        self.device = device
        self.batch_size = batch_size
        self.input_shape = input_shape
        self.select = select
        self.csv_path = csv_path
        self._check_params()

    def _check_params(self) -> None:
        """Clear errors for bad parameters (when built, and again when training starts,
        as ``set_params`` may have changed them)."""
        X, y = np.asarray(self.X), np.asarray(self.y)
        if X.ndim < 2:
            raise ValueError(f"X must have shape (n_samples, ...) with at least 2 "
                             f"dimensions (the recording inputs), got shape {X.shape}.")
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must hold one class label per row of X: X has shape "
                             f"{X.shape}, y has shape {y.shape}.")
        if X.shape[0] < 2:
            raise ValueError(f"X needs at least 2 rows to record on, got n_samples="
                             f"{X.shape[0]}.")
        layers = self.layers
        ok = (isinstance(layers, str)
              or (isinstance(layers, Mapping) and all(isinstance(k, str) for k in layers))
              or (isinstance(layers, (list, tuple))
                  and all(isinstance(k, str) for k in layers)))
        if not ok or len(layers) == 0:
            raise TypeError(f"layers must be a layer name, a non-empty list of names or a "
                            f"dict {{name: key}}, got {layers!r}.")
        _resolve_record_epochs(self.record_epochs,
                               1 if isinstance(self.record_epochs, str) else None,
                               self.n_records)
        if self.unit not in ("bits", "nats"):
            raise ValueError(f"unit must be 'bits' or 'nats', got {self.unit!r}.")
        if self.csv_path is not None and not isinstance(self.csv_path, (str, os.PathLike)):
            raise TypeError(f"csv_path must be a path (str or os.PathLike) or None, got "
                            f"{type(self.csv_path).__name__} {self.csv_path!r}.")

    def _start(self, last_epoch: int | None, *, new_plane: bool) -> None:
        """Resolve the epochs to record for a run ending at ``last_epoch`` (None: not
        known; it bounds "log" and "all", not a list) and, when ``new_plane``, start an
        empty plane."""
        from .plane import InformationPlane

        self._check_params()
        spread = isinstance(self.record_epochs, str)
        if spread and last_epoch is None:
            raise ValueError(f"record_epochs={self.record_epochs!r} spreads the records "
                             "over the training epochs, and their number is not set "
                             "(max_epochs); give record_epochs as a list of epochs.")
        self.record_epochs_ = _resolve_record_epochs(
            self.record_epochs, last_epoch if spread else None, self.n_records)
        if new_plane or getattr(self, "plane_", None) is None:
            self.plane_ = InformationPlane(
                self.layers, self.x_estimator, self.y_estimator, self.unit,
                noise_std=self.noise_std, random_state=self.random_state,
                device=self.device, batch_size=self.batch_size,
                input_shape=self.input_shape, select=self.select)

    def _record(self, model, epoch: int) -> list[dict[str, Any]]:
        """Record ``model`` at ``epoch`` if it is listed and not yet recorded; append the
        rows to the CSV (which the plane's first record starts afresh)."""
        plane = self.plane_
        if epoch not in self.record_epochs_ or any(r["epoch"] == epoch
                                                   for r in plane._records):
            return []
        first = not plane._records
        rows = plane.record(model, self.X, self.y, epoch)
        if self.csv_path is not None:
            plane.append_csv(self.csv_path, rows, header=first)
        return rows

