"""``python -m ann.commands.classics`` (``scripts.classics`` in a checkout): ``ann-classics``."""

from ann.commands.classics.command import main

main()
