"""Warnings skmi issues when a number should not be read at face value.

Both are :class:`UserWarning` subclasses, so ``warnings.filterwarnings("error",
category=SaturationWarning)`` turns them into errors in a test suite or a pipeline.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = ["SaturationWarning", "DeterministicLayerWarning"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_SKLEARN_BASE = os.path.join("sklearn", "base.py")


def warn_user(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` attributed to the first caller outside skmi.

    Frames of skmi itself and of scikit-learn's ``fit`` wrapper are skipped, so the
    warning points at the user's line whatever the depth of the call inside skmi.
    """
    level = 2
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(_PACKAGE) or name.endswith(_SKLEARN_BASE)):
            break
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


class SaturationWarning(UserWarning):
    """An estimate is pinned at a ceiling (or a floor) set by the method, not the data.

    Raised, and recorded in the fitted estimator's ``saturated_`` attribute, when:

    - binning (or a plug-in on exact values) puts (nearly) every row in a symbol of its
      own, so I(X; T) is log n and I(T; Y) is H(Y) whatever the layer does;
    - a KDE or sample-propagation noise variance is far below the typical
      nearest-neighbour distance of the layer (each sample's kernel sees only itself:
      the same ceilings) or far above the layer's spread (every kernel sees every
      sample: the estimate is pinned near 0);
    - a variational bound is within reach of its own ceiling (InfoNCE and log of the
      batch size);
    - a k-NN estimate keeps growing with the sample size, the signature of a
      deterministic relation (infinite true MI) or of more information than the
      sample can resolve.

    The number is still returned: it is right for the stated convention (the bin scale,
    the noise level, the batch), but it says more about that convention than about the
    data. Change the scale (:func:`skmi.nn.information_vs_scale` shows the whole
    picture), the batch size, or the estimator.
    """


class DeterministicLayerWarning(UserWarning):
    """I(X; T) of a deterministic layer asked of a continuous estimator.

    For a deterministic layer T = f(X), I(X; T) is infinite when X is continuous, and
    H(X) (log2 of the number of distinct inputs, in bits) on a finite data set, whatever
    the weights: the estimate then reflects the estimator's bias, not the network. The
    same holds for I(T_i; T_j) between two layers of a deterministic network. Measure
    information at a stated scale instead (binning, or Gaussian noise: ``KDEMI``,
    ``SamplePropagationMI``, ``noise_std``), or usable information (``VInformation``).
    """
