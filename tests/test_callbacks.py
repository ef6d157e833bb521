"""skmi.nn.callbacks: skorch and Lightning callbacks, and plane.record in a plain loop,
record the plane train_and_record records (to 1e-9) on the same seed and data."""

import csv
import logging
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skmi import BinningMI, SaturationWarning  # noqa: E402
from skmi.datasets import load_digits_dataset  # noqa: E402
from skmi.nn import (  # noqa: E402
    EpochSampler,
    InformationPlane,
    hidden_layers,
    make_mlp,
    train_and_record,
    training_split,
)
from skmi.nn.plane import COLUMNS  # noqa: E402

SIZES = [64, 8, 6, 10]
SEED = 3
EPOCHS = 6
N_RECORDS = 3            # log_spaced_epochs(6, 3) == [0, 1, 2, 6]
BATCH = 64
LR = 0.01


@pytest.fixture(autouse=True)
def _quiet_single_thread():
    """One torch thread (as train_and_record trains), the warnings of small planes and of
    Lightning's set-up off, and torch's determinism flag restored afterwards."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    cublas = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
    torch.set_num_threads(1)
    quiet = [logging.getLogger(name) for name in ("lightning.pytorch", "pytorch_lightning")]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaturationWarning)
        warnings.filterwarnings("ignore", module="lightning")
        warnings.filterwarnings("ignore", module="pytorch_lightning")
        warnings.filterwarnings("ignore", message=".*(num_workers|at chance).*")
        yield
    for log, level in zip(quiet, levels):
        log.setLevel(level)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic)
    if cublas is None:
        os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
    else:
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = cublas


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_dataset(scale="unit")
    rows = np.random.default_rng(0).permutation(len(y))[:600]
    return X[rows], y[rows]


def _estimator():
    return BinningMI(6, strategy="fixed", bin_range=(-1, 1))


def _plane_kwargs():
    return dict(x_estimator=_estimator(), record_epochs="log", n_records=N_RECORDS)


@pytest.fixture(scope="module")
def reference(digits, tmp_path_factory):
    """train_and_record's plane (and CSV) on the digits subset."""
    X, y = digits
    model = make_mlp(SIZES, random_state=SEED)
    plane = InformationPlane(hidden_layers(model), _estimator())
    path = tmp_path_factory.mktemp("reference") / "plane.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train_and_record(model, X, y, plane=plane, epochs=EPOCHS,
                                  n_records=N_RECORDS, batch_size=BATCH, lr=LR, seed=SEED,
                                  csv_path=path, device="cpu")
    assert result.record_epochs == [0, 1, 2, 6]
    assert result.test_accuracy[-1] > 0.5        # it learnt: the planes move
    return plane, path


def _max_difference(plane, reference_plane) -> float:
    """Largest |difference| of I(X;T), I(T;Y) over every (epoch, layer); every other
    column equal."""
    a, b = plane.records_, reference_plane.records_
    assert [(r["epoch"], r["layer"]) for r in a] == [(r["epoch"], r["layer"]) for r in b]
    assert {r["epoch"] for r in a} == {0, 1, 2, 6}
    for ra, rb in zip(a, b):
        for key in COLUMNS:
            if key not in ("I_XT", "I_TY", "se_XT", "se_TY"):
                assert ra[key] == rb[key], key
    return max(abs(ra[k] - rb[k]) for ra, rb in zip(a, b) for k in ("I_XT", "I_TY"))


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _same_csv(path, reference_path):
    a, b = _read(path), _read(reference_path)
    assert list(a[0]) == list(COLUMNS) and len(a) == len(b)
    for ra, rb in zip(a, b):
        assert (ra["epoch"], ra["layer"]) == (rb["epoch"], rb["layer"])
        for key in ("I_XT", "I_TY"):
            assert abs(float(ra[key]) - float(rb[key])) < 1e-9


# ---------------------------------------------------------------- plain PyTorch


