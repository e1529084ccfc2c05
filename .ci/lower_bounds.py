"""Print the requirements of CI's lower-bounds run, one a line: the oldest releases that
pyproject.toml promises to work with, and the test tools.

Every ``name>=X`` of the runtime dependencies and of the ``sklearn`` extra becomes
``name==X``. The ``test`` extra's own requirements follow as they are written (pip takes
the newest that fit the pins), without the tools that check the code rather than run it
(ruff, mypy) and the heavy optional extras (PyTorch, ONNX, Dask), whose tests skip
themselves when they are not installed. ``.ci/lower-bounds`` installs these into a second
environment and runs the tests.
"""

import re
import sys
from pathlib import Path

import tomllib

LEFT_OUT = {"ruff", "mypy", "torch", "onnx", "onnxruntime", "ann-backprop"}
LOWER_BOUND = re.compile(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9A-Za-z.]*)$")


def name_of(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]


def pin(requirement: str) -> str:
    """``"numpy>=2.0"`` as ``"numpy==2.0"``."""
    match = LOWER_BOUND.match(requirement)
    if match is None:
        raise ValueError(f"{requirement!r} has no plain lower bound (name>=version) to pin")
    return f"{match.group(1)}=={match.group(2)}"


def requirements(pyproject: Path) -> list[str]:
    """The pins, then the test tools (a name already pinned is not repeated)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    extras = project["optional-dependencies"]
    pins = [pin(text) for text in project["dependencies"] + extras["sklearn"]]
    pinned = {name_of(text) for text in pins}
    tools = [text for text in extras["test"] if name_of(text) not in LEFT_OUT | pinned]
    return pins + tools


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    print("\n".join(requirements(Path(sys.argv[1]) if sys.argv[1:] else root / "pyproject.toml")))
