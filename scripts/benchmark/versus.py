"""``python -m scripts.benchmark.versus``: ``ann.commands.benchmark.versus``'s program."""

import sys

from ann.commands.benchmark.versus import main

if __name__ == "__main__":
    sys.exit(main())
