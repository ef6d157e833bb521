"""InformationPlane: I(X; T) and I(T; Y) of network layers, recorded during training.

Conventions
-----------
For each recorded layer ``T`` (its activations on the inputs ``X``, one row per sample):

- I(T; Y) is ``y_estimator.fit(T, y)`` with the class labels ``y``.
- I(X; T) for binning, discrete and KDE estimators (:class:`~skmi.BinningMI`,
  :class:`~skmi.DiscreteMI`, :class:`~skmi.KDEMI`, :class:`~skmi.SamplePropagationMI`) is
  ``x_estimator.fit(T, np.arange(n))``: each sample is its own input, so the layer is a
  function of the input and I(X; T) = H(T) of the binned (or noise-smoothed) layer.
  For any other estimator it is ``x_estimator.fit(X, T)`` with the flattened inputs.

The deterministic-network caveat: T = f(X) is a deterministic function, so for continuous
X, I(X; T) is infinite for any injective f, and on a finite data set it is H(X) =
log2(n) bits whatever the weights. Binning measures how the layer clusters the samples
at the bin scale, KDE adds Gaussian noise of a chosen variance, and ``noise_std`` makes
the network itself noisy (Goldfeld et al. 2019). A continuous estimator asked for
I(X; T) of a noiseless layer emits a :class:`DeterministicLayerWarning`.

Saturation: at too fine a scale every sample sits alone in its bin (or kernel), so
I(X; T) is log n and I(T; Y) is H(Y) whatever the layer does. Every row records the
estimators' ``saturated_`` flags (``saturated_XT``, ``saturated_TY``) and the ceiling
``H_Y``; each :meth:`InformationPlane.record` issues at most one
:class:`~skmi.SaturationWarning`, naming the saturated layers, and the plot marks those
points. :func:`skmi.nn.information_vs_scale` shows a layer over the whole range of scales.
"""

from __future__ import annotations

import csv
import json
import math
import os
import warnings
from typing import Any

import numpy as np
from sklearn.base import clone

from ..exceptions import DeterministicLayerWarning, SaturationWarning, warn_user

__all__ = ["InformationPlane", "DeterministicLayerWarning", "describe_estimator",
           "COLUMNS"]

#: Columns of ``InformationPlane.history_`` and of the CSV, in order.
COLUMNS = (
    "epoch", "layer", "I_XT", "I_TY", "se_XT", "se_TY", "saturated_XT", "saturated_TY",
    "H_Y", "unit",
    "n_samples", "layer_width", "x_estimator", "x_params", "x_convention",
    "y_estimator", "y_params", "y_convention", "noise_std",
)

_LN2 = math.log(2.0)


def _is_label_convention(est) -> bool:
    """Whether ``est`` computes I(X; T) as ``fit(T, arange(n))`` (binned / noisy T)."""
    from ..binning import BinningMI, DiscreteMI
    from ..kde import KDEMI, SamplePropagationMI

    return isinstance(est, (BinningMI, DiscreteMI, KDEMI, SamplePropagationMI))


