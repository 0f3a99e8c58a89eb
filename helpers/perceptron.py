"""The perceptron: a weighted sum through a step function, trained online by the perceptron rule."""

from dataclasses import dataclass, field

import numpy as np

from .activations import step


def perceptron_predict(X, w, b):
    """X: (N, D) inputs, w: (D,) weights, b: bias -> (N,) predictions in {0, 1}."""
    return step(X @ w + b)


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
        raise ValueError(f"perceptron: X must be a 2-D array of shape (N, D), got shape {X.shape}")
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


def train_perceptron(X, y, lr, num_steps, rng, w=None, b=None):
    """Train a perceptron online: at each step pick one example at random and apply the rule

        error = target - step(x . w + b)      (0 when the prediction is right)
        w    += lr * error * x
        b    += lr * error

    X: (N, D) inputs, y: (N,) targets in {0, 1}; lr > 0; rng: np.random.Generator.
    Weights start small and random (uniform in [-0.5, 0.5)) unless given.
    """
    X, y = _validate(X, y, lr, num_steps)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"perceptron: pass rng=np.random.default_rng(seed), got {type(rng).__name__}")
    N, D = X.shape
    w = rng.uniform(-0.5, 0.5, size=D) if w is None else np.array(w, dtype=np.float64)
    b = float(rng.uniform(-0.5, 0.5)) if b is None else float(b)
    run = PerceptronRun(w=w, b=b)
    run.weights.append((w.copy(), b))
    for _ in range(int(num_steps)):
        i = rng.integers(N)
        error = y[i] - step(X[i] @ w + b)
        w += lr * error * X[i]
        b += lr * error
        run.weights.append((w.copy(), b))
        run.errors.append(float(error))
        run.accuracy.append(float(np.mean(perceptron_predict(X, w, b) == y)))
    run.w, run.b = w, b
    return run
