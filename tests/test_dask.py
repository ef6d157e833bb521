"""Scaling out: joblib's dask backend runs skmi's parallel work on a Dask cluster.

A ``LocalCluster`` of two worker processes on loopback stands in for a real cluster:
the work crosses process boundaries through the scheduler exactly as it would across
machines. Results must equal the local run for the same ``random_state``.
"""

import logging

import joblib
import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from skmi import KSG  # noqa: E402
from skmi._parallel import cap_inner_threads, inner_n_jobs  # noqa: E402
from skmi.metrics import mi_scorer, mutual_info_columns  # noqa: E402
from skmi.stats import confidence_interval, permutation_test  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2))
    y = x[:, 0] + rng.standard_normal(n)
    return x, y


def _tasks_run(client, body):
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            result = body()
    return result, len(stream.data)


def test_permutation_test_on_dask_equals_local_run(client):
    x, y = _data()
    local = permutation_test("ksg", x, y, n_permutations=30, random_state=3, n_jobs=2)
    remote, n_tasks = _tasks_run(
        client, lambda: permutation_test("ksg", x, y, n_permutations=30, random_state=3,
                                         n_jobs=-1))
    assert n_tasks > 0  # the fits really ran on the cluster's workers
    np.testing.assert_array_equal(local.null_distribution, remote.null_distribution)
    assert local.p_value == remote.p_value
    assert local.estimate == remote.estimate


def test_interval_and_columns_on_dask_equal_local_run(client):
    x, y = _data(seed=1)
    local = confidence_interval("ksg", x, y, n_resamples=10, random_state=0)
    remote, _ = _tasks_run(
        client, lambda: confidence_interval("ksg", x, y, n_resamples=10, random_state=0,
                                            n_jobs=-1))
    assert local.confidence_interval == remote.confidence_interval
    cols, _ = _tasks_run(
        client, lambda: mutual_info_columns(x, y, n_jobs=-1, random_state=0))
    np.testing.assert_array_equal(cols, mutual_info_columns(x, y, random_state=0))


def test_gridsearch_over_layers_on_dask_equals_local_run(client):
    torch = pytest.importorskip("torch")
    from sklearn.model_selection import GridSearchCV

    from skmi.nn import LayerActivationExtractor

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(),
                                torch.nn.Linear(6, 3), torch.nn.Tanh(),
                                torch.nn.Linear(3, 2))
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)

    def search(n_jobs):
        grid = GridSearchCV(LayerActivationExtractor(model, "0"),
                            {"layers": ["0", "1", "2", "3"]}, cv=3, n_jobs=n_jobs,
                            scoring=mi_scorer("ksg", k=3, random_state=0))
        return grid.fit(X, y)

    local = search(None)
    remote, n_tasks = _tasks_run(client, lambda: search(-1))
    assert n_tasks > 0
    np.testing.assert_array_equal(local.cv_results_["mean_test_score"],
                                  remote.cv_results_["mean_test_score"])
    assert local.best_params_ == remote.best_params_


def test_numba_threads_are_shared_between_workers(client):
    import numba

    cores = numba.config.NUMBA_NUM_THREADS
    assert inner_n_jobs(None) == cores
    assert inner_n_jobs(2) == max(1, cores // 2)
    assert cap_inner_threads(KSG(n_jobs=None), 2).n_jobs == max(1, cores // 2)
    assert cap_inner_threads(KSG(n_jobs=None), 1).n_jobs is None  # one worker: untouched
    with joblib.parallel_config(backend="dask"):
        # two single-threaded workers on the cluster: each gets half this machine's cores
        assert inner_n_jobs(-1) == max(1, cores // 2)
