"""ann-classics (python -m scripts.classics): the table of classic MNIST results."""

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_data_helpers import write_small_mnist

from ann import ANN
from ann.commands._provenance import blas_info, git_commit
from ann.commands.classics import command, record, settings, tables, training
from ann.commands.classics.record import Run
from ann.data import load_mnist

ROOT = Path(__file__).resolve().parent.parent

CELL = re.compile(r"^\d+\.\d\d% \(\d+\.\d\d-\d+\.\d\d\)\*?$")
"""A table cell of three seeds: ``median% (min-max)``, ``*`` when the budget stopped."""


def table_lines(out):
    """The data lines of the first Markdown table in ``out``, split into cells."""
    lines = [line for line in out.splitlines() if line.startswith("|")]
    end = next(i for i, line in enumerate(lines[2:], 2) if line.startswith("| row |"))
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:end]]


@pytest.mark.parametrize("row", list(settings.ROWS))
@pytest.mark.parametrize("setting", settings.SETTINGS)
def test_every_row_has_valid_settings(row, setting):
    config = settings.settings_of(row, setting)
    model = ANN(**config, seed=1, quiet=True)
    sizes = [int(size) for size in settings.ROWS[row].network.split()[0].strip(",").split("-")]
    assert [784] + list(model.layers_size) == sizes


def test_searches_name_rows_and_parameters():
    for setting, grids in settings.SEARCH.items():
        for row in grids:
            for changes in settings.candidates(row, setting):
                ANN(**dict(settings.settings_of(row, setting), **changes), quiet=True)
    with pytest.raises(ValueError, match="nothing to search"):
        settings.candidates("nielsen1", "published")


def test_quick_mode_end_to_end(mnist_dir, tmp_path, capsys):
    path = tmp_path / "runs.json"
    runs = command.main(["--quick", "--data-dir", str(mnist_dir), "--json", str(path)])
    out = capsys.readouterr().out
    assert len(runs) == len(settings.QUICK["rows"]) * 2 * 3
    assert {(run.row, run.setting) for run in runs} == {
        (row, setting) for row in settings.QUICK["rows"] for setting in settings.SETTINGS
    }
    assert all(run.epochs == settings.QUICK["epochs"] and not run.stopped for run in runs)
    # 1000 images and 2 epochs learn something (chance is 10%), each seed differently
    for row in settings.QUICK["rows"]:
        for setting in settings.SETTINGS:
            accuracies = [run.accuracy for run in runs if run.row == row and run.setting == setting]
            assert min(accuracies) > 0.3 and len(set(accuracies)) > 1, (row, setting)
    lines = table_lines(out)
    assert [line[1] for line in lines] == [
        settings.ROWS[row].network for row in settings.QUICK["rows"]
    ]
    for line in lines:
        assert CELL.match(line[3]) and CELL.match(line[4]), line
    assert record.read_record(path) == sorted(runs, key=lambda run: (run.row, run.setting))
    assert all(run.config == settings.configure(run.row, run.setting, True) for run in runs)
    # The settings table printed is that of these runs, not of the full ones.
    epochs = {int(number) for number in re.findall(r"(\d+) epochs ", out)}
    assert epochs == {settings.QUICK["epochs"]}, out


def test_rows_settings_and_seeds_are_selected(mnist_dir, capsys):
    runs = command.main(
        [
            "--quick",
            "--rows",
            "lecun300",
            "--settings",
            "modern",
            "--seeds",
            "7",
            "--data-dir",
            str(mnist_dir),
        ]
    )
    assert [(run.row, run.setting, run.seed) for run in runs] == [("lecun300", "modern", 7)]
    (line,) = table_lines(capsys.readouterr().out)
    assert line[:4] == ["LeCun et al. 1998", "784-300-10", "4.70% error", "not run"]
    assert re.fullmatch(r"\d+\.\d\d%, 1 of 3 seeds", line[4])  # one seed: no spread
    assert float(line[4].split("%")[0]) == pytest.approx(100 * (1 - runs[0].accuracy), abs=0.005)


