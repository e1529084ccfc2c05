"""Text that explains a network: its layers, and the shapes of one training step.

``summary(model)`` is a table of the layers: units, activation, the shapes of every
``W`` and ``b`` and the parameter counts. ``explain(model, X, Y)`` walks through one
forward and one backward pass on the actual data, line by line, in the notation of
``ann.network``::

    Z1 = W1 A0 + b1   : (196, 784) x (784, 11272) + (196, 1) -> (196, 11272)

Nothing in it is written by hand: every shape is read from an array the network just
computed (``model.forward`` and ``model.backward``, and the intermediate ``dZ`` and
``dA`` recomputed with the same formulas). Both functions print the text and return it.

The equations it walks through are written out as code, one function a step, in
``ann.textbook`` (the article's algorithm in one page of plain NumPy): read that first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import arrays, core, targets
from .activations import DERIVATIVES
from .losses import CANONICAL_PAIRS
from .validation import counted

__all__ = ["Text", "explain", "explain_text", "summary", "summary_text"]

Model = Any
"""An ``ann.ANN``, or any object with its public attributes (``architecture``,
``parameters``, ``targets``, ``forward``, ``backward``, ``predict``, ...)."""


class Text(str):
    """Text that ``summary`` and ``explain`` have printed already: a notebook or IPython
    does not display it a second time (as a quoted string) when it is a cell's value;
    it is a ``str`` for everything else."""

    def _ipython_display_(self) -> None:
        pass


LOSS_NAMES = {
    "binary_cross_entropy": "binary cross-entropy",
    "categorical_cross_entropy": "categorical cross-entropy",
    "squared_error": "squared error",
    "sklearn_squared_error": "squared error (mean over outputs)",
    "sklearn_binary_log_loss": "binary cross-entropy (clipped)",
    "sklearn_log_loss": "categorical cross-entropy (clipped)",
    "poisson": "Poisson deviance",
}


def _targets_meaning(model: Model) -> str:
    """How the target matrix Y encodes the labels or values."""
    if not model.is_classifier:
        return "one row per output"
    if getattr(model, "multilabel_", False):
        return "one row per label, each in [0, 1]"
    if model.layers_size[-1] == 1:
        return f"as 1 for class {model.classes_[1]} and 0 for class {model.classes_[0]}"
    return "one-hot, one row per class"


def _on_host(model: Model) -> Model:
    """``model`` with NumPy parameters (its ``to_numpy()`` when it has one)."""
    to_numpy = getattr(model, "to_numpy", None)
    return to_numpy() if callable(to_numpy) else model


def _check_fitted(model: Model) -> None:
    if not hasattr(model, "parameters") or not hasattr(model, "layers_size"):
        raise TypeError(f"model must be an ANN, got {type(model).__name__}")
    if not model.parameters:
        raise ValueError(
            "the model has no parameters yet: call fit (or initialize_parameters) first"
        )


def _shape(array: npt.ArrayLike) -> str:
    return "(" + ", ".join(str(n) for n in np.shape(array)) + ")"


def summary_text(model: Model) -> str:
    """The text of ``summary`` (without printing it)."""
    _check_fitted(model)
    model = _on_host(model)
    header = ("layer", "units", "activation", "W shape", "b shape", "parameters")
    rows, total = [], 0
    for l in range(1, model.n_layers + 1):
        W, b = model.parameters[f"W{l}"], model.parameters[f"b{l}"]
        count = W.size + b.size
        total += count
        rows.append(
            (
                str(l),
                str(W.shape[0]),
                model.architecture.activation(l),
                _shape(W),
                _shape(b),
                f"{count:,}",
            )
        )
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    widths[-1] = max(widths[-1], len(f"{total:,}"))
    right = (True, True, False, False, False, True)

    def line(cells):
        return "  ".join(
            cell.rjust(w) if r else cell.ljust(w) for cell, w, r in zip(cells, widths, right)
        ).rstrip()

    output = model.output_activation_
    lines = [
        repr(model),
        f"inputs: {counted(model.n_features_in_, 'feature')} (A0 = X.T has one column per sample)",
        f"output: {output}, cost: {LOSS_NAMES[model.loss_function_]}"
        + (f" + L2 ({model.l2:g})" if getattr(model, "l2", 0) else ""),
    ]
    if getattr(model, "is_classifier", False) and hasattr(model, "classes_"):
        lines.append(f"classes: {model.classes_.tolist()}")
    lines += ["", line(header), "-" * len(line(header))]
    lines += [line(row) for row in rows]
    lines += ["-" * len(line(header)), line(("total", "", "", "", "", f"{total:,}"))]
    return "\n".join(lines)


def summary(model: Model) -> Text:
    """Print and return a table of the layers of a fitted (or initialized) ``model``:
    units, activation, the shapes of ``Wl`` and ``bl``, parameter counts and total."""
    text = Text(summary_text(model))
    print(text)
    return text


def _walk(
    model: Model, X: npt.ArrayLike, Y: npt.ArrayLike | None
) -> tuple[dict[str, Any], np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray], bool]:
    """Run one forward and backward pass; return the arrays whose shapes are shown."""
    L = model.n_layers
    AL, store = model.forward(X)
    predicted = Y is None
    if Y is None:
        Y = model.predict(X)
    T = model.encode_targets(targets.check_targets(model.targets, Y, AL.shape[1]))
    grads = model.backward(X, Y, store)
    store = dict(store)
    # The backward pass again, keeping the intermediate dZ and dA that model.backward
    # uses and drops.
    deltas = {f"dZ{L}": core.output_delta(model.architecture, store, T)}
    for l in range(L, 1, -1):
        dA = model.parameters[f"W{l}"].T @ deltas[f"dZ{l}"]
        deltas[f"dA{l - 1}"] = dA
        dZ = dA.copy()
        DERIVATIVES[model.architecture.activation(l - 1)](store[f"A{l - 1}"], dZ)
        deltas[f"dZ{l - 1}"] = dZ
    return store, T, grads, deltas, predicted


def _forward_lines(model: Model, store: dict[str, Any]) -> list[tuple[str, str]]:
    """``(equation, shapes)`` of every step of the forward pass."""
    P = model.parameters
    lines = [("A0 = X.T", f"{_shape(store['A0'])}")]
    for l in range(1, model.n_layers + 1):
        lines.append(
            (
                f"Z{l} = W{l} A{l - 1} + b{l}",
                f"{_shape(P[f'W{l}'])} x {_shape(store[f'A{l - 1}'])} + "
                f"{_shape(P[f'b{l}'])} -> {_shape(store[f'Z{l}'])}",
            )
        )
        lines.append((f"A{l} = {model.architecture.activation(l)}(Z{l})", _shape(store[f"A{l}"])))
    return lines


def _delta_line(model: Model, l: int, store: dict[str, Any], T: Any, deltas: dict[str, Any]):
    """``(equation, shapes)`` of ``dZl``: from the output, or from ``dAl``."""
    L, output, dZ = model.n_layers, model.output_activation_, deltas[f"dZ{l}"]
    if l == L and (output, model.loss_function_) in CANONICAL_PAIRS:
        return f"dZ{L} = A{L} - Y", f"{_shape(store[f'A{L}'])} - {_shape(T)} -> {_shape(dZ)}"
    if l == L:
        shapes = f"{_shape(store[f'A{L}'])} * {_shape(store[f'Z{L}'])} -> {_shape(dZ)}"
        return f"dZ{L} = dA{L} * {output}'(Z{L})", shapes
    shapes = f"{_shape(deltas[f'dA{l}'])} * {_shape(store[f'Z{l}'])} -> {_shape(dZ)}"
    return f"dZ{l} = dA{l} * {model.architecture.activation(l)}'(Z{l})", shapes


def _backward_lines(
    model: Model, store: dict[str, Any], T: Any, grads: dict[str, Any], deltas: dict[str, Any]
) -> list[tuple[str, str]]:
    """``(equation, shapes)`` of every step of the backward pass, from the output."""
    P, l2, lines = model.parameters, getattr(model, "l2", 0), []
    for l in range(model.n_layers, 0, -1):
        dZ = deltas[f"dZ{l}"]
        lines.append(_delta_line(model, l, store, T, deltas))
        penalty = f" + {l2:g} W{l} / n" if l2 else ""
        lines.append(
            (
                f"dW{l} = dZ{l} A{l - 1}.T / n{penalty}",
                f"{_shape(dZ)} x {_shape(store[f'A{l - 1}'].T)} -> {_shape(grads[f'dW{l}'])}",
            )
        )
        lines.append(
            (f"db{l} = sum(dZ{l}, axis=1) / n", f"{_shape(dZ)} -> {_shape(grads[f'db{l}'])}")
        )
        if l > 1:
            shapes = f"{_shape(P[f'W{l}'].T)} x {_shape(dZ)} -> {_shape(deltas[f'dA{l - 1}'])}"
            lines.append((f"dA{l - 1} = W{l}.T dZ{l}", shapes))
    return lines


def _update_lines(model: Model) -> list[str]:
    """How the optimizer uses the gradients."""
    if model.optimizer == "gd":
        return [
            "Then gradient descent updates every layer:",
            "  Wl -= learning_rate * dWl,  bl -= learning_rate * dbl",
        ]
    return [f"Then the {model.optimizer} optimizer updates every Wl and bl from dWl and dbl."]


def explain_text(model: Model, X: npt.ArrayLike, Y: npt.ArrayLike | None = None) -> str:
    """The text of ``explain`` (without printing it)."""
    _check_fitted(model)
    model, X, Y = _on_host(model), arrays.host(X), arrays.host(Y)
    store, T, grads, deltas, predicted = _walk(model, X, Y)
    n, L = store["A0"].shape[1], model.n_layers
    forward = _forward_lines(model, store)
    backward = _backward_lines(model, store, T, grads, deltas)
    cost = core.data_cost(model.architecture, store, T, n) + core.penalty(
        model.parameters, model.l2, n
    )
    cost_line = (
        f"  cost = {LOSS_NAMES[model.loss_function_]}(A{L}, Y)"
        + (" + L2 term" if getattr(model, "l2", 0) else "")
        + f" = {cost:.6g}"
    )
    width = max(len(left) for left, _ in forward + backward)

    def block(pairs):
        return [f"  {left.ljust(width)} : {right}" for left, right in pairs]

    source = "the labels" if model.is_classifier else "the targets"
    if predicted:
        source = "the model's own predictions (no Y given)"
    lines = [
        f"One training step of {model!r}",
        f"on n = {counted(n, 'sample')}. Every shape below is read from the arrays just computed;",
        "'x' is a matrix product, '*' elementwise, '+ bl' adds bl to every column.",
        "",
        "Forward pass:",
        *block(forward),
        cost_line,
        "",
        f"Backward pass. Y {_shape(T)} holds {source}, {_targets_meaning(model)}:",
        *block(backward),
        "",
        *_update_lines(model),
    ]
    return "\n".join(lines)


def explain(model: Model, X: npt.ArrayLike, Y: npt.ArrayLike | None = None) -> Text:
    """Print and return the walk-through of one forward and backward pass of ``model``
    on ``X`` (n_samples, n_features) and labels ``Y`` (the model's own predictions when
    None): for every layer the equation and the shapes of its operands and result, as
    read from the arrays computed. The first layer needs no ``dA0``, so there is none.
    The same steps as code: ``ann.textbook.forward`` and ``ann.textbook.backward``.
    """
    text = Text(explain_text(model, X, Y))
    print(text)
    return text
