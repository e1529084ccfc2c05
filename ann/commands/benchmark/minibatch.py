"""Section ``minibatch``: one epoch of mini-batch SGD with momentum on the tutorial's
network (batch 64 and 256, float64 and float32) against the epoch's floor, the same two
matrix products summed over its batches."""

import math

import numpy as np

from ann.commands.benchmark.harness import HIDDEN, counted, median, paired, timed, timed_fit

QUICK_SAMPLES = 2048
"""The samples of a quick run's epoch."""


def epoch_floor(X, W1, dZ1, batch):
    """A function running one epoch's floor: for each batch of ``batch`` rows of ``X``,
    ``W1 @ block.T`` and ``dZ1 @ block``."""

    def floor():
        for start in range(0, X.shape[0], batch):
            block = X[start : start + batch]
            W1 @ block.T
            dZ1[:, : block.shape[0]] @ block

    return floor


def time_epochs(X, y, batch, rounds, floor):
    """``(epochs, floors)``: the seconds of each of ``rounds`` epochs of fit (after a
    warm-up epoch), and of the floor timed after each."""
    floors, epochs = [], []

    def hook(model, seconds):
        epochs.append(seconds)
        floors.append(timed(floor))

    floor()
    timed_fit(
        hook,
        X,
        y,
        layers_size=[HIDDEN, 1],
        optimizer="sgd",
        learning_rate=0.05,
        batch_size=batch,
        n_iterations=rounds + 1,
        dtype=X.dtype.name,
    )
    return epochs[1:], floors[1:]


def measure(report, data, args, peers):
    rounds = args.repeats
    X64 = data.task("5v8", "float64")[0]
    n = X64.shape[0] if not args.quick else QUICK_SAMPLES
    report.section(
        "minibatch",
        f"Mini-batch epoch, 784-196-1 sigmoid, sgd momentum, "
        f"{n} samples of 5 vs 8 ({counted(rounds, 'epoch')} after a warm-up)",
    )
    rng = np.random.default_rng(0)
    for dtype in ("float32", "float64"):
        X, y = data.task("5v8", dtype)[:2]
        X, y = X[:n], y[:n]
        W1 = (rng.standard_normal((HIDDEN, X.shape[1])) / 28).astype(dtype)
        dZ1 = rng.standard_normal((HIDDEN, 256)).astype(dtype)
        for batch in (64, 256):
            epochs, floors = time_epochs(X, y, batch, rounds, epoch_floor(X, W1, dZ1, batch))
            ratio = paired(epochs, floors)
            report.row(
                f"epoch floor {dtype}, batch {batch}",
                median(floors),
                1.0,
                f"epoch floor {dtype} batch {batch}",
            )
            report.row(
                f"ann epoch {dtype}, batch {batch}",
                median(epochs),
                ratio,
                f"epoch floor {dtype} batch {batch}",
                note=f"{math.ceil(n / batch)} updates",
            )
            if dtype == "float32" and batch == 256:
                report.target("minibatch_256_f32", ratio, 1.5)
