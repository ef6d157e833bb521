"""Issue 16, "no silent wrong answers": each input below used to give a wrong result or
a raw error from deep inside; now it is a correct result or a clear error."""

import math
import warnings

import numpy as np
import pytest

import skmi
from skmi import datasets
from skmi.metrics import conditional_mutual_info, mi_scorer, mutual_info_columns

torch = pytest.importorskip("torch")

from skmi import KSG  # noqa: E402
from skmi._torch import resolve_device  # noqa: E402
from skmi.benchmark import run  # noqa: E402
from skmi.neural import SMILE, TrainingDivergedWarning  # noqa: E402
from skmi.nn import (  # noqa: E402
    InformationPlane,
    LayerActivationExtractor,
    log_spaced_epochs,
    make_mlp,
    train_and_record,
)
from skmi.stats import permutation_test  # noqa: E402


def correlated(n=600, d=5, rho=0.8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))


# ------------------------------------------------------------------ 1. SMILE divergence
@pytest.mark.parametrize("lr", [1.0, 10.0])
def test_smile_blown_up_critic_is_divergence(lr):
    # True MI 2.55 nats. The blown-up critic scored every pair in the thousands (or
    # -1e12), and SMILE's unclipped joint term reported 3671 or 2.7e10 nats with
    # diverged_=False.
    x, y = correlated()
    with pytest.warns(TrainingDivergedWarning, match="density ratio"):
        est = SMILE(lr=lr, max_epochs=4, patience=None, random_state=0).fit(x, y)
    assert est.diverged_
    curve = est.training_curve_["validation"]
    assert est.n_epochs_ == len(curve) - 1
    assert abs(curve[-1]) > 100  # the rejected epoch stays in the curve
    assert np.isfinite(est.mi_) and est.mi_ < 2.6  # the best epoch before it
    assert est.mi_ == max(curve[:-1])


def test_smile_healthy_training_is_not_divergence():
    x, y = correlated()
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingDivergedWarning)
        est = SMILE(lr=1e-3, max_epochs=3, patience=None, random_state=0).fit(x, y)
    assert not est.diverged_ and est.best_epoch_ == 3


def _scores_critic(scores):
    return lambda X, y: scores


@pytest.mark.parametrize("clip", [5.0, 0.5])
def test_smile_density_ratio_check(clip):
    from skmi.neural._training import SmileObjective, chunked_validation

    objective = SmileObjective(clip)
    order = torch.arange(8).reshape(1, 8)
    X = torch.zeros(8, 1)
    eye = torch.eye(8)
    # a sharp but sane log density ratio: joint pairs high, shuffled pairs low
    sane = 3.0 * eye - 1.0 * (1 - eye)
    value, rejected = chunked_validation(_scores_critic(sane), objective, X, X, order)
    assert float(rejected) == 0 and float(value) > 0
    # the same critic shifted up by 1000: every shuffled pair beyond the clip
    value, rejected = chunked_validation(_scores_critic(sane + 1000), objective, X, X,
                                         order)
    assert float(rejected) == 1 and float(value) > 900
    # or down by 1000: every joint pair far below
    _, rejected = chunked_validation(_scores_critic(sane - 1000), objective, X, X, order)
    assert float(rejected) == 1
    # clip=None is the shift-invariant DV bound: nothing to check
    _, rejected = chunked_validation(_scores_critic(sane + 1000), SmileObjective(None), X,
                                     X, order)
    assert float(rejected) == 0


# ------------------------------------------------------------------ 2. extractor
class Cut(torch.nn.Module):
    def forward(self, x):
        return x[:30]


def test_extractor_layer_that_changes_the_batch_size():
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), Cut(), torch.nn.Tanh())
    X = np.random.default_rng(0).standard_normal((50, 4))
    ext = LayerActivationExtractor(model, "1", device="cpu").fit(X)
    with pytest.raises(ValueError, match=r"layer '1' gave 30 rows .* batch of 50"):
        ext.transform(X)


