"""Section ``memory``: peak resident memory of the tutorial's default training run (warm
data cache: load 5 vs 8, pre-process, fit a few iterations), measured in a subprocess
above the interpreter's baseline, against the budget."""

import json
import os
import subprocess
import sys

from ann.commands._cli import REPOSITORY
from ann.commands.benchmark.harness import HIDDEN, BenchmarkError

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


def peak_of_training(data_dir, iterations=3):
    """``{"baseline_kib", "peak_kib", "n"}`` of the training run in a new interpreter."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_CODE, str(data_dir), str(iterations)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if result.returncode != 0:
        raise BenchmarkError(
            "the memory subprocess failed: " + (result.stderr.strip().splitlines() or ["?"])[-1]
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(report, data, args, peers):
    report.section("memory", "Peak memory of the tutorial's training run (subprocess, warm cache)")
    data.task("5v8")  # warms the cache
    values = peak_of_training(data.data_dir)
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
