"""``python -m ann.commands.benchmark`` (``scripts.benchmark`` in a checkout): ``ann-benchmark``."""

import sys

from ann.commands.benchmark.command import main

sys.exit(main())
