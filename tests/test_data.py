"""ann.data on the real MNIST files, the dataset builders and pre_process_data.

The other ``test_data_*.py`` files cover the IDX reader, the cache and the download.
"""

import numpy as np
import pytest
from test_data_helpers import small_arrays, write_small_mnist

import ann.idx
from ann.data import get_binary_dataset, get_dataset, load_mnist, pre_process_data

TRAIN_MEAN = 0.1306604762738429
TRAIN_STD = 0.3081078038564622


@pytest.fixture(scope="session")
def real_mnist(mnist_dir, tmp_path_factory):
    """The real MNIST arrays, parsed once per session (this fixture runs before the
    autouse cache fixture, so it points the cache at the same session folder itself)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ann-cache"))
        return load_mnist(mnist_dir, quiet=True)


def reference_subset(x, y, digits, rng):
    """The tutorial's recipe, written out independently of ann.data."""
    index = np.concatenate([np.where(y == digit)[0] for digit in digits])
    rng.shuffle(index)
    return x[index], y[index]


def reference_dataset(arrays, digits, seed):
    train_x, train_y, test_x, test_y = arrays
    rng = np.random.RandomState(seed)
    return (
        *reference_subset(train_x, train_y, digits, rng),
        *reference_subset(test_x, test_y, digits, rng),
    )


def assert_same(arrays, expected):
    assert len(arrays) == len(expected)
    for got, want in zip(arrays, expected):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ real MNIST


def test_real_shapes_and_dtypes(real_mnist):
    assert [a.shape for a in real_mnist] == [(60000, 784), (60000,), (10000, 784), (10000,)]
    assert all(a.dtype == np.uint8 for a in real_mnist)


def test_real_label_counts(real_mnist):
    _, train_y, _, test_y = real_mnist
    assert np.bincount(train_y).tolist()[5] == 5421
    assert np.bincount(train_y).tolist()[8] == 5851
    assert np.bincount(test_y).tolist()[5] == 892
    assert np.bincount(test_y).tolist()[8] == 974
    assert len(np.bincount(train_y)) == len(np.bincount(test_y)) == 10


def test_real_pixel_statistics(real_mnist):
    train, test = pre_process_data(real_mnist[0], real_mnist[2])
    assert train.dtype == np.float64 and test.dtype == np.float64
    mean = train.mean()
    assert mean == pytest.approx(TRAIN_MEAN, rel=1e-12)
    flat = train.ravel()
    std = np.sqrt(flat @ flat / flat.size - mean * mean)  # no temporary copies, unlike .std()
    assert std == pytest.approx(TRAIN_STD, rel=1e-10)
    assert train.min() == 0.0 and train.max() == 1.0


