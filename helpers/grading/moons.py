"""Graders of notebook 04 (two moons): the softmax cross-entropy gradient, and the "Try it" answers.

``check_cross_entropy_grad(fn)`` runs the student's ``cross_entropy_grad(z, y)`` on small random scores,
on scores of +-1000 and on three classes, compares it with the numerical gradient of the mean
cross-entropy and names the usual mistakes. The ``check_*`` answer functions below take a student's answer
(None while unanswered) and the notebook's own numbers, and return a Verdict whose one line is shown.
"""

import numpy as np

from ..gradcheck import numerical_gradient, rel_error
from . import FAIL, PASS, Mistake, Verdict, compare, grade

__all__ = ["check_cross_entropy_grad", "cross_entropy_grad_reference", "check_softmax_answer",
           "check_source_reg", "check_ninety_five"]


def _softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)  # (N, K), largest entry of each row is 0
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _one_hot(y, K):
    Y = np.zeros((len(y), K))
    Y[np.arange(len(y)), y] = 1
    return Y


def cross_entropy_grad_reference(z, y):
    """The course's gradient of the mean softmax cross-entropy: z (N, K) scores, y (N,) labels -> (P - Y) / N."""
    P = _softmax(np.asarray(z, dtype=np.float64))  # (N, K), a new array
    P[np.arange(len(y)), y] -= 1  # P - Y: subtract 1 where k = y_i
    return P / len(y)


def _mean_cross_entropy(z, y):
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -float(np.mean(log_p[np.arange(len(y)), y]))


def _call(fn, z, y):
    z_in, y_in = z.copy(), y.copy()
    got = fn(z_in, y_in)
    if not np.array_equal(z_in, z):
        raise Mistake("your function changed z in place (e.g. p = z, then p[...] -= 1): work on a copy, "
                      "the network still needs its scores.", key="in_place")
    return got


def _check_one(fn, z, y):
    """Compare fn(z, y) with (P - Y)/N, naming the mistakes students make most often."""
    N, K = z.shape
    P, Y = _softmax(z), _one_hot(y, K)
    expected = (P - Y) / N
    got = _call(fn, z, y)
    if got is not None and np.shape(got) == expected.shape and not np.all(np.isfinite(np.asarray(got, float))):
        raise Mistake("your gradient contains NaN or infinity for large scores: np.exp overflowed. Subtract each "
                      "row's maximum from z before np.exp (it cancels in the fraction).", key="overflow")
    variants = {
        "integer_labels": ((P - y[:, None]) / N, "you subtracted the integer labels y from every column of P; "
                           "subtract the one-hot rows Y (Y[i, k] = [k = y_i]), i.e. 1 only in column y_i."),
        "integer_labels_sum": (P - y[:, None], "you subtracted the integer labels y (use the one-hot Y) and "
                               "did not divide by N."),
        "scores_not_probabilities": ((z - Y) / N, "you used the scores z where the probabilities P = softmax(z) "
                                     "belong."),
        "no_normalisation": ((np.exp(z - z.max(axis=1, keepdims=True)) - Y) / N,
                             "P must be normalised: divide np.exp(...) by its row sum, so each row sums to 1."),
        "sign_and_sum": (Y - P, "the sign is flipped (the gradient is P - Y, not Y - P) and the sum over the "
                         "batch should be a mean (divide by N)."),
    }
    factors = {
        "sum": (N, "you summed over the batch; the course averages the loss, so divide by N."),
        "mean_all": (1 / K, "you divided by N * K (np.mean over every entry); divide by N, the number of examples."),
    }
    return compare("the gradient", got, expected, rtol=1e-6, atol=1e-9, variants=variants, factors=factors)


