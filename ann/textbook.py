"""The article's N-layer network in one page of plain NumPy: the reference to read first.

Nothing else in ``ann`` imports this module, and it imports nothing from ``ann``: it is
the algorithm itself, written the way the tutorial derives it, for a binary classifier
(a sigmoid output unit trained on binary cross-entropy by full-batch gradient descent).
``X`` is ``(n_samples, n_features)`` and ``Y`` the targets ``(1, n_samples)`` of 0 and 1.
Every activation is ``(units, samples)``; for layer ``l = 1 .. L``::

    A0 = X.T
    Zl = Wl A(l-1) + bl                 Wl: (units_l, units_(l-1)),  bl: (units_l, 1)
    Al = g(Zl)                          g: the hidden activation; sigmoid for l = L
    J  = -1/n sum(Y log AL + (1 - Y) log(1 - AL))

    dZL = AL - Y                        (dAL * sigmoid'(ZL), simplified)
    dWl = dZl A(l-1).T / n              dbl = sum(dZl, axis=1) / n
    dA(l-1) = Wl.T dZl                  dZ(l-1) = dA(l-1) * g'(Z(l-1))
    Wl := Wl - learning_rate dWl        bl := bl - learning_rate dbl

``ANN(layers_size, activation=..., learning_rate=..., n_iterations=...)`` with its other
settings left at their defaults (``tests/test_textbook.py`` checks it) computes the same
costs and parameters, to rounding; ``ann.core`` is the fast version, and differs in how,
not in what:

- the cost is computed from the logits, ``log(1 + exp(ZL)) - Y ZL``, which stays finite
  where a saturated ``AL`` rounds to exactly 0 or 1 and ``log(AL)`` would not;
- ``dZL`` is scaled by ``1 / n`` once, and the scale rides down every layer, instead of
  dividing every ``dWl`` and ``dbl`` by ``n``;
- a batch of more than ``core.CHUNK`` samples goes through in blocks whose gradients add
  up, so the memory of a pass is bounded;
- every ``Zl``, ``Al`` and ``dZl`` is written into buffers reused from batch to batch, and
  each ``g'`` multiplies ``dA`` in place, from the stored ``Al``;
- the parameters are views of one flat array, which an optimizer updates in one pass;
- and there is more of it: mini-batches, other optimizers, outputs and losses, sample
  weights, L2, dropout, other array libraries and devices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

LEAKY_SLOPE = 0.01
"""The slope of leaky ReLU for negative inputs."""


def sigmoid(Z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-Z))


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid,
    "relu": lambda Z: np.maximum(Z, 0),
    "tanh": np.tanh,
    "leaky_relu": lambda Z: np.where(Z > 0, Z, LEAKY_SLOPE * Z),
    "identity": lambda Z: Z,
}
"""``g(Z)`` for each hidden activation, elementwise."""

DERIVATIVES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "sigmoid": lambda Z, A: A * (1 - A),
    "relu": lambda Z, A: (Z > 0).astype(Z.dtype),
    "tanh": lambda Z, A: 1 - A**2,
    "leaky_relu": lambda Z, A: np.where(Z > 0, 1.0, LEAKY_SLOPE),
    "identity": lambda Z, A: np.ones_like(Z),
}
"""``g'(Z)`` for each hidden activation, from ``Z`` and ``A = g(Z)``."""

Parameters = dict[str, np.ndarray]
"""``{"W1": W1, "b1": b1, ..., "WL": WL, "bL": bL}``."""


def initialize(sizes: Sequence[int], seed: int = 1) -> Parameters:
    """The parameters of the layer sizes ``(n_features, units_1, ..., units_L)``: the
    article's ``Wl = randn(units_l, units_(l-1)) / sqrt(units_(l-1))`` drawn layer after
    layer from one ``RandomState(seed)``, and ``bl = 0``."""
    rng = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(sizes)):
        parameters[f"W{l}"] = rng.randn(sizes[l], sizes[l - 1]) / np.sqrt(sizes[l - 1])
        parameters[f"b{l}"] = np.zeros((sizes[l], 1))
    return parameters


def forward(
    X: np.ndarray, parameters: Parameters, activation: str = "sigmoid"
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The forward pass of ``X`` (n, n_features): returns ``AL`` (1, n) and the store of
    ``A0`` and every ``Zl`` and ``Al``, which the backward pass reads."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation={activation!r} is unknown; choose one of {list(ACTIVATIONS)}")
    L = len(parameters) // 2
    store = {"A0": X.T}
    for l in range(1, L + 1):
        Z = parameters[f"W{l}"] @ store[f"A{l - 1}"] + parameters[f"b{l}"]
        store[f"Z{l}"] = Z
        store[f"A{l}"] = sigmoid(Z) if l == L else ACTIVATIONS[activation](Z)
    return store[f"A{L}"], store


def cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """The binary cross-entropy of the outputs ``AL`` for the targets ``Y``, both (1, n),
    averaged over the samples."""
    n = Y.shape[1]
    return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / n)


def backward(
    parameters: Parameters, store: dict[str, np.ndarray], Y: np.ndarray, activation: str
) -> Parameters:
    """The gradients ``dW1, db1, ..., dWL, dbL`` of the cost, from the store of
    ``forward`` and the targets ``Y`` (1, n), layer after layer from the output."""
    n, L = Y.shape[1], len(parameters) // 2
    grads = {}
    dZ = store[f"A{L}"] - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = dZ @ store[f"A{l - 1}"].T / n
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / n
        if l > 1:
            dA = parameters[f"W{l}"].T @ dZ
            dZ = dA * DERIVATIVES[activation](store[f"Z{l - 1}"], store[f"A{l - 1}"])
    return grads


def update(parameters: Parameters, grads: Parameters, learning_rate: float) -> Parameters:
    """One step of gradient descent: every ``Wl`` and ``bl`` moved against its gradient."""
    return {name: value - learning_rate * grads[f"d{name}"] for name, value in parameters.items()}


def fit(
    X: np.ndarray,
    Y: np.ndarray,
    layers_size: Sequence[int],
    activation: str = "sigmoid",
    learning_rate: float = 0.1,
    n_iterations: int = 1000,
    seed: int = 1,
) -> tuple[Parameters, list[float]]:
    """Train a network of ``layers_size`` (hidden and output units, the output last: the
    article's ``[196, 1]``) on ``X`` (n, n_features) and ``Y`` (1, n). Returns the
    parameters and the cost of every iteration, computed before its update."""
    parameters = initialize([X.shape[1], *layers_size], seed)
    costs = []
    for _ in range(n_iterations):
        AL, store = forward(X, parameters, activation)
        costs.append(cost(AL, Y))
        grads = backward(parameters, store, Y, activation)
        parameters = update(parameters, grads, learning_rate)
    return parameters, costs
