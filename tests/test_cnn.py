"""The CNN's reference layers (gradients against numerical checks, im2col against loops, bad input),
and notebook 06's network (helpers.networks.mnist_cnn, fast layers) learning on a subset of MNIST."""

import numpy as np
import pytest

from helpers.gradcheck import check_layer, numerical_gradient, rel_error
from helpers.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, col2im, conv2d_naive, im2col
from helpers.losses import softmax_cross_entropy
from helpers.model import Sequential


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", [0, 1])
def test_conv2d_gradients(stride, padding, rng):
    layer = Conv2D(3, 4, 3, rng, stride=stride, padding=padding, dtype=np.float64)
    layer.b[...] = rng.normal(size=4)
    errors = check_layer(layer, rng.normal(size=(2, 3, 7, 6)), rng)
    assert max(errors.values()) < 1e-6, errors  # about 1e-8 expected in float64


def test_conv2d_rectangular_kernel_gradients(rng):
    layer = Conv2D(2, 3, (2, 3), rng, dtype=np.float64)
    errors = check_layer(layer, rng.normal(size=(2, 2, 5, 5)), rng)
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
def test_fast_convolution_equals_loops(stride, padding, rng):
    layer = Conv2D(3, 5, 3, rng, stride=stride, padding=padding, dtype=np.float64)
    layer.b[...] = rng.normal(size=5)
    X = rng.normal(size=(2, 3, 8, 9))
    fast = layer.forward(X)
    slow = conv2d_naive(X, layer.W, layer.b, stride=stride, padding=padding)
    assert fast.shape == slow.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-10, atol=1e-12)


def test_col2im_is_the_adjoint_of_im2col(rng):
    # <im2col(X), C> == <X, col2im(C)> for every X and C: the backward pass of im2col is exact
    X = rng.normal(size=(2, 3, 6, 5))
    cols = im2col(X, 3, 2, stride=2, padding=1)
    C = rng.normal(size=cols.shape)
    assert np.isclose(np.sum(cols * C), np.sum(X * col2im(C, X.shape, 3, 2, stride=2, padding=1)))


def test_maxpool_gradients(rng):
    errors = check_layer(MaxPool2D(2), rng.normal(size=(2, 3, 4, 6)), rng)
    assert errors["X"] < 1e-6
    errors = check_layer(MaxPool2D(3), rng.normal(size=(1, 2, 6, 3)), rng)
    assert errors["X"] < 1e-6


def test_maxpool_sends_the_gradient_to_the_maximum_only():
    X = np.array([[[[1.0, 5.0], [3.0, 2.0]]]])
    layer = MaxPool2D(2)
    assert layer.forward(X).tolist() == [[[[5.0]]]]
    assert layer.backward(np.array([[[[7.0]]]])).tolist() == [[[[0.0, 7.0], [0.0, 0.0]]]]


def test_maxpool_ties_send_the_gradient_once():
    layer = MaxPool2D(2)
    layer.forward(np.zeros((1, 1, 2, 2)))  # a blank window: four equal maxima
    dX = layer.backward(np.ones((1, 1, 1, 1)))
    assert dX.sum() == 1.0 and dX[0, 0, 0, 0] == 1.0


def test_maxpool_on_channels_last_memory_matches_c_order(rng):
    X = rng.normal(size=(2, 6, 6, 3)).astype(np.float32).transpose(0, 3, 1, 2)  # (N, C, H, W) view, channels last
    a, b = MaxPool2D(2), MaxPool2D(2)
    np.testing.assert_array_equal(a.forward(X), b.forward(np.ascontiguousarray(X)))
    d = rng.normal(size=(2, 3, 3, 3)).astype(np.float32)
    np.testing.assert_array_equal(a.backward(d), b.backward(d))


def test_dense_and_relu_gradients_float64(rng):
    assert max(check_layer(Dense(12, 5, rng), rng.normal(size=(3, 12)), rng).values()) < 1e-6
    X = rng.normal(size=(3, 4, 2, 2))
    X[np.abs(X) < 1e-3] = 0.1
    assert check_layer(ReLU(), X, rng)["X"] < 1e-6


def test_softmax_cross_entropy_gradient_on_cnn_scores(rng):
    logits = rng.normal(scale=5, size=(8, 10))
    y = rng.integers(10, size=8)
    _, grad = softmax_cross_entropy(logits, y)
    numerical = numerical_gradient(lambda: softmax_cross_entropy(logits, y)[0], logits)
    # large scores give probabilities near 0 whose tiny gradients (1e-9) are all rounding noise
    # numerically, so compare with an absolute floor as well as a relative tolerance
    np.testing.assert_allclose(grad, numerical, rtol=1e-6, atol=1e-9)


