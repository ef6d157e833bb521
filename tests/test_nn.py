"""LayerActivationExtractor, InformationPlane and the training helper (needs torch)."""

import copy
import math
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from skmi import KDEMI, KSG, BinningMI  # noqa: E402
from skmi.metrics import make_mi_scorer  # noqa: E402
from skmi.metrics import mi_scorer as mi_scorer_  # noqa: E402
from skmi.nn import (  # noqa: E402
    DeterministicLayerWarning,
    InformationPlane,
    LayerActivationExtractor,
    hidden_layers,
    layer_names,
    make_mlp,
    train_and_record,
)
from skmi.nn.plane import COLUMNS  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class ColumnMean(nn.Module):
    """Works for any number of input features (for the common checks)."""

    def forward(self, x):
        return x.mean(dim=1, keepdim=True)


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, kernel_size=3, padding=1)
        self.act = nn.ReLU()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))

    def forward(self, x):
        return self.head(self.act(self.conv(x)))


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 3)

    def forward(self, x):
        h = self.lin(x)
        return h, torch.tanh(h)


class TupleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.pair = TwoOutputs()

    def forward(self, x):
        return self.pair(x)[1].sum(1)


def tiny_common_model():
    torch.manual_seed(0)
    return nn.Sequential(ColumnMean(), nn.Linear(1, 2), nn.Tanh())


def no_hooks(model):
    return all(len(m._forward_hooks) == 0 for m in model.modules())


def mlp(sizes=(6, 5, 4, 3), activation="tanh", seed=0):
    torch.manual_seed(seed)
    return make_mlp(list(sizes), activation)


# ------------------------------------------------------------------ extractor
def test_layer_names_and_manual_forward_mlp():
    model = mlp()
    assert layer_names(model) == ["fc1", "act1", "fc2", "act2", "out"]
    X = np.random.default_rng(0).standard_normal((37, 6))
    ext = LayerActivationExtractor(model, layers={"act1": "h1", "act2": "h2"},
                                   batch_size=8)
    acts = ext.fit(X).transform_layers(X)
    with torch.no_grad():
        h1 = torch.tanh(model.fc1(torch.as_tensor(X, dtype=torch.float32)))
        h2 = torch.tanh(model.fc2(h1))
    assert list(acts) == ["h1", "h2"]
    np.testing.assert_allclose(acts["h1"], h1.numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(acts["h2"], h2.numpy(), rtol=0, atol=1e-6)
    both = ext.transform(X)
    assert both.shape == (37, 9)
    np.testing.assert_array_equal(both, np.hstack([acts["h1"], acts["h2"]]))
    assert list(ext.get_feature_names_out()) == [f"h1__{i}" for i in range(5)] + [
        f"h2__{i}" for i in range(4)
    ]


def test_conv_layer_flattened_matches_manual_forward():
    torch.manual_seed(1)
    model = ConvNet()
    X = np.random.default_rng(1).uniform(size=(10, 64))
    ext = LayerActivationExtractor(model, layers="act", input_shape=(1, 8, 8),
                                   batch_size=4, device="cpu")
    T = ext.fit(X).transform(X)
    with torch.no_grad():
        ref = torch.relu(model.conv(torch.as_tensor(X, dtype=torch.float32)
                                    .reshape(10, 1, 8, 8)))
    assert T.shape == (10, 3 * 8 * 8)
    np.testing.assert_allclose(T, ref.reshape(10, -1).numpy(), atol=1e-6)
    native = LayerActivationExtractor(model, "act", input_shape=(1, 8, 8),
                                      flatten=False).fit(X)
    assert native.transform_layers(X)["act"].shape == (10, 3, 8, 8)
    with pytest.raises(ValueError, match="flatten=True"):
        native.transform(X)


def test_model_unchanged_and_picklable():
    model = mlp()
    model.train()
    before = copy.deepcopy(model.state_dict())
    X = np.random.default_rng(0).standard_normal((20, 6))
    ext = LayerActivationExtractor(model, ["act1", "act2"], noise_std=0.1,
                                   random_state=0).fit(X)
    ext.transform(X)
    assert model.training is True
    assert all(m.training for m in model.modules())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])
    assert no_hooks(model) and no_hooks(ext.model_)
    assert ext.model_ is not model and ext.model_.training is False
    pickle.loads(pickle.dumps(model))
    again = pickle.loads(pickle.dumps(ext))
    np.testing.assert_array_equal(again.transform(X), ext.transform(X))


