"""Time every slider callback of the notebooks at its defaults and at the ends of every slider (budget 0.3 s).

The budget holds at every setting a slider offers. The settings are read from each notebook's own
``panel(callback, name=slider(...), ...)`` cell, so they follow the notebook: the callback is timed at
the panel's defaults, then with one control at a time moved to each end of its slider (or to each
other option of a dropdown) and the others at their defaults. A notebook is run up to the cell that
defines the callback first (tests/nbcells.py), which for 05 and 06 includes their training.

Run: python benchmarks/slider_callbacks.py [--repeats 10] [notebook-number ...]   e.g. ... 03 04
"""

import argparse
import ast
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from helpers.model import TrainingDiverged  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nbcells import cells, namespace_with  # noqa: E402  (runs a notebook's cells up to a function)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
BUDGET = 0.3

# Every (notebook, callback) with a slider panel; the settings come from the panel cell.
CASES = [
    ("01_perceptron.ipynb", "show_perceptron"),
    ("02_sigmoid.ipynb", "show_neuron"),
    ("02_sigmoid.ipynb", "show_training"),
    ("03_backprop.ipynb", "show_training"),
    ("04_moons_softmax.ipynb", "show_boundary"),
    ("04_moons_softmax.ipynb", "show_snapshot"),
    ("05_digits_dense.ipynb", "show_subset_training"),
    ("06_mnist_cnn.ipynb", "show_prediction"),
]


def panel_controls(notebook, callback, ns):
    """{control: (default, [other values to try])} from the notebook's ``panel(callback, ...)`` cell.

    The sliders' arguments are evaluated in ``ns`` (the notebook's namespace), so ``len(saved) - 1``
    works. log_slider(value, min_exp, max_exp) tries 10**min_exp and 10**max_exp; int_slider and
    float_slider(value, min, max) try min and max; dropdown(options, value) tries every other option.
    """
    for cell in cells(str(NOTEBOOKS / notebook)).values():
        if cell["cell_type"] != "code" or "panel(" not in "".join(cell["source"]):
            continue
        source = "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "panel" and node.args
                    and getattr(node.args[0], "id", None) == callback):
                controls = {}
                for kw in node.keywords:
                    kind = kw.value.func.id
                    args = [eval(compile(ast.Expression(a), notebook, "eval"), ns) for a in kw.value.args]
                    if kind == "log_slider":
                        controls[kw.arg] = (args[0], [10.0 ** args[1], 10.0 ** args[2]])
                    elif kind in ("int_slider", "float_slider"):
                        controls[kw.arg] = (args[0], [args[1], args[2]])
                    elif kind == "dropdown":
                        controls[kw.arg] = (args[1], [o for o in args[0] if o != args[1]])
                    else:
                        raise LookupError(f"{notebook}: panel({callback}, ...) has a control {kind}() this "
                                          f"benchmark does not know; add it to panel_controls")
                return controls
    raise LookupError(f"{notebook} has no panel({callback}, ...) cell: update CASES in {Path(__file__).name}")


def time_callback(fn, kwargs, repeats):
    """Median and max wall time in seconds of fn(**kwargs) including drawing the figure, and a note.

    A callback that raises TrainingDiverged is timed up to the exception (the panel then shows a
    one-line message instead of the plot) and noted as "diverged".
    """
    times, note = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                fn(**kwargs)
            plt.gcf().canvas.draw()  # render, as the browser would receive it
        except TrainingDiverged:
            note = "  (diverged: the panel prints a message)"
        plt.close("all")
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), note


def settings_of(controls):
    """The defaults, then one control at a time at each of its other values: [(label, kwargs), ...]."""
    defaults = {name: default for name, (default, _) in controls.items()}
    out = [("defaults", dict(defaults))]
    for name, (_, values) in controls.items():
        for value in values:
            if value == defaults[name]:
                continue
            out.append((f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}",
                        {**defaults, name: value}))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="calls timed per setting (default 10)")
    parser.add_argument("notebooks", nargs="*", help="notebook numbers to time, e.g. 03 04 (default: all)")
    args = parser.parse_args()
    print(f"{'notebook':24s} {'callback':22s} {'setting':22s} {'median':>8s} {'max':>8s} {'/budget':>8s}")
    worst = 0.0
    for notebook, name in CASES:
        if args.notebooks and notebook[:2] not in args.notebooks:
            continue
        ns = namespace_with(str(NOTEBOOKS / notebook), name)
        fn = ns[name]
        for label, kwargs in settings_of(panel_controls(notebook, name, ns)):
            median, slowest, note = time_callback(fn, kwargs, args.repeats)
            worst = max(worst, median / BUDGET)
            flag = ("  over budget" if median > BUDGET else "") + note
            print(f"{notebook:24s} {name:22s} {label:22s} {median * 1000:6.0f}ms {slowest * 1000:6.0f}ms "
                  f"{median / BUDGET:7.2f}x{flag}", flush=True)
    print(f"slowest median: {worst:.2f}x the budget of {BUDGET} s (the machine's load adds to every figure)")


if __name__ == "__main__":
    main()
