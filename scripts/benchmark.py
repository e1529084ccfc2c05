"""Benchmark of ``ann`` against the unavoidable work, the tutorial's code and its peers.

Run ``python -m scripts.benchmark`` (the full run, several minutes, for people) or
``python -m scripts.benchmark --quick`` (under a minute, CI's smoke test). It prints the
machine, then one table, and writes the same numbers as JSON (``--json PATH``, default
``benchmark.json``). MNIST is read from ``--data-dir``, else ``$MNIST_DIR``.

Every comparison is made in one run, on the same data, in the same process: the
measurements of a section are taken round-robin (one of each, then again), after a
warm-up, and the table gives medians. A ratio is the median over the rounds of the
round's time divided by the reference's time in the same round, so that a change of
load on a shared machine moves both alike.

Sections:

* ``fullbatch``: one full-batch iteration of the tutorial's task (784-196-1 sigmoid, the
  11272 training images of 5 and 8). The floor is its two large matrix products,
  ``W1 @ A0`` (forward) and ``dZ1 @ A0.T`` (``dW1``, backward), about 6.9 GFLOP.
  ``ANN`` is timed inside ``fit`` (everything fit does per iteration), float64 and
  float32; then the tutorial's algorithm as written in the article (the baseline),
  scikit-learn's MLPClassifier and PyTorch when installed.
* ``minibatch``: one epoch of mini-batch SGD (batch 64 and 256, float64 and float32)
  against the epoch's floor (the same two products summed over its batches).
* ``identical``: identical settings on all ten digits: 784-100-10 ReLU, Adam (lr 0.001,
  scikit-learn's betas and epsilon), the same epochs, at batch 32, 64, 200, 256 and the
  full batch, float64 and float32. For each: the floor (the matrix products of one
  epoch at that batch size that no implementation can avoid, timed alone on
  preallocated arrays), then the time per epoch and the final test accuracy of
  ``ANN``, scikit-learn's MLPClassifier and PyTorch (round-robin, every ratio taken
  round by round), and, when the package has it, ``ann.MLPClassifier`` at
  scikit-learn's defaults (batch 200, float64 data, as is and with
  ``dtype="float32"``). Printed as a table per dtype, with the targets.
* ``accuracy``: time to accuracy (training time, evaluation excluded, until the test
  accuracy checked after each epoch first reaches the bar) for the ``CONFIGS`` below and
  for PyTorch and scikit-learn's default MLPClassifier when installed; each figure is
  the median over the seeds ``SEEDS``.
* ``load``: ``load_mnist`` with an empty cache (cold) and with the cache (warm).
* ``tree``: the tree engine's forward + backward at 1x, 2x and 4x nodes.
* ``memory``: peak resident memory of the tutorial's default training run (warm data
  cache: load 5 vs 8, pre-process, fit a few iterations), measured in a subprocess
  above the interpreter's baseline, against the budget.
"""

import argparse
import contextlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from ann import ANN
from ann.files import atomic_path
from ann.presets import PRESETS
from scripts.cli import OneLineParser, positive_int

SECTIONS = ("fullbatch", "minibatch", "identical", "accuracy", "load", "tree", "memory")

HIDDEN = 196  # the tutorial's 784-196-1 network

CONFIGS = {
    # The documented configurations (ann.presets) measured for the time-to-accuracy
    # targets: the task, the bars, and the preset's constructor arguments
    # (``n_iterations`` is the schedule's length: the run stops as soon as all its bars
    # are reached). Each is run with every seed of ``SEEDS``.
    "5v8-fast": {
        "task": "5v8",
        "bars": (0.990,),
        "params": PRESETS["fast"],
        "why": "preset 'fast': 784-128-1 ReLU, Adam 3e-3, 3-epoch cosine, float32",
    },
    "5v8": {
        "task": "5v8",
        "bars": (0.990, 0.994),
        "params": PRESETS["5v8"],
        "why": "preset '5v8': 784-256-1 ReLU, Adam 2e-3, 12-epoch cosine, float32",
    },
    "10": {
        "task": "10",
        "bars": (0.980,),
        "params": PRESETS["mnist10"],
        "why": "preset 'mnist10': 784-256-10 ReLU, Nesterov SGD 0.1, 6-epoch cosine, float32",
    },
}

