import numpy as np
import pytest

from helpers.datasets import logic_gate
from helpers.perceptron import line_outside_window, perceptron_predict, perceptron_update, train_perceptron

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


def test_perceptron_update_is_the_rule_and_leaves_its_inputs_alone():
    w, x = np.array([0.2, -0.4]), np.array([1.0, 1.0])
    w_new, b_new = perceptron_update(w, 0.1, x, 1.0, 0.5)    # w·x + b = -0.1: says 0, target 1
    assert np.allclose(w_new, [0.7, 0.1]) and b_new == pytest.approx(0.6)
    assert np.array_equal(w, [0.2, -0.4])
    w_same, b_same = perceptron_update(w, 0.1, x, 0.0, 0.5)  # right: nothing changes
    assert np.array_equal(w_same, w) and b_same == 0.1
    w_on, b_on = perceptron_update(np.array([-0.3, 0.6]), 0.3, np.array([1.0, 0.0]), 0.0, 0.5)  # sum exactly 0
    assert np.allclose(w_on, [-0.8, 0.6]) and b_on == pytest.approx(-0.2)  # step(0) = 1, target 0: error -1


def test_train_perceptron_equals_a_plain_loop_over_the_same_generator():
    X, y = logic_gate("NAND")
    run = train_perceptron(X, y, 0.1, 200, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    w, b = rng.uniform(-0.5, 0.5, size=2), float(rng.uniform(-0.5, 0.5))
    for _ in range(200):
        i = rng.integers(len(X))
        w, b = perceptron_update(w, b, X[i], y[i], 0.1)
    assert np.array_equal(run.w, w) and run.b == b


def test_train_perceptron_calls_the_given_update_at_every_step():
    X, y = logic_gate("OR")
    calls = []

    def update(w, b, x, target, lr):
        calls.append((x.copy(), target))
        return perceptron_update(w, b, x, target, lr)

    a = train_perceptron(X, y, 0.1, 30, np.random.default_rng(2), update=update)
    b = train_perceptron(X, y, 0.1, 30, np.random.default_rng(2))
    assert len(calls) == 30 and np.array_equal(a.w, b.w) and a.accuracy == b.accuracy


def test_a_wrong_update_changes_the_run():
    X, y = logic_gate("AND")

    def backwards(w, b, x, target, lr):
        error = float(x @ w + b >= 0) - target
        return w + lr * error * x, b + lr * error

    assert not train_perceptron(X, y, 0.1, 100, np.random.default_rng(0), update=backwards).converged


def test_update_must_be_a_function():
    X, y = logic_gate("AND")
    with pytest.raises(TypeError, match=r"update must be a function update\(w, b, x, y, lr\)"):
        train_perceptron(X, y, 0.1, 10, np.random.default_rng(0), update="rule")


@pytest.mark.parametrize("w, b, expected", [
    ([1.0, 1.0], -1.5, None),                                         # crosses the square
    ([0.1, 0.1], -0.5, "line outside the window: output 0 everywhere"),  # 0.1·1.25·2 - 0.5 < 0
    ([0.1, -0.1], 0.9, "line outside the window: output 1 everywhere"),
    ([0.0, 0.0], 0.0, "line outside the window: output 1 everywhere"),  # no line: step(0) = 1
    ([1.0, 0.0], -1.2, None),                                         # x1 = 1.2 lies inside [-0.25, 1.25]
    ([1.0, 0.0], -1.3, "line outside the window: output 0 everywhere"),
])
def test_line_outside_window(w, b, expected):
    assert line_outside_window(np.array(w), b) == expected
