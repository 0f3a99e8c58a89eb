"""Plots the notebooks share. Every function draws on ``ax`` (a new figure when None) and returns ax.

Colours come from the Okabe-Ito palette, which stays distinguishable for colour-blind readers.
``projector()`` switches to projector-sized figures (bigger fonts and lines, fewer panels per row); it is
switched on at import when the environment variable ``NN_PROJECTOR`` is ``1``.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, ...
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
CLASS_COLORS = OKABE_ITO
CLASS_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]

# Projector mode: matplotlib settings (every text at least 12 pt, thicker lines) and layout limits.
PROJECTOR_RC = {
    "font.size": 14, "axes.titlesize": 15, "axes.labelsize": 14, "xtick.labelsize": 13,
    "ytick.labelsize": 13, "legend.fontsize": 13, "figure.titlesize": 16, "lines.linewidth": 2.5,
    "lines.markersize": 8, "axes.linewidth": 1.3, "xtick.major.width": 1.3, "ytick.major.width": 1.3,
}
MAX_PANELS_PER_ROW = 4  # on a screen; 3 in projector mode
_projector = {"on": False, "saved": None}


def projector(on=True):
    """Projector-sized figures from now on (``on=False`` restores the previous settings); returns ``on``.

    Sets bigger fonts and lines in matplotlib's settings, makes the figures this module creates 30 %
    larger, and lets functions that choose their own layout put at most 3 panels in a row (4 otherwise).
    """
    on = bool(on)
    if on and not _projector["on"]:
        _projector["saved"] = {key: plt.rcParams[key] for key in PROJECTOR_RC}
        plt.rcParams.update(PROJECTOR_RC)
    elif not on and _projector["on"]:
        plt.rcParams.update(_projector["saved"])
    _projector["on"] = on
    return on


def projector_on():
    """True while projector mode is on."""
    return _projector["on"]


def panels_per_row(wanted):
    """How many panels to put in one row when ``wanted`` are asked for: at most 4 (3 on a projector)."""
    return max(1, min(int(wanted), 3 if _projector["on"] else MAX_PANELS_PER_ROW))


def figure_size(width, height):
    """A figure size in inches, 30 % larger in projector mode."""
    scale = 1.3 if _projector["on"] else 1.0
    return (width * scale, height * scale)


def _axes(ax, figsize=(4, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figure_size(*figsize))
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
        ax.legend(loc="center", fontsize=10, framealpha=0.85)  # the centre of the square holds no point
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


def plot_digits(images, labels=None, predictions=None, ncols=10, size=1.1, title=None):
    """A grid of digit images (N, 28, 28) or (N, 784) or (N, 1, 28, 28), with their labels.

    With ``predictions``, each title shows the guess; wrong guesses are titled in vermillion with
    the true label beside them ("3 (is 5)"). Returns the figure.
    """
    images = np.asarray(images)
    N = images.shape[0]
    side = int(round(np.sqrt(images[0].size)))
    images = images.reshape(N, side, side)
    ncols = max(1, min(ncols, N))
    nrows = -(-N // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= N:
            continue
        ax.imshow(images[k], cmap="gray_r", interpolation="nearest")
        if predictions is not None:
            wrong = labels is not None and predictions[k] != labels[k]
            text = f"{predictions[k]} (is {labels[k]})" if wrong else f"{predictions[k]}"
            ax.set_title(text, fontsize=10, color=OKABE_ITO[3] if wrong else "k")  # 10 pt: readable on a projector
        elif labels is not None:
            ax.set_title(str(labels[k]), fontsize=10)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, num_classes=10):
    """Counts C[i, j] of examples of class i predicted as j: (num_classes, num_classes) ints.

    y_true, y_pred: (N,) integer labels in 0 .. num_classes - 1 (take ``scores.argmax(axis=1)`` of a
    network's (N, num_classes) outputs first).
    """
    from ._checks import array, fail, integer

    fn = "confusion_matrix"
    num_classes = integer(fn, "num_classes", num_classes, minimum=1)
    labels = {}
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        values = array(fn, name, values, what="labels", allow_empty=True)
        if values.ndim == 2 and values.shape[1] == num_classes:
            fail(fn, name, "labels of shape (N,)", f"scores of shape {values.shape}", hint=f"pass {name}.argmax(axis=1)")
        if values.ndim != 1:
            fail(fn, name, "labels of shape (N,)", f"shape {values.shape}")
        if values.dtype.kind == "f" and not np.all(values == np.round(values)):  # fractions or NaN
            fail(fn, name, "whole-number labels", f"dtype {values.dtype} with fractions or NaN")
        values = values.astype(np.int64)  # (uint8 labels * num_classes would overflow)
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            fail(fn, name, f"labels from 0 to {num_classes - 1} (num_classes={num_classes})",
                 f"labels from {values.min()} to {values.max()}")
        labels[name] = values
    y_true, y_pred = labels["y_true"], labels["y_pred"]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: {y_true.shape[0]} labels but {y_pred.shape[0]} predictions "
                         f"(y_true and y_pred must have the same length)")
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion_matrix(y_true, y_pred, num_classes=10, ax=None, title="Confusion matrix"):
    """Rows: the true digit; columns: the network's guess; every count written in its cell.

    The colour (viridis, readable in grey and by colour-blind readers) shows counts on a log scale,
    so the few mistakes off the diagonal are visible next to the thousands of right answers. Counts are
    written at 10 pt or more (projector size), black on light cells and white on dark ones.
    """
    from matplotlib.colors import LogNorm

    def relative_luminance(rgba):  # WCAG relative luminance of an sRGB colour: 0 black, 1 white
        c = np.asarray(rgba[:3], dtype=float)
        linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(linear @ [0.2126, 0.7152, 0.0722])

    C = confusion_matrix(y_true, y_pred, num_classes)
    ax = _axes(ax, figsize=(7.6, 6.6))
    norm = LogNorm(vmin=0.8, vmax=max(C.max(), 1))
    cmap = plt.get_cmap("viridis")
    im = ax.imshow(np.maximum(C, 0.8), cmap=cmap, norm=norm)
    fontsize = max(10.0, plt.rcParams["font.size"])
    for i in range(num_classes):
        for j in range(num_classes):
            if C[i, j]:
                # black or white, whichever contrasts more with the cell (WCAG: white wins below luminance 0.179)
                dark_cell = relative_luminance(cmap(norm(C[i, j]))) < 0.179
                ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=fontsize,
                        color="white" if dark_cell else "black")
    ax.set_xticks(range(num_classes))
    ax.set_yticks(range(num_classes))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="count (log scale)")
    return ax


def _numbered_image_grid(images, title, ncols, size, **imshow_kwargs):
    """Images (K, H, W) in a grid, each titled with its index; returns the figure."""
    K = images.shape[0]
    nrows = -(-K // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15 + 0.4), squeeze=False)  # room for titles
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < K:
            ax.imshow(images[k], interpolation="nearest", **imshow_kwargs)
            ax.set_title(str(k), fontsize=10, pad=2)  # 10 pt: readable on a projector
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_filters(W, ncols=8, size=1.1, title="Learned filters"):
    """Convolution filters W (F, C, kh, kw) as small images (channel 0), blue negative, red positive."""
    W = np.asarray(W)
    limit = np.abs(W).max()
    return _numbered_image_grid(W[:, 0], title, ncols, size, cmap="RdBu_r", vmin=-limit, vmax=limit)


def plot_feature_maps(maps, ncols=8, size=1.1, title="Feature maps"):
    """Feature maps of one image, (F, H, W), each as an image (magma colours) with its filter number."""
    return _numbered_image_grid(np.asarray(maps), title, ncols, size, cmap="magma")


def class_cmap(num_classes=2):
    """A colour map with one Okabe-Ito colour per class (colour-blind safe)."""
    from matplotlib.colors import ListedColormap

    return ListedColormap(OKABE_ITO[:num_classes])


def probability_cmap():
    """Blue (class 0) through white (unsure) to orange (class 1): readable by colour-blind students."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("blue_white_orange", [OKABE_ITO[0], "#FFFFFF", OKABE_ITO[1]])


def decision_grid(X, resolution=150, padding=0.5):
    """A grid of points covering X (N, 2) with a margin: returns xx, yy (resolution, resolution) and points (M, 2)."""
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    return xx, yy, np.stack([xx.ravel(), yy.ravel()], axis=1)


def plot_decision_boundary(predict, X, y, ax=None, title=None, resolution=150, padding=0.5, grid_values=None,
                           X_test=None, y_test=None, colorbar=True):
    """Colour the plane by a classifier's answer and draw the points X (N, 2) with labels y (N,) on top.

    predict: a function from points (M, 2) to either class labels (M,) ints or, for two classes, the
    probability of class 1 (M,) floats in [0, 1], drawn as a blue-white-orange shading with the
    0.5 contour as the boundary. ``grid_values`` (resolution, resolution) skips calling predict:
    use it to redraw saved snapshots instantly. ``X_test``, ``y_test``: held-out points, drawn as hollow
    markers in their class colour. ``colorbar``: a colour bar that says what the shading means.
    The plane is the grid of ``decision_grid(X, resolution, padding)``.
    """
    ax = _axes(ax, figsize=(5, 4))
    xx, yy, points = decision_grid(X, resolution, padding)
    values = grid_values if grid_values is not None else np.asarray(predict(points)).reshape(xx.shape)
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    if np.issubdtype(values.dtype, np.integer):
        k = max(int(values.max()), int(np.max(y))) + 1
        im = ax.imshow(values, origin="lower", extent=extent, aspect="auto", interpolation="nearest",
                       cmap=class_cmap(k), vmin=-0.5, vmax=k - 0.5, alpha=0.35)
        if k == 2:
            ax.contour(xx, yy, values, levels=[0.5], colors="k", linewidths=1.5)
        label, ticks = "predicted class", range(k)
    else:
        im = ax.imshow(values, origin="lower", extent=extent, aspect="auto", interpolation="bilinear",
                       cmap=probability_cmap(), vmin=0, vmax=1, alpha=0.6)
        ax.contour(xx, yy, values, levels=[0.5], colors="k", linewidths=1.5)
        label, ticks = "probability of class 1", [0, 0.25, 0.5, 0.75, 1]
    scatter_classes(X, y, ax=ax, s=18, edgecolor="k")
    if X_test is not None:
        y_test = np.asarray(y_test).astype(int)
        for c in np.unique(y_test):
            m = y_test == c
            ax.scatter(X_test[m, 0], X_test[m, 1], s=14, facecolors="none", linewidths=0.9, zorder=2,
                       edgecolors=CLASS_COLORS[c % len(CLASS_COLORS)], marker=CLASS_MARKERS[c % len(CLASS_MARKERS)])
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.05, pad=0.03, label=label, ticks=ticks)
    if title:
        ax.set_title(title)
    return ax


