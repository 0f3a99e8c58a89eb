import numpy as np
import pytest

import matplotlib

matplotlib.use("Agg")  # unit tests draw off-screen


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
