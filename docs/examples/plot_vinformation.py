"""
=============================================
V-information is not Shannon information
=============================================

Shannon's mutual information counts every dependence, however hard it is to exploit.
Predictive V-information (Xu et al. 2020), :class:`skmi.VInformation`, counts what a
given family of predictors can *use*: the drop in held-out log-loss of ``y`` when the
predictor sees ``X``. It is finite for deterministic layers of a network, which is why
it is useful there, but it follows other rules. This example puts the two side by side.
"""

# %%
# Invariance under invertible maps
# --------------------------------
# ``y = x + noise`` with standard normal ``x`` and noise: I(X; Y) = log(2) / 2 =
# 0.347 nats. Shannon MI does not change when ``x`` is replaced by an invertible
# function of it, and KSG (:class:`skmi.KSG`) stays close to the truth for ``x``,
# ``3 x - 2`` and ``exp(x)`` (not to the digit: the map changes the neighbourhoods
# the estimator counts in). The default regression family of ``VInformation`` (a
# ridge regression with a Gaussian likelihood) gets the same from the first two, which
# it can undo, and about half from ``exp(x)``, which it cannot.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.neighbors import KNeighborsRegressor

from skmi import KSG, VInformation

rng = np.random.default_rng(0)
n = 2000
x = rng.standard_normal(n)
y = x + rng.standard_normal(n)

inputs = {"x": x, "3 x - 2": 3 * x - 2, "exp(x)": np.exp(x)}
rows = []
for name, z in inputs.items():
    Z = z.reshape(-1, 1)
    shannon = KSG(random_state=0).fit(Z, y).mi_
    usable = VInformation(random_state=0).fit(Z, y).mi_
    rows.append((name, shannon, usable))
    print(f"{name:8s} KSG {shannon:.3f}   V-information (linear) {usable:.3f} nats")

# %%
# Processing can create usable information
# ----------------------------------------
# Shannon MI obeys the data processing inequality: no function of ``x`` carries more
# about ``y`` than ``x`` does. V-information does not. With ``y = x^2 + noise`` a
# linear family gets nothing from ``x`` but a lot from ``x^2``, a function of ``x``; a
# richer family (here 25-nearest-neighbour regression) gets it from ``x`` itself.
# (Shannon MI is the same from ``x`` and from ``x^2`` here, as ``y`` does not depend
# on the sign of ``x``: the two KSG values estimate one number.)
#
# The linear value from ``x^2`` even exceeds the Shannon MI. For regression the
# predictor that does not see ``X`` is a Gaussian with the mean and variance of ``y``,
# and this ``y`` is far from Gaussian: the Gaussian's log-loss overstates the entropy
# of ``y``, and the difference counts as usable information. Only with class labels
# (and a family holding every constant distribution) is V-information at most Shannon
# MI.
y2 = x**2 + 0.5 * rng.standard_normal(n)
X1, X2 = x.reshape(-1, 1), (x**2).reshape(-1, 1)
results = {
    "KSG, from x": KSG(random_state=0).fit(X1, y2).mi_,
    "KSG, from x^2": KSG(random_state=0).fit(X2, y2).mi_,
    "linear V, from x": VInformation(random_state=0).fit(X1, y2).mi_,
    "linear V, from x^2": VInformation(random_state=0).fit(X2, y2).mi_,
    "25-NN V, from x": VInformation(KNeighborsRegressor(25), random_state=0)
    .fit(X1, y2).mi_,
}
for name, value in results.items():
    print(f"{name:20s} {value:.3f} nats")

# %%
# Both experiments in one figure.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
names = [r[0] for r in rows]
pos = np.arange(len(rows))
ax1.bar(pos - 0.2, [r[1] for r in rows], width=0.4, label="Shannon MI (KSG)")
ax1.bar(pos + 0.2, [r[2] for r in rows], width=0.4, label="V-information, linear")
ax1.axhline(np.log(2) / 2, color="k", linestyle="--", linewidth=1, label="truth")
ax1.set_xticks(pos, names)
ax1.set_ylabel("nats")
ax1.set_ylim(0, 0.6)
ax1.set_title("y = x + noise, seen through invertible maps")
ax1.legend(fontsize=8, loc="upper right")
ax2.barh(list(results), list(results.values()),
         color=["tab:blue", "tab:blue", "tab:orange", "tab:orange", "tab:green"])
ax2.invert_yaxis()
ax2.set_xlabel("nats")
ax2.set_title("y = x^2 + noise")
fig.tight_layout()

# %%
# What it is good for
# -------------------
# For a deterministic layer ``T = f(X)`` of a network, I(X; T) is infinite (or
# log n on a finite sample) whatever the weights, while I_V(T -> Y) with class labels
# stays finite and moves with training: how decodable the label is from the layer for
# the chosen family. With discrete ``y`` and a family that contains every constant
# distribution it is at most the Shannon I(T; Y), with equality when the family
# contains the true posterior. Read it as usable information for that family, never
# as Shannon MI; see :ref:`deterministic-networks` in the user guide.
plt.show()