# The targets: (key, description, limit). Ratios are measured in one run.
TARGETS = {
    "fullbatch_f64": "full-batch iteration f64 <= 1.10x the f64 floor",
    "fullbatch_f32": "full-batch iteration f32 <= 1.10x the f32 floor",
    "minibatch_256_f32": "mini-batch epoch, batch 256, f32 <= 1.5x the epoch floor",
    "epoch_64_f64": "identical settings, batch 64, f64: ann's epoch <= 1.6x the floor",
    "epoch_64_f32": "identical settings, batch 64, f32: ann's epoch <= 1.6x the floor",
    "epoch_200_f64": "identical settings, batch 200, f64: ann's epoch <= 1.3x the floor",
    "epoch_200_f32": "identical settings, batch 200, f32: ann's epoch <= 1.3x the floor",
    "epoch_256_f64": "identical settings, batch 256, f64: ann's epoch <= 1.3x the floor",
    "epoch_256_f32": "identical settings, batch 256, f32: ann's epoch <= 1.3x the floor",
    "epoch_full_f64": "identical settings, full batch, f64: ann's epoch <= 1.10x the floor",
    "epoch_full_f32": "identical settings, full batch, f32: ann's epoch <= 1.10x the floor",
    "sklearn_200_f64": "identical settings, batch 200, f64: ann <= 0.5x scikit-learn",
    "torch_200_f64": "identical settings, batch 200, f64: ann <= 0.7x PyTorch",
    "mlp_f64": "ann.MLPClassifier() epoch <= 0.5x scikit-learn's MLPClassifier()",
    "mlp_f32": "ann.MLPClassifier(dtype='float32') epoch <= 0.35x scikit-learn's",
    "memory": "peak memory <= 1.5x the budget",
    "5v8_99.0": "5v8 99.0%: ann <= 0.5x PyTorch's time",
    "5v8_99.4": "5v8 99.4%: ann < scikit-learn default's time to 99.4%",
    "10_98.0": "10 classes 98.0%: ann <= 0.3x scikit-learn default's time to finish",
}


# The limits of the identical-settings targets: ann's epoch over the floor of the epoch
# by batch size (None: full batch), and the ratios to the peers at batch 200, float64.
EPOCH_LIMITS = {64: 1.6, 200: 1.3, 256: 1.3, None: 1.10}
PEER_LIMITS = {"sklearn_200_f64": 0.5, "torch_200_f64": 0.7, "mlp_f64": 0.5, "mlp_f32": 0.35}


class BenchmarkError(Exception):
    """A condition that ends the benchmark with a one-line message (exit 2)."""


# --------------------------------------------------------------------------- output


class Report:
    """Collects rows and targets, prints them as they come, writes the JSON."""

    def __init__(self, quick, stream=sys.stdout):
        self.quick = quick
        self.stream = stream
        self.data = {
            "mode": "quick" if quick else "full",
            "machine": {},
            "sections": {},
            "targets": [],
            "notes": [],
        }
        self._section = None

    def say(self, text=""):
        print(text, file=self.stream, flush=True)

    def section(self, name, title):
        self._section = name
        self.data["sections"].setdefault(name, [])
        self.say()
        self.say(f"== {title}")
        self.say(f"   {'measurement':48s} {'median':>11s} {'ratio':>7s}  note")

    def row(self, name, seconds=None, ratio=None, ratio_to=None, note="", **extra):
        record = {
            "name": name,
            "median_s": seconds,
            "ratio": ratio,
            "ratio_to": ratio_to,
            "note": note,
            **extra,
        }
        self.data["sections"][self._section].append(record)
        self.say(
            f"   {name:48s} {format_time(seconds):>11s} "
            f"{'' if ratio is None else f'{ratio:.2f}':>7s}  {note}"
        )
        return record

    def note(self, text):
        self.data["notes"].append(text)
        self.say(f"   note: {text}")

    def target(self, key, value, limit, unit="x", detail="", strict=False, status=None):
        """Record a target: PASS when ``value <= limit`` (``<`` if ``strict``). Without
        a value, ``status`` says what happened (default SKIP: it could not be checked)."""
        if value is None:
            status = status or "SKIP"
        else:
            status = "PASS" if (value < limit if strict else value <= limit) else "FAIL"
        self.data["targets"].append(
            {
                "key": key,
                "description": TARGETS[key],
                "value": value,
                "limit": limit,
                "unit": unit,
                "status": status,
                "detail": detail,
            }
        )

    def print_targets(self):
        self.say()
        self.say(
            "== Targets"
            + (" (quick mode: subsets and few repeats; indicative only)" if self.quick else "")
        )
        for t in self.data["targets"]:
            value = "-" if t["value"] is None else f"{t['value']:.2f}{t['unit']}"
            self.say(
                f"   {t['status']:4s}  {t['description']:66s} "
                f"{value:>9s} (limit {t['limit']:g}{t['unit']}) {t['detail']}"
            )

    def write(self, path):
        with atomic_path(path, suffix=".json") as temporary:
            temporary.write_text(json.dumps(self.data, indent=1, default=_jsonable) + "\n")


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def reached_note(seconds, curve):
    """``reached at epoch k of N`` (or ``not reached``) and the final accuracy."""
    epochs = len(curve)
    if seconds is None:
        return f"not reached in {epochs} epochs; final {curve[-1][1]:.2%}"
    epoch = next(i for i, (t, _) in enumerate(curve, 1) if t >= seconds)
    return f"at epoch {epoch} of {epochs} run; final {curve[-1][1]:.2%}"


def format_time(seconds):
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1e3:.2f} ms"


# -------------------------------------------------------------------------- machine


