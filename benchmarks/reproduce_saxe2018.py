"""Reproduce the binning information planes of Saxe et al. (2018) on the 12-bit data.

Setup (Shwartz-Ziv & Tishby 2017; Saxe et al. 2018): the 4096 patterns of
``skmi.datasets.make_tishby_12bit``, a 12-10-7-5-4-3-2 network (tanh or ReLU hidden
layers), Adam with learning rate 4e-4, batch size 256, 80% of the patterns for training;
I(X; T) and I(T; Y) of every hidden layer on all 4096 patterns at log-spaced epochs:

- tanh: 30 equal bins on [-1, 1];
- ReLU: 100 equal bins over the range observed in that layer at that epoch (minmax);
- both: bins of width 1e-4 (the deterministic-network check of Goldfeld et al. 2019:
  with fine bins every injective layer keeps H(X) = 12 bits).

Checks, on the curves averaged over seeds:

1. tanh: hidden layers 3 to 5 lose at least 1 bit of I(X; T) from their peak by the end;
2. ReLU: no hidden layer loses more than 0.5 bit of I(X; T) after epoch 100 (from its
   peak at or after epoch 100 to the end);
3. width 1e-4: every hidden layer stays near 12 bits (reported: the minimum over
   layers and recorded epochs after epoch 0).

Usage::

    python benchmarks/reproduce_saxe2018.py --epochs 8000 --seeds 5     # the full run
    python benchmarks/reproduce_saxe2018.py --epochs 1500 --seeds 3     # reduced

Writes ``saxe2018.md`` (configuration, checks, table), ``saxe2018.csv`` (every recorded
row, with its seed) and ``saxe2018_planes.png`` to ``--out``
(default ``benchmarks/results``).
"""

from __future__ import annotations

import os

# Numba's OpenMP workers spin between parallel regions and slow torch's small ops down
# many times on few cores; passive waiting must be set before either library loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import csv  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402

SIZES = [12, 10, 7, 5, 4, 3, 2]
BINNINGS = ("coarse", "width1e-4", "width1e-4-f64")
CSV_COLUMNS = ["activation", "seed", "binning", "epoch", "layer", "I_XT", "I_TY", "unit",
               "x_convention", "y_convention", "noise_std", "test_accuracy"]


class Float64View:
    """Records a plane on a float64 copy of the (float32-trained) network."""

    def __init__(self, plane):
        self.plane = plane

    def record(self, model, X, y, epoch):
        import copy

        return self.plane.record(copy.deepcopy(model).double(), X, y, epoch)


def run_one(activation: str, seed: int, epochs: int, n_records: int,
            init: str = "saxe2018") -> list[dict]:
    import torch

    from skmi import BinningMI
    from skmi.datasets import make_tishby_12bit
    from skmi.nn import InformationPlane, hidden_layers, make_mlp, train_and_record

    torch.set_num_threads(1)
    X, y = make_tishby_12bit()
    torch.manual_seed(seed)
    model = make_mlp(SIZES, activation, init=init)
    if activation == "tanh":
        coarse = BinningMI(30, strategy="fixed", bin_range=(-1, 1))
    else:
        coarse = BinningMI(100, strategy="minmax")
    fine = BinningMI(strategy="width", bin_width=1e-4)
    layers = hidden_layers(model)
    planes = [InformationPlane(layers, coarse, unit="bits", device="cpu"),
              InformationPlane(layers, fine, coarse, unit="bits", device="cpu"),
              InformationPlane(layers, fine, coarse, unit="bits", device="cpu")]
    res = train_and_record(model, X, y, plane=[*planes[:2], Float64View(planes[2])],
                           epochs=epochs, n_records=n_records, batch_size=256, lr=4e-4,
                           train_size=0.8, seed=seed, device="cpu")
    rows = []
    for binning, plane in zip(BINNINGS, planes):
        for r in plane.records_:
            rows.append({"activation": activation, "seed": seed, "binning": binning,
                         **r, "test_accuracy": res.test_accuracy[-1],
                         "seconds": round(res.seconds, 1)})
    return rows


