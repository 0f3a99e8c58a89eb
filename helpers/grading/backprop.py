"""Graders for notebook 03: the two-layer backward pass ("Your turn") and the answers of its "Try it" questions.

The network is the notebook's: ``layer = sigmoid(X @ W1 + b1)``, ``output = sigmoid(layer @ W2 + b2)``, with
the halved squared error averaged over the N examples, L = sum((output - Y)**2) / (2N), and the course's
convention delta = dL/dz (notebooks/NOTATION.md).
"""

import numpy as np

from ..datasets import logic_gates
from ..gradcheck import numerical_gradient, rel_error
from . import FAIL, PASS, Mistake, Verdict, compare, grade

GATE_NAMES = ("AND", "OR", "XOR", "NAND", "NOR")
GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2")
PARAM_NAMES = ("W1", "b1", "W2", "b2")
# How each gradient is computed, quoted in the messages.
FORMULAS = {"dW2": "dW2 = layer.T @ delta2", "db2": "db2 = delta2.sum(axis=0)",
            "dW1": "dW1 = X.T @ delta1", "db1": "db1 = delta1.sum(axis=0)"}
# The course's rule for gradient checks (notebooks/NOTATION.md): below 1e-7 is right.
GRADCHECK_RIGHT = 1e-7


def sigmoid(z):
    """The notebook's sigmoid, 1 / (1 + exp(-z)): twice as fast as helpers.activations.sigmoid on the gates'
    tiny arrays, which matters in the slider's training loop. exp(-z) may overflow to inf for z < -709 (a
    warning, which the callers silence), and 1 / inf is exactly the limit 0."""
    return 1 / (1 + np.exp(-z))


def backprop_gradients_reference(X, Y, W1, b1, W2, b2):
    """The course's backward pass: gradients of L = sum((output - Y)**2) / (2N).

    X: (N, d), Y: (N, K); W1: (d, h), b1: (h,), W2: (h, K), b2: (K,) -> (dW1, db1, dW2, db2) of the same shapes.
    """
    N = X.shape[0]
    layer = sigmoid(X @ W1 + b1)                       # (N, h)
    output = sigmoid(layer @ W2 + b2)                  # (N, K)
    delta2 = (output - Y) / N * output * (1 - output)  # (N, K) = dL/dz2
    delta1 = (delta2 @ W2.T) * layer * (1 - layer)     # (N, h) = dL/dz1, with W2 as it was in the forward pass
    return X.T @ delta1, delta1.sum(axis=0), layer.T @ delta2, delta2.sum(axis=0)


def loss(X, Y, W1, b1, W2, b2):
    """The loss the gradients belong to: sum((output - Y)**2) / (2N)."""
    output = sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)
    return 0.5 * float(np.sum((output - Y) ** 2)) / X.shape[0]


def _mistakes(X, Y, W1, b1, W2, b2):
    """The gradients that typical wrong backward passes return: {key: (dW1, db1, dW2, db2), message}."""
    N = X.shape[0]
    layer = sigmoid(X @ W1 + b1)
    output = sigmoid(layer @ W2 + b2)
    slope2, slope1 = output * (1 - output), layer * (1 - layer)

    def grads(delta2, delta1):
        return X.T @ delta1, delta1.sum(axis=0), layer.T @ delta2, delta2.sum(axis=0)

    d2 = (output - Y) / N * slope2
    d2_flat = (output - Y) / N
    twice2 = sigmoid(output) * (1 - sigmoid(output))
    twice1 = sigmoid(layer) * (1 - sigmoid(layer))
    d2_twice = (output - Y) / N * twice2
    z2, z1 = layer @ W2 + b2, X @ W1 + b1
    d2_on_z = (output - Y) / N * z2 * (1 - z2)
    return {
        "output_slope": (grads(d2_flat, (d2_flat @ W2.T) * slope1),
                         "the output's delta lacks the sigmoid's slope: delta2 = (output - Y) / N "
                         "* output * (1 - output), because output = sigmoid(z2)."),
        "hidden_slope": (grads(d2, d2 @ W2.T),
                         "the hidden layer's delta lacks the sigmoid's slope: delta1 = (delta2 @ W2.T) "
                         "* layer * (1 - layer)."),
        "slope_twice": (grads(d2_twice, (d2_twice @ W2.T) * twice1),
                        "the sigmoid is applied twice in its slope: output * (1 - output) already is "
                        "sigma'(z2) (no sigmoid(output)), and layer * (1 - layer) is sigma'(z1)."),
        "prime_on_z": (grads(d2_on_z, (d2_on_z @ W2.T) * z1 * (1 - z1)),
                       "σ'(z) is s * (1 - s) computed from the sigmoid's output s: output * (1 - output) and "
                       "layer * (1 - layer), not z * (1 - z) from the weighted sums."),
        "prime_on_z_output": (grads(d2_on_z, (d2_on_z @ W2.T) * slope1),
                              "the output's slope is output * (1 - output), computed from the sigmoid's output, "
                              "not z2 * (1 - z2) from the weighted sum."),
        "no_bias": ((X.T @ ((d2 @ W2.T) * slope1), np.zeros_like(b1), layer.T @ d2, np.zeros_like(b2)),
                    "the bias gradients are zero: every bias adds 1 times itself to its neuron in every "
                    "example, so db2 = delta2.sum(axis=0) and db1 = delta1.sum(axis=0)."),
    }


