"""Property-based tests of the estimator contract (Hypothesis; issue 16, item 3).

Every public estimator, on inputs Hypothesis draws (finite floats of bounded magnitude,
small ``n``, one to three columns, integer labels for a discrete side), must:

- never modify its inputs, and fit read-only, Fortran-ordered or strided arrays;
- answer any finite input with a finite float or a ValueError / TypeError: never NaN,
  infinity, another exception type or a crash (also at extreme magnitudes, with
  constant columns, duplicated rows and ``n`` just above ``k``);
- survive ``clone`` (same parameters, unfitted) and pickling (same ``mi_``, same
  ``score``);
- give identical results for the same ``random_state``, and for ``n_jobs=1`` and 2.

and, where the estimator claims it or the mathematics of its implementation
guarantees it:

- the same estimate for any permutation of the rows;
- symmetry, I(X; y) = I(y; X);
- invariance under per-column affine maps with positive scale (k-NN, Gaussian),
  multiplication by powers of two over the whole float range, one common factor
  (minmax / quantile bins), strictly increasing maps (Gaussian copula, quantile bins)
  and relabelling of symbols (plug-in estimators); entropy moves by ``d log a`` under
  ``X -> a X``;
- I(X; y) = 0 for a constant X, at any magnitude, where the construction makes it
  exact (one bin or symbol, every kernel on one centre, the column dropped);
- the same estimate from every neighbour-search path (``algorithm``).

Tolerances, and why:

- ``EXACT`` (1e-12 nats, relative above 1 nat): results that are the same sums of the
  same terms in another order (a permutation of the rows, the two sides swapped): a
  few hundred terms of magnitude below ~20 round to well under 1e-12. A k-NN
  estimate is a function of integer neighbour counts; a genuine violation moves a
  count, which moves the estimate by ~1 / n^2 or more (> 2e-5 nats at n <= 200).
- ``ROUNDING`` (1e-9): data changed by rounding (each value multiplied by a factor
  that is not a power of two): neighbour counts move only when a distance lies within
  ~1e-16 relative of a threshold, which tie-breaking noise of relative size 1e-10
  (KSG) or data in general position (drawn from a continuous distribution) make
  vanishingly rare; the Gaussian estimates are smooth in the data, and the data are
  kept well conditioned (``COND_MAX``) so that rounding is not amplified.
- Equality (``==``): where the implementation computes bit-identical numbers
  (multiplication by a power of two; offsets that are exact in float64; rank-based
  estimates under an order-preserving map; the same seed).

Where a property does not hold exactly, the test says which configuration makes it
hold: KSG's tie-breaking noise is drawn row by row and side by side, so a permutation
of the rows or a swap of the sides gives the ties other noise; there KSG is tested
with ``noise=0`` (counts "strictly closer than the k-th neighbour" then depend only on
the multiset of rows) or on data in general position (no ties to break).

Not covered, by design: row permutation for estimators whose randomness follows the
rows (SamplePropagationMI's draws, KDEMI's query subset, the folds of ClassifierMI /
VInformation / AutoMI against labels, InfoNCE's batches) or decides exact ties (AutoMI
on continuous data: its KSG candidate on normal scores); symmetry for estimators of
an asymmetric quantity (labels on one side, V-information, AutoMI's non-Gaussianity
correction, which seeds each side's reference sample differently); the neural
estimators beyond one cheap InfoNCE configuration (contract properties only).

Bugs found in skmi are kept as strict expected failures with their minimal example
(``KNOWN_BUGS``, ``SCALE_BUGS``), run as explicit examples so that a fix shows up as
XPASS.

Budget: the Hypothesis profile ``ci`` (``conftest.py``, loaded by default) runs a fixed,
derandomized set of examples (25 per test, scaled down for slow estimators by
``Case.weight``); ``SKMI_HYPOTHESIS_PROFILE=dev`` runs ten times as many, freshly
drawn each run.
"""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import joblib
import numpy as np
import pytest
from hypothesis import Phase, assume, event, example, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone

from skmi import (
    KDEMI,
    KSG,
    AutoMI,
    BinningMI,
    ClassifierMI,
    DiscreteMI,
    GaussianCopulaMI,
    GaussianMI,
    KLEntropy,
    MixedKSG,
    MixtureEntropy,
    PluginEntropy,
    SamplePropagationMI,
    VInformation,
)
from skmi.base import EntropyEstimator

EXACT = 1e-12
ROUNDING = 1e-9
#: Largest condition number of the correlation matrix of [X, y] for which the
#: Gaussian estimates are compared after rounding-level changes of the data.
COND_MAX = 1e4
#: Finite floats of bounded magnitude (subnormals apart: see the extreme tests).
FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
#: Any finite float: subnormals, +-1.8e308.
EXTREME = st.floats(allow_nan=False, allow_infinity=False)
SMALL_N = st.integers(20, 200)
#: Below SERIAL_BELOW = 2000 samples the Numba kernels run on one thread whatever
#: n_jobs says: the n_jobs test needs more rows to mean anything.
THREADED_N = st.integers(2000, 2300)


# ------------------------------------------------------------------------ estimators
@dataclass(frozen=True)
class Case:
    """One estimator configuration and the data it takes.

    ``x``: ``"float"`` or ``"int"`` (symbols); ``y``: ``"float"``, ``"labels"`` or None
    (an entropy estimator). ``weight`` scales the number of examples for slow ones.
    ``rescore``: ``score`` on the training data re-estimates with the fitted settings,
    so it must equal ``mi_`` (not so for held-out or trained estimators). ``styles``:
    the data styles (:func:`floats_block`) drawn by default.
    """

    name: str
    make: Callable[..., Any]
    x: str = "float"
    y: str | None = "float"
    weight: float = 1.0
    rescore: bool = True
    params: dict = field(default_factory=dict)
    styles: tuple = ("arrays", "general", "ties", "atoms", "grid")

    def __call__(self, **overrides):
        return self.make(**{**self.params, **overrides})

    def __str__(self):
        return self.name


def _infonce(**kw):
    pytest.importorskip("torch")
    from skmi.neural import InfoNCE

    return InfoNCE(**kw)


