"""The reference layers: each one written exactly as the notebooks derive it.

The contract every layer follows (after cs231n's ``layers.py``):

- ``forward(X)`` returns the output and keeps exactly what ``backward`` needs;
- ``backward(dout)`` takes the gradient of the loss with respect to the output and returns
  the gradient with respect to the input; the gradients of the parameters are stored next to
  the parameters, named after them: ``dW`` for ``W``, ``db`` for ``b``;
- ``param_names`` lists the parameters, so an optimiser can find ``W`` and ``dW`` by name.

The public ``forward``/``backward`` check their input once (``helpers._checks``) and then call
``_forward``/``_backward``, which hold only the math. Nothing here is tuned for speed:
``helpers.fast`` trains the CNN and is tested equal to these layers.
"""

import numpy as np

from . import _checks as check
from .activations import _sigmoid


class Layer:
    """Base class: ``forward`` checks X and calls ``_forward``; ``backward`` checks dout and calls ``_backward``."""

    param_names = ()
    _out_shape = None  # the shape of the last forward output; None until forward has run

    def forward(self, X):
        X = check.array(f"{type(self).__name__}.forward", "X", X, floating=True)
        out = self._forward(X)
        self._out_shape = out.shape
        return out

    def backward(self, dout):
        dout = check.gradient(self, "dout", dout, self._out_shape)
        return self._backward(dout)

    def _forward(self, X):
        raise NotImplementedError

    def _backward(self, dout):
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
        num_in = check.integer("Dense", "num_in", num_in, minimum=1)
        num_out = check.integer("Dense", "num_out", num_out, minimum=1)
        check.generator("Dense", "rng", rng)
        scale = 1.0 / np.sqrt(num_in) if weight_scale is None else check.real("Dense", "weight_scale", weight_scale,
                                                                              positive=True)
        self.W = (scale * rng.standard_normal((num_in, num_out))).astype(dtype)  # (num_in, num_out)
        self.b = np.zeros(num_out, dtype=dtype)  # (num_out,)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)

    def forward(self, X):
        X = check.array("Dense.forward", "X", X, shape=("N", self.W.shape[0]), what="an array", floating=True)
        out = self._forward(X)
        self._out_shape = out.shape
        return out

    def _forward(self, X):
        self.X = X  # (N, num_in), kept for dW
        return X @ self.W + self.b  # (N, num_out)

    def _backward(self, dout):
        """dout: (N, num_out) -> dX: (N, num_in); sets dW (num_in, num_out) and db (num_out,)."""
        self.dW = self.X.T @ dout  # (num_in, N) @ (N, num_out)
        self.db = dout.sum(axis=0)  # (num_out,)
        return dout @ self.W.T  # (N, num_out) @ (num_out, num_in)

    def __repr__(self):
        return f"Dense({self.W.shape[0]}, {self.W.shape[1]})"


class Sigmoid(Layer):
    """Sigmoid as a layer: out = sigmoid(X), any shape; backward multiplies by out * (1 - out)."""

    def _forward(self, X):
        self.out = _sigmoid(X)
        return self.out

    def _backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Tanh(Layer):
    """tanh as a layer: out = tanh(X), any shape; backward multiplies by 1 - out**2."""

    def _forward(self, X):
        self.out = np.tanh(X)
        return self.out

    def _backward(self, dout):
        return dout * (1.0 - self.out * self.out)


class ReLU(Layer):
    """ReLU as a layer: out = max(0, X), any shape; the gradient passes where X > 0."""

    def _forward(self, X):
        self.mask = X > 0  # same shape as X
        return np.maximum(X, 0)

    def _backward(self, dout):
        return dout * self.mask


class Flatten(Layer):
    """Flattens everything after the batch axis: (N, d1, d2, ...) -> (N, d1 * d2 * ...)."""

    def _forward(self, X):
        self.X_shape = X.shape  # (N, d1, d2, ...)
        return X.reshape(X.shape[0], -1)  # (N, d1*d2*...)

    def _backward(self, dout):
        return dout.reshape(self.X_shape)  # (N, d1*d2*...) -> (N, d1, d2, ...)


