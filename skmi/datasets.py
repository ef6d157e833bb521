"""Small data sets and ground-truth samplers. Nothing is downloaded.

- :func:`load_digits_dataset`: scikit-learn's bundled 8x8 digits (the default of
  ``skmi infoplane``).
- :func:`make_tishby_12bit`: the 4096 binary patterns of Shwartz-Ziv & Tishby (2017).
- :func:`load_mnist`: MNIST from IDX or ``.npz`` files the user already has.
- :func:`make_gaussian_pairs`: correlated Gaussian pairs with their exact MI.
- :func:`make_redundant_copies`, :func:`make_xor`: where univariate feature ranking
  fails (redundant copies; a pair that informs only jointly).

The estimator benchmark's samplers (Czyż et al. 2023 and others) are in
:mod:`skmi.benchmark.tasks`.
"""

from __future__ import annotations

import gzip
import math
import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np

__all__ = [
    "load_digits_dataset",
    "make_tishby_12bit",
    "icosahedron_vertices",
    "load_mnist",
    "read_idx",
    "make_gaussian_pairs",
    "make_redundant_copies",
    "make_xor",
]


#: Fewest rows a sampler returns: one row shows no dependence (a mutual information
#: estimate needs at least two samples) and leaves the label thresholds undefined.
MIN_SAMPLES = 2


def _check_n_samples(n_samples, func: str) -> int:
    """``n_samples`` as an int >= :data:`MIN_SAMPLES`, else a clear error."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral):
        raise TypeError(
            f"{func}: n_samples must be an int, got {type(n_samples).__name__} "
            f"{n_samples!r}."
        )
    if n_samples < MIN_SAMPLES:
        raise ValueError(
            f"{func}: n_samples must be at least {MIN_SAMPLES} (a single sample shows "
            f"no dependence between variables), got {n_samples}."
        )
    return int(n_samples)


def _check_real(value, name: str, func: str) -> float:
    """``value`` as a finite float, else a clear error."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{func}: {name} must be a real number, got {value!r}.")
    if not math.isfinite(value):
        raise ValueError(f"{func}: {name} must be finite, got {value!r}.")
    return float(value)


def load_digits_dataset(scale: str | None = "unit") -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits: 1797 images of 8x8 pixels, 10 classes.

    Parameters
    ----------
    scale : {"unit", "standard"} or None, default="unit"
        ``"unit"``: pixel values (0..16) divided by 16, so inputs lie in [0, 1];
        ``"standard"``: each pixel centred and divided by its standard deviation
        (constant pixels left at 0); None: the raw values.

    Returns
    -------
    X : ndarray of shape (1797, 64), float64
    y : ndarray of shape (1797,), int64

    Examples
    --------
    >>> from skmi.datasets import load_digits_dataset
    >>> X, y = load_digits_dataset()
    >>> X.shape, float(X.min()), float(X.max()), len(set(y.tolist()))
    ((1797, 64), 0.0, 1.0, 10)
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float64)
    if scale == "unit":
        X = X / 16.0
    elif scale == "standard":
        sd = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    elif scale is not None:
        raise ValueError(f"scale must be 'unit', 'standard' or None, got {scale!r}.")
    return X, y.astype(np.int64)


