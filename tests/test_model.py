"""fit and Sequential: the returned records, the callbacks, schedules, shuffling, L2, and what fit refuses."""

import numpy as np
import pytest

from helpers.datasets import logic_gate, make_moons
from helpers.layers import Conv2D, Dense, Flatten, Sigmoid, Tanh
from helpers.losses import l2_penalty, mse, softmax_cross_entropy
from helpers.model import Sequential, fit
from helpers.optim import SGD


def moons_net(seed=0, num_hidden=3):
    r = np.random.default_rng(seed)
    return Sequential([Dense(2, num_hidden, r), Tanh(), Dense(num_hidden, 2, r)])


@pytest.fixture
def moons():
    return make_moons(60, 0.1, np.random.default_rng(1))


def test_fit_returns_a_plain_dict_of_per_epoch_lists_and_prints_nothing(moons, capsys):
    X, y = moons
    history = fit(moons_net(), X, y, SGD(0.5), num_epochs=3, batch_size=16, rng=np.random.default_rng(0),
                  X_val=X[:20], y_val=y[:20])
    assert type(history) is dict
    assert sorted(history) == ["acc", "loss", "time", "val_acc", "val_loss"]
    assert all(len(v) == 3 for v in history.values())
    assert capsys.readouterr().out == ""
    assert history["time"] == sorted(history["time"])


def test_recorded_accuracy_and_val_loss_are_the_models(moons):
    # full batch, so every epoch's record is the loss/accuracy of the weights before that epoch's step
    X, y = moons
    model = moons_net()
    history = fit(model, X, y, SGD(0.5), num_epochs=40, X_val=X[:30], y_val=y[:30])
    out = model.forward(X)
    expected_last_acc = np.mean(model.predict_classes(X) == y)
    assert 0.7 < history["acc"][-1] and history["acc"][-1] == pytest.approx(expected_last_acc, abs=0.05)
    assert history["val_loss"][-1] == pytest.approx(softmax_cross_entropy(model.forward(X[:30]), y[:30])[0])
    assert history["val_acc"][-1] == pytest.approx(np.mean(model.predict_classes(X[:30]) == y[:30]))
    assert history["val_loss"][0] > 0 and out.shape == (60, 2)


def test_callbacks_are_called_after_every_step_and_every_epoch(moons):
    X, y = moons
    batches, epochs = [], []
    fit(moons_net(), X, y, SGD(0.5), num_epochs=2, batch_size=25, rng=np.random.default_rng(0),
        on_batch=lambda *args: batches.append(args), on_epoch=lambda e, r: epochs.append((e, r)))
    assert [b[:3] for b in batches] == [(1, 1, 3), (1, 2, 3), (1, 3, 3), (2, 1, 3), (2, 2, 3), (2, 3, 3)]
    assert all(isinstance(b[3], float) and b[3] > 0 for b in batches)
    assert [e for e, _ in epochs] == [1, 2]
    assert sorted(epochs[0][1]) == ["acc", "epoch", "loss", "lr", "time", "val_acc", "val_loss"]
    assert epochs[1][1]["lr"] == 0.5 and epochs[1][1]["val_acc"] is None


def test_the_lr_schedule_sets_the_learning_rate_every_epoch(moons):
    X, y = moons
    seen = []
    opt = SGD(1.0)
    fit(moons_net(), X, y, opt, num_epochs=3, lr_schedule=lambda epoch: 0.1 / epoch,
        on_epoch=lambda e, r: seen.append(r["lr"]))
    assert seen == pytest.approx([0.1, 0.05, 0.1 / 3]) and opt.lr == pytest.approx(0.1 / 3)
    # and it is really used: a schedule of 0.1 gives the same weights as a fixed 0.1
    a, b = moons_net(), moons_net()
    fit(a, X, y, SGD(5.0), num_epochs=5, lr_schedule=lambda epoch: 0.1)
    fit(b, X, y, SGD(0.1), num_epochs=5)
    np.testing.assert_array_equal(a.layers[0].W, b.layers[0].W)