def test_plain_loop_with_plane_record_matches_train_and_record(digits, reference):
    X, y = digits
    split = training_split(X, y, seed=SEED)
    model = make_mlp(SIZES, random_state=SEED)
    plane = InformationPlane(hidden_layers(model), _estimator())
    X_train, y_train = torch.as_tensor(split.X_train), torch.as_tensor(split.y_train)
    sampler = EpochSampler(len(X_train), seed=SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    plane.record(model, split.X_record, split.y_record, epoch=0)
    for epoch in range(1, EPOCHS + 1):
        for batch in sampler.permutation().split(BATCH):
            optimizer.zero_grad()
            loss_fn(model(X_train[batch]), y_train[batch]).backward()
            optimizer.step()
        if epoch in (1, 2, 6):
            plane.record(model, split.X_record, split.y_record, epoch)
    assert _max_difference(plane, reference[0]) <= 1e-9


def test_epoch_sampler_and_training_split():
    a, b = EpochSampler(7, seed=2), EpochSampler(7, seed=2)
    gen = torch.Generator().manual_seed(2)
    for _ in range(3):                       # pass e is the e-th randperm of the seed
        order = list(a)
        assert order == torch.randperm(7, generator=gen).tolist() == list(b)
    assert len(a) == 7 and sorted(order) == list(range(7))
    c = pickle.loads(pickle.dumps(a))        # carries on where it was
    assert list(c) == list(a)
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="n must be an int"):
            EpochSampler(bad)
    X, y = np.arange(60.0).reshape(30, 2), np.arange(30) % 3
    split = training_split(X, y, record_on="test", seed=1)
    assert np.array_equal(split.record_index, split.test_index)
    assert np.array_equal(split.X_record, split.X[split.test_index])
    assert len(np.intersect1d(split.train_index, split.test_index)) == 0


# ---------------------------------------------------------------- skorch


def _skorch_net(split, callbacks, max_epochs=EPOCHS):
    from skorch import NeuralNetClassifier

    model = make_mlp(SIZES, random_state=SEED)
    return NeuralNetClassifier(
        model, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=LR,
        batch_size=BATCH, max_epochs=max_epochs, train_split=None, device="cpu",
        iterator_train__sampler=EpochSampler(len(split.train_index), seed=SEED),
        callbacks=callbacks, verbose=0)


def test_skorch_callback_matches_train_and_record(digits, reference, tmp_path):
    skorch = pytest.importorskip("skorch")
    from skmi.nn import SkorchInformationPlane

    X, y = digits
    split = training_split(X, y, seed=SEED)
    path = tmp_path / "skorch.csv"
    recorder = SkorchInformationPlane(split.X_record, split.y_record,
                                      hidden_layers(make_mlp(SIZES)), csv_path=path,
                                      **_plane_kwargs())
    assert isinstance(recorder, skorch.callbacks.Callback)
    lines = []

    class Peek(skorch.callbacks.Callback):
        def on_epoch_end(self, net, **kwargs):
            lines.append(len(_read(path)))

    net = _skorch_net(split, [recorder, Peek()])
    net.fit(split.X_train, split.y_train)
    assert dict(net.callbacks_)["SkorchInformationPlane"] is recorder
    assert recorder.record_epochs_ == [0, 1, 2, 6]
    assert _max_difference(recorder.plane_, reference[0]) <= 1e-9
    # appended as recorded: 2 layers per record, on disk by the end of its epoch
    assert lines == [4, 6, 6, 6, 6, 8]
    _same_csv(path, reference[1])
    # a second fit starts a new plane; partial_fit carries on (epochs 3, 4; then 5-8)
    net.set_params(max_epochs=2, callbacks__SkorchInformationPlane__record_epochs=[0, 2, 8],
                   callbacks__SkorchInformationPlane__csv_path=None)
    net.fit(split.X_train, split.y_train)
    assert sorted({r["epoch"] for r in recorder.plane_.records_}) == [0, 2]
    net.partial_fit(split.X_train, split.y_train)
    assert sorted({r["epoch"] for r in recorder.plane_.records_}) == [0, 2]
    net.partial_fit(split.X_train, split.y_train, epochs=4)     # epochs 5 to 8
    assert sorted({r["epoch"] for r in recorder.plane_.records_}) == [0, 2, 8]


