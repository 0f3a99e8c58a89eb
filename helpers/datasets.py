"""Data sets of the course: logic gates and two moons (MNIST: helpers.mnist, re-exported here)."""

import numbers

import numpy as np

from . import _checks as check

# Truth tables of two-input gates, in the row order of GATE_INPUTS.
GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
GATES = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NAND": [1, 1, 1, 0],
    "NOR": [1, 0, 0, 0],
    "XOR": [0, 1, 1, 0],
    "XNOR": [1, 0, 0, 1],
}


def logic_gate(name):
    """Inputs and targets of one gate: X (4, 2) and y (4,) of 0s and 1s; "NOT" has X (2, 1)."""
    if not isinstance(name, str):
        check.fail("logic_gate", "name", 'a gate name such as "AND"', check.describe(name), TypeError)
    key = name.upper()
    if key == "NOT":
        return np.array([[0.0], [1.0]]), np.array([1, 0])
    if key not in GATES:
        raise ValueError(f"logic_gate: name: unknown gate {name!r}; expected one of {sorted(GATES) + ['NOT']}")
    return GATE_INPUTS.copy(), np.array(GATES[key])


def logic_gates(names=("AND", "OR", "XOR", "NAND", "NOR")):
    """Several gates at once: X (4, 2) and Y (4, len(names)), one column of targets per gate.

    A single name ("XOR") gives one column; "NOT" has other inputs and cannot be mixed in.
    """
    if isinstance(names, str):
        names = [names]  # one gate, not one gate per letter
    if not hasattr(names, "__iter__"):
        check.fail("logic_gates", "names", 'a list of gate names such as ["AND", "XOR"]', check.describe(names),
                   TypeError)
    names = list(names)
    if not names:
        check.fail("logic_gates", "names", "at least one gate name", "an empty list")
    if any(isinstance(n, str) and n.upper() == "NOT" for n in names):
        check.fail("logic_gates", "names", "two-input gates (NOT has one input: use logic_gate(\"NOT\"))",
                   repr(names))
    X = GATE_INPUTS.copy()
    Y = np.stack([logic_gate(n)[1] for n in names], axis=1).astype(np.float64)  # (4, len(names))
    return X, Y


def make_moons(n, noise, rng):
    """Two interleaving half circles in the plane, a classic set no straight line can separate.

    n: number of points (n // 2 per class, the extra one of an odd n in class 0); noise: the spread
    of the Gaussian noise added to every coordinate; rng: np.random.Generator.
    Returns X (n, 2) and y (n,) with labels 0 (the upper moon) and 1 (the lower moon), shuffled.
    """
    if isinstance(n, numbers.Real) and not isinstance(n, bool) and (not np.isfinite(n) or n != int(n) or n < 2):
        raise ValueError(f"make_moons: n: n must be a whole number >= 2, got {n!r}")
    n = check.integer("make_moons", "n", n, minimum=2)
    if isinstance(noise, numbers.Real) and not isinstance(noise, bool) and not noise >= 0:
        raise ValueError(f"make_moons: noise: noise must be >= 0, got {noise!r}")
    noise = check.real("make_moons", "noise", noise, minimum=0.0)
    check.generator("make_moons", "rng", rng)
    n0 = (int(n) + 1) // 2
    n1 = int(n) - n0
    t0 = np.linspace(0, np.pi, n0)
    t1 = np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)  # (n0, 2): centre (0, 0), radius 1
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)  # (n1, 2): shifted right and down, flipped
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((int(n), 2))
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    order = rng.permutation(int(n))
    return X[order], y[order]


def _moons_centres(t):
    """Where make_moons places a point at angle t (T,) before the noise: upper (T, 2) and lower (T, 2)."""
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    return upper, lower




def moons_densities(X, noise, num_angles=500):
    """The exact class densities of make_moons at points X (M, 2): returns p0, p1, each (M,).

    make_moons puts a class's points at angles t spread evenly over [0, pi] (uniform, for large n) and
    adds Gaussian noise of standard deviation ``noise`` to each coordinate, so
    p_k(x) = (1/pi) * integral over t of N(x; centre_k(t), noise^2 I) dt, computed by the midpoint rule
    with ``num_angles`` angles. Needs noise > 0 (without noise the points lie on two curves: no density).
    """
    noise = check.real("moons_densities", "noise", noise, positive=True)  # no noise: points on curves, no density
    X = check.array("moons_densities", "X", X, shape=("M", 2), what="points", finite=True).astype(np.float64)
    num_angles = check.integer("moons_densities", "num_angles", num_angles, minimum=1)
    t = (np.arange(num_angles) + 0.5) * np.pi / num_angles  # (T,) midpoints of [0, pi]
    densities = []
    for centres in _moons_centres(t):
        d1 = X[:, :1] - centres[:, 0]  # (M, T) horizontal offsets from every point of the curve
        d2 = X[:, 1:] - centres[:, 1]  # (M, T) vertical offsets
        sq = d1 * d1 + d2 * d2  # (M, T) squared distances
        densities.append(np.exp(-sq / (2 * noise**2)).mean(axis=1) / (2 * np.pi * noise**2))
    return densities[0], densities[1]


def moons_bayes_predict(X, noise, num_angles=500):
    """The Bayes-optimal classifier of make_moons: for each row of X (M, 2), the class with the larger density.

    (Equal priors, so the larger density is the more probable class.) Returns (M,) int labels 0 or 1.
    """
    p0, p1 = moons_densities(X, noise, num_angles)
    return (p1 > p0).astype(np.int64)


