"""Weight initializations, gathered in a table.

Each takes the random stream ``rng`` (a ``numpy.random.RandomState``) and the layer's
``(fan_out, fan_in)`` = ``(units_l, units_{l-1})``, and returns ``W_l`` of that shape in
float64. Biases always start at zero.
"""
import numpy as np


def article(rng, fan_out, fan_in):
    """The tutorial's choice: standard normal scaled by 1 / sqrt(fan_in)."""
    return rng.randn(fan_out, fan_in) / np.sqrt(fan_in)


def he(rng, fan_out, fan_in):
    """He et al. (2015), for ReLU-like layers: normal with variance 2 / fan_in."""
    return rng.randn(fan_out, fan_in) * np.sqrt(2.0 / fan_in)


def glorot(rng, fan_out, fan_in):
    """Glorot and Bengio (2010): uniform in +-sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in))


INITIALIZERS = {"article": article, "he": he, "glorot": glorot}
