"""The one place skmi imports torch (lazily, with an install hint), and its CPU threads.

``import skmi``, ``import skmi.neural`` and ``import skmi.nn`` never import torch; the
code that needs it calls :func:`require_torch`, which turns a missing install into an
:class:`ImportError` that says what to install.

:func:`torch_threads` sets torch's intra-op CPU thread count for the duration of one
call from an ``n_jobs`` value and restores it afterwards. skmi's networks are small: a
training step of the default critic is a few million multiply-adds in operations too
short to split between threads, and torch's OpenMP workers busy-wait between them. On an
idle 2-core machine a second thread bought nothing for the default critic; beside two
busy processes it made ``MINE`` 10-70 times slower (``benchmarks/bench_neural.py
--mode threads``). So ``n_jobs=None`` means one thread unless a step is large.

What a library cannot change: OpenMP reads ``OMP_WAIT_POLICY`` once, when its runtime
loads (torch's at ``import torch``, Numba's at its first parallel kernel). With one
torch thread torch starts no OpenMP region, so nothing of torch's spins; with more,
idle workers spin for a while after every region unless the process was started with
``OMP_WAIT_POLICY=PASSIVE`` (as ``skmi infoplane`` and the test suite do).
"""

from __future__ import annotations

import contextlib
import os
from numbers import Integral
from typing import Any

__all__ = ["require_torch", "resolve_device", "torch_missing_message",
           "resolve_torch_threads", "torch_threads", "THREADED_WORK"]

#: Multiply-adds per training step (rows through the critic times its parameters) from
#: which ``n_jobs=None`` keeps torch's own thread count instead of one thread. Measured
#: on 2 idle cores: the default separable critic (about 2e6 per step) and a separable
#: critic of two 256-wide layers at batch 256 (4e7) ran no faster on two threads; at
#: batch 512 (8e7) two threads were 1.35 times faster, and the joint critic of two
#: 64-wide layers at batch 128 (16384 pairs, 8e7) 2.5 times.
THREADED_WORK = 2**26


def torch_missing_message(feature: str) -> str:
    return (
        f"{feature} need(s) PyTorch, which is not installed. Install it with "
        "`pip install skmi[torch]` (or choose a CPU or CUDA wheel at https://pytorch.org)."
    )


