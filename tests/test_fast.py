"""The fast layers (helpers.fast) against the reference layers (helpers.layers): same outputs, same gradients.

Float32 comparisons allow for a different order of summation; the tie tests use small integers,
for which float32 arithmetic is exact, so there the two must agree bit for bit.
"""

import numpy as np
import pytest

from helpers import fast, layers, optim
from helpers.gradcheck import check_layer, numerical_gradient, rel_error
from helpers.losses import softmax_cross_entropy
from helpers.model import Sequential
from helpers.networks import mnist_cnn


def _reference_conv(C, F, kernel, seed, stride, padding, dtype):
    rng = np.random.default_rng(seed)
    try:
        return layers.Conv2D(C, F, kernel, rng, stride=stride, padding=padding, dtype=dtype, needs_input_grad=True)
    except TypeError:  # a reference Conv2D without the needs_input_grad argument computes dX anyway
        return layers.Conv2D(C, F, kernel, rng, stride=stride, padding=padding, dtype=dtype)


def _pair(C, F, kernel, stride, padding, pool, dtype, seed=1):
    """(reference [Conv2D, MaxPool2D, ReLU], fast ConvPoolReLU) built from the same seed."""
    conv = _reference_conv(C, F, kernel, seed, stride, padding, dtype)
    layer = fast.ConvPoolReLU(C, F, kernel, np.random.default_rng(seed), stride=stride, padding=padding,
                              pool_size=pool, dtype=dtype)
    return [conv, layers.MaxPool2D(pool), layers.ReLU()], layer


def _run(stack, X, dout):
    out = X
    for layer in stack:
        out = layer.forward(out)
    grad = dout
    for layer in reversed(stack):
        grad = layer.backward(grad)
    return out, grad


# (C, F, kernel, stride, padding, pool, N, H, W): each gives a convolution output divisible by the pool
CASES = [
    (1, 32, 3, 1, 0, 2, 4, 28, 28),  # notebook 06's layer
    (1, 4, 3, 1, 0, 2, 3, 8, 8),
    (3, 5, 3, 2, 1, 2, 2, 11, 11),  # stride and padding
    (2, 3, (2, 3), 1, 1, 3, 2, 8, 9),  # rectangular kernel, pool 3
    (2, 6, 3, 2, 2, 2, 3, 9, 13),  # padding 2, rectangular images
    (4, 2, 1, 1, 0, 1, 2, 3, 5),  # 1x1 kernel, pool 1
]


