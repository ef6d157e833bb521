"""joblib helpers shared by everything that fans work out: thread caps and progress.

All parallel work in skmi goes through :class:`joblib.Parallel`, so that
``with joblib.parallel_config(backend="dask"):`` runs it on a Dask cluster. Each outer
worker runs Numba kernels of its own; :func:`inner_n_jobs` gives every worker an equal
share of this machine's Numba threads (``NUMBA_NUM_THREADS``, all cores by default) so
that ``n_jobs x threads`` never oversubscribes it. On a remote cluster each worker
process caps its own kernels at its ``NUMBA_NUM_THREADS``: set that variable in the
workers' environment to ``cores // threads_per_worker``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from joblib import Parallel, delayed, effective_n_jobs

__all__ = ["inner_n_jobs", "cap_inner_threads", "progress_bar", "parallel_map"]


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


def progress_bar(total: int, enabled: bool, desc: str, unit: str = "it"):
    """A tqdm bar, or ``None`` when disabled or when tqdm is not installed."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: no bar
        return None
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
