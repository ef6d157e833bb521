"""skmi's neural estimators without torch: lazy imports and the install hint.

These tests need no torch: they simulate its absence by putting ``None`` in
``sys.modules["torch"]`` (which makes ``import torch`` raise ImportError).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest


def test_import_skmi_does_not_import_torch():
    code = (
        "import sys, skmi, skmi.neural; from skmi import MINE, NWJ, InfoNCE, SMILE;"
        "from sklearn.base import clone; e = clone(MINE(lr=0.01)); e.get_params();"
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fit_without_torch_raises_install_hint(monkeypatch):
    from skmi.neural import MINE, SMILE

    monkeypatch.setitem(sys.modules, "torch", None)
    x = np.random.default_rng(0).standard_normal((50, 2))
    for cls in (MINE, SMILE):
        with pytest.raises(ImportError, match=r"pip install skmi\[torch\]"):
            cls().fit(x, x[:, 0])


def test_torch_modules_without_torch_raise_install_hint(monkeypatch):
    import importlib

    monkeypatch.setitem(sys.modules, "torch", None)
    for name in ("skmi.neural.critics", "skmi.neural.bounds"):
        monkeypatch.delitem(sys.modules, name, raising=False)
        with pytest.raises(ImportError, match=r"pip install skmi\[torch\]"):
            importlib.import_module(name)
