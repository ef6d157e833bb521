"""Estimator benchmarking on distributions whose mutual information is known.

``tasks`` holds the samplers (the task families of Czyż et al. 2023, "Beyond Normal",
plus Gao et al. 2017's discrete-continuous mixtures, Song & Ermon's staircase, a
high-MI sweep, and network layers against labels, :mod:`skmi.benchmark.layers`);
``runner`` scores any scikit-learn-compatible MI estimator on them.
Names resolve lazily, like the top-level package.
"""

from __future__ import annotations

from .._lazy import attach

_LAZY = {
    "Task": "tasks",
    "get_task": "tasks",
    "get_tasks": "tasks",
    "task_names": "tasks",
    "run": "runner",
    "summarize": "runner",
    "plot_heatmap": "runner",
}
_SUBMODULES = {"tasks", "runner", "transforms", "layers"}

__getattr__, __dir__, __all__ = attach(__name__, _LAZY, _SUBMODULES)
