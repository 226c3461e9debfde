"""``python -m numnet``: the same command line as the ``numnet`` console script."""

import sys

from numnet.cli import main

if __name__ == "__main__":
    sys.exit(main())
