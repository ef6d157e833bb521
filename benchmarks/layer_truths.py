"""Recompute the true MI of every task of the ``"layers"`` suite (skmi/benchmark/layers.py).

Each truth is ``log K - mean H(Y | t)`` over independent draws of the task's model, the
posterior entropy being exact (``skmi.benchmark.layers.monte_carlo_mi``), in float64,
in chunks of 20,000 rows. The script prints per task the value, its standard error,
the fraction of exact zeros (ReLU) and, for the ReLU layers, the Gaussian-mixture value
``I(Z; Y)`` of the pre-activation (an upper bound: ``T`` is a function of ``Z``); then
the ``LAYER_TRUTHS`` literal that ``layers.py`` hard-codes, and (with ``--out``) writes
the Markdown table of ``benchmarks/results/layer_truths.md``.

    python benchmarks/layer_truths.py --n 1000000 --out benchmarks/results/layer_truths.md
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skmi.benchmark import layers  # noqa: E402

#: Offset of the Monte-Carlo seeds: ``random_state = SEED + index`` of the task.
SEED = 20_240_601


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=layers.TRUTH_DRAWS,
                        help="Monte-Carlo draws per task (default %(default)s)")
    parser.add_argument("--chunk", type=int, default=20_000, help="rows per chunk")
    parser.add_argument("--out", type=Path, default=None, help="write a Markdown table here")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    rows, literal = [], []
    for i, spec in enumerate(layers.LAYER_SPECS):
        t0 = time.perf_counter()
        means, activation, noise = layers.layer_distribution(spec)
        mi, se = layers.monte_carlo_mi(means, activation, noise, args.n, SEED + i, args.chunk)
        zeros = layers.zero_fraction(means, noise) if activation == "relu" else math.nan
        gauss = (layers.monte_carlo_mi(means, "linear", noise, args.n, SEED + i, args.chunk)
                 if activation == "relu" else (math.nan, math.nan))
        seconds = time.perf_counter() - t0
        rows.append((spec, mi, se, zeros, gauss, seconds))
        print(f"{spec.name:26s} d={spec.width:5d} K|m={spec.n_classes:4d} I={mi:.5f} "
              f"se={se:.5f} zeros={zeros:.3f} I(Z;Y)={gauss[0]:.5f} ({seconds:.1f} s)",
              flush=True)
        literal.append(f'    "{spec.name}": ({mi:.6f}, {se:.6f}),')
    total = time.perf_counter() - start
    print("\nLAYER_TRUTHS = {\n" + "\n".join(literal) + "\n}")
    print(f"\n{total:.0f} s")
    if args.out is not None:
        args.out.write_text(_markdown(rows, args.n, total), encoding="utf-8")
    return 0


def _markdown(rows, n, total) -> str:
    lines = [
        "# True MI of the `layers` suite",
        "",
        f"`python benchmarks/layer_truths.py --n {n}`: per task, `log K - mean H(Y | t)` "
        f"over {n:,} independent draws (the posterior entropy is exact; "
        "`skmi.benchmark.layers.monte_carlo_mi`), its standard error, the expected "
        "fraction of exact zeros of the ReLU layers (mean of `Phi(-mu_cj)`, exact) and, "
        "for them, the Gaussian-mixture MI of the pre-activation `I(Z; Y)` from the same "
        f"draws (an upper bound of `I(T; Y)`). Nats; {total:.0f} s on 2 shared cores. "
        "`layers.py` hard-codes the values and standard errors to 6 decimals.",
        "",
        "| task | family | d | K or m | log K or log m | I(T; Y) | standard error | zeros "
        "| I(Z; Y) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for spec, mi, se, zeros, gauss, _ in rows:
        z = "" if math.isnan(zeros) else f"{zeros:.1%}"
        g = "" if math.isnan(gauss[0]) else f"{gauss[0]:.4f}"
        lines.append(f"| {spec.name} | {spec.family} | {spec.width} | {spec.n_classes} | "
                     f"{math.log(spec.n_classes):.4f} | {mi:.4f} | {se:.4f} | {z} | {g} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
