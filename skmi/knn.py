"""k-nearest-neighbour estimators: KSG, Ross, mixed KSG, Kozachenko-Leonenko, CMI.

The private functions at the top are the drivers the estimator classes and the
functional API (:mod:`skmi.metrics`) share. Loops over samples live in
:mod:`skmi._kernels.neighbors`; this module only prepares arrays and sums digammas.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.special import digamma, gammaln
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._kernels import brute, strips
from ._kernels import groups as gm
from ._kernels import neighbors as nb
from ._kernels._interrupt import guard
from ._kernels._jit import num_threads
from ._kernels.scaling import standardize_columns
from ._validation import (
    _LABEL_KINDS,
    Data,
    _check_real,
    _columns,
    _combine,
    _dtype_kind,
    _from_pandas,
    check_x,
    check_xy,
    column_codes,
)
from .base import EntropyEstimator, MutualInfoEstimator
from .binning import conditional_mi_from_codes

__all__ = ["KSG", "MixedKSG", "KLEntropy"]

#: ``algorithm="auto"`` uses the tree path (sorted strips in 2-D, else the KD-tree)
#: when the joint dimension is at most ``TREE_MAX_DIM`` and the sample count at least
#: ``TREE_MIN_SAMPLES[dim]``; otherwise the blocked brute-force kernel, whose cost
#: grows as n^2 * dim but with a small constant. The thresholds are the crossovers
#: measured on a 2-core machine (``benchmarks/knn_crossover.py``): e.g. at
#: n = 5,000 brute force wins from joint dimension 8 on, at n = 10,000 to 50,000 from
#: 12 (at 8 the tree on padded rows wins from about 8,000 samples).
TREE_MAX_DIM = 12
TREE_MIN_SAMPLES = {1: 512, 2: 512, 3: 512, 4: 2_000, 5: 2_000, 6: 4_000, 7: 6_000,
                    8: 8_000, 9: 100_000, 10: 100_000, 11: 100_000, 12: 100_000}
_TINY = np.nextafter(0.0, 1.0)  # "<= 0" is "< _TINY" for distances


# ----------------------------------------------------------------------------- helpers
def _knn_leaf_size(dim: int) -> int:
    """Leaf size of k-NN trees. Up to 2 dimensions queries go a leaf at a time and
    small leaves win; above, one traversal per query, whose overhead larger leaves
    amortise (N = 1e5, padded rows: 4-D best at 32, 8-D 0.85 s at 64 against 0.89 s
    at 32 and 0.93 s at 16)."""
    if dim <= nb.LEAF_BATCH_MAX_DIM:
        return 16
    return 32 if dim < 8 else 64


def _count_leaf_size(dim: int) -> int:
    """Leaf size of radius-count trees. Up to ``nb.PADDED_MAX_DIM`` one traversal per
    query, best with large leaves (N = 1e5, mean count ~540: 4-D 0.34 s at 128
    against 0.42 s at 64 and 0.37 s at 256; 8-D 3.4 s against 4.0 s); above it a
    traversal per leaf, whose query masks hold at most 62 points."""
    return 128 if dim <= nb.PADDED_MAX_DIM else 56


def _use_tree(algorithm: str, dim: int, n: int) -> bool:
    if algorithm == "tree":
        return True
    if algorithm == "brute":
        return False
    return dim <= TREE_MAX_DIM and n >= TREE_MIN_SAMPLES[dim]


def _prepare(A: np.ndarray, *, standardize: bool, noise: float, rng) -> np.ndarray:
    """Centre and scale continuous columns to unit variance and add seeded tie-breaking
    noise. Always returns a new array.

    With ``standardize``, each column is centred and divided by its standard deviation
    (:func:`~skmi._kernels.scaling.standardize_columns`: overflow- and underflow-safe,
    so a column of 1e-300 * x, 1e300 * x or 1e12 + x gives the same values as x), a
    column constant up to rounding becomes 0, and the noise is ``noise * N(0, 1)``:
    scikit-learn's recipe (``mutual_info_regression``) on centred data, where its
    ``noise * max(1, mean|a|)`` is ``noise`` (the mean absolute deviation of a
    unit-variance column is below 1). Without centring, an offset made ``mean|a|``
    large enough for the noise to swamp the data.

    Without ``standardize`` the data are used as given and the noise of a column is
    ``noise`` times its standard deviation (a constant column: the largest deviation
    of the block's columns, or 1), so that it stays relative to the spread whatever
    the units and offset.
    """
    A = np.array(A, dtype=np.float64, copy=True, order="C")
    if standardize:
        standardize_columns(A, True)
    if noise:
        if standardize:
            scale = 1.0
        else:
            spread = standardize_columns(A, False)
            fallback = spread.max(initial=0.0) or 1.0
            scale = np.where(spread > 0, spread, fallback)
        A += noise * scale * rng.standard_normal(size=A.shape)
    return A


def _knn(A: np.ndarray, k: int, algorithm: str, metric: int = nb.CHEBYSHEV,
         orders: np.ndarray | None = None, with_index: bool = True):
    """Distances and indices of the k nearest other rows of ``A``.

    The tree path is the sorted-strip search for two columns (unless a column has long
    runs of ties) and the KD-tree otherwise. ``orders``: the argsort of each column
    (``(d, n)``), when already known. ``with_index=False`` allows (not forces) an empty
    index array, which the strip search then skips.
    """
    n, dim = A.shape
    if not _use_tree(algorithm, dim, n):
        return brute.brute_knn(np.ascontiguousarray(A.T), k, metric)
    if orders is None:
        orders = nb.column_orders(A)
    if dim == 2:
        found = _strips_knn(A, k, metric, orders, with_index)
        if found is not None:
            return found
    tree = nb.build_kdtree(A, _knn_leaf_size(dim), orders)
    return nb.kdtree_knn(tree, k, metric)


#: Largest mean length of the runs of tied values a sample of either column may sit in
#: for the sorted-strip search; longer runs (a rounded column, a ReLU-like atom at 0)
#: made it slower than the KD-tree (N = 1e5: 75-170 ms against 40-100 ms), while exact
#: duplicate rows (mean run 2) did not.
STRIPS_MAX_TIE_RUN = 4


def _build_strips(A: np.ndarray, k: int, orders: np.ndarray):
    """Sorted strips (:mod:`skmi._kernels.strips`) over the two-column ``A``, or None
    when either column has long runs of ties (``STRIPS_MAX_TIE_RUN``). Returns
    ``(strips or None, strip size, scratch block)``."""
    n = A.shape[0]
    m = strips.strip_size(n, k)
    work = strips.workspace(n)
    built = strips.build_strips(A, orders, m, work)
    if built[5].max() > STRIPS_MAX_TIE_RUN * n:
        return None, m, work
    return built, m, work


def _strips_knn(A: np.ndarray, k: int, metric: int, orders: np.ndarray,
                with_index: bool):
    """k-NN of the two-column ``A`` by sorted strips; None when a column has long
    runs of ties (the caller takes the KD-tree)."""
    built, m, _ = _build_strips(A, k, orders)
    if built is None:
        return None
    return strips.strips_knn(built, m, k, metric, with_index)


def _count(A: np.ndarray, thresholds: np.ndarray, algorithm: str,
           orders: np.ndarray | None = None, metric: int = nb.CHEBYSHEV) -> np.ndarray:
    """Per row of ``A``: other rows strictly closer (max-norm, or Euclidean with
    ``metric=nb.EUCLIDEAN``) than its threshold.

    ``orders``: the argsort of each column of ``A`` (``(d, n)``), when already known.
    """
    n, d = A.shape
    if d == 1:  # |a - b| is both metrics (and sqrt((a - b)**2) == |a - b| exactly)
        col = np.ascontiguousarray(A[:, 0])
        order = orders[0] if orders is not None else np.argsort(col)
        return nb.sorted_counts(col, thresholds, order)
    if _use_tree(algorithm, d, n):
        tree = nb.build_kdtree(A, _count_leaf_size(d), orders)
        return nb.kdtree_self_count(tree, thresholds, metric)
    At = np.ascontiguousarray(A.T)
    if metric == nb.EUCLIDEAN:
        return gm.group_brute_count(At, np.zeros(d, np.int64), 1, thresholds)
    return brute.brute_count(At, At, thresholds, np.arange(n))


def _joint_neighbours(blocks, k: int, algorithm: str, rule: int, subsets):
    """k-NN in the product space of ``blocks`` and counts in the ``subsets``.

    Returns ``(eps, eps_g, counts, n_ties)`` as :func:`brute.brute_knn_counts` does,
    by the fused brute-force kernel or by a space-partitioning search in the joint
    space plus one count query per subspace (sorted arrays for 1-D subspaces). Two 1-D
    blocks under ``RULE_JOINT`` (KSG-1 of scalars) take one fused strip pass instead.
    On the tree path ``eps_g`` is computed only for ``RULE_MARGINAL`` (empty
    otherwise), ``n_ties`` only for ``RULE_MIXED`` (zeros otherwise).
    """
    joint = np.hstack(blocks)
    n, dim = joint.shape
    subsets = np.asarray(subsets, dtype=bool)
    if not _use_tree(algorithm, dim, n):
        groups = np.concatenate([np.full(b.shape[1], g) for g, b in enumerate(blocks)])
        joint = np.ascontiguousarray(joint, dtype=np.float64)
        # distance sweeps in float32 with exact float64 decisions near every threshold
        screen, delta = brute.screening_copy(joint)
        return brute.brute_knn_counts(
            joint, screen, delta, groups.astype(np.int64), len(blocks), k, subsets, rule,
        )
    # one argsort per column serves the joint search and every marginal count
    orders = nb.column_orders(joint)
    if (dim == 2 and len(blocks) == 2 and rule == brute.RULE_JOINT
            and np.all(subsets.sum(axis=1) == 1)):
        # KSG-1 of two 1-D variables, counted in each one alone: search and both
        # counts in one strip pass
        built, m, work = _build_strips(joint, k, orders)
        if built is not None:
            eps, nx, ny = strips.strips_ksg_counts(built, orders, m, k, work)
            per_block = (nx, ny)
            counts = np.stack([per_block[int(np.argmax(mask))] for mask in subsets],
                              axis=1)
            return eps, np.empty((n, 0)), counts, np.zeros(n, np.int64)
    dist, ind = _knn(joint, k, algorithm, nb.CHEBYSHEV, orders,
                     with_index=rule == brute.RULE_MARGINAL)
    eps = dist[:, -1].copy()
    if rule == brute.RULE_MARGINAL:
        eps_g = np.stack(
            [np.abs(b[ind] - b[:, None, :]).max(axis=(1, 2)) for b in blocks], axis=1
        )
    else:  # not needed: leave it empty rather than pay for it
        eps_g = np.empty((n, 0))
    n_ties = np.zeros(n, np.int64)
    if rule == brute.RULE_MIXED and np.any(eps == 0):
        tree = nb.build_kdtree(joint, _count_leaf_size(dim), orders)
        n_ties = nb.kdtree_self_count(tree, np.full(n, _TINY), nb.CHEBYSHEV)
    counts = np.empty((n, len(subsets)), np.int64)
    bounds = np.cumsum([0] + [b.shape[1] for b in blocks])
    for s, mask in enumerate(subsets):
        cols = np.concatenate([np.arange(bounds[g], bounds[g + 1])
                               for g, m in enumerate(mask) if m])
        sub = joint[:, cols]
        if rule == brute.RULE_JOINT:
            thr = eps
        elif rule == brute.RULE_MARGINAL:
            thr = np.nextafter(eps_g[:, mask].max(axis=1), np.inf)
        else:
            thr = np.where(eps > 0, eps, _TINY)
        counts[:, s] = _count(sub, thr, algorithm, orders[cols])
    return eps, eps_g, counts, n_ties


def _block_sq(b: np.ndarray, ind: np.ndarray) -> np.ndarray:
    """Euclidean distances ``(n, k)`` from each row of the block ``b`` to the rows
    ``ind`` (squares summed in column order, as the kernels sum them)."""
    acc = np.zeros(ind.shape)
    for c in range(b.shape[1]):
        acc += (b[ind, c] - b[:, c, None]) ** 2
    return np.sqrt(acc)


def _group_count(A: np.ndarray, group_of_col: np.ndarray, thresholds: np.ndarray,
                 algorithm: str) -> np.ndarray:
    """Per row of ``A``: other rows strictly closer than its threshold under the max
    over blocks of each block's Euclidean distance (:mod:`skmi._kernels.groups`)."""
    n, d = A.shape
    n_groups = int(group_of_col.max()) + 1
    if n_groups == 1:
        return _count(A, thresholds, algorithm, metric=nb.EUCLIDEAN)
    if _use_tree(algorithm, d, n):
        tree = nb.build_kdtree(A, _count_leaf_size(d))
        return gm.group_kdtree_count(tree, group_of_col, n_groups, thresholds)
    return gm.group_brute_count(np.ascontiguousarray(A.T), group_of_col, n_groups,
                                thresholds)


def _joint_neighbours_euclidean(blocks, k: int, algorithm: str, rule: int, subsets):
    """:func:`_joint_neighbours` (rules ``RULE_JOINT`` and ``RULE_MARGINAL``) with the
    Euclidean distance within each block and the max over blocks: the joint distance
    of KSG with Euclidean marginals, as in Czyż et al.'s ``bmi``. A subspace of several
    blocks (Frenzel-Pompe's (X, Z)) takes the max over its blocks. Returns ``(eps,
    eps_g, counts)``; ``eps_g`` (the per-block extents of the k neighbours) only for
    ``RULE_MARGINAL``."""
    joint = np.ascontiguousarray(np.hstack(blocks), dtype=np.float64)
    n, dim = joint.shape
    groups = np.concatenate([np.full(b.shape[1], g) for g, b in enumerate(blocks)])
    groups = groups.astype(np.int64)
    n_groups = len(blocks)
    if _use_tree(algorithm, dim, n):
        tree = nb.build_kdtree(joint, _knn_leaf_size(dim))
        dist, ind = gm.group_kdtree_knn(tree, groups, n_groups, k)
    else:
        dist, ind = gm.group_brute_knn(np.ascontiguousarray(joint.T), groups, n_groups, k)
    eps = dist[:, -1].copy()
    if rule == brute.RULE_MARGINAL:
        eps_g = np.stack([_block_sq(b, ind).max(axis=1) for b in blocks], axis=1)
    else:
        eps_g = np.empty((n, 0))
    subsets = np.asarray(subsets, dtype=bool)
    counts = np.empty((n, len(subsets)), np.int64)
    for s, mask in enumerate(subsets):
        cols = np.flatnonzero(mask[groups])
        # renumber the blocks of the subspace 0, 1, ...
        sub_groups = np.cumsum(mask)[groups[cols]] - 1
        if rule == brute.RULE_JOINT:
            thr = eps
        else:
            thr = np.nextafter(eps_g[:, mask].max(axis=1), np.inf)
        counts[:, s] = _group_count(joint[:, cols], sub_groups.astype(np.int64), thr,
                                    algorithm)
    return eps, eps_g, counts


def _euclidean_blocks(metric: str, *blocks) -> bool:
    """Whether ``metric`` needs the block-Euclidean path: with one column per block
    the Euclidean distance of each block is |a - b| and the joint distance the
    max-norm, computed exactly alike (``sqrt((a - b)**2) == |a - b|`` in IEEE
    arithmetic), so the max-norm path gives the same numbers faster."""
    return metric == "euclidean" and any(b.shape[1] > 1 for b in blocks)


def _digamma_counts(*arrays):
    """``scipy.special.digamma`` of non-negative integer arrays, by a table over
    ``0..max``: the same values bit for bit, without one evaluation per sample."""
    top = max(int(a.max()) for a in arrays)
    if top > 4 * max(a.size for a in arrays):
        return tuple(digamma(a) for a in arrays)
    table = digamma(np.arange(top + 1, dtype=np.float64))  # digamma(0) = -inf
    return tuple(table[a] for a in arrays)


# ----------------------------------------------------------------------------- drivers
def _ksg(X, Y, k: int, variant: int, algorithm: str, metric: str = "chebyshev") -> float:
    """Kraskov-Stögbauer-Grassberger estimate (algorithm 1 or 2) in nats.

    ``metric="euclidean"``: Euclidean distances within X and within Y, their max in
    the joint space (:func:`_joint_neighbours_euclidean`)."""
    n = X.shape[0]
    rule = brute.RULE_JOINT if variant == 1 else brute.RULE_MARGINAL
    if _euclidean_blocks(metric, X, Y):
        counts = _joint_neighbours_euclidean([X, Y], k, algorithm, rule,
                                             [[1, 0], [0, 1]])[2]
    else:
        counts = _joint_neighbours([X, Y], k, algorithm, rule, [[1, 0], [0, 1]])[2]
    nx, ny = counts[:, 0], counts[:, 1]
    if variant == 1:
        px, py = _digamma_counts(nx + 1, ny + 1)
        return digamma(k) + digamma(n) - np.mean(px + py)
    px, py = _digamma_counts(nx, ny)
    return digamma(k) - 1.0 / k + digamma(n) - np.mean(px + py)


def _frenzel_pompe(X, Y, Z, k: int, algorithm: str, metric: str = "chebyshev") -> float:
    """Conditional mutual information I(X; Y | Z) (Frenzel & Pompe 2007) in nats."""
    subsets = [[1, 0, 1], [0, 1, 1], [0, 0, 1]]
    if _euclidean_blocks(metric, X, Y, Z):
        counts = _joint_neighbours_euclidean([X, Y, Z], k, algorithm, brute.RULE_JOINT,
                                             subsets)[2]
    else:
        counts = _joint_neighbours([X, Y, Z], k, algorithm, brute.RULE_JOINT, subsets)[2]
    nxz, nyz, nz = counts.T
    pxz, pyz, pz = _digamma_counts(nxz + 1, nyz + 1, nz + 1)
    return digamma(k) - np.mean(pxz + pyz - pz)


def _ross(X, codes, k: int, algorithm: str, metric: str = "chebyshev") -> float:
    """Ross (2014) estimate of I(X; C) for continuous X and discrete labels C, nats.

    As in scikit-learn: samples whose label occurs once are left out; a label seen
    ``m`` times uses ``min(k, m - 1)`` neighbours. ``metric``: the distance in X.
    """
    n = X.shape[0]
    code = nb.EUCLIDEAN if _euclidean_blocks(metric, X) else nb.CHEBYSHEV
    label_counts = np.bincount(codes)[codes]
    radius = np.zeros(n)
    k_all = np.zeros(n)
    for label in np.flatnonzero(np.bincount(codes) > 1):
        idx = np.flatnonzero(codes == label)
        kk = min(k, idx.size - 1)
        radius[idx] = _knn(X[idx], kk, algorithm, code, with_index=False)[0][:, -1]
        k_all[idx] = kk
    keep = label_counts > 1
    if not np.any(keep):
        raise ValueError(
            "Every label of the discrete variable occurs only once; the Ross estimator "
            "needs labels with at least 2 samples."
        )
    Xk = X[keep]
    m_all = _count(Xk, radius[keep], algorithm, metric=code) + 1  # + the point itself
    return (
        digamma(Xk.shape[0])
        + np.mean(digamma(k_all[keep]))
        - np.mean(digamma(label_counts[keep]))
        - np.mean(digamma(m_all))
    )


def _plugin_mi(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in mutual information of two integer code vectors, nats."""
    n = a.size
    nb_ = b.max() + 1
    joint = np.bincount(a * nb_ + b)
    joint = joint[joint > 0]
    pa = np.bincount(a)
    pb = np.bincount(b)
    pa, pb = pa[pa > 0], pb[pb > 0]

    def h(c):
        return np.log(n) - np.sum(c * np.log(c)) / n

    return h(pa) + h(pb) - h(joint)


def _mixed_ksg(X, Y, k: int, algorithm: str) -> float:
    """Gao, Kannan, Oh & Viswanath (2017) estimator for mixed data, nats."""
    n = X.shape[0]
    eps, _, counts, n_ties = _joint_neighbours(
        [X, Y], k, algorithm, brute.RULE_MIXED, [[1, 0], [0, 1]]
    )
    kp = np.where(eps > 0, k, n_ties + 1)
    nx = counts[:, 0] + 1
    ny = counts[:, 1] + 1
    return np.mean(digamma(kp) + np.log(n) - digamma(nx) - digamma(ny))


# ------------------------------------------------------------------ conditioning sets
@dataclass(frozen=True)
class Conditioning:
    """A validated conditioning set ``z``, split by column kind.

    ``continuous``: the float64 ``(n, d_c)`` continuous columns, or None. ``codes``:
    one integer code per distinct row of the discrete columns (values compared exactly
    in their own dtype), or None. ``values``: the discrete columns themselves, to name
    a stratum in messages.
    """

    continuous: np.ndarray | None
    codes: np.ndarray | None
    values: tuple = ()

    def stratum(self, code: int):
        """The values of the discrete columns of ``z`` in the stratum ``code``."""
        i = int(np.flatnonzero(self.codes == code)[0])
        vals = tuple(v[i].item() if hasattr(v[i], "item") else v[i] for v in self.values)
        return vals[0] if len(vals) == 1 else vals


def check_conditioning(z, n: int, discrete_z="auto") -> Conditioning:
    """Validate a conditioning set ``z`` (1-D or 2-D, ``n`` rows) and split its columns.

    ``discrete_z``: ``"auto"`` (a column of integer, boolean, string or object dtype, or
    a pandas categorical, is discrete; each column of a DataFrame by its own dtype),
    True (all), False (none), or a boolean mask or array of column indices, as
    ``discrete_features`` of scikit-learn. Continuous columns must be finite numbers.
    """
    from .metrics import discrete_mask

    _check_real(z, "z")
    z = _from_pandas(z, "z", True, None, None)
    raw = z
    a = check_array(z, dtype=None, ensure_2d=False, input_name="z",
                    ensure_all_finite=False)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"z must be 1-D or 2-D, got an array of shape {a.shape}.")
    if a.shape[0] != n:
        raise ValueError(
            f"z has {a.shape[0]} samples but X has {n}: sample counts must match."
        )
    columns = _columns(raw, a)
    d = a.shape[1]
    if isinstance(discrete_z, str) and discrete_z == "auto":
        mask = np.array([_dtype_kind(c.dtype) in _LABEL_KINDS for c in columns], bool)
    else:
        mask = discrete_mask(discrete_z, d, "discrete_z")
    codes = None
    values: tuple = ()
    if mask.any():
        disc = [np.asarray(columns[j]) for j in np.flatnonzero(mask)]
        for col in disc:
            if col.dtype.kind == "f" and not np.all(np.isfinite(col)):
                raise ValueError("Input z contains NaN or infinity.")
        col_codes, _ = column_codes(disc)
        codes = col_codes[0] if len(col_codes) == 1 else _combine(col_codes, n)
        values = tuple(disc)
    continuous = None
    if not mask.all():
        try:
            continuous = np.column_stack(
                [np.asarray(columns[j], dtype=np.float64) for j in np.flatnonzero(~mask)]
            )
        except (TypeError, ValueError):
            raise ValueError(
                "z has columns that are not numbers (strings or objects) among those "
                "treated as continuous; mark them discrete with discrete_z."
            ) from None
        if not np.all(np.isfinite(continuous)):
            raise ValueError("Input z contains NaN or infinity.")
    return Conditioning(continuous, codes, values)


def _strata(codes: np.ndarray):
    """``(code, rows)`` for every stratum (distinct value) of ``codes``."""
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0, True])
    return [(int(codes[order[a]]), order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def check_strata(z: Conditioning, k: int, what: str) -> None:
    """ValueError when a stratum of the discrete columns of ``z`` has at most ``k``
    rows (a k-NN estimate within it needs ``k + 1``)."""
    counts = np.bincount(z.codes)
    small = np.flatnonzero((counts > 0) & (counts <= k))
    if small.size:
        worst = int(small[np.argmin(counts[small])])
        raise ValueError(
            f"{small.size} stratum(s) of the discrete columns of z have at most k={k} "
            f"rows (z = {z.stratum(worst)!r}: {int(counts[worst])} row(s)); {what} "
            f"estimates I(X; y | z) within each value of z and needs more than k={k} "
            "rows in every one. Merge rare values of z, lower k, or drop those rows."
        )


#: A value held by at least this fraction of a column's rows (and by more than k of
#: them) is a point mass: KLEntropy refuses the column.
POINT_MASS_FRACTION = 0.01


def point_mass_columns(X: np.ndarray, min_count: int) -> list[tuple[int, float, float]]:
    """``(column, value, fraction of rows)`` for every column of ``X`` whose most
    frequent value is held by at least ``min_count`` rows."""
    found = []
    for j in range(X.shape[1]):
        col = np.sort(X[:, j])
        starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
        runs = np.diff(np.r_[starts, col.size])
        top = int(np.argmax(runs))
        if runs[top] >= min_count:
            found.append((j, float(col[starts[top]]), runs[top] / col.size))
    return found


def _kl_entropy(X, k: int, metric: str, algorithm: str) -> float:
    """Kozachenko-Leonenko differential entropy in nats."""
    n, d = X.shape
    masses = point_mass_columns(X, max(k + 1, int(np.ceil(POINT_MASS_FRACTION * n))))
    if masses:
        shown = ", ".join(f"column {j}: {v:g} in {f:.0%} of the rows"
                          for j, v, f in masses[:5])
        raise ValueError(
            f"{len(masses)} column(s) of X have point masses ({shown}"
            f"{', ...' if len(masses) > 5 else ''}): a variable with an atom has no "
            "density, so its differential entropy is -infinity and the "
            "Kozachenko-Leonenko estimate is meaningless (a ReLU layer's exact zeros, "
            "for one). Use PluginEntropy on binned or discrete values, MixtureEntropy "
            "for the layer with Gaussian noise, or drop the columns."
        )
    code = nb.CHEBYSHEV if metric == "chebyshev" else nb.EUCLIDEAN
    # h(a X) = h(X) + d log|a|: the distances are taken on X / 2**e, an exact division
    # with 2**e just above max|X|, and d e log 2 is added back, so that no squared
    # distance (Euclidean on 1e-200 or 1e200 data) over- or underflows; data times a
    # power of two give the same distances.
    e = int(np.frexp(np.max(np.abs(X), initial=0.0))[1])
    r = _knn(np.ldexp(X, -e), k, algorithm, code, with_index=False)[0][:, -1]
    if np.any(r == 0):
        raise ValueError(
            f"{int(np.sum(r == 0))} samples have their k={k} nearest neighbours at "
            "distance 0 (repeated rows): the Kozachenko-Leonenko estimator needs "
            "continuous data. Use a plug-in entropy for discrete data, or a larger k."
        )
    if code == nb.CHEBYSHEV:
        log_vol = d * np.log(2.0)
    else:
        log_vol = d / 2 * np.log(np.pi) - gammaln(d / 2 + 1)
    return digamma(n) - digamma(k) + log_vol + d * (np.mean(np.log(r)) + e * np.log(2.0))


#: KSG and MixedKSG estimates of at least this fraction of log n are re-estimated on a
#: random half of the sample (MNIST pixels against a 256-unit ReLU layer: 1.4 nats at
#: n = 2000, 0.18 log n, growing 0.35 nats per doubling) ...
GROWTH_CHECK_FRACTION = 0.15
#: ... and reported as saturated when they grew by more than this (nats) from the half
#: to the whole: a deterministic relation (KSG gains 0.5-0.7 nats per doubling of n
#: between two layers of a network, or y = sin(3x) + x) or more information than the
#: sample resolves (5 x 5 Gaussian pairs at rho = 0.99: 4.0 -> 4.6 nats of 9.8), while
#: a converged estimate moves by its noise (1-D Gaussian at 4.3 nats: 0.02-0.1).
GROWTH_PER_DOUBLING = 0.3


def _growth_message(estimate: float, rng, n: int, refit) -> str | None:
    """Why a k-NN estimate is not converged in n, or None (see GROWTH_CHECK_FRACTION).

    ``refit(rows)`` returns the estimate on the rows ``rows`` of the same data.
    """
    if n < 200 or not estimate >= GROWTH_CHECK_FRACTION * np.log(n):
        return None
    half = refit(np.sort(rng.permutation(n)[: n // 2]))
    if not estimate - half > GROWTH_PER_DOUBLING:
        return None
    return (
        f"the estimate grew from {half:.4g} nats on a random half of the sample to "
        f"{estimate:.4g} on all {n} rows: it has not converged. Either y is (nearly) a "
        "deterministic function of X (then the true MI is infinite, and a k-NN estimate "
        "grows like log n: e.g. two layers of a network, or pixels and a layer; state a "
        "scale with skmi.nn.layer_information or noise), or the MI is more than this "
        "sample can resolve (no estimator certifies much more than log n)."
    )


# ----------------------------------------------------------------------------- classes
_COMMON_CONSTRAINTS = {
    "k": [Interval(Integral, 1, None, closed="left")],
    "algorithm": [StrOptions({"auto", "tree", "brute"})],
    "n_jobs": [Integral, None],
}


class KSG(MutualInfoEstimator):
    """Kraskov-Stögbauer-Grassberger k-NN mutual information (max-norm or Euclidean).

    Estimates I(X; y) for continuous, multivariate ``X`` and ``y`` with algorithm 1 or 2
    of Kraskov et al. (2004). When one side is discrete (integer labels under
    ``"auto"``), it switches to Ross (2014), the estimator behind scikit-learn's
    ``mutual_info_classif``; when both are, to the plug-in estimate. With ``z`` passed to
    :meth:`fit`, it estimates the conditional MI I(X; y | z):

    - ``z`` continuous: Frenzel & Pompe (2007), for continuous X and y.
    - ``z`` discrete (see ``discrete_z``): ``I(X; y | z) = sum_v p(z = v) I(X; y | z =
      v)``, each term the unconditional estimate above (KSG, Ross or plug-in, by the
      kinds of X and y) on the rows with ``z = v``, with the same k, scaling and noise
      recipe; for discrete X and y this is the exact plug-in conditional MI. A stratum
      (value of z) with at most ``k`` rows raises a ValueError that names it: merge rare
      values or lower ``k`` (dropping it would bias the estimate).
    - ``z`` mixed (discrete and continuous columns): Frenzel-Pompe on the continuous
      columns within each stratum of the discrete ones, weighted the same way.

    Continuous columns are centred and divided by their standard deviation
    (``standardize``) and receive seeded noise of relative size ``noise``
    (``random_state``) that breaks ties, as ``mutual_info_regression`` does on centred
    data, so the two agree on shared 1-D cases (scikit-learn clips negative values at
    0; here that is ``clip=True``). The scaling is exact in powers of two and safe from
    overflow and underflow, so the estimate does not change when a column is
    multiplied by anything from 1e-310 to 1e300 or shifted far from 0 (scikit-learn
    does not centre: an offset of 1e10 times the spread makes its noise swamp the
    data). A column constant up to rounding becomes pure noise. Set
    ``noise=0`` to switch the jitter off; repeated values then make the estimate
    unreliable (use :class:`MixedKSG` for data with atoms).

    Parameters
    ----------
    k : int, default=3
        Number of neighbours. Larger k: less variance, more bias.
    variant : {1, 2}, default=1
        KSG algorithm 1 (counts within the joint k-NN distance) or 2 (counts within the
        marginal extents of the k neighbours).
    metric : {"chebyshev", "euclidean"}, default="chebyshev"
        Distance within each side. ``"chebyshev"``: the max-norm throughout (Kraskov et
        al.). ``"euclidean"``: the Euclidean distance within X, within y (and within
        z), the joint distance the max of the sides' distances, and marginal counts by
        the Euclidean distance in each side, as the KSG of Czyż et al.'s ``bmi``
        benchmark. With one column per side the two are the same metric (and give
        the same numbers).
    discrete_x, discrete_y : {"auto", True, False}, default="auto"
        Whether a side is discrete. ``"auto"``: integer or boolean dtype (and strings
        for ``y``) are discrete. Rows of a multi-column discrete side are one symbol.
    discrete_z : {"auto", True, False} or array-like, default="auto"
        Which columns of ``z`` (in :meth:`fit`) are discrete: ``"auto"`` by dtype
        (integer, boolean, string, object or categorical columns; a DataFrame column by
        column), a bool for all of them, or a boolean mask or array of column indices
        (scikit-learn's ``discrete_features`` convention).
    standardize : bool, default=True
        Centre continuous columns and divide them by their standard deviation before
        the distances. False: the data as given, the noise relative to each column's
        standard deviation.
    noise : float, default=1e-10
        Relative size of the tie-breaking noise; 0 disables it.
    algorithm : {"auto", "tree", "brute"}, default="auto"
        Neighbour search: a space-partitioning search or the blocked brute-force
        kernel. ``"auto"`` picks the former for low joint dimension and many samples
        (up to dimension 3 from 512 samples, 4-5 from 2,000, 6 from 4,000, 7 from
        6,000, 8 from 8,000, 9-12 from 100,000; see ``skmi.knn.TREE_MIN_SAMPLES``),
        brute force otherwise. ``"tree"`` is sorted strips in a 2-D joint space
        (x-rank strips kept sorted by y; a KD-tree instead when a column has long runs
        of ties, see ``skmi.knn.STRIPS_MAX_TIE_RUN``) and a KD-tree above. Every path
        finds the same neighbours and counts, so the estimate does not depend on it.
    clip : bool, default=False
        Return ``max(0, estimate)`` instead of the raw (possibly negative) value.
    random_state : int, RandomState instance or None, default=None
        Seeds the tie-breaking noise.
    n_jobs : int or None, default=None
        Threads for the Numba kernels; None uses Numba's default (all cores, capped by
        ``NUMBA_NUM_THREADS``), -1 all cores. Below 2000 samples the kernels run on one
        thread whatever ``n_jobs`` says (starting threads costs more than it saves).

    Attributes
    ----------
    mi_ : float
        The estimate on the training data, nats.
    method_ : str
        What was computed: ``"ksg1"``, ``"ksg2"``, ``"ross"``, ``"plugin"`` or
        ``"frenzel-pompe"``; with a discrete or mixed ``z``, the same name prefixed by
        ``"stratified-"`` (``"stratified-plugin"`` is the plug-in conditional MI).
    saturated_ : bool
        Whether the estimate has not converged in n (KSG of continuous X and y only):
        an estimate of at least 0.15 log n is recomputed on a random half of the
        rows, and one that grew by more than 0.3 nats from the half to the whole is the
        signature of a deterministic relation (infinite MI, e.g. two layers of a
        network) or of more information than the sample resolves. A
        :class:`~skmi.SaturationWarning` says so.
    n_features_in_ : int

    References
    ----------
    A. Kraskov, H. Stögbauer, P. Grassberger, "Estimating mutual information",
    Phys. Rev. E 69, 066138 (2004). B. C. Ross, "Mutual information between discrete and
    continuous data sets", PLoS ONE 9(2) (2014). S. Frenzel, B. Pompe, "Partial mutual
    information for coupling analysis of multivariate time series", PRL 99 (2007).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import KSG
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((2000, 1))
    >>> y = 0.6 * x + 0.8 * rng.standard_normal((2000, 1))   # rho = 0.6
    >>> est = KSG(k=3, random_state=0).fit(x, y)
    >>> round(est.mi_, 1)   # truth: -log(1 - 0.36) / 2 = 0.223
    0.2

    Conditioning on a discrete z: within z = 0 the correlation is 0.6, within z = 1 it
    is 0, so I(x; y | z) = 0.5 * 0.223.

    >>> z = rng.integers(0, 2, 2000)
    >>> y2 = np.where(z[:, None] == 0, y, rng.standard_normal((2000, 1)))
    >>> est = KSG(random_state=0).fit(x, y2, z=z)
    >>> est.method_, round(est.mi_, 1)
    ('stratified-ksg1', 0.1)
    """

    _parameter_constraints = {
        **_COMMON_CONSTRAINTS,
        "variant": [Interval(Integral, 1, 2, closed="both")],
        "metric": [StrOptions({"chebyshev", "euclidean"})],
        "discrete_x": [StrOptions({"auto"}), "boolean"],
        "discrete_y": [StrOptions({"auto"}), "boolean"],
        "discrete_z": [StrOptions({"auto"}), "boolean", "array-like"],
        "standardize": ["boolean"],
        "noise": [Interval(Real, 0, None, closed="left")],
        "clip": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        k=3,
        *,
        variant=1,
        metric="chebyshev",
        discrete_x="auto",
        discrete_y="auto",
        discrete_z="auto",
        standardize=True,
        noise=1e-10,
        algorithm="auto",
        clip=False,
        random_state=None,
        n_jobs=None,
    ):
        self.k = k
        self.variant = variant
        self.metric = metric
        self.discrete_x = discrete_x
        self.discrete_y = discrete_y
        self.discrete_z = discrete_z
        self.standardize = standardize
        self.noise = noise
        self.algorithm = algorithm
        self.clip = clip
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X, y, z=None):
        """Estimate I(X; y), or I(X; y | z) when ``z`` is given.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)
        z : array-like of shape (n_samples,) or (n_samples, n_features_z), optional
            Conditioning variables: continuous, discrete or both (see ``discrete_z``).

        Returns
        -------
        self : KSG
        """
        return super().fit(X, y, z=z)

    def score(self, X, y, z=None) -> float:
        """Estimate on new data with the same settings, nats."""
        return super().score(X, y, z=z)

    def _validate(self, X, y, reset, z=None):
        data = check_xy(
            self, X, y, reset=reset, discrete_x=self.discrete_x,
            discrete_y=self.discrete_y, min_samples=self.k + 1,
            why=f"more than k={self.k}",
        )
        if z is not None:
            z = check_conditioning(z, data.n_samples, self.discrete_z)
            if z.continuous is not None and (data.discrete_x or data.discrete_y):
                raise ValueError(
                    "Conditional MI with KSG needs continuous X and y when z has "
                    "continuous columns (Frenzel-Pompe); pass discrete_x=False / "
                    "discrete_y=False to treat integer data as continuous (with "
                    "tie-breaking noise). Discrete X or y can be conditioned on a "
                    "discrete z (discrete_z)."
                )
            if z.codes is not None and not (data.discrete_x and data.discrete_y
                                            and z.continuous is None):
                check_strata(z, self.k, "KSG")
        return data, z

    def _estimate(self, data_z) -> float:
        data, z = data_z
        variant = int(self.variant)
        rng = check_random_state(self.random_state)
        prep = dict(standardize=self.standardize, noise=self.noise, rng=rng)
        with guard(), num_threads(self.n_jobs, data.n_samples):
            if z is None:
                return self._unconditional(data, None, variant, prep, check=True)
            if z.continuous is not None and variant != 1:
                raise ValueError(
                    "Conditional MI on continuous z (Frenzel-Pompe) is defined for "
                    "variant=1."
                )
            if z.codes is None:
                self.method_ = "frenzel-pompe"
                return self._frenzel_pompe(data, z.continuous, None, prep)
            if data.discrete_x and data.discrete_y and z.continuous is None:
                self.method_ = "stratified-plugin"
                return conditional_mi_from_codes(data.x_codes, data.y_codes, z.codes)
            total = 0.0
            for _, rows in _strata(z.codes):
                if z.continuous is None:
                    value = self._unconditional(data, rows, variant, prep, check=False)
                else:
                    self.method_ = "frenzel-pompe"
                    value = self._frenzel_pompe(data, z.continuous, rows, prep)
                total += rows.size * value
            self.method_ = "stratified-" + self.method_
            return total / data.n_samples

    def _frenzel_pompe(self, data, Z, rows, prep) -> float:
        """Frenzel-Pompe on all rows, or on ``rows`` (a stratum)."""
        X, Y = (data.X, data.y) if rows is None else (data.X[rows], data.y[rows])
        Z = Z if rows is None else Z[rows]
        return _frenzel_pompe(_prepare(X, **prep), _prepare(Y, **prep),
                              _prepare(Z, **prep), self.k, self.algorithm, self.metric)

    def _unconditional(self, data, rows, variant: int, prep, check: bool) -> float:
        """I(X; y) on all rows (``rows=None``) or on ``rows`` (a stratum of z), by the
        kinds of X and y; ``check``: test the estimate for saturation."""
        X, Y = (data.X, data.y) if rows is None else (data.X[rows], data.y[rows])
        if data.discrete_x or data.discrete_y:
            x_codes, y_codes = data.x_codes, data.y_codes
            if rows is not None:
                x_codes = None if x_codes is None else x_codes[rows]
                y_codes = None if y_codes is None else y_codes[rows]
            if data.discrete_x and data.discrete_y:
                self.method_ = "plugin"
                return _plugin_mi(x_codes, y_codes)
            self.method_ = "ross"
            if data.discrete_y:
                return _ross(_prepare(X, **prep), y_codes, self.k, self.algorithm,
                             self.metric)
            return _ross(_prepare(Y, **prep), x_codes, self.k, self.algorithm,
                         self.metric)
        self.method_ = f"ksg{variant}"
        X = _prepare(X, **prep)
        Y = _prepare(Y, **prep)
        mi = _ksg(X, Y, self.k, variant, self.algorithm, self.metric)
        if check:
            self._saturation(_growth_message(
                mi, prep["rng"], X.shape[0],
                lambda r: _ksg(X[r], Y[r], self.k, variant, self.algorithm, self.metric)))
        return mi


class MixedKSG(MutualInfoEstimator):
    """Mixed discrete-continuous k-NN mutual information (Gao et al. 2017).

    For data that are neither purely continuous nor purely discrete: ReLU activations
    with an atom at 0, counts, or mixtures. Where the k-NN distance of a sample is 0
    (it sits on an atom with at least k copies), the neighbour count becomes the
    number of copies and the marginal counts are plug-in counts of exact matches;
    elsewhere it is KSG with ``log n`` in place of ``psi(n)``. No tie-breaking noise is
    added: ties are information here.

    Parameters
    ----------
    k : int, default=5
        Number of neighbours (the paper's choice).
    standardize : bool, default=True
        Centre each column and divide it by its standard deviation before the
        max-norm (atoms stay atoms; a column constant up to rounding becomes 0).
    algorithm : {"auto", "tree", "brute"}, default="auto"
        Neighbour search, as in :class:`KSG`.
    clip : bool, default=False
        Return ``max(0, estimate)``.
    n_jobs : int or None, default=None
        Threads for the Numba kernels.

    Attributes
    ----------
    mi_ : float
        Estimate, nats.
    saturated_ : bool
        Whether the estimate has not converged in n (as for :class:`KSG`).
    n_features_in_ : int

    References
    ----------
    W. Gao, S. Kannan, S. Oh, P. Viswanath, "Estimating mutual information for
    discrete-continuous mixtures", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import MixedKSG
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 5, size=3000)
    >>> y = x + 2 * rng.uniform(size=3000)          # I = log 5 - 0.8 log 2 = 1.055
    >>> round(MixedKSG().fit(x.reshape(-1, 1).astype(float), y).mi_, 1)
    1.1
    """

    _parameter_constraints = {
        **_COMMON_CONSTRAINTS,
        "standardize": ["boolean"],
        "clip": ["boolean"],
    }

    def __init__(self, k=5, *, standardize=True, algorithm="auto", clip=False, n_jobs=None):
        self.k = k
        self.standardize = standardize
        self.algorithm = algorithm
        self.clip = clip
        self.n_jobs = n_jobs

    def _validate(self, X, y, reset):
        return check_xy(
            self, X, y, reset=reset, discrete_x=False, discrete_y=False,
            min_samples=self.k + 1, why=f"more than k={self.k}",
        )

    def _estimate(self, data: Data) -> float:
        prep = dict(standardize=self.standardize, noise=0.0, rng=None)
        with guard(), num_threads(self.n_jobs, data.n_samples):
            X = _prepare(data.X, **prep)
            Y = _prepare(data.y, **prep)
            mi = _mixed_ksg(X, Y, self.k, self.algorithm)
            self._saturation(_growth_message(
                mi, np.random.default_rng(0), data.n_samples,
                lambda rows: _mixed_ksg(X[rows], Y[rows], self.k, self.algorithm)))
            return mi


class KLEntropy(EntropyEstimator):
    """Kozachenko-Leonenko k-NN differential entropy.

    ``H = psi(n) - psi(k) + log V_d + d * mean(log r_k)`` with ``r_k`` the distance to
    the k-th neighbour and ``V_d`` the volume of the unit ball of the metric. The data
    are used as given (entropy is not scale invariant: ``h(a X) = h(X) + d log|a|``):
    no standardisation, no noise; the distances are taken on ``X`` divided by a power
    of two (exact) and the log of it added back, so 1e-300 or 1e300 times the data
    cost no digits. The
    estimator assumes a density: a column with a point mass (one value held by at least
    1% of the rows and more than k of them, e.g. a ReLU unit's exact zeros) or repeated
    rows (a k-NN distance of 0) raise a ValueError, since the differential entropy of a
    variable with atoms is -infinity.

    Parameters
    ----------
    k : int, default=3
    metric : {"chebyshev", "euclidean"}, default="chebyshev"
    algorithm : {"auto", "tree", "brute"}, default="auto"
        Neighbour search, as in :class:`KSG`.
    n_jobs : int or None, default=None
        Threads for the Numba kernels.

    Attributes
    ----------
    entropy_ : float
        Differential entropy estimate, nats.
    n_features_in_ : int

    References
    ----------
    L. F. Kozachenko, N. N. Leonenko, "Sample estimate of the entropy of a random
    vector", Problems Inform. Transmission 23 (1987).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import KLEntropy
    >>> x = np.random.default_rng(0).standard_normal((5000, 2))
    >>> round(KLEntropy().fit(x).entropy_, 1)   # truth: log(2 pi e) = 2.838
    2.8
    """

    _parameter_constraints = {
        **_COMMON_CONSTRAINTS,
        "metric": [StrOptions({"chebyshev", "euclidean"})],
    }

    def __init__(self, k=3, *, metric="chebyshev", algorithm="auto", n_jobs=None):
        self.k = k
        self.metric = metric
        self.algorithm = algorithm
        self.n_jobs = n_jobs

    def _validate(self, X, reset):
        return check_x(self, X, reset=reset, min_samples=self.k + 1,
                       why=f"more than k={self.k}")

    def _estimate(self, X) -> float:
        with guard(), num_threads(self.n_jobs, X.shape[0]):
            return _kl_entropy(X, self.k, self.metric, self.algorithm)
