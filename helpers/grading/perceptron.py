"""Graders for notebook 01 (the perceptron): the perceptron update, and the checks of its "Try it" cells.

``check_perceptron_update(fn)`` runs the student's ``perceptron_update(w, b, x, y, lr)`` on hand-picked
cases (a mistake of each kind, right predictions, a weighted sum of exactly 0) and compares the change it
makes with the perceptron rule's. The "Try it" checks take the student's answer and return a Verdict too,
so a cell shows one line and a test can feed it right and wrong answers.
"""

import numpy as np

from ..perceptron import perceptron_predict, perceptron_update
from . import Mistake, Verdict, compare, grade

PASS, FAIL, MISSING = "\u2713", "\u2717", "\u2026"  # ✓ ✗ …

__all__ = ["check_perceptron_update", "check_nor_weights", "check_lr_scaling", "check_xnor", "answer"]

# (w, b, x, y, lr): the prediction step(w . x + b) is wrong upwards, wrong downwards, right, and exactly on
# the line (w . x + b == 0.0 in floating point, where step gives 1); three inputs in one case, so that code
# written for two inputs only is caught; lr is never 1, so a forgotten learning rate shows.
_CASES = [
    (np.array([0.2, -0.4]), 0.1, np.array([1.0, 1.0]), 1.0, 0.1),             # sum -0.1: says 0, should say 1
    (np.array([0.5, 0.3]), -0.2, np.array([1.0, 0.0]), 0.0, 0.1),             # sum 0.3: says 1, should say 0
    (np.array([0.3, 0.2]), -0.4, np.array([1.0, 0.0]), 1.0, 0.1),             # sum -0.1, but w·x alone 0.3:
                                                                               # a prediction without b is right
    (np.array([0.5, 0.3]), -0.2, np.array([0.0, 1.0]), 1.0, 0.1),             # sum 0.1: right
    (np.array([-0.3, 0.6]), 0.3, np.array([1.0, 0.0]), 1.0, 0.1),             # sum exactly 0: step says 1, right
    (np.array([0.1, -0.2, 0.3]), -0.5, np.array([1.0, 1.0, 0.0]), 1.0, 0.5),  # three inputs, says 0
    (np.array([0.4, 0.1]), 0.0, np.array([0.5, 2.0]), 0.0, 0.25),             # inputs that are not 0 or 1
]


def _describe(w, b, x, y):
    z = float(x @ w + b)
    error = y - float(z >= 0)
    error_text = f"{error:+g}" if error else "0"
    return (f"for w = {np.round(w, 3).tolist()}, b = {b:g}, x = {x.tolist()}, target {y:g} "
            f"(w·x + b = {z:.3g}, so the perceptron says {float(z >= 0):g}: error {error_text})")


def _check_update(fn):
    for w, b, x, y, lr in _CASES:
        out = fn(w.copy(), b, x.copy(), y, lr)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Mistake("perceptron_update should return two things, the new weights and the new bias: "
                          "`return w_new, b_new`.", key="return")
        w_new, b_new = out
        if np.ndim(w_new) == 0 and np.shape(b_new) == w.shape:
            raise Mistake("perceptron_update returned (bias, weights); return them in the order "
                          "`return w_new, b_new`.", key="order")
        w_ref, b_ref = perceptron_update(w, b, x, y, lr)
        where = _describe(w, b, x, y)
        z = float(x @ w + b)
        error = y - float(z >= 0)
        raw_error = y - z  # the error of the weighted sum itself, without the step
        strict_error = y - float(z > 0)  # step(0) taken as 0
        no_b_error = y - float(x @ w >= 0)  # the prediction made without the bias
        dw_ref, db_ref = w_ref - w, b_ref - b
        try:
            dw = np.asarray(w_new, dtype=np.float64) - w
        except (TypeError, ValueError):
            raise Mistake(f"the new weights should be an array like w, got {type(w_new).__name__}.",
                          key="type") from None
        if dw.shape != w.shape:
            raise Mistake(f"the new weights have shape {dw.shape}, expected {w.shape} (one weight per input).",
                          key="shape")
        step_variants = {  # step_at_zero first: at w·x + b = 0 it gives the same change as no_step
            "step_at_zero": (lr * strict_error * x, "at w·x + b = 0 exactly the step says 1 (step(z) = 1 "
                                                     "for z >= 0); you treated 0 as 'does not fire'."),
            "no_step": (lr * raw_error * x, "the error must use the perceptron's output step(w·x + b), "
                                            "not the weighted sum w·x + b itself."),
            "no_bias_in_prediction": (lr * no_b_error * x, "the prediction must include the bias: "
                                                           "step(x @ w + b), not step(x @ w)."),
            "no_change": (np.zeros_like(x), f"the weights did not move, although the perceptron was wrong "
                                            f"(error {error:+g}). The rule moves them for error +1 and -1 "
                                            f"alike: w_new = w + lr * error * x."),
            "sign": (-dw_ref, "it moves the wrong way. error = target - prediction, and the rule adds "
                              "lr * error * x."),
            "no_x": (lr * error * np.ones_like(x), "each weight moves by lr * error * x_j, its own input "
                                                  "times the error; you left out the factor x."),
        }
        compare(f"the change of w {where}", dw, dw_ref, atol=1e-12, variants=step_variants,
                factors={"no_lr": (1 / lr, f"multiply the change by the learning rate lr = {lr:g}.")})
        db = np.asarray(b_new, dtype=np.float64) - b
        bias_variants = {
            "bias": (0.0, "the bias did not change. It learns like a weight whose input is always 1: "
                          "b_new = b + lr * error."),
            "step_at_zero": (lr * strict_error, "at w·x + b = 0 exactly the step says 1."),
            "no_step": (lr * raw_error, "the error must use step(w·x + b), not w·x + b."),
            "no_bias_in_prediction": (lr * no_b_error, "the prediction must include the bias: "
                                                       "step(x @ w + b), not step(x @ w)."),
            "sign": (-db_ref, "the bias moves the wrong way: b_new = b + lr * error."),
        }
        compare(f"the change of b {where}", db, db_ref, atol=1e-12, variants=bias_variants,
                factors={"no_lr": (1 / lr, f"multiply the change by the learning rate lr = {lr:g}.")})
    return (f"follows the perceptron rule in all {len(_CASES)} test cases (mistakes both ways, right "
            f"predictions, a weighted sum of exactly 0, three inputs)")