def test_skorch_callback_clones_and_pickles(digits):
    pytest.importorskip("skorch")
    from sklearn.base import clone

    from skmi.nn import SkorchInformationPlane

    X, y = digits
    recorder = SkorchInformationPlane(X[:50], y[:50], ["act1"], record_epochs=[0, 1],
                                      x_estimator=_estimator(), unit="nats")
    twin = clone(recorder)
    assert twin.get_params()["unit"] == "nats" and twin.record_epochs == [0, 1]
    split = training_split(X[:200], y[:200], seed=SEED)
    net = _skorch_net(split, [recorder], max_epochs=1)
    net.fit(split.X_train, split.y_train)
    assert clone(net).get_params()["callbacks"][0].layers == ["act1"]
    again = pickle.loads(pickle.dumps(recorder))
    assert [(r["epoch"], r["layer"], r["I_XT"], r["I_TY"]) for r in again.plane_.records_] \
        == [(r["epoch"], r["layer"], r["I_XT"], r["I_TY"]) for r in recorder.plane_.records_]
    assert len(again.plane_.records_) == 2


# ---------------------------------------------------------------- Lightning


def _lightning():
    try:
        import lightning.pytorch as pl
    except ImportError:
        pl = pytest.importorskip("pytorch_lightning")
    return pl


def _lightning_fit(pl, split, callbacks, max_epochs=EPOCHS):
    from torch.utils.data import DataLoader, TensorDataset

    class Classifier(pl.LightningModule):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, X):
            return self.net(X)

        def training_step(self, batch, batch_idx):
            X, y = batch
            return torch.nn.functional.cross_entropy(self.net(X), y)

        def configure_optimizers(self):
            return torch.optim.Adam(self.net.parameters(), lr=LR)

    loader = DataLoader(
        TensorDataset(torch.as_tensor(split.X_train), torch.as_tensor(split.y_train)),
        batch_size=BATCH, sampler=EpochSampler(len(split.train_index), seed=SEED))
    trainer = pl.Trainer(max_epochs=max_epochs, accelerator="cpu", devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, deterministic=True,
                         callbacks=callbacks)
    module = Classifier(make_mlp(SIZES, random_state=SEED))
    trainer.fit(module, loader)
    return module


def test_lightning_callback_matches_train_and_record(digits, reference, tmp_path):
    pl = _lightning()
    from skmi.nn import LightningInformationPlane

    X, y = digits
    split = training_split(X, y, seed=SEED)
    path = tmp_path / "lightning.csv"
    recorder = LightningInformationPlane(split.X_record, split.y_record,
                                         hidden_layers(make_mlp(SIZES)), submodule="net",
                                         csv_path=path, **_plane_kwargs())
    # without submodule the LightningModule itself is recorded, its layers dotted
    whole = LightningInformationPlane(split.X_record, split.y_record, ["net.act2"],
                                      record_epochs=[6, 9], x_estimator=_estimator())
    assert isinstance(recorder, pl.Callback)
    _lightning_fit(pl, split, [recorder, whole])
    assert recorder.record_epochs_ == [0, 1, 2, 6]
    assert _max_difference(recorder.plane_, reference[0]) <= 1e-9
    _same_csv(path, reference[1])
    (row,) = whole.plane_.records_
    (ref,) = [r for r in reference[0].records_ if (r["epoch"], r["layer"]) == (6, "act2")]
    assert row["layer"] == "net.act2" and abs(row["I_TY"] - ref["I_TY"]) <= 1e-9


def test_lightning_needs_a_list_without_max_epochs(digits):
    pl = _lightning()
    from skmi.nn import LightningInformationPlane

    X, y = digits
    split = training_split(X[:200], y[:200], seed=SEED)
    recorder = LightningInformationPlane(split.X_record, split.y_record, ["act1"],
                                         submodule="net")
    with pytest.raises(ValueError, match="give record_epochs as a list"):
        _lightning_fit(pl, split, [recorder], max_epochs=-1)
    missing = LightningInformationPlane(split.X_record, split.y_record, ["act1"],
                                        submodule="body", record_epochs=[0])
    with pytest.raises(ValueError, match="no submodule 'body'"):
        _lightning_fit(pl, split, [missing], max_epochs=1)


