"""The classic fully connected MNIST results, reproduced and beaten: one table.

``ann-classics`` (or ``python -m scripts.classics``) trains every row of
``settings.ROWS`` twice, with the published settings
and with a modern ``ann`` configuration of the same architecture, each with three seeds,
and prints a Markdown table: source, network, published figure, ``ann`` with the
published settings, ``ann`` modern (median of the seeds, min-max in brackets), and the
median training time of one run on this machine. Examples::

    ann-classics                                  # every row (hours)
    ann-classics --rows nielsen1 lecun300 --seeds 1 2 3
    ann-classics --quick                          # seconds: a smoke test
    ann-classics --search lecun300 --settings modern   # its search
    ann-classics --rows hinton800 --json results/classics.json
    ann-classics --table-only                     # the table of results/classics.json
    ann-classics --check --rows lecun300          # re-run seed 1, compare with the record
    ann-classics --device cuda --json results/classics-gpu.json   # the table on a GPU

The record. ``--json PATH`` adds each run to the JSON record PATH as soon as it ends (a
run replaces the recorded one of the same row, setting, seed and settings) and prints
the table of every recorded run with the script's current settings, so a table too long
for one sitting fills in across sessions; ``--table-only`` prints it without training.
A cell no run fills reads "not run". ``--table-only``, ``--missing`` and ``--check``
use the repository's ``results/classics.json`` unless ``--json`` names another record.
Each run stores the code that produced it (the git commit, Python, NumPy and its BLAS),
and the table says which code its figures come from; float32 training amplifies
rounding, so a change of arithmetic (an operation's order, a block size, another BLAS)
moves the figures. ``--check`` re-trains recorded runs (seed 1 of each row and setting
by default) and reports each difference from the record.

Data. Nielsen's rows use his split: the first 50,000 training images to train, images
50,000-59,999 as validation images. The other rows train on all 60,000 training images.
Every figure is what the source reports: for Nielsen ch. 1 the test accuracy of the best
of the 30 epochs (the test set is scored after each epoch, as his ``network.py`` does),
for Nielsen ch. 3 the accuracy on the validation images after the last epoch, otherwise
the test error after the last epoch. The modern runs on Nielsen ch. 1's rows report the
test accuracy after the last epoch: no epoch is picked on the test set.

Hyperparameters (the tables of ``ann/commands/classics/settings.py``). The published settings
are the paper's; where a paper leaves a value open or its recipe runs for far longer than
the budget, ``PAPER`` says what stands in for it. The modern settings (``MODERN``) are
chosen by ``--search ROW --settings modern``, which trains on the first 50,000 training
images and scores the validation images 50,000-59,999: the search never loads the test
set, and the table scores it once per run. The comment on each ``MODERN`` entry gives
its search's result; the comment on ``PAPER`` says which of its learning rates (where a
paper leaves the value open) were searched the same way.

Threads. The runs use one BLAS thread (``--blas-threads``): on this shared 2-core machine
one thread was 2.6 to 10 times faster than two for every network here (their matrices are
small, and a second thread waits for a busy core).

Devices. ``--device cpu`` trains every run on PyTorch tensors on the CPU (PyTorch's own
threads: one per core unless ``--blas-threads`` says), ``--device cuda`` on a GPU (also
``cuda:N``, ``mps``, ``cupy``; see ``ann/commands/_device.py``); without it the runs train on
NumPy arrays. Each run records its device in its provenance, and the table names it.

Time. Each run stops after ``--budget`` seconds of training (default: the row's), so the
full table takes a bounded time; a figure whose run hit the budget is marked with ``*``.

The package: ``settings`` (the rows and their settings), ``training`` (data splits,
budget, runs), ``record`` (the JSON record), ``tables`` (what is printed), ``check``
(``--check``) and ``command`` (the command line).
"""