def require_torch(feature: str = "This part of skmi") -> Any:
    """Import and return the ``torch`` module, or raise an ImportError with the hint."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(torch_missing_message(feature)) from exc
    return torch


def _device_count(torch, kind: str) -> int:
    """Devices of ``kind`` this process can use (0 when torch lacks the backend)."""
    if kind == "cuda":
        return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0
    if kind == "mps":
        mps = getattr(getattr(torch, "backends", None), "mps", None)
        return 1 if mps is not None and mps.is_available() else 0
    backend = getattr(torch, kind, None)  # torch.xpu and out-of-tree backends
    try:
        if backend is None or not backend.is_available():
            return 0
        count = getattr(backend, "device_count", None)
        return int(count()) if callable(count) else 1
    except Exception:  # noqa: BLE001 - a backend that cannot answer is not usable
        return 0


def _valid_devices(torch) -> list[str]:
    """The device strings that work here, for error messages."""
    choices = ["'auto'", "'cpu'"]
    n_cuda = _device_count(torch, "cuda")
    if n_cuda:
        choices += ["'cuda'"] + [f"'cuda:{i}'" for i in range(n_cuda)]
    if _device_count(torch, "mps"):
        choices.append("'mps'")
    n_xpu = _device_count(torch, "xpu")
    if n_xpu:
        choices += ["'xpu'"] + [f"'xpu:{i}'" for i in range(n_xpu)]
    return choices


def resolve_device(device, feature: str = "This part of skmi") -> Any:
    """``"auto"`` -> CUDA when available, else CPU; anything else must name a device.

    A device is accepted when this process can compute on it: ``"cpu"`` (or
    ``"cpu:0"``), ``"cuda"`` or ``"cuda:N"`` with CUDA available and ``N`` below the
    number of visible GPUs, ``"mps"`` on Apple silicon with the MPS backend available,
    and ``"xpu[:N]"`` or another torch backend (``torch.<type>.is_available()``) when
    it is available. ``"meta"`` (tensors without data) is never accepted.

    Parameters
    ----------
    device : str or torch.device
    feature : str, default="This part of skmi"
        Named in the ImportError when torch is missing.

    Returns
    -------
    device : torch.device

    Raises
    ------
    ValueError
        For a value torch does not parse as a device, or a device that is not
        available here; the message names the device and the valid choices.
    """
    torch = require_torch(feature)
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; valid choices here: "
            f"{', '.join(_valid_devices(torch))}."
        ) from exc
    kind, index = resolved.type, resolved.index
    valid = ", ".join(_valid_devices(torch))
    if kind == "cpu":
        if index not in (None, 0):
            raise ValueError(
                f"device={device!r}: there is one CPU device ('cpu' or 'cpu:0'), torch "
                f"does not number cores; valid choices here: {valid}."
            )
        return resolved
    if kind == "meta":
        raise ValueError(
            f"device={device!r}: the meta device holds shapes only, no values, so "
            f"nothing can be computed on it; valid choices here: {valid}."
        )
    count = _device_count(torch, kind)
    if count == 0:
        if kind == "cuda":
            why = (f"CUDA is not available (torch {torch.__version__}"
                   + (", built without CUDA" if torch.version.cuda is None else
                      ", no GPU visible") + ")")
        else:
            why = f"the {kind!r} backend is not available in this torch build or machine"
        raise ValueError(
            f"device={device!r} was requested but {why}; valid choices here: {valid}."
        )
    if index is not None and index >= count:
        raise ValueError(
            f"device={device!r} was requested but only {count} {kind} device(s) are "
            f"visible (indices 0 to {count - 1}); valid choices here: {valid}."
        )
    return resolved


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


def _check_n_jobs(n_jobs) -> None:
    if n_jobs is None:
        return
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs == 0:
        raise ValueError(
            f"n_jobs must be None or a nonzero int (-1: all CPUs), got {n_jobs!r}."
        )


def resolve_torch_threads(n_jobs: int | None, work: float | None = None) -> int:
    """torch CPU threads for ``n_jobs``.

    Parameters
    ----------
    n_jobs : int or None
        ``None``: one thread, or torch's current setting (``torch.get_num_threads()``,
        by default the number of physical cores) when ``work`` is at least
        :data:`THREADED_WORK`. A positive int: that many threads, at most the CPUs this
        process may run on. A negative int counts back from those CPUs, as in joblib:
        -1 is all of them, -2 all but one (at least one).
    work : float or None, default=None
        Multiply-adds per step of the work to be run (None: small).

    Returns
    -------
    n_threads : int

    Raises
    ------
    ValueError
        For 0, a bool or anything that is not an int or None.
    """
    _check_n_jobs(n_jobs)
    if n_jobs is None:
        if work is None or work < THREADED_WORK:
            return 1
        return int(require_torch().get_num_threads())
    cpus = _usable_cpus()
    n = int(n_jobs) if n_jobs > 0 else cpus + 1 + int(n_jobs)
    return min(max(n, 1), cpus)


@contextlib.contextmanager
def torch_threads(n_jobs: int | None = None, work: float | None = None,
                  feature: str = "This part of skmi"):
    """Run the body with :func:`resolve_torch_threads` torch CPU threads, then restore.

    Sets ``torch.set_num_threads`` on entry and puts the previous value back on exit,
    also when the body raises; when the count is already right it calls nothing. Only
    intra-op threads change: inter-op threads (``torch.set_num_threads_interop``) cannot
    be changed once torch has used them and are left alone. Work on a GPU is unaffected
    (its kernels do not use these threads); only the host-side operations around it
    are.

    With torch's OpenMP backend the count belongs to the calling thread (threads that
    start during the body inherit it); enter and leave the context in one thread.

    Parameters
    ----------
    n_jobs : int or None, default=None
        See :func:`resolve_torch_threads`.
    work : float or None, default=None
        Multiply-adds per step (only read when ``n_jobs`` is None).
    feature : str, default="This part of skmi"
        Named in the ImportError when torch is missing.

    Yields
    ------
    n_threads : int
        The thread count in effect inside the body.

    Raises
    ------
    ValueError
        For an invalid ``n_jobs`` (before anything is changed).
    """
    torch = require_torch(feature)
    n_threads = resolve_torch_threads(n_jobs, work)
    previous = torch.get_num_threads()
    if n_threads == previous:
        yield n_threads
        return
    torch.set_num_threads(n_threads)
    try:
        yield n_threads
    finally:
        torch.set_num_threads(previous)
