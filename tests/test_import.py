"""``import skmi`` is cheap: no torch, matplotlib, scikit-learn or Numba at import."""

import subprocess
import sys


def test_import_is_lazy():
    code = (
        "import sys, skmi; "
        "heavy = [m for m in ('torch', 'matplotlib', 'sklearn', 'numba') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_resolve():
    import skmi

    for name in ("KSG", "MixedKSG", "KLEntropy", "mutual_info", "entropy",
                 "conditional_mutual_info", "mutual_info_columns"):
        assert getattr(skmi, name) is not None
    assert "KSG" in dir(skmi)
