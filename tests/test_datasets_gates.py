import numpy as np
import pytest

from helpers.datasets import logic_gate, logic_gates


def test_truth_tables():
    X, y = logic_gate("xor")
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert logic_gate("NAND")[1].tolist() == [1, 1, 1, 0]
    Xn, yn = logic_gate("NOT")
    assert Xn.shape == (2, 1) and yn.tolist() == [1, 0]


def test_five_gates_at_once():
    X, Y = logic_gates()
    assert X.shape == (4, 2) and Y.shape == (4, 5)
    np.testing.assert_array_equal(Y[:, 2], [0, 1, 1, 0])  # XOR is the third column


def test_unknown_gate():
    with pytest.raises(ValueError, match="unknown gate 'XAND'; expected one of"):
        logic_gate("XAND")
