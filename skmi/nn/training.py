"""A small training loop that records the information plane while an MLP learns."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._parallel import progress_bar
from .._torch import torch_threads
from ._torch import _FEATURE, require_torch, resolve_device

__all__ = ["make_mlp", "hidden_layers", "train_and_record", "TrainingResult",
           "log_spaced_epochs", "training_split", "TrainingSplit", "EpochSampler"]

_ACTIVATIONS = ("tanh", "relu")
_INITS = ("auto", "torch", "he", "saxe2018")
#: Bias of the hidden layers under ``init="he"``: a small positive bias keeps the
#: narrow ReLU layers of an information-plane network alive (digits, 64-16-8-4-3-10
#: ReLU, 10 seeds, 100 epochs: PyTorch's default initialisation left 2 seeds with a
#: layer dead from the start and accuracy 0.10; He weights with zero biases 3 seeds
#: below 0.5; with biases 0.1, 9 of 10 seeds reached 0.91-0.97).
HE_BIAS = 0.1


def _initialise(modules, init: str) -> None:
    import torch

    if init == "torch":
        return
    with torch.no_grad():
        for name, module in modules.items():
            if not isinstance(module, torch.nn.Linear):
                continue
            if name == "out":
                torch.nn.init.xavier_uniform_(module.weight)
                torch.nn.init.zeros_(module.bias)
            elif init == "he":
                torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                torch.nn.init.constant_(module.bias, HE_BIAS)
            else:  # saxe2018
                std = 1.0 / float(np.sqrt(module.out_features))
                torch.nn.init.trunc_normal_(module.weight, std=std, a=-2 * std, b=2 * std)
                torch.nn.init.zeros_(module.bias)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_sizes(sizes) -> list[int]:
    """The layer widths as a list of ints >= 1 (at least two), else a clear error."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(
            "sizes must be a sequence of ints (input width, hidden widths, number of "
            f"classes), got {type(sizes).__name__} {sizes!r}."
        )
    sizes = list(sizes)
    bad = [s for s in sizes if not _is_int(s)]
    if bad:
        raise TypeError(
            f"sizes must hold ints (layer widths), got {sizes!r}: {bad[0]!r} is a "
            f"{type(bad[0]).__name__}."
        )
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(
            "sizes needs at least two positive widths (input width and number of "
            f"classes), got {sizes}."
        )
    return [int(s) for s in sizes]


def make_mlp(sizes: Sequence[int], activation: str = "tanh", init: str = "auto",
             random_state: int | None = None):
    """A fully connected network with named layers.

    ``make_mlp([12, 10, 7, 2])`` is ``Linear(12, 10) -> act -> Linear(10, 7) -> act ->
    Linear(7, 2)`` with module names ``fc1, act1, fc2, act2, out``: the hidden layers
    to record are ``act1, act2, ...`` (see :func:`hidden_layers`), and the output gives
    logits (train it with cross-entropy).

    Parameters
    ----------
    sizes : sequence of int
        Input width, hidden widths, number of classes (at least two entries, each an
        int >= 1; a float such as 2.5 raises a TypeError rather than being truncated).
    activation : {"tanh", "relu"}, default="tanh"
    init : {"auto", "torch", "he", "saxe2018"}, default="auto"
        ``"torch"``: PyTorch's default initialisation (weights uniform on
        +-1/sqrt(fan_in)). ``"he"``: He et al.'s normal weights (sd sqrt(2 / fan_in)),
        hidden biases :data:`HE_BIAS` (0.1), Glorot-uniform output weights and zero
        output bias: ReLU networks with layers of a few units train from any seed
        instead of starting dead. ``"saxe2018"``: the Keras set-up of Saxe et al.'s
        code for the 12-bit network: hidden weights from a normal distribution truncated
        at two standard deviations, standard deviation 1/sqrt(fan_out) (about twice
        PyTorch's for these widths, so tanh units saturate sooner), Glorot-uniform
        output weights, zero biases. ``"auto"``: ``"he"`` for ReLU, ``"torch"`` for
        tanh.
    random_state : int or None, default=None
        Seeds the initialisation (through a forked torch generator: torch's global
        random state is left alone), so the same int builds the same network. None
        uses torch's global generator (seed it with ``torch.manual_seed``).

    Returns
    -------
    model : torch.nn.Sequential

    Examples
    --------
    >>> from skmi.nn import make_mlp
    >>> a = make_mlp([4, 3, 2], "relu", random_state=0)
    >>> b = make_mlp([4, 3, 2], "relu", random_state=0)
    >>> bool((a.fc1.weight == b.fc1.weight).all()), [n for n, _ in a.named_children()]
    (True, ['fc1', 'act1', 'out'])
    """
    torch = require_torch()
    from collections import OrderedDict

    sizes = _check_sizes(sizes)
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {_ACTIVATIONS}, got {activation!r}.")
    if init not in _INITS:
        raise ValueError(f"init must be one of {_INITS}, got {init!r}.")
    if init == "auto":
        init = "he" if activation == "relu" else "torch"
    if random_state is not None and (isinstance(random_state, bool)
                                     or not isinstance(random_state, (int, np.integer))):
        raise ValueError(f"random_state must be an int or None, got {random_state!r}.")
    act = torch.nn.Tanh if activation == "tanh" else torch.nn.ReLU

    def build():
        modules: OrderedDict = OrderedDict()
        for i, (a, b) in enumerate(zip(sizes[:-2], sizes[1:-1]), start=1):
            modules[f"fc{i}"] = torch.nn.Linear(a, b)
            modules[f"act{i}"] = act()
        modules["out"] = torch.nn.Linear(sizes[-2], sizes[-1])
        _initialise(modules, init)
        return torch.nn.Sequential(modules)

    if random_state is None:
        return build()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(random_state))
        return build()


