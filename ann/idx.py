"""MNIST's IDX files: check each one, then parse it with ``python-mnist``.

An IDX file (raw, or gzipped when its name ends in ``.gz``) is a big-endian header, a
magic number (2051 for images, 2049 for labels), the item count and, for images, the
28 x 28 dimensions, followed by one byte per pixel or label. Every file is validated
before ``python-mnist`` parses it (magic number, image size, file size against the count
in its header, gzip integrity, equal image and label counts), so that a bad file gives
an ``MNISTFormatError`` that names it.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections import namedtuple
from pathlib import Path
from typing import TypeAlias

import numpy as np
from mnist import MNIST

from ann.files import StrPath
from ann.progress import progress_bar

__all__ = ["IMAGE_SIDE", "N_DIGITS", "PIXELS", "MNISTArrays", "MNISTFormatError", "parse_mnist"]

IMAGE_SIDE = 28
PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_DIGITS = 10

MNISTArrays: TypeAlias = "tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]"
"""``train_x, train_y, test_x, test_y``."""

_READ_BYTES = 1 << 20
_CONVERT_ROWS = 5000


class MNISTFormatError(ValueError):
    """An MNIST file exists but its content is not what it should be (the message names it)."""


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
    while left < limit and (chunk := stream.read(min(_READ_BYTES, limit - left))):
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


def _as_paths(paths: tuple[StrPath, ...]) -> list[Path]:
    """Each of ``paths`` (str or path-like) as a Path; TypeError naming the bad one."""
    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"an IDX file name must be a str or path-like, not {path!r}")
    return [Path(path) for path in paths]


def parse_mnist(
    train_images: StrPath,
    train_labels: StrPath,
    test_images: StrPath,
    test_labels: StrPath,
    *,
    quiet: bool = False,
) -> MNISTArrays:
    """Validate and parse the four IDX files; return ``train_x, train_y, test_x, test_y``.

    ``train_x`` is uint8 (n, 784), one row per image, pixels row by row; ``train_y``
    uint8 (n,), the digits; ``test_x`` uint8 (m, 784) and ``test_y`` uint8 (m,). Each file
    is raw, or gzipped when its name ends in ``.gz``. ``quiet`` silences the progress bar.

    Raises ``MNISTFormatError`` (a ValueError) naming the file whose content is invalid.
    """
    train_images, train_labels, test_images, test_labels = _as_paths(
        (train_images, train_labels, test_images, test_labels)
    )
    n_train = _check_same_count(train_images, train_labels)
    n_test = _check_same_count(test_images, test_labels)
    with progress_bar(total=n_train + n_test, desc="Parsing MNIST", quiet=quiet, unit="img") as bar:
        bar.set_description(f"Parsing {train_images.name}")
        train = _parse_pair(train_images, train_labels, n_train, bar)
        bar.set_description(f"Parsing {test_images.name}")
        test = _parse_pair(test_images, test_labels, n_test, bar)
    return (*train, *test)
