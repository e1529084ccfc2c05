"""Demo of the tree engine: ``ann-tree-demo`` (or ``python -m scripts.tree_demo``)
``[--epochs N] [--learning-rate LR] [--seed S] [--out PATH]``.

1. Trains the linear model ``w * x + b`` on y = 3x + 2 (squared error, per-sample
   gradient descent) and prints the learned w and b (close to 3 and 2).
2. Builds a 2-2-1 sigmoid network on one sample, runs forward and backward (binary
   cross-entropy) and draws its tree to a picture (default ``tree.png``).
A bad flag value prints a one-line error and exits with status 2.
"""

import sys

import matplotlib

matplotlib.use("Agg")

from ann import tree
from ann.commands._cli import (
    OneLineParser,
    check_picture_format,
    integer,
    positive_float,
    positive_int,
)
from ann.files import check_can_write
from ann.treeviz import draw_tree


def build_parser():
    parser = OneLineParser(
        prog="ann-tree-demo",
        description="Demo of the tree engine (also: python -m scripts.tree_demo). "
        + __doc__.split("\n\n")[1].strip(),
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=200,
        help="training epochs for the linear model (default 200)",
    )
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=0.05,
        help="learning rate of the parameters (default 0.05)",
    )
    parser.add_argument("--seed", type=integer, default=0, help="seed of ann.tree (default 0)")
    parser.add_argument(
        "--out",
        default="tree.png",
        help="the picture, its format from the file name's ending "
        "(default tree.png in the current folder)",
    )
    return parser


def check_out(parser, path):
    """A usage error when the picture could not be written at ``path``, or in its format."""
    try:
        check_can_write(path, "--out")
        check_picture_format(path)
    except OSError as error:
        parser.error(f"--out: {error.strerror or error}")
    except ValueError as error:
        parser.error(f"--out: {error}")


def train_line(epochs, learning_rate):
    """Fit w * x + b to y = 3x + 2 on 21 points in [-1, 1]; return (w, b, losses)."""
    w = tree.Parameter(learning_rate=learning_rate)
    b = tree.Parameter(learning_rate=learning_rate)
    model = tree.Add([tree.Multiply([w, tree.Input()]), b])
    data = [([x], 3.0 * x + 2.0) for x in (i / 10 - 1.0 for i in range(21))]
    losses = tree.train_model(model, tree.mse, None, data, epochs)
    return w.value, b.value, losses


def small_network():
    """A 2-2-1 sigmoid network and its binary cross-entropy on one sample (x, t=1)."""
    x = [tree.Input(0.5), tree.Input(-1.0)]
    hidden = [
        tree.Sigmoid(
            tree.Add([tree.Multiply([tree.Parameter(), xi]) for xi in x] + [tree.Parameter()])
        )
        for _ in range(2)
    ]
    out = tree.Sigmoid(
        tree.Add([tree.Multiply([tree.Parameter(), h]) for h in hidden] + [tree.Parameter()])
    )
    loss = tree.Negate(tree.Log(out))  # -log p for the target t = 1
    return loss


def demo(args):
    """Train the line, draw the small network's tree; returns 0."""
    tree.seed(args.seed)
    w, b, losses = train_line(args.epochs, args.learning_rate)
    print(
        f"linear model on y = 3x + 2: w = {w:.6f}, b = {b:.6f} "
        f"(mean squared error {losses[0]:.4g} -> {losses[-1]:.3g} after {len(losses)} epochs)"
    )
    loss = small_network()
    loss.forward()
    loss.backward()
    n_nodes = len(loss.topological_order())
    draw_tree(loss, args.out, title="2-2-1 sigmoid network, loss -log(p) on one sample")
    print(f"2-2-1 network: loss {loss.value:.6f}; tree of {n_nodes} nodes drawn to {args.out}")
    return 0


def main(argv=None):
    """Run the demo; returns 0 (the exit status of the ``ann-tree-demo`` command)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    check_out(parser, args.out)
    return parser.run(lambda: demo(args), failures=(ValueError, OSError, ArithmeticError))


if __name__ == "__main__":
    sys.exit(main())
