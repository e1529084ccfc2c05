"""MNIST, ready to train: load it, select digits, shuffle and scale.

``load_mnist`` returns the four MNIST arrays as uint8. It reads the standard IDX files
(``train-images-idx3-ubyte`` and friends, gzipped with a ``.gz`` suffix or raw) from a
data directory: the ``data_dir`` argument, else the ``MNIST_DIR`` environment variable,
else ``data/`` at the project root (``ann.mnist_files``). Missing files are downloaded
(``download_mnist``, from ``ann.download``) from the mirrors in ``MIRRORS`` and checked
against the MD5 sums in ``MD5_GZ``.

Every file is validated before it is parsed with the ``python-mnist`` package
(``ann.idx``: magic number, image size, file size against the counts in its header,
gzip integrity, equal image and label counts), so that a bad file gives an
``MNISTFormatError`` that names it.

Parsing with ``python-mnist`` takes seconds, so the parsed arrays are cached
(``ann.mnist_cache``) in ``ANN_CACHE_DIR``, else ``$XDG_CACHE_HOME/ann``, else
``~/.cache/ann`` (never in the data directory). The cache is keyed on the path, size,
inode and times of each source file and carries a CRC-32 of each array: a stale or
damaged cache is rebuilt, never trusted. All files (cache and downloads) are written
under a temporary name and renamed into place, so a crash never leaves a half-written
file under a real name.

``get_binary_dataset`` and ``get_dataset`` select digits and shuffle them the way the
tutorial does; ``pre_process_data`` scales pixels to [0, 1].
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from ann.download import MD5_GZ, MIRRORS, MNISTDownloadError, download_mnist
from ann.files import StrPath
from ann.idx import IMAGE_SIDE, N_DIGITS, PIXELS, MNISTArrays, MNISTFormatError, parse_mnist
from ann.mnist_cache import cache_path, fingerprint, read_cache, write_cache
from ann.mnist_files import FILE_NAMES, find_sources, resolve_data_dir
from ann.validation import check_int

__all__ = [
    "FILE_NAMES",
    "IMAGE_SIDE",
    "MD5_GZ",
    "MIRRORS",
    "N_DIGITS",
    "PIXELS",
    "MNISTArrays",
    "MNISTDownloadError",
    "MNISTFormatError",
    "download_mnist",
    "get_binary_dataset",
    "get_dataset",
    "load_mnist",
    "pre_process_data",
]


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
        MNISTDownloadError (a FileNotFoundError): missing files could not be downloaded.
        ValueError / TypeError: a bad argument; OSError: a file exists but cannot be read.
    """
    directory = resolve_data_dir(data_dir)
    sources, missing = find_sources(directory)
    if missing and download:
        # Module attributes are read here (not bound as defaults) so they can be patched.
        download_mnist(directory, mirrors=MIRRORS, checksums=MD5_GZ, quiet=quiet)
        sources, missing = find_sources(directory)
    if missing:
        raise FileNotFoundError(
            f"MNIST file(s) missing from {directory}: "
            f"{', '.join(missing)} (raw or .gz); put them there or "
            f"set MNIST_DIR to a directory that holds them"
        )
    paths = [sources[name] for name in FILE_NAMES]
    key = fingerprint(paths)
    cache_file = cache_path(directory)
    cached = read_cache(cache_file, key) if cache_file else None
    if cached is not None:
        return cached
    arrays = parse_mnist(*paths, quiet=quiet)
    if cache_file:
        write_cache(cache_file, key, arrays)
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