def hidden_layers(model) -> list[str]:
    """The activation layers (``act1, act2, ...``) of a :func:`make_mlp` network."""
    return [name for name, _ in model.named_modules() if name.startswith("act")]


def log_spaced_epochs(epochs: int, n: int = 30) -> list[int]:
    """Epoch 0, then about ``n`` epochs from 1 to ``epochs`` evenly spaced on a log scale.

    The ``n`` log-spaced points are rounded to ints, so early ones can coincide and
    fewer come back; ``epochs`` itself is always included. ``n=1`` gives
    ``[0, epochs]``; ``epochs=0`` gives ``[0]``.

    Parameters
    ----------
    epochs : int
        The last epoch, >= 0.
    n : int, default=30
        Number of log-spaced epochs after epoch 0, >= 1.

    Returns
    -------
    epochs : list of int
        Sorted, distinct, starting at 0.

    Raises
    ------
    TypeError
        If ``epochs`` or ``n`` is not an int.
    ValueError
        If ``epochs < 0`` or ``n < 1``.

    Examples
    --------
    >>> from skmi.nn import log_spaced_epochs
    >>> log_spaced_epochs(100, 8)
    [0, 1, 2, 4, 7, 14, 27, 52, 100]
    """
    for name, value, low in (("epochs", epochs, 0), ("n", n, 1)):
        if not _is_int(value):
            raise TypeError(f"{name} must be an int >= {low}, got "
                            f"{type(value).__name__} {value!r}.")
        if value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value}.")
    epochs, n = int(epochs), int(n)
    if epochs == 0:
        return [0]
    if n == 1:
        return [0, epochs]
    grid = np.unique(np.round(np.logspace(0, np.log10(epochs), n)).astype(int))
    return [0, *[int(e) for e in grid if 0 < e <= epochs]]


