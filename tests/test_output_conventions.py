"""scikit-learn output conventions: feature names and ``set_output``.

``LayerActivationExtractor`` names its columns ``"{key}__{i}"``; ``MISelector`` keeps the
names of the columns it selects; both return DataFrames under
``set_output(transform="pandas")``, alone and in a Pipeline.
"""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from skmi.feature_selection import MISelector


def xor_data(n=300, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, size=(n, d))
    return X, X[:, 1] ^ X[:, 3]


def selector(k=2):
    return MISelector(n_features_to_select=k, first_step="pairs", random_state=0)


# ------------------------------------------------------------------ MISelector (no torch)
def test_selector_names_without_dataframe():
    X, y = xor_data()
    sel = selector().fit(X, y)
    assert not hasattr(sel, "feature_names_in_")
    assert sel.get_feature_names_out().tolist() == ["x1", "x3"]
    assert sel.get_feature_names_out([f"c{i}" for i in range(5)]).tolist() == ["c1", "c3"]


def test_selector_before_fit_raises():
    with pytest.raises(NotFittedError):
        selector().get_feature_names_out()


def test_selector_wrong_input_features_raises():
    X, y = xor_data()
    sel = selector().fit(X, y)
    with pytest.raises(ValueError, match="input_features should have length"):
        sel.get_feature_names_out(["a", "b"])


def test_selector_dataframe_keeps_names_and_index():
    pd = pytest.importorskip("pandas")
    X, y = xor_data()
    cols = ["age", "colour", "size", "shape", "noise"]
    df = pd.DataFrame(X, columns=cols, index=np.arange(1000, 1000 + len(X)))
    sel = selector().fit(df, y)
    assert sel.feature_names_in_.tolist() == cols
    assert sel.get_feature_names_out().tolist() == ["colour", "shape"]
    # default output: a NumPy array of the selected columns
    np.testing.assert_array_equal(sel.transform(df), X[:, [1, 3]])
    out = sel.set_output(transform="pandas").transform(df)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["colour", "shape"]
    assert out.index.equals(df.index)
    out = selector().set_output(transform="pandas").fit_transform(df, y)
    assert out.columns.tolist() == ["colour", "shape"]
    with pytest.raises(ValueError, match="input_features is not equal"):
        sel.get_feature_names_out([f"x{i}" for i in range(5)])
    # default again
    assert isinstance(sel.set_output(transform="default").transform(df), np.ndarray)


def test_selector_ndarray_with_pandas_output():
    pd = pytest.importorskip("pandas")
    X, y = xor_data()
    out = selector().set_output(transform="pandas").fit_transform(X, y)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["x1", "x3"]


def test_selector_discrete_features_by_name():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    X, y = xor_data()
    df = pd.DataFrame(X.astype(float), columns=["a", "b", "c", "d", "e"])
    df["e"] = rng.standard_normal(len(df))
    by_name = MISelector(2, discrete_features=["b", "d"], random_state=0).fit(df, y)
    by_index = MISelector(2, discrete_features=[1, 3], random_state=0).fit(df, y)
    assert by_name.discrete_features_.tolist() == [False, True, False, True, False]
    np.testing.assert_array_equal(by_name.discrete_features_, by_index.discrete_features_)
    np.testing.assert_array_equal(by_name.selected_features_, by_index.selected_features_)
    np.testing.assert_array_equal(by_name.scores_, by_index.scores_)
    with pytest.raises(ValueError, match=r"not in X: \['z'\]"):
        MISelector(2, discrete_features=["b", "z"]).fit(df, y)
    with pytest.raises(ValueError, match="X has no column names"):
        MISelector(2, discrete_features=["b"]).fit(X, y)


# ------------------------------------------------------------------ extractor (torch)
@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)


def mlp(torch):
    from skmi.nn import make_mlp

    torch.manual_seed(0)
    return make_mlp([6, 5, 4, 3], "tanh")  # fc1, act1, fc2, act2, out


def conv_model(torch):
    nn = torch.nn

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 3, kernel_size=3, padding=1)
            self.act = nn.ReLU()
            self.pool = nn.MaxPool2d(2)  # (3, 4, 4)
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 2))

        def forward(self, x):
            return self.head(self.pool(self.act(self.conv1(x))))

    torch.manual_seed(0)
    return ConvNet()


