"""Activation functions and their derivatives, gathered in tables.

Each activation ``g`` maps the pre-activation ``Z`` of a layer, shape ``(units, samples)``,
to its output ``A = g(Z)`` of the same shape, a new array or ``out`` when given
(``g(Z, out=A)``; training reuses its arrays from one batch to the next). They work on
the arrays of any namespace (``ann.arrays``).

Each derivative is written in terms of the *output* ``A`` (the store keeps it, so nothing
is recomputed in the backward pass) and multiplies the incoming gradient in place:
``delta *= g'(Z)``, turning ``dA`` into ``dZ``.

Adding an activation is one function in each table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import arrays

LEAKY_SLOPE = 0.01
"""Slope of leaky ReLU for negative inputs."""


def sigmoid(Z: Any, out: Any = None) -> Any:
    """Logistic function 1 / (1 + exp(-Z)); exact 0 or 1 where exp overflows."""
    A = arrays.negative(Z, out=out)
    with np.errstate(over="ignore"):
        A = arrays.exp(A, out=A)
    A += 1
    return arrays.reciprocal(A, out=A)


def relu(Z: Any, out: Any = None) -> Any:
    return arrays.maximum(Z, 0, out=out)


def leaky_relu(Z: Any, out: Any = None) -> Any:
    """max(Z, LEAKY_SLOPE * Z), which is Z where Z > 0 and LEAKY_SLOPE * Z elsewhere."""
    A = arrays.multiply(Z, LEAKY_SLOPE, out=out)
    return arrays.maximum(Z, A, out=A)


def tanh(Z: Any, out: Any = None) -> Any:
    return arrays.tanh(Z, out=out)


def identity(Z: Any, out: Any = None) -> Any:
    return arrays.positive(Z, out=out)  # a copy


def exp(Z: Any, out: Any = None) -> Any:
    """exp(Z), the Poisson regressor's output (a positive rate); inf where it overflows."""
    with np.errstate(over="ignore"):
        return arrays.exp(Z, out=out)


def softmax(Z: Any, out: Any = None) -> Any:
    """Column-wise softmax of ``Z`` (classes, samples), shifted by the column maximum."""
    A = arrays.subtract(Z, arrays.max_axis(Z, axis=0, keepdims=True), out=out)
    A = arrays.exp(A, out=A)
    A /= arrays.sum_axis(A, axis=0, keepdims=True)
    return A


ACTIVATIONS: dict[str, Callable[..., Any]] = {
    "sigmoid": sigmoid,
    "relu": relu,
    "tanh": tanh,
    "leaky_relu": leaky_relu,
    "identity": identity,
    "softmax": softmax,
    "exp": exp,
}


def inplace_sigmoid_derivative(A: Any, delta: Any) -> None:
    """sigmoid'(Z) = A (1 - A)."""
    delta *= A
    delta -= delta * A


def inplace_tanh_derivative(A: Any, delta: Any) -> None:
    """tanh'(Z) = 1 - A**2."""
    delta -= delta * A * A


def inplace_relu_derivative(A: Any, delta: Any) -> None:
    """relu'(Z) = 1 where Z > 0 (equivalently A > 0), else 0. (Multiplying by the mask
    is several times faster than assigning through it.)"""
    arrays.multiply_by_mask(delta, A > 0)


def inplace_leaky_relu_derivative(A: Any, delta: Any) -> None:
    """leaky_relu'(Z) = 1 where Z > 0 (equivalently A > 0), else LEAKY_SLOPE."""
    where = arrays.namespace(delta).where
    arrays.store(delta, where(A > 0, delta, LEAKY_SLOPE * delta))


def inplace_identity_derivative(A: Any, delta: Any) -> None:
    """identity'(Z) = 1: nothing to do."""


def inplace_exp_derivative(A: Any, delta: Any) -> None:
    """exp'(Z) = A."""
    delta *= A


def inplace_softmax_derivative(A: Any, delta: Any) -> None:
    """Softmax couples the units of a sample: dZ_i = A_i (dA_i - sum_j dA_j A_j)."""
    delta -= arrays.sum_axis(delta * A, axis=0, keepdims=True)
    delta *= A


DERIVATIVES: dict[str, Callable[[Any, Any], None]] = {
    "sigmoid": inplace_sigmoid_derivative,
    "relu": inplace_relu_derivative,
    "tanh": inplace_tanh_derivative,
    "leaky_relu": inplace_leaky_relu_derivative,
    "identity": inplace_identity_derivative,
    "exp": inplace_exp_derivative,
    "softmax": inplace_softmax_derivative,
}

HIDDEN_ACTIVATIONS = ("sigmoid", "relu", "tanh", "leaky_relu", "identity")
"""Names usable for hidden layers (softmax and exp are outputs only)."""
