"""The main job on the real data: python -m scripts.train_mnist."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_data_helpers import small_arrays, write_small_mnist
from test_network import article_costs

import ann.data
from ann import ANN
from ann.commands import train_mnist
from ann.data import FILE_NAMES, get_binary_dataset, pre_process_data

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
    assert result.stderr.startswith("ann-train: error:")
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
    assert error.startswith(f"ann-train: error: MNIST file(s) missing from {tmp_path}/mnist: ")
    assert all(name in error for name in FILE_NAMES)
    # the folder came from --data-dir: the hint names that flag, not MNIST_DIR
    assert "no internet?" in error and "--data-dir" in error and "--verbose" in error
    assert dead_url not in error


def test_verbose_lists_each_download_attempt(tmp_path, monkeypatch, capsys, dead_url):
    status, error = run_without_mnist(tmp_path, monkeypatch, capsys, dead_url, "--verbose")
    summary, *attempts = error.splitlines()
    assert status == 1 and "no internet?" in summary and "--verbose" not in summary
    assert [line.split(": ")[0] for line in attempts] == [
        f"  {dead_url}{name}.gz" for name in FILE_NAMES
    ]
    assert all("refused" in line.lower() for line in attempts)


# ------------------------------------------------------------- checks before any work


def test_unknown_picture_format_stops_before_training(tmp_path, monkeypatch, capsys):
    """The reported case: --plot out.xyz failed only after training, and then --save
    was skipped."""
    monkeypatch.setattr(train_mnist, "run", lambda args: pytest.fail("training started"))
    plot, saved = tmp_path / "out.xyz", tmp_path / "model.npz"
    with pytest.raises(SystemExit) as caught:
        train_mnist.main(["--plot", str(plot), "--save", str(saved)])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"ann-train: error: --plot: {plot}: unknown picture format 'xyz'")
    assert "png" in error and "svg" in error  # the formats that work
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["cost.PNG", "cost.svg", "cost.pdf", "cost"])
def test_known_picture_formats_pass_the_check(tmp_path, monkeypatch, name):
    monkeypatch.setattr(train_mnist, "run", lambda args: "trained")
    assert train_mnist.main(["--plot", str(tmp_path / name)]) == "trained"


def loading_fails(monkeypatch):
    """Make every MNIST load fail the test: what is checked must be checked before."""
    for name in ("get_dataset", "get_binary_dataset", "load_mnist"):
        monkeypatch.setattr(ann.data, name, lambda *args, **kwargs: pytest.fail("data loaded"))


@pytest.mark.parametrize(
    "flags, words",
    [
        (
            ["--digits", "all", "--layers", "196", "1"],
            "--layers: the output layer's 1 unit takes 2 classes, but --digits all has 10",
        ),
        (
            ["--digits", "5", "8", "--layers", "32", "10"],
            "--layers: the output layer's 10 units take 10 classes, but --digits 5 8 has 2",
        ),
        (
            ["--digits", "1", "2", "3", "--layers", "32", "2"],
            "--layers: the output layer's 2 units take 2 classes, but --digits 1 2 3 has 3",
        ),
        (
            ["--preset", "mnist10", "--digits", "5", "8"],
            "--preset mnist10: the output layer's 10 units take 10 classes, but --digits 5 8 has 2",
        ),
        (["--digits", "5"], "--digits: two digits or more, or 'all'"),
        (["--digits", "5", "5"], "--digits: each digit once, got 5 5"),
        (["--digits", "all", "5"], "--digits: 'all' alone"),
        (["--l2", "-1"], "l2 must be a finite number"),
        (
            ["--layers", "196", "1", "--preset", "article", "--activation", "relu", "--init", "he"],
            None,
        ),
    ],
)
def test_settings_that_cannot_train_stop_before_loading(monkeypatch, capsys, flags, words):
    loading_fails(monkeypatch)
    if words is None:  # a valid combination: checked, then loaded (here: stopped there)
        monkeypatch.setattr(train_mnist, "run", lambda args: "trained")
        assert train_mnist.main(flags) == "trained"
        return
    with pytest.raises(SystemExit) as caught:
        train_mnist.main(flags)
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("ann-train: error: ")
    assert words in error


@pytest.mark.parametrize("source", ["flag", "environment"])
def test_missing_data_folder_is_not_left_behind_and_the_hint_names_its_source(
    tmp_path, monkeypatch, capsys, dead_url, source
):
    """--data-dir /nonexistent created the folder although loading failed, and the hint
    said "set MNIST_DIR" to a user who had passed --data-dir."""
    monkeypatch.setattr(ann.data, "MIRRORS", (dead_url,))
    folder = tmp_path / "absent" / "mnist"
    flags = ["--quiet", "--plot", str(tmp_path / "cost.png")]
    if source == "flag":
        flags += ["--data-dir", str(folder)]
    else:
        monkeypatch.setenv("MNIST_DIR", str(folder))
    with pytest.raises(SystemExit) as caught:
        train_mnist.main(flags)
    error = capsys.readouterr().err
    assert caught.value.code == 1 and error.count("\n") == 1
    assert error.startswith(f"ann-train: error: MNIST file(s) missing from {folder}: ")
    assert "no internet?" in error
    if source == "flag":
        assert "--data-dir" in error and "MNIST_DIR" not in error
    else:
        assert "MNIST_DIR" in error and "--data-dir" not in error
    assert not (tmp_path / "absent").exists()


def test_existing_data_folder_is_kept_when_loading_fails(tmp_path, monkeypatch, capsys, dead_url):
    monkeypatch.setattr(ann.data, "MIRRORS", (dead_url,))
    folder = tmp_path / "mnist"
    folder.mkdir()
    with pytest.raises(SystemExit):
        train_mnist.main(["--data-dir", str(folder), "--quiet", "--plot", str(tmp_path / "c.png")])
    assert folder.is_dir()


# ---------------------------------------------------------------- where the cost curve goes


def test_cost_curve_goes_to_the_report_and_leaves_the_working_folder_alone(
    tmp_path, monkeypatch, capsys
):
    """Every run wrote ./cost.png, even with --report DIR (which has its own cost.png)."""
    work, small = tmp_path / "work", tmp_path / "mnist"
    work.mkdir()
    write_small_mnist(small, arrays=small_arrays(n_train=60, n_test=20))
    monkeypatch.chdir(work)
    report = tmp_path / "run"
    train_mnist.main(
        ["--data-dir", str(small), "--preset", "fast", "--quiet", "--report", str(report)]
    )
    assert (report / "cost.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(work.iterdir()) == []
    assert "cost curve     " not in capsys.readouterr().out


def test_cost_curve_default_is_cost_png_without_a_report(monkeypatch):
    plots = []
    monkeypatch.setattr(train_mnist, "run", lambda args: plots.append(args.plot))
    train_mnist.main([])
    train_mnist.main(["--report", "runs/1", "--plot", "curve.png"])
    assert plots == [Path("cost.png"), Path("curve.png")]
    assert "with --report" in " ".join(train_mnist.build_parser().format_help().split())


# ------------------------------------------------------------------------ --device


def tiny_mnist(folder):
    """A small learnable MNIST (200 training, 50 test images) in ``folder``."""
    from test_classics import learnable_arrays

    write_small_mnist(folder, arrays=learnable_arrays(200, 50))
    return folder


def test_device_cpu_trains_on_pytorch_tensors_as_numpy_does(tmp_path, capsys):
    """--device cpu: the data become tensors, ANN trains there, and (float64) every
    figure is NumPy's; the model, the cost curve and the report are written."""
    torch = pytest.importorskip("torch")
    folder = tiny_mnist(tmp_path / "mnist")
    argv = ["--data-dir", str(folder), "--layers", "16", "1", "--iterations", "5", "--quiet"]
    argv += ["--validation", "0.2", "--learning-rate", "0.5"]
    on_numpy = train_mnist.main([*argv, "--plot", str(tmp_path / "numpy.png")])
    numpy_out = capsys.readouterr().out
    outputs = ["--save", str(tmp_path / "m.npz"), "--report", str(tmp_path / "report")]
    on_torch = train_mnist.main([*argv, "--device", "cpu", *outputs])
    out = capsys.readouterr().out
    assert isinstance(on_torch.parameters.flat, torch.Tensor)
    assert isinstance(on_numpy.parameters.flat, np.ndarray)
    assert f"device         cpu (PyTorch {torch.__version__}" in out
    assert "device         numpy (NumPy" in numpy_out and "on numpy)" in numpy_out
    assert "ms each, on cpu)" in out
    for line in ("train accuracy", "test accuracy"):
        (figure,) = [text for text in out.splitlines() if text.startswith(line)]
        assert figure in numpy_out.splitlines()
    assert float(out.split("test accuracy")[1].split()[0]) > 0.6  # it learned
    np.testing.assert_allclose(on_torch.costs, on_numpy.costs, rtol=1e-12)
    np.testing.assert_allclose(on_torch.history["val_cost"], on_numpy.history["val_cost"])
    saved = ANN.load(tmp_path / "m.npz")
    for name, value in on_numpy.parameters.items():
        np.testing.assert_allclose(saved.parameters[name], value, rtol=1e-12, atol=1e-15)
    assert (tmp_path / "report" / "cost.png").exists()
    assert "cpu (PyTorch" in (tmp_path / "report" / "summary.md").read_text()


