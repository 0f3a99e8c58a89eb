"""Tests aimed at mutations that once survived the whole suite (issue 13): each would pass a broken helper.

Run ``python tests/mutants.py`` to apply each hand-made mutation of ``helpers`` in a scratch copy and check
that the unit tests catch it.
"""

import numpy as np
import pytest

from helpers.activations import relu_prime
from helpers.datasets import make_moons, train_test_split
from helpers.layers import Dense, Tanh
from helpers.losses import softmax_cross_entropy
from helpers.model import Sequential, fit
from helpers.optim import SGD


def small_net(seed=0):
    r = np.random.default_rng(seed)
    return Sequential([Dense(2, 4, r), Tanh(), Dense(4, 2, r)])


@pytest.fixture(scope="module")
def moons():
    return make_moons(80, 0.15, np.random.default_rng(2))


def test_fit_uses_its_learning_rate_schedule(moons):
    # mutant: fit ignores lr_schedule. A schedule of 1e-9 must leave the weights (almost) where they were.
    X, y = moons
    model = small_net()
    W0 = model.layers[0].W.copy()
    fit(model, X, y, SGD(1.0), num_epochs=3, lr_schedule=lambda epoch: 1e-9)
    assert np.max(np.abs(model.layers[0].W - W0)) < 1e-8
    moved = small_net()
    fit(moved, X, y, SGD(1e-9), num_epochs=3, lr_schedule=lambda epoch: 1.0)
    assert np.max(np.abs(moved.layers[0].W - W0)) > 1e-3


def test_fit_shuffles_the_mini_batches(moons):
    # mutant: fit never shuffles. The first batch of each epoch then always holds rows 0..9.
    X, y = moons
    firsts = []

    def on_batch(epoch, batch, num_batches, loss):
        if batch == 1:
            firsts.append(loss)

    fit(small_net(), X, y, SGD(1e-12), num_epochs=4, batch_size=10, rng=np.random.default_rng(0),
        on_batch=on_batch)
    # with a learning rate of 1e-12 the weights do not move: equal first-batch losses mean equal batches
    assert len(set(np.round(firsts, 12))) == 4
    in_order = softmax_cross_entropy(small_net().forward(X[:10]), y[:10])[0]
    assert not all(f == pytest.approx(in_order) for f in firsts)


def test_fit_records_the_real_accuracy_and_validation_loss(moons):
    # mutants: fit records accuracy 0, or val_loss 0.
    X, y = moons
    model = small_net()
    history = fit(model, X, y, SGD(1e-12), num_epochs=1, X_val=X[:40], y_val=y[:40])
    assert history["acc"][0] == pytest.approx(np.mean(small_net().predict_classes(X) == y))
    assert history["acc"][0] > 0.2
    assert history["val_loss"][0] == pytest.approx(softmax_cross_entropy(small_net().forward(X[:40]), y[:40])[0])
    assert history["val_acc"][0] == pytest.approx(np.mean(small_net().predict_classes(X[:40]) == y[:40]))


def test_train_test_split_rounds_each_class(rng):
    # mutant: int() instead of round(). 10 rows per class at 0.75 is 7.5 -> 8 (round half to even), not 7;
    # 5 rows at 0.3 is 1.5 -> 2, not 1.
    X = np.arange(20.0)[:, None]
    y = np.repeat([0, 1], 10)
    _, X_test, _, y_test = train_test_split(X, y, 0.75, rng)
    assert np.bincount(y_test).tolist() == [8, 8]
    _, _, _, y_test = train_test_split(X[:10], np.repeat([0, 1], 5), 0.3, rng)
    assert np.bincount(y_test).tolist() == [2, 2]
    _, _, _, y_test = train_test_split(X[:9], np.repeat([0, 1, 2], 3), 0.7, rng)  # 2.1 -> 2
    assert np.bincount(y_test).tolist() == [2, 2, 2]


def test_relu_prime_is_zero_at_zero():
    # mutant: relu_prime(0) returns 1 (z >= 0 instead of z > 0)
    assert relu_prime(np.array([0.0, -0.0])).tolist() == [0.0, 0.0]
    assert relu_prime(np.array([1e-320, -1e-320])).tolist() == [1.0, 0.0]