def _resolve_record_epochs(record_epochs, epochs: int | None, n_records: int) -> list[int]:
    """The sorted, distinct epochs to record: ``record_epochs`` ("log", "all" or ints)
    within ``0..epochs`` (a list has no upper limit when ``epochs`` is None)."""
    if not _is_int(n_records) or n_records < 1:
        raise ValueError(
            f"n_records must be an int >= 1 (records after epoch 0), got {n_records!r}."
        )
    if isinstance(record_epochs, str):
        if record_epochs not in ("log", "all"):
            raise ValueError(f"record_epochs must be 'log', 'all' or a list, got "
                             f"{record_epochs!r}.")
        if epochs is None:
            raise ValueError(f"record_epochs={record_epochs!r} needs a finite number of "
                             "epochs; give a list of epochs instead.")
        record_epochs = (log_spaced_epochs(epochs, n_records) if record_epochs == "log"
                         else list(range(epochs + 1)))
    else:
        try:
            record_epochs = list(record_epochs)
        except TypeError:
            raise TypeError(f"record_epochs must be 'log', 'all' or a sequence of ints, "
                            f"got {type(record_epochs).__name__} {record_epochs!r}.") from None
        bad = [e for e in record_epochs if not _is_int(e)]
        if bad:
            raise TypeError(f"record_epochs must hold ints (epochs), got {bad[0]!r}.")
    return sorted({int(e) for e in record_epochs
                   if 0 <= int(e) and (epochs is None or int(e) <= epochs)})


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
    n_train, n_test : int
        Rows trained on and held out.
    record_set : str
        Which rows the planes were recorded on, in words (``"test"``, ``"train"``,
        ``"all"``, and the subset size).
    record_index : ndarray
        Their indices (into ``X``, or into ``X_test`` for the test set, or into the
        concatenation of ``X`` and ``X_test`` for ``"all"``).
    dead_layers : dict {str: float}
        For each recorded layer of the first plane, the fraction of its units that are
        0 (or constant) on every recorded input after training; a layer at 1.0 carries
        nothing.
    warnings : list of str
        What went wrong in training, also issued as :class:`UserWarning`: dead layers,
        accuracy at chance.
    """

    model: Any
    planes: list
    record_epochs: list[int]
    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0
    n_train: int = 0
    n_test: int = 0
    record_set: str = ""
    record_index: Any = None
    dead_layers: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def plane(self):
        """The first (usually the only) recorded plane."""
        return self.planes[0]


@dataclass
class TrainingSplit:
    """The rows :func:`train_and_record` trains on, holds out and records on.

    Returned by :func:`training_split`, so that another training loop (plain PyTorch,
    skorch, Lightning) can train and record on exactly the same rows.

    Attributes
    ----------
    X : ndarray of float32, shape (n_rows, ...)
        Every row: ``X``, followed by ``X_test`` when one was given.
    y : ndarray of int64, shape (n_rows,)
    train_index, test_index : ndarray of int
        Rows of ``X`` trained on and held out. Training visits ``X[train_index]`` in the
        order of :class:`EpochSampler` ``(len(train_index), seed)``.
    record_index : ndarray of int
        Rows of ``X`` the plane is recorded on.
    record_set : str
        Which rows those are, in words (``TrainingResult.record_set``).
    rows_in_set : ndarray of int
        The same rows as indices into the set ``record_on`` names
        (``TrainingResult.record_index``).
    """

    X: Any
    y: Any
    train_index: Any
    test_index: Any
    record_index: Any
    record_set: str = ""
    rows_in_set: Any = None

    @property
    def X_train(self):
        """``X[train_index]``."""
        return self.X[self.train_index]

    @property
    def y_train(self):
        """``y[train_index]``."""
        return self.y[self.train_index]

    @property
    def X_test(self):
        """``X[test_index]``."""
        return self.X[self.test_index]

    @property
    def y_test(self):
        """``y[test_index]``."""
        return self.y[self.test_index]

    @property
    def X_record(self):
        """``X[record_index]``: the inputs to record the plane on."""
        return self.X[self.record_index]

    @property
    def y_record(self):
        """``y[record_index]``: their labels."""
        return self.y[self.record_index]


def training_split(X, y, *, train_size: float = 0.8, X_test=None, y_test=None,
                   seed: int = 0, record_on: str = "all",
                   n_samples: int | None = None) -> TrainingSplit:
    """The train / held-out / recording rows :func:`train_and_record` uses.

    The same arguments as :func:`train_and_record` give the same rows, so a training
    loop of one's own can reproduce its plane exactly: train on ``split.X_train`` in the
    batch order of :class:`EpochSampler` ``(len(split.train_index), seed)`` (consecutive
    ``batch_size`` slices of each epoch's permutation, the last one short), with
    ``torch.optim.Adam(model.parameters(), lr)`` and ``torch.nn.CrossEntropyLoss()``,
    and record ``plane.record(model, split.X_record, split.y_record, epoch)`` before
    training (epoch 0) and after each epoch listed. ``skmi.nn.callbacks`` does the
    recording for skorch and Lightning.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Integer class labels.
    train_size : float, default=0.8
        Used without ``X_test``: a stratified split, seeded with ``seed``.
    X_test, y_test : array-like or None, default=None
        A held-out set (then all of ``X`` is trained on).
    seed : int, default=0
    record_on : {"all", "train", "test"}, default="all"
    n_samples : int or None, default=None
        Record on a seeded, stratified subset of that many of those rows.

    Returns
    -------
    split : TrainingSplit

    Raises
    ------
    ValueError
        If ``y_test`` comes without ``X_test``, the shapes disagree, or ``record_on`` or
        ``n_samples`` is not valid.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.nn import training_split
    >>> X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    >>> split = training_split(X, y, n_samples=6)
    >>> len(split.train_index), len(split.test_index), split.X_record.shape
    (16, 4, (6, 2))
    >>> split.X.dtype, split.y.dtype
    (dtype('float32'), dtype('int64'))
    """
    from sklearn.model_selection import train_test_split

    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y).astype(np.int64)
    if X_test is None:
        if y_test is not None:
            raise ValueError("y_test given without X_test.")
        idx_train, idx_test = train_test_split(np.arange(len(y)), train_size=train_size,
                                               random_state=seed, stratify=y)
        X_all, y_all = X, y
    else:
        X_test = np.asarray(X_test, dtype=np.float32)
        y_test = np.asarray(y_test).astype(np.int64)
        if X_test.shape[1:] != X.shape[1:] or len(X_test) != len(y_test):
            raise ValueError(f"X_test {X_test.shape} and y_test {y_test.shape} do not "
                             f"match X {X.shape}.")
        X_all, y_all = np.concatenate([X, X_test]), np.concatenate([y, y_test])
        idx_train = np.arange(len(y))
        idx_test = np.arange(len(y), len(y_all))
    rows_in_set, record_set = _record_rows(record_on, n_samples, y_all[idx_train],
                                           y_all[idx_test], seed)
    offset = {"all": np.concatenate([idx_train, idx_test]), "train": idx_train,
              "test": idx_test}[record_on]
    return TrainingSplit(X=X_all, y=y_all, train_index=idx_train, test_index=idx_test,
                         record_index=offset[rows_in_set], record_set=record_set,
                         rows_in_set=rows_in_set)


class EpochSampler:
    """The order in which :func:`train_and_record` visits its training rows.

    Each pass over the sampler (each ``iter(sampler)``, or :meth:`permutation`) draws
    the next ``torch.randperm(n, generator=g)`` of one CPU ``torch.Generator`` seeded
    with ``seed``: pass ``e`` is epoch ``e``'s shuffle, and a training step takes the
    next ``batch_size`` of it. As the ``sampler`` of a ``torch.utils.data.DataLoader``
    (with ``shuffle=False``, the default), or skorch's ``iterator_train__sampler``, it
    makes that loader yield :func:`train_and_record`'s batches. (A DataLoader with
    ``shuffle=True`` and ``generator=torch.Generator().manual_seed(seed)`` does not:
    it draws a worker seed from that generator before each epoch.)

    A pass draws its permutation when it starts: iterate the sampler once per epoch,
    and build a fresh one for each training run. A network that draws random numbers
    (dropout) also needs ``torch.manual_seed(seed)`` before training, as
    ``train_and_record`` does, and a DataLoader with a generator of its own
    (``generator=torch.Generator()``): without one, the loader takes a seed from
    torch's global generator at every epoch.

    Parameters
    ----------
    n : int
        Number of training rows, >= 1.
    seed : int, default=0
        ``train_and_record``'s ``seed``.

    Examples
    --------
    >>> from skmi.nn import EpochSampler
    >>> sampler = EpochSampler(5, seed=0)
    >>> first, second = list(sampler), list(sampler)
    >>> sorted(first), len(sampler)
    ([0, 1, 2, 3, 4], 5)
    >>> first == list(EpochSampler(5, seed=0)), first == second
    (True, False)
    """

    def __init__(self, n: int, seed: int = 0):
        for name, value, low in (("n", n, 1), ("seed", seed, 0)):
            if not _is_int(value) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
        self.n = int(n)
        self.seed = int(seed)
        self._generator = None

    def permutation(self):
        """The next epoch's order: a ``torch.int64`` tensor, a permutation of ``n``."""
        torch = require_torch()
        if self._generator is None:
            self._generator = torch.Generator(device="cpu").manual_seed(self.seed)
        return torch.randperm(self.n, generator=self._generator)

    def __iter__(self):
        return iter(self.permutation().tolist())

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"EpochSampler(n={self.n}, seed={self.seed})"


