"""A sequential model (layers applied in order) and its training loop ``fit``."""

import time

import numpy as np

from . import _checks as check
from .losses import l2_penalty, softmax_cross_entropy

# When training counts as diverged (measured over the slider ranges of notebooks 03-05, see
# tests/test_bad_input.py): the loss (smoothed over about 10 batches in mini-batch training) is compared with
# a reference, the larger of the first loss and the loss of a model that outputs zeros (ln K for softmax
# cross-entropy: "chance"). Runs that recover were seen to jump up to 265 times above it for at most 8 steps
# in a row; diverging runs reach 1e4 times within about 20 steps, or stay above 100 times for good.
SPIKE_FACTOR = 1e4  # this far above the reference once: diverged
STUCK_FACTOR = 100.0  # this far above the reference ...
STUCK_STEPS = 100  # ... for this many steps in a row: diverged
UNSCALED = 10.0  # inputs beyond +-10 count as unscaled: then a first epoch no better than chance is reported too


class TrainingDiverged(RuntimeError):
    """Raised by ``fit`` when the loss stops being finite or climbs far above where it started.

    Attributes: lr, loss, epoch, batch (counting from 1) and cause (the likely cause, in words).
    """

    def __init__(self, lr, loss, epoch, batch, cause=None):
        self.lr, self.loss, self.epoch, self.batch = lr, loss, epoch, batch
        self.cause = cause or "try a smaller one"
        super().__init__(f"training diverged at learning rate {lr:g}: the loss became {loss:.4g} in epoch "
                         f"{epoch}, batch {batch}; {self.cause}")


def _is_layer(layer):
    return (not isinstance(layer, type) and callable(getattr(layer, "forward", None))
            and callable(getattr(layer, "backward", None)))


class Sequential:
    """Layers applied one after another: forward in order, backward in reverse (the chain rule)."""

    def __init__(self, layers):
        if isinstance(layers, (str, np.ndarray)) or _is_layer(layers) or not hasattr(layers, "__iter__"):
            check.fail("Sequential", "layers", "a list of layers such as [Dense(2, 3, rng), Sigmoid()]",
                       check.describe(layers), TypeError)
        self.layers = list(layers)
        if not self.layers:
            check.fail("Sequential", "layers", "at least one layer", "an empty list")
        for i, layer in enumerate(self.layers):
            if not _is_layer(layer):
                check.fail("Sequential", f"layers[{i}]", "a layer instance such as Sigmoid() or Dense(2, 3, rng)",
                           check.describe(layer), TypeError)

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
        return dout  # None when the first layer skips its input gradient

    def predict(self, X, batch_size=1000):
        """The model's output for X, computed in batches so large inputs fit in memory."""
        X = check.array("Sequential.predict", "X", X)
        if X.ndim == 0:
            check.fail("Sequential.predict", "X", "examples in rows, shape (N, ...)", "a single number")
        batch_size = check.integer("Sequential.predict", "batch_size", batch_size, minimum=1)
        outs = [self.forward(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        return np.concatenate(outs, axis=0)

    def predict_classes(self, X, batch_size=1000):
        """Index of the largest output per row: (N, K) scores -> (N,) class labels."""
        return self.predict(X, batch_size).argmax(axis=1)

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n  {inner}\n])"


def _diverged(loss, reference, steps_high):
    """Whether training diverged; also returns the updated count of steps in a row far above the reference."""
    steps_high = steps_high + 1 if loss > STUCK_FACTOR * reference else 0
    return not np.isfinite(loss) or loss > SPIKE_FACTOR * reference or steps_high >= STUCK_STEPS, steps_high


def _chance(loss_fn, y_hat, y):
    """The loss of a model that outputs zeros: ln K for softmax cross-entropy."""
    try:
        return float(loss_fn(np.zeros_like(y_hat), y)[0])
    except Exception:  # a loss function that cannot take zeros: the first loss alone is the reference
        return 0.0


def _likely_cause(largest, lr):
    """Words for TrainingDiverged: unscaled inputs if they reach far outside [-1, 1], else the learning rate."""
    if largest > UNSCALED:
        return (f"the inputs X reach {largest:g}, far outside [0, 1] or [-1, 1]: scale them (e.g. X / 255 "
                f"for pixels) and train again")
    return "try a smaller one"


