"""Answer tests of notebook 05: the train_step grader and every Try-it check cell, fed right and wrong answers.

The cells are taken from the stored notebook (tests/nbcells.py) and run as the notebook runs them.
"""

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

from nbcells import cell_source, run_cell, run_source
from verdicts import assert_names_mistake

NB = "05"


def _base_namespace():
    ns = {}
    exec("import numpy as np\nfrom helpers.activations import sigmoid, softmax", ns)
    return ns


def _solution():
    ns = _base_namespace()
    run_cell(NB, "solution-train_step", ns)
    return ns["train_step_solution"]


def _grade(fn):
    """Run the notebook's grader cell with ``fn`` as the student's train_step; return (verdict, namespace)."""
    ns = _base_namespace()
    ns["train_step"] = fn
    verdict = run_cell(NB, "grader-train_step", ns)
    return verdict, ns


# --- the grader ---------------------------------------------------------------------------------------------

def test_grader_accepts_the_solution_and_the_notebook_then_uses_it():
    solution = _solution()
    verdict, ns = _grade(solution)
    assert verdict.passed, verdict.message
    assert repr(verdict).startswith("✓") and "Dense + Sigmoid + mse + SGD" in repr(verdict)
    assert ns["train_step_used"] is solution
    assert verdict.uses == "your `train_step`"


def test_the_unfilled_stub_falls_back_to_the_reference():
    from helpers.grading.digits import train_step_reference

    ns = _base_namespace()
    run_cell(NB, "exercise-train_step", ns)
    verdict = run_cell(NB, "grader-train_step", ns)
    assert verdict.status == "missing"
    assert "not written yet" in repr(verdict)
    assert ns["train_step_used"] is train_step_reference
    assert verdict.uses == "the course's reference `train_step`"


def _mutant(replace_from, replace_to, count=1):
    """The solution cell with one typical mistake written into it."""
    source = cell_source(NB, "solution-train_step")
    assert source.count(replace_from) == count, f"the solution cell no longer contains {replace_from!r}"
    ns = _base_namespace()
    run_source(source.replace(replace_from, replace_to), ns)
    return ns["train_step_solution"]


MISTAKES = {
    # key: (text in the solution, the mistaken text, words the message must contain)
    "transpose": ("W2 -= lr * (a1.T @ delta2)", "W2 -= lr * (delta2.T @ a1)", "missing or misplaced .T"),
    "sign": ("W1 -= lr * (X.T @ delta1)", "W1 += lr * (X.T @ delta1)", "moved the wrong way"),
    "sum": ("delta2 = (y_hat - Y) / N * y_hat", "delta2 = (y_hat - Y) * y_hat", "summed over the batch"),
    "bias": ("b2 -= lr * delta2.sum(axis=0)", "pass", "b2 did not change"),
    "output_prime": ("delta2 = (y_hat - Y) / N * y_hat * (1 - y_hat)", "delta2 = (y_hat - Y) / N",
                     "output layer's σ′ is missing"),
    "hidden_prime": ("delta1 = (delta2 @ W2.T) * a1 * (1 - a1)", "delta1 = delta2 @ W2.T",
                     "hidden layer's σ′ is missing"),
    "raw_error": ("delta1 = (delta2 @ W2.T) * a1 * (1 - a1)", "delta1 = ((y_hat - Y) / N @ W2.T) * a1 * (1 - a1)",
                  "raw output error"),
}


@pytest.mark.parametrize("key", sorted(MISTAKES))
def test_grader_names_the_typical_mistake(key):
    old, new, words = MISTAKES[key]
    verdict, ns = _grade(_mutant(old, new))
    assert_names_mistake(verdict, key, words)
    assert ns["train_step_used"] is not ns["train_step"]  # the notebook carries on with the reference


def test_grader_names_an_update_that_is_not_in_place():
    def rebinds(X, Y, W1, b1, W2, b2, lr):
        W1 = W1 - lr * X.T @ np.ones((X.shape[0], W1.shape[1]))  # a new local array; the caller's W1 is unchanged
        return W1

    verdict, _ = _grade(rebinds)
    assert verdict.mistake == "in_place" and "in place" in verdict.message


def test_grader_reports_a_crash_without_raising():
    def crashes(X, Y, W1, b1, W2, b2, lr):
        return undefined_name  # noqa: F821

    verdict, _ = _grade(crashes)
    assert verdict.status == "fail" and "NameError" in verdict.message


# --- Try it 1: the most common mistake (every tied cell is right) --------------------------------------------

def _run_with_answer(cell_id, name, answer, ns):
    source = cell_source(NB, cell_id)
    line = f"{name} = None"
    assert line in source, f"cell {cell_id} no longer sets {line!r}"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_source(source.replace(line, f"{name} = {answer!r}"), ns)
    return out.getvalue().strip()


