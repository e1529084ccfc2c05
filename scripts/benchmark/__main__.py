"""``python -m scripts.benchmark``: the same program as the ``ann-benchmark`` command."""

import sys

from scripts.benchmark.command import main

sys.exit(main())
