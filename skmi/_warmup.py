"""Compile every Numba kernel path ahead of time (``skmi warmup``).

Each kernel compiles on its first call and is cached on disk (see
:mod:`skmi._kernels._jit`); a cold process otherwise pays that cost inside the first
fit of each path. :func:`warmup` runs tiny fits that reach every path (the sorted-strip
and KD-tree searches, the brute-force sweeps, the per-class counts, binning, the
pairwise-kernel sums) so that later processes load everything from the cache.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np

__all__ = ["warmup", "PATHS"]


def _paths() -> list[tuple[str, Callable[[], object]]]:
    from .binning import BinningMI, DiscreteMI, PluginEntropy
    from .kde import KDEMI, MixtureEntropy, SamplePropagationMI
    from .knn import KSG, KLEntropy, MixedKSG

    rng = np.random.default_rng(0)
    small = rng.standard_normal((600, 4))
    big = rng.standard_normal((2500, 4))
    labels = rng.integers(0, 3, 600)
    relu = np.maximum(small, 0.0)
    return [
        ("KSG, 1 + 1 columns (sorted strips)",
         lambda: KSG(random_state=0).fit(small[:, :1], small[:, 1:2])),
        ("KSG, 2 + 2 columns (KD-tree)",
         lambda: KSG(algorithm="tree", random_state=0).fit(big[:, :2], big[:, 2:])),
        ("KSG, brute force",
         lambda: KSG(algorithm="brute", random_state=0).fit(small[:, :2], small[:, 2:])),
        ("KSG variant 2", lambda: KSG(variant=2, random_state=0).fit(small[:, :2],
                                                                      small[:, 2:])),
        ("KSG with class labels (Ross)",
         lambda: KSG(random_state=0).fit(small, labels)),
        ("conditional MI (Frenzel-Pompe)",
         lambda: KSG(random_state=0).fit(small[:, :1], small[:, 1:2], z=small[:, 2:3])),
        ("conditional MI, discrete z (strata; plug-in)",
         lambda: (KSG(random_state=0).fit(small[:, :1], small[:, 1:2], z=labels),
                  DiscreteMI().fit(labels.reshape(-1, 1), labels[::-1], z=labels % 2))),
        ("KSG, Euclidean per side (tree, brute)",
         lambda: (KSG(metric="euclidean", algorithm="tree", random_state=0).fit(
                      big[:, :2], big[:, 2:]),
                  KSG(metric="euclidean", algorithm="brute", random_state=0).fit(
                      small[:, :2], small[:, 2:]))),
        ("MixedKSG", lambda: MixedKSG().fit(relu[:, :2], relu[:, 2:])),
        ("MixedKSG, KD-tree", lambda: MixedKSG(algorithm="tree").fit(relu[:, :2],
                                                                       relu[:, 2:])),
        ("KLEntropy (max-norm, Euclidean)",
         lambda: (KLEntropy().fit(small), KLEntropy(metric="euclidean").fit(small),
                  KLEntropy(algorithm="tree").fit(big))),
        ("BinningMI (fixed, minmax, width, quantile)",
         lambda: [BinningMI(8, **kw).fit(np.tanh(small), labels) for kw in (
             dict(strategy="fixed", bin_range=(-1, 1)), dict(strategy="minmax"),
             dict(strategy="width", bin_width=0.25), dict(strategy="quantile"))]),
        ("DiscreteMI, PluginEntropy",
         lambda: (DiscreteMI().fit(labels.reshape(-1, 1), labels),
                  PluginEntropy().fit(labels.reshape(-1, 1)))),
        ("KDEMI, SamplePropagationMI, MixtureEntropy",
         lambda: (KDEMI(1.0).fit(small, labels), KDEMI(1.0, bound="lower").fit(small, labels),
                  SamplePropagationMI(1.0, n_draws=1, random_state=0).fit(small, labels),
                  MixtureEntropy(1.0, n_draws=1, random_state=0).fit(small))),
    ]


#: The names of the paths :func:`warmup` compiles, in order.
PATHS = ("KSG, 1 + 1 columns (sorted strips)", "KSG, 2 + 2 columns (KD-tree)",
         "KSG, brute force", "KSG variant 2", "KSG with class labels (Ross)",
         "conditional MI (Frenzel-Pompe)", "conditional MI, discrete z (strata; plug-in)",
         "KSG, Euclidean per side (tree, brute)", "MixedKSG", "MixedKSG, KD-tree",
         "KLEntropy (max-norm, Euclidean)", "BinningMI (fixed, minmax, width, quantile)",
         "DiscreteMI, PluginEntropy", "KDEMI, SamplePropagationMI, MixtureEntropy")


def warmup(*, verbose: bool = False) -> dict[str, float]:
    """Compile (or load from the disk cache) every kernel path; seconds per path.

    Parameters
    ----------
    verbose : bool, default=False
        Print each path and its time as it finishes.

    Returns
    -------
    seconds : dict {str: float}
        Wall time of each path (compilation on a cold cache, a cache load when warm).

    Examples
    --------
    >>> from skmi._warmup import warmup, PATHS
    >>> list(warmup()) == list(PATHS)
    True
    """
    out: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # tiny data: saturation and the like
        for name, run in _paths():
            start = time.perf_counter()
            run()
            out[name] = time.perf_counter() - start
            if verbose:
                print(f"{out[name]:7.2f} s  {name}", flush=True)
    return out