def run_train(*flags):
    return subprocess.run(
        [sys.executable, "-m", "scripts.train_mnist", *flags, "--data-dir", "/nonexistent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def device_errors():
    """(flags, message) of the --device errors this machine can show."""
    import importlib.util

    cases = [(["--device", "tpu"], "argument --device: unknown device 'tpu'; choose numpy")]
    torch_spec = importlib.util.find_spec("torch")
    if torch_spec is not None:
        import torch

        if not torch.cuda.is_available():
            message = "--device cuda: no CUDA device: torch.cuda.is_available() is False"
            cases.append((["--device", "cuda"], message))
        if not torch.backends.mps.is_available():
            message = "--device mps: no MPS device: torch.backends.mps.is_available() is False"
            cases.append((["--device", "mps"], message))
    if importlib.util.find_spec("cupy") is None:
        cases.append((["--device", "cupy"], "--device cupy: CuPy is not installed"))
    return cases


@pytest.mark.parametrize("flags, message", device_errors())
def test_a_device_that_is_missing_is_a_usage_error_before_loading(flags, message):
    result = run_train(*flags)  # the data folder does not exist: checked before it
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("ann-train: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_pytorch_and_float64_on_mps_are_usage_errors(monkeypatch, capsys):
    from ann.commands import _device

    loading_fails(monkeypatch)
    monkeypatch.setattr(_device.importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(SystemExit) as caught:
        train_mnist.main(["--device", "cuda"])
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert (
        error == "ann-train: error: --device cuda: PyTorch is not installed (pip install torch)\n"
    )
    monkeypatch.setattr(_device, "why_unavailable", lambda name: None)  # an MPS machine
    with pytest.raises(SystemExit) as caught:
        train_mnist.main(["--device", "mps"])
    assert caught.value.code == 2
    assert capsys.readouterr().err == (
        "ann-train: error: --device mps: the MPS device has no float64: train in float32 "
        "(--dtype float32)\n"
    )
    monkeypatch.setattr(train_mnist, "run", lambda args: args.device)
    assert train_mnist.main(["--device", "mps", "--dtype", "float32"]).name == "mps"