def machine_info():
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": platform.processor() or "unknown",
        "cores": os.cpu_count(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    info["usable_cores"] = usable_cores()
    with contextlib.suppress(OSError, AttributeError):
        info["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    info["blas"] = blas_info()
    return info


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return ", ".join(
                f"{p.get('internal_api')} {p.get('version')} "
                f"({p.get('architecture')}, {p.get('num_threads')} threads)"
                for p in pools
            )
    except ImportError:
        pass
    with contextlib.suppress(Exception):
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    return "unknown"


def optional(module):
    """The module, or None when it cannot be imported."""
    try:
        return __import__(module)
    except ImportError:
        return None


# ----------------------------------------------------------------------------- data


class Data:
    """MNIST tasks, pre-processed once per dtype."""

    def __init__(self, data_dir, quick):
        from ann import data

        self.module = data
        self.data_dir = data_dir
        self.quick = quick
        self._cache = {}

    def task(self, task, dtype="float64"):
        """``(X, y, X_test, y_test)`` for task ``5v8`` or ``10`` in ``dtype``."""
        key = (task, dtype)
        if key not in self._cache:
            if (task, "raw") not in self._cache:
                if task == "5v8":
                    raw = self.module.get_binary_dataset((5, 8), data_dir=self.data_dir)
                else:
                    raw = self.module.get_dataset(None, data_dir=self.data_dir)
                self._cache[(task, "raw")] = raw
            tx, ty, vx, vy = self._cache[(task, "raw")]
            X, X_test = self.module.pre_process_data(tx, vx, dtype=np.dtype(dtype))
            self._cache[key] = (X, ty, X_test, vy)
        return self._cache[key]


# ------------------------------------------------------------------------ helpers


def paired(times, reference):
    """Median over rounds of ``times[i] / reference[i]``."""
    return float(np.median(np.asarray(times) / np.asarray(reference)))


def median(times):
    return float(np.median(times))


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


SETTLE_S = 0.2


def settle():
    """Pause so that BLAS and OpenMP worker threads that spin after a call (OpenBLAS
    waits about 0.1 s) go to sleep before another library's threads need the cores."""
    time.sleep(SETTLE_S)


def timed_fit(on_epoch, X, y, **params):
    """Fit ``ANN(**params)`` on ``X, y`` with a callback that calls ``on_epoch(model,
    seconds)`` after every epoch, with the time fit spent on that epoch (since the
    previous call returned: on_epoch's own time is left out; the first epoch includes
    fit's set-up). ``on_epoch`` returning True stops training. Returns the model."""
    resume = None

    def callback(model):
        nonlocal resume
        seconds = time.perf_counter() - resume
        stop = on_epoch(model, seconds)
        resume = time.perf_counter()
        return stop

    model = ANN(quiet=True, callbacks=[callback], **params)
    resume = time.perf_counter()
    return model.fit(X, y)


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


# ---------------------------------------------------------------------- full batch


def bench_fullbatch(report, data, args, torch, sklearn):
    rounds = args.repeats
    report.section(
        "fullbatch",
        f"Full-batch iteration, 784-196-1 sigmoid, 5 vs 8 ({rounds} rounds after a warm-up)",
    )
    X64, y, _, _ = data.task("5v8", "float64")
    n = X64.shape[0]
    rng = np.random.default_rng(0)
    tasks = {}  # name -> callable, measured round-robin
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
    if sklearn is not None:
        tasks["scikit-learn float64"] = sklearn_fullbatch(X64, y)
    if torch is not None:
        for dtype in ("float64", "float32"):
            tasks[f"pytorch {dtype}"] = torch_fullbatch(torch, data.task("5v8", dtype)[0], y, dtype)
    times = {name: [] for name in tasks}
    times.update({"ann float64": [], "ann float32": []})

    # ANN is timed inside fit: one fit per dtype, one epoch (= one full-batch iteration)
    # per round; between two of its epochs the hook times every other task once.
    for task in tasks.values():
        task()  # warm-up
    for dtype in ("float64", "float32"):
        X = data.task("5v8", dtype)[0]
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
            X,
            y,
            layers_size=[HIDDEN, 1],
            learning_rate=0.1,
            n_iterations=rounds + 1,
            dtype=dtype,
        )

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
        for name in tasks:
            if name.startswith("floor") or not name.endswith(dtype):
                continue
            report.row(
                name,
                median(times[name]),
                paired(times[name], floor),
                f"floor {dtype}",
                note="the article's algorithm"
                if name.startswith("tutorial")
                else "MLPClassifier sgd, batch_size=n, partial_fit"
                if name.startswith("scikit")
                else "CPU, full batch",
            )
    if sklearn is None:
        report.note("scikit-learn is not installed: its row is skipped")
    if torch is None:
        report.note("PyTorch is not installed: its rows are skipped")


def sklearn_fullbatch(X, y):
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="logistic",
        solver="sgd",
        batch_size=X.shape[0],
        learning_rate_init=0.1,
        momentum=0.0,
        shuffle=False,
        random_state=1,
    )
    classes = np.unique(y)

    def iteration():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.partial_fit(X, y, classes=classes)

    return iteration


def torch_fullbatch(torch, X, y, dtype):
    torch_dtype = getattr(torch, dtype)
    torch.manual_seed(1)
    net = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], HIDDEN), torch.nn.Sigmoid(), torch.nn.Linear(HIDDEN, 1)
    ).to(torch_dtype)
    inputs = torch.from_numpy(X)
    targets = torch.from_numpy(y.astype(dtype)).reshape(-1, 1)
    loss_function = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)

    def iteration():
        optimizer.zero_grad()
        loss = loss_function(net(inputs), targets)
        loss.backward()
        optimizer.step()

    return iteration


# ---------------------------------------------------------------------- mini-batch


