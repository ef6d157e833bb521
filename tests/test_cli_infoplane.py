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
    assert settings["x_scale"] == {"kind": "binning", "n_bins": 30, "strategy": "fixed",
                                   "bin_range": [-1, 1]}
    assert set(settings["saturated_records"]) == {"act1", "act2"}
    for r in rows:
        assert r["saturated_XT"] in ("True", "False") and float(r["H_Y"]) > 3.3


def test_infoplane_relu_kde_tishby_and_errors(tmp_path):
    out = tmp_path / "relu"
    proc = _run(["--out", str(out), "--dataset", "tishby", "--activation", "relu",
                 "--hidden", "5", "--epochs", "2", "--records", "2", "--estimator", "kde",
                 "--unit", "nats", "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    with open(out / "information_plane.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["x_estimator"] for r in rows} == {"KDEMI"}
    assert {r["x_convention"] for r in rows} == {
        "KDEMI: upper bound, noise variance 0.1 x the layer's total variance"}
    assert {r["unit"] for r in rows} == {"nats"}
    assert max(float(r["I_XT"]) for r in rows) <= 12 * 0.6932
    proc = _run(["--out", str(tmp_path / "m"), "--dataset", "mnist", "--no-progress"],
                tmp_path)
    assert proc.returncode == 2 and "--mnist-path" in proc.stderr


def test_infoplane_relu_default_is_unsaturated_at_epoch_0(tmp_path):
    """The ReLU default (KDE, noise variance 0.1 x each layer's total variance) leaves
    the digits network's layers below their ceilings; 100 bins over the observed range,
    the former default, put the 16-unit layer at log2(1797) bits."""
    out = tmp_path / "relu"
    proc = _run(["--out", str(out), "--activation", "relu", "--epochs", "1",
                 "--records", "2", "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "saturated" not in proc.stderr
    with open(out / "information_plane.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["epoch"] == "0"]
    assert [r["layer"] for r in rows] == ["act1", "act2", "act3", "act4"]
    assert {r["saturated_XT"] for r in rows} == {r["saturated_TY"] for r in rows} == {"False"}
    act1 = rows[0]
    assert act1["layer_width"] == "16" and act1["x_estimator"] == "KDEMI"
    assert 1.0 < float(act1["I_XT"]) < 10.81 - 1.0
    settings = json.loads((out / "settings.json").read_text())
    assert settings["x_scale"]["kind"] == "noise"
    assert settings["x_scale"]["noise_variance_fraction"] == 0.1
    assert all(s["I_XT"] == 0 for s in settings["saturated_records"].values())


def test_infoplane_estimator_options():
    from skmi.cli import _plane_estimators, build_parser

    def est(*args):
        return _plane_estimators(build_parser().parse_args(["infoplane", *args]))[0]

    assert est().get_params()["bin_range"] == (-1, 1)                     # tanh: 30 bins
    relu = est("--activation", "relu")
    assert type(relu).__name__ == "KDEMI" and relu.relative_noise and relu.noise_variance == 0.1
    frac = est("--estimator", "kde", "--kde-variance", "0.03")
    assert frac.relative_noise and frac.noise_variance == 0.03
    absolute = est("--estimator", "kde", "--kde-absolute", "--kde-variance", "0.5")
    assert not absolute.relative_noise and absolute.noise_variance == 0.5
    assert est("--estimator", "kde", "--kde-absolute").noise_variance == 0.1
    binned = est("--activation", "relu", "--estimator", "binning")
    assert binned.get_params()["strategy"] == "minmax" and binned.n_bins == 100
    assert est("--activation", "relu", "--estimator", "binning", "--bins", "4").n_bins == 4
    assert relu.n_queries is None
    sub = est("--activation", "relu", "--kde-queries", "300", "--seed", "3")
    assert sub.n_queries == 300 and sub.random_state == 3


def test_infoplane_kde_queries_give_error_bars(tmp_path):
    out = tmp_path / "q"
    proc = _run(["--out", str(out), "--activation", "relu", "--hidden", "8", "--epochs",
                 "1", "--records", "2", "--kde-queries", "400", "--no-progress"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    with open(out / "information_plane.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(float(r["se_XT"]) > 0 and float(r["se_TY"]) > 0 for r in rows)
