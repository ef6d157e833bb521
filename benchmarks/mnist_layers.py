"""Real-data check of skmi: I(T; Y) of the hidden layers of MNIST networks.

Two small networks are trained on the 60,000 MNIST training images (seeded, CPU, Adam):

- an MLP 784-256-128-10 with ReLU (``skmi.nn.make_mlp``; hidden layers ``act1``, ``act2``);
- a CNN ``conv(1->8, 3x3) -> ReLU -> maxpool 2`` (``pool1``: 8x14x14 = 1568 values),
  ``conv(8->16, 3x3) -> ReLU -> maxpool 2`` (``pool2``: 16x7x7 = 784 values), flatten,
  ``fc 784->64 -> ReLU`` (``act3``) ``-> fc 64->10``.

Their hidden activations T are recorded (:class:`skmi.LayerActivationExtractor`) on a
*recording set* of ``--n`` rows drawn, seeded and stratified by class, from the 10,000
TEST images, and I(T; Y) with the labels Y is estimated by every estimator of
``--estimators`` (names of ``skmi.metrics.MI_ESTIMATORS``; unknown names are skipped with
a note). There is no ground truth, but there are two bounds that any estimate should
respect:

- **Ceiling, H(Y).** I(T; Y) <= H(Y), the entropy of the labels (plug-in on the recording
  set: almost exactly log2(10) = 3.32 bits for the stratified sample).
- **Floor, I(pred; Y).** The network's prediction ``pred = argmax(logits)`` is a function
  of every hidden layer T (the rest of the network maps T to the logits), so by the data
  processing inequality I(pred; Y) <= I(T; Y). I(pred; Y) is the plug-in MI of two
  10-symbol variables (:class:`skmi.DiscreteMI`): on N = 5000 rows its bias is about
  (10 - 1)^2 / (2 N ln 2) = 0.01 bit, which the Miller-Madow column corrects; a network
  with 98% test accuracy has a floor near 3.1 bits.

So every hidden layer has I(T; Y) in [floor, H(Y)], an interval of a few tenths of a bit.
Estimates below ``floor - 0.1`` bit or above ``H(Y) + 0.1`` bit (plug-in values; the 0.1
bit slack covers sampling error) are flagged with ✗. Estimators of *other* quantities say
so in skmi's docs: ``binning`` is the plug-in MI of binned activations (with every row in
its own bin it equals H(Y)), ``kde`` is the MI of the layer plus Gaussian noise of
variance 0.1 (a different, noisy T), ``infonce`` is a lower bound, ``classifier`` the
Barber-Agakov lower bound (H(Y) minus a logistic regression's held-out log-loss),
``vinfo`` the usable information for logistic regression (not Shannon MI). The default
recording set is the whole test set: at N = 5000 no estimator reaches the floor on the
CNN's first pooled map (1568 values; the best, the classifier bound, 2.97 bits for a
3.17-bit floor), at N = 10000 the classifier bound does.

The information between layers, I(T_i; T_j), and I(X; T) are infinite (or log N) for a
deterministic network; they are reported under the noise convention of
:func:`skmi.nn.layer_information` (each layer with independent Gaussian noise of 0.1
times its total variance) on the first ``--pairs-n`` recording rows.

Trained weights (``torch.save`` state dicts plus a ``.json`` with accuracy and training
time) and the recording set's activations, predictions and labels (``.npz``, for
re-running estimators without torch) go to ``--cache`` (default
``/tmp/skmi-mnist-cache``); a second run loads them instead of training. Nothing is
downloaded: MNIST is read from the IDX files at ``--mnist-path`` (default
``../shared/data/mnist`` relative to the repository root).

Usage::

    python benchmarks/mnist_layers.py                      # both networks, N = 10000
    python benchmarks/mnist_layers.py --networks mlp --estimators auto,ksg,binning
    python benchmarks/mnist_layers.py --n 2000 --out /tmp/mnist-check --threads 2

Writes ``mnist_layers.md`` (set-up, then one table per network: layer, width, fraction of
exact zeros, one column of bits per estimator, and the wall times) and ``mnist_layers.csv``
(one row per network, layer and estimator) to ``--out`` (default ``benchmarks/results``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
import warnings
from collections import OrderedDict
from pathlib import Path

# thread pools read this once, when numpy / numba / torch start them
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the local skmi

import skmi
from skmi.base import MutualInfoEstimator
from skmi.metrics import MI_ESTIMATORS, _build

REPO = Path(__file__).resolve().parents[1]
LN2 = float(np.log(2.0))
SLACK_BITS = 0.1
DEFAULT_ESTIMATORS = "auto,ksg,classifier,gaussian_copula,binning,kde,infonce,vinfo"
NETWORKS = {
    # name: (layers to record, in order; the logits layer)
    "mlp": (["act1", "act2"], "out"),
    "cnn": (["pool1", "pool2", "act3"], "out"),
}
CSV_FIELDS = ["network", "layer", "width", "estimator", "bits", "seconds", "floor_bits",
              "H_Y_bits", "below_floor", "above_ceiling", "warnings", "error", "detail"]


# ----------------------------------------------------------------------------- networks


def make_cnn():
    """The small CNN; takes rows of 784 pixels (reshaped to 1x28x28 inside)."""
    import torch
    from torch import nn

    return nn.Sequential(OrderedDict([
        ("image", nn.Unflatten(1, (1, 28, 28))),
        ("conv1", nn.Conv2d(1, 8, 3, padding=1)),
        ("act1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(2)),            # 8 x 14 x 14 = 1568
        ("conv2", nn.Conv2d(8, 16, 3, padding=1)),
        ("act2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(2)),            # 16 x 7 x 7 = 784
        ("flatten", nn.Flatten()),
        ("fc3", nn.Linear(16 * 7 * 7, 64)),
        ("act3", nn.ReLU()),
        ("out", nn.Linear(64, 10)),
    ])).to(torch.float32)


def make_network(name: str, seed: int):
    import torch

    torch.manual_seed(seed)
    if name == "mlp":
        from skmi.nn import make_mlp

        return make_mlp([784, 256, 128, 10], activation="relu")
    return make_cnn()


def accuracy(model, X, y, batch_size: int = 2000) -> float:
    import torch

    model.eval()
    correct = 0
    with torch.inference_mode():
        for start in range(0, X.shape[0], batch_size):
            logits = model(X[start:start + batch_size])
            correct += int((logits.argmax(1) == y[start:start + batch_size]).sum())
    return correct / X.shape[0]


def train(model, X, y, *, epochs: int, seed: int, batch_size: int = 128,
          lr: float = 1e-3) -> list[float]:
    """Adam + cross-entropy on all rows, reshuffled (seeded) every epoch; epoch losses."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(X.shape[0], generator=gen)
        total = 0.0
        for start in range(0, X.shape[0], batch_size):
            idx = order[start:start + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
        losses.append(total / X.shape[0])
    model.eval()
    return losses


def trained_network(name: str, args, data) -> tuple[object, dict]:
    """Load the network from the cache or train it (and cache it); (model, info)."""
    import torch

    X_train, y_train, X_test, y_test = data
    epochs = args.epochs_mlp if name == "mlp" else args.epochs_cnn
    stem = args.cache / f"{name}-seed{args.seed}-ep{epochs}"
    model = make_network(name, args.seed)
    weights, meta = stem.with_suffix(".pt"), stem.with_suffix(".json")
    if weights.exists() and meta.exists():
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        model.eval()
        info = json.loads(meta.read_text())
        info["cached"] = True
        print(f"[{name}] loaded {weights} (trained in {info['train_seconds']:.1f} s)",
              flush=True)
    else:
        print(f"[{name}] training {epochs} epochs on {X_train.shape[0]} rows ...", flush=True)
        start = time.perf_counter()
        losses = train(model, X_train, y_train, epochs=epochs, seed=args.seed)
        seconds = time.perf_counter() - start
        info = dict(network=name, seed=args.seed, epochs=epochs, batch_size=128, lr=1e-3,
                    train_seconds=seconds, epoch_losses=losses,
                    torch_threads=torch.get_num_threads(), torch=torch.__version__)
        args.cache.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), weights)
        meta.write_text(json.dumps(info, indent=1))
        info["cached"] = False
        print(f"[{name}] trained in {seconds:.1f} s, losses "
              + ", ".join(f"{v:.4f}" for v in losses) + f"; saved {weights}", flush=True)
    info["test_accuracy"] = accuracy(model, X_test, y_test)
    info["weights"] = str(weights)
    return model, info


