"""Answer tests for notebook 03: its grader and its "Try it" cells, fed right and typical wrong answers.

The cells are taken from the stored notebook by id (tests/nbcells.py) and run as a student runs them:
the wrong backward passes are the solution cell's source with one typical mistake edited in.
"""

import io
import contextlib

import numpy as np
import pytest

from helpers.datasets import logic_gates
from helpers.grading.backprop import backprop_gradients_reference, check_backprop_gradients
from nbcells import cell_source, run_cell, run_source
from verdicts import assert_names_mistake

NB = "03_backprop"
# The cells a student has run before the grader and the "Try it" cells (setup aside): data and sigmoid,
# the truth-table printer, the source's loop, the stub, the solution, the grader, the trainer, the panel's function.
CELLS_BEFORE = ["cell-04", "cell-06", "source-version", "exercise-backprop_gradients", "solution-backprop_gradients",
                "grader-backprop_gradients", "train-network", "cell-27"]


def _fresh_namespace():
    ns = {"__name__": "__notebook__"}
    exec("import numpy as np\nimport matplotlib.pyplot as plt\nfrom helpers.datasets import logic_gates", ns)
    with contextlib.redirect_stdout(io.StringIO()):
        for cell_id in CELLS_BEFORE:
            run_cell(NB, cell_id, ns)
    return ns


@pytest.fixture
def ns():
    return _fresh_namespace()


def _student_source(old, new):
    """The solution cell turned into the student's cell, with `old` replaced by `new` (a typical mistake)."""
    source = cell_source(NB, "solution-backprop_gradients")
    assert old in source, f"the solution cell no longer contains {old!r}: update this test"
    return source.replace("def backprop_gradients_solution(", "def backprop_gradients(").replace(old, new)


def _grade_in_notebook(ns, source):
    """Run the student's cell, then the grader cell, as the student would; return the displayed Verdict."""
    run_source(source, ns)
    return run_cell(NB, "grader-backprop_gradients", ns)


# ------------------------------------------------------------------------------------------------ the grader

def test_the_stub_is_not_written_yet_and_the_notebook_falls_back_to_the_reference(ns):
    verdict = run_cell(NB, "grader-backprop_gradients", ns)
    assert verdict.status == "missing" and not verdict.passed
    assert repr(verdict).startswith("…") and "not written yet" in repr(verdict)
    assert ns["backprop"] is backprop_gradients_reference
    assert verdict.uses == "the course's reference `backprop_gradients`"


def test_the_solution_cell_passes(ns):
    verdict = check_backprop_gradients(ns["backprop_gradients_solution"])
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("✓") and "numerical gradient" in verdict.message


def test_the_solution_pasted_into_the_stub_passes_and_becomes_backprop(ns):
    verdict = _grade_in_notebook(ns, _student_source("return", "return"))
    assert verdict.passed, verdict.message
    assert ns["backprop"] is ns["backprop_gradients"]
    assert verdict.uses == "your `backprop_gradients`"


MISTAKES = [
    # (what the student wrote instead, key, words the message must contain)
    (("dW2 = layer.T @ delta2", "dW2 = delta2.T @ layer"), "transpose",
     ["dW2", "shape (5, 4), expected (4, 5)", "dW2 = layer.T @ delta2"]),
    (("dW2 = layer.T @ delta2", "dW2 = layer @ delta2"), "transpose", ["missing transpose", "layer.T @ delta2"]),
    (("delta2 = (output - Y) / N", "delta2 = (Y - output) / N"), "sign", ["wrong sign", "output - Y"]),
    (("delta2 = (output - Y) / N", "delta2 = (output - Y)"), "sum", ["factor of 6", "summed", "divide by N"]),
    (("N = X.shape[0]", "N = 4"), "fixed_n", ["X.shape[0]"]),
    (("db2 = delta2.sum(axis=0)", "db2 = delta2.mean(axis=0)"), "double_mean", ["db2", "divided by N twice"]),
    (("db2 = delta2.sum(axis=0)", "db2 = np.zeros_like(b2)"), "no_bias", ["db2", "bias"]),
    (("db2 = delta2.sum(axis=0)", "db2 = delta2"), "shape", ["db2", "summed over the examples"]),
    (("delta2 = (output - Y) / N * output * (1 - output)", "delta2 = (output - Y) / N"), "output_slope",
     ["dW2", "slope"]),
    (("delta1 = (delta2 @ W2.T) * layer * (1 - layer)", "delta1 = delta2 @ W2.T"), "hidden_slope",
     ["dW1", "slope"]),
    (("delta1 = (delta2 @ W2.T) * layer * (1 - layer)", "delta1 = (delta2 @ W2.T) * layer"), "hidden_values",
     ["dW1", "dW2 and db2 are right", "delta1"]),
    (("    delta1 = ", "    W2 -= 4.0 * layer.T @ delta2          # last weights first\n    delta1 = "),
     "changed_input", ["changed W2", "before any update"]),
    (("return dW1, db1, dW2, db2", "return dW2, db2, dW1, db1"), "order", ["(dW1, db1, dW2, db2)"]),
    # found by trying the exercise as a student (each was "does not match the expected values" before)
    (("delta2 = (output - Y) / N", "delta2 = 2 * (output - Y) / N"), "no_half", ["factor of 2", "½"]),
    (("delta2 = (output - Y) / N * output * (1 - output)",
      "z2 = layer @ W2 + b2\n    delta2 = (output - Y) / N * z2 * (1 - z2)"), "prime_on_z",
     ["output * (1 - output)", "not z * (1 - z)"]),
    (("delta2 = (output - Y) / N", "delta2 = (output - Y) / Y.size"), "mean_all", ["N·K", "divide by N"]),
    (("return dW1, db1, dW2, db2", "return dW1, dW2"), "type", ["four arrays"]),
]


