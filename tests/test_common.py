"""scikit-learn's common estimator checks over every public estimator of this module set."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skmi import KSG, AutoMI, KLEntropy, MixedKSG

ESTIMATORS = [
    KSG(random_state=0),
    KSG(variant=2, algorithm="brute", random_state=0),
    MixedKSG(),
    KLEntropy(),
    AutoMI(random_state=0),
]


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
