"""The fast path: the layers that train notebook 06's CNN, built for speed.

Why this file exists. ``helpers.layers`` is the reference: each layer is written the way the
notebooks derive it, and is easy to read. Trained with it, one epoch of the MNIST CNN takes longer
than PyTorch's on the same CPU. The layers here compute the same functions and the same gradients
(``tests/test_fast.py`` checks them against ``helpers.layers``, forward and backward, with stride,
padding and ties in the pooling), but arrange the work for the machine. ``helpers.networks.mnist_cnn``
builds the CNN from them. Read ``helpers.layers`` to learn; read this file to see where time goes.

What is done differently (each measured on 2 cores, see ``benchmarks/cnn_epoch.py``):

1. ``ConvPoolReLU`` fuses convolution, max pooling and ReLU into one layer, so the convolution's
   output never exists in full:
   - the im2col rows are ordered by position in the pooling window first, so the k*k candidates
     of every window are k*k contiguous blocks; each block is one matrix product away from its
     convolution values, and pooling is a running maximum over the blocks;
   - the bias is folded into the matrix product (a row of ones under the patches, a column
     ``b`` beside ``W``); ``W`` and ``b`` are views into that one (F, C*kh*kw + 1) matrix;
   - the position of each maximum is kept as a small integer code (uint8), with one more code
     for "ReLU blocked it", so backward is one masked multiply and one small matrix product per
     block: no strided scatter, no tie masks, no zero-filled full-size gradient;
   - channel-major products ((F, K) @ (K, positions)), the layout OpenBLAS handles best here;
   - its output is written in (N, C, H, W) order, so ``Flatten`` is free.
2. ``Dense`` keeps its weights in PyTorch's layout, (num_out, num_in) in memory; ``W`` is the
   transposed view, so it has the reference's shape (num_in, num_out) and values. The products
   then run 1.3-1.5x faster (``X @ W`` with a (5408, 100) C-ordered W is a slow OpenBLAS path).
3. ``Flatten`` reshapes without copying, in both directions.
4. ``SGD`` updates each parameter in cache-sized blocks: the four passes of a momentum step
   (v *= momentum, v += g, t = lr * v, p -= t) run on one block while it sits in the cache.
5. Buffers are allocated once per batch shape and reused (no new memory every step).

Measured and left out: splitting the batch across the two cores with a thread pool (slower on
a loaded machine: the passes here take 10-70 microseconds, about what handing work to a thread
costs); a flat-index scatter for the pooling backward (``np.put`` is slower than four masked
multiplies).
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def _check_images(name, X, channels, dtype):
    if not isinstance(X, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array of shape (N, {channels}, H, W), got {type(X).__name__}")
    if X.ndim != 4 or X.shape[1] != channels:
        raise ValueError(f"{name}: expected images of shape (N, {channels}, H, W), got shape {X.shape}")
    if X.dtype != dtype:
        raise TypeError(f"{name}: expected images of dtype {dtype} like the filters, got {X.dtype}; "
                        f"convert with X.astype(np.{dtype})")


def _output_size(name, size, kernel, stride, padding, axis):
    if size + 2 * padding < kernel:
        raise ValueError(f"{name}: kernel {kernel} is larger than the padded input {axis} "
                         f"{size} + 2*{padding} = {size + 2 * padding}")
    return (size + 2 * padding - kernel) // stride + 1


class ConvPoolReLU:
    """Conv2D, then MaxPool2D(pool_size), then ReLU, as one layer (same function and gradients).

    X: (N, C, H, W) -> out: (N, F, Ho // p, Wo // p) with Ho = (H + 2 padding - kh) // stride + 1
    (likewise Wo) and p = pool_size, which must divide Ho and Wo. W: (F, C, kh, kw); b: (F,).
    Initialised like ``helpers.layers.Conv2D`` (He: spread sqrt(2 / fan_in), zero bias), drawing
    the same numbers from ``rng``. On ties in a pooling window the gradient goes to the first
    maximum in row-major order, as in ``helpers.layers.MaxPool2D``.
    ``needs_input_grad=False`` (a first layer: nobody needs the gradient of the images) makes
    ``backward`` skip dX and return None.
    """

    param_names = ("W", "b")

    def __init__(self, in_channels, out_channels, kernel_size, rng, stride=1, padding=0, pool_size=2,
                 needs_input_grad=True, dtype=np.float32):
        kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
        if min(in_channels, out_channels, kh, kw, stride, pool_size) < 1 or padding < 0:
            raise ValueError(f"ConvPoolReLU: channels, kernel size, stride and pool size must be >= 1 and "
                             f"padding >= 0, got in={in_channels}, out={out_channels}, kernel={kernel_size}, "
                             f"stride={stride}, padding={padding}, pool_size={pool_size}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"ConvPoolReLU needs rng=np.random.default_rng(seed), got {type(rng).__name__}")
        F, C = int(out_channels), int(in_channels)
        K = C * kh * kw
        W = rng.standard_normal((F, C, kh, kw)) * np.sqrt(2.0 / K)  # the reference Conv2D's draw
        self._Wb = np.zeros((F, K + 1), dtype=dtype)  # [W | b]: the bias is the weight of a constant 1
        self._Wb[:, :K] = W.reshape(F, K)
        self._dWb = np.zeros_like(self._Wb)
        self._shape = (F, C, kh, kw)
        self.stride, self.padding, self.pool_size = int(stride), int(padding), int(pool_size)
        self.needs_input_grad = bool(needs_input_grad)
        self._buffers_for = None

    # W, b, dW, db are views into [W | b] and [dW | db]: an optimiser updating them in place
    # updates the matrix the forward pass multiplies by.
    @property
    def W(self):
        return self._Wb[:, :-1].reshape(self._shape)  # (F, C, kh, kw), a view

    @W.setter
    def W(self, value):
        self._Wb[:, :-1] = np.reshape(value, (self._shape[0], -1))

    @property
    def b(self):
        return self._Wb[:, -1]  # (F,), a view

    @b.setter
    def b(self, value):
        self._Wb[:, -1] = value

    @property
    def dW(self):
        return self._dWb[:, :-1].reshape(self._shape)

    @property
    def db(self):
        return self._dWb[:, -1]

    def _buffers(self, N, Hq, Wq):
        """Allocate the working arrays once per batch shape; reuse them for every batch of that shape."""
        if self._buffers_for != (N, Hq, Wq):
            F, C, kh, kw = self._shape
            P, K, Mq = self.pool_size ** 2, C * kh * kw, N * Hq * Wq
            self._cols = np.empty((P, K + 1, Mq), dtype=self._Wb.dtype)  # block t: the patches at window position t
            self._cols[:, K] = 1  # the row of ones that multiplies b
            self._z = np.empty((F, Mq), dtype=self._Wb.dtype)  # one block's convolution values
            self._code = np.empty((F, Mq), dtype=np.uint8)  # which block won (P: ReLU blocked it)
            self._hit = np.empty((F, Mq), dtype=bool)
            self._g = np.empty((F, Mq), dtype=self._Wb.dtype)
            self._buffers_for = (N, Hq, Wq)

    def forward(self, X):
        F, C, kh, kw = self._shape
        _check_images("ConvPoolReLU.forward", X, C, self._Wb.dtype)
        N, _, H, Wd = X.shape
        s, p = self.stride, self.pool_size
        Ho = _output_size("ConvPoolReLU.forward", H, kh, s, self.padding, "height")
        Wo = _output_size("ConvPoolReLU.forward", Wd, kw, s, self.padding, "width")
        if Ho % p or Wo % p:
            raise ValueError(f"ConvPoolReLU.forward: pool size {p} does not divide the convolution's output "
                             f"{Ho}x{Wo} (input shape {X.shape}); crop or pad the input")
        Hq, Wq = Ho // p, Wo // p
        self._buffers(N, Hq, Wq)
        self._X_shape = X.shape
        if self.padding:
            X = np.pad(X, ((0, 0), (0, 0), (self.padding, self.padding), (self.padding, self.padding)))
        X = np.ascontiguousarray(X)
        # im2col in window-position-major order: cols[(di, dj), (c, ki, kj), (n, i, j)] is the input
        # pixel under filter tap (ki, kj) for the output at row p*i + di, column p*j + dj (one strided copy)
        sN, sC, sH, sW = X.strides
        patches = as_strided(X, shape=(p, p, C, kh, kw, N, Hq, Wq),
                             strides=(s * sH, s * sW, sC, sH, sW, sN, p * s * sH, p * s * sW), writeable=False)
        P, K = p * p, C * kh * kw
        np.copyto(self._cols[:, :K].reshape(p, p, C, kh, kw, N, Hq, Wq), patches)
        # convolution block by block, pooled as it goes: top = running maximum, code = its block
        top, z, code, hit = np.empty_like(self._z), self._z, self._code, self._hit
        np.matmul(self._Wb, self._cols[0], out=top)  # (F, K+1) @ (K+1, N*Hq*Wq): block 0 + bias
        code.fill(0)
        for t in range(1, P):
            np.matmul(self._Wb, self._cols[t], out=z)
            np.greater(z, top, out=hit)  # strictly greater: on ties the earlier position keeps it
            np.maximum(top, z, out=top)
            np.copyto(code, t, where=hit)
        np.less_equal(top, 0, out=hit)  # ReLU: no gradient where the pooled value is not positive
        np.copyto(code, P, where=hit)
        out = np.empty((N, F, Hq, Wq), dtype=top.dtype)
        np.maximum(top.reshape(F, N, Hq, Wq), 0, out=out.transpose(1, 0, 2, 3))  # written (N, F, Hq, Wq)
        return out

    def backward(self, dout):
        """dout: (N, F, Hq, Wq) -> dX: (N, C, H, W) (None if needs_input_grad is False); fills dW, db."""
        F, C, kh, kw = self._shape
        N, _, H, Wd = self._X_shape
        Hq, Wq = self._buffers_for[1:]
        if self._buffers_for[0] != N or dout.shape != (N, F, Hq, Wq):
            raise ValueError(f"ConvPoolReLU.backward: expected dout of shape {(N, F, Hq, Wq)}, got {dout.shape}")
        s, p, pad = self.stride, self.pool_size, self.padding
        P, K = p * p, C * kh * kw
        dout_f = np.empty((F, N, Hq, Wq), dtype=self._Wb.dtype)
        np.copyto(dout_f, dout.transpose(1, 0, 2, 3))  # (F, N, Hq, Wq): the blocks' layout
        dout_f = dout_f.reshape(F, -1)
        g, hit = self._g, self._hit
        dXp = None
        if self.needs_input_grad:
            dXp = np.zeros((N, C, H + 2 * pad, Wd + 2 * pad), dtype=self._Wb.dtype)
        for t in range(P):
            np.equal(self._code, t, out=hit)
            np.multiply(dout_f, hit, out=g)  # the gradient of block t's convolution values
            if t == 0:
                np.matmul(g, self._cols[t].T, out=self._dWb)  # (F, N*Hq*Wq) @ (N*Hq*Wq, K+1)
            else:
                self._dWb += g @ self._cols[t].T
            if dXp is not None:  # col2im for block t: every tap's gradient added back where it read
                dcols = (self._Wb[:, :K].T @ g).reshape(C, kh, kw, N, Hq, Wq)
                di, dj = divmod(t, p)
                for c in range(C):
                    for ki in range(kh):
                        for kj in range(kw):
                            r, q = s * di + ki, s * dj + kj
                            dXp[:, c, r:r + p * s * (Hq - 1) + 1:p * s, q:q + p * s * (Wq - 1) + 1:p * s] \
                                += dcols[c, ki, kj]
        if dXp is None:
            return None
        return dXp[:, :, pad:pad + H, pad:pad + Wd]

    def __repr__(self):
        F, C, kh, kw = self._shape
        return (f"ConvPoolReLU({C}, {F}, kernel_size={kh}x{kw}, stride={self.stride}, padding={self.padding}, "
                f"pool_size={self.pool_size})")


class Dense:
    """Fully connected layer out = X @ W + b, with W kept in memory as (num_out, num_in).

    X: (N, num_in) -> out: (N, num_out); W: (num_in, num_out) (a transposed view); b: (num_out,).
    Initialised like ``helpers.layers.Dense`` (the same draw from ``rng``).
    """

    param_names = ("W", "b")

    def __init__(self, num_in, num_out, rng, weight_scale=None, dtype=np.float64):
        if int(num_in) < 1 or int(num_out) < 1:
            raise ValueError(f"Dense needs num_in >= 1 and num_out >= 1, got num_in={num_in}, num_out={num_out}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"Dense needs rng=np.random.default_rng(seed), got {type(rng).__name__}")
        scale = 1.0 / np.sqrt(num_in) if weight_scale is None else weight_scale
        W = scale * rng.standard_normal((num_in, num_out))  # the reference Dense's draw
        self._Wt = np.ascontiguousarray(W.T, dtype=dtype)  # (num_out, num_in) in memory
        self._dWt = np.zeros_like(self._Wt)
        self.b = np.zeros(num_out, dtype=dtype)
        self.db = np.zeros_like(self.b)
        self.X = None

    @property
    def W(self):
        return self._Wt.T  # (num_in, num_out), a view

    @W.setter
    def W(self, value):
        self._Wt[...] = np.asarray(value).T

    @property
    def dW(self):
        return self._dWt.T

    def forward(self, X):
        num_out, num_in = self._Wt.shape
        if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] != num_in:
            raise ValueError(f"Dense.forward: expected input of shape (N, {num_in}), got "
                             f"{getattr(X, 'shape', type(X).__name__)}")
        self.X = X
        out_t = self._Wt @ X.T  # (num_out, N): W^T X^T, the product OpenBLAS runs fastest here
        out_t += self.b[:, None]
        return out_t.T  # (N, num_out), a view

    def backward(self, dout):
        """dout: (N, num_out) -> dX: (N, num_in); fills dW (num_in, num_out) and db (num_out,)."""
        if self.X is None:
            raise RuntimeError("Dense.backward called before forward")
        if dout.shape != (self.X.shape[0], self._Wt.shape[0]):
            raise ValueError(f"Dense.backward: expected dout of shape {(self.X.shape[0], self._Wt.shape[0])}, "
                             f"got {dout.shape}")
        np.matmul(dout.T, self.X, out=self._dWt)  # (num_out, N) @ (N, num_in) = dW^T, in place
        np.sum(dout, axis=0, out=self.db)
        return dout @ self._Wt  # (N, num_in)

    def __repr__(self):
        return f"Dense({self._Wt.shape[1]}, {self._Wt.shape[0]})"


class ReLU:
    """out = max(0, X); the gradient passes where X > 0 (as helpers.layers.ReLU)."""

    param_names = ()

    def forward(self, X):
        self.mask = X > 0
        return np.maximum(X, 0)

    def backward(self, dout):
        return dout * self.mask

    def __repr__(self):
        return "ReLU()"


class Flatten:
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...): a view when X is C-ordered (ConvPoolReLU's output is)."""

    param_names = ()

    def forward(self, X):
        self.X_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.X_shape)  # a view

    def __repr__(self):
        return "Flatten()"


