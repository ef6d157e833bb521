"""The one place :mod:`skmi.nn` imports torch (lazily, with an install hint)."""

from __future__ import annotations

from typing import Any

__all__ = ["require_torch", "resolve_device", "TORCH_MISSING"]

TORCH_MISSING = (
    "skmi.nn (LayerActivationExtractor, InformationPlane, the training helper) needs "
    "PyTorch, which is not installed. Install it with `pip install skmi[torch]` (or "
    "choose a CPU or CUDA wheel at https://pytorch.org)."
)


def require_torch() -> Any:
    """Import and return the ``torch`` module, or raise an ImportError with the hint."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(TORCH_MISSING) from exc
    return torch


def resolve_device(device) -> Any:
    """``"auto"`` -> CUDA when available, else CPU; ``"cpu"``, ``"cuda"``, ``"cuda:N"``.

    Raises
    ------
    ValueError
        For a string torch does not parse as a device, or a CUDA device without CUDA.
    """
    torch = require_torch()
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
