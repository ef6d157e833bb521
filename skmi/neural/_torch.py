"""torch for the neural estimators: :mod:`skmi._torch` with this package's hint."""

from __future__ import annotations

from typing import Any

from .. import _torch

__all__ = ["require_torch", "resolve_device"]

_FEATURE = "skmi's neural estimators (MINE, NWJ, InfoNCE, SMILE)"


def require_torch() -> Any:
    return _torch.require_torch(_FEATURE)


def resolve_device(device) -> Any:
    return _torch.resolve_device(device, _FEATURE)
