"""Neural variational MI estimators: MINE, NWJ, InfoNCE and SMILE.

Each estimator trains a critic network ``f(x, y)`` (:mod:`skmi.neural.critics`) to
maximise a variational bound on I(X; y) (:mod:`skmi.neural.bounds`) with the shared
training loop of :mod:`skmi.neural._training`, then reports the bound on data the
critic was not trained on. This module imports torch only inside ``fit`` and
``score``: the classes can be imported, constructed, cloned and inspected without it.
"""

from __future__ import annotations

import copy
import inspect
import math
import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import QuantileTransformer, StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._torch import torch_threads
from .._validation import Data, check_xy
from ..base import LOWER, MutualInfoEstimator
from ..exceptions import SaturationWarning, warn_user
from ..vinfo import _encode
from ._torch import require_torch, resolve_device

__all__ = ["MINE", "NWJ", "InfoNCE", "SMILE", "TrainingDivergedWarning"]

_BUILTIN_CRITICS = ("joint", "separable")
_DTYPES = ("float32", "float64")
_CRITIC_PREFIX = "critic__"
_SEED_MAX = 2**31 - 1
_FEATURE = "skmi's neural estimators (MINE, NWJ, InfoNCE, SMILE)"


class TrainingDivergedWarning(ConvergenceWarning):
    """Training diverged and was stopped.

    Issued when the critic's loss or bound became NaN or infinite, or (SMILE) when the
    held-out critic scores pairs as no log density ratio can, the mark of a critic
    blown up by a far too large learning rate (see ``diverged_``). A subclass of
    :class:`sklearn.exceptions.ConvergenceWarning`, so filters on that class catch it
    too. The estimator keeps the critic of the best epoch before the divergence and
    reports its bound in ``mi_``.
    """


