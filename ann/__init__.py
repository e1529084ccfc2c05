"""ann: neural-network backpropagation from scratch with NumPy.

``ANN`` is the vectorized N-layer network; ``ann.tree`` the tree-of-operations engine;
``ann.data`` reads MNIST.
"""
from .network import ANN, DivergenceError, NotFittedError

__all__ = ["ANN", "DivergenceError", "NotFittedError"]
__version__ = "0.1.0"
