"""`python -m generate.geometry`: AlphaGeometry-style theorem generation (see cli.py)."""

import sys

from generate.geometry.cli import main

sys.exit(main())
