"""Numba kernels: plain arrays in, arrays out.

Nothing in this package imports scikit-learn or torch. Every kernel has a pure-NumPy
reference in :mod:`skmi._kernels.reference` that the test-suite compares it against.

Long kernels are Python functions that allocate the outputs and run a jitted twin that
looks at a cancel flag between its tasks, so that Ctrl-C raises ``KeyboardInterrupt``
within a fraction of a second and never inside Numba's own code: see
:mod:`skmi._kernels._interrupt`.

Every kernel is compiled through :func:`skmi._kernels._jit.jit`, which decides where the
compiled code is cached (a read-only install uses a per-user folder; unreadable entries
are rebuilt) and, for ``parallel=True`` kernels, Numba's threading layer (TBB where the
``tbb`` wheel is installed; elsewhere a guard keeps forked children and concurrent
threads safe). See that module's docstring.
"""
