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

``--mode threads`` measures torch's CPU threads instead: ``MINE(max_epochs=20)`` and
``InfoNCE(max_epochs=20)`` fits on 2000 rows and ``AutoMI`` (which trains InfoNCE) on
2000 rows of 5 x 5 correlated Gaussians, and the README's Python information-plane
example (``train_and_record`` on digits, 600 epochs; ``--readme-epochs``), each fit in
a fresh process (environment variables only act at process start) under three settings:

- ``default``: what a library user gets now: no environment variable, torch's default
  thread count, the estimators' ``n_jobs=None``;
- ``cli``: what ``skmi infoplane`` and the tests set: ``OMP_WAIT_POLICY=PASSIVE`` and
  ``torch.set_num_threads(1)`` at start;
- ``before``: ``default`` with the neural estimators on torch's default thread count,
  as before ``n_jobs`` existed (``n_jobs`` = ``torch.get_num_threads()`` at start);

on the machine as it is ("idle") and beside two busy processes (``python -c "while
True: pass"``, started for the condition and killed after it). Reports the median wall
time of the fit and the ratios to ``cli``::

    python benchmarks/bench_neural.py --mode threads --repeats 3

Writes ``benchmarks/results/bench_neural_threads.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
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
                          device=device, n_jobs=args.threads, random_state=0)
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
        f"- torch {torch.__version__} (n_jobs = {args.threads}, torch's default "
        f"{torch.get_num_threads()} CPU threads), "
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


THREAD_CASES = ("MINE", "InfoNCE", "AutoMI", "README")
THREAD_SETTINGS = ("default", "cli", "before")


def readme_example(epochs: int, n_jobs) -> float:
    """The README's Python information-plane example (digits, tanh 64-16-8-4-3-10, 30
    fixed bins); returns the final test accuracy."""
    from skmi import BinningMI
    from skmi.datasets import load_digits_dataset
    from skmi.nn import InformationPlane, hidden_layers, make_mlp, train_and_record

    X, y = load_digits_dataset(scale="unit")
    model = make_mlp([64, 16, 8, 4, 3, 10], activation="tanh", random_state=0)
    plane = InformationPlane(hidden_layers(model),
                             x_estimator=BinningMI(30, strategy="fixed", bin_range=(-1, 1)),
                             unit="bits")
    result = train_and_record(model, X, y, plane=plane, epochs=epochs, batch_size=64,
                              seed=0, n_jobs=n_jobs)
    return float(result.test_accuracy[-1])


def thread_case(case: str, setting: str, readme_epochs: int = 600) -> dict:
    """Fit one case in this process (a fresh one per call) and time the fit."""
    from skmi import AutoMI

    torch_default = torch.get_num_threads()
    if setting == "cli":
        torch.set_num_threads(1)
    n_jobs = torch_default if setting == "before" else None
    if case == "README":
        # before: training on torch's default threads; cli: as skmi infoplane (--threads 1)
        n_jobs = {"before": torch_default, "cli": 1}.get(setting)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            acc = readme_example(readme_epochs, n_jobs)
            wall = time.perf_counter() - start
        return dict(seconds=wall, mi=acc, torch_default=torch_default,
                    threads_after=torch.get_num_threads())
    if setting == "before":  # AutoMI builds InfoNCE(random_state=...) itself
        InfoNCE.__init__.__kwdefaults__["n_jobs"] = n_jobs
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 5))
    y = 0.5 * x + math.sqrt(1 - 0.25) * rng.standard_normal((2000, 5))  # I = 0.72 nats
    if case == "AutoMI":
        est = AutoMI(random_state=0)
    else:
        est = ESTIMATORS[case](max_epochs=20, device="cpu", n_jobs=n_jobs, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        est.fit(x, y)
        wall = time.perf_counter() - start
    return dict(seconds=wall, mi=float(est.mi_), torch_default=torch_default,
                threads_after=torch.get_num_threads())


def _spawn_case(case: str, setting: str, timeout: float, readme_epochs: int) -> dict:
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    if setting == "cli":
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    cmd = [sys.executable, __file__, "--mode", "threads", "--one", case, setting,
           "--readme-epochs", str(readme_epochs)]
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                             check=True).stdout
    except subprocess.TimeoutExpired:
        return dict(seconds=math.inf, mi=math.nan)
    return json.loads(out.strip().splitlines()[-1])


def run_threads(args) -> list[dict]:
    rows = []
    for condition in args.conditions:
        burners = []
        if condition == "busy":
            burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                       for _ in range(args.busy)]
            time.sleep(1.0)
        try:
            for case in args.cases:  # warm-up: Numba's disk cache, the page cache
                _spawn_case(case, "cli", args.timeout, args.readme_epochs)
            for r in range(args.repeats):
                for case in args.cases:
                    for setting in args.settings:
                        res = _spawn_case(case, setting, args.timeout, args.readme_epochs)
                        rows.append(dict(condition=condition, case=case, setting=setting,
                                         repeat=r, load=os.getloadavg()[0], **res))
                        print(f"{condition:5s} {case:8s} {setting:8s} run {r}: "
                              f"{res['seconds']:7.2f} s  mi={res['mi']:.4f}", flush=True)
        finally:
            for b in burners:
                b.kill()
                b.wait()
    return rows


