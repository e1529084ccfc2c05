"""``python -m scripts.benchmark``: the same program as ``ann-benchmark``."""

import sys

from ann.commands.benchmark.command import main

sys.exit(main())
