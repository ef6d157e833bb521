"""Fork safety of the Numba threading layer, the compiled-kernel disk cache, and results
that do not depend on what ran earlier in the process (issue 18).

Most checks run in a subprocess: a fork-unsafe layer kills children (the parent would
hang), and the cache checks need fresh processes on a copy of the package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
LINUX = sys.platform.startswith("linux")
needs_fork = pytest.mark.skipif(not LINUX, reason="fork start method: Linux")


def run_python(script: str, tmp_path: Path, *, path: Path = REPO, env: dict | None = None,
               timeout: float = 240) -> dict:
    """Run ``script`` (a file, so that spawned workers can import its ``__main__``) with
    ``path`` first on ``sys.path``; returns the JSON object it prints last."""
    file = tmp_path / f"script_{len(list(tmp_path.glob('script_*.py')))}.py"
    file.write_text(textwrap.dedent(script))
    environ = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    environ["PYTHONPATH"] = os.pathsep.join([str(path), environ.get("PYTHONPATH", "")])
    environ["PYTHONFAULTHANDLER"] = "1"
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    proc = subprocess.run([sys.executable, str(file)], capture_output=True, text=True,
                          timeout=timeout, env=environ, cwd=tmp_path)
    assert proc.returncode == 0, (
        f"exit status {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}"
        f"\n--- stderr\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ fork after a fit
# The parent fits on the parallel path (5000 rows, 2 + 2 columns: the KD-tree on two
# threads), which starts Numba's threading layer; the children fit 3000 rows (above
# SERIAL_BELOW: parallel kernels again) and must agree with the parent to the bit.
PARENT = """
import json
import numpy as np
import skmi


def child_fit(seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((3000, 2))
    b = a + rng.standard_normal((3000, 2))
    return float(skmi.KSG(random_state=0, n_jobs=2).fit(a, b).mi_)


def parent_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5000, 2))
    y = x + rng.standard_normal((5000, 2))
    skmi.KSG(random_state=0, n_jobs=2).fit(x, y)
    return [child_fit(seed) for seed in (1, 2)]


def report(expected, got):
    import numba
    print(json.dumps({"expected": expected, "got": got, "layer": numba.threading_layer()}))
"""


def check_children(result):
    assert result["got"] == result["expected"], result


def tbb_wheel_installed() -> bool:
    from importlib import metadata

    try:
        return any(f.name == "libtbb.so.12" for f in metadata.files("tbb") or ())
    except metadata.PackageNotFoundError:
        return False


@pytest.mark.skipif(not (LINUX and tbb_wheel_installed()), reason="the tbb wheel: Linux")
def test_tbb_is_the_threading_layer_where_installed(tmp_path):
    """Numba does not search the wheel's library folder: skmi loads it."""
    result = run_python(PARENT + """
if __name__ == "__main__":
    report(parent_fit(), None)
""", tmp_path, env={"NUMBA_THREADING_LAYER": None, "NUMBA_THREADING_LAYER_PRIORITY": None})
    assert result["layer"] == "tbb"


@needs_fork
def test_fork_pool_after_parallel_fit(tmp_path):
    result = run_python(PARENT + """
if __name__ == "__main__":
    import multiprocessing
    expected = parent_fit()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        got = pool.map_async(child_fit, [1, 2]).get(timeout=90)
    report(expected, got)
""", tmp_path)
    check_children(result)


@needs_fork
def test_dataloader_workers_after_parallel_fit(tmp_path):
    pytest.importorskip("torch")
    result = run_python(PARENT + """
if __name__ == "__main__":
    import torch
    from torch.utils.data import DataLoader, Dataset

    class Fits(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return child_fit(i + 1)

    expected = parent_fit()
    loader = DataLoader(Fits(), batch_size=None, num_workers=2, timeout=90,
                        multiprocessing_context="fork")
    report(expected, [float(v) for v in loader])
""", tmp_path)
    check_children(result)


def test_loky_workers_after_parallel_fit(tmp_path):
    result = run_python(PARENT + """
if __name__ == "__main__":
    from joblib import Parallel, delayed

    expected = parent_fit()
    got = Parallel(n_jobs=2, backend="loky", timeout=120)(
        delayed(child_fit)(seed) for seed in (1, 2))
    report(expected, got)
""", tmp_path)
    check_children(result)


def test_dask_workers_after_parallel_fit(tmp_path):
    pytest.importorskip("distributed")
    # one worker process running two fits at once on its two threads: thread safety too
    result = run_python(PARENT + """
if __name__ == "__main__":
    import logging
    import distributed

    expected = parent_fit()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, \\
            distributed.Client(cluster) as client:
        got = client.gather(client.map(child_fit, [1, 2], pure=False), errors="raise")
    report(expected, got)
""", tmp_path, timeout=300)
    check_children(result)