_SHARED_PARAMETERS = """\
    critic : {"separable", "joint"}, nn.Module class or instance, default="separable"
        The critic ``f(x, y)``. ``"separable"``: the inner product of two MLP
        embeddings (:class:`~skmi.neural.critics.SeparableCritic`), ``O(n)`` network
        evaluations per batch of ``n``; ``"joint"``: an MLP on ``[x, y]`` evaluated on
        all ``n^2`` pairs of a batch (:class:`~skmi.neural.critics.JointCritic`), more
        expressive and much slower on a CPU. A
        class (or any callable returning a module) is instantiated at ``fit`` with
        ``critic_params`` as keyword arguments, plus ``x_dim`` and ``y_dim`` (the
        feature counts) when its signature accepts them; its ``forward(x, y)`` must
        return the ``(n, n)`` matrix ``f(x_i, y_j)``. A module instance is copied,
        never trained in place.
    hidden_layer_sizes : int or tuple of int, default=(64, 64)
        Hidden widths of the built-in critics' MLPs.
    embedding_dim : int, default=32
        Embedding width of the ``"separable"`` critic.
    activation : {"relu", "tanh", "elu", "softplus", "gelu"}, default="relu"
        Activation of the built-in critics.
    critic_params : dict or None, default=None
        Keyword arguments for a user critic class. skorch-style dunder parameters set
        them too: ``set_params(critic__width=32)`` (and ``GridSearchCV`` grids over
        ``"critic__width"``) update this dict. scikit-learn estimators cannot take
        ``**kwargs`` in ``__init__``, hence the dict. Must be empty for the built-in
        critics, whose sizes are the parameters above.
    batch_size : int, default=128
        Rows per optimisation step; also the batch size in which the bound is
        evaluated on held-out data (capped at the number of rows available).
    lr : float, default=1e-3
        Adam learning rate.
    max_epochs : int, default=100
        Passes over the training split.
    max_steps : int or None, default=None
        Optional cap on optimisation steps (whichever of this and ``max_epochs`` comes
        first stops training).
    validation_fraction : float, default=0.2
        Fraction of the rows held out (at least 2) for early stopping and for ``mi_``.
    patience : int or None, default=10
        Stop after this many epochs without a validation improvement above ``tol``;
        None trains for ``max_epochs``/``max_steps``.
    tol : float, default=1e-4
        Minimum validation improvement (nats) that resets ``patience``.
    discrete_y : {"auto", True, False}, default="auto"
        Whether ``y`` holds class labels. Labels are one-hot encoded (one column per
        class, not scaled) before the critic sees them: a label read as one number
        would impose an order and distances on the classes. ``"auto"``: integer,
        boolean or string ``y`` is labels (rows of a 2-D ``y`` are one class each);
        False: ``y`` is numeric whatever its dtype.
    scaling : {"quantile", "standard"} or None, default="quantile"
        Per-column input map fitted on the training split. ``"quantile"``: map each
        column through its empirical distribution function to standard-normal scores
        (scikit-learn's ``QuantileTransformer``, at most 1000 quantiles); robust to
        heavy tails, and it makes the estimate invariant to monotone maps of the columns
        in practice, not only in theory (with ``"standard"``, ``y -> y**3`` on
        Gaussian data costs a small critic a third of the MI for the same training
        budget). ``"standard"``: centre and scale to unit variance, the usual choice in
        the literature. Both are invertible maps of continuous columns, so they leave
        I(X; y) unchanged.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Torch device; ``"auto"`` picks CUDA when available. ``"cuda:1"`` and the like
        work too.
    dtype : {"float32", "float64"}, default="float32"
    n_jobs : int or None, default=None
        torch CPU threads for this ``fit`` (and for ``score``); torch's own setting is
        restored afterwards. None: one thread, unless a training step is large (rows
        through the critic times its parameters at least ``2**26``: the ``"joint"``
        critic of two 64-wide layers at ``batch_size=128``, two 256-wide layers of the
        ``"separable"`` one at ``batch_size=512``), where torch's current setting
        (``torch.get_num_threads()``) is kept. The default critics are small: a second
        thread bought nothing on idle cores, and beside busy processes torch's waiting
        workers made a fit tens of times slower. A positive int: that many threads (at
        most the CPUs available); -1: all CPUs, -2: all but one. Results are the same bit
        for bit for every value at the default sizes; large steps can differ in the last
        bits (torch splits large reductions between threads). Work on a GPU is not
        affected.
    random_state : int, RandomState instance or None, default=None
        Seeds the train/validation split, the critic's initial weights (through a forked
        torch RNG, leaving torch's global state alone) and the device-side
        ``torch.Generator`` that shuffles batches. Results are reproducible on CPU; CUDA
        kernels may add floating-point nondeterminism."""

_SHARED_ATTRIBUTES = """\
    mi_ : float
        The bound on the held-out split with the critic of the best epoch, nats (the
        highest validation value; choosing the best of several epochs on the same rows
        can add a small upward bias). NaN only when no epoch, including the untrained
        critic, gave a finite value.
    critic_ : torch.nn.Module
        The trained critic (best epoch), on the fitting device.
    training_curve_ : dict of ndarray
        ``"epoch"``, ``"step"`` (optimiser steps so far), ``"train"`` (mean bound over
        the epoch's training batches, before each step) and ``"validation"`` (bound on
        the held-out split after the epoch). Epoch 0 is the untrained critic (its
        ``"train"`` entry is NaN).
    best_epoch_ : int
        Epoch whose critic is kept (0: the untrained critic).
    n_epochs_, n_steps_ : int
        Epochs and optimiser steps run.
    stopped_early_ : bool
        Whether ``patience`` stopped training.
    diverged_ : bool
        Whether training stopped because it diverged: a NaN or infinite loss or bound,
        a held-out bound below -10 nats (a constant critic attains 0; a critic blown up
        by a far too large ``lr`` scores held-out data at -1e7 nats and below), or, for
        SMILE (with a ``clip``), a held-out critic that scores more than half of
        the shuffled pairs at or above ``max(clip, 1)`` or more than half of the joint
        pairs at or below ``-max(clip, 1)``, which no log density ratio does (Markov's
        inequality allows at most 37%; see :class:`SMILE`). A
        :class:`TrainingDivergedWarning` is issued; ``mi_`` and ``critic_`` are those of
        the best epoch before it (the diverged epoch's value stays in
        ``training_curve_``).
    device_ : str
        Device the critic was trained on.
    classes_ : ndarray or None
        The class labels that the one-hot columns stand for (None for numeric ``y``).
    saturated_ : bool
        Whether the bound is pinned at a ceiling of its own: for InfoNCE, within 10%
        of log(batch size) (a :class:`~skmi.SaturationWarning` says so); False for
        the other bounds, which have none.
    n_features_in_ : int"""