def icosahedron_vertices() -> np.ndarray:
    """The 12 unit vectors to the vertices of the regular icosahedron, shape (12, 3).

    The vertices are the cyclic permutations of ``(0, ±1, ±phi)``, normalised
    (``phi`` the golden ratio); every vertex has 5 neighbours at dot product
    ``1/sqrt(5)``, 5 at ``-1/sqrt(5)`` and one antipode.
    """
    phi = (1.0 + np.sqrt(5.0)) / 2.0
    v = []
    for a in (-1.0, 1.0):
        for b in (-1.0, 1.0):
            v += [(0.0, a, b * phi), (a, b * phi, 0.0), (b * phi, 0.0, a)]
    v = np.array(v)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def make_tishby_12bit(threshold: float = 2.5) -> tuple[np.ndarray, np.ndarray]:
    """All 4096 binary patterns of 12 inputs with a rotation-invariant binary label.

    Following the description in Shwartz-Ziv & Tishby (2017): each of the 12 inputs is
    a vertex of the regular icosahedron (12 points spread evenly on the sphere,
    :func:`icosahedron_vertices`), a pattern ``x`` selects the vertices whose bit is 1,
    and the label thresholds a function of the selected vertices that is invariant
    under O(3) (rotations and reflections of the sphere):

    ``f(x) = |sum_i x_i v_i|^2 = k + 2 sum_{i<j selected} v_i . v_j``,

    the squared length of the sum of the selected unit vectors (``k`` bits set), and
    ``y = 1`` when ``f(x) > threshold``. f takes 20 distinct values; the default
    threshold 2.5 (between 2.21 and 2.89) gives 2036 positives, p(y=1) = 0.497.
    (The original paper does not publish its function; this is one that matches the
    description.)

    Row ``r`` is the binary expansion of ``r`` (bit ``j`` in column ``j``), so the
    rows are all distinct and H(X) = 12 bits under the uniform distribution.

    Parameters
    ----------
    threshold : float, default=2.5
        A finite number that leaves both classes non-empty (f ranges over [0, 10.47]).

    Returns
    -------
    X : ndarray of shape (4096, 12), float64 of 0 and 1
    y : ndarray of shape (4096,), int64

    Raises
    ------
    ValueError
        For a NaN or infinite threshold, or one that puts every pattern in one class.

    References
    ----------
    R. Shwartz-Ziv, N. Tishby, "Opening the black box of deep neural networks via
    information", arXiv:1703.00810 (2017).

    Examples
    --------
    >>> from skmi.datasets import make_tishby_12bit
    >>> X, y = make_tishby_12bit()
    >>> X.shape, len({tuple(r) for r in X}), round(float(y.mean()), 3)
    ((4096, 12), 4096, 0.497)
    """
    threshold = _check_real(threshold, "threshold", "make_tishby_12bit")
    X = ((np.arange(4096)[:, None] >> np.arange(12)) & 1).astype(np.float64)
    f = np.sum((X @ icosahedron_vertices()) ** 2, axis=1)
    y = (f > threshold).astype(np.int64)
    if y.min() == y.max():
        raise ValueError(
            f"make_tishby_12bit: threshold={threshold} puts all 4096 patterns in class "
            f"{int(y[0])}; f(x) ranges over [{f.min():.3g}, {f.max():.3g}], so pick a "
            "threshold inside it (default 2.5)."
        )
    return X, y


