"""Notebook 05's helpers: the reference training step, the Try-it answer checks, and the confusion matrix."""

import numpy as np
import pytest

from helpers.grading.digits import (check_inverted_answer, check_large_lr_answer, check_most_common_mistake,
                                    most_common_mistakes, train_step_reference)
from helpers.plots import confusion_matrix, plot_confusion_matrix


def _problem(rng, dtype, N=8, d=12, h=6, K=10):
    X = rng.random((N, d)).astype(dtype)
    Y = np.eye(K, dtype=dtype)[rng.integers(0, K, N)]
    params = [rng.normal(0, 1, (d, h)).astype(dtype), rng.normal(0, 0.5, h).astype(dtype),
              rng.normal(0, 1, (h, K)).astype(dtype), rng.normal(0, 0.5, K).astype(dtype)]
    return X, Y, params


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_reference_step_equals_the_helpers_layers(rng, dtype, tol):
    from helpers.layers import Dense, Sigmoid
    from helpers.losses import mse
    from helpers.model import Sequential
    from helpers.optim import SGD

    X, Y, params = _problem(rng, dtype)
    dense1, dense2 = Dense(12, 6, rng, dtype=dtype), Dense(6, 10, rng, dtype=dtype)
    dense1.W[...], dense1.b[...], dense2.W[...], dense2.b[...] = params
    model = Sequential([dense1, Sigmoid(), dense2, Sigmoid()])
    _, grad = mse(model.forward(X), Y)
    model.backward(grad)
    SGD(0.7).step(model.layers)

    train_step_reference(X, Y, *params, 0.7)
    for got, want in zip(params, [dense1.W, dense1.b, dense2.W, dense2.b]):
        assert got.dtype == dtype  # updated in place, dtype kept
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_reference_step_lowers_the_loss(rng):
    from helpers.losses import mse

    X, Y, params = _problem(rng, np.float64, N=20)

    def loss():
        a1 = 1 / (1 + np.exp(-(X @ params[0] + params[1])))
        return mse(1 / (1 + np.exp(-(a1 @ params[2] + params[3]))), Y)[0]

    before = loss()
    for _ in range(50):
        train_step_reference(X, Y, *params, 1.0)
    assert loss() < 0.8 * before


# --- Try it 1: every largest off-diagonal cell is right ----------------------------------------------------

def test_most_common_mistakes_lists_every_tied_cell():
    C = np.diag([50, 50, 50]).astype(int)
    C[0, 2] = C[2, 1] = 7
    C[1, 0] = 3
    assert most_common_mistakes(C) == [(0, 2), (2, 1)]
    assert C[1, 1] == 50  # the diagonal is left alone by the helper (it works on a copy)


def test_check_most_common_mistake_accepts_both_tied_cells_and_rejects_others():
    C = np.diag([50, 50, 50])
    C[0, 2] = C[2, 1] = 7
    C[1, 0] = 3
    assert check_most_common_mistake((0, 2), C).startswith("✓")
    assert check_most_common_mistake([2, 1], C).startswith("✓")
    assert "tied with (2, 1)" in check_most_common_mistake((0, 2), C)
    assert check_most_common_mistake((1, 0), C).startswith("✗")
    assert "diagonal" in check_most_common_mistake((1, 1), C)
    assert check_most_common_mistake((0, 9), C).startswith("✗")
    assert check_most_common_mistake("4 and 9", C).startswith("✗")
    assert check_most_common_mistake(None, C).startswith("Set")


# --- Try it 2: the verdict follows the measurement ----------------------------------------------------------

def test_large_lr_answer_is_judged_by_what_was_measured():
    stuck = dict(acc_default=0.83, acc_large=0.10, finite=True, saturated=0.99)
    assert check_large_lr_answer("b", **stuck).startswith("✓")
    assert check_large_lr_answer("a", **stuck).startswith("✗")
    assert check_large_lr_answer("c", **stuck).startswith("✗")
    better = dict(acc_default=0.83, acc_large=0.88, finite=True, saturated=0.2)
    assert check_large_lr_answer("a", **better).startswith("✓")
    assert check_large_lr_answer("b", **better).startswith("✗")
    overflow = dict(acc_default=0.83, acc_large=0.10, finite=False, saturated=1.0)
    assert check_large_lr_answer("c", **overflow).startswith("✓")
    assert check_large_lr_answer("x", **stuck).startswith("✗")
    assert check_large_lr_answer(None, **stuck).startswith("Set")


