"""Data sets of the course: logic gates (here), two moons and MNIST (added by their notebooks)."""

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