CASES = [
    Case("KSG", KSG, params=dict(random_state=0)),
    Case("KSG-variant2", KSG, params=dict(variant=2, random_state=0)),
    Case("KSG-ross", KSG, y="labels", params=dict(random_state=0)),
    Case("KSG-plugin", KSG, x="int", y="labels"),
    Case("MixedKSG", MixedKSG),
    # a density: repeated rows and point masses are refused (tested with the others)
    Case("KLEntropy", KLEntropy, y=None, styles=("general", "unique", "grid", "arrays")),
    Case("KLEntropy-euclidean", KLEntropy, y=None, params=dict(metric="euclidean"),
         styles=("general", "unique", "grid")),
    Case("BinningMI-minmax", BinningMI, params=dict(n_bins=8)),
    Case("BinningMI-quantile", BinningMI, y="labels",
         params=dict(n_bins=5, strategy="quantile")),
    Case("BinningMI-fixed", BinningMI, y="labels",
         params=dict(n_bins=10, bin_range=(-1.0, 1.0), out_of_range="clip",
                     convention="digitize", correction="miller-madow")),
    Case("BinningMI-width", BinningMI, params=dict(bin_width=0.5)),
    Case("BinningMI-nsb", BinningMI, y="labels", weight=0.1,
         params=dict(n_bins=4, correction="nsb")),
    Case("DiscreteMI", DiscreteMI, x="int", y="labels"),
    Case("DiscreteMI-mm", DiscreteMI, x="int", y="labels",
         params=dict(correction="miller-madow")),
    Case("DiscreteMI-nsb", DiscreteMI, x="int", y="labels", weight=0.1,
         params=dict(correction="nsb")),
    Case("PluginEntropy", PluginEntropy, x="int", y=None),
    Case("PluginEntropy-nsb", PluginEntropy, x="int", y=None, weight=0.1,
         params=dict(correction="nsb")),
    Case("KDEMI", KDEMI, y="labels"),
    Case("KDEMI-lower-relative-queries", KDEMI, y="labels",
         params=dict(noise_variance=0.5, bound="lower", relative_noise=True, n_queries=10,
                     random_state=0)),
    Case("SamplePropagationMI", SamplePropagationMI, y="labels",
         params=dict(n_draws=3, random_state=0)),
    Case("MixtureEntropy", MixtureEntropy, y=None, params=dict(n_draws=3, random_state=0)),
    Case("MixtureEntropy-upper", MixtureEntropy, y=None, params=dict(method="upper")),
    Case("GaussianMI", GaussianMI),
    Case("GaussianMI-drop", GaussianMI, params=dict(drop_constant=True)),
    Case("GaussianCopulaMI", GaussianCopulaMI),
    Case("GaussianCopulaMI-labels", GaussianCopulaMI, y="labels",
         params=dict(drop_constant=True)),
    Case("AutoMI", AutoMI, weight=0.25, params=dict(random_state=0)),
    Case("AutoMI-labels", AutoMI, y="labels", weight=0.1, params=dict(random_state=0)),
    Case("ClassifierMI", ClassifierMI, y="labels", weight=0.1, rescore=False,
         params=dict(random_state=0)),
    Case("VInformation-classification", VInformation, y="labels", weight=0.3,
         rescore=False, params=dict(random_state=0)),
    Case("VInformation-regression", VInformation, weight=0.3, rescore=False,
         params=dict(random_state=0)),
    Case("InfoNCE", _infonce, weight=0.3, rescore=False,
         params=dict(max_epochs=1, hidden_layer_sizes=(8,), embedding_dim=4, batch_size=32,
                     random_state=0)),
]
#: Configurations used only by the invariance tests.
EXTRA = [
    Case("BinningMI-quantile-continuous", BinningMI, params=dict(n_bins=5, strategy="quantile")),
    Case("KDEMI-lower-relative", KDEMI, y="labels",
         params=dict(noise_variance=0.5, bound="lower", relative_noise=True)),
]
BY_NAME = {c.name: c for c in CASES + EXTRA}


#: Bugs these properties found in skmi and not fixed yet: (test, case id) -> the bug
#: and a minimal reproducer (entries in SCALE_BUGS and below, at
#: test_strictly_increasing_maps; the ones found here first are fixed and their
#: reproducers stay as explicit examples). The case is a strict expected failure: the
#: reproducers are explicit examples of the test, run first under every profile, so
#: a fix shows up as XPASS and the mark must go.
KNOWN_BUGS: dict = {}


def _auto_overflow_example():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 3))
    y = x[:, :2] + rng.standard_normal((20, 2))
    return x * [1e153, 1e152, 1e156], y


def params(test, names=None):
    """pytest parameters of ``test`` for the cases ``names`` (default: all), the known
    bugs marked as expected failures."""
    out = []
    for name in names if names is not None else [c.name for c in CASES]:
        reason = KNOWN_BUGS.get((test, name))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(BY_NAME[name], id=name, marks=marks))
    return out


@pytest.fixture(autouse=True)
def _current_item(request):
    """The running test item, for :func:`run` (no shrinking of expected failures)."""
    global _ITEM
    _ITEM = request.node
    yield
    _ITEM = None


_ITEM = None


def examples(case=None, factor=1.0) -> int:
    """Examples for one run under the loaded profile, scaled for slow estimators."""
    weight = case.weight if case is not None else 1.0
    return max(3, round(settings.default.max_examples * factor * weight))


def run(strategy, max_examples, prop, explicit=()):
    """Run ``prop(drawn)`` under Hypothesis with this many examples (a per-case budget:
    the examples of a parametrized test cannot differ by parameter otherwise), after
    the ``explicit`` examples. A known bug (an xfail case) is not shrunk: its minimal
    example is in KNOWN_BUGS, and among the explicit examples."""
    known_bug = _ITEM is not None and _ITEM.get_closest_marker("xfail") is not None
    phases = [p for p in settings.default.phases
              if not (known_bug and p == Phase.shrink)]

    def property_(drawn):
        prop(drawn)

    test = given(strategy)(property_)
    for drawn in explicit:
        test = example(drawn)(test)
    settings(max_examples=max_examples, phases=phases)(test)()