def test_inverted_answer():
    assert check_inverted_answer(False, 0.12).startswith("✓")
    assert check_inverted_answer(True, 0.12).startswith("✗")
    assert check_inverted_answer(True, 0.8).startswith("✓")
    assert check_inverted_answer("no", 0.12).startswith("✗")
    assert check_inverted_answer(None, 0.12).startswith("Set")


# --- confusion_matrix ---------------------------------------------------------------------------------------

def test_confusion_matrix_counts():
    C = confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], num_classes=3)
    np.testing.assert_array_equal(C, [[1, 0, 0], [0, 1, 1], [1, 0, 2]])


def test_confusion_matrix_uint8_labels_do_not_overflow():
    y = np.array([19, 18], dtype=np.uint8)
    C = confusion_matrix(y, y[::-1], num_classes=20)
    assert C[19, 18] == 1 and C[18, 19] == 1 and C.sum() == 2


@pytest.mark.parametrize("argument", ["y_true", "y_pred"])
def test_confusion_matrix_rejects_a_label_beyond_num_classes(argument):
    good, bad = np.array([0, 1, 2]), np.array([0, 1, 10])
    args = (bad, good) if argument == "y_true" else (good, bad)
    with pytest.raises(ValueError, match=rf"confusion_matrix: {argument}: expected labels from 0 to 9 \(num_classes=10\), got labels from 0 to 10"):
        confusion_matrix(*args, num_classes=10)


def test_confusion_matrix_rejects_negative_labels():
    with pytest.raises(ValueError, match="confusion_matrix: y_pred: expected labels from 0 to 1 .*, got labels from -1 to 0"):
        confusion_matrix([0, 1], [0, -1], num_classes=2)


def test_confusion_matrix_rejects_scores_and_says_argmax(rng):
    scores = rng.random((5, 10))
    with pytest.raises(ValueError, match=r"confusion_matrix: y_pred: expected labels of shape \(N,\), got scores of shape \(5, 10\); "
                                         r"pass y_pred.argmax\(axis=1\)"):
        confusion_matrix(np.arange(5), scores)


def test_confusion_matrix_rejects_fractions_and_mismatched_lengths():
    with pytest.raises(ValueError, match="confusion_matrix: y_true: expected whole-number labels, got dtype float64"):
        confusion_matrix([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match=r"3 labels but 2 predictions \(y_true and y_pred must have the same length\)"):
        confusion_matrix([0, 1, 2], [0, 1])


def _contrast(c1, c2):
    def lum(rgb):
        c = np.asarray(rgb[:3], dtype=float)
        c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return c @ [0.2126, 0.7152, 0.0722]

    hi, lo = sorted([lum(c1), lum(c2)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_plot_confusion_matrix_counts_are_projector_sized_and_readable(rng):
    from matplotlib.colors import to_rgba

    y_true = rng.integers(0, 10, 3000)
    y_pred = np.where(rng.random(3000) < 0.9, y_true, rng.integers(0, 10, 3000))
    ax = plot_confusion_matrix(y_true, y_pred)
    C = confusion_matrix(y_true, y_pred)
    image = ax.images[0]
    texts = ax.texts
    assert len(texts) == np.count_nonzero(C)
    for t in texts:
        assert t.get_fontsize() >= 10
        j, i = (int(round(v)) for v in t.get_position())
        assert t.get_text() == str(C[i, j])
        cell = image.cmap(image.norm(max(C[i, j], 0.8)))
        # WCAG AA asks for a contrast of 4.5 for normal text
        assert _contrast(to_rgba(t.get_color()), cell) >= 4.5, (t.get_text(), t.get_color(), cell)
    assert ax.get_xlabel() and ax.get_ylabel() and len(ax.get_xticks()) == 10
