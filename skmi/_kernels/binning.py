"""Binning kernels: digitise, hash rows of bin indices into symbols, count pairs.

A row of ``X`` becomes one symbol in three steps, none of which builds the
``(n, d)`` matrix of bin indices (at most one row of it per thread):

1. :func:`row_hashes` (parallel over rows) digitises every value on the fly and folds
   the row's bin indices into a 64-bit polynomial hash, finished by the splitmix64 mixer.
   For shared equal-width edges with at most 255 intervals (the information plane's
   case) :func:`uniform_row_hashes` does the same job about four times faster: a
   branch-free digitising loop into a per-row byte buffer, hashed eight bytes at a
   time, with an exact value-by-value redo of the rare rows that touch a bin boundary,
   the ends of the range or a non-finite value. It also counts the non-finite values,
   so the estimator needs no separate finiteness scan of the data.
2. :func:`assign_symbols` (serial, one pass) inserts the hashes into an open-addressing
   table and numbers the distinct hashes ``0..m-1`` in order of first appearance.
3. :func:`verify_symbols` (parallel) re-digitises each row and compares it with the
   first row of its symbol. A mismatch (a true 64-bit hash collision) is never
   silently accepted: the caller reruns :func:`assign_symbols` with ``verify=True``,
   which compares rows on every hash match.

Digitising (``mode``):

- ``UNIFORM``: equal-width ``edges`` (one row shared by all columns, or one row per
  column). Index guessed arithmetically, then corrected against the edges, so it equals
  ``np.digitize(x, edges) - 1`` exactly (``numpy.histogram``'s rule).
- ``SEARCH``: arbitrary sorted edges (quantile bins), by binary search.
- ``WIDTH``: ``floor(x / width)`` (no range). Callers keep ``|x / width|`` below
  2**53, where the index is an exact int64; :func:`skmi.binning.bin_symbols` bins
  larger quotients (each distinct value its own bin) without this kernel.
- ``VALUE``: the value itself, for integer arrays (bit patterns of discrete data).

With ``closed_last`` the last interval includes its right edge (``numpy.histogram``);
without it a value equal to the last edge is its own symbol (``np.digitize``). Values
outside ``[edges[0], edges[-1]]`` are clipped into the range and counted; the caller
decides whether that is an error.
"""

import numpy as np
from numba import prange

from ._jit import jit

UNIFORM = 0
SEARCH = 1
WIDTH = 2
VALUE = 3

_PRIME = np.uint64(0x100000001B3)
_SEED = np.uint64(0xCBF29CE484222325)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


