"""Numerical gradients by centred differences, and the relative error used to compare them.

With float64 and h = 1e-5 a correct analytic gradient agrees with the numerical one to a
relative error of about 1e-7 or smaller; 1e-4 or larger almost always means a bug.
"""

import numpy as np


def rel_error(a, b, eps=1e-12):
    """Largest relative error max |a - b| / max(|a| + |b|, eps), elementwise; 0 means identical."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f at x by centred differences (f(x+h) - f(x-h)) / 2h.

    x is changed in place one entry at a time and restored, so f may read x directly.
    x: any shape (float64 for accurate results) -> grad: the same shape.
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient needs a float array, got dtype {x.dtype}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Numerical gradient of sum(f() * dout) with respect to x, for array-valued f.

    This is what a layer's backward computes: given the upstream gradient dout (shaped like
    f's output), the gradient with respect to x (shaped like x).
    """
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def check_layer(layer, X, rng, h=1e-5):
    """Compare a layer's backward with numerical gradients on input X and random upstream gradient.

    Returns a dict of relative errors: ``{"X": ..., "W": ..., ...}`` (one per parameter).
    Use float64 arrays; expect errors below about 1e-7.
    """
    out = layer.forward(X)
    dout = rng.standard_normal(out.shape)
    dX = layer.backward(dout)
    analytic = {"X": dX}
    analytic.update({name: getattr(layer, "d" + name).copy() for name in layer.param_names})
    errors = {"X": rel_error(dX, numerical_gradient_array(lambda: layer.forward(X), X, dout, h))}
    for name in layer.param_names:
        p = getattr(layer, name)
        errors[name] = rel_error(analytic[name], numerical_gradient_array(lambda: layer.forward(X), p, dout, h))
    return errors
