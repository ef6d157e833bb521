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

Each step runs through :func:`skmi._kernels._interrupt.run`, which stops it between two
blocks of rows when Ctrl-C is pressed (at 1e7 rows x 4 columns single calls took
0.4-3.5 s).
"""

import numpy as np
from numba import prange

from skmi._kernels._interrupt import guard, run  # no jitted code: no cache stamp

from ._jit import jit
from .cancel import cancelled

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


def row_hashes(X, edges, mode, width, closed_last):
    """64-bit hash of each row's bin indices; also the number of clipped values.

    ``edges`` is ``(1, n_edges)`` (shared) or ``(n_features, n_edges)``.
    """
    out = np.empty(X.shape[0], np.uint64)
    clipped = [0]
    with guard():
        inv = _inverse_widths(edges)

        def step(cancel):
            clipped[0] = _row_hashes_rows(X, edges, mode, width, closed_last, inv, out,
                                          cancel)

        run(step)
    return out, clipped[0]


@jit
def _inverse_widths(edges):
    """Bins per unit of each row of ``edges`` (0 for an empty or degenerate row)."""
    nb = edges.shape[1] - 1
    inv = np.empty(edges.shape[0])
    for row in range(edges.shape[0]):
        span = edges[row, nb] - edges[row, 0]
        inv[row] = nb / span if nb > 0 and span > 0 else 0.0
    return inv


@jit(parallel=True)
def _row_hashes_rows(X, edges, mode, width, closed_last, inv, out, cancel):
    """:func:`row_hashes` into ``out``; returns the clipped values. Stops between two
    blocks of ``_ROWS`` rows once ``cancel[0]`` is set."""
    n, d = X.shape
    shared = edges.shape[0] == 1
    nb = edges.shape[1] - 1
    n_clipped = 0
    n_blocks = (n + _ROWS - 1) // _ROWS
    for b in prange(n_blocks):
        if cancelled(cancel):
            continue
        block_clipped = 0
        for i in range(b * _ROWS, min(n, (b + 1) * _ROWS)):
            h = _SEED
            clipped = 0
            for c in range(d):
                row = 0 if shared else c
                g, o = _index(X[i, c], edges, row, inv[row], nb, mode, width, closed_last)
                clipped += np.int64(o)
                h = h * _PRIME + np.uint64(g)
            out[i] = _mix(h)
            block_clipped += clipped
        n_clipped += block_clipped
    return n_clipped


_UNIFORM_BLOCK = 512  # rows per task of uniform_row_hashes
_MINMAX_BLOCK = 1024  # rows per task of minmax_nonfinite
_ROWS = 4096  # rows per task (or between two looks at the cancel flag) elsewhere


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
    out = np.empty(n, np.uint64)
    n_blocks = (n + _UNIFORM_BLOCK - 1) // _UNIFORM_BLOCK
    clipped = np.zeros(n_blocks, np.int64)
    nonfinite = np.zeros(n_blocks, np.int64)

    def step(cancel):
        clipped[:] = 0
        nonfinite[:] = 0
        _uniform_row_hashes_blocks(X, edges, closed_last, out, clipped, nonfinite, cancel)

    run(step)
    return out, int(clipped.sum()), int(nonfinite.sum())


@jit(parallel=True)
def _uniform_row_hashes_blocks(X, edges, closed_last, out, clipped, nonfinite, cancel):
    """:func:`uniform_row_hashes` into ``out`` and the per-block counts; stops between
    two blocks of ``_UNIFORM_BLOCK`` rows once ``cancel[0]`` is set."""
    n, d = X.shape
    nb = edges.shape[1] - 1
    lo = edges[0, 0]
    hi = edges[0, nb]
    inv = nb / (hi - lo)
    top = nb - 0.5
    n_words = (d + 7) // 8
    block = _UNIFORM_BLOCK
    n_blocks = (n + block - 1) // block
    for b in prange(n_blocks):
        if cancelled(cancel):
            continue
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


def minmax_nonfinite(X):
    """Smallest and largest finite value of ``X`` and the number of non-finite ones
    (one parallel pass; ``(inf, -inf, count)`` when nothing is finite)."""
    n = X.shape[0]
    n_blocks = (n + _MINMAX_BLOCK - 1) // _MINMAX_BLOCK
    los = np.full(n_blocks, np.inf)
    his = np.full(n_blocks, -np.inf)
    bad = np.zeros(n_blocks, np.int64)
    run(lambda cancel: _minmax_blocks(X, los, his, bad, cancel))
    return float(los.min()), float(his.max()), int(bad.sum())


@jit(parallel=True)
def _minmax_blocks(X, los, his, bad, cancel):
    """:func:`minmax_nonfinite` per block of ``_MINMAX_BLOCK`` rows; stops between two
    blocks once ``cancel[0]`` is set."""
    n = X.shape[0]
    block = _MINMAX_BLOCK
    n_blocks = (n + block - 1) // block
    for b in prange(n_blocks):
        if cancelled(cancel):
            continue
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


def _table_size(n):
    size = 16
    while size < 2 * n:
        size *= 2
    return size


def assign_symbols(hashes, X, edges, mode, width, closed_last, verify):
    """Symbols ``0..m-1`` (first-appearance order) and the first row of each symbol.

    With ``verify=False`` equal hashes mean equal rows (checked afterwards by
    :func:`verify_symbols`); with ``verify=True`` rows are compared on every hash
    match, so colliding rows get distinct symbols. One thread, in row order.
    """
    n = hashes.size
    table = np.empty(_table_size(n), np.int64)
    codes = np.empty(n, np.int64)
    reps = np.empty(n, np.int64)
    m = [0]

    def step(cancel):
        table[:] = -1
        m[0] = _assign_rows(hashes, X, edges, mode, width, closed_last, verify, table,
                            codes, reps, cancel)

    run(step)
    return codes, reps[:m[0]].copy()


@jit
def _assign_rows(hashes, X, edges, mode, width, closed_last, verify, table, codes, reps,
                 cancel):
    """:func:`assign_symbols` into its (empty) table; returns the number of symbols.
    Stops every ``_ROWS`` rows if ``cancel[0]`` is set."""
    size = table.shape[0]
    mask = np.uint64(size - 1)
    m = 0
    for i in range(hashes.size):
        if i % _ROWS == 0 and cancelled(cancel):
            break
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
    return m


def verify_symbols(codes, reps, X, edges, mode, width, closed_last):
    """Number of rows whose bins differ from the first row of their symbol."""
    bad = [0]

    def step(cancel):
        bad[0] = _verify_rows(codes, reps, X, edges, mode, width, closed_last, cancel)

    run(step)
    return bad[0]


@jit(parallel=True)
def _verify_rows(codes, reps, X, edges, mode, width, closed_last, cancel):
    """:func:`verify_symbols`; stops between two blocks of ``_ROWS`` rows once
    ``cancel[0]`` is set."""
    n = codes.size
    bad = 0
    n_blocks = (n + _ROWS - 1) // _ROWS
    for b in prange(n_blocks):
        if cancelled(cancel):
            continue
        block_bad = 0
        for i in range(b * _ROWS, min(n, (b + 1) * _ROWS)):
            r = reps[codes[i]]
            if r != i and not _rows_equal(X, i, r, edges, mode, width, closed_last):
                block_bad += 1
        bad += block_bad
    return bad


def pair_symbols(a, b):
    """Joint symbols of two non-negative integer code vectors, by exact hashing.

    Returns ``(codes, reps)``: codes ``0..m-1`` of the pairs ``(a[i], b[i])`` in order
    of first appearance and the first sample of each. O(n) whatever the alphabet sizes.
    """
    n = a.size
    table = np.empty(_table_size(n), np.int64)
    codes = np.empty(n, np.int64)
    reps = np.empty(n, np.int64)
    m = [0]

    def step(cancel):
        table[:] = -1
        m[0] = _pair_rows(a, b, table, codes, reps, cancel)

    run(step)
    return codes, reps[:m[0]].copy()


@jit
def _pair_rows(a, b, table, codes, reps, cancel):
    """:func:`pair_symbols` into its (empty) table; returns the number of symbols.
    Stops every ``_ROWS`` rows if ``cancel[0]`` is set."""
    size = table.shape[0]
    umask = np.uint64(size - 1)
    m = 0
    for i in range(a.size):
        if i % _ROWS == 0 and cancelled(cancel):
            break
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
    return m
