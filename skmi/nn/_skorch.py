"""The skorch callback of :mod:`skmi.nn.callbacks` (imports skorch)."""

from __future__ import annotations

from skorch.callbacks import Callback

from .callbacks import _Recorder

__all__ = ["SkorchInformationPlane"]


class SkorchInformationPlane(_Recorder, Callback):
    """A skorch callback that records an information plane while the net trains.

    Records ``net.module_`` (or the module named by ``module``) on the fixed recording
    set ``X, y``: epoch 0 when training starts, epoch ``e`` at the end of the net's
    ``e``-th epoch (``len(net.history)``), for the epochs ``record_epochs`` names. The
    rows, their CSV and their plot are those of
    :func:`~skmi.nn.train_and_record`'s plane; to reproduce its training exactly, fit
    on ``training_split(...).X_train`` with ``iterator_train__sampler=EpochSampler(...)``,
    ``train_split=None``, ``optimizer=torch.optim.Adam`` and
    ``criterion=torch.nn.CrossEntropyLoss`` (see ``tests/test_callbacks.py``).

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        The recording inputs: the same rows at every record (for example
        ``training_split(...).X_record``).
    y : array-like of shape (n_samples,)
        Their class labels.
    layers : str, list of str or dict {str: str}
        Layers of the module to record, as for :class:`~skmi.nn.InformationPlane`.
    record_epochs : "log", "all" or sequence of int, default="log"
        As for :func:`~skmi.nn.train_and_record`: ``"log"`` is epoch 0 and about
        ``n_records`` log-spaced epochs up to the last epoch of the run (the epochs
        trained before plus ``net.max_epochs``; :func:`~skmi.nn.log_spaced_epochs`),
        ``"all"`` every epoch; a list records the epochs it lists.
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
    module : str, default: ``"module_"``
        The attribute of the net that holds the network to record.

    Attributes
    ----------
    plane_ : InformationPlane
        The recorded plane: ``plane_.history_``, ``plane_.to_csv(path)``,
        ``plane_.plot()``. Started afresh when the net is (re-)initialised
        (``net.fit`` without ``warm_start``); ``partial_fit`` adds to it.
    record_epochs_ : list of int
        The epochs this run records.

    Notes
    -----
    skorch uses the callback object given in ``callbacks`` unless the net is cloned
    (``GridSearchCV`` clones it): ``dict(net.callbacks_)["SkorchInformationPlane"]``
    is always the one that recorded.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> from skmi import BinningMI
    >>> from skmi.nn import SkorchInformationPlane, hidden_layers, make_mlp
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 200)
    >>> X = (rng.standard_normal((200, 6)) + 3 * np.eye(3, 6)[y]).astype(np.float32)
    >>> model = make_mlp([6, 4, 3, 3], random_state=0)
    >>> recorder = SkorchInformationPlane(
    ...     X, y, hidden_layers(model), record_epochs=[0, 1, 5],
    ...     x_estimator=BinningMI(4, strategy="fixed", bin_range=(-1, 1)))
    >>> net = NeuralNetClassifier(
    ...     model, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam,
    ...     lr=0.01, max_epochs=5, batch_size=32, train_split=None,
    ...     iterator_train__shuffle=True, callbacks=[recorder], verbose=0)
    >>> net = net.fit(X, y)
    >>> [(r["epoch"], r["layer"]) for r in recorder.plane_.records_]
    [(0, 'act1'), (0, 'act2'), (1, 'act1'), (1, 'act2'), (5, 'act1'), (5, 'act2')]
    >>> recorder.plane_.plot()  # doctest: +SKIP
    """

    def __init__(self, X, y, layers, *, record_epochs="log", n_records: int = 30,
                 x_estimator=None, y_estimator=None, unit: str = "bits",
                 noise_std: float = 0.0, random_state=0, device="auto",
                 batch_size: int = 4096, input_shape=None, select=None, csv_path=None,
                 module: str = "module_"):
        self.module = module
        super().__init__(X, y, layers, record_epochs=record_epochs, n_records=n_records,
                         x_estimator=x_estimator, y_estimator=y_estimator, unit=unit,
                         noise_std=noise_std, random_state=random_state, device=device,
                         batch_size=batch_size, input_shape=input_shape, select=select,
                         csv_path=csv_path)

    def _check_params(self) -> None:
        super()._check_params()
        if not isinstance(self.module, str):
            raise TypeError(f"module must be the name of the net's attribute that holds "
                            f"the network (such as 'module_'), got {self.module!r}.")

    def _network(self, net):
        network = getattr(net, self.module, None)
        if network is None:
            raise ValueError(f"the net has no module {self.module!r} to record (module="
                             f"{self.module!r}); skorch keeps its network in 'module_'.")
        return network

    def initialize(self) -> SkorchInformationPlane:
        """Start an empty plane (skorch calls this when it initialises the net)."""
        self._check_params()
        self.plane_ = None
        self.record_epochs_ = []
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        """Resolve the epochs of this run; record epoch 0 if training starts there."""
        start = len(net.history)
        self._start(start + net.max_epochs, new_plane=False)
        if start == 0:
            self._record(self._network(net), 0)

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs) -> None:
        """Record epoch ``len(net.history)`` if it is one to record."""
        self._record(self._network(net), len(net.history))
