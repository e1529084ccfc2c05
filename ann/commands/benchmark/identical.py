"""Section ``identical``: identical settings on all ten digits, 784-100-10 ReLU, Adam
(lr 0.001, scikit-learn's betas and epsilon), the same epochs, at batch 32, 64, 200, 256
and the full batch, float64 and float32. For each: the floor (the matrix products of
one epoch at that batch size that no implementation can avoid, timed alone on
preallocated arrays), then the time per epoch and the final test accuracy of ``ANN``,
scikit-learn's MLPClassifier and PyTorch (round-robin, every ratio taken round by
round), and, when the package has it, ``ann.MLPClassifier`` at scikit-learn's defaults
(batch 200, float64 data, as is and with ``dtype="float32"``). Printed as a table per
dtype, with the targets."""

import numpy as np

from ann import ANN
from ann.commands.benchmark.harness import (
    IDENTICAL_HIDDEN,
    IDENTICAL_RATE,
    format_time,
    median,
    paired,
    round_robin,
)
from ann.commands.benchmark.peers import mlp_trainer, torch_trainer

IDENTICAL_BATCHES = (32, 64, 200, 256, None)  # None: the full batch
IDENTICAL_EPOCHS = 3  # per training (quick mode: 2, on QUICK_SAMPLES samples)
IDENTICAL_ROUNDS = 3  # trainings per implementation and cell (quick mode: 2)
QUICK_SAMPLES = 2048

# The limits of the identical-settings targets: ann's epoch over the floor of the epoch
# by batch size (None: full batch), and the ratios to the peers at batch 200, float64.
EPOCH_LIMITS = {64: 1.6, 200: 1.3, 256: 1.3, None: 1.10}
PEER_LIMITS = {"sklearn_200_f64": 0.5, "torch_200_f64": 0.7, "mlp_f64": 0.5, "mlp_f32": 0.35}

DROP_INS = ("ann.MLPClassifier()", "ann.MLPClassifier(dtype='float32')")


def batch_label(batch):
    return "full" if batch is None else str(batch)


def epoch_floor(X, sizes, batch):
    """A function running the matrix products of one epoch that no implementation can
    avoid, on arrays allocated here once: for each batch of ``batch`` rows of ``X`` (in
    order; None: all rows), the forward product ``Wl @ A(l-1)`` of every layer, then
    backward, from the last layer, the weight-gradient product ``dZl @ A(l-1).T`` of
    every layer and ``dA(l-1) = Wl.T @ dZl`` of every layer but the first. ``sizes``
    are the layer widths, inputs first (784, 100, 10)."""
    n, dtype = X.shape[0], X.dtype
    batch = batch or n
    rng = np.random.default_rng(0)

    def random(*shape):
        return rng.standard_normal(shape).astype(dtype)

    W = [random(units, fan_in) for fan_in, units in zip(sizes, sizes[1:])]
    dW = [np.empty_like(weights) for weights in W]
    buffers = {}  # per batch length (the last batch may be shorter)
    for start in range(0, n, batch):
        b = min(batch, n - start)
        if b not in buffers:
            buffers[b] = {
                "A": [random(units, b) for units in sizes[1:-1]],
                "Z": [np.empty((units, b), dtype) for units in sizes[1:]],
                "dZ": [random(units, b) for units in sizes[1:]],
                "dA": [np.empty((units, b), dtype) for units in sizes[1:-1]],
            }

    def run():
        for start in range(0, n, batch):
            A0 = X[start : start + batch].T
            arrays = buffers[A0.shape[1]]
            A = [A0] + arrays["A"]  # A[l] is the input of layer l + 1
            for l, weights in enumerate(W):
                np.matmul(weights, A[l], out=arrays["Z"][l])
            for l in reversed(range(len(W))):
                np.matmul(arrays["dZ"][l], A[l].T, out=dW[l])
                if l:
                    np.matmul(W[l].T, arrays["dZ"][l], out=arrays["dA"][l - 1])

    return run


def floor_gflop(n, sizes):
    """Floating-point operations (GFLOP) of an epoch's floor on ``n`` samples."""
    products = sum(2 * fan_in * units for fan_in, units in zip(sizes, sizes[1:]))
    dA = sum(fan_in * units for fan_in, units in zip(sizes[1:], sizes[2:]))
    return n * (2 * products + 2 * dA) / 1e9


