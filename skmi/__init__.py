"""skmi: scikit-learn-compatible mutual information estimation.

Every estimator returns nats. ``import skmi`` is cheap: submodules (and scikit-learn,
Numba, and optionally torch and matplotlib) are imported on first use of a name.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> submodule that defines it
_LAZY = {
    "MutualInfoEstimator": "base",
    "EntropyEstimator": "base",
    "KSG": "knn",
    "MixedKSG": "knn",
    "KLEntropy": "knn",
    "BinningMI": "binning",
    "DiscreteMI": "binning",
    "PluginEntropy": "binning",
    "KDEMI": "kde",
    "SamplePropagationMI": "kde",
    "MixtureEntropy": "kde",
    "GaussianMI": "gaussian",
    "GaussianCopulaMI": "gaussian",
    "mutual_info": "metrics",
    "mutual_info_columns": "metrics",
    "conditional_mutual_info": "metrics",
    "entropy": "metrics",
    "to_bits": "metrics",
    "MINE": "neural",
    "NWJ": "neural",
    "InfoNCE": "neural",
    "SMILE": "neural",
    "LayerActivationExtractor": "nn",
    "InformationPlane": "nn",
    "layer_names": "nn",
}
_SUBMODULES = {"base", "knn", "metrics", "datasets", "cli", "binning", "kde",
               "gaussian", "neural", "nn", "plotting"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'skmi' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
