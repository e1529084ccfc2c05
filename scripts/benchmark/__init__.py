"""``python -m scripts.benchmark``: the ``ann-benchmark`` command (``ann.commands.benchmark``)."""
