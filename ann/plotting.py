"""Pictures of a model and its training, each returned as a matplotlib Figure.

Every function builds a ``matplotlib.figure.Figure`` directly (never the pyplot state
machine), so it works headless: nothing is shown, nothing global changes. Given a
``path``, the figure is also saved there, through a temporary file and a rename.

- ``plot_cost``: training (and validation) cost per iteration, accuracy on a second axis;
- ``plot_costs``: several runs' cost curves on one plot, to compare them;
- ``plot_weights``: the first layer's weights, one small image per hidden unit;
- ``plot_mistakes``: misclassified images with true and predicted labels and confidence;
- ``plot_confusion``: the confusion matrix of a classifier, counts annotated.

In a notebook a returned Figure displays itself; in a script, save it with ``path``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from . import arrays, validation
from .files import StrPath, atomic_path

Model: TypeAlias = Any
"""A fitted ``ann.ANN``, or any object with its public attributes (``parameters``,
``layers_size``, ``classes_``, ``costs``, ``history``, ``predict``, ...)."""

ClassNames: TypeAlias = "Sequence[str] | Mapping[Any, str]"
"""Display names of a model's classes: one per class in the order of ``classes_``, or
``{class: name}``."""

__all__ = [
    "check_image_shape",
    "check_model",
    "confusion_matrix",
    "describe_model",
    "initial_weights",
    "plot_confusion",
    "plot_cost",
    "plot_costs",
    "plot_mistakes",
    "plot_weights",
    "save_figure",
]


def save_figure(figure: Figure, path: StrPath, dpi: float = 100) -> Path:
    """Write ``figure`` to ``path`` (format from the suffix, PNG by default)."""
    if not isinstance(figure, Figure):
        raise TypeError(f"figure must be a matplotlib Figure, got {type(figure).__name__}")
    path = Path(path)
    suffix = path.suffix or ".png"
    with atomic_path(path, suffix=suffix) as temporary:
        figure.savefig(temporary, dpi=dpi, format=suffix[1:])
    return path


def _finish(figure: Figure, path: StrPath | None) -> Figure:
    if path is not None:
        save_figure(figure, path)
    return figure


# ------------------------------------------------------------------------- checks
def check_model(model: Model, what: str = "model") -> Model:
    """``model`` must be a fitted ANN (anything with ``parameters`` and ``layers_size``)."""
    if not hasattr(model, "parameters") or not hasattr(model, "layers_size"):
        raise TypeError(f"{what} must be a fitted ANN, got {type(model).__name__}")
    if not model.parameters:
        raise ValueError(f"{what} is not fitted yet: call fit first")
    return model


def _check_classifier(model: Model) -> Model:
    check_model(model)
    if not getattr(model, "is_classifier", False) or not hasattr(model, "classes_"):
        raise ValueError(
            "this picture is for classifiers; the model is a regressor (output='identity')"
        )
    return model


def _check_data(model: Model, X: npt.ArrayLike, y: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(X, y)``: X (n, n_features_in_) finite floats; y (n,) labels that are
    all among the model's classes."""
    X = validation.check_X(X, model.n_features_in_)
    y = validation.check_labels(y, X.shape[0], name="y")
    unknown = ~np.isin(y, model.classes_)
    if np.any(unknown):
        raise ValueError(
            f"y holds labels {np.unique(y[unknown]).tolist()[:5]} that are "
            f"not among the model's classes {model.classes_.tolist()}"
        )
    return X, y


