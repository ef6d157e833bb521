"""The ``skmi`` command line (also ``python -m skmi``).

Every mistake in the input is reported as one line on stderr, with exit status 2 and no
traceback: ``skmi <command>: error: ...`` for what the argument parser catches (a
malformed or out-of-range option), ``skmi: error: ...`` for what only the command finds
(a missing or unreadable file, arrays that do not match, a parameter an estimator
rejects). An interrupted command (Ctrl-C) exits with status 130. Set the environment
variable ``SKMI_TRACEBACK=1`` to see the traceback of such an error instead.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import sys
import time
import zipfile
from collections.abc import Sequence

from . import __version__

__all__ = ["main"]

#: Stands for the list of estimator names in a help string (filled in when the help is
#: printed, so that building the parser does not import the estimators).
_ESTIMATOR_NAMES = "{estimator names}"


def _first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (its type if it has none)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


# ------------------------------------------------------------------ argument types
def _int_at_least(low: int, what: str):
    """An argparse ``type=`` that reads an integer ``>= low`` (``what`` names it)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects {what}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {what}, got {value}")
        return value

    return parse


def _float_above(low: float, inclusive: bool, what: str):
    """An argparse ``type=`` that reads a finite float ``> low`` (``>= low`` if
    ``inclusive``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects {what}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (value == low and not inclusive):
            raise argparse.ArgumentTypeError(f"must be {what}, got {text}")
        return value

    return parse


#: ``type=`` functions for options that must be positive, non-negative, at least two.
positive_int = _int_at_least(1, "a positive integer")
nonnegative_int = _int_at_least(0, "an integer >= 0")
int_at_least_2 = _int_at_least(2, "an integer >= 2")
positive_float = _float_above(0.0, False, "a finite number > 0")
nonnegative_float = _float_above(0.0, True, "a finite number >= 0")


def _name_value(text: str) -> tuple[str, object]:
    """``type=`` of ``estimate --param``: ``NAME=VALUE`` -> ``(NAME, VALUE read as JSON,
    else kept as a string)``."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(
            f"expects NAME=VALUE (e.g. --param k=5), got {text!r}")
    return name, _parse_value(value)


def _estimator_names() -> list[str]:
    from .metrics import MI_ESTIMATORS

    return sorted(MI_ESTIMATORS)


