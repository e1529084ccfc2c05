"""Weight initializations, gathered in a table.

Each takes the random stream ``rng`` (a ``numpy.random.RandomState``), the layer's
``(fan_out, fan_in)`` = ``(units_l, units_{l-1})`` and the activation the initialization is
tuned for, and returns ``(W_l, b_l)`` in float64, of shapes ``(fan_out, fan_in)`` and
``(fan_out, 1)``. The network draws layer after layer from one stream.
"""

import numpy as np


def _zero_bias(fan_out):
    return np.zeros((fan_out, 1))


def article(rng, fan_out, fan_in, activation):
    """The tutorial's choice: standard normal scaled by 1 / sqrt(fan_in); zero biases."""
    return rng.randn(fan_out, fan_in) / np.sqrt(fan_in), _zero_bias(fan_out)


def he(rng, fan_out, fan_in, activation):
    """He et al. (2015), for ReLU-like layers: normal with variance 2 / fan_in."""
    return rng.randn(fan_out, fan_in) * np.sqrt(2.0 / fan_in), _zero_bias(fan_out)


def glorot(rng, fan_out, fan_in, activation):
    """Glorot and Bengio (2010): uniform in +-sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in)), _zero_bias(fan_out)


def nielsen(rng, fan_out, fan_in, activation):
    """Nielsen's ``network.py`` (ch. 1): weights and biases standard normal."""
    return rng.randn(fan_out, fan_in), rng.randn(fan_out, 1)


def nielsen_scaled(rng, fan_out, fan_in, activation):
    """Nielsen's ``network2.py`` (ch. 3): weights normal with variance 1 / fan_in, biases
    standard normal."""
    return rng.randn(fan_out, fan_in) / np.sqrt(fan_in), rng.randn(fan_out, 1)


def sklearn(rng, fan_out, fan_in, activation):
    """scikit-learn's MLP: weights, then biases, uniform in +-sqrt(factor / (fan_in +
    fan_out)), factor 2 for a logistic network and 6 otherwise; the weights are drawn in its
    ``(fan_in, fan_out)`` layout, so the stream matches scikit-learn's draw for draw."""
    factor = 2.0 if activation == "sigmoid" else 6.0
    limit = np.sqrt(factor / (fan_in + fan_out))
    W = rng.uniform(-limit, limit, (fan_in, fan_out)).T
    b = rng.uniform(-limit, limit, fan_out)[:, None]
    return W, b


INITIALIZERS = {
    "article": article,
    "he": he,
    "glorot": glorot,
    "nielsen": nielsen,
    "nielsen_scaled": nielsen_scaled,
    "sklearn": sklearn,
}
