"""Pictures of a model and its training, each returned as a matplotlib Figure.

Every function works headless (nothing is shown; use the Agg backend in scripts) and
saves the figure when given a ``path``, through a temporary file and a rename.
"""
from pathlib import Path

from matplotlib.figure import Figure

from .files import atomic_path


def save_figure(figure, path, dpi=100):
    """Write ``figure`` to ``path`` (format from the suffix, PNG by default)."""
    path = Path(path)
    suffix = path.suffix or ".png"
    with atomic_path(path, suffix=suffix) as temporary:
        figure.savefig(temporary, dpi=dpi, format=suffix[1:])
    return path


def plot_cost(model, path=None):
    """The training cost per iteration (epoch) of a fitted ``model``, with the
    validation cost when there is one and accuracies on a second axis when known."""
    history = getattr(model, "history", None)
    if not getattr(model, "costs", None) or history is None:
        raise ValueError("the model has no cost history: fit it first")
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    axes = figure.add_subplot()
    epochs = range(len(model.costs))
    axes.plot(epochs, model.costs, label="training cost", color="tab:blue")
    if history.get("val_cost"):
        axes.plot(epochs, history["val_cost"], label="validation cost", color="tab:orange")
    axes.set_xlabel("iteration" if model.batch_size is None else "epoch")
    axes.set_ylabel("cost")
    axes.set_title(f"Cost of {model!r}"[:90])
    handles, labels = axes.get_legend_handles_labels()
    if history.get("accuracy"):
        right = axes.twinx()
        right.plot(epochs, history["accuracy"], "--", color="tab:green",
                   label="training accuracy")
        if history.get("val_accuracy"):
            right.plot(epochs, history["val_accuracy"], "--", color="tab:red",
                       label="validation accuracy")
        right.set_ylabel("accuracy")
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes.legend(handles, labels, loc="center right")
    if path is not None:
        save_figure(figure, path)
    return figure
