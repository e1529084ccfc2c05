"""ann.progress.progress_bar: tqdm.auto's bar (a widget in Jupyter), shown on a
terminal, silent when quiet or when stderr is a file; ProgressBar, the same bar as a
training callback."""

import io
import sys
import warnings

import nbformat
import numpy as np
import pytest
import tqdm.auto

from ann import ANN, MLPClassifier, MLPRegressor
from ann.progress import ProgressBar, progress_bar


class Terminal(io.StringIO):
    """A stderr that says it is a terminal and keeps what is written to it."""

    def isatty(self):
        return True


def test_a_terminal_gets_a_bar(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(range(3), desc="training", unit="epoch") as bar:
        assert not bar.disable  # (closing disables any bar)
        assert list(bar) == [0, 1, 2]
    assert "training" in terminal.getvalue() and "0/3" in terminal.getvalue()
    assert "epoch" in terminal.getvalue()


def test_quiet_means_no_bar_even_on_a_terminal(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar(range(3), quiet=True) as bar:
        assert bar.disable
        assert list(bar) == [0, 1, 2]
    assert terminal.getvalue() == ""


def test_no_bar_when_stderr_is_a_file(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    with progress_bar(total=5, desc="Parsing MNIST", unit="img") as bar:
        assert bar.disable
        bar.update(5)
    assert log.getvalue() == ""


def test_the_bar_is_tqdm_auto():
    """tqdm.auto picks the notebook widget in Jupyter and the text bar elsewhere."""
    with progress_bar(range(2), quiet=True) as bar:
        assert isinstance(bar, tqdm.auto.tqdm)


def test_in_a_notebook_kernel_it_imports_without_warnings():
    """Run in a real Jupyter kernel: the bar is tqdm.auto's and nothing goes to stderr
    (without ipywidgets tqdm.auto would warn on import)."""
    from nbclient import NotebookClient

    source = (
        "import warnings\n"
        "warnings.simplefilter('always')\n"
        "from ann.progress import progress_bar\n"
        "import tqdm.auto\n"
        "bar = progress_bar(range(3), desc='training')\n"
        "print(isinstance(bar, tqdm.auto.tqdm), list(bar))\n"
        "bar.close()"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(notebook, kernel_name="python3", timeout=60).execute()
    outputs = notebook.cells[0].outputs
    streams = {output.name: output.text for output in outputs if output.output_type == "stream"}
    assert streams.get("stdout") == "True [0, 1, 2]\n"
    assert "stderr" not in streams and all(o.output_type != "error" for o in outputs)


# ------------------------------------------------------------------ ProgressBar


def small_problem():
    """60 samples of 3 features, labelled by the sign of the first."""
    X = np.random.default_rng(0).normal(size=(60, 3))
    return X, (X[:, 0] > 0).astype(int)


class Spy:
    """A callback placed after a ProgressBar: after every epoch it redraws the bar (which
    by itself redraws at most every 0.1 s) and records it, its count and its postfix."""

    def __init__(self, progress):
        self.progress = progress
        self.bars, self.counts, self.postfixes = [], [], []

    def __call__(self, model):
        bar = self.progress.bar
        bar.refresh()
        self.bars.append(bar)
        self.counts.append(bar.n)
        self.postfixes.append(bar.postfix)


def on_a_terminal(monkeypatch):
    """Make stderr a ``Terminal`` and return it (inside the test: pytest resets stderr
    between a fixture's setup and the test)."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    return terminal


def test_the_callback_counts_the_epochs_of_an_ann_and_shows_the_loss(monkeypatch):
    terminal = on_a_terminal(monkeypatch)
    X, y = small_problem()
    progress = ProgressBar()
    spy = Spy(progress)
    model = ANN([4, 1], n_iterations=5, quiet=True, callbacks=[progress, spy]).fit(X, y)
    assert spy.counts == [1, 2, 3, 4, 5]
    bar = spy.bars[0]
    assert all(other is bar for other in spy.bars) and bar.total == 5
    assert spy.postfixes[-1] == f"loss={model.costs[-1]:.4g}"
    shown = terminal.getvalue()
    assert "training" in shown and "5/5" in shown and "epoch" in shown
    assert f"loss={model.costs[-1]:.4g}" in shown
    # closed once training ends (closing disables a bar), ready for the next fit
    assert progress.bar is None and bar.disable


def test_one_callback_serves_fit_after_fit(monkeypatch):
    on_a_terminal(monkeypatch)
    X, y = small_problem()
    progress = ProgressBar()
    spy = Spy(progress)
    model = ANN([4, 1], n_iterations=3, quiet=True, callbacks=[progress, spy])
    model.fit(X, y).fit(X, y)
    assert spy.counts == [1, 2, 3, 1, 2, 3]
    first, second = spy.bars[0], spy.bars[-1]
    assert first is not second and first.disable and second.disable
    assert progress.bar is None


def test_the_bar_closes_when_early_stopping_ends_training(monkeypatch):
    on_a_terminal(monkeypatch)
    X, _ = small_problem()
    noise = np.random.default_rng(1).integers(0, 2, len(X))  # the validation cost soon rises
    progress = ProgressBar()
    spy = Spy(progress)
    model = ANN(
        [4, 1],
        learning_rate=0.5,
        n_iterations=500,
        early_stopping=True,
        patience=2,
        quiet=True,
        callbacks=[progress, spy],
    ).fit(X, noise)
    assert model.n_iter_ < 500
    assert spy.counts == list(range(1, model.n_iter_ + 1))
    assert spy.bars[0].total == 500
    postfix = spy.postfixes[-1]
    assert f"val_loss={model.history['val_cost'][-1]:.4g}" in postfix
    assert f"val_score={model.history['val_accuracy'][-1]:.4g}" in postfix
    assert progress.bar is None and spy.bars[0].disable


def test_the_bar_closes_when_training_fails(monkeypatch):
    on_a_terminal(monkeypatch)
    X, y = small_problem()
    progress = ProgressBar()
    opened = []

    def fail(model):
        opened.append(progress.bar)
        raise RuntimeError("a callback failed")

    model = ANN([4, 1], n_iterations=5, quiet=True, callbacks=[progress, fail])
    with pytest.raises(RuntimeError, match="a callback failed"):
        model.fit(X, y)
    assert opened[0] is not None and opened[0].disable
    assert progress.bar is None


def test_returning_nothing_never_stops_training(monkeypatch):
    on_a_terminal(monkeypatch)
    X, y = small_problem()
    progress = ProgressBar()
    model = ANN([4, 1], n_iterations=7, quiet=True, callbacks=[progress]).fit(X, y)
    assert model.n_iter_ == 7 and len(model.costs) == 7
    assert progress(model) is None
    progress.close()


def test_an_estimator_gets_a_bar_of_max_iter_epochs_with_its_validation_score(monkeypatch):
    terminal = on_a_terminal(monkeypatch)
    X, y = small_problem()
    progress = ProgressBar()
    spy = Spy(progress)
    classifier = MLPClassifier(
        hidden_layer_sizes=(4,),
        max_iter=300,
        early_stopping=True,
        n_iter_no_change=2,
        random_state=0,
        callbacks=[progress, spy],
    ).fit(X, y)
    assert classifier.n_iter_ < 300  # scikit-learn's rule stopped it, not the bar
    assert spy.counts == list(range(1, classifier.n_iter_ + 1))
    assert spy.bars[0].total == 300
    assert spy.postfixes[-1] == (
        f"loss={classifier.loss_curve_[-1]:.4g}, "
        f"val_loss={classifier.validation_loss_curve_[-1]:.4g}, "
        f"val_score={classifier.validation_scores_[-1]:.4g}"
    )
    assert f"loss={classifier.loss_curve_[-1]:.4g}" in terminal.getvalue()
    assert progress.bar is None and spy.bars[0].disable


def test_an_estimator_without_validation_shows_the_loss_and_partial_fit_one_epoch(monkeypatch):
    on_a_terminal(monkeypatch)
    X, _ = small_problem()
    progress = ProgressBar()
    spy = Spy(progress)
    regressor = MLPRegressor(
        hidden_layer_sizes=(4,), max_iter=4, random_state=0, callbacks=[progress, spy]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: 4 epochs are few
        regressor.fit(X, X[:, 0])
    assert spy.counts == [1, 2, 3, 4] and spy.bars[0].total == 4
    assert spy.postfixes[-1] == f"loss={regressor.loss_curve_[-1]:.4g}"
    regressor.partial_fit(X, X[:, 0])
    assert spy.counts[-1] == 1 and spy.bars[-1].total == 1
    assert progress.bar is None and spy.bars[-1].disable
