"""The programs behind the console commands (``ann-train``, ``ann-classics``,
``ann-benchmark``, ``ann-tree-demo``), shipped inside the package so that an installed
``ann`` has them; the checkout's ``scripts/`` are thin entry points to the same code."""
