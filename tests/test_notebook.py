"""The tutorial notebook runs from top to bottom and shows what it says it shows."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "backprop_mnist.ipynb"


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
    accuracy = float(text.split("on the test images")[0].rsplit(",", 1)[1].strip(" %"))
    assert accuracy > 90