def markdown_threads(rows: list[dict], args) -> str:
    def median(condition, case, setting):
        return float(np.median([r["seconds"] for r in rows if r["condition"] == condition
                                and r["case"] == case and r["setting"] == setting]))

    loads = {c: [r["load"] for r in rows if r["condition"] == c] for c in args.conditions}
    lines = [
        "# torch CPU threads: neural fits with default settings and with the CLI's",
        "",
        f"`python benchmarks/bench_neural.py {' '.join(args.argv)}`".replace(" `", "`"),
        "",
        f"- {os.cpu_count()} CPUs, torch {torch.__version__} (default "
        f"{rows[0].get('torch_default', '?')} threads), Python "
        f"{platform.python_version()}, {platform.machine()}.",
        "- Data: 2000 rows, X and Y 5-d standard normal, Y = 0.5 X + noise (0.72 nats). "
        "`MINE(max_epochs=20)` and `InfoNCE(max_epochs=20)` on the CPU, random_state=0; "
        "`AutoMI(random_state=0)` (KSG on normal scores, InfoNCE, the Gaussian ones). "
        f"README: the README's Python information-plane example ({args.readme_epochs} "
        "epochs on digits, 30 fixed bins; its 'estimate' column is the final test "
        "accuracy).",
        "- Each fit in a fresh process; the wall time of `fit` only (imports and Numba's "
        "cache loading excluded); median of "
        f"{args.repeats} runs after one warm-up run per case.",
        "- default: no environment variable, torch's default threads, `n_jobs=None`; "
        "cli: `OMP_WAIT_POLICY=PASSIVE` and `torch.set_num_threads(1)` at start (as "
        "`skmi infoplane` and the tests); before: default with the neural estimators on "
        "torch's default threads (as before `n_jobs`).",
        "- busy: beside " + f"{args.busy} processes running `while True: pass`. "
        + "1-minute load average after each run: "
        + ", ".join(f"{c} {min(v):.1f} to {max(v):.1f}" for c, v in loads.items())
        + " (a load above 1 on idle means other work shared the machine).",
        "",
        "| condition | case | default (s) | cli (s) | before (s) | default / cli | "
        "before / cli |",
        "|---|---|---|---|---|---|---|",
    ]
    for condition in args.conditions:
        for case in args.cases:
            med = {s: median(condition, case, s) if s in args.settings else math.nan
                   for s in THREAD_SETTINGS}
            lines.append(
                f"| {condition} | {case} | {med['default']:.2f} | {med['cli']:.2f} | "
                f"{med['before']:.2f} | {med['default'] / med['cli']:.2f} | "
                f"{med['before'] / med['cli']:.2f} |"
            )
    lines += ["", "All runs (seconds):", "",
              "| condition | case | setting | runs | estimate (nats) |", "|---|---|---|---|---|"]
    for condition in args.conditions:
        for case in args.cases:
            for setting in args.settings:
                sel = [r for r in rows if (r["condition"], r["case"], r["setting"])
                       == (condition, case, setting)]
                lines.append(f"| {condition} | {case} | {setting} | "
                             + ", ".join(f"{r['seconds']:.2f}" for r in sel)
                             + f" | {sel[0]['mi']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["staircase", "threads"], default="staircase")
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
                        help="torch CPU threads, the estimators' n_jobs (default: "
                        "None, one thread unless a step is large)")
    parser.add_argument("--out", type=Path, default=None,
                        help="default: benchmarks/results/bench_neural.md, or "
                        "bench_neural_threads.md with --mode threads")
    threads = parser.add_argument_group("--mode threads")
    threads.add_argument("--repeats", type=int, default=3)
    threads.add_argument("--conditions", nargs="+", choices=["idle", "busy"],
                         default=["idle", "busy"])
    threads.add_argument("--settings", nargs="+", choices=THREAD_SETTINGS,
                         default=list(THREAD_SETTINGS))
    threads.add_argument("--busy", type=int, default=2, help="busy processes")
    threads.add_argument("--cases", nargs="+", choices=THREAD_CASES,
                         default=list(THREAD_CASES))
    threads.add_argument("--timeout", type=float, default=300.0,
                         help="seconds per fit process (inf in the table past it)")
    threads.add_argument("--readme-epochs", type=int, default=600,
                         help="epochs of the README example case (README: 600)")
    threads.add_argument("--one", nargs=2, metavar=("CASE", "SETTING"),
                         help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.mode == "threads":
        if args.one:
            print(json.dumps(thread_case(*args.one, args.readme_epochs)))
            return
        args.out = args.out or Path(__file__).parent / "results" / "bench_neural_threads.md"
        rows = run_threads(args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown_threads(rows, args))
        print(f"wrote {args.out}")
        return
    args.out = args.out or Path(__file__).parent / "results" / "bench_neural.md"
    rows = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(rows, args))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
