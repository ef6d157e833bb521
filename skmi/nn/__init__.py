"""Neural-network layers as data: activation extraction and the information plane.

:class:`LayerActivationExtractor` turns any ``torch.nn.Module`` into a scikit-learn
transformer that returns the activations of named layers; :class:`InformationPlane`
records I(X; T) and I(T; Y) of those layers during training; :func:`train_and_record`
trains a small network and records the plane at log-spaced epochs; :func:`make_mlp`
builds the network; :func:`information_vs_scale` sweeps the bin count or noise level of
one layer's activations and flags where the estimates saturate. :mod:`skmi.nn.callbacks`
records the plane from skorch and PyTorch Lightning (:class:`SkorchInformationPlane`,
:class:`LightningInformationPlane`); :func:`training_split` and :class:`EpochSampler`
give the rows and batch order of :func:`train_and_record`, to reproduce it in any loop.

Importing this package does not import torch: names resolve on first use and torch is
imported when a model is used. Without torch, that raises an :class:`ImportError` that
says to ``pip install skmi[torch]`` (``skmi[skorch]``, ``skmi[lightning]`` for the
callbacks).
"""

from __future__ import annotations

from .._lazy import attach

# public name -> submodule that defines it (imported on first access)
_LAZY = {
    "LayerActivationExtractor": "extractor",
    "layer_names": "extractor",
    "InformationPlane": "plane",
    "DeterministicLayerWarning": "plane",
    "describe_estimator": "plane",
    "make_mlp": "training",
    "hidden_layers": "training",
    "train_and_record": "training",
    "TrainingResult": "training",
    "log_spaced_epochs": "training",
    "training_split": "training",
    "TrainingSplit": "training",
    "EpochSampler": "training",
    "information_vs_scale": "scale",
    "layer_information": "layers",
    "SkorchInformationPlane": "callbacks",
    "LightningInformationPlane": "callbacks",
}
_SUBMODULES = {"extractor", "plane", "training", "layers", "scale", "callbacks"}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY, _SUBMODULES)
