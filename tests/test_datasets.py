"""skmi.datasets: bundled digits, the 12-bit patterns, local MNIST files, samplers."""

import gzip

import numpy as np
import pytest

from skmi.datasets import (
    icosahedron_vertices,
    load_digits_dataset,
    load_mnist,
    make_gaussian_pairs,
    make_tishby_12bit,
    read_idx,
)


def test_digits_scalings():
    X, y = load_digits_dataset()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    Xs, _ = load_digits_dataset("standard")
    used = Xs.std(axis=0) > 0
    np.testing.assert_allclose(Xs[:, used].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xs[:, used].std(axis=0), 1, atol=1e-12)
    with pytest.raises(ValueError, match="scale"):
        load_digits_dataset("bogus")


def test_icosahedron():
    V = icosahedron_vertices()
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0)
    G = V @ V.T
    for row in G:   # 1 self, 5 at 1/sqrt(5), 5 at -1/sqrt(5), one antipode
        vals = np.sort(np.round(row, 6))
        np.testing.assert_allclose(vals, np.sort([-1] + [-5**-0.5] * 5 + [5**-0.5] * 5
                                                 + [1]), atol=1e-6)


def test_tishby_12bit():
    X, y = make_tishby_12bit()
    assert X.shape == (4096, 12)
    assert len(np.unique(X, axis=0)) == 4096
    assert set(np.unique(X)) == {0.0, 1.0}
    assert 0.4 <= y.mean() <= 0.6
    # the label is O(3)-invariant: rotating the vertices does not change f(x)
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    V = icosahedron_vertices()
    f = np.sum((X @ V) ** 2, axis=1)
    np.testing.assert_allclose(np.sum((X @ (V @ Q.T)) ** 2, axis=1), f, atol=1e-9)
    np.testing.assert_array_equal(y, (f > 2.5).astype(int))


def _write_idx(path, array, code):
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as fh:
        fh.write(data)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_load_mnist_idx(tmp_path, suffix):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    _write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, 0x08)
    _write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels, 0x08)
    X, y = load_mnist(tmp_path)
    assert X.shape == (5, 784)
    np.testing.assert_allclose(X, images.reshape(5, -1) / 255.0)
    np.testing.assert_array_equal(y, labels)
    X2, y2 = load_mnist(tmp_path / f"train-images-idx3-ubyte{suffix}", scale=False)
    np.testing.assert_array_equal(X2, images.reshape(5, -1))
    with pytest.raises(FileNotFoundError, match="t10k"):
        load_mnist(tmp_path, subset="test")


def test_read_idx_other_types(tmp_path):
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    _write_idx(tmp_path / "f.idx", a, 0x0D)
    np.testing.assert_array_equal(read_idx(tmp_path / "f.idx"), a)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad")


def test_load_mnist_npz_and_missing(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=np.arange(4), x_test=x[:2],
             y_test=np.arange(2))
    X, y = load_mnist(tmp_path / "mnist.npz", subset="test")
    assert X.shape == (2, 784) and list(y) == [0, 1]
    with pytest.raises(FileNotFoundError, match="does not download"):
        load_mnist(tmp_path / "nowhere" / "mnist.npz")


def test_load_mnist_scale_float_images(tmp_path):
    # float images already in [0, 1] are not divided by 255 a second time
    rng = np.random.default_rng(2)
    raw = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    np.savez(tmp_path / "a.npz", X=raw, y=np.arange(3))
    np.savez(tmp_path / "b.npz", X=raw / 255.0, y=np.arange(3))
    np.savez(tmp_path / "c.npz", X=raw.astype(np.float64), y=np.arange(3))
    a = load_mnist(tmp_path / "a.npz")[0]
    np.testing.assert_allclose(load_mnist(tmp_path / "b.npz")[0], a, rtol=1e-6)
    np.testing.assert_allclose(load_mnist(tmp_path / "c.npz")[0], a, rtol=1e-6)
    assert a.max() <= 1.0 and load_mnist(tmp_path / "c.npz", scale=False)[0].max() > 1


def test_gaussian_pairs():
    X, Y, mi = make_gaussian_pairs(20000, rho=0.9, n_pairs=1, random_state=0)
    assert mi == pytest.approx(0.83037, abs=1e-5)
    assert np.corrcoef(X[:, 0], Y[:, 0])[0, 1] == pytest.approx(0.9, abs=0.01)