# ------------------------------------------------------------------------ data
def _seeded(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


@st.composite
def floats_block(draw, n, d, style, elements=FINITE):
    """An (n, d) float array.

    ``"arrays"``: Hypothesis's own (many repeated values, constant columns, zeros,
    bounds); ``"unique"``: the same without repeated values; ``"general"``: Gaussian
    columns at scales 1e-3 to 1e3, in general position (no ties); ``"ties"``: general
    data rounded to a few digits, with duplicated rows and possibly a constant column;
    ``"atoms"``: general data with point masses (a ReLU's zeros, and a second atom at a
    random value per column: no two distinct distances tie, as evenly spaced atoms
    would make them); ``"grid"``: integers times 2**-k below 2**12, so that offsets on
    the same grid are exact.
    """
    if style in ("arrays", "unique"):
        return draw(hnp.arrays(np.float64, (n, d), elements=elements,
                               unique=style == "unique"))
    rng = _seeded(draw)
    if style == "grid":
        return rng.integers(-(2**12), 2**12, size=(n, d)) * 2.0**-draw(st.integers(0, 10))
    A = rng.standard_normal((n, d)) * 10.0 ** rng.integers(-3, 4, size=d)
    if style == "ties":
        A = np.round(A / np.abs(A).max(axis=0), draw(st.integers(0, 2)))
        dup = rng.integers(0, n, size=n // 4)
        A[rng.integers(0, n, size=dup.size)] = A[dup]
        if draw(st.booleans()):
            A[:, rng.integers(0, d)] = draw(FINITE)
    elif style == "atoms":
        second = rng.standard_normal(d) * np.std(A, axis=0)
        A = np.where(rng.random((n, d)) < 0.15, second, A)
        A[rng.random((n, d)) < 0.3] = 0.0
    return A


@st.composite
def int_block(draw, n, d, low=-3, high=3):
    if draw(st.booleans()):
        return draw(hnp.arrays(np.int64, (n, d), elements=st.integers(low, high)))
    return _seeded(draw).integers(low, high + 1, size=(n, d))


@st.composite
def problems(draw, case, *, n=SMALL_N, style=None, elements=FINITE, two_d_y=False):
    """``(X, y)`` for ``case`` (``y`` None for an entropy estimator), ``y`` related to
    ``X`` for the seeded styles. ``style``: a style of :func:`floats_block` or a
    strategy of them (default: any of them)."""
    n = draw(n) if isinstance(n, st.SearchStrategy) else n
    style = style if style is not None else st.sampled_from(case.styles)
    style = draw(style) if isinstance(style, st.SearchStrategy) else style
    dx = draw(st.integers(1, 3))
    if case.x == "int":
        X = draw(int_block(n, dx))
    else:
        X = draw(floats_block(n, dx, style, elements))
    if case.y is None:
        return X, None
    if case.y == "labels":
        if case.x == "int" or style == "arrays" or draw(st.booleans()):
            y = draw(int_block(n, 1, 0, 4))[:, 0]
        else:  # classes shifting X (by whole numbers on the grid: still exact)
            y = _seeded(draw).integers(0, 4, size=n)
            shift = np.std(X, axis=0)
            X = X + y[:, None] * (np.ceil(shift) if style == "grid" else shift)
        return X, y
    dy = draw(st.integers(1, 2))
    if style in ("general", "atoms") or (style != "arrays" and draw(st.booleans())):
        rng = _seeded(draw)
        W = rng.standard_normal((dx, dy))
        scale = np.std(X, axis=0)
        y = (X / np.where(scale > 0, scale, 1.0)) @ W + rng.standard_normal((n, dy))
        y = y * 10.0 ** rng.integers(-3, 4, size=dy)
        if style == "atoms":
            y[rng.random((n, dy)) < 0.3] = 0.0
        elif style == "ties":
            y = np.round(y / np.abs(y).max(axis=0), 1)
        elif style == "grid":
            y = np.round(y * 2**8) * 2.0**-8
    else:
        y = draw(floats_block(n, dy, style, elements))
    if dy == 1 and not two_d_y and draw(st.booleans()):
        y = y[:, 0]
    return X, y


# ------------------------------------------------------------------------ helpers
def value_of(est) -> float:
    return est.entropy_ if isinstance(est, EntropyEstimator) else est.mi_


def fit_value(est, X, y):
    """``est.fit(X, y)``'s estimate, or the ValueError / TypeError it raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            est.fit(X) if y is None else est.fit(X, y)
        except (ValueError, TypeError) as exc:
            return exc
    return value_of(est)


def score_value(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.score(X) if y is None else est.score(X, y)


def assert_close(a, b, tol, what=""):
    """Both the same exception type, or both numbers within ``tol`` (relative above 1;
    ``tol=0``: bit-identical)."""
    note(f"{what}: {a!r} vs {b!r}")
    if isinstance(a, Exception) or isinstance(b, Exception):
        event("compared: both raised" if type(a) is type(b) else "compared: one raised")
        assert type(a) is type(b), f"{what}: {a!r} vs {b!r}"
        return
    event("compared: two estimates")
    if tol == 0:
        assert a == b, f"{what}: {a!r} != {b!r} (diff {a - b:.3g})"
    else:
        assert abs(a - b) <= tol * max(1.0, abs(a), abs(b)), (
            f"{what}: {a!r} vs {b!r} (diff {a - b:.3g}, tol {tol:g})")


def well_conditioned(*blocks) -> bool:
    """Whether the correlation matrix of the columns is far from singular."""
    A = np.column_stack([np.asarray(b, dtype=np.float64).reshape(len(b), -1)
                         for b in blocks])
    with np.errstate(all="ignore"):
        A = A - A.mean(axis=0)
        s = np.sqrt((A * A).mean(axis=0))
        if not np.all(np.isfinite(s)) or np.any(s == 0):
            return False
        C = np.corrcoef(A / s, rowvar=False)
        return bool(np.all(np.isfinite(C)) and np.linalg.cond(np.atleast_2d(C)) < COND_MAX)


def _readonly(a):
    if a is None:
        return None
    a.setflags(write=False)
    return a


def layout(a, how):
    """``a`` as a C-ordered, Fortran-ordered or strided (non-contiguous) array."""
    if a is None:
        return None
    if how == "F":
        return np.asfortranarray(a)
    if how == "strided":
        big = np.repeat(a, 2, axis=0)
        return big[::2]
    return np.ascontiguousarray(a)


# ------------------------------------------------------------------------ contract
@pytest.mark.parametrize("case", params("test_inputs_never_modified"))
def test_inputs_never_modified(case):
    """Fitting and scoring leave X and y as they were (values, dtype, shape, flags),
    and read-only, Fortran-ordered and strided arrays are accepted."""

    def prop(drawn):
        (X, y), how = drawn
        X, y = _readonly(layout(X, how)), _readonly(layout(y, how))
        before = [None if a is None else (a.copy(), a.dtype, a.shape, a.strides)
                  for a in (X, y)]
        est = case()
        got = fit_value(est, X, y)
        if not isinstance(got, Exception):
            score_value(est, X, y)
        for a, b in zip((X, y), before):
            if a is None:
                continue
            assert not a.flags.writeable
            assert (a.dtype, a.shape, a.strides) == b[1:]
            np.testing.assert_array_equal(a, b[0])

    run(st.tuples(problems(case), st.sampled_from(["C", "F", "strided"])),
        examples(case, 0.6), prop)


def _finite_or_clear_error(case, X, y):
    est = case()
    got = fit_value(est, X, y)
    if isinstance(got, Exception):
        note(f"error: {got!r}")
        event(f"raised {type(got).__name__}")
        # a LinAlgError is a ValueError, but one that says nothing about the data
        assert not isinstance(got, np.linalg.LinAlgError), got
        assert str(got), "an error without a message"
        return
    event("estimate")
    assert isinstance(got, float) and math.isfinite(got), got
    again = score_value(est, X, y)
    assert isinstance(again, float) and math.isfinite(again), again


@pytest.mark.parametrize("case", params("test_finite_result_or_clear_error"))
def test_finite_result_or_clear_error(case):
    """Any finite input of bounded magnitude (constant columns, repeated rows, n from 1
    to just above k) gives a finite float or a ValueError / TypeError."""
    n = st.one_of(st.integers(1, 12), SMALL_N)
    run(problems(case, n=n), examples(case), lambda p: _finite_or_clear_error(case, *p))


@st.composite
def extreme_problems(draw, case):
    """``(X, y)`` at extreme magnitudes: Hypothesis's arrays of any finite float
    (subnormals to +-1.8e308); seeded data times 10**p, |p| <= 300; seeded data with
    some columns constant at, or shifted by, any finite float (which at 1e300 makes
    the column constant but for a few units in the last place); integer symbols near
    +-2**62."""
    kind = draw(st.sampled_from(["arrays", "scaled", "constant", "shifted"]))
    if kind == "arrays":
        return draw(problems(case, style="arrays", elements=EXTREME))
    X, y = draw(problems(case, style=st.sampled_from(["general", "ties", "atoms"])))

    def move(A):
        A = np.array(A, dtype=np.float64)
        with np.errstate(all="ignore"):
            if kind == "scaled":
                return A * 10.0 ** draw(st.integers(-300, 300))
            cols = A.reshape(len(A), -1)
            for j in range(cols.shape[1]):
                if j == 0 or draw(st.booleans()):
                    v = draw(EXTREME)
                    cols[:, j] = v if kind == "constant" else cols[:, j] + v
            return cols.reshape(A.shape)

    if case.x == "float":
        X = move(X)
    else:
        X = X + draw(st.integers(-(2**62), 2**62))
    if case.y == "float" and draw(st.booleans()):
        y = move(y)
    assume(np.all(np.isfinite(X)) and (y is None or np.all(np.isfinite(y))))
    return X, y


def constant_examples(case):
    """Explicit examples: X constant at 1e308 (n = 2: the sum of the column overflows)
    and at 1e300 (n = 7: its mean rounds to another float), y 0, 1, 0, 1, ..."""
    out = []
    for n, v in ((2, 1e308), (7, 1e300)):
        X = (np.full((n, 1), 2**62, dtype=np.int64) if case.x == "int"
             else np.full((n, 1), v))
        y = {"labels": np.arange(n) % 2, "float": (np.arange(n) % 2).astype(np.float64),
             None: None}[case.y]
        out.append((X, y))
    return out


@pytest.mark.parametrize("case", params("test_finite_result_or_clear_error_extreme_magnitudes"))
def test_finite_result_or_clear_error_extreme_magnitudes(case):
    """As above at extreme magnitudes (:func:`extreme_problems`)."""
    explicit = constant_examples(case)
    if case.name == "AutoMI":
        explicit.append(_auto_overflow_example())
    if case.name == "VInformation-regression":
        spike = np.full((6, 1), 1e-143)
        spike[0] = 1.0
        explicit += [(np.zeros((10, 1)), np.full((10, 2), 1e-143)), (np.zeros((6, 1)), spike)]
    run(extreme_problems(case), examples(case),
        lambda p: _finite_or_clear_error(case, *p), explicit)


#: Estimators whose estimate for a constant X is exactly 0 (up to rounding): one bin
#: or one symbol (plug-in and Miller-Madow; NSB over a one-symbol alphabet), every
#: kernel on the same centre ("its information is 0 at every noise level"), or the
#: constant column dropped ("a side with no other column has MI 0").
#: (Not KDEMI with n_queries: its mean over a random subset of the rows is an unbiased
#: estimate of 0 for a constant layer, not 0.)
CONSTANT_ZERO = ["KSG-plugin", "BinningMI-minmax", "BinningMI-quantile", "BinningMI-fixed",
                 "BinningMI-width", "DiscreteMI", "DiscreteMI-mm", "DiscreteMI-nsb", "KDEMI",
                 "KDEMI-lower-relative", "SamplePropagationMI", "GaussianMI-drop",
                 "GaussianCopulaMI-labels", "PluginEntropy", "PluginEntropy-nsb",
                 "MixtureEntropy-upper"]


@pytest.mark.parametrize("case", params("test_constant_x_carries_no_information",
                                        CONSTANT_ZERO))
def test_constant_x_carries_no_information(case):
    """A constant X, at any magnitude: I(X; y) = 0 (the entropy of one symbol is 0, and
    that of the mixture of identical Gaussians N(v, 0.1 I) is d/2 log(2 pi e 0.1))."""

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case))
        if case.x == "int":
            v = draw(st.integers(-(2**63), 2**63 - 1))
            return np.full(X.shape, v, dtype=np.int64), y
        return np.full(X.shape, draw(EXTREME)), y

    def prop(problem):
        X, y = problem
        got = fit_value(case(), X, y)
        expected = 0.0
        if case.name.startswith("MixtureEntropy"):
            expected = X.shape[1] / 2 * math.log(2 * math.pi * math.e * 0.1)
        if isinstance(got, ValueError) and "needs at least" in str(got):
            return  # too few rows for the estimator: its own clear error
        assert not isinstance(got, Exception), got
        assert_close(got, expected, EXACT, f"constant X = {X[0, 0]!r}")

    run(drawn(), examples(case, 0.6), prop, constant_examples(case))


@pytest.mark.parametrize("case", params("test_clone_and_pickle_round_trips"))
def test_clone_and_pickle_round_trips(case):
    """``clone`` keeps the parameters and drops the fit; a pickled fitted estimator has
    the same estimate and the same ``score``."""

    def prop(problem):
        X, y = problem
        est = case()
        copy = clone(est)
        assert copy is not est
        assert repr(copy.get_params()) == repr(est.get_params())
        got = fit_value(est, X, y)
        assume(not isinstance(got, Exception))
        back = pickle.loads(pickle.dumps(est))
        assert type(back) is type(est)
        assert value_of(back) == got
        assert score_value(back, X, y) == score_value(est, X, y)
        fresh = clone(est)
        assert not hasattr(fresh, "mi_") and not hasattr(fresh, "entropy_")
        assert repr(fresh.get_params()) == repr(est.get_params())

    run(problems(case, style=st.sampled_from(["general", "ties", "atoms", "grid"])),
        examples(case, 0.6), prop)


@pytest.mark.parametrize("case", params("test_deterministic_under_random_state"))
def test_deterministic_under_random_state(case):
    """Two fits with the same ``random_state`` (or none to set) give the same estimate,
    bit for bit; ``score`` on the training data repeats ``mi_`` where it re-estimates."""
    seeded = "random_state" in case.params

    @st.composite
    def drawn(draw):
        seed = draw(st.integers(0, 2**31 - 1)) if seeded else None
        return draw(problems(case)), seed

    def prop(args):
        (X, y), seed = args
        over = {"random_state": seed} if seeded else {}
        first, second = case(**over), case(**over)
        a, b = fit_value(first, X, y), fit_value(second, X, y)
        assert_close(a, b, 0, "two fits")
        if isinstance(a, Exception):
            return
        if case.rescore:
            assert_close(score_value(first, X, y), a, 0, "score on the training data")

    run(drawn(), examples(case, 0.6), prop)


THREADED = ["KSG", "KSG-variant2", "KSG-ross", "MixedKSG", "KLEntropy", "BinningMI-minmax",
            "BinningMI-quantile", "AutoMI"]
THREADED_SMALL = ["KDEMI", "KDEMI-lower-relative-queries", "SamplePropagationMI",
                  "MixtureEntropy", "MixtureEntropy-upper", "ClassifierMI",
                  "VInformation-classification", "VInformation-regression"]


@pytest.mark.parametrize("case", params("test_n_jobs_does_not_change_the_estimate",
                                        THREADED + THREADED_SMALL))
def test_n_jobs_does_not_change_the_estimate(case):
    """``n_jobs=1`` and ``n_jobs=2`` give the same estimate, bit for bit. The Numba
    k-NN and binning kernels run serially below 2000 rows, so those get 2000-2300;
    the kernel-density kernels and joblib folds use the threads at any size."""
    big = case.name in THREADED
    n = THREADED_N if big else SMALL_N
    style = st.sampled_from(["general", "ties", "atoms"] if big else case.styles)

    # AutoMI's InfoNCE candidate (torch, d_x + d_y > 4 and n >= 2000) trains for
    # minutes; its torch threads are not what this checks
    over = dict(neural=False) if case.name == "AutoMI" else {}

    def prop(problem):
        X, y = problem
        # ClassifierMI and VInformation fit their folds through joblib: threads
        # rather than (the default) worker processes, whose start costs seconds; the
        # folds are split among the workers the same way
        with joblib.parallel_config(backend="threading"):
            assert_close(fit_value(case(n_jobs=1, **over), X, y),
                         fit_value(case(n_jobs=2, **over), X, y), 0, "n_jobs=1 vs 2")

    run(problems(case, n=n, style=style), examples(case, 0.3 if big else 0.5), prop)


# ------------------------------------------------------------------------ invariances
def _permuted(draw, X, y):
    perm = np.asarray(draw(st.permutations(range(X.shape[0]))))
    return X[perm], None if y is None else y[perm]


#: (case, parameters, data styles, tolerance). KSG with noise=0 and
#: standardize=False: the k-th neighbour distance and the counts strictly within it
#: depend only on the multiset of rows (KSG-1, Ross), so any data, ties included;
#: with standardisation or noise, data in general position (the centring rounds
#: differently in another row order, and the noise goes to other rows).
PERMUTATION = [
    ("KSG", dict(noise=0.0, standardize=False), ["arrays", "general", "ties", "grid"], EXACT),
    ("KSG", {}, ["general"], EXACT),
    ("KSG-variant2", dict(noise=0.0, standardize=False), ["general"], EXACT),
    ("KSG-ross", dict(noise=0.0, standardize=False), ["arrays", "ties", "grid"], EXACT),
    ("KSG-ross", {}, ["general"], EXACT),
    ("KSG-plugin", {}, None, EXACT),
    ("MixedKSG", dict(standardize=False), ["arrays", "general", "ties", "atoms", "grid"],
     EXACT),
    ("MixedKSG", {}, ["general", "atoms"], EXACT),
    ("KLEntropy", {}, None, EXACT),
    ("KLEntropy-euclidean", {}, None, EXACT),
    ("BinningMI-minmax", {}, None, EXACT),
    ("BinningMI-quantile", {}, None, EXACT),
    ("BinningMI-fixed", {}, None, EXACT),
    ("BinningMI-width", {}, None, EXACT),
    ("BinningMI-nsb", {}, None, EXACT),
    ("DiscreteMI", {}, None, EXACT),
    ("DiscreteMI-mm", {}, None, EXACT),
    ("DiscreteMI-nsb", {}, None, EXACT),
    ("PluginEntropy", {}, None, EXACT),
    ("PluginEntropy-nsb", {}, None, EXACT),
    ("KDEMI", {}, None, ROUNDING),
    ("MixtureEntropy-upper", {}, None, ROUNDING),
    ("GaussianMI", {}, ["general", "atoms"], ROUNDING),
    ("GaussianCopulaMI", {}, ["general", "ties", "atoms"], ROUNDING),
    ("GaussianCopulaMI-labels", {}, ["general", "atoms"], ROUNDING),
]
# Not AutoMI: its KSG candidate runs on normal scores, a fixed set of values shared by
# every column, whose distances tie exactly (ndtri is odd), so the tie-breaking noise,
# which follows the rows, decides counts (0.0007 nats seen for a permutation).


def _pid(entry):
    name, params, _, _ = entry
    return name + "".join(f"-{k}={v}" for k, v in params.items())


def _gaussian(case):
    return case.name.startswith(("Gaussian", "AutoMI"))


@pytest.mark.parametrize("entry", PERMUTATION, ids=[_pid(e) for e in PERMUTATION])
def test_row_permutation_invariance(entry):
    name, params, styles, tol = entry
    case = BY_NAME[name]

    @st.composite
    def drawn(draw):
        style = st.sampled_from(styles) if styles else None
        X, y = draw(problems(case, style=style))
        return X, y, *_permuted(draw, X, y)

    def prop(args):
        X, y, Xp, yp = args
        if _gaussian(case):
            assume(well_conditioned(X) and (case.y != "float" or well_conditioned(X, y)))
        assert_close(fit_value(case(**params), X, y), fit_value(case(**params), Xp, yp),
                     tol, "rows permuted")

    run(drawn(), examples(case, 0.6), prop)


#: (case, parameters, data styles, tolerance) for I(X; y) = I(y; X). KSG without noise:
#: each column is prepared on its own, so the swap only reorders the joint space's
#: columns (the same max-norm distances, the two counts exchanged); with noise, X
#: gets the first draws, so the swap gives the ties other noise: general position.
SYMMETRY = [
    ("KSG", dict(noise=0.0), ["arrays", "general", "ties", "grid"], EXACT),
    ("KSG", {}, ["general"], EXACT),
    ("KSG-variant2", dict(noise=0.0), ["general", "grid"], EXACT),
    ("KSG-variant2", {}, ["general"], EXACT),
    ("KSG-ross", {}, None, 0),  # the same call: continuous side first, labels second
    ("KSG-plugin", {}, None, EXACT),
    ("MixedKSG", {}, None, EXACT),
    ("BinningMI-minmax", {}, None, EXACT),
    ("BinningMI-minmax", dict(correction="miller-madow"), None, EXACT),
    ("BinningMI-quantile-continuous", {}, None, EXACT),
    ("BinningMI-width", {}, None, EXACT),
    ("DiscreteMI", {}, None, EXACT),
    ("DiscreteMI-mm", {}, None, EXACT),
    ("GaussianMI", {}, ["general", "atoms"], ROUNDING),
    ("GaussianCopulaMI", {}, ["general", "ties", "atoms"], ROUNDING),
]


@pytest.mark.parametrize("entry", SYMMETRY, ids=[_pid(e) for e in SYMMETRY])
def test_symmetry(entry):
    name, params, styles, tol = entry
    case = BY_NAME[name]

    def prop(problem):
        X, y = problem
        if case.y == "labels":
            y = y.reshape(-1, 1)
        else:
            y = y.reshape(len(y), -1)
        if _gaussian(case):
            assume(well_conditioned(X, y))
        assert_close(fit_value(case(**params), X, y), fit_value(case(**params), y, X),
                     tol, "sides swapped")

    style = st.sampled_from(styles) if styles else None
    run(problems(case, style=style, two_d_y=True), examples(case, 0.6), prop)


def _positive_scales(draw, d):
    return np.array([10.0 ** draw(st.floats(-3, 3)) for _ in range(d)])


def _tied(seed, n=100):
    """Integer-valued (rounded Gaussian) X, y and labels: many exact ties."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, 2)))
    y = np.round(X[:, :1] + rng.standard_normal((n, 1)))
    return X, y, rng.integers(0, 3, n)


_TIED_SCALE = (
    "KSG's docstring: 'the estimate does not change when a column is multiplied by "
    "anything from 1e-310 to 1e300'. Not so on tied data: the tie-breaking noise "
    "(1e-10) is added to standardised values of order 1, so float64 keeps only ~6 "
    "digits of it, and a non-power-of-two factor moves the standardised tied values by "
    "a few ulps (rounded mean and std), which reorders the noisy distances. Minimal: "
    "X, y, labels = rounded Gaussians (tests/test_properties.py::_tied); ")
SCALE_BUGS = {
    "KSG": _TIED_SCALE + "X, y, _ = _tied(264): KSG(random_state=0).fit(X, y).mi_ "
    "0.201920 but .fit(X * [3, 1], y) 0.202635.",
    "KSG-variant2": _TIED_SCALE + "X, y, _ = _tied(0): KSG(variant=2, random_state=0) "
    "gives 0.234491 on (X, y), 0.233722 on (X * [3, 1], y).",
    "KSG-ross": _TIED_SCALE + "X, _, labels = _tied(0): KSG(random_state=0) gives "
    "0.0483211 on (X, labels), 0.0482570 on (X * [3, 1], labels).",
}


def _tied_example(name):
    X, y, labels = _tied(264 if name == "KSG" else 0)
    if name == "KSG-ross":
        return X, labels, np.array([3.0, 1.0]), None
    return X, y, np.array([3.0, 1.0]), np.array([1.0])


#: Positive per-column scale factors in [1e-3, 1e3] (values rounded: ROUNDING) on data
#: in general position, which keeps distances away from the thresholds. Tied data
#: (KSG's noise decides the ties) are a known bug (SCALE_BUGS); MixedKSG has no noise:
#: exact ties between distinct distances would be broken either way by the rounding.
SCALE = [
    pytest.param(("KSG", ["general"], ()), id="KSG"),
    pytest.param(("KSG-variant2", ["general"], ()), id="KSG-variant2"),
    pytest.param(("KSG-ross", ["general"], ()), id="KSG-ross"),
    *[pytest.param((name, ["arrays", "ties", "grid"], (_tied_example(name),)),
                   id=f"{name}-tied-data",
                   marks=pytest.mark.xfail(strict=True, reason=SCALE_BUGS[name]))
      for name in ("KSG", "KSG-variant2", "KSG-ross")],
    pytest.param(("MixedKSG", ["general", "atoms"], ()), id="MixedKSG"),
    pytest.param(("GaussianMI", ["general", "atoms"], ()), id="GaussianMI"),
    pytest.param(("GaussianCopulaMI-labels", ["general", "atoms"], ()),
                 id="GaussianCopulaMI-labels"),
]


@pytest.mark.parametrize("entry", SCALE)
def test_per_column_scale_invariance(entry):
    """Each column times its own factor in [1e-3, 1e3]: the same estimate (ROUNDING)."""
    name, styles, explicit = entry
    case = BY_NAME[name]

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case, style=st.sampled_from(styles)))
        a = _positive_scales(draw, X.shape[1])
        b = (None if case.y != "float"
             else _positive_scales(draw, y.reshape(len(y), -1).shape[1]))
        return X, y, a, b

    def prop(args):
        X, y, a, b = args
        if _gaussian(case):
            assume(well_conditioned(X) and (case.y != "float" or well_conditioned(X, y)))
        Xs = X * a
        ys = y if b is None else (y.reshape(len(y), -1) * b).reshape(y.shape)
        assert_close(fit_value(case(), X, y), fit_value(case(), Xs, ys), ROUNDING,
                     "columns scaled")

    run(drawn(), examples(case, 0.6), prop, explicit)


