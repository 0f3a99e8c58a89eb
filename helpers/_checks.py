"""The one place that checks what a public function of ``helpers`` was given.

Every message names the function, the argument, what it expected and what it got, e.g.
``Dense.forward: X: expected an array of shape (N, 3), got shape (4, 5)``. Where the intent is
plain it converts instead of refusing: a list of numbers becomes an array, 3.0 becomes 3.
"""

import inspect
import numbers

import numpy as np


def fail(fn, name, expected, got, error=ValueError, hint=""):
    """Raise ``error`` with the course's message: function, argument, what was expected, what came."""
    raise error(f"{fn}: {name}: expected {expected}, got {got}" + (f"; {hint}" if hint else ""))


def describe(x):
    """A short description of a value for an error message: its type, and its shape for arrays."""
    if isinstance(x, np.ndarray):
        return f"a {x.dtype} array of shape {x.shape}"
    if isinstance(x, str):
        return f"the string {x!r}"
    if isinstance(x, type):
        return f"the class {x.__name__} (not an instance: add ())"
    if callable(x) and hasattr(x, "__name__"):
        return f"the function {x.__name__}"
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) < 40 else text[:37] + '...'}"


def _shape_text(shape):
    parts = [str(s) if s is not None else "?" for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def array(fn, name, x, shape=None, what="an array", floating=False, allow_empty=False, finite=False):
    """``x`` as a NumPy array of real numbers, or a TypeError/ValueError naming ``fn`` and ``name``.

    shape: the expected shape, a tuple of ints (fixed length), strings (a name such as "N": any
    length) or None; ``what`` describes the array in messages ("images"). floating=True converts
    integer and boolean input to float64. finite=True rejects NaN and inf, saying where they are.
    """
    if isinstance(x, (str, bytes)) or x is None:
        fail(fn, name, f"{what} of numbers", describe(x), TypeError)
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except ValueError:  # ragged nested lists
            fail(fn, name, f"{what} of numbers (rows of equal length)", describe(x), TypeError)
    kind = x.dtype.kind  # f float, i/u integer, b boolean (a dtype.kind test is cheap: fit calls this a lot)
    if kind not in "fiub":
        fail(fn, name, f"{what} of real numbers", f"dtype {x.dtype}", TypeError)
    if floating and kind != "f":
        x = x.astype(np.float64)
    if shape is not None:
        fits = x.ndim == len(shape) and all(not isinstance(s, int) or s == n for s, n in zip(shape, x.shape))
        if not fits:
            fail(fn, name, f"{what} of shape {_shape_text(shape)}", f"shape {x.shape}")
    if not allow_empty and x.size == 0:
        fail(fn, name, f"{what} with at least one entry (an empty batch?)", f"shape {x.shape}")
    if finite:
        check_finite(fn, name, x)
    return x


def check_finite(fn, name, x):
    """Raise a ValueError saying where ``x`` holds its first NaN or infinity."""
    # min and max are NaN if any value is, +-inf if any value is: two passes with no temporary
    # array (np.isfinite(x).all() allocates a boolean array as large as x: 47 MB for MNIST)
    if x.dtype.kind == "f" and x.size and not (np.isfinite(x.min()) and np.isfinite(x.max())):
        bad = np.argwhere(~np.isfinite(x))
        where = tuple(int(i) for i in bad[0])
        fail(fn, name, "finite numbers", f"{x[where]} at index {where[0] if len(where) == 1 else where} "
             f"({len(bad)} value{'s' if len(bad) > 1 else ''} not finite)",
             hint="clean the data (e.g. drop or fill those rows) before training")


def integer(fn, name, value, minimum=None):
    """A whole number (3 and 3.0 are fine, 2.7, "3" and True are not), at least ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        fail(fn, name, "a whole number", describe(value), TypeError)
    if not np.isfinite(value) or value != int(value):
        fail(fn, name, "a whole number", repr(value))
    value = int(value)
    if minimum is not None and value < minimum:
        fail(fn, name, f"a whole number >= {minimum}", repr(value))
    return value


def real(fn, name, value, minimum=None, positive=False, below=None):
    """A finite real number (not a string, not NaN): > 0 when positive, >= minimum, < below."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        fail(fn, name, "a number", describe(value), TypeError)
    value = float(value)
    if not np.isfinite(value):
        fail(fn, name, "a finite number", repr(value))
    if positive and value <= 0:
        fail(fn, name, "a positive number", repr(value))
    if minimum is not None and value < minimum:
        fail(fn, name, f"a number >= {minimum}", repr(value))
    if below is not None and value >= below:
        fail(fn, name, f"a number below {below}", repr(value))
    return value


def generator(fn, name, rng):
    """An np.random.Generator, the only source of randomness in the course."""
    if not isinstance(rng, np.random.Generator):
        fail(fn, name, "a random generator: pass rng=np.random.default_rng(seed)", describe(rng), TypeError)
    return rng


def gradient(layer, name, dout, expected_shape):
    """Check a backward pass's upstream gradient: forward ran first, and dout has the output's shape."""
    fn = f"{type(layer).__name__}.backward"
    if expected_shape is None:
        raise RuntimeError(f"{fn} called before forward: run forward(X) first, then backward(dout)")
    dout = array(fn, name, dout, floating=True, allow_empty=True)
    if dout.shape != tuple(expected_shape):
        fail(fn, name, f"the shape of the forward output {tuple(expected_shape)}", f"shape {dout.shape}")
    return dout


def function(fn, name, f, takes, *args, **kwargs):
    """A function that can be called with ``args``/``kwargs`` (``takes`` says so in words), checked before use."""
    if not callable(f):
        fail(fn, name, f"a function of {takes}", describe(f), TypeError)
    try:
        inspect.signature(f).bind(*args, **kwargs)
    except TypeError:
        fail(fn, name, f"a function of {takes}", f"{describe(f)}{_signature(f)}", TypeError)
    except ValueError:  # some built-in functions have no signature to inspect: trust them
        pass
    return f


def _signature(f):
    try:
        return f" taking {inspect.signature(f)}"
    except (TypeError, ValueError):
        return ""


def boolean(fn, name, value):
    """True or False (NumPy's bool too)."""
    if not isinstance(value, (bool, np.bool_)):
        fail(fn, name, "True or False", describe(value), TypeError)
    return bool(value)
