"""LayerActivationExtractor: the activations of named layers of a torch model.

The model is never modified: ``fit`` works on a deep copy in ``eval()`` mode, the
forward passes run under ``torch.inference_mode()``, and the forward hooks (which return
``None``, so they never replace a layer's output) are removed in a ``finally`` block.
Forward hooks and pre-hooks that the user's code registered on the model are dropped
from the copy (a deep copy keeps them, and they would run, with their side effects, at
every extraction); torch's own hooks, which are part of what a module computes (pruning
masks, weight and spectral normalisation, quantization observers), are kept.
Layers are named by the dotted paths ``model.named_modules()`` yields (see
:func:`layer_names`), as in torchvision's feature extraction.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from .._torch import torch_threads
from ._torch import _FEATURE, require_torch, resolve_device

__all__ = ["LayerActivationExtractor", "layer_names"]


def _check_module(model) -> Any:
    torch = require_torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            "model must be a torch.nn.Module instance, got "
            f"{type(model).__module__}.{type(model).__name__}."
        )
    return torch


def layer_names(model) -> list[str]:
    """The layer names a :class:`LayerActivationExtractor` accepts for ``model``.

    These are the dotted module paths of ``model.named_modules()`` (the model itself,
    the empty name, excluded), in definition order.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    names : list of str

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module``.
    """
    _check_module(model)
    return [name for name, _ in model.named_modules() if name]


def _resolve_layers(layers) -> tuple[list[str], list[str]]:
    """(module names, output keys) from a name, a list of names, or {name: key}."""
    if isinstance(layers, str):
        return [layers], [layers]
    if isinstance(layers, Mapping):
        names = list(layers)
        keys = [str(layers[name]) for name in names]
    elif isinstance(layers, Sequence):
        names = list(layers)
        keys = [str(name) for name in names]
    else:
        raise TypeError(
            "layers must be a module name, a list of names or a {name: key} dict, got "
            f"{type(layers).__name__}."
        )
    if not names:
        raise ValueError("layers must name at least one layer.")
    if not all(isinstance(name, str) for name in names):
        raise TypeError(f"layer names must be strings, got {names!r}.")
    if len(set(names)) != len(names) or len(set(keys)) != len(keys):
        raise ValueError(f"layers contains repeated names or keys: {layers!r}.")
    return names, keys


_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks")
_HOOK_SIDE_DICTS = ("_forward_hooks_with_kwargs", "_forward_hooks_always_called",
                    "_forward_pre_hooks_with_kwargs")


def _defined_in_torch(hook) -> bool:
    """Whether a hook is torch's own (a function or callable object from ``torch.*``)."""
    import functools

    while isinstance(hook, functools.partial):
        hook = hook.func
    func = getattr(hook, "__func__", hook)  # a bound method: its function
    module = getattr(func, "__module__", None) if callable(func) else None
    if module is None or not hasattr(func, "__code__"):
        module = type(func).__module__  # a callable object: its class
    return module == "torch" or str(module).startswith("torch.")


def _drop_user_hooks(model) -> None:
    """Remove the forward hooks and pre-hooks not defined by torch, on every submodule.

    ``copy.deepcopy`` copies a module's hook dictionaries, and a copied hook is the same
    function (closures included): a hook that appends to a list of the caller's would
    run on every extraction. torch's own hooks (pruning, weight and spectral norm,
    quantization observers) are part of what the module computes and stay.
    """
    for module in model.modules():
        for attr in _HOOK_DICTS:
            hooks = getattr(module, attr, None)
            if not hooks:
                continue
            for key in [k for k, hook in hooks.items() if not _defined_in_torch(hook)]:
                del hooks[key]
                for side in _HOOK_SIDE_DICTS:
                    extra = getattr(module, side, None)
                    if extra is not None:
                        extra.pop(key, None)


def _select(output, selector, name: str):
    """The tensor to record from a layer's output, with an explicit selector."""
    torch = require_torch()
    if selector is None:
        if isinstance(output, torch.Tensor):
            return output
        raise TypeError(
            f"layer {name!r} returned a {type(output).__name__}, not a tensor; pass "
            "select=<int index>, <str key> or a callable (or a {layer: selector} dict) "
            "to say which part to record."
        )
    if callable(selector):
        out = selector(output)
    elif isinstance(selector, str):
        out = output[selector] if isinstance(output, Mapping) else getattr(output, selector)
    else:
        out = output[selector]
    if not isinstance(out, torch.Tensor):
        raise TypeError(
            f"select={selector!r} on layer {name!r} gave a {type(out).__name__}, not a "
            "tensor."
        )
    return out


