"""ann.textbook, the article's algorithm in one page, computes what ANN computes: the
same costs and parameters on MNIST 5 vs 8 with the article's settings, for every hidden
activation the page covers; and the page stands alone."""

import ast
from pathlib import Path

import numpy as np
import pytest

from ann import ANN, textbook
from ann.activations import HIDDEN_ACTIVATIONS
from ann.data import get_binary_dataset, pre_process_data
from ann.presets import PRESETS

ARTICLE = PRESETS["article"]  # 784-196-1, learning rate 0.1, full-batch gradient descent
N_SAMPLES = 200
N_ITERATIONS = 30  # of the article's 1000: a few seconds for all the activations


@pytest.fixture(scope="module")
def five_or_eight(mnist_dir):
    """The first ``N_SAMPLES`` training images of 5 vs 8, scaled to [0, 1], and their
    labels (0 for 5, 1 for 8)."""
    train_x, train_y, test_x, _ = get_binary_dataset(data_dir=mnist_dir)
    X, _ = pre_process_data(train_x[:N_SAMPLES], test_x[:1])
    return X, train_y[:N_SAMPLES]


@pytest.mark.parametrize("layers_size", [ARTICLE["layers_size"], [32, 16, 1]])
@pytest.mark.parametrize("activation", list(textbook.ACTIVATIONS))
def test_the_textbook_and_ann_give_the_same_costs_and_parameters(
    five_or_eight, activation, layers_size
):
    X, y = five_or_eight
    settings = dict(ARTICLE, layers_size=layers_size, n_iterations=N_ITERATIONS)
    model = ANN(**settings, activation=activation, quiet=True).fit(X, y)
    parameters, costs = textbook.fit(
        X,
        y[None, :].astype(float),
        layers_size,
        activation,
        settings["learning_rate"],
        N_ITERATIONS,
    )
    np.testing.assert_allclose(costs, model.costs, rtol=0, atol=1e-12)
    assert costs[-1] < 0.9 * costs[0]  # it learns: the comparison is not of two no-ops
    assert sorted(parameters) == sorted(model.parameters)
    for name, value in parameters.items():
        np.testing.assert_allclose(value, model.parameters[name], rtol=0, atol=1e-12)


def test_the_textbook_covers_every_hidden_activation_of_ann():
    assert set(textbook.ACTIVATIONS) == set(HIDDEN_ACTIVATIONS)
    assert set(textbook.DERIVATIVES) == set(HIDDEN_ACTIVATIONS)


def test_the_same_seed_draws_the_same_first_parameters():
    model = ANN([5, 3, 1], seed=7)
    drawn = model.initialize_parameters(4)
    for name, value in textbook.initialize([4, 5, 3, 1], seed=7).items():
        np.testing.assert_array_equal(value, drawn[name])


def test_an_unknown_activation_is_named():
    with pytest.raises(ValueError, match="'softplus' is unknown"):
        textbook.forward(np.zeros((2, 3)), textbook.initialize([3, 1]), "softplus")


def imports(path):
    """``(level, module, names)`` of every import statement of the file at ``path``:
    ``level`` is 0 for an absolute import, 1 for ``from . import``, and so on."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(0, alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(a.name for a in node.names)))
    return found


def test_the_textbook_imports_nothing_from_ann():
    found = imports(Path(textbook.__file__))
    assert all(level == 0 for level, _, _ in found), found
    assert {module.split(".")[0] for _, module, _ in found} <= {
        "__future__",
        "collections",
        "numpy",
    }, found


def test_nothing_in_ann_imports_the_textbook():
    for path in Path(textbook.__file__).parent.rglob("*.py"):
        for _, module, names in imports(path):
            assert "textbook" not in (*module.split("."), *names), path
