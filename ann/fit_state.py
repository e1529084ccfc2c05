"""The fitted state of the scikit-learn estimators, in one place.

``Fitted`` is what a fit trains and a warm start or ``partial_fit`` goes on with (an
estimator is fitted when it has one); ``Rule`` rows are the settings that going on may
not change, which ``check_rules`` reads with one message template; ``kept_if_failing``
puts an estimator back as it was when a fit fails.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from . import arrays, training
from .parameters import ParameterViews
from .stopping import Tolerance

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
    flat = None
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
        if flat is not None:
            going_on.parameters.flat[...] = flat
        raise
