"""Score mutual information estimators on tasks with known mutual information.

:func:`run` fits every estimator on ``task.sample(n_samples, random_state=seed)`` for
every task and seed (the same data for every estimator) and returns one row per fit;
:func:`summarize` averages over seeds; :func:`to_markdown` and :func:`plot_heatmap` draw
the table and the figure of Czyż et al. (2023), "Beyond Normal: On the Evaluation of
Mutual Information Estimators", NeurIPS.

The factor-1.5 criterion
------------------------
Czyż et al. call an estimator correct on a task when its estimate is within a factor 1.5
of the true MI. Their analysis code (``workflows/_common_figure_utils.py`` of
`cbg-ethz/bmi <https://github.com/cbg-ethz/bmi>`_) takes, per seed, the log relative
error ``log(estimate / truth)``, averages it over the seeds (pandas' mean, so a seed
whose estimate is not positive, and whose log is therefore undefined, is left out) and
counts the task as solved when ``|mean log ratio| < log(1.5)``. The heat map colours
that mean log ratio on ``[-1, 1]`` (``RdBu_r``) and writes the mean estimate in each
cell, with a "True MI" row. :func:`summarize` follows them: ``log_ratio_mean`` and
``within_1_5`` are exactly that, and ``n_valid`` says how many seeds entered the mean.
(Their code also drops, for neural estimators only, seeds whose estimate is negative or
below a tenth of the largest over the seeds, as "not converged"; skmi does not, so a
neural estimator that sometimes fails to train is charged for it.) The per-fit column
``within_1_5`` of :func:`run` applies the same test to one seed.
"""

from __future__ import annotations

import copy
import csv
import math
import numbers
import os
import time
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "COLUMNS",
    "SUMMARY_COLUMNS",
    "run",
    "summarize",
    "estimator_scores",
    "format_scores",
    "to_markdown",
    "to_csv",
    "read_csv",
    "plot_heatmap",
]

#: Columns of the table :func:`run` returns (and of its CSV), in order.
COLUMNS = (
    "estimator", "task", "family", "dim_x", "dim_y", "n_samples", "seed", "estimate",
    "truth", "abs_error", "log_ratio", "within_1_5", "saturated", "time_s", "error", "unit",
)

#: Columns of the table :func:`summarize` returns, in order.
SUMMARY_COLUMNS = (
    "estimator", "task", "family", "dim_x", "dim_y", "n_samples", "truth", "n_seeds",
    "n_errors", "n_valid", "n_saturated", "estimate_mean", "estimate_sd", "abs_error_mean",
    "log_ratio_mean", "within_1_5", "time_median_s", "unit",
)

#: The factor of Czyż et al. (2023): an estimate within it of the truth is "correct".
FACTOR = 1.5
_LOG_FACTOR = math.log(FACTOR)
_LN2 = math.log(2.0)

_INT_COLUMNS = {"dim_x", "dim_y", "n_samples", "seed", "n_seeds", "n_errors", "n_valid",
                "n_saturated"}
_FLOAT_COLUMNS = {"estimate", "truth", "abs_error", "log_ratio", "time_s", "estimate_mean",
                  "estimate_sd", "abs_error_mean", "log_ratio_mean", "time_median_s"}
_BOOL_COLUMNS = {"within_1_5", "saturated"}


# ---------------------------------------------------------------- tables
def _frame(records: list[dict], columns: Iterable[str]):
    """A pandas DataFrame if pandas is installed, else the records themselves."""
    try:
        import pandas as pd
    except ImportError:
        return records
    return pd.DataFrame(records, columns=list(columns))


def _records(table) -> list[dict]:
    """Rows of a table: a list of dicts, or a DataFrame's records."""
    if hasattr(table, "to_dict") and not isinstance(table, Mapping):
        return [dict(r) for r in table.to_dict("records")]
    if isinstance(table, Mapping):
        raise TypeError("Expected a table (a list of dicts or a DataFrame), got a dict.")
    return [dict(r) for r in table]


def _error_of(row: Mapping) -> str | None:
    err = row.get("error")
    if err is None or (isinstance(err, float) and math.isnan(err)) or err == "":
        return None
    return str(err)


# ---------------------------------------------------------------- estimators
def _is_estimator(obj) -> bool:
    return callable(getattr(obj, "fit", None)) and not isinstance(obj, type)


def _default_name(obj) -> str:
    if isinstance(obj, str):
        return obj
    if _is_estimator(obj):
        return type(obj).__name__
    return getattr(obj, "__name__", type(obj).__name__)


