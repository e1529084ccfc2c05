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
from typing import Any

from . import arrays


def binary_cross_entropy(ZL: Any, AL: Any, T: Any) -> Any:
    """-(t log a + (1 - t) log(1 - a)) with a = sigmoid(z), written from the logits as
    log(1 + exp(z)) - t z. Targets may be any values in [0, 1]."""
    xp = arrays.namespace(ZL)
    return arrays.sum_axis(xp.logaddexp(0.0, ZL) - T * ZL, axis=0)


def categorical_cross_entropy(ZL: Any, AL: Any, T: Any) -> Any:
    """-sum_k t_k log softmax(z)_k, with a stable log-sum-exp."""
    xp = arrays.namespace(ZL)
    shift = arrays.max_axis(ZL, axis=0, keepdims=True)
    log_sum = xp.log(arrays.sum_axis(xp.exp(ZL - shift), axis=0, keepdims=True)) + shift
    return -arrays.sum_axis(T * (ZL - log_sum), axis=0)


def squared_error(ZL: Any, AL: Any, T: Any) -> Any:
    """1/2 sum_k (a_k - t_k)**2 (Nielsen's quadratic cost; scikit-learn's for one output)."""
    return 0.5 * arrays.sum_axis((AL - T) ** 2, axis=0)


def sklearn_squared_error(ZL: Any, AL: Any, T: Any) -> Any:
    """scikit-learn's reported squared loss: 1/2 of the *mean* over the k outputs of
    (a - t)**2. Its gradient is that of ``squared_error`` all the same (scikit-learn steps
    along ``AL - T``), so with several outputs it reports a k times smaller loss than it
    follows; the scikit-learn estimators use it to report the same ``loss_curve_``."""
    return 0.5 * arrays.namespace(AL).mean((AL - T) ** 2, axis=0)


def sklearn_binary_log_loss(ZL: Any, AL: Any, T: Any) -> Any:
    """scikit-learn's log-loss of sigmoid outputs: from the probabilities clipped to
    [eps, 1 - eps], so a saturated output costs at most -log(eps) (about 36) where the
    exact ``binary_cross_entropy`` keeps growing. The gradient is the same, ``AL - T``."""
    xp = arrays.namespace(AL)
    eps = float(xp.finfo(AL.dtype).eps)
    P = xp.clip(AL, eps, 1 - eps)
    return -arrays.sum_axis(T * xp.log(P) + (1 - T) * xp.log(1 - P), axis=0)


def sklearn_log_loss(ZL: Any, AL: Any, T: Any) -> Any:
    """scikit-learn's log-loss of softmax outputs, from clipped probabilities (see
    ``sklearn_binary_log_loss``)."""
    xp = arrays.namespace(AL)
    eps = float(xp.finfo(AL.dtype).eps)
    return -arrays.sum_axis(T * xp.log(xp.clip(AL, eps, 1 - eps)), axis=0)


def poisson(ZL: Any, AL: Any, T: Any) -> Any:
    """Poisson deviance per sample, sum_k t log(t / a) - t + a, with a = exp(z) > 0;
    t log(t / a) is 0 where t = 0."""
    xp = arrays.namespace(ZL)
    log_ratio = xp.log(xp.where(T > 0, T, 1.0)) - ZL
    return arrays.sum_axis(xp.where(T > 0, T * log_ratio, 0.0) - T + AL, axis=0)


LOSSES: dict[str, Callable[[Any, Any, Any], Any]] = {
    "binary_cross_entropy": binary_cross_entropy,
    "categorical_cross_entropy": categorical_cross_entropy,
    "squared_error": squared_error,
    "sklearn_squared_error": sklearn_squared_error,
    "sklearn_binary_log_loss": sklearn_binary_log_loss,
    "sklearn_log_loss": sklearn_log_loss,
    "poisson": poisson,
}


def squared_error_gradient(AL: Any, T: Any) -> Any:
    return AL - T


LOSS_GRADIENTS: dict[str, Callable[[Any, Any], Any]] = {"squared_error": squared_error_gradient}
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