def mlp_data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    return X, (X[:, 0] > 0).astype(int)


def extractor(model, layers, **kw):
    from skmi.nn import LayerActivationExtractor

    return LayerActivationExtractor(model, layers=layers, device="cpu", **kw)


def test_extractor_names_one_and_several_layers(torch):
    X, _ = mlp_data()
    model = mlp(torch)
    one = extractor(model, "fc1").fit(X)
    assert one.get_feature_names_out().tolist() == [f"fc1__{i}" for i in range(5)]
    several = extractor(model, ["fc1", "act2", "out"]).fit(X)
    names = several.get_feature_names_out()
    assert names.dtype == object
    assert names.tolist() == ([f"fc1__{i}" for i in range(5)]
                              + [f"act2__{i}" for i in range(4)]
                              + [f"out__{i}" for i in range(3)])
    assert len(names) == several.n_features_out_ == several.transform(X).shape[1]
    keyed = extractor(model, {"act1": "h1", "act2": "h2"}).fit(X)
    assert keyed.get_feature_names_out().tolist() == (
        [f"h1__{i}" for i in range(5)] + [f"h2__{i}" for i in range(4)])


def test_extractor_conv_layers_flattened(torch):
    X = np.random.default_rng(0).uniform(size=(9, 64))
    ext = extractor(conv_model(torch), ["conv1", "pool"], input_shape=(1, 8, 8)).fit(X)
    names = ext.get_feature_names_out().tolist()
    assert len(names) == 3 * 8 * 8 + 3 * 4 * 4
    assert names[:2] == ["conv1__0", "conv1__1"]
    assert names[3 * 8 * 8 - 1] == "conv1__191"
    assert names[3 * 8 * 8] == "pool__0" and names[-1] == "pool__47"
    T = ext.transform(X)
    assert T.shape == (9, len(names))
    # unit (c, h, w) of the conv map is column (c * H + h) * W + w
    native = extractor(conv_model(torch), "conv1", input_shape=(1, 8, 8),
                       flatten=False).fit(X).transform_layers(X)["conv1"]
    c, h, w = 2, 5, 3
    np.testing.assert_array_equal(T[:, names.index(f"conv1__{(c * 8 + h) * 8 + w}")],
                                  native[:, c, h, w])


def test_extractor_before_fit_raises(torch):
    with pytest.raises(NotFittedError):
        extractor(mlp(torch), "fc1").get_feature_names_out()


def test_extractor_input_features_checked(torch):
    X, _ = mlp_data()
    ext = extractor(mlp(torch), "fc1").fit(X)
    names = [f"fc1__{i}" for i in range(5)]
    # input_features is checked, never used
    assert ext.get_feature_names_out([f"x{i}" for i in range(6)]).tolist() == names
    with pytest.raises(ValueError, match="input_features should have length"):
        ext.get_feature_names_out(["a", "b"])


def test_extractor_input_features_checked_against_dataframe(torch):
    pd = pytest.importorskip("pandas")
    X, _ = mlp_data()
    df = pd.DataFrame(X, columns=list("abcdef"))
    ext = extractor(mlp(torch), "fc1").fit(df)
    assert ext.feature_names_in_.tolist() == list("abcdef")
    assert ext.get_feature_names_out(list("abcdef")).tolist() == [
        f"fc1__{i}" for i in range(5)]
    with pytest.raises(ValueError, match="input_features is not equal"):
        ext.get_feature_names_out(list("abcdeg"))


def test_extractor_set_output_pandas(torch):
    pd = pytest.importorskip("pandas")
    X, _ = mlp_data()
    ext = extractor(mlp(torch), ["fc1", "act2"]).set_output(transform="pandas")
    T = ext.fit_transform(X)
    assert isinstance(T, pd.DataFrame)
    assert T.columns.tolist() == ext.get_feature_names_out().tolist()
    assert T.index.equals(pd.RangeIndex(len(X)))
    np.testing.assert_array_equal(
        T.to_numpy(), ext.set_output(transform="default").transform(X))
    # a DataFrame input: its index is kept, its column names become feature_names_in_
    df = pd.DataFrame(X, columns=list("abcdef"), index=np.arange(50, 50 + len(X)))
    ext.set_output(transform="pandas").fit(df)
    T = ext.transform(df)
    assert T.index.equals(df.index)
    assert T.columns[0] == "fc1__0" and T.columns[-1] == "act2__3"
    # transform_layers is never wrapped
    acts = ext.transform_layers(df)
    assert all(isinstance(a, np.ndarray) for a in acts.values())