def _resolve_one(obj):
    """An estimator object or a callable, from a registry name, an object or a callable."""
    if isinstance(obj, str):
        from ..base import MutualInfoEstimator
        from ..metrics import MI_ESTIMATORS, _build

        if obj not in MI_ESTIMATORS:
            raise ValueError(
                f"Unknown estimator {obj!r}; choose one of {sorted(MI_ESTIMATORS)} or "
                "pass an estimator instance or a callable f(X, Y) -> float."
            )
        return _build(obj, MI_ESTIMATORS, MutualInfoEstimator, {})
    if isinstance(obj, type):
        raise TypeError(
            f"Pass an estimator instance, not the class {obj.__name__}: e.g. "
            f"{obj.__name__}()."
        )
    if _is_estimator(obj) or callable(obj):
        return obj
    raise TypeError(
        "Each estimator must be a registry name, an object with fit(X, y) that sets mi_, "
        f"or a callable f(X, Y) -> float; got {type(obj).__name__}."
    )


def _resolve_estimators(estimators) -> dict[str, Any]:
    if isinstance(estimators, Mapping):
        items = [(str(name), est) for name, est in estimators.items()]
    elif isinstance(estimators, str) or _is_estimator(estimators) or callable(estimators):
        items = [(_default_name(estimators), estimators)]
    else:
        items = [(_default_name(est), est) for est in estimators]
    if not items:
        raise ValueError("estimators is empty: give at least one estimator.")
    out: dict[str, Any] = {}
    for name, est in items:
        unique, i = name, 1
        while unique in out:
            i += 1
            unique = f"{name}-{i}"
        out[unique] = _resolve_one(est)
    return out


def _get_params(est) -> dict:
    get = getattr(est, "get_params", None)
    if callable(get):
        try:
            return dict(get(deep=False))
        except TypeError:
            return dict(get())
    return {}


def _set_param(est, name: str, value) -> None:
    setter = getattr(est, "set_params", None)
    if callable(setter) and name in _get_params(est):
        setter(**{name: value})
    else:
        setattr(est, name, value)


def _fresh(est):
    """A clone of an estimator object (deep copy when it is not a scikit-learn one)."""
    from sklearn.base import clone

    try:
        return clone(est)
    except (TypeError, RuntimeError, AttributeError):
        return copy.deepcopy(est)


def _prepare(est, task, seed: int, inner_threads: int | None):
    """A fresh, configured copy of ``est`` for one fit (callables are returned as is)."""
    if not _is_estimator(est):
        return est
    est = _fresh(est)
    params = _get_params(est) or {
        k: v for k, v in vars(est).items() if not k.startswith("_") and not k.endswith("_")
    }
    if "random_state" in params and params["random_state"] is None:
        _set_param(est, "random_state", seed)
    if inner_threads is not None and "n_jobs" in params:
        _set_param(est, "n_jobs", inner_threads)
    return est


# ---------------------------------------------------------------- sample size
#: Fewest rows any fit gets: one row shows no dependence between X and Y.
MIN_SAMPLES = 2


def _int_param(params: dict, name: str):
    value = params.get(name)
    return int(value) if isinstance(value, numbers.Integral) and not isinstance(
        value, bool) else None


def _needed_samples(est, task) -> tuple[int, str]:
    """Fewest rows ``est`` can be fitted on for ``task``, and why.

    The rules of skmi's estimators (the checks their ``fit`` makes); any other
    estimator or callable gets :data:`MIN_SAMPLES`.
    """
    from ..auto import AutoMI
    from ..classifier import ClassifierMI
    from ..gaussian import GaussianCopulaMI, GaussianMI
    from ..knn import KSG, MixedKSG
    from ..neural.estimators import _NeuralMIEstimator
    from ..vinfo import VInformation

    needs = [(MIN_SAMPLES, "a single row shows no dependence")]
    if not _is_estimator(est):
        return needs[0]
    params = _get_params(est)
    if isinstance(est, (KSG, MixedKSG)) and _int_param(params, "k") is not None:
        k = _int_param(params, "k")
        needs.append((k + 1, f"k-NN with k={k} needs k + 1 rows"))
    if isinstance(est, (GaussianMI, GaussianCopulaMI)):
        d = int(getattr(task, "dim_x", 0)) + int(getattr(task, "dim_y", 0))
        needs.append((d + 2, f"a non-singular covariance of the {d} columns of [X, Y] "
                             "needs dim_x + dim_y + 2 rows"))
    if isinstance(est, _NeuralMIEstimator):
        needs.append((4, "two rows to train the critic and two to validate it"))
    if isinstance(est, AutoMI):
        needs.append((4, "its k-NN candidate needs k + 1 = 4 rows"))
    if isinstance(est, (VInformation, ClassifierMI)):
        cv = params.get("cv", 5)
        cv = 5 if cv is None else cv
        if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
            needs.append((int(cv), f"cv={int(cv)} folds need a row each"))
    return max(needs, key=lambda item: item[0])