def ann_trainer(X, y, batch, epochs, seed=1):
    """A function that trains ``ANN`` at the identical settings and returns its
    ``predict``: 784-100-10 ReLU, Adam (lr 0.001, betas 0.9 and 0.999, epsilon 1e-8),
    Glorot initialization, ``batch`` samples per update (None: full batch), in X's
    dtype."""
    n_classes = len(np.unique(y))

    def train():
        model = ANN(
            layers_size=[IDENTICAL_HIDDEN, n_classes],
            activation="relu",
            optimizer="adam",
            learning_rate=IDENTICAL_RATE,
            batch_size=batch,
            init="glorot",
            dtype=X.dtype.name,
            n_iterations=epochs,
            seed=seed,
            quiet=True,
        )
        return model.fit(X, y).predict

    return train


def ann_estimator():
    """``ann.MLPClassifier`` when the package has it, else None."""
    import ann

    return getattr(ann, "MLPClassifier", None)


def identical_trainers(X, y, batch, epochs, peers, estimator):
    """``{implementation: train function}`` for one cell of the table. The drop-in
    ``ann.MLPClassifier`` (``estimator``) is measured at scikit-learn's defaults only:
    batch 200 on float64 data, as is and with ``dtype="float32"``."""
    trainers = {"ann": ann_trainer(X, y, batch, epochs)}
    if peers.sklearn is not None:
        from sklearn.neural_network import MLPClassifier

        trainers["scikit-learn"] = mlp_trainer(MLPClassifier, X, y, batch, epochs)
    if peers.torch is not None:
        trainers["pytorch"] = torch_trainer(peers.torch, X, y, batch, epochs)
    at_defaults = batch == 200 and X.dtype == np.float64
    if peers.sklearn is not None and estimator is not None and at_defaults:
        trainers[DROP_INS[0]] = mlp_trainer(estimator, X, y, batch, epochs)
        trainers[DROP_INS[1]] = mlp_trainer(estimator, X, y, batch, epochs, dtype="float32")
    return trainers


def time_cell(tasks, rounds, epochs, X_test, y_test):
    """Time ``tasks`` (the floor, then each trainer) round-robin: returns ``({name:
    seconds per epoch in each round}, {trainer: test accuracy of its last training})``."""
    times, results = round_robin(tasks, rounds)
    per_epoch = {
        name: [t / (1 if name == "floor" else epochs) for t in values]
        for name, values in times.items()
    }
    accuracy = {
        name: float(np.mean(predict(X_test) == y_test))
        for name, predict in results.items()
        if name != "floor"
    }
    return per_epoch, accuracy


def measure(report, data, args, peers):
    epochs = 2 if args.quick else IDENTICAL_EPOCHS
    rounds = 2 if args.quick else IDENTICAL_ROUNDS
    estimator = ann_estimator()
    X, y, _, _ = data.task("10")
    n = QUICK_SAMPLES if args.quick else X.shape[0]
    sizes = (X.shape[1], IDENTICAL_HIDDEN, len(np.unique(y)))
    report.section(
        "identical",
        f"Identical settings: {n} samples of the ten digits, "
        f"{'-'.join(map(str, sizes))} ReLU, Adam 0.001, {epochs} epochs per "
        f"training; time per epoch (the training's time / {epochs}), median of "
        f"{rounds} rounds, ratios round by round",
    )
    all_cells = {}  # dtype -> batch -> implementation -> row
    for dtype in ("float64", "float32"):
        X, y, X_test, y_test = data.task("10", dtype)
        X, y = X[:n], y[:n]
        for train in identical_trainers(X[:512], y[:512], 64, 1, peers, estimator).values():
            train()  # warm-up: first calls, imports, thread pools
        cells = all_cells[dtype] = {}
        for batch in IDENTICAL_BATCHES:
            tasks = {"floor": epoch_floor(X, sizes, batch)}
            tasks.update(identical_trainers(X, y, batch, epochs, peers, estimator))
            per_epoch, accuracy = time_cell(tasks, rounds, epochs, X_test, y_test)
            cells[batch] = identical_rows(
                report, dtype, batch, per_epoch, accuracy, floor_gflop(n, sizes)
            )
        identical_table(report, dtype, cells)
    identical_targets(report, all_cells)
    missing = [module for module in ("sklearn", "torch") if module not in peers.modules]
    if missing:
        reasons = "; ".join(peers.why_not(module) for module in missing)
        report.note(f"{reasons}: the identical-settings table has no such peer")
    elif estimator is None:
        report.note("ann.MLPClassifier does not exist yet: its rows are skipped")


