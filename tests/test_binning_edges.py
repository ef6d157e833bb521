"""Binning at the edges of float64 and of its parameters (issue 16: no silent wrong
answers): tiny widths, constant and subnormal data, NSB undersampling, bin_range,
malformed counts."""

import numpy as np
import pytest

from skmi import KSG, BinningMI, PluginEntropy
from skmi.binning import bin_symbols, entropy_from_counts, resolve_strategy

LN2 = np.log(2.0)
# saturated estimates (every row its own bin) are expected in some of these cases
pytestmark = pytest.mark.filterwarnings("ignore::skmi.exceptions.SaturationWarning")


def _n_rows(X):
    return np.unique(X, axis=0).shape[0]


# ------------------------------------------------------------- strategy="width"
@pytest.mark.parametrize("width", [1e-12, 1e-17, 1e-19, 1e-30, 1e-300, 5e-324])
def test_tiny_bin_width_keeps_distinct_rows_apart(width):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 1))
    est = BinningMI(strategy="width", bin_width=width).fit(X, np.arange(200))
    assert est.n_symbols_ == 200
    assert est.mi_ == pytest.approx(np.log(200))


def test_tiny_bin_width_merges_only_equal_rows():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((60, 2)) * np.array([1e-3, 1e250])
    X = base[rng.integers(0, 60, 300)]  # repeated rows
    X[:, 0] = np.round(X[:, 0], 1)  # column 0: small bins indices, some equal
    codes, log_k = bin_symbols(X, strategy="width", bin_width=1e-30)
    assert codes.max() + 1 == _n_rows(X)
    assert np.isfinite(log_k) and log_k > 0
    # values too large for x / width in float64 at all
    huge = np.array([[1e300], [-1e300], [2e300], [1e300], [0.0]])
    codes, _ = bin_symbols(huge, strategy="width", bin_width=1e-30)
    assert codes.tolist() == [0, 1, 2, 0, 3]


def test_width_bins_below_2_53_unchanged():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((500, 3))
    for width in (0.3, 1e-6, 1e-14):
        codes, _ = bin_symbols(X, strategy="width", bin_width=width)
        expected = np.unique(np.floor(X / width), axis=0, return_inverse=True)[1]
        assert codes.max() + 1 == expected.max() + 1
        # same partition
        pairs = np.unique(np.c_[codes, expected.ravel()], axis=0)
        assert pairs.shape[0] == codes.max() + 1


def test_width_on_subnormal_data():
    x = np.array([[-3e-320], [-1e-320], [0.0], [2e-320], [4e-320], [4e-320]])
    codes, _ = bin_symbols(x, strategy="width", bin_width=1.0)
    assert codes.tolist() == [0, 0, 1, 1, 1, 1]  # floor(x / 1): -1 and 0
    codes, _ = bin_symbols(x, strategy="width", bin_width=2.5e-320)
    expected = np.floor(np.ldexp(x, 1000) / np.ldexp(2.5e-320, 1000))
    assert codes.max() + 1 == np.unique(expected).size == 4


# ------------------------------------------------------------- constant data
@pytest.mark.parametrize("value", [1e17, -1e17, 1e308, -1.7e308, 0.0, 5e-324, 3.0])
@pytest.mark.parametrize("strategy", ["minmax", "quantile"])
def test_constant_column_is_one_bin(value, strategy):
    X = np.full((100, 2), value)
    est = BinningMI(strategy=strategy).fit(X, np.arange(100) % 2)
    assert est.n_symbols_ == 1 and est.mi_ == 0.0


# ------------------------------------------------------------- scale invariance
def _other_calls(rng):
    BinningMI().fit(rng.standard_normal((300, 3)), rng.integers(0, 2, 300))
    KSG(random_state=0).fit(rng.standard_normal((300, 1)), rng.standard_normal(300))
    BinningMI(strategy="quantile").fit(rng.standard_normal((300, 2)), np.arange(300))