def mean_curves(rows, activation, binning):
    """{layer: (epochs, mean I_XT, mean I_TY)} averaged over seeds."""
    out = {}
    sel = [r for r in rows if r["activation"] == activation and r["binning"] == binning]
    for layer in sorted({r["layer"] for r in sel}):
        lr = [r for r in sel if r["layer"] == layer]
        epochs = np.array(sorted({r["epoch"] for r in lr}))
        ixt = np.array([np.mean([r["I_XT"] for r in lr if r["epoch"] == e]) for e in epochs])
        ity = np.array([np.mean([r["I_TY"] for r in lr if r["epoch"] == e]) for e in epochs])
        out[layer] = (epochs, ixt, ity)
    return out


def checks(rows, activations):
    lines, results = [], {}
    if "tanh" in activations:
        c = mean_curves(rows, "tanh", "coarse")
        drops = {k: float(v[1].max() - v[1][-1]) for k, v in c.items()}
        ok = all(drops[k] >= 1.0 for k in ("act3", "act4", "act5"))
        results["tanh"] = ok
        lines.append("| tanh, 30 bins on [-1, 1] | layers 3-5 lose >= 1 bit of I(X;T) from "
                     "the peak | " + ", ".join(f"{k}: {v:.2f}" for k, v in drops.items())
                     + f" | {'holds' if ok else 'does not hold'} |")
    if "relu" in activations:
        c = mean_curves(rows, "relu", "coarse")
        drops = {}
        for k, (ep, ixt, _) in c.items():
            late = ep >= 100
            drops[k] = float(ixt[late].max() - ixt[-1]) if late.any() else float("nan")
        ok = all(v <= 0.5 for v in drops.values())
        results["relu"] = ok
        lines.append("| ReLU, 100 bins over the observed range | no hidden layer loses "
                     "> 0.5 bit after epoch 100 | "
                     + ", ".join(f"{k}: {v:.2f}" for k, v in drops.items())
                     + f" | {'holds' if ok else 'does not hold'} |")
    for act in activations:
        for binning in BINNINGS[1:]:
            c = mean_curves(rows, act, binning)
            mins = {k: float(v[1][v[0] > 0].min()) for k, v in c.items()}
            ok = all(v >= 11.5 for v in mins.values())
            results[f"{act}_{binning}"] = ok
            where = ("float64 copy of the network" if binning.endswith("f64")
                     else "float32 activations, as trained")
            lines.append(f"| {act}, bins of width 1e-4, {where} | every hidden layer stays "
                         "near 12 bits "
                         "(min over epochs > 0 is >= 11.5) | "
                         + ", ".join(f"{k}: {v:.2f}" for k, v in mins.items())
                         + f" | {'holds' if ok else 'does not hold'} |")
    return lines, results


