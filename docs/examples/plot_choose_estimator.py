"""
=================================================
Choosing an estimator on tasks with known MI
=================================================

No mutual information estimator is right everywhere: k-NN estimators fall short in
many dimensions and at high MI, Gaussian estimators miss dependence in the tails,
binning saturates. :mod:`skmi.benchmark` holds distributions whose mutual information
is known exactly, so any estimator (skmi's, yours, or a plain function) can be scored
on them, and :class:`skmi.AutoMI` (``estimator="auto"``) makes the choice from the
data. This example runs a small version of the benchmark; the full tables are in the
user guide, :ref:`choosing-an-estimator`.
"""

# %%
# Tasks
# -----
# A :class:`~skmi.benchmark.Task` samples ``(X, Y)`` and knows ``mutual_information``
# (nats). The main suite holds the 40 tasks of Czyż et al. (2023, "Beyond Normal");
# there are also Gao et al.'s discrete-continuous mixtures, Song & Ermon's staircase,
# a high-MI sweep and network layers against labels.
import matplotlib.pyplot as plt

from skmi import KSG, AutoMI
from skmi.benchmark import get_task, plot_heatmap, run, summarize, task_names

print(len(task_names("main")), "main tasks, e.g.", task_names("main")[:4])
task = get_task("student-1x1-dof1")
print(task.description, f"-- I = {task.mutual_information:.4f} nats")

# %%
# A small run
# -----------
# Fourteen tasks of different kinds, 1000 rows, three seeds each. ``run`` takes
# registry names, estimator objects (anything whose ``fit(X, y)`` sets ``mi_``) and
# plain functions of ``(X, y)``; it returns one row per fit. A task counts as solved
# when the mean estimate over seeds is within a factor 1.5 of the truth, as in the
# paper's code.
tasks = [
    "normal-1x1", "normalcdf-normal-1x1", "student-1x1-dof1", "swissroll-2x1",
    "asinh-student-2x2-dof1", "normal-5x5-dense", "halfcube-normal-5x5-2pair",
    "spiral-normal-5x5-2pair", "student-3x3-dof2", "normal-25x25-2pair",
    "gao-mixture", "noisy-layer-m8-d4", "layer-tanh-8-sep1", "layer-relu-64-sep1",
]


def ksg_k10(X, y):
    """Any function of (X, y) returning nats can be benchmarked."""
    return KSG(k=10, random_state=0).fit(X, y).mi_


rows = run(["ksg", ksg_k10, "gaussian_copula", "binning", "auto"],
           tasks=tasks, n_samples=1000, seeds=3)
summary = summarize(rows)
solved = summary.groupby("estimator", sort=False)["within_1_5"].sum()
print(solved.to_string())

# %%
# The heat map
# ------------
# Each cell is the mean estimate; colour is ``log(estimate / truth)`` (red above the
# truth, blue below), hatched cells are outside the factor 1.5, grey cells failed on
# every seed (the Gaussian copula refuses the layer task's constant columns; it names
# them). Binning puts every sample in a bin of its own as soon as there are a few
# dimensions and returns log N whatever the truth.
ax = plot_heatmap(summary, title="skmi estimators, N = 1000, 3 seeds")
plt.show()

# %%
# What ``AutoMI`` chose, and why
# ------------------------------
# ``AutoMI`` classifies each column as discrete, mixed (a point mass such as a ReLU's
# zeros) or continuous and picks candidates by those kinds; every candidate errs low
# or is corrected so that it does, and the estimate is their maximum. The fitted
# estimator records the winner, the reason and every candidate.
for name in ["student-1x1-dof1", "normal-25x25-2pair", "gao-mixture", "layer-relu-64-sep1"]:
    task = get_task(name)
    X, Y = task.sample(1000, random_state=0)
    auto = AutoMI(random_state=0).fit(X, Y)
    print(f"{name}: {auto.mi_:.3f} nats (truth {task.mutual_information:.3f})")
    print(f"    chosen: {type(auto.chosen_estimator_).__name__}; {auto.reason_}")