# A parallel kernel of our own (compiles in a second or two) for the layer guards.
TINY = '''
import numpy as np
from numba import prange
from skmi._kernels._jit import jit


@jit(parallel=True)
def column_sums(a):
    out = np.zeros(a.shape[1])
    for j in prange(a.shape[1]):
        s = 0.0
        for i in range(a.shape[0]):
            s += a[i, j]
        out[j] = s
    return out
'''


def omp_layer_available() -> bool:
    try:
        from numba.np.ufunc import omppool  # noqa: F401
    except ImportError:
        return False
    return True


@needs_fork
@pytest.mark.skipif(not omp_layer_available(), reason="Numba's OpenMP layer")
def test_openmp_layer_children_run_serially(tmp_path):
    """With GNU OpenMP chosen by the user, a forked child runs the kernel's
    single-threaded compilation instead of being killed by Numba."""
    (tmp_path / "tiny.py").write_text(TINY)
    result = run_python("""
import json
import multiprocessing
import numpy as np
import numba
import tiny

a = np.arange(4000.0).reshape(200, 20)
expected = tiny.column_sums(a).tolist()
layer = numba.threading_layer()
if __name__ == "__main__":
    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.map_async(tiny.column_sums, [a]).get(timeout=90)[0].tolist()
    print(json.dumps({"expected": expected, "got": got, "layer": layer}))
""", tmp_path, path=REPO, env={"NUMBA_THREADING_LAYER": "omp"})
    assert result["layer"] == "omp"  # the user's choice is respected
    check_children(result)


def test_workqueue_layer_threads_take_turns(tmp_path):
    """Numba's workqueue layer aborts the process on concurrent launches; skmi's
    kernels launched from several threads take turns on it."""
    (tmp_path / "tiny.py").write_text(TINY)
    result = run_python("""
import json
from concurrent.futures import ThreadPoolExecutor
import numpy as np
import numba
import tiny

a = np.arange(200000.0).reshape(2000, 100)
expected = tiny.column_sums(a).tolist()
with ThreadPoolExecutor(4) as pool:
    got = list(pool.map(lambda _: tiny.column_sums(a).tolist(), range(400)))
print(json.dumps({"expected": [expected] * 400, "got": got,
                  "layer": numba.threading_layer()}))
""", tmp_path, env={"NUMBA_THREADING_LAYER": "workqueue"})
    assert result["layer"] == "workqueue"
    check_children(result)


# ----------------------------------------------------------------------- disk cache
# A small fit whose few kernels compile in a second or two; prints the skmi kernels
# compiled (Numba fires ``numba:compile`` only when it compiles, not when it loads the
# cache) and the warnings raised.
SMALL_FIT = """
import json
import warnings
from numba.core import event
import numpy as np

compiled = []


class Count(event.Listener):
    def on_start(self, e):
        func = e.data["dispatcher"].py_func
        if func.__module__.startswith("skmi."):
            compiled.append(func.__qualname__)

    def on_end(self, e):
        pass


event.register("numba:compile", Count())
import skmi
from skmi import DiscreteMI

rng = np.random.default_rng(0)
x = rng.integers(0, 5, (600, 2))
y = (x[:, 0] + rng.integers(0, 2, 600)) % 5
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    mi = DiscreteMI().fit(x, y).mi_
print(json.dumps({"mi": float(mi).hex(), "compiled": compiled, "file": skmi.__file__,
                  "warnings": [f"{w.category.__name__}: {w.message}" for w in caught]}))
"""