def _check_sample_size(n_samples: int, named: dict, task_list: list) -> None:
    """ValueError when ``n_samples`` is below what an estimator needs on a task.

    Such a run would only fill the table with failed fits (NaN estimates), so it is
    refused before anything is sampled; the message says which estimator needs how
    many rows and why.
    """
    worst: dict[str, tuple[int, str, str]] = {}
    for name, est in named.items():
        for task in task_list:
            need, why = _needed_samples(est, task)
            if n_samples < need and need > worst.get(name, (0,))[0]:
                worst[name] = (need, task.name, why)
    if not worst:
        return
    need_all = max(item[0] for item in worst.values())
    details = "; ".join(f"{name} needs {need} on {task!r} ({why})"
                        for name, (need, task, why) in worst.items())
    raise ValueError(
        f"n_samples={n_samples} is too small: {details}. Those fits would all fail "
        f"(rows of NaN), so the run is refused; use n_samples >= {need_all}, or leave "
        "those estimators or tasks out."
    )


# ---------------------------------------------------------------- tasks
def _is_task(obj) -> bool:
    return all(hasattr(obj, a) for a in ("name", "sample", "mutual_information"))


def _resolve_tasks(tasks) -> list:
    if isinstance(tasks, str):
        from .tasks import get_tasks

        resolved = list(get_tasks(tasks))
    elif _is_task(tasks):
        resolved = [tasks]
    else:
        resolved = []
        for t in tasks:
            if isinstance(t, str):
                from .tasks import get_task

                resolved.append(get_task(t))
            elif _is_task(t):
                resolved.append(t)
            else:
                raise TypeError(
                    "Each task must be a task name or a Task (with name, sample and "
                    f"mutual_information), got {type(t).__name__}."
                )
    if not resolved:
        raise ValueError("tasks is empty: give a suite name, task names or Task objects.")
    names = [t.name for t in resolved]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"Task names must be unique; repeated: {dupes}.")
    return resolved


def _resolve_seeds(seeds) -> list[int]:
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be a positive int or a list of ints, got {seeds}.")
        return list(range(int(seeds)))
    try:
        out = list(seeds)
    except TypeError:
        raise TypeError(
            f"seeds must be an int or an iterable of ints, got {type(seeds).__name__}."
        ) from None
    if not out or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 0 for s in out
    ):
        raise ValueError(f"seeds must be non-negative ints, got {out!r}.")
    if len(set(out)) != len(out):
        raise ValueError(f"seeds must be distinct, got {out!r}.")
    return [int(s) for s in out]


# ---------------------------------------------------------------- one fit
def _fit_one(est, X: np.ndarray, Y: np.ndarray) -> tuple[float, bool]:
    """The estimate and whether the estimator reported it saturated (``saturated_``)."""
    y = Y[:, 0] if Y.shape[1] == 1 else Y
    if not _is_estimator(est):
        return float(est(X, y)), False
    with warnings.catch_warnings():  # recorded in the saturated column instead
        from ..exceptions import SaturationWarning

        warnings.simplefilter("ignore", SaturationWarning)
        est.fit(X, y)
    if not hasattr(est, "mi_"):
        raise AttributeError(
            f"{type(est).__name__}.fit did not set mi_ (the estimate in nats)."
        )
    return float(est.mi_), bool(getattr(est, "saturated_", False))


def _row(name, task, n_samples, seed, estimate, seconds, error, unit,
         saturated=False) -> dict:
    truth = float(task.mutual_information)
    scale = 1.0 if unit == "nats" else 1.0 / _LN2
    if estimate > 0 and truth > 0:
        log_ratio = math.log(estimate / truth)
    else:
        log_ratio = math.nan
    return {
        "estimator": name,
        "task": task.name,
        "family": getattr(task, "family", ""),
        "dim_x": int(getattr(task, "dim_x", 0)),
        "dim_y": int(getattr(task, "dim_y", 0)),
        "n_samples": int(n_samples),
        "seed": int(seed),
        "estimate": estimate * scale,
        "truth": truth * scale,
        "abs_error": abs(estimate - truth) * scale,
        "log_ratio": log_ratio,
        "within_1_5": bool(abs(log_ratio) < _LOG_FACTOR),
        "saturated": bool(saturated),
        "time_s": seconds,
        "error": error,
        "unit": unit,
    }