def test_same_seed_same_figure(mnist_dir):
    argv = ["--quick", "--rows", "nielsen1", "--seeds", "3", "--data-dir", str(mnist_dir)]
    first, second = command.main(argv), command.main(argv)
    assert [run.accuracy for run in first] == [run.accuracy for run in second]


def test_search_scores_validation_images_only(mnist_dir, capsys, monkeypatch):
    splits = []
    split = training.Mnist.split
    monkeypatch.setattr(
        training.Mnist,
        "split",
        lambda self, name, dtype="float64": splits.append(name) or split(self, name, dtype),
    )
    runs = command.main(
        ["--quick", "--search", "lecun300", "--settings", "published", "--data-dir", str(mnist_dir)]
    )
    assert set(splits) == {"search"}
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + len(settings.SEARCH["published"]["lecun300"]["learning_rate"])
    figures = [float(line.split("|")[2].strip().rstrip("%*")) for line in lines[2:]]
    assert figures == sorted(figures, reverse=True)  # best first
    assert len(runs) == len(figures) and {run.seed for run in runs} == {1}


def test_splits_follow_nielsen(mnist_dir):
    train_x, train_y, _test_x, test_y = load_mnist(mnist_dir, quiet=True)
    mnist = training.Mnist(mnist_dir)
    nielsen, full, search = (mnist.split(name) for name in ("nielsen", "full", "search"))
    np.testing.assert_array_equal(nielsen.train_y, train_y[:50_000])
    np.testing.assert_array_equal(nielsen.val_y, train_y[50_000:])
    np.testing.assert_array_equal(nielsen.val_x, train_x[50_000:] / 255)
    np.testing.assert_array_equal(full.train_y, train_y)
    np.testing.assert_array_equal(full.test_y, test_y)
    assert search.test_x is None and len(search.train_x) == 50_000
    assert mnist.split("full", "float32").train_x.dtype == np.float32
    with pytest.raises(ValueError, match="unknown split"):
        mnist.split("test")


def test_budget_stops_training():
    rng = np.random.default_rng(0)
    X, y = rng.random((200, 5)), rng.integers(0, 2, 200)
    stopwatch = training.Stopwatch(0.0, probe=(X, y))
    model = ANN([4, 1], n_iterations=5, quiet=True, callbacks=[stopwatch]).fit(X, y)
    assert len(model.history["cost"]) == 1 and stopwatch.stopped
    assert stopwatch.scores == [model.score(X, y)]
    last = training.Stopwatch(0.0)
    ANN([4, 1], n_iterations=1, quiet=True, callbacks=[last]).fit(X, y)
    assert not last.stopped  # the last epoch ends the run, not the budget


def run(row, setting, seed, accuracy, seconds=10.0, stopped=False):
    return Run(row, setting, seed, accuracy, seconds, 5, stopped)


def test_table_cells_median_spread_and_marks():
    runs = [
        run("nielsen1", "published", 1, 0.9512, 80),
        run("nielsen1", "published", 2, 0.9547, 100),
        run("nielsen1", "published", 3, 0.9530, 90),
        run("lecun300", "published", 1, 0.981, 200, stopped=True),
        run("lecun300", "published", 2, 0.983, 200),
        run("lecun300", "published", 3, 0.979, 200),
        run("lecun300", "modern", 1, None),
    ]
    lines = tables.table(runs, ["nielsen1", "lecun300", "hinton800"]).splitlines()
    assert lines[0].startswith("| source | network | published |")
    assert lines[2] == (
        "| Nielsen ch. 1 | 784-30-10 sigmoid, quadratic cost, SGD "
        "| 95.42% (best epoch) | 95.30% (95.12-95.47) | not run | 1m30s / - |"
    )
    # an error row: 1 - accuracy, median 1.90%, * since one run hit the budget
    assert lines[3].split("|")[4:7] == [" 1.90% (1.70-2.10)* ", " diverged ", " 3m20s / 10s "]
    assert lines[4].split("|")[4:7] == [" not run ", " not run ", " - / - "]


