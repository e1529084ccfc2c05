"""Where the MNIST files are: the four standard names and the data directory.

The data directory is the ``data_dir`` argument, else the ``MNIST_DIR`` environment
variable, else ``data/`` at the project root. Each file is there raw
(``train-images-idx3-ubyte``) or gzipped with a ``.gz`` suffix; raw wins if both are.
"""

from __future__ import annotations

import os
from pathlib import Path

from ann.files import StrPath

__all__ = ["FILE_NAMES", "find_sources", "resolve_data_dir"]

#: The four standard MNIST files, without the optional ``.gz`` suffix.
FILE_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

_PROJECT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _as_path(value: object, what: str) -> Path:
    """``value`` (str or path-like) as an expanded Path; TypeError naming ``what`` if not."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{what} must be a str or path-like, not {type(value).__name__}")
    text = os.fspath(value)
    if not isinstance(text, str) or not text:
        raise ValueError(f"{what} must be a non-empty text path, got {value!r}")
    return Path(text).expanduser()


def resolve_data_dir(data_dir: StrPath | None) -> Path:
    """The MNIST directory: ``data_dir``, else ``$MNIST_DIR``, else ``data/`` at the
    project root. It need not exist; ValueError if it is a file."""
    if data_dir is not None:
        directory = _as_path(data_dir, "data_dir")
    elif os.environ.get("MNIST_DIR"):
        directory = _as_path(os.environ["MNIST_DIR"], "the MNIST_DIR environment variable")
    else:
        directory = _PROJECT_DATA_DIR
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"the MNIST data directory {directory} is a file, not a directory")
    return directory


def find_sources(directory: StrPath) -> tuple[dict[str, Path], list[str]]:
    """Map each standard name to its file in ``directory`` (raw preferred over ``.gz``).

    Returns ``(sources, missing)``: a dict name -> Path, and the list of absent names.
    """
    directory = _as_path(directory, "directory")
    sources, missing = {}, []
    for name in FILE_NAMES:
        raw, packed = directory / name, directory / (name + ".gz")
        found = next((path for path in (raw, packed) if path.is_file()), None)
        if found is None:
            missing.append(name)
        else:
            sources[name] = found
    return sources, missing
