"""Targets: how a model's labels or values become the target matrix ``T`` and back.

``T`` has shape ``(units_L, n)``, one column per sample, like the output layer ``AL``:

- one sigmoid unit (binary): one row, 1 for ``classes[1]`` and 0 for ``classes[0]``;
  targets in [0, 1] (soft labels) are taken as they are;
- k softmax units, or k sigmoid units predicted by their largest output: one-hot columns;
- k sigmoid units with 2-D targets in [0, 1] (multi-label): one row per label;
- a regressor (identity or exp output): the values, one row per output.

A ``Targets`` holds what this takes: the output setting, the output units, and for a
classifier the classes and whether it is multi-label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import arrays, validation
from .losses import output_and_loss

CLASSIFIER_OUTPUTS = ("auto", "sigmoid", "softmax")
"""The output settings of a classifier; ``identity`` and ``exp`` make a regressor."""


@dataclass(frozen=True)
class Targets:
    """The target coding of a model: its ``output`` setting (``auto``, ``sigmoid``,
    ``softmax``, ``identity``, ``exp``), its ``units`` (units_L), and for a classifier its
    sorted ``classes`` and whether it is ``multilabel`` (None before they are known)."""

    output: str
    units: int
    classes: np.ndarray | None = None
    multilabel: bool = False

    @property
    def is_classifier(self) -> bool:
        return self.output in CLASSIFIER_OUTPUTS


def _is_soft(targets: Targets, y: np.ndarray) -> bool:
    """1-D float targets, not all whole numbers, for one sigmoid unit."""
    return (
        targets.output == "sigmoid"
        and targets.units == 1
        and y.dtype.kind == "f"
        and bool(np.all(np.isfinite(y)))
        and not np.all(y == np.round(y))
    )


def _check_soft(targets: Targets, y: np.ndarray) -> None:
    """``y`` holds numbers in [0, 1], one column per sigmoid output."""
    if targets.output != "sigmoid":
        raise ValueError(
            f"Y of shape {y.shape} holds targets in [0, 1], which need "
            f"output='sigmoid', not {targets.output!r}"
        )
    if y.dtype.kind not in "biuf" or not np.all(np.isfinite(y)) or (y.min() < 0 or y.max() > 1):
        raise ValueError("targets for sigmoid outputs must be numbers in [0, 1]")
    units = 1 if y.ndim == 1 else y.shape[1]
    if units != targets.units:
        raise ValueError(
            f"Y has {validation.counted(units, 'column')} but the output layer has "
            f"{validation.counted(targets.units, 'unit')}"
        )


def check_targets(targets: Targets, Y: npt.ArrayLike | None, n_samples: int) -> np.ndarray:
    """``Y`` as an array for ``n_samples`` samples: class labels ``(n,)`` (also given as
    ``(n, 1)`` or ``(1, n)``) for a classifier, ``(n, k)`` values for k sigmoid outputs
    or a regressor."""
    values = None if Y is None else validation.as_array(Y, "Y", "(n,)")
    multi_column = values is not None and values.ndim == 2 and values.shape[1] > 1
    if targets.is_classifier and not (targets.output == "sigmoid" and multi_column):
        return validation.check_labels(Y, n_samples)
    if values is None or values.ndim == 0 or values.shape[0] != n_samples:
        shape = None if values is None else values.shape
        raise ValueError(f"X has {n_samples} samples but Y has shape {shape}")
    return values


def learn_classes(targets: Targets, y: np.ndarray) -> Targets:
    """The coding of a classifier fitted on ``y`` (from ``check_targets``): its classes
    and whether it is multi-label, checked to fit the output layer. Class labels
    ``(n,)``, or with sigmoid outputs values in [0, 1], ``(n,)`` for one unit and
    ``(n, k)`` for k units (multi-label)."""
    multilabel = y.ndim == 2
    if multilabel or _is_soft(targets, y):
        _check_soft(targets, y)
        classes = np.arange(y.shape[1]) if multilabel else np.arange(2)
        return _fitting(targets, classes, multilabel)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)):
            raise ValueError("Y contains NaN or infinite labels")
        if not np.all(y == np.round(y)):
            raise ValueError(
                "Y must hold class labels (integers or strings), got "
                "non-integer values; use output='identity' for "
                "regression, or output='sigmoid' for targets in [0, 1]"
            )
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"Y has a single class {classes.tolist()}: a classifier needs at least 2")
    return _fitting(targets, classes, False)


def _fitting(targets: Targets, classes: np.ndarray, multilabel: bool) -> Targets:
    """``targets`` with ``classes``, checked to be as many as the output layer takes."""
    expected = 2 if targets.units == 1 else targets.units
    if len(classes) != expected:
        output, _ = output_and_loss(targets.output, "auto", targets.units)
        raise ValueError(
            f"the labels have {len(classes)} classes, but the output layer "
            f"({output}, {targets.units} unit{'s' if targets.units > 1 else ''}) "
            f"takes {expected}"
        )
    return Targets(targets.output, targets.units, classes, multilabel)


def given_classes(targets: Targets, classes: npt.ArrayLike | None, multilabel: bool) -> Targets:
    """``targets`` with the given ``classes`` (None keeps the ones it has), checked:
    sorted, distinct and as many as the output layer takes; ``multilabel`` needs k >= 2
    sigmoid outputs."""
    if validation.check_bool("multilabel", multilabel) and (
        targets.output != "sigmoid" or targets.units < 2
    ):
        output, _ = output_and_loss(targets.output, "auto", targets.units)
        raise ValueError(
            f"multilabel=True needs k >= 2 sigmoid outputs, got {targets.units} {output} output(s)"
        )
    if classes is None:
        return Targets(targets.output, targets.units, targets.classes, multilabel)
    labels = validation.as_array(classes, "classes", "(n_classes,)")
    if (
        labels.ndim != 1
        or labels.dtype.kind not in "iubfUSO"
        or not np.array_equal(labels, np.unique(labels))
    ):
        raise ValueError(
            f"the classes {labels.tolist()[:5]} are not distinct sorted labels (they must "
            "be sorted and distinct, as classes_)"
        )
    return Targets(
        targets.output, targets.units, learn_classes(targets, labels).classes, multilabel
    )


def encode(targets: Targets, Y: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> np.ndarray:
    """The target matrix ``T`` of shape ``(units_L, n)`` for labels or values ``Y``."""
    if not targets.is_classifier:
        return _encode_values(targets, Y, dtype)
    if targets.classes is None:
        raise ValueError("the classes are not known yet: fit the model first")
    y = np.asarray(Y)
    if targets.multilabel and y.ndim != 2:
        raise ValueError(
            "this model was fitted on multi-label targets, one column per output "
            f"(n, {targets.units}); Y has shape {y.shape}"
        )
    if y.ndim == 2 or _is_soft(targets, y):
        _check_soft(targets, y)
        return np.ascontiguousarray(y.reshape(len(y), -1).T, dtype=dtype)
    index = _class_index(targets.classes, y.reshape(-1))
    if targets.units == 1:
        return index[None, :].astype(dtype)
    T = np.zeros((len(targets.classes), len(index)), dtype=dtype)
    T[index, np.arange(len(index))] = 1
    return T


def _class_index(classes: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The position in ``classes`` of each label of ``y``; ValueError for unknown ones."""
    try:
        index = np.searchsorted(classes, y)
    except TypeError:  # e.g. strings against numbers, or a mix of both
        raise TypeError(
            f"Y holds labels of types {sorted({type(v).__name__ for v in y.tolist()})} "
            f"that cannot be compared with the classes {classes.tolist()[:5]}"
        ) from None
    index[index == len(classes)] = 0
    unknown = classes[index] != y
    if np.any(unknown):
        raise ValueError(
            f"Y holds labels {np.unique(y[unknown]).tolist()[:5]} that are "
            f"not among the classes {classes.tolist()}"
        )
    return index


