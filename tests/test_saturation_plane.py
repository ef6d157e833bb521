"""Saturation: the warnings, information_vs_scale and its plot, and the flags, ceilings
and markers of the information plane (the plane tests need torch, the rest do not)."""

import csv
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from skmi import KDEMI, BinningMI, SaturationWarning
from skmi.nn.scale import SCALE_COLUMNS, default_scales, information_vs_scale

LN2 = math.log(2.0)


def _rows(table):
    return table.to_dict("records") if hasattr(table, "to_dict") else list(table)


def _silent():
    """A context in which any SaturationWarning is an error."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error", SaturationWarning)
    return ctx


def _relu_layer(n=400, d=256, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    T = np.maximum(rng.standard_normal((n, d)) + 0.5 * y[:, None], 0.0)
    return T, y


@pytest.fixture(autouse=True)
def _agg():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# ------------------------------------------------------------- estimator warnings
def test_binning_wide_layer_saturates():
    T, y = _relu_layer()
    with pytest.warns(SaturationWarning, match="alone in their bin"):
        est = BinningMI(30, strategy="minmax").fit(T, np.arange(len(T)))
    assert est.saturated_ and est.mi_ == pytest.approx(math.log(len(T)))
    with pytest.warns(SaturationWarning, match=r"H\(y\)"):
        ty = BinningMI(30, strategy="minmax").fit(T, y)
    assert ty.saturated_


def test_binning_narrow_layer_is_silent():
    rng = np.random.default_rng(1)
    T = np.tanh(rng.standard_normal((500, 2)))
    ctx = _silent()
    try:
        est = BinningMI(3, strategy="minmax").fit(T, np.arange(500))
        assert not est.saturated_ and est.mi_ < math.log(9) + 1e-9
        assert not BinningMI(3, strategy="minmax").fit(T, rng.integers(0, 2, 500)).saturated_
    finally:
        ctx.__exit__(None, None, None)


def test_kde_warnings_tiny_huge_and_well_chosen():
    T, y = _relu_layer(n=300, d=32)
    n = len(T)
    with pytest.warns(SaturationWarning, match="far below"):
        tiny = KDEMI(1e-6).fit(T, np.arange(n))
    assert tiny.saturated_ and tiny.mi_ == pytest.approx(math.log(n), abs=1e-6)
    with pytest.warns(SaturationWarning, match="swamps"):
        huge = KDEMI(1e6).fit(T, np.arange(n))
    assert huge.saturated_ and huge.mi_ < 1e-3
    ctx = _silent()
    try:
        good = KDEMI(0.1, relative_noise=True).fit(T, np.arange(n))
        assert not good.saturated_ and 0.5 < good.mi_ < math.log(n) - 0.5
        assert not KDEMI(0.1, relative_noise=True).fit(T, y).saturated_
    finally:
        ctx.__exit__(None, None, None)


# ------------------------------------------------------------ information_vs_scale
def test_binning_sweep_grows_to_log_n():
    T, y = _relu_layer(n=300, d=8)
    n = len(T)
    nested = [2, 4, 8, 16, 32, 64, 128]      # each grid refines the last: monotone
    ctx = _silent()
    try:
        rows = _rows(information_vs_scale(T, y, scales=nested))
    finally:
        ctx.__exit__(None, None, None)
    assert [r["scale"] for r in rows] == nested
    ixt = np.array([r["I_XT"] for r in rows])
    ity = np.array([r["I_TY"] for r in rows])
    assert np.all(np.diff(ixt) >= -1e-9) and np.all(np.diff(ity) >= -1e-9)
    assert ixt[0] < 0.5 * math.log2(n)
    assert rows[-1]["saturated_XT"] and rows[-1]["saturated_TY"]
    assert ixt[-1] == pytest.approx(math.log2(n), abs=0.05)
    assert not rows[0]["saturated_XT"]
    h_y = -sum(p * math.log2(p) for p in np.bincount(y) / n)
    assert all(r["H_Y"] == pytest.approx(h_y) for r in rows)
    assert ity[-1] == pytest.approx(h_y, abs=1e-9)
    first = rows[0]
    assert first["scale_name"] == "n_bins" and first["unit"] == "bits"
    assert first["n_samples"] == n and first["layer_width"] == 8
    assert first["absolute_scale"] == pytest.approx((T.max() - T.min()) / 2)
    assert first["convention"] == "BinningMI: 2 bins over the observed range (minmax)"
    assert list(_rows(information_vs_scale(T, scales=[4]))[0]) == list(SCALE_COLUMNS)


def test_noise_sweep_falls_and_spans_both_ends():
    T, y = _relu_layer(n=300, d=16)
    n = len(T)
    grid = default_scales(T, "noise")
    assert np.any(np.isclose(grid, 0.1))
    ctx = _silent()   # the default grid has usable scales: no summary warning
    try:
        rows = _rows(information_vs_scale(T, y, kind="noise"))
    finally:
        ctx.__exit__(None, None, None)
    np.testing.assert_allclose([r["scale"] for r in rows], grid)
    ixt = np.array([r["I_XT"] for r in rows])
    assert np.all(np.diff(ixt) < 0)              # more noise, less information
    assert rows[0]["saturated_XT"] and rows[0]["saturated_TY"]
    assert ixt[0] == pytest.approx(math.log2(n), abs=0.05)
    assert rows[-1]["saturated_XT"] and ixt[-1] < 0.05
    assert not all(r["saturated_XT"] for r in rows)
    trace = np.var(T, axis=0).sum()
    for r in rows:
        assert r["scale_name"] == "noise_variance"
        assert r["absolute_scale"] == pytest.approx(r["scale"] * trace)
    # the unit only converts
    nats = _rows(information_vs_scale(T, y, kind="noise", scales=[0.1], unit="nats"))[0]
    bits = _rows(information_vs_scale(T, y, kind="noise", scales=[0.1]))[0]
    assert nats["I_XT"] == pytest.approx(bits["I_XT"] * LN2)
    assert nats["H_Y"] == pytest.approx(bits["H_Y"] * LN2)
    assert "0.1 x the layer's total variance" in bits["convention"]


def test_sweep_summarises_warnings_once():
    T, y = _relu_layer(n=200, d=64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = _rows(information_vs_scale(T, y, scales=[16, 32, 64]))
    sat = [w for w in caught if issubclass(w.category, SaturationWarning)]
    assert len(sat) == 1 and "16, 32, 64" in str(sat[0].message)
    assert sat[0].filename == __file__        # attributed to the caller
    assert all(r["saturated_XT"] for r in rows)
    # a sweep with unsaturated scales: the flags only, no warning
    ctx = _silent()
    try:
        narrow = np.random.default_rng(3).normal(size=(200, 2))
        rows = _rows(information_vs_scale(narrow, y, scales=[2, 4, 512]))
    finally:
        ctx.__exit__(None, None, None)
    assert [r["saturated_XT"] for r in rows] == [False, False, True]


def test_sweep_input_errors():
    T, y = _relu_layer(n=50, d=3)
    with pytest.raises(ValueError, match="kind"):
        information_vs_scale(T, kind="kde")
    with pytest.raises(ValueError, match="integers"):
        information_vs_scale(T, scales=[2.5])
    with pytest.raises(ValueError, match="positive"):
        information_vs_scale(T, kind="noise", scales=[0.0])
    with pytest.raises(ValueError, match="labels"):
        information_vs_scale(T, y[:-1])
    with pytest.raises(ValueError, match="unit"):
        information_vs_scale(T, unit="bans")
    one = _rows(information_vs_scale(T[:, 0], scales=[4]))[0]   # 1-D: one unit
    assert one["layer_width"] == 1 and math.isnan(one["I_TY"]) and math.isnan(one["H_Y"])


def test_scale_display():
    from skmi.plotting import InformationScaleDisplay

    T, y = _relu_layer(n=200, d=6)
    table = information_vs_scale(T, y, scales=[2, 3, 4, 8, 64, 256])
    disp = InformationScaleDisplay.from_table(table)
    ax = disp.ax_
    assert ax.get_xscale() == "log" and disp.figure_ is ax.figure
    assert set(disp.lines_) == {"I(X;T)", "I(T;Y)"}
    np.testing.assert_allclose(disp.lines_["I(X;T)"].get_xdata(), [2, 3, 4, 8, 64, 256])
    sat = disp.saturated_["I(X;T)"]
    assert sat.get_markerfacecolor() == "white"            # hollow
    rows = _rows(table)
    assert len(sat.get_xdata()) == sum(r["saturated_XT"] for r in rows) >= 1
    assert disp.reference_lines_["log N"].get_ydata()[0] == pytest.approx(math.log2(200))
    assert disp.reference_lines_["H(Y)"].get_ydata()[0] == pytest.approx(rows[0]["H_Y"])
    labels = ax.get_legend_handles_labels()[1]
    assert "saturated (pinned by the scale)" in labels
    assert any(label.startswith("log N = 7.64 bits") for label in labels)
    assert "bins over the observed range" in ax.get_title() and "N = 200" in ax.get_title()
    # a list of dicts (no pandas) and a sweep without labels
    plain = [dict(r) for r in _rows(information_vs_scale(T, kind="noise", scales=[0.01, 1]))]
    disp = InformationScaleDisplay.from_table(plain)
    assert set(disp.lines_) == {"I(X;T)"} and set(disp.reference_lines_) == {"log N"}
    assert "noise variance" in disp.ax_.get_xlabel()
    assert "relative to the layer's total variance" in disp.ax_.get_title()
    with pytest.raises(ValueError, match="mixes"):
        InformationScaleDisplay.from_table(_rows(table) + plain)


def test_scale_module_works_without_torch():
    code = (
        "import sys\n"
        "class NoTorch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ImportError('No module named torch')\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        "import matplotlib\n"
        "matplotlib.use('Agg')\n"
        "import numpy as np\n"
        "from skmi.nn import information_vs_scale\n"
        "from skmi.plotting import InformationScaleDisplay\n"
        "T = np.random.default_rng(0).normal(size=(60, 3))\n"
        "t = information_vs_scale(T, np.arange(60) % 2, scales=[2, 4])\n"
        "InformationScaleDisplay.from_table(t)\n"
        "print('torch' in sys.modules, len(t))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "2"]


# ------------------------------------------------------------------ the plane
def _plane_model():
    """act1: 64 tanh units (saturates 30 bins on 120 samples); act2: 2 units."""
    torch = pytest.importorskip("torch")
    from skmi.nn import make_mlp

    torch.manual_seed(0)
    return make_mlp([6, 64, 2, 3], "tanh")


@pytest.fixture
def one_thread():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_plane_records_flags_and_one_warning(tmp_path, one_thread):
    from skmi.nn import InformationPlane
    from skmi.nn.plane import COLUMNS

    model = _plane_model()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6)) * 3
    y = rng.integers(0, 3, 120)
    plane = InformationPlane(["act1", "act2"],
                             BinningMI(30, strategy="fixed", bin_range=(-1, 1)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = plane.record(model, X, y, epoch=0)
    sat = [w for w in caught if issubclass(w.category, SaturationWarning)]
    assert len(sat) == 1
    text = str(sat[0].message)
    assert "act1 (64 units): I(X;T) and I(T;Y)" in text and "act2" not in text
    assert sat[0].filename == __file__
    by_layer = {r["layer"]: r for r in rows}
    h_y = -sum(p * math.log2(p) for p in np.bincount(y) / 120)
    assert by_layer["act1"]["saturated_XT"] is True and by_layer["act1"]["saturated_TY"]
    assert by_layer["act1"]["I_XT"] == pytest.approx(math.log2(120))
    assert by_layer["act2"]["saturated_XT"] is False
    assert by_layer["act2"]["saturated_TY"] is False
    assert all(r["H_Y"] == pytest.approx(h_y) for r in rows)
    assert by_layer["act1"]["I_TY"] == pytest.approx(h_y)
    # a second record: again exactly one summary
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plane.record(model, X, y, epoch=1)
    assert sum(issubclass(w.category, SaturationWarning) for w in caught) == 1
    path = tmp_path / "plane.csv"
    plane.to_csv(path)
    with open(path, newline="") as fh:
        got = list(csv.DictReader(fh))
    assert tuple(got[0]) == COLUMNS
    assert {"saturated_XT", "saturated_TY", "H_Y"} <= set(COLUMNS)
    assert [g["saturated_XT"] for g in got] == ["True", "False", "True", "False"]
    assert float(got[0]["H_Y"]) == pytest.approx(h_y)
    # the plot: saturated points marked, ceilings drawn, widths in the legend
    disp = plane.plot()
    assert set(disp.saturated_) == {"act1"}
    assert len(disp.saturated_["act1"].get_offsets()) == 2
    assert disp.reference_lines_["log N"].get_xdata()[0] == pytest.approx(math.log2(120))
    assert disp.reference_lines_["H(Y)"].get_ydata()[0] == pytest.approx(h_y)
    labels = disp.ax_.get_legend_handles_labels()[1]
    assert "act1 (64)" in labels and "act2 (2)" in labels
    assert "saturated (pinned by the scale)" in labels


def test_plane_silent_when_nothing_saturates(one_thread):
    from skmi.nn import InformationPlane

    model = _plane_model()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((120, 6))
    y = rng.integers(0, 3, 120)
    plane = InformationPlane("act2", BinningMI(3, strategy="minmax"), unit="nats")
    ctx = _silent()
    try:
        (row,) = plane.record(model, X, y, epoch=0)
    finally:
        ctx.__exit__(None, None, None)
    assert row["saturated_XT"] is False and row["saturated_TY"] is False
    assert row["H_Y"] == pytest.approx(-sum(p * math.log(p) for p in np.bincount(y) / 120))
    disp = plane.plot()
    assert disp.saturated_ == {}
    assert disp.reference_lines_["log N"].get_xdata()[0] == pytest.approx(math.log(120))


def test_plane_relative_kde_is_unsaturated_on_a_wide_relu_layer(one_thread):
    """The ReLU default: 256 units, where 30 bins pin every sample at log n."""
    torch = pytest.importorskip("torch")
    from skmi.nn import InformationPlane, make_mlp

    torch.manual_seed(0)
    model = make_mlp([20, 256, 4], "relu")
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 20))
    y = rng.integers(0, 4, 300)
    with pytest.warns(SaturationWarning, match="act1"):
        (binned,) = InformationPlane("act1", BinningMI(30, strategy="minmax")).record(
            model, X, y, 0)
    assert binned["saturated_XT"]
    ctx = _silent()
    try:
        (kde,) = InformationPlane("act1", KDEMI(0.1, relative_noise=True)).record(
            model, X, y, 0)
    finally:
        ctx.__exit__(None, None, None)
    assert not kde["saturated_XT"] and not kde["saturated_TY"]
    assert kde["I_XT"] < math.log2(300) - 0.2
    assert kde["x_convention"] == ("KDEMI: upper bound, noise variance 0.1 x the layer's "
                                   "total variance")
