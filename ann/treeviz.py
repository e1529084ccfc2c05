"""Pictures of an :mod:`ann.tree` graph: a matplotlib figure and a Graphviz DOT string.

Both show every node once (shared nodes are drawn once, with one edge per parent),
labelled with its type, its cached ``value`` and its ``gradient``. Meant for small
trees (tens of nodes). ``draw_tree`` computes its layout here and needs no Graphviz;
``render_dot`` runs Graphviz's ``dot`` on ``to_dot``'s output (Debian: ``apt-get
install graphviz``).
"""

from __future__ import annotations

import re
import shutil
import subprocess

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ann.files import StrPath, atomic_path
from ann.tree import Constant, Input, Leaf, NeuralNetNode, Parameter

# box colours by node kind
_COLOURS = {Parameter: "#b7e4b0", Input: "#a9cdf0", Constant: "#dddddd"}
_OP_COLOUR = "#fbe3b0"


def _check_root(root: object) -> None:
    """TypeError unless ``root`` is a node of :mod:`ann.tree`."""
    if not isinstance(root, NeuralNetNode):
        raise TypeError(f"root must be an ann.tree node, got {type(root).__name__}")


def _fmt(x: float | None) -> str:
    return "?" if x is None else f"{x:.4g}"


def node_label(node: NeuralNetNode) -> str:
    """Type name, value and gradient on three lines (``?``: not computed yet)."""
    return f"{type(node).__name__}\nv={_fmt(node.value)}\ng={_fmt(node.gradient)}"


def _colour(node: NeuralNetNode) -> str:
    for kind, colour in _COLOURS.items():
        if isinstance(node, kind):
            return colour
    return "#ffffff" if isinstance(node, Leaf) else _OP_COLOUR


def layered_layout(root: NeuralNetNode) -> dict[NeuralNetNode, tuple[float, int]]:
    """Positions ``{node: (x, layer)}``: layer = longest path from the root, so every
    edge points down; inside a layer nodes are ordered by the mean x of their parents
    and spread evenly (x in [0, 1])."""
    _check_root(root)
    order = root.topological_order()  # children before parents
    layer = {root: 0}
    parents: dict[NeuralNetNode, list[NeuralNetNode]] = {node: [] for node in order}
    for node in reversed(order):  # parents before children
        for child in node.children:
            layer[child] = max(layer.get(child, 0), layer[node] + 1)
            if node not in parents[child]:
                parents[child].append(node)
    rows: dict[int, list[NeuralNetNode]] = {}
    for node in reversed(order):
        rows.setdefault(layer[node], []).append(node)
    x: dict[NeuralNetNode, float] = {}
    for depth in sorted(rows):
        row = rows[depth]
        if depth > 0:  # under the parents, left-to-right among siblings

            def key(n: NeuralNetNode) -> float:
                spots = [x[p] + 1e-3 * p.children.index(n) / len(p.children) for p in parents[n]]
                return sum(spots) / len(spots)

            row.sort(key=key)
        for i, node in enumerate(row):
            x[node] = (i + 1) / (len(row) + 1)
    return {node: (x[node], layer[node]) for node in order}


def draw_tree(root: NeuralNetNode, path: StrPath | None = None, title: str | None = None) -> Figure:
    """Draw the graph below ``root`` as boxes and arrows; return the matplotlib Figure.

    One text label per node (type, value, gradient); parameters green, inputs blue,
    constants grey, operations orange. If ``path`` is given the figure is saved there.
    Uses no pyplot state, so it works headless (Agg).
    """
    pos = layered_layout(root)
    n_layers = 1 + max(layer for _, layer in pos.values())
    widest = max(sum(1 for _, layer in pos.values() if layer == d) for d in range(n_layers))
    fig = Figure(figsize=(max(4.0, 1.25 * widest + 1), max(3.0, 1.05 * n_layers + 0.6)))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.92 if title else 0.98))
    ax.set_xlim(0, 1)
    ax.set_ylim(n_layers - 0.5, -0.5)
    ax.axis("off")
    for node, (x, y) in pos.items():
        for child in dict.fromkeys(node.children):  # one arrow per distinct child
            cx, cy = pos[child]
            ax.add_patch(
                FancyArrowPatch(
                    (x, y + 0.28),
                    (cx, cy - 0.28),
                    arrowstyle="->",
                    mutation_scale=9,
                    color="#555555",
                    lw=0.8,
                )
            )
    for node, (x, y) in pos.items():
        ax.text(
            x,
            y,
            node_label(node),
            ha="center",
            va="center",
            fontsize=7,
            family="monospace",
            bbox=dict(boxstyle="round,pad=0.3", fc=_colour(node), ec="#333333", lw=0.8),
        )
    if title:
        fig.suptitle(title, fontsize=9)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def _dot_string(text: str) -> str:
    """``text`` as a quoted DOT string; a newline becomes a line break of the label."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(root: NeuralNetNode) -> str:
    """The graph below ``root`` as a Graphviz DOT string.

    One box per node, labelled and coloured as in ``draw_tree``; one edge per
    parent -> child link (a child used twice gets two), each node's children drawn left
    to right in their order (``ordering=out``). ``render_dot`` turns it into a picture.
    """
    _check_root(root)
    order = root.topological_order()[::-1]  # parents before children
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    lines = [
        "digraph tree {",
        "  ordering=out;",
        '  node [shape=box, style="rounded,filled", fontname=monospace];',
    ]
    for node in order:
        lines.append(
            f'  {ids[node]} [label={_dot_string(node_label(node))}, fillcolor="{_colour(node)}"];'
        )
    for node in order:
        lines.extend(f"  {ids[node]} -> {ids[child]};" for child in node.children)
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_dot(root: NeuralNetNode, path: StrPath, fmt: str = "png") -> bool:
    """Render ``to_dot(root)`` to ``path`` in format ``fmt`` (png, svg, pdf, ...) with
    Graphviz's ``dot``, atomically; return False (writing nothing) if ``dot`` is not
    installed, True once written. A format or graph ``dot`` refuses is a ValueError
    quoting its message.
    """
    _check_root(root)
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a str such as 'png', got {type(fmt).__name__}")
    if not re.fullmatch(r"[\w.:-]+", fmt):
        raise ValueError(f"fmt must be a Graphviz output format such as 'png', got {fmt!r}")
    dot = shutil.which("dot")
    if dot is None:
        return False
    source = to_dot(root).encode("utf-8")
    with atomic_path(path, suffix="." + fmt) as temporary:
        result = subprocess.run(
            [dot, f"-T{fmt}", "-o", str(temporary)], input=source, capture_output=True
        )
        if result.returncode != 0:
            message = " ".join(result.stderr.decode("utf-8", "replace").split())
            raise ValueError(f"Graphviz dot could not render {path} as {fmt}: {message}")
    return True