def _encode_values(targets: Targets, Y: npt.ArrayLike, dtype: npt.DTypeLike) -> np.ndarray:
    """Regression targets ``(n,)`` or ``(n, k)`` as ``T``, ``(k, n)``."""
    values = np.asarray(Y)
    if (
        values.dtype == object
        or not np.issubdtype(values.dtype, np.number)
        or np.iscomplexobj(values)
    ):
        raise TypeError(f"Y must be numeric for regression, got {values.dtype}")
    values = values.reshape(len(values), -1) if values.ndim > 1 else values[:, None]
    if values.shape[1] != targets.units:
        raise ValueError(
            f"Y has {values.shape[1]} outputs but the output layer has {targets.units} units"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("Y contains NaN or infinite values")
    if targets.output == "exp" and np.any(values < 0):
        raise ValueError("output='exp' (Poisson) needs targets of at least 0")
    return np.ascontiguousarray(values.T, dtype=dtype)


def decode(targets: Targets, AL: Any) -> np.ndarray:
    """Predictions from the output layer ``AL`` (units_L, n): labels ``(n,)`` (values of
    ``classes``), a 0/1 indicator ``(n, k)`` for multi-label, or a regressor's values
    (``(n,)`` for one output, else ``(n, k)``)."""
    if not targets.is_classifier:
        return arrays.copy(AL[0, :]) if AL.shape[0] == 1 else AL.T
    assert targets.classes is not None
    AL = arrays.to_numpy(AL)
    if AL.shape[0] == 1:
        return targets.classes[(AL[0] > 0.5).astype(np.intp)]
    if targets.multilabel:
        return (AL.T > 0.5).astype(np.int64)
    return targets.classes[AL.argmax(axis=0)]


def probabilities(AL: Any) -> Any:
    """Class probabilities ``(n, n_classes)`` from a classifier's output layer ``AL``:
    ``(1 - a, a)`` for one sigmoid unit, else each output's own."""
    if AL.shape[0] == 1:
        return arrays.namespace(AL).stack([1 - AL[0, :], AL[0, :]], axis=1)
    return AL.T


def counter(targets: Targets) -> Callable[[Any, Any], int] | None:
    """``count(AL, T)``, the samples whose prediction matches the target (the
    thresholded output for one sigmoid unit and for multi-label, every label right; else
    the largest output), for a classifier; None for a regressor."""
    if not targets.is_classifier:
        return None
    if targets.units == 1 or targets.multilabel:
        return _count_thresholded
    return _count_largest


def _count_thresholded(AL: Any, T: Any) -> Any:
    xp = arrays.namespace(AL)
    return arrays.count_true(xp.all((AL > 0.5) == (T > 0.5), axis=0))


def _count_largest(AL: Any, T: Any) -> Any:
    return arrays.count_true(arrays.argmax(AL, axis=0) == arrays.argmax(T, axis=0))


def accuracy(
    targets: Targets, predicted: np.ndarray, Y: npt.ArrayLike, dtype: npt.DTypeLike = np.float64
) -> float:
    """The share of samples whose ``predicted`` labels (from ``decode``) equal ``Y``'s:
    every label right, for multi-label; soft targets count as the class they are nearer
    to."""
    if predicted.ndim == 2:
        truth = encode(targets, check_targets(targets, Y, len(predicted)), dtype).T
        return float(np.mean(np.all(predicted == (truth > 0.5), axis=1)))
    y = validation.check_labels(Y, len(predicted))
    if _is_soft(targets, y):
        _check_soft(targets, y)
        assert targets.classes is not None
        y = targets.classes[(y > 0.5).astype(int)]
    return float(np.mean(predicted == y))


def r2(
    targets: Targets, predicted: np.ndarray, Y: npt.ArrayLike, dtype: npt.DTypeLike = np.float64
) -> float:
    """R^2 of a regressor's ``predicted`` values against ``Y`` (encoded in ``dtype``),
    averaged over outputs (1 for a perfect fit of constant targets, 0 for an imperfect
    one), as scikit-learn's."""
    truth = np.asarray(
        encode(targets, check_targets(targets, Y, len(predicted)), dtype).T, dtype=np.float64
    )
    predicted = predicted.reshape(truth.shape)
    residual = ((truth - predicted) ** 2).sum(axis=0)
    total = ((truth - truth.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1 - residual / total, np.where(residual > 0, 0.0, 1.0))
    return float(scores.mean())