# ---------------------------------------------------------------------------- recording


def recording_set(y_test: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Sorted indices of ``n`` test rows, stratified by class and seeded."""
    if n >= y_test.shape[0]:
        return np.arange(y_test.shape[0])
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(y_test.shape[0]), train_size=n, stratify=y_test,
                              random_state=seed)
    return np.sort(idx)


def record(name: str, model, X_rec: np.ndarray, y_rec: np.ndarray, idx: np.ndarray, args):
    """{layer: (n, width) float64} of the hidden layers, and the predictions."""
    hidden, logits_layer = NETWORKS[name]
    ext = skmi.LayerActivationExtractor(model, layers=[*hidden, logits_layer], device="cpu")
    acts = ext.fit(X_rec).transform_layers(X_rec)
    pred = np.asarray(acts.pop(logits_layer)).argmax(axis=1).astype(np.int64)
    acts = {k: np.asarray(v, dtype=np.float64) for k, v in acts.items()}
    epochs = args.epochs_mlp if name == "mlp" else args.epochs_cnn
    path = args.cache / f"{name}-seed{args.seed}-ep{epochs}-n{len(y_rec)}-activations.npz"
    np.savez_compressed(path, y=y_rec, pred=pred, test_index=idx,
                        **{k: v.astype(np.float32) for k, v in acts.items()})
    return acts, pred, path


def bounds(y: np.ndarray, pred: np.ndarray) -> dict:
    """H(Y) and the floor I(pred; Y), bits, plug-in and Miller-Madow."""
    out = {}
    for tag, corr in (("", "none"), ("_mm", "miller-madow")):
        h = skmi.PluginEntropy(correction=corr).fit(y.reshape(-1, 1)).entropy_
        mi = skmi.DiscreteMI(correction=corr).fit(pred.reshape(-1, 1), y).mi_
        out[f"H_Y{tag}"] = h / LN2
        out[f"floor{tag}"] = mi / LN2
    out["accuracy"] = float(np.mean(pred == y))
    return out


# --------------------------------------------------------------------------- estimation


def describe(est) -> str:
    params = {k: v for k, v in est.get_params(deep=False).items()
              if k in ("k", "n_bins", "strategy", "correction", "noise_variance", "bound")}
    inner = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return f"{type(est).__name__}({inner})"


def estimate(name: str, T: np.ndarray, y: np.ndarray) -> dict:
    """Fit one estimator; bits, seconds, warnings, error and (for auto) its choice."""
    row = dict(bits=float("nan"), seconds=float("nan"), warnings="", error="", detail="")
    try:
        if name == "auto":
            est = skmi.AutoMI(random_state=0)
        else:
            est = _build(name, MI_ESTIMATORS, MutualInfoEstimator, {})
            if "random_state" in est.get_params(deep=False):
                est.set_params(random_state=0)
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            est.fit(T, y)
            row["bits"] = float(est.mi_) / LN2
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            row["error"] = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        row["seconds"] = time.perf_counter() - start
    if caught:
        cats = sorted({w.category.__name__ for w in caught})
        first = str(caught[0].message).replace("\n", " ")
        row["warnings"] = f"{len(caught)} x {'/'.join(cats)}: {first}"
    if name == "auto" and not row["error"]:
        row["detail"] = f"chose {describe(est.chosen_estimator_)}: {est.reason_}"
    elif not row["error"]:
        row["detail"] = describe(est)
    return row


def layer_pairs(model, name: str, X_rec: np.ndarray, y_rec: np.ndarray, args) -> list:
    """I(X;T), I(T;Y) and I(T_i;T_j) under the noise convention of
    ``skmi.nn.layer_information`` on the first ``--pairs-n`` recording rows."""
    from skmi.nn import layer_information

    hidden, _ = NETWORKS[name]
    n = min(args.pairs_n, len(y_rec))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = layer_information(model, X_rec[:n], y_rec[:n], layers=list(hidden),
                                  unit="bits", device="cpu", random_state=args.seed)
    records = table.to_dict("records") if hasattr(table, "to_dict") else table
    print(f"[{name}] layer_information on {n} rows: {time.perf_counter() - start:.1f} s"
          + (f" ({len(caught)} warnings)" if caught else ""), flush=True)
    for r in records:
        print(f"[{name}]   {r['quantity']:11s} {r['layer']:6s} {r['other']:6s} "
              f"{r['value']:7.3f} +- {r['std_error']:.3f} bits"
              + (" (saturated)" if r["saturated"] else ""), flush=True)
    return records


def run_network(name: str, args, data, estimators: list[str]) -> tuple[dict, list[dict]]:
    import torch

    model, info = trained_network(name, args, data)
    X_test, y_test = data[2], data[3]
    idx = recording_set(y_test.numpy(), args.n, args.seed)
    X_rec, y_rec = X_test.numpy()[idx], y_test.numpy()[idx].astype(np.int64)
    start = time.perf_counter()
    with torch.no_grad():
        acts, pred, path = record(name, model, X_rec, y_rec, idx, args)
    info["record_seconds"] = time.perf_counter() - start
    info["activations"] = str(path)
    info.update(bounds(y_rec, pred))
    print(f"[{name}] test accuracy {info['test_accuracy']:.4f} (recording set "
          f"{info['accuracy']:.4f}); H(Y) = {info['H_Y']:.4f} bits, floor I(pred;Y) = "
          f"{info['floor']:.4f} bits; activations -> {path}", flush=True)
    info["layer_information"] = layer_pairs(model, name, X_rec, y_rec, args)
    rows = []
    for layer, T in acts.items():
        zeros = float(np.mean(T == 0.0))
        for est_name in estimators:
            r = estimate(est_name, T, y_rec)
            bits = r["bits"]
            ok = np.isfinite(bits)
            row = dict(network=name, layer=layer, width=T.shape[1], estimator=est_name,
                       zero_fraction=zeros, floor_bits=info["floor"], H_Y_bits=info["H_Y"],
                       below_floor=bool(ok and bits < info["floor"] - SLACK_BITS),
                       above_ceiling=bool(ok and bits > info["H_Y"] + SLACK_BITS), **r)
            rows.append(row)
            flag = " ✗" if row["below_floor"] or row["above_ceiling"] else ""
            extra = f"  [{r['error'] or r['warnings']}]" if r["error"] or r["warnings"] else ""
            print(f"[{name}] {layer:6s} {est_name:16s} {bits:8.4f} bits{flag} "
                  f"{r['seconds']:8.1f} s{extra[:160]}", flush=True)
    return info, rows


# ------------------------------------------------------------------------------ reports


def fmt_bits(r: dict) -> str:
    if r["error"]:
        return "error"
    flag = " ✗" if r["below_floor"] or r["above_ceiling"] else ""
    warned = " †" if r["warnings"] else ""
    return f"{r['bits']:.3f}{flag}{warned}"


def code_version() -> str:
    """skmi's version and the git commit of this checkout (+ "modified" if skmi/ is)."""
    import subprocess

    try:
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "skmi"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"skmi {skmi.__version__} (not a git checkout)"
    return f"skmi {skmi.__version__}, git {head}" + (" with skmi/ modified" if dirty else "")


def markdown(infos: dict, rows: list[dict], estimators: list[str], skipped: list[str],
             args) -> str:
    import torch

    lines = [
        "# I(T; Y) of MNIST network layers",
        "",
        "`python benchmarks/mnist_layers.py " + " ".join(args.argv) + "`",
        "",
        f"- Recording set: N = {args.n} rows of the MNIST test set, stratified by class, "
        f"seed {args.seed}; Y = the labels (10 classes). All values in bits.",
        f"- Bounds: every hidden layer T has I(pred; Y) <= I(T; Y) <= H(Y) (pred = argmax "
        f"of the logits, a function of T). ✗: below floor - {SLACK_BITS} or above H(Y) + "
        f"{SLACK_BITS} (plug-in floor and H(Y)). †: the fit raised warnings (notes below the "
        "table); an estimate pinned at H(Y) passes the check without measuring anything.",
        "- Estimators: defaults of each class, random_state = 0 where there is one. "
        + (f"Skipped (not in `MI_ESTIMATORS`): {', '.join(skipped)}." if skipped else ""),
        f"- {code_version()}; torch {torch.__version__}, {args.threads} threads, Python "
        f"{platform.python_version()}, {platform.machine()}, CPU.",
        "",
        "| network | architecture | epochs | training (s) | test accuracy (10k) | "
        "accuracy (N) | H(Y) | H(Y) MM | floor I(pred;Y) | floor MM |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    arch = {"mlp": "784-256-128-10 ReLU MLP",
            "cnn": "conv8-pool-conv16-pool-fc64-fc10 ReLU CNN"}
    for name, info in infos.items():
        cached = " (cached)" if info["cached"] else ""
        lines.append(
            f"| {name} | {arch[name]} | {info['epochs']} | {info['train_seconds']:.1f}"
            f"{cached} | {info['test_accuracy']:.4f} | {info['accuracy']:.4f} | "
            f"{info['H_Y']:.4f} | {info['H_Y_mm']:.4f} | {info['floor']:.4f} | "
            f"{info['floor_mm']:.4f} |")
    for name, info in infos.items():
        net_rows = [r for r in rows if r["network"] == name]
        layers = list(dict.fromkeys(r["layer"] for r in net_rows))
        cell = {(r["layer"], r["estimator"]): r for r in net_rows}
        lines += [
            "",
            f"## {name}: floor {info['floor']:.3f}, H(Y) {info['H_Y']:.3f} bits",
            "",
            "| layer | width | zeros | " + " | ".join(estimators) + " |",
            "|---|---|---|" + "---|" * len(estimators),
        ]
        for layer in layers:
            first = cell[(layer, estimators[0])] if estimators else None
            width = first["width"] if first else ""
            zeros = f"{first['zero_fraction']:.2f}" if first else ""
            lines.append(f"| {layer} | {width} | {zeros} | "
                         + " | ".join(fmt_bits(cell[(layer, e)]) for e in estimators) + " |")
        lines += ["", "Wall time (s):", "",
                  "| layer | " + " | ".join(estimators) + " |",
                  "|---|" + "---|" * len(estimators)]
        for layer in layers:
            lines.append(f"| {layer} | " + " | ".join(
                f"{cell[(layer, e)]['seconds']:.1f}" for e in estimators) + " |")
        pairs = info.get("layer_information") or []
        if pairs:
            r0 = pairs[0]
            lines += ["", f"Between layers (`skmi.nn.layer_information`, first "
                      f"{r0['n_samples']} recording rows, log2 N = "
                      f"{np.log2(r0['n_samples']):.2f} bits): {r0['convention']}.", "",
                      "| quantity | layer | other | bits | standard error | saturated |",
                      "|---|---|---|---:|---:|---|"]
            lines += [f"| {r['quantity']} | {r['layer']} | {r['other']} | {r['value']:.3f} "
                      f"| {r['std_error']:.3f} | {'yes' if r['saturated'] else 'no'} |"
                      for r in pairs]
        notes = []
        for r in net_rows:
            if r["estimator"] == "auto" and r["detail"]:
                notes.append(f"- {r['layer']}, auto: {r['detail']}")
            if r["error"]:
                notes.append(f"- {r['layer']}, {r['estimator']}: error: {r['error']}")
            if r["warnings"]:
                notes.append(f"- {r['layer']}, {r['estimator']}: warnings: {r['warnings']}")
        if notes:
            lines += ["", *notes]
    return "\n".join(lines) + "\n"


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "bits": f"{r['bits']:.6f}", "seconds": f"{r['seconds']:.3f}",
                             "floor_bits": f"{r['floor_bits']:.6f}",
                             "H_Y_bits": f"{r['H_Y_bits']:.6f}"})


