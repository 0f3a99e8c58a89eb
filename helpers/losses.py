"""Loss functions. Each returns ``(loss, grad)``: the mean loss over the batch and its gradient
with respect to the predictions, so a backward pass can start from ``grad``."""

import numpy as np


def _check_same_shape(name, y_hat, y):
    if y_hat.shape != y.shape:
        raise ValueError(f"{name}: predictions and targets must have the same shape, got {y_hat.shape} and {y.shape}")


def mse(y_hat, y):
    """Mean squared error, halved: L = sum((y_hat - y)**2) / (2 N).

    y_hat, y: (N, K) -> loss: float, grad: (N, K) = (y_hat - y) / N.
    The 1/2 makes the gradient simply the error (y_hat - y), averaged over the N examples.
    """
    y_hat = np.asarray(y_hat)
    y = np.asarray(y, dtype=y_hat.dtype)
    _check_same_shape("mse", y_hat, y)
    N = y_hat.shape[0] if y_hat.ndim else 1
    diff = y_hat - y
    return 0.5 * float(np.sum(diff * diff)) / N, diff / N


def one_hot(y, num_classes, dtype=np.float64):
    """Integer labels (N,) -> one-hot rows (N, num_classes)."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot expects integer labels of shape (N,), got dtype {y.dtype} and shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"one_hot: labels must lie in 0..{num_classes - 1}, got values from {y.min()} to {y.max()}")
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def softmax_cross_entropy(logits, y):
    """Softmax followed by cross-entropy, computed together for stability.

    logits: (N, K) scores; y: (N,) integer labels in 0..K-1, or (N, K) one-hot rows.
    Returns loss = -mean(log p[i, y_i]) and grad = (p - onehot(y)) / N, of shape (N, K).
    """
    logits = np.asarray(logits)
    if logits.ndim != 2:
        raise ValueError(f"softmax_cross_entropy expects logits of shape (N, K), got shape {logits.shape}")
    N, K = logits.shape
    y = np.asarray(y)
    if y.ndim == 2:
        _check_same_shape("softmax_cross_entropy", logits, y)
        targets = y.astype(logits.dtype)
    elif y.ndim == 1:
        if y.shape[0] != N:
            raise ValueError(f"softmax_cross_entropy: {N} rows of logits but {y.shape[0]} labels")
        targets = one_hot(y, K, dtype=logits.dtype)
    else:
        raise ValueError(f"softmax_cross_entropy expects labels of shape (N,) or (N, K), got shape {y.shape}")
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, K), row maximum is 0: exp cannot overflow
    log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, 1)
    log_p = shifted - log_sum  # (N, K) log-probabilities, finite even for scores of +-1000
    loss = -float(np.sum(targets * log_p)) / N
    grad = (np.exp(log_p) - targets) / N  # (N, K)
    return loss, grad


def l2_penalty(weights, reg):
    """L2 regularisation: loss 0.5 * reg * sum of every weight squared, and its gradients reg * W.

    weights: a list of arrays (the weight matrices; biases are usually left out); reg >= 0.
    Returns (loss, [gradient for each array]).
    """
    if not np.isscalar(reg) or not np.isfinite(reg) or reg < 0:
        raise ValueError(f"the regularisation strength must be a number >= 0, got {reg!r}")
    loss = 0.5 * reg * float(sum(np.sum(W * W) for W in weights))
    return loss, [reg * W for W in weights]