def _run_chunk(task, seed: int, n_samples: int, named: list, unit: str) -> list[dict]:
    """Sample ``task`` once for ``seed`` and fit every (name, estimator) of ``named``."""
    try:
        X, Y = task.sample(n_samples, random_state=seed)
        # a side of class labels (task.labels) stays int64, so estimators see labels
        labels = getattr(task, "labels", (False, False))
        X, Y = (np.asarray(A, dtype=np.int64 if is_label else np.float64).reshape(n_samples, -1)
                for A, is_label in zip((X, Y), labels))
        X.setflags(write=False)  # an estimator that writes into its input fails loudly
        Y.setflags(write=False)
        sample_error = None
    except Exception as exc:  # noqa: BLE001 - recorded, not fatal
        sample_error = f"sampling failed: {type(exc).__name__}: {exc}"
    rows = []
    for name, est in named:
        if sample_error is not None:
            rows.append(_row(name, task, n_samples, seed, math.nan, 0.0, sample_error, unit))
            continue
        start = time.perf_counter()
        try:
            (estimate, saturated), error = _fit_one(est, X, Y), None
        except Exception as exc:  # noqa: BLE001 - a failed fit is a result
            estimate, saturated, error = math.nan, False, f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        rows.append(_row(name, task, n_samples, seed, estimate, seconds, error, unit,
                         saturated))
    return rows


