"""One switch for how skmi compiles its Numba kernels.

Disk cache
----------
Kernels are compiled lazily (on first call) and cached on disk so that later processes
skip compilation. The cache lives in the first writable one of:

1. ``NUMBA_CACHE_DIR``, when set (Numba's own override; it wins for every package);
2. the package's ``skmi/_kernels/__pycache__`` (tested by writing a file there, not by
   permission bits, which do not bind root);
3. skmi's user cache directory, ``<user cache>/skmi/numba``: ``$XDG_CACHE_HOME``
   (default ``~/.cache``) on Linux and other POSIX systems,
   ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows (see
   :func:`user_cache_dir`). A read-only install (a system site-packages, a container
   image) compiles once per user, not once per process;
4. ``<temp dir>/skmi-<user>/numba``, created private (mode 0700) and used only when
   owned by the current user: for a home that cannot be written either (a service
   account, a serverless function).

With none of them, or with ``SKMI_NUMBA_CACHE=0``, kernels are compiled in every
process (said once through the ``skmi`` logger). An entry is keyed by the source of its
own file *and* of every kernel file it imports (a helper inlined from
``neighbors.py`` into ``brute.py`` makes ``brute.py``'s entries stale when it changes;
Numba alone would only look at ``brute.py``), plus the options ``jit`` compiled it with.
"Imports" are relative ones (``from .neighbors import _insert``): a module without
jitted code can be imported absolutely to stay out of the key.
An entry that cannot be read back (a truncated or corrupted file, a pickle error) is
dropped and rebuilt, with one :class:`KernelCacheWarning` per process.

Threading layer
---------------
Numba runs ``parallel=True`` kernels on one of three layers. On Linux its default is
GNU OpenMP when TBB cannot be loaded, and GNU OpenMP is not fork-safe: after one
parallel fit, every child started with ``fork`` (``multiprocessing``'s default on
Linux, ``torch.utils.data.DataLoader`` workers) was killed at its first parallel
kernel. skmi therefore asks for TBB, which is both fork-safe and thread-safe: the
``tbb`` wheel (a dependency where PyPI has one) is loaded from its install location,
which Numba does not search by itself, before Numba picks a layer. Without TBB, skmi
leaves Numba's choice as it is and guards each parallel kernel instead
(:class:`ParallelKernel`): in a process forked from one that started GNU OpenMP the
kernel runs its single-threaded compilation, and on the ``workqueue`` layer (not
thread-safe) launches from several threads take turns. ``NUMBA_THREADING_LAYER`` or
``NUMBA_THREADING_LAYER_PRIORITY``, when set, are left alone (the guard still applies).
:data:`THREADING_LAYER_NOTE` says what skmi did.

Thread counts: :func:`num_threads` maps an ``n_jobs`` value onto Numba's thread pool
for the duration of one call and restores the previous value afterwards
(``numba.set_num_threads`` is thread-local and capped by ``NUMBA_NUM_THREADS``).
"""

from __future__ import annotations

import ast
import contextlib
import ctypes
import functools
import logging
import os
import sys
import tempfile
import threading
import warnings

import numba
from numba.core import caching as _caching
from numba.core import config as _config
from numba.core import event as _event
from numba.np.ufunc import parallel as _parallel

__all__ = ["jit", "num_threads", "resolve_n_threads", "user_cache_dir",
           "KernelCacheWarning", "ParallelKernel", "SERIAL_BELOW"]

_CACHE = os.environ.get("SKMI_NUMBA_CACHE", "1") not in ("0", "false", "False", "")

#: Seconds a first compilation of skmi kernels may take before one line says so.
COMPILE_NOTICE_AFTER = 1.0
_LOG = logging.getLogger("skmi")
_HERE = os.path.dirname(os.path.abspath(__file__))
_SKMI_ROOT = os.path.dirname(_HERE)
_NUMBA_ROOT = os.path.dirname(os.path.abspath(numba.__file__))
_IS_LINUX = sys.platform.startswith("linux")


class KernelCacheWarning(UserWarning):
    """A cached kernel could not be read back (corrupted or truncated cache file).

    The entry is dropped and the kernel compiled again (and re-saved), so the result is
    unaffected; the warning is issued once per process. Delete the cache folder named
    in the message if it keeps coming back (a disk or file-system problem).
    """