def test_extractor_does_not_run_user_hooks():
    calls = []
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Tanh(),
                                torch.nn.Linear(3, 2))
    model[0].register_forward_hook(lambda m, i, o: calls.append("hook"))
    model[2].register_forward_pre_hook(lambda m, i: calls.append("pre"))
    model[1].register_forward_hook(lambda m, a, k, o: calls.append("kw"), with_kwargs=True)
    X = np.random.default_rng(0).standard_normal((20, 4)).astype(np.float32)
    ext = LayerActivationExtractor(model, ["1", "2"], device="cpu").fit(X)
    acts = ext.transform_layers(X)
    assert calls == []
    with torch.no_grad():  # the user's model keeps its hooks and gives the same output
        out = model(torch.as_tensor(X)).numpy()
    assert calls == ["hook", "kw", "pre"]
    np.testing.assert_allclose(acts["2"], out, rtol=1e-6)


def test_extractor_keeps_torch_reparametrisation_hooks():
    # torch's pruning computes weight = weight_orig * mask in a forward pre-hook
    from torch.nn.utils import prune

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3))
    with torch.no_grad():  # (a pruned weight with a graph cannot be deep-copied)
        prune.l1_unstructured(model[0], "weight", amount=0.5)
        model[0].weight_orig.add_(1.0)  # the cached weight is stale until the hook runs
    X = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    acts = LayerActivationExtractor(model, "0", device="cpu").fit(X).transform(X)
    with torch.no_grad():
        expected = model(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(acts, expected, rtol=1e-6)


# ------------------------------------------------------------------ 3. complex input
def test_mi_scorer_rejects_complex():
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    X = rng.standard_normal((60, 2)) + 1j * rng.standard_normal((60, 2))
    score = mi_scorer(random_state=0)
    with pytest.raises(TypeError, match="complex"):
        score(FunctionTransformer().fit(X), X, y)
    to_complex = FunctionTransformer(lambda A: A * 1j).fit(X.real)
    with pytest.raises(TypeError, match="complex"):
        score(to_complex, X.real, y)


# ------------------------------------------------------------------ 4. datasets
def test_load_mnist_rejects_nan_images(tmp_path):
    X = np.random.default_rng(0).uniform(0, 255, (5, 784)).astype(np.float32)
    X[3, 10] = np.nan
    np.savez(tmp_path / "m.npz", X=X, y=np.arange(5))
    with pytest.raises(ValueError, match="NaN or infinite"):
        datasets.load_mnist(tmp_path / "m.npz")
    np.savez(tmp_path / "labels.npz", X=np.ones((2, 784)), y=np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="labels must be integers"):
        datasets.load_mnist(tmp_path / "labels.npz")


@pytest.mark.parametrize("maker", [datasets.make_gaussian_pairs,
                                   datasets.make_redundant_copies, datasets.make_xor])
@pytest.mark.parametrize("n", [0, 1])
def test_dataset_makers_refuse_too_few_samples(maker, n):
    with pytest.raises(ValueError, match="at least 2"):
        maker(n)
    with pytest.raises(TypeError, match="int"):
        maker(10.0)


def test_tishby_threshold_must_be_finite_and_split_the_patterns():
    with pytest.raises(ValueError, match="finite"):
        datasets.make_tishby_12bit(threshold=float("nan"))
    with pytest.raises(ValueError, match="all 4096 patterns in class 0"):
        datasets.make_tishby_12bit(threshold=11.0)


# ------------------------------------------------------------------ 5. skmi.nn
@pytest.mark.filterwarnings("ignore::skmi.SaturationWarning")
def test_record_epoch_must_be_an_int():
    model = make_mlp([4, 3, 2], random_state=0)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 4)), rng.integers(0, 2, 20)
    plane = InformationPlane("act1")
    for epoch in ("x", 1.5, None, True):
        with pytest.raises(TypeError, match="epoch must be an int"):
            plane.record(model, X, y, epoch=epoch)
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        plane.record(model, X, y, epoch=-1)
    assert plane.records_ == []
    plane.record(model, X, y, epoch=np.int64(2))
    assert [r["epoch"] for r in plane.records_] == [2]


