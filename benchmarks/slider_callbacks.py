"""Time every slider callback of the notebooks at its defaults and at the ends of every slider (budget 0.3 s).

The budget holds at every setting a slider offers, so each callback is timed at its default settings,
then with one control at a time moved to each value in its row of CASES (the slider's ends, every
dropdown option) and the others at their defaults. A notebook is run up to the cell that defines the
callback first (cells tagged "setup" replaced by plain imports, panels not displayed), which for 05
and 06 includes their training (a minute or two).

Run: python benchmarks/slider_callbacks.py [--repeats 10] [notebook-number ...]   e.g. ... 03 04
"""

import argparse
import contextlib
import io
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import sys  # noqa: E402

from helpers.model import TrainingDiverged  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from nbcells import namespace_with  # noqa: E402  (runs a notebook's cells up to a function)

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 0.3

# notebook, callback, its default settings, {control: values to try one at a time}
# (the values are the sliders' ends as the notebook's panel(...) cell sets them, and every dropdown option)
CASES = [
    ("01_perceptron.ipynb", "show_perceptron", dict(lr=0.1, num_steps=100, gate="AND", seed=0),
     dict(lr=[0.001, 1.0], num_steps=[5, 1000], gate=["OR", "NAND", "NOR", "NOT", "XOR"], seed=[19])),
    ("02_sigmoid.ipynb", "show_neuron", dict(w=1.0, b=0.0),
     dict(w=[-10.0, 10.0], b=[-5.0, 5.0])),
    ("02_sigmoid.ipynb", "show_training", dict(lr=2.0, num_epochs=2000, gate="OR", output="sigmoid"),
     dict(lr=[0.01, 100.0], num_epochs=[50, 5000], gate=["AND", "NAND", "NOR", "XOR"], output=["linear"])),
    ("03_backprop.ipynb", "show_training", dict(lr=4.0, num_hidden=4, num_epochs=1000, seed=0, output="sigmoid"),
     dict(lr=[0.01, 100.0], num_hidden=[1, 16], num_epochs=[100, 5000], seed=[9], output=["linear"])),
    ("04_moons_softmax.ipynb", "show_boundary", dict(num_hidden=3, lr=2.0, reg=1e-3, noise=0.2),
     dict(num_hidden=[1, 50], lr=[0.01, 10.0], reg=[0.0, 0.05], noise=[0.0, 0.5])),
    ("04_moons_softmax.ipynb", "show_snapshot", dict(step=0), dict()),
    ("05_digits_dense.ipynb", "show_subset_training", dict(lr=3.0, num_hidden=100),
     dict(lr=[0.01, 100.0], num_hidden=[5, 200])),
    ("06_mnist_cnn.ipynb", "show_prediction", dict(index=0), dict(index=[9999])),
]




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


def settings_of(defaults, sweeps):
    """The defaults, then one control at a time at each of its values: [(label, kwargs), ...]."""
    out = [("defaults", dict(defaults))]
    for name, values in sweeps.items():
        for value in values:
            out.append((f"{name}={value}", {**defaults, name: value}))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="calls timed per setting (default 10)")
    parser.add_argument("notebooks", nargs="*", help="notebook numbers to time, e.g. 03 04 (default: all)")
    args = parser.parse_args()
    print(f"{'notebook':24s} {'callback':22s} {'setting':22s} {'median':>8s} {'max':>8s} {'/budget':>8s}")
    worst = 0.0
    for notebook, name, defaults, sweeps in CASES:
        if args.notebooks and notebook[:2] not in args.notebooks:
            continue
        fn = namespace_with(notebook, name)[name]
        for label, kwargs in settings_of(defaults, sweeps):
            median, slowest, note = time_callback(fn, kwargs, args.repeats)
            worst = max(worst, median / BUDGET)
            flag = ("  over budget" if median > BUDGET else "") + note
            print(f"{notebook:24s} {name:22s} {label:22s} {median * 1000:6.0f}ms {slowest * 1000:6.0f}ms "
                  f"{median / BUDGET:7.2f}x{flag}", flush=True)
    print(f"slowest median: {worst:.2f}x the budget of {BUDGET} s (the machine's load adds to every figure)")


if __name__ == "__main__":
    main()
