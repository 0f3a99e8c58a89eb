"""Graders for notebook 02 (the sigmoid neuron): the sigmoid's derivative, one gradient step of the neuron,
and the checks of its "Try it" cells.

``check_sigmoid_derivative(fn)`` compares the student's σ'(z) with the exact σ(z)(1 - σ(z)) and reports
its agreement with a numerical slope; ``check_gradient_step(fn)`` compares one step of gradient descent on
the loss L = 1/(2N) Σ (ŷ⁽ⁱ⁾ - y⁽ⁱ⁾)², ŷ = σ(Xw + b), with the exact step and with a numerical gradient.
Both name the usual mistakes: σ(1 + σ), the formula applied to z instead of σ(z), a flipped sign, a sum
where the course averages, a forgotten σ' or bias.
"""

import numpy as np

from ..activations import sigmoid, sigmoid_prime
from . import Mistake, compare, grade
from .perceptron import answer

__all__ = ["check_sigmoid_derivative", "check_gradient_step", "gradient_step_reference",
           "check_max_slope", "check_steep_weight", "check_xor_output"]

H = 1e-5  # the course's step for centred differences


def _check_derivative(fn):
    z = np.linspace(-6.0, 6.0, 24).reshape(4, 6)  # a (4, 6) array of pre-activations, 0 not among them
    got = fn(z.copy())
    s = sigmoid(z)
    numerical = (sigmoid(z + H) - sigmoid(z - H)) / (2 * H)
    variants = {
        "one_plus": (s * (1 + s), "σ'(z) = σ(z)(1 - σ(z)), with a minus: the second factor is "
                                  "e^(-z) / (1 + e^(-z)) = 1 - σ(z)."),
        "on_z": (z * (1 - z), "you applied s(1 - s) to the pre-activation z itself. First compute s = σ(z), "
                              "then return s * (1 - s)."),
        "sigma": (s, "that is σ(z) itself, not its slope; multiply it by (1 - σ(z))."),
        "one_minus": (1 - s, "that is only the factor 1 - σ(z); multiply it by σ(z)."),
        "one_minus_square": (1 - s ** 2, "that is 1 - σ(z)², the form of tanh's derivative (1 - tanh²); the "
                                         "sigmoid's is σ(z)(1 - σ(z)) = s * (1 - s)."),
    }
    compare("σ'(z)", got, sigmoid_prime(z), rtol=1e-7, atol=1e-12, variants=variants)
    err = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - numerical)
                       / np.maximum(np.abs(got) + np.abs(numerical), 1e-12)))
    return f"matches the numerical slope (σ(z+h) - σ(z-h)) / 2h, h = 1e-5 (relative error {err:.0e})"


def check_sigmoid_derivative(sigmoid_derivative_fn):
    """Grade the student's sigmoid_derivative(z) -> σ'(z), same shape as z. Returns a Verdict."""
    return grade("sigmoid_derivative", sigmoid_derivative_fn, sigmoid_prime, _check_derivative)


def gradient_step_reference(w, b, X, y, lr):
    """One step of gradient descent for a sigmoid neuron with loss L = 1/(2N) Σ (ŷ⁽ⁱ⁾ - y⁽ⁱ⁾)².

    w: (d,), b: a number, X: (N, d), y: (N,) targets, lr: learning rate -> (w_new (d,), b_new).
    """
    N = X.shape[0]
    z = X @ w + b                                  # (N,) forward
    e = np.exp(-np.abs(z))                         # the sigmoid as helpers.activations computes it, inline:
    y_hat = np.where(z >= 0, 1.0, e) / (1 + e)     # the panel of notebook 02 calls this thousands of times
    delta = (y_hat - y) / N * y_hat * (1 - y_hat)  # (N,) dL/dz
    return w - lr * (X.T @ delta), b - lr * np.sum(delta)


def _loss(w, b, X, y):
    return float(np.sum((sigmoid(X @ w + b) - y) ** 2) / (2 * X.shape[0]))


def _numerical_grad(w, b, X, y):
    gw = np.zeros_like(w)
    for j in range(w.size):
        e = np.zeros_like(w)
        e[j] = H
        gw[j] = (_loss(w + e, b, X, y) - _loss(w - e, b, X, y)) / (2 * H)
    gb = (_loss(w, b + H, X, y) - _loss(w, b - H, X, y)) / (2 * H)
    return gw, gb


def _cases():
    rng = np.random.default_rng(2)
    # five examples with three inputs (so code written for OR's 4 x 2 is caught), then the OR gate itself
    X1 = rng.uniform(-1, 1, size=(5, 3))
    y1 = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    w1, b1 = rng.normal(0, 1, size=3), 0.3
    X2 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y2 = np.array([0.0, 1.0, 1.0, 1.0])
    # lr 0.3 first: its 1/lr is no other mistake's factor (lr 0.5 would make a forgotten ½ look like a
    # forgotten learning rate)
    return [(w1, b1, X1, y1, 0.3), (np.array([0.4, -0.7]), -0.2, X2, y2, 2.0)]