@jit
def _mix(z):
    """splitmix64 finaliser: spreads the polynomial hash over all 64 bits."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit
def bin_index(x, edges, row, mode, width, closed_last):
    """Bin index of one value against ``edges[row]``, and whether it lay outside the
    edges (then clipped)."""
    if mode == VALUE:
        return np.int64(x), False
    if mode == WIDTH:
        return np.int64(np.floor(x / width)), False
    nb = edges.shape[1] - 1
    lo = edges[row, 0]
    hi = edges[row, nb]
    if x < lo:
        return np.int64(0), True
    out = x > hi
    if x >= hi:
        return np.int64(nb - 1 if closed_last else nb), out
    if mode == UNIFORM:
        g = np.int64((x - lo) * (nb / (hi - lo)))
        if g > nb - 1:
            g = nb - 1
        if g < 0:
            g = 0
        while g > 0 and x < edges[row, g]:
            g -= 1
        while g < nb - 1 and x >= edges[row, g + 1]:
            g += 1
        return g, False
    # SEARCH: number of edges <= x, minus one (edges may repeat)
    a = 0
    b = nb + 1
    while a < b:
        mid = (a + b) // 2
        if edges[row, mid] <= x:
            a = mid + 1
        else:
            b = mid
    return np.int64(a - 1), False


@jit(inline="always")
def _index(x, edges, row, inv, nb, mode, width, closed_last):
    """:func:`bin_index` with an arithmetic fast path for equal-width edges.

    Inside the range the index is ``floor((x - lo) * inv)``; only a value within 1e-9
    of a bin boundary is checked against the edges themselves, so the result equals
    :func:`bin_index` (and ``np.digitize``) exactly.
    """
    if mode == UNIFORM and x > edges[row, 0] and x < edges[row, nb]:
        f = (x - edges[row, 0]) * inv
        g = np.int64(f)
        r = f - g
        if r < 1e-9 or r > 1.0 - 1e-9 or g > nb - 1:
            if g > nb - 1:
                g = nb - 1
            while g > 0 and x < edges[row, g]:
                g -= 1
            while g < nb - 1 and x >= edges[row, g + 1]:
                g += 1
        return g, False
    return bin_index(x, edges, row, mode, width, closed_last)


@jit(parallel=True)
def row_hashes(X, edges, mode, width, closed_last):
    """64-bit hash of each row's bin indices; also the number of clipped values.

    ``edges`` is ``(1, n_edges)`` (shared) or ``(n_features, n_edges)``.
    """
    n, d = X.shape
    shared = edges.shape[0] == 1
    nb = edges.shape[1] - 1
    inv = np.empty(edges.shape[0])
    for row in range(edges.shape[0]):
        span = edges[row, nb] - edges[row, 0]
        inv[row] = nb / span if nb > 0 and span > 0 else 0.0
    out = np.empty(n, np.uint64)
    n_clipped = 0
    for i in prange(n):
        h = _SEED
        clipped = 0
        for c in range(d):
            row = 0 if shared else c
            g, o = _index(X[i, c], edges, row, inv[row], nb, mode, width, closed_last)
            clipped += np.int64(o)
            h = h * _PRIME + np.uint64(g)
        out[i] = _mix(h)
        n_clipped += clipped
    return out, n_clipped


@jit(parallel=True)
def uniform_row_hashes(X, edges, closed_last):
    """:func:`row_hashes` for shared equal-width edges with at most 255 intervals.

    The fast path: each row is digitised branch-free into a byte buffer (the guess
    ``floor((x - lo) * nb / (hi - lo))``) and the buffer is hashed eight bytes at a
    time. A row holding a value within 1e-9 of a bin boundary, outside ``(lo, hi)``
    or not finite is redone value by value with :func:`bin_index`, so every index
    equals :func:`bin_index`'s (and ``np.digitize``'s) exactly.

    Returns ``(hashes, n_clipped, n_nonfinite)``; the hashes differ from
    :func:`row_hashes`' but equal rows still get equal hashes.
    """
    n, d = X.shape
    nb = edges.shape[1] - 1
    lo = edges[0, 0]
    hi = edges[0, nb]
    inv = nb / (hi - lo)
    top = nb - 0.5
    n_words = (d + 7) // 8
    out = np.empty(n, np.uint64)
    block = 512
    n_blocks = (n + block - 1) // block
    clipped = np.zeros(n_blocks, np.int64)
    nonfinite = np.zeros(n_blocks, np.int64)
    for b in prange(n_blocks):
        buf = np.zeros(n_words * 8, np.uint8)
        words = buf.view(np.uint64)
        for i in range(b * block, min(n, (b + 1) * block)):
            row = X[i]
            slow = 0
            for c in range(d):
                x = row[c]
                f = (x - lo) * inv
                f = max(f, 0.0)
                f = min(f, top)
                g = np.int32(f)
                r = f - g
                slow += (r < 1e-9) | (r > 1.0 - 1e-9) | (x >= hi) | (x != x)
                buf[c] = np.uint8(g)
            if slow:
                for c in range(d):
                    x = row[c]
                    if not np.isfinite(x):
                        nonfinite[b] += 1
                        buf[c] = 0
                        continue
                    g, o = bin_index(x, edges, 0, UNIFORM, 1.0, closed_last)
                    clipped[b] += np.int64(o)
                    buf[c] = np.uint8(g)
            h = _SEED
            for w in range(n_words):
                h = (h ^ words[w]) * _PRIME
            out[i] = _mix(h)
    return out, clipped.sum(), nonfinite.sum()


@jit(parallel=True)
def minmax_nonfinite(X):
    """Smallest and largest finite value of ``X`` and the number of non-finite ones
    (one parallel pass; ``(inf, -inf, count)`` when nothing is finite)."""
    n = X.shape[0]
    block = 1024
    n_blocks = (n + block - 1) // block
    los = np.full(n_blocks, np.inf)
    his = np.full(n_blocks, -np.inf)
    bad = np.zeros(n_blocks, np.int64)
    for b in prange(n_blocks):
        lo = np.inf
        hi = -np.inf
        nbad = 0
        for i in range(b * block, min(n, (b + 1) * block)):
            row = X[i]
            for c in range(row.size):
                x = row[c]
                lo = min(lo, x)
                hi = max(hi, x)
                nbad += not (abs(x) < np.inf)
        if nbad:
            lo = np.inf
            hi = -np.inf
            for i in range(b * block, min(n, (b + 1) * block)):
                for c in range(X.shape[1]):
                    x = X[i, c]
                    if np.isfinite(x):
                        lo = min(lo, x)
                        hi = max(hi, x)
        los[b] = lo
        his[b] = hi
        bad[b] = nbad
    return los.min(), his.max(), bad.sum()


@jit
def _rows_equal(X, i, r, edges, mode, width, closed_last):
    d = X.shape[1]
    shared = edges.shape[0] == 1
    nb = edges.shape[1] - 1
    for c in range(d):
        row = 0 if shared else c
        span = edges[row, nb] - edges[row, 0]
        inv = nb / span if nb > 0 and span > 0 else 0.0
        gi, _ = _index(X[i, c], edges, row, inv, nb, mode, width, closed_last)
        gr, _ = _index(X[r, c], edges, row, inv, nb, mode, width, closed_last)
        if gi != gr:
            return False
    return True


@jit
def _table_size(n):
    size = 16
    while size < 2 * n:
        size *= 2
    return size


@jit
def assign_symbols(hashes, X, edges, mode, width, closed_last, verify):
    """Symbols ``0..m-1`` (first-appearance order) and the first row of each symbol.

    With ``verify=False`` equal hashes mean equal rows (checked afterwards by
    :func:`verify_symbols`); with ``verify=True`` rows are compared on every hash
    match, so colliding rows get distinct symbols.
    """
    n = hashes.size
    size = _table_size(n)
    mask = np.uint64(size - 1)
    table = np.full(size, -1, np.int64)
    codes = np.empty(n, np.int64)
    reps = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        h = hashes[i]
        slot = np.int64(h & mask)
        while True:
            r = table[slot]
            if r < 0:
                table[slot] = i
                codes[i] = m
                reps[m] = i
                m += 1
                break
            if hashes[r] == h and (
                not verify or _rows_equal(X, i, r, edges, mode, width, closed_last)
            ):
                codes[i] = codes[r]
                break
            slot = (slot + 1) & (size - 1)
    return codes, reps[:m].copy()


@jit(parallel=True)
def verify_symbols(codes, reps, X, edges, mode, width, closed_last):
    """Number of rows whose bins differ from the first row of their symbol."""
    n = codes.size
    bad = 0
    for i in prange(n):
        r = reps[codes[i]]
        if r != i and not _rows_equal(X, i, r, edges, mode, width, closed_last):
            bad += 1
    return bad


@jit
def pair_symbols(a, b):
    """Joint symbols of two non-negative integer code vectors, by exact hashing.

    Returns ``(codes, reps)``: codes ``0..m-1`` of the pairs ``(a[i], b[i])`` in order
    of first appearance and the first sample of each. O(n) whatever the alphabet sizes.
    """
    n = a.size
    size = _table_size(n)
    umask = np.uint64(size - 1)
    table = np.full(size, -1, np.int64)
    codes = np.empty(n, np.int64)
    reps = np.empty(n, np.int64)
    m = 0
    for i in range(n):
        ai = a[i]
        bi = b[i]
        h = _mix(np.uint64(ai) * _PRIME + np.uint64(bi))
        slot = np.int64(h & umask)
        while True:
            r = table[slot]
            if r < 0:
                table[slot] = i
                codes[i] = m
                reps[m] = i
                m += 1
                break
            if a[r] == ai and b[r] == bi:
                codes[i] = codes[r]
                break
            slot = (slot + 1) & (size - 1)
    return codes, reps[:m].copy()
