"""Neural variational MI estimators: ground truth, invariance, bounds, API, pickling."""

from __future__ import annotations

import functools
import math
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import skmi  # noqa: E402
from skmi.neural import (  # noqa: E402
    MINE,
    NWJ,
    SMILE,
    InfoNCE,
    TrainingDivergedWarning,
    bounds,  # noqa: E402
)
from skmi.neural.estimators import _module_to_cpu  # noqa: E402

# ----------------------------------------------------------------------------- data
D, RHO = 5, 0.5
TRUTH = -D / 2 * math.log(1 - RHO**2)  # 0.7192 nats
N, VAL_FRACTION = 6000, 0.25
N_VAL = math.ceil(VAL_FRACTION * N)  # 1500 held-out rows
SEEDS = (0, 1, 2)


def gaussians(n=N, d=D, rho=RHO, seed=0):
    rng = np.random.default_rng(1000 + seed)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y


# A configuration that trains in about a second on one CPU thread.
FAST = dict(hidden_layer_sizes=(64,), embedding_dim=32, batch_size=256, lr=2e-3,
            max_epochs=20, patience=5, validation_fraction=VAL_FRACTION)

# Tolerance for the mean over SEEDS of mi_ (the held-out bound), in two parts.
# 1. Sampling error, derived: with the optimal critic f = log r (+ const) the held-out
#    value is mean_i log r(x_i, y_i) over N_VAL rows plus a partition term averaged
#    over all N_VAL * (batch - 1) shuffled pairs, whose first-order fluctuation vanishes
#    (E_q[r | x] = 1), so the variance is Var_p[log r] / N_VAL. For a correlated
#    Gaussian pair log r = c - (rho^2 x^2 + rho^2 y^2 - 2 rho x y) / (2 (1 - rho^2)),
#    a quadratic form Q with Var Q = 2 tr((A Sigma)^2) = rho^2; d independent pairs give
#    d rho^2 = 1.25. Per seed sigma = sqrt(1.25 / 1500) = 0.029; over 3 seeds 0.017;
#    we allow 3 of those: 0.050.
# 2. Training gap, a requirement rather than a derivation: a critic trained on
#    N - N_VAL = 4500 rows for at most 20 epochs must close 90% of the MI, i.e. a
#    one-sided allowance of 0.1 * TRUTH = 0.072 below the truth. (Compared with the
#    true log-ratio on the same held-out rows, the measured gap at this size is about
#    0.045 for MINE and NWJ and 0.06 for SMILE.) A lower bound may not overshoot:
#    the upper limit has only the sampling part.
SAMPLING_TOL = 3 * math.sqrt(D * RHO**2 / N_VAL) / math.sqrt(len(SEEDS))
GAP_TOL = 0.1 * TRUTH


@functools.cache
def estimates(cls, cubic=False):
    values = []
    for seed in SEEDS:
        x, y = gaussians(seed=seed)
        if cubic:
            y = y**3
        values.append(cls(random_state=seed, **FAST).fit(x, y).mi_)
    return np.asarray(values)


@pytest.mark.parametrize("cls", [MINE, NWJ, SMILE])
def test_gaussian_ground_truth(cls):
    values = estimates(cls)
    mean = values.mean()
    assert TRUTH - GAP_TOL - SAMPLING_TOL <= mean <= TRUTH + SAMPLING_TOL, (values, TRUTH)


def test_monotone_cubic_map_of_y():
    # I(X; Y) = I(X; Y^3): the same requirement as the untransformed data ...
    values = estimates(NWJ, cubic=True)
    mean = values.mean()
    assert TRUTH - GAP_TOL - SAMPLING_TOL <= mean <= TRUTH + SAMPLING_TOL, (values, TRUTH)
    # ... and, seed by seed, the same estimate: the default quantile scaling sees the
    # same ranks, so only its linear interpolation between 1000 knots differs.
    np.testing.assert_allclose(values, estimates(NWJ), atol=0.01)