def _check_step(fn):
    worst = 0.0
    for w, b, X, y, lr in _cases():
        N = X.shape[0]
        out = fn(w.copy(), b, X.copy(), y.copy(), lr)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Mistake("gradient_step should return two things, the new weights and the new bias: "
                          "`return w_new, b_new`.", key="return")
        w_new, b_new = out
        w_ref, b_ref = gradient_step_reference(w, b, X, y, lr)
        z = X @ w + b
        y_hat = sigmoid(z)
        err = (y_hat - y) / N

        def change(delta):  # the (dw, db) a step with this dL/dz would make
            return -lr * (X.T @ delta), -lr * np.sum(delta)

        wrong = {
            "no_sigmoid_prime": (change(err), "the chain rule needs the sigmoid's slope: "
                                              "delta = (y_hat - y) / N * y_hat * (1 - y_hat)."),
            "prime_on_z": (change(err * z * (1 - z)), "σ'(z) is y_hat * (1 - y_hat), computed from the output "
                                                      "σ(z), not z * (1 - z) from the pre-activation."),
            "one_plus": (change(err * y_hat * (1 + y_hat)), "σ'(z) = σ(z)(1 - σ(z)), with a minus."),
            "sign": (change(-err * y_hat * (1 - y_hat)), "it climbs the loss instead of descending it: "
                                                         "the update is w -= lr * dL/dw, with "
                                                         "dL/dz = (y_hat - y) / N * σ'(z)."),
        }
        try:
            dw = np.asarray(w_new, dtype=np.float64) - w
        except (TypeError, ValueError):
            raise Mistake(f"the new weights should be an array like w, got {type(w_new).__name__}.",
                          key="type") from None
        factors = {"sum": (N, f"you summed over the {N} examples; the loss averages them, so divide by N."),
                   "no_half": (2, "the loss is halved, L = 1/(2N) Σ (ŷ⁽ⁱ⁾ - y⁽ⁱ⁾)², so its slope in ŷ⁽ⁱ⁾ is "
                                  "(ŷ⁽ⁱ⁾ - y⁽ⁱ⁾) / N: the ½ cancels the 2 of the square."),
                   "no_lr": (1 / lr, f"multiply the gradient by the learning rate lr = {lr:g}.")}
        where = f"(X of shape {X.shape}, lr = {lr:g})"
        compare(f"the change of w {where}", dw, w_ref - w, rtol=1e-7, atol=1e-12,
                variants={k: (v[0], m) for k, (v, m) in wrong.items()}, factors=factors)
        try:
            db = np.asarray(b_new, dtype=np.float64) - b
        except (TypeError, ValueError):
            raise Mistake(f"the new bias should be a number, got {type(b_new).__name__}.", key="type") from None
        bias_variants = {"bias": (0.0, "the bias did not change. It learns like a weight whose input is "
                                       "always 1: b -= lr * sum(delta).")}
        bias_variants.update({k: (v[1], m) for k, (v, m) in wrong.items()})
        bias_factors = dict(factors, mean_twice=(1 / N, "delta already carries the 1/N of the average: sum it "
                                                        "for the bias (np.sum(delta)), do not average it again."))
        compare(f"the change of b {where}", db, b_ref - b, rtol=1e-7, atol=1e-12,
                variants=bias_variants, factors=bias_factors)
        gw, gb = _numerical_grad(w, b, X, y)
        num = np.append(-lr * gw, -lr * gb)
        mine = np.append(dw, db)
        worst = max(worst, float(np.max(np.abs(mine - num) / np.maximum(np.abs(mine) + np.abs(num), 1e-12))))
    return (f"takes the gradient-descent step of the averaged loss (agrees with a numerical gradient, relative "
            f"error {worst:.0e})")


def check_gradient_step(gradient_step_fn):
    """Grade the student's gradient_step(w, b, X, y, lr) -> (w_new, b_new). Returns a Verdict."""
    return grade("gradient_step", gradient_step_fn, gradient_step_reference, _check_step)


def _number(name, value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None, answer(name, "fail", f"`{name}` should be a number, got {value!r}.")
    return value, None


def check_max_slope(max_slope):
    """Try it 1: the largest value σ'(z) takes (0.25, at z = 0)."""
    if max_slope is None:
        return answer("max_slope", "missing", "Set `max_slope` first.")
    value, bad = _number("max_slope", max_slope)
    if bad is not None:
        return bad
    largest = float(sigmoid_prime(np.linspace(-10, 10, 20001)).max())
    if np.isclose(value, largest):
        return answer("max_slope", "pass", "Right: σ'(0) = σ(0)(1 - σ(0)) = 0.5 × 0.5 = 0.25.")
    if np.isclose(value, 0.5):
        return answer("max_slope", "fail", "Not quite: 0.5 is σ(0), the sigmoid's value at 0, not its slope.")
    return answer("max_slope", "fail", "Not quite: evaluate σ(z)(1 - σ(z)) where σ(z) = 0.5.")


def check_steep_weight(w_steep):
    """Try it 2: a weight w with σ(0.1 w) > 0.99, i.e. w > 10 ln 99 ≈ 45.95."""
    value, bad = _number("w_steep", w_steep)
    if bad is not None:
        return bad
    out = float(sigmoid(np.array(value * 0.1)))
    if out > 0.99:
        return answer("w_steep", "pass", f"σ({value:g} × 0.1) = {out:.4f}: steep enough. The larger the weight, "
                      "the closer to a step.")
    return answer("w_steep", "fail", f"Not yet: σ({value:g} × 0.1) = {out:.4f}. You need w × 0.1 > ln(99) ≈ 4.6.")


def check_xor_output(xor_output, outputs):
    """Try it 3: the value all four outputs of one sigmoid neuron trained on XOR approach (0.5)."""
    if xor_output is None:
        return answer("xor_output", "missing", "Set `xor_output` first.")
    value, bad = _number("xor_output", xor_output)
    if bad is not None:
        return bad
    outputs = np.asarray(outputs, dtype=float)
    if np.allclose(outputs, value, atol=0.05):
        return answer("xor_output", "pass", f"Right: the outputs are {np.round(outputs, 2).tolist()}. No line "
                      "fits XOR, so the best compromise says 'maybe' everywhere.")
    return answer("xor_output", "fail", "Not quite: which single value is least wrong for targets 0, 1, 1, 0 "
                  "at once?")
