"""The training loop: epochs of mini-batch (or full-batch) updates, shared by ``ANN`` and
the scikit-learn estimators.

``train(model, data, config, optimizer=..., stopping=...)`` runs the epochs that
``config`` asks for. Each epoch

1. runs at the optimizer's rate, which the loop sets when the epoch before ends (a new
   optimizer starts at ``config.learning_rate``);
2. takes the samples in the order that ``config.shuffle`` draws (or as they come), and
   for each batch computes the gradients (``ann.core.gradients``) and lets the optimizer
   update the parameters in place;
3. writes the epoch's cost and accuracy, and those on the validation set, into
   ``model.record``;
4. sets the next epoch's rate from ``learning_rate(config, ...)``, a pure function of the
   schedule and of where training stands (the loop is the only writer of the rate), as
   scikit-learn's ``iteration_ends`` does;
5. asks the stopping rule (``ann.stopping``) for its decision (go on, stop, or divide the
   rate by 5) and the callbacks whether to stop.

A ``DivergenceError`` (a NaN or infinite cost) restores the parameters of the last
finite epoch before it is raised.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from . import arrays, core, threads
from .core import Architecture, DivergenceError, DivergenceWarning
from .optimizers import SCHEDULES, Optimizer, Progress
from .parameters import ParameterViews
from .progress import callbacks_running, progress_bar
from .stopping import Decision, StoppingRule
from .validation import check_choice, check_float, check_int, check_total_weight, dropout_rates

HISTORY_KEYS = ("cost", "accuracy", "val_cost", "val_accuracy")

Callback = Callable[[Any], object]
"""Called with the model after every epoch; a true result stops training."""


def new_history() -> dict[str, list[float]]:
    """An empty history: per epoch, the training and validation cost and accuracy."""
    return {key: [] for key in HISTORY_KEYS}


@dataclass
class Record:
    """What training writes down, epoch after epoch (kept across warm starts).

    ``costs[i]`` is the training cost of epoch i (the mean of its batches' costs, each
    computed before that batch's update); ``history`` holds per epoch the ``cost``, and
    for a classifier the ``accuracy``, and with a validation set ``val_cost`` and
    ``val_accuracy``; ``samples_seen`` counts the samples of every epoch so far;
    ``epochs`` is the number of epochs the last ``train`` ran; ``best_epoch`` the epoch
    whose parameters a stopping rule kept (None when none did).
    """

    costs: list[float] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=new_history)
    samples_seen: int = 0
    epochs: int = 0
    best_epoch: int | None = None


class Model(NamedTuple):
    """What the loop trains: the network's ``architecture``, its ``parameters`` (views
    of ``parameters.flat``, updated in place), the ``record`` it writes into, and for a
    classifier ``count_correct(AL, T)`` (``ann.targets.counter``)."""

    architecture: Architecture
    parameters: ParameterViews
    record: Record
    count_correct: core.CountCorrect | None = None


class Data(NamedTuple):
    """Samples as the loop takes them: ``X`` (n, n_features), the targets ``T``
    (units_L, n) and the sample ``weights`` (n,) or None."""

    X: Any
    T: Any
    weights: Any = None


@dataclass(frozen=True)
class Config:
    """How to train, besides the optimizer and the stopping rule.

    ``n_epochs`` passes over the data with ``batch_size`` samples per update (None: the
    full batch); the rate starts at ``learning_rate`` and follows ``lr_schedule`` (with
    ``power_t`` for ``invscaling``); ``l2`` is the weight decay; ``dropout`` maps a layer
    (0 for the input) to the probability of dropping each of its units; after each update
    every unit's incoming weights are scaled down to a norm of at most ``max_norm``;
    ``shuffle(previous_order)`` gives each epoch's order of the samples (None: as they
    come); ``callbacks`` are called with ``owner`` after every epoch; ``quiet=False``
    shows a progress bar. A NaN or infinite cost raises ``DivergenceError`` unless
    ``stop_on_divergence`` is False (scikit-learn's early stopping goes on and keeps the
    best finite parameters).
    """

    n_epochs: int
    learning_rate: float
    batch_size: int | None = None
    lr_schedule: str = "constant"
    power_t: float = 0.5
    l2: float = 0.0
    dropout: Mapping[int, float] = field(default_factory=dict)
    max_norm: float | None = None
    shuffle: Callable[[np.ndarray], np.ndarray] | None = None
    callbacks: Sequence[Callback] = ()
    quiet: bool = True
    stop_on_divergence: bool = True

    def __post_init__(self) -> None:
        check_int("n_epochs", self.n_epochs)
        check_float("learning_rate", self.learning_rate, low_open=False)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size)
        check_choice("lr_schedule", self.lr_schedule, SCHEDULES)
        check_float("power_t", self.power_t, low_open=False)
        check_float("l2", self.l2, low_open=False)
        for layer in self.dropout:
            check_int("a dropout layer", layer, minimum=0)
        dropout_rates(list(self.dropout.values()), len(self.dropout))
        if self.max_norm is not None:
            check_float("max_norm", self.max_norm)
        if not all(callable(f) for f in (*self.callbacks, self.shuffle or callable)):
            raise TypeError("callbacks and shuffle must be callables")


DIVERGING = 1.5
"""A fit whose last cost is this many times its first one diverged (a healthy run ends
below where it started; noise in the costs of mini-batches stays far within this)."""


def warn_if_diverging(
    costs: Sequence[float], rate: str, cost: str = "cost", stacklevel: int = 2
) -> None:
    """A ``DivergenceWarning`` when the ``costs`` of the epochs became NaN or infinite
    (where training went on) or ended much higher than they started; ``rate`` is the
    learning rate's setting as the user gave it (``"learning_rate=0.1"``) and ``cost``
    the name of the costs, for the message."""
    finite = all(math.isfinite(value) for value in costs)
    if finite and (len(costs) < 2 or costs[-1] <= DIVERGING * costs[0]):
        return
    warnings.warn(
        f"training diverged: the {cost} went from {costs[0]:.4g} to {costs[-1]:.4g} "
        f"({rate}); try a smaller learning rate, or scaled inputs",
        DivergenceWarning,
        stacklevel=stacklevel + 1,
    )


def learning_rate(config: Config, rate: float, epochs_done: int, samples_seen: int) -> float:
    """The rate of the next epoch, from the schedule: ``rate`` is the one used so far
    (which ``adaptive`` keeps), ``epochs_done`` the epochs this training has run and
    ``samples_seen`` the samples of every epoch since the first fit."""
    progress = Progress(
        rate, config.learning_rate, epochs_done, config.n_epochs, samples_seen, config.power_t
    )
    return SCHEDULES[config.lr_schedule](progress)


def train(
    model: Model,
    data: Data,
    config: Config,
    *,
    optimizer: Optimizer,
    stopping: StoppingRule,
    rng: Any = None,
    validation: Data | None = None,
    owner: Any = None,
) -> int:
    """Train ``model`` on ``data`` for ``config.n_epochs`` epochs, or until the stopping
    rule or a callback stops it; returns the number of epochs run.

    ``optimizer.learning_rate`` holds the rate between calls (``partial_fit`` goes on
    from it). ``rng`` draws the dropout masks. ``validation`` is scored after every
    epoch. The callbacks receive ``owner``.
    """
    check_data(model.architecture, data, "data")
    if validation is not None:
        check_data(model.architecture, validation, "validation")
    if rng is None and any(config.dropout.values()):
        raise ValueError("dropout needs rng, the random source of its masks")
    flat = model.parameters.flat
    workspace = core.Workspace(model.architecture, like=flat)
    order = None if config.shuffle is None else np.arange(data.X.shape[0])
    rows = _rows_buffer(data.X, config.batch_size) if order is not None else None
    if rng is not None and any(config.dropout.values()):
        rng = arrays.random_source(rng, flat)
    last_good, record = arrays.copy(flat), model.record
    record.epochs = 0
    bar = progress_bar(range(config.n_epochs), desc="training", quiet=config.quiet, unit="epoch")
    rows_per_step = data.X.shape[0] if config.batch_size is None else config.batch_size
    work = threads.multiply_adds(model.architecture.sizes, min(rows_per_step, data.X.shape[0]))
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        threads.fitting(work, flat) as governor,
        bar,
        callbacks_running(config.callbacks, config.n_epochs),  # e.g. a ProgressBar
    ):
        for epoch in bar:
            rate = optimizer.learning_rate
            start = arrays.copy(flat)
            if config.shuffle is not None and order is not None:
                order = config.shuffle(order)
            batches = None if order is None else arrays.like(order, data.X)
            try:
                cost, accuracy = _epoch(
                    model, data, config, optimizer, (workspace, governor), batches, rows, rng
                )
            except DivergenceError as error:
                flat[...] = last_good
                raise DivergenceError(
                    f"training diverged at {error} (learning_rate={rate:g}); try a smaller "
                    "learning rate. The model keeps its last finite parameters."
                ) from None
            last_good = start
            val_outputs = _write_down(model, data, cost, accuracy, validation)
            optimizer.learning_rate = learning_rate(config, rate, epoch + 1, record.samples_seen)
            bar.set_postfix(_postfix(record), refresh=False)
            if _stops(model, config, optimizer, stopping, val_outputs, owner):
                break
    stopping.finish(flat)
    return record.epochs


def check_data(architecture: Architecture, data: Data, name: str) -> None:
    """``data`` has the shapes the loop takes for ``architecture``: ``X`` (n,
    n_features) with n > 0, ``T`` (units_L, n), ``weights`` (n,) or None. (Its values
    are the caller's to check: ``ANN.fit`` and the estimators do.)"""
    X, T, weights = data
    n_features, units = architecture.sizes[0], architecture.sizes[-1]
    if len(X.shape) != 2 or X.shape[0] == 0 or X.shape[1] != n_features:
        raise ValueError(f"{name}: X must have shape (n > 0, {n_features}), got {tuple(X.shape)}")
    if tuple(T.shape) != (units, X.shape[0]):
        raise ValueError(f"{name}: T must have shape ({units}, {X.shape[0]}), got {tuple(T.shape)}")
    if weights is not None and tuple(weights.shape) != (X.shape[0],):
        raise ValueError(
            f"{name}: weights must have shape ({X.shape[0]},), got {tuple(weights.shape)}"
        )


def _stops(
    model: Model,
    config: Config,
    optimizer: Optimizer,
    stopping: StoppingRule,
    val_outputs: Any,
    owner: Any,
) -> bool:
    """Whether training stops after this epoch: the stopping rule's decision (dividing
    the rate by 5 when it says so) and the callbacks'."""
    decision = stopping.update(
        model.record, optimizer.learning_rate, model.parameters.flat, val_outputs
    )
    if decision is Decision.DECAY:
        optimizer.learning_rate /= 5.0
    stop = decision is Decision.STOP
    for callback in config.callbacks:
        stop = bool(callback(owner)) or stop
    return stop


def _rows_buffer(X: Any, batch_size: int | None) -> np.ndarray | None:
    """The array that a shuffled batch's rows are gathered into, reused by every batch:
    it stays in the cache for the matrix products, and no memory is touched for the
    first time in an epoch (a fresh copy of the data costs page faults). None for sparse
    data, and for namespaces other than NumPy (their allocators pool memory)."""
    if arrays.is_sparse(X) or not arrays.is_numpy(X):
        return None
    size = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
    return np.empty((size, X.shape[1]), X.dtype)


def _epoch(
    model: Model,
    data: Data,
    config: Config,
    optimizer: Optimizer,
    buffers: tuple[core.Workspace, threads.Governor],
    order: Any,
    rows_buffer: np.ndarray | None,
    rng: Any,
) -> tuple[float, float]:
    """One pass over the data: full batch, or consecutive mini-batches of the samples in
    ``order`` (indices in the data's namespace; None: as they come), each step in the
    governor's threads. Returns the mean cost and accuracy of the pass (each batch's
    before its update)."""
    workspace, governor = buffers
    n = data.X.shape[0]
    size = n if config.batch_size is None else min(config.batch_size, n)
    total_cost, total_correct = 0.0, 0
    weightless = _weightless_batches(data.weights, order, size)
    for number, start in enumerate(range(0, n, size)):
        if weightless is not None and weightless[number]:
            continue  # a batch of total weight 0 has no mean cost: no gradient, no update
        rows = slice(start, min(start + size, n))
        X, T, weights = _batch(data, rows if order is None else order[rows], rows_buffer)
        where = f", batch {number}" if size < n else ""
        with governor.step():
            cost, correct = _step(model, config, optimizer, (X, T, weights), workspace, rng, where)
        total_cost += cost * min(size, n - start)
        total_correct += correct
    cost = float(total_cost) / n  # other namespaces: the one wait for the device
    _check_divergence(model, config, cost, parameters=True)
    return cost, float(total_correct) / n


def _check_divergence(
    model: Model, config: Config, cost: float, batch: str = "", parameters: bool = False
) -> None:
    """Where training stops on divergence, a ``DivergenceError`` for a NaN or infinite
    ``cost`` (of a batch, named by ``batch``, or of the epoch) and, with ``parameters``,
    for NaN or infinite parameters (after an epoch's last update: an earlier one would
    have made the next batch's cost NaN)."""
    if not config.stop_on_divergence:
        return
    where = f"iteration {len(model.record.costs)}{batch}"
    if parameters and not arrays.all_finite(model.parameters.flat):
        raise DivergenceError(f"{where}: the update made the parameters NaN or infinite")
    if not math.isfinite(cost):
        raise DivergenceError(f"{where}: the cost is {cost}")


def _step(
    model: Model,
    config: Config,
    optimizer: Optimizer,
    batch: tuple[Any, Any, Any],
    workspace: core.Workspace,
    rng: Any,
    where: str = "",
) -> tuple[Any, Any]:
    """One training step on ``batch`` (its ``X``, ``T`` and weights; ``where`` names it
    in a ``DivergenceError``): the gradients, then the optimizer's update and the
    max-norm. Returns the batch's cost and correct samples."""
    X, T, weights = batch
    cost, correct = core.gradients(
        model.architecture,
        model.parameters,
        X,
        T,
        workspace,
        weights=weights,
        l2=config.l2,
        dropout=config.dropout if any(config.dropout.values()) else None,
        rng=rng,
        count_correct=model.count_correct,
    )
    if arrays.is_numpy(X):  # a host float, checked before the update spreads a NaN
        _check_divergence(model, config, cost, where)  # (elsewhere: at the epoch's end)
    optimizer.step(model.parameters.flat, workspace.grads.flat)
    if config.max_norm is not None:
        core.limit_norms(model.architecture, model.parameters, config.max_norm)
    return cost, correct


def _weightless_batches(weights: Any, order: Any, size: int) -> np.ndarray | None:
    """Which of the epoch's batches of ``size`` samples (taken in ``order``, or as they
    come) have only weights of 0: a NumPy array of booleans, one per batch, read from the
    weights' device in one go (None without weights)."""
    if weights is None:
        return None
    xp = arrays.namespace(weights)
    taken = weights if order is None else xp.take(weights, order, axis=0)
    n = taken.shape[0]
    full = n - n % size
    flags = [xp.any(xp.reshape(taken[:full], (full // size, size)) != 0, axis=1)]
    if full < n:
        flags.append(xp.any(taken[full:] != 0, keepdims=True))
    return ~arrays.to_numpy(arrays.concat(flags, axis=0))


def _write_down(
    model: Model, data: Data, cost: float, accuracy: float, validation: Data | None
) -> Any:
    """Add the epoch to the record; returns the output layer on the validation set,
    ``(units_L, n_val)`` (None without one)."""
    record = model.record
    record.epochs += 1
    record.samples_seen += data.X.shape[0]
    record.costs.append(cost)
    record.history["cost"].append(cost)
    if model.count_correct is not None:
        record.history["accuracy"].append(accuracy)
    if validation is None:
        return None
    val_cost, correct, outputs = evaluate(model, validation)
    record.history["val_cost"].append(val_cost)
    if model.count_correct is not None:
        record.history["val_accuracy"].append(correct / validation.X.shape[0])
    return outputs


def evaluate(model: Model, data: Data) -> tuple[float, int, Any]:
    """The mean cost of ``model`` on ``data`` (without the L2 term; NaN when every
    weight is 0), the samples it gets right, and its output layer ``(units_L, n)``."""
    X, T, weights = data
    total = X.shape[0] if weights is None else float(arrays.namespace(weights).sum(weights))
    if total == 0:  # samples of weight 0 only: no mean cost
        weights, total = None, math.nan
    cost, correct, outputs = 0.0, 0, []
    for columns, AL, store in core.forward_blocks(model.architecture, model.parameters, X):
        w = None if weights is None else weights[columns]
        cost += core.data_cost(model.architecture, store, T[:, columns], total, w)
        if model.count_correct is not None:
            correct += model.count_correct(AL, T[:, columns])
        outputs.append(AL)
    return float(cost), int(correct), arrays.concat(outputs, axis=1)


def _postfix(record: Record) -> dict[str, str]:
    """The progress bar's figures: the last epoch's cost and accuracies."""
    postfix = {"cost": f"{record.costs[-1]:.4f}"}
    for key in ("accuracy", "val_accuracy"):
        if record.history[key]:
            postfix[key.replace("accuracy", "acc")] = f"{record.history[key][-1]:.4f}"
    return postfix


def random_split(
    n: int, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(kept, held)``: the sample indices kept for training and the ``round(fraction
    * n)`` held out for validation, drawn from ``rng``."""
    n_val = round(fraction * n)
    if n_val < 1 or n_val >= n:
        raise ValueError(
            f"validation_fraction={fraction} of {n} samples leaves no validation or training set"
        )
    order = rng.permutation(n)
    return order[n_val:], order[:n_val]


def split(
    data: Data, kept: np.ndarray, held: np.ndarray, means: tuple[str, str] = ("cost", "cost")
) -> tuple[Data, Data]:
    """The training part (samples ``kept``) and the validation part (samples ``held``)
    of ``data``; ValueError when the weights of either part leave its mean (``means``:
    their names, for the message) undefined."""
    parts = [_batch(data, arrays.like(rows, data.X)) for rows in (kept, held)]
    for part, name, mean in zip(parts, ("training", "validation"), means):
        check_total_weight(part.weights, f"{name} samples", mean, "the early-stopping split")
    return parts[0], parts[1]


def _batch(data: Data, rows: Any, buffer: np.ndarray | None = None) -> Data:
    """The samples ``rows`` (a slice, or indices in the data's namespace) of ``data``;
    dense NumPy rows are gathered into ``buffer`` when one is given."""
    X, T, weights = data
    if isinstance(rows, slice) or arrays.is_numpy(X):
        if buffer is not None and not isinstance(rows, slice):
            X_rows = arrays.take_rows(X, rows, out=buffer[: len(rows)])
        else:
            X_rows = X[rows, :]
        return Data(X_rows, T[:, rows], None if weights is None else weights[rows])
    xp = arrays.namespace(X)
    taken = None if weights is None else xp.take(weights, rows, axis=0)
    return Data(xp.take(X, rows, axis=0), xp.take(T, rows, axis=1), taken)