def _estimator_name(text: str) -> str:
    """``type=`` of ``estimate --estimator``: a name of ``skmi.metrics.MI_ESTIMATORS``."""
    names = _estimator_names()
    if text in names:
        return text
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
    raise argparse.ArgumentTypeError(
        f"unknown estimator {text!r}{hint}; choose from {', '.join(names)}")


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, ``prog: error: message``,
    without the usage block (``prog --help`` shows it)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Adds ``(default: ...)`` to the help of an option whose help does not state its
    default, and fills in the estimator names."""

    def _get_help_string(self, action) -> str:
        text = action.help or ""
        if _ESTIMATOR_NAMES in text:
            text = text.replace(_ESTIMATOR_NAMES, ", ".join(_estimator_names()))
        default = action.default
        unstated = (default is None or default is False or default is argparse.SUPPRESS
                    or (isinstance(default, list) and not default))
        if action.option_strings and "default" not in text and not unstated:
            text += " (default: %(default)s)"
        return text


# ------------------------------------------------------------------ estimate
class _InputError(ValueError):
    """A problem with an input file, already worded for the user."""


def _load_array(spec: str, which: str):
    """The array of ``estimate``'s ``x`` or ``y`` argument (``which``).

    Parameters
    ----------
    spec : str
        A ``.npy`` file, an ``.npz`` archive holding a single array, or
        ``ARCHIVE.npz:NAME`` for the array ``NAME`` of an archive.
    which : {"x", "y"}

    Returns
    -------
    array : ndarray of shape (n,) or (n, d)

    Raises
    ------
    ValueError
        With a one-line message naming the file and the problem.
    """
    import numpy as np

    path, key = spec, None
    if not os.path.exists(spec) and ":" in spec:
        head, _, tail = spec.rpartition(":")
        if head and tail and os.path.exists(head):
            path, key = head, tail
    what = f"{which} file {path!r}"
    if not os.path.exists(path):
        raise _InputError(f"{what} does not exist.")
    if os.path.isdir(path):
        raise _InputError(f"{what} is a folder, not a .npy file.")
    with open(path, "rb") as fh:
        magic = fh.read(6)
    try:
        if magic == b"\x93NUMPY":
            if key is not None:
                raise _InputError(f"{what} is a .npy file, which holds one array: drop "
                                 f"':{key}'.")
            array = np.load(path, allow_pickle=False)
        elif magic[:4] == b"PK\x03\x04":
            with np.load(path, allow_pickle=False) as archive:
                names = list(archive.files)
                if key is None and len(names) == 1:
                    key = names[0]
                if key is None:
                    listed = ", ".join(names) if names else "none"
                    raise _InputError(f"{what} is an .npz archive of {len(names)} arrays "
                                     f"({listed}): select one as {path}:NAME.")
                if key not in names:
                    raise _InputError(f"{what} has no array {key!r}; its arrays: "
                                     f"{', '.join(names) or 'none'}.")
                array = archive[key]
                what = f"{which} array {path}:{key}"
        else:
            raise _InputError(f"{what} is not a NumPy .npy file (nor an .npz archive); "
                             "write arrays with numpy.save.")
    except zipfile.BadZipFile as exc:
        raise _InputError(f"{what} is not a readable .npz archive ({_first_line(exc)})."
                          ) from None
    except _InputError:
        raise
    except (ValueError, EOFError) as exc:
        if "allow_pickle" in str(exc):
            raise _InputError(f"{what} holds Python objects (pickled), not numbers; skmi "
                             "does not load pickles.") from None
        raise _InputError(f"{what} is not a readable .npy array ({_first_line(exc)})."
                          ) from None
    if array.ndim not in (1, 2):
        raise _InputError(f"{what} holds an array of shape {array.shape}; expected "
                         "(n_samples,) or (n_samples, n_features).")
    if array.shape[0] == 0:
        raise _InputError(f"{what} holds no samples (shape {array.shape}).")
    if array.dtype.kind in "fc":
        bad = ~np.isfinite(array)
        if bad.any():
            rows = int(bad.reshape(array.shape[0], -1).any(axis=1).sum())
            raise _InputError(f"{what} has NaN or infinite values in {rows} of "
                             f"{array.shape[0]} rows; drop or impute them first.")
    return array


def _collect_params(pairs: list[tuple[str, object]]) -> dict:
    params: dict = {}
    for name, value in pairs:
        if name in params:
            raise ValueError(f"--param {name} is given twice.")
        params[name] = value
    return params


def _cmd_estimate(args) -> int:
    from .base import MutualInfoEstimator
    from .metrics import MI_ESTIMATORS, _build, _convert

    X = _load_array(args.x, "x")
    y = _load_array(args.y, "y")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"x has {X.shape[0]} samples (rows) and y has {y.shape[0]}: the "
                         "two files must hold the same samples, row for row.")
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    params = _collect_params(args.param)
    est = _build(args.estimator, MI_ESTIMATORS, MutualInfoEstimator, {})
    if params:  # set_params names the valid parameters when one is not
        est.set_params(**params)
    est.fit(X, y)
    value = float(_convert(est.mi_, args.unit))
    result = {"estimator": args.estimator, "params": params, "mi": value,
              "unit": args.unit, "n_samples": int(X.shape[0])}
    chosen = getattr(est, "chosen_estimator_", None)
    if chosen is not None:  # AutoMI: what it chose and why
        result["chosen"] = type(chosen).__name__
        result["reason"] = est.reason_
        result["candidates"] = {name: float(_convert(v, args.unit))
                                for name, v in getattr(est, "candidates_", {}).items()}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"I(X; Y) = {value:.6f} {args.unit}  "
              f"(estimator={args.estimator}, n_samples={len(X)})")
        if chosen is not None:
            print(f"{args.estimator} chose {result['chosen']}: {result['reason']}")
    return 0


def _load_dataset(args):
    """``(X, y, X_test, y_test)``: MNIST has its official test set, the others None."""
    from . import datasets

    if args.dataset == "digits":
        return (*datasets.load_digits_dataset(scale="unit"), None, None)
    if args.dataset == "tishby":
        return (*datasets.make_tishby_12bit(), None, None)
    if args.mnist_path is None:
        raise ValueError("--dataset mnist needs --mnist-path (a folder of IDX files or an "
                         ".npz file; nothing is downloaded).")
    return (*datasets.load_mnist(args.mnist_path, subset="train"),
            *datasets.load_mnist(args.mnist_path, subset="test"))


#: Default number of epochs per data set (``--epochs``): 600 for the small sets of the
#: information-plane literature, 20 for MNIST's 60,000 training images (about 1 min for
#: the default network on 2 cores).
DEFAULT_EPOCHS = {"digits": 600, "tishby": 600, "mnist": 20}


#: Default noise variance of ``--estimator kde``, as a fraction of each layer's total
#: variance (the trace of its covariance). On the MNIST MLP's 256- and 128-unit ReLU
#: layers (N = 5000) a fraction of 0.01 leaves I(X; T) pinned at log N, 0.1 puts it
#: 2-6 bits below log N before and after training, and 1 pins it within 1.5 bits of 0.
KDE_FRACTION = 0.1


def _plane_estimators(args):
    from .binning import BinningMI
    from .kde import KDEMI

    estimator = args.estimator
    if estimator is None:  # ReLU: wide layers saturate binning at every useful bin count
        estimator = "binning" if args.activation == "tanh" else "kde"
    if estimator == "kde":
        variance = args.kde_variance
        if variance is None:
            variance = 0.1 if args.kde_absolute else KDE_FRACTION
        est = KDEMI(noise_variance=variance, relative_noise=not args.kde_absolute,
                    n_queries=args.kde_queries, random_state=args.seed)
    elif args.activation == "tanh" and args.noise == 0:
        est = BinningMI(args.bins or 30, strategy="fixed", bin_range=(-1, 1))
    else:  # ReLU (unbounded) or noisy activations: bins over the observed range
        est = BinningMI(args.bins or 100, strategy="minmax")
    return est, est


def _scale_settings(est) -> dict:
    """What scale the estimator measures information at, for settings.json."""
    params = est.get_params(deep=False)
    if "noise_variance" in params:
        if params.get("relative_noise", False):
            return {"kind": "noise", "noise_variance_fraction": params["noise_variance"],
                    "relative_to": "the layer's total variance (trace of its covariance) "
                                   "at each record: the absolute noise variance per unit "
                                   "is this fraction times that trace"}
        return {"kind": "noise", "noise_variance": params["noise_variance"],
                "relative_to": None}
    strategy = params.get("strategy")
    if type(est).__name__ == "BinningMI":
        from .binning import resolve_strategy

        strategy = resolve_strategy(strategy, params.get("bin_range"), params.get("bin_width"))
    if strategy == "fixed":
        return {"kind": "binning", "n_bins": params["n_bins"], "strategy": "fixed",
                "bin_range": list(params["bin_range"])}
    if strategy == "minmax":
        return {"kind": "binning", "n_bins": params["n_bins"], "strategy": "minmax",
                "bin_range": "the layer's observed minimum and maximum at each record"}
    return {"kind": type(est).__name__, "params": {k: repr(v) for k, v in params.items()}}


def _saturation_summary(records) -> dict:
    """{layer: {"I_XT": count, "I_TY": count, "records": count}} of saturated rows."""
    out: dict[str, dict[str, int]] = {}
    for r in records:
        entry = out.setdefault(r["layer"], {"I_XT": 0, "I_TY": 0, "records": 0})
        entry["records"] += 1
        entry["I_XT"] += bool(r["saturated_XT"])
        entry["I_TY"] += bool(r["saturated_TY"])
    return out


def _cmd_infoplane(args) -> int:
    # Numba's OpenMP workers spinning between parallel regions slow torch's small ops
    # down many times on few cores; passive waiting avoids it (set before either loads).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import numpy as np

    from .exceptions import SaturationWarning
    from .nn._torch import require_torch
    from .nn.plane import InformationPlane, describe_estimator
    from .nn.training import hidden_layers, make_mlp, train_and_record

    torch = require_torch()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    X, y, X_test, y_test = _load_dataset(args)
    epochs = DEFAULT_EPOCHS[args.dataset] if args.epochs is None else args.epochs
    record_on = args.record_on or ("test" if X_test is not None else "all")
    n_classes = int(np.max(y)) + 1
    sizes = [X.shape[1], *args.hidden, n_classes]
    model = make_mlp(sizes, activation=args.activation, random_state=args.seed)
    x_est, y_est = _plane_estimators(args)
    plane = InformationPlane(hidden_layers(model), x_est, y_est, unit=args.unit,
                             noise_std=args.noise, random_state=args.seed,
                             device=args.device)
    os.makedirs(args.out, exist_ok=True)
    csv_path = os.path.join(args.out, "information_plane.csv")
    fig_path = os.path.join(args.out, f"information_plane.{args.format}")
    json_path = os.path.join(args.out, "settings.json")
    with warnings.catch_warnings():  # one summary below instead of one per record
        warnings.simplefilter("ignore", SaturationWarning)
        result = train_and_record(
            model, X, y, plane=plane, epochs=epochs, n_records=args.records,
            batch_size=args.batch_size, lr=args.lr, X_test=X_test, y_test=y_test,
            seed=args.seed, device=args.device, record_on=record_on,
            n_samples=args.n_samples, csv_path=csv_path, progress=not args.no_progress,
            n_jobs=args.threads,
        )
    saturated = _saturation_summary(plane.records_)
    split = ("the official 60,000 / 10,000 split" if X_test is not None
             else "a stratified 80% / 20% split")
    title = (f"{args.dataset}, {args.activation} MLP {'-'.join(map(str, sizes))}, "
             f"{epochs} epochs, seed {args.seed}; recorded on {result.record_set}")
    disp = plane.plot(title=title, layout=args.layout)
    disp.figure_.savefig(fig_path, dpi=args.dpi, bbox_inches="tight")
    seconds = time.perf_counter() - start
    settings = {
        "dataset": args.dataset, "n_train": result.n_train, "n_test": result.n_test,
        "split": split, "record_on": record_on, "record_set": result.record_set,
        "n_recorded": int(len(result.record_index)),
        "n_features": int(X.shape[1]), "n_classes": n_classes,
        "activation": args.activation, "init": "he" if args.activation == "relu"
        else "torch", "layer_sizes": sizes,
        "recorded_layers": hidden_layers(model), "epochs": epochs,
        "record_epochs": result.record_epochs, "batch_size": args.batch_size,
        "lr": args.lr, "optimizer": "Adam", "loss": "cross-entropy",
        "seed": args.seed, "device": args.device, "unit": args.unit,
        "x_estimator": repr(x_est), "x_convention": describe_estimator(x_est),
        "y_estimator": repr(y_est), "y_convention": describe_estimator(y_est),
        "x_scale": _scale_settings(x_est), "y_scale": _scale_settings(y_est),
        "saturated_records": saturated, "dead_layers": result.dead_layers,
        "warnings": result.warnings,
        "noise_std": args.noise,
        "final_train_accuracy": result.train_accuracy[-1],
        "final_test_accuracy": result.test_accuracy[-1], "seconds": round(seconds, 2),
        "caveat": "T is a deterministic function of X: I(X;T) shown is the information "
                  "at the binning scale (or with the KDE/activation noise), not the "
                  "infinite (continuous X) or H(X) (finite data) value of the network.",
    }
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump(settings, fh, indent=2)
    pinned = [f"{layer} I(X;T) {s['I_XT']}/{s['records']}, I(T;Y) {s['I_TY']}/"
              f"{s['records']}" for layer, s in saturated.items() if s["I_XT"] or s["I_TY"]]
    if pinned:
        print("skmi: saturated estimates (pinned at log N or H(Y) by the scale; marked x "
              "in the plot, flagged in the CSV), records per layer: " + "; ".join(pinned)
              + ". See skmi.nn.information_vs_scale for the range of scales.",
              file=sys.stderr)
    print(f"wrote {fig_path}, {csv_path}, {json_path} "
          f"(test accuracy {result.test_accuracy[-1]:.3f}, {seconds:.1f} s)")
    return 0


def _cmd_warmup(args) -> int:
    from ._warmup import warmup

    start = time.perf_counter()
    warmup(verbose=True)
    print(f"skmi: every kernel path compiled or loaded from the cache in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


def _bench_estimators(names: str, param_args: list[str]) -> dict:
    from .base import MutualInfoEstimator
    from .metrics import MI_ESTIMATORS, _build

    chosen = [n.strip() for n in names.split(",") if n.strip()]
    if not chosen:
        raise ValueError("--estimators is empty: give names such as ksg,gaussian_copula.")
    unknown = [n for n in chosen if n not in MI_ESTIMATORS]
    if unknown:
        raise ValueError(f"Unknown estimator(s) {unknown}; choose from "
                         f"{sorted(MI_ESTIMATORS)}.")
    params: dict[str, dict] = {n: {} for n in chosen}
    for text in param_args:
        key, sep, value = text.partition("=")
        name, dot, param = key.partition(".")
        if not (sep and dot and name and param):
            raise ValueError(f"--param must look like ESTIMATOR.NAME=VALUE (e.g. ksg.k=5), "
                             f"got {text!r}.")
        if name not in params:
            raise ValueError(f"--param {text!r} names estimator {name!r}, which is not "
                             f"among --estimators {chosen}.")
        params[name][param] = _parse_value(value)
    # set_params, not the constructor: an unknown parameter is a ValueError naming the
    # valid ones (a TypeError is left to show its traceback, as a bug would)
    return {n: _build(n, MI_ESTIMATORS, MutualInfoEstimator, {}).set_params(**params[n])
            for n in chosen}


def _task_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _list_tasks(args) -> int:
    """``bench --list``: one line per task of ``--tasks`` or ``--suite``."""
    from .benchmark.tasks import get_task, get_tasks
    from .metrics import _convert

    if args.tasks:
        tasks = [get_task(name) for name in _task_list(args.tasks)]
        if not tasks:
            raise ValueError("--tasks is empty: give names such as normal-1x1.")
    else:
        tasks = get_tasks(args.suite)
    width = max(len(t.name) for t in tasks)
    for t in tasks:
        mi = _convert(t.mutual_information, args.unit)
        print(f"{t.name:<{width}}  {t.dim_x:>3} x {t.dim_y:<3}  I = {mi:8.4f} {args.unit}  "
              f"{t.family}")
    return 0


def _cmd_bench(args) -> int:
    from .benchmark import runner

    if args.list:
        return _list_tasks(args)
    estimators = _bench_estimators(args.estimators, args.param)
    if args.tasks:
        tasks = _task_list(args.tasks)
    else:
        tasks = args.suite
    if args.n < 1 or args.seeds < 1:
        raise ValueError(f"--n and --seeds must be positive, got {args.n} and {args.seeds}.")
    start = time.perf_counter()
    results = runner.run(estimators, tasks, n_samples=args.n, seeds=args.seeds,
                         n_jobs=args.n_jobs, progress=not args.no_progress, unit=args.unit)
    summary = runner.summarize(results)
    os.makedirs(args.out, exist_ok=True)
    csv_path = os.path.join(args.out, "results.csv")
    md_path = os.path.join(args.out, "summary.md")
    png_path = os.path.join(args.out, "heatmap.png")
    runner.to_csv(results, csv_path)
    seconds = time.perf_counter() - start
    scores = runner.estimator_scores(summary)
    with open(md_path, "w", encoding="utf-8") as fh:
        fh.write(f"# skmi bench: {len(estimators)} estimators, {scores[0]['n_tasks']} "
                 f"tasks, n={args.n}, {args.seeds} seeds, {args.unit}\n\n")
        fh.write("Cells: mean estimate over seeds; ✗: the mean of log(estimate / true MI) "
                 "over seeds is not within log(1.5) (the criterion of Czyż et al. 2023).\n\n")
        fh.write(runner.to_markdown(summary) + "\n\n")
        fh.write("```\n" + runner.format_scores(summary) + "\n```\n")
    written = [csv_path, md_path]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = runner.plot_heatmap(summary, path=png_path)
        plt.close(ax.figure)
        written.append(png_path)
    except ImportError as exc:
        print(f"skmi: no heat map ({exc})", file=sys.stderr)
    print(runner.format_scores(summary))
    print(f"wrote {', '.join(written)} ({seconds:.1f} s)")
    return 0


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.replace(",", " ").split()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"hidden sizes must be integers: {text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"hidden sizes must be positive: {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``skmi`` and its subcommands.

    Returns
    -------
    parser : argparse.ArgumentParser
        Its errors, and those of the subcommands' parsers, are one line on stderr
        (exit status 2); every option's help states its default.
    """
    parser = _Parser(
        prog="skmi", description="Mutual information estimation (skmi).",
        formatter_class=_HelpFormatter,
        epilog="Errors are one line; set SKMI_TRACEBACK=1 for the traceback.",
    )
    parser.add_argument("--version", action="version", version=f"skmi {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="commands")
    est = sub.add_parser(
        "estimate", help="estimate I(X; Y) from two .npy (or .npz) arrays",
        formatter_class=_HelpFormatter,
        description="Estimate I(X; Y) from the rows of two arrays (the same samples, row "
        "for row). Each is a .npy file (numpy.save) of shape (n,) or (n, d), or an array "
        "of an .npz archive (numpy.savez): ARCHIVE.npz:NAME, or just ARCHIVE.npz when it "
        "holds a single array. --estimator auto picks the estimator from the data and "
        "reports which one it chose and why.",
    )
    est.add_argument("x", help="X samples: FILE.npy or ARCHIVE.npz[:NAME], shape (n,) or "
                     "(n, d_x)")
    est.add_argument("y", help="Y samples: FILE.npy or ARCHIVE.npz[:NAME], shape (n,) or "
                     "(n, d_y)")
    est.add_argument("--estimator", type=_estimator_name, default="ksg", metavar="NAME",
                     help=f"one of: {_ESTIMATOR_NAMES}; auto reports its choice and the "
                     "reason")
    est.add_argument("--unit", choices=["nats", "bits"], default="nats",
                     help="unit of the estimate")
    est.add_argument("--param", type=_name_value, action="append", default=[],
                     metavar="NAME=VALUE",
                     help="estimator parameter, e.g. --param k=5; VALUE is read as JSON "
                     "when it parses (5, 0.1, true, null, \"text\"), else as text "
                     "(repeatable)")
    est.add_argument("--json", action="store_true",
                     help="print one JSON object (with --estimator auto: also 'chosen', "
                     "'reason' and 'candidates')")
    est.set_defaults(func=_cmd_estimate)

    ip = sub.add_parser(
        "infoplane",
        help="train a small MLP and draw its information plane (needs torch, matplotlib)",
        formatter_class=_HelpFormatter,
        description="Train an MLP (Adam, cross-entropy; MNIST: its official 60,000 / "
        "10,000 split, the other data sets: a stratified 80 / 20 split) and record I(X;T) "
        "and I(T;Y) of its hidden layers at log-spaced epochs, on a stated set of rows "
        "(--record-on, --n-samples). Default scale: 30 bins on [-1, 1] for tanh "
        "(Shwartz-Ziv & Tishby); for ReLU, the KDE upper bound with Gaussian noise of "
        "variance 0.1 times each layer's total variance (binning puts every sample of a "
        "wide ReLU layer in a bin of its own at any useful bin count). --estimator "
        "binning with ReLU or noisy activations: 100 bins over each record's observed "
        "range (Saxe et al.'s minmax). Saturated points (pinned at log N or H(Y) by the "
        "scale) are flagged in the CSV and marked in the plot. Writes "
        "information_plane.csv (a record at a time, as it is measured), the figure and "
        "settings.json into --out.",
    )
    ip.add_argument("--out", default="skmi-infoplane", help="output folder")
    ip.add_argument("--dataset", choices=["digits", "tishby", "mnist"], default="digits",
                    help="digits: scikit-learn's 8x8 digits; tishby: the 12-bit patterns")
    ip.add_argument("--mnist-path", default=None,
                    help="MNIST IDX folder or .npz (needed by --dataset mnist)")
    ip.add_argument("--activation", choices=["tanh", "relu"], default="tanh",
                    help="hidden-layer activation")
    ip.add_argument("--hidden", type=_sizes, default=[16, 8, 4, 3],
                    help="hidden layer sizes (default: 16,8,4,3)")
    ip.add_argument("--epochs", type=nonnegative_int, default=None,
                    help="training epochs (default: 600 for digits and tishby, 20 for "
                    "mnist)")
    ip.add_argument("--record-on", choices=["test", "train", "all"], default=None,
                    help="rows the plane is measured on (default: the test set for "
                    "mnist, all rows for digits and tishby)")
    ip.add_argument("--n-samples", type=int_at_least_2, default=None,
                    help="measure on a seeded, stratified subset of that many (>= 2) of "
                    "those rows (the estimators cost O(N) to O(N^2) per record; default: "
                    "all of them)")
    ip.add_argument("--records", type=positive_int, default=30,
                    help="about how many log-spaced epochs to record")
    ip.add_argument("--estimator", choices=["binning", "kde"], default=None,
                    help="default: binning for tanh, kde (relative noise) for relu")
    ip.add_argument("--bins", type=positive_int, default=None,
                    help="number of bins (default: 30 on [-1, 1] for tanh, 100 over the "
                    "observed range for relu or noisy activations)")
    ip.add_argument("--kde-variance", type=positive_float, default=None,
                    help=f"KDE noise variance as a fraction of each layer's total variance "
                    f"(trace of its covariance; default: {KDE_FRACTION}), or with "
                    "--kde-absolute the absolute variance per unit (default: 0.1)")
    ip.add_argument("--kde-absolute", action="store_true",
                    help="read --kde-variance as an absolute noise variance per unit, the "
                    "same for every layer and record")
    ip.add_argument("--kde-queries", type=int_at_least_2, default=None,
                    help="evaluate the KDE bound on this many (>= 2) seeded random query "
                    "rows against all recorded rows (unbiased, with standard errors drawn "
                    "as error bars; default: every row, exact)")
    ip.add_argument("--noise", type=nonnegative_float, default=0.0,
                    help="std of Gaussian noise added to the activations")
    ip.add_argument("--unit", choices=["bits", "nats"], default="bits",
                    help="unit of I(X;T) and I(T;Y)")
    ip.add_argument("--seed", type=nonnegative_int, default=0,
                    help="seed of the initialisation, the batches, the split and the "
                    "estimators")
    ip.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    ip.add_argument("--batch-size", type=positive_int, default=64,
                    help="training batch size")
    ip.add_argument("--lr", type=positive_float, default=1e-3,
                    help="Adam learning rate")
    ip.add_argument("--threads", type=positive_int, default=1,
                    help="torch CPU threads (default: 1, the networks are small)")
    ip.add_argument("--dpi", type=positive_int, default=120,
                    help="resolution of a png figure")
    ip.add_argument("--format", choices=["png", "pdf", "svg"], default="png",
                    help="figure format")
    ip.add_argument("--layout", choices=["overlay", "panels"], default="overlay",
                    help="all layers in one plane, or one panel per layer")
    ip.add_argument("--no-progress", action="store_true", help="no progress bar")
    ip.set_defaults(func=_cmd_infoplane)

    warm = sub.add_parser(
        "warmup",
        help="compile every Numba kernel ahead of time (later processes load them)",
        formatter_class=_HelpFormatter,
        description="Run tiny fits that reach every kernel path, so that the first real "
        "fit of each estimator does not compile (10-45 s on 2 cores, once per install).",
    )
    warm.set_defaults(func=_cmd_warmup)

    bench = sub.add_parser(
        "bench",
        help="score estimators on benchmark tasks with known MI (Czyż et al. 2023)",
        formatter_class=_HelpFormatter,
        description="Fit each estimator on n samples of every task for each seed (the "
        "same data for every estimator), and write results.csv (one row per fit), "
        "summary.md (mean estimate per task; the factor-1.5 criterion) and heatmap.png "
        "into --out. Prints, per estimator, on how many tasks the mean log ratio of "
        "estimate to true MI is within log(1.5). --list prints the tasks instead.",
    )
    bench.add_argument("--list", action="store_true",
                       help="print the tasks of --suite (or --tasks), one a line: name, "
                       "dimensions of X and Y, true MI in --unit, family; run nothing")
    bench.add_argument("--estimators", default="ksg,gaussian_copula",
                       help=f"comma-separated names from: {_ESTIMATOR_NAMES}")
    bench.add_argument("--suite", default="main",
                       help="task suite: main, gao, staircase, high_mi, layers or all")
    bench.add_argument("--tasks", default=None,
                       help="comma-separated task names, from any suite (then --suite is "
                       "not used)")
    bench.add_argument("--n", type=int, default=5000, help="samples per task")
    bench.add_argument("--seeds", type=int, default=5,
                       help="number of seeds, 0..seeds-1")
    bench.add_argument("--n-jobs", type=int, default=1,
                       help="joblib workers (default: 1; -1: all cores)")
    bench.add_argument("--param", action="append", default=[],
                       metavar="ESTIMATOR.NAME=VALUE",
                       help="estimator parameter, e.g. --param ksg.k=5 (repeatable)")
    bench.add_argument("--unit", choices=["nats", "bits"], default="nats",
                       help="unit of the estimates and the true MI")
    bench.add_argument("--out", default="skmi-bench", help="output folder")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.set_defaults(func=_cmd_bench)
    return parser


#: Errors a command reports as one line: bad input (ValueError, also what scikit-learn's
#: parameter validation raises), files (OSError) and missing optional dependencies
#: (ImportError). Not TypeError: the commands check their input so that a TypeError is
#: a bug, shown with its traceback like any other exception.
_USER_ERRORS = (ValueError, OSError, ImportError)


def _error_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        return f"{exc.strerror}: {exc.filename!r}."
    return _first_line(exc)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``skmi`` (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success; 2 after an error in the input, printed as one line
        ``skmi: error: ...`` on stderr; 130 when interrupted (Ctrl-C); 141 when
        stdout is a pipe closed early (``skmi bench --list | head``). With the
        environment variable ``SKMI_TRACEBACK=1`` such errors raise instead.

    Raises
    ------
    SystemExit
        From the argument parser: status 0 after ``--help`` or ``--version``, 2 after a
        malformed or out-of-range argument (one line ``skmi <command>: error: ...``).
    """
    args = None
    try:
        args = build_parser().parse_args(argv)  # may import the estimators
        return args.func(args)
    except KeyboardInterrupt:
        prog = "skmi" if args is None else f"skmi {args.command}"
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. ``skmi bench --list | head``: stop quietly
        try:  # no second error when Python flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 141
    except _USER_ERRORS as exc:
        if os.environ.get("SKMI_TRACEBACK", "") not in ("", "0"):
            raise
        print(f"skmi: error: {_error_line(exc)}", file=sys.stderr)
        return 2