def _check_fit(model, X, y, optimizer, num_epochs, batch_size, rng, loss_fn, X_val, y_val, lr_schedule, reg,
               on_batch, on_epoch, augment=None):
    """Everything ``fit`` is given, checked before any work; returns the cleaned-up values."""
    if not isinstance(model, Sequential) and not (hasattr(model, "layers") and _is_layer(model)):
        check.fail("fit", "model", "a Sequential model", check.describe(model), TypeError)
    X = check.array("fit", "X", X, floating=True, finite=True)
    y = check.array("fit", "y", y, finite=True)
    if X.ndim == 0 or y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"fit: y: X has {len(X) if X.ndim else 0} examples but y has {len(y) if y.ndim else 0}: "
                         f"expected one target per row of X")
    if not callable(getattr(optimizer, "step", None)) or not hasattr(optimizer, "lr"):
        check.fail("fit", "optimizer", "an optimiser such as SGD(lr=0.1)", check.describe(optimizer), TypeError)
    num_epochs = check.integer("fit", "num_epochs", num_epochs, minimum=1)
    N = len(X)
    batch_size = N if batch_size is None else min(check.integer("fit", "batch_size", batch_size, minimum=1), N)
    if batch_size < N or augment is not None:
        check.generator("fit", "rng", rng)  # mini-batches are shuffled, augment draws from it
    check.function("fit", "loss_fn", loss_fn, "(y_hat, y) returning (loss, grad), e.g. softmax_cross_entropy",
                   X[:1], y[:1])
    if (X_val is None) != (y_val is None):
        check.fail("fit", "X_val" if X_val is None else "y_val", "X_val and y_val given together",
                   "only one of them")
    if X_val is not None:
        X_val = check.array("fit", "X_val", X_val, shape=("N",) + X.shape[1:], floating=True, finite=True)
        y_val = check.array("fit", "y_val", y_val, shape=("N",) + y.shape[1:], finite=True)
        if len(y_val) != len(X_val):
            raise ValueError(f"fit: y_val: X_val has {len(X_val)} examples but y_val has {len(y_val)}")
    for name, fn, takes, args in (("lr_schedule", lr_schedule, "(epoch) returning a learning rate", (1,)),
                                  ("on_batch", on_batch, "(epoch, batch, num_batches, loss)", (1, 1, 1, 0.0)),
                                  ("on_epoch", on_epoch, "(epoch, record)", (1, {})),
                                  ("augment", augment, "(X_batch, rng) returning a batch of the same shape",
                                   (X[:1], rng))):
        if fn is not None:
            check.function("fit", name, fn, takes + " (or None)", *args)
    l2_penalty([], reg)  # rejects a negative or non-numeric strength before any work
    return X, y, num_epochs, batch_size, X_val, y_val


def _augmented(augment, X_batch, rng):
    """augment(X_batch, rng), checked: an array of the batch's shape."""
    out = augment(X_batch, rng)
    if getattr(out, "shape", None) != X_batch.shape:
        check.fail("fit", "augment", f"a function returning a batch of the same shape {X_batch.shape}",
                   f"{check.describe(out)} from {getattr(augment, '__name__', 'it')}")
    return out


def _labels_for_accuracy(y):
    """Class labels (N,) for accuracy, or None when y is not a classification target."""
    if y.ndim == 1 and np.all(y == np.round(y)):
        return y.astype(np.int64)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return None  # e.g. one column of regression targets: argmax would always say 0


