"""The commands: installed as console commands that work from any folder, every public
module of ``ann.commands`` a command with a ``scripts/`` twin in the checkout, only ``ann``
shipped, one form and status for each kind of error."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import ann
import ann.commands
from ann.commands import train_mnist, tree_demo
from ann.commands.benchmark import command as benchmark
from ann.commands.classics import command as classics

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


ROOT = Path(__file__).resolve().parent.parent


def run_help(module, cwd):
    return subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_public_module_of_the_commands_is_a_command_with_a_scripts_twin(tmp_path):
    """``python -m ann.commands.cli --help`` printed nothing: a helper looked like a command."""
    public = sorted(m.name for m in pkgutil.iter_modules(ann.commands.__path__) if m.name[0] != "_")
    assert sorted(COMMANDS.values()) == [f"scripts.{name}" for name in public]
    for name in public:
        installed = run_help(f"ann.commands.{name}", cwd=tmp_path)
        twin = run_help(f"scripts.{name}", cwd=ROOT)
        for result in (installed, twin):
            assert result.returncode == 0 and result.stdout.startswith("usage: ann-"), name
        assert twin.stdout == installed.stdout


def test_the_wheel_ships_every_subpackage_of_ann_and_nothing_else():
    """A package called ``scripts`` in site-packages collides with other projects; a
    subpackage left out of the list is missing from an installed ``ann``."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = settings["tool"]["setuptools"]["packages"]
    found = ["ann"] + [m.name for m in pkgutil.walk_packages(ann.__path__, "ann.") if m.ispkg]
    assert sorted(shipped) == sorted(found)
    commands = settings["project"]["scripts"].values()
    assert all(target.startswith("ann.commands.") for target in commands)


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