def test_infonce_never_exceeds_log_batch_size():
    # rho = 0.99 in 5 dimensions: I = 9.8 nats, far above log 32 = 3.47.
    x, y = gaussians(n=3000, rho=0.99)
    k = 32
    est = InfoNCE(batch_size=k, hidden_layer_sizes=(64,), lr=2e-3, max_epochs=6,
                  patience=None, random_state=0).fit(x, y)
    cap = math.log(k)
    curve = est.training_curve_
    assert est.mi_ <= cap + 1e-6
    assert np.all(curve["validation"] <= cap + 1e-6)
    assert np.all(curve["train"][1:] <= cap + 1e-6)
    assert est.score(x[:500], y[:500]) <= cap + 1e-6
    # ... and the cap, not the training, is what binds: the bound saturates near it
    assert est.mi_ > cap - 0.3
    # with fewer rows than batch_size the batches are smaller and so is the cap
    assert est.score(x[:10], y[:10]) <= math.log(10) + 1e-6


# ----------------------------------------------------------------------------- bounds
def _np_logmeanexp_offdiag(s):
    off = s[~np.eye(len(s), dtype=bool)]
    m = off.max()
    return m + np.log(np.mean(np.exp(off - m)))


@pytest.mark.parametrize(
    "fn, reference",
    [
        (bounds.dv_bound, lambda s: np.diag(s).mean() - _np_logmeanexp_offdiag(s)),
        (bounds.nwj_bound,
         lambda s: np.diag(s).mean() - np.exp(_np_logmeanexp_offdiag(s) - 1)),
        (bounds.infonce_bound,
         lambda s: np.mean(np.diag(s) - np.log(np.exp(s).sum(1))) + np.log(len(s))),
        (lambda s: bounds.smile_bound(s, clip=1.0),
         lambda s: np.diag(s).mean() - _np_logmeanexp_offdiag(np.clip(s, -1, 1))),
        (bounds.js_bound, lambda s: -np.mean(np.logaddexp(0, -np.diag(s)))
         - np.mean(np.logaddexp(0, s[~np.eye(len(s), dtype=bool)]))),
    ],
)
def test_bounds_match_numpy(fn, reference):
    s = np.random.default_rng(0).normal(size=(7, 7)) * 2
    value = float(fn(torch.as_tensor(s, dtype=torch.float64)))
    assert value == pytest.approx(reference(s), abs=1e-12)


def test_bounds_of_optimal_critic_recover_gaussian_mi():
    # The closed-form log density ratio as critic: every bound is close to the truth
    # (InfoNCE up to its log K cap, which is far above 0.72 for K = 2000).
    x, y = gaussians(n=2000)
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    c = 1 - RHO**2
    logr = (-0.5 * math.log(c) * D
            - (RHO**2 * (x**2).sum(1)[:, None] + RHO**2 * (y**2).sum(1)[None, :]
               - 2 * RHO * x @ y.T) / (2 * c))
    tol = 3 * math.sqrt(D * RHO**2 / 2000)
    for value in (bounds.dv_bound(logr), bounds.nwj_bound(logr + 1),
                  bounds.infonce_bound(logr), bounds.smile_bound(logr, 5.0)):
        assert float(value) == pytest.approx(TRUTH, abs=tol)


def test_bounds_reject_non_square_scores():
    with pytest.raises(ValueError, match="square"):
        bounds.dv_bound(torch.zeros(3, 4))


# ----------------------------------------------------------------------------- API
TINY = dict(hidden_layer_sizes=(8,), embedding_dim=4, batch_size=16, max_epochs=3,
            patience=None)


def test_estimate_kind_and_registry():
    for cls in (MINE, NWJ, InfoNCE, SMILE):
        assert cls.estimate_kind == "lower"
    x, y = gaussians(n=200)
    value = skmi.mutual_info(x, y, estimator="nwj", random_state=0, **TINY)
    assert value == NWJ(random_state=0, **TINY).fit(x, y).mi_
    assert skmi.MINE is MINE


def test_deterministic_on_cpu_and_score_on_new_data():
    x, y = gaussians(n=600)
    a = MINE(random_state=3, **TINY).fit(x, y)
    b = MINE(random_state=3, **TINY).fit(x, y)
    assert a.mi_ == b.mi_
    np.testing.assert_array_equal(a.training_curve_["validation"],
                                  b.training_curve_["validation"])
    assert a.score(x, y) == b.score(x, y)
    assert a.device_ == "cpu"
    assert a.mi_ == pytest.approx(a.training_curve_["validation"][a.best_epoch_])
    curve = a.training_curve_
    assert list(curve["epoch"]) == list(range(a.n_epochs_ + 1))
    assert curve["step"][-1] == a.n_steps_
    with pytest.raises(ValueError, match="features"):
        a.score(x, y[:, :2])


