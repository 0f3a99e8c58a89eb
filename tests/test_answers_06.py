"""Answer tests for notebook 06: the two graders accept the solution cells and name typical mistakes, the
grader cells fall back to the reference, and every "Try it" check cell says ✓ to a right answer and ✗ to a
typical wrong one."""

import numpy as np
import pytest

from helpers.grading import Verdict
from helpers.grading.cnn import (check_conv_backward, check_conv_params, check_maxpool_backward,
                                 check_momentum_factor, check_padded_shape, check_shift_guess,
                                 conv_backward_reference, maxpool_backward_reference)
from helpers.layers import Conv2D, MaxPool2D, col2im
from nbcells import cell_source, cells, cells_tagged, run_cell
from verdicts import assert_names_mistake

NB = "06"


def _namespace():
    return {"np": np, "col2im": col2im, "check_conv_backward": check_conv_backward,
            "check_maxpool_backward": check_maxpool_backward}


def _defined(cell_id, name):
    ns = _namespace()
    run_cell(NB, cell_id, ns)
    return ns[name]


# ---- the structure of the exercises (issue 10's three cells) ------------------------------------------


@pytest.mark.parametrize("fname", ["conv_backward", "maxpool_backward"])
def test_exercise_has_stub_solution_and_grader_in_order(fname):
    ids = list(cells(NB))
    i = ids.index(f"exercise-{fname}")
    assert ids[i + 1:i + 3] == [f"solution-{fname}", f"grader-{fname}"]
    all_cells = cells(NB)
    assert "exercise" in all_cells[f"exercise-{fname}"]["metadata"]["tags"]
    assert "grader" in all_cells[f"grader-{fname}"]["metadata"]["tags"]
    solution = all_cells[f"solution-{fname}"]
    assert "solution" in solution["metadata"]["tags"]
    assert solution["metadata"]["jupyter"]["source_hidden"] is True
    assert solution["metadata"]["cellView"] == "form"
    assert cell_source(NB, f"solution-{fname}").splitlines()[0] == "# @title Solution (click to show)"


def test_no_cell_after_a_solution_uses_it():
    ids = list(cells(NB))
    for fname in ["conv_backward", "maxpool_backward"]:
        for cell_id in ids:
            if cell_id != f"solution-{fname}":
                assert f"{fname}_solution" not in cell_source(NB, cell_id), cell_id


def test_the_notebook_has_two_graded_exercises():
    assert cells_tagged(NB, "exercise") == ["exercise-conv_backward", "exercise-maxpool_backward"]


@pytest.mark.parametrize("fname", ["conv_backward", "maxpool_backward"])
def test_stub_raises_not_implemented_with_a_hint(fname):
    stub = _defined(f"exercise-{fname}", fname)
    args = {"conv_backward": (np.zeros((1, 1, 2, 2)), np.zeros((4, 9)), np.zeros((1, 1, 3, 3)), (1, 1, 4, 4)),
            "maxpool_backward": (np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 4, 4)), 2)}[fname]
    with pytest.raises(NotImplementedError, match=r"\w+"):
        stub(*args)


# ---- the grader cells: the stub falls back to the reference, a passing function takes over -------------


@pytest.mark.parametrize("fname, reference", [("conv_backward", conv_backward_reference),
                                              ("maxpool_backward", maxpool_backward_reference)])
def test_grader_cell_with_the_stub_uses_the_reference(fname, reference):
    ns = _namespace()
    run_cell(NB, f"exercise-{fname}", ns)
    verdict = run_cell(NB, f"grader-{fname}", ns)
    assert isinstance(verdict, Verdict) and verdict.status == "missing"
    assert repr(verdict).startswith("… ") and "reference" in repr(verdict)
    assert ns[f"{fname}_used"] is reference
    assert ns[f"{fname}_uses"] == f"the course's reference `{fname}`"


@pytest.mark.parametrize("fname", ["conv_backward", "maxpool_backward"])
def test_grader_cell_with_the_solution_uses_it(fname):
    ns = _namespace()
    run_cell(NB, f"solution-{fname}", ns)
    ns[fname] = ns[f"{fname}_solution"]  # what a student's correct answer looks like
    verdict = run_cell(NB, f"grader-{fname}", ns)
    assert verdict.passed, repr(verdict)
    assert repr(verdict).startswith("✓ ")
    assert ns[f"{fname}_used"] is ns[f"{fname}_solution"]
    assert ns[f"{fname}_uses"] == f"your `{fname}`"


# ---- the convolution's grader: typical mistakes, by name -----------------------------------------------


def _conv_parts(dout, cols, W):
    F = W.shape[0]
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    return F, rows


