"""ann.treeviz.to_dot and render_dot through the real Graphviz ``dot``.

Every node's label must come out of ``dot`` exactly as ``node_label`` wrote it (so the
quoting is right), every edge must be drawn, and the PNG must be a real picture.
"""

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ElementTree
from collections import Counter

import numpy as np
import pytest

from ann import ANN
from ann.tree import Add, Constant, Input, Multiply, Parameter, Power, ReLU, Sigmoid, tree_from_ann
from ann.treeviz import node_label, render_dot, to_dot

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot is not installed: apt-get install graphviz (CI's .ci/run installs it)",
)
SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def expression(evaluate):
    """sigmoid(w x + (-1) + x x): a shared input, every leaf kind, three operations."""
    x, w = Input(2.0), Parameter(0.5)
    root = Sigmoid(Add([Multiply([w, x]), Constant(-1.0), Multiply([x, x])]))
    if evaluate:
        root.forward()
        root.backward()
    return root


def odd_names():
    """Nodes whose type names hold what DOT and SVG must escape: quotes, a backslash
    sequence dot would expand (\\N: the node's name), braces, <tags>, non-ASCII."""
    quoted = type('Odd "quoted" \\N {x} <b>', (Add,), {})
    accented = type("Größe & µ", (ReLU,), {})
    return accented(quoted([Parameter(1.5), Power(Input(-2.0), 3)]))


def ann_cost_tree():
    """The cost of a 2-3-1 ANN on two samples, as built by tree_from_ann, after backward."""
    model = ANN([3, 1], activation="relu", seed=0)
    model.initialize_parameters(2)
    cost, _ = tree_from_ann(model, np.array([[0.5, -1.0], [1.5, 2.0]]), np.array([0, 1]))
    cost.forward()
    cost.backward()
    return cost


TREES = {
    "expression": lambda: expression(evaluate=False),
    "evaluated": lambda: expression(evaluate=True),
    "odd names": odd_names,
    "ANN cost": ann_cost_tree,
}


def run_dot(source, fmt):
    result = subprocess.run(
        ["dot", f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=60
    )
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    return result.stdout


def rendered(root):
    """Graphviz's SVG of ``to_dot(root)``: ({node id: (text lines, x)}, Counter of edges)."""
    svg = ElementTree.fromstring(run_dot(to_dot(root), "svg"))
    nodes, edges = {}, Counter()
    for group in svg.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title").text
        texts = group.findall(f"{SVG}text")
        if group.get("class") == "node":
            nodes[title] = ([t.text for t in texts], float(texts[0].get("x")))
        elif group.get("class") == "edge":
            edges[title] += 1
    return nodes, edges


@needs_dot
@pytest.mark.parametrize("name", TREES)
def test_dot_draws_every_label_and_edge_as_written(name):
    root = TREES[name]()
    order = root.topological_order()[::-1]
    ids = {node: f"n{i}" for i, node in enumerate(order)}  # to_dot's numbering
    nodes, edges = rendered(root)
    assert {ids[n]: node_label(n).split("\n") for n in order} == {
        node: lines for node, (lines, _) in nodes.items()
    }
    assert edges == Counter(f"{ids[n]}->{ids[child]}" for n in order for child in n.children)


@needs_dot
def test_children_are_drawn_left_to_right_in_order():
    root = expression(evaluate=True)
    add = root.children[0]
    nodes, _ = rendered(root)
    order = root.topological_order()[::-1]
    xs = [nodes[f"n{order.index(child)}"][1] for child in add.children]
    assert xs == sorted(xs) and len(set(xs)) == 3


@needs_dot
@pytest.mark.parametrize("name", TREES)
def test_render_dot_writes_a_png(tmp_path, name):
    path = tmp_path / "tree.png"
    assert render_dot(TREES[name](), path) is True
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 2000
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width > 100 and height > 100
    assert [p.name for p in tmp_path.iterdir()] == ["tree.png"]


@needs_dot
def test_a_format_dot_refuses_is_a_value_error(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"dot could not render .*tree\.xyz as xyz: "
        r'Format: "xyz" not recognized',
    ):
        render_dot(expression(evaluate=False), tmp_path / "tree.xyz", fmt="xyz")
    assert list(tmp_path.iterdir()) == []


def test_without_dot_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render_dot(expression(evaluate=False), tmp_path / "tree.png") is False
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: to_dot("x + y"), TypeError, "root must be an ann.tree node, got str"),
        (lambda: render_dot(None, "t.png"), TypeError, "root must be an ann.tree node"),
        (lambda: render_dot(Constant(1.0), "t.png", fmt="png -o x"), ValueError, "fmt must be"),
        (lambda: render_dot(Constant(1.0), "t.png", fmt=None), TypeError, "fmt must be a str"),
    ],
)
def test_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()
