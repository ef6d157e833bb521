"""Column scaling for the k-NN preprocessing (one pass per statistic).

NumPy's ``nanstd(A, axis=0)`` on a tall array costs several times what these loops do
(masks, temporaries, strided reductions); at N = 1e5 it was a tenth of a KSG fit.

Every statistic is computed on the column divided by the power of two nearest above its
largest magnitude (``2**e`` with ``e`` from ``frexp``): an exact division (short of
values below ``2**-1022`` times that magnitude, which move nothing), after which the
values lie in ``(-1, 1)``, so no sum or square overflows or underflows, whether the
column holds 1e-310 (subnormal) or 1.7e308. The same data times any power of two that
keeps them normal therefore give bit-identical results. The mean is taken about a pivot
(the first value), so that an offset far above the spread (``x + 1e12``) does not cost
the centred values their digits, and the variance is the corrected two-pass formula.
"""

import math

import numpy as np

from ._jit import jit

#: A column whose standard deviation is at most ``CONSTANT_RTOL`` times its largest
#: magnitude is constant up to rounding (its variation is a few units in the last
#: place: ``x + 1e17`` for a unit-variance ``x``). A relative test, so that a column
#: of 1e-20 * N(0, 1) is not constant while 1e16 + (a few ulps) is.
CONSTANT_RTOL = 8 * np.finfo(np.float64).eps


@jit
def _pow2_factors(e):
    """Two floats whose product is ``2.0**-e`` and each representable, so that
    ``(x * f1) * f2`` is exactly ``x / 2**e`` when the result is normal (``2**1074``,
    for a subnormal column, is not a float; ``2**-1024`` is, as a subnormal)."""
    if e >= 0:
        return math.ldexp(1.0, -e), 1.0
    h = (-e) // 2
    return math.ldexp(1.0, h), math.ldexp(1.0, -e - h)


@jit
def standardize_columns(A, scale):
    """Centre each column of the 2-D float array ``A`` in place and, with ``scale``,
    divide it by its standard deviation (``ddof=0``); return the standard deviation
    of each column in its own units, 0.0 for a constant column.

    A column is constant when all its values are equal or its deviation is at most
    ``CONSTANT_RTOL`` times its largest magnitude; it becomes exactly 0. Without
    ``scale`` only the statistic is returned and ``A`` is left as it is.
    Overflow- and underflow-safe (see the module docstring); non-finite values are
    not expected (callers validate).
    """
    n, d = A.shape
    top = np.zeros(d)
    lo = np.empty(d)
    hi = np.empty(d)
    for j in range(d):
        lo[j] = A[0, j]
        hi[j] = A[0, j]
    for i in range(n):
        for j in range(d):
            v = A[i, j]
            top[j] = max(top[j], abs(v))
            lo[j] = min(lo[j], v)
            hi[j] = max(hi[j], v)
    f1 = np.empty(d)
    f2 = np.empty(d)
    ex = np.empty(d, np.int64)
    pivot = np.empty(d)
    for j in range(d):
        ex[j] = math.frexp(top[j])[1]
        f1[j], f2[j] = _pow2_factors(ex[j])
        pivot[j] = (A[0, j] * f1[j]) * f2[j]
    # mean, as an offset from the pivot
    shift = np.zeros(d)
    for i in range(n):
        for j in range(d):
            shift[j] += (A[i, j] * f1[j]) * f2[j] - pivot[j]
    shift /= n
    ss = np.zeros(d)
    sc = np.zeros(d)
    for i in range(n):
        for j in range(d):
            c = ((A[i, j] * f1[j]) * f2[j] - pivot[j]) - shift[j]
            ss[j] += c * c
            sc[j] += c
    std = np.empty(d)
    spread = np.empty(d)
    for j in range(d):
        s = math.sqrt(max(ss[j] - sc[j] * sc[j] / n, 0.0) / n)
        # top * 2**-e is in [0.5, 1): the relative test in the scaled units
        if hi[j] == lo[j] or s <= CONSTANT_RTOL * ((top[j] * f1[j]) * f2[j]):
            std[j] = 0.0
            spread[j] = 0.0
        else:
            std[j] = s
            spread[j] = math.ldexp(s, ex[j])
    if not scale:
        return spread
    for i in range(n):
        for j in range(d):
            if std[j] == 0.0:
                A[i, j] = 0.0
            else:
                # a division, as scikit-learn's scale, not a product
                A[i, j] = (((A[i, j] * f1[j]) * f2[j] - pivot[j]) - shift[j]) / std[j]
    return spread
