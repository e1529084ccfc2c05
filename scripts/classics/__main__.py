"""``python -m scripts.classics``: the same program as ``ann-classics``."""

from ann.commands.classics.command import main

main()
