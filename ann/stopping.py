"""When to stop training: the rules the epoch loop asks after every epoch.

A rule's ``update(model, optimizer, val_outputs)`` is called once an epoch is recorded
(``model.costs`` and ``model.history`` hold it; ``val_outputs`` is the output layer on the
validation set, ``(units_L, n_val)``, or None) and returns True to stop. It may keep a copy
of the best parameters, which ``finish(model)`` puts back when training ends.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np


class RunAll:
    """Train for every epoch asked for."""

    def update(self, model: Any, optimizer: Any, val_outputs: np.ndarray | None) -> bool:
        return False

    def finish(self, model: Any) -> None:
        pass


class Patience:
    """ann's early stopping: stop when the validation cost has not improved for
    ``patience`` epochs in a row; training ends with the parameters of the best epoch."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best_cost = math.inf
        self.best_parameters: np.ndarray | None = None
        self.waited = 0

    def update(self, model: Any, optimizer: Any, val_outputs: np.ndarray | None) -> bool:
        cost = model.history["val_cost"][-1]
        if cost < self.best_cost:
            self.best_cost, self.best_parameters, self.waited = cost, model._snapshot(), 0
            model.best_epoch_ = len(model.costs) - 1
            return False
        self.waited += 1
        return self.waited >= self.patience

    def finish(self, model: Any) -> None:
        if self.best_parameters is not None:
            model._restore(self.best_parameters)


class Tolerance:
    """scikit-learn's rule. After each epoch, the training loss (or, with a validation set,
    the validation ``score``, higher is better) counts as no improvement unless it beats
    the best so far by ``tol``. More than ``n_iter_no_change`` such epochs in a row stop
    training, or, with the ``adaptive`` schedule, divide the rate by 5 until it falls to
    1e-6. With a validation set, training ends with the parameters of the best score.

    ``score(val_outputs)`` computes the validation score from the output layer. The
    state lives on this object, so that it carries over from one ``partial_fit`` or
    warm-started ``fit`` to the next, as scikit-learn's does.
    """

    def __init__(
        self,
        tol: float,
        n_iter_no_change: float,
        score: Callable[[np.ndarray], float] | None = None,
        adaptive: bool = False,
    ) -> None:
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.score, self.adaptive = score, adaptive
        self.no_improvement_count = 0
        self._best_loss = math.inf
        self._scores: list[float] = []
        self._best_score = -math.inf
        self.best_parameters: np.ndarray | None = None

    @property
    def best_loss(self) -> float | None:
        """The lowest training loss so far; None when the validation score decides."""
        return self._best_loss if self.score is None else None

    @property
    def validation_scores(self) -> list[float] | None:
        """The validation score of every epoch; None without a validation set."""
        return self._scores if self.score is not None else None

    @property
    def best_validation_score(self) -> float | None:
        """The best validation score so far; None without a validation set."""
        return self._best_score if self.score is not None else None

    def update(self, model: Any, optimizer: Any, val_outputs: np.ndarray | None) -> bool:
        if self.score is None:
            improved = self._loss_improved(model.costs[-1])
        elif val_outputs is None:
            raise ValueError("the validation score needs the outputs on a validation set")
        else:
            improved = self._score_improved(model, self.score(val_outputs))
        self.no_improvement_count = 0 if improved else self.no_improvement_count + 1
        if self.no_improvement_count <= self.n_iter_no_change:
            return False
        if self.adaptive and optimizer.learning_rate > 1e-6:
            optimizer.learning_rate /= 5.0
            self.no_improvement_count = 0
            return False
        return True

    def _loss_improved(self, loss: float) -> bool:
        improved = not loss > self._best_loss - self.tol
        self._best_loss = min(self._best_loss, loss)
        return improved

    def _score_improved(self, model: Any, score: float) -> bool:
        self._scores.append(score)
        improved = not score < self._best_score + self.tol
        if score > self._best_score:
            self._best_score = score
            self.best_parameters = model._snapshot()
        return improved

    def finish(self, model: Any) -> None:
        if self.best_parameters is not None:
            model._restore(self.best_parameters)
