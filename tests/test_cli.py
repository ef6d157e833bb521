import json
import subprocess
import sys

import numpy as np

from skmi.cli import main


def test_estimate_command(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(2000)
    y = 0.6 * x + 0.8 * rng.standard_normal(2000)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    code = main(["estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"),
                 "--param", "k=4", "--param", "random_state=0", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["unit"] == "nats" and out["params"] == {"k": 4, "random_state": 0}
    assert abs(out["mi"] - 0.22314) < 0.1
    main(["estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--unit", "bits"])
    assert "bits" in capsys.readouterr().out


def test_estimate_command_errors(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros(10))
    np.save(tmp_path / "y.npy", np.zeros(12))
    assert main(["estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy")]) == 2
    assert "error" in capsys.readouterr().err
    assert main(["estimate", str(tmp_path / "missing.npy"), str(tmp_path / "y.npy")]) == 2


def test_python_dash_m(tmp_path):
    out = subprocess.run([sys.executable, "-m", "skmi", "--help"], capture_output=True,
                         text=True, check=True)
    assert "estimate" in out.stdout
