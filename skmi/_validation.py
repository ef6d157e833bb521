"""Input validation shared by every skmi estimator and function."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import check_array, validate_data

__all__ = ["Data", "check_xy", "check_x", "check_discrete_flag", "check_labels", "to_codes"]

_DISCRETE_KINDS = "biu"  # bool, signed and unsigned integers
_LABEL_KINDS = "biuOSU"  # ... and, for targets, objects and strings


@dataclass(frozen=True)
class Data:
    """Validated inputs: float64 2-D arrays (views of the user's data, never written)."""

    X: np.ndarray
    y: np.ndarray
    discrete_x: bool
    discrete_y: bool
    y_codes: np.ndarray | None = None
    x_codes: np.ndarray | None = None

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]


def _kind(a) -> str:
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        dtypes = getattr(a, "dtypes", None)  # pandas DataFrame
        if dtypes is not None:
            kinds = {np.dtype(t).kind if hasattr(t, "kind") else "O" for t in dtypes}
            return kinds.pop() if len(kinds) == 1 else "f"
        try:
            dtype = np.asarray(a).dtype
        except (TypeError, ValueError):
            return "O"
    return np.dtype(dtype).kind if hasattr(dtype, "kind") else "O"


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


def to_codes(a: np.ndarray) -> np.ndarray:
    """Integer codes 0..m-1, one per distinct row of ``a`` (1-D or 2-D)."""
    a = np.asarray(a)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim == 1:
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
        return np.unique(a, return_inverse=True)[1].reshape(-1).astype(np.int64)
    if a.dtype.kind == "O":
        rows = [tuple(r) for r in a]
        lookup: dict = {}
        return np.array([lookup.setdefault(r, len(lookup)) for r in rows], np.int64)
    return np.unique(a, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


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
    - ``"auto"`` discrete detection: integer or boolean dtype (and, for ``y``, strings
      or objects) means discrete. A discrete side is also returned as integer codes,
      one per distinct row.
    - At least ``min_samples`` rows (``why`` says what needs them).
    - ``finite_x=False`` skips the scan of ``X`` for NaN and infinity, for estimators
      whose kernels detect them in their own pass (and raise the same ValueError).

    The arrays returned may be the caller's own (no copy): estimators must not write
    into them.
    """
    check_discrete_flag(discrete_x, "discrete_x")
    check_discrete_flag(discrete_y, "discrete_y")
    disc_x = _kind(X) in _DISCRETE_KINDS if discrete_x == "auto" else bool(discrete_x)
    disc_y = _kind(y) in _LABEL_KINDS if discrete_y == "auto" else bool(discrete_y)
    if y is None:
        # let scikit-learn raise its standard "requires y" error
        validate_data(estimator, X, y, reset=reset)
    X, y = validate_data(
        estimator,
        X,
        y,
        reset=reset,
        dtype=np.float64,
        multi_output=True,
        y_numeric=not disc_y,
        ensure_all_finite=finite_x,
    )
    if y.ndim > 2:
        raise ValueError(f"y must be 1-D or 2-D, got an array of shape {y.shape}.")
    n = X.shape[0]
    if n < min_samples:
        raise _min_samples_error(estimator, n, min_samples, why)
    y_codes = to_codes(y) if disc_y else None
    x_codes = to_codes(X) if disc_x else None
    if not disc_y:
        y = np.asarray(y, dtype=np.float64)
        if not np.all(np.isfinite(y)):
            raise ValueError("Input y contains NaN or infinity.")
    else:
        y = y_codes.astype(np.float64)
    y = y.reshape(n, -1)
    return Data(X, y, disc_x, disc_y, y_codes, x_codes)


def check_x(estimator, X, *, reset: bool = True, min_samples: int = 1, why: str = ""):
    """Validate a single 2-D sample array (entropy estimators)."""
    X = validate_data(estimator, X, reset=reset, dtype=np.float64)
    if X.shape[0] < min_samples:
        raise _min_samples_error(estimator, X.shape[0], min_samples, why)
    return X


def check_same_n(name: str, a, n: int) -> np.ndarray:
    """Validate an extra sample array (e.g. a conditioning set ``z``) against ``n``."""
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
