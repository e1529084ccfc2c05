"""Section ``memmap``: data beyond memory. A file of uint8 pixels several times larger
than the memory a process is allowed (4 GB on disk; 0.05 GB in a quick run) is mapped
and trained on, in a subprocess whose data segment is capped (``RLIMIT_DATA``) at its
baseline plus the budget: ``ANN(input_divisor=255)`` runs one full-batch iteration and a
prediction over all of it, and ``ann.MLPClassifier`` one ``partial_fit`` pass in
blocks. The peak of Python's allocations (``tracemalloc``, NumPy's arrays included) is
reported against the budget, 600 MB; the resident high-water mark counts the file's
pages, which the kernel can drop, and is shown for reference."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ann.commands._cli import REPOSITORY
from ann.commands.benchmark.harness import BenchmarkError

BUDGET = 600e6
"""Bytes above the interpreter's baseline that a pass over a mapped file may take."""

FEATURES = 784

CHILD = r"""
import json, resource, sys, time, tracemalloc
import numpy as np


def status(key):
    with open("/proc/self/status") as lines:
        for line in lines:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


path, labels_path, budget = sys.argv[1], sys.argv[2], float(sys.argv[3])
from ann import ANN
import ann.estimators  # imported before the cap, as a user's program would

baseline = status("VmData")
cap = int(baseline + budget)
resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
X = np.load(path, mmap_mode="r")
y = np.load(labels_path)
tracemalloc.start()
times = {}
start = time.perf_counter()
model = ANN([16, 1], input_divisor=255, n_iterations=1, quiet=True).fit(X, y)
times["ANN full-batch iteration"] = time.perf_counter() - start
start = time.perf_counter()
accuracy = float(np.mean(model.predict(X) == y))
times["ANN predict"] = time.perf_counter() - start
start = time.perf_counter()
estimator = ann.estimators.MLPClassifier(hidden_layer_sizes=(16,), batch_size=1000)
for block in range(0, len(X), 200000):
    rows = slice(block, block + 200000)
    estimator.partial_fit(X[rows], y[rows], classes=[0, 1])
times["MLPClassifier partial_fit pass (blocks of 200,000)"] = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({
    "traced_peak_bytes": peak, "baseline_vmdata_bytes": baseline, "cap_bytes": cap,
    "vmhwm_bytes": status("VmHWM"), "accuracy": accuracy, "seconds": times,
}))
"""


def write_pixels(directory, gigabytes, seed=0):
    """A ``.npy`` of uint8 pixels (``FEATURES`` per row) of about ``gigabytes`` GB and
    its labels (whether a row's first half is brighter), written block by block."""
    rows = max(1000, int(gigabytes * 1e9 / FEATURES))
    path, labels_path = Path(directory) / "pixels.npy", Path(directory) / "labels.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(rows, FEATURES))
    labels = np.empty(rows, dtype=np.uint8)
    rng = np.random.default_rng(seed)
    for start in range(0, rows, 100000):
        block = rng.integers(0, 256, size=(min(100000, rows - start), FEATURES), dtype=np.uint8)
        X[start : start + len(block)] = block
        half = FEATURES // 2
        left = block[:, :half].sum(axis=1, dtype=np.int64)
        labels[start : start + len(block)] = left > block[:, half:].sum(axis=1, dtype=np.int64)
    X.flush()
    del X
    np.save(labels_path, labels)
    return path, labels_path, rows


def run_child(path, labels_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(labels_path), str(BUDGET)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["?"])[-1]
        raise BenchmarkError(f"the memmap subprocess failed ({result.returncode}): {reason}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(report, data, args, peers):
    gigabytes = 0.05 if args.quick else args.memmap_gb
    report.section("memmap", f"Training on a {gigabytes:g} GB memory-mapped file of uint8 pixels")
    with tempfile.TemporaryDirectory(prefix="ann-memmap-") as directory:
        path, labels_path, rows = write_pixels(directory, gigabytes)
        values = run_child(path, labels_path)
    on_disk = rows * FEATURES
    for name, seconds in values["seconds"].items():
        report.row(name, seconds, note=f"{rows:,} rows x {FEATURES}")
    peak = values["traced_peak_bytes"]
    report.row(
        "peak of allocations (tracemalloc)",
        None,
        peak / BUDGET,
        "budget",
        note=f"{peak / 1e6:.0f} MB for {on_disk / 1e9:.2f} GB on disk (as float64: "
        f"{8 * on_disk / 1e9:.1f} GB); data segment capped at baseline + "
        f"{BUDGET / 1e6:.0f} MB",
        peak_bytes=peak,
        file_bytes=on_disk,
    )
    report.row(
        "resident high-water mark",
        None,
        note=f"{values['vmhwm_bytes'] / 1e6:.0f} MB (the file's pages count here; the "
        "kernel drops them under pressure)",
    )
    report.target(
        "memmap", peak / BUDGET, 1.0, detail=f"{peak / 1e6:.0f} MB over {on_disk / 1e9:.2f} GB"
    )