def _document(cls):
    cls.__doc__ = (cls.__doc__ or "").replace("%(parameters)s", _SHARED_PARAMETERS)
    cls.__doc__ = cls.__doc__.replace("%(attributes)s", _SHARED_ATTRIBUTES)
    return cls


def _label_rows(y, n: int) -> np.ndarray:
    """Labels as a 1-D array, or one row per sample for a 2-D ``y``."""
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    return labels.reshape(n, -1) if labels.ndim > 1 else labels


def _one_hot(codes: np.ndarray, n_classes: int) -> np.ndarray:
    out = np.zeros((codes.size, n_classes))
    out[np.arange(codes.size), codes] = 1.0
    return out


def _step_work(critic, batch: int, device) -> float | None:
    """Multiply-adds of one critic evaluation on ``batch`` rows (None off the CPU).

    Rows through the network times its parameters: ``batch`` rows for a separable or
    user critic, ``batch**2`` pairs for :class:`~skmi.neural.critics.JointCritic`.
    Sizes the thread count of ``n_jobs=None`` (:func:`skmi._torch.torch_threads`).
    """
    if device.type != "cpu":
        return None
    from .critics import JointCritic

    rows = batch * batch if isinstance(critic, JointCritic) else batch
    return float(rows * sum(p.numel() for p in critic.parameters()))


def _module_to_cpu(module):
    """A copy of ``module`` whose parameters and buffers live on the CPU.

    The copy is built by :func:`copy.deepcopy` with every tensor pre-seeded in the memo
    by its CPU version, so a CUDA module is never duplicated on the GPU. On the CPU the
    copy shares storage with ``module`` (no data is copied).
    """
    torch = require_torch()
    memo: dict[int, Any] = {}
    for p in module.parameters():
        memo[id(p)] = torch.nn.Parameter(p.detach().cpu(), requires_grad=p.requires_grad)
    for b in module.buffers():
        memo[id(b)] = b.detach().cpu()
    return copy.deepcopy(module, memo)


