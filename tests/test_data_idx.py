"""ann.data.load_mnist on small hand-made IDX files: round trips and every corrupt case."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_data_helpers import (
    TEST_IMAGES,
    TEST_LABELS,
    TRAIN_IMAGES,
    TRAIN_LABELS,
    encode,
    gz_bytes,
    idx_images,
    idx_labels,
    small_arrays,
    write_files,
    write_small_mnist,
)

import ann.data
import ann.download
import ann.idx
import ann.mnist_cache
import ann.mnist_files
from ann.data import FILE_NAMES, MNISTDownloadError, MNISTFormatError, load_mnist
from ann.idx import parse_mnist
from ann.mnist_files import find_sources, resolve_data_dir


def assert_same(arrays, expected):
    assert len(arrays) == len(expected)
    for got, want in zip(arrays, expected):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ valid files


@pytest.mark.parametrize(
    "gz", [True, False, {TRAIN_IMAGES, TEST_LABELS}], ids=["gz", "raw", "mixed"]
)
def test_round_trip(tmp_path, gz):
    arrays, _ = write_small_mnist(tmp_path, gz=gz)
    loaded = load_mnist(tmp_path, quiet=True, download=False)
    assert [a.shape for a in loaded] == [(12, 784), (12,), (7, 784), (7,)]
    assert_same(loaded, arrays)


def test_raw_file_wins_over_gz(tmp_path):
    arrays, _ = write_small_mnist(tmp_path, gz=True)
    other = small_arrays(seed=5)
    (tmp_path / TRAIN_IMAGES).write_bytes(idx_images(other[0]))
    loaded = load_mnist(tmp_path, quiet=True, download=False)
    np.testing.assert_array_equal(loaded[0], other[0])
    assert_same(loaded[1:], arrays[1:])


def test_empty_sets_are_valid(tmp_path):
    arrays = small_arrays(n_train=0, n_test=0)
    write_small_mnist(tmp_path, arrays=arrays)
    loaded = load_mnist(tmp_path, quiet=True, download=False)
    assert [a.shape for a in loaded] == [(0, 784), (0,), (0, 784), (0,)]


def test_data_dir_from_environment(tmp_path, monkeypatch):
    arrays, _ = write_small_mnist(tmp_path)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    assert_same(load_mnist(quiet=True, download=False), arrays)


def test_default_data_dir_is_project_data_folder(monkeypatch):
    monkeypatch.delenv("MNIST_DIR", raising=False)
    project_data = Path(ann.data.__file__).resolve().parent.parent / "data"
    try:
        load_mnist(quiet=True, download=False)
    except FileNotFoundError as err:
        assert str(project_data) in str(err)
    # (if the project's data folder does hold MNIST, loading it simply works)


def test_data_dir_must_be_a_path(tmp_path):
    with pytest.raises(TypeError, match="data_dir"):
        load_mnist(42)


def test_data_dir_must_not_be_a_file(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="not a directory"):
        load_mnist(path, download=False)


# ------------------------------------------------------------------ the modules behind ann.data


def test_ann_data_names_are_the_modules_own():
    """ann.data re-exports each name of the modules it was split into (one object each)."""
    for module in (ann.idx, ann.mnist_files, ann.download):
        for name in module.__all__:
            assert getattr(ann.data, name) is getattr(module, name), name
    assert ann.data.MNISTFormatError is ann.idx.MNISTFormatError
    assert issubclass(ann.data.MNISTDownloadError, FileNotFoundError)


def test_parse_mnist_reads_the_four_files_in_order(tmp_path):
    arrays, paths = write_small_mnist(tmp_path, gz={TRAIN_LABELS})
    loaded = parse_mnist(*(str(paths[name]) for name in FILE_NAMES), quiet=True)
    assert [a.shape for a in loaded] == [(12, 784), (12,), (7, 784), (7,)]
    assert_same(loaded, arrays)


def test_parse_mnist_checks_its_arguments(tmp_path):
    _, paths = write_small_mnist(tmp_path)
    with pytest.raises(TypeError, match=r"IDX file name.*None"):
        parse_mnist(paths[TRAIN_IMAGES], paths[TRAIN_LABELS], paths[TEST_IMAGES], None)
    swapped = (paths[TRAIN_LABELS], paths[TRAIN_IMAGES], paths[TEST_IMAGES], paths[TEST_LABELS])
    with pytest.raises(MNISTFormatError, match=f"{TRAIN_LABELS}.*wrong magic number 2049"):
        parse_mnist(*swapped, quiet=True)


def test_find_sources_prefers_raw_and_lists_the_missing(tmp_path):
    blobs = encode(small_arrays())
    write_files(tmp_path, {TRAIN_IMAGES: blobs[TRAIN_IMAGES]}, gz=True)
    write_files(
        tmp_path, {TRAIN_IMAGES: blobs[TRAIN_IMAGES], TEST_LABELS: blobs[TEST_LABELS]}, gz=False
    )
    sources, missing = find_sources(tmp_path)
    assert sources == {TRAIN_IMAGES: tmp_path / TRAIN_IMAGES, TEST_LABELS: tmp_path / TEST_LABELS}
    assert missing == [TRAIN_LABELS, TEST_IMAGES]
    with pytest.raises(TypeError, match="directory must be a str or path-like, not int"):
        find_sources(3)


def test_resolve_data_dir_order(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "from-env"))
    assert resolve_data_dir(tmp_path / "given") == tmp_path / "given"
    assert resolve_data_dir(None) == tmp_path / "from-env"
    monkeypatch.setenv("MNIST_DIR", "")
    assert resolve_data_dir(None) == Path(ann.data.__file__).resolve().parent.parent / "data"
    with pytest.raises(ValueError, match="non-empty"):
        resolve_data_dir("")


# ------------------------------------------------------------------ missing files


def test_missing_files_are_listed(tmp_path):
    blobs = encode(small_arrays())
    write_files(tmp_path, {TRAIN_IMAGES: blobs[TRAIN_IMAGES], TEST_LABELS: blobs[TEST_LABELS]})
    with pytest.raises(FileNotFoundError) as caught:
        load_mnist(tmp_path, quiet=True, download=False)
    message = str(caught.value)
    assert TRAIN_LABELS in message and TEST_IMAGES in message and str(tmp_path) in message
    assert TRAIN_IMAGES not in message and TEST_LABELS not in message


def test_missing_files_with_failed_download(tmp_path, monkeypatch):
    monkeypatch.setattr("ann.data.MIRRORS", ("http://127.0.0.1:9/",))
    with pytest.raises(MNISTDownloadError) as caught:
        load_mnist(tmp_path / "empty", quiet=True)
    assert isinstance(caught.value, FileNotFoundError)
    assert all(name in str(caught.value) for name in FILE_NAMES)
    assert list((tmp_path / "empty").iterdir()) == []


# ------------------------------------------------------------------ corrupt files


def corrupt_case(tmp_path, name, data, gz=True):
    """Write a valid small MNIST with ``name`` replaced by ``data``; return that file's path."""
    blobs = encode(small_arrays())
    blobs[name] = data
    return write_files(tmp_path, blobs, gz)[name]


