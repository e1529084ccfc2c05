"""Threads that fit the machine: how many BLAS (and PyTorch CPU) threads a fit uses.

A fit asks ``fitting(work, like)`` for a ``Governor`` and runs each training step (one
batch's gradients and update, or one L-BFGS evaluation) inside ``governor.step()``. The
count comes from, in this order:

1. ``fixed(n)`` around the fit (``ann-train --threads N``): n threads;
2. the environment variable ``ANN_NUM_THREADS``: that many;
3. a limit of the user's own (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or
   ``MKL_NUM_THREADS`` set, or ``threadpoolctl.threadpool_limits`` active around the
   fit, seen as BLAS threads other than the process's starting default): left alone;
4. otherwise ``ann`` chooses: a step of fewer than ``SMALL_STEP`` multiply-adds runs on
   one thread; a larger one is timed at each candidate count (1 and every usable CPU),
   the fastest is kept (``Chooser``), and the choice is checked again now and then,
   since load comes and goes.

The usable CPUs are those of the process's affinity, capped by a cgroup CPU quota
(``usable_cpus``). Limits are set per fit with threadpoolctl and restored when the fit
ends, even by an exception: never process-wide. OpenBLAS gives other bits at one thread
than at several (float64 fits differ by about 1e-15), so a fit on which the chooser
settled on one count equals a fit at that fixed count bit for bit, and one that switched
counts equals it to about 1e-12.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy  # noqa: F401  (loads the BLAS before the controller looks for it)

ENVIRONMENT = "ANN_NUM_THREADS"
"""The environment variable that sets the threads of every fit."""

USER_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
"""Environment variables by which a user limits the BLAS threads: ann then leaves them."""

SMALL_STEP = 2_000_000
"""A step with fewer multiply-adds (the forward products of one batch) runs on one
thread: starting the threads costs more than they save."""

CGROUP = Path("/sys/fs/cgroup")
"""Where Linux shows the process's cgroup (the CPU quota of a container)."""

_FIXED: ContextVar[int | None] = ContextVar("ann_fixed_threads", default=None)


@contextlib.contextmanager
def fixed(threads: int) -> Iterator[None]:
    """Every fit inside the block uses ``threads`` threads (no choice, no probing)."""
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    token = _FIXED.set(threads)
    try:
        yield
    finally:
        _FIXED.reset(token)


# ------------------------------------------------------------------ usable CPUs
def cgroup_quota(root: Path = CGROUP) -> float | None:
    """The CPUs a cgroup quota allows (``1.5`` for 150 ms of CPU per 100 ms), from
    cgroup v2's ``cpu.max`` or v1's ``cpu/cpu.cfs_quota_us`` and ``cpu.cfs_period_us``
    under ``root``; None without a quota."""
    with contextlib.suppress(OSError, ValueError):
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    for folder in (root / "cpu", root / "cpu,cpuacct", root):
        with contextlib.suppress(OSError, ValueError):
            quota_us = int((folder / "cpu.cfs_quota_us").read_text())
            period_us = int((folder / "cpu.cfs_period_us").read_text())
            return None if quota_us <= 0 or period_us <= 0 else quota_us / period_us
    return None