class _NeuralMIEstimator(MutualInfoEstimator):
    """Shared parameters, training and evaluation of the variational estimators."""

    estimate_kind: ClassVar[str] = LOWER

    _parameter_constraints: ClassVar[dict] = {
        "critic": [StrOptions(set(_BUILTIN_CRITICS)), callable],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"relu", "tanh", "elu", "softplus", "gelu"})],
        "critic_params": [dict, None],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "max_steps": [Interval(Integral, 1, None, closed="left"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "discrete_y": [StrOptions({"auto"}), "boolean"],
        "scaling": [StrOptions({"standard", "quantile"}), None],
        "device": "no_validation",  # checked by resolve_device (str or torch.device)
        "dtype": [StrOptions(set(_DTYPES))],
        "n_jobs": [Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        critic="separable",
        hidden_layer_sizes=(64, 64),
        embedding_dim=32,
        activation="relu",
        critic_params=None,
        batch_size=128,
        lr=1e-3,
        max_epochs=100,
        max_steps=None,
        validation_fraction=0.2,
        patience=10,
        tol=1e-4,
        discrete_y="auto",
        scaling="quantile",
        device="auto",
        dtype="float32",
        n_jobs=None,
        random_state=None,
    ):
        self.critic = critic
        self.hidden_layer_sizes = hidden_layer_sizes
        self.embedding_dim = embedding_dim
        self.activation = activation
        self.critic_params = critic_params
        self.batch_size = batch_size
        self.lr = lr
        self.max_epochs = max_epochs
        self.max_steps = max_steps
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.discrete_y = discrete_y
        self.scaling = scaling
        self.device = device
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ parameters
    def set_params(self, **params):
        """Set parameters; ``critic__name=value`` goes into ``critic_params``.

        Returns
        -------
        self : estimator
        """
        dunder = {k[len(_CRITIC_PREFIX):]: params.pop(k)
                  for k in list(params) if k.startswith(_CRITIC_PREFIX)}
        if dunder:
            base = params.pop("critic_params", self.critic_params)
            params["critic_params"] = {**(base or {}), **dunder}
        return super().set_params(**params)

    # ------------------------------------------------------------------ hooks
    def _objective(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _validate(self, X, y, reset):
        data = check_xy(
            self, X, y, reset=reset, discrete_x=False,
            discrete_y=self.discrete_y if reset else self.classes_ is not None,
            min_samples=4 if reset else 2,
            why="two to train the critic and two to validate it" if reset
            else "a joint pair and a shuffled pair",
        )
        if reset:
            return data
        if self.classes_ is not None:
            Y = _one_hot(_encode(_label_rows(y, data.n_samples), self.classes_),
                         len(self.classes_))
            return Data(data.X, Y, False, False)
        if data.y.shape[1] != self._n_features_y:
            raise ValueError(
                f"y has {data.y.shape[1]} features, but {type(self).__name__} was fitted "
                f"with {self._n_features_y}."
            )
        return data

    def _labels_to_columns(self, y, data):
        """One-hot columns for class labels (``classes_`` set), else ``data.y``."""
        if not data.discrete_y:
            self.classes_ = None
            return data.y
        labels = _label_rows(y, data.n_samples)
        self.classes_ = labels[np.unique(data.y_codes, return_index=True)[1]]
        return _one_hot(data.y_codes, len(self.classes_))

    def _build_critic(self, x_dim: int, y_dim: int):
        torch = require_torch()
        from . import critics

        params = dict(self.critic_params or {})
        spec = self.critic
        if isinstance(spec, str):
            if params:
                raise ValueError(
                    f"critic_params {sorted(params)} apply to a user critic class; the "
                    f"built-in critic={spec!r} is sized by hidden_layer_sizes, "
                    "embedding_dim and activation."
                )
            if spec == "joint":
                return critics.JointCritic(x_dim, y_dim, self.hidden_layer_sizes,
                                           self.activation)
            return critics.SeparableCritic(x_dim, y_dim, self.hidden_layer_sizes,
                                           self.embedding_dim, self.activation)
        if isinstance(spec, torch.nn.Module):
            if params:
                raise ValueError("critic_params cannot be applied to a critic instance; "
                                 "pass its class instead.")
            return copy.deepcopy(spec)
        try:
            signature = inspect.signature(spec)
        except (TypeError, ValueError):
            signature = None
        if signature is not None:
            accepts = signature.parameters
            var_kw = any(p.kind is p.VAR_KEYWORD for p in accepts.values())
            for name, value in (("x_dim", x_dim), ("y_dim", y_dim)):
                if name not in params and (name in accepts or var_kw):
                    params[name] = value
        module = spec(**params)
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                f"critic must build a torch.nn.Module, got {type(module).__name__}."
            )
        return module

    # ------------------------------------------------------------------ fit / score
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the critic on a training split and bound I(X; y) on the held-out rest.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)
            Numeric features; class labels in ``y`` are one-hot encoded (see
            ``discrete_y``).

        Returns
        -------
        self : object
            The fitted estimator; ``mi_`` holds the held-out bound (nats).
        """
        torch = require_torch()
        from . import _training

        data = self._validate(X, y, reset=True)
        Xa, Ya = data.X, self._labels_to_columns(y, data)
        n = Xa.shape[0]
        device = resolve_device(self.device)
        dtype = getattr(torch, self.dtype)
        rng = check_random_state(self.random_state)
        perm = rng.permutation(n)
        init_seed, train_seed, score_seed = (int(s) for s in
                                             rng.randint(0, _SEED_MAX, size=3))
        n_val = min(max(2, math.ceil(self.validation_fraction * n)), n - 2)
        val_idx, train_idx = perm[:n_val], perm[n_val:]

        self._n_features_y = Ya.shape[1]
        self._x_scaler = self._fit_scaler(Xa[train_idx])
        self._y_scaler = None if data.discrete_y else self._fit_scaler(Ya[train_idx])

        def to_device(a, scaler):
            a = a if scaler is None else scaler.transform(a)
            return torch.as_tensor(np.ascontiguousarray(a), dtype=dtype).to(device)

        # Built first (its own seeded RNG: the order changes nothing) to size the step
        # for n_jobs=None; initialising weights runs no multithreaded torch kernel.
        with torch.random.fork_rng(devices=[]):
            torch.random.default_generator.manual_seed(init_seed)
            critic = self._build_critic(Xa.shape[1], Ya.shape[1])
        work = _step_work(critic, min(self.batch_size, n - n_val), device)
        with torch_threads(self.n_jobs, work, _FEATURE):
            X_train = to_device(Xa[train_idx], self._x_scaler)
            y_train = to_device(Ya[train_idx], self._y_scaler)
            X_val = to_device(Xa[val_idx], self._x_scaler)
            y_val = to_device(Ya[val_idx], self._y_scaler)
            critic = critic.to(device=device, dtype=dtype)
            critic.train()
            generator = torch.Generator(device=device)
            generator.manual_seed(train_seed)

            result = _training.train_critic(
                critic, self._objective(), X_train, y_train, X_val, y_val,
                batch_size=self.batch_size, lr=self.lr, max_epochs=self.max_epochs,
                max_steps=self.max_steps, patience=self.patience, tol=self.tol,
                generator=generator,
            )
            if result.best_state is not None:
                critic.load_state_dict(result.best_state)
            critic.eval()
        self.critic_ = critic
        self.mi_ = float(result.best_value)
        self.training_curve_ = result.curve
        self.best_epoch_ = result.best_epoch
        self.n_epochs_ = result.n_epochs
        self.n_steps_ = result.n_steps
        self.stopped_early_ = result.stopped_early
        self.diverged_ = result.diverged
        self.device_ = str(device)
        self._fit_dtype = self.dtype
        self._score_seed = score_seed
        message = self._ceiling_message(min(self.batch_size, n_val))
        self._saturation_message = message
        self.saturated_ = message is not None
        if message is not None:
            warn_user(f"{type(self).__name__}: {message}", SaturationWarning)
        if result.diverged:
            kept = (f"the critic of epoch {result.best_epoch} is kept and its validation "
                    f"bound, {result.best_value:.4g} nats, is mi_"
                    if result.best_state is not None
                    else "no epoch had a finite validation bound, so mi_ is NaN")
            warnings.warn(
                f"{type(self).__name__}: training diverged at epoch {result.n_epochs} "
                f"({result.divergence_reason}); {kept}. Lower lr (now {self.lr})"
                + ("" if type(self).__name__ in ("SMILE", "InfoNCE") else
                   " or use a bound with lower variance (SMILE, InfoNCE)") + ".",
                TrainingDivergedWarning,
                stacklevel=2,
            )
        return self

    def _ceiling_message(self, batch: int) -> str | None:
        """Why ``mi_`` is pinned at a ceiling of the bound itself, or None."""
        return None

    def _fit_scaler(self, A: np.ndarray):
        if self.scaling is None:
            return None
        if self.scaling == "standard":
            return StandardScaler().fit(A)
        return QuantileTransformer(
            n_quantiles=min(1000, A.shape[0]), output_distribution="normal",
            subsample=None,
        ).fit(A)

    def score(self, X, y) -> float:
        """The trained critic's bound on ``(X, y)``, nats.

        The rows are shuffled (with a seed fixed at ``fit``) and cut into batches of
        ``batch_size`` rows (fewer if there are fewer rows; the last batch wraps around
        to the first rows), and the batch bounds are averaged. Runs on ``device``: an
        estimator fitted on a GPU and unpickled on a CPU-only machine scores there with
        ``device="auto"`` or ``"cpu"``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)

        Returns
        -------
        mi : float
        """
        check_is_fitted(self)
        torch = require_torch()
        from . import _training

        data = self._validate(X, y, reset=False)
        device = resolve_device(self.device)
        dtype = getattr(torch, self._fit_dtype)
        X, y = data.X, data.y
        if self._x_scaler is not None:
            X = self._x_scaler.transform(X)
        if self._y_scaler is not None:
            y = self._y_scaler.transform(y)
        n = X.shape[0]
        chunk = min(self.batch_size, n)
        with torch_threads(self.n_jobs, _step_work(self.critic_, chunk, device), _FEATURE):
            critic = self.critic_.to(device)
            Xt = torch.as_tensor(X, dtype=dtype).to(device)
            yt = torch.as_tensor(y, dtype=dtype).to(device)
            generator = torch.Generator(device=device)
            generator.manual_seed(self._score_seed)
            order = _training.chunk_order(n, chunk, generator, device)
            critic.eval()
            value = _training.chunked_bound(critic, self._objective().value, Xt, yt,
                                            order)
            return float(value)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        """Pickle with every torch module moved to the CPU.

        A model fitted on a GPU then loads on a machine without one; ``score`` moves
        the critic to ``device`` again when it runs.
        """
        state = dict(super().__getstate__())
        for key in ("critic_", "critic"):
            value = state.get(key)
            if value is not None and not isinstance(value, (str, type)) and hasattr(
                value, "parameters"
            ):
                state[key] = _module_to_cpu(value)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags




@_document
class MINE(_NeuralMIEstimator):
    """Mutual Information Neural Estimation (Donsker-Varadhan bound).

    Maximises ``E_p[f] - log E_q[e^f]`` over a critic ``f`` (``p`` the joint
    distribution, ``q`` the product of marginals). The sample log-partition term makes
    plain gradients biased, so training uses Belghazi et al.'s correction: the
    denominator of the gradient is a moving average of ``E_q[e^f]`` over past batches
    (:func:`~skmi.neural.bounds.mine_surrogate`). The reported value is the DV bound on
    held-out data.

    ``estimate_kind = "lower"``: for any critic the population value is a lower bound
    on I(X; y). The sample value is only approximately one (the log of a sample mean is
    biased upwards by about ``Var / (2 m)`` over the ``m`` shuffled pairs), and its
    variance grows like ``e^I``, so MINE is reliable at moderate MI only.

    Parameters
    ----------
