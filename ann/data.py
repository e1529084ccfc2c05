"""MNIST, ready to train: find, download, validate, parse, cache and subset it.

``load_mnist`` returns the four MNIST arrays as uint8. It reads the standard IDX files
(``train-images-idx3-ubyte`` and friends, gzipped with a ``.gz`` suffix or raw) from a
data directory: the ``data_dir`` argument, else the ``MNIST_DIR`` environment variable,
else ``data/`` at the project root. Missing files are downloaded (``download_mnist``)
from the mirrors in ``MIRRORS`` and checked against the MD5 sums in ``MD5_GZ``.

Every file is validated before it is parsed with the ``python-mnist`` package (magic
number, image size, file size against the counts in its header, gzip integrity, equal
image and label counts), so that a bad file gives an ``MNISTFormatError`` that names it.

Parsing with ``python-mnist`` takes seconds, so the parsed arrays are cached in
``ANN_CACHE_DIR``, else ``$XDG_CACHE_HOME/ann``, else ``~/.cache/ann`` (never in the
data directory). The cache is keyed on the path, size, inode and times of each source
file and carries a CRC-32 of each array: a stale or damaged cache is rebuilt, never
trusted. All files (cache and downloads) are written under a temporary name and renamed
into place, so a crash never leaves a half-written file under a real name.

``get_binary_dataset`` and ``get_dataset`` select digits and shuffle them the way the
tutorial does; ``pre_process_data`` scales pixels to [0, 1].
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import math
import numbers
import os
import struct
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zlib
from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from mnist import MNIST

from ann.files import StrPath, atomic_file
from ann.progress import progress_bar
from ann.validation import check_int

__all__ = [
    "FILE_NAMES",
    "MD5_GZ",
    "MIRRORS",
    "MNISTDownloadError",
    "MNISTFormatError",
    "download_mnist",
    "get_binary_dataset",
    "get_dataset",
    "load_mnist",
    "pre_process_data",
]

#: The four standard MNIST files, without the optional ``.gz`` suffix.
FILE_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

#: Download mirrors, tried in order.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

#: Expected MD5 of each ``.gz`` file as the mirrors serve it.
MD5_GZ = MappingProxyType(
    {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
)

IMAGE_SIDE = 28
PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_DIGITS = 10

MNISTArrays: TypeAlias = "tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]"
"""``train_x, train_y, test_x, test_y``."""

_PROJECT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_DOWNLOAD_TIMEOUT = 60.0
_CHUNK_BYTES = 1 << 20
_CONVERT_ROWS = 5000


class MNISTFormatError(ValueError):
    """An MNIST file exists but its content is not what it should be (the message names it)."""


class MNISTDownloadError(FileNotFoundError, RuntimeError):
    """MNIST files are missing and could not be downloaded.

    It is a ``FileNotFoundError`` (the files are still not there) and a ``RuntimeError``.
    The message says in two lines which files are missing where, why in short, and how
    to provide them. The details are attributes:

    - ``directory``: the Path the files were looked for and downloaded into;
    - ``missing``: the standard names (without ``.gz``) of the files still missing;
    - ``failures``: one ``(url, reason)`` pair of strings per failed download attempt.
    """

    def __init__(
        self,
        directory: StrPath,
        missing: Iterable[str],
        reason: str,
        failures: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.directory = Path(directory)
        self.missing = list(missing)
        self.reason = reason
        self.failures = list(failures)
        super().__init__(
            f"MNIST file(s) missing from {self.directory}: {', '.join(self.missing)} "
            f"(raw or .gz); downloading them failed: {reason}.\n"
            f"Set MNIST_DIR to a folder that holds the four MNIST files, or run once with "
            f"internet access to download them."
        )

    def __reduce__(self) -> tuple[type[MNISTDownloadError], tuple[object, ...]]:
        return type(self), (self.directory, self.missing, self.reason, self.failures)


# --------------------------------------------------------------------------- IDX files

_IdxKind = namedtuple("_IdxKind", "what magic header_size item_size")
_IMAGES = _IdxKind("image", 2051, 16, PIXELS)
_LABELS = _IdxKind("label", 2049, 8, 1)


def _open_idx(path, mode="rb"):
    """Open an IDX file for reading, decompressing it when its name ends in ``.gz``."""
    path = str(path)
    return gzip.open(path, mode) if path.endswith(".gz") else open(path, mode)


def _count_from_header(path, kind, header):
    """Check an IDX header (magic number, image size); return its item count."""
    if len(header) < 4:
        raise MNISTFormatError(
            f"{path}: truncated file ({len(header)} bytes, too short for an IDX header)"
        )
    magic = int.from_bytes(header[:4], "big")
    if magic != kind.magic:
        hint = next(
            (
                f"; {other.magic} would be a {other.what} file"
                for other in (_IMAGES, _LABELS)
                if other.magic == magic
            ),
            "",
        )
        raise MNISTFormatError(
            f"{path}: wrong magic number {magic}, expected {kind.magic} "
            f"for an MNIST {kind.what} file{hint}"
        )
    if len(header) < kind.header_size:
        raise MNISTFormatError(
            f"{path}: truncated file ({len(header)} bytes, the IDX "
            f"header alone takes {kind.header_size})"
        )
    count, *dims = struct.unpack(">" + "I" * (kind.header_size // 4 - 1), header[4:])
    if kind is _IMAGES and dims != [IMAGE_SIDE, IMAGE_SIDE]:
        raise MNISTFormatError(
            f"{path}: wrong image dimensions {dims[0]}x{dims[1]}, "
            f"expected {IMAGE_SIDE}x{IMAGE_SIDE}"
        )
    return count


def _bytes_left(stream, limit):
    """How many bytes are left in ``stream``; a gzip stream is read (at most ``limit``)."""
    if not isinstance(stream, gzip.GzipFile):
        return os.fstat(stream.fileno()).st_size - stream.tell()
    left = 0
    while left < limit and (chunk := stream.read(min(_CHUNK_BYTES, limit - left))):
        left += len(chunk)
    return left


def _count_items(path, kind):
    """Validate one IDX file without parsing it; return its number of items.

    A ``.gz`` file is decompressed (without keeping the data) to check its integrity.
    """
    try:
        with _open_idx(path) as stream:
            count = _count_from_header(path, kind, stream.read(kind.header_size))
            expected = count * kind.item_size
            # One byte beyond the expected size is enough to know the file is too long.
            left = _bytes_left(stream, limit=expected + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise MNISTFormatError(f"{path}: corrupt gzip stream ({err})") from err
    if left != expected:
        found = f"only {left}" if left < expected else "more"
        problem = "truncated file" if left < expected else "file too long"
        raise MNISTFormatError(
            f"{path}: {problem}: its header promises {count} "
            f"{kind.what}s ({expected} bytes after the header) but "
            f"{found} bytes follow it"
        )
    return count


def _check_same_count(images_path, labels_path):
    """Validate an image file and its label file; return their common item count."""
    n_images = _count_items(images_path, _IMAGES)
    n_labels = _count_items(labels_path, _LABELS)
    if n_images != n_labels:
        raise MNISTFormatError(
            f"image and label counts differ: {images_path} holds "
            f"{n_images} images but {labels_path} holds {n_labels} labels"
        )
    return n_images


def _rows_to_array(rows, bar):
    """Turn python-mnist's list of per-image pixel lists into a uint8 array (n, 784)."""
    images = np.empty((len(rows), PIXELS), dtype=np.uint8)
    for start in range(0, len(rows), _CONVERT_ROWS):
        chunk = rows[start : start + _CONVERT_ROWS]
        images[start : start + len(chunk)] = chunk
        bar.update(len(chunk))
    return images


