"""pytest configuration shared by the test suite and the doctests under ``skmi/``.

Optional dependencies: when torch is not installed, the doctests of the modules that
need it are not collected (``tests/test_neural.py`` skips itself with
``pytest.importorskip``); nor are those of the skorch and Lightning callbacks without
skorch or Lightning.
"""

import importlib.util
import os

import pytest

# Numba's OpenMP workers spin while waiting and starve torch's small operations when
# both run in one process (5-20x slower training); let idle workers sleep instead.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

collect_ignore_glob = []
if importlib.util.find_spec("torch") is None:
    collect_ignore_glob.append("skmi/neural/*.py")
# the callbacks of skmi.nn.callbacks (extras skmi[skorch], skmi[lightning])
for _extra, _module in (("skorch", "skmi/nn/_skorch.py"),
                        ("lightning", "skmi/nn/_lightning.py")):
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec(_extra) is None:
        collect_ignore_glob.append(_module)


@pytest.fixture(autouse=True)
def _one_torch_thread_for_neural(request):
    """Run the neural tests and doctests on one torch thread.

    The networks are tiny: a second intra-op thread buys nothing, and on shared CI
    cores torch's spinning worker threads slowed these runs down by 10-50 times.
    """
    if "neural" not in str(getattr(request.node, "path", "")):
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """Run BLAS on one thread for the whole session.

    The test matrices are small; on a loaded 2-core machine multithreaded BLAS was seen
    to take 12 s for an ``np.cov`` that takes 0.02 s on one thread.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


# Hypothesis profiles for tests/test_properties.py. "ci" (the default) is a fixed,
# reproducible budget: derandomized examples, no per-example deadline (the first call
# of a kernel may compile it). "dev" draws ten times as many fresh examples each run.
# Neither writes an example database (.hypothesis/); a failure prints the
# @reproduce_failure blob that replays it. Choose with SKMI_HYPOTHESIS_PROFILE=dev.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is a test extra; the doctests do not need it
    pass
else:
    settings.register_profile(
        "ci",
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        "dev",
        max_examples=250,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile(os.environ.get("SKMI_HYPOTHESIS_PROFILE", "ci"))
