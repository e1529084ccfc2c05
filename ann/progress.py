"""Progress bars for long runs (training, download, the first parse of MNIST).

A thin wrapper over tqdm so that every long loop in the package behaves the same way:
a bar on a terminal, nothing when ``quiet`` is true or when stderr is not a terminal
(a log file, CI, a test).
"""
from tqdm import tqdm


def progress_bar(iterable=None, *, total=None, desc=None, quiet=False, unit="it"):
    """Return a tqdm bar over ``iterable`` (or a manual one with ``total`` steps).

    ``quiet=True`` disables it; otherwise tqdm disables it by itself when the output
    is not a terminal (``disable=None``).
    """
    return tqdm(iterable, total=total, desc=desc, unit=unit,
                disable=True if quiet else None, leave=False, dynamic_ncols=True)
