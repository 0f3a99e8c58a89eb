"""Layers with a forward and a backward pass.

The contract every layer follows (after cs231n's ``layers.py``):

- ``forward(X)`` returns the output and keeps exactly what ``backward`` needs;
- ``backward(dout)`` takes the gradient of the loss with respect to the output and returns
  the gradient with respect to the input; the gradients of the parameters are stored next to
  the parameters, named after them: ``dW`` for ``W``, ``db`` for ``b``;
- ``param_names`` lists the parameters, so an optimiser can find ``W`` and ``dW`` by name.
"""

import numpy as np

from .activations import relu, sigmoid


def _check_2d(name, X, num_features):
    """Raise a ValueError naming the shapes when X is not (N, num_features)."""
    if not isinstance(X, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array of shape (N, {num_features}), got {type(X).__name__}")
    if X.ndim != 2 or X.shape[1] != num_features:
        raise ValueError(f"{name}: expected input of shape (N, {num_features}), got shape {X.shape}")


class Layer:
    """Base class: a layer without parameters that passes gradients straight through."""

    param_names = ()

    def forward(self, X):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected layer: out = X @ W + b.

    X: (N, num_in) -> out: (N, num_out); W: (num_in, num_out); b: (num_out,).
    Weights start as Gaussian noise scaled by ``weight_scale`` (default 1/sqrt(num_in), which keeps
    the output's spread close to the input's), biases at zero.
    """

    param_names = ("W", "b")

    def __init__(self, num_in, num_out, rng, weight_scale=None, dtype=np.float64):
        if int(num_in) < 1 or int(num_out) < 1:
            raise ValueError(f"Dense needs num_in >= 1 and num_out >= 1, got num_in={num_in}, num_out={num_out}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"Dense needs rng=np.random.default_rng(seed), got {type(rng).__name__}")
        scale = 1.0 / np.sqrt(num_in) if weight_scale is None else weight_scale
        self.W = (scale * rng.standard_normal((num_in, num_out))).astype(dtype)
        self.b = np.zeros(num_out, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.X = None

    def forward(self, X):
        _check_2d("Dense.forward", X, self.W.shape[0])
        self.X = X  # (N, num_in), kept for dW
        return X @ self.W + self.b  # (N, num_out)

    def backward(self, dout):
        """dout: (N, num_out) -> dX: (N, num_in); fills dW (num_in, num_out) and db (num_out,)."""
        if self.X is None:
            raise RuntimeError("Dense.backward called before forward")
        if dout.shape != (self.X.shape[0], self.W.shape[1]):
            raise ValueError(f"Dense.backward: expected dout of shape {(self.X.shape[0], self.W.shape[1])}, got {dout.shape}")
        self.dW[...] = self.X.T @ dout
        self.db[...] = dout.sum(axis=0)
        return dout @ self.W.T

    def __repr__(self):
        return f"Dense({self.W.shape[0]}, {self.W.shape[1]})"


class Sigmoid(Layer):
    """Sigmoid as a layer: out = sigmoid(X); backward uses out * (1 - out)."""

    def forward(self, X):
        self.out = sigmoid(X)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Tanh(Layer):
    """tanh as a layer: out = tanh(X); backward uses 1 - out**2."""

    def forward(self, X):
        self.out = np.tanh(X)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out * self.out)


class ReLU(Layer):
    """ReLU as a layer: out = max(0, X); the gradient passes where X > 0."""

    def forward(self, X):
        self.mask = X > 0
        return relu(X)

    def backward(self, dout):
        return dout * self.mask


class Flatten(Layer):
    """Flattens everything after the batch axis: (N, d1, d2, ...) -> (N, d1 * d2 * ...)."""

    def forward(self, X):
        self.shape = X.shape
        return X.reshape(X.shape[0], -1)  # (N, d1*d2*...)

    def backward(self, dout):
        return dout.reshape(self.shape)  # back to (N, d1, d2, ...)