def test_max_steps_and_early_stopping():
    x, y = gaussians(n=600)
    est = NWJ(random_state=0, **{**TINY, "max_epochs": 50, "max_steps": 7}).fit(x, y)
    assert est.n_steps_ == 7
    est = NWJ(random_state=0, **{**TINY, "max_epochs": 500, "patience": 2}).fit(x, y)
    assert est.stopped_early_ and est.n_epochs_ < 500


class BilinearCritic(torch.nn.Module):
    """f(x, y) = (W x) . y: a user critic taking the feature counts and a rank."""

    def __init__(self, x_dim, y_dim, rank=2):
        super().__init__()
        self.rank = rank
        self.a = torch.nn.Linear(x_dim, rank, bias=False)
        self.b = torch.nn.Linear(y_dim, rank, bias=False)

    def forward(self, x, y):
        return self.a(x) @ self.b(y).T


def test_user_critic_class_and_dunder_params():
    x, y = gaussians(n=400)
    est = NWJ(critic=BilinearCritic, random_state=0, **TINY)
    est.set_params(critic__rank=3)
    assert est.get_params()["critic_params"] == {"rank": 3}
    est = clone(est).fit(x, y)
    assert est.critic_.rank == 3 and est.critic_.a.in_features == D
    assert np.isfinite(est.mi_)
    search = GridSearchCV(est, {"critic__rank": [1, 4]}, cv=2).fit(x, y)
    assert search.best_params_["critic__rank"] in (1, 4)
    assert search.best_estimator_.critic_.rank == search.best_params_["critic__rank"]


def test_user_critic_instance_is_copied_not_trained():
    x, y = gaussians(n=400)
    module = BilinearCritic(D, D)
    before = [p.detach().clone() for p in module.parameters()]
    est = MINE(critic=module, random_state=0, **TINY).fit(x, y)
    assert est.critic_ is not module
    for p, q in zip(before, module.parameters()):
        assert torch.equal(p, q)


def test_critic_params_with_builtin_critic_raise():
    x, y = gaussians(n=100)
    with pytest.raises(ValueError, match="critic_params"):
        MINE(critic_params={"rank": 2}, **TINY).fit(x, y)


def test_joint_critic_trains():
    x, y = gaussians(n=400)
    est = SMILE(critic="joint", random_state=0, **TINY).fit(x, y)
    assert np.isfinite(est.mi_)
    assert type(est.critic_).__name__ == "JointCritic"


def test_bad_device_raises():
    x, y = gaussians(n=100)
    with pytest.raises(ValueError, match="device"):
        MINE(device="not-a-device", **TINY).fit(x, y)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            MINE(device="cuda", **TINY).fit(x, y)


# ----------------------------------------------------------------------------- pickling
def _tensors(module):
    return list(module.parameters()) + list(module.buffers())


def test_pickle_round_trip_moves_state_to_cpu():
    x, y = gaussians(n=400)
    est = SMILE(random_state=0, **TINY).fit(x, y)
    state = est.__getstate__()
    assert state["critic_"] is not est.critic_  # a CPU copy, the live model untouched
    assert all(t.device.type == "cpu" for t in _tensors(state["critic_"]))
    loaded = pickle.loads(pickle.dumps(est))
    assert all(t.device.type == "cpu" for t in _tensors(loaded.critic_))
    assert loaded.score(x, y) == est.score(x, y)
    assert loaded.mi_ == est.mi_


