"""Writing files so that a crash never leaves one half-written."""
import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside ``path``; when the block succeeds, rename it onto
    ``path`` (atomic on POSIX), else delete it. ``suffix`` keeps the file name's
    ending for writers that pick a format from it (matplotlib, ``np.savez``)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a file name")
    if not path.parent.exists():
        raise FileNotFoundError(f"the folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix + ".tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise
