"""Plots (matplotlib, imported when a plot is drawn): the information plane."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["InformationPlaneDisplay"]


class InformationPlaneDisplay:
    """The information plane of a recorded network, in scikit-learn's Display style.

    Parameters
    ----------
    curves : dict {layer: {"epoch": array, "I_XT": array, "I_TY": array}}
    unit : {"bits", "nats"}
    x_convention, y_convention : str
        How I(X; T) and I(T; Y) were estimated (binning convention or noise variance).
    noise_std : float
        Noise added to the activations.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    colorbar_ : matplotlib Colorbar
    lines_ : dict {layer: Line2D}

    Examples
    --------
    >>> import numpy as np
    >>> from skmi.plotting import InformationPlaneDisplay
    >>> curves = {"act1": {"epoch": np.array([0, 10, 100]),
    ...                    "I_XT": np.array([5.0, 8.0, 7.0]),
    ...                    "I_TY": np.array([0.5, 2.0, 3.0])}}
    >>> disp = InformationPlaneDisplay(curves, "bits", "BinningMI: 30 bins on [-1, 1]")
    >>> disp.unit
    'bits'
    """

    def __init__(self, curves: dict, unit: str, x_convention: str = "",
                 y_convention: str | None = None, noise_std: float = 0.0):
        self.curves = curves
        self.unit = unit
        self.x_convention = x_convention
        self.y_convention = x_convention if y_convention is None else y_convention
        self.noise_std = noise_std

    @classmethod
    def from_plane(cls, plane, *, ax=None, cmap: str = "viridis",
                   title: str | None = None) -> InformationPlaneDisplay:
        """Build the display from an :class:`~skmi.nn.InformationPlane` and plot it."""
        from .nn.plane import describe_estimator

        disp = cls(plane.curves(), plane.unit, describe_estimator(plane.x_estimator),
                   describe_estimator(plane.y_estimator), plane.noise_std)
        return disp.plot(ax=ax, cmap=cmap, title=title)

    def plot(self, ax=None, *, cmap: str = "viridis",
             title: str | None = None) -> InformationPlaneDisplay:
        """Draw one curve per layer, its points coloured by epoch (log colour scale).

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import LogNorm, Normalize

        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 4.8))
        epochs = np.concatenate([c["epoch"] for c in self.curves.values()])
        lo, hi = float(epochs.min()), float(epochs.max())
        if lo < 1.0 <= hi and hi > 10.0:  # epoch 0 exists: shift by one for a log scale
            norm: Any = LogNorm(vmin=1.0, vmax=hi + 1.0)
            shift = 1.0
        elif lo > 0 and hi / lo > 10.0:
            norm, shift = LogNorm(vmin=lo, vmax=hi), 0.0
        else:
            norm, shift = Normalize(vmin=lo, vmax=max(hi, lo + 1e-9)), 0.0
        markers = "osD^v<>ph*"
        scatter = None
        self.lines_ = {}
        for i, (layer, c) in enumerate(self.curves.items()):
            (line,) = ax.plot(c["I_XT"], c["I_TY"], "-", color="0.6", lw=0.8, zorder=1)
            self.lines_[layer] = line
            scatter = ax.scatter(c["I_XT"], c["I_TY"], c=c["epoch"] + shift, cmap=cmap,
                                 norm=norm, s=22, marker=markers[i % len(markers)],
                                 edgecolors="k", linewidths=0.3, zorder=2, label=layer)
        self.colorbar_ = ax.figure.colorbar(scatter, ax=ax)
        self.colorbar_.set_label("epoch + 1" if shift else "epoch")
        ax.set_xlabel(f"I(X; T) [{self.unit}]")
        ax.set_ylabel(f"I(T; Y) [{self.unit}]")
        ax.legend(title="layer", fontsize="small", loc="lower right")
        note = f"unit: {self.unit}; I(X;T): {self.x_convention}"
        if self.y_convention != self.x_convention:
            note += f"; I(T;Y): {self.y_convention}"
        note += f"; activation noise std: {self.noise_std:g}"
        ax.text(0.01, 0.99, note, transform=ax.transAxes, va="top", ha="left",
                fontsize=7, wrap=True)
        if title:
            ax.set_title(title)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
