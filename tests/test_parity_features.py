"""Parity features (issue 16, item 2): conditional MI on discrete and mixed z, the
``discrete_features`` mask of ``mutual_info_columns``, and ``KSG(metric="euclidean")``.

Ground-truth tolerances are |bias| + 4 sd of the estimator at that configuration (a
single draw outside has probability < 1e-4 under normal errors), with bias and sd
measured over 30 seeds of the same configuration (figures in each test); the plug-in
tolerances come from the chi-squared law of the plug-in statistic.
"""

import numpy as np
import pytest
import scipy.sparse
from scipy.spatial.distance import cdist
from scipy.special import digamma
from scipy.stats import chi2
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression
from sklearn.metrics import mutual_info_score

import skmi
from skmi import KSG, DiscreteMI
from skmi._kernels import groups as gm
from skmi._kernels import neighbors as nb
from skmi._kernels import reference as ref
from skmi.binning import conditional_mi_from_codes


def gaussian_pairs(n, d, rho, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + np.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y


# ============================================================ block-Euclidean kernels
def _block_data():
    rng = np.random.default_rng(3)
    cont = rng.standard_normal((400, 5))
    ties = np.round(rng.standard_normal((400, 5)), 1)
    return {"continuous": cont, "ties": ties}


@pytest.mark.parametrize("name", ["continuous", "ties"])
@pytest.mark.parametrize("sizes", [(2, 3), (1, 2, 2), (5,), (1, 1, 1, 1, 1)])
@pytest.mark.parametrize("k", [1, 4])
def test_group_kernels_match_reference(name, sizes, k):
    data = _block_data()[name]
    groups = np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)
    blocks = np.split(data, np.cumsum(sizes)[:-1], axis=1)
    expected = ref.group_knn_distances(blocks, k)
    tree = nb.build_kdtree(data, 8)
    for dist, ind in (gm.group_brute_knn(np.ascontiguousarray(data.T), groups,
                                         len(sizes), k),
                      gm.group_kdtree_knn(tree, groups, len(sizes), k)):
        np.testing.assert_array_equal(dist, expected)
        # the indices are neighbours at those distances
        got = ref.pairwise_blocks(blocks)[np.arange(len(data))[:, None], ind]
        np.testing.assert_array_equal(got, expected)
    rng = np.random.default_rng(k)
    for thr in (expected[:, -1], rng.uniform(0, 2, len(data)), np.zeros(len(data))):
        want = ref.group_count_within(blocks, thr)
        np.testing.assert_array_equal(
            gm.group_brute_count(np.ascontiguousarray(data.T), groups, len(sizes), thr),
            want)
        np.testing.assert_array_equal(
            gm.group_kdtree_count(tree, groups, len(sizes), thr), want)


# ================================================================ KSG, Euclidean
def bmi_ksg(x, y, k, variant=1):
    """KSG with Euclidean distance within each side and the max of the two in the
    joint space (Czyż et al.'s ``bmi``), brute force, for reference.

    Algorithm 1: psi(k) + psi(n) - <psi(n_x + 1) + psi(n_y + 1)>, n_x the other points
    strictly within the joint k-th neighbour distance in x. Algorithm 2: psi(k) - 1/k +
    psi(n) - <psi(n_x) + psi(n_y)>, n_x the other points within (<=) the largest x
    distance of the k neighbours.
    """
    n = x.shape[0]
    dx = cdist(x, x)
    dy = cdist(y, y)
    joint = np.maximum(dx, dy)
    np.fill_diagonal(joint, np.inf)
    nearest = np.argsort(joint, axis=1, kind="stable")[:, :k]
    rows = np.arange(n)[:, None]
    off = ~np.eye(n, dtype=bool)
    if variant == 1:
        eps = joint[rows, nearest[:, -1:]]
        nx = ((dx < eps) & off).sum(axis=1)
        ny = ((dy < eps) & off).sum(axis=1)
        return digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))
    ex = dx[rows, nearest].max(axis=1, keepdims=True)
    ey = dy[rows, nearest].max(axis=1, keepdims=True)
    nx = ((dx <= ex) & off).sum(axis=1)
    ny = ((dy <= ey) & off).sum(axis=1)
    return digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny))


