"""Progress bars for long runs (training, download, the first parse of MNIST).

A thin wrapper over ``tqdm.auto`` so that every long loop in the package behaves the
same way: a widget in a Jupyter notebook (when ``ipywidgets`` is installed), a text bar
on a terminal, and nothing when ``quiet`` is true or when stderr is neither (a log
file, CI, a test).

``ProgressBar`` is the same bar as a training callback, for ``ANN(callbacks=[...])`` and
the scikit-learn estimators (``ann.MLPClassifier(callbacks=[ProgressBar()])``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import TqdmWarning

with warnings.catch_warnings():
    # In a notebook without ipywidgets, tqdm.auto warns at import and falls back to
    # text bars; importing ann should not print that.
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm

__all__ = ["ProgressBar", "callbacks_running", "progress_bar"]


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    total: float | None = None,
    desc: str | None = None,
    quiet: bool = False,
    unit: str = "it",
) -> tqdm:
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


class ProgressBar:
    """A training callback that shows a bar of epochs, made by ``progress_bar``.

    ``ANN(callbacks=[ProgressBar()])`` or ``MLPClassifier(callbacks=[ProgressBar()])``:
    after every epoch the bar advances by one, out of the epochs asked for (``ANN``'s
    ``n_iterations``, an estimator's ``max_iter``; 1 for ``partial_fit``), and shows the
    epoch's training ``loss``, with a validation set also the validation loss
    (``val_loss``) and score (``val_score``: accuracy, or an estimator regressor's R^2).
    The training loop calls ``start(n_epochs)`` before the first epoch and ``close`` when
    training ends, whether it ran every epoch, stopped early or failed; the bar opens at
    the end of the first epoch. The callback returns None, so it never stops training.
    One object serves fit after fit.

    ``ANN`` shows a bar of its own unless ``quiet=True``; the estimators never do.
    """

    def __init__(self, desc: str = "training") -> None:
        self.desc = desc
        self.bar: tqdm | None = None
        """The bar of the training under way; None between trainings."""
        self.total: int | None = None
        """The epochs the training under way asks for (None: not said)."""

    def start(self, n_epochs: int) -> None:
        """Training is about to run ``n_epochs`` epochs at most."""
        self.total = n_epochs

    def __call__(self, model: Any) -> None:
        """Count one epoch of ``model``: an ``ANN``, or an estimator such as
        ``ann.MLPClassifier``."""
        if self.bar is None:
            self.bar = progress_bar(total=self.total, desc=self.desc, unit="epoch")
        self.bar.set_postfix(_postfix(model), refresh=False)
        self.bar.update()

    def close(self) -> None:
        """Close the bar (it disappears); the next epoch opens a new one."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(desc={self.desc!r})"


def _postfix(model: Any) -> dict[str, str]:
    """The last epoch's training loss, and validation loss and score when known: an
    estimator's score is its own (accuracy or R^2, weighted); an ANN's is accuracy."""
    if hasattr(model, "loss_curve_"):
        losses, val_losses = model.loss_curve_, model.validation_loss_curve_
        scores = model.validation_scores_
    else:
        losses, val_losses = model.costs, model.history["val_cost"]
        scores = model.history["val_accuracy"]
    postfix = {"loss": f"{losses[-1]:.4g}"}
    if val_losses:
        postfix["val_loss"] = f"{val_losses[-1]:.4g}"
    if scores:
        postfix["val_score"] = f"{scores[-1]:.4g}"
    return postfix


@contextmanager
def callbacks_running(callbacks: Iterable[object], n_epochs: int) -> Iterator[None]:
    """Around a training of at most ``n_epochs`` epochs: first call ``start(n_epochs)``
    on each of ``callbacks`` that has one, and on leaving the block (training done,
    stopped early or failed) ``close()`` on each that has one, such as a
    ``ProgressBar``."""
    callbacks = list(callbacks)
    for callback in callbacks:
        start = getattr(callback, "start", None)
        if callable(start):
            start(n_epochs)
    try:
        yield
    finally:
        for callback in callbacks:
            close = getattr(callback, "close", None)
            if callable(close):
                close()
