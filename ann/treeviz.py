"""Pictures of an :mod:`ann.tree` graph: a matplotlib figure and a Graphviz DOT string.

Both show every node once (shared nodes are drawn once, with one edge per parent),
labelled with its type, its cached ``value`` and its ``gradient``. Meant for small
trees (tens of nodes); the layout is computed here, no Graphviz needed.
"""
import shutil
import subprocess

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ann.tree import Leaf, Parameter, Input, Constant

# box colours by node kind
_COLOURS = {Parameter: "#b7e4b0", Input: "#a9cdf0", Constant: "#dddddd"}
_OP_COLOUR = "#fbe3b0"


def _fmt(x):
    return "?" if x is None else f"{x:.4g}"


def node_label(node):
    """Type name, value and gradient on three lines (``?``: not computed yet)."""
    return f"{type(node).__name__}\nv={_fmt(node.value)}\ng={_fmt(node.gradient)}"


def _colour(node):
    for kind, colour in _COLOURS.items():
        if isinstance(node, kind):
            return colour
    return "#ffffff" if isinstance(node, Leaf) else _OP_COLOUR


def layered_layout(root):
    """Positions ``{node: (x, layer)}``: layer = longest path from the root, so every
    edge points down; inside a layer nodes are ordered by the mean x of their parents
    and spread evenly (x in [0, 1])."""
    order = root.topological_order()            # children before parents
    layer = {root: 0}
    parents = {node: [] for node in order}
    for node in reversed(order):                # parents before children
        for child in node.children:
            layer[child] = max(layer.get(child, 0), layer[node] + 1)
            if node not in parents[child]:
                parents[child].append(node)
    rows = {}
    for node in reversed(order):
        rows.setdefault(layer[node], []).append(node)
    x = {}
    for depth in sorted(rows):
        row = rows[depth]
        if depth > 0:   # under the parents, left-to-right among siblings
            def key(n):
                spots = [x[p] + 1e-3 * p.children.index(n) / len(p.children) for p in parents[n]]
                return sum(spots) / len(spots)
            row.sort(key=key)
        for i, node in enumerate(row):
            x[node] = (i + 1) / (len(row) + 1)
    return {node: (x[node], layer[node]) for node in order}


def draw_tree(root, path=None, title=None):
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
        for child in dict.fromkeys(node.children):     # one arrow per distinct child
            cx, cy = pos[child]
            ax.add_patch(FancyArrowPatch((x, y + 0.28), (cx, cy - 0.28), arrowstyle="->",
                                         mutation_scale=9, color="#555555", lw=0.8))
    for node, (x, y) in pos.items():
        ax.text(x, y, node_label(node), ha="center", va="center", fontsize=7,
                family="monospace",
                bbox=dict(boxstyle="round,pad=0.3", fc=_colour(node), ec="#333333", lw=0.8))
    if title:
        fig.suptitle(title, fontsize=9)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def to_dot(root):
    """The graph as a Graphviz DOT string (edges parent -> child, one node statement each)."""
    order = root.topological_order()
    ids = {node: f"n{i}" for i, node in enumerate(reversed(order))}
    lines = ["digraph tree {", "  node [shape=box, style=\"rounded,filled\", fontname=monospace];"]
    for node in reversed(order):
        label = node_label(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'  {ids[node]} [label="{label}", fillcolor="{_colour(node)}"];')
    for node in reversed(order):
        for child in node.children:
            lines.append(f"  {ids[node]} -> {ids[child]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_dot(root, path, fmt="png"):
    """Render ``to_dot(root)`` with the ``dot`` binary if installed; return whether it was."""
    dot = shutil.which("dot")
    if dot is None:
        return False
    subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=to_dot(root), text=True, check=True)
    return True