def recorded(row, setting, seed, accuracy, **changes):
    """A run as the record keeps it, trained with the row's settings and ``changes``."""
    config = settings.configure(row, setting, False, changes)
    return Run(row, setting, seed, accuracy, 10.0, 5, False, config)


def test_record_accumulates_and_replaces_by_row_setting_seed(tmp_path):
    path = tmp_path / "record.json"
    record.merge_into(path, [recorded("nielsen1", "published", 1, 0.95)])
    record.merge_into(
        path,
        [recorded("nielsen1", "published", 2, 0.94), recorded("lecun300", "modern", 1, 0.98)],
    )
    merged = record.merge_into(path, [recorded("nielsen1", "published", 1, 0.96)])
    assert [(run.row, run.seed, run.accuracy) for run in merged] == [
        ("lecun300", 1, 0.98),
        ("nielsen1", 1, 0.96),
        ("nielsen1", 2, 0.94),
    ]
    assert record.read_record(path) == merged
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]  # no temporary left


def test_table_only_prints_the_record_marking_what_did_not_run(tmp_path, capsys):
    path = tmp_path / "record.json"
    search = dataclasses.replace(recorded("lecun300", "modern", 1, 0.99), search=True)
    old = recorded("lecun300", "published", 1, 0.5, learning_rate=0.123)
    record.merge_into(
        path,
        [recorded("nielsen1", "published", seed, 0.95 + seed / 1000) for seed in (1, 2, 3)]
        + [recorded("lecun300", "modern", 1, 0.98), search, old],
    )
    runs = command.main(["--table-only", "--json", str(path), "--rows", "nielsen1", "lecun300"])
    assert runs == []
    nielsen1, lecun300 = table_lines(capsys.readouterr().out)
    assert nielsen1[3:5] == ["95.20% (95.10-95.30)", "not run"]
    # the search run and the run of a former setting are left out
    assert lecun300[3:5] == ["not run", "2.00%, 1 of 3 seeds"]


def test_missing_trains_only_what_the_record_lacks(mnist_dir, tmp_path):
    path = tmp_path / "record.json"
    argv = ["--quick", "--rows", "nielsen1", "--settings", "published", "--json", str(path)]
    argv += ["--data-dir", str(mnist_dir), "--missing", "--seeds"]
    (first,) = command.main([*argv, "1"])
    assert [(run.seed, run.setting) for run in command.main([*argv, "1", "2"])] == [
        (2, "published")
    ]
    assert record.read_record(path)[0] == first


def test_a_file_that_is_not_a_record_is_refused(tmp_path):
    path = tmp_path / "record.json"
    path.write_text('{"not": "a list of runs"}')
    with pytest.raises(ValueError, match="not a record of classics runs"):
        record.read_record(path)


def test_settings_table_reads_like_the_configs():
    text = tables.settings_table(["nielsen3", "hinton800"])
    assert (
        "sigmoid, sigmoid outputs, binary cross entropy, init nielsen_scaled, sgd 0.5, "
        "batch 10, 30 epochs constant, l2 0.001, float64"
    ) in text
    hinton = dict(
        settings.MODERN["hinton800"],
        learning_rate=0.05,
        batch_size=128,
        n_iterations=40,
        dropout=[0.5, 0.3],
        input_dropout=0.2,
        max_norm=3.0,
    )
    assert tables.describe_config(hinton).endswith(
        "sgd 0.05, Nesterov momentum 0.9, batch 128, 40 epochs cosine, "
        "dropout 0.5/0.3, input dropout 0.2, max norm 3, float32"
    )
    assert tables.describe_config(settings.MODERN["hinton800"]) in text