def bmi_frenzel_pompe(x, y, z, k):
    """Frenzel-Pompe CMI with the same block-Euclidean metric, brute force."""
    n = x.shape[0]
    dx, dy, dz = cdist(x, x), cdist(y, y), cdist(z, z)
    joint = np.maximum(np.maximum(dx, dy), dz)
    np.fill_diagonal(joint, np.inf)
    eps = np.sort(joint, axis=1)[:, k - 1:k]
    off = ~np.eye(n, dtype=bool)
    nxz = ((np.maximum(dx, dz) < eps) & off).sum(axis=1)
    nyz = ((np.maximum(dy, dz) < eps) & off).sum(axis=1)
    nz = ((dz < eps) & off).sum(axis=1)
    return digamma(k) - np.mean(digamma(nxz + 1) + digamma(nyz + 1) - digamma(nz + 1))


@pytest.mark.parametrize("dims", [(2, 2), (3, 1), (1, 4)])
@pytest.mark.parametrize("variant", [1, 2])
@pytest.mark.parametrize("algorithm", ["tree", "brute"])
def test_euclidean_ksg_equals_bmi_reference(dims, variant, algorithm):
    rng = np.random.default_rng(sum(dims) + variant)
    n = 700
    x = rng.standard_normal((n, dims[0]))
    y = 0.5 * x[:, :1] + rng.standard_normal((n, dims[1]))
    for k in (1, 3, 5):
        expected = bmi_ksg(x, y, k, variant)
        est = KSG(k, variant=variant, metric="euclidean", standardize=False, noise=0.0,
                  algorithm=algorithm).fit(x, y)
        assert est.mi_ == pytest.approx(expected, abs=1e-10)
    # standardised (ddof=0), as bmi's default standardize=True
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    ys = (y - y.mean(axis=0)) / y.std(axis=0)
    est = KSG(variant=variant, metric="euclidean", noise=0.0, algorithm=algorithm)
    assert est.fit(x, y).mi_ == pytest.approx(bmi_ksg(xs, ys, 3, variant), abs=1e-10)


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
def test_euclidean_frenzel_pompe_equals_reference(algorithm):
    rng = np.random.default_rng(5)
    n = 600
    z = rng.standard_normal((n, 2))
    x = z[:, :1] + rng.standard_normal((n, 2))
    y = z[:, 1:] + 0.5 * x[:, 1:] + rng.standard_normal((n, 1))
    est = KSG(metric="euclidean", standardize=False, noise=0.0, algorithm=algorithm)
    assert est.fit(x, y, z=z).mi_ == pytest.approx(bmi_frenzel_pompe(x, y, z, 3),
                                                   abs=1e-10)


def test_chebyshev_default_unchanged_and_one_column_sides_agree():
    x, y = gaussian_pairs(1500, 1, 0.6, seed=1)
    base = KSG(random_state=0).fit(x, y).mi_
    assert KSG(metric="chebyshev", random_state=0).fit(x, y).mi_ == base
    # one column per side: the Euclidean distance of a side is |a - b|, the joint
    # distance the max-norm: the same metric, the same numbers
    assert KSG(metric="euclidean", random_state=0).fit(x, y).mi_ == base
    x2, y2 = gaussian_pairs(1500, 2, 0.6, seed=1)
    assert (KSG(metric="euclidean", random_state=0).fit(x2, y2).mi_
            != KSG(random_state=0).fit(x2, y2).mi_)


@pytest.mark.parametrize("algorithm", ["tree", "brute"])
def test_euclidean_ross_matches_brute_reference(algorithm):
    # Ross with Euclidean distances in a 3-column X, against a direct computation
    rng = np.random.default_rng(2)
    n, k = 600, 3
    labels = rng.integers(0, 3, n)
    x = labels[:, None] + rng.standard_normal((n, 3))
    est = KSG(k, metric="euclidean", standardize=False, noise=0.0,
              algorithm=algorithm).fit(x, labels)
    assert est.method_ == "ross"
    d = cdist(x, x)
    np.fill_diagonal(d, np.inf)
    radius = np.empty(n)
    for c in range(3):
        idx = np.flatnonzero(labels == c)
        radius[idx] = np.sort(d[np.ix_(idx, idx)], axis=1)[:, k - 1]
    m = (d < radius[:, None]).sum(axis=1) + 1
    counts = np.bincount(labels)[labels]
    expected = digamma(n) + digamma(k) - np.mean(digamma(counts)) - np.mean(digamma(m))
    assert est.mi_ == pytest.approx(expected, abs=1e-10)


