"""Time the slider callbacks of notebooks 05 and 06 at their default settings (budget: 0.3 s each).

Loading the callbacks runs each notebook up to them, which trains the networks first (about a minute).
Run: .venv/bin/python benchmarks/slider_05_06.py
"""

from notebook_code import namespace_with, time_callback

BUDGET = 0.3
CASES = [
    ("05_digits_dense.ipynb", "show_subset_training", dict(lr=3.0, num_hidden=100)),
    ("05_digits_dense.ipynb", "show_subset_training", dict(lr=3.0, num_hidden=200)),
    ("06_mnist_cnn.ipynb", "show_prediction", dict(index=0)),
]

if __name__ == "__main__":
    print(f"{'notebook':22s} {'callback':22s} {'settings':28s} {'median':>8s} {'max':>8s} {'/budget':>8s}")
    for notebook, name, kwargs in CASES:
        fn = namespace_with(notebook, name)[name]
        median, worst = time_callback(fn, kwargs, repeats=10)
        settings = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        print(f"{notebook:22s} {name:22s} {settings:28s} {median * 1000:6.0f}ms {worst * 1000:6.0f}ms {median / BUDGET:7.2f}x",
              flush=True)