def test_a_quick_run_prints_the_settings_it_used():
    text = tables.settings_table(["nielsen3"], quick=True)
    assert f"batch 10, {settings.QUICK['epochs']} epochs constant" in text
    assert "30 epochs" not in text


def test_one_thread_is_singular():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        described = blas_info()
    assert "1 thread)" in described and "1 threads" not in described


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--rows", "nielsen9"], "invalid choice"),
        (["--seeds", "one"], "not an integer"),
        (["--seeds", "-1"], "a seed is 0 to"),
        (["--budget", "0"], "must be positive"),
        (["--settings", "old"], "invalid choice"),
        (["--search", "lecun300", "--rows", "lecun300"], "--search takes one row"),
        (["--search", "lecun300"], "needs one of --settings"),
        (["--search", "nielsen1", "--settings", "published"], "has no search"),
        (["--json", "/nonexistent/folder/runs.json"], "--json"),
        (["--table-only", "--search", "lecun300", "--settings", "modern"], "do not go together"),
        (["--check", "--missing"], "--missing and --check do not go together"),
        (["--check", "--budget", "5"], "--budget does not apply"),
        (
            ["--table-only", "--json", "/nonexistent/runs.json"],
            "no record at /nonexistent/runs.json",
        ),
        (["--json", "pyproject.toml"], "not a record of classics runs"),
    ],
)
def test_bad_arguments_get_one_line(flags, message):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.classics", *flags], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_data_gets_one_line(tmp_path):
    for name in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        (tmp_path / name).write_bytes(b"not mnist")
    result = subprocess.run(
        [sys.executable, "-m", "scripts.classics", "--quick", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("ann-classics: error:") and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


# ------------------------------------------------- the shipped record, provenance, --check


def test_table_only_reads_the_shipped_record_from_any_folder(tmp_path):
    """--table-only needed --json although results/classics.json ships."""
    result = subprocess.run(
        [sys.executable, "-m", "ann.commands.classics", "--table-only"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = table_lines(result.stdout)
    assert [line[1] for line in lines] == [row.network for row in settings.ROWS.values()]
    for line in lines:  # every cell of the record is filled, three seeds each
        assert CELL.match(line[3]) and CELL.match(line[4]), line
    # the record predates provenance, and the table says so
    assert f"- 60 runs ({', '.join(settings.ROWS)}): {tables.BEFORE_PROVENANCE}" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_git_commit_or_unknown(tmp_path, monkeypatch):
    commit, changed = git_commit(ROOT)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    assert commit == head.stdout.strip() and re.fullmatch("[0-9a-f]{40}", commit)
    assert changed in (True, False)
    assert git_commit(tmp_path) == ("unknown", None)  # not a repository
    monkeypatch.setenv("PATH", str(tmp_path))  # no git
    assert git_commit(ROOT) == ("unknown", None)


def test_table_names_the_code_of_each_run(capsys):
    code = {"commit": "a" * 40, "changed": True, "python": "3.11.7", "numpy": "2.4.6"}
    code["blas"] = "openblas 0.3.31 (SkylakeX, 1 thread)"
    runs = [
        dataclasses.replace(recorded("nielsen1", "published", 1, 0.95), provenance=code),
        dataclasses.replace(recorded("nielsen1", "published", 2, 0.95), provenance=code),
        recorded("lecun300", "modern", 1, 0.98),
    ]
    assert tables.provenance_lines(runs) == [
        "The code behind these figures:",
        f"- 1 run (lecun300): {tables.BEFORE_PROVENANCE}",
        "- 2 runs (nielsen1): commit aaaaaaaaaaaa (with local changes), Python 3.11.7, "
        "NumPy 2.4.6, BLAS openblas 0.3.31 (SkylakeX, 1 thread)",
    ]
    assert tables.provenance_lines([]) == []


def learnable_arrays(n_train, n_test, seed=3):
    """MNIST-like uint8 arrays whose digit k darkens the pixel band 78k to 78k + 77: a
    few epochs learn something, and each seed something else."""
    rng = np.random.RandomState(seed)

    def part(n):
        y = (np.arange(n) % 10).astype(np.uint8)
        x = rng.randint(0, 256, (n, 784))
        for k in range(10):
            x[y == k, 78 * k : 78 * k + 78] //= 3
        return x.astype(np.uint8), y

    return (*part(n_train), *part(n_test))


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A row ``tiny`` (784-8-10, both settings, a fraction of a second of training) and
    a small learnable MNIST of 200 training and 50 test images: its folder."""
    monkeypatch.setitem(
        settings.ROWS, "tiny", settings.Row("Test", "784-8-10", 0.1, "error", "test", "full", 60)
    )
    small = dict(layers_size=[8, 10], batch_size=20, n_iterations=3)
    monkeypatch.setitem(settings.PAPER, "tiny", dict(small, optimizer="sgd", learning_rate=0.1))
    monkeypatch.setitem(
        settings.MODERN, "tiny", dict(small, optimizer="adam", learning_rate=0.003, dtype="float32")
    )
    folder = tmp_path / "mnist"
    write_small_mnist(folder, arrays=learnable_arrays(200, 50))
    return folder


def test_runs_store_their_provenance(tiny, tmp_path, capsys):
    path = tmp_path / "record.json"
    runs = command.main(
        ["--rows", "tiny", "--seeds", "1", "--data-dir", str(tiny), "--json", str(path)]
    )
    head = git_commit(ROOT)[0]
    for run in record.read_record(path):
        assert run.provenance["commit"] == head and run.provenance["numpy"] == np.__version__
        assert run.provenance["blas"] and run.provenance["python"]
    assert record.read_record(path) == sorted(runs, key=lambda run: run.setting)
    assert f"- 2 runs (tiny): commit {head[:12]}" in capsys.readouterr().out


def test_check_reports_each_difference_from_the_record(tiny, tmp_path, capsys):
    path = tmp_path / "record.json"
    argv = ["--rows", "tiny", "--data-dir", str(tiny), "--json", str(path)]
    trained = command.main([*argv, "--seeds", "1", "2"])
    for setting in settings.SETTINGS:  # the figures depend on the seed...
        assert len({run.accuracy for run in trained if run.setting == setting}) == 2
    capsys.readouterr()
    again = command.main([*argv, "--check"])  # seed 1 of both settings
    assert [(run.setting, run.seed, run.accuracy, run.epochs) for run in again] == [
        (run.setting, run.seed, run.accuracy, run.epochs) for run in trained if run.seed == 1
    ]  # ...and a check trains each recorded seed again, to the same figure
    out = capsys.readouterr().out
    assert out.count("| same |") == 2 and "points" not in out
    code = f"- 2 runs (tiny): commit {git_commit(ROOT)[0][:12]}"
    assert out.count(code) == 2  # recorded with, and trained again with, today's code
    assert "Recorded with:" in out and "Trained again with:" in out
    # An older record: another figure for seed 1 of the modern run, and no provenance.
    runs = record.read_record(path)
    modern = next(run for run in runs if (run.setting, run.seed) == ("modern", 1))
    older = dataclasses.replace(modern, accuracy=modern.accuracy + 0.02, provenance=None)
    kept = [dataclasses.asdict(run) for run in runs if run is not modern]
    path.write_text(json.dumps([*kept, dataclasses.asdict(older)]))
    with pytest.raises(SystemExit) as caught:
        command.main([*argv, "--check", "--seeds", "1", "3"])
    assert caught.value.code == 1
    captured = capsys.readouterr()
    error = "ann-classics: error: --check: 1 of 2 runs differs from the record\n"
    assert captured.err.endswith(error)
    lines = captured.out.splitlines()
    recorded_error, error_today = (tables.percent(1 - run.accuracy) for run in (older, modern))
    assert f"| tiny | modern | 1 | {recorded_error} | {error_today} | +2.00 points |" in lines
    assert captured.out.count("| same |") == 1  # the published run
    assert "| tiny | published | 3 | not in the record | - | - |" in lines
    assert f"- 1 run (tiny): {tables.BEFORE_PROVENANCE}" in lines


def test_check_stops_where_the_recorded_run_stopped(tiny, tmp_path, capsys):
    """A run the budget stopped is trained again for the same epochs, whatever the time."""
    path = tmp_path / "record.json"
    argv = ["--rows", "tiny", "--settings", "modern", "--data-dir", str(tiny), "--json", str(path)]
    (stopped,) = command.main([*argv, "--seeds", "1", "--budget", "1e-9"])
    assert stopped.stopped and stopped.epochs == 1
    (again,) = command.main([*argv, "--check"])
    assert (again.epochs, again.accuracy) == (1, stopped.accuracy)


def test_check_needs_a_run_to_compare(tiny, tmp_path, capsys):
    path = tmp_path / "record.json"
    path.write_text("[]")
    with pytest.raises(SystemExit) as caught:
        command.main(["--check", "--rows", "tiny", "--json", str(path), "--data-dir", str(tiny)])
    assert caught.value.code == 1
    assert "has no run of these rows, settings and seeds" in capsys.readouterr().err


# ------------------------------------------------------------------------ --device


def test_runs_on_a_device_record_it(tiny, tmp_path, capsys):
    """--device cpu trains on PyTorch tensors (float64: NumPy's figures), with
    --blas-threads as PyTorch's threads, and each run and the table name the device."""
    torch = pytest.importorskip("torch")
    argv = ["--rows", "tiny", "--seeds", "1", "--data-dir", str(tiny)]
    on_numpy = command.main(argv)
    threads = torch.get_num_threads()
    path = tmp_path / "record.json"
    try:
        on_torch = command.main(
            [*argv, "--device", "cpu", "--blas-threads", "1", "--json", str(path)]
        )
    finally:
        torch.set_num_threads(threads)
    described = f"cpu (PyTorch {torch.__version__}, 1 thread)"
    assert [run.provenance["device"] for run in record.read_record(path)] == [described] * 2
    assert {run.provenance["device"] for run in on_numpy} == {f"numpy (NumPy {np.__version__})"}
    published = [run for run in on_numpy + on_torch if run.setting == "published"]
    assert len(published) == 2 and published[0].accuracy == published[1].accuracy
    assert published[0].accuracy > 0.2  # it learned: 10 classes (chance: 0.1)
    out = capsys.readouterr().out
    assert f"- 2 runs (tiny): commit {git_commit(ROOT)[0][:12]}" in out
    assert f", device {described}" in out


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--device", "tpu"], "argument --device: unknown device 'tpu'"),
        (["--device", "cuda:x"], "argument --device: unknown device 'cuda:x'"),
    ],
)
def test_unknown_devices_get_one_line(flags, message):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.classics", *flags], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_a_missing_device_stops_before_loading(monkeypatch, capsys):
    from ann.commands import _device

    monkeypatch.setattr(training.data, "load_mnist", lambda *a, **k: pytest.fail("data loaded"))
    monkeypatch.setattr(_device, "why_unavailable", lambda name: "no CUDA device: a reason")
    with pytest.raises(SystemExit) as caught:
        command.main(["--device", "cuda", "--quick"])
    assert caught.value.code == 2
    assert (
        capsys.readouterr().err == "ann-classics: error: --device cuda: no CUDA device: a reason\n"
    )
    monkeypatch.setattr(_device, "why_unavailable", lambda name: None)  # an MPS machine
    with pytest.raises(SystemExit) as caught:  # the quick rows train in float64
        command.main(["--device", "mps", "--quick"])
    assert "--device mps: the MPS device has no float64" in capsys.readouterr().err
