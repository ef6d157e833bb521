"""Lazy attributes for packages: names resolve to submodules on first use."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def attach(
    package: str, lazy: dict[str, str], submodules: set[str]
) -> tuple[Callable, Callable, list[str]]:
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``.

    ``lazy`` maps a public name to the submodule that defines it; ``submodules`` are
    importable as attributes. Nothing is imported until a name is used.
    """

    def __getattr__(name: str):
        if name in lazy:
            value = getattr(importlib.import_module(f".{lazy[name]}", package), name)
            setattr(importlib.import_module(package), name, value)
            return value
        if name in submodules:
            return importlib.import_module(f".{name}", package)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        module = importlib.import_module(package)
        return sorted(set(vars(module)) | set(lazy) | submodules)

    return __getattr__, __dir__, sorted(lazy)