def test_train_and_record_epochs_zero_and_n_records():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((90, 4)), rng.integers(0, 3, 90)
    model = make_mlp([4, 3, 3], random_state=0)
    with pytest.raises(ValueError, match="n_records must be an int >= 1"):
        train_and_record(model, X, y, epochs=3, n_records=0, device="cpu")
    with pytest.raises(TypeError, match="record_epochs must hold ints"):
        train_and_record(model, X, y, epochs=3, record_epochs=[0, 1.5], device="cpu")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = train_and_record(model, X, y, plane=InformationPlane("act1"), epochs=0,
                               device="cpu")
    assert res.record_epochs == [0] and res.loss == []
    assert {r["epoch"] for r in res.plane.records_} == {0}
    assert not any("chance" in str(w.message) for w in caught)  # nothing was trained


def test_log_spaced_epochs_arguments():
    with pytest.raises(TypeError, match="epochs must be an int"):
        log_spaced_epochs(2.5)
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        log_spaced_epochs(10, n=0)
    with pytest.raises(TypeError, match="n must be an int"):
        log_spaced_epochs(10, n=2.0)
    assert log_spaced_epochs(100, 1) == [0, 100]
    assert log_spaced_epochs(0, 5) == [0]


@pytest.mark.parametrize("sizes, error", [([2.5, 3], TypeError), ([4, True], TypeError),
                                          ("43", TypeError), ([4], ValueError),
                                          ([4, 0, 2], ValueError)])
def test_make_mlp_sizes(sizes, error):
    with pytest.raises(error, match="sizes"):
        make_mlp(sizes)


# ------------------------------------------------------------------ 6. benchmark
def test_benchmark_refuses_too_few_samples():
    with pytest.raises(ValueError, match=r"ksg needs 4 .*k-NN with k=3"):
        run(["ksg"], tasks=["normal-1x1"], n_samples=3, seeds=1)
    with pytest.raises(ValueError, match=r"gaussian needs 12 .*dim_x \+ dim_y \+ 2"):
        run(["gaussian"], tasks=["normal-5x5-dense"], n_samples=10, seeds=1)
    with pytest.raises(ValueError, match="n_samples must be an int >= 2"):
        run([lambda X, y: 0.0], tasks=["normal-1x1"], n_samples=1, seeds=1)


def test_column_kinds_rejects_3d():
    from skmi.auto import column_kinds

    with pytest.raises(ValueError, match="1-D or 2-D"):
        column_kinds(np.zeros((5, 2, 3)))


# ------------------------------------------------------------------ 7. devices
@pytest.mark.parametrize("device", ["cpu:3", "meta", "not-a-device"]
                         + ([] if torch.backends.mps.is_available() else ["mps"])
                         + ([] if torch.cuda.is_available() else ["cuda", "cuda:1"]))
def test_resolve_device_names_the_device_and_the_choices(device):
    with pytest.raises(ValueError, match=f"device='{device}'.*valid choices here: 'auto', "
                                         "'cpu'"):
        resolve_device(device)


def test_resolve_device_cuda_index_out_of_range():
    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(ValueError, match=f"cuda:{n + 3}"):
        resolve_device(f"cuda:{n + 3}")
    assert str(resolve_device("cpu:0")) == "cpu:0"


