"""Data augmentation: shift_images moves every image by its own small random shift, and fit applies
an augment function to every training batch, never to validation data."""

import numpy as np
import pytest

from helpers.datasets import shift_images
from helpers.layers import Dense, ReLU
from helpers.model import Sequential, fit
from helpers.optim import SGD


def _shift_of(image, shifted, max_shift):
    """The (dy, dx) that moves ``image`` onto ``shifted`` (zeros filling in), or None."""
    H, W = image.shape[-2:]
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            moved = np.zeros_like(image)
            moved[..., max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
                image[..., max(-dy, 0):H - max(dy, 0), max(-dx, 0):W - max(dx, 0)]
            if np.array_equal(moved, shifted):
                return dy, dx
    return None


@pytest.mark.parametrize("max_shift", [1, 2])
def test_every_image_is_moved_by_its_own_shift_within_the_limit(rng, max_shift):
    X = rng.uniform(0.1, 1.0, size=(300, 2, 6, 7)).astype(np.float32)  # no zeros: every shift is visible
    before = X.copy()
    out = shift_images(X, np.random.default_rng(1), max_shift=max_shift)
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_array_equal(X, before)  # the input is left alone
    shifts = [_shift_of(X[n], out[n], max_shift) for n in range(len(X))]
    assert None not in shifts
    assert set(shifts) == {(dy, dx) for dy in range(-max_shift, max_shift + 1)
                           for dx in range(-max_shift, max_shift + 1)}  # every shift is drawn


def test_a_shift_moves_down_and_right_for_positive_offsets():
    X = np.zeros((64, 1, 5, 5))
    X[:, 0, 2, 2] = 1.0  # one bright pixel in the middle
    out = shift_images(X, np.random.default_rng(0), max_shift=1)
    rows, cols = np.nonzero(out[:, 0].sum(axis=0))
    assert set(rows) == {1, 2, 3} and set(cols) == {1, 2, 3}
    assert np.all(out.sum(axis=(1, 2, 3)) == 1.0)  # nothing lost: the pixel only moved


def test_no_shift_gives_an_equal_copy(rng):
    X = rng.normal(size=(4, 1, 5, 5))
    out = shift_images(X, rng, max_shift=0)
    np.testing.assert_array_equal(out, X)
    assert not np.shares_memory(out, X)


@pytest.mark.parametrize("args, error, match", [
    ((np.zeros((2, 5, 5)), np.random.default_rng(0)), ValueError, r"shift_images: X: expected images of shape \(N, C, H, W\)"),
    ((np.zeros((2, 1, 5, 5)), None), TypeError, "shift_images: rng"),
    ((np.zeros((2, 1, 5, 5)), np.random.default_rng(0), -1), ValueError, "shift_images: max_shift: expected a whole number >= 0"),
    ((np.zeros((2, 1, 5, 5)), np.random.default_rng(0), 5), ValueError, "shift_images: max_shift: expected a shift smaller"),
])
def test_shift_images_rejects_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        shift_images(*args)


def test_fit_augments_every_training_batch_and_never_the_validation_data(rng):
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Dense(3, 8, rng), ReLU(), Dense(8, 2, rng)])
    batches = []

    def spy(X_batch, batch_rng):
        batches.append(X_batch.copy())
        assert batch_rng is rng  # fit hands over its own generator
        return X_batch

    fit(model, X, y, SGD(0.1), num_epochs=3, batch_size=8, rng=rng, X_val=X[:10], y_val=y[:10], augment=spy)
    assert len(batches) == 3 * 5  # 5 batches in each of 3 epochs, and nothing else
    assert all(b.shape == (8, 3) for b in batches)


def test_fit_trains_on_the_augmented_batches(rng):
    # an augment that swaps the sign of the inputs: the model learns the mirrored rule
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Dense(2, 2, rng)])
    fit(model, X, y, SGD(0.5), num_epochs=30, batch_size=20, rng=rng, augment=lambda Xb, r: -Xb)
    assert np.mean(model.predict_classes(-X) == y) > 0.95
    assert np.mean(model.predict_classes(X) == y) < 0.05


def test_fit_rejects_an_augment_that_changes_the_shape(rng):
    X = rng.normal(size=(20, 3))
    y = (X[:, 0] > 0).astype(int)
    model = Sequential([Dense(3, 2, rng)])
    with pytest.raises(ValueError, match=r"fit: augment: expected a function returning a batch of the same shape \(5, 3\)"):
        fit(model, X, y, SGD(0.1), num_epochs=1, batch_size=5, rng=rng, augment=lambda Xb, r: Xb[:2])
    with pytest.raises(TypeError, match="fit: augment: expected a function of"):
        fit(model, X, y, SGD(0.1), num_epochs=1, batch_size=5, rng=rng, augment=lambda Xb: Xb)
