"""train_and_record and the CLI at scale: recording sets, streaming CSV, seeds, plots."""

import csv
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from skmi import BinningMI, SaturationWarning  # noqa: E402
from skmi._parallel import PlainProgress, progress_bar  # noqa: E402
from skmi.cli import main as cli  # noqa: E402
from skmi.datasets import load_digits_dataset  # noqa: E402
from skmi.nn import InformationPlane, hidden_layers, make_mlp, train_and_record  # noqa: E402
from skmi.nn.plane import COLUMNS  # noqa: E402


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.standard_normal((n, 6)) + np.eye(3, 6)[y] * 2
    return X, y


def _plane(model, **kw):
    return InformationPlane(hidden_layers(model), BinningMI(8, strategy="minmax"), **kw)


def test_the_python_example_reproduces_the_cli_csv(tmp_path):
    out = tmp_path / "cli"
    assert cli(["infoplane", "--out", str(out), "--epochs", "12", "--records", "4",
                "--no-progress"]) == 0
    X, y = load_digits_dataset(scale="unit")
    model = make_mlp([64, 16, 8, 4, 3, 10], activation="tanh", random_state=0)
    plane = InformationPlane(hidden_layers(model),
                             BinningMI(30, strategy="fixed", bin_range=(-1, 1)),
                             unit="bits")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturationWarning)
        train_and_record(model, X, y, plane=plane, epochs=12, n_records=4, batch_size=64,
                         seed=0, csv_path=tmp_path / "py.csv")
    a, b = _read(out / "information_plane.csv"), _read(tmp_path / "py.csv")
    assert len(a) == len(b) == 4 * 5    # epochs 0, 1, 3, 12 (log-spaced), x 4 layers
    for ra, rb in zip(a, b):
        assert (ra["epoch"], ra["layer"]) == (rb["epoch"], rb["layer"])
        for key in ("I_XT", "I_TY"):
            assert abs(float(ra[key]) - float(rb[key])) < 1e-9


def test_an_interrupted_run_keeps_a_valid_csv_of_its_records(tmp_path):
    X, y = _data()
    model = make_mlp([6, 5, 4, 3], "tanh", random_state=1)

    class Stop(BinningMI):
        """Binning that is interrupted (Ctrl-C) at its 7th fit."""

        calls = 0

        def fit(self, X, y):
            Stop.calls += 1
            if Stop.calls == 7:
                raise KeyboardInterrupt
            return super().fit(X, y)

    plane = InformationPlane(hidden_layers(model), Stop(8, strategy="fixed",
                                                        bin_range=(-1, 1)))
    path = tmp_path / "plane.csv"
    with pytest.raises(KeyboardInterrupt), warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturationWarning)
        train_and_record(model, X, y, plane=plane, epochs=8, record_epochs=[0, 2, 4, 8],
                         csv_path=path)
    rows = _read(path)
    # each record fits 2 layers x (I(X;T), I(T;Y)) = 4: the 7th fit is in the second
    # record, so the first record (2 rows) is complete on disk and nothing else
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["epoch"], r["layer"]) for r in rows] == [("0", "act1"), ("0", "act2")]
    assert all(float(r["I_XT"]) >= 0 for r in rows)


def test_recording_on_a_stated_subset_with_an_official_test_set():
    X, y = _data(400)
    Xt, yt = _data(200, seed=1)
    model = make_mlp([6, 5, 3], "relu", random_state=0)
    plane = _plane(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturationWarning)
        res = train_and_record(model, X, y, plane=plane, epochs=3, record_epochs=[0, 3],
                               X_test=Xt, y_test=yt, record_on="test", n_samples=90)
    assert (res.n_train, res.n_test) == (400, 200)
    assert "test" in res.record_set and "90 of 200" in res.record_set
    assert len(res.record_index) == 90 and res.record_index.max() < 200
    assert {r["n_samples"] for r in plane.records_} == {90}
    # stratified: each class in proportion to its share of the test set
    share = np.bincount(yt) / len(yt) * 90
    assert np.all(np.abs(np.bincount(yt[res.record_index]) - share) <= 1)
    with pytest.raises(ValueError, match="record_on"):
        train_and_record(model, X, y, epochs=1, record_on="held-out")
    with pytest.raises(ValueError, match="n_samples"):
        train_and_record(model, X, y, plane=_plane(model), epochs=1, n_samples=1)
    with pytest.raises(ValueError, match="y_test"):
        train_and_record(model, X, y, epochs=1, y_test=yt)


