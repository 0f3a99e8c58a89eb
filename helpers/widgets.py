"""The slider panel the notebooks share, on ipywidgets (works with ipywidgets 7.7 and 8.x).

A panel calls an ordinary Python function with the sliders' values and shows what it draws or
prints; the function itself can be called directly (in a test, or in a cell) without a browser.
While the function runs the panel shows "working..."; a TrainingDiverged error is shown as a
message instead of an empty or NaN plot.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt

from .model import TrainingDiverged

_STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "420px"}


def float_slider(value, min, max, step, description, readout_format=".2f"):
    """A float slider that only reports when released (continuous_update=False)."""
    return widgets.FloatSlider(value=value, min=min, max=max, step=step, description=description,
                               readout_format=readout_format, continuous_update=False,
                               style=_STYLE, layout=_LAYOUT)


def log_slider(value, min_exp, max_exp, description, step=0.1, readout_format=".3g"):
    """A logarithmic slider from 10**min_exp to 10**max_exp (for learning rates)."""
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=step,
                                  description=description, readout_format=readout_format,
                                  continuous_update=False, style=_STYLE, layout=_LAYOUT)


def int_slider(value, min, max, description, step=1):
    """An integer slider that only reports when released."""
    return widgets.IntSlider(value=value, min=min, max=max, step=step, description=description,
                             continuous_update=False, style=_STYLE, layout=_LAYOUT)


def dropdown(options, value, description):
    """A drop-down list of choices."""
    return widgets.Dropdown(options=list(options), value=value, description=description,
                            style=_STYLE, layout={"width": "240px"})


def panel(fn, **controls):
    """Sliders (keyword name -> widget) above the output of ``fn(**values)``, redrawn on every change.

    Returns the panel (a VBox); display it as the last expression of a cell. Each redraw replaces
    the previous output, so plots never stack up.
    """
    status = widgets.HTML(value="")
    out = widgets.Output()

    def redraw(**values):
        status.value = "<i>working&hellip;</i>"
        try:
            with out:
                out.clear_output(wait=True)
                try:
                    fn(**values)
                    plt.show()
                except TrainingDiverged as err:
                    plt.close("all")
                    print(f"Training diverged at learning rate {err.lr:g}: try a smaller one.")
        finally:
            status.value = ""

    for w in controls.values():
        w.observe(lambda change: redraw(**{k: c.value for k, c in controls.items()}), names="value")
    box = widgets.VBox([widgets.HBox([widgets.VBox(list(controls.values())), status]), out])
    box.add_class("nn-panel")
    redraw(**{k: c.value for k, c in controls.items()})
    return box