# ---------------------------------------------------------------------------------------------
# The optimiser step


_BLOCK = 1 << 17  # elements per block of the update: four float32 blocks of 512 KiB stay in the cache


def _flat(a):
    """A 1-D view of a contiguous array (C or Fortran order), else None."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if a.flags.f_contiguous:
        return a.T.reshape(-1)
    return None


class SGD:
    """Gradient descent with optional momentum, PyTorch's convention (as helpers.optim.SGD):

    plain:    p -= lr * g
    momentum: v = momentum * v + g;  p -= lr * v   (v starts at zero)

    The velocity is kept with the parameter (on its layer, under the parameter's name), so one
    optimiser can train several models. ``step(layers)`` updates every parameter in place.
    """

    def __init__(self, lr, momentum=0.0):
        if not np.isscalar(lr) or not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"SGD: the learning rate must be a positive number, got {lr!r}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.lr, self.momentum = float(lr), float(momentum)
        self._scratch = np.empty(0, dtype=np.float32)

    def _tmp(self, n, dtype):
        if self._scratch.size < n or self._scratch.dtype != dtype:
            self._scratch = np.empty(max(n, _BLOCK), dtype=dtype)
        return self._scratch[:n]

    def step(self, layers):
        for layer in layers:
            for name in layer.param_names:
                p, g = getattr(layer, name), getattr(layer, "d" + name)
                v = None
                if self.momentum:
                    state = layer.__dict__.setdefault("_fast_sgd_velocity", {})
                    v = state.get(name)
                    if v is None or v.shape != p.shape or v.dtype != p.dtype:
                        v = state[name] = np.zeros_like(p)  # same memory order as p
                self._update(p, g, v)

    def _update(self, p, g, v):
        lr, mu = self.lr, self.momentum
        pf, gf = _flat(p), _flat(g)
        vf = None if v is None else _flat(v)
        same_order = pf is not None and gf is not None and p.flags.c_contiguous == g.flags.c_contiguous \
            and (v is None or (vf is not None and v.flags.c_contiguous == p.flags.c_contiguous))
        if not same_order:  # small or strided parameters (the convolution's views): whole-array passes
            pf, gf, vf = p, g, v
            blocks = [slice(None)]
            tmp = np.empty_like(p)
        else:
            blocks = [slice(i, i + _BLOCK) for i in range(0, pf.size, _BLOCK)]
            tmp = self._tmp(min(pf.size, _BLOCK), p.dtype)
        for blk in blocks:
            t = tmp[:gf[blk].size] if tmp.ndim == 1 else tmp
            if v is None:
                np.multiply(gf[blk], lr, out=t)
            else:
                vb = vf[blk]
                vb *= mu
                vb += gf[blk]
                np.multiply(vb, lr, out=t)
            pf[blk] -= t
