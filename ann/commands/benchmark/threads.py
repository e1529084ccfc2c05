"""Section ``threads`` (on request): ``ann``'s own choice of threads (``ann.threads``)
against 1 thread and every usable CPU, on a quiet machine, with one core busy and with
every core busy (CPU-bound loops in child processes that the section starts and stops).

Each row is a whole ``fit``, timed in rounds (its own choice, 1 thread, all threads,
one of each per round); the ratio is the median over the rounds of its own time over
the best of the other two in that round. Target: at most 1.15x in every row and
condition."""

import contextlib
import subprocess
import sys
import warnings

from ann import ANN, threads
from ann.commands.benchmark.harness import HIDDEN, counted, median, settle, timed
from ann.presets import PRESETS

LIMIT = 1.15
"""The target: ann's own choice within 15% of the best fixed count."""

TARGETS = {
    "threads_own": f"threads: ann's own choice <= {LIMIT}x the best of 1 and all threads",
}

BUSY_LOOP = (
    "import os\n"
    "parent = os.getppid()\n"
    "while os.getppid() == parent:\n"
    "    for _ in range(1_000_000): pass\n"
)
"""What each busy child process runs: one core's worth of pure CPU work, until it is
stopped or the benchmark is gone (killed before it could stop it)."""


def rows(data, quick):
    """``(name, fit)`` of each row: a function that runs the whole fit."""
    X58, y58 = data.task("5v8")[:2]
    X10, y10 = data.task("10")[:2]
    X58_32, y58_32 = data.task("5v8", "float32")[:2]
    n10 = 6000 if quick else 20000
    X10, y10 = X10[:n10], y10[:n10]
    iterations = 3 if quick else 10

    def article():
        ANN([HIDDEN, 1], learning_rate=0.1, n_iterations=iterations, quiet=True).fit(X58, y58)

    def adam(batch):
        def fit():
            ANN(
                [100, 10],
                activation="relu",
                optimizer="adam",
                learning_rate=0.001,
                batch_size=batch,
                n_iterations=1,
                init="sklearn",
                quiet=True,
            ).fit(X10, y10)

        return fit

    def mlp():
        from ann import MLPClassifier

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # stopped before converging, on purpose
            MLPClassifier(max_iter=2, random_state=0).fit(X10, y10)

    def fast():
        params = dict(PRESETS["fast"], quiet=True, n_iterations=1 if quick else 3)
        ANN(**params).fit(X58_32, y58_32)

    return [
        (f"article, full batch, {counted(iterations, 'iteration')}", article),
        (f"784-100-10 Adam, batch 200, 1 epoch of {n10}", adam(200)),
        (f"784-100-10 Adam, batch 32, 1 epoch of {n10}", adam(32)),
        (f"ann.MLPClassifier(), 2 epochs of {n10}", mlp),
        (f"fast preset, {counted(1 if quick else 3, 'epoch')} of 5 vs 8", fast),
    ]


@contextlib.contextmanager
def busy(cores):
    """``cores`` child processes each running a CPU-bound loop (the block gets their
    ``Popen``), stopped at the end."""
    children = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(cores)]
    try:
        yield children
    finally:
        for child in children:
            child.kill()
            child.wait()


def time_row(fit, rounds, everyone):
    """``(own, one, all)``: the seconds of each round's fit at ann's choice, at 1 thread
    and at ``everyone`` threads, round-robin."""
    times = {"own": [], "one": [], "all": []}
    modes = {
        "own": contextlib.nullcontext,
        "one": lambda: threads.fixed(1),
        "all": lambda: threads.fixed(everyone),
    }
    fit()  # warm-up: caches, allocations
    for _ in range(rounds):
        for mode, limit in modes.items():
            settle()
            with limit():
                times[mode].append(timed(fit))
    return times


def measure(report, data, args, peers):
    cpus = threads.usable_cpus()
    rounds = 1 if args.quick else 3
    report.section(
        "threads",
        f"Threads: ann's choice against 1 and {cpus} (its usable CPUs), "
        f"{counted(rounds, 'round')}, quiet / one core busy / every core busy",
    )
    worst = None
    for condition, cores in (("quiet", 0), ("one core busy", 1), (f"{cpus} cores busy", cpus)):
        with busy(cores):
            for name, fit in rows(data, args.quick):
                times = time_row(fit, rounds, cpus)
                best = [min(a, b) for a, b in zip(times["one"], times["all"])]
                ratio = median([own / b for own, b in zip(times["own"], best)])
                worst = ratio if worst is None else max(worst, ratio)
                report.row(
                    f"{condition}: {name}",
                    median(times["own"]),
                    ratio,
                    "best of 1 and all",
                    note=f"1 thread {median(times['one']):.3f} s, "
                    f"{cpus} threads {median(times['all']):.3f} s",
                    one_s=median(times["one"]),
                    all_s=median(times["all"]),
                    condition=condition,
                )
    report.target("threads_own", worst, LIMIT, detail="the worst row", targets=TARGETS)
