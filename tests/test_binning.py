"""BinningMI, DiscreteMI, PluginEntropy and the binning kernels."""

from itertools import product

import numpy as np
import pytest
from scipy import integrate
from scipy.special import digamma, gammaln, ndtr, polygamma
from sklearn.utils.estimator_checks import parametrize_with_checks

import skmi
from skmi import BinningMI, DiscreteMI, PluginEntropy
from skmi._kernels import binning as kb
from skmi._kernels import reference as ref
from skmi.binning import bin_symbols, entropy_from_counts, value_symbols

LN2 = np.log(2.0)
CUBE = np.array(list(product([0.0, 1.0], repeat=12)))  # 4096 patterns, H = 12 bits


# ------------------------------------------------------------------------- kernels
def _data_with_ties(rng, n=3000, d=4):
    X = rng.uniform(-1, 1, size=(n, d))
    edges = np.linspace(-1, 1, 31)
    X[: n // 3] = rng.choice(edges, size=(n // 3, d))  # values exactly on edges
    X[n // 3 : n // 2] = X[: n // 2 - n // 3]  # repeated rows
    return X


@pytest.mark.parametrize("convention", ["histogram", "digitize"])
def test_fixed_bins_match_digitize_and_unique(convention):
    X = _data_with_ties(np.random.default_rng(0))
    X.setflags(write=False)
    n_edges = 31 if convention == "histogram" else 30
    edges = np.linspace(-1, 1, n_edges)
    n_bins = 30
    codes, _ = bin_symbols(X, strategy="fixed", n_bins=n_bins, bin_range=(-1, 1),
                           convention=convention)
    expected = ref.row_codes(ref.bin_indices(X, edges, convention == "histogram"))
    # same partition of the rows (codes may be numbered differently)
    assert ref.plugin_mi(codes, expected) == pytest.approx(
        ref.plugin_mi(expected, expected), abs=1e-12
    )
    assert codes.max() + 1 == expected.max() + 1


def test_quantile_and_width_bins_match_numpy():
    rng = np.random.default_rng(1)
    X = np.round(rng.standard_normal((2000, 3)), 1)  # many ties
    codes, _ = bin_symbols(X, strategy="quantile", n_bins=7)
    edges = [np.quantile(X[:, c], np.linspace(0, 1, 8)) for c in range(3)]
    expected = ref.row_codes(ref.bin_indices(X, edges))
    assert np.array_equal(np.unique(np.c_[codes, expected], axis=0)[:, 0],
                          np.arange(codes.max() + 1))
    assert codes.max() == expected.max()

    codes, _ = bin_symbols(X, strategy="width", bin_width=0.3)
    expected = ref.row_codes(np.floor(X / 0.3).astype(np.int64))  # Saxe et al.
    assert codes.max() == expected.max()
    assert ref.plugin_mi(codes, expected) == pytest.approx(
        ref.plugin_mi(expected, expected), abs=1e-12
    )


def test_hash_collisions_are_resolved():
    X = _data_with_ties(np.random.default_rng(2), n=500, d=3)
    edges = np.linspace(-1, 1, 31)[None, :]
    args = (X, edges, kb.UNIFORM, 1.0, True)
    collide = np.zeros(X.shape[0], np.uint64)  # every row gets the same hash
    codes, reps = kb.assign_symbols(collide, *args, False)
    assert codes.max() == 0
    assert kb.verify_symbols(codes, reps, *args) > 0  # the collision is detected
    codes, reps = kb.assign_symbols(collide, *args, True)
    assert kb.verify_symbols(codes, reps, *args) == 0
    expected = ref.row_codes(ref.bin_indices(X, edges[0]))
    assert codes.max() == expected.max()


def _same_partition(a, b):
    """Two code vectors group the rows identically."""
    pairs = np.unique(np.c_[a, b], axis=0)
    return (pairs.shape[0] == np.unique(a).size == np.unique(b).size)


@pytest.mark.parametrize("d", [1, 8, 9, 20])
@pytest.mark.parametrize("n_bins", [1, 30, 255])
@pytest.mark.parametrize("closed", [True, False])
def test_uniform_fast_path_matches_digitize(d, n_bins, closed):
    """The byte-buffer kernel bins exactly as np.digitize, edge values, values at the
    ends of the range and clipped values included."""
    rng = np.random.default_rng(d * 1000 + n_bins)
    n = 2000
    edges = np.linspace(-1.0, 1.0, n_bins + 1)
    X = rng.uniform(-1.2, 1.2, size=(n, d))  # some values outside [-1, 1]
    X[: n // 4] = rng.choice(edges, size=(n // 4, d))  # values exactly on edges
    X[n // 4 : n // 2] = rng.choice([-1.0, 1.0], size=(n - n // 2 - n // 4, d))
    X[n // 2 : n // 2 + 100] = X[:100]  # repeated rows
    X.setflags(write=False)
    e = edges[None, :]
    hashes, n_clipped, n_bad = kb.uniform_row_hashes(X, e, closed)
    old_hashes, old_clipped = kb.row_hashes(X, e, kb.UNIFORM, 1.0, closed)
    assert n_bad == 0
    assert n_clipped == old_clipped == np.count_nonzero((X < -1) | (X > 1))
    clipped = np.clip(X, -1.0, 1.0)
    expected = ref.row_codes(ref.bin_indices(clipped, edges, closed))
    codes, reps = kb.assign_symbols(hashes, X, e, kb.UNIFORM, 1.0, closed, False)
    assert kb.verify_symbols(codes, reps, X, e, kb.UNIFORM, 1.0, closed) == 0
    assert _same_partition(codes, expected)
    assert _same_partition(hashes, old_hashes)


def test_uniform_fast_path_counts_nonfinite():
    X = np.random.default_rng(0).uniform(-1, 1, (600, 3))
    X[5, 1] = np.nan
    X[17, 0] = np.inf
    X[400, 2] = -np.inf
    X[401, :] = np.nan
    _, n_clipped, n_bad = kb.uniform_row_hashes(X, np.linspace(-1, 1, 31)[None], True)
    assert n_bad == 6
    assert n_clipped == 0  # non-finite values count as such, not as clipped
    lo, hi, bad = kb.minmax_nonfinite(X)
    finite = X[np.isfinite(X)]
    assert (lo, hi, bad) == (finite.min(), finite.max(), 6)
    lo, hi, bad = kb.minmax_nonfinite(np.full((3, 2), np.nan))
    assert (lo, hi, bad) == (np.inf, -np.inf, 6)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(
    "est",
    [
        BinningMI(30, strategy="fixed", bin_range=(-1, 1)),
        BinningMI(300, strategy="fixed", bin_range=(-1, 1)),  # the general kernel
        BinningMI(30, strategy="minmax"),
        BinningMI(4, strategy="quantile"),
        BinningMI(strategy="width", bin_width=0.5),
    ],
)
def test_nonfinite_x_raises_in_every_strategy(est, value):
    """BinningMI skips scikit-learn's finiteness scan; its kernels must catch it."""
    X = np.random.default_rng(1).uniform(-1, 1, (50, 2))
    X[7, 1] = value
    with pytest.raises(ValueError, match="NaN or infinity"):
        est.fit(X, np.arange(50) % 3)
    with pytest.raises(ValueError, match="NaN or infinity"):
        est.fit(X[:, 1:], np.random.default_rng(2).uniform(size=50))  # continuous y


@pytest.mark.parametrize(
    "a",
    [
        np.array([5, -3, 5, 2]),
        np.array([-128, 127, 0, 127], dtype=np.int8),
        np.array([2**64 - 1, 2**64 - 3, 2**64 - 1], dtype=np.uint64),
        np.array([True, False, True]),
        np.array([-(2**63), 2**63 - 1]),  # range too wide: the np.unique path
        np.arange(1000)[::-1],
    ],
)
def test_to_codes_matches_unique(a):
    from skmi._validation import to_codes

    assert np.array_equal(to_codes(a), np.unique(a, return_inverse=True)[1])


def test_plugin_entropy_by_count_frequencies():
    rng = np.random.default_rng(4)
    for counts in [rng.integers(0, 50, 300), np.array([1, 1, 1]), np.array([0, 7]),
                   np.array([10**9, 1])]:  # the last takes the direct formula
        c = counts[counts > 0].astype(float)
        direct = np.log(c.sum()) - np.dot(c, np.log(c)) / c.sum()
        assert entropy_from_counts(counts) == pytest.approx(direct, rel=1e-13, abs=1e-15)


def test_pair_symbols():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, 1000)
    b = rng.integers(0, 7, 1000)
    codes, reps = kb.pair_symbols(a, b)
    assert codes.max() + 1 == np.unique(a * 7 + b).size
    assert np.array_equal(a[reps[codes]], a) and np.array_equal(b[reps[codes]], b)


def test_value_symbols_exact():
    X = np.array([[0.0, 1.5], [-0.0, 1.5], [0.0, 1.5000000000000002], [2.0, 3.0]])
    codes = value_symbols(X)
    assert codes.tolist() == [0, 0, 1, 2]  # -0.0 == 0.0; neighbouring floats differ


# ------------------------------------------------------------------- exact values
@pytest.mark.parametrize(
    "est",
    [
        BinningMI(2, strategy="fixed", bin_range=(0, 1)),
        BinningMI(30, strategy="fixed", bin_range=(-1, 1)),
        BinningMI(30, strategy="fixed", bin_range=(0, 1), convention="digitize"),
        BinningMI(),
        BinningMI(4, strategy="quantile"),
        BinningMI(strategy="width", bin_width=0.5),
        DiscreteMI(),
    ],
)
def test_cube_is_12_bits(est):
    mi = est.fit(CUBE, np.arange(len(CUBE))).mi_ / LN2
    assert abs(mi - 12.0) < 1e-6
    assert skmi.entropy(CUBE, estimator="plugin", unit="bits") == pytest.approx(
        12.0, abs=1e-9
    )


def _tanh_neuron_bits(w):
    """Closed form of the reference file: p_i = Phi(atanh(b_{i+1}) / w) - ..."""
    b = np.linspace(-1, 1, 31)
    with np.errstate(divide="ignore"):
        cdf = ndtr(np.arctanh(b) / w)  # arctanh(+-1) = +-inf
    p = np.diff(cdf)
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


TANH_TABLE = {0.1: 2.644, 0.25: 3.871, 0.5: 4.631, 1: 4.877, 2: 4.157, 3: 3.515,
              5: 2.775, 8: 2.245, 10: 2.044}


def test_single_tanh_neuron():
    n = 1_000_000
    x = np.random.default_rng(4).standard_normal((n, 1))
    y = np.arange(n)
    est = BinningMI(30, strategy="fixed", bin_range=(-1, 1))
    for w, table in TANH_TABLE.items():
        closed = _tanh_neuron_bits(w)
        assert abs(closed - table) < 5e-4  # the table, rounded to 3 decimals
        mi = est.fit(np.tanh(w * x), y).mi_ / LN2
        assert abs(mi - table) < 0.02  # the requirement
        # sampling sd of a plug-in entropy of this size is sd(log2 p)/sqrt(n) < 1.5e-3
        # bits, the bias (m - 1) / (2 n ln 2) < 3e-5 bits: 5e-3 is over 3 sd
        assert abs(mi - closed) < 5e-3


def test_digitize_convention_splits_saturated_units():
    x = np.random.default_rng(5).standard_normal((20000, 1))
    t = np.tanh(10 * x)  # ~5% of the values are exactly +-1.0 in float64
    assert np.any(t == 1.0)
    y = np.arange(len(t))
    hist = BinningMI(30, strategy="fixed", bin_range=(-1, 1)).fit(t, y).mi_
    dig = BinningMI(31, strategy="fixed", bin_range=(-1, 1), convention="digitize")
    dig = dig.fit(t, y).mi_
    codes = np.digitize(t[:, 0], np.linspace(-1, 1, 31))  # Shwartz-Ziv & Tishby
    expected = entropy_from_counts(np.unique(codes, return_counts=True)[1])
    assert dig == pytest.approx(expected, abs=1e-12)
    assert dig > hist + 0.05


def test_information_plane_convention():
    rng = np.random.default_rng(6)
    T = np.tanh(rng.standard_normal((3000, 5)))
    labels = rng.integers(0, 3, 3000)
    est = BinningMI(10, strategy="fixed", bin_range=(-1, 1))
    codes, _ = bin_symbols(T, strategy="fixed", n_bins=10, bin_range=(-1, 1))
    h_t = entropy_from_counts(np.bincount(codes))
    assert est.fit(T, np.arange(3000)).mi_ == pytest.approx(h_t, abs=1e-12)
    assert est.fit(T, labels).mi_ == pytest.approx(ref.plugin_mi(codes, labels), abs=1e-12)
    mm = BinningMI(10, strategy="fixed", bin_range=(-1, 1), correction="miller-madow")
    assert mm.fit(T, np.arange(3000)).mi_ == pytest.approx(
        entropy_from_counts(np.bincount(codes), "miller-madow"), abs=1e-12
    )


def test_n_distinct_labels_is_fast():
    import time

    T = np.random.default_rng(7).uniform(-1, 1, (200_000, 20))
    est = BinningMI(30, strategy="fixed", bin_range=(-1, 1))
    est.fit(T[:100], np.arange(100))  # compile
    start = time.perf_counter()
    mi = est.fit(T, np.arange(len(T))).mi_
    assert mi == pytest.approx(np.log(len(T)), abs=1e-9)  # all rows distinct
    assert time.perf_counter() - start < 10.0  # a loop over labels takes minutes


def test_continuous_y_is_binned():
    rng = np.random.default_rng(8)
    x = rng.uniform(-1, 1, (5000, 1))
    y = x[:, 0] ** 3
    est = BinningMI(8, strategy="fixed", bin_range=(-1, 1)).fit(x, y)
    bx = ref.bin_indices(x, np.linspace(-1, 1, 9))[:, 0]
    by = ref.bin_indices(y[:, None], np.linspace(-1, 1, 9))[:, 0]
    assert est.mi_ == pytest.approx(ref.plugin_mi(bx, by), abs=1e-12)


# -------------------------------------------------------------------- corrections
def test_entropy_corrections_on_a_hand_table():
    counts = [2, 1, 1]  # n = 4, m = 3
    plug = -(0.5 * np.log(0.5) + 2 * 0.25 * np.log(0.25))
    assert entropy_from_counts(counts) == pytest.approx(plug, abs=1e-12)
    assert entropy_from_counts(counts, "miller-madow") == pytest.approx(
        plug + 2 / 8, abs=1e-12
    )
    x = np.array([[0], [0], [1], [2]])
    assert skmi.entropy(x, estimator="plugin", correction="miller-madow") == (
        pytest.approx(plug + 2 / 8, abs=1e-12)
    )


def _nsb_by_quad(counts, K):
    """NSB from its definition: all K bins, integral over log(beta) by quad."""
    n_i = np.zeros(K)
    n_i[: len(counts)] = counts
    N = n_i.sum()

    def log_post(u):
        b = np.exp(u)
        like = gammaln(K * b) - gammaln(N + K * b) + np.sum(gammaln(n_i + b) - gammaln(b))
        prior = K * polygamma(1, K * b + 1) - polygamma(1, b + 1)  # d xi / d beta
        return like + np.log(prior) + u  # d beta = beta du

    def mean_h(u):
        b = np.exp(u)
        return digamma(N + K * b + 1) - np.sum((n_i + b) * digamma(n_i + b + 1)) / (
            N + K * b
        )

    grid = np.linspace(-25, 15, 2001)
    shift = max(log_post(u) for u in grid)
    z = integrate.quad(lambda u: np.exp(log_post(u) - shift), -25, 15, limit=400)[0]
    m = integrate.quad(lambda u: np.exp(log_post(u) - shift) * mean_h(u), -25, 15,
                       limit=400)[0]
    return m / z


@pytest.mark.parametrize("counts, K", [([3, 1, 2], 4), ([5, 1, 1, 1, 2], 10),
                                       ([7, 3], 2), ([1, 1, 1, 2], 50)])
def test_nsb_matches_its_definition(counts, K):
    assert entropy_from_counts(counts, "nsb", alphabet_size=K) == pytest.approx(
        _nsb_by_quad(counts, K), abs=1e-6
    )


def test_nsb_large_alphabet_limit():
    counts = np.array([3, 1, 2, 5, 1, 1, 1, 2, 4])
    finite = entropy_from_counts(counts, "nsb", alphabet_size=1e250)
    limit = entropy_from_counts(counts, "nsb", alphabet_size=np.exp(700.0))
    assert finite == pytest.approx(limit, abs=1e-6)
    with pytest.warns(RuntimeWarning, match="coincidences"):
        assert entropy_from_counts([1, 1, 1], "nsb", alphabet_size=np.exp(700.0)) == (
            np.inf
        )


def test_nsb_reduces_bias_on_undersampled_data():
    rng = np.random.default_rng(9)
    x = rng.integers(0, 200, (300, 1))  # H = log 200 = 5.30 nats, 300 samples
    h = {c: PluginEntropy(correction=c, alphabet_size=200).fit(x).entropy_
         for c in ("none", "miller-madow", "nsb")}
    truth = np.log(200)
    assert abs(h["nsb"] - truth) < abs(h["miller-madow"] - truth) < abs(h["none"] - truth)


def test_discrete_mi_hand_values():
    x = np.array([0, 0, 1, 1, 2, 2, 3, 3]).reshape(-1, 1)
    y = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    assert DiscreteMI().fit(x, y).mi_ == pytest.approx(np.log(2), abs=1e-12)
    # I = H(X) + H(Y) - H(X, Y), Miller-Madow: + (4 + 2 - 4 - 1) / 16
    assert DiscreteMI(correction="miller-madow").fit(x, y).mi_ == pytest.approx(
        np.log(2) + 1 / 16, abs=1e-12
    )
    xy = np.c_[x, x % 2]  # two columns: rows are symbols
    assert DiscreteMI().fit(xy, y).mi_ == pytest.approx(np.log(2), abs=1e-12)
    assert skmi.mutual_info(x, y, estimator="discrete", unit="bits") == pytest.approx(1.0)


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize("make", [
    lambda X, y: (np.where(X > 0.9, np.nan, X), y),
    lambda X, y: (np.where(X > 0.9, np.inf, X), y),
    lambda X, y: (X, y[:-1]),
    lambda X, y: (X[:, :, None], y),
    lambda X, y: (X[:0], y[:0]),
])
@pytest.mark.parametrize("est", [BinningMI(), DiscreteMI()])
def test_bad_input(make, est):
    rng = np.random.default_rng(10)
    X, y = make(rng.uniform(-1, 1, (50, 2)), rng.integers(0, 2, 50))
    with pytest.raises(ValueError):
        est.fit(X, y)


def test_range_excluding_data():
    X = np.array([[-0.5], [0.2], [1.5]])
    y = np.arange(3)
    with pytest.raises(ValueError, match="outside bin_range"):
        BinningMI(4, strategy="fixed", bin_range=(-1, 1)).fit(X, y)
    est = BinningMI(4, strategy="fixed", bin_range=(-1, 1), out_of_range="clip")
    # 1.5 is clipped into the last bin [0.5, 1]; -0.5 and 0.2 have their own bins
    assert est.fit(X, y).mi_ == pytest.approx(np.log(3))
    with pytest.raises(ValueError, match="bin_range"):
        BinningMI(strategy="fixed").fit(X, y)
    with pytest.raises(ValueError, match="bin_width"):
        BinningMI(strategy="width").fit(X, y)


def test_inputs_not_modified():
    rng = np.random.default_rng(11)
    X = rng.uniform(-1, 1, (200, 3))
    y = rng.integers(0, 3, 200)
    X0, y0 = X.copy(), y.copy()
    X.setflags(write=False)
    for est in (BinningMI(strategy="quantile"), BinningMI(correction="nsb"), DiscreteMI()):
        est.fit(X, y)
    PluginEntropy().fit(X)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(
    [BinningMI(), BinningMI(5, strategy="quantile", correction="miller-madow"),
     BinningMI(correction="nsb"), DiscreteMI(), PluginEntropy()],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
