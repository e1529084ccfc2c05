"""What pyproject.toml promises and what ``ann`` tells a user to install: the extras
pin what was tested, and every install hint names a command that installs the package."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def extras():
    """``{extra: [Requirement]}`` of pyproject.toml (the ``ann[...]`` self-references
    left out)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        extra: [Requirement(text) for text in texts if not text.startswith("ann[")]
        for extra, texts in project["optional-dependencies"].items()
    }


def requirement(extra, name):
    (found,) = [r for r in extras()[extra] if r.name == name]
    return found


def test_torch_extra_is_a_bounded_range_that_holds_the_tested_pin():
    """An unpinned torch takes any newer release (untested, several GB of CUDA packages
    on Linux); the extra is a range with an upper bound, and the tests' pin is in it."""
    extra = requirement("torch", "torch").specifier
    assert any(spec.operator == "<" for spec in extra), f"no upper bound: {extra}"
    assert any(spec.operator == ">=" for spec in extra), f"no lower bound: {extra}"
    (pin,) = [spec.version for spec in requirement("test", "torch").specifier]
    assert pin in extra, f"the tests' torch {pin} is outside the torch extra {extra}"


def test_the_test_extra_can_run_the_notebook():
    names = {r.name for r in extras()["test"]}
    assert {"nbconvert", "nbclient", "ipykernel"} <= names


def test_missing_scikit_learn_names_a_command_that_installs_it():
    """Another package holds the name ``ann`` on the public index: the hint names
    scikit-learn itself (at the sklearn extra's version), and the extra only from a
    checkout."""
    code = (
        "import sys; sys.modules['sklearn'] = None\n"  # what a failed import leaves
        "import ann\n"
        "try:\n    ann.MLPRegressor\n"
        "except ImportError as error:\n    print(error)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    wanted = str(requirement("sklearn", "scikit-learn"))
    assert f'pip install "{wanted}"' in out
    assert 'pip install -e ".[sklearn]"' in out and "from a checkout" in out
    assert not re.search(r"pip install \S*ann\[", out.replace('-e ".[', "")), out
    assert "ann.MLPRegressor needs scikit-learn" in out
