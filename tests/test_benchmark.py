"""The benchmark script: its quick mode runs, prints a table and writes the JSON.

Nothing here asserts on timings (the machine is shared and timings are noisy): the
script itself checks the speed targets and prints PASS/FAIL; these tests check the
structure and contents of what it reports, and its handling of bad flags.
"""

import argparse
import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ann import ANN
from ann.commands.benchmark import accuracy, command, fullbatch, harness, identical, peers

ROOT = Path(__file__).resolve().parent.parent
STATUSES = {"PASS", "FAIL", "SKIP", harness.MEASURED}


def run_script(*args, env=None, timeout=300, module="scripts.benchmark", cwd=ROOT):
    """``python -m module *args`` in ``cwd`` (default: the repository), its output
    captured."""
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), environment.get("PYTHONPATH")])
    )
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def quick_run(mnist_dir, tmp_path_factory):
    """One ``--quick`` run shared by the tests below: (completed process, JSON, dir)."""
    folder = tmp_path_factory.mktemp("benchmark")
    path = folder / "out.json"
    result = run_script("--quick", "--json", str(path), "--data-dir", str(mnist_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    return result, json.loads(path.read_text()), folder


# ------------------------------------------------------------------------- quick run


def test_quick_run_writes_json_with_every_section(quick_run):
    _, data, _ = quick_run
    assert data["mode"] == "quick"
    assert set(data["sections"]) == set(command.SECTIONS)
    for name, rows in data["sections"].items():
        assert rows, f"section {name} has no rows"
        for row in rows:
            assert {"name", "median_s", "ratio", "ratio_to", "note"} <= set(row)
            if row["median_s"] is not None:
                assert row["median_s"] > 0


def test_machine_is_described(quick_run):
    result, data, _ = quick_run
    machine = data["machine"]
    assert machine["cores"] >= 1
    assert machine["cpu"] and machine["blas"] and machine["numpy"] == np.__version__
    # the date the documentation's figures show beside the machine
    started = datetime.datetime.strptime(machine["date"], "%Y-%m-%d %H:%M UTC")
    assert abs(datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - started).days < 1
    first_lines = result.stdout.splitlines()[:4]
    assert any(
        line.startswith("machine: ") and str(machine["cores"]) in line for line in first_lines
    )
    assert any("BLAS" in line for line in first_lines)


def test_full_batch_rows_have_floors_and_ratios(quick_run):
    _, data, _ = quick_run
    rows = {row["name"]: row for row in data["sections"]["fullbatch"]}
    for dtype in ("float64", "float32"):
        floor = next(row for name, row in rows.items() if name.startswith(f"floor {dtype}"))
        assert floor["ratio"] == 1.0
        ann_row = next(row for name, row in rows.items() if name.startswith(f"ann {dtype}"))
        assert ann_row["ratio_to"] == f"floor {dtype}" and ann_row["ratio"] > 0
    assert rows["tutorial float64"]["ratio"] > 0


def test_minibatch_rows_cover_batches_and_dtypes(quick_run):
    _, data, _ = quick_run
    names = [row["name"] for row in data["sections"]["minibatch"]]
    for dtype in ("float32", "float64"):
        for batch in (64, 256):
            assert f"ann epoch {dtype}, batch {batch}" in names
            assert f"epoch floor {dtype}, batch {batch}" in names


def test_identical_settings_rows_cover_batches_and_dtypes(quick_run):
    result, data, _ = quick_run
    rows = {row["name"]: row for row in data["sections"]["identical"]}
    for dtype in ("float64", "float32"):
        for batch in ("32", "64", "200", "256", "full"):
            floor = rows[f"floor {dtype}, batch {batch}"]
            assert floor["ratio"] == 1.0 and floor["median_s"] > 0
            ann_row = rows[f"ann {dtype}, batch {batch}"]
            assert ann_row["ratio_to"] == f"floor {dtype}, batch {batch}"
            assert ann_row["ratio"] == pytest.approx(
                harness.paired(ann_row["rounds"], floor["rounds"])
            )
            assert len(ann_row["rounds"]) == 2, "quick mode: two rounds"
            assert 0.1 < ann_row["accuracy"] <= 1, "ten classes: better than chance"
    # quick mode has no peers: ann's rows compare to the floor only
    assert {row["implementation"] for row in rows.values()} == {"floor", "ann"}
    assert result.stdout.count("| batch | floor | `ann` |") == 2


def test_time_to_accuracy_records_the_curve(quick_run):
    _, data, _ = quick_run
    rows = data["sections"]["accuracy"]
    ann_rows = [row for row in rows if row["name"].startswith("ann ")]
    assert ann_rows
    for row in ann_rows:
        assert row["config"] in accuracy.CONFIGS
        assert row["seeds"] == list(accuracy.SEEDS) and len(accuracy.SEEDS) >= 3
        assert row["median_s"] == accuracy.median_over_seeds(row["seconds_by_seed"])
        assert row["curve"], "one (time, accuracy) point per epoch"
        times = [point[0] for point in row["curve"]]
        assert times == sorted(times)
        assert all(0.5 < point[1] <= 1 for point in row["curve"])
    assert any("quick mode" in note for note in data["notes"])


def test_tree_rows_grow_in_nodes(quick_run):
    _, data, _ = quick_run
    rows = data["sections"]["tree"]
    assert [row["name"][:2] for row in rows] == ["1x", "2x", "4x"]
    nodes = [row["nodes"] for row in rows]
    assert nodes[0] < nodes[1] < nodes[2]


def test_load_and_memory_rows(quick_run):
    _, data, _ = quick_run
    names = [row["name"] for row in data["sections"]["load"]]
    assert any(name.startswith("cold") for name in names)
    assert any(name.startswith("warm") for name in names)
    memory = next(row for row in data["sections"]["memory"] if "peak_bytes" in row)
    assert memory["peak_bytes"] > 0
    # the float64 training array of 5 vs 8 alone is 11272 x 784 x 8 bytes
    assert memory["budget_bytes"] > 11272 * 784 * 8


def test_every_target_is_reported(quick_run):
    """A quick run measures the targets but judges none: no PASS, no FAIL."""
    result, data, _ = quick_run
    targets = {target["key"]: target for target in data["targets"]}
    assert set(targets) == set(harness.TARGETS)
    for target in targets.values():
        assert target["status"] in STATUSES
        assert (target["status"] == "SKIP") == (target["value"] is None)
        if target["value"] is not None:
            assert target["value"] >= 0
            assert target["status"] == harness.MEASURED
    # quick mode skips the peers, so their comparisons cannot be made
    for key in ("5v8_99.0", "10_98.0", "sklearn_200_f64", "torch_200_f64", "mlp_f64", "mlp_f32"):
        assert targets[key]["status"] == "SKIP", key
    # ann's epoch against the floor is measured in quick mode too
    for key in ("epoch_64_f64", "epoch_200_f32", "epoch_full_f64"):
        assert targets[key]["value"] > 0, key
    table = result.stdout
    assert "== Targets" in table
    for target in targets.values():
        assert any(
            line.split()[:1] == [target["status"]] and target["description"] in line
            for line in table.splitlines()
        )
    assert not any(line.split()[:1] in (["PASS"], ["FAIL"]) for line in table.splitlines())
    assert table.count("not judged") == 1


@pytest.mark.parametrize(
    "value, limit, strict, status, judged",
    [
        (1.0, 1.1, False, None, "PASS"),
        (1.1, 1.1, False, None, "PASS"),  # the limit itself passes
        (1.1, 1.1, True, None, "FAIL"),  # unless strict
        (1.2, 1.1, False, None, "FAIL"),
        (None, 1.1, False, None, "SKIP"),
        (None, 1.1, False, "FAIL", "FAIL"),  # a bar never reached
    ],
)
def test_a_full_run_judges_each_target_and_a_quick_run_does_not(
    value, limit, strict, status, judged
):
    for quick in (False, True):
        report = harness.Report(quick=quick, stream=io.StringIO())
        report.target("memory", value, limit, strict=strict, status=status)
        report.print_targets()
        (target,) = report.data["targets"]
        expected = judged
        if quick and judged in ("PASS", "FAIL"):
            expected = harness.MEASURED
        assert target["status"] == expected, quick
        printed = report.stream.getvalue()
        assert printed.count("not judged") == (1 if quick else 0)
        assert f"   {expected} " in printed


def test_quick_run_says_the_installed_peers_are_not_run(quick_run):
    """torch and scikit-learn are test dependencies: installed, so never 'not installed'."""
    pytest.importorskip("torch")  # the test extra's, not in CI's lower-bounds run
    result, data, _ = quick_run
    assert "not installed" not in result.stdout
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("peers: ")]
    for name in ("PyTorch", "scikit-learn"):
        assert f"{name} " in line and "not run in a quick run" in line
    assert data["machine"]["peers"] == []
    assert len(data["machine"]["peers_not_run"]) == 2


def test_peers_tell_missing_from_not_run():
    libraries = {"sklearn": ("scikit-learn", "scikit-learn"), "no_such_lib": ("Nope", "nope")}
    found = peers.Peers.detect(libraries=libraries)
    assert found.sklearn is not None and found.torch is None
    assert found.why_not("no_such_lib") == "Nope not installed"
    assert found.describe().startswith("scikit-learn ")
    skipped = peers.Peers.detect(no_peers=True, libraries=libraries)
    assert skipped.modules == {}
    assert skipped.why_not("sklearn") == "scikit-learn not run (--no-peers)"


def test_table_lists_each_row_printed(quick_run):
    result, data, _ = quick_run
    for rows in data["sections"].values():
        for row in rows:
            assert row["name"] in result.stdout


def test_json_is_written_atomically(quick_run):
    _, _, folder = quick_run
    assert sorted(path.name for path in folder.iterdir()) == ["out.json"]


# -------------------------------------------------------------------------- flags


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--repeats", "0"], "must be positive"),
        (["--repeats", "many"], "not an integer"),
        (["--sections", "fullbatch,bogus"], "unknown section"),
        (["--json", "/nonexistent-folder/out.json"], "does not exist"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_flags_exit_2_with_one_line(flags, message, tmp_path):
    result = run_script(*flags, "--data-dir", str(tmp_path), timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and message in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_data_dir_is_a_one_line_error(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "MNIST_DIR"}
    result = run_script("--quick", env=env, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "MNIST" in result.stderr and "Traceback" not in result.stderr
    result = run_script("--data-dir", str(tmp_path / "absent"), timeout=60)
    assert result.returncode == 2 and "not a directory" in result.stderr


# ----------------------------------------------------------------- the script's parts


def test_configs_are_valid_ann_arguments():
    for name, config in accuracy.CONFIGS.items():
        assert config["task"] in ("5v8", "10")
        assert all(0.9 < bar < 1 for bar in config["bars"])
        model = ANN(**config["params"])
        assert model.layers_size[-1] == (1 if config["task"] == "5v8" else 10), name


def test_tutorial_baseline_is_gradient_descent_on_the_same_cost():
    """The baseline written in the script takes the same step as ANN's gradients."""
    rng = np.random.default_rng(3)
    X = rng.random((20, 8))
    y = (rng.random(20) > 0.5).astype(int)
    model = ANN([5, 1])
    model.initialize_parameters(8)
    store = {name: value.copy() for name, value in model.parameters.items()}
    cost = fullbatch.tutorial_iteration(store, X, y[None, :].astype(float), 0.5)
    assert cost == pytest.approx(model.compute_cost(X, y))
    grads = model.backward(X, y, model.forward(X)[1])
    for name, value in model.parameters.items():
        np.testing.assert_allclose(
            store[name], value - 0.5 * grads["d" + name], rtol=1e-10, atol=1e-12
        )


def test_paired_ratio_is_the_median_of_round_ratios():
    assert harness.paired([2, 4, 30], [1, 2, 3]) == 2.0


@pytest.mark.parametrize(
    "seconds, expected",
    [
        ([3.0, 1.0, 2.0], 2.0),
        ([1.0, None, 3.0], 3.0),  # the seed that never got there is the slowest
        ([None, 2.0, None], None),  # most seeds never got there
    ],
)
def test_median_over_seeds_counts_a_miss_as_slowest(seconds, expected):
    assert accuracy.median_over_seeds(seconds) == expected


def test_timed_fit_reports_each_epoch_and_stops_when_asked():
    rng = np.random.default_rng(0)
    X = rng.random((40, 5))
    y = (X[:, 0] > 0.5).astype(int)
    seen = []

    def on_epoch(model, seconds):
        seen.append((len(model.costs), seconds))
        return len(model.costs) == 3

    model = harness.timed_fit(on_epoch, X, y, layers_size=[4, 1], n_iterations=10)
    assert [epoch for epoch, _ in seen] == [1, 2, 3]
    assert all(seconds > 0 for _, seconds in seen)
    assert len(model.costs) == 3


def test_epoch_floor_runs_every_unavoidable_product(monkeypatch):
    """For each batch: the forward product of each layer, the weight-gradient product
    of each, dA of all but the first; their FLOPs are floor_gflop's."""
    X = np.ones((10, 6))
    sizes = (6, 5, 3)
    floor = identical.epoch_floor(X, sizes, batch=4)
    shapes = []
    original = np.matmul

    def counting(a, b, out=None):
        shapes.append((a.shape, b.shape))
        assert out is not None and out.shape == (a.shape[0], b.shape[1])
        return original(a, b, out=out)

    monkeypatch.setattr(np, "matmul", counting)
    floor()
    monkeypatch.undo()
    per_batch = lambda b: [
        ((5, 6), (6, b)),
        ((3, 5), (5, b)),  # Z1, Z2
        ((3, b), (b, 5)),
        ((5, 3), (3, b)),  # dW2, dA1
        ((5, b), (b, 6)),
    ]  # dW1
    assert shapes == per_batch(4) + per_batch(4) + per_batch(2)
    flops = sum(2 * a[0] * a[1] * b[1] for a, b in shapes)
    assert flops == pytest.approx(identical.floor_gflop(10, sizes) * 1e9)


def blobs(n, classes=(3, 5, 7), features=12, seed=0, dtype="float64"):
    """``n`` samples of well separated clusters, one per class (the same centers for
    every ``seed``), labelled with ``classes``."""
    centers = 3 * np.random.default_rng(0).standard_normal((len(classes), features))
    rng = np.random.default_rng(seed + 1)
    which = rng.integers(len(classes), size=n)
    X = centers[which] + rng.standard_normal((n, features))
    return X.astype(dtype), np.asarray(classes)[which]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_trainers_learn_and_predict_the_labels(dtype):
    """Each implementation trains at the identical settings and predicts labels (not
    class indices), in the data's dtype."""
    torch = pytest.importorskip("torch")  # the torch extra (not in CI's lower-bounds run)
    from sklearn.neural_network import MLPClassifier

    X, y = blobs(300, dtype=dtype)
    X_test, y_test = blobs(200, seed=1, dtype=dtype)
    trainers = {
        "ann": identical.ann_trainer(X, y, 32, 15),
        "scikit-learn": peers.mlp_trainer(MLPClassifier, X, y, 32, 15),
        "pytorch": peers.torch_trainer(torch, X, y, 32, 15),
    }
    for name, train in trainers.items():
        predicted = train()(X_test)
        assert set(predicted) <= {3, 5, 7}, name
        assert np.mean(predicted == y_test) > 0.9, name


class StandInEstimator:
    """What the benchmark uses of ``ann.MLPClassifier``: scikit-learn's parameters plus
    ``dtype``."""

    def __init__(self, dtype="float64", **params):
        from sklearn.neural_network import MLPClassifier

        self.dtype = dtype
        self.model = MLPClassifier(**params)

    def fit(self, X, y):
        self.model.fit(X.astype(self.dtype), y)
        return self

    def predict(self, X):
        return self.model.predict(X.astype(self.dtype))


class FakeData:
    """``Data.task`` for task "10" on small synthetic data."""

    def task(self, task, dtype="float64"):
        assert task == "10"
        X, y = blobs(256, classes=tuple(range(10)), features=20, dtype=dtype)
        X_test, y_test = blobs(100, classes=tuple(range(10)), features=20, seed=1, dtype=dtype)
        return X, y, X_test, y_test


def test_identical_section_compares_to_every_peer(monkeypatch):
    import sklearn

    torch = pytest.importorskip("torch")

    monkeypatch.setattr(identical, "QUICK_SAMPLES", 256)
    monkeypatch.setattr(harness, "SETTLE_S", 0.0)
    monkeypatch.setattr(identical, "ann_estimator", lambda: StandInEstimator)
    report = harness.Report(quick=False, stream=io.StringIO())  # judged targets
    args = argparse.Namespace(quick=True)  # small data: QUICK_SAMPLES samples, 2 epochs
    identical.measure(report, FakeData(), args, peers.Peers({"torch": torch, "sklearn": sklearn}))
    rows = report.data["sections"]["identical"]
    names = {row["name"] for row in rows}
    for dtype in ("float64", "float32"):
        for batch in ("32", "64", "200", "256", "full"):
            for implementation in ("floor", "ann", "scikit-learn", "pytorch"):
                assert f"{implementation} {dtype}, batch {batch}" in names
    ann_200 = next(row for row in rows if row["name"] == "ann float64, batch 200")
    assert set(ann_200["versus"]) == {"scikit-learn", "pytorch"}
    drop_ins = [row for row in rows if row["implementation"].startswith("ann.MLP")]
    assert [(row["dtype"], row["batch"]) for row in drop_ins] == [("float64", 200)] * 2
    targets = {target["key"]: target for target in report.data["targets"]}
    assert set(targets) == {
        key for key in harness.TARGETS if key.startswith(("epoch_", "sklearn_", "torch_", "mlp_"))
    }
    for key in ("sklearn_200_f64", "torch_200_f64", "mlp_f64", "mlp_f32"):
        assert targets[key]["status"] in ("PASS", "FAIL"), key
    assert targets["mlp_f32"]["value"] == pytest.approx(drop_ins[1]["versus"]["scikit-learn"])
    table = report.stream.getvalue()
    assert "| batch | floor | `ann` | scikit-learn | PyTorch |" in table
    assert "ann.MLPClassifier(dtype='float32') at scikit-learn's defaults" in table


def test_no_json_is_written_unless_asked(mnist_dir, tmp_path):
    quick = ("--quick", "--sections", "tree", "--no-peers", "--data-dir", str(mnist_dir))
    result = run_script(*quick, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert list(tmp_path.iterdir()) == []
    assert "no JSON written (--json PATH keeps it)" in result.stdout
    result = run_script(*quick, "--json", "kept.json", cwd=tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == ["kept.json"]
    assert "results in kept.json" in result.stdout


def test_the_memmap_lines_name_the_size_used(quick_run):
    result, data, _ = quick_run
    lines = [line for line in result.stdout.splitlines() if "memory-mapped" in line]
    assert len(lines) == 2, lines  # the section's title and its target
    assert all("0.05 GB" in line for line in lines), lines
    assert not any(" 4 GB" in line for line in lines), lines
    assert data["sections"]["memmap"][-2]["file_bytes"] == pytest.approx(0.05e9, rel=0.01)


@pytest.mark.parametrize(
    "rounds, expected",
    [
        ([0.10, 0.11, 0.10], []),  # 20 GFLOP/s on 2 threads, steady
        ([2.0, 2.1, 2.0], ["1.0 GFLOP/s, far below the 4 GFLOP/s that 2 threads"]),
        ([0.10, 0.30, 0.11], ["slowest round took 3.0x its fastest"]),
    ],
)
def test_a_busy_machine_is_told_from_its_floor(rounds, expected):
    reasons = harness.too_busy(rounds, gflop=2.0, threads=2)
    assert len(reasons) == len(expected)
    for reason, words in zip(reasons, expected):
        assert words in reason
    report = harness.Report(quick=True, stream=io.StringIO())
    report.busy(reasons)
    report.print_targets()
    printed = report.stream.getvalue()
    assert ("too busy to measure" in printed) == bool(expected)
    assert report.data["too_busy"] == reasons