# ---------------------------------------------------------------- run
def run(
    estimators,
    tasks="main",
    n_samples: int = 5000,
    seeds=5,
    *,
    n_jobs: int | None = None,
    progress: bool = False,
    unit: str = "nats",
):
    """Fit estimators on benchmark tasks, one row per (task, seed, estimator).

    For every task and seed the data is ``task.sample(n_samples, random_state=seed)``,
    the same for every estimator. Each estimator object is cloned for each fit
    (``sklearn.base.clone``, or ``copy.deepcopy`` for other objects); a ``random_state``
    parameter left at None is set to the seed, so a run is reproducible. Nothing else
    is set: the data reach every estimator as a user would load them (float columns,
    also for the discrete and mixed sides of Gao's tasks, whose ``task.discrete`` is
    information for the reader); to tell an estimator a side is discrete, pass it
    configured, e.g. ``{"ksg-ross": KSG(discrete_x=True)}``. A one-dimensional Y is
    passed as a 1-D ``y``.

    Parameters
    ----------
    estimators : dict, list, str, estimator or callable
        ``{name: estimator}``, or a list whose entries are registry names
        (:data:`skmi.metrics.MI_ESTIMATORS`, e.g. ``"ksg"``), estimator objects (any
        object whose ``fit(X, y)`` sets ``mi_`` in nats; named by class, de-duplicated
        as ``"KSG-2"``...) or callables ``f(X, y) -> float`` (named by ``__name__``).
    tasks : str or list, default="main"
        A suite name of :func:`skmi.benchmark.get_tasks`, a list of task names, or
        Task objects (anything with ``name``, ``mutual_information`` and
        ``sample(n, random_state)``).
    n_samples : int, default=5000
        Rows per fit. A value below what an estimator needs on a task (k + 1 for the
        k-NN estimators, ``dim_x + dim_y + 2`` for the Gaussian ones, 4 for the neural
        ones and AutoMI, ``cv`` for the cross-validated ones, 2 for anything else)
        raises a ValueError naming them, instead of a table of failed fits.
    seeds : int or iterable of int, default=5
        An int ``s`` means ``range(s)``.
    n_jobs : int or None, default=None
        Workers of :class:`joblib.Parallel` (so ``joblib.parallel_config(backend="dask")``
        sends the fits to a Dask cluster). With several workers, an estimator's own
        ``n_jobs`` is set to its share of the cores so the machine is not
        oversubscribed.
    progress : bool, default=False
        A tqdm progress bar. tqdm is optional: without it a ``UserWarning`` says so
        and the run goes on without a bar.
    unit : {"nats", "bits"}, default="nats"
        Unit of ``estimate``, ``truth`` and ``abs_error`` (``log_ratio`` has none).

    Returns
    -------
    results : pandas.DataFrame or list of dict
        A DataFrame when pandas is installed, else a list of dicts, with the columns of
        :data:`COLUMNS`: ``log_ratio`` is ``log(estimate / truth)`` (NaN when either is
        not positive), ``within_1_5`` is ``|log_ratio| < log(1.5)``, ``saturated`` the
        fitted estimator's ``saturated_`` (its SaturationWarning is not repeated),
        ``time_s`` the
        seconds of the fit (including any Numba compilation on a worker's first call:
        :func:`summarize` reports the median). A fit that raises is a row whose
        ``error`` holds the message and whose ``estimate`` is NaN.

    Examples
    --------
    >>> from skmi.benchmark import run
    >>> rows = run(["gaussian"], tasks=["normal-1x1"], n_samples=2000, seeds=2)
    >>> rows = rows if isinstance(rows, list) else rows.to_dict("records")
    >>> [(r["seed"], round(r["truth"], 3), r["within_1_5"]) for r in rows]
    [(0, 0.413, True), (1, 0.413, True)]
    """
    if unit not in ("nats", "bits"):
        raise ValueError(f"unit must be 'nats' or 'bits', got {unit!r}.")
    if (not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool)
            or n_samples < MIN_SAMPLES):
        raise ValueError(
            f"n_samples must be an int >= {MIN_SAMPLES} (a single row shows no "
            f"dependence), got {n_samples!r}."
        )
    n_samples = int(n_samples)
    named = _resolve_estimators(estimators)
    task_list = _resolve_tasks(tasks)
    seed_list = _resolve_seeds(seeds)
    _check_sample_size(n_samples, named, task_list)
    if progress:
        try:
            import tqdm  # noqa: F401
        except ImportError:
            warnings.warn("progress=True needs tqdm (pip install tqdm); running without a "
                          "progress bar.", UserWarning, stacklevel=2)
            progress = False

    from joblib import effective_n_jobs

    from .._parallel import inner_n_jobs, parallel_map

    n_workers = max(1, effective_n_jobs(n_jobs))
    inner = inner_n_jobs(n_jobs) if n_workers > 1 else None
    # One work item samples a (task, seed) once and fits a group of estimators on it.
    # With few (task, seed) pairs the estimators are split so every worker has work.
    n_pairs = len(task_list) * len(seed_list)
    n_groups = 1 if n_workers == 1 else min(len(named), max(1, -(-2 * n_workers // n_pairs)))
    names = list(named)
    groups = [names[i::n_groups] for i in range(n_groups)]
    arguments = []
    for task in task_list:
        for seed in seed_list:
            for group in groups:
                ests = [(name, _prepare(named[name], task, seed, inner)) for name in group]
                arguments.append((task, seed, n_samples, ests, unit))
    chunks = parallel_map(_run_chunk, arguments, n_jobs=n_jobs, progress=progress,
                          desc="benchmark", unit="run")
    order = {name: i for i, name in enumerate(names)}
    rows = []
    for chunk_group in _by_pair(chunks, n_groups):
        rows.extend(sorted(chunk_group, key=lambda r: order[r["estimator"]]))
    return _frame(rows, COLUMNS)


def _by_pair(chunks: list[list[dict]], n_groups: int):
    """Merge the ``n_groups`` consecutive chunks of each (task, seed)."""
    for i in range(0, len(chunks), n_groups):
        yield [r for chunk in chunks[i:i + n_groups] for r in chunk]


# ---------------------------------------------------------------- summary
def _grouped(rows: list[dict], keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    return groups


def summarize(results):
    """Per (estimator, task): the mean over seeds and the factor-1.5 criterion.

    ``within_1_5`` follows Czyż et al. (2023) (see the module docstring): the log
    ratio ``log(estimate / truth)`` is averaged over the seeds where it is defined
    (``n_valid`` of them: no error and a positive estimate) and the task counts as
    solved when ``|log_ratio_mean| < log(1.5)``. ``n_saturated`` counts the seeds whose
    estimate the estimator reported pinned at a ceiling (``saturated_``, e.g. binning
    at H(Y) or log n): such a "solved" task says nothing about the estimator.
    ``estimate_mean``, ``estimate_sd`` (ddof=1; NaN for a single seed) and
    ``abs_error_mean`` are over the seeds without an error; ``time_median_s`` is the
    median fit time.

    Parameters
    ----------
    results : pandas.DataFrame or list of dict
        The table of :func:`run` (or of :func:`read_csv`).

    Returns
    -------
    summary : pandas.DataFrame or list of dict
        Columns :data:`SUMMARY_COLUMNS`, in the order estimators and tasks first appear.
        :func:`estimator_scores` turns it into one line per estimator.

    Examples
    --------
    >>> from skmi.benchmark.runner import summarize
    >>> rows = [dict(estimator="e", task="t", family="f", dim_x=1, dim_y=1,
    ...              n_samples=100, seed=s, estimate=v, truth=1.0, abs_error=abs(v - 1),
    ...              log_ratio=float(np.log(v)), within_1_5=abs(np.log(v)) < np.log(1.5),
    ...              time_s=0.1, error=None, unit="nats") for s, v in enumerate([1.4, 1.7])]
    >>> s = summarize(rows)
    >>> s = s if isinstance(s, list) else s.to_dict("records")
    >>> round(s[0]["estimate_mean"], 2), round(s[0]["log_ratio_mean"], 3), s[0]["within_1_5"]
    (1.55, 0.434, False)
    """
    rows = _records(results)
    if not rows:
        raise ValueError("results is empty.")
    out = []
    for (est, task), group in _grouped(rows, ("estimator", "task")).items():
        ok = [r for r in group if _error_of(r) is None]
        values = np.array([float(r["estimate"]) for r in ok], dtype=float)
        values = values[~np.isnan(values)]
        logs = np.array([float(r["log_ratio"]) for r in ok], dtype=float)
        logs = logs[np.isfinite(logs)]
        log_mean = float(np.mean(logs)) if logs.size else math.nan
        first = group[0]
        truth = float(first["truth"])
        out.append({
            "estimator": est,
            "task": task,
            "family": first.get("family", ""),
            "dim_x": int(first.get("dim_x", 0)),
            "dim_y": int(first.get("dim_y", 0)),
            "n_samples": int(first.get("n_samples", 0)),
            "truth": truth,
            "n_seeds": len(group),
            "n_errors": len(group) - len(ok),
            "n_valid": int(logs.size),
            "n_saturated": int(sum(bool(r.get("saturated", False)) for r in ok)),
            "estimate_mean": float(np.mean(values)) if values.size else math.nan,
            "estimate_sd": float(np.std(values, ddof=1)) if values.size > 1 else math.nan,
            "abs_error_mean": (float(np.mean(np.abs(values - truth))) if values.size
                               else math.nan),
            "log_ratio_mean": log_mean,
            "within_1_5": bool(abs(log_mean) < _LOG_FACTOR),
            "time_median_s": float(np.median([float(r["time_s"]) for r in group])),
            "unit": first.get("unit", "nats"),
        })
    return _frame(out, SUMMARY_COLUMNS)


def _as_summary(table) -> list[dict]:
    rows = _records(table)
    if rows and "seed" in rows[0]:  # a run's table: summarize it first
        rows = _records(summarize(rows))
    return rows


def estimator_scores(summary) -> list[dict]:
    """One dict per estimator: on how many tasks it is within the factor 1.5.

    Parameters
    ----------
    summary : pandas.DataFrame or list of dict
        The table of :func:`summarize` (a table of :func:`run` is summarized first).

    Returns
    -------
    scores : list of dict
        Keys ``estimator``, ``n_within``, ``n_tasks``, ``n_failed`` (tasks where every
        seed raised), ``median_abs_log_ratio`` and ``median_time_s``.

    Examples
    --------
    >>> from skmi.benchmark.runner import estimator_scores
    >>> summary = [dict(estimator="e", task=t, within_1_5=w, n_errors=0, n_seeds=2,
    ...                 log_ratio_mean=lr, time_median_s=0.5)
    ...            for t, w, lr in [("a", True, 0.1), ("b", False, 0.9)]]
    >>> estimator_scores(summary)[0]["n_within"]
    1
    """
    rows = _as_summary(summary)
    out = []
    for (est,), group in _grouped(rows, ("estimator",)).items():
        logs = np.abs([float(r["log_ratio_mean"]) for r in group])
        logs = logs[np.isfinite(logs)]
        out.append({
            "estimator": est,
            "n_within": sum(bool(r["within_1_5"]) for r in group),
            "n_tasks": len(group),
            "n_failed": sum(int(r["n_errors"]) == int(r["n_seeds"]) for r in group),
            "median_abs_log_ratio": float(np.median(logs)) if logs.size else math.nan,
            "median_time_s": float(np.median([float(r["time_median_s"]) for r in group])),
        })
    return out


def format_scores(summary) -> str:
    """The per-estimator lines: ``name: k/n tasks within a factor 1.5 of the true MI``.

    Examples
    --------
    >>> from skmi.benchmark.runner import format_scores
    >>> summary = [dict(estimator="ksg", task="a", within_1_5=True, n_errors=0,
    ...                 n_seeds=5, log_ratio_mean=0.1, time_median_s=0.01)]
    >>> print(format_scores(summary))
    ksg: 1/1 tasks within a factor 1.5 of the true MI (median fit 0.010 s)
    """
    lines = []
    for s in estimator_scores(summary):
        line = (f"{s['estimator']}: {s['n_within']}/{s['n_tasks']} tasks within a factor "
                f"{FACTOR:g} of the true MI (median fit {s['median_time_s']:.3f} s)")
        if s["n_failed"]:
            line += f"; failed on {s['n_failed']}"
        lines.append(line)
    return "\n".join(lines)


def _layout(summary):
    """The summary rows, estimators and tasks in order, the cells, truths and unit."""
    rows = _as_summary(summary)
    if not rows:
        raise ValueError("summary is empty.")
    estimators = list(dict.fromkeys(r["estimator"] for r in rows))
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    cell = {(r["estimator"], r["task"]): r for r in rows}
    truth = {r["task"]: float(r["truth"]) for r in rows}
    return rows, estimators, tasks, cell, truth, rows[0].get("unit", "nats")


def to_markdown(summary, *, digits: int = 2) -> str:
    """A Markdown table: tasks as rows, the true MI, then one column per estimator.

    A cell is the mean estimate over seeds; ``✗`` marks one outside the factor 1.5
    (the criterion of :func:`summarize`), ``†`` one the estimator reported saturated on
    some seed (pinned at a ceiling: within the factor or not, it says nothing about the
    data), ``error`` one where every seed raised. The last row counts the tasks within
    the factor per estimator.

    Parameters
    ----------
    summary : pandas.DataFrame or list of dict
        The table of :func:`summarize` (a table of :func:`run` is summarized first).
    digits : int, default=2

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skmi.benchmark.runner import to_markdown
    >>> summary = [dict(estimator="ksg", task="a", family="normal", truth=0.5,
    ...                 estimate_mean=0.48, within_1_5=True, n_errors=0, n_seeds=2,
    ...                 log_ratio_mean=-0.04, time_median_s=0.01, unit="nats")]
    >>> print(to_markdown(summary))
    | task | true MI [nats] | ksg |
    |---|---:|---:|
    | a | 0.50 | 0.48 |
    | **within 1.5x** |  | **1/1** |
    """
    rows, estimators, tasks, cell, truth, unit = _layout(summary)
    lines = [
        "| task | true MI [" + unit + "] | " + " | ".join(estimators) + " |",
        "|---|---:|" + "---:|" * len(estimators),
    ]
    for task in tasks:
        cells = []
        for est in estimators:
            r = cell.get((est, task))
            if r is None:
                cells.append("")
            elif int(r["n_errors"]) == int(r["n_seeds"]):
                cells.append("error")
            else:
                text = f"{float(r['estimate_mean']):.{digits}f}"
                text += "" if r["within_1_5"] else " ✗"
                cells.append(text + (" †" if int(r.get("n_saturated", 0)) else ""))
        lines.append(f"| {task} | {truth[task]:.{digits}f} | " + " | ".join(cells) + " |")
    scores = {s["estimator"]: s for s in estimator_scores(rows)}
    lines.append("| **within 1.5x** |  | " + " | ".join(
        f"**{scores[e]['n_within']}/{scores[e]['n_tasks']}**" for e in estimators) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------- CSV
def to_csv(results, path: str | os.PathLike) -> None:
    """Write a table of :func:`run` (or :func:`summarize`) to a CSV file.

    Floats are written with ``repr`` precision, so :func:`read_csv` gives back the same
    numbers; a missing error is an empty field.
    """
    rows = _records(results)
    if not rows:
        raise ValueError("results is empty: nothing to write.")
    known = COLUMNS if "seed" in rows[0] else SUMMARY_COLUMNS
    columns = [c for c in known if c in rows[0]] + [c for c in rows[0] if c not in known]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if k == "error" and _error_of(r) is None else r[k])
                             for k in columns})


def _parse(column: str, text: str):
    if column in _INT_COLUMNS:
        return int(text)
    if column in _FLOAT_COLUMNS:
        return float(text)
    if column in _BOOL_COLUMNS:
        if text not in ("True", "False"):
            raise ValueError(f"{column} must be True or False, got {text!r}.")
        return text == "True"
    if column == "error":
        return text or None
    return text


def read_csv(path: str | os.PathLike):
    """Read a CSV written by :func:`to_csv` back into a table (no pandas needed).

    Returns
    -------
    table : pandas.DataFrame or list of dict
        Typed as :func:`run` returns it (a DataFrame when pandas is installed).
    """
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [{k: _parse(k, v) for k, v in row.items()} for row in reader]
        columns = reader.fieldnames or []
    return _frame(rows, columns)


# ---------------------------------------------------------------- heat map
def plot_heatmap(summary, ax=None, path: str | os.PathLike | None = None, *,
                 fmt: str = ".2f", title: str | None = None):
    """The heat map of Czyż et al. (2023): estimators by tasks, the mean estimate in
    each cell.

    Colour is the mean log ratio ``log(estimate / truth)`` on ``[-1, 1]`` (``RdBu_r``:
    red over-, blue underestimates), a first row gives the true MI, cells outside the
    factor 1.5 are hatched, grey cells are fits that raised on every seed. A cell whose
    estimates are all zero or negative (log ratio undefined) gets the darkest blue.

    Parameters
    ----------
    summary : pandas.DataFrame or list of dict
        The table of :func:`summarize` (a table of :func:`run` is summarized first).
    ax : matplotlib Axes or None
        None: a new figure sized to the table.
    path : str, path or None
        Save the figure there (any format matplotlib knows, from the suffix).
    fmt : str, default=".2f"
        Format of the numbers in the cells.
    title : str or None

    Returns
    -------
    ax : matplotlib Axes
    """
    try:
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle
    except ImportError as exc:
        raise ImportError(
            "plot_heatmap needs matplotlib: pip install matplotlib (or skmi[plot])."
        ) from exc
    rows, estimators, tasks, cell, truth, unit = _layout(summary)
    labels = [f"True MI [{unit}]", *estimators]
    colour = np.full((len(labels), len(tasks)), np.nan)
    text = np.full((len(labels), len(tasks)), "", dtype=object)
    failing = np.zeros((len(labels), len(tasks)), dtype=bool)
    for j, task in enumerate(tasks):
        colour[0, j] = 0.0
        text[0, j] = format(truth[task], fmt)
        for i, est in enumerate(estimators, start=1):
            r = cell.get((est, task))
            if r is None:
                continue
            if int(r["n_errors"]) == int(r["n_seeds"]):
                text[i, j] = "err"
                continue
            log_ratio = float(r["log_ratio_mean"])
            if math.isnan(log_ratio) and truth[task] > 0:
                log_ratio = -math.inf  # no positive estimate: below the colour scale
            colour[i, j] = log_ratio
            text[i, j] = format(float(r["estimate_mean"]), fmt)
            failing[i, j] = not bool(r["within_1_5"])
    if ax is None:
        width = max(4.0, 0.42 * len(tasks) + 2.5)
        height = max(2.0, 0.42 * len(labels) + 2.0)
        _, ax = plt.subplots(figsize=(width, height))
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.8")
    clipped = np.clip(colour, -1.0, 1.0)
    image = ax.imshow(np.ma.masked_invalid(clipped), cmap=cmap, vmin=-1.0, vmax=1.0,
                      aspect="auto", interpolation="nearest")
    for i in range(len(labels)):
        for j in range(len(tasks)):
            if not text[i, j]:
                continue
            dark = np.isfinite(clipped[i, j]) and abs(clipped[i, j]) > 0.6
            ax.text(j, i, text[i, j], ha="center", va="center", fontsize=6.5,
                    color="white" if dark else "black")
            if failing[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                       edgecolor="0.3", linewidth=0.0, alpha=0.5))
    ax.axhline(0.5, color="k", linewidth=0.8)
    ax.set_xticks(range(len(tasks)))
    ax.set_xticklabels(tasks, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(labels, fontsize=8)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.025, pad=0.01)
    bar.set_label("mean log(estimate / true MI)", fontsize=8)
    n_seeds = max(int(r.get("n_seeds", 0)) for r in rows)
    n_samples = rows[0].get("n_samples", "")
    ax.set_title(title or (f"Mean estimate over {n_seeds} seeds, n={n_samples}; hatched: "
                           f"outside a factor {FACTOR:g} of the true MI"), fontsize=9)
    if path is not None:
        ax.figure.savefig(path, dpi=150, bbox_inches="tight")
    return ax