def fit(model, X, y, optimizer, num_epochs, batch_size=None, rng=None, loss_fn=softmax_cross_entropy,
        X_val=None, y_val=None, lr_schedule=None, reg=0.0, accuracy=True, on_batch=None, on_epoch=None,
        augment=None):
    """Train ``model`` by mini-batch gradient descent; return the per-epoch records as a dict of lists.

    X: (N, ...) inputs; y: targets for ``loss_fn``: labels (N,) or rows (N, K), e.g. one-hot Y.
    batch_size=None uses the whole training set in every step (full-batch gradient descent);
    otherwise the examples are shuffled with ``rng`` every epoch. ``lr_schedule(epoch)`` (epochs
    count from 1), when given, sets the optimiser's learning rate at the start of every epoch.
    ``reg > 0`` adds L2 regularisation of every weight matrix (parameters named W):
    0.5 * reg * sum(W**2) to the loss. ``accuracy`` is recorded for classification targets only.
    ``augment(X_batch, rng)``, when given, returns a changed copy of every training batch before the
    model sees it (data augmentation, e.g. ``helpers.datasets.shift_images``); validation data is
    never changed, and the training accuracy is measured on the changed batches.

    Returns {"loss": [...], "acc": [...], "val_loss": [...], "val_acc": [...], "time": [...]}, one
    entry per epoch (val_* stay empty without X_val, y_val; time counts seconds since the start).
    Reports through callbacks and prints nothing: ``on_batch(epoch, batch, num_batches, loss)``
    after every optimiser step and ``on_epoch(epoch, record)`` after every epoch, where record is
    a dict of epoch, loss, acc, val_loss, val_acc, time and lr.
    Raises TrainingDiverged, naming the likely cause, when the loss stops being finite or climbs
    far above where it started.
    """
    X, y, num_epochs, batch_size, X_val, y_val = _check_fit(
        model, X, y, optimizer, num_epochs, batch_size, rng, loss_fn, X_val, y_val, lr_schedule, reg,
        on_batch, on_epoch, augment)
    accuracy = check.boolean("fit", "accuracy", accuracy)
    N = len(X)
    labels = _labels_for_accuracy(y) if accuracy else None
    val_labels = _labels_for_accuracy(y_val) if labels is not None and y_val is not None else None
    weighted = [layer for layer in model.layers if "W" in layer.param_names]
    num_batches = -(-N // batch_size)
    smoothing = 1.0 / min(num_batches, 10)  # full batch: every step counts alone; else ~10 batches
    history = {"loss": [], "acc": [], "val_loss": [], "val_acc": [], "time": []}
    largest = max(-float(X.min()), float(X.max()))  # how far the inputs reach (the likely cause when not scaled)
    chance = reference = smoothed = None
    steps_high = 0  # steps in a row with the loss far above the reference
    start = time.perf_counter()
    for epoch in range(1, num_epochs + 1):
        if lr_schedule is not None:
            lr = lr_schedule(epoch)
            optimizer.lr = check.real("fit", f"lr_schedule({epoch})", lr, positive=True)
        order = rng.permutation(N) if batch_size < N else None
        total_loss, correct = 0.0, 0
        for batch in range(1, num_batches + 1):
            if order is None:  # full batch: no shuffling, no copies
                idx, X_batch, y_batch = slice(None), X, y
            else:
                idx = order[(batch - 1) * batch_size:batch * batch_size]
                X_batch, y_batch = X[idx], y[idx]
            if augment is not None:
                X_batch = _augmented(augment, X_batch, rng)
            with np.errstate(over="ignore", invalid="ignore"):
                # forward
                y_hat = model.forward(X_batch)
                loss, dout = loss_fn(y_hat, y_batch)
                if reg:
                    penalty, reg_grads = l2_penalty([layer.W for layer in weighted], reg)
                    loss += penalty
                if reference is None:  # the first loss, or chance if that is larger
                    chance = _chance(loss_fn, y_hat, y_batch)
                    reference = smoothed = max(loss, chance, 1e-12)
                    if np.ndim(y_hat) != 2 or y_hat.shape[1] < 2:
                        labels = val_labels = None  # one output column: no classes to count
                smoothed += smoothing * (loss - smoothed)
                diverged, steps_high = _diverged(loss if order is None else smoothed, reference, steps_high)
                if diverged or not np.isfinite(loss):
                    raise TrainingDiverged(optimizer.lr, loss, epoch, batch, _likely_cause(largest, optimizer.lr))
                # backward
                model.backward(dout)
                if reg:
                    for layer, grad in zip(weighted, reg_grads):
                        np.add(layer.dW, grad, out=layer.dW)  # in place: a layer may hold dW in a buffer
                # update
                optimizer.step(model.layers)
            total_loss += loss * len(X_batch)
            if labels is not None:
                correct += int(np.sum(y_hat.argmax(axis=1) == labels[idx]))
            if on_batch is not None:
                on_batch(epoch, batch, num_batches, loss)
        if epoch == 1 and largest > UNSCALED and 0 < chance <= total_loss / N:  # unscaled inputs, nothing learned
            raise TrainingDiverged(optimizer.lr, total_loss / N, epoch, num_batches,
                                   f"after one epoch the loss is no better than always answering 0 (which scores "
                                   f"{chance:.4g}), and {_likely_cause(largest, optimizer.lr)}")
        record = {"epoch": epoch, "loss": total_loss / N, "acc": None, "val_loss": None, "val_acc": None,
                  "time": None, "lr": optimizer.lr}
        if labels is not None:
            record["acc"] = correct / N
        if X_val is not None:
            val_out = model.predict(X_val)
            record["val_loss"] = loss_fn(val_out, y_val)[0]
            if val_labels is not None:
                record["val_acc"] = float(np.mean(val_out.argmax(axis=1) == val_labels))
        record["time"] = time.perf_counter() - start
        for key in history:
            if record[key] is not None:
                history[key].append(record[key])
        if on_epoch is not None:
            on_epoch(epoch, record)
    return history
