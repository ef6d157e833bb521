"""``ClassifierMI``: a held-out classifier's lower bound on I(X; y) for class labels.

For any conditional distribution ``q(y | x)`` (Barber & Agakov 2003),

    I(X; Y) = H(Y) - H(Y | X) >= H(Y) - E[-log q(Y | X)],

because the cross-entropy of ``q`` is at least the true conditional entropy (their
difference is ``E_x KL(p(y | x) || q(y | x)) >= 0``). With ``q`` a probabilistic
classifier fitted on part of the data and its log-loss measured on the rest, the
right-hand side is estimated without the optimism of an in-sample fit: a valid lower
bound up to sampling error, whatever the dimension of X, and never above H(Y). It is
tight when the classifier family holds the true posterior (logistic regression for
Gaussian classes with a shared covariance, for example).

This is what a layer of a trained network carries about the labels that a readout can
find: for the last hidden layers of a classifier it is close to H(Y) minus the network's
own held-out cross-entropy, and, unlike k-NN estimates, it does not fall with the width
of the layer.
"""

from __future__ import annotations

import inspect
from typing import ClassVar

import numpy as np
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import ShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._validation import check_labels
from .base import LOWER
from .binning import _plugin
from .vinfo import VInformation

__all__ = ["ClassifierMI", "default_classifier", "DEFAULT_CS"]

_HINT = ("ClassifierMI needs class labels; for a continuous y use KSG, AutoMI or "
         "VInformation (regression).")


#: Inverse regularisation strengths the default logistic regression chooses from.
DEFAULT_CS = tuple(np.logspace(-3, 0, 7))


def default_classifier(random_state=None):
    """The default readout: standardised columns, multinomial logistic regression with
    ``C`` chosen from :data:`DEFAULT_CS` by the log-loss on a held-out fifth of the
    training part (one split, the path warm-started), then refitted on all of it."""
    accepts = inspect.signature(LogisticRegressionCV).parameters
    # scikit-learn >= 1.8 warns unless these are explicit (they do not exist before)
    quiet = {k: v for k, v in (("l1_ratios", (0.0,)), ("use_legacy_attributes", False))
             if k in accepts}
    return make_pipeline(StandardScaler(), LogisticRegressionCV(
        Cs=list(DEFAULT_CS), cv=ShuffleSplit(1, test_size=0.2, random_state=random_state),
        scoring="neg_log_loss", max_iter=1000, **quiet))