# ------------------------------------------------------------------ threading layer
def _tbb_wheel_library() -> str | None:
    """Path of ``libtbb.so.12`` installed by the ``tbb`` wheel, or None."""
    try:
        from importlib import metadata
        files = metadata.files("tbb") or ()
    except Exception:  # not installed, or unreadable metadata
        return None
    for f in files:
        if f.name == "libtbb.so.12":
            path = os.path.realpath(str(f.locate()))
            if os.path.isfile(path):
                return path
    return None


def _tbb_usable() -> bool:
    """Load TBB (from the ``tbb`` wheel if installed) and Numba's TBB layer; True if
    Numba can run on it (TBB 2021.6 or newer, as Numba requires)."""
    path = _tbb_wheel_library()
    try:
        lib = ctypes.CDLL(path or "libtbb.so.12", mode=ctypes.RTLD_GLOBAL)
        version = lib.TBB_runtime_interface_version
        version.restype = ctypes.c_int
        if version() < 12060:
            return False
        from numba.np.ufunc import tbbpool  # noqa: F401  (links against libtbb.so.12)
    except (OSError, AttributeError, ImportError):
        return False
    return True


def _choose_threading_layer() -> str:
    """Make TBB Numba's first choice where it can be loaded; returns a note."""
    if _parallel._is_initialized:
        return f"left alone: Numba had already started {_parallel._threading_layer!r}"
    if "NUMBA_THREADING_LAYER" in os.environ or "NUMBA_THREADING_LAYER_PRIORITY" in os.environ:
        return "left alone: set by NUMBA_THREADING_LAYER(_PRIORITY)"
    if str(_config.THREADING_LAYER).lower() != "default":
        return f"left alone: numba.config.THREADING_LAYER = {_config.THREADING_LAYER!r}"
    if not _IS_LINUX:  # no GNU OpenMP there: Numba's own order (tbb, omp, workqueue)
        return "Numba's default (not Linux)"
    if _tbb_usable():
        _config.THREADING_LAYER = "tbb"
        return "tbb (fork-safe and thread-safe)"
    return ("Numba's default without TBB (GNU OpenMP where present): parallel kernels "
            "run single-threaded in forked children")


#: What skmi did about Numba's threading layer at import (see the module docstring).
THREADING_LAYER_NOTE = _choose_threading_layer()

#: True in a process forked from one that had started Numba's GNU OpenMP layer, whose
#: parallel regions would kill this process (Numba's own fork check).
_OMP_INHERITED = False
_LAUNCH_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    global _OMP_INHERITED, _LAUNCH_LOCK
    _LAUNCH_LOCK = threading.Lock()  # a lock held by a parent thread stays held
    if _IS_LINUX and _parallel._is_initialized and _parallel._threading_layer == "omp":
        _OMP_INHERITED = True


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _running_layer() -> str | None:
    return _parallel._threading_layer if _parallel._is_initialized else None


class ParallelKernel:
    """A ``parallel=True`` kernel: the Numba dispatcher, guarded where the threading
    layer in use needs it.

    - in a process forked from one that had started GNU OpenMP, the kernel runs a
      ``parallel=False`` compilation of the same function (compiled and cached on
      first use there): Numba would otherwise kill the process;
    - on the ``workqueue`` layer, which is not thread-safe, launches from several
      threads take turns.

    Everywhere else (TBB, the default on Linux x86-64) the call goes straight to the
    dispatcher. Jitted code that calls the kernel calls the parallel dispatcher.
    Attributes other than the call are the dispatcher's.
    """

    def __init__(self, dispatcher, make_serial):
        self._dispatcher = dispatcher
        self._make_serial = make_serial
        self._serial = None
        functools.update_wrapper(self, dispatcher.py_func)

    def __call__(self, *args, **kwargs):
        if _OMP_INHERITED:
            if self._serial is None:
                self._serial = self._make_serial()
            return self._serial(*args, **kwargs)
        if _running_layer() in (None, "workqueue"):  # None: the first launch picks it
            with _LAUNCH_LOCK:
                return self._dispatcher(*args, **kwargs)
        return self._dispatcher(*args, **kwargs)

    @property
    def _numba_type_(self):  # typed as the dispatcher inside jitted code
        return self._dispatcher._numba_type_

    def __getattr__(self, name):
        if name.startswith("__") or name in ("_dispatcher", "_make_serial", "_serial"):
            raise AttributeError(name)
        return getattr(self._dispatcher, name)

    def __reduce__(self):  # pickled by reference, like a function
        return self.__qualname__

    def __repr__(self):
        return f"<ParallelKernel {self.__module__}.{self.__qualname__}>"


