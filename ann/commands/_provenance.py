"""Which code produced a result: the git commit of the repository and the versions of
Python, NumPy and the BLAS library NumPy calls (float results can change with any of
them: a reordered sum, another block size, another BLAS kernel)."""

import contextlib
import platform
import subprocess

import numpy as np

from ann.commands._cli import REPOSITORY
from ann.validation import counted

UNKNOWN = "unknown"

CODE_FOLDERS = ("ann", "scripts")
"""The folders whose local changes make a result's commit an incomplete description."""


def git_commit(folder=REPOSITORY):
    """``(commit, changed)``: the hash of ``folder``'s git HEAD, and whether ``ann/`` or
    ``scripts/`` differ from it (modified or new files); ``("unknown", None)`` when git
    or the repository is not there."""
    try:
        head = _git(folder, "rev-parse", "HEAD")
        status = _git(folder, "status", "--porcelain", "--", *CODE_FOLDERS)
    except (OSError, subprocess.SubprocessError):
        return UNKNOWN, None
    if head.returncode != 0:
        return UNKNOWN, None
    changed = bool(status.stdout.strip()) if status.returncode == 0 else None
    return head.stdout.strip(), changed


def _git(folder, *arguments):
    return subprocess.run(
        ["git", *arguments], cwd=folder, capture_output=True, text=True, timeout=30
    )


def blas_info():
    """NumPy's BLAS in a few words: name, version, CPU kernel and threads from
    threadpoolctl when it is installed, else the name and version NumPy was built with."""
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        pools = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
        if pools:
            return ", ".join(
                f"{pool.get('internal_api')} {pool.get('version')} "
                f"({pool.get('architecture')}, {counted(pool.get('num_threads'), 'thread')})"
                for pool in pools
            )
    with contextlib.suppress(Exception):  # show_config's layout changes across versions
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')}"
    return UNKNOWN


def provenance():
    """The code and libraries of this process, as a JSON-ready dict: ``commit``,
    ``changed`` (local changes to ann/ or scripts/; None when unknown), ``python``,
    ``numpy``, ``blas``."""
    commit, changed = git_commit()
    return {
        "commit": commit,
        "changed": changed,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
    }


def describe(record):
    """A ``provenance()`` dict in one line, e.g. ``commit 3da9f5d (with local changes),
    Python 3.11.7, NumPy 2.4.6, BLAS openblas 0.3.31 (SkylakeX, 1 thread)``."""
    commit = record.get("commit", UNKNOWN)
    text = f"commit {commit[:12] if commit != UNKNOWN else UNKNOWN}"
    if record.get("changed"):
        text += " (with local changes)"
    return (
        f"{text}, Python {record.get('python', UNKNOWN)}, NumPy {record.get('numpy', UNKNOWN)}, "
        f"BLAS {record.get('blas', UNKNOWN)}"
    )
