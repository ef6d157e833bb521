"""``skmi infoplane`` end to end on a tiny configuration (needs torch and matplotlib)."""

import csv
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

from skmi.nn.plane import COLUMNS  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _run(args, cwd):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", MPLBACKEND="Agg")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "skmi", "infoplane", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=240)


def test_infoplane_tiny_run(tmp_path):
    out = tmp_path / "plane"
    proc = _run(["--out", str(out), "--hidden", "6,4", "--epochs", "4", "--records", "3",
                 "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    png = (out / "information_plane.png").read_bytes()
    assert png[:8] == PNG_SIGNATURE
    import matplotlib.image

    img = matplotlib.image.imread(out / "information_plane.png")
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    with open(out / "information_plane.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COLUMNS
    assert {r["layer"] for r in rows} == {"act1", "act2"}
    assert {r["unit"] for r in rows} == {"bits"}
    assert {r["x_convention"] for r in rows} == {"BinningMI: 30 bins on [-1, 1]"}
    epochs = sorted({int(r["epoch"]) for r in rows})
    assert epochs[0] == 0 and epochs[-1] == 4
    for r in rows:   # digits: 1797 samples, 10 classes
        assert 0 <= float(r["I_XT"]) <= 10.82 and 0 <= float(r["I_TY"]) <= 3.33
    settings = json.loads((out / "settings.json").read_text())
    assert settings["dataset"] == "digits" and settings["layer_sizes"] == [64, 6, 4, 10]
    assert settings["noise_std"] == 0.0 and "caveat" in settings


def test_infoplane_relu_kde_tishby_and_errors(tmp_path):
    out = tmp_path / "relu"
    proc = _run(["--out", str(out), "--dataset", "tishby", "--activation", "relu",
                 "--hidden", "5", "--epochs", "2", "--records", "2", "--estimator", "kde",
                 "--unit", "nats", "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    with open(out / "information_plane.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["x_estimator"] for r in rows} == {"KDEMI"}
    assert {r["unit"] for r in rows} == {"nats"}
    assert max(float(r["I_XT"]) for r in rows) <= 12 * 0.6932
    proc = _run(["--out", str(tmp_path / "m"), "--dataset", "mnist", "--no-progress"],
                tmp_path)
    assert proc.returncode == 2 and "--mnist-path" in proc.stderr