# (d, rho, variant, |bias| + 4 sd) at n = 2000, Euclidean metric, measured over 30
# seeds: d=2, rho=0.6: KSG-1 bias 0.002, sd 0.027; KSG-2 bias 0.005, sd 0.030.
# d=3, rho=0: KSG-1 bias -0.001, sd 0.018; KSG-2 bias -0.003, sd 0.021.
EUCLID_CASES = [
    (2, 0.6, 1, 0.002 + 4 * 0.027),
    (2, 0.6, 2, 0.005 + 4 * 0.030),
    (3, 0.0, 1, 0.001 + 4 * 0.018),
    (3, 0.0, 2, 0.003 + 4 * 0.021),
]


@pytest.mark.parametrize("d, rho, variant, tol", EUCLID_CASES)
def test_euclidean_ksg_correlated_gaussians(d, rho, variant, tol):
    x, y = gaussian_pairs(2000, d, rho, seed=21)
    est = KSG(metric="euclidean", variant=variant, random_state=0).fit(x, y)
    assert abs(est.mi_ - (-d / 2 * np.log(1 - rho**2))) < tol


# ============================================================ plug-in conditional MI
def test_plugin_cmi_xor_is_exactly_log2():
    # every (x, y) pair equally often: plug-in H(y | z) is exactly log 2, I(x; y) is 0
    x = np.array([0, 0, 1, 1] * 25)
    y = np.array([0, 1, 0, 1] * 25)
    z = x ^ y
    assert DiscreteMI().fit(x.reshape(-1, 1), y, z=z).mi_ == pytest.approx(np.log(2),
                                                                         abs=1e-14)
    assert abs(DiscreteMI().fit(x.reshape(-1, 1), y).mi_) < 1e-14
    est = KSG().fit(x.reshape(-1, 1), y, z=z)
    assert est.method_ == "stratified-plugin"
    assert est.mi_ == pytest.approx(np.log(2), abs=1e-14)
    for estimator in ("ksg", "discrete"):
        got = skmi.conditional_mutual_info(x.reshape(-1, 1), y, z, estimator=estimator)
        assert got == pytest.approx(np.log(2), abs=1e-14)
    # "auto": Miller-Madow, + (m_xz + m_yz - m_xyz - m_z) / 2n = (4 + 4 - 4 - 2) / 200
    got = skmi.conditional_mutual_info(x.reshape(-1, 1), y, z, estimator="auto")
    assert got == pytest.approx(np.log(2) + 0.01, abs=1e-14)


def test_plugin_cmi_xor_random_sample():
    # Given z, y is x or its complement: plug-in I(x; y | z) = H_plugin(y | z). With
    # p(y | z) = 1/2 + d_z, h(1/2 + d) = log 2 - 2 d^2 + ..., and 4 n_z d_z^2 ~ chi2(1),
    # so log 2 - I = sum_z 2 n_z d_z^2 / n ~ chi2(|Z| = 2) / (2 n).
    rng = np.random.default_rng(4)
    n = 4000
    x, y = rng.integers(0, 2, (2, n))
    got = DiscreteMI().fit(x.reshape(-1, 1), y, z=x ^ y).mi_
    assert 0.0 <= np.log(2) - got < chi2.ppf(1 - 1e-4, 2) / (2 * n)
    # Miller-Madow adds (m_xz + m_yz - m_xyz - m_z) / 2n = (4 + 4 - 4 - 2) / 2n = 1 / n
    mm = DiscreteMI(correction="miller-madow").fit(x.reshape(-1, 1), y, z=x ^ y).mi_
    assert mm - got == pytest.approx(1.0 / n, rel=1e-9)


def _markov_chain(n, seed):
    # x -> z -> y on alphabets of 3, 4 and 3 symbols: I(x; y | z) = 0 exactly
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, n)
    z = np.where(rng.uniform(size=n) < 0.7, x, rng.integers(0, 4, n))
    y = np.where(rng.uniform(size=n) < 0.6, z % 3, rng.integers(0, 3, n))
    return x, y, z