def identical_rows(report, dtype, batch, per_epoch, accuracy, gflop):
    """Report one cell (dtype, batch): the floor, then every implementation's time per
    epoch against the floor and the peers. Returns ``{name: row}``."""
    floor = per_epoch["floor"]
    cell = f"{dtype}, batch {batch_label(batch)}"
    rows = {
        "floor": report.row(
            f"floor {cell}",
            median(floor),
            1.0,
            f"floor {cell}",
            note=f"{gflop:.1f} GFLOP, {gflop / median(floor):.0f} GFLOP/s",
            implementation="floor",
            dtype=dtype,
            batch=batch,
            rounds=floor,
        )
    }
    for name, seconds in per_epoch.items():
        if name == "floor":
            continue
        versus = {
            peer: paired(seconds, per_epoch[peer])
            for peer in ("scikit-learn", "pytorch")
            if peer in per_epoch and peer != name
        }
        note = "".join(f"{ratio:.2f}x {peer}; " for peer, ratio in versus.items())
        label = f"{name} {cell}" if name not in DROP_INS else f"{name}, batch {batch_label(batch)}"
        rows[name] = report.row(
            label,
            median(seconds),
            paired(seconds, floor),
            f"floor {cell}",
            note=note + f"test accuracy {accuracy[name]:.2%}",
            implementation=name,
            dtype=dtype,
            batch=batch,
            versus=versus,
            accuracy=accuracy[name],
            rounds=seconds,
        )
    return rows


def identical_targets(report, cells):
    """ann's epoch against the floor at each batch size with a limit; at batch 200 in
    float64, ann against the peers and ann.MLPClassifier against scikit-learn.
    ``cells[dtype][batch][implementation]`` is a row."""
    for batch, limit in EPOCH_LIMITS.items():
        for dtype in ("float64", "float32"):
            report.target(
                f"epoch_{batch_label(batch)}_f{dtype[-2:]}",
                cells[dtype][batch]["ann"]["ratio"],
                limit,
            )
    cell = cells["float64"][200]
    for key, name, peer in (
        ("sklearn_200_f64", "ann", "scikit-learn"),
        ("torch_200_f64", "ann", "pytorch"),
        ("mlp_f64", DROP_INS[0], "scikit-learn"),
        ("mlp_f32", DROP_INS[1], "scikit-learn"),
    ):
        row = cell.get(name)
        if row is None or peer not in row["versus"]:
            missing = name if row is None else peer
            report.target(key, None, PEER_LIMITS[key], detail=f"({missing} not run)")
        else:
            report.target(
                key,
                row["versus"][peer],
                PEER_LIMITS[key],
                detail=f"{format_time(row['median_s'])} per epoch against "
                f"{format_time(cell[peer]['median_s'])}",
            )


def identical_table(report, dtype, cells):
    """The cells of one dtype as a Markdown table (the README's Performance section)."""
    peers = [name for name in ("scikit-learn", "pytorch") if name in cells[200]]
    names = ["ann"] + peers
    titles = {"ann": "`ann`", "scikit-learn": "scikit-learn", "pytorch": "PyTorch"}
    report.say()
    report.say(
        f"   {dtype}: time per epoch (x the floor); ann's ratio to each peer; "
        "test accuracy after the epochs"
    )
    header = (
        ["batch", "floor"]
        + [titles[name] for name in names]
        + [f"`ann` / {titles[name]}" for name in peers]
        + ["accuracy " + " / ".join(titles[name] for name in names)]
    )
    report.say("   | " + " | ".join(header) + " |")
    report.say("   |" + " --- |" * len(header))
    for batch, rows in cells.items():
        cells_text = [batch_label(batch), format_time(rows["floor"]["median_s"])]
        cells_text += [
            f"{format_time(rows[name]['median_s'])} ({rows[name]['ratio']:.2f}x)" for name in names
        ]
        cells_text += [f"{rows['ann']['versus'][peer]:.2f}x" for peer in peers]
        cells_text.append(" / ".join(f"{rows[name]['accuracy']:.1%}" for name in names))
        report.say("   | " + " | ".join(cells_text) + " |")
    for name in DROP_INS:
        row = cells[200].get(name)
        if row is not None:
            report.say(
                f"   {name} at scikit-learn's defaults (batch 200, float64 data): "
                f"{format_time(row['median_s'])} per epoch, "
                f"{row['versus']['scikit-learn']:.2f}x scikit-learn's; test "
                f"accuracy {row['accuracy']:.1%}"
            )
