"""ann.progress.progress_bar: tqdm.auto's bar (a widget in Jupyter), shown on a
terminal, silent when quiet or when stderr is a file."""

import io
import sys

import nbformat
import tqdm.auto

from ann.progress import progress_bar


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
