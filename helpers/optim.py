"""Optimisers: they update every parameter of a list of layers from the gradients stored beside it."""

import numpy as np


def _check_lr(lr):
    if not np.isscalar(lr) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"the learning rate must be a positive number, got {lr!r}")
    return float(lr)


class SGD:
    """(Stochastic) gradient descent, with optional momentum.

    Plain:    p -= lr * dp
    Momentum: v = momentum * v - lr * dp;  p += v   (v starts at zero, one per parameter)
    With momentum=0 this is plain gradient descent on whatever batch the gradients came from.
    """

    def __init__(self, lr, momentum=0.0):
        self.lr = _check_lr(lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = {}  # id(parameter array) -> velocity array of the same shape
        self._scratch = {}  # id(parameter array) -> buffer for lr * gradient (no new array every step)

    def step(self, layers):
        """Update the parameters of every layer in place (in place keeps references valid)."""
        for layer in layers:
            for name in layer.param_names:
                p = getattr(layer, name)
                dp = getattr(layer, "d" + name)
                step = self._scratch.get(id(p))
                if step is None:
                    step = self._scratch[id(p)] = np.empty_like(p)
                np.multiply(dp, self.lr, out=step)  # lr * dp
                if self.momentum:
                    v = self.velocity.get(id(p))
                    if v is None:
                        v = self.velocity[id(p)] = np.zeros_like(p)
                    v *= self.momentum
                    v -= step
                    p += v
                else:
                    p -= step
