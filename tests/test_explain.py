"""summary and explain: the text is read back and checked against the live arrays; the
README's sample is what the code prints."""

import re
from pathlib import Path

import numpy as np
import pytest

from ann import ANN
from ann.explain import explain, summary

SHAPE = re.compile(r"\((\d+(?:, \d+)*)\)")
LINE = re.compile(r"^\s+(d?[ZAWb]\d+) = (.*?)\s+: (.*)$")


def shapes(text):
    return [tuple(int(n) for n in group.split(", ")) for group in SHAPE.findall(text)]


def parse(text):
    """{name: (formula, [operand shapes], result shape)} for every equation line."""
    lines = {}
    for line in text.splitlines():
        match = LINE.match(line)
        if match:
            name, formula, right = match.groups()
            assert name not in lines, f"{name} twice"
            found = shapes(right)
            lines[name] = (formula, found[:-1], found[-1])
    return lines


def make_data(n, n_features=12, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_features))
    y = np.digitize(X[:, 0] + X[:, 1], np.linspace(0, 2, n_classes + 1)[1:-1])
    return X, y


@pytest.fixture(params=["two layers", "three layers"])
def case(request):
    if request.param == "two layers":
        X, y = make_data(57)
        model = ANN([7, 1], learning_rate=0.5, n_iterations=5, quiet=True).fit(X, y)
    else:
        X, y = make_data(43, n_features=9, n_classes=3)
        model = ANN([6, 5, 3], activation=["relu", "tanh"], n_iterations=5, quiet=True)
        model.fit(X, y)
    return model, X, y


def test_explain_shapes_are_those_of_the_arrays(case, capsys):
    model, X, y = case
    text = explain(model, X, y)
    assert capsys.readouterr().out == text + "\n"
    lines = parse(text)
    L, n = model.n_layers, len(X)
    AL, store = model.forward(X)
    grads = model.backward(X, y, store)
    P = model.parameters

    expected = ["A0"]
    for l in range(1, L + 1):
        expected += [f"Z{l}", f"A{l}"]
    for l in range(L, 0, -1):
        expected += [f"dZ{l}", f"dW{l}", f"db{l}"] + ([f"dA{l - 1}"] if l > 1 else [])
    assert list(lines) == expected
    assert "dA0" not in text

    assert lines["A0"][2] == store["A0"].shape == (X.shape[1], n)
    for l in range(1, L + 1):
        formula, operands, result = lines[f"Z{l}"]
        assert formula == f"W{l} A{l - 1} + b{l}"
        assert operands == [P[f"W{l}"].shape, store[f"A{l - 1}"].shape, P[f"b{l}"].shape]
        assert result == store[f"Z{l}"].shape
        formula, _, result = lines[f"A{l}"]
        assert formula == f"{model.architecture.activation(l)}(Z{l})"
        assert result == store[f"A{l}"].shape
        # backward: each gradient has the shape of what it is the gradient of
        assert lines[f"dZ{l}"][2] == store[f"Z{l}"].shape
        formula, operands, result = lines[f"dW{l}"]
        assert formula == f"dZ{l} A{l - 1}.T / n"
        assert operands == [store[f"Z{l}"].shape, store[f"A{l - 1}"].T.shape]
        assert result == grads[f"dW{l}"].shape == P[f"W{l}"].shape
        assert lines[f"db{l}"][2] == grads[f"db{l}"].shape == P[f"b{l}"].shape
        if l < L:
            assert lines[f"dZ{l}"][0] == f"dA{l} * {model.architecture.activation(l)}'(Z{l})"
            formula, operands, result = lines[f"dA{l}"]
            assert formula == f"W{l + 1}.T dZ{l + 1}"
            assert operands == [P[f"W{l + 1}"].T.shape, store[f"Z{l + 1}"].shape]
            assert result == store[f"A{l}"].shape
    assert lines[f"dZ{L}"][0] == f"A{L} - Y"
    assert lines[f"dZ{L}"][1] == [AL.shape, AL.shape]
    assert f"n = {n} samples" in text
    cost = float(re.search(r"cost = .* = (\S+)", text).group(1))
    assert cost == pytest.approx(model.compute_cost(X, y), rel=1e-5)


def test_explain_follows_the_data(case):
    """Nothing is hard-coded: other sample counts give other shapes."""
    model, X, y = case
    for n in (1, 5):
        lines = parse(explain(model, X[:n], y[:n]))
        assert lines[f"Z{model.n_layers}"][2] == (model.layers_size[-1], n)
        assert lines["dW1"][1][1] == (n, X.shape[1])


