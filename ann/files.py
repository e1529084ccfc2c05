"""Writing files so that a crash never leaves one half-written."""
import contextlib
import os
import tempfile
from pathlib import Path


def as_path(path, name="path"):
    """``path`` (a str or path-like) as a Path; TypeError naming ``name`` if not."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or path-like, got {type(path).__name__}")
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise ValueError(f"{name} must be a non-empty text path, got {path!r}")
    return Path(text)


def _new_file_mode(path):
    """The permission bits a plain ``open(path, "w")`` would give: those of the file it
    replaces, else 0o666 less the umask (``mkstemp`` alone makes 0o600)."""
    with contextlib.suppress(OSError):
        return path.stat().st_mode & 0o7777
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside ``path``; when the block succeeds, rename it onto
    ``path`` (atomic on POSIX), else delete it. ``suffix`` keeps the file name's
    ending for writers that pick a format from it (matplotlib, ``np.savez``)."""
    path = as_path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a file name")
    if not path.parent.exists():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix + ".tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        os.chmod(temporary, _new_file_mode(path))
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


@contextlib.contextmanager
def atomic_file(path, durable=False):
    """Yield a binary stream whose content replaces ``path`` only if the block
    succeeds; ``durable`` syncs it to disk before the rename."""
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        yield stream
        if durable:
            stream.flush()
            os.fsync(stream.fileno())
