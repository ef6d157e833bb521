"""Discrete symbols are exact whatever their dtype; malformed input gets short, clear
errors (issue 16: no silent wrong answers)."""

import numpy as np
import pytest

import skmi
from skmi import KSG, AutoMI, BinningMI, DiscreteMI, KLEntropy, PluginEntropy
from skmi._validation import to_codes

LOG4 = np.log(4.0)
# saturated estimates (every row its own bin) are expected in some of these cases
pytestmark = pytest.mark.filterwarnings("ignore::skmi.exceptions.SaturationWarning")
PATTERN = np.arange(200) % 4  # 4 equiprobable symbols


def _symbols(kind):
    """200 values of 4 equiprobable distinct symbols (PATTERN's codes), as ``kind``."""
    if kind == "int64>2**53":
        return np.int64(2**60) + PATTERN
    if kind == "int64 near min":
        return np.iinfo(np.int64).min + PATTERN
    if kind == "uint64 near max":
        return np.uint64(2**64 - 4) + PATTERN.astype(np.uint64)
    if kind == "object ints > 2**64":
        return np.array([2**70 + int(v) for v in PATTERN], dtype=object)
    if kind == "strings":
        return np.array(["a", "b", "c", "d"])[PATTERN]
    if kind == "mixed objects":
        return np.array([0, "a", 2.5, b"b"], dtype=object)[PATTERN]  # not comparable
    return PATTERN.astype(kind)


WIDE = ["int64>2**53", "int64 near min", "uint64 near max", "object ints > 2**64"]
KINDS = WIDE + ["int8", "uint8", "int16", "int32", "uint32", "strings", "mixed objects"]


@pytest.mark.parametrize("kind", KINDS)
def test_discrete_mi_and_plugin_entropy_see_every_symbol(kind):
    s = _symbols(kind)
    assert DiscreteMI().fit(s.reshape(-1, 1), PATTERN).mi_ == pytest.approx(LOG4)
    assert DiscreteMI().fit(PATTERN.reshape(-1, 1), s).mi_ == pytest.approx(LOG4)
    assert PluginEntropy().fit(s.reshape(-1, 1)).entropy_ == pytest.approx(LOG4)
    assert skmi.mutual_info(s.reshape(-1, 1), s, estimator="discrete") == (
        pytest.approx(LOG4))


@pytest.mark.parametrize("kind", WIDE)
def test_ksg_with_a_discrete_side_sees_every_symbol(kind):
    s = _symbols(kind)
    # both sides integer-coded: the plug-in path on the exact codes
    if s.dtype.kind in "iu":
        est = KSG(random_state=0).fit(s.reshape(-1, 1), PATTERN)
        assert est.method_ == "plugin" and est.mi_ == pytest.approx(LOG4)
    # a continuous X against the labels: Ross's estimator sees 4 classes
    rng = np.random.default_rng(0)
    x = PATTERN[:, None] + 0.1 * rng.standard_normal((200, 1))
    ross = KSG(random_state=0).fit(x, s).mi_
    assert ross == pytest.approx(KSG(random_state=0).fit(x, PATTERN).mi_, abs=1e-12)


def test_bool_and_small_ints_match_their_codes():
    b = PATTERN % 2 == 0
    assert PluginEntropy().fit(b.reshape(-1, 1)).entropy_ == pytest.approx(np.log(2))
    assert DiscreteMI().fit(b.reshape(-1, 1), PATTERN).mi_ == pytest.approx(np.log(2))


def test_wide_ints_in_several_columns_and_nsb_alphabet():
    big = np.int64(2**60) + PATTERN
    X = np.c_[big, PATTERN % 2]  # (4 x 2) values, 4 distinct rows
    codes = np.c_[PATTERN, PATTERN % 2]
    for correction in ("none", "miller-madow", "nsb"):
        est = DiscreteMI(correction=correction)
        assert est.fit(X, PATTERN).mi_ == pytest.approx(est.fit(codes, PATTERN).mi_,
                                                         abs=1e-12)
        ent = PluginEntropy(correction=correction)
        assert ent.fit(X).entropy_ == pytest.approx(ent.fit(codes).entropy_, abs=1e-12)


def test_auto_mi_with_two_wide_discrete_sides():
    big = np.int64(2**60) + PATTERN
    est = AutoMI(random_state=0).fit(big.reshape(-1, 1), big)
    assert est.mi_ > 1.3  # Miller-Madow plug-in of log 4 = 1.386


def test_to_codes_exact_and_in_sorted_row_order():
    a = np.array([[2**62 + 1, 0], [2**62, 1], [2**62 + 1, 0], [2**62, 0]], np.int64)
    assert to_codes(a).tolist() == [2, 1, 2, 0]  # np.unique(axis=0) order
    u = np.array([2**64 - 1, 2**64 - 2, 2**64 - 1], np.uint64)
    assert to_codes(u).tolist() == [1, 0, 1]
    mixed = np.array([0, "a", 2.5, "a", 0], dtype=object)
    codes = to_codes(mixed)
    assert codes[0] == codes[4] and codes[1] == codes[3] and len(set(codes)) == 3


def test_unhashable_and_missing_discrete_values_are_errors():
    x = np.zeros((4, 1))
    with pytest.raises(TypeError, match="hashable"):
        DiscreteMI().fit(x, np.array([{"a": 1}, 2, "b", 3.5], dtype=object))
    with pytest.raises(ValueError, match="missing values"):
        DiscreteMI().fit(x, np.array([None, 1, "a", 2], dtype=object))