def _check_count(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    return validation.check_int(name, value, minimum=1)


def check_image_shape(n_features: int, image_shape: tuple[int, int] | None) -> tuple[int, int]:
    """The (rows, columns) of one input image: ``image_shape`` if given, else a square."""
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(
                f"the inputs have {n_features} features, not a perfect square:"
                " pass image_shape=(rows, columns) to draw them as images"
            )
        return side, side
    if (
        isinstance(image_shape, (str, bytes))
        or not hasattr(image_shape, "__len__")
        or len(image_shape) != 2
    ):
        raise TypeError(f"image_shape must be a pair (rows, columns), got {image_shape!r}")
    rows, columns = (validation.check_int("check_image_shape", side) for side in image_shape)
    if rows * columns != n_features:
        raise ValueError(
            f"image_shape {image_shape!r} holds {rows * columns} pixels, but "
            f"the inputs have {n_features} features"
        )
    return rows, columns


def _class_names(model: Model, class_names: ClassNames | None) -> dict[Any, str]:
    """Display names for ``model.classes_``: a dict {class: name}."""
    classes = model.classes_.tolist()
    if class_names is None:
        return {c: str(c) for c in classes}
    if isinstance(class_names, Mapping):
        missing = [c for c in classes if c not in class_names]
        if missing:
            raise ValueError(f"class_names lacks the classes {missing[:5]}")
        return {c: str(class_names[c]) for c in classes}
    if isinstance(class_names, (str, bytes)) or not hasattr(class_names, "__len__"):
        raise TypeError(
            "class_names must be a sequence (in the order of classes_) or a "
            f"dict, got {class_names!r}"
        )
    if len(class_names) != len(classes):
        raise ValueError(f"class_names has {len(class_names)} names for {len(classes)} classes")
    return {c: str(name) for c, name in zip(classes, class_names)}


def _grid(n: int) -> tuple[int, int]:
    """(rows, columns) of a grid for ``n`` panels: nearly square, and of the columns
    from ceil(sqrt(n)) to 1.5 sqrt(n) the one that leaves the fewest empty cells."""
    first = max(1, math.ceil(math.sqrt(n)))
    candidates = range(first, max(first, int(1.5 * math.sqrt(n))) + 1)
    columns = min(candidates, key=lambda c: (math.ceil(n / c) * c - n, c))
    return math.ceil(n / columns), columns


# ---------------------------------------------------------------------- captions
def describe_model(model: Model) -> str:
    """A one-line description such as ``784-196-1, sigmoid, gd, learning rate 0.1``."""
    sizes = [getattr(model, "n_features_in_", "?")] + list(model.layers_size)
    hidden = getattr(model, "hidden_activations_", None) or []
    words = ["-".join(str(s) for s in sizes)]
    if hidden:
        words.append("/".join(sorted(set(hidden), key=hidden.index)))
    output = getattr(model, "output_activation_", None)
    if output:
        words.append(f"{output} output")
    optimizer = getattr(model, "optimizer", None)
    if optimizer:
        batch = getattr(model, "batch_size", None)
        words.append(optimizer + ("" if batch is None else f" (batch {batch})"))
    rate = getattr(model, "learning_rate", None)
    if rate is not None:
        words.append(f"learning rate {rate:g}")
    return ", ".join(words)


# --------------------------------------------------------------------------- cost
def plot_cost(model: Model, path: StrPath | None = None) -> Figure:
    """The training cost per iteration (epoch) of a fitted ``model``, with the
    validation cost when there is one and accuracies on a second axis when known.

    The accuracy axis is on the right, in percent, dashed. When early stopping kept an
    earlier epoch's parameters, a dotted vertical line marks it.
    """
    history = getattr(model, "history", None)
    if not hasattr(model, "costs"):
        raise TypeError(f"model must be a fitted ANN, got {type(model).__name__}")
    if not model.costs or history is None:
        raise ValueError("the model has no cost history: fit it first")
    figure = Figure(figsize=(7.5, 4.5), layout="constrained")
    axes = figure.add_subplot()
    epochs = np.arange(len(model.costs))
    axes.plot(epochs, model.costs, label="training cost", color="tab:blue", lw=2)
    if history.get("val_cost"):
        axes.plot(
            epochs[: len(history["val_cost"])],
            history["val_cost"],
            label="validation cost",
            color="tab:orange",
            lw=2,
        )
    unit = "iteration" if getattr(model, "batch_size", None) is None else "epoch"
    axes.set_xlabel(f"{unit} (pass over the training data)")
    axes.set_ylabel("cost (mean loss)")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(True, alpha=0.3)
    axes.set_title(textwrap.fill(f"Cost while training: {describe_model(model)}", 80), fontsize=11)
    best = getattr(model, "best_epoch_", None)
    if best is not None and getattr(model, "early_stopping", False):
        axes.axvline(best, color="gray", ls=":", label=f"best epoch ({best})")
    handles, labels = axes.get_legend_handles_labels()
    if history.get("accuracy"):
        right = axes.twinx()
        right.plot(
            epochs[: len(history["accuracy"])],
            history["accuracy"],
            "--",
            color="tab:green",
            label="training accuracy",
        )
        if history.get("val_accuracy"):
            right.plot(
                epochs[: len(history["val_accuracy"])],
                history["val_accuracy"],
                "--",
                color="tab:red",
                label="validation accuracy",
            )
        right.set_ylabel("accuracy (dashed)")
        right.yaxis.set_major_formatter(PercentFormatter(1.0))
        low, high = right.get_ylim()
        right.set_ylim(low, min(high, 1.005))
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes.legend(handles, labels, loc="center right", framealpha=0.9)
    return _finish(figure, path)


def _costs_of(label: str, run: Model | Sequence[float]) -> np.ndarray:
    """The cost sequence of one run: a fitted model's ``costs`` or a sequence."""
    costs = getattr(run, "costs", run)
    if isinstance(costs, (str, bytes)) or not hasattr(costs, "__len__"):
        raise TypeError(
            f"run {label!r} must be a fitted ANN or a sequence of costs, got {type(run).__name__}"
        )
    if len(costs) == 0:
        what = (
            "model has no cost history: fit it first"
            if costs is not run
            else "cost sequence is empty"
        )
        raise ValueError(f"run {label!r}: the {what}")
    try:
        costs = np.asarray(costs, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"run {label!r}: the costs must be numbers") from None
    if costs.ndim != 1:
        raise ValueError(f"run {label!r}: the costs must be one sequence, got shape {costs.shape}")
    return costs


def plot_costs(
    runs: Mapping[str, Model | Sequence[float]],
    path: StrPath | None = None,
    title: str | None = None,
    log_scale: bool = False,
) -> Figure:
    """Several runs' training cost curves on one plot, to compare them.

    ``runs`` maps a label (e.g. ``"196 hidden units"``) to a fitted model or to a
    sequence of costs. Each legend entry shows the label and the last cost.
    ``log_scale`` puts the cost axis on a log scale (late differences show better).
    """
    if not isinstance(runs, Mapping):
        raise TypeError(
            f"runs must be a dict {{label: fitted model or costs}}, got {type(runs).__name__}"
        )
    if not runs:
        raise ValueError("runs is empty: give at least one {label: model or costs}")
    curves = {str(label): _costs_of(label, run) for label, run in runs.items()}
    figure = Figure(figsize=(7.5, 4.5), layout="constrained")
    axes = figure.add_subplot()
    for label, costs in curves.items():
        axes.plot(np.arange(len(costs)), costs, lw=2, label=f"{label}: final cost {costs[-1]:.4f}")
    if log_scale:
        axes.set_yscale("log")
    axes.set_xlabel("iteration (epoch)")
    axes.set_ylabel("training cost" + (" (log scale)" if log_scale else ""))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(True, alpha=0.3)
    axes.set_title(
        title or f"Training cost of {len(curves)} run{'s' if len(curves) > 1 else ''}", fontsize=11
    )
    axes.legend(loc="upper right", framealpha=0.9)
    return _finish(figure, path)


# ------------------------------------------------------------------------ weights
def initial_weights(model: Model, layer: int = 1) -> np.ndarray:
    """The weights ``W<layer>`` the model started from, recreated from its ``init`` and
    ``seed`` (as ``fit`` draws them) without touching the model."""
    check_model(model)
    if not hasattr(model, "get_params") or not hasattr(model, "initialize_parameters"):
        raise TypeError(f"cannot recreate the initial weights of a {type(model).__name__}")
    layer = validation.check_int("layer", layer, minimum=1, maximum=model.n_layers)
    clone = type(model)(**model.get_params())
    clone.initialize_parameters(model.n_features_in_)
    start = clone.parameters[f"W{layer}"]
    if start.shape != tuple(model.parameters[f"W{layer}"].shape):
        raise ValueError(
            "the model's weights do not have the shape its configuration "
            "gives; were they set by hand?"
        )
    return start


def plot_weights(
    model: Model,
    path: StrPath | None = None,
    max_units: int | None = 64,
    image_shape: tuple[int, int] | None = None,
    since_init: bool = False,
) -> Figure:
    """The first layer's weights as images: row ``i`` of ``W1`` drawn as the input image
    it is multiplied with, one panel per hidden unit (the first ``max_units``; None for
    all), under its unit's number (the panel's title, clear of the picture). Red pixels
    push the unit's ``Z`` up, blue ones down, white ones do nothing; each panel has its
    own symmetric color scale.

    ``since_init=True`` draws ``W1`` minus the weights it started from (recreated from
    the model's ``init`` and ``seed``): what training changed. Random initial weights
    hide it in the raw picture until training has run long.

    The inputs must be square images (``n_features`` a perfect square) unless
    ``image_shape=(rows, columns)`` says how to fold them.
    """
    check_model(model)
    max_units = _check_count("max_units", max_units)
    W = arrays.to_numpy(model.parameters["W1"]).astype(float)
    shape = check_image_shape(W.shape[1], image_shape)
    if since_init:
        W = W - initial_weights(model)
    units = W.shape[0] if max_units is None else min(W.shape[0], max_units)
    rows, columns = _grid(units)
    panel = min(1.0, 9.0 / columns)
    label = 0.14  # inches above each panel for its unit's number, a title clear of the image
    figure = Figure(figsize=(max(columns * panel, 4.8), rows * (panel + label) + 0.7))
    for unit in range(units):
        axes = figure.add_subplot(rows, columns, unit + 1)
        extent = np.abs(W[unit]).max() or 1.0
        axes.imshow(
            W[unit].reshape(shape),
            cmap="RdBu_r",
            vmin=-extent,
            vmax=extent,
            interpolation="nearest",
        )
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(str(unit + 1), fontsize=6, pad=1.5, color="0.25")
    shown = f"all {units}" if units == W.shape[0] else f"the first {units} of {W.shape[0]}"
    what = (
        "Change of the first-layer weights during training, W1 - W1(initial)"
        if since_init
        else "First-layer weights W1"
    )
    figure.suptitle(
        f"{what}: {shown} hidden units\n"
        "red: pixel raises the unit, blue: lowers it (each on its own scale)",
        fontsize=10,
    )
    top = 1 - (0.65 + label) / figure.get_figheight()
    figure.subplots_adjust(
        left=0.01, right=0.99, bottom=0.01, top=top, wspace=0.06, hspace=(label + 0.03) / panel
    )
    return _finish(figure, path)


# ----------------------------------------------------------------------- mistakes
def plot_mistakes(
    model: Model,
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    path: StrPath | None = None,
    max_images: int | None = 24,
    image_shape: tuple[int, int] | None = None,
    class_names: ClassNames | None = None,
) -> Figure:
    """A gallery of the samples of ``X`` the model gets wrong, the most confident
    mistakes first, each titled with its true label, the predicted one and the model's
    probability for the predicted class.

    ``y`` holds the true labels (values of ``model.classes_``); ``class_names`` (a
    sequence in the order of ``classes_`` or a dict) replaces them in the titles, e.g.
    ``["5", "8"]`` for the 0/1 labels of ``get_binary_dataset``. With no mistakes the
    figure says so.
    """
    _check_classifier(model)
    max_images = _check_count("max_images", max_images)
    X, y = _check_data(model, X, y)
    shape = check_image_shape(X.shape[1], image_shape)
    names = _class_names(model, class_names)
    probabilities = arrays.to_numpy(model.predict_proba(X))  # the picture is drawn on the host
    X = arrays.to_numpy(X)
    best = probabilities.argmax(axis=1)
    predicted = model.classes_[best]
    confidence = probabilities[np.arange(len(best)), best]
    wrong = np.flatnonzero(predicted != y)
    order = wrong[np.argsort(-confidence[wrong], kind="stable")]
    shown = order if max_images is None else order[:max_images]
    n = len(y)
    caption = f"Misclassified: {len(wrong)} of {n} samples ({len(wrong) / n:.1%})"
    if len(shown) == 0:
        figure = Figure(figsize=(5, 2), layout="constrained")
        axes = figure.add_subplot()
        axes.axis("off")
        axes.text(0.5, 0.5, "no mistakes", ha="center", va="center", fontsize=14)
        figure.suptitle(caption, fontsize=11)
        return _finish(figure, path)
    rows, columns = _grid(len(shown))
    columns = max(columns, min(len(shown), 8))
    rows = math.ceil(len(shown) / columns)
    figure = Figure(figsize=(max(columns * 1.25, 4.5), rows * 1.6 + 0.75))
    low, high = min(0.0, float(X.min())), float(X.max()) or 1.0
    for panel, index in enumerate(shown):
        axes = figure.add_subplot(rows, columns, panel + 1)
        axes.imshow(
            X[index].reshape(shape), cmap="gray_r", vmin=low, vmax=high, interpolation="nearest"
        )
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(
            f"true {names[y[index].item()]}, "
            f"said {names[predicted[index].item()]}\n"
            f"{_percent(confidence[index])} sure",
            fontsize=8,
            color="firebrick",
        )
    more = "" if len(shown) == len(wrong) else f", the {len(shown)} most confident shown"
    figure.suptitle(caption + more, fontsize=11)
    top = 1 - 0.75 / figure.get_figheight()
    figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=top, wspace=0.08, hspace=0.5)
    return _finish(figure, path)


