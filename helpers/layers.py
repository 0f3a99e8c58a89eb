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
        np.matmul(self.X.T, dout, out=self.dW)  # (num_in, N) @ (N, num_out), written in place
        np.sum(dout, axis=0, out=self.db)
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
        self.X = X
        return X.reshape(X.shape[0], -1)  # (N, d1*d2*...), in C order (a copy if X is not C-ordered)

    def backward(self, dout):
        dX = np.empty_like(self.X)  # back to (N, d1, d2, ...), in the memory order X had, so the
        np.copyto(dX, dout.reshape(self.X.shape))  # layers below keep working on one layout
        return dX


# ---------------------------------------------------------------------------------------------
# Convolution and pooling. Images are (N, C, H, W): batch, channels, height, width.


def _conv_output_size(name, size, kernel, stride, padding, axis):
    """Output length along one axis: (size + 2 * padding - kernel) // stride + 1, or a ValueError."""
    if size + 2 * padding < kernel:
        raise ValueError(f"{name}: kernel {kernel} is larger than the padded input {axis} "
                         f"{size} + 2*{padding} = {size + 2 * padding}")
    return (size + 2 * padding - kernel) // stride + 1


def _check_images(name, X, channels):
    if not isinstance(X, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array of shape (N, {channels}, H, W), got {type(X).__name__}")
    if not np.issubdtype(X.dtype, np.floating):
        raise TypeError(f"{name}: expected floating-point images (scale uint8 pixels with X / 255), got dtype {X.dtype}")
    if X.ndim != 4 or X.shape[1] != channels:
        raise ValueError(f"{name}: expected images of shape (N, {channels}, H, W), got shape {X.shape}")


def conv2d_naive(X, W, b, stride=1, padding=0):
    """Convolution written as plain loops: slow, but every multiplication is in sight.

    X: (N, C, H, W) images; W: (F, C, kh, kw) filters; b: (F,) biases -> (N, F, Ho, Wo) with
    Ho = (H + 2 padding - kh) // stride + 1 (likewise Wo). Like every deep-learning library we
    compute a cross-correlation: the filter is not flipped.
    """
    N, C, H, Wd = X.shape
    F, C2, kh, kw = W.shape
    if C2 != C:
        raise ValueError(f"conv2d_naive: images have {C} channels but filters expect {C2}")
    Ho = _conv_output_size("conv2d_naive", H, kh, stride, padding, "height")
    Wo = _conv_output_size("conv2d_naive", Wd, kw, stride, padding, "width")
    Xp = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))  # zeros around each image
    out = np.zeros((N, F, Ho, Wo), dtype=np.result_type(X, W))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    patch = Xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]  # (C, kh, kw)
                    out[n, f, i, j] = np.sum(patch * W[f]) + b[f]
    return out


def im2col(X, kh, kw, stride=1, padding=0, ones_column=False):
    """Every (C, kh, kw) patch of every image as one row: (N, C, H, W) -> (N * Ho * Wo, C * kh * kw).

    Rows are ordered by image, then output row, then output column, so the product
    ``im2col(X) @ W.reshape(F, -1).T`` holds the convolution as (N, Ho, Wo, F).
    ``ones_column=True`` appends a column of ones (for a bias folded into the weights).
    """
    N, C, H, Wd = X.shape
    Ho = _conv_output_size("im2col", H, kh, stride, padding, "height")
    Wo = _conv_output_size("im2col", Wd, kw, stride, padding, "width")
    if padding:
        X = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    K = C * kh * kw
    rows = np.empty((N, Ho, Wo, K + 1 if ones_column else K), dtype=X.dtype)
    cols = rows[..., :K].reshape(N, Ho, Wo, C, kh, kw)  # a view into rows
    for i in range(kh):  # kh * kw strided copies, each of one shifted view of all images at once
        for j in range(kw):
            window = X[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride]  # (N, C, Ho, Wo)
            cols[:, :, :, :, i, j] = window.transpose(0, 2, 3, 1)  # (N, Ho, Wo, C)
    if ones_column:
        rows[..., K] = 1
    return rows.reshape(N * Ho * Wo, rows.shape[-1])


def col2im(dcols, X_shape, kh, kw, stride=1, padding=0):
    """The adjoint of im2col: add every row's patch gradient back where the patch came from.

    dcols: (N * Ho * Wo, C * kh * kw) -> dX: X_shape = (N, C, H, W). Overlapping patches add up.
    """
    N, C, H, Wd = X_shape
    Ho = (H + 2 * padding - kh) // stride + 1
    Wo = (Wd + 2 * padding - kw) // stride + 1
    dcols = dcols.reshape(N, Ho, Wo, C, kh, kw)
    dXp = np.zeros((N, C, H + 2 * padding, Wd + 2 * padding), dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dXp[:, :, i:i + stride * (Ho - 1) + 1:stride, j:j + stride * (Wo - 1) + 1:stride] += \
                dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)  # (N, C, Ho, Wo)
    return dXp[:, :, padding:padding + H, padding:padding + Wd]  # explicit crop: also right for padding == 0


