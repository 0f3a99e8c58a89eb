"""A sequential model (layers applied in order) and its training loop."""

import sys
import time

import numpy as np

from .losses import l2_penalty, softmax_cross_entropy


class TrainingDiverged(RuntimeError):
    """Raised when the loss stops being a finite number: the learning rate was too large."""

    def __init__(self, lr, loss, epoch, step):
        self.lr, self.loss, self.epoch, self.step = lr, loss, epoch, step
        super().__init__(
            f"training diverged at learning rate {lr:g}: the loss became {loss} "
            f"in epoch {epoch}, step {step}; try a smaller one"
        )


class Sequential:
    """Layers applied one after another: forward in order, backward in reverse (the chain rule)."""

    def __init__(self, layers):
        self.layers = list(layers)
        if self.layers and hasattr(self.layers[0], "needs_input_grad"):
            self.layers[0].needs_input_grad = False  # nobody needs the gradient for the input images

    @property
    def params(self):
        """Every parameter as (layer index, name, array), e.g. (0, "W", ...)."""
        return [(i, name, getattr(layer, name)) for i, layer in enumerate(self.layers) for name in layer.param_names]

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout  # None when the first layer skipped its input gradient

    def predict(self, X, batch_size=1000):
        """The model's output for X, computed in batches so large inputs fit in memory."""
        outs = [self.forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        return np.concatenate(outs, axis=0)

    def predict_classes(self, X, batch_size=1000):
        """Index of the largest output per row: (N, K) scores -> (N,) class labels."""
        return self.predict(X, batch_size).argmax(axis=1)

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n])"


def mnist_cnn(rng, num_filters=32, num_hidden=100):
    """The CNN of notebook 06, float32: (N, 1, 28, 28) images -> (N, 10) scores.

    Conv 3x3 -> max pool 2x2 -> ReLU -> flatten -> dense + ReLU -> dense. The tutorial's order is
    conv -> ReLU -> pool; since ReLU never changes which value is largest, pooling first computes
    the same function with a quarter of the ReLU work.
    """
    from .layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU

    num_flat = num_filters * 13 * 13
    return Sequential([
        Conv2D(1, num_filters, 3, rng),  # (N, 1, 28, 28) -> (N, F, 26, 26)
        MaxPool2D(2),  # -> (N, F, 13, 13)
        ReLU(),
        Flatten(),  # -> (N, F*13*13)
        Dense(num_flat, num_hidden, rng, weight_scale=np.sqrt(2.0 / num_flat), dtype=np.float32),
        ReLU(),
        Dense(num_hidden, 10, rng, dtype=np.float32),  # -> (N, 10) scores; softmax is in the loss
    ])


class History(dict):
    """Per-epoch records of a training run: history['loss'], history['acc'], history['val_acc'], ..."""


def _progress_line(epoch, num_epochs, done, total, loss, acc, elapsed, width=24):
    filled = int(width * done / total)
    bar = "#" * filled + "-" * (width - filled)
    return f"epoch {epoch}/{num_epochs} [{bar}] {done}/{total}  loss {loss:.4f}  acc {acc:.4f}  {elapsed:.1f}s"


def fit(model, X, y, optimizer, num_epochs, batch_size=None, rng=None, loss_fn=softmax_cross_entropy,
        X_val=None, y_val=None, progress=False, accuracy=True, lr_schedule=None, reg=0.0):
    """Train ``model`` by mini-batch gradient descent and return a History.

    X: (N, ...) inputs; y: targets for ``loss_fn`` (integer labels (N,) or rows (N, K)).
    batch_size=None uses the whole training set in every step (full-batch gradient descent);
    otherwise the examples are shuffled with ``rng`` every epoch. ``progress=True`` prints one
    status line per epoch, updated in place. A loss that becomes NaN or infinite raises
    TrainingDiverged, naming the learning rate. ``lr_schedule(epoch)`` (epochs count from 1), when
    given, sets the optimiser's learning rate at the start of every epoch. ``reg > 0`` adds L2
    regularisation of every weight matrix (parameters named W): 0.5 * reg * sum(W**2) to the loss.
    """
    N = X.shape[0]
    if len(y) != N:
        raise ValueError(f"fit: X has {N} examples but y has {len(y)}")
    if int(num_epochs) < 1:
        raise ValueError(f"fit: num_epochs must be at least 1, got {num_epochs!r}")
    l2_penalty([], reg)  # rejects a negative or non-numeric strength before any work
    weights = [layer.W for layer in model.layers if "W" in layer.param_names]
    if batch_size is None:
        batch_size = N
    elif int(batch_size) < 1:
        raise ValueError(f"fit: batch_size must be at least 1, got {batch_size!r}")
    if batch_size < N and not isinstance(rng, np.random.Generator):
        raise TypeError("fit: mini-batches are shuffled; pass rng=np.random.default_rng(seed)")
    labels = None
    if accuracy:
        labels = y if y.ndim == 1 else y.argmax(axis=1)
    history = History(loss=[], acc=[], val_loss=[], val_acc=[], time=[])
    start = time.perf_counter()
    num_batches = -(-N // batch_size)
    for epoch in range(1, num_epochs + 1):
        if lr_schedule is not None:
            optimizer.lr = float(lr_schedule(epoch))
        order = rng.permutation(N) if batch_size < N else None
        total_loss, correct = 0.0, 0
        for b in range(num_batches):
            if order is None:  # full batch: no shuffling, no copies
                idx, Xb, yb = slice(None), X, y
            else:
                idx = order[b * batch_size:(b + 1) * batch_size]
                Xb, yb = X[idx], y[idx]
            with np.errstate(over="ignore", invalid="ignore"):
                # forward
                out = model.forward(Xb)
                loss, dout = loss_fn(out, yb)
                if reg:
                    loss += l2_penalty(weights, reg)[0]
                if not np.isfinite(loss):
                    raise TrainingDiverged(optimizer.lr, loss, epoch, b + 1)
                # backward
                model.backward(dout)
                if reg:
                    for layer in model.layers:
                        if "W" in layer.param_names:
                            layer.dW += reg * layer.W
                # update
                optimizer.step(model.layers)
            seen = min((b + 1) * batch_size, N)
            total_loss += loss * (seen - b * batch_size)
            if accuracy:
                correct += int(np.sum(out.argmax(axis=1) == labels[idx]))
            if progress and (b + 1 == num_batches or b % 50 == 0):
                line = _progress_line(epoch, num_epochs, b + 1, num_batches, total_loss / seen, correct / seen,
                                      time.perf_counter() - start)
                sys.stdout.write("\r" + line)
                sys.stdout.flush()
        history["loss"].append(total_loss / N)
        if accuracy:
            history["acc"].append(correct / N)
        if X_val is not None:
            val_out = model.predict(X_val)
            history["val_loss"].append(loss_fn(val_out, y_val)[0])
            if accuracy:
                val_labels = y_val if y_val.ndim == 1 else y_val.argmax(axis=1)
                history["val_acc"].append(float(np.mean(val_out.argmax(axis=1) == val_labels)))
        history["time"].append(time.perf_counter() - start)
        if progress:
            sys.stdout.write("\n")
    return history