def test_plugin_cmi_markov_chain_is_bias_sized():
    # Under conditional independence 2 n I_plugin is asymptotically chi-squared with
    # df = |Z| (|X| - 1) (|Y| - 1) = 4 * 2 * 2 = 16 degrees of freedom: the plug-in is
    # small and positive, about df / 2n = 0.0027 (the Miller-Madow-sized bias), and the
    # Miller-Madow estimate (which subtracts exactly df / 2n when every cell is seen)
    # is centred on 0.
    n, df = 3000, 16
    x, y, z = _markov_chain(n, seed=0)
    lo, hi = chi2.ppf(1e-4, df) / (2 * n), chi2.ppf(1 - 1e-4, df) / (2 * n)
    plug = DiscreteMI().fit(x.reshape(-1, 1), y, z=z).mi_
    assert lo < plug < hi
    mm = DiscreteMI(correction="miller-madow").fit(x.reshape(-1, 1), y, z=z).mi_
    assert mm == pytest.approx(plug - df / (2 * n), abs=1e-12)
    assert lo - df / (2 * n) < mm < hi - df / (2 * n)
    # while x and y are clearly dependent
    assert DiscreteMI().fit(x.reshape(-1, 1), y).mi_ > 10 * hi
    # averaged over seeds the plug-in bias is df / 2n (sd of the mean: sqrt(2 df) / 2n
    # / sqrt(20) = 0.00019; 4 sd allowed)
    values = [DiscreteMI().fit(a.reshape(-1, 1), b, z=c).mi_
              for a, b, c in (_markov_chain(n, s) for s in range(1, 21))]
    assert abs(np.mean(values) - df / (2 * n)) < 4 * np.sqrt(2 * df) / (2 * n) / np.sqrt(20)


@pytest.mark.parametrize("correction", ["none", "miller-madow", "nsb"])
def test_plugin_cmi_is_the_weighted_sum_over_strata(correction):
    rng = np.random.default_rng(1)
    n = 900
    z = rng.integers(0, 5, n)
    x = (z + rng.integers(0, 3, n)) % 4
    y = (x + z * rng.integers(0, 2, n)) % 3
    z[:3] = 9  # a value seen three times, and one seen once
    z[3] = 11
    got = DiscreteMI(correction=correction).fit(x.reshape(-1, 1), y, z=z).mi_
    parts = []
    for v in np.unique(z):
        rows = z == v
        if rows.sum() > 1:
            est = DiscreteMI(correction=correction, alphabet_size=4)
            parts.append(rows.sum() * est.fit(x[rows].reshape(-1, 1), y[rows]).mi_)
    assert got == pytest.approx(sum(parts) / n, abs=1e-12)
    if correction == "none":
        direct = sum((z == v).sum() * mutual_info_score(x[z == v], y[z == v])
                     for v in np.unique(z)) / n
        assert got == pytest.approx(direct, abs=1e-12)
        assert conditional_mi_from_codes(x, y, z) == pytest.approx(direct, abs=1e-12)


def test_plugin_cmi_symbols_of_any_type_and_multicolumn_z():
    rng = np.random.default_rng(2)
    n = 500
    z2 = rng.integers(0, 2, (n, 2))
    x = (z2.sum(axis=1) + rng.integers(0, 2, n)).reshape(-1, 1)
    y = np.array(["a", "b", "c"])[(x[:, 0] + z2[:, 0]) % 3]
    code = z2[:, 0] * 2 + z2[:, 1]
    labels = np.array(["p", "q", "r", "s"], dtype=object)[code]
    a = DiscreteMI().fit(x, y, z=z2).mi_
    assert a == DiscreteMI().fit(x, y, z=code).mi_
    assert a == DiscreteMI().fit(x, y, z=labels).mi_
    est = DiscreteMI().fit(x, y, z=z2)
    assert est.score(x, y, z=z2) == a


# ================================================== k-NN conditional MI, discrete z
def _strata_gaussians(n, seed, p=(0.5, 0.3, 0.2), rhos=(0.0, 0.6, 0.9)):
    rng = np.random.default_rng(seed)
    z = rng.choice(len(p), size=n, p=p)
    x = rng.standard_normal(n)
    r = np.asarray(rhos)[z]
    y = r * x + np.sqrt(1 - r**2) * rng.standard_normal(n)
    truth = float(np.sum(np.asarray(p) * -0.5 * np.log(1 - np.asarray(rhos) ** 2)))
    return x.reshape(-1, 1), y, z, truth


