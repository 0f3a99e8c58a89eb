"""Activation functions and their derivatives, as plain functions on arrays.

Every function works elementwise on an array of any shape (softmax: along the last axis), accepts
a list of numbers too, and returns a float array of the same shape (float32 stays float32).
"""

import numpy as np

from . import _checks as check


def _float_array(fn, z):
    """z as an array of floats: integers and booleans become float64, float32 stays float32."""
    return check.array(fn, "z", z, floating=True, allow_empty=True)


def step(z):
    """Binary step (Heaviside): 1 where z >= 0, else 0. Its derivative is 0 almost everywhere."""
    z = _float_array("step", z)
    return (z >= 0).astype(z.dtype)


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), accurate to the last digits in both tails.

    With e = exp(-|z|), which lies in (0, 1] and so never overflows:
    z >= 0: 1 / (1 + e);   z < 0: e / (1 + e)  (the same value, multiplied by e^z / e^z).
    The naive formula's exp(-z) overflows for z < -709; 0.5 (1 + tanh(z / 2)) loses all relative
    accuracy in the left tail (it returns exactly 0 below z = -37, where sigma is still 1e-17).
    """
    return _sigmoid(_float_array("sigmoid", z))


def _sigmoid(z):
    """The math of sigmoid, for a float array z (the Sigmoid layer calls it after its own check)."""
    e = np.exp(-np.abs(z))  # in (0, 1]
    return np.where(z >= 0, 1.0, e) / (1 + e)


def sigmoid_prime(z):
    """Derivative of the sigmoid: sigma(z) * (1 - sigma(z)); at most 0.25, at z = 0."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    """Hyperbolic tangent, outputs in (-1, 1)."""
    return np.tanh(_float_array("tanh", z))


def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)**2."""
    t = tanh(z)
    return 1 - t * t


def relu(z):
    """Rectified linear unit max(0, z)."""
    z = _float_array("relu", z)
    return np.maximum(z, z.dtype.type(0))


def relu_prime(z):
    """Derivative of ReLU: 1 where z > 0, else 0 (we take 0 at z = 0, as the libraries do)."""
    z = _float_array("relu_prime", z)
    return (z > 0).astype(z.dtype)


def softmax(z, axis=-1):
    """Softmax along ``axis``: exp(z) / sum(exp(z)). Stable: the maximum is subtracted first.

    z: (N, K) scores (logits) -> (N, K) probabilities that sum to 1 along ``axis``.
    A +inf score takes all the probability (shared among equal ones), instead of giving NaN.
    """
    z = _float_array("softmax", z)
    if z.ndim == 0:
        check.fail("softmax", "z", "scores of shape (K,) or (N, K)", "a single number")
    axis = check.integer("softmax", "axis", axis)
    if not -z.ndim <= axis < z.ndim:
        check.fail("softmax", "axis", f"an axis of z, from {-z.ndim} to {z.ndim - 1}", repr(axis))
    z_max = z.max(axis=axis, keepdims=True)
    infinite = np.isinf(z_max)
    if infinite.any():  # inf - inf is NaN: in such rows the entries equal to the maximum share it all
        z = np.where(infinite, np.where(z == z_max, 0, -np.inf), z).astype(z.dtype)
        z_max = np.where(infinite, 0, z_max).astype(z.dtype)
    shifted = z - z_max  # largest entry becomes 0: exp cannot overflow
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_jacobian(z):
    """Jacobian of softmax for one score vector z: (K,) -> (K, K), J[i, j] = s_i (delta_ij - s_j)."""
    z = check.array("softmax_jacobian", "z", z, shape=("K",), what="one score vector", floating=True)
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)
