"""The command line's user errors: one line on stderr, exit status 2, no traceback.

Parse-time errors (``skmi <command>: error: ...``) raise ``SystemExit(2)`` from
:func:`skmi.cli.main`; errors found while a command runs (``skmi: error: ...``) make it
return 2.
"""

import json

import numpy as np
import pytest

import skmi
import skmi.cli
from skmi.cli import build_parser, main


def _one_line(err: str, prefix: str) -> str:
    """The single line of ``err``, checked to start with ``prefix``."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(prefix), err
    return lines[0]


def _parse_error(capsys, argv, command) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    return _one_line(capsys.readouterr().err, f"skmi {command}: error: ")


def _run_error(capsys, argv) -> str:
    assert main(argv) == 2
    return _one_line(capsys.readouterr().err, "skmi: error: ")


@pytest.fixture
def xy(tmp_path):
    """Paths of two small correlated .npy files, x and y (60 rows)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(60)
    y = x + rng.standard_normal(60)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    return str(tmp_path / "x.npy"), str(tmp_path / "y.npy")


@pytest.fixture
def no_infoplane_run(monkeypatch):
    """Replace the infoplane command by a stub: an option that gets past the parser
    returns 0 instead of training."""
    monkeypatch.setattr(skmi.cli, "_cmd_infoplane", lambda args: 0)


# --------------------------------------------------------------- estimate: input files
def test_npz_archive_of_several_arrays_is_named(tmp_path, xy, capsys):
    np.savez(tmp_path / "both.npz", x=np.zeros(60), y=np.ones(60))
    line = _run_error(capsys, ["estimate", str(tmp_path / "both.npz"), xy[1]])
    assert ".npz archive" in line and "both.npz:NAME" in line and "x, y" in line


