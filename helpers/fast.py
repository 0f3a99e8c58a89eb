"""The fast path: the layers that train notebook 06's CNN, built for speed.

Why this file exists. ``helpers.layers`` is the reference: each layer is written the way the
notebooks derive it, and is easy to read. Trained with it, one epoch of the MNIST CNN takes longer
than PyTorch's on the same CPU. The layers here compute the same functions and the same gradients
(``tests/test_fast.py`` checks them against ``helpers.layers``, forward and backward, with stride,
padding and ties in the pooling), but arrange the work for the machine. ``helpers.networks.mnist_cnn``
builds the CNN from them. Read ``helpers.layers`` to learn; read this file to see where time goes.

What is done differently (each measured on 2 cores, see ``benchmarks/cnn_epoch.py``):

1. ``ConvPoolReLU`` fuses convolution, max pooling and ReLU into one layer:
   - the im2col columns are grouped by position in the pooling window: block t holds, for every
     window, the patch at its t-th position, so the k*k candidates of every window lie in k*k
     contiguous blocks of the convolution's output, and pooling is a running maximum over whole
     blocks (contiguous passes, no strided views);
   - the bias is folded into the matrix product (a row of ones under the patches, a column
     ``b`` beside ``W``); ``W`` and ``b`` are views into that one (F, C*kh*kw + 1) matrix;
   - channel-major matrix products ((F, K) @ (K, positions)), in cache-sized chunks of positions;
   - the running maximum keeps one bool per block and window: "this block beat every block
     before it". The backward pass finds each window's winner from those, from the last block
     back (the first maximum wins ties, as in the reference), with a few passes over bools;
     this replaced a uint8 code of the winner, whose bookkeeping took longer than the maximum;
   - positions are ordered (row, column, image), so the layer's output (N, F, Hq, Wq) is a view of
     an (F, Hq, Wq, N) array: ``Flatten`` makes it (N, F*Hq*Wq) without copying, and its
     transpose is the C-ordered (features, N) matrix the dense layer multiplies. The gradient
     comes back from ``Dense`` in that same layout, so neither direction copies to transpose.
2. ``Dense`` keeps its weights in PyTorch's layout, (num_out, num_in) in memory; ``W`` is the
   transposed view, so it has the reference's shape (num_in, num_out) and values. Its forward
   product is W^T X^T, and it returns dX as the transpose of W dout^T, both as OpenBLAS runs them
   fastest for this layout (``X @ W`` with a C-ordered (5408, 100) W is a slow OpenBLAS path).
   Kept in the reference's layout instead, the epoch's forward took 0.73 s instead of 0.57 and
   the optimiser 1.36 s instead of 1.05.
3. ``Flatten`` reshapes without copying, in both directions.
4. ``SGD`` updates each parameter in cache-sized blocks: the four passes of a momentum step
   (v *= momentum, v += g, t = lr * v, p -= t) run on one block while it sits in the cache.
5. Buffers are allocated once per batch shape and reused (no new memory every step).
6. ``SGD`` keeps velocities out of float32's subnormal range (below 1.2e-38), where the CPU's
   arithmetic takes a slow path: every 32 steps it zeroes the velocities that would get there
   before the next flush. Without it, the weights of dense inputs that ReLU always blocks decay
   into that range during the first epoch, and the optimiser step of notebook 06's CNN took
   1.04 ms instead of 0.49 ms. The weights stay equal to ``helpers.optim.SGD``'s.

Measured and left out:
- splitting work across the two cores with Python threads: with the batch split in two halves,
  one per thread, ConvPoolReLU's epoch took 1.34 s forward and 1.52 s backward against 1.11 and
  1.30 on one thread. Waking a sleeping thread costs up to 80 microseconds on these virtual
  machines, and OpenBLAS's own threads spin on the second core after the dense layer's products;
- computing the dense layer's weight gradient inside the optimiser step, block by block, so it
  is never written out whole: the small products (10 to 50 rows, or 338 to 2704 columns, at a
  time) ran so much slower than the one product that the step took 0.3 to 1.1 ms longer;
- masked copies (``np.copyto(..., where=mask)``) for the pooling: 0.8 ms per block when the mask
  is irregular, against 0.06 ms for a multiply by the mask;
- a flat-index scatter for the pooling backward (``np.put`` of one batch's gradients took 440
  microseconds, the four masked multiplies 160).
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .optim import SGD as _ReferenceSGD


# Positions per matrix product in ConvPoolReLU: with K = 10 rows of patches, one product over all
# 4 * 32 * 169 positions of a batch took 220 (forward) and 370 (dW) microseconds on one core, the
# same in chunks of 2048 positions (about 1 MB each) 150 and 215; OpenBLAS also keeps products this
# small on one thread, which spares the threads' hand-over.
_CHUNK = 2048


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

    @dW.setter
    def dW(self, value):  # e.g. fit adding an L2 term: layer.dW = layer.dW + reg * layer.W
        self._dWb[:, :-1] = np.reshape(value, (self._shape[0], -1))

    @property
    def db(self):
        return self._dWb[:, -1]

    @db.setter
    def db(self, value):
        self._dWb[:, -1] = value

    def _buffers(self, N, Hq, Wq):
        """Allocate the working arrays once per batch shape; reuse them for every batch of that shape."""
        if self._buffers_for != (N, Hq, Wq):
            F, C, kh, kw = self._shape
            P, K, Mq = self.pool_size ** 2, C * kh * kw, N * Hq * Wq
            dtype = self._Wb.dtype
            self._cols = np.empty((P, K + 1, Mq), dtype=dtype)  # [t]: the patches at window position t
            self._cols[:, K] = 1  # the row of ones that multiplies b
            self._z = np.empty((P, F, Mq), dtype=dtype)  # [t]: the convolution at window position t
            self._top = np.empty((F, Mq), dtype=dtype)  # the pooled maximum
            self._beat = np.empty((P, F, Mq), dtype=bool)  # [t]: block t beat blocks 0..t-1 ([0] unused)
            self._open = np.empty((F, Mq), dtype=bool)
            self._grad = np.empty((F, Mq), dtype=dtype)
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
        X = np.ascontiguousarray(X.transpose(1, 2, 3, 0))  # (C, H, W, N): the batch is the fastest axis
        P, K, Mq = p * p, C * kh * kw, N * Hq * Wq
        # im2col, window position first, positions in (i, j, n) order: cols[(di, dj), (c, ki, kj), (i, j, n)]
        # is the pixel under filter tap (ki, kj) for the output at row p*i + di, column p*j + dj of image n
        sC, sH, sW, sN = X.strides
        patches = as_strided(X, shape=(p, p, C, kh, kw, Hq, Wq, N),
                             strides=(s * sH, s * sW, sC, sH, sW, p * s * sH, p * s * sW, sN), writeable=False)
        np.copyto(self._cols[:, :K].reshape(p, p, C, kh, kw, Hq, Wq, N), patches)
        # every block's convolution: z[t] = [W | b] @ cols[t], bias included, in cache-sized chunks
        z, cols, top, beat = self._z, self._cols, self._top, self._beat
        for t in range(P):
            for start in range(0, Mq, _CHUNK):
                chunk = slice(start, start + _CHUNK)
                np.matmul(self._Wb, cols[t, :, chunk], out=z[t, :, chunk])
        # pooling: a running maximum over the blocks, remembering where a block beat all before it
        # (strictly: on ties the first block keeps the maximum, as in the reference)
        np.copyto(top, z[0])
        for t in range(1, P):
            np.greater(z[t], top, out=beat[t])
            np.maximum(top, z[t], out=top)
        # ReLU, into a new array (F, Hq, Wq, N); the output is its view (N, F, Hq, Wq), which
        # Flatten turns into (N, F*Hq*Wq) without a copy, and whose transpose the dense layer multiplies
        self._out = np.maximum(top, 0).reshape(F, Hq, Wq, N)
        return self._out.transpose(3, 0, 1, 2)

    def backward(self, dout):
        """dout: (N, F, Hq, Wq) -> dX: (N, C, H, W) (None if needs_input_grad is False); fills dW, db."""
        F, C, kh, kw = self._shape
        N, _, H, Wd = self._X_shape
        Hq, Wq = self._buffers_for[1:]
        if self._buffers_for[0] != N or getattr(dout, "shape", None) != (N, F, Hq, Wq):
            raise ValueError(f"ConvPoolReLU.backward: expected dout of shape {(N, F, Hq, Wq)}, "
                             f"got {getattr(dout, 'shape', type(dout).__name__)}")
        s, p, pad = self.stride, self.pool_size, self.padding
        P, K, Mq = p * p, C * kh * kw, N * Hq * Wq
        grad = dout.transpose(1, 2, 3, 0)  # (F, Hq, Wq, N): the blocks' layout
        if grad.flags.c_contiguous and grad.dtype == self._Wb.dtype:  # as the fast Dense layer returns it
            grad = grad.reshape(F, Mq)
        else:
            np.copyto(self._grad.reshape(F, Hq, Wq, N), grad)
            grad = self._grad
        # the winner of each window: the last block that beat all before it (block 0 if none did),
        # found from the last block back; "open" = ReLU passed and no later block won
        beat, opened, dz = self._beat, self._open, self._z  # dz reuses the forward's buffer
        np.greater(self._out.reshape(F, Mq), 0, out=opened)
        for t in range(P - 1, 0, -1):
            np.logical_and(beat[t], opened, out=beat[t])  # block t wins here
            np.greater(opened, beat[t], out=opened)  # open and not won by t
        beat[0] = opened  # what is still open goes to block 0
        np.multiply(grad, beat, out=dz)  # the gradient of the convolution values: dout at each winner
        # [dW | db] = sum over blocks of dz[t] @ cols[t]^T, in cache-sized chunks of positions
        part = np.empty_like(self._dWb)
        first = True
        for t in range(P):
            for start in range(0, Mq, _CHUNK):
                chunk = slice(start, start + _CHUNK)
                np.matmul(dz[t, :, chunk], self._cols[t, :, chunk].T, out=self._dWb if first else part)
                if not first:
                    self._dWb += part
                first = False
        if not self.needs_input_grad:
            return None
        # col2im: every tap's gradient added back where it read its pixel, in (C, H, W, N) order
        dXp = np.zeros((C, H + 2 * pad, Wd + 2 * pad, N), dtype=self._Wb.dtype)
        Wk = self._Wb[:, :K]
        for t in range(P):
            di, dj = divmod(t, p)
            dcols = (Wk.T @ dz[t]).reshape(C, kh, kw, Hq, Wq, N)
            for c in range(C):
                for ki in range(kh):
                    for kj in range(kw):
                        r, q = s * di + ki, s * dj + kj
                        dXp[c, r:r + p * s * (Hq - 1) + 1:p * s, q:q + p * s * (Wq - 1) + 1:p * s] \
                            += dcols[c, ki, kj]
        return dXp[:, pad:pad + H, pad:pad + Wd].transpose(3, 0, 1, 2)  # (N, C, H, W), a view

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

    @dW.setter
    def dW(self, value):
        self._dWt[...] = np.asarray(value).T

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
        # (num_in, N) in memory, returned as its transpose (N, num_in): after Flatten, the layout
        # ConvPoolReLU.backward works in, so neither layer copies
        return (self._Wt.T @ dout.T).T

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
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...): a view whenever NumPy can merge the axes without a copy
    (for a C-ordered X, and for ConvPoolReLU's output)."""

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


