"""The grading core: verdicts for missing, crashing, wrong and right functions; compare() names mistakes."""

import numpy as np
import pytest

from helpers.grading import Mistake, Verdict, compare, grade
from nbcells import run_source


def reference(a):
    return a.T @ a


def check(fn):
    a = np.arange(6.0).reshape(3, 2)
    err = compare("the product", fn(a), reference(a))
    return f"matches (relative error {err:.0e})"


def test_missing_stub_uses_reference():
    def stub(a):
        raise NotImplementedError("Your turn: compute a.T @ a")

    v = grade("product", stub, reference, check)
    assert v.status == "missing" and not v.passed and v.fn is reference
    assert "not written yet" in repr(v) and "reference" in repr(v)
    assert v.uses == "the course's reference `product`"


def test_right_answer_passes_and_is_used():
    def mine(a):
        return np.dot(a.T, a)

    v = grade("product", mine, reference, check)
    assert v.passed and v.fn is mine and repr(v).startswith("\u2713")
    assert v.uses == "your `product`"


def test_crash_is_reported_not_raised():
    def broken(a):
        return a @ a  # (3, 2) @ (3, 2): ValueError from NumPy

    v = grade("product", broken, reference, check)
    assert v.status == "fail" and v.mistake == "error" and "ValueError" in v.message and v.fn is reference


def test_not_a_function():
    v = grade("product", 3, reference, check)
    assert v.status == "fail" and v.mistake == "type"


@pytest.mark.parametrize("got, key", [
    (lambda e: e.T, "transpose"),
    (lambda e: -e, "sign"),
    (lambda e: e * 5, "sum"),
    (lambda e: e + 1, "values"),
    (lambda e: e[:1], "shape"),
    (lambda e: e.ravel(), "shape"),
    (lambda e: None, "none"),
    (lambda e: "abc", "type"),
])
def test_compare_names_the_mistake(got, key):
    expected = np.arange(1.0, 7.0).reshape(2, 3)
    with pytest.raises(Mistake) as info:
        compare("dW", got(expected), expected, factors={"sum": (5, "you summed; average instead")})
    assert info.value.key == key, info.value.message
    assert "dW" in info.value.message


def test_compare_variant_comes_first():
    expected = np.ones((2, 2))
    with pytest.raises(Mistake) as info:
        compare("delta", 2 * expected, expected, variants={"no_prime": (2 * expected, "σ′ is missing")})
    assert info.value.key == "no_prime" and "σ′ is missing" in info.value.message


def test_compare_returns_small_error_when_right():
    expected = np.linspace(-1, 1, 12).reshape(3, 4)
    assert compare("x", expected + 1e-12, expected) < 1e-9
    assert isinstance(grade("x", lambda a: a.T @ a, reference, check), Verdict)


def test_run_source_returns_last_expression():
    ns = {}
    assert run_source("a = 2\na * 3", ns) == 6 and ns["a"] == 2
    assert run_source("b = 1", ns) is None