def test_knn_cmi_discrete_z_ground_truth():
    # Within z = v, (x, y) is Gaussian with correlation rho_v: I(x; y | z) =
    # sum_v p_v (-1/2 log(1 - rho_v^2)) = 0.233 nats. The estimate sum_v p_v KSG_v is a
    # weighted sum of independent KSG estimates on ~1500, 900 and 600 rows, so its sd
    # is sqrt(sum_v p_v^2 sd_v^2); with KSG's sd ~ 0.019 sqrt(2000 / n_v) at rho = 0.6
    # (error profile) and about 0.015 / 0.04 at rho = 0 / 0.9, that is 0.014. Measured
    # over 30 seeds at n = 3000: bias -0.0004, sd 0.016; |bias| + 4 sd allowed.
    x, y, z, truth = _strata_gaussians(3000, seed=31)
    est = KSG(random_state=0).fit(x, y, z=z)
    assert est.method_ == "stratified-ksg1"
    assert abs(est.mi_ - truth) < 0.0004 + 4 * 0.016
    # the unconditional MI of the pooled data is much lower than the conditional one
    assert KSG(random_state=0).fit(x, y).mi_ < truth - 0.05


@pytest.mark.parametrize("variant", [1, 2])
def test_knn_cmi_discrete_z_is_the_weighted_sum_of_ksg(variant):
    x, y, z, _ = _strata_gaussians(1500, seed=2)
    est = KSG(variant=variant, noise=0.0).fit(x, y, z=z)
    expected = sum((z == v).sum() * KSG(variant=variant, noise=0.0).fit(
        x[z == v], y[z == v]).mi_ for v in range(3)) / z.size
    assert est.mi_ == pytest.approx(expected, abs=1e-12)
    assert skmi.conditional_mutual_info(x, y, z, variant=variant, noise=0.0) == est.mi_


def test_knn_cmi_discrete_z_ross_within_strata():
    rng = np.random.default_rng(3)
    n = 1200
    z = rng.integers(0, 3, n)
    labels = (z + rng.integers(0, 2, n)) % 3
    x = (labels + z * rng.standard_normal(n)).reshape(-1, 1)
    est = KSG(noise=0.0).fit(x, labels, z=z)
    assert est.method_ == "stratified-ross"
    expected = sum((z == v).sum() * KSG(noise=0.0).fit(x[z == v], labels[z == v]).mi_
                   for v in range(3)) / n
    assert est.mi_ == pytest.approx(expected, abs=1e-12)


def test_knn_cmi_small_stratum_raises_with_its_size():
    x, y, z, _ = _strata_gaussians(600, seed=4)
    z = z.copy()
    z[:3] = 7  # a stratum of 3 rows: KSG with k=3 needs 4
    with pytest.raises(ValueError, match=r"z = 7: 3 row\(s\).*more than k=3"):
        KSG().fit(x, y, z=z)
    assert np.isfinite(KSG(k=2).fit(x, y, z=z).mi_)


def test_knn_cmi_mixed_z():
    # z = (label, continuous): within each label, x and y depend only through the
    # continuous part, so I(x; y | z) = 0 (Frenzel-Pompe per stratum; profile of
    # Frenzel-Pompe at n = 2000: bias 0.001, sd 0.012, and at ~1000 rows a stratum
    # the sd of the weighted sum is about the same).
    import pandas as pd

    rng = np.random.default_rng(6)
    n = 2000
    label = rng.integers(0, 2, n)
    c = rng.standard_normal(n)
    x = (label + c + rng.standard_normal(n)).reshape(-1, 1)
    y = 2 * label * c + rng.standard_normal(n)
    frame = pd.DataFrame({"label": label, "c": c})
    est = KSG(random_state=0).fit(x, y, z=frame)
    assert est.method_ == "stratified-frenzel-pompe"
    assert abs(est.mi_) < 0.001 + 4 * 0.012
    # the same with a float array and a mask, or indices
    both = np.column_stack([label, c])
    assert KSG(random_state=0, discrete_z=[True, False]).fit(x, y, z=both).mi_ == est.mi_
    assert KSG(random_state=0, discrete_z=[0]).fit(x, y, z=both).mi_ == est.mi_
    # treating the label as continuous is Frenzel-Pompe on both columns
    assert KSG(random_state=0).fit(x, y, z=both).method_ == "frenzel-pompe"
    # exact decomposition
    expected = sum((label == v).sum() * KSG(noise=0.0).fit(
        x[label == v], y[label == v], z=c[label == v]).mi_ for v in (0, 1)) / n
    got = KSG(noise=0.0).fit(x, y, z=frame).mi_
    assert got == pytest.approx(expected, abs=1e-12)


