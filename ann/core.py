"""The numerical core: forward and backward passes of a fully connected network, in the
article's notation, as plain functions on arrays.

``X`` is ``(n_samples, n_features)``; inside, ``A0 = X.T`` and every activation is
``(units, samples)``. For layer ``l = 1 .. L``::

    Zl = Wl @ A(l-1) + bl            Wl: (units_l, units_{l-1}),  bl: (units_l, 1)
    Al = g(Zl)                       g: the layer's activation; the output's is
                                     sigmoid, softmax, identity or exp

and backward, from the output's ``dZL``: ``AL - T`` for the canonical output/loss pairs
(``T`` the targets, ``(units_L, n)``), ``dAL * g'(ZL)`` for the others::

    dWl = dZl @ A(l-1).T / n         dbl = dZl.sum(axis=1, keepdims=True) / n
    dA(l-1) = Wl.T @ dZl             dZ(l-1) = dA(l-1) * g'(Z(l-1))

The first layer needs no ``dA0``. With dropout, ``Al`` is multiplied by a mask of zeros and
``1 / (1 - p)`` after ``g`` and ``dAl`` by the same mask. With sample weights ``w``, ``n``
becomes ``sum(w)`` and each column of ``dZL`` is multiplied by its weight. The cost is
the mean loss, plus ``l2 / (2 n) * sum(Wl**2)`` with weight decay, whose gradient adds
``l2 / n * Wl`` to each ``dWl``.

The network's structure is an ``Architecture``; its parameters a ``ParameterViews``
(``ann.parameters``). A batch larger than ``CHUNK`` samples goes through in blocks, whose
gradients add up to the batch's. The arrays a pass writes into (a ``Workspace``) are
made by the caller and reused from batch to batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import arrays
from .activations import ACTIVATIONS, DERIVATIVES, HIDDEN_ACTIVATIONS
from .losses import CANONICAL_PAIRS, LOSS_GRADIENTS, LOSS_OUTPUTS, LOSSES
from .parameters import ParameterViews, parameter_shapes, views

CHUNK = 8192
"""Samples per block when a batch is split: the gradient of a mean cost is the sum of
the blocks' gradients. A block bounds the memory of a pass (each layer's ``Z``, ``A`` and
``dZ`` for ``CHUNK`` samples, reused from block to block); larger blocks make fewer, more
efficient matrix products (8192 took 0.89x to 0.97x the time of 2048 for a full-batch
pass of 784-196-1, 784-100-10 and 784-800-10 networks)."""

DTYPES = {"float64": np.float64, "float32": np.float32}

Store = dict[str, Any]
"""What a forward pass keeps for the backward pass: ``A0``, and each layer's ``Zl`` and
``Al`` (with dropout also ``Hl``, the layer's output before its mask, and ``Ml``)."""

CountCorrect = Callable[[Any, Any], int]
"""``count(AL, T)``: how many samples of a block the network gets right."""


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite cost."""


class DivergenceWarning(RuntimeWarning):
    """Training ended with a much higher cost than it started with: the learning rate is
    probably too large."""


@dataclass(frozen=True)
class Architecture:
    """What a network's parameters depend on.

    ``sizes`` is ``(n_features, units_1, ..., units_L)``; ``hidden`` names the activation
    of each hidden layer (``L - 1`` names); ``output`` is the output layer's activation
    and ``loss`` the loss it is trained on; ``dtype`` is ``float64`` or ``float32``;
    ``input_divisor`` (None: 1) divides every input as it enters (255 for pixels).
    """

    sizes: tuple[int, ...]
    hidden: tuple[str, ...]
    output: str
    loss: str
    dtype: str = "float64"
    input_divisor: float | None = None

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or not all(int(s) == s and s >= 1 for s in self.sizes):
            raise ValueError(f"sizes must be at least two positive integers, got {self.sizes}")
        if len(self.hidden) != len(self.sizes) - 2:
            raise ValueError(
                f"hidden names {len(self.hidden)} activations for "
                f"{len(self.sizes) - 2} hidden layers"
            )
        for name in self.hidden:
            if name not in HIDDEN_ACTIVATIONS:
                raise ValueError(
                    f"unknown hidden activation {name!r}; choose one of {HIDDEN_ACTIVATIONS}"
                )
        if self.loss not in LOSS_OUTPUTS or self.output not in LOSS_OUTPUTS[self.loss]:
            raise ValueError(f"loss {self.loss!r} does not go with the {self.output!r} output")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {list(DTYPES)}, got {self.dtype!r}")
        divisor = self.input_divisor
        if divisor is not None and not (math.isfinite(divisor) and divisor > 0):
            raise ValueError(f"input_divisor must be a finite number > 0, got {divisor}")

    @property
    def n_layers(self) -> int:
        """L, the number of layers with parameters (hidden and output)."""
        return len(self.sizes) - 1

    def activation(self, l: int) -> str:
        """The activation of layer ``l`` (1-based)."""
        return self.hidden[l - 1] if l < self.n_layers else self.output

    def shapes(self, prefix: str = "") -> dict[str, tuple[int, int]]:
        """``{name: shape}`` of every parameter (``prefix="d"``: every gradient)."""
        return parameter_shapes(self.sizes, prefix)

    @property
    def n_parameters(self) -> int:
        return sum(math.prod(shape) for shape in self.shapes().values())


class Scratch:
    """Arrays reused from one batch (or block) to the next, so that training allocates
    nothing per batch: fresh arrays of a megabyte or more cost page faults every time.

    ``scratch("Z1", (100, 200))`` is a C-contiguous ``(100, 200)`` view of the buffer
    kept under ``"Z1"``, which grows when a larger shape is asked for. A name's array
    is overwritten by the next call with the same name.
    """

    def __init__(self, dtype: npt.DTypeLike) -> None:
        self.dtype = np.dtype(dtype)
        self.buffers: dict[str, np.ndarray] = {}

    def __call__(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        size = math.prod(shape)
        buffer = self.buffers.get(name)
        if buffer is None or buffer.size < size:
            buffer = self.buffers[name] = np.empty(size, self.dtype)
        return buffer[:size].reshape(shape)


class Workspace:
    """The arrays that ``gradients`` writes into, made once and reused for every batch:
    ``grads`` (``dW1, db1, ...``, views of ``grads.flat``) holds a batch's gradients,
    ``block`` one block's share, and for NumPy ``scratch`` each layer's ``Zl``, ``Al`` and
    ``dZl`` (other namespaces pool their memory themselves: None). The arrays are of the
    namespace and on the device of ``like`` (default: NumPy)."""

    def __init__(self, architecture: Architecture, like: Any = None) -> None:
        shapes = architecture.shapes("d")
        size = architecture.n_parameters
        dtype = DTYPES[architecture.dtype]
        numpy = like is None or arrays.is_numpy(like)
        make = np.empty if numpy else (lambda n, t: arrays.like(np.empty(n, t), like))
        self.grads = views(make(size, dtype), shapes)
        self.block = views(make(size, dtype), shapes)
        self.scratch = Scratch(dtype) if numpy else None


def forward(
    architecture: Architecture,
    parameters: Mapping[str, Any],
    A0: Any,
    masks: Mapping[int, Any] | None = None,
    scratch: Scratch | None = None,
) -> tuple[Any, Store]:
    """Forward pass from ``A0`` (n_features, n); returns ``(AL, store)``.

    ``masks`` (training with dropout) maps a layer number (0 for the input) to its mask,
    ``(units, n)``; ``store`` then also keeps ``Ml``, the mask, and ``Hl``, the layer's
    output before the mask. With a ``Scratch``, each ``Zl`` and ``Al`` is written into
    its arrays instead of new ones.
    """
    masks = masks or {}
    if 0 in masks:
        A0 = A0.multiply(masks[0]) if arrays.is_sparse(A0) else A0 * masks[0]
    store: Store = {"A0": A0}
    A = A0
    for l in range(1, architecture.n_layers + 1):
        W = parameters[f"W{l}"]
        shape = (W.shape[0], A0.shape[1])
        Z = arrays.matmul(W, A, out=None if scratch is None else scratch(f"Z{l}", shape))
        Z += parameters[f"b{l}"]
        A = ACTIVATIONS[architecture.activation(l)](
            Z, out=None if scratch is None else scratch(f"A{l}", shape)
        )
        if l in masks:
            store[f"H{l}"], store[f"M{l}"] = A, masks[l]
            A = A * masks[l]
        store[f"Z{l}"], store[f"A{l}"] = Z, A
    return A, store


def check_store(architecture: Architecture, store: Any, T: Any) -> None:
    """``store`` must be what ``forward`` returned for targets ``T`` (units_L, n): a dict
    with every layer's ``Zl`` and ``Al``, the output ``AL`` of ``T``'s shape."""
    L = architecture.n_layers
    if not isinstance(store, dict) or any(
        f"{k}{l}" not in store for l in range(1, L + 1) for k in "ZA"
    ):
        raise ValueError("store must be the dict returned by forward(X)")
    if store[f"A{L}"].shape != T.shape:
        raise ValueError(
            f"store holds outputs of shape {store[f'A{L}'].shape} but Y gives "
            f"targets of shape {T.shape}"
        )


def output_delta(architecture: Architecture, store: Store, T: Any, out: Any = None) -> Any:
    """``dZL``, shape ``(units_L, n)``: ``AL - T`` for a canonical output/loss pair (into
    ``out`` when given), else ``dJ/dAL * g'(ZL)``."""
    AL = store[f"A{architecture.n_layers}"]
    if (architecture.output, architecture.loss) in CANONICAL_PAIRS:
        return arrays.subtract(AL, T, out=out)
    dAL = LOSS_GRADIENTS[architecture.loss](AL, T)
    DERIVATIVES[architecture.output](AL, dAL)
    return dAL


def backward(
    architecture: Architecture,
    parameters: Mapping[str, Any],
    store: Store,
    T: Any,
    n: float,
    weights: Any = None,
    out: Mapping[str, Any] | None = None,
    scratch: Scratch | None = None,
) -> dict[str, Any]:
    """Gradients ``dW1, db1, ..., dWL, dbL`` of the mean loss over ``n`` samples (the sum
    of their weights when they are weighted), of which ``store`` (from ``forward``) and
    ``T`` (units_L, n_block) hold some: all of them, or one block of a split batch;
    ``weights`` are the block's, ``(n_block,)``. The gradients are written into the
    arrays of ``out`` when it is given (a mapping like the one returned), and each
    ``dZl`` into the ``Scratch`` when one is given. The L2 term is not included (see
    ``add_penalty_gradient``).
    """
    L = architecture.n_layers

    def delta(l: int) -> Any:  # where dZl goes
        return None if scratch is None else scratch(f"dZ{l}", store[f"A{l}"].shape)

    grads = {}
    # Scaled once here, dZ carries the 1 / n of the mean (and the sample weights)
    # down every layer: backpropagation is linear in dZL.
    dZ = output_delta(architecture, store, T, out=delta(L))
    dZ *= (1.0 / n) if weights is None else weights * (1.0 / n)
    for l in range(L, 0, -1):
        W, A_prev = parameters[f"W{l}"], store[f"A{l - 1}"]
        dW_out, db_out = (None, None) if out is None else (out[f"dW{l}"], out[f"db{l}"])
        dW = arrays.store(dW_out, arrays.matmul(dZ, A_prev.T, out=dW_out))
        db = arrays.store(db_out, arrays.sum_axis(dZ, 1, keepdims=True, out=db_out))
        grads[f"dW{l}"], grads[f"db{l}"] = dW, db
        if l > 1:
            # dA(l-1) = Wl.T @ dZl (an outer product when layer l has one unit, which
            # BLAS does slowly), then turned into dZ(l-1) in place.
            product = arrays.multiply if W.shape[0] == 1 else arrays.matmul
            dZ = product(W.T, dZ, out=delta(l - 1))
            if f"M{l - 1}" in store:
                dZ *= store[f"M{l - 1}"]
            H: Any = store.get(f"H{l - 1}", A_prev)  # the output before its mask
            DERIVATIVES[architecture.activation(l - 1)](H, dZ)
    return grads


def data_cost(
    architecture: Architecture, store: Store, T: Any, n: float, weights: Any = None
) -> Any:
    """This block's share of the mean loss over ``n`` samples (or total weight): a float,
    or for another namespace than NumPy's a 0-d array (reading it on the host would make
    the host wait for the device at every batch)."""
    L = architecture.n_layers
    losses = LOSSES[architecture.loss](store[f"Z{L}"], store[f"A{L}"], T)
    total = arrays.sum_axis(losses) if weights is None else losses @ weights
    return float(total) / n if arrays.is_numpy(losses) else total / n


def penalty(parameters: Mapping[str, Any], l2: float, n: float) -> Any:
    """The L2 term of the cost, ``l2 / (2 n) * sum of every W squared`` (a 0-d array for
    another namespace than NumPy's)."""
    if not l2:
        return 0.0
    squares = sum(arrays.squared_norm(W) for name, W in parameters.items() if name[0] == "W")
    return l2 / (2 * n) * squares


def add_penalty_gradient(
    grads: MutableMapping[str, Any], parameters: Mapping[str, Any], l2: float, n: float
) -> None:
    """Add the L2 term's gradient, ``l2 / n * Wl``, to each ``dWl`` of ``grads``."""
    if l2:
        for name, W in parameters.items():
            if name[0] == "W":
                grads[f"d{name}"] += (l2 / n) * W


def inputs(architecture: Architecture, X: Any, scratch: Scratch | None = None) -> Any:
    """Rows of ``X`` as the network takes them: in its dtype, divided by its
    ``input_divisor``. The data stay in their own type (uint8 pixels, float64 values):
    each block is converted as it goes, never a copy of all of it; into the ``Scratch``
    when one is given (a fresh block of converted rows would cost page faults)."""
    dtype = DTYPES[architecture.dtype]
    if scratch is not None and arrays.is_numpy(X) and not arrays.is_sparse(X) and X.dtype != dtype:
        block = scratch("X", X.shape)
        np.copyto(block, X, casting="unsafe")
    else:
        block = arrays.astype(X, dtype)
    if architecture.input_divisor is None:
        return block
    if block is X:  # the caller's own array: never changed
        return block / architecture.input_divisor
    block /= architecture.input_divisor
    return block


def forward_blocks(
    architecture: Architecture, parameters: Mapping[str, Any], X: Any
) -> Iterator[tuple[slice, Any, Store]]:
    """Forward passes over blocks of ``CHUNK`` rows of ``X`` (n_samples, n_features):
    yields ``(columns, AL, store)`` with ``columns`` the block's slice of the samples."""
    n, scratch = X.shape[0], Scratch(DTYPES[architecture.dtype])
    for start in range(0, n, CHUNK):
        columns = slice(start, min(start + CHUNK, n))
        A0 = inputs(architecture, X[columns, :], scratch).T
        AL, store = forward(architecture, parameters, A0)
        yield columns, AL, store


def outputs(architecture: Architecture, parameters: Mapping[str, Any], X: Any) -> Any:
    """The output layer ``AL`` (units_L, n_samples) for ``X`` (n_samples, n_features)."""
    blocks = [AL for _, AL, _ in forward_blocks(architecture, parameters, X)]
    return arrays.concat(blocks, axis=1)


def cost(
    architecture: Architecture,
    parameters: Mapping[str, Any],
    X: Any,
    T: Any,
    l2: float = 0.0,
    weights: Any = None,
) -> float:
    """The mean cost of the network on ``X`` (n_samples, n_features) and targets ``T``
    (units_L, n_samples), with the L2 term; weighted when ``weights`` (n_samples,) are
    given."""
    n = X.shape[0] if weights is None else float(arrays.namespace(weights).sum(weights))
    total = 0.0
    for columns, _, store in forward_blocks(architecture, parameters, X):
        w = None if weights is None else weights[columns]
        total += data_cost(architecture, store, T[:, columns], n, w)
    return float(total + penalty(parameters, l2, n))


def dropout_masks(
    architecture: Architecture, rates: Mapping[int, float], n: int, rng: Any
) -> dict[int, Any] | None:
    """Dropout masks for ``n`` samples drawn from ``rng``: for each layer ``l`` (0 for
    the input) of rate ``rates[l] = p > 0``, an array ``(units_l, n)`` of zeros with
    probability p, else ``1 / (1 - p)``; None when no layer drops anything."""
    masks = {}
    for l, p in rates.items():
        if p > 0:
            keep = rng.random((architecture.sizes[l], n)) >= p
            masks[l] = arrays.astype(keep, DTYPES[architecture.dtype]) / (1 - p)
    return masks or None


def gradients(
    architecture: Architecture,
    parameters: Mapping[str, Any],
    X: Any,
    T: Any,
    workspace: Workspace,
    *,
    weights: Any = None,
    l2: float = 0.0,
    dropout: Mapping[int, float] | None = None,
    rng: Any = None,
    count_correct: CountCorrect | None = None,
) -> tuple[float, int]:
    """The gradients of one batch's cost, written into ``workspace.grads``; returns the
    cost and the number of samples the network gets right (``count_correct``, else 0):
    numbers, or for another namespace than NumPy's 0-d arrays, left on the device.

    ``X`` (n, n_features), ``T`` (units_L, n), ``weights`` (n,) or None. The batch goes
    through in blocks of ``CHUNK`` samples; the gradient of the mean cost is the sum of
    the blocks' shares. ``dropout`` maps layers to rates; its masks are drawn from
    ``rng``.
    """
    n = X.shape[0]
    # The batch's total weight stays where the weights are: reading it on the host would
    # make the host wait for the device at every batch.
    total = n if weights is None else arrays.sum_axis(weights)
    cost, correct = 0.0, 0
    for number, start in enumerate(range(0, n, CHUNK)):
        columns = slice(start, min(start + CHUNK, n))
        w = None if weights is None else weights[columns]
        A0 = inputs(architecture, X[columns, :], workspace.scratch).T
        masks = None if not dropout else dropout_masks(architecture, dropout, A0.shape[1], rng)
        AL, store = forward(architecture, parameters, A0, masks, workspace.scratch)
        out = workspace.block if number else workspace.grads
        backward(architecture, parameters, store, T[:, columns], total, w, out, workspace.scratch)
        cost += data_cost(architecture, store, T[:, columns], total, w)
        if count_correct is not None:
            correct += count_correct(AL, T[:, columns])
        if number:
            workspace.grads.flat += workspace.block.flat
    add_penalty_gradient(workspace.grads, parameters, l2, total)
    return cost + penalty(parameters, l2, total), correct


def limit_norms(architecture: Architecture, parameters: ParameterViews, max_norm: float) -> None:
    """Scale each row of every ``Wl`` (a unit's incoming weights) down to a Euclidean
    norm of at most ``max_norm``, in place."""
    for l in range(1, architecture.n_layers + 1):
        W = parameters[f"W{l}"]
        norms = arrays.row_norms(W)
        too_long = norms > max_norm
        if arrays.is_numpy(W) and not too_long.any():
            continue  # (elsewhere, asking would make the host wait for the device)
        with np.errstate(divide="ignore"):  # rows of norm 0 are not too long
            scale = arrays.namespace(W).where(too_long, max_norm / norms, 1.0)
        W *= scale[:, None]
