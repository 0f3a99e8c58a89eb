"""Time the slider callbacks of notebooks 01 and 02 at their default settings (budget: 0.3 s each).

Run: .venv/bin/python benchmarks/slider_01_02.py
"""

from notebook_code import namespace_with, time_callback

BUDGET = 0.3
CASES = [
    ("01_perceptron.ipynb", "show_perceptron", dict(lr=0.1, num_steps=100, gate="AND", seed=0)),
    ("01_perceptron.ipynb", "show_perceptron", dict(lr=0.1, num_steps=1000, gate="XOR", seed=0)),
    ("02_sigmoid.ipynb", "show_neuron", dict(w=1.0, b=0.0)),
    ("02_sigmoid.ipynb", "show_training", dict(lr=2.0, num_epochs=2000, gate="OR", output="sigmoid")),
    ("02_sigmoid.ipynb", "show_training", dict(lr=2.0, num_epochs=5000, gate="XOR", output="sigmoid")),
]

if __name__ == "__main__":
    print(f"{'notebook':22s} {'callback':16s} {'settings':52s} {'median':>8s} {'max':>8s} {'/budget':>8s}")
    for notebook, name, kwargs in CASES:
        fn = namespace_with(notebook, name)[name]
        median, worst = time_callback(fn, kwargs)
        settings = ", ".join(f"{k}={v}" for k, v in kwargs.items())
        print(f"{notebook:22s} {name:16s} {settings:52s} {median * 1000:6.0f}ms {worst * 1000:6.0f}ms {median / BUDGET:7.2f}x")