def test_conditional_mutual_info_chooses_by_kind_of_z():
    x, y, z, truth = _strata_gaussians(3000, seed=31)
    as_int = skmi.conditional_mutual_info(x, y, z, random_state=0)
    assert as_int == KSG(random_state=0).fit(x, y, z=z).mi_
    # a float z is continuous under "ksg" (Frenzel-Pompe) ...
    as_float = skmi.conditional_mutual_info(x, y, z.astype(float), random_state=0)
    assert as_float == KSG(random_state=0, discrete_z=False).fit(x, y, z=z).mi_
    # ... and discrete by its values under "auto" (3 distinct values)
    auto = skmi.conditional_mutual_info(x, y, z.astype(float), estimator="auto",
                                        random_state=0)
    assert auto == as_int
    assert abs(auto - truth) < 0.0004 + 4 * 0.016


def test_auto_conditional_all_discrete_is_miller_madow():
    x, y, z = _markov_chain(2000, seed=5)
    auto = skmi.conditional_mutual_info(x.reshape(-1, 1), y, z, estimator="auto")
    mm = DiscreteMI(correction="miller-madow").fit(x.reshape(-1, 1), y, z=z).mi_
    assert auto == mm
    # float-coded symbols are discrete by their values
    got = skmi.conditional_mutual_info(x.reshape(-1, 1).astype(float), y.astype(float),
                                       z.astype(float), estimator="auto")
    assert got == pytest.approx(mm, abs=1e-12)
    with pytest.raises(TypeError, match="estimator='auto' for conditional MI takes"):
        skmi.conditional_mutual_info(x.reshape(-1, 1), y, z, estimator="auto", k=5)


def test_discrete_xy_with_continuous_z_is_refused():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (300, 1))
    y = rng.integers(0, 3, 300)
    with pytest.raises(ValueError, match="needs continuous X and y when z has continuous"):
        KSG().fit(x, y, z=rng.standard_normal(300))


def test_conditioning_errors():
    x, y, z, _ = _strata_gaussians(300, seed=0)
    with pytest.raises(ValueError, match="z has 10 samples"):
        KSG().fit(x, y, z=z[:10])
    with pytest.raises(ValueError, match="NaN or infinity"):
        KSG().fit(x, y, z=np.where(z == 0, np.nan, 1.0))
    with pytest.raises(ValueError, match="boolean mask must have shape"):
        KSG(discrete_z=[True, False]).fit(x, y, z=z)
    with pytest.raises(ValueError, match="out of range"):
        KSG(discrete_z=[3]).fit(x, y, z=z)
    with pytest.raises(ValueError, match="not numbers"):
        KSG(discrete_z=False).fit(x, y, z=np.array(["a", "b"] * 150))


