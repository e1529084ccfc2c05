"""The cache of parsed MNIST arrays, so that only the first load parses the IDX files.

The cache lives in ``ANN_CACHE_DIR``, else ``$XDG_CACHE_HOME/ann``, else ``~/.cache/ann``
(never in the data directory), one file per data directory: a 16-byte magic, an 8-byte
little-endian header length, a JSON header (the source fingerprint and each array's
name, shape and CRC-32), then the four uint8 arrays back to back. The fingerprint is
the path, size, inode and times of each source file: a stale or damaged cache is
rebuilt, never trusted. The file is written under a temporary name and renamed.

The cache is bounded: each write keeps the ``KEEP`` most recently used files (a read
counts as a use) and removes the others, so that copies of the data in new directories
(55 MB each) do not pile up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import warnings
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ann.files import StrPath, atomic_file
from ann.idx import PIXELS, MNISTArrays

__all__ = ["KEEP", "cache_path", "fingerprint", "prune", "read_cache", "write_cache"]

_CACHE_MAGIC = b"ann-mnist-cache1"
_CACHE_ARRAYS = ("train_x", "train_y", "test_x", "test_y")
_MAX_CACHE_HEADER = 1 << 20

KEEP = 3
"""How many cache files (one per data directory) the cache keeps."""

Fingerprint = list[list[object]]


def _cache_root():
    """The cache directory: ``$ANN_CACHE_DIR``, else ``$XDG_CACHE_HOME/ann``, else
    ``~/.cache/ann``."""
    if os.environ.get("ANN_CACHE_DIR"):
        return Path(os.environ["ANN_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "ann"
    return Path.home() / ".cache" / "ann"


def cache_path(directory: StrPath) -> Path | None:
    """The cache file for the data ``directory``, or None (with a RuntimeWarning) when
    caching must not happen: no cache directory, or one inside ``directory``."""
    try:
        root = _cache_root().resolve()
    except (OSError, RuntimeError) as err:  # e.g. no home directory
        warnings.warn(
            f"MNIST cache disabled: no cache directory ({err})", RuntimeWarning, stacklevel=2
        )
        return None
    source_dir = Path(directory).resolve()
    if root == source_dir or root.is_relative_to(source_dir):
        warnings.warn(
            f"MNIST cache disabled: the cache directory {root} is inside the "
            f"data directory {source_dir}",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    digest = hashlib.sha256(str(source_dir).encode()).hexdigest()[:24]
    return root / f"mnist-{digest}.cache"


def fingerprint(sources: Sequence[StrPath]) -> Fingerprint:
    """What identifies the source files' content: path, size, inode, mtime and ctime of
    each of ``sources`` (the four IDX files, in order)."""
    rows: Fingerprint = []
    for source in sources:
        path = Path(source).resolve()
        stat = path.stat()
        rows.append([str(path), stat.st_size, stat.st_ino, stat.st_mtime_ns, stat.st_ctime_ns])
    return rows


def _cache_header_is_valid(header, fingerprint):
    """Whether a decoded cache header matches ``fingerprint`` and describes four sane arrays."""
    if not isinstance(header, dict) or header.get("sources") != fingerprint:
        return False
    entries = header.get("arrays")
    if not isinstance(entries, list) or len(entries) != len(_CACHE_ARRAYS):
        return False
    for entry, name in zip(entries, _CACHE_ARRAYS):
        if not isinstance(entry, dict) or entry.get("name") != name:
            return False
        shape, crc = entry.get("shape"), entry.get("crc32")
        if not isinstance(shape, list) or not all(
            type(value) is int and value >= 0 for value in [*shape, crc]
        ):
            return False
    shapes = [entry["shape"] for entry in entries]
    n_train, n_test = shapes[1][:1], shapes[3][:1]  # [count], or [] if malformed
    return shapes == [n_train + [PIXELS], n_train, n_test + [PIXELS], n_test]


def _read_cache_header(stream, fingerprint):
    """Read and check a cache file's header; return its array entries, or None."""
    prefix = stream.read(len(_CACHE_MAGIC) + 8)
    if len(prefix) != len(_CACHE_MAGIC) + 8 or not prefix.startswith(_CACHE_MAGIC):
        return None
    header_size = int.from_bytes(prefix[len(_CACHE_MAGIC) :], "little")
    if header_size > _MAX_CACHE_HEADER:
        return None
    try:
        header = json.loads(stream.read(header_size).decode("utf-8"))
    except ValueError:  # includes JSON and UTF-8 decoding errors
        return None
    return header["arrays"] if _cache_header_is_valid(header, fingerprint) else None


def read_cache(path: StrPath, fingerprint: Fingerprint) -> MNISTArrays | None:
    """Return the cached (train_x, train_y, test_x, test_y), or None if absent, stale
    (another ``fingerprint``) or damaged."""
    try:
        with open(path, "rb") as stream:
            entries = _read_cache_header(stream, fingerprint)
            if entries is None:
                return None
            sizes = [math.prod(entry["shape"]) for entry in entries]
            if os.fstat(stream.fileno()).st_size - stream.tell() != sum(sizes):
                return None
            payload = bytearray(sum(sizes))
            if stream.readinto(payload) != len(payload):
                return None
    except OSError:
        return None
    arrays, offset = [], 0
    for entry, size in zip(entries, sizes):
        if zlib.crc32(memoryview(payload)[offset : offset + size]) != entry["crc32"]:
            return None
        array = np.frombuffer(payload, dtype=np.uint8, count=size, offset=offset)
        arrays.append(array.reshape(entry["shape"]))
        offset += size
    with contextlib.suppress(OSError):  # a read-only cache is still used
        os.utime(path)  # most recently used: the last that ``prune`` removes
    train_x, train_y, test_x, test_y = arrays
    return train_x, train_y, test_x, test_y


def prune(root: StrPath, keep: int = KEEP) -> list[Path]:
    """Remove all but the ``keep`` most recently used cache files of the cache
    directory ``root`` (newest modification time first); returns those removed. Other
    files are left alone; a file that cannot be removed is skipped."""
    entries = []
    for path in Path(root).glob("mnist-*.cache"):
        with contextlib.suppress(OSError):  # removed meanwhile by another process
            if path.is_file():
                entries.append((path.stat().st_mtime_ns, path))
    entries.sort(reverse=True)
    removed = []
    for _, path in entries[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def write_cache(path: StrPath, fingerprint: Fingerprint, arrays: Sequence[np.ndarray]) -> None:
    """Store the four uint8 ``arrays`` (train_x, train_y, test_x, test_y) with
    ``fingerprint`` atomically; on failure warn and carry on without a cache."""
    if len(arrays) != len(_CACHE_ARRAYS):
        raise ValueError(f"write_cache needs the four MNIST arrays, got {len(arrays)}")
    path = Path(path)
    arrays = [np.ascontiguousarray(array, dtype=np.uint8) for array in arrays]
    entries = [
        {"name": name, "shape": list(array.shape), "crc32": zlib.crc32(array.data)}
        for name, array in zip(_CACHE_ARRAYS, arrays)
    ]
    header = json.dumps({"sources": fingerprint, "arrays": entries}).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as stream:
            stream.write(_CACHE_MAGIC + len(header).to_bytes(8, "little") + header)
            for array in arrays:
                stream.write(array.ravel().data)
        prune(path.parent)
    except OSError as err:
        warnings.warn(
            f"could not write the MNIST cache {path}: {err}", RuntimeWarning, stacklevel=2
        )
