"""Numba kernels: plain arrays in, arrays out.

Nothing in this package imports scikit-learn or torch. Every kernel has a pure-NumPy
reference in :mod:`skmi._kernels.reference` that the test-suite compares it against.
"""