# --------------------------------------------------------------------------------- main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-path", type=Path, default=REPO.parent / "shared/data/mnist",
                        help="folder with the MNIST IDX files (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/skmi-mnist-cache"),
                        help="trained weights and recorded activations (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results",
                        help="where mnist_layers.md and .csv go (default: %(default)s)")
    parser.add_argument("--n", type=int, default=10000,
                        help="rows of the test set to record (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pairs-n", type=int, default=2000,
                        help="recording rows for I(X;T), I(T;Y) and I(T_i;T_j) under the "
                             "noise convention of skmi.nn.layer_information (O(N^2) each)")
    parser.add_argument("--estimators", default=DEFAULT_ESTIMATORS,
                        help="comma-separated names of skmi.metrics.MI_ESTIMATORS "
                             "(default: %(default)s)")
    parser.add_argument("--networks", default="mlp,cnn", help="mlp, cnn or mlp,cnn")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch, Numba and BLAS threads (default: %(default)s)")
    parser.add_argument("--epochs-mlp", type=int, default=5)
    parser.add_argument("--epochs-cnn", type=int, default=4)
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    args.networks = [s.strip() for s in args.networks.split(",") if s.strip()]
    unknown = [s for s in args.networks if s not in NETWORKS]
    if unknown or not args.networks:
        parser.error(f"--networks: choose from {sorted(NETWORKS)}, got {args.networks}")
    if not 1 <= args.n <= 10000:
        parser.error("--n must be between 1 and 10000 (the test set)")
    return args


