"""Coverage of skmi.stats.confidence_interval on Gaussian data with known MI.

For each configuration, draw ``--reps`` independent data sets, build a nominal 95%
interval on each and count how often it contains the true MI. A correct method covers
about 95% of the time; with R replicates the binomial sd of the measured coverage is
sqrt(0.95 * 0.05 / R) (1.5 points at R = 200).

Configurations: KSG with half-sampling (what ``method="auto"`` uses for k-NN), KSG with
the bootstrap (to show why it is not used: repeated rows make the replicates spread far
wider than the estimate does), and GaussianMI / BinningMI with the bootstrap. BinningMI's
interval covers its own binned quantity, not the continuous MI: its bias is not in it.

    python benchmarks/ci_coverage.py --reps 200 --resamples 100
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skmi import KSG, BinningMI, GaussianMI  # noqa: E402
from skmi.stats import confidence_interval  # noqa: E402


def gaussian_pairs(n, rho, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y, -0.5 * d * np.log(1 - rho**2)


CONFIGS = [
    # name, estimator, method, n, rho, d
    ("KSG k=3", KSG(k=3), "subsampling", 1000, 0.0, 1),
    ("KSG k=3", KSG(k=3), "subsampling", 1000, 0.6, 1),
    ("KSG k=3", KSG(k=3), "subsampling", 1000, 0.9, 1),
    ("KSG k=3", KSG(k=3), "subsampling", 2000, 0.6, 2),
    ("KSG k=3", KSG(k=3), "bootstrap", 1000, 0.6, 1),
    ("GaussianMI", GaussianMI(), "bootstrap", 1000, 0.6, 1),
    ("GaussianMI", GaussianMI(), "bootstrap", 1000, 0.6, 2),
    ("BinningMI (20 bins, Miller-Madow)", BinningMI(n_bins=20, correction="miller-madow"),
     "bootstrap", 1000, 0.6, 1),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--resamples", type=int, default=100)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" /
                                             "ci_coverage.md"))
    args = parser.parse_args(argv)
    rows = []
    for name, est, method, n, rho, d in CONFIGS:
        t0 = time.perf_counter()
        hits, widths, errors = 0, [], []
        for rep in range(args.reps):
            x, y, truth = gaussian_pairs(n, rho, d, 10_000 + rep)
            res = confidence_interval(est, x, y, method=method, n_resamples=args.resamples,
                                      random_state=rep)
            low, high = res.confidence_interval
            hits += low <= truth <= high
            widths.append(high - low)
            errors.append(res.estimate - truth)
        cov = hits / args.reps
        se = np.sqrt(0.95 * 0.05 / args.reps)
        rows.append((name, method, n, d, rho, truth, cov, se, float(np.median(widths)),
                     float(np.mean(errors)), float(np.std(errors)),
                     time.perf_counter() - t0))
        print(f"{name:34s} {method:11s} n={n} d={d} rho={rho}: coverage {cov:.3f} "
              f"(sd {se:.3f}), median width {np.median(widths):.4f}, "
              f"bias {np.mean(errors):+.4f}, sd {np.std(errors):.4f}", flush=True)
    lines = [
        "# Confidence-interval coverage on Gaussian data (nominal 95%)",
        "",
        f"`python benchmarks/ci_coverage.py --reps {args.reps} --resamples "
        f"{args.resamples}`",
        "",
        f"- {args.reps} independent data sets per row, {args.resamples} resamples per "
        "interval; X, Y: d independent pairs with correlation rho; truth "
        "-d/2 log(1 - rho^2) nats.",
        f"- Coverage sd from the binomial: {np.sqrt(0.95 * 0.05 / args.reps):.3f}. "
        "'bias' and 'sd' are the full-sample estimate's error over the replicates: the "
        "interval should be about 2 x 1.96 sd wide.",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, "
        f"{platform.machine()}.",
        "",
        "| estimator | method | n | d | rho | true MI | coverage | median width | "
        "bias | sd | time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, method, n, d, rho, truth, cov, _se, width, bias, sd, secs in rows:
        lines.append(f"| {name} | {method} | {n} | {d} | {rho} | {truth:.4f} | "
                     f"{cov:.3f} | {width:.4f} | {bias:+.4f} | {sd:.4f} | {secs:.0f} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