@pytest.mark.parametrize("value, error", [(0.0, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
                                          ("0.1", TypeError)])
def test_bad_values_of_the_lr_schedule_are_refused(moons, value, error):
    X, y = moons
    with pytest.raises(error, match=r"fit: lr_schedule\(2\): expected a"):
        fit(moons_net(), X, y, SGD(0.1), num_epochs=3, lr_schedule=lambda epoch: 0.1 if epoch == 1 else value)


def test_mini_batches_are_shuffled_every_epoch():
    # Record which rows each batch holds: the order differs between epochs and every row is seen once.
    X = np.arange(12, dtype=float)[:, None]
    y = np.zeros((12, 1))
    seen = []

    class Spy(Dense):
        def forward(self, X):
            seen.append(X[:, 0].tolist())
            return super().forward(X)

    model = Sequential([Spy(1, 1, np.random.default_rng(0))])
    fit(model, X, y, SGD(0.01), num_epochs=2, batch_size=4, rng=np.random.default_rng(0), loss_fn=mse)
    epoch1, epoch2 = sum(seen[:3], []), sum(seen[3:], [])
    assert sorted(epoch1) == sorted(epoch2) == list(range(12))
    assert epoch1 != list(range(12)) and epoch1 != epoch2


def test_the_same_seed_gives_the_same_run(moons):
    X, y = moons
    runs = [fit(moons_net(), X, y, SGD(0.5), num_epochs=2, batch_size=8, rng=np.random.default_rng(3))["loss"]
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_fit_adds_l2_once_from_l2_penalty(moons):
    X, y = moons
    reg = 0.2
    a, b = moons_net(), moons_net()
    fit(a, X, y, SGD(0.5), num_epochs=1, reg=reg)
    # one step by hand
    loss, dout = softmax_cross_entropy(b.forward(X), y)
    b.backward(dout)
    _, grads = l2_penalty([b.layers[0].W, b.layers[2].W], reg)
    for layer, g in zip((b.layers[0], b.layers[2]), grads):
        layer.W -= 0.5 * (layer.dW + g)
    np.testing.assert_allclose(a.layers[0].W, b.layers[0].W)
    np.testing.assert_allclose(a.layers[2].W, b.layers[2].W)


def test_no_accuracy_for_one_column_regression_targets(rng):
    X = rng.normal(size=(20, 2))
    y = X @ np.array([[1.0], [-2.0]])
    history = fit(Sequential([Dense(2, 1, rng)]), X, y, SGD(0.1), num_epochs=3, loss_fn=mse, X_val=X, y_val=y)
    assert history["acc"] == [] and history["val_acc"] == [] and len(history["val_loss"]) == 3


def test_accuracy_from_one_hot_targets_matches_integer_labels(moons):
    X, y = moons
    h1 = fit(moons_net(), X, y, SGD(0.5), num_epochs=5)
    h2 = fit(moons_net(), X, np.eye(2)[y], SGD(0.5), num_epochs=5)
    assert h1["acc"] == h2["acc"] and h1["loss"] == pytest.approx(h2["loss"])


def test_sequential_leaves_the_layers_modes_alone(rng):
    conv = Conv2D(1, 2, 3, rng, dtype=np.float64)
    model = Sequential([conv, Flatten(), Dense(2 * 4 * 4, 2, rng)])
    assert conv.needs_input_grad is True
    model.forward(rng.normal(size=(2, 1, 6, 6)))
    assert model.backward(np.ones((2, 2))).shape == (2, 1, 6, 6)
    first = Conv2D(1, 2, 3, rng, dtype=np.float64, needs_input_grad=False)
    first.forward(rng.normal(size=(2, 1, 6, 6)))
    assert first.backward(np.ones((2, 2, 4, 4))) is None and first.dW.shape == (2, 1, 3, 3)


def test_predict_in_batches_equals_one_forward(rng):
    model = Sequential([Dense(3, 4, rng), Sigmoid(), Dense(4, 2, rng)])
    X = rng.normal(size=(25, 3))
    np.testing.assert_allclose(model.predict(X, batch_size=7), model.forward(X))
    assert model.predict_classes(X).shape == (25,)


def test_fit_learns_xor(rng):
    X, y = logic_gate("XOR")
    model = Sequential([Dense(2, 8, rng), Tanh(), Dense(8, 2, rng)])
    history = fit(model, X, y, SGD(0.5), num_epochs=500)
    assert model.predict_classes(X).tolist() == y.tolist()
    assert history["acc"][-1] == 1.0 and history["acc"][0] < 1.0
