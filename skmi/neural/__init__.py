"""Neural variational mutual information estimators (PyTorch).

:class:`MINE`, :class:`NWJ`, :class:`InfoNCE` and :class:`SMILE` train a critic
network and report a variational bound on held-out data. Importing this package (or
``skmi``) does not import torch: names resolve on first use, and the estimators import
torch when they are fitted. Without torch, fitting raises an :class:`ImportError` that
says to ``pip install skmi[torch]``.

Submodules: :mod:`~skmi.neural.bounds` (the bounds as pure functions of a critic score
matrix), :mod:`~skmi.neural.critics` (built-in critic networks), and
:mod:`~skmi.neural.estimators` (the estimator classes); the latter two import torch.
"""

from __future__ import annotations

import importlib

# public name -> submodule that defines it (imported on first access)
_LAZY = {
    "MINE": "estimators",
    "NWJ": "estimators",
    "InfoNCE": "estimators",
    "SMILE": "estimators",
    "TrainingDivergedWarning": "estimators",
    "JointCritic": "critics",
    "SeparableCritic": "critics",
}
_SUBMODULES = {"bounds", "critics", "estimators"}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'skmi.neural' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