def test_whole_cnn_gradient(rng):
    # the full stack of notebook 06, small: every parameter's gradient checked through the loss
    model = Sequential([Conv2D(1, 2, 3, rng, dtype=np.float64), MaxPool2D(2), ReLU(), Flatten(),
                        Dense(2 * 3 * 3, 4, rng), ReLU(), Dense(4, 3, rng)])
    X = rng.normal(size=(3, 1, 8, 8))
    y = np.array([0, 2, 1])

    def loss():
        return softmax_cross_entropy(model.forward(X), y)[0]

    _, dout = softmax_cross_entropy(model.forward(X), y)
    model.backward(dout)
    for layer in model.layers:
        for name in layer.param_names:
            analytic = getattr(layer, "d" + name).copy()
            assert rel_error(analytic, numerical_gradient(loss, getattr(layer, name))) < 1e-6, (layer, name)


def test_float32_stays_float32(rng):
    model = Sequential([Conv2D(1, 4, 3, rng), MaxPool2D(2), ReLU(), Flatten(), Dense(4 * 13 * 13, 10, rng, dtype=np.float32)])
    out = model.forward(np.zeros((2, 1, 28, 28), dtype=np.float32))
    assert out.dtype == np.float32
    model.backward(np.ones_like(out))
    assert model.layers[0].dW.dtype == np.float32


def test_conv_rejects_wrong_image_shape(rng):
    layer = Conv2D(1, 4, 3, rng)
    with pytest.raises(ValueError, match=r"expected images of shape \(N, 1, H, W\), got shape \(2, 28, 28\)"):
        layer.forward(np.zeros((2, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"expected images of shape \(N, 1, H, W\), got shape \(2, 3, 28, 28\)"):
        layer.forward(np.zeros((2, 3, 28, 28), dtype=np.float32))


def test_conv_rejects_wrong_dtype(rng):
    layer = Conv2D(1, 4, 3, rng)
    with pytest.raises(TypeError, match="expected floating-point images .* got dtype uint8"):
        layer.forward(np.zeros((2, 1, 28, 28), dtype=np.uint8))
    with pytest.raises(TypeError, match="images are float64 but the filters are float32"):
        layer.forward(np.zeros((2, 1, 28, 28)))


def test_conv_rejects_kernel_larger_than_image(rng):
    layer = Conv2D(1, 4, 5, rng)
    with pytest.raises(ValueError, match=r"kernel 5 is larger than the padded input height 3 \+ 2\*0 = 3"):
        layer.forward(np.zeros((1, 1, 3, 8), dtype=np.float32))


def test_pool_size_must_divide_the_input():
    with pytest.raises(ValueError, match=r"pool size 2 does not divide the input's height and width 5x6 "
                                         r"\(input shape \(1, 3, 5, 6\)\)"):
        MaxPool2D(2).forward(np.zeros((1, 3, 5, 6)))


def test_short_training_on_a_subset_reaches_90_percent():
    import os
    from pathlib import Path

    from helpers.datasets import MNIST_FILES, load_mnist
    from helpers.fast import SGD
    from helpers.model import fit
    from helpers.networks import mnist_cnn

    folder = Path(os.environ.get("NN_DATA_DIR") or "/nonexistent")
    if not all((folder / name).is_file() for name in MNIST_FILES):
        pytest.skip("MNIST files not found: set NN_DATA_DIR to the folder that holds them")
    X_train, y_train, X_test, y_test = load_mnist(folder, scale=True)
    rng = np.random.default_rng(0)
    X = X_train[:2000].reshape(-1, 1, 28, 28)
    model = mnist_cnn(rng)
    # seeds 0-4 give 92-93 % with this recipe (measured); the bar is 90 %
    history = fit(model, X, y_train[:2000], SGD(0.05, momentum=0.9), num_epochs=4, batch_size=32, rng=rng,
                  lr_schedule=lambda epoch: 0.05 * 0.6 ** (epoch - 1))
    accuracy = np.mean(model.predict_classes(X_test[:1000].reshape(-1, 1, 28, 28)) == y_test[:1000])
    assert history["loss"][-1] < history["loss"][0]
    assert accuracy >= 0.90, f"4 epochs on 2 000 images should give >= 90 % on 1 000 test images, got {accuracy:.3f}"