def test_explain_without_labels_uses_predictions(case, capsys):
    model, X, _ = case
    text = model.explain(X)  # ANN.explain delegates to ann.explain
    assert "the model's own predictions" in text
    cost = float(re.search(r"cost = .* = (\S+)", text).group(1))
    assert cost == pytest.approx(model.compute_cost(X, model.predict(X)), rel=1e-5)
    assert capsys.readouterr().out.startswith("One training step of")


def test_explain_l2_and_optimizer_are_mentioned():
    X, y = make_data(30)
    model = ANN([4, 1], l2=0.5, optimizer="adam", n_iterations=2, quiet=True).fit(X, y)
    text = explain(model, X, y)
    assert "dW1 = dZ1 A0.T / n + 0.5 W1 / n" in text
    assert "+ L2 term" in text and "adam" in text
    assert "dA0" not in text


def test_explain_validates():
    X, y = make_data(20)
    with pytest.raises(ValueError, match="fit"):
        explain(ANN([3, 1]), X, y)
    with pytest.raises(TypeError, match="ANN"):
        explain(object(), X, y)
    model = ANN([3, 1], n_iterations=2, quiet=True).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        explain(model, X[:, :5], y)
    with pytest.raises(ValueError):
        explain(model, X, y[:-1])
    with pytest.raises(ValueError, match="not among the classes"):
        explain(model, X, y + 3)


def test_summary_counts(case, capsys):
    model, X, _ = case
    text = summary(model)
    assert capsys.readouterr().out == text + "\n"
    rows = [line.split() for line in text.splitlines() if re.match(r"^\s+\d+\s", line)]
    assert len(rows) == model.n_layers
    total = 0
    for l, row in enumerate(rows, start=1):
        W, b = model.parameters[f"W{l}"], model.parameters[f"b{l}"]
        assert int(row[0]) == l and int(row[1]) == W.shape[0]
        assert row[2] == model.architecture.activation(l)
        line_shapes = shapes(" ".join(row))
        assert line_shapes == [W.shape, b.shape]
        count = int(row[-1].replace(",", ""))
        assert count == W.size + b.size
        total += count
    assert total == sum(p.size for p in model.parameters.values())
    last = text.splitlines()[-1].split()
    assert last[0] == "total" and int(last[-1].replace(",", "")) == total
    assert f"{X.shape[1]} features" in text


def test_summary_of_the_articles_network():
    model = ANN([196, 1])
    model.initialize_parameters(784)
    text = model.summary()  # ANN.summary delegates to ann.explain
    assert "(196, 784)" in text and "(196, 1)" in text and "(1, 196)" in text
    assert "153,860" in text and "197" in text and text.rstrip().endswith("154,057")


def test_summary_needs_parameters():
    with pytest.raises(ValueError, match="initialize_parameters"):
        summary(ANN([3, 1]))


def page_explain_example():
    """docs/backprop.md's explain example (the code cell that calls ``model.explain``)
    and its table of shapes: every shape the page's equations quote, as
    ``(196, 784) x (784, 11272) + (196, 1) -> (196, 11272)``."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "backprop.md").read_text()
    cells = re.findall(r"```\{code-cell\} python\n(.*?)```", page, flags=re.DOTALL)
    (code,) = [cell for cell in cells if "model.explain(train_x, train_y)" in cell]
    quoted = page.split("## `explain()` on the real data")[0]
    shape = r"\(\d+, \d+\)"
    shapes = re.findall(rf"`({shape}(?: [x*+-] {shape})*(?: -> {shape})?)`", quoted)
    return code, shapes


def test_the_pages_shapes_are_what_explain_prints(mnist_dir, capsys, monkeypatch):
    """The page's example, run on the article's data, prints every step of the
    walk-through, and every shape the page's derivation quotes is one that explain
    reads from the arrays (the page's figures are the code's)."""
    code, shapes = page_explain_example()
    monkeypatch.setenv("MNIST_DIR", str(mnist_dir))
    exec(code, {})
    printed = capsys.readouterr().out
    assert printed.startswith("One training step of ANN([196, 1])")
    assert "cost = binary cross-entropy(A2, Y) = 0.704378" in printed
    steps = {line.split(":", 1)[1].strip() for line in printed.splitlines() if " : " in line}
    assert len(shapes) >= 8, shapes
    for shape in shapes:
        assert shape in steps, f"the page quotes {shape}, which explain does not print"
