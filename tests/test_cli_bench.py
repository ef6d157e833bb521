"""``skmi bench``: the benchmark runner from the command line."""

import csv

import pytest

from skmi.benchmark.runner import COLUMNS
from skmi.cli import main

TASKS = "normal-1x1,normal-2x2-dense"


def test_bench_writes_results(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "bench"
    code = main(["bench", "--estimators", "ksg,gaussian", "--tasks", TASKS, "--n", "300",
                 "--seeds", "2", "--n-jobs", "1", "--out", str(out), "--no-progress",
                 "--param", "ksg.k=5"])
    assert code == 0
    with open(out / "results.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 2 * 2 and tuple(rows[0]) == COLUMNS
    assert {r["estimator"] for r in rows} == {"ksg", "gaussian"}
    assert {r["task"] for r in rows} == set(TASKS.split(","))
    assert all(r["error"] == "" and r["n_samples"] == "300" for r in rows)
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "| task | true MI [nats] | ksg | gaussian |" in summary
    assert "| normal-1x1 | 0.41 |" in summary
    printed = capsys.readouterr().out
    assert "ksg: " in printed and "gaussian: " in printed
    assert "/2 tasks within a factor 1.5" in printed


def test_bench_param_reaches_the_estimator(tmp_path):
    # k=1 and k=20 give different KSG estimates on the same data (same seed, same noise)
    estimates = []
    for k in (1, 20):
        out = tmp_path / f"k{k}"
        assert main(["bench", "--estimators", "ksg", "--tasks", "normal-1x1", "--n", "300",
                     "--seeds", "1", "--out", str(out), "--no-progress",
                     "--param", f"ksg.k={k}"]) == 0
        with open(out / "results.csv", newline="", encoding="utf-8") as fh:
            estimates.append(float(next(csv.DictReader(fh))["estimate"]))
    assert estimates[0] != estimates[1]


@pytest.mark.parametrize("args, message", [
    (["--estimators", "ksg,nope"], "Unknown estimator"),
    (["--estimators", ""], "--estimators is empty"),
    (["--param", "k=5"], "ESTIMATOR.NAME=VALUE"),
    (["--param", "binning.n_bins=5"], "not among --estimators"),
    (["--param", "ksg.no_such_param=5"], "no_such_param"),
    (["--tasks", "no-such-task"], "Unknown task"),
    (["--n", "0"], "positive"),
])
def test_bench_errors(tmp_path, capsys, args, message):
    code = main(["bench", "--estimators", "ksg", "--tasks", "normal-1x1", "--n", "100",
                 "--seeds", "1", "--out", str(tmp_path / "o"), "--no-progress", *args])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("skmi: error:") and message in err
    assert not (tmp_path / "o" / "results.csv").exists()


def test_bench_unknown_suite(tmp_path, capsys):
    code = main(["bench", "--estimators", "ksg", "--suite", "nope", "--n", "100",
                 "--seeds", "1", "--out", str(tmp_path / "o"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("skmi: error:") and "Unknown suite" in err
    assert not (tmp_path / "o" / "results.csv").exists()
