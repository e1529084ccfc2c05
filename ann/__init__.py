"""ann: neural-network backpropagation from scratch with NumPy.

``ANN`` is the vectorized N-layer network; ``ann.tree`` the tree-of-operations engine;
``ann.data`` reads MNIST; ``MLPClassifier`` and ``MLPRegressor`` are scikit-learn's
estimators on ann's engine (they need scikit-learn: ``pip install "scikit-learn>=1.7"``).
"""

from .network import ANN, DivergenceError, DivergenceWarning, NotFittedError

__all__ = [
    "ANN",
    "DivergenceError",
    "DivergenceWarning",
    "MLPClassifier",
    "MLPRegressor",
    "NotFittedError",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> type:
    """``MLPClassifier`` and ``MLPRegressor``, imported on first use so that ``import ann``
    works without scikit-learn."""
    if name not in ("MLPClassifier", "MLPRegressor"):
        raise AttributeError(f"module 'ann' has no attribute {name!r}")
    try:
        from . import estimators
    except ImportError as error:
        # The sklearn extra's requirement, by name: "ann" on the public package index
        # is another project, so pip install "ann[sklearn]" would not install this one.
        raise ImportError(
            f"ann.{name} needs scikit-learn ({error}); install it with: "
            'pip install "scikit-learn>=1.7" (or, from a checkout of ann, the extra '
            'that brings it: pip install -e ".[sklearn]")'
        ) from error
    return getattr(estimators, name)