# ---------------------------------------------------------------------------------------------
# Convolution and pooling. Images are (N, C, H, W): batch, channels, height, width.


def _output_size(fn, size, kernel, stride, padding, axis):
    """Output length along one axis: (size + 2 * padding - kernel) // stride + 1, or a ValueError."""
    if size + 2 * padding < kernel:
        raise ValueError(f"{fn}: kernel {kernel} is larger than the padded input {axis} "
                         f"{size} + 2*{padding} = {size + 2 * padding}")
    return (size + 2 * padding - kernel) // stride + 1


def _images(fn, X, channels=None):
    """X checked as floating-point images (N, C, H, W), C = channels when given."""
    X = check.array(fn, "X", X, what="images")
    if not np.issubdtype(X.dtype, np.floating):
        check.fail(fn, "X", "floating-point images (scale uint8 pixels with X / 255)", f"dtype {X.dtype}", TypeError)
    return check.array(fn, "X", X, shape=("N", "C" if channels is None else channels, "H", "W"), what="images")


def _window(fn, kernel_size, stride, padding, names=("kernel_size", "kernel_size")):
    """(kh, kw), stride and padding checked as whole numbers."""
    if isinstance(kernel_size, str) or np.ndim(kernel_size) not in (0, 1):
        check.fail(fn, names[0], "a whole number or a pair (kh, kw)", check.describe(kernel_size), TypeError)
    sizes = (kernel_size, kernel_size) if np.ndim(kernel_size) == 0 else tuple(kernel_size)
    if len(sizes) != 2:
        check.fail(fn, names[0], "a whole number or a pair (kh, kw)", check.describe(kernel_size))
    kh, kw = (check.integer(fn, name, k, minimum=1) for name, k in zip(names, sizes))
    return kh, kw, check.integer(fn, "stride", stride, minimum=1), check.integer(fn, "padding", padding, minimum=0)


def conv2d_naive(X, W, b, stride=1, padding=0):
    """Convolution written as plain loops: slow, but every multiplication is in sight.

    X: (N, C, H, W) images; W: (F, C, kh, kw) filters; b: (F,) biases -> (N, F, Ho, Wo) with
    Ho = (H + 2 padding - kh) // stride + 1 (likewise Wo). Like every deep-learning library we
    compute a cross-correlation: the filter is not flipped.
    """
    X = _images("conv2d_naive", X)
    W = check.array("conv2d_naive", "W", W, shape=("F", X.shape[1], "kh", "kw"), what="filters", floating=True)
    b = check.array("conv2d_naive", "b", b, shape=(W.shape[0],), what="biases", floating=True)
    kh, kw, stride, padding = _window("conv2d_naive", W.shape[2:], stride, padding)
    N, C, H, Wd = X.shape
    F = W.shape[0]
    Ho = _output_size("conv2d_naive", H, kh, stride, padding, "height")
    Wo = _output_size("conv2d_naive", Wd, kw, stride, padding, "width")
    Xp = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))  # (N, C, H + 2p, W + 2p)
    out = np.zeros((N, F, Ho, Wo), dtype=np.result_type(X, W))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    patch = Xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]  # (C, kh, kw)
                    out[n, f, i, j] = np.sum(patch * W[f]) + b[f]
    return out


