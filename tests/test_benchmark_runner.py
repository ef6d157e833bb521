"""skmi.benchmark.runner: run, summarize, CSV, Markdown and the heat map."""

import math
import sys
from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.base import BaseEstimator

from skmi import KSG, GaussianMI
from skmi.benchmark.runner import (
    COLUMNS,
    SUMMARY_COLUMNS,
    estimator_scores,
    format_scores,
    plot_heatmap,
    read_csv,
    run,
    summarize,
    to_csv,
    to_markdown,
)

LOG15 = math.log(1.5)


@dataclass(frozen=True)
class FakeTask:
    """The attributes of skmi.benchmark.tasks.Task: d pairs of correlated Gaussians."""

    name: str
    d: int
    rho: float
    family: str = "normal"
    discrete: tuple = (False, False)

    @property
    def dim_x(self):
        return self.d

    @property
    def dim_y(self):
        return self.d

    @property
    def mutual_information(self):
        return -0.5 * self.d * math.log(1 - self.rho**2)

    description = "test task"

    def sample(self, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        x = rng.standard_normal((n_samples, self.d))
        y = self.rho * x + math.sqrt(1 - self.rho**2) * rng.standard_normal((n_samples, self.d))
        return x, y


TASKS = [FakeTask("g1", 1, 0.8), FakeTask("g2", 2, 0.6)]


def as_rows(table):
    return table if isinstance(table, list) else table.to_dict("records")


def err(row):
    """The error message of a row, None for none (pandas may store NaN)."""
    e = row["error"]
    return None if e is None or e != e else e


class ConstantMI:
    """A user's estimator that is not a scikit-learn one: fit sets mi_."""

    def __init__(self, value):
        self.value = value

    def fit(self, X, y):
        self.mi_ = self.value
        return self


class RelativeMI(BaseEstimator):
    """Returns ``factor[seed] * truth`` (seed from random_state): a chosen log ratio."""

    def __init__(self, factors=(1.0,), truth=1.0, random_state=None):
        self.factors = factors
        self.truth = truth
        self.random_state = random_state

    def fit(self, X, y):
        self.mi_ = self.factors[self.random_state] * self.truth
        return self


class Probe(BaseEstimator):
    """Reports one of its parameters as the estimate (to see what the runner set)."""

    def __init__(self, what="random_state", random_state=None, n_jobs=None,
                 discrete_x="auto", discrete_y="auto"):
        self.what = what
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.discrete_x = discrete_x
        self.discrete_y = discrete_y

    def fit(self, X, y):
        value = getattr(self, self.what)
        self.mi_ = float(value is True) if isinstance(value, (bool, str)) else float(value)
        return self


class Broken(BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("no luck, here")


def data_sum(X, y):
    """A callable 'estimator' that fingerprints its data."""
    return float(X.sum() + 2 * np.sum(y) + X.shape[0] + 10 * X.shape[1])


def test_columns_truth_and_gaussian_accuracy():
    rows = as_rows(run({"gauss": GaussianMI(), "ksg": KSG()}, tasks=TASKS, n_samples=500,
                       seeds=2))
    assert len(rows) == 2 * 2 * 2
    assert all(tuple(r) == COLUMNS for r in rows)
    # rows ordered by task, seed, then estimator as given
    assert [(r["task"], r["seed"], r["estimator"]) for r in rows][:4] == [
        ("g1", 0, "gauss"), ("g1", 0, "ksg"), ("g1", 1, "gauss"), ("g1", 1, "ksg")]
    for r in rows:
        task = {t.name: t for t in TASKS}[r["task"]]
        assert r["truth"] == task.mutual_information
        assert (r["family"], r["dim_x"], r["dim_y"], r["n_samples"]) == ("normal", task.d,
                                                                         task.d, 500)
        assert err(r) is None and r["unit"] == "nats" and r["time_s"] >= 0
        assert r["abs_error"] == pytest.approx(abs(r["estimate"] - r["truth"]))
        assert r["log_ratio"] == pytest.approx(math.log(r["estimate"] / r["truth"]))
        assert r["within_1_5"] == (abs(r["log_ratio"]) < LOG15)
        if r["estimator"] == "gauss":
            # the Gaussian estimate has variance ~ d rho^2 / n (delta method on the sample
            # correlation); 5 sd: 5 * sqrt(2 * 0.36 / 500) = 0.19 at most
            assert abs(r["estimate"] - r["truth"]) < 5 * math.sqrt(task.d * task.rho**2 / 500)


def test_flags_from_a_chosen_estimate():
    truth = TASKS[0].mutual_information  # 0.5108
    factors = {"x1.4": 1.4, "x1.6": 1.6, "/1.45": 1 / 1.45, "/1.6": 1 / 1.6}
    ests = {name: ConstantMI(f * truth) for name, f in factors.items()}
    ests["negative"] = ConstantMI(-0.1)
    ests["zero"] = ConstantMI(0.0)
    rows = {r["estimator"]: r for r in as_rows(run(ests, tasks=TASKS[:1], n_samples=50,
                                                   seeds=1))}
    for name, f in factors.items():
        assert rows[name]["log_ratio"] == pytest.approx(math.log(f), abs=1e-12)
        assert rows[name]["within_1_5"] == (abs(math.log(f)) < LOG15)
    assert [rows[n]["within_1_5"] for n in factors] == [True, False, True, False]
    for name in ("negative", "zero"):
        assert math.isnan(rows[name]["log_ratio"]) and rows[name]["within_1_5"] is False
    assert rows["negative"]["abs_error"] == pytest.approx(truth + 0.1)


def test_reproducible_and_seeded():
    est = {"ksg": KSG(k=3)}
    a = as_rows(run(est, tasks=TASKS, n_samples=400, seeds=[3, 7]))
    b = as_rows(run(est, tasks=TASKS, n_samples=400, seeds=[3, 7]))
    assert [r["estimate"] for r in a] == [r["estimate"] for r in b]
    # random_state=None was set to the seed, and the data is task.sample(n, seed)
    for r in a:
        task = {t.name: t for t in TASKS}[r["task"]]
        X, Y = task.sample(400, random_state=r["seed"])
        assert r["estimate"] == KSG(k=3, random_state=r["seed"]).fit(X, Y).mi_
    # the user's own random_state is kept
    probes = as_rows(run({"p": Probe(), "fixed": Probe(random_state=42)}, tasks=TASKS[:1],
                         n_samples=20, seeds=[5, 6]))
    assert [(r["estimator"], r["estimate"]) for r in probes] == [
        ("p", 5.0), ("fixed", 42.0), ("p", 6.0), ("fixed", 42.0)]


def test_same_data_for_every_estimator():
    rows = as_rows(run([data_sum, data_sum, GaussianMI()], tasks=TASKS, n_samples=300,
                       seeds=3))
    assert sorted({r["estimator"] for r in rows}) == ["GaussianMI", "data_sum", "data_sum-2"]
    by = {(r["estimator"], r["task"], r["seed"]): r["estimate"] for r in rows}
    for task in TASKS:
        for seed in range(3):
            X, Y = task.sample(300, random_state=seed)
            assert by["data_sum", task.name, seed] == data_sum(X, Y[:, 0] if task.d == 1 else Y)
            assert by["data_sum", task.name, seed] == by["data_sum-2", task.name, seed]
        assert len({by["data_sum", task.name, s] for s in range(3)}) == 3


def test_parallel_equals_serial():
    ests = {"gauss": GaussianMI(), "ksg": KSG(), "f": data_sum}
    one = as_rows(run(ests, tasks=TASKS, n_samples=300, seeds=2, n_jobs=1))
    two = as_rows(run(ests, tasks=TASKS, n_samples=300, seeds=2, n_jobs=2))
    assert strip_time(one) == strip_time(two)


def strip_time(rows):
    return [{k: v for k, v in r.items() if k != "time_s"} for r in rows]


def test_estimators_split_across_workers():
    # one (task, seed) pair and two workers: the estimators are split into groups, each
    # sampling the same data; rows come back in the order the estimators were given
    import joblib

    ests = {"f": data_sum, "gauss": GaussianMI(), "g": data_sum, "ksg": KSG()}
    serial = as_rows(run(ests, tasks=TASKS[1:], n_samples=200, seeds=[3]))
    with joblib.parallel_config(backend="threading"):
        split = as_rows(run(ests, tasks=TASKS[1:], n_samples=200, seeds=[3], n_jobs=2))
    assert [r["estimator"] for r in split] == list(ests)
    assert strip_time(split) == strip_time(serial)
    assert split[0]["estimate"] == split[2]["estimate"]


def test_inner_threads_capped_only_when_parallel():
    import joblib

    serial = as_rows(run([Probe(what="n_jobs", n_jobs=7)], tasks=TASKS[:1], n_samples=10,
                         seeds=1, n_jobs=1))
    assert serial[0]["estimate"] == 7.0  # one worker: the estimator's setting is kept
    with joblib.parallel_config(backend="threading"):
        rows = as_rows(run([Probe(what="n_jobs", n_jobs=7)], tasks=TASKS[:1],
                           n_samples=10, seeds=2, n_jobs=2))
    from skmi._parallel import inner_n_jobs

    assert {r["estimate"] for r in rows} == {float(inner_n_jobs(2))}


def test_discrete_flags_are_left_to_the_estimator():
    # the task's discrete flags are not passed on: estimators see the data as is
    task = FakeTask("disc", 1, 0.5, discrete=(False, True))
    rows = as_rows(run({"dx": Probe(what="discrete_x"), "dy": Probe(what="discrete_y"),
                        "dy_true": Probe(what="discrete_y", discrete_y=True)},
                       tasks=[task], n_samples=10, seeds=1))
    assert [r["estimate"] for r in rows] == [0.0, 0.0, 1.0]


def test_errors_are_rows():
    with pytest.warns(UserWarning, match="careful"):
        rows = as_rows(run({"bad": Broken(), "ok": GaussianMI(),
                            "warns": _warning_callable, "no_mi": _NoMI()},
                           tasks=TASKS[:1], n_samples=100, seeds=2))
    bad = [r for r in rows if r["estimator"] == "bad"]
    assert len(bad) == 2 and all(math.isnan(r["estimate"]) for r in bad)
    assert all(r["error"] == "RuntimeError: no luck, here" for r in bad)
    assert all(not r["within_1_5"] and math.isnan(r["log_ratio"]) for r in bad)
    assert all(err(r) is None for r in rows if r["estimator"] in ("ok", "warns"))
    no_mi = [r for r in rows if r["estimator"] == "no_mi"]
    assert all("did not set mi_" in r["error"] for r in no_mi)


def _warning_callable(X, y):
    import warnings

    warnings.warn("careful", UserWarning, stacklevel=1)
    return 0.5


class _NoMI:
    def fit(self, X, y):
        return self


def test_sampling_error_is_recorded():
    class BadTask(FakeTask):
        def sample(self, n_samples, random_state=None):
            raise ValueError("cannot sample")

    rows = as_rows(run([GaussianMI()], tasks=[BadTask("bad", 1, 0.5)], n_samples=10,
                       seeds=1))
    assert rows[0]["error"].startswith("sampling failed: ValueError: cannot sample")


def test_estimator_kinds_and_names():
    user = ConstantMI(0.3)
    rows = as_rows(run(["gaussian", GaussianMI(), user, user, lambda X, y: 0.2],
                       tasks=TASKS[:1], n_samples=100, seeds=1))
    assert [r["estimator"] for r in rows] == ["gaussian", "GaussianMI", "ConstantMI",
                                              "ConstantMI-2", "<lambda>"]
    assert rows[0]["estimate"] == rows[1]["estimate"]
    assert [r["estimate"] for r in rows[2:]] == [0.3, 0.3, 0.2]
    assert not hasattr(user, "mi_")  # the user's object was copied, not fitted


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unknown estimator 'nope'"):
        run(["nope"], tasks=TASKS, seeds=1)
    with pytest.raises(TypeError, match="instance, not the class"):
        run([GaussianMI], tasks=TASKS, seeds=1)
    with pytest.raises(TypeError, match="callable"):
        run([3], tasks=TASKS, seeds=1)
    with pytest.raises(ValueError, match="empty"):
        run({}, tasks=TASKS, seeds=1)
    with pytest.raises(ValueError, match="seeds"):
        run(["gaussian"], tasks=TASKS, seeds=0)
    with pytest.raises(ValueError, match="distinct"):
        run(["gaussian"], tasks=TASKS, seeds=[1, 1])
    with pytest.raises(ValueError, match="n_samples"):
        run(["gaussian"], tasks=TASKS, n_samples=0)
    with pytest.raises(ValueError, match="unit"):
        run(["gaussian"], tasks=TASKS, unit="hartley")
    with pytest.raises(ValueError, match="unique"):
        run(["gaussian"], tasks=[TASKS[0], TASKS[0]])
    with pytest.raises(TypeError, match="Task"):
        run(["gaussian"], tasks=[1.5])


def test_bits():
    nats = as_rows(run([GaussianMI()], tasks=TASKS[:1], n_samples=200, seeds=1))[0]
    bits = as_rows(run([GaussianMI()], tasks=TASKS[:1], n_samples=200, seeds=1,
                       unit="bits"))[0]
    assert bits["unit"] == "bits"
    for key in ("estimate", "truth", "abs_error"):
        assert bits[key] == pytest.approx(nats[key] / math.log(2))
    assert bits["log_ratio"] == pytest.approx(nats["log_ratio"])


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    run([GaussianMI()], tasks=TASKS, n_samples=50, seeds=2, progress=True)
    assert "benchmark" in capsys.readouterr().err


def test_progress_without_tqdm_warns(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.warns(UserWarning, match="pip install tqdm"):
        rows = as_rows(run([GaussianMI()], tasks=TASKS[:1], n_samples=50, seeds=1,
                           progress=True))
    assert len(rows) == 1


# ------------------------------------------------------------ summary
def _summary_fixture():
    truth = TASKS[0].mutual_information
    ests = {
        # seeds at 1x and 2x the truth: mean log ratio log(2)/2 = 0.35 < log 1.5 (the
        # paper's criterion passes) although the mean estimate is exactly 1.5x
        "geo": RelativeMI(factors=(1.0, 2.0, 1.0, 2.0), truth=truth),
        "far": RelativeMI(factors=(1.6, 1.6, 1.6, 1.6), truth=truth),
        # one seed negative: left out of the mean log ratio (n_valid = 3)
        "neg": RelativeMI(factors=(-0.5, 1.1, 1.1, 1.1), truth=truth),
        "zero": RelativeMI(factors=(0.0, 0.0, 0.0, 0.0), truth=truth),
        "bad": Broken(),
    }
    return run(ests, tasks=TASKS, n_samples=30, seeds=4)


def test_summarize():
    summary = as_rows(summarize(_summary_fixture()))
    assert len(summary) == 5 * 2 and all(tuple(s) == SUMMARY_COLUMNS for s in summary)
    cell = {(s["estimator"], s["task"]): s for s in summary}
    geo = cell["geo", "g1"]
    assert geo["log_ratio_mean"] == pytest.approx(math.log(2) / 2)
    assert geo["estimate_mean"] == pytest.approx(1.5 * geo["truth"])
    assert geo["within_1_5"] is True and geo["n_valid"] == 4 and geo["n_seeds"] == 4
    assert geo["estimate_sd"] == pytest.approx(np.std([1, 2, 1, 2], ddof=1) * geo["truth"])
    assert geo["abs_error_mean"] == pytest.approx(0.5 * geo["truth"])
    assert cell["far", "g1"]["within_1_5"] is False
    neg = cell["neg", "g1"]
    assert neg["n_valid"] == 3 and neg["log_ratio_mean"] == pytest.approx(math.log(1.1))
    assert neg["estimate_mean"] == pytest.approx(np.mean([-0.5, 1.1, 1.1, 1.1]) * neg["truth"])
    bad = cell["bad", "g1"]
    assert bad["n_errors"] == 4 and math.isnan(bad["estimate_mean"])
    assert bad["within_1_5"] is False
    # the task's truth is the per-task MI, not the RelativeMI's (g1's) truth
    assert cell["geo", "g2"]["truth"] == TASKS[1].mutual_information

    scores = {s["estimator"]: s for s in estimator_scores(summary)}
    # g2's truth is 0.446 != g1's 0.511: geo's 1x/2x of g1 is 1.15x/2.29x of g2,
    # mean log ratio 0.49 > log 1.5; neg: 1.1x g1 = 1.26x g2, within
    assert [(e, s["n_within"], s["n_tasks"]) for e, s in scores.items()] == [
        ("geo", 1, 2), ("far", 0, 2), ("neg", 2, 2), ("zero", 0, 2), ("bad", 0, 2)]
    assert scores["bad"]["n_failed"] == 2 and scores["geo"]["n_failed"] == 0
    text = format_scores(summary)
    assert "geo: 1/2 tasks within a factor 1.5" in text
    assert "bad: 0/2 tasks within a factor 1.5" in text and "failed on 2" in text
    # a run's table is summarized on the way (RelativeMI is deterministic: only the
    # timings differ)
    def strip(scores):
        return [{k: v for k, v in s.items() if k != "median_time_s"} for s in scores]

    assert strip(estimator_scores(_summary_fixture())) == strip(estimator_scores(summary))


def test_to_markdown():
    text = to_markdown(summarize(_summary_fixture()))
    lines = text.splitlines()
    assert lines[0] == "| task | true MI [nats] | geo | far | neg | zero | bad |"
    assert len(lines) == 2 + 2 + 1
    g1 = lines[2].split(" | ")
    assert g1[1] == f"{TASKS[0].mutual_information:.2f}"
    assert g1[2] == f"{1.5 * TASKS[0].mutual_information:.2f}"  # within: no mark
    assert g1[3].endswith("✗") and g1[5] == "0.00 ✗" and g1[6].startswith("error")
    assert lines[-1] == ("| **within 1.5x** |  | **1/2** | **0/2** | **2/2** | **0/2** | "
                         "**0/2** |")


def test_csv_round_trip(tmp_path):
    results = as_rows(_summary_fixture())
    results[0]["error"] = 'a "quoted", comma\nand newline'
    path = tmp_path / "results.csv"
    to_csv(results, path)
    back = as_rows(read_csv(path))
    assert len(back) == len(results) and list(back[0]) == list(COLUMNS)
    for a, b in zip(results, back, strict=True):
        for key in COLUMNS:
            if isinstance(a[key], float) and math.isnan(a[key]):
                assert math.isnan(b[key])
            else:
                assert b[key] == a[key] and type(b[key]) is type(a[key]), key
    summary = as_rows(summarize(results))
    to_csv(summary, tmp_path / "summary.csv")
    again = as_rows(read_csv(tmp_path / "summary.csv"))
    assert list(again[0]) == list(SUMMARY_COLUMNS)
    assert to_markdown(again) == to_markdown(summary)


def test_plot_heatmap(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = summarize(_summary_fixture())
    path = tmp_path / "heat.png"
    ax = plot_heatmap(summary, path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "True MI [nats]", "geo", "far", "neg", "zero", "bad"]
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("err") == 2 and f"{TASKS[0].mutual_information:.2f}" in texts
    # hatched cells: exactly the ones outside the factor that did not all fail
    hatched = sum(1 for p in ax.patches if p.get_hatch())
    rows = as_rows(summary)
    assert hatched == sum(1 for r in rows if not r["within_1_5"] and r["n_errors"] == 0)
    # colours: the mean log ratio clipped to [-1, 1]; masked (grey) only for errors;
    # the all-zero "zero" estimator is the darkest blue, not grey
    colours = ax.images[0].get_array()
    assert colours.shape == (1 + 5, 2)
    assert colours.mask[-1].all() and not colours.mask[:-1].any()  # "bad": all errors
    assert list(colours[4]) == [-1.0, -1.0]  # "zero"
    assert colours[1, 0] == pytest.approx(math.log(2) / 2)  # "geo" on g1
    assert list(colours[0]) == [0.0, 0.0]  # the True MI row
    plt.close(ax.figure)
    _, ax2 = plt.subplots()
    assert plot_heatmap(_summary_fixture(), ax=ax2) is ax2  # a run's table works too
    plt.close("all")


def test_plot_heatmap_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_heatmap(summarize(_summary_fixture()))


def test_pandas_tables():
    pd = pytest.importorskip("pandas")
    results = _summary_fixture()
    assert isinstance(results, pd.DataFrame) and list(results.columns) == list(COLUMNS)
    summary = summarize(results)
    assert isinstance(summary, pd.DataFrame)
    assert to_markdown(summary) == to_markdown(results.to_dict("records"))


def test_real_tasks_by_suite_and_name():
    from skmi.benchmark import get_task, get_tasks

    rows = as_rows(run({"gauss": GaussianMI()}, tasks="main", n_samples=300, seeds=1))
    suite = get_tasks("main")
    assert [r["task"] for r in rows] == [t.name for t in suite]
    assert [r["truth"] for r in rows] == [t.mutual_information for t in suite]
    assert all(r["family"] == t.family and (r["dim_x"], r["dim_y"]) == (t.dim_x, t.dim_y)
               for r, t in zip(rows, suite, strict=True))
    named = as_rows(run([data_sum], tasks=["normal-1x1"], n_samples=100, seeds=[4]))
    X, Y = get_task("normal-1x1").sample(100, random_state=4)
    assert named[0]["estimate"] == data_sum(X, Y[:, 0])
    with pytest.raises(ValueError, match="Unknown task"):
        run([data_sum], tasks=["no-such-task"], n_samples=100, seeds=1)


def test_saturated_fits_are_recorded_and_marked():
    """Binning pinned at H(Y) "solves" a layer task near H(Y): the table says so."""
    from skmi import BinningMI
    from skmi.benchmark.runner import run, summarize, to_markdown

    rows = run({"bins": BinningMI(30), "few": BinningMI(2)}, ["layer-relu-64-sep2"],
               n_samples=500, seeds=2)
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    assert [r["saturated"] for r in rows] == [True, False, True, False]
    summary = summarize(rows)
    summary = summary.to_dict("records") if hasattr(summary, "to_dict") else summary
    assert [s["n_saturated"] for s in summary] == [2, 0]
    text = to_markdown(summary)
    assert "2.30 †" in text and text.count("†") == 1
