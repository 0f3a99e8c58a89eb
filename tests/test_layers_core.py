"""Gradient checks and bad input for the core layers, losses, optimiser and training loop."""

import numpy as np
import pytest

from helpers.gradcheck import check_layer, numerical_gradient, rel_error
from helpers.layers import Dense, Flatten, ReLU, Sigmoid, Tanh
from helpers.losses import mse, one_hot, softmax_cross_entropy
from helpers.model import Sequential, TrainingDiverged, fit
from helpers.optim import SGD


@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 5), (7, 10, 2)])
def test_dense_gradients(shape, rng):
    N, num_in, num_out = shape
    layer = Dense(num_in, num_out, rng)
    layer.b[...] = rng.normal(size=num_out)
    errors = check_layer(layer, rng.normal(size=(N, num_in)), rng)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("layer_cls", [Sigmoid, Tanh, ReLU])
def test_activation_layer_gradients(layer_cls, rng):
    X = rng.normal(size=(6, 4))
    X[np.abs(X) < 1e-3] = 0.5  # keep ReLU's inputs away from its kink
    assert check_layer(layer_cls(), X, rng)["X"] < 1e-6


def test_flatten_round_trip(rng):
    X = rng.normal(size=(2, 3, 4, 5))
    layer = Flatten()
    assert layer.forward(X).shape == (2, 60)
    assert layer.backward(np.ones((2, 60))).shape == X.shape


def test_dense_rejects_wrong_input_shape(rng):
    layer = Dense(3, 2, rng)
    with pytest.raises(ValueError, match=r"Dense.forward: X: expected an array of shape \(N, 3\), got shape \(4, 5\)"):
        layer.forward(np.zeros((4, 5)))


def test_dense_needs_a_generator():
    with pytest.raises(TypeError, match="default_rng"):
        Dense(3, 2, rng=0)


def test_mse_gradient(rng):
    y_hat, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    loss, grad = mse(y_hat, y)
    assert loss == pytest.approx(0.5 * np.sum((y_hat - y) ** 2) / 5)
    assert rel_error(grad, numerical_gradient(lambda: mse(y_hat, y)[0], y_hat)) < 1e-7


def test_mse_shape_mismatch():
    with pytest.raises(ValueError, match=r"mse: y: expected targets of the predictions' shape \(4, 1\).*got shape \(4,\)"):
        mse(np.zeros((4, 1)), np.zeros(4))


@pytest.mark.parametrize("labels", ["int", "onehot"])
def test_softmax_cross_entropy_gradient(labels, rng):
    logits = rng.normal(size=(6, 4))
    y = rng.integers(4, size=6)
    target = y if labels == "int" else one_hot(y, 4)
    loss, grad = softmax_cross_entropy(logits, target)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(6), y])))
    num = numerical_gradient(lambda: softmax_cross_entropy(logits, target)[0], logits)
    assert rel_error(grad, num) < 1e-7


def test_softmax_cross_entropy_is_finite_for_huge_scores():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = softmax_cross_entropy(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert loss == pytest.approx(1000.0)


def test_softmax_cross_entropy_label_errors():
    with pytest.raises(ValueError, match="labels must lie in 0..2, got values from 0 to 3"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="2 rows of logits but 3 labels"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))


def test_sgd_momentum_matches_hand_computation(rng):
    layer = Dense(2, 1, rng)
    w0 = layer.W.copy()
    layer.dW[...] = 1.0
    layer.db[...] = 0.0
    opt = SGD(lr=0.1, momentum=0.9)
    opt.step([layer])  # v = -0.1, w = w0 - 0.1
    opt.step([layer])  # v = 0.9 * -0.1 - 0.1 = -0.19, w = w0 - 0.29
    np.testing.assert_allclose(layer.W, w0 - 0.29)


@pytest.mark.parametrize("lr, message", [(0, "a positive number, got 0.0"), (-1, "a positive number, got -1.0"),
                                         (float("inf"), "a finite number, got inf")])
def test_sgd_rejects_bad_learning_rate(lr, message):
    with pytest.raises(ValueError, match=f"SGD: lr: expected {message}"):
        SGD(lr)


