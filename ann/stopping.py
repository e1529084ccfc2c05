"""When to stop training: the rules the training loop asks after every epoch.

A rule's ``update(record, rate, flat, val_outputs)`` is called once an epoch is written
down (``record.costs`` and ``record.history`` hold it; ``rate`` is the learning rate of
the next epoch; ``flat`` the parameters, ``W1, b1, ...`` end to end; ``val_outputs`` the
output layer on the validation set, ``(units_L, n_val)``, or None) and returns a
``Decision``: go on, stop, or go on at a fifth of the rate (the loop divides it). A rule
may keep a copy of the best parameters, which ``finish(flat)`` puts back when training
ends.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import Any, Protocol

from . import arrays


class Decision(enum.Enum):
    """What a stopping rule tells the training loop after an epoch."""

    GO_ON = "go on"
    STOP = "stop"
    DECAY = "divide the learning rate by 5 and go on"


class StoppingRule(Protocol):
    """What the training loop asks of a rule: ``update`` after every epoch, ``finish``
    once training ends (see the module docstring)."""

    def update(self, record: Any, rate: float, flat: Any, val_outputs: Any) -> Decision: ...

    def finish(self, flat: Any) -> None: ...


class RunAll:
    """Train for every epoch asked for."""

    def update(self, record: Any, rate: float, flat: Any, val_outputs: Any) -> Decision:
        return Decision.GO_ON

    def finish(self, flat: Any) -> None:
        pass


class Patience:
    """ann's early stopping: stop when the validation cost has not improved for
    ``patience`` epochs in a row; training ends with the parameters of the best epoch
    (``record.best_epoch``)."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_cost = math.inf
        self.best_parameters: Any = None
        self.waited = 0

    def update(self, record: Any, rate: float, flat: Any, val_outputs: Any) -> Decision:
        cost = record.history["val_cost"][-1]
        if cost < self.best_cost:
            self.best_cost, self.best_parameters, self.waited = cost, arrays.copy(flat), 0
            record.best_epoch = len(record.costs) - 1
            return Decision.GO_ON
        self.waited += 1
        return Decision.STOP if self.waited >= self.patience else Decision.GO_ON

    def finish(self, flat: Any) -> None:
        if self.best_parameters is not None:
            flat[...] = self.best_parameters


class Tolerance:
    """scikit-learn's rule. After each epoch, the training loss (or, with a validation set,
    the validation ``score``, higher is better) counts as no improvement unless it beats
    the best so far by ``tol``. More than ``n_iter_no_change`` such epochs in a row stop
    training, or, with the ``adaptive`` schedule, divide the rate by 5 until it falls to
    1e-6. With a validation set, training ends with the parameters of the best score.

    ``score(val_outputs)`` computes the validation score from the output layer. The
    state (the counts, the best loss or score and parameters) lives on this object, so
    that it carries over from one ``partial_fit`` or warm-started ``fit`` to the next, as
    scikit-learn's does; ``with_settings`` gives the same state under new settings.
    """

    def __init__(
        self,
        tol: float,
        n_iter_no_change: float,
        score: Callable[[Any], float] | None = None,
        adaptive: bool = False,
    ) -> None:
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.score, self.adaptive = score, adaptive
        self.no_improvement_count = 0
        self.lowest_loss = math.inf
        self.scores: list[float] = []
        self.highest_score = -math.inf
        self.best_parameters: Any = None

    def with_settings(
        self,
        tol: float,
        n_iter_no_change: float,
        score: Callable[[Any], float] | None,
        adaptive: bool,
    ) -> Tolerance:
        """A rule with these settings that goes on from this one's state."""
        rule = Tolerance(tol, n_iter_no_change, score, adaptive)
        state = (
            "no_improvement_count",
            "lowest_loss",
            "scores",
            "highest_score",
            "best_parameters",
        )
        for name in state:
            setattr(rule, name, getattr(self, name))
        return rule

    @property
    def best_loss(self) -> float | None:
        """The lowest training loss so far; None when the validation score decides."""
        return self.lowest_loss if self.score is None else None

    @property
    def validation_scores(self) -> list[float] | None:
        """The validation score of every epoch; None without a validation set."""
        return self.scores if self.score is not None else None

    @property
    def best_validation_score(self) -> float | None:
        """The best validation score so far; None without a validation set."""
        return self.highest_score if self.score is not None else None

    @property
    def stopped(self) -> bool:
        """Whether the last epoch ended training by this rule."""
        return self.no_improvement_count > self.n_iter_no_change

    def update(self, record: Any, rate: float, flat: Any, val_outputs: Any) -> Decision:
        if self.score is None:
            improved = self._loss_improved(record.costs[-1])
        elif val_outputs is None:
            raise ValueError("the validation score needs the outputs on a validation set")
        else:
            improved = self._score_improved(self.score(val_outputs), flat)
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1
        if not self.stopped:
            return Decision.GO_ON
        if self.adaptive and rate > 1e-6:
            self.no_improvement_count = 0
            return Decision.DECAY
        return Decision.STOP

    def _loss_improved(self, loss: float) -> bool:
        improved = not loss > self.lowest_loss - self.tol
        self.lowest_loss = min(self.lowest_loss, loss)
        return improved

    def _score_improved(self, score: float, flat: Any) -> bool:
        self.scores.append(score)
        improved = not score < self.highest_score + self.tol
        if score > self.highest_score:
            self.highest_score = score
            self.best_parameters = arrays.copy(flat)
        return improved

    def finish(self, flat: Any) -> None:
        if self.best_parameters is not None:
            flat[...] = self.best_parameters
