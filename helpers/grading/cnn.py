"""Graders for notebook 06 (the CNN): the backward passes of max pooling and of the convolution,
and the checks of its "Try it" questions.

Each grader calls the student's function on small random float64 inputs, compares the result with
the course's reference layers (``helpers.layers.MaxPool2D``, ``Conv2D``, ``im2col``, ``col2im``) and
with numerical gradients (``helpers.gradcheck``), and names the typical mistakes it recognises.
"""

import numpy as np

from ..gradcheck import numerical_gradient_array, rel_error
from ..layers import Conv2D, MaxPool2D, col2im, im2col
from . import Mistake, Verdict, compare, grade

# ---------------------------------------------------------------------------------------------
# Max pooling, backward


def maxpool_backward_reference(dout, X, size=2):
    """The course's max pooling backward: dout (N, C, H/size, W/size), X (N, C, H, W) -> dX (N, C, H, W)."""
    pool = MaxPool2D(size)
    pool.forward(X)
    return pool.backward(dout)


def _windows(A, k):
    """(N, C, H, W) -> (N, C, H/k, W/k, k*k): the k x k windows of A, one per output position."""
    N, C, H, W = A.shape
    return A.reshape(N, C, H // k, k, W // k, k).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H // k, W // k, k * k)


def _upsample(dout, k):
    """Every entry of dout copied to all k*k positions of its window: (N, C, Ho, Wo) -> (N, C, Ho*k, Wo*k)."""
    return np.repeat(np.repeat(dout, k, axis=2), k, axis=3)


def _pool_variants(dout, X, k):
    """The typical wrong answers of max pooling's backward pass, as {key: (what they give, message)}."""
    up = _upsample(dout, k)
    return {
        "every_position": (up, "you sent each window's gradient to every position of the window; only the "
                               "window's maximum reached the output, so only it gets the gradient (the others 0)."),
        "average": (up / (k * k), "you spread each window's gradient evenly over the window (the backward pass of "
                                  "average pooling); max pooling sends all of it to the maximum."),
    }


def _check_maxpool(fn):
    rng = np.random.default_rng(6)
    # 1. no ties (random normal inputs): exactly the reference, and the numerical gradient
    X = rng.standard_normal((2, 3, 4, 6))
    dout = rng.standard_normal((2, 3, 2, 3))
    got = fn(dout.copy(), X.copy(), 2)
    compare("dX", got, maxpool_backward_reference(dout, X, 2), variants=_pool_variants(dout, X, 2))
    pool = MaxPool2D(2)
    numerical = numerical_gradient_array(lambda: pool.forward(X), X, dout)
    error = rel_error(got, numerical)
    if error > 1e-7:
        raise Mistake(f"dX differs from the numerical gradient (relative error {error:.0e}).", key="values")

    # 2. windows of 3 x 3, to catch a size fixed at 2
    X3 = rng.standard_normal((1, 2, 6, 6))
    dout3 = rng.standard_normal((1, 2, 2, 2))
    got3 = fn(dout3.copy(), X3.copy(), 3)
    if np.shape(got3) != X3.shape:
        raise Mistake(f"with size=3, dX should have the input's shape {X3.shape}, got {np.shape(got3)}: "
                      f"use the argument `size`, not a fixed 2.", key="size")
    compare("dX (size=3)", got3, maxpool_backward_reference(dout3, X3, 3), variants=_pool_variants(dout3, X3, 3))

    # 3. ties, as in the blank corners of a digit: each window's gradient goes to ONE maximal position
    #    (the reference takes the first; any one of them, or a split among them, is a correct gradient)
    Xt = rng.integers(0, 2, size=(2, 2, 4, 4)).astype(np.float64)  # many windows with two or more equal maxima
    Xt[0, 0] = 0.0  # one channel entirely blank
    doutt = rng.uniform(0.5, 2.0, size=(2, 2, 2, 2)) * rng.choice([-1.0, 1.0], size=(2, 2, 2, 2))
    gott = np.asarray(fn(doutt.copy(), Xt.copy(), 2), dtype=np.float64)
    if gott.shape != Xt.shape:
        raise Mistake(f"dX should have the input's shape {Xt.shape}, got {gott.shape}.", key="shape")
    windows = _windows(Xt, 2)  # (N, C, 2, 2, 4)
    is_max = windows == windows.max(axis=-1, keepdims=True)
    dwin = _windows(gott, 2)
    if np.any(np.abs(dwin[~is_max]) > 1e-12):
        raise Mistake("when a window holds equal values, your dX puts gradient on a position that is not a maximum.",
                      key="values")
    sums = dwin.sum(axis=-1)  # (N, C, 2, 2): what each window received in total
    if not np.allclose(sums, doutt):
        counts = is_max.sum(axis=-1)
        if np.allclose(sums, doutt * counts):
            raise Mistake("ties counted twice: where a window's maximum appears at two or more positions (blank "
                          "corners of a digit are all 0), your dX gives the full gradient to each of them, so the "
                          "window passes back more than it received; give it to one of them (e.g. the first, "
                          "with argmax).", key="ties")
        raise Mistake("on windows with equal values, what each window passes back does not add up to its gradient "
                      "dout.", key="ties")
    return f"matches the numerical gradient (relative error {error:.0e}), and sends each window's gradient to one maximum, also when values tie"


def check_maxpool_backward(maxpool_backward):
    """Grade ``maxpool_backward(dout, X, size=2) -> dX``; returns a Verdict."""
    return grade("maxpool_backward", maxpool_backward, maxpool_backward_reference, _check_maxpool)


# ---------------------------------------------------------------------------------------------
# Convolution, backward (stride 1, no padding)


def conv_backward_reference(dout, cols, W, X_shape):
    """The course's convolution backward, from the im2col matrix.

    dout: (N, F, Ho, Wo); cols = im2col(X, kh, kw): (N*Ho*Wo, C*kh*kw); W: (F, C, kh, kw); X_shape = (N, C, H, W)
    -> dX: (N, C, H, W), dW: (F, C, kh, kw), db: (F,).
    """
    F, C, kh, kw = W.shape
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (N*Ho*Wo, F), rows in im2col's order
    dW = (cols.T @ dout_rows).T.reshape(W.shape)  # (C*kh*kw, F) -> (F, C*kh*kw) -> (F, C, kh, kw)
    db = dout_rows.sum(axis=0)  # (F,)
    dcols = dout_rows @ W.reshape(F, -1)  # (N*Ho*Wo, C*kh*kw): the gradient of every patch
    dX = col2im(dcols, X_shape, kh, kw)  # (N, C, H, W): overlapping patches add up
    return dX, dW, db


def _col2im_overwrite(dcols, X_shape, kh, kw, last_wins_by_position):
    """col2im done wrong: each patch's gradient is written (=) instead of added (+=) to dX."""
    N, C, H, Wd = X_shape
    Ho, Wo = H - kh + 1, Wd - kw + 1
    patches = dcols.reshape(N, Ho, Wo, C, kh, kw)
    dX = np.zeros(X_shape)
    if last_wins_by_position:  # a loop over output positions: the last patch written wins
        for i in range(Ho):
            for j in range(Wo):
                dX[:, :, i:i + kh, j:j + kw] = patches[:, i, j]
    else:  # im2col's loop over the kh*kw filter positions, with = instead of +=
        for u in range(kh):
            for v in range(kw):
                dX[:, :, u:u + Ho, v:v + Wo] = patches[:, :, :, :, u, v].transpose(0, 3, 1, 2)
    return dX


def _conv_forward(X, W, b):
    """Convolution (stride 1, no padding) by im2col: (N, C, H, W) -> (N, F, Ho, Wo)."""
    N, C, H, Wd = X.shape
    F, _, kh, kw = W.shape
    out = im2col(X, kh, kw) @ W.reshape(F, -1).T + b  # (N*Ho*Wo, F)
    return out.reshape(N, H - kh + 1, Wd - kw + 1, F).transpose(0, 3, 1, 2)


def _check_conv_case(fn, X, W, b, dout):
    F, C, kh, kw = W.shape
    K = C * kh * kw
    cols = im2col(X, kh, kw)
    result = fn(dout.copy(), cols.copy(), W.copy(), X.shape)
    if not isinstance(result, tuple) or len(result) != 3:
        raise Mistake(f"conv_backward should return three arrays, `return dX, dW, db`; got "
                      f"{type(result).__name__}{'' if not isinstance(result, tuple) else f' of {len(result)}'}.",
                      key="return")
    dX, dW, db = result
    layer = Conv2D(C, F, (kh, kw), np.random.default_rng(0), dtype=np.float64)
    layer.W[...], layer.b[...] = W, b
    layer.forward(X)
    dX_ref = layer.backward(dout)
    dW_ref, db_ref = layer.dW.copy(), layer.db.copy()
    wrong_rows = dout.reshape(-1, F)  # (N*Ho*Wo, F) but in the wrong order: F was not moved last
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)

    # db first: the shortest, and a forgotten bias gradient is the commonest slip
    if db is None or (np.shape(db) == db_ref.shape and not np.any(db) and np.any(db_ref)):
        raise Mistake("db is missing (None or zeros): you forgot the bias gradient; every output position "
                      "adds b[f], so db[f] is the sum of dout[:, f] over the batch and all positions.", key="db")
    if np.shape(db) != db_ref.shape:
        raise Mistake(f"db should have shape (F,) = {db_ref.shape}, got {np.shape(db)}: sum dout over the batch "
                      f"and every position, axis=(0, 2, 3).", key="db_shape")
    N, _, Ho, Wo = dout.shape
    compare("db", db, db_ref, factors={"db_mean": (1.0 / (N * Ho * Wo), "db is the SUM of dout over the batch "
                                                   "and all positions, not its mean (dout already carries the 1/N "
                                                   "of the averaged loss).")},
            variants={"dout_order": (wrong_rows.sum(axis=0), "dout's rows are in the wrong order: move F last first, "
                                                 "dout.transpose(0, 2, 3, 1).reshape(-1, F), or sum dout over axes (0, 2, 3).")})

    # dW: from the im2col columns, dW = (cols.T @ dout_rows).T reshaped to W's shape
    if np.shape(dW) == (K, F) and K != F:
        raise Mistake(f"dW has shape {np.shape(dW)} = (C·kh·kw, F): cols.T @ dout gives one column per filter; "
                      f"transpose it to (F, C·kh·kw) and reshape to W's shape {W.shape}.", key="transpose")
    if np.shape(dW) == (F, K):
        raise Mistake(f"dW has shape {np.shape(dW)}: reshape it to W's shape {W.shape}.", key="shape")
    compare("dW", dW, dW_ref, variants={
        "transpose": ((cols.T @ rows).reshape(W.shape),
                      "dW is missing a transpose: cols.T @ dout_rows has shape (C·kh·kw, F); transpose it to "
                      "(F, C·kh·kw) BEFORE reshaping to (F, C, kh, kw) (the reshape alone scrambles the numbers)."),
        "dout_order": ((cols.T @ wrong_rows).T.reshape(W.shape),
                       "dout's rows are in the wrong order: (N, F, Ho, Wo).reshape(-1, F) mixes filters and "
                       "positions; move F last first, dout.transpose(0, 2, 3, 1).reshape(-1, F), so row r is "
                       "the patch in row r of cols."),
    })

    # dX: the patches' gradients put back where the patches came from, overlaps ADDED (col2im)
    if np.shape(dX) == (cols.shape[0], K):
        raise Mistake(f"dX has the shape of the im2col matrix {np.shape(dX)}: put every patch's gradient back "
                      f"where the patch came from, col2im(dcols, X_shape, kh, kw), to get {X.shape}.", key="col2im")
    dcols = rows @ W.reshape(F, -1)
    compare("dX", dX, dX_ref, variants={
        "overwrite": (_col2im_overwrite(dcols, X.shape, kh, kw, True),
                      "overlapping patches must ADD their gradients: a pixel lies in up to kh·kw patches and "
                      "influenced every one of them; you overwrote (=) instead of adding (+=), which col2im does."),
        "overwrite_by_offset": (_col2im_overwrite(dcols, X.shape, kh, kw, False),
                                "overlapping patches must ADD their gradients: you overwrote (=) instead of "
                                "adding (+=); col2im adds them up."),
        "dout_order": (col2im(wrong_rows @ W.reshape(F, -1), X.shape, kh, kw),
                       "dout's rows are in the wrong order for dX: move F last first, "
                       "dout.transpose(0, 2, 3, 1).reshape(-1, F)."),
    })

    # and against numerical gradients of sum(conv(X, W, b) * dout)
    errors = {
        "dX": rel_error(dX, numerical_gradient_array(lambda: _conv_forward(X, W, b), X, dout)),
        "dW": rel_error(dW, numerical_gradient_array(lambda: _conv_forward(X, W, b), W, dout)),
        "db": rel_error(db, numerical_gradient_array(lambda: _conv_forward(X, W, b), b, dout)),
    }
    for name, error in errors.items():
        if error > 1e-7:
            raise Mistake(f"{name} differs from the numerical gradient (relative error {error:.0e}).", key="values")
    return errors


