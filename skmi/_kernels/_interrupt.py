"""Ctrl-C during skmi's Numba kernels: prompt, safe, and without after-effects.

What went wrong (issue 18)
--------------------------
A SIGINT that arrives while a kernel runs only sets a flag: the kernels are native code
that release the GIL (``nogil=True``), and Python runs its handler at the next bytecode
of the main thread. That next bytecode used to be inside Numba's wrapper, *after* the
kernel: to box each returned array, the wrapper calls the Python function
``numba.core.serialize._numba_unpickle`` (for the array's type), and the handler raised
``KeyboardInterrupt`` there. The wrapper does not check that call: it built the array
with a NULL type and returned a tuple holding a NULL item (indexing it is a segmentation
fault: ``KLEntropy(algorithm="brute")`` on 40,000 x 16 rows crashed so), or a result
with the exception set (``SystemError``), or dropped the exception (the Ctrl-C was
lost). Either way the interrupt waited for the whole kernel (seconds to minutes). A
Ctrl-C in the first second of a process, while Numba installs its typing and lowering
registries (first compilation or disk-cache load), left them half installed: every
later fit failed to type (``Unknown attribute 'shape' of type array(...)``). Raised
inside llvmlite (a ctypes callback of LLVM's, a destructor) it freed memory twice.

Design
------
- :class:`guard` (re-entrant; active in the main thread, the only one where Python
  raises ``KeyboardInterrupt``) replaces the SIGINT handler for its duration by one that
  hands the signal on to the previous handler at once, so that it raises where it would
  have, except while the main thread is in code where an exception must not start
  (Numba's boxing, code generation, disk cache and registry set-up, all of llvmlite,
  destructors, the guard itself): there the signal is only recorded, and delivered as
  soon as the main thread has left (a thread re-triggers the handler every
  :data:`RETRY_SECONDS`), at a :func:`checkpoint`, or when the guard exits (after the
  previous handler is back in place). A ``KeyboardInterrupt`` swallowed on its way is
  delivered again at the next checkpoint. A user's own handler is called as before;
  ``SIG_IGN`` and ``SIG_DFL`` are left alone. The outermost guard of a process first
  installs Numba's registries itself, with SIGINT deferred (a few tenths of a second
  that the first compilation or cache load would spend anyway).
- Inside a guard, Python's wakeup fd (:func:`signal.set_wakeup_fd`) is a socket read by
  a watcher thread: Python's C-level handler writes the signal number there at once,
  whatever the main thread is doing, and the watcher sets a cancel flag. :func:`run`
  passes that flag to a long kernel, which looks at it between its tasks (a block of
  queries, rows or leaves: milliseconds of work) and returns early once it is set;
  Python then raises ``KeyboardInterrupt`` where it is safe, and the partial results
  are never used. A kernel runs as one call, as before, so results are the same to the
  last bit and there is no cost beyond reading the flag once per task (the kernels
  write into arrays allocated by their Python wrappers).

Latency and cost
----------------
Measured on the 2-core development machine (``KSG`` brute force, N = 24,000 to 40,000,
16 + 16 columns; KD-tree; ``KDEMI`` 40,000 x 8; ``BinningMI`` 4e6 x 4): a Ctrl-C
raises ``KeyboardInterrupt`` within 0.001-0.09 s of the signal (medians 0.001-0.01 s;
one task per thread; more when the cores are oversubscribed), and the next fit in the process gives
the same result as a fresh process. Not cancellable, and so the bound elsewhere: the
column argsorts and the strip build (well under a second at 1e6 rows) and a kernel's
first compilation, where a signal that lands in Numba's code generation waits for it
(typically well under a second, at most that kernel's compilation). The cost is one
guard per fit (a few microseconds) and one read of the flag per task.
"""

from __future__ import annotations

import _thread
import os
import signal
import socket
import threading
import time

import numpy as np

__all__ = ["guard", "checkpoint", "run"]

#: Seconds between two attempts to deliver a deferred SIGINT.
RETRY_SECONDS = 0.05

_MAIN = threading.main_thread().ident
#: Code where an exception must not start: Numba's boxing of results (unpickling
#: types), code generation and JIT linking, disk cache, runtime and thread-pool
#: start-up, type interning (its weakref callbacks) and the one-time set-up of its
#: registries; all of llvmlite (its C++ objects and the ctypes callbacks LLVM makes:
#: an exception swallowed there freed memory twice); destructors and finalizers (an
#: exception raised there is swallowed).
_UNSAFE_MODULES = ("numba.core.serialize", "numba.core.codegen", "numba.core.caching",
                   "numba.core.runtime", "numba.core.types", "numba.np.ufunc.parallel",
                   "llvmlite", "weakref")