def _percent(probability: float) -> str:
    """``0.93 -> "93%"``; near 1 with a decimal, never "100%": ``"99.7%"``, ``">99.9%"``."""
    if probability < 0.995:
        return f"{probability:.0%}"
    if probability < 0.999:
        return f"{math.floor(probability * 1000) / 10:.1f}%"
    return ">99.9%"


# ---------------------------------------------------------------------- confusion
def confusion_matrix(model: Model, X: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of class ``classes_[i]`` predicted as
    ``classes_[j]`` (rows: truth, columns: prediction)."""
    _check_classifier(model)
    X, y = _check_data(model, X, y)
    k = len(model.classes_)
    truth = np.searchsorted(model.classes_, y)
    predicted = np.searchsorted(model.classes_, arrays.to_numpy(model.predict(X)))
    return np.bincount(truth * k + predicted, minlength=k * k).reshape(k, k)


def plot_confusion(
    model: Model,
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    path: StrPath | None = None,
    class_names: ClassNames | None = None,
) -> Figure:
    """The confusion matrix of a classifier on ``X`` and true labels ``y``: rows are
    the true classes, columns the predicted ones, each cell annotated with its count.
    Colors are on a log scale so that the few mistakes show beside the large diagonal;
    empty cells stay white. ``class_names`` relabels the classes."""
    counts = confusion_matrix(model, X, y)
    names = _class_names(model, class_names)
    labels = [names[c] for c in model.classes_.tolist()]
    k = len(labels)
    side = min(9.0, max(4.0, 0.6 * k + 2.0))
    figure = Figure(figsize=(side + 0.3, side), layout="constrained")
    axes = figure.add_subplot()
    masked = np.ma.masked_equal(counts, 0)
    norm = LogNorm(vmin=1, vmax=max(2, counts.max()))
    axes.imshow(masked, cmap="Blues", norm=norm, interpolation="nearest")
    size = 10 if k <= 10 else max(5, 10 - (k - 10) // 3)
    for i in range(k):
        for j in range(k):
            value = counts[i, j]
            dark = value > 0 and norm(value) > 0.6
            axes.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                fontsize=size,
                color="white" if dark else ("black" if value else "0.6"),
                fontweight="bold" if i == j else "normal",
            )
    axes.set_xticks(range(k), labels)
    axes.set_yticks(range(k), labels)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.xaxis.set_label_position("top")
    axes.xaxis.tick_top()
    accuracy = np.trace(counts) / counts.sum()
    axes.set_title(
        f"Confusion matrix: {np.trace(counts)} of {counts.sum()} right ({accuracy:.1%})",
        fontsize=11,
    )
    return _finish(figure, path)
