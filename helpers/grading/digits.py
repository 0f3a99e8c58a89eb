"""Graders and answer checks of notebook 05 (a dense network reads MNIST digits).

- ``check_train_step(fn)`` grades the "Your turn" exercise: one mini-batch gradient step of the
  784-100-10 sigmoid network with the halved mean squared error, updating W1, b1, W2, b2 in place.
  The expected step comes from the helpers' own layers (``Dense``, ``Sigmoid``, ``mse``, ``SGD``) on
  small random inputs; typical mistakes are recognised and named.
- ``train_step_reference`` is the course's version: the notebook trains with it until the student's passes.
- The ``check_*_answer`` functions hold the logic of the notebook's "Try it" cells, so tests can feed
  them right and wrong answers.

Notation (notebooks/NOTATION.md): X (N, d), Y (N, K) one-hot, z1 = X W1 + b1, a1 = σ(z1),
z2 = a1 W2 + b2, y_hat = a2 = σ(z2), L = (1/2N) Σ ‖y_hat − Y‖², δ = ∂L/∂z, updates with ``-=``.
"""

import numpy as np

from . import PASS, FAIL, Mistake, compare, grade

__all__ = ["train_step_reference", "check_train_step", "most_common_mistakes", "check_most_common_mistake",
           "check_large_lr_answer", "check_inverted_answer", "LARGE_LR_CHOICES"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


def train_step_reference(X, Y, W1, b1, W2, b2, lr):
    """One gradient-descent step of the sigmoid network on a mini-batch; updates W1, b1, W2, b2 in place.

    X: (N, d) inputs; Y: (N, K) one-hot targets; W1: (d, h); b1: (h,); W2: (h, K); b2: (K,); lr: float.
    Loss: L = (1/2N) Σ ‖y_hat − Y‖² (the halved mean squared error of helpers.losses.mse).
    """
    N = X.shape[0]
    # forward
    a1 = _sigmoid(X @ W1 + b1)  # (N, h)
    y_hat = _sigmoid(a1 @ W2 + b2)  # (N, K)
    # backward: δ = ∂L/∂z, averaged over the batch
    delta2 = (y_hat - Y) / N * y_hat * (1 - y_hat)  # (N, K)
    delta1 = (delta2 @ W2.T) * a1 * (1 - a1)  # (N, h), with W2 before its update
    # update
    W2 -= lr * (a1.T @ delta2)  # (h, N) @ (N, K) -> (h, K)
    b2 -= lr * delta2.sum(axis=0)  # (K,)
    W1 -= lr * (X.T @ delta1)  # (d, N) @ (N, h) -> (d, h)
    b1 -= lr * delta1.sum(axis=0)  # (h,)


def _step_with_layers(X, Y, W1, b1, W2, b2, lr):
    """The same step taken by the helpers' layers: Dense, Sigmoid, Dense, Sigmoid, mse, SGD.

    Returns the new (W1, b1, W2, b2); the arrays passed in are left unchanged.
    """
    from ..layers import Dense, Sigmoid
    from ..losses import mse
    from ..model import Sequential
    from ..optim import SGD

    rng = np.random.default_rng(0)  # the weights are overwritten below
    dense1 = Dense(W1.shape[0], W1.shape[1], rng, dtype=W1.dtype)
    dense2 = Dense(W2.shape[0], W2.shape[1], rng, dtype=W2.dtype)
    dense1.W[...], dense1.b[...], dense2.W[...], dense2.b[...] = W1, b1, W2, b2
    model = Sequential([dense1, Sigmoid(), dense2, Sigmoid()])
    _, grad = mse(model.forward(X), Y)
    model.backward(grad)
    SGD(lr).step(model.layers)
    return dense1.W, dense1.b, dense2.W, dense2.b


def _mistaken_steps(X, Y, W1, b1, W2, b2, lr):
    """{key: (new W1, b1, W2, b2)} for the wrong steps the grader knows by name (float64)."""
    N = X.shape[0]
    a1 = _sigmoid(X @ W1 + b1)
    y_hat = _sigmoid(a1 @ W2 + b2)
    error = (y_hat - Y) / N  # ∂L/∂y_hat
    out_prime, hid_prime = y_hat * (1 - y_hat), a1 * (1 - a1)
    delta2 = error * out_prime
    W2_new = W2 - lr * a1.T @ delta2

    def step(d2, d1):
        return (W1 - lr * X.T @ d1, b1 - lr * d1.sum(axis=0), W2 - lr * a1.T @ d2, b2 - lr * d2.sum(axis=0))

    return {
        # raw_error first: its W1 equals output_prime's, whose W2 (checked first) is already wrong
        "raw_error": step(delta2, (error @ W2.T) * hid_prime),
        "output_prime": step(error, (error @ W2.T) * hid_prime),
        "hidden_prime": step(delta2, delta2 @ W2.T),
        "updated_W2": step(delta2, (delta2 @ W2_new.T) * hid_prime),
        "prime_of_a": step(error * _sigmoid(y_hat) * (1 - _sigmoid(y_hat)),
                           ((error * _sigmoid(y_hat) * (1 - _sigmoid(y_hat))) @ W2.T)
                           * _sigmoid(a1) * (1 - _sigmoid(a1))),
    }


_VARIANT_MESSAGES = {
    "output_prime": "the output layer's σ′ is missing: δ2 = (y_hat − Y) / N ⊙ y_hat ⊙ (1 − y_hat), "
                    "not just (y_hat − Y) / N (that is the gradient of softmax + cross-entropy, not of a sigmoid "
                    "with the squared error).",
    "hidden_prime": "the hidden layer's σ′ is missing: δ1 = (δ2 W2ᵀ) ⊙ a1 ⊙ (1 − a1).",
    "raw_error": "you sent the raw output error back (as Make Your Own Neural Network does): the gradient "
                 "sends δ2, the error already multiplied by the output's slope: δ1 = (δ2 W2ᵀ) ⊙ a1 ⊙ (1 − a1).",
    "updated_W2": "δ1 was computed with W2 after its update: compute both deltas first, then update "
                  "(backpropagation uses the weights the forward pass used).",
    "prime_of_a": "σ′ was computed as σ(a)(1 − σ(a)) from the activation: the slope is a ⊙ (1 − a) "
                  "when a = σ(z) is already the sigmoid's output.",
}

_SHAPES_HINT = ("dW2 = a1ᵀ δ2 has W2's shape (num_hidden, K), dW1 = Xᵀ δ1 has W1's shape (d, num_hidden), "
                "and δ1 = δ2 W2ᵀ is (N, num_hidden).")


def _grading_problem(seed=5):
    """Small random inputs with distinct sizes (N=7, d=6, h=5, K=4), so that a transpose cannot hide."""
    rng = np.random.default_rng(seed)
    N, d, h, K = 7, 6, 5, 4
    X = rng.random((N, d))
    Y = np.eye(K)[rng.integers(0, K, N)]
    W1 = rng.normal(0, 1.0, (d, h))
    b1 = rng.normal(0, 0.5, h)
    W2 = rng.normal(0, 1.0, (h, K))
    b2 = rng.normal(0, 0.5, K)
    return X, Y, (W1, b1, W2, b2), 0.5


def _check_train_step(fn):
    X, Y, params, lr = _grading_problem()
    N = X.shape[0]
    names = ("W1", "b1", "W2", "b2")
    expected = _step_with_layers(X, Y, *params, lr)
    wrong = _mistaken_steps(X, Y, *params, lr)
    mine = [p.copy() for p in params]
    try:
        returned = fn(X.copy(), Y.copy(), *mine, lr)
    except ValueError as e:
        text = str(e)
        if "broadcast" in text or "matmul" in text or "aligned" in text or "mismatch" in text:
            raise Mistake(f"a shape does not fit (NumPy says: {text.splitlines()[0]}). A missing or misplaced .T? "
                          + _SHAPES_HINT, key="transpose") from None
        raise
    if all(np.array_equal(m, p) for m, p in zip(mine, params)):
        how = ("returned new arrays" if returned is not None else "wrote something like `W1 = W1 - ...`, which")
        raise Mistake(f"W1, b1, W2 and b2 did not change: your function {how} only makes a new local array. "
                      "Update the caller's arrays in place: `W1 -= lr * dW1`.", key="in_place")
    factors = {"sum": (N, f"you summed over the batch where the loss averages: divide by N (= {N} here)."),
               "double_mean": (1 / N, "you divided by N twice: δ2 already contains the 1/N of the mean."),
               "no_lr": (1 / lr, "the step is missing its learning rate: W -= lr * dW.")}
    errors = []
    for name in ("W2", "b2", "W1", "b1"):
        i = names.index(name)
        got_change = mine[i] - params[i]
        expected_change = expected[i] - params[i]
        if name.startswith("b") and not np.any(got_change):
            raise Mistake(f"{name} did not change: the bias needs its update too, "
                          f"{name} -= lr * delta{name[1]}.sum(axis=0).", key="bias")
        variants = {key: (step[i] - params[i], _VARIANT_MESSAGES[key]) for key, step in wrong.items()}
        try:
            errors.append(compare(f"the change of {name}", got_change, expected_change, variants=variants,
                                  factors=factors))
        except Mistake as m:
            if m.key == "sign":
                raise Mistake(f"{name} moved the wrong way: a gradient step subtracts, {name} -= lr * d{name}. "
                              "(The book's error target − output has the opposite sign of ∂L/∂y_hat; with it "
                              "you would add.)", key="sign") from None
            if m.key in ("transpose", "shape"):
                raise Mistake(m.message + " " + _SHAPES_HINT, key=m.key) from None
            raise
    return (f"takes the same step as the helpers' Dense + Sigmoid + mse + SGD "
            f"(largest relative error {max(errors):.0e})")


def check_train_step(train_step):
    """Grade the student's ``train_step(X, Y, W1, b1, W2, b2, lr)``; returns a Verdict (see helpers.grading)."""
    return grade("train_step", train_step, train_step_reference, _check_train_step)


# --- "Try it" answer checks ------------------------------------------------------------------------------

def most_common_mistakes(C):
    """The off-diagonal cells (true, guessed) of a confusion matrix C (K, K) holding its largest count."""
    C = np.array(C, dtype=np.int64)
    np.fill_diagonal(C, -1)
    rows, cols = np.nonzero(C == C.max())
    return [(int(i), int(j)) for i, j in zip(rows, cols)]


def check_most_common_mistake(answer, C):
    """Try it 1: is ``answer`` = (true digit, guessed digit) a largest off-diagonal count of C? Returns one line."""
    if answer is None:
        return "Set `most_common_mistake` first."
    try:
        true_digit, guess = (int(v) for v in answer)
    except (TypeError, ValueError):
        return f"{FAIL} Give the answer as a pair (true digit, guessed digit), e.g. (4, 9); got {answer!r}."
    best = most_common_mistakes(C)
    count = int(np.asarray(C)[best[0]])
    if (true_digit, guess) in best:
        tied = f" (tied with {', '.join(str(c) for c in best if c != (true_digit, guess))})" if len(best) > 1 else ""
        return f"{PASS} Right: a {true_digit} read as {guess}, {count} times{tied}."
    if true_digit == guess:
        return f"{FAIL} ({true_digit}, {guess}) is on the diagonal: those are the right answers, not mistakes."
    if 0 <= true_digit < len(C) and 0 <= guess < len(C):
        return (f"{FAIL} Not quite: ({true_digit}, {guess}) happened {int(np.asarray(C)[true_digit, guess])} times. "
                "Look for the largest number off the diagonal (rows: true digit, columns: guess).")
    return f"{FAIL} Digits run from 0 to {len(C) - 1}; got {answer!r}."


LARGE_LR_CHOICES = {
    "a": "higher accuracy: bigger steps learn faster, and three epochs are short",
    "b": "about chance (10 %): the first big steps push every output towards 0, where the sigmoid is flat "
         "(σ′ ≈ 0), so learning stops",
    "c": "the numbers overflow: the loss becomes NaN and training stops",
}


def check_large_lr_answer(answer, acc_default, acc_large, finite, saturated):
    """Try it 2: which prediction and reason fits what training at a large learning rate measured?

    acc_default, acc_large: validation accuracy at the default and at the large learning rate;
    finite: whether every weight stayed finite; saturated: the fraction of outputs with σ′ < 0.01.
    """
    if answer is None:
        return "Set `large_lr_answer` first."
    if answer not in LARGE_LR_CHOICES:
        return f"{FAIL} Answer with one of {sorted(LARGE_LR_CHOICES)}; got {answer!r}."
    if not finite:
        right = "c"
    elif acc_large > acc_default:
        right = "a"
    elif acc_large < 0.2 and saturated > 0.9:
        right = "b"
    else:
        right = None
    measured = (f"accuracy {acc_large:.1%} against {acc_default:.1%} at the default, "
                f"{saturated:.0%} of the outputs saturated, weights {'finite' if finite else 'not finite'}")
    if answer == right:
        return f"{PASS} Right: {LARGE_LR_CHOICES[right]} ({measured})."
    return f"{FAIL} Not what happened: {measured}. Which explanation fits these numbers?"


def check_inverted_answer(answer, inverted_accuracy):
    """Try it 3: does the network still read most digits written white on black (accuracy above 50 %)?"""
    if answer is None:
        return "Set `inverted_still_works` first."
    if not isinstance(answer, (bool, np.bool_)):
        return f"{FAIL} Answer True or False; got {answer!r}."
    works = inverted_accuracy > 0.5
    if bool(answer) == works:
        why = ("it still reads most of them" if works else
               "the network learned which pixels should be dark, not the shape of a stroke")
        return f"{PASS} Right: {inverted_accuracy:.1%}; {why}."
    return f"{FAIL} Not this time: inverted images give {inverted_accuracy:.1%}."
