"""torch CPU threads: :func:`skmi._torch.torch_threads` and the estimators' ``n_jobs``."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skmi._torch import (  # noqa: E402
    THREADED_WORK,
    _usable_cpus,
    resolve_torch_threads,
    torch_threads,
)
from skmi.neural import MINE, NWJ, SMILE, InfoNCE  # noqa: E402

CPUS = _usable_cpus()
TINY = dict(hidden_layer_sizes=(8,), embedding_dim=4, batch_size=32, max_epochs=2,
            patience=None)


@pytest.fixture
def two_threads():
    """torch set to 2 threads (so that 1 is a change), the caller's count restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    return x, 0.8 * x + 0.6 * rng.standard_normal((n, 2))


@pytest.mark.parametrize(("n_jobs", "expected"), [
    (None, 1), (1, 1), (2, min(2, CPUS)), (10**6, CPUS), (-1, CPUS),
    (-2, max(CPUS - 1, 1)), (-(10**6), 1),
])
def test_n_jobs_mapping(two_threads, n_jobs, expected):
    assert resolve_torch_threads(n_jobs) == expected
    assert resolve_torch_threads(n_jobs, work=THREADED_WORK - 1) == expected


def test_none_keeps_torchs_setting_for_large_work(two_threads):
    assert resolve_torch_threads(None, work=THREADED_WORK) == 2
    assert resolve_torch_threads(1, work=10 * THREADED_WORK) == 1
    with torch_threads(None, work=THREADED_WORK) as n:
        assert n == torch.get_num_threads() == 2


@pytest.mark.parametrize("bad", [0, 1.5, "2", True, [1]])
def test_bad_n_jobs_raise(two_threads, bad):
    with pytest.raises(ValueError, match="n_jobs"), torch_threads(bad):
        pass  # pragma: no cover
    assert torch.get_num_threads() == 2


def test_context_sets_and_restores(two_threads):
    with torch_threads(1) as n:
        assert n == torch.get_num_threads() == 1
        with torch_threads(-1) as inner:  # nested: restores the outer value
            assert torch.get_num_threads() == inner == CPUS
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_context_restores_after_an_exception(two_threads):
    with pytest.raises(RuntimeError, match="boom"), torch_threads(None):
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")
    assert torch.get_num_threads() == 2


def test_context_leaves_interop_threads_alone(two_threads):
    interop = torch.get_num_interop_threads()
    with torch_threads(1):
        pass
    assert torch.get_num_interop_threads() == interop


@pytest.mark.parametrize("cls", [MINE, NWJ, InfoNCE, SMILE])
def test_fit_and_score_run_inside_and_restore(two_threads, cls, monkeypatch):
    seen = []
    real = torch.optim.Adam.step

    def step(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    x, y = data()
    est = cls(device="cpu", random_state=0, **TINY).fit(x, y)
    assert set(seen) == {1}
    assert torch.get_num_threads() == 2
    est.set_params(n_jobs=-1)
    est.score(x, y)
    assert torch.get_num_threads() == 2


def test_fit_restores_after_an_error(two_threads):
    class Broken(torch.nn.Module):
        def __init__(self, x_dim, y_dim):
            super().__init__()
            self.layer = torch.nn.Linear(x_dim, 1)

        def forward(self, x, y):
            raise RuntimeError("broken critic")

    x, y = data()
    with pytest.raises(RuntimeError, match="broken critic"):
        InfoNCE(critic=Broken, device="cpu", random_state=0, **TINY).fit(x, y)
    assert torch.get_num_threads() == 2


def test_results_do_not_depend_on_n_jobs(two_threads):
    x, y = data()
    fits = [MINE(n_jobs=n_jobs, device="cpu", random_state=0, **TINY).fit(x, y)
            for n_jobs in (1, 2, None)]
    for est in fits[1:]:
        assert est.mi_ == fits[0].mi_
        np.testing.assert_array_equal(est.training_curve_["validation"],
                                      fits[0].training_curve_["validation"])
        for a, b in zip(est.critic_.parameters(), fits[0].critic_.parameters()):
            assert torch.equal(a, b)
    assert fits[1].score(x, y) == fits[0].score(x, y)


@pytest.mark.parametrize("bad", [0, 1.5, "all"])
def test_estimators_reject_bad_n_jobs(bad):
    x, y = data()
    with pytest.raises(ValueError, match="n_jobs"):
        InfoNCE(n_jobs=bad, **TINY).fit(x, y)


def test_n_jobs_is_stored_untouched():
    est = SMILE(n_jobs=-2)
    assert est.get_params()["n_jobs"] == -2
    assert InfoNCE().n_jobs is None


def test_numba_kernels_leave_torchs_threads_alone(two_threads):
    # Numba's OpenMP layer and torch share libgomp: a parallel region used to set
    # torch's count to Numba's (a one-thread training loop ran on all cores after its
    # first record).
    from skmi import KSG, BinningMI

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4000, 2)), rng.standard_normal((4000, 2))
    with torch_threads(1):
        BinningMI(8, n_jobs=-1).fit(x, y)
        assert torch.get_num_threads() == 1
        KSG(n_jobs=-1).fit(x, y)
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_train_and_record_threads(two_threads, monkeypatch):
    from skmi import BinningMI
    from skmi.nn import InformationPlane, hidden_layers, make_mlp, train_and_record

    seen = []
    real = torch.optim.Adam.step

    def step(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = make_mlp([4, 8, 2], random_state=0)
    plane = InformationPlane(hidden_layers(model), x_estimator=BinningMI(5, n_jobs=-1))
    train_and_record(model, X, y, plane=plane, epochs=3, record_epochs="all",
                     batch_size=512, device="cpu")
    assert set(seen) == {1}  # before and after each (parallel) record
    assert torch.get_num_threads() == 2
    seen.clear()
    train_and_record(model, X, y, epochs=1, batch_size=512, device="cpu", n_jobs=-1)
    assert set(seen) == {CPUS}
    with pytest.raises(ValueError, match="n_jobs"):
        train_and_record(model, X, y, epochs=1, device="cpu", n_jobs=0)
    assert torch.get_num_threads() == 2


def test_extractor_threads(two_threads, monkeypatch):
    from skmi.nn import LayerActivationExtractor, make_mlp

    seen = []
    real = torch.nn.Linear.forward

    def forward(self, x):  # the extractor drops user hooks from its copy: patch forward
        seen.append(torch.get_num_threads())
        return real(self, x)

    monkeypatch.setattr(torch.nn.Linear, "forward", forward)
    model = make_mlp([4, 8, 2], random_state=0)
    X = np.random.default_rng(0).standard_normal((100, 4)).astype(np.float32)
    small = LayerActivationExtractor(model, "act1", device="cpu").fit(X)
    a = small.transform(X)
    assert set(seen) == {1} and torch.get_num_threads() == 2
    seen.clear()
    b = small.set_params(n_jobs=-1).transform(X)
    assert set(seen) == {CPUS} and torch.get_num_threads() == 2
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="n_jobs"):
        LayerActivationExtractor(model, "act1", n_jobs=0).fit(X)
