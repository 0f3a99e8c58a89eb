"""Answer tests for notebook 01: the perceptron_update grader and every "Try it" check cell.

The grader must accept the solution cell's function and name typical mistakes; each check cell is run from
the stored notebook (tests/nbcells.py) with a right answer (expects ✓) and a typical wrong one (expects ✗).
The whole notebook is also run with the solution in the student's place, and with a wrong function: the
first must drive every later cell and the panel, the second must leave the notebook on the reference.
"""

import contextlib
import functools
import io

import matplotlib
import numpy as np
import pytest

from helpers.grading.perceptron import check_perceptron_update
from helpers.perceptron import perceptron_update
import nbcells  # noqa: E402
from nbcells import cell_source, cells, run_source
from verdicts import assert_names_mistake

matplotlib.use("Agg")

NB = "01_perceptron"
run_notebook = functools.partial(nbcells.run_notebook, NB)  # (namespace, printed) of a run of NB




def solution_as_student():
    """The solution cell's source, renamed so that it defines the student's function."""
    return cell_source(NB, "solution-perceptron_update").replace("perceptron_update_solution", "perceptron_update")


@pytest.fixture(scope="module")
def stored_run():
    return run_notebook()


@pytest.fixture(scope="module")
def student_run():
    return run_notebook(replace={"exercise-perceptron_update": solution_as_student()})


# ---------------------------------------------------------------- the grader

def test_exercise_cells_follow_the_convention():
    c = cells(NB)
    assert "exercise" in c["exercise-perceptron_update"]["metadata"]["tags"]
    assert "NotImplementedError" in cell_source(NB, "exercise-perceptron_update")
    sol = c["solution-perceptron_update"]
    assert "solution" in sol["metadata"]["tags"]
    assert sol["metadata"]["jupyter"]["source_hidden"] is True and sol["metadata"]["cellView"] == "form"
    assert cell_source(NB, "solution-perceptron_update").startswith("# @title Solution (click to show)")
    assert "grader" in c["grader-perceptron_update"]["metadata"]["tags"]
    later = [cid for cid in c if cid != "solution-perceptron_update"]
    assert not any("perceptron_update_solution" in cell_source(NB, cid) for cid in later if c[cid]["cell_type"] == "code")


def test_grader_accepts_the_solution_cell(stored_run):
    ns, _ = stored_run
    ns = dict(ns)
    ns["perceptron_update"] = ns["perceptron_update_solution"]
    verdict = run_source(cell_source(NB, "grader-perceptron_update"), ns)
    assert verdict.passed, verdict.message
    assert repr(verdict).startswith("✓")
    assert ns["update"] is ns["perceptron_update_solution"]
    assert verdict.uses == "your `perceptron_update`"


def test_grader_reports_the_unfilled_stub_and_falls_back_to_the_reference(stored_run):
    ns, _ = stored_run
    assert ns["verdict"].status == "missing"
    assert "not written yet" in repr(ns["verdict"])
    assert ns["update"] is perceptron_update


def _sign(w, b, x, y, lr):
    error = float(x @ w + b >= 0) - y          # prediction - target: the wrong way round
    return w + lr * error * x, b + lr * error


def _no_bias(w, b, x, y, lr):
    error = y - float(x @ w + b >= 0)
    return w + lr * error * x, b              # forgot the bias


def _no_step(w, b, x, y, lr):
    error = y - (x @ w + b)                   # the weighted sum instead of the perceptron's output
    return w + lr * error * x, b + lr * error


def _strict_step(w, b, x, y, lr):
    error = y - float(x @ w + b > 0)          # step(0) taken as 0
    return w + lr * error * x, b + lr * error


def _no_lr(w, b, x, y, lr):
    error = y - float(x @ w + b >= 0)
    return w + error * x, b + error


@pytest.mark.parametrize("fn, key, words", [
    (_sign, "sign", "wrong way"),
    (_no_bias, "bias", "bias did not change"),
    (_no_step, "no_step", "step(w·x + b)"),
    (_strict_step, "step_at_zero", "step says 1"),
    (_no_lr, "no_lr", "learning rate"),
])
def test_grader_names_typical_mistakes(stored_run, fn, key, words):
    ns, _ = stored_run
    ns = dict(ns)
    ns["perceptron_update"] = fn
    verdict = run_source(cell_source(NB, "grader-perceptron_update"), ns)
    assert_names_mistake(verdict, key, words)
    assert ns["update"] is perceptron_update  # the notebook carries on with the reference


