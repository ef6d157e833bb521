"""One switch for how skmi compiles its Numba kernels.

Kernels are compiled lazily (on first call) and cached on disk so that later processes
skip compilation. ``cache=True`` needs a writable cache folder: Numba uses the
package's ``__pycache__`` or, when that is read-only (a system-wide install), the folder
named by the ``NUMBA_CACHE_DIR`` environment variable. When neither is writable, or when
``SKMI_NUMBA_CACHE=0`` is set, kernels are compiled without caching instead of failing
at import time.

Thread counts: :func:`num_threads` maps an ``n_jobs`` value onto Numba's thread pool
for the duration of one call and restores the previous value afterwards
(``numba.set_num_threads`` is thread-local and capped by ``NUMBA_NUM_THREADS``).
"""

from __future__ import annotations

import contextlib
import os

import numba

_CACHE = os.environ.get("SKMI_NUMBA_CACHE", "1") not in ("0", "false", "False", "")


def jit(func=None, *, parallel: bool = False, **options):
    """``numba.njit`` with skmi's defaults: lazy signatures, ``cache`` where possible.

    No ``fastmath``: it lets LLVM drop ``isnan``/``isinf`` guards and reassociate the
    max-norm comparisons the estimators depend on.
    """

    def decorate(f):
        opts = dict(nogil=True, parallel=parallel, **options)
        if _CACHE:
            try:
                return numba.njit(cache=True, **opts)(f)
            except RuntimeError:  # no writable cache locator for this file
                pass
        return numba.njit(cache=False, **opts)(f)

    if func is None:
        return decorate
    return decorate(func)


def resolve_n_threads(n_jobs: int | None) -> int:
    """Number of Numba threads for ``n_jobs`` (None: Numba's default, all cores)."""
    max_threads = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return max_threads
    if n_jobs < 0:
        n = max_threads + 1 + n_jobs
    else:
        n = n_jobs
    return int(min(max(n, 1), max_threads))


#: Below this many samples kernels run on one thread: waking the other threads costs
#: more than they save (and much more on a loaded machine).
SERIAL_BELOW = 2000


@contextlib.contextmanager
def num_threads(n_jobs: int | None, n_samples: int | None = None):
    """Run the body with ``resolve_n_threads(n_jobs)`` Numba threads, then restore.

    With ``n_samples < SERIAL_BELOW`` the body runs on one thread.
    """
    previous = numba.get_num_threads()
    serial = n_samples is not None and n_samples < SERIAL_BELOW
    numba.set_num_threads(1 if serial else resolve_n_threads(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
