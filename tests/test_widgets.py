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


def test_panel_text_form_says_what_it_is():
    box = panel(lambda a: None, a=int_slider(1, 0, 2, "a"))
    assert box._repr_mimebundle_()["text/plain"] == "Slider panel: run this cell to use it"


def test_training_progress_prints_one_line_per_epoch_and_ends_full(capsys):
    import numpy as np

    from helpers.datasets import make_moons
    from helpers.layers import Dense, Tanh
    from helpers.model import Sequential, fit
    from helpers.optim import SGD
    from helpers.widgets import TrainingProgress

    X, y = make_moons(50, 0.1, np.random.default_rng(0))
    r = np.random.default_rng(0)
    model = Sequential([Dense(2, 3, r), Tanh(), Dense(3, 2, r)])
    bar = TrainingProgress(num_epochs=3, num_batches=5)
    history = fit(model, X, y, SGD(0.5), num_epochs=3, batch_size=10, rng=r, X_val=X, y_val=y,
                  on_batch=bar.on_batch, on_epoch=bar.on_epoch)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[1] == (f"epoch 2/3  loss {history['loss'][1]:.4f}  acc {history['acc'][1]:.4f}  "
                        f"val_acc {history['val_acc'][1]:.4f}  {history['time'][1]:.1f} s")
    assert bar.bar.value == bar.bar.max == 15  # the stored state is the final one
    assert bar.label.value.startswith("epoch 3/3  loss")
    assert "IntProgress" not in bar._repr_mimebundle_()["text/plain"]


def test_panel_refuses_a_non_function():
    import pytest

    with pytest.raises(TypeError, match="panel: fn: expected a function"):
        panel("show", a=int_slider(1, 0, 2, "a"))
    with pytest.raises(TypeError, match="panel: a: expected a slider"):
        panel(lambda a: None, a=3)