def test_hooks_removed_after_error():
    model = TupleNet()
    X = np.zeros((3, 4))
    with pytest.raises(TypeError, match="select="):
        LayerActivationExtractor(model, "pair").fit(X)
    ext = LayerActivationExtractor(model, "pair", select=1).fit(X)
    assert no_hooks(model) and no_hooks(ext.model_)


def test_select_tuple_outputs():
    torch.manual_seed(0)
    model = TupleNet()
    X = np.random.default_rng(0).standard_normal((5, 4))
    with torch.no_grad():
        h = model.pair.lin(torch.as_tensor(X, dtype=torch.float32))
    by_index = LayerActivationExtractor(model, "pair", select=0).fit_transform(X)
    np.testing.assert_allclose(by_index, h.numpy(), atol=1e-6)
    by_callable = LayerActivationExtractor(model, "pair", select=lambda o: o[1])
    np.testing.assert_allclose(by_callable.fit_transform(X), np.tanh(h.numpy()), atol=1e-6)
    per_layer = LayerActivationExtractor(model, ["pair", "pair.lin"], select={"pair": 1})
    assert per_layer.fit_transform(X).shape == (5, 6)


def test_clear_errors():
    model = mlp()
    X = np.zeros((4, 6))
    with pytest.raises(ValueError, match="valid names are: fc1, act1, fc2, act2, out"):
        LayerActivationExtractor(model, "hidden.9").fit(X)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        LayerActivationExtractor(lambda x: x, "fc1").fit(X)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        layer_names(object())
    with pytest.raises(ValueError, match="layers is required"):
        LayerActivationExtractor(model).fit(X)


def test_noise_is_seeded():
    model = mlp()
    X = np.random.default_rng(0).standard_normal((30, 6))
    clean = LayerActivationExtractor(model, "act2").fit_transform(X)
    a = LayerActivationExtractor(model, "act2", noise_std=0.5, random_state=3)
    b = LayerActivationExtractor(model, "act2", noise_std=0.5, random_state=3)
    c = LayerActivationExtractor(model, "act2", noise_std=0.5, random_state=4)
    ta, tb, tc = a.fit_transform(X), b.fit_transform(X), c.fit_transform(X)
    np.testing.assert_array_equal(ta, tb)
    assert not np.allclose(ta, tc)
    assert 0.3 < np.std(ta - clean) < 0.7


