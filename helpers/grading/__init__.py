"""Graders for the "Your turn" exercises: they run the student's function, compare, and answer in one line.

Every exercise in the course has the same three cells: a stub the student fills in, a hidden solution, and
a grader cell::

    verdict = check_backprop_gradients(backprop_gradients)
    gradients = verdict.fn     # the student's function once it passes, else the course's reference
    verdict                    # shows one line: ✓ ..., ✗ ... (naming the mistake), or "not written yet"

The per-notebook graders (``helpers.grading.backprop`` and its siblings) are built from two pieces here:

- ``grade(name, student_fn, reference_fn, check)`` runs ``check(student_fn)`` and turns what happens into
  a :class:`Verdict`: a ``NotImplementedError`` means the stub is still empty, a :class:`Mistake` is a
  mistake the grader recognised and named, any other exception is reported with its type and text;
- ``compare(what, got, expected, ...)`` compares one result with the expected one and raises a
  :class:`Mistake` that names the usual suspects: a wrong shape, a missing transpose, a flipped sign, a
  sum where a mean belongs, or a mistake the notebook names itself (``variants``).

Graders print nothing: a Verdict is displayed by the cell it ends.
"""

import numpy as np

__all__ = ["Mistake", "Verdict", "grade", "compare"]

PASS = "\u2713"  # ✓
FAIL = "\u2717"  # ✗


class Mistake(Exception):
    """A mistake the grader recognised. ``key`` names it for tests ("transpose", "sign", "sum", ...)."""

    def __init__(self, message, key="values"):
        super().__init__(message)
        self.message = message
        self.key = key


class Verdict:
    """What a grader found, shown as one line.

    status: "pass", "fail" or "missing" (the stub still raises NotImplementedError).
    fn: the function the rest of the notebook should use: the student's once it passed, else the reference.
    mistake: the key of the recognised mistake (see :class:`Mistake`), None when there is none.
    """

    def __init__(self, name, status, message, fn, mistake=None):
        self.name, self.status, self.message, self.fn, self.mistake = name, status, message, fn, mistake

    @property
    def passed(self):
        return self.status == "pass"

    @property
    def uses(self):
        """Whose function the notebook runs from here on, for a one-line note above a panel."""
        return f"your `{self.name}`" if self.passed else f"the course's reference `{self.name}`"

    def __repr__(self):
        return self.message

    def __bool__(self):
        return self.passed


def grade(name, student_fn, reference_fn, check):
    """Grade ``student_fn`` with ``check`` and return a :class:`Verdict`.

    check(fn) -> str runs the student's function on test inputs and returns the success detail
    (e.g. "matches the numerical gradient (relative error 3e-10)"); it raises :class:`Mistake` for a
    recognised mistake. Whatever else the student's code raises is reported, never re-raised: a grader
    cell never fails, so the notebook runs on with the reference.
    """
    if not callable(student_fn):
        return Verdict(name, "fail", f"{FAIL} `{name}` should be a function (def {name}(...):), "
                       f"got {type(student_fn).__name__}. Re-run the cell that defines it. "
                       f"The rest of this notebook uses the course's reference version.", reference_fn, "type")
    try:
        with np.errstate(all="ignore"):
            detail = check(student_fn)
    except NotImplementedError:
        return Verdict(name, "missing", f"\u2026 `{name}` is not written yet: the rest of this notebook uses "
                       f"the course's reference version. Fill in the cell above, run it, then run this one.",
                       reference_fn)
    except Mistake as m:
        return Verdict(name, "fail", f"{FAIL} {m.message} The rest of this notebook uses the course's reference "
                       f"version until yours passes.", reference_fn, m.key)
    except Exception as e:  # the student's code crashed: say how, and carry on with the reference
        text = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return Verdict(name, "fail", f"{FAIL} your `{name}` raised {type(e).__name__}"
                       f"{': ' + text if text else ''}. The rest of this notebook uses the course's reference "
                       f"version until yours passes.", reference_fn, "error")
    return Verdict(name, "pass", f"{PASS} your `{name}` {detail}. From here on the notebook runs your code.",
                   student_fn)


def _rel_error(a, b):
    """Largest elementwise relative error, as in helpers.gradcheck.rel_error (0 means identical)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12), initial=0.0))


def _close(got, expected, rtol, atol):
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def compare(what, got, expected, rtol=1e-6, atol=1e-8, variants=None, factors=None):
    """Compare ``got`` with ``expected``; return their relative error, or raise a Mistake naming the problem.

    what: how to name the result in a message, e.g. "dW2".
    variants: {key: (alternative_expected, message)}: results of mistakes the notebook knows by name,
        tried first (e.g. {"no_sigmoid_prime": (delta_without_prime, "the output delta lacks σ′(z)")}).
    factors: {key: (factor, message)}: got == expected * factor is that mistake, e.g.
        {"sum": (N, "you summed over the batch; the course averages (divide by N)")}.
    A negated result is reported as "sign", a transposed one as "transpose".
    """
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        raise Mistake(f"{what} is None: did the function forget to return it?", key="none")
    try:
        got_arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Mistake(f"{what} should be an array of shape {expected.shape}, got {type(got).__name__}.",
                      key="type") from None
    if got_arr.shape != expected.shape:
        if got_arr.shape == expected.T.shape and got_arr.ndim == 2 and _close(got_arr.T, expected, rtol, atol):
            raise Mistake(f"{what} has shape {got_arr.shape}, expected {expected.shape}: the right numbers, "
                          f"transposed. A missing (or extra) .T?", key="transpose")
        if got_arr.size == expected.size and _close(got_arr.reshape(expected.shape), expected, rtol, atol):
            raise Mistake(f"{what} has shape {got_arr.shape}, expected {expected.shape}: the right numbers in "
                          f"the wrong shape. Reshape it.", key="shape")
        raise Mistake(f"{what} has shape {got_arr.shape}, expected {expected.shape}.", key="shape")
    if not np.all(np.isfinite(got_arr)):
        raise Mistake(f"{what} contains NaN or infinity.", key="nonfinite")
    if _close(got_arr, expected, rtol, atol):
        return _rel_error(got_arr, expected)
    for key, (alternative, message) in (variants or {}).items():
        alternative = np.asarray(alternative, dtype=np.float64)
        if _close(got_arr, alternative, rtol, atol):
            raise Mistake(f"{what} is off: {message}", key=key)
    if np.any(expected != 0) and _close(got_arr, -expected, rtol, atol):
        raise Mistake(f"{what} has the wrong sign: every entry is the negative of the expected value.", key="sign")
    for key, (factor, message) in (factors or {}).items():
        if _close(got_arr, expected * factor, rtol, atol):
            raise Mistake(f"{what} is off by a factor of {factor:g}: {message}", key=key)
    raise Mistake(f"{what} does not match the expected values (largest relative error "
                  f"{_rel_error(got_arr, expected):.1e}).", key="values")
