"""Numerical gradients by centred differences, and the relative error used to compare them.

With float64 and h = 1e-5 a correct analytic gradient agrees with the numerical one to a
relative error of about 1e-7 or smaller; 1e-4 or larger almost always means a bug.
"""

import numpy as np

from . import _checks as check


def rel_error(a, b, eps=1e-12):
    """Largest relative error max |a - b| / max(|a| + |b|, eps), elementwise; 0 means identical."""
    a = check.array("rel_error", "a", a, floating=True, allow_empty=True).astype(np.float64)
    b = check.array("rel_error", "b", b, floating=True, allow_empty=True).astype(np.float64)
    if a.shape != b.shape:
        check.fail("rel_error", "b", f"the shape of a {a.shape} (shapes differ)", f"shape {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function f at x by centred differences (f(x+h) - f(x-h)) / 2h.

    x is changed in place one entry at a time and restored, so f may read x directly.
    x: any shape (float64 for accurate results) -> grad: the same shape.
    """
    if not callable(f):
        check.fail("numerical_gradient", "f", "a function of no arguments that returns the loss", check.describe(f),
                   TypeError)
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        check.fail("numerical_gradient", "x", "a float array (changed in place, so not a list or an integer array)",
                   check.describe(x), TypeError)
    h = check.real("numerical_gradient", "h", h, positive=True)
    value = f()
    if np.ndim(value) != 0:
        check.fail("numerical_gradient", "f", "a function that returns one number (the loss)",
                   f"a result of shape {np.shape(value)}: use numerical_gradient_array for array outputs")
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
    if not callable(f):
        check.fail("numerical_gradient_array", "f", "a function of no arguments", check.describe(f), TypeError)
    dout = check.array("numerical_gradient_array", "dout", dout, floating=True)
    if np.shape(f()) != dout.shape:
        check.fail("numerical_gradient_array", "dout", f"the shape of f's output {np.shape(f())}",
                   f"shape {dout.shape}")
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def check_layer(layer, X, rng, h=1e-5):
    """Compare a layer's backward with numerical gradients on input X and random upstream gradient.

    Returns a dict of relative errors: ``{"X": ..., "W": ..., ...}`` (one per parameter).
    Use float64 arrays; expect errors below about 1e-7.
    """
    if not callable(getattr(layer, "forward", None)) or isinstance(layer, type):
        check.fail("check_layer", "layer", "a layer instance such as Dense(3, 2, rng)", check.describe(layer), TypeError)
    X = check.array("check_layer", "X", X, floating=True)
    check.generator("check_layer", "rng", rng)
    out = layer.forward(X)
    dout = rng.standard_normal(out.shape)
    dX = layer.backward(dout)
    analytic = {name: np.array(getattr(layer, "d" + name)) for name in layer.param_names}
    errors = {}
    if dX is not None:  # None: a first layer built without its input gradient
        errors["X"] = rel_error(dX, numerical_gradient_array(lambda: layer.forward(X), X, dout, h))
    for name in layer.param_names:
        p = getattr(layer, name)
        errors[name] = rel_error(analytic[name], numerical_gradient_array(lambda: layer.forward(X), p, dout, h))
    return errors
