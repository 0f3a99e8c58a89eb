import numpy as np
import pytest

from helpers import activations as A
from helpers.gradcheck import numerical_gradient, rel_error


def elementwise_numeric_derivative(f, z, h=1e-5):
    return (f(z + h) - f(z - h)) / (2 * h)


@pytest.mark.parametrize("f, f_prime", [
    (A.sigmoid, A.sigmoid_prime),
    (A.tanh, A.tanh_prime),
])
def test_smooth_derivatives_match_numerical(f, f_prime, rng):
    z = rng.normal(scale=2, size=(5, 7))
    assert rel_error(f_prime(z), elementwise_numeric_derivative(f, z)) < 1e-6  # about 1e-8 expected


def test_relu_derivative_away_from_zero(rng):
    z = rng.normal(size=200)
    z = z[np.abs(z) > 1e-3]  # the kink at 0 has no derivative
    assert rel_error(A.relu_prime(z), elementwise_numeric_derivative(A.relu, z)) < 1e-8


def test_step_values_and_derivative():
    z = np.array([-2.0, -1e-9, 0.0, 3.0])
    assert A.step(z).tolist() == [0, 0, 1, 1]


def test_sigmoid_known_values_and_saturation():
    assert A.sigmoid(np.array([0.0]))[0] == 0.5
    assert A.sigmoid_prime(np.array([0.0]))[0] == 0.25
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow warning even far out in the tails
        s = A.sigmoid(np.array([-1000.0, 1000.0]))
    assert s.tolist() == [0.0, 1.0]
    assert A.sigmoid_prime(np.array([20.0]))[0] < 1e-8


def test_sigmoid_keeps_float32():
    assert A.sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_softmax_rows_sum_to_one_and_are_stable():
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = A.softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())


def test_softmax_jacobian_matches_numerical(rng):
    z = rng.normal(size=4)
    J = A.softmax_jacobian(z)
    for i in range(4):
        num = numerical_gradient(lambda: A.softmax(z)[i], z)
        assert rel_error(J[i], num) < 1e-7


def test_softmax_jacobian_rejects_a_batch():
    with pytest.raises(ValueError, match=r"shape \(K,\).*\(2, 3\)"):
        A.softmax_jacobian(np.zeros((2, 3)))


def test_sigmoid_keeps_its_relative_accuracy_in_both_tails():
    # Reference: 1 / (1 + exp(-z)) in 50-digit arithmetic (mpmath), for z from -700 to 700 in float64.
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    z = np.concatenate([np.linspace(-700, 700, 4001), [-745.0 + 1e-9, -37.5, -40.0, -1e-8, 0.0, 1e-8, 36.7]])
    z = z[z >= -700]
    exact = np.array([float(1 / (1 + mpmath.exp(-mpmath.mpf(float(v))))) for v in z])
    got = A.sigmoid(z)
    assert np.max(np.abs(got - exact) / exact) < 1e-12
    assert A.sigmoid(np.array([-40.0]))[0] == pytest.approx(4.248354255291589e-18, rel=1e-14)  # not 0


def test_sigmoid_float32_tail_and_lists():
    z = np.array([-80.0, -20.0, 0.0, 20.0], dtype=np.float32)
    s = A.sigmoid(z)
    assert s.dtype == np.float32 and s[0] > 0  # sigma(-80) = 1.8e-35 is a normal float32
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-z.astype(np.float64))), rtol=1e-6)
    assert A.sigmoid([0, 1]).dtype == np.float64  # a list of integers is accepted and made float


def test_relu_prime_is_zero_at_the_kink():
    assert A.relu_prime(np.array([-1.0, 0.0, 1e-300, 2.0])).tolist() == [0, 0, 1, 1]
    assert A.relu(np.array([-3.0, 0.0, 2.5])).tolist() == [0, 0, 2.5]


def test_softmax_of_infinite_scores_is_not_nan():
    p = A.softmax(np.array([[np.inf, 0.0, 1.0], [np.inf, np.inf, 0.0], [-np.inf, 0.0, 0.0]]))
    np.testing.assert_array_equal(p, [[1, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5]])
