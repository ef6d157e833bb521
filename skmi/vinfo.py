"""Predictive V-information (Xu, Zhao, Song, Stewart and Ermon, ICLR 2020).

For a predictive family ``V`` (here: whatever a scikit-learn estimator can fit),

    H_V(Y | X) = inf_{f in V} E[-log f[X](Y)],     H_V(Y | 0) = inf_{f in V} E[-log f[0](Y)],
    I_V(X -> Y) = H_V(Y | 0) - H_V(Y | X),

where ``f[0]`` is a predictor that does not see ``X`` (the "optional ignorance" member of
the family). :class:`VInformation` estimates both entropies out of fold: on each
cross-validation split the family is fitted on the training part (the empirical
minimiser the paper prescribes) and its mean log-loss is measured on the held-out part.

- Classification: ``-log`` of the held-out ``predict_proba`` of the true class; the
  X-independent member is the (smoothed) class frequency of the training part.
- Regression: the Gaussian negative log-likelihood under ``N(f(x), s^2)``, ``s^2`` the
  training part's mean squared residual (the maximum-likelihood variance); the
  X-independent member is ``N(mean, variance)`` of the training part's targets.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from joblib import Parallel, delayed
from scipy.linalg import solve_triangular
from sklearn.base import _fit_context, clone, is_classifier, is_regressor
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._parallel import serial_blas_below
from ._validation import _LABEL_KINDS, Data, _kind, check_xy
from .base import ESTIMATE, MutualInfoEstimator

__all__ = ["VInformation"]

_LOG_2PI = float(np.log(2.0 * np.pi))
#: probabilities are clipped below at this value before the log (as sklearn's log_loss)
_EPS = float(np.finfo(np.float64).eps)
#: the residual variance is floored at this fraction of the target's variance
_VAR_FLOOR = 1e-12
_TASKS = ("classification", "regression")
_TASK_ATTRIBUTES = ("classes_", "class_prior_", "_columns", "target_mean_", "target_var_",
                    "residual_var_", "target_cov_", "residual_cov_")


def _default_classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))


def _default_regressor():
    return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))


# --------------------------------------------------------------------------- classification


def _class_prior(codes: np.ndarray, n_classes: int, smoothing: float) -> np.ndarray:
    counts = np.bincount(codes, minlength=n_classes).astype(np.float64)
    return (counts + smoothing) / (counts.sum() + n_classes * smoothing)


def _encode(labels: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Index of each label (a scalar, or a row for 2-D labels) in ``classes``."""
    labels = np.asarray(labels)
    if classes.ndim == 1:
        labels = labels.reshape(-1)
        idx = np.searchsorted(classes, labels)
        idx = np.minimum(idx, len(classes) - 1)
        bad = classes[idx] != labels
    else:
        lookup = {tuple(row): k for k, row in enumerate(classes.tolist())}
        idx = np.array([lookup.get(tuple(row), -1) for row in labels.tolist()], np.int64)
        bad = idx < 0
    if np.any(bad):
        unseen = labels[np.flatnonzero(bad)[:5]]
        raise ValueError(
            f"y contains labels not seen in fit: {unseen.tolist()}; V-information on new "
            "data needs every label to have been fitted."
        )
    return idx.astype(np.int64)


def _proba(predictor, X, columns_of, prior: np.ndarray) -> np.ndarray:
    """Class probabilities (n, n_classes) of ``predictor``; ``None`` means the prior.

    Classes the predictor never saw (absent from its training data) get the prior's
    mass, and the predictor's own probabilities are scaled by what is left, so the
    conditional and the marginal model treat an unseen class alike.
    """
    n = X.shape[0]
    if predictor is None:
        return np.broadcast_to(prior, (n, prior.size))
    P = np.asarray(predictor.predict_proba(X), dtype=np.float64)
    cols = columns_of(predictor.classes_)
    unseen = np.setdiff1d(np.arange(prior.size), cols)
    full = np.empty((n, prior.size))
    left = 1.0 - prior[unseen].sum()
    full[:, cols] = left * P
    full[:, unseen] = prior[unseen]
    return full