@pytest.mark.parametrize("C, F, kernel, stride, padding, pool, N, H, W", CASES)
def test_conv_pool_relu_equals_the_reference_float32(C, F, kernel, stride, padding, pool, N, H, W, rng):
    ref, layer = _pair(C, F, kernel, stride, padding, pool, np.float32)
    np.testing.assert_array_equal(layer.W, ref[0].W)  # the same initial filters from the same seed
    b = rng.normal(scale=0.5, size=F).astype(np.float32)
    ref[0].b[...] = b
    layer.b = b
    X = rng.normal(size=(N, C, H, W)).astype(np.float32)
    out_ref = ref[0].forward(X)
    dout = rng.normal(size=(N, F, out_ref.shape[2] // pool, out_ref.shape[3] // pool)).astype(np.float32)
    out_ref, dX_ref = _run(ref, X, dout)
    out = layer.forward(X)
    dX = layer.backward(dout)
    assert out.shape == out_ref.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, out_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dX, dX_ref, rtol=1e-5, atol=1e-5)
    scale = np.abs(ref[0].dW).max()
    np.testing.assert_allclose(layer.dW, ref[0].dW, rtol=1e-4, atol=1e-5 * scale)
    np.testing.assert_allclose(layer.db, ref[0].db, rtol=1e-4, atol=1e-5 * np.abs(ref[0].db).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("C, F, kernel, stride, padding, pool, N, H, W", CASES[1:5])
def test_ties_go_to_the_first_maximum_like_the_reference(C, F, kernel, stride, padding, pool, N, H, W, dtype, rng):
    # small integers: every sum is exact, so blank areas give exactly equal values in a window
    ref, layer = _pair(C, F, kernel, stride, padding, pool, dtype)
    W_int = rng.integers(-2, 3, size=ref[0].W.shape).astype(dtype)
    b_int = rng.integers(-1, 2, size=F).astype(dtype)  # positive, zero and negative: ReLU blocks some ties
    ref[0].W[...], ref[0].b[...] = W_int, b_int
    layer.W, layer.b = W_int, b_int
    X = rng.integers(0, 2, size=(N, C, H, W)).astype(dtype)
    X[:, :, : H // 2] = 0  # a blank half: whole windows of ties
    out = layer.forward(X)
    dout = rng.integers(-3, 4, size=out.shape).astype(dtype)
    dX = layer.backward(dout)
    out_ref, dX_ref = _run(ref, X, dout)
    np.testing.assert_array_equal(out, out_ref)
    np.testing.assert_array_equal(dX, dX_ref)
    np.testing.assert_array_equal(layer.dW, ref[0].dW)
    np.testing.assert_array_equal(layer.db, ref[0].db)
    assert np.sum(dX != 0) > 0


def test_a_tied_window_sends_its_gradient_to_the_first_position_only():
    layer = fast.ConvPoolReLU(1, 1, 1, np.random.default_rng(0), pool_size=2, dtype=np.float64)
    layer.W, layer.b = np.ones((1, 1, 1, 1)), np.zeros(1)
    X = np.array([[[[2.0, 2.0], [2.0, 2.0]]]])
    assert layer.forward(X).tolist() == [[[[2.0]]]]
    assert layer.backward(np.array([[[[5.0]]]])).tolist() == [[[[5.0, 0.0], [0.0, 0.0]]]]


def test_relu_blocks_the_gradient_of_a_non_positive_maximum():
    layer = fast.ConvPoolReLU(1, 1, 1, np.random.default_rng(0), pool_size=2, dtype=np.float64)
    layer.W, layer.b = np.ones((1, 1, 1, 1)), np.zeros(1)
    X = np.array([[[[-1.0, -3.0], [-2.0, 0.0]]]])
    assert layer.forward(X).tolist() == [[[[0.0]]]]
    layer.backward(np.array([[[[5.0]]]]))
    assert layer.dW.tolist() == [[[[0.0]]]] and layer.db.tolist() == [0.0]


@pytest.mark.parametrize("stride, padding, pool", [(1, 0, 2), (2, 1, 2), (1, 1, 3)])
def test_conv_pool_relu_gradients_float64(stride, padding, pool, rng):
    layer = fast.ConvPoolReLU(2, 3, 3, rng, stride=stride, padding=padding, pool_size=pool, dtype=np.float64)
    layer.b = rng.normal(size=3)
    H = {(1, 0, 2): 8, (2, 1, 2): 11, (1, 1, 3): 9}[(stride, padding, pool)]
    errors = check_layer(layer, rng.normal(size=(2, 2, H, H)), rng)
    assert max(errors.values()) < 1e-6, errors  # about 1e-9 expected in float64


def test_first_layer_skips_the_input_gradient(rng):
    ref, layer = _pair(1, 4, 3, 1, 0, 2, np.float32)
    first = fast.ConvPoolReLU(1, 4, 3, np.random.default_rng(1), needs_input_grad=False)
    X = rng.normal(size=(3, 1, 10, 10)).astype(np.float32)
    dout = rng.normal(size=(3, 4, 4, 4)).astype(np.float32)
    layer.forward(X), first.forward(X)
    assert layer.backward(dout) is not None
    assert first.backward(dout) is None
    np.testing.assert_array_equal(first.dW, layer.dW)
    np.testing.assert_array_equal(first.db, layer.db)


def test_buffers_follow_the_batch_shape(rng):
    # the layer reuses its working arrays per batch shape: alternating shapes must not mix them up
    ref, layer = _pair(1, 4, 3, 1, 0, 2, np.float64)
    for N in (3, 5, 3):
        X = rng.normal(size=(N, 1, 8, 8))
        out_ref = ref[2].forward(ref[1].forward(ref[0].forward(X)))
        np.testing.assert_allclose(layer.forward(X), out_ref, rtol=1e-12)


def test_parameters_are_views_an_optimiser_can_update_in_place(rng):
    layer = fast.ConvPoolReLU(1, 2, 3, rng, dtype=np.float64)
    X = rng.normal(size=(1, 1, 8, 8))
    layer.W *= 0.0  # in place on the views: the forward pass must see the change
    layer.b += 2.0
    np.testing.assert_array_equal(layer.forward(X), np.full((1, 2, 3, 3), 2.0))


def test_conv_pool_relu_rejects_bad_input(rng):
    layer = fast.ConvPoolReLU(1, 4, 3, rng)
    with pytest.raises(ValueError, match=r"expected images of shape \(N, 1, H, W\), got shape \(2, 28, 28\)"):
        layer.forward(np.zeros((2, 28, 28), dtype=np.float32))
    with pytest.raises(TypeError, match="expected images of dtype float32 like the filters, got float64"):
        layer.forward(np.zeros((2, 1, 28, 28)))
    with pytest.raises(ValueError, match=r"pool size 2 does not divide the convolution's output 25x25"):
        layer.forward(np.zeros((2, 1, 27, 27), dtype=np.float32))
    with pytest.raises(ValueError, match="kernel 3 is larger than the padded input height 2"):
        layer.forward(np.zeros((2, 1, 2, 8), dtype=np.float32))
    layer.forward(np.zeros((2, 1, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match=r"expected dout of shape \(2, 4, 13, 13\), got \(2, 4, 26, 26\)"):
        layer.backward(np.zeros((2, 4, 26, 26), dtype=np.float32))


# ---------------------------------------------------------------------------------------------
# Dense, ReLU, Flatten


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_dense_equals_the_reference(dtype, tol, rng):
    ref = layers.Dense(37, 11, np.random.default_rng(3), weight_scale=0.2, dtype=dtype)
    layer = fast.Dense(37, 11, np.random.default_rng(3), weight_scale=0.2, dtype=dtype)
    assert layer.W.shape == (37, 11)
    np.testing.assert_array_equal(layer.W, ref.W)
    b = rng.normal(size=11).astype(dtype)
    ref.b[...], layer.b[...] = b, b
    X = rng.normal(size=(6, 37)).astype(dtype)
    dout = rng.normal(size=(6, 11)).astype(dtype)
    np.testing.assert_allclose(layer.forward(X), ref.forward(X), rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.backward(dout), ref.backward(dout), rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.dW, ref.dW, rtol=tol, atol=tol)
    np.testing.assert_allclose(layer.db, ref.db, rtol=tol, atol=tol)


def test_dense_gradients_float64(rng):
    layer = fast.Dense(12, 5, rng)
    layer.b[...] = rng.normal(size=5)
    assert max(check_layer(layer, rng.normal(size=(3, 12)), rng).values()) < 1e-7


def test_dense_rejects_wrong_input(rng):
    layer = fast.Dense(5408, 100, rng, dtype=np.float32)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 5408\), got \(2, 32, 13, 13\)"):
        layer.forward(np.zeros((2, 32, 13, 13), dtype=np.float32))


def test_relu_equals_the_reference(rng):
    X = rng.normal(size=(4, 7))
    X[0, :3] = 0.0
    dout = rng.normal(size=(4, 7))
    ref, layer = layers.ReLU(), fast.ReLU()
    np.testing.assert_array_equal(layer.forward(X), ref.forward(X))
    np.testing.assert_array_equal(layer.backward(dout), ref.backward(dout))


def test_flatten_copies_nothing_and_equals_the_reference(rng):
    X = rng.normal(size=(2, 3, 4, 5))
    layer = fast.Flatten()
    out = layer.forward(X)
    np.testing.assert_array_equal(out, layers.Flatten().forward(X))
    assert np.shares_memory(out, X)
    dout = rng.normal(size=out.shape)
    dX = layer.backward(dout)
    assert dX.shape == X.shape and np.shares_memory(dX, dout)
    np.testing.assert_array_equal(dX, dout.reshape(X.shape))


# ---------------------------------------------------------------------------------------------
# The optimiser step


def _pytorch_sgd(params, grads, velocities, lr, momentum):
    """PyTorch's convention written out: v = momentum * v + g; p -= lr * v."""
    for p, g, v in zip(params, grads, velocities):
        v *= momentum
        v += g
        p -= lr * v


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_follows_pytorchs_convention(momentum, rng):
    # a Dense layer big enough for the blocked path, a ConvPoolReLU (strided views), float32
    model = [fast.Dense(600, 300, rng, dtype=np.float32), fast.ConvPoolReLU(2, 3, 3, rng)]
    assert model[0].W.size > fast._BLOCK
    params = [np.array(getattr(layer, name)) for layer in model for name in layer.param_names]
    velocities = [np.zeros_like(p) for p in params]
    optimizer = fast.SGD(0.1, momentum=momentum)
    for step, lr in enumerate([0.1, 0.1, 0.05, 0.05]):  # the learning rate changes after two steps
        optimizer.lr = lr
        grads = []
        for layer in model:
            for name in layer.param_names:
                g = getattr(layer, "d" + name)
                g[...] = rng.normal(size=g.shape)
                grads.append(np.array(g))
        optimizer.step(model)
        _pytorch_sgd(params, grads, velocities, lr, momentum)
        got = [getattr(layer, name) for layer in model for name in layer.param_names]
        for p_got, p_expected in zip(got, params):
            np.testing.assert_allclose(p_got, p_expected, rtol=1e-6, atol=1e-6, err_msg=f"step {step}")


def test_one_sgd_trains_two_models_of_different_shapes(rng):
    optimizer = fast.SGD(0.5, momentum=0.9)
    X = rng.normal(size=(20, 4))
    y = (X[:, 0] > 0).astype(int)
    for num_hidden in (8, 3):
        model = Sequential([fast.Dense(4, num_hidden, rng), fast.ReLU(), fast.Dense(num_hidden, 2, rng)])
        first = softmax_cross_entropy(model.forward(X), y)[0]
        for _ in range(30):
            loss, dout = softmax_cross_entropy(model.forward(X), y)
            model.backward(dout)
            optimizer.step(model.layers)
        assert softmax_cross_entropy(model.forward(X), y)[0] < 0.5 * first


def test_sgd_shares_the_reference_optimisers_settings_and_state(rng):
    with pytest.raises(ValueError, match="SGD: lr: expected a positive number, got -1"):
        fast.SGD(-1)
    with pytest.raises(ValueError, match="SGD: momentum: expected a number below 1.0, got 1.5"):
        fast.SGD(0.1, momentum=1.5)
    # the velocity lives in layer.velocity, as helpers.optim.SGD keeps it: the two can take turns
    a, b = fast.Dense(5, 3, np.random.default_rng(1)), fast.Dense(5, 3, np.random.default_rng(1))
    ours, reference = fast.SGD(0.1, momentum=0.9), optim.SGD(0.1, momentum=0.9)
    for step, optimizer in enumerate([ours, reference, ours]):
        for layer in (a, b):
            layer.dW[...] = step + 1.0
            layer.db[...] = -1.0
        optimizer.step([a])
        reference.step([b])
        np.testing.assert_allclose(a.W, b.W, rtol=1e-12)
        np.testing.assert_allclose(a.velocity["W"], b.velocity["W"], rtol=1e-12)



def test_sgd_never_leaves_subnormal_velocities(rng):
    # a weight whose gradient stays zero keeps a velocity that shrinks by momentum each step; below
    # float32's smallest normal number (1.2e-38) the CPU's arithmetic slows down about 3x (the optimiser
    # step of notebook 06's CNN), so the fast SGD zeroes such velocities; the weights still equal the
    # reference optimiser's
    tiny = np.finfo(np.float32).tiny
    ours, ref = fast.Dense(6, 4, np.random.default_rng(2), dtype=np.float32), \
        fast.Dense(6, 4, np.random.default_rng(2), dtype=np.float32)
    fast_sgd, ref_sgd = fast.SGD(0.01, momentum=0.9), optim.SGD(0.01, momentum=0.9)
    reference_went_subnormal = False
    for step in range(1000):
        for layer in (ours, ref):
            layer.dW[...] = 1.0 if step == 0 else 0.0  # one gradient, then none: the velocity decays
            layer.dW[0, 0] = 1.0  # one weight keeps learning
            layer.db[...] = 0.0
        fast_sgd.step([ours])
        ref_sgd.step([ref])
        v = np.abs(ours.velocity["W"])
        assert np.all((v == 0) | (v >= tiny)), f"subnormal velocity at step {step}"
        r = np.abs(ref.velocity["W"])
        reference_went_subnormal |= bool(np.any((r > 0) & (r < tiny)))
        np.testing.assert_array_equal(ours.W, ref.W)
        np.testing.assert_allclose(ours.velocity["W"], ref.velocity["W"], rtol=1e-6, atol=1e-36)
    assert reference_went_subnormal  # the plain update would have gone through the slow numbers
    assert ours.velocity["W"][0, 0] == pytest.approx(10.0)  # the learning weight's velocity is untouched


# ---------------------------------------------------------------------------------------------
# The network


def _reference_cnn(rng, num_filters=32, num_hidden=100):
    num_flat = num_filters * 13 * 13
    return Sequential([layers.Conv2D(1, num_filters, 3, rng), layers.MaxPool2D(2), layers.ReLU(), layers.Flatten(),
                       layers.Dense(num_flat, num_hidden, rng, weight_scale=np.sqrt(2.0 / num_flat),
                                    dtype=np.float32),
                       layers.ReLU(), layers.Dense(num_hidden, 10, rng, dtype=np.float32)])


def test_mnist_cnn_equals_the_reference_network(rng):
    model, ref = mnist_cnn(np.random.default_rng(0)), _reference_cnn(np.random.default_rng(0))
    np.testing.assert_array_equal(model.layers[0].W, ref.layers[0].W)
    np.testing.assert_array_equal(model.layers[2].W, ref.layers[4].W)
    np.testing.assert_array_equal(model.layers[4].W, ref.layers[6].W)
    X = rng.random((8, 1, 28, 28), dtype=np.float32)
    y = rng.integers(10, size=8)
    out, out_ref = model.forward(X), ref.forward(X)
    assert out.shape == (8, 10) and out.dtype == np.float32
    np.testing.assert_allclose(out, out_ref, rtol=1e-4, atol=1e-5)
    model.backward(softmax_cross_entropy(out, y)[1])
    ref.backward(softmax_cross_entropy(out_ref, y)[1])
    for fast_layer, ref_layer in [(0, 0), (2, 4), (4, 6)]:
        for name in ("W", "b"):
            got = getattr(model.layers[fast_layer], "d" + name)
            expected = getattr(ref.layers[ref_layer], "d" + name)
            np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-5 * np.abs(expected).max())


def test_small_fast_cnn_gradient_float64(rng):
    model = Sequential([fast.ConvPoolReLU(1, 2, 3, rng, dtype=np.float64), fast.Flatten(),
                        fast.Dense(2 * 3 * 3, 4, rng), fast.ReLU(), fast.Dense(4, 3, rng)])
    X = rng.normal(size=(3, 1, 8, 8))
    y = np.array([0, 2, 1])

    def loss():
        return softmax_cross_entropy(model.forward(X), y)[0]

    model.backward(softmax_cross_entropy(model.forward(X), y)[1])
    for layer in model.layers:
        for name in layer.param_names:
            analytic = getattr(layer, "d" + name).copy()
            assert rel_error(analytic, numerical_gradient(loss, getattr(layer, name))) < 1e-6, (layer, name)


def test_mnist_cnn_rejects_bad_arguments():
    with pytest.raises(TypeError, match="mnist_cnn: rng"):
        mnist_cnn(0)
    with pytest.raises(ValueError, match="mnist_cnn: num_filters"):
        mnist_cnn(np.random.default_rng(0), num_filters=0)


def test_fit_with_l2_trains_the_fast_network(rng):
    # fit adds the L2 gradient with layer.dW = layer.dW + ...: the fast layers take the new value
    from helpers.model import fit

    model = Sequential([fast.ConvPoolReLU(1, 2, 3, rng, needs_input_grad=False), fast.Flatten(),
                        fast.Dense(2 * 3 * 3, 3, rng, dtype=np.float32)])
    X = rng.random((12, 1, 8, 8), dtype=np.float32)
    y = rng.integers(3, size=12)
    history = fit(model, X, y, fast.SGD(0.1, momentum=0.9), num_epochs=20, reg=1e-3)
    assert history["loss"][-1] < history["loss"][0]