def _parse_pair(images_path, labels_path, count, bar):
    """Parse an image file and its label file with python-mnist.

    Returns ``images`` uint8 (count, 784) and ``labels`` uint8 (count,).
    """
    reader = MNIST(str(images_path.parent), return_type="lists")
    # python-mnist opens both files with one gz flag; open each by its own suffix.
    reader.opener = _open_idx
    try:
        rows, labels = reader.load(str(images_path), str(labels_path))
        images = _rows_to_array(rows, bar)
    except (ValueError, struct.error, EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise MNISTFormatError(
            f"python-mnist could not parse {images_path} and "
            f"{labels_path} (did they change while being read?): "
            f"{err}"
        ) from err
    labels = np.array(labels, dtype=np.uint8)
    if images.shape != (count, PIXELS) or labels.shape != (count,):
        raise MNISTFormatError(f"{images_path} and {labels_path} changed while being read")
    if labels.size and labels.max() >= N_DIGITS:
        raise MNISTFormatError(f"{labels_path}: label {labels.max()} is not a digit 0-9")
    return images, labels


def _parse_sources(sources, quiet):
    """Validate and parse the four files; return train_x, train_y, test_x, test_y."""
    train_images, train_labels, test_images, test_labels = (sources[n] for n in FILE_NAMES)
    n_train = _check_same_count(train_images, train_labels)
    n_test = _check_same_count(test_images, test_labels)
    with progress_bar(total=n_train + n_test, desc="Parsing MNIST", quiet=quiet, unit="img") as bar:
        bar.set_description(f"Parsing {train_images.name}")
        train = _parse_pair(train_images, train_labels, n_train, bar)
        bar.set_description(f"Parsing {test_images.name}")
        test = _parse_pair(test_images, test_labels, n_test, bar)
    return (*train, *test)


# --------------------------------------------------------------------------- directories


def _as_path(value, what):
    """``value`` (str or path-like) as an expanded Path; TypeError naming ``what`` if not."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{what} must be a str or path-like, not {type(value).__name__}")
    text = os.fspath(value)
    if not isinstance(text, str) or not text:
        raise ValueError(f"{what} must be a non-empty text path, got {value!r}")
    return Path(text).expanduser()


def _resolve_data_dir(data_dir):
    """The MNIST directory: ``data_dir``, else ``$MNIST_DIR``, else ``data/`` at the
    project root."""
    if data_dir is not None:
        directory = _as_path(data_dir, "data_dir")
    elif os.environ.get("MNIST_DIR"):
        directory = _as_path(os.environ["MNIST_DIR"], "the MNIST_DIR environment variable")
    else:
        directory = _PROJECT_DATA_DIR
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"the MNIST data directory {directory} is a file, not a directory")
    return directory


def _find_sources(directory):
    """Map each standard name to its file in ``directory`` (raw preferred over ``.gz``).

    Returns ``(sources, missing)``: a dict name -> Path, and the list of absent names.
    """
    sources, missing = {}, []
    for name in FILE_NAMES:
        raw, packed = directory / name, directory / (name + ".gz")
        found = next((path for path in (raw, packed) if path.is_file()), None)
        if found is None:
            missing.append(name)
        else:
            sources[name] = found
    return sources, missing


# --------------------------------------------------------------------------- atomic files

# --------------------------------------------------------------------------- cache
#
# One cache file per data directory: a 16-byte magic, an 8-byte little-endian header
# length, a JSON header (the source fingerprint and each array's name, shape and
# CRC-32), then the four uint8 arrays back to back.

_CACHE_MAGIC = b"ann-mnist-cache1"
_CACHE_ARRAYS = ("train_x", "train_y", "test_x", "test_y")
_MAX_CACHE_HEADER = 1 << 20


def _cache_root():
    """The cache directory: ``$ANN_CACHE_DIR``, else ``$XDG_CACHE_HOME/ann``, else
    ``~/.cache/ann``."""
    if os.environ.get("ANN_CACHE_DIR"):
        return Path(os.environ["ANN_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "ann"
    return Path.home() / ".cache" / "ann"


def _cache_path(directory):
    """The cache file for ``directory``, or None when caching must not happen there."""
    try:
        root = _cache_root().resolve()
    except (OSError, RuntimeError) as err:  # e.g. no home directory
        warnings.warn(
            f"MNIST cache disabled: no cache directory ({err})", RuntimeWarning, stacklevel=2
        )
        return None
    source_dir = directory.resolve()
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


def _fingerprint(sources):
    """What identifies the source files' content: path, size, inode, mtime and ctime of each."""
    rows = []
    for name in FILE_NAMES:
        path = sources[name].resolve()
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


def _read_cache(path, fingerprint):
    """Return the cached (train_x, train_y, test_x, test_y), or None if absent, stale or damaged."""
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
    return tuple(arrays)


def _write_cache(path, fingerprint, arrays):
    """Store the four uint8 arrays atomically; on failure warn and carry on without a cache."""
    arrays = [np.ascontiguousarray(array, dtype=np.uint8) for array in arrays]
    entries = [
        {"name": name, "shape": list(array.shape), "crc32": zlib.crc32(array)}
        for name, array in zip(_CACHE_ARRAYS, arrays)
    ]
    header = json.dumps({"sources": fingerprint, "arrays": entries}).encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(path) as stream:
            stream.write(_CACHE_MAGIC + len(header).to_bytes(8, "little") + header)
            for array in arrays:
                stream.write(array.ravel().data)
    except OSError as err:
        warnings.warn(
            f"could not write the MNIST cache {path}: {err}", RuntimeWarning, stacklevel=2
        )


# --------------------------------------------------------------------------- download


class _ChecksumMismatch(Exception):
    """A downloaded file does not have the expected MD5."""


def _check_mirrors(mirrors):
    """Validate ``mirrors``: a non-empty sequence of http(s):// or file:// base URLs."""
    if isinstance(mirrors, (str, bytes)) or not hasattr(mirrors, "__iter__"):
        raise TypeError(f"mirrors must be a sequence of URL strings, not {mirrors!r}")
    mirrors = list(mirrors)
    if not mirrors:
        raise ValueError("mirrors is empty: give at least one base URL")
    for url in mirrors:
        if not isinstance(url, str):
            raise TypeError(f"each mirror must be a URL string, not {url!r}")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https", "file"):
            raise ValueError(f"mirror {url!r} is not an http://, https:// or file:// URL")
    return mirrors


def _check_checksums(checksums, names):
    """Validate that ``checksums`` maps each ``.gz`` name in ``names`` to a hex MD5."""
    if not hasattr(checksums, "get"):
        raise TypeError(f"checksums must be a mapping of file name to MD5, not {checksums!r}")
    for name in names:
        digest = checksums.get(name)
        if (
            not isinstance(digest, str)
            or len(digest) != 32
            or not all(c in "0123456789abcdef" for c in digest.lower())
        ):
            raise ValueError(f"checksums has no valid MD5 (32 hex digits) for {name}: {digest!r}")


def _check_timeout(timeout):
    """Validate ``timeout``: a positive number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not float(timeout) > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")


def _content_length(response):
    """The Content-Length of a urllib response as an int, or None when unknown."""
    value = response.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _fetch(url, target, md5, *, timeout, quiet):
    """Download ``url`` to ``target`` via a temporary file, checking its MD5 first."""
    digest = hashlib.md5()
    with (
        atomic_file(target, durable=True) as stream,
        urllib.request.urlopen(url, timeout=timeout) as response,
        progress_bar(
            total=_content_length(response), desc=target.name, quiet=quiet, unit="B"
        ) as bar,
    ):
        while chunk := response.read(_CHUNK_BYTES):
            digest.update(chunk)
            stream.write(chunk)
            bar.update(len(chunk))
        if digest.hexdigest() != md5.lower():
            raise _ChecksumMismatch(f"MD5 {digest.hexdigest()}, expected {md5.lower()}")


def _fetch_from_any(name, directory, mirrors, md5, *, timeout, quiet):
    """Download ``name`` from the first mirror that works.

    Returns the failed attempts as ``(url, error)`` pairs: [] on success."""
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        try:
            _fetch(url, directory / name, md5, timeout=timeout, quiet=quiet)
            return []
        except (OSError, http.client.HTTPException, ValueError, _ChecksumMismatch) as err:
            failures.append((url, err))
    return failures


def _unreachable(error):
    """Whether a download ``error`` means the server could not be reached at all
    (no network, unknown host, refused connection, timeout), not that it answered badly."""
    if isinstance(error, urllib.error.HTTPError):
        return False
    return isinstance(error, (urllib.error.URLError, ConnectionError, TimeoutError))


def _short_reason(failures):
    """Why the downloads failed, in a few words, from the ``(url, error)`` attempts."""
    if all(_unreachable(error) for _, error in failures):
        return "no mirror could be reached (no internet?)"
    url, error = next((url, error) for url, error in failures if not _unreachable(error))
    return f"no mirror supplied a good copy (e.g. {url}: {error})"


def download_mnist(
    data_dir: StrPath | None = None,
    *,
    mirrors: Iterable[str] = MIRRORS,
    checksums: Mapping[str, str] = MD5_GZ,
    quiet: bool = False,
    timeout: float = _DOWNLOAD_TIMEOUT,
) -> list[Path]:
    """Download the MNIST ``.gz`` files missing from ``data_dir``; return their paths.

    ``data_dir`` is resolved as in ``load_mnist`` (None: ``$MNIST_DIR``, else ``data/``)
    and created if needed. A file counts as present when its raw or ``.gz`` form is there.
    Each missing ``NAME.gz`` is fetched from ``mirror + NAME.gz`` for each mirror in turn,
    streamed into a temporary file in ``data_dir``, checked against ``checksums[NAME.gz]``
    (hex MD5) and only then renamed into place; a failed attempt leaves nothing behind.
    ``timeout`` is in seconds per network operation.

    Raises ``MNISTDownloadError`` naming the files and the directory when some file
    could not be downloaded from any mirror (files that did download stay); its
    ``failures`` attribute lists each attempt's URL and error.
    """
    directory = _resolve_data_dir(data_dir)
    mirrors = _check_mirrors(mirrors)
    _check_timeout(timeout)
    _, missing = _find_sources(directory)
    wanted = [name + ".gz" for name in missing]
    _check_checksums(checksums, wanted)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise MNISTDownloadError(directory, missing, f"cannot create {directory}: {err}") from err
    failures, still_missing = [], []
    for name in wanted:
        attempts = _fetch_from_any(
            name, directory, mirrors, checksums[name], timeout=timeout, quiet=quiet
        )
        if attempts:
            failures += attempts
            still_missing.append(name.removesuffix(".gz"))
    if failures:
        raise MNISTDownloadError(
            directory,
            still_missing,
            _short_reason(failures),
            [(url, str(error)) for url, error in failures],
        )
    return [directory / name for name in wanted]


# --------------------------------------------------------------------------- loading


def load_mnist(
    data_dir: StrPath | None = None, *, quiet: bool = False, download: bool = True
) -> MNISTArrays:
    """Load MNIST as ``train_x, train_y, test_x, test_y``.

    - ``train_x``: uint8 (60000, 784), one row per image, pixels 0-255 row by row
    - ``train_y``: uint8 (60000,), the digit 0-9 of each training image
    - ``test_x``: uint8 (10000, 784); ``test_y``: uint8 (10000,)

    ``data_dir`` (str or path-like) holds the four IDX files, each raw or gzipped with a
    ``.gz`` suffix (raw wins if both exist); None means ``$MNIST_DIR``, else ``data/`` at
    the project root. Missing files are downloaded (see ``download_mnist``) unless
    ``download`` is false. ``quiet`` silences the progress bars.

    The first load parses the files with python-mnist (seconds); later loads read a
    verified cache (see the module docstring). Each call returns fresh, writable arrays.

    Raises:
        MNISTFormatError (a ValueError): a file's content is invalid; the message names it.
        FileNotFoundError: files are missing and ``download`` is false (lists them).
        MNISTDownloadError (a FileNotFoundError): files are missing and could not be
            downloaded.
        ValueError / TypeError: a bad argument; OSError: a file exists but cannot be read.
    """
    directory = _resolve_data_dir(data_dir)
    sources, missing = _find_sources(directory)
    if missing and download:
        # Module attributes are read here (not bound as defaults) so they can be patched.
        download_mnist(directory, mirrors=MIRRORS, checksums=MD5_GZ, quiet=quiet)
        sources, missing = _find_sources(directory)
    if missing:
        raise FileNotFoundError(
            f"MNIST file(s) missing from {directory}: "
            f"{', '.join(missing)} (raw or .gz); put them there or "
            f"set MNIST_DIR to a directory that holds them"
        )
    fingerprint = _fingerprint(sources)
    cache_path = _cache_path(directory)
    cached = _read_cache(cache_path, fingerprint) if cache_path else None
    if cached is not None:
        return cached
    arrays = _parse_sources(sources, quiet)
    if cache_path:
        _write_cache(cache_path, fingerprint, arrays)
    return arrays


# --------------------------------------------------------------------------- datasets


def _is_integer(value):
    """Whether ``value`` is an integer (Python or NumPy), excluding bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_digits(digits, *, exactly=None):
    """Validate ``digits``: distinct integers 0-9, at least two (or ``exactly`` this many)."""
    if isinstance(digits, (str, bytes)) or not hasattr(digits, "__iter__"):
        raise TypeError(f"digits must be a sequence of integers 0-9, not {digits!r}")
    digits = list(digits)
    for digit in digits:
        if not _is_integer(digit) or not 0 <= digit < N_DIGITS:
            raise ValueError(f"digits must be integers 0-9, got {digit!r} in {digits}")
    if len(set(digits)) != len(digits):
        raise ValueError(f"digits must be distinct, got {digits}")
    if exactly is not None and len(digits) != exactly:
        raise ValueError(f"digits must be exactly {exactly} digits, got {digits}")
    if len(digits) < 2:
        raise ValueError(f"digits must name at least two classes, got {digits}")
    return [int(digit) for digit in digits]


def _select_and_shuffle(x, y, digits, rng):
    """The samples of ``digits`` (all of the first digit, then the next...), shuffled by ``rng``.

    ``x`` is (n, 784), ``y`` is (n,); returns the selected rows of both.
    """
    index = np.concatenate([np.where(y == digit)[0] for digit in digits])
    rng.shuffle(index)
    return x[index], y[index]


def get_dataset(
    digits: Iterable[int] | None = None, data_dir: StrPath | None = None, seed: int = 1
) -> MNISTArrays:
    """MNIST restricted to ``digits`` (None: all ten) and shuffled, ready to train.

    Returns ``train_x`` uint8 (n, 784), ``train_y`` uint8 (n,), ``test_x`` uint8 (m, 784)
    and ``test_y`` uint8 (m,); labels keep their digit values. For each set, the indices
    of each digit in turn (ascending, from ``np.where``) are concatenated and shuffled in
    place by one ``np.random.RandomState(seed)``, training set first, then the test set
    with the same generator. NumPy's global random state is not touched.
    """
    digits = list(range(N_DIGITS)) if digits is None else _check_digits(digits)
    seed = check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    train_x, train_y, test_x, test_y = load_mnist(data_dir)
    rng = np.random.RandomState(seed)
    return (
        *_select_and_shuffle(train_x, train_y, digits, rng),
        *_select_and_shuffle(test_x, test_y, digits, rng),
    )


def get_binary_dataset(
    digits: Sequence[int] = (5, 8), data_dir: StrPath | None = None, seed: int = 1
) -> MNISTArrays:
    """Two MNIST digits as a shuffled binary problem: the first digit -> 0, the second -> 1.

    Returns ``train_x`` uint8 (n, 784), ``train_y`` uint8 (n,) of 0/1, ``test_x`` uint8
    (m, 784), ``test_y`` uint8 (m,) of 0/1; for 5 and 8, n = 11272 and m = 1866. Samples
    are chosen and shuffled exactly as in ``get_dataset`` (same order for the same seed).
    """
    digits = _check_digits(digits, exactly=2)
    train_x, train_y, test_x, test_y = get_dataset(digits, data_dir, seed)
    second = digits[1]
    return (
        train_x,
        (train_y == second).astype(np.uint8),
        test_x,
        (test_y == second).astype(np.uint8),
    )


# --------------------------------------------------------------------------- scaling


def _check_dtype(dtype):
    """Validate ``dtype``: float32 or float64 (any spelling NumPy accepts)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be float32 or float64, not {dtype!r}") from err
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"dtype must be float32 or float64, not {dtype}")
    return dtype


def _check_pixels(array, name):
    """Validate a pixel matrix: a 2-D numeric NumPy array, no NaN, values in 0..255."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, not {type(array).__name__}")
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold integers or floats, not {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (samples, features), got shape {array.shape}")
    if array.dtype.kind == "f" and np.isnan(array).any():
        raise ValueError(f"{name} contains NaN")
    if array.size and (array.min() < 0 or array.max() > 255):
        raise ValueError(f"{name} has values outside 0..255 (min {array.min()}, max {array.max()})")


def pre_process_data(
    train_x: np.ndarray, test_x: np.ndarray, dtype: npt.DTypeLike = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """Scale pixels from 0..255 to [0, 1]: return ``train_x / 255, test_x / 255`` as ``dtype``.

    ``train_x`` is (n, features) and ``test_x`` (m, features), integer or float arrays
    with values in 0..255 (for MNIST, uint8 with 784 features). ``dtype`` is float32 or
    float64. Returns two new arrays; the inputs are not modified.
    """
    dtype = _check_dtype(dtype)
    _check_pixels(train_x, "train_x")
    _check_pixels(test_x, "test_x")
    if train_x.shape[1] != test_x.shape[1]:
        raise ValueError(
            f"train_x has {train_x.shape[1]} features but test_x has {test_x.shape[1]}"
        )
    return np.divide(train_x, 255, dtype=dtype), np.divide(test_x, 255, dtype=dtype)
