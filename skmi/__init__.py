"""skmi: scikit-learn-compatible mutual information estimation.

Every estimator returns nats. ``import skmi`` is cheap: submodules (and scikit-learn,
Numba, and optionally torch and matplotlib) are imported on first use of a name.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from ._lazy import attach

try:  # one version source: pyproject.toml, through the installed package's metadata
    __version__ = _metadata.version("skmi")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

# public name -> submodule that defines it
_LAZY = {
    "MutualInfoEstimator": "base",
    "SaturationWarning": "exceptions",
    "DeterministicLayerWarning": "exceptions",
    "EntropyEstimator": "base",
    "AutoMI": "auto",
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
    "permutation_test": "stats",
    "confidence_interval": "stats",
    "MIResult": "stats",
    "MINE": "neural",
    "NWJ": "neural",
    "InfoNCE": "neural",
    "SMILE": "neural",
    "VInformation": "vinfo",
    "ClassifierMI": "classifier",
    "MISelector": "feature_selection",
    "LayerActivationExtractor": "nn",
    "InformationPlane": "nn",
    "layer_names": "nn",
}
_SUBMODULES = {"base", "knn", "metrics", "datasets", "cli", "binning", "kde",
               "gaussian", "neural", "nn", "plotting", "auto", "stats", "benchmark",
               "feature_selection", "vinfo", "exceptions", "classifier"}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY, _SUBMODULES)