def _no_bias_in_prediction(w, b, x, y, lr):
    error = y - float(x @ w >= 0)             # the prediction without the bias
    return w + lr * error * x, b + lr * error


def _only_upwards(w, b, x, y, lr):
    error = y - float(x @ w + b >= 0)
    if error > 0:                             # corrects only when the target is 1
        return w + lr * error * x, b + lr * error
    return w, b


def _bias_first(w, b, x, y, lr):
    error = y - float(x @ w + b >= 0)
    return b + lr * error, w + lr * error * x  # (b, w): the wrong order


@pytest.mark.parametrize("fn, key, words", [
    (_no_bias_in_prediction, "no_bias_in_prediction", "step(x @ w + b)"),
    (_only_upwards, "no_change", "error +1 and -1"),
    (_bias_first, "order", "return w_new, b_new"),
])
def test_grader_names_more_mistakes_a_student_makes(fn, key, words):
    # found by trying the exercise as a student; before, the first was called a step-at-zero mistake and
    # the other two got "does not match the expected values"
    assert_names_mistake(check_perceptron_update(fn), key, words)


def test_grader_accepts_an_in_place_update():
    def in_place(w, b, x, y, lr):
        error = y - float(x @ w + b >= 0)
        w += lr * error * x
        return w, b + lr * error
    assert check_perceptron_update(in_place).passed


# ------------------------------------------------- the student's code drives the notebook

def test_the_students_function_drives_training_and_panel(student_run):
    ns, printed = student_run
    assert ns["verdict"].passed
    student = ns["perceptron_update"]
    assert ns["update"] is student
    assert "trained with your `perceptron_update`" in printed["cell-09"]
    assert "This panel trains with your `perceptron_update`." in printed["cell-25"]
    # the functions the panel and the later cells call look `update` up when they run
    calls = []
    ns["update"] = lambda *args: calls.append(1) or student(*args)
    ns["show_perceptron"](lr=0.1, num_steps=20, gate="OR", seed=1)
    assert len(calls) == 20


def test_a_wrong_function_leaves_the_notebook_running_on_the_reference():
    wrong = cell_source(NB, "solution-perceptron_update").replace(
        "perceptron_update_solution", "perceptron_update").replace("y - y_hat", "y_hat - y")
    ns, printed = run_notebook(replace={"exercise-perceptron_update": wrong})
    assert ns["verdict"].mistake == "sign"
    assert ns["update"] is perceptron_update
    assert "the course's reference `perceptron_update`" in printed["cell-25"]


def test_rerunning_the_training_cell_keeps_later_checks_true(stored_run):
    ns, _ = stored_run
    ns = dict(ns)
    for _ in range(2):
        run_source(cell_source(NB, "cell-09"), ns)
    with contextlib.redirect_stdout(io.StringIO()):
        run_source(cell_source(NB, "cell-11"), ns)
        run_source(cell_source(NB, "cell-13"), ns)


# ---------------------------------------------------------------- what the notebook claims

def test_xor_from_the_three_learned_perceptrons(stored_run):
    ns, printed = stored_run
    assert np.array_equal(ns["xor_out"], ns["y_xor"])
    assert set(ns["learned"]) >= {"OR", "NAND", "AND", "NOR"}
    assert "✓ Three learned step perceptrons in two layers compute XOR." in printed["cell-20b"]


def test_margin_numbers(stored_run):
    ns, _ = stored_run
    assert ns["best_margin"] == pytest.approx(0.5 / np.sqrt(2))
    assert min(ns["margins"]) < 0.01 < ns["best_margin"]  # some learned line passes within 0.01 of a point
    assert max(ns["margins"]) < ns["best_margin"]


