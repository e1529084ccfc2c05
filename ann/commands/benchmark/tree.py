"""Section ``tree``: the tree engine's forward + backward at 1x, 2x and 4x nodes."""

import numpy as np

from ann import ANN, tree
from ann.commands.benchmark.harness import median, timed


def measure(report, data, args, peers):
    base = 8 if args.quick else 32
    features = 16
    report.section(
        "tree",
        "Tree engine: forward + backward of tree_from_ann's cost "
        f"({features}-8-1 sigmoid; nodes grow with the samples)",
    )
    rng = np.random.default_rng(0)
    model = ANN([8, 1], quiet=True)
    model.initialize_parameters(features)
    reference = None
    for scale in (1, 2, 4):
        n = base * scale
        X = rng.random((n, features))
        y = np.arange(n) % 2
        root, _ = tree.tree_from_ann(model, X, y)
        nodes = len(root.topological_order())

        def step(root=root):
            root.forward()
            root.backward()

        step()
        seconds = median([timed(step) for _ in range(max(args.repeats, 9))])
        if reference is None:
            reference = (seconds, nodes)
        report.row(
            f"{scale}x: {n} samples, {nodes} nodes",
            seconds,
            seconds / reference[0],
            "1x",
            note=f"nodes {nodes / reference[1]:.2f}x, "
            f"{seconds / nodes * 1e9:.0f} ns per node; time/nodes "
            f"{seconds / reference[0] / (nodes / reference[1]):.2f}x",
            nodes=nodes,
            ns_per_node=seconds / nodes * 1e9,
        )
