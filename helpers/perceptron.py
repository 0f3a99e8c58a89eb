"""The perceptron: a weighted sum through a step function, trained online by the perceptron rule."""

from dataclasses import dataclass, field

import numpy as np

from .activations import step


def perceptron_predict(X, w, b):
    """X: (N, d) inputs, w: (d,) weights, b: bias -> (N,) predictions in {0, 1}."""
    return step(X @ w + b)


def perceptron_update(w, b, x, y, lr):
    """One step of the perceptron rule on one example; returns the new (w, b) and leaves the inputs alone.

    w: (d,) weights, b: bias, x: (d,) one example x⁽ⁱ⁾, y: its target (0 or 1), lr: learning rate.
        error = y - step(w . x + b)       (0 when the prediction is right)
        w_new = w + lr * error * x
        b_new = b + lr * error
    """
    error = y - step(x @ w + b)
    return w + lr * error * x, b + lr * error


def line_outside_window(w, b, lim=(-0.25, 1.25)):
    """None when the line w . x + b = 0 crosses the square lim x lim; else what the square shows instead.

    w: (2,) weights, b: bias. A perceptron whose line lies outside the drawn window gives every point in
    it the same output, so a plot of it looks the same before and after a correction: say so.
    """
    corners = np.array([[lim[0], lim[0]], [lim[0], lim[1]], [lim[1], lim[0]], [lim[1], lim[1]]])
    z = corners @ np.asarray(w, dtype=float) + b
    if np.any(z >= 0) and np.any(z < 0):
        return None
    return f"line outside the window: output {int(z[0] >= 0)} everywhere"


@dataclass
class PerceptronRun:
    """The result of training: final weights and bias, and what happened at every step."""

    w: np.ndarray
    b: float
    weights: list = field(default_factory=list)  # (w, b) after each step, starting with the initial ones
    errors: list = field(default_factory=list)  # error (target - prediction) of the example seen at each step
    accuracy: list = field(default_factory=list)  # accuracy on the whole data set after each step

    @property
    def converged(self):
        """True when the final weights classify every example correctly."""
        return bool(self.accuracy) and self.accuracy[-1] == 1.0


def _validate(X, y, lr, num_steps):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"perceptron: X must be a 2-D array of shape (N, d), got shape {X.shape}")
    if y.ndim != 1:
        raise ValueError(f"perceptron: y must be a 1-D array of shape (N,), got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"perceptron: X has {X.shape[0]} examples but y has {y.shape[0]} targets; "
                         "each input row needs exactly one target")
    if not np.all((y == 0) | (y == 1)):
        bad = np.unique(y[(y != 0) & (y != 1)])
        raise ValueError(f"perceptron: targets must be 0 or 1 (a step function outputs only these), got {bad.tolist()}")
    if not np.isscalar(lr) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"perceptron: the learning rate must be a positive number, got {lr!r}")
    if int(num_steps) != num_steps or num_steps < 1:
        raise ValueError(f"perceptron: num_steps must be a positive whole number, got {num_steps!r}")
    return X, y.astype(np.float64)


def train_perceptron(X, y, lr, num_steps, rng, w=None, b=None, update=None):
    """Train a perceptron online: at each step pick one example at random and apply the rule

        error = target - step(x . w + b)      (0 when the prediction is right)
        w    += lr * error * x
        b    += lr * error

    X: (N, d) inputs, y: (N,) targets in {0, 1}; lr > 0; rng: np.random.Generator.
    Weights start small and random (uniform in [-0.5, 0.5)) unless given. ``update(w, b, x, y, lr)``
    -> (w, b) is the rule applied at each step: ``perceptron_update`` unless given (notebook 01 passes
    the student's own version once it passed its check).
    """
    X, y = _validate(X, y, lr, num_steps)
    if update is None:
        update = perceptron_update
    elif not callable(update):
        raise TypeError(f"perceptron: update must be a function update(w, b, x, y, lr) -> (w, b), "
                        f"got {type(update).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"perceptron: pass rng=np.random.default_rng(seed), got {type(rng).__name__}")
    N, D = X.shape
    w = rng.uniform(-0.5, 0.5, size=D) if w is None else np.array(w, dtype=np.float64)
    b = float(rng.uniform(-0.5, 0.5)) if b is None else float(b)
    run = PerceptronRun(w=w, b=b)
    run.weights.append((w.copy(), b))
    fires = y == 1  # (N,): where the output should be 1
    for _ in range(int(num_steps)):
        i = rng.integers(N)
        error = y[i] - (1.0 if float(X[i] @ w) + b >= 0 else 0.0)  # recorded for the plots; update computes its own
        w, b = update(w.copy(), b, X[i], y[i], lr)
        w, b = np.array(w, dtype=np.float64), float(b)
        run.weights.append((w, b))
        run.errors.append(float(error))
        run.accuracy.append(float(np.count_nonzero((X @ w + b >= 0) == fires)) / N)
    run.w, run.b = w, b
    return run
