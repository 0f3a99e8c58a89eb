"""Optimisers: they update every parameter of a list of layers from the gradients stored beside it."""

import numpy as np

from . import _checks as check


class SGD:
    """(Stochastic) gradient descent, with optional momentum, in PyTorch's convention.

    Plain:    p -= lr * dp
    Momentum: v = momentum * v + dp;  p -= lr * v   (v starts at zero, one per parameter)

    The velocity v adds up gradients and the learning rate multiplies only at the step, so a new
    learning rate (a schedule) takes effect at once, and runs compare directly with PyTorch's
    ``torch.optim.SGD``. Each velocity is kept with its parameter, in the layer's ``velocity``
    dict (``layer.velocity["W"]``), so one optimiser can train several models.
    """

    def __init__(self, lr, momentum=0.0):
        self.lr = lr
        self.momentum = check.real("SGD", "momentum", momentum, minimum=0.0, below=1.0)

    @property
    def lr(self):
        """The learning rate, a positive number; it may be changed between steps."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check.real("SGD", "lr", value, positive=True)

    def step(self, layers):
        """Update the parameters of every layer in place (so every reference to them stays valid).

        layers: a list of layers (or a model with a ``layers`` list) whose backward has filled the
        gradients ``dW``, ``db``, ... next to ``W``, ``b``, ...
        """
        layers = getattr(layers, "layers", layers)
        if isinstance(layers, (str, np.ndarray)) or not hasattr(layers, "__iter__"):
            check.fail("SGD.step", "layers", "a list of layers (or a Sequential)", check.describe(layers), TypeError)
        lr = self._lr
        for layer in layers:
            for name in getattr(layer, "param_names", ()):
                p, dp = getattr(layer, name), getattr(layer, "d" + name)
                if getattr(dp, "shape", None) != p.shape:
                    check.fail("SGD.step", f"{type(layer).__name__}.d{name}",
                               f"a gradient of the parameter's shape {p.shape}", f"shape {np.shape(dp)}")
                if self.momentum:
                    v = self._velocity(layer, name, p)
                    v *= self.momentum
                    v += dp  # v = momentum * v + dp
                    p -= lr * v
                else:
                    p -= lr * dp

    @staticmethod
    def _velocity(layer, name, p):
        """The velocity kept with parameter ``name`` of ``layer``; zeros at first (or when p changed shape)."""
        state = layer.__dict__.setdefault("velocity", {})
        v = state.get(name)
        if v is None or v.shape != p.shape:
            v = state[name] = np.zeros_like(p)
        return v
