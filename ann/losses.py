"""Output layers and their losses.

Each output activation goes with the loss that makes its gradient simple (the canonical
pairing): for all three,

    dJ/dZL = (AL - T) / n,

with ``ZL``, ``AL`` and the targets ``T`` of shape ``(units_L, n)``. Each loss is computed
from the logits ``ZL`` where that is what keeps it finite: ``log(sigmoid(z))`` and
``log(softmax(z))`` are never formed from a rounded ``AL`` that may be exactly 0 or 1.
"""
import numpy as np


def binary_cross_entropy(ZL, AL, T):
    """Mean over samples of -(t log a + (1 - t) log(1 - a)), a = sigmoid(z).

    From the logits: -(t log a + (1-t) log(1-a)) = log(1 + exp(z)) - t z.
    """
    return float(np.sum(np.logaddexp(0, ZL) - T * ZL) / ZL.shape[1])


def categorical_cross_entropy(ZL, AL, T):
    """Mean over samples of -sum_k t_k log softmax(z)_k, with a stable log-sum-exp."""
    shift = ZL.max(axis=0, keepdims=True)
    log_sum = np.log(np.exp(ZL - shift).sum(axis=0, keepdims=True)) + shift
    return float(-np.sum(T * (ZL - log_sum)) / ZL.shape[1])


def squared_error(ZL, AL, T):
    """Mean over samples of 1/2 sum_k (a_k - t_k)**2 (scikit-learn's squared loss)."""
    return float(np.sum((AL - T) ** 2) / (2 * ZL.shape[1]))


LOSSES = {
    "sigmoid": binary_cross_entropy,
    "softmax": categorical_cross_entropy,
    "identity": squared_error,
}
"""Loss paired with each output activation."""

OUTPUT_ACTIVATIONS = tuple(LOSSES)
