"""Time the slider callbacks of notebook 04 at their default settings (budget: 0.3 s each).

Run: .venv/bin/python benchmarks/slider_04.py
"""

from notebook_code import namespace_with, time_callback

BUDGET = 0.3
CASES = [
    ("show_boundary", dict(num_hidden=3, lr=2.0, reg=1e-3, noise=0.2)),
    ("show_boundary", dict(num_hidden=50, lr=2.0, reg=1e-3, noise=0.2)),
    ("show_snapshot", dict(step=60)),
]

if __name__ == "__main__":
    print(f"{'callback':16s} {'settings':44s} {'median':>8s} {'max':>8s} {'/budget':>8s}")
    for name, kwargs in CASES:
        fn = namespace_with("04_moons_softmax.ipynb", "show_snapshot")[name]
        median, worst = time_callback(fn, kwargs)
        settings = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        print(f"{name:16s} {settings:44s} {median * 1000:6.0f}ms {worst * 1000:6.0f}ms {median / BUDGET:7.2f}x")
