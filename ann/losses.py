"""Losses, their gradients, and which output activation each one pairs with.

Every loss takes the output layer's logits ``ZL``, its activations ``AL = g(ZL)`` and the
targets ``T``, all of shape ``(units_L, n)``, and returns the ``n`` per-sample losses (summed
over the output units); the network averages them, weighted when samples carry weights.
Losses that involve a log are computed from the logits where that keeps them finite:
``log(sigmoid(z))`` and ``log(softmax(z))`` are never formed from a rounded ``AL`` that may
be exactly 0 or 1.

For the canonical pairs (each output with its default loss) the backward pass starts
from ``dZL = AL - T``. A loss that goes with other outputs too (squared error, for
Nielsen's and LeCun's sigmoid outputs) also has its gradient ``dAL = dJ/dAL``, which the
backward pass turns into ``dZL = dAL * g'(ZL)``.

Adding a loss is one function in ``LOSSES`` and a line in ``LOSS_OUTPUTS``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def binary_cross_entropy(ZL: np.ndarray, AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    """-(t log a + (1 - t) log(1 - a)) with a = sigmoid(z), written from the logits as
    log(1 + exp(z)) - t z. Targets may be any values in [0, 1]."""
    return np.sum(np.logaddexp(0, ZL) - T * ZL, axis=0)


def categorical_cross_entropy(ZL: np.ndarray, AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    """-sum_k t_k log softmax(z)_k, with a stable log-sum-exp."""
    shift = ZL.max(axis=0, keepdims=True)
    log_sum = np.log(np.exp(ZL - shift).sum(axis=0, keepdims=True)) + shift
    return -np.sum(T * (ZL - log_sum), axis=0)


def squared_error(ZL: np.ndarray, AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    """1/2 sum_k (a_k - t_k)**2 (Nielsen's quadratic cost; scikit-learn's for one output)."""
    return 0.5 * np.sum((AL - T) ** 2, axis=0)


def sklearn_squared_error(ZL: np.ndarray, AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    """scikit-learn's reported squared loss: 1/2 of the *mean* over the k outputs of
    (a - t)**2. Its gradient is that of ``squared_error`` all the same (scikit-learn steps
    along ``AL - T``), so with several outputs it reports a k times smaller loss than it
    follows; the scikit-learn estimators use it to report the same ``loss_curve_``."""
    return 0.5 * np.mean((AL - T) ** 2, axis=0)


def sklearn_binary_log_loss(ZL: np.ndarray, AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    """scikit-learn's log-loss of sigmoid outputs: from the probabilities clipped to
    [eps, 1 - eps], so a saturated output costs at most -log(eps) (about 36) where the
    exact ``binary_cross_entropy`` keeps growing. The gradient is the same, ``AL - T``."""
    eps = np.finfo(AL.dtype).eps
    P = np.clip(AL, eps, 1 - eps)
    return -np.sum(T * np.log(P) + (1 - T) * np.log(1 - P), axis=0)


def sklearn_log_loss(ZL: np.ndarray, AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    """scikit-learn's log-loss of softmax outputs, from clipped probabilities (see
    ``sklearn_binary_log_loss``)."""
    eps = np.finfo(AL.dtype).eps
    return -np.sum(T * np.log(np.clip(AL, eps, 1 - eps)), axis=0)


def poisson(ZL: np.ndarray, AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Poisson deviance per sample, sum_k t log(t / a) - t + a, with a = exp(z) > 0;
    t log(t / a) is 0 where t = 0."""
    log_ratio = np.log(np.where(T > 0, T, 1)) - ZL
    return np.sum(np.where(T > 0, T * log_ratio, 0) - T + AL, axis=0)


LOSSES: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "binary_cross_entropy": binary_cross_entropy,
    "categorical_cross_entropy": categorical_cross_entropy,
    "squared_error": squared_error,
    "sklearn_squared_error": sklearn_squared_error,
    "sklearn_binary_log_loss": sklearn_binary_log_loss,
    "sklearn_log_loss": sklearn_log_loss,
    "poisson": poisson,
}


def squared_error_gradient(AL: np.ndarray, T: np.ndarray) -> np.ndarray:
    return AL - T


LOSS_GRADIENTS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "squared_error": squared_error_gradient
}
"""``dAL = dJ/dAL`` of the losses that go with more than one output, shape
``(units_L, n)``; a loss computed from the logits of its own output needs none."""

DEFAULT_LOSS: dict[str, str] = {
    "sigmoid": "binary_cross_entropy",
    "softmax": "categorical_cross_entropy",
    "identity": "squared_error",
    "exp": "poisson",
}
"""The loss each output activation takes by default (``loss="auto"``)."""

OUTPUT_ACTIVATIONS = tuple(DEFAULT_LOSS)


LOSS_OUTPUTS: dict[str, tuple[str, ...]] = {
    "binary_cross_entropy": ("sigmoid",),
    "categorical_cross_entropy": ("softmax",),
    "squared_error": OUTPUT_ACTIVATIONS,
    "sklearn_squared_error": ("identity",),
    "sklearn_binary_log_loss": ("sigmoid",),
    "sklearn_log_loss": ("softmax",),
    "poisson": ("exp",),
}
"""The outputs each loss goes with."""

CANONICAL_PAIRS = frozenset(DEFAULT_LOSS.items()) | {
    ("identity", "sklearn_squared_error"),
    ("sigmoid", "sklearn_binary_log_loss"),
    ("softmax", "sklearn_log_loss"),
}
"""(output activation, loss) pairs for which ``dZL = AL - T`` exactly."""


def output_and_loss(output: str, loss: str, units: int) -> tuple[str, str]:
    """The output activation and loss that the settings ``output`` and ``loss`` give for
    an output layer of ``units`` units, checked to go together: ``auto`` is sigmoid for
    one unit and softmax for more, and each output's default loss is its canonical
    one."""
    if output == "auto":
        output = "sigmoid" if units == 1 else "softmax"
    if output not in DEFAULT_LOSS:
        raise ValueError(f"output={output!r} is unknown; choose one of {sorted(DEFAULT_LOSS)}")
    loss = DEFAULT_LOSS[output] if loss == "auto" else loss
    if loss not in LOSS_OUTPUTS:
        raise ValueError(f"loss={loss!r} is unknown; choose one of {sorted(LOSS_OUTPUTS)}")
    if output not in LOSS_OUTPUTS[loss]:
        raise ValueError(
            f"loss={loss!r} does not go with the {output} output; it goes "
            f"with {list(LOSS_OUTPUTS[loss])}"
        )
    return output, loss