def _hint(key, name):
    """One sentence that says what to do, for a mistake `key` found in gradient `name`."""
    formula = FORMULAS[name]
    return {
        "transpose": f"Remember {formula}: the sum over the examples is a matrix product with the layer's "
                     f"input transposed.",
        "sign": "The source's error = y - output points the other way: the course's delta2 starts from "
                "(output - Y), the gradient of the loss, and the update subtracts it.",
        "shape": f"Remember {formula}" + (": a bias gradient is summed over the examples (axis=0)."
                                          if name.startswith("db") else "."),
    }.get(key, "")


def _factors(N, K):
    """got = expected * factor: which mistake each factor means."""
    factors = {
        "sum": (N, f"you summed over the N = {N} examples; the course's loss is averaged, so divide by N "
                   f"(once, in delta2)."),
        "double_mean": (1 / N, "you divided by N twice: delta2 already carries the 1/N of the averaged loss, "
                               "so sum over the examples (the matrix product, or .sum(axis=0)) without "
                               "taking a mean again."),
        "no_half": (2, "the loss is halved, L = sum((output - Y)**2) / (2N), so delta2 starts from "
                       "(output - Y) / N: the ½ cancels the 2 of the square."),
        "fixed_n": (N / 4, f"you divided by 4, the number of gate examples; this problem has N = {N}: "
                           f"use N = X.shape[0]."),
    }
    if K > 1:  # with one output, averaging over all entries is averaging over the examples
        factors["mean_all"] = (1 / K, f"you divided by N·K, the number of all entries (np.mean over the whole "
                                      f"array?); the loss is averaged over the N = {N} examples only and summed "
                                      f"over the K = {K} outputs: divide by N.")
    return factors


def _compare(name, got, expected, N, K, variants):
    """compare() with a sentence added that says what to do."""
    try:
        return compare(name, got, expected, variants=variants, factors=_factors(N, K))
    except Mistake as m:
        raise Mistake(" ".join(part for part in (m.message, _hint(m.key, name)) if part), key=m.key) from None


