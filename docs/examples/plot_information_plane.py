"""
======================================================
The information plane of a small network, step by step
======================================================

For every hidden layer ``T`` of a network the information plane plots what the layer
keeps about its input, :math:`I(X; T)`, against what it carries about the label,
:math:`I(T; Y)`, as training goes on (Shwartz-Ziv & Tishby 2017). This example trains
a small tanh network on scikit-learn's bundled digits with a plain PyTorch loop and
records the plane itself, with :meth:`skmi.InformationPlane.record`, at log-spaced
epochs. Nothing is downloaded.

The layers are deterministic functions of the input, so the numbers are information
*at the scale of the bins* (30 bins on [-1, 1], the convention for tanh layers): see
:ref:`deterministic-networks` in the user guide.
"""

# %%
# Data and network
# ----------------
# :func:`~skmi.nn.make_mlp` builds ``Linear -> tanh -> ... -> Linear`` with named
# modules ``fc1, act1, fc2, act2, ..., out``; :func:`~skmi.nn.hidden_layers` lists the
# activations to record. ``random_state`` seeds the weights without touching torch's
# global generator. The widths are small so that the example runs in seconds.
import textwrap
import warnings

import matplotlib.pyplot as plt
import torch

from skmi import BinningMI, InformationPlane, SaturationWarning
from skmi.datasets import load_digits_dataset
from skmi.nn import hidden_layers, log_spaced_epochs, make_mlp

X, y = load_digits_dataset(scale="unit")  # 1797 images of 8 x 8 pixels in [0, 1]
model = make_mlp([64, 10, 6, 3, 10], activation="tanh", random_state=0)
layers = hidden_layers(model)
print(layers)

# %%
# The recorder
# ------------
# One :class:`~skmi.BinningMI` measures both quantities. I(T; Y) is
# ``fit(T, y)``; I(X; T) is ``fit(T, np.arange(n))``, every sample its own input, so
# it is the entropy of the binned layer. ``unit="bits"`` converts the estimates
# (which are nats) when recording.
binning = BinningMI(30, strategy="fixed", bin_range=(-1, 1))
plane = InformationPlane(layers, x_estimator=binning, unit="bits")

# %%
# Your own training loop
# ----------------------
# Record once before training (epoch 0) and then after the epochs you choose; here 12
# log-spaced epochs out of 300. ``record`` works on a copy of the model in ``eval()``
# mode under ``torch.inference_mode()``, so it neither changes the weights nor the
# random state of the loop. The batches come from a seeded generator, so the run is
# the same every time.
#
# Each ``record`` issues at most one :class:`~skmi.SaturationWarning`, naming the
# layers whose estimates are pinned by the bin scale. Here the 10-unit layer puts
# every digit in a bin pattern of its own from the start; we print the first warning
# and silence the rest, since every row of the table keeps the flags.
epochs = 300
to_record = set(log_spaced_epochs(epochs, 12))
generator = torch.Generator().manual_seed(0)
X_t = torch.as_tensor(X, dtype=torch.float32)
y_t = torch.as_tensor(y)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = torch.nn.CrossEntropyLoss()

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", SaturationWarning)
    plane.record(model, X, y, epoch=0)
print(textwrap.fill(str(caught[0].message).split(" First reason")[0]))

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SaturationWarning)
    for epoch in range(1, epochs + 1):
        for batch in torch.randperm(len(X_t), generator=generator).split(128):
            optimizer.zero_grad()
            loss_fn(model(X_t[batch]), y_t[batch]).backward()
            optimizer.step()
        if epoch in to_record:
            plane.record(model, X, y, epoch=epoch)

with torch.no_grad():
    accuracy = (model(X_t).argmax(1) == y_t).float().mean().item()
print(f"training accuracy after {epochs} epochs: {accuracy:.3f}")

# %%
# The table
# ---------
# ``history_`` is a tidy table, one row per (epoch, layer), with the settings written
# into every row (unit, estimators, bin convention) and the saturation flags: a value
# pinned at log2(n) = 10.81 bits or at H(Y) says more about the bin scale than about
# the layer. ``plane.to_csv(path)`` writes the same table.
history = plane.history_
print(history[["epoch", "layer", "I_XT", "I_TY", "saturated_XT", "H_Y"]].tail(6))

# %%
# The figure
# ----------
# One panel per layer, points coloured by epoch. The 10-unit layer stays at log2(n)
# (every digit has its own bin pattern: saturated, red crosses) and the 6-unit layer
# reaches it; the 3-unit layer first gains both quantities, then loses I(X; T) at this
# bin scale while I(T; Y) stays high: it groups the inputs more coarsely as the
# network learns.
display = plane.plot(layout="panels")
plt.show()

# %%
# The same in one call
# --------------------
# :func:`skmi.nn.train_and_record` runs this loop (Adam, cross-entropy, a seeded
# 80/20 split, log-spaced records) and can append each record to a CSV as it is
# taken; ``skmi infoplane`` is its command line. For skorch and PyTorch Lightning see
# :ref:`training-loop-callbacks` in the user guide.
