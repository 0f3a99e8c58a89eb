"""SGD: plain and momentum steps by hand, PyTorch's convention, state kept with the parameter, one optimiser for two models."""

import numpy as np
import pytest

from helpers.datasets import logic_gate, make_moons
from helpers.layers import Dense, Tanh
from helpers.model import Sequential, fit
from helpers.optim import SGD


def test_plain_step_is_p_minus_lr_times_gradient(rng):
    layer = Dense(3, 2, rng)
    W0, b0 = layer.W.copy(), layer.b.copy()
    layer.dW, layer.db = rng.normal(size=(3, 2)), rng.normal(size=2)
    SGD(0.3).step([layer])
    np.testing.assert_allclose(layer.W, W0 - 0.3 * layer.dW)
    np.testing.assert_allclose(layer.b, b0 - 0.3 * layer.db)
    assert not hasattr(layer, "velocity")  # plain SGD keeps no state


def test_momentum_follows_pytorchs_convention(rng):
    # torch.optim.SGD: v = mu * v + g; p -= lr * v. With a learning rate changed between steps, the old
    # convention (v = mu * v - lr * g; p += v) gives a different p, so this pins the convention down.
    layer = Dense(1, 1, rng)
    w0 = layer.W.copy()
    opt = SGD(lr=0.1, momentum=0.9)
    layer.dW[...] = 1.0
    layer.db[...] = 0.0
    opt.step([layer])  # v = 1, w = w0 - 0.1
    opt.lr = 0.01
    layer.dW = np.full((1, 1), 2.0)
    opt.step([layer])  # v = 0.9 + 2 = 2.9, w = w0 - 0.1 - 0.029
    np.testing.assert_allclose(layer.W, w0 - 0.129)
    np.testing.assert_allclose(layer.velocity["W"], [[2.9]])  # the state lives with the parameter


def test_one_optimizer_trains_two_models_of_different_shapes():
    opt = SGD(0.5, momentum=0.5)
    X, y = logic_gate("XOR")
    a = Sequential([Dense(2, 8, np.random.default_rng(0)), Tanh(), Dense(8, 2, np.random.default_rng(1))])
    fit(a, X, y, opt, num_epochs=300)
    Xm, ym = make_moons(100, 0.1, np.random.default_rng(0))
    b = Sequential([Dense(2, 3, np.random.default_rng(2)), Tanh(), Dense(3, 2, np.random.default_rng(3))])
    history = fit(b, Xm, ym, opt, num_epochs=300)
    fresh = Sequential([Dense(2, 3, np.random.default_rng(2)), Tanh(), Dense(3, 2, np.random.default_rng(3))])
    alone = fit(fresh, Xm, ym, SGD(0.5, momentum=0.5), num_epochs=300)
    assert a.predict_classes(X).tolist() == y.tolist()
    assert history["loss"] == alone["loss"]  # nothing from the first model leaked into the second
    np.testing.assert_array_equal(b.layers[0].W, fresh.layers[0].W)


def test_a_replaced_parameter_gets_a_fresh_velocity(rng):
    layer = Dense(2, 2, rng)
    opt = SGD(0.1, momentum=0.9)
    opt.step([layer])
    layer.W, layer.dW = np.zeros((3, 2)), np.ones((3, 2))
    opt.step([layer])
    np.testing.assert_allclose(layer.W, -0.1)


@pytest.mark.parametrize("momentum", [-0.1, 1.0, "0.9"])
def test_bad_momentum(momentum):
    with pytest.raises((ValueError, TypeError), match="SGD: momentum: expected"):
        SGD(0.1, momentum=momentum)
