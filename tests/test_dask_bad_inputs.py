"""Bad inputs of issue 20 that ann checks before it reads them (the same inputs crash,
or give errors that do not name them, with scikit-learn's own MLP).

1. A memory-mapped X whose file was truncated after it was mapped: reading the lost
   pages would kill the process with SIGBUS (return code -7), in ``fit``,
   ``partial_fit``, ``predict``, and through dask-ml's wrappers given the memmap itself.
   ``ann.validation.check_mapped`` walks ``X.base`` to the ``mmap.mmap`` and compares
   the file's size with the mapped extent. Each case runs in a subprocess, so that a
   crash fails the test instead of killing pytest.
2. A ``classes=`` argument that cannot be a list of classes: the error names
   ``classes`` (it said "y has 0 samples: []" for ``classes=[]``).
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ann

pytest.importorskip("sklearn")

# Writes a (2000, 3) float64 X to a file, maps it, truncates the file to 100 rows,
# then runs ACTION; prints "ExceptionType: message" or "no error".
TRUNCATED_MEMMAP = """
import os, sys, numpy as np, ann
path = sys.argv[1]
np.random.RandomState(0).randn(2000, 3).tofile(path)
y = np.arange(2000) % 2
fitted = ann.MLPClassifier(hidden_layer_sizes=(4,), max_iter=5).fit(np.zeros((4, 3)), [0, 1, 0, 1])
X = np.memmap(path, dtype=np.float64, mode="r", shape=(2000, 3))
os.truncate(path, 100 * 3 * 8)
try:
    {action}
except Exception as error:
    print(f"{{type(error).__name__}}: {{error}}")
else:
    print("no error")
"""

ACTIONS = {
    "fit": "ann.MLPClassifier(max_iter=2).fit(X, y)",
    "partial_fit": "ann.MLPClassifier().partial_fit(X, y, classes=[0, 1])",
    "predict": "fitted.predict(X)",
    "predict-view": "fitted.predict(X[1000:])",
    "predict-asarray": "fitted.predict(np.asarray(X))",
    "regressor-fit": "ann.MLPRegressor(max_iter=2).fit(X, y)",
    "incremental": (
        "from dask_ml.wrappers import Incremental; "
        "Incremental(ann.MLPClassifier()).fit(X, y, classes=[0, 1])"
    ),
    "parallel-post-fit": (
        "from dask_ml.wrappers import ParallelPostFit; ParallelPostFit(fitted).predict(X)"
    ),
}


@pytest.mark.parametrize("action", ACTIONS.values(), ids=ACTIONS.keys())
def test_truncated_memmap_is_named(tmp_path, action):
    if "dask_ml" in action:
        pytest.importorskip("dask_ml")
    path = tmp_path / "features.dat"
    code = textwrap.dedent(TRUNCATED_MEMMAP).format(action=action)
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"killed (return code {done.returncode}): {done.stderr[-500:]}"
    message = done.stdout.strip()
    assert message.startswith(("ValueError: ", "OSError: ")), message
    assert str(path) in message and ("truncated" in message or "shorter" in message), message


# Before the check: ValueError "y has 0 samples: []" (LabelBinarizer on classes),
# "Unknown label type: ([[0, 1, 2]],)", and "Input contains NaN." (y holds no NaN).
BAD_CLASSES = {
    "empty": ([], r"classes.*empty"),
    "2-D": ([[0, 1, 2]], r"classes.*(1-D|one-dimensional)"),
    "nan": ([0.0, 1.0, np.nan], r"classes.*NaN"),
}


@pytest.mark.parametrize("classes, pattern", BAD_CLASSES.values(), ids=BAD_CLASSES.keys())
def test_bad_classes_argument_is_named(classes, pattern):
    X = np.random.RandomState(0).randn(12, 3)
    y = np.arange(12) % 3
    with pytest.raises(ValueError, match=pattern):
        ann.MLPClassifier().partial_fit(X, y, classes=classes)