def test_the_snapshot_strip_names_lines_outside_the_window(stored_run):
    ns, _ = stored_run
    outside = [t for t in ns["snapshots"] if ns["line_outside_window"](*ns["run"].weights[t])]
    assert outside, "seed 0's run starts with its line outside the window: the strip should show a note"


def test_no_markdown_repeats_the_folklore():
    text = " ".join("".join(c["source"]) for c in cells(NB).values() if c["cell_type"] == "markdown")
    assert "decade" not in text
    assert "single layer of adjustable weights" in text
    assert "b = -\\theta" in text
    assert "[notation](NOTATION.md)" in text



# ---------------------------------------------------------------- the "Try it" check cells

def _try(stored_run, cid, old, new):
    ns = dict(stored_run[0])
    source = cell_source(NB, cid)
    assert old in source, f"{cid} no longer contains {old!r}"
    return run_source(source.replace(old, new), ns)


def _nor_cell(w, b):
    src = cell_source(NB, "cell-27")
    assert "w_nor = np.array([0.0, 0.0])" in src and "b_nor = 0.0 " in src
    return src.replace("w_nor = np.array([0.0, 0.0])", f"w_nor = np.array({w})").replace("b_nor = 0.0 ", f"b_nor = {b} ")


def test_try_nor_weights(stored_run):
    right = run_source(_nor_cell([-1.0, -1.0], 0.5), dict(stored_run[0]))
    assert right.passed and repr(right).startswith("✓"), repr(right)
    stored = run_source(cell_source(NB, "cell-27"), dict(stored_run[0]))  # zeros: output 1 everywhere
    assert stored.status == "fail" and repr(stored).startswith("✗")
    wrong = run_source(_nor_cell([1.0, 1.0], -0.5), dict(stored_run[0]))  # OR's weights, not NOR's
    assert wrong.status == "fail" and "[0, 1, 1, 1]" in repr(wrong)


def test_try_lr_scaling(stored_run):
    right = _try(stored_run, "cell-29", "same = None", "same = True")
    assert right.passed and repr(right).startswith("✓"), repr(right)
    wrong = _try(stored_run, "cell-29", "same = None", "same = False")
    assert wrong.status == "fail" and repr(wrong).startswith("✗")
    assert _try(stored_run, "cell-29", "same = None", "same = None").status == "missing"


def test_try_lr_scaling_start_lies_on_no_boundary(stored_run):
    ns = dict(stored_run[0])
    run_source(cell_source(NB, "cell-29"), ns)
    X = ns["X_and"]
    # along the whole run no example's weighted sum comes near 0, where rounding could flip the step
    closest = min(np.min(np.abs(X @ w + b)) for w, b in ns["small"].weights)
    assert closest > 0.01
    assert ns["small"].errors == ns["large"].errors
    assert any(e != 0 for e in ns["small"].errors)  # the runs do make corrections


def test_try_xnor(stored_run):
    right = _try(stored_run, "cell-31", "xnor_learnable = None", "xnor_learnable = False")
    assert right.passed and repr(right).startswith("✓"), repr(right)
    wrong = _try(stored_run, "cell-31", "xnor_learnable = None", "xnor_learnable = True")
    assert wrong.status == "fail" and repr(wrong).startswith("✗")


def test_the_notebook_runs_without_its_solution_cell():
    # the hand-out edition deletes solution cells: nothing later may need them
    ns, printed = run_notebook(replace={"solution-perceptron_update": ""})
    assert "perceptron_update_solution" not in ns
    assert ns["verdict"].status == "missing" and "converged: True" in printed["cell-25"]


@pytest.mark.parametrize("lr", [0.001, 1.0])
@pytest.mark.parametrize("num_steps, gate, seed", [(5, "AND", 0), (1000, "XOR", 19), (5, "NOT", 19),
                                                   (1000, "NOR", 0)])
def test_panel_callback_runs_at_the_slider_extremes(stored_run, lr, num_steps, gate, seed):
    import matplotlib.pyplot as plt

    with contextlib.redirect_stdout(io.StringIO()):
        run = stored_run[0]["show_perceptron"](lr=lr, num_steps=num_steps, gate=gate, seed=seed)
    assert len(run.accuracy) == num_steps
    assert len(plt.gcf().axes) == 2
    plt.close("all")
