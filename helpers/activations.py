"""Activation functions and their derivatives, as plain functions on arrays.

Every function works elementwise on an array of any shape (softmax: along the last axis)
and returns an array of the same shape and float dtype as its input.
"""

import numpy as np


def step(z):
    """Binary step (Heaviside): 1 where z >= 0, else 0. Its derivative is 0 almost everywhere."""
    z = np.asarray(z)
    return (z >= 0).astype(np.result_type(z.dtype, np.float32))


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), computed without overflow for large |z|.

    Uses the identity 1 / (1 + exp(-z)) = (1 + tanh(z / 2)) / 2: tanh never overflows, and it is
    one fast pass over the array.
    """
    z = np.asarray(z)
    z = z.astype(np.result_type(z.dtype, np.float32), copy=False)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_prime(z):
    """Derivative of the sigmoid: sigma(z) * (1 - sigma(z)); at most 0.25, at z = 0."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent, outputs in (-1, 1)."""
    return np.tanh(z)


def tanh_prime(z):
    """Derivative of tanh: 1 - tanh(z)**2."""
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z):
    """Rectified linear unit max(0, z)."""
    return np.maximum(z, 0)


def relu_prime(z):
    """Derivative of ReLU: 1 where z > 0, else 0 (we take 0 at z = 0)."""
    z = np.asarray(z)
    return (z > 0).astype(np.result_type(z.dtype, np.float32))


def softmax(z, axis=-1):
    """Softmax along ``axis``: exp(z) / sum(exp(z)). Stable: the maximum is subtracted first.

    z: (N, K) scores (logits) -> (N, K) probabilities that sum to 1 along ``axis``.
    """
    z = np.asarray(z, dtype=np.result_type(np.asarray(z).dtype, np.float32))
    shifted = z - z.max(axis=axis, keepdims=True)  # largest entry becomes 0: exp cannot overflow
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_jacobian(z):
    """Jacobian of softmax for one score vector z: (K,) -> (K, K), J[i, j] = s_i (delta_ij - s_j)."""
    z = np.asarray(z)
    if z.ndim != 1:
        raise ValueError(f"softmax_jacobian expects one score vector of shape (K,), got shape {z.shape}")
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)
