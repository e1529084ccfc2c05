"""Section ``fullbatch``: one full-batch iteration of the tutorial's task (784-196-1
sigmoid, the 11272 training images of 5 and 8) against its floor, the two large matrix
products ``W1 @ A0`` (forward) and ``dZ1 @ A0.T`` (``dW1``, backward), about 6.9 GFLOP.
``ANN`` is timed inside ``fit``, float64 and float32; then the tutorial's algorithm as
written in the article (the baseline), scikit-learn and PyTorch when they run."""

import numpy as np

from ann.commands.benchmark.harness import (
    HIDDEN,
    counted,
    median,
    paired,
    settle,
    timed,
    timed_fit,
    too_busy,
)
from ann.commands.benchmark.peers import sklearn_fullbatch, torch_fullbatch


def tutorial_iteration(store, X, Y, learning_rate):
    """One iteration of the tutorial's algorithm, written plainly (the baseline).

    ``store`` holds ``W1, b1, W2, b2``; ``X`` is (n, features) and ``Y`` (1, n). The
    forward pass keeps every ``A`` and ``Z`` in a dict, the derivative recomputes the
    sigmoid from ``Z`` and the cost's gradient is the divide form.
    """

    def sigmoid(Z):
        return 1 / (1 + np.exp(-Z))

    def sigmoid_derivative(Z):
        s = 1 / (1 + np.exp(-Z))
        return s * (1 - s)

    n = X.shape[0]
    A = X.T
    cache = {"A0": A}
    for l in (1, 2):
        Z = store[f"W{l}"].dot(A) + store[f"b{l}"]
        A = sigmoid(Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dA = -(Y / A) + (1 - Y) / (1 - A)
    grads = {}
    for l in (2, 1):
        dZ = dA * sigmoid_derivative(cache[f"Z{l}"])
        grads[f"dW{l}"] = dZ.dot(cache[f"A{l - 1}"].T) / n
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / n
        dA = store[f"W{l}"].T.dot(dZ)
    for l in (1, 2):
        store[f"W{l}"] = store[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        store[f"b{l}"] = store[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return cost


def other_tasks(data, peers, rng):
    """``{name: callable}``: each dtype's floor, the tutorial's iteration and the peers'
    iterations, measured round-robin between two of ANN's epochs."""
    X64, y, _, _ = data.task("5v8", "float64")
    n = X64.shape[0]
    tasks = {}
    for dtype in ("float64", "float32"):
        X = data.task("5v8", dtype)[0]
        A0 = X.T
        W1 = (rng.standard_normal((HIDDEN, X.shape[1])) / 28).astype(dtype)
        dZ1 = rng.standard_normal((HIDDEN, n)).astype(dtype)
        tasks[f"floor {dtype}"] = lambda W1=W1, A0=A0, dZ1=dZ1: (W1 @ A0, dZ1 @ A0.T)
    store = {
        "W1": rng.standard_normal((HIDDEN, 784)) / 28,
        "b1": np.zeros((HIDDEN, 1)),
        "W2": rng.standard_normal((1, HIDDEN)) / 14,
        "b2": np.zeros((1, 1)),
    }
    Y = y[None, :].astype(np.float64)
    tasks["tutorial float64"] = lambda: tutorial_iteration(store, X64, Y, 0.1)
    if peers.sklearn is not None:
        tasks["scikit-learn float64"] = sklearn_fullbatch(X64, y)
    if peers.torch is not None:
        for dtype in ("float64", "float32"):
            tasks[f"pytorch {dtype}"] = torch_fullbatch(
                peers.torch, data.task("5v8", dtype)[0], y, dtype
            )
    return tasks


def time_rounds(data, tasks, rounds):
    """``{name: [seconds per round]}`` for ``ann float64``, ``ann float32`` and every
    task. ANN is timed inside fit: one fit per dtype, one epoch (= one full-batch
    iteration) per round; between two of its epochs the hook times every other task of
    that dtype once."""
    y = data.task("5v8")[1]
    times = {name: [] for name in tasks}
    times.update({"ann float64": [], "ann float32": []})
    for task in tasks.values():
        task()  # warm-up
    for dtype in ("float64", "float32"):
        epoch = [0]

        def hook(model, seconds, dtype=dtype, epoch=epoch):
            epoch[0] += 1
            if epoch[0] == 1:
                return  # warm-up (includes fit's set-up)
            times[f"ann {dtype}"].append(seconds)
            for name, task in tasks.items():
                if name.endswith(dtype):
                    # PyTorch has its own BLAS and OpenMP threads: let each library's
                    # idle threads stop spinning before the other one runs.
                    if name.startswith("pytorch"):
                        settle()
                    times[name].append(timed(task))
                    if name.startswith("pytorch"):
                        settle()

        timed_fit(
            hook,
            data.task("5v8", dtype)[0],
            y,
            layers_size=[HIDDEN, 1],
            learning_rate=0.1,
            n_iterations=rounds + 1,
            dtype=dtype,
        )
    return times


NOTES = {
    "tutorial": "the article's algorithm",
    "scikit-learn": "MLPClassifier sgd, batch_size=n, partial_fit",
    "pytorch": "CPU, full batch",
}


def measure(report, data, args, peers):
    rounds = args.repeats
    report.section(
        "fullbatch",
        f"Full-batch iteration, 784-196-1 sigmoid, 5 vs 8 ({counted(rounds, 'round')} after a "
        "warm-up)",
    )
    n = data.task("5v8")[0].shape[0]
    tasks = other_tasks(data, peers, np.random.default_rng(0))
    times = time_rounds(data, tasks, rounds)
    gflop = 2 * 2 * HIDDEN * 784 * n / 1e9
    for dtype in ("float64", "float32"):
        floor = times[f"floor {dtype}"]
        report.row(
            f"floor {dtype} (W1 @ A0 + dZ1 @ A0.T)",
            median(floor),
            1.0,
            f"floor {dtype}",
            note=f"{gflop:.1f} GFLOP, {gflop / median(floor):.0f} GFLOP/s",
        )
        ann_times = times[f"ann {dtype}"]
        ratio = paired(ann_times, floor)
        report.row(
            f"ann {dtype} (fit, per iteration)",
            median(ann_times),
            ratio,
            f"floor {dtype}",
            note="forward + backward + update",
        )
        report.target(f"fullbatch_f{dtype[-2:]}", ratio, 1.10)
        if dtype == "float64":
            report.busy(too_busy(floor, gflop, args.threads))
        for name in tasks:
            if name.startswith("floor") or not name.endswith(dtype):
                continue
            report.row(
                name,
                median(times[name]),
                paired(times[name], floor),
                f"floor {dtype}",
                note=NOTES[name.split()[0]],
            )
    if peers.sklearn is None:
        report.note(f"{peers.why_not('sklearn')}: its row is skipped")
    if peers.torch is None:
        report.note(f"{peers.why_not('torch')}: its rows are skipped")
