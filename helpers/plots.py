"""Plots the notebooks share. Every function draws on ``ax`` (a new figure when None) and returns ax.

Colours come from the Okabe-Ito palette, which stays distinguishable for colour-blind readers.
"""

import matplotlib.pyplot as plt
import numpy as np

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, ...
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
CLASS_COLORS = OKABE_ITO
CLASS_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def _axes(ax, figsize=(4, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def scatter_classes(X, y, ax=None, s=60, labels=None, edgecolor="k"):
    """Points X (N, 2) coloured and shaped by their integer class y (N,)."""
    ax = _axes(ax)
    y = np.asarray(y).astype(int)
    for k in np.unique(y):
        m = y == k
        label = labels[k] if labels is not None else f"class {k}"
        ax.scatter(X[m, 0], X[m, 1], s=s, c=CLASS_COLORS[k % len(CLASS_COLORS)],
                   marker=CLASS_MARKERS[k % len(CLASS_MARKERS)], edgecolors=edgecolor, label=label, zorder=3)
    return ax


def plot_decision_line(w, b, X=None, y=None, ax=None, title=None, lim=(-0.25, 1.25)):
    """The line w . x + b = 0 on the unit square, with the side where the output is 1 shaded.

    w: (2,) weights, b: bias; X: (N, 2) points and y: (N,) 0/1 targets, drawn when given.
    """
    ax = _axes(ax)
    w = np.asarray(w, dtype=float)
    if w.shape != (2,):
        raise ValueError(f"plot_decision_line draws two-input neurons: expected w of shape (2,), got {w.shape}")
    g = np.linspace(lim[0], lim[1], 200)
    gx, gy = np.meshgrid(g, g)
    z = w[0] * gx + w[1] * gy + b
    ax.contourf(gx, gy, z >= 0, levels=[-0.5, 0.5, 1.5], colors=[CLASS_COLORS[0], CLASS_COLORS[1]], alpha=0.18)
    if np.any(w != 0):
        ax.contour(gx, gy, z, levels=[0], colors="k", linewidths=2)
    if X is not None and y is not None:
        scatter_classes(X, y, ax=ax, s=120, labels=["output 0", "output 1"])
        ax.legend(loc="center", fontsize=8, framealpha=0.85)  # the centre of the square holds no point
    ax.set_xlim(lim)
    ax.set_ylim(lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def plot_loss_curve(losses, ax=None, title="Training loss", label=None, logy=False, xlabel="epoch"):
    """A loss history (a list or array of numbers) against the step or epoch number."""
    ax = _axes(ax, figsize=(5, 3.2))
    losses = np.asarray(losses, dtype=float)
    ax.plot(np.arange(1, len(losses) + 1), losses, color=CLASS_COLORS[0], lw=2, label=label)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    if label:
        ax.legend()
    return ax