def _log_loss(proba: np.ndarray, codes: np.ndarray) -> np.ndarray:
    p = proba[np.arange(codes.size), codes]
    return -np.log(np.maximum(p, _EPS))


class _Columns:
    """Maps a fitted classifier's ``classes_`` to indices of the estimator's classes."""

    def __init__(self, classes: np.ndarray | None):
        self.classes = classes  # None: the classifier was fitted on the codes themselves

    def __call__(self, fitted_classes) -> np.ndarray:
        if self.classes is None:
            return np.asarray(fitted_classes, dtype=np.int64)
        return _encode(np.asarray(fitted_classes), self.classes)


def _fit_classifier(predictor, X, target, codes):
    """Fitted clone, or ``None`` when the data hold one class (only the prior is left)."""
    if np.unique(codes).size < 2:
        return None
    return clone(predictor).fit(X, target)


def _classification_fold(predictor, X, target, codes, n_classes, smoothing, columns_of,
                         train, test):
    prior = _class_prior(codes[train], n_classes, smoothing)
    fitted = _fit_classifier(predictor, X[train], target[train], codes[train])
    cond = _log_loss(_proba(fitted, X[test], columns_of, prior), codes[test])
    marg = _log_loss(_proba(None, X[test], columns_of, prior), codes[test])
    return float(marg.sum()), float(cond.sum()), test.size


# --------------------------------------------------------------------------- regression


def _gaussian_nll(y: np.ndarray, mean, cov: np.ndarray) -> np.ndarray:
    """Per-sample negative log-likelihood under ``N(mean, cov)`` (full covariance)."""
    chol = np.linalg.cholesky(cov)
    z = solve_triangular(chol, (y - mean).T, lower=True)
    log_det = 2.0 * np.sum(np.log(np.diag(chol)))
    return 0.5 * (y.shape[1] * _LOG_2PI + log_det) + 0.5 * np.sum(z * z, axis=0)


