"""Helpers for the ann.data tests: small, hand-made MNIST files in the IDX format.

No tests here; the other ``test_data_*.py`` files import these functions.
"""

import gzip
import hashlib

import numpy as np

from ann.data import FILE_NAMES

TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = FILE_NAMES


def idx_images(images, *, magic=2051, count=None, rows=28, cols=28):
    """IDX bytes for ``images`` uint8 (n, 784); header fields can be overridden."""
    count = len(images) if count is None else count
    header = b"".join(v.to_bytes(4, "big") for v in (magic, count, rows, cols))
    return header + np.asarray(images, dtype=np.uint8).tobytes()


def idx_labels(labels, *, magic=2049, count=None):
    """IDX bytes for ``labels`` uint8 (n,); header fields can be overridden."""
    count = len(labels) if count is None else count
    header = magic.to_bytes(4, "big") + count.to_bytes(4, "big")
    return header + np.asarray(labels, dtype=np.uint8).tobytes()


def small_arrays(n_train=12, n_test=7, seed=0):
    """Random MNIST-like arrays: train_x (n_train, 784), train_y (n_train,), test_x, test_y."""
    rng = np.random.RandomState(seed)
    return (
        rng.randint(0, 256, (n_train, 784)).astype(np.uint8),
        (np.arange(n_train) % 10).astype(np.uint8),
        rng.randint(0, 256, (n_test, 784)).astype(np.uint8),
        (np.arange(n_test)[::-1] % 10).astype(np.uint8),
    )


def encode(arrays):
    """The raw IDX bytes of the four arrays, as a dict file name -> bytes."""
    train_x, train_y, test_x, test_y = arrays
    return {
        TRAIN_IMAGES: idx_images(train_x),
        TRAIN_LABELS: idx_labels(train_y),
        TEST_IMAGES: idx_images(test_x),
        TEST_LABELS: idx_labels(test_y),
    }


def gz_bytes(data):
    """``data`` gzipped (deterministically: no timestamp)."""
    return gzip.compress(data, mtime=0)


def write_files(directory, blobs, gz=True):
    """Write each name -> bytes in ``blobs`` into ``directory``; return name -> Path.

    ``gz`` is True (all gzipped as NAME.gz), False (all raw) or a set of names to gzip.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in blobs.items():
        packed = gz if isinstance(gz, bool) else name in gz
        path = directory / (name + ".gz" if packed else name)
        path.write_bytes(gz_bytes(data) if packed else data)
        paths[name] = path
    return paths


def write_small_mnist(directory, gz=True, arrays=None):
    """Write a small valid MNIST into ``directory``; return (arrays, name -> Path)."""
    arrays = small_arrays() if arrays is None else arrays
    return arrays, write_files(directory, encode(arrays), gz)


def md5(data):
    """Hex MD5 of ``data``."""
    return hashlib.md5(data).hexdigest()
