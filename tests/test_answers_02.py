"""Answer tests for notebook 02: the sigmoid_derivative and gradient_step graders, the "Try it" check cells,
and the numbers the notebook states about the output sigmoid.

Cells are taken from the stored notebook (tests/nbcells.py). The whole notebook is also run with the
solutions in the student's place: the student's functions must then drive the later cells and the panel.
"""

import contextlib
import functools
import io

import matplotlib
import numpy as np
import pytest

from helpers.activations import sigmoid, sigmoid_prime
from helpers.grading.sigmoid import gradient_step_reference
from helpers.model import TrainingDiverged
import nbcells  # noqa: E402
from nbcells import cell_source, cells, run_source
from verdicts import assert_names_mistake

matplotlib.use("Agg")

NB = "02_sigmoid"
run_notebook = functools.partial(nbcells.run_notebook, NB)  # (namespace, printed) of a run of NB
EXERCISES = ("sigmoid_derivative", "gradient_step")




def as_student(name):
    return cell_source(NB, f"solution-{name}").replace(f"{name}_solution", name)


@pytest.fixture(scope="module")
def stored_run():
    return run_notebook()


@pytest.fixture(scope="module")
def student_run():
    return run_notebook(replace={f"exercise-{name}": as_student(name) for name in EXERCISES})


def grade_with(stored_run, name, fn):
    ns = dict(stored_run[0])
    ns[name] = fn
    return run_source(cell_source(NB, f"grader-{name}"), ns), ns


# ---------------------------------------------------------------- the graders

@pytest.mark.parametrize("name", EXERCISES)
def test_exercise_cells_follow_the_convention(name):
    c = cells(NB)
    assert "exercise" in c[f"exercise-{name}"]["metadata"]["tags"]
    assert "NotImplementedError" in cell_source(NB, f"exercise-{name}")
    sol = c[f"solution-{name}"]
    assert "solution" in sol["metadata"]["tags"]
    assert sol["metadata"]["jupyter"]["source_hidden"] is True and sol["metadata"]["cellView"] == "form"
    assert cell_source(NB, f"solution-{name}").startswith("# @title Solution (click to show)")
    assert "grader" in c[f"grader-{name}"]["metadata"]["tags"]
    others = [cid for cid in c if cid != f"solution-{name}" and c[cid]["cell_type"] == "code"]
    assert not any(f"{name}_solution" in cell_source(NB, cid) for cid in others)


@pytest.mark.parametrize("name", EXERCISES)
def test_grader_accepts_the_solution_cell(stored_run, name):
    verdict, _ = grade_with(stored_run, name, stored_run[0][f"{name}_solution"])
    assert verdict.passed and repr(verdict).startswith("✓"), verdict.message


def test_unfilled_stubs_fall_back_to_the_reference(stored_run):
    ns, printed = stored_run
    assert ns["d_sigmoid"] is sigmoid_prime
    assert ns["train_step"] is gradient_step_reference
    assert "the course's reference `gradient_step`" in printed["cell-18"]
    assert "The slope is drawn with the course's reference `sigmoid_derivative`." in printed["cell-15"]