def _check(fn):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(5, 2))
    y = np.array([0, 1, 1, 0, 1])
    _check_one(fn, z, y)
    # three classes: the same code must work for any K (10 digits in notebook 05)
    z3, y3 = rng.normal(size=(6, 3)), np.array([2, 0, 1, 1, 2, 0])
    _check_one(fn, z3, y3)
    # huge scores: a softmax without the max-shift overflows here
    big = np.array([[1000.0, 0.0], [-1000.0, 1000.0], [1000.0, 1001.0]])
    _check_one(fn, big, np.array([0, 0, 1]))
    # against the numerical gradient of the mean cross-entropy (centred differences, float64, h = 1e-5)
    numeric = numerical_gradient(lambda: _mean_cross_entropy(z, y), z)
    error = rel_error(np.asarray(_call(fn, z, y), dtype=np.float64), numeric)
    return (f"matches the numerical gradient of the mean cross-entropy (relative error {error:.0e}), "
            f"works for 3 classes and stays finite for scores of ±1000")


def check_cross_entropy_grad(fn):
    """Grade the student's ``cross_entropy_grad(z, y)``; the Verdict's ``fn`` is what the notebook uses next."""
    return grade("cross_entropy_grad", fn, cross_entropy_grad_reference, _check)


def _answer(name, status, message):
    return Verdict(name, status, message, fn=None, mistake=None if status != "fail" else "wrong_answer")


def check_softmax_answer(answer):
    """Try it 1: softmax of the scores [1000, 1001], as two numbers."""
    name = "p_1000_1001"
    if answer is None:
        return _answer(name, "missing", f"Set `{name}` first.")
    actual = _softmax(np.array([[1000.0, 1001.0]]))[0]
    got = np.asarray(answer, dtype=float).ravel()
    if got.shape == (2,) and np.allclose(got, actual, atol=0.005):
        return _answer(name, "pass", f"{PASS} Right: {np.round(actual, 3).tolist()}. Only differences of scores "
                       f"matter: it is softmax([0, 1]).")
    if got.shape == (2,) and np.allclose(got, actual[::-1], atol=0.005):
        return _answer(name, "fail", f"{FAIL} The numbers are right but swapped: the larger score, 1001, gets "
                       f"the larger probability.")
    return _answer(name, "fail", f"{FAIL} Not quite: subtract the maximum first; what is softmax([-1, 0])?")


def check_source_reg(answer, source_reg=0.01, N=200):
    """Try it 2: the course's λ (on the mean loss) that equals the source's λ on the summed loss over N points."""
    name = "source_reg_as_course_reg"
    if answer is None:
        return _answer(name, "missing", f"Set `{name}` first.")
    expected = source_reg / N
    got = float(answer)
    if np.isclose(got, expected, rtol=1e-3):
        return _answer(name, "pass", f"{PASS} Right: dividing the summed loss by N = {N} divides its penalty by "
                       f"{N} too, so the source's λ = {source_reg:g} is λ = {expected:g} here.")
    if np.isclose(got, source_reg * N, rtol=1e-3):
        return _answer(name, "fail", f"{FAIL} That multiplies by N. The course's loss is the source's divided by "
                       f"N; for the same balance the penalty must shrink by N as well.")
    if np.isclose(got, source_reg, rtol=1e-3):
        return _answer(name, "fail", f"{FAIL} That is the source's number unchanged, which is what the course "
                       f"used to do: on a mean loss it is {N} times stronger.")
    return _answer(name, "fail", f"{FAIL} Not quite: write the source's loss as N times the course's mean loss "
                   f"plus its penalty, and divide everything by N.")


def check_ninety_five(answer, bayes_accuracy):
    """Try it 3: can any classifier reach 95 % on moons of this noise? Answered by the Bayes-optimal accuracy."""
    name = "ninety_five_possible"
    if answer is None:
        return _answer(name, "missing", f"Set `{name}` first.")
    if not isinstance(answer, (bool, np.bool_)):
        return _answer(name, "fail", f"{FAIL} Answer True or False, got {answer!r}.")
    possible = bayes_accuracy >= 0.95
    if bool(answer) == possible:
        return _answer(name, "pass", f"{PASS} Right: the best possible accuracy is {bayes_accuracy:.3f}"
                       f"{'' if possible else ', below 95 %'}. Where the classes overlap, no boundary can be "
                       f"right everywhere.")
    return _answer(name, "fail", f"{FAIL} Not so: the Bayes-optimal classifier, the best any classifier can be, "
                   f"reaches {bayes_accuracy:.3f}.")
