"""Neural variational mutual information estimators (PyTorch).

:class:`MINE`, :class:`NWJ`, :class:`InfoNCE` and :class:`SMILE` train a critic
network and report a variational bound on held-out data. Importing this package (or
``skmi``) does not import torch: names resolve on first use, and the estimators import
torch when they are fitted. Without torch, fitting raises an :class:`ImportError` that
says to ``pip install skmi[torch]``. ``fit`` and ``score`` set torch's CPU thread count
from the estimator's ``n_jobs`` (one thread by default for these small networks) and
restore it afterwards (:func:`skmi._torch.torch_threads`).

Submodules: :mod:`~skmi.neural.bounds` (the bounds as pure functions of a critic score
matrix), :mod:`~skmi.neural.critics` (built-in critic networks), and
:mod:`~skmi.neural.estimators` (the estimator classes); the latter two import torch.
"""

from __future__ import annotations

from .._lazy import attach

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

__getattr__, __dir__, __all__ = attach(__name__, _LAZY, _SUBMODULES)