#: Offsets on the grid of the data (integers times 2**-k, |x| < 2**12): x + c is exact,
#: and the k-NN preprocessing centres about the first row and scales by a power of
#: two, so the prepared data, and the estimate, are bit-identical. The Gaussian MI
#: centres by the rounded mean: ROUNDING.
OFFSET = [
    ("KSG", 0),
    ("KSG-variant2", 0),
    ("KSG-ross", 0),
    ("MixedKSG", 0),
    ("GaussianCopulaMI", 0),
    ("GaussianMI", ROUNDING),
    ("KLEntropy", ROUNDING),
    ("KDEMI", ROUNDING),
]


@pytest.mark.parametrize("entry", OFFSET, ids=[e[0] for e in OFFSET])
def test_exact_offset_invariance(entry):
    name, tol = entry
    case = BY_NAME[name]

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case, style="grid"))
        shift = st.integers(-(2**30), 2**30).map(lambda i: i * 2.0**-10)
        c = np.array([draw(shift) for _ in range(X.shape[1])])
        return X, y, c

    def prop(args):
        X, y, c = args
        if _gaussian(case):
            assume(well_conditioned(X) and (case.y != "float" or well_conditioned(X, y)))
        Xc = X + c
        assert np.array_equal(Xc - c, X)  # exact
        assert_close(fit_value(case(), X, y), fit_value(case(), Xc, y), tol, "offset")

    run(drawn(), examples(case, 0.6), prop)