def _confusion_namespace():
    y = np.repeat(np.arange(10), 20)
    pred = y.copy()
    pred[:6] = 6          # six 0s read as 6
    pred[20:26] = 7       # six 1s read as 7: tied with (0, 6)
    pred[40:43] = 8       # three 2s read as 8
    ns = _base_namespace()
    ns.update(y_val=y, y_val_pred=pred)
    return ns


@pytest.mark.parametrize("answer", [(0, 6), (1, 7)])
def test_try_it_1_accepts_every_tied_cell(answer):
    assert _run_with_answer("cell-31", "most_common_mistake", answer, _confusion_namespace()).startswith("✓")


@pytest.mark.parametrize("answer", [(2, 8), (6, 0), (3, 3)])
def test_try_it_1_rejects_other_cells(answer):
    assert _run_with_answer("cell-31", "most_common_mistake", answer, _confusion_namespace()).startswith("✗")


def test_try_it_1_unanswered():
    assert _run_with_answer("cell-31", "most_common_mistake", None, _confusion_namespace()).startswith("Set")


# --- Try it 2 and 3 on the real digits ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits_namespace():
    """The notebook's own cells up to the panel's training function, on the real MNIST files."""
    import matplotlib

    matplotlib.use("Agg")
    from helpers.datasets import MNIST_FILES

    folder = Path(__import__("os").environ.get("NN_DATA_DIR", "data/mnist"))
    if not all((folder / name).exists() for name in MNIST_FILES):
        pytest.skip("MNIST files not found: set NN_DATA_DIR to the folder that holds them")
    from helpers.grading.digits import check_train_step, train_step_reference

    ns = _base_namespace()
    exec("import matplotlib.pyplot as plt", ns)
    with contextlib.redirect_stdout(io.StringIO()):
        for cell_id in ["cell-02", "cell-04", "split", "cell-10", "cell-12", "train-fn"]:
            run_cell(NB, cell_id, ns)
        ns["verdict"] = check_train_step(train_step_reference)
        ns["train_step_used"] = train_step_reference
        run_cell(NB, "cell-27", ns)
        # a briefly trained network stands in for the notebook's 20-epoch one
        ns["params"] = ns["train"](ns["init_params"](np.random.default_rng(0)), ns["X_train"][:10_000],
                                   ns["Y_train"][:10_000], 3.0, 1, np.random.default_rng(0))
    assert ns["accuracy"](ns["X_val"], ns["y_val"], ns["params"]) > 0.85
    return ns


def test_try_it_2_right_prediction_and_reason(digits_namespace):
    assert _run_with_answer("cell-33", "large_lr_answer", "b", digits_namespace).startswith("✓")


@pytest.mark.parametrize("answer", ["a", "c"])
def test_try_it_2_wrong_predictions(digits_namespace, answer):
    assert _run_with_answer("cell-33", "large_lr_answer", answer, digits_namespace).startswith("✗")


def test_try_it_3(digits_namespace):
    assert _run_with_answer("cell-35", "inverted_still_works", False, digits_namespace).startswith("✓")
    assert _run_with_answer("cell-35", "inverted_still_works", True, digits_namespace).startswith("✗")


def test_the_panel_function_runs_the_chosen_train_step(digits_namespace):
    """The panel calls train_step_used at call time: a student's function that passes takes over."""
    calls = []

    def counting_step(*args):
        calls.append(1)
        digits_namespace["train_step_reference_for_test"](*args)

    from helpers.grading.digits import train_step_reference

    digits_namespace["train_step_reference_for_test"] = train_step_reference
    saved = digits_namespace["train_step_used"]
    try:
        digits_namespace["train_step_used"] = counting_step
        accuracy = digits_namespace["show_subset_training"](lr=3.0, num_hidden=20)
    finally:
        digits_namespace["train_step_used"] = saved
    assert len(calls) == 3 * 2000 // 10  # 3 epochs of 200 mini-batches
    assert 0.3 < accuracy <= 1.0


@pytest.mark.parametrize("lr, num_hidden", [(0.01, 5), (0.01, 120), (100.0, 5), (100.0, 120)])
def test_the_panel_function_works_at_the_ends_of_its_sliders(digits_namespace, lr, num_hidden):
    """Every setting the panel offers draws its figure and returns an accuracy (timing: benchmarks/)."""
    import matplotlib.pyplot as plt

    source = cell_source(NB, "cell-28")
    assert 'log_slider(3.0, -2, 2, "learning rate")' in source and 'int_slider(100, 5, 120, "hidden size"' in source
    accuracy = digits_namespace["show_subset_training"](lr=lr, num_hidden=num_hidden)
    assert 0.0 <= accuracy <= 1.0
    assert len(plt.gcf().axes) == 2
    plt.close("all")
