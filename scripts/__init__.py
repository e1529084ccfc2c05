"""The checkout's entry points: ``python -m scripts.train_mnist``, ``scripts.classics``,
``scripts.benchmark``, ``scripts.tree_demo``. Each runs a program of ``ann.commands``
(the code the console commands ``ann-train`` ... run); nothing here is installed."""