def _check_conv(fn):
    rng = np.random.default_rng(7)
    # two filters' worth of cases: a square 3x3 kernel over 3 channels, and a 2x3 kernel (no hard-coded 3)
    X = rng.standard_normal((2, 3, 5, 6))
    W = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    errors = _check_conv_case(fn, X, W, b, rng.standard_normal((2, 4, 3, 4)))
    X2 = rng.standard_normal((3, 2, 4, 5))
    W2 = rng.standard_normal((3, 2, 2, 3))
    _check_conv_case(fn, X2, W2, rng.standard_normal(3), rng.standard_normal((3, 3, 3, 3)))
    worst = max(errors.values())
    return (f"dX, dW and db match the reference Conv2D and the numerical gradients (largest relative error "
            f"{worst:.0e}), also for a 2 × 3 kernel")


def check_conv_backward(conv_backward):
    """Grade ``conv_backward(dout, cols, W, X_shape) -> (dX, dW, db)``; returns a Verdict."""
    return grade("conv_backward", conv_backward, conv_backward_reference, _check_conv)


# ---------------------------------------------------------------------------------------------
# The "Try it" questions: each check takes the student's answer and the measured truth, returns a Verdict


def _answer(name, ok, message):
    if ok is None:
        return Verdict(name, "missing", f"\u2026 set `{name}` first, then run this cell again.", None)
    return Verdict(name, "pass" if ok else "fail", message, None)


