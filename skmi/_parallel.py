"""joblib helpers shared by everything that fans work out: thread caps and progress.

All parallel work in skmi goes through :class:`joblib.Parallel`, so that
``with joblib.parallel_config(backend="dask"):`` runs it on a Dask cluster. The one
exception is :func:`argsort_rows`: a few milliseconds of GIL-free NumPy sorting inside
one kernel call, run on a persistent in-process thread pool (a joblib dispatch would
cost more than it saves). Each outer
worker runs Numba kernels of its own; :func:`inner_n_jobs` gives every worker an equal
share of this machine's Numba threads (``NUMBA_NUM_THREADS``, all cores by default) so
that ``n_jobs x threads`` never oversubscribes it. On a remote cluster each worker
process caps its own kernels at its ``NUMBA_NUM_THREADS``: set that variable in the
workers' environment to ``cores // threads_per_worker``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

__all__ = ["inner_n_jobs", "cap_inner_threads", "progress_bar", "parallel_map",
           "argsort_rows", "serial_blas_below", "BLAS_SERIAL_BELOW"]

#: Inputs with fewer values than this fit their scikit-learn predictors (VInformation,
#: ClassifierMI) with BLAS on one thread. On a 2-core machine shared with other work a
#: 4,000 x 32 logistic regression took 2 s with OpenBLAS's threads and 15 ms without.
BLAS_SERIAL_BELOW = 4_000_000

_SORT_POOL: ThreadPoolExecutor | None = None


def _forget_sort_pool() -> None:
    global _SORT_POOL
    _SORT_POOL = None  # a forked child has none of the parent's threads


os.register_at_fork(after_in_child=_forget_sort_pool)


def argsort_rows(rows: np.ndarray, n_threads: int) -> np.ndarray:
    """``np.argsort(rows, axis=1)`` (int64), rows sorted concurrently on up to
    ``n_threads`` threads (NumPy's sort releases the GIL)."""
    global _SORT_POOL
    rows = np.ascontiguousarray(rows)
    d = rows.shape[0]
    n_threads = min(int(n_threads), d)
    if n_threads < 2:
        return np.argsort(rows, axis=1).astype(np.int64, copy=False)
    if _SORT_POOL is None:
        _SORT_POOL = ThreadPoolExecutor(os.cpu_count() or 2, thread_name_prefix="skmi-sort")
    out = np.empty(rows.shape, np.int64)

    def sort(part):
        for c in part:
            out[c] = np.argsort(rows[c])

    list(_SORT_POOL.map(sort, np.array_split(np.arange(d), n_threads)))
    return out


@contextlib.contextmanager
def serial_blas_below(n_values: int):
    """Run the body with one BLAS thread when the data hold fewer than
    ``BLAS_SERIAL_BELOW`` values (threads cost more than they save there, and much more
    on a loaded machine); larger data keep BLAS's own setting."""
    if n_values >= BLAS_SERIAL_BELOW:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def inner_n_jobs(n_jobs: int | None) -> int:
    """Numba threads each of the ``n_jobs`` outer workers may use on this machine.

    ``n_jobs`` is resolved by the active joblib backend (``None`` means one worker unless
    a ``parallel_config`` says otherwise).
    """
    from ._kernels._jit import resolve_n_threads  # Numba: imported on first use

    n_workers = max(1, effective_n_jobs(n_jobs))
    return max(1, resolve_n_threads(None) // n_workers)


def cap_inner_threads(estimator, n_jobs: int | None):
    """Set ``estimator.n_jobs`` (if it has one) to its share when run ``n_jobs``-wide.

    Returns the estimator (modified in place: pass a clone). A single outer worker
    leaves the estimator's own setting alone.
    """
    if max(1, effective_n_jobs(n_jobs)) > 1 and "n_jobs" in estimator.get_params(deep=False):
        estimator.set_params(n_jobs=inner_n_jobs(n_jobs))
    return estimator


class PlainProgress:
    """A progress line on stderr for when tqdm is not installed: the tqdm methods skmi
    uses (``update``, ``set_description_str``, ``set_postfix``, ``close``), printing at
    most one line every ``interval`` seconds and one at the end."""

    def __init__(self, total: int, desc: str, unit: str = "it", interval: float = 5.0):
        import time

        self.total, self.desc, self.unit, self.interval = total, desc, unit, interval
        self.n = 0
        self._postfix = ""
        self._clock = time.perf_counter
        self._start = self._last = self._clock()

    def _print(self, force: bool = False) -> None:
        import sys

        now = self._clock()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        print(f"{self.desc}: {self.n}/{self.total} {self.unit} "
              f"({now - self._start:.0f} s){self._postfix}", file=sys.stderr, flush=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        self._print()

    def set_description_str(self, desc: str) -> None:
        self.desc = desc
        self._print()

    def set_postfix(self, **kwargs) -> None:
        self._postfix = "".join(f", {k}={v}" for k, v in kwargs.items())

    def close(self) -> None:
        self._print(force=True)


def progress_bar(total: int, enabled: bool, desc: str, unit: str = "it"):
    """A tqdm bar; without tqdm a :class:`PlainProgress` line; ``None`` when disabled."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: a plain line instead
        return PlainProgress(total, desc, unit)
    return tqdm(total=total, desc=desc, unit=unit, leave=True)


def parallel_map(
    func: Callable[..., Any],
    arguments: Iterable[Sequence[Any]],
    *,
    n_jobs: int | None = None,
    progress: bool = False,
    desc: str = "",
    unit: str = "it",
) -> list[Any]:
    """``[func(*args) for args in arguments]`` through joblib, in order.

    With ``progress=True`` a tqdm bar advances as results arrive.
    """
    arguments = list(arguments)
    bar = progress_bar(len(arguments), progress, desc, unit)
    calls = (delayed(func)(*args) for args in arguments)
    if bar is None:
        return list(Parallel(n_jobs=n_jobs)(calls))
    results = []
    try:
        for value in Parallel(n_jobs=n_jobs, return_as="generator")(calls):
            results.append(value)
            bar.update(1)
    finally:
        bar.close()
    return results