def _progress(total: int, enabled: bool, desc: str):
    return progress_bar(total, enabled, desc, unit="epoch")


def _record_rows(record_on: str, n_samples, y_train, y_test, seed: int):
    """(indices into the chosen set, description, which set) of the recorded rows."""
    from sklearn.model_selection import train_test_split

    if record_on not in ("all", "train", "test"):
        raise ValueError(f"record_on must be 'all', 'train' or 'test', got {record_on!r}.")
    labels = {"train": y_train, "test": y_test,
              "all": np.concatenate([y_train, y_test])}[record_on]
    idx = np.arange(labels.shape[0])
    if n_samples is None or n_samples >= labels.shape[0]:
        return idx, f"{record_on} ({labels.shape[0]} rows)"
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < 2:
        raise ValueError(f"n_samples must be an int >= 2 or None, got {n_samples!r}.")
    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 2 and n_samples >= counts.size else None
    sub, _ = train_test_split(idx, train_size=int(n_samples), stratify=stratify,
                              random_state=seed)
    return np.sort(sub), (f"{record_on}, a seeded stratified subset of {len(sub)} of "
                          f"{labels.shape[0]} rows")


def _dead_layers(plane, model, X_rec, device) -> dict:
    """Fraction of constant units per recorded layer, on the recorded inputs."""
    from .extractor import LayerActivationExtractor

    ext = LayerActivationExtractor(model, plane.layers, device=device,
                                   batch_size=plane.batch_size, flatten=True,
                                   input_shape=plane.input_shape, select=plane.select)
    acts = ext.fit(X_rec).transform_layers(X_rec)
    return {k: float(np.mean(np.all(a == a[:1], axis=0))) for k, a in acts.items()}