def copy_package(tmp_path: Path) -> Path:
    """A copy of the package without any cache, in ``tmp_path/site``."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "skmi", site / "skmi",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return site


def private_home(tmp_path: Path) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "xdg"),
            "TMPDIR": str(tmp_path), "LOCALAPPDATA": str(tmp_path / "localappdata")}


def cache_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc"))


def test_corrupted_cache_is_rebuilt_with_one_warning(tmp_path):
    site = copy_package(tmp_path)
    env = private_home(tmp_path)
    first = run_python(SMALL_FIT, tmp_path, path=site, env=env)
    assert first["file"].startswith(str(site))
    assert first["compiled"] and not first["warnings"]
    pycache = site / "skmi" / "_kernels" / "__pycache__"
    files = cache_files(pycache)
    assert any(p.suffix == ".nbi" for p in files), files
    # garbage in every data file, and in the index of every other function
    for i, p in enumerate(sorted(p for p in files if p.suffix == ".nbi")):
        if i % 2:
            p.write_bytes(b"\x80\x05garbage, not a pickle")
    for p in files:
        if p.suffix == ".nbc":
            p.write_bytes(os.urandom(64))

    second = run_python(SMALL_FIT, tmp_path, path=site, env=env)
    assert second["mi"] == first["mi"]
    cache_warnings = [w for w in second["warnings"] if w.startswith("KernelCacheWarning")]
    assert len(cache_warnings) == 1, second["warnings"]
    assert second["compiled"]  # rebuilt ...

    third = run_python(SMALL_FIT, tmp_path, path=site, env=env)
    assert third["mi"] == first["mi"]
    assert third["warnings"] == [] and third["compiled"] == []  # ... and saved again


def read_only_copy(tmp_path: Path) -> Path:
    """A copy whose kernel cache folder cannot be created, even by root: the name
    ``__pycache__`` is taken by a regular file."""
    site = copy_package(tmp_path)
    (site / "skmi" / "_kernels" / "__pycache__").write_text("not a folder")
    return site


def test_read_only_install_caches_in_the_user_cache_dir(tmp_path):
    site = read_only_copy(tmp_path)
    env = private_home(tmp_path)
    first = run_python(SMALL_FIT, tmp_path, path=site, env=env)
    assert first["compiled"]
    user_cache = tmp_path / "xdg" / "skmi" / "numba"
    if sys.platform == "darwin":
        user_cache = tmp_path / "home" / "Library" / "Caches" / "skmi" / "numba"
    elif sys.platform == "win32":
        user_cache = tmp_path / "localappdata" / "skmi" / "numba"
    assert cache_files(user_cache), list(tmp_path.rglob("*.nbi"))
    assert not (tmp_path / "xdg" / "numba").exists()  # not Numba's own folder

    second = run_python(SMALL_FIT, tmp_path, path=site, env=env)
    assert second["compiled"] == []  # loaded from the user cache: no compilation
    assert second["mi"] == first["mi"] and second["warnings"] == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX temp-folder fallback")
def test_unwritable_home_falls_back_to_a_private_temp_cache(tmp_path):
    site = read_only_copy(tmp_path)
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    env = {"HOME": str(home), "XDG_CACHE_HOME": None, "TMPDIR": str(tmp_path)}
    first = run_python(SMALL_FIT, tmp_path, path=site, env=env)
    assert first["compiled"]
    private = tmp_path / f"skmi-{os.getuid()}"
    assert cache_files(private / "numba")
    assert private.stat().st_mode & 0o077 == 0  # nobody else may plant cache files

    second = run_python(SMALL_FIT, tmp_path, path=site, env=env)
    assert second["compiled"] == [] and second["mi"] == first["mi"]


# ---------------------------------------------------------------- no hidden state
FITS = """
import numpy as np
from skmi import KDEMI, KSG, BinningMI

rng = np.random.default_rng(0)
n = 3000
x1 = rng.standard_normal((n, 1))
y1 = x1 + rng.standard_normal((n, 1))
x2 = rng.standard_normal((n, 2))
y2 = x2 + rng.standard_normal((n, 2))
x8 = rng.standard_normal((n, 8))
y8 = x8 + rng.standard_normal((n, 8))
labels = rng.integers(0, 4, n)


def fits(n_jobs):
    return {
        "KSG strips": lambda: KSG(random_state=0, n_jobs=n_jobs).fit(x1, y1),
        "KSG tree": lambda: KSG(algorithm="tree", random_state=0, n_jobs=n_jobs).fit(x2, y2),
        "KSG brute": lambda: KSG(algorithm="brute", random_state=0,
                                 n_jobs=n_jobs).fit(x8, y8),
        "BinningMI": lambda: BinningMI(10, n_jobs=n_jobs).fit(np.tanh(x2), labels),
        "KDEMI": lambda: KDEMI(1.0, n_jobs=n_jobs).fit(x8, labels),
    }
"""


def test_results_do_not_depend_on_earlier_calls(tmp_path):
    """The same fits, bit for bit: first in a fresh process, then here (after whatever
    this test session ran) in reverse order, each after other fits on other data and
    with other thread counts."""
    fresh = run_python(FITS + """
import json
print(json.dumps({name: float(fit().mi_).hex() for name, fit in fits(2).items()}))
""", tmp_path)
    namespace: dict = {}
    exec(FITS, namespace)  # the same source as the subprocess
    fits = namespace["fits"]
    from skmi import KDEMI, KSG

    rng = np.random.default_rng(1)
    other = rng.standard_normal((2500, 3))
    here = {}
    names = list(fits(2))[::-1]
    for i, (name, n_jobs) in enumerate(zip(names, [1, -1, 2, 1, -1])):
        KSG(random_state=1, n_jobs=1).fit(other[:, :2] * 3.0, other[:, 2:])
        KDEMI(0.5, n_jobs=2).fit(other, other[:, 0] > 0)
        fits(1)[names[(i + 1) % len(names)]]()
        here[name] = float(fits(n_jobs)[name]().mi_).hex()
    assert here == fresh