def assert_format_error(directory, path, *patterns):
    with pytest.raises(MNISTFormatError) as caught:
        load_mnist(directory, quiet=True, download=False)
    message = str(caught.value)
    assert str(path) in message
    for pattern in patterns:
        assert pattern in message
    return message


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
@pytest.mark.parametrize("name", FILE_NAMES)
def test_wrong_magic(tmp_path, name, gz):
    blob = bytearray(encode(small_arrays())[name])
    blob[:4] = (1234).to_bytes(4, "big")
    path = corrupt_case(tmp_path, name, bytes(blob), gz)
    assert_format_error(tmp_path, path, "wrong magic number 1234")


def test_swapped_files_get_a_hint(tmp_path):
    blobs = encode(small_arrays())
    path = corrupt_case(tmp_path, TRAIN_LABELS, blobs[TEST_IMAGES])
    assert_format_error(tmp_path, path, "expected 2049", "2051 would be a image file")


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
@pytest.mark.parametrize("name", FILE_NAMES)
@pytest.mark.parametrize("cut", [1, 200])
def test_truncated_payload(tmp_path, name, gz, cut):
    blob = encode(small_arrays())[name]
    cut = min(cut, len(blob) - 16)
    path = corrupt_case(tmp_path, name, blob[:-cut], gz)
    assert_format_error(tmp_path, path, "truncated file")