def _train(model, planes, todo, X_all, y_all, idx_train, idx_test, X_rec, y_rec,
           rows_in_set, record_set, epochs, batch_size, lr, seed, dev, csv_path, progress,
           torch):
    """The training loop of :func:`train_and_record` (inside its thread context)."""
    torch.manual_seed(seed)
    order = EpochSampler(len(idx_train), seed)
    model.to(dev)
    Xt = torch.as_tensor(X_all, device=dev)
    yt = torch.as_tensor(y_all, device=dev)
    tr = torch.as_tensor(idx_train, device=dev)
    te = torch.as_tensor(idx_test, device=dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    result = TrainingResult(model=model, planes=planes, record_epochs=todo,
                            n_train=len(idx_train), n_test=len(idx_test),
                            record_set=record_set, record_index=rows_in_set)
    bar = _progress(epochs, progress, "training")

    def accuracy(rows):
        if len(rows) == 0:
            return float("nan")
        was = model.training
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(Xt[rows[s:s + 4096]]).argmax(1)
                               == yt[rows[s:s + 4096]]).sum())
                          for s in range(0, len(rows), 4096))
        model.train(was)
        return correct / len(rows)

    def record(epoch):
        for i, p in enumerate(planes):
            if progress:
                _say(bar, f"recording epoch {epoch}"
                     + (f", plane {i + 1}/{len(planes)}" if len(planes) > 1 else ""))
            rows = p.record(model, X_rec, y_rec, epoch)
            if csv_path is not None and i == 0:
                p.append_csv(csv_path, rows, header=epoch == todo[0])
        result.train_accuracy.append(accuracy(tr))
        result.test_accuracy.append(accuracy(te))

    try:
        if 0 in todo:
            record(0)
        n_train = len(idx_train)
        for epoch in range(1, epochs + 1):
            model.train()
            perm = tr[order.permutation().to(dev)]
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
    _check_training(result, planes, model, X_rec, dev, len(np.unique(y_all)), accuracy, te,
                    y_all[idx_test], trained=epochs > 0)
    return result


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
    X_test=None,
    y_test=None,
    seed: int = 0,
    device="auto",
    record_on: str = "all",
    n_samples: int | None = None,
    csv_path=None,
    progress: bool = False,
    n_jobs: int | None = None,
) -> TrainingResult:
    """Train a classifier with Adam and cross-entropy, recording the information plane.

    Without ``X_test`` the data are split once (``train_size`` for training,
    stratified, seeded); with it, all of ``X`` is trained on and ``X_test`` held out
    (MNIST's official split). Each epoch shuffles the training rows into mini-batches.
    The plane is recorded before training (epoch 0) and after the epochs in
    ``record_epochs``, on the rows ``record_on`` names (or a seeded, stratified subset
    of ``n_samples`` of them: the estimators are O(n) to O(n^2) per record).

    Reproducibility: ``seed`` fixes the split, the subset, the shuffling and torch's
    global generator during training; the weights are the model's own, so build it
    with ``make_mlp(..., random_state=seed)`` to reproduce ``skmi infoplane`` exactly.
    :func:`training_split` and :class:`EpochSampler` give the rows and the batch order,
    so that another loop (plain PyTorch, or skorch and Lightning with
    :mod:`skmi.nn.callbacks`) records the same plane.

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
        Training epochs, >= 0. ``epochs=0`` trains nothing: the plane is recorded once,
        at epoch 0, on the network as built (``loss`` is empty, and no chance-accuracy
        warning is issued for a network that was not trained).
    record_epochs : "log", "all" or sequence of int, default="log"
        ``"log"``: epoch 0 and about ``n_records`` log-spaced epochs
        (:func:`log_spaced_epochs`). Epoch 0 (before training) is recorded only when
        listed; entries outside ``0..epochs`` are ignored.
    n_records : int, default=30
        Number of log-spaced records after epoch 0 for ``record_epochs="log"``, >= 1.
    batch_size : int, default=256
    lr : float, default=1e-3
        Adam learning rate.
    train_size : float, default=0.8
        Used without ``X_test``.
    X_test, y_test : array-like or None, default=None
        A held-out set (then ``X`` is all training data).
    seed : int, default=0
    device : str, default="auto"
    record_on : {"all", "train", "test"}, default="all"
        Which rows the plane is estimated on (the classic figure uses all of them).
    n_samples : int or None, default=None
        Record on a seeded, stratified subset of that many of those rows.
    csv_path : str, path-like or None, default=None
        Append each record's rows to this CSV (header first, the file replaced) as soon
        as they are measured, so an interrupted run keeps every record it took.
    progress : bool, default=False
        Show a tqdm progress bar (if tqdm is installed; else a plain line per record).
    n_jobs : int or None, default=None
        torch CPU threads for the training steps, set for this call and restored
        afterwards (:func:`skmi._torch.torch_threads`). None: one thread unless a step is
        large (batch rows times parameters at least ``2**26``), where torch's own
        setting is kept; the networks this helper trains are small, and torch's waiting
        workers beside Numba's or other processes slow small steps down many times.
        -1: all CPUs. The recording uses the estimators' own ``n_jobs``.

    Returns
    -------
    result : TrainingResult
        Also warns (:class:`UserWarning`) when a recorded layer is dead (every unit
        constant on the recorded inputs) or the test accuracy is at chance.
    """
    torch = require_torch()

    planes = [] if plane is None else (list(plane) if isinstance(plane, (list, tuple))
                                       else [plane])
    if not _is_int(epochs) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}.")
    todo = _resolve_record_epochs(record_epochs, epochs, n_records)

    start_time = time.perf_counter()
    split = training_split(X, y, train_size=train_size, X_test=X_test, y_test=y_test,
                           seed=seed, record_on=record_on, n_samples=n_samples)

    dev = resolve_device(device)
    work = (batch_size * sum(p.numel() for p in model.parameters())
            if dev.type == "cpu" else None)
    with torch_threads(n_jobs, work, _FEATURE):
        result = _train(model, planes, todo, split.X, split.y, split.train_index,
                        split.test_index, split.X_record, split.y_record, split.rows_in_set,
                        split.record_set, epochs, batch_size, lr, seed, dev, csv_path,
                        progress, torch)
    result.seconds = time.perf_counter() - start_time
    return result