def im2col(X, kh, kw, stride=1, padding=0):
    """Every (C, kh, kw) patch of every image as one row: (N, C, H, W) -> (N * Ho * Wo, C * kh * kw).

    Rows are ordered by image, then output row, then output column; each row holds its patch in
    C order (channel, then kernel row, then kernel column), the order of ``W.reshape(F, -1)``.
    So ``im2col(X) @ W.reshape(F, -1).T`` holds the convolution as (N * Ho * Wo, F).
    """
    X = _images("im2col", X)
    kh, kw, stride, padding = _window("im2col", (kh, kw), stride, padding, names=("kh", "kw"))
    N, C, H, Wd = X.shape
    Ho = _output_size("im2col", H, kh, stride, padding, "height")
    Wo = _output_size("im2col", Wd, kw, stride, padding, "width")
    Xp = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))  # (N, C, H + 2p, W + 2p)
    cols = np.empty((N, Ho, Wo, C, kh, kw), dtype=X.dtype)
    for i in range(kh):  # one strided view of all images per kernel position
        for j in range(kw):
            window = Xp[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride]  # (N, C, Ho, Wo)
            cols[:, :, :, :, i, j] = window.transpose(0, 2, 3, 1)  # (N, Ho, Wo, C)
    return cols.reshape(N * Ho * Wo, C * kh * kw)  # (N*Ho*Wo, C*kh*kw)


def col2im(dcols, X_shape, kh, kw, stride=1, padding=0):
    """The adjoint of im2col: add every row's patch gradient back where the patch came from.

    dcols: (N * Ho * Wo, C * kh * kw) -> dX: X_shape = (N, C, H, W). Overlapping patches add up.
    """
    if np.ndim(X_shape) != 1 or len(X_shape) != 4:
        check.fail("col2im", "X_shape", "the images' shape (N, C, H, W)", check.describe(X_shape))
    N, C, H, Wd = (check.integer("col2im", "X_shape", s, minimum=1) for s in X_shape)
    kh, kw, stride, padding = _window("col2im", (kh, kw), stride, padding, names=("kh", "kw"))
    Ho = _output_size("col2im", H, kh, stride, padding, "height")
    Wo = _output_size("col2im", Wd, kw, stride, padding, "width")
    dcols = check.array("col2im", "dcols", dcols, shape=(N * Ho * Wo, C * kh * kw), floating=True)
    dcols = dcols.reshape(N, Ho, Wo, C, kh, kw)  # (N, Ho, Wo, C, kh, kw)
    dXp = np.zeros((N, C, H + 2 * padding, Wd + 2 * padding), dtype=dcols.dtype)  # (N, C, H + 2p, W + 2p)
    for i in range(kh):
        for j in range(kw):
            dXp[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride] += \
                dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)  # (N, Ho, Wo, C) -> (N, C, Ho, Wo)
    return dXp[:, :, padding:padding + H, padding:padding + Wd]  # (N, C, H, W); explicit crop: right for padding 0