class Conv2D(Layer):
    """2-D convolution by im2col: all patches as rows of one matrix, then one matrix product.

    X: (N, C, H, W) -> out: (N, F, Ho, Wo); W: (F, C, kh, kw); b: (F,).
    The output is returned as (N, F, Ho, Wo) but stored channels-last in memory (a transposed view
    of the (N, Ho, Wo, F) product), which spares a copy here and in backward.
    ``needs_input_grad = False`` (set by Sequential for a first layer) skips computing dX.
    """

    param_names = ("W", "b")

    def __init__(self, in_channels, out_channels, kernel_size, rng, stride=1, padding=0, dtype=np.float32):
        kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
        if min(in_channels, out_channels, kh, kw, stride) < 1 or padding < 0:
            raise ValueError(f"Conv2D: channels, kernel size and stride must be >= 1 and padding >= 0, got "
                             f"in={in_channels}, out={out_channels}, kernel={kernel_size}, stride={stride}, padding={padding}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"Conv2D needs rng=np.random.default_rng(seed), got {type(rng).__name__}")
        fan_in = in_channels * kh * kw
        # He initialisation (He et al., 2015): spread sqrt(2 / fan_in) keeps ReLU activations' scale steady
        self.W = (rng.standard_normal((out_channels, in_channels, kh, kw)) * np.sqrt(2.0 / fan_in)).astype(dtype)
        self.b = np.zeros(out_channels, dtype=dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.stride, self.padding = int(stride), int(padding)
        self.needs_input_grad = True

    def forward(self, X):
        F, C, kh, kw = self.W.shape
        _check_images("Conv2D.forward", X, C)
        if X.dtype != self.W.dtype:
            raise TypeError(f"Conv2D.forward: images are {X.dtype} but the filters are {self.W.dtype}; "
                            f"convert with X.astype(np.{self.W.dtype})")
        N, _, H, Wd = X.shape
        Ho = _conv_output_size("Conv2D.forward", H, kh, self.stride, self.padding, "height")
        Wo = _conv_output_size("Conv2D.forward", Wd, kw, self.stride, self.padding, "width")
        self.X_shape = X.shape
        # im2col with one more column of ones: the product then adds the bias too, and backward gets
        # db from the same product as dW (the bias is a weight whose input is always 1)
        cols = im2col(X, kh, kw, self.stride, self.padding, ones_column=True)  # (N*Ho*Wo, C*kh*kw + 1)
        self.cols = cols
        W_and_b = np.concatenate([self.W.reshape(F, -1), self.b[:, None]], axis=1)  # (F, C*kh*kw + 1)
        out = cols @ W_and_b.T  # (N*Ho*Wo, F)
        return out.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2)  # (N, F, Ho, Wo), a view: no copy

    def backward(self, dout):
        """dout: (N, F, Ho, Wo) -> dX: (N, C, H, W) (None when needs_input_grad is False); fills dW, db."""
        F, C, kh, kw = self.W.shape
        dmat = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (N*Ho*Wo, F); free when dout is channels-last
        grads = self.cols.T @ dmat  # (C*kh*kw + 1, F): every patch times the gradient at its position
        self.dW[...] = grads[:-1].T.reshape(self.W.shape)  # (F, C*kh*kw) -> (F, C, kh, kw)
        self.db[...] = grads[-1]  # the ones column: db = sum of dout over all positions
        if not self.needs_input_grad:
            return None
        dcols = dmat @ self.W.reshape(F, -1)  # (N*Ho*Wo, C*kh*kw)
        return col2im(dcols, self.X_shape, kh, kw, self.stride, self.padding)

    def __repr__(self):
        F, C, kh, kw = self.W.shape
        return f"Conv2D({C}, {F}, kernel_size={kh}x{kw}, stride={self.stride}, padding={self.padding})"


class MaxPool2D(Layer):
    """Max pooling over non-overlapping size x size windows.

    X: (N, C, H, W) -> out: (N, C, H // size, W // size); H and W must be multiples of size.
    Backward sends each window's gradient to the position of its maximum (the first one on ties).
    """

    def __init__(self, size=2):
        if int(size) < 1:
            raise ValueError(f"MaxPool2D: size must be >= 1, got {size!r}")
        self.size = int(size)

    def forward(self, X):
        if not isinstance(X, np.ndarray) or X.ndim != 4:
            raise ValueError(f"MaxPool2D.forward: expected images of shape (N, C, H, W), got "
                             f"{getattr(X, 'shape', type(X).__name__)}")
        k = self.size
        N, C, H, Wd = X.shape
        if H % k or Wd % k:
            raise ValueError(f"MaxPool2D.forward: pool size {k} does not divide the input's height and width "
                             f"{H}x{Wd} (input shape {X.shape}); crop or pad the input to a multiple of {k}")
        self.X = X
        # k*k strided views, one per position in the window; np.maximum keeps the memory order of X
        # (channels-last when X comes from Conv2D), so every pass reads memory in sequence.
        views = [X[:, :, t // k::k, t % k::k] for t in range(k * k)]  # each (N, C, H/k, W/k)
        out = views[0].copy(order="K")
        for view in views[1:]:
            np.maximum(out, view, out=out)
        self.out = out
        return out

    def backward(self, dout):
        """dout: (N, C, H/k, W/k) -> dX: (N, C, H, W), zero except at each window's maximum.

        The positions are visited in order and each window's gradient goes to the first one equal to
        the maximum (ties happen: blank image corners give identical values).
        """
        k = self.size
        dX = np.empty_like(self.X, dtype=dout.dtype)  # same memory order as the input; the k*k views below fill it all
        hit = np.empty_like(self.out, dtype=bool)  # this position holds its window's maximum ...
        free = np.ones_like(self.out, dtype=bool)  # ... and no earlier position of the window did
        for t in range(k * k):
            np.equal(self.X[:, :, t // k::k, t % k::k], self.out, out=hit)
            if t:
                np.logical_and(hit, free, out=hit)
            np.multiply(dout, hit, out=dX[:, :, t // k::k, t % k::k])
            if t < k * k - 1:
                np.greater(free, hit, out=free)  # still free: free and not hit
        return dX

    def __repr__(self):
        return f"MaxPool2D({self.size})"