%(parameters)s
    ema_rate : float, default=0.01
        Weight of the newest batch in the moving average of ``E_q[e^f]`` (the paper's
        ``alpha``; 1 turns the correction off).

    Attributes
    ----------
%(attributes)s

    See Also
    --------
    NWJ, SMILE, InfoNCE : the other variational bounds, same training loop.

    References
    ----------
    M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import MINE
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 1))
    >>> y = 0.8 * x + 0.6 * rng.standard_normal((2000, 1))   # I = -log(0.36) / 2 = 0.51
    >>> est = MINE(hidden_layer_sizes=(32,), max_epochs=20, random_state=0).fit(x, y)
    >>> 0.35 < est.mi_ < 0.6
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **_NeuralMIEstimator._parameter_constraints,
        "ema_rate": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(
        self,
        *,
        critic="separable",
        hidden_layer_sizes=(64, 64),
        embedding_dim=32,
        activation="relu",
        critic_params=None,
        batch_size=128,
        lr=1e-3,
        max_epochs=100,
        max_steps=None,
        validation_fraction=0.2,
        patience=10,
        tol=1e-4,
        discrete_y="auto",
        scaling="quantile",
        device="auto",
        dtype="float32",
        n_jobs=None,
        random_state=None,
        ema_rate=0.01,
    ):
        super().__init__(
            critic=critic, hidden_layer_sizes=hidden_layer_sizes,
            embedding_dim=embedding_dim, activation=activation,
            critic_params=critic_params, batch_size=batch_size, lr=lr,
            max_epochs=max_epochs, max_steps=max_steps,
            validation_fraction=validation_fraction, patience=patience, tol=tol,
            discrete_y=discrete_y, scaling=scaling, device=device, dtype=dtype,
            n_jobs=n_jobs, random_state=random_state,
        )
        self.ema_rate = ema_rate

    def _objective(self):
        from ._training import MineObjective

        return MineObjective(self.ema_rate)


