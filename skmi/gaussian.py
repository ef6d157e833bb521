"""Gaussian estimators: the closed form and the Gaussian copula (Ince et al. 2017).

``I(X; Y) = 1/2 (log det S_xx + log det S_yy - log det S)`` with ``S`` the covariance
of ``[X, Y]``. The sample log-determinant is biased: for ``n`` samples of a
``d``-dimensional Gaussian, with ``S`` the covariance normalised by ``n - 1``,

    E[log det S] = log det Sigma + d log(2 / (n - 1)) + sum_{i=1}^{d} psi((n - i) / 2)

so subtracting the last two terms gives an unbiased estimate of ``log det Sigma``
(``bias_correction=True``, the default; the correction of Ince et al.'s ``gcmi``).
Without it, the MI of two independent 50-dimensional Gaussians from 5000 samples comes
out about ``50 * 50 / (2 * 5000) = 0.25`` nats too high.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.special import digamma, logsumexp, ndtri
from scipy.stats import rankdata
from sklearn.utils._param_validation import StrOptions

from ._validation import check_xy
from .base import MutualInfoEstimator

__all__ = ["GaussianMI", "GaussianCopulaMI", "copula_normalize", "constant_columns"]


def _cholesky(C: np.ndarray, what: str) -> np.ndarray:
    try:
        return np.linalg.cholesky(C)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"The covariance of {what} is singular (collinear columns, or fewer samples "
            "than dimensions); the Gaussian estimate is undefined."
        ) from None


def _logdet(C: np.ndarray, what: str) -> float:
    return 2.0 * float(np.sum(np.log(np.diag(_cholesky(C, what)))))


def constant_columns(A: np.ndarray) -> np.ndarray:
    """Indices of the columns of ``A`` that hold a single value."""
    A = np.asarray(A)
    if A.shape[0] == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.all(A == A[0], axis=0))


def _check_constant(A: np.ndarray, what: str, why: str, fix: str = "") -> None:
    const = constant_columns(A)
    if const.size:
        shown = ", ".join(map(str, const[:20])) + (", ..." if const.size > 20 else "")
        raise ValueError(
            f"{const.size} column(s) of {what} are constant (columns {shown}): {why}, "
            f"and the Gaussian estimate is undefined.{fix}"
        )


def _logdet_bias(d: int, n: int) -> float:
    """E[log det S] - log det Sigma for the (n - 1)-normalised sample covariance."""
    i = np.arange(1, d + 1)
    return d * np.log(2.0 / (n - 1)) + float(np.sum(digamma((n - i) / 2.0)))


def _unit_columns(A: np.ndarray) -> np.ndarray:
    """``A`` centred with each column divided by its standard deviation, a new array.

    Overflow- and underflow-safe: each column is first divided by the power of two just
    above its largest magnitude (exact), so 1e200 * x (whose squares overflow) and
    1e-200 * x (whose squares underflow) give the values of x. A constant column stays
    0. The MI is unchanged by the per-column scaling (the log-determinants of the
    correlation matrices differ from those of the covariances by the same sum of log
    variances).
    """
    A = np.asarray(A, dtype=np.float64)
    e = np.frexp(np.max(np.abs(A), axis=0, initial=0.0))[1]
    B = np.ldexp(A, -e)
    B -= B.mean(axis=0)
    std = np.sqrt(np.mean(B * B, axis=0))
    return B / np.where(std > 0, std, 1.0)


#: Smallest eigenvalue of a correlation matrix below which it counts as singular: the
#: rounding of an n-row correlation is about n * eps, and a 1 x 1 pair this close to
#: collinear (correlation 1 - 5e-13) has a Gaussian MI of 13.8 nats, beyond what any
#: sample of float64 data resolves.
SINGULAR_EIGENVALUE = 1e-12


def _singular(S: np.ndarray) -> bool:
    """Whether the correlation matrix ``S`` is singular up to rounding."""
    return bool(np.linalg.eigvalsh(S)[0] < SINGULAR_EIGENVALUE)


def _gaussian_mi(X, Y, bias_correction: bool) -> float:
    """Gaussian MI of the columns of ``X`` and ``Y`` (nats).

    Raises a ValueError when a side's correlation matrix, or the joint one, is singular
    up to rounding (:data:`SINGULAR_EIGENVALUE`): collinear columns, where the estimate
    is infinite or set by rounding alone (a joint matrix singular to rounding gave 18
    nats for two columns with the same ranks).
    """
    n, dx = X.shape
    dy = Y.shape[1]
    S = np.cov(np.hstack([_unit_columns(X), _unit_columns(Y)]), rowvar=False)
    S = S.reshape(dx + dy, dx + dy)
    for block, what in ((S[:dx, :dx], "X"), (S[dx:, dx:], "y"), (S, "[X, y]")):
        if _singular(block / np.sqrt(np.outer(np.diag(block), np.diag(block)))):
            raise ValueError(
                f"The covariance of {what} is singular up to rounding (collinear columns"
                + (": y is an exact linear function of X in this sample, so the "
                   "Gaussian MI is infinite" if what == "[X, y]" else "")
                + "); the Gaussian estimate is undefined."
            )
    hx = _logdet(S[:dx, :dx], "X")
    hy = _logdet(S[dx:, dx:], "y")
    hxy = _logdet(S, "[X, y]")
    if bias_correction:
        hx -= _logdet_bias(dx, n)
        hy -= _logdet_bias(dy, n)
        hxy -= _logdet_bias(dx + dy, n)
    return 0.5 * (hx + hy - hxy)


def _gaussian_mi_discrete(X, codes, bias_correction: bool) -> float:
    """I(X; Y) of the Gaussian class-conditional model, between 0 and H(Y), nats.

    Each class gets the Gaussian of its own mean and covariance; the model's posterior
    ``q(y | x)`` (quadratic discriminant analysis with the class frequencies as prior)
    gives ``H(Y) + mean_i log q(y_i | x_i)`` = H(Y) minus the model's in-sample
    cross-entropy. With ``bias_correction`` the expected in-sample optimism under
    independence is subtracted: ``(K - 1) (d + d (d + 1) / 2) / (2 n)`` (Wilks: twice
    the log-likelihood ratio of K class Gaussians against one is chi-squared with that
    many degrees of freedom).
    """
    n, d = X.shape
    counts = np.bincount(codes)
    if counts.min() < d + 2:
        raise ValueError(
            f"Every class needs at least n_features + 2 = {d + 2} samples for a "
            f"class-conditional covariance; the smallest has {counts.min()}."
        )
    log_joint = np.empty((n, counts.size))
    for c, n_c in enumerate(counts):  # log pi_c + log N(x; mu_c, S_c) + const
        Xc = X[codes == c]
        _check_constant(Xc, f"X in class {c}", "a unit that never varies within a "
                        "class makes the class-conditional Gaussian degenerate")
        L = _cholesky(np.cov(Xc, rowvar=False).reshape(d, d), f"X in class {c}")
        z = solve_triangular(L, (X - Xc.mean(axis=0)).T, lower=True)
        log_det = 2.0 * float(np.sum(np.log(np.diag(L))))
        if bias_correction:
            log_det -= _logdet_bias(d, n_c)
        log_joint[:, c] = np.log(n_c / n) - 0.5 * (log_det + np.einsum("ij,ij->j", z, z))
    log_post = log_joint - logsumexp(log_joint, axis=1, keepdims=True)
    p = counts / n
    mi = float(-np.dot(p, np.log(p)) + np.mean(log_post[np.arange(n), codes]))
    if bias_correction:
        mi -= (counts.size - 1) * (d + d * (d + 1) / 2) / (2.0 * n)
    return mi


def copula_normalize(A: np.ndarray) -> np.ndarray:
    """Rank-transform each column to a standard normal (ties share the mean rank).

    ``ndtri(rank / (n + 1))``, Ince et al. (2017)'s copula normalisation; a new array.
    """
    A = np.asarray(A, dtype=np.float64)
    n = A.shape[0]
    return ndtri(rankdata(A, axis=0) / (n + 1.0))


_DROP_FIX = (" Pass drop_constant=True to drop them: a constant column carries no "
             "information, so the mutual information is unchanged.")


class _ConstantColumns:
    """``drop_constant`` handling shared by the Gaussian estimators."""

    def _usable(self, A: np.ndarray, name: str) -> np.ndarray:
        """``A`` without its constant columns (recorded in ``constant_columns_``) when
        ``drop_constant``; otherwise a ValueError naming them."""
        if not self.drop_constant:
            _check_constant(A, name, "a constant column (a dead unit, for a layer) has "
                            "a singular covariance", _DROP_FIX)
            self.constant_columns_[name] = np.zeros(0, np.int64)
            return A
        const = constant_columns(A)
        self.constant_columns_[name] = const
        return np.delete(A, const, axis=1) if const.size else A


class GaussianMI(_ConstantColumns, MutualInfoEstimator):
    """Mutual information of jointly Gaussian variables, closed form.

    ``I = 1/2 (log det S_xx + log det S_yy - log det S)`` with the sample covariances,
    each log-determinant corrected for its finite-sample bias (see
    :mod:`skmi.gaussian`). Exact in the limit for Gaussian data; for other data it is
    the MI of the Gaussian with the same covariance (a lower bound on the true MI for
    fixed covariance).

    Parameters
    ----------
    bias_correction : bool, default=True
        Subtract the expected bias of each sample log-determinant.
    drop_constant : bool, default=False
        Drop constant columns (dead units of a layer) before estimating; they carry no
        information, so the MI is unchanged. False: a constant column raises a
        ValueError that names it (its covariance is singular). A side with no other
        column has MI 0.

    Attributes
    ----------
    mi_ : float
        Estimate, nats.
    constant_columns_ : dict {"X": ndarray, "y": ndarray}
        The constant columns dropped from each side (empty without ``drop_constant``).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import GaussianMI
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((5000, 1))
    >>> y = 0.6 * x + 0.8 * rng.standard_normal((5000, 1))   # rho = 0.6
    >>> mi = GaussianMI().fit(x, y).mi_      # truth: -log(1 - 0.36) / 2 = 0.223
    >>> abs(mi - 0.223) < 0.03              # sampling sd: rho / sqrt(n) = 0.008
    True
    """

    _parameter_constraints = {"bias_correction": ["boolean"], "drop_constant": ["boolean"]}

    def __init__(self, *, bias_correction=True, drop_constant=False):
        self.bias_correction = bias_correction
        self.drop_constant = drop_constant

    def _validate(self, X, y, reset):
        data = check_xy(self, X, y, reset=reset, discrete_x=False, discrete_y=False)
        d = data.X.shape[1] + data.y.shape[1]
        if data.n_samples < d + 2:
            raise ValueError(
                f"GaussianMI needs at least n_features_x + n_features_y + 2 = {d + 2} "
                f"samples, got n_samples={data.n_samples}."
            )
        return data

    def _estimate(self, data) -> float:
        self.constant_columns_ = {}
        X, Y = self._usable(data.X, "X"), self._usable(data.y, "y")
        if X.shape[1] == 0 or Y.shape[1] == 0:
            return 0.0
        return _gaussian_mi(X, Y, self.bias_correction)


class GaussianCopulaMI(_ConstantColumns, MutualInfoEstimator):
    """Gaussian-copula mutual information (Ince et al. 2017).

    Each column is rank-transformed to a standard normal (:func:`copula_normalize`), so
    the estimate depends only on the copula and is unchanged by any strictly increasing
    map of any column; then the Gaussian closed form with bias correction.

    What the number is (``estimate_kind = "estimate"``):

    - **Continuous X and y, one column each**: a lower bound on I(X; y) up to sampling
      error. After the rank transform both marginals are exactly Gaussian, and among
      joint laws with Gaussian marginals and a given correlation the Gaussian has the
      least mutual information.
    - **Continuous, several columns on both sides**: neither a lower nor an upper bound.
      The columns of a side are each Gaussian, but the side as a vector need not be
      (clusters, a curved manifold), and the estimate can then exceed I(X; y) by up to
      the smaller side's non-Gaussianity (its negentropy): e.g. well-separated clusters
      shared by X and y give large correlations and a value far above the log of the
      number of clusters. :class:`~skmi.AutoMI` accounts for this.
    - **Discrete y (class labels)**: the mutual information of the Gaussian
      class-conditional model fitted to the normal scores (a mean and covariance per
      class, the class frequencies as prior): H(y) plus the mean log posterior
      ``log q(y_i | x_i)`` of that model (quadratic discriminant analysis), so always
      between 0 and H(y) = at most log(n_classes). By the Barber-Agakov inequality it is
      a lower bound on I(X; y) up to sampling error and the optimism of evaluating the
      model on the data it was fitted to; ``bias_correction`` subtracts that optimism's
      expectation under independence, ``(K - 1) (d + d (d + 1) / 2) / (2 n)`` for ``K``
      classes and ``d`` columns. (Ince et al.'s ``gcmi_model_cd``, H(X) minus the mean
      class-conditional Gaussian entropy, is not used: it is no bound and can exceed
      H(y) many times over, e.g. 8 bits for 10 classes.) Every class needs
      ``n_features + 2`` samples, and a column that is constant within a class (a unit
      that one class never activates) makes that class's Gaussian degenerate and raises
      a ValueError naming it; for network layers :class:`~skmi.ClassifierMI` is the
      robust label estimator.

    Parameters
    ----------
    discrete_y : {"auto", True, False}, default="auto"
        Treat ``y`` as class labels (integer or string ``y`` under ``"auto"``).
    bias_correction : bool, default=True
        Subtract the expected bias of each sample log-determinant (and, for class
        labels, the in-sample optimism above).
    drop_constant : bool, default=False
        Drop columns that are constant over all the samples (dead units) before
        estimating; they carry no information. False: they raise a ValueError naming
        them.

    Attributes
    ----------
    mi_ : float
        Estimate, nats.
    constant_columns_ : dict {"X": ndarray, "y": ndarray}
        The constant columns dropped from each side (empty without ``drop_constant``;
        no "y" entry for class labels).
    n_features_in_ : int

    References
    ----------
    R. A. A. Ince, B. L. Giordano, C. Kayser, G. A. Rousselet, J. Gross, P. G. Schyns,
    "A statistical framework for neuroimaging data analysis based on mutual information
    estimated via a Gaussian copula", Human Brain Mapping 38 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from skmi import GaussianCopulaMI
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((5000, 1))
    >>> y = 0.6 * x + 0.8 * rng.standard_normal((5000, 1))
    >>> a = GaussianCopulaMI().fit(x, y).mi_
    >>> b = GaussianCopulaMI().fit(np.exp(x), y ** 3).mi_   # monotone maps
    >>> bool(abs(a - 0.223) < 0.03), bool(np.isclose(a, b))
    (True, True)
    """

    _parameter_constraints = {
        "discrete_y": [StrOptions({"auto"}), "boolean"],
        "bias_correction": ["boolean"],
        "drop_constant": ["boolean"],
    }

    def __init__(self, *, discrete_y="auto", bias_correction=True, drop_constant=False):
        self.discrete_y = discrete_y
        self.bias_correction = bias_correction
        self.drop_constant = drop_constant

    def _validate(self, X, y, reset):
        data = check_xy(self, X, y, reset=reset, discrete_x=False,
                        discrete_y=self.discrete_y)
        d = data.X.shape[1] + (0 if data.discrete_y else data.y.shape[1])
        if data.n_samples < d + 2:
            raise ValueError(
                f"GaussianCopulaMI needs at least {d + 2} samples (n_features + 2), "
                f"got n_samples={data.n_samples}."
            )
        return data

    def _estimate(self, data) -> float:
        self.constant_columns_ = {}
        X = self._usable(data.X, "X")
        Y = None if data.discrete_y else self._usable(data.y, "y")
        if X.shape[1] == 0 or (Y is not None and Y.shape[1] == 0):
            return 0.0
        cx = copula_normalize(X)
        if data.discrete_y:
            return _gaussian_mi_discrete(cx, data.y_codes, self.bias_correction)
        cy = copula_normalize(Y)
        n = data.n_samples
        ceiling = float(np.log(n))
        try:
            value = _gaussian_mi(cx, cy, self.bias_correction)
        except ValueError as err:
            if "[X, y]" not in str(err):
                raise
            # ranks of y a linear function of those of X (e.g. the same order): the
            # Gaussian copula estimate is infinite; n ranks cannot show more than log n
            self._saturation(
                f"the normal scores of y are a linear function of those "
                f"of X in this sample (e.g. both columns in the same order), so the "
                f"Gaussian-copula estimate is infinite; returning log n = {ceiling:.4g} "
                "nats, the most that the ranks of n samples can show. More samples are "
                "needed to measure this dependence."
            )
            return ceiling
        if value > ceiling:
            self._saturation(
                f"the estimate {value:.4g} nats exceeds log n = "
                f"{ceiling:.4g}, the most that the ranks of n = {n} samples can show: it "
                "rests on the Gaussian-copula model alone (a few concordant ranks), not "
                "on the data."
            )
        return value