def _problem(seed, N, d, h, K):
    """A random network and data set of the given sizes, in float64 (weights small enough not to saturate)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    Y = (rng.random((N, K)) < 0.5).astype(np.float64)
    W1, b1 = rng.standard_normal((d, h)), 0.5 * rng.standard_normal(h)
    W2, b2 = rng.standard_normal((h, K)) / np.sqrt(h), 0.5 * rng.standard_normal(K)
    return X, Y, W1, b1, W2, b2


# Two problems: every size differs from every other in the first (so a transpose shows), and the
# second has other sizes (so nothing fitted to one shape passes). N is never 4, h never equals N.
# Seeds chosen so that round-off leaves the numerical gradient within 1e-8 of the exact one (measured: 6e-9).
PROBLEMS = [dict(seed=1, N=6, d=3, h=4, K=5), dict(seed=1, N=7, d=2, h=3, K=1)]


def _check_one(fn, problem):
    args = _problem(**problem)
    X, Y, W1, b1, W2, b2 = args
    N = X.shape[0]
    copies = [a.copy() for a in args]
    try:
        result = fn(*copies)
    except ValueError as e:
        if "matmul" in str(e) or "shapes" in str(e) or "broadcast" in str(e):
            raise Mistake(f"your function multiplied or combined arrays whose shapes do not fit (NumPy said: "
                          f"{str(e).splitlines()[0]}). A missing transpose? The shapes: delta2 (N, K), "
                          f"delta1 = (delta2 @ W2.T) * ... (N, h), {FORMULAS['dW2']} (h, K), "
                          f"{FORMULAS['dW1']} (d, h).", key="transpose") from None
        raise
    for name, given, copy in zip(("X", "Y") + PARAM_NAMES, args, copies):
        if not np.array_equal(given, copy):
            raise Mistake(f"your function changed {name} (an update with -= or += inside it?). Compute the "
                          f"gradients only, all from the weights as they were in the forward pass: delta1 "
                          f"needs W2 before any update. The update comes after.", key="changed_input")
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        got = f"a {type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) \
            else type(result).__name__
        raise Mistake(f"backprop_gradients should return four arrays, (dW1, db1, dW2, db2); got {got}.",
                      key="type")
    expected = backprop_gradients_reference(*args)
    # gradients in another order: each returned array matches a different expected one
    order = []
    for r in result:
        try:
            r = np.asarray(r, dtype=np.float64)
        except (TypeError, ValueError):
            r = None
        match = [i for i, e in enumerate(expected)
                 if r is not None and r.shape == e.shape and np.allclose(r, e, rtol=1e-6, atol=1e-8)]
        order.append(match[0] if match else None)
    if None not in order and order != [0, 1, 2, 3] and sorted(order) == [0, 1, 2, 3]:
        got = ", ".join(GRADIENT_NAMES[i] for i in order)
        raise Mistake(f"the four gradients are right but in the order ({got}); return them as "
                      f"(dW1, db1, dW2, db2).", key="order")
    mistakes = _mistakes(*args)
    # the output layer first: a mistake there spoils the hidden layer's gradients too
    worst = 0.0
    for i in (2, 3, 0, 1):
        name = GRADIENT_NAMES[i]
        variants = {key: (grads[i], message) for key, (grads, message) in mistakes.items()}
        try:
            worst = max(worst, _compare(name, result[i], expected[i], N, Y.shape[1], variants))
        except Mistake as m:
            if i in (0, 1) and m.key == "values":
                raise Mistake(m.message + " dW2 and db2 are right, so the output layer is fine: look at delta1 "
                              "= (delta2 @ W2.T) * layer * (1 - layer), computed with W2 before any update, "
                              f"and at {FORMULAS[name]}.", key="hidden_values") from None
            raise
    # and against the numerical gradient, by the course's rule
    params = list(args[2:])
    numerical_error = 0.0
    for name, p, got in zip(GRADIENT_NAMES, params, result):
        numerical = numerical_gradient(lambda: loss(X, Y, *params), p)
        numerical_error = max(numerical_error, rel_error(np.asarray(got, dtype=np.float64), numerical))
    if numerical_error > GRADCHECK_RIGHT:  # cannot happen when the reference agrees; kept as the real test
        raise Mistake(f"the gradients differ from the numerical ones (relative error {numerical_error:.1e}, "
                      f"above the course's 1e-7).", key="numerical")
    return numerical_error


def check_backprop_gradients(fn):
    """Grade a student's ``backprop_gradients(X, Y, W1, b1, W2, b2) -> (dW1, db1, dW2, db2)``; return a Verdict."""
    def check(student_fn):
        errors = [_check_one(student_fn, problem) for problem in PROBLEMS]
        return (f"matches the numerical gradient (largest relative error {max(errors):.0e}, below the course's "
                f"1e-7) on two random networks of different sizes")

    return grade("backprop_gradients", fn, backprop_gradients_reference, check)


# ----------------------------------------------------------------------------------------------------------
# The "Try it" questions at the end of notebook 03. Each returns a Verdict (fn=None: nothing to run later).

def _gate_outputs(params, X):
    """Outputs (N, K) of the two-layer network with parameters {"W1", "b1", "W2", "b2"}."""
    return sigmoid(sigmoid(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])


def _answer(name, status, message, key=None):
    return Verdict(name, status, message, None, key)


def check_smallest_hidden(answer, train_network):
    """Try it 1: the smallest hidden size with which the default settings learn all five functions (2).

    train_network(num_hidden=...) -> (params, history), the notebook's trainer at its default settings.
    """
    name = "smallest_hidden"
    if answer is None:
        return _answer(name, "missing", "Set `smallest_hidden` first, then run this cell.")
    if isinstance(answer, (float, np.floating)) and float(answer).is_integer():
        answer = int(answer)   # 2.0 means 2
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)) or not 1 <= answer <= 16:
        return _answer(name, "fail", f"{FAIL} `smallest_hidden` should be a whole number from 1 to 16, "
                                     f"got {answer!r}.", "type")
    X, Y = logic_gates(GATE_NAMES)
    params, _ = train_network(num_hidden=int(answer))
    right = int(np.sum(np.round(_gate_outputs(params, X)) == Y))
    if answer == 2:
        return _answer(name, "pass", f"{PASS} Right: with 2 hidden neurons the network gets {right}/20. One neuron "
                                     "acts roughly as OR, the other as NAND, and all five functions are single "
                                     "lines in that 2-D hidden space (section 8).")
    if answer > 2:
        outcome = f"{answer} works ({right}/20)" if right == 20 else f"{answer} gets {right}/20 with these settings"
        return _answer(name, "fail", f"{FAIL} {outcome}, but a smaller hidden layer learns all five. Try fewer.",
                       "too_big")
    return _answer(name, "fail", f"{FAIL} With 1 hidden neuron the network gets only {right}/20: every output "
                                 "is then a function of one number, one line in the input square (section 9).",
                   "too_small")