def test_extractor_set_output_conv_flatten(torch):
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(0).uniform(size=(6, 64))
    ext = extractor(conv_model(torch), "conv1", input_shape=(1, 8, 8))
    T = ext.set_output(transform="pandas").fit_transform(X)
    assert isinstance(T, pd.DataFrame)
    assert T.shape == (6, 192) and T.columns[-1] == "conv1__191"
    native = extractor(conv_model(torch), "conv1", input_shape=(1, 8, 8), flatten=False)
    native.set_output(transform="pandas").fit(X)
    with pytest.raises(ValueError, match="use flatten=True"):
        native.transform(X)
    with pytest.raises(ValueError, match="use flatten=True"):
        native.fit_transform(X)


def test_extractor_set_output_polars(torch):
    pl = pytest.importorskip("polars")
    X, _ = mlp_data()
    T = extractor(mlp(torch), "fc1").set_output(transform="polars").fit_transform(X)
    assert isinstance(T, pl.DataFrame)
    assert T.columns == [f"fc1__{i}" for i in range(5)]


# ------------------------------------------------------------------ pipelines
def layer_pipeline(model, layers=("fc1",), k=2):
    return Pipeline([
        ("layers", extractor(model, list(layers))),
        ("select", MISelector(n_features_to_select=k, first_step="single",
                              random_state=0)),
    ])


def test_pipeline_names_without_pandas(torch):
    X, y = mlp_data()
    pipe = layer_pipeline(mlp(torch)).fit(X, y)
    names = pipe.get_feature_names_out().tolist()
    assert len(names) == 2 and all(n.startswith("fc1__") for n in names)
    assert not hasattr(pipe[-1], "feature_names_in_")  # an ndarray between the steps
    expected = [f"fc1__{i}" for i in pipe[-1].get_support(indices=True)]
    assert names == expected


def test_pipeline_set_output_pandas(torch):
    pd = pytest.importorskip("pandas")
    X, y = mlp_data()
    df = pd.DataFrame(X, columns=list("abcdef"), index=np.arange(7, 7 + len(X)))
    pipe = layer_pipeline(mlp(torch), layers=("fc1", "act2"), k=3)
    out = pipe.set_output(transform="pandas").fit_transform(df, y)
    assert isinstance(out, pd.DataFrame)
    sel = pipe.named_steps["select"]
    assert sel.feature_names_in_.tolist() == (
        [f"fc1__{i}" for i in range(5)] + [f"act2__{i}" for i in range(4)])
    expected = sel.feature_names_in_[sel.get_support()].tolist()
    assert out.columns.tolist() == expected == pipe.get_feature_names_out().tolist()
    assert out.index.equals(df.index)
    again = pipe.transform(df)
    assert again.columns.tolist() == expected
    # the same numbers as the NumPy pipeline
    plain = layer_pipeline(mlp(torch), layers=("fc1", "act2"), k=3).fit(X, y)
    np.testing.assert_array_equal(out.to_numpy(), plain.transform(X))


def test_pipeline_set_output_in_grid_search(torch):
    pd = pytest.importorskip("pandas")
    X, y = mlp_data(n=90)
    pipe = Pipeline([
        ("layers", extractor(mlp(torch), ["fc1"])),
        ("select", MISelector(n_features_to_select=2, first_step="single",
                              random_state=0)),
        ("tree", DecisionTreeClassifier(max_depth=2, random_state=0)),
    ]).set_output(transform="pandas")
    grid = GridSearchCV(pipe, {"layers__layers": [["fc1"], ["act2"]]}, cv=2).fit(X, y)
    best = grid.best_estimator_
    key = best.named_steps["layers"].layers[0]
    names = best[:-1].get_feature_names_out().tolist()
    assert len(names) == 2 and all(n.startswith(f"{key}__") for n in names)
    assert best.named_steps["tree"].feature_names_in_.tolist() == names
    assert isinstance(best[:-1].transform(X), pd.DataFrame)
