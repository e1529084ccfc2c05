"""Writing files so that a crash never leaves one half-written.

``atomic_path`` and ``atomic_file`` write under a temporary name beside the destination
and rename it into place; ``check_can_write`` and ``check_can_create_folder`` tell
before a long computation whether that will be possible. Every error they raise names
the caller's path, never the temporary one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TypeAlias

StrPath: TypeAlias = "str | os.PathLike[str]"
"""A file name: a str or a path-like object such as ``pathlib.Path``."""


def as_path(path: StrPath, name: str = "path") -> Path:
    """``path`` (a str or path-like) as a Path; TypeError naming ``name`` if not."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or path-like, got {type(path).__name__}")
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise ValueError(f"{name} must be a non-empty text path, got {path!r}")
    return Path(text)


def _new_file_mode(path: Path) -> int:
    """The permission bits a plain ``open(path, "w")`` would give: those of the file it
    replaces, else 0o666 less the umask (``mkstemp`` alone makes 0o600)."""
    with contextlib.suppress(OSError):
        return path.stat().st_mode & 0o7777
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _retold(error: OSError, what: str) -> OSError:
    """``error`` (an OSError about a temporary name) retold as ``what``: the reason;
    its errno keeps the subclass (FileNotFoundError, PermissionError, ...)."""
    return OSError(error.errno, f"{what}: {error.strerror or error}")


def _check_destination(path: Path) -> None:
    """Raise a one-line OSError when ``path``'s folder is missing or ``path`` is a folder."""
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a file name")
    if not path.parent.exists():
        raise FileNotFoundError(f"cannot write {path}: the folder {path.parent} does not exist")
    if not path.parent.is_dir():
        raise NotADirectoryError(f"cannot write {path}: {path.parent} is not a folder")


def _temporary_beside(path: Path, suffix: str) -> Path:
    """Create an empty temporary file in ``path``'s folder; return its Path."""
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=suffix + ".tmp", dir=path.parent
        )
    except OSError as error:
        raise _retold(error, f"cannot write {path}") from error
    os.close(handle)
    return Path(temporary)


def check_can_write(path: StrPath, name: str = "path") -> Path:
    """Check that ``atomic_path(path)`` can write ``path``, without touching ``path``.

    The folder must exist, be a folder, and really accept a new file: one is created
    and removed (``os.access`` says yes for ``/proc``, where nothing can be created).
    Returns ``path`` as a Path; raises an OSError whose message names ``path``.
    """
    path = as_path(path, name)
    _check_destination(path)
    os.remove(_temporary_beside(path, ""))
    return path


def _try_creating_in(folder: Path, what: str) -> None:
    """Create and remove a folder in ``folder``; an OSError telling ``what`` if impossible."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".probe.", dir=folder))
    except OSError as error:
        raise _retold(error, what) from error


def check_can_create_folder(directory: StrPath, name: str = "directory") -> Path:
    """Check that ``directory`` is a folder that accepts new files, or can be made one.

    An existing ``directory`` must be a folder in which something can be created; a
    missing one needs its nearest existing ancestor to be such a folder. The check makes
    a folder there and removes it. Returns ``directory`` as a Path; raises an OSError
    whose message names ``directory``.
    """
    directory = as_path(directory, name)
    if directory.exists():
        if not directory.is_dir():
            raise NotADirectoryError(f"{directory} is a file, not a folder")
        _try_creating_in(directory, f"cannot create files in the folder {directory}")
        return directory
    ancestor = next(parent for parent in directory.absolute().parents if parent.exists())
    if not ancestor.is_dir():
        raise NotADirectoryError(
            f"cannot create the folder {directory}: {ancestor} is a file, not a folder"
        )
    _try_creating_in(ancestor, f"cannot create the folder {directory}")
    return directory


@contextlib.contextmanager
def atomic_path(path: StrPath, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block succeeds, rename it onto
    ``path`` (atomic on POSIX), else delete it. ``suffix`` keeps the file name's
    ending for writers that pick a format from it (matplotlib, ``np.savez``).

    OSErrors about the temporary file (creating, writing by name, renaming) are raised
    again naming ``path`` instead."""
    path = as_path(path)
    _check_destination(path)
    temporary = _temporary_beside(path, suffix)
    try:
        os.chmod(temporary, _new_file_mode(path))
        yield temporary
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        if isinstance(error, OSError) and str(temporary) in map(
            str, (error.filename, error.filename2)
        ):
            raise _retold(error, f"cannot write {path}") from error
        raise


@contextlib.contextmanager
def atomic_file(path: StrPath, durable: bool = False) -> Iterator[BinaryIO]:
    """Yield a binary stream whose content replaces ``path`` only if the block
    succeeds; ``durable`` syncs it to disk before the rename."""
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        yield stream
        if durable:
            stream.flush()
            os.fsync(stream.fileno())
