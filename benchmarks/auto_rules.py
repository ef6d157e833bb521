"""The measurements behind ``AutoMI``'s rules (skmi/auto.py).

Every candidate ``AutoMI`` chooses between, computed on every task of the suites
``main`` (Czyż et al. 2023), ``gao`` and ``layers`` (network-layer activations against
labels) at N = 1000 and 5000, 5 seeds each, on the data ``skmi.benchmark.run`` draws
(``task.sample(n, random_state=seed)``):

- against labels: KSG with Ross's counts (k = 3) on the layer as it is and on its
  normal scores, and ``ClassifierMI`` (its default readout);
- with point masses: ``MixedKSG`` with k = 3 and k = 5;
- continuous: KSG (k = 1, 3) on normal scores and (k = 3) on the raw data, the
  Gaussian-copula MI and the Gaussian MI of the raw data, and the non-Gaussianity
  (``skmi.auto.gaussian_excess``) of each side, normal scores and raw;
- InfoNCE comes from the neural benchmark's CSV (``benchmarks/bench_tasks.py``), which
  fits it with the same data and seed as ``AutoMI`` would.

Rules are then evaluated on those numbers (no refitting): the previous ``AutoMI``,
the current one, and variants. Writes ``benchmarks/results/auto_rules.md`` (tasks
within the factor 1.5 of Czyż et al. per rule, suite and N; per-task values) and
``auto_rules.csv`` (every candidate value).

    python benchmarks/auto_rules.py pieces --n 1000 5000 --csv /tmp/auto_pieces.csv
    python benchmarks/auto_rules.py report /tmp/auto_pieces.csv \
        --neural benchmarks/results/benchmark_neural*.csv
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skmi import KSG, ClassifierMI, GaussianCopulaMI, GaussianMI, MixedKSG  # noqa: E402
from skmi.auto import (  # noqa: E402
    CLASSIFIER_MIN_DIMS,
    DISCRETE,
    MIXED,
    NEURAL_MIN_SAMPLES,
    SMALL_K_DIMS,
    _side_kind,
    column_kinds,
    gaussian_excess,
)
from skmi.benchmark import runner  # noqa: E402
from skmi.benchmark.tasks import get_tasks  # noqa: E402
from skmi.gaussian import copula_normalize  # noqa: E402

SUITES = ("main", "gao", "layers")
LOG_FACTOR = math.log(1.5)


def _kind(A, is_int: bool) -> str:
    return DISCRETE if is_int else _side_kind(column_kinds(A))


def _codes(A) -> np.ndarray:
    return np.unique(A, axis=0, return_inverse=True)[1].reshape(-1)


def _pieces(task, n: int, seed: int) -> list[dict]:
    """Every candidate value on one sample (name -> nats), with timings."""
    import warnings

    X, Y = task.sample(n, random_state=seed)
    kx = _kind(X, X.dtype.kind in "iu")
    ky = _kind(Y, Y.dtype.kind in "iu")
    out: dict[str, float] = {}

    def put(name, f):
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[name] = float(f())
        except Exception:  # noqa: BLE001 - a failed candidate is a missing value
            out[name] = math.nan
        out[name + ":s"] = time.perf_counter() - t0

    if DISCRETE in (kx, ky) and not (kx == DISCRETE and ky == DISCRETE):
        layer, labels = (Y, X) if kx == DISCRETE else (X, Y)
        codes = _codes(labels)
        put("ross3_raw", lambda: KSG(k=3, discrete_y=True, random_state=seed)
            .fit(layer, codes).mi_)
        put("ross3_scores", lambda: KSG(k=3, discrete_y=True, random_state=seed)
            .fit(copula_normalize(layer), codes).mi_)
        if layer.shape[1] >= CLASSIFIER_MIN_DIMS:
            put("classifier", lambda: ClassifierMI(random_state=seed).fit(layer, codes).mi_)
    elif MIXED in (kx, ky):
        put("mixed3", lambda: MixedKSG(k=3).fit(X, Y).mi_)
        put("mixed5", lambda: MixedKSG(k=5).fit(X, Y).mi_)
    elif kx != DISCRETE:
        Xn, Yn = copula_normalize(X), copula_normalize(Y)
        for k in (1, 3):
            put(f"ksg{k}_scores", lambda k=k: KSG(k=k, random_state=seed).fit(Xn, Yn).mi_)
        put("ksg3_raw", lambda: KSG(k=3, random_state=seed).fit(X, Y).mi_)
        put("gcmi", lambda: GaussianCopulaMI(discrete_y=False, drop_constant=True)
            .fit(X, Y).mi_)
        put("gauss", lambda: GaussianMI(drop_constant=True).fit(X, Y).mi_)
        for name, A in (("Dx_scores", Xn), ("Dy_scores", Yn), ("Dx_raw", X), ("Dy_raw", Y)):
            side_seed = seed + (1 if name.startswith("Dy") else 0)
            put(name, lambda A=A, s=side_seed: gaussian_excess(A, random_state=s))
    return [{"task": task.name, "n_samples": n, "seed": seed, "kinds": f"{kx}/{ky}",
             "dims": task.dim_x + task.dim_y, "truth": task.mutual_information,
             "piece": name, "value": v} for name, v in out.items()]


def _run_pieces(args) -> int:
    tasks = [t for s in args.suites.split(",") for t in get_tasks(s)]
    jobs = [(t, n, s) for n in args.n for t in tasks for s in range(args.seeds)]
    t0 = time.perf_counter()
    chunks = Parallel(n_jobs=args.n_jobs, verbose=5)(
        delayed(_pieces)(t, n, s) for t, n, s in jobs)
    rows = [r for c in chunks for r in c]
    with open(args.csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"{len(jobs)} samples in {time.perf_counter() - t0:.0f} s -> {args.csv}")
    return 0


# ---------------------------------------------------------------- rules
def _get(v: dict, name: str) -> float:
    x = v.get(name, math.nan)
    return -math.inf if x is None or math.isnan(x) else x


def _corrected(v: dict, value: str, side: str, exact: bool) -> float:
    g = _get(v, value)
    if exact:
        return g
    d = min(_get(v, f"Dx_{side}"), _get(v, f"Dy_{side}"))
    return g - max(0.0, d) if np.isfinite(d) else -math.inf


def rule_old(v: dict, dims: int, n: int, kinds: str, one_column: bool) -> float:
    """AutoMI before: labels -> Ross on scores; mixed -> MixedKSG(k=3); continuous ->
    max(KSG k-rule on scores, copula, InfoNCE if d > 4 and n >= 2000)."""
    if "discrete" in kinds:
        return _get(v, "ross3_scores")
    if "mixed" in kinds:
        return _get(v, "mixed3")
    knn = _get(v, "ksg3_scores" if dims <= SMALL_K_DIMS else "ksg1_scores")
    best = max(knn, _get(v, "gcmi"))
    if dims > SMALL_K_DIMS and n >= 2000:
        best = max(best, _get(v, "infonce"))
    return best


def make_rule(*, neural_min: int = NEURAL_MIN_SAMPLES, classifier: bool = True,
              gaussians: bool = True, correct: bool = True, mixed_k: int = 5,
              both_k: bool = True):
    def rule(v: dict, dims: int, n: int, kinds: str, one_column: bool) -> float:
        if "discrete" in kinds:
            best = max(_get(v, "ross3_raw"), _get(v, "ross3_scores"))
            return max(best, _get(v, "classifier")) if classifier else best
        if "mixed" in kinds:
            return _get(v, f"mixed{mixed_k}")
        best = _get(v, "ksg3_scores" if dims <= SMALL_K_DIMS else "ksg1_scores")
        if both_k:
            best = max(best, _get(v, "ksg3_scores"))
        if gaussians:
            if correct:
                best = max(best, _corrected(v, "gcmi", "scores", one_column),
                           _corrected(v, "gauss", "raw", False))
            else:
                best = max(best, _get(v, "gcmi"), _get(v, "gauss"))
        if dims > SMALL_K_DIMS and n >= neural_min:
            best = max(best, _get(v, "infonce"))
        return best
    return rule


RULES = {
    "previous AutoMI": rule_old,
    "AutoMI (current rules)": make_rule(),
    "current, KSG k = 1 only above 4 dimensions": make_rule(both_k=False),
    "current, neural from N = 1000": make_rule(neural_min=1000),
    "current, no Gaussian-MI candidates": make_rule(gaussians=False),
    "current, Gaussian candidates uncorrected": make_rule(correct=False),
    "current, labels: Ross only": make_rule(classifier=False),
    "current, MixedKSG k = 3": make_rule(mixed_k=3),
}


def _within(values, truth) -> bool:
    values = np.asarray([x for x in values if np.isfinite(x) and x > 0], float)
    return bool(values.size) and abs(float(np.mean(np.log(values / truth)))) < LOG_FACTOR


def _report(args) -> int:
    pieces: dict = {}
    meta: dict = {}
    with open(args.csv) as fh:
        for r in csv.DictReader(fh):
            key = (r["task"], int(r["n_samples"]), int(r["seed"]))
            pieces.setdefault(key, {})[r["piece"]] = float(r["value"])
            meta[r["task"]] = (int(r["dims"]), r["kinds"], float(r["truth"]))
    for path in args.neural:  # InfoNCE, fitted with the same data and seed
        for r in runner._records(runner.read_csv(path)):
            key = (r["task"], int(r["n_samples"]), int(r["seed"]))
            if r["estimator"] == "infonce" and key in pieces:
                pieces[key]["infonce"] = float(r["estimate"])
    one_col = {t.name: t.dim_x == 1 or t.dim_y == 1
               for s in SUITES for t in get_tasks(s)}
    suites = {s: [t.name for t in get_tasks(s)] for s in SUITES}
    sizes = sorted({k[1] for k in pieces})
    results: dict = {}  # (rule, task, n) -> list of values over seeds
    for (task, n, _seed), v in pieces.items():
        dims, kinds, _ = meta[task]
        for name, rule in RULES.items():
            results.setdefault((name, task, n), []).append(
                rule(v, dims, n, kinds, one_col[task]))
    lines = ["# Measurements behind AutoMI's rules", "",
             "`python benchmarks/auto_rules.py`: every candidate of `AutoMI` on the suites "
             f"{', '.join(SUITES)}, N = {', '.join(map(str, sizes))}, 5 seeds, mean "
             "estimates in nats. A task counts when |mean over seeds of log(estimate / "
             "truth)| < log 1.5 (Czyż et al. 2023). InfoNCE values come from the neural "
             "benchmark run (same data and seed).", "",
             "## Rules: tasks within the factor 1.5", "",
             "| rule | " + " | ".join(f"{s} ({len(suites[s])}), N = {n}"
                                     for n in sizes for s in SUITES) + " |",
             "|---|" + "---:|" * (len(sizes) * len(SUITES))]
    for name in RULES:
        cells = []
        for n in sizes:
            for s in SUITES:
                ok = [_within(results[(name, t, n)], meta[t][2])
                      for t in suites[s] if (name, t, n) in results]
                cells.append(f"{sum(ok)}/{len(ok)}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    names = sorted({p for v in pieces.values() for p in v if not p.endswith(":s")})
    for n in sizes:
        lines += ["", f"## Per task, N = {n} (mean over seeds; ✗ outside the factor 1.5)",
                  "", "| task | kinds | dims | truth | auto | previous | "
                  + " | ".join(names) + " |", "|---|---|---:|---:|---:|---:|"
                  + "---:|" * len(names)]
        for s in SUITES:
            for t in suites[s]:
                if ("AutoMI (current rules)", t, n) not in results:
                    continue
                dims, kinds, truth = meta[t]

                def cell(vals, truth=truth):
                    vals = [x for x in vals if np.isfinite(x)]
                    if not vals:
                        return "–"
                    mark = "" if _within(vals, truth) else " ✗"
                    return f"{np.mean(vals):.3f}{mark}"

                seeds = sorted(k[2] for k in pieces if k[0] == t and k[1] == n)
                vals = [cell([pieces[(t, n, sd)].get(p, math.nan) for sd in seeds])
                        for p in names]
                lines.append(
                    f"| {t} | {kinds} | {dims} | {truth:.3f} | "
                    f"{cell(results[('AutoMI (current rules)', t, n)])} | "
                    f"{cell(results[('previous AutoMI', t, n)])} | " + " | ".join(vals) + " |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:8 + len(RULES)]))
    print(f"wrote {args.out}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pieces", help="compute every candidate, write a CSV")
    p.add_argument("--n", type=int, nargs="+", default=[1000, 5000])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--suites", default=",".join(SUITES))
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--csv", required=True)
    p.set_defaults(func=_run_pieces)
    r = sub.add_parser("report", help="evaluate the rules on a pieces CSV")
    r.add_argument("csv")
    r.add_argument("--neural", nargs="*", default=[])
    r.add_argument("--out", default=str(Path(__file__).parent / "results" /
                                        "auto_rules.md"))
    r.set_defaults(func=_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
