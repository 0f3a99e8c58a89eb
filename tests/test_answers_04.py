"""Answer tests of notebook 04: the graded exercise and every check cell, fed a right and a typical wrong answer.

Cells are taken from the stored notebook by id (tests/nbcells.py), so the tests grade what a student runs.
"""

import numpy as np
import pytest

from helpers.datasets import moons_bayes_accuracy
from nbcells import cell_source, run_cell, run_source
from verdicts import assert_names_mistake

NB = "04_moons_softmax"


@pytest.fixture
def ns():
    """The namespace a student has when they reach the exercise: numpy, plt, softmax, the loss."""
    namespace = {}
    run_source("import numpy as np\nimport matplotlib.pyplot as plt", namespace)
    for cell_id in ("cell-02", "cell-10", "cell-12"):
        run_cell(NB, cell_id, namespace)
    return namespace


def grade_with(ns, fn):
    """Put fn in the notebook as the student's cross_entropy_grad and run the grader cell."""
    ns["cross_entropy_grad"] = fn
    verdict = run_cell(NB, "grader-cross_entropy_grad", ns)
    assert repr(verdict) == verdict.message, "the grader cell should display the verdict's one line"
    return verdict


def test_the_stub_is_reported_missing_and_the_reference_is_used(ns):
    run_cell(NB, "exercise-cross_entropy_grad", ns)
    with pytest.raises(NotImplementedError, match="one-hot|Y"):
        ns["cross_entropy_grad"](np.zeros((2, 2)), np.array([0, 1]))
    verdict = run_cell(NB, "grader-cross_entropy_grad", ns)
    assert verdict.status == "missing" and "not written yet" in verdict.message
    assert ns["ce_grad"] is verdict.fn and verdict.uses == "the course's reference `cross_entropy_grad`"
    z, y = np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([1, 1])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ns["ce_grad"](z, y), (p - np.eye(2)[y]) / 2)


def test_the_solution_passes_and_is_used_below(ns):
    run_cell(NB, "solution-cross_entropy_grad", ns)
    verdict = grade_with(ns, ns["cross_entropy_grad_solution"])
    assert verdict.passed, verdict.message
    assert verdict.message.startswith("✓") and "numerical gradient" in verdict.message
    assert ns["ce_grad"] is ns["cross_entropy_grad_solution"]
    assert verdict.uses == "your `cross_entropy_grad`"


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _onehot(y, K):
    return np.eye(K)[y]


WRONG = {
    "integer_labels": (lambda z, y: (_softmax(z) - y[:, None]) / len(y), "one-hot"),
    "sum": (lambda z, y: _softmax(z) - _onehot(y, z.shape[1]), "divide by N"),
    "sign": (lambda z, y: (_onehot(y, z.shape[1]) - _softmax(z)) / len(y), "wrong sign"),
    "overflow": (lambda z, y: (np.exp(z) / np.exp(z).sum(axis=1, keepdims=True) - _onehot(y, z.shape[1])) / len(y),
                 "maximum"),
    "scores_not_probabilities": (lambda z, y: (z - _onehot(y, z.shape[1])) / len(y), "softmax"),
    "transpose": (lambda z, y: ((_softmax(z) - _onehot(y, z.shape[1])) / len(y)).T, "transposed"),
    "mean_all": (lambda z, y: (_softmax(z) - _onehot(y, z.shape[1])) / z.size, "N * K"),
}


@pytest.mark.parametrize("key", sorted(WRONG))
def test_typical_mistakes_are_named_and_the_reference_is_kept(ns, key):
    fn, words = WRONG[key]
    verdict = grade_with(ns, fn)
    assert_names_mistake(verdict, key, words)
    assert ns["ce_grad"] is verdict.fn and ns["ce_grad"] is not fn


def test_the_gradient_check_cell_accepts_the_right_gradient_and_stops_a_wrong_one(ns):
    run_cell(NB, "solution-cross_entropy_grad", ns)
    ns["ce_grad"] = ns["cross_entropy_grad_solution"]
    run_cell(NB, "gradcheck", ns)
    ns["ce_grad"] = WRONG["sum"][0]
    with pytest.raises(AssertionError, match="re-run the grader"):
        run_cell(NB, "gradcheck", ns)


def _answer_cell(cell_id, line, answer, ns):
    source = cell_source(NB, cell_id)
    assert line in source, f"{cell_id} should contain the answer line {line!r}"
    return run_source(source.replace(line, line.replace("None", answer), 1), ns)


@pytest.mark.parametrize("answer, status, words", [
    ("None", "missing", "first"),
    ("[0.269, 0.731]", "pass", "Right"),
    ("[0.731, 0.269]", "fail", "swapped"),
    ("[0.5, 0.5]", "fail", "subtract the maximum"),
])
def test_try_it_1_softmax_by_hand(answer, status, words, ns):
    verdict = _answer_cell("cell-31", "p_1000_1001 = None", answer, ns)
    assert verdict.status == status and words in verdict.message


@pytest.mark.parametrize("answer, status, words", [
    ("None", "missing", "first"),
    ("0.01 / 200", "pass", "5e-05"),
    ("5e-5", "pass", "Right"),
    ("0.01 * 200", "fail", "multiplies by N"),
    ("0.01", "fail", "200 times stronger"),
])
def test_try_it_2_the_sources_lambda(answer, status, words, ns):
    ns["X"] = np.zeros((200, 2))
    verdict = _answer_cell("cell-33", "source_reg_as_course_reg = None", answer, ns)
    assert verdict.status == status and words in verdict.message


@pytest.mark.parametrize("answer, status", [("None", "missing"), ("False", "pass"), ("True", "fail")])
def test_try_it_3_ninety_five_percent_at_noise_04(answer, status, ns):
    verdict = _answer_cell("cell-35", "ninety_five_possible = None", answer, ns)
    assert verdict.status == status
    if status != "missing":
        assert f"{moons_bayes_accuracy(0.4):.3f}" in verdict.message


def test_try_it_3_would_accept_true_if_the_data_allowed_it():
    from helpers.grading.moons import check_ninety_five

    assert check_ninety_five(True, moons_bayes_accuracy(0.2)).passed  # 0.971: 95 % is possible at noise 0.2
    assert not check_ninety_five(False, moons_bayes_accuracy(0.2)).passed
    assert check_ninety_five("yes", 0.9).status == "fail"