_UNSAFE_NUMBA = frozenset({"refresh", "install_registry", "load_additional_registries",
                           "_load_builtins", "add_overload"})


class _State:
    depth = 0           # active guards (main thread)
    previous = None     # the handler the outermost guard replaced
    pending = False     # a SIGINT not yet handed on, or handed on and swallowed
    delivered = False   # handed on (raised) since it was recorded
    hold = 0            # > 0: record every SIGINT, deliver later
    numba_ready = False
    watchdog = None     # the thread that retries a deferred SIGINT


_STATE = _State()
_LOCK = threading.RLock()  # re-entrant: the handler may run while __exit__ holds it

#: The cancel flag of kernels run by :func:`run` in the main thread: set to 1 by the
#: watcher thread as soon as a SIGINT arrives (inside a guard), read by the kernels
#: once per task.
_FLAG = np.zeros(1, np.uint8)
#: The flag of kernels run outside the main thread (never set: no KeyboardInterrupt
#: can stop them there).
_NEVER = np.zeros(1, np.uint8)


class _Wakeup:
    """The socket pair whose write end is Python's wakeup fd inside a guard (Python's
    C-level signal handler writes each signal's number there at once, whatever the
    main thread is doing), and the thread that reads it and sets the cancel flag."""

    pid = None          # process that made them (a forked child makes its own)
    reader = None
    writer = None
    previous_fd = -2    # the wakeup fd the outermost guard replaced (-2: none)


_WAKE = _Wakeup()


def _watcher_loop(reader) -> None:
    while True:
        try:
            data = reader.recv(512)
        except InterruptedError:
            continue
        except OSError:  # closed
            return
        if not data:
            return
        if signal.SIGINT in data and _STATE.depth:
            _FLAG[0] = 1
        forward = _WAKE.previous_fd
        if forward >= 0 and os.name == "posix":  # e.g. a running asyncio loop's
            try:
                os.write(forward, data)
            except OSError:
                pass


def _wakeup_fd() -> int | None:
    """This process's wakeup socket (made, with its watcher thread, on first use)."""
    if _WAKE.pid != os.getpid():
        try:
            reader, writer = socket.socketpair()
            writer.setblocking(False)
        except OSError:
            return None
        _WAKE.reader, _WAKE.writer, _WAKE.pid = reader, writer, os.getpid()
        threading.Thread(target=_watcher_loop, args=(reader,), name="skmi-sigint-watch",
                         daemon=True).start()
    return _WAKE.writer.fileno()


def _unsafe(frame) -> bool:
    """Whether the main thread, at ``frame``, is where an exception must not start."""
    while frame is not None:
        code = frame.f_code
        if code in _OWN_CODE or code.co_name == "__del__":
            return True
        module = frame.f_globals.get("__name__") or ""
        if module.startswith(_UNSAFE_MODULES) or (
                module.startswith("numba.") and code.co_name in _UNSAFE_NUMBA):
            return True
        frame = frame.f_back
    return False


def _on_sigint(signum, frame):
    _STATE.pending = True
    _STATE.delivered = False
    if _STATE.hold or _unsafe(frame):
        _watch()
        return
    _deliver(signum, frame)


def _deliver(signum=signal.SIGINT, frame=None):
    """Hand the recorded SIGINT to the replaced handler (Python's default raises
    ``KeyboardInterrupt``). ``pending`` stays set while that raises, so that an
    exception swallowed on its way is delivered again at the next checkpoint; the
    outermost guard clears it when an exception leaves it."""
    previous = _STATE.previous
    _STATE.delivered = True
    if callable(previous):
        previous(signum, frame)
    _STATE.pending = _STATE.delivered = False  # handled without an exception


def _watch():
    """Start the thread that makes Python call the handler again every
    ``RETRY_SECONDS`` while a SIGINT is deferred (``_thread.interrupt_main``: no OS
    signal), so it is delivered soon after the main thread leaves unsafe code."""
    with _LOCK:
        if _STATE.watchdog is not None:
            return
        _STATE.watchdog = threading.Thread(target=_retry, name="skmi-sigint", daemon=True)
        _STATE.watchdog.start()