def bench_minibatch(report, data, args):
    rounds = args.repeats
    X64 = data.task("5v8", "float64")[0]
    n = X64.shape[0] if not args.quick else 2048
    report.section(
        "minibatch",
        f"Mini-batch epoch, 784-196-1 sigmoid, sgd momentum, "
        f"{n} samples of 5 vs 8 ({rounds} epochs after a warm-up)",
    )
    rng = np.random.default_rng(0)
    for dtype in ("float32", "float64"):
        X, y = data.task("5v8", dtype)[:2]
        X, y = X[:n], y[:n]
        W1 = (rng.standard_normal((HIDDEN, X.shape[1])) / 28).astype(dtype)
        dZ1 = rng.standard_normal((HIDDEN, 256)).astype(dtype)
        for batch in (64, 256):

            def floor(X=X, W1=W1, dZ1=dZ1, batch=batch):
                for start in range(0, n, batch):
                    block = X[start : start + batch]
                    W1 @ block.T
                    dZ1[:, : block.shape[0]] @ block

            floors, epochs = [], []

            def hook(model, seconds, floor=floor, floors=floors, epochs=epochs):
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
                dtype=dtype,
            )
            epochs, floors = epochs[1:], floors[1:]
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


# ------------------------------------------------------------- identical settings

IDENTICAL_HIDDEN = 100  # 784-100-10 ReLU: scikit-learn's default MLPClassifier
IDENTICAL_RATE = 0.001  # Adam's step, scikit-learn's default learning_rate_init
IDENTICAL_BATCHES = (32, 64, 200, 256, None)  # None: the full batch
IDENTICAL_EPOCHS = 3  # per training (quick mode: 2, on QUICK_SAMPLES samples)
IDENTICAL_ROUNDS = 3  # trainings per implementation and cell (quick mode: 2)
QUICK_SAMPLES = 2048


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


def mlp_trainer(estimator, X, y, batch, epochs, seed=1, **extra):
    """The same for scikit-learn's ``MLPClassifier`` or a drop-in with its parameters
    (``ann.MLPClassifier``, ``extra`` its own ones): its defaults (ReLU, Adam at
    0.001, alpha 1e-4, ...) with one hidden layer of 100, exactly ``epochs`` epochs
    (``tol=0`` and no early end), reshuffled every epoch. scikit-learn trains in X's
    dtype."""

    def train():
        model = estimator(
            hidden_layer_sizes=(IDENTICAL_HIDDEN,),
            batch_size=batch or X.shape[0],
            max_iter=epochs,
            tol=0,
            n_iter_no_change=10**9,
            shuffle=True,
            random_state=seed,
            **extra,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached
            return model.fit(X, y).predict

    return train


def torch_trainer(torch, X, y, batch, epochs, seed=1):
    """The same for PyTorch on the CPU: an equivalent ``nn.Sequential``,
    ``torch.optim.Adam`` (its default betas and epsilon are scikit-learn's), the cross
    entropy of the logits, a new ``randperm`` of the samples every epoch cut into
    batches of ``batch``, in X's dtype."""
    classes = np.unique(y)
    targets = torch.from_numpy(np.searchsorted(classes, y).astype(np.int64))
    inputs = torch.from_numpy(X)
    size = batch or X.shape[0]

    def train():
        torch.manual_seed(seed)
        net = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], IDENTICAL_HIDDEN),
            torch.nn.ReLU(),
            torch.nn.Linear(IDENTICAL_HIDDEN, len(classes)),
        )
        net = net.to(getattr(torch, X.dtype.name))
        optimizer = torch.optim.Adam(net.parameters(), lr=IDENTICAL_RATE)
        loss_function = torch.nn.CrossEntropyLoss()
        for _ in range(epochs):
            for index in torch.randperm(X.shape[0]).split(size):
                optimizer.zero_grad()
                loss_function(net(inputs[index]), targets[index]).backward()
                optimizer.step()

        def predict(X_test):
            with torch.no_grad():
                return classes[net(torch.from_numpy(X_test)).argmax(dim=1).numpy()]

        return predict

    return train


def ann_estimator():
    """``ann.MLPClassifier`` when the package has it, else None."""
    import ann

    return getattr(ann, "MLPClassifier", None)


def identical_trainers(X, y, batch, epochs, torch, sklearn, estimator):
    """``{implementation: train function}`` for one cell of the table. The drop-in
    ``ann.MLPClassifier`` (``estimator``) is measured at scikit-learn's defaults only:
    batch 200 on float64 data, as is and with ``dtype="float32"``."""
    trainers = {"ann": ann_trainer(X, y, batch, epochs)}
    if sklearn is not None:
        from sklearn.neural_network import MLPClassifier

        trainers["scikit-learn"] = mlp_trainer(MLPClassifier, X, y, batch, epochs)
    if torch is not None:
        trainers["pytorch"] = torch_trainer(torch, X, y, batch, epochs)
    if sklearn is not None and estimator is not None and batch == 200 and X.dtype == np.float64:
        trainers["ann.MLPClassifier()"] = mlp_trainer(estimator, X, y, batch, epochs)
        trainers["ann.MLPClassifier(dtype='float32')"] = mlp_trainer(
            estimator, X, y, batch, epochs, dtype="float32"
        )
    return trainers