#: (case, data styles): x -> a x + c per column, a in [1e-3, 1e3], |c| up to 1e3 times
#: the column's spread (each value rounded twice: ROUNDING), data in general position.
#: Not tied data: rounding after an offset of 1e3 spreads is ~1e-13 of the spread,
#: within a factor 1000 of KSG's tie-breaking noise (1e-10), and with many ties some
#: noise difference is that small (KSG-2 moved by 0.0007 nats on 1-decimal data).
AFFINE = [
    ("KSG", ["general"]),
    ("KSG-variant2", ["general"]),
    ("MixedKSG", ["general", "atoms"]),
    ("GaussianMI", ["general", "atoms"]),
    ("GaussianCopulaMI", ["general", "atoms"]),
]


@pytest.mark.parametrize("entry", AFFINE, ids=[e[0] for e in AFFINE])
def test_affine_invariance(entry):
    name, styles = entry
    case = BY_NAME[name]

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case, style=st.sampled_from(styles), two_d_y=True))
        maps = []
        for A in (X, y):
            a = _positive_scales(draw, A.shape[1])
            c = np.array([draw(st.floats(-1e3, 1e3)) for _ in range(A.shape[1])])
            maps.append((a, c * np.std(A, axis=0)))
        return X, y, maps

    def prop(args):
        X, y, ((a, c), (b, d)) = args
        if _gaussian(case):
            assume(well_conditioned(X, y))
        assert_close(fit_value(case(), X, y), fit_value(case(), a * X + c, b * y + d),
                     ROUNDING, "affine maps")

    run(drawn(), examples(case, 0.6), prop)


