"""``python -m scripts.benchmark``: see :mod:`scripts.benchmark.main`."""

import sys

from scripts.benchmark.main import main

sys.exit(main())