def describe_estimator(est) -> str:
    """One line saying how an estimator discretises or smooths a layer.

    Parameters
    ----------
    est : MutualInfoEstimator

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skmi import BinningMI, KDEMI
    >>> from skmi.nn import describe_estimator
    >>> describe_estimator(BinningMI(30, strategy="fixed", bin_range=(-1, 1)))
    'BinningMI: 30 bins on [-1, 1]'
    >>> describe_estimator(BinningMI(100, strategy="minmax"))
    'BinningMI: 100 bins over the observed range (minmax)'
    >>> describe_estimator(BinningMI(10))
    'BinningMI: 10 bins over the observed range (minmax)'
    >>> describe_estimator(BinningMI(strategy="width", bin_width=1e-4))
    'BinningMI: bins of width 0.0001'
    >>> describe_estimator(KDEMI(noise_variance=0.1))
    'KDEMI: upper bound, noise variance 0.1'
    >>> describe_estimator(KDEMI(noise_variance=0.1, relative_noise=True))
    "KDEMI: upper bound, noise variance 0.1 x the layer's total variance"
    """
    name = type(est).__name__
    params = est.get_params(deep=False)
    strategy = params.get("strategy")
    if name == "BinningMI":
        from ..binning import resolve_strategy

        strategy = resolve_strategy(strategy, params.get("bin_range"), params.get("bin_width"))
        if strategy == "fixed":
            lo, hi = params["bin_range"]
            text = f"{params['n_bins']} bins on [{lo:g}, {hi:g}]"
        elif strategy == "width":
            text = f"bins of width {params['bin_width']:g}"
        elif strategy == "minmax":
            text = f"{params['n_bins']} bins over the observed range (minmax)"
        else:
            text = f"{params['n_bins']} equal-mass bins per unit (quantile)"
        if params.get("convention") == "digitize":
            text += ", np.digitize edges"
        if params.get("correction", "none") != "none":
            text += f", {params['correction']} correction"
        return f"{name}: {text}"
    if "noise_variance" in params:
        text = f"noise variance {params['noise_variance']:g}"
        if params.get("relative_noise", False):
            text += " x the layer's total variance"
        if name == "KDEMI":
            text = f"{params['bound']} bound, {text}"
        return f"{name}: {text}"
    if name == "DiscreteMI":
        return f"{name}: exact values"
    return f"{name}: continuous estimator"


def _params_json(est) -> str:
    def plain(v):
        if isinstance(v, (bool, int, float, str)) or v is None:
            return v
        if isinstance(v, (list, tuple)):
            return [plain(u) for u in v]
        if isinstance(v, np.generic):
            return v.item()
        return repr(v)

    return json.dumps({k: plain(v) for k, v in est.get_params(deep=False).items()},
                      sort_keys=True)


def _label_entropy(y) -> float:
    """Plug-in entropy of the labels (nats): the ceiling of I(T; Y)."""
    counts = np.unique(y, return_counts=True)[1].astype(np.float64)
    n = counts.sum()
    return float(np.log(n) - np.dot(counts, np.log(counts)) / n)


def _fit(est, T, target):
    """Clone and fit ``est``; (mi_, saturated_, the reason when saturated, std_error_
    or NaN when the estimator reports none)."""
    fitted = clone(est).fit(T, target)
    saturated = bool(getattr(fitted, "saturated_", False))
    reason = getattr(fitted, "_saturation_message", None) if saturated else None
    return fitted.mi_, saturated, reason, float(getattr(fitted, "std_error_", math.nan))


def _check_epoch(epoch) -> int:
    """``epoch`` as a Python int >= 0, else a TypeError or ValueError."""
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)):
        raise TypeError(
            f"epoch must be an int >= 0 (the training epoch), got "
            f"{type(epoch).__name__} {epoch!r}."
        )
    if epoch < 0:
        raise ValueError(f"epoch must be an int >= 0 (the training epoch), got {epoch}.")
    return int(epoch)


def _records_frame(records: list[dict]):
    try:
        import pandas as pd
    except ImportError:
        return [dict(r) for r in records]
    return pd.DataFrame(records, columns=list(COLUMNS))


