"""
=============================================
Is it dependent, and how sure are we?
=============================================

An estimate of mutual information is a number with sampling error. :mod:`skmi.stats`
answers the two usual questions: is there any dependence at all
(:func:`skmi.permutation_test`), and how large is it
(:func:`skmi.confidence_interval`). Both return an :class:`skmi.MIResult`.
"""

# %%
# Data with a known answer
# ------------------------
# ``y = 0.6 x + 0.8 noise`` with standard normal ``x`` and noise: correlation 0.6, so
# I(X; Y) = -log(1 - 0.36) / 2 = 0.223 nats.
import matplotlib.pyplot as plt
import numpy as np

from skmi.stats import confidence_interval, permutation_test

rng = np.random.default_rng(0)
n = 1000
X = rng.standard_normal((n, 1))
y = 0.6 * X[:, 0] + 0.8 * rng.standard_normal(n)
truth = -0.5 * np.log(1 - 0.36)

# %%
# A permutation test
# ------------------
# Shuffling the rows of ``y`` keeps both marginals and breaks the dependence; the
# estimates on shuffled copies are the null distribution. The p-value,
# ``(1 + #{null >= estimate}) / (1 + B)``, is exactly uniform under independence and
# never 0: with ``B = 999`` permutations the smallest possible value is 0.001.
res = permutation_test("ksg", X, y, n_permutations=999, random_state=0)
print(f"estimate {res.estimate:.3f} nats (truth {truth:.3f}), p = {res.p_value:.3f}")

# %%
# The same test on independent data: the estimate sits inside its null distribution.
y_indep = rng.standard_normal(n)
res0 = permutation_test("ksg", X, y_indep, n_permutations=999, random_state=0)
print(f"independent: estimate {res0.estimate:.3f} nats, p = {res0.p_value:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for ax, r, title in [(axes[0], res, "rho = 0.6"), (axes[1], res0, "independent")]:
    ax.hist(r.null_distribution, bins=30, color="0.7", label="null (shuffled y)")
    ax.axvline(r.estimate, color="tab:red", label=f"estimate, p = {r.p_value:.3f}")
    ax.set_xlabel("KSG estimate, nats")
    ax.set_title(title)
    ax.legend(fontsize=8)
fig.tight_layout()

# %%
# A confidence interval
# ---------------------
# For the k-NN estimators (KSG, MixedKSG) the interval comes from half-samples drawn
# without replacement, not from the bootstrap: a bootstrap sample repeats rows, a
# repeated row is its own nearest neighbour at distance 0, and KSG's estimate jumps.
# ``method`` says which was used.
ci = confidence_interval("ksg", X, y, random_state=0)
low, high = ci.confidence_interval
print(f"{ci.method}: {ci.estimate:.3f} nats, 95% interval ({low:.3f}, {high:.3f})")

# %%
# Other estimators get the basic bootstrap, here the Gaussian MI (exact for these
# data up to its small-sample error). ``to_bits`` converts every number of a result.
ci_gauss = confidence_interval("gaussian", X, y, random_state=0)
print(ci_gauss.method, np.round(ci_gauss.confidence_interval, 3))
print(np.round(ci_gauss.to_bits().confidence_interval, 3), "bits")

fig, ax = plt.subplots(figsize=(6, 2.4))
for i, r in enumerate([ci, ci_gauss]):
    lo, hi = r.confidence_interval
    ax.plot([lo, hi], [i, i], linewidth=4)
    ax.plot(r.estimate, i, "ko")
ax.axvline(truth, color="k", linestyle="--", linewidth=1, label="truth")
ax.set_yticks([0, 1], ["KSG, half-samples", "Gaussian, bootstrap"])
ax.set_ylim(-0.7, 1.7)
ax.set_xlabel("I(X; Y), nats")
ax.legend(loc="lower right")
fig.tight_layout()

# %%
# Neither interval covers an estimator's own bias: resampling measures how much the
# estimate varies, not where the estimator is centred. The user guide's
# :ref:`tests-and-intervals` gives the measured coverage of these intervals.
plt.show()
