"""Section ``load``: ``load_mnist`` with an empty cache (cold) and with the cache (warm)."""

import os
import tempfile

from ann.commands.benchmark.harness import counted, median, timed
from ann.data import load_mnist


def measure(report, data, args, peers):
    report.section("load", "MNIST loading (load_mnist)")
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
        note=counted(len(cold), "run"),
    )
    report.row(
        "warm (read the cache)",
        median(warm),
        median(warm) / median(cold),
        "cold",
        note=counted(len(warm), "run"),
    )
