"""The benchmark's harness: the report (rows as they come, the targets, the JSON), the
timing helpers (medians, ratios round by round, timing inside ``fit``), the machine's
description and the MNIST tasks."""

import contextlib
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from ann import ANN, data
from ann.commands._provenance import blas_info, provenance
from ann.files import atomic_path

HIDDEN = 196
"""The tutorial's network, 784-196-1 sigmoid (sections fullbatch, minibatch, memory)."""

IDENTICAL_HIDDEN = 100
"""The identical settings' network, 784-100-10 ReLU: scikit-learn's default MLPClassifier."""
IDENTICAL_RATE = 0.001
"""Adam's step at the identical settings, scikit-learn's default ``learning_rate_init``."""

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
    "memmap": "a pass over a memory-mapped file of pixels: allocations <= 600 MB",
    "5v8_99.0": "5v8 99.0%: ann <= 0.5x PyTorch's time",
    "5v8_99.4": "5v8 99.4%: ann < scikit-learn default's time to 99.4%",
    "10_98.0": "10 classes 98.0%: ann <= 0.3x scikit-learn default's time to finish",
}

MIN_GFLOPS_PER_THREAD = 2.0
"""A floor below this many GFLOP/s per BLAS thread is far below what any current core's
matrix product sustains (tens of GFLOP/s): other programs hold the cores."""

MAX_SPREAD = 1.5
"""The slowest round of a floor more than this many times its fastest: the machine's
load changed while it was measured."""


def too_busy(rounds, gflop, threads):
    """Why the machine was too busy to measure, from the times of a floor's ``rounds``
    (seconds, each doing ``gflop`` GFLOP on ``threads`` BLAS threads): a list of
    sentences, empty when the floor looks like the machine's own."""
    reasons = []
    rate = gflop / float(np.median(rounds))
    if rate < MIN_GFLOPS_PER_THREAD * threads:
        reasons.append(
            f"the floor ran at {rate:.1f} GFLOP/s, far below the "
            f"{MIN_GFLOPS_PER_THREAD * threads:g} GFLOP/s that {counted(threads, 'thread')} "
            "sustain on an idle machine"
        )
    spread = max(rounds) / min(rounds)
    if spread > MAX_SPREAD:
        reasons.append(
            f"the floor's slowest round took {spread:.1f}x its fastest (more than {MAX_SPREAD:g}x)"
        )
    return reasons


MEASURED = "MEASURED"
"""A target's status in a quick run: the value is measured on subsets with few repeats,
so it is shown but not judged (neither PASS nor FAIL)."""


class BenchmarkError(Exception):
    """A condition that ends the benchmark with a one-line message."""


# --------------------------------------------------------------------------- output


class Report:
    """Collects rows and targets, prints them as they come, writes the JSON.

    In a ``quick`` run (a smoke test on subsets with few repeats) the targets are
    measured but not judged: their status is ``MEASURED``, never PASS or FAIL."""

    def __init__(self, quick, stream=sys.stdout):
        self.quick = quick
        self.stream = stream
        self.data = {
            "mode": "quick" if quick else "full",
            "machine": {},
            "sections": {},
            "targets": [],
            "notes": [],
            "too_busy": [],
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

    def busy(self, reasons):
        """Note that the machine was too busy for its timings to mean much, and why
        (``too_busy``'s sentences); the targets say so again."""
        for reason in reasons:
            self.data["too_busy"].append(reason)
            self.note(f"the machine is too busy to measure: {reason}")

    def target(
        self, key, value, limit, unit="x", detail="", strict=False, status=None, targets=TARGETS
    ):
        """Record a target: PASS when ``value <= limit`` (``<`` if ``strict``), else FAIL;
        MEASURED whatever the value in a quick run. Without a value, ``status`` says what
        happened (default SKIP: it could not be checked). ``targets[key]`` describes it
        (a section run on request has its own targets)."""
        if value is None:
            status = status or "SKIP"
        else:
            status = "PASS" if (value < limit if strict else value <= limit) else "FAIL"
        if self.quick and status in ("PASS", "FAIL"):
            status = MEASURED
        self.data["targets"].append(
            {
                "key": key,
                "description": targets[key],
                "value": value,
                "limit": limit,
                "unit": unit,
                "status": status,
                "detail": detail,
            }
        )

    def print_targets(self):
        self.say()
        if self.quick:
            self.say(
                "== Targets: not judged in a quick run (subsets of the data, few repeats); "
                "the values are shown for information, run without --quick to judge them"
            )
        else:
            self.say("== Targets")
        if self.data["too_busy"]:
            self.say(
                "   WARNING: the machine was too busy to measure (other programs held its "
                "cores): " + "; ".join(self.data["too_busy"]) + ". The ratios below say "
                "little; run again on an idle machine."
            )
        width = max(len(t["status"]) for t in self.data["targets"]) if self.data["targets"] else 4
        for t in self.data["targets"]:
            value = "-" if t["value"] is None else f"{t['value']:.2f}{t['unit']}"
            self.say(
                f"   {t['status']:{width}s}  {t['description']:66s} "
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


def counted(number, noun, plural=None):
    """``number`` and ``noun``, in the plural unless ``number`` is 1: ``1 round``,
    ``3 rounds`` (``plural`` when adding an s is wrong)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


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
        # when the run started, in UTC: the figures made from the results say it
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
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
    info["code"] = provenance()
    return info


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# ----------------------------------------------------------------------------- data


class Data:
    """MNIST tasks, pre-processed once per dtype."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self._cache = {}

    def task(self, task, dtype="float64"):
        """``(X, y, X_test, y_test)`` for task ``5v8`` or ``10`` in ``dtype``."""
        key = (task, dtype)
        if key not in self._cache:
            if (task, "raw") not in self._cache:
                if task == "5v8":
                    raw = data.get_binary_dataset((5, 8), data_dir=self.data_dir)
                else:
                    raw = data.get_dataset(None, data_dir=self.data_dir)
                self._cache[(task, "raw")] = raw
            tx, ty, vx, vy = self._cache[(task, "raw")]
            X, X_test = data.pre_process_data(tx, vx, dtype=np.dtype(dtype))
            self._cache[key] = (X, ty, X_test, vy)
        return self._cache[key]


# ------------------------------------------------------------------------ timing


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


def timed_fit(on_epoch, X, y, network=ANN, **params):
    """Fit ``network(**params)`` (``ANN``, or the ``ANN`` of another version of the
    package) on ``X, y`` with a callback that calls ``on_epoch(model, seconds)`` after
    every epoch, with the time fit spent on that epoch (since the previous call
    returned: on_epoch's own time is left out; the first epoch includes fit's set-up).
    ``on_epoch`` returning True stops training. Returns the model."""
    resume = None

    def callback(model):
        nonlocal resume
        seconds = time.perf_counter() - resume
        stop = on_epoch(model, seconds)
        resume = time.perf_counter()
        return stop

    model = network(quiet=True, callbacks=[callback], **params)
    resume = time.perf_counter()
    return model.fit(X, y)


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


def bar_hits(bars, hits, train, accuracy):
    """Record in ``hits`` the training time ``train`` for every bar ``accuracy`` reaches
    for the first time; True once every bar is reached."""
    for bar in bars:
        if accuracy >= bar and bar not in hits:
            hits[bar] = train
    return len(hits) == len(bars)