@_document
class NWJ(_NeuralMIEstimator):
    """Nguyen-Wainwright-Jordan bound ("MINE-f", the f-divergence form).

    Maximises ``E_p[f] - E_q[e^(f - 1)]``. Unlike the Donsker-Varadhan bound there is
    no logarithm of a sample mean: the sample value is an unbiased estimate of a lower
    bound, ``estimate_kind = "lower"``. Its variance grows like ``e^I`` (Song & Ermon
    2020), so use it at moderate MI; SMILE or InfoNCE are steadier above a few nats.

    Parameters
    ----------
%(parameters)s

    Attributes
    ----------
%(attributes)s

    References
    ----------
    X. Nguyen, M. J. Wainwright, M. I. Jordan, "Estimating divergence functionals and
    the likelihood ratio by convex risk minimization", IEEE Trans. Inf. Theory 2010.
    M. I. Belghazi et al., "Mutual information neural estimation", ICML 2018 (MINE-f).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import NWJ
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 1))
    >>> y = 0.8 * x + 0.6 * rng.standard_normal((2000, 1))   # I = 0.51
    >>> est = NWJ(hidden_layer_sizes=(32,), max_epochs=20, random_state=0).fit(x, y)
    >>> 0.35 < est.mi_ < 0.6
    True
    """

    def _objective(self):
        from . import bounds
        from ._training import BoundObjective

        return BoundObjective(bounds.nwj_bound)


