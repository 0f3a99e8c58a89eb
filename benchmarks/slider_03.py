"""Time the slider callback of notebook 03 (budget: 0.3 s at the default settings).

Run: .venv/bin/python benchmarks/slider_03.py
The first row is the default setting the budget applies to; the others show how the time grows
towards the sliders' largest values.
"""

from notebook_code import namespace_with, time_callback

BUDGET = 0.3
NOTEBOOK = "03_backprop.ipynb"
CASES = [
    dict(),  # the defaults: lr=4.0, num_hidden=4, num_epochs=1000, seed=0, output="sigmoid"
    dict(num_hidden=16),
    dict(num_epochs=5000),
    dict(lr=4.0, output="linear", num_epochs=300),  # stops before it diverges (epoch 322)
]

if __name__ == "__main__":
    fn = namespace_with(NOTEBOOK, "show_training")["show_training"]
    print(f"{'notebook':20s} {'callback':14s} {'settings':40s} {'median':>8s} {'max':>8s} {'/budget':>8s}")
    for kwargs in CASES:
        median, worst = time_callback(fn, kwargs, repeats=20)
        settings = ", ".join(f"{k}={v}" for k, v in kwargs.items()) or "defaults"
        print(f"{NOTEBOOK:20s} {'show_training':14s} {settings:40s} {median * 1000:6.0f}ms {worst * 1000:6.0f}ms "
              f"{median / BUDGET:7.2f}x")
