"""`python -m generate.rest_em`: ReST-EM self-training (see cli.py)."""

import sys

from generate.rest_em.cli import main

sys.exit(main())
