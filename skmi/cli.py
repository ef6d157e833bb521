"""The ``skmi`` command line (also ``python -m skmi``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence

__all__ = ["main"]


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _cmd_estimate(args) -> int:
    import numpy as np

    from .metrics import mutual_info

    X = np.load(args.x)
    y = np.load(args.y)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    params = dict(p.split("=", 1) for p in args.param)
    params = {key: _parse_value(val) for key, val in params.items()}
    value = mutual_info(X, y, estimator=args.estimator, unit=args.unit, **params)
    if args.json:
        print(json.dumps({"estimator": args.estimator, "params": params,
                          "mi": value, "unit": args.unit, "n_samples": len(X)}))
    else:
        print(f"I(X; Y) = {value:.6f} {args.unit}  "
              f"(estimator={args.estimator}, n_samples={len(X)})")
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
        est = KDEMI(noise_variance=variance, relative_noise=not args.kde_absolute)
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
    if params.get("strategy") == "fixed":
        return {"kind": "binning", "n_bins": params["n_bins"], "strategy": "fixed",
                "bin_range": list(params["bin_range"])}
    if params.get("strategy") == "minmax":
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
    if args.threads:
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
            n_jobs=args.threads or None,
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
    return {n: _build(n, MI_ESTIMATORS, MutualInfoEstimator, params[n]) for n in chosen}


def _cmd_bench(args) -> int:
    from .benchmark import runner

    estimators = _bench_estimators(args.estimators, args.param)
    if args.tasks:
        tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
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
    parser = argparse.ArgumentParser(
        prog="skmi", description="Mutual information estimation (skmi)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    est = sub.add_parser("estimate", help="estimate I(X; Y) from two .npy files")
    est.add_argument("x", help="X samples, .npy, shape (n,) or (n, d_x)")
    est.add_argument("y", help="Y samples, .npy, shape (n,) or (n, d_y)")
    est.add_argument("--estimator", default="ksg", help="estimator name (default: ksg)")
    est.add_argument("--unit", choices=["nats", "bits"], default="nats")
    est.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="estimator parameter, e.g. --param k=5 (repeatable)")
    est.add_argument("--json", action="store_true", help="print one JSON object")
    est.set_defaults(func=_cmd_estimate)

    ip = sub.add_parser(
        "infoplane",
        help="train a small MLP and draw its information plane (needs torch, matplotlib)",
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
                    help="MNIST IDX folder or .npz (for --dataset mnist)")
    ip.add_argument("--activation", choices=["tanh", "relu"], default="tanh")
    ip.add_argument("--hidden", type=_sizes, default=[16, 8, 4, 3],
                    help="hidden layer sizes (default '16,8,4,3')")
    ip.add_argument("--epochs", type=int, default=None,
                    help="training epochs (default: 600 for digits and tishby, 20 for "
                    "mnist)")
    ip.add_argument("--record-on", choices=["test", "train", "all"], default=None,
                    help="rows the plane is measured on (default: the test set for "
                    "mnist, all rows for digits and tishby)")
    ip.add_argument("--n-samples", type=int, default=None,
                    help="measure on a seeded, stratified subset of that many of those "
                    "rows (the estimators cost O(N) to O(N^2) per record)")
    ip.add_argument("--records", type=int, default=30,
                    help="about how many log-spaced epochs to record (default 30)")
    ip.add_argument("--estimator", choices=["binning", "kde"], default=None,
                    help="default: binning for tanh, kde (relative noise) for relu")
    ip.add_argument("--bins", type=int, default=None,
                    help="number of bins (default 30 on [-1, 1] for tanh, 100 over the "
                    "observed range for relu or noisy activations)")
    ip.add_argument("--kde-variance", type=float, default=None,
                    help=f"KDE noise variance as a fraction of each layer's total variance "
                    f"(trace of its covariance; default {KDE_FRACTION}), or with "
                    "--kde-absolute the absolute variance per unit (default 0.1)")
    ip.add_argument("--kde-absolute", action="store_true",
                    help="read --kde-variance as an absolute noise variance per unit, the "
                    "same for every layer and record")
    ip.add_argument("--noise", type=float, default=0.0,
                    help="std of Gaussian noise added to the activations (default 0)")
    ip.add_argument("--unit", choices=["bits", "nats"], default="bits")
    ip.add_argument("--seed", type=int, default=0)
    ip.add_argument("--device", default="auto", help="auto, cpu or cuda")
    ip.add_argument("--batch-size", type=int, default=64)
    ip.add_argument("--lr", type=float, default=1e-3)
    ip.add_argument("--threads", type=int, default=1,
                    help="torch CPU threads (default 1: the networks are small)")
    ip.add_argument("--dpi", type=int, default=120)
    ip.add_argument("--format", choices=["png", "pdf", "svg"], default="png",
                    help="figure format (default png)")
    ip.add_argument("--layout", choices=["overlay", "panels"], default="overlay",
                    help="all layers in one plane, or one panel per layer")
    ip.add_argument("--no-progress", action="store_true", help="no progress bar")
    ip.set_defaults(func=_cmd_infoplane)

    warm = sub.add_parser(
        "warmup",
        help="compile every Numba kernel ahead of time (later processes load them)",
        description="Run tiny fits that reach every kernel path, so that the first real "
        "fit of each estimator does not compile (10-45 s on 2 cores, once per install).",
    )
    warm.set_defaults(func=_cmd_warmup)

    bench = sub.add_parser(
        "bench",
        help="score estimators on benchmark tasks with known MI (Czyż et al. 2023)",
        description="Fit each estimator on n samples of every task for each seed (the "
        "same data for every estimator), and write results.csv (one row per fit), "
        "summary.md (mean estimate per task; the factor-1.5 criterion) and heatmap.png "
        "into --out. Prints, per estimator, on how many tasks the mean log ratio of "
        "estimate to true MI is within log(1.5).",
    )
    bench.add_argument("--estimators", default="ksg,gaussian_copula",
                       help="comma-separated registry names (default 'ksg,gaussian_copula')")
    bench.add_argument("--suite", default="main",
                       help="task suite: main, gao, staircase, high_mi, layers or all "
                            "(default main)")
    bench.add_argument("--tasks", default=None,
                       help="comma-separated task names, from any suite (then --suite is "
                       "not used)")
    bench.add_argument("--n", type=int, default=5000, help="samples per task (default 5000)")
    bench.add_argument("--seeds", type=int, default=5,
                       help="number of seeds, 0..seeds-1 (default 5)")
    bench.add_argument("--n-jobs", type=int, default=1,
                       help="joblib workers (default 1; -1: all cores)")
    bench.add_argument("--param", action="append", default=[],
                       metavar="ESTIMATOR.NAME=VALUE",
                       help="estimator parameter, e.g. --param ksg.k=5 (repeatable)")
    bench.add_argument("--unit", choices=["nats", "bits"], default="nats")
    bench.add_argument("--out", default="skmi-bench", help="output folder")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    bench.set_defaults(func=_cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError, ImportError) as exc:
        print(f"skmi: error: {exc}", file=sys.stderr)
        return 2
