"""``python -m ita_analytics``: the command line."""

import sys

from ita_analytics.cli import main

sys.exit(main())
