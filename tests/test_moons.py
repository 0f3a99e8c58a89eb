"""Two moons (notebook 04): the data set, softmax cross-entropy with L2, the notebook's defaults, bad input.

The notebook's own functions are taken from the notebook (benchmarks/notebook_code.py runs its cells up to
the slider callback), so the defaults tested here are the ones a student runs.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from helpers.datasets import make_moons, train_test_split
from helpers.gradcheck import numerical_gradient, rel_error
from helpers.layers import Dense, Tanh
from helpers.losses import l2_penalty, softmax_cross_entropy
from helpers.model import Sequential, fit
from helpers.optim import SGD

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from notebook_code import namespace_with  # noqa: E402


@pytest.fixture(scope="module")
def nb():
    return namespace_with("04_moons_softmax.ipynb", "show_boundary")


def test_make_moons_is_reproducible_and_balanced():
    X1, y1 = make_moons(200, 0.2, np.random.default_rng(5))
    X2, y2 = make_moons(200, 0.2, np.random.default_rng(5))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert X1.shape == (200, 2) and np.bincount(y1).tolist() == [100, 100]
    assert np.bincount(make_moons(201, 0.1, np.random.default_rng(0))[1]).tolist() == [101, 100]
    assert not np.array_equal(X1, make_moons(200, 0.2, np.random.default_rng(6))[0])


def test_make_moons_without_noise_lies_on_the_two_half_circles():
    X, y = make_moons(100, 0.0, np.random.default_rng(0))
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert upper[:, 1].min() >= -1e-12 and lower[:, 1].max() <= 0.5 + 1e-12


def test_train_test_split_is_stratified_and_complete(rng):
    X, y = make_moons(1200, 0.2, rng)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 5 / 6, rng)
    assert np.bincount(y_train).tolist() == [100, 100] and np.bincount(y_test).tolist() == [500, 500]
    rows = {tuple(r) for r in np.concatenate([X_train, X_test])}
    assert rows == {tuple(r) for r in X}


def test_softmax_is_finite_for_huge_scores():
    from helpers.activations import softmax

    with np.errstate(over="raise", invalid="raise"):
        p = softmax(np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]]))
    np.testing.assert_allclose(p, [[1, 0], [0, 1], [0.5, 0.5]])


def test_softmax_cross_entropy_plus_l2_gradient(rng):
    model = Sequential([Dense(2, 4, rng), Tanh(), Dense(4, 2, rng)])
    X = rng.normal(size=(6, 2))
    y = np.array([0, 1, 1, 0, 1, 0])
    reg = 0.1
    weights = [model.layers[0].W, model.layers[2].W]

    def loss():
        return softmax_cross_entropy(model.forward(X), y)[0] + l2_penalty(weights, reg)[0]

    _, dout = softmax_cross_entropy(model.forward(X), y)
    model.backward(dout)
    grads = l2_penalty(weights, reg)[1]
    for layer, g in zip((model.layers[0], model.layers[2]), grads):
        analytic = layer.dW + g
        assert rel_error(analytic, numerical_gradient(loss, layer.W)) < 1e-7


def test_fit_with_reg_adds_the_penalty(rng):
    X, y = make_moons(50, 0.1, rng)
    a = Sequential([Dense(2, 3, np.random.default_rng(1)), Tanh(), Dense(3, 2, np.random.default_rng(2))])
    h = fit(a, X, y, SGD(0.5), num_epochs=1, reg=0.5)
    b = Sequential([Dense(2, 3, np.random.default_rng(1)), Tanh(), Dense(3, 2, np.random.default_rng(2))])
    plain = softmax_cross_entropy(b.forward(X), y)[0]
    penalty = l2_penalty([b.layers[0].W, b.layers[2].W], 0.5)[0]
    assert h["loss"][0] == pytest.approx(plain + penalty)


def test_defaults_fit_the_moons_and_logistic_regression_does_not(nb):
    # At the notebook's defaults (200 training points, noise 0.2, hidden size 3):
    # the network's train accuracy is >= 0.95 (measured 0.955) and logistic regression stays below 0.90 (0.835).
    X, y = nb["X"], nb["y"]
    assert len(X) == 200 and nb["noise"] == 0.2
    params, _, _ = nb["train_network"](X, y, num_hidden=3)
    assert nb["accuracy"](params, X, y) >= 0.95
    assert nb["logistic_train"] < 0.90
    logistic = Sequential([Dense(2, 2, np.random.default_rng(0))])
    fit(logistic, X, y, SGD(2.0), num_epochs=3000)  # even trained three times longer
    assert np.mean(logistic.predict_classes(X) == y) < 0.90


def test_network_beats_logistic_for_several_initial_seeds(nb):
    X, y = nb["X"], nb["y"]
    for seed in range(5):
        params, _, _ = nb["train_network"](X, y, num_hidden=3, seed=seed)
        assert nb["accuracy"](params, X, y) >= 0.95, f"seed {seed}"


def test_the_callback_runs_at_its_defaults(nb):
    import matplotlib.pyplot as plt

    train_acc, test_acc = nb["show_boundary"]()
    assert train_acc >= 0.95 and test_acc >= 0.9
    assert plt.gcf().axes, "the callback draws the boundary"


def test_the_callback_reports_divergence(nb, capsys):
    assert nb["show_boundary"](lr=1e6) is None
    assert "diverged at learning rate 1e+06" in capsys.readouterr().out


def test_labels_outside_the_classes_are_rejected(rng):
    X, _ = make_moons(10, 0.1, rng)
    model = Sequential([Dense(2, 2, rng)])
    with pytest.raises(ValueError, match="labels must lie in 0..1, got values from 0 to 2"):
        fit(model, X, np.array([0, 1, 2, 0, 1, 0, 1, 0, 1, 0]), SGD(0.1), num_epochs=1)


def test_mismatched_lengths_are_rejected(rng):
    X, y = make_moons(10, 0.1, rng)
    with pytest.raises(ValueError, match="X has 10 examples but y has 9"):
        fit(Sequential([Dense(2, 2, rng)]), X, y[:9], SGD(0.1), num_epochs=1)
    with pytest.raises(ValueError, match="X has 10 rows but y has 9 labels"):
        train_test_split(X, y[:9], 0.5, rng)


def test_negative_regularisation_is_rejected(rng, nb):
    X, y = make_moons(10, 0.1, rng)
    with pytest.raises(ValueError, match=r"regularisation strength must be a number >= 0, got -0.1"):
        fit(Sequential([Dense(2, 2, rng)]), X, y, SGD(0.1), num_epochs=1, reg=-0.1)
    with pytest.raises(ValueError, match="regularisation strength must be >= 0"):
        nb["train_network"](X, y, reg=-1.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=1, noise=0.1), "n must be a whole number >= 2"),
    (dict(n=10, noise=-0.1), "noise must be >= 0"),
])
def test_make_moons_rejects_bad_arguments(kwargs, message, rng):
    with pytest.raises(ValueError, match=message):
        make_moons(rng=rng, **kwargs)