def _power_of_two(draw, *arrays):
    """A power of two (itself a normal float) that keeps every non-zero value of the
    arrays normal and finite, so that multiplying by it is exact."""
    mags = np.concatenate([np.abs(np.asarray(a, dtype=np.float64)).ravel()
                           for a in arrays if a is not None])
    mags = mags[mags > 0]
    if mags.size == 0:
        return 2.0 ** draw(st.integers(-60, 60))
    lo = -1021 - math.floor(math.log2(mags.min()))  # min * 2**lo >= 2**-1021
    hi = 1022 - math.ceil(math.log2(mags.max()))  # max * 2**hi <= 2**1022
    lo, hi = max(lo, -1022), min(hi, 1023)  # the factor itself a normal float
    assume(lo <= hi)
    return math.ldexp(1.0, draw(st.integers(lo, hi)))


#: Multiplying every column by one power of two is exact (normal range), and each of
#: these estimators scales its data by powers of two (k-NN preprocessing, Gaussian
#: unit columns, minmax / quantile bins, relative kernel noise), so the estimates are
#: bit-identical over the whole float range. KLEntropy moves by d log 2**k exactly in
#: the distances, up to rounding of d log 2**k itself.
POWERS_OF_TWO = ["KSG", "KSG-variant2", "KSG-ross", "MixedKSG", "GaussianMI",
                 "GaussianCopulaMI", "BinningMI-minmax", "BinningMI-quantile",
                 "KDEMI-lower-relative-queries", "KLEntropy", "KLEntropy-euclidean"]


