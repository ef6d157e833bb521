"""Every skmi estimator on the ground-truth tasks of ``skmi.benchmark``.

Two steps, so that the slow neural estimators can run apart from the others:

    # fit: one CSV row per (estimator, task, seed), at N = 5000 (--n 1000 likewise)
    python benchmarks/bench_tasks.py run --estimators ksg,mixed_ksg,binning,gaussian,\
gaussian_copula,vinfo --suites main,gao,staircase,high_mi --csv fast.csv
    python benchmarks/bench_tasks.py run --estimators ksg,mixed_ksg,binning,gaussian,\
gaussian_copula,vinfo,classifier --suites layers --csv fast_layers.csv
    python benchmarks/bench_tasks.py run --estimators auto --csv auto.csv
    OMP_NUM_THREADS=1 python benchmarks/bench_tasks.py run \
        --estimators mine,nwj,infonce,smile --csv neural.csv
    # report: Markdown tables (a section per suite and sample size) and heat maps from
    # any number of those CSVs (a later CSV's rows replace an earlier one's for the
    # same estimator, task, seed and N)
    python benchmarks/bench_tasks.py report fast.csv fast_layers.csv auto.csv \
        neural.csv --out benchmarks/results/benchmark

The committed CSVs: ``benchmark_fast.csv`` (both lines of fast estimators merged),
``benchmark_auto.csv``, ``benchmark_neural.csv`` (main, Gao, staircase, high MI) and
``benchmark_neural_layers.csv`` at N = 5000; the ``*_n1000.csv`` files at N = 1000.
``classifier`` (``ClassifierMI``) takes class labels only, so it runs on the layer suite.

Not run: ``KDEMI`` / ``SamplePropagationMI`` (they estimate the information of a layer
with added Gaussian noise of a variance they are given, not I(X; Y) of samples) and
``DiscreteMI`` (discrete data only: on continuous columns every row is its own symbol).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skmi.benchmark import runner  # noqa: E402
from skmi.benchmark.tasks import get_tasks  # noqa: E402

SUITES = ("main", "gao", "staircase", "high_mi", "layers")
TITLES = {
    "main": "Main benchmark: the 40 tasks of Czyż et al. (2023)",
    "gao": "Gao et al. (2017) discrete-continuous mixtures",
    "staircase": "Song & Ermon 20-d Gaussian staircase",
    "high_mi": "High-MI sweep (5 x 5 Gaussian)",
    "layers": "Network layers against labels (`skmi.benchmark.layers`)",
}


def _run(args) -> int:
    names = [s.strip() for s in args.estimators.split(",") if s.strip()]
    tasks = [t for suite in args.suites.split(",") for t in get_tasks(suite)]
    t0 = time.perf_counter()
    rows = runner.run(names, tasks=tasks, n_samples=args.n, seeds=args.seeds,
                      n_jobs=args.n_jobs, progress=not args.no_progress)
    runner.to_csv(rows, args.csv)
    print(runner.format_scores(runner.summarize(rows)))
    print(f"{len(rows) if isinstance(rows, list) else rows.shape[0]} fits in "
          f"{time.perf_counter() - t0:.0f} s -> {args.csv}")
    return 0


def _section(title: str, rows: list[dict], suite: str) -> list[str]:
    names = {t.name for t in get_tasks(suite)}
    part = [r for r in rows if r["task"] in names]
    if not part:
        return []
    summary = runner.summarize(part)
    return [f"## {title}", "", runner.to_markdown(summary), "",
            "```", runner.format_scores(summary), "```", ""]


def _report(args) -> int:
    keyed: dict = {}
    for path in args.csv:  # a later CSV replaces an earlier one's rows for the same fit
        for r in runner._records(runner.read_csv(path)):
            keyed[(r["estimator"], r["task"], r["seed"], r["n_samples"])] = r
    rows = list(keyed.values())
    out = Path(args.out)
    n = sorted({int(r["n_samples"]) for r in rows})
    seeds = sorted({int(r["seed"]) for r in rows})
    head = [
        "# skmi estimators on tasks with known mutual information",
        "",
        f"N = {', '.join(map(str, n))} samples, seeds {seeds[0]}-{seeds[-1]} "
        f"({len(seeds)}); every estimator at its defaults (`random_state` = the seed). "
        "A cell is the mean estimate in nats over the seeds; ✗ marks a task outside the "
        "factor 1.5 of Czyż et al. (2023): |mean over seeds of log(estimate / truth)| "
        "< log 1.5, seeds with estimates <= 0 left out of the mean as in their code; † "
        "marks estimates the estimator reported saturated (pinned at log N or H(Y)) on "
        "some seed, which say nothing about the data even when within the factor. "
        "Produced by `benchmarks/bench_tasks.py` from "
        + ", ".join(f"`{Path(p).name}`" for p in args.csv)
        + f"; Python {platform.python_version()}, {platform.machine()}, 2 shared cores.",
        "",
    ]
    body = []
    for size in n:
        part = [r for r in rows if int(r["n_samples"]) == size]
        for suite in SUITES:
            title = TITLES[suite] + (f", N = {size}" if len(n) > 1 else "")
            body += _section(title, part, suite)
    md = out.with_suffix(".md")
    md.write_text("\n".join(head + body))
    print(f"wrote {md}")
    for size in n:
        for suite in SUITES:
            names = {t.name for t in get_tasks(suite)}
            part = [r for r in rows if r["task"] in names and int(r["n_samples"]) == size]
            if part:
                tag = "" if size == max(n) else f"_n{size}"
                png = out.parent / f"{out.name}_{suite}{tag}.png"
                runner.plot_heatmap(runner.summarize(part), path=png,
                                    title=f"skmi estimators, suite '{suite}', N = {size} "
                                          "(nats)")
                print(f"wrote {png}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="fit estimators, write one CSV")
    r.add_argument("--estimators", required=True, help="comma-separated registry names")
    r.add_argument("--suites", default=",".join(SUITES))
    r.add_argument("--n", type=int, default=5000)
    r.add_argument("--seeds", type=int, default=5)
    r.add_argument("--n-jobs", type=int, default=2)
    r.add_argument("--csv", required=True)
    r.add_argument("--no-progress", action="store_true")
    r.set_defaults(func=_run)
    rep = sub.add_parser("report", help="tables and heat maps from CSVs")
    rep.add_argument("csv", nargs="+")
    rep.add_argument("--out", default=str(Path(__file__).parent / "results" / "benchmark"))
    rep.set_defaults(func=_report)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
