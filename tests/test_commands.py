"""The scripts as commands: installed as console commands that work from any folder,
every public module of ``scripts`` a command, one form and status for each kind of
error."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import scripts
from scripts import train_mnist, tree_demo
from scripts.benchmark import command as benchmark
from scripts.classics import command as classics

COMMANDS = {
    "ann-train": "scripts.train_mnist",
    "ann-classics": "scripts.classics",
    "ann-benchmark": "scripts.benchmark",
    "ann-tree-demo": "scripts.tree_demo",
}
"""Each console command (pyproject.toml's [project.scripts]) and its module."""

MAINS = {
    "ann-train": train_mnist.main,
    "ann-classics": classics.main,
    "ann-benchmark": benchmark.main,
    "ann-tree-demo": tree_demo.main,
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_console_commands_run_from_any_folder(name, tmp_path):
    executable = Path(sys.executable).parent / name
    assert executable.is_file(), f"{name} is not installed: pip install -e ."
    result = subprocess.run(
        [str(executable), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {name} ")
    assert COMMANDS[name] in " ".join(result.stdout.split())  # names its python -m twin
    assert list(tmp_path.iterdir()) == []


def test_every_public_module_of_scripts_is_a_command(tmp_path):
    """``python -m scripts.cli --help`` printed nothing: a helper looked like a command."""
    public = sorted(m.name for m in pkgutil.iter_modules(scripts.__path__) if m.name[0] != "_")
    assert sorted(COMMANDS.values()) == [f"scripts.{name}" for name in public]
    for module in public:
        result = subprocess.run(
            [sys.executable, "-m", f"scripts.{module}", "--help"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and result.stdout.startswith("usage: ann-"), module


@pytest.mark.parametrize(
    "name, flags",
    [
        ("ann-train", ["--batch-size", "0"]),
        ("ann-classics", ["--budget", "0"]),
        ("ann-benchmark", ["--repeats", "0"]),
        ("ann-tree-demo", ["--epochs", "0"]),
    ],
)
def test_usage_errors_are_one_line_status_2(name, flags, capsys):
    with pytest.raises(SystemExit) as caught:
        MAINS[name](flags)
    assert caught.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith(f"{name}: error: argument ") and error.count("\n") == 1


@pytest.mark.parametrize(
    "name, flags",
    [
        ("ann-train", ["--quiet"]),
        ("ann-classics", ["--quick", "--rows", "lecun300", "--seeds", "1"]),
        ("ann-benchmark", ["--quick", "--sections", "load", "--json"]),
    ],
)
def test_failures_are_one_line_status_1(name, flags, tmp_path, capsys):
    """The work fails (MNIST files that are not MNIST): the same form, status 1."""
    corrupt = tmp_path / "mnist"
    corrupt.mkdir()
    for file in ("train-images", "train-labels", "t10k-images", "t10k-labels"):
        (corrupt / f"{file}-idx{3 if 'images' in file else 1}-ubyte").write_bytes(b"not mnist")
    if name == "ann-benchmark":
        flags = [*flags, str(tmp_path / "out.json")]
    if name == "ann-train":
        flags = [*flags, "--plot", str(tmp_path / "cost.png")]
    with pytest.raises(SystemExit) as caught:
        MAINS[name]([*flags, "--data-dir", str(corrupt)])
    assert caught.value.code == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"{name}: error: ") and "wrong magic number" in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mnist"]
