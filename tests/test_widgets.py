"""The shared slider panel, without a browser: it calls its function, redraws on change, reports divergence."""

import ipywidgets as widgets

from helpers.model import TrainingDiverged
from helpers.widgets import dropdown, float_slider, int_slider, log_slider, panel


def _texts(output):
    return "".join(o.get("text", "") for o in output.outputs)


def test_panel_calls_its_function_with_the_sliders_values_and_redraws_on_change():
    calls = []
    a = int_slider(3, 1, 10, "a")
    b = log_slider(0.1, -3, 0, "b")
    box = panel(lambda a, b: calls.append((a, b)), a=a, b=b)
    assert calls == [(3, 0.1)]
    a.value = 5
    assert calls[-1] == (5, 0.1)
    assert isinstance(box, widgets.VBox) and "nn-panel" in box._dom_classes


def test_sliders_only_report_when_released():
    for w in (int_slider(1, 0, 5, "i"), float_slider(0.5, 0, 1, 0.1, "f"), log_slider(1.0, -1, 1, "l")):
        assert w.continuous_update is False
    assert dropdown(["x", "y"], "y", "d").value == "y"


def test_divergence_becomes_a_message_and_the_busy_sign_clears(capsys):
    # Outside a kernel the Output widget cannot capture, so the message reaches stdout; in JupyterLab it
    # appears in the panel (tests/test_browser.py checks what the browser shows).
    def diverge(lr):
        raise TrainingDiverged(lr, float("nan"), 1, 3)

    box = panel(diverge, lr=log_slider(10.0, -2, 2, "lr"))
    status = box.children[0].children[1]
    assert "Training diverged at learning rate 10: try a smaller one." in capsys.readouterr().out
    assert status.value == ""  # "working..." is shown only while the function runs


def test_other_errors_are_not_hidden():
    import pytest

    def broken(x):
        raise ValueError("a real bug")

    with pytest.raises(ValueError, match="a real bug"):
        panel(broken, x=int_slider(1, 0, 2, "x"))
