import numpy as np
import pytest

from helpers.datasets import logic_gate
from helpers.perceptron import perceptron_predict, train_perceptron

SEEDS = range(20)
LR, NUM_STEPS = 0.1, 100  # the defaults of notebook 01


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOT"])
def test_learns_linearly_separable_gates_for_every_seed(gate):
    X, y = logic_gate(gate)
    for seed in SEEDS:
        run = train_perceptron(X, y, LR, NUM_STEPS, np.random.default_rng(seed))
        assert run.converged, f"{gate} not learned with seed {seed}"
        assert perceptron_predict(X, run.w, run.b).tolist() == y.tolist()


def test_never_learns_xor_for_any_seed():
    X, y = logic_gate("XOR")
    for seed in SEEDS:
        run = train_perceptron(X, y, LR, 1000, np.random.default_rng(seed))
        # at every one of the 1000 steps at least one of the four points is on the wrong side
        assert max(run.accuracy) <= 0.75, f"seed {seed} reached {max(run.accuracy)}"


def test_update_is_zero_when_prediction_is_right():
    X, y = logic_gate("AND")
    run = train_perceptron(X, y, 0.1, 50, np.random.default_rng(1))
    for (w0, b0), (w1, b1), err in zip(run.weights, run.weights[1:], run.errors):
        if err == 0:
            assert np.array_equal(w0, w1) and b0 == b1


def test_same_seed_same_result():
    X, y = logic_gate("OR")
    a = train_perceptron(X, y, 0.1, 100, np.random.default_rng(7))
    b = train_perceptron(X, y, 0.1, 100, np.random.default_rng(7))
    assert np.array_equal(a.w, b.w) and a.b == b.b and a.accuracy == b.accuracy


def test_mismatched_lengths_error_names_both():
    X, _ = logic_gate("AND")
    with pytest.raises(ValueError, match="X has 4 examples but y has 3 targets"):
        train_perceptron(X, np.array([0, 0, 1]), 0.1, 10, np.random.default_rng(0))


def test_non_binary_targets_error_names_the_values():
    X, _ = logic_gate("AND")
    with pytest.raises(ValueError, match=r"targets must be 0 or 1.*\[-1, 2\]"):
        train_perceptron(X, np.array([0, -1, 2, 1]), 0.1, 10, np.random.default_rng(0))


@pytest.mark.parametrize("lr", [0, -0.1, float("nan")])
def test_non_positive_learning_rate_is_rejected(lr):
    X, y = logic_gate("AND")
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        train_perceptron(X, y, lr, 10, np.random.default_rng(0))


def test_rng_must_be_a_generator():
    X, y = logic_gate("AND")
    with pytest.raises(TypeError, match="default_rng"):
        train_perceptron(X, y, 0.1, 10, 42)
