"""The main job on the real data: python -m scripts.train_mnist."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_network import article_costs

import ann.data
from ann import ANN
from ann.data import FILE_NAMES, get_binary_dataset, pre_process_data
from scripts import train_mnist

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def five_eight(mnist_dir):
    train_x, train_y, test_x, test_y = get_binary_dataset(data_dir=mnist_dir)
    train_x, test_x = pre_process_data(train_x, test_x)
    return train_x, train_y, test_x, test_y


def test_first_costs_are_the_article_algorithms(five_eight):
    train_x, train_y = five_eight[:2]
    reference, _ = article_costs(train_x, train_y, [196, 1], 0.1, 3)
    model = ANN([196, 1], quiet=True).fit(train_x, train_y, learning_rate=0.1, n_iterations=3)
    np.testing.assert_allclose(model.costs, reference, rtol=1e-12)
    assert 0.6 < model.costs[0] < 0.9  # near log(2): an untrained sigmoid unit


def test_short_article_run_learns(five_eight):
    train_x, train_y, test_x, test_y = five_eight
    model = ANN([196, 1], quiet=True).fit(train_x, train_y, learning_rate=0.1, n_iterations=60)
    assert model.costs[-1] < 0.75 * model.costs[0]
    assert model.score(test_x, test_y) > 0.88


def test_script_trains_saves_and_plots(mnist_dir, tmp_path, capsys):
    plot, saved = tmp_path / "cost.png", tmp_path / "model.npz"
    model = train_mnist.main(
        [
            "--preset",
            "fast",
            "--data-dir",
            str(mnist_dir),
            "--quiet",
            "--plot",
            str(plot),
            "--save",
            str(saved),
        ]
    )
    out = capsys.readouterr().out
    assert "train_x (11272, 784)" in out and "test_x (1866, 784)" in out
    test_accuracy = float(out.split("test accuracy")[1].split()[0])
    assert test_accuracy > 0.985
    assert "training time" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert ANN.load(saved).get_params() == model.get_params()


def test_script_ten_digits_with_validation(mnist_dir, tmp_path, capsys):
    model = train_mnist.main(
        [
            "--digits",
            "all",
            "--layers",
            "32",
            "10",
            "--optimizer",
            "adam",
            "--learning-rate",
            "0.005",
            "--epochs",
            "2",
            "--batch-size",
            "256",
            "--dtype",
            "float32",
            "--validation",
            "0.1",
            "--data-dir",
            str(mnist_dir),
            "--quiet",
            "--plot",
            str(tmp_path / "c.png"),
        ]
    )
    out = capsys.readouterr().out
    assert "train_x (60000, 784)" in out
    assert list(model.classes_) == list(range(10))
    assert len(model.history["val_accuracy"]) == 2
    assert float(out.split("test accuracy")[1].split()[0]) > 0.9


@pytest.mark.parametrize(
    "flags,message",
    [
        (["--learning-rate", "-1"], "must be positive"),
        (["--iterations", "zero"], "not an integer"),
        (["--digits", "5", "12"], "a digit is 0 to 9"),
        (["--activation", "swish"], "invalid choice"),
        (["--validation", "1.5"], "between 0 and 1"),
        (["--batch-size", "0"], "must be positive"),
    ],
)
def test_bad_flags_get_one_line(flags, message):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.train_mnist", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_data_gets_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "train-images-idx3-ubyte").write_bytes(b"not mnist")
    result = subprocess.run(
        [sys.executable, "-m", "scripts.train_mnist", "--data-dir", str(empty), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("train_mnist: error:")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_unwritable_plot_stops_before_training():
    """The reported case: /proc accepts os.access but no new file."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.train_mnist", "--plot", "/proc/x.png", "--preset", "fast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""  # no data loaded, no training
    assert result.stderr.count("\n") == 1
    assert "--plot: cannot write /proc/x.png" in result.stderr
    assert ".tmp" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "flags, words",
    [
        (
            ["--plot", "{tmp}/missing/cost.png"],
            "--plot: cannot write {tmp}/missing/cost.png: the folder {tmp}/missing does not exist",
        ),
        (["--plot", "{tmp}"], "--plot: {tmp} is a directory"),
        (
            ["--save", "{tmp}/a-file/model.npz"],
            "--save: cannot write {tmp}/a-file/model.npz: {tmp}/a-file is not a folder",
        ),
        (["--save", "/proc/model.npz"], "--save: cannot write /proc/model.npz"),
        (["--report", "{tmp}/a-file"], "--report: {tmp}/a-file is a file, not a folder"),
        (["--report", "{tmp}/a-file/run"], "--report: cannot create the folder {tmp}/a-file/run"),
        (["--report", "/proc/runs/1"], "--report: cannot create the folder /proc/runs/1"),
    ],
)
def test_output_paths_are_checked_before_training(tmp_path, monkeypatch, capsys, flags, words):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setattr(train_mnist, "run", lambda args: pytest.fail("training started"))
    with pytest.raises(SystemExit) as caught:
        train_mnist.main([flag.format(tmp=tmp_path) for flag in flags])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and words.format(tmp=tmp_path) in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # nothing left behind


def test_writable_outputs_pass_the_check(tmp_path, monkeypatch):
    monkeypatch.setattr(train_mnist, "run", lambda args: "trained")
    assert (
        train_mnist.main(
            [
                "--plot",
                str(tmp_path / "c.png"),
                "--save",
                str(tmp_path / "m.npz"),
                "--report",
                str(tmp_path / "runs" / "1"),
            ]
        )
        == "trained"
    )
    assert list(tmp_path.iterdir()) == []


def run_without_mnist(tmp_path, monkeypatch, capsys, mirror, *flags):
    """main() on an empty data folder with ``mirror`` as the only mirror: (status, stderr)."""
    monkeypatch.setattr(ann.data, "MIRRORS", (mirror,))
    with pytest.raises(SystemExit) as caught:
        train_mnist.main(
            [
                "--data-dir",
                str(tmp_path / "mnist"),
                "--quiet",
                "--plot",
                str(tmp_path / "cost.png"),
                *flags,
            ]
        )
    return caught.value.code, capsys.readouterr().err


def test_failed_download_is_one_line(tmp_path, monkeypatch, capsys, dead_url):
    status, error = run_without_mnist(tmp_path, monkeypatch, capsys, dead_url)
    assert status == 1 and error.count("\n") == 1
    assert error.startswith(f"train_mnist: error: MNIST file(s) missing from {tmp_path}/mnist: ")
    assert all(name in error for name in FILE_NAMES)
    assert "no internet?" in error and "MNIST_DIR" in error and "--verbose" in error
    assert dead_url not in error


def test_verbose_lists_each_download_attempt(tmp_path, monkeypatch, capsys, dead_url):
    status, error = run_without_mnist(tmp_path, monkeypatch, capsys, dead_url, "--verbose")
    summary, *attempts = error.splitlines()
    assert status == 1 and "no internet?" in summary and "--verbose" not in summary
    assert [line.split(": ")[0] for line in attempts] == [
        f"  {dead_url}{name}.gz" for name in FILE_NAMES
    ]
    assert all("refused" in line.lower() for line in attempts)
