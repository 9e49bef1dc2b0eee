import sys

from verifiers.math.cli import main

sys.exit(main())