_BLOCK = 1 << 16  # elements per block of the update: its float32 blocks of 256 KiB stay in the cache
_FLUSH_EVERY = 32  # steps between two flushes of subnormal-bound velocities (see _flush_subnormal)


def _flat(a):
    """A 1-D view of a contiguous array (C or Fortran order), else None."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    if a.flags.f_contiguous:
        return a.T.reshape(-1)
    return None


class SGD(_ReferenceSGD):
    """``helpers.optim.SGD`` (PyTorch's convention, the same settings, checks and velocity state), stepped
    in cache-sized blocks:

    plain:    p -= lr * g
    momentum: v = momentum * v + g;  p -= lr * v   (v starts at zero)

    The velocity is kept with the parameter, in its layer's ``velocity`` dict as ``helpers.optim.SGD``
    keeps it, so one optimiser can train several models, and the two optimisers can take turns.
    """

    def step(self, layers):
        """Update the parameters of every layer (or of a model's ``layers``) in place."""
        layers = getattr(layers, "layers", layers)
        for layer in layers:
            flush = False
            if self.momentum and layer.param_names:
                age = layer.__dict__.get("_velocity_age", 0) + 1  # steps since this layer's last flush
                flush = age >= _FLUSH_EVERY
                layer._velocity_age = 0 if flush else age
            for name in layer.param_names:
                p, g = getattr(layer, name), getattr(layer, "d" + name)
                if g.shape != p.shape:
                    raise ValueError(f"SGD.step: {type(layer).__name__}.d{name}: expected a gradient of the "
                                     f"parameter's shape {p.shape}, got shape {g.shape}")
                v = self._velocity(layer, name, p) if self.momentum else None
                self._update(p, g, v)
                if flush:
                    _flush_subnormal(v, self.momentum)

    def _update(self, p, g, v):
        lr, mu = self.lr, self.momentum
        pf, gf = _flat(p), _flat(g)
        vf = None if v is None else _flat(v)
        in_step = pf is not None and gf is not None and p.flags.c_contiguous == g.flags.c_contiguous \
            and (v is None or (vf is not None and v.flags.c_contiguous == p.flags.c_contiguous))
        if not in_step:  # strided parameters (the convolution's views into [W | b]): whole-array passes
            if v is None:
                p -= lr * g
            else:
                v *= mu
                v += g
                p -= lr * v
            return
        tmp = getattr(self, "_tmp", None)  # one scratch block, reused by every step
        if tmp is None or tmp.dtype != p.dtype:
            tmp = self._tmp = np.empty(_BLOCK, dtype=p.dtype)
        for start in range(0, pf.size, _BLOCK):
            block = slice(start, start + _BLOCK)
            t = tmp[:gf[block].size]
            if v is None:
                np.multiply(gf[block], lr, out=t)
            else:
                vb = vf[block]
                vb *= mu
                vb += gf[block]
                np.multiply(vb, lr, out=t)
            pf[block] -= t


def _flush_subnormal(v, momentum):
    """Set to zero the velocities so small that they would turn subnormal before the next flush.

    A weight whose gradient stays exactly zero (a dense input that ReLU always blocks) keeps a velocity
    that shrinks by ``momentum`` every step: after about 800 steps at 0.9 it is below the smallest
    normal float32 (1.2e-38), and arithmetic on such subnormal numbers runs through a slow path of the
    CPU. In notebook 06's CNN 7 % of the first dense layer's velocities were subnormal after one epoch,
    and the optimiser step took 3x its time. ``v`` is zeroed below ``tiny / momentum**_FLUSH_EVERY``
    (3.4e-37 at momentum 0.9, at most 1e-30), values that move no float32 weight.
    """
    tiny = np.finfo(v.dtype).tiny
    threshold = min(tiny / momentum ** _FLUSH_EVERY, 1e-30) if momentum ** _FLUSH_EVERY > tiny else 1e-30
    small = np.abs(v) < threshold
    if small.any():
        v[small] = 0