def moons_bayes_accuracy(noise, step=None, num_angles=None):
    """The best accuracy ANY classifier can reach on make_moons(n, noise, rng) with n even: the Bayes rate.

    Equal class priors, so accuracy = (1/2) * integral of max(p0(x), p1(x)) dx over the plane. The
    integral is a sum over a grid of step ``step`` (default noise/10 but at least 0.01; accurate to about 1e-5) reaching
    8 * noise beyond the moons; each Gaussian factorises over x1 and x2, so the grid's densities are two
    matrix products.
    Returns a float; 1.0 for noise 0 (the two half circles do not touch).
    """
    noise = check.real("moons_bayes_accuracy", "noise", noise, minimum=0.0)
    if noise == 0:
        return 1.0
    step = max(noise / 10, 0.01) if step is None else check.real("moons_bayes_accuracy", "step", step, positive=True)
    num_angles = (int(np.ceil(np.pi / step)) if num_angles is None
                  else check.integer("moons_bayes_accuracy", "num_angles", num_angles, minimum=1))
    t = (np.arange(num_angles) + 0.5) * np.pi / num_angles  # (T,)
    margin = 8 * noise
    g1 = np.arange(-1 - margin, 2 + margin + step, step)  # (G1,) x1 from the left tip to the right tip
    g2 = np.arange(-0.5 - margin, 1 + margin + step, step)  # (G2,) x2 from the lowest point to the highest

    def gauss(g, c):  # (G,) grid, (T,) centres -> (G, T) one-dimensional normal densities
        return np.exp(-((g[:, None] - c[None, :]) ** 2) / (2 * noise**2)) / np.sqrt(2 * np.pi * noise**2)

    grids = []
    for centres in _moons_centres(t):
        # p_k on the grid: (1/T) sum over t of N(x1; c1(t)) N(x2; c2(t)) = A @ B.T / T, shape (G1, G2)
        grids.append(gauss(g1, centres[:, 0]) @ gauss(g2, centres[:, 1]).T / num_angles)
    p0, p1 = grids
    return min(1.0, float(0.5 * np.maximum(p0, p1).sum() * step * step))  # a sum can pass 1 by rounding


def train_test_split(X, y, test_fraction, rng):
    """Shuffle and split into X_train, X_test, y_train, y_test, holding out test_fraction of the rows.

    X: (N, ...); y: labels (N,) or one-hot rows Y (N, K). The split is stratified: each class is split
    on its own (test_fraction of its rows, rounded), so both parts keep the class balance. Targets
    that are not class labels (fractional numbers) are split without stratification.
    """
    X = check.array("train_test_split", "X", X)
    y = check.array("train_test_split", "y", y, finite=True)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"train_test_split: y: X has {len(X) if X.ndim else 0} rows but y has "
                         f"{len(y) if y.ndim else 0} labels; expected one label per row")
    test_fraction = check.real("train_test_split", "test_fraction", test_fraction)
    if not 0 < test_fraction < 1:
        check.fail("train_test_split", "test_fraction", "a fraction between 0 and 1", repr(test_fraction))
    check.generator("train_test_split", "rng", rng)
    if y.ndim == 1 and np.all(y == np.round(y)):
        _, classes = np.unique(y, return_inverse=True)  # (N,) class index of every row
    elif y.ndim == 2:
        _, classes = np.unique(y, axis=0, return_inverse=True)  # one class per distinct row, e.g. one-hot
    else:
        classes = np.zeros(len(y), dtype=np.int64)  # regression targets: one group, no stratification
    classes = classes.reshape(-1)
    test, train = [], []
    for label in np.unique(classes):
        rows = rng.permutation(np.flatnonzero(classes == label))
        num_test = int(round(test_fraction * len(rows)))
        test.append(rows[:num_test])
        train.append(rows[num_test:])
    test, train = rng.permutation(np.concatenate(test)), rng.permutation(np.concatenate(train))
    if len(test) == 0 or len(train) == 0:
        check.fail("train_test_split", "test_fraction", f"a fraction that leaves rows on both sides of {len(y)}",
                   f"{test_fraction!r} ({len(train)} training and {len(test)} test rows)")
    return X[train], X[test], y[train], y[test]

def shift_images(X, rng, max_shift=1):
    """Each image moved by its own random whole-pixel shift, up to ``max_shift`` in each direction.

    X: (N, C, H, W) images -> a new (N, C, H, W) array of the same dtype: image n moved down by
    dy and right by dx (negative: up, left), dy and dx drawn uniformly from -max_shift..max_shift,
    with zeros filling the uncovered border (the digit's blank background). Data augmentation:
    ``fit(..., augment=shift_images)`` trains every epoch on freshly shifted copies of the batch.
    """
    X = check.array("shift_images", "X", X, shape=("N", "C", "H", "W"), what="images", floating=True)
    check.generator("shift_images", "rng", rng)
    s = check.integer("shift_images", "max_shift", max_shift, minimum=0)
    N, _, H, W = X.shape
    if s >= min(H, W):
        check.fail("shift_images", "max_shift", f"a shift smaller than the images ({H}x{W})", repr(max_shift))
    dy, dx = rng.integers(-s, s + 1, size=(2, N))
    padded = np.pad(X, ((0, 0), (0, 0), (s, s), (s, s)))
    out = np.empty_like(X)
    for ty in range(-s, s + 1):  # one copy per shift, for all the images that drew it
        for tx in range(-s, s + 1):
            which = np.flatnonzero((dy == ty) & (dx == tx))
            if which.size:  # moved down by ty: output row r shows input row r - ty
                out[which] = padded[which, :, s - ty:s - ty + H, s - tx:s - tx + W]
    return out


# MNIST lives in helpers.mnist (find or download, verify, parse); these names are re-exported for convenience.
from .mnist import ChecksumError, DownloadError, MNIST_FILES, MNIST_MIRRORS, load_mnist  # noqa: E402,F401
