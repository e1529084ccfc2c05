"""The threads of a fit (ann.threads): the usable CPUs, the precedence of the user's
settings, the limits restored after every fit, the chooser on fake timings, and a fit at
the automatic choice equal to one at a fixed count."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from ann import ANN, MLPClassifier, threads

BIG = (200, 100)
"""Samples and features of a full batch above ``threads.SMALL_STEP`` with 100 hidden
units: 200 * 100 * 100 multiply-adds per step."""


def blas_threads():
    """The thread count of each BLAS library that NumPy runs ann's products on, now."""
    return [lib.num_threads for lib in threads.POOLS.blas]


def data(shape=BIG, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal(shape)
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def fit_watching(X, y, **params):
    """A fit of 30 full-batch iterations; returns the model and the BLAS threads seen
    after each epoch."""
    seen = []
    model = ANN(
        [100, 1],
        n_iterations=30,
        learning_rate=0.1,
        quiet=True,
        callbacks=[lambda model: seen.append(tuple(blas_threads()))],
        **params,
    )
    return model.fit(X, y), seen


needs_two = pytest.mark.skipif(threads.usable_cpus() < 2, reason="needs 2 CPUs")


def test_the_controller_sees_numpys_blas():
    """Every NumPy wheel runs its products on a BLAS; a threadpoolctl too old to find it
    (before 3.5 for NumPy 2's OpenBLAS) would leave every fit's threads unset."""
    assert blas_threads(), "threadpoolctl finds no BLAS of NumPy's"


# ----------------------------------------------------------------- usable CPUs
def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_quota(tmp_path):
    write(tmp_path, "cpu.max", "max 100000\n")
    assert threads.cgroup_quota(tmp_path) is None
    write(tmp_path, "cpu.max", "150000 100000\n")
    assert threads.cgroup_quota(tmp_path) == 1.5


def test_cgroup_v1_quota(tmp_path):
    write(tmp_path, "cpu/cpu.cfs_quota_us", "-1\n")
    write(tmp_path, "cpu/cpu.cfs_period_us", "100000\n")
    assert threads.cgroup_quota(tmp_path) is None
    write(tmp_path, "cpu/cpu.cfs_quota_us", "100000\n")
    assert threads.cgroup_quota(tmp_path) == 1.0


def test_usable_cpus_are_the_affinity_capped_by_the_quota(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert threads.usable_cpus(tmp_path) == 4  # no cgroup files: no quota
    write(tmp_path, "cpu.max", "150000 100000\n")
    assert threads.usable_cpus(tmp_path) == 2  # 1.5 CPUs of time: 2 threads
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert threads.usable_cpus(tmp_path) == 1


@needs_two
def test_a_quota_of_one_cpu_makes_every_step_single_threaded(tmp_path, monkeypatch):
    write(tmp_path, "cpu.max", "100000 100000\n")
    monkeypatch.setattr(threads, "CGROUP", tmp_path)
    monkeypatch.setattr(threads.usable_cpus, "__defaults__", (tmp_path,))
    before = blas_threads()
    _, seen = fit_watching(*data())
    assert set(seen) == {(1,) * len(before)}
    assert blas_threads() == before


@needs_two
def test_a_reduced_affinity_makes_every_step_single_threaded(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    before = blas_threads()
    _, seen = fit_watching(*data())
    assert set(seen) == {(1,) * len(before)}
    assert blas_threads() == before


# ------------------------------------------------------------ the user's settings
@needs_two
def test_threadpool_limits_around_a_fit_is_respected():
    with threadpool_limits(1, user_api="blas"):
        _, seen = fit_watching(*data())
        assert set(seen) == {tuple(blas_threads())}  # the user's 1, never changed
    with threadpool_limits(2, user_api="blas"), threads.fixed(1):
        _, seen = fit_watching(*data())
        assert set(seen) == {(1,) * len(blas_threads())}  # fixed(n) comes first
        assert set(blas_threads()) == {2}


def test_settings_from_the_environment():
    assert threads.setting({"ANN_NUM_THREADS": "3"}) == 3
    assert threads.setting({}) is None
    with threads.fixed(2):
        assert threads.setting({"ANN_NUM_THREADS": "3"}) == 2
    with pytest.raises(ValueError, match="ANN_NUM_THREADS must be a positive integer"):
        threads.setting({"ANN_NUM_THREADS": "two"})
    with pytest.raises(ValueError, match="threads must be a positive integer"), threads.fixed(0):
        pass
    assert threads.user_limited({"OMP_NUM_THREADS": "1"})
    assert not threads.user_limited({})


SEEN_IN_A_FIT = textwrap.dedent(
    """
    import json
    import numpy as np
    from ann import ANN, threads
    blas = lambda: [lib.num_threads for lib in threads.POOLS.blas]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 100))
    seen, start = [], blas()
    model = ANN([100, 1], n_iterations=30, quiet=True,
                callbacks=[lambda m: seen.append(blas())])
    model.fit(X, (X[:, 0] > 0).astype(int))
    print(json.dumps({"start": start, "during": seen, "after": blas()}))
    """
)


@pytest.mark.parametrize(
    ("variable", "value", "during"),
    [("ANN_NUM_THREADS", "1", 1), ("OPENBLAS_NUM_THREADS", "2", 2)],
)
@needs_two
def test_environment_variables_set_before_import(variable, value, during):
    """ANN_NUM_THREADS sets the count; OpenBLAS's own variable is left alone (the
    chooser, which would try 1 thread, never runs)."""
    environ = {k: v for k, v in os.environ.items() if k not in threads.USER_VARIABLES}
    environ[variable] = value
    result = subprocess.run(
        [sys.executable, "-c", SEEN_IN_A_FIT], env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert {count for step in seen["during"] for count in step} == {during}
    assert seen["after"] == seen["start"]


@needs_two
def test_limits_are_restored_after_a_fit_that_raises():
    def stop(model):
        raise RuntimeError("a callback failed")

    before = blas_threads()
    with threads.fixed(1), pytest.raises(RuntimeError, match="a callback failed"):
        ANN([100, 1], n_iterations=3, quiet=True, callbacks=[stop]).fit(*data())
    assert blas_threads() == before


# ------------------------------------------------------------------ the chooser
def run(chooser, seconds_at, steps):
    """Drive ``chooser`` for ``steps`` steps whose seconds ``seconds_at(threads, step)``
    gives; returns the counts it ran at."""
    counts = []
    for step in range(steps):
        counts.append(chooser.threads())
        chooser.measured(seconds_at(counts[-1], step))
    return counts


def test_fastest_switches_only_for_a_tenth_or_more():
    assert threads.fastest({2: 1.0, 1: 0.5}, current=2) == 1
    assert threads.fastest({2: 1.0, 1: 0.95}, current=2) == 2
    assert threads.fastest({2: 1.0, 1: 0.95}, current=None) == 1


def test_the_chooser_keeps_the_fastest_and_probes_again_when_the_load_changes():
    chooser = threads.Chooser((1, 2), probe_seconds=0.003, min_run_steps=20)

    # quiet at first: 2 threads take 1 ms, 1 thread 1.8 ms; from step 200 on, busy: 2
    # threads take 10 ms
    def seconds_at(count, step):
        return (0.001 if step < 200 else 0.01) if count == 2 else 0.0018

    counts = run(chooser, seconds_at, 400)
    assert counts[0] == 1  # the safe count first
    assert counts[150:200].count(2) > 40  # quiet: mostly 2 threads
    assert counts[-50:].count(1) > 45  # busy: 1 thread
    assert counts[200:].count(2) <= 5  # found out within a few steps


def test_the_chooser_bounds_the_cost_of_probing():
    chooser = threads.Chooser((1, 2), probe_seconds=0.01, budget=0.03)
    # 2 threads 13 times slower (a busy machine): one probing step of them costs 12
    # steps; at a budget of 3% the chooser runs 400 steps before it probes again
    counts = run(chooser, lambda count, step: 0.001 if count == 1 else 0.013, 2000)
    slow = counts.count(2)
    assert counts[1] == 1
    assert 1 <= slow <= 8
    assert slow * 0.012 / (len(counts) * 0.001) <= 0.06


def test_a_crowded_machine_is_not_probed_with_more_threads():
    busy = iter([True] * 3 + [False] * 100)
    chooser = threads.Chooser((1, 2), crowded=lambda: next(busy), min_run_steps=20)
    counts = run(chooser, lambda count, step: 0.001 if count == 2 else 0.002, 200)
    assert set(counts[:60]) == {1}  # three probes of 1 thread alone
    assert counts[-50:].count(2) > 45  # then a free core: 2 threads, the faster


def test_crowded_counts_the_runnable_threads_of_other_processes(tmp_path):
    loadavg, tasks = tmp_path / "loadavg", tmp_path / "task"
    for task, state in (("1", "R"), ("2", "S")):
        write(tasks / task, "stat", f"{task} (python (x)) {state} 1 2 3\n")
    write(tmp_path, "loadavg", "3.10 2.00 1.00 3/200 999\n")  # 3 runnable, 1 of them ours
    assert threads.crowded(2, loadavg, tasks)
    assert threads.crowded(3, loadavg, tasks)  # 1 CPU free: a second thread would wait
    assert not threads.crowded(4, loadavg, tasks)  # 2 free
    write(tmp_path, "loadavg", "2.10 2.00 1.00 2/200 999\n")  # one other: one core busy
    assert threads.crowded(2, loadavg, tasks)
    assert not threads.crowded(3, loadavg, tasks)
    write(tmp_path, "loadavg", "1.10 2.00 1.00 1/200 999\n")  # only ours: quiet
    assert not threads.crowded(2, loadavg, tasks)
    assert not threads.crowded(2, tmp_path / "missing", tasks)


def test_one_candidate_never_probes():
    chooser = threads.Chooser((1,))
    assert set(run(chooser, lambda count, step: 0.001, 100)) == {1}
    assert not chooser.times


# --------------------------------------------------------------- same results
def test_a_small_fit_equals_the_single_thread_fit_bit_for_bit():
    X, y = data((100, 20))
    auto, _ = fit_watching(X, y)
    with threads.fixed(1):
        one, _ = fit_watching(X, y)
    assert np.array_equal(auto.parameters.flat, one.parameters.flat)
    assert auto.costs == one.costs


def test_an_automatic_fit_equals_a_fixed_count():
    """OpenBLAS gives other bits at one thread than at several (about 1e-15 in float64):
    a fit whose chooser went between counts equals a fixed one to 1e-12."""
    X, y = data()
    auto, _ = fit_watching(X, y)
    for count in (1, threads.usable_cpus()):
        with threads.fixed(count):
            fixed, _ = fit_watching(X, y)
        np.testing.assert_allclose(auto.parameters.flat, fixed.parameters.flat, rtol=0, atol=1e-12)
    with threads.fixed(threads.usable_cpus()):
        again, _ = fit_watching(X, y)
    assert np.array_equal(fixed.parameters.flat, again.parameters.flat)


@needs_two
def test_the_lbfgs_path_runs_in_the_chosen_threads():
    X, y = data()
    seen = []
    real = threads.Governor.set

    def watching(governor, count):
        seen.append(count)
        real(governor, count)

    before = blas_threads()
    with pytest.MonkeyPatch.context() as patch, threads.fixed(1):
        patch.setattr(threads.Governor, "set", watching)
        one = MLPClassifier(solver="lbfgs", max_iter=20, random_state=0).fit(X, y)
    assert seen == [1]
    assert blas_threads() == before
    auto = MLPClassifier(solver="lbfgs", max_iter=20, random_state=0).fit(X, y)
    for a, b in zip(auto.coefs_, one.coefs_):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)


def test_pytorch_cpu_threads_are_set_for_the_fit_and_restored():
    torch = pytest.importorskip("torch")
    X, y = data()
    seen, before = [], torch.get_num_threads()
    model = ANN(
        [100, 1],
        n_iterations=3,
        quiet=True,
        callbacks=[lambda m: seen.append(torch.get_num_threads())],
    )
    with threads.fixed(before + 1):  # a count other than PyTorch's own
        model.fit(torch.from_numpy(X), y)
    assert seen == [before + 1] * 3
    assert torch.get_num_threads() == before


def test_the_benchmark_section_starts_and_stops_its_busy_loops():
    from ann.commands.benchmark import command
    from ann.commands.benchmark.threads import busy

    assert "threads" in command.ON_REQUEST
    with busy(2) as children:
        assert len(children) == 2
        assert all(child.poll() is None for child in children)  # running
    assert all(child.returncode is not None for child in children)  # stopped
