"""Weight initializations, gathered in a table.

Each takes the random stream ``rng`` (a ``numpy.random.RandomState``), the layer's
``(fan_out, fan_in)`` = ``(units_l, units_{l-1})`` and the activation the initialization is
tuned for, and returns ``(W_l, b_l)`` in float64, of shapes ``(fan_out, fan_in)`` and
``(fan_out, 1)``. The network draws layer after layer from one stream.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[np.random.RandomState, int, int, str], tuple[np.ndarray, np.ndarray]]
"""``(rng, fan_out, fan_in, activation) -> (W, b)``."""


def _zero_bias(fan_out: int) -> np.ndarray:
    return np.zeros((fan_out, 1))


def article(
    rng: np.random.RandomState, fan_out: int, fan_in: int, activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's choice: standard normal scaled by 1 / sqrt(fan_in); zero biases."""
    return rng.randn(fan_out, fan_in) / np.sqrt(fan_in), _zero_bias(fan_out)


def he(
    rng: np.random.RandomState, fan_out: int, fan_in: int, activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """He et al. (2015), for ReLU-like layers: normal with variance 2 / fan_in."""
    return rng.randn(fan_out, fan_in) * np.sqrt(2.0 / fan_in), _zero_bias(fan_out)


def glorot(
    rng: np.random.RandomState, fan_out: int, fan_in: int, activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """Glorot and Bengio (2010): uniform in +-sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in)), _zero_bias(fan_out)


def nielsen(
    rng: np.random.RandomState, fan_out: int, fan_in: int, activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """Nielsen's ``network.py`` (ch. 1): weights and biases standard normal."""
    return rng.randn(fan_out, fan_in), rng.randn(fan_out, 1)


def nielsen_scaled(
    rng: np.random.RandomState, fan_out: int, fan_in: int, activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """Nielsen's ``network2.py`` (ch. 3): weights normal with variance 1 / fan_in, biases
    standard normal."""
    return rng.randn(fan_out, fan_in) / np.sqrt(fan_in), rng.randn(fan_out, 1)


def sklearn(
    rng: np.random.RandomState, fan_out: int, fan_in: int, activation: str
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's MLP: weights, then biases, uniform in +-sqrt(factor / (fan_in +
    fan_out)), factor 2 for a logistic network and 6 otherwise; the weights are drawn in its
    ``(fan_in, fan_out)`` layout, so the stream matches scikit-learn's draw for draw."""
    factor = 2.0 if activation == "sigmoid" else 6.0
    limit = np.sqrt(factor / (fan_in + fan_out))
    W = rng.uniform(-limit, limit, (fan_in, fan_out)).T
    b = rng.uniform(-limit, limit, fan_out)[:, None]
    return W, b


INITIALIZERS: dict[str, Initializer] = {
    "article": article,
    "he": he,
    "glorot": glorot,
    "nielsen": nielsen,
    "nielsen_scaled": nielsen_scaled,
    "sklearn": sklearn,
}