# =========================================== mutual_info_columns, discrete_features
def _mixed_columns(n=600, seed=0):
    """Columns 0, 2: continuous (no ties); 1, 3: integers."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    X = np.column_stack([
        labels + rng.standard_normal(n),
        (labels + rng.integers(0, 2, n)) % 4,
        rng.standard_normal(n),
        rng.integers(0, 5, n),
    ]).astype(float)
    target = X[:, 0] + 0.5 * X[:, 1] + rng.standard_normal(n)
    return X, labels, target


@pytest.mark.parametrize("seed", [0, 1])
def test_columns_match_sklearn_continuous_features(seed):
    X, labels, target = _mixed_columns(seed=seed)
    cont = X[:, [0, 2]]
    ours = skmi.mutual_info_columns(cont, labels, random_state=seed, clip=True)
    np.testing.assert_allclose(ours, mutual_info_classif(cont, labels, random_state=seed),
                               rtol=0, atol=1e-10)
    ours = skmi.mutual_info_columns(cont, target, random_state=seed, clip=True)
    np.testing.assert_allclose(
        ours, mutual_info_regression(cont, target, random_state=seed), rtol=0, atol=1e-10)


def test_columns_match_sklearn_integer_features_declared_discrete():
    X, labels, target = _mixed_columns()
    ints = X[:, [1, 3]].astype(np.int64)
    ours = skmi.mutual_info_columns(ints, labels, discrete_features=True, random_state=0)
    theirs = mutual_info_classif(ints, labels, discrete_features=True, random_state=0)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    ours = skmi.mutual_info_columns(ints, target, discrete_features=True, random_state=0,
                                    clip=True)
    theirs = mutual_info_regression(ints, target, discrete_features=True, random_state=0)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


@pytest.mark.parametrize("mask", [[False, True, False, True], [1, 3], [-3, -1]])
def test_columns_match_sklearn_with_a_mask(mask):
    X, labels, target = _mixed_columns(seed=2)
    for y, theirs_fn in ((labels, mutual_info_classif), (target, mutual_info_regression)):
        ours = skmi.mutual_info_columns(X, y, discrete_features=np.asarray(mask),
                                        random_state=0, clip=True)
        theirs = theirs_fn(X, y, discrete_features=np.asarray(mask), random_state=0)
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)


def test_integer_dense_columns_are_continuous_by_default():
    # The case: an integer column with many levels against integer labels.
    # Read as symbols, nearly every value is its own symbol and the plug-in MI is near
    # H(y) (about 3.4 nats); scikit-learn reads a dense X as continuous (Ross's
    # estimator with tie-breaking noise) and finds ~0.
    rng = np.random.default_rng(0)
    n = 1000
    X = rng.integers(0, 10_000, (n, 1))
    y = rng.integers(0, 30, n)
    ours = skmi.mutual_info_columns(X, y, random_state=0, clip=True)
    theirs = mutual_info_classif(X, y, random_state=0)
    # one column: the same noise draw as scikit-learn's, so the same ties broken alike
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10)
    assert ours[0] < 0.1
    symbols = skmi.mutual_info_columns(X, y, discrete_features=True)
    assert symbols[0] > 3.0
    # several integer columns: scikit-learn draws its noise for all columns at once,
    # skmi per column, so tied values are broken differently: close, not equal
    X2 = rng.integers(0, 20, (n, 3))
    y2 = (X2[:, 0] + rng.integers(0, 3, n)) % 7
    ours = skmi.mutual_info_columns(X2, y2, random_state=0, clip=True)
    theirs = mutual_info_classif(X2, y2, random_state=0)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=0.05)
    assert np.argmax(ours) == np.argmax(theirs) == 0


def test_sparse_auto_is_discrete_as_sklearn():
    rng = np.random.default_rng(0)
    n = 400
    dense = rng.integers(0, 3, (n, 3)) * (rng.uniform(size=(n, 3)) < 0.5)
    y = (dense[:, 0] + rng.integers(0, 2, n)) % 3
    X = scipy.sparse.csr_matrix(dense)
    ours = skmi.mutual_info_columns(X, y, random_state=0)
    np.testing.assert_array_equal(
        ours, skmi.mutual_info_columns(dense, y, discrete_features=True, random_state=0))
    np.testing.assert_allclose(ours, mutual_info_classif(X, y, random_state=0), rtol=0,
                               atol=1e-10)
    # continuous on request (scikit-learn refuses continuous sparse columns)
    np.testing.assert_array_equal(
        skmi.mutual_info_columns(X, y, discrete_features=False, random_state=0),
        skmi.mutual_info_columns(dense, y, random_state=0))


def test_discrete_features_errors_and_other_estimators():
    X, labels, _ = _mixed_columns(n=200)
    with pytest.raises(ValueError, match="no discrete_x parameter"):
        skmi.mutual_info_columns(X, labels, estimator="gaussian", discrete_features=[1])
    with pytest.raises(ValueError, match="pass one of them"):
        skmi.mutual_info_columns(X, labels, discrete_features=[1], discrete_x=True)
    with pytest.raises(ValueError, match="boolean mask must have shape"):
        skmi.mutual_info_columns(X, labels, discrete_features=[True, False])
    with pytest.raises(ValueError, match="discrete_features must be"):
        skmi.mutual_info_columns(X, labels, discrete_features="yes")
    # "auto" leaves other estimators (and an explicit discrete_x) alone
    ints = X[:, [1, 3]].astype(np.int64)
    np.testing.assert_array_equal(
        skmi.mutual_info_columns(ints, labels, discrete_x=True),
        skmi.mutual_info_columns(ints, labels, discrete_features=True))
    got = skmi.mutual_info_columns(ints, labels, estimator="discrete")
    np.testing.assert_allclose(got, [mutual_info_score(c, labels) for c in ints.T],
                               rtol=0, atol=1e-12)
