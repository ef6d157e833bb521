"""Benchmark MISelector (multivariate MI forward selection) against univariate ranking.

Run from the repository root::

    python benchmarks/bench_feature_selection.py          # -> results/bench_feature_selection.md
    python benchmarks/bench_feature_selection.py --seeds 3 --no-digits   # quicker

Methods: ``MISelector`` with each criterion (``jmi``, ``mrmr``, ``cmim``, ``joint``;
default estimator, ``first_step="auto"``, ``random_state=seed``) against
``SelectKBest(mutual_info_classif)`` (``discrete_features`` set to the truth for the
discrete data sets, ``random_state=seed``) and ``SelectKBest(f_classif)``.

Scenarios (a fresh data set per seed):

* **copies**: three noisy copies of x0 (columns 0-2), an independent feature x3 that is
  weaker on its own than the copies, five noise columns; ``y = [x0 + 0.6 x3 + e > median]``;
  select 2. Success: one copy and x3. Continuous (Gaussian, copies with 0.1 sd noise) and
  discrete (4 levels, 5% of each copy's entries replaced at random); n = 1000.
* **xor**: ``y = x1 XOR x2`` (binary columns, or the signs of Gaussian ones) among eight
  noise columns; select 2. Success: {1, 2}. n = 600.
* **make_classification**: 15 columns, of which 3 informative, 3 redundant (linear
  combinations of them) and 3 repeated (copies), 6 noise (``shuffle=False``), 3 classes,
  n = 1000; select 3. Success: the 3 columns span the informative subspace (rank 3 and
  no noise column), i.e. no redundant pick.
* **digits** (``sklearn.datasets.load_digits``, 1797 images of 8x8 pixels with values
  0-16, so every column is discrete to MISelector; one run): select 10 pixels.

Reported per method: success rate over the seeds, the most frequent pick, the mean
5-fold cross-validated accuracy of ``LogisticRegression(max_iter=2000)`` and of
``KNeighborsClassifier(n_neighbors=15)`` on the chosen columns (standardised; selection
on the whole data set, identical for every method, so the accuracies compare the picks
rather than estimate generalisation; a linear model cannot use an XOR pair), and the
median fit time of the selector. Times are wall clock on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from collections import Counter
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the local skmi

from sklearn.datasets import load_digits, make_classification  # noqa: E402
from sklearn.feature_selection import SelectKBest, f_classif, mutual_info_classif  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skmi.datasets import make_redundant_copies, make_xor  # noqa: E402
from skmi.feature_selection import MISelector  # noqa: E402

CRITERIA = ("jmi", "mrmr", "cmim", "joint")
# f_classif divides by zero on the constant pixels of digits (score nan, never picked)
warnings.filterwarnings("ignore", category=RuntimeWarning, module="sklearn.feature_selection")


# ------------------------------------------------------------------------ data sets
def copies(seed: int, discrete: bool, n: int = 1000):
    return make_redundant_copies(n, discrete=discrete, random_state=seed)


def xor(seed: int, discrete: bool, n: int = 600):
    return make_xor(n, discrete=discrete, random_state=seed)


def classification(seed: int):
    return make_classification(
        n_samples=1000, n_features=15, n_informative=3, n_redundant=3, n_repeated=3,
        n_classes=3, n_clusters_per_class=1, shuffle=False, random_state=seed,
    )


def copies_ok(X, picked):
    return len(picked & {0, 1, 2}) == 1 and 3 in picked


def xor_ok(X, picked):
    return picked == {1, 2}


def spans_informative(X, picked):
    cols = sorted(picked)
    return max(cols) < 9 and np.linalg.matrix_rank(X[:, cols], tol=1e-8) == 3


# --------------------------------------------------------------------------- methods
def methods(seed: int, discrete: bool):
    mic = partial(mutual_info_classif, discrete_features=discrete, random_state=seed)
    out = {f"MISelector({c})": partial(MISelector, criterion=c, random_state=seed)
           for c in CRITERIA}
    out["SelectKBest(mutual_info_classif)"] = lambda k: SelectKBest(mic, k=k)
    out["SelectKBest(f_classif)"] = lambda k: SelectKBest(f_classif, k=k)
    return out


def cv_accuracy(X, y, picked) -> tuple[float, float]:
    """5-fold CV accuracy of a linear and of a k-NN classifier on the chosen columns."""
    Xs = X[:, sorted(picked)]
    linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    knn = make_pipeline(StandardScaler(), KNeighborsClassifier(n_neighbors=15))
    return (float(cross_val_score(linear, Xs, y, cv=5).mean()),
            float(cross_val_score(knn, Xs, y, cv=5).mean()))


def run_scenario(name, make, k, ok, seeds, discrete):
    rows = {}
    for seed in seeds:
        X, y = make(seed)
        for label, build in methods(seed, discrete).items():
            t = time.perf_counter()
            sel = build(k).fit(X, y)
            elapsed = time.perf_counter() - t
            picked = {int(i) for i in sel.get_support(indices=True)}
            r = rows.setdefault(label, {"ok": [], "acc": [], "knn": [], "time": [],
                                        "picks": Counter(), "first": Counter()})
            r["ok"].append(bool(ok(X, picked)) if ok is not None else None)
            acc, knn = cv_accuracy(X, y, picked)
            r["acc"].append(acc)
            r["knn"].append(knn)
            r["time"].append(elapsed)
            r["picks"][tuple(sorted(picked))] += 1
            r["first"][getattr(sel, "first_step_", "-")] += 1
        print(f"  {name}: seed {seed} done", flush=True)
    return rows


def table(rows, with_success: bool) -> list[str]:
    head = ("| method | success | most frequent pick | CV acc. linear | CV acc. 15-NN | "
            "median fit s | first step |")
    lines = [head, "|---|---|---|---|---|---|---|"]
    for label, r in rows.items():
        n = len(r["ok"])
        success = f"{sum(r['ok'])}/{n}" if with_success else "-"
        pick, count = r["picks"].most_common(1)[0]
        first = ", ".join(f"{k} {v}" for k, v in r["first"].items()) if "-" not in r[
            "first"] else "-"
        lines.append(
            f"| {label} | {success} | {list(pick)} ({count}/{n}) | {np.mean(r['acc']):.3f} | "
            f"{np.mean(r['knn']):.3f} | {np.median(r['time']):.2f} | {first} |"
        )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"
                                             / "bench_feature_selection.md"))
    parser.add_argument("--seeds", type=int, default=10, help="data sets per scenario")
    parser.add_argument("--no-digits", action="store_true", help="skip load_digits")
    args = parser.parse_args(argv)
    seeds = range(args.seeds)

    # warm the JIT (and the Numba cache) up outside the timings
    MISelector(2, random_state=0).fit(*copies(0, False, 200))
    MISelector(2, random_state=0).fit(*copies(0, True, 200))

    start = time.perf_counter()
    sections = []
    scenarios = [
        ("copies, continuous", partial(copies, discrete=False), 2, copies_ok, False,
         "one copy + x3"),
        ("copies, discrete", partial(copies, discrete=True), 2, copies_ok, True,
         "one copy + x3"),
        ("xor, continuous", partial(xor, discrete=False), 2, xor_ok, False, "{1, 2}"),
        ("xor, discrete", partial(xor, discrete=True), 2, xor_ok, True, "{1, 2}"),
        ("make_classification", classification, 3, spans_informative, False,
         "3 columns spanning the informative subspace"),
    ]
    for name, make, k, ok, discrete, goal in scenarios:
        print(name, flush=True)
        rows = run_scenario(name, make, k, ok, seeds, discrete)
        sections.append((f"{name} (select {k}; success = {goal})", table(rows, True)))
    if not args.no_digits:
        print("digits", flush=True)
        X, y = load_digits(return_X_y=True)
        rows = run_scenario("digits", lambda seed: (X, y), 10, None, [0], True)
        sections.append(("digits (select 10 of 64 pixels; one run)", table(rows, False)))
    total = time.perf_counter() - start

    lines = [
        "# MISelector vs univariate feature ranking",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}. Shared machine: other "
        "jobs were running, so times are noisy.",
        f"{args.seeds} seeds (one data set each) per synthetic scenario; total run time "
        f"{total:.0f} s. Command: `python benchmarks/bench_feature_selection.py"
        f"{'' if args.seeds == 10 else f' --seeds {args.seeds}'}"
        f"{' --no-digits' if args.no_digits else ''}`.",
        "",
        "CV accuracy (mean over seeds): 5-fold `LogisticRegression` (linear) and "
        "`KNeighborsClassifier(15)` on the standardised chosen columns, selection made "
        "once on the whole data set (the same protocol for every method; a linear model "
        "cannot use an XOR pair, a k-NN classifier can). First step: "
        "how often MISelector's `first_step=\"auto\"` took a single column or the best "
        "pair. See the docstring of `benchmarks/bench_feature_selection.py` for the data.",
        "",
    ]
    for title, body in sections:
        lines += [f"## {title}", "", *body, ""]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