@pytest.mark.parametrize("case", params("test_power_of_two_scale_over_the_float_range",
                                        POWERS_OF_TWO))
def test_power_of_two_scale_over_the_float_range(case):
    """X (and a continuous y) times 2**k, anywhere from subnormal-adjacent to near the
    largest float: the same estimate, bit for bit (entropy: plus d k log 2)."""

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case))
        scale_y = case.y == "float" and draw(st.booleans())
        f = _power_of_two(draw, X, y if scale_y else None)
        return X, y, f, scale_y

    def prop(args):
        X, y, f, scale_y = args
        base = fit_value(case(), X, y)
        got = fit_value(case(), X * f, y * f if scale_y else y)
        if case.y is None and not isinstance(base, Exception) and not isinstance(
                got, Exception):
            shift = X.shape[1] * math.log(f)
            assert_close(got - shift, base, ROUNDING, f"h({f:g} X) - d log {f:g}")
        else:
            assert_close(base, got, 0, f"X times {f:g}")

    run(drawn(), examples(case, 0.6), prop)


BINNING_SCALE = ["BinningMI-minmax", "BinningMI-quantile-continuous"]


@pytest.mark.parametrize("case", params("test_binning_common_scale", BINNING_SCALE))
def test_binning_common_scale(case):
    """X (and y) times one factor in [1e-3, 1e3]: the same bins, so the same estimate,
    bit for bit, on data in general position ("minmax and quantile do not depend on the
    data's scale"); for quantile bins when n_bins does not divide n - 1 (see the known
    bug of test_strictly_increasing_maps). Not for values exactly on an edge, which the
    rounding of the product may put on either side of it, a discontinuity of binning
    itself: x = [[0], [15], [3]] has 3 on the minmax edge 3, and 0.3 x has 0.8999999999999999
    below its edge 0.9."""

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case, style="general"))
        return X, y, 10.0 ** draw(st.floats(-3, 3)), draw(st.booleans())

    def prop(args):
        X, y, a, scale_y = args
        if case.params.get("strategy") == "quantile":
            assume((len(X) - 1) % case.params["n_bins"] != 0)
        got = fit_value(case(), X * a, y * a if scale_y else y)
        assert_close(fit_value(case(), X, y), got, 0, f"times {a:g}")

    run(drawn(), examples(case, 0.6), prop)


