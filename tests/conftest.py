"""Shared fixtures.

Tests that need the real MNIST files take the ``mnist_dir`` fixture. It reads the
``MNIST_DIR`` environment variable (CI sets it to ``../shared/mnist``). When the variable
is unset the test is skipped; when it is set but the files are not there, the test fails:
in CI no MNIST test may skip.
"""

import os
import socket
from pathlib import Path

# SciPy's array API support, which scikit-learn's array API dispatch (and its estimator
# checks on PyTorch and array-api-strict inputs) needs, is read when SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import matplotlib
import pytest

matplotlib.use("Agg")

MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


@pytest.fixture(scope="session")
def mnist_dir():
    value = os.environ.get("MNIST_DIR")
    if not value:
        pytest.skip("MNIST_DIR is not set (CI sets it to ../shared/mnist)")
    path = Path(value).expanduser().absolute()  # (tests run commands from other folders)
    missing = [
        name
        for name in MNIST_FILES
        if not (path / name).exists() and not (path / (name + ".gz")).exists()
    ]
    assert not missing, f"MNIST_DIR={value} lacks {missing}"
    return path


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Keep every test's MNIST cache out of the user's home (one cache per session)."""
    monkeypatch.setenv("ANN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "ann-cache"))


@pytest.fixture
def dead_url():
    """A URL on a local port that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