def test_set_output_and_pipeline_gridsearch_pick_informative_layer():
    """Layer "signal" carries the label, layer "junk" does not: both selectors agree."""
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, 2, n)
    X = np.column_stack([y + 0.3 * rng.standard_normal(n),
                         rng.standard_normal((n, 3))])

    class TwoBranches(nn.Module):
        def __init__(self):
            super().__init__()
            self.signal = nn.Linear(4, 2)
            self.junk = nn.Linear(4, 2)
            with torch.no_grad():
                self.signal.weight.copy_(torch.tensor([[1.0, 0, 0, 0], [0.5, 0, 0, 0]]))
                self.junk.weight.copy_(torch.tensor([[0.0, 1, 0, 0], [0, 0, 1, 1]]))

        def forward(self, x):
            return self.signal(x) + self.junk(x)

    model = TwoBranches()
    ext = LayerActivationExtractor(model, "signal").set_output(transform="default")
    assert ext.fit_transform(X).shape == (n, 2)
    pipe = Pipeline([("layer", LayerActivationExtractor(model, "junk")),
                     ("clf", LogisticRegression())])
    assert pipe.fit(X, y).score(X, y) < 0.7

    def mi_scorer(estimator, X_, y_):   # I(T; y) with KSG (Ross) on the layer's output
        T = estimator.transform(X_)
        return KSG(k=3, random_state=0).fit(T.astype(float), y_).mi_

    grid = GridSearchCV(LayerActivationExtractor(model, "junk"),
                        {"layers": ["junk", "signal"]}, scoring=mi_scorer, cv=3)
    assert grid.fit(X, y).best_params_ == {"layers": "signal"}
    grid = GridSearchCV(LayerActivationExtractor(model, "junk"),
                        {"layers": ["junk", "signal"]}, cv=3,
                        scoring=make_mi_scorer(BinningMI(8), unit="bits"))
    assert grid.fit(X, y).best_params_ == {"layers": "signal"}
    assert grid.best_score_ > 0.5
    grid = GridSearchCV(pipe, {"layer__layers": ["junk", "signal"]}, cv=3)
    assert grid.fit(X, y).best_params_ == {"layer__layers": "signal"}
    # the MI estimator as the last step, scoring=None: Pipeline.score -> KSG.score,
    # I(T; y) re-estimated on each held-out fold
    mi_pipe = Pipeline([("layer", LayerActivationExtractor(model, "junk")),
                        ("mi", KSG(k=3, random_state=0))])
    grid = GridSearchCV(mi_pipe, {"layer__layers": ["junk", "signal"]}, cv=3)
    assert grid.fit(X, y).best_params_ == {"layer__layers": "signal"}
    folds = grid.cv_results_["split0_test_score"]
    assert folds[1] > 0.3 > abs(folds[0])  # signal: I ~ 0.5 nats at noise 0.3; junk: ~0
    assert grid.best_score_ == pytest.approx(
        np.mean([grid.cv_results_[f"split{i}_test_score"][1] for i in range(3)]))
    grid = GridSearchCV(LayerActivationExtractor(model, "junk"),
                        {"layers": ["junk", "signal"]}, cv=3,
                        scoring=mi_scorer_("ksg", k=5, random_state=0))
    assert grid.fit(X, y).best_params_ == {"layers": "signal"}
    assert no_hooks(model)


def _expected_failed(estimator):
    return {
        "check_estimators_overwrite_params":
            "known false positive: the torch module parameter hashes differently after "
            "clone/deepcopy although it is not modified",
    }