class LayerActivationExtractor(TransformerMixin, BaseEstimator):
    """Activations of named layers of a torch model, as a scikit-learn transformer.

    ``transform(X)`` runs the rows of ``X`` through (a copy of) ``model`` and returns
    the output of the requested layers as a 2-D NumPy array, one row per sample (several
    layers side by side, in order); ``transform_layers(X)`` returns ``{key: array}`` for
    all requested layers from the same forward passes.

    Parameters
    ----------
    model : torch.nn.Module
        The network. It is never modified: ``fit`` stores a deep copy in ``model_``.
        Forward hooks and pre-hooks your code registered on it are not copied over, so
        extraction has no side effects (a hook that appends to a list of yours does
        not run); a hook that changes a layer's output is therefore not applied either,
        so fold such a change into the module. torch's own hooks (pruning, weight and
        spectral norm, quantization observers) are kept. Global hooks
        (``torch.nn.modules.module.register_module_forward_hook``) still run.
    layers : str, list of str or dict {str: str}
        Dotted module names (see :func:`layer_names`), e.g. ``"hidden.2"``; a dict maps
        names to the keys used by ``transform_layers`` and the feature names.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where the forward passes run; ``"auto"``: CUDA when available.
    batch_size : int, default=512
        Rows per forward pass.
    flatten : bool, default=True
        Flatten each sample's activation (a conv map ``(C, H, W)``) to one row. With
        False, ``transform_layers`` keeps the layer's shape and ``transform`` accepts only
        layers whose output is already 2-D.
    input_shape : tuple of int or None, default=None
        Shape of one sample as the model expects it (e.g. ``(1, 8, 8)``); rows of ``X``
        are reshaped to it before the forward pass. None: rows as given.
    select : None, int, str, callable or dict, default=None
        How to pick a tensor from a layer whose output is a tuple, list, dict or other
        object (RNNs, transformers): an index, a key (or attribute), or a callable
        ``output -> tensor``; a dict gives one selector per layer name. None: the
        output must be a tensor (otherwise a TypeError says so; nothing is guessed).
    noise_std : float, default=0.0
        Standard deviation of Gaussian noise added to every activation (the noisy
        network view of Goldfeld et al. 2019, which makes I(X; T) finite).
    random_state : int, RandomState instance or None, default=None
        Seed of the noise. With an int, every ``transform`` call adds the same noise.
    n_jobs : int or None, default=None
        torch CPU threads for the forward passes, set for each ``transform`` and
        restored afterwards (:func:`skmi._torch.torch_threads`). None: one thread for a
        small model (``batch_size`` times its parameters below ``2**26``), torch's own
        setting otherwise; -1: all CPUs. Set it for a convolutional model, whose work
        per parameter is large. No effect on a GPU.

    Attributes
    ----------
    model_ : torch.nn.Module
        The copy of ``model`` used, in ``eval()`` mode, on ``device_``.
    device_ : torch.device
    layer_names_ : list of str
    layer_keys_ : list of str
    layer_shapes_ : dict {key: tuple}
        Shape of one sample's activation in each layer.
    n_features_in_ : int
    n_features_out_ : int

    References
    ----------
    Z. Goldfeld et al., "Estimating information flow in deep neural networks",
    ICML 2019.

    Notes
    -----
    Output columns are named ``"{key}__{i}"`` (layer key, two underscores, index of the
    unit in the flattened activation), e.g. ``fc1__17``; see
    :meth:`get_feature_names_out`. ``set_output(transform="pandas")`` (or
    ``"polars"``, where scikit-learn and polars support it) makes ``transform`` and
    ``fit_transform`` return a DataFrame with these columns, indexed like ``X`` when
    ``X`` is a pandas DataFrame, also inside a :class:`~sklearn.pipeline.Pipeline`.
    ``transform_layers`` returns its dict of arrays whatever ``set_output`` says.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skmi.nn import LayerActivationExtractor, make_mlp
    >>> _ = torch.manual_seed(0)
    >>> model = make_mlp([4, 3, 2], activation="tanh")   # fc1, act1, out
    >>> X = np.random.default_rng(0).standard_normal((20, 4))
    >>> ext = LayerActivationExtractor(model, layers=["fc1", "out"]).fit(X)
    >>> ext.transform(X).shape
    (20, 5)
    >>> ext.get_feature_names_out().tolist()
    ['fc1__0', 'fc1__1', 'fc1__2', 'out__0', 'out__1']
    >>> {key: a.shape for key, a in ext.transform_layers(X).items()}
    {'fc1': (20, 3), 'out': (20, 2)}

    With ``ext.set_output(transform="pandas")`` (pandas installed), ``ext.transform(X)``
    is a DataFrame whose columns are these names.
    """

    _parameter_constraints: dict = {
        "model": "no_validation",
        "layers": [str, list, tuple, dict, None],
        "device": "no_validation",
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "flatten": ["boolean"],
        "input_shape": [tuple, list, None],
        "select": "no_validation",
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        model=None,
        layers=None,
        *,
        device="auto",
        batch_size=512,
        flatten=True,
        input_shape=None,
        select=None,
        noise_std=0.0,
        random_state=None,
        n_jobs=None,
    ):
        self.model = model
        self.layers = layers
        self.device = device
        self.batch_size = batch_size
        self.flatten = flatten
        self.input_shape = input_shape
        self.select = select
        self.noise_std = noise_std
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Copy the model, check the layer names and record the layers' shapes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        torch = _check_module(self.model)
        if self.layers is None:
            raise ValueError(
                "layers is required; valid names: " + ", ".join(layer_names(self.model))
            )
        names, keys = _resolve_layers(self.layers)
        valid = layer_names(self.model)
        unknown = [name for name in names if name not in valid]
        if unknown:
            raise ValueError(
                f"unknown layer name(s) {unknown}; valid names are: {', '.join(valid)}."
            )
        X = validate_data(self, X, allow_nd=True, dtype=[np.float64, np.float32])
        self.device_ = resolve_device(self.device)
        model = copy.deepcopy(self.model)
        _drop_user_hooks(model)
        model.eval()
        self.model_ = model.to(self.device_)
        params = list(self.model_.parameters()) + list(self.model_.buffers())
        floats = [p.dtype for p in params if p.is_floating_point()]
        self.dtype_ = floats[0] if floats else torch.float32
        self.layer_names_ = names
        self.layer_keys_ = keys
        shapes = self._forward(X[:1])
        self.layer_shapes_ = {key: tuple(a.shape[1:]) for key, a in shapes.items()}
        self.n_features_out_ = int(
            sum(int(np.prod(s)) for s in self.layer_shapes_.values())
        )
        return self

    # -------------------------------------------------------------- forward pass
    def _selector(self, name):
        if isinstance(self.select, Mapping):
            return self.select.get(name)
        return self.select

    def _forward(self, X) -> dict[str, np.ndarray]:
        """{key: activations} of the requested layers for the rows of ``X``."""
        torch = require_torch()
        modules = dict(self.model_.named_modules())
        captured: dict[str, list] = {name: [] for name in self.layer_names_}

        rows = [0]  # rows of the batch being run

        def make_hook(name):
            selector = self._selector(name)

            def hook(module, inputs, output):
                out = _select(output, selector, name)
                if out.ndim == 0 or out.shape[0] != rows[0]:
                    got = "a scalar" if out.ndim == 0 else f"{out.shape[0]} rows"
                    raise ValueError(
                        f"layer {name!r} gave {got} (output shape {tuple(out.shape)}) "
                        f"for a batch of {rows[0]} samples: its output must have one row "
                        "per input sample along the first dimension to be an activation "
                        "of each sample. Pick a layer that keeps the batch dimension "
                        "(or a select= that does)."
                    )
                captured[name].append(out.detach().to("cpu"))
                # returning None keeps the layer's output unchanged

            return hook

        handles = []
        try:
            for name in self.layer_names_:
                handles.append(modules[name].register_forward_hook(make_hook(name)))
            work = (self.batch_size * sum(p.numel() for p in self.model_.parameters())
                    if self.device_.type == "cpu" else None)
            with torch_threads(self.n_jobs, work, _FEATURE), torch.inference_mode():
                for start in range(0, X.shape[0], self.batch_size):
                    batch = np.asarray(X[start:start + self.batch_size])
                    if not batch.flags.writeable:  # torch warns on read-only memory
                        batch = batch.copy()
                    if self.input_shape is not None:
                        batch = batch.reshape((batch.shape[0], *self.input_shape))
                    xb = torch.as_tensor(batch).to(device=self.device_, dtype=self.dtype_)
                    rows[0] = xb.shape[0]
                    self.model_(xb)
        finally:
            for handle in handles:
                handle.remove()
        out = {}
        for name, key in zip(self.layer_names_, self.layer_keys_):
            if not captured[name]:
                raise RuntimeError(f"layer {name!r} was not called in the forward pass.")
            if len(captured[name]) != -(-X.shape[0] // self.batch_size):
                raise RuntimeError(
                    f"layer {name!r} ran {len(captured[name])} times for "
                    f"{-(-X.shape[0] // self.batch_size)} batches; a module called more "
                    "than once per forward pass is ambiguous."
                )
            a = torch.cat(captured[name]).numpy()
            if self.flatten:
                a = a.reshape(a.shape[0], -1)
            out[key] = a
        return out

    def _add_noise(self, acts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self.noise_std == 0:
            return acts
        rng = check_random_state(self.random_state)
        return {
            key: (a + self.noise_std * rng.standard_normal(a.shape)).astype(a.dtype)
            for key, a in acts.items()
        }

    # ---------------------------------------------------------------- transform
    def transform_layers(self, X) -> dict[str, np.ndarray]:
        """All requested layers from one set of forward passes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)

        Returns
        -------
        activations : dict {key: ndarray of shape (n_samples, ...)}
            In the order of ``layers``; 2-D when ``flatten=True``. Always NumPy arrays:
            ``set_output`` applies to ``transform`` and ``fit_transform`` only.
        """
        check_is_fitted(self)
        X = validate_data(self, X, allow_nd=True, dtype=[np.float64, np.float32],
                          reset=False)
        return self._add_noise(self._forward(X))

    def transform(self, X) -> np.ndarray:
        """Activations of the requested layers, side by side.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)

        Returns
        -------
        T : ndarray of shape (n_samples, n_features_out_)
            In the model's floating dtype (float32 for most models); a DataFrame with
            columns :meth:`get_feature_names_out` after ``set_output(transform="pandas")``.

        Raises
        ------
        ValueError
            With ``flatten=False``, if a layer's activation of one sample is not 1-D
            (use ``transform_layers`` for the native shape).
        """
        acts = self.transform_layers(X)
        arrays = list(acts.values())
        for key, a in acts.items():
            if a.ndim != 2:
                raise ValueError(
                    f"layer {key!r} gives activations of shape {a.shape[1:]} per sample; "
                    "use flatten=True, or transform_layers for the native shape."
                )
        return arrays[0] if len(arrays) == 1 else np.hstack(arrays)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns: ``"{key}__{i}"`` for unit ``i`` of each layer.

        ``key`` is the layer's key (its name, or the value given for it in a ``layers``
        dict) and ``i`` the unit's index in the flattened activation (row-major, so
        channel ``c``, row ``h``, column ``w`` of a ``(C, H, W)`` map is unit
        ``(c * H + h) * W + w``), e.g. ``fc1__17`` or ``conv1__0`` ... ``conv1__{C*H*W-1}``.
        These are the columns of ``transform`` and, with ``set_output(transform="pandas")``,
        of the DataFrame it returns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked, as scikit-learn does: it must match ``feature_names_in_`` when
            ``fit`` saw column names, and have ``n_features_in_`` entries. The output
            does not depend on it.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (`n_features_out_`,)

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            If ``input_features`` does not match the input seen in ``fit``.
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        names = [
            f"{key}__{i}"
            for key, shape in self.layer_shapes_.items()
            for i in range(int(np.prod(shape)))
        ]
        return np.asarray(names, dtype=object)

    # ---------------------------------------------------------------- pickling
    def __getstate__(self):
        state = super().__getstate__()
        model = state.get("model_")
        if model is not None and getattr(self, "device_", None) is not None:
            if self.device_.type != "cpu":  # so a machine without a GPU can load it
                state["model_"] = copy.deepcopy(model).to("cpu")
                state["device_"] = require_torch().device("cpu")
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # the model's dtype, usually float32
        tags.non_deterministic = False
        return tags

