"""A model's settings: the checks of ``ANN``'s constructor arguments, and scikit-learn's
parameter protocol (``get_params``, ``set_params``, the ``repr`` of the non-defaults)
for classes whose constructor keeps each argument under its own name.
"""

from __future__ import annotations

import abc
import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import validation
from .activations import HIDDEN_ACTIVATIONS
from .core import DTYPES
from .initializers import INITIALIZERS
from .losses import LOSSES, OUTPUT_ACTIVATIONS, output_and_loss
from .optimizers import OPTIMIZERS, SCHEDULES


def check_structure(settings: Mapping[str, Any]) -> list[str]:
    """Check the settings a network's architecture is made of (``layers_size``,
    ``activation``, ``output``, ``loss``, ``dtype``); returns the hidden activations, one
    per hidden layer."""
    sizes = settings["layers_size"]
    if not isinstance(sizes, (list, tuple, np.ndarray)) or np.ndim(sizes) != 1:
        raise TypeError(f"layers_size must be a list of layer sizes, got {sizes!r}")
    if len(sizes) == 0:
        raise ValueError("layers_size is empty: give at least the output size, e.g. [196, 1]")
    for size in sizes:
        validation.check_int("each entry of layers_size", size, minimum=1)
    activation = settings["activation"]
    hidden = validation.per_hidden_layer("activation", activation, len(sizes) - 1, str)
    for name in hidden:
        validation.check_choice("activation", name, HIDDEN_ACTIVATIONS)
    output = validation.check_choice("output", settings["output"], ("auto",) + OUTPUT_ACTIVATIONS)
    if output == "softmax" and sizes[-1] < 2:
        raise ValueError(
            "output='softmax' needs at least 2 output units, but layers_size ends with 1"
        )
    loss = validation.check_choice("loss", settings["loss"], ("auto",) + tuple(LOSSES))
    output_and_loss(output, loss, int(sizes[-1]))
    validation.check_choice("dtype", settings["dtype"], DTYPES)
    return hidden


def check_training(settings: Mapping[str, Any]) -> list[float]:
    """Check the settings of ``ANN``'s training; returns the dropout rate of each hidden
    layer."""
    s = settings
    validation.check_choice("optimizer", s["optimizer"], OPTIMIZERS)
    validation.check_choice("lr_schedule", s["lr_schedule"], SCHEDULES)
    validation.check_choice("init", s["init"], INITIALIZERS)
    validation.check_float("learning_rate", s["learning_rate"])
    validation.check_int("n_iterations", s["n_iterations"])
    if s["batch_size"] is not None:
        validation.check_int("batch_size", s["batch_size"])
    for name in ("momentum", "beta_1", "beta_2", "input_dropout"):
        validation.check_float(name, s[name], 0.0, 1.0, low_open=False, high_open=True)
    validation.check_float("epsilon", s["epsilon"])
    validation.check_float("l2", s["l2"], low_open=False)
    validation.check_float("power_t", s["power_t"], low_open=False)
    validation.check_int("seed", s["seed"], minimum=0, maximum=2**32 - 1)
    for name in ("nesterov", "early_stopping", "quiet"):
        validation.check_bool(name, s[name])
    validation.check_float(
        "validation_fraction", s["validation_fraction"], 0.0, 1.0, high_open=True
    )
    validation.check_int("patience", s["patience"])
    for name in ("max_norm", "input_divisor"):
        if s[name] is not None:
            validation.check_float(name, s[name])
    callbacks = s["callbacks"]
    if not isinstance(callbacks, (list, tuple)) or not all(callable(c) for c in callbacks):
        raise TypeError(f"callbacks must be a list of callables, got {callbacks!r}")
    return validation.dropout_rates(s["dropout"], len(s["layers_size"]) - 1)


def same(a: object, b: object) -> bool:
    """Whether two argument values are equal (lists, tuples and arrays by content)."""
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except (TypeError, ValueError):
        return a is b


class ParameterProtocol(abc.ABC):
    """scikit-learn's parameter protocol, for a class whose constructor keeps each
    argument under its name: ``get_params``, ``set_params`` (which checks the new values
    with ``_check_params`` and keeps the old ones when it fails) and a ``repr`` of the
    arguments that differ from their defaults. ``_params_changed(old, new)`` hears of
    every accepted change. The tags say whether the model ``is_classifier`` (a property
    of the class)."""

    @property
    @abc.abstractmethod
    def is_classifier(self) -> bool:
        """Whether the model predicts classes (else values)."""

    @property
    def _estimator_type(self) -> str:
        return "classifier" if self.is_classifier else "regressor"

    def __sklearn_tags__(self) -> Any:
        """Tell scikit-learn (1.6+) whether this is a classifier or a regressor; only
        scikit-learn's own utilities call this, so it is imported here."""
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags

        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=True, multi_output=not self.is_classifier),
            classifier_tags=ClassifierTags() if self.is_classifier else None,
            regressor_tags=None if self.is_classifier else RegressorTags(),
        )

    @abc.abstractmethod
    def _check_params(self) -> None:
        """Raise TypeError or ValueError for an argument that is not valid."""

    @abc.abstractmethod
    def _params_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """``set_params`` changed the arguments ``new`` from their values in ``old``."""

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, as scikit-learn's estimators give them."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Any:
        """Set constructor arguments by name and check them; returns the object. A refused
        value leaves every argument as it was."""
        names = self._param_names()
        for name in params:
            if name not in names:
                raise ValueError(
                    f"{name!r} is not a parameter of {type(self).__name__}; valid: {names}"
                )
        old = self.get_params()
        for name, value in params.items():
            setattr(self, name, value)
        try:
            self._check_params()
        except (TypeError, ValueError):
            for name, value in old.items():
                setattr(self, name, value)
            self._check_params()  # what it derives from the arguments, as it was
            raise
        self._params_changed(old, params)
        return self

    def __repr__(self) -> str:
        signature = inspect.signature(type(self).__init__).parameters
        args = [
            repr(value)
            if signature[name].default is inspect.Parameter.empty
            else f"{name}={value!r}"
            for name, value in self.get_params().items()
            if signature[name].default is inspect.Parameter.empty
            or not same(value, signature[name].default)
        ]
        return f"{type(self).__name__}({', '.join(args)})"
