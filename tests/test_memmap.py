"""Data beyond memory: a memory-mapped uint8 array trains and predicts without a float
copy of it (each block is converted, and divided by ``input_divisor``, as it goes), and a
map whose file was truncated gives a clear error instead of killing the process."""

import subprocess
import sys
import textwrap
import tracemalloc
from contextlib import nullcontext

import numpy as np
import pytest

from ann import ANN, core
from ann.data import pre_process_data


@pytest.fixture
def pixels(tmp_path):
    """A (100000, 64) uint8 memmap (6.4 MB; 51 MB as float64) and its labels."""
    rng = np.random.RandomState(0)
    path = tmp_path / "x.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(100000, 64))
    X[:] = rng.randint(0, 256, X.shape)
    y = (X[:, :32].sum(axis=1, dtype=int) > X[:, 32:].sum(axis=1, dtype=int)).astype(int)
    X.flush()
    del X
    return np.load(path, mmap_mode="r"), y


@pytest.mark.parametrize("settings", [dict(), dict(optimizer="adam", batch_size=200)])
def test_a_uint8_memmap_is_never_converted_whole(pixels, settings):
    X, y = pixels
    model = ANN([16, 1], n_iterations=2, learning_rate=0.1, input_divisor=255, quiet=True)
    model.set_params(**settings)
    tracemalloc.start()
    try:
        model.fit(X, y)
        fit_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        model.predict(X)
        predict_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # at most a few blocks of core.CHUNK samples in float64, far from a copy of X
    blocks = 4 * core.CHUNK * X.shape[1] * 8
    assert fit_peak < min(blocks, X.size * 8 / 3), f"fit allocated {fit_peak} bytes"
    assert predict_peak < min(blocks, X.size * 8 / 3), f"predict allocated {predict_peak} bytes"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_input_divisor_gives_pre_process_datas_numbers(pixels, dtype):
    X, y = pixels
    X, y = np.asarray(X[:3000]), y[:3000]
    settings = dict(optimizer="adam", batch_size=100, n_iterations=2, dtype=dtype, quiet=True)
    scaled, _ = pre_process_data(X, X[:1], dtype=dtype)
    reference = ANN([8, 1], **settings).fit(scaled, y)
    divided = ANN([8, 1], input_divisor=255, **settings).fit(X, y)
    assert divided.costs == reference.costs
    assert np.array_equal(divided.parameters.flat, reference.parameters.flat)
    assert np.array_equal(divided.predict_proba(X), reference.predict_proba(scaled))
    A, _ = divided.forward(X[:5])
    assert np.array_equal(A, reference.forward(scaled[:5])[0])


def test_input_divisor_is_checked_and_saved(pixels, tmp_path):
    with pytest.raises(ValueError, match="input_divisor must be a finite number"):
        ANN([4, 1], input_divisor=0)
    with pytest.raises(TypeError, match="input_divisor must be a number"):
        ANN([4, 1], input_divisor="255")
    X, y = pixels
    model = ANN([4, 1], input_divisor=255, n_iterations=2, quiet=True).fit(X[:500], y[:500])
    model.save(tmp_path / "m.npz")
    loaded = ANN.load(tmp_path / "m.npz")
    assert loaded.input_divisor == 255
    assert np.array_equal(loaded.predict_proba(X[:500]), model.predict_proba(X[:500]))
    model.set_params(input_divisor=128)  # the parameters were fitted to the old scale
    with pytest.raises(AttributeError, match="set_params changed input_divisor"):
        model.predict(X[:5])


TRUNCATED = """
import os, sys, numpy as np
from ann import ANN
path = sys.argv[1]
np.random.RandomState(0).randn(2000, 3).tofile(path)
fitted = ANN([2, 1], n_iterations=1, quiet=True).fit(np.zeros((4, 3)), [0, 1, 0, 1])
X = np.memmap(path, dtype=np.float64, mode="r", shape=(2000, 3))
os.truncate(path, 100 * 3 * 8)
try:
    {action}
except ValueError as error:
    print(error)
"""


@pytest.mark.parametrize(
    "action",
    [
        "ANN([3, 1], quiet=True).fit(X, np.arange(2000) % 2)",
        "fitted.predict(X[1500:])",
        "fitted.predict_proba(np.asarray(X))",
    ],
)
def test_a_truncated_memmap_is_a_clear_error_not_a_crash(tmp_path, action):
    script = textwrap.dedent(TRUNCATED.format(action=action))
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "x.bin")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"the process died ({done.returncode}): {done.stderr[-500:]}"
    assert "which was truncated after it was mapped" in done.stdout
    assert str(tmp_path / "x.bin") in done.stdout
    assert "the file has 2400 bytes" in done.stdout


def test_the_estimators_keep_few_arrays_of_one_value_per_sample(tmp_path):
    """With few features, the arrays of one value per sample (labels, targets, the
    shuffled order, the outputs) dominate: a fit, a partial_fit and a predict on a
    uint8 memmap each hold about three of them in float64 or int64 at once
    (LabelBinarizer's encoding and a shuffle by permutation took seven)."""
    from ann import MLPClassifier

    n = 200_000
    path = tmp_path / "narrow.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, 5))
    X[:] = np.random.RandomState(0).randint(0, 256, X.shape)
    X.flush()
    del X
    X, y = np.load(path, mmap_mode="r"), np.arange(n) % 2
    model = MLPClassifier(hidden_layer_sizes=(10,), max_iter=1, batch_size=1000, random_state=0)
    peaks = {}
    tracemalloc.start()
    try:
        for name, call in [
            ("fit", lambda: model.fit(X, y)),
            ("partial_fit", lambda: model.partial_fit(X, y)),
            ("predict", lambda: model.predict(X)),
        ]:
            tracemalloc.reset_peak()
            with pytest.warns() if name == "fit" else nullcontext():
                call()
            peaks[name] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    for name, peak in peaks.items():
        assert peak < 3.5 * 8 * n, f"{name} allocated {peak / (8 * n):.1f} arrays of n numbers"