def _sig(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("fn, key, words", [
    (lambda z: _sig(z) * (1 + _sig(z)), "one_plus", "with a minus"),
    (lambda z: z * (1 - z), "on_z", "pre-activation"),
    (lambda z: _sig(z), "sigma", "σ(z) itself"),
    (lambda z: _sig(z) * (_sig(z) - 1), "sign", "wrong sign"),
])
def test_derivative_grader_names_typical_mistakes(stored_run, fn, key, words):
    verdict, ns = grade_with(stored_run, "sigmoid_derivative", fn)
    assert_names_mistake(verdict, key, words)
    assert ns["d_sigmoid"] is sigmoid_prime


def _step(kind):
    def gradient_step(w, b, X, y, lr):
        N = X.shape[0]
        y_hat = _sig(X @ w + b)
        z = X @ w + b
        delta = {
            "sum": (y_hat - y) * y_hat * (1 - y_hat),
            "no_prime": (y_hat - y) / N,
            "prime_on_z": (y_hat - y) / N * z * (1 - z),
            "sign": (y - y_hat) / N * y_hat * (1 - y_hat),
        }.get(kind, (y_hat - y) / N * y_hat * (1 - y_hat))
        if kind == "no_bias":
            return w - lr * X.T @ delta, b
        return w - lr * X.T @ delta, b - lr * delta.sum()
    return gradient_step


@pytest.mark.parametrize("kind, key, words", [
    ("sum", "sum", "divide by N"),
    ("no_prime", "no_sigmoid_prime", "sigmoid's slope"),
    ("prime_on_z", "prime_on_z", "pre-activation"),
    ("sign", "sign", "climbs the loss"),
    ("no_bias", "bias", "bias did not change"),
])
def test_step_grader_names_typical_mistakes(stored_run, kind, key, words):
    verdict, ns = grade_with(stored_run, "gradient_step", _step(kind))
    assert_names_mistake(verdict, key, words)
    assert ns["train_step"] is gradient_step_reference


def test_derivative_grader_names_tanhs_form(stored_run):
    verdict, _ = grade_with(stored_run, "sigmoid_derivative", lambda z: 1 - _sig(z) ** 2)
    assert verdict.mistake == "one_minus_square" and "tanh" in verdict.message, verdict.message


def test_a_forgotten_half_is_not_called_a_forgotten_learning_rate(stored_run):
    # L = 1/(2N) Σ (ŷ - y)²: a student who differentiates the square without the ½ takes twice the step.
    # With a grading case at lr 0.5 this was reported as "multiply the gradient by the learning rate".
    def twice(w, b, X, y, lr):
        y_hat = _sig(X @ w + b)
        delta = 2 * (y_hat - y) / len(X) * y_hat * (1 - y_hat)
        return w - lr * X.T @ delta, b - lr * delta.sum()
    verdict, _ = grade_with(stored_run, "gradient_step", twice)
    assert verdict.mistake == "no_half" and "½" in verdict.message, verdict.message
    assert "learning rate" not in verdict.message


# ------------------------------------------------- the student's code drives the notebook

def test_the_students_functions_drive_the_later_cells_and_panel(student_run):
    ns, printed = student_run
    assert ns["d_sigmoid"] is ns["sigmoid_derivative"]
    assert ns["train_step"] is ns["gradient_step"]
    assert "training with your `gradient_step`" in printed["cell-18"]
    assert "This panel trains the sigmoid neuron with your `gradient_step`." in printed["cell-32"]
    assert "The slope is drawn with your `sigmoid_derivative`." in printed["cell-15"]
    calls = []
    student = ns["gradient_step"]
    ns["train_step"] = lambda *args: calls.append(1) or student(*args)
    ns["show_training"](lr=2.0, num_epochs=50, gate="AND", output="sigmoid")
    assert len(calls) == 50


def test_rerunning_the_training_cell_keeps_later_checks_true(stored_run):
    ns = dict(stored_run[0])
    with contextlib.redirect_stdout(io.StringIO()):
        for _ in range(2):
            run_source(cell_source(NB, "cell-18"), ns)
        run_source(cell_source(NB, "cell-20"), ns)
        run_source(cell_source(NB, "cell-22"), ns)



# ---------------------------------------------------------------- the numbers the notebook states

def test_weights_grow_without_end_with_the_sigmoid(stored_run):
    grown = stored_run[0]["grown"]
    assert [round(grown[e][0], 1) for e in (2000, 20_000, 200_000)] == [6.2, 8.7, 11.0]
    assert [round(grown[e][1], 1) for e in (2000, 20_000, 200_000)] == [6.2, 8.7, 11.0]


def test_linear_output_settles_at_least_squares_below_two_over_lambda_max(stored_run):
    ns = stored_run[0]
    assert round(ns["lr_limit"], 3) == 1.255
    assert np.allclose(ns["least_squares"], [0.5, 0.5, 0.25])
    final = ns["train_linear_many"]([1.2, 1.25, 1.3], num_epochs=5000)
    assert np.allclose(final[0], [0.5, 0.5, 0.25], atol=1e-9)   # lr 1.2 converges
    assert np.allclose(final[1], [0.5, 0.5, 0.25], atol=1e-6)
    assert not np.allclose(final[2], [0.5, 0.5, 0.25], atol=1e-3)


def test_sigmoid_neuron_trains_where_the_linear_one_diverges(stored_run):
    ns = stored_run[0]
    X, y = ns["X"], ns["y"]
    for lr in (3.0, 30.0):
        w, b, losses = ns["train_neuron"](X, y, lr=lr, num_epochs=2000)
        assert np.array_equal(np.round(sigmoid(X @ w + b)), y) and losses[-1] < losses[0]
        with pytest.raises(TrainingDiverged):
            ns["train_neuron"](X, y, lr=lr, num_epochs=2000, use_sigmoid=False)


def test_precedence_bug_is_shown(stored_run):
    printed = stored_run[1]["cell-04c"]
    assert "[8.3891 2.     1.1353]" in printed and "[0.1192 0.5    0.8808]" in printed


def test_the_false_claims_are_gone_and_the_source_is_corrected_by_name():
    text = " ".join("".join(c["source"]) for c in cells(NB).values() if c["cell_type"] == "markdown")
    assert "about 1.1" not in text.replace('"about 1.1"', "")
    assert "keeps corrections bounded" not in text and "keep corrections bounded" not in text
    assert "keeps the weights from growing" in text  # quoted once, as the thread's claim, and refuted
    assert "[notation](NOTATION.md)" in text and "epoch" in text and "full-batch gradient descent" in text
    assert "e^{z}/(1+e^{z})" not in text  # the old, wrong description of helpers' sigmoid


# ---------------------------------------------------------------- the "Try it" check cells

def _try(stored_run, cid, old, new):
    source = cell_source(NB, cid)
    assert old in source, f"{cid} no longer contains {old!r}"
    return run_source(source.replace(old, new), dict(stored_run[0]))


def test_try_max_slope(stored_run):
    assert _try(stored_run, "cell-34", "max_slope = None", "max_slope = 0.25").passed
    wrong = _try(stored_run, "cell-34", "max_slope = None", "max_slope = 0.5")
    assert wrong.status == "fail" and repr(wrong).startswith("✗")
    assert run_source(cell_source(NB, "cell-34"), dict(stored_run[0])).status == "missing"


def test_try_steep_weight(stored_run):
    right = _try(stored_run, "cell-36", "w_steep = 1.0", "w_steep = 50")
    assert right.passed and repr(right).startswith("✓")
    wrong = _try(stored_run, "cell-36", "w_steep = 1.0", "w_steep = 10")
    assert wrong.status == "fail" and repr(wrong).startswith("✗")


def test_try_xor_output(stored_run):
    right = _try(stored_run, "cell-38", "xor_output = None", "xor_output = 0.5")
    assert right.passed and repr(right).startswith("✓")
    wrong = _try(stored_run, "cell-38", "xor_output = None", "xor_output = 1.0")
    assert wrong.status == "fail" and repr(wrong).startswith("✗")


@pytest.mark.parametrize("lr, to_half", [(0.1, True), (2.0, True), (20.0, True), (30.0, False), (100.0, False)])
def test_the_panels_xor_hint_holds_across_the_learning_rate_slider(stored_run, lr, to_half):
    # section 7: "at learning rates up to 20 all four outputs drift to 0.5; from about 30 on the steps
    # overshoot and the outputs stop elsewhere, with a loss no lower" (found by moving the slider)
    ns, _ = stored_run
    X_x, y_x = ns["logic_gate"]("XOR")
    w, b, losses = ns["train_neuron"](X_x, y_x, lr=lr, num_epochs=2000)
    outputs = sigmoid(X_x @ w + b)
    assert np.allclose(outputs, 0.5, atol=0.05) == to_half, outputs
    assert losses[-1] >= 0.125 - 1e-6, losses[-1]


def test_the_notebook_runs_without_its_solution_cells():
    # the hand-out edition deletes solution cells: nothing later may need them
    ns, printed = run_notebook(replace={f"solution-{name}": "" for name in EXERCISES})
    assert not any(f"{name}_solution" in ns for name in EXERCISES)
    assert "outputs: [0.06 0.97 0.97 1.  ]" in printed["cell-32"]


@pytest.mark.parametrize("lr", [0.01, 1.2, 100.0])
@pytest.mark.parametrize("num_epochs, gate", [(50, "OR"), (5000, "XOR"), (5000, "NAND")])
@pytest.mark.parametrize("output", ["sigmoid", "linear"])
def test_training_panel_runs_or_reports_divergence_at_the_slider_extremes(stored_run, lr, num_epochs, gate, output):
    import matplotlib.pyplot as plt

    show = stored_run[0]["show_training"]
    with contextlib.redirect_stdout(io.StringIO()):
        if output == "linear" and lr > 2 / 1.5931:   # above 2/λ_max the linear neuron must blow up
            with pytest.raises(TrainingDiverged):
                show(lr=lr, num_epochs=num_epochs, gate=gate, output=output)
        else:
            out = show(lr=lr, num_epochs=num_epochs, gate=gate, output=output)
            assert out.shape == (4,) and np.all(np.isfinite(out))
    plt.close("all")


@pytest.mark.parametrize("w, b", [(-10.0, -5.0), (0.0, 5.0), (10.0, 0.0), (0.5, -5.0)])
def test_neuron_panel_runs_at_the_slider_extremes(stored_run, w, b):
    import matplotlib.pyplot as plt

    with contextlib.redirect_stdout(io.StringIO()):
        fig = stored_run[0]["show_neuron"](w=w, b=b)
    assert fig.axes[0].get_title().startswith(f"w = {w:.1f}")
    plt.close("all")
