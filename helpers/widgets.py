"""The slider panel and the training progress bar the notebooks share, on ipywidgets (7.7 and 8.x).

A panel calls an ordinary Python function with the sliders' values and shows what it draws or
prints; the function itself can be called directly (in a test, or in a cell) without a browser.
While the function runs the panel shows "working..."; a TrainingDiverged error is shown as a
message instead of an empty or NaN plot.
"""

import time

import ipywidgets as widgets
import matplotlib.pyplot as plt

from . import _checks as check
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


class Panel(widgets.VBox):
    """A slider panel (a VBox) whose plain-text form says what it is, for views that cannot draw it."""

    def __repr__(self):
        return "Slider panel: run this cell to use it"


def panel(fn, **controls):
    """Sliders (keyword name -> widget) above the output of ``fn(**values)``, redrawn on every change.

    Returns the panel (a VBox); display it as the last expression of a cell. Each redraw replaces
    the previous output, so plots never stack up.
    """
    if not callable(fn):
        check.fail("panel", "fn", "a function to call with the sliders' values", check.describe(fn), TypeError)
    for name, w in controls.items():
        if not isinstance(w, widgets.ValueWidget):
            check.fail("panel", name, "a slider or drop-down, e.g. int_slider(3, 1, 10, \"size\")",
                       check.describe(w), TypeError)
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
                    print(f"Training diverged at learning rate {err.lr:g}: {err.cause}.")
        finally:
            status.value = ""

    for w in controls.values():
        w.observe(lambda change: redraw(**{k: c.value for k, c in controls.items()}), names="value")
    box = Panel([widgets.HBox([widgets.VBox(list(controls.values())), status]), out])
    box.add_class("nn-panel")
    redraw(**{k: c.value for k, c in controls.items()})
    return box


class TrainingProgress(widgets.HBox):
    """A live progress bar for ``fit``: pass ``on_batch=bar.on_batch, on_epoch=bar.on_epoch``.

    The bar moves while training runs (a saved notebook keeps only its final state), and
    ``on_epoch`` prints one line per epoch, e.g.
    ``epoch 2/4  loss 0.0412  acc 0.9871  val_acc 0.9874  21.3 s``.
    It shows itself in the notebook at the first batch, unless a cell displayed it already.
    """

    def __init__(self, num_epochs, num_batches):
        self.num_epochs = check.integer("TrainingProgress", "num_epochs", num_epochs, minimum=1)
        self.num_batches = check.integer("TrainingProgress", "num_batches", num_batches, minimum=1)
        self.bar = widgets.IntProgress(value=0, min=0, max=self.num_epochs * self.num_batches,
                                       layout={"width": "320px"})
        self.label = widgets.HTML(value=f"epoch 1/{self.num_epochs}")
        self._last_draw = 0.0
        self._shown = False
        super().__init__([self.bar, self.label])

    def _repr_mimebundle_(self, **kwargs):
        self._shown = True
        return super()._repr_mimebundle_(**kwargs)

    def _show(self):
        """Display the bar in the running notebook (nothing happens outside IPython)."""
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is not None:
            display(self)
        self._shown = True

    def on_batch(self, epoch, batch, num_batches, loss):
        """Move the bar (redrawn at most 10 times a second, and at the end of every epoch)."""
        if not self._shown:
            self._show()
        now = time.perf_counter()
        if batch == num_batches or now - self._last_draw > 0.1:
            self._last_draw = now
            self.bar.value = min((epoch - 1) * self.num_batches + batch, self.bar.max)
            self.label.value = f"epoch {epoch}/{self.num_epochs}, batch {batch}/{num_batches}, loss {loss:.4f}"

    def on_epoch(self, epoch, record):
        """Print the epoch's one line: loss, accuracy and validation accuracy where recorded, time."""
        parts = [f"epoch {epoch}/{self.num_epochs}", f"loss {record['loss']:.4f}"]
        parts += [f"{key} {record[key]:.4f}" for key in ("acc", "val_acc") if record.get(key) is not None]
        parts.append(f"{record['time']:.1f} s")
        self.bar.value = min(epoch * self.num_batches, self.bar.max)
        self.label.value = "  ".join(parts[:-1])
        print("  ".join(parts))

    def __repr__(self):
        return f"Training progress bar ({self.num_epochs} epochs of {self.num_batches} batches)"
