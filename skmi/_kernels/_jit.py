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
import logging
import os
import sys
import threading

import numba
from numba.core import event as _event

_CACHE = os.environ.get("SKMI_NUMBA_CACHE", "1") not in ("0", "false", "False", "")

#: Seconds a first compilation of skmi kernels may take before one line says so.
COMPILE_NOTICE_AFTER = 1.0
_LOG = logging.getLogger("skmi")


class _CompileNotice(_event.Listener):
    """Says once per process, through the ``skmi`` logger (warning level, so stderr by
    default), that skmi's kernels are being compiled, when a compilation of one of them
    has taken more than :data:`COMPILE_NOTICE_AFTER` seconds. Numba fires the
    ``numba:compile`` event only when it compiles (not when it loads the disk cache),
    so warm processes never see the line. Silence it with
    ``logging.getLogger("skmi").setLevel(logging.ERROR)``."""

    def __init__(self):
        self._depth = 0
        self._timer = None
        self.said = False
        self._lock = threading.Lock()

    @staticmethod
    def _ours(event) -> bool:
        dispatcher = (event.data or {}).get("dispatcher")
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        return module.startswith("skmi.")

    def _say(self):
        with self._lock:
            if self.said:
                return
            self.said = True
        _LOG.warning("skmi: compiling its Numba kernels (once: later processes load them "
                     "from the disk cache; `skmi warmup` compiles them all ahead) ...")

    def on_start(self, event):
        if self.said or not self._ours(event):
            return
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._timer = threading.Timer(COMPILE_NOTICE_AFTER, self._say)
                self._timer.daemon = True
                self._timer.start()

    def on_end(self, event):
        if not self._ours(event):
            return
        with self._lock:
            self._depth = max(0, self._depth - 1)
            if self._depth == 0 and self._timer is not None:
                self._timer.cancel()
                self._timer = None


COMPILE_NOTICE = _CompileNotice()
_event.register("numba:compile", COMPILE_NOTICE)


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

    Also puts torch's CPU thread count back when torch is loaded: with Numba's OpenMP
    threading layer and torch's OpenMP build sharing one ``libgomp``, every Numba
    parallel region calls ``omp_set_num_threads`` with Numba's count, which is the
    count ``torch.get_num_threads`` reports and torch's next operation uses (a training
    loop at one thread ran on all cores after its first record).
    """
    torch = sys.modules.get("torch")
    # read first: the first Numba call launches its pool, which may set OpenMP's count
    torch_previous = torch.get_num_threads() if torch is not None else None
    previous = numba.get_num_threads()
    serial = n_samples is not None and n_samples < SERIAL_BELOW
    numba.set_num_threads(1 if serial else resolve_n_threads(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
        if torch_previous is not None:  # unconditionally: cheap, and its cache may lag
            torch.set_num_threads(torch_previous)
