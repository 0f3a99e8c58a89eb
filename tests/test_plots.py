"""The shared plots draw what they claim, and refuse what they cannot draw."""

import numpy as np
import pytest

from helpers.datasets import logic_gate
from helpers.plots import CLASS_COLORS, plot_decision_line, plot_loss_curve, scatter_classes


def test_decision_line_is_drawn_where_w_x_plus_b_is_zero():
    X, y = logic_gate("AND")
    ax = plot_decision_line(np.array([1.0, 1.0]), -1.5, X, y)
    paths = [p for c in ax.collections for p in getattr(c, "get_paths", lambda: [])() if len(p.vertices) > 1]
    on_line = [v for p in paths for v in p.vertices if abs(v[0] + v[1] - 1.5) < 1e-2]
    assert on_line, "the line x1 + x2 = 1.5 should be drawn"
    assert ax.get_xlim() == (-0.25, 1.25)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["output 0", "output 1"]


def test_decision_line_rejects_more_than_two_inputs():
    with pytest.raises(ValueError, match=r"expected w of shape \(2,\), got \(3,\)"):
        plot_decision_line(np.ones(3), 0.0)


def test_scatter_uses_one_colour_per_class():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    ax = scatter_classes(X, np.array([0, 1, 1]))
    assert len(ax.collections) == 2
    colors = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in ax.collections]
    assert len(set(colors)) == 2


def test_loss_curve_plots_every_value():
    losses = [1.0, 0.5, 0.25]
    ax = plot_loss_curve(losses, logy=True)
    x, y = ax.lines[0].get_data()
    assert x.tolist() == [1, 2, 3] and y.tolist() == losses
    assert ax.get_yscale() == "log"


def test_palette_is_okabe_ito():
    assert CLASS_COLORS[:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_confusion_matrix_counts():
    from helpers.plots import confusion_matrix

    C = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), num_classes=3)
    assert C.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    with pytest.raises(ValueError, match="3 labels but 2 predictions"):
        confusion_matrix(np.array([0, 1, 2]), np.array([0, 1]))


def test_plot_confusion_matrix_writes_every_nonzero_count():
    from helpers.plots import plot_confusion_matrix

    ax = plot_confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), num_classes=2)
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "2"]


def test_plot_digits_marks_wrong_guesses():
    from helpers.plots import OKABE_ITO, plot_digits

    images = np.zeros((3, 784))
    fig = plot_digits(images, labels=np.array([1, 2, 3]), predictions=np.array([1, 5, 3]), ncols=3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["1", "5 (is 2)", "3"]
    assert fig.axes[1].title.get_color() == OKABE_ITO[3]


def test_filter_and_feature_map_grids():
    from helpers.plots import plot_feature_maps, plot_filters

    assert len([a for a in plot_filters(np.ones((32, 1, 3, 3))).axes if a.images]) == 32
    assert len([a for a in plot_feature_maps(np.ones((5, 26, 26)), ncols=4).axes if a.images]) == 5


def test_decision_boundary_with_labels_and_with_probabilities():
    from helpers.plots import decision_grid, plot_decision_boundary

    X = np.array([[-1.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1])
    ax = plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=50)
    assert len(ax.collections) >= 3  # filled regions, boundary, two classes of points
    ax = plot_decision_boundary(lambda P: 1 / (1 + np.exp(-P[:, 0])), X, y, resolution=50)
    xx, yy, points = decision_grid(X, resolution=50)
    assert points.shape == (2500, 2) and xx.min() == -1.5 and xx.max() == 1.5
    saved = np.zeros((50, 50))
    plot_decision_boundary(None, X, y, resolution=50, grid_values=saved)  # snapshots need no predict


def _texts(fig):
    """Every visible text of a drawn figure: titles, labels, tick labels, legends, colour bars."""
    fig.canvas.draw()
    return [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
            if t.get_text() and t.get_visible()]


def test_decision_boundary_has_axes_labels_ticks_colour_bar_and_no_small_text():
    from helpers.plots import plot_decision_boundary

    X = np.array([[-1.0, 0.0], [1.0, 0.5], [0.0, 1.0]])
    ax = plot_decision_boundary(lambda P: 1 / (1 + np.exp(-P[:, 0])), X, np.array([0, 1, 0]), resolution=30,
                                title="a title")
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    assert len(ax.get_xticks()) >= 3 and len(ax.get_yticks()) >= 3
    colour_bars = [a for a in ax.figure.axes if a is not ax]
    assert len(colour_bars) == 1 and colour_bars[0].get_ylabel() == "probability of class 1"
    assert min(t.get_fontsize() for t in _texts(ax.figure)) >= 10


def test_decision_boundary_draws_test_points_hollow():
    from helpers.plots import plot_decision_boundary

    X, y = np.array([[-1.0, 0.0], [1.0, 0.0]]), np.array([0, 1])
    X_test, y_test = np.array([[-0.5, 0.1], [0.5, 0.1], [0.6, -0.1]]), np.array([0, 1, 1])
    ax = plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=20, X_test=X_test,
                                y_test=y_test, colorbar=False)
    from matplotlib.collections import PathCollection

    points = [c for c in ax.collections if isinstance(c, PathCollection)]  # the scatters
    hollow = [c for c in points if len(c.get_facecolor()) == 0 or np.all(c.get_facecolor()[:, 3] == 0)]
    assert sum(len(c.get_offsets()) for c in hollow) == 3
    assert len(ax.figure.axes) == 1  # no colour bar when asked for none