def test_make_mlp_seeds_and_he_initialisation_keep_relu_networks_alive():
    a = make_mlp([64, 16, 8, 4, 3, 10], "relu", random_state=7)
    b = make_mlp([64, 16, 8, 4, 3, 10], "relu", random_state=7)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    state = torch.random.get_rng_state()
    make_mlp([4, 3, 2], random_state=1)
    assert torch.equal(state, torch.random.get_rng_state())   # global state untouched
    # He weights (sd sqrt(2 / fan_in)) and biases 0.1 for ReLU by default
    wide = make_mlp([400, 300, 2], "relu", random_state=0)
    assert wide.fc1.weight.std().item() == pytest.approx(np.sqrt(2 / 400), rel=0.05)
    assert torch.all(wide.fc1.bias == 0.1)
    assert make_mlp([400, 300, 2], "relu", init="torch", random_state=0).fc1.weight.std()\
        .item() == pytest.approx(1 / np.sqrt(3 * 400), rel=0.05)
    with pytest.raises(ValueError, match="random_state"):
        make_mlp([4, 3, 2], random_state=1.5)


def test_a_dead_network_is_said_out_loud():
    X, y = _data()
    model = make_mlp([6, 4, 3, 3], "relu", random_state=0)
    with torch.no_grad():
        model.fc2.bias.fill_(-100.0)        # act2 dead on every input, for good
    with pytest.warns(UserWarning, match="act2 are dead"):
        res = train_and_record(model, X, y, plane=_plane(model), epochs=2,
                               record_epochs=[2])
    assert res.dead_layers["act2"] == 1.0 and res.dead_layers["act1"] < 1.0
    assert any("chance" in w for w in res.warnings)


def test_plain_progress_without_tqdm(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)      # import fails
    bar = progress_bar(3, True, "training", unit="epoch")
    assert isinstance(bar, PlainProgress)
    bar.set_description_str("recording epoch 2")
    bar.set_postfix(loss="0.5")
    bar.update(3)
    bar.close()
    err = capsys.readouterr().err
    assert "recording epoch 2: 3/3 epoch" in err and "loss=0.5" in err
    assert progress_bar(3, False, "x") is None


def test_plot_layouts_and_the_note_below_the_axes():
    X, y = _data()
    model = make_mlp([6, 5, 4, 3], "tanh", random_state=0)
    plane = _plane(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturationWarning)
        train_and_record(model, X, y, plane=plane, epochs=3, record_epochs=[0, 1, 3])
    disp = plane.plot()
    sizes = [disp.ax_.collections[i].get_sizes()[0] for i in (0, 1)]
    assert sizes[0] > sizes[1]            # concentric markers where points coincide
    fig = disp.figure_
    fig.canvas.draw()
    note = disp.note_.get_window_extent()
    axes = disp.ax_.get_window_extent()
    bar = disp.colorbar_.ax.get_window_extent()
    assert note.y1 < axes.y0 and not note.overlaps(bar)
    panels = plane.plot(layout="panels", title="t")
    assert panels.ax_.shape == (2,) and panels.figure_._suptitle.get_text() == "t"
    with pytest.raises(ValueError, match="layout"):
        plane.plot(layout="grid")


@pytest.mark.parametrize("fmt", ["pdf", "svg"])
def test_cli_figure_formats_and_settings(tmp_path, fmt):
    out = tmp_path / fmt
    assert cli(["infoplane", "--out", str(out), "--epochs", "2", "--records", "2",
                "--format", fmt, "--n-samples", "300", "--no-progress"]) == 0
    assert (out / f"information_plane.{fmt}").stat().st_size > 1000
    import json

    settings = json.loads((out / "settings.json").read_text())
    assert settings["n_recorded"] == 300 and settings["record_on"] == "all"
    assert "300 of 1797" in settings["record_set"]
    assert settings["split"].startswith("a stratified 80%")


def test_standard_errors_are_recorded_and_drawn():
    from skmi import SamplePropagationMI

    X, y = _data(200)
    model = make_mlp([6, 5, 3], "tanh", random_state=0)
    noisy = InformationPlane(hidden_layers(model),
                             SamplePropagationMI(0.05, n_draws=4, random_state=0))
    binned = _plane(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturationWarning)
        train_and_record(model, X, y, plane=[noisy, binned], epochs=2,
                         record_epochs=[0, 2])
    for r in noisy.records_:
        assert 0 < r["se_XT"] < 0.5 and 0 < r["se_TY"] < 0.5
    assert all(np.isnan(r["se_XT"]) for r in binned.records_)
    disp = noisy.plot()
    from matplotlib.collections import LineCollection

    assert any(isinstance(c, LineCollection) for c in disp.ax_.collections)  # error bars