@pytest.mark.parametrize(
    "name, length",
    [
        (TRAIN_IMAGES, 0),
        (TRAIN_IMAGES, 3),
        (TRAIN_IMAGES, 8),
        (TRAIN_IMAGES, 15),
        (TEST_LABELS, 0),
        (TEST_LABELS, 2),
        (TEST_LABELS, 7),
    ],
)
def test_truncated_header(tmp_path, name, length):
    blob = encode(small_arrays())[name]
    path = corrupt_case(tmp_path, name, blob[:length], gz=False)
    assert_format_error(tmp_path, path, "truncated file")


@pytest.mark.parametrize("name", FILE_NAMES)
def test_trailing_bytes(tmp_path, name):
    path = corrupt_case(tmp_path, name, encode(small_arrays())[name] + b"\0")
    assert_format_error(tmp_path, path, "file too long")


def test_header_count_larger_than_data(tmp_path):
    train_x = small_arrays()[0]
    path = corrupt_case(tmp_path, TRAIN_IMAGES, idx_images(train_x, count=2**32 - 1))
    assert_format_error(tmp_path, path, "truncated file", "4294967295 images")


@pytest.mark.parametrize("pair", [(TRAIN_IMAGES, TRAIN_LABELS), (TEST_IMAGES, TEST_LABELS)])
def test_image_and_label_counts_differ(tmp_path, pair):
    images_name, labels_name = pair
    arrays = small_arrays()
    blobs = encode(arrays)
    labels = arrays[1] if labels_name == TRAIN_LABELS else arrays[3]
    blobs[labels_name] = idx_labels(labels[:-1])
    paths = write_files(tmp_path, blobs)
    message = assert_format_error(tmp_path, paths[labels_name], "counts differ")
    assert str(paths[images_name]) in message


@pytest.mark.parametrize("rows, cols", [(27, 28), (28, 29), (14, 56), (0, 0)])
def test_wrong_image_dimensions(tmp_path, rows, cols):
    train_x = small_arrays()[0]
    path = corrupt_case(tmp_path, TRAIN_IMAGES, idx_images(train_x, rows=rows, cols=cols))
    assert_format_error(tmp_path, path, f"wrong image dimensions {rows}x{cols}")


def test_label_out_of_range(tmp_path):
    labels = small_arrays()[3].copy()
    labels[2] = 10
    path = corrupt_case(tmp_path, TEST_LABELS, idx_labels(labels))
    assert_format_error(tmp_path, path, "label 10")


def write_with_raw_gz(tmp_path, name, gz_data):
    """A valid small MNIST whose ``name``.gz holds ``gz_data``; return that path."""
    blobs = encode(small_arrays())
    paths = write_files(tmp_path, blobs)
    paths[name].write_bytes(gz_data)
    return paths[name]


