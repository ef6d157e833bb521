"""The one place skmi imports torch (lazily, with an install hint).

``import skmi``, ``import skmi.neural`` and ``import skmi.nn`` never import torch; the
code that needs it calls :func:`require_torch`, which turns a missing install into an
:class:`ImportError` that says what to install.
"""

from __future__ import annotations

from typing import Any

__all__ = ["require_torch", "resolve_device", "torch_missing_message"]


def torch_missing_message(feature: str) -> str:
    return (
        f"{feature} need(s) PyTorch, which is not installed. Install it with "
        "`pip install skmi[torch]` (or choose a CPU or CUDA wheel at https://pytorch.org)."
    )


def require_torch(feature: str = "This part of skmi") -> Any:
    """Import and return the ``torch`` module, or raise an ImportError with the hint."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(torch_missing_message(feature)) from exc
    return torch


def resolve_device(device, feature: str = "This part of skmi") -> Any:
    """``"auto"`` -> CUDA when available, else CPU; anything else must name a device.

    Raises
    ------
    ValueError
        For a string torch does not parse as a device, or for a CUDA device when
        torch has no CUDA support or no GPU is visible.
    """
    torch = require_torch(feature)
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available (torch "
            f"{torch.__version__}); use device='cpu' or device='auto'."
        )
    return resolved