class Conv2D(Layer):
    """2-D convolution by im2col: all patches as rows of one matrix, then one matrix product.

    X: (N, C, H, W) -> out: (N, F, Ho, Wo); W: (F, C, kh, kw); b: (F,).
    ``needs_input_grad=False`` (for a first layer, whose input is the images) skips dX:
    backward then returns None.
    """

    param_names = ("W", "b")

    def __init__(self, in_channels, out_channels, kernel_size, rng, stride=1, padding=0, dtype=np.float32,
                 needs_input_grad=True):
        C = check.integer("Conv2D", "in_channels", in_channels, minimum=1)
        F = check.integer("Conv2D", "out_channels", out_channels, minimum=1)
        kh, kw, self.stride, self.padding = _window("Conv2D", kernel_size, stride, padding)
        check.generator("Conv2D", "rng", rng)
        fan_in = C * kh * kw
        # He initialisation (He et al., 2015): spread sqrt(2 / fan_in) keeps ReLU activations' scale steady
        self.W = (rng.standard_normal((F, C, kh, kw)) * np.sqrt(2.0 / fan_in)).astype(dtype)  # (F, C, kh, kw)
        self.b = np.zeros(F, dtype=dtype)  # (F,)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.needs_input_grad = bool(needs_input_grad)

    def forward(self, X):
        X = _images("Conv2D.forward", X, channels=self.W.shape[1])
        if X.dtype != self.W.dtype:
            raise TypeError(f"Conv2D.forward: X: images are {X.dtype} but the filters are {self.W.dtype}; "
                            f"convert with X.astype(np.{self.W.dtype})")
        _output_size("Conv2D.forward", X.shape[2], self.W.shape[2], self.stride, self.padding, "height")
        _output_size("Conv2D.forward", X.shape[3], self.W.shape[3], self.stride, self.padding, "width")
        out = self._forward(X)
        self._out_shape = out.shape
        return out

    def _forward(self, X):
        F, C, kh, kw = self.W.shape
        N, _, H, Wd = X.shape
        Ho = (H + 2 * self.padding - kh) // self.stride + 1
        Wo = (Wd + 2 * self.padding - kw) // self.stride + 1
        self.X_shape = X.shape
        self.cols = im2col(X, kh, kw, self.stride, self.padding)  # (N*Ho*Wo, C*kh*kw)
        out = self.cols @ self.W.reshape(F, -1).T + self.b  # (N*Ho*Wo, F)
        return np.ascontiguousarray(out.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2))  # (N, F, Ho, Wo)

    def _backward(self, dout):
        """dout: (N, F, Ho, Wo) -> dX: (N, C, H, W), or None without needs_input_grad; sets dW, db."""
        F, C, kh, kw = self.W.shape
        dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (N, Ho, Wo, F) -> (N*Ho*Wo, F), rows as in cols
        self.dW = (dout_rows.T @ self.cols).reshape(self.W.shape)  # (F, C*kh*kw) -> (F, C, kh, kw)
        self.db = dout_rows.sum(axis=0)  # (F,)
        if not self.needs_input_grad:
            return None
        dcols = dout_rows @ self.W.reshape(F, -1)  # (N*Ho*Wo, C*kh*kw)
        return col2im(dcols, self.X_shape, kh, kw, self.stride, self.padding)  # (N, C, H, W)

    def __repr__(self):
        F, C, kh, kw = self.W.shape
        return f"Conv2D({C}, {F}, kernel_size={kh}x{kw}, stride={self.stride}, padding={self.padding})"


class MaxPool2D(Layer):
    """Max pooling over non-overlapping size x size windows.

    X: (N, C, H, W) -> out: (N, C, H // size, W // size); H and W must be multiples of size.
    Backward sends each window's gradient to the position of its maximum (the first one on ties).
    """

    def __init__(self, size=2):
        self.size = check.integer("MaxPool2D", "size", size, minimum=1)

    def forward(self, X):
        X = check.array("MaxPool2D.forward", "X", X, shape=("N", "C", "H", "W"), what="images", floating=True)
        k = self.size
        if X.shape[2] % k or X.shape[3] % k:
            raise ValueError(f"MaxPool2D.forward: X: pool size {k} does not divide the input's height and width "
                             f"{X.shape[2]}x{X.shape[3]} (input shape {X.shape}); crop or pad the input "
                             f"to a multiple of {k}")
        out = self._forward(X)
        self._out_shape = out.shape
        return out

    def _forward(self, X):
        k = self.size
        N, C, H, Wd = X.shape
        windows = X.reshape(N, C, H // k, k, Wd // k, k)  # (N, C, Ho, k, Wo, k)
        windows = windows.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H // k, Wd // k, k * k)  # (N, C, Ho, Wo, k*k)
        self.argmax = windows.argmax(axis=-1)  # (N, C, Ho, Wo): where each window's maximum is (first on ties)
        return windows.max(axis=-1)  # (N, C, Ho, Wo)

    def _backward(self, dout):
        """dout: (N, C, Ho, Wo) -> dX: (N, C, H, W), zero except at each window's maximum."""
        k = self.size
        N, C, Ho, Wo = dout.shape
        mask = np.arange(k * k) == self.argmax[..., None]  # (N, C, Ho, Wo, k*k): True at the maximum
        dwindows = mask * dout[..., None]  # (N, C, Ho, Wo, k*k)
        dX = dwindows.reshape(N, C, Ho, Wo, k, k).transpose(0, 1, 2, 4, 3, 5)  # (N, C, Ho, k, Wo, k)
        return dX.reshape(N, C, Ho * k, Wo * k)  # (N, C, H, W)

    def __repr__(self):
        return f"MaxPool2D({self.size})"