def check_perceptron_update(perceptron_update_fn):
    """Grade the student's perceptron_update(w, b, x, y, lr) -> (w_new, b_new). Returns a Verdict."""
    return grade("perceptron_update", perceptron_update_fn, perceptron_update, _check_update)


def answer(name, status, message):
    """The Verdict of a "Try it" check: status "pass", "fail" or "missing" (no answer given yet)."""
    mark = {"pass": PASS, "fail": FAIL, "missing": MISSING}[status]
    return Verdict(name, status, f"{mark} {message}", None, None if status != "fail" else "wrong")


def check_nor_weights(w, b):
    """Try it 1: do weights w (2,) and bias b make the perceptron compute NOR on the four inputs?"""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([1, 0, 0, 0])
    try:
        got = perceptron_predict(X, np.asarray(w, dtype=float).reshape(2), float(b)).astype(int)
    except (TypeError, ValueError):
        return answer("w_nor", "fail", f"w_nor should be two numbers and b_nor one number, "
                      f"got {w!r} and {b!r}.")
    if np.array_equal(got, y):
        return answer("w_nor", "pass", "Correct: your perceptron computes NOR.")
    return answer("w_nor", "fail", f"Not yet: your weights give {got.tolist()}, NOR is {y.tolist()}. "
                  "Make the bias non-negative for (0, 0) and each weight negative enough to pull the sum "
                  "below 0.")


def check_lr_scaling(same, small, large):
    """Try it 2: ``same`` is the student's prediction; small and large are the two PerceptronRuns."""
    truth = small.errors == large.errors
    if same is None:
        return answer("same", "missing", "Set `same` to True or False first.")
    if not isinstance(same, (bool, np.bool_)):
        return answer("same", "fail", f"`same` should be True or False, got {same!r}.")
    if bool(same) == truth:
        return answer("same", "pass", f"Right: the two runs make {'the same' if truth else 'different'} "
                      "predictions. Scaling w, b and lr together scales w·x + b, and the step only looks at "
                      "its sign.")
    return answer("same", "fail", "Not quite: think about what scaling w and b by 100 does to the sign of "
                  "w·x + b.")


def check_xnor(xnor_learnable, runs):
    """Try it 3: ``xnor_learnable`` is the student's answer; runs are PerceptronRuns on XNOR."""
    learned = any(run.converged for run in runs)
    if xnor_learnable is None:
        return answer("xnor_learnable", "missing", "Set `xnor_learnable` to True or False first.")
    if not isinstance(xnor_learnable, (bool, np.bool_)):
        return answer("xnor_learnable", "fail", f"`xnor_learnable` should be True or False, got {xnor_learnable!r}.")
    if bool(xnor_learnable) == learned:
        if learned:
            return answer("xnor_learnable", "pass", "Right: at least one run learned it.")
        return answer("xnor_learnable", "pass", f"Right: none of the {len(runs)} runs learned it. XNOR is XOR "
                      "with the outputs flipped, and flipping the outputs does not make it separable.")
    return answer("xnor_learnable", "fail", "Not quite: draw XNOR's four points on the unit square and try to "
                  "separate them with one line.")
