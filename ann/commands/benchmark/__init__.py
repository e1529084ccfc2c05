"""Benchmark of ``ann`` against the unavoidable work, the tutorial's code and its peers.

Run ``ann-benchmark`` or ``python -m scripts.benchmark`` (the full run, several minutes,
for people), or add ``--quick`` (under a minute, CI's smoke test: subsets and few
repeats, so its targets are measured but not judged). It prints the machine, then one
table, and with ``--json PATH`` writes the same numbers as JSON (no file without it).
MNIST is read from ``--data-dir``, else ``$MNIST_DIR``.

The package: ``harness`` (the report, the targets, timing, the machine, the data),
``peers`` (which peers run, and their reference loops), one module per section below,
and ``command`` (the command line). ``versus`` is a command of its own,
``python -m scripts.benchmark.versus OLD_REF [NEW_REF]``: the engine of two git refs (or
a ref and the working tree) timed against each other in one process, in alternating
rounds, and checked to give the same bits.

Every comparison is made in one run, on the same data, in the same process: the
measurements of a section are taken round-robin (one of each, then again), after a
warm-up, and the table gives medians. A ratio is the median over the rounds of the
round's time divided by the reference's time in the same round, so that a change of
load on a shared machine moves both alike.

Sections:

* ``fullbatch``: one full-batch iteration of the tutorial's task (784-196-1 sigmoid, the
  11272 training images of 5 and 8). The floor is its two large matrix products,
  ``W1 @ A0`` (forward) and ``dZ1 @ A0.T`` (``dW1``, backward), about 6.9 GFLOP.
  ``ANN`` is timed inside ``fit`` (everything fit does per iteration), float64 and
  float32; then the tutorial's algorithm as written in the article (the baseline),
  scikit-learn's MLPClassifier and PyTorch when they run.
* ``minibatch``: one epoch of mini-batch SGD (batch 64 and 256, float64 and float32)
  against the epoch's floor (the same two products summed over its batches).
* ``identical``: identical settings on all ten digits: 784-100-10 ReLU, Adam (lr 0.001,
  scikit-learn's betas and epsilon), the same epochs, at batch 32, 64, 200, 256 and the
  full batch, float64 and float32. For each: the floor (the matrix products of one
  epoch at that batch size that no implementation can avoid, timed alone on
  preallocated arrays), then the time per epoch and the final test accuracy of
  ``ANN``, scikit-learn's MLPClassifier and PyTorch (round-robin, every ratio taken
  round by round), and, when the package has it, ``ann.MLPClassifier`` at
  scikit-learn's defaults (batch 200, float64 data, as is and with
  ``dtype="float32"``). Printed as a table per dtype, with the targets.
* ``accuracy``: time to accuracy (training time, evaluation excluded, until the test
  accuracy checked after each epoch first reaches the bar) for ``accuracy.CONFIGS`` and
  for PyTorch and scikit-learn's default MLPClassifier when they run; each figure is
  the median over the seeds ``SEEDS``.
* ``load``: ``load_mnist`` with an empty cache (cold) and with the cache (warm).
* ``tree``: the tree engine's forward + backward at 1x, 2x and 4x nodes.
* ``memory``: peak resident memory of the tutorial's default training run (warm data
  cache: load 5 vs 8, pre-process, fit a few iterations), measured in a subprocess
  above the interpreter's baseline, against the budget.

On request only (``--sections device``, ``--sections threads``; minutes on a 2-core CPU):

* ``device``: ``ann`` on NumPy, PyTorch CPU, PyTorch CUDA and CuPy (those present; the
  others NOT RUN, with the reason) beside PyTorch's own training loop at identical
  settings, for the article's network (per full-batch iteration), 784-100-10 Adam batch
  200 and 784-800-800-10 dropout batch 100 (per epoch), with the targets of issue 20
  (see ``device.py``). A GPU machine runs it as
  ``python -m scripts.benchmark --sections device --json $OUT/device.json``.
* ``threads``: ``ann``'s own choice of threads (``ann.threads``) against 1 thread and
  every usable CPU, for the article's full batch, 784-100-10 Adam at batch 200 and 32,
  ``ann.MLPClassifier()`` and the ``fast`` preset, each on a quiet machine, with one
  core busy and with every core busy (CPU-bound child processes that the section starts
  and stops), with the target of issue 25 (see ``threads.py``).
"""

import os

# scikit-learn's array API dispatch (the device section's ann.MLPClassifier on PyTorch
# tensors) needs SciPy's, which is read when SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