# ------------------------------------------------------------------ short errors
@pytest.mark.parametrize("est", [KSG(), BinningMI(), DiscreteMI()], ids=repr)
def test_1d_x_error_is_short(est):
    x = np.arange(500.0)
    with pytest.raises(ValueError) as info:
        est.fit(x, np.arange(500) % 2)
    msg = str(info.value)
    assert "X must be 2-D (n_samples, n_features)" in msg
    assert "shape (500,)" in msg and "X.reshape(-1, 1)" in msg
    assert len(msg) < 250 and "499" not in msg


def test_1d_x_error_is_short_for_entropy():
    with pytest.raises(ValueError, match=r"X must be 2-D.*\(300,\)"):
        KLEntropy().fit(np.arange(300.0))
    with pytest.raises(ValueError, match=r"X must be 2-D.*\(300,\)"):
        PluginEntropy().fit(np.arange(300))


@pytest.mark.parametrize("est", [KSG(), BinningMI(), DiscreteMI()], ids=repr)
def test_complex_input_names_complex_numbers(est):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 1)) + 1j
    with pytest.raises(ValueError, match="complex numbers") as info:
        est.fit(x, np.arange(100) % 2)
    assert len(str(info.value)) < 300
    with pytest.raises(ValueError, match="y holds complex numbers"):
        est.fit(x.real, np.arange(100) % 2 + 1j)
    with pytest.raises(ValueError, match="complex numbers"):
        KLEntropy().fit(x)


# ------------------------------------------------------------------ pandas
def _frame(pd, rng, n=300):
    return pd.DataFrame({"a": rng.standard_normal(n), "b": rng.standard_normal(n)})


@pytest.mark.parametrize("dtype, numpy_dtype", [("Float64", "float64"), ("Int64", "int64"),
                                                ("boolean", "bool")])
def test_nullable_columns_read_as_numpy(dtype, numpy_dtype):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    values = rng.integers(0, 3, 300)
    if numpy_dtype == "bool":
        values = values > 0
    y = pd.Series(values, dtype=dtype)
    X = _frame(pd, rng).astype("Float64")
    expected = KSG(random_state=0).fit(X.to_numpy(float), values.astype(numpy_dtype))
    est = KSG(random_state=0).fit(X, y)
    assert est.mi_ == pytest.approx(expected.mi_, abs=1e-12)
    assert list(est.feature_names_in_) == ["a", "b"]
    assert DiscreteMI().fit(pd.DataFrame({"v": y}), y).mi_ == pytest.approx(
        DiscreteMI().fit(values.reshape(-1, 1), values).mi_)
    assert skmi.mutual_info(X, y, estimator="binning") == pytest.approx(
        skmi.mutual_info(X.to_numpy(float), values, estimator="binning"))


def test_nullable_missing_values_are_a_clear_error():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = _frame(pd, rng).astype("Float64")
    X.iloc[3, 1] = pd.NA
    y = pd.Series(np.arange(300) % 3, dtype="Int64")
    with pytest.raises(ValueError, match="column 'b' contains missing values"):
        KSG().fit(X, y)
    y_na = y.copy()
    y_na.iloc[0] = pd.NA
    with pytest.raises(ValueError, match="y contains missing values"):
        BinningMI().fit(X.fillna(0.0), y_na)


def test_categorical_labels_use_their_codes():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = _frame(pd, rng)
    codes = np.arange(300) % 3
    cat = pd.Series(np.array(["lo", "mid", "hi"])[codes]).astype("category")
    for est in (KSG(random_state=0), BinningMI(), DiscreteMI()):
        assert est.fit(X, cat).mi_ == pytest.approx(est.fit(X, codes).mi_, abs=1e-12)
    cat_x = pd.DataFrame({"c": cat})
    assert DiscreteMI().fit(cat_x, codes).mi_ == pytest.approx(np.log(3))
    assert PluginEntropy().fit(cat_x).entropy_ == pytest.approx(np.log(3))
    assert KSG(random_state=0).fit(cat_x, codes).method_ == "plugin"


def test_categorical_on_a_continuous_side_is_a_clear_error():
    pd = pytest.importorskip("pandas")
    cat = pd.Series(np.arange(300) % 3).astype("category")
    with pytest.raises(ValueError, match="X column 'c' is categorical.*BinningMI"):
        BinningMI().fit(pd.DataFrame({"c": cat}), np.arange(300) % 2)
    with pytest.raises(ValueError, match="is categorical.*continuous"):
        KLEntropy().fit(pd.DataFrame({"c": cat}))
    with pytest.raises(ValueError, match="y is categorical.*continuous"):
        KSG(discrete_y=False).fit(np.random.default_rng(0).standard_normal((300, 1)), cat)


def test_pandas_strings_and_mixed_object_labels():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = _frame(pd, rng)
    codes = np.arange(300) % 3
    y = pd.Series(np.array(["a", "b", "c"])[codes], dtype="string")
    assert DiscreteMI().fit(X.round(0), y).mi_ == pytest.approx(
        DiscreteMI().fit(X.round(0), codes).mi_)
    mixed = np.array([0, "a", 2.5], dtype=object)[codes]
    assert KSG(random_state=0).fit(X, mixed).mi_ == pytest.approx(
        KSG(random_state=0).fit(X, codes).mi_, abs=1e-12)
