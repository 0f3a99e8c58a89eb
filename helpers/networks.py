"""Ready-made networks of the course, built from the fast layers (``helpers.fast``)."""

import numpy as np

from . import fast
from .model import Sequential


def mnist_cnn(rng, num_filters=32, num_hidden=100):
    """The CNN of notebook 06, float32: (N, 1, 28, 28) images -> (N, 10) scores.

    Conv 3x3 (num_filters) -> max pool 2x2 -> ReLU -> flatten -> dense num_hidden + ReLU -> dense 10,
    the first three fused in one fast layer. Initialised exactly like the same network built from
    ``helpers.layers`` with the same ``rng`` (He for the filters and the first dense layer).
    The tutorial's order is conv -> ReLU -> pool; ReLU never changes which value is largest, so
    pooling first computes the same function with a quarter of the ReLU work.
    Train it with ``helpers.fast.SGD`` (the same update as ``helpers.optim.SGD``, faster).
    """
    num_flat = num_filters * 13 * 13
    return Sequential([
        # (N, 1, 28, 28) -> conv (N, F, 26, 26) -> pool, ReLU (N, F, 13, 13); nobody needs d/dimages
        fast.ConvPoolReLU(1, num_filters, 3, rng, pool_size=2, needs_input_grad=False),
        fast.Flatten(),  # -> (N, F*13*13)
        fast.Dense(num_flat, num_hidden, rng, weight_scale=np.sqrt(2.0 / num_flat), dtype=np.float32),
        fast.ReLU(),
        fast.Dense(num_hidden, 10, rng, dtype=np.float32),  # -> (N, 10) scores; softmax is in the loss
    ])
