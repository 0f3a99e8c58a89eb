"""Neural Networks from Scratch: the NumPy helpers shared by the course notebooks.

Import what you need from the submodules, e.g. ``from helpers.activations import sigmoid``.
The package imports only NumPy and matplotlib (ipywidgets only in ``helpers.widgets``).
"""

__version__ = "0.1.0"
# The marker the notebooks' setup cell checks, so a different package named `helpers` is told apart.
__course__ = "nn-from-scratch"
