"""The measurements behind ``AutoMI``'s rules for continuous data (skmi/auto.py).

On the 40 main tasks (N = 5000, 5 seeds) this compares the pieces AutoMI chooses
between: KSG on the raw data and on normal scores (the rank copula step), with
k = 1, 2, 3, the Gaussian-copula MI, the InfoNCE bound (needs torch), and the
combinations AutoMI could use. It writes
``benchmarks/results/auto_rules.md``: per task the mean estimate of each, and per
candidate rule the number of tasks within the factor 1.5 of Czyż et al. (2023).

    python benchmarks/auto_rules.py --n 5000 --seeds 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skmi import KSG, GaussianCopulaMI  # noqa: E402
from skmi.auto import SMALL_K_DIMS  # noqa: E402
from skmi.benchmark import runner  # noqa: E402
from skmi.benchmark.tasks import get_tasks  # noqa: E402
from skmi.gaussian import copula_normalize  # noqa: E402


def _ksg(X, Y, k, scores):
    Y = Y.reshape(len(Y), -1)
    if scores:
        X, Y = copula_normalize(X), copula_normalize(Y)
    return KSG(k=k, random_state=0).fit(X, Y).mi_


def ksg3_raw(X, Y):
    return _ksg(X, Y, 3, False)


def ksg1_scores(X, Y):
    return _ksg(X, Y, 1, True)


def ksg2_scores(X, Y):
    return _ksg(X, Y, 2, True)


def ksg3_scores(X, Y):
    return _ksg(X, Y, 3, True)


def gcmi(X, Y):
    return GaussianCopulaMI().fit(X, Y.reshape(len(Y), -1)).mi_


def infonce(X, Y):
    from skmi import InfoNCE

    return InfoNCE(random_state=0).fit(X, Y.reshape(len(Y), -1)).mi_


PIECES = [ksg3_raw, ksg1_scores, ksg2_scores, ksg3_scores, gcmi, infonce]


def _rules(by_task: dict, dims: dict) -> dict[str, dict[str, list[float]]]:
    """Per rule, per task: the per-seed values it would return."""
    auto = (f"AutoMI: max(KSG k=3 if d <= {SMALL_K_DIMS} else k=1, copula, "
            f"InfoNCE if d > {SMALL_K_DIMS})")
    rules: dict[str, dict[str, list[float]]] = {
        "KSG k=3, raw": {}, "KSG k=3, scores": {}, "Gaussian copula": {}, "InfoNCE": {},
        "max(KSG k=3 scores, copula)": {}, "max(KSG k=1 scores, copula)": {},
        f"max(KSG k=3 if d <= {SMALL_K_DIMS} else k=1, copula)": {}, auto: {},
    }
    names = list(rules)
    for task, v in by_task.items():
        small = dims[task] <= SMALL_K_DIMS
        k_auto = v["ksg3_scores"] if small else v["ksg1_scores"]
        rules[names[0]][task] = v["ksg3_raw"]
        rules[names[1]][task] = v["ksg3_scores"]
        rules[names[2]][task] = v["gcmi"]
        rules[names[3]][task] = v["infonce"]
        rules[names[4]][task] = np.maximum(v["ksg3_scores"], v["gcmi"])
        rules[names[5]][task] = np.maximum(v["ksg1_scores"], v["gcmi"])
        rules[names[6]][task] = np.maximum(k_auto, v["gcmi"])
        rules[auto][task] = (np.maximum(k_auto, v["gcmi"]) if small else
                             np.maximum(np.maximum(k_auto, v["gcmi"]), v["infonce"]))
    return rules


def _within(values, truth) -> bool:
    values = np.asarray(values, dtype=float)
    logs = np.log(values[values > 0] / truth)
    return bool(logs.size) and abs(float(np.mean(logs))) < np.log(1.5)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" /
                                             "auto_rules.md"))
    args = parser.parse_args(argv)
    tasks = get_tasks("main")
    t0 = time.perf_counter()
    rows = runner._records(runner.run(PIECES, tasks=tasks, n_samples=args.n,
                                      seeds=args.seeds, n_jobs=args.n_jobs))
    truth = {t.name: t.mutual_information for t in tasks}
    dims = {t.name: t.dim_x + t.dim_y for t in tasks}
    by_task: dict[str, dict[str, np.ndarray]] = {}
    for t in tasks:
        by_task[t.name] = {
            f.__name__: np.array([r["estimate"] for r in rows
                                  if r["task"] == t.name and r["estimator"] == f.__name__])
            for f in PIECES
        }
    rules = _rules(by_task, dims)
    lines = [
        "# Measurements behind AutoMI's rules for continuous data",
        "",
        f"`python benchmarks/auto_rules.py --n {args.n} --seeds {args.seeds}`: the 40 "
        f"main tasks, N = {args.n}, {args.seeds} seeds, mean estimates in nats; "
        "'scores' = every column replaced by its normal scores (ranks -> standard "
        "normal quantiles) first. ✗: outside the factor 1.5 (Czyż et al.'s criterion on "
        f"the mean log ratio). {time.perf_counter() - t0:.0f} s on 2 shared cores.",
        "",
        "## Rules: tasks within the factor 1.5, of 40",
        "",
        "| rule | tasks |",
        "|---|---:|",
    ]
    for rule, values in rules.items():
        count = sum(_within(values[t], truth[t]) for t in values)
        lines.append(f"| {rule} | {count} |")
    lines += ["", "## Per task", "",
              "| task | d_x + d_y | truth | " + " | ".join(f.__name__ for f in PIECES) + " |",
              "|---|---:|---:|" + "---:|" * len(PIECES)]
    for t in tasks:
        cells = []
        for f in PIECES:
            v = by_task[t.name][f.__name__]
            mark = "" if _within(v, truth[t.name]) else " ✗"
            cells.append(f"{np.mean(v):.3f}{mark}")
        lines.append(f"| {t.name} | {dims[t.name]} | {truth[t.name]:.3f} | "
                     + " | ".join(cells) + " |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:16]))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