def plot_hidden_units(W1, b1, X, axes, units=None, resolution=60, padding=0.5, titles=None):
    """Each hidden tanh unit's activation over the plane, one unit per axes (TensorFlow Playground's view).

    W1: (2, H) and b1: (H,) of the hidden layer; X: (N, 2) the points that set the plane's extent (as in
    ``decision_grid``); axes: a sequence of axes, one per unit drawn; units: which units (default the first
    len(axes)). Unit j's map is tanh(x W1[:, j] + b1[j]), blue at -1 and orange at +1, and the black line
    is where it is 0: each hidden unit is one neuron drawing one straight line (notebooks 01-03).
    Returns the last image, for a shared colour bar.
    """
    from matplotlib.ticker import MaxNLocator

    W1, b1 = np.asarray(W1, dtype=float), np.asarray(b1, dtype=float)
    if W1.ndim != 2 or W1.shape[0] != 2 or b1.shape != (W1.shape[1],):
        raise ValueError(f"plot_hidden_units: expected W1 (2, H) and b1 (H,), got {W1.shape} and {b1.shape}")
    units = list(range(min(len(axes), W1.shape[1]))) if units is None else list(units)
    xx, yy, points = decision_grid(X, resolution, padding)
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    activations = np.tanh(points @ W1[:, units] + b1[units])  # (M, len(units))
    im = None
    for k, (ax, j) in enumerate(zip(axes, units)):
        im = ax.imshow(activations[:, k].reshape(xx.shape), origin="lower", extent=extent, aspect="auto",
                       cmap=probability_cmap(), vmin=-1, vmax=1, interpolation="bilinear")
        w, b = W1[:, j], b1[j]
        if abs(w[1]) > 1e-12:  # the unit's line w . x + b = 0 across the plane
            ax.plot(extent[:2], [-(b + w[0] * extent[0]) / w[1], -(b + w[0] * extent[1]) / w[1]], "k-", lw=1.5)
        elif abs(w[0]) > 1e-12:
            ax.plot([-b / w[0]] * 2, extent[2:], "k-", lw=1.5)
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        ax.xaxis.set_major_locator(MaxNLocator(4))  # small maps: a few ticks read better (and draw faster)
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_title(titles[k] if titles is not None else f"hidden unit {j + 1}")
    return im

if os.environ.get("NN_PROJECTOR") == "1":
    projector(True)