def set_threads(n: int) -> None:
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(n)
    threadpool_limits(n)
    try:
        import numba

        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    except ImportError:
        pass


def main(argv=None) -> None:
    args = parse_args(argv)
    set_threads(args.threads)
    import torch

    names = [s.strip() for s in args.estimators.split(",") if s.strip()]
    estimators = [s for s in names if s in MI_ESTIMATORS]
    skipped = [s for s in names if s not in MI_ESTIMATORS]
    for s in skipped:
        print(f"note: estimator {s!r} is not in skmi.metrics.MI_ESTIMATORS; skipped",
              flush=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)

    from skmi.datasets import load_mnist

    X_train, y_train = load_mnist(args.mnist_path, subset="train")
    X_test, y_test = load_mnist(args.mnist_path, subset="test")
    data = (torch.from_numpy(X_train.astype(np.float32)), torch.from_numpy(y_train),
            torch.from_numpy(X_test.astype(np.float32)), torch.from_numpy(y_test))
    print(f"MNIST from {args.mnist_path}: {len(y_train)} train, {len(y_test)} test rows; "
          f"estimators {estimators}", flush=True)

    start = time.perf_counter()
    infos, rows = {}, []
    for name in args.networks:
        info, net_rows = run_network(name, args, data, estimators)
        infos[name] = info
        rows += net_rows
    total = time.perf_counter() - start

    md_path, csv_path = args.out / "mnist_layers.md", args.out / "mnist_layers.csv"
    md_path.write_text(markdown(infos, rows, estimators, skipped, args))
    write_csv(csv_path, rows)

    print(f"\nSummary (bits; floor I(pred;Y) .. H(Y); ✗ outside by > {SLACK_BITS}):")
    for name, info in infos.items():
        print(f"  {name}: test acc {info['test_accuracy']:.4f}, trained "
              f"{info['train_seconds']:.1f} s{' (cached)' if info['cached'] else ''}, "
              f"floor {info['floor']:.3f} .. H(Y) {info['H_Y']:.3f}")
        for layer in dict.fromkeys(r["layer"] for r in rows if r["network"] == name):
            cells = [f"{r['estimator']}={fmt_bits(r)}" for r in rows
                     if r["network"] == name and r["layer"] == layer]
            print(f"    {layer:6s} " + "  ".join(cells))
    bad = [r for r in rows if r["below_floor"] or r["above_ceiling"] or r["error"]]
    print(f"  {len(bad)} of {len(rows)} estimates out of bounds or failed; "
          f"total {total:.0f} s")
    print(f"wrote {md_path} and {csv_path}; cache {args.cache}")


if __name__ == "__main__":
    main()
