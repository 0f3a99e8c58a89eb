"""Loss functions. Each returns ``(loss, grad)``: the mean loss over the batch and its gradient
with respect to the predictions, so a backward pass can start from ``grad``."""

import numpy as np

from . import _checks as check


def mse(y_hat, y):
    """Mean squared error, halved: L = sum((y_hat - y)**2) / (2 N).

    y_hat, y: (N, K) -> loss: float, grad: (N, K) = (y_hat - y) / N.
    The 1/2 makes the gradient simply the error (y_hat - y), averaged over the N examples.
    """
    y_hat = check.array("mse", "y_hat", y_hat, what="predictions", floating=True)
    y = check.array("mse", "y", y, what="targets", floating=True, finite=True)
    if y.shape != y_hat.shape:
        check.fail("mse", "y", f"targets of the predictions' shape {y_hat.shape} (the same shape)",
                   f"shape {y.shape}")
    N = y_hat.shape[0] if y_hat.ndim else 1
    diff = y_hat - y  # (N, K), in the wider of the two dtypes
    return 0.5 * float(np.sum(diff * diff)) / N, diff / N


def _labels(fn, y, num_classes):
    """Integer labels (N,) in 0..num_classes-1 (integral floats such as 3.0 are accepted)."""
    y = check.array(fn, "y", y, what="integer labels", finite=True)
    if not np.issubdtype(y.dtype, np.integer):
        if np.any(y != np.round(y)):
            check.fail(fn, "y", "whole-number labels", f"{y[y != np.round(y)][0]!r} among them")
        y = y.astype(np.int64)
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(f"{fn}: y: labels must lie in 0..{num_classes - 1}, "
                         f"got values from {y.min()} to {y.max()}")
    return y


def one_hot(y, num_classes, dtype=np.float64):
    """Integer labels (N,) -> one-hot rows Y: (N, num_classes)."""
    num_classes = check.integer("one_hot", "num_classes", num_classes, minimum=1)
    y = check.array("one_hot", "y", y, shape=("N",), what="integer labels", allow_empty=True)
    if y.size:
        y = _labels("one_hot", y, num_classes)
    return _one_hot_rows(y.astype(np.int64), num_classes, dtype)


def _one_hot_rows(y, num_classes, dtype):
    """one_hot for labels already checked."""
    Y = np.zeros((y.shape[0], num_classes), dtype=dtype)
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def softmax_cross_entropy(logits, y):
    """Softmax followed by cross-entropy, computed together for stability.

    logits: (N, K) scores; y: (N,) integer labels in 0..K-1, or (N, K) one-hot rows Y.
    Returns loss = -mean(log p[i, y_i]) and grad = (p - Y) / N, of shape (N, K).
    """
    logits = check.array("softmax_cross_entropy", "logits", logits, shape=("N", "K"), what="scores",
                         floating=True)
    N, K = logits.shape
    y = check.array("softmax_cross_entropy", "y", y, what="labels", finite=True)
    if y.ndim == 2:
        if y.shape != logits.shape:
            check.fail("softmax_cross_entropy", "y", f"one-hot rows of the logits' shape {logits.shape}",
                       f"shape {y.shape}")
        Y = y.astype(logits.dtype)
    elif y.ndim == 1:
        if y.shape[0] != N:
            check.fail("softmax_cross_entropy", "y", f"{N} labels, one per row of logits",
                       f"{y.shape[0]} labels ({N} rows of logits but {y.shape[0]} labels)")
        Y = _one_hot_rows(_labels("softmax_cross_entropy", y, K), K, logits.dtype)  # (N, K)
    else:
        check.fail("softmax_cross_entropy", "y", "labels of shape (N,) or one-hot rows (N, K)", f"shape {y.shape}")
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, K), row maximum is 0: exp cannot overflow
    log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, 1)
    log_p = shifted - log_sum  # (N, K) log-probabilities, finite even for scores of +-1000
    loss = -float(np.sum(Y * log_p)) / N
    grad = (np.exp(log_p) - Y) / N  # (N, K)
    return loss, grad


def l2_penalty(weights, reg):
    """L2 regularisation: loss 0.5 * reg * sum of every weight squared, and its gradients reg * W.

    weights: a list of arrays (the weight matrices; biases are usually left out); reg >= 0.
    Returns (loss, [gradient for each array]).
    """
    if isinstance(reg, (bool, str)) or not np.isscalar(reg) or not np.isreal(reg) or not np.isfinite(reg) or reg < 0:
        raise ValueError(f"l2_penalty: reg: the regularisation strength must be a number >= 0, got {reg!r}")
    if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
        check.fail("l2_penalty", "weights", "a list of weight arrays", check.describe(weights), TypeError)
    weights = [check.array("l2_penalty", f"weights[{i}]", W, allow_empty=True) for i, W in enumerate(weights)]
    loss = 0.5 * reg * float(sum(np.sum(W * W) for W in weights))
    return loss, [reg * W for W in weights]
