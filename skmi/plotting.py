"""Plots (matplotlib, imported when a plot is drawn): the information plane, and one
layer's information over a range of scales."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["InformationPlaneDisplay", "InformationScaleDisplay"]

_SATURATED = "saturated (pinned by the scale)"
#: What each kind of sweep varies (the title of InformationScaleDisplay).
_SWEEPS = {
    "n_bins": "BinningMI: equal-width bins over the observed range (minmax)",
    "noise_variance": "KDEMI: upper bound, Gaussian noise, variance relative to the "
                      "layer's total variance",
}


def _log_n(n_samples: float, unit: str) -> float:
    return math.log2(n_samples) if unit == "bits" else math.log(n_samples)


def _wrap(parts: list[str], width: int = 95) -> str:
    """Join ``parts`` with "; ", breaking lines between parts (not inside them)."""
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 2 + len(part) > width:
            lines[-1] += ";"
            lines.append(part)
        else:
            lines[-1] += "; " + part
    return "\n".join(lines)


def _records(table) -> list[dict]:
    if hasattr(table, "to_dict"):
        return table.to_dict("records")
    return [dict(r) for r in table]


class InformationPlaneDisplay:
    """The information plane of a recorded network, in scikit-learn's Display style.

    Points whose estimate is saturated (``saturated_XT`` or ``saturated_TY``: pinned at
    log N or H(Y) by the scale, not by the layer) get a red ``x``; dashed lines mark
    log N and H(Y), the ceilings of I(X; T) and I(T; Y); the legend gives each layer's
    width.

    Parameters
    ----------
    curves : dict {layer: {"epoch": array, "I_XT": array, "I_TY": array, ...}}
        Optional keys per layer (as :meth:`skmi.nn.InformationPlane.curves` gives
        them): ``"saturated_XT"``, ``"saturated_TY"`` (bool arrays), ``"H_Y"``,
        ``"n_samples"``, ``"layer_width"``; without them nothing is marked.
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
    saturated_ : dict {layer: PathCollection}
        The ``x`` markers of each layer's saturated points (layers with some).
    reference_lines_ : dict {"log N" or "H(Y)": Line2D}
        The dashed ceilings (when the curves carry ``n_samples`` / ``H_Y``).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmi.plotting import InformationPlaneDisplay
    >>> curves = {"act1": {"epoch": np.array([0, 10, 100]),
    ...                    "I_XT": np.array([5.0, 8.0, 7.0]),
    ...                    "I_TY": np.array([0.5, 2.0, 3.0]),
    ...                    "saturated_XT": np.array([False, True, False]),
    ...                    "H_Y": np.full(3, 3.32), "n_samples": np.full(3, 256),
    ...                    "layer_width": np.full(3, 16)}}
    >>> disp = InformationPlaneDisplay(curves, "bits", "BinningMI: 30 bins on [-1, 1]")
    >>> disp = disp.plot()
    >>> sorted(disp.reference_lines_), list(disp.saturated_)
    (['H(Y)', 'log N'], ['act1'])
    >>> disp.ax_.get_legend_handles_labels()[1][0]
    'act1 (16)'
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
                   title: str | None = None, layout: str = "overlay"
                   ) -> InformationPlaneDisplay:
        """Build the display from an :class:`~skmi.nn.InformationPlane` and plot it."""
        from .nn.plane import describe_estimator

        disp = cls(plane.curves(), plane.unit, describe_estimator(plane.x_estimator),
                   describe_estimator(plane.y_estimator), plane.noise_std)
        return disp.plot(ax=ax, cmap=cmap, title=title, layout=layout)

    def plot(self, ax=None, *, cmap: str = "viridis", title: str | None = None,
             layout: str = "overlay") -> InformationPlaneDisplay:
        """Draw one curve per layer, its points coloured by epoch (log colour scale).

        Parameters
        ----------
        ax : matplotlib Axes or None
            Where to draw (``layout="overlay"`` only).
        cmap : str, default="viridis"
        title : str or None
        layout : {"overlay", "panels"}, default="overlay"
            All layers in one plane, their markers drawn smaller layer by layer so that
            coinciding points show as concentric rings instead of hiding each other;
            or one panel per layer on shared axes (``ax_`` is then the array of axes).

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt
        from matplotlib.colors import LogNorm, Normalize

        if layout not in ("overlay", "panels"):
            raise ValueError(f"layout must be 'overlay' or 'panels', got {layout!r}.")
        if layout == "panels" and ax is not None:
            raise ValueError("layout='panels' draws its own figure: pass ax=None.")
        epochs = np.concatenate([c["epoch"] for c in self.curves.values()])
        lo, hi = float(epochs.min()), float(epochs.max())
        if lo < 1.0 <= hi and hi > 10.0:  # epoch 0 exists: shift by one for a log scale
            norm: Any = LogNorm(vmin=1.0, vmax=hi + 1.0)
            shift = 1.0
        elif lo > 0 and hi / lo > 10.0:
            norm, shift = LogNorm(vmin=lo, vmax=hi), 0.0
        else:
            norm, shift = Normalize(vmin=lo, vmax=max(hi, lo + 1e-9)), 0.0
        self.lines_ = {}
        self.saturated_ = {}
        layers = list(self.curves.items())
        if layout == "overlay":
            if ax is None:
                _, ax = plt.subplots(figsize=(6.4, 4.8))
            axes = [ax] * len(layers)
        else:
            ncols = min(len(layers), 3)
            nrows = -(-len(layers) // ncols)
            fig, grid = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 3.2 * nrows),
                                     sharex=True, sharey=True, squeeze=False)
            axes = list(grid.ravel())
            for extra in axes[len(layers):]:
                extra.set_visible(False)
        scatter = None
        for i, (layer, c) in enumerate(layers):
            size = 22.0 if layout == "panels" else max(7.0, 60.0 * 0.62**i)
            scatter = self._draw_layer(axes[i], i, layer, c, norm, shift, cmap, size)
        drawn = list(dict.fromkeys(axes[:len(layers)]))
        self.reference_lines_ = {}
        for a in drawn:
            self.reference_lines_ = self._references(a)
            a.set_xlabel(f"I(X; T) [{self.unit}]")
            a.set_ylabel(f"I(T; Y) [{self.unit}]")
            self._legend(a, "layer (width)" if layout == "overlay" else None)
        self.colorbar_ = drawn[0].figure.colorbar(scatter, ax=drawn)
        self.colorbar_.set_label("epoch + 1" if shift else "epoch")
        parts = [f"unit: {self.unit}", f"I(X;T): {self.x_convention}"]
        if self.y_convention != self.x_convention:
            parts.append(f"I(T;Y): {self.y_convention}")
        parts.append(f"activation noise std: {self.noise_std:g}")
        # below the axes (and their label), clear of the legend and the colour bar
        self.note_ = drawn[-1].annotate(
            _wrap(parts), xy=(0.0, 0.0), xycoords="axes fraction", xytext=(0, -34),
            textcoords="offset points", va="top", ha="left", fontsize=7)
        if title:
            if layout == "overlay":
                drawn[0].set_title(title, fontsize=10)
            else:
                drawn[0].figure.suptitle(title, fontsize=10)
        self.ax_ = drawn[0] if layout == "overlay" else np.asarray(drawn)
        self.figure_ = drawn[0].figure
        return self

    def _draw_layer(self, ax, i, layer, c, norm, shift, cmap, size):
        markers = "osD^v<>ph*"
        (line,) = ax.plot(c["I_XT"], c["I_TY"], "-", color="0.6", lw=0.8, zorder=1)
        self.lines_[layer] = line
        label = layer
        if "layer_width" in c and len(c["layer_width"]):
            label = f"{layer} ({int(np.max(c['layer_width']))})"
        se_x = np.asarray(c.get("se_XT", []), dtype=float)
        se_y = np.asarray(c.get("se_TY", []), dtype=float)
        if np.isfinite(se_x).any() or np.isfinite(se_y).any():  # standard errors
            ax.errorbar(c["I_XT"], c["I_TY"],
                        xerr=np.nan_to_num(se_x) if se_x.size else None,
                        yerr=np.nan_to_num(se_y) if se_y.size else None,
                        fmt="none", ecolor="0.45", elinewidth=0.6, zorder=1.5)
        scatter = ax.scatter(c["I_XT"], c["I_TY"], c=c["epoch"] + shift, cmap=cmap,
                             norm=norm, s=size, marker=markers[i % len(markers)],
                             edgecolors="k", linewidths=0.3, zorder=2 + 0.01 * i,
                             label=label)
        flags = np.zeros(len(c["I_XT"]), dtype=bool)
        for key in ("saturated_XT", "saturated_TY"):
            if key in c:
                flags |= np.asarray(c[key], dtype=bool)
        if flags.any():
            self.saturated_[layer] = ax.scatter(
                np.asarray(c["I_XT"])[flags], np.asarray(c["I_TY"])[flags],
                marker="x", s=30, c="tab:red", linewidths=1.0, zorder=3,
                label=_SATURATED if not any(
                    s.axes is ax for s in self.saturated_.values()) else None)
        return scatter

    def _legend(self, ax, title) -> None:
        handles, labels = ax.get_legend_handles_labels()
        refs = {line.get_label() for line in self.reference_lines_.values()}
        rank = [2 if label in refs else 1 if label == _SATURATED else 0 for label in labels]
        order = sorted(range(len(labels)), key=lambda i: rank[i])
        ax.legend([handles[i] for i in order], [labels[i] for i in order], title=title,
                  fontsize="x-small" if title is None else "small", loc="best")

    def _references(self, ax) -> dict:
        """Dashed lines at log N (I(X; T)) and H(Y) (I(T; Y)), when known."""
        lines = {}
        n = [v for c in self.curves.values() for v in np.ravel(c.get("n_samples", []))]
        h = [v for c in self.curves.values() for v in np.ravel(c.get("H_Y", []))]
        if n:
            value = _log_n(float(np.max(n)), self.unit)
            lines["log N"] = ax.axvline(value, ls="--", lw=0.8, color="0.35", zorder=0,
                                        label=f"log N = {value:.2f} {self.unit}")
        h = [v for v in h if np.isfinite(v)]
        if h:
            value = float(np.max(h))
            lines["H(Y)"] = ax.axhline(value, ls=":", lw=0.9, color="0.35", zorder=0,
                                       label=f"H(Y) = {value:.2f} {self.unit}")
        return lines


class InformationScaleDisplay:
    """One layer's I(X; T) and I(T; Y) against the scale, in scikit-learn's Display
    style: the plot of :func:`skmi.nn.information_vs_scale`.

    The scale (bin count, or noise variance as a fraction of the layer's total
    variance) is on a log axis; dashed lines mark log N and H(Y), the values at which
    a saturated estimate is pinned, and saturated points are drawn hollow.

    Parameters
    ----------
    scale : array-like
        The swept bin counts or noise fractions.
    I_XT, I_TY : array-like
        Estimates in ``unit``; ``I_TY`` may be all NaN (no labels).
    saturated_XT, saturated_TY : array-like of bool
    scale_name : {"n_bins", "noise_variance"}
    unit : {"bits", "nats"}
    n_samples : int
    H_Y : float
        Label entropy in ``unit`` (NaN: no labels, no line).
    layer_width : int or None
    convention : str
        What the sweep varies, for the title (``from_table`` writes the estimator and
        the kind of scale).

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : dict {"I(X;T)" or "I(T;Y)": Line2D}
    saturated_ : dict {"I(X;T)" or "I(T;Y)": Line2D}
        The hollow markers of the saturated points (quantities with some).
    reference_lines_ : dict {"log N" or "H(Y)": Line2D}

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmi.nn import information_vs_scale
    >>> from skmi.plotting import InformationScaleDisplay
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 300)
    >>> T = np.tanh(rng.normal(size=(300, 4)) + y[:, None])
    >>> table = information_vs_scale(T, y, scales=[2, 4, 8, 64])
    >>> disp = InformationScaleDisplay.from_table(table)
    >>> disp.ax_.get_xscale(), sorted(disp.lines_), sorted(disp.reference_lines_)
    ('log', ['I(T;Y)', 'I(X;T)'], ['H(Y)', 'log N'])
    >>> "I(X;T)" in disp.saturated_        # 64 bins: every sample alone
    True
    """

    def __init__(self, scale, I_XT, I_TY=None, *, saturated_XT=None, saturated_TY=None,
                 scale_name: str = "n_bins", unit: str = "bits", n_samples=None,
                 H_Y: float = float("nan"), layer_width=None, convention: str = ""):
        self.scale = np.asarray(scale, dtype=float)
        self.I_XT = np.asarray(I_XT, dtype=float)
        self.I_TY = (np.full(self.scale.shape, np.nan) if I_TY is None
                     else np.asarray(I_TY, dtype=float))
        self.saturated_XT = (np.zeros(self.scale.shape, bool) if saturated_XT is None
                             else np.asarray(saturated_XT, dtype=bool))
        self.saturated_TY = (np.zeros(self.scale.shape, bool) if saturated_TY is None
                             else np.asarray(saturated_TY, dtype=bool))
        self.scale_name = scale_name
        self.unit = unit
        self.n_samples = n_samples
        self.H_Y = H_Y
        self.layer_width = layer_width
        self.convention = convention

    @classmethod
    def from_table(cls, table, ax=None) -> InformationScaleDisplay:
        """Build the display from :func:`skmi.nn.information_vs_scale`'s table and plot.

        Parameters
        ----------
        table : pandas.DataFrame or list of dict
            One layer's sweep (one ``scale_name``).
        ax : matplotlib Axes or None

        Returns
        -------
        display : InformationScaleDisplay
        """
        rows = sorted(_records(table), key=lambda r: r["scale"])
        if not rows:
            raise ValueError("the table is empty.")
        names = {r["scale_name"] for r in rows}
        if len(names) != 1:
            raise ValueError(f"the table mixes scales {sorted(names)}: plot one sweep.")

        def col(key):
            return [r[key] for r in rows]

        first = rows[0]
        disp = cls(col("scale"), col("I_XT"), col("I_TY"),
                   saturated_XT=col("saturated_XT"), saturated_TY=col("saturated_TY"),
                   scale_name=first["scale_name"], unit=first["unit"],
                   n_samples=int(first["n_samples"]), H_Y=float(first["H_Y"]),
                   layer_width=int(first["layer_width"]),
                   convention=_SWEEPS.get(first["scale_name"], first["convention"]))
        return disp.plot(ax=ax)

    def plot(self, ax=None) -> InformationScaleDisplay:
        """Draw I(X; T) and I(T; Y) against the scale (log axis).

        Returns
        -------
        self
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 4.2))
        order = np.argsort(self.scale)
        x = self.scale[order]
        self.lines_ = {}
        self.saturated_ = {}
        labelled = False
        for name, values, flags, colour in (
                ("I(X;T)", self.I_XT[order], self.saturated_XT[order], "tab:blue"),
                ("I(T;Y)", self.I_TY[order], self.saturated_TY[order], "tab:orange")):
            if not np.isfinite(values).any():
                continue
            (self.lines_[name],) = ax.plot(x, values, "-o", color=colour, ms=5,
                                           label=name.replace(";", "; "), zorder=2)
            if flags.any():
                (self.saturated_[name],) = ax.plot(
                    x[flags], values[flags], "o", ms=5, mfc="white", mec=colour, zorder=3,
                    label=None if labelled else _SATURATED)
                labelled = True
        self.reference_lines_ = {}
        if self.n_samples:
            value = _log_n(self.n_samples, self.unit)
            self.reference_lines_["log N"] = ax.axhline(
                value, ls="--", lw=0.8, color="0.35", zorder=1,
                label=f"log N = {value:.2f} {self.unit} (ceiling of I(X; T))")
        if np.isfinite(self.H_Y):
            self.reference_lines_["H(Y)"] = ax.axhline(
                self.H_Y, ls=":", lw=0.9, color="0.35", zorder=1,
                label=f"H(Y) = {self.H_Y:.2f} {self.unit} (ceiling of I(T; Y))")
        ax.set_xscale("log")
        if self.scale_name == "n_bins":
            ax.set_xlabel("number of bins over the observed range (finer →)")
        else:
            ax.set_xlabel("noise variance / total variance of the layer (coarser →)")
        ax.set_ylabel(f"information [{self.unit}]")
        ax.legend(fontsize="small", loc="best")
        note = f"{self.convention}; N = {self.n_samples}"
        if self.layer_width is not None:
            note += f", width {self.layer_width}"
        ax.set_title(note, fontsize=8)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self