def check_source_lr(answer, train_source, train_network, lr=8.0, num_epochs=300):
    """Try it 2: the source's learning rate (summed error, +=) that takes the same steps as the course's lr.

    train_source(lr=..., num_epochs=...) -> (W1, b1, W2, b2); train_network(lr=..., num_epochs=...) ->
    (params, history). The right answer is lr / N = 2 for the four gate examples.
    """
    name = "lr_source"
    N = 4
    if answer is None:
        return _answer(name, "missing", "Set `lr_source` first, then run this cell.")
    try:
        answer = float(answer)
    except (TypeError, ValueError):
        return _answer(name, "fail", f"{FAIL} `lr_source` should be a number, got {answer!r}.", "type")
    if np.isclose(answer, lr / N):
        theirs = train_source(lr=answer, num_epochs=num_epochs)
        ours, _ = train_network(lr=lr, num_epochs=num_epochs)
        diff = max(float(np.max(np.abs(ours[p] - t))) for p, t in zip(PARAM_NAMES, theirs))
        if diff > 1e-9:
            return _answer(name, "fail", f"{FAIL} {answer:g} is the right number, but the two loops end "
                                         f"{diff:.1e} apart after {num_epochs} epochs: did you change "
                                         "train_source or train_network? Re-run their cells.", "loops_differ")
        return _answer(name, "pass", f"{PASS} Right: {lr:g} / {N} = {answer:g}. Trained for {num_epochs} epochs "
                                     f"from the same start, both loops end with the same weights (largest "
                                     f"difference below 1e-9).")
    if np.isclose(answer, lr * N):
        return _answer(name, "fail", f"{FAIL} Not quite: the source sums over the N = {N} examples, so its steps "
                                     f"are already N times larger at the same learning rate; its learning rate "
                                     "must be N times smaller, not larger.", "times_n")
    if np.isclose(answer, -lr / N) or answer < 0:
        return _answer(name, "fail", f"{FAIL} Not quite: the sign is flipped twice in the source (error = y - "
                                     "output, then +=), so its learning rate is positive too.", "sign")
    if np.isclose(answer, lr):
        return _answer(name, "fail", f"{FAIL} Not quite: with the same learning rate the source's steps are "
                                     f"N = {N} times larger, because it sums the error over the examples "
                                     "where the course averages it.", "same_lr")
    return _answer(name, "fail", f"{FAIL} Not quite: the source's delta is -N times the course's (summed, "
                                 f"sign flipped), with N = {N}. Which learning rate makes lr_source * N equal "
                                 f"to {lr:g}?", "values")


def check_xnor(answer):
    """Try it 3: XNOR's truth table for the inputs (0, 0), (0, 1), (1, 0), (1, 1): [1, 0, 0, 1]."""
    name = "xnor"
    try:
        values = list(answer)
    except TypeError:
        return _answer(name, "fail", f"{FAIL} `xnor` should be a list of four 0s and 1s, got {answer!r}.", "type")
    if len(values) != 4:
        return _answer(name, "fail", f"{FAIL} `xnor` should have four entries, one per input, got {len(values)}.",
                       "type")
    if any(v is None for v in values):
        return _answer(name, "missing", "Fill in the four entries of `xnor` first, then run this cell.")
    if any(v not in (0, 1) for v in values):
        return _answer(name, "fail", f"{FAIL} every entry of `xnor` is 0 or 1, got {values}.", "type")
    if [int(v) for v in values] == [1, 0, 0, 1]:
        return _answer(name, "pass", f"{PASS} Right: XNOR is 1 where both inputs are equal, exactly where XOR is 0.")
    if [int(v) for v in values] == [0, 1, 1, 0]:
        return _answer(name, "fail", f"{FAIL} That is XOR itself; XNOR is its opposite.", "xor")
    return _answer(name, "fail", f"{FAIL} Not quite: XNOR is 1 when both inputs are equal, (0, 0) and (1, 1).",
                   "values")