class InformationPlane:
    """I(X; T) and I(T; Y) of network layers, one row per (epoch, layer).

    Parameters
    ----------
    layers : str, list of str or dict {str: str}
        Layers to record, as for :class:`~skmi.nn.LayerActivationExtractor`.
    x_estimator : MutualInfoEstimator or None, default=None
        Estimator of I(X; T) (cloned for every estimate). None: ``BinningMI(30,
        strategy="fixed", bin_range=(-1, 1))``, Shwartz-Ziv & Tishby's convention for
        tanh layers. For ReLU layers, whose range grows during training and whose
        wide layers put every sample in a bin of its own at any useful bin count, use
        ``KDEMI(0.1, relative_noise=True)`` (noise variance 0.1 times the layer's total
        variance; ``skmi infoplane --activation relu`` does). See the module docstring
        for how each estimator is called.
    y_estimator : MutualInfoEstimator or None, default=None
        Estimator of I(T; Y), ``fit(T, y)``. None: the same as ``x_estimator``.
    unit : {"bits", "nats"}, default="bits"
    noise_std : float, default=0.0
        Gaussian noise added to the activations before estimating (see
        :class:`~skmi.nn.LayerActivationExtractor`).
    random_state : int or None, default=0
        Seed of that noise (the same noise at every record).
    device : str, default="auto"
    batch_size : int, default=4096
    input_shape, select
        Passed to the extractor.

    Attributes
    ----------
    history_ : pandas.DataFrame or list of dict
        The tidy table (pandas when installed, else a list of records), with columns
        :data:`COLUMNS`: epoch, layer, I_XT, I_TY, saturated_XT and saturated_TY (the
        estimators' ``saturated_`` flags: the value is pinned at log n or H(Y) by the
        scale, not by the layer; False for estimators without the flag), H_Y (the
        label entropy, the ceiling of I_TY), unit, n_samples, layer_width, the
        estimators' names, parameters (JSON) and conventions, and noise_std.

    Examples
    --------
    A recording needs torch (see ``tests/test_nn.py``)::

        plane = InformationPlane(["act1", "act2"])
        plane.record(model, X, y, epoch=0)
        plane.to_csv("plane.csv")
        plane.plot()
    """

    def __init__(
        self,
        layers,
        x_estimator=None,
        y_estimator=None,
        unit: str = "bits",
        *,
        noise_std: float = 0.0,
        random_state=0,
        device="auto",
        batch_size: int = 4096,
        input_shape=None,
        select=None,
    ):
        if unit not in ("bits", "nats"):
            raise ValueError(f"unit must be 'bits' or 'nats', got {unit!r}.")
        if x_estimator is None:
            from ..binning import BinningMI

            x_estimator = BinningMI(30, strategy="fixed", bin_range=(-1, 1))
        self.layers = layers
        self.x_estimator = x_estimator
        self.y_estimator = x_estimator if y_estimator is None else y_estimator
        self.unit = unit
        self.noise_std = noise_std
        self.random_state = random_state
        self.device = device
        self.batch_size = batch_size
        self.input_shape = input_shape
        self.select = select
        self._records: list[dict[str, Any]] = []

    # ------------------------------------------------------------ recording
    def _convert(self, nats: float) -> float:
        return nats / _LN2 if self.unit == "bits" else nats

    def _check_honest(self) -> None:
        if self.noise_std == 0 and not _is_label_convention(self.x_estimator):
            warnings.warn(
                f"{type(self.x_estimator).__name__} is asked for I(X; T) of a "
                "deterministic layer without noise: the true value is infinite for "
                "continuous X, and H(X) (log2 n bits) on a finite data set, whatever the "
                "weights, so the estimate shows the estimator's bias, not the network. "
                "Use BinningMI (information at the bin scale), KDEMI (with a noise "
                "variance), or noise_std > 0 (a noisy network).",
                DeterministicLayerWarning,
                stacklevel=3,
            )

    def record(self, model, X, y, epoch) -> list[dict[str, Any]]:
        """Estimate I(X; T) and I(T; Y) of every layer of ``model`` on ``(X, y)``.

        Parameters
        ----------
        model : torch.nn.Module
            Not modified (a copy runs in eval mode).
        X : array-like of shape (n_samples, ...)
            The inputs (all of them, usually: the classic plane uses the whole set).
        y : array-like of shape (n_samples,)
            Class labels.
        epoch : int
            The training epoch the model is at, >= 0 (0: before training).

        Returns
        -------
        rows : list of dict
            The rows appended to ``history_``.

        Raises
        ------
        TypeError
            If ``epoch`` is not an int.
        ValueError
            If ``epoch`` is negative.

        Warns
        -----
        SaturationWarning
            At most one per call, naming the layers and quantities whose estimates are
            saturated (the estimators' own warnings are folded into it).

        Examples
        --------
        In any training loop, record on a fixed set of rows before training (epoch 0)
        and after each epoch to record (skorch and Lightning have callbacks that do
        this, :mod:`skmi.nn.callbacks`):

        >>> import numpy as np, torch
        >>> from skmi import BinningMI
        >>> from skmi.nn import InformationPlane, make_mlp
        >>> rng = np.random.default_rng(0)
        >>> y = rng.integers(0, 3, 150)
        >>> X = (rng.standard_normal((150, 6)) + 3 * np.eye(3, 6)[y]).astype(np.float32)
        >>> model = make_mlp([6, 4, 3, 3], random_state=0)
        >>> plane = InformationPlane(["act1", "act2"],
        ...                          BinningMI(4, strategy="fixed", bin_range=(-1, 1)))
        >>> optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        >>> X_train, y_train = torch.as_tensor(X), torch.as_tensor(y)
        >>> _ = plane.record(model, X, y, epoch=0)
        >>> for epoch in range(1, 4):
        ...     for batch in torch.randperm(len(y_train)).split(32):
        ...         optimizer.zero_grad()
        ...         loss = torch.nn.functional.cross_entropy(model(X_train[batch]),
        ...                                                  y_train[batch])
        ...         loss.backward()
        ...         optimizer.step()
        ...     _ = plane.record(model, X, y, epoch)
        >>> sorted({row["epoch"] for row in plane.records_}), len(plane.records_)
        ([0, 1, 2, 3], 8)

        :func:`~skmi.nn.training_split` and :class:`~skmi.nn.EpochSampler` give the rows
        and batch order of :func:`~skmi.nn.train_and_record`, so that such a loop
        reproduces its plane exactly.
        """
        from .extractor import LayerActivationExtractor

        epoch = _check_epoch(epoch)
        self._check_honest()
        ext = LayerActivationExtractor(
            model, self.layers, device=self.device, batch_size=self.batch_size,
            flatten=True, input_shape=self.input_shape, select=self.select,
            noise_std=self.noise_std, random_state=self.random_state,
        )
        acts = ext.fit(X).transform_layers(X)
        y = np.asarray(y)
        n = y.shape[0]
        x_label = _is_label_convention(self.x_estimator)
        x_flat = None if x_label else np.asarray(X, dtype=np.float64).reshape(n, -1)
        h_y = self._convert(_label_entropy(y))
        rows = []
        pinned: list[str] = []
        reasons: list[str] = []
        with warnings.catch_warnings():  # summarised in one warning below
            warnings.simplefilter("ignore", SaturationWarning)
            for key, T in acts.items():
                T = T.astype(np.float64)
                if x_label:
                    i_xt, sat_xt, why_xt, se_xt = _fit(self.x_estimator, T, np.arange(n))
                else:
                    i_xt, sat_xt, why_xt, se_xt = _fit(self.x_estimator, x_flat, T)
                i_ty, sat_ty, why_ty, se_ty = _fit(self.y_estimator, T, y)
                which = [q for q, sat in (("I(X;T)", sat_xt), ("I(T;Y)", sat_ty)) if sat]
                if which:
                    pinned.append(f"{key} ({T.shape[1]} units): {' and '.join(which)}")
                    reasons.append(why_xt or why_ty or "")
                rows.append(self._row(epoch, key, T.shape[1], n, i_xt, i_ty, sat_xt,
                                      sat_ty, h_y, se_xt, se_ty))
        self._records.extend(rows)
        if pinned:
            first = next((r for r in reasons if r), "")
            warn_user(
                f"epoch {epoch}: saturated estimates (pinned by the scale, not by the "
                f"layer, at log n = {self._convert(math.log(n)):.4g} {self.unit} or H(Y) = "
                f"{h_y:.4g} {self.unit}, or near 0): " + "; ".join(pinned)
                + f". I(X;T): {describe_estimator(self.x_estimator)}; I(T;Y): "
                f"{describe_estimator(self.y_estimator)}. "
                + (f"First reason: {first} " if first else "")
                + "The rows' saturated_XT / saturated_TY flags say which; "
                "skmi.nn.information_vs_scale shows a layer over the range of scales.",
                SaturationWarning)
        return rows

    def _row(self, epoch, key, width, n, i_xt, i_ty, sat_xt, sat_ty, h_y, se_xt,
             se_ty) -> dict:
        return {
            "epoch": epoch,
            "layer": key,
            "I_XT": self._convert(i_xt),
            "I_TY": self._convert(i_ty),
            "se_XT": self._convert(se_xt),
            "se_TY": self._convert(se_ty),
            "saturated_XT": sat_xt,
            "saturated_TY": sat_ty,
            "H_Y": h_y,
            "unit": self.unit,
            "n_samples": n,
            "layer_width": width,
            "x_estimator": type(self.x_estimator).__name__,
            "x_params": _params_json(self.x_estimator),
            "x_convention": describe_estimator(self.x_estimator),
            "y_estimator": type(self.y_estimator).__name__,
            "y_params": _params_json(self.y_estimator),
            "y_convention": describe_estimator(self.y_estimator),
            "noise_std": float(self.noise_std),
        }

    # ------------------------------------------------------------ results
    @property
    def history_(self):
        """The tidy table: a pandas DataFrame if pandas is installed, else records."""
        if not self._records:
            raise AttributeError("history_ is empty: call record() first.")
        return _records_frame(self._records)

    @property
    def records_(self) -> list[dict[str, Any]]:
        """The history as a list of dicts (whether or not pandas is installed)."""
        return [dict(r) for r in self._records]

    def layer_keys(self) -> list[str]:
        """The recorded layers, in the order first seen."""
        return list(dict.fromkeys(r["layer"] for r in self._records))

    def curves(self) -> dict[str, dict[str, np.ndarray]]:
        """{layer: arrays sorted by epoch}: "epoch", "I_XT", "I_TY", "se_XT", "se_TY"
        (standard errors, NaN where the estimator reports none), "H_Y", "n_samples",
        "layer_width" (float) and "saturated_XT", "saturated_TY" (bool)."""
        out = {}
        for key in self.layer_keys():
            rows = sorted((r for r in self._records if r["layer"] == key),
                          key=lambda r: r["epoch"])
            out[key] = {c: np.array([r[c] for r in rows], dtype=float)
                        for c in ("epoch", "I_XT", "I_TY", "se_XT", "se_TY", "H_Y",
                                  "n_samples", "layer_width")}
            for c in ("saturated_XT", "saturated_TY"):
                out[key][c] = np.array([bool(r[c]) for r in rows], dtype=bool)
        return out

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write the history (every column of :data:`COLUMNS`) to a CSV file."""
        self.append_csv(path, self._records, header=True)

    def append_csv(self, path: str | os.PathLike, rows, *, header: bool = False) -> None:
        """Append ``rows`` (as :meth:`record` returns them) to a CSV file.

        ``header=True`` starts the file afresh with the header line. Each call writes
        and closes the file, so a run that is interrupted keeps every complete record
        written so far (``train_and_record(..., csv_path=...)`` calls this after each
        record).
        """
        with open(path, "w" if header else "a", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
            if header:
                writer.writeheader()
            for r in rows:
                writer.writerow(r)

    def plot(self, ax=None, *, cmap: str = "viridis", title: str | None = None,
             layout: str = "overlay"):
        """The information plane: one curve per layer, points coloured by epoch.

        Parameters
        ----------
        ax : matplotlib Axes or None
        cmap : str, default="viridis"
        title : str or None
        layout : {"overlay", "panels"}, default="overlay"
            One plane with every layer (markers shrinking layer by layer, so that
            coinciding points stay visible), or one panel per layer.

        Returns
        -------
        display : skmi.plotting.InformationPlaneDisplay
            With ``ax_``, ``figure_`` and ``colorbar_``.
        """
        from ..plotting import InformationPlaneDisplay

        return InformationPlaneDisplay.from_plane(self, ax=ax, cmap=cmap, title=title,
                                                  layout=layout)

    def __repr__(self) -> str:
        return (f"InformationPlane(layers={self.layers!r}, "
                f"x_estimator={self.x_estimator!r}, y_estimator={self.y_estimator!r}, "
                f"unit={self.unit!r}, noise_std={self.noise_std!r})")