def test_npz_key_selects_an_array(tmp_path, xy, capsys):
    x, y = np.load(xy[0]), np.load(xy[1])
    np.savez(tmp_path / "both.npz", x=x, y=y)
    archive = str(tmp_path / "both.npz")
    assert main(["estimate", f"{archive}:x", f"{archive}:y", "--estimator", "gaussian",
                 "--json"]) == 0
    from_npz = json.loads(capsys.readouterr().out)["mi"]
    assert main(["estimate", *xy, "--estimator", "gaussian", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mi"] == from_npz
    line = _run_error(capsys, ["estimate", f"{archive}:z", xy[1]])
    assert "no array 'z'" in line and "x, y" in line


def test_text_file_named_npy(tmp_path, xy, capsys):
    (tmp_path / "text.npy").write_text("1 2 3\n4 5 6\n")
    line = _run_error(capsys, ["estimate", str(tmp_path / "text.npy"), xy[1]])
    assert "not a NumPy .npy file" in line and "pickle" not in line


@pytest.mark.parametrize("make, message", [
    (lambda p: np.save(p, np.array([{}, 1], dtype=object)), "not numbers"),
    (lambda p: np.save(p, np.zeros((4, 2, 2))), "shape (4, 2, 2)"),
    (lambda p: np.save(p, np.zeros((0, 2))), "no samples"),
    (lambda p: p.write_bytes(b"\x93NUMPY\x01\x00"), "not a readable .npy array"),
])
def test_unreadable_array_files(tmp_path, xy, capsys, make, message):
    path = tmp_path / "bad.npy"
    make(path)
    line = _run_error(capsys, ["estimate", str(path), xy[1]])
    assert "'" + str(path) + "'" in line and message in line


def test_missing_file_and_folder(tmp_path, xy, capsys):
    line = _run_error(capsys, ["estimate", xy[0], str(tmp_path / "missing.npy")])
    assert "y file" in line and "missing.npy" in line and "does not exist" in line
    line = _run_error(capsys, ["estimate", str(tmp_path), xy[1]])
    assert "is a folder" in line


def test_mismatched_sample_counts(tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.zeros(10))
    np.save(tmp_path / "y.npy", np.zeros(12))
    line = _run_error(capsys, ["estimate", str(tmp_path / "x.npy"),
                               str(tmp_path / "y.npy")])
    assert "x has 10 samples" in line and "y has 12" in line


def test_nan_in_input(tmp_path, xy, capsys):
    x = np.load(xy[0])
    x[[3, 7]] = [np.nan, np.inf]
    np.save(tmp_path / "xnan.npy", x)
    line = _run_error(capsys, ["estimate", str(tmp_path / "xnan.npy"), xy[1]])
    assert "NaN or infinite values in 2 of 60 rows" in line


# --------------------------------------------------------------- estimate: options
def test_param_without_equals(xy, capsys):
    line = _parse_error(capsys, ["estimate", *xy, "--param", "k"], "estimate")
    assert "--param" in line and "expects NAME=VALUE" in line


def test_param_errors_at_run_time(xy, capsys):
    line = _run_error(capsys, ["estimate", *xy, "--param", "k=3", "--param", "k=4"])
    assert "--param k is given twice" in line
    line = _run_error(capsys, ["estimate", *xy, "--param", "no_such=1"])
    assert "no_such" in line and "'k'" in line  # names the valid parameters
    line = _run_error(capsys, ["estimate", *xy, "--estimator", "binning", "--param",
                               "n_bins=\"many\""])
    assert "n_bins" in line


def test_unknown_estimator(xy, capsys):
    line = _parse_error(capsys, ["estimate", *xy, "--estimator", "ksgg"], "estimate")
    assert "unknown estimator 'ksgg'" in line and "did you mean 'ksg'" in line
    assert "gaussian_copula" in line and "pass an estimator instance" not in line


def test_auto_reports_choice_and_reason(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, 80)
    y = (x + rng.integers(0, 2, 80)) % 3
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    argv = ["estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"),
            "--estimator", "auto", "--unit", "bits"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "auto chose DiscreteMI: both sides discrete" in text
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["chosen"] == "DiscreteMI" and out["reason"].startswith("both sides discrete")
    assert out["mi"] == pytest.approx(max(out["candidates"].values()))


def test_non_auto_json_has_no_choice(xy, capsys):
    assert main(["estimate", *xy, "--estimator", "gaussian", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["estimator"] == "gaussian" and "chosen" not in out


# --------------------------------------------------------------- infoplane: ranges
@pytest.mark.parametrize("option, value, message", [
    ("--batch-size", "0", "positive integer"),
    ("--bins", "0", "positive integer"),
    ("--records", "0", "positive integer"),
    ("--records", "-3", "positive integer"),
    ("--threads", "0", "positive integer"),
    ("--dpi", "0", "positive integer"),
    ("--n-samples", "1", "integer >= 2"),
    ("--kde-queries", "1", "integer >= 2"),
    ("--epochs", "-1", "integer >= 0"),
    ("--seed", "-1", "integer >= 0"),
    ("--kde-variance", "0", "number > 0"),
    ("--lr", "0", "number > 0"),
    ("--lr", "nan", "number > 0"),
    ("--noise", "-0.5", "number >= 0"),
    ("--noise", "inf", "number >= 0"),
    ("--batch-size", "many", "expects a positive integer, got 'many'"),
])
def test_infoplane_ranges_checked_at_parse_time(capsys, no_infoplane_run, option, value,
                                                message):
    line = _parse_error(capsys, ["infoplane", option, value], "infoplane")
    assert f"argument {option}:" in line and message in line


def test_infoplane_valid_values_parse(no_infoplane_run):
    args = build_parser().parse_args(
        ["infoplane", "--bins", "1", "--epochs", "0", "--n-samples", "2", "--noise", "0",
         "--kde-queries", "2", "--lr", "0.5", "--threads", "2"])
    assert (args.bins, args.epochs, args.n_samples, args.noise) == (1, 0, 2, 0.0)
    assert (args.kde_queries, args.lr, args.threads) == (2, 0.5, 2)
    assert main(["infoplane", "--records", "3"]) == 0


# --------------------------------------------------------------- version, list, help
def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"skmi {skmi.__version__}"


def test_bench_list(tmp_path, capsys, monkeypatch):
    from skmi.benchmark import runner, task_names

    def fail(*args, **kwargs):
        raise AssertionError("bench --list ran the benchmark")

    monkeypatch.setattr(runner, "run", fail)
    out = tmp_path / "o"
    assert main(["bench", "--list", "--suite", "gao", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == task_names("gao")
    assert not out.exists()
    assert main(["bench", "--list", "--tasks", "normal-1x1", "--unit", "bits"]) == 0
    assert "normal-1x1" in capsys.readouterr().out
    assert main(["bench", "--list"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == len(task_names("main"))


def _help(capsys, *command) -> str:
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # one line, single spaces


def test_help_shows_defaults_and_estimator_names(capsys):
    from skmi.metrics import MI_ESTIMATORS

    text = _help(capsys, "estimate")
    names = text.split("one of: ", 1)[1].split(";", 1)[0]
    assert set(names.split(", ")) == set(MI_ESTIMATORS)
    assert "(default: ksg)" in text and "(default: nats)" in text
    assert ".npz:NAME" in text
    text = _help(capsys, "infoplane")
    for option, default in [("--batch-size BATCH_SIZE", 64), ("--lr LR", 0.001),
                            ("--dpi DPI", 120), ("--records RECORDS", 30),
                            ("--seed SEED", 0), ("--noise NOISE", 0.0)]:
        after = text.split(f" {option} ", 1)[1]
        assert after.split(" --", 1)[0].endswith(f"(default: {default})"), option
    text = _help(capsys, "bench")
    assert "(default: 5000)" in text and "(default: main)" in text and "--list" in text
    assert "gaussian_copula" in text.split("--estimators ESTIMATORS", 1)[1]
    _help(capsys, "warmup")
    assert "--version" in _help(capsys)


# --------------------------------------------------------------- main()
def test_top_level_errors_are_one_line(capsys):
    for argv in (["nope"], []):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        _one_line(capsys.readouterr().err, "skmi: error: ")


def test_keyboard_interrupt(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(skmi.cli, "_cmd_warmup", interrupted)
    try:
        code = main(["warmup"])
    except KeyboardInterrupt:  # would stop the test session
        pytest.fail("KeyboardInterrupt escaped main()")
    assert code == 130
    assert _one_line(capsys.readouterr().err, "skmi warmup: ").endswith("interrupted")


def test_broken_pipe_is_quiet(monkeypatch, capsys):
    def closed(args):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(skmi.cli, "_cmd_warmup", closed)
    assert main(["warmup"]) == 141
    assert capsys.readouterr().err == ""


def test_internal_errors_keep_their_traceback(monkeypatch, capsys):
    for kind in (RuntimeError, TypeError, KeyError):
        def bug(args, kind=kind):
            raise kind("a bug")

        monkeypatch.setattr(skmi.cli, "_cmd_warmup", bug)
        with pytest.raises(kind, match="a bug"):
            main(["warmup"])

    def user_error(args):
        raise ValueError("bad input\nmore detail")

    monkeypatch.setattr(skmi.cli, "_cmd_warmup", user_error)
    assert _run_error(capsys, ["warmup"]) == "skmi: error: bad input"
    monkeypatch.setenv("SKMI_TRACEBACK", "1")
    with pytest.raises(ValueError, match="bad input"):
        main(["warmup"])
