import sys

from verifiers.math.cli import main

if __name__ == "__main__":  # a spawned pool worker imports this module as __mp_main__
    sys.exit(main())