class ClassifierMI(VInformation):
    """Held-out classifier lower bound on I(X; y) for class labels (Barber-Agakov).

    ``mi_ = H(y) - CE``: the plug-in entropy of the labels minus the cross-validated
    cross-entropy (mean held-out log-loss, nats) of ``predictor`` refitted on each
    training part. By the Barber-Agakov inequality (see :mod:`skmi.classifier`) the
    population value is a lower bound on I(X; y) for any classifier, so the estimate is
    a lower bound up to sampling error (``estimate_kind = "lower"``); it never exceeds
    H(y) and is negative only when the classifier does worse than guessing from the
    class frequencies. It is the label side of :class:`~skmi.AutoMI` for layers of
    more than a few units, where k-NN estimates fall short.

    Compared with :class:`~skmi.VInformation` (which it extends): the same folds and
    fits, but the entropy subtracted from is H(y) itself rather than the held-out
    log-loss of the class frequencies, so the number is a bound on Shannon's I(X; y)
    instead of the usable information of a family. The two differ by about
    ``(n_classes - 1) / (2 n)`` nats.

    Parameters
    ----------
    predictor : classifier or None, default=None
        An unfitted scikit-learn classifier with ``predict_proba`` (cloned, never
        modified). None: a linear readout, :func:`default_classifier`: standardised
        columns and a multinomial logistic regression whose ``C`` (1e-3 to 1) is chosen
        inside each training part by the log-loss on a held-out fifth of it, so the
        folds that measure the bound never choose it. The right ``C`` depends on the
        layer: 1e-3 for 1024 units carrying 0.7 nats about 10 classes, 1 for 8 units
        against 256 inputs; a fixed ``C = 1`` gave -6.3 nats on the first (overconfident
        held-out probabilities) and ``C = 0.001`` 0.07 on the second.
    cv : int, cross-validation splitter or iterable, default=5
        As in :class:`~skmi.VInformation`: an int is that many shuffled, stratified
        folds seeded by ``random_state``.
    smoothing : float, default=0.5
        Pseudo-count for classes that a training part lacks (see
        :class:`~skmi.VInformation`).
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds.
    n_jobs : int or None, default=None
        Folds fitted in parallel through joblib.

    Attributes
    ----------
    mi_ : float
        ``label_entropy_ - conditional_entropy_``, nats.
    label_entropy_ : float
        Plug-in entropy of the labels, nats.
    conditional_entropy_ : float
        Mean held-out log-loss of the fitted classifiers, nats.
    fold_mi_ : ndarray of shape (n_splits,)
        H(y) minus the held-out log-loss of each fold.
    predictor_ : estimator
        The classifier refitted on all the data (used by :meth:`score`).
    classes_ : ndarray
    saturated_ : bool
        Always False: reaching H(y) means the classifier predicts the labels, not that
        a scale ran out.
    n_features_in_ : int

    References
    ----------
    D. Barber, F. Agakov, "The IM algorithm: a variational approach to information
    maximization", NIPS 2003. B. Poole, S. Ozair, A. van den Oord, A. Alemi, G. Tucker,
    "On variational bounds of mutual information", ICML 2019.

    Examples
    --------
    Two Gaussian classes at -1 and +1 in the first of five columns: logistic regression
    holds the true posterior, so the bound reaches the MI, 0.343 nats.

    >>> import numpy as np
    >>> from skmi import ClassifierMI
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 3000)
    >>> X = rng.standard_normal((3000, 5))
    >>> X[:, 0] += 2 * y - 1
    >>> est = ClassifierMI(random_state=0).fit(X, y)
    >>> bool(0.29 < est.mi_ < 0.36), est.estimate_kind    # sampling sd about 0.012
    (True, 'lower')
    """

    estimate_kind: ClassVar[str] = LOWER
    task = "classification"

    _parameter_constraints: ClassVar[dict] = {
        k: v for k, v in VInformation._parameter_constraints.items() if k != "task"
    }

    def __init__(self, predictor=None, *, cv=5, smoothing=0.5, random_state=None,
                 n_jobs=None):
        self.predictor = predictor
        self.cv = cv
        self.smoothing = smoothing
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _validate(self, X, y, reset: bool):
        check_labels(self, y, _HINT)
        return super()._validate(X, y, reset)

    def _resolve_predictor(self, task: str):
        if self.predictor is None:
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            return default_classifier(int(seed))
        return super()._resolve_predictor(task)

    def fit(self, X, y):
        """Fit the classifier out of fold and bound I(X; y) by H(y) minus its log-loss.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (each distinct value, or row, one class).

        Returns
        -------
        self : object
            The fitted estimator, with the bound in ``mi_`` (nats).
        """
        super().fit(X, y)
        self.label_entropy_ = _plugin(self._class_counts)
        _, cond, sizes = self._fold_losses.T
        self.fold_mi_ = self.label_entropy_ - cond / sizes
        self.mi_ = self._finish(self.label_entropy_ - self.conditional_entropy_)
        return self

    def score(self, X, y) -> float:
        """H(y) minus the held-out log-loss of ``predictor_`` on ``(X, y)``, nats.

        A lower bound on I(X; y) (up to sampling error) when ``(X, y)`` was not used in
        ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        mi : float
        """
        check_is_fitted(self)
        _, data = self._validate(X, y, reset=False)
        codes, loss = self._held_out_log_loss(y, data)
        return self._finish(_plugin(np.bincount(codes)) - float(np.mean(loss)))