def _say(bar, text: str) -> None:
    if hasattr(bar, "set_description_str"):
        bar.set_description_str(text)


def _check_training(result, planes, model, X_rec, dev, n_classes, accuracy, te,
                    y_test, trained: bool = True) -> None:
    """Dead layers and chance accuracy: recorded in ``result`` and warned about.

    Chance accuracy is only a failure for a network that was trained (``trained``).
    """
    import warnings

    if planes:
        result.dead_layers = _dead_layers(planes[0], model, X_rec, dev)
    dead = [k for k, f in result.dead_layers.items() if f == 1.0]
    if dead:
        result.warnings.append(
            f"layer(s) {', '.join(dead)} are dead: every unit is constant on the "
            "recorded inputs, so they carry no information and nothing after them "
            "learns. For ReLU networks use make_mlp(..., init='he') (the default for "
            "ReLU) or another seed.")
    acc = accuracy(te) if len(te) else float("nan")
    chance = float(np.max(np.bincount(y_test))) / len(y_test) if len(te) else 0.0
    if trained and len(te) and acc <= chance + 0.02:
        result.warnings.append(
            f"test accuracy {acc:.3f} is at chance (the most frequent of {n_classes} "
            f"classes makes {chance:.3f}): the network did not learn, and its "
            "information plane shows initialisation only.")
    for message in result.warnings:
        warnings.warn(message, UserWarning, stacklevel=3)