def conv_missing_transpose(dout, cols, W, X_shape):
    F, rows = _conv_parts(dout, cols, W)
    dX, _, db = conv_backward_reference(dout, cols, W, X_shape)
    return dX, (cols.T @ rows).reshape(W.shape), db


def conv_unreshaped_dW(dout, cols, W, X_shape):
    F, rows = _conv_parts(dout, cols, W)
    dX, _, db = conv_backward_reference(dout, cols, W, X_shape)
    return dX, cols.T @ rows, db


def conv_forgotten_db(dout, cols, W, X_shape):
    dX, dW, db = conv_backward_reference(dout, cols, W, X_shape)
    return dX, dW, np.zeros_like(db)


def conv_db_mean(dout, cols, W, X_shape):
    dX, dW, _ = conv_backward_reference(dout, cols, W, X_shape)
    return dX, dW, dout.mean(axis=(0, 2, 3))


def conv_dout_not_transposed(dout, cols, W, X_shape):
    F, C, kh, kw = W.shape
    rows = dout.reshape(-1, F)  # the rows of dout in the wrong order
    return col2im(rows @ W.reshape(F, -1), X_shape, kh, kw), (cols.T @ rows).T.reshape(W.shape), dout.sum(axis=(0, 2, 3))


def conv_overwrites_overlaps(dout, cols, W, X_shape):
    F, C, kh, kw = W.shape
    _, dW, db = conv_backward_reference(dout, cols, W, X_shape)
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    N, _, H, Wd = X_shape
    Ho, Wo = H - kh + 1, Wd - kw + 1
    patches = (rows @ W.reshape(F, -1)).reshape(N, Ho, Wo, C, kh, kw)
    dX = np.zeros(X_shape)
    for i in range(Ho):
        for j in range(Wo):
            dX[:, :, i:i + kh, j:j + kw] = patches[:, i, j]  # = where col2im adds
    return dX, dW, db


def conv_without_col2im(dout, cols, W, X_shape):
    F, rows = _conv_parts(dout, cols, W)
    _, dW, db = conv_backward_reference(dout, cols, W, X_shape)
    return rows @ W.reshape(F, -1), dW, db


def conv_returns_two(dout, cols, W, X_shape):
    dX, dW, _ = conv_backward_reference(dout, cols, W, X_shape)
    return dX, dW


@pytest.mark.parametrize("wrong, key, words", [
    (conv_missing_transpose, "transpose", "transpose"),
    (conv_unreshaped_dW, "transpose", "transpose"),
    (conv_forgotten_db, "db", "forgot the bias gradient"),
    (conv_db_mean, "db_mean", "SUM"),
    (conv_dout_not_transposed, "dout_order", "wrong order"),
    (conv_overwrites_overlaps, "overwrite", "ADD"),
    (conv_without_col2im, "col2im", "col2im"),
    (conv_returns_two, "return", "return dX, dW, db"),
])
def test_conv_grader_names_the_mistake(wrong, key, words):
    verdict = check_conv_backward(wrong)
    assert_names_mistake(verdict, key, words)
    assert verdict.fn is conv_backward_reference


def test_conv_grader_accepts_the_solution_cell_and_reports_its_crash():
    solution = _defined("solution-conv_backward", "conv_backward_solution")
    assert check_conv_backward(solution).passed

    def crashes(dout, cols, W, X_shape):
        return cols @ dout  # shapes that do not fit
    verdict = check_conv_backward(crashes)
    assert verdict.status == "fail" and verdict.mistake == "error" and "ValueError" in repr(verdict)


# ---- max pooling's grader ---------------------------------------------------------------------------------


def _up(dout, k):
    return np.repeat(np.repeat(dout, k, axis=2), k, axis=3)