def _covariance(r: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Maximum-likelihood covariance of the rows of ``r`` plus ``_VAR_FLOOR * var`` on
    the diagonal (so that a noiseless or collinear fit stays finite)."""
    return r.T @ r / r.shape[0] + np.diag(_VAR_FLOOR * var)


def _target_moments(y: np.ndarray, where: str):
    mean = y.mean(axis=0)
    var = y.var(axis=0)
    # equal values are constant even where the rounded mean leaves a tiny variance
    if np.any(var <= 0.0) or np.any(np.ptp(y, axis=0) == 0.0):
        raise ValueError(
            f"y is constant in {where}: the Gaussian likelihood of the regression family "
            "is undefined (use task='classification' for discrete targets)."
        )
    return mean, _covariance(y - mean, var)


def _fit_regressor(predictor, X, y, cov):
    fitted = clone(predictor).fit(X, y[:, 0] if y.shape[1] == 1 else y)
    residuals = y - _predict(fitted, X, y.shape[1])
    return fitted, _covariance(residuals, np.diag(cov))


def _predict(fitted, X, n_outputs: int) -> np.ndarray:
    return np.asarray(fitted.predict(X), dtype=np.float64).reshape(X.shape[0], n_outputs)


def _regression_fold(predictor, X, y, train, test):
    mean, cov = _target_moments(y[train], "a training fold")
    fitted, residual_cov = _fit_regressor(predictor, X[train], y[train], cov)
    cond = _gaussian_nll(y[test], _predict(fitted, X[test], y.shape[1]), residual_cov)
    marg = _gaussian_nll(y[test], mean, cov)
    return float(marg.sum()), float(cond.sum()), test.size


# --------------------------------------------------------------------------- estimator


class VInformation(MutualInfoEstimator):
    """Predictive V-information I_V(X -> y) with a scikit-learn predictor (nats).

    The information about ``y`` that a family of predictors ``V`` can *use*
    (Xu et al. 2020): how much the best predictor in ``V`` that sees ``X`` lowers the
    expected log-loss of ``y`` below the best predictor in ``V`` that does not,

    ``I_V(X -> y) = H_V(y | 0) - H_V(y | X)``,

    both entropies measured out of fold (``cv``) with ``predictor`` refitted on each
    training part. With ``V`` all functions and exact expectations it is Shannon's
    mutual information; with a restricted family it is a different quantity:

    - **Finite for deterministic maps.** For a deterministic layer ``T = f(X)`` of a
      network, ``I(X; T)`` is infinite (continuous ``X``) or ``H(X)`` (discrete ``X``)
      whatever the weights, which is why information-plane analyses of deterministic
      networks need noise or binning. ``I_V(T -> y)`` stays finite and moves with
      training: it measures how decodable the label is from the layer by ``V``.
    - **Not bound by data processing.** Processing can create usable information:
      ``I_V(g(X) -> y) > I_V(X -> y)`` is possible (with a linear family,
      ``y = x^2 + noise`` gives ``I_V(x -> y) ~ 0`` but ``I_V(x^2 -> y)`` large), and it is
      not invariant under invertible maps of ``X`` or ``y``, only under the maps the
      family absorbs: with ``y = x + noise`` a linear family gets 0.347 nats from ``x``,
      the same from ``3 x - 2``, but 0.172 from ``exp(x)``, and 0.085 about ``exp(y)``
      (population values).
    - **Depends on the family and on n.** A richer ``predictor`` gives a larger value
      (up to estimation error); the estimate converges at a rate set by the family's
      complexity (the paper's PAC bound), so small data favour simple families.
    - **Relation to Shannon MI.** With discrete ``y`` and a family containing every
      constant distribution (any classifier with an intercept), the population
      ``I_V <= I(X; y)``, with equality when the family contains the true posterior
      ``p(y | x)``: logistic regression for Gaussian classes with a shared covariance,
      for example. With the Gaussian regression family the X-independent member is
      ``N(mean, var)``, whose entropy exceeds ``h(y)`` unless ``y`` is Gaussian, so
      ``I_V`` can *exceed* ``I(X; y)``; for linear-Gaussian data the two agree.

    ``estimate_kind`` is therefore ``"estimate"``: the number is a cross-validated
    estimate of ``I_V`` itself, not a bound on Shannon MI (out-of-fold noise moves it
    both ways, and for regression even the population value is no lower bound).

    Parameters
    ----------
    predictor : estimator or None, default=None
        The family ``V``, as an unfitted scikit-learn estimator (cloned, never
        modified). Classification needs ``predict_proba``; regression uses ``predict``.
        None means ``make_pipeline(StandardScaler(), LogisticRegression(C=1.0,
        max_iter=1000))`` for classification (L2 penalty ``||w||^2 / 2`` on the
        standardised coefficients against the summed log-loss, intercept unpenalised: a
        shrinkage bias of O(1/n)) and ``make_pipeline(StandardScaler(),
        RidgeCV(alphas=np.logspace(-3, 3, 13)))`` for regression (ridge penalty chosen
        by efficient leave-one-out on each training part).
    cv : int, cross-validation splitter or iterable, default=5
        How to split the data into training and held-out parts. An int ``k`` means ``k``
        shuffled folds (``StratifiedKFold`` for classification, ``KFold`` for
        regression) seeded by ``random_state``; splitters and iterables of
        ``(train, test)`` index pairs are used as given
        (:func:`sklearn.model_selection.check_cv`). None means 5.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"``: a ``predictor`` that is a classifier (regressor) decides;
        otherwise ``y`` of integer, boolean or string dtype means classification and
        floating ``y`` regression. Classification with a 2-D ``y`` treats each distinct
        row as one class; regression with a 2-D ``y`` uses a multivariate Gaussian with
        the full (residual) covariance, so dependence between the outputs counts and,
        for a linear family on jointly Gaussian data, I_V is Shannon's MI.
    smoothing : float, default=0.5
        Pseudo-count added to each class when fitting the X-independent predictor
        (class frequencies of the training part; 0.5 is the Krichevsky-Trofimov
        estimator). It keeps the held-out log-loss finite for a class that a training
        part lacks (a class with fewer members than folds): such a class gets
        probability ``smoothing / (n_train + n_classes * smoothing)`` under both the
        marginal and the conditional model (the fitted classifier's probabilities are
        scaled to the remaining mass). A training part with a single class leaves only
        the X-independent predictor, so that fold contributes 0.
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds when ``cv`` is an int. The predictor's own randomness is
        its own ``random_state``.
    n_jobs : int or None, default=None
        Folds fitted in parallel through joblib (None: one unless a
        ``joblib.parallel_config`` says otherwise).

    Attributes
    ----------
    mi_ : float
        ``marginal_entropy_ - conditional_entropy_``, nats. Out-of-fold, so it can be
        slightly negative when ``X`` carries no usable information.
    conditional_entropy_ : float
        ``H_V(y | X)``: mean held-out log-loss of the fitted predictors, nats.
    marginal_entropy_ : float
        ``H_V(y | 0)``: mean held-out log-loss of the X-independent predictors, nats.
    fold_mi_ : ndarray of shape (n_splits,)
        The estimate on each held-out part. ``mi_`` is their mean weighted by the size
        of each held-out part.
    predictor_ : estimator
        The predictor refitted on all the data (used by :meth:`score`). For
        classification with a single class it is a ``DummyClassifier(strategy="prior")``.
    task_ : {"classification", "regression"}
    classes_ : ndarray
        The class labels (classification only), or the distinct rows of a 2-D ``y``.
    class_prior_ : ndarray of shape (n_classes,)
        Smoothed class frequencies on all the data (classification only).
    target_mean_ : ndarray of shape (n_outputs,)
    target_cov_, residual_cov_ : ndarray of shape (n_outputs, n_outputs)
        Covariance of ``y`` and of the residuals of ``predictor_`` on all the data
        (maximum likelihood), plus ``1e-12`` times the variance of ``y`` on each
        diagonal (regression only).
    target_var_ : ndarray of shape (n_outputs,)
        Mean and variance of ``y`` on all the data (regression only).
    residual_var_ : ndarray of shape (n_outputs,)
        The diagonals of ``target_cov_`` and ``residual_cov_``: the variance of ``y``
        and the mean squared residual, the floor keeping a noiseless fit's value large
        but finite (at most ``0.5 log(1e12) = 13.8`` nats per column) (regression
        only).
    saturated_ : bool
        Always False (no scale or batch caps a held-out log-loss).
    n_features_in_ : int

    Notes
    -----
    Expected held-out log-loss exceeds the in-sample one by about ``p / (2 n_train)``
    nats for a family with ``p`` fitted parameters, so for ``X`` independent of ``y``
    the estimate is slightly negative, about ``-(p_X / 2) / n_train`` with ``p_X`` the
    parameters that use ``X``. Predictors whose ``predict_proba`` returns exact zeros
    (k-nearest neighbours, trees) pay ``-log(eps) = 36`` nats for each held-out sample
    whose class got probability 0 (probabilities are clipped at the float64 ``eps``, as
    in :func:`sklearn.metrics.log_loss`): that is their V-information; calibrate them
    (``CalibratedClassifierCV``) to measure what they can decode instead. Likewise a
    regressor that interpolates its training data (1-NN, an unpruned tree) has a
    training residual variance near 0 and a very negative estimate.

    References
    ----------
    Y. Xu, S. Zhao, J. Song, R. Stewart, S. Ermon, "A Theory of Usable Information under
    Computational Constraints", ICLR 2020.

    Examples
    --------
    Two Gaussian classes at -1 and +1: logistic regression contains the true posterior
    ``sigmoid(2 x)``, so ``I_V`` estimates the Shannon MI, 0.343 nats.

    >>> import numpy as np
    >>> from skmi.vinfo import VInformation
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> x = (2 * y - 1 + rng.standard_normal(2000)).reshape(-1, 1)
    >>> est = VInformation(random_state=0).fit(x, y)
    >>> est.task_, bool(abs(est.mi_ - 0.337) < 0.05)      # sampling sd 0.013
    ('classification', True)
    >>> bool(abs(est.score(x, y) - est.mi_) < 0.01)   # refitted, same data
    True
    """

    estimate_kind: ClassVar[str] = ESTIMATE

    _parameter_constraints: ClassVar[dict] = {
        "predictor": [HasMethods(["fit", "predict"]), None],
        "cv": ["cv_object"],
        "task": [StrOptions({"auto", *_TASKS})],
        "smoothing": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(self, predictor=None, *, cv=5, task="auto", smoothing=0.5,
                 random_state=None, n_jobs=None):
        self.predictor = predictor
        self.cv = cv
        self.task = task
        self.smoothing = smoothing
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- helpers ---------------------------------------------------------------------

    def _resolve_task(self, y) -> str:
        if self.task != "auto":
            return self.task
        if self.predictor is not None:
            if is_classifier(self.predictor):
                return "classification"
            if is_regressor(self.predictor):
                return "regression"
        return "classification" if _kind(y) in _LABEL_KINDS else "regression"

    def _resolve_predictor(self, task: str):
        if self.predictor is None:
            return _default_classifier() if task == "classification" else _default_regressor()
        if task == "classification" and not hasattr(self.predictor, "predict_proba"):
            raise TypeError(
                f"V-information for classification needs class probabilities, but "
                f"{type(self.predictor).__name__} has no predict_proba (for SVC, set "
                "probability=True; or wrap it in CalibratedClassifierCV)."
            )
        return self.predictor

    def _validate(self, X, y, reset: bool):
        task = self._resolve_task(y) if reset else self.task_
        data = check_xy(self, X, y, reset=reset, discrete_x=False,
                        discrete_y=task == "classification")
        return task, data

    def _labels(self, y, data: Data) -> np.ndarray:
        labels = np.asarray(y)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        return labels.reshape(data.n_samples, -1) if labels.ndim > 1 else labels

    def _splits(self, task: str, X, codes):
        n = X.shape[0]
        if n < 2:
            raise ValueError(f"VInformation needs at least 2 samples, got n_samples={n}.")
        cv = 5 if self.cv is None else self.cv
        if isinstance(cv, Integral):
            if cv > n:
                raise ValueError(
                    f"cv={cv} folds need at least {cv} samples, got n_samples={n}."
                )
            kind = StratifiedKFold if task == "classification" else KFold
            cv = kind(n_splits=cv, shuffle=True, random_state=self.random_state)
        else:
            cv = check_cv(cv, codes, classifier=task == "classification")
        return list(cv.split(X, codes))

    def _held_out_log_loss(self, y, data: Data):
        """Class codes of ``y`` and the per-sample log-loss of ``predictor_`` on them."""
        labels = self._labels(y, data)
        if labels.ndim != self.classes_.ndim:
            raise ValueError(
                f"y has {'several columns' if labels.ndim == 2 else 'one column'}, "
                f"but {type(self).__name__} was fitted with "
                f"{'several' if self.classes_.ndim == 2 else 'one'}."
            )
        codes = _encode(labels, self.classes_)
        proba = _proba(self.predictor_, data.X, self._columns, self.class_prior_)
        return codes, _log_loss(proba, codes)

    # -- fit / score -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)  # the predictor validates itself
    def fit(self, X, y):
        """Estimate I_V(X -> y) out of fold and refit the predictor on all the data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classification) or real targets (regression).

        Returns
        -------
        self : object
            The fitted estimator, with the estimate in ``mi_`` (nats).
        """
        task, data = self._validate(X, y, reset=True)
        predictor = self._resolve_predictor(task)
        X = data.X
        if task == "classification":
            codes = data.y_codes
            labels = self._labels(y, data)
            first = np.unique(codes, return_index=True)[1]
            classes = labels[first]
            # 1-D labels are fitted as they are (so predictor_ predicts labels); rows of
            # a 2-D y as their codes
            target, columns_of = ((labels, _Columns(classes)) if labels.ndim == 1
                                  else (codes, _Columns(None)))
            folds = self._splits(task, X, codes)
            job = delayed(_classification_fold)
            jobs = (job(predictor, X, target, codes, classes.shape[0], self.smoothing,
                        columns_of, tr, te) for tr, te in folds)
        else:
            codes = target = classes = columns_of = None
            folds = self._splits(task, X, None)
            jobs = (delayed(_regression_fold)(predictor, X, data.y, tr, te)
                    for tr, te in folds)
        with serial_blas_below(X.size):
            results = np.asarray(Parallel(n_jobs=self.n_jobs)(jobs), dtype=np.float64)
            self._refit(task, predictor, data, target, codes, classes, columns_of)
        marg, cond, sizes = results.T
        self._fold_losses = results  # summed log-losses per fold, for subclasses
        self.fold_mi_ = (marg - cond) / sizes
        self.marginal_entropy_ = float(marg.sum() / sizes.sum())
        self.conditional_entropy_ = float(cond.sum() / sizes.sum())
        self.mi_ = self._finish(self.marginal_entropy_ - self.conditional_entropy_)
        self.saturated_ = False  # a held-out log-loss has no ceiling of its own
        return self

    def _refit(self, task, predictor, data, target, codes, classes, columns_of) -> None:
        """Refit the predictor on all the data; store the task's fitted attributes."""
        X = data.X
        self.task_ = task
        for stale in _TASK_ATTRIBUTES:  # from an earlier fit on the other task
            self.__dict__.pop(stale, None)
        if task == "classification":
            self.classes_ = classes
            self._columns = columns_of
            self._class_counts = np.bincount(codes, minlength=classes.shape[0])
            self.class_prior_ = _class_prior(codes, classes.shape[0], self.smoothing)
            fitted = _fit_classifier(predictor, X, target, codes)
            self.predictor_ = (fitted if fitted is not None
                               else DummyClassifier(strategy="prior").fit(X, target))
        else:
            self.target_mean_, self.target_cov_ = _target_moments(data.y, "the data")
            self.predictor_, self.residual_cov_ = _fit_regressor(
                predictor, X, data.y, self.target_cov_)
            self.target_var_ = np.diag(self.target_cov_).copy()
            self.residual_var_ = np.diag(self.residual_cov_).copy()

    def score(self, X, y) -> float:
        """I_V(X -> y) on new data, with ``predictor_`` and the marginal fitted on all the
        training data (a held-out estimate when ``(X, y)`` was not used in ``fit``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        mi : float
            Nats.
        """
        check_is_fitted(self)
        task, data = self._validate(X, y, reset=False)
        if task == "classification":
            codes, cond = self._held_out_log_loss(y, data)
            marg = _log_loss(_proba(None, data.X, self._columns, self.class_prior_), codes)
        else:
            if data.y.shape[1] != self.target_mean_.size:
                raise ValueError(
                    f"y has {data.y.shape[1]} columns, but VInformation was fitted with "
                    f"{self.target_mean_.size}."
                )
            pred = _predict(self.predictor_, data.X, data.y.shape[1])
            cond = _gaussian_nll(data.y, pred, self.residual_cov_)
            marg = _gaussian_nll(data.y, self.target_mean_, self.target_cov_)
        return self._finish(np.mean(marg) - np.mean(cond))
