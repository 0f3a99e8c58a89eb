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