def check_conv_params(conv_params, W, b):
    """Try it 1: how many numbers does a convolution layer with filters W (F, C, kh, kw) and biases b learn?"""
    actual = int(np.size(W) + np.size(b))
    if conv_params is None:
        return _answer("conv_params", None, "")
    F, C, kh, kw = np.shape(W)
    if conv_params == actual:
        return _answer("conv_params", True, f"\u2713 Right: {F} filters × {C} channel × {kh} × {kw} weights + {F} "
                                            f"biases = {actual}.")
    if conv_params == np.size(W):
        return _answer("conv_params", False, f"\u2717 {conv_params} counts the weights only: every filter also has "
                                             f"a bias.")
    if conv_params == C * kh * kw or conv_params == C * kh * kw + 1:
        return _answer("conv_params", False, f"\u2717 {conv_params} is one filter; the layer has {F} of them.")
    return _answer("conv_params", False, "\u2717 Not quite: count the weights of every filter, and one bias each.")


def check_padded_shape(shape_guess, actual):
    """Try it 2: the output shape of a padded convolution; ``actual`` is the shape the layer gives."""
    if shape_guess is None:
        return _answer("shape_guess", None, "")
    actual = tuple(int(s) for s in actual)
    try:
        guess = tuple(int(s) for s in shape_guess)
    except TypeError:
        return _answer("shape_guess", False, f"\u2717 Write the shape as a tuple, e.g. {(1, 2, 3, 4)}.")
    N, F, Ho, Wo = actual
    if guess == actual:
        return _answer("shape_guess", True, f"\u2713 Right: {actual}. (28 + 2·1 − 3) // 1 + 1 = 28: padding 1 keeps "
                                            f"the size of a 3 × 3 convolution.")
    if guess == (N, F, Ho - 2, Wo - 2):
        return _answer("shape_guess", False, "\u2717 That is the shape without padding: padding 1 adds a border of "
                                             "one zero on every side, so the image is 30 × 30 before the filter "
                                             "slides: (H + 2·padding − kernel) // stride + 1.")
    if guess == (N, Ho, Wo, F):
        return _answer("shape_guess", False, "\u2717 Right sizes, wrong order: the course keeps channels first, "
                                             "(N, F, H, W).")
    return _answer("shape_guess", False, "\u2717 Not quite: the output size is (H + 2·padding − kernel) // stride + 1, "
                                         "and there is one output channel per filter.")