# ------------------------------------------------------------------------ disk cache
def user_cache_dir() -> str:
    """skmi's per-user cache folder for compiled kernels (need not exist yet)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(
            os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(base, "skmi", "numba")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches", "skmi", "numba")
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the spec: ignore unset, empty or relative values
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "skmi", "numba")


def _temp_cache_dir() -> str | None:
    """``<tmp>/skmi-<user>/numba``, private to this user, or None if unsafe."""
    try:
        uid = os.getuid()
    except AttributeError:  # Windows: the user cache folder is per-user already
        return None
    top = os.path.join(tempfile.gettempdir(), f"skmi-{uid}")
    try:
        os.makedirs(top, mode=0o700, exist_ok=True)
        st = os.lstat(top)
    except OSError:
        return None
    # another user's folder (planted) or one others may write: cached code is pickled
    if st.st_uid != uid or (st.st_mode & 0o022) or not os.path.isdir(top) \
            or os.path.islink(top):
        return None
    return os.path.join(top, "numba")


_IMPORT_CACHE: dict[str, tuple[str, ...]] = {}


def _sibling_imports(path: str) -> tuple[str, ...]:
    """Files of this package that ``path`` imports relatively (``from .x import``)."""
    if path not in _IMPORT_CACHE:
        names = []
        try:
            with open(path, "rb") as f:
                tree = ast.parse(f.read())
        except (OSError, SyntaxError, ValueError):
            tree = None
        for node in ast.walk(tree) if tree is not None else ():
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                mods = [node.module] if node.module else [a.name for a in node.names]
                for mod in mods:
                    candidate = os.path.join(os.path.dirname(path), mod.split(".")[0] + ".py")
                    if os.path.isfile(candidate) and os.path.basename(candidate) != "_jit.py":
                        names.append(os.path.abspath(candidate))
        _IMPORT_CACHE[path] = tuple(sorted(set(names)))
    return _IMPORT_CACHE[path]


def _dependency_stamp(py_file: str) -> tuple[str, ...]:
    """Content hashes of the kernel files ``py_file`` depends on (itself excluded:
    Numba's own stamp covers it), transitively."""
    seen: set[str] = set()
    todo = [os.path.abspath(py_file)]
    while todo:
        path = todo.pop()
        for dep in _sibling_imports(path):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    seen.discard(os.path.abspath(py_file))
    stamps = []
    for dep in sorted(seen):
        st = os.stat(dep)
        stamps.append(os.path.basename(dep) + ":"
                      + _caching._hash_source_file(dep, st.st_mtime, st.st_size).hex())
    return tuple(stamps)


class _StampMixin:
    """Adds the dependencies' sources and the ``jit`` options to Numba's stamp."""

    def get_source_stamp(self):
        options = getattr(self._py_func_ref, "__skmi_jit_options__", "")
        return (super().get_source_stamp(), _dependency_stamp(self._py_file), options)

    @classmethod
    def from_function(cls, py_func, py_file):
        self = super().from_function(py_func, py_file)
        if self is not None:
            self._py_func_ref = py_func
        return self


class _UserProvidedLocator(_StampMixin, _caching.UserProvidedCacheLocator):
    pass


class _InTreeLocator(_StampMixin, _caching.InTreeCacheLocator):
    pass


class _DirLocator(_StampMixin, _caching._SourceFileBackedLocatorMixin,
                  _caching._CacheLocator):
    """Caches in ``<root()>/<folder name>_<hash of the folder path>``."""

    @staticmethod
    def root() -> str | None:
        raise NotImplementedError

    def __init__(self, py_func, py_file, root):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = os.path.join(root, self.get_suitable_cache_subpath(py_file))

    def get_cache_path(self):
        return self._cache_path

    @classmethod
    def from_function(cls, py_func, py_file):
        if not os.path.exists(py_file):
            return None
        root = cls.root()
        if not root:
            return None
        self = cls(py_func, py_file, root)
        try:
            self.ensure_cache_path()  # creates it and writes a file: the real test
        except OSError:
            return None
        self._py_func_ref = py_func
        return self


class _UserDirLocator(_DirLocator):
    root = staticmethod(user_cache_dir)


class _TempDirLocator(_DirLocator):
    root = staticmethod(_temp_cache_dir)


class _KernelCacheImpl(_caching.CompileResultCacheImpl):
    _locator_classes = [_UserProvidedLocator, _InTreeLocator, _UserDirLocator,
                        _TempDirLocator]
    _suffix = ""

    def get_filename_base(self, fullname, abiflags):
        return super().get_filename_base(fullname + self._suffix, abiflags)


class _SerialKernelCacheImpl(_KernelCacheImpl):
    _suffix = "-serial"  # the parallel=False twin of a parallel kernel: its own files


_WARNED = {"corrupt": False, "uncached": False}
_WARN_LOCK = threading.Lock()


def _first(key: str) -> bool:
    with _WARN_LOCK:
        if _WARNED[key]:
            return False
        _WARNED[key] = True
        return True


def _user_stacklevel() -> int:
    """``warnings.warn`` stack level of the first frame outside skmi and Numba."""
    level, frame = 1, sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(_SKMI_ROOT) or name.startswith(_NUMBA_ROOT)):
            return level
        frame = frame.f_back
        level += 1
    return 1


