"""Data sets of the course: logic gates and two moons (MNIST: helpers.mnist, re-exported here)."""

import numpy as np

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
    key = str(name).upper()
    if key == "NOT":
        return np.array([[0.0], [1.0]]), np.array([1, 0])
    if key not in GATES:
        raise ValueError(f"unknown gate {name!r}; expected one of {sorted(GATES) + ['NOT']}")
    return GATE_INPUTS.copy(), np.array(GATES[key])


def logic_gates(names=("AND", "OR", "XOR", "NAND", "NOR")):
    """Several gates at once: X (4, 2) and Y (4, len(names)), one column of targets per gate."""
    X = GATE_INPUTS.copy()
    Y = np.stack([logic_gate(n)[1] for n in names], axis=1).astype(np.float64)
    return X, Y


def make_moons(n, noise, rng):
    """Two interleaving half circles in the plane, a classic set no straight line can separate.

    n: number of points (n // 2 per class, the extra one of an odd n in class 0); noise: the spread
    of the Gaussian noise added to every coordinate; rng: np.random.Generator.
    Returns X (n, 2) and y (n,) with labels 0 (the upper moon) and 1 (the lower moon), shuffled.
    """
    if int(n) != n or n < 2:
        raise ValueError(f"make_moons: n must be a whole number >= 2, got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"make_moons: noise must be >= 0, got {noise!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"make_moons: pass rng=np.random.default_rng(seed), got {type(rng).__name__}")
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


def train_test_split(X, y, test_fraction, rng):
    """Shuffle and split into X_train, X_test, y_train, y_test, holding out test_fraction of the rows.

    The split is stratified: each class is split on its own, so both parts keep the class balance.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"train_test_split: X has {len(X)} rows but y has {len(y)} labels")
    if not 0 < test_fraction < 1:
        raise ValueError(f"train_test_split: test_fraction must be between 0 and 1, got {test_fraction!r}")
    test, train = [], []
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        num_test = int(round(test_fraction * len(rows)))
        test.append(rows[:num_test])
        train.append(rows[num_test:])
    test, train = rng.permutation(np.concatenate(test)), rng.permutation(np.concatenate(train))
    return X[train], X[test], y[train], y[test]

# MNIST lives in helpers.mnist (find or download, verify, parse); these names are re-exported for convenience.
from .mnist import ChecksumError, DownloadError, MNIST_FILES, MNIST_MIRRORS, load_mnist  # noqa: E402,F401