@pytest.mark.parametrize("name", FILE_NAMES)
def test_corrupt_gzip_body(tmp_path, name):
    packed = bytearray(gz_bytes(encode(small_arrays())[name]))
    middle = len(packed) // 2
    packed[middle : middle + 4] = bytes(255 - b for b in packed[middle : middle + 4])
    path = write_with_raw_gz(tmp_path, name, bytes(packed))
    assert_format_error(tmp_path, path, "corrupt gzip stream")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda packed: packed[:-10],  # cut inside the trailer
        lambda packed: packed[: len(packed) // 2],  # cut inside the deflate stream
        lambda packed: packed[:-8] + b"\0" * 8,  # wrong CRC and length
        lambda packed: b"not gzip at all",  # a raw file named .gz
        lambda packed: packed + b"junk",  # trailing garbage
    ],
    ids=["trailer", "half", "crc", "not-gzip", "garbage"],
)
def test_corrupt_gzip_framing(tmp_path, mangle):
    packed = gz_bytes(encode(small_arrays())[TRAIN_IMAGES])
    path = write_with_raw_gz(tmp_path, TRAIN_IMAGES, mangle(packed))
    assert_format_error(tmp_path, path, "corrupt gzip stream")


def test_uncompressed_data_in_gz_name(tmp_path):
    path = write_with_raw_gz(tmp_path, TEST_LABELS, encode(small_arrays())[TEST_LABELS])
    assert_format_error(tmp_path, path, "corrupt gzip stream")


# ------------------------------------------------------------------ property tests


def load_documented(directory, path):
    """Load ``directory``; any failure must be an MNISTFormatError that names ``path``."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            arrays = load_mnist(directory, quiet=True, download=False)
        except MNISTFormatError as err:
            assert str(path) in str(err)
            return None
    n_train, n_test = len(arrays[1]), len(arrays[3])
    assert [a.shape for a in arrays] == [(n_train, 784), (n_train,), (n_test, 784), (n_test,)]
    assert all(a.dtype == np.uint8 for a in arrays)
    assert all(a.max(initial=0) <= 9 for a in (arrays[1], arrays[3]))
    return arrays


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(FILE_NAMES),
    gz=st.booleans(),
    data=st.one_of(
        st.binary(max_size=64),
        # random bytes behind a plausible header, to get past the magic number
        st.builds(
            lambda magic, rest: magic.to_bytes(4, "big") + rest,
            st.sampled_from([2049, 2051]),
            st.binary(max_size=3200),
        ),
    ),
)
def test_random_bytes_raise_only_format_errors(tmp_path_factory, name, gz, data):
    directory = tmp_path_factory.mktemp("random", numbered=True)
    blobs = encode(small_arrays(n_train=3, n_test=2))
    blobs[name] = data
    path = write_files(directory, blobs, gz)[name]
    load_documented(directory, path)


mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 10**4), st.integers(0, 255)),
    st.tuples(st.just("cut"), st.integers(0, 10**4), st.just(0)),
    st.tuples(st.just("add"), st.integers(1, 2000), st.integers(0, 255)),
)


def mutate(data, operations):
    """Apply (kind, position, value) mutations to ``data`` (positions wrap around)."""
    data = bytearray(data)
    for kind, position, value in operations:
        if kind == "set" and data:
            data[position % len(data)] = value
        elif kind == "cut":
            del data[position % (len(data) + 1) :]
        elif kind == "add":
            data += bytes([value]) * position
    return bytes(data)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(FILE_NAMES),
    form=st.sampled_from(["raw", "gz", "mutate-gz"]),
    operations=st.lists(mutation, min_size=1, max_size=4),
)
def test_mutated_files_raise_only_format_errors(tmp_path_factory, name, form, operations):
    directory = tmp_path_factory.mktemp("mutated", numbered=True)
    blobs = encode(small_arrays(n_train=3, n_test=2))
    if form == "mutate-gz":
        paths = write_files(directory, blobs)
        paths[name].write_bytes(mutate(paths[name].read_bytes(), operations))
    else:
        blobs[name] = mutate(blobs[name], operations)
        paths = write_files(directory, blobs, gz=form == "gz")
    load_documented(directory, paths[name])
