"""The parsed-MNIST cache of ann.data.load_mnist: used when fresh, rebuilt when not."""

import json
import os
import warnings

import numpy as np
import pytest
from test_data_helpers import (
    TRAIN_IMAGES,
    TRAIN_LABELS,
    idx_images,
    idx_labels,
    small_arrays,
    write_small_mnist,
)

import ann.idx
from ann.data import FILE_NAMES, load_mnist
from ann.mnist_cache import cache_path, fingerprint, read_cache, write_cache


class ParseCounter:
    """Stands in for python-mnist's MNIST class and counts how often it is created."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = ann.idx.MNIST

        def counting(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(ann.idx, "MNIST", counting)


def forbid_parsing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("python-mnist was called although the cache is fresh")

    monkeypatch.setattr(ann.idx, "MNIST", fail)


def assert_same(arrays, expected):
    assert len(arrays) == len(expected)
    for got, want in zip(arrays, expected):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private, empty cache directory for one test."""
    path = tmp_path / "cache"
    monkeypatch.setenv("ANN_CACHE_DIR", str(path))
    return path


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


def cache_files(cache_dir):
    return sorted(cache_dir.iterdir()) if cache_dir.exists() else []


def load(directory):
    return load_mnist(directory, quiet=True, download=False)


def test_second_load_reads_the_cache(cache_dir, data_dir, monkeypatch):
    arrays, _ = write_small_mnist(data_dir)
    assert_same(load(data_dir), arrays)
    forbid_parsing(monkeypatch)
    assert_same(load(data_dir), arrays)


def test_cached_arrays_are_fresh_and_writable(cache_dir, data_dir):
    write_small_mnist(data_dir)
    load(data_dir)
    first, second = load(data_dir), load(data_dir)
    first[0][0, 0] ^= 0xFF
    assert first[0][0, 0] != second[0][0, 0]


def test_cache_is_one_file_outside_the_data_dir(cache_dir, data_dir):
    write_small_mnist(data_dir)
    before = sorted(p.name for p in data_dir.iterdir())
    load(data_dir)
    load(data_dir)
    assert sorted(p.name for p in data_dir.iterdir()) == before
    files = cache_files(cache_dir)
    assert len(files) == 1 and files[0].suffix == ".cache"  # no temporary file left over


def test_no_cache_inside_the_data_dir(data_dir, monkeypatch):
    arrays, _ = write_small_mnist(data_dir)
    before = sorted(data_dir.iterdir())
    for inside in (data_dir, data_dir / "cache"):
        monkeypatch.setenv("ANN_CACHE_DIR", str(inside))
        with pytest.warns(RuntimeWarning, match="inside the data directory"):
            assert_same(load(data_dir), arrays)
    assert sorted(data_dir.iterdir()) == before