def _retry():
    while True:
        time.sleep(RETRY_SECONDS)
        with _LOCK:
            if not (_STATE.depth and _STATE.pending and not _STATE.delivered):
                _STATE.watchdog = None
                return
            _thread.interrupt_main(signal.SIGINT)  # the guard's handler is in place


def checkpoint() -> None:
    """Deliver a SIGINT recorded by the active :class:`guard` (main thread only)."""
    if _STATE.pending and _STATE.depth and threading.get_ident() == _MAIN:
        _deliver()


def _numba_setup() -> None:
    """Install Numba's typing and lowering registries now, with SIGINT deferred: an
    interrupted installation leaves them half done for the rest of the process."""
    from numba.core.registry import cpu_target

    cpu_target.typing_context.refresh()
    cpu_target.target_context.refresh()
    _STATE.numba_ready = True


class guard:
    """Context in which a SIGINT cannot interrupt Numba's boxing, code generation or
    set-up (see the module docstring). Re-entrant; does nothing outside the main thread
    or when the SIGINT handler is not a Python callable."""

    __slots__ = ("_active",)

    def __enter__(self):
        self._active = False
        if threading.get_ident() != _MAIN:
            return self
        if _STATE.depth:
            _STATE.depth += 1
            self._active = True
            return self
        current = signal.getsignal(signal.SIGINT)
        if not callable(current) or current is _on_sigint:
            return self
        _STATE.previous = current
        _STATE.pending = _STATE.delivered = False
        try:
            signal.signal(signal.SIGINT, _on_sigint)
        except ValueError:  # not the main interpreter
            _STATE.previous = None
            return self
        _STATE.depth = 1
        self._active = True
        _WAKE.previous_fd = -2  # none replaced
        fd = _wakeup_fd()
        if fd is not None:
            try:
                _WAKE.previous_fd = signal.set_wakeup_fd(fd, warn_on_full_buffer=False)
            except (ValueError, OSError):  # not allowed here: kernels run to their end
                pass
        if not _STATE.numba_ready:
            _STATE.hold += 1
            try:
                _numba_setup()
            except BaseException:
                _STATE.hold -= 1
                self.__exit__(None, None, None)
                raise
            _STATE.hold -= 1
            if _STATE.pending:
                # an exception from __enter__ skips __exit__: leave the guard first,
                # which hands the SIGINT on (raising) once the handler is restored
                self.__exit__(None, None, None)
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self._active:
            return False
        self._active = False
        if _STATE.depth > 1:
            _STATE.depth -= 1
            return False
        with _LOCK:  # no retry from here on
            _STATE.depth = 0
        if _WAKE.previous_fd != -2:
            signal.set_wakeup_fd(_WAKE.previous_fd)
            _WAKE.previous_fd = -2
        previous = _STATE.previous
        # (a SIGINT still pending is first handled by _on_sigint, which defers it here)
        signal.signal(signal.SIGINT, previous)
        pending = _STATE.pending
        _STATE.pending = _STATE.delivered = False
        _STATE.previous = None
        if pending and (exc_type is None or not issubclass(exc_type, KeyboardInterrupt)):
            # not delivered, swallowed, or turned into another error on its way out:
            # hand it on now that the previous handler is in place again
            previous(signal.SIGINT, None)
        return False


_OWN_CODE = frozenset({guard.__enter__.__code__, guard.__exit__.__code__,
                       _numba_setup.__code__})


def run(step) -> None:
    """Call ``step(cancel)``, which runs a kernel that looks at ``cancel[0]`` between
    its tasks and stops early once it is 1; inside a :class:`guard` in the main thread,
    where a SIGINT sets it (and then raises ``KeyboardInterrupt``, here or in the
    kernel's boxing: :func:`checkpoint` right after the call delivers it).

    A SIGINT whose handler returns without raising (a user's handler) still stops the
    kernel: ``step`` is then called again, so it must start from scratch (reset what it
    accumulates). Outside the main thread the flag is one that is never set.
    """
    if threading.get_ident() != _MAIN:
        step(_NEVER)
        return
    with guard():
        while True:
            _FLAG[0] = 0
            step(_FLAG)
            checkpoint()
            if not _FLAG[0]:
                return


def _forget_after_fork() -> None:
    _WAKE.pid = None  # the watcher thread did not survive the fork: a new pair
    _WAKE.previous_fd = -2


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
