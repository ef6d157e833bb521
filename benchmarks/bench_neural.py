"""Neural MI estimators on the Song & Ermon (2020) Gaussian staircase.

X, Y in R^20 with 20 independent correlated pairs; the correlation rho of each step is
chosen so that I(X; Y) = -d/2 log(1 - rho^2) is 2, 4, 6, 8 and 10 nats. For every
estimator (MINE, NWJ, InfoNCE, SMILE) and step: the held-out estimate ``mi_``, its
error, wall time of ``fit`` and optimiser steps per second, on the CPU and on CUDA
when present. InfoNCE cannot exceed log(batch_size) (4.85 nats at 128).

Unlike Song & Ermon, who draw fresh samples every step, every fit here sees one fixed
data set of ``--n`` rows (the estimator's split: 80% training, 20% held out).

Usage::

    python benchmarks/bench_neural.py                      # CPU (and CUDA if present)
    python benchmarks/bench_neural.py --n 50000 --max-epochs 20 --devices cuda

Writes ``benchmarks/results/bench_neural.md``.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the local skmi

from skmi.neural import MINE, NWJ, SMILE, InfoNCE

D = 20
LEVELS = (2.0, 4.0, 6.0, 8.0, 10.0)
SMILE_NOTE = (
    '- SMILE (clip = 5) is biased upwards at high MI by construction: with the exact log dens'
    'ity ratio as critic, `smile_bound` gives 6.65 at I = 6 and 11.87 at I = 10 (one 1000-row'
    ' batch; DV gives 5.98 and 9.40); picking the best epoch by that held-out value adds to it.'
)
ESTIMATORS = {"MINE": MINE, "NWJ": NWJ, "InfoNCE": InfoNCE, "SMILE": SMILE}


def rho_for(mi: float, d: int = D) -> float:
    """Correlation per pair giving ``mi`` nats over ``d`` pairs."""
    return math.sqrt(1.0 - math.exp(-2.0 * mi / d))


def staircase(mi: float, n: int, seed: int):
    rng = np.random.default_rng(seed)
    rho = rho_for(mi)
    x = rng.standard_normal((n, D))
    y = rho * x + math.sqrt(1.0 - rho**2) * rng.standard_normal((n, D))
    return x, y


def run(args) -> list[dict]:
    rows = []
    devices = [d for d in args.devices if d == "cpu" or torch.cuda.is_available()]
    for device in devices:
        for name, cls in ESTIMATORS.items():
            for mi in LEVELS:
                x, y = staircase(mi, args.n, seed=int(mi))
                est = cls(critic=args.critic, hidden_layer_sizes=tuple(args.hidden),
                          embedding_dim=args.embedding_dim, batch_size=args.batch_size,
                          lr=args.lr, max_epochs=args.max_epochs, patience=args.patience,
                          device=device, random_state=0)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    start = time.perf_counter()
                    est.fit(x, y)
                    if device == "cuda":
                        torch.cuda.synchronize()
                    wall = time.perf_counter() - start
                rows.append(dict(device=device, estimator=name, truth=mi, mi=est.mi_,
                                 wall=wall, steps=est.n_steps_, epochs=est.n_epochs_,
                                 best=est.best_epoch_, diverged=est.diverged_,
                                 warned=bool(caught)))
                r = rows[-1]
                print(f"{device:5s} {name:8s} I={mi:4.1f} est={r['mi']:7.3f} "
                      f"wall={wall:6.2f}s steps/s={r['steps'] / wall:7.1f} "
                      f"epochs={r['epochs']} best={r['best']}", flush=True)
    return rows


def markdown(rows: list[dict], args) -> str:
    cap = math.log(args.batch_size)
    lines = [
        "# Neural MI estimators on the 20-d Gaussian staircase",
        "",
        f"`python benchmarks/bench_neural.py {' '.join(args.argv)}`".replace(" `", "`"),
        "",
        f"- n = {args.n} rows per step (20% held out), critic = {args.critic!r}, "
        f"hidden = {tuple(args.hidden)}, embedding = {args.embedding_dim}, "
        f"batch = {args.batch_size}, lr = {args.lr}, max_epochs = {args.max_epochs}, "
        f"patience = {args.patience}, float32, random_state = 0.",
        f"- torch {torch.__version__} ({torch.get_num_threads()} CPU threads), "
        f"Python {platform.python_version()}, {platform.machine()}; "
        + (f"GPU: {torch.cuda.get_device_name(0)}." if torch.cuda.is_available()
           else "no GPU present, so CPU only."),
        f"- InfoNCE is capped at log(batch) = {cap:.2f} nats.",
        "- Estimate = bound on the held-out rows with the critic of the best epoch.",
        SMILE_NOTE,
        "",
        "| device | estimator | true MI | estimate | error | fit time (s) | steps | "
        "steps/s | best/run epochs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        flag = " (diverged)" if r["diverged"] else ""
        lines.append(
            f"| {r['device']} | {r['estimator']} | {r['truth']:.0f} | {r['mi']:.3f}{flag} | "
            f"{r['mi'] - r['truth']:+.3f} | {r['wall']:.1f} | {r['steps']} | "
            f"{r['steps'] / r['wall']:.0f} | {r['best']}/{r['epochs']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--critic", default="separable", choices=["separable", "joint"])
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 256])
    parser.add_argument("--embedding-dim", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--max-epochs", type=int, default=10)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--devices", nargs="+", default=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).parent / "results" / "bench_neural.md")
    args = parser.parse_args(argv)
    import sys

    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(rows, args))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