def test_real_warm_load_uses_the_cache(real_mnist, mnist_dir, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("python-mnist was called although the cache is fresh")

    monkeypatch.setattr(ann.idx, "MNIST", fail)
    assert_same(load_mnist(mnist_dir, quiet=True), real_mnist)


def test_real_binary_dataset(real_mnist, mnist_dir):
    train_x, train_y, test_x, test_y = get_binary_dataset(data_dir=mnist_dir)
    assert train_x.shape == (11272, 784) and test_x.shape == (1866, 784)
    assert train_x.dtype == np.uint8 and train_y.dtype == np.uint8
    assert np.bincount(train_y).tolist() == [5421, 5851]
    assert np.bincount(test_y).tolist() == [892, 974]
    ref_train_x, ref_train_y, ref_test_x, ref_test_y = reference_dataset(real_mnist, (5, 8), 1)
    assert_same((train_x, test_x), (ref_train_x, ref_test_x))
    np.testing.assert_array_equal(train_y, (ref_train_y == 8).astype(np.uint8))
    np.testing.assert_array_equal(test_y, (ref_test_y == 8).astype(np.uint8))


def test_real_binary_dataset_label_mapping_follows_digit_order(real_mnist, mnist_dir):
    _, train_y, _, _ = get_binary_dataset((8, 5), data_dir=mnist_dir)
    assert np.bincount(train_y).tolist() == [5851, 5421]


def test_real_full_dataset(real_mnist, mnist_dir):
    dataset = get_dataset(data_dir=mnist_dir)
    assert_same(dataset, reference_dataset(real_mnist, range(10), 1))
    assert sorted(dataset[1].tolist()) == sorted(real_mnist[1].tolist())


def test_real_dataset_subset_and_seed(real_mnist, mnist_dir):
    dataset = get_dataset((3, 1, 7), data_dir=mnist_dir, seed=42)
    assert_same(dataset, reference_dataset(real_mnist, (3, 1, 7), 42))
    assert set(dataset[1].tolist()) == {1, 3, 7}


def test_global_random_state_untouched(real_mnist, mnist_dir):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    get_binary_dataset(data_dir=mnist_dir)
    get_dataset(data_dir=mnist_dir)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


# ------------------------------------------------------------------ small data


@pytest.fixture
def small_dir(tmp_path):
    """A small MNIST whose training set has 100 samples, ten of each digit."""
    arrays = small_arrays(n_train=100, n_test=30)
    write_small_mnist(tmp_path, arrays=arrays)
    return tmp_path, arrays


def test_small_binary_dataset_order(small_dir):
    directory, arrays = small_dir
    got = get_binary_dataset((2, 7), data_dir=directory, seed=5)
    train_x, train_y, test_x, test_y = reference_dataset(arrays, (2, 7), 5)
    assert_same(
        got, (train_x, (train_y == 7).astype(np.uint8), test_x, (test_y == 7).astype(np.uint8))
    )
    assert len(got[0]) == 20 and len(got[2]) == 6


def test_data_dir_argument_is_used(small_dir, monkeypatch):
    directory, _arrays = small_dir
    monkeypatch.setenv("MNIST_DIR", str(directory / "elsewhere"))
    assert len(get_dataset(data_dir=directory)[0]) == 100


@pytest.mark.parametrize(
    "digits, error",
    [
        ((5,), ValueError),
        ((5, 8, 3), ValueError),
        ((5, 5), ValueError),
        ((5, 10), ValueError),
        ((-1, 3), ValueError),
        ((5.0, 8), ValueError),
        ((True, 8), ValueError),
        ("58", TypeError),
        (5, TypeError),
        (None, TypeError),
    ],
)
def test_binary_dataset_rejects_bad_digits(digits, error):
    with pytest.raises(error, match="digits"):
        get_binary_dataset(digits, data_dir="/nonexistent")


@pytest.mark.parametrize("digits", [(), (4,), (1, 1, 2), (0, 10), ("1", 2)])
def test_dataset_rejects_bad_digits(digits):
    with pytest.raises(ValueError, match="digits"):
        get_dataset(digits, data_dir="/nonexistent")


@pytest.mark.parametrize(
    "seed,error",
    [
        (-1, ValueError),
        (2**32, ValueError),
        (1.5, TypeError),
        ("1", TypeError),
        (None, TypeError),
        (True, TypeError),
    ],
)
def test_rejects_bad_seed(seed, error):
    with pytest.raises(error, match="seed"):
        get_binary_dataset(seed=seed, data_dir="/nonexistent")
    with pytest.raises(error, match="seed"):
        get_dataset(seed=seed, data_dir="/nonexistent")


def test_numpy_integers_are_accepted(small_dir):
    directory, arrays = small_dir
    got = get_dataset(np.array([4, 2]), data_dir=directory, seed=np.int64(3))
    assert_same(got, reference_dataset(arrays, (4, 2), 3))


# ------------------------------------------------------------------ pre_process_data


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", np.dtype("float64")])
def test_pre_process_scales_to_unit_interval(dtype):
    train = np.array([[0, 51, 255]], dtype=np.uint8)
    test = np.array([[255, 0, 102], [1, 2, 3]], dtype=np.uint8)
    scaled_train, scaled_test = pre_process_data(train, test, dtype)
    assert scaled_train.dtype == np.dtype(dtype) and scaled_test.dtype == np.dtype(dtype)
    np.testing.assert_allclose(scaled_train, [[0, 0.2, 1]], rtol=1e-6)
    np.testing.assert_allclose(scaled_test, test / 255, rtol=1e-6)
    assert train.tolist() == [[0, 51, 255]]  # inputs untouched


def test_pre_process_accepts_other_numeric_types():
    train = np.array([[0, 255]], dtype=np.int64)
    test = np.array([[127.5, 0.0]], dtype=np.float32)
    scaled_train, scaled_test = pre_process_data(train, test)
    np.testing.assert_allclose(scaled_train, [[0, 1]])
    np.testing.assert_allclose(scaled_test, [[0.5, 0]])


GOOD = np.zeros((2, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    "train, test, dtype, error, pattern",
    [
        ([[0, 1, 2]], GOOD, np.float64, TypeError, "train_x must be a NumPy array"),
        (GOOD, GOOD.astype(bool), np.float64, TypeError, "test_x must hold"),
        (GOOD.astype(object), GOOD, np.float64, TypeError, "train_x must hold"),
        (GOOD.astype(complex), GOOD, np.float64, TypeError, "train_x must hold"),
        (GOOD[0], GOOD, np.float64, ValueError, "2-D"),
        (GOOD, GOOD[None], np.float64, ValueError, "2-D"),
        (GOOD, np.zeros((2, 4), np.uint8), np.float64, ValueError, "features"),
        (np.array([[np.nan, 0, 0]]), GOOD, np.float64, ValueError, "NaN"),
        (GOOD, np.array([[0, 256, 0]]), np.float64, ValueError, "outside 0..255"),
        (np.array([[0, -1, 0]]), GOOD, np.float64, ValueError, "outside 0..255"),
        (np.array([[0, np.inf, 0]]), GOOD, np.float64, ValueError, "outside 0..255"),
        (GOOD, GOOD, np.float16, TypeError, "float32 or float64"),
        (GOOD, GOOD, np.int32, TypeError, "float32 or float64"),
        (GOOD, GOOD, "no such type", TypeError, "float32 or float64"),
    ],
)
def test_pre_process_rejects_bad_input(train, test, dtype, error, pattern):
    with pytest.raises(error, match=pattern):
        pre_process_data(train, test, dtype)
