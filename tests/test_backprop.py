"""Notebook 03 (backpropagation): the network it builds learns, fails where it must, and its gradients are right.

The notebook's own functions (``train_network``, ``show_training``, ``train_compact``, ...) are taken from the
notebook itself: its code cells run up to the slider callback (benchmarks/notebook_code.py), so these tests
check exactly what a student runs.
"""

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.datasets import logic_gates
from helpers.gradcheck import numerical_gradient, rel_error
from helpers.layers import Dense, Sigmoid
from helpers.losses import mse
from helpers.model import Sequential, TrainingDiverged
from helpers.widgets import panel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from notebook_code import namespace_with  # noqa: E402

NOTEBOOK = "03_backprop.ipynb"
# Seeds for which the notebook's default settings get all 20 truth-table entries right (measured: all ten).
PASSING_SEEDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
X, Y = logic_gates(("AND", "OR", "XOR", "NAND", "NOR"))  # (4, 2), (4, 5)
XOR = 2


@pytest.fixture(scope="module")
def nb():
    return namespace_with(NOTEBOOK, "show_training")


def _defaults(fn):
    return {name: p.default for name, p in inspect.signature(fn).parameters.items()}


def _entries_right(net):
    return int(np.sum(np.round(net.forward(X)) == Y))


def test_default_settings_learn_all_20_entries_for_at_least_9_of_seeds_0_to_9(nb):
    assert len(PASSING_SEEDS) >= 9 and set(PASSING_SEEDS) <= set(range(10))
    defaults = _defaults(nb["show_training"])
    assert defaults == _defaults(nb["train_network"])
    defaults.pop("seed")
    failed = {}
    for seed in PASSING_SEEDS:
        net, _ = nb["train_network"](seed=seed, **defaults)
        right = _entries_right(net)
        if right != 20:
            failed[seed] = right
    assert not failed, f"at the defaults {defaults}, these seeds got fewer than 20 entries right: {failed}"


def test_panel_starts_at_the_callbacks_defaults(nb):
    # Run the notebook's panel cell with a stand-in for `panel` that records the sliders' starting values.
    cells = json.loads((ROOT / "notebooks" / NOTEBOOK).read_text())["cells"]
    source = next("".join(c["source"]) for c in cells
                  if c["cell_type"] == "code" and "".join(c["source"]).startswith("panel(show_training"))
    recorded = {}
    ns = dict(nb, panel=lambda fn, **controls: recorded.update({k: w.value for k, w in controls.items()}))
    exec(source, ns)
    assert recorded == _defaults(nb["show_training"])


@pytest.mark.parametrize("num_epochs, lr, seeds", [(2000, 4.0, range(10)), (5000, 10.0, range(3))])
def test_one_hidden_neuron_cannot_learn_xor(nb, num_epochs, lr, seeds):
    for seed in seeds:
        net, _ = nb["train_network"](lr=lr, num_hidden=1, num_epochs=num_epochs, seed=seed)
        y_hat = net.forward(X)  # (4, 5)
        assert np.sum(np.round(y_hat[:, XOR]) == Y[:, XOR]) <= 3, f"seed {seed} learned XOR with one hidden neuron"
        # The notebook's reason: every output is a monotone function of one number u = X @ w + b.
        u = (X @ net.layers[0].W + net.layers[0].b)[:, 0]  # (4,)
        order = np.argsort(u, kind="stable")
        steps = np.diff(y_hat[order], axis=0)  # (3, 5)
        assert np.all((steps >= -1e-12).all(axis=0) | (steps <= 1e-12).all(axis=0))


def test_one_hidden_neuron_still_learns_the_four_separable_functions(nb):
    net, _ = nb["train_network"](num_hidden=1, seed=0)
    right = np.round(net.forward(X)) == Y  # (4, 5)
    assert right[:, [0, 1, 3, 4]].all() and not right[:, XOR].all()


def test_whole_network_gradients_match_numerical(rng):
    # Dense -> Sigmoid -> Dense -> Sigmoid with mse, as in the notebook, on random shapes.
    for N, num_in, num_hidden, K in [(4, 2, 4, 5), (3, 5, 7, 2), (6, 1, 1, 3)]:
        model = Sequential([Dense(num_in, num_hidden, rng), Sigmoid(), Dense(num_hidden, K, rng), Sigmoid()])
        for layer in (model.layers[0], model.layers[2]):
            layer.b[...] = rng.normal(size=layer.b.shape)
        X_r, y_r = rng.normal(size=(N, num_in)), rng.uniform(size=(N, K))
        model.backward(mse(model.forward(X_r), y_r)[1])
        for layer in (model.layers[0], model.layers[2]):
            for name in layer.param_names:
                analytic = getattr(layer, "d" + name).copy()
                numerical = numerical_gradient(lambda: mse(model.forward(X_r), y_r)[0], getattr(layer, name))
                assert rel_error(analytic, numerical) < 1e-6, (N, num_in, num_hidden, K, name)


def test_compact_backprop_matches_numerical_and_helpers_times_n(nb, rng):
    params = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3),
              "W2": rng.normal(size=(3, 5)), "b2": rng.normal(size=5)}
    E, grads = nb["compact_error_and_gradients"](params)
    for name, p in params.items():
        numerical = numerical_gradient(lambda: nb["compact_error_and_gradients"](params)[0], p)
        assert rel_error(grads[name], numerical) < 1e-6, name
    # helpers' mse averages over N = 4 examples: its loss and gradients are the compact ones divided by 4
    model = Sequential([Dense(2, 3, rng), Sigmoid(), Dense(3, 5, rng), Sigmoid()])
    model.layers[0].W[...], model.layers[0].b[...] = params["W1"], params["b1"]
    model.layers[2].W[...], model.layers[2].b[...] = params["W2"], params["b2"]
    loss, dout = mse(model.forward(X), Y)
    model.backward(dout)
    assert loss == pytest.approx(E / 4)
    assert np.allclose(4 * model.layers[0].dW, grads["W1"]) and np.allclose(4 * model.layers[2].dW, grads["W2"])


def test_compact_code_and_helpers_take_the_same_steps(nb):
    compact = nb["train_compact"](num_hidden=3, lr=0.5, num_epochs=300, seed=4)
    net, _ = nb["train_network"](lr=2.0, num_hidden=3, num_epochs=300, seed=4)
    assert np.allclose(compact, net.forward(X), rtol=0, atol=1e-9)


def test_callback_draws_loss_curve_and_truth_table(nb):
    import matplotlib.pyplot as plt

    y_hat = nb["show_training"]()
    assert y_hat.shape == (4, 5) and np.array_equal(np.round(y_hat), Y)
    axes = plt.gcf().axes
    assert len(axes) == 2
    assert axes[0].get_title().startswith("loss") and axes[1].get_title() == "truth table: 20/20 right"


def test_linear_output_diverges_and_the_panel_says_so(nb, capsys):
    with pytest.raises(TrainingDiverged, match="learning rate 4"):
        nb["show_training"](lr=4.0, output="linear")
    # Outside a kernel the panel's output area prints to stdout, so the message can be read here.
    panel(nb["show_training"], output=nb["dropdown"](["sigmoid", "linear"], "linear", "output"))
    assert "Training diverged at learning rate 4: try a smaller one." in capsys.readouterr().out


def test_build_network_rejects_an_unknown_output(nb):
    with pytest.raises(ValueError, match="output must be 'sigmoid' or 'linear', got 'relu'"):
        nb["build_network"](4, seed=0, output="relu")