def round_robin(tasks, rounds, isolated=("pytorch",)):
    """Run every task once per round, in turn; returns ``{name: [seconds of each
    round]}`` and ``{name: the last round's result}``. The ``isolated`` tasks use
    their own thread pools (PyTorch's OpenMP, not NumPy's BLAS): a pause before and
    after each lets the other library's idle threads stop spinning (``settle``)."""
    times = {name: [] for name in tasks}
    results = {}
    for _ in range(rounds):
        for name, task in tasks.items():
            if name in isolated:
                settle()
            start = time.perf_counter()
            results[name] = task()
            times[name].append(time.perf_counter() - start)
            if name in isolated:
                settle()
    return times, results


def bench_identical(report, data, args, torch, sklearn):
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
        for train in identical_trainers(
            X[:512], y[:512], 64, 1, torch, sklearn, estimator
        ).values():
            train()  # warm-up: first calls, imports, thread pools
        cells = all_cells[dtype] = {}
        for batch in IDENTICAL_BATCHES:
            tasks = {"floor": epoch_floor(X, sizes, batch)}
            tasks.update(identical_trainers(X, y, batch, epochs, torch, sklearn, estimator))
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
            cells[batch] = identical_rows(
                report, dtype, batch, per_epoch, accuracy, floor_gflop(n, sizes)
            )
        identical_table(report, dtype, cells)
    identical_targets(report, all_cells)
    if sklearn is None or torch is None:
        report.note(
            "quick mode or --no-peers or not installed: the identical-settings table has no peers"
        )
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
        label = (
            f"{name} {cell}"
            if name in ("ann", "scikit-learn", "pytorch")
            else f"{name}, batch {batch_label(batch)}"
        )
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
        ("mlp_f64", "ann.MLPClassifier()", "scikit-learn"),
        ("mlp_f32", "ann.MLPClassifier(dtype='float32')", "scikit-learn"),
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
    for name in ("ann.MLPClassifier()", "ann.MLPClassifier(dtype='float32')"):
        row = cells[200].get(name)
        if row is not None:
            report.say(
                f"   {name} at scikit-learn's defaults (batch 200, float64 data): "
                f"{format_time(row['median_s'])} per epoch, "
                f"{row['versus']['scikit-learn']:.2f}x scikit-learn's; test "
                f"accuracy {row['accuracy']:.1%}"
            )


# ----------------------------------------------------------------- time to accuracy

SEEDS = (1, 2, 3)  # every time to accuracy is the median over these seeds


def bar_hits(bars, hits, train, accuracy):
    """Record in ``hits`` the training time ``train`` for every bar ``accuracy`` reaches
    for the first time; True once every bar is reached."""
    for bar in bars:
        if accuracy >= bar and bar not in hits:
            hits[bar] = train
    return len(hits) == len(bars)


def ann_time_to_accuracy(params, data, task, bars, seed, max_epochs=None):
    """Run ``fit`` with ``params`` and ``seed``; returns ``(times, curve)``: the
    training time at which each bar was first reached (None if never) and (time,
    accuracy) per epoch."""
    params = dict(params, seed=seed)
    X, y, X_test, y_test = data.task(task, params.get("dtype", "float64"))
    if max_epochs is not None:
        params["n_iterations"] = min(params["n_iterations"], max_epochs)
    train, hits, curve = 0.0, {}, []

    def on_epoch(model, seconds):
        nonlocal train
        train += seconds
        accuracy = model.score(X_test, y_test)
        curve.append((train, accuracy))
        return bar_hits(bars, hits, train, accuracy)

    timed_fit(on_epoch, X, y, **params)
    return {bar: hits.get(bar) for bar in bars}, curve


def torch_time_to_accuracy(torch, data, task, bars, seed, max_epochs=20):
    """PyTorch CPU, float32, Adam (lr 1e-3): 784-196-1 ReLU, batch 64 for 5v8;
    784-256-10 ReLU, batch 128 for 10 classes. Returns ``(times, curve)``."""
    X, y, X_test, y_test = data.task(task, "float32")
    torch.manual_seed(seed)
    binary = task == "5v8"
    hidden, outputs, batch = (196, 1, 64) if binary else (256, 10, 128)
    net = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, outputs)
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    if binary:
        loss_function = torch.nn.BCEWithLogitsLoss()
        targets = torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)
    else:
        loss_function = torch.nn.CrossEntropyLoss()
        targets = torch.from_numpy(y.astype(np.int64))
    inputs, test_inputs = torch.from_numpy(X), torch.from_numpy(X_test)
    train, hits, curve = 0.0, {}, []
    settle()
    for _ in range(max_epochs):
        start = time.perf_counter()
        for index in torch.randperm(len(inputs)).split(batch):
            optimizer.zero_grad()
            loss = loss_function(net(inputs[index]), targets[index])
            loss.backward()
            optimizer.step()
        train += time.perf_counter() - start
        with torch.no_grad():
            out = net(test_inputs)
            predicted = (out[:, 0] > 0).numpy() if binary else out.argmax(1).numpy()
        accuracy = float(np.mean(predicted == y_test))
        curve.append((train, accuracy))
        if bar_hits(bars, hits, train, accuracy):
            break
    settle()
    return {bar: hits.get(bar) for bar in bars}, curve


def sklearn_time_to_accuracy(data, task, bars, seed):
    """scikit-learn's default MLPClassifier (``random_state=seed``), trained epoch by
    epoch with ``partial_fit`` and stopped by its own rule (no improvement of the loss
    by ``tol`` for more than ``n_iter_no_change`` epochs, or ``max_iter`` epochs), as
    ``fit`` does. Returns ``(times, curve)``; the curve's last point is the finish."""
    from sklearn.neural_network import MLPClassifier

    X, y, X_test, y_test = data.task(task, "float64")
    model = MLPClassifier(random_state=seed)
    classes = np.unique(y)
    train, hits, curve = 0.0, {}, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(model.max_iter):
            start = time.perf_counter()
            model.partial_fit(X, y, classes=classes)
            train += time.perf_counter() - start
            accuracy = float(model.score(X_test, y_test))
            curve.append((train, accuracy))
            bar_hits(bars, hits, train, accuracy)
            if model._no_improvement_count > model.n_iter_no_change:
                break
    return {bar: hits.get(bar) for bar in bars}, curve


def median_over_seeds(seconds):
    """The median of the seeds' times to a bar, a seed that never reached it (None)
    counting as slower than all others; None when the median seed did not reach it."""
    value = float(np.median([math.inf if s is None else s for s in seconds]))
    return None if math.isinf(value) else value


def seeds_note(seconds, curves):
    """Each seed's time, then at which epoch the median seed got there (or, when most
    seeds did not, the final accuracies)."""
    middle = median_over_seeds(seconds)
    note = f"median of {len(seconds)} seeds (" + ", ".join(format_time(s) for s in seconds) + "); "
    if middle is None:
        return (
            note
            + "not reached by most; final "
            + ", ".join(f"{curve[-1][1]:.2%}" for curve in curves)
        )
    return note + reached_note(middle, curves[seconds.index(middle)])


def report_over_seeds(report, results, who, label, bars, runs, task, **extra):
    """Report the median over seeds of ``runs`` (``(times, curve)`` per seed, in the
    order of SEEDS) for each bar, and keep the best median of ``who`` per bar in
    ``results``. Each row keeps the median seed's curve (else the first seed's)."""
    curves = [curve for _, curve in runs]
    for bar in bars:
        seconds = [times[bar] for times, _ in runs]
        middle = median_over_seeds(seconds)
        entry = results.setdefault(f"{task}_{bar * 100:.1f}", {})
        if who not in entry or (middle is not None and (entry[who] is None or middle < entry[who])):
            entry[who] = middle
        curve = curves[0] if middle is None else curves[seconds.index(middle)]
        report.row(
            f"{label}: {task} to {bar:.1%}",
            middle,
            note=seeds_note(seconds, curves),
            bar=bar,
            curve=curve,
            seeds=list(SEEDS[: len(runs)]),
            seconds_by_seed=seconds,
            **extra,
        )


def bench_accuracy(report, data, args, torch, sklearn):
    report.section(
        "accuracy",
        "Time to test accuracy (training time, evaluation "
        f"excluded; float32 unless stated; median over seeds {SEEDS})",
    )
    results = {}  # "5v8_99.0" -> {"ann": seconds, "pytorch": ..., "sklearn": ...}
    names = ["5v8-fast"] if args.quick else list(CONFIGS)
    for name in names:
        config = CONFIGS[name]
        runs = [
            ann_time_to_accuracy(
                config["params"],
                data,
                config["task"],
                config["bars"],
                seed,
                max_epochs=3 if args.quick else None,
            )
            for seed in SEEDS
        ]
        report_over_seeds(
            report,
            results,
            "ann",
            f"ann {name}",
            config["bars"],
            runs,
            config["task"],
            config=name,
            params=config["params"],
        )
    if args.quick:
        report.note("quick mode: PyTorch, scikit-learn, 99.4% and 10-class runs skipped")
    else:
        if torch is not None:
            for task, bars in (("5v8", (0.990, 0.994)), ("10", (0.980,))):
                runs = [torch_time_to_accuracy(torch, data, task, bars, seed) for seed in SEEDS]
                report_over_seeds(report, results, "pytorch", "pytorch", bars, runs, task)
        else:
            report.note("PyTorch is not installed: its time to accuracy is skipped")
        if sklearn is not None:
            for task, bars in (("5v8", (0.990, 0.994)), ("10", (0.980,))):
                runs = [sklearn_time_to_accuracy(data, task, bars, seed) for seed in SEEDS]
                report_over_seeds(
                    report,
                    results,
                    "sklearn",
                    "scikit-learn default (MLPClassifier(), float64)",
                    bars,
                    runs,
                    task,
                )
                totals = [curve[-1][0] for _, curve in runs]
                results.setdefault(f"{task}_finish", {})["sklearn"] = median(totals)
                report.row(
                    f"scikit-learn default: {task} to finish",
                    median(totals),
                    note=f"median of {len(totals)} seeds ("
                    + ", ".join(
                        f"{format_time(t)}: {len(curve)} epochs, final {curve[-1][1]:.2%}"
                        for t, (_, curve) in zip(totals, runs)
                    )
                    + ")",
                    seconds_by_seed=totals,
                )
        else:
            report.note("scikit-learn is not installed: its time to accuracy is skipped")

    def compare(target, key, peer_key, peer, limit, strict=False):
        """ann's time to ``key`` over the peer's time to ``peer_key``. SKIP when the
        peer was not run; FAIL when ann never reached the bar; PASS when ann did and
        the peer never did."""
        ann_time = results.get(key, {}).get("ann")
        ran = peer_key in results and peer in results[peer_key]
        peer_time = results.get(peer_key, {}).get(peer)
        detail = f"ann {format_time(ann_time)}, {peer} {format_time(peer_time)}"
        if not ran:
            report.target(target, None, limit, detail=detail + f" ({peer} not run)")
        elif ann_time is None or peer_time is None:
            report.target(
                target,
                None,
                limit,
                detail=detail + " (bar not reached)",
                status="PASS" if ann_time is not None else "FAIL",
            )
        else:
            report.target(target, ann_time / peer_time, limit, detail=detail, strict=strict)

    compare("5v8_99.0", "5v8_99.0", "5v8_99.0", "pytorch", 0.5)
    compare("5v8_99.4", "5v8_99.4", "5v8_99.4", "sklearn", 1.0, strict=True)
    compare("10_98.0", "10_98.0", "10_finish", "sklearn", 0.3)


# ---------------------------------------------------------------------- load, tree


def bench_load(report, data, args):
    report.section("load", "MNIST loading (load_mnist)")
    from ann.data import load_mnist

    repeats = 1 if args.quick else 3
    cold, warm = [], []
    saved = os.environ.get("ANN_CACHE_DIR")
    try:
        for _ in range(repeats):
            with tempfile.TemporaryDirectory(prefix="ann-bench-cache-") as cache:
                os.environ["ANN_CACHE_DIR"] = cache
                cold.append(timed(lambda: load_mnist(data.data_dir, quiet=True)))
                warm.extend(timed(lambda: load_mnist(data.data_dir, quiet=True)) for _ in range(3))
    finally:
        if saved is None:
            os.environ.pop("ANN_CACHE_DIR", None)
        else:
            os.environ["ANN_CACHE_DIR"] = saved
    report.row(
        "cold (empty cache: parse and write the cache)",
        median(cold),
        note=f"{len(cold)} run{'s' if len(cold) > 1 else ''}",
    )
    report.row(
        "warm (read the cache)",
        median(warm),
        median(warm) / median(cold),
        "cold",
        note=f"{len(warm)} runs",
    )


def bench_tree(report, args):
    from ann import tree

    base = 8 if args.quick else 32
    features = 16
    report.section(
        "tree",
        "Tree engine: forward + backward of tree_from_ann's cost "
        f"({features}-8-1 sigmoid; nodes grow with the samples)",
    )
    rng = np.random.default_rng(0)
    model = ANN([8, 1], quiet=True)
    model.initialize_parameters(features)
    rows, reference = [], None
    for scale in (1, 2, 4):
        n = base * scale
        X = rng.random((n, features))
        y = np.arange(n) % 2
        root, _ = tree.tree_from_ann(model, X, y)
        nodes = len(root.topological_order())

        def step(root=root):
            root.forward()
            root.backward()

        step()
        seconds = median([timed(step) for _ in range(max(args.repeats, 9))])
        if reference is None:
            reference = (seconds, nodes)
        rows.append(
            report.row(
                f"{scale}x: {n} samples, {nodes} nodes",
                seconds,
                seconds / reference[0],
                "1x",
                note=f"nodes {nodes / reference[1]:.2f}x, "
                f"{seconds / nodes * 1e9:.0f} ns per node; time/nodes "
                f"{seconds / reference[0] / (nodes / reference[1]):.2f}x",
                nodes=nodes,
                ns_per_node=seconds / nodes * 1e9,
            )
        )


# --------------------------------------------------------------------------- memory

MEMORY_CODE = r"""
import json, resource, sys


def high_water_kib():
    # VmHWM is reset by exec, unlike ru_maxrss, which keeps the forking parent's peak.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


import numpy as np
from ann import ANN
from ann.data import get_binary_dataset, pre_process_data
baseline = high_water_kib()
train_x, train_y, test_x, test_y = get_binary_dataset(data_dir=sys.argv[1])
train_x, test_x = pre_process_data(train_x, test_x)
ANN([196, 1], learning_rate=0.1, n_iterations=int(sys.argv[2]), quiet=True).fit(
    train_x, train_y)
peak = high_water_kib()
print(json.dumps({"baseline_kib": baseline, "peak_kib": peak, "n": len(train_x)}))
"""


def bench_memory(report, data, args):
    report.section("memory", "Peak memory of the tutorial's training run (subprocess, warm cache)")
    data.task("5v8")  # warms the cache
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_CODE, str(data.data_dir), "3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if result.returncode != 0:
        raise BenchmarkError(
            "the memory subprocess failed: " + (result.stderr.strip().splitlines() or ["?"])[-1]
        )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    n = values["n"]
    peak = (values["peak_kib"] - values["baseline_kib"]) * 1024
    budget = 8 * n * 784 + 3 * 8 * n * (HIDDEN + 1)
    report.row(
        "interpreter baseline (after imports)",
        None,
        note=f"{values['baseline_kib'] / 1024:.0f} MiB",
    )
    report.row(
        "peak above baseline",
        None,
        peak / budget,
        "budget",
        note=f"{peak / 1e6:.0f} MB; budget {budget / 1e6:.0f} MB = float64 "
        f"training array + Z, A, dZ of one full pass; limit "
        f"{1.5 * budget / 1e6:.0f} MB",
        peak_bytes=peak,
        budget_bytes=budget,
    )
    report.target("memory", peak / budget, 1.5, detail=f"{peak / 1e6:.0f} MB")