# ---------------------------------------------------------------- arguments, imports


@pytest.mark.parametrize("name", ["SkorchInformationPlane", "LightningInformationPlane"])
def test_bad_arguments_are_said_clearly(name):
    pytest.importorskip("skorch" if name.startswith("Skorch") else "lightning")
    import skmi.nn.callbacks as callbacks

    cls = getattr(callbacks, name)
    X, y = np.zeros((10, 4)), np.arange(10) % 2
    cases = [
        (TypeError, "record_epochs must hold ints", dict(record_epochs=[0, 1.5])),
        (TypeError, "sequence of ints", dict(record_epochs=3)),
        (ValueError, "'log', 'all' or a list", dict(record_epochs="often")),
        (ValueError, "n_records must be an int >= 1", dict(n_records=0)),
        (ValueError, "unit must be", dict(unit="dits")),
        (TypeError, "csv_path must be a path", dict(csv_path=3)),
        (TypeError, "layers must be", dict(layers=3)),
        (TypeError, "layers must be", dict(layers=[])),
        (ValueError, "one class label per row", dict(y=y[:5])),
        (ValueError, "at least 2", dict(X=np.zeros(10), y=y)),
    ]
    if name.startswith("Skorch"):
        cases.append((TypeError, "module must be", dict(module=None)))
    else:
        cases.append((TypeError, "submodule must be", dict(submodule=3)))
    for error, match, change in cases:
        kw = dict(X=X, y=y, layers=["act1"]) | change
        with pytest.raises(error, match=match):
            cls(**kw)
    # set_params is checked when training starts
    cb = cls(X, y, ["act1"])
    cb.unit = "dits"
    with pytest.raises(ValueError, match="unit must be"):
        cb._start(3, new_plane=True)


def test_skorch_module_missing_is_said(digits):
    pytest.importorskip("skorch")
    from skmi.nn import SkorchInformationPlane

    X, y = digits
    split = training_split(X[:200], y[:200], seed=SEED)
    recorder = SkorchInformationPlane(split.X_record, split.y_record, ["act1"],
                                      module="critic_", record_epochs=[0])
    with pytest.raises(ValueError, match="no module 'critic_'"):
        _skorch_net(split, [recorder]).fit(split.X_train, split.y_train)


def _run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip().splitlines()


def test_import_without_skorch_or_lightning_and_the_message():
    code = (
        "import sys\n"
        "for name in ('skorch', 'lightning', 'pytorch_lightning'):\n"
        "    sys.modules[name] = None\n"
        "import skmi.nn.callbacks as cb\n"
        "print('torch' in sys.modules, cb.__all__, set(cb.__all__) <= set(dir(cb)))\n"
        "for name in cb.__all__:\n"
        "    try:\n"
        "        getattr(cb, name)\n"
        "    except ImportError as e:\n"
        "        print(e)\n"
        "try:\n"
        "    from skmi.nn import SkorchInformationPlane\n"
        "except ImportError as e:\n"
        "    print('nn:', e)\n"
    )
    lines = _run(code)
    assert lines[0] == "False ['LightningInformationPlane', 'SkorchInformationPlane'] True"
    assert "LightningInformationPlane needs lightning" in lines[1]
    assert "pip install skmi[lightning]" in lines[1]
    assert "SkorchInformationPlane needs skorch" in lines[2]
    assert "pip install skmi[skorch]" in lines[2]
    assert lines[3].startswith("nn: SkorchInformationPlane needs skorch")


def test_importing_skmi_nn_imports_no_training_library():
    code = ("import sys, skmi, skmi.nn, skmi.nn.callbacks\n"
            "dir(skmi.nn.callbacks); skmi.nn.__all__\n"
            "print([m for m in ('torch', 'skorch', 'lightning', 'pytorch_lightning') "
            "if m in sys.modules])\n")
    assert _run(code) == ["[]"]