@_document
class InfoNCE(_NeuralMIEstimator):
    """InfoNCE (contrastive predictive coding) bound, capped at ``log(batch_size)``.

    Maximises ``mean_i [f(x_i, y_i) - log sum_j e^f(x_i, y_j)] + log K`` over batches
    of ``K = batch_size`` rows: a ``K``-way classification of the true pair among the
    ``K`` candidates. Low variance, ``estimate_kind = "lower"``, but **the value can
    never exceed log K nats** (``log 128 = 4.85`` by default), however large the true
    MI: raise ``batch_size`` when the estimate approaches that ceiling. The held-out
    value is computed in batches of the same ``K`` so it obeys the same cap.

    Parameters
    ----------
%(parameters)s

    Attributes
    ----------
%(attributes)s

    References
    ----------
    A. van den Oord, Y. Li, O. Vinyals, "Representation learning with contrastive
    predictive coding", arXiv:1807.03748, 2018.
    B. Poole et al., "On variational bounds of mutual information", ICML 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import InfoNCE
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((500, 1))
    >>> y = x + 0.01 * rng.standard_normal((500, 1))   # I = 4.6 nats, far above log 16
    >>> est = InfoNCE(batch_size=16, hidden_layer_sizes=(16,), max_epochs=5,
    ...               random_state=0).fit(x, y)
    >>> bool(est.mi_ <= np.log(16))
    True
    """

    def _objective(self):
        from . import bounds
        from ._training import BoundObjective

        return BoundObjective(bounds.infonce_bound)

    def _ceiling_message(self, batch: int) -> str | None:
        cap = math.log(batch)
        if not self.mi_ >= 0.9 * cap:
            return None
        return (f"the held-out bound {self.mi_:.4g} nats is within 10% of its ceiling "
                f"log(batch size) = log({batch}) = {cap:.4g} nats: the true MI may be "
                "much larger. Raise batch_size (and the number of held-out rows), or "
                "use SMILE or a k-NN estimator.")


