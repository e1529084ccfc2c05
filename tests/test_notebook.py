"""The tutorial notebook runs from top to bottom and shows what it says it shows; what
``summary`` and ``explain`` print is shown once in a notebook."""

import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "backprop_mnist.ipynb"


def read():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_is_committed_without_outputs():
    notebook = read()
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.fixture
def executed(mnist_dir, monkeypatch):
    """The notebook executed by a python3 kernel of this interpreter, in notebooks/.

    The kernel inherits the environment: MNIST_DIR (absolute, since the kernel runs in
    another folder) and the test session's private MNIST cache."""
    from nbclient import NotebookClient

    monkeypatch.setenv("MNIST_DIR", str(Path(mnist_dir).resolve()))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = read()
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    return notebook


def outputs_of(cell):
    text, images = [], 0
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            text.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            images += "image/png" in output.data
            text.append(output.data.get("text/plain", ""))
        assert output.output_type != "error", output
    return "".join(text), images


def test_notebook_runs_and_shows_everything(executed):
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    results = [outputs_of(cell) for cell in code]
    text = "\n".join(t for t, _ in results)
    assert sum(images for _, images in results) == 5  # cost, weights x2, mistakes, sizes
    for source_part in ("plot_cost()", "plot_weights(", "plot_mistakes(", "plot_costs("):
        cell = next(i for i, c in enumerate(code) if source_part in c.source)
        assert results[cell][1] == 1, f"no picture from the cell with {source_part}"
    assert "training on (1000, 784)" in text
    assert "Z1 = W1 A0 + b1" in text
    assert "(64, 784) x (784, 1000) + (64, 1) -> (64, 1000)" in text
    assert "dW1 = dZ1 A0.T / n" in text and "dA0" not in text
    assert "total" in text and "50,305" in text  # 784*64+64 + 64+1
    assert "16 hidden units: test accuracy" in text
    for source_part in ("model.summary()", "model.explain("):
        cell = next(c for c in code if source_part in c.source)
        assert source_part + ";" not in cell.source, "no semicolon needed to hide the value"
        kinds = [output.output_type for output in cell.outputs]
        assert "execute_result" not in kinds, f"{source_part} shown twice: {kinds}"
    accuracy = float(text.split("on the test images")[0].rsplit(",", 1)[1].strip(" %"))
    assert accuracy > 90


def execute_cells(*sources, folder):
    """A notebook of the code cells ``sources`` executed by a python3 kernel of this
    interpreter in ``folder``; returns the cells."""
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in sources]
    )
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return notebook.cells


SMALL_MODEL = """\
import numpy as np
from ann import ANN

rng = np.random.default_rng(0)
X = rng.random((20, 6))
y = (X[:, 0] > 0.5).astype(int)
model = ANN([3, 1], n_iterations=2, quiet=True).fit(X, y)"""


@pytest.mark.parametrize(
    "call,first_line,last_line",
    [
        ("model.summary()", "ANN([3, 1], n_iterations=2, quiet=True)", "total"),
        ("model.explain(X, y)", "One training step of ANN(", "Wl -= learning_rate"),
    ],
)
def test_summary_and_explain_show_once_as_a_cells_value(tmp_path, call, first_line, last_line):
    """As a cell's last line (no semicolon), the text is printed once and no quoted
    string follows it (the returned text is not displayed again)."""
    cell = execute_cells(SMALL_MODEL, call, folder=tmp_path)[1]
    kinds = [output.output_type for output in cell.outputs]
    assert kinds == ["stream"], f"one printed text and nothing else, got {kinds}"
    text = cell.outputs[0].text
    assert cell.outputs[0].name == "stdout"
    assert text.startswith(first_line) and text.count(first_line) == 1
    assert text.rstrip("\n").splitlines()[-1].strip().startswith(last_line)
    assert "\\n" not in text and not text.startswith(("'", '"'))


def readme_notebook_command():
    """The README's command that runs the notebook, as a list of words."""
    lines = [
        line.strip()
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.strip().startswith("jupyter nbconvert")
    ]
    assert len(lines) == 1, f"one notebook command in the README, found {lines}"
    return shlex.split(lines[0])


def test_the_readmes_notebook_command_runs_it(mnist_dir, tmp_path, monkeypatch):
    """The command, run from the repository as the README says (its ``--output-dir``
    moved to a temporary folder), writes the page with every output of the notebook."""
    command = readme_notebook_command()
    assert "--execute" in command and str(NOTEBOOK.relative_to(ROOT)) in command
    where = command.index("--output-dir") + 1
    command[where] = str(tmp_path)
    monkeypatch.setenv("MNIST_DIR", str(Path(mnist_dir).resolve()))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    result = subprocess.run(
        [sys.executable, "-m", *command],  # python -m jupyter: this environment's
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    page = (tmp_path / "backprop_mnist.html").read_text()
    assert page.count('src="data:image/png;base64') == 5  # the pictures
    for shown in ("Z1 = W1 A0 + b1", "16 hidden units: test accuracy", "50,305"):
        assert shown in page
    assert page.count("One training step of") == 1, "explain's text is shown once"