@pytest.mark.parametrize("edit, key, words", MISTAKES, ids=[m[1] + ":" + m[0][1][:24] for m in MISTAKES])
def test_a_typical_mistake_is_named_and_the_notebook_keeps_the_reference(ns, edit, key, words):
    verdict = _grade_in_notebook(ns, _student_source(*edit))
    assert_names_mistake(verdict, key, *words)
    assert ns["backprop"] is backprop_gradients_reference
    assert verdict.uses == "the course's reference `backprop_gradients`"


def test_a_crash_in_the_students_code_is_reported_not_raised(ns):
    verdict = _grade_in_notebook(ns, _student_source("N = X.shape[0]", "N = X.shape[0]; undefined_name"))
    assert verdict.status == "fail" and verdict.mistake == "error" and "NameError" in verdict.message


def test_the_grader_checks_against_the_numerical_gradient_not_only_the_reference(monkeypatch, ns):
    # A grader that only compared with a (broken) reference would pass a wrong function; ours also
    # compares with the numerical gradient.
    import helpers.grading.backprop as grading

    def wrong(X, Y, W1, b1, W2, b2):
        dW1, db1, dW2, db2 = backprop_gradients_reference(X, Y, W1, b1, W2, b2)
        return dW1, db1, 1.01 * dW2, db2

    monkeypatch.setattr(grading, "backprop_gradients_reference", wrong)
    verdict = grading.check_backprop_gradients(wrong)
    assert verdict.status == "fail" and verdict.mistake == "numerical", verdict.message


# ------------------------------------------------- the rest of the notebook runs the student's code once it passes

def test_training_and_the_panel_run_the_students_function_once_it_passes(ns, capsys):
    calls = []
    run_source(_student_source("return", "return"), ns)
    passing = ns["backprop_gradients"]
    ns["backprop_gradients"] = lambda *args: calls.append(1) or passing(*args)
    verdict = run_cell(NB, "grader-backprop_gradients", ns)
    assert verdict.passed
    calls.clear()
    y_hat = ns["show_training"](num_epochs=100)
    assert len(calls) == 100 and y_hat.shape == (4, 5)
    assert "Training with your `backprop_gradients` (section 4)." in capsys.readouterr().out
    # a later wrong version, re-run with its grader, hands training back to the reference
    verdict = _grade_in_notebook(ns, _student_source("delta2 = (output - Y) / N", "delta2 = (Y - output) / N"))
    assert not verdict.passed
    calls.clear()
    ns["show_training"](num_epochs=100)
    assert not calls
    assert "Training with the course's reference `backprop_gradients` (section 4)." in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ the "Try it" cells

def _run_answer(ns, cell_id, old, new):
    source = cell_source(NB, cell_id)
    assert old in source, f"cell {cell_id} no longer contains {old!r}: update this test"
    return run_source(source.replace(old, new), ns, filename=cell_id)


@pytest.mark.parametrize("answer, status, key", [("2", "pass", None), ("3", "fail", "too_big"),
                                                 ("1", "fail", "too_small"), ("None", "missing", None),
                                                 ("2.5", "fail", "type"), ("2.0", "pass", None)])
def test_try_it_1_smallest_hidden_layer(ns, answer, status, key):
    result = _run_answer(ns, "tryit-smallest-hidden", "smallest_hidden = None", f"smallest_hidden = {answer}")
    assert result.status == status and result.mistake == key, result.message
    assert result.message.startswith({"pass": "✓", "fail": "✗", "missing": "Set"}[status])


def test_try_it_1_the_answer_is_true(ns):
    # 2 hidden neurons learn all 20 entries at the default settings, 1 does not
    predict, train = ns["predict"], ns["train_network"]
    X, Y = logic_gates(("AND", "OR", "XOR", "NAND", "NOR"))
    right = {h: int(np.sum(np.round(predict(train(num_hidden=h)[0], X)) == Y)) for h in (1, 2)}
    assert right == {1: 19, 2: 20}