@_document
class SMILE(_NeuralMIEstimator):
    """SMILE: smoothed mutual information "lower bound" estimator (Song & Ermon 2020).

    The critic is trained on the Jensen-Shannon objective (stable; its optimum is the
    log density ratio) and the reported value is the Donsker-Varadhan form with the
    density ratio clipped to ``[e^-clip, e^clip]`` in the partition term:
    ``E_p[f] - log E_q[e^clip(f, -clip, clip)]``. Clipping bounds the variance that makes
    MINE and NWJ unusable at high MI.

    ``estimate_kind = "lower"`` names the family, but SMILE is **biased**: with clipping
    the value is not guaranteed to be a lower bound and can overshoot the truth (less
    so for larger ``clip``; ``clip=None`` recovers the DV bound with JS training).

    The joint term is not clipped, so a critic wrecked by a far too large ``lr`` (huge
    scores for every pair) would report an absurdly large finite value: hundreds to
    billions of nats. Such an epoch counts as diverged (``diverged_``, a
    :class:`TrainingDivergedWarning`, ``mi_`` from the best epoch before it). The
    criterion needs no guess about the true MI: the JS critic converges to the log
    density ratio ``log r``, and by Markov's inequality (``E_q[r] = 1``,
    ``E_p[1/r] <= 1``) at most ``e^-t`` of the shuffled pairs can have ``log r >= t``
    and at most ``e^-t`` of the joint pairs ``log r <= -t``. With
    ``t = max(clip, 1)`` that is at most 37%; an epoch whose held-out critic puts more
    than half of either kind of pair beyond ``t`` on the wrong side is rejected.
    Without a clip the value is the shift-invariant DV bound and only NaN or infinite
    values count.

    Parameters
    ----------
%(parameters)s
    clip : float or None, default=5.0
        Clip ``f`` to ``[-clip, clip]`` in the partition term (``tau`` in the paper).
        Not to be confused with other skmi estimators' boolean ``clip`` (truncating
        negative estimates at 0): SMILE returns negative values as computed.

    Attributes
    ----------
%(attributes)s

    References
    ----------
    J. Song, S. Ermon, "Understanding the limitations of variational mutual
    information estimators", ICLR 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import SMILE
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 1))
    >>> y = 0.8 * x + 0.6 * rng.standard_normal((2000, 1))   # I = 0.51
    >>> est = SMILE(hidden_layer_sizes=(32,), max_epochs=20, random_state=0).fit(x, y)
    >>> 0.35 < est.mi_ < 0.6
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **_NeuralMIEstimator._parameter_constraints,
        "clip": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        *,
        critic="separable",
        hidden_layer_sizes=(64, 64),
        embedding_dim=32,
        activation="relu",
        critic_params=None,
        batch_size=128,
        lr=1e-3,
        max_epochs=100,
        max_steps=None,
        validation_fraction=0.2,
        patience=10,
        tol=1e-4,
        discrete_y="auto",
        scaling="quantile",
        device="auto",
        dtype="float32",
        n_jobs=None,
        random_state=None,
        clip=5.0,
    ):
        super().__init__(
            critic=critic, hidden_layer_sizes=hidden_layer_sizes,
            embedding_dim=embedding_dim, activation=activation,
            critic_params=critic_params, batch_size=batch_size, lr=lr,
            max_epochs=max_epochs, max_steps=max_steps,
            validation_fraction=validation_fraction, patience=patience, tol=tol,
            discrete_y=discrete_y, scaling=scaling, device=device, dtype=dtype,
            n_jobs=n_jobs, random_state=random_state,
        )
        self.clip = clip

    def _objective(self):
        from ._training import SmileObjective

        return SmileObjective(None if self.clip is None else float(self.clip))