def _increasing_maps(draw, A):
    """Each column of ``A`` through a strictly increasing map drawn per column; only
    kept if the map kept the order and the ties of the column in float64."""
    out = np.empty_like(A, dtype=np.float64)
    for j in range(A.shape[1]):
        col = A[:, j]
        s = float(np.std(col)) or 1.0
        kind = draw(st.sampled_from(["affine", "cube", "arcsinh", "exp", "tanh", "rank"]))
        with np.errstate(all="ignore"):
            if kind == "affine":
                m = 10.0 ** draw(st.floats(-3, 3)) * col + draw(st.floats(-1e3, 1e3))
            elif kind == "cube":
                m = (col / s) ** 3
            elif kind == "arcsinh":
                m = np.arcsinh(col / s * 10.0 ** draw(st.floats(-2, 2)))
            elif kind == "exp":
                m = np.exp(col / s)
            elif kind == "tanh":
                m = np.tanh(col / s / 3)
            else:
                m = np.unique(col, return_inverse=True)[1].reshape(-1).astype(np.float64)
        same_ranks = np.unique(col, return_inverse=True)[1].reshape(-1)
        assume(np.all(np.isfinite(m)))
        assume(np.array_equal(np.unique(m, return_inverse=True)[1].reshape(-1), same_ranks))
        out[:, j] = m
    return out


def _separated(A) -> bool:
    """Distinct values of each column at least 1e-9 relative apart (np.quantile's
    interpolated edges then fall strictly between them, not onto one by rounding)."""
    for j in range(A.shape[1]):
        u = np.unique(A[:, j])
        if u.size > 1:
            gap = np.diff(u) / np.maximum(np.abs(u[1:]), np.abs(u[:-1]))
            if gap.min() < 1e-9:
                return False
    return True


#: Quantile edges sit at the virtual index i (n - 1) / n_bins; where that is a whole
#: number the edge must be the data point of that rank exactly. np.quantile computed the
#: index from the rounded i / n_bins (5 * 0.6000000000000001 = 3.0000000000000004), so
#: the edge landed on the point or an ulp above it depending on the gap to the next
#: value, and the point's bin with it (BinningMI gave 0.462 on _EDGE_X, 0.231 on
#: _EDGE_X ** 3, 10 * _EDGE_X or _EDGE_X + 0.1). Fixed; the example stays explicit.
_EDGE_X = np.array([[0.0], [1.0], [2.0], [3.0], [3.5], [5.0]])
_EDGE_Y = np.array([0, 1, 0, 1, 0, 1])
MONOTONE = ["GaussianCopulaMI", "GaussianCopulaMI-labels", "BinningMI-quantile",
            "BinningMI-quantile-continuous"]


@pytest.mark.parametrize("case", params("test_strictly_increasing_maps", MONOTONE))
def test_strictly_increasing_maps(case):
    """Rank-based estimates (Gaussian copula: normal scores of the ranks) and quantile
    bins (equal-mass bins per column) do not see strictly increasing maps of a column:
    bit-identical for the copula; for quantile bins on values at least 1e-9 apart (so
    that an interpolated edge falls strictly between two of them), including where
    n_bins divides n - 1 and edges sit on data points (explicit examples)."""

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case, two_d_y=True))
        Xm = _increasing_maps(draw, X)
        ym = y if case.y != "float" else _increasing_maps(draw, y)
        return X, y, Xm, ym

    def prop(args):
        X, y, Xm, ym = args
        if case.name.startswith("BinningMI"):
            assume(_separated(X) and _separated(Xm))
            if case.y == "float":
                assume(_separated(y) and _separated(ym))
        assert_close(fit_value(case(), X, y), fit_value(case(), Xm, ym), 0,
                     "increasing maps")

    explicit = []
    if case.name == "BinningMI-quantile":
        explicit = [(_EDGE_X, _EDGE_Y, m, _EDGE_Y) for m in (_EDGE_X**3, 10 * _EDGE_X)]
    elif case.name == "BinningMI-quantile-continuous":
        y = _EDGE_X[::-1] + 0.25
        explicit = [(_EDGE_X, y, m, y**3) for m in (_EDGE_X**3, 10 * _EDGE_X)]
    run(drawn(), examples(case, 0.6), prop, explicit)


RELABEL = ["DiscreteMI", "DiscreteMI-mm", "DiscreteMI-nsb", "PluginEntropy",
           "PluginEntropy-nsb", "KSG-plugin", "KSG-ross", "BinningMI-quantile", "KDEMI",
           "GaussianCopulaMI-labels"]


@pytest.mark.parametrize("case", params("test_relabelling_symbols", RELABEL))
def test_relabelling_symbols(case):
    """A bijective relabelling of the symbols (integer values permuted and shifted, or
    turned into strings where the estimator takes them) does not change a plug-in or
    label-conditioned estimate. Within EXACT: the classes may be visited in another
    order."""

    @st.composite
    def drawn(draw):
        X, y = draw(problems(case))
        target = "X" if case.x == "int" and (case.y is None or draw(st.booleans())) else "y"
        values = np.unique(X if target == "X" else y)
        new = np.asarray(draw(st.permutations(range(values.size)))) * 7 - 1000
        as_str = target == "y" and draw(st.booleans())
        return X, y, target, values, new, as_str

    def prop(args):
        X, y, target, values, new, as_str = args
        remap = np.asarray(new)[np.searchsorted(values, X if target == "X" else y)]
        if as_str:
            remap = np.char.add("c", remap.astype(str))
        X2, y2 = (remap, y) if target == "X" else (X, remap)
        assert_close(fit_value(case(), X, y), fit_value(case(), X2, y2), EXACT,
                     f"{target} relabelled")

    run(drawn(), examples(case, 0.6), prop)


ALGORITHMS = ["KSG", "KSG-variant2", "KSG-ross", "MixedKSG", "KLEntropy",
              "KLEntropy-euclidean"]


@pytest.mark.parametrize("case", params("test_neighbour_search_paths_agree", ALGORITHMS))
def test_neighbour_search_paths_agree(case):
    """"Every path finds the same neighbours and counts, so the estimate does not
    depend on it" (KSG's ``algorithm``): the trees and brute force agree bit for bit
    (with the same tie-breaking noise)."""

    def prop(problem):
        X, y = problem
        assert_close(fit_value(case(algorithm="tree"), X, y),
                     fit_value(case(algorithm="brute"), X, y), 0, "tree vs brute")

    run(problems(case), examples(case, 0.6), prop)