def test_module_to_cpu_does_not_duplicate_on_device():
    # Without a GPU we can check the mechanism: every tensor of the copy is a fresh
    # CPU tensor built from the original (for CUDA tensors, .cpu() copies to the host
    # instead of deep-copying on the device first), parameters stay parameters.
    module = BilinearCritic(3, 2)
    copy = _module_to_cpu(module)
    for p, q in zip(module.parameters(), copy.parameters()):
        assert q is not p and isinstance(q, torch.nn.Parameter)
        assert q.device.type == "cpu" and torch.equal(p, q)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_unpickles_on_cpu(tmp_path):
    import subprocess
    import sys

    x, y = gaussians(n=400)
    est = MINE(device="cuda", random_state=0, **TINY).fit(x, y)
    assert est.device_.startswith("cuda")
    path = tmp_path / "est.pkl"
    path.write_bytes(pickle.dumps(est))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    code = (
        "import pickle, sys, numpy as np, torch; assert not torch.cuda.is_available();"
        f"d = r'{tmp_path}'; est = pickle.load(open(d + '/est.pkl', 'rb'));"
        "est.set_params(device='auto');"
        "print(est.score(np.load(d + '/x.npy'), np.load(d + '/y.npy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""},
                         check=True)
    assert abs(float(out.stdout) - est.score(x, y)) < 1e-4


# ----------------------------------------------------------------------------- divergence
def test_divergence_with_huge_learning_rate():
    x, y = gaussians(n=600, rho=0.9)
    # NWJ's e^(f - 1) overflows float32 once Adam's huge steps blow the critic up.
    with pytest.warns(TrainingDivergedWarning, match="diverged"):
        est = NWJ(lr=1e4, random_state=0, **{**TINY, "max_epochs": 30}).fit(x, y)
    assert est.diverged_
    curve = est.training_curve_["validation"]
    assert not np.isfinite(curve[-1])
    finite = curve[np.isfinite(curve)]
    assert est.mi_ == pytest.approx(finite.max())
    assert est.score(x, y) == pytest.approx(est.score(x, y))  # a usable critic is kept
    assert np.isfinite(est.score(x, y))


class NaNAfter(torch.nn.Module):
    """Separable critic whose output turns NaN after a fixed number of training calls."""

    def __init__(self, x_dim, y_dim, after=20):
        super().__init__()
        self.after = after
        self.calls = 0
        self.a = torch.nn.Linear(x_dim, 4)
        self.b = torch.nn.Linear(y_dim, 4)

    def forward(self, x, y):
        if self.training:
            self.calls += 1
        s = self.a(x) @ self.b(y).T
        return s * float("nan") if self.calls > self.after else s


def test_divergence_keeps_best_finite_epoch():
    x, y = gaussians(n=400)
    # 400 rows, 80 held out, batches of 16: 20 steps per epoch, so epoch 2 diverges.
    with pytest.warns(TrainingDivergedWarning, match="epoch 2"):
        est = NWJ(critic=NaNAfter, random_state=0,
                  **{**TINY, "max_epochs": 10}).fit(x, y)
    assert est.diverged_ and est.n_epochs_ == 2 and not est.stopped_early_
    val = est.training_curve_["validation"]
    assert np.all(np.isfinite(val[:2])) and np.isnan(val[2])
    assert est.best_epoch_ in (0, 1)
    assert est.mi_ == val[est.best_epoch_] == max(val[:2])


def test_no_finite_epoch_gives_nan_with_warning():
    x, y = gaussians(n=400)
    with pytest.warns(TrainingDivergedWarning, match="NaN"):
        est = NWJ(critic=NaNAfter, critic_params={"after": -1}, random_state=0,
                  **TINY).fit(x, y)
    assert est.diverged_ and math.isnan(est.mi_)


# ----------------------------------------------------------------------------- sklearn
CHECKED = [
    MINE(random_state=0, **{**TINY, "max_epochs": 2}),
    NWJ(random_state=0, **{**TINY, "max_epochs": 2}),
    InfoNCE(random_state=0, **{**TINY, "max_epochs": 2}),
    SMILE(critic="joint", random_state=0, **{**TINY, "max_epochs": 2}),
    NWJ(critic=BilinearCritic, critic_params={"rank": 2}, random_state=0,
        **{**TINY, "max_epochs": 2}),
]


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingDivergedWarning)
        check(estimator)


def test_float64_and_1d_y():
    x, y = gaussians(n=300)
    est = InfoNCE(dtype="float64", random_state=0, **TINY).fit(x, y[:, 0])
    assert next(est.critic_.parameters()).dtype == torch.float64
    assert np.isfinite(est.score(x, y[:, 0]))
