"""``python -m scripts.tree_demo``: the ``ann-tree-demo`` command (``ann.commands.tree_demo``)."""

from ann.commands.tree_demo import main

if __name__ == "__main__":
    main()