# ------------------------------------------------------------------ 8. functional API
def test_ksg_k_bool_rejected():
    from skmi import BinningMI, KLEntropy

    x, y = correlated(n=50, d=1)
    with pytest.raises(ValueError, match="'k' parameter of KSG must be an int, not a bool"):
        KSG(k=True).fit(x, y)
    with pytest.raises(ValueError, match="not a bool"):
        KLEntropy(k=True).fit(x)
    with pytest.raises(ValueError, match="n_jobs"):
        KSG(n_jobs=True).fit(x, y)
    with pytest.raises(ValueError, match="n_bins"):
        BinningMI(n_bins=True).fit(x, y)
    assert KSG(k=np.int64(2)).fit(x, y).mi_ == KSG(k=2).fit(x, y).mi_


def test_permutation_test_none_or_scalar_data():
    x, y = correlated(n=50, d=1)
    with pytest.raises(TypeError, match="X is None"):
        permutation_test("ksg", None, y, n_permutations=2)
    with pytest.raises(TypeError, match="y is None"):
        permutation_test("ksg", x, None, n_permutations=2)
    with pytest.raises(ValueError, match="X must be an array-like .* scalar"):
        permutation_test("ksg", 3.0, y, n_permutations=2)


@pytest.mark.parametrize("estimator", ["binning", "gaussian"])
def test_conditional_mutual_info_needs_a_conditioning_estimator(estimator):
    # "discrete" and "auto" condition now (plug-in CMI, stratified k-NN)
    rng = np.random.default_rng(0)
    x, y, z = rng.standard_normal((3, 100, 1))
    with pytest.raises(ValueError, match=r"cannot condition on z.*'ksg'"):
        conditional_mutual_info(x, y, z, estimator=estimator)


def test_mutual_info_columns_accepts_sparse():
    import scipy.sparse

    rng = np.random.default_rng(0)
    X = scipy.sparse.random(200, 3, density=0.6, format="csr", random_state=0)
    y = X.toarray()[:, 0] + 0.3 * rng.standard_normal(200)
    # scikit-learn's default: sparse X is discrete, dense X continuous
    dense = mutual_info_columns(X.toarray(), y, random_state=0, discrete_features=True)
    np.testing.assert_array_equal(mutual_info_columns(X, y, random_state=0), dense)
    np.testing.assert_array_equal(
        mutual_info_columns(scipy.sparse.coo_matrix(X), y, random_state=0), dense)
    np.testing.assert_array_equal(
        mutual_info_columns(X, y, random_state=0, discrete_features=False),
        mutual_info_columns(X.toarray(), y, random_state=0))
    with pytest.raises(TypeError, match="X is None"):
        mutual_info_columns(None, y)


def test_random_state_only_reaches_estimators_that_take_it():
    x, y = correlated(n=200, d=1)
    seeded = skmi.mutual_info(x, y, estimator="mixed_ksg", random_state=0)
    assert seeded == skmi.mutual_info(x, y, estimator="mixed_ksg")
    assert skmi.mutual_info(x, y, estimator="gaussian", random_state=0) == \
        skmi.mutual_info(x, y, estimator="gaussian")
    with pytest.raises((TypeError, ValueError)):  # other unknown parameters still raise
        skmi.mutual_info(x, y, estimator="mixed_ksg", n_bins=3)


@pytest.mark.parametrize("cls", ["MINE", "InfoNCE", "NWJ"])
def test_collapsed_critic_is_divergence(cls):
    # lr = 1 wrecks the critic (held-out bounds of -3e7 nats and below); mi_ used to be
    # the untrained critic's value with diverged_=False
    import skmi.neural as neural
    from skmi.neural import TrainingDivergedWarning

    rng = np.random.default_rng(0)
    x = rng.standard_normal((600, 5))
    y = 0.8 * x + 0.6 * rng.standard_normal((600, 5))
    est = getattr(neural, cls)(lr=10.0, max_epochs=5, patience=None, device="cpu",
                               random_state=0)
    with pytest.warns(TrainingDivergedWarning, match="diverged at epoch"):
        est.fit(x, y)  # NWJ's blow-up gives NaN; MINE's and InfoNCE's a collapsed bound
    assert est.diverged_ and np.isfinite(est.mi_) and est.mi_ > -10
