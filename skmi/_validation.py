"""Input validation shared by every skmi estimator and function."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import check_array, validate_data

__all__ = ["Data", "check_xy", "check_x", "check_symbols", "check_discrete_flag", "check_labels",
           "to_codes", "column_codes"]

_DISCRETE_KINDS = "biu"  # bool, signed and unsigned integers
_LABEL_KINDS = "biuOSU"  # ... and, for targets, objects and strings
#: Integers up to this magnitude are exact in float64.
_EXACT_FLOAT_INT = 2**53


@dataclass(frozen=True)
class Data:
    """Validated inputs: float64 2-D arrays (views of the user's data, never written).

    A discrete side also comes as integer codes, one per distinct row, computed from the
    values in their own dtype (exact for integers of any width, strings and objects).
    The float64 array of a discrete side holds its values where float64 represents
    them exactly and distinctly, otherwise (integers beyond 2**53, strings) each
    column's codes. ``x_levels``: the number of distinct values of each column of a
    discrete ``X``.
    """

    X: np.ndarray
    y: np.ndarray
    discrete_x: bool
    discrete_y: bool
    y_codes: np.ndarray | None = None
    x_codes: np.ndarray | None = None
    x_levels: tuple[int, ...] | None = None

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]


# ------------------------------------------------------------------ dtypes, pandas
def _validate_data(*args, **kwargs):
    """scikit-learn's ``validate_data`` without its overflow warnings: its finiteness
    check sums the array first, which overflows on finite data near 1.7e308 (the
    element-wise check it then falls back to is exact)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return validate_data(*args, **kwargs)


def _is_pandas(a) -> bool:
    """Whether ``a`` is a pandas object (checked without importing pandas)."""
    return (type(a).__module__ or "").split(".")[0] == "pandas"


def _dtype_kind(dtype) -> str:
    """numpy kind of a numpy or pandas dtype: a categorical counts as integer (its
    codes), a nullable dtype as its numpy dtype, any other extension dtype as object."""
    if isinstance(dtype, np.dtype):
        return dtype.kind
    if getattr(dtype, "name", None) == "category":
        return "i"
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    if isinstance(numpy_dtype, np.dtype):
        return numpy_dtype.kind
    try:
        return np.dtype(dtype).kind
    except TypeError:
        return "O"


def _kind(a) -> str:
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        dtypes = getattr(a, "dtypes", None)  # pandas DataFrame
        if dtypes is not None:
            kinds = {_dtype_kind(t) for t in dtypes}
            return kinds.pop() if len(kinds) == 1 else "f"
        try:
            dtype = np.asarray(a).dtype
        except (TypeError, ValueError):
            return "O"
    return _dtype_kind(dtype)


def _has_complex(a) -> bool:
    dtypes = getattr(a, "dtypes", None)
    if dtypes is not None and getattr(a, "dtype", None) is None:  # DataFrame
        return any(_dtype_kind(t) == "c" for t in dtypes)
    return _kind(a) == "c"


def _check_real(a, name: str) -> None:
    if a is not None and _has_complex(a):
        raise ValueError(
            f"Complex data not supported: {name} holds complex numbers, and mutual "
            f"information estimators take real values. Pass {name}.real, or the real and "
            "imaginary parts as separate columns."
        )


def _check_2d(X, name: str = "X") -> None:
    """The short error for a 1-D ``X`` (scikit-learn's prints every value)."""
    shape = getattr(X, "shape", None)
    if shape is None:
        try:
            shape = np.shape(X)
        except (TypeError, ValueError):  # ragged lists: scikit-learn's error
            return
    if len(shape) == 1:
        raise ValueError(
            f"Expected 2D array: {name} must be 2-D (n_samples, n_features); got a 1-D "
            f"array of shape {tuple(shape)}: reshape with {name}.reshape(-1, 1)."
        )


def _estimator_name(estimator) -> str:
    return type(estimator).__name__ if estimator is not None else "This estimator"


def _pandas_column(s, what: str, discrete: bool, estimator, flag: str | None):
    """A NumPy array for one pandas column (Series, Index or extension array) with an
    extension dtype: a categorical's codes, a nullable dtype's NumPy dtype."""
    dtype = s.dtype
    if getattr(dtype, "name", None) == "category":
        if not discrete:
            use = f" ({flag}=True where it has one, or DiscreteMI)" if flag else ""
            raise ValueError(
                f"{what} is categorical, but {_estimator_name(estimator)} reads it as "
                f"continuous values. Use an estimator for discrete data{use}, or encode "
                "the categories as numbers yourself if their order means something."
            )
        codes = np.asarray(getattr(s, "cat", s).codes)
        if codes.size and codes.min() < 0:
            raise ValueError(
                f"{what} contains missing values (NaN in a categorical): drop or impute "
                "them first."
            )
        return codes
    if np.asarray(s.isna()).any():
        raise ValueError(
            f"{what} contains missing values (pd.NA or NaN in a nullable "
            f"{dtype} column): drop or impute them first."
        )
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    return s.to_numpy(dtype=numpy_dtype if isinstance(numpy_dtype, np.dtype) else object)


def _from_pandas(a, name: str, discrete: bool, estimator, flag: str | None):
    """``a`` with pandas extension dtypes (categorical, nullable ``Int64``, ``Float64``,
    ``boolean``, ``string``) replaced by NumPy ones; other inputs unchanged. A
    DataFrame stays a DataFrame (its column names are kept for ``feature_names_in_``).
    """
    if a is None or not _is_pandas(a):
        return a
    if getattr(a, "dtype", None) is None and hasattr(a, "columns"):  # DataFrame
        dtypes = list(a.dtypes)
        if all(isinstance(t, np.dtype) for t in dtypes):
            return a
        out = a.copy(deep=False)
        for j, t in enumerate(dtypes):
            if not isinstance(t, np.dtype):
                what = f"{name} column {a.columns[j]!r}"
                out.isetitem(j, _pandas_column(a.iloc[:, j], what, discrete, estimator,
                                               flag))
        return out
    dtype = getattr(a, "dtype", None)
    if dtype is None or isinstance(dtype, np.dtype):
        return a
    return _pandas_column(a, name, discrete, estimator, flag)


def _columns(raw, validated: np.ndarray) -> list[np.ndarray]:
    """The columns of a validated 2-D array in their own dtypes: a DataFrame's columns
    one by one (NumPy would give mixed columns one common, possibly lossy, dtype)."""
    if _is_pandas(raw) and hasattr(raw, "iloc") and getattr(raw, "ndim", 0) == 2:
        cols = [np.asarray(raw.iloc[:, j].to_numpy()) for j in range(raw.shape[1])]
        if all(c.ndim == 1 and c.shape[0] == validated.shape[0] for c in cols):
            return cols
    if validated.ndim == 1:
        return [validated]
    return [validated[:, j] for j in range(validated.shape[1])]


def check_discrete_flag(value, name: str) -> None:
    if not (isinstance(value, (bool, np.bool_)) or value == "auto"):
        raise ValueError(f"{name} must be 'auto', True or False, got {value!r}.")


def check_labels(estimator, y, hint: str) -> None:
    """Refuse a ``y`` that cannot be class labels: floats with non-integer values.

    For estimators that read each distinct value (or row) of ``y`` as a class, a
    continuous ``y`` (another layer, a real target) would silently become n classes of
    one sample each. Labels of any other dtype pass; NaN and infinity are left for
    :func:`check_xy` to report. ``hint`` says what to use instead.
    """
    y = _from_pandas(y, "y", True, estimator, "discrete_y")
    a = np.asarray(y)
    if a.dtype.kind != "f" or a.size == 0 or not np.all(np.isfinite(a)):
        return
    if np.all(np.mod(a, 1.0) == 0.0):
        return
    name = type(estimator).__name__
    shape = "a 2-D float y" if a.ndim == 2 and a.shape[1] > 1 else "a float y"
    raise ValueError(
        f"{name} reads y as class labels (each distinct value, or row, one class), but "
        f"got {shape} with non-integer values. {hint}"
    )


# ------------------------------------------------------------------ exact codes
def _codes_1d(a: np.ndarray) -> np.ndarray:
    """Codes 0..m-1 of the distinct values of a 1-D array, compared in its own dtype.

    Sorted order (as ``np.unique``) where the values can be sorted; objects that cannot
    be compared with each other (mixed types such as ``[0, "a", 2.5]``) get codes in
    order of first appearance, equal values (``==`` and hash) sharing one.
    """
    if a.dtype.kind in "iub" and a.size:
        lo, hi = int(a.min()), int(a.max())
        if hi - lo <= 4 * a.size:  # O(n) table lookup, same codes as np.unique
            if a.dtype.kind == "u":  # subtract first: uint64 may exceed int64
                shifted = (a - a.min()).astype(np.int64)
            else:
                shifted = a.astype(np.int64) - lo
            present = np.zeros(hi - lo + 1, np.int64)
            present[shifted] = 1
            return (np.cumsum(present) - 1)[shifted]
    if a.dtype.kind == "f":
        a = a + 0.0  # -0.0 and 0.0: one value
    if a.dtype.kind == "O":
        if any(v is None or type(v).__name__ == "NAType" for v in a):
            raise ValueError(
                "Discrete values contain missing values (None or pd.NA): drop or impute "
                "them first."
            )
        try:
            return np.unique(a, return_inverse=True)[1].reshape(-1).astype(np.int64)
        except TypeError:  # values of types that do not compare
            lookup: dict = {}
            try:
                return np.fromiter((lookup.setdefault(v, len(lookup)) for v in a),
                                   np.int64, a.size)
            except TypeError as exc:  # unhashable values
                raise TypeError(
                    "Discrete values are compared as symbols, so each argument must be "
                    f"a string, a number or another hashable value; got {exc}."
                ) from None
    return np.unique(a, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _combine(col_codes: list[np.ndarray], n: int) -> np.ndarray:
    """Codes of the distinct rows of columns of codes, in lexicographic order (the
    codes ``np.unique(axis=0)`` gives); exact at any alphabet size."""
    if not col_codes:
        return np.zeros(n, np.int64)
    acc = col_codes[0]
    for c in col_codes[1:]:
        m_c = int(c.max()) + 1 if c.size else 1
        acc = _codes_1d(acc * m_c + c)  # < n * n: no overflow below n = 3e9
    return acc


def column_codes(columns: list[np.ndarray]) -> tuple[list[np.ndarray], tuple[int, ...]]:
    """Exact codes of each column and the number of distinct values of each."""
    codes = [_codes_1d(np.asarray(c)) for c in columns]
    levels = tuple(int(c.max()) + 1 if c.size else 0 for c in codes)
    return codes, levels


def to_codes(a: np.ndarray) -> np.ndarray:
    """Integer codes 0..m-1, one per distinct row of ``a`` (1-D or 2-D).

    Values are compared in their own dtype, so integers of any width (``int64``
    beyond 2**53, ``uint64``), booleans, strings and objects (even of mixed types) are
    exact symbols.
    """
    a = np.asarray(a)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim == 1:
        return _codes_1d(a)
    codes, _ = column_codes([a[:, j] for j in range(a.shape[1])])
    return _combine(codes, a.shape[0])


def _discrete_floats(columns, codes, levels) -> np.ndarray:
    """float64 ``(n, d)`` array of a discrete side: the values where float64 holds
    them exactly and distinctly, each column's codes where it does not."""
    n = codes[0].shape[0] if codes else 0
    out = np.empty((n, len(columns)))
    for j, (col, code) in enumerate(zip(columns, codes)):
        kind = col.dtype.kind
        if kind == "b" or kind == "f":
            out[:, j] = col
        elif kind in "iu":
            exact = col.size == 0 or (-_EXACT_FLOAT_INT <= int(col.min())
                                      and int(col.max()) <= _EXACT_FLOAT_INT)
            out[:, j] = col if exact else code
        else:
            try:
                values = col.astype(np.float64)
            except ValueError:  # strings
                out[:, j] = code
                continue
            # (a TypeError, e.g. a dict among the values, propagates as NumPy says it)
            distinct = np.unique(values).size == levels[j]
            out[:, j] = values if distinct and np.isfinite(values).all() else code
    return out


def _discrete_side(raw, validated: np.ndarray):
    """(float64 (n, d) array, row codes, levels per column) of a discrete side."""
    columns = _columns(raw, validated)
    codes, levels = column_codes(columns)
    floats = _discrete_floats(columns, codes, levels)
    row_codes = codes[0] if len(codes) == 1 else _combine(codes, validated.shape[0])
    return floats, row_codes, levels


def _min_samples_error(estimator, n: int, min_samples: int, why: str) -> ValueError:
    name = type(estimator).__name__ if estimator is not None else "This estimator"
    return ValueError(
        f"{name} needs at least {min_samples} samples ({why}), got n_samples={n}."
    )


def check_xy(
    estimator,
    X,
    y,
    *,
    reset: bool = True,
    discrete_x="auto",
    discrete_y="auto",
    min_samples: int = 1,
    why: str = "",
    finite_x: bool = True,
) -> Data:
    """Validate ``(X, y)`` for an MI estimator.

    - ``X``: 2-D, numeric, finite; ``y``: 1-D or 2-D, finite, the same number of rows.
    - ``"auto"`` discrete detection: integer or boolean dtype, or a pandas categorical
      (and, for ``y``, strings or objects) means discrete. A discrete side is also
      returned as integer codes, one per distinct row, exact in the values' own dtype
      (see :class:`Data`). A pandas categorical is read through its codes; on a
      continuous side it is an error.
    - pandas nullable columns (``Int64``, ``Float64``, ``boolean``, ``string``) are
      read in their NumPy dtype; missing values (``pd.NA``) are an error.
    - At least ``min_samples`` rows (``why`` says what needs them).
    - ``finite_x=False`` skips the scan of ``X`` for NaN and infinity, for estimators
      whose kernels detect them in their own pass (and raise the same ValueError).

    The arrays returned may be the caller's own (no copy): estimators must not write
    into them.
    """
    check_discrete_flag(discrete_x, "discrete_x")
    check_discrete_flag(discrete_y, "discrete_y")
    if y is None:
        # let scikit-learn raise its standard "requires y" error
        _validate_data(estimator, X, y, reset=reset)
    _check_real(X, "X")
    _check_real(y, "y")
    _check_2d(X)
    disc_x = _kind(X) in _DISCRETE_KINDS if discrete_x == "auto" else bool(discrete_x)
    disc_y = _kind(y) in _LABEL_KINDS if discrete_y == "auto" else bool(discrete_y)
    X = _from_pandas(X, "X", disc_x, estimator, "discrete_x")
    y = _from_pandas(y, "y", disc_y, estimator, "discrete_y")
    raw_x = X
    X, y = _validate_data(
        estimator,
        X,
        y,
        reset=reset,
        # a discrete X keeps its dtype: its symbols are compared exactly
        dtype=None if disc_x else np.float64,
        multi_output=True,
        y_numeric=not disc_y,
        ensure_all_finite=finite_x,
    )
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}.")
    n = X.shape[0]
    if n < min_samples:
        raise _min_samples_error(estimator, n, min_samples, why)
    x_codes = x_levels = None
    if disc_x:
        X, x_codes, x_levels = _discrete_side(raw_x, X)
        if finite_x and not np.all(np.isfinite(X)):
            raise ValueError("Input X contains NaN or infinity.")
    y_codes = to_codes(y) if disc_y else None
    if not disc_y:
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
    else:
        y = y_codes.astype(np.float64)
    y = y.reshape(n, -1)
    return Data(X, y, disc_x, disc_y, y_codes, x_codes, x_levels)


def check_x(estimator, X, *, reset: bool = True, min_samples: int = 1, why: str = ""):
    """Validate a single 2-D sample array of continuous values (entropy estimators)."""
    _check_real(X, "X")
    _check_2d(X)
    X = _from_pandas(X, "X", False, estimator, "discrete_x")
    X = _validate_data(estimator, X, reset=reset, dtype=np.float64)
    if X.shape[0] < min_samples:
        raise _min_samples_error(estimator, X.shape[0], min_samples, why)
    return X


def check_symbols(estimator, X, *, reset: bool = True):
    """Validate a 2-D array whose rows are discrete symbols (plug-in entropy).

    Returns ``(codes, levels)``: exact codes of the distinct rows (values compared in
    their own dtype: integers of any width, booleans, strings, objects, pandas
    categoricals through their codes) and the number of distinct values of each column.
    """
    _check_real(X, "X")
    _check_2d(X)
    X = _from_pandas(X, "X", True, estimator, "discrete_x")
    validated = _validate_data(estimator, X, reset=reset, dtype=None)
    floats, codes, levels = _discrete_side(X, validated)
    if not np.all(np.isfinite(floats)):
        raise ValueError("Input X contains NaN or infinity.")
    return codes, levels


def check_same_n(name: str, a, n: int) -> np.ndarray:
    """Validate an extra sample array (e.g. a conditioning set ``z``) against ``n``."""
    _check_real(a, name)
    a = _from_pandas(a, name, False, None, None)
    with np.errstate(over="ignore", invalid="ignore"):
        a = check_array(a, dtype=np.float64, ensure_2d=False, input_name=name)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {a.shape}.")
    if a.shape[0] != n:
        raise ValueError(
            f"{name} has {a.shape[0]} samples but X has {n}: sample counts must match."
        )
    return a