@pytest.mark.parametrize("strategy", ["minmax", "quantile"])
def test_subnormal_range_gives_the_rescaled_result_every_time(strategy):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1000, 1)) * 1e-310
    y = np.arange(1000) % 3
    values = []
    for _ in range(3):
        values.append(BinningMI(strategy=strategy).fit(x, y).mi_)
        _other_calls(rng)
    assert values[0] == values[1] == values[2]
    # the same data scaled into the normal range by 2**1030 (exact)
    scaled = BinningMI(strategy=strategy).fit(np.ldexp(x, 1030), y).mi_
    assert values[0] == scaled
    assert values[0] > 0.005  # the 3 classes are not all in one bin


@pytest.mark.parametrize("strategy", ["minmax", "quantile"])
def test_range_beyond_float64_gives_the_rescaled_result(strategy):
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 1, (500, 2)) * 1.7e308  # max - min overflows
    y = (x[:, 0] > 0).astype(int)
    got = BinningMI(10, strategy=strategy).fit(x, y)
    ref = BinningMI(10, strategy=strategy).fit(np.ldexp(x, -4), y)
    assert got.mi_ == ref.mi_ and got.n_symbols_ == ref.n_symbols_
    assert got.mi_ > 0.6  # y, the sign of column 0, is seen through the bins


def test_fixed_range_beyond_float64_and_subnormal():
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (400, 1))
    y = np.arange(400) % 2
    expected = BinningMI(8, bin_range=(-1, 1)).fit(x, np.arange(400))
    est = BinningMI(8, bin_range=(-1.5e308, 1.5e308)).fit(x * 1.5e308, np.arange(400))
    assert est.n_symbols_ == expected.n_symbols_ and est.mi_ == expected.mi_
    tiny = BinningMI(8, bin_range=(-1e-310, 1e-310))
    assert tiny.fit(np.ldexp(x, -1030), y).n_symbols_ == expected.n_symbols_
    with pytest.raises(ValueError, match="outside bin_range"):
        tiny.fit(np.ldexp(x, -1029), y)


# ------------------------------------------------------------- NSB
def test_nsb_without_coincidences_in_an_unbounded_alphabet_is_a_clear_error():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((500, 300))  # 30**300 bins: every row its own symbol
    with pytest.raises(ValueError, match="no coincidences"):
        BinningMI(correction="nsb").fit(X, np.arange(500) % 10)
    with pytest.raises(ValueError, match="no coincidences"):
        BinningMI(correction="nsb").fit(X, rng.standard_normal(500))
    # X as a whole repeats, but within each class every row is distinct
    proto = rng.uniform(-1, 1, (250, 300))
    Xr = np.r_[proto, proto]
    with pytest.raises(ValueError, match="one class of y"):
        BinningMI(correction="nsb").fit(Xr, np.r_[np.zeros(250), np.ones(250)])


def test_nsb_in_an_unbounded_alphabet_with_coincidences_is_accurate():
    rng = np.random.default_rng(7)
    proto = rng.uniform(-1, 1, (8, 250))  # 30**250 > e**600 bins, 8 of them used
    idx = rng.integers(0, 8, 400)
    est = BinningMI(correction="nsb").fit(proto[idx], idx % 2)  # I = log 2
    assert np.isfinite(est.mi_) and est.mi_ == pytest.approx(LN2, abs=0.01)
    indep = BinningMI(correction="nsb").fit(proto[idx], rng.integers(0, 2, 400)).mi_
    assert abs(indep) < 0.01


# ------------------------------------------------------------- bin_range
def test_bin_range_alone_means_fixed_bins():
    rng = np.random.default_rng(8)
    t = np.tanh(rng.standard_normal((300, 3)) * 0.3)  # well inside (-1, 1)
    y = rng.integers(0, 2, 300)
    est = BinningMI(n_bins=30, bin_range=(-1, 1))
    fixed = BinningMI(n_bins=30, strategy="fixed", bin_range=(-1, 1)).fit(t, y)
    assert est.fit(t, y).mi_ == fixed.mi_
    assert est.n_symbols_ == fixed.n_symbols_
    assert est.n_symbols_ != BinningMI(n_bins=30).fit(t, y).n_symbols_  # not minmax
    assert est.get_params()["strategy"] is None  # parameters untouched
    with pytest.raises(ValueError, match="outside bin_range"):
        est.fit(t * 10, y)


