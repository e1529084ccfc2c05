"""Progress bars for long runs (training, download, the first parse of MNIST).

A thin wrapper over ``tqdm.auto`` so that every long loop in the package behaves the
same way: a widget in a Jupyter notebook (when ``ipywidgets`` is installed), a text bar
on a terminal, and nothing when ``quiet`` is true or when stderr is neither (a log
file, CI, a test).
"""

import warnings

from tqdm import TqdmWarning

with warnings.catch_warnings():
    # In a notebook without ipywidgets, tqdm.auto warns at import and falls back to
    # text bars; importing ann should not print that.
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm


def progress_bar(iterable=None, *, total=None, desc=None, quiet=False, unit="it"):
    """Return a tqdm bar over ``iterable`` (or a manual one with ``total`` steps).

    ``quiet=True`` disables it; otherwise a text bar disables itself when stderr is not
    a terminal (``disable=None``), and a notebook widget always shows.
    """
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        disable=True if quiet else None,
        leave=False,
        dynamic_ncols=True,
    )
