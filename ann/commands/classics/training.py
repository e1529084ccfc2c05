"""Training the table's runs: MNIST cut into each experiment's split, a stopwatch that
ends a run at its time budget, one run, the runs of a table and of a search."""

import dataclasses
import itertools
import statistics
import sys
import time

import numpy as np

from ann import ANN, DivergenceError, data
from ann.commands._device import Device
from ann.commands._provenance import provenance
from ann.commands.classics.record import Run, current, merge_into, read_record
from ann.commands.classics.settings import (
    NIELSEN_TRAIN,
    QUICK,
    ROWS,
    candidates,
    configure,
    metric_of,
)

NUMPY = Device("numpy")


@dataclasses.dataclass
class Split:
    """Pixels scaled to [0, 1] (rows are images) and digit labels of one experiment.

    ``train_x`` (n, 784) and ``train_y`` (n,) train; ``val_x``/``val_y`` are the
    validation images 50,000-59,999 (or the quick mode's first ones of them);
    ``test_x``/``test_y`` the test set, None in a search. The pixels are arrays of the
    ``device`` (a ``scripts._device.Device``; NumPy's by default), the labels NumPy's."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray | None = None
    test_y: np.ndarray | None = None
    device: Device = NUMPY


class Mnist:
    """MNIST loaded once, cut into the splits of the experiments, pixels as float
    arrays of ``device`` (default: NumPy)."""

    def __init__(self, data_dir=None, quick=False, device=NUMPY):
        self.train_x, self.train_y, self.test_x, self.test_y = data.load_mnist(data_dir, quiet=True)
        self.quick = quick
        self.device = device
        self._scaled = {}

    def _pixels(self, dtype):
        """All training and test pixels divided by 255, in ``dtype``, on the device
        (kept per dtype)."""
        if dtype not in self._scaled:
            scaled = data.pre_process_data(self.train_x, self.test_x, dtype=dtype)
            self._scaled[dtype] = tuple(self.device.put(pixels) for pixels in scaled)
        return self._scaled[dtype]

    def split(self, name, dtype="float64"):
        """The ``Split`` called ``name``: ``nielsen`` (train on images 0-49,999), ``full``
        (train on all 60,000) or ``search`` (as ``nielsen``, without the test set)."""
        if name not in ("nielsen", "full", "search"):
            raise ValueError(f"unknown split {name!r}: nielsen, full or search")
        train_x, test_x = self._pixels(dtype)
        train_end = len(train_x) if name == "full" else NIELSEN_TRAIN
        train = slice(0, QUICK["train"] if self.quick else train_end)
        val = slice(
            NIELSEN_TRAIN, NIELSEN_TRAIN + QUICK["validation"] if self.quick else len(train_x)
        )
        test = slice(0, QUICK["test"] if self.quick else len(test_x))
        split = Split(
            train_x[train], self.train_y[train], train_x[val], self.train_y[val], device=self.device
        )
        if name != "search":
            split.test_x, split.test_y = test_x[test], self.test_y[test]
        return split


class Stopwatch:
    """A callback for ``ANN(callbacks=[...])``: it stops training once ``budget`` seconds
    of training have passed, or after ``epochs`` epochs when given (a re-run of a
    recorded run stops where that one stopped), and when given ``probe=(X, y)`` records
    ``model.score(X, y)`` after each epoch in ``scores``, the time that takes not
    counted as training. ``stopped`` says whether it ended the training early."""

    def __init__(self, budget, probe=None, epochs=None):
        self.budget = budget
        self.probe = probe
        self.epochs = epochs
        self.scores = []
        self.stopped = False
        self._start = time.perf_counter()
        self._excluded = 0.0

    @property
    def seconds(self):
        """Training time so far."""
        return time.perf_counter() - self._start - self._excluded

    def __call__(self, model):
        if self.probe is not None:
            start = time.perf_counter()
            self.scores.append(model.score(*self.probe))
            self._excluded += time.perf_counter() - start
        done = len(model.history["cost"])
        if self.epochs is None:
            self.stopped = self.seconds >= self.budget and done < model.n_iterations
        else:
            self.stopped = done >= self.epochs and done < model.n_iterations
        return self.stopped


def train_once(row, setting, seed, split, budget, config, epochs=None):
    """Train ``config`` (ANN's arguments) with ``seed`` on ``split`` and score it as the
    row's ``setting`` reports; a search (``split.test_x`` None) scores the validation
    images. Training stops after ``budget`` seconds, or, when ``epochs`` is given,
    after that many epochs whatever the time. Returns a ``Run`` with this process's
    provenance and device."""
    search = split.test_x is None
    metric = "validation" if search else metric_of(row, setting)
    probe = (split.test_x, split.test_y) if metric == "best_test" else None
    stopwatch = Stopwatch(budget, probe, epochs)
    model = ANN(**config, seed=seed, quiet=True, callbacks=[stopwatch])
    code = dict(provenance(), device=split.device.describe())
    try:
        model.fit(split.train_x, split.train_y)
    except DivergenceError:
        done = len(model.costs)
        return Run(row, setting, seed, None, stopwatch.seconds, done, False, config, search, code)
    seconds = stopwatch.seconds
    if metric == "best_test":
        accuracy = max(stopwatch.scores)
    elif metric == "validation":
        accuracy = model.score(split.val_x, split.val_y)
    else:
        accuracy = model.score(split.test_x, split.test_y)
    done = len(model.history["cost"])
    return Run(row, setting, seed, accuracy, seconds, done, stopwatch.stopped, config, search, code)


def log(text):
    print(text, file=sys.stderr, flush=True)


def describe_run(run):
    figure = "diverged" if run.accuracy is None else f"accuracy {run.accuracy:.2%}"
    stop = ", stopped by the budget" if run.stopped else ""
    return (
        f"{run.row} {run.setting} seed {run.seed}: {figure}, {run.seconds:.1f} s, "
        f"{run.epochs} epochs{stop}"
    )


def run_table(mnist, rows, settings, seeds, budget, quick, record=None, missing=False):
    """Train every row with every setting and seed, adding each run to the JSON
    ``record`` (a path) as soon as it ends; ``missing`` skips the runs the record has
    with today's settings. Returns the list of ``Run`` trained."""
    recorded = current(read_record(record), quick) if missing else []
    done = {(run.row, run.setting, run.seed) for run in recorded}
    runs = []
    for row, setting, seed in itertools.product(rows, settings, seeds):
        if (row, setting, seed) in done:
            continue
        config = configure(row, setting, quick)
        split = mnist.split(ROWS[row].split, config.get("dtype", "float64"))
        run = train_once(row, setting, seed, split, budget or ROWS[row].budget, config)
        log(describe_run(run))
        runs.append(run)
        if record:
            merge_into(record, [run])
    return runs


def run_search(mnist, row, setting, seeds, budget, quick):
    """Train each candidate of the row's search on images 0-49,999 and score the
    validation images 50,000-59,999; returns ``(changes, runs)`` pairs, best first."""
    results = []
    for changes in candidates(row, setting):
        config = configure(row, setting, quick, changes)
        split = mnist.split("search", config.get("dtype", "float64"))
        runs = [
            train_once(row, setting, seed, split, budget or ROWS[row].budget, config)
            for seed in seeds
        ]
        log(f"{row} {setting} {changes}: " + "; ".join(describe_run(run) for run in runs))
        results.append((changes, runs))

    def median_accuracy(result):
        accuracies = [run.accuracy for run in result[1]]
        return -1.0 if None in accuracies else statistics.median(accuracies)

    return sorted(results, key=median_accuracy, reverse=True)