def test_xdg_cache_home(data_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("ANN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    write_small_mnist(data_dir)
    load(data_dir)
    assert len(cache_files(tmp_path / "xdg" / "ann")) == 1


def test_home_cache(data_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("ANN_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write_small_mnist(data_dir)
    load(data_dir)
    assert len(cache_files(tmp_path / "home" / ".cache" / "ann")) == 1


def test_unwritable_cache_only_warns(data_dir, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    monkeypatch.setenv("ANN_CACHE_DIR", str(blocker / "cache"))
    arrays, _ = write_small_mnist(data_dir)
    with pytest.warns(RuntimeWarning, match="could not write the MNIST cache"):
        assert_same(load(data_dir), arrays)


# ------------------------------------------------------------------ stale sources


def bump_mtime(path):
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_changed_source_of_same_size_is_reread(cache_dir, data_dir, monkeypatch):
    arrays, paths = write_small_mnist(data_dir, gz=False)
    load(data_dir)
    new_labels = (arrays[1] + 1) % 10
    with open(paths[TRAIN_LABELS], "r+b") as stream:  # in place: same inode, same size
        stream.write(idx_labels(new_labels))
    bump_mtime(paths[TRAIN_LABELS])
    counter = ParseCounter(monkeypatch)
    loaded = load(data_dir)
    assert counter.calls > 0
    np.testing.assert_array_equal(loaded[1], new_labels)


def test_replaced_source_is_reread(cache_dir, data_dir, monkeypatch):
    _arrays, paths = write_small_mnist(data_dir, gz=False)
    load(data_dir)
    bigger = small_arrays(n_train=20, seed=3)
    paths[TRAIN_IMAGES].write_bytes(idx_images(bigger[0]))
    paths[TRAIN_LABELS].write_bytes(idx_labels(bigger[1]))
    loaded = load(data_dir)
    assert_same(loaded[:2], bigger[:2])
    forbid_parsing(monkeypatch)
    assert_same(load(data_dir)[:2], bigger[:2])  # and the new content is cached in turn


def test_raw_copy_appearing_next_to_gz_is_reread(cache_dir, data_dir):
    write_small_mnist(data_dir, gz=True)
    load(data_dir)
    other = small_arrays(seed=9)
    (data_dir / TRAIN_IMAGES).write_bytes(idx_images(other[0]))
    np.testing.assert_array_equal(load(data_dir)[0], other[0])


# ------------------------------------------------------------------ damaged cache


def split_cache(data):
    """A cache file's (magic, JSON header as dict, payload)."""
    size = int.from_bytes(data[16:24], "little")
    return data[:16], json.loads(data[24 : 24 + size]), data[24 + size :]


def join_cache(magic, header, payload):
    text = json.dumps(header).encode()
    return magic + len(text).to_bytes(8, "little") + text + payload


def flip_payload_byte(data):
    return data[:-5] + bytes([data[-5] ^ 1]) + data[-4:]


def reshape_train_x(data):
    magic, header, payload = split_cache(data)
    header["arrays"][0]["shape"] = [header["arrays"][0]["shape"][0] * 2, 392]
    return join_cache(magic, header, payload)


def shorter_labels_entry(data):
    magic, header, payload = split_cache(data)
    header["arrays"][1]["shape"] = [header["arrays"][1]["shape"][0] - 1]
    return join_cache(magic, header, payload[:-1])


def wrong_crc(data):
    magic, header, payload = split_cache(data)
    header["arrays"][2]["crc32"] += 1
    return join_cache(magic, header, payload)


def other_sources(data):
    magic, header, payload = split_cache(data)
    header["sources"][0][2] += 1
    return join_cache(magic, header, payload)


def huge_header_length(data):
    return data[:16] + (2**63).to_bytes(8, "little") + data[24:]


DAMAGES = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[:-1],
    "half": lambda data: data[: len(data) // 2],
    "appended": lambda data: data + b"\0",
    "flipped-byte": flip_payload_byte,
    "garbage": lambda data: os.urandom(len(data)),
    "bad-magic": lambda data: b"X" + data[1:],
    "bad-json": lambda data: data[:24] + b"}" + data[25:],
    "huge-header": huge_header_length,
    "wrong-shape": reshape_train_x,
    "inconsistent-counts": shorter_labels_entry,
    "wrong-crc": wrong_crc,
    "stale-fingerprint": other_sources,
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_damaged_cache_is_rebuilt(cache_dir, data_dir, monkeypatch, damage):
    arrays, _ = write_small_mnist(data_dir)
    load(data_dir)
    [cache_file] = cache_files(cache_dir)
    cache_file.write_bytes(damage(cache_file.read_bytes()))
    counter = ParseCounter(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(load(data_dir), arrays)
    assert counter.calls > 0
    forbid_parsing(monkeypatch)
    assert_same(load(data_dir), arrays)  # the rebuilt cache is good


def test_cache_directory_in_place_of_cache_file(cache_dir, data_dir):
    arrays, _ = write_small_mnist(data_dir)
    load(data_dir)
    [cache_file] = cache_files(cache_dir)
    cache_file.unlink()
    cache_file.mkdir()
    with pytest.warns(RuntimeWarning, match="could not write"):
        assert_same(load(data_dir), arrays)


# ------------------------------------------------------------------ ann.mnist_cache directly


def test_write_then_read_cache_round_trip(cache_dir, data_dir):
    arrays, paths = write_small_mnist(data_dir)
    key = fingerprint([paths[name] for name in FILE_NAMES])
    path = cache_path(data_dir)
    assert path.parent == cache_dir and not path.exists()
    write_cache(path, key, arrays)
    assert_same(read_cache(path, key), arrays)
    stale = [list(row) for row in key]
    stale[3][1] += 1  # another size for the test labels
    assert read_cache(path, stale) is None
    assert read_cache(cache_dir / "absent.cache", key) is None


def test_fingerprint_follows_each_file(data_dir):
    _, paths = write_small_mnist(data_dir)
    ordered = [paths[name] for name in FILE_NAMES]
    before = fingerprint(ordered)
    assert [row[0] for row in before] == [str(path.resolve()) for path in ordered]
    bump_mtime(ordered[2])
    after = fingerprint(ordered)
    assert after[:2] == before[:2] and after[3] == before[3] and after[2] != before[2]


def test_write_cache_needs_four_arrays(cache_dir, data_dir):
    arrays, _ = write_small_mnist(data_dir)
    with pytest.raises(ValueError, match="four MNIST arrays, got 3"):
        write_cache(cache_dir / "x.cache", [], arrays[:3])
    assert not cache_dir.exists()


def test_the_cache_keeps_only_the_most_recently_used_copies(cache_dir, tmp_path):
    # Each new copy of the files is a new cache entry; the oldest go, and a read makes
    # an entry recent again.
    from ann.mnist_cache import KEEP

    copies = [tmp_path / f"copy{number}" for number in range(KEEP + 2)]
    for number, directory in enumerate(copies):
        expected, _ = write_small_mnist(directory)
        assert_same(load(directory), expected)
        os.utime(cache_path(directory), ns=(10**18 + number * 10**9,) * 2)
        if number == 1:  # copy 0, the oldest, is read again: it stays
            assert_same(load(copies[0]), expected)
    kept = {cache_path(directory) for directory in [copies[0], *copies[-KEEP + 1 :]]}
    assert set(cache_files(cache_dir)) == kept
    assert len(cache_files(cache_dir)) == KEEP


def test_prune_removes_the_oldest_cache_files_only(tmp_path):
    from ann.mnist_cache import prune

    names = [f"mnist-{number}.cache" for number in range(5)]
    for age, name in enumerate(names):
        (tmp_path / name).write_bytes(b"x")
        os.utime(tmp_path / name, ns=(10**18 - age * 10**9,) * 2)  # older and older
    (tmp_path / "notes.txt").write_text("not a cache file")
    (tmp_path / "mnist-folder.cache").mkdir()
    assert sorted(path.name for path in prune(tmp_path, keep=2)) == names[2:]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [*names[:2], "notes.txt", "mnist-folder.cache"]
    )
    assert prune(tmp_path / "absent") == []