def test_hidden_unit_maps_show_tanh_and_the_units_line():
    import matplotlib.pyplot as plt

    from helpers.plots import plot_hidden_units

    W1, b1 = np.array([[1.0, 0.0], [1.0, 2.0]]), np.array([-1.0, 0.5])
    X = np.array([[-1.0, -1.0], [2.0, 2.0]])
    fig, axes = plt.subplots(1, 2)
    im = plot_hidden_units(W1, b1, X, axes, resolution=30)
    values = axes[0].images[0].get_array()
    assert values.min() >= -1 and values.max() <= 1 and im is axes[1].images[0]
    x, line_y = axes[0].lines[0].get_data()
    np.testing.assert_allclose(np.asarray(x) + np.asarray(line_y), 1.0)  # unit 1: x1 + x2 - 1 = 0
    assert [a.get_title() for a in axes] == ["hidden unit 1", "hidden unit 2"]
    with pytest.raises(ValueError, match=r"expected W1 \(2, H\) and b1 \(H,\)"):
        plot_hidden_units(np.ones((3, 2)), np.ones(2), X, axes)


def test_projector_mode_switches_fonts_sizes_and_panels_and_back():
    import matplotlib.pyplot as plt

    from helpers import plots

    before = plt.rcParams["font.size"]
    assert not plots.projector_on() and plots.panels_per_row(8) == 4 and plots.panels_per_row(2) == 2
    try:
        assert plots.projector(True) is True and plots.projector_on()
        assert plt.rcParams["font.size"] == 14 and plt.rcParams["lines.linewidth"] == 2.5
        assert plots.panels_per_row(8) == 3 and plots.figure_size(4, 3) == pytest.approx((5.2, 3.9))
        ax = plots.plot_loss_curve([1.0, 0.5])
        assert ax.figure.get_size_inches() == pytest.approx((6.5, 4.16))
        assert min(t.get_fontsize() for t in _texts(ax.figure)) >= 12
    finally:
        plots.projector(False)
    assert plt.rcParams["font.size"] == before and plots.figure_size(4, 3) == (4, 3)


def test_projector_mode_is_switched_on_by_the_environment():
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = "import helpers.plots as p, matplotlib.pyplot as plt; print(p.projector_on(), plt.rcParams['font.size'])"
    root = str(Path(__file__).resolve().parent.parent)
    for value, expected in (("1", "True 14.0"), ("0", "False 10.0")):
        env = dict(os.environ, NN_PROJECTOR=value, MPLBACKEND="Agg", PYTHONPATH=root)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected
