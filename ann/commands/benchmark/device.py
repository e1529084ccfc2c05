"""Section ``device``: ``ann`` on every array namespace and device present, beside
PyTorch's own training loop at identical settings (``peers.TorchLoop``: the same
network, initial parameters, optimizer, hyperparameters and order of the samples), for
three networks (``NETWORKS``):

* ``article``: the article's 784-196-1 sigmoid network, full-batch gradient descent at
  0.1, float64, on the 11,272 images of 5 and 8: the time of one iteration, and of the
  article's 1,000 (extrapolated);
* ``adam``: 784-100-10 ReLU, Adam at 0.001, batch 200, L2 1e-4, float64 (scikit-learn's
  ``MLPClassifier()``), on the 60,000 images: the time of one epoch. It trains
  ``ann.MLPClassifier`` when that trains on PyTorch tensors inside
  ``sklearn.config_context(array_api_dispatch=True)``, else ``ANN`` with
  ``optimizer="sklearn_adam"`` and the same settings; the section says which;
* ``dropout``: 784-800-800-10 ReLU, dropout 0.5 (hidden) and 0.2 (input), Adam at 0.001,
  batch 100, float32, on the 60,000 images: the time of one epoch.

Each runs on each backend (``BACKENDS``): NumPy, PyTorch on the CPU, PyTorch on CUDA and
CuPy; a backend whose library or device is missing gets a ``NOT RUN`` row with the
reason. PyTorch's loop runs beside ``ann`` on the CPU (for NumPy and PyTorch CPU) or on
the GPU (for CUDA and CuPy). The epochs alternate: after each epoch of ``ann`` (from its
callback) one epoch of the loop; the first of each is a warm-up, and each ratio is the
median over the epochs of ann's epoch over the loop's epoch after it. GPU work is
synchronized before every reading of the clock. On the CPU an epoch is timed on the
first ``cpu_samples`` images and scaled to the whole epoch (its batches cost alike); a
row says so. The section's own counts of epochs apply (``--repeats`` does not).

The targets (issue 20): on the GPU (PyTorch CUDA), the article's 1,000 iterations in
0.5 s or less and the other two networks within 1.1x of PyTorch's loop; on the CPU with
PyTorch tensors, every network within 1.1x of PyTorch's loop, and the dropout network
faster than on NumPy. The NumPy path's ratios on a 2-core machine are measured
separately (old and new code in one run): NOT RUN here.

Not done: capturing a whole training step as a CUDA graph (``torch.cuda.CUDAGraph``).
``ann``'s loop reads each batch's cost and number of correct samples back to the host
(``float``, ``int``), and a graph can hold no such read; the loop would first have to keep
them on the device until the end of the epoch.
"""

import contextlib
import dataclasses
import time
import warnings

import numpy as np

import ann
from ann import ANN
from ann.commands._device import Device, why_unavailable
from ann.commands.benchmark.harness import format_time, median, paired, settle
from ann.commands.benchmark.peers import TorchLoop

BACKENDS = ("numpy", "cpu", "cuda", "cupy")
"""ann's backends, as ``--device`` names them: NumPy, PyTorch CPU, PyTorch CUDA, CuPy."""

BESIDE = {"numpy": "cpu", "cpu": "cpu", "cuda": "cuda", "cupy": "cuda"}
"""The device of PyTorch's loop that runs beside each backend."""


@dataclasses.dataclass(frozen=True)
class Network:
    """One network of the section: ``params`` are ANN's arguments; it trains on the
    ``task`` (``5v8`` or ``10``). An epoch on the CPU is timed on ``cpu_samples`` images
    (None: all); ``epochs`` are timed on the CPU and on a GPU, after a warm-up epoch."""

    title: str
    task: str
    params: dict
    cpu_samples: int | None
    epochs: dict
    quick_samples: int

    @property
    def unit(self):
        """``iteration`` for a full batch, else ``epoch``."""
        return "epoch" if self.params.get("batch_size") else "iteration"


NETWORKS = {
    "article": Network(
        "784-196-1 sigmoid, full-batch gradient descent 0.1, float64, 5 vs 8",
        "5v8",
        dict(
            layers_size=[196, 1],
            activation="sigmoid",
            optimizer="gd",
            learning_rate=0.1,
            init="article",
            dtype="float64",
        ),
        cpu_samples=None,
        epochs={"cpu": 3, "gpu": 20},
        quick_samples=1024,
    ),
    "adam": Network(
        "784-100-10 ReLU, Adam 0.001, batch 200, L2 1e-4, float64, 60,000 images",
        "10",
        dict(
            layers_size=[100, 10],
            activation="relu",
            optimizer="sklearn_adam",
            learning_rate=0.001,
            batch_size=200,
            l2=1e-4,
            init="sklearn",
            dtype="float64",
        ),
        cpu_samples=20_000,
        epochs={"cpu": 3, "gpu": 5},
        quick_samples=1000,
    ),
    "dropout": Network(
        "784-800-800-10 ReLU, dropout 0.5/0.2, Adam 0.001, batch 100, float32, 60,000 images",
        "10",
        dict(
            layers_size=[800, 800, 10],
            activation="relu",
            optimizer="adam",
            learning_rate=0.001,
            batch_size=100,
            dropout=0.5,
            input_dropout=0.2,
            init="he",
            dtype="float32",
        ),
        cpu_samples=10_000,
        epochs={"cpu": 3, "gpu": 5},
        quick_samples=500,
    ),
}

QUICK_EPOCHS = 2
"""Epochs timed in a quick run, after the warm-up."""

SEED = 1
ESTIMATOR_NETWORK = "adam"
"""The network that ``ann.MLPClassifier`` trains when it takes arrays of any namespace."""
TARGETS = {
    "device_gpu_article": "GPU: the article's 1,000 full-batch iterations <= 0.5 s",
    "device_gpu_adam": "GPU: 784-100-10 Adam epoch <= 1.1x PyTorch's loop",
    "device_gpu_dropout": "GPU: 784-800-800-10 dropout epoch <= 1.1x PyTorch's loop",
    "device_cpu_article": "PyTorch CPU: the article's iteration <= 1.1x PyTorch's loop",
    "device_cpu_adam": "PyTorch CPU: 784-100-10 Adam epoch <= 1.1x PyTorch's loop",
    "device_cpu_dropout": "PyTorch CPU: 784-800-800-10 dropout epoch <= 1.1x PyTorch's loop",
    "device_cpu_beats_numpy": "PyTorch CPU: 784-800-800-10 dropout epoch < ann's on NumPy",
    "device_numpy_2core": "NumPy on 2 cores: ratios no worse than before",
}
"""The section's targets (issue 20): key -> what is checked."""
LIMITS = {"gpu_article": 0.5, "ratio": 1.1, "beats_numpy": 1.0}
TWO_CORE_REASON = (
    "measured separately: the NumPy path's ratios on a 2-core machine, old and new code in one run"
)


@dataclasses.dataclass(frozen=True)
class Setup:
    """What the cells of a run share: ``quick``, why each backend cannot run (None when
    it can), why PyTorch's loop does not run (None when it does) and the estimator that
    trains the ``adam`` network (None: ``ANN``)."""

    quick: bool
    unavailable: dict
    no_loop: str | None
    estimator: type | None


@dataclasses.dataclass(frozen=True)
class Cell:
    """One network on one backend: seconds per (whole) epoch of ``ann`` and of PyTorch's
    loop beside it, their ratio; ``status`` RUN, NOT RUN or FAILED, and the ``reason``."""

    ann: float | None = None
    loop: float | None = None
    ratio: float | None = None
    status: str = "RUN"
    reason: str | None = None


@contextlib.contextmanager
def array_api_dispatch():
    """scikit-learn's array API dispatch, its warnings (ConvergenceWarning) silenced."""
    import sklearn

    with sklearn.config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def drop_in_estimator():
    """``(estimator, why)``: ``ann.MLPClassifier`` when it trains on PyTorch tensors
    inside ``array_api_dispatch()`` and predicts tensors, else None; ``why`` in words."""
    missing = why_unavailable("cpu")
    if missing:
        return None, missing
    try:
        estimator = ann.MLPClassifier
    except (AttributeError, ImportError) as error:  # no scikit-learn: no estimator
        return None, " ".join(str(error).split())
    import torch

    X = torch.from_numpy(np.random.default_rng(0).random((40, 5)))
    y = torch.from_numpy(np.arange(40) % 3)
    try:
        with array_api_dispatch():
            model = estimator(hidden_layer_sizes=(4,), batch_size=20, random_state=0)
            predicted = model.partial_fit(X, y, classes=np.arange(3)).predict(X)
    except Exception as error:  # whatever fails, the drop-in does not train there yet
        text = " ".join(str(error).split())
        return None, f"on PyTorch tensors it raises {type(error).__name__}: {text}"
    if not isinstance(predicted, torch.Tensor):
        return None, f"it predicts {type(predicted).__name__} from PyTorch tensors"
    return estimator, "it trains on PyTorch tensors"


def ann_trainer(network, X, y, estimator=None):
    """``train(after_epoch, epochs)``: trains ``network`` on ``X`` (an array of the
    backend) and labels ``y`` for ``epochs`` epochs, calling ``after_epoch()`` after
    each; with ``estimator`` (``ann.MLPClassifier``), one ``partial_fit`` per epoch with
    the same settings inside ``array_api_dispatch()``."""
    params = network.params
    if estimator is None:

        def train(after_epoch, epochs):
            callbacks = [lambda model: after_epoch()]
            model = ANN(**params, n_iterations=epochs, seed=SEED, quiet=True, callbacks=callbacks)
            model.fit(X, y)

        return train

    def train_estimator(after_epoch, epochs):
        model = estimator(
            hidden_layer_sizes=tuple(params["layers_size"][:-1]),
            activation=params["activation"],
            learning_rate_init=params["learning_rate"],
            batch_size=params["batch_size"],
            alpha=params["l2"],
            dtype=params["dtype"],
            random_state=SEED,
        )
        classes = np.arange(params["layers_size"][-1])
        with array_api_dispatch():
            for _ in range(epochs):
                model.partial_fit(X, y, classes=classes)
                after_epoch()

    return train_estimator


def torch_loop(network, X, y, device):
    """PyTorch's own loop (``peers.TorchLoop``) at the network's settings on the NumPy
    data ``X``, ``y`` put on ``device``, from ANN's initial parameters."""
    import torch

    initial = ANN(**network.params, seed=SEED).initialize_parameters(X.shape[1])
    parameters = {name: np.array(value) for name, value in initial.items()}
    return TorchLoop(torch, device.put(X), y, parameters, network.params, seed=SEED)


def alternate(train, loop, epochs, devices, isolate):
    """``(ann, loop)``: the seconds of each of ``epochs`` epochs of ``train`` (after a
    warm-up epoch), and of the ``loop`` epoch run after each (none without a loop). The
    ``devices`` are synchronized before each clock reading; ``isolate`` lets the idle
    threads of one library go to sleep before the other's run (``settle``)."""
    ann_seconds, loop_seconds = [], []
    mark = 0.0

    def synchronize():
        for device in devices:
            device.synchronize()

    def after_epoch():
        nonlocal mark
        synchronize()
        ann_seconds.append(time.perf_counter() - mark)
        if loop is not None:
            if isolate:
                settle()
            start = time.perf_counter()
            loop.epoch()
            synchronize()
            loop_seconds.append(time.perf_counter() - start)
            if isolate:
                settle()
        mark = time.perf_counter()

    synchronize()
    mark = time.perf_counter()
    train(after_epoch, epochs + 1)
    return ann_seconds[1:], loop_seconds[1:]


def samples(network, data, gpu, quick):
    """``(X, y, n)``: the NumPy images and labels an epoch is timed on (all of them on
    a GPU, ``cpu_samples`` on the CPU, ``quick_samples`` in a quick run) and the number
    ``n`` of images of a whole epoch."""
    X, y = data.task(network.task, network.params["dtype"])[:2]
    count = network.quick_samples if quick else (None if gpu else network.cpu_samples)
    return X[:count], y[:count], X.shape[0]


@dataclasses.dataclass(frozen=True)
class Timing:
    """What a cell measured: ann's ``implementation`` on ``device`` and PyTorch's loop on
    ``beside`` (None: not run, ``no_loop`` says why), the seconds of each epoch of both
    on ``samples`` of the ``full_samples`` images of a whole epoch."""

    device: Device
    implementation: str
    beside: Device | None
    no_loop: str | None
    samples: int
    full_samples: int
    ann_seconds: list
    loop_seconds: list

    @property
    def scale(self):
        return self.full_samples / self.samples


def measure_cell(report, name, backend, data, setup):
    """Time the network ``name`` on ``backend`` beside PyTorch's loop, report its rows;
    returns its ``Cell``."""
    network = NETWORKS[name]
    if setup.unavailable[backend]:
        return skipped(report, name, backend, "NOT RUN", setup.unavailable[backend])
    device = Device(backend)
    X, y, n = samples(network, data, device.is_gpu, setup.quick)
    no_loop = setup.no_loop or setup.unavailable[BESIDE[backend]]
    beside = None if no_loop else Device(BESIDE[backend])
    estimator = setup.estimator if name == ESTIMATOR_NETWORK else None
    epochs = QUICK_EPOCHS if setup.quick else network.epochs["gpu" if device.is_gpu else "cpu"]
    try:
        train = ann_trainer(network, device.put(X), device.put(y) if estimator else y, estimator)
        loop = None if beside is None else torch_loop(network, X, y, beside)
        devices = [device] if beside is None else [device, beside]
        isolate = beside is not None and beside.library != device.library
        seconds = alternate(train, loop, epochs, devices, isolate)
    except Exception as error:  # one backend's failure must not end the others' runs
        reason = f"{type(error).__name__}: {' '.join(str(error).split())}"
        return skipped(report, name, backend, "FAILED", reason)
    implementation = "ann.MLPClassifier" if estimator else "ANN"
    timing = Timing(device, implementation, beside, no_loop, len(X), n, *seconds)
    return report_cell(report, name, timing)


def skipped(report, name, backend, status, reason):
    """Report the cell as NOT RUN or FAILED, with the ``reason``."""
    report.row(
        f"{name} {backend}",
        note=f"{status}: {reason}",
        network=name,
        backend=backend,
        status=status,
        reason=reason,
    )
    return Cell(status=status, reason=reason)


def report_cell(report, name, timing):
    """Report ann's row and, when it ran, the row of PyTorch's loop beside it, their
    times scaled to a whole epoch; returns the ``Cell``."""
    network, device, beside = NETWORKS[name], timing.device, timing.beside
    unit, scale = network.unit, timing.scale
    common = dict(network=name, backend=device.name, dtype=network.params["dtype"], unit=unit)
    common.update(samples=timing.samples, full_samples=timing.full_samples, scale=scale)
    common.update(status="RUN", reason=None)
    part = f"{timing.samples:,} of {timing.full_samples:,} images, x{scale:.2f}; "
    part = "" if scale == 1 else part
    ann_time = median(timing.ann_seconds) * scale
    ratio = paired(timing.ann_seconds, timing.loop_seconds) if timing.loop_seconds else None
    note = part + f"median of {len(timing.ann_seconds)} {unit}s"
    extra = {}
    if unit == "iteration":
        extra["thousand_iterations_s"] = 1000 * ann_time
        note += f"; 1,000 iterations {format_time(1000 * ann_time)}"
    if timing.no_loop:
        note += f"; PyTorch's loop not run: {timing.no_loop}"
    report.row(
        f"{name} {device.name}: {timing.implementation}",
        ann_time,
        ratio,
        None if ratio is None else f"pytorch {beside.name}",
        note=note,
        implementation=timing.implementation,
        device=device.describe(),
        epoch_seconds=timing.ann_seconds,
        **common,
        **extra,
    )
    if ratio is None:
        return Cell(ann_time)
    loop_time = median(timing.loop_seconds) * scale
    report.row(
        f"{name} {device.name}: pytorch {beside.name}",
        loop_time,
        note=part + f"PyTorch's own loop, each {unit} after one of ann's",
        implementation="pytorch",
        device=beside.describe(),
        epoch_seconds=timing.loop_seconds,
        **common,
    )
    return Cell(ann_time, loop_time, ratio)


def target(report, key, value, limit, unit="x", **judged):
    """Record the section's target ``key`` (see ``TARGETS``) in ``report``."""
    report.target(key, value, limit, unit, targets=TARGETS, **judged)


def judge_ratio(report, key, cell, limit, unit="x"):
    """The target ``key``: the cell's ratio to PyTorch's loop within ``limit``; NOT RUN
    (with why) when the cell or the loop did not run, FAIL when ann failed."""
    if cell.status == "FAILED":
        detail = f"ann failed: {cell.reason}"
        target(report, key, None, limit, unit, status="FAIL", detail=detail)
    elif cell.status == "NOT RUN":
        target(report, key, None, limit, unit, status="NOT RUN", detail=cell.reason)
    elif cell.ratio is None:
        detail = "PyTorch's loop did not run"
        target(report, key, None, limit, unit, status="NOT RUN", detail=detail)
    else:
        detail = f"ann {format_time(cell.ann)}, PyTorch {format_time(cell.loop)}"
        target(report, key, cell.ratio, limit, detail=detail)


def judge(report, cells):
    """The issue's targets, from the ``cells`` ``{(network, backend): Cell}``."""
    article = cells["article", "cuda"]
    if article.status == "RUN":
        seconds = 1000 * article.ann
        target(report, "device_gpu_article", seconds, LIMITS["gpu_article"], unit="s")
    else:
        judge_ratio(report, "device_gpu_article", article, LIMITS["gpu_article"], unit="s")
    for name in ("adam", "dropout"):
        judge_ratio(report, f"device_gpu_{name}", cells[name, "cuda"], LIMITS["ratio"])
    for name in NETWORKS:
        judge_ratio(report, f"device_cpu_{name}", cells[name, "cpu"], LIMITS["ratio"])
    on_torch, on_numpy = cells["dropout", "cpu"], cells["dropout", "numpy"]
    limit = LIMITS["beats_numpy"]
    if on_torch.status == on_numpy.status == "RUN":
        detail = f"PyTorch CPU {format_time(on_torch.ann)}, NumPy {format_time(on_numpy.ann)}"
        ratio = on_torch.ann / on_numpy.ann
        target(report, "device_cpu_beats_numpy", ratio, limit, detail=detail, strict=True)
    else:
        missing = on_torch if on_torch.status != "RUN" else on_numpy
        judge_ratio(report, "device_cpu_beats_numpy", missing, limit)
    target(report, "device_numpy_2core", None, 1.0, status="NOT RUN", detail=TWO_CORE_REASON)


def set_up(args):
    """``(setup, why)``: the run's ``Setup`` and why the ``adam`` network trains the
    estimator or ``ANN``; PyTorch's threads are set to ``--threads``."""
    unavailable = {backend: why_unavailable(backend) for backend in BACKENDS}
    if unavailable["cpu"] is None:
        import torch

        torch.set_num_threads(args.threads)
    no_loop = "--no-peers" if args.no_peers else None
    estimator, why = drop_in_estimator()
    return Setup(args.quick, unavailable, no_loop, estimator), why


def measure(report, data, args, peers):
    report.section(
        "device",
        "ann on each array namespace and device beside PyTorch's own loop, per epoch "
        "(the article's network: per iteration)",
    )
    setup, why = set_up(args)
    for backend, reason in setup.unavailable.items():
        described = Device(backend).describe() if reason is None else f"NOT RUN: {reason}"
        report.note(f"backend {backend}: {described}")
    chosen = "ann.MLPClassifier" if setup.estimator else 'ANN(optimizer="sklearn_adam")'
    report.note(f"network adam trains {chosen}: {why}")
    report.data["device"] = {
        "backends": {
            backend: reason or "available" for backend, reason in setup.unavailable.items()
        },
        "adam_implementation": chosen,
        "adam_why": why,
        "cuda_graph": "not done",
    }
    report.note("not done: a training step captured as a CUDA graph (see the module's text)")
    cells = {}
    for name, network in NETWORKS.items():
        report.say(f"   -- {name}: {network.title}")
        for backend in BACKENDS:
            cells[name, backend] = measure_cell(report, name, backend, data, setup)
    judge(report, cells)
