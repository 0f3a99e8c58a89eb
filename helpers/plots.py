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
            ax.set_title(text, fontsize=9, color=OKABE_ITO[3] if wrong else "k")
        elif labels is not None:
            ax.set_title(str(labels[k]), fontsize=9)
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
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k < K:
            ax.imshow(images[k], interpolation="nearest", **imshow_kwargs)
            ax.set_title(str(k), fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_filters(W, ncols=8, size=0.9, title="Learned filters"):
    """Convolution filters W (F, C, kh, kw) as small images (channel 0), blue negative, red positive."""
    W = np.asarray(W)
    limit = np.abs(W).max()
    return _numbered_image_grid(W[:, 0], title, ncols, size, cmap="RdBu_r", vmin=-limit, vmax=limit)


def plot_feature_maps(maps, ncols=8, size=0.9, title="Feature maps"):
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


def plot_decision_boundary(predict, X, y, ax=None, title=None, resolution=150, padding=0.5, grid_values=None):
    """Colour the plane by a classifier's answer and draw the points X (N, 2) with labels y (N,) on top.

    predict: a function from points (M, 2) to either class labels (M,) or, for two classes, the
    probability of class 1 (M,) floats in [0, 1], drawn as a blue-white-orange shading with the
    0.5 contour as the boundary. ``grid_values`` (resolution, resolution) skips calling predict:
    use it to redraw saved snapshots instantly.
    """
    ax = _axes(ax, figsize=(4.5, 4))
    xx, yy, points = decision_grid(X, resolution, padding)
    values = grid_values if grid_values is not None else np.asarray(predict(points)).reshape(xx.shape)
    if np.issubdtype(values.dtype, np.integer):
        k = max(int(values.max()), int(np.max(y))) + 1
        ax.contourf(xx, yy, values, levels=np.arange(k + 1) - 0.5, cmap=class_cmap(k), alpha=0.3)
        if k == 2:
            ax.contour(xx, yy, values, levels=[0.5], colors="k", linewidths=1.5)
    else:
        ax.contourf(xx, yy, values, levels=np.linspace(0, 1, 11), cmap=probability_cmap(), alpha=0.55)
        ax.contour(xx, yy, values, levels=[0.5], colors="k", linewidths=1.5)
    scatter_classes(X, y, ax=ax, s=18, edgecolor="k")
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return ax
