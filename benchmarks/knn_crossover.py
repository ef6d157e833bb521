"""Where the KD-tree and the brute-force kernel cross over, for ``algorithm="auto"``.

Times ``KSG(algorithm="tree")`` and ``KSG(algorithm="brute")`` on correlated Gaussians
over sample sizes and joint dimensions; the thresholds in ``skmi.knn.TREE_MIN_SAMPLES``
come from this table. Run from the repository root:

    python benchmarks/knn_crossover.py

Writes ``benchmarks/results/knn_crossover.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skmi import KSG  # noqa: E402
from skmi.knn import _use_tree  # noqa: E402


def best_time(est, x, y, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        est.fit(x, y)
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, nargs="+", default=[2000, 10000, 50000])
    parser.add_argument("--d", type=int, nargs="+", default=[1, 2, 3, 4, 6])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/results/knn_crossover.md")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    lines = [
        "# KD-tree vs brute force (KSG-1, k=3, best of "
        f"{args.repeats}, seconds, wall clock)",
        "",
        "| n | joint dim | tree | brute | faster | auto picks |",
        "|---|---|---|---|---|---|",
    ]
    for n in map(int, args.n):
        for d in args.d:
            x = rng.standard_normal((n, d))
            y = 0.5 * x + rng.standard_normal((n, d))
            times = {}
            for alg in ("tree", "brute"):
                KSG(algorithm=alg).fit(x[:600], y[:600])  # compile / load the kernels
                times[alg] = best_time(KSG(algorithm=alg, random_state=0), x, y, args.repeats)
            faster = min(times, key=times.get)
            auto = "tree" if _use_tree("auto", 2 * d, n) else "brute"
            row = (f"| {n} | {2 * d} | {times['tree']:.3f} | {times['brute']:.3f} | "
                   f"{faster} | {auto} |")
            print(row, flush=True)
            lines.append(row)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