def usable_cpus(root: Path = CGROUP) -> int:
    """The CPUs this process may use: those of its affinity, capped by the cgroup quota
    under ``root`` (rounded up, at least 1)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_quota(root)
    return max(1, min(cpus, math.ceil(quota))) if quota else max(1, cpus)


def crowded(
    cpus: int, loadavg: Path = Path("/proc/loadavg"), tasks: Path = Path("/proc/self/task")
) -> bool:
    """Whether the runnable threads of other processes, now, leave fewer than two of
    the ``cpus`` CPUs free, so that threads beyond one would wait for a core (OpenBLAS's
    threads meet at every product: one that waits stalls the others). The others are
    the system's runnable count (``loadavg``'s fourth field, ``running/total``) less
    this process's own (those of its ``tasks`` in state R). False where Linux's files
    are not there."""
    try:
        running = int(loadavg.read_text().split()[3].split("/")[0])
        own = sum(
            stat.read_text().rsplit(")", 1)[1].split()[0] == "R" for stat in tasks.glob("*/stat")
        )
    except (OSError, ValueError, IndexError):
        return False
    return cpus - (running - own) < 2


# ------------------------------------------------------------------ the chooser
SLOWER = 1.5
SLOW_STEPS = 3
"""A step this many times slower than its count's probe, so many steps in a row: the
load has changed, and the chooser probes again."""


def fastest(step_seconds: Mapping[int, float], current: int | None, gain: float = 0.9) -> int:
    """The thread count to run at, from the seconds of a step at each count: the
    fastest, unless ``current`` is within ``gain`` of it (a switch must save 10%)."""
    best = min(step_seconds, key=lambda threads: (step_seconds[threads], threads))
    if current is None or current not in step_seconds:
        return best
    return current if step_seconds[best] > gain * step_seconds[current] else best


@dataclass
class Chooser:
    """Chooses the threads of each step from the measured seconds of the steps before;
    it reads no clock (``measured`` is told the time), so it is a pure state machine.

    A probe runs each of ``candidates`` (the current choice first; at the start the
    first candidate, which should be the safe count, 1) for steps adding up
    to ``probe_seconds`` (at most ``max_probe_steps``, and one step for a count that is
    already twice as slow), then keeps ``fastest``. Training goes on at that count for
    enough steps that the probe's extra cost (the slower counts' time above the chosen
    one's) stays within ``budget`` of the time trained, at least ``min_run_steps``;
    then it probes again, and sooner when it runs at another count than the first (the
    safe one) and ``SLOW_STEPS`` steps in a row take ``SLOWER`` times the probe's (the
    load rose: on a busy machine, threads wait for cores). While ``crowded()`` says that
    other processes leave fewer than two CPUs free, a probe runs the first count alone:
    one step of more threads would cost up to a hundred steps of one.
    """

    candidates: Sequence[int]
    crowded: Callable[[], bool] = lambda: False
    probe_seconds: float = 0.01
    max_probe_steps: int = 32
    min_run_steps: int = 20
    budget: float = 0.03
    choice: int | None = None
    times: dict[int, list[float]] = field(default_factory=dict)
    _probing: list[int] = field(default_factory=list)
    _run_left: int = 0
    _expected: float | None = None  # the chosen count's seconds per step in the probe
    _slow_steps: int = 0  # consecutive steps SLOWER than expected

    def __post_init__(self) -> None:
        if not self.candidates:
            raise ValueError("the chooser needs at least one thread count")
        self.choice = self.candidates[0] if self.choice is None else self.choice
        if len(self.candidates) > 1:
            self._start_probe()

    def threads(self) -> int:
        """The count the next step runs at."""
        return self._probing[0] if self._probing else int(self.choice or 1)

    def measured(self, seconds: float) -> None:
        """The step just run at ``threads()`` took ``seconds``."""
        if not self._probing:
            self._run_left -= 1
            slower = (
                self.choice != self.candidates[0]  # (more load slows the safe count too)
                and self._expected is not None
                and seconds > SLOWER * self._expected
            )
            self._slow_steps = self._slow_steps + 1 if slower else 0
            if len(self.candidates) > 1 and (self._run_left <= 0 or self._slow_steps >= SLOW_STEPS):
                self._start_probe()
            return
        threads = self._probing[0]
        taken = self.times.setdefault(threads, [])
        taken.append(seconds)
        if self._probe_done(threads, taken):
            self._probing.pop(0)
            if not self._probing:
                self._decide()

    def _start_probe(self) -> None:
        self.times = {}
        if self.crowded():  # no core free for more threads: the safe count alone
            self._probing = [self.candidates[0]]
            return
        self._probing = [int(self.choice or 1)] + [c for c in self.candidates if c != self.choice]

    def _probe_done(self, threads: int, taken: list[float]) -> bool:
        reference = self.times.get(int(self.choice or 1))
        if threads != self.choice and reference and taken[0] > 2 * min(reference):
            return True  # clearly slower: one step shows it
        return sum(taken) >= self.probe_seconds or len(taken) >= self.max_probe_steps

    def _decide(self) -> None:
        per_step = {threads: statistics.median(taken) for threads, taken in self.times.items()}
        self.choice = fastest(per_step, self.choice)
        chosen = self._expected = per_step[self.choice]
        self._slow_steps = 0
        extra = sum(sum(taken) - chosen * len(taken) for taken in self.times.values())
        steps = extra / (self.budget * chosen) if chosen > 0 else 0.0
        self._run_left = max(self.min_run_steps, math.ceil(steps))


# ------------------------------------------------------------------ the limits
class Pools:
    """The BLAS libraries loaded when ``ann`` is imported (NumPy's, which runs its
    matrix products) as threadpoolctl's controllers (made once: it costs about a
    millisecond), and their thread counts then."""

    def __init__(self) -> None:
        from threadpoolctl import ThreadpoolController

        self.blas = ThreadpoolController().select(user_api="blas").lib_controllers
        self.starting = [lib.num_threads for lib in self.blas]

    def limited_by_user(self) -> bool:
        """Whether the BLAS threads differ from the start: a ``threadpool_limits``."""
        return [lib.num_threads for lib in self.blas] != self.starting


POOLS = Pools()
"""The BLAS of ``ann``'s products, seen at import, before any limit of the user's."""


def _torch_cpu(like: Any) -> Any:
    """The torch module when ``like`` is a PyTorch tensor on the CPU, else None."""
    module = type(like).__module__
    if not module.startswith("torch") or str(getattr(like, "device", "")) != "cpu":
        return None
    import torch

    return torch


def setting(environ: Mapping[str, str] | None = None) -> int | None:
    """The count set from outside the chooser: ``fixed(n)``, else ``ANN_NUM_THREADS``
    (a ValueError when it is not a positive integer); None when neither is."""
    chosen = _FIXED.get()
    if chosen is not None:
        return chosen
    text = (os.environ if environ is None else environ).get(ENVIRONMENT, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{ENVIRONMENT} must be a positive integer, got {text!r}")
    return int(text)


def user_limited(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the user limits the threads: one of ``USER_VARIABLES`` is set, or a
    ``threadpool_limits`` changed the BLAS threads since ``ann`` was imported."""
    environ = os.environ if environ is None else environ
    return any(environ.get(name) for name in USER_VARIABLES) or POOLS.limited_by_user()


