"""Base classes: the estimator contract every skmi estimator follows."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from .exceptions import SaturationWarning, warn_user

__all__ = ["MutualInfoEstimator", "EntropyEstimator", "ESTIMATE", "LOWER", "UPPER"]

ESTIMATE = "estimate"
LOWER = "lower"
UPPER = "upper"


class _NoBoolCounts:
    """Refuses ``True``/``False`` for integer parameters.

    scikit-learn's ``Interval(Integral, ...)`` accepts a bool (``True`` is an
    ``Integral``): ``KSG(k=True)`` would run with k = 1 or reach the kernels. A
    parameter whose integer constraints do not also allow ``"boolean"`` refuses bools.
    """

    def _validate_params(self):
        super()._validate_params()
        for name, constraints in getattr(self, "_parameter_constraints", {}).items():
            value = getattr(self, name, None)
            if not isinstance(value, (bool, np.bool_)) or not isinstance(constraints, list):
                continue
            ints = [c for c in constraints if (isinstance(c, Interval) and c.type is Integral)
                    or c is Integral]
            if ints and "boolean" not in constraints and bool not in constraints:
                raise InvalidParameterError(
                    f"The {name!r} parameter of {type(self).__name__} must be an int, "
                    f"not a bool; got {value!r}."
                )


class MutualInfoEstimator(_NoBoolCounts, BaseEstimator):
    """Base class for mutual information estimators.

    A mutual information estimator is a "model with a score": ``fit(X, y)`` estimates
    I(X; y) in nats and stores it in ``mi_``; ``score(X, y)`` returns the estimate on
    other data with the same settings (for a trained estimator, such as a neural
    critic, the trained model's value on that data).

    Subclasses implement ``_validate(X, y, reset)`` returning validated data and
    ``_estimate(data)`` returning a float in nats. An estimate pinned at a ceiling of
    the method (see :class:`~skmi.SaturationWarning`) is reported from ``_estimate``
    with :meth:`_saturation`; ``fit`` records it in ``saturated_``.

    Attributes
    ----------
    estimate_kind : {"estimate", "lower", "upper"}
        Class-level statement of what the number is: a (consistent) estimate, or a
        lower or upper bound on the true mutual information.
    """

    estimate_kind: ClassVar[str] = ESTIMATE

    _parameter_constraints: ClassVar[dict] = {}

    def _validate(self, X, y, reset: bool, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def _estimate(self, data) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _saturation(self, message: str | None) -> None:
        """Record whether the estimate being computed is pinned at a ceiling; warn if so.

        Called by ``_estimate`` (at ``fit`` and at ``score``) with ``None`` or a message
        saying what the estimate is pinned at and what to change.
        """
        self._saturation_message = message
        if message is not None:
            warn_user(f"{type(self).__name__}: {message}", SaturationWarning)

    def _finish(self, value: float) -> float:
        value = float(value)
        if getattr(self, "clip", False) and value < 0.0:
            return 0.0
        return value

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, **kwargs):
        """Estimate the mutual information between ``X`` and ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)

        Returns
        -------
        self : object
            The fitted estimator, with the estimate in ``mi_`` (nats) and
            ``saturated_`` (whether it is pinned at a ceiling of the method, in which
            case a :class:`~skmi.SaturationWarning` was issued).
        """
        data = self._validate(X, y, reset=True, **kwargs)
        self._saturation_message = None
        self.mi_ = self._finish(self._fit_estimate(data))
        self.saturated_ = self._saturation_message is not None
        return self

    def _fit_estimate(self, data) -> float:
        """The estimate at fit time; a hook for estimators that also record how."""
        return self._estimate(data)

    def score(self, X, y, **kwargs) -> float:
        """Mutual information estimate (nats) on ``(X, y)`` with the fitted settings.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_x)
        y : array-like of shape (n_samples,) or (n_samples, n_features_y)

        Returns
        -------
        mi : float
        """
        check_is_fitted(self)
        data = self._validate(X, y, reset=False, **kwargs)
        return self._finish(self._estimate(data))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        return tags


class EntropyEstimator(_NoBoolCounts, BaseEstimator):
    """Base class for entropy estimators: ``fit(X)`` stores ``entropy_`` in nats."""

    estimate_kind: ClassVar[str] = ESTIMATE

    _parameter_constraints: ClassVar[dict] = {}

    def _validate(self, X, reset: bool):  # pragma: no cover - abstract
        raise NotImplementedError

    def _estimate(self, X: np.ndarray) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Estimate the entropy of the rows of ``X`` (nats).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator, with the estimate in ``entropy_`` (nats).
        """
        self.entropy_ = float(self._estimate(self._validate(X, reset=True)))
        return self

    def score(self, X, y=None) -> float:
        """Entropy estimate (nats) of ``X`` with the fitted settings."""
        check_is_fitted(self)
        return float(self._estimate(self._validate(X, reset=False)))