def plot(rows, activations, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    fig, axes = plt.subplots(len(activations), 3, figsize=(16, 4.2 * len(activations)),
                             squeeze=False)
    titles = {"coarse": {"tanh": "30 bins on [-1, 1]", "relu": "100 bins, observed range"},
              "width1e-4": {"tanh": "width-1e-4 bins (float32)",
                            "relu": "width-1e-4 bins (float32)"},
              "width1e-4-f64": {"tanh": "width-1e-4 bins (float64)",
                                "relu": "width-1e-4 bins (float64)"}}
    sc = None
    for i, act in enumerate(activations):
        for j, binning in enumerate(BINNINGS):
            ax = axes[i, j]
            curves = mean_curves(rows, act, binning)
            emax = max(v[0].max() for v in curves.values())
            norm = LogNorm(vmin=1, vmax=emax + 1)
            for k, (ep, ixt, ity) in curves.items():
                ax.plot(ixt, ity, "-", color="0.6", lw=0.8)
                sc = ax.scatter(ixt, ity, c=ep + 1, norm=norm, cmap="viridis", s=16,
                                edgecolors="k", linewidths=0.2)
                ax.annotate(k, (ixt[-1], ity[-1]), fontsize=7, xytext=(3, -8),
                            textcoords="offset points")
            ax.set_title(f"{act}: I(X;T) with {titles[binning][act]}", fontsize=10)
            ax.set_xlabel("I(X; T) [bits]")
            ax.set_ylabel("I(T; Y) [bits] (coarse bins)")
            fig.colorbar(sc, ax=ax, label="epoch + 1")
    seeds = sorted({r["seed"] for r in rows})
    fig.suptitle(f"12-bit data, 12-10-7-5-4-3-2, Adam 4e-4, batch 256; mean over "
                 f"{len(seeds)} seeds; bits; no activation noise", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=8000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--records", type=int, default=40,
                        help="about how many log-spaced epochs to record")
    parser.add_argument("--activations", nargs="+", default=["tanh", "relu"],
                        choices=["tanh", "relu"])
    parser.add_argument("--init", default="saxe2018", choices=["saxe2018", "torch"],
                        help="weight initialisation (see skmi.nn.make_mlp)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    jobs = [(a, s) for a in args.activations for s in range(args.seeds)]
    parts = Parallel(n_jobs=args.n_jobs)(
        delayed(run_one)(a, s, args.epochs, args.records, args.init) for a, s in jobs)
    rows = [r for part in parts for r in part]
    seconds = time.perf_counter() - start

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "saxe2018.csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "I_XT": round(r["I_XT"], 6), "I_TY": round(r["I_TY"], 6),
                             "test_accuracy": round(r["test_accuracy"], 4)})
    plot(rows, args.activations, os.path.join(args.out, "saxe2018_planes.png"))
    lines, results = checks(rows, args.activations)

    acc = {a: [r["test_accuracy"] for r in rows if r["activation"] == a
               and r["layer"] == "act1" and r["binning"] == "coarse" and r["epoch"] == 0]
           for a in args.activations}
    md = [
        "# Saxe et al. (2018) on the 12-bit data: binning information planes",
        "",
        "Produced by `python benchmarks/reproduce_saxe2018.py "
        f"--epochs {args.epochs} --seeds {args.seeds} --records {args.records} "
        f"--init {args.init}` "
        f"({seconds / 60:.1f} min on a shared 2-core CPU machine, "
        f"{args.n_jobs} processes).",
        "",
        f"**Configuration run:** {args.epochs} epochs, seeds 0..{args.seeds - 1}, "
        f"activations {', '.join(args.activations)}; 12-10-7-5-4-3-2 network, Adam "
        f"lr 4e-4, batch 256, 80% training split, initialisation `{args.init}` "
        "(`saxe2018`: the truncated-normal Keras set-up of Saxe et al.'s code; `torch`: "
        "PyTorch's default, weights about half as large), I(X;T) and I(T;Y) on all 4096 patterns "
        "at log-spaced epochs; curves averaged over seeds. "
        + ("This meets the issue's minimum (thousands of epochs, at least 5 seeds), but is "
           "shorter than the ~10^4 epochs of Shwartz-Ziv & Tishby." if args.epochs >= 2000
           and args.seeds >= 5 else
           "This is a REDUCED configuration (the issue asks for thousands of epochs and "
           "at least 5 seeds); rerun with `--epochs 8000 --seeds 5` for the full one."),
        "",
        "Test accuracy at the end: "
        + "; ".join(f"{a}: {np.mean(v):.3f} (mean over seeds)" for a, v in acc.items()),
        "",
        "| setting | Saxe / Goldfeld finding | measured (bits) | in this run |",
        "|---|---|---|---|",
        *lines,
        "",
        "Drops are peak minus final value of the seed-averaged I(X;T); for ReLU the "
        "peak is taken over epochs >= 100. Width-1e-4 bins are applied to the float32 "
        "activations the network was trained with, and to a float64 copy of the same "
        "network. Where both give the same value, the merging of inputs is not float32 "
        "rounding: a saturated tanh unit maps every pre-activation beyond |x| = 5.3 "
        "into less than 1e-4 of +-1, i.e. into one bin, and a ReLU layer is not "
        "injective (negative pre-activations all give 0).",
        "",
        "![planes](saxe2018_planes.png)",
        "",
        "## Seed-averaged I(X;T) and I(T;Y) at selected epochs (bits)",
        "",
        "| activation | binning | layer | epoch | I(X;T) | I(T;Y) |",
        "|---|---|---|---|---|---|",
    ]
    for act in args.activations:
        for binning in BINNINGS:
            for layer, (ep, ixt, ity) in mean_curves(rows, act, binning).items():
                picks = sorted({0, *[int(e) for e in ep if e in (10, 100, 1000)],
                                int(ep[int(np.argmax(ixt))]), int(ep[-1])})
                for e in picks:
                    i = int(np.flatnonzero(ep == e)[0])
                    md.append(f"| {act} | {binning} | {layer} | {e} | {ixt[i]:.3f} | "
                              f"{ity[i]:.3f} |")
    with open(os.path.join(args.out, "saxe2018.md"), "w") as fh:
        fh.write("\n".join(md) + "\n")
    print("\n".join(lines))
    print(f"done in {seconds:.0f} s: {results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