@pytest.mark.parametrize("answer, status, key", [("2.0", "pass", None), ("32", "fail", "times_n"),
                                                 ("8.0", "fail", "same_lr"), ("-2", "fail", "sign"),
                                                 ("0.5", "fail", "values"), ("None", "missing", None)])
def test_try_it_2_the_sources_learning_rate(ns, answer, status, key):
    result = _run_answer(ns, "tryit-source-lr", "lr_source = None", f"lr_source = {answer}")
    assert result.status == status and result.mistake == key, result.message


def test_try_it_2_passes_only_when_the_loops_really_agree(ns):
    # The check trains both loops; a source loop that does not take the course's steps is caught.
    from helpers.grading.backprop import check_source_lr

    def drifting_source(lr, num_epochs):
        W1, b1, W2, b2 = ns["train_source"](lr=lr, num_epochs=num_epochs)
        return W1, b1, W2 + 1e-3, b2

    assert check_source_lr(2.0, ns["train_source"], ns["train_network"]).passed
    result = check_source_lr(2.0, drifting_source, ns["train_network"])
    assert result.status == "fail" and result.mistake == "loops_differ"


def test_try_it_3_xnor_right_trains_six_outputs(ns, capsys):
    result = _run_answer(ns, "tryit-xnor", "xnor = [None, None, None, None]", "xnor = [1, 0, 0, 1]")
    assert result.passed and result.message.startswith("✓")
    assert "24 of 24 entries right" in capsys.readouterr().out


@pytest.mark.parametrize("answer, status, key", [("[0, 1, 1, 0]", "fail", "xor"), ("[1, 0, 0, 0]", "fail", "values"),
                                                 ("[1, 0, 0]", "fail", "type"), ("[1, 0, 2, 1]", "fail", "type"),
                                                 ("[1, None, 0, 1]", "missing", None)])
def test_try_it_3_xnor_wrong_answers(ns, capsys, answer, status, key):
    result = _run_answer(ns, "tryit-xnor", "xnor = [None, None, None, None]", f"xnor = {answer}")
    assert result.status == status and result.mistake == key, result.message
    assert "entries right" not in capsys.readouterr().out  # no network trained on a wrong table


def test_no_cell_but_the_solution_uses_the_solution():
    # The hand-out edition deletes the solution cell; the notebook must run without it.
    from nbcells import cells

    users = [cell_id for cell_id, cell in cells(NB).items()
             if "backprop_gradients_solution" in "".join(cell["source"]) and cell_id != "solution-backprop_gradients"]
    assert not users, f"cells {users} use the solution, which the hand-out edition deletes"



def test_the_hidden_roles_the_text_names_are_computed_by_a_cell(ns):
    # section 8 says one hidden neuron became roughly an OR and the other a NAND: its cell computes that,
    # and its check fails when the roles are others
    import matplotlib
    matplotlib.use("Agg")
    with contextlib.redirect_stdout(io.StringIO()):
        exec("from helpers.plots import CLASS_COLORS, plot_decision_line", ns)   # as cell-14 does
        for cell_id in ("cell-21", "hidden-roles"):
            run_cell(NB, cell_id, ns)
    assert sorted(ns["found"]) == ["NAND", "OR"]
    ns["params2"]["W1"] *= -1   # mirrored hidden neurons: NOR-like and AND-like, not OR and NAND
    with pytest.raises(AssertionError, match="not OR and NAND"):
        run_cell(NB, "hidden-roles", ns)


def test_try_it_1_too_big_says_works_only_when_it_does():
    from helpers.grading.backprop import check_smallest_hidden

    def failing_trainer(num_hidden):   # a trainer whose network gets nothing right
        return {"W1": np.zeros((2, num_hidden)), "b1": np.zeros(num_hidden),
                "W2": np.zeros((num_hidden, 5)), "b2": np.full(5, -10.0)}, None
    result = check_smallest_hidden(3, failing_trainer)
    assert result.mistake == "too_big" and "works" not in result.message, result.message


def test_the_subtle_bugs_cell_puts_the_graders_choice_back(ns):
    # section 5 trains with two buggy backward passes by rebinding `backprop`; afterwards the notebook must
    # run on the function the grader chose again
    chosen = ns["backprop"]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec("from helpers.gradcheck import numerical_gradient, rel_error", ns)
        run_cell(NB, "cell-10", ns)
        run_cell(NB, "subtle-bugs", ns)
    assert ns["backprop"] is chosen
    assert ns["entries_right"] == {"output's": 20, "hidden layer's": 17}, out.getvalue()
    assert out.getvalue().count("(a bug)") == 2, out.getvalue()