class _KernelCache(_caching.FunctionCache):
    """Numba's per-function disk cache with skmi's locations, stamps and recovery."""

    _impl_class = _KernelCacheImpl

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except Exception as exc:  # noqa: BLE001 - pickle, EOF, value, LLVM errors alike
            if _first("corrupt"):
                warnings.warn(
                    f"skmi: the cached compilation of {self._py_func.__qualname__} in "
                    f"{self.cache_path} could not be read ({type(exc).__name__}: {exc}); "
                    "it is rebuilt. (Said once per process; delete that folder if this "
                    "keeps happening.)", KernelCacheWarning, stacklevel=_user_stacklevel())
            else:
                _LOG.debug("skmi: rebuilding unreadable cache entry of %s (%s)",
                           self._py_func.__qualname__, exc)
            try:
                self.flush()  # an empty index: the compilation below re-saves
            except Exception:  # noqa: BLE001 - nothing more to do; save_overload copes
                pass
            return None

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except Exception as exc:  # noqa: BLE001 - a cache that cannot be written
            _LOG.debug("skmi: could not cache %s (%s)", self._py_func.__qualname__, exc)


class _SerialKernelCache(_KernelCache):
    _impl_class = _SerialKernelCacheImpl


def _compile(f, cache_class, options: dict):
    dispatcher = numba.njit(cache=False, **options)(f)
    if not _CACHE or not hasattr(dispatcher, "py_func"):  # NUMBA_DISABLE_JIT: f itself
        return dispatcher
    try:
        dispatcher._cache = cache_class(dispatcher.py_func)
    except RuntimeError:  # no writable cache location at all
        if _first("uncached"):
            _LOG.warning("skmi: no writable folder for the compiled-kernel cache (tried "
                         "NUMBA_CACHE_DIR, the package folder, %s and the temp folder): "
                         "kernels are compiled in every process", user_cache_dir())
    return dispatcher


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

    ``parallel=True`` returns a :class:`ParallelKernel` (the dispatcher behind a
    fork- and thread-safety guard).

    No ``fastmath``: it lets LLVM drop ``isnan``/``isinf`` guards and reassociate the
    max-norm comparisons the estimators depend on.
    """

    def decorate(f):
        opts = dict(nogil=True, parallel=parallel, **options)
        f.__skmi_jit_options__ = repr(sorted(opts.items()))
        dispatcher = _compile(f, _KernelCache, opts)
        if not parallel or dispatcher is f:
            return dispatcher
        serial = dict(opts, parallel=False)
        return ParallelKernel(dispatcher, lambda: _compile(f, _SerialKernelCache, serial))

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
    loop at one thread ran on all cores after its first record). (On the TBB layer,
    skmi's default on Linux x86-64, Numba does not touch OpenMP; the restore is cheap.)
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