def test_bin_width_alone_means_width_bins():
    rng = np.random.default_rng(9)
    t = rng.standard_normal((300, 2))
    y = rng.integers(0, 2, 300)
    a = BinningMI(bin_width=0.5).fit(t, y)
    b = BinningMI(strategy="width", bin_width=0.5).fit(t, y)
    assert a.mi_ == b.mi_ and a.n_symbols_ == b.n_symbols_
    assert resolve_strategy(None) == "minmax"


@pytest.mark.parametrize("params, match", [
    (dict(strategy="minmax", bin_range=(-1, 1)), "bin_range=.*conflicts with strategy='minmax'"),
    (dict(strategy="quantile", bin_range=(-1, 1)), "conflicts"),
    (dict(strategy="fixed", bin_width=0.1, bin_range=(-1, 1)), "bin_width=.*conflicts"),
    (dict(bin_range=(-1, 1), bin_width=0.1), r"both bin_range=\(-1, 1\) and bin_width"),
])
def test_conflicting_binning_parameters(params, match):
    X = np.random.default_rng(10).uniform(-1, 1, (50, 2))
    with pytest.raises(ValueError, match=match):
        BinningMI(**params).fit(X, np.arange(50) % 2)


@pytest.mark.parametrize("bin_range", [
    (1,), (0, 1, 2), [], (1, 1), (2, 1), (np.nan, 1), (0, np.inf), ("a", "b"), ("0", "1"),
    (None, 1), "ab", 5, ((0, 1), 2),
])
def test_malformed_bin_range_is_a_clear_error(bin_range):
    X = np.random.default_rng(11).uniform(-1, 1, (50, 2))
    for strategy in (None, "fixed"):
        with pytest.raises((ValueError, TypeError), match="bin_range"):
            BinningMI(strategy=strategy, bin_range=bin_range).fit(X, np.arange(50) % 2)


def test_bin_range_as_list_or_array():
    X = np.random.default_rng(12).uniform(-1, 1, (50, 2))
    y = np.arange(50) % 2
    ref = BinningMI(4, bin_range=(-1, 1)).fit(X, y).mi_
    assert BinningMI(4, bin_range=[-1, 1]).fit(X, y).mi_ == ref
    assert BinningMI(4, bin_range=np.array([-1.0, 1.0])).fit(X, y).mi_ == ref


# ------------------------------------------------------------- counts
@pytest.mark.parametrize("counts, error", [
    ([np.nan, 1], ValueError), ([np.inf, 1], ValueError), ([-1, 2], ValueError),
    ([0, 0], ValueError), ([], ValueError), ([[1, 2]], ValueError),
    (["a", "b"], TypeError), ([None, 1], TypeError),
])
def test_bad_counts_are_errors(counts, error):
    for correction in ("none", "miller-madow", "nsb"):
        with pytest.raises(error, match="counts"):
            entropy_from_counts(counts, correction)


def test_count_rules_for_nsb_and_alphabet_size():
    with pytest.raises(ValueError, match="integer counts"):
        entropy_from_counts([1.5, 2.0], "nsb")
    assert entropy_from_counts([1.0, 1.0]) == pytest.approx(LN2)  # real counts: plug-in
    for bad in (np.nan, 0.5, -3):
        with pytest.raises(ValueError, match="alphabet_size"):
            entropy_from_counts([1, 2], "nsb", alphabet_size=bad)
    with pytest.raises(TypeError, match="alphabet_size"):
        entropy_from_counts([1, 2], "nsb", alphabet_size="10")
    # an infinite alphabet: the Dirichlet-process limit
    assert np.isfinite(entropy_from_counts([3, 1, 2, 1], "nsb", alphabet_size=np.inf))


def test_plugin_entropy_nsb_alphabet_from_exact_levels():
    x = np.c_[np.int64(2**60) + np.arange(40) % 5, np.arange(40) % 2]
    codes = np.c_[np.arange(40) % 5, np.arange(40) % 2]
    assert PluginEntropy(correction="nsb").fit(x).entropy_ == pytest.approx(
        PluginEntropy(correction="nsb").fit(codes).entropy_, abs=1e-12)
