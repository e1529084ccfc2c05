"""``python -m scripts.classics``: the same program as the ``ann-classics`` command."""

from scripts.classics.command import main

main()
