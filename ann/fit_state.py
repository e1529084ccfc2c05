"""The fitted state of the scikit-learn estimators, in one place.

``Fitted`` is what a fit trains and a warm start or ``partial_fit`` goes on with (an
estimator is fitted when it has one); ``Rule`` rows are the settings that going on may
not change, which ``check_rules`` reads with one message template; ``kept_if_failing``
puts an estimator back as it was when a fit fails; ``FittedAttributes`` are the fitted
attributes (``coefs_``, ``loss_curve_``, ...) read from the state and assigned into it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sklearn.exceptions import NotFittedError

from . import arrays, training
from .parameters import ParameterViews
from .stopping import Tolerance

ASSIGNABLE = ("coefs_", "intercepts_", "loss_curve_", "best_loss_")
"""The fitted attributes that may be assigned before a fit, as scikit-learn's tests do:
a warm start or ``partial_fit`` then goes on from them."""

KEPT = "the network it has"
"""What a warm start or ``partial_fit`` goes on with."""

ANEW = "warm_start=False to train a new one"
"""How to fit anew instead of going on."""


@dataclasses.dataclass
class Fitted:
    """What a fit trains and a warm start or ``partial_fit`` goes on with."""

    parameters: ParameterViews
    """The network's weights and biases, views of one flat array (``coefs_`` and
    ``intercepts_`` are views of it, too)."""
    record: training.Record
    """The costs and counters of every epoch (``loss_curve_``)."""
    stopper: Tolerance | None
    """The stopping rule's state (``best_loss_``, ``validation_scores_``); None for
    'lbfgs', which has no epochs."""
    optimizer: Any = None
    """The optimizer that ``partial_fit`` goes on with; None until the first epoch."""
    optimizer_settings: dict[str, Any] | None = None
    """The settings the optimizer was made with (scikit-learn's names)."""

    @property
    def units(self) -> list[int]:
        """The units of each layer with parameters (hidden and output)."""
        return [self.parameters[f"b{l}"].shape[0] for l in range(1, len(self.parameters) // 2 + 1)]

    @property
    def dtype(self) -> np.dtype:
        """The parameters' float type, as a NumPy dtype (for any namespace)."""
        return np.dtype(arrays.dtype_name(self.parameters.flat.dtype))

    def assign(self, kind: str, values: Sequence[Any], to_layout: Callable[[Any], Any]) -> None:
        """Write every layer's weights (``kind`` "W") or biases ("b") from ``values``,
        one array per layer in scikit-learn's layout, which ``to_layout`` turns into
        ann's; each moves to the parameters' device."""
        n_layers = len(self.parameters) // 2
        if len(values) != n_layers:
            raise ValueError(f"expected {n_layers} arrays, got {len(values)}")
        for l, value in enumerate(values, start=1):
            self.parameters[f"{kind}{l}"] = to_layout(arrays.move(value, self.parameters.flat))

    def copy(self, owner: object) -> Fitted:
        """A copy to go back to when a fit fails: the record, the stopping rule and the
        optimizer, which training changes in place, copied; the same parameters (whose
        values ``kept_if_failing`` copies back in place, so that ``coefs_`` views stay
        valid). The stopping rule's score is a method of ``owner``, which stays itself."""
        memo = {id(owner): owner}
        return dataclasses.replace(
            self,
            record=copy.deepcopy(self.record, memo),
            stopper=copy.deepcopy(self.stopper, memo),
            optimizer=copy.deepcopy(self.optimizer, memo),
        )


class Rule(NamedTuple):
    """A setting that a warm start or ``partial_fit`` cannot change: the error when it
    reads ``{setting}={value!r} {conflict}: {how} goes on with {kept}; fit with
    {advice}``."""

    broken: bool
    """Whether the current value conflicts with the fitted state."""
    setting: str
    """The constructor's parameter."""
    conflict: str
    """What the current value conflicts with."""
    kept: str = KEPT
    """What going on keeps."""
    advice: str = ANEW
    """How to fit anew instead."""


def cannot_go_on(conflict: str, incremental: bool, kept: str = KEPT, advice: str = ANEW) -> str:
    """The message of every error of going on (``Rule``'s template); ``incremental`` for
    ``partial_fit``, else a warm start."""
    how = "partial_fit" if incremental else "warm_start=True"
    return f"{conflict}: {how} goes on with {kept}; fit with {advice}"


def check_rules(rules: Iterable[Rule], settings: dict[str, Any], incremental: bool) -> None:
    """A ``ValueError`` at the first of the ``rules`` that going on would break;
    ``settings`` are the estimator's parameters."""
    for rule in rules:
        if rule.broken:
            conflict = f"{rule.setting}={settings[rule.setting]!r} {rule.conflict}"
            raise ValueError(cannot_go_on(conflict, incremental, rule.kept, rule.advice))


@contextmanager
def kept_if_failing(estimator: Any, going_on: Fitted | None) -> Iterator[None]:
    """Around a fit of ``estimator``: if it raises, put the estimator back as it was. A
    fit may change every attribute but the constructor's parameters; going on (with the
    state ``going_on``; None on a fit anew, which makes everything anew), it changes that
    state in place, which is copied, and its parameters' values, copied back in place."""
    params = estimator.get_params(deep=False)
    state = {name: value for name, value in vars(estimator).items() if name not in params}
    if going_on is not None:
        state = {
            name: going_on.copy(estimator) if value is going_on else value
            for name, value in state.items()
        }
        flat = arrays.copy(going_on.parameters.flat)
    try:
        yield
    except BaseException:
        for name in [name for name in vars(estimator) if name not in params]:
            del vars(estimator)[name]
        vars(estimator).update(state)
        if going_on is not None:
            going_on.parameters.flat[...] = flat
        raise


class FittedAttributes:
    """scikit-learn's fitted attributes, read from an estimator's one fitted state
    (``_fitted``) and assigned into it. Before the first fit, the ``ASSIGNABLE`` ones
    are kept for the fit to start from, as scikit-learn's tests do."""

    _fitted: Fitted | None = None
    """The trained state; None before the first fit."""

    _assigned_before_fit: dict[str, Any] | None = None
    """The fitted attributes (``ASSIGNABLE``) assigned before the first fit, by name."""

    n_layers_: int
    """The layers, input and output included (set by a fit)."""

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Each layer's weights, ``(fan_in, fan_out)``: views of the parameters' ``Wl.T``."""
        if self._assigned("coefs_"):
            return self._assigned("coefs_")
        parameters = self._trained.parameters
        return [parameters[f"W{l}"].T for l in range(1, self.n_layers_)]

    @coefs_.setter
    def coefs_(self, values: Sequence[npt.ArrayLike]) -> None:
        self._set_parameters("W", values, lambda value: value.T, "coefs_")

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Each layer's biases, ``(fan_out,)``: views of the parameters' ``bl``."""
        if self._assigned("intercepts_"):
            return self._assigned("intercepts_")
        parameters = self._trained.parameters
        return [parameters[f"b{l}"][:, 0] for l in range(1, self.n_layers_)]

    @intercepts_.setter
    def intercepts_(self, values: Sequence[npt.ArrayLike]) -> None:
        reshape = lambda b: arrays.namespace(b).reshape(b, (-1, 1))  # noqa: E731
        self._set_parameters("b", values, reshape, "intercepts_")

    @property
    def loss_curve_(self) -> list[float]:
        """The training loss of every epoch, across warm starts and ``partial_fit``."""
        if self._assigned("loss_curve_") is not None:
            return self._assigned("loss_curve_")
        self._require_stochastic("loss_curve_")
        return self._trained.record.costs

    @loss_curve_.setter
    def loss_curve_(self, values: Sequence[float]) -> None:
        self._assign(
            "loss_curve_",
            values,
            lambda: self._trained.record.costs.__setitem__(slice(None), values),
        )

    @property
    def validation_loss_curve_(self) -> list[float]:
        """ann's addition: the loss on the validation set of every epoch (with
        ``early_stopping``, else empty)."""
        self._require_stochastic("validation_loss_curve_")
        return self._trained.record.history["val_cost"]

    @property
    def best_loss_(self) -> float | None:
        if self._assigned("best_loss_") is not None:
            return self._assigned("best_loss_")
        return self._require_stochastic("best_loss_").best_loss

    @best_loss_.setter
    def best_loss_(self, value: float | None) -> None:
        self._assign(
            "best_loss_", value, lambda: setattr(self._trained.stopper, "lowest_loss", value)
        )

    @property
    def validation_scores_(self) -> list[float] | None:
        return self._require_stochastic("validation_scores_").validation_scores

    @property
    def best_validation_score_(self) -> float | None:
        return self._require_stochastic("best_validation_score_").best_validation_score

    @property
    def _optimizer(self) -> Any:
        """The optimizer that ``partial_fit`` goes on with (scikit-learn's name)."""
        return None if self._fitted is None else self._fitted.optimizer

    @property
    def _trained(self) -> Fitted:
        """The fitted state (``NotFittedError`` before the first fit)."""
        if self._fitted is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit first")
        return self._fitted

    def _assigned(self, name):
        """The value of the fitted attribute ``name`` assigned before a fit, or None."""
        return (self._assigned_before_fit or {}).get(name)

    def _assign(self, name, value, set_fitted):
        """Assign a fitted attribute: kept for the next fit when there is none yet, else
        ``set_fitted()``."""
        if self._fitted is not None:
            set_fitted()
        else:
            self._assigned_before_fit = {**(self._assigned_before_fit or {}), name: value}

    def _require_stochastic(self, name: str) -> Tolerance:
        """The stopping rule's state, which the fitted attribute ``name`` comes from
        (an ``AttributeError`` unless fitted with a stochastic solver)."""
        stopper = None if self._fitted is None else self._fitted.stopper
        if stopper is None:
            raise AttributeError(
                f"{type(self).__name__} has no {name}: it is set by the "
                "stochastic solvers 'sgd' and 'adam'"
            )
        return stopper

    def _set_parameters(self, kind, values, to_ann_layout, name):
        if self._fitted is None:
            self._assign(name, values, None)
        else:
            self._fitted.assign(kind, values, to_ann_layout)

    def __sklearn_is_fitted__(self) -> bool:
        return self._fitted is not None