def check_momentum_factor(factor, momentum):
    """Try it 3: how many times further does a steady gradient carry the weights with this momentum?"""
    if factor is None:
        return _answer("momentum_factor", None, "")
    expected = 1.0 / (1.0 - momentum)
    try:
        factor = float(factor)
    except (TypeError, ValueError):
        return _answer("momentum_factor", False, "\u2717 Give a number.")
    if abs(factor - expected) <= 0.05 * expected:
        return _answer("momentum_factor", True, f"\u2713 Right: v settles where v = μ·v + g, so v = g / (1 − μ) = "
                                                f"{expected:.0f} g.")
    if abs(factor - 10) < 0.5 and abs(expected - 10) > 1:
        return _answer("momentum_factor", False, f"\u2717 10 is the factor for μ = 0.9; for μ = {momentum} solve "
                                                 f"v = μ·v + g for v.")
    return _answer("momentum_factor", False, "\u2717 Not quite: with a steady gradient g the velocity stops growing "
                                             "when v = μ·v + g.")


def check_shift_guess(still_above_90, shifted_accuracy):
    """Try it 4: does the accuracy on shifted digits stay above 90 %? ``shifted_accuracy`` is the measured one."""
    if still_above_90 is None:
        return _answer("still_above_90", None, "")
    if not isinstance(still_above_90, (bool, np.bool_)):
        return _answer("still_above_90", False, "\u2717 Answer True or False.")
    truth = bool(shifted_accuracy > 0.9)
    if bool(still_above_90) == truth:
        return _answer("still_above_90", True, f"\u2713 Right: {100 * shifted_accuracy:.1f} % after the shift. The "
                                               f"convolution finds a stroke wherever it is, but the dense layer after "
                                               f"it learned where strokes usually are.")
    return _answer("still_above_90", False, f"\u2717 Not this time: the accuracy is {100 * shifted_accuracy:.1f} %.")
