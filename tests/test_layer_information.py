"""skmi.nn.layer_information: I(X;T), I(T;Y) and I(T_i;T_j) under one convention."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from itertools import product  # noqa: E402

from scipy.stats import norm  # noqa: E402

import skmi  # noqa: E402
from skmi import KDEMI, KSG, BinningMI  # noqa: E402
from skmi.nn import layer_information, make_mlp  # noqa: E402

LN2 = np.log(2.0)


class Twice(torch.nn.Module):
    """Two identity layers: both record the input itself."""

    def __init__(self):
        super().__init__()
        self.first = torch.nn.Identity()
        self.second = torch.nn.Identity()

    def forward(self, x):
        return self.second(self.first(x))


def _records(table):
    return table.to_dict("records") if hasattr(table, "to_dict") else list(table)


def _rows(table):
    return {(r["quantity"], r["layer"], r["other"]): r for r in _records(table)}


def _mlp(seed=0):
    torch.manual_seed(seed)
    return make_mlp([4, 8, 3, 2], activation="tanh")


def test_noisy_identity_on_the_cube_corners_matches_the_exact_value():
    # X uniform on {-1, +1}^5, T = X + N(0, 0.25): I(X; T) = 5 I_1(0.5) = 4.56411 bits
    # (shared/reference/exact-values.md)
    corners = np.array(list(product([-1.0, 1.0], repeat=5)))
    table = layer_information(Twice(), corners, layers=["first", "second"],
                              noise_std=0.5, n_draws=400, unit="bits")
    rows = _rows(table)
    for layer in ("first", "second"):
        r = rows[("I(X;T)", layer, "X")]
        assert r["noise_variance"] == pytest.approx(0.25)
        assert abs(r["value"] - 4.56411) < 4 * r["std_error"] + 1e-3
        assert not r["saturated"]
    # two independent noisy copies of X: per coordinate a 2-D integral, done on a grid
    t = np.linspace(-5, 5, 2001)
    a, b = np.meshgrid(t, t, indexing="ij")
    p = 0.5 * (norm.pdf(a, 1, 0.5) * norm.pdf(b, 1, 0.5)
               + norm.pdf(a, -1, 0.5) * norm.pdf(b, -1, 0.5))
    p1 = 0.5 * (norm.pdf(t, 1, 0.5) + norm.pdf(t, -1, 0.5))
    dt = t[1] - t[0]
    per_coordinate = np.sum(p * np.log(p / np.outer(p1, p1))) * dt * dt / LN2
    pair = rows[("I(T_i;T_j)", "first", "second")]
    assert abs(pair["value"] - 5 * per_coordinate) < 4 * pair["std_error"] + 2e-3
    assert pair["value"] < rows[("I(X;T)", "first", "X")]["value"]  # data processing


def test_noise_convention_table_bounds_and_layout():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((600, 4))
    y = (X[:, 0] > 0).astype(int)
    table = _records(layer_information(_mlp(), X, y, layers=["act1", "act2"], unit="nats"))
    assert list(table[0]) == list(skmi.nn.layers.LAYER_INFORMATION_COLUMNS)
    assert [(r["quantity"], r["layer"], r["other"]) for r in table] == [
        ("I(X;T)", "act1", "X"), ("I(T;Y)", "act1", "Y"), ("I(X;T)", "act2", "X"),
        ("I(T;Y)", "act2", "Y"), ("I(T_i;T_j)", "act1", "act2")]
    rows = _rows(table)
    h_y = -sum(p * np.log(p) for p in np.bincount(y) / y.size)
    for r in rows.values():
        assert r["value"] <= np.log(600) + 4 * r["std_error"]
        assert r["std_error"] > 0 and r["unit"] == "nats"
    for layer in ("act1", "act2"):
        assert rows[("I(T;Y)", layer, "Y")]["value"] <= h_y + 4 * rows[
            ("I(T;Y)", layer, "Y")]["std_error"]
    pair = rows[("I(T_i;T_j)", "act1", "act2")]
    bound = min(rows[("I(X;T)", k, "X")]["value"] for k in ("act1", "act2"))
    assert pair["value"] <= bound + 4 * pair["std_error"]
    # relative noise: each layer's variance is 0.1 x its total variance
    acts = skmi.LayerActivationExtractor(_mlp(), ["act1"]).fit(X).transform(X)
    assert rows[("I(X;T)", "act1", "X")]["noise_variance"] == pytest.approx(
        0.1 * acts.astype(float).var(axis=0).sum(), rel=1e-5)
    # pairs=False, no labels, selected pairs; a list of dicts on request
    plain = layer_information(_mlp(), X, layers=["act1", "act2"], pairs=False,
                              as_frame=False)
    assert isinstance(plain, list) and {r["quantity"] for r in plain} == {"I(X;T)"}
    chosen = _records(layer_information(_mlp(), X, layers=["fc1", "act1", "act2"],
                                        pairs=[("fc1", "act2")]))
    assert [r["other"] for r in chosen if r["quantity"] == "I(T_i;T_j)"] == ["act2"]


def test_tiny_noise_saturates_and_says_so():
    X = np.random.default_rng(1).standard_normal((300, 4))
    y = (X[:, 1] > 0).astype(int)
    with pytest.warns(skmi.SaturationWarning, match="pinned at a ceiling"):
        table = layer_information(_mlp(), X, y, layers=["act1", "act2"], noise_std=1e-4)
    rows = _rows(table)
    assert rows[("I(X;T)", "act1", "X")]["saturated"]
    assert rows[("I(T;Y)", "act1", "Y")]["saturated"]   # pinned at H(Y) with it
    assert rows[("I(X;T)", "act1", "X")]["value"] == pytest.approx(np.log2(300), abs=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmi.SaturationWarning)
        layer_information(_mlp(), X, y, layers=["act1", "act2"])  # the default: silent


def test_binning_convention_equals_binning_mi():
    X = np.random.default_rng(2).standard_normal((400, 4))
    y = (X[:, 0] > 0).astype(int)
    table = layer_information(_mlp(), X, y, layers=["act1", "act2"], estimator="binning",
                              n_bins=4, unit="nats")
    rows = _rows(table)
    acts = skmi.LayerActivationExtractor(_mlp(), ["act1", "act2"]).fit(X)\
        .transform_layers(X)
    a1, a2 = (acts[k].astype(np.float64) for k in ("act1", "act2"))
    est = BinningMI(4, strategy="minmax")
    assert rows[("I(X;T)", "act2", "X")]["value"] == pytest.approx(
        est.fit(a2, np.arange(400)).mi_)
    assert rows[("I(T;Y)", "act1", "Y")]["value"] == pytest.approx(est.fit(a1, y).mi_)
    assert rows[("I(T_i;T_j)", "act1", "act2")]["value"] == pytest.approx(
        est.fit(a1, a2).mi_)
    assert np.isnan(rows[("I(X;T)", "act1", "X")]["std_error"])


def test_continuous_estimators_on_deterministic_layers_warn():
    X = np.random.default_rng(3).standard_normal((300, 4))
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(skmi.DeterministicLayerWarning, match="I_j\\)|I\\(T_i; T_j\\)"):
        layer_information(_mlp(), X, y, layers=["act1", "act2"],
                          estimator=KSG(random_state=0))
    with warnings.catch_warnings():  # noise makes the quantities finite: no warning
        warnings.simplefilter("error", skmi.DeterministicLayerWarning)
        layer_information(_mlp(), X, y, layers=["act1", "act2"],
                          estimator=KSG(random_state=0), noise_std=0.3)
        # label-convention estimators state a scale themselves
        layer_information(_mlp(), X, y, layers=["act1"], estimator=KDEMI(1.0), pairs=False)
    with pytest.raises(ValueError, match="estimator='noise'"):
        layer_information(_mlp(), X, y, layers=["act1", "act2"], estimator=KDEMI(1.0))


@pytest.mark.parametrize("kwargs, error", [
    (dict(estimator="ksg"), ValueError),
    (dict(estimator=object()), TypeError),
    (dict(noise_std=-1.0), ValueError),
    (dict(noise_std=0.0), ValueError),
    (dict(noise_fraction=0.0), ValueError),
    (dict(n_draws=0), ValueError),
    (dict(unit="bytes"), ValueError),
    (dict(as_frame="yes"), ValueError),
    (dict(pairs=[("act1", "act1")]), ValueError),
    (dict(pairs=[("act1", "nope")]), ValueError),
])
def test_bad_arguments(kwargs, error):
    X = np.random.default_rng(4).standard_normal((50, 4))
    with pytest.raises(error):
        layer_information(_mlp(), X, layers=["act1", "act2"], **kwargs)


def test_labels_of_another_length_and_non_torch_models():
    X = np.random.default_rng(5).standard_normal((50, 4))
    with pytest.raises(ValueError, match="samples"):
        layer_information(_mlp(), X, np.zeros(49, int), layers=["act1"])
    with pytest.raises(TypeError, match="torch.nn.Module"):
        layer_information(object(), X, layers=["act1"])


def test_noise_table_draws_below_the_activations_resolution():
    # A noise 1e-3 in sd on activations of order 1e15 rounds each draw towards its
    # centre; the own term must come from the draw as stored (it came out 4.24 nats
    # for distinct rows, whose I(X; T) is log n = 5.70 at this noise).
    from skmi.nn.layers import _noise_table

    T = np.random.default_rng(0).standard_normal((300, 3))
    for scale in (1.0, 1e8, 1e15):
        value, _ = _noise_table({"t": T * scale}, None, {"t": 1e-6}, [], 4,
                                np.random.default_rng(1), 1)[("I(X;T)", "t", "X")]
        assert value == pytest.approx(np.log(300), abs=1e-6)