# ----------------------------------------------------------------------------- main


def section_list(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {unknown or [text]}; choose from {', '.join(SECTIONS)}"
        )
    return names


def parse_args(argv):
    parser = OneLineParser(
        prog="python -m scripts.benchmark",
        description="Benchmark ann: floors, peers, time to accuracy, memory.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="CI smoke test: under a minute, subsets, no peers"
    )
    parser.add_argument(
        "--json",
        default="benchmark.json",
        metavar="PATH",
        help="where to write the results (default: benchmark.json)",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=None,
        metavar="N",
        help="measured rounds per timing (default: 3 quick, 15 full)",
    )
    parser.add_argument(
        "--data-dir", default=None, metavar="DIR", help="MNIST directory (default: $MNIST_DIR)"
    )
    parser.add_argument(
        "--sections",
        type=section_list,
        default=list(SECTIONS),
        metavar="LIST",
        help=f"comma-separated subset of {','.join(SECTIONS)}",
    )
    parser.add_argument("--no-peers", action="store_true", help="skip scikit-learn and PyTorch")
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        metavar="N",
        help="BLAS and PyTorch threads (default: every usable core)",
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 3 if args.quick else 15
    json_path = Path(args.json)
    if json_path.is_dir():
        parser.error(f"--json {args.json} is a directory")
    if not json_path.parent.is_dir():
        parser.error(f"--json: the folder {json_path.parent} does not exist")
    data_dir = args.data_dir or os.environ.get("MNIST_DIR")
    if not data_dir:
        parser.error("no MNIST directory: pass --data-dir or set MNIST_DIR")
    if not Path(data_dir).is_dir():
        parser.error(f"--data-dir {data_dir} is not a directory")
    args.data_dir = data_dir
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch = sklearn = None
    if not args.no_peers and not args.quick:
        torch, sklearn = optional("torch"), optional("sklearn")
    threads = args.threads or usable_cores()
    if torch is not None:
        torch.set_num_threads(threads)  # as many as NumPy's BLAS uses
    with blas_threads(threads):
        return run(args, torch, sklearn)


@contextlib.contextmanager
def blas_threads(threads):
    """NumPy's BLAS limited to ``threads`` threads (threadpoolctl), when it is installed
    and the limit is below the default."""
    if threads >= usable_cores():
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        raise BenchmarkError("--threads needs threadpoolctl (pip install threadpoolctl)") from None
    with threadpool_limits(threads, user_api="blas"):
        yield


def run(args, torch, sklearn):
    """Every section of ``args.sections``, reported and written to ``args.json``."""
    report = Report(args.quick)
    machine = machine_info()
    report.data["machine"] = machine
    report.data["repeats"] = args.repeats
    report.data["configs"] = {name: dict(c.items()) for name, c in CONFIGS.items()}
    report.say(f"ann benchmark ({report.data['mode']} run)")
    report.say(
        f"machine: {machine['cpu']}, {machine['cores']} cores"
        + (f" ({machine['usable_cores']} usable)" if "usable_cores" in machine else "")
        + f", load average {machine.get('load_average_start', '?')}"
    )
    report.say(f"python {machine['python']}, numpy {machine['numpy']}, BLAS {machine['blas']}")
    peers = []
    if torch is not None:
        peers.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    if sklearn is not None:
        peers.append(f"scikit-learn {sklearn.__version__}")
    machine["peers"] = peers
    report.say(
        "peers: "
        + (", ".join(peers) if peers else "none (quick mode or --no-peers or not installed)")
    )
    started = time.perf_counter()
    data = Data(args.data_dir, args.quick)
    try:
        data.task("5v8")
    except (OSError, ValueError) as error:
        raise BenchmarkError(f"cannot load MNIST from {args.data_dir}: {error}") from None
    runners = {
        "fullbatch": lambda: bench_fullbatch(report, data, args, torch, sklearn),
        "minibatch": lambda: bench_minibatch(report, data, args),
        "identical": lambda: bench_identical(report, data, args, torch, sklearn),
        "accuracy": lambda: bench_accuracy(report, data, args, torch, sklearn),
        "load": lambda: bench_load(report, data, args),
        "tree": lambda: bench_tree(report, args),
        "memory": lambda: bench_memory(report, data, args),
    }
    report.data["section_seconds"] = {}
    for name in SECTIONS:
        if name in args.sections:
            report.data["section_seconds"][name] = round(timed(runners[name]), 2)
    with contextlib.suppress(OSError, AttributeError):
        machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    report.data["elapsed_s"] = time.perf_counter() - started
    report.print_targets()
    report.say(
        f"\nelapsed {report.data['elapsed_s']:.1f} s ("
        + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in report.data["section_seconds"].items()
        )
        + f"); load average at the end {machine.get('load_average_end', '?')}; "
        f"results in {args.json}"
    )
    report.write(args.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as error:
        print(f"python -m scripts.benchmark: error: {error}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
