"""A small training loop that records the information plane while an MLP learns."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._parallel import progress_bar
from ._torch import require_torch, resolve_device

__all__ = ["make_mlp", "hidden_layers", "train_and_record", "TrainingResult",
           "log_spaced_epochs"]

_ACTIVATIONS = ("tanh", "relu")
_INITS = ("torch", "saxe2018")


def make_mlp(sizes: Sequence[int], activation: str = "tanh", init: str = "torch"):
    """A fully connected network with named layers.

    ``make_mlp([12, 10, 7, 2])`` is ``Linear(12, 10) -> act -> Linear(10, 7) -> act ->
    Linear(7, 2)`` with module names ``fc1, act1, fc2, act2, out``: the hidden layers
    to record are ``act1, act2, ...`` (see :func:`hidden_layers`), and the output gives
    logits (train it with cross-entropy).

    Parameters
    ----------
    sizes : sequence of int
        Input width, hidden widths, number of classes (at least two entries).
    activation : {"tanh", "relu"}, default="tanh"
    init : {"torch", "saxe2018"}, default="torch"
        ``"torch"``: PyTorch's default initialisation (weights uniform on
        +-1/sqrt(fan_in)). ``"saxe2018"``: the Keras set-up of Saxe et al.'s code for the
        12-bit network: hidden weights from a normal distribution truncated at two
        standard deviations, standard deviation 1/sqrt(fan_out) (about twice PyTorch's
        for these widths, so tanh units saturate sooner), Glorot-uniform output weights,
        zero biases. Uses torch's global random generator (seed it with
        ``torch.manual_seed``).

    Returns
    -------
    model : torch.nn.Sequential
    """
    torch = require_torch()
    from collections import OrderedDict

    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes needs at least two positive widths, got {sizes}.")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}.")
    if init not in _INITS:
        raise ValueError(f"init must be one of {_INITS}, got {init!r}.")
    act = torch.nn.Tanh if activation == "tanh" else torch.nn.ReLU
    modules: OrderedDict = OrderedDict()
    for i, (a, b) in enumerate(zip(sizes[:-2], sizes[1:-1]), start=1):
        modules[f"fc{i}"] = torch.nn.Linear(a, b)
        modules[f"act{i}"] = act()
    modules["out"] = torch.nn.Linear(sizes[-2], sizes[-1])
    if init == "saxe2018":
        with torch.no_grad():
            for name, module in modules.items():
                if not isinstance(module, torch.nn.Linear):
                    continue
                if name == "out":
                    torch.nn.init.xavier_uniform_(module.weight)
                else:
                    std = 1.0 / float(np.sqrt(module.out_features))
                    torch.nn.init.trunc_normal_(module.weight, std=std, a=-2 * std,
                                                b=2 * std)
                torch.nn.init.zeros_(module.bias)
    return torch.nn.Sequential(modules)


def hidden_layers(model) -> list[str]:
    """The activation layers (``act1, act2, ...``) of a :func:`make_mlp` network."""
    return [name for name, _ in model.named_modules() if name.startswith("act")]


def log_spaced_epochs(epochs: int, n: int = 30) -> list[int]:
    """About ``n`` epochs from 0 to ``epochs``, evenly spaced on a log scale.

    Examples
    --------
    >>> from skmi.nn import log_spaced_epochs
    >>> log_spaced_epochs(100, 8)
    [0, 1, 2, 4, 7, 14, 27, 52, 100]
    """
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}.")
    if epochs == 0:
        return [0]
    grid = np.unique(np.round(np.logspace(0, np.log10(epochs), max(n, 2))).astype(int))
    return [0, *[int(e) for e in grid if 0 < e <= epochs]]


@dataclass
class TrainingResult:
    """What :func:`train_and_record` returns.

    Attributes
    ----------
    model : torch.nn.Module
        The trained network (the one passed in, trained in place, on ``device``).
    planes : list of InformationPlane
        The planes recorded (the ``plane`` argument).
    record_epochs : list of int
    loss : list of float
        Mean training loss per epoch (entry ``e - 1`` for epoch ``e``).
    train_accuracy, test_accuracy : list of float
        At each recorded epoch.
    seconds : float
        Wall time of the whole call.
    """

    model: Any
    planes: list
    record_epochs: list[int]
    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def plane(self):
        """The first (usually the only) recorded plane."""
        return self.planes[0]


def _progress(total: int, enabled: bool, desc: str):
    return progress_bar(total, enabled, desc, unit="epoch")


def train_and_record(
    model,
    X,
    y,
    *,
    plane=None,
    epochs: int = 100,
    record_epochs="log",
    n_records: int = 30,
    batch_size: int = 256,
    lr: float = 1e-3,
    train_size: float = 0.8,
    seed: int = 0,
    device="auto",
    record_on: str = "all",
    progress: bool = False,
) -> TrainingResult:
    """Train a classifier with Adam and cross-entropy, recording the information plane.

    The data are split once (``train_size`` for training, stratified, seeded); each
    epoch shuffles the training rows into mini-batches. The plane is recorded before
    training (epoch 0) and after the epochs in ``record_epochs``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of rows of ``X`` to class logits; trained in place.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Integer class labels ``0..n_classes-1``.
    plane : InformationPlane, list of InformationPlane or None
        What to record (None: train only).
    epochs : int, default=100
    record_epochs : "log", "all" or sequence of int, default="log"
        ``"log"``: about ``n_records`` log-spaced epochs (:func:`log_spaced_epochs`).
    n_records : int, default=30
    batch_size : int, default=256
    lr : float, default=1e-3
        Adam learning rate.
    train_size : float, default=0.8
    seed : int, default=0
        Seeds the split, the shuffling and torch (so also the model's initialisation
        if the model is built after calling ``torch.manual_seed``; this function does
        not re-initialise the model).
    device : str, default="auto"
    record_on : {"all", "train", "test"}, default="all"
        Which rows the plane is estimated on (the classic figure uses all of them).
    progress : bool, default=False
        Show a tqdm progress bar (if tqdm is installed).

    Returns
    -------
    result : TrainingResult
    """
    torch = require_torch()
    from sklearn.model_selection import train_test_split

    if record_on not in ("all", "train", "test"):
        raise ValueError(f"record_on must be 'all', 'train' or 'test', got {record_on!r}.")
    planes = [] if plane is None else (list(plane) if isinstance(plane, (list, tuple))
                                       else [plane])
    if isinstance(record_epochs, str):
        if record_epochs == "log":
            record_epochs = log_spaced_epochs(epochs, n_records)
        elif record_epochs == "all":
            record_epochs = list(range(epochs + 1))
        else:
            raise ValueError(f"record_epochs must be 'log', 'all' or a list, got "
                             f"{record_epochs!r}.")
    todo = sorted({int(e) for e in record_epochs if 0 <= int(e) <= epochs})

    start_time = time.perf_counter()
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y).astype(np.int64)
    idx = np.arange(len(y))
    idx_train, idx_test = train_test_split(idx, train_size=train_size, random_state=seed,
                                           stratify=y)
    rec_idx = {"all": idx, "train": idx_train, "test": idx_test}[record_on]

    dev = resolve_device(device)
    torch.manual_seed(seed)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    model.to(dev)
    Xt = torch.as_tensor(X, device=dev)
    yt = torch.as_tensor(y, device=dev)
    tr = torch.as_tensor(idx_train, device=dev)
    te = torch.as_tensor(idx_test, device=dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    result = TrainingResult(model=model, planes=planes, record_epochs=todo)

    def accuracy(rows):
        if len(rows) == 0:
            return float("nan")
        was = model.training
        model.eval()
        with torch.no_grad():
            acc = (model(Xt[rows]).argmax(1) == yt[rows]).float().mean().item()
        model.train(was)
        return float(acc)

    def record(epoch):
        for p in planes:
            p.record(model, X[rec_idx], y[rec_idx], epoch)
        result.train_accuracy.append(accuracy(tr))
        result.test_accuracy.append(accuracy(te))

    bar = _progress(epochs, progress, "training")
    try:
        if 0 in todo:
            record(0)
        n_train = len(idx_train)
        for epoch in range(1, epochs + 1):
            model.train()
            perm = tr[torch.randperm(n_train, generator=gen).to(dev)]
            total = torch.zeros((), device=dev)
            for s in range(0, n_train, batch_size):
                rows = perm[s:s + batch_size]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(Xt[rows]), yt[rows])
                loss.backward()
                opt.step()
                total += loss.detach() * len(rows)
            result.loss.append(float(total.item()) / n_train)
            if epoch in todo:
                record(epoch)
                if bar is not None:
                    bar.set_postfix(loss=f"{result.loss[-1]:.3f}",
                                    test_acc=f"{result.test_accuracy[-1]:.3f}")
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    model.eval()
    result.seconds = time.perf_counter() - start_time
    return result