def test_fit_learns_xor(rng):
    from helpers.datasets import logic_gate

    X, y = logic_gate("XOR")
    model = Sequential([Dense(2, 8, rng), Tanh(), Dense(8, 2, rng)])
    history = fit(model, X, y, SGD(0.5), num_epochs=500)
    assert model.predict_classes(X).tolist() == y.tolist()
    assert history["loss"][-1] < 0.05 < history["loss"][0]


def test_fit_reports_divergence_with_the_learning_rate(rng):
    X = rng.normal(size=(32, 3))
    y = rng.normal(size=(32, 1))
    model = Sequential([Dense(3, 16, rng), Dense(16, 1, rng)])
    with pytest.raises(TrainingDiverged, match=r"training diverged at learning rate 10 \(the loss became .* in "
                                               r"epoch \d+, batch 1\): .*try a smaller one"):
        fit(model, X, y, SGD(10.0), num_epochs=50, loss_fn=mse, accuracy=False)


def test_fit_mismatched_lengths(rng):
    model = Sequential([Dense(2, 2, rng)])
    with pytest.raises(ValueError, match="X has 4 examples but y has 3"):
        fit(model, np.zeros((4, 2)), np.zeros(3, dtype=int), SGD(0.1), num_epochs=1)


# --- the reference convolution and pooling -------------------------------------------------------------------

from helpers.layers import Conv2D, MaxPool2D, col2im, conv2d_naive, im2col  # noqa: E402


@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (1, 2)])
def test_conv2d_equals_the_loops_and_passes_the_gradient_check(stride, padding, rng):
    layer = Conv2D(2, 3, 3, rng, stride=stride, padding=padding, dtype=np.float64)
    layer.b[...] = rng.normal(size=3)
    X = rng.normal(size=(2, 2, 5, 6))
    np.testing.assert_allclose(layer.forward(X), conv2d_naive(X, layer.W, layer.b, stride, padding), atol=1e-12)
    assert layer.forward(X).flags.c_contiguous  # no channels-last view
    errors = check_layer(layer, X, rng)
    assert max(errors.values()) < 1e-7, errors


def test_im2col_rows_are_patches_in_c_order(rng):
    X = rng.normal(size=(2, 3, 4, 4))
    cols = im2col(X, 2, 2)
    assert cols.shape == (2 * 3 * 3, 3 * 2 * 2)
    np.testing.assert_array_equal(cols[3 * 3 + 1 * 3 + 2], X[1, :, 1:3, 2:4].reshape(-1))  # image 1, row 1, col 2


def test_col2im_is_the_adjoint_of_im2col(rng):
    # <im2col(X), D> == <X, col2im(D)> for every X and D: the defining property of the backward pass
    X = rng.normal(size=(2, 2, 5, 5))
    D = rng.normal(size=im2col(X, 3, 3, 2, 1).shape)
    assert np.sum(im2col(X, 3, 3, 2, 1) * D) == pytest.approx(np.sum(X * col2im(D, X.shape, 3, 3, 2, 1)))


def test_maxpool_forward_backward_and_ties(rng):
    X = rng.normal(size=(2, 3, 4, 6))
    layer = MaxPool2D(2)
    out = layer.forward(X)
    np.testing.assert_array_equal(out, X.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5)))
    assert check_layer(layer, X, rng)["X"] < 1e-7
    tied = np.zeros((1, 1, 2, 2))  # four equal values: the gradient goes to the first one only
    layer.forward(tied)
    np.testing.assert_array_equal(layer.backward(np.ones((1, 1, 1, 1)))[0, 0], [[1, 0], [0, 0]])


def test_dense_backward_is_the_three_lines_of_math(rng):
    layer = Dense(4, 3, rng)
    X, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer.forward(X)
    dX = layer.backward(dout)
    np.testing.assert_allclose(layer.dW, X.T @ dout)
    np.testing.assert_allclose(layer.db, dout.sum(axis=0))
    np.testing.assert_allclose(dX, dout @ layer.W.T)