# ----------------------------------------------------------------------- MNIST
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
               0x0E: ">f8"}


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST format), optionally gzipped (``.gz``).

    Returns
    -------
    array : ndarray
        With the shape and type stored in the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    with _open(path) as fh:
        data = fh.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number).")
    ndim = data[3]
    shape = tuple(int(d) for d in np.frombuffer(data, ">u4", ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    count = int(np.prod(shape)) if shape else 1
    offset = 4 + 4 * ndim
    if len(data) - offset != count * dtype.itemsize:
        raise ValueError(f"{path}: header says shape {shape} but the file has "
                         f"{len(data) - offset} bytes of data.")
    return np.frombuffer(data, dtype, count, offset=offset).reshape(shape).astype(
        dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                 stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_mnist(path: str | os.PathLike, labels_path: str | os.PathLike | None = None, *,
               subset: str = "train", scale: bool = True,
               dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from local files (nothing is downloaded).

    Parameters
    ----------
    path : str or path-like
        One of:

        - a folder holding the standard IDX files (``train-images-idx3-ubyte`` and
          ``train-labels-idx1-ubyte``, ``t10k-...`` for the test set, optionally
          ``.gz``);
        - an IDX images file; its labels are ``labels_path`` or the file of the same
          name with ``images-idx3`` replaced by ``labels-idx1``;
        - an ``.npz`` file with ``x_train, y_train, x_test, y_test`` (the Keras file)
          or ``X, y``.
    labels_path : str or path-like or None
    subset : {"train", "test"}, default="train"
    scale : bool, default=True
        Bring pixel values to [0, 1]: integer images (the IDX files' bytes, 0-255) and
        float images with values above 1 are divided by 255; float images already in
        [0, 1] are kept as they are.
    dtype : numpy dtype, default=numpy.float32
        Of the images: float32 (what a network trains on; 188 MB for the 60,000
        training images instead of 376 MB) or float64.

    Returns
    -------
    X : ndarray of shape (n_samples, 784), ``dtype``
    y : ndarray of shape (n_samples,), int64

    Raises
    ------
    FileNotFoundError
        When a file is missing (the message says what was looked for).
    ValueError
        When the images hold NaN or infinite values, or the labels are not integers.
    """
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    path = Path(path)
    hint = ("skmi does not download data: get MNIST yourself (e.g. the IDX files or "
            "Keras' mnist.npz) and pass its path.")
    if not path.exists():
        raise FileNotFoundError(f"MNIST not found at {path}. {hint}")
    if path.is_dir():
        prefix = "train" if subset == "train" else "t10k"
        images = _find(path, f"{prefix}-images-idx3-ubyte")
        labels = _find(path, f"{prefix}-labels-idx1-ubyte")
        if images is None or labels is None:
            raise FileNotFoundError(
                f"{path} has no {prefix}-images-idx3-ubyte[.gz] and "
                f"{prefix}-labels-idx1-ubyte[.gz]. {hint}")
        X, y = read_idx(images), read_idx(labels)
    elif path.suffix == ".npz":
        with np.load(path) as data:
            keys = set(data.files)
            if {"x_train", "y_train"} <= keys:
                X = data[f"x_{subset}"]
                y = data[f"y_{subset}"]
            elif {"X", "y"} <= keys:
                X, y = data["X"], data["y"]
            else:
                raise ValueError(f"{path} needs arrays x_train/y_train/x_test/y_test or "
                                 f"X/y, found {sorted(keys)}.")
    else:
        if labels_path is None:
            guess = path.name.replace("images-idx3", "labels-idx1").replace(
                "images.idx3", "labels.idx1")
            if guess == path.name:
                raise ValueError(f"cannot infer the labels file of {path}; pass "
                                 "labels_path.")
            labels_path = path.with_name(guess)
        labels_path = Path(labels_path)
        if not labels_path.is_file():
            raise FileNotFoundError(f"MNIST labels not found at {labels_path}. {hint}")
        X, y = read_idx(path), read_idx(labels_path)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, got {dtype}.")
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"MNIST images must be numeric, got dtype {X.dtype}.")
    integer_images = X.dtype.kind in "biu"
    X = X.reshape(len(X), -1).astype(dtype)
    if not np.isfinite(X).all():
        bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
        raise ValueError(
            f"MNIST images hold NaN or infinite values ({bad.size} of {len(X)} images, "
            f"the first at row {bad[0]}); pixel values must be finite."
        )
    y = np.asarray(y).reshape(-1)
    if y.dtype.kind == "f":
        if not (np.isfinite(y).all() and np.array_equal(y, np.round(y))):
            raise ValueError("MNIST labels must be integers; the label file holds "
                             "non-integer, NaN or infinite values.")
    elif y.dtype.kind not in "biu":
        raise ValueError(f"MNIST labels must be integers, got dtype {y.dtype}.")
    y = y.astype(np.int64)
    if len(X) != len(y):
        raise ValueError(f"{len(X)} images but {len(y)} labels.")
    if scale and (integer_images or X.size and float(X.max()) > 1.0):
        X /= dtype.type(255.0)
    return X, y


# ----------------------------------------------------------------- ground truth
def make_gaussian_pairs(n_samples: int = 1000, rho: float = 0.6, n_pairs: int = 1, *,
                        random_state=None) -> tuple[np.ndarray, np.ndarray, float]:
    """``n_pairs`` independent correlated Gaussian pairs and their exact MI (nats).

    ``X[:, j]`` and ``Y[:, j]`` are standard normal with correlation ``rho``; pairs are
    independent, so ``I(X; Y) = -n_pairs / 2 * log(1 - rho^2)``.

    Parameters
    ----------
    n_samples : int, default=1000
        At least :data:`MIN_SAMPLES` (2).
    rho : float, default=0.6
        In (-1, 1).
    n_pairs : int, default=1
    random_state : int, Generator or None, default=None

    Returns
    -------
    X, Y : ndarray of shape (n_samples, n_pairs)
    mi : float
        The true mutual information, nats.

    Examples
    --------
    >>> from skmi.datasets import make_gaussian_pairs
    >>> X, Y, mi = make_gaussian_pairs(500, rho=0.6, n_pairs=2, random_state=0)
    >>> X.shape, round(mi, 5)
    ((500, 2), 0.44629)
    """
    n_samples = _check_n_samples(n_samples, "make_gaussian_pairs")
    rho = _check_real(rho, "rho", "make_gaussian_pairs")
    if not -1.0 < rho < 1.0:
        raise ValueError(f"rho must lie in (-1, 1), got {rho}.")
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, Integral) or n_pairs < 1:
        raise ValueError(f"make_gaussian_pairs: n_pairs must be an int >= 1, got "
                         f"{n_pairs!r}.")
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n_samples, n_pairs))
    Y = rho * X + np.sqrt(1.0 - rho**2) * rng.standard_normal((n_samples, n_pairs))
    return X, Y, float(-0.5 * n_pairs * np.log1p(-(rho**2)))


# ------------------------------------------------------------ feature selection
def make_redundant_copies(n_samples: int = 1000, *, discrete: bool = False,
                          random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Three near-copies of one informative feature, an independent one, and noise.

    Columns 0-2 are noisy copies of a feature ``x0`` (continuous: ``x0`` plus N(0, 0.1^2)
    noise; discrete: ``x0`` in {0..3} with 5% of its entries redrawn), column 3 is an
    independent feature ``x3`` that matters less, columns 4-8 are noise, and
    ``y = [x0 + 0.6 x3 + noise > median]``. The best pair of columns is one copy and
    column 3; a univariate ranking takes two copies.

    Parameters
    ----------
    n_samples : int, default=1000
        At least :data:`MIN_SAMPLES` (2).
    discrete : bool, default=False
    random_state : int, Generator or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 9)
    y : ndarray of shape (n_samples,), int64 in {0, 1}

    Examples
    --------
    >>> from skmi.datasets import make_redundant_copies
    >>> X, y = make_redundant_copies(200, random_state=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((200, 9), [0, 1])
    """
    n = _check_n_samples(n_samples, "make_redundant_copies")
    rng = np.random.default_rng(random_state)
    if discrete:
        x0, x3 = rng.integers(0, 4, n), rng.integers(0, 4, n)
        copies = []
        for _ in range(3):
            c = x0.copy()
            flip = rng.random(n) < 0.05
            c[flip] = rng.integers(0, 4, flip.sum())
            copies.append(c)
        s = x0 + 0.6 * x3 + rng.normal(0, 0.5, n)
        noise = rng.integers(0, 4, (n, 5))
    else:
        x0, x3 = rng.standard_normal(n), rng.standard_normal(n)
        copies = [x0 + 0.1 * rng.standard_normal(n) for _ in range(3)]
        s = x0 + 0.6 * x3 + 0.3 * rng.standard_normal(n)
        noise = rng.standard_normal((n, 5))
    y = (s > np.median(s)).astype(np.int64)
    return np.column_stack([*copies, x3, noise]), y


def make_xor(n_samples: int = 600, *, discrete: bool = False,
             random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """``y = x1 XOR x2`` among 8 noise columns: no single column carries information.

    Discrete: 10 fair bits, ``y = X[:, 1] ^ X[:, 2]``; continuous: 10 standard normal
    columns, ``y = [X[:, 1] X[:, 2] > 0]``. I(X_j; y) = 0 for every column, while
    I(X_1, X_2; y) = log 2.

    Parameters
    ----------
    n_samples : int, default=600
        At least :data:`MIN_SAMPLES` (2).
    discrete : bool, default=False
    random_state : int, Generator or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 10)
    y : ndarray of shape (n_samples,), int64 in {0, 1}

    Examples
    --------
    >>> from skmi.datasets import make_xor
    >>> X, y = make_xor(100, discrete=True, random_state=0)
    >>> bool(((X[:, 1] ^ X[:, 2]) == y).all())
    True
    """
    n_samples = _check_n_samples(n_samples, "make_xor")
    rng = np.random.default_rng(random_state)
    if discrete:
        X = rng.integers(0, 2, (n_samples, 10))
        return X, X[:, 1] ^ X[:, 2]
    X = rng.standard_normal((n_samples, 10))
    return X, (X[:, 1] * X[:, 2] > 0).astype(np.int64)