def _max_mask(X, k):
    N, C, H, W = X.shape
    window_max = X.reshape(N, C, H // k, k, W // k, k).max(axis=(3, 5))
    return X == _up(window_max, k)


def pool_every_position(dout, X, size=2):
    return _up(dout, size)


def pool_average(dout, X, size=2):
    return _up(dout, size) / size ** 2


def pool_ties_counted_twice(dout, X, size=2):
    return _up(dout, size) * _max_mask(X, size)


def pool_split_ties(dout, X, size=2):  # a correct gradient too: ties share the window's gradient
    mask = _max_mask(X, size)
    N, C, H, W = X.shape
    counts = mask.reshape(N, C, H // size, size, W // size, size).sum(axis=(3, 5))
    return _up(dout / counts, size) * mask


@pytest.mark.parametrize("wrong, key, words", [
    (pool_every_position, "every_position", "every position"),
    (pool_average, "average", "evenly"),
    (pool_ties_counted_twice, "ties", "ties counted twice"),
])
def test_pool_grader_names_the_mistake(wrong, key, words):
    verdict = check_maxpool_backward(wrong)
    assert_names_mistake(verdict, key, words)
    assert verdict.fn is maxpool_backward_reference


def test_pool_grader_accepts_the_solution_and_any_correct_handling_of_ties():
    solution = _defined("solution-maxpool_backward", "maxpool_backward_solution")
    assert check_maxpool_backward(solution).passed
    assert check_maxpool_backward(pool_split_ties).passed


def test_the_solutions_agree_with_the_reference_layers(rng):
    maxpool_solution = _defined("solution-maxpool_backward", "maxpool_backward_solution")
    X = rng.integers(0, 3, size=(3, 4, 6, 6)).astype(np.float64)  # many ties
    dout = rng.normal(size=(3, 4, 3, 3))
    pool = MaxPool2D(2)
    pool.forward(X)
    np.testing.assert_array_equal(maxpool_solution(dout, X, 2), pool.backward(dout))

    conv_solution = _defined("solution-conv_backward", "conv_backward_solution")
    layer = Conv2D(2, 3, 3, rng, dtype=np.float64)
    X = rng.normal(size=(2, 2, 5, 5))
    from helpers.layers import im2col
    layer.forward(X)
    dout = rng.normal(size=(2, 3, 3, 3))
    dX, dW, db = conv_solution(dout, im2col(X, 3, 3), layer.W, X.shape)
    np.testing.assert_allclose(dX, layer.backward(dout), rtol=1e-12)
    np.testing.assert_allclose(dW, layer.dW, rtol=1e-12)
    np.testing.assert_allclose(db, layer.db, rtol=1e-12)


# ---- the "Try it" check cells: right -> ✓, typical wrong -> ✗ ------------------------------------------


def _run_answer(cell_id, line, answer, namespace):
    source = cell_source(NB, cell_id)
    assert line in source, f"{cell_id} should start with `{line}`"
    from nbcells import run_source
    return run_source(source.replace(line, line.split("=")[0] + f"= {answer!r}", 1), namespace)


@pytest.fixture(scope="module")
def small_model():
    from helpers.networks import mnist_cnn
    return mnist_cnn(np.random.default_rng(0))


def _try_namespace(small_model):
    rng = np.random.default_rng(1)
    return {"np": np, "model": small_model, "Conv2D": Conv2D,
            "X_val": rng.random((2000, 1, 28, 28), dtype=np.float32), "y_val": rng.integers(10, size=2000),
            "check_conv_params": check_conv_params, "check_padded_shape": check_padded_shape,
            "check_momentum_factor": check_momentum_factor, "check_shift_guess": check_shift_guess}


@pytest.mark.parametrize("cell_id, line, right, wrong", [
    ("cell-37", "conv_params = None", 320, 288),
    ("cell-39", "shape_guess = None", (5, 32, 28, 28), (5, 32, 26, 26)),
    ("momentum-try", "momentum_factor = None", 100, 10),
])
def test_try_it_cells(cell_id, line, right, wrong, small_model):
    unanswered = run_cell(NB, cell_id, _try_namespace(small_model))
    assert unanswered.status == "missing" and repr(unanswered).startswith("… ")
    assert repr(_run_answer(cell_id, line, right, _try_namespace(small_model))).startswith("✓ ")
    assert repr(_run_answer(cell_id, line, wrong, _try_namespace(small_model))).startswith("✗ ")


def test_try_it_shifted_digits_cell(small_model):
    # an untrained network reads about 10 % of (random) digits, shifted or not: "above 90 %" is wrong
    assert repr(_run_answer("cell-41", "still_above_90 = None", False, _try_namespace(small_model))).startswith("✓ ")
    assert repr(_run_answer("cell-41", "still_above_90 = None", True, _try_namespace(small_model))).startswith("✗ ")


def test_try_it_checks_name_the_typical_mistakes():
    W, b = np.zeros((32, 1, 3, 3)), np.zeros(32)
    assert "bias" in repr(check_conv_params(288, W, b))
    assert "one filter" in repr(check_conv_params(9, W, b))
    assert "without padding" in repr(check_padded_shape((5, 32, 26, 26), (5, 32, 28, 28)))
    assert "channels first" in repr(check_padded_shape((5, 28, 28, 32), (5, 32, 28, 28)))
    assert "0.9" in repr(check_momentum_factor(10, 0.99))
    assert check_momentum_factor(10, 0.9).passed
    assert check_shift_guess(True, 0.95).passed and not check_shift_guess(True, 0.85).passed
    assert check_shift_guess(False, 0.85).passed and not check_shift_guess("no", 0.85).passed