@dataclass
class Governor:
    """Sets the threads of each step of one fit and times the steps for the chooser
    (None: the count stays as it is, or as set when the fit began)."""

    chooser: Chooser | None
    torch: Any = None
    _current: int | None = None

    def set(self, threads: int) -> None:
        """Run on ``threads`` threads from now on (BLAS, and PyTorch on the CPU)."""
        if threads != self._current:
            for lib in POOLS.blas:
                lib.set_num_threads(threads)
            if self.torch is not None:
                self.torch.set_num_threads(threads)
            self._current = threads

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        """One training step, at the chooser's count and timed for it."""
        if self.chooser is None:
            yield
            return
        self.set(self.chooser.threads())
        start = time.perf_counter()
        yield
        self.chooser.measured(time.perf_counter() - start)


def multiply_adds(sizes: Sequence[int], rows: int) -> int:
    """The multiply-adds of the forward products of ``rows`` samples through layers of
    ``sizes`` (the backward pass costs about twice as many)."""
    return rows * sum(a * b for a, b in zip(sizes, sizes[1:]))


@contextlib.contextmanager
def fitting(work: int, like: Any) -> Iterator[Governor]:
    """The threads of a fit whose steps cost ``work`` multiply-adds each, on arrays
    like ``like``: a ``Governor`` to run each step in; every count it sets is restored
    when the block ends. Arrays off the CPU (a GPU) are left alone."""
    on_cpu = type(like).__module__.startswith("numpy") or _torch_cpu(like) is not None
    if not on_cpu:
        yield Governor(None)
        return
    chosen = setting()
    if chosen is None and user_limited():
        yield Governor(None)
        return
    pools, torch = POOLS, _torch_cpu(like)
    saved = [lib.num_threads for lib in pools.blas]
    saved_torch = None if torch is None else torch.get_num_threads()
    governor = Governor(None, torch)
    try:
        if chosen is None and work >= SMALL_STEP and usable_cpus() > 1:
            cpus = usable_cpus()
            governor.chooser = Chooser((1, cpus), crowded=lambda: crowded(cpus))
        else:
            governor.set(chosen or 1)
        yield governor
    finally:
        for lib, threads in zip(pools.blas, saved):
            lib.set_num_threads(threads)
        if torch is not None:
            torch.set_num_threads(saved_torch)
