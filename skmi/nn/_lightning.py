"""The Lightning callback of :mod:`skmi.nn.callbacks` (imports Lightning)."""

from __future__ import annotations

try:
    from lightning.pytorch.callbacks import Callback
except ImportError as exc:  # the older package name, when only it is installed
    if (exc.name or "").split(".")[0] != "lightning":
        raise
    from pytorch_lightning.callbacks import Callback

from .callbacks import _Recorder

__all__ = ["LightningInformationPlane"]


class LightningInformationPlane(_Recorder, Callback):
    """A PyTorch Lightning callback that records an information plane while training.

    Records the LightningModule (or its sub-module ``submodule``) on the fixed
    recording set ``X, y``: epoch 0 when training starts, epoch ``e`` at the end of
    the ``e``-th training epoch (``trainer.current_epoch + 1``), for the epochs
    ``record_epochs`` names, on the global-zero process only. The rows, their CSV and
    their plot are those of :func:`~skmi.nn.train_and_record`'s plane; to reproduce its
    training exactly, train on ``training_split(...).X_train`` through a ``DataLoader``
    with ``sampler=EpochSampler(...)``, with ``torch.optim.Adam`` and cross-entropy
    (see ``tests/test_callbacks.py``).

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        The recording inputs: the same rows at every record (for example
        ``training_split(...).X_record``).
    y : array-like of shape (n_samples,)
        Their class labels.
    layers : str, list of str or dict {str: str}
        Layers to record, as for :class:`~skmi.nn.InformationPlane`, named within
        ``submodule``.
    record_epochs : "log", "all" or sequence of int, default="log"
        As for :func:`~skmi.nn.train_and_record`: ``"log"`` is epoch 0 and about
        ``n_records`` log-spaced epochs up to ``trainer.max_epochs``
        (:func:`~skmi.nn.log_spaced_epochs`), ``"all"`` every epoch (both need
        ``max_epochs``); a list records the epochs it lists.
    n_records : int, default=30
        For ``record_epochs="log"``, >= 1.
    x_estimator, y_estimator : MutualInfoEstimator or None, default=None
        Estimators of I(X; T) and I(T; Y), as for :class:`~skmi.nn.InformationPlane`.
    unit : {"bits", "nats"}, default="bits"
    noise_std, random_state, device, batch_size, input_shape, select
        Passed to :class:`~skmi.nn.InformationPlane` (defaults 0.0, 0, "auto", 4096,
        None, None).
    csv_path : str, path-like or None, default=None
        Append each record's rows to this CSV as soon as they are measured (the
        plane's first record writes the header and replaces the file), as
        ``train_and_record(..., csv_path=...)`` does.
    submodule : str or None, default=None
        Dotted name of the network inside the LightningModule to record
        (``pl_module.get_submodule(submodule)``), so that layer names read as they do
        for the bare network; None records the LightningModule itself (through its
        ``forward``).

    Attributes
    ----------
    plane_ : InformationPlane
        The recorded plane: ``plane_.history_``, ``plane_.to_csv(path)``,
        ``plane_.plot()``. Each ``trainer.fit`` starts a new one.
    record_epochs_ : list of int
        The epochs this run records.

    Examples
    --------
    >>> import numpy as np, torch
    >>> import lightning.pytorch as pl
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> from skmi import BinningMI
    >>> from skmi.nn import LightningInformationPlane, hidden_layers, make_mlp
    >>> class Classifier(pl.LightningModule):
    ...     def __init__(self, net):
    ...         super().__init__()
    ...         self.net = net
    ...     def training_step(self, batch, batch_idx):
    ...         X, y = batch
    ...         return torch.nn.functional.cross_entropy(self.net(X), y)
    ...     def configure_optimizers(self):
    ...         return torch.optim.Adam(self.parameters(), lr=0.01)
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 200)
    >>> X = (rng.standard_normal((200, 6)) + 3 * np.eye(3, 6)[y]).astype(np.float32)
    >>> model = make_mlp([6, 4, 3, 3], random_state=0)
    >>> recorder = LightningInformationPlane(
    ...     X, y, hidden_layers(model), record_epochs=[0, 1, 3], submodule="net",
    ...     x_estimator=BinningMI(4, strategy="fixed", bin_range=(-1, 1)))
    >>> trainer = pl.Trainer(
    ...     max_epochs=3, callbacks=[recorder], accelerator="cpu", devices=1,
    ...     logger=False, enable_checkpointing=False, enable_progress_bar=False,
    ...     enable_model_summary=False)
    >>> loader = DataLoader(TensorDataset(torch.as_tensor(X), torch.as_tensor(y)),
    ...                     batch_size=32, shuffle=True)
    >>> trainer.fit(Classifier(model), loader)
    >>> [(r["epoch"], r["layer"]) for r in recorder.plane_.records_]
    [(0, 'act1'), (0, 'act2'), (1, 'act1'), (1, 'act2'), (3, 'act1'), (3, 'act2')]
    >>> recorder.plane_.plot()  # doctest: +SKIP
    """

    def __init__(self, X, y, layers, *, record_epochs="log", n_records: int = 30,
                 x_estimator=None, y_estimator=None, unit: str = "bits",
                 noise_std: float = 0.0, random_state=0, device="auto",
                 batch_size: int = 4096, input_shape=None, select=None, csv_path=None,
                 submodule: str | None = None):
        self.submodule = submodule
        super().__init__(X, y, layers, record_epochs=record_epochs, n_records=n_records,
                         x_estimator=x_estimator, y_estimator=y_estimator, unit=unit,
                         noise_std=noise_std, random_state=random_state, device=device,
                         batch_size=batch_size, input_shape=input_shape, select=select,
                         csv_path=csv_path)

    def _check_params(self) -> None:
        super()._check_params()
        if self.submodule is not None and not isinstance(self.submodule, str):
            raise TypeError(f"submodule must be a dotted module name (str) or None, got "
                            f"{self.submodule!r}.")

    def _network(self, pl_module):
        if self.submodule is None:
            return pl_module
        try:
            return pl_module.get_submodule(self.submodule)
        except AttributeError as exc:
            raise ValueError(f"the LightningModule has no submodule {self.submodule!r} "
                             f"to record ({exc}).") from None

    def on_fit_start(self, trainer, pl_module) -> None:
        """Start a new plane and resolve the epochs to record."""
        max_epochs = trainer.max_epochs
        last = None if max_epochs is None or max_epochs < 0 else int(max_epochs)
        self._start(last, new_plane=True)

    def on_train_start(self, trainer, pl_module) -> None:
        """Record epoch 0 if training starts there."""
        if trainer.is_global_zero and trainer.current_epoch == 0:
            self._record(self._network(pl_module), 0)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        """Record epoch ``trainer.current_epoch + 1`` if it is one to record."""
        if trainer.is_global_zero:
            self._record(self._network(pl_module), trainer.current_epoch + 1)