@parametrize_with_checks(
    [LayerActivationExtractor(tiny_common_model(), "2", device="cpu")],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_import_does_not_import_torch():
    code = ("import sys, skmi, skmi.nn; skmi.nn.__all__; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_missing_torch_message():
    code = ("import sys\n"
            "class NoTorch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch':\n"
            "            raise ImportError('No module named torch')\n"
            "sys.meta_path.insert(0, NoTorch())\n"
            "import numpy as np\n"
            "from skmi.nn import LayerActivationExtractor\n"
            "try:\n"
            "    LayerActivationExtractor(None, 'a').fit(np.zeros((2, 2)))\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert "pip install skmi[torch]" in out.stdout


# ------------------------------------------------------------------ plane
def test_information_plane_identity_layer_12bit():
    """Identity layer on the 12-bit cube: I(X;T) = 12 bits by binning (exact-values.md)."""
    from skmi.datasets import make_tishby_12bit

    X, y = make_tishby_12bit()
    model = nn.Sequential(nn.Identity(), nn.Linear(12, 2))
    est = BinningMI(2, strategy="fixed", bin_range=(0, 1))
    plane = InformationPlane({"0": "input"}, est, unit="bits")
    plane.record(model, X, y, epoch=0)
    row = plane.records_[0]
    assert row["layer"] == "input" and row["unit"] == "bits"
    assert row["I_XT"] == pytest.approx(12.0, abs=1e-9)
    # T = X determines y, so I(T; Y) = H(Y)
    p = y.mean()
    assert row["I_TY"] == pytest.approx(-(p * math.log2(p) + (1 - p) * math.log2(1 - p)),
                                        abs=1e-9)
    kde = InformationPlane({"0": "input"}, KDEMI(noise_variance=0.1), unit="bits")
    kde.record(model, X, y, epoch=0)
    assert kde.records_[0]["I_XT"] == pytest.approx(11.883742, abs=1e-5)


def test_honesty_warning():
    model = mlp()
    X = np.random.default_rng(0).standard_normal((60, 6))
    y = np.arange(60) % 2
    with pytest.warns(DeterministicLayerWarning, match="infinite"):
        InformationPlane("act2", KSG(k=3, random_state=0), BinningMI(10)).record(
            model, X, y, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeterministicLayerWarning)
        InformationPlane("act2", BinningMI(10)).record(model, X, y, 0)
        InformationPlane("act2", KDEMI(0.1)).record(model, X, y, 0)
        InformationPlane("act2", KSG(k=3, random_state=0), BinningMI(10),
                         noise_std=0.1).record(model, X, y, 0)
    assert issubclass(DeterministicLayerWarning, UserWarning)


def test_training_helper_history_csv_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    import csv

    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(200, 6))
    y = (X[:, 0] > 0.5).astype(int)
    model = mlp((6, 5, 4, 2))
    before = copy.deepcopy(model.state_dict())
    plane = InformationPlane(hidden_layers(model),
                             BinningMI(30, strategy="fixed", bin_range=(-1, 1)))
    res = train_and_record(model, X, y, plane=plane, epochs=12, n_records=5,
                           batch_size=32, lr=1e-2, seed=0)
    assert res.record_epochs[0] == 0 and res.record_epochs[-1] == 12
    assert len(res.loss) == 12 and res.loss[-1] < res.loss[0]
    assert not torch.equal(model.state_dict()["fc1.weight"], before["fc1.weight"])
    history = plane.history_
    rows = history.to_dict("records") if hasattr(history, "to_dict") else history
    assert len(rows) == 2 * len(res.record_epochs)
    assert {r["layer"] for r in rows} == {"act1", "act2"}
    assert all(0 <= r["I_TY"] <= 1 + 1e-9 for r in rows)      # binary labels: <= 1 bit
    assert all(0 <= r["I_XT"] <= math.log2(200) + 1e-9 for r in rows)
    path = tmp_path / "plane.csv"
    plane.to_csv(path)
    with open(path, newline="") as fh:
        got = list(csv.DictReader(fh))
    assert tuple(got[0]) == COLUMNS and len(got) == len(rows)
    assert got[0]["x_convention"] == "BinningMI: 30 bins on [-1, 1]"
    disp = plane.plot()
    texts = " ".join(t.get_text() for t in disp.ax_.texts)
    assert "bits" in disp.ax_.get_xlabel() and "30 bins on [-1, 1]" in texts
    assert "noise std: 0" in texts
    assert len(disp.lines_) == 2 and disp.colorbar_ is not None
    import matplotlib.pyplot as plt

    plt.close(disp.figure_)


def test_make_mlp_saxe2018_initialisation():
    """Saxe et al.'s Keras set-up: truncated normal with sd 1/sqrt(fan_out) cut at two
    sds, Glorot-uniform output, zero biases; PyTorch's default stays the default."""
    torch.manual_seed(0)
    model = make_mlp([400, 300, 200, 2], "tanh", init="saxe2018")
    for name, width in [("fc1", 300), ("fc2", 200)]:
        w = getattr(model, name).weight.detach().numpy().ravel()
        sd = 1.0 / np.sqrt(width)
        assert np.abs(w).max() <= 2 * sd
        # sd of a normal truncated at +-2 sd: 0.8796 sd; 60,000+ draws, se < 0.3%
        assert w.std() == pytest.approx(0.8796 * sd, rel=0.01)
        assert not getattr(model, name).bias.detach().numpy().any()
    out = model.out.weight.detach().numpy()
    limit = np.sqrt(6.0 / (200 + 2))
    assert np.abs(out).max() <= limit and np.abs(out).max() > 0.9 * limit
    default = make_mlp([400, 300, 200, 2], "tanh").fc1.weight.detach().numpy()
    assert np.abs(default).max() <= 1 / np.sqrt(400)  # uniform on +-1/sqrt(fan_in)
    with pytest.raises(ValueError, match="init"):
        make_mlp([4, 3, 2], init="keras")
