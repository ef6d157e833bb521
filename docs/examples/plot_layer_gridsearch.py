"""
=======================================================
Which layer carries the labels? Layers in a Pipeline
=======================================================

:class:`skmi.LayerActivationExtractor` turns a trained torch model into a scikit-learn
transformer: ``transform(X)`` returns the activations of the named layer, one row per
sample. The layer is an ordinary parameter, so :class:`~sklearn.pipeline.Pipeline` and
:class:`~sklearn.model_selection.GridSearchCV` can search over it, with a classifier's
accuracy or with the label information I(T; Y) itself as the score.
"""

# %%
# A small trained network
# -----------------------
# A ReLU network on scikit-learn's bundled digits, trained for a few epochs by
# :func:`skmi.nn.train_and_record` (no information plane recorded: ``plane=None``).
# :func:`skmi.layer_names` lists the modules the extractor can read.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from skmi import ClassifierMI, LayerActivationExtractor, layer_names
from skmi.datasets import load_digits_dataset
from skmi.metrics import mi_scorer
from skmi.nn import make_mlp, train_and_record

X, y = load_digits_dataset(scale="unit")
model = make_mlp([64, 32, 16, 10], activation="relu", random_state=0)
result = train_and_record(model, X, y, epochs=30, batch_size=64, seed=0)
print(f"held-out accuracy after {len(result.loss)} epochs: {result.test_accuracy[-1]:.3f}")
print(layer_names(model))

# %%
# The extractor never changes the model: ``fit`` keeps a copy in ``eval()`` mode and
# every forward pass runs under ``torch.inference_mode()``.
T = LayerActivationExtractor(model, "act2").fit(X).transform(X)
print(T.shape, f"{np.mean(T == 0):.0%} of the ReLU outputs are exactly 0")

# %%
# Accuracy of a linear read-out, layer by layer
# ---------------------------------------------
# A pipeline of the extractor and a logistic regression; the grid runs over the
# extractor's ``layers``. The model is a parameter of the extractor, so every fold
# reads the same trained network (scikit-learn's ``clone`` copies it).
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
candidates = ["fc1", "act1", "fc2", "act2", "out"]
pipe = Pipeline([
    ("layer", LayerActivationExtractor(model)),
    ("clf", LogisticRegression(max_iter=2000)),
])
by_accuracy = GridSearchCV(pipe, {"layer__layers": candidates}, cv=cv).fit(X, y)
print("best by accuracy:", by_accuracy.best_params_)

# %%
# Label information, layer by layer
# ---------------------------------
# :func:`skmi.metrics.mi_scorer` scores what a fitted transformer outputs by an MI
# estimate of (T, y) on each held-out fold: here :class:`~skmi.ClassifierMI`, H(Y)
# minus a cross-validated logistic regression's cross-entropy, a lower bound on
# I(T; Y) that holds up in many dimensions (see the user guide,
# :ref:`choosing-an-estimator`). Higher is better, so ``GridSearchCV`` picks the layer
# with the most label information. Every hidden layer is a function of the input, so
# by data processing none can carry more than the input pixels do.
scorer = mi_scorer(ClassifierMI(random_state=0), unit="bits")
by_information = GridSearchCV(
    LayerActivationExtractor(model), {"layers": candidates}, cv=cv, scoring=scorer,
).fit(X, y)
print("best by I(T; Y):", by_information.best_params_)

# %%
# Both searches side by side.
table = pd.DataFrame({
    "layer": candidates,
    "accuracy": by_accuracy.cv_results_["mean_test_score"],
    "I(T; Y), bits": by_information.cv_results_["mean_test_score"],
})
print(table.round(3).to_string(index=False))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
ax1.bar(table["layer"], table["accuracy"])
ax1.set_ylim(0.8, 1.0)
ax1.set_title("logistic read-out accuracy")
ax2.bar(table["layer"], table["I(T; Y), bits"], color="tab:orange")
ax2.axhline(np.log2(10), color="k", linestyle="--", linewidth=1, label="H(Y)")
ax2.set_title("I(T; Y) by ClassifierMI, bits")
ax2.legend(loc="lower right")
fig.tight_layout()
plt.show()
