"""``python -m scripts.classics``: the ``ann-classics`` command (``ann.commands.classics``)."""
